/* SPDX-License-Identifier: MIT */
/*
 * nomobility.c - grouping pages by mobility switched off: the kernel before
 * Mel Gorman's anti-fragmentation series (v2.6.24, 2007), or a machine too
 * small for it (build_all_zonelists(): page_group_by_mobility_disabled).
 *
 * With page_group_by_mobility_disabled:
 *  - gfp_migratetype() returns MIGRATE_UNMOVABLE for every request (the core
 *    honours mem->mobility_disabled), so every allocation is one type;
 *  - set_pageblock_migratetype() turns every PCP type into MIGRATE_UNMOVABLE,
 *    so from boot every pageblock is UNMOVABLE and all free memory sits on
 *    the UNMOVABLE free lists: one list per order, as before 2007 (fragsim's
 *    set_pageblock_migratetype() has no such override: init() relabels the
 *    blocks once, and since every request is UNMOVABLE no later path sets
 *    another PCP type; test_policy_nomobility checks it after a churn);
 *  - try_to_claim_block() always claims (irrelevant with one type).
 * MIGRATE_HIGHATOMIC and MIGRATE_CMA are not PCP types and keep working.
 *
 * init() switches the mode on and does at "boot" what memmap_init() would
 * have done: relabels every MOVABLE/RECLAIMABLE pageblock UNMOVABLE and
 * moves the free blocks to the UNMOVABLE lists. The anchor this policy
 * exists for: Gorman 2007, ~1% of memory allocatable as huge pages without
 * grouping vs ~40% with it (docs/policies/nomobility.md).
 */
#include "frag/policy.h"
#include "../core/mm/internal.h"

static int nomobility_init(struct frag_mem *mem, void *priv, const void *opts)
{
	(void)priv;
	(void)opts;
	mem->mobility_disabled = true;
	for (unsigned zi = 0; zi < mem->nr_zones; zi++) {
		struct frag_zone *z = &mem->zones[zi];
		for (unsigned order = 0; order < NR_PAGE_ORDERS; order++)
			for (int mt = MIGRATE_MOVABLE; mt <= MIGRATE_RECLAIMABLE; mt++) {
				struct idx_list *l = &z->free_area[order].free_list[mt];
				while (l->head != IDX_NONE)
					move_to_free_list(z, l->head, order, mt, MIGRATE_UNMOVABLE);
			}
		for (uint64_t pfn = z->zone_start_pfn & ~(uint64_t)(PAGEBLOCK_NR_PAGES - 1); pfn < zone_end_pfn(z);
		     pfn += PAGEBLOCK_NR_PAGES) {
			uint64_t p = pfn < z->zone_start_pfn ? z->zone_start_pfn : pfn;
			int mt = pfn_to_pb(z, p)->mt;
			if (mt == MIGRATE_MOVABLE || mt == MIGRATE_RECLAIMABLE)
				set_pageblock_migratetype(z, p, MIGRATE_UNMOVABLE);
		}
	}
	return 0;
}

const struct frag_policy_ops frag_policy_nomobility = {
	.abi_version = FRAG_POLICY_ABI,
	.name = "nomobility",
	.summary = "grouping by mobility off (page_group_by_mobility_disabled): one free list per order, pre-2007",
	.init = nomobility_init,
};
