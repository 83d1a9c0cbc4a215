/* SPDX-License-Identifier: MIT */
/*
 * spb_steer.c - `spb-steer`: superpageblock steering only, and the steering
 * core shared with `spb` (spb.c). From the SPB RFC (Rik van Riel, v2
 * 2026-05-20, "[RFC PATCH 00/40] mm: reliable 1GB page allocation"):
 *
 *  - per-SPB free lists (v2 14/40): frag_zone_set_spb_lists() in init();
 *  - movable requests from the fullest clean SPB (v2 12/40,
 *    sb_preferred_for_movable(): clean lists walked from SB_FULL toward
 *    SB_ALMOST_EMPTY), then empty SPBs, then tainted ones (v2 20/40 passes);
 *  - non-movable requests: own-type free blocks first, then claim (largest
 *    first) and steal (smallest first) of fallback blocks inside already
 *    tainted SPBs, looking at up to SPB_SCAN_LIMIT = 8 candidate SPBs per
 *    (order, type) (v2 11/40, __rmqueue_claim steering), and only then the
 *    Linux claim/steal that taints a clean SPB;
 *  - 1 GiB requests (alloc_contig hook) take an entirely free SPB directly
 *    (v2 17/40 sb_try_alloc_contig: "1GB allocations start with the
 *    emptiest clean 1GB block"); otherwise Linux's alloc_contig_pages().
 *
 * See docs/policies/spb-steer.md for each rule, its patch and the choices
 * made where the RFC text was not found.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "spb_common.h"

const char *const spb_contig_names[] = { "linux", "evacuate", "fail", NULL };

/* spb-steer exposes the steering rows only (struct spb_opts; init() keeps
 * the other rules off whatever the rest of the opts holds). */
static const struct frag_param spb_steer_params[] = {
	SPB_STEER_PARAMS(SPB_CONTIG_LINUX),
	FRAG_PARAM_END,
};

/* mm/page_alloc.c fallbacks[] */
static const int spb_fallbacks[MIGRATE_PCPTYPES][MIGRATE_PCPTYPES - 1] = {
	[MIGRATE_UNMOVABLE] = { MIGRATE_RECLAIMABLE, MIGRATE_MOVABLE },
	[MIGRATE_MOVABLE] = { MIGRATE_RECLAIMABLE, MIGRATE_UNMOVABLE },
	[MIGRATE_RECLAIMABLE] = { MIGRATE_UNMOVABLE, MIGRATE_MOVABLE },
};

/* ---------------------------------------------------------------------- */
/* Reserve and defrag thresholds (spb; zero/off for spb-steer)            */
/* ---------------------------------------------------------------------- */

/* spb_tainted_reserve(sb) (v1 24, v2 37): max(min, total / div) free pageblocks. */
unsigned spb_tainted_reserve(const struct spb_priv *p, const struct frag_spb *spb)
{
	if (!p->o.reserve_div)
		return 0;
	unsigned r = spb->total_pageblocks / p->o.reserve_div;
	return r > p->o.reserve_min ? r : p->o.reserve_min;
}

/* spb_needs_defrag() (v2 15): a tainted SPB with <= start_pb free pageblocks
 * or < start_pages pageblocks' worth of free pages, and movable pages to move. */
bool spb_needs_defrag(const struct spb_priv *p, const struct frag_spb *spb)
{
	if (spb->category != SPB_TAINTED || !spb->nr_alloc_pages[MIGRATE_MOVABLE])
		return false;
	return spb->nr_pb_free <= p->o.defrag_start_pb ||
	       spb->nr_free_pages < (uint64_t)p->o.defrag_start_pages * PAGEBLOCK_NR_PAGES;
}

/* The stop test: >= stop_pb free pageblocks or >= stop_pages pageblocks'
 * worth of free pages, or nothing movable left. */
bool spb_defrag_done(const struct spb_priv *p, const struct frag_spb *spb)
{
	return spb->category != SPB_TAINTED || !spb->nr_alloc_pages[MIGRATE_MOVABLE] ||
	       spb->nr_pb_free >= p->o.defrag_stop_pb ||
	       spb->nr_free_pages >= (uint64_t)p->o.defrag_stop_pages * PAGEBLOCK_NR_PAGES;
}

/* ---------------------------------------------------------------------- */
/* Movable steering                                                       */
/* ---------------------------------------------------------------------- */

/*
 * The first block of (@order, @mt) in an SPB of category @cat, walking the
 * fullness buckets from SB_FULL toward SB_ALMOST_EMPTY (list order inside a
 * bucket). With @p, tainted SPBs at or below their reserve are skipped.
 */
static uint32_t rmqueue_from_cat(struct frag_zone *z, unsigned cat, unsigned order, int mt, const struct spb_priv *p,
				 const struct frag_spb *avoid)
{
	for (unsigned f = SB_FULL; f < NR_SPB_FULLNESS; f++)
		for (uint32_t i = z->spb_list[cat][f]; i != IDX_NONE; i = z->spb[i].list_next) {
			struct frag_spb *spb = &z->spb[i];
			if (spb == avoid || spb->nr_free_pages < (1u << order))
				continue;
			if (p && spb->nr_pb_free <= spb_tainted_reserve(p, spb))
				continue;
			uint32_t idx = __rmqueue_smallest_spb(z, spb, order, mt);
			if (idx != IDX_NONE)
				return idx;
		}
	return IDX_NONE;
}

uint32_t spb_take_movable_clean(struct frag_zone *z, unsigned order, const struct frag_spb *avoid)
{
	uint32_t idx = rmqueue_from_cat(z, SPB_CLEAN, order, MIGRATE_MOVABLE, NULL, avoid);
	if (idx == IDX_NONE)
		idx = rmqueue_from_cat(z, SPB_EMPTY, order, MIGRATE_MOVABLE, NULL, avoid);
	return idx;
}

/* sb_preferred_for_movable() + the v2 20 passes for a movable request. */
static uint32_t rmqueue_movable(struct spb_priv *p, struct frag_zone *z, unsigned order)
{
	uint32_t idx = rmqueue_from_cat(z, SPB_CLEAN, order, MIGRATE_MOVABLE, NULL, NULL);
	if (idx != IDX_NONE)
		return idx;
	if (p->o.movable_tainted_first) {
		idx = rmqueue_from_cat(z, SPB_TAINTED, order, MIGRATE_MOVABLE, p, NULL);
		if (idx == IDX_NONE)
			idx = rmqueue_from_cat(z, SPB_EMPTY, order, MIGRATE_MOVABLE, NULL, NULL);
	} else {
		idx = rmqueue_from_cat(z, SPB_EMPTY, order, MIGRATE_MOVABLE, NULL, NULL);
		if (idx == IDX_NONE)
			idx = rmqueue_from_cat(z, SPB_TAINTED, order, MIGRATE_MOVABLE, p, NULL);
	}
	return idx;
}

/* ---------------------------------------------------------------------- */
/* Non-movable steering                                                   */
/* ---------------------------------------------------------------------- */

/* May a non-movable request of @mt use a fallback block of @fmt at @co?
 * With no_mixing (v2 24) UNMOVABLE and RECLAIMABLE only take whole free
 * pageblocks from each other. */
static bool fallback_ok(const struct spb_priv *p, int mt, int fmt, unsigned co)
{
	if (!p->o.no_mixing || fmt == MIGRATE_MOVABLE || mt == MIGRATE_MOVABLE)
		return true;
	return co >= PAGEBLOCK_ORDER;
}

/*
 * The v2 11 bounded scan: the SPBs holding a free block of (@co, @fmt), in
 * SPB order, looking at up to scan_limit of them for a tainted one.
 * Returns the SPB index or IDX_NONE.
 */
static uint32_t find_tainted_candidate(const struct spb_priv *p, const struct frag_zone *z, unsigned co, int fmt)
{
	unsigned seen = 0;
	for (uint32_t si = spb_find_free(z, co, fmt, 0); si != IDX_NONE; si = spb_find_free(z, co, fmt, si + 1)) {
		if (z->spb[si].category == SPB_TAINTED)
			return si;
		if (p->o.scan_limit && ++seen >= p->o.scan_limit)
			break;
	}
	return IDX_NONE;
}

/*
 * try_to_claim_block() for a block known to lie in @spb: whole blocks
 * (order >= pageblock_order) are relabelled; smaller ones claim the
 * pageblock if free + alike >= half of it (or always inside a tainted SPB
 * with claim_any_in_tainted, v1 25). The allocation then comes from the
 * SPB's own lists of @start_mt.
 */
static uint32_t claim_in_spb(struct frag_mem *mem, struct spb_priv *p, struct frag_zone *z, struct frag_spb *spb,
			     uint32_t idx, unsigned co, unsigned order, int start_mt, int fmt, unsigned alloc_flags)
{
	uint64_t pfn = idx_to_pfn(z, idx);

	if (co >= PAGEBLOCK_ORDER) {
		for (uint64_t q = pfn; q < pfn + (1ull << co); q += PAGEBLOCK_NR_PAGES)
			set_pageblock_migratetype(z, q, start_mt);   /* change_pageblock_range() */
		move_to_free_list(z, idx, co, fmt, start_mt);
		page_del_and_expand(z, idx, order, co, start_mt);
		trace_extfrag(mem, z, idx, order, co, start_mt, fmt);
		return idx;
	}
	if (boost_watermark(mem, z) && (alloc_flags & ALLOC_KSWAPD))
		z->flags |= ZONE_BOOSTED_WATERMARK;
	const struct frag_pageblock *pb = pfn_to_pb(z, pfn);
	if (pb->flags & PB_PARTIAL)
		return IDX_NONE;
	unsigned free_pages = pb->nr_free, movable_pages = pb->nr_lru, alike;
	if (start_mt == MIGRATE_MOVABLE)
		alike = movable_pages;
	else if (fmt == MIGRATE_MOVABLE)
		alike = PAGEBLOCK_NR_PAGES - (free_pages + movable_pages);
	else
		alike = 0;
	bool claim = free_pages + alike >= (1u << (PAGEBLOCK_ORDER - 1)) || mem->mobility_disabled ||
		     (p->o.claim_any_in_tainted && spb->category == SPB_TAINTED);
	if (!claim) {
		frag_count(mem, FRAG_STAT_claim_block_fail, 1);
		return IDX_NONE;
	}
	move_freepages_block(z, pfn, fmt, start_mt);
	set_pageblock_migratetype(z, pfn, start_mt);
	idx = __rmqueue_smallest_spb(z, spb, order, start_mt);
	if (idx != IDX_NONE)
		trace_extfrag(mem, z, idx, order, co, start_mt, fmt);
	return idx;
}

/* A MOVABLE pageblock (entirely in the zone, not isolated) at @pfn, or NULL. */
static const struct frag_pageblock *movable_pb(const struct frag_zone *z, uint64_t pfn)
{
	const struct frag_pageblock *pb = pfn_to_pb(z, pfn);
	if (pb->mt != MIGRATE_MOVABLE || (pb->flags & (PB_PARTIAL | PB_MIGRATE_ISOLATE)))
		return NULL;
	return pb;
}

/*
 * Pass 2a (v2 21, "adopt partial pageblocks from tainted superpageblocks";
 * its text was not found, this is fragsim's reading): before taking a whole
 * free pageblock of a tainted SPB, or tainting a clean one, a non-movable
 * request adopts a partially free MOVABLE pageblock inside a tainted SPB:
 * the pageblock is relabelled to @mt with its free pages (as
 * try_to_claim_block() does, without the 50 % test) and the request is
 * served from it. Candidates: the MOVABLE free blocks of order @order ..
 * pageblock_order - 1 in tainted SPBs (the bounded SPB scan of pass 2), up
 * to adopt_scan list entries per (SPB, order); among the pageblocks with
 * at least adopt_min_free free pages, the one with the most free pages
 * (fewest movable pages mixed into the adopted block) wins. Applies under
 * ALLOC_NOFRAGMENT: the adopted pageblock lies in an SPB that is already tainted.
 */
static uint32_t rmqueue_adopt(struct frag_mem *mem, struct spb_priv *p, struct frag_zone *z, unsigned order, int mt)
{
	uint64_t best_pfn = FRAG_PFN_NONE;
	struct frag_spb *best_spb = NULL;
	unsigned best_free = 0, best_co = 0;

	for (unsigned co = order; co < PAGEBLOCK_ORDER; co++) {
		unsigned seen = 0;
		if (!z->free_area[co].nr_free_mt[MIGRATE_MOVABLE])
			continue;
		for (uint32_t si = spb_find_free(z, co, MIGRATE_MOVABLE, 0); si != IDX_NONE;
		     si = spb_find_free(z, co, MIGRATE_MOVABLE, si + 1)) {
			struct frag_spb *spb = &z->spb[si];
			if (spb->category != SPB_TAINTED) {
				if (p->o.scan_limit && ++seen >= p->o.scan_limit)
					break;
				continue;
			}
			unsigned n = 0;
			for (uint32_t i = spb->free_list[co][MIGRATE_MOVABLE].head; i != IDX_NONE && n < p->o.adopt_scan;
			     i = z->pages[i].next, n++) {
				uint64_t pfn = idx_to_pfn(z, i);
				const struct frag_pageblock *pb = movable_pb(z, pfn);
				if (!pb || pb->nr_free >= PAGEBLOCK_NR_PAGES || pb->nr_free < p->o.adopt_min_free ||
				    pb->nr_free <= best_free)
					continue;
				best_free = pb->nr_free;
				best_pfn = pfn & ~(uint64_t)(PAGEBLOCK_NR_PAGES - 1);
				best_spb = spb;
				best_co = co;
			}
			if (p->o.scan_limit && ++seen >= p->o.scan_limit)
				break;
		}
	}
	if (best_pfn == FRAG_PFN_NONE)
		return IDX_NONE;
	move_freepages_block(z, best_pfn, MIGRATE_MOVABLE, mt);
	set_pageblock_migratetype(z, best_pfn, mt);
	uint32_t idx = __rmqueue_smallest_spb(z, best_spb, order, mt);
	FRAG_BUG_ON(idx == IDX_NONE);
	trace_extfrag(mem, z, idx, order, best_co, mt, MIGRATE_MOVABLE);
	frag_count(mem, FRAG_STAT_spb_adopted, 1);
	return idx;
}

/*
 * Pass 2c (v2 27 "cross-migratetype buddy borrow within tainted SPBs", v1 42
 * Pass 2d): a small non-movable request (order <= borrow_max_order) takes a
 * free MOVABLE buddy of a sub-pageblock order inside a tainted SPB without
 * relabelling its pageblock (the pages return to MOVABLE when freed), smallest
 * first. Bounded: the pageblock may hold at most borrow_max_pages
 * non-movable pages afterwards. Applies under ALLOC_NOFRAGMENT.
 */
static uint32_t rmqueue_borrow(struct frag_mem *mem, struct spb_priv *p, struct frag_zone *z, unsigned order, int mt)
{
	for (unsigned co = order; co < PAGEBLOCK_ORDER; co++) {
		unsigned seen = 0;
		if (!z->free_area[co].nr_free_mt[MIGRATE_MOVABLE])
			continue;
		for (uint32_t si = spb_find_free(z, co, MIGRATE_MOVABLE, 0); si != IDX_NONE;
		     si = spb_find_free(z, co, MIGRATE_MOVABLE, si + 1)) {
			struct frag_spb *spb = &z->spb[si];
			if (spb->category == SPB_TAINTED) {
				unsigned n = 0;
				for (uint32_t i = spb->free_list[co][MIGRATE_MOVABLE].head;
				     i != IDX_NONE && n < p->o.adopt_scan; i = z->pages[i].next, n++) {
					const struct frag_pageblock *pb = movable_pb(z, idx_to_pfn(z, i));
					if (!pb || pb->nr_alloc[MIGRATE_UNMOVABLE] + pb->nr_alloc[MIGRATE_RECLAIMABLE] +
							   (1u << order) > p->o.borrow_max_pages)
						continue;
					page_del_and_expand(z, i, order, co, MIGRATE_MOVABLE);
					trace_extfrag(mem, z, i, order, co, mt, MIGRATE_MOVABLE);
					frag_count(mem, FRAG_STAT_spb_borrowed, 1);
					return i;
				}
			}
			if (p->o.scan_limit && ++seen >= p->o.scan_limit)
				break;
		}
	}
	return IDX_NONE;
}

/* Pass 2 (v2 11, 19, 21, 27): adopt, claim, borrow, then steal, fallback blocks inside tainted SPBs. */
static uint32_t rmqueue_tainted_fallback(struct frag_mem *mem, struct spb_priv *p, struct frag_zone *z,
					 unsigned order, int mt, unsigned alloc_flags)
{
	bool aggressive = p->o.aggressive_spbs && z->nr_spbs > p->o.aggressive_spbs;
	bool nofrag = (alloc_flags & ALLOC_NOFRAGMENT) && !aggressive;
	int min_order = nofrag && order < PAGEBLOCK_ORDER ? PAGEBLOCK_ORDER : (int)order;

	if (p->o.adopt && order < PAGEBLOCK_ORDER) {
		uint32_t idx = rmqueue_adopt(mem, p, z, order, mt);
		if (idx != IDX_NONE)
			return idx;
	}

	for (int co = MAX_PAGE_ORDER; co >= min_order; co--)
		for (int i = 0; i < MIGRATE_PCPTYPES - 1; i++) {
			int fmt = spb_fallbacks[mt][i];
			if (!z->free_area[co].nr_free_mt[fmt] || !fallback_ok(p, mt, fmt, (unsigned)co))
				continue;
			uint32_t si = find_tainted_candidate(p, z, (unsigned)co, fmt);
			if (si == IDX_NONE)
				continue;
			struct frag_spb *spb = &z->spb[si];
			uint32_t idx = claim_in_spb(mem, p, z, spb, spb->free_list[co][fmt].head, (unsigned)co, order, mt,
						    fmt, alloc_flags);
			if (idx != IDX_NONE)
				return idx;
		}
	if (p->o.borrow && order <= p->o.borrow_max_order) {
		uint32_t idx = rmqueue_borrow(mem, p, z, order, mt);
		if (idx != IDX_NONE)
			return idx;
	}
	if (nofrag)
		return IDX_NONE;
	/* __rmqueue_steal() inside tainted SPBs: smallest first, no relabel. */
	for (unsigned co = order; co < NR_PAGE_ORDERS; co++)
		for (int i = 0; i < MIGRATE_PCPTYPES - 1; i++) {
			int fmt = spb_fallbacks[mt][i];
			if (!z->free_area[co].nr_free_mt[fmt] || !fallback_ok(p, mt, fmt, co))
				continue;
			uint32_t si = find_tainted_candidate(p, z, co, fmt);
			if (si == IDX_NONE)
				continue;
			uint32_t idx = z->spb[si].free_list[co][fmt].head;
			page_del_and_expand(z, idx, order, co, fmt);
			trace_extfrag(mem, z, idx, order, co, mt, fmt);
			return idx;
		}
	return IDX_NONE;
}

/* v2 35: could a tainted SPB serve this caller's smaller retry? */
static bool lower_order_servable(const struct frag_zone *z, unsigned order, int mt)
{
	for (unsigned f = 0; f < NR_SPB_FULLNESS; f++)
		for (uint32_t i = z->spb_list[SPB_TAINTED][f]; i != IDX_NONE; i = z->spb[i].list_next)
			for (unsigned o = 0; o < order; o++)
				if (z->spb[i].nr_free[o][mt])
					return true;
	return false;
}

/* v2 18/25: is there a tainted SPB whose movable memory a deferred
 * evacuation could move out? Marks and wakes the worker for them. */
static bool evacuation_pending(struct frag_mem *mem, struct spb_priv *p, struct frag_zone *z)
{
	bool any = false;
	if (!p->o.defrag)
		return false;
	for (unsigned f = 0; f < NR_SPB_FULLNESS; f++)
		for (uint32_t i = z->spb_list[SPB_TAINTED][f]; i != IDX_NONE; i = z->spb[i].list_next) {
			struct frag_spb *spb = &z->spb[i];
			if (!spb->nr_alloc_pages[MIGRATE_MOVABLE] || spb_defrag_done(p, spb))
				continue;
			p->defrag_active[spb - mem->spbs] = 1;
			any = true;
		}
	if (any)
		frag_policy_wake_daemon(mem, z->nid);
	return any;
}

/*
 * The refusals of the full series, tried just before a non-movable request
 * would taint a clean SPB. True: fail this attempt (the caller falls back
 * to its cheap path, reclaims, or retries).
 */
static bool refuse_taint(struct frag_mem *mem, struct spb_priv *p, struct frag_zone *z, unsigned order, int mt,
			 unsigned alloc_flags)
{
	if (!p->full)
		return false;
	if (p->o.refuse_cheap && (alloc_flags & ALLOC_SPB_CHEAP)) {
		frag_count(mem, FRAG_STAT_spb_refused_kvmalloc, 1);
		return true;
	}
	if (p->o.refuse_highorder && (alloc_flags & ALLOC_SPB_BESTEFFORT) && lower_order_servable(z, order, mt)) {
		frag_count(mem, FRAG_STAT_spb_refused_highorder, 1);
		return true;
	}
	if (p->o.refuse_atomic && (alloc_flags & ALLOC_SPB_ATOMIC) && evacuation_pending(mem, p, z)) {
		frag_count(mem, FRAG_STAT_spb_refused_atomic, 1);
		return true;
	}
	return false;
}

/* After a non-movable allocation landed in a tainted SPB: start its
 * evacuation when it crossed the trigger (sb_update_list() -> spb_maybe_start_defrag()). */
static void maybe_start_defrag(struct frag_mem *mem, struct spb_priv *p, struct frag_zone *z, uint32_t idx)
{
	if (!p->o.defrag || idx == IDX_NONE)
		return;
	struct frag_spb *spb = pfn_to_spb(z, idx_to_pfn(z, idx));
	uint8_t *act = &p->defrag_active[spb - mem->spbs];
	if (*act || !spb_needs_defrag(p, spb))
		return;
	*act = 1;
	frag_policy_wake_daemon(mem, z->nid);
}

/**
 * spb_rmqueue() - the rmqueue hook of both policies (__rmqueue_smallest()
 * with the v2 20 passes).
 */
uint32_t spb_rmqueue(struct frag_mem *mem, void *priv, struct frag_zone *z, unsigned order, int mt,
		     unsigned alloc_flags, enum rmqueue_mode *mode)
{
	struct spb_priv *p = priv;
	uint32_t idx;
	enum rmqueue_mode claim_mode = RMQUEUE_CLAIM;

	if (!z->spb_lists || mt >= MIGRATE_PCPTYPES)
		return frag_rmqueue_linux(mem, z, order, mt, alloc_flags, mode);

	if (mt == MIGRATE_MOVABLE) {
		if (!p->o.steer_movable)
			return frag_rmqueue_linux(mem, z, order, mt, alloc_flags, mode);
		idx = rmqueue_movable(p, z, order);
		if (idx != IDX_NONE) {
			maybe_start_defrag(mem, p, z, idx);
			return idx;
		}
		/* Pass 4: Linux's claim/steal from the other types' lists. */
		idx = frag_rmqueue_linux(mem, z, order, mt, alloc_flags, &claim_mode);
		maybe_start_defrag(mem, p, z, idx);
		return idx;
	}

	/* Pass 1: own-type free blocks (they sit in tainted SPBs). */
	idx = __rmqueue_smallest(z, order, mt);
	if (idx == IDX_NONE && p->o.steer_unmovable) {
		/* Pass 2: claim or steal inside tainted SPBs. */
		idx = rmqueue_tainted_fallback(mem, p, z, order, mt, alloc_flags);
		if (idx != IDX_NONE)
			frag_count(mem, FRAG_STAT_spb_steer_tainted, 1);
	}
	if (idx == IDX_NONE) {
		/* Pass 3: the refusals of the full series. */
		if (refuse_taint(mem, p, z, order, mt, alloc_flags))
			return IDX_NONE;
		/* Pass 4: Linux's claim/steal, tainting a clean SPB if it must. */
		unsigned tainted_before = z->nr_spb_cat[SPB_TAINTED];
		idx = frag_rmqueue_linux(mem, z, order, mt, alloc_flags, &claim_mode);
		if (z->nr_spb_cat[SPB_TAINTED] > tainted_before)
			frag_count(mem, FRAG_STAT_spb_taint_clean, 1);
	}
	maybe_start_defrag(mem, p, z, idx);
	return idx;
}

/* ---------------------------------------------------------------------- */
/* Evacuation (shared by the defrag worker and the 1 GiB path)            */
/* ---------------------------------------------------------------------- */

struct evac_target {
	struct frag_zone *z;
	const struct frag_spb *avoid;   /* the SPB being emptied */
	bool clean_only;                /* targets only in clean SPBs (not empty ones) */
};

static uint64_t evac_alloc(struct frag_mem *mem, void *arg, uint64_t src_pfn, unsigned order)
{
	struct evac_target *t = arg;
	(void)mem;
	(void)src_pfn;
	uint32_t idx = rmqueue_from_cat(t->z, SPB_CLEAN, order, MIGRATE_MOVABLE, NULL, t->avoid);
	if (idx == IDX_NONE && !t->clean_only)
		idx = rmqueue_from_cat(t->z, SPB_EMPTY, order, MIGRATE_MOVABLE, NULL, t->avoid);
	return idx == IDX_NONE ? FRAG_PFN_NONE : idx_to_pfn(t->z, idx);
}

static void evac_free(struct frag_mem *mem, void *arg, uint64_t pfn, unsigned order)
{
	struct evac_target *t = arg;
	__free_one_page(mem, t->z, pfn, order, get_pageblock_migratetype(t->z, pfn), FPI_NONE);
}

static const struct migrate_target_ops evac_ops = { .alloc = evac_alloc, .free = evac_free };

/*
 * evacuate_pageblock() (v2 15): migrate every movable block of the pageblock
 * at @pb_pfn to clean SPBs. Returns the pages moved; *@failed is set when a
 * block could not move.
 */
uint64_t spb_evacuate_pageblock(struct frag_mem *mem, struct frag_zone *z, uint64_t pb_pfn, bool clean_only,
				bool *failed)
{
	struct evac_target t = { .z = z, .avoid = pfn_to_spb(z, pb_pfn), .clean_only = clean_only };
	uint64_t moved = 0;
	for (uint64_t q = pb_pfn; q < pb_pfn + PAGEBLOCK_NR_PAGES;) {
		const struct frag_page *pg = &z->pages[pfn_to_idx(z, q)];
		if (pg->state == PG_ALLOC) {
			unsigned o = pg->order;
			if (migrate_block_movable(pg, 0)) {
				if (migrate_block(mem, q, &evac_ops, &t, MIGRATE_ASYNC, 0) == 0)
					moved += 1ull << o;
				else
					*failed = true;
			}
			q += 1ull << (o < PAGEBLOCK_ORDER ? o : PAGEBLOCK_ORDER);
		} else if (pg->state == PG_BUDDY) {
			q += 1ull << (pg->order < PAGEBLOCK_ORDER ? pg->order : PAGEBLOCK_ORDER);
		} else {
			q++;
		}
	}
	return moved;
}

/* ---------------------------------------------------------------------- */
/* 1 GiB allocations                                                      */
/* ---------------------------------------------------------------------- */

static uint64_t take_spb(struct frag_mem *mem, struct frag_zone *z, struct frag_spb *spb, unsigned order, gfp_t gfp,
			 const struct frag_owner *owner)
{
	uint64_t start = spb->start_pfn;
	frag_count(mem, FRAG_STAT_zone_lock, 1);
	for (uint64_t q = start; q < start + SPB_NR_PAGES; q += 1ull << MAX_PAGE_ORDER)
		FRAG_BUG_ON(take_free_block(z, q, MAX_PAGE_ORDER));
	prep_new_page(mem, z, start, order, gfp & ~GFP_MOVABLE_MASK, owner);
	return start;
}

/* The emptiest clean SPB that only holds movable, unpinned memory. */
static struct frag_spb *emptiest_clean(struct frag_zone *z)
{
	for (int f = NR_SPB_FULLNESS - 1; f >= 0; f--)
		for (uint32_t i = z->spb_list[SPB_CLEAN][f]; i != IDX_NONE; i = z->spb[i].list_next) {
			struct frag_spb *spb = &z->spb[i];
			if (spb->nr_pages == SPB_NR_PAGES && spb_is_content_clean(spb) && !spb->nr_pb_isolated)
				return spb;
		}
	return NULL;
}

/**
 * spb_alloc_contig() - alloc_contig hook (v2 17 sb_try_alloc_contig): an
 * entirely free SPB of the node is taken directly; else, per contig_mode,
 * Linux's window scan, evacuation of the emptiest clean SPB, or failure.
 */
uint64_t spb_alloc_contig(struct frag_mem *mem, void *priv, unsigned cpu, unsigned order, gfp_t gfp,
			  const struct frag_owner *owner, unsigned nid)
{
	struct spb_priv *p = priv;
	enum zone_type highest = gfp_zone(gfp);
	(void)cpu;

	if (order != SPB_ORDER)
		return FRAG_PFN_NONE;
	for (unsigned zi = 0; zi < mem->nr_zones; zi++) {
		struct frag_zone *z = &mem->zones[zi];
		if (z->nid != nid || z->type > highest)
			continue;
		for (unsigned f = 0; f < NR_SPB_FULLNESS; f++)
			for (uint32_t i = z->spb_list[SPB_EMPTY][f]; i != IDX_NONE; i = z->spb[i].list_next)
				if (spb_is_entirely_free(&z->spb[i])) {
					frag_count(mem, FRAG_STAT_spb_contig_direct, 1);
					return take_spb(mem, z, &z->spb[i], order, gfp, owner);
				}
	}
	if (p->o.contig_mode == SPB_CONTIG_FAIL)
		return FRAG_PFN_REFUSE;
	if (p->o.contig_mode != SPB_CONTIG_EVACUATE)
		return FRAG_PFN_NONE;
	for (unsigned zi = 0; zi < mem->nr_zones; zi++) {
		struct frag_zone *z = &mem->zones[zi];
		if (z->nid != nid || z->type > highest)
			continue;
		struct frag_spb *spb = emptiest_clean(z);
		if (!spb)
			continue;
		if (spb->nr_pcp_pages)
			frag_drain_all_pages(mem, (int)z->id);
		bool failed = false;
		uint64_t moved = 0;
		for (uint64_t q = spb->start_pfn; q < spb->start_pfn + SPB_NR_PAGES && !failed; q += PAGEBLOCK_NR_PAGES)
			if (pfn_to_pb(z, q)->nr_free != PAGEBLOCK_NR_PAGES)
				moved += spb_evacuate_pageblock(mem, z, q, true, &failed);
		frag_count(mem, FRAG_STAT_spb_evacuated_pages, moved);
		if (spb_is_entirely_free(spb)) {
			frag_count(mem, FRAG_STAT_spb_contig_evacuated, 1);
			return take_spb(mem, z, spb, order, gfp, owner);
		}
		return FRAG_PFN_NONE;
	}
	return FRAG_PFN_NONE;
}

/* ---------------------------------------------------------------------- */
/* Lifecycle and the spb-steer policy                                     */
/* ---------------------------------------------------------------------- */

int spb_common_init(struct frag_mem *mem, struct spb_priv *p, bool full)
{
	p->full = full;
	if (full) {
		p->defrag_active = calloc(mem->nr_spbs_total ? mem->nr_spbs_total : 1, 1);
		if (!p->defrag_active)
			return -ENOMEM;
	}
	if (p->o.defrag_mode)
		mem->sysctl.defrag_mode = true;
	for (unsigned zi = 0; zi < mem->nr_zones; zi++) {
		int ret = frag_zone_set_spb_lists(&mem->zones[zi], true);
		if (ret)
			return ret;
	}
	return 0;
}

void spb_common_fini(struct frag_mem *mem, struct spb_priv *p)
{
	(void)mem;
	free(p->defrag_active);
	p->defrag_active = NULL;
}

/* clone(): the copy (frag_mem_clone(), for predictions) gets its own evacuation marks. */
int spb_common_clone(struct frag_mem *new_mem, void *new_priv, const void *old_priv)
{
	struct spb_priv *n = new_priv;
	const struct spb_priv *o = old_priv;
	if (!o->defrag_active)
		return 0;
	n->defrag_active = malloc(new_mem->nr_spbs_total ? new_mem->nr_spbs_total : 1);
	if (!n->defrag_active)
		return -ENOMEM;
	memcpy(n->defrag_active, o->defrag_active, new_mem->nr_spbs_total ? new_mem->nr_spbs_total : 1);
	return 0;
}

static int spb_steer_init(struct frag_mem *mem, void *priv, const void *opts)
{
	struct spb_priv *p = priv;
	const struct spb_opts *o = opts;
	p->o = (struct spb_opts){
		.scan_limit = o->scan_limit,
		.steer_movable = o->steer_movable,
		.steer_unmovable = o->steer_unmovable,
		.movable_tainted_first = o->movable_tainted_first,
		.contig_mode = o->contig_mode,
	};
	return spb_common_init(mem, p, false);
}

static void spb_steer_fini(struct frag_mem *mem, void *priv)
{
	spb_common_fini(mem, priv);
}

const struct frag_policy_ops frag_policy_spb_steer = {
	.abi_version = FRAG_POLICY_ABI,
	.name = "spb-steer",
	.summary = "SPB RFC steering only: per-SPB free lists, movable to the fullest clean SPB, non-movable "
		   "to tainted SPBs, 1 GiB from an all-free SPB",
	.params = spb_steer_params,
	.opts_size = sizeof(struct spb_opts),
	.priv_size = sizeof(struct spb_priv),
	.init = spb_steer_init,
	.fini = spb_steer_fini,
	.clone = spb_common_clone,
	.rmqueue = spb_rmqueue,
	.alloc_contig = spb_alloc_contig,
};
