/* SPDX-License-Identifier: MIT */
/*
 * procview.c - /proc/zoneinfo and /proc/vmstat of a model state.
 *
 * Mirrors mm/vmstat.c of Linux 6.18: zoneinfo_show_print() (every zone of
 * every node, DMA .. Device; the node's stats in its first populated zone;
 * an unpopulated zone stops after "protection"), vmstat_start()/vmstat_show()
 * (zone stats, NUMA events, node stats, the dirty thresholds, memmap pages,
 * then the vm events) and calculate_normal_threshold() for "vm stats
 * threshold". Names, order and spacing are the kernel's (vmstat_text[] of a
 * 6.18 x86-64 build with CONFIG_NUMA, CONFIG_ZONE_DEVICE, no CONFIG_CMA),
 * so the views diff against real files line by line.
 *
 * What the model does not keep prints 0 (docs/snapshot.md lists which):
 * the active/inactive split (every LRU page counts as inactive, as
 * vmscan.c models it), dirty/writeback/shmem/mapped, workingset, per-zone
 * NUMA events, kernel stacks, memmap pages, the dirty thresholds, and every
 * vm event that has no counter in stat_list.h. State counters (LRU sizes,
 * slab, anon, file, page tables, hugetlb, anon THPs) come from a walk over
 * the model's pages; vm events from the model's counters.
 */
#include <string.h>

#include "frag/vmstat.h"
#include "internal.h"

/* The node_stat_item names (node_stat_name()), in order. */
static const char *const node_stat_names[] = {
	"nr_inactive_anon", "nr_active_anon", "nr_inactive_file", "nr_active_file", "nr_unevictable",
	"nr_slab_reclaimable", "nr_slab_unreclaimable", "nr_isolated_anon", "nr_isolated_file", "workingset_nodes",
	"workingset_refault_anon", "workingset_refault_file", "workingset_activate_anon", "workingset_activate_file",
	"workingset_restore_anon", "workingset_restore_file", "workingset_nodereclaim", "nr_anon_pages", "nr_mapped",
	"nr_file_pages", "nr_dirty", "nr_writeback", "nr_shmem", "nr_shmem_hugepages", "nr_shmem_pmdmapped",
	"nr_file_hugepages", "nr_file_pmdmapped", "nr_anon_transparent_hugepages", "nr_vmscan_write",
	"nr_vmscan_immediate_reclaim", "nr_dirtied", "nr_written", "nr_throttled_written",
	"nr_kernel_misc_reclaimable", "nr_foll_pin_acquired", "nr_foll_pin_released", "nr_kernel_stack",
	"nr_page_table_pages", "nr_sec_page_table_pages", "nr_iommu_pages", "nr_swapcached", "pgpromote_success",
	"pgpromote_candidate", "pgpromote_candidate_nrl", "pgdemote_kswapd", "pgdemote_direct",
	"pgdemote_khugepaged", "pgdemote_proactive", "nr_hugetlb", "nr_balloon_pages", "nr_kernel_file_pages",
};

/* The zone_stat_item names, then the numa_stat_item names. */
static const char *const zone_stat_names[] = {
	"nr_free_pages", "nr_free_pages_blocks", "nr_zone_inactive_anon", "nr_zone_active_anon",
	"nr_zone_inactive_file", "nr_zone_active_file", "nr_zone_unevictable", "nr_zone_write_pending",
	"nr_mlock", "nr_zspages", "nr_free_cma",
};
static const char *const numa_stat_names[] = {
	"numa_hit", "numa_miss", "numa_foreign", "numa_interleave", "numa_local", "numa_other",
};

/* After the node stats in /proc/vmstat. */
static const char *const vmstat_writeback_names[] = {
	"nr_dirty_threshold", "nr_dirty_background_threshold", "nr_memmap_pages", "nr_memmap_boot_pages",
};

/* vm_event_item names (CONFIG_NUMA, CONFIG_ZONE_DEVICE, THP, COMPACTION, HUGETLB, BALLOON, SWAP, KSM, ZSWAP, x86 direct map). */
static const char *const vm_event_names[] = {
	"pgpgin", "pgpgout", "pswpin", "pswpout", "pgalloc_dma", "pgalloc_dma32", "pgalloc_normal", "pgalloc_movable",
	"pgalloc_device", "allocstall_dma", "allocstall_dma32", "allocstall_normal", "allocstall_movable",
	"allocstall_device", "pgskip_dma", "pgskip_dma32", "pgskip_normal", "pgskip_movable", "pgskip_device",
	"pgfree", "pgactivate", "pgdeactivate", "pglazyfree", "pgfault", "pgmajfault", "pglazyfreed", "pgrefill",
	"pgreuse", "pgsteal_kswapd", "pgsteal_direct", "pgsteal_khugepaged", "pgsteal_proactive", "pgscan_kswapd",
	"pgscan_direct", "pgscan_khugepaged", "pgscan_proactive", "pgscan_direct_throttle", "pgscan_anon",
	"pgscan_file", "pgsteal_anon", "pgsteal_file", "zone_reclaim_success", "zone_reclaim_failed",
	"pginodesteal", "slabs_scanned", "kswapd_inodesteal", "kswapd_low_wmark_hit_quickly",
	"kswapd_high_wmark_hit_quickly", "pageoutrun", "pgrotated", "drop_pagecache", "drop_slab", "oom_kill",
	"numa_pte_updates", "numa_huge_pte_updates", "numa_hint_faults", "numa_hint_faults_local",
	"numa_pages_migrated", "pgmigrate_success", "pgmigrate_fail", "thp_migration_success",
	"thp_migration_fail", "thp_migration_split", "compact_migrate_scanned", "compact_free_scanned",
	"compact_isolated", "compact_stall", "compact_fail", "compact_success", "compact_daemon_wake",
	"compact_daemon_migrate_scanned", "compact_daemon_free_scanned", "htlb_buddy_alloc_success",
	"htlb_buddy_alloc_fail", "unevictable_pgs_culled", "unevictable_pgs_scanned", "unevictable_pgs_rescued",
	"unevictable_pgs_mlocked", "unevictable_pgs_munlocked", "unevictable_pgs_cleared",
	"unevictable_pgs_stranded", "thp_fault_alloc", "thp_fault_fallback", "thp_fault_fallback_charge",
	"thp_collapse_alloc", "thp_collapse_alloc_failed", "thp_file_alloc", "thp_file_fallback",
	"thp_file_fallback_charge", "thp_file_mapped", "thp_split_page", "thp_split_page_failed",
	"thp_deferred_split_page", "thp_underused_split_page", "thp_split_pmd", "thp_scan_exceed_none_pte",
	"thp_scan_exceed_swap_pte", "thp_scan_exceed_share_pte", "thp_split_pud", "thp_zero_page_alloc",
	"thp_zero_page_alloc_failed", "thp_swpout", "thp_swpout_fallback", "balloon_inflate", "balloon_deflate",
	"balloon_migrate", "swap_ra", "swap_ra_hit", "swpin_zero", "swpout_zero", "ksm_swpin_copy", "cow_ksm",
	"zswpin", "zswpout", "zswpwb", "direct_map_level2_splits", "direct_map_level3_splits",
	"direct_map_level2_collapses", "direct_map_level3_collapses", "nr_unstable",
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* The kernel's zone names including ZONE_DEVICE, which the model has no pages in. */
static const char *const zone_names_dev[] = { "DMA", "DMA32", "Normal", "Movable", "Device" };
#define NR_ZONES_SHOWN ARRAY_LEN(zone_names_dev)

/* What a walk over the allocated blocks finds, in pages (anon THPs in THPs). */
struct page_census {
	uint64_t slab_reclaimable, slab_unreclaimable, anon, file, pgtable, hugetlb, anon_thp;
};

static void census_zone(const struct frag_zone *z, struct page_census *c)
{
	const uint64_t n = z->spanned_pages;
	for (uint64_t i = 0; i < n;) {
		const struct frag_page *p = &z->pages[i];
		if (p->state == PG_HOLE || p->state == PG_RESERVED || p->state == PG_TAIL) {
			i++;
			continue;
		}
		uint64_t nr = 1ull << p->order;
		if (p->state == PG_ALLOC) {
			switch (page_kind(p)) {
			case KIND_SLAB:
				if (p->mt == MIGRATE_RECLAIMABLE)
					c->slab_reclaimable += nr;
				else
					c->slab_unreclaimable += nr;
				break;
			case KIND_ANON:
				c->anon += nr;
				if (p->order == HPAGE_PMD_ORDER)
					c->anon_thp++;
				break;
			case KIND_FILE:
				c->file += nr;
				break;
			case KIND_PGTABLE:
				c->pgtable += nr;
				break;
			case KIND_HUGETLB:
				c->hugetlb += nr;
				break;
			default:
				break;
			}
		}
		i += nr;
	}
}

/* node_page_state_pages() of the modelled node items, 0 for the others. */
static uint64_t node_stat(const struct frag_mem *mem, int nid, const char *name, const struct page_census *c)
{
	uint64_t lru[NR_FRAG_LRU] = { 0 };
	for (unsigned i = 0; i < mem->nr_zones; i++)
		if (nid < 0 || mem->zones[i].nid == (unsigned)nid)
			for (unsigned l = 0; l < NR_FRAG_LRU; l++)
				lru[l] += mem->zones[i].nr_lru[l];
	if (!strcmp(name, "nr_inactive_anon"))
		return lru[FRAG_LRU_ANON];
	if (!strcmp(name, "nr_inactive_file"))
		return lru[FRAG_LRU_FILE];
	if (!strcmp(name, "nr_slab_reclaimable"))
		return c->slab_reclaimable;
	if (!strcmp(name, "nr_slab_unreclaimable"))
		return c->slab_unreclaimable;
	if (!strcmp(name, "nr_anon_pages"))
		return c->anon;
	if (!strcmp(name, "nr_file_pages"))
		return c->file;
	if (!strcmp(name, "nr_anon_transparent_hugepages"))
		return c->anon_thp;
	if (!strcmp(name, "nr_page_table_pages"))
		return c->pgtable;
	if (!strcmp(name, "nr_hugetlb"))
		return c->hugetlb;
	return 0;
}

/* zone_page_state() of the modelled zone items. */
static uint64_t zone_stat(const struct frag_zone *z, const char *name)
{
	if (!z)
		return 0;
	if (!strcmp(name, "nr_free_pages"))
		return z->nr_free_pages > 0 ? (uint64_t)z->nr_free_pages : 0;
	if (!strcmp(name, "nr_free_pages_blocks"))
		return z->nr_free_pages_blocks > 0 ? (uint64_t)z->nr_free_pages_blocks : 0;
	if (!strcmp(name, "nr_zone_inactive_anon"))
		return z->nr_lru[FRAG_LRU_ANON];
	if (!strcmp(name, "nr_zone_inactive_file"))
		return z->nr_lru[FRAG_LRU_FILE];
	if (!strcmp(name, "nr_free_cma"))
		return z->nr_free_cma > 0 ? (uint64_t)z->nr_free_cma : 0;
	return 0;
}

/* A model counter of this name (stat_list.h), or 0. */
static uint64_t event_stat(const struct frag_mem *mem, const char *name)
{
	for (unsigned i = 0; i < NR_FRAG_STATS; i++)
		if (!strcmp(frag_stat_desc[i].name, name))
			return mem->stat[i];
	return 0;
}

static int fls_u64(uint64_t x)
{
	return x ? 64 - __builtin_clzll(x) : 0;
}

/* calculate_normal_threshold(): per-CPU vmstat drift allowed before folding. */
static int zone_stat_threshold(const struct frag_mem *mem, const struct frag_zone *z)
{
	uint64_t mem128 = z->managed_pages >> (27 - 12);
	int threshold = 2 * fls_u64(mem->nr_cpus) * (1 + fls_u64(mem128));
	return threshold < 125 ? threshold : 125;
}

static const struct frag_zone *zone_of(const struct frag_mem *mem, unsigned nid, unsigned type)
{
	if (type >= MAX_NR_ZONES || nid >= mem->nr_nodes)
		return NULL;
	int id = mem->nodes[nid].zone_of_type[type];
	return id < 0 ? NULL : &mem->zones[id];
}

void frag_show_zoneinfo(const struct frag_mem *mem, struct frag_buf *out)
{
	for (unsigned nid = 0; nid < mem->nr_nodes; nid++) {
		struct page_census c = { 0 };
		int first_populated = -1;
		for (unsigned t = 0; t < MAX_NR_ZONES; t++) {
			const struct frag_zone *z = zone_of(mem, nid, t);
			if (z) {
				census_zone(z, &c);
				if (first_populated < 0 && z->present_pages)
					first_populated = (int)t;
			}
		}
		for (unsigned t = 0; t < NR_ZONES_SHOWN; t++) {
			const struct frag_zone *z = zone_of(mem, nid, t);
			frag_buf_printf(out, "Node %u, zone %8s", nid, zone_names_dev[t]);
			if ((int)t == first_populated) {
				frag_buf_printf(out, "\n  per-node stats");
				for (size_t i = 0; i < ARRAY_LEN(node_stat_names); i++)
					frag_buf_printf(out, "\n      %-12s %llu", node_stat_names[i],
							(unsigned long long)node_stat(mem, (int)nid, node_stat_names[i], &c));
			}
			uint64_t wm[NR_WMARK] = { 0 }, res[NR_ZONES_SHOWN] = { 0 };
			if (!z && t == ZONE_MOVABLE) {
				/* __setup_per_zone_wmarks(): a Movable zone's min is
				 * clamp(managed / 1024, SWAP_CLUSTER_MAX, 128), even empty;
				 * low, high and promo add nothing to it. */
				for (unsigned w = 0; w < NR_WMARK; w++)
					wm[w] = 32;
			}
			if (z) {
				for (unsigned w = 0; w < NR_WMARK; w++)
					wm[w] = z->_watermark[w] + z->watermark_boost;
				for (unsigned r = 0; r < NR_ZONES_SHOWN; r++)
					res[r] = z->lowmem_reserve[r < MAX_NR_ZONES ? r : MAX_NR_ZONES - 1];
			}
			frag_buf_printf(out,
					"\n  pages free     %llu"
					"\n        boost    %llu"
					"\n        min      %llu"
					"\n        low      %llu"
					"\n        high     %llu"
					"\n        promo    %llu"
					"\n        spanned  %llu"
					"\n        present  %llu"
					"\n        managed  %llu"
					"\n        cma      %llu",
					(unsigned long long)zone_stat(z, "nr_free_pages"),
					(unsigned long long)(z ? z->watermark_boost : 0), (unsigned long long)wm[WMARK_MIN],
					(unsigned long long)wm[WMARK_LOW], (unsigned long long)wm[WMARK_HIGH],
					(unsigned long long)wm[WMARK_PROMO], (unsigned long long)(z ? z->spanned_pages : 0),
					(unsigned long long)(z ? z->present_pages : 0),
					(unsigned long long)(z ? z->managed_pages : 0), 0ull);
			frag_buf_printf(out, "\n        protection: (%llu", (unsigned long long)res[0]);
			for (unsigned r = 1; r < NR_ZONES_SHOWN; r++)
				frag_buf_printf(out, ", %llu", (unsigned long long)res[r]);
			frag_buf_putc(out, ')');
			if (!z || !z->present_pages) {   /* populated_zone() */
				frag_buf_putc(out, '\n');
				continue;
			}
			for (size_t i = 0; i < ARRAY_LEN(zone_stat_names); i++)
				frag_buf_printf(out, "\n      %-12s %llu", zone_stat_names[i],
						(unsigned long long)zone_stat(z, zone_stat_names[i]));
			for (size_t i = 0; i < ARRAY_LEN(numa_stat_names); i++)
				frag_buf_printf(out, "\n      %-12s %u", numa_stat_names[i], 0u);
			frag_buf_printf(out, "\n  pagesets");
			for (unsigned cpu = 0; cpu < mem->nr_cpus; cpu++) {
				const struct frag_pcp *pcp = &z->pcp[cpu];
				frag_buf_printf(out,
						"\n    cpu: %u"
						"\n              count:    %d"
						"\n              high:     %d"
						"\n              batch:    %d"
						"\n              high_min: %d"
						"\n              high_max: %d",
						cpu, pcp->count, pcp->high, pcp->batch, pcp->high_min, pcp->high_max);
				frag_buf_printf(out, "\n  vm stats threshold: %d", zone_stat_threshold(mem, z));
			}
			frag_buf_printf(out,
					"\n  node_unreclaimable:  %u"
					"\n  start_pfn:           %llu\n",
					mem->nodes[nid].kswapd_failures >= MAX_RECLAIM_RETRIES ? 1u : 0u,
					(unsigned long long)z->zone_start_pfn);
		}
	}
}

void frag_show_vmstat(const struct frag_mem *mem, struct frag_buf *out)
{
	struct page_census c = { 0 };
	for (unsigned i = 0; i < mem->nr_zones; i++)
		census_zone(&mem->zones[i], &c);
	for (size_t i = 0; i < ARRAY_LEN(zone_stat_names); i++) {
		uint64_t v = 0;
		for (unsigned z = 0; z < mem->nr_zones; z++)
			v += zone_stat(&mem->zones[z], zone_stat_names[i]);
		frag_buf_printf(out, "%s %llu\n", zone_stat_names[i], (unsigned long long)v);
	}
	for (size_t i = 0; i < ARRAY_LEN(numa_stat_names); i++)
		frag_buf_printf(out, "%s %llu\n", numa_stat_names[i],
				(unsigned long long)event_stat(mem, numa_stat_names[i]));
	for (size_t i = 0; i < ARRAY_LEN(node_stat_names); i++)
		frag_buf_printf(out, "%s %llu\n", node_stat_names[i],
				(unsigned long long)node_stat(mem, -1, node_stat_names[i], &c));
	for (size_t i = 0; i < ARRAY_LEN(vmstat_writeback_names); i++)
		frag_buf_printf(out, "%s 0\n", vmstat_writeback_names[i]);
	for (size_t i = 0; i < ARRAY_LEN(vm_event_names); i++)
		frag_buf_printf(out, "%s %llu\n", vm_event_names[i], (unsigned long long)event_stat(mem, vm_event_names[i]));
}
