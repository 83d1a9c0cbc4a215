/* SPDX-License-Identifier: MIT */
/*
 * test_conformance.c - what every registered policy must satisfy (issue 5,
 * "a conformance suite every registered policy must pass"). The suite walks
 * the registry, so a new policy is covered the moment it is registered.
 *
 * Per policy:
 *  - its parameter table is complete: snake_case unique names, a unit and a
 *    help line, defaults inside the bounds, defaults that validate, an opts
 *    struct that holds every field;
 *  - `fragsim policies --describe NAME` (argv[1] = the fragsim executable)
 *    prints the summary and every parameter;
 *  - no page lost or duplicated and every invariant after every operation
 *    (frag_mem_consistent(), shadow bitmap, conservation: stress.h) on
 *    several machine shapes: DMA/DMA32 only, holes, two NUMA nodes with a
 *    Movable zone, and a machine of several whole 1 GiB superpageblocks;
 *  - every parameter at its lower and at its upper bound either builds a
 *    machine that then passes the same checks or is refused by init() with
 *    an error message;
 *  - determinism: the same steps from the same seed give the same state
 *    hash (every page, free list, pageblock type and counter);
 *  - a machine under the policy can be cloned (frag_mem_clone(): the
 *    predictions behind every run's hugetlb_1g_allocatable run on clones)
 *    into an equal, consistent copy that lives on after the original.
 */
#include <ctype.h>

#include "stress.h"

static const char *fragsim_exe;

/* The policy (and its opts) the machine builders below use. */
static const struct frag_policy_ops *cur;
static const void *cur_opts;

static void use_policy(struct frag_config *cfg)
{
	cfg->policy = cur;
	cfg->policy_opts = cur_opts;
}

static void shape_holes(struct frag_config *cfg)
{
	static struct frag_hole holes[] = {
		{ 0x9f, 0x100, HOLE_RESERVED },
		{ 0x2000, 0x2400, HOLE_ABSENT },
		{ 0x3001, 0x3003, HOLE_RESERVED },
	};
	use_policy(cfg);
	cfg->geo.holes = holes;
	cfg->geo.nr_holes = sizeof holes / sizeof holes[0];
}

static void shape_numa(struct frag_config *cfg)
{
	use_policy(cfg);
	cfg->geo.node[1].movable_pages = (16 * MiB) >> 12;
}

/* Several whole SPBs in ZONE_NORMAL: a node from 4 GiB to 7 GiB. */
static void shape_spbs(struct frag_config *cfg)
{
	use_policy(cfg);
	cfg->geo.node[0].start_pfn = (4 * GiB) >> 12;
	cfg->geo.node[0].nr_pages = (3 * GiB) >> 12;
}

static bool is_snake(const char *s)
{
	if (!s || !*s || !islower((unsigned char)s[0]))
		return false;
	for (; *s; s++)
		if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s) || *s == '_'))
			return false;
	return true;
}

/* The table: names, units, help, bounds, defaults. */
static void check_params(const struct frag_policy_ops *p)
{
	char err[512];
	unsigned n = frag_param_count(p->params);

	CHECK(p->abi_version == FRAG_POLICY_ABI);
	CHECK(p->summary && strlen(p->summary) > 10);
	for (unsigned i = 0; i < n; i++) {
		const struct frag_param *q = &p->params[i];
		if (!is_snake(q->name))
			printf("# %s: parameter '%s' is not snake_case\n", p->name, q->name);
		CHECK(is_snake(q->name));
		for (unsigned j = 0; j < i; j++)
			CHECK(strcmp(p->params[j].name, q->name) != 0);
		CHECK(q->unit != NULL);
		CHECK(q->help && strlen(q->help) > 5);
		CHECK(q->min <= q->max);
		if (q->type == PARAM_ENUM) {   /* def is an index into choices[] */
			unsigned nc = 0;
			while (q->choices && q->choices[nc])
				nc++;
			CHECK(q->def >= 0 && q->def < nc);
		} else if (q->type != PARAM_STRING && q->type != PARAM_DIST) {
			if (!(q->def >= q->min && q->def <= q->max))
				printf("# %s: default of '%s' outside its bounds\n", p->name, q->name);
			CHECK(q->def >= q->min && q->def <= q->max);
		}
		CHECK(q->offset < p->opts_size);
	}
	if (n) {
		void *opts = calloc(1, p->opts_size);
		frag_param_defaults(p->params, opts);
		if (frag_param_validate(p->params, opts, err, sizeof err))
			printf("# %s: defaults do not validate: %s\n", p->name, err);
		CHECK_EQ(frag_param_validate(p->params, opts, err, sizeof err), 0);
		free(opts);
	}
}

/* `fragsim policies --describe NAME` lists the summary and every parameter. */
static void check_describe(const struct frag_policy_ops *p)
{
	if (!fragsim_exe)
		return;
	char cmd[1024], line[1024];
	snprintf(cmd, sizeof cmd, "'%s' policies --describe '%s'", fragsim_exe, p->name);
	FILE *f = popen(cmd, "r");
	CHECK(f != NULL);
	if (!f)
		return;
	size_t cap = 1 << 16, len = 0;
	char *out = calloc(1, cap);
	while (fgets(line, sizeof line, f) && len + strlen(line) + 1 < cap) {
		memcpy(out + len, line, strlen(line));
		len += strlen(line);
	}
	CHECK_EQ(pclose(f), 0);
	CHECK(strstr(out, p->summary) != NULL);
	for (unsigned i = 0; i < frag_param_count(p->params); i++) {
		char key[160];
		snprintf(key, sizeof key, "%s", p->params[i].name);
		if (!strstr(out, key))
			printf("# %s: --describe does not list '%s'\n", p->name, key);
		CHECK(strstr(out, key) != NULL);
	}
	free(out);
}

/* Every parameter at one bound: init() accepts and the machine conserves pages, or it refuses with a message. */
static void check_bounds(const struct frag_policy_ops *p)
{
	unsigned n = frag_param_count(p->params);
	for (unsigned i = 0; i < n; i++) {
		const struct frag_param *q = &p->params[i];
		if (q->type == PARAM_STRING || q->type == PARAM_DIST || q->type == PARAM_ENUM)
			continue;
		for (int end = 0; end < 2; end++) {
			char val[64], err[512];
			void *opts = calloc(1, p->opts_size);
			frag_param_defaults(p->params, opts);
			double v = end ? q->max : q->min;
			if (q->type == PARAM_DOUBLE)
				snprintf(val, sizeof val, "%.17g", v);
			else if (q->type == PARAM_DURATION)
				snprintf(val, sizeof val, "%.0fns", v * 1e9);   /* bounds are in seconds */
			else
				snprintf(val, sizeof val, "%.0f", v);
			CHECK_EQ(frag_param_set(p->params, opts, q->name, val, err, sizeof err), 0);
			struct frag_config cfg = { 0 };
			struct frag_mem *mem = NULL;
			frag_geometry_simple(&cfg.geo, 64 * MiB, 1, 2);
			frag_sysctl_defaults(&cfg.sysctl);
			cfg.policy = p;
			cfg.policy_opts = opts;
			err[0] = 0;
			if (frag_mem_create(&cfg, &mem, err, sizeof err)) {
				if (!err[0])
					printf("# %s: %s=%s refused without a message\n", p->name, q->name, val);
				CHECK(err[0] != 0);
			} else {
				stress(mem, 11 + i, 300);
			}
			free(opts);
		}
	}
}

/* frag_mem_clone() of a used machine: same hash, consistent, independent of the original. */
static void check_clone(const struct frag_policy_ops *p)
{
	struct frag_mem *mem = mk_mem(64 * MiB, 1, 2, use_policy), *copy = NULL;
	if (!mem)
		return;
	struct frag_owner o = { .id = 3, .kind = KIND_ANON, .flags = OWNER_LRU };
	for (unsigned i = 0; i < 2000; i++)
		frag_alloc_pages(mem, i % 2, i % 3, i % 2 ? GFP_HIGHUSER_MOVABLE : GFP_KERNEL, &o);
	int rc = frag_mem_clone(mem, NULL, &copy);
	if (rc)
		printf("# %s: frag_mem_clone() = %d\n", p->name, rc);
	CHECK_EQ(rc, 0);
	if (!copy) {
		frag_mem_destroy(mem);
		return;
	}
	CHECK_EQ(frag_mem_hash(copy), frag_mem_hash(mem));
	frag_mem_destroy(mem);
	CHECK_CONSISTENT(copy);
	CHECK(frag_alloc_pages(copy, 0, 0, GFP_KERNEL, &o) != FRAG_PFN_NONE);
	CHECK_CONSISTENT(copy);
	frag_mem_destroy(copy);
}

static void check_policy(const struct frag_policy_ops *p)
{
	printf("# policy %s\n", p->name);
	cur = p;
	cur_opts = NULL;
	check_params(p);
	check_describe(p);
	stress(mk_mem(64 * MiB, 1, 2, use_policy), 1, 4000);
	stress(mk_mem(96 * MiB, 1, 3, shape_holes), 2, 4000);
	stress(mk_mem(128 * MiB, 2, 4, shape_numa), 3, 4000);
	struct frag_mem *big = mk_mem(3 * GiB, 1, 4, shape_spbs);
	CHECK(big && big->nr_spbs_total >= 3);
	stress(big, 4, 600);
	/* Determinism: the same seed twice. */
	uint64_t h1 = stress(mk_mem(64 * MiB, 1, 4, use_policy), 5, 3000);
	uint64_t h2 = stress(mk_mem(64 * MiB, 1, 4, use_policy), 5, 3000);
	CHECK(h1 != 0);
	CHECK_EQ(h1, h2);
	check_clone(p);
	check_bounds(p);
}

static void test_every_policy_conforms(void)
{
	CHECK(frag_policy_count() >= 4);
	for (unsigned i = 0; i < frag_policy_count(); i++)
		check_policy(frag_policy_at(i));
}

/* The hash sees a difference: a different seed gives a different state. */
static void test_state_hash_differs(void)
{
	cur = frag_policy_find("linux");
	cur_opts = NULL;
	uint64_t h1 = stress(mk_mem(64 * MiB, 1, 4, use_policy), 5, 3000);
	uint64_t h2 = stress(mk_mem(64 * MiB, 1, 4, use_policy), 6, 3000);
	CHECK(h1 != h2);
}

static const struct tap_test tests[] = {
	TAP(test_every_policy_conforms),
	TAP(test_state_hash_differs),
};

int main(int argc, char **argv)
{
	fragsim_exe = argc > 1 ? argv[1] : NULL;
	return tap_main(tests, TAP_COUNT(tests));
}
