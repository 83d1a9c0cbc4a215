/* SPDX-License-Identifier: MIT */
/*
 * pageblock.c - pageblock migratetypes, content counters and superpageblock
 * (SPB) state, kept exact for every policy.
 *
 * Models:
 *  - the pageblock migratetype bits (mm/page_alloc.c:
 *    set_pageblock_migratetype(), get_pfnblock_migratetype());
 *  - the RFC "track actual page contents in pageblock flags" idea, as plain
 *    counters: free, PCP, allocated-by-type, LRU and pinned pages per block;
 *  - struct superpageblock of the SPB RFC (v2 08/40): pageblock counts per
 *    type, free pages, category (empty / clean / tainted) and fullness
 *    bucket, with per-zone lists per (category, fullness) (sb_update_list()).
 *
 * Every allocation, free, list move and relabel goes through pb_account() or
 * set_pageblock_migratetype(), so the counters never drift from the page
 * array; frag_mem_consistent() recomputes them from scratch.
 */
#include <errno.h>
#include <stdlib.h>

#include "internal.h"

const char *const spb_category_names[NR_SPB_CATEGORIES] = {
	[SPB_EMPTY] = "empty",
	[SPB_CLEAN] = "clean",
	[SPB_TAINTED] = "tainted",
};

/* ---------------------------------------------------------------------- */
/* SPB lists                                                              */
/* ---------------------------------------------------------------------- */

static inline uint32_t spb_index(const struct frag_zone *z, const struct frag_spb *spb)
{
	return (uint32_t)(spb - z->spb);
}

static void spb_list_del(struct frag_zone *z, struct frag_spb *spb)
{
	uint32_t *head = &z->spb_list[spb->category][spb->fullness];
	if (spb->list_prev != IDX_NONE)
		z->spb[spb->list_prev].list_next = spb->list_next;
	else
		*head = spb->list_next;
	if (spb->list_next != IDX_NONE)
		z->spb[spb->list_next].list_prev = spb->list_prev;
	spb->list_next = spb->list_prev = IDX_NONE;
}

/* New arrivals go to the list head, as list_move() in sb_update_list(). */
static void spb_list_add(struct frag_zone *z, struct frag_spb *spb)
{
	uint32_t *head = &z->spb_list[spb->category][spb->fullness];
	uint32_t i = spb_index(z, spb);
	spb->list_prev = IDX_NONE;
	spb->list_next = *head;
	if (*head != IDX_NONE)
		z->spb[*head].list_prev = i;
	*head = i;
}

/* spb_get_category(): tainted if any pageblock is labelled non-movable. */
static enum spb_category spb_compute_category(const struct frag_spb *spb)
{
	if (spb->nr_pb[MIGRATE_UNMOVABLE] || spb->nr_pb[MIGRATE_RECLAIMABLE] ||
	    spb->nr_pb[MIGRATE_HIGHATOMIC])
		return SPB_TAINTED;
	if (spb->nr_pb_free == spb->total_pageblocks)
		return SPB_EMPTY;
	return SPB_CLEAN;
}

/* Bucket b: free fraction in [b/N, (b+1)/N). */
static unsigned spb_compute_fullness(const struct frag_spb *spb)
{
	uint64_t b = (uint64_t)spb->nr_free_pages * NR_SPB_FULLNESS / (spb->nr_pages ? spb->nr_pages : 1);
	return b >= NR_SPB_FULLNESS ? NR_SPB_FULLNESS - 1 : (unsigned)b;
}

void spb_update_category(struct frag_zone *z, struct frag_spb *spb)
{
	enum spb_category c = spb_compute_category(spb);
	if (c == spb->category)
		return;
	spb_list_del(z, spb);
	z->nr_spb_cat[spb->category]--;
	spb->category = c;
	z->nr_spb_cat[c]++;
	spb_list_add(z, spb);
}

/* Called once the zone's SPB counters hold their initial values. */
void spb_lists_init(struct frag_zone *z)
{
	for (unsigned c = 0; c < NR_SPB_CATEGORIES; c++) {
		z->nr_spb_cat[c] = 0;
		for (unsigned f = 0; f < NR_SPB_FULLNESS; f++)
			z->spb_list[c][f] = IDX_NONE;
	}
	for (uint32_t i = 0; i < z->nr_spbs; i++) {
		struct frag_spb *spb = &z->spb[i];
		for (unsigned o = 0; o < NR_PAGE_ORDERS; o++)
			for (int mt = 0; mt < MIGRATE_TYPES; mt++)
				spb->free_list[o][mt] = (struct idx_list){ IDX_NONE, IDX_NONE };
		spb->category = (uint8_t)spb_compute_category(spb);
		spb->fullness = (uint8_t)spb_compute_fullness(spb);
		z->nr_spb_cat[spb->category]++;
		spb_list_add(z, spb);
	}
}

/* Only free and movable pages: what a 1 GiB allocation could use after migration. */
bool spb_is_content_clean(const struct frag_spb *spb)
{
	return spb->nr_alloc_pages[MIGRATE_UNMOVABLE] == 0 &&
	       spb->nr_alloc_pages[MIGRATE_RECLAIMABLE] == 0 && spb->nr_reserved_pages == 0;
}

/* Every page of a complete 1 GiB SPB free in the buddy right now. */
bool spb_is_entirely_free(const struct frag_spb *spb)
{
	return spb->nr_pages == SPB_NR_PAGES && spb->nr_free_pages == SPB_NR_PAGES &&
	       spb->nr_pb_isolated == 0;
}

/* ---------------------------------------------------------------------- */
/* Content accounting                                                     */
/* ---------------------------------------------------------------------- */

/* The multi-pageblock case of pb_account() (orders >= 9, contiguous ranges). */
void pb_account_range(struct frag_zone *z, uint64_t pfn, uint64_t nr, enum frag_content ct, int mt,
		      unsigned owner_flags, int sign)
{
	uint64_t end = pfn + nr;
	while (pfn < end) {
		uint64_t pb_end = (pfn | (PAGEBLOCK_NR_PAGES - 1)) + 1;
		uint64_t n = (pb_end < end ? pb_end : end) - pfn;
		pb_account_one(z, pfn_to_pb(z, pfn), pfn_to_spb(z, pfn), (unsigned)n, ct, mt, owner_flags, sign);
		pfn += n;
	}
}

/* The slow part of spb_update_fullness(): the bucket changed. */
void spb_change_fullness(struct frag_zone *z, struct frag_spb *spb)
{
	unsigned f = spb_compute_fullness(spb);
	if (f == spb->fullness)
		return;
	spb_list_del(z, spb);
	spb->fullness = (uint8_t)f;
	spb_list_add(z, spb);
}

/**
 * set_pageblock_migratetype() - relabel the pageblock containing @pfn
 * (mm/page_alloc.c). Only the stored type changes; the isolate bit is
 * separate. Keeps the SPB per-type counts and category current.
 */
void set_pageblock_migratetype(struct frag_zone *z, uint64_t pfn, int mt)
{
	struct frag_pageblock *pb = pfn_to_pb(z, pfn);
	struct frag_spb *spb = pfn_to_spb(z, pfn);

	if (pb->mt == mt)
		return;
	if (pb->mt == MIGRATE_HIGHATOMIC)
		z->nr_reserved_highatomic -= PAGEBLOCK_NR_PAGES;
	if (mt == MIGRATE_HIGHATOMIC)
		z->nr_reserved_highatomic += PAGEBLOCK_NR_PAGES;
	spb->nr_pb[pb->mt]--;
	spb->nr_pb[mt]++;
	pb->mt = (uint8_t)mt;
	spb_update_category(z, spb);
}

/*
 * frag_zone_set_spb_lists() - move @z's free blocks to per-SPB free lists
 * (@on) or back to the zone's lists, keeping each list's order (the RFC's
 * "add per-superpageblock free lists"; for SPB policies' init()). Counters
 * do not change. 0 or -ENOMEM.
 */
int frag_zone_set_spb_lists(struct frag_zone *z, bool on)
{
	if (z->spb_lists == on)
		return 0;
	size_t words = (z->nr_spbs + 63) / 64;
	if (on) {
		for (unsigned o = 0; o < NR_PAGE_ORDERS; o++)
			for (int mt = 0; mt < MIGRATE_TYPES; mt++) {
				z->spb_has[o][mt] = calloc(words, sizeof(uint64_t));
				if (!z->spb_has[o][mt])
					return -ENOMEM;
			}
	}
	for (unsigned o = 0; o < NR_PAGE_ORDERS; o++)
		for (int mt = 0; mt < MIGRATE_TYPES; mt++) {
			/* Unlink in list order, relink at the tail of the other list. */
			uint32_t idx = on ? z->free_area[o].free_list[mt].head : IDX_NONE;
			if (!on) {
				for (uint32_t si = 0; si < z->nr_spbs; si++) {
					struct idx_list *l = &z->spb[si].free_list[o][mt];
					for (uint32_t i = l->head, next; i != IDX_NONE; i = next) {
						next = z->pages[i].next;
						idx_list_add(z->pages, &z->free_area[o].free_list[mt], i, true);
					}
					*l = (struct idx_list){ IDX_NONE, IDX_NONE };
				}
				free(z->spb_has[o][mt]);
				z->spb_has[o][mt] = NULL;
				continue;
			}
			for (uint32_t next; idx != IDX_NONE; idx = next) {
				next = z->pages[idx].next;
				struct frag_spb *spb = pfn_to_spb(z, idx_to_pfn(z, idx));
				idx_list_add(z->pages, &spb->free_list[o][mt], idx, true);
				uint32_t si = (uint32_t)(spb - z->spb);
				z->spb_has[o][mt][si >> 6] |= 1ull << (si & 63);
			}
			z->free_area[o].free_list[mt] = (struct idx_list){ IDX_NONE, IDX_NONE };
		}
	z->spb_lists = on;
	return 0;
}

/*
 * __rmqueue_smallest_spb() - __rmqueue_smallest() inside one SPB: the head
 * block of the SPB's free_list[@mt] at the smallest order >= @order, split
 * down to @order (the halves stay in the SPB). Needs z->spb_lists.
 */
uint32_t __rmqueue_smallest_spb(struct frag_zone *z, struct frag_spb *spb, unsigned order, int mt)
{
	for (unsigned o = order; o < NR_PAGE_ORDERS; o++) {
		uint32_t idx = spb->free_list[o][mt].head;
		if (idx == IDX_NONE)
			continue;
		page_del_and_expand(z, idx, order, o, mt);
		return idx;
	}
	return IDX_NONE;
}
