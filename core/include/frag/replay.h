/* SPDX-License-Identifier: MIT */
/*
 * replay.h - replay a real kernel's allocation stream against the model
 * (core/replay/replay.c, `fragsim replay`, docs/replay.md).
 *
 * Every traced mm_page_alloc is placed anew by the machine's policy through
 * frag_alloc_pages() (same order, gfp_flags and CPU); every traced
 * mm_page_free / mm_page_free_batched releases the block that allocation
 * got in the model (trace pfn -> model block; migrations in the model move
 * the mapping). Frees of blocks the trace never allocated (allocated before
 * it began, or lazily initialised memory handed to the buddy) are counted
 * and skipped. PCP drains, zone-locked refills, extfrag and compaction
 * events are counted only: the model's PCP lists, fallbacks and compaction
 * run by its own rules, and the fidelity section compares the two.
 * No SimGrid: one loop in trace order, the kernel daemons (kswapd,
 * kcompactd with its proactive timer, the policy's daemon, vmstat's PCP
 * decay) run synchronously between events at trace time.
 */
#ifndef FRAG_REPLAY_H
#define FRAG_REPLAY_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "frag/mm.h"
#include "frag/sim.h"
#include "frag/snap.h"
#include "frag/trace.h"

/* Owner id of every block a replay allocates (cookie = its slot). */
#define FRAG_OWNER_REPLAY 0xfffffff1u

struct frag_replay_opts {
	const char *trace;                             /* the trace file (frag_trace_read()) */
	const struct frag_snap *snap;                  /* start from this state (NULL: frag_mem_create(cfg)) */
	bool grow_uninit;                              /* with @snap: pages it marks uninitialised (lazy deferred
							  struct page init, PS_UNINIT) start free, zone watermarks
							  recomputed for the grown zone */
	uint64_t sample_period_ns;                     /* epochs every this much trace time (0: start and end only) */
	uint64_t check_every;                          /* frag_mem_consistent() every this many events and at the
							  end (0: never); a violation fails the replay */
	unsigned nr_sinks;                             /* sinks to feed (as frag_sim_opts) */
	struct frag_sim_sink sinks[FRAG_SIM_MAX_SINKS];
	volatile sig_atomic_t *stop;                   /* set (e.g. by SIGINT) to end early */
	/* Run identity for the sinks. */
	struct frag_run_ident ident;                   /* run id, HDF5 file, parameters, build (sink.h) */
	const char *scenario_name;
	const char *scenario_path;
	uint64_t scenario_hash;
	const char *config_json;
	const char *policy;
	uint64_t seed;
};

/* Replay counters, in the order of FRAG_REPLAY_COUNTERS. */
#define FRAG_REPLAY_COUNTERS(X)                                                                                  \
	X(replay_events, "trace events read")                                                                  \
	X(replay_alloc, "mm_page_alloc events replayed")                                                       \
	X(replay_alloc_fail, "replayed allocations the model could not satisfy")                               \
	X(replay_alloc_trace_fail, "mm_page_alloc events with pfn 0 (failed in the kernel), skipped")          \
	X(replay_alloc_dup, "allocations at a trace pfn still live in the map (a free was missed): the old "   \
			    "block was released first")                                                          \
	X(replay_free, "frees that released the model block of a traced allocation")                          \
	X(replay_free_split, "frees of part of a traced block (split_page, THP split): the model block is "   \
			     "released when all its pages are freed")                                            \
	X(replay_free_snapshot, "frees of blocks allocated before the trace began that the start state holds "  \
				"at the same pfn (a state start): released")                                   \
	X(replay_free_snapshot_partial, "frees of part of such a block (the model cannot split it), skipped")  \
	X(replay_free_unknown, "frees of blocks allocated before the trace began that the start state does "   \
			       "not hold there, skipped")                                                        \
	X(replay_free_unknown_model_free, "of those, on a state start: the model has the pfn free (buddy or PCP)")\
	X(replay_free_unknown_model_replay, "of those, on a state start: the model placed a replayed block there")\
	X(replay_free_grow, "order-10 frees of unknown blocks (lazy zone growth handing memory to the buddy), "\
			    "skipped")                                                                           \
	X(replay_free_after_fail, "frees of blocks whose replayed allocation failed, skipped")                 \
	X(replay_pcpu_drain, "mm_page_pcpu_drain events (counted; the model drains by its own rules)")         \
	X(replay_zone_locked, "mm_page_alloc_zone_locked events (counted)")                                    \
	X(replay_pcpu_drain_pages, "pages of mm_page_pcpu_drain events (sum of 2^order)")                      \
	X(replay_zone_locked_refill, "mm_page_alloc_zone_locked events with percpu_refill=1")                  \
	X(replay_zone_locked_refill_pages, "pages of those (sum of 2^order)")                                  \
	X(replay_extfrag_trace, "mm_page_alloc_extfrag events in the trace")                                   \
	X(replay_compaction_events, "compaction:* events in the trace (counted)")                              \
	X(replay_other_events, "other events in the trace (counted)")                                          \
	X(replay_live_blocks, "traced blocks still allocated in the model at the end")

enum frag_replay_counter {
#define RC_ENUM(name, help) RC_##name,
	FRAG_REPLAY_COUNTERS(RC_ENUM)
#undef RC_ENUM
	NR_REPLAY_COUNTERS
};

extern const char *const frag_replay_counter_names[NR_REPLAY_COUNTERS];
extern const char *const frag_replay_counter_help[NR_REPLAY_COUNTERS];

struct frag_replay_result {
	char uid[FRAG_RUN_UID_LEN];
	char status[16];                                  /* "complete", "interrupted", "failed" */
	char message[256];
	uint64_t c[NR_REPLAY_COUNTERS];
	/* mm_page_alloc_extfrag by [fallback_migratetype][alloc_migratetype]: in the trace, in the model */
	uint64_t extfrag_trace[MIGRATE_TYPES][MIGRATE_TYPES];
	uint64_t extfrag_model[MIGRATE_TYPES][MIGRATE_TYPES];
	uint64_t claim_trace, claim_model;                /* of those, change_ownership=1 */
	struct frag_trace_info info;
	uint64_t trace_ns;                                /* trace time covered (last - first timestamp) */
	double wall_seconds;
	double events_per_sec;                            /* trace events per wall second */
	double events_per_cpu_sec;                        /* trace events per second of process CPU time */
	uint64_t stats[NR_FRAG_STATS];                    /* model counters at the end */
	uint64_t hash;                                    /* frag_mem_hash() of the final machine */
	uint64_t free_pages;                              /* free pages at the end */
	unsigned nr_metrics;
	struct frag_metric *metrics;                      /* what the sinks got (names owned by the result) */
	char *names;
};

/**
 * frag_replay() - replay @o->trace on the machine of @cfg (its policy,
 * sysctls; geometry unless @o->snap). Returns 0 when the replay ran (its
 * status may still be "interrupted" or "failed"), -errno with a message in
 * @err when it could not (bad trace, machine, sink). Free @res with
 * frag_replay_result_free().
 */
int frag_replay(const struct frag_config *cfg, const struct frag_replay_opts *o, struct frag_replay_result *res,
		char *err, size_t errlen);
void frag_replay_result_free(struct frag_replay_result *res);

#endif /* FRAG_REPLAY_H */
