/* SPDX-License-Identifier: MIT */
/*
 * contig.c - contiguous allocations larger than MAX_PAGE_ORDER: the hugetlb
 * gigantic path (alloc_gigantic_folio() -> alloc_contig_pages()).
 *
 * Mirrors mm/page_alloc.c alloc_contig_pages(): for each zone of the node's
 * zonelist (zones <= gfp_zone()), try naturally aligned windows of
 * 2^order pages in ascending pfn order; a window must lie inside one zone.
 * This version takes a window only when every page in it is already free in
 * the buddy after draining the PCP lists (alloc_contig_range() with nothing
 * to migrate); isolation and migration of movable pages
 * (pfn_range_valid_contig, page_is_unmovable, __alloc_contig_migrate_range)
 * come with the compaction model. The window is removed from the free lists
 * and becomes one allocated block of @order.
 */
#include <errno.h>

#include "internal.h"

static bool window_free(const struct frag_zone *z, uint64_t start, unsigned order)
{
	uint64_t end = start + (1ull << order);
	if (order >= SPB_ORDER) {
		/* Whole SPBs: their counters answer in O(1). */
		for (uint64_t p = start; p < end; p += SPB_NR_PAGES) {
			const struct frag_spb *spb = pfn_to_spb(z, p);
			if (spb->start_pfn != p || spb->nr_pages != SPB_NR_PAGES || spb->nr_free_pages != SPB_NR_PAGES ||
			    spb->nr_pb_isolated)
				return false;
		}
		return true;
	}
	for (uint64_t p = start; p < end; p += PAGEBLOCK_NR_PAGES) {
		const struct frag_pageblock *pb = pfn_to_pb(z, p);
		if (pb->nr_free != PAGEBLOCK_NR_PAGES || (pb->flags & (PB_MIGRATE_ISOLATE | PB_PARTIAL)))
			return false;
	}
	return true;
}

/* Pages of the window parked on PCP lists (they keep it from being free). */
static bool pb_any_pcp(const struct frag_zone *z, uint64_t start, unsigned order)
{
	for (uint64_t p = start; p < start + (1ull << order); p += PAGEBLOCK_NR_PAGES)
		if (pfn_to_pb(z, p)->nr_pcp)
			return true;
	return false;
}

int frag_boot_reserve_contig(struct frag_mem *mem, uint64_t pfn, unsigned order, gfp_t gfp,
			     const struct frag_owner *owner)
{
	uint64_t nr = 1ull << order;
	struct frag_zone *z = pfn_to_zone(mem, pfn);

	if (mem->stat[FRAG_STAT_alloc_requests])
		return -EBUSY;
	if (!z || order <= MAX_PAGE_ORDER || order > SPB_ORDER || (pfn & (nr - 1)) || pfn < z->zone_start_pfn ||
	    pfn + nr > zone_end_pfn(z) || !window_free(z, pfn, order))
		return -EINVAL;
	for (uint64_t p = pfn; p < pfn + nr; p += 1ull << MAX_PAGE_ORDER)
		FRAG_BUG_ON(take_free_block(z, p, MAX_PAGE_ORDER));
	prep_new_page(mem, z, pfn, order, gfp & ~GFP_MOVABLE_MASK, owner);
	z->managed_pages -= nr;
	frag_init_per_zone_wmark_min(mem, mem->min_free_kbytes_user, mem->sysctl.thp_enabled);
	frag_maybe_check(mem);
	return 0;
}

uint64_t frag_alloc_contig_pages(struct frag_mem *mem, unsigned cpu, unsigned order, gfp_t gfp,
				 const struct frag_owner *owner, int nid)
{
	if (order <= MAX_PAGE_ORDER || order > SPB_ORDER || cpu >= mem->nr_cpus)
		return FRAG_PFN_NONE;
	const struct frag_node *node = &mem->nodes[nid >= 0 && (unsigned)nid < mem->nr_nodes ? (unsigned)nid :
						   mem->cpu_node[cpu]];
	enum zone_type highest = gfp_zone(gfp);
	uint64_t nr = 1ull << order;
	bool drained = false;

	if (mem->policy->alloc_contig) {
		uint64_t pfn = mem->policy->alloc_contig(mem, mem->policy_priv, cpu, order, gfp, owner, node->id);
		if (pfn == FRAG_PFN_REFUSE)
			return FRAG_PFN_NONE;
		if (pfn != FRAG_PFN_NONE) {
			frag_maybe_check(mem);
			return pfn;
		}
	}

	for (unsigned i = 0; i < node->nr_zonelist; i++) {
		struct frag_zone *z = &mem->zones[node->zonelist[i]];
		if (z->type > highest || z->nid != node->id)
			continue;   /* __GFP_THISNODE: gigantic pages come from the requested node */
		uint64_t start = (z->zone_start_pfn + nr - 1) & ~(nr - 1);
		for (; start + nr <= zone_end_pfn(z); start += nr) {
			if (!drained && pb_any_pcp(z, start, order)) {
				frag_drain_all_pages(mem, (int)z->id);   /* alloc_contig_range(): drain_all_pages(zone) */
				drained = true;
			}
			if (!window_free(z, start, order))
				continue;
			frag_count(mem, FRAG_STAT_zone_lock, 1);
			for (uint64_t p = start; p < start + nr; p += 1ull << MAX_PAGE_ORDER)
				FRAG_BUG_ON(take_free_block(z, p, MAX_PAGE_ORDER));
			prep_new_page(mem, z, start, order, gfp & ~GFP_MOVABLE_MASK, owner);
			frag_maybe_check(mem);
			return start;
		}
	}
	return FRAG_PFN_NONE;
}
