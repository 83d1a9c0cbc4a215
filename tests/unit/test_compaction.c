/* SPDX-License-Identifier: MIT */
/*
 * test_compaction.c - kernel-model section 6: compaction (mm/compaction.c)
 * and its slowpath entry (mm/page_alloc.c __alloc_pages_direct_compact,
 * compaction_capture).
 *
 * The machine is one node of 48 MiB at pfn 4096, so ZONE_DMA32 alone:
 * [4096, 16384), 24 pageblocks B0..B23 (B(n) = 4096 + 512 n), all MOVABLE at
 * boot; min/low/high = 221/276/331 pages (THP off: no khugepaged boost).
 * fill() allocates every page at order 0 by a per-pfn rule: unmovable slab,
 * LRU anon (owner cookie = pfn), pinned LRU anon, or left free. A free page
 * whose neighbours are allocated stays an order-0 buddy, so free memory can
 * be scattered exactly.
 */
#include "helpers.h"

#define ZS 4096ull
#define ZE 16384ull
#define B(n) (ZS + (uint64_t)(n) * PAGEBLOCK_NR_PAGES)
#define PB_NR 24

enum what { W_SLAB, W_LRU, W_PINNED, W_FREE };
typedef enum what (*layout_fn)(uint64_t pfn);

/* env.migrate_folio: every move, in order. */
struct rec {
	unsigned n;
	uint64_t old_pfn[4096];
	uint64_t new_pfn[4096];
	unsigned order[4096];
	unsigned kcompactd_wakes;
	unsigned kcompactd_order;
	enum zone_type kcompactd_highest;
};
static struct rec R;

static bool rec_migrate(void *arg, const struct frag_owner *owner, uint64_t old_pfn, uint64_t new_pfn, unsigned order)
{
	struct rec *r = arg;
	(void)owner;
	if (r->n < 4096) {
		r->old_pfn[r->n] = old_pfn;
		r->new_pfn[r->n] = new_pfn;
		r->order[r->n] = order;
	}
	r->n++;
	return true;
}

static void rec_kcompactd(void *arg, unsigned nid, unsigned order, enum zone_type highest)
{
	struct rec *r = arg;
	(void)nid;
	r->kcompactd_wakes++;
	r->kcompactd_order = order;
	r->kcompactd_highest = highest;
}

static void tweak_dma32(struct frag_config *cfg)
{
	cfg->geo.node[0].start_pfn = ZS;
	cfg->geo.node[0].nr_pages = ZE - ZS;
	cfg->sysctl.thp_enabled = false;
}

static const struct frag_policy_ops *test_policy;

static void tweak_dma32_policy(struct frag_config *cfg)
{
	tweak_dma32(cfg);
	cfg->policy = test_policy;
}

static struct frag_mem *mk(tweak_fn tweak)
{
	struct frag_mem *mem = mk_mem(64 * MiB, 1, 1, tweak ? tweak : tweak_dma32);
	memset(&R, 0, sizeof R);
	if (mem) {
		mem->env.arg = &R;
		mem->env.migrate_folio = rec_migrate;
		mem->env.wakeup_kcompactd = rec_kcompactd;
	}
	return mem;
}

/* Allocate every page of the zone at order 0 according to @layout. */
static void fill(struct frag_mem *mem, layout_fn layout)
{
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);
	for (uint64_t p = ZS; p < ZE; p++) {
		switch (layout(p)) {
		case W_SLAB:
			alloc_at(mem, z, p, 0, GFP_KERNEL, 0);
			break;
		case W_LRU:
			alloc_at(mem, z, p, 0, GFP_HIGHUSER_MOVABLE, OWNER_LRU);
			break;
		case W_PINNED:
			alloc_at(mem, z, p, 0, GFP_HIGHUSER_MOVABLE, OWNER_LRU | OWNER_PINNED);
			break;
		case W_FREE:
			break;
		}
	}
}

static inline uint64_t st(const struct frag_mem *mem, enum frag_stat s)
{
	return frag_stat_get(mem, s);
}

/* What the slowpath passes for a request of @gfp (gfp_to_alloc_flags()). */
static unsigned slow_flags(gfp_t gfp)
{
	return ALLOC_WMARK_MIN | ALLOC_CPUSET | ((gfp & __GFP_MOVABLE) ? ALLOC_CMA : 0);
}

static enum compact_result compact(struct frag_mem *mem, unsigned order, gfp_t gfp, int prio, uint64_t *capture)
{
	return try_to_compact_pages(mem, 0, order, gfp, slow_flags(gfp), prio, capture);
}

/* Hand a captured block to an owner (prep_new_page() as the slowpath does). */
static void take_capture(struct frag_mem *mem, uint64_t pfn, unsigned order, gfp_t gfp)
{
	if (pfn != FRAG_PFN_NONE)
		prep_new_page(mem, pfn_to_zone(mem, pfn), pfn, order, gfp, NULL);
}

/* ---------------------------------------------------------------------- */
/* Layouts                                                                */
/* ---------------------------------------------------------------------- */

/* Targets: the odd pages of B23 free (256 order-0 buddies); everything else slab. */
static enum what lay_b23_odd(uint64_t p)
{
	return p >= B(23) && (p & 1) ? W_FREE : W_SLAB;
}

/* B0's first 8 pages LRU, the odd pages of B23 free. */
static enum what lay_capture(uint64_t p)
{
	if (p >= B(0) && p < B(0) + 8)
		return W_LRU;
	return lay_b23_odd(p);
}

/* B0: 40 LRU pages at its start; B1: 8; the odd pages of B23 free. */
static enum what lay_finished(uint64_t p)
{
	if ((p >= B(0) && p < B(0) + 40) || (p >= B(1) && p < B(1) + 8))
		return W_LRU;
	return lay_b23_odd(p);
}

/* Fragmented: B0..B11 odd pages LRU, even pages free (3072); B12..B23 slab. */
static enum what lay_fragmented(uint64_t p)
{
	if (p < B(12))
		return (p & 1) ? W_LRU : W_FREE;
	return W_SLAB;
}

/* ---------------------------------------------------------------------- */
/* compaction_suitable()                                                  */
/* ---------------------------------------------------------------------- */

/* Short of memory: 7 order-8 free blocks (1792 pages), nothing larger. */
static enum what lay_order8(uint64_t p)
{
	return (p >= B(16) && p < B(23) && (p & 256)) ? W_FREE : W_SLAB;
}

/*
 * compaction_suitable(): for costly orders the fragmentation index decides
 * whether a failure is from fragmentation (compact) or from a lack of
 * memory (do not). Same free page count, two shapes:
 *  - 7 free order-8 blocks: index = 1000 - (1000 + 1792*1000/512) / 7 = 358;
 *  - 1792 scattered order-0 pages: 1000 - (1000 + 3500) / 1792 = 998.
 * With vm.extfrag_threshold 500 the first is unsuitable (SKIPPED, no stall),
 * the second suitable; threshold 357 lets the first through, 358 does not.
 */
static enum what lay_order0_1792(uint64_t p)
{
	return (p >= B(16) && p < B(23) && (p & 1)) ? W_FREE : W_SLAB;
}

static void test_compaction_suitable_fragindex(void)
{
	struct frag_mem *mem = mk(NULL);
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);
	uint64_t cap;

	fill(mem, lay_order8);
	CHECK_EQ(z->nr_free_pages, 1792);
	CHECK_EQ(z->free_area[8].nr_free, 7);
	struct frag_contig_info info;
	uint64_t nr_free[NR_PAGE_ORDERS];
	for (unsigned o = 0; o < NR_PAGE_ORDERS; o++)
		nr_free[o] = z->free_area[o].nr_free;
	frag_fill_contig_info(nr_free, 9, &info);
	CHECK_EQ(frag_fragmentation_index(9, &info), 358);
	CHECK(!compaction_suitable(mem, z, 9, min_wmark_pages(z), ZONE_DMA32));
	CHECK_EQ(compact(mem, 9, GFP_TRANSHUGE, COMPACT_PRIO_SYNC_LIGHT, &cap), COMPACT_SKIPPED);
	CHECK_EQ(st(mem, FRAG_STAT_compact_migrate_scanned), 0);
	mem->sysctl.extfrag_threshold = 358;
	CHECK(!compaction_suitable(mem, z, 9, min_wmark_pages(z), ZONE_DMA32));
	mem->sysctl.extfrag_threshold = 357;
	CHECK(compaction_suitable(mem, z, 9, min_wmark_pages(z), ZONE_DMA32));
	/* Non-costly orders ignore the index; index -1000 (order 4: the blocks
	 * would do) is never "lack of memory". */
	mem->sysctl.extfrag_threshold = 1000;
	CHECK(compaction_suitable(mem, z, 3, min_wmark_pages(z), ZONE_DMA32));
	CHECK(compaction_suitable(mem, z, 4, min_wmark_pages(z), ZONE_DMA32));
	CHECK(!compaction_suitable(mem, z, 9, min_wmark_pages(z), ZONE_DMA32));
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);

	mem = mk(NULL);
	z = zone_of(mem, 0, ZONE_DMA32);
	fill(mem, lay_order0_1792);
	CHECK_EQ(z->nr_free_pages, 1792);
	for (unsigned o = 0; o < NR_PAGE_ORDERS; o++)
		nr_free[o] = z->free_area[o].nr_free;
	frag_fill_contig_info(nr_free, 9, &info);
	CHECK_EQ(frag_fragmentation_index(9, &info), 998);
	CHECK(compaction_suitable(mem, z, 9, min_wmark_pages(z), ZONE_DMA32));
	/* Nothing movable: the run scans and finds nothing, but it ran. */
	CHECK_EQ(compact(mem, 9, GFP_TRANSHUGE, COMPACT_PRIO_SYNC_LIGHT, &cap), COMPACT_PARTIAL_SKIPPED);
	CHECK(st(mem, FRAG_STAT_compact_migrate_scanned) > 0);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * __compaction_suitable(): the order-0 check for migration targets: free
 * pages must exceed watermark + compact_gap(order) (2 << order), plus
 * low - min for costly orders, with ALLOC_CMA. With the MIN mark (221):
 * order 2 needs free > 229; order 9 needs free > 221 + 1024 + 55 = 1300.
 */
static void test___compaction_suitable_compact_gap(void)
{
	struct frag_mem *mem = mk(NULL);
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);
	uint64_t min = min_wmark_pages(z), low = low_wmark_pages(z);

	CHECK_EQ(min, 221);
	CHECK_EQ(low, 276);
	/* Leave exactly 230 scattered free pages: the odd pages of B23 minus 26. */
	fill(mem, lay_b23_odd);
	for (uint64_t p = B(23) + 1; z->nr_free_pages > 230; p += 2)
		alloc_at(mem, z, p, 0, GFP_KERNEL, 0);
	CHECK_EQ(z->nr_free_pages, 230);
	CHECK(compaction_suitable(mem, z, 2, min, ZONE_DMA32));
	alloc_at(mem, z, ZE - 1, 0, GFP_KERNEL, 0);
	CHECK_EQ(z->nr_free_pages, 229);
	CHECK(!compaction_suitable(mem, z, 2, min, ZONE_DMA32));
	CHECK(compaction_suitable(mem, z, 1, min, ZONE_DMA32));   /* gap 4: 229 > 225 */
	frag_mem_destroy(mem);

	/* Order 9: 1301 passes, 1300 does not (fragindex is 998 either way). */
	mem = mk(NULL);
	z = zone_of(mem, 0, ZONE_DMA32);
	fill(mem, lay_order0_1792);
	for (uint64_t p = B(16) + 1; z->nr_free_pages > 1301; p += 2)
		alloc_at(mem, z, p, 0, GFP_KERNEL, 0);
	CHECK_EQ(z->nr_free_pages, 1301);
	CHECK(compaction_suitable(mem, z, 9, min, ZONE_DMA32));
	alloc_at(mem, z, B(23) - 1, 0, GFP_KERNEL, 0);
	CHECK(!compaction_suitable(mem, z, 9, min, ZONE_DMA32));
	/*
	 * compaction_zonelist_suitable(): the same test for retries, with
	 * zone_reclaimable_pages() / order added to the free pages. No LRU
	 * pages here, so 6.18's zone_reclaimable_pages() answers the zone's
	 * free pages: 1300 + 1300 / 9 = 1444 passes. Without a reclaim model
	 * nothing is added and 1300 fails, as above.
	 */
	CHECK_EQ(mem->reclaim.zone_reclaimable_pages(mem, z->id), 1300);
	CHECK(compaction_zonelist_suitable(mem, 0, 1, 9, ZONE_DMA32));
	mem->reclaim.zone_reclaimable_pages = NULL;
	CHECK(!compaction_zonelist_suitable(mem, 0, 1, 9, ZONE_DMA32));
	CHECK(compaction_zonelist_suitable(mem, 0, 1, 3, ZONE_DMA32));
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/* ---------------------------------------------------------------------- */
/* Scanners                                                               */
/* ---------------------------------------------------------------------- */

/*
 * compact_scanners_met() / __compact_finished(): with nothing movable the
 * migration scanner walks B0..B22 and meets the free scanner at B23. A
 * whole-zone run (COMPACT_PRIO_SYNC_FULL) is COMPLETE; a run from the
 * cached positions is PARTIAL_SKIPPED. Either way the cached positions go
 * back to the zone ends and a direct compactor sets compact_blockskip_flush.
 * SYNC_FULL ignores the skip hints and scans every pfn of B0..B22.
 */
static void test_compact_scanners_met(void)
{
	struct frag_mem *mem = mk(NULL);
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);
	uint64_t cap;

	fill(mem, lay_b23_odd);
	CHECK_EQ(compact(mem, 3, GFP_KERNEL, COMPACT_PRIO_SYNC_LIGHT, &cap), COMPACT_PARTIAL_SKIPPED);
	CHECK_EQ(cap, FRAG_PFN_NONE);
	CHECK_EQ(st(mem, FRAG_STAT_compact_migrate_scanned), 23 * 512);
	CHECK_EQ(st(mem, FRAG_STAT_compact_free_scanned), 0);   /* nothing isolated: no targets needed */
	CHECK_EQ(z->compact_cached_migrate_pfn[0], ZS);
	CHECK_EQ(z->compact_cached_migrate_pfn[1], ZS);
	CHECK_EQ(z->compact_cached_free_pfn, B(23));
	CHECK(z->compact_blockskip_flush);
	CHECK_EQ(z->compact_defer_shift, 1);   /* a sync run that found nothing defers */

	CHECK_EQ(compact(mem, 3, GFP_KERNEL, COMPACT_PRIO_SYNC_FULL, &cap), COMPACT_COMPLETE);
	CHECK_EQ(st(mem, FRAG_STAT_compact_migrate_scanned), 2 * 23 * 512);
	CHECK_EQ(z->compact_defer_shift, 2);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * isolation_suitable() / update_pageblock_skip(): a pageblock scanned to its
 * end without isolating anything is marked skip, and later runs that obey
 * the hints do not look at it; SYNC_FULL ignores them.
 * reset_isolation_suitable() (kswapd going to sleep after a direct
 * compaction met) clears the hint where a source or target might be found:
 * B5 holds a pinned LRU page (never isolated, but nr_lru > 0).
 */
static enum what lay_skip(uint64_t p)
{
	return p == B(5) + 7 ? W_PINNED : lay_b23_odd(p);
}

static void test_update_pageblock_skip(void)
{
	struct frag_mem *mem = mk(NULL);
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);
	uint64_t cap;

	fill(mem, lay_skip);
	for (unsigned b = 0; b < PB_NR; b++)
		CHECK(!(z->pb[b].flags & PB_COMPACT_SKIP));
	CHECK_EQ(compact(mem, 3, GFP_KERNEL, COMPACT_PRIO_SYNC_LIGHT, &cap), COMPACT_PARTIAL_SKIPPED);
	for (unsigned b = 0; b < 23; b++)
		CHECK(z->pb[b].flags & PB_COMPACT_SKIP);
	CHECK(!(z->pb[23].flags & PB_COMPACT_SKIP));
	CHECK_EQ(st(mem, FRAG_STAT_compact_migrate_scanned), 23 * 512);

	compaction_defer_reset(z, 3, true);   /* not deferred for the next runs */
	CHECK_EQ(compact(mem, 3, GFP_KERNEL, COMPACT_PRIO_SYNC_LIGHT, &cap), COMPACT_PARTIAL_SKIPPED);
	CHECK_EQ(st(mem, FRAG_STAT_compact_migrate_scanned), 23 * 512);   /* every block skipped */

	CHECK_EQ(compact(mem, 3, GFP_KERNEL, COMPACT_PRIO_SYNC_FULL, &cap), COMPACT_COMPLETE);
	CHECK_EQ(st(mem, FRAG_STAT_compact_migrate_scanned), 2 * 23 * 512);

	/* kswapd: only B5 (an LRU page) becomes worth scanning again. */
	CHECK(z->compact_blockskip_flush);
	frag_reset_isolation_suitable(mem, 0);
	CHECK(!z->compact_blockskip_flush);
	for (unsigned b = 0; b < 23; b++)
		CHECK_EQ(!!(z->pb[b].flags & PB_COMPACT_SKIP), b != 5);
	CHECK_EQ(z->compact_cached_migrate_pfn[0], B(5));
	CHECK_EQ(z->compact_cached_migrate_pfn[1], B(5));
	CHECK_EQ(z->compact_init_migrate_pfn, B(5));
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * isolate_migratepages_block(): at most COMPACT_CLUSTER_MAX (32) pages per
 * batch; migrate_pages() takes them newest first. B0 holds 40 LRU pages:
 * an unmovable order-3 request migrates 4127..4096, then 4135..4128, and
 * stops at the end of B0 (a MOVABLE order-3 block it may claim). The
 * targets are free pages of B23 (the fast free-list search finds one in
 * the top quarter of the zone and isolates around it), each used once.
 */
static void test_isolate_migratepages_block_cluster_max(void)
{
	struct frag_mem *mem = mk(NULL);
	uint64_t cap;

	fill(mem, lay_finished);
	CHECK_EQ(compact(mem, 3, GFP_KERNEL, COMPACT_PRIO_SYNC_LIGHT, &cap), COMPACT_SUCCESS);
	CHECK_EQ(cap, FRAG_PFN_NONE);   /* MOVABLE block, unmovable request: no capture */
	CHECK_EQ(R.n, 40);
	for (unsigned i = 0; i < 32; i++)
		CHECK_EQ(R.old_pfn[i], B(0) + 31 - i);
	for (unsigned i = 0; i < 8; i++)
		CHECK_EQ(R.old_pfn[32 + i], B(0) + 39 - i);
	for (unsigned i = 0; i < 40; i++) {
		CHECK(R.new_pfn[i] >= B(23) && (R.new_pfn[i] & 1));
		for (unsigned j = 0; j < i; j++)
			CHECK(R.new_pfn[i] != R.new_pfn[j]);
	}
	CHECK_EQ(st(mem, FRAG_STAT_pgmigrate_success), 40);
	CHECK_EQ(st(mem, FRAG_STAT_compact_isolated), 80);   /* 40 sources + 40 targets */
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * __compact_finished(): a run ends at a pageblock boundary once the request
 * could be served: a free block of its type (a CMA one for movable
 * requests), or one the allocator may claim from another type.
 * B0 is a CMA pageblock with 40 LRU pages, B1 a MOVABLE one with 8.
 *  - movable order 3: after the first 32 pages B0 holds an order-5 CMA
 *    block, but the scanner is inside B0: go on; at B0's end stop (40);
 *  - unmovable order 3: CMA blocks do not count; B1's 8 pages make a
 *    MOVABLE order-3 block it can claim: stop after 48.
 * Blocks in CMA pageblocks are never captured; MOVABLE ones not for
 * unmovable requests, so both runs end through __compact_finished().
 */
static void test___compact_finished_movable_unmovable(void)
{
	for (int movable = 1; movable >= 0; movable--) {
		struct frag_mem *mem = mk(NULL);
		struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);
		gfp_t gfp = movable ? GFP_HIGHUSER_MOVABLE : GFP_KERNEL;
		uint64_t cap;

		fill(mem, lay_finished);
		set_pageblock_migratetype(z, B(0), MIGRATE_CMA);
		CHECK_EQ(compact(mem, 3, gfp, COMPACT_PRIO_SYNC_LIGHT, &cap), COMPACT_SUCCESS);
		CHECK_EQ(cap, FRAG_PFN_NONE);
		CHECK_EQ(st(mem, FRAG_STAT_pgmigrate_success), movable ? 40 : 48);
		CHECK_EQ(list_head_pfn(z, 5, MIGRATE_CMA), B(0));
		CHECK_EQ(list_head_pfn(z, 3, MIGRATE_CMA), B(0) + 32);
		CHECK_EQ(list_head_pfn(z, 3, MIGRATE_MOVABLE), movable ? FRAG_PFN_NONE : B(1));
		CHECK_CONSISTENT(mem);
		frag_mem_destroy(mem);
	}
}

/*
 * suitable_migration_source(): async direct compaction only migrates from
 * pageblocks of the request's migratetype (MOVABLE or CMA for movable
 * requests); sync compaction from any. B0 is UNMOVABLE, B1 MOVABLE, each
 * with 8 LRU pages at its start; free targets at the even pages of B23 (the
 * async free scanner samples every 32nd pfn).
 */
static enum what lay_source(uint64_t p)
{
	if ((p >= B(0) && p < B(0) + 8) || (p >= B(1) && p < B(1) + 8))
		return W_LRU;
	return p >= B(23) && !(p & 1) ? W_FREE : W_SLAB;
}

static void test_suitable_migration_source_async(void)
{
	static const struct {
		gfp_t gfp;
		int prio;
		uint64_t block;
	} cases[] = {
		{ GFP_HIGHUSER_MOVABLE, COMPACT_PRIO_ASYNC, B(1) },
		{ GFP_KERNEL, COMPACT_PRIO_ASYNC, B(0) },
		{ GFP_HIGHUSER_MOVABLE, COMPACT_PRIO_SYNC_LIGHT, B(0) },
	};
	for (unsigned c = 0; c < 3; c++) {
		struct frag_mem *mem = mk(NULL);
		struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);
		uint64_t cap;

		fill(mem, lay_source);
		set_pageblock_migratetype(z, B(0), MIGRATE_UNMOVABLE);
		CHECK_EQ(compact(mem, 3, cases[c].gfp, cases[c].prio, &cap), COMPACT_SUCCESS);
		CHECK_EQ(cap, cases[c].block);   /* the 8 freed pages, captured whole */
		CHECK_EQ(R.n, 8);
		for (unsigned i = 0; i < R.n && i < 8; i++)
			CHECK_EQ(R.old_pfn[i], cases[c].block + 7 - i);
		take_capture(mem, cap, 3, cases[c].gfp);
		CHECK_CONSISTENT(mem);
		frag_mem_destroy(mem);
	}
}

/*
 * isolate_migratepages_block(), async direct (skip_on_failure): a page that
 * cannot be isolated gives up its whole cc->order-aligned chunk. B0's first
 * chunk [4096, 4104) has a pinned anon page at 4099, the second is all LRU:
 * only the second moves, and the pinned page is never even tried
 * (pgmigrate_fail stays 0).
 */
static enum what lay_pinned(uint64_t p)
{
	if (p == B(0) + 3)
		return W_PINNED;
	if (p >= B(0) && p < B(0) + 16)
		return W_LRU;
	return p >= B(23) && !(p & 1) ? W_FREE : W_SLAB;
}

static void test_isolate_migratepages_block_skip_on_failure(void)
{
	struct frag_mem *mem = mk(NULL);
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);
	uint64_t cap;

	fill(mem, lay_pinned);
	CHECK_EQ(compact(mem, 3, GFP_HIGHUSER_MOVABLE, COMPACT_PRIO_ASYNC, &cap), COMPACT_SUCCESS);
	CHECK_EQ(cap, B(0) + 8);
	CHECK_EQ(R.n, 8);
	for (unsigned i = 0; i < R.n && i < 8; i++)
		CHECK_EQ(R.old_pfn[i], B(0) + 15 - i);
	CHECK_EQ(st(mem, FRAG_STAT_pgmigrate_fail), 0);
	CHECK_EQ(page_at(z, B(0) + 3)->state, PG_ALLOC);
	CHECK_EQ(page_at(z, B(0))->state, PG_ALLOC);
	take_capture(mem, cap, 3, GFP_HIGHUSER_MOVABLE);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * skip_isolation_on_order() (6.10+): a compound page is migrated only when
 * it is smaller than the requested order (and than a pageblock). B0 starts
 * with an order-2 mTHP and an order-4 mTHP: an order-3 request moves the
 * first (to a free order-2 block: compaction_alloc() needs one of at least
 * the folio's order) and steps over the second.
 */
static enum what lay_mthp(uint64_t p)
{
	if (p >= B(0) && p < B(0) + 32)
		return W_FREE;   /* placed by hand below */
	return p >= B(23) && (p & 4) ? W_FREE : W_SLAB;   /* 64 free order-2 blocks */
}

static void test_skip_isolation_on_order(void)
{
	struct frag_mem *mem = mk(NULL);
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);
	uint64_t cap;

	fill(mem, lay_mthp);
	alloc_at(mem, z, B(0), 2, GFP_HIGHUSER_MOVABLE, OWNER_LRU | OWNER_COMPOUND);
	alloc_at(mem, z, B(0) + 16, 4, GFP_HIGHUSER_MOVABLE, OWNER_LRU | OWNER_COMPOUND);
	for (uint64_t p = B(0) + 4; p < B(0) + 16; p++)
		alloc_at(mem, z, p, 0, GFP_KERNEL, 0);
	for (uint64_t p = B(0) + 20; p < B(0) + 32; p++)
		if (page_at(z, p)->state == PG_BUDDY || page_at(z, p)->state == PG_TAIL)
			alloc_at(mem, z, p, 0, GFP_KERNEL, 0);
	CHECK_EQ(compact(mem, 3, GFP_KERNEL, COMPACT_PRIO_SYNC_LIGHT, &cap), COMPACT_PARTIAL_SKIPPED);
	CHECK_EQ(R.n, 1);
	CHECK_EQ(R.old_pfn[0], B(0));
	CHECK_EQ(R.order[0], 2);
	CHECK(R.new_pfn[0] >= B(23) && (R.new_pfn[0] & 7) == 4);   /* a free order-2 block */
	CHECK_EQ(st(mem, FRAG_STAT_pgmigrate_success), 4);
	CHECK_EQ(page_at(z, B(0) + 16)->state, PG_ALLOC);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * suitable_migration_target(): the free scanner never takes pages from a
 * pageblock that starts with a free block of at least cc->order (of a
 * pageblock for whole-zone runs): compaction does not break up what it is
 * building. /proc/sys/vm/compact_memory over: B0 with 16 LRU pages, B22
 * with free odd pages, B23 entirely free (an order-9 buddy): the sources
 * land in B22, B23 stays whole.
 */
static enum what lay_target(uint64_t p)
{
	if (p >= B(0) && p < B(0) + 16)
		return W_LRU;
	if (p >= B(23))
		return W_FREE;
	return p >= B(22) && (p & 1) ? W_FREE : W_SLAB;
}

static void test_suitable_migration_target_free_pageblock(void)
{
	struct frag_mem *mem = mk(NULL);
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);

	fill(mem, lay_target);
	CHECK_EQ(page_at(z, B(23))->state, PG_BUDDY);
	CHECK_EQ(page_at(z, B(23))->order, 9);
	frag_compact_memory(mem, -1);
	CHECK_EQ(R.n, 16);
	for (unsigned i = 0; i < R.n && i < 16; i++)
		CHECK(R.new_pfn[i] >= B(22) && R.new_pfn[i] < B(23));
	CHECK_EQ(page_at(z, B(23))->state, PG_BUDDY);
	CHECK_EQ(page_at(z, B(23))->order, 9);
	CHECK_EQ(z->pb[23].nr_free, 512);
	CHECK_EQ(list_head_pfn(z, 4, MIGRATE_MOVABLE), B(0));   /* the 16 sources, merged */
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/* ---------------------------------------------------------------------- */
/* Capture and the slowpath                                               */
/* ---------------------------------------------------------------------- */

/*
 * compaction_capture(): while a direct compactor waits, a block of its order
 * freed in its zone goes straight to it. B0's 8 LRU pages move (newest
 * first) to free pages of B23; when the last one (4096) is freed
 * the order-3 block at 4096 forms and is captured: never on a free list.
 * Through the slowpath the same block is the page the request gets.
 */
static void test_compaction_capture(void)
{
	struct frag_mem *mem = mk(NULL);
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);
	uint64_t cap;

	fill(mem, lay_capture);
	CHECK_EQ(compact(mem, 3, GFP_HIGHUSER_MOVABLE, COMPACT_PRIO_SYNC_LIGHT, &cap), COMPACT_SUCCESS);
	CHECK_EQ(cap, B(0));
	CHECK(mem->capc == NULL);
	CHECK_EQ(R.n, 8);
	for (unsigned i = 0; i < R.n && i < 8; i++) {
		CHECK_EQ(R.old_pfn[i], B(0) + 7 - i);
		CHECK(R.new_pfn[i] >= B(23) && (R.new_pfn[i] & 1));
	}
	CHECK_EQ(page_at(z, B(0))->state, PG_TAIL);   /* detached, not PG_BUDDY */
	for (unsigned o = 1; o < NR_PAGE_ORDERS; o++)
		CHECK_EQ(z->free_area[o].nr_free, 0);
	CHECK_EQ(z->nr_free_pages, 256 - 8);
	take_capture(mem, cap, 3, GFP_HIGHUSER_MOVABLE);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);

	/* The slowpath: the allocation is served by the captured block. */
	mem = mk(NULL);
	z = zone_of(mem, 0, ZONE_DMA32);
	fill(mem, lay_capture);
	struct frag_owner o = { .id = 9, .cookie = 1, .kind = KIND_ANON, .flags = OWNER_LRU | OWNER_COMPOUND };
	CHECK_EQ(frag_alloc_pages(mem, 0, 3, GFP_HIGHUSER_MOVABLE, &o), B(0));
	CHECK_EQ(st(mem, FRAG_STAT_compact_stall), 1);
	CHECK_EQ(st(mem, FRAG_STAT_compact_success), 1);
	CHECK_EQ(st(mem, FRAG_STAT_compact_fail), 0);
	CHECK_EQ(page_at(z, B(0))->state, PG_ALLOC);
	CHECK_EQ(page_at(z, B(0))->next, 9);
	CHECK_EQ(z->compact_order_failed, 4);   /* compaction_defer_reset(zone, 3, true) */
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * defer_compaction() / compaction_deferred() / compaction_defer_reset():
 * each failure doubles the attempts skipped, up to 1 << 6 = 64; an attempt
 * is let through once 2^shift have been considered; success resets the
 * shift and raises compact_order_failed above the order that worked.
 */
static void test_defer_compaction(void)
{
	struct frag_mem *mem = mk(NULL);
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);

	for (int i = 0; i < 8; i++)
		defer_compaction(z, 9);
	CHECK_EQ(z->compact_defer_shift, 6);
	CHECK_EQ(z->compact_order_failed, 0);
	unsigned skipped = 0;
	while (compaction_deferred(z, 9))
		skipped++;
	CHECK_EQ(skipped, 63);
	CHECK_EQ(z->compact_considered, 64);
	CHECK(!compaction_deferred(z, 9));   /* stays open at the limit */
	compaction_defer_reset(z, 9, true);
	CHECK_EQ(z->compact_defer_shift, 0);
	CHECK_EQ(z->compact_considered, 0);
	CHECK_EQ(z->compact_order_failed, 10);
	defer_compaction(z, 4);
	CHECK_EQ(z->compact_order_failed, 4);
	CHECK(!compaction_deferred(z, 3));   /* below the failed order: never deferred */
	CHECK_EQ(z->compact_considered, 0);
	frag_mem_destroy(mem);
}

/*
 * try_to_compact_pages(): a deferred zone is skipped (COMPACT_DEFERRED, no
 * scan) unless at COMPACT_PRIO_SYNC_FULL; a sync run that fails defers the
 * zone again; async runs do not defer. __alloc_pages_direct_compact()
 * counts a stall even for DEFERRED (not for SKIPPED).
 */
static void test_try_to_compact_pages_deferred(void)
{
	struct frag_mem *mem = mk(NULL);
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);
	uint64_t cap, scanned;

	fill(mem, lay_b23_odd);
	CHECK_EQ(compact(mem, 3, GFP_KERNEL, COMPACT_PRIO_SYNC_LIGHT, &cap), COMPACT_PARTIAL_SKIPPED);
	CHECK_EQ(z->compact_defer_shift, 1);
	scanned = st(mem, FRAG_STAT_compact_migrate_scanned);
	CHECK_EQ(compact(mem, 3, GFP_KERNEL, COMPACT_PRIO_SYNC_LIGHT, &cap), COMPACT_DEFERRED);
	CHECK_EQ(compact(mem, 3, GFP_KERNEL, COMPACT_PRIO_ASYNC, &cap), COMPACT_PARTIAL_SKIPPED);   /* 2nd consideration */
	CHECK_EQ(z->compact_defer_shift, 1);                                                    /* async: no defer */
	CHECK_EQ(compact(mem, 3, GFP_KERNEL, COMPACT_PRIO_SYNC_LIGHT, &cap), COMPACT_PARTIAL_SKIPPED);
	CHECK_EQ(z->compact_defer_shift, 2);
	for (int i = 0; i < 3; i++)
		CHECK_EQ(compact(mem, 3, GFP_KERNEL, COMPACT_PRIO_SYNC_LIGHT, &cap), COMPACT_DEFERRED);
	uint64_t before = st(mem, FRAG_STAT_compact_migrate_scanned);
	CHECK_EQ(compact(mem, 3, GFP_KERNEL, COMPACT_PRIO_SYNC_FULL, &cap), COMPACT_COMPLETE);
	CHECK_EQ(st(mem, FRAG_STAT_compact_migrate_scanned) - before, 23 * 512);
	CHECK(scanned > 0);

	/* The slowpath counts a stall for the deferred attempt. */
	uint64_t stalls = st(mem, FRAG_STAT_compact_stall);
	compaction_defer_reset(z, 3, true);
	defer_compaction(z, 3);
	CHECK_EQ(frag_alloc_pages(mem, 0, 3, GFP_KERNEL | __GFP_NORETRY, NULL), FRAG_PFN_NONE);
	CHECK_EQ(st(mem, FRAG_STAT_compact_stall) - stalls, 2);   /* the first try deferred, the second ran */
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * __alloc_pages_slowpath() for a costly order: one ASYNC compaction first,
 * then (after reclaim) SYNC_LIGHT. B1 is an UNMOVABLE pageblock full of LRU
 * pages (movable memory stolen into it); async compaction for a movable
 * request does not take sources from it and fails; the SYNC_LIGHT run
 * empties it and the order-9 block is captured across migratetypes (an
 * extfrag event) and returned.
 */
static enum what lay_costly(uint64_t p)
{
	if (p >= B(1) && p < B(2))
		return W_LRU;
	return p >= B(12) && (p & 1) ? W_FREE : W_SLAB;
}

static void test___alloc_pages_slowpath_compact_first(void)
{
	struct frag_mem *mem = mk(NULL);
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);

	fill(mem, lay_costly);
	set_pageblock_migratetype(z, B(1), MIGRATE_UNMOVABLE);
	uint64_t extfrag = st(mem, FRAG_STAT_extfrag);
	CHECK_EQ(frag_alloc_pages(mem, 0, 9, GFP_TRANSHUGE, NULL), B(1));
	CHECK_EQ(st(mem, FRAG_STAT_compact_stall), 2);
	CHECK_EQ(st(mem, FRAG_STAT_compact_fail), 1);
	CHECK_EQ(st(mem, FRAG_STAT_compact_success), 1);
	CHECK_EQ(st(mem, FRAG_STAT_pgmigrate_success), 512);
	CHECK_EQ(st(mem, FRAG_STAT_extfrag) - extfrag, 1);
	CHECK_EQ(R.n, 512);
	CHECK_EQ(page_at(z, B(1))->state, PG_ALLOC);
	CHECK_EQ(page_at(z, B(1))->order, 9);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * __alloc_pages_slowpath() for a costly __GFP_NORETRY request (a THP fault
 * with defrag=always outside MADV_HUGEPAGE: GFP_TRANSHUGE | __GFP_NORETRY):
 * when the first, async, compaction was skipped or deferred, the request
 * fails at once, without direct reclaim ("compaction cannot help, reclaim
 * would only thrash"); when it ran and failed, the request goes on, but
 * its later compaction stays at INIT_COMPACT_PRIORITY (async): one direct
 * reclaim, one more async compaction, then the __GFP_NORETRY exit.
 *  - lay_order8 (fragindex 358 <= 500: compaction_suitable() says SKIPPED):
 *    no stall, no reclaim; without __GFP_NORETRY the same request reclaims;
 *  - lay_costly with order 9 deferred (defer_compaction()): one stall for
 *    the deferred try, no reclaim;
 *  - lay_costly: two async compactions, both fail (async takes no sources
 *    from the UNMOVABLE B1, see the test above, where the second run is
 *    SYNC_LIGHT and succeeds), one direct reclaim, nothing migrated.
 */
static uint64_t allocstalls(const struct frag_mem *mem)
{
	return st(mem, FRAG_STAT_allocstall_dma) + st(mem, FRAG_STAT_allocstall_dma32) +
	       st(mem, FRAG_STAT_allocstall_normal) + st(mem, FRAG_STAT_allocstall_movable);
}

static void test___alloc_pages_slowpath_costly_noretry(void)
{
	struct frag_mem *mem = mk(NULL);
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);

	fill(mem, lay_order8);
	CHECK_EQ(frag_alloc_pages(mem, 0, 9, GFP_TRANSHUGE | __GFP_NORETRY, NULL), FRAG_PFN_NONE);
	CHECK_EQ(st(mem, FRAG_STAT_compact_stall), 0);
	CHECK_EQ(allocstalls(mem), 0);
	CHECK_EQ(frag_alloc_pages(mem, 0, 9, GFP_TRANSHUGE, NULL), FRAG_PFN_NONE);
	CHECK_EQ(st(mem, FRAG_STAT_compact_stall), 0);
	CHECK_EQ(allocstalls(mem), 1);   /* no __GFP_NORETRY: reclaim, then the costly exit */
	frag_mem_destroy(mem);

	mem = mk(NULL);
	z = zone_of(mem, 0, ZONE_DMA32);
	fill(mem, lay_costly);
	set_pageblock_migratetype(z, B(1), MIGRATE_UNMOVABLE);
	defer_compaction(z, 9);
	CHECK_EQ(frag_alloc_pages(mem, 0, 9, GFP_TRANSHUGE | __GFP_NORETRY, NULL), FRAG_PFN_NONE);
	CHECK_EQ(st(mem, FRAG_STAT_compact_stall), 1);
	CHECK_EQ(st(mem, FRAG_STAT_compact_migrate_scanned), 0);
	CHECK_EQ(allocstalls(mem), 0);
	frag_mem_destroy(mem);

	mem = mk(NULL);
	z = zone_of(mem, 0, ZONE_DMA32);
	fill(mem, lay_costly);
	set_pageblock_migratetype(z, B(1), MIGRATE_UNMOVABLE);
	CHECK_EQ(frag_alloc_pages(mem, 0, 9, GFP_TRANSHUGE | __GFP_NORETRY, NULL), FRAG_PFN_NONE);
	CHECK_EQ(st(mem, FRAG_STAT_compact_stall), 2);
	CHECK_EQ(st(mem, FRAG_STAT_compact_fail), 2);
	CHECK_EQ(st(mem, FRAG_STAT_compact_success), 0);
	CHECK_EQ(st(mem, FRAG_STAT_pgmigrate_success), 0);
	CHECK_EQ(allocstalls(mem), 1);
	CHECK_EQ(R.n, 0);
	CHECK_EQ(page_at(z, B(1))->state, PG_ALLOC);
	CHECK_EQ(page_at(z, B(1))->order, 0);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * The same requests under sysctl.compact_first, the 7.0 slowpath
 * (kernel-model.md §4.10): the first async compaction is the retry loop's
 * first pass; when it fails, __GFP_NORETRY | __GFP_THISNODE (a THP fault's
 * local try) gives up, __GFP_NORETRY goes round once more with reclaim and
 * an async compaction whatever the first result was, and the rest go on at
 * DEF_COMPACT_PRIORITY.
 *  - lay_order8 (SKIPPED): NORETRY | THISNODE neither stalls nor reclaims;
 *    NORETRY alone now reclaims once (v6.18: it gave up);
 *  - lay_costly with order 9 deferred: NORETRY stalls twice (the deferred
 *    try, then an async run that scans and fails) and reclaims once (v6.18:
 *    one stall, no reclaim);
 *  - lay_costly: NORETRY as in v6.18 (two async runs, one reclaim, nothing
 *    migrated: the priority stayed async); without it, SYNC_LIGHT after the
 *    reclaim empties B1 and the page is captured, as in v6.18.
 */
static struct frag_mem *mk_compact_first(layout_fn layout, bool defer)
{
	struct frag_mem *mem = mk(NULL);
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);

	mem->sysctl.compact_first = true;
	fill(mem, layout);
	if (layout == lay_costly)
		set_pageblock_migratetype(z, B(1), MIGRATE_UNMOVABLE);
	if (defer)
		defer_compaction(z, 9);
	return mem;
}

static void test___alloc_pages_slowpath_compact_first_7_0(void)
{
	const gfp_t local_try = GFP_TRANSHUGE | __GFP_NORETRY | __GFP_THISNODE;
	struct frag_mem *mem = mk_compact_first(lay_order8, false);

	CHECK_EQ(frag_alloc_pages(mem, 0, 9, local_try, NULL), FRAG_PFN_NONE);
	CHECK_EQ(st(mem, FRAG_STAT_compact_stall), 0);
	CHECK_EQ(allocstalls(mem), 0);
	CHECK_EQ(frag_alloc_pages(mem, 0, 9, GFP_TRANSHUGE | __GFP_NORETRY, NULL), FRAG_PFN_NONE);
	CHECK_EQ(st(mem, FRAG_STAT_compact_stall), 0);
	CHECK_EQ(allocstalls(mem), 1);
	frag_mem_destroy(mem);

	mem = mk_compact_first(lay_costly, true);
	CHECK_EQ(frag_alloc_pages(mem, 0, 9, local_try, NULL), FRAG_PFN_NONE);
	CHECK_EQ(st(mem, FRAG_STAT_compact_stall), 1);
	CHECK_EQ(st(mem, FRAG_STAT_compact_migrate_scanned), 0);
	CHECK_EQ(allocstalls(mem), 0);
	frag_mem_destroy(mem);

	mem = mk_compact_first(lay_costly, true);
	CHECK_EQ(frag_alloc_pages(mem, 0, 9, GFP_TRANSHUGE | __GFP_NORETRY, NULL), FRAG_PFN_NONE);
	CHECK_EQ(st(mem, FRAG_STAT_compact_stall), 2);
	CHECK_EQ(st(mem, FRAG_STAT_compact_fail), 2);
	CHECK(st(mem, FRAG_STAT_compact_migrate_scanned) > 0);   /* the second, async, run scanned */
	CHECK_EQ(st(mem, FRAG_STAT_pgmigrate_success), 0);
	CHECK_EQ(allocstalls(mem), 1);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);

	mem = mk_compact_first(lay_costly, false);
	CHECK_EQ(frag_alloc_pages(mem, 0, 9, GFP_TRANSHUGE | __GFP_NORETRY, NULL), FRAG_PFN_NONE);
	CHECK_EQ(st(mem, FRAG_STAT_compact_stall), 2);
	CHECK_EQ(st(mem, FRAG_STAT_compact_fail), 2);
	CHECK_EQ(st(mem, FRAG_STAT_pgmigrate_success), 0);
	CHECK_EQ(allocstalls(mem), 1);
	frag_mem_destroy(mem);

	mem = mk_compact_first(lay_costly, false);
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);
	CHECK_EQ(frag_alloc_pages(mem, 0, 9, GFP_TRANSHUGE, NULL), B(1));
	CHECK_EQ(st(mem, FRAG_STAT_compact_stall), 2);
	CHECK_EQ(st(mem, FRAG_STAT_compact_fail), 1);
	CHECK_EQ(st(mem, FRAG_STAT_compact_success), 1);
	CHECK_EQ(st(mem, FRAG_STAT_pgmigrate_success), 512);
	CHECK_EQ(allocstalls(mem), 1);
	CHECK_EQ(page_at(z, B(1))->order, 9);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * vma_thp_gfp_mask() with defrag=madvise: a THP fault outside a
 * MADV_HUGEPAGE region asks GFP_TRANSHUGE_LIGHT, without
 * __GFP_DIRECT_RECLAIM: it fails at once and never compacts; a madvised
 * fault (GFP_TRANSHUGE) compacts and gets its page.
 */
static void test_vma_thp_gfp_mask_madvise(void)
{
	struct frag_mem *mem = mk(NULL);

	fill(mem, lay_fragmented);
	CHECK_EQ(frag_alloc_pages(mem, 0, 9, GFP_TRANSHUGE_LIGHT, NULL), FRAG_PFN_NONE);
	CHECK_EQ(st(mem, FRAG_STAT_compact_stall), 0);
	CHECK_EQ(st(mem, FRAG_STAT_compact_migrate_scanned), 0);
	CHECK_EQ(st(mem, FRAG_STAT_compact_free_scanned), 0);
	CHECK_EQ(st(mem, FRAG_STAT_alloc_fail), 1);
	CHECK(frag_alloc_pages(mem, 0, 9, GFP_TRANSHUGE, NULL) != FRAG_PFN_NONE);
	CHECK(st(mem, FRAG_STAT_compact_stall) >= 1);
	CHECK_EQ(st(mem, FRAG_STAT_compact_success), 1);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/* ---------------------------------------------------------------------- */
/* kcompactd and proactive compaction                                     */
/* ---------------------------------------------------------------------- */

/*
 * wakeup_kcompactd() / kcompactd_do_work(): order-0 requests are ignored; a
 * request wakes kcompactd through env.wakeup_kcompactd() when a zone is
 * suitable; the run (SYNC_LIGHT, no capture) compacts until a block the
 * allocator could claim exists: B0's 256 LRU pages move and B0 becomes a
 * free order-9 block; the request is then cleared.
 */
static void test_kcompactd_do_work(void)
{
	struct frag_mem *mem = mk(NULL);
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);
	unsigned order;
	enum zone_type highest;

	fill(mem, lay_fragmented);
	frag_wakeup_kcompactd(mem, 0, 0, ZONE_NORMAL);
	CHECK_EQ(R.kcompactd_wakes, 0);
	CHECK(!frag_kcompactd_work_requested(mem, 0, &order, &highest));
	frag_wakeup_kcompactd(mem, 0, 9, ZONE_NORMAL);
	CHECK_EQ(R.kcompactd_wakes, 1);
	CHECK_EQ(R.kcompactd_order, 9);
	CHECK_EQ(R.kcompactd_highest, ZONE_DMA32);
	CHECK(frag_kcompactd_work_requested(mem, 0, &order, &highest));
	CHECK_EQ(order, 9);
	frag_kcompactd_do_work(mem, 0, order, highest);
	CHECK_EQ(st(mem, FRAG_STAT_compact_daemon_wake), 1);
	CHECK_EQ(st(mem, FRAG_STAT_pgmigrate_success), 256);
	CHECK_EQ(st(mem, FRAG_STAT_compact_daemon_migrate_scanned), 512);
	CHECK_EQ(st(mem, FRAG_STAT_compact_daemon_migrate_scanned), st(mem, FRAG_STAT_compact_migrate_scanned));
	CHECK_EQ(st(mem, FRAG_STAT_compact_daemon_free_scanned), st(mem, FRAG_STAT_compact_free_scanned));
	CHECK_EQ(st(mem, FRAG_STAT_compact_stall), 0);
	CHECK_EQ(list_head_pfn(z, 9, MIGRATE_MOVABLE), B(0));
	CHECK_EQ(z->compact_order_failed, 10);   /* compaction_defer_reset(zone, 9, false) */
	CHECK(!frag_kcompactd_work_requested(mem, 0, &order, &highest));
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);

	/* Nothing movable and nothing free to speak of: not woken. */
	mem = mk(NULL);
	fill(mem, lay_b23_odd);
	frag_wakeup_kcompactd(mem, 0, 9, ZONE_NORMAL);
	CHECK_EQ(R.kcompactd_wakes, 0);
	CHECK_EQ(st(mem, FRAG_STAT_kcompactd_wake_request), 1);
	frag_mem_destroy(mem);
}

/*
 * __compact_finished() for kcompactd under vm.defrag_mode (rule 5 above,
 * mm/compaction.c): the run ends when the zone's high watermark is met for
 * the order counting only free pages in whole free pageblocks
 * (NR_FREE_PAGES_BLOCKS), not at the first free block of the order. The
 * fragmented layout has 3072 free pages and no free pageblock; each 256
 * pages migrated out of B0, B1, ... empties one pageblock. Without
 * defrag_mode the first emptied block ends the run (256 pages, as in
 * test_kcompactd_do_work); with it kcompactd goes on until k free blocks
 * pass __zone_watermark_ok(order 9, high): k * 512 - 511 > high (the
 * smallest such k), and stops there.
 */
static void test_kcompactd_defrag_mode_whole_blocks(void)
{
	for (int defrag = 0; defrag <= 1; defrag++) {
		struct frag_mem *mem = mk(NULL);
		struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);
		unsigned order;
		enum zone_type highest;

		mem->sysctl.defrag_mode = defrag;
		fill(mem, lay_fragmented);
		CHECK_EQ(z->nr_free_pages, 3072);
		CHECK_EQ(z->nr_free_pages_blocks, 0);
		int64_t high = (int64_t)high_wmark_pages(z), k = 1;
		while (k * 512 - 511 <= high)
			k++;
		CHECK(k >= 2 && k <= 6);   /* the layout can empty up to 6 blocks */
		frag_wakeup_kcompactd(mem, 0, 9, ZONE_NORMAL);
		CHECK(frag_kcompactd_work_requested(mem, 0, &order, &highest));
		frag_kcompactd_do_work(mem, 0, order, highest);
		int64_t blocks = defrag ? k : 1;
		CHECK_EQ(st(mem, FRAG_STAT_pgmigrate_success), (uint64_t)(256 * blocks));
		CHECK_EQ(z->nr_free_pages_blocks, 512 * blocks);
		CHECK_EQ(z->nr_free_pages, 3072);
		CHECK_CONSISTENT(mem);
		frag_mem_destroy(mem);
	}
}

/*
 * kcompactd() proactive step: node score = present * extfrag_for_order(9) /
 * (present + 1) = 99 > high (90 for proactiveness 20): compact whole zones
 * until a zone's score is at most the low mark (80). Each emptied pageblock
 * of the fragmented half lowers the score: B0 -> 83, B1 -> 66: the run
 * stops after 512 pages. Then the score is below the high mark: no run.
 * With nothing movable the score does not drop: back off 64 times 500 ms.
 * While kswapd runs, no proactive compaction.
 */
static void test_kcompactd_proactive(void)
{
	struct frag_mem *mem = mk(NULL);

	fill(mem, lay_fragmented);
	CHECK_EQ(frag_fragmentation_score_node(mem, 0), 99);
	frag_node_set_kswapd_active(mem, 0, true);
	CHECK_EQ(frag_kcompactd_proactive(mem, 0), FRAG_KCOMPACTD_INTERVAL_NS);
	CHECK_EQ(st(mem, FRAG_STAT_compact_migrate_scanned), 0);
	frag_node_set_kswapd_active(mem, 0, false);

	CHECK_EQ(frag_kcompactd_proactive(mem, 0), FRAG_KCOMPACTD_INTERVAL_NS);
	CHECK_EQ(frag_fragmentation_score_node(mem, 0), 65);
	CHECK(frag_fragmentation_score_node(mem, 0) <= 80);
	CHECK_EQ(st(mem, FRAG_STAT_pgmigrate_success), 512);
	CHECK_EQ(st(mem, FRAG_STAT_compact_daemon_migrate_scanned), 1024);
	CHECK_EQ(st(mem, FRAG_STAT_compact_daemon_wake), 0);
	uint64_t scanned = st(mem, FRAG_STAT_compact_migrate_scanned);
	CHECK_EQ(frag_kcompactd_proactive(mem, 0), FRAG_KCOMPACTD_INTERVAL_NS);
	CHECK_EQ(st(mem, FRAG_STAT_compact_migrate_scanned), scanned);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);

	mem = mk(NULL);
	fill(mem, lay_order0_1792);
	CHECK_EQ(frag_fragmentation_score_node(mem, 0), 99);
	CHECK_EQ(frag_kcompactd_proactive(mem, 0), FRAG_KCOMPACTD_INTERVAL_NS << 6);
	CHECK(st(mem, FRAG_STAT_compact_daemon_migrate_scanned) > 0);
	mem->sysctl.compaction_proactiveness = 0;
	CHECK(!frag_proactive_compaction_enabled(mem));
	frag_mem_destroy(mem);
}

/* ---------------------------------------------------------------------- */
/* Policy hooks                                                           */
/* ---------------------------------------------------------------------- */

struct hook_log {
	unsigned source_calls, target_calls, source_true, refused_b22;
	struct frag_compact_ctx last;
	bool refuse_sources;
};
static struct hook_log H;

static bool hook_source(const struct frag_mem *mem, void *priv, const struct frag_zone *z, uint64_t pfn,
			const struct frag_compact_ctx *cc, bool linux_ok)
{
	(void)mem, (void)priv, (void)z;
	H.source_calls++;
	H.source_true += linux_ok;
	H.last = *cc;
	CHECK_EQ(pfn & (PAGEBLOCK_NR_PAGES - 1), 0);
	return H.refuse_sources ? false : linux_ok;
}

static bool hook_target(const struct frag_mem *mem, void *priv, const struct frag_zone *z, uint64_t pfn,
			const struct frag_compact_ctx *cc, bool linux_ok)
{
	(void)mem, (void)priv, (void)z, (void)cc;
	H.target_calls++;
	if (pfn == B(22)) {
		H.refused_b22++;
		return false;
	}
	return linux_ok;
}

static const struct frag_policy_ops hook_policy = {
	.abi_version = FRAG_POLICY_ABI,
	.name = "test-compaction-hooks",
	.suitable_migration_source = hook_source,
	.suitable_migration_target = hook_target,
};

/*
 * suitable_migration_source / suitable_migration_target hooks: called once
 * per pageblock the scanners reach, with the run's parameters and Linux's
 * verdict, and obeyed: refusing every source migrates nothing. B22 has 8
 * free pages, B23 256; the fast free-list search walks the order-0 list
 * from its tail, where B22's pages are: refusing B22 as a target sends the
 * pages to B23.
 */
static enum what lay_hooks(uint64_t p)
{
	if (p >= B(0) && p < B(0) + 8)
		return W_LRU;
	if (p >= B(22) && p < B(22) + 16)
		return (p & 1) ? W_FREE : W_SLAB;   /* 8 free pages in B22 */
	return p >= B(23) && (p & 1) ? W_FREE : W_SLAB;
}

static void test_policy_hooks_suitable_migration(void)
{
	uint64_t cap;

	test_policy = &hook_policy;
	memset(&H, 0, sizeof H);
	H.refuse_sources = true;
	struct frag_mem *mem = mk(tweak_dma32_policy);
	fill(mem, lay_hooks);
	CHECK_EQ(compact(mem, 3, GFP_HIGHUSER_MOVABLE, COMPACT_PRIO_SYNC_LIGHT, &cap), COMPACT_PARTIAL_SKIPPED);
	CHECK_EQ(R.n, 0);
	CHECK_EQ(H.source_calls, 23);   /* B0..B22: the free scanner sits at B23 */
	CHECK_EQ(H.source_true, 23);
	CHECK_EQ(H.last.order, 3);
	CHECK_EQ(H.last.migratetype, MIGRATE_MOVABLE);
	CHECK_EQ(H.last.mode, MIGRATE_SYNC_LIGHT);
	CHECK(H.last.direct && !H.last.proactive && !H.last.alloc_contig && !H.last.ignore_block_suitable);
	frag_mem_destroy(mem);

	memset(&H, 0, sizeof H);
	mem = mk(tweak_dma32_policy);
	fill(mem, lay_hooks);
	CHECK_EQ(compact(mem, 3, GFP_HIGHUSER_MOVABLE, COMPACT_PRIO_SYNC_LIGHT, &cap), COMPACT_SUCCESS);
	CHECK_EQ(cap, B(0));
	CHECK_EQ(R.n, 8);
	for (unsigned i = 0; i < R.n && i < 8; i++)
		CHECK(R.new_pfn[i] >= B(23));
	CHECK_EQ(H.refused_b22, 8);
	CHECK(H.target_calls > 8);
	take_capture(mem, cap, 3, GFP_HIGHUSER_MOVABLE);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
	test_policy = NULL;
}

static const struct tap_test tests[] = {
	TAP(test_compaction_suitable_fragindex),
	TAP(test___compaction_suitable_compact_gap),
	TAP(test_compact_scanners_met),
	TAP(test_update_pageblock_skip),
	TAP(test_isolate_migratepages_block_cluster_max),
	TAP(test___compact_finished_movable_unmovable),
	TAP(test_suitable_migration_source_async),
	TAP(test_isolate_migratepages_block_skip_on_failure),
	TAP(test_skip_isolation_on_order),
	TAP(test_suitable_migration_target_free_pageblock),
	TAP(test_compaction_capture),
	TAP(test_defer_compaction),
	TAP(test_try_to_compact_pages_deferred),
	TAP(test___alloc_pages_slowpath_compact_first),
	TAP(test___alloc_pages_slowpath_costly_noretry),
	TAP(test___alloc_pages_slowpath_compact_first_7_0),
	TAP(test_vma_thp_gfp_mask_madvise),
	TAP(test_kcompactd_do_work),
	TAP(test_kcompactd_defrag_mode_whole_blocks),
	TAP(test_kcompactd_proactive),
	TAP(test_policy_hooks_suitable_migration),
};

int main(void)
{
	return tap_main(tests, TAP_COUNT(tests));
}
