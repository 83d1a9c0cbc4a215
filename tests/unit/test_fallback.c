/* SPDX-License-Identifier: MIT */
/*
 * test_fallback.c - kernel-model section 3: migratetypes, the GFP mapping,
 * the fallbacks[] table, claim and steal, ALLOC_NOFRAGMENT, defrag_mode,
 * watermark boosting and the mm_page_alloc_extfrag event (mm/page_alloc.c,
 * include/linux/gfp.h).
 *
 * Most tests use a 64 MiB machine from pfn 0: ZONE_DMA [0, 4096) and
 * ZONE_DMA32 [4096, 16384) (24 pageblocks), every pageblock MOVABLE at boot.
 * A "pinned" DMA32 has the first 257 pages of each pageblock allocated as
 * LRU (movable) pages, so no pageblock is free and none can be claimed by a
 * non-movable request (free + alike = 512 - 257 = 255 < 256); its free pieces
 * per pageblock pb are
 *
 *   pb+257 (o0) pb+258 (o1) pb+260 (o2) pb+264 (o3) pb+272 (o4)
 *   pb+288 (o5) pb+320 (o6) pb+384 (o7)
 *
 * The pageblock built last puts its pieces at the list heads, so it is the
 * candidate __rmqueue_claim() and __rmqueue_steal() see first.
 *
 * Tests that need ZONE_NORMAL (4 GiB and above) build machines of a little
 * more than 4 GiB; they are few and allocate only a handful of times.
 */
#include "helpers.h"

#define A        4096ull                      /* first order-10 block of DMA32 */
#define B        5120ull                      /* second */
#define X        (16384ull - 512)             /* last DMA32 pageblock */
#define W        (16384ull - 1024)            /* the one before */
#define NORMAL0  (4ull * GiB >> FRAG_PAGE_SHIFT)   /* first pfn of ZONE_NORMAL */
#define PINNED   257u                         /* LRU pages per pinned pageblock */
#define NOSKIP   FRAG_PFN_NONE                /* pin_zone(): pin every pageblock */

#define ST(mem, s) frag_stat_get((mem), FRAG_STAT_##s)

/* ---------------------------------------------------------------------- */
/* Recorders for env callbacks                                            */
/* ---------------------------------------------------------------------- */

static struct frag_ev_extfrag ev[64];
static uint64_t ev_time[64];
static unsigned nr_ev;
static uint64_t fake_now;

struct kswapd_wake {
	unsigned nid, order;
	enum zone_type highest;
};
static struct kswapd_wake wakes[64];
static unsigned nr_wakes;

static void rec_trace(void *arg, const struct frag_trace_event *e)
{
	(void)arg;
	if (e->id == TRACE_EXTFRAG && nr_ev < 64) {
		ev_time[nr_ev] = e->time_ns;
		ev[nr_ev++] = e->extfrag;
	}
}

static void rec_kswapd(void *arg, unsigned nid, unsigned order, enum zone_type highest)
{
	(void)arg;
	if (nr_wakes < 64)
		wakes[nr_wakes++] = (struct kswapd_wake){ nid, order, highest };
}

static uint64_t now_ns(void *arg)
{
	(void)arg;
	return fake_now;
}

static void tweak_env(struct frag_config *cfg)
{
	nr_ev = 0;
	nr_wakes = 0;
	fake_now = 0;
	cfg->env.trace = rec_trace;
	cfg->env.trace_mask = 1u << TRACE_EXTFRAG;
	cfg->env.wakeup_kswapd = rec_kswapd;
	cfg->env.now_ns = now_ns;
}

static void tweak_defrag(struct frag_config *cfg)
{
	tweak_env(cfg);
	cfg->sysctl.defrag_mode = true;
}

static struct frag_mem *mk64(void)
{
	return mk_mem(64 * MiB, 1, 1, tweak_env);
}

/* ---------------------------------------------------------------------- */
/* Building layouts                                                       */
/* ---------------------------------------------------------------------- */

static gfp_t gfp_of_mt(int mt)
{
	return mt == MIGRATE_MOVABLE ? GFP_HIGHUSER_MOVABLE :
	       mt == MIGRATE_RECLAIMABLE ? (GFP_KERNEL | __GFP_RECLAIMABLE) : GFP_KERNEL;
}

/* Allocate [@pfn, @pfn + @n) as maximal aligned blocks, lowest pfn first. */
static void fill(struct frag_mem *mem, struct frag_zone *z, uint64_t pfn, unsigned n, gfp_t gfp, unsigned flags)
{
	uint64_t end = pfn + n;

	while (pfn < end) {
		unsigned o = 0;
		while (o < PAGEBLOCK_ORDER && !(pfn & (1ull << o)) && pfn + (2ull << o) <= end)
			o++;
		CHECK_EQ(alloc_at(mem, z, pfn, o, gfp, flags), 0);
		pfn += 1ull << o;
	}
}

/* @n LRU (movable) pages at the start of every pageblock of @z except @skip1, @skip2. */
static void pin_zone(struct frag_mem *mem, struct frag_zone *z, unsigned n, uint64_t skip1, uint64_t skip2)
{
	for (uint64_t pb = z->zone_start_pfn; pb < zone_end_pfn(z); pb += PAGEBLOCK_NR_PAGES)
		if (pb != skip1 && pb != skip2)
			fill(mem, z, pb, n, GFP_HIGHUSER_MOVABLE, OWNER_LRU);
}

/* move_freepages_block() + set_pageblock_migratetype(): a pageblock taken over by @mt. */
static void relabel(struct frag_zone *z, uint64_t pfn, int mt)
{
	CHECK(move_freepages_block(z, pfn, pb_mt(z, pfn), mt) >= 0);
	set_pageblock_migratetype(z, pfn, mt);
}

/* __rmqueue_claim() / __rmqueue_steal() / __rmqueue() + prep_new_page(). */
static uint64_t prep(struct frag_mem *mem, struct frag_zone *z, uint32_t idx, unsigned order, int mt)
{
	if (idx == IDX_NONE)
		return FRAG_PFN_NONE;
	prep_new_page(mem, z, idx_to_pfn(z, idx), order, gfp_of_mt(mt), NULL);
	return idx_to_pfn(z, idx);
}

static uint64_t claim(struct frag_mem *mem, struct frag_zone *z, unsigned order, int mt, unsigned alloc_flags)
{
	return prep(mem, z, __rmqueue_claim(mem, z, order, mt, alloc_flags), order, mt);
}

static uint64_t steal(struct frag_mem *mem, struct frag_zone *z, unsigned order, int mt)
{
	return prep(mem, z, __rmqueue_steal(mem, z, order, mt), order, mt);
}

static uint64_t rmq_mode(struct frag_mem *mem, struct frag_zone *z, unsigned order, int mt, unsigned alloc_flags,
			 enum rmqueue_mode *mode)
{
	return prep(mem, z, frag_rmqueue_linux(mem, z, order, mt, alloc_flags, mode), order, mt);
}

static void check_event(unsigned i, uint64_t pfn, unsigned alloc_order, unsigned fallback_order, int alloc_mt,
			int fallback_mt, bool change_ownership)
{
	CHECK(i < nr_ev);
	if (i >= nr_ev)
		return;
	CHECK_EQ(ev[i].pfn, pfn);
	CHECK_EQ(ev[i].alloc_order, alloc_order);
	CHECK_EQ(ev[i].fallback_order, fallback_order);
	CHECK_EQ(ev[i].alloc_migratetype, alloc_mt);
	CHECK_EQ(ev[i].fallback_migratetype, fallback_mt);
	CHECK_EQ(ev[i].change_ownership, change_ownership);
}

/* ---------------------------------------------------------------------- */
/* 3.1-3.2: migratetypes and the GFP mapping                              */
/* ---------------------------------------------------------------------- */

/*
 * gfp_migratetype(): (gfp & (__GFP_RECLAIMABLE | __GFP_MOVABLE)) >> 3 for
 * the composite masks of gfp_types.h; always UNMOVABLE when mobility
 * grouping is disabled. The masks carry the kernel's bit values (trace
 * events print them), and __GFP_HIGH / __GFP_KSWAPD_RECLAIM equal
 * ALLOC_MIN_RESERVE / ALLOC_KSWAPD (gfp_to_alloc_flags() BUILD_BUG_ON).
 */
static void test_gfp_migratetype(void)
{
	static const struct {
		gfp_t gfp;
		int mt;
	} t[] = {
		{ GFP_KERNEL, MIGRATE_UNMOVABLE },
		{ GFP_KERNEL_ACCOUNT, MIGRATE_UNMOVABLE },
		{ GFP_ATOMIC, MIGRATE_UNMOVABLE },
		{ GFP_NOWAIT, MIGRATE_UNMOVABLE },
		{ GFP_NOIO, MIGRATE_UNMOVABLE },
		{ GFP_NOFS, MIGRATE_UNMOVABLE },
		{ GFP_USER, MIGRATE_UNMOVABLE },
		{ GFP_HIGHUSER, MIGRATE_UNMOVABLE },
		{ GFP_DMA32 | GFP_KERNEL, MIGRATE_UNMOVABLE },
		{ GFP_HIGHUSER_MOVABLE, MIGRATE_MOVABLE },
		{ GFP_TRANSHUGE_LIGHT, MIGRATE_MOVABLE },
		{ GFP_TRANSHUGE, MIGRATE_MOVABLE },
		{ __GFP_MOVABLE, MIGRATE_MOVABLE },
		{ GFP_KERNEL | __GFP_RECLAIMABLE, MIGRATE_RECLAIMABLE },
		{ GFP_NOFS | __GFP_RECLAIMABLE, MIGRATE_RECLAIMABLE },
		{ __GFP_RECLAIMABLE, MIGRATE_RECLAIMABLE },
	};

	CHECK_EQ(MIGRATE_UNMOVABLE, 0);
	CHECK_EQ(MIGRATE_MOVABLE, 1);
	CHECK_EQ(MIGRATE_RECLAIMABLE, 2);
	CHECK_EQ(MIGRATE_PCPTYPES, 3);
	CHECK_EQ(MIGRATE_HIGHATOMIC, 3);
	CHECK_EQ(GFP_KERNEL, 0xcc0);
	CHECK_EQ(GFP_ATOMIC, 0x820);
	CHECK_EQ(GFP_NOWAIT, 0x2800);
	CHECK_EQ(GFP_HIGHUSER_MOVABLE, 0x100cca);
	CHECK_EQ(GFP_TRANSHUGE_LIGHT & __GFP_RECLAIM, 0);
	CHECK_EQ(GFP_TRANSHUGE & __GFP_RECLAIM, __GFP_DIRECT_RECLAIM);
	CHECK_EQ(__GFP_HIGH, ALLOC_MIN_RESERVE);
	CHECK_EQ(__GFP_KSWAPD_RECLAIM, ALLOC_KSWAPD);
	for (unsigned i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		CHECK_EQ(gfp_migratetype(t[i].gfp, false), t[i].mt);
		CHECK_EQ(gfp_migratetype(t[i].gfp, true), MIGRATE_UNMOVABLE);
	}

	/* prep_new_page() records the request's type; with grouping off, UNMOVABLE. */
	struct frag_mem *mem = mk64();
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);
	CHECK_EQ(alloc_at(mem, z, A, 0, GFP_HIGHUSER_MOVABLE, OWNER_LRU), 0);
	CHECK_EQ(page_at(z, A)->mt, MIGRATE_MOVABLE);
	mem->mobility_disabled = true;
	CHECK_EQ(alloc_at(mem, z, A + 1, 0, GFP_HIGHUSER_MOVABLE, OWNER_LRU), 0);
	CHECK_EQ(page_at(z, A + 1)->mt, MIGRATE_UNMOVABLE);
	CHECK_EQ(z->nr_alloc[MIGRATE_UNMOVABLE], 1);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * gfp_zone(): GFP_ZONE_TABLE on x86-64 (no HIGHMEM): __GFP_DMA -> DMA,
 * __GFP_DMA32 -> DMA32 (also with __GFP_MOVABLE), __GFP_HIGHMEM together
 * with __GFP_MOVABLE -> MOVABLE, anything else (HIGHMEM alone, MOVABLE
 * alone) -> NORMAL.
 */
static void test_gfp_zone(void)
{
	CHECK_EQ(gfp_zone(GFP_KERNEL), ZONE_NORMAL);
	CHECK_EQ(gfp_zone(GFP_ATOMIC), ZONE_NORMAL);
	CHECK_EQ(gfp_zone(GFP_NOWAIT), ZONE_NORMAL);
	CHECK_EQ(gfp_zone(GFP_USER), ZONE_NORMAL);
	CHECK_EQ(gfp_zone(GFP_HIGHUSER), ZONE_NORMAL);
	CHECK_EQ(gfp_zone(__GFP_HIGHMEM), ZONE_NORMAL);
	CHECK_EQ(gfp_zone(__GFP_MOVABLE), ZONE_NORMAL);
	CHECK_EQ(gfp_zone(GFP_KERNEL | __GFP_RECLAIMABLE), ZONE_NORMAL);
	CHECK_EQ(gfp_zone(GFP_HIGHUSER_MOVABLE), ZONE_MOVABLE);
	CHECK_EQ(gfp_zone(GFP_TRANSHUGE), ZONE_MOVABLE);
	CHECK_EQ(gfp_zone(GFP_TRANSHUGE_LIGHT), ZONE_MOVABLE);
	CHECK_EQ(gfp_zone(GFP_DMA), ZONE_DMA);
	CHECK_EQ(gfp_zone(GFP_KERNEL | GFP_DMA), ZONE_DMA);
	CHECK_EQ(gfp_zone(__GFP_DMA | __GFP_MOVABLE), ZONE_DMA);
	CHECK_EQ(gfp_zone(GFP_DMA32), ZONE_DMA32);
	CHECK_EQ(gfp_zone(GFP_KERNEL | GFP_DMA32), ZONE_DMA32);
	CHECK_EQ(gfp_zone(__GFP_DMA32 | __GFP_MOVABLE), ZONE_DMA32);
}

/* ---------------------------------------------------------------------- */
/* 3.3-3.5: fallbacks[], find_suitable_fallback, should_try_claim_block    */
/* ---------------------------------------------------------------------- */

/*
 * find_suitable_fallback(): the first type of fallbacks[mt] (UNMOVABLE ->
 * RECLAIMABLE, MOVABLE; MOVABLE -> RECLAIMABLE, UNMOVABLE; RECLAIMABLE ->
 * UNMOVABLE, MOVABLE) with a block at this order, else -1. The requester's
 * own list, HIGHATOMIC, CMA and ISOLATE are never fallback sources.
 *
 * DMA holds four order-10 blocks 0, 1024, 2048, 3072, moved between lists.
 */
static void test_find_suitable_fallback(void)
{
	struct frag_mem *mem = mk64();
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA);
	const int U = MIGRATE_UNMOVABLE, M = MIGRATE_MOVABLE, R = MIGRATE_RECLAIMABLE;

	/* Only MOVABLE blocks. */
	CHECK_EQ(find_suitable_fallback(mem, z, 10, U, false), M);
	CHECK_EQ(find_suitable_fallback(mem, z, 10, R, false), M);
	CHECK_EQ(find_suitable_fallback(mem, z, 10, M, false), -1);
	CHECK_EQ(find_suitable_fallback(mem, z, 5, U, false), -1);   /* empty order */
	CHECK_EQ(find_suitable_fallback(mem, z, 5, U, true), -1);

	/* RECLAIMABLE is first for UNMOVABLE and MOVABLE requests. */
	move_to_free_list(z, 1024, 10, M, R);
	CHECK_EQ(find_suitable_fallback(mem, z, 10, U, false), R);
	CHECK_EQ(find_suitable_fallback(mem, z, 10, M, false), R);
	CHECK_EQ(find_suitable_fallback(mem, z, 10, R, false), M);

	/* UNMOVABLE is first for RECLAIMABLE, second for MOVABLE. */
	move_to_free_list(z, 2048, 10, M, U);
	CHECK_EQ(find_suitable_fallback(mem, z, 10, R, false), U);
	CHECK_EQ(find_suitable_fallback(mem, z, 10, M, false), R);
	move_to_free_list(z, 1024, 10, R, M);
	CHECK_EQ(find_suitable_fallback(mem, z, 10, M, false), U);
	CHECK_EQ(find_suitable_fallback(mem, z, 10, R, false), U);
	CHECK_EQ(find_suitable_fallback(mem, z, 10, U, false), M);
	move_to_free_list(z, 0, 10, M, U);
	move_to_free_list(z, 1024, 10, M, U);
	move_to_free_list(z, 3072, 10, M, U);
	CHECK_EQ(find_suitable_fallback(mem, z, 10, U, false), -1);   /* all on its own list */

	/* The reserve types are never taken from, although nr_free != 0. */
	move_to_free_list(z, 0, 10, U, MIGRATE_HIGHATOMIC);
	move_to_free_list(z, 1024, 10, U, MIGRATE_HIGHATOMIC);
	move_to_free_list(z, 2048, 10, U, MIGRATE_ISOLATE);
	move_to_free_list(z, 3072, 10, U, MIGRATE_CMA);
	CHECK_EQ(z->free_area[10].nr_free, 4);
	for (int mt = 0; mt < MIGRATE_PCPTYPES; mt++) {
		CHECK_EQ(find_suitable_fallback(mem, z, 10, mt, false), -1);
		CHECK_EQ(find_suitable_fallback(mem, z, 10, mt, true), -1);
	}
	frag_mem_destroy(mem);
}

/*
 * should_try_claim_block(order = the candidate block's order): true from
 * pageblock_order (9), from pageblock_order / 2 (4), for UNMOVABLE and
 * RECLAIMABLE requests at any order, and with mobility grouping off; so only
 * MOVABLE requests with a candidate below order 4 are refused, and
 * find_suitable_fallback(claimable) then returns -2 before looking at the
 * lists.
 */
static void test_should_try_claim_block(void)
{
	struct frag_mem *mem = mk64();
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);

	for (unsigned o = 0; o < NR_PAGE_ORDERS; o++) {
		int m = find_suitable_fallback(mem, z, o, MIGRATE_MOVABLE, true);
		CHECK_EQ(m, o < 4 ? -2 : -1);
		CHECK_EQ(find_suitable_fallback(mem, z, o, MIGRATE_MOVABLE, false), -1);
		CHECK_EQ(find_suitable_fallback(mem, z, o, MIGRATE_UNMOVABLE, true), o == 10 ? MIGRATE_MOVABLE : -1);
		CHECK_EQ(find_suitable_fallback(mem, z, o, MIGRATE_RECLAIMABLE, true),
			 o == 10 ? MIGRATE_MOVABLE : -1);
	}
	mem->mobility_disabled = true;
	for (unsigned o = 0; o < 4; o++)
		CHECK_EQ(find_suitable_fallback(mem, z, o, MIGRATE_MOVABLE, true), -1);
	frag_mem_destroy(mem);
}

/*
 * __rmqueue_claim() stops at -2: A is an UNMOVABLE pageblock full of LRU
 * pages with one free order-3 block. It would pass the claim rule (free 8 +
 * LRU 504 >= 256) but a MOVABLE request never tries a block below order 4:
 * no claim, no boost. With the free block at order 4 it is claimed.
 *
 *   A: [LRU 0..503][free 504..511 o3]   ->  claim fails (-2 at order 3)
 *   A: [LRU 0..495][free 496..511 o4]   ->  claimed, A becomes MOVABLE
 */
static void test_should_try_claim_block_stops_claim(void)
{
	for (unsigned o = 3; o <= 4; o++) {
		struct frag_mem *mem = mk64();
		struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);
		unsigned lru = PAGEBLOCK_NR_PAGES - (1u << o);

		fill(mem, z, A, lru, GFP_HIGHUSER_MOVABLE, OWNER_LRU);
		relabel(z, A, MIGRATE_UNMOVABLE);
		CHECK_EQ(list_head_pfn(z, o, MIGRATE_UNMOVABLE), A + lru);
		uint64_t p = claim(mem, z, 0, MIGRATE_MOVABLE, 0);
		if (o == 3) {
			CHECK_EQ(p, FRAG_PFN_NONE);
			CHECK_EQ(pb_mt(z, A), MIGRATE_UNMOVABLE);
			CHECK_EQ(ST(mem, claim_block_fail), 0);
			CHECK_EQ(ST(mem, watermark_boost), 0);
			CHECK_EQ(nr_ev, 0);
		} else {
			CHECK_EQ(p, A + lru);
			CHECK_EQ(pb_mt(z, A), MIGRATE_MOVABLE);
			CHECK_EQ(ST(mem, watermark_boost), 1);
			check_event(0, A + lru, 0, 4, MIGRATE_MOVABLE, MIGRATE_UNMOVABLE, true);
		}
		CHECK_CONSISTENT(mem);
		frag_mem_destroy(mem);
	}
}

/* ---------------------------------------------------------------------- */
/* 3.7: try_to_claim_block                                                */
/* ---------------------------------------------------------------------- */

/*
 * try_to_claim_block(), current_order >= pageblock_order: the block is
 * taken whole, every pageblock it covers is relabelled (change_pageblock_range:
 * two for order 10, one for order 9) and it is split as the new type. No
 * watermark boost on this path.
 *
 *   order 10 at A: [A taken][A+1 o0][A+2 o1] ... [A+512 o9], all UNMOVABLE
 */
static void test_try_to_claim_block_whole_block(void)
{
	struct frag_mem *mem = mk64();
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);

	CHECK_EQ(claim(mem, z, 0, MIGRATE_UNMOVABLE, ALLOC_KSWAPD), A);
	CHECK_EQ(pb_mt(z, A), MIGRATE_UNMOVABLE);
	CHECK_EQ(pb_mt(z, A + 512), MIGRATE_UNMOVABLE);
	CHECK_EQ(pb_mt(z, B), MIGRATE_MOVABLE);
	for (unsigned o = 0; o < 10; o++) {
		CHECK_EQ(list_head_pfn(z, o, MIGRATE_UNMOVABLE), A + (1ull << o));
		CHECK_EQ(z->free_area[o].nr_free_mt[MIGRATE_MOVABLE], 0);
	}
	CHECK_EQ(z->watermark_boost, 0);
	CHECK_EQ(z->flags & ZONE_BOOSTED_WATERMARK, 0);
	CHECK_EQ(ST(mem, watermark_boost), 0);
	CHECK_EQ(ST(mem, claim_block_fail), 0);
	CHECK_EQ(nr_ev, 1);
	check_event(0, A, 0, 10, MIGRATE_UNMOVABLE, MIGRATE_MOVABLE, true);
	CHECK_EQ(ST(mem, extfrag), 1);
	CHECK_EQ(ST(mem, extfrag_claim), 1);
	CHECK_EQ(ST(mem, extfrag_steal), 0);
	CHECK_EQ(ST(mem, extfrag_fragmenting), 0);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);

	/* Order 9: every order-10 block allocated but the last, which is split in two. */
	mem = mk64();
	z = zone_of(mem, 0, ZONE_DMA32);
	for (uint64_t p = A; p < W; p += 1024)
		CHECK_EQ(alloc_at(mem, z, p, 10, GFP_HIGHUSER_MOVABLE, OWNER_LRU), 0);
	CHECK_EQ(alloc_at(mem, z, W, 9, GFP_HIGHUSER_MOVABLE, OWNER_LRU), 0);
	CHECK_EQ(claim(mem, z, 2, MIGRATE_RECLAIMABLE, ALLOC_KSWAPD), X);
	CHECK_EQ(pb_mt(z, X), MIGRATE_RECLAIMABLE);
	CHECK_EQ(pb_mt(z, W), MIGRATE_MOVABLE);
	for (unsigned o = 2; o < 9; o++)
		CHECK_EQ(list_head_pfn(z, o, MIGRATE_RECLAIMABLE), X + (1ull << o));
	CHECK_EQ(z->watermark_boost, 0);
	CHECK_EQ(ST(mem, watermark_boost), 0);
	check_event(0, X, 2, 9, MIGRATE_RECLAIMABLE, MIGRATE_MOVABLE, true);
	CHECK_EQ(ST(mem, extfrag_fragmenting), 0);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

static void tweak_start_pfn1(struct frag_config *cfg)
{
	tweak_env(cfg);
	cfg->geo.node[0].start_pfn = 1;
	cfg->geo.node[0].nr_pages -= 1;
}

/*
 * try_to_claim_block() below a pageblock: boost_watermark() runs first,
 * then prep_move_freepages_block() refuses a pageblock that is not entirely
 * inside the zone. With DMA starting at pfn 1, pageblock 0 is partial; once
 * 512 (o9) and the order-10 blocks are allocated, DMA's only free blocks
 * are 1 (o0), 2 (o1) ... 256 (o8), all in pageblock 0. An UNMOVABLE claim
 * tries each order from 8 down to 0, boosts 9 times and claims nothing.
 */
static void test_try_to_claim_block_partial_pageblock(void)
{
	struct frag_mem *mem = mk_mem(64 * MiB, 1, 1, tweak_start_pfn1);
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA);

	CHECK(z->pb[0].flags & PB_PARTIAL);
	CHECK_EQ(alloc_at(mem, z, 512, 9, GFP_HIGHUSER_MOVABLE, OWNER_LRU), 0);
	for (uint64_t p = 1024; p < 4096; p += 1024)
		CHECK_EQ(alloc_at(mem, z, p, 10, GFP_HIGHUSER_MOVABLE, OWNER_LRU), 0);
	uint64_t max_boost = z->_watermark[WMARK_HIGH] * 15000 / 10000;
	if (max_boost < 512)
		max_boost = 512;

	CHECK_EQ(claim(mem, z, 0, MIGRATE_UNMOVABLE, ALLOC_KSWAPD), FRAG_PFN_NONE);
	CHECK_EQ(pb_mt(z, 1), MIGRATE_MOVABLE);
	for (unsigned o = 0; o < 9; o++)
		CHECK_EQ(list_head_pfn(z, o, MIGRATE_MOVABLE), 1ull << o);
	CHECK_EQ(ST(mem, watermark_boost), 9);
	CHECK_EQ(z->watermark_boost, max_boost < 9 * 512 ? max_boost : 9 * 512);
	CHECK(z->flags & ZONE_BOOSTED_WATERMARK);
	CHECK_EQ(nr_ev, 0);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * Pinned DMA32, then X with @lru LRU pages and @other non-LRU pages of
 * @other_gfp after them; X is built last, so its pieces head the lists.
 */
static struct frag_mem *mk_pinned_x(unsigned lru, unsigned other, gfp_t other_gfp, int x_mt)
{
	struct frag_mem *mem = mk64();
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);

	pin_zone(mem, z, PINNED, X, X);
	if (lru)
		fill(mem, z, X, lru, GFP_HIGHUSER_MOVABLE, OWNER_LRU);
	if (other)
		fill(mem, z, X + lru, other, other_gfp, 0);
	if (x_mt != MIGRATE_MOVABLE)
		relabel(z, X, x_mt);
	return mem;
}

/*
 * try_to_claim_block(), UNMOVABLE request from a MOVABLE pageblock:
 * alike = 512 - free - movable, where movable counts only LRU / movable_ops
 * pages; claim if free + alike >= 256.
 *
 *   X: [LRU 0..255][non-LRU movable 256][free 257..511: 255 pages]
 *      free 255 + alike (512 - 255 - 256 = 1) = 256  -> claimed
 *   X: [LRU 0..256][free 257..511]
 *      free 255 + alike 0 = 255                      -> refused, and every
 *      lower order (all pinned blocks alike) is refused too: 8 failures
 *
 * A claim moves X's free blocks to the UNMOVABLE lists and returns the
 * smallest of them, X+257; the refused pageblocks keep their MOVABLE lists.
 */
static void test_try_to_claim_block_threshold_unmovable_from_movable(void)
{
	struct frag_mem *mem = mk_pinned_x(256, 1, GFP_HIGHUSER_MOVABLE, MIGRATE_MOVABLE);
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);

	CHECK_EQ(list_head_pfn(z, 7, MIGRATE_MOVABLE), X + 384);
	CHECK_EQ(z->pb[(X - z->zone_start_pfn) >> PAGEBLOCK_ORDER].nr_free, 255);
	CHECK_EQ(claim(mem, z, 0, MIGRATE_UNMOVABLE, 0), X + 257);
	CHECK_EQ(pb_mt(z, X), MIGRATE_UNMOVABLE);
	CHECK_EQ(page_at(z, X + 384)->mt, MIGRATE_UNMOVABLE);
	CHECK_EQ(list_head_pfn(z, 7, MIGRATE_UNMOVABLE), X + 384);
	CHECK_EQ(z->free_area[7].nr_free_mt[MIGRATE_UNMOVABLE], 1);
	CHECK_EQ(z->free_area[7].nr_free_mt[MIGRATE_MOVABLE], 23);
	CHECK_EQ(ST(mem, claim_block_fail), 0);
	CHECK_EQ(ST(mem, watermark_boost), 1);
	check_event(0, X + 257, 0, 7, MIGRATE_UNMOVABLE, MIGRATE_MOVABLE, true);
	CHECK_EQ(ST(mem, extfrag_claim), 1);
	CHECK_EQ(ST(mem, extfrag_fragmenting), 1);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);

	mem = mk_pinned_x(257, 0, 0, MIGRATE_MOVABLE);
	z = zone_of(mem, 0, ZONE_DMA32);
	CHECK_EQ(list_head_pfn(z, 7, MIGRATE_MOVABLE), X + 384);
	CHECK_EQ(claim(mem, z, 0, MIGRATE_UNMOVABLE, 0), FRAG_PFN_NONE);
	CHECK_EQ(pb_mt(z, X), MIGRATE_MOVABLE);
	CHECK_EQ(page_at(z, X + 384)->mt, MIGRATE_MOVABLE);
	CHECK_EQ(ST(mem, claim_block_fail), 8);
	CHECK_EQ(ST(mem, watermark_boost), 8);
	for (unsigned o = 0; o < NR_PAGE_ORDERS; o++)
		CHECK_EQ(z->free_area[o].nr_free_mt[MIGRATE_UNMOVABLE], 0);
	CHECK_EQ(nr_ev, 0);
	CHECK_EQ(ST(mem, extfrag), 0);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * Non-LRU pages of the requester's type count as alike (the "512 - free -
 * movable" estimate): X holds 256 UNMOVABLE pages and one LRU page, so
 * free 255 + alike 256 = 511 and X is claimed.
 */
static void test_try_to_claim_block_alike_counts_unmovable(void)
{
	struct frag_mem *mem = mk_pinned_x(0, 256, GFP_KERNEL, MIGRATE_MOVABLE);
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);

	CHECK_EQ(alloc_at(mem, z, X + 256, 0, GFP_HIGHUSER_MOVABLE, OWNER_LRU), 0);
	CHECK_EQ(list_head_pfn(z, 7, MIGRATE_MOVABLE), X + 384);
	CHECK_EQ(claim(mem, z, 0, MIGRATE_UNMOVABLE, 0), X + 257);
	CHECK_EQ(pb_mt(z, X), MIGRATE_UNMOVABLE);
	CHECK_EQ(ST(mem, claim_block_fail), 0);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * try_to_claim_block(), MOVABLE request from an UNMOVABLE pageblock:
 * alike = LRU pages only. A is UNMOVABLE with 256 UNMOVABLE pages and a free
 * order-7 block:
 *
 *   A: [LRU 0..127][UNMOV 128..383][free 384..511]          128 + 128 = 256 -> claimed
 *   A: [LRU 0..126][movable 127][UNMOV 128..383][free ...]  128 + 127 = 255 -> refused
 *
 * (a non-LRU movable page is not alike). After the refusal the lower orders
 * have no candidate and order 3 stops the search: one failure.
 */
static void test_try_to_claim_block_threshold_movable_start(void)
{
	for (int v = 0; v < 2; v++) {
		struct frag_mem *mem = mk64();
		struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);

		fill(mem, z, A, 128 - v, GFP_HIGHUSER_MOVABLE, OWNER_LRU);
		if (v)
			CHECK_EQ(alloc_at(mem, z, A + 127, 0, GFP_HIGHUSER_MOVABLE, 0), 0);
		fill(mem, z, A + 128, 256, GFP_KERNEL, 0);
		relabel(z, A, MIGRATE_UNMOVABLE);
		CHECK_EQ(list_head_pfn(z, 7, MIGRATE_UNMOVABLE), A + 384);

		uint64_t p = claim(mem, z, 0, MIGRATE_MOVABLE, 0);
		if (!v) {
			CHECK_EQ(p, A + 384);
			CHECK_EQ(pb_mt(z, A), MIGRATE_MOVABLE);
			CHECK_EQ(ST(mem, claim_block_fail), 0);
			check_event(0, A + 384, 0, 7, MIGRATE_MOVABLE, MIGRATE_UNMOVABLE, true);
		} else {
			CHECK_EQ(p, FRAG_PFN_NONE);
			CHECK_EQ(pb_mt(z, A), MIGRATE_UNMOVABLE);
			CHECK_EQ(list_head_pfn(z, 7, MIGRATE_UNMOVABLE), A + 384);
			CHECK_EQ(ST(mem, claim_block_fail), 1);
			CHECK_EQ(nr_ev, 0);
		}
		CHECK_EQ(ST(mem, watermark_boost), 1);
		CHECK_CONSISTENT(mem);
		frag_mem_destroy(mem);
	}
}

/*
 * try_to_claim_block(), UNMOVABLE <-> RECLAIMABLE: alike = 0, so only free
 * pages count. X is RECLAIMABLE and holds UNMOVABLE pages (which do not help):
 *
 *   X: [UNMOV 0..255][free 256..511]   free 256 -> claimed, returns X+256
 *   X: [UNMOV 0..256][free 257..511]   free 255 -> refused at orders 7..0
 *
 * RECLAIMABLE comes first in fallbacks[UNMOVABLE], so X is the candidate at
 * every order although MOVABLE blocks of the same orders exist.
 */
static void test_try_to_claim_block_threshold_unmovable_reclaimable(void)
{
	for (int v = 0; v < 2; v++) {
		struct frag_mem *mem = mk_pinned_x(0, 256 + v, GFP_KERNEL, MIGRATE_RECLAIMABLE);
		struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);

		CHECK_EQ(list_head_pfn(z, v ? 7 : 8, MIGRATE_RECLAIMABLE), v ? X + 384 : X + 256);
		uint64_t p = claim(mem, z, 0, MIGRATE_UNMOVABLE, 0);
		if (!v) {
			CHECK_EQ(p, X + 256);
			CHECK_EQ(pb_mt(z, X), MIGRATE_UNMOVABLE);
			CHECK_EQ(ST(mem, claim_block_fail), 0);
			check_event(0, X + 256, 0, 8, MIGRATE_UNMOVABLE, MIGRATE_RECLAIMABLE, true);
		} else {
			CHECK_EQ(p, FRAG_PFN_NONE);
			CHECK_EQ(pb_mt(z, X), MIGRATE_RECLAIMABLE);
			CHECK_EQ(ST(mem, claim_block_fail), 8);
			for (unsigned o = 0; o < 8; o++)
				CHECK_EQ(z->free_area[o].nr_free_mt[MIGRATE_RECLAIMABLE], 1);
			CHECK_EQ(nr_ev, 0);
		}
		CHECK_CONSISTENT(mem);
		frag_mem_destroy(mem);
	}
	/* The same refused layout with the roles swapped: RECLAIMABLE from UNMOVABLE. */
	struct frag_mem *mem = mk_pinned_x(0, 257, GFP_KERNEL | __GFP_RECLAIMABLE, MIGRATE_UNMOVABLE);
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);
	CHECK_EQ(claim(mem, z, 0, MIGRATE_RECLAIMABLE, 0), FRAG_PFN_NONE);
	CHECK_EQ(pb_mt(z, X), MIGRATE_UNMOVABLE);
	CHECK_EQ(ST(mem, claim_block_fail), 8);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/* try_to_claim_block(): with mobility grouping off every candidate is claimed
 * (free + alike = 255 is enough). */
static void test_try_to_claim_block_mobility_disabled(void)
{
	struct frag_mem *mem = mk_pinned_x(PINNED, 0, 0, MIGRATE_MOVABLE);
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);

	mem->mobility_disabled = true;
	CHECK_EQ(claim(mem, z, 0, MIGRATE_UNMOVABLE, 0), X + 257);
	CHECK_EQ(pb_mt(z, X), MIGRATE_UNMOVABLE);
	CHECK_EQ(ST(mem, claim_block_fail), 0);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * Z: an UNMOVABLE pageblock fully allocated but for one free page, Z+511,
 * which is then the only block on the UNMOVABLE lists.
 */
static void build_z(struct frag_mem *mem, struct frag_zone *z, uint64_t zpfn)
{
	fill(mem, z, zpfn, 511, GFP_KERNEL, 0);
	relabel(z, zpfn, MIGRATE_UNMOVABLE);
	CHECK_EQ(list_head_pfn(z, 0, MIGRATE_UNMOVABLE), zpfn + 511);
}

/*
 * __move_freepages_block() -> move_to_free_list(): the free blocks of a
 * claimed pageblock go to the TAIL of the new type's lists, behind the
 * blocks already there; __rmqueue_smallest() then takes list heads.
 *
 *   Z (UNMOVABLE, pageblock W): only Z+511 (o0) free
 *   X (MOVABLE): [LRU 0..255][free 256 o7, 384 o6, 448 o5, 480 o4, 496 o3,
 *                 504 o2, 508 o1, 510 o0][UNMOV 511]      255 + 1 = 256 -> claim
 *   order-1 request -> X+508; UNMOVABLE o0 list afterwards: [Z+511, X+510]
 */
static void test_move_freepages_block_to_tail(void)
{
	struct frag_mem *mem = mk64();
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);
	uint64_t p[8];

	pin_zone(mem, z, PINNED, X, W);
	build_z(mem, z, W);
	fill(mem, z, X, 256, GFP_HIGHUSER_MOVABLE, OWNER_LRU);
	CHECK_EQ(alloc_at(mem, z, X + 511, 0, GFP_KERNEL, 0), 0);
	CHECK_EQ(list_head_pfn(z, 7, MIGRATE_MOVABLE), X + 256);

	CHECK_EQ(claim(mem, z, 1, MIGRATE_UNMOVABLE, 0), X + 508);
	CHECK_EQ(pb_mt(z, X), MIGRATE_UNMOVABLE);
	CHECK_EQ(list_pfns(z, 0, MIGRATE_UNMOVABLE, p, 8), 2);
	CHECK_EQ(p[0], W + 511);
	CHECK_EQ(p[1], X + 510);
	for (unsigned o = 2; o < 8; o++) {
		CHECK_EQ(list_pfns(z, o, MIGRATE_UNMOVABLE, p, 8), 1);
		CHECK_EQ(p[0], X + 512 - (2ull << o));
	}
	CHECK_EQ(list_pfns(z, 1, MIGRATE_UNMOVABLE, p, 8), 0);
	check_event(0, X + 508, 1, 7, MIGRATE_UNMOVABLE, MIGRATE_MOVABLE, true);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/* ---------------------------------------------------------------------- */
/* 3.6, 3.8: __rmqueue_claim, __rmqueue_steal, __rmqueue                   */
/* ---------------------------------------------------------------------- */

/*
 * __rmqueue_claim(): the largest candidate first; a refused block sends the
 * search to the next lower order (not to another block of the same order);
 * ALLOC_NOFRAGMENT raises the minimum order to pageblock_order.
 *
 *   X (o7 head): pinned layout, refused (255)
 *   W (o6 head): [UNMOV 0..447][free 448..511]  64 + 448 -> claimed, W+448
 */
static void test___rmqueue_claim(void)
{
	struct frag_mem *mem = mk64();
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);

	pin_zone(mem, z, PINNED, X, W);
	fill(mem, z, X, PINNED, GFP_HIGHUSER_MOVABLE, OWNER_LRU);
	fill(mem, z, W, 448, GFP_KERNEL, 0);
	CHECK_EQ(list_head_pfn(z, 7, MIGRATE_MOVABLE), X + 384);
	CHECK_EQ(list_head_pfn(z, 6, MIGRATE_MOVABLE), W + 448);

	/* NOFRAGMENT: nothing of order >= 9 anywhere, so no candidate is even tried. */
	CHECK_EQ(claim(mem, z, 0, MIGRATE_UNMOVABLE, ALLOC_NOFRAGMENT), FRAG_PFN_NONE);
	CHECK_EQ(ST(mem, claim_block_fail), 0);
	CHECK_EQ(ST(mem, watermark_boost), 0);

	CHECK_EQ(claim(mem, z, 0, MIGRATE_UNMOVABLE, 0), W + 448);
	CHECK_EQ(ST(mem, claim_block_fail), 1);
	CHECK_EQ(ST(mem, watermark_boost), 2);
	CHECK_EQ(pb_mt(z, X), MIGRATE_MOVABLE);
	CHECK_EQ(pb_mt(z, W), MIGRATE_UNMOVABLE);
	check_event(0, W + 448, 0, 6, MIGRATE_UNMOVABLE, MIGRATE_MOVABLE, true);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);

	/* A free pageblock is claimable under NOFRAGMENT, for any request order. */
	mem = mk64();
	z = zone_of(mem, 0, ZONE_DMA32);
	CHECK_EQ(alloc_at(mem, z, A + 5, 0, GFP_HIGHUSER_MOVABLE, OWNER_LRU), 0);   /* A: o0..o9 pieces */
	CHECK_EQ(claim(mem, z, 0, MIGRATE_UNMOVABLE, ALLOC_NOFRAGMENT), B);          /* largest first: o10 */
	CHECK_EQ(claim(mem, z, 9, MIGRATE_RECLAIMABLE, ALLOC_NOFRAGMENT), B + 1024);
	check_event(0, B, 0, 10, MIGRATE_UNMOVABLE, MIGRATE_MOVABLE, true);
	check_event(1, B + 1024, 9, 10, MIGRATE_RECLAIMABLE, MIGRATE_MOVABLE, true);
	CHECK_EQ(pb_mt(z, A), MIGRATE_MOVABLE);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * __rmqueue_steal(): smallest order first, fallbacks[] order within an
 * order; the block is split with the FALLBACK type, so the remainders stay
 * on its lists and the pageblock keeps its type: it becomes mixed
 * (frag_pageblock_summary). No boost, no claim attempt.
 *
 *   A (MOVABLE):     [LRU o3][A+8 o3][A+16 o4]...
 *   B (RECLAIMABLE): [RECL o3][B+8 o3][B+16 o4]...
 *   steal o3 -> B+8 (RECLAIMABLE first); steal o3 -> A+8 (MOVABLE o3 beats
 *   RECLAIMABLE o4); steal o1 -> B+16, remainders B+18 o1, B+20 o2, B+24 o3
 */
static void test___rmqueue_steal(void)
{
	struct frag_mem *mem = mk64();
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);
	struct frag_pageblock_summary s;

	CHECK_EQ(alloc_at(mem, z, A, 3, GFP_HIGHUSER_MOVABLE, OWNER_LRU), 0);
	CHECK_EQ(alloc_at(mem, z, B, 3, GFP_KERNEL | __GFP_RECLAIMABLE, 0), 0);
	relabel(z, B, MIGRATE_RECLAIMABLE);
	frag_pageblock_summary(mem, &s);
	CHECK_EQ(s.mixed[MIGRATE_MOVABLE] + s.mixed[MIGRATE_RECLAIMABLE], 0);

	CHECK_EQ(steal(mem, z, 3, MIGRATE_UNMOVABLE), B + 8);
	CHECK_EQ(steal(mem, z, 3, MIGRATE_UNMOVABLE), A + 8);
	CHECK_EQ(steal(mem, z, 1, MIGRATE_UNMOVABLE), B + 16);
	CHECK_EQ(list_head_pfn(z, 1, MIGRATE_RECLAIMABLE), B + 18);
	CHECK_EQ(list_head_pfn(z, 2, MIGRATE_RECLAIMABLE), B + 20);
	CHECK_EQ(list_head_pfn(z, 3, MIGRATE_RECLAIMABLE), B + 24);
	for (unsigned o = 0; o < NR_PAGE_ORDERS; o++)
		CHECK_EQ(z->free_area[o].nr_free_mt[MIGRATE_UNMOVABLE], 0);
	CHECK_EQ(pb_mt(z, A), MIGRATE_MOVABLE);
	CHECK_EQ(pb_mt(z, B), MIGRATE_RECLAIMABLE);

	frag_pageblock_summary(mem, &s);
	CHECK_EQ(s.mixed[MIGRATE_MOVABLE], 1);
	CHECK_EQ(s.mixed[MIGRATE_RECLAIMABLE], 1);
	CHECK_EQ(s.mixed[MIGRATE_UNMOVABLE], 0);

	CHECK_EQ(nr_ev, 3);
	check_event(0, B + 8, 3, 3, MIGRATE_UNMOVABLE, MIGRATE_RECLAIMABLE, false);
	check_event(1, A + 8, 3, 3, MIGRATE_UNMOVABLE, MIGRATE_MOVABLE, false);
	check_event(2, B + 16, 1, 4, MIGRATE_UNMOVABLE, MIGRATE_RECLAIMABLE, false);
	CHECK_EQ(ST(mem, extfrag), 3);
	CHECK_EQ(ST(mem, extfrag_steal), 3);
	CHECK_EQ(ST(mem, extfrag_claim), 0);
	CHECK_EQ(ST(mem, extfrag_fragmenting), 3);
	CHECK_EQ(ST(mem, watermark_boost), 0);
	CHECK_EQ(z->watermark_boost, 0);
	CHECK_EQ(ST(mem, claim_block_fail), 0);

	/* MOVABLE requests steal at any order (no -2 without claimable). */
	CHECK_EQ(steal(mem, z, 0, MIGRATE_MOVABLE), B + 18);
	check_event(3, B + 18, 0, 1, MIGRATE_MOVABLE, MIGRATE_RECLAIMABLE, false);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * __rmqueue(): NORMAL -> CMA -> CLAIM -> STEAL, starting at *mode: after a
 * steal the memo is STEAL (normal and claim are skipped), a successful claim
 * resets it to NORMAL, and STEAL is never done under ALLOC_NOFRAGMENT.
 * Z = A holds the only UNMOVABLE free page A+511; A+512 (o9) and B.. are
 * MOVABLE.
 */
static void test___rmqueue_mode(void)
{
	struct frag_mem *mem = mk64();
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);
	enum rmqueue_mode mode = RMQUEUE_STEAL;

	build_z(mem, z, A);
	CHECK_EQ(rmq_mode(mem, z, 0, MIGRATE_UNMOVABLE, ALLOC_NOFRAGMENT, &mode), FRAG_PFN_NONE);
	CHECK_EQ(mode, RMQUEUE_STEAL);
	CHECK_EQ(nr_ev, 0);

	/* STEAL skips the UNMOVABLE page and the claim: the smallest fallback is A+512 (o9). */
	CHECK_EQ(rmq_mode(mem, z, 0, MIGRATE_UNMOVABLE, 0, &mode), A + 512);
	CHECK_EQ(mode, RMQUEUE_STEAL);
	check_event(0, A + 512, 0, 9, MIGRATE_UNMOVABLE, MIGRATE_MOVABLE, false);
	CHECK_EQ(pb_mt(z, A + 512), MIGRATE_MOVABLE);
	CHECK_EQ(list_head_pfn(z, 0, MIGRATE_MOVABLE), A + 513);

	/* CLAIM skips the UNMOVABLE page: largest first, B (o10) is claimed. */
	mode = RMQUEUE_CLAIM;
	CHECK_EQ(rmq_mode(mem, z, 0, MIGRATE_UNMOVABLE, 0, &mode), B);
	CHECK_EQ(mode, RMQUEUE_NORMAL);
	check_event(1, B, 0, 10, MIGRATE_UNMOVABLE, MIGRATE_MOVABLE, true);
	CHECK_EQ(list_head_pfn(z, 0, MIGRATE_UNMOVABLE), B + 1);

	/* NORMAL: from the UNMOVABLE lists, no event. */
	CHECK_EQ(rmq_mode(mem, z, 0, MIGRATE_UNMOVABLE, 0, &mode), B + 1);
	CHECK_EQ(rmq_mode(mem, z, 0, MIGRATE_UNMOVABLE, 0, &mode), A + 511);
	CHECK_EQ(mode, RMQUEUE_NORMAL);
	CHECK_EQ(nr_ev, 2);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * rmqueue_bulk(): the memo lives for one refill. On a pinned DMA32 (no
 * NOFRAGMENT: DMA32 is the preferred zone) an order-0 UNMOVABLE request
 * refills the PCP: the first block costs one failed claim per order (7..0,
 * each boosting the watermark) and a steal; the rest of the batch is stolen
 * directly. Each stolen page lands in a different pinned pageblock; the one
 * handed out makes its pageblock mixed. The boost set ZONE_BOOSTED_WATERMARK
 * (GFP_KERNEL has ALLOC_KSWAPD), so rmqueue() clears it and wakes kswapd for
 * order 0 and the zone's own index.
 */
static void test_rmqueue_bulk_rmqueue_mode(void)
{
	struct frag_mem *mem = mk64();
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);
	struct frag_pageblock_summary s;

	pin_zone(mem, z, PINNED, X, X);
	fill(mem, z, X, PINNED, GFP_HIGHUSER_MOVABLE, OWNER_LRU);
	uint64_t p = frag_alloc_pages(mem, 0, 0, GFP_KERNEL, NULL);
	CHECK_EQ(p, X + 257);
	uint64_t refilled = ST(mem, pcp_refill_pages);
	CHECK(refilled >= 2);
	CHECK_EQ(ST(mem, pcp_refill), 1);
	CHECK_EQ(ST(mem, claim_block_fail), 8);
	CHECK_EQ(ST(mem, watermark_boost), 8);
	CHECK_EQ(ST(mem, extfrag_steal), refilled);
	CHECK_EQ(ST(mem, extfrag_claim), 0);
	CHECK_EQ(nr_ev, refilled);
	check_event(0, X + 257, 0, 0, MIGRATE_UNMOVABLE, MIGRATE_MOVABLE, false);
	CHECK_EQ(ev[1].pfn, X - 512 + 257);   /* next o0 head: the pageblock pinned before X */
	frag_pageblock_summary(mem, &s);
	CHECK_EQ(s.mixed[MIGRATE_MOVABLE], 1);
	CHECK_EQ(s.nr[MIGRATE_UNMOVABLE], 0);

	CHECK_EQ(z->flags & ZONE_BOOSTED_WATERMARK, 0);
	CHECK_EQ(nr_wakes, 1);
	CHECK_EQ(wakes[0].nid, 0);
	CHECK_EQ(wakes[0].order, 0);
	CHECK_EQ(wakes[0].highest, ZONE_DMA32);
	CHECK_EQ(ST(mem, kswapd_wake_request), 1);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/* ---------------------------------------------------------------------- */
/* 3.10: boost_watermark and ZONE_BOOSTED_WATERMARK                       */
/* ---------------------------------------------------------------------- */

/*
 * boost_watermark(): boost = min(boost + 512, max(512, high * factor /
 * 10000)); nothing when the factor is 0, when max_boost computes to 0, or
 * when the zone manages fewer than 4 pageblocks.
 */
static void test_boost_watermark(void)
{
	struct frag_mem *mem = mk64();
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);

	CHECK_EQ(mem->sysctl.watermark_boost_factor, 15000);
	z->_watermark[WMARK_HIGH] = 1001;   /* max_boost = 1501 */
	CHECK(boost_watermark(mem, z));
	CHECK_EQ(z->watermark_boost, 512);
	CHECK_EQ(high_wmark_pages(z), 1001 + 512);
	CHECK(boost_watermark(mem, z));
	CHECK_EQ(z->watermark_boost, 1024);
	CHECK(boost_watermark(mem, z));
	CHECK_EQ(z->watermark_boost, 1501);
	CHECK(boost_watermark(mem, z));
	CHECK_EQ(z->watermark_boost, 1501);
	CHECK_EQ(ST(mem, watermark_boost), 4);

	/* max_boost below a pageblock is raised to one pageblock. */
	z->watermark_boost = 0;
	mem->sysctl.watermark_boost_factor = 5000;   /* 500 */
	CHECK(boost_watermark(mem, z));
	CHECK(boost_watermark(mem, z));
	CHECK_EQ(z->watermark_boost, 512);

	/* high * factor / 10000 == 0: no boost at all. */
	z->watermark_boost = 0;
	mem->sysctl.watermark_boost_factor = 9;   /* 1001 * 9 / 10000 = 0 */
	CHECK(!boost_watermark(mem, z));
	CHECK_EQ(z->watermark_boost, 0);
	mem->sysctl.watermark_boost_factor = 0;
	CHECK(!boost_watermark(mem, z));
	CHECK_EQ(z->watermark_boost, 0);
	CHECK_EQ(ST(mem, watermark_boost), 6);
	frag_mem_destroy(mem);

	/* 4 * 512 > managed: DMA32 of 1536 pages is not boosted, of 2048 pages it is. */
	mem = mk_mem(16 * MiB + 6 * MiB, 1, 1, tweak_env);
	z = zone_of(mem, 0, ZONE_DMA32);
	CHECK_EQ(z->managed_pages, 1536);
	CHECK(!boost_watermark(mem, z));
	CHECK_EQ(z->watermark_boost, 0);
	frag_mem_destroy(mem);
	mem = mk_mem(16 * MiB + 8 * MiB, 1, 1, tweak_env);
	z = zone_of(mem, 0, ZONE_DMA32);
	CHECK_EQ(z->managed_pages, 2048);
	CHECK(boost_watermark(mem, z));
	CHECK_EQ(z->watermark_boost, 512);
	frag_mem_destroy(mem);
}

/*
 * try_to_claim_block() sets ZONE_BOOSTED_WATERMARK only when the boost
 * happened and the request has ALLOC_KSWAPD. rmqueue() of the next
 * allocation from the zone that has ALLOC_KSWAPD clears it and wakes kswapd
 * (order 0, the zone's index); one without __GFP_KSWAPD_RECLAIM leaves it.
 */
static void test_rmqueue_boosted_watermark_wakes_kswapd(void)
{
	struct frag_mem *mem = mk_pinned_x(PINNED, 0, 0, MIGRATE_MOVABLE);
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);

	CHECK_EQ(claim(mem, z, 0, MIGRATE_UNMOVABLE, 0), FRAG_PFN_NONE);
	CHECK(z->watermark_boost > 0);
	CHECK_EQ(z->flags & ZONE_BOOSTED_WATERMARK, 0);
	CHECK_EQ(claim(mem, z, 0, MIGRATE_UNMOVABLE, ALLOC_KSWAPD), FRAG_PFN_NONE);
	CHECK(z->flags & ZONE_BOOSTED_WATERMARK);
	CHECK_EQ(nr_wakes, 0);

	/* No __GFP_KSWAPD_RECLAIM: served from the MOVABLE lists, flag kept. */
	CHECK(frag_alloc_pages(mem, 0, 0, GFP_HIGHUSER_MOVABLE & ~__GFP_KSWAPD_RECLAIM, NULL) != FRAG_PFN_NONE);
	CHECK(z->flags & ZONE_BOOSTED_WATERMARK);
	CHECK_EQ(nr_wakes, 0);

	/* An order-2 request: the wake is still for order 0. */
	CHECK(frag_alloc_pages(mem, 0, 2, GFP_HIGHUSER_MOVABLE, NULL) != FRAG_PFN_NONE);
	CHECK_EQ(z->flags & ZONE_BOOSTED_WATERMARK, 0);
	CHECK_EQ(nr_wakes, 1);
	CHECK_EQ(wakes[0].nid, 0);
	CHECK_EQ(wakes[0].order, 0);
	CHECK_EQ(wakes[0].highest, ZONE_DMA32);

	CHECK(frag_alloc_pages(mem, 0, 0, GFP_HIGHUSER_MOVABLE, NULL) != FRAG_PFN_NONE);
	CHECK_EQ(nr_wakes, 1);
	CHECK_EQ(ST(mem, extfrag), 0);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/* ---------------------------------------------------------------------- */
/* 3.11: the mm_page_alloc_extfrag event                                  */
/* ---------------------------------------------------------------------- */

/*
 * trace_mm_page_alloc_extfrag(): emitted with the env clock only when the
 * event is enabled in trace_mask; the extfrag counters count regardless.
 */
static void test_trace_mm_page_alloc_extfrag(void)
{
	struct frag_mem *mem = mk64();
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);

	fake_now = 12345;
	CHECK_EQ(claim(mem, z, 3, MIGRATE_RECLAIMABLE, 0), A);
	CHECK_EQ(nr_ev, 1);
	CHECK_EQ(ev_time[0], 12345);
	check_event(0, A, 3, 10, MIGRATE_RECLAIMABLE, MIGRATE_MOVABLE, true);

	mem->env.trace_mask = 0;
	CHECK_EQ(steal(mem, z, 0, MIGRATE_UNMOVABLE), A + 8);   /* RECLAIMABLE o3 remainder */
	CHECK_EQ(nr_ev, 1);
	CHECK_EQ(ST(mem, extfrag), 2);
	CHECK_EQ(ST(mem, extfrag_claim), 1);
	CHECK_EQ(ST(mem, extfrag_steal), 1);
	CHECK_EQ(ST(mem, extfrag_fragmenting), 1);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/* ---------------------------------------------------------------------- */
/* 3.9: ALLOC_NOFRAGMENT in the fast path, defrag_mode                    */
/* ---------------------------------------------------------------------- */

/*
 * alloc_flags_nofragment(): a DMA32 preferred zone gets no NOFRAGMENT, so
 * with every DMA32 pageblock holding one LRU page an UNMOVABLE request claims
 * a part of a DMA32 pageblock (511 free pages, order-8 candidate at pb+256)
 * instead of a free pageblock of DMA. With defrag_mode NOFRAGMENT is always
 * set: DMA32 has nothing of order >= 9 and DMA's first order-10 block is
 * claimed whole.
 */
static void test_alloc_flags_nofragment_dma32(void)
{
	for (int defrag = 0; defrag < 2; defrag++) {
		struct frag_mem *mem = mk_mem(64 * MiB, 1, 1, defrag ? tweak_defrag : tweak_env);
		struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);

		pin_zone(mem, z, 1, X, X);
		fill(mem, z, X, 1, GFP_HIGHUSER_MOVABLE, OWNER_LRU);
		uint64_t p = frag_alloc_pages(mem, 0, 0, GFP_KERNEL, NULL);
		if (!defrag) {
			CHECK_EQ(p, X + 1);
			CHECK_EQ(pb_mt(z, X), MIGRATE_UNMOVABLE);
			check_event(0, X + 1, 0, 8, MIGRATE_UNMOVABLE, MIGRATE_MOVABLE, true);
		} else {
			CHECK_EQ(p, 0);
			CHECK_EQ(pb_mt(z, X), MIGRATE_MOVABLE);
			CHECK_EQ(pb_mt(zone_of(mem, 0, ZONE_DMA), 0), MIGRATE_UNMOVABLE);
			check_event(0, 0, 0, 10, MIGRATE_UNMOVABLE, MIGRATE_MOVABLE, true);
		}
		CHECK_EQ(nr_ev, 1);
		CHECK_EQ(ST(mem, nofragment_retry), 0);
		CHECK_EQ(ST(mem, alloc_slowpath), 0);
		CHECK_CONSISTENT(mem);
		frag_mem_destroy(mem);
	}
}

static void tweak_big(struct frag_config *cfg)
{
	tweak_env(cfg);
	cfg->check_every = 0;   /* a 1M-page scan per operation; checked once at the end */
}

/*
 * alloc_flags_nofragment(): a Normal preferred zone with DMA32 below it gets
 * NOFRAGMENT. Normal's pageblocks each hold one LRU page: rather than split
 * one of them, the request claims DMA32's first free order-10 block (A).
 * (A DMA32 preferred zone: test_alloc_flags_nofragment_dma32.)
 */
static void test_alloc_flags_nofragment_normal(void)
{
	struct frag_mem *mem = mk_mem(4 * GiB + 64 * MiB, 1, 1, tweak_big);
	struct frag_zone *nz = zone_of(mem, 0, ZONE_NORMAL);

	CHECK(nz != NULL);
	CHECK_EQ(nz->zone_start_pfn, NORMAL0);
	pin_zone(mem, nz, 1, NOSKIP, NOSKIP);
	CHECK_EQ(frag_alloc_pages(mem, 0, 0, GFP_KERNEL, NULL), A);
	check_event(0, A, 0, 10, MIGRATE_UNMOVABLE, MIGRATE_MOVABLE, true);
	CHECK_EQ(ST(mem, nofragment_retry), 0);
	for (uint64_t pb = nz->zone_start_pfn; pb < zone_end_pfn(nz); pb += PAGEBLOCK_NR_PAGES)
		CHECK_EQ(pb_mt(nz, pb), MIGRATE_MOVABLE);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * get_page_from_freelist(): when no zone has a free pageblock, the fast
 * path retries the zonelist without ALLOC_NOFRAGMENT (nofragment_retry) and
 * a small UNMOVABLE request steals in the preferred zone: Normal's
 * pageblocks hold 257 LRU pages each (no claim: 8 refusals), DMA32's and
 * DMA's one page each (no free pageblock).
 */
static void test_get_page_from_freelist_nofragment_retry(void)
{
	struct frag_mem *mem = mk_mem(4 * GiB + 64 * MiB, 1, 1, tweak_big);
	struct frag_zone *nz = zone_of(mem, 0, ZONE_NORMAL);
	struct frag_pageblock_summary s;
	uint64_t last = zone_end_pfn(nz) - 512;

	pin_zone(mem, zone_of(mem, 0, ZONE_DMA), 1, NOSKIP, NOSKIP);
	pin_zone(mem, zone_of(mem, 0, ZONE_DMA32), 1, NOSKIP, NOSKIP);
	pin_zone(mem, nz, PINNED, NOSKIP, NOSKIP);
	CHECK_EQ(frag_alloc_pages(mem, 0, 0, GFP_KERNEL, NULL), last + 257);
	CHECK_EQ(ST(mem, nofragment_retry), 1);
	CHECK_EQ(ST(mem, claim_block_fail), 8);
	CHECK_EQ(ST(mem, extfrag_claim), 0);
	CHECK(ST(mem, extfrag_steal) >= 1);
	check_event(0, last + 257, 0, 0, MIGRATE_UNMOVABLE, MIGRATE_MOVABLE, false);
	CHECK_EQ(ST(mem, alloc_slowpath), 0);
	frag_pageblock_summary(mem, &s);
	CHECK_EQ(s.mixed[MIGRATE_MOVABLE], 1);
	CHECK_EQ(s.nr[MIGRATE_UNMOVABLE], 0);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

static unsigned nr_reclaim;
static uint64_t extfrag_at_reclaim;
static unsigned nr_oom;

static uint64_t stub_try_to_free_pages(struct frag_mem *mem, unsigned nid, unsigned order, gfp_t gfp)
{
	(void)nid;
	(void)order;
	(void)gfp;
	nr_reclaim++;
	extfrag_at_reclaim += ST(mem, extfrag);
	return 0;
}

static bool stub_oom(void *arg, unsigned nid, unsigned order, gfp_t gfp)
{
	(void)arg;
	(void)nid;
	(void)order;
	(void)gfp;
	nr_oom++;
	return false;
}

/*
 * defrag_mode: the fast path never drops NOFRAGMENT (no steal there, no
 * nofragment_retry); the slowpath keeps it through reclaim and drops it only
 * just before the OOM point. Every pageblock holds 257 LRU pages, so only a
 * steal can serve a small UNMOVABLE request:
 *  - GFP_NOWAIT (no direct reclaim) fails;
 *  - GFP_KERNEL | __GFP_NORETRY fails after one reclaim attempt;
 *  - GFP_KERNEL steals, after reclaim was tried (with no steal before it),
 *    without reaching OOM.
 * kswapd is woken for pageblock_order (wake_all_kswapds()).
 */
static void test___alloc_pages_slowpath_defrag_mode(void)
{
	struct frag_mem *mem = mk_mem(64 * MiB, 1, 1, tweak_defrag);
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);

	mem->reclaim.try_to_free_pages = stub_try_to_free_pages;
	mem->env.out_of_memory = stub_oom;
	nr_reclaim = 0;
	extfrag_at_reclaim = 0;
	nr_oom = 0;
	pin_zone(mem, zone_of(mem, 0, ZONE_DMA), PINNED, NOSKIP, NOSKIP);
	pin_zone(mem, z, PINNED, X, X);
	fill(mem, z, X, PINNED, GFP_HIGHUSER_MOVABLE, OWNER_LRU);

	CHECK_EQ(frag_alloc_pages(mem, 0, 0, GFP_NOWAIT, NULL), FRAG_PFN_NONE);
	CHECK_EQ(ST(mem, alloc_slowpath), 1);
	CHECK_EQ(nr_reclaim, 0);
	CHECK(nr_wakes >= 1);
	CHECK_EQ(wakes[0].order, PAGEBLOCK_ORDER);

	CHECK_EQ(frag_alloc_pages(mem, 0, 0, GFP_KERNEL | __GFP_NORETRY, NULL), FRAG_PFN_NONE);
	CHECK_EQ(nr_reclaim, 1);
	CHECK_EQ(ST(mem, extfrag), 0);
	CHECK_EQ(ST(mem, alloc_fail), 2);

	uint64_t p = frag_alloc_pages(mem, 0, 0, GFP_KERNEL, NULL);
	CHECK_EQ(p, X + 257);
	CHECK(nr_reclaim > 1);
	CHECK_EQ(extfrag_at_reclaim, 0);
	CHECK(ST(mem, extfrag_steal) >= 1);
	CHECK_EQ(ST(mem, extfrag_claim), 0);
	CHECK_EQ(ST(mem, nofragment_retry), 0);
	CHECK_EQ(ST(mem, oom_kill), 0);
	CHECK_EQ(nr_oom, 0);
	/* wake_all_kswapds() at pageblock_order; the last wake is rmqueue()'s
	 * order-0 one for the boost raised by the final claim attempts. */
	CHECK(nr_wakes >= 3);
	for (unsigned i = 0; i + 1 < nr_wakes; i++)
		CHECK_EQ(wakes[i].order, PAGEBLOCK_ORDER);
	CHECK_EQ(wakes[nr_wakes - 1].order, 0);
	CHECK_EQ(wakes[nr_wakes - 1].highest, ZONE_DMA32);
	CHECK_EQ(ST(mem, claim_block_fail), 8);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

static bool two_node_defrag;

static void tweak_two_nodes(struct frag_config *cfg)
{
	tweak_big(cfg);
	cfg->sysctl.defrag_mode = two_node_defrag;
	cfg->geo.nr_nodes = 2;
	cfg->geo.node[0] = (struct frag_node_geometry){ .start_pfn = 0, .nr_pages = NORMAL0 + 16384, .nr_cpus = 1 };
	cfg->geo.node[1] = (struct frag_node_geometry){ .start_pfn = NORMAL0 + 16384, .nr_pages = 16384,
							.nr_cpus = 1 };
}

/*
 * get_page_from_freelist() on NUMA: without defrag_mode, reaching a zone of
 * a remote node drops NOFRAGMENT and restarts (locality first), so node 0's
 * own Normal zone is fragmented although node 1 has free pageblocks. With
 * defrag_mode the remote node's free pageblock is claimed whole.
 * Node 1 has no DMA32, so its own requests get no NOFRAGMENT at all
 * (alloc_flags_nofragment() on a multi-node machine).
 *
 *   node 0: DMA, DMA32, Normal [4 GiB, +64 MiB), one LRU page per pageblock
 *   node 1: Normal [4 GiB + 64 MiB, +64 MiB)
 */
static void test_get_page_from_freelist_remote_node(void)
{
	for (int defrag = 0; defrag < 2; defrag++) {
		two_node_defrag = defrag;
		struct frag_mem *mem = mk_mem(4 * GiB + 128 * MiB, 2, 2, tweak_two_nodes);
		struct frag_zone *n0 = zone_of(mem, 0, ZONE_NORMAL), *n1 = zone_of(mem, 1, ZONE_NORMAL);
		uint64_t last0 = zone_end_pfn(n0) - 512, last1 = zone_end_pfn(n1) - 512;

		CHECK(n0 && n1);
		CHECK_EQ(zone_of(mem, 1, ZONE_DMA32), NULL);
		pin_zone(mem, zone_of(mem, 0, ZONE_DMA), 1, NOSKIP, NOSKIP);
		pin_zone(mem, zone_of(mem, 0, ZONE_DMA32), 1, NOSKIP, NOSKIP);
		pin_zone(mem, n0, 1, NOSKIP, NOSKIP);
		uint64_t p = frag_alloc_pages(mem, 0, 0, GFP_KERNEL, NULL);
		if (!defrag) {
			CHECK_EQ(p, last0 + 1);
			check_event(0, last0 + 1, 0, 8, MIGRATE_UNMOVABLE, MIGRATE_MOVABLE, true);
			CHECK_EQ(ST(mem, nofragment_retry), 1);
			CHECK_EQ(ST(mem, numa_hit), 1);
			CHECK_EQ(ST(mem, numa_miss), 0);

			pin_zone(mem, n1, 1, NOSKIP, NOSKIP);
			p = frag_alloc_pages(mem, 1, 0, GFP_KERNEL, NULL);
			CHECK_EQ(p, last1 + 1);
			check_event(1, last1 + 1, 0, 8, MIGRATE_UNMOVABLE, MIGRATE_MOVABLE, true);
			CHECK_EQ(ST(mem, nofragment_retry), 1);
		} else {
			CHECK_EQ(p, n1->zone_start_pfn);
			check_event(0, n1->zone_start_pfn, 0, 10, MIGRATE_UNMOVABLE, MIGRATE_MOVABLE, true);
			CHECK_EQ(pb_mt(n0, last0), MIGRATE_MOVABLE);
			CHECK_EQ(ST(mem, nofragment_retry), 0);
			CHECK_EQ(ST(mem, numa_miss), 1);
		}
		CHECK_CONSISTENT(mem);
		frag_mem_destroy(mem);
	}
}

static void tweak_uma_normal_only(struct frag_config *cfg)
{
	tweak_big(cfg);
	cfg->geo.node[0].start_pfn = NORMAL0;
	cfg->geo.node[0].nr_pages = 16384;
}

/*
 * alloc_flags_nofragment(): "assume on UMA that if Normal is populated then
 * so is DMA32" - the populated_zone(DMA32) test is made only when
 * nr_online_nodes > 1. A one-node machine whose memory all lies above 4 GiB
 * still gets NOFRAGMENT: with one LRU page per pageblock the first pass finds
 * no free pageblock and the fast path retries without it.
 */
static void test_alloc_flags_nofragment_uma(void)
{
	struct frag_mem *mem = mk_mem(64 * MiB, 1, 1, tweak_uma_normal_only);
	struct frag_zone *nz = zone_of(mem, 0, ZONE_NORMAL);

	CHECK(nz != NULL);
	CHECK_EQ(zone_of(mem, 0, ZONE_DMA32), NULL);
	pin_zone(mem, nz, 1, NOSKIP, NOSKIP);
	uint64_t p = frag_alloc_pages(mem, 0, 0, GFP_KERNEL, NULL);
	CHECK_EQ(p, zone_end_pfn(nz) - 512 + 1);
	CHECK_EQ(ST(mem, nofragment_retry), 1);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * CMA. fragsim has no CMA area to configure: geometry.config_cma only makes
 * MIGRATE_CMA exist (CONFIG_CMA: pagetypeinfo rows, the mobility threshold).
 * A CMA area is built here as cma_init_reserved_areas() ->
 * init_cma_reserved_pageblock() leaves one: whole pageblocks labelled
 * MIGRATE_CMA with their free pages on the CMA lists (relabel(): the free
 * pages move, NR_FREE_CMA_PAGES follows them).
 */
static void tweak_cma(struct frag_config *cfg)
{
	tweak_env(cfg);
	cfg->geo.config_cma = true;
}

/* Relabel the order-10 block at @pfn (both pageblocks) to @mt. */
static void relabel_block10(struct frag_zone *z, uint64_t pfn, int mt)
{
	relabel(z, pfn, mt);
	relabel(z, pfn + PAGEBLOCK_NR_PAGES, mt);
}

/*
 * __rmqueue(): with ALLOC_CMA, when NR_FREE_CMA_PAGES > NR_FREE_PAGES / 2
 * the CMA lists are tried first ("balance movable allocations between
 * regular and CMA areas"), before the request's own type; the mode memo is
 * not touched. DMA32 with its last 6 order-10 blocks CMA: 6144 of 12288
 * free pages, not more than half, so a MOVABLE page comes from A; then
 * 6144 > 12287 / 2 = 6143 and the next one comes from the CMA head,
 * A + 6144, while a request without ALLOC_CMA (any non-movable one) keeps
 * taking MOVABLE pages: A + 1 before it.
 */
static void test___rmqueue_cma_first(void)
{
	struct frag_mem *mem = mk_mem(64 * MiB, 1, 1, tweak_cma);
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);
	enum rmqueue_mode mode = RMQUEUE_NORMAL;
	const uint64_t C = A + 6 * 1024;

	for (uint64_t b = C; b < zone_end_pfn(z); b += 1024)
		relabel_block10(z, b, MIGRATE_CMA);
	CHECK_EQ(z->nr_free_cma, 6144);
	CHECK_EQ(z->nr_free_pages, 12288);
	CHECK_EQ(list_head_pfn(z, 10, MIGRATE_CMA), C);

	CHECK_EQ(rmq_mode(mem, z, 0, MIGRATE_MOVABLE, ALLOC_CMA, &mode), A);
	CHECK_EQ(mode, RMQUEUE_NORMAL);
	CHECK_EQ(z->nr_free_cma, 6144);
	/* 6144 > 12287 / 2 from now on; without ALLOC_CMA it does not matter. */
	CHECK_EQ(rmq_mode(mem, z, 0, MIGRATE_MOVABLE, 0, &mode), A + 1);
	CHECK_EQ(rmq_mode(mem, z, 0, MIGRATE_MOVABLE, ALLOC_CMA, &mode), C);
	CHECK_EQ(mode, RMQUEUE_NORMAL);
	CHECK_EQ(z->nr_free_cma, 6143);
	CHECK_EQ(rmq_mode(mem, z, 0, MIGRATE_MOVABLE, ALLOC_CMA, &mode), C + 1);
	CHECK_EQ(z->nr_free_cma, 6142);
	CHECK_EQ(z->nr_free_pages, 12284);
	CHECK_EQ(nr_ev, 0);
	CHECK_CONSISTENT(mem);

	/*
	 * The same through the fast path, which sets ALLOC_CMA for movable
	 * requests only (gfp_to_alloc_flags_cma()); order 4 bypasses the PCP.
	 * 6142 > 12284 / 2 is false (strict): MOVABLE first, A + 16; then
	 * 6142 > 12268 / 2: the CMA remainder C + 16. GFP_KERNEL never gets CMA.
	 */
	CHECK_EQ(frag_alloc_pages(mem, 0, 4, GFP_HIGHUSER_MOVABLE, NULL), A + 16);
	CHECK_EQ(frag_alloc_pages(mem, 0, 4, GFP_HIGHUSER_MOVABLE, NULL), C + 16);
	CHECK_EQ(pb_mt(z, C + 16), MIGRATE_CMA);
	uint64_t p = frag_alloc_pages(mem, 0, 4, GFP_KERNEL, NULL);
	CHECK(p != FRAG_PFN_NONE && p < C);
	CHECK_EQ(z->nr_free_cma, 6142 - 16);
	CHECK_EQ(z->nr_free_pages, 12284 - 48);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * __rmqueue()'s CMA stage (__rmqueue_cma_fallback()): after NORMAL finds no
 * MOVABLE page, ALLOC_CMA requests take CMA pages and the memo becomes
 * RMQUEUE_CMA, so the next call of the same refill skips NORMAL. Without
 * ALLOC_CMA the request goes on to CLAIM (CMA is never a fallback source).
 * DMA32: block A CMA (1024 of 12288 free: not CMA-first), the 11 others
 * UNMOVABLE, so there is no MOVABLE free page.
 */
static void test___rmqueue_cma_fallback(void)
{
	struct frag_mem *mem = mk_mem(64 * MiB, 1, 1, tweak_cma);
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);
	enum rmqueue_mode mode = RMQUEUE_NORMAL;

	relabel_block10(z, A, MIGRATE_CMA);
	for (uint64_t b = B; b < zone_end_pfn(z); b += 1024)
		relabel_block10(z, b, MIGRATE_UNMOVABLE);
	CHECK_EQ(z->nr_free_cma, 1024);

	CHECK_EQ(rmq_mode(mem, z, 0, MIGRATE_MOVABLE, ALLOC_CMA, &mode), A);
	CHECK_EQ(mode, RMQUEUE_CMA);
	CHECK_EQ(rmq_mode(mem, z, 0, MIGRATE_MOVABLE, ALLOC_CMA, &mode), A + 1);
	CHECK_EQ(mode, RMQUEUE_CMA);
	CHECK_EQ(nr_ev, 0);
	CHECK_EQ(pb_mt(z, A), MIGRATE_CMA);

	/* No ALLOC_CMA: NORMAL, (no CMA stage), CLAIM: the UNMOVABLE block B. */
	mode = RMQUEUE_NORMAL;
	CHECK_EQ(rmq_mode(mem, z, 0, MIGRATE_MOVABLE, 0, &mode), B);
	CHECK_EQ(mode, RMQUEUE_NORMAL);
	check_event(0, B, 0, 10, MIGRATE_MOVABLE, MIGRATE_UNMOVABLE, true);
	CHECK_EQ(pb_mt(z, B), MIGRATE_MOVABLE);
	CHECK_EQ(z->nr_free_cma, 1022);

	/* The CMA memo skips NORMAL although B now has MOVABLE pages. */
	mode = RMQUEUE_CMA;
	CHECK_EQ(rmq_mode(mem, z, 0, MIGRATE_MOVABLE, ALLOC_CMA, &mode), A + 2);
	CHECK_EQ(mode, RMQUEUE_CMA);
	mode = RMQUEUE_NORMAL;
	CHECK_EQ(rmq_mode(mem, z, 0, MIGRATE_MOVABLE, ALLOC_CMA, &mode), B + 1);
	CHECK_EQ(mode, RMQUEUE_NORMAL);
	CHECK_EQ(z->nr_free_cma, 1021);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

static const struct tap_test tests[] = {
	TAP(test_gfp_migratetype),
	TAP(test_gfp_zone),
	TAP(test_find_suitable_fallback),
	TAP(test_should_try_claim_block),
	TAP(test_should_try_claim_block_stops_claim),
	TAP(test_try_to_claim_block_whole_block),
	TAP(test_try_to_claim_block_partial_pageblock),
	TAP(test_try_to_claim_block_threshold_unmovable_from_movable),
	TAP(test_try_to_claim_block_alike_counts_unmovable),
	TAP(test_try_to_claim_block_threshold_movable_start),
	TAP(test_try_to_claim_block_threshold_unmovable_reclaimable),
	TAP(test_try_to_claim_block_mobility_disabled),
	TAP(test_move_freepages_block_to_tail),
	TAP(test___rmqueue_claim),
	TAP(test___rmqueue_steal),
	TAP(test___rmqueue_mode),
	TAP(test_rmqueue_bulk_rmqueue_mode),
	TAP(test_boost_watermark),
	TAP(test_rmqueue_boosted_watermark_wakes_kswapd),
	TAP(test_trace_mm_page_alloc_extfrag),
	TAP(test_alloc_flags_nofragment_dma32),
	TAP(test_alloc_flags_nofragment_normal),
	TAP(test_get_page_from_freelist_nofragment_retry),
	TAP(test___alloc_pages_slowpath_defrag_mode),
	TAP(test_get_page_from_freelist_remote_node),
	TAP(test_alloc_flags_nofragment_uma),
	TAP(test___rmqueue_cma_first),
	TAP(test___rmqueue_cma_fallback),
};

int main(void)
{
	return tap_main(tests, TAP_COUNT(tests));
}
