/* SPDX-License-Identifier: MIT */
/*
 * stat_list.h - the one list of statistics, declared once (X-macro).
 *
 * Each entry: X(name, kind, unit, meaning). Names are the kernel's
 * /proc/vmstat names where the concept is the kernel's (mm/vmstat.c
 * vmstat_text[]); fragsim-only counters say so in their meaning.
 *
 * Kinds: COUNTER (monotonic event count) and GAUGE (a level; the core keeps
 * the current value, sinks sample it). Derived figures (fragmentation index,
 * unusable index, SPB categories) are computed at dump time by vmstat.c and
 * are not in this list.
 *
 * Bump FRAG_STATS_VERSION on any incompatible change (rename, removal,
 * change of meaning). Appending is compatible.
 */
#ifndef FRAG_STAT_LIST_H
#define FRAG_STAT_LIST_H

#include <stdbool.h>

#define FRAG_STATS_VERSION 1

#define FRAG_STAT_LIST(X)                                                                  \
	X(pgalloc_dma,            COUNTER, "pages",  "pages allocated from ZONE_DMA")              \
	X(pgalloc_dma32,          COUNTER, "pages",  "pages allocated from ZONE_DMA32")            \
	X(pgalloc_normal,         COUNTER, "pages",  "pages allocated from ZONE_NORMAL")           \
	X(pgalloc_movable,        COUNTER, "pages",  "pages allocated from ZONE_MOVABLE")          \
	X(pgfree,                 COUNTER, "pages",  "pages freed")                                \
	X(alloc_requests,         COUNTER, "count",  "fragsim: frag_alloc_pages() calls")          \
	X(alloc_fail,             COUNTER, "count",  "fragsim: allocation requests that failed")   \
	X(alloc_fail_costly,      COUNTER, "count",  "fragsim: failed requests of order > 3")      \
	X(alloc_slowpath,         COUNTER, "count",  "fragsim: requests that entered __alloc_pages_slowpath") \
	X(free_requests,          COUNTER, "count",  "fragsim: frag_free_pages() calls")           \
	X(numa_hit,               COUNTER, "count",  "allocations served by the intended node")    \
	X(numa_miss,              COUNTER, "count",  "allocations served here although another node was preferred") \
	X(numa_local,             COUNTER, "count",  "allocations served by the allocating CPU's node") \
	X(numa_other,             COUNTER, "count",  "allocations served by another node than the CPU's") \
	X(extfrag,                COUNTER, "count",  "fragsim: mm_page_alloc_extfrag events")      \
	X(extfrag_fragmenting,    COUNTER, "count",  "fragsim: extfrag events with fallback_order < pageblock_order") \
	X(extfrag_claim,          COUNTER, "count",  "fragsim: extfrag events with change_ownership=1") \
	X(extfrag_steal,          COUNTER, "count",  "fragsim: extfrag events with change_ownership=0 (pollution)") \
	X(claim_block_fail,       COUNTER, "count",  "fragsim: try_to_claim_block() refused a block") \
	X(nofragment_retry,       COUNTER, "count",  "fragsim: fast path retried without ALLOC_NOFRAGMENT") \
	X(watermark_boost,        COUNTER, "count",  "fragsim: boost_watermark() raised a zone's boost") \
	X(kswapd_wake_request,    COUNTER, "count",  "fragsim: wakeup_kswapd() calls")             \
	X(kcompactd_wake_request, COUNTER, "count",  "fragsim: wakeup_kcompactd() calls")          \
	X(highatomic_reserve,     COUNTER, "count",  "fragsim: pageblocks moved to MIGRATE_HIGHATOMIC") \
	X(highatomic_unreserve,   COUNTER, "count",  "fragsim: pageblocks released from MIGRATE_HIGHATOMIC") \
	X(pcp_refill,             COUNTER, "count",  "fragsim: rmqueue_bulk() calls (PCP refills)") \
	X(pcp_refill_pages,       COUNTER, "pages",  "fragsim: pages moved from the buddy to PCP lists") \
	X(pcp_free_bulk,          COUNTER, "count",  "fragsim: free_pcppages_bulk() calls")        \
	X(pcp_drain_pages,        COUNTER, "pages",  "pages moved from PCP lists to the buddy (mm_page_pcpu_drain)") \
	X(drain_all_pages,        COUNTER, "count",  "fragsim: drain_all_pages() calls")           \
	X(zone_lock,              COUNTER, "count",  "fragsim: zone->lock acquisitions")           \
	X(oom_kill,               COUNTER, "count",  "out-of-memory events (the OOM killer would run)") \
	X(oom_early,              COUNTER, "count",  "fragsim: OOMs while the preferred zone was above its low watermark") \
	X(nofail_fail,            COUNTER, "count",  "fragsim: __GFP_NOFAIL requests the model could not satisfy") \
	X(alloc_stall_ns,         COUNTER, "ns",     "fragsim: simulated time spent in the slowpath") \
	X(thp_fault_alloc,        COUNTER, "count",  "THP faults served with a huge page (counted by the faulting caller)") \
	X(thp_fault_fallback,     COUNTER, "count",  "THP faults that fell back to smaller pages") \
	X(mthp_fault_alloc,       COUNTER, "count",  "fragsim: mTHP (order 2-8) faults served at an mTHP order") \
	X(htlb_buddy_alloc_success, COUNTER, "count", "hugetlb pages allocated from the buddy allocator") \
	X(htlb_buddy_alloc_fail,  COUNTER, "count",  "hugetlb pool growth attempts that failed") \
	X(kvmalloc_fallback,      COUNTER, "count",  "fragsim: kvmalloc() calls that fell back to vmalloc order-0 pages") \
	X(slab_order_fallback,    COUNTER, "count",  "SLUB ORDER_FALLBACK: a slab allocated at its minimum order") \
	/* migration (migrate.c) */                                                              \
	X(pgmigrate_success,      COUNTER, "pages",  "pages migrated")                             \
	X(pgmigrate_fail,         COUNTER, "pages",  "pages that failed to migrate")               \
	X(thp_migration_success,  COUNTER, "count",  "THPs migrated whole")                        \
	/* compaction (compaction.c) */                                                          \
	X(compact_migrate_scanned, COUNTER, "pages", "pages scanned by the migration scanner")     \
	X(compact_free_scanned,   COUNTER, "pages",  "pages scanned by the free scanner")          \
	X(compact_isolated,       COUNTER, "pages",  "pages isolated for migration (sources and targets)") \
	X(compact_stall,          COUNTER, "count",  "direct compaction runs (allocations that stalled in compaction)") \
	X(compact_fail,           COUNTER, "count",  "direct compactions that did not give a page") \
	X(compact_success,        COUNTER, "count",  "direct compactions that gave a page")       \
	X(compact_daemon_wake,    COUNTER, "count",  "kcompactd wake-ups that ran")                \
	X(compact_daemon_migrate_scanned, COUNTER, "pages", "pages scanned by kcompactd's migration scanner") \
	X(compact_daemon_free_scanned, COUNTER, "pages", "pages scanned by kcompactd's free scanner") \
	X(compact_ns,             COUNTER, "ns",     "fragsim: simulated time spent compacting (direct and kcompactd)") \
	/* reclaim (vmscan.c) */                                                                 \
	X(pgscan_kswapd,          COUNTER, "pages",  "pages scanned by kswapd")                    \
	X(pgscan_direct,          COUNTER, "pages",  "pages scanned by direct reclaim")            \
	X(pgsteal_kswapd,         COUNTER, "pages",  "pages reclaimed by kswapd")                  \
	X(pgsteal_direct,         COUNTER, "pages",  "pages reclaimed by direct reclaim")          \
	X(pgscan_anon,            COUNTER, "pages",  "anonymous pages scanned")                    \
	X(pgscan_file,            COUNTER, "pages",  "file pages scanned")                         \
	X(pgsteal_anon,           COUNTER, "pages",  "anonymous pages reclaimed")                  \
	X(pgsteal_file,           COUNTER, "pages",  "file pages reclaimed")                       \
	X(pswpout,                COUNTER, "pages",  "pages swapped out")                          \
	X(slabs_scanned,          COUNTER, "count",  "slab objects scanned by shrinkers")          \
	X(allocstall_dma,         COUNTER, "count",  "direct reclaim entries for ZONE_DMA requests") \
	X(allocstall_dma32,       COUNTER, "count",  "direct reclaim entries for ZONE_DMA32 requests") \
	X(allocstall_normal,      COUNTER, "count",  "direct reclaim entries for ZONE_NORMAL requests") \
	X(allocstall_movable,     COUNTER, "count",  "direct reclaim entries for ZONE_MOVABLE requests") \
	X(pageoutrun,             COUNTER, "count",  "kswapd balance_pgdat() runs")                \
	X(kswapd_low_wmark_hit_quickly, COUNTER, "count", "kswapd was woken during its nap after balancing") \
	X(kswapd_high_wmark_hit_quickly, COUNTER, "count", "kswapd could not sleep: node not balanced after its run/nap") \
	X(reclaim_ns,             COUNTER, "ns",     "fragsim: simulated time spent reclaiming (direct and kswapd)") \
	/* contiguous allocation (contig.c) */                                                   \
	X(contig_alloc_attempt,   COUNTER, "count",  "fragsim: alloc_contig_pages() calls")       \
	X(contig_alloc_success,   COUNTER, "count",  "fragsim: alloc_contig_pages() calls that gave a block") \
	X(contig_alloc_fail,      COUNTER, "count",  "fragsim: alloc_contig_pages() calls that failed") \
	X(contig_windows_tried,   COUNTER, "count",  "fragsim: windows alloc_contig_frozen_range() was tried on") \
	X(contig_migrated_pages,  COUNTER, "pages",  "fragsim: pages migrated out of windows by alloc_contig") \
	/* policy cma (policies/cma.c) */                                                        \
	X(cma_alloc_success,      COUNTER, "count",  "cma_alloc() calls that gave a 1 GiB block (CMA_ALLOC_SUCCESS)") \
	X(cma_alloc_fail,         COUNTER, "count",  "cma_alloc() calls that failed (CMA_ALLOC_FAIL)") \
	X(cma_evacuate,           COUNTER, "count",  "fragsim: CMA 1 GiB slots alloc_contig_range() tried to empty") \
	X(cma_evacuate_fail,      COUNTER, "count",  "fragsim: CMA slots that could not be emptied (pinned page, no target)") \
	/* policy contiguitas (policies/contiguitas.c) */                                        \
	X(contiguitas_grow,       COUNTER, "count",  "fragsim: 4 MiB units added to the unmovable region") \
	X(contiguitas_shrink,     COUNTER, "count",  "fragsim: 4 MiB units given back to movable space") \
	X(contiguitas_migrated_pages, COUNTER, "pages", "fragsim: movable pages migrated out of units joining the region") \
	X(contiguitas_stranded_pages, COUNTER, "pages", "fragsim: movable pages that could not leave a unit joining the region") \
	X(contiguitas_region_full, COUNTER, "count", "fragsim: non-movable rmqueue() calls the region could not serve") \
	X(contiguitas_movable_in_region, COUNTER, "count", "fragsim: movable blocks stolen from the region (outside empty)") \
	/* policy pcpbuddy (policies/pcpbuddy.c) */                                              \
	X(pcpbuddy_phase0_pages,  COUNTER, "pages",  "fragsim: PCPBuddy refill phase 0: owned fragments recovered from the buddy") \
	X(pcpbuddy_phase1_blocks, COUNTER, "count",  "fragsim: PCPBuddy refill phase 1: whole free pageblocks claimed (owned)") \
	X(pcpbuddy_phase2_pages,  COUNTER, "pages",  "fragsim: PCPBuddy refill phase 2: sub-pageblock chunks without stealing") \
	X(pcpbuddy_phase3_pages,  COUNTER, "pages",  "fragsim: PCPBuddy refill phase 3: classic __rmqueue() with fallbacks") \
	X(pcpbuddy_remote_free,   COUNTER, "count",  "fragsim: PCPBuddy frees routed to the owning CPU's PCP from another CPU") \
	X(pcpbuddy_pcp_merge,     COUNTER, "count",  "fragsim: PCPBuddy buddy merges on a PCP (incl. whole-pageblock collapses)") \
	X(pcpbuddy_pcp_split,     COUNTER, "count",  "fragsim: PCPBuddy splits of an owned PCP block (refills without the zone lock)") \
	X(pcpbuddy_release,       COUNTER, "count",  "fragsim: PCPBuddy owned pageblocks released (entirely free in the buddy after a drain)") \
	X(contig_isolated_pageblocks, COUNTER, "count", "fragsim: pageblocks set_migratetype_isolate() isolated for alloc_contig") \
	X(contig_isolated_pages,  COUNTER, "pages",  "fragsim: pages alloc_contig isolated (migration sources and the free pages taken)") \
	X(contig_alloc_ns,        COUNTER, "ns",     "fragsim: simulated time spent in alloc_contig_pages() attempts (latency, successful or not)") \
	/* superpageblock policies (policies/spb_steer.c, spb.c; SPB RFC v2) */                    \
	X(spb_steer_tainted,      COUNTER, "count",  "fragsim: non-movable fallbacks served inside an already tainted SPB (v2 11)") \
	X(spb_taint_clean,        COUNTER, "count",  "fragsim: non-movable fallbacks that tainted a clean or empty SPB") \
	X(spb_refused_kvmalloc,   COUNTER, "count",  "fragsim: cheap-fallback (kvmalloc-style) requests refused a clean-SPB taint (v2 26)") \
	X(spb_refused_atomic,     COUNTER, "count",  "fragsim: atomic requests refused a clean-SPB taint, evacuation queued (v2 18/25)") \
	X(spb_refused_highorder,  COUNTER, "count",  "fragsim: best-effort high-order requests refused, a lower order could serve (v2 35)") \
	X(spb_evacuations,        COUNTER, "count",  "fragsim: pageblocks evacuated by the SPB defrag worker (v2 15)") \
	X(spb_evacuated_pages,    COUNTER, "pages",  "fragsim: pages migrated out of tainted SPBs (defrag worker) or clean SPBs (1 GiB path)") \
	X(spb_defrag_runs,        COUNTER, "count",  "fragsim: SPB defrag worker runs that had work") \
	X(spb_contig_direct,      COUNTER, "count",  "fragsim: 1 GiB requests served from an entirely free SPB (v2 17)") \
	X(spb_contig_evacuated,   COUNTER, "count",  "fragsim: 1 GiB requests served by evacuating the emptiest clean SPB") \
	X(spb_slab_shrinks,       COUNTER, "count",  "fragsim: shrink_slab() calls by the SPB worker for tainted SPBs under pressure (v1 32)") \
	X(spb_compact_throttled,  COUNTER, "count",  "fragsim: compaction source pageblocks refused by the compaction throttle") \
	X(spb_reserve_pages,      GAUGE,   "pages",  "fragsim: free pages held back for non-movable use by tainted-SPB reserves (v1 24)") \
	/* compaction's PCP drains (compaction.c; the SPB RFC's TODO) */                          \
	X(compact_drain,          COUNTER, "count",  "fragsim: PCP lists drained by compaction (lru_add_drain_cpu_zone() in direct compaction, kcompactd's drain_all_pages(); one per CPU list holding pages)") \
	X(compact_drain_pages,    COUNTER, "pages",  "fragsim: pages those compaction drains moved from PCP lists to the buddy (part of pcp_drain_pages)") \
	/* superpageblock policy spb, continued (policies/spb.c) */                               \
	X(spb_adopted,            COUNTER, "count",  "fragsim: partially free MOVABLE pageblocks of tainted SPBs adopted (relabelled) by a non-movable request (v2 21)") \
	X(spb_borrowed,           COUNTER, "count",  "fragsim: non-movable requests served by borrowing a MOVABLE buddy inside a tainted SPB without relabel (v2 27)") \
	X(spb_evac_phase1_pageblocks, COUNTER, "count", "fragsim: defrag worker phase 1: non-movable pageblocks of tainted SPBs whose movable pages were moved out (v1 24 / v2 23)") \
	X(spb_evac_phase1_pages,  COUNTER, "pages",  "fragsim: pages migrated by defrag worker phase 1") \
	X(spb_evac_phase2_pageblocks, COUNTER, "count", "fragsim: defrag worker phase 2: MOVABLE pageblocks evacuated (fewest used first)") \
	X(spb_evac_phase2_freed,  COUNTER, "count",  "fragsim: phase 2 pageblocks that ended entirely free (returned to the tainted SPB's free pageblocks)") \
	X(spb_thp_compact_skipped, COUNTER, "count", "fragsim: pageblocks of tainted SPBs refused as source or target to THP-order direct compaction (v2 17)") \
	X(spb_compact_drain_deferred, COUNTER, "count", "fragsim: compaction source pageblocks refused because compaction drained PCPs too often (drain throttle)") \
	/* the OOM point, continued (page_alloc.c __alloc_pages_may_oom) */                     \
	X(oom_nofs,               COUNTER, "count",  "fragsim: OOM points reached by requests without __GFP_FS: out_of_memory() kills nothing and reports progress (not in oom_kill)")

enum frag_stat_kind { FRAG_STAT_COUNTER, FRAG_STAT_GAUGE };

enum frag_stat {
#define FRAG_STAT_ENUM(name, kind, unit, help) FRAG_STAT_##name,
	FRAG_STAT_LIST(FRAG_STAT_ENUM)
#undef FRAG_STAT_ENUM
	NR_FRAG_STATS
};

/*
 * The counters a cost model prices (core/sim/wl.c: priced(), snap()): the
 * time an allocation or a free takes in simulated ns is a fixed base plus
 * these counters' increments times their unit costs. Every change to one of
 * them advances the model's priced generation (frag_priced_gen()), so the
 * engine can tell in one comparison that a call did nothing it must price.
 * A counter the engine prices must be in this list; the engine checks that
 * in runs with consistency checks on (engine.check_every).
 */
#define FRAG_STAT_PRICED_LIST(X)                                                           \
	X(zone_lock) X(pcp_refill_pages) X(pcp_drain_pages) X(extfrag) X(alloc_slowpath)   \
	X(compact_migrate_scanned) X(compact_free_scanned) X(compact_isolated)             \
	X(pgmigrate_success) X(compact_drain) X(compact_drain_pages)                       \
	X(contig_isolated_pageblocks) X(contig_isolated_pages) X(contig_migrated_pages)    \
	X(pgscan_direct) X(pgsteal_direct) X(pswpout) X(slabs_scanned)

/* Is @s in FRAG_STAT_PRICED_LIST? (Folds to a constant for a constant @s.) */
static inline bool frag_stat_priced(enum frag_stat s)
{
	switch (s) {
#define FRAG_STAT_PRICED_CASE(name) case FRAG_STAT_##name:
	FRAG_STAT_PRICED_LIST(FRAG_STAT_PRICED_CASE)
#undef FRAG_STAT_PRICED_CASE
		return true;
	default:
		return false;
	}
}

struct frag_stat_desc {
	const char *name;           /* kernel/vmstat-style name */
	enum frag_stat_kind kind;   /* counter or gauge */
	const char *unit;           /* "pages", "count", "ns" */
	const char *help;           /* one-line meaning */
};

extern const struct frag_stat_desc frag_stat_desc[NR_FRAG_STATS];

#endif /* FRAG_STAT_LIST_H */
