/* SPDX-License-Identifier: MIT */
/*
 * page_alloc.c - the buddy allocator: free lists, split and merge,
 * migratetype fallback (claim and steal), watermarks, the highatomic
 * reserve and the allocation and free entry points.
 *
 * Mirrors mm/page_alloc.c of Linux 6.18 (docs/kernel-model.md sections 2-4):
 *   __add_to_free_list / __del_page_from_free_list / move_to_free_list
 *   expand, page_del_and_expand, __rmqueue_smallest
 *   __free_one_page (buddy_merge_likely, FPI_TO_TAIL), split_large_buddy
 *   find_suitable_fallback, should_try_claim_block, __rmqueue_claim,
 *   try_to_claim_block, __rmqueue_steal, __rmqueue (enum rmqueue_mode)
 *   __zone_watermark_ok, zone_watermark_fast
 *   reserve_highatomic_pageblock, unreserve_highatomic_pageblock
 *   get_page_from_freelist, rmqueue, rmqueue_buddy,
 *   __alloc_frozen_pages_noprof (fast path), __alloc_pages_slowpath (reclaim
 *   and compaction through struct frag_reclaim_ops), __alloc_pages_direct_compact,
 *   should_compact_retry, compaction_capture, __free_frozen_pages.
 *
 * Free lists hold zone-relative page indices; a block head records its
 * order and list migratetype in struct frag_page. All accounting (zone
 * counters, free_area counts, pageblock and SPB content) happens in the
 * list primitives, so every path stays consistent by construction.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

const char *const frag_migratetype_names[MIGRATE_TYPES] = {
	"Unmovable", "Movable", "Reclaimable", "HighAtomic", "CMA", "Isolate",
};

const char *const frag_zone_names[MAX_NR_ZONES] = {
	"DMA", "DMA32", "Normal", "Movable",
};

const char *const frag_page_kind_names[NR_PAGE_KINDS] = {
	"anon", "file", "slab", "pgtable", "kernel", "netbuf", "hugetlb", "zsmalloc",
};

/* mm/page_alloc.c: fallbacks[] */
static const int fallbacks[MIGRATE_PCPTYPES][MIGRATE_PCPTYPES - 1] = {
	[MIGRATE_UNMOVABLE] = { MIGRATE_RECLAIMABLE, MIGRATE_MOVABLE },
	[MIGRATE_MOVABLE] = { MIGRATE_RECLAIMABLE, MIGRATE_UNMOVABLE },
	[MIGRATE_RECLAIMABLE] = { MIGRATE_UNMOVABLE, MIGRATE_MOVABLE },
};

void frag_bug(const char *file, int line, const char *cond)
{
	fprintf(stderr, "fragsim: BUG at %s:%d: %s\n", file, line, cond);
	abort();
}

/* account_freepages() plus NR_FREE_PAGES_BLOCKS. */
static inline void account_freepages(struct frag_zone *z, int64_t nr, int mt, unsigned order)
{
	if (is_migrate_isolate(mt))
		return;
	z->nr_free_pages += nr;
	if (is_migrate_cma(mt))
		z->nr_free_cma += nr;
	else if (is_migrate_highatomic(mt))
		z->nr_free_highatomic += nr;
	if (order >= PAGEBLOCK_ORDER)
		z->nr_free_pages_blocks += nr;
}

/*
 * The list a free block of (@order, @mt) at @idx lives on: the zone's, or
 * with z->spb_lists its SPB's. spb_free_count() keeps the SPB's per
 * (order, type) block count (both modes) and, with SPB lists, the zone's
 * "which SPBs hold such a block" bitmap.
 */
static inline struct idx_list *free_list_of(struct frag_zone *z, struct frag_spb *spb, unsigned order, int mt)
{
	if (!z->spb_lists)
		return &z->free_area[order].free_list[mt];
	return &spb->free_list[order][mt];
}

static inline void spb_free_count(struct frag_zone *z, struct frag_spb *spb, unsigned order, int mt, int d)
{
	uint32_t n = spb->nr_free[order][mt];
	spb->nr_free[order][mt] = n + (uint32_t)d;
	if (z->spb_lists && (n == 0 || n + (uint32_t)d == 0)) {
		uint32_t si = (uint32_t)(spb - z->spb);
		uint64_t bit = 1ull << (si & 63);
		if (d > 0)
			z->spb_has[order][mt][si >> 6] |= bit;
		else
			z->spb_has[order][mt][si >> 6] &= ~bit;
	}
}

/* The first SPB index >= @from holding a free block of (@order, @mt), or IDX_NONE. */
uint32_t spb_find_free(const struct frag_zone *z, unsigned order, int mt, uint32_t from)
{
	const uint64_t *bm = z->spb_has[order][mt];
	for (uint32_t w = from >> 6; w < (z->nr_spbs + 63) / 64; w++) {
		uint64_t x = bm[w];
		if (w == from >> 6)
			x &= ~0ull << (from & 63);
		if (x)
			return w * 64 + (uint32_t)__builtin_ctzll(x);
	}
	return IDX_NONE;
}

uint32_t free_area_first(const struct frag_zone *z, unsigned order, int mt)
{
	if (!z->spb_lists)
		return z->free_area[order].free_list[mt].head;
	uint32_t si = spb_find_free(z, order, mt, 0);
	return si == IDX_NONE ? IDX_NONE : z->spb[si].free_list[order][mt].head;
}

uint32_t free_area_next(const struct frag_zone *z, uint32_t idx, unsigned order, int mt)
{
	uint32_t next = z->pages[idx].next;
	if (next != IDX_NONE || !z->spb_lists)
		return next;
	uint32_t si = (uint32_t)(pfn_to_spb(z, idx_to_pfn(z, idx)) - z->spb);
	si = spb_find_free(z, order, mt, si + 1);
	return si == IDX_NONE ? IDX_NONE : z->spb[si].free_list[order][mt].head;
}

/*
 * pb_account(CT_FREE) for a free block of @order at @pfn in @spb: a block of
 * at most pageblock_order lies inside one pageblock (buddy blocks are
 * naturally aligned), larger ones span several.
 */
static inline void free_block_account(struct frag_zone *z, uint64_t pfn, struct frag_spb *spb, unsigned order,
				      int sign)
{
	if (likely(order <= PAGEBLOCK_ORDER))
		pb_account_one(z, pfn_to_pb(z, pfn), spb, 1u << order, CT_FREE, 0, 0, sign);
	else
		pb_account_range(z, pfn, 1ull << order, CT_FREE, 0, 0, sign);
}

/**
 * __add_to_free_list() - put the free block at @idx of @order on
 * free_list[@mt], at the head or the @tail, and account it.
 */
void __add_to_free_list(struct frag_zone *z, uint32_t idx, unsigned order, int mt, bool tail)
{
	struct frag_page *p = &z->pages[idx];
	struct frag_free_area *area = &z->free_area[order];
	uint64_t pfn = idx_to_pfn(z, idx);
	struct frag_spb *spb = pfn_to_spb(z, pfn);   /* once: the stores below may alias z's fields */

	p->state = PG_BUDDY;
	p->order = (uint8_t)order;
	p->mt = (uint8_t)mt;
	idx_list_add(z->pages, free_list_of(z, spb, order, mt), idx, tail);
	spb_free_count(z, spb, order, mt, +1);
	area->nr_free++;
	area->nr_free_mt[mt]++;
	account_freepages(z, 1 << order, mt, order);
	free_block_account(z, pfn, spb, order, +1);
}

/* __del_page_from_free_list(): unlink and unaccount; the head becomes a tail. */
void __del_from_free_list(struct frag_zone *z, uint32_t idx, unsigned order, int mt)
{
	struct frag_page *p = &z->pages[idx];
	struct frag_free_area *area = &z->free_area[order];
	uint64_t pfn = idx_to_pfn(z, idx);
	struct frag_spb *spb = pfn_to_spb(z, pfn);

	FRAG_BUG_ON(p->state != PG_BUDDY || p->order != order || p->mt != mt);
	idx_list_del(z->pages, free_list_of(z, spb, order, mt), idx);
	spb_free_count(z, spb, order, mt, -1);
	area->nr_free--;
	area->nr_free_mt[mt]--;
	account_freepages(z, -(1 << order), mt, order);
	free_block_account(z, pfn, spb, order, -1);
	p->state = PG_TAIL;
}

/* move_to_free_list(): to the *tail* of the new type's list. */
void move_to_free_list(struct frag_zone *z, uint32_t idx, unsigned order, int old_mt, int new_mt)
{
	struct frag_page *p = &z->pages[idx];
	struct frag_free_area *area = &z->free_area[order];
	struct frag_spb *spb = pfn_to_spb(z, idx_to_pfn(z, idx));

	FRAG_BUG_ON(p->state != PG_BUDDY || p->order != order || p->mt != old_mt);
	idx_list_del(z->pages, free_list_of(z, spb, order, old_mt), idx);
	spb_free_count(z, spb, order, old_mt, -1);
	area->nr_free_mt[old_mt]--;
	account_freepages(z, -(1 << order), old_mt, order);
	p->mt = (uint8_t)new_mt;
	idx_list_add(z->pages, free_list_of(z, spb, order, new_mt), idx, true);
	spb_free_count(z, spb, order, new_mt, +1);
	area->nr_free_mt[new_mt]++;
	account_freepages(z, 1 << order, new_mt, order);
}

/**
 * expand() - split a block of order @high at @idx down to order @low. Each
 * upper half goes to the head of free_list[@mt] of its order; the caller
 * keeps the lowest 2^low pages.
 */
static inline void expand(struct frag_zone *z, uint32_t idx, unsigned low, unsigned high, int mt)
{
	while (high > low) {
		high--;
		__add_to_free_list(z, idx + (1u << high), high, mt, false);
	}
}

/* page_del_and_expand() */
void page_del_and_expand(struct frag_zone *z, uint32_t idx, unsigned low, unsigned high, int mt)
{
	__del_from_free_list(z, idx, high, mt);
	expand(z, idx, low, high, mt);
}

/**
 * __rmqueue_smallest() - the head block of free_list[@mt] at the smallest
 * order >= @order, split down to @order. Returns its index or IDX_NONE.
 */
uint32_t __rmqueue_smallest(struct frag_zone *z, unsigned order, int mt)
{
	for (unsigned o = order; o < NR_PAGE_ORDERS; o++) {
		uint32_t idx = free_area_first(z, o, mt);
		if (idx == IDX_NONE)
			continue;
		page_del_and_expand(z, idx, order, o, mt);
		return idx;
	}
	return IDX_NONE;
}

/**
 * take_free_block() - remove exactly [@pfn, @pfn + 2^@order) from the buddy,
 * splitting the free block that contains it (take_page_off_buddy() /
 * break_down_buddy_pages()): the halves not containing the range go back to
 * the head of their list with the original type. Returns 0, or -ENOENT if
 * the range is not inside one free block. The range is left as a tail-state
 * run for the caller to turn into an allocation (prep_new_page()).
 */
int take_free_block(struct frag_zone *z, uint64_t pfn, unsigned order)
{
	if (!zone_spans_pfn(z, pfn) || (pfn & ((1ull << order) - 1)))
		return -ENOENT;
	for (unsigned o = order; o < NR_PAGE_ORDERS; o++) {
		uint64_t head = pfn & ~((1ull << o) - 1);
		if (!zone_spans_pfn(z, head))
			break;
		const struct frag_page *p = &z->pages[pfn_to_idx(z, head)];
		if (p->state != PG_BUDDY || p->order != o)
			continue;
		int mt = p->mt;
		__del_from_free_list(z, pfn_to_idx(z, head), o, mt);
		/* break_down_buddy_pages(): keep the half holding pfn, free the other. */
		while (o > order) {
			o--;
			uint64_t lower = head, upper = head + (1ull << o);
			if (pfn >= upper) {
				__add_to_free_list(z, pfn_to_idx(z, lower), o, mt, false);
				head = upper;
			} else {
				__add_to_free_list(z, pfn_to_idx(z, upper), o, mt, false);
			}
		}
		return 0;
	}
	return -ENOENT;
}

/* ---------------------------------------------------------------------- */
/* Freeing                                                                */
/* ---------------------------------------------------------------------- */

/* find_buddy_page_pfn() + page_is_buddy(): the free buddy of @pfn at @order. */
static inline bool buddy_is_free(const struct frag_zone *z, uint64_t buddy_pfn, unsigned order)
{
	if (!zone_spans_pfn(z, buddy_pfn))
		return false;
	const struct frag_page *b = &z->pages[pfn_to_idx(z, buddy_pfn)];
	return b->state == PG_BUDDY && b->order == order;
}

/*
 * buddy_merge_likely(): if the next-higher buddy is free, the block is likely
 * to merge soon, so it goes to the tail where it stays unallocated longer.
 */
static inline bool buddy_merge_likely(const struct frag_zone *z, uint64_t pfn, uint64_t buddy_pfn,
				      unsigned order)
{
	if (order >= MAX_PAGE_ORDER - 1)
		return false;
	uint64_t higher_page_pfn = buddy_pfn & pfn;
	uint64_t higher_buddy = higher_page_pfn ^ (1ull << (order + 1));
	return buddy_is_free(z, higher_buddy, order + 1);
}

/**
 * __free_one_page() - free a block of @order at @pfn with migratetype @mt
 * and merge it with free buddies (mm/page_alloc.c).
 *
 * While order < MAX_PAGE_ORDER the buddy (pfn ^ 2^order) must be a free head
 * of the same order in the same zone. From pageblock_order up the merge
 * crosses pageblocks: if the types differ and either is not mergeable
 * (HIGHATOMIC, CMA, ISOLATE) the merge stops; if both are mergeable the
 * buddy's pageblock is relabelled to @mt. The merged block goes to the list
 * head, or the tail with FPI_TO_TAIL or when buddy_merge_likely(). While a
 * direct compaction runs (mem->capc), a block reaching its order in its
 * zone is captured instead (compaction_capture()).
 */
void __free_one_page(struct frag_mem *mem, struct frag_zone *z, uint64_t pfn, unsigned order, int mt,
		     unsigned fpi_flags)
{
	uint64_t buddy_pfn = 0;

	while (order < MAX_PAGE_ORDER) {
		/* A direct compactor waiting in this zone takes the block as soon
		 * as it reaches its order; it never reaches the free lists. */
		if (unlikely(mem->capc) && compaction_capture(mem, z, pfn, order, mt))
			return;
		buddy_pfn = pfn ^ (1ull << order);
		if (!buddy_is_free(z, buddy_pfn, order))
			break;
		uint32_t bidx = pfn_to_idx(z, buddy_pfn);
		int buddy_mt = z->pages[bidx].mt;
		if (unlikely(order >= PAGEBLOCK_ORDER)) {
			buddy_mt = get_pageblock_migratetype(z, buddy_pfn);
			if (mt != buddy_mt && (!migratetype_is_mergeable(mt) || !migratetype_is_mergeable(buddy_mt)))
				break;
		}
		__del_from_free_list(z, bidx, order, z->pages[bidx].mt);
		if (unlikely(buddy_mt != mt))
			set_pageblock_migratetype(z, buddy_pfn, mt);
		pfn &= buddy_pfn;
		order++;
	}

	bool to_tail;
	if (fpi_flags & FPI_TO_TAIL)
		to_tail = true;
	else
		to_tail = buddy_merge_likely(z, pfn, buddy_pfn, order);
	__add_to_free_list(z, pfn_to_idx(z, pfn), order, mt, to_tail);
}

/**
 * free_one_page() - free under the zone lock, via split_large_buddy(): a
 * block larger than a pageblock is freed pageblock by pageblock, each chunk
 * taking its own pageblock's migratetype. Also used for contiguous ranges
 * (orders up to SPB_ORDER), whose chunks are limited to pageblock_order.
 */
void free_one_page(struct frag_mem *mem, struct frag_zone *z, uint64_t pfn, unsigned order, unsigned fpi_flags)
{
	uint64_t end = pfn + (1ull << order);
	unsigned chunk = order > PAGEBLOCK_ORDER ? PAGEBLOCK_ORDER : order;

	frag_count(mem, FRAG_STAT_zone_lock, 1);
	do {
		__free_one_page(mem, z, pfn, chunk, get_pageblock_migratetype(z, pfn), fpi_flags);
		pfn += 1ull << chunk;
	} while (pfn < end);
}

/* ---------------------------------------------------------------------- */
/* Fallback: claim and steal                                              */
/* ---------------------------------------------------------------------- */

/* should_try_claim_block(): @order is the candidate block's order. */
static inline bool should_try_claim_block(const struct frag_mem *mem, unsigned order, int start_mt)
{
	if (order >= PAGEBLOCK_ORDER)
		return true;
	if (order >= PAGEBLOCK_ORDER / 2 || start_mt == MIGRATE_RECLAIMABLE || start_mt == MIGRATE_UNMOVABLE ||
	    mem->mobility_disabled)
		return true;
	return false;
}

/* The Linux rule, also exported for policies that wrap it. */
int find_suitable_fallback_linux(const struct frag_mem *mem, const struct frag_zone *z, unsigned order, int mt,
				 bool claimable)
{
	if (claimable && !should_try_claim_block(mem, order, mt))
		return -2;
	if (mt >= MIGRATE_PCPTYPES)
		return -1;
	const struct frag_free_area *area = &z->free_area[order];
	if (area->nr_free == 0)
		return -1;
	for (int i = 0; i < MIGRATE_PCPTYPES - 1; i++) {
		int fmt = fallbacks[mt][i];
		if (area->nr_free_mt[fmt])
			return fmt;
	}
	return -1;
}

/**
 * find_suitable_fallback() - the first type in fallbacks[@mt] with a free
 * block at @order; -1 if none; -2 if @claimable and should_try_claim_block()
 * says the order is too small to claim. Policy hook.
 */
int find_suitable_fallback(const struct frag_mem *mem, const struct frag_zone *z, unsigned order, int mt,
			   bool claimable)
{
	if (mem->policy->find_suitable_fallback)
		return mem->policy->find_suitable_fallback(mem, mem->policy_priv, z, order, mt, claimable);
	return find_suitable_fallback_linux(mem, z, order, mt, claimable);
}

void trace_extfrag(struct frag_mem *mem, struct frag_zone *z, uint32_t idx, unsigned alloc_order,
			  unsigned fallback_order, int alloc_mt, int fallback_mt)
{
	uint64_t pfn = idx_to_pfn(z, idx);
	bool change_ownership = get_pageblock_migratetype(z, pfn) == alloc_mt;

	frag_count(mem, FRAG_STAT_extfrag, 1);
	if (fallback_order < PAGEBLOCK_ORDER)
		frag_count(mem, FRAG_STAT_extfrag_fragmenting, 1);
	frag_count(mem, change_ownership ? FRAG_STAT_extfrag_claim : FRAG_STAT_extfrag_steal, 1);
	if (frag_trace_on(mem, TRACE_EXTFRAG)) {
		struct frag_trace_event ev = { .id = TRACE_EXTFRAG, .time_ns = frag_now(mem) };
		ev.extfrag = (struct frag_ev_extfrag){
			.pfn = pfn,
			.alloc_order = alloc_order,
			.fallback_order = fallback_order,
			.alloc_migratetype = alloc_mt,
			.fallback_migratetype = fallback_mt,
			.change_ownership = change_ownership,
		};
		mem->env.trace(mem->env.arg, &ev);
	}
}

/**
 * compaction_capture() - a block of @order at @pfn (pageblock type @mt) is
 * being freed in @z while a direct compactor waits (task_capc()): hand it
 * over if it is exactly cc->order, not in a CMA or isolated pageblock, and
 * not a sub-pageblock piece of a MOVABLE block for a non-movable request.
 * A capture across migratetypes is traced as a fallback (extfrag, 6.15).
 */
bool compaction_capture(struct frag_mem *mem, struct frag_zone *z, uint64_t pfn, unsigned order, int mt)
{
	struct capture_control *capc = mem->capc;

	if (capc->zone != z || capc->page != FRAG_PFN_NONE || (int)order != capc->order)
		return false;
	if (is_migrate_cma(mt) || is_migrate_isolate(mt))
		return false;
	if (order < PAGEBLOCK_ORDER && mt == MIGRATE_MOVABLE && capc->migratetype != MIGRATE_MOVABLE)
		return false;
	if (mt != capc->migratetype)
		trace_extfrag(mem, z, pfn_to_idx(z, pfn), order, order, capc->migratetype, mt);
	capc->page = pfn;
	return true;
}

/**
 * boost_watermark() - raise the zone's watermark boost after a fragmenting
 * fallback: by one pageblock, capped at max(pageblock, high * factor/10000).
 * No boost when the factor is 0 or the zone has < 4 pageblocks managed.
 */
bool boost_watermark(struct frag_mem *mem, struct frag_zone *z)
{
	unsigned factor = mem->sysctl.watermark_boost_factor;
	if (!factor)
		return false;
	if ((uint64_t)PAGEBLOCK_NR_PAGES * 4 > z->managed_pages)
		return false;
	uint64_t max_boost = z->_watermark[WMARK_HIGH] * factor / 10000;   /* mult_frac() */
	if (!max_boost)
		return false;
	if (max_boost < PAGEBLOCK_NR_PAGES)
		max_boost = PAGEBLOCK_NR_PAGES;
	uint64_t boost = z->watermark_boost + PAGEBLOCK_NR_PAGES;
	z->watermark_boost = boost < max_boost ? boost : max_boost;
	frag_count(mem, FRAG_STAT_watermark_boost, 1);
	return true;
}

/**
 * move_freepages_block() / __move_freepages_block() - move every free buddy
 * block of the pageblock containing @pfn to @new_mt's lists (tail).
 * Returns the number of pages moved, or -1 if the pageblock is not entirely
 * inside the zone.
 */
int move_freepages_block(struct frag_zone *z, uint64_t pfn, int old_mt, int new_mt)
{
	uint64_t start = pfn & ~(uint64_t)(PAGEBLOCK_NR_PAGES - 1);
	uint64_t end = start + PAGEBLOCK_NR_PAGES;
	int moved = 0;
	(void)old_mt;

	if (pfn_to_pb(z, start)->flags & PB_PARTIAL)
		return -1;
	for (uint64_t p = start; p < end;) {
		uint32_t idx = pfn_to_idx(z, p);
		const struct frag_page *pg = &z->pages[idx];
		if (pg->state == PG_BUDDY) {
			unsigned order = pg->order;
			if (pg->mt != new_mt)
				move_to_free_list(z, idx, order, pg->mt, new_mt);
			moved += 1 << order;
			p += 1ull << order;
		} else if (pg->state == PG_ALLOC || pg->state == PG_PCP) {
			p += 1ull << (pg->order < PAGEBLOCK_ORDER ? pg->order : 0);
		} else {
			p++;
		}
	}
	return moved;
}

/**
 * try_to_claim_block() - take over the pageblock of a fallback block.
 * Order >= pageblock_order: relabel every pageblock of the block and split
 * it as @start_type. Otherwise boost the watermark, count the pageblock's
 * free and LRU/movable pages (prep_move_freepages_block), compute alike pages
 * (MOVABLE start: movable; non-movable start from a MOVABLE block:
 * 512 - free - movable; UNMOVABLE<->RECLAIMABLE: 0) and claim if
 * free + alike >= 256 (half a pageblock) or mobility grouping is off.
 * Returns the allocated index or IDX_NONE.
 */
static uint32_t try_to_claim_block(struct frag_mem *mem, struct frag_zone *z, uint32_t idx,
				   unsigned current_order, unsigned order, int start_type, int block_type,
				   unsigned alloc_flags)
{
	uint64_t pfn = idx_to_pfn(z, idx);

	if (current_order >= PAGEBLOCK_ORDER) {
		__del_from_free_list(z, idx, current_order, block_type);
		for (uint64_t p = pfn; p < pfn + (1ull << current_order); p += PAGEBLOCK_NR_PAGES)
			set_pageblock_migratetype(z, p, start_type);   /* change_pageblock_range() */
		expand(z, idx, order, current_order, start_type);
		return idx;
	}

	if (boost_watermark(mem, z) && (alloc_flags & ALLOC_KSWAPD))
		z->flags |= ZONE_BOOSTED_WATERMARK;

	const struct frag_pageblock *pb = pfn_to_pb(z, pfn);
	if (pb->flags & PB_PARTIAL)
		return IDX_NONE;   /* prep_move_freepages_block() fails at zone boundaries */

	unsigned free_pages = pb->nr_free;
	unsigned movable_pages = pb->nr_lru;
	unsigned alike_pages;
	if (start_type == MIGRATE_MOVABLE)
		alike_pages = movable_pages;
	else if (block_type == MIGRATE_MOVABLE)
		alike_pages = PAGEBLOCK_NR_PAGES - (free_pages + movable_pages);
	else
		alike_pages = 0;

	bool claim;
	if (mem->policy->claim_block)
		claim = mem->policy->claim_block(mem, mem->policy_priv, z, pfn, current_order, order, start_type,
						 block_type, free_pages, alike_pages);
	else
		claim = free_pages + alike_pages >= (1u << (PAGEBLOCK_ORDER - 1)) || mem->mobility_disabled;

	if (claim) {
		move_freepages_block(z, pfn, block_type, start_type);
		set_pageblock_migratetype(z, pfn, start_type);
		return __rmqueue_smallest(z, order, start_type);
	}
	frag_count(mem, FRAG_STAT_claim_block_fail, 1);
	return IDX_NONE;
}

/**
 * __rmqueue_claim() - try the largest fallback blocks first (approximating
 * the pageblock with most free pages); with ALLOC_NOFRAGMENT only whole
 * pageblocks (order >= 9) may be taken from another type.
 */
uint32_t __rmqueue_claim(struct frag_mem *mem, struct frag_zone *z, unsigned order, int start_mt,
			 unsigned alloc_flags)
{
	int min_order = (int)order;

	if (order < PAGEBLOCK_ORDER && (alloc_flags & ALLOC_NOFRAGMENT))
		min_order = PAGEBLOCK_ORDER;

	for (int co = MAX_PAGE_ORDER; co >= min_order; co--) {
		int fmt = find_suitable_fallback(mem, z, (unsigned)co, start_mt, true);
		if (fmt == -1)
			continue;
		if (fmt == -2)
			break;
		uint32_t idx = free_area_first(z, co, fmt);
		idx = try_to_claim_block(mem, z, idx, (unsigned)co, order, start_mt, fmt, alloc_flags);
		if (idx != IDX_NONE) {
			trace_extfrag(mem, z, idx, order, (unsigned)co, start_mt, fmt);
			return idx;
		}
	}
	return IDX_NONE;
}

/**
 * __rmqueue_steal() - smallest fallback block first, split with the
 * fallback type; the pageblock is not relabelled and becomes mixed.
 */
uint32_t __rmqueue_steal(struct frag_mem *mem, struct frag_zone *z, unsigned order, int start_mt)
{
	for (unsigned co = order; co < NR_PAGE_ORDERS; co++) {
		int fmt = find_suitable_fallback(mem, z, co, start_mt, false);
		if (fmt < 0)
			continue;
		uint32_t idx = free_area_first(z, co, fmt);
		page_del_and_expand(z, idx, order, co, fmt);
		trace_extfrag(mem, z, idx, order, co, start_mt, fmt);
		return idx;
	}
	return IDX_NONE;
}

/* __rmqueue_cma_fallback() */
static uint32_t __rmqueue_cma_fallback(struct frag_zone *z, unsigned order)
{
	return __rmqueue_smallest(z, order, MIGRATE_CMA);
}

/**
 * frag_rmqueue_linux() - __rmqueue(): NORMAL, CMA, CLAIM, STEAL in order of
 * increasing fragmentation risk, starting at the stage remembered in @mode;
 * STEAL only without ALLOC_NOFRAGMENT.
 */
uint32_t frag_rmqueue_linux(struct frag_mem *mem, struct frag_zone *z, unsigned order, int mt,
			    unsigned alloc_flags, enum rmqueue_mode *mode)
{
	uint32_t idx;

	if ((alloc_flags & ALLOC_CMA) && z->nr_free_cma > z->nr_free_pages / 2) {
		idx = __rmqueue_cma_fallback(z, order);
		if (idx != IDX_NONE)
			return idx;
	}

	switch (*mode) {
	case RMQUEUE_NORMAL:
		idx = __rmqueue_smallest(z, order, mt);
		if (idx != IDX_NONE)
			return idx;
		/* fallthrough */
	case RMQUEUE_CMA:
		if (alloc_flags & ALLOC_CMA) {
			idx = __rmqueue_cma_fallback(z, order);
			if (idx != IDX_NONE) {
				*mode = RMQUEUE_CMA;
				return idx;
			}
		}
		/* fallthrough */
	case RMQUEUE_CLAIM:
		idx = __rmqueue_claim(mem, z, order, mt, alloc_flags);
		if (idx != IDX_NONE) {
			*mode = RMQUEUE_NORMAL;
			return idx;
		}
		/* fallthrough */
	case RMQUEUE_STEAL:
		if (!(alloc_flags & ALLOC_NOFRAGMENT)) {
			idx = __rmqueue_steal(mem, z, order, mt);
			if (idx != IDX_NONE) {
				*mode = RMQUEUE_STEAL;
				return idx;
			}
		}
	}
	return IDX_NONE;
}

/* __rmqueue(): the policy hook or Linux. */
uint32_t __rmqueue(struct frag_mem *mem, struct frag_zone *z, unsigned order, int mt, unsigned alloc_flags,
		   enum rmqueue_mode *mode)
{
	if (mem->policy->rmqueue)
		return mem->policy->rmqueue(mem, mem->policy_priv, z, order, mt, alloc_flags, mode);
	return frag_rmqueue_linux(mem, z, order, mt, alloc_flags, mode);
}

/* ---------------------------------------------------------------------- */
/* Watermarks                                                             */
/* ---------------------------------------------------------------------- */

/**
 * __zone_watermark_ok() - may an allocation of @order leave the zone above
 * @mark? Free pages exclude 2^order - 1, the free HIGHATOMIC reserve (unless
 * ALLOC_RESERVES) and free CMA (unless ALLOC_CMA); reserves lower the mark
 * (MIN_RESERVE: -1/2, then NON_BLOCK: -1/4, OOM: -1/2); lowmem_reserve of
 * @highest_zoneidx is added. For order > 0 some free_area[o >= order] must
 * have a block on a PCP-type list (any of the three), or CMA with ALLOC_CMA,
 * or HIGHATOMIC with ALLOC_HIGHATOMIC/ALLOC_OOM.
 */
bool __zone_watermark_ok(const struct frag_mem *mem, const struct frag_zone *z, unsigned order, uint64_t mark,
			 enum zone_type highest_zoneidx, unsigned alloc_flags, int64_t free_pages)
{
	int64_t min = (int64_t)mark;
	(void)mem;

	free_pages -= (1ll << order) - 1;
	if (likely(!(alloc_flags & ALLOC_RESERVES))) {
		/* __zone_watermark_unusable_free() */
		free_pages -= z->nr_free_highatomic;
	} else {
		if (alloc_flags & ALLOC_MIN_RESERVE) {
			min -= min / 2;
			if (alloc_flags & ALLOC_NON_BLOCK)
				min -= min / 4;
		}
		if (alloc_flags & ALLOC_OOM)
			min -= min / 2;
	}
	if (!(alloc_flags & ALLOC_CMA))
		free_pages -= z->nr_free_cma;

	if (free_pages <= min + (int64_t)z->lowmem_reserve[highest_zoneidx])
		return false;

	if (!order)
		return true;

	for (unsigned o = order; o < NR_PAGE_ORDERS; o++) {
		const struct frag_free_area *area = &z->free_area[o];
		if (!area->nr_free)
			continue;
		for (int mt = 0; mt < MIGRATE_PCPTYPES; mt++)
			if (area->nr_free_mt[mt])
				return true;
		if ((alloc_flags & ALLOC_CMA) && area->nr_free_mt[MIGRATE_CMA])
			return true;
		if ((alloc_flags & (ALLOC_HIGHATOMIC | ALLOC_OOM)) &&
		    area->nr_free_mt[MIGRATE_HIGHATOMIC])
			return true;
	}
	return false;
}

bool zone_watermark_ok(const struct frag_mem *mem, const struct frag_zone *z, unsigned order, uint64_t mark,
		       enum zone_type highest_zoneidx, unsigned alloc_flags)
{
	return __zone_watermark_ok(mem, z, order, mark, highest_zoneidx, alloc_flags, z->nr_free_pages);
}

/**
 * zone_watermark_fast() - order-0 shortcut: if free pages (minus the
 * unusable ones) clear mark + lowmem_reserve, pass without the full check;
 * order-0 __GFP_HIGH requests checked against the MIN mark ignore the boost.
 */
static bool zone_watermark_fast(const struct frag_mem *mem, const struct frag_zone *z, unsigned order,
				uint64_t mark, enum zone_type highest_zoneidx, unsigned alloc_flags, gfp_t gfp)
{
	int64_t free_pages = z->nr_free_pages;

	if (!order) {
		int64_t fast_free = free_pages;
		if (likely(!(alloc_flags & ALLOC_RESERVES)))
			fast_free -= z->nr_free_highatomic;
		if (!(alloc_flags & ALLOC_CMA))
			fast_free -= z->nr_free_cma;
		if (fast_free > (int64_t)(mark + z->lowmem_reserve[highest_zoneidx]))
			return true;
	}

	(void)gfp;
	if (__zone_watermark_ok(mem, z, order, mark, highest_zoneidx, alloc_flags, free_pages))
		return true;

	/* Ignore the boost for order-0 __GFP_HIGH requests at the min mark. */
	if (unlikely(!order && (alloc_flags & ALLOC_MIN_RESERVE) && z->watermark_boost &&
		     (alloc_flags & ALLOC_WMARK_MASK) == WMARK_MIN)) {
		mark = z->_watermark[WMARK_MIN];
		return __zone_watermark_ok(mem, z, order, mark, highest_zoneidx, alloc_flags, free_pages);
	}
	return false;
}

/* ---------------------------------------------------------------------- */
/* HIGHATOMIC reserve                                                     */
/* ---------------------------------------------------------------------- */

/**
 * reserve_highatomic_pageblock() - after a successful high-order atomic
 * allocation, turn its pageblock into MIGRATE_HIGHATOMIC, up to
 * ALIGN(managed/100, pageblock) pages per zone (nothing when managed/100 is
 * below a pageblock). Only mergeable pageblocks are converted.
 */
static void reserve_highatomic_pageblock(struct frag_mem *mem, struct frag_zone *z, uint64_t pfn, unsigned order)
{
	uint64_t max_managed = z->managed_pages / 100;
	if (max_managed < PAGEBLOCK_NR_PAGES)
		return;
	max_managed = (max_managed + PAGEBLOCK_NR_PAGES - 1) & ~(uint64_t)(PAGEBLOCK_NR_PAGES - 1);
	if (z->nr_reserved_highatomic >= max_managed)
		return;

	int mt = get_pageblock_migratetype(z, pfn);
	if (!migratetype_is_mergeable(mt))
		return;

	frag_count(mem, FRAG_STAT_zone_lock, 1);
	if (order < PAGEBLOCK_ORDER) {
		if (move_freepages_block(z, pfn, mt, MIGRATE_HIGHATOMIC) < 0)
			return;
		set_pageblock_migratetype(z, pfn, MIGRATE_HIGHATOMIC);
	} else {
		for (uint64_t p = pfn; p < pfn + (1ull << order); p += PAGEBLOCK_NR_PAGES)
			set_pageblock_migratetype(z, p, MIGRATE_HIGHATOMIC);
	}
	frag_count(mem, FRAG_STAT_highatomic_reserve, 1);
}

/**
 * unreserve_highatomic_pageblock() - give a HIGHATOMIC pageblock back to
 * @mt (the requester's type), moving its free pages, in the zonelist order.
 * Without @force at least one pageblock stays reserved per zone.
 * Returns true if a pageblock was released.
 */
static bool unreserve_highatomic_pageblock(struct frag_mem *mem, const unsigned *zonelist, unsigned nr,
					   enum zone_type highest_zoneidx, int mt, bool force)
{
	for (unsigned i = 0; i < nr; i++) {
		struct frag_zone *z = &mem->zones[zonelist[i]];
		if (z->type > highest_zoneidx)
			continue;
		if (!force && z->nr_reserved_highatomic <= PAGEBLOCK_NR_PAGES)
			continue;
		frag_count(mem, FRAG_STAT_zone_lock, 1);
		for (unsigned order = 0; order < NR_PAGE_ORDERS; order++) {
			uint32_t idx = free_area_first(z, order, MIGRATE_HIGHATOMIC);
			if (idx == IDX_NONE)
				continue;
			uint64_t pfn = idx_to_pfn(z, idx);
			if (order < PAGEBLOCK_ORDER) {
				if (get_pageblock_migratetype(z, pfn) != MIGRATE_HIGHATOMIC)
					continue;
				if (move_freepages_block(z, pfn, MIGRATE_HIGHATOMIC, mt) < 0)
					continue;
				set_pageblock_migratetype(z, pfn, mt);
			} else {
				/* A free block of >= pageblock_order: relabel its range. */
				move_to_free_list(z, idx, order, MIGRATE_HIGHATOMIC, mt);
				for (uint64_t p = pfn; p < pfn + (1ull << order); p += PAGEBLOCK_NR_PAGES)
					set_pageblock_migratetype(z, p, mt);
			}
			frag_count(mem, FRAG_STAT_highatomic_unreserve, 1);
			return true;
		}
	}
	return false;
}

/* ---------------------------------------------------------------------- */
/* Allocation                                                             */
/* ---------------------------------------------------------------------- */

/* struct alloc_context */
struct alloc_context {
	const struct frag_node *node;      /* the preferred node (the CPU's) */
	int preferred_zone;                /* first usable zone in the zonelist */
	unsigned nr_zonelist;              /* zonelist entries to walk: all, or the node's own
					      (__GFP_THISNODE: ZONELIST_NOFALLBACK) */
	enum zone_type highest_zoneidx;    /* gfp_zone() */
	int migratetype;                   /* gfp_migratetype() */
	unsigned cpu;                      /* allocating CPU */
};

/**
 * prep_new_page() - turn the block at @pfn into an allocated head: record the
 * owner and account the content. The caller has removed it from the buddy
 * or a PCP list.
 */
void prep_new_page(struct frag_mem *mem, struct frag_zone *z, uint64_t pfn, unsigned order, gfp_t gfp,
		   const struct frag_owner *owner)
{
	struct frag_page *p = &z->pages[pfn_to_idx(z, pfn)];
	int mt = gfp_migratetype(gfp, mem->mobility_disabled);
	unsigned oflags = owner ? owner->flags : 0;
	unsigned kind = owner ? owner->kind : (mt == MIGRATE_MOVABLE ? KIND_ANON : KIND_KERNEL);
	uint64_t nr = 1ull << order;

	p->state = PG_ALLOC;
	p->order = (uint8_t)order;
	p->mt = (uint8_t)mt;
	p->flags = (uint8_t)((kind & 0x0f) | (oflags << 4));
	p->next = owner ? owner->id : 0;
	p->prev = owner ? owner->cookie : 0;
	p->priv = gfp;
	pb_account(z, pfn, nr, CT_ALLOC, mt, oflags, +1);
	z->nr_alloc[mt] += nr;
	z->nr_kind[kind] += nr;
	lru_account(z, owner ? owner->id : 0, kind, oflags, nr, +1);
}

/* Undo prep_new_page() accounting for a block about to be freed (or
 * migrated away): the block becomes a detached run of tail pages. */
void free_pages_prepare(struct frag_zone *z, uint64_t pfn, unsigned order)
{
	struct frag_page *p = &z->pages[pfn_to_idx(z, pfn)];
	uint64_t nr = 1ull << order;

	pb_account(z, pfn, nr, CT_ALLOC, p->mt, page_owner_flags(p), -1);
	z->nr_alloc[p->mt] -= nr;
	z->nr_kind[page_kind(p)] -= nr;
	lru_account(z, p->next, page_kind(p), page_owner_flags(p), nr, -1);
	p->state = PG_TAIL;
	p->flags = 0;
	p->next = p->prev = p->priv = 0;
}

static const enum frag_stat pgalloc_stat[MAX_NR_ZONES] = {
	FRAG_STAT_pgalloc_dma, FRAG_STAT_pgalloc_dma32, FRAG_STAT_pgalloc_normal, FRAG_STAT_pgalloc_movable,
};

/* rmqueue_buddy(): HIGHATOMIC first for ALLOC_HIGHATOMIC, then __rmqueue(),
 * then HIGHATOMIC as a last resort for ALLOC_OOM / ALLOC_NON_BLOCK. */
static uint32_t rmqueue_buddy(struct frag_mem *mem, struct frag_zone *z, unsigned order, unsigned alloc_flags,
			      int mt)
{
	uint32_t idx = IDX_NONE;

	frag_count(mem, FRAG_STAT_zone_lock, 1);
	if (alloc_flags & ALLOC_HIGHATOMIC)
		idx = __rmqueue_smallest(z, order, MIGRATE_HIGHATOMIC);
	if (idx == IDX_NONE) {
		enum rmqueue_mode rmqm = RMQUEUE_NORMAL;
		idx = __rmqueue(mem, z, order, mt, alloc_flags, &rmqm);
		if (idx == IDX_NONE && (alloc_flags & (ALLOC_OOM | ALLOC_NON_BLOCK)))
			idx = __rmqueue_smallest(z, order, MIGRATE_HIGHATOMIC);
	}
	return idx;
}

/* zone_statistics(preferred_zone, zone, 1): one event per allocation, whatever its order. */
static void zone_statistics(struct frag_mem *mem, const struct alloc_context *ac, const struct frag_zone *z)
{
	const uint64_t nr = 1;
	unsigned pref_nid = ac->node->id;

	if (z->nid == pref_nid)
		frag_count(mem, FRAG_STAT_numa_hit, nr);
	else
		frag_count(mem, FRAG_STAT_numa_miss, nr);
	if (z->nid == mem->cpu_node[ac->cpu])
		frag_count(mem, FRAG_STAT_numa_local, nr);
	else
		frag_count(mem, FRAG_STAT_numa_other, nr);
}

/**
 * rmqueue() - from the PCP list when the order is cacheable, else (or when
 * the PCP refill fails) from the buddy; then handle a pending boost:
 * ZONE_BOOSTED_WATERMARK with ALLOC_KSWAPD clears the bit and wakes kswapd.
 */
static uint64_t rmqueue(struct frag_mem *mem, const struct alloc_context *ac, struct frag_zone *z, unsigned order,
			unsigned alloc_flags, int mt)
{
	uint64_t pfn = FRAG_PFN_NONE;

	if (likely(pcp_allowed_order(mem, order)))
		pfn = rmqueue_pcplist(mem, z, ac->cpu, order, mt, alloc_flags);
	if (pfn == FRAG_PFN_NONE) {
		uint32_t idx = rmqueue_buddy(mem, z, order, alloc_flags, mt);
		if (idx != IDX_NONE)
			pfn = idx_to_pfn(z, idx);
	}
	if (pfn != FRAG_PFN_NONE) {
		frag_count(mem, pgalloc_stat[z->type], 1ull << order);
		zone_statistics(mem, ac, z);
	}
	if ((alloc_flags & ALLOC_KSWAPD) && unlikely(z->flags & ZONE_BOOSTED_WATERMARK)) {
		z->flags &= ~ZONE_BOOSTED_WATERMARK;
		wakeup_kswapd(mem, z, 0, 0, z->type);
	}
	return pfn;
}

/**
 * get_page_from_freelist() - walk the zonelist for a zone that passes its
 * watermark and has the pages.
 *  - NUMA without defrag_mode: reaching a remote node drops NOFRAGMENT and
 *    restarts (locality before fragmentation avoidance);
 *  - NUMA: nodes whose kswapd is active are skipped on the first pass;
 *  - ZONE_BELOW_HIGH is set when the high watermark fails (shrinks PCP high);
 *  - the alloc_flags watermark (LOW fast path, MIN slowpath) must pass,
 *    unless ALLOC_NO_WATERMARKS;
 *  - after a full pass with NOFRAGMENT and no defrag_mode, retry without it.
 */
static uint64_t get_page_from_freelist(struct frag_mem *mem, gfp_t gfp, unsigned order, unsigned alloc_flags,
				       const struct alloc_context *ac, struct frag_zone **zone_out)
{
	const struct frag_node *node = ac->node;
	bool multi_node = mem->nr_nodes > 1;
	bool skip_kswapd_nodes = multi_node;
	bool skipped_kswapd_nodes = false;
	bool no_fallback;

retry:
	no_fallback = alloc_flags & ALLOC_NOFRAGMENT;
	for (unsigned i = (unsigned)ac->preferred_zone; i < ac->nr_zonelist; i++) {
		struct frag_zone *z = &mem->zones[node->zonelist[i]];
		if (z->type > ac->highest_zoneidx)
			continue;

		if (no_fallback && !mem->sysctl.defrag_mode && multi_node && z->nid != node->id) {
			alloc_flags &= ~ALLOC_NOFRAGMENT;
			frag_count(mem, FRAG_STAT_nofragment_retry, 1);
			goto retry;
		}

		if (skip_kswapd_nodes && mem->nodes[z->nid].kswapd_active) {
			skipped_kswapd_nodes = true;
			continue;
		}

		if (!(z->flags & ZONE_BELOW_HIGH)) {
			if (zone_watermark_fast(mem, z, order, high_wmark_pages(z), ac->highest_zoneidx, alloc_flags,
						gfp))
				goto try_this_zone;
			z->flags |= ZONE_BELOW_HIGH;
		}

		uint64_t mark = wmark_pages(z, (enum zone_watermarks)(alloc_flags & ALLOC_WMARK_MASK));
		if (!zone_watermark_fast(mem, z, order, mark, ac->highest_zoneidx, alloc_flags, gfp)) {
			if (alloc_flags & ALLOC_NO_WATERMARKS)
				goto try_this_zone;
			continue;   /* node_reclaim is off (zone_reclaim_mode=0) */
		}

try_this_zone:;
		uint64_t pfn = rmqueue(mem, ac, z, order, alloc_flags, ac->migratetype);
		if (pfn != FRAG_PFN_NONE) {
			*zone_out = z;
			if (unlikely(alloc_flags & ALLOC_HIGHATOMIC))
				reserve_highatomic_pageblock(mem, z, pfn, order);
			return pfn;
		}
	}

	if (skip_kswapd_nodes && skipped_kswapd_nodes) {
		skip_kswapd_nodes = false;
		goto retry;
	}

	if (no_fallback && !mem->sysctl.defrag_mode) {
		alloc_flags &= ~ALLOC_NOFRAGMENT;
		frag_count(mem, FRAG_STAT_nofragment_retry, 1);
		goto retry;
	}
	return FRAG_PFN_NONE;
}

/**
 * alloc_flags_nofragment() - fast path only: ALLOC_KSWAPD from
 * __GFP_KSWAPD_RECLAIM; ALLOC_NOFRAGMENT with defrag_mode, or when the
 * preferred zone is Normal and (on NUMA machines) a populated DMA32 zone lies
 * below it on the same node (CONFIG_ZONE_DMA32).
 */
static unsigned alloc_flags_nofragment(const struct frag_mem *mem, const struct frag_zone *z, gfp_t gfp)
{
	unsigned alloc_flags = (gfp & __GFP_KSWAPD_RECLAIM) ? ALLOC_KSWAPD : 0;

	if (mem->sysctl.defrag_mode)
		return alloc_flags | ALLOC_NOFRAGMENT;
	if (!z)
		return alloc_flags;
	if (z->type != ZONE_NORMAL)
		return alloc_flags;
	/* If ZONE_DMA32 exists, assume fragmentation is worth avoiding; on UMA the
	 * kernel assumes DMA32 is populated whenever Normal is (nr_online_nodes > 1). */
	if (mem->nr_nodes > 1 && mem->nodes[z->nid].zone_of_type[ZONE_DMA32] < 0)
		return alloc_flags;
	return alloc_flags | ALLOC_NOFRAGMENT;
}

/* gfp_to_alloc_flags_cma() */
static inline unsigned gfp_to_alloc_flags_cma(gfp_t gfp, unsigned alloc_flags, bool mobility_disabled)
{
	if (gfp_migratetype(gfp, mobility_disabled) == MIGRATE_MOVABLE)
		alloc_flags |= ALLOC_CMA;
	return alloc_flags;
}

/**
 * gfp_to_alloc_flags() - slowpath flags: WMARK_MIN | CPUSET, __GFP_HIGH ->
 * MIN_RESERVE, __GFP_KSWAPD_RECLAIM -> KSWAPD; no direct reclaim and no
 * NOMEMALLOC -> NON_BLOCK, plus HIGHATOMIC for order > 0 with MIN_RESERVE;
 * MOVABLE -> CMA; defrag_mode -> NOFRAGMENT.
 */
static unsigned gfp_to_alloc_flags(const struct frag_mem *mem, gfp_t gfp, unsigned order)
{
	unsigned alloc_flags = ALLOC_WMARK_MIN | ALLOC_CPUSET;

	alloc_flags |= gfp & (__GFP_HIGH | __GFP_KSWAPD_RECLAIM);   /* == ALLOC_MIN_RESERVE | ALLOC_KSWAPD */
	if (!(gfp & __GFP_DIRECT_RECLAIM)) {
		if (!(gfp & __GFP_NOMEMALLOC)) {
			alloc_flags |= ALLOC_NON_BLOCK;
			if (order > 0 && (alloc_flags & ALLOC_MIN_RESERVE))
				alloc_flags |= ALLOC_HIGHATOMIC;
		}
	}
	alloc_flags = gfp_to_alloc_flags_cma(gfp, alloc_flags, mem->mobility_disabled);
	if (mem->sysctl.defrag_mode)
		alloc_flags |= ALLOC_NOFRAGMENT;
	return alloc_flags;
}

/* wake_all_kswapds(): every node of the zonelist, order raised to a
 * pageblock under defrag_mode. */
static void wake_all_kswapds(struct frag_mem *mem, gfp_t gfp, unsigned order, const struct alloc_context *ac)
{
	const struct frag_node *node = ac->node;
	unsigned reclaim_order = order;
	int last_nid = -1;

	if (mem->sysctl.defrag_mode && reclaim_order < PAGEBLOCK_ORDER)
		reclaim_order = PAGEBLOCK_ORDER;
	for (unsigned i = (unsigned)ac->preferred_zone; i < ac->nr_zonelist; i++) {
		struct frag_zone *z = &mem->zones[node->zonelist[i]];
		if (z->type > ac->highest_zoneidx || (int)z->nid == last_nid)
			continue;
		last_nid = (int)z->nid;
		wakeup_kswapd(mem, z, gfp, reclaim_order, ac->highest_zoneidx);
	}
}

/*
 * __alloc_pages_may_oom(): a last attempt at the HIGH watermark, then the
 * OOM point. The OOM killer is skipped for costly orders, __GFP_RETRY_MAYFAIL,
 * __GFP_THISNODE and requests limited to zones below Normal. out_of_memory()
 * kills nothing for a request without __GFP_FS ("the OOM killer does not
 * compensate for IO-less reclaim") and reports progress all the same:
 * counted as oom_nofs. Otherwise the OOM is counted (oom_kill) and recorded
 * with the zone state; one while the preferred zone's free pages are above
 * its low watermark is counted as early; the engine may kill a task
 * (env.out_of_memory) and report progress. A __GFP_NOFAIL request counts as
 * progress whatever the killer did (WARN_ON_ONCE_GFP) and gets one attempt
 * without watermarks (__alloc_pages_cpuset_fallback(ALLOC_NO_WATERMARKS)).
 * @killed says whether the progress came from env.out_of_memory().
 */
static uint64_t __alloc_pages_may_oom(struct frag_mem *mem, gfp_t gfp, unsigned order, struct alloc_context *ac,
				      struct frag_zone **zone_out, bool *did_some_progress, bool *killed)
{
	uint64_t pfn;

	*did_some_progress = false;
	*killed = false;
	pfn = get_page_from_freelist(mem, (gfp | __GFP_HARDWALL) & ~__GFP_DIRECT_RECLAIM, order,
				     ALLOC_WMARK_HIGH | ALLOC_CPUSET, ac, zone_out);
	if (pfn != FRAG_PFN_NONE)
		return pfn;
	if (order > PAGE_ALLOC_COSTLY_ORDER || (gfp & (__GFP_RETRY_MAYFAIL | __GFP_THISNODE)) ||
	    ac->highest_zoneidx < ZONE_NORMAL)
		return FRAG_PFN_NONE;

	if (!(gfp & __GFP_FS)) {
		/* out_of_memory(): !__GFP_FS and not a memcg OOM: return true. */
		frag_count(mem, FRAG_STAT_oom_nofs, 1);
		*did_some_progress = true;
	} else {
		const struct frag_zone *z = &mem->zones[ac->node->zonelist[ac->preferred_zone]];
		frag_count(mem, FRAG_STAT_oom_kill, 1);
		if (z->nr_free_pages > (int64_t)low_wmark_pages(z))
			frag_count(mem, FRAG_STAT_oom_early, 1);
		if (frag_trace_on(mem, TRACE_OOM)) {
			struct frag_trace_event ev = { .id = TRACE_OOM, .time_ns = frag_now(mem) };
			ev.oom = (struct frag_ev_oom){
				.order = order,
				.gfp = gfp,
				.nid = (int)ac->node->id,
				.free_pages = (uint64_t)z->nr_free_pages,
				.low_wmark = low_wmark_pages(z),
			};
			mem->env.trace(mem->env.arg, &ev);
		}
		if (mem->env.out_of_memory)
			*did_some_progress = *killed = mem->env.out_of_memory(mem->env.arg, ac->node->id, order, gfp);
	}
	if (gfp & __GFP_NOFAIL) {
		*did_some_progress = true;
		return get_page_from_freelist(mem, gfp, order, ALLOC_NO_WATERMARKS | ALLOC_CPUSET, ac, zone_out);
	}
	return FRAG_PFN_NONE;
}

/*
 * __alloc_pages_direct_reclaim(): try_to_free_pages() then, if it made
 * progress, one retry; if that fails, release a HIGHATOMIC block (keeping one
 * per zone), drain the PCPs and retry once more. Reclaim itself is
 * vmscan.c's try_to_free_pages() (mem->reclaim).
 */
static uint64_t __alloc_pages_direct_reclaim(struct frag_mem *mem, gfp_t gfp, unsigned order,
					     unsigned alloc_flags, struct alloc_context *ac,
					     struct frag_zone **zone_out, uint64_t *did_some_progress)
{
	uint64_t pfn;
	bool drained = false;

	*did_some_progress = mem->reclaim.try_to_free_pages ?
				     mem->reclaim.try_to_free_pages(mem, ac->node->id, order, gfp) : 0;
	if (!*did_some_progress)
		return FRAG_PFN_NONE;
retry:
	pfn = get_page_from_freelist(mem, gfp, order, alloc_flags, ac, zone_out);
	if (pfn == FRAG_PFN_NONE && !drained) {
		unreserve_highatomic_pageblock(mem, ac->node->zonelist, ac->nr_zonelist, ac->highest_zoneidx,
					       ac->migratetype, false);
		frag_drain_all_pages(mem, -1);
		drained = true;
		goto retry;
	}
	return pfn;
}

/*
 * __alloc_pages_direct_compact(): try_to_compact_pages() at @prio. Unless
 * every zone was skipped, count a stall; take the captured block, or try the
 * free lists; on success clear compact_blockskip_flush and reset the zone's
 * deferral (compaction_defer_reset(..., true)), counting compact_success,
 * else compact_fail.
 */
static uint64_t __alloc_pages_direct_compact(struct frag_mem *mem, gfp_t gfp, unsigned order,
					     unsigned alloc_flags, struct alloc_context *ac, int prio,
					     struct frag_zone **zone_out, enum compact_result *result)
{
	uint64_t pfn = FRAG_PFN_NONE;

	*result = COMPACT_SKIPPED;
	if (!order || !mem->reclaim.try_to_compact_pages)
		return FRAG_PFN_NONE;
	mem->compact_cpu = (int)ac->cpu;   /* current: lru_add_drain_cpu_zone() drains this CPU */
	*result = mem->reclaim.try_to_compact_pages(mem, ac->node->id, order, gfp, alloc_flags, prio, &pfn);
	mem->compact_cpu = -1;
	if (*result == COMPACT_SKIPPED)
		return FRAG_PFN_NONE;
	frag_count(mem, FRAG_STAT_compact_stall, 1);

	if (pfn != FRAG_PFN_NONE)
		*zone_out = pfn_to_zone(mem, pfn);   /* prep_new_page() follows in the caller */
	else
		pfn = get_page_from_freelist(mem, gfp, order, alloc_flags, ac, zone_out);
	if (pfn != FRAG_PFN_NONE) {
		(*zone_out)->compact_blockskip_flush = false;
		compaction_defer_reset(*zone_out, (int)order, true);
		frag_count(mem, FRAG_STAT_compact_success, 1);
		return pfn;
	}
	frag_count(mem, FRAG_STAT_compact_fail, 1);
	return FRAG_PFN_NONE;
}

/* zone_reclaimable_pages(): what reclaim could free in the zone. */
static uint64_t zone_reclaimable_pages(const struct frag_mem *mem, const struct frag_zone *z)
{
	return mem->reclaim.zone_reclaimable_pages ? mem->reclaim.zone_reclaimable_pages(mem, z->id) : 0;
}

/*
 * should_reclaim_retry(): up to MAX_RECLAIM_RETRIES loops without progress
 * (costly orders never count as progress); retry while some zone would pass
 * its MIN watermark if everything reclaimable were freed. When giving up,
 * force-release a HIGHATOMIC block; if that worked, retry.
 */
static bool should_reclaim_retry(struct frag_mem *mem, unsigned order, struct alloc_context *ac,
				 unsigned alloc_flags, bool did_some_progress, int *no_progress_loops)
{
	if (did_some_progress && order <= PAGE_ALLOC_COSTLY_ORDER)
		*no_progress_loops = 0;
	else
		(*no_progress_loops)++;

	bool ret = false;
	if (*no_progress_loops <= MAX_RECLAIM_RETRIES) {
		const struct frag_node *node = ac->node;
		for (unsigned i = (unsigned)ac->preferred_zone; i < ac->nr_zonelist; i++) {
			const struct frag_zone *z = &mem->zones[node->zonelist[i]];
			if (z->type > ac->highest_zoneidx)
				continue;
			int64_t available = (int64_t)zone_reclaimable_pages(mem, z) + z->nr_free_pages;
			if (__zone_watermark_ok(mem, z, order, min_wmark_pages(z), ac->highest_zoneidx, alloc_flags,
						available)) {
				ret = true;
				break;
			}
		}
	}
	if (!ret)
		return unreserve_highatomic_pageblock(mem, ac->node->zonelist, ac->nr_zonelist,
						      ac->highest_zoneidx, ac->migratetype, true);
	return ret;
}

/*
 * should_compact_retry(): after a failed compaction, retry SKIPPED when
 * reclaim may help (compaction_zonelist_suitable()), SUCCESS (a lost race)
 * up to MAX_COMPACT_RETRIES (costly: a quarter); otherwise, or when those
 * retries are used up, raise the priority (down to SYNC_FULL, or SYNC_LIGHT
 * for costly orders) with the retry count reset.
 */
static bool should_compact_retry(const struct frag_mem *mem, const struct alloc_context *ac, unsigned order,
				 enum compact_result result, int *prio, int *retries)
{
	int max_retries = MAX_COMPACT_RETRIES;

	if (!order)
		return false;
	if (result == COMPACT_SKIPPED)
		return compaction_zonelist_suitable(mem, ac->node->id, ac->nr_zonelist, order, ac->highest_zoneidx);
	if (result == COMPACT_SUCCESS) {
		if (order > PAGE_ALLOC_COSTLY_ORDER)
			max_retries /= 4;
		if (++(*retries) <= max_retries)
			return true;
	}
	int min_priority = order > PAGE_ALLOC_COSTLY_ORDER ? MIN_COMPACT_COSTLY_PRIORITY : MIN_COMPACT_PRIORITY;
	if (*prio > min_priority) {
		(*prio)--;
		*retries = 0;
		return true;
	}
	return false;
}

/**
 * __alloc_pages_slowpath() - Linux 6.18 layout:
 *   wake kswapd; retry at the MIN watermark (gfp_to_alloc_flags);
 *   costly or non-movable high-order requests that may reclaim start with
 *   one async compaction (__GFP_NORETRY costly requests give up if it was
 *   skipped or deferred);
 * retry:
 *   wake kswapd; __GFP_MEMALLOC ignores the watermarks; no direct reclaim
 *   (GFP_ATOMIC, GFP_NOWAIT, GFP_TRANSHUGE_LIGHT) fails here; direct reclaim;
 *   direct compaction; __GFP_NORETRY fails; costly orders fail unless they
 *   can compact and have __GFP_RETRY_MAYFAIL; should_reclaim_retry();
 *   should_compact_retry(); defrag_mode drops NOFRAGMENT; the OOM point.
 * With sysctl.compact_first, the 7.0 layout (kernel-model.md §4.10): the
 * first async compaction is the loop's first pass, without reclaim; when it
 * fails, __GFP_NORETRY | __GFP_THISNODE gives up, __GFP_NORETRY goes round
 * once more at async priority (whatever the first result was), the rest at
 * DEF_COMPACT_PRIORITY.
 * __GFP_NOFAIL: the OOM point gives it one attempt without watermarks;
 * nopage: one more at half the min watermark (ALLOC_MIN_RESERVE), and as the
 * model cannot loop forever, a failure is counted (nofail_fail). Progress
 * at the OOM point without a kill is retried once (see there).
 */
static uint64_t __alloc_pages_slowpath(struct frag_mem *mem, gfp_t gfp, unsigned order, struct alloc_context *ac,
				       struct frag_zone **zone_out)
{
	bool can_direct_reclaim = gfp & __GFP_DIRECT_RECLAIM;
	bool can_compact = gfp & __GFP_IO;   /* gfp_compaction_allowed() */
	bool costly = order > PAGE_ALLOC_COSTLY_ORDER;
	bool pfmemalloc = (gfp & __GFP_MEMALLOC) && !(gfp & __GFP_NOMEMALLOC);
	int compaction_retries = 0, no_progress_loops = 0;
	bool oom_retried = false;   /* the one retry after OOM-point progress without a kill */
	bool compact_first = false;  /* sysctl.compact_first: the loop's first pass only compacts */
	int compact_priority = DEF_COMPACT_PRIORITY;
	enum compact_result compact_result = COMPACT_SKIPPED;
	uint64_t did_some_progress = 0;
	unsigned alloc_flags;
	uint64_t pfn;
	uint64_t t0 = frag_now(mem);

	frag_count(mem, FRAG_STAT_alloc_slowpath, 1);
	alloc_flags = gfp_to_alloc_flags(mem, gfp, order);
	if (mem->policy->alloc_flags)
		alloc_flags = mem->policy->alloc_flags(mem, mem->policy_priv,
						       &mem->zones[ac->node->zonelist[ac->preferred_zone]], gfp,
						       order, alloc_flags, true);
	if (alloc_flags & ALLOC_KSWAPD)
		wake_all_kswapds(mem, gfp, order, ac);

	pfn = get_page_from_freelist(mem, gfp, order, alloc_flags, ac, zone_out);
	if (pfn != FRAG_PFN_NONE)
		goto got_pg;

	/*
	 * Costly requests, and non-movable high-order ones, compact once (async)
	 * before they reclaim. v6.18 does it here, outside the loop; with
	 * sysctl.compact_first (the 7.0 layout) the loop's first pass does it in
	 * place of reclaim and compaction (below).
	 */
	if (can_direct_reclaim && can_compact && (costly || (order > 0 && ac->migratetype != MIGRATE_MOVABLE)) &&
	    !pfmemalloc) {
		if (mem->sysctl.compact_first) {
			compact_first = true;
			compact_priority = INIT_COMPACT_PRIORITY;
			goto retry;
		}
		pfn = __alloc_pages_direct_compact(mem, gfp, order, alloc_flags, ac, INIT_COMPACT_PRIORITY, zone_out,
						   &compact_result);
		if (pfn != FRAG_PFN_NONE)
			goto got_pg;
		if (costly && (gfp & __GFP_NORETRY)) {
			if (compact_result == COMPACT_SKIPPED || compact_result == COMPACT_DEFERRED)
				goto nopage;
			compact_priority = INIT_COMPACT_PRIORITY;
		}
	}

retry:
	if (alloc_flags & ALLOC_KSWAPD)
		wake_all_kswapds(mem, gfp, order, ac);

	/* __gfp_pfmemalloc_flags(): the reserve flags replace the others. */
	if (pfmemalloc)
		alloc_flags = gfp_to_alloc_flags_cma(gfp, ALLOC_NO_WATERMARKS, mem->mobility_disabled) |
			      (alloc_flags & ALLOC_KSWAPD);

	pfn = get_page_from_freelist(mem, gfp, order, alloc_flags, ac, zone_out);
	if (pfn != FRAG_PFN_NONE)
		goto got_pg;

	if (!can_direct_reclaim)
		goto nopage;

	if (!compact_first) {
		pfn = __alloc_pages_direct_reclaim(mem, gfp, order, alloc_flags, ac, zone_out, &did_some_progress);
		if (pfn != FRAG_PFN_NONE)
			goto got_pg;
	}

	pfn = __alloc_pages_direct_compact(mem, gfp, order, alloc_flags, ac, compact_priority, zone_out,
					   &compact_result);
	if (pfn != FRAG_PFN_NONE)
		goto got_pg;

	/*
	 * compact_first failed (7.0): a THP fault's local try (__GFP_NORETRY |
	 * __GFP_THISNODE, alloc_pages_mpol()) gives up without reclaim; others
	 * go round again with reclaim, at DEF_COMPACT_PRIORITY unless
	 * __GFP_NORETRY keeps the single further round async.
	 */
	if (compact_first) {
		if ((gfp & (__GFP_NORETRY | __GFP_THISNODE)) == (__GFP_NORETRY | __GFP_THISNODE))
			goto nopage;
		if (!(gfp & __GFP_NORETRY))
			compact_priority = DEF_COMPACT_PRIORITY;
		compact_first = false;
		goto retry;
	}

	if (gfp & __GFP_NORETRY)
		goto nopage;
	if (costly && (!can_compact || !(gfp & __GFP_RETRY_MAYFAIL)))
		goto nopage;

	if (should_reclaim_retry(mem, order, ac, alloc_flags, did_some_progress > 0, &no_progress_loops))
		goto retry;

	if (did_some_progress > 0 && can_compact &&
	    should_compact_retry(mem, ac, order, compact_result, &compact_priority, &compaction_retries))
		goto retry;

	/* defrag_mode: NOFRAGMENT is dropped only now, just before OOM. */
	if (mem->sysctl.defrag_mode && (alloc_flags & ALLOC_NOFRAGMENT)) {
		alloc_flags &= ~ALLOC_NOFRAGMENT;
		goto retry;
	}

	bool oom_progress, oom_killed;
	pfn = __alloc_pages_may_oom(mem, gfp, order, ac, zone_out, &oom_progress, &oom_killed);
	if (pfn != FRAG_PFN_NONE)
		goto got_pg;
	/*
	 * Progress restarts the loop. A kill (env.out_of_memory) freed memory;
	 * the progress out_of_memory() reports without a kill (no __GFP_FS) or
	 * that __GFP_NOFAIL claims changes nothing the model can see: the
	 * kernel loops on until another task frees memory, which cannot happen
	 * inside one allocation here, so that retry is taken once.
	 */
	if (oom_progress && (oom_killed || !oom_retried)) {
		oom_retried |= !oom_killed;
		no_progress_loops = 0;
		goto retry;
	}

nopage:
	/*
	 * __GFP_NOFAIL: without direct reclaim the kernel gives up (and warns);
	 * otherwise __alloc_pages_cpuset_fallback(ALLOC_MIN_RESERVE): half the
	 * min watermark, never ALLOC_NO_WATERMARKS ("could deplete whole memory
	 * reserves"). The kernel then loops; the model counts the failure.
	 */
	if (gfp & __GFP_NOFAIL) {
		if (can_direct_reclaim) {
			pfn = get_page_from_freelist(mem, gfp, order, ALLOC_MIN_RESERVE | ALLOC_CPUSET, ac, zone_out);
			if (pfn != FRAG_PFN_NONE)
				goto got_pg;
		}
		frag_count(mem, FRAG_STAT_nofail_fail, 1);
	}
	pfn = FRAG_PFN_NONE;
got_pg:
	frag_count(mem, FRAG_STAT_alloc_stall_ns, frag_now(mem) - t0);
	return pfn;
}

uint64_t frag_alloc_pages(struct frag_mem *mem, unsigned cpu, unsigned order, gfp_t gfp,
			  const struct frag_owner *owner)
{
	return frag_alloc_pages_node(mem, cpu, -1, order, gfp, owner);
}

uint64_t frag_alloc_pages_node(struct frag_mem *mem, unsigned cpu, int nid, unsigned order, gfp_t gfp,
			       const struct frag_owner *owner)
{
	struct alloc_context ac;
	struct frag_zone *zone = NULL;
	uint64_t pfn;

	frag_count(mem, FRAG_STAT_alloc_requests, 1);
	if (unlikely(order > MAX_PAGE_ORDER || cpu >= mem->nr_cpus || nid >= (int)mem->nr_nodes)) {
		frag_count(mem, FRAG_STAT_alloc_fail, 1);
		return FRAG_PFN_NONE;
	}

	/* prepare_alloc_pages(): the preferred node's zonelist, @cpu's PCPs */
	ac.cpu = cpu;
	ac.node = &mem->nodes[nid < 0 ? mem->cpu_node[cpu] : (unsigned)nid];
	ac.highest_zoneidx = gfp_zone(gfp);
	ac.migratetype = gfp_migratetype(gfp, mem->mobility_disabled);
	ac.preferred_zone = -1;
	/* node_zonelist() -> gfp_zonelist(): __GFP_THISNODE uses ZONELIST_NOFALLBACK,
	 * the node's own zones, which lead its zonelist. */
	ac.nr_zonelist = ac.node->nr_zonelist;
	if (gfp & __GFP_THISNODE) {
		ac.nr_zonelist = 0;
		for (int t = 0; t < MAX_NR_ZONES; t++)
			if (ac.node->zone_of_type[t] >= 0)
				ac.nr_zonelist++;
	}
	for (unsigned i = 0; i < ac.nr_zonelist; i++)
		if (mem->zones[ac.node->zonelist[i]].type <= ac.highest_zoneidx) {
			ac.preferred_zone = (int)i;
			break;
		}
	if (unlikely(ac.preferred_zone < 0)) {
		frag_count(mem, FRAG_STAT_alloc_fail, 1);
		return FRAG_PFN_NONE;
	}

	struct frag_zone *pref = &mem->zones[ac.node->zonelist[ac.preferred_zone]];
	unsigned alloc_flags = ALLOC_WMARK_LOW | alloc_flags_nofragment(mem, pref, gfp);
	alloc_flags = gfp_to_alloc_flags_cma(gfp, alloc_flags, mem->mobility_disabled);
	if (mem->policy->alloc_flags)
		alloc_flags = mem->policy->alloc_flags(mem, mem->policy_priv, pref, gfp, order, alloc_flags, false);

	pfn = get_page_from_freelist(mem, gfp, order, alloc_flags, &ac, &zone);
	if (unlikely(pfn == FRAG_PFN_NONE))
		pfn = __alloc_pages_slowpath(mem, gfp, order, &ac, &zone);

	if (unlikely(pfn == FRAG_PFN_NONE)) {
		frag_count(mem, FRAG_STAT_alloc_fail, 1);
		if (order > PAGE_ALLOC_COSTLY_ORDER)
			frag_count(mem, FRAG_STAT_alloc_fail_costly, 1);
	} else {
		prep_new_page(mem, zone, pfn, order, gfp, owner);
		/* frag_config.fault_inject: the test-only fault fragsim fuzz must find. */
		if (unlikely(mem->fault_inject) && order == mem->fault_inject - 1 && !mem->fault_fired) {
			zone->nr_free_pages--;
			mem->fault_fired = true;
		}
	}
	frag_maybe_check(mem);
	return pfn;
}

/* ---------------------------------------------------------------------- */
/* Free                                                                   */
/* ---------------------------------------------------------------------- */

/**
 * frag_free_pages() - __free_frozen_pages(): orders the PCP cannot hold go
 * to free_one_page() (__free_pages_ok); pages of ISOLATE pageblocks go
 * straight to the buddy; HIGHATOMIC and CMA pages use the MOVABLE PCP list.
 */
int frag_free_pages(struct frag_mem *mem, unsigned cpu, uint64_t pfn, unsigned order)
{
	struct frag_zone *z = pfn_to_zone(mem, pfn);

	if (!z || cpu >= mem->nr_cpus)
		return -EINVAL;
	const struct frag_page *p = &z->pages[pfn_to_idx(z, pfn)];
	if (p->state != PG_ALLOC || p->order != order)
		return -EINVAL;

	if (order > MAX_PAGE_ORDER && mem->policy->free_contig &&
	    mem->policy->free_contig(mem, mem->policy_priv, pfn, order)) {
		frag_maybe_check(mem);
		return 0;   /* the policy keeps it (e.g. its boot-time hugetlb pool) */
	}
	frag_count(mem, FRAG_STAT_free_requests, 1);
	frag_count(mem, FRAG_STAT_pgfree, 1ull << order);
	free_pages_prepare(z, pfn, order);

	if (!pcp_allowed_order(mem, order)) {
		free_one_page(mem, z, pfn, order, FPI_NONE);
	} else {
		int mt = get_pageblock_migratetype(z, pfn);
		if (unlikely(mt >= MIGRATE_PCPTYPES)) {
			if (is_migrate_isolate(mt)) {
				free_one_page(mem, z, pfn, order, FPI_NONE);
				goto out;
			}
			mt = MIGRATE_MOVABLE;
		}
		free_frozen_page_commit(mem, z, cpu, pfn, order, mt);
	}
out:
	frag_maybe_check(mem);
	return 0;
}
