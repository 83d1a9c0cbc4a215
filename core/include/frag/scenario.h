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

/* The `machine:` block. */
enum frag_layout { LAYOUT_PC, LAYOUT_FLAT };

struct frag_machine_opts {
	uint64_t memory;          /* bytes of RAM in total */
	unsigned nodes;           /* NUMA nodes */
	unsigned cpus;            /* CPUs in total, spread over the nodes */
	int layout;               /* enum frag_layout */
	uint64_t movable;         /* bytes of ZONE_MOVABLE per node */
	bool config_cma;          /* CONFIG_CMA */
};

/* The top-level run settings. */
struct frag_run_opts {
	char name[FRAG_SC_NAME_MAX];   /* scenario name (default: the file's base name) */
	uint64_t duration;             /* simulated ns */
	uint64_t seed;                 /* base of every random stream */
	uint64_t sample_period;        /* ns between epoch samples */
	uint64_t batch_window;         /* engine: max simulated ns a CPU runs between SimGrid wake-ups */
};

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

struct frag_scenario {
	char path[4096];                         /* the file loaded ("" if built in code) */
	struct frag_run_opts run;
	struct frag_machine_opts machine;
	unsigned nr_holes;                       /* extra holes from machine.holes */
	struct frag_hole holes[FRAG_SC_MAX_HOLES];
	struct frag_sysctl sysctl;
	struct frag_thp_settings thp;
	const struct frag_policy_ops *policy;    /* policy.name */
	void *policy_opts;                       /* its validated options */
	unsigned nr_workloads;
	struct frag_wl_spec wl[FRAG_SC_MAX_WORKLOADS];
	char *resolved;                          /* the resolved configuration as JSON (every value) */
	uint64_t hash;                           /* FNV-1a 64 of `resolved` */
};

/**
 * frag_scenario_load() - read @path (YAML), apply @sets ("a.b.c=value",
 * applied in order after the file and its includes), validate and resolve.
 * Returns 0, or -errno with "FILE:LINE:COL: ..." (or "--set a.b=c: ...") in
 * @err. The result is freed with frag_scenario_free().
 */
int frag_scenario_load(const char *path, const char *const *sets, unsigned nr_sets, struct frag_scenario **out,
		       char *err, size_t errlen);
void frag_scenario_free(struct frag_scenario *sc);

/* The machine and sysctls of a scenario as a frag_config (geometry, policy). */
int frag_scenario_config(const struct frag_scenario *sc, struct frag_config *cfg, struct frag_hole *holes,
			 unsigned max_holes, char *err, size_t errlen);

/* Parameter tables of the fixed blocks (for docs and `fragsim scenario --describe`). */
extern const struct frag_param frag_run_params[];
extern const struct frag_param frag_machine_params[];
extern const struct frag_param frag_thp_params[];

#endif /* FRAG_SCENARIO_H */
