/* SPDX-License-Identifier: MIT */
/*
 * sim.h - the SimGrid engine (core/sim): runs a scenario's workloads and
 * kernel daemons as SimGrid actors over one machine model, samples epochs
 * and hands every record to the result sinks.
 *
 * One simulation per process (SimGrid's engine is a process-wide singleton):
 * `fragsim compare` and `sweep` run each (policy, seed) in its own process.
 */
#ifndef FRAG_SIM_H
#define FRAG_SIM_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frag/mm.h"
#include "frag/param.h"
#include "frag/scenario.h"
#include "frag/sink.h"

#define FRAG_SIM_MAX_SINKS 8

/* A sink chosen by the caller (results/registry.c resolves URLs). */
struct frag_sim_sink {
	const struct frag_sink_ops *ops;   /* the sink */
	const char *path;                  /* its target (file, directory, "-") */
};


struct frag_sim_opts {
	unsigned nr_sinks;                             /* sinks to feed */
	struct frag_sim_sink sinks[FRAG_SIM_MAX_SINKS];
	bool progress;                                 /* progress line on stderr (when it is a terminal) */
	volatile sig_atomic_t *stop;                   /* set (e.g. by SIGINT) to end the run early */
	unsigned check_every;                          /* frag_mem_consistent() every N operations (0 = off) */
	struct frag_run_ident ident;                   /* run id, HDF5 file, parameters, build (sink.h);
							  a NULL uid: the engine makes one */
	/* Also predict the 2 MiB pool at the end (hugetlb_2m_allocatable): on a
	 * fragmented machine every page needs direct compaction, ~100 pages per
	 * wall second at 256 GiB (bench/README.md), so runs leave it off. */
	bool predict_2m;
	/* Also hash the final machine state (frag_mem_hash(), into
	 * frag_sim_result.state_hash): fragsim fuzz's replay check. */
	bool state_hash;
};

struct frag_sim_result {
	char uid[FRAG_RUN_UID_LEN];       /* the run's id */
	char status[16];                  /* "complete", "interrupted", "failed" */
	char message[256];                /* why, when not complete */
	double wall_seconds;
	uint64_t sim_ns;                  /* simulated time reached */
	unsigned nr_metrics;
	struct frag_metric *metrics;      /* names point into storage owned by the result */
	char *names;                      /* storage for metric names */
	bool predicted;                   /* @predict holds frag_predict_hugetlb() of the final state */
	struct frag_predict_result predict;   /* hugetlb pool growth possible at the end (hugetlb_*_allocatable) */
	uint64_t state_hash;              /* frag_mem_hash() of the final state (with frag_sim_opts.state_hash) */
};

/**
 * frag_sim_run() - simulate @sc on a machine built from @cfg (see
 * frag_scenario_config()). Returns 0 when the run could be set up and
 * executed (its status may still be "interrupted" or "failed"), -errno with
 * a message in @err when it could not start (bad configuration, a sink that
 * cannot open). Free @res with frag_sim_result_free().
 */
int frag_sim_run(const struct frag_scenario *sc, const struct frag_config *cfg, const struct frag_sim_opts *o,
		 struct frag_sim_result *res, char *err, size_t errlen);
void frag_sim_result_free(struct frag_sim_result *res);
/* Look a metric up by name; NAN if absent. */
double frag_sim_metric(const struct frag_sim_result *res, const char *name);

/*
 * The engine's counters, appended after the stat_list.h ones in every epoch
 * row (/epoch/counters) and in the metrics: name, kind, unit, meaning;
 * ended by an entry with a NULL name (`fragsim stats` lists both).
 */
extern const struct frag_stat_desc frag_engine_counter_desc[];

#endif /* FRAG_SIM_H */
