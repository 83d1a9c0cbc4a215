/* SPDX-License-Identifier: MIT */
/*
 * costs.c - the table of simulated operation costs (scenario block
 * engine.costs; docs/costs.md explains each entry).
 */
#include "frag/scenario.h"

const struct frag_param frag_cost_params[] = {
	FRAG_PARAM("alloc_base", PARAM_UINT, struct frag_costs, alloc_base, 150, 0, 1e9, "ns",
		   "an allocation from a PCP list or the buddy (struct page set-up, list ops)"),
	FRAG_PARAM("free_base", PARAM_UINT, struct frag_costs, free_base, 100, 0, 1e9, "ns", "a free to a PCP list"),
	FRAG_PARAM("zone_lock", PARAM_UINT, struct frag_costs, zone_lock, 200, 0, 1e9, "ns",
		   "one zone->lock acquisition (uncontended hold and hand-off)"),
	FRAG_PARAM("pcp_refill_page", PARAM_UINT, struct frag_costs, pcp_refill_page, 40, 0, 1e9, "ns",
		   "one page moved from the buddy to a PCP list"),
	FRAG_PARAM("pcp_drain_page", PARAM_UINT, struct frag_costs, pcp_drain_page, 40, 0, 1e9, "ns",
		   "one page moved from a PCP list to the buddy (with merging)"),
	FRAG_PARAM("fallback", PARAM_UINT, struct frag_costs, fallback, 300, 0, 1e9, "ns",
		   "one migratetype fallback (find_suitable_fallback + claim or steal)"),
	FRAG_PARAM("slowpath", PARAM_UINT, struct frag_costs, slowpath, 1000, 0, 1e9, "ns",
		   "entering __alloc_pages_slowpath (flag set-up, kswapd wake, retries)"),
	FRAG_PARAM("clear_page", PARAM_UINT, struct frag_costs, clear_page, 400, 0, 1e9, "ns",
		   "zeroing one 4 KiB page"),
	FRAG_PARAM("kswapd_run", PARAM_UINT, struct frag_costs, kswapd_run, 20000, 0, 1e12, "ns",
		   "a kswapd wake-up that finds nothing to reclaim"),
	FRAG_PARAM("kcompactd_run", PARAM_UINT, struct frag_costs, kcompactd_run, 20000, 0, 1e12, "ns",
		   "a kcompactd wake-up that finds nothing to compact"),
	FRAG_PARAM("compact_scan_page", PARAM_UINT, struct frag_costs, compact_scan_page, 20, 0, 1e9, "ns",
		   "one pfn looked at by a compaction scanner (migration or free)"),
	FRAG_PARAM("isolate_page", PARAM_UINT, struct frag_costs, isolate_page, 100, 0, 1e9, "ns",
		   "isolating one page: taking it off the LRU or off a free list"),
	FRAG_PARAM("migrate_page", PARAM_UINT, struct frag_costs, migrate_page, 2500, 0, 1e9, "ns",
		   "migrating one 4 KiB page: unmap, copy, remap, TLB flush"),
	FRAG_PARAM("reclaim_scan_page", PARAM_UINT, struct frag_costs, reclaim_scan_page, 50, 0, 1e9, "ns",
		   "one LRU page scanned by reclaim"),
	FRAG_PARAM("reclaim_page", PARAM_UINT, struct frag_costs, reclaim_page, 300, 0, 1e9, "ns",
		   "reclaiming one clean page: unmap and free"),
	FRAG_PARAM("swap_out_page", PARAM_UINT, struct frag_costs, swap_out_page, 3000, 0, 1e9, "ns",
		   "swapping out one anonymous page (the reclaimer's CPU time for the write)"),
	FRAG_PARAM("shrink_object", PARAM_UINT, struct frag_costs, shrink_object, 100, 0, 1e9, "ns",
		   "one slab object scanned by a shrinker"),
	FRAG_PARAM("isolate_pageblock", PARAM_UINT, struct frag_costs, isolate_pageblock, 500, 0, 1e9, "ns",
		   "set_migratetype_isolate() on one pageblock (zone->lock, moving its free pages)"),
	FRAG_PARAM("compact_drain", PARAM_UINT, struct frag_costs, compact_drain, 2000, 0, 1e9, "ns",
		   "one CPU's PCP lists drained by compaction (lru_add_drain_cpu_zone / drain_all_pages work item), "
		   "fixed part; the pages cost pcp_drain_page each on top"),
	FRAG_PARAM_END,
};

void frag_costs_defaults(struct frag_costs *c)
{
	frag_param_defaults(frag_cost_params, c);
}

