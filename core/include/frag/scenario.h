/* SPDX-License-Identifier: MIT */
/*
 * scenario.h - scenario files: a machine, its sysctls, a policy and the
 * workloads that run on it, read from YAML (core/conf, libfyaml), validated
 * strictly before t=0 and resolved with every default filled in.
 *
 * File layout (every block optional except workloads; see scenarios/README.md):
 *
 *   include: base.yaml          # another scenario merged underneath (relative path)
 *   name: quick
 *   duration: 60s
 *   seed: 1
 *   sample_period: 1s
 *   engine: {batch_window: 1ms}
 *   machine:
 *     memory: 4G                # total, split evenly over the nodes
 *     nodes: 1
 *     cpus: 4
 *     layout: pc                # pc: x86 PCI hole below 4 GiB + low reserved ranges; flat
 *     movable: 0                # ZONE_MOVABLE bytes per node (movablecore=)
 *     swap: 0                   # swap space, bytes
 *     holes: [{start: 0x9f, end: 0x100, kind: reserved}]   # extra, in pfns
 *   sysctl: {min_free_kbytes: 0, defrag_mode: false, ...}   # frag_sysctl_params
 *   thp: {enabled: madvise, defrag: madvise, ...}
 *   policy:
 *     name: linux
 *     <policy name>: {<param>: value, ...}   # parameters per policy, so --policy can switch
 *   workloads:
 *     <instance name>:
 *       type: anon              # a registered workload
 *       cpus: all               # "all", "0-3,8", "node1"
 *       start: 0s
 *       stop: 60s               # default: the end of the run
 *       <param>: value          # the workload's parameter table
 *
 * Every key of a loaded scenario has a path ("workloads.web.rate") that
 * `--set path=value` can override. An unknown key, a wrong type or an
 * out-of-range value is an error "FILE:LINE:COL: key PATH: message" that
 * lists the valid keys where that helps.
 *
 * Details (core/conf):
 *  - include: a file name or a list of them, relative to the including file;
 *    included files may include others (a cycle is an error). Mappings merge
 *    key by key, the including file winning; lists and values are replaced.
 *  - Anchors, aliases and "<<" merge keys are resolved; top-level keys that
 *    start with "x-" are ignored (a place to define anchors). Nesting is
 *    limited to 64 levels and alias expansion to 200000 nodes.
 *  - machine.holes: [{start, end, kind}], pfns (decimal or 0x hex), end
 *    exclusive, kind absent or reserved (default reserved).
 *  - thp.mthp_orders: a list of orders 2..8 or a bitmask; sysctl.thp_enabled
 *    follows thp.enabled unless given (a contradiction is an error).
 *  - workloads.NAME.stop: a duration or "never" (the default).
 *  - --set a.b.c=value: applied in order after the file; creates keys (and
 *    mappings) the file lacks; a value starting with '[' or '{' is YAML flow.
 *    A new workload needs workloads.NAME.type among the sets.
 */
#ifndef FRAG_SCENARIO_H
#define FRAG_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frag/mm.h"
#include "frag/policy.h"
#include "frag/workload.h"

#define FRAG_SC_NAME_MAX 64
#define FRAG_SC_MAX_WORKLOADS 64
#define FRAG_SC_MAX_HOLES 256
/* Holes frag_scenario_config() can write: the pc layout's ranges, a memmap
 * range per node and the scenario's extra holes. */
#define FRAG_SC_CONFIG_HOLES (4 + FRAG_MAX_NODES + FRAG_SC_MAX_HOLES)

/* The `machine:` block. */
enum frag_layout { LAYOUT_PC, LAYOUT_FLAT };

struct frag_machine_opts {
	uint64_t memory;          /* bytes of RAM in total */
	unsigned nodes;           /* NUMA nodes */
	unsigned cpus;            /* CPUs in total, spread over the nodes */
	int layout;               /* enum frag_layout */
	uint64_t movable;         /* bytes of ZONE_MOVABLE per node */
	bool config_cma;          /* CONFIG_CMA */
	uint64_t swap;            /* bytes of swap space (0 = none: anonymous pages are never reclaimed) */
};

/* The `init:` block: the state a run starts from. */
struct frag_init_opts {
	char snapshot[FRAG_PARAM_STRLEN];  /* state file of `fragsim snapshot` ("" = a freshly booted machine);
					      a relative path is looked up next to the scenario file first */
};

/* The top-level run settings. */
struct frag_run_opts {
	char name[FRAG_PARAM_STRLEN];  /* scenario name, at most FRAG_SC_NAME_MAX - 1 characters of
					  [A-Za-z0-9._+-] (default: the file's base name) */
	uint64_t duration;             /* simulated ns */
	uint64_t seed;                 /* base of every random stream */
	uint64_t sample_period;        /* ns between epoch samples */
	uint64_t batch_window;         /* engine: simulated ns a CPU runs at least between SimGrid wake-ups */
	unsigned batch_ops;            /* engine: allocations + frees a batch aims for before it ends */
	uint64_t batch_max_window;     /* engine: longest simulated ns a batch may stretch to reach batch_ops */
	unsigned alloc_fail_events;    /* engine: failed allocations recorded as events (then only counted) */
	bool predict_2m;               /* engine: also predict the 2 MiB pool at the end (hugetlb_2m_allocatable) */
	bool predict;                  /* engine: predict the 1 GiB pool at the end (hugetlb_1g_allocatable) */
	uint64_t max_ops;              /* engine: after this many allocations + frees, allocations fail without
					  reaching the allocator and the run ends at the next batch boundary (0 = never) */
	uint64_t max_events;           /* engine: after this many workload events (frag_wl_at()), the steps stop and
					  the run ends at the next batch boundary (0 = never) */
};

/* Simulated CPU time of each operation (docs/costs.md); all in ns. */
struct frag_costs {
	uint64_t alloc_base;       /* an allocation served from a PCP list or the buddy, excluding what follows */
	uint64_t free_base;        /* a free to a PCP list */
	uint64_t zone_lock;        /* one zone->lock acquisition (hold + handoff) */
	uint64_t pcp_refill_page;  /* one page moved buddy -> PCP (rmqueue_bulk) */
	uint64_t pcp_drain_page;   /* one page moved PCP -> buddy (free_pcppages_bulk) */
	uint64_t fallback;         /* one migratetype fallback (claim or steal) */
	uint64_t slowpath;         /* entering __alloc_pages_slowpath (retry bookkeeping, kswapd wake) */
	uint64_t clear_page;       /* zeroing one 4 KiB page (__GFP_ZERO, user pages) */
	uint64_t kswapd_run;       /* one kswapd wake-up with nothing to reclaim */
	uint64_t kcompactd_run;    /* one kcompactd wake-up with nothing to do */
	uint64_t compact_scan_page;  /* one pfn looked at by a compaction scanner */
	uint64_t isolate_page;       /* isolating one page (LRU removal or free-page take) */
	uint64_t migrate_page;       /* migrating one 4 KiB page: unmap, copy, remap, TLB flush */
	uint64_t reclaim_scan_page;  /* one LRU page scanned by reclaim */
	uint64_t reclaim_page;       /* reclaiming one clean page (unmap, free) */
	uint64_t swap_out_page;      /* swapping out one anonymous page (CPU side of the write) */
	uint64_t shrink_object;      /* one slab object scanned by a shrinker */
	uint64_t isolate_pageblock;  /* set_migratetype_isolate() on one pageblock */
	uint64_t compact_drain;      /* one CPU's PCP lists drained by compaction, fixed part (pages on top) */
};

/* engine.costs: the table (core/conf/costs.c), defaults as documented in docs/costs.md. */
extern const struct frag_param frag_cost_params[];
void frag_costs_defaults(struct frag_costs *c);

/* One workload instance. */
struct frag_wl_spec {
	char name[FRAG_SC_NAME_MAX];             /* instance name (the YAML key) */
	const struct frag_workload_ops *ops;     /* its type */
	void *opts;                              /* ops->opts_size bytes, validated */
	uint64_t start;                          /* ns */
	uint64_t stop;                           /* ns (FRAG_TIME_NEVER = end of run) */
	unsigned nr_cpus;                        /* CPUs it runs on */
	unsigned *cpus;                          /* their numbers */
};

#define FRAG_SC_MAX_SWEEP 16

struct frag_scenario {
	char path[4096];                         /* the file loaded ("" if built in code) */
	struct frag_run_opts run;
	struct frag_machine_opts machine;
	struct frag_init_opts init;              /* init: {snapshot: FILE} */
	unsigned nr_holes;                       /* extra holes from machine.holes */
	struct frag_hole holes[FRAG_SC_MAX_HOLES];
	struct frag_sysctl sysctl;
	struct frag_thp_settings thp;
	struct frag_costs costs;                 /* engine.costs */
	const struct frag_policy_ops *policy;    /* policy.name */
	void *policy_opts;                       /* its validated options */
	unsigned nr_workloads;
	struct frag_wl_spec wl[FRAG_SC_MAX_WORKLOADS];
	char *resolved;                          /* the resolved configuration as JSON (every value) */
	uint64_t hash;                           /* FNV-1a 64 of `resolved` */
	/* The file's `sweep:` block, for `fragsim sweep` (a run ignores it; not in `resolved`):
	 * key -> "V1,V2,..." (a YAML list) or "START:STOP:STEP" (a scalar). */
	unsigned nr_sweep;
	char sweep_key[FRAG_SC_MAX_SWEEP][128];
	char sweep_values[FRAG_SC_MAX_SWEEP][1024];
};

/**
 * frag_scenario_load() - read @path (YAML; NULL: no file, only @sets), apply
 * @sets ("a.b.c=value", in order after the file and its includes), validate
 * and resolve.
 * Returns 0, or -errno with "FILE:LINE:COL: ..." (or "--set a.b=c: ...") in
 * @err. The result is freed with frag_scenario_free().
 */
int frag_scenario_load(const char *path, const char *const *sets, unsigned nr_sets, struct frag_scenario **out,
		       char *err, size_t errlen);
void frag_scenario_free(struct frag_scenario *sc);

/**
 * frag_scenario_config() - the machine and sysctls of a scenario as a
 * frag_config: geometry (nodes, CPUs, the layout's holes and reserved
 * ranges, then machine.holes, written to @holes, which needs room for
 * FRAG_SC_CONFIG_HOLES entries in the worst case), sysctls, the policy and
 * its options (pointing into @sc). @cfg->env is left zeroed. Returns 0 or
 * -EINVAL with a message in @err.
 */
int frag_scenario_config(const struct frag_scenario *sc, struct frag_config *cfg, struct frag_hole *holes,
			 unsigned max_holes, char *err, size_t errlen);

/**
 * frag_scenario_flatten() - the resolved configuration as (key path, value)
 * pairs in the order of `resolved` ("machine.memory" = "4294967296",
 * "workloads.web.rate" = "exp(10ms)"); every key is a valid --set path and
 * every value reads back to the same setting. Lists (machine.holes,
 * thp.mthp_orders) are one pair each, in YAML flow syntax. Returns 0 or
 * -ENOMEM; free with frag_scenario_flatten_free().
 */
int frag_scenario_flatten(const struct frag_scenario *sc, char ***keys, char ***values, unsigned *n);
void frag_scenario_flatten_free(char **keys, char **values, unsigned n);

/* Parameter tables of the fixed blocks (for docs, validation and `fragsim workloads --describe`). */
extern const struct frag_param frag_run_params[];       /* top level: struct frag_run_opts */
extern const struct frag_param frag_engine_params[];    /* engine: struct frag_run_opts */
extern const struct frag_param frag_machine_params[];   /* machine (holes: a list, see above) */
extern const struct frag_param frag_thp_params[];
extern const struct frag_param frag_init_params[];      /* init: struct frag_init_opts */       /* thp: struct frag_thp_settings */
/* Keys every workload instance has besides its type's parameters: type,
 * cpus, start, stop (stop also takes "never", the default: the end of the run). */
extern const struct frag_param frag_wl_instance_params[];

#endif /* FRAG_SCENARIO_H */
