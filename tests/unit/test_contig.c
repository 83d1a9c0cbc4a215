/* SPDX-License-Identifier: MIT */
/*
 * test_contig.c - kernel-model section 9: the 1 GiB path
 * (alloc_contig_pages() -> pfn_range_valid_contig() ->
 * alloc_contig_frozen_range(): start_isolate_page_range(),
 * __alloc_contig_migrate_range(), test_pages_isolated(),
 * undo_isolate_page_range()), hugetlb pool growth (alloc_pool_huge_folio())
 * and the prediction made on a clone (frag_mem_clone(),
 * frag_predict_hugetlb()) or, for the last use of a machine, in place
 * (frag_predict_hugetlb_last()); also the owner prefetch hint of the
 * migration loop (env.prefetch_owner).
 *
 * The machine is 4 GiB from pfn 0, one node: ZONE_DMA [0, 0x1000), ZONE_DMA32
 * [0x1000, 0x100000). The 1 GiB-aligned windows inside a zone are the three
 * of DMA32 (the one at 0 starts in DMA):
 *
 *   pfn  0x00000    0x40000    0x80000    0xc0000    0x100000
 *        | DMA+DMA32 |    W1    |    W2    |    W3    |
 *
 * Pages are carved at exact pfns with alloc_at() (owner id 1, cookie = pfn).
 * The invariant check runs at the end of each test, not after every
 * operation (a 1 GiB migration is 2^18 operations).
 */
#include "helpers.h"

#define W1 0x40000ull
#define W2 0x80000ull
#define W3 0xc0000ull
#define WIN SPB_NR_PAGES

#define GFP_1G (GFP_HIGHUSER | __GFP_COMP | __GFP_RETRY_MAYFAIL | __GFP_NOWARN | __GFP_THISNODE)

static const struct frag_owner giga_owner = { .id = 7, .cookie = 1, .kind = KIND_HUGETLB, .flags = OWNER_COMPOUND };

/* env.migrate_folio: every owner told of a move. */
struct moves {
	unsigned n;
	uint64_t old_pfn[64], new_pfn[64];
	uint32_t cookie[64];
};
static struct moves M;

static bool rec_migrate(void *arg, const struct frag_owner *owner, uint64_t old_pfn, uint64_t new_pfn, unsigned order)
{
	struct moves *m = arg;
	(void)order;
	if (m->n < 64) {
		m->old_pfn[m->n] = old_pfn;
		m->new_pfn[m->n] = new_pfn;
		m->cookie[m->n] = owner->cookie;
	}
	m->n++;
	return true;
}

static struct frag_hole test_holes[2];
static unsigned nr_test_holes;

static void tweak(struct frag_config *cfg)
{
	cfg->check_every = 0;
	cfg->env.arg = &M;
	cfg->env.migrate_folio = rec_migrate;
	cfg->geo.holes = test_holes;
	cfg->geo.nr_holes = nr_test_holes;
}

static struct frag_mem *mk(void)
{
	memset(&M, 0, sizeof M);
	return mk_mem(4 * GiB, 1, 2, tweak);
}

static struct frag_zone *dma32(struct frag_mem *mem)
{
	return zone_of(mem, 0, ZONE_DMA32);
}

/* An order-0 page of @kind with owner flags @of at @pfn. */
static void put(struct frag_mem *mem, uint64_t pfn, unsigned kind, unsigned of)
{
	struct frag_zone *z = dma32(mem);
	struct frag_owner o = { .id = 1, .cookie = (uint32_t)pfn, .kind = (uint8_t)kind, .flags = (uint8_t)of };
	gfp_t gfp = (of & (OWNER_LRU | OWNER_MOVABLE_OPS)) ? GFP_HIGHUSER_MOVABLE : GFP_KERNEL;
	if (kind == KIND_SLAB && of == 0x80)   /* reclaimable slab */
		o.flags = 0, gfp |= __GFP_RECLAIMABLE;
	if (take_free_block(z, pfn, 0)) {
		tap_fail(__FILE__, __LINE__, "take_free_block");
		return;
	}
	prep_new_page(mem, z, pfn, 0, gfp, &o);
}

#define LRU_ANON(mem, pfn) put(mem, pfn, KIND_ANON, OWNER_LRU)
#define SLAB(mem, pfn) put(mem, pfn, KIND_SLAB, 0)

static uint64_t stat(struct frag_mem *mem, enum frag_stat s)
{
	return frag_stats(mem)[s];
}

/*
 * pfn_range_valid_contig() / page_is_unmovable(): one slab page (or a
 * reclaimable slab page, or a page table) anywhere in a window makes the
 * lockless pre-check reject it; no pageblock is isolated. With every
 * window so polluted the attempt fails with reason "unmovable", reporting
 * the first window and its page.
 */
static void pfn_range_valid_contig_slab_page(void)
{
	struct frag_mem *mem = mk();
	struct frag_contig_result r;

	SLAB(mem, W1 + 12345);
	put(mem, W2 + WIN - 1, KIND_SLAB, 0x80);           /* reclaimable slab: still unmovable */
	put(mem, W3 + 0x20000, KIND_PGTABLE, 0);
	uint64_t pfn = frag_alloc_contig_pages_res(mem, 0, SPB_ORDER, GFP_1G, &giga_owner, -1, &r);
	CHECK_EQ(pfn, FRAG_PFN_NONE);
	CHECK_EQ(r.reason, CONTIG_UNMOVABLE);
	CHECK_STREQ(frag_contig_reason_name(r.reason), "unmovable");
	CHECK_EQ(r.err, -EBUSY);
	CHECK_EQ(r.window, W1);
	CHECK_EQ(r.blocker_pfn, W1 + 12345);
	CHECK_EQ(r.blocker_kind, KIND_SLAB);
	CHECK_EQ(r.windows_checked, 3);
	CHECK_EQ(r.windows_tried, 0);
	CHECK_EQ(r.nr_windows_failed[CONTIG_UNMOVABLE], 3);
	CHECK_EQ(r.isolated_pageblocks, 0);
	CHECK_EQ(r.migrated_pages, 0);
	CHECK_EQ(stat(mem, FRAG_STAT_contig_alloc_attempt), 1);
	CHECK_EQ(stat(mem, FRAG_STAT_contig_alloc_fail), 1);
	CHECK_EQ(stat(mem, FRAG_STAT_contig_windows_tried), 0);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * pfn_range_valid_contig() answers a pageblock from its counters when every
 * page is free, on a PCP list or LRU/movable_ops (nr_free + nr_pcp + nr_lru
 * == pageblock_nr_pages): the per-page verdict would pass each one. A block
 * of 511 LRU pages and one slab page must still go page by page and fail:
 *
 *   W1: pb0 = 512 x LRU anon (skipped by counters)  pb1 = 511 x LRU + 1 slab
 *   W2, W3: one slab page each
 *
 * A hugetlb folio never counts in nr_lru (frag_mem_consistent() says so),
 * else the counter path would wave it through in pass 1.
 */
static void pfn_range_valid_contig_lru_pageblock(void)
{
	struct frag_mem *mem = mk();
	struct frag_contig_result r;
	char why[256];

	for (uint64_t p = W1; p < W1 + 2 * PAGEBLOCK_NR_PAGES - 1; p++)
		LRU_ANON(mem, p);
	SLAB(mem, W1 + 2 * PAGEBLOCK_NR_PAGES - 1);
	SLAB(mem, W2 + 7);
	SLAB(mem, W3 + 7);
	uint64_t pfn = frag_alloc_contig_pages_res(mem, 0, SPB_ORDER, GFP_1G, &giga_owner, -1, &r);
	CHECK_EQ(pfn, FRAG_PFN_NONE);
	CHECK_EQ(r.reason, CONTIG_UNMOVABLE);
	CHECK_EQ(r.window, W1);
	CHECK_EQ(r.blocker_pfn, W1 + 2 * PAGEBLOCK_NR_PAGES - 1);
	CHECK_EQ(r.windows_tried, 0);
	CHECK_CONSISTENT(mem);

	/* Without the slab page W1 passes the pre-check and its 1023 LRU pages move out. */
	frag_free_pages(mem, 0, W1 + 2 * PAGEBLOCK_NR_PAGES - 1, 0);
	pfn = frag_alloc_contig_pages_res(mem, 0, SPB_ORDER, GFP_1G, &giga_owner, -1, &r);
	CHECK_EQ(pfn, W1);
	CHECK_EQ(r.windows_tried, 1);
	CHECK_EQ(r.migrated_pages, 2 * PAGEBLOCK_NR_PAGES - 1);
	CHECK_CONSISTENT(mem);

	frag_mem_destroy(mem);

	/* The invariant the counter path relies on. */
	mem = mk();
	struct frag_zone *z = dma32(mem);
	struct frag_owner o = { .id = 9, .kind = KIND_HUGETLB, .flags = OWNER_COMPOUND | OWNER_LRU };
	CHECK_EQ(take_free_block(z, W2 + PAGEBLOCK_NR_PAGES, PAGEBLOCK_ORDER), 0);
	prep_new_page(mem, z, W2 + PAGEBLOCK_NR_PAGES, PAGEBLOCK_ORDER, GFP_HIGHUSER_MOVABLE, &o);
	CHECK(!frag_mem_consistent(mem, why, sizeof why));
	CHECK(strstr(why, "hugetlb block") != NULL);
	frag_mem_destroy(mem);
}

/*
 * pfn_range_valid_contig(): a hole without memmap (pfn_to_online_page()
 * fails) rejects the window as "hole"; a firmware-reserved range
 * (PageReserved) as "reserved". W1 has a reserved page, W2 and W3 one
 * absent page each; the attempt reports the latest stage reached, which
 * for reserved is after hole.
 */
static void pfn_range_valid_contig_hole_reserved(void)
{
	struct frag_contig_result r;

	test_holes[0] = (struct frag_hole){ W1 + 0x1000, W1 + 0x1001, HOLE_RESERVED };
	test_holes[1] = (struct frag_hole){ W2 + WIN - 0x200, W3 + 0x200, HOLE_ABSENT };
	nr_test_holes = 2;
	struct frag_mem *mem = mk();
	nr_test_holes = 0;
	CHECK(mem != NULL);
	if (!mem)
		return;
	uint64_t pfn = frag_alloc_contig_pages_res(mem, 0, SPB_ORDER, GFP_1G, &giga_owner, -1, &r);
	CHECK_EQ(pfn, FRAG_PFN_NONE);
	CHECK_EQ(r.nr_windows_failed[CONTIG_RESERVED], 1);
	CHECK_EQ(r.nr_windows_failed[CONTIG_HOLE], 2);
	CHECK_EQ(r.reason, CONTIG_RESERVED);
	CHECK_STREQ(frag_contig_reason_name(r.reason), "reserved");
	CHECK_EQ(r.window, W1);
	CHECK_EQ(r.blocker_pfn, W1 + 0x1000);
	CHECK_EQ(r.windows_tried, 0);
	CHECK_EQ(r.isolated_pageblocks, 0);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * alloc_contig_frozen_range(): a window holding only movable pages (LRU
 * anon, a non-LRU movable_ops page) is isolated (512 pageblocks,
 * start_isolate_page_range()), its pages migrated to targets outside the
 * window (alloc_migration_target()), each owner told the new pfn, and the
 * whole window becomes one allocated block; nothing is left isolated.
 */
static void alloc_contig_frozen_range_migrates(void)
{
	struct frag_mem *mem = mk();
	struct frag_zone *z = dma32(mem);
	struct frag_contig_result r;
	const uint64_t src[5] = { W1, W1 + 1, W1 + 0x1234, W1 + 0x20000, W1 + WIN - 1 };

	for (unsigned i = 0; i < 4; i++)
		LRU_ANON(mem, src[i]);
	put(mem, src[4], KIND_ZSMALLOC, OWNER_MOVABLE_OPS);
	uint64_t mig0 = stat(mem, FRAG_STAT_pgmigrate_success);
	uint64_t pfn = frag_alloc_contig_pages_res(mem, 1, SPB_ORDER, GFP_1G, &giga_owner, -1, &r);
	CHECK_EQ(pfn, W1);
	CHECK_EQ(r.reason, CONTIG_OK);
	CHECK_EQ(r.windows_checked, 1);
	CHECK_EQ(r.windows_tried, 1);
	CHECK_EQ(r.migrated_pages, 5);
	CHECK_EQ(r.isolated_pageblocks, SPB_NR_PAGEBLOCKS);
	CHECK_EQ(stat(mem, FRAG_STAT_pgmigrate_success) - mig0, 5);
	CHECK_EQ(stat(mem, FRAG_STAT_contig_migrated_pages), 5);
	CHECK_EQ(stat(mem, FRAG_STAT_contig_alloc_success), 1);
	CHECK_EQ(M.n, 5);
	/* migrate_pages() takes the list from the most recently isolated. */
	for (unsigned i = 0; i < 5 && i < M.n; i++) {
		CHECK_EQ(M.old_pfn[i], src[4 - i]);
		CHECK_EQ(M.cookie[i], (uint32_t)src[4 - i]);
		CHECK(M.new_pfn[i] < W1 || M.new_pfn[i] >= W1 + WIN);
		CHECK_EQ(page_at(z, M.new_pfn[i])->state, PG_ALLOC);
	}
	CHECK_EQ(page_at(z, W1)->state, PG_ALLOC);
	CHECK_EQ(page_at(z, W1)->order, SPB_ORDER);
	CHECK_EQ(page_kind(page_at(z, W1)), KIND_HUGETLB);
	CHECK_EQ(z->nr_isolate_pageblock, 0);
	CHECK_CONSISTENT(mem);
	CHECK_EQ(frag_free_pages(mem, 0, W1, SPB_ORDER), 0);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/* env.prefetch_owner and env.migrate_folio in one log: 'P' or 'M' << 32 | cookie. */
static uint64_t hint_log[32];
static unsigned hint_n;

static void rec_prefetch(void *arg, const struct frag_owner *owner)
{
	(void)arg;
	if (hint_n < 32)
		hint_log[hint_n] = (uint64_t)'P' << 32 | owner->cookie;
	hint_n++;
}

static bool rec_migrate_log(void *arg, const struct frag_owner *owner, uint64_t old_pfn, uint64_t new_pfn,
			    unsigned order)
{
	if (hint_n < 32)
		hint_log[hint_n] = (uint64_t)'M' << 32 | owner->cookie;
	hint_n++;
	return rec_migrate(arg, owner, old_pfn, new_pfn, order);
}

/*
 * The owner prefetch hint (env.prefetch_owner, not a kernel rule): the
 * migration loop names the owner of the source MIGRATE_PREFETCH_AHEAD (4)
 * entries ahead, with its id and cookie, before that source moves. Eight
 * sources in one batch, migrated from the last isolated: P3 M7 P2 M6 P1 M5
 * P0 M4 M3 M2 M1 M0.
 */
static void migration_prefetches_owner_ahead(void)
{
	struct frag_mem *mem = mk();
	struct frag_contig_result r;
	uint64_t src[8];

	for (unsigned i = 0; i < 8; i++) {
		src[i] = W1 + 0x100 * i + 3;
		LRU_ANON(mem, src[i]);
	}
	mem->env.prefetch_owner = rec_prefetch;
	mem->env.migrate_folio = rec_migrate_log;
	hint_n = 0;
	CHECK_EQ(frag_alloc_contig_pages_res(mem, 0, SPB_ORDER, GFP_1G, &giga_owner, -1, &r), W1);
	CHECK_EQ(r.migrated_pages, 8);
	const uint64_t P = (uint64_t)'P' << 32, Mv = (uint64_t)'M' << 32;
	const uint64_t want[12] = { P | src[3], Mv | src[7], P | src[2], Mv | src[6], P | src[1], Mv | src[5],
				    P | src[0], Mv | src[4], Mv | src[3], Mv | src[2], Mv | src[1], Mv | src[0] };
	CHECK_EQ(hint_n, 12);
	for (unsigned i = 0; i < 12 && i < hint_n; i++)
		CHECK_EQ(hint_log[i], want[i]);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * Pinned pages are never moved (kernel-model 9.5): a long-term pinned LRU
 * anon page passes page_is_unmovable() but isolate_migratepages_block()
 * skips it, so test_pages_isolated() finds it: -EBUSY, reason "pinned".
 * undo_isolate_page_range() gives every pageblock back its migratetype
 * (the UNMOVABLE one set below included), nothing stays isolated, the
 * pinned page stays where it was. W2 and W3 hold slab pages.
 */
static void pinned_page_never_migrates(void)
{
	struct frag_mem *mem = mk();
	struct frag_zone *z = dma32(mem);
	struct frag_contig_result r;
	const uint64_t pin = W1 + 0x300;

	SLAB(mem, W2 + 5);
	SLAB(mem, W3 + 5);
	LRU_ANON(mem, W1 + 0x100);
	put(mem, pin, KIND_ANON, OWNER_LRU | OWNER_PINNED);
	/* The pinned page's pageblock becomes UNMOVABLE (it is not free, so no
	 * merge on undo relabels it, as __free_one_page() would). */
	set_pageblock_migratetype(z, W1, MIGRATE_UNMOVABLE);
	move_freepages_block(z, W1, MIGRATE_MOVABLE, MIGRATE_UNMOVABLE);
	uint8_t mt[SPB_NR_PAGEBLOCKS];
	for (unsigned i = 0; i < SPB_NR_PAGEBLOCKS; i++)
		mt[i] = (uint8_t)pb_mt(z, W1 + (uint64_t)i * PAGEBLOCK_NR_PAGES);
	uint64_t free0 = (uint64_t)z->nr_free_pages + z->nr_pcp_pages;

	uint64_t pfn = frag_alloc_contig_pages_res(mem, 0, SPB_ORDER, GFP_1G, &giga_owner, -1, &r);
	CHECK_EQ(pfn, FRAG_PFN_NONE);
	CHECK_EQ(r.reason, CONTIG_PINNED);
	CHECK_STREQ(frag_contig_reason_name(r.reason), "pinned");
	CHECK_EQ(r.err, -EBUSY);
	CHECK_EQ(r.window, W1);
	CHECK_EQ(r.blocker_pfn, pin);
	CHECK_EQ(r.windows_tried, 1);
	CHECK_EQ(r.migrated_pages, 1);   /* the unpinned page went anyway, as in the kernel */
	CHECK_EQ(M.n, 1);
	CHECK_EQ(M.old_pfn[0], W1 + 0x100);
	const struct frag_page *p = page_at(z, pin);
	CHECK_EQ(p->state, PG_ALLOC);
	CHECK(page_owner_flags(p) & OWNER_PINNED);
	CHECK_EQ(z->nr_isolate_pageblock, 0);
	unsigned restored = 0;
	for (unsigned i = 0; i < SPB_NR_PAGEBLOCKS; i++) {
		const struct frag_pageblock *pb = pfn_to_pb(z, W1 + (uint64_t)i * PAGEBLOCK_NR_PAGES);
		restored += !(pb->flags & PB_MIGRATE_ISOLATE) && pb_mt(z, W1 + (uint64_t)i * PAGEBLOCK_NR_PAGES) == mt[i];
	}
	CHECK_EQ(restored, SPB_NR_PAGEBLOCKS);
	CHECK_EQ(pb_mt(z, W1), MIGRATE_UNMOVABLE);
	/* Free pages (buddy and PCP) as before: one page moved out, one target taken. */
	CHECK_EQ((uint64_t)z->nr_free_pages + z->nr_pcp_pages, free0);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * alloc_contig_pages(): windows are tried in ascending pfn order: with a
 * slab page in W1 the first block is W2, the next W3, then none (W2 and
 * W3 now hold gigantic folios, W1 still its slab page).
 */
static void alloc_contig_pages_ascending_windows(void)
{
	struct frag_mem *mem = mk();
	struct frag_contig_result r;

	SLAB(mem, W1 + 77);
	CHECK_EQ(frag_alloc_contig_pages_res(mem, 0, SPB_ORDER, GFP_1G, &giga_owner, -1, &r), W2);
	CHECK_EQ(r.windows_checked, 2);
	CHECK_EQ(r.nr_windows_failed[CONTIG_UNMOVABLE], 1);
	/* The event detail of a success says why the windows before it failed. */
	char detail[512];
	frag_contig_result_fields(detail, sizeof detail, &r);
	CHECK(strstr(detail, "\"failed_windows\": {\"unmovable\": 1}") != NULL);
	CHECK(strstr(detail, "\"err\"") == NULL);
	CHECK_EQ(frag_alloc_contig_pages_res(mem, 0, SPB_ORDER, GFP_1G, &giga_owner, -1, &r), W3);
	CHECK_EQ(r.passes, 1);
	CHECK_EQ(frag_alloc_contig_pages_res(mem, 0, SPB_ORDER, GFP_1G, &giga_owner, -1, &r), FRAG_PFN_NONE);
	/* Pass 1 skipped W2 (a hugetlb folio), so pass 2 ran: 3 + 3 windows. */
	CHECK_EQ(r.passes, 2);
	CHECK_EQ(r.windows_checked, 6);
	CHECK_EQ(r.reason, CONTIG_UNMOVABLE);
	CHECK_EQ(r.blocker_pfn, W1 + 77);
	CHECK_EQ(stat(mem, FRAG_STAT_contig_alloc_success), 2);
	CHECK_EQ(stat(mem, FRAG_STAT_contig_alloc_fail), 1);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * frag_mem_clone(): the copy is the same state (equal hash) and
 * independent: allocating, migrating and predicting on copies leaves the
 * original's hash unchanged and tells none of its owners anything.
 */
static void frag_mem_clone_leaves_original(void)
{
	struct frag_mem *mem = mk(), *copy;
	struct frag_predict_result pr;

	SLAB(mem, W1 + 9);
	for (uint64_t i = 0; i < 8; i++)
		LRU_ANON(mem, W2 + i * 0x1000);
	uint64_t h0 = frag_mem_hash(mem);
	CHECK_EQ(frag_mem_clone(mem, NULL, &copy), 0);
	CHECK_EQ(frag_mem_hash(copy), h0);
	CHECK_EQ(frag_alloc_contig_pages(copy, 0, SPB_ORDER, GFP_1G, &giga_owner, -1), W2);
	CHECK(frag_mem_hash(copy) != h0);
	CHECK_CONSISTENT(copy);
	frag_mem_destroy(copy);
	CHECK_EQ(frag_predict_hugetlb(mem, NULL, &pr), 0);
	CHECK_EQ(frag_mem_hash(mem), h0);
	CHECK_EQ(M.n, 0);
	CHECK_EQ(stat(mem, FRAG_STAT_contig_alloc_attempt), 0);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * frag_predict_hugetlb() on a known layout: a slab page in W1, 16 LRU
 * pages spread over W2 and 16 over W3 (one per pageblock). 1 GiB: W2 and
 * W3 (after migration), then the third fails on W1's slab page. 2 MiB:
 * the same count as order-9 allocations made directly on a copy until
 * the first failure (alloc_buddy_hugetlb_folio() on one node): 2011.
 * That is 2017 on the empty machine (free pages down to the min
 * watermark) less 6: growth stops with 14815 pages free, above min
 * (11220), but in the 29 pageblocks still holding an LRU page, and
 * compaction_suitable() refuses below low + compact_gap(9) = 14025 + 1024.
 */
static void frag_predict_hugetlb_counts(void)
{
	static const struct frag_owner pool = { .kind = KIND_HUGETLB, .flags = OWNER_COMPOUND };
	struct frag_mem *mem = mk(), *copy;
	struct frag_predict_result pr;

	SLAB(mem, W1 + 1000);
	for (uint64_t i = 0; i < 16; i++) {
		LRU_ANON(mem, W2 + i * 0x3000 + 7);
		LRU_ANON(mem, W3 + i * 0x2000 + 3);
	}
	CHECK_EQ(frag_predict_hugetlb(mem, NULL, &pr), 0);
	CHECK_EQ(pr.hugetlb_1g_pages, 2);
	CHECK_EQ(pr.last_1g.reason, CONTIG_UNMOVABLE);
	CHECK_EQ(pr.last_1g.blocker_pfn, W1 + 1000);

	CHECK_EQ(frag_mem_clone(mem, NULL, &copy), 0);
	uint64_t n = 0;
	while (frag_alloc_pages_node(copy, 0, 0, HPAGE_PMD_ORDER, FRAG_HTLB_GFP_2M | __GFP_RETRY_MAYFAIL, &pool) !=
	       FRAG_PFN_NONE)
		n++;
	struct frag_zone *z = dma32(copy);
	CHECK_EQ(z->nr_free_pages, 14815);
	CHECK_EQ(min_wmark_pages(z), 11220);
	CHECK_EQ(low_wmark_pages(z), 14025);
	frag_mem_destroy(copy);
	CHECK_EQ(n, 2011);
	CHECK_EQ(pr.hugetlb_2m_pages, n);
	frag_mem_destroy(mem);
}

/*
 * frag_predict_hugetlb_last(): the same answer as frag_predict_hugetlb()
 * (both pools, from the same state), but the 1 GiB pool is grown on the
 * machine itself: afterwards it holds the two 1 GiB pages, the owners of
 * the pages migrated for them were told nothing (no env callbacks during
 * the prediction, as on a clone), and the machine's env is restored.
 */
static void frag_predict_hugetlb_last_in_place(void)
{
	struct frag_mem *mem = mk();
	struct frag_predict_result ref, pr;
	struct frag_predict_opts both = { .skip_2m = false };

	SLAB(mem, W1 + 1000);
	for (uint64_t i = 0; i < 16; i++) {
		LRU_ANON(mem, W2 + i * 0x3000 + 7);
		LRU_ANON(mem, W3 + i * 0x2000 + 3);
	}
	uint64_t h0 = frag_mem_hash(mem);
	CHECK_EQ(frag_predict_hugetlb(mem, &both, &ref), 0);
	CHECK_EQ(frag_mem_hash(mem), h0);
	CHECK_EQ(stat(mem, FRAG_STAT_contig_alloc_success), 0);

	CHECK_EQ(frag_predict_hugetlb_last(mem, &both, &pr), 0);
	CHECK_EQ(pr.hugetlb_1g_pages, 2);
	CHECK_EQ(pr.hugetlb_1g_pages, ref.hugetlb_1g_pages);
	CHECK_EQ(pr.hugetlb_2m_pages, ref.hugetlb_2m_pages);
	CHECK_EQ(pr.last_1g.reason, ref.last_1g.reason);
	CHECK_EQ(pr.last_1g.blocker_pfn, ref.last_1g.blocker_pfn);
	CHECK_EQ(pr.last_1g.windows_checked, ref.last_1g.windows_checked);
	CHECK_EQ(pr.reclaimed_1g, ref.reclaimed_1g);
	CHECK_EQ(pr.restored_lru, ref.restored_lru);
	/* In place: the pool's pages and the migrations are the machine's now. */
	CHECK(frag_mem_hash(mem) != h0);
	CHECK_EQ(stat(mem, FRAG_STAT_contig_alloc_success), 2);
	CHECK(stat(mem, FRAG_STAT_pgmigrate_success) >= 32);   /* at least the 32 LRU pages of W2 and W3 */
	CHECK_EQ(page_at(dma32(mem), W2)->state, PG_ALLOC);
	CHECK_EQ(page_at(dma32(mem), W3)->state, PG_ALLOC);
	CHECK_EQ(M.n, 0);
	CHECK(mem->env.migrate_folio == rec_migrate && mem->env.arg == &M);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/* A fake alloc_pool_huge_folio() target: succeeds @ok times per node, records the tries. */
struct fake_pool {
	unsigned left[2];
	unsigned n;
	unsigned nid[16];
	gfp_t gfp[16];
	unsigned order[16];
};

static uint64_t fake_alloc(void *arg, unsigned nid, unsigned order, gfp_t gfp)
{
	struct fake_pool *f = arg;
	if (f->n < 16) {
		f->nid[f->n] = nid;
		f->gfp[f->n] = gfp;
		f->order[f->n] = order;
	}
	f->n++;
	if (!f->left[nid])
		return FRAG_PFN_NONE;
	f->left[nid]--;
	return 0x1000 * f->n;
}

/*
 * set_max_huge_pages() -> alloc_pool_huge_folio(): nodes round-robin from
 * next_nid_to_alloc with __GFP_THISNODE | __GFP_RETRY_MAYFAIL; a node that
 * fails a try-hard allocation joins node_alloc_noretry (its next tries
 * lack __GFP_RETRY_MAYFAIL); the pool stops growing at the first page no
 * node can give. Node 0 gives 1 page, node 1 gives 2:
 *   try: 1:n0 ok  2:n1 ok  3:n0 fail(hard) 4:n1 ok  5:n0 fail(noretry)
 *        6:n1 fail(hard) -> stop at 3 pages.
 */
static void alloc_pool_huge_folio_stops_at_first_failure(void)
{
	struct frag_hugetlb_pool pool = { 0 };
	struct fake_pool f = { .left = { 1, 2 } };
	unsigned pages = 0, nid;

	while (frag_alloc_pool_huge_folio(&pool, 2, false, -1, fake_alloc, &f, &nid) != FRAG_PFN_NONE)
		pages++;
	CHECK_EQ(pages, 3);
	CHECK_EQ(f.n, 6);
	const unsigned want_nid[6] = { 0, 1, 0, 1, 0, 1 };
	const bool want_hard[6] = { true, true, true, true, false, true };
	for (unsigned i = 0; i < 6; i++) {
		CHECK_EQ(f.nid[i], want_nid[i]);
		CHECK_EQ(f.order[i], HPAGE_PMD_ORDER);
		CHECK_EQ(f.gfp[i], FRAG_HTLB_GFP_2M | (want_hard[i] ? __GFP_RETRY_MAYFAIL : 0));
	}
	CHECK(pool.noretry[0]);
	CHECK(pool.noretry[1]);

	/* Gigantic: always __GFP_RETRY_MAYFAIL, order 18; a per-node request stays on its node. */
	struct fake_pool g = { .left = { 0, 1 } };
	struct frag_hugetlb_pool gp = { 0 };
	CHECK(frag_alloc_pool_huge_folio(&gp, 2, true, 1, fake_alloc, &g, &nid) != FRAG_PFN_NONE);
	CHECK_EQ(nid, 1);
	CHECK_EQ(frag_alloc_pool_huge_folio(&gp, 2, true, 1, fake_alloc, &g, &nid), FRAG_PFN_NONE);
	CHECK_EQ(g.n, 2);
	CHECK_EQ(g.nid[1], 1);
	CHECK_EQ(g.order[1], SPB_ORDER);
	CHECK_EQ(g.gfp[1], FRAG_HTLB_GFP_1G | __GFP_RETRY_MAYFAIL);
}

static const struct tap_test tests[] = {
	TAP(pfn_range_valid_contig_slab_page),
	TAP(pfn_range_valid_contig_lru_pageblock),
	TAP(pfn_range_valid_contig_hole_reserved),
	TAP(alloc_contig_frozen_range_migrates),
	TAP(migration_prefetches_owner_ahead),
	TAP(pinned_page_never_migrates),
	TAP(alloc_contig_pages_ascending_windows),
	TAP(frag_mem_clone_leaves_original),
	TAP(frag_predict_hugetlb_counts),
	TAP(frag_predict_hugetlb_last_in_place),
	TAP(alloc_pool_huge_folio_stops_at_first_failure),
};

int main(void)
{
	return tap_main(tests, TAP_COUNT(tests));
}
