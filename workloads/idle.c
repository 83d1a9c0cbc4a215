/* SPDX-License-Identifier: MIT */
/*
 * idle.c - a workload that does nothing: it allocates no memory and has no
 * events (start() returns FRAG_TIME_NEVER on every CPU).
 *
 * Useful as a placeholder in scenarios (a machine left alone, a scenario
 * skeleton) and to test scenario validation: its parameters cover the
 * parameter types (a distribution, a size, an enum, a string) but have no
 * effect on the run.
 */
#include <math.h>

#include "frag/dist.h"
#include "frag/workload.h"

struct idle_opts {
	struct frag_dist rate;         /* a rate distribution (validated, unused) */
	uint64_t size;                 /* a size in bytes (validated, unused) */
	int mode;                      /* enum index into idle_modes (validated, unused) */
	char note[FRAG_PARAM_STRLEN];  /* a free-form note kept in the resolved configuration */
};

static const char *const idle_modes[] = { "a", "b", NULL };

static const struct frag_param idle_params[] = {
	FRAG_PARAM_DIST("rate", struct idle_opts, rate, "fixed(1s)", 0, INFINITY, "ns",
			"a time distribution, accepted and ignored (idle has no events)"),
	FRAG_PARAM("size", PARAM_UINT, struct idle_opts, size, 4096, 4096, 1ull << 40, "bytes",
		   "a size, accepted and ignored (idle allocates nothing)"),
	FRAG_PARAM_ENUM("mode", struct idle_opts, mode, 0, idle_modes, "a or b, accepted and ignored"),
	FRAG_PARAM_STR("note", struct idle_opts, note, "", "a free-form note, kept in the resolved configuration"),
	FRAG_PARAM_END,
};

/* Nothing to check and no state to set up. */
static int idle_init(struct frag_wl *wl)
{
	(void)wl;
	return 0;
}

/* No events on any CPU. */
static uint64_t idle_start(struct frag_wl *wl, unsigned slot, uint64_t now)
{
	(void)wl;
	(void)slot;
	(void)now;
	return FRAG_TIME_NEVER;
}

/* Never called (no events); returns FRAG_TIME_NEVER if it is. */
static uint64_t idle_step(struct frag_wl *wl, unsigned slot, uint64_t now, uint64_t until)
{
	(void)until;   /* one event at a time: it uses @now */
	(void)wl;
	(void)slot;
	(void)now;
	return FRAG_TIME_NEVER;
}

/* Nothing was allocated, so nothing is released. */
static void idle_stop(struct frag_wl *wl, uint64_t now)
{
	(void)wl;
	(void)now;
}

static void idle_fini(struct frag_wl *wl)
{
	(void)wl;
}

const struct frag_workload_ops frag_workload_idle = {
	.abi_version = FRAG_WORKLOAD_ABI,
	.name = "idle",
	.summary = "does nothing: no allocations, no events (a placeholder)",
	.params = idle_params,
	.opts_size = sizeof(struct idle_opts),
	.init = idle_init,
	.start = idle_start,
	.step = idle_step,
	.stop = idle_stop,
	.fini = idle_fini,
	.migrated = NULL,
};
