/* SPDX-License-Identifier: MIT */
/*
 * test_buddy.c - kernel-model section 2: free lists, split, merge,
 * head/tail placement (mm/page_alloc.c).
 *
 * The machine is 64 MiB from pfn 0: ZONE_DMA [0, 4096) and ZONE_DMA32
 * [4096, 16384), all pageblocks MOVABLE at boot. "A" is the first order-10
 * block of DMA32 (pfn 4096), "B" the second (5120).
 */
#include "helpers.h"

#define A 4096ull
#define B 5120ull

static gfp_t gfp_of_mt(int mt)
{
	return mt == MIGRATE_MOVABLE ? GFP_HIGHUSER_MOVABLE :
	       mt == MIGRATE_RECLAIMABLE ? (GFP_KERNEL | __GFP_RECLAIMABLE) : GFP_KERNEL;
}

/* __rmqueue_smallest() + prep_new_page(): an allocation taken straight from the buddy. */
static uint64_t rmq(struct frag_mem *mem, struct frag_zone *z, unsigned order, int mt)
{
	uint32_t idx = __rmqueue_smallest(z, order, mt);
	if (idx == IDX_NONE)
		return FRAG_PFN_NONE;
	prep_new_page(mem, z, idx_to_pfn(z, idx), order, gfp_of_mt(mt), NULL);
	return idx_to_pfn(z, idx);
}

/*
 * memblock_free_all() -> __free_pages_core(FPI_TO_TAIL): boot memory is
 * freed in ascending pfn order to the list tails, so the order-10 MOVABLE
 * list runs 4096, 5120, ..., 15360 and DMA holds 0, 1024, 2048, 3072.
 */
static void test___free_pages_core_FPI_TO_TAIL(void)
{
	struct frag_mem *mem = mk_mem(64 * MiB, 1, 1, NULL);
	struct frag_zone *dma32 = zone_of(mem, 0, ZONE_DMA32), *dma = zone_of(mem, 0, ZONE_DMA);
	uint64_t p[32];

	CHECK(dma32 && dma);
	CHECK_EQ(list_pfns(dma32, 10, MIGRATE_MOVABLE, p, 32), 12);
	for (unsigned i = 0; i < 12; i++)
		CHECK_EQ(p[i], A + 1024 * i);
	CHECK_EQ(list_pfns(dma, 10, MIGRATE_MOVABLE, p, 32), 4);
	CHECK_EQ(p[0], 0);
	CHECK_EQ(p[3], 3072);
	for (unsigned o = 0; o < 10; o++)
		CHECK_EQ(dma32->free_area[o].nr_free, 0);
	CHECK_EQ(dma32->nr_free_pages, 12288);
	CHECK_EQ(dma32->nr_free_pages_blocks, 12288);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * expand(): the caller keeps the lowest pages, each upper half goes to the
 * head of its order's list with the block's migratetype.
 *
 *   A (order 10) -> [A: taken][A+1: o0][A+2: o1][A+4: o2] ... [A+512: o9]
 */
static void test_expand(void)
{
	struct frag_mem *mem = mk_mem(64 * MiB, 1, 1, NULL);
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);

	CHECK_EQ(rmq(mem, z, 0, MIGRATE_MOVABLE), A);
	for (unsigned o = 0; o < 10; o++) {
		CHECK_EQ(z->free_area[o].nr_free, 1);
		CHECK_EQ(list_head_pfn(z, o, MIGRATE_MOVABLE), A + (1ull << o));
		CHECK_EQ(page_at(z, A + (1ull << o))->order, o);
	}
	CHECK_EQ(z->free_area[10].nr_free, 11);
	CHECK_EQ(z->nr_free_pages, 12287);
	/*
	 * Through __rmqueue_smallest() the lists below the split order are always
	 * empty, so split B directly (as a policy's rmqueue hook may): every new
	 * half goes in front of A's.
	 */
	page_del_and_expand(z, pfn_to_idx(z, B), 0, 10, MIGRATE_MOVABLE);
	prep_new_page(mem, z, B, 0, GFP_HIGHUSER_MOVABLE, NULL);
	for (unsigned o = 0; o < 10; o++) {
		uint64_t p[4];
		CHECK_EQ(list_pfns(z, o, MIGRATE_MOVABLE, p, 4), 2);
		CHECK_EQ(p[0], B + (1ull << o));
		CHECK_EQ(p[1], A + (1ull << o));
	}
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * __rmqueue_smallest(): the head of the smallest non-empty order >= request
 * wins, so consecutive allocations pack into the most recently split block
 * (LIFO): after A is split, order-0 requests get A+1, then A+2 (splitting
 * the order-1 remainder, whose upper half A+3 goes to the order-0 head).
 */
static void test___rmqueue_smallest(void)
{
	struct frag_mem *mem = mk_mem(64 * MiB, 1, 1, NULL);
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);

	CHECK_EQ(rmq(mem, z, 0, MIGRATE_MOVABLE), A);
	CHECK_EQ(rmq(mem, z, 0, MIGRATE_MOVABLE), A + 1);
	CHECK_EQ(rmq(mem, z, 0, MIGRATE_MOVABLE), A + 2);
	CHECK_EQ(list_head_pfn(z, 0, MIGRATE_MOVABLE), A + 3);
	CHECK_EQ(rmq(mem, z, 4, MIGRATE_MOVABLE), A + 16);      /* order-4 remainder of A */
	CHECK_EQ(rmq(mem, z, 10, MIGRATE_MOVABLE), B);          /* next order-10 head */
	/* No UNMOVABLE memory at all: the smallest-only search fails. */
	CHECK_EQ(rmq(mem, z, 0, MIGRATE_UNMOVABLE), FRAG_PFN_NONE);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * __free_one_page(): freeing every page of a split block merges it back to
 * one order-10 block; merging never goes past MAX_PAGE_ORDER.
 */
static void test___free_one_page_merges(void)
{
	struct frag_mem *mem = mk_mem(64 * MiB, 1, 1, NULL);
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);
	uint64_t got[16];

	for (int i = 0; i < 16; i++)
		got[i] = frag_alloc_pages(mem, 0, 6, GFP_HIGHUSER_MOVABLE, NULL);   /* order 6: not a PCP order */
	for (int i = 0; i < 16; i++)
		CHECK_EQ(got[i], A + 64ull * i);
	CHECK_EQ(z->free_area[10].nr_free, 11);
	for (int i = 15; i >= 0; i--)
		CHECK_EQ(frag_free_pages(mem, 0, got[i], 6), 0);
	CHECK_EQ(z->free_area[10].nr_free, 12);
	for (unsigned o = 0; o < 10; o++)
		CHECK_EQ(z->free_area[o].nr_free, 0);
	/* The merged block is A, at the head (buddy_merge_likely() is false at MAX-1 and above). */
	CHECK_EQ(list_head_pfn(z, 10, MIGRATE_MOVABLE), A);
	/* Freeing the wrong order or an unallocated block is refused. */
	uint64_t p = frag_alloc_pages(mem, 0, 5, GFP_HIGHUSER_MOVABLE, NULL);
	CHECK_EQ(frag_free_pages(mem, 0, p, 4), -EINVAL);
	CHECK_EQ(frag_free_pages(mem, 0, p + 1, 5), -EINVAL);
	CHECK_EQ(frag_free_pages(mem, 0, p, 5), 0);
	CHECK_EQ(frag_free_pages(mem, 0, p, 5), -EINVAL);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * buddy_merge_likely(): a freed block whose own buddy is busy but whose
 * parent's buddy is free goes to the list *tail*; otherwise to the head.
 *
 *   after taking A (order 0) and carving B+2 (order 1):
 *     o1 list: [B, ...]                  A+2 taken (order 1)
 *   free A+2: buddy A busy; parent A..A+3's buddy A+4 (o2) is free -> tail
 *     o1 list: [B, A+2]
 *   free B+2: buddy B is free -> merges to B (o2), whose buddy B+4 is free
 *     -> B..B+7 (o3) ... merges all the way back up to B (o10).
 */
static void test_buddy_merge_likely(void)
{
	struct frag_mem *mem = mk_mem(64 * MiB, 1, 1, NULL);
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);
	uint64_t p[8];

	CHECK_EQ(rmq(mem, z, 0, MIGRATE_MOVABLE), A);
	CHECK_EQ(alloc_at(mem, z, A + 2, 1, GFP_HIGHUSER_MOVABLE, OWNER_LRU), 0);
	CHECK_EQ(alloc_at(mem, z, B + 2, 1, GFP_HIGHUSER_MOVABLE, OWNER_LRU), 0);
	CHECK_EQ(list_pfns(z, 1, MIGRATE_MOVABLE, p, 8), 1);
	CHECK_EQ(p[0], B);
	/* Order 1 is a PCP order: free to the PCP, then drain to the buddy. */
	CHECK_EQ(frag_free_pages(mem, 0, A + 2, 1), 0);
	CHECK_EQ(page_at(z, A + 2)->state, PG_PCP);
	frag_drain_all_pages(mem, (int)z->id);
	CHECK_EQ(list_pfns(z, 1, MIGRATE_MOVABLE, p, 8), 2);
	CHECK_EQ(p[0], B);
	CHECK_EQ(p[1], A + 2);
	/* A plain free whose parent's buddy is not free goes to the head. */
	CHECK_EQ(alloc_at(mem, z, A + 4, 2, GFP_HIGHUSER_MOVABLE, OWNER_LRU), 0);  /* make A+4 busy */
	CHECK_EQ(alloc_at(mem, z, A + 2, 1, GFP_HIGHUSER_MOVABLE, OWNER_LRU), 0);
	CHECK_EQ(frag_free_pages(mem, 0, A + 2, 1), 0);
	frag_drain_all_pages(mem, (int)z->id);
	CHECK_EQ(list_pfns(z, 1, MIGRATE_MOVABLE, p, 8), 2);
	CHECK_EQ(p[0], A + 2);
	CHECK_EQ(p[1], B);
	/* B+2 merges all the way up. */
	CHECK_EQ(frag_free_pages(mem, 0, B + 2, 1), 0);
	frag_drain_all_pages(mem, (int)z->id);
	CHECK_EQ(page_at(z, B)->state, PG_BUDDY);
	CHECK_EQ(page_at(z, B)->order, 10);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * __free_one_page() at pageblock_order: two free order-9 buddies of
 * different mergeable types merge, and the buddy's pageblock is relabelled
 * to the freeing page's type.
 */
static void test___free_one_page_relabels_buddy(void)
{
	struct frag_mem *mem = mk_mem(64 * MiB, 1, 1, NULL);
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);

	CHECK_EQ(alloc_at(mem, z, A, 9, GFP_HIGHUSER_MOVABLE, OWNER_LRU), 0);
	CHECK_EQ(alloc_at(mem, z, A + 512, 9, GFP_HIGHUSER_MOVABLE, OWNER_LRU), 0);
	set_pageblock_migratetype(z, A, MIGRATE_UNMOVABLE);
	CHECK_EQ(frag_free_pages(mem, 0, A + 512, 9), 0);
	CHECK_EQ(frag_free_pages(mem, 0, A, 9), 0);
	frag_drain_all_pages(mem, (int)z->id);   /* order 9 is a PCP order (THP) */
	CHECK_EQ(page_at(z, A)->state, PG_BUDDY);
	CHECK_EQ(page_at(z, A)->order, 10);
	/* The PCP drain frees list 12 (A, UNMOVABLE block) before list 13 (A+512,
	 * MOVABLE): A+512 is the freeing page, so MOVABLE wins. */
	CHECK_EQ(pb_mt(z, A), MIGRATE_MOVABLE);
	CHECK_EQ(pb_mt(z, A + 512), MIGRATE_MOVABLE);
	CHECK_EQ(page_at(z, A)->mt, MIGRATE_MOVABLE);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/* __free_one_page(): HIGHATOMIC (not mergeable) never merges with another type. */
static void test___free_one_page_highatomic_unmergeable(void)
{
	struct frag_mem *mem = mk_mem(64 * MiB, 1, 1, NULL);
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);

	CHECK_EQ(alloc_at(mem, z, A, 9, GFP_KERNEL, 0), 0);
	CHECK_EQ(alloc_at(mem, z, A + 512, 9, GFP_HIGHUSER_MOVABLE, OWNER_LRU), 0);
	set_pageblock_migratetype(z, A, MIGRATE_HIGHATOMIC);
	CHECK_EQ(frag_free_pages(mem, 0, A + 512, 9), 0);
	CHECK_EQ(frag_free_pages(mem, 0, A, 9), 0);
	frag_drain_all_pages(mem, (int)z->id);
	CHECK_EQ(page_at(z, A)->order, 9);
	CHECK_EQ(page_at(z, A)->mt, MIGRATE_HIGHATOMIC);
	CHECK_EQ(page_at(z, A + 512)->order, 9);
	CHECK_EQ(page_at(z, A + 512)->mt, MIGRATE_MOVABLE);
	CHECK_EQ(z->nr_free_highatomic, 512);
	/* NR_FREE_PAGES still counts HIGHATOMIC free pages; the watermark hides them. */
	CHECK_EQ(z->nr_free_pages, 12288);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * split_large_buddy(): a block larger than a pageblock is freed pageblock
 * by pageblock, each chunk with its own pageblock's type; the second chunk
 * then merges with the first and relabels it.
 */
static void test_split_large_buddy(void)
{
	struct frag_mem *mem = mk_mem(64 * MiB, 1, 1, NULL);
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);

	uint64_t p = frag_alloc_pages(mem, 0, 10, GFP_HIGHUSER_MOVABLE, NULL);
	CHECK_EQ(p, A);
	set_pageblock_migratetype(z, A + 512, MIGRATE_RECLAIMABLE);
	CHECK_EQ(frag_free_pages(mem, 0, A, 10), 0);
	CHECK_EQ(page_at(z, A)->order, 10);
	CHECK_EQ(page_at(z, A)->mt, MIGRATE_RECLAIMABLE);
	CHECK_EQ(pb_mt(z, A), MIGRATE_RECLAIMABLE);
	CHECK_EQ(pb_mt(z, A + 512), MIGRATE_RECLAIMABLE);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

static void tweak_start_pfn1(struct frag_config *cfg)
{
	cfg->geo.node[0].start_pfn = 1;
	cfg->geo.node[0].nr_pages -= 1;
}

/*
 * Zone boundaries: with memory starting at pfn 1 (like the real DMA zone),
 * boot frees maximal aligned blocks 1 (o0), 2 (o1), 4 (o2) ... 512 (o9),
 * then order 10 from 1024; the buddy of pfn 1 (pfn 0) lies outside the zone,
 * so nothing merges across the edge.
 */
static void test___free_pages_memory_alignment(void)
{
	struct frag_mem *mem = mk_mem(64 * MiB, 1, 1, tweak_start_pfn1);
	struct frag_zone *dma = zone_of(mem, 0, ZONE_DMA);

	CHECK(dma != NULL);
	CHECK_EQ(dma->zone_start_pfn, 1);
	CHECK_EQ(dma->spanned_pages, 4095);
	for (unsigned o = 0; o < 10; o++) {
		CHECK_EQ(dma->free_area[o].nr_free, 1);
		CHECK_EQ(list_head_pfn(dma, o, MIGRATE_MOVABLE), 1ull << o);
	}
	CHECK_EQ(dma->free_area[10].nr_free, 3);
	/* The partial pageblock 0 cannot be claimed or moved as a whole. */
	CHECK(dma->pb[0].flags & PB_PARTIAL);
	CHECK_EQ(move_freepages_block(dma, 1, MIGRATE_MOVABLE, MIGRATE_UNMOVABLE), -1);
	/* pagetypeinfo counts pageblocks from zone_start_pfn in 512-page steps: 8. */
	struct frag_buf out = { 0 };
	frag_show_pagetypeinfo(mem, &out);
	CHECK(strstr(frag_buf_str(&out), "Node 0, zone      DMA            0            8 ") != NULL);
	frag_buf_free(&out);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/* take_page_off_buddy()/break_down_buddy_pages(): carving one page out of a
 * free order-10 block leaves one free block per order around it. */
static void test_break_down_buddy_pages(void)
{
	struct frag_mem *mem = mk_mem(64 * MiB, 1, 1, NULL);
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);

	CHECK_EQ(take_free_block(z, A + 700, 0), 0);
	prep_new_page(mem, z, A + 700, 0, GFP_KERNEL, NULL);
	uint64_t free_pages = 0;
	for (unsigned o = 0; o < 10; o++) {
		CHECK_EQ(z->free_area[o].nr_free, 1);
		free_pages += 1ull << o;
	}
	CHECK_EQ(free_pages, 1023);
	CHECK_EQ(take_free_block(z, A + 700, 0), -ENOENT);   /* no longer free */
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * set_migratetype_isolate() as alloc_contig_range() does it
 * (start_isolate_page_range()): move the pageblock's free pages to the
 * ISOLATE lists (move_freepages_block(); NR_FREE_PAGES drops by them),
 * then set PB_migrate_isolate; the stored migratetype survives.
 */
static void isolate_pageblock(struct frag_zone *z, uint64_t pfn)
{
	struct frag_pageblock *pb = pfn_to_pb(z, pfn);

	CHECK(move_freepages_block(z, pfn, pb->mt, MIGRATE_ISOLATE) >= 0);
	pb->flags |= PB_MIGRATE_ISOLATE;
	pfn_to_spb(z, pfn)->nr_pb_isolated++;
	z->nr_isolate_pageblock++;
}

/*
 * __free_frozen_pages() for a page of an isolated pageblock:
 * get_pfnblock_migratetype() says MIGRATE_ISOLATE, so the page bypasses
 * the PCP and goes to free_one_page() -> __free_one_page(mt = ISOLATE):
 * account_freepages() ignores ISOLATE (NR_FREE_PAGES and
 * NR_FREE_PAGES_BLOCKS unchanged), it merges inside its pageblock, and at
 * pageblock_order it stops at the buddy pageblock, whose type differs
 * (ISOLATE is not mergeable). The other way round, the MOVABLE buddy
 * pageblock freed later (order 9: via the PCP, drained) does not merge with
 * the free ISOLATE block either.
 *
 *   P = A (isolated, stored MOVABLE)        Q = A+512 (MOVABLE)
 *   A+5 allocated, 511 free pages           allocated (order 9)
 *   free A+5 -> A (o9, ISOLATE list)        free Q -> A+512 (o9, MOVABLE list)
 */
static void test___free_frozen_pages_isolate(void)
{
	struct frag_mem *mem = mk_mem(64 * MiB, 1, 1, NULL);
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);
	const uint64_t Q = A + 512;

	CHECK_EQ(alloc_at(mem, z, Q, 9, GFP_HIGHUSER_MOVABLE, OWNER_LRU), 0);
	CHECK_EQ(alloc_at(mem, z, A + 5, 0, GFP_HIGHUSER_MOVABLE, OWNER_LRU), 0);
	CHECK_EQ(z->nr_free_pages, 12288 - 513);
	isolate_pageblock(z, A);
	CHECK_EQ(pb_mt(z, A), MIGRATE_ISOLATE);
	CHECK_EQ(pfn_to_pb(z, A)->mt, MIGRATE_MOVABLE);
	CHECK_EQ(z->nr_free_pages, 11 * 1024);
	CHECK_EQ(z->nr_free_pages_blocks, 11 * 1024);
	CHECK_EQ(list_head_pfn(z, 8, MIGRATE_ISOLATE), A + 256);
	CHECK_CONSISTENT(mem);

	/* Order 0 is a PCP order, but not for an isolated pageblock. */
	CHECK_EQ(frag_free_pages(mem, 0, A + 5, 0), 0);
	CHECK_EQ(z->nr_pcp_pages, 0);
	CHECK_EQ(zone_pcp(z, 0)->count, 0);
	CHECK_EQ(page_at(z, A)->state, PG_BUDDY);
	CHECK_EQ(page_at(z, A)->order, 9);
	CHECK_EQ(page_at(z, A)->mt, MIGRATE_ISOLATE);
	CHECK_EQ(list_head_pfn(z, 9, MIGRATE_ISOLATE), A);
	CHECK_EQ(z->free_area[9].nr_free_mt[MIGRATE_ISOLATE], 1);
	for (unsigned o = 0; o < 9; o++)
		CHECK_EQ(z->free_area[o].nr_free, 0);
	CHECK_EQ(z->nr_free_pages, 11 * 1024);
	CHECK_EQ(z->nr_free_pages_blocks, 11 * 1024);
	CHECK_EQ(pfn_to_pb(z, A)->mt, MIGRATE_MOVABLE);

	/* Q's pageblock is MOVABLE: its order-9 page uses the PCP (THP list). */
	CHECK_EQ(frag_free_pages(mem, 0, Q, 9), 0);
	CHECK_EQ(page_at(z, Q)->state, PG_PCP);
	CHECK_EQ(z->nr_pcp_pages, 512);
	frag_drain_all_pages(mem, (int)z->id);
	CHECK_EQ(page_at(z, Q)->state, PG_BUDDY);
	CHECK_EQ(page_at(z, Q)->order, 9);
	CHECK_EQ(page_at(z, Q)->mt, MIGRATE_MOVABLE);
	CHECK_EQ(page_at(z, A)->order, 9);
	CHECK_EQ(page_at(z, A)->mt, MIGRATE_ISOLATE);
	CHECK_EQ(z->free_area[10].nr_free, 11);
	CHECK_EQ(z->free_area[9].nr_free, 2);
	CHECK_EQ(pb_mt(z, Q), MIGRATE_MOVABLE);
	CHECK_EQ(pb_mt(z, A), MIGRATE_ISOLATE);
	CHECK_EQ(z->nr_free_pages, 11 * 1024 + 512);
	CHECK_EQ(z->nr_free_pages_blocks, 11 * 1024 + 512);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/* The first 1 GiB window of a 2 GiB machine: DMA32 [4096, 524288) holds
 * exactly one aligned one, [262144, 524288), 256 order-10 blocks. */
#define GIG 262144ull
#define HUGETLB_1G_GFP (GFP_HIGHUSER | __GFP_COMP | __GFP_RETRY_MAYFAIL | __GFP_NOWARN | __GFP_THISNODE)

/*
 * Freeing a gigantic page: __free_frozen_pages(order 18) -> !pcp_allowed_order
 * -> __free_pages_ok() -> free_one_page() -> split_large_buddy(): 512
 * pageblock chunks of order 9, each merging with its buddy into an order-10
 * block (__free_one_page() stops at MAX_PAGE_ORDER), so the range returns as
 * 256 order-10 blocks, every one put at the list head (buddy_merge_likely()
 * is false at order >= 9): the last one, GIG + 255 * 1024, leads the list.
 * The rest of the free lists is as before the allocation.
 */
static void test___free_pages_ok_gigantic(void)
{
	struct frag_mem *mem = mk_mem(2 * GiB, 1, 1, NULL);
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);
	uint64_t before[NR_PAGE_ORDERS];

	for (unsigned o = 0; o < NR_PAGE_ORDERS; o++)
		before[o] = z->free_area[o].nr_free;
	CHECK_EQ(before[10], (524288 - 4096) / 1024);
	CHECK_EQ(frag_alloc_contig_pages(mem, 0, 18, HUGETLB_1G_GFP, NULL, -1), GIG);
	CHECK_EQ(page_at(z, GIG)->state, PG_ALLOC);
	CHECK_EQ(page_at(z, GIG)->order, 18);
	CHECK_EQ(z->free_area[10].nr_free, before[10] - 256);
	CHECK_EQ(z->nr_free_pages, (int64_t)(z->managed_pages - GIG));

	CHECK_EQ(frag_free_pages(mem, 0, GIG, 18), 0);
	for (unsigned o = 0; o < NR_PAGE_ORDERS; o++)
		CHECK_EQ(z->free_area[o].nr_free, before[o]);
	for (uint64_t i = 0; i < 256; i++) {
		const struct frag_page *p = page_at(z, GIG + 1024 * i);
		if (p->state != PG_BUDDY || p->order != 10 || p->mt != MIGRATE_MOVABLE) {
			printf("# block %llu\n", (unsigned long long)i);
			CHECK_EQ(p->state, PG_BUDDY);
			CHECK_EQ(p->order, 10);
			CHECK_EQ(p->mt, MIGRATE_MOVABLE);
			break;
		}
	}
	CHECK_EQ(list_head_pfn(z, 10, MIGRATE_MOVABLE), GIG + 255 * 1024);
	CHECK_EQ(z->nr_free_pages, (int64_t)z->managed_pages);
	CHECK_EQ(z->nr_pcp_pages, 0);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * alloc_gigantic_folio() -> alloc_contig_pages(nid, __GFP_THISNODE):
 * node_zonelist(nid, gfp) is the node's own zonelist (ZONELIST_NOFALLBACK),
 * so windows come only from the requested node, whichever CPU asks.
 * 4 GiB in two nodes of 2 GiB, one CPU each:
 *   node 0: DMA [0, 4096), DMA32 [4096, 524288): one window, 262144
 *   node 1: DMA32 [524288, 1048576): two windows, 524288 and 786432
 * CPU 0 (node 0) asks node 1 three times: the third finds node 1 full and
 * fails although node 0 has a free window; node 0 then gets its window.
 * nid -1 means the CPU's node (CPU 1: node 1, full).
 */
static void test_alloc_contig_pages_THISNODE(void)
{
	struct frag_mem *mem = mk_mem(4 * GiB, 2, 2, NULL);
	struct frag_zone *z1 = zone_of(mem, 1, ZONE_DMA32), *z0 = zone_of(mem, 0, ZONE_DMA32);

	mem->check_every = 0;   /* 1 Mi pages: one check at the end */
	CHECK(z0 && z1 && !zone_of(mem, 1, ZONE_DMA));
	CHECK_EQ(z1->zone_start_pfn, 524288);
	CHECK_EQ(frag_cpu_node(mem, 0), 0);
	CHECK_EQ(frag_alloc_contig_pages(mem, 0, 18, HUGETLB_1G_GFP, NULL, 1), 524288);
	CHECK_EQ(frag_alloc_contig_pages(mem, 0, 18, HUGETLB_1G_GFP, NULL, 1), 786432);
	CHECK_EQ(z1->nr_free_pages, 0);
	CHECK_EQ(frag_alloc_contig_pages(mem, 0, 18, HUGETLB_1G_GFP, NULL, 1), FRAG_PFN_NONE);
	CHECK_EQ(frag_alloc_contig_pages(mem, 1, 18, HUGETLB_1G_GFP, NULL, -1), FRAG_PFN_NONE);
	CHECK_EQ(z0->nr_free_pages, (int64_t)z0->managed_pages);
	CHECK_EQ(frag_alloc_contig_pages(mem, 1, 18, HUGETLB_1G_GFP, NULL, 0), GIG);
	CHECK_EQ(page_at(z0, GIG)->order, 18);
	CHECK_EQ(frag_alloc_contig_pages(mem, 0, 18, HUGETLB_1G_GFP, NULL, -1), FRAG_PFN_NONE);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * alloc_contig_range() calls drain_all_pages(cc.zone) before it tests the
 * range: a page of the window parked on a PCP list (here on CPU 1's list,
 * the request coming from CPU 0) keeps the window from being free until
 * the zone's PCP lists are drained, on every CPU. Only that zone is
 * drained: a PCP page in ZONE_DMA stays.
 */
static void test_alloc_contig_range_drain_all_pages(void)
{
	struct frag_mem *mem = mk_mem(2 * GiB, 1, 2, NULL);
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32), *dma = zone_of(mem, 0, ZONE_DMA);

	CHECK_EQ(alloc_at(mem, z, GIG + 5, 0, GFP_HIGHUSER_MOVABLE, OWNER_LRU), 0);
	CHECK_EQ(alloc_at(mem, dma, 7, 0, GFP_HIGHUSER_MOVABLE, OWNER_LRU), 0);
	CHECK_EQ(frag_free_pages(mem, 1, GIG + 5, 0), 0);
	CHECK_EQ(frag_free_pages(mem, 1, 7, 0), 0);
	CHECK_EQ(page_at(z, GIG + 5)->state, PG_PCP);
	CHECK_EQ(zone_pcp(z, 1)->count, 1);
	CHECK_EQ(zone_pcp(dma, 1)->count, 1);
	CHECK_EQ(pfn_to_pb(z, GIG)->nr_pcp, 1);

	CHECK_EQ(frag_alloc_contig_pages(mem, 0, 18, HUGETLB_1G_GFP, NULL, -1), GIG);
	CHECK_EQ(page_at(z, GIG)->state, PG_ALLOC);
	CHECK_EQ(page_at(z, GIG)->order, 18);
	CHECK_EQ(zone_pcp(z, 1)->count, 0);
	CHECK_EQ(z->nr_pcp_pages, 0);
	CHECK_EQ(zone_pcp(dma, 1)->count, 1);
	CHECK_EQ(page_at(dma, 7)->state, PG_PCP);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

static const struct tap_test tests[] = {
	TAP(test___free_pages_core_FPI_TO_TAIL),
	TAP(test_expand),
	TAP(test___rmqueue_smallest),
	TAP(test___free_one_page_merges),
	TAP(test_buddy_merge_likely),
	TAP(test___free_one_page_relabels_buddy),
	TAP(test___free_one_page_highatomic_unmergeable),
	TAP(test_split_large_buddy),
	TAP(test___free_pages_memory_alignment),
	TAP(test_break_down_buddy_pages),
	TAP(test___free_frozen_pages_isolate),
	TAP(test___free_pages_ok_gigantic),
	TAP(test_alloc_contig_pages_THISNODE),
	TAP(test_alloc_contig_range_drain_all_pages),
};

int main(void)
{
	return tap_main(tests, TAP_COUNT(tests));
}
