/* SPDX-License-Identifier: MIT */
/*
 * test_policy_cma.c - the `cma` policy: a fixed CMA area (hugetlb_cma=)
 * that only movable allocations may use and 1 GiB pages are carved from.
 *
 * Rules (mm/cma.c, mm/hugetlb_cma.c, mm/page_alloc.c):
 *  - init_cma_reserved_pageblock(): every pageblock of the area is
 *    MIGRATE_CMA and its free pages sit on the CMA free lists;
 *  - gfp_to_alloc_flags_cma(): only MOVABLE requests get ALLOC_CMA;
 *    __rmqueue() serves them from CMA first when NR_FREE_CMA_PAGES >
 *    NR_FREE_PAGES / 2, otherwise from MOVABLE first;
 *  - long-term pins stay out of CMA (check_and_migrate_movable_pages());
 *  - cma_alloc() -> alloc_contig_range(): a slot is emptied by migrating its
 *    movable pages elsewhere; a pinned page makes the slot fail;
 *    hugetlb_cma_only forbids the alloc_contig_pages() fallback;
 *  - cma_release(): the page returns to the CMA lists.
 *
 * Machine: `flat` 8 GiB from pfn 0. ZONE_NORMAL = 4-8 GiB (pfns 0x100000 ..
 * 0x200000), four 1 GiB windows:
 *
 *     0x100000   0x140000   0x180000   0x1c0000   0x200000
 *     | movable  | movable  | movable  |   CMA    |        size=1, top
 *     | movable  |   CMA    |   CMA    |   CMA    |        size=3, top
 */
#include "helpers.h"
#include "frag/policy.h"

#define G1 (1ull << SPB_ORDER)

struct cma_opts {                /* policies/cma.c's opts, in table order */
	unsigned size;
	int placement;
	bool cma_only;
	bool pin_avoid_cma;
	unsigned max_slot_tries;
};

static struct cma_opts opts;

static void use_cma(struct frag_config *cfg)
{
	cfg->policy = frag_policy_find("cma");
	cfg->policy_opts = &opts;
}

static struct frag_mem *mk(unsigned size, bool cma_only, uint64_t bytes)
{
	opts = (struct cma_opts){ .size = size, .placement = 0, .cma_only = cma_only, .pin_avoid_cma = true,
				  .max_slot_tries = 4 };
	return mk_mem(bytes, 1, 2, use_cma);
}

static const struct frag_owner user = { .id = 9, .cookie = 77, .kind = KIND_HUGETLB, .flags = OWNER_COMPOUND };
#define GIGA_GFP (GFP_HIGHUSER | __GFP_COMP | __GFP_RETRY_MAYFAIL)

static bool in_area(uint64_t pfn, unsigned size)
{
	return pfn >= 0x200000 - size * G1 && pfn < 0x200000;
}

static void test_cma_params(void)
{
	const struct frag_policy_ops *ops = frag_policy_find("cma");
	CHECK(ops != NULL);
	CHECK_EQ(ops->opts_size, sizeof(struct cma_opts));
	static const char *const names[] = { "size", "placement", "cma_only", "pin_avoid_cma", "max_slot_tries" };
	static const size_t offs[] = { offsetof(struct cma_opts, size), offsetof(struct cma_opts, placement),
				       offsetof(struct cma_opts, cma_only), offsetof(struct cma_opts, pin_avoid_cma),
				       offsetof(struct cma_opts, max_slot_tries) };
	for (unsigned i = 0; i < 5; i++) {
		CHECK_STREQ(ops->params[i].name, names[i]);
		CHECK_EQ(ops->params[i].offset, offs[i]);
	}
	CHECK(ops->params[5].name == NULL);
}

/* init_cma_reserved_pageblock(): the top GiB is CMA, all of it free on the
 * CMA lists (NR_FREE_CMA_PAGES), the rest of the zone stays MOVABLE. */
static void test_init_cma_reserved_pageblock(void)
{
	struct frag_mem *mem = mk(1, false, 8 * GiB);
	struct frag_zone *z = zone_of(mem, 0, ZONE_NORMAL);
	CHECK(mem && z);
	CHECK_EQ(z->nr_free_cma, (int64_t)G1);
	CHECK_EQ(pb_mt(z, 0x1c0000), MIGRATE_CMA);
	CHECK_EQ(pb_mt(z, 0x1fffff), MIGRATE_CMA);
	CHECK_EQ(pb_mt(z, 0x1bffff), MIGRATE_MOVABLE);
	CHECK_EQ(z->free_area[MAX_PAGE_ORDER].nr_free_mt[MIGRATE_CMA], G1 >> MAX_PAGE_ORDER);
	CHECK_EQ(list_head_pfn(z, MAX_PAGE_ORDER, MIGRATE_CMA), 0x1c0000);
	/* A CMA SPB is not tainted: it is still an "empty" 1 GiB window. */
	CHECK_EQ(pfn_to_spb(z, 0x1c0000)->category, SPB_EMPTY);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);

	/* Too big for the zone: the largest run that fits, here all of Normal. */
	mem = mk(5, false, 8 * GiB);
	z = zone_of(mem, 0, ZONE_NORMAL);
	CHECK_EQ(z->nr_free_cma, (int64_t)(4 * G1));
	CHECK_EQ(pb_mt(z, 0x100000), MIGRATE_CMA);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/* cma_declare_contiguous() top-down skips windows that are not entirely
 * free RAM: a reserved range in the top GiB puts a 1 GiB area one window
 * lower (0x180000), a 2 GiB area at 0x140000. */
static const struct frag_hole top_reserved = { .start_pfn = 0x1f0000, .end_pfn = 0x1f0010, .kind = HOLE_RESERVED };

static void add_top_reserved(struct frag_config *cfg)
{
	use_cma(cfg);
	cfg->geo.holes = &top_reserved;
	cfg->geo.nr_holes = 1;
}

static void test_cma_declare_contiguous_skips_reserved(void)
{
	for (unsigned size = 1; size <= 2; size++) {
		opts = (struct cma_opts){ .size = size, .pin_avoid_cma = true, .max_slot_tries = 4 };
		struct frag_mem *mem = mk_mem(8 * GiB, 1, 2, add_top_reserved);
		struct frag_zone *z = zone_of(mem, 0, ZONE_NORMAL);
		CHECK(mem && z);
		uint64_t start = 0x1c0000 - size * G1;
		CHECK_EQ(pb_mt(z, start), MIGRATE_CMA);
		CHECK_EQ(pb_mt(z, start - 1), MIGRATE_MOVABLE);
		CHECK_EQ(pb_mt(z, 0x1bffff), MIGRATE_CMA);
		CHECK_EQ(pb_mt(z, 0x1c0000), MIGRATE_MOVABLE);
		CHECK_EQ(z->nr_free_cma, (int64_t)(size * G1));
		CHECK_CONSISTENT(mem);
		frag_mem_destroy(mem);
	}
}

/* __rmqueue()'s balance rule: with 3 of the zone's 4 GiB in CMA, CMA free
 * pages are more than half the free pages, so a movable request is served
 * from CMA first; with 1 GiB of CMA it is served from MOVABLE. */
static void test___rmqueue_cma_balance(void)
{
	for (unsigned size = 1; size <= 3; size += 2) {
		struct frag_mem *mem = mk(size, false, 8 * GiB);
		uint64_t pfn = frag_alloc_pages(mem, 0, 0, GFP_HIGHUSER_MOVABLE, NULL);
		CHECK(pfn != FRAG_PFN_NONE);
		CHECK_EQ(in_area(pfn, size), size == 3);
		frag_mem_destroy(mem);
	}
}

/* Only movable requests may use CMA; a long-term pin (GFP_USER|__GFP_MOVABLE,
 * no __GFP_HIGHMEM) is kept out even when the balance rule prefers CMA. */
static void test_gfp_to_alloc_flags_cma(void)
{
	struct frag_mem *mem = mk(3, false, 8 * GiB);
	uint64_t pk = frag_alloc_pages(mem, 0, 0, GFP_KERNEL, NULL);
	uint64_t pr = frag_alloc_pages(mem, 0, 0, GFP_KERNEL | __GFP_RECLAIMABLE, NULL);
	uint64_t pp = frag_alloc_pages(mem, 0, 0, GFP_USER | __GFP_MOVABLE, NULL);
	uint64_t pm = frag_alloc_pages(mem, 1, 0, GFP_HIGHUSER_MOVABLE, NULL);
	CHECK(!in_area(pk, 3));
	CHECK(!in_area(pr, 3));
	CHECK(!in_area(pp, 3));
	CHECK(in_area(pm, 3));
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/* Unmovable memory never spills into CMA: on a 2 GiB machine (area = the
 * top GiB of DMA32) order-10 GFP_NOWAIT kernel allocations run out while
 * the whole area is still free. */
static void test_unmovable_never_in_cma(void)
{
	opts = (struct cma_opts){ .size = 1, .pin_avoid_cma = true, .max_slot_tries = 4 };
	struct frag_mem *mem = mk_mem(2 * GiB, 1, 2, use_cma);
	CHECK(mem != NULL);
	mem->check_every = 64;
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);
	unsigned n = 0;
	for (;;) {
		uint64_t pfn = frag_alloc_pages(mem, 0, MAX_PAGE_ORDER, GFP_NOWAIT, NULL);
		if (pfn == FRAG_PFN_NONE)
			break;
		CHECK(pfn < 0x40000);
		n++;
	}
	CHECK(n > 200);   /* ~1 GiB of non-CMA memory minus watermarks */
	CHECK_EQ(z->nr_free_cma, (int64_t)G1);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/* cma_alloc() with the slot free: no migration, the 1 GiB block is the
 * area's first slot; cma_release() puts every page back on the CMA lists. */
static void test_cma_alloc_free_slot(void)
{
	struct frag_mem *mem = mk(1, false, 8 * GiB);
	struct frag_zone *z = zone_of(mem, 0, ZONE_NORMAL);
	uint64_t pfn = frag_alloc_contig_pages(mem, 0, SPB_ORDER, GIGA_GFP, &user, -1);
	CHECK_EQ(pfn, 0x1c0000);
	CHECK_EQ(z->nr_free_cma, 0);
	CHECK_EQ(frag_stat_get(mem, FRAG_STAT_cma_alloc_success), 1);
	CHECK_EQ(frag_stat_get(mem, FRAG_STAT_cma_evacuate), 0);
	CHECK_EQ(frag_free_pages(mem, 0, pfn, SPB_ORDER), 0);
	CHECK_EQ(z->nr_free_cma, (int64_t)G1);
	CHECK_EQ(pb_mt(z, 0x1c0000), MIGRATE_CMA);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/* alloc_contig_range() on an occupied slot: the movable pages placed in it
 * migrate out (to non-CMA memory), then the slot is taken. */
static void test_cma_alloc_migrates_out(void)
{
	struct frag_mem *mem = mk(1, false, 8 * GiB);
	struct frag_zone *z = zone_of(mem, 0, ZONE_NORMAL);
	for (unsigned i = 0; i < 64; i++)
		CHECK_EQ(alloc_at(mem, z, 0x1c0000 + i * 4096ull, 0, GFP_HIGHUSER_MOVABLE, OWNER_LRU), 0);
	uint64_t moved0 = frag_stat_get(mem, FRAG_STAT_pgmigrate_success);
	uint64_t pfn = frag_alloc_contig_pages(mem, 0, SPB_ORDER, GIGA_GFP, &user, -1);
	CHECK_EQ(pfn, 0x1c0000);
	CHECK_EQ(frag_stat_get(mem, FRAG_STAT_pgmigrate_success) - moved0, 64);
	CHECK_EQ(frag_stat_get(mem, FRAG_STAT_cma_evacuate), 1);
	CHECK_EQ(frag_stat_get(mem, FRAG_STAT_cma_evacuate_fail), 0);
	CHECK_EQ(z->nr_alloc[MIGRATE_MOVABLE], 64);   /* the 64 pages live on, outside */
	struct frag_pfn_info info;
	CHECK_EQ(frag_pfn_info(mem, pfn, &info), 0);
	CHECK_EQ(info.order, SPB_ORDER);
	CHECK_EQ(info.owner.cookie, user.cookie);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/* A pinned page in the only slot: the evacuation fails. hugetlb_cma_only:
 * the request fails; otherwise alloc_contig_pages() takes the first free
 * window of the zone (0x100000). */
static void test_cma_alloc_pinned_slot(void)
{
	for (int only = 0; only <= 1; only++) {
		struct frag_mem *mem = mk(1, only, 8 * GiB);
		struct frag_zone *z = zone_of(mem, 0, ZONE_NORMAL);
		CHECK_EQ(alloc_at(mem, z, 0x1d0000, 0, GFP_HIGHUSER_MOVABLE, OWNER_LRU | OWNER_PINNED), 0);
		uint64_t pfn = frag_alloc_contig_pages(mem, 0, SPB_ORDER, GIGA_GFP, &user, -1);
		CHECK_EQ(pfn, only ? FRAG_PFN_NONE : 0x100000);
		CHECK_EQ(frag_stat_get(mem, FRAG_STAT_cma_evacuate_fail), 1);
		CHECK_EQ(frag_stat_get(mem, FRAG_STAT_cma_alloc_fail), 1);
		CHECK_EQ(page_at(z, 0x1d0000)->state, PG_ALLOC);
		CHECK_CONSISTENT(mem);
		frag_mem_destroy(mem);
	}
}

static const struct tap_test tests[] = {
	TAP(test_cma_params),
	TAP(test_init_cma_reserved_pageblock),
	TAP(test_cma_declare_contiguous_skips_reserved),
	TAP(test___rmqueue_cma_balance),
	TAP(test_gfp_to_alloc_flags_cma),
	TAP(test_unmovable_never_in_cma),
	TAP(test_cma_alloc_free_slot),
	TAP(test_cma_alloc_migrates_out),
	TAP(test_cma_alloc_pinned_slot),
};

int main(void)
{
	return tap_main(tests, TAP_COUNT(tests));
}
