/* SPDX-License-Identifier: MIT */
/*
 * page_isolation.c - pageblock isolation, the first step of a contiguous
 * allocation (mm/page_isolation.c of Linux 6.18, with the isolate helpers of
 * mm/page_alloc.c it calls).
 *
 * Mirrors:
 *   page_is_unmovable(), has_unmovable_pages()   may a page / pageblock move?
 *   set_migratetype_isolate()                     isolate one pageblock
 *   unset_migratetype_isolate()                   undo it, merging across blocks
 *   start_isolate_page_range(), isolate_single_pageblock() (the boundary rule)
 *   undo_isolate_page_range(), test_pages_isolated()
 *   __move_freepages_block_isolate() (pageblock_isolate_and_move_free_pages()
 *   / pageblock_unisolate_and_move_free_pages()), find_large_buddy(),
 *   split_large_buddy(), toggle_pageblock_isolate()
 *
 * An isolated pageblock has PB_MIGRATE_ISOLATE set (the stored migratetype
 * survives); its free pages sit on the MIGRATE_ISOLATE free lists, which
 * neither NR_FREE_PAGES nor the allocator see, and pages freed into it go
 * there too (get_pageblock_migratetype() says ISOLATE). A free buddy larger
 * than a pageblock that straddles an isolated and a non-isolated block is
 * split first, so no free block ever spans both. Two order-9 halves of an
 * order-10 buddy that are both isolated stay unmerged (moving pages between
 * lists never merges); unset_migratetype_isolate() merges them again.
 */
#include <errno.h>

#include "internal.h"

/* The block covering @pfn: its head, or FRAG_PFN_NONE for holes and reserved pages. */
uint64_t page_block_head(const struct frag_zone *z, uint64_t pfn)
{
	const struct frag_page *p = &z->pages[pfn - z->zone_start_pfn];

	if (p->state == PG_HOLE || p->state == PG_RESERVED)
		return FRAG_PFN_NONE;
	if (p->state != PG_TAIL)
		return pfn;
	for (unsigned o = 1; o <= SPB_ORDER; o++) {
		uint64_t h = pfn & ~((1ull << o) - 1);
		if (h < z->zone_start_pfn)
			break;
		const struct frag_page *hp = &z->pages[h - z->zone_start_pfn];
		if (hp->state != PG_TAIL && hp->state != PG_HOLE && hp->state != PG_RESERVED && hp->order >= o)
			return h;
	}
	return FRAG_PFN_NONE;
}

/**
 * page_is_unmovable() - would the page at @pfn keep its pageblock from being
 * isolated (mm/page_isolation.c)? kernel-model.md 9.3:
 *  - PageReserved (reserved ranges; holes with a memmap) - unmovable,
 *    even in ZONE_MOVABLE; after that every page of ZONE_MOVABLE is movable;
 *  - compound pages: of order > MAX_FOLIO_ORDER unmovable; hugetlb movable
 *    (x86-64 migrates PMD and PUD hugetlb folios); others movable iff on
 *    the LRU (THP yes, slab and large kmalloc no); stepped over at once;
 *  - refcount 0 (free buddies, PCP pages, tails of non-compound high-order
 *    allocations) movable; a buddy is stepped over by its order;
 *  - LRU pages and pages with movable_ops movable (pinned LRU pages too:
 *    they fail later, in migration);
 *  - anything else (slab, page tables, kernel, netbuf) unmovable.
 * The model steps over every free or allocated block at once (*@step); its
 * tails would all give the head's verdict or "refcount 0".
 */
bool page_is_unmovable(const struct frag_zone *z, uint64_t pfn, enum pb_isolate_mode mode, uint64_t *step)
{
	const struct frag_page *p = &z->pages[pfn - z->zone_start_pfn];
	(void)mode;   /* HWPoison and PageOffline (MEM_OFFLINE) are not modelled */

	*step = 1;
	if (p->state == PG_HOLE || p->state == PG_RESERVED)
		return true;
	if (z->type == ZONE_MOVABLE)
		return false;
	uint64_t head = page_block_head(z, pfn);
	FRAG_BUG_ON(head == FRAG_PFN_NONE);
	const struct frag_page *h = &z->pages[head - z->zone_start_pfn];
	uint64_t end = head + (1ull << h->order);

	if (h->state != PG_ALLOC) {
		*step = end - pfn;   /* free: page_ref_count() == 0 */
		return false;
	}
	unsigned kind = page_kind(h), of = page_owner_flags(h);
	if ((of & OWNER_COMPOUND) || kind == KIND_HUGETLB) {
		if (h->order > MAX_FOLIO_ORDER)
			return true;
		if (kind != KIND_HUGETLB && !(of & OWNER_LRU))
			return true;
		*step = end - pfn;
		return false;
	}
	if (pfn != head) {
		*step = end - pfn;   /* tail of a non-compound allocation: refcount 0 */
		return false;
	}
	if (of & (OWNER_LRU | OWNER_MOVABLE_OPS)) {
		*step = end - pfn;
		return false;
	}
	return true;
}

/**
 * has_unmovable_pages() - the first page of [@start_pfn, @end_pfn) (inside
 * one pageblock) that page_is_unmovable() says is unmovable, or
 * FRAG_PFN_NONE. A CMA pageblock counts as unmovable unless the mode is
 * PB_ISOLATE_MODE_CMA_ALLOC. A pageblock whose pages are all free answers
 * at once from its counters (every page has refcount 0).
 */
uint64_t has_unmovable_pages(const struct frag_zone *z, uint64_t start_pfn, uint64_t end_pfn,
			     enum pb_isolate_mode mode)
{
	const struct frag_pageblock *pb = pfn_to_pb(z, start_pfn);

	if (pb->mt == MIGRATE_CMA)
		return mode == PB_ISOLATE_MODE_CMA_ALLOC ? FRAG_PFN_NONE : start_pfn;
	if (!(pb->flags & PB_PARTIAL) && pb->nr_free + pb->nr_pcp == PAGEBLOCK_NR_PAGES)
		return FRAG_PFN_NONE;
	while (start_pfn < end_pfn) {
		uint64_t step;
		if (page_is_unmovable(z, start_pfn, mode, &step))
			return start_pfn;
		start_pfn += step;
	}
	return FRAG_PFN_NONE;
}

/* toggle_pageblock_isolate() plus the SPB's count of isolated pageblocks. */
static void toggle_pageblock_isolate(struct frag_zone *z, uint64_t pfn, bool isolate)
{
	struct frag_pageblock *pb = pfn_to_pb(z, pfn);
	struct frag_spb *spb = pfn_to_spb(z, pfn);

	if (isolate) {
		pb->flags |= PB_MIGRATE_ISOLATE;
		spb->nr_pb_isolated++;
	} else {
		pb->flags &= (uint8_t)~PB_MIGRATE_ISOLATE;
		spb->nr_pb_isolated--;
	}
}

/*
 * find_large_buddy(): the head of a free buddy that starts before
 * @start_pfn and reaches into it, else @start_pfn.
 */
static uint64_t find_large_buddy(const struct frag_zone *z, uint64_t start_pfn)
{
	for (unsigned order = 0; order <= MAX_PAGE_ORDER; order++) {
		uint64_t pfn = start_pfn & ~((1ull << order) - 1);
		if (pfn < z->zone_start_pfn)
			break;
		const struct frag_page *p = &z->pages[pfn - z->zone_start_pfn];
		if (p->state == PG_BUDDY)
			return pfn + (1ull << p->order) > start_pfn ? pfn : start_pfn;
	}
	return start_pfn;
}

/* split_large_buddy(): free a detached run pageblock by pageblock, each
 * piece with its own pageblock's migratetype (under the caller's lock). */
static void split_large_buddy(struct frag_mem *mem, struct frag_zone *z, uint64_t pfn, unsigned order)
{
	uint64_t end = pfn + (1ull << order);
	unsigned chunk = order > PAGEBLOCK_ORDER ? PAGEBLOCK_ORDER : order;

	do {
		__free_one_page(mem, z, pfn, chunk, get_pageblock_migratetype(z, pfn), FPI_NONE);
		pfn += 1ull << chunk;
	} while (pfn < end);
}

/*
 * __move_freepages_block_isolate(): set (@isolate) or clear the isolate bit
 * of the pageblock at @pfn and move its free pages to or from the ISOLATE
 * lists. A free buddy larger than a pageblock that covers it (starting here
 * or in the block before) is taken off its list and freed again pageblock
 * by pageblock after the toggle, so that each half lands on its block's own
 * list. False if the pageblock is not entirely in the zone
 * (prep_move_freepages_block()) or already in that state.
 */
static bool __move_freepages_block_isolate(struct frag_mem *mem, struct frag_zone *z, uint64_t pfn, bool isolate)
{
	uint64_t start = pfn & ~(uint64_t)(PAGEBLOCK_NR_PAGES - 1);
	struct frag_pageblock *pb = pfn_to_pb(z, start);

	if (!!(pb->flags & PB_MIGRATE_ISOLATE) == isolate || (pb->flags & PB_PARTIAL))
		return false;

	uint64_t buddy_pfn = find_large_buddy(z, start);
	const struct frag_page *bp = &z->pages[buddy_pfn - z->zone_start_pfn];
	if (buddy_pfn != start || (bp->state == PG_BUDDY && bp->order > PAGEBLOCK_ORDER)) {
		unsigned order = bp->order;
		__del_from_free_list(z, pfn_to_idx(z, buddy_pfn), order, bp->mt);
		toggle_pageblock_isolate(z, start, isolate);
		split_large_buddy(mem, z, buddy_pfn, order);
		return true;
	}
	int stored = pb->mt;
	move_freepages_block(z, start, isolate ? stored : MIGRATE_ISOLATE, isolate ? MIGRATE_ISOLATE : stored);
	toggle_pageblock_isolate(z, start, isolate);
	return true;
}

/**
 * set_migratetype_isolate() - isolate the pageblock at @pfn: -EBUSY if it
 * is already isolated (someone else's range), if has_unmovable_pages()
 * finds an unmovable page (*@unmovable = its pfn; otherwise FRAG_PFN_NONE)
 * or if it is not entirely inside the zone; otherwise its free pages move
 * to the ISOLATE lists, the isolate bit is set and nr_isolate_pageblock
 * grows. Counted in contig_isolated_pageblocks.
 */
int set_migratetype_isolate(struct frag_mem *mem, struct frag_zone *z, uint64_t pfn, enum pb_isolate_mode mode,
			    uint64_t *unmovable)
{
	uint64_t start = pfn & ~(uint64_t)(PAGEBLOCK_NR_PAGES - 1);
	uint64_t end = start + PAGEBLOCK_NR_PAGES;

	*unmovable = FRAG_PFN_NONE;
	if (pfn_to_pb(z, start)->flags & PB_MIGRATE_ISOLATE)
		return -EBUSY;
	if (start < z->zone_start_pfn)
		start = z->zone_start_pfn;
	if (end > zone_end_pfn(z))
		end = zone_end_pfn(z);
	*unmovable = has_unmovable_pages(z, start, end, mode);
	if (*unmovable != FRAG_PFN_NONE)
		return -EBUSY;
	if (!__move_freepages_block_isolate(mem, z, start, true))
		return -EBUSY;
	z->nr_isolate_pageblock++;
	frag_count(mem, FRAG_STAT_contig_isolated_pageblocks, 1);
	return 0;
}

/**
 * unset_migratetype_isolate() - give the pageblock at @pfn back its stored
 * migratetype. If it starts with a free order-9 buddy whose buddy block is
 * already back (not isolated), the page is taken off and freed again
 * (__isolate_free_page() + __putback_isolated_page()) so that the two merge
 * into an order-10 block; otherwise its free pages move back to the stored
 * type's lists (tail).
 */
void unset_migratetype_isolate(struct frag_mem *mem, struct frag_zone *z, uint64_t pfn)
{
	uint64_t start = pfn & ~(uint64_t)(PAGEBLOCK_NR_PAGES - 1);
	const struct frag_page *p = &z->pages[start - z->zone_start_pfn];
	bool isolated_page = false;
	unsigned order = 0;

	if (!(pfn_to_pb(z, start)->flags & PB_MIGRATE_ISOLATE))
		return;
	if (p->state == PG_BUDDY && p->order >= PAGEBLOCK_ORDER && p->order < MAX_PAGE_ORDER) {
		order = p->order;
		uint64_t buddy = start ^ (1ull << order);
		if (zone_spans_pfn(z, buddy)) {
			const struct frag_page *b = &z->pages[buddy - z->zone_start_pfn];
			if (b->state == PG_BUDDY && b->order == order &&
			    !(pfn_to_pb(z, buddy)->flags & PB_MIGRATE_ISOLATE)) {
				__del_from_free_list(z, pfn_to_idx(z, start), order, p->mt);
				isolated_page = true;
			}
		}
	}
	if (!isolated_page) {
		bool moved = __move_freepages_block_isolate(mem, z, start, false);
		FRAG_BUG_ON(!moved);
	} else {
		toggle_pageblock_isolate(z, start, false);
		__free_one_page(mem, z, start, order, get_pageblock_migratetype(z, start), FPI_NONE);
	}
	z->nr_isolate_pageblock--;
}

/* __first_valid_page() is NULL for a pageblock of absent pages only. */
static bool pageblock_absent(const struct frag_zone *z, uint64_t start)
{
	const struct frag_pageblock *pb = pfn_to_pb(z, start);
	uint64_t s = start < z->zone_start_pfn ? z->zone_start_pfn : start;
	uint64_t e = start + PAGEBLOCK_NR_PAGES > zone_end_pfn(z) ? zone_end_pfn(z) : start + PAGEBLOCK_NR_PAGES;

	if (pb->nr_reserved != e - s)
		return false;
	for (uint64_t p = s; p < e; p++)
		if (z->pages[p - z->zone_start_pfn].state != PG_HOLE)
			return false;
	return true;
}

/*
 * isolate_single_pageblock()'s straddle rule at @boundary: an in-use
 * compound page (not hugetlb, which is handled later) that crosses the
 * boundary cannot be split, so the range fails. Free buddies that cross it
 * are split by __move_freepages_block_isolate(). Boundaries aligned to
 * MAX_ORDER_NR_PAGES are never crossed by anything but a gigantic folio.
 */
static bool compound_straddles(const struct frag_zone *z, uint64_t boundary)
{
	if (!(boundary & ((1ull << MAX_PAGE_ORDER) - 1)) || boundary <= z->zone_start_pfn ||
	    boundary >= zone_end_pfn(z))
		return false;
	uint64_t head = page_block_head(z, boundary - 1);
	if (head == FRAG_PFN_NONE)
		return false;
	const struct frag_page *h = &z->pages[head - z->zone_start_pfn];
	return h->state == PG_ALLOC && head + (1ull << h->order) > boundary && page_kind(h) != KIND_HUGETLB &&
	       (page_owner_flags(h) & OWNER_COMPOUND);
}

/**
 * start_isolate_page_range() - isolate every pageblock of [@start_pfn,
 * @end_pfn) (pageblock aligned, inside @z): the first and the last
 * pageblock first (isolate_single_pageblock(), which also refuses a
 * compound page straddling the range), then the others in ascending order.
 * On the first failure everything isolated so far is undone and -EBUSY is
 * returned, *@failed_pfn being the unmovable page found, or FRAG_PFN_NONE
 * when a pageblock was already isolated or a compound straddled the range.
 */
int start_isolate_page_range(struct frag_mem *mem, struct frag_zone *z, uint64_t start_pfn, uint64_t end_pfn,
			     enum pb_isolate_mode mode, uint64_t *failed_pfn)
{
	uint64_t first = start_pfn, last = end_pfn - PAGEBLOCK_NR_PAGES;

	*failed_pfn = FRAG_PFN_NONE;
	if (set_migratetype_isolate(mem, z, first, mode, failed_pfn))
		return -EBUSY;
	if (compound_straddles(z, start_pfn)) {
		unset_migratetype_isolate(mem, z, first);
		return -EBUSY;
	}
	if (last != first) {
		if (set_migratetype_isolate(mem, z, last, mode, failed_pfn)) {
			unset_migratetype_isolate(mem, z, first);
			return -EBUSY;
		}
	}
	if (compound_straddles(z, end_pfn)) {
		unset_migratetype_isolate(mem, z, first);
		unset_migratetype_isolate(mem, z, last);
		return -EBUSY;
	}
	for (uint64_t pfn = first + PAGEBLOCK_NR_PAGES; pfn < last; pfn += PAGEBLOCK_NR_PAGES) {
		if (pageblock_absent(z, pfn))
			continue;
		if (set_migratetype_isolate(mem, z, pfn, mode, failed_pfn)) {
			undo_isolate_page_range(mem, z, first, pfn);
			unset_migratetype_isolate(mem, z, last);
			return -EBUSY;
		}
	}
	return 0;
}

/* undo_isolate_page_range(): unset_migratetype_isolate() on every isolated
 * pageblock of the range, in ascending order. */
void undo_isolate_page_range(struct frag_mem *mem, struct frag_zone *z, uint64_t start_pfn, uint64_t end_pfn)
{
	for (uint64_t pfn = start_pfn & ~(uint64_t)(PAGEBLOCK_NR_PAGES - 1); pfn < end_pfn; pfn += PAGEBLOCK_NR_PAGES)
		if (pfn_to_pb(z, pfn)->flags & PB_MIGRATE_ISOLATE)
			unset_migratetype_isolate(mem, z, pfn);
}

/**
 * test_pages_isolated() - every pageblock of the range isolated and every
 * page of it free in the buddy (__test_page_isolated_in_pageblock(): PCP
 * and allocated pages fail)? Returns FRAG_PFN_NONE, or the first pfn that
 * is not (the caller returns -EBUSY).
 */
uint64_t test_pages_isolated(const struct frag_zone *z, uint64_t start_pfn, uint64_t end_pfn)
{
	for (uint64_t pfn = start_pfn; pfn < end_pfn; pfn += PAGEBLOCK_NR_PAGES)
		if (!(pfn_to_pb(z, pfn)->flags & PB_MIGRATE_ISOLATE) && !pageblock_absent(z, pfn))
			return pfn;
	for (uint64_t pfn = start_pfn; pfn < end_pfn;) {
		const struct frag_pageblock *pb = pfn_to_pb(z, pfn);
		if (!(pfn & (PAGEBLOCK_NR_PAGES - 1)) && pb->nr_free == PAGEBLOCK_NR_PAGES) {
			pfn += PAGEBLOCK_NR_PAGES;
			continue;
		}
		uint64_t head = page_block_head(z, pfn);
		if (head == FRAG_PFN_NONE)
			return pfn;
		const struct frag_page *h = &z->pages[head - z->zone_start_pfn];
		if (h->state != PG_BUDDY)
			return pfn;
		pfn = head + (1ull << h->order);
	}
	return FRAG_PFN_NONE;
}
