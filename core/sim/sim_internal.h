/* SPDX-License-Identifier: MIT */
/*
 * sim_internal.h - the engine's private state (core/sim only).
 */
#ifndef FRAG_SIM_INTERNAL_H
#define FRAG_SIM_INTERNAL_H

#include <simgrid/semaphore.h>
#include <stdbool.h>
#include <stdint.h>

#include "frag/sim.h"
#include "frag/workload.h"
#include "rng.h"

/* A pending event: the next step of one (instance, slot), or an instance's stop. */
struct sim_event {
	uint64_t t;              /* simulated ns */
	uint32_t seq;            /* insertion order, to break ties deterministically */
	uint16_t wl;             /* instance index */
	uint16_t slot;           /* CPU slot in the instance, or SLOT_STOP */
};
#define SLOT_STOP 0xffff

struct sim_heap {
	struct sim_event *a;     /* binary min-heap on (t, seq) */
	unsigned n, cap;
};

/* Latency histogram: log2 buckets with 16 linear sub-buckets (<= 6% error). */
#define HIST_SUB 16
#define HIST_BUCKETS (64 * HIST_SUB)
struct sim_hist {
	uint64_t count;
	uint64_t sum;
	uint64_t max;
	uint64_t b[HIST_BUCKETS];
};

struct sim;

/* One simulated CPU: a SimGrid actor driving its workload events. */
/* sysctl_stat_interval: vmstat_update() runs every second on each CPU. */
#define VMSTAT_INTERVAL_NS 1000000000ull

struct sim_cpu {
	struct sim *sim;
	unsigned id;                 /* CPU number */
	unsigned nid;                /* its node */
	uint64_t now;                /* its model time, ns (advanced by event times and costs) */
	uint64_t busy_ns;            /* CPU time charged by costs */
	struct sim_heap heap;        /* its pending events */
	bool finished;               /* the actor returned */
	uint64_t batches;            /* SimGrid wake-ups */
	uint64_t next_vmstat;        /* when its vmstat_update() (PCP high decay) runs next */
	uint64_t vmstat_updates;     /* vmstat_update() runs so far */
};

struct wl_counter {
	const char *name;            /* string literal from the workload */
	uint64_t value;
};

/* One workload instance (struct frag_wl of workload.h). */
struct frag_wl {
	struct sim *sim;
	unsigned index;                          /* in sim->wl */
	const struct frag_wl_spec *spec;         /* from the scenario */
	const struct frag_workload_ops *ops;
	void *priv;                              /* ops->priv_size */
	char *cpu_priv;                          /* nr_slots * ops->cpu_priv_size */
	struct frag_rng *rng;                    /* [nr_slots] */
	unsigned nr_slots;
	bool stopped;
	unsigned stops_seen;                     /* SLOT_STOP events handled (one per CPU) */
	unsigned nr_counters;
	struct wl_counter counters[32];
	char *error;                             /* frag_wl_error() message */
	void *const *owner_table;                /* frag_wl_set_owner_table(): where the base of the table
						    of records by cookie is kept, NULL if none */
	size_t owner_stride;                     /* bytes per record */
};

struct sim_node {
	struct sim *sim;
	unsigned id;                 /* node id */
	sg_sem_t kswapd_sem;         /* kswapd sleeps here */
	sg_sem_t kcompactd_sem;      /* kcompactd sleeps here */
	bool kswapd_pending;         /* a wake-up is queued */
	bool kcompactd_pending;
	bool kswapd_signalled;       /* its semaphore was released for the pending wake-up */
	bool kcompactd_signalled;
	uint64_t kswapd_wake;        /* wake-ups that ran */
	uint64_t kcompactd_wake;
	uint64_t kswapd_ns;          /* daemon CPU time */
	uint64_t kcompactd_ns;
	sg_sem_t policyd_sem;        /* the policy's daemon() actor sleeps here (NULL: no daemon) */
	bool policyd_pending;        /* frag_policy_wake_daemon() since the last signal */
	bool policyd_signalled;
	uint64_t policyd_wake;       /* daemon runs */
	uint64_t policyd_ns;         /* its CPU time: migrations it did (spb_defrag_cpu_ns) */
};

/* Engine counters reported with the kernel's (see engine.c ENGINE_COUNTERS). */
struct sim_counters {
	uint64_t allocs;             /* frag_wl_alloc() calls */
	uint64_t alloc_failures;
	uint64_t frees;
	uint64_t events;             /* workload steps */
	uint64_t wl_events;          /* events the workloads handled (frag_wl_at(): timer expiries, kept or dropped) */
	uint64_t wakeups;            /* SimGrid wake-ups of CPU actors */
	uint64_t daemon_wakeups;
	uint64_t extfrag[3][3];      /* mm_page_alloc_extfrag by [alloc_migratetype][fallback_migratetype] */
};

/* The model counters whose deltas price an operation (wl.c snap()). */
struct cost_snap {
	uint64_t zone_lock, refill, drain, extfrag, slowpath;            /* buddy and PCP work */
	uint64_t compact_scanned, compact_isolated, migrated;           /* compaction */
	uint64_t compact_drain, compact_drain_pages;                    /* compaction's PCP drains */
	uint64_t contig_pageblocks, contig_isolated, contig_migrated;   /* alloc_contig_range() */
	uint64_t scan, steal, swap, slab;   /* direct reclaim (kswapd never runs inside an allocation) */
};

struct sim {
	const struct frag_scenario *sc;
	const struct frag_sim_opts *opts;
	struct frag_costs costs;
	struct frag_mem *mem;
	const uint64_t *stats;       /* frag_stats(mem): the model's counters */
	struct cost_snap priced;     /* the priced counters as of model generation priced_gen (wl.c snap_before()) */
	uint64_t priced_gen;         /* frag_priced_gen() when `priced` was taken; UINT64_MAX: never */
	bool pricing;                /* inside a priced model call (wl.c snap_before() .. snap_after()) */
	unsigned nr_cpus;
	struct sim_cpu *cpus;
	unsigned nr_nodes;
	struct sim_node *nodes;
	uint64_t last_epoch_t;                   /* time of the last epoch sampled */
	uint64_t reached;                        /* simulated time the run got to (set at the end) */
	unsigned nr_wl;
	struct frag_wl *wl;
	uint64_t end;                /* run.duration */
	struct sim_cpu *cur;         /* CPU whose batch runs now (for env.now_ns) */
	int kswapd_nid;              /* node whose kswapd runs balance_pgdat() now, -1 = none */
	unsigned reclaim_cpu;        /* CPU that frees reclaimed pages (frag_wl_free_reclaimed()) */
	uint32_t seq;
	bool interrupted;
	bool op_limit;               /* engine.max_ops or max_events reached: the CPUs stop (the run is complete) */
	bool event_limit;            /* it was engine.max_events (the message says which) */
	char fail[256];              /* set when the run fails (e.g. a workload error) */
	struct sim_counters c;
	struct sim_hist lat_alloc;   /* every allocation's simulated latency */
	struct sim_hist lat_stall;   /* allocations that entered the slowpath */

	/* Sinks. */
	unsigned nr_sinks;
	void *sink_h[FRAG_SIM_MAX_SINKS];
	struct frag_run_info ri;
	/* Epoch buffers. */
	unsigned nr_counters;
	const char **counter_names;
	const char **counter_units;
	uint64_t *ep_counters;
	uint32_t *ep_free_blocks;
	uint8_t *ep_pb;
	uint32_t *ep_spb;
	struct frag_zone_desc *zones;
	uint64_t next_epoch;
	/* Progress. */
	double wall_start;
	double last_progress;
	bool progress;
};

/*
 * The run is ending: a signal asked it to stop, it failed, or max_ops /
 * max_events was reached. The workloads do nothing more (frag_wl_stopped())
 * and a CPU leaves its batch at the next event: with every workload
 * stopped, the events left in the batch would only hand the CPU back and
 * forth between them a nanosecond at a time.
 */
static inline bool sim_stopping(const struct sim *s)
{
	return s->op_limit || s->fail[0] || s->interrupted || (s->opts->stop && *s->opts->stop);
}

/* engine.c */
double sim_wall(void);
uint64_t sim_reclaim_cost(const struct frag_costs *k, uint64_t scanned, uint64_t reclaimed, uint64_t swapped,
			  uint64_t slab_scanned);
void sim_collect_epoch(struct sim *s, uint64_t t);
void sim_progress(struct sim *s, uint64_t t, bool final);
void sim_sink_event(struct sim *s, const struct frag_event_rec *ev);
void sim_wake_daemons(struct sim *s);
/* Count @v (log-linear buckets: 16 per power of two); inline, it runs on every allocation. */
static inline void hist_add(struct sim_hist *h, uint64_t v)
{
	unsigned idx;
	if (v < HIST_SUB) {
		idx = (unsigned)v;
	} else {
		unsigned lg = 63 - (unsigned)__builtin_clzll(v);       /* >= 4 */
		unsigned sub = (unsigned)((v >> (lg - 4)) & (HIST_SUB - 1));
		idx = (lg - 3) * HIST_SUB + sub;
	}
	if (idx >= HIST_BUCKETS)
		idx = HIST_BUCKETS - 1;
	h->b[idx]++;
	h->count++;
	h->sum += v;
	if (v > h->max)
		h->max = v;
}
uint64_t hist_quantile(const struct sim_hist *h, double q);

/* wl.c */
uint64_t sim_compaction_cost(const struct sim *s, const uint64_t *before);

/* actors.c */
void sim_cpu_actor(int argc, char **argv);
void sim_kswapd_actor(int argc, char **argv);
void sim_kcompactd_actor(int argc, char **argv);
void sim_policyd_actor(int argc, char **argv);
void sim_sampler_actor(int argc, char **argv);
void heap_push(struct sim_heap *h, struct sim_event ev);
struct sim_event heap_pop(struct sim_heap *h);

static inline double ns2s(uint64_t ns)
{
	return (double)ns * 1e-9;
}

#endif /* FRAG_SIM_INTERNAL_H */
