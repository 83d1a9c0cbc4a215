/* SPDX-License-Identifier: MIT */
/*
 * registry.c - the table of workload types, generated from workloads.def.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frag/workload.h"

#define FRAG_WORKLOAD(sym) extern const struct frag_workload_ops frag_workload_##sym;
#include "workloads.def"
#undef FRAG_WORKLOAD

static const struct frag_workload_ops *const registry[] = {
#define FRAG_WORKLOAD(sym) &frag_workload_##sym,
#include "workloads.def"
#undef FRAG_WORKLOAD
};

#define NR_WORKLOADS (sizeof(registry) / sizeof(registry[0]))

/* Keys a scenario uses for every instance; no workload parameter may take them. */
static const char *const reserved_keys[] = { "type", "cpus", "start", "stop", NULL };

unsigned frag_workload_count(void)
{
	return (unsigned)NR_WORKLOADS;
}

const struct frag_workload_ops *frag_workload_at(unsigned i)
{
	return i < NR_WORKLOADS ? registry[i] : NULL;
}

const struct frag_workload_ops *frag_workload_find(const char *name)
{
	for (unsigned i = 0; i < NR_WORKLOADS; i++)
		if (!strcmp(registry[i]->name, name))
			return registry[i];
	return NULL;
}

/* Check one parameter: a free key, help, a default inside the bounds. */
static int check_param(const struct frag_workload_ops *w, const struct frag_param *q, void *opts, char *err,
		       size_t errlen)
{
	char msg[512];

	for (unsigned r = 0; reserved_keys[r]; r++)
		if (!strcmp(q->name, reserved_keys[r])) {
			snprintf(err, errlen, "workload %s: parameter '%s' clashes with a scenario key", w->name,
				 q->name);
			return -EINVAL;
		}
	if (!q->help || !q->unit) {
		snprintf(err, errlen, "workload %s: parameter %s has no help or unit", w->name, q->name);
		return -EINVAL;
	}
	switch (q->type) {
	case PARAM_STRING:
	case PARAM_DIST:
		/* The default text must parse and respect the bounds. */
		if (frag_param_set(w->params, opts, q->name, q->sdef ? q->sdef : "", msg, sizeof msg)) {
			snprintf(err, errlen, "workload %s: default of %s: %s", w->name, q->name, msg);
			return -EINVAL;
		}
		return 0;
	case PARAM_ENUM: {
		int n = 0;
		while (q->choices && q->choices[n])
			n++;
		if (q->def < 0 || q->def >= n) {
			snprintf(err, errlen, "workload %s: enum %s has no choice #%g", w->name, q->name, q->def);
			return -EINVAL;
		}
		return 0;
	}
	default:
		if (q->def < q->min || q->def > q->max) {
			snprintf(err, errlen, "workload %s: default of %s is outside its bounds", w->name, q->name);
			return -EINVAL;
		}
		return 0;
	}
}

int frag_workload_registry_check(char *err, size_t errlen)
{
	for (unsigned i = 0; i < NR_WORKLOADS; i++) {
		const struct frag_workload_ops *w = registry[i];
		if (!w->name || !*w->name || !w->summary) {
			snprintf(err, errlen, "workload #%u has no name or summary", i);
			return -EINVAL;
		}
		if (w->abi_version != FRAG_WORKLOAD_ABI) {
			snprintf(err, errlen, "workload %s: ABI %u, expected %u", w->name, w->abi_version,
				 FRAG_WORKLOAD_ABI);
			return -EINVAL;
		}
		for (unsigned j = 0; j < i; j++)
			if (!strcmp(registry[j]->name, w->name)) {
				snprintf(err, errlen, "workload name %s registered twice", w->name);
				return -EINVAL;
			}
		if (!w->start || !w->step) {
			snprintf(err, errlen, "workload %s: start() and step() are required", w->name);
			return -EINVAL;
		}
		if ((w->params && w->params[0].name) != (w->opts_size != 0)) {
			snprintf(err, errlen, "workload %s: parameters and opts_size disagree", w->name);
			return -EINVAL;
		}
		if (!w->opts_size)
			continue;
		void *opts = calloc(1, w->opts_size);
		if (!opts)
			return -ENOMEM;
		int ret = 0;
		for (unsigned k = 0; !ret && w->params[k].name; k++) {
			for (unsigned m = 0; m < k; m++)
				if (!strcmp(w->params[m].name, w->params[k].name)) {
					snprintf(err, errlen, "workload %s: parameter %s listed twice", w->name,
						 w->params[k].name);
					ret = -EINVAL;
				}
			if (!ret)
				ret = check_param(w, &w->params[k], opts, err, errlen);
		}
		free(opts);
		if (ret)
			return ret;
	}
	return 0;
}
