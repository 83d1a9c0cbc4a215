/* SPDX-License-Identifier: MIT */
/*
 * test_scenario.c - scenario files (core/conf): validation and its messages,
 * defaults, the resolved JSON and its hash, includes, --set, policy blocks,
 * CPU lists, the machine geometry of the pc and flat layouts, the workload
 * registry, and every shipped scenario.
 *
 * argv[1]: tests/fixtures/scenarios; argv[2]: the source directory (for
 * scenarios/ *.yaml and the workloads.def / workloads/meson.build check).
 */
#include <ctype.h>
#include <dirent.h>
#include <unistd.h>

#include "frag/dist.h"
#include "frag/scenario.h"
#include "helpers.h"

static const char *fixtures;   /* tests/fixtures/scenarios */
static const char *srcdir;     /* the source tree */
static char tmpdir[256];       /* scratch files for inline YAML */

/* ---------------------------------------------------------------------- */
/* Helpers                                                                */
/* ---------------------------------------------------------------------- */

static const char *fixture(const char *name)
{
	static char path[4][1024];
	static unsigned slot;
	char *p = path[slot++ % 4];
	snprintf(p, sizeof path[0], "%s/%s", fixtures, name);
	return p;
}

/* Write @text to tmpdir/@name; returns the path. */
static const char *write_tmp(const char *name, const char *text)
{
	static char path[1024];
	snprintf(path, sizeof path, "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "w");
	if (!f) {
		printf("# cannot write %s\n", path);
		return path;
	}
	fputs(text, f);
	fclose(f);
	return path;
}

static struct frag_scenario *load(const char *path, const char *const *sets, unsigned nr)
{
	struct frag_scenario *sc = NULL;
	char err[2048];
	int ret = frag_scenario_load(path, sets, nr, &sc, err, sizeof err);
	if (ret) {
		printf("# load %s: %d %s\n", path ? path : "(none)", ret, err);
		return NULL;
	}
	return sc;
}

/* The value of @key in the flattened configuration of @sc ("" if absent). */
static const char *flat_value(const struct frag_scenario *sc, const char *key)
{
	static char value[4096];
	char **k, **v;
	unsigned n;
	value[0] = 0;
	if (frag_scenario_flatten(sc, &k, &v, &n))
		return value;
	for (unsigned i = 0; i < n; i++)
		if (!strcmp(k[i], key))
			snprintf(value, sizeof value, "%s", v[i]);
	frag_scenario_flatten_free(k, v, n);
	return value;
}

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h;
}

static const struct frag_wl_spec *wl(const struct frag_scenario *sc, const char *name)
{
	for (unsigned i = 0; i < sc->nr_workloads; i++)
		if (!strcmp(sc->wl[i].name, name))
			return &sc->wl[i];
	return NULL;
}

/* The idle workload's options (workloads/idle.c). */
struct idle_opts_view {
	struct frag_dist rate;
	uint64_t size;
	int mode;
	char note[FRAG_PARAM_STRLEN];
};

static const struct idle_opts_view *idle_opts(const struct frag_wl_spec *w)
{
	return w ? (const struct idle_opts_view *)w->opts : NULL;
}

/* ---------------------------------------------------------------------- */
/* Registry                                                               */
/* ---------------------------------------------------------------------- */

/* Every FRAG_WORKLOAD(x) of workloads.def, or every 'x.c' of workloads/meson.build. */
static unsigned read_names(const char *path, bool def, char names[][64], unsigned max)
{
	FILE *f = fopen(path, "r");
	char line[512];
	unsigned n = 0;
	if (!f)
		return 0;
	while (fgets(line, sizeof line, f)) {
		if (def) {
			char *p = strstr(line, "FRAG_WORKLOAD(");
			if (p != line)
				continue;
			p += strlen("FRAG_WORKLOAD(");
			char *e = strchr(p, ')');
			if (e && e - p < 63 && n < max) {
				memcpy(names[n], p, (size_t)(e - p));
				names[n++][e - p] = 0;
			}
			continue;
		}
		for (char *p = strchr(line, '\''); p; p = strchr(p + 1, '\'')) {
			char *q = p + 1;
			while (isalnum((unsigned char)*q) || *q == '_')
				q++;
			if (q > p + 1 && !strncmp(q, ".c'", 3) && q - p - 1 < 63 && n < max) {
				memcpy(names[n], p + 1, (size_t)(q - p - 1));
				names[n][q - p - 1] = 0;
				if (strcmp(names[n], "registry"))
					n++;
				p = q + 2;
			}
		}
	}
	fclose(f);
	return n;
}

/* frag_workload_registry_check(); idle is there; workloads.def matches workloads/meson.build. */
static void test_frag_workload_registry(void)
{
	char err[512];
	CHECK_EQ(frag_workload_registry_check(err, sizeof err), 0);
	const struct frag_workload_ops *idle = frag_workload_find("idle");
	CHECK(idle != NULL);
	CHECK(frag_workload_find("nope") == NULL);
	CHECK(frag_workload_count() >= 1);
	CHECK(frag_workload_at(frag_workload_count()) == NULL);
	if (idle) {
		CHECK_EQ(idle->start(NULL, 0, 0), FRAG_TIME_NEVER);
		CHECK_EQ(frag_param_count(idle->params), 4);
	}
	if (!srcdir) {
		tap_fail(__FILE__, __LINE__, "argv[2] (source directory) missing");
		return;
	}
	char path[1024], def[64][64], build[64][64];
	snprintf(path, sizeof path, "%s/workloads/workloads.def", srcdir);
	unsigned nd = read_names(path, true, def, 64);
	snprintf(path, sizeof path, "%s/workloads/meson.build", srcdir);
	unsigned nb = read_names(path, false, build, 64);
	CHECK(nd > 0);
	CHECK_EQ(nd, nb);
	CHECK_EQ(nd, frag_workload_count());
	for (unsigned i = 0; i < nd; i++) {
		bool found = false;
		for (unsigned j = 0; j < nb; j++)
			found |= !strcmp(def[i], build[j]);
		if (!found)
			printf("# %s is in workloads.def but not in workloads/meson.build\n", def[i]);
		CHECK(found);
	}
}

/* ---------------------------------------------------------------------- */
/* Valid scenarios                                                        */
/* ---------------------------------------------------------------------- */

/* A scenario with every block: every value lands where it belongs. */
static void test_full_scenario(void)
{
	struct frag_scenario *sc = load(fixture("full.yaml"), NULL, 0);
	CHECK(sc != NULL);
	if (!sc)
		return;
	CHECK_STREQ(sc->run.name, "full-test");
	CHECK_EQ(sc->run.duration, 90000000000ull);
	CHECK_EQ(sc->run.seed, 42);
	CHECK_EQ(sc->run.sample_period, 500000000ull);
	CHECK_EQ(sc->run.batch_window, 250000);
	CHECK_EQ(sc->machine.memory, 16 * GiB);
	CHECK_EQ(sc->machine.nodes, 2);
	CHECK_EQ(sc->machine.cpus, 6);
	CHECK_EQ(sc->machine.layout, LAYOUT_FLAT);
	CHECK_EQ(sc->machine.movable, 1 * GiB);
	CHECK_EQ(sc->machine.config_cma, true);
	CHECK_EQ(sc->nr_holes, 2);
	CHECK_EQ(sc->holes[0].start_pfn, 0x1000);
	CHECK_EQ(sc->holes[0].end_pfn, 0x1200);
	CHECK_EQ(sc->holes[0].kind, HOLE_RESERVED);
	CHECK_EQ(sc->holes[1].start_pfn, 300000);
	CHECK_EQ(sc->holes[1].end_pfn, 0x50000);
	CHECK_EQ(sc->holes[1].kind, HOLE_ABSENT);
	CHECK_EQ(sc->sysctl.min_free_kbytes, 65536);
	CHECK_EQ(sc->sysctl.watermark_scale_factor, 200);
	CHECK_EQ(sc->sysctl.watermark_boost_factor, 0);
	CHECK_EQ(sc->sysctl.extfrag_threshold, 400);
	CHECK_EQ(sc->sysctl.compaction_proactiveness, 0);
	CHECK_EQ(sc->sysctl.defrag_mode, true);
	CHECK_EQ(sc->sysctl.thp_pcp, false);
	CHECK_EQ(sc->sysctl.thp_enabled, true);
	CHECK_EQ(sc->sysctl.lowmem_reserve_ratio[ZONE_NORMAL], 32);
	CHECK_EQ(sc->thp.enabled, THP_ENABLED_ALWAYS);
	CHECK_EQ(sc->thp.defrag, THP_DEFRAG_DEFER_MADVISE);
	CHECK_EQ(sc->thp.khugepaged_defrag, false);
	CHECK_EQ(sc->thp.mthp_orders, (1u << 2) | (1u << 4) | (1u << 8));
	CHECK(sc->policy == frag_policy_find("linux-defrag"));
	CHECK_EQ(sc->nr_workloads, 3);
	CHECK_STREQ(sc->wl[0].name, "web");
	CHECK_STREQ(sc->wl[1].name, "batch");
	CHECK_STREQ(sc->wl[2].name, "quiet");

	const struct frag_wl_spec *web = wl(sc, "web");
	const struct idle_opts_view *o = idle_opts(web);
	CHECK(web && web->ops == frag_workload_find("idle") && o);
	if (web && o) {
		CHECK_EQ(web->start, 10000000000ull);
		CHECK_EQ(web->stop, 80000000000ull);
		CHECK_EQ(web->nr_cpus, 3);   /* node1 of 6 CPUs over 2 nodes: 3-5 */
		CHECK_EQ(web->cpus[0], 3);
		CHECK_EQ(web->cpus[2], 5);
		CHECK_EQ(o->rate.kind, DIST_EXP);
		CHECK(o->rate.a == 250000.0);
		CHECK_EQ(o->size, 2 * MiB);
		CHECK_EQ(o->mode, 1);
		CHECK_STREQ(o->note, "front end: nginx");
	}
	const struct frag_wl_spec *batch = wl(sc, "batch");
	CHECK(batch && batch->nr_cpus == 3 && batch->cpus[0] == 0 && batch->cpus[1] == 1 && batch->cpus[2] == 5);
	CHECK(batch && batch->stop == FRAG_TIME_NEVER && batch->start == 0);
	CHECK(batch && idle_opts(batch)->rate.kind == DIST_EMPIRICAL && idle_opts(batch)->rate.n == 2);
	const struct frag_wl_spec *quiet = wl(sc, "quiet");
	CHECK(quiet && quiet->nr_cpus == 4 && quiet->cpus[3] == 4);   /* [node0, 4] = 0-2,4 */
	CHECK_STREQ(flat_value(sc, "workloads.quiet.cpus"), "0-2,4");
	CHECK_STREQ(flat_value(sc, "workloads.batch.rate"), "empirical(1ms:0.75, 5ms:0.25)");
	CHECK_STREQ(flat_value(sc, "machine.holes"),
		    "[{start: 0x1000, end: 0x1200, kind: reserved}, {start: 0x493e0, end: 0x50000, kind: absent}]");
	CHECK_STREQ(flat_value(sc, "thp.mthp_orders"), "[2, 4, 8]");
	frag_scenario_free(sc);
}

/* Only a workload given: every other value is its default. */
static void test_defaults(void)
{
	struct frag_scenario *sc = load(fixture("minimal.yaml"), NULL, 0);
	CHECK(sc != NULL);
	if (!sc)
		return;
	struct frag_sysctl def;
	frag_sysctl_defaults(&def);
	CHECK_STREQ(sc->run.name, "minimal");   /* the file's base name */
	CHECK_EQ(sc->run.duration, 60000000000ull);
	CHECK_EQ(sc->run.seed, 1);
	CHECK_EQ(sc->run.sample_period, 1000000000ull);
	CHECK_EQ(sc->run.batch_window, 1000000);
	CHECK_EQ(sc->machine.memory, 4 * GiB);
	CHECK_EQ(sc->machine.nodes, 1);
	CHECK_EQ(sc->machine.cpus, 4);
	CHECK_EQ(sc->machine.layout, LAYOUT_PC);
	CHECK_EQ(sc->machine.movable, 0);
	CHECK_EQ(sc->machine.config_cma, false);
	CHECK_EQ(sc->nr_holes, 0);
	CHECK_EQ(memcmp(&sc->sysctl, &def, sizeof def), 0);
	CHECK_EQ(sc->thp.enabled, THP_ENABLED_MADVISE);
	CHECK_EQ(sc->thp.defrag, THP_DEFRAG_MADVISE);
	CHECK_EQ(sc->thp.khugepaged_defrag, true);
	CHECK_EQ(sc->thp.mthp_orders, 0);
	CHECK(sc->policy == frag_policy_find("linux"));
	CHECK(sc->policy_opts == NULL);   /* linux has no parameters */
	CHECK_EQ(sc->nr_workloads, 1);
	const struct frag_wl_spec *w = wl(sc, "only");
	CHECK(w && w->start == 0 && w->stop == FRAG_TIME_NEVER && w->nr_cpus == 4);
	const struct idle_opts_view *o = idle_opts(w);
	CHECK(o && o->rate.kind == DIST_FIXED && o->rate.a == 1e9 && o->size == 4096 && o->mode == 0 && !o->note[0]);
	frag_scenario_free(sc);

	/* No file at all: sets only; the name is "scenario". */
	const char *sets[] = { "workloads.w.type=idle" };
	sc = load(NULL, sets, 1);
	CHECK(sc && !strcmp(sc->run.name, "scenario") && !sc->path[0]);
	frag_scenario_free(sc);
	/* sysctl.thp_enabled follows thp.enabled. */
	const char *never[] = { "thp.enabled=never" };
	sc = load(fixture("minimal.yaml"), never, 1);
	CHECK(sc && !sc->sysctl.thp_enabled);
	frag_scenario_free(sc);
}

/* The resolved JSON: every value, fixed order, deterministic; hash = FNV-1a 64. */
static void test_resolved_json(void)
{
	static const char expected[] =
		"{\n"
		"  \"name\": \"minimal\",\n"
		"  \"duration\": \"60s\",\n"
		"  \"seed\": 1,\n"
		"  \"sample_period\": \"1s\",\n"
		"  \"engine\": {\n"
		"    \"batch_window\": \"1ms\",\n"
		"    \"batch_ops\": 256,\n"
		"    \"batch_max_window\": \"50ms\",\n"
		"    \"alloc_fail_events\": 10000,\n"
		"    \"predict\": true,\n"
		"    \"predict_2m\": false,\n"
		"    \"max_ops\": 0,\n"
		"    \"max_events\": 0,\n"
		"    \"costs\": {\n"
		"      \"alloc_base\": 150,\n"
		"      \"free_base\": 100,\n"
		"      \"zone_lock\": 200,\n"
		"      \"pcp_refill_page\": 40,\n"
		"      \"pcp_drain_page\": 40,\n"
		"      \"fallback\": 300,\n"
		"      \"slowpath\": 1000,\n"
		"      \"clear_page\": 400,\n"
		"      \"kswapd_run\": 20000,\n"
		"      \"kcompactd_run\": 20000,\n"
		"      \"compact_scan_page\": 20,\n"
		"      \"isolate_page\": 100,\n"
		"      \"migrate_page\": 2500,\n"
		"      \"reclaim_scan_page\": 50,\n"
		"      \"reclaim_page\": 300,\n"
		"      \"swap_out_page\": 3000,\n"
		"      \"shrink_object\": 100,\n"
		"      \"isolate_pageblock\": 500,\n"
		"      \"compact_drain\": 2000\n"
		"    }\n"
		"  },\n"
		"  \"machine\": {\n"
		"    \"memory\": 4294967296,\n"
		"    \"nodes\": 1,\n"
		"    \"cpus\": 4,\n"
		"    \"layout\": \"pc\",\n"
		"    \"movable\": 0,\n"
		"    \"config_cma\": false,\n"
		"    \"swap\": 0,\n"
		"    \"holes\": []\n"
		"  },\n"
		"  \"sysctl\": {\n"
		"    \"min_free_kbytes\": 0,\n"
		"    \"watermark_scale_factor\": 10,\n"
		"    \"watermark_boost_factor\": 15000,\n"
		"    \"lowmem_reserve_ratio_dma\": 256,\n"
		"    \"lowmem_reserve_ratio_dma32\": 256,\n"
		"    \"lowmem_reserve_ratio_normal\": 32,\n"
		"    \"percpu_pagelist_high_fraction\": 0,\n"
		"    \"pcp_batch_scale_max\": 5,\n"
		"    \"extfrag_threshold\": 500,\n"
		"    \"compaction_proactiveness\": 20,\n"
		"    \"swappiness\": 60,\n"
		"    \"defrag_mode\": false,\n"
		"    \"compact_first\": false,\n"
		"    \"thp_pcp\": true,\n"
		"    \"thp_enabled\": true\n"
		"  },\n"
		"  \"thp\": {\n"
		"    \"enabled\": \"madvise\",\n"
		"    \"defrag\": \"madvise\",\n"
		"    \"khugepaged_defrag\": true,\n"
		"    \"mthp_orders\": [],\n"
		"    \"local_try\": false\n"
		"  },\n"
		"  \"policy\": {\n"
		"    \"name\": \"linux\",\n"
		"    \"linux\": {}\n"
		"  },\n"
		"  \"workloads\": {\n"
		"    \"only\": {\n"
		"      \"type\": \"idle\",\n"
		"      \"cpus\": \"0-3\",\n"
		"      \"start\": \"0s\",\n"
		"      \"stop\": \"never\",\n"
		"      \"rate\": \"fixed(1s)\",\n"
		"      \"size\": 4096,\n"
		"      \"mode\": \"a\",\n"
		"      \"note\": \"\"\n"
		"    }\n"
		"  }\n"
		"}\n";
	struct frag_scenario *a = load(fixture("minimal.yaml"), NULL, 0);
	struct frag_scenario *b = load(fixture("minimal.yaml"), NULL, 0);
	CHECK(a && b);
	if (!a || !b)
		goto out;
	CHECK_STREQ(a->resolved, expected);
	CHECK_STREQ(a->resolved, b->resolved);
	CHECK_EQ(a->hash, b->hash);
	CHECK_EQ(a->hash, fnv1a(a->resolved));
	CHECK_EQ(fnv1a(""), 0xcbf29ce484222325ull);
	CHECK_EQ(fnv1a("a"), 0xaf63dc4c8601ec8cull);   /* the FNV-1a 64 test vector */

	/* The same configuration written differently resolves to the same text. */
	const char *path = write_tmp("same.yaml", "name: minimal\nduration: 1m\nmachine: {memory: 4096M, layout: pc}\n"
				     "workloads:\n  only: {type: idle, rate: 1s, cpus: '0-1,2,3', stop: never}\n");
	struct frag_scenario *c = load(path, NULL, 0);
	CHECK(c && !strcmp(c->resolved, a->resolved) && c->hash == a->hash);
	frag_scenario_free(c);

	/* JSON special characters are escaped. */
	const char *sets[] = { "workloads.only.note=a \"quoted\" \\ note" };
	c = load(fixture("minimal.yaml"), sets, 1);
	CHECK(c && strstr(c->resolved, "\"note\": \"a \\\"quoted\\\" \\\\ note\""));
	frag_scenario_free(c);
out:
	frag_scenario_free(a);
	frag_scenario_free(b);
}

/* A value different from @value for the parameter @p, or NULL to skip. */
static const char *other_value(const char *key, const struct frag_param *p, const char *value, char *buf, size_t len)
{
	/* Values with cross constraints. */
	if (!strcmp(key, "sysctl.min_free_kbytes"))
		return "1024";
	if (!strcmp(key, "sysctl.percpu_pagelist_high_fraction"))
		return "8";
	if (!strcmp(key, "sysctl.thp_enabled"))
		return NULL;   /* follows thp.enabled, changed there */
	if (!strcmp(key, "thp.mthp_orders"))
		return "[4]";
	if (!p)
		return NULL;
	switch (p->type) {
	case PARAM_BOOL:
		return !strcmp(value, "true") ? "false" : "true";
	case PARAM_ENUM:
		for (unsigned i = 0; p->choices[i]; i++)
			if (strcmp(p->choices[i], value))
				return p->choices[i];
		return NULL;
	case PARAM_STRING:
		snprintf(buf, len, "%sx", value);
		return buf;
	case PARAM_DIST:
		return !strcmp(value, "exp(2s)") ? "exp(3s)" : "exp(2s)";
	case PARAM_DURATION: {
		uint64_t ns;
		if (!frag_parse_duration(value, &ns))
			return NULL;
		snprintf(buf, len, "%lluns",
			 (unsigned long long)(ns + 1000000 <= p->max * 1e9 ? ns + 1000000 : ns - 1000000));
		return buf;
	}
	default: {
		unsigned long long v = strtoull(value, NULL, 0);
		unsigned long long step = p->unit && !strcmp(p->unit, "bytes") ? 4096 : 1;
		snprintf(buf, len, "%llu", v + step <= p->max ? v + step : v - step);
		return buf;
	}
	}
}

/* The parameter a flattened key belongs to. */
static const struct frag_param *param_of(const struct frag_scenario *sc, const char *key)
{
	extern const struct frag_param frag_sysctl_params[];
	static const struct {
		const char *prefix;
		const struct frag_param *table;
	} blocks[] = {
		{ "engine.costs.", frag_cost_params },
		{ "engine.", frag_engine_params },
		{ "machine.", frag_machine_params },
		{ "sysctl.", frag_sysctl_params },
		{ "thp.", frag_thp_params },
		{ "init.", frag_init_params },
	};
	for (unsigned i = 0; i < sizeof blocks / sizeof blocks[0]; i++)
		if (!strncmp(key, blocks[i].prefix, strlen(blocks[i].prefix)))
			return frag_param_find(blocks[i].table, key + strlen(blocks[i].prefix));
	if (!strncmp(key, "workloads.", 10)) {
		const char *dot = strchr(key + 10, '.');
		if (!dot)
			return NULL;
		const struct frag_param *p = frag_param_find(frag_wl_instance_params, dot + 1);
		if (p)
			return p;
		for (unsigned i = 0; i < sc->nr_workloads; i++)
			if (!strncmp(sc->wl[i].name, key + 10, (size_t)(dot - key - 10)))
				return frag_param_find(sc->wl[i].ops->params, dot + 1);
		return NULL;
	}
	return frag_param_find(frag_run_params, key);
}

/* Changing any single value changes the resolved text and the hash. */
static void test_hash_changes_with_every_value(void)
{
	struct frag_scenario *base = load(fixture("full.yaml"), NULL, 0);
	CHECK(base != NULL);
	if (!base)
		return;
	char **keys, **vals;
	unsigned n, tested = 0;
	CHECK_EQ(frag_scenario_flatten(base, &keys, &vals, &n), 0);
	for (unsigned i = 0; i < n; i++) {
		char buf[512], set[1024];
		const char *alt;
		if (!strcmp(keys[i], "policy.name"))
			alt = "linux";
		else if (!strcmp(keys[i], "machine.holes"))
			alt = "[{start: 0x1000, end: 0x1200, kind: absent}]";
		else if (!strcmp(keys[i], "workloads.web.type") || !strcmp(keys[i], "workloads.batch.type") ||
			 !strcmp(keys[i], "workloads.quiet.type"))
			continue;   /* idle is the only workload type so far */
		else if (strstr(keys[i], ".cpus") && !strncmp(keys[i], "workloads.", 10))
			alt = strcmp(vals[i], "0-1") ? "0-1" : "2";
		else if (strstr(keys[i], ".stop") && !strncmp(keys[i], "workloads.", 10))
			alt = strcmp(vals[i], "never") ? "never" : "50s";
		else if (!strcmp(keys[i], "thp.enabled"))
			alt = "never";   /* sysctl.thp_enabled follows */
		else
			alt = other_value(keys[i], param_of(base, keys[i]), vals[i], buf, sizeof buf);
		if (!alt) {
			if (strcmp(keys[i], "sysctl.thp_enabled")) {
				printf("# no other value for %s\n", keys[i]);
				tap_fail(__FILE__, __LINE__, keys[i]);
			}
			continue;
		}
		snprintf(set, sizeof set, "%s=%s", keys[i], alt);
		const char *sets[] = { set };
		struct frag_scenario *sc = load(fixture("full.yaml"), sets, 1);
		if (!sc) {
			tap_fail(__FILE__, __LINE__, set);
			continue;
		}
		if (sc->hash == base->hash || !strcmp(sc->resolved, base->resolved) ||
		    !strcmp(flat_value(sc, keys[i]), vals[i])) {
			printf("# --set %s did not change the resolved configuration\n", set);
			tap_fail(__FILE__, __LINE__, set);
		}
		tested++;
		frag_scenario_free(sc);
	}
	CHECK(tested + 4 == n);   /* all but three types and sysctl.thp_enabled */
	frag_scenario_flatten_free(keys, vals, n);
	frag_scenario_free(base);
}

/* Every flattened pair is a --set that reads back to the same value. */
static void test_flatten_round_trip(void)
{
	static const char *const files[] = { "full.yaml", "minimal.yaml", "child.yaml", "anchors.yaml" };
	for (unsigned f = 0; f < sizeof files / sizeof files[0]; f++) {
		struct frag_scenario *a = load(fixture(files[f]), NULL, 0);
		CHECK(a != NULL);
		if (!a)
			continue;
		char **keys, **vals;
		unsigned n;
		CHECK_EQ(frag_scenario_flatten(a, &keys, &vals, &n), 0);
		CHECK(n > 30);
		CHECK_STREQ(keys[0], "name");
		char **sets = calloc(n, sizeof(*sets));
		for (unsigned i = 0; i < n; i++)
			if (asprintf(&sets[i], "%s=%s", keys[i], vals[i]) < 0)
				sets[i] = NULL;
		/* Applied over a file without those values, they rebuild the same configuration. */
		struct frag_scenario *b = load(NULL, (const char *const *)sets, n);
		CHECK(b != NULL);
		if (b) {
			CHECK_STREQ(b->resolved, a->resolved);
			CHECK_EQ(b->hash, a->hash);
		}
		frag_scenario_free(b);
		for (unsigned i = 0; i < n; i++)
			free(sets[i]);
		free(sets);
		frag_scenario_flatten_free(keys, vals, n);
		frag_scenario_free(a);
	}
}

/* ---------------------------------------------------------------------- */
/* Errors                                                                 */
/* ---------------------------------------------------------------------- */

struct bad_case {
	const char *yaml;      /* the file */
	const char *error;     /* the message after the file name */
};

#define WL "workloads: {w: {type: idle}}\n"

static const struct bad_case bad_cases[] = {
	/* Unknown keys, listing the valid keys at that level. */
	{ WL "duraton: 10s\n",
	  ":2:1: key duraton: unknown key 'duraton'; valid keys: name, duration, seed, sample_period, engine, machine, "
	  "init, sysctl, thp, policy, workloads, include, sweep, x-*" },
	{ WL "init: {snap: a.state}\n", ":2:8: key init.snap: unknown key 'snap'; valid keys: snapshot" },
	{ WL "engine: {batch: 1ms}\n", ":2:10: key engine.batch: unknown key 'batch'; valid keys: batch_window, batch_ops, batch_max_window, alloc_fail_events, predict, predict_2m, max_ops, max_events, costs" },
	{ WL "machine:\n  memroy: 4G\n", ":3:3: key machine.memroy: unknown key 'memroy'; valid keys: memory, nodes, "
					 "cpus, layout, movable, config_cma, "
					 "swap, holes" },
	{ WL "sysctl: {min_free: 1}\n",
	  ":2:10: key sysctl.min_free: unknown key 'min_free'; valid keys: min_free_kbytes, watermark_scale_factor, "
	  "watermark_boost_factor, lowmem_reserve_ratio_dma, lowmem_reserve_ratio_dma32, lowmem_reserve_ratio_normal, "
	  "percpu_pagelist_high_fraction, pcp_batch_scale_max, extfrag_threshold, compaction_proactiveness, "
	  "swappiness, defrag_mode, compact_first, "
	  "thp_pcp, thp_enabled" },
	{ WL "thp: {enable: always}\n",
	  ":2:7: key thp.enable: unknown key 'enable'; valid keys: enabled, defrag, khugepaged_defrag, mthp_orders, local_try" },
	{ "workloads:\n  web:\n    type: idle\n    rat: 1s\n",
	  ":4:5: key workloads.web.rat: unknown key 'rat'; valid keys: type, cpus, start, stop, rate, size, mode, "
	  "note" },
	{ WL "machine: {holes: [{start: 1, end: 2, knd: absent}]}\n",
	  ":2:38: key machine.holes[0].knd: unknown key 'knd'; valid keys: start, end, kind" },
	/* Wrong types. */
	{ "workloads:\n  web:\n    type: idle\n    rate: {exp: 1ms}\n",
	  ":4:11: key workloads.web.rate: expected a single value, got a mapping" },
	{ WL "duration: [1s]\n", ":2:11: key duration: expected a single value, got a list" },
	{ WL "machine: 4G\n", ":2:10: key machine: expected a mapping of keys, got a scalar" },
	{ "workloads: [idle]\n", ":1:12: key workloads: expected a mapping of keys, got a list" },
	{ "workloads:\n  web: idle\n",
	  ":2:8: key workloads.web: expected a mapping with at least a type, got a scalar" },
	{ WL "seed:\n", ":2:1: key seed: no value given" },
	{ WL "seed: ten\n", ":2:7: key seed: seed = 'ten' is not a non-negative integer" },
	{ WL "thp: {khugepaged_defrag: maybe}\n",
	  ":2:26: key thp.khugepaged_defrag: khugepaged_defrag = 'maybe' is not a boolean" },
	{ WL "thp: {enabled: sometimes}\n",
	  ":2:16: key thp.enabled: enabled = 'sometimes' is not one of: always, madvise, never" },
	{ WL "machine: {layout: numa}\n", ":2:19: key machine.layout: layout = 'numa' is not one of: pc, flat" },
	{ WL "duration: soon\n", ":2:11: key duration: duration = 'soon' is not a duration (e.g. 10s, 5ms, 100us)" },
	/* Out of range, negative, huge. */
	{ WL "machine: {memory: 32M}\n",
	  ":2:19: key machine.memory: memory = 32M is out of range [67108864, 17592186044416] bytes" },
	{ WL "machine: {memory: -4G}\n", ":2:19: key machine.memory: memory = '-4G': negative values are not allowed" },
	{ WL "machine: {memory: 99999999999999999999}\n",
	  ":2:19: key machine.memory: memory = '99999999999999999999' is too large (at most 17592186044416 bytes)" },
	{ WL "machine: {memory: 100T}\n",
	  ":2:19: key machine.memory: memory = 100T is out of range [67108864, 17592186044416] bytes" },
	{ WL "duration: -5s\n", ":2:11: key duration: duration = '-5s': negative values are not allowed" },
	{ WL "duration: 1e300s\n", ":2:11: key duration: duration = '1e300s' is too large (at most 1e+07s)" },
	{ WL "sysctl: {watermark_scale_factor: 0}\n",
	  ":2:34: key sysctl.watermark_scale_factor: watermark_scale_factor = 0 is out of range [1, 3000] 1/10000" },
	{ WL "sysctl: {watermark_scale_factor: -1}\n",
	  ":2:34: key sysctl.watermark_scale_factor: watermark_scale_factor = '-1': negative values are not allowed" },
	{ WL "seed: 18446744073709551616\n",
	  ":2:7: key seed: seed = '18446744073709551616' is too large (at most 9007199254740991)" },
	{ "workloads:\n  web:\n    type: idle\n    size: 1K\n",
	  ":4:11: key workloads.web.size: size = 1K is out of range [4096, 1099511627776] bytes" },
	{ "workloads:\n  web:\n    type: idle\n    rate: exp(-1s)\n",
	  ":4:11: key workloads.web.rate: rate = 'exp(-1s)': exp(): '-1s' is not a valid value" },
	/* Malformed YAML: libfyaml's diagnostics with their position. */
	{ "workloads: {w: {type: idle}\n", ":2:1: missing comma in flow mapping" },
	{ "workloads:\n  w:\n\ttype: idle\n", ":3:1: tab character may not be used as indentation" },
	{ "workloads: \"w\n", ":1:13: double-quoted scalar without closing quote" },
	{ WL "x: [1, 2\n", ":3:1: flow sequence without a closing bracket" },
	/* Duplicate keys, anchors and aliases. */
	{ WL "seed: 1\nseed: 2\n", ":3:1: key seed: duplicate key 'seed' (first at line 2)" },
	{ "workloads:\n  w: {type: idle}\n  w: {type: idle}\n",
	  ":3:3: key workloads.w: duplicate key 'w' (first at line 2)" },
	{ WL "x-a: &a {b: *a}\n", ":2:13: key x-a.b: alias *a refers to a node that contains it (an alias loop)" },
	{ WL "seed: *nope\n", ":2:7: key seed: alias *nope names no anchor defined before it" },
	{ WL "x-a: &a 1\nx-b: {<<: *a}\n",
	  ":3:7: key x-b.<<: a merge key takes a mapping or a list of mappings, not a scalar" },
	{ WL "? [a, b]\n: 1\n", ":2:3: a key must be a plain name, not a list" },
	/* The document. */
	{ "- a\n- b\n", ":1:1: the top level of a scenario must be a mapping of keys, not a list" },
	{ WL "---\nseed: 2\n", ":2:1: a scenario is one YAML document; a second one starts here" },
	{ "", ": key workloads: at least one workload is required (workloads: {NAME: {type: TYPE}}; types: %TYPES%)" },
	{ "workloads: {}\n",
	  ":1:12: key workloads: at least one workload is required (workloads: {NAME: {type: TYPE}}; types: %TYPES%)" },
	/* Workloads. */
	{ "workloads:\n  w:\n    cpus: all\n",
	  ":2:3: key workloads.w: no type given; registered workload types: %TYPES%" },
	{ "workloads:\n  w:\n    type: webserver\n",
	  ":3:11: key workloads.w.type: unknown workload type 'webserver'; registered workload types: %TYPES%" },
	{ "workloads:\n  Web:\n    type: idle\n",
	  ":2:3: key workloads.Web: instance name 'Web': use only a-z 0-9 _ -" },
	{ "workloads:\n  w.x:\n    type: idle\n",
	  ":2:3: key workloads.w.x: instance name 'w.x': use only a-z 0-9 _ -" },
	{ "workloads:\n  a234567890123456789012345678901234567890123456789012345678901234:\n    type: idle\n",
	  ":2:3: key workloads.a234567890123456789012345678901234567890123456789012345678901234: an instance name has "
	  "1 "
	  "to 63 characters" },
	{ "workloads:\n  w:\n    type: idle\n    start: 10s\n    stop: 5s\n",
	  ":5:11: key workloads.w.stop: stops at 5s, not after it starts (10s)" },
	{ "workloads:\n  w:\n    type: idle\n    start: 10s\n    stop: 10s\n",
	  ":5:11: key workloads.w.stop: stops at 10s, not after it starts (10s)" },
	{ "duration: 30s\nworkloads:\n  w:\n    type: idle\n    start: 30s\n",
	  ":5:12: key workloads.w.start: starts at 30s, not before the end of the run (duration 30s)" },
	/* CPU lists. */
	{ "workloads:\n  w:\n    type: idle\n    cpus: 0-4\n",
	  ":4:11: key workloads.w.cpus: CPU 4 does not exist (the machine has 4 CPUs: 0-3)" },
	{ "workloads:\n  w:\n    type: idle\n    cpus: node1\n",
	  ":4:11: key workloads.w.cpus: node1 does not exist (the machine has 1 node: node0)" },
	{ "machine: {nodes: 2}\nworkloads:\n  w:\n    type: idle\n    cpus: node2\n",
	  ":5:11: key workloads.w.cpus: node2 does not exist (the machine has 2 nodes: node0..node1)" },
	{ "workloads:\n  w:\n    type: idle\n    cpus: 3-1\n",
	  ":4:11: key workloads.w.cpus: CPU range '3-1' is reversed" },
	{ "workloads:\n  w:\n    type: idle\n    cpus: 0-2,1\n",
	  ":4:11: key workloads.w.cpus: CPU 1 is named twice in '0-2,1'" },
	{ "workloads:\n  w:\n    type: idle\n    cpus: 0,,1\n",
	  ":4:11: key workloads.w.cpus: empty item in the CPU list '0,,1'" },
	{ "workloads:\n  w:\n    type: idle\n    cpus: some\n",
	  ":4:11: key workloads.w.cpus: 'some' is not a CPU number, a range A-B, nodeN or all" },
	{ "workloads:\n  w:\n    type: idle\n    cpus: -1\n",
	  ":4:11: key workloads.w.cpus: '-1' is not a CPU number, a range A-B, nodeN or all" },
	/* Cross checks. */
	{ WL "duration: 10s\nsample_period: 11s\n",
	  ":3:16: key sample_period: sample_period (11s) is longer than the duration (10s)" },
	{ WL "machine: {nodes: 4, cpus: 2}\n", ":2:27: key machine.cpus: 2 CPUs for 4 nodes: every node needs a CPU" },
	{ WL "machine: {nodes: 8, memory: 256M}\n",
	  ":2:18: key machine.nodes: 256 MiB of memory over 8 nodes is less than 64M per node" },
	{ WL "machine: {memory: 100000000}\n", ":2:19: key machine.memory: 100000000 bytes is not a multiple of 4K" },
	{ WL "machine: {memory: 1G, movable: 1G}\n",
	  ":2:32: key machine.movable: 1024 MiB of ZONE_MOVABLE per node leaves nothing of the 1024 MiB per node" },
	{ WL "sysctl: {min_free_kbytes: 64}\n",
	  ":2:27: key sysctl.min_free_kbytes: 64 is below 128 (0 means computed at boot)" },
	{ WL "sysctl: {percpu_pagelist_high_fraction: 4}\n",
	  ":2:41: key sysctl.percpu_pagelist_high_fraction: 4: must be 0 (automatic) or at least 8" },
	{ WL "thp: {enabled: never}\nsysctl: {thp_enabled: true}\n",
	  ":3:23: key sysctl.thp_enabled: true contradicts thp.enabled = never (leave it out: it follows "
	  "thp.enabled)" },
	{ WL "thp: {mthp_orders: 3}\n",
	  ":2:20: key thp.mthp_orders: bitmask 0x3 has bits outside orders 2..8 (0x1fc); or give a list like [4, 5]" },
	{ WL "thp: {mthp_orders: [4, 9]}\n", ":2:24: key thp.mthp_orders[1]: order 9 is not an mTHP order (2..8)" },
	{ WL "thp: {mthp_orders: [4, 4]}\n", ":2:24: key thp.mthp_orders[1]: order 4 is listed twice" },
	{ WL "name: \"my run\"\n", ":2:7: key name: 'my run': a name uses only A-Z a-z 0-9 . _ + -" },
	/* Holes. */
	{ WL "machine: {holes: {start: 1, end: 2}}\n",
	  ":2:18: key machine.holes: expected a list of {start, end, kind}, got a mapping" },
	{ WL "machine: {holes: [{start: 0x200, end: 0x100}]}\n",
	  ":2:19: key machine.holes[0]: end 0x100 is not above start 0x200" },
	{ WL "machine: {holes: [{start: 0x200}]}\n",
	  ":2:19: key machine.holes[0]: a hole needs start and end (pfns, end exclusive)" },
	{ WL "machine: {holes: [{start: -1, end: 2}]}\n",
	  ":2:27: key machine.holes[0].start: start = '-1' is negative" },
	{ WL "machine: {holes: [{start: 1, end: 0x1ffffffffffffffff}]}\n",
	  ":2:35: key machine.holes[0].end: end = '0x1ffffffffffffffff' is too large" },
	{ WL "machine: {holes: [{start: 1, end: 2, kind: gone}]}\n",
	  ":2:44: key machine.holes[0].kind: kind = 'gone' is not one of: absent, reserved" },
	{ WL "machine: {memory: 1G, layout: flat, holes: [{start: 0x3ff00, end: 0x40001}]}\n",
	  ":2:45: key machine.holes[0]: [0x3ff00, 0x40001) goes beyond the machine, which ends at pfn 0x40000" },
	/* Policies. */
	{ WL "policy: {name: linux-fancy}\n",
	  ":2:16: key policy.name: unknown policy 'linux-fancy'; registered policies: %POLICIES%" },
	{ WL "policy: {name: linux, fancy: {a: 1}}\n",
	  ":2:23: key policy.fancy: unknown key 'fancy' (not a registered policy); valid keys: name, %POLICIES%" },
	{ WL "policy: {name: linux, linux-defrag: {boost: 1}}\n",
	  ":2:38: key policy.linux-defrag.boost: unknown key 'boost'; valid keys: (none)" },
	{ WL "policy: {linux: 1}\n", ":2:17: key policy.linux: expected a mapping of keys, got a scalar" },
	{ WL "policy: {name: [linux]}\n", ":2:16: key policy.name: expected a policy name, got a list" },
};

/* Expected messages name the registries' contents: %TYPES% and %POLICIES%
 * stand for the lists, so adding a workload or policy does not break them. */
static void expand_lists(const char *in, char *out, size_t len)
{
	char types[1024] = "", policies[1024] = "";
	size_t o = 0;
	for (unsigned i = 0; i < frag_workload_count(); i++)
		o += (size_t)snprintf(types + o, sizeof types - o, "%s%s", i ? ", " : "", frag_workload_at(i)->name);
	o = 0;
	for (unsigned i = 0; i < frag_policy_count(); i++)
		o += (size_t)snprintf(policies + o, sizeof policies - o, "%s%s", i ? ", " : "", frag_policy_at(i)->name);
	o = 0;
	while (*in && o + 1 < len) {
		if (!strncmp(in, "%TYPES%", 7) || !strncmp(in, "%POLICIES%", 10)) {
			bool ty = in[1] == 'T';
			o += (size_t)snprintf(out + o, len - o, "%s", ty ? types : policies);
			in += ty ? 7 : 10;
		} else {
			out[o++] = *in++;
		}
	}
	out[o < len ? o : len - 1] = 0;
}

/* Every error class: the message names the file, line, column and key path. */
static void test_bad_input(void)
{
	for (unsigned i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
		const char *path = write_tmp("bad.yaml", bad_cases[i].yaml);
		struct frag_scenario *sc = NULL;
		char err[2048], expected[2048];
		int ret = frag_scenario_load(path, NULL, 0, &sc, err, sizeof err);
		char tail[2048];
		expand_lists(bad_cases[i].error, tail, sizeof tail);
		snprintf(expected, sizeof expected, "%s%s", path, tail);
		if (ret != -EINVAL || sc || strcmp(err, expected)) {
			printf("# case %u:\n", i);
			for (const char *l = bad_cases[i].yaml; *l;) {   /* every line a TAP comment */
				const char *nl = strchr(l, '\n');
				int len = nl ? (int)(nl - l) : (int)strlen(l);
				printf("#   %.*s\n", len, l);
				l += len + (nl != NULL);
			}
			printf("# ret %d\n# got:      %s\n# expected: %s\n", ret,
			       err, expected);
			tap_fail(__FILE__, __LINE__, "bad input message");
		}
		frag_scenario_free(sc);
	}
}

/* Nesting deeper than 64 levels, alias bombs, a missing or unreadable file. */
static void test_bad_input_limits(void)
{
	char text[4096], err[2048], expected[4200];
	struct frag_scenario *sc = NULL;
	size_t off = (size_t)snprintf(text, sizeof text, WL "x-deep: ");
	for (int i = 0; i < 70; i++)
		off += (size_t)snprintf(text + off, sizeof text - off, "[");
	for (int i = 0; i < 70; i++)
		off += (size_t)snprintf(text + off, sizeof text - off, "]");
	snprintf(text + off, sizeof text - off, "\n");
	const char *path = write_tmp("deep.yaml", text);
	CHECK_EQ(frag_scenario_load(path, NULL, 0, &sc, err, sizeof err), -EINVAL);
	off = (size_t)snprintf(expected, sizeof expected, "%s:2:72: key x-deep", path);
	for (int i = 0; i < 62; i++)   /* the root mapping and x-deep's list are levels 1 and 2 */
		off += (size_t)snprintf(expected + off, sizeof expected - off, "[0]");
	snprintf(expected + off, sizeof expected - off, ": nesting deeper than 64 levels");
	CHECK_STREQ(err, expected);

	/* 10^9 nodes after expansion ("billion laughs"): stopped at the budget. */
	off = (size_t)snprintf(text, sizeof text, WL "x-l0: &l0 [a, a, a, a, a, a, a, a, a, a]\n");
	for (int i = 1; i < 10; i++) {
		off += (size_t)snprintf(text + off, sizeof text - off, "x-l%d: &l%d [", i, i);
		for (int k = 0; k < 10; k++)
			off += (size_t)snprintf(text + off, sizeof text - off, "%s*l%d", k ? ", " : "", i - 1);
		off += (size_t)snprintf(text + off, sizeof text - off, "]\n");
	}
	path = write_tmp("laughs.yaml", text);
	CHECK_EQ(frag_scenario_load(path, NULL, 0, &sc, err, sizeof err), -EINVAL);
	CHECK(strstr(err, "expands to more than 200000 YAML nodes in all") != NULL);
	CHECK(!strncmp(err, path, strlen(path)));
	printf("# %s\n", err);

	/* A missing file: "FILE: No such file or directory", -ENOENT. */
	snprintf(text, sizeof text, "%s/does-not-exist.yaml", tmpdir);
	CHECK_EQ(frag_scenario_load(text, NULL, 0, &sc, err, sizeof err), -ENOENT);
	snprintf(expected, sizeof expected, "%s: No such file or directory", text);
	CHECK_STREQ(err, expected);
	CHECK(sc == NULL);
	/* A directory. */
	CHECK_EQ(frag_scenario_load(tmpdir, NULL, 0, &sc, err, sizeof err), -EISDIR);
	snprintf(expected, sizeof expected, "%s: Is a directory", tmpdir);
	CHECK_STREQ(err, expected);
}

/* ---------------------------------------------------------------------- */
/* Includes                                                               */
/* ---------------------------------------------------------------------- */

/* include: merged underneath; the including file wins; mappings merge. */
static void test_include_merge(void)
{
	struct frag_scenario *sc = load(fixture("child.yaml"), NULL, 0);
	CHECK(sc != NULL);
	if (sc) {
		CHECK_STREQ(sc->run.name, "child");                   /* child overrides */
		CHECK_EQ(sc->run.duration, 30000000000ull);           /* from base */
		CHECK_EQ(sc->machine.memory, 16 * GiB);               /* child overrides */
		CHECK_EQ(sc->machine.cpus, 8);                        /* base, same mapping */
		CHECK_EQ(sc->sysctl.watermark_scale_factor, 100);     /* base */
		CHECK_EQ(sc->nr_workloads, 2);
		CHECK_STREQ(sc->wl[0].name, "first");                 /* base order first */
		CHECK_STREQ(sc->wl[1].name, "second");
		CHECK_EQ(idle_opts(&sc->wl[0])->size, 16384);         /* child overrides one key */
		CHECK_STREQ(idle_opts(&sc->wl[0])->note, "from base"); /* the other stays */
		CHECK_EQ(sc->wl[1].nr_cpus, 4);
	}
	frag_scenario_free(sc);

	/* A chain: grandchild -> child -> base. */
	sc = load(fixture("grandchild.yaml"), NULL, 0);
	CHECK(sc && sc->run.duration == 45000000000ull && sc->machine.memory == 16 * GiB && sc->nr_workloads == 2);
	CHECK(sc && !strcmp(sc->run.name, "child"));
	frag_scenario_free(sc);

	/* Anchors, aliases, merge keys and x- keys. */
	sc = load(fixture("anchors.yaml"), NULL, 0);
	CHECK(sc && sc->nr_workloads == 3);
	if (sc && sc->nr_workloads == 3) {
		CHECK_EQ(idle_opts(&sc->wl[0])->size, 65536);
		CHECK_EQ(sc->wl[0].nr_cpus, 2);
		CHECK_EQ(idle_opts(&sc->wl[1])->size, 131072);   /* own key beats the merge */
		CHECK_STREQ(idle_opts(&sc->wl[1])->note, "shared");
		CHECK_STREQ(idle_opts(&sc->wl[2])->note, "shared");
		CHECK_EQ(idle_opts(&sc->wl[2])->size, 65536);
	}
	frag_scenario_free(sc);
}

/* Include errors: cycles, missing files, errors inside an included file. */
static void test_include_errors(void)
{
	struct frag_scenario *sc = NULL;
	char err[2048], expected[4096];

	CHECK_EQ(frag_scenario_load(fixture("cycle-a.yaml"), NULL, 0, &sc, err, sizeof err), -EINVAL);
	snprintf(expected, sizeof expected, "%s:1:10: key include: include cycle: %s -> %s -> %s",
		 fixture("cycle-b.yaml"), fixture("cycle-a.yaml"), fixture("cycle-b.yaml"), fixture("cycle-a.yaml"));
	CHECK_STREQ(err, expected);

	CHECK_EQ(frag_scenario_load(fixture("include-missing.yaml"), NULL, 0, &sc, err, sizeof err), -ENOENT);
	snprintf(expected, sizeof expected, "%s:1:10: key include: cannot read %s: No such file or directory",
		 fixture("include-missing.yaml"), fixture("not-there.yaml"));
	CHECK_STREQ(err, expected);

	/* The error names the included file, where the bad key is. */
	CHECK_EQ(frag_scenario_load(fixture("include-bad.yaml"), NULL, 0, &sc, err, sizeof err), -EINVAL);
	snprintf(
		expected, sizeof expected,
		"%s:3:3: key machine.sockets: unknown key 'sockets'; valid keys: memory, nodes, cpus, layout, movable, "
		"config_cma, swap, holes",
		fixture("bad-inner.yaml"));
	CHECK_STREQ(err, expected);

	/* A file including itself; include of a non-name. */
	const char *path = write_tmp("self.yaml", "include: self.yaml\n" WL);
	CHECK_EQ(frag_scenario_load(path, NULL, 0, &sc, err, sizeof err), -EINVAL);
	snprintf(expected, sizeof expected, "%s:1:10: key include: include cycle: %s -> %s", path, path, path);
	CHECK_STREQ(err, expected);
	path = write_tmp("incmap.yaml", "include: {a: 1}\n" WL);
	CHECK_EQ(frag_scenario_load(path, NULL, 0, &sc, err, sizeof err), -EINVAL);
	snprintf(expected, sizeof expected,
		 "%s:1:10: key include: expected a file name or a list of file names, not a mapping", path);
	CHECK_STREQ(err, expected);
	CHECK(sc == NULL);
}

/* ---------------------------------------------------------------------- */
/* --set                                                                  */
/* ---------------------------------------------------------------------- */

static void test_set_overrides(void)
{
	const char *sets[] = {
		"duration=600",                    /* bare seconds */
		"machine.memory=8G",
		"workloads.web.rate=exp(1ms)",
		"workloads.web.rate=exp(2ms)",     /* later sets win */
		"workloads.batch.note=created",    /* a key the file did not have */
		"thp.mthp_orders=[5, 6]",          /* YAML flow values */
		"sysctl.defrag_mode=false",
		"policy.name=linux",               /* how --policy is implemented */
		"workloads.extra.type=idle",       /* a whole new workload */
		"workloads.extra.cpus=node0",
		"name=other",
	};
	struct frag_scenario *sc = load(fixture("full.yaml"), sets, sizeof sets / sizeof sets[0]);
	CHECK(sc != NULL);
	if (!sc)
		return;
	CHECK_EQ(sc->run.duration, 600000000000ull);
	CHECK_EQ(sc->machine.memory, 8 * GiB);
	CHECK(idle_opts(wl(sc, "web"))->rate.a == 2e6);
	CHECK_STREQ(idle_opts(wl(sc, "batch"))->note, "created");
	CHECK_EQ(sc->thp.mthp_orders, (1u << 5) | (1u << 6));
	CHECK_EQ(sc->sysctl.defrag_mode, false);
	CHECK(sc->policy == frag_policy_find("linux"));
	CHECK_EQ(sc->nr_workloads, 4);
	CHECK_STREQ(sc->wl[3].name, "extra");   /* new ones come last */
	CHECK_EQ(sc->wl[3].nr_cpus, 3);
	CHECK_STREQ(sc->run.name, "other");
	CHECK_STREQ(flat_value(sc, "workloads.web.rate"), "exp(2ms)");
	frag_scenario_free(sc);

	/* --set also replaces a mapping wholesale, and holes can be set. */
	const char *holes[] = { "machine.holes=[{start: 0x2000, end: 0x2100}]", "workloads={a: {type: idle}}" };
	sc = load(fixture("full.yaml"), holes, 2);
	CHECK(sc && sc->nr_holes == 1 && sc->holes[0].start_pfn == 0x2000 && sc->holes[0].kind == HOLE_RESERVED);
	CHECK(sc && sc->nr_workloads == 1 && !strcmp(sc->wl[0].name, "a"));
	frag_scenario_free(sc);
}

struct bad_set {
	const char *set;       /* the --set */
	const char *error;     /* the whole message */
};

static const struct bad_set bad_sets[] = {
	{ "duration", "--set duration: expected KEY=VALUE, e.g. duration=10s or workloads.web.rate=exp(1ms)" },
	{ "=1", "--set =1: expected KEY=VALUE, e.g. duration=10s or workloads.web.rate=exp(1ms)" },
	{ "machine..memory=1G", "--set machine..memory=1G: empty key name in 'machine..memory'" },
	{ "duration=forever",
	  "--set duration=forever: key duration: duration = 'forever' is not a duration (e.g. 10s, 5ms, 100us)" },
	{ "machine.memroy=1G",
	  "--set machine.memroy=1G: key machine.memroy: unknown key 'memroy'; valid keys: memory, nodes, cpus, layout, "
	  "movable, config_cma, swap, holes" },
	{ "workloads.web.rate=soon",
	  "--set workloads.web.rate=soon: key workloads.web.rate: rate = 'soon': 'soon' is neither a value nor a "
	  "distribution like exp(10ms)" },
	{ "workloads.fresh.note=x",
	  "--set workloads.fresh.note=x: key workloads.fresh: no type given; registered workload types: %TYPES%" },
	{ "policy.name=nope",
	  "--set policy.name=nope: key policy.name: unknown policy 'nope'; registered policies: %POLICIES%" },
	{ "name.first=x", "--set name.first=x: key name: is a scalar, not a mapping: it has no key 'first'" },
	{ "include=base.yaml", "--set include=base.yaml: key include: includes cannot be added with --set" },
	{ "thp.mthp_orders=[4,", "--set thp.mthp_orders=[4,: did not find expected node content" },
	{ "seed=", "--set seed=: key seed: no value given" },
	{ "machine.holes=[{start: 1, end: 2}",
	  "--set machine.holes=[{start: 1, end: 2}: flow sequence without a closing "
	  "bracket" },
	{ "machine.cpus=1", "--set machine.cpus=1: key machine.cpus: 1 CPUs for 2 nodes: every node needs a CPU" },
};

/* A --set passes the same validation; its errors name the --set. */
static void test_set_errors(void)
{
	for (unsigned i = 0; i < sizeof bad_sets / sizeof bad_sets[0]; i++) {
		struct frag_scenario *sc = NULL;
		char err[2048];
		const char *sets[] = { bad_sets[i].set };
		int ret = frag_scenario_load(fixture("full.yaml"), sets, 1, &sc, err, sizeof err);
		char expected[2048];
		expand_lists(bad_sets[i].error, expected, sizeof expected);
		if (ret != -EINVAL || sc || strcmp(err, expected)) {
			printf("# set %u: ret %d\n# got:      %s\n# expected: %s\n", i, ret, err, expected);
			tap_fail(__FILE__, __LINE__, bad_sets[i].set);
		}
		frag_scenario_free(sc);
	}
}

/* ---------------------------------------------------------------------- */
/* Policy blocks, CPU lists                                               */
/* ---------------------------------------------------------------------- */

/* policy: name selects; every sub-mapping is validated; --set policy.name switches. */
static void test_policy_submaps(void)
{
	const char *path = write_tmp("pol.yaml", WL "policy:\n  name: linux\n  linux: {}\n  linux-defrag:\n");
	struct frag_scenario *sc = load(path, NULL, 0);
	CHECK(sc && sc->policy == frag_policy_find("linux") && !sc->policy_opts);
	CHECK(sc && strstr(sc->resolved, "\"policy\": {\n    \"name\": \"linux\",\n    \"linux\": {}\n  }"));
	frag_scenario_free(sc);
	const char *sets[] = { "policy.name=linux-defrag" };
	sc = load(path, sets, 1);
	CHECK(sc && sc->policy == frag_policy_find("linux-defrag"));
	CHECK(sc && strstr(sc->resolved, "\"name\": \"linux-defrag\",\n    \"linux-defrag\": {}"));
	CHECK(sc && !strcmp(flat_value(sc, "policy.name"), "linux-defrag"));
	frag_scenario_free(sc);

	/* The selected policy's table validates its sub-mapping, also via --set. */
	const char *bad[] = { "policy.linux.anything=1" };
	char err[1024];
	CHECK_EQ(frag_scenario_load(path, bad, 1, &sc, err, sizeof err), -EINVAL);
	CHECK_STREQ(err, "--set policy.linux.anything=1: key policy.linux.anything: unknown key 'anything'; valid "
			 "keys: (none)");

	/* frag_scenario_config() hands the policy and its options over. */
	sc = load(path, sets, 1);
	struct frag_config cfg;
	struct frag_hole holes[FRAG_SC_CONFIG_HOLES];
	CHECK(sc && frag_scenario_config(sc, &cfg, holes, FRAG_SC_CONFIG_HOLES, err, sizeof err) == 0);
	CHECK(sc && cfg.policy == sc->policy && cfg.policy_opts == sc->policy_opts);
	frag_scenario_free(sc);
}

/* cpus: all, lists and ranges, nodeN, YAML lists; CPUs numbered node by node. */
static void test_cpus_syntax(void)
{
	static const struct {
		const char *cpus;
		const char *resolved;
		unsigned n;
	} cases[] = {
		{ "all", "0-10", 11 },
		{ "0-3,8", "0-3,8", 5 },
		{ "8, 0-3", "0-3,8", 5 },
		{ "node0", "0-3", 4 },        /* 11 CPUs over 3 nodes: 4, 4, 3 */
		{ "node1", "4-7", 4 },
		{ "node2", "8-10", 3 },
		{ "node2,0", "0,8-10", 4 },
		{ "10", "10", 1 },
		{ "[node0, 9]", "0-3,9", 5 },
		{ "[1, 3, 5]", "1,3,5", 3 },
	};
	for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char set[128];
		snprintf(set, sizeof set, "workloads.w.cpus=%s", cases[i].cpus);
		const char *sets[] = { "machine.nodes=3", "machine.cpus=11", "machine.memory=3G",
				       "workloads.w.type=idle", set };
		struct frag_scenario *sc = load(NULL, sets, 5);
		CHECK(sc != NULL);
		if (!sc)
			continue;
		CHECK_EQ(sc->wl[0].nr_cpus, cases[i].n);
		if (strcmp(flat_value(sc, "workloads.w.cpus"), cases[i].resolved)) {
			printf("# cpus %s resolved to %s, expected %s\n", cases[i].cpus,
			       flat_value(sc, "workloads.w.cpus"), cases[i].resolved);
			tap_fail(__FILE__, __LINE__, cases[i].cpus);
		}
		for (unsigned k = 1; k < sc->wl[0].nr_cpus; k++)
			CHECK(sc->wl[0].cpus[k] > sc->wl[0].cpus[k - 1]);
		frag_scenario_free(sc);
	}
	/* The node numbering matches the machine frag_mem_create() builds. */
	const char *sets[] = { "machine.nodes=3", "machine.cpus=11", "machine.memory=3G", "machine.layout=flat",
			       "workloads.w.type=idle", "workloads.w.cpus=node2" };
	struct frag_scenario *sc = load(NULL, sets, 6);
	struct frag_config cfg;
	struct frag_hole holes[FRAG_SC_CONFIG_HOLES];
	struct frag_mem *mem = NULL;
	char err[512];
	CHECK(sc && frag_scenario_config(sc, &cfg, holes, FRAG_SC_CONFIG_HOLES, err, sizeof err) == 0);
	CHECK(sc && frag_mem_create(&cfg, &mem, err, sizeof err) == 0);
	if (sc && mem) {
		CHECK_EQ(frag_nr_cpus(mem), 11);
		for (unsigned k = 0; k < sc->wl[0].nr_cpus; k++)
			CHECK_EQ(frag_cpu_node(mem, sc->wl[0].cpus[k]), 2);
		CHECK_EQ(frag_cpu_node(mem, 7), 1);
		CHECK_EQ(frag_cpu_node(mem, 3), 0);
	}
	frag_mem_destroy(mem);
	frag_scenario_free(sc);
}

/* ---------------------------------------------------------------------- */
/* Geometry                                                               */
/* ---------------------------------------------------------------------- */

/* Load a machine from --sets and build it. */
static struct frag_mem *machine(const char *const *sets, unsigned n, struct frag_config *cfg, struct frag_hole *holes)
{
	const char *all[16];
	unsigned k = 0;
	all[k++] = "workloads.w.type=idle";
	for (unsigned i = 0; i < n && k < 16; i++)
		all[k++] = sets[i];
	struct frag_scenario *sc = load(NULL, all, k);
	struct frag_mem *mem = NULL;
	char err[512];
	if (!sc)
		return NULL;
	if (frag_scenario_config(sc, cfg, holes, FRAG_SC_CONFIG_HOLES, err, sizeof err) ||
	    frag_mem_create(cfg, &mem, err, sizeof err)) {
		printf("# %s\n", err);
		mem = NULL;
	}
	frag_scenario_free(sc);
	return mem;
}

/* layout pc, 4G, one node: low reserved ranges, the PCI hole, the memmap. */
static void test_pc_layout(void)
{
	struct frag_config cfg;
	struct frag_hole holes[FRAG_SC_CONFIG_HOLES];
	const char *sets[] = { "machine.memory=4G" };
	struct frag_mem *mem = machine(sets, 1, &cfg, holes);
	CHECK(mem != NULL);
	if (!mem)
		return;
	CHECK_EQ(cfg.geo.nr_nodes, 1);
	CHECK_EQ(cfg.geo.node[0].start_pfn, 0);
	CHECK_EQ(cfg.geo.node[0].nr_pages, 5ull << 18);   /* 4 GiB of RAM + the 1 GiB hole */
	CHECK_EQ(cfg.geo.nr_holes, 5);
	struct frag_zone *dma = zone_of(mem, 0, ZONE_DMA), *dma32 = zone_of(mem, 0, ZONE_DMA32);
	struct frag_zone *normal = zone_of(mem, 0, ZONE_NORMAL);
	CHECK(dma && dma32 && normal && !zone_of(mem, 0, ZONE_MOVABLE));
	if (dma && dma32 && normal) {
		/* DMA: pfn 0 and [0x9f, 0x100) reserved. */
		CHECK_EQ(dma->spanned_pages, 4096);
		CHECK_EQ(dma->present_pages, 4096);
		CHECK_EQ(dma->managed_pages, 4096 - 1 - 97);
		/* DMA32: [3 GiB, 4 GiB) absent, the kernel image reserved. */
		CHECK_EQ(dma32->zone_start_pfn, 0x1000);
		CHECK_EQ(dma32->spanned_pages, 0x100000 - 0x1000);
		CHECK_EQ(dma32->present_pages, 0xc0000 - 0x1000);
		CHECK_EQ(dma32->managed_pages, 0xc0000 - 0x1000 - (0x3c58 - 0x1000));
		/* Normal: the 1 GiB remapped above 4 GiB, the memmap (1M/64 pages) on top. */
		CHECK_EQ(normal->zone_start_pfn, 0x100000);
		CHECK_EQ(normal->spanned_pages, 0x40000);
		CHECK_EQ(normal->present_pages, 0x40000);
		CHECK_EQ(normal->managed_pages, 0x40000 - (1 << 20) / 64);
		CHECK_EQ(normal->nr_spbs, 1);
	}
	struct frag_pfn_info info;
	CHECK(frag_pfn_info(mem, 0, &info) == 0 && info.state == PFN_RESERVED);
	CHECK(frag_pfn_info(mem, 0x9e, &info) == 0 && info.state == PFN_FREE);
	CHECK(frag_pfn_info(mem, 0x9f, &info) == 0 && info.state == PFN_RESERVED);
	CHECK(frag_pfn_info(mem, 0x100, &info) == 0 && info.state == PFN_FREE);
	CHECK(frag_pfn_info(mem, 0x2000, &info) == 0 && info.state == PFN_RESERVED);
	CHECK(frag_pfn_info(mem, 0x3c58, &info) == 0 && info.state == PFN_FREE);
	CHECK(frag_pfn_info(mem, 0xbffff, &info) == 0 && info.state == PFN_FREE);
	CHECK(frag_pfn_info(mem, 0xc0000, &info) == 0 && info.state == PFN_HOLE);
	CHECK(frag_pfn_info(mem, 0xfffff, &info) == 0 && info.state == PFN_HOLE);
	CHECK(frag_pfn_info(mem, 0x13bfff, &info) == 0 && info.state == PFN_FREE);
	CHECK(frag_pfn_info(mem, 0x13c000, &info) == 0 && info.state == PFN_RESERVED);
	CHECK(frag_pfn_info(mem, 0x13ffff, &info) == 0 && info.state == PFN_RESERVED);
	CHECK_EQ(frag_total_managed_pages(mem),
		 (4096 - 98) + (0xc0000 - 0x1000 - 0x2c58) + (0x40000 - 0x4000));
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/* The RFC's test box: 241 GiB on a pc has exactly 238 SPBs in ZONE_NORMAL. */
static void test_pc_layout_241g(void)
{
	struct frag_config cfg;
	struct frag_hole holes[FRAG_SC_CONFIG_HOLES];
	const char *sets[] = { "machine.memory=241G", "machine.cpus=16" };
	struct frag_mem *mem = machine(sets, 2, &cfg, holes);
	CHECK(mem != NULL);
	if (!mem)
		return;
	struct frag_zone *normal = zone_of(mem, 0, ZONE_NORMAL), *dma32 = zone_of(mem, 0, ZONE_DMA32);
	CHECK(normal && dma32);
	if (normal && dma32) {
		printf("# 241G pc: Normal spans [%#llx, %#llx): %u SPBs, %llu managed pages\n",
		       (unsigned long long)normal->zone_start_pfn, (unsigned long long)zone_end_pfn(normal),
		       normal->nr_spbs, (unsigned long long)normal->managed_pages);
		CHECK_EQ(normal->nr_spbs, 238);
		CHECK_EQ(normal->zone_start_pfn, 0x100000);
		CHECK_EQ(normal->spanned_pages, 238ull << 18);
		uint64_t memmap = (241ull << 18) / 64;
		CHECK_EQ(normal->managed_pages, (238ull << 18) - memmap);
		CHECK_EQ(dma32->present_pages, 0xc0000 - 0x1000);   /* 3 GiB below 4 GiB */
	}
	CHECK_EQ(cfg.geo.node[0].nr_pages, 242ull << 18);
	frag_mem_destroy(mem);
}

/* Several nodes on a pc: the node whose RAM crosses 3 GiB holds the hole; a
 * node starting exactly at 3 GiB of RAM starts at 4 GiB. */
static void test_pc_layout_numa(void)
{
	struct frag_config cfg;
	struct frag_hole holes[FRAG_SC_CONFIG_HOLES];
	const char *two[] = { "machine.memory=4G", "machine.nodes=2" };
	struct frag_mem *mem = machine(two, 2, &cfg, holes);
	CHECK(mem != NULL);
	if (mem) {
		CHECK_EQ(cfg.geo.node[0].start_pfn, 0);
		CHECK_EQ(cfg.geo.node[0].nr_pages, 0x80000);
		CHECK_EQ(cfg.geo.node[1].start_pfn, 0x80000);
		CHECK_EQ(cfg.geo.node[1].nr_pages, 0xc0000);   /* 2 GiB of RAM + the hole */
		CHECK_EQ(cfg.geo.node[0].nr_cpus + cfg.geo.node[1].nr_cpus, 4);
		struct frag_zone *z = zone_of(mem, 1, ZONE_DMA32);
		CHECK(z && z->present_pages == 0x40000 && z->managed_pages == 0x40000);
		z = zone_of(mem, 1, ZONE_NORMAL);
		CHECK(z && z->present_pages == 0x40000 && z->managed_pages == 0x40000 - 0x80000 / 64);
		z = zone_of(mem, 0, ZONE_DMA32);
		CHECK(z && z->managed_pages == 0x80000 - 0x1000 - 0x2c58 - 0x80000 / 64);
		CHECK_CONSISTENT(mem);
		frag_mem_destroy(mem);
	}
	const char *three[] = { "machine.memory=6G", "machine.nodes=2" };
	mem = machine(three, 2, &cfg, holes);
	CHECK(mem != NULL);
	if (mem) {
		CHECK_EQ(cfg.geo.node[0].nr_pages, 0xc0000);        /* ends at 3 GiB */
		CHECK_EQ(cfg.geo.node[1].start_pfn, 0x100000);      /* starts at 4 GiB */
		CHECK_EQ(cfg.geo.node[1].nr_pages, 0xc0000);
		CHECK_EQ(frag_total_managed_pages(mem), 2 * 0xc0000 - 98 - 0x2c58 - 2 * (0xc0000 / 64));
		frag_mem_destroy(mem);
	}
}

/* layout flat, movable, CMA and extra holes. */
static void test_flat_layout_and_holes(void)
{
	struct frag_config cfg, simple;
	struct frag_hole holes[FRAG_SC_CONFIG_HOLES];
	const char *sets[] = {
		"machine.memory=8G",
		"machine.nodes=2",
		"machine.cpus=3",
		"machine.layout=flat",
		"machine.movable=1G",
		"machine.config_cma=true",
		"machine.holes=[{start: 0x10000, end: 0x10200, kind: absent}, {start: 0x20000, end: 0x20010}]"
	};
	struct frag_mem *mem = machine(sets, 7, &cfg, holes);
	CHECK(mem != NULL);
	if (!mem)
		return;
	frag_geometry_simple(&simple.geo, 8 * GiB, 2, 3);
	for (unsigned n = 0; n < 2; n++) {
		CHECK_EQ(cfg.geo.node[n].start_pfn, simple.geo.node[n].start_pfn);
		CHECK_EQ(cfg.geo.node[n].nr_pages, simple.geo.node[n].nr_pages);
		CHECK_EQ(cfg.geo.node[n].nr_cpus, simple.geo.node[n].nr_cpus);
		CHECK_EQ(cfg.geo.node[n].movable_pages, GiB >> 12);
		CHECK(zone_of(mem, n, ZONE_MOVABLE) != NULL);
	}
	CHECK(cfg.geo.config_cma);
	CHECK_EQ(cfg.geo.nr_holes, 2);
	struct frag_zone *dma32 = zone_of(mem, 0, ZONE_DMA32);
	CHECK(dma32 && dma32->present_pages == dma32->spanned_pages - 0x200);
	CHECK(dma32 && dma32->managed_pages == dma32->present_pages - 0x10);
	CHECK_EQ(frag_total_managed_pages(mem), (8 * GiB >> 12) - 0x200 - 0x10);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);

	/* Too small a holes buffer is an error, not an overflow. */
	const char *one[] = { "workloads.w.type=idle" };
	struct frag_scenario *sc = load(NULL, one, 1);
	char err[256];
	CHECK(sc && frag_scenario_config(sc, &cfg, holes, 2, err, sizeof err) == -EINVAL);
	CHECK(sc && strstr(err, "more than 2 holes"));
	frag_scenario_free(sc);
}

/* ---------------------------------------------------------------------- */
/* Shipped scenarios                                                      */
/* ---------------------------------------------------------------------- */

/* Every scenarios/NAME.yaml loads and its machine configures. */
static void test_shipped_scenarios(void)
{
	char dir[1024];
	if (!srcdir) {
		tap_fail(__FILE__, __LINE__, "argv[2] (source directory) missing");
		return;
	}
	snprintf(dir, sizeof dir, "%s/scenarios", srcdir);
	DIR *d = opendir(dir);
	unsigned n = 0;
	if (!d) {
		printf("# no %s\n", dir);
		return;
	}
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (len < 6 || strcmp(e->d_name + len - 5, ".yaml"))
			continue;
		char path[2048 + 300], err[2048];
		struct frag_scenario *sc = NULL;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		if (frag_scenario_load(path, NULL, 0, &sc, err, sizeof err)) {
			printf("# %s\n", err);
			tap_fail(__FILE__, __LINE__, e->d_name);
			continue;
		}
		struct frag_config cfg;
		struct frag_hole holes[FRAG_SC_CONFIG_HOLES];
		if (frag_scenario_config(sc, &cfg, holes, FRAG_SC_CONFIG_HOLES, err, sizeof err)) {
			printf("# %s: %s\n", e->d_name, err);
			tap_fail(__FILE__, __LINE__, e->d_name);
		}
		printf("# %s: %s, %u workloads, hash %016" PRIx64 "\n", e->d_name, sc->run.name, sc->nr_workloads,
		       sc->hash);
		frag_scenario_free(sc);
		n++;
	}
	closedir(d);
	printf("# %u shipped scenarios loaded\n", n);
}

static const struct tap_test tests[] = {
	TAP(test_frag_workload_registry),
	TAP(test_full_scenario),
	TAP(test_defaults),
	TAP(test_resolved_json),
	TAP(test_hash_changes_with_every_value),
	TAP(test_flatten_round_trip),
	TAP(test_bad_input),
	TAP(test_bad_input_limits),
	TAP(test_include_merge),
	TAP(test_include_errors),
	TAP(test_set_overrides),
	TAP(test_set_errors),
	TAP(test_policy_submaps),
	TAP(test_cpus_syntax),
	TAP(test_pc_layout),
	TAP(test_pc_layout_241g),
	TAP(test_pc_layout_numa),
	TAP(test_flat_layout_and_holes),
	TAP(test_shipped_scenarios),
};

int main(int argc, char **argv)
{
	fixtures = argc > 1 ? argv[1] : "tests/fixtures/scenarios";
	srcdir = argc > 2 ? argv[2] : NULL;
	snprintf(tmpdir, sizeof tmpdir, "%s/test_scenario.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(tmpdir)) {
		printf("Bail out! cannot create a scratch directory\n");
		return 1;
	}
	int ret = tap_main(tests, TAP_COUNT(tests));
	static const char *const scratch[] = { "bad.yaml", "deep.yaml", "laughs.yaml", "same.yaml", "self.yaml",
					       "incmap.yaml", "pol.yaml" };
	for (unsigned i = 0; i < sizeof scratch / sizeof scratch[0]; i++) {
		char path[512];
		snprintf(path, sizeof path, "%s/%s", tmpdir, scratch[i]);
		unlink(path);
	}
	rmdir(tmpdir);
	return ret;
}
