/* SPDX-License-Identifier: MIT */
/*
 * test_policy_nomobility.c - the `nomobility` policy: grouping pages by
 * mobility switched off (page_group_by_mobility_disabled).
 *
 * Rules (mm/page_alloc.c, include/linux/gfp.h):
 *  - gfp_migratetype() is MIGRATE_UNMOVABLE for every request;
 *  - set_pageblock_migratetype() turns every PCP type into UNMOVABLE, so
 *    from boot every pageblock is UNMOVABLE and every free block sits on an
 *    UNMOVABLE free list;
 *  - hence no fallback ever happens (mm_page_alloc_extfrag never fires) and
 *    no MOVABLE or RECLAIMABLE pageblock ever appears.
 */
#include "helpers.h"
#include "../../core/util/rng.h"

#define ST(mem, s) frag_stat_get((mem), FRAG_STAT_##s)

static void use_nomobility(struct frag_config *cfg)
{
	cfg->policy = frag_policy_find("nomobility");
}

/* Pageblocks of @z by stored migratetype. */
static void count_pb(const struct frag_zone *z, unsigned n[MIGRATE_TYPES])
{
	memset(n, 0, MIGRATE_TYPES * sizeof(n[0]));
	for (uint64_t pfn = z->zone_start_pfn; pfn < zone_end_pfn(z);
	     pfn = (pfn | (PAGEBLOCK_NR_PAGES - 1)) + 1)
		n[pb_mt(z, pfn)]++;
}

/* Free pages on @mt's lists of @z, every order. */
static uint64_t free_on_lists(const struct frag_zone *z, int mt)
{
	uint64_t n = 0;
	for (unsigned o = 0; o < NR_PAGE_ORDERS; o++)
		n += (uint64_t)z->free_area[o].nr_free_mt[mt] << o;
	return n;
}

/* memmap_init() with mobility disabled: every pageblock UNMOVABLE, all
 * free memory on the UNMOVABLE lists, nothing lost on the way. */
static void test_set_pageblock_migratetype_mobility_disabled(void)
{
	struct frag_mem *ref = mk_mem(2 * GiB, 1, 2, NULL);
	struct frag_mem *mem = mk_mem(2 * GiB, 1, 2, use_nomobility);
	CHECK(mem && ref && mem->mobility_disabled && !ref->mobility_disabled);
	CHECK_EQ(frag_total_free_pages(mem), frag_total_free_pages(ref));
	for (unsigned zi = 0; zi < mem->nr_zones; zi++) {
		const struct frag_zone *z = &mem->zones[zi];
		unsigned n[MIGRATE_TYPES];
		count_pb(z, n);
		CHECK_EQ(n[MIGRATE_MOVABLE], 0);
		CHECK_EQ(n[MIGRATE_RECLAIMABLE], 0);
		CHECK(n[MIGRATE_UNMOVABLE] > 0);
		CHECK_EQ(free_on_lists(z, MIGRATE_MOVABLE), 0);
		CHECK_EQ(free_on_lists(z, MIGRATE_RECLAIMABLE), 0);
		CHECK_EQ(free_on_lists(z, MIGRATE_UNMOVABLE), (uint64_t)z->nr_free_pages);
	}
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
	frag_mem_destroy(ref);
}

/* gfp_migratetype(): a GFP_HIGHUSER_MOVABLE page is allocated as UNMOVABLE,
 * from an UNMOVABLE pageblock, with no fallback. */
static void test_gfp_migratetype_mobility_disabled(void)
{
	struct frag_mem *mem = mk_mem(1 * GiB, 1, 1, use_nomobility);
	struct frag_owner o = { .id = 1, .kind = KIND_ANON, .flags = OWNER_LRU };
	uint64_t pfn = frag_alloc_pages(mem, 0, 0, GFP_HIGHUSER_MOVABLE, &o);
	CHECK(pfn != FRAG_PFN_NONE);
	struct frag_pfn_info info;
	CHECK_EQ(frag_pfn_info(mem, pfn, &info), 0);
	CHECK_EQ(info.pageblock_mt, MIGRATE_UNMOVABLE);
	CHECK_EQ(ST(mem, extfrag), 0);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/* A mixed churn of movable, unmovable and reclaimable requests of orders
 * 0-3 and 9 (the fragmenting pattern of Gorman's tests): never a fallback,
 * never a MOVABLE or RECLAIMABLE pageblock, every invariant after every
 * operation (every 61 here); under `linux` the same churn does fall back. */
static uint64_t churn(struct frag_mem *mem, unsigned steps)
{
	static const gfp_t gfps[] = { GFP_HIGHUSER_MOVABLE, GFP_KERNEL, GFP_KERNEL | __GFP_RECLAIMABLE };
	static const unsigned orders[] = { 0, 0, 0, 1, 2, 3, 9 };
	struct frag_rng r;
	uint64_t *held = calloc(steps, sizeof(*held));
	unsigned *held_order = calloc(steps, sizeof(*held_order)), n = 0;
	frag_rng_seed(&r, 42, 0);
	for (unsigned i = 0; i < steps; i++) {
		if (n && frag_rng_below(&r, 100) < 45) {
			unsigned k = (unsigned)frag_rng_below(&r, n);
			CHECK_EQ(frag_free_pages(mem, (unsigned)frag_rng_below(&r, mem->nr_cpus), held[k], held_order[k]), 0);
			held[k] = held[--n];
			held_order[k] = held_order[n];
			continue;
		}
		gfp_t gfp = gfps[frag_rng_below(&r, 3)];
		unsigned order = orders[frag_rng_below(&r, 7)];
		struct frag_owner o = { .id = 1, .cookie = i, .kind = (gfp & __GFP_MOVABLE) ? KIND_ANON : KIND_SLAB };
		uint64_t pfn = frag_alloc_pages(mem, (unsigned)frag_rng_below(&r, mem->nr_cpus), order,
						gfp | __GFP_NOWARN | __GFP_NORETRY, &o);
		if (pfn != FRAG_PFN_NONE) {
			held[n] = pfn;
			held_order[n++] = order;
		}
	}
	uint64_t fallbacks = ST(mem, extfrag);
	for (unsigned k = 0; k < n; k++)
		frag_free_pages(mem, 0, held[k], held_order[k]);
	free(held);
	free(held_order);
	return fallbacks;
}

/* The churn checks every invariant every 61 operations (every one is slow). */
static void use_nomobility_sparse_checks(struct frag_config *cfg)
{
	use_nomobility(cfg);
	cfg->check_every = 61;
}

static void sparse_checks(struct frag_config *cfg)
{
	cfg->check_every = 61;
}

static void test_no_fallback_without_grouping(void)
{
	struct frag_mem *mem = mk_mem(256 * MiB, 1, 2, use_nomobility_sparse_checks);
	struct frag_mem *ref = mk_mem(256 * MiB, 1, 2, sparse_checks);
	uint64_t f_nomob = churn(mem, 40000), f_linux = churn(ref, 40000);
	CHECK_EQ(f_nomob, 0);
	CHECK(f_linux > 0);
	for (unsigned zi = 0; zi < mem->nr_zones; zi++) {
		unsigned n[MIGRATE_TYPES];
		count_pb(&mem->zones[zi], n);
		CHECK_EQ(n[MIGRATE_MOVABLE], 0);
		CHECK_EQ(n[MIGRATE_RECLAIMABLE], 0);
	}
	/* Everything freed: all memory is free again. */
	frag_drain_all_pages(mem, -1);
	frag_drain_all_pages(ref, -1);
	CHECK_EQ(frag_total_free_pages(mem), frag_total_free_pages(ref));
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
	frag_mem_destroy(ref);
}

static const struct tap_test tests[] = {
	TAP(test_set_pageblock_migratetype_mobility_disabled),
	TAP(test_gfp_migratetype_mobility_disabled),
	TAP(test_no_fallback_without_grouping),
};

int main(void)
{
	return tap_main(tests, TAP_COUNT(tests));
}
