/* SPDX-License-Identifier: MIT */
/*
 * scenario.c - scenario files: validation against the parameter tables,
 * resolution (every default filled in), the resolved configuration as JSON
 * and as flat (key path, value) pairs, and the frag_config of the machine.
 *
 * Loading reads the file and its includes into a conf_node tree (yaml.c),
 * applies the --set overrides to the tree, then walks the tree once, block
 * by block, against the tables: an unknown key, a value of the wrong shape
 * or out of bounds stops the load with "FILE:LINE:COL: key PATH: message"
 * (or "--set TEXT: key PATH: message"). Cross checks between blocks follow.
 * Nothing is simulated before all of it passed.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "frag/dist.h"
#include "frag/scenario.h"

/* core/mm/policy.c: the vm sysctls as a parameter table. */
extern const struct frag_param frag_sysctl_params[];

#define TiB (1ull << 40)
#define GiB (1ull << 30)
#define MiB (1ull << 20)
#define SC_MAX_SECONDS 1e7                 /* longest duration or time accepted (115 days) */
#define SC_SEED_MAX 9007199254740991.0     /* 2^53 - 1: every seed is exact in a double */
#define SC_MIN_NODE_MEMORY (64 * MiB)      /* RAM per node at least */
#define SC_MAX_PFN (16ull << (40 - FRAG_PAGE_SHIFT))   /* the model's 16 TiB limit */
#define MTHP_ORDERS_MASK 0x1fcu            /* orders 2..8 */

/* ---------------------------------------------------------------------- */
/* Parameter tables of the fixed blocks                                   */
/* ---------------------------------------------------------------------- */

const struct frag_param frag_run_params[] = {
	FRAG_PARAM_STR("name", struct frag_run_opts, name, "",
		       "scenario name, [A-Za-z0-9._+-], at most 63 characters (default: the file's base name)"),
	FRAG_PARAM("duration", PARAM_DURATION, struct frag_run_opts, duration, 60, 1e-6, SC_MAX_SECONDS, "s",
		   "simulated time of the run"),
	FRAG_PARAM("seed", PARAM_UINT, struct frag_run_opts, seed, 1, 0, SC_SEED_MAX, "",
		   "base of every random stream"),
	FRAG_PARAM("sample_period", PARAM_DURATION, struct frag_run_opts, sample_period, 1, 1e-3, SC_MAX_SECONDS, "s",
		   "simulated time between two epoch samples (at most the duration)"),
	FRAG_PARAM_END,
};

const struct frag_param frag_engine_params[] = {
	FRAG_PARAM("batch_window", PARAM_DURATION, struct frag_run_opts, batch_window, 0.001, 1e-6, 1, "s",
		   "simulated time a CPU runs at least between two SimGrid wake-ups (CPU interleaving granularity)"),
	FRAG_PARAM("batch_ops", PARAM_U32, struct frag_run_opts, batch_ops, 256, 1, 1 << 20, "ops",
		   "allocations + frees a CPU's batch aims for: a sparse CPU stretches its window to reach them"),
	FRAG_PARAM("batch_max_window", PARAM_DURATION, struct frag_run_opts, batch_max_window, 0.05, 1e-6, 10, "s",
		   "longest simulated time a batch may stretch to reach batch_ops"),
	FRAG_PARAM("alloc_fail_events", PARAM_U32, struct frag_run_opts, alloc_fail_events, 10000, 0, 4294967295.0,
		   "events", "failed allocations recorded one by one as alloc_fail events; later ones are only counted"),
	FRAG_PARAM("predict", PARAM_BOOL, struct frag_run_opts, predict, 1, 0, 1, "",
		   "count the 1 GiB hugetlb pages the final state could give (metric hugetlb_1g_allocatable; runs on "
		   "the machine itself after the run, as on a clone: no workload hears of it)"),
	FRAG_PARAM("predict_2m", PARAM_BOOL, struct frag_run_opts, predict_2m, 0, 0, 1, "",
		   "also count the 2 MiB hugetlb pages the final state could give (metric hugetlb_2m_allocatable; "
		   "slow on large fragmented machines: every page may need direct compaction)"),
	FRAG_PARAM("max_ops", PARAM_UINT, struct frag_run_opts, max_ops, 0, 0, 1e15, "ops",
		   "a hard bound on model operations: after this many allocations + frees further allocations fail "
		   "without reaching the allocator and the run ends (complete) at the next batch boundary "
		   "(0 = no limit; fragsim fuzz bounds its runs with it)"),
	FRAG_PARAM("max_events", PARAM_UINT, struct frag_run_opts, max_events, 0, 0, 1e15, "events",
		   "a hard bound on workload events (arrivals, touches, exits, frees; also those that allocate "
		   "nothing, such as arrivals dropped at max_procs): after this many the workloads stop and the run "
		   "ends (complete) at the next batch boundary (0 = no limit; fragsim fuzz bounds its runs with it)"),
	FRAG_PARAM_END,
};

static const char *const layout_names[] = { [LAYOUT_PC] = "pc", [LAYOUT_FLAT] = "flat", NULL };

const struct frag_param frag_machine_params[] = {
	FRAG_PARAM("memory", PARAM_UINT, struct frag_machine_opts, memory, 4.0 * GiB, 64.0 * MiB, 16.0 * TiB,
		   "bytes", "RAM in total, split evenly over the nodes (a multiple of 4K)"),
	FRAG_PARAM("nodes", PARAM_U32, struct frag_machine_opts, nodes, 1, 1, FRAG_MAX_NODES, "",
		   "NUMA nodes (each with at least 64M of RAM and one CPU)"),
	FRAG_PARAM("cpus", PARAM_U32, struct frag_machine_opts, cpus, 4, 1, FRAG_MAX_CPUS, "",
		   "CPUs in total, numbered node by node"),
	FRAG_PARAM_ENUM("layout", struct frag_machine_opts, layout, LAYOUT_PC, layout_names,
			"pc: x86 PC (PCI hole at 3-4 GiB, low reserved ranges, memmap); flat: RAM from pfn 0"),
	FRAG_PARAM("movable", PARAM_UINT, struct frag_machine_opts, movable, 0, 0, 16.0 * TiB, "bytes",
		   "ZONE_MOVABLE per node, at the top of the node (movablecore=)"),
	FRAG_PARAM("config_cma", PARAM_BOOL, struct frag_machine_opts, config_cma, 0, 0, 1, "",
		   "CONFIG_CMA: MIGRATE_CMA exists"),
	FRAG_PARAM("swap", PARAM_UINT, struct frag_machine_opts, swap, 0, 0, 64.0 * TiB, "bytes",
		   "swap space (0 = none: reclaim never takes anonymous pages)"),
	FRAG_PARAM_END,
};

static const char *const thp_enabled_names[] = {
	[THP_ENABLED_ALWAYS] = "always", [THP_ENABLED_MADVISE] = "madvise", [THP_ENABLED_NEVER] = "never", NULL,
};
static const char *const thp_defrag_names[] = {
	[THP_DEFRAG_ALWAYS] = "always",   [THP_DEFRAG_DEFER] = "defer", [THP_DEFRAG_DEFER_MADVISE] = "defer+madvise",
	[THP_DEFRAG_MADVISE] = "madvise", [THP_DEFRAG_NEVER] = "never", NULL,
};

const struct frag_param frag_thp_params[] = {
	FRAG_PARAM_ENUM("enabled", struct frag_thp_settings, enabled, THP_ENABLED_MADVISE, thp_enabled_names,
			"transparent_hugepage/enabled"),
	FRAG_PARAM_ENUM("defrag", struct frag_thp_settings, defrag, THP_DEFRAG_MADVISE, thp_defrag_names,
			"transparent_hugepage/defrag"),
	FRAG_PARAM("khugepaged_defrag", PARAM_BOOL, struct frag_thp_settings, khugepaged_defrag, 1, 0, 1, "",
		   "transparent_hugepage/khugepaged/defrag"),
	FRAG_PARAM("mthp_orders", PARAM_U32, struct frag_thp_settings, mthp_orders, 0, 0, MTHP_ORDERS_MASK, "bitmask",
		   "mTHP orders (2..8) whose hugepages-*/enabled follows `enabled`: a list like [4, 5] or a bitmask"),
	FRAG_PARAM("local_try", PARAM_BOOL, struct frag_thp_settings, local_try, 0, 0, 1, "",
		   "alloc_pages_mpol(): a PMD-size THP fault first tries the local node with __GFP_THISNODE | "
		   "__GFP_NORETRY, then the full request if it may reclaim (CONFIG_NUMA kernels do; off by default)"),
	FRAG_PARAM_END,
};

/* The keys every workload instance has, parsed into this shadow struct. */
struct wl_common {
	char type[FRAG_PARAM_STRLEN];   /* workload type name */
	char cpus[FRAG_PARAM_STRLEN];   /* CPU list text */
	uint64_t start;                 /* ns */
	uint64_t stop;                  /* ns; FRAG_TIME_NEVER = end of run */
};

const struct frag_param frag_wl_instance_params[] = {
	FRAG_PARAM_STR("type", struct wl_common, type, "", "a registered workload type (required)"),
	FRAG_PARAM_STR("cpus", struct wl_common, cpus, "all",
		       "CPUs it runs on: all, a list like 0-3,8, nodeN, or a YAML list of those"),
	FRAG_PARAM("start", PARAM_DURATION, struct wl_common, start, 0, 0, SC_MAX_SECONDS, "s",
		   "simulated time it starts (before the end of the run)"),
	FRAG_PARAM("stop", PARAM_DURATION, struct wl_common, stop, 0, 0, SC_MAX_SECONDS, "s",
		   "simulated time it stops, after start; never (the default) = the end of the run"),
	FRAG_PARAM_END,
};

/* ---------------------------------------------------------------------- */
/* Helpers                                                                */
/* ---------------------------------------------------------------------- */

/* "@path.@key" (or @key at the top) into @buf, cut to fit ("..." at the end). */
static const char *join(char *buf, size_t len, const char *path, const char *key)
{
	int n;
	if (path && *path)
		n = snprintf(buf, len, "%s.%s", path, key);
	else
		n = snprintf(buf, len, "%s", key);
	if (n < 0 || (size_t)n >= len)
		memcpy(buf + len - 4, "...", 4);
	return buf;
}

/* The names of @table, then of @table2, then @extra, comma-separated, into @buf. */
static void list_keys2(char *buf, size_t len, const struct frag_param *table, const struct frag_param *table2,
		       const char *const *extra)
{
	size_t off = 0;
	buf[0] = 0;
	for (unsigned i = 0; table && table[i].name && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", off ? ", " : "", table[i].name);
	for (unsigned i = 0; table2 && table2[i].name && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", off ? ", " : "", table2[i].name);
	/* Extra keys a table already names (thp.mthp_orders) are listed once. */
	for (unsigned i = 0; extra && extra[i] && off < len; i++)
		if (!frag_param_find(table, extra[i]) && !frag_param_find(table2, extra[i]))
			off += (size_t)snprintf(buf + off, len - off, "%s%s", off ? ", " : "", extra[i]);
	if (!off)
		snprintf(buf, len, "(none)");
}

static void list_keys(char *buf, size_t len, const struct frag_param *table, const char *const *extra)
{
	list_keys2(buf, len, table, NULL, extra);
}

/* "unknown key 'K'; valid keys: ..." at the key, listing @table, @table2 and @extra. */
static int unknown_key(struct conf_ctx *ctx, const struct conf_node *kid, const char *path,
		       const struct frag_param *table, const struct frag_param *table2, const char *const *extra)
{
	char names[1024], full[CONF_PATH_MAX];
	list_keys2(names, sizeof names, table, table2, extra);
	return conf_error(ctx, &kid->key_loc, join(full, sizeof full, path, kid->key),
			  "unknown key '%s'; valid keys: %s", kid->key, names);
}

/* A block must be a mapping (or empty). */
static int expect_map(struct conf_ctx *ctx, const struct conf_node *n, const char *path)
{
	if (!n || n->kind == CONF_MAP || n->kind == CONF_NULL)
		return 0;
	return conf_error(ctx, &n->loc, path, "expected a mapping of keys, got %s", conf_kind_name(n->kind));
}

static bool in_list(const char *const *list, const char *s)
{
	for (unsigned i = 0; list && list[i]; i++)
		if (!strcmp(list[i], s))
			return true;
	return false;
}

/* The text of a value after leading blanks. */
static const char *skip_blanks(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return s;
}

static bool is_duration_unit(const char *s)
{
	static const char *const units[] = { "", "s", "ms", "us", "ns", "m", "min", "h", "d", NULL };
	return in_list(units, skip_blanks(s));
}

/*
 * frag_param_set() said -EINVAL: say "negative" or "too large" when that is
 * the reason (an overflowing number is not "not an integer").
 */
static void explain(const struct frag_param *p, const char *value, char *msg, size_t len)
{
	const char *s = skip_blanks(value);
	char *end;

	if (p->type != PARAM_UINT && p->type != PARAM_U32 && p->type != PARAM_INT && p->type != PARAM_DURATION)
		return;
	if (*s == '-' && p->type != PARAM_INT) {
		snprintf(msg, len, "%s = '%s': negative values are not allowed", p->name, value);
		return;
	}
	bool huge = false;
	errno = 0;
	if (p->type == PARAM_DURATION) {
		double v = strtod(s, &end);
		huge = end != s && v > 0 && is_duration_unit(end);
	} else {
		if (*s == '+' || *s == '-')
			s++;
		unsigned long long v = strtoull(s, &end, 0);
		/* Beyond 2^64, or a plain number above the bound that the parser (exact
		 * only up to 2^53) refused before its range check. */
		huge = end != s && (errno == ERANGE || (!*skip_blanks(end) && (double)v > p->max));
	}
	if (!huge)
		return;
	if (p->type == PARAM_DURATION)
		snprintf(msg, len, "%s = '%s' is too large (at most %gs)", p->name, value, p->max);
	else
		snprintf(msg, len, "%s = '%s' is too large (at most %.0f%s%s)", p->name, value, p->max,
			 *p->unit ? " " : "", p->unit);
}

/* @n at @path is not a scalar: "no value given" (at its key) or "expected @what, got ...". */
static int not_scalar(struct conf_ctx *ctx, const struct conf_node *n, const char *path, const char *what)
{
	if (n->kind == CONF_NULL)
		return conf_error(ctx, &n->key_loc, path, "no value given");
	return conf_error(ctx, &n->loc, path, "expected %s, got %s", what, conf_kind_name(n->kind));
}

/* Set @table's parameter kid->key in @opts from the scalar @kid. */
static int set_param(struct conf_ctx *ctx, const struct frag_param *table, void *opts, const struct conf_node *kid,
		     const char *path)
{
	char full[CONF_PATH_MAX], msg[1024];
	const struct frag_param *p = frag_param_find(table, kid->key);

	join(full, sizeof full, path, kid->key);
	if (kid->kind != CONF_SCALAR)
		return not_scalar(ctx, kid, full, "a single value");
	if (p && p->type != PARAM_STRING && !*skip_blanks(kid->value))
		return conf_error(ctx, &kid->loc, full, "no value given");
	int ret = frag_param_set(table, opts, kid->key, kid->value, msg, sizeof msg);
	if (ret == -EINVAL && p)
		explain(p, kid->value, msg, sizeof msg);
	if (ret)
		return conf_error(ctx, &kid->loc, full, "%s", msg);
	return 0;
}

/* Apply every entry of mapping @map (the block at @path) through @table;
 * entries named in @extra are the caller's. */
static int apply_block(struct conf_ctx *ctx, const struct conf_node *map, const char *path,
		       const struct frag_param *table, void *opts, const char *const *extra)
{
	if (expect_map(ctx, map, path))
		return -EINVAL;
	for (unsigned i = 0; map && i < map->nr_kids; i++) {
		const struct conf_node *kid = map->kids[i];
		if (in_list(extra, kid->key))
			continue;
		if (!frag_param_find(table, kid->key))
			return unknown_key(ctx, kid, path, table, NULL, extra);
		if (set_param(ctx, table, opts, kid, path))
			return -EINVAL;
	}
	return 0;
}

/* The location of @n, or of @fallback when @n is absent (a default). */
static const struct conf_loc *loc_of(const struct conf_node *n, const struct conf_node *fallback)
{
	static const struct conf_loc none;
	if (n)
		return &n->loc;
	return fallback ? &fallback->loc : &none;
}

/* A non-negative integer, decimal or 0x hex, no suffix. */
static int parse_pfn(const char *s, uint64_t *out, const char **why)
{
	char *end;
	s = skip_blanks(s);
	if (*s == '-') {
		*why = "is negative";
		return -EINVAL;
	}
	if (!isdigit((unsigned char)*s)) {
		*why = "is not a page frame number (decimal or 0x hex)";
		return -EINVAL;
	}
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno == ERANGE) {
		*why = "is too large";
		return -ERANGE;
	}
	if (*skip_blanks(end)) {
		*why = "is not a page frame number (decimal or 0x hex)";
		return -EINVAL;
	}
	*out = v;
	return 0;
}

/* ---------------------------------------------------------------------- */
/* CPU lists                                                              */
/* ---------------------------------------------------------------------- */

/* First CPU and CPU count of node @nid, as frag_geometry_simple() numbers them. */
static void node_cpus(const struct frag_machine_opts *m, unsigned nid, unsigned *first, unsigned *count)
{
	unsigned f = 0;
	for (unsigned n = 0; n < nid; n++)
		f += m->cpus / m->nodes + (n < m->cpus % m->nodes ? 1 : 0);
	*first = f;
	*count = m->cpus / m->nodes + (nid < m->cpus % m->nodes ? 1 : 0);
}

/* Parse a decimal number of at most 9 digits; the rest of the text in @end. */
static bool parse_small(const char *s, unsigned *v, const char **end)
{
	unsigned n = 0, digits = 0;
	while (isdigit((unsigned char)*s) && digits < 10) {
		n = n * 10 + (unsigned)(*s++ - '0');
		digits++;
	}
	*end = s;
	*v = n;
	return digits > 0 && digits < 10;
}

/*
 * "all", "0-3,8", "node1" or a mix, on the machine @m: the CPUs in
 * ascending order. A CPU named twice is an error.
 */
static int parse_cpus(const struct frag_machine_opts *m, const char *text, unsigned **out, unsigned *nr, char *msg,
		      size_t len)
{
	unsigned char *set = calloc(m->cpus, 1);
	char *copy = strdup(text), *save = NULL;
	int ret = -EINVAL;

	*out = NULL;
	*nr = 0;
	if (!set || !copy) {
		ret = -ENOMEM;
		snprintf(msg, len, "out of memory");
		goto out;
	}
	if (!*skip_blanks(copy)) {
		snprintf(msg, len, "empty CPU list");
		goto out;
	}
	/* Count the commas so that an empty item ("0,,1", "0,") is caught. */
	unsigned items = 1, seen = 0;
	for (const char *c = copy; *c; c++)
		items += *c == ',';
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *t = (char *)skip_blanks(tok), *e = t + strlen(t);
		unsigned lo, hi;
		const char *rest;
		while (e > t && isspace((unsigned char)e[-1]))
			*--e = 0;
		seen++;
		if (!*t) {
			snprintf(msg, len, "empty item in the CPU list '%s'", text);
			goto out;
		}
		if (!strcmp(t, "all")) {
			lo = 0;
			hi = m->cpus - 1;
		} else if (!strncmp(t, "node", 4)) {
			unsigned nid, count;
			if (!parse_small(t + 4, &nid, &rest) || *rest) {
				snprintf(msg, len, "'%s' is not nodeN", t);
				goto out;
			}
			if (nid >= m->nodes) {
				if (m->nodes == 1)
					snprintf(msg, len, "%s does not exist (the machine has 1 node: node0)", t);
				else
					snprintf(msg, len,
						 "%s does not exist (the machine has %u nodes: node0..node%u)", t,
						 m->nodes, m->nodes - 1);
				goto out;
			}
			node_cpus(m, nid, &lo, &count);
			hi = lo + count - 1;
		} else {
			if (!parse_small(t, &lo, &rest)) {
				snprintf(msg, len, "'%s' is not a CPU number, a range A-B, nodeN or all", t);
				goto out;
			}
			hi = lo;
			if (*rest == '-' && !parse_small(rest + 1, &hi, &rest)) {
				snprintf(msg, len, "'%s' is not a CPU range A-B", t);
				goto out;
			}
			if (*rest) {
				snprintf(msg, len, "'%s' is not a CPU number, a range A-B, nodeN or all", t);
				goto out;
			}
			if (hi < lo) {
				snprintf(msg, len, "CPU range '%s' is reversed", t);
				goto out;
			}
			if (hi >= m->cpus) {
				snprintf(msg, len, "CPU %u does not exist (the machine has %u CPU%s: 0-%u)", hi,
					 m->cpus, m->cpus == 1 ? "" : "s", m->cpus - 1);
				goto out;
			}
		}
		for (unsigned c = lo; c <= hi; c++) {
			if (set[c]) {
				snprintf(msg, len, "CPU %u is named twice in '%s'", c, text);
				goto out;
			}
			set[c] = 1;
		}
	}
	if (seen != items) {
		snprintf(msg, len, "empty item in the CPU list '%s'", text);
		goto out;
	}
	unsigned n = 0;
	for (unsigned c = 0; c < m->cpus; c++)
		n += set[c];
	*out = malloc(n * sizeof(**out));
	if (!*out) {
		ret = -ENOMEM;
		snprintf(msg, len, "out of memory");
		goto out;
	}
	for (unsigned c = 0; c < m->cpus; c++)
		if (set[c])
			(*out)[(*nr)++] = c;
	ret = 0;
out:
	free(set);
	free(copy);
	return ret;
}

/* "0-3,8" for a sorted CPU list. */
static void format_cpus(const unsigned *cpus, unsigned n, char *buf, size_t len)
{
	size_t off = 0;
	buf[0] = 0;
	for (unsigned i = 0; i < n && off < len;) {
		unsigned j = i;
		while (j + 1 < n && cpus[j + 1] == cpus[j] + 1)
			j++;
		if (j == i)
			off += (size_t)snprintf(buf + off, len - off, "%s%u", off ? "," : "", cpus[i]);
		else
			off += (size_t)snprintf(buf + off, len - off, "%s%u-%u", off ? "," : "", cpus[i], cpus[j]);
		i = j + 1;
	}
}

/* ---------------------------------------------------------------------- */
/* The blocks                                                             */
/* ---------------------------------------------------------------------- */

/* Top-level keys that are blocks (the run parameters are the others). */
static const char *const top_blocks[] = { "engine", "machine", "init", "sysctl", "thp", "policy", "workloads",
					  "include", "sweep", "x-*", NULL };

const struct frag_param frag_init_params[] = {
	FRAG_PARAM_STR("snapshot", struct frag_init_opts, snapshot, "",
		       "state file written by `fragsim snapshot`: the run starts from that real machine's memory "
		       "(zones, holes, page states, watermarks); machine.memory/nodes/cpus/holes are then not used"),
	FRAG_PARAM_END,
};

/* The `init:` block; a relative snapshot path is taken next to the scenario file if it exists there. */
static int load_init(struct conf_ctx *ctx, const struct conf_node *root, struct frag_scenario *sc)
{
	frag_param_defaults(frag_init_params, &sc->init);
	if (apply_block(ctx, conf_get(root, "init"), "init", frag_init_params, &sc->init, NULL))
		return -EINVAL;
	char *f = sc->init.snapshot;
	const char *slash = strrchr(sc->path, '/');
	if (f[0] && f[0] != '/' && slash) {
		char cand[sizeof sc->path + FRAG_PARAM_STRLEN];
		snprintf(cand, sizeof cand, "%.*s/%s", (int)(slash - sc->path), sc->path, f);
		if (access(cand, F_OK) == 0 && strlen(cand) < FRAG_PARAM_STRLEN)
			snprintf(f, FRAG_PARAM_STRLEN, "%s", cand);
	}
	return 0;
}

static bool valid_name_char(char c, bool scenario)
{
	if (scenario)
		return isalnum((unsigned char)c) || c == '.' || c == '_' || c == '+' || c == '-';
	return islower((unsigned char)c) || isdigit((unsigned char)c) || c == '_' || c == '-';
}

/* The scenario name by default: the file's base name without extension. */
static void default_name(const char *path, char *name, size_t len)
{
	const char *base = path ? strrchr(path, '/') : NULL;
	base = base ? base + 1 : path ? path : "";
	const char *dot = strrchr(base, '.');
	size_t n = dot && dot != base ? (size_t)(dot - base) : strlen(base);
	if (n > FRAG_SC_NAME_MAX - 1)
		n = FRAG_SC_NAME_MAX - 1;
	if (n >= len)
		n = len - 1;
	for (size_t i = 0; i < n; i++)
		name[i] = valid_name_char(base[i], true) ? base[i] : '_';
	name[n] = 0;
	if (!n)
		snprintf(name, len, "scenario");
}

/* Top-level keys starting with "x-" are ignored: a place to define anchors. */
static bool is_extension_key(const char *key)
{
	return !strncmp(key, "x-", 2);
}

static int load_run(struct conf_ctx *ctx, const struct conf_node *root, struct frag_scenario *sc)
{
	frag_param_defaults(frag_run_params, &sc->run);
	frag_param_defaults(frag_engine_params, &sc->run);
	default_name(sc->path[0] ? sc->path : NULL, sc->run.name, sizeof sc->run.name);
	for (unsigned i = 0; i < root->nr_kids; i++) {
		const struct conf_node *kid = root->kids[i];
		if (in_list(top_blocks, kid->key) || is_extension_key(kid->key))
			continue;
		if (!frag_param_find(frag_run_params, kid->key))
			return unknown_key(ctx, kid, NULL, frag_run_params, NULL, top_blocks);
		if (set_param(ctx, frag_run_params, &sc->run, kid, NULL))
			return -EINVAL;
	}
	const struct conf_node *name = conf_get(root, "name");
	if (name) {
		size_t n = strlen(sc->run.name);
		if (!n || n > FRAG_SC_NAME_MAX - 1)
			return conf_error(ctx, &name->loc, "name", "a name has 1 to %d characters",
					  FRAG_SC_NAME_MAX - 1);
		for (size_t i = 0; i < n; i++)
			if (!valid_name_char(sc->run.name[i], true))
				return conf_error(ctx, &name->loc, "name", "'%s': a name uses only A-Z a-z 0-9 . _ + -",
						  sc->run.name);
	}
	static const char *const engine_extra[] = { "costs", NULL };
	const struct conf_node *engine = conf_get(root, "engine");
	frag_costs_defaults(&sc->costs);
	if (apply_block(ctx, engine, "engine", frag_engine_params, &sc->run, engine_extra))
		return -EINVAL;
	if (engine && apply_block(ctx, conf_get(engine, "costs"), "engine.costs", frag_cost_params, &sc->costs, NULL))
		return -EINVAL;
	if (sc->run.sample_period > sc->run.duration) {
		const struct conf_node *n = conf_get(root, "sample_period");
		return conf_error(ctx, loc_of(n ? n : conf_get(root, "duration"), root),
				  n ? "sample_period" : "duration",
				  "sample_period (%gs) is longer than the duration (%gs)", sc->run.sample_period / 1e9,
				  sc->run.duration / 1e9);
	}
	return 0;
}

static const char *const machine_extra[] = { "holes", NULL };
static const char *const hole_keys[] = { "start", "end", "kind", NULL };

static int load_holes(struct conf_ctx *ctx, const struct conf_node *list, struct frag_scenario *sc)
{
	char path[CONF_PATH_MAX], full[CONF_PATH_MAX], err[512];
	struct frag_geometry g;

	if (!list || list->kind == CONF_NULL)
		return 0;
	if (list->kind != CONF_SEQ)
		return conf_error(ctx, &list->loc, "machine.holes", "expected a list of {start, end, kind}, got %s",
				  conf_kind_name(list->kind));
	if (list->nr_kids > FRAG_SC_MAX_HOLES)
		return conf_error(ctx, &list->loc, "machine.holes", "more than %d holes", FRAG_SC_MAX_HOLES);
	/* The machine without the extra holes: where it ends. */
	if (conf_geometry(sc, &g, NULL, 0, err, sizeof err))
		return conf_error(ctx, &list->loc, "machine", "%s", err);
	uint64_t end_pfn = g.node[g.nr_nodes - 1].start_pfn + g.node[g.nr_nodes - 1].nr_pages;

	for (unsigned i = 0; i < list->nr_kids; i++) {
		const struct conf_node *h = list->kids[i];
		struct frag_hole *out = &sc->holes[sc->nr_holes];
		bool have[2] = { false, false };
		snprintf(path, sizeof path, "machine.holes[%u]", i);
		if (h->kind != CONF_MAP)
			return conf_error(ctx, &h->loc, path, "expected a mapping {start, end, kind}, got %s",
					  conf_kind_name(h->kind));
		*out = (struct frag_hole){ .kind = HOLE_RESERVED };
		for (unsigned k = 0; k < h->nr_kids; k++) {
			const struct conf_node *kid = h->kids[k];
			const char *why;
			join(full, sizeof full, path, kid->key);
			if (!in_list(hole_keys, kid->key)) {
				char names[128];
				list_keys(names, sizeof names, NULL, hole_keys);
				return conf_error(ctx, &kid->key_loc, full, "unknown key '%s'; valid keys: %s",
						  kid->key, names);
			}
			if (kid->kind != CONF_SCALAR)
				return not_scalar(ctx, kid, full, "a single value");
			if (!strcmp(kid->key, "kind")) {
				if (!strcmp(kid->value, "absent"))
					out->kind = HOLE_ABSENT;
				else if (!strcmp(kid->value, "reserved"))
					out->kind = HOLE_RESERVED;
				else
					return conf_error(ctx, &kid->loc, full,
							  "kind = '%s' is not one of: absent, reserved", kid->value);
				continue;
			}
			bool is_end = !strcmp(kid->key, "end");
			if (parse_pfn(kid->value, is_end ? &out->end_pfn : &out->start_pfn, &why))
				return conf_error(ctx, &kid->loc, full, "%s = '%s' %s", kid->key, kid->value, why);
			have[is_end] = true;
		}
		if (!have[0] || !have[1])
			return conf_error(ctx, &h->loc, path, "a hole needs start and end (pfns, end exclusive)");
		if (out->end_pfn <= out->start_pfn)
			return conf_error(ctx, &h->loc, path, "end %#llx is not above start %#llx",
					  (unsigned long long)out->end_pfn, (unsigned long long)out->start_pfn);
		if (out->end_pfn > end_pfn)
			return conf_error(ctx, &h->loc, path,
					  "[%#llx, %#llx) goes beyond the machine, which ends at pfn %#llx",
					  (unsigned long long)out->start_pfn, (unsigned long long)out->end_pfn,
					  (unsigned long long)end_pfn);
		sc->nr_holes++;
	}
	/* Pages the holes leave: none at all is not a machine (a zone or a node
	 * without memory is fine, as in Linux). Union of the sorted ranges. */
	struct frag_hole sorted[FRAG_SC_MAX_HOLES];
	memcpy(sorted, sc->holes, sc->nr_holes * sizeof(*sorted));
	for (unsigned i = 1; i < sc->nr_holes; i++)
		for (unsigned j = i; j > 0 && sorted[j].start_pfn < sorted[j - 1].start_pfn; j--) {
			struct frag_hole t = sorted[j];
			sorted[j] = sorted[j - 1];
			sorted[j - 1] = t;
		}
	uint64_t covered = 0, at = 0, total = 0;
	for (unsigned i = 0; i < sc->nr_holes; i++) {
		uint64_t st = sorted[i].start_pfn > at ? sorted[i].start_pfn : at;
		if (sorted[i].end_pfn > st) {
			covered += sorted[i].end_pfn - st;
			at = sorted[i].end_pfn;
		}
	}
	for (unsigned n = 0; n < g.nr_nodes; n++)
		total += g.node[n].nr_pages;
	if (covered >= total)
		return conf_error(ctx, &list->loc, "machine.holes",
				  "the holes cover all %llu pages of the machine: no memory is left to allocate",
				  (unsigned long long)total);
	return 0;
}

static int load_machine(struct conf_ctx *ctx, const struct conf_node *root, struct frag_scenario *sc)
{
	const struct conf_node *mach = conf_get(root, "machine");
	struct frag_machine_opts *m = &sc->machine;
	char err[512];

	frag_param_defaults(frag_machine_params, m);
	if (apply_block(ctx, mach, "machine", frag_machine_params, m, machine_extra))
		return -EINVAL;
	const struct conf_node *n_mem = conf_get(mach, "memory"), *n_nodes = conf_get(mach, "nodes");
	const struct conf_node *n_cpus = conf_get(mach, "cpus"), *n_mov = conf_get(mach, "movable");
	if (m->memory % FRAG_PAGE_SIZE)
		return conf_error(ctx, loc_of(n_mem, mach), "machine.memory", "%llu bytes is not a multiple of 4K",
				  (unsigned long long)m->memory);
	if (m->memory / m->nodes < SC_MIN_NODE_MEMORY)
		return conf_error(ctx, loc_of(n_nodes ? n_nodes : n_mem, mach),
				  n_nodes ? "machine.nodes" : "machine.memory",
				  "%llu MiB of memory over %u nodes is less than 64M per node",
				  (unsigned long long)(m->memory >> 20), m->nodes);
	if (m->cpus < m->nodes)
		return conf_error(ctx, loc_of(n_cpus ? n_cpus : n_nodes, mach),
				  n_cpus ? "machine.cpus" : "machine.nodes",
				  "%u CPUs for %u nodes: every node needs a CPU", m->cpus, m->nodes);
	if (m->movable && m->movable >= m->memory / m->nodes)
		return conf_error(ctx, loc_of(n_mov, mach), "machine.movable",
				  "%llu MiB of ZONE_MOVABLE per node leaves nothing of the %llu MiB per node",
				  (unsigned long long)(m->movable >> 20),
				  (unsigned long long)(m->memory / m->nodes >> 20));
	if (m->movable % FRAG_PAGE_SIZE)
		return conf_error(ctx, loc_of(n_mov, mach), "machine.movable", "%llu bytes is not a multiple of 4K",
				  (unsigned long long)m->movable);
	struct frag_geometry g;
	if (conf_geometry(sc, &g, NULL, 0, err, sizeof err))
		return conf_error(ctx, loc_of(mach, root), "machine", "%s", err);
	if (g.node[g.nr_nodes - 1].start_pfn + g.node[g.nr_nodes - 1].nr_pages > SC_MAX_PFN)
		return conf_error(ctx, loc_of(n_mem, mach), "machine.memory",
				  "the machine would end beyond 16 TiB of physical addresses (the pc layout adds the "
				  "1 GiB PCI hole)");
	return load_holes(ctx, conf_get(mach, "holes"), sc);
}

static int load_sysctl(struct conf_ctx *ctx, const struct conf_node *root, struct frag_scenario *sc)
{
	const struct conf_node *blk = conf_get(root, "sysctl");
	struct frag_sysctl *s = &sc->sysctl;

	frag_sysctl_defaults(s);
	frag_param_defaults(frag_sysctl_params, s);
	if (apply_block(ctx, blk, "sysctl", frag_sysctl_params, s, NULL))
		return -EINVAL;
	if (s->min_free_kbytes && s->min_free_kbytes < 128)
		return conf_error(ctx, loc_of(conf_get(blk, "min_free_kbytes"), blk), "sysctl.min_free_kbytes",
				  "%llu is below 128 (0 means computed at boot)",
				  (unsigned long long)s->min_free_kbytes);
	if (s->percpu_pagelist_high_fraction && s->percpu_pagelist_high_fraction < 8)
		return conf_error(ctx, loc_of(conf_get(blk, "percpu_pagelist_high_fraction"), blk),
				  "sysctl.percpu_pagelist_high_fraction", "%u: must be 0 (automatic) or at least 8",
				  s->percpu_pagelist_high_fraction);
	return 0;
}

static const char *const thp_extra[] = { "mthp_orders", NULL };

static int load_thp(struct conf_ctx *ctx, const struct conf_node *root, struct frag_scenario *sc)
{
	const struct conf_node *blk = conf_get(root, "thp");
	struct frag_thp_settings *t = &sc->thp;

	frag_param_defaults(frag_thp_params, t);
	if (apply_block(ctx, blk, "thp", frag_thp_params, t, thp_extra))
		return -EINVAL;

	/* mthp_orders: a list of orders or a bitmask. */
	const struct conf_node *mo = conf_get(blk, "mthp_orders");
	if (mo && mo->kind == CONF_SEQ) {
		uint32_t mask = 0;
		for (unsigned i = 0; i < mo->nr_kids; i++) {
			const struct conf_node *it = mo->kids[i];
			char path[64];
			const char *rest;
			unsigned order;
			snprintf(path, sizeof path, "thp.mthp_orders[%u]", i);
			if (it->kind != CONF_SCALAR || !parse_small(skip_blanks(it->value), &order, &rest) ||
			    *skip_blanks(rest))
				return conf_error(ctx, &it->loc, path, "expected an order (2..8), got %s",
						  it->kind == CONF_SCALAR ? it->value : conf_kind_name(it->kind));
			if (order < 2 || order > 8)
				return conf_error(ctx, &it->loc, path, "order %u is not an mTHP order (2..8)", order);
			if (mask & (1u << order))
				return conf_error(ctx, &it->loc, path, "order %u is listed twice", order);
			mask |= 1u << order;
		}
		t->mthp_orders = mask;
	} else if (mo && mo->kind != CONF_NULL) {
		if (set_param(ctx, frag_thp_params, t, mo, "thp"))
			return -EINVAL;
		if (t->mthp_orders & ~MTHP_ORDERS_MASK)
			return conf_error(ctx, &mo->loc, "thp.mthp_orders",
					  "bitmask %#x has bits outside orders 2..8 (0x1fc); or give a list like %s",
					  t->mthp_orders, "[4, 5]");
	}

	/* sysctl.thp_enabled mirrors thp.enabled (khugepaged runs unless "never"). */
	const struct conf_node *se = conf_get(conf_get(root, "sysctl"), "thp_enabled");
	bool on = t->enabled != THP_ENABLED_NEVER;
	if (!se)
		sc->sysctl.thp_enabled = on;
	else if (sc->sysctl.thp_enabled != on)
		return conf_error(ctx, &se->loc, "sysctl.thp_enabled",
				  "%s contradicts thp.enabled = %s (leave it out: it follows thp.enabled)",
				  sc->sysctl.thp_enabled ? "true" : "false", thp_enabled_names[t->enabled]);
	return 0;
}

/* Registered policy names, comma-separated. */
static void policy_names(char *buf, size_t len, bool with_name_key)
{
	size_t off = 0;
	buf[0] = 0;
	if (with_name_key)
		off += (size_t)snprintf(buf, len, "name");
	for (unsigned i = 0; i < frag_policy_count() && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", off ? ", " : "", frag_policy_at(i)->name);
}

/* Validate @map against @ops's table into fresh opts (returned in @opts). */
static int policy_opts(struct conf_ctx *ctx, const struct frag_policy_ops *ops, const struct conf_node *map,
		       void **opts)
{
	char path[CONF_PATH_MAX];
	*opts = NULL;
	if (ops->opts_size) {
		*opts = calloc(1, ops->opts_size);
		if (!*opts)
			return conf_error(ctx, loc_of(map, NULL), NULL, "out of memory");
		frag_param_defaults(ops->params, *opts);
	}
	join(path, sizeof path, "policy", ops->name);
	/* A policy without parameters takes an empty table: every key is unknown. */
	static const struct frag_param none[] = { FRAG_PARAM_END };
	if (apply_block(ctx, map, path, ops->params ? ops->params : none, *opts, NULL)) {
		free(*opts);
		*opts = NULL;
		return -EINVAL;
	}
	return 0;
}

static int load_policy(struct conf_ctx *ctx, const struct conf_node *root, struct frag_scenario *sc)
{
	const struct conf_node *blk = conf_get(root, "policy");
	char names[1024], path[CONF_PATH_MAX];

	if (expect_map(ctx, blk, "policy"))
		return -EINVAL;
	sc->policy = frag_policy_find("linux");
	const struct conf_node *name = conf_get(blk, "name");
	if (name) {
		if (name->kind != CONF_SCALAR)
			return not_scalar(ctx, name, "policy.name", "a policy name");
		sc->policy = frag_policy_find(name->value);
		if (!sc->policy) {
			policy_names(names, sizeof names, false);
			return conf_error(ctx, &name->loc, "policy.name",
					  "unknown policy '%s'; registered policies: %s", name->value, names);
		}
	}
	if (!sc->policy)
		return conf_error(ctx, loc_of(blk, root), "policy.name", "no policy 'linux' is registered");
	/* Every sub-mapping is validated; only the selected policy's options are kept. */
	for (unsigned i = 0; blk && i < blk->nr_kids; i++) {
		const struct conf_node *kid = blk->kids[i];
		if (!strcmp(kid->key, "name"))
			continue;
		const struct frag_policy_ops *ops = frag_policy_find(kid->key);
		if (!ops) {
			policy_names(names, sizeof names, true);
			return conf_error(ctx, &kid->key_loc, join(path, sizeof path, "policy", kid->key),
					  "unknown key '%s' (not a registered policy); valid keys: %s", kid->key,
					  names);
		}
		void *opts;
		if (policy_opts(ctx, ops, kid, &opts))
			return -EINVAL;
		if (ops == sc->policy) {
			free(sc->policy_opts);
			sc->policy_opts = opts;
		} else {
			free(opts);
		}
	}
	if (!sc->policy_opts && sc->policy->opts_size) {
		if (policy_opts(ctx, sc->policy, NULL, &sc->policy_opts))
			return -EINVAL;
	}
	return 0;
}

static const char *const wl_common_keys[] = { "type", "cpus", "start", "stop", NULL };

/* Registered workload types, comma-separated. */
static void workload_names(char *buf, size_t len)
{
	size_t off = 0;
	buf[0] = 0;
	for (unsigned i = 0; i < frag_workload_count() && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", off ? ", " : "", frag_workload_at(i)->name);
	if (!off)
		snprintf(buf, len, "(none)");
}

/* The cpus value: a scalar, or a list of scalars joined with commas. */
static int cpus_text(struct conf_ctx *ctx, const struct conf_node *n, const char *path, char *buf, size_t len)
{
	if (n->kind == CONF_SCALAR) {
		snprintf(buf, len, "%s", n->value);
		return 0;
	}
	if (n->kind == CONF_SEQ && n->nr_kids) {
		size_t off = 0;
		for (unsigned i = 0; i < n->nr_kids; i++) {
			if (n->kids[i]->kind != CONF_SCALAR)
				return conf_error(ctx, &n->kids[i]->loc, path,
						  "expected CPU numbers, ranges or nodeN, got %s",
						  conf_kind_name(n->kids[i]->kind));
			off += (size_t)snprintf(buf + off, off < len ? len - off : 0, "%s%s", i ? "," : "",
						n->kids[i]->value);
		}
		if (off >= len)
			return conf_error(ctx, &n->loc, path, "the CPU list is too long");
		return 0;
	}
	return conf_error(ctx, n->kind == CONF_NULL ? &n->key_loc : &n->loc, path,
			  "expected all, a CPU list like 0-3,8 or nodeN, got %s", conf_kind_name(n->kind));
}

static int load_workload(struct conf_ctx *ctx, const struct conf_node *w, struct frag_scenario *sc)
{
	char path[CONF_PATH_MAX], full[CONF_PATH_MAX], names[1024], msg[512];
	struct frag_wl_spec *spec = &sc->wl[sc->nr_workloads];
	struct wl_common common;

	join(path, sizeof path, "workloads", w->key);
	size_t len = strlen(w->key);
	if (!len || len > FRAG_SC_NAME_MAX - 1)
		return conf_error(ctx, &w->key_loc, path, "an instance name has 1 to %d characters",
				  FRAG_SC_NAME_MAX - 1);
	for (size_t i = 0; i < len; i++)
		if (!valid_name_char(w->key[i], false))
			return conf_error(ctx, &w->key_loc, path, "instance name '%s': use only a-z 0-9 _ -", w->key);
	if (w->kind != CONF_MAP)
		return conf_error(ctx, w->kind == CONF_NULL ? &w->key_loc : &w->loc, path,
				  "expected a mapping with at least a type, got %s", conf_kind_name(w->kind));
	snprintf(spec->name, sizeof spec->name, "%s", w->key);

	/* type first: it decides the valid keys. */
	const struct conf_node *type = conf_get(w, "type");
	workload_names(names, sizeof names);
	if (!type)
		return conf_error(ctx, &w->key_loc, path, "no type given; registered workload types: %s", names);
	if (type->kind != CONF_SCALAR)
		return not_scalar(ctx, type, join(full, sizeof full, path, "type"), "a workload type");
	spec->ops = frag_workload_find(type->value);
	if (!spec->ops)
		return conf_error(ctx, &type->loc, join(full, sizeof full, path, "type"),
				  "unknown workload type '%s'; registered workload types: %s", type->value, names);
	const struct frag_workload_ops *ops = spec->ops;
	if (ops->abi_version != FRAG_WORKLOAD_ABI)
		return conf_error(ctx, &type->loc, join(full, sizeof full, path, "type"),
				  "workload type '%s' was built for workload ABI %u, this fragsim has %u", type->value,
				  ops->abi_version, FRAG_WORKLOAD_ABI);
	if (ops->opts_size) {
		spec->opts = calloc(1, ops->opts_size);
		if (!spec->opts)
			return conf_error(ctx, &w->loc, path, "out of memory");
		frag_param_defaults(ops->params, spec->opts);
	}
	sc->nr_workloads++;   /* from here on frag_scenario_free() releases it */

	frag_param_defaults(frag_wl_instance_params, &common);
	common.stop = FRAG_TIME_NEVER;
	for (unsigned i = 0; i < w->nr_kids; i++) {
		const struct conf_node *kid = w->kids[i];
		join(full, sizeof full, path, kid->key);
		if (!strcmp(kid->key, "type"))
			continue;
		if (!strcmp(kid->key, "cpus")) {
			if (cpus_text(ctx, kid, full, common.cpus, sizeof common.cpus))
				return -EINVAL;
			continue;
		}
		if (!strcmp(kid->key, "stop") && kid->kind == CONF_SCALAR && !strcmp(kid->value, "never")) {
			common.stop = FRAG_TIME_NEVER;
			continue;
		}
		if (in_list(wl_common_keys, kid->key)) {
			if (set_param(ctx, frag_wl_instance_params, &common, kid, path))
				return -EINVAL;
			continue;
		}
		if (!frag_param_find(ops->params, kid->key))
			return unknown_key(ctx, kid, path, frag_wl_instance_params, ops->params, NULL);
		if (set_param(ctx, ops->params, spec->opts, kid, path))
			return -EINVAL;
	}
	const struct conf_node *n_start = conf_get(w, "start"), *n_stop = conf_get(w, "stop");
	spec->start = common.start;
	spec->stop = common.stop;
	if (spec->start >= sc->run.duration)
		return conf_error(ctx, loc_of(n_start, w), join(full, sizeof full, path, "start"),
				  "starts at %gs, not before the end of the run (duration %gs)", spec->start / 1e9,
				  sc->run.duration / 1e9);
	if (spec->stop != FRAG_TIME_NEVER && spec->stop <= spec->start)
		return conf_error(ctx, loc_of(n_stop, w), join(full, sizeof full, path, "stop"),
				  "stops at %gs, not after it starts (%gs)", spec->stop / 1e9, spec->start / 1e9);

	const struct conf_node *n_cpus = conf_get(w, "cpus");
	int ret = parse_cpus(&sc->machine, common.cpus, &spec->cpus, &spec->nr_cpus, msg, sizeof msg);
	if (ret)
		return conf_error(ctx, loc_of(n_cpus, w), join(full, sizeof full, path, "cpus"), "%s", msg);
	return 0;
}

static int load_workloads(struct conf_ctx *ctx, const struct conf_node *root, struct frag_scenario *sc)
{
	const struct conf_node *blk = conf_get(root, "workloads");
	char names[1024];

	if (expect_map(ctx, blk, "workloads"))
		return -EINVAL;
	if (!blk || !blk->nr_kids) {
		workload_names(names, sizeof names);
		return conf_error(ctx, loc_of(blk, root), "workloads",
				  "at least one workload is required (workloads: {NAME: {type: TYPE}}; types: %s)",
				  names);
	}
	for (unsigned i = 0; i < blk->nr_kids; i++) {
		if (sc->nr_workloads == FRAG_SC_MAX_WORKLOADS)
			return conf_error(ctx, &blk->kids[i]->key_loc, "workloads", "more than %d workloads",
					  FRAG_SC_MAX_WORKLOADS);
		if (load_workload(ctx, blk->kids[i], sc))
			return -EINVAL;
	}
	return 0;
}

/*
 * The `sweep:` block: a mapping of scenario keys (as for --set) to a list
 * of values or a "START:STOP:STEP" range, read by `fragsim sweep`; the
 * values are checked when each grid point is loaded.
 */
static int load_sweep(struct conf_ctx *ctx, const struct conf_node *root, struct frag_scenario *sc)
{
	const struct conf_node *blk = conf_get(root, "sweep");
	sc->nr_sweep = 0;
	if (!blk)
		return 0;
	if (expect_map(ctx, blk, "sweep"))
		return -EINVAL;
	for (unsigned i = 0; i < blk->nr_kids; i++) {
		const struct conf_node *k = blk->kids[i];
		char path[256];
		join(path, sizeof path, "sweep", k->key);
		if (sc->nr_sweep >= FRAG_SC_MAX_SWEEP)
			return conf_error(ctx, &k->key_loc, path, "more than %d swept keys", FRAG_SC_MAX_SWEEP);
		if (strlen(k->key) >= sizeof sc->sweep_key[0])
			return conf_error(ctx, &k->key_loc, path, "key too long");
		char *out = sc->sweep_values[sc->nr_sweep];
		size_t cap = sizeof sc->sweep_values[0], n = 0;
		if (k->kind == CONF_SCALAR) {
			n = (size_t)snprintf(out, cap, "%s", k->value);
		} else if (k->kind == CONF_SEQ && k->nr_kids) {
			for (unsigned j = 0; j < k->nr_kids; j++) {
				if (k->kids[j]->kind != CONF_SCALAR)
					return conf_error(ctx, &k->kids[j]->loc, path, "a swept value is a scalar");
				if (strchr(k->kids[j]->value, ','))
					return conf_error(ctx, &k->kids[j]->loc, path, "'%s': a swept value has no comma",
							  k->kids[j]->value);
				n += (size_t)snprintf(out + n, n < cap ? cap - n : 0, "%s%s", j ? "," : "",
						      k->kids[j]->value);
			}
		} else {
			return conf_error(ctx, &k->loc, path, "expected a list of values or START:STOP:STEP");
		}
		if (n >= cap || !n)
			return conf_error(ctx, &k->loc, path, !n ? "no value" : "values too long");
		snprintf(sc->sweep_key[sc->nr_sweep], sizeof sc->sweep_key[0], "%s", k->key);
		sc->nr_sweep++;
	}
	return 0;
}

/* Every block, in order, then the cross checks that need several. */
static int load_all(struct conf_ctx *ctx, const struct conf_node *root, struct frag_scenario *sc)
{
	int ret = load_run(ctx, root, sc);
	if (!ret)
		ret = load_sweep(ctx, root, sc);
	if (!ret)
		ret = load_machine(ctx, root, sc);
	if (!ret)
		ret = load_init(ctx, root, sc);
	if (!ret)
		ret = load_sysctl(ctx, root, sc);
	if (!ret)
		ret = load_thp(ctx, root, sc);
	if (!ret)
		ret = load_policy(ctx, root, sc);
	if (!ret)
		ret = load_workloads(ctx, root, sc);
	return ret;
}

/* ---------------------------------------------------------------------- */
/* Output: JSON and flat pairs                                            */
/* ---------------------------------------------------------------------- */

#define OUT_MAX_DEPTH 8

struct out {
	bool flat;                         /* collect (key, value) pairs rather than JSON */
	char *buf;                         /* JSON text */
	size_t len;                        /* bytes of buf used (without the NUL) */
	size_t cap;                        /* bytes of buf allocated */
	unsigned depth;                    /* open objects */
	bool first[OUT_MAX_DEPTH + 1];     /* no member written yet at each depth */
	char prefix[CONF_PATH_MAX];        /* flat: dotted path of the open objects */
	size_t plen[OUT_MAX_DEPTH + 1];    /* flat: prefix length at each depth */
	char **keys;                       /* flat: key paths */
	char **vals;                       /* flat: values */
	unsigned n;                        /* flat: pairs collected */
	unsigned cap_kv;                   /* flat: pairs allocated */
	bool oom;                          /* an allocation failed */
};

static void out_append(struct out *o, const char *s, size_t n)
{
	if (o->oom)
		return;
	if (o->len + n + 1 > o->cap) {
		size_t cap = o->cap ? o->cap : 4096;
		while (o->len + n + 1 > cap)
			cap *= 2;
		char *buf = realloc(o->buf, cap);
		if (!buf) {
			o->oom = true;
			return;
		}
		o->buf = buf;
		o->cap = cap;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = 0;
}

static void out_str(struct out *o, const char *s)
{
	out_append(o, s, strlen(s));
}

/* A JSON string literal. */
static void out_json_string(struct out *o, const char *s)
{
	out_str(o, "\"");
	for (; *s; s++) {
		char esc[8];
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			out_append(o, esc, 2);
		} else if (c < 0x20) {
			snprintf(esc, sizeof esc, "\\u%04x", c);
			out_str(o, esc);
		} else {
			out_append(o, s, 1);
		}
	}
	out_str(o, "\"");
}

static void out_member(struct out *o, const char *name)
{
	out_str(o, o->first[o->depth] ? "\n" : ",\n");
	o->first[o->depth] = false;
	for (unsigned i = 0; i < o->depth; i++)
		out_str(o, "  ");
	out_json_string(o, name);
	out_str(o, ": ");
}

static void out_open(struct out *o, const char *name)
{
	if (o->flat) {
		size_t l = strlen(o->prefix);
		if (name)
			snprintf(o->prefix + l, sizeof o->prefix - l, "%s%s", l ? "." : "", name);
		o->plen[++o->depth] = l;
		return;
	}
	if (name)
		out_member(o, name);
	out_str(o, "{");
	o->first[++o->depth] = true;
}

static void out_close(struct out *o)
{
	if (o->flat) {
		o->prefix[o->plen[o->depth--]] = 0;
		return;
	}
	if (!o->first[o->depth]) {
		out_str(o, "\n");
		for (unsigned i = 1; i < o->depth; i++)
			out_str(o, "  ");
	}
	o->depth--;
	out_str(o, "}");
}

/* One value: @json is its JSON text, @flat its text as a --set value. */
static void out_leaf(struct out *o, const char *name, const char *json, const char *flat)
{
	if (!o->flat) {
		out_member(o, name);
		out_str(o, json);
		return;
	}
	if (o->oom)
		return;
	if (o->n == o->cap_kv) {
		unsigned cap = o->cap_kv ? 2 * o->cap_kv : 64;
		char **k = realloc(o->keys, cap * sizeof(*k));
		if (k)
			o->keys = k;
		char **v = realloc(o->vals, cap * sizeof(*v));
		if (v)
			o->vals = v;
		if (!k || !v) {
			o->oom = true;
			return;
		}
		o->cap_kv = cap;
	}
	char *key;
	size_t l = strlen(o->prefix);
	if (asprintf(&key, "%s%s%s", o->prefix, l ? "." : "", name) < 0) {
		o->oom = true;
		return;
	}
	char *val = strdup(flat);
	if (!val) {
		free(key);
		o->oom = true;
		return;
	}
	o->keys[o->n] = key;
	o->vals[o->n++] = val;
}

/* A string value. */
static void out_leaf_str(struct out *o, const char *name, const char *s)
{
	struct out tmp = { 0 };
	if (o->flat) {
		out_leaf(o, name, NULL, s);
		return;
	}
	out_json_string(&tmp, s);
	if (tmp.oom)
		o->oom = true;
	else
		out_leaf(o, name, tmp.buf, s);
	free(tmp.buf);
}

/* The shortest text that reads back to exactly @v. */
static void fmt_double(double v, char *buf, size_t len)
{
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, len, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			return;
	}
}

/* Nanoseconds in the largest unit that keeps them exact: "60s", "1500us". */
static void fmt_ns(uint64_t ns, char *buf, size_t len)
{
	if (ns == 0)
		snprintf(buf, len, "0s");
	else if (ns % 1000000000ull == 0)
		snprintf(buf, len, "%llus", (unsigned long long)(ns / 1000000000ull));
	else if (ns % 1000000ull == 0)
		snprintf(buf, len, "%llums", (unsigned long long)(ns / 1000000ull));
	else if (ns % 1000ull == 0)
		snprintf(buf, len, "%lluus", (unsigned long long)(ns / 1000ull));
	else
		snprintf(buf, len, "%lluns", (unsigned long long)ns);
}

/* A distribution value in the parameter's unit, exactly. */
static void fmt_dist_value(const struct frag_param *p, double v, char *buf, size_t len)
{
	bool integral = v >= 0 && v < 18446744073709551616.0 && v == floor(v);
	if (p->unit && !strcmp(p->unit, "ns")) {
		if (integral) {
			fmt_ns((uint64_t)v, buf, len);
		} else {
			fmt_double(v, buf, len);
			strncat(buf, "ns", len - strlen(buf) - 1);
		}
	} else if (p->unit && !strcmp(p->unit, "bytes") && integral) {
		snprintf(buf, len, "%llu", (unsigned long long)v);
	} else {
		fmt_double(v, buf, len);
	}
}

/* A distribution as text that parses back to the same distribution. */
static void fmt_dist(const struct frag_param *p, const struct frag_dist *d, char *buf, size_t len)
{
	char a[64], b[64];
	size_t off;

	switch (d->kind) {
	case DIST_FIXED:
	case DIST_EXP:
		fmt_dist_value(p, d->a, a, sizeof a);
		snprintf(buf, len, "%s(%s)", d->kind == DIST_FIXED ? "fixed" : "exp", a);
		return;
	case DIST_UNIFORM:
		fmt_dist_value(p, d->a, a, sizeof a);
		fmt_dist_value(p, d->b, b, sizeof b);
		snprintf(buf, len, "uniform(%s, %s)", a, b);
		return;
	case DIST_LOGNORMAL:
	case DIST_PARETO:
		fmt_dist_value(p, d->a, a, sizeof a);
		fmt_double(d->b, b, sizeof b);
		snprintf(buf, len, "%s(%s, %s)", d->kind == DIST_LOGNORMAL ? "lognormal" : "pareto", a, b);
		return;
	case DIST_EMPIRICAL:
		off = (size_t)snprintf(buf, len, "empirical(");
		for (unsigned i = 0; i < d->n && off < len; i++) {
			fmt_dist_value(p, d->v[i], a, sizeof a);
			fmt_double(d->cw[i] - (i ? d->cw[i - 1] : 0), b, sizeof b);
			off += (size_t)snprintf(buf + off, len - off, "%s%s:%s", i ? ", " : "", a, b);
		}
		if (off < len)
			snprintf(buf + off, len - off, ")");
		return;
	}
	snprintf(buf, len, "?");
}

/* Every parameter of @table in @opts, in table order. */
static void out_table(struct out *o, const struct frag_param *table, const void *opts)
{
	char buf[2048];
	for (unsigned i = 0; table && table[i].name; i++) {
		const struct frag_param *p = &table[i];
		const char *f = (const char *)opts + p->offset;
		switch (p->type) {
		case PARAM_BOOL:
			out_leaf(o, p->name, *(const bool *)f ? "true" : "false", *(const bool *)f ? "true" : "false");
			continue;
		case PARAM_INT:
			snprintf(buf, sizeof buf, "%lld", (long long)*(const int64_t *)f);
			break;
		case PARAM_UINT:
			snprintf(buf, sizeof buf, "%llu", (unsigned long long)*(const uint64_t *)f);
			break;
		case PARAM_U32:
			snprintf(buf, sizeof buf, "%u", *(const unsigned *)f);
			break;
		case PARAM_DOUBLE:
			fmt_double(*(const double *)f, buf, sizeof buf);
			break;
		case PARAM_DURATION:
			fmt_ns(*(const uint64_t *)f, buf, sizeof buf);
			out_leaf_str(o, p->name, buf);
			continue;
		case PARAM_ENUM:
			out_leaf_str(o, p->name, p->choices[*(const int *)f]);
			continue;
		case PARAM_STRING:
			out_leaf_str(o, p->name, f);
			continue;
		case PARAM_DIST:
			fmt_dist(p, (const struct frag_dist *)f, buf, sizeof buf);
			out_leaf_str(o, p->name, buf);
			continue;
		}
		out_leaf(o, p->name, buf, buf);
	}
}

/* The whole resolved configuration, in a fixed order. */
static void out_scenario(struct out *o, const struct frag_scenario *sc)
{
	char json[8192], flat[8192], buf[4096];
	size_t jo, fo;

	out_open(o, NULL);
	out_table(o, frag_run_params, &sc->run);
	out_open(o, "engine");
	out_table(o, frag_engine_params, &sc->run);
	out_open(o, "costs");
	out_table(o, frag_cost_params, &sc->costs);
	out_close(o);
	out_close(o);

	out_open(o, "machine");
	out_table(o, frag_machine_params, &sc->machine);
	jo = (size_t)snprintf(json, sizeof json, "[");
	fo = (size_t)snprintf(flat, sizeof flat, "[");
	for (unsigned i = 0; i < sc->nr_holes; i++) {
		const struct frag_hole *h = &sc->holes[i];
		const char *kind = h->kind == HOLE_ABSENT ? "absent" : "reserved";
		if (jo < sizeof json)
			jo += (size_t)snprintf(json + jo, sizeof json - jo,
					       "%s{\"start\": %llu, \"end\": %llu, \"kind\": \"%s\"}", i ? ", " : "",
					       (unsigned long long)h->start_pfn, (unsigned long long)h->end_pfn, kind);
		if (fo < sizeof flat)
			fo += (size_t)snprintf(flat + fo, sizeof flat - fo, "%s{start: %#llx, end: %#llx, kind: %s}",
					       i ? ", " : "", (unsigned long long)h->start_pfn,
					       (unsigned long long)h->end_pfn, kind);
	}
	if (jo >= sizeof json - 2 || fo >= sizeof flat - 2) {
		/* 256 holes do not fit the stack buffers: build them on the heap. */
		struct out big = { 0 }, bigf = { 0 };
		out_str(&big, "[");
		out_str(&bigf, "[");
		for (unsigned i = 0; i < sc->nr_holes; i++) {
			const struct frag_hole *h = &sc->holes[i];
			const char *kind = h->kind == HOLE_ABSENT ? "absent" : "reserved";
			snprintf(buf, sizeof buf, "%s{\"start\": %llu, \"end\": %llu, \"kind\": \"%s\"}", i ? ", " : "",
				 (unsigned long long)h->start_pfn, (unsigned long long)h->end_pfn, kind);
			out_str(&big, buf);
			snprintf(buf, sizeof buf, "%s{start: %#llx, end: %#llx, kind: %s}", i ? ", " : "",
				 (unsigned long long)h->start_pfn, (unsigned long long)h->end_pfn, kind);
			out_str(&bigf, buf);
		}
		out_str(&big, "]");
		out_str(&bigf, "]");
		if (big.oom || bigf.oom)
			o->oom = true;
		else
			out_leaf(o, "holes", big.buf, bigf.buf);
		free(big.buf);
		free(bigf.buf);
	} else {
		snprintf(json + jo, sizeof json - jo, "]");
		snprintf(flat + fo, sizeof flat - fo, "]");
		out_leaf(o, "holes", json, flat);
	}
	out_close(o);

	if (sc->init.snapshot[0]) {   /* only when set: other scenarios keep their hashes */
		out_open(o, "init");
		out_table(o, frag_init_params, &sc->init);
		out_close(o);
	}

	out_open(o, "sysctl");
	out_table(o, frag_sysctl_params, &sc->sysctl);
	out_close(o);

	out_open(o, "thp");
	for (unsigned i = 0; frag_thp_params[i].name; i++) {
		const struct frag_param one[] = { frag_thp_params[i], FRAG_PARAM_END };
		if (strcmp(one[0].name, "mthp_orders")) {
			out_table(o, one, &sc->thp);
			continue;
		}
		jo = (size_t)snprintf(json, sizeof json, "[");
		for (unsigned k = 0; k < 32; k++)
			if (sc->thp.mthp_orders & (1u << k))
				jo += (size_t)snprintf(json + jo, sizeof json - jo, "%s%u", jo > 1 ? ", " : "", k);
		snprintf(json + jo, sizeof json - jo, "]");
		out_leaf(o, "mthp_orders", json, json);
	}
	out_close(o);

	out_open(o, "policy");
	out_leaf_str(o, "name", sc->policy->name);
	out_open(o, sc->policy->name);
	out_table(o, sc->policy->params, sc->policy_opts);
	out_close(o);
	out_close(o);

	out_open(o, "workloads");
	for (unsigned i = 0; i < sc->nr_workloads; i++) {
		const struct frag_wl_spec *w = &sc->wl[i];
		out_open(o, w->name);
		out_leaf_str(o, "type", w->ops->name);
		format_cpus(w->cpus, w->nr_cpus, buf, sizeof buf);
		out_leaf_str(o, "cpus", buf);
		fmt_ns(w->start, buf, sizeof buf);
		out_leaf_str(o, "start", buf);
		if (w->stop == FRAG_TIME_NEVER)
			snprintf(buf, sizeof buf, "never");
		else
			fmt_ns(w->stop, buf, sizeof buf);
		out_leaf_str(o, "stop", buf);
		out_table(o, w->ops->params, w->opts);
		out_close(o);
	}
	out_close(o);
	out_close(o);
	if (!o->flat)
		out_str(o, "\n");
}

/* FNV-1a, 64 bits. */
static uint64_t fnv1a64(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ull;
	}
	return h;
}

int frag_scenario_flatten(const struct frag_scenario *sc, char ***keys, char ***values, unsigned *n)
{
	struct out o = { .flat = true };
	out_scenario(&o, sc);
	if (o.oom) {
		frag_scenario_flatten_free(o.keys, o.vals, o.n);
		*keys = *values = NULL;
		*n = 0;
		return -ENOMEM;
	}
	*keys = o.keys;
	*values = o.vals;
	*n = o.n;
	return 0;
}

void frag_scenario_flatten_free(char **keys, char **values, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		free(keys[i]);
		free(values[i]);
	}
	free(keys);
	free(values);
}

/* ---------------------------------------------------------------------- */
/* The interface                                                          */
/* ---------------------------------------------------------------------- */

void frag_scenario_free(struct frag_scenario *sc)
{
	if (!sc)
		return;
	for (unsigned i = 0; i < sc->nr_workloads; i++) {
		free(sc->wl[i].opts);
		free(sc->wl[i].cpus);
	}
	free(sc->policy_opts);
	free(sc->resolved);
	free(sc);
}

int frag_scenario_load(const char *path, const char *const *sets, unsigned nr_sets, struct frag_scenario **out,
		       char *err, size_t errlen)
{
	struct conf_ctx ctx;
	struct conf_node *root = NULL;
	struct frag_scenario *sc = NULL;
	int ret;

	*out = NULL;
	conf_ctx_init(&ctx, err, errlen);
	if (path && strlen(path) >= sizeof sc->path) {
		ret = conf_error(&ctx, NULL, NULL, "scenario path is longer than %zu characters", sizeof sc->path - 1);
		goto out;
	}
	if (path) {
		ret = conf_load_file(&ctx, path, NULL, &root);
	} else {
		root = conf_new(&ctx, CONF_MAP, NULL);
		ret = root ? 0 : -ENOMEM;
	}
	for (unsigned i = 0; !ret && i < nr_sets; i++)
		ret = conf_apply_set(&ctx, root, sets[i]);
	if (ret)
		goto out;

	sc = calloc(1, sizeof(*sc));
	if (!sc) {
		ret = -ENOMEM;
		conf_error(&ctx, NULL, NULL, "out of memory");
		goto out;
	}
	snprintf(sc->path, sizeof sc->path, "%s", path ? path : "");
	ret = load_all(&ctx, root, sc);
	if (ret)
		goto out;

	struct out o = { 0 };
	out_scenario(&o, sc);
	if (o.oom) {
		free(o.buf);
		ret = -ENOMEM;
		conf_error(&ctx, NULL, NULL, "out of memory");
		goto out;
	}
	sc->resolved = o.buf;
	sc->hash = fnv1a64(sc->resolved);
	*out = sc;
	sc = NULL;
out:
	frag_scenario_free(sc);
	conf_free(root);
	conf_ctx_fini(&ctx);
	return ret;
}

int frag_scenario_config(const struct frag_scenario *sc, struct frag_config *cfg, struct frag_hole *holes,
			 unsigned max_holes, char *err, size_t errlen)
{
	memset(cfg, 0, sizeof(*cfg));
	int ret = conf_geometry(sc, &cfg->geo, holes, max_holes, err, errlen);
	if (ret)
		return ret;
	cfg->sysctl = sc->sysctl;
	cfg->swap_pages = sc->machine.swap >> FRAG_PAGE_SHIFT;
	cfg->policy = sc->policy;
	cfg->policy_opts = sc->policy_opts;
	return 0;
}
