/* SPDX-License-Identifier: MIT */
/*
 * test_geometry.c - building machines: zones as x86-64 Linux derives them
 * (zone_sizes_init()/free_area_init()), holes and reserved ranges, nodes and
 * zonelists (build_zonelists()), and clear errors for impossible input.
 */
#include "helpers.h"

static int create(struct frag_config *cfg, char *err, size_t len)
{
	struct frag_mem *mem = NULL;
	int ret = frag_mem_create(cfg, &mem, err, len);
	frag_mem_destroy(mem);
	return ret;
}

static void base_cfg(struct frag_config *cfg, uint64_t bytes, unsigned nodes, unsigned cpus)
{
	memset(cfg, 0, sizeof(*cfg));
	frag_geometry_simple(&cfg->geo, bytes, nodes, cpus);
	frag_sysctl_defaults(&cfg->sysctl);
}

/* zone_sizes_init(): DMA below 16 MiB, DMA32 below 4 GiB, Normal above. */
static void test_zone_sizes_init(void)
{
	struct frag_mem *mem = mk_mem(8 * GiB, 1, 2, NULL);
	struct frag_zone *dma = zone_of(mem, 0, ZONE_DMA), *dma32 = zone_of(mem, 0, ZONE_DMA32),
			 *normal = zone_of(mem, 0, ZONE_NORMAL);

	CHECK(dma && dma32 && normal && !zone_of(mem, 0, ZONE_MOVABLE));
	CHECK_EQ(dma->zone_start_pfn, 0);
	CHECK_EQ(dma->spanned_pages, 4096);
	CHECK_EQ(dma32->zone_start_pfn, 4096);
	CHECK_EQ(zone_end_pfn(dma32), 1 << 20);
	CHECK_EQ(normal->zone_start_pfn, 1 << 20);
	CHECK_EQ(normal->spanned_pages, 1 << 20);
	CHECK_EQ(normal->managed_pages, 1 << 20);
	/* Normal starts at 4 GiB: its SPBs are whole, 1 GiB aligned. */
	CHECK_EQ(normal->nr_spbs, 4);
	for (uint32_t i = 0; i < normal->nr_spbs; i++) {
		CHECK_EQ(normal->spb[i].nr_pages, SPB_NR_PAGES);
		CHECK_EQ(normal->spb[i].total_pageblocks, SPB_NR_PAGEBLOCKS);
		CHECK_EQ(normal->spb[i].start_pfn % SPB_NR_PAGES, 0);
	}
	/* The first GiB is shared by DMA and DMA32: one SPB each, clipped. */
	CHECK_EQ(dma->nr_spbs, 1);
	CHECK_EQ(dma->spb[0].nr_pages, 4096);
	CHECK_EQ(dma32->spb[0].start_pfn, 4096);
	CHECK_EQ(dma32->spb[0].nr_pages, SPB_NR_PAGES - 4096);
	/* zonelist of node 0: Normal, DMA32, DMA. */
	CHECK_EQ(mem->nodes[0].nr_zonelist, 3);
	CHECK_EQ(mem->nodes[0].zonelist[0], normal->id);
	CHECK_EQ(mem->nodes[0].zonelist[1], dma32->id);
	CHECK_EQ(mem->nodes[0].zonelist[2], dma->id);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

static void tweak_movable(struct frag_config *cfg)
{
	cfg->geo.node[0].movable_pages = (100 * MiB) >> 12;
}

/* movablecore=: ZONE_MOVABLE at the top of the node, start aligned up to
 * MAX_ORDER_NR_PAGES (find_zone_movable_pfns_for_nodes()). */
static void test_find_zone_movable_pfns_for_nodes(void)
{
	struct frag_mem *mem = mk_mem(256 * MiB, 1, 1, tweak_movable);
	struct frag_zone *mov = zone_of(mem, 0, ZONE_MOVABLE);
	uint64_t end = (256 * MiB) >> 12;

	CHECK(mov != NULL);
	CHECK_EQ(mov->zone_start_pfn % 1024, 0);
	CHECK_EQ(zone_end_pfn(mov), end);
	CHECK_EQ(mov->zone_start_pfn, (end - ((100 * MiB) >> 12) + 1023) & ~1023ull);
	CHECK_EQ(zone_end_pfn(zone_of(mem, 0, ZONE_DMA32)), mov->zone_start_pfn);
	/* Movable allocations may use it, kernel ones may not. */
	uint64_t p = frag_alloc_pages(mem, 0, 0, GFP_HIGHUSER_MOVABLE, NULL);
	CHECK(zone_spans_pfn(mov, p));
	p = frag_alloc_pages(mem, 0, 0, GFP_KERNEL, NULL);
	CHECK(!zone_spans_pfn(mov, p));
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

static struct frag_hole some_holes[] = {
	{ 0, 1, HOLE_RESERVED },
	{ 0x9f, 0x100, HOLE_RESERVED },
	{ 0x8000, 0x9000, HOLE_ABSENT },        /* 16 MiB absent in DMA32 */
	{ 0x8800, 0x8a00, HOLE_RESERVED },      /* overlaps the absent range: absent wins */
	{ 0xa000, 0xa010, HOLE_RESERVED },
};

static void tweak_holes(struct frag_config *cfg)
{
	cfg->geo.holes = some_holes;
	cfg->geo.nr_holes = sizeof some_holes / sizeof some_holes[0];
}

/* Holes are not present; reserved pages are present but not managed; both
 * count against their pageblocks and SPBs and are never allocated. */
static void test_holes_and_reserved(void)
{
	struct frag_mem *mem = mk_mem(256 * MiB, 1, 1, tweak_holes);
	struct frag_zone *dma = zone_of(mem, 0, ZONE_DMA), *dma32 = zone_of(mem, 0, ZONE_DMA32);

	CHECK_EQ(dma->present_pages, 4096);
	CHECK_EQ(dma->managed_pages, 4096 - 1 - 0x61);
	CHECK_EQ(dma32->present_pages, dma32->spanned_pages - 0x1000);
	CHECK_EQ(dma32->managed_pages, dma32->present_pages - 0x10);
	CHECK_EQ(dma->pb[0].nr_reserved, 1 + 0x61);
	CHECK_EQ(pfn_to_pb(dma32, 0x8000)->nr_reserved, 512);
	CHECK_EQ(dma32->nr_free_pages, (int64_t)dma32->managed_pages);
	struct frag_pfn_info info;
	CHECK_EQ(frag_pfn_info(mem, 0x8100, &info), 0);
	CHECK_EQ(info.state, PFN_HOLE);
	CHECK_EQ(frag_pfn_info(mem, 0xa005, &info), 0);
	CHECK_EQ(info.state, PFN_RESERVED);
	CHECK_EQ(frag_pfn_info(mem, 0xa010, &info), 0);
	CHECK_EQ(info.state, PFN_FREE);
	CHECK_EQ(frag_pfn_info(mem, 1ull << 40, &info), -ERANGE);
	/* Allocate everything: no hole or reserved page is ever handed out
	 * (checked once at the end: 65536 full checks would be slow). */
	mem->check_every = 0;
	uint64_t p, n = 0;
	while ((p = frag_alloc_pages(mem, 0, 0, GFP_KERNEL | __GFP_HIGH | __GFP_MEMALLOC, NULL)) != FRAG_PFN_NONE) {
		CHECK(frag_pfn_info(mem, p, &info) == 0 && info.state == PFN_ALLOCATED);
		CHECK(!(p == 0 || (p >= 0x9f && p < 0x100) || (p >= 0x8000 && p < 0x9000) || (p >= 0xa000 && p < 0xa010)));
		n++;
	}
	CHECK_EQ(n, frag_total_managed_pages(mem));
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/* build_zonelists(): own node's zones first (high to low), then the other
 * nodes; remote nodes at equal distance prefer higher-numbered ones. */
static void test_build_zonelists(void)
{
	struct frag_mem *mem = mk_mem(12 * GiB, 3, 3, NULL);   /* 4 GiB per node */
	const struct frag_node *n1 = &mem->nodes[1];

	CHECK_EQ(mem->nr_nodes, 3);
	CHECK(zone_of(mem, 0, ZONE_DMA32) && !zone_of(mem, 0, ZONE_NORMAL));
	CHECK(zone_of(mem, 1, ZONE_NORMAL) && !zone_of(mem, 1, ZONE_DMA32));
	CHECK_EQ(mem->zones[n1->zonelist[0]].nid, 1);
	CHECK_EQ(mem->zones[n1->zonelist[1]].nid, 2);
	CHECK_EQ(mem->zones[n1->zonelist[n1->nr_zonelist - 1]].nid, 0);
	CHECK_EQ(mem->zones[n1->zonelist[n1->nr_zonelist - 1]].type, ZONE_DMA);
	CHECK_EQ(frag_cpu_node(mem, 0), 0);
	CHECK_EQ(frag_cpu_node(mem, 2), 2);
	/* A CPU's allocation lands on its own node while it has memory. */
	uint64_t p = frag_alloc_pages(mem, 1, 0, GFP_KERNEL, NULL);
	CHECK_EQ(pfn_to_zone(mem, p)->nid, 1);
	frag_mem_destroy(mem);
}

static void expect_error(struct frag_config *cfg, const char *needle, const char *what)
{
	char err[512] = "";
	int ret = create(cfg, err, sizeof err);
	if (ret != -EINVAL || !strstr(err, needle)) {
		printf("# %s: ret %d, message \"%s\", expected -EINVAL naming \"%s\"\n", what, ret, err, needle);
		tap_fail(__FILE__, __LINE__, what);
	}
}

/* Impossible geometry and sysctls are refused with a message naming the value. */
static void test_bad_geometry(void)
{
	struct frag_config cfg;

	base_cfg(&cfg, 64 * MiB, 1, 1);
	cfg.geo.nr_nodes = 0;
	expect_error(&cfg, "nodes = 0", "zero nodes");

	base_cfg(&cfg, 64 * MiB, 1, 1);
	cfg.geo.node[0].nr_pages = 0;
	expect_error(&cfg, "node 0 has zero memory", "zero memory");

	base_cfg(&cfg, 128 * MiB, 2, 2);
	cfg.geo.node[1].start_pfn -= 100;
	expect_error(&cfg, "node 1 starts at pfn", "overlapping nodes");

	base_cfg(&cfg, 128 * MiB, 2, 2);
	cfg.geo.node[1].start_pfn = 0;
	expect_error(&cfg, "overlap or are out of order", "nodes out of order");

	base_cfg(&cfg, 64 * MiB, 1, 1);
	cfg.geo.dma_end_pfn = 0x20000;
	cfg.geo.dma32_end_pfn = 0x10000;
	expect_error(&cfg, "zone bounds out of order", "zone bounds out of order");

	base_cfg(&cfg, 64 * MiB, 1, 1);
	cfg.geo.node[0].nr_pages = (17ull << 40) >> 12;
	expect_error(&cfg, "beyond 16 TiB", "more than 16 TiB");

	base_cfg(&cfg, 64 * MiB, 1, 1);
	cfg.geo.node[0].nr_cpus = 0;
	expect_error(&cfg, "no CPUs", "no CPUs");

	base_cfg(&cfg, 64 * MiB, 1, 1);
	cfg.geo.node[0].movable_pages = cfg.geo.node[0].nr_pages;
	expect_error(&cfg, "movable_pages", "movable zone as large as the node");

	static const struct frag_hole reversed[] = { { 100, 50, HOLE_ABSENT } };
	base_cfg(&cfg, 64 * MiB, 1, 1);
	cfg.geo.holes = reversed;
	cfg.geo.nr_holes = 1;
	expect_error(&cfg, "hole 0", "reversed hole");

	static const struct frag_hole all_dma[] = { { 0, 4096, HOLE_ABSENT } };
	base_cfg(&cfg, 64 * MiB, 1, 1);
	cfg.geo.holes = all_dma;
	cfg.geo.nr_holes = 1;
	expect_error(&cfg, "zone DMA of node 0 has no present memory", "a zone of holes only");

	base_cfg(&cfg, 64 * MiB, 1, 1);
	cfg.sysctl.watermark_scale_factor = 0;
	expect_error(&cfg, "watermark_scale_factor = 0", "watermark_scale_factor 0");
	cfg.sysctl.watermark_scale_factor = 3001;
	expect_error(&cfg, "watermark_scale_factor = 3001", "watermark_scale_factor 3001");

	base_cfg(&cfg, 64 * MiB, 1, 1);
	cfg.sysctl.percpu_pagelist_high_fraction = 4;
	expect_error(&cfg, "percpu_pagelist_high_fraction = 4", "high fraction below 8");

	base_cfg(&cfg, 64 * MiB, 1, 1);
	cfg.sysctl.extfrag_threshold = 1001;
	expect_error(&cfg, "extfrag_threshold = 1001", "extfrag_threshold");

	base_cfg(&cfg, 64 * MiB, 1, 1);
	cfg.sysctl.min_free_kbytes = 5;
	expect_error(&cfg, "min_free_kbytes = 5", "min_free_kbytes below 128");
}

/* Any size from 64 MiB up: a 64 MiB machine and a 1 TiB geometry build. */
static void test_sizes(void)
{
	struct frag_mem *mem = mk_mem(64 * MiB, 1, 1, NULL);
	CHECK(mem != NULL);
	CHECK_EQ(frag_total_managed_pages(mem), 16384);
	frag_mem_destroy(mem);

	struct frag_config cfg;
	char err[256];
	base_cfg(&cfg, 1ull << 40, 4, 64);
	CHECK_EQ(frag_mem_create(&cfg, &mem, err, sizeof err), 0);
	if (mem) {
		CHECK_EQ(frag_total_managed_pages(mem), (1ull << 40) >> 12);
		CHECK_EQ(frag_total_free_pages(mem), (1ull << 40) >> 12);
		frag_mem_destroy(mem);
	}
}

/*
 * build_all_zonelists(): page_group_by_mobility_disabled is set when the
 * managed pages (vm_total_pages; the watermarks are still 0 at that point)
 * are fewer than pageblock_nr_pages * MIGRATE_TYPES: 512 * 5 = 2560 pages,
 * or 512 * 6 = 3072 with CONFIG_CMA (MIGRATE_CMA adds a type). The test is
 * strict (<), and counts managed pages, so one reserved page tips a machine
 * of exactly 2560 pages over.
 */
static const struct frag_hole last_page_reserved[] = { { 2559, 2560, HOLE_RESERVED } };

static struct frag_mem *mk_small(uint64_t pages, bool cma, bool reserve_last)
{
	struct frag_config cfg;
	struct frag_mem *mem = NULL;
	char err[256];

	base_cfg(&cfg, pages << FRAG_PAGE_SHIFT, 1, 1);
	cfg.geo.config_cma = cma;
	if (reserve_last) {
		cfg.geo.holes = last_page_reserved;
		cfg.geo.nr_holes = 1;
	}
	cfg.check_every = 1;
	if (frag_mem_create(&cfg, &mem, err, sizeof err))
		printf("# frag_mem_create: %s\n", err);
	return mem;
}

static void test_build_all_zonelists_mobility_disabled(void)
{
	static const struct {
		uint64_t pages;
		bool cma, reserve_last;
		uint64_t managed;
		bool disabled;
	} cases[] = {
		{ 2048, false, false, 2048, true },    /* the smallest machine (8 MiB) */
		{ 2560, false, false, 2560, false },   /* 2560 < 2560 is false */
		{ 2560, false, true, 2559, true },     /* managed, not present, pages count */
		{ 2560, true, false, 2560, true },     /* CONFIG_CMA: 2560 < 3072 */
		{ 3072, true, false, 3072, false },
	};
	for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct frag_mem *mem = mk_small(cases[i].pages, cases[i].cma, cases[i].reserve_last);
		CHECK(mem != NULL);
		if (!mem)
			continue;
		if (mem->mobility_disabled != cases[i].disabled)
			printf("# case %u\n", i);
		CHECK_EQ(frag_total_managed_pages(mem), cases[i].managed);
		CHECK_EQ(mem->mobility_disabled, cases[i].disabled);
		frag_mem_destroy(mem);
	}
}

/*
 * With grouping off, gfp_migratetype() is MIGRATE_UNMOVABLE for every
 * request. On the 8 MiB machine (ZONE_DMA [0, 2048), two order-10 MOVABLE
 * blocks at boot) a GFP_HIGHUSER_MOVABLE page is an UNMOVABLE allocation:
 * __rmqueue() finds no UNMOVABLE block and __rmqueue_claim() takes the
 * largest fallback block, the order-10 block at pfn 0 (both pageblocks
 * become UNMOVABLE); ALLOC_CMA is not set either (gfp_to_alloc_flags_cma()
 * sees an UNMOVABLE request), and a __GFP_RECLAIMABLE request is UNMOVABLE
 * too. On the 10 MiB machine (grouping on: order-10 blocks at 0 and 1024,
 * an order-9 block at 2048) the same request is MOVABLE and
 * __rmqueue_smallest() takes the smallest MOVABLE block, 2048; nothing is
 * relabelled.
 */
static void test_build_all_zonelists_mobility_disabled_gfp(void)
{
	for (int on = 0; on < 2; on++) {
		struct frag_mem *mem = mk_small(on ? 2560 : 2048, false, false);
		struct frag_zone *dma = zone_of(mem, 0, ZONE_DMA);
		int want = on ? MIGRATE_MOVABLE : MIGRATE_UNMOVABLE;
		uint64_t first = on ? 2048 : 0;

		CHECK_EQ(mem->mobility_disabled, !on);
		CHECK_EQ(frag_alloc_pages(mem, 0, 0, GFP_HIGHUSER_MOVABLE, NULL), first);
		CHECK_EQ(page_at(dma, first)->state, PG_ALLOC);
		CHECK_EQ(page_at(dma, first)->mt, want);
		CHECK_EQ(dma->nr_alloc[MIGRATE_UNMOVABLE], on ? 0 : 1);
		CHECK_EQ(dma->nr_alloc[MIGRATE_MOVABLE], on ? 1 : 0);
		CHECK_EQ(pb_mt(dma, 0), want);
		CHECK_EQ(pb_mt(dma, 512), want);
		CHECK_EQ(pb_mt(dma, 1024), MIGRATE_MOVABLE);
		uint64_t p = frag_alloc_pages(mem, 0, 0, GFP_KERNEL | __GFP_RECLAIMABLE, NULL);
		CHECK(p != FRAG_PFN_NONE);
		if (p != FRAG_PFN_NONE)
			CHECK_EQ(page_at(dma, p)->mt, on ? MIGRATE_RECLAIMABLE : MIGRATE_UNMOVABLE);
		CHECK_EQ(dma->nr_alloc[MIGRATE_RECLAIMABLE], on ? 1 : 0);
		CHECK_EQ(dma->nr_alloc[MIGRATE_UNMOVABLE], on ? 0 : 2);
		CHECK_CONSISTENT(mem);
		frag_mem_destroy(mem);
	}
}

static const struct tap_test tests[] = {
	TAP(test_zone_sizes_init),
	TAP(test_find_zone_movable_pfns_for_nodes),
	TAP(test_holes_and_reserved),
	TAP(test_build_zonelists),
	TAP(test_bad_geometry),
	TAP(test_sizes),
	TAP(test_build_all_zonelists_mobility_disabled),
	TAP(test_build_all_zonelists_mobility_disabled_gfp),
};

int main(void)
{
	return tap_main(tests, TAP_COUNT(tests));
}
