/* SPDX-License-Identifier: MIT */
/*
 * spb_common.h - the superpageblock policies `spb-steer` and `spb` (Rik van
 * Riel, "[RFC PATCH 00/40] mm: reliable 1GB page allocation", v2 2026-05-20).
 * spb_steer.c holds the steering core both policies use; spb.c adds the rest
 * of the series. See docs/policies/spb-steer.md and docs/policies/spb.md.
 */
#ifndef FRAG_POLICY_SPB_COMMON_H
#define FRAG_POLICY_SPB_COMMON_H

#include "frag/policy.h"
#include "../core/mm/internal.h"

/*
 * Policy-private ALLOC_* bits set by the spb alloc_flags() hook from the gfp
 * mask (the rmqueue() hook sees only alloc_flags). Above every core bit.
 */
#define ALLOC_SPB_CHEAP      0x10000   /* cheap fallback: __GFP_NORETRY, no RETRY_MAYFAIL, order > 0 (v2 26) */
#define ALLOC_SPB_ATOMIC     0x20000   /* no DIRECT_RECLAIM, no NOMEMALLOC, no NOFAIL (v2 18/25) */
#define ALLOC_SPB_BESTEFFORT 0x40000   /* order > 0, NOWARN, no NOFAIL, no DIRECT_RECLAIM (v2 35) */

/* Where a 1 GiB request goes when no SPB is entirely free. */
enum spb_contig_mode {
	SPB_CONTIG_LINUX,       /* FRAG_PFN_NONE: alloc_contig_pages() scans windows as upstream */
	SPB_CONTIG_EVACUATE,    /* evacuate the emptiest clean SPB into other clean SPBs, then take it */
	SPB_CONTIG_FAIL,        /* FRAG_PFN_REFUSE */
};

/*
 * Every rule of both policies. spb-steer's table exposes the steering
 * fields only; its init() leaves the others at "off".
 */
struct spb_opts {
	/* steering (spb-steer and spb) */
	unsigned scan_limit;          /* SPB_SCAN_LIMIT (v2 11): candidate SPBs looked at per (order, type) */
	bool steer_movable;           /* movable -> fullest clean SPB (v2 12) */
	bool steer_unmovable;         /* non-movable -> tainted SPBs first (v2 11) */
	bool movable_tainted_first;   /* movable: tainted SPBs before empty ones (fragsim variant; RFC: after) */
	int contig_mode;              /* enum spb_contig_mode */
	/* the rest of the series (spb only) */
	bool defrag_mode;             /* keep ALLOC_NOFRAGMENT through the slowpath (v2 20) */
	unsigned reserve_div;         /* spb_tainted_reserve: 1/N of an SPB's pageblocks (v1 24); 0 = off */
	unsigned reserve_min;         /* minimum reserve in pageblocks */
	bool defrag;                  /* per-SPB defrag worker (v2 15) */
	unsigned defrag_start_pb;     /* start at <= N free pageblocks ... */
	unsigned defrag_start_pages;  /* ... or < N pageblocks' worth of free pages */
	unsigned defrag_stop_pb;      /* stop at >= N free pageblocks ... */
	unsigned defrag_stop_pages;   /* ... or >= N pageblocks' worth of free pages */
	unsigned defrag_batch;        /* pageblocks evacuated per worker run */
	uint64_t defrag_interval;     /* ns between runs while an SPB still needs work */
	bool refuse_cheap;            /* kvmalloc-style callers refused a clean-SPB taint (v2 26) */
	bool refuse_atomic;           /* atomic callers refused a clean-SPB taint (v2 18, 25) */
	bool refuse_highorder;        /* best-effort high order refused when a lower order could serve (v2 35) */
	bool no_mixing;               /* no UNMOVABLE/RECLAIMABLE sub-pageblock fallback (v2 24) */
	bool claim_any_in_tainted;    /* 50% claim rule off inside tainted SPBs (v1 25) */
	unsigned aggressive_spbs;     /* > N SPBs: no NOFRAGMENT floor inside tainted SPBs (v2 19); 0 = off */
	bool compact_skip_tainted;    /* compaction: no targets in tainted SPBs at/below the reserve (v2 38/39) */
	unsigned compact_max_per_sec; /* compaction throttle (cover letter TODO); 0 = off */
	uint64_t defrag_poll;         /* ns between idle worker runs (trigger scan, reserve gauge); 0 = woken only */
	bool slab_shrink;             /* worker runs shrink_slab() for tainted SPBs under pressure (v1 32) */
	bool adopt;                   /* adopt partially free MOVABLE pageblocks of tainted SPBs (v2 21) */
	unsigned adopt_min_free;      /* ... holding at least this many free pages */
	unsigned adopt_scan;          /* free-list entries looked at per SPB and order for a candidate */
	bool borrow;                  /* borrow MOVABLE buddies in tainted SPBs without relabel (v2 27) */
	unsigned borrow_max_order;    /* ... for requests up to this order */
	unsigned borrow_max_pages;    /* ... while the pageblock holds at most this many non-movable pages */
	bool defrag_phase1;           /* worker phase 1: movable pages out of non-movable pageblocks (v1 24, v2 23) */
	bool thp_compact_clean;       /* THP-order movable direct compaction only in clean SPBs (v2 17) */
	unsigned compact_drain_max;   /* drain throttle: compaction PCP drains allowed per window; 0 = off */
	uint64_t compact_drain_window;/* ns: the drain throttle's window */
};

struct spb_priv {
	struct spb_opts o;            /* resolved rules (copied at init) */
	bool full;                    /* `spb` (the daemon and refusals exist) */
	uint8_t *defrag_active;       /* [mem->nr_spbs_total]: SPB being evacuated (start..stop hysteresis) */
	uint64_t compact_window_start;/* throttle: start of the current 1 s window */
	unsigned compact_in_window;   /* throttle: compaction sources allowed in it */
	uint64_t drain_window_start;  /* drain throttle: start of the current window (ns) */
	uint64_t drain_window_base;   /* drain throttle: compact_drain counter at that start */
};

extern const char *const spb_contig_names[];

/*
 * The steering rows both parameter tables start with (struct spb_opts);
 * @contig_def_ is the policy's default contig mode.
 */
#define SPB_STEER_PARAMS(contig_def_)                                                                          \
	FRAG_PARAM("spb_scan_limit", PARAM_U32, struct spb_opts, scan_limit, 8, 0, 1u << 20, "SPBs",             \
		   "SPB_SCAN_LIMIT (v2 11): candidate SPBs holding a fallback block looked at per (order, type) for " \
		   "one in a tainted SPB; 0 = all"),                                                              \
	FRAG_PARAM("steer_movable", PARAM_BOOL, struct spb_opts, steer_movable, 1, 0, 1, "",                      \
		   "movable requests from the fullest clean SPB, then empty, then tainted SPBs (v2 12, 20)"),      \
	FRAG_PARAM("steer_unmovable", PARAM_BOOL, struct spb_opts, steer_unmovable, 1, 0, 1, "",                  \
		   "non-movable claim/steal inside tainted SPBs before tainting a clean one (v2 11)"),             \
	FRAG_PARAM("movable_tainted_first", PARAM_BOOL, struct spb_opts, movable_tainted_first, 0, 0, 1, "",      \
		   "movable requests: tainted SPBs (above their reserve, if any) before empty ones (fragsim "      \
		   "variant; the RFC's pass order is empty first)"),                                              \
	FRAG_PARAM_ENUM("contig", struct spb_opts, contig_mode, contig_def_, spb_contig_names,                   \
			"1 GiB request with no entirely free SPB: linux = alloc_contig_pages(), evacuate = empty "  \
			"the emptiest clean SPB by migration (v2 17), fail = refuse")

int spb_common_init(struct frag_mem *mem, struct spb_priv *p, bool full);
void spb_common_fini(struct frag_mem *mem, struct spb_priv *p);
int spb_common_clone(struct frag_mem *new_mem, void *new_priv, const void *old_priv);
uint32_t spb_rmqueue(struct frag_mem *mem, void *priv, struct frag_zone *z, unsigned order, int mt,
		     unsigned alloc_flags, enum rmqueue_mode *mode);
uint64_t spb_alloc_contig(struct frag_mem *mem, void *priv, unsigned cpu, unsigned order, gfp_t gfp,
			  const struct frag_owner *owner, unsigned nid);
/* The free pageblocks below which movable requests skip a tainted SPB (0: no reserve). */
unsigned spb_tainted_reserve(const struct spb_priv *p, const struct frag_spb *spb);
/* Take a detached block of @order of MOVABLE type from a clean (then empty) SPB of @z,
 * fullest first, for migration targets; IDX_NONE if none. */
uint32_t spb_take_movable_clean(struct frag_zone *z, unsigned order, const struct frag_spb *avoid);
/* evacuate_pageblock(): migrate the movable blocks of the pageblock at @pb_pfn
 * into clean (and, unless @clean_only, empty) SPBs; pages moved, *@failed set
 * if a block could not move. */
uint64_t spb_evacuate_pageblock(struct frag_mem *mem, struct frag_zone *z, uint64_t pb_pfn, bool clean_only,
				bool *failed);
bool spb_needs_defrag(const struct spb_priv *p, const struct frag_spb *spb);
bool spb_defrag_done(const struct spb_priv *p, const struct frag_spb *spb);

#endif /* FRAG_POLICY_SPB_COMMON_H */
