/* SPDX-License-Identifier: MIT */
/*
 * registry.c - the table of policies, generated from policies.def.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "frag/policy.h"

#define FRAG_POLICY(sym) extern const struct frag_policy_ops frag_policy_##sym;
#include "policies.def"
#undef FRAG_POLICY

static const struct frag_policy_ops *const registry[] = {
#define FRAG_POLICY(sym) &frag_policy_##sym,
#include "policies.def"
#undef FRAG_POLICY
};

#define NR_POLICIES (sizeof(registry) / sizeof(registry[0]))

unsigned frag_policy_count(void)
{
	return (unsigned)NR_POLICIES;
}

const struct frag_policy_ops *frag_policy_at(unsigned i)
{
	return i < NR_POLICIES ? registry[i] : NULL;
}

const struct frag_policy_ops *frag_policy_find(const char *name)
{
	for (unsigned i = 0; i < NR_POLICIES; i++)
		if (!strcmp(registry[i]->name, name))
			return registry[i];
	return NULL;
}

int frag_policy_registry_check(char *err, size_t errlen)
{
	for (unsigned i = 0; i < NR_POLICIES; i++) {
		const struct frag_policy_ops *p = registry[i];
		if (!p->name || !*p->name || !p->summary) {
			snprintf(err, errlen, "policy #%u has no name or summary", i);
			return -EINVAL;
		}
		if (p->abi_version != FRAG_POLICY_ABI) {
			snprintf(err, errlen, "policy %s: ABI %u, expected %u", p->name, p->abi_version, FRAG_POLICY_ABI);
			return -EINVAL;
		}
		for (unsigned j = 0; j < i; j++)
			if (!strcmp(registry[j]->name, p->name)) {
				snprintf(err, errlen, "policy name %s registered twice", p->name);
				return -EINVAL;
			}
		if ((p->params && p->params[0].name) != (p->opts_size != 0)) {
			snprintf(err, errlen, "policy %s: parameters and opts_size disagree", p->name);
			return -EINVAL;
		}
		for (unsigned k = 0; p->params && p->params[k].name; k++) {
			const struct frag_param *q = &p->params[k];
			double lo = q->min, hi = q->max;
			if (q->type == PARAM_ENUM) {   /* def is an index into choices[] */
				unsigned n = 0;
				while (q->choices && q->choices[n])
					n++;
				lo = 0;
				hi = (double)n - 1;
			}
			if (q->def < lo || q->def > hi || !q->help || !q->unit) {
				snprintf(err, errlen, "policy %s: parameter %s has a default outside its bounds or no help",
					 p->name, q->name);
				return -EINVAL;
			}
		}
	}
	return 0;
}
