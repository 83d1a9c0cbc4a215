/* SPDX-License-Identifier: MIT */
/*
 * spb.c - `spb`: the full superpageblock series (Rik van Riel, "[RFC PATCH
 * 00/40] mm: reliable 1GB page allocation", v2 2026-05-20, and v1's rules
 * that v2 kept), on top of the steering of spb-steer (spb_steer.c):
 *
 *  - tainted-SPB free reserve (v1 24, v2 37): a movable request skips a
 *    tainted SPB with nr_free <= spb_tainted_reserve(sb) pageblocks;
 *  - per-SPB defrag worker (v2 15): a policy daemon (one actor per node)
 *    evacuates movable pageblocks out of tainted SPBs that fell to <= 1 free
 *    pageblock or < 2 pageblocks' worth of free pages, into clean SPBs, until
 *    >= 2 free pageblocks or >= 3 pageblocks' worth;
 *  - refusals before tainting a clean SPB: cheap-fallback callers (v2 26),
 *    atomic callers while an evacuation is pending (v2 18, 25), best-effort
 *    high order that a lower order could serve (v2 35);
 *  - NOFRAGMENT kept through the slowpath until OOM (v2 20, defrag_mode);
 *  - aggressive packing with more than 8 SPBs (v2 19), 50 % claim rule off in
 *    tainted SPBs (v1 25), no UNMOVABLE/RECLAIMABLE mixing (v2 24);
 *  - compaction: no source in tainted SPBs without movable pages (v2 38), no
 *    target in tainted SPBs at or below the reserve (v2 39), and an optional
 *    throttle for the cover letter's TODO;
 *  - 1 GiB: an all-free SPB directly, else evacuate the emptiest clean SPB;
 *  - adoption of partial MOVABLE pageblocks in tainted SPBs (v2 21) and
 *    borrowing of MOVABLE buddies there without relabel (v2 27), both in
 *    spb_steer.c's pass 2;
 *  - the worker's two-phase targeted evacuation (v1 24, v2 23): movable
 *    pages out of non-movable pageblocks first, then whole MOVABLE pageblocks;
 *  - THP-order direct compaction only in clean SPBs (v2 17);
 *  - a compaction drain throttle on the core's compact_drain counter.
 *
 * See docs/policies/spb.md.
 */
#include <stdlib.h>

#include "spb_common.h"

#define P(name, type, field, def, min, max, unit, help) FRAG_PARAM(name, type, struct spb_opts, field, def, min, max, unit, help)

static const struct frag_param spb_params[] = {
	SPB_STEER_PARAMS(SPB_CONTIG_EVACUATE),
	P("defrag_mode", PARAM_BOOL, defrag_mode, 1, 0, 1, "",
	  "keep ALLOC_NOFRAGMENT through the slowpath, drop it only before OOM (v2 20: prefer reclaim over tainting)"),
	P("spb_tainted_reserve", PARAM_U32, reserve_div, 32, 0, 4096, "1/N",
	  "tainted-SPB reserve (v1 24): 1/N of the SPB's pageblocks kept for non-movable requests (32: ~3 %); 0 = off"),
	P("spb_tainted_reserve_min", PARAM_U32, reserve_min, 4, 0, 512, "pageblocks", "minimum tainted-SPB reserve"),
	P("defrag", PARAM_BOOL, defrag, 1, 0, 1, "", "per-SPB defrag worker evacuating tainted SPBs (v2 15)"),
	P("defrag_start_free_pb", PARAM_U32, defrag_start_pb, 1, 0, 512, "pageblocks",
	  "worker starts when a tainted SPB has <= N free pageblocks ..."),
	P("defrag_start_free_pages", PARAM_U32, defrag_start_pages, 2, 0, 512, "pageblocks",
	  "... or < N pageblocks' worth of free pages"),
	P("defrag_stop_free_pb", PARAM_U32, defrag_stop_pb, 2, 0, 512, "pageblocks",
	  "worker stops at >= N free pageblocks ..."),
	P("defrag_stop_free_pages", PARAM_U32, defrag_stop_pages, 3, 0, 512, "pageblocks",
	  "... or >= N pageblocks' worth of free pages (or no movable pages left)"),
	P("defrag_batch", PARAM_U32, defrag_batch, 8, 1, 512, "pageblocks", "pageblocks evacuated per worker run"),
	FRAG_PARAM("defrag_interval", PARAM_DURATION, struct spb_opts, defrag_interval, 0.01, 0, 60, "s",
		   "delay between worker runs while an SPB still needs work"),
	P("refuse_kvmalloc", PARAM_BOOL, refuse_cheap, 1, 0, 1, "",
	  "cheap-fallback callers (__GFP_NORETRY without RETRY_MAYFAIL, order > 0) refused a clean-SPB taint (v2 26)"),
	P("refuse_atomic", PARAM_BOOL, refuse_atomic, 1, 0, 1, "",
	  "atomic callers refused a clean-SPB taint while a tainted SPB can be evacuated; the worker is woken (v2 18, 25)"),
	P("refuse_highorder", PARAM_BOOL, refuse_highorder, 1, 0, 1, "",
	  "best-effort high order (NOWARN, no NOFAIL, no direct reclaim) refused when a tainted SPB holds a smaller "
	  "block of its type (v2 35)"),
	P("no_mixing", PARAM_BOOL, no_mixing, 1, 0, 1, "",
	  "UNMOVABLE and RECLAIMABLE take only whole free pageblocks from each other (v2 24)"),
	P("claim_any_in_tainted", PARAM_BOOL, claim_any_in_tainted, 1, 0, 1, "",
	  "the 50 % claim rule is off for pageblocks inside tainted SPBs (v1 25)"),
	P("aggressive_spbs", PARAM_U32, aggressive_spbs, 8, 0, 1u << 20, "SPBs",
	  "SPB_AGGRESSIVE_THRESHOLD (v2 19): zones with more SPBs claim/steal below pageblock order inside tainted "
	  "SPBs even under NOFRAGMENT; 0 = off"),
	P("compact_skip_tainted", PARAM_BOOL, compact_skip_tainted, 1, 0, 1, "",
	  "compaction: no source in tainted SPBs without movable pages (v2 38), no target in tainted SPBs at or below "
	  "the reserve (v2 39)"),
	P("compact_max_pb_per_sec", PARAM_U32, compact_max_per_sec, 0, 0, 1u << 30, "pageblocks/s",
	  "compaction throttle (cover letter TODO): source pageblocks compaction may take per simulated second; 0 = off"),
	FRAG_PARAM("defrag_poll", PARAM_DURATION, struct spb_opts, defrag_poll, 1, 0, 3600, "s",
		   "idle worker period: rescans the triggers and refreshes the spb_reserve_pages gauge; 0 = run only "
		   "when woken by the allocator"),
	P("adopt_partial", PARAM_BOOL, adopt, 1, 0, 1, "",
	  "non-movable fallback first adopts (relabels) the partially free MOVABLE pageblock of a tainted SPB with the "
	  "most free pages, before whole free pageblocks or a clean-SPB taint; also under NOFRAGMENT (v2 21)"),
	P("adopt_min_free", PARAM_U32, adopt_min_free, 32, 1, 511, "pages",
	  "a pageblock is adopted only with at least N free pages"),
	P("adopt_scan", PARAM_U32, adopt_scan, 16, 1, 4096, "entries",
	  "free-list entries looked at per (tainted SPB, order) for adoption and borrowing"),
	P("borrow", PARAM_BOOL, borrow, 1, 0, 1, "",
	  "small non-movable requests borrow a free MOVABLE buddy inside a tainted SPB without relabelling its "
	  "pageblock, after claims and before a clean-SPB taint; also under NOFRAGMENT (v2 27, v1 42 Pass 2d)"),
	P("borrow_max_order", PARAM_U32, borrow_max_order, 3, 0, 9, "order", "largest order that may borrow"),
	P("borrow_max_pages", PARAM_U32, borrow_max_pages, 64, 1, 512, "pages",
	  "a MOVABLE pageblock lends only while it holds at most N non-movable pages (the borrowed ones included)"),
	P("defrag_phase1", PARAM_BOOL, defrag_phase1, 1, 0, 1, "",
	  "defrag worker phase 1: movable pages out of the SPB's UNMOVABLE/RECLAIMABLE pageblocks (fewest first) "
	  "before phase 2 empties whole MOVABLE pageblocks (v1 24 targeted evacuation, v2 23); off = phase 2 only"),
	P("thp_compact_clean", PARAM_BOOL, thp_compact_clean, 1, 0, 1, "",
	  "direct compaction for movable requests of order >= pageblock_order (THP) takes no source and no target in "
	  "tainted SPBs (v2 17)"),
	P("compact_drain_max", PARAM_U32, compact_drain_max, 0, 0, 1u << 30, "drains",
	  "drain throttle (cover letter TODO): after N CPU PCP drains by compaction (compact_drain) in one window, "
	  "compaction gets no source until the window ends; 0 = off"),
	FRAG_PARAM("compact_drain_window", PARAM_DURATION, struct spb_opts, compact_drain_window, 1, 0.001, 3600, "s",
		   "the drain throttle's window"),
	P("slab_shrink", PARAM_BOOL, slab_shrink, 0, 0, 1, "",
	  "the worker runs shrink_slab() on the node when a tainted SPB has fewer free pages than its reserve x "
	  "pageblock_nr_pages (v1 32; single flight: once per worker run); off until measured"),
	FRAG_PARAM_END,
};

static int spb_init(struct frag_mem *mem, void *priv, const void *opts)
{
	struct spb_priv *p = priv;
	p->o = *(const struct spb_opts *)opts;
	return spb_common_init(mem, p, true);
}

static void spb_fini(struct frag_mem *mem, void *priv)
{
	spb_common_fini(mem, priv);
}

/* Caller classes from the gfp mask, as policy-private ALLOC_ bits. */
static unsigned spb_alloc_flags(struct frag_mem *mem, void *priv, const struct frag_zone *preferred, gfp_t gfp,
				unsigned order, unsigned alloc_flags, bool slowpath)
{
	(void)priv;
	(void)preferred;
	(void)slowpath;
	if (gfp_migratetype(gfp, mem->mobility_disabled) == MIGRATE_MOVABLE)
		return alloc_flags;
	if (order > 0 && (gfp & __GFP_NORETRY) && !(gfp & __GFP_RETRY_MAYFAIL))
		alloc_flags |= ALLOC_SPB_CHEAP;
	if (!(gfp & (__GFP_DIRECT_RECLAIM | __GFP_NOMEMALLOC | __GFP_NOFAIL)))
		alloc_flags |= ALLOC_SPB_ATOMIC;
	if (order > 0 && (gfp & __GFP_NOWARN) && !(gfp & (__GFP_NOFAIL | __GFP_DIRECT_RECLAIM)))
		alloc_flags |= ALLOC_SPB_BESTEFFORT;
	return alloc_flags;
}

/* find_suitable_fallback() without sub-pageblock UNMOVABLE<->RECLAIMABLE (v2 24). */
static int spb_find_suitable_fallback(const struct frag_mem *mem, void *priv, const struct frag_zone *z,
				      unsigned order, int mt, bool claimable)
{
	const struct spb_priv *p = priv;
	int fmt = find_suitable_fallback_linux(mem, z, order, mt, claimable);
	if (fmt < 0 || !p->o.no_mixing || mt == MIGRATE_MOVABLE || fmt == MIGRATE_MOVABLE || order >= PAGEBLOCK_ORDER)
		return fmt;
	/* The other non-movable type comes first in fallbacks[]: try MOVABLE. */
	return z->free_area[order].nr_free_mt[MIGRATE_MOVABLE] ? MIGRATE_MOVABLE : -1;
}

/*
 * v2 17 (second half, fragsim's reading): direct compaction for a movable
 * request of pageblock order or more (THP) works in clean SPBs: no source
 * and no target in a tainted SPB, so the huge page is built where movable
 * memory belongs and no movable page is pushed into a tainted SPB.
 */
static bool thp_compact_avoids(const struct spb_priv *p, const struct frag_spb *spb, const struct frag_compact_ctx *cc)
{
	return p->o.thp_compact_clean && cc->direct && !cc->alloc_contig && cc->order >= PAGEBLOCK_ORDER &&
	       cc->migratetype == MIGRATE_MOVABLE && spb->category == SPB_TAINTED;
}

/*
 * The drain throttle (fragsim's experimental answer to the cover letter's
 * TODO, "compaction never being throttled, and compaction blowing out
 * everybody's PCP"): once compaction drained compact_drain_max CPU PCP lists
 * (the core's compact_drain counter) within the current window of
 * compact_drain_window, compaction gets no source pageblock (is deferred)
 * until the window ends. alloc_contig_range() is not throttled.
 */
static bool drain_throttled(struct frag_mem *mem, struct spb_priv *p, const struct frag_compact_ctx *cc)
{
	if (!p->o.compact_drain_max || cc->alloc_contig)
		return false;
	uint64_t now = frag_now(mem), drains = mem->stat[FRAG_STAT_compact_drain];
	if (now - p->drain_window_start >= p->o.compact_drain_window || now < p->drain_window_start) {
		p->drain_window_start = now;
		p->drain_window_base = drains;
	}
	if (drains - p->drain_window_base < p->o.compact_drain_max)
		return false;
	frag_count(mem, FRAG_STAT_spb_compact_drain_deferred, 1);
	return true;
}

/* v2 38, v2 17 for THP, and the throttles. */
static bool spb_suitable_migration_source(const struct frag_mem *mem, void *priv, const struct frag_zone *z,
					  uint64_t pfn, const struct frag_compact_ctx *cc, bool linux_ok)
{
	struct spb_priv *p = priv;
	if (!linux_ok)
		return false;
	const struct frag_spb *spb = pfn_to_spb(z, pfn);
	if (p->o.compact_skip_tainted && spb->category == SPB_TAINTED && !spb->nr_alloc_pages[MIGRATE_MOVABLE])
		return false;
	if (thp_compact_avoids(p, spb, cc)) {
		frag_count((struct frag_mem *)mem, FRAG_STAT_spb_thp_compact_skipped, 1);
		return false;
	}
	if (drain_throttled((struct frag_mem *)mem, p, cc))
		return false;
	if (p->o.compact_max_per_sec) {
		uint64_t now = frag_now(mem);
		if (now - p->compact_window_start >= 1000000000ull) {
			p->compact_window_start = now;
			p->compact_in_window = 0;
		}
		if (p->compact_in_window >= p->o.compact_max_per_sec) {
			frag_count((struct frag_mem *)mem, FRAG_STAT_spb_compact_throttled, 1);
			return false;
		}
		p->compact_in_window++;
	}
	return true;
}

/* v2 39: compaction does not fill tainted SPBs' reserve with movable pages. */
static bool spb_suitable_migration_target(const struct frag_mem *mem, void *priv, const struct frag_zone *z,
					  uint64_t pfn, const struct frag_compact_ctx *cc, bool linux_ok)
{
	const struct spb_priv *p = priv;
	if (!linux_ok)
		return false;
	const struct frag_spb *spb = pfn_to_spb(z, pfn);
	if (thp_compact_avoids(p, spb, cc)) {
		frag_count((struct frag_mem *)mem, FRAG_STAT_spb_thp_compact_skipped, 1);
		return false;
	}
	return !(p->o.compact_skip_tainted && spb->category == SPB_TAINTED &&
		 spb->nr_pb_free <= spb_tainted_reserve(p, spb));
}

/*
 * Phase 1's pageblock (v1 24 "targeted evacuation", v2 23): an UNMOVABLE or
 * RECLAIMABLE pageblock of @spb that still holds movable, unpinned pages
 * (an adopted or claimed block), fewest of them first: moving them out
 * lets the non-movable type's free space there coalesce. FRAG_PFN_NONE if none.
 */
static uint64_t pick_phase1(const struct frag_zone *z, const struct frag_spb *spb)
{
	uint64_t best = FRAG_PFN_NONE;
	unsigned best_n = ~0u;
	for (uint64_t q = spb->start_pfn; q < spb->start_pfn + spb->nr_pages; q += PAGEBLOCK_NR_PAGES) {
		const struct frag_pageblock *pb = pfn_to_pb(z, q);
		unsigned n = pb->nr_lru - pb->nr_pinned;
		if ((pb->mt != MIGRATE_UNMOVABLE && pb->mt != MIGRATE_RECLAIMABLE) ||
		    (pb->flags & (PB_PARTIAL | PB_MIGRATE_ISOLATE)) || pb->nr_lru <= pb->nr_pinned)
			continue;
		if (n < best_n) {
			best_n = n;
			best = q & ~(uint64_t)(PAGEBLOCK_NR_PAGES - 1);
		}
	}
	return best;
}

/* The movable pageblock of @spb cheapest to empty: MOVABLE-labelled, only
 * movable, unpinned allocations, fewest of them. FRAG_PFN_NONE if none. */
static uint64_t pick_evacuee(const struct frag_zone *z, const struct frag_spb *spb)
{
	uint64_t best = FRAG_PFN_NONE;
	unsigned best_n = ~0u;
	for (uint64_t q = spb->start_pfn; q < spb->start_pfn + spb->nr_pages; q += PAGEBLOCK_NR_PAGES) {
		const struct frag_pageblock *pb = pfn_to_pb(z, q);
		unsigned alloc = pb->nr_alloc[0] + pb->nr_alloc[1] + pb->nr_alloc[2];
		if (pb->mt != MIGRATE_MOVABLE || (pb->flags & (PB_PARTIAL | PB_MIGRATE_ISOLATE)) || !pb->nr_lru ||
		    pb->nr_pinned || pb->nr_lru != alloc)
			continue;
		if (pb->nr_lru < best_n) {
			best_n = pb->nr_lru;
			best = q & ~(uint64_t)(PAGEBLOCK_NR_PAGES - 1);
		}
	}
	return best;
}

/*
 * One evacuation step of the worker for @spb: phase 1 (defrag_phase1) while
 * a non-movable pageblock holds movable pages, then phase 2, the MOVABLE
 * pageblock with the fewest used pages. Returns false when there is nothing
 * (more) to evacuate or nothing could move (no target, all pinned).
 */
static bool defrag_step(struct frag_mem *mem, struct spb_priv *p, struct frag_zone *z, struct frag_spb *spb)
{
	bool failed = false;
	uint64_t pb, moved;

	if (p->o.defrag_phase1) {
		pb = pick_phase1(z, spb);
		if (pb != FRAG_PFN_NONE) {
			moved = spb_evacuate_pageblock(mem, z, pb, false, &failed);
			frag_count(mem, FRAG_STAT_spb_evacuations, 1);
			frag_count(mem, FRAG_STAT_spb_evacuated_pages, moved);
			frag_count(mem, FRAG_STAT_spb_evac_phase1_pageblocks, 1);
			frag_count(mem, FRAG_STAT_spb_evac_phase1_pages, moved);
			if (moved)
				return true;
			/* Nothing of it could move: phase 2 in this step. */
		}
	}
	pb = pick_evacuee(z, spb);
	if (pb == FRAG_PFN_NONE)
		return false;
	failed = false;
	moved = spb_evacuate_pageblock(mem, z, pb, false, &failed);
	frag_count(mem, FRAG_STAT_spb_evacuations, 1);
	frag_count(mem, FRAG_STAT_spb_evacuated_pages, moved);
	frag_count(mem, FRAG_STAT_spb_evac_phase2_pageblocks, 1);
	if (pfn_to_pb(z, pb)->nr_free == PAGEBLOCK_NR_PAGES)
		frag_count(mem, FRAG_STAT_spb_evac_phase2_freed, 1);
	return !(failed && !moved);
}

/*
 * The per-SPB defrag worker (v2 15 spb_defrag_work) with the two phases of
 * v1 24's targeted evacuation: for each SPB of node @nid marked active or
 * now past the trigger, evacuate until the stop test holds, up to
 * defrag_batch pageblocks per run: phase 1 first (movable pages out of the
 * non-movable pageblocks), phase 2 only when phase 1 has no candidate left
 * (whole MOVABLE pageblocks, fewest used first, freed back to the SPB).
 */
static uint64_t spb_daemon(struct frag_mem *mem, void *priv, unsigned nid, uint64_t now_ns)
{
	struct spb_priv *p = priv;
	unsigned budget = p->o.defrag_batch;
	bool more = false, worked = false, pressure = false;
	uint64_t reserve_pages = 0;
	(void)now_ns;

	for (unsigned zi = 0; zi < mem->nr_zones; zi++) {
		struct frag_zone *z = &mem->zones[zi];
		if (z->nid != nid || !z->spb_lists)
			continue;
		for (uint32_t si = 0; si < z->nr_spbs; si++) {
			struct frag_spb *spb = &z->spb[si];
			uint8_t *act = &p->defrag_active[spb - mem->spbs];
			if (!p->o.defrag) {
				*act = 0;
				continue;
			}
			if (!*act && spb_needs_defrag(p, spb))
				*act = 1;
			while (*act && budget) {
				if (spb_defrag_done(p, spb)) {
					*act = 0;
					break;
				}
				uint64_t evac_before = mem->stat[FRAG_STAT_spb_evacuations];
				bool ok = defrag_step(mem, p, z, spb);
				if (mem->stat[FRAG_STAT_spb_evacuations] != evac_before) {
					budget--;
					worked = true;
				}
				if (!ok) {
					*act = 0;   /* nothing to evacuate, no clean target or all pinned: until the next trigger */
					break;
				}
			}
			if (*act)
				more = true;
		}
		for (uint32_t si = 0; si < z->nr_spbs; si++) {
			const struct frag_spb *spb = &z->spb[si];
			if (spb->category != SPB_TAINTED)
				continue;
			unsigned r = spb_tainted_reserve(p, spb);
			reserve_pages += (uint64_t)(spb->nr_pb_free < r ? spb->nr_pb_free : r) * PAGEBLOCK_NR_PAGES;
			if (spb->nr_free_pages < (uint64_t)r * PAGEBLOCK_NR_PAGES)
				pressure = true;
		}
	}
	mem->stat[FRAG_STAT_spb_reserve_pages] = reserve_pages;
	/* queue_spb_slab_shrink() (v1 32): reclaimable slab out of tainted SPBs under pressure. */
	if (p->o.slab_shrink && pressure) {
		frag_count(mem, FRAG_STAT_spb_slab_shrinks, 1);
		shrink_slab(mem, GFP_KERNEL, nid, DEF_PRIORITY);
	}
	if (worked)
		frag_count(mem, FRAG_STAT_spb_defrag_runs, 1);
	if (more)
		return p->o.defrag_interval ? p->o.defrag_interval : 1;
	return p->o.defrag ? p->o.defrag_poll : 0;
}

const struct frag_policy_ops frag_policy_spb = {
	.abi_version = FRAG_POLICY_ABI,
	.name = "spb",
	.summary = "the full SPB RFC: steering, tainted-SPB reserve, defrag worker, refusals of cheap/atomic/"
		   "best-effort taints, no U/R mixing, SPB-aware compaction and 1 GiB allocation",
	.params = spb_params,
	.opts_size = sizeof(struct spb_opts),
	.priv_size = sizeof(struct spb_priv),
	.init = spb_init,
	.fini = spb_fini,
	.clone = spb_common_clone,
	.alloc_flags = spb_alloc_flags,
	.rmqueue = spb_rmqueue,
	.find_suitable_fallback = spb_find_suitable_fallback,
	.suitable_migration_source = spb_suitable_migration_source,
	.suitable_migration_target = spb_suitable_migration_target,
	.alloc_contig = spb_alloc_contig,
	.daemon = spb_daemon,
	.daemon_name = "spb_defrag",
};
