/* SPDX-License-Identifier: MIT */
/*
 * test_policy_contiguitas.c - the `contiguitas` policy (Zhao et al., ISCA
 * 2023): unmovable memory confined to a region at the low end of each zone
 * whose boundary moves with demand.
 *
 * Rules:
 *  - boot: the first initial_size MiB of each zone are UNMOVABLE pageblocks;
 *  - UNMOVABLE/RECLAIMABLE requests are served only inside the region; when
 *    it is full it grows by converting the 4 MiB unit above the boundary,
 *    migrating that unit's movable pages out (pinned ones stay: stranded);
 *    past max_size_pct they fail instead of falling back to movable space;
 *  - MOVABLE requests stay outside and steal region pages only when no
 *    movable memory is left (movable_in_region);
 *  - an entirely free top unit goes back to movable space when the region
 *    has more than shrink_above pageblocks' worth free, never below the
 *    initial boundary.
 *
 * Machine A: `flat` 8 GiB, initial_size 64 MiB (16 units). ZONE_NORMAL:
 *
 *     0x100000          0x104000 0x104400                     0x200000
 *     | region (UNMOV.) | unit   | movable ...                       |
 *                       ^ boundary after boot; one growth -> 0x104400
 *
 * Machine B: 256 MiB, ZONE_DMA32 = 16-256 MiB (pfn 0x1000 .. 0x10000),
 * region [0x1000, 0x5000) after boot.
 */
#include "helpers.h"
#include "frag/policy.h"

struct cg_opts {                 /* policies/contiguitas.c's opts, in table order */
	unsigned initial_size;
	unsigned max_size_pct;
	unsigned grow_below;
	unsigned grow_step;
	unsigned shrink_above;
	bool movable_in_region;
	bool shrink_below_initial;
};

uint64_t frag_contiguitas_boundary(const struct frag_mem *mem, unsigned zone_id);

static struct cg_opts opts;

static void use_cg(struct frag_config *cfg)
{
	cfg->policy = frag_policy_find("contiguitas");
	cfg->policy_opts = &opts;
}

static struct cg_opts defaults(void)
{
	return (struct cg_opts){ .initial_size = 64, .max_size_pct = 100, .grow_below = 0, .grow_step = 1,
				 .shrink_above = 0, .movable_in_region = true };
}

static struct frag_mem *mk(struct cg_opts o, uint64_t bytes)
{
	opts = o;
	return mk_mem(bytes, 1, 2, use_cg);
}

static void test_cg_params(void)
{
	const struct frag_policy_ops *ops = frag_policy_find("contiguitas");
	CHECK(ops != NULL);
	CHECK_EQ(ops->opts_size, sizeof(struct cg_opts));
	static const char *const names[] = { "initial_size", "max_size_pct", "grow_below", "grow_step",
					     "shrink_above", "movable_in_region", "shrink_below_initial" };
	static const size_t offs[] = { offsetof(struct cg_opts, initial_size), offsetof(struct cg_opts, max_size_pct),
				       offsetof(struct cg_opts, grow_below), offsetof(struct cg_opts, grow_step),
				       offsetof(struct cg_opts, shrink_above),
				       offsetof(struct cg_opts, movable_in_region),
				       offsetof(struct cg_opts, shrink_below_initial) };
	for (unsigned i = 0; i < 7; i++) {
		CHECK_STREQ(ops->params[i].name, names[i]);
		CHECK_EQ(ops->params[i].offset, offs[i]);
	}
	CHECK(ops->params[7].name == NULL);
}

/* Boot: the first 64 MiB of Normal are UNMOVABLE, the rest MOVABLE; an
 * unmovable page comes from the region, a movable one from outside. */
static void test_contiguitas_boot_region(void)
{
	struct frag_mem *mem = mk(defaults(), 8 * GiB);
	struct frag_zone *z = zone_of(mem, 0, ZONE_NORMAL);
	CHECK(mem && z);
	CHECK_EQ(frag_contiguitas_boundary(mem, z->id), 0x104000);
	CHECK_EQ(pb_mt(z, 0x100000), MIGRATE_UNMOVABLE);
	CHECK_EQ(pb_mt(z, 0x103e00), MIGRATE_UNMOVABLE);
	CHECK_EQ(pb_mt(z, 0x104000), MIGRATE_MOVABLE);
	CHECK_EQ(z->free_area[MAX_PAGE_ORDER].nr_free_mt[MIGRATE_UNMOVABLE], 16);
	uint64_t pu = frag_alloc_pages(mem, 0, 0, GFP_KERNEL, NULL);
	uint64_t pr = frag_alloc_pages(mem, 0, 0, GFP_KERNEL | __GFP_RECLAIMABLE, NULL);
	uint64_t pm = frag_alloc_pages(mem, 0, 0, GFP_HIGHUSER_MOVABLE, NULL);
	CHECK(pu >= 0x100000 && pu < 0x104000);
	CHECK(pr >= 0x100000 && pr < 0x104000);
	CHECK(pm >= 0x104000);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/* Growth: 16 order-10 unmovable allocations fill the region; the 17th
 * converts the unit at 0x104000, migrating the movable page placed there,
 * and is served from it. A pinned page in the unit stays (stranded), the
 * unit has no free 4 MiB block and the request goes to the next zone. */
static void test_contiguitas_grow(void)
{
	for (int pinned = 0; pinned <= 1; pinned++) {
		struct frag_mem *mem = mk(defaults(), 8 * GiB);
		struct frag_zone *z = zone_of(mem, 0, ZONE_NORMAL);
		unsigned of = OWNER_LRU | (pinned ? OWNER_PINNED : 0);
		CHECK_EQ(alloc_at(mem, z, 0x104200, 0, GFP_HIGHUSER_MOVABLE, of), 0);
		for (unsigned i = 0; i < 16; i++) {
			uint64_t pfn = frag_alloc_pages(mem, 0, MAX_PAGE_ORDER, GFP_KERNEL, NULL);
			CHECK(pfn >= 0x100000 && pfn < 0x104000);
		}
		CHECK_EQ(frag_stat_get(mem, FRAG_STAT_contiguitas_grow), 0);
		uint64_t pfn = frag_alloc_pages(mem, 0, MAX_PAGE_ORDER, GFP_KERNEL, NULL);
		CHECK_EQ(frag_stat_get(mem, FRAG_STAT_contiguitas_grow), 1);
		CHECK_EQ(frag_contiguitas_boundary(mem, z->id), 0x104400);
		CHECK_EQ(pb_mt(z, 0x104000), MIGRATE_UNMOVABLE);
		CHECK_EQ(pb_mt(z, 0x104200), MIGRATE_UNMOVABLE);
		CHECK_EQ(pb_mt(z, 0x104400), MIGRATE_MOVABLE);
		if (!pinned) {
			CHECK_EQ(pfn, 0x104000);   /* the whole unit, emptied */
			CHECK_EQ(frag_stat_get(mem, FRAG_STAT_contiguitas_migrated_pages), 1);
			CHECK(page_at(z, 0x104200)->state != PG_ALLOC);
		} else {
			/* No free 4 MiB in the unit: the zonelist's next zone
			 * (DMA32) serves it, from its own region. */
			CHECK(pfn >= 0x1000 && pfn < 0x5000);
			CHECK_EQ(frag_stat_get(mem, FRAG_STAT_contiguitas_region_full), 1);
			CHECK_EQ(frag_stat_get(mem, FRAG_STAT_contiguitas_stranded_pages), 1);
			CHECK_EQ(page_at(z, 0x104200)->state, PG_ALLOC);
		}
		CHECK_CONSISTENT(mem);
		frag_mem_destroy(mem);
	}
}

/* Shrink: a grown unit that is entirely free again goes back to movable
 * space at the next rmqueue() of the zone, but not below the boot boundary. */
static void test_contiguitas_shrink(void)
{
	struct frag_mem *mem = mk(defaults(), 8 * GiB);
	struct frag_zone *z = zone_of(mem, 0, ZONE_NORMAL);
	uint64_t pfns[17];
	for (unsigned i = 0; i < 17; i++)
		pfns[i] = frag_alloc_pages(mem, 0, MAX_PAGE_ORDER, GFP_KERNEL, NULL);
	CHECK_EQ(pfns[16], 0x104000);
	CHECK_EQ(frag_contiguitas_boundary(mem, z->id), 0x104400);
	for (unsigned i = 0; i < 17; i++)
		CHECK_EQ(frag_free_pages(mem, 0, pfns[i], MAX_PAGE_ORDER), 0);
	CHECK(frag_alloc_pages(mem, 0, MAX_PAGE_ORDER, GFP_HIGHUSER_MOVABLE, NULL) != FRAG_PFN_NONE);
	CHECK_EQ(frag_stat_get(mem, FRAG_STAT_contiguitas_shrink), 1);
	CHECK_EQ(frag_contiguitas_boundary(mem, z->id), 0x104000);
	CHECK_EQ(pb_mt(z, 0x104000), MIGRATE_MOVABLE);
	CHECK_EQ(pb_mt(z, 0x103e00), MIGRATE_UNMOVABLE);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/* Movable pages enter the region only once no movable memory is left
 * outside (the first one that does finds the MOVABLE lists empty); with
 * movable_in_region = 0 never. Machine B, GFP_NOWAIT order-3 requests. */
static void test_contiguitas_movable_only_when_necessary(void)
{
	for (int allow = 0; allow <= 1; allow++) {
		struct cg_opts o = defaults();
		o.movable_in_region = allow;
		struct frag_mem *mem = mk(o, 256 * MiB);
		struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);
		CHECK(mem && z);
		CHECK_EQ(frag_contiguitas_boundary(mem, z->id), 0x5000);
		mem->check_every = 0;
		unsigned in_region = 0, movable_left_at_first = ~0u;
		for (;;) {
			uint64_t pfn = frag_alloc_pages(mem, 0, 3, GFP_NOWAIT | __GFP_MOVABLE, NULL);
			if (pfn == FRAG_PFN_NONE)
				break;
			if (pfn >= 0x1000 && pfn < 0x5000 && !in_region++) {
				movable_left_at_first = 0;
				for (unsigned ord = 0; ord < NR_PAGE_ORDERS; ord++)
					movable_left_at_first += (unsigned)z->free_area[ord].nr_free_mt[MIGRATE_MOVABLE];
			}
		}
		if (allow) {
			CHECK(in_region > 0);
			CHECK_EQ(movable_left_at_first, 0);
		} else {
			CHECK_EQ(in_region, 0);
		}
		CHECK_CONSISTENT(mem);
		frag_mem_destroy(mem);
	}
}

/* Unmovable never falls back into movable space: with max_size_pct = 50 the
 * region of DMA32 stops at half the zone (0x1000 + 0xf000 / 2 = pfn 0x8800); unmovable requests then
 * fail (contiguitas_region_full) although the upper half is free. */
static void test_contiguitas_unmovable_confined(void)
{
	struct cg_opts o = defaults();
	o.max_size_pct = 50;
	struct frag_mem *mem = mk(o, 256 * MiB);
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);
	mem->check_every = 0;
	for (;;) {
		uint64_t pfn = frag_alloc_pages(mem, 0, 3, GFP_NOWAIT, NULL);
		if (pfn == FRAG_PFN_NONE)
			break;
		CHECK(pfn < 0x8800);
	}
	CHECK_EQ(frag_contiguitas_boundary(mem, z->id), 0x8800);
	CHECK(frag_stat_get(mem, FRAG_STAT_contiguitas_region_full) > 0);
	CHECK(z->free_area[MAX_PAGE_ORDER].nr_free_mt[MIGRATE_MOVABLE] >= 24);   /* 0x8800..0x10000 untouched */
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

static const struct tap_test tests[] = {
	TAP(test_cg_params),
	TAP(test_contiguitas_boot_region),
	TAP(test_contiguitas_grow),
	TAP(test_contiguitas_shrink),
	TAP(test_contiguitas_movable_only_when_necessary),
	TAP(test_contiguitas_unmovable_confined),
};

int main(void)
{
	return tap_main(tests, TAP_COUNT(tests));
}
