/* SPDX-License-Identifier: MIT */
/*
 * test_spb.c - pageblock content counters and superpageblock state
 * (SPB RFC v2 08/40 "struct superpageblock": pageblock counts per type,
 * nr_free_pages, spb_get_category(), the fullness lists of sb_update_list()),
 * kept by the core for every policy.
 *
 * Machine: one node of 2 GiB starting at 4 GiB: only ZONE_NORMAL, two whole
 * 1 GiB SPBs (S0 at pfn 0x100000, S1 at 0x140000).
 */
#include "helpers.h"

#define S0 0x100000ull
#define S1 0x140000ull

static void tweak_normal_only(struct frag_config *cfg)
{
	cfg->geo.node[0].start_pfn = S0;
	cfg->geo.node[0].nr_pages = 2 * SPB_NR_PAGES;
	cfg->check_every = 0;   /* 512 Ki pages: checked explicitly */
}

static struct frag_mem *mk(void)
{
	return mk_mem(2 * GiB, 1, 2, tweak_normal_only);
}

static bool on_list(const struct frag_zone *z, const struct frag_spb *spb, unsigned cat, unsigned full)
{
	for (uint32_t i = z->spb_list[cat][full]; i != IDX_NONE; i = z->spb[i].list_next)
		if (&z->spb[i] == spb)
			return true;
	return false;
}

/* A fresh zone: every SPB empty, in the almost-empty bucket, entirely free. */
static void test_spb_boot_state(void)
{
	struct frag_mem *mem = mk();
	struct frag_zone *z = zone_of(mem, 0, ZONE_NORMAL);
	struct frag_spb_summary s;

	CHECK(z && !zone_of(mem, 0, ZONE_DMA32));
	CHECK_EQ(z->nr_spbs, 2);
	for (unsigned i = 0; i < 2; i++) {
		const struct frag_spb *spb = &z->spb[i];
		CHECK_EQ(spb->category, SPB_EMPTY);
		CHECK_EQ(spb->fullness, SB_ALMOST_EMPTY);
		CHECK_EQ(spb->nr_pb[MIGRATE_MOVABLE], 512);
		CHECK_EQ(spb->nr_pb_free, 512);
		CHECK_EQ(spb->nr_free_pages, SPB_NR_PAGES);
		CHECK(on_list(z, spb, SPB_EMPTY, SB_ALMOST_EMPTY));
	}
	frag_spb_summary(mem, &s);
	CHECK_EQ(s.nr_spbs, 2);
	CHECK_EQ(s.nr_full_spbs, 2);
	CHECK_EQ(s.empty, 2);
	CHECK_EQ(s.clean + s.tainted, 0);
	CHECK_EQ(s.free_now, 2);
	CHECK_EQ(s.movable_only, 2);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/* One movable page makes an SPB clean (not empty) and not free_now; the
 * pageblock content counters see it as allocated, LRU, movable. */
static void test_spb_clean_on_movable(void)
{
	struct frag_mem *mem = mk();
	struct frag_zone *z = zone_of(mem, 0, ZONE_NORMAL);
	struct frag_owner o = { .id = 1, .kind = KIND_ANON, .flags = OWNER_LRU };

	uint64_t p = frag_alloc_pages(mem, 0, 0, GFP_HIGHUSER_MOVABLE, &o);
	CHECK_EQ(p, S0);
	const struct frag_spb *spb = pfn_to_spb(z, p);
	const struct frag_pageblock *pb = pfn_to_pb(z, p);
	CHECK_EQ(spb->category, SPB_CLEAN);
	CHECK(on_list(z, spb, SPB_CLEAN, SB_ALMOST_EMPTY));
	CHECK_EQ(pb->nr_alloc[MIGRATE_MOVABLE], 1);
	CHECK_EQ(pb->nr_lru, 1);
	/* The PCP refill parked a batch of pages of the same pageblock. */
	CHECK(pb->nr_pcp > 0);
	CHECK_EQ(pb->nr_free + pb->nr_pcp + 1, 512);
	CHECK_EQ(spb->nr_pb_free, 511);
	struct frag_spb_summary s;
	frag_spb_summary(mem, &s);
	CHECK_EQ(s.clean, 1);
	CHECK_EQ(s.empty, 1);
	CHECK_EQ(s.free_now, 1);
	CHECK_EQ(s.movable_only, 2);
	/* Free it and drain: the SPB is empty again. */
	CHECK_EQ(frag_free_pages(mem, 1, p, 0), 0);
	frag_drain_all_pages(mem, -1);
	CHECK_EQ(spb->category, SPB_EMPTY);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/* An UNMOVABLE allocation claims a whole order-10 block (two pageblocks) of
 * an SPB: the SPB is tainted, and stays tainted after the memory is freed
 * (pageblock types persist), while holding only free pages again. */
static void test_spb_get_category_tainted(void)
{
	struct frag_mem *mem = mk();
	struct frag_zone *z = zone_of(mem, 0, ZONE_NORMAL);

	uint64_t p = frag_alloc_pages(mem, 0, 0, GFP_KERNEL, NULL);
	CHECK(p != FRAG_PFN_NONE);
	const struct frag_spb *spb = pfn_to_spb(z, p);
	CHECK_EQ(spb->category, SPB_TAINTED);
	CHECK_EQ(spb->nr_pb[MIGRATE_UNMOVABLE], 2);
	CHECK_EQ(spb->nr_pb[MIGRATE_MOVABLE], 510);
	CHECK_EQ(z->nr_spb_cat[SPB_TAINTED], 1);
	struct frag_spb_summary s;
	frag_spb_summary(mem, &s);
	CHECK_EQ(s.tainted, 1);
	CHECK_EQ(s.tainted_pageblocks, 2);
	CHECK_EQ(s.movable_only, 1);
	CHECK_EQ(frag_free_pages(mem, 0, p, 0), 0);
	frag_drain_all_pages(mem, -1);
	CHECK_EQ(spb->category, SPB_TAINTED);
	frag_spb_summary(mem, &s);
	CHECK_EQ(s.free_now, 2);
	CHECK_EQ(s.movable_only, 2);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/* Fullness bucket b holds SPBs with a free fraction in [b/8, (b+1)/8); the
 * SPB moves between lists exactly at the edges. */
static void test_sb_update_list_fullness(void)
{
	struct frag_mem *mem = mk();
	struct frag_zone *z = zone_of(mem, 0, ZONE_NORMAL);
	const struct frag_spb *spb = &z->spb[0];
	const uint64_t eighth = SPB_NR_PAGES / 8;   /* 32768 pages = 32 order-10 blocks */

	/* Take order-10 blocks from S0 only: the lists are ascending at boot. */
	for (uint64_t i = 0; i < 32; i++)
		CHECK_EQ(frag_alloc_pages(mem, 0, 10, GFP_HIGHUSER_MOVABLE, NULL), S0 + i * 1024);
	/* Exactly 7/8 free: bucket 7 still ([7/8, 1]). */
	CHECK_EQ(spb->nr_free_pages, 7 * eighth);
	CHECK_EQ(spb->fullness, 7);
	CHECK(frag_alloc_pages(mem, 0, 0, GFP_HIGHUSER_MOVABLE, NULL) != FRAG_PFN_NONE);
	/* One page more (plus the PCP batch) and it drops to bucket 6. */
	CHECK_EQ(spb->fullness, 6);
	CHECK(on_list(z, spb, SPB_CLEAN, 6));
	CHECK(!on_list(z, spb, SPB_CLEAN, 7));
	for (uint64_t i = 33; i < 256; i++)
		frag_alloc_pages(mem, 0, 10, GFP_HIGHUSER_MOVABLE, NULL);
	CHECK_EQ(spb->fullness, SB_FULL);
	CHECK(on_list(z, spb, SPB_CLEAN, SB_FULL));
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/* Reserved pages: an SPB with any reserved page is never content-clean and
 * counts the pageblock in nr_pb_reserved. */
static const struct frag_hole resv[] = { { S1 + 1000, S1 + 1001, HOLE_RESERVED } };

static void tweak_resv(struct frag_config *cfg)
{
	tweak_normal_only(cfg);
	cfg->geo.holes = resv;
	cfg->geo.nr_holes = 1;
}

static void test_spb_reserved(void)
{
	struct frag_mem *mem = mk_mem(2 * GiB, 1, 2, tweak_resv);
	struct frag_zone *z = zone_of(mem, 0, ZONE_NORMAL);
	CHECK_EQ(z->spb[1].nr_pb_reserved, 1);
	CHECK_EQ(z->spb[1].nr_reserved_pages, 1);
	CHECK_EQ(z->spb[1].category, SPB_CLEAN);   /* 511 pageblocks free, one not */
	struct frag_spb_summary s;
	frag_spb_summary(mem, &s);
	CHECK_EQ(s.free_now, 1);
	CHECK_EQ(s.movable_only, 1);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/* Pageblock content: free/PCP/allocated-by-type/LRU/pinned, and "mixed"
 * pageblocks (an allocation whose type differs from the block's). */
static void test_pageblock_content(void)
{
	struct frag_mem *mem = mk();
	struct frag_zone *z = zone_of(mem, 0, ZONE_NORMAL);
	struct frag_pageblock_summary ps;

	CHECK_EQ(alloc_at(mem, z, S0, 0, GFP_HIGHUSER_MOVABLE, OWNER_LRU | OWNER_PINNED), 0);
	CHECK_EQ(alloc_at(mem, z, S0 + 1, 0, GFP_KERNEL, 0), 0);   /* unmovable page in a MOVABLE block */
	CHECK_EQ(alloc_at(mem, z, S0 + 2, 1, GFP_KERNEL | __GFP_RECLAIMABLE, 0), 0);
	const struct frag_pageblock *pb = pfn_to_pb(z, S0);
	CHECK_EQ(pb->nr_alloc[MIGRATE_MOVABLE], 1);
	CHECK_EQ(pb->nr_alloc[MIGRATE_UNMOVABLE], 1);
	CHECK_EQ(pb->nr_alloc[MIGRATE_RECLAIMABLE], 2);
	CHECK_EQ(pb->nr_lru, 1);
	CHECK_EQ(pb->nr_pinned, 1);
	CHECK_EQ(pb->nr_free, 508);
	CHECK_EQ(pb->mt, MIGRATE_MOVABLE);
	frag_pageblock_summary(mem, &ps);
	CHECK_EQ(ps.mixed[MIGRATE_MOVABLE], 1);
	CHECK_EQ(ps.nr[MIGRATE_MOVABLE], 1024);
	CHECK_EQ(ps.free, 1023);
	/* The SPB category follows pageblock labels, not contents: still clean. */
	CHECK_EQ(pfn_to_spb(z, S0)->category, SPB_CLEAN);
	CHECK_EQ(pfn_to_spb(z, S0)->nr_alloc_pages[MIGRATE_UNMOVABLE], 1);
	struct frag_spb_summary s;
	frag_spb_summary(mem, &s);
	CHECK_EQ(s.movable_only, 1);   /* content-based: S0 holds kernel pages */
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/* ---------------------------------------------------------------------- */
/* Per-SPB free lists (RFC v2 14/40 "add per-superpageblock free lists")  */
/* ---------------------------------------------------------------------- */

/* Every free block of (@o, @mt) visited by free_area_first/next, in order. */
static unsigned walk(const struct frag_zone *z, unsigned o, int mt, uint64_t *out, unsigned max)
{
	unsigned n = 0;
	for (uint32_t i = free_area_first(z, o, mt); i != IDX_NONE; i = free_area_next(z, i, o, mt)) {
		if (n < max)
			out[n] = idx_to_pfn(z, i);
		n++;
	}
	return n;
}

/*
 * Switching a zone to SPB lists moves each free block to its SPB's list of
 * the same (order, type), keeping the order within each SPB; counters stay;
 * switching back restores one zone list per (order, type).
 *
 * Layout: 16 order-0 MOVABLE pages taken at the start of S0 and S1, every
 * other one freed back and the PCPs drained: the order-0 list holds 8 + 8
 * single pages of both SPBs.
 */
static void test_frag_zone_set_spb_lists(void)
{
	struct frag_mem *mem = mk();
	struct frag_zone *z = zone_of(mem, 0, ZONE_NORMAL);
	for (uint64_t base = S0; base <= S1; base += SPB_NR_PAGES) {
		for (unsigned i = 0; i < 16; i++)
			CHECK_EQ(alloc_at(mem, z, base + i, 0, GFP_HIGHUSER_MOVABLE, OWNER_LRU), 0);
		for (unsigned i = 0; i < 16; i += 2)
			CHECK_EQ(frag_free_pages(mem, 0, base + i, 0), 0);
	}
	frag_drain_all_pages(mem, -1);
	uint64_t before[64], after[64];
	unsigned n0 = walk(z, 0, MIGRATE_MOVABLE, before, 64);
	CHECK_EQ(n0, 16);
	uint64_t free0 = (uint64_t)z->nr_free_pages;
	CHECK_EQ(z->spb[0].nr_free[0][MIGRATE_MOVABLE], 8);
	CHECK_EQ(z->spb[1].nr_free[0][MIGRATE_MOVABLE], 8);

	CHECK_EQ(frag_zone_set_spb_lists(z, true), 0);
	CHECK(z->spb_lists);
	CHECK_EQ(z->free_area[0].free_list[MIGRATE_MOVABLE].head, IDX_NONE);
	CHECK_EQ(z->nr_free_pages, (int64_t)free0);
	/* The walk now goes SPB by SPB: S0's eight, then S1's, each in list order. */
	CHECK_EQ(walk(z, 0, MIGRATE_MOVABLE, after, 64), 16);
	unsigned k = 0;
	for (unsigned s = 0; s < 2; s++)
		for (unsigned i = 0; i < 16; i++)
			if ((before[i] >= S1) == (s == 1))
				CHECK_EQ(after[k++], before[i]);
	CHECK_EQ(spb_find_free(z, 0, MIGRATE_MOVABLE, 0), 0);
	CHECK_EQ(spb_find_free(z, 0, MIGRATE_MOVABLE, 1), 1);
	CHECK_EQ(spb_find_free(z, 0, MIGRATE_MOVABLE, 2), IDX_NONE);
	CHECK_EQ(spb_find_free(z, 0, MIGRATE_UNMOVABLE, 0), IDX_NONE);
	CHECK_CONSISTENT(mem);

	CHECK_EQ(frag_zone_set_spb_lists(z, false), 0);
	CHECK(!z->spb_lists);
	uint64_t back[64];
	CHECK_EQ(walk(z, 0, MIGRATE_MOVABLE, back, 64), 16);
	for (unsigned i = 0; i < 16; i++)   /* S0's then S1's, as they were relinked */
		CHECK_EQ(back[i], after[i]);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/* __rmqueue_smallest_spb() takes only from the SPB asked for, splitting its
 * smallest suitable block there; __rmqueue_smallest() with SPB lists takes
 * from the first SPB holding one. */
static void test_rmqueue_smallest_spb(void)
{
	struct frag_mem *mem = mk();
	struct frag_zone *z = zone_of(mem, 0, ZONE_NORMAL);
	CHECK_EQ(frag_zone_set_spb_lists(z, true), 0);
	uint32_t idx = __rmqueue_smallest_spb(z, &z->spb[1], 0, MIGRATE_MOVABLE);
	CHECK(idx != IDX_NONE);
	CHECK(idx_to_pfn(z, idx) >= S1);
	/* The order-10 block was split: orders 0..9 now each hold one block in S1. */
	for (unsigned o = 0; o < MAX_PAGE_ORDER; o++) {
		CHECK_EQ(z->spb[1].nr_free[o][MIGRATE_MOVABLE], 1);
		CHECK_EQ(z->spb[0].nr_free[o][MIGRATE_MOVABLE], 0);
	}
	CHECK_EQ(__rmqueue_smallest_spb(z, &z->spb[0], 11, MIGRATE_MOVABLE), IDX_NONE);
	CHECK_EQ(__rmqueue_smallest_spb(z, &z->spb[0], 0, MIGRATE_UNMOVABLE), IDX_NONE);
	uint32_t idx2 = __rmqueue_smallest(z, 3, MIGRATE_MOVABLE);
	CHECK(idx2 != IDX_NONE && idx_to_pfn(z, idx2) >= S1);   /* S1 now has an order-3 block; S0 only order 10 */
	prep_new_page(mem, z, idx_to_pfn(z, idx), 0, GFP_HIGHUSER_MOVABLE, NULL);
	prep_new_page(mem, z, idx_to_pfn(z, idx2), 3, GFP_HIGHUSER_MOVABLE, NULL);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/* A churn under SPB lists: frees merge and land on their own SPB's lists,
 * every invariant holds (checked every operation on this 2 GiB zone by a
 * sparse period), and turning the lists off again is lossless. */
static void test_spb_lists_churn(void)
{
	struct frag_mem *mem = mk();
	struct frag_zone *z = zone_of(mem, 0, ZONE_NORMAL);
	CHECK_EQ(frag_zone_set_spb_lists(z, true), 0);
	mem->check_every = 97;
	static const gfp_t gfps[] = { GFP_HIGHUSER_MOVABLE, GFP_KERNEL, GFP_KERNEL | __GFP_RECLAIMABLE };
	uint64_t held[4000];
	unsigned ho[4000], n = 0, seed = 12345;
	for (unsigned step = 0; step < 20000; step++) {
		seed = seed * 1103515245u + 12345u;
		unsigned r = seed >> 16;
		if (n && (r % 100 < 45 || n == 4000)) {
			unsigned k = r % n;
			CHECK_EQ(frag_free_pages(mem, r % 2, held[k], ho[k]), 0);
			held[k] = held[--n];
			ho[k] = ho[n];
			continue;
		}
		unsigned order = (r >> 3) % 5 == 4 ? 9 : (r >> 3) % 4;
		uint64_t pfn = frag_alloc_pages(mem, r % 2, order, gfps[(r >> 7) % 3] | __GFP_NOWARN, NULL);
		if (pfn != FRAG_PFN_NONE) {
			held[n] = pfn;
			ho[n++] = order;
		}
	}
	CHECK_CONSISTENT(mem);
	CHECK_EQ(frag_zone_set_spb_lists(z, false), 0);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

static const struct tap_test tests[] = {
	TAP(test_spb_boot_state),
	TAP(test_spb_clean_on_movable),
	TAP(test_spb_get_category_tainted),
	TAP(test_sb_update_list_fullness),
	TAP(test_spb_reserved),
	TAP(test_pageblock_content),
	TAP(test_frag_zone_set_spb_lists),
	TAP(test_rmqueue_smallest_spb),
	TAP(test_spb_lists_churn),
};

int main(void)
{
	return tap_main(tests, TAP_COUNT(tests));
}
