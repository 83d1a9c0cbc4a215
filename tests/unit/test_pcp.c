/* SPDX-License-Identifier: MIT */
/*
 * test_pcp.c - kernel-model section 5: per-CPU page lists (struct
 * per_cpu_pages, mm/page_alloc.c of Linux 6.18; notes section 4, 2.7, 2.8, 5.1).
 *
 * The usual machine is 64 MiB from pfn 0: ZONE_DMA [0, 4096) and ZONE_DMA32
 * [4096, 16384), all pageblocks MOVABLE at boot, watermarks of DMA32
 * min/low/high = 600/750/900. DMA32 has batch 3 and, with one CPU,
 * high_min 750 and high_max 1536. "A" is the first order-10 block of DMA32
 * (pfn 4096), "B" the second (5120).
 *
 * Lists are indexed by order_to_pindex(): 3 * order + mt for orders 0-3,
 * 12 (non-movable) and 13 (movable) for order 9.
 */
#include "helpers.h"

#define A 4096ull
#define B 5120ull

#define PI_O0_UNMOVABLE   0
#define PI_O0_MOVABLE     1
#define PI_O0_RECLAIMABLE 2
#define PI_O1_MOVABLE     4
#define PI_THP_OTHER      12
#define PI_THP_MOVABLE    13

static uint64_t stat(const struct frag_mem *mem, enum frag_stat s)
{
	return frag_stat_get(mem, s);
}

/* The pfns on @cpu's PCP list @pindex of @z, head first; returns the count. */
static unsigned pcp_pfns(const struct frag_zone *z, unsigned cpu, unsigned pindex, uint64_t *out, unsigned max)
{
	unsigned n = 0;
	for (uint32_t i = z->pcp[cpu].lists[pindex].head; i != IDX_NONE; i = z->pages[i].next) {
		if (n < max)
			out[n] = idx_to_pfn(z, i);
		n++;
	}
	return n;
}

static uint64_t pcp_head_pfn(const struct frag_zone *z, unsigned cpu, unsigned pindex)
{
	uint32_t i = z->pcp[cpu].lists[pindex].head;
	return i == IDX_NONE ? FRAG_PFN_NONE : idx_to_pfn(z, i);
}

static unsigned pcp_nonempty_lists(const struct frag_zone *z, unsigned cpu)
{
	unsigned n = 0;
	for (unsigned pi = 0; pi < NR_PCP_LISTS; pi++)
		n += z->pcp[cpu].lists[pi].head != IDX_NONE;
	return n;
}

/* The buddy list type of the free block holding @pfn, or -1 if @pfn is not free in the buddy. */
static int free_mt(const struct frag_mem *mem, uint64_t pfn)
{
	struct frag_pfn_info info;
	if (frag_pfn_info(mem, pfn, &info) || info.state != PFN_FREE)
		return -1;
	return info.migratetype;
}

/* Carve [@pfn, +2^@order) out of the buddy as an allocation, then free it from @cpu (to the PCP). */
static void carve_and_free(struct frag_mem *mem, struct frag_zone *z, unsigned cpu, uint64_t pfn, unsigned order)
{
	CHECK_EQ(alloc_at(mem, z, pfn, order, GFP_HIGHUSER_MOVABLE, OWNER_LRU), 0);
	CHECK_EQ(frag_free_pages(mem, cpu, pfn, order), 0);
}

/*
 * Relabel the pageblock of @pfn, moving its free buddy blocks along
 * (move_freepages_block() + set_pageblock_migratetype()). The pageblock must
 * not be part of a larger free block: carve a page out of it first.
 */
static void relabel(struct frag_zone *z, uint64_t pfn, int mt)
{
	CHECK(move_freepages_block(z, pfn, pb_mt(z, pfn), mt) >= 0);
	set_pageblock_migratetype(z, pfn, mt);
}

static void tweak_no_thp(struct frag_config *cfg)
{
	cfg->sysctl.thp_pcp = false;
}

static void tweak_cma(struct frag_config *cfg)
{
	cfg->geo.config_cma = true;
}

/* percpu_pagelist_high_fraction = 8000: high pinned to 4 * batch (12 in DMA32). */
static void tweak_fraction_8000(struct frag_config *cfg)
{
	cfg->sysctl.percpu_pagelist_high_fraction = 8000;
}

/* percpu_pagelist_high_fraction = 100: high pinned to 12288 / 100 = 122 in DMA32 (one CPU). */
static void tweak_fraction_100(struct frag_config *cfg)
{
	cfg->sysctl.percpu_pagelist_high_fraction = 100;
}

static void tweak_fraction_8(struct frag_config *cfg)
{
	cfg->sysctl.percpu_pagelist_high_fraction = 8;
}

/*
 * pcp_allowed_order(): orders 0..PAGE_ALLOC_COSTLY_ORDER, plus HPAGE_PMD_ORDER
 * (9) when THP is configured; nothing else. An order-9 allocation then goes
 * through the PCP (list 13 for MOVABLE) and a refill; without THP it does not.
 */
static void test_pcp_allowed_order(void)
{
	struct frag_mem *mem = mk_mem(64 * MiB, 1, 1, NULL);
	struct frag_mem *nothp = mk_mem(64 * MiB, 1, 1, tweak_no_thp);
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32), *zn = zone_of(nothp, 0, ZONE_DMA32);

	for (unsigned o = 0; o <= MAX_PAGE_ORDER; o++) {
		CHECK_EQ(pcp_allowed_order(mem, o), o <= 3 || o == 9);
		CHECK_EQ(pcp_allowed_order(nothp, o), o <= 3);
	}

	/* THP: 2 order-9 blocks are pulled (max(batch >> 9, 2)), one is handed out. */
	CHECK_EQ(frag_alloc_pages(mem, 0, 9, GFP_TRANSHUGE, NULL), A);
	CHECK_EQ(stat(mem, FRAG_STAT_pcp_refill), 1);
	CHECK_EQ(stat(mem, FRAG_STAT_pcp_refill_pages), 1024);
	CHECK_EQ(pcp_head_pfn(z, 0, PI_THP_MOVABLE), A + 512);
	CHECK_EQ(z->pcp[0].count, 512);
	/*
	 * Freeing A brings count to 1024 >= high 753: nr_pcp_free() =
	 * clamp(free_count 512, 3, 750) = 512, so the cold block A+512 goes back.
	 */
	CHECK_EQ(frag_free_pages(mem, 0, A, 9), 0);
	CHECK_EQ(page_at(z, A)->state, PG_PCP);
	CHECK_EQ(page_at(z, A + 512)->state, PG_BUDDY);
	CHECK_EQ(z->pcp[0].count, 512);
	CHECK_EQ(stat(mem, FRAG_STAT_pcp_drain_pages), 512);

	/* No THP: straight from and back to the buddy. */
	CHECK_EQ(frag_alloc_pages(nothp, 0, 9, GFP_TRANSHUGE, NULL), A);
	CHECK_EQ(stat(nothp, FRAG_STAT_pcp_refill), 0);
	CHECK_EQ(zn->pcp[0].count, 0);
	CHECK_EQ(frag_free_pages(nothp, 0, A, 9), 0);
	CHECK_EQ(page_at(zn, A)->state, PG_BUDDY);
	CHECK_EQ(zn->pcp[0].count, 0);
	CHECK_EQ(zn->nr_pcp_pages, 0);
	CHECK_CONSISTENT(mem);
	CHECK_CONSISTENT(nothp);
	frag_mem_destroy(mem);
	frag_mem_destroy(nothp);
}

/*
 * order_to_pindex(): 3 * order + mt for orders 0-3 (lists 0-11); order 9
 * has two lists, 12 for UNMOVABLE and RECLAIMABLE (shared), 13 for MOVABLE.
 * A block is found only on the list of its (order, migratetype).
 */
static void test_order_to_pindex(void)
{
	struct frag_mem *mem = mk_mem(64 * MiB, 1, 1, NULL);
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);

	for (unsigned o = 0; o <= 3; o++)
		for (int mt = 0; mt < MIGRATE_PCPTYPES; mt++)
			CHECK_EQ(order_to_pindex(mt, o), 3 * o + (unsigned)mt);
	CHECK_EQ(order_to_pindex(MIGRATE_UNMOVABLE, 9), 12);
	CHECK_EQ(order_to_pindex(MIGRATE_RECLAIMABLE, 9), 12);
	CHECK_EQ(order_to_pindex(MIGRATE_MOVABLE, 9), 13);
	CHECK_EQ(NR_PCP_LISTS, 14);

	/* An order-2 MOVABLE refill fills list 7 and nothing else. */
	CHECK_EQ(frag_alloc_pages(mem, 0, 2, GFP_HIGHUSER_MOVABLE, NULL), A);
	CHECK_EQ(pcp_head_pfn(z, 0, 7), A + 4);
	CHECK_EQ(pcp_nonempty_lists(z, 0), 1);
	/* Order-9 blocks of a non-movable pageblock go to list 12 when freed. */
	CHECK_EQ(alloc_at(mem, z, B, 9, GFP_KERNEL, 0), 0);
	relabel(z, B, MIGRATE_RECLAIMABLE);
	CHECK_EQ(frag_free_pages(mem, 0, B, 9), 0);
	CHECK_EQ(pcp_head_pfn(z, 0, PI_THP_OTHER), B);
	CHECK_EQ(page_at(z, B)->mt, MIGRATE_RECLAIMABLE);
	CHECK_EQ(pcp_nonempty_lists(z, 0), 2);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * zone_batchsize(): b = min(managed >> 12, 64); 1 if b <= 1, else
 * rounddown_pow_of_two(b + b/2) - 1. Every CPU's pageset gets the zone's batch.
 *
 *   zone              managed   b    batch
 *   DMA (16 MiB)         4096   1    1
 *   DMA32 of 64 MiB     12288   3    rounddown(4) - 1 = 3
 *   DMA32 of 128 MiB    28672   7    rounddown(10) - 1 = 7
 *   DMA32 of 256 MiB    61440  15    rounddown(22) - 1 = 15
 *   DMA32 of 2 GiB     520192  64    rounddown(96) - 1 = 63  (127 without the cap)
 */
static void test_zone_batchsize(void)
{
	static const struct { uint64_t bytes; uint64_t managed; int batch; } t[] = {
		{ 64 * MiB, 12288, 3 }, { 128 * MiB, 28672, 7 }, { 256 * MiB, 61440, 15 }, { 2 * GiB, 520192, 63 },
	};

	for (unsigned i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct frag_mem *mem = mk_mem(t[i].bytes, 1, 2, NULL);
		struct frag_zone *dma = zone_of(mem, 0, ZONE_DMA), *z = zone_of(mem, 0, ZONE_DMA32);

		CHECK_EQ(z->managed_pages, t[i].managed);
		CHECK_EQ(z->pcp_batch, t[i].batch);
		CHECK_EQ(z->pcp[0].batch, t[i].batch);
		CHECK_EQ(z->pcp[1].batch, t[i].batch);
		CHECK_EQ(dma->managed_pages, 4096);
		CHECK_EQ(dma->pcp_batch, 1);
		CHECK_EQ(dma->pcp[1].batch, 1);
		frag_mem_destroy(mem);
	}
}

/*
 * zone_highsize() / zone_set_pageset_high_and_batch(): with the sysctl at 0,
 *   high_min = max(low_wmark / cpus_of_node, 4 * batch)
 *   high_max = max(managed / 8 / cpus_of_node, 4 * batch)
 * on every CPU's pageset; pcp->high itself starts at 0 (clamped on use).
 */
static void test_zone_set_pageset_high_and_batch(void)
{
	static const struct { unsigned cpus; int high_min; int high_max; int dma_min; int dma_max; } t[] = {
		{ 1, 750, 1536, 250, 512 },   /* 750 / 1, 12288 / 8; DMA: 250, 4096 / 8 */
		{ 2, 375, 768, 125, 256 },
		{ 4, 187, 384, 62, 128 },
		{ 64, 12, 24, 4, 8 },         /* 750 / 64 = 11 < 4 * 3; DMA: 250 / 64 = 3 < 4 * 1 */
	};

	for (unsigned i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct frag_mem *mem = mk_mem(64 * MiB, 1, t[i].cpus, NULL);
		struct frag_zone *dma = zone_of(mem, 0, ZONE_DMA), *z = zone_of(mem, 0, ZONE_DMA32);

		CHECK_EQ(low_wmark_pages(z), 750);
		CHECK_EQ(low_wmark_pages(dma), 250);
		CHECK_EQ(z->pcp_high_min, t[i].high_min);
		CHECK_EQ(z->pcp_high_max, t[i].high_max);
		CHECK_EQ(dma->pcp_high_min, t[i].dma_min);
		CHECK_EQ(dma->pcp_high_max, t[i].dma_max);
		for (unsigned cpu = 0; cpu < t[i].cpus; cpu++) {
			CHECK_EQ(z->pcp[cpu].high_min, t[i].high_min);
			CHECK_EQ(z->pcp[cpu].high_max, t[i].high_max);
			CHECK_EQ(z->pcp[cpu].high, 0);
		}
		frag_mem_destroy(mem);
	}

	/*
	 * The split is over the CPUs of the zone's node: 2 GiB, 2 nodes, 4 CPUs
	 * (2 per node). Node 0 DMA32: low 10395, managed 258048.
	 */
	struct frag_mem *mem = mk_mem(2 * GiB, 2, 4, NULL);
	struct frag_zone *z0 = zone_of(mem, 0, ZONE_DMA32), *z1 = zone_of(mem, 1, ZONE_DMA32);
	CHECK_EQ(mem->nodes[0].nr_cpus, 2);
	CHECK_EQ(z0->managed_pages, 258048);
	CHECK_EQ(low_wmark_pages(z0), 10395);
	CHECK_EQ(z0->pcp_batch, 63);
	CHECK_EQ(z0->pcp_high_min, 10395 / 2);
	CHECK_EQ(z0->pcp_high_max, 258048 / 8 / 2);
	CHECK_EQ(z1->pcp_high_min, (int)(low_wmark_pages(z1) / 2));
	CHECK_EQ(z1->pcp_high_max, 262144 / 8 / 2);
	CHECK_EQ(z1->pcp[3].high_max, 262144 / 8 / 2);
	frag_mem_destroy(mem);
}

/*
 * zone_set_pageset_high_and_batch() with vm.percpu_pagelist_high_fraction = F:
 * high_min = high_max = max(managed / F / cpus_of_node, 4 * batch).
 */
static void test_zone_set_pageset_high_and_batch_high_fraction(void)
{
	struct frag_mem *mem = mk_mem(64 * MiB, 1, 1, tweak_fraction_8);
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);
	CHECK_EQ(z->pcp_high_min, 1536);
	CHECK_EQ(z->pcp_high_max, 1536);
	frag_mem_destroy(mem);

	mem = mk_mem(64 * MiB, 1, 4, tweak_fraction_100);
	z = zone_of(mem, 0, ZONE_DMA32);
	CHECK_EQ(z->pcp_high_min, 30);            /* 12288 / 100 / 4 */
	CHECK_EQ(z->pcp_high_max, 30);
	CHECK_EQ(z->pcp[2].high_min, 30);
	CHECK_EQ(z->pcp[2].high_max, 30);
	CHECK_EQ(zone_of(mem, 0, ZONE_DMA)->pcp_high_max, 10);   /* 4096 / 100 / 4 */
	frag_mem_destroy(mem);

	mem = mk_mem(64 * MiB, 1, 1, tweak_fraction_8000);
	z = zone_of(mem, 0, ZONE_DMA32);
	CHECK_EQ(z->pcp_high_min, 12);            /* 12288 / 8000 = 1 < 4 * batch */
	CHECK_EQ(z->pcp_high_max, 12);
	frag_mem_destroy(mem);
}

/*
 * rmqueue_bulk(): an empty list is refilled with nr_pcp_alloc() blocks taken
 * one by one through __rmqueue() under one zone-lock hold and appended to
 * the list TAIL in the order obtained (physical order when splitting A);
 * the allocation then takes the HEAD.
 *
 *   refill 1 (3 blocks):  [A, A+1, A+2]         -> A handed out
 *   refill 2 (6 blocks):  [A+3, ..., A+8]       -> A+3 handed out
 */
static void test_rmqueue_bulk(void)
{
	struct frag_mem *mem = mk_mem(64 * MiB, 1, 1, NULL);
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);
	uint64_t p[16] = { 0 };

	uint64_t locks = stat(mem, FRAG_STAT_zone_lock);
	CHECK_EQ(frag_alloc_pages(mem, 0, 0, GFP_HIGHUSER_MOVABLE, NULL), A);
	CHECK_EQ(stat(mem, FRAG_STAT_pcp_refill), 1);
	CHECK_EQ(stat(mem, FRAG_STAT_pcp_refill_pages), 3);
	CHECK_EQ(stat(mem, FRAG_STAT_zone_lock) - locks, 1);
	CHECK_EQ(pcp_pfns(z, 0, PI_O0_MOVABLE, p, 16), 2);
	CHECK_EQ(p[0], A + 1);
	CHECK_EQ(p[1], A + 2);
	CHECK_EQ(z->pcp[0].count, 2);
	CHECK_EQ(page_at(z, A + 1)->state, PG_PCP);
	CHECK_EQ(page_at(z, A + 1)->priv, 0);
	CHECK_EQ(page_at(z, A + 1)->mt, MIGRATE_MOVABLE);

	/* The list serves the next two requests without the zone lock. */
	CHECK_EQ(frag_alloc_pages(mem, 0, 0, GFP_HIGHUSER_MOVABLE, NULL), A + 1);
	CHECK_EQ(frag_alloc_pages(mem, 0, 0, GFP_HIGHUSER_MOVABLE, NULL), A + 2);
	CHECK_EQ(stat(mem, FRAG_STAT_zone_lock) - locks, 1);
	CHECK_EQ(stat(mem, FRAG_STAT_pcp_refill), 1);
	CHECK_EQ(z->pcp[0].count, 0);

	CHECK_EQ(frag_alloc_pages(mem, 0, 0, GFP_HIGHUSER_MOVABLE, NULL), A + 3);
	CHECK_EQ(stat(mem, FRAG_STAT_pcp_refill), 2);
	CHECK_EQ(stat(mem, FRAG_STAT_pcp_refill_pages), 9);
	CHECK_EQ(stat(mem, FRAG_STAT_zone_lock) - locks, 2);
	CHECK_EQ(pcp_pfns(z, 0, PI_O0_MOVABLE, p, 16), 5);
	for (unsigned i = 0; i < 5; i++)
		CHECK_EQ(p[i], A + 4 + i);
	CHECK_EQ(z->pcp[0].count, 5);
	/* Taken from the buddy: NR_FREE_PAGES dropped by all 9 refilled pages. */
	CHECK_EQ(z->nr_free_pages, 12288 - 9);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);

	/* Order 1: batch 3 -> max(3 >> 1, 2) = 2 blocks, counted in pages. */
	mem = mk_mem(64 * MiB, 1, 1, NULL);
	z = zone_of(mem, 0, ZONE_DMA32);
	CHECK_EQ(frag_alloc_pages(mem, 0, 1, GFP_HIGHUSER_MOVABLE, NULL), A);
	CHECK_EQ(stat(mem, FRAG_STAT_pcp_refill_pages), 4);
	CHECK_EQ(pcp_pfns(z, 0, PI_O1_MOVABLE, p, 16), 1);
	CHECK_EQ(p[0], A + 2);
	CHECK_EQ(z->pcp[0].count, 2);
	CHECK_EQ(z->pcp[0].high, 753);            /* high grows by the batch on every refill */
	CHECK_EQ(z->pcp[0].alloc_factor, 0);      /* order > 0 leaves alloc_factor alone */
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * nr_pcp_alloc(): an order-0 refill takes batch << alloc_factor pages;
 * alloc_factor grows by one per refill without an intervening free, up to
 * CONFIG_PCP_BATCH_SCALE_MAX (5), and each refill raises high by that batch
 * (zone not below high, high <= high_max). A free halves alloc_factor.
 *
 *   refill   1    2    3    4    5    6     7
 *   pages    3    6   12   24   48   96    96
 *   high   753  759  771  795  843  939  1035
 */
static void test_nr_pcp_alloc_alloc_factor(void)
{
	static const int pages[] = { 3, 6, 12, 24, 48, 96, 96 };
	static const int high[] = { 753, 759, 771, 795, 843, 939, 1035 };
	static const int af[] = { 1, 2, 3, 4, 5, 5, 5 };
	struct frag_mem *mem = mk_mem(64 * MiB, 1, 1, NULL);
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);
	struct frag_pcp *pcp = zone_pcp(z, 0);
	uint64_t expect = A, last = 0;

	for (unsigned r = 0; r < 7; r++) {
		/* Empty the list: the next allocation refills it. */
		while (pcp->count)
			CHECK_EQ(frag_alloc_pages(mem, 0, 0, GFP_HIGHUSER_MOVABLE, NULL), expect++);
		last = frag_alloc_pages(mem, 0, 0, GFP_HIGHUSER_MOVABLE, NULL);
		CHECK_EQ(last, expect++);
		CHECK_EQ(stat(mem, FRAG_STAT_pcp_refill), r + 1);
		CHECK_EQ(pcp->count, pages[r] - 1);
		CHECK_EQ(pcp->high, high[r]);
		CHECK_EQ(pcp->alloc_factor, af[r]);
	}
	CHECK_EQ(stat(mem, FRAG_STAT_pcp_refill_pages), 3 + 6 + 12 + 24 + 48 + 96 + 96);

	/* A free halves alloc_factor (5 -> 2); the freed page is reused first. */
	while (pcp->count)
		CHECK_EQ(frag_alloc_pages(mem, 0, 0, GFP_HIGHUSER_MOVABLE, NULL), expect++);
	CHECK_EQ(frag_free_pages(mem, 0, last, 0), 0);
	CHECK_EQ(pcp->alloc_factor, 2);
	CHECK_EQ(frag_alloc_pages(mem, 0, 0, GFP_HIGHUSER_MOVABLE, NULL), last);
	CHECK_EQ(frag_alloc_pages(mem, 0, 0, GFP_HIGHUSER_MOVABLE, NULL), expect);
	CHECK_EQ(stat(mem, FRAG_STAT_pcp_refill), 8);
	CHECK_EQ(pcp->count, 12 - 1);             /* 3 << 2 */
	CHECK_EQ(pcp->alloc_factor, 3);
	CHECK_EQ(pcp->high, 1035 + 12);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * nr_pcp_alloc(): the order-0 refill is capped at max(high - count - batch,
 * batch), and alloc_factor only grows while the uncapped batch fits. With
 * high pinned to 12 (high_min == high_max: no growth) and batch 3:
 *   refill 1: 3 <= 9 -> 3 pages, af 1;  refill 2: 6 <= 9 -> 6, af 2;
 *   refill 3: 12 > 9 -> 9, af stays 2;  refill 4: 9 again.
 */
static void test_nr_pcp_alloc_capped_by_high(void)
{
	static const int pages[] = { 3, 6, 9, 9 };
	static const int af[] = { 1, 2, 2, 2 };
	struct frag_mem *mem = mk_mem(64 * MiB, 1, 1, tweak_fraction_8000);
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);
	struct frag_pcp *pcp = zone_pcp(z, 0);
	uint64_t refilled = 0;

	for (unsigned r = 0; r < 4; r++) {
		while (pcp->count)
			CHECK(frag_alloc_pages(mem, 0, 0, GFP_HIGHUSER_MOVABLE, NULL) != FRAG_PFN_NONE);
		CHECK(frag_alloc_pages(mem, 0, 0, GFP_HIGHUSER_MOVABLE, NULL) != FRAG_PFN_NONE);
		refilled += (uint64_t)pages[r];
		CHECK_EQ(stat(mem, FRAG_STAT_pcp_refill_pages), refilled);
		CHECK_EQ(pcp->count, pages[r] - 1);
		CHECK_EQ(pcp->alloc_factor, af[r]);
		CHECK_EQ(pcp->high, 12);
	}

	/*
	 * Pages on other lists count too: an order-1 refill (which leaves
	 * alloc_factor at 2) parks 2 pages, so the next order-0 refill is
	 * min(3 << 2, max(12 - 2 - 3, 3)) = 7.
	 */
	while (pcp->count)
		CHECK(frag_alloc_pages(mem, 0, 0, GFP_HIGHUSER_MOVABLE, NULL) != FRAG_PFN_NONE);
	CHECK(frag_alloc_pages(mem, 0, 1, GFP_HIGHUSER_MOVABLE, NULL) != FRAG_PFN_NONE);
	CHECK_EQ(pcp->count, 2);
	CHECK_EQ(pcp->alloc_factor, 2);
	refilled = stat(mem, FRAG_STAT_pcp_refill_pages);
	CHECK(frag_alloc_pages(mem, 0, 0, GFP_HIGHUSER_MOVABLE, NULL) != FRAG_PFN_NONE);
	CHECK_EQ(stat(mem, FRAG_STAT_pcp_refill_pages) - refilled, 7);
	CHECK_EQ(pcp->count, 2 + 6);
	CHECK_EQ(pcp->alloc_factor, 2);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/* nr_pcp_alloc(): while the zone is ZONE_BELOW_HIGH, a refill does not raise pcp->high. */
static void test_nr_pcp_alloc_below_high(void)
{
	struct frag_mem *mem = mk_mem(64 * MiB, 1, 1, NULL);
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);

	z->flags |= ZONE_BELOW_HIGH;
	CHECK_EQ(frag_alloc_pages(mem, 0, 0, GFP_HIGHUSER_MOVABLE, NULL), A);
	CHECK_EQ(z->pcp[0].high, 750);            /* clamped up to high_min, not 753 */
	CHECK_EQ(z->pcp[0].count, 2);
	CHECK_EQ(z->pcp[0].alloc_factor, 1);
	CHECK(z->flags & ZONE_BELOW_HIGH);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * rmqueue_pcplist() / free_frozen_page_commit(): frees go to the list HEAD
 * and allocations take the head, so on one CPU a page just freed is the next
 * one handed out (LIFO). free_count grows by 2^order per free and is halved
 * on every allocation attempt.
 */
static void test_rmqueue_pcplist_lifo(void)
{
	struct frag_mem *mem = mk_mem(64 * MiB, 1, 1, NULL);
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);
	struct frag_pcp *pcp = zone_pcp(z, 0);
	uint64_t p[8] = { 0 };

	CHECK_EQ(frag_alloc_pages(mem, 0, 0, GFP_HIGHUSER_MOVABLE, NULL), A);
	CHECK_EQ(frag_alloc_pages(mem, 0, 0, GFP_HIGHUSER_MOVABLE, NULL), A + 1);
	CHECK_EQ(frag_free_pages(mem, 0, A, 0), 0);
	CHECK_EQ(frag_free_pages(mem, 0, A + 1, 0), 0);
	/*   list: [A+1, A, A+2] */
	CHECK_EQ(pcp_pfns(z, 0, PI_O0_MOVABLE, p, 8), 3);
	CHECK_EQ(p[0], A + 1);
	CHECK_EQ(p[1], A);
	CHECK_EQ(p[2], A + 2);
	CHECK_EQ(pcp->count, 3);
	CHECK_EQ(pcp->free_count, 2);
	CHECK_EQ(frag_alloc_pages(mem, 0, 0, GFP_HIGHUSER_MOVABLE, NULL), A + 1);
	CHECK_EQ(pcp->free_count, 1);
	CHECK_EQ(frag_alloc_pages(mem, 0, 0, GFP_HIGHUSER_MOVABLE, NULL), A);
	CHECK_EQ(pcp->free_count, 0);
	CHECK_EQ(frag_alloc_pages(mem, 0, 0, GFP_HIGHUSER_MOVABLE, NULL), A + 2);
	CHECK_EQ(stat(mem, FRAG_STAT_pcp_refill), 1);

	/* Order 1: free_count += 2. */
	carve_and_free(mem, z, 0, B, 1);
	CHECK_EQ(pcp->free_count, 2);
	CHECK_EQ(frag_alloc_pages(mem, 0, 1, GFP_HIGHUSER_MOVABLE, NULL), B);
	CHECK_EQ(pcp->free_count, 1);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * Per-CPU separation: each CPU refills and allocates from its own lists. A
 * page freed on CPU 1 lands on CPU 1's list (whoever allocated it) and is
 * not visible to CPU 0.
 *
 *   CPU 0 refill: [A, A+1, A+2] -> A      CPU 1 refill: [A+3, A+4, A+5] -> A+3
 */
static void test_pcp_per_cpu_lists(void)
{
	struct frag_mem *mem = mk_mem(64 * MiB, 1, 2, NULL);
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);

	CHECK_EQ(frag_alloc_pages(mem, 0, 0, GFP_HIGHUSER_MOVABLE, NULL), A);
	CHECK_EQ(frag_alloc_pages(mem, 1, 0, GFP_HIGHUSER_MOVABLE, NULL), A + 3);
	CHECK_EQ(stat(mem, FRAG_STAT_pcp_refill), 2);
	CHECK_EQ(page_at(z, A + 1)->priv, 0);
	CHECK_EQ(page_at(z, A + 4)->priv, 1);

	CHECK_EQ(frag_free_pages(mem, 0, A, 0), 0);
	CHECK_EQ(frag_alloc_pages(mem, 1, 0, GFP_HIGHUSER_MOVABLE, NULL), A + 4);
	CHECK_EQ(frag_alloc_pages(mem, 0, 0, GFP_HIGHUSER_MOVABLE, NULL), A);

	/* A allocated on CPU 0, freed on CPU 1: CPU 1's list. */
	CHECK_EQ(frag_free_pages(mem, 1, A, 0), 0);
	CHECK_EQ(page_at(z, A)->priv, 1);
	CHECK_EQ(pcp_head_pfn(z, 1, PI_O0_MOVABLE), A);
	CHECK_EQ(z->pcp[0].count, 2);
	CHECK_EQ(z->pcp[1].count, 2);
	CHECK_EQ(frag_alloc_pages(mem, 0, 0, GFP_HIGHUSER_MOVABLE, NULL), A + 1);
	CHECK_EQ(frag_alloc_pages(mem, 1, 0, GFP_HIGHUSER_MOVABLE, NULL), A);

	/* CPU 1's list still holds A+5 only; CPU 0 emptied its list and refills from the buddy. */
	CHECK_EQ(frag_alloc_pages(mem, 0, 0, GFP_HIGHUSER_MOVABLE, NULL), A + 2);
	CHECK_EQ(frag_alloc_pages(mem, 0, 0, GFP_HIGHUSER_MOVABLE, NULL), A + 6);
	CHECK_EQ(stat(mem, FRAG_STAT_pcp_refill), 3);
	CHECK_EQ(pcp_head_pfn(z, 1, PI_O0_MOVABLE), A + 5);
	CHECK_EQ(z->pcp[1].count, 1);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * Pages parked on a PCP list are free but not in the buddy: NR_FREE_PAGES
 * excludes them, their pageblock is not entirely free, and they do not merge
 * until drained. After drain_all_pages() A merges back to order 10.
 */
static void test_pcp_pages_not_in_buddy(void)
{
	struct frag_mem *mem = mk_mem(64 * MiB, 1, 1, NULL);
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);
	const struct frag_pageblock *pb = pfn_to_pb(z, A);
	const struct frag_spb *spb = pfn_to_spb(z, A);
	struct frag_pfn_info info;

	CHECK_EQ(spb->nr_pb_free, 24);
	CHECK_EQ(frag_alloc_pages(mem, 0, 0, GFP_HIGHUSER_MOVABLE, NULL), A);
	CHECK_EQ(frag_free_pages(mem, 0, A, 0), 0);
	/* Everything in A is free, 3 pages of it on the PCP. */
	CHECK_EQ(z->nr_free_pages, 12288 - 3);
	CHECK_EQ(frag_total_free_pages(mem), 4096 + 12288 - 3);
	CHECK_EQ(z->nr_pcp_pages, 3);
	CHECK_EQ(pb->nr_pcp, 3);
	CHECK_EQ(pb->nr_free, 509);
	CHECK_EQ(spb->nr_pb_free, 23);
	CHECK_EQ(spb->nr_pcp_pages, 3);
	CHECK_EQ(z->free_area[10].nr_free, 11);
	CHECK_EQ(z->free_area[0].nr_free, 1);     /* A+3: its buddy A+2 is on the PCP */
	CHECK_EQ(page_at(z, A)->state, PG_PCP);
	CHECK_EQ(frag_pfn_info(mem, A + 2, &info), 0);
	CHECK_EQ(info.state, PFN_PCP);

	frag_drain_all_pages(mem, -1);
	CHECK_EQ(stat(mem, FRAG_STAT_drain_all_pages), 1);
	CHECK_EQ(stat(mem, FRAG_STAT_pcp_drain_pages), 3);
	CHECK_EQ(z->nr_free_pages, 12288);
	CHECK_EQ(z->nr_pcp_pages, 0);
	CHECK_EQ(pb->nr_pcp, 0);
	CHECK_EQ(pb->nr_free, 512);
	CHECK_EQ(spb->nr_pb_free, 24);
	CHECK_EQ(z->free_area[10].nr_free, 12);
	CHECK_EQ(z->free_area[0].nr_free, 0);
	CHECK_EQ(page_at(z, A)->state, PG_BUDDY);
	CHECK_EQ(page_at(z, A)->order, 10);
	CHECK_EQ(z->pcp[0].count, 0);
	CHECK_EQ(pcp_nonempty_lists(z, 0), 0);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * free_frozen_page_commit(): once count >= high (nr_pcp_high(); pinned to 12
 * here), one free_pcppages_bulk() of nr_pcp_free() = clamp(free_count, batch,
 * high - batch) = clamp(12, 3, 9) = 9 pages, from the list's tail (coldest).
 *
 *   12 frees P0..P11:  [P11 P10 ... P1 P0]  -> drain P0..P8  -> [P11 P10 P9]
 */
static void test_free_frozen_page_commit(void)
{
	struct frag_mem *mem = mk_mem(64 * MiB, 1, 1, tweak_fraction_8000);
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);
	struct frag_pcp *pcp = zone_pcp(z, 0);
	uint64_t p[16] = { 0 };

	for (unsigned i = 0; i < 11; i++)
		carve_and_free(mem, z, 0, A + 2 * i, 0);
	CHECK_EQ(pcp->count, 11);
	CHECK_EQ(pcp->free_count, 11);
	CHECK_EQ(stat(mem, FRAG_STAT_pcp_free_bulk), 0);
	uint64_t locks = stat(mem, FRAG_STAT_zone_lock);

	carve_and_free(mem, z, 0, A + 22, 0);
	CHECK_EQ(stat(mem, FRAG_STAT_pcp_free_bulk), 1);
	CHECK_EQ(stat(mem, FRAG_STAT_pcp_drain_pages), 9);
	CHECK_EQ(stat(mem, FRAG_STAT_zone_lock) - locks, 1);
	CHECK_EQ(pcp->count, 3);
	CHECK_EQ(pcp->high, 12);
	CHECK_EQ(pcp_pfns(z, 0, PI_O0_MOVABLE, p, 16), 3);
	CHECK_EQ(p[0], A + 22);
	CHECK_EQ(p[1], A + 20);
	CHECK_EQ(p[2], A + 18);
	for (unsigned i = 0; i < 9; i++)
		CHECK(page_at(z, A + 2 * i)->state != PG_PCP);
	/* A+16 went back and merged with its free buddy A+17. */
	CHECK_EQ(page_at(z, A + 16)->state, PG_BUDDY);
	CHECK_EQ(page_at(z, A + 16)->order, 1);
	CHECK_EQ(z->nr_pcp_pages, 3);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * nr_pcp_free(): clamp(free_count, batch, high - batch). With high pinned to
 * 122, free_count stops growing at batch << SCALE_MAX = 96, so the 122nd
 * free returns 96 pages (not batch = 3, not high - batch = 119).
 */
static void test_nr_pcp_free(void)
{
	struct frag_mem *mem = mk_mem(64 * MiB, 1, 1, tweak_fraction_100);
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);
	struct frag_pcp *pcp = zone_pcp(z, 0);

	CHECK_EQ(z->pcp_high_min, 122);
	for (unsigned i = 0; i < 121; i++)
		carve_and_free(mem, z, 0, A + i, 0);
	CHECK_EQ(pcp->count, 121);
	CHECK_EQ(pcp->free_count, 96);
	CHECK_EQ(stat(mem, FRAG_STAT_pcp_drain_pages), 0);
	carve_and_free(mem, z, 0, A + 121, 0);
	CHECK_EQ(stat(mem, FRAG_STAT_pcp_drain_pages), 96);
	CHECK_EQ(pcp->count, 26);
	/* The oldest 96 (A .. A+95) went back; A+96 .. A+121 stay. */
	CHECK_EQ(page_at(z, A)->state, PG_BUDDY);
	CHECK_EQ(page_at(z, A)->order, 6);        /* A .. A+63 merged */
	CHECK_EQ(page_at(z, A + 64)->order, 5);   /* A+64 .. A+95; its buddy holds PCP pages */
	CHECK_EQ(page_at(z, A + 96)->state, PG_PCP);
	CHECK_EQ(page_at(z, A + 95)->state, PG_TAIL);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * nr_pcp_high(): when a free finds count >= high, high is raised to
 * free_count + batch (within high_min..high_max), and the drain uses the
 * high from before the raise. 64 CPUs: high_min 12, high_max 24, batch 3.
 *
 *   free 12: count 12 >= 12 -> high 15, drain clamp(12, 3, 9) = 9   -> count 3
 *   free 24: count 15 >= 15 -> high min(27, 24) = 24, drain clamp(24, 3, 12) = 12 -> count 3
 */
static struct frag_mem *mk_grown_high(struct frag_zone **zp)
{
	struct frag_mem *mem = mk_mem(64 * MiB, 1, 64, NULL);
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);
	struct frag_pcp *pcp = zone_pcp(z, 0);

	CHECK_EQ(z->pcp_high_min, 12);
	CHECK_EQ(z->pcp_high_max, 24);
	for (unsigned i = 0; i < 11; i++)
		carve_and_free(mem, z, 0, A + i, 0);
	CHECK_EQ(pcp->high, 12);
	carve_and_free(mem, z, 0, A + 11, 0);
	CHECK_EQ(pcp->high, 15);
	CHECK_EQ(pcp->count, 3);
	CHECK_EQ(stat(mem, FRAG_STAT_pcp_drain_pages), 9);
	for (unsigned i = 12; i < 23; i++)
		carve_and_free(mem, z, 0, A + i, 0);
	CHECK_EQ(pcp->high, 15);
	CHECK_EQ(pcp->count, 14);
	carve_and_free(mem, z, 0, A + 23, 0);
	CHECK_EQ(pcp->high, 24);
	CHECK_EQ(pcp->count, 3);
	CHECK_EQ(pcp->free_count, 24);
	CHECK_EQ(stat(mem, FRAG_STAT_pcp_drain_pages), 21);
	*zp = z;
	return mem;
}

static void test_nr_pcp_high(void)
{
	struct frag_zone *z;
	struct frag_mem *mem = mk_grown_high(&z);
	uint64_t p[8] = { 0 };

	CHECK_EQ(pcp_pfns(z, 0, PI_O0_MOVABLE, p, 8), 3);
	CHECK_EQ(p[0], A + 23);
	CHECK_EQ(p[1], A + 22);
	CHECK_EQ(p[2], A + 21);
	/* Other CPUs' pagesets are untouched. */
	CHECK_EQ(z->pcp[1].high, 0);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * nr_pcp_high() with ZONE_BELOW_HIGH: high shrinks by max(free_count, batch)
 * (not below high_min) and the threshold becomes max(count, high_min).
 * The flag is only re-evaluated by a free that drains.
 *
 *   high 24, free_count 24 -> free: high max(24 - 25, 12) = 12, threshold 12, count 4
 *   8 more frees -> count 12 >= 12 -> drain clamp(33, 3, 9) = 9, flag cleared
 */
static void test_nr_pcp_high_below_high(void)
{
	struct frag_zone *z;
	struct frag_mem *mem = mk_grown_high(&z);
	struct frag_pcp *pcp = zone_pcp(z, 0);

	z->flags |= ZONE_BELOW_HIGH;
	carve_and_free(mem, z, 0, A + 24, 0);
	CHECK_EQ(pcp->high, 12);
	CHECK_EQ(pcp->count, 4);
	CHECK(z->flags & ZONE_BELOW_HIGH);
	for (unsigned i = 25; i < 32; i++)
		carve_and_free(mem, z, 0, A + i, 0);
	CHECK_EQ(pcp->count, 11);
	CHECK(z->flags & ZONE_BELOW_HIGH);
	CHECK_EQ(stat(mem, FRAG_STAT_pcp_drain_pages), 21);
	carve_and_free(mem, z, 0, A + 32, 0);
	CHECK_EQ(stat(mem, FRAG_STAT_pcp_drain_pages), 30);
	CHECK_EQ(pcp->count, 3);
	CHECK_EQ(pcp->high, 12);
	CHECK(!(z->flags & ZONE_BELOW_HIGH));
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * nr_pcp_high() with ZONE_RECLAIM_ACTIVE (kswapd is reclaiming the zone):
 * high shrinks by max(free_count, batch), not below high_min, and the
 * threshold is min(batch << 2, high) = 12 instead of 24. Without the flag
 * the same frees stay on the list (count 14 < 24, no drain).
 *
 *   high 24, free_count 24 -> free: high max(24 - 25, 12) = 12, threshold min(12, 12), count 4
 *   8 more frees -> count 12 >= 12 -> drain clamp(33, 3, 9) = 9
 */
static void test_nr_pcp_high_reclaim_active(void)
{
	for (int active = 1; active >= 0; active--) {
		struct frag_zone *z;
		struct frag_mem *mem = mk_grown_high(&z);
		struct frag_pcp *pcp = zone_pcp(z, 0);

		if (active)
			z->flags |= ZONE_RECLAIM_ACTIVE;
		carve_and_free(mem, z, 0, A + 24, 0);
		CHECK_EQ(pcp->high, active ? 12 : 24);
		CHECK_EQ(pcp->count, 4);
		for (unsigned i = 25; i < 33; i++)
			carve_and_free(mem, z, 0, A + i, 0);
		CHECK_EQ(stat(mem, FRAG_STAT_pcp_drain_pages), active ? 30 : 21);
		CHECK_EQ(pcp->count, active ? 3 : 12);
		CHECK_EQ(pcp->high, active ? 12 : 24);
		CHECK_CONSISTENT(mem);
		frag_mem_destroy(mem);
	}
}

/*
 * free_frozen_page_commit(): after a drain, ZONE_BELOW_HIGH is cleared if the
 * zone passes its high watermark; kswapd_failures is then reset only if it
 * had reached MAX_RECLAIM_RETRIES and another memory node follows this one
 * (next_memory_node(nid) < MAX_NUMNODES).
 *
 * 64 MiB, 2 nodes, 2 CPUs, fraction 8000: node 0 DMA32 [4096, 8192) and
 * node 1 DMA32 [8192, 16384) both have batch 1 and high 4, so the 4th free drains.
 */
static void test_free_frozen_page_commit_clears_below_high(void)
{
	struct frag_mem *mem = mk_mem(64 * MiB, 1, 1, tweak_fraction_8000);
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);

	/* One node: no other memory node, kswapd_failures is left alone. */
	z->flags |= ZONE_BELOW_HIGH;
	mem->nodes[0].kswapd_failures = MAX_RECLAIM_RETRIES;
	for (unsigned i = 0; i < 11; i++)
		carve_and_free(mem, z, 0, A + 2 * i, 0);
	CHECK(z->flags & ZONE_BELOW_HIGH);        /* no drain yet */
	carve_and_free(mem, z, 0, A + 22, 0);
	CHECK_EQ(stat(mem, FRAG_STAT_pcp_free_bulk), 1);
	CHECK(!(z->flags & ZONE_BELOW_HIGH));
	CHECK_EQ(mem->nodes[0].kswapd_failures, MAX_RECLAIM_RETRIES);
	frag_mem_destroy(mem);

	mem = mk_mem(64 * MiB, 2, 2, tweak_fraction_8000);
	struct frag_zone *z0 = zone_of(mem, 0, ZONE_DMA32), *z1 = zone_of(mem, 1, ZONE_DMA32);
	CHECK_EQ(z0->zone_start_pfn, 4096);
	CHECK_EQ(z1->zone_start_pfn, 8192);
	CHECK_EQ(z0->pcp_high_max, 4);
	CHECK_EQ(z1->pcp_high_max, 4);

	/* Node 0, failures below the limit: flag cleared, failures kept. */
	z0->flags |= ZONE_BELOW_HIGH;
	mem->nodes[0].kswapd_failures = 3;
	for (unsigned i = 0; i < 4; i++)
		carve_and_free(mem, z0, 0, 4096 + 2 * i, 0);
	CHECK(!(z0->flags & ZONE_BELOW_HIGH));
	CHECK_EQ(mem->nodes[0].kswapd_failures, 3);

	/* Node 0 at the limit, node 1 follows: reset. */
	z0->flags |= ZONE_BELOW_HIGH;
	mem->nodes[0].kswapd_failures = MAX_RECLAIM_RETRIES;
	for (unsigned i = 4; i < 8; i++)
		carve_and_free(mem, z0, 0, 4096 + 2 * i, 0);
	CHECK(!(z0->flags & ZONE_BELOW_HIGH));
	CHECK_EQ(mem->nodes[0].kswapd_failures, 0);

	/* Node 1 is the last memory node: not reset. */
	z1->flags |= ZONE_BELOW_HIGH;
	mem->nodes[1].kswapd_failures = MAX_RECLAIM_RETRIES;
	for (unsigned i = 0; i < 4; i++)
		carve_and_free(mem, z1, 1, 8192 + 2 * i, 0);
	CHECK(!(z1->flags & ZONE_BELOW_HIGH));
	CHECK_EQ(mem->nodes[1].kswapd_failures, MAX_RECLAIM_RETRIES);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * free_frozen_page_commit(), "free_high": an order 1-3 free right after
 * another order 1-3 free (PCPF_PREV_FREE_HIGH_ORDER), with free_count >=
 * batch + high_min / 2, drains min(count, batch << SCALE_MAX) pages although
 * count < high. An order-0 (or order-9) free in between clears the flag.
 *
 * High pinned to 122, batch 3: threshold 3 + 61 = 64.
 *   32 order-1 frees: count 64, free_count 64, no drain (64 < 122)
 *   order-0 free: clears the flag; count 65
 *   order-1 free: flag was clear -> no free_high; sets it; count 67
 *   order-1 free: 67 >= 64 and flag set -> drain all 69 pages
 */
static void test_free_frozen_page_commit_free_high(void)
{
	struct frag_mem *mem = mk_mem(64 * MiB, 1, 1, tweak_fraction_100);
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);
	struct frag_pcp *pcp = zone_pcp(z, 0);

	for (unsigned i = 0; i < 32; i++)
		carve_and_free(mem, z, 0, A + 4 * i, 1);
	CHECK_EQ(pcp->count, 64);
	CHECK_EQ(pcp->free_count, 64);
	CHECK(pcp->flags & PCPF_PREV_FREE_HIGH_ORDER);
	CHECK_EQ(stat(mem, FRAG_STAT_pcp_drain_pages), 0);

	carve_and_free(mem, z, 0, B, 0);
	CHECK(!(pcp->flags & PCPF_PREV_FREE_HIGH_ORDER));
	carve_and_free(mem, z, 0, B + 4, 1);
	CHECK(pcp->flags & PCPF_PREV_FREE_HIGH_ORDER);
	CHECK_EQ(pcp->count, 67);
	CHECK_EQ(stat(mem, FRAG_STAT_pcp_drain_pages), 0);

	carve_and_free(mem, z, 0, B + 8, 1);
	CHECK_EQ(stat(mem, FRAG_STAT_pcp_drain_pages), 69);
	CHECK_EQ(stat(mem, FRAG_STAT_pcp_free_bulk), 1);
	CHECK_EQ(pcp->count, 0);
	CHECK_EQ(pcp->high, 122);
	CHECK_EQ(z->nr_free_pages, 12288);
	CHECK_EQ(z->free_area[10].nr_free, 12);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);

	/* Only orders 1-3 set the flag: an order-9 (THP) free clears it. */
	mem = mk_mem(64 * MiB, 1, 1, NULL);
	z = zone_of(mem, 0, ZONE_DMA32);
	pcp = zone_pcp(z, 0);
	carve_and_free(mem, z, 0, B, 3);
	CHECK(pcp->flags & PCPF_PREV_FREE_HIGH_ORDER);
	carve_and_free(mem, z, 0, A, 9);
	CHECK(!(pcp->flags & PCPF_PREV_FREE_HIGH_ORDER));
	CHECK_EQ(pcp->count, 8 + 512);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * nr_pcp_high() with free_high also lowers high by batch << SCALE_MAX (not
 * below high_min). 64 CPUs (high_min 12, threshold 3 + 6 = 9), high grown to 24:
 *   order-1 frees: free_count 24 >= 9 from the 2nd one on -> drain everything.
 */
static void test_nr_pcp_high_free_high(void)
{
	struct frag_zone *z;
	struct frag_mem *mem = mk_grown_high(&z);
	struct frag_pcp *pcp = zone_pcp(z, 0);

	carve_and_free(mem, z, 0, B, 1);          /* first order-1 free: flag not yet set */
	CHECK_EQ(pcp->count, 5);
	CHECK_EQ(pcp->high, 24);
	carve_and_free(mem, z, 0, B + 2, 1);
	CHECK_EQ(pcp->count, 0);
	CHECK_EQ(pcp->high, 12);
	CHECK_EQ(stat(mem, FRAG_STAT_pcp_drain_pages), 21 + 7);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * free_pcppages_bulk(): start with the given list; take from each list's
 * TAIL (coldest); empty a list (or use up the count) before moving to the
 * next non-empty list, round-robin with wrap-around; count is in pages.
 *
 *   list 0 (o0 UNMOVABLE):   [U1 U0]
 *   list 1 (o0 MOVABLE):     [M2 M1 M0]
 *   list 2 (o0 RECLAIMABLE): [R0]
 *   list 4 (o1 MOVABLE):     [O]
 *
 *   bulk(2, 1): M0 M1            bulk(2, 1): M2 R0
 *   bulk(2, 3): O (2 pages)      bulk(1, 5): wraps to list 0: U0
 */
static void test_free_pcppages_bulk(void)
{
	struct frag_mem *mem = mk_mem(64 * MiB, 1, 1, NULL);
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);
	struct frag_pcp *pcp = zone_pcp(z, 0);
	const uint64_t U = A + 512, R = B + 512;

	carve_and_free(mem, z, 0, A, 0);          /* M0 */
	carve_and_free(mem, z, 0, A + 2, 0);      /* M1 */
	carve_and_free(mem, z, 0, A + 4, 0);      /* M2 */
	carve_and_free(mem, z, 0, A + 8, 1);      /* O */
	CHECK_EQ(alloc_at(mem, z, U, 0, GFP_KERNEL, 0), 0);
	relabel(z, U, MIGRATE_UNMOVABLE);
	CHECK_EQ(frag_free_pages(mem, 0, U, 0), 0);               /* U0 */
	carve_and_free(mem, z, 0, U + 2, 0);                      /* U1: MOVABLE allocation, UNMOVABLE block */
	CHECK_EQ(alloc_at(mem, z, R, 0, GFP_KERNEL | __GFP_RECLAIMABLE, 0), 0);
	relabel(z, R, MIGRATE_RECLAIMABLE);
	CHECK_EQ(frag_free_pages(mem, 0, R, 0), 0);               /* R0 */
	CHECK_EQ(pcp_head_pfn(z, 0, PI_O0_UNMOVABLE), U + 2);
	CHECK_EQ(pcp_head_pfn(z, 0, PI_O0_RECLAIMABLE), R);
	CHECK_EQ(pcp_head_pfn(z, 0, PI_O1_MOVABLE), A + 8);
	CHECK_EQ(pcp->count, 8);

	free_pcppages_bulk(mem, z, pcp, 2, PI_O0_MOVABLE);
	CHECK_EQ(free_mt(mem, A), MIGRATE_MOVABLE);
	CHECK_EQ(free_mt(mem, A + 2), MIGRATE_MOVABLE);
	CHECK_EQ(page_at(z, A + 4)->state, PG_PCP);
	CHECK_EQ(page_at(z, R)->state, PG_PCP);
	CHECK_EQ(pcp->count, 6);

	free_pcppages_bulk(mem, z, pcp, 2, PI_O0_MOVABLE);
	CHECK_EQ(free_mt(mem, A + 4), MIGRATE_MOVABLE);
	CHECK_EQ(free_mt(mem, R), MIGRATE_RECLAIMABLE);
	CHECK_EQ(page_at(z, A + 8)->state, PG_PCP);
	CHECK_EQ(page_at(z, U)->state, PG_PCP);
	CHECK_EQ(pcp->count, 4);

	free_pcppages_bulk(mem, z, pcp, 2, 3);
	CHECK_EQ(free_mt(mem, A + 8), MIGRATE_MOVABLE);
	CHECK_EQ(page_at(z, U)->state, PG_PCP);
	CHECK_EQ(pcp->count, 2);

	free_pcppages_bulk(mem, z, pcp, 1, 5);
	CHECK_EQ(free_mt(mem, U), MIGRATE_UNMOVABLE);
	CHECK_EQ(page_at(z, U + 2)->state, PG_PCP);
	CHECK_EQ(pcp->count, 1);

	/* A count larger than pcp->count is cut to it; a higher-order list may overshoot. */
	free_pcppages_bulk(mem, z, pcp, 100, 0);
	CHECK_EQ(pcp->count, 0);
	CHECK_EQ(stat(mem, FRAG_STAT_pcp_free_bulk), 5);
	CHECK_EQ(stat(mem, FRAG_STAT_pcp_drain_pages), 8);
	CHECK_EQ(z->nr_pcp_pages, 0);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * free_pcppages_bulk() reads the migratetype from the pageblock at drain
 * time: a page freed while its block was MOVABLE (so on the MOVABLE PCP
 * list) and drained after the block became HIGHATOMIC goes to the HIGHATOMIC
 * buddy list; there it merges back into the whole (HIGHATOMIC) pageblock,
 * which does not merge with its MOVABLE neighbour A.
 */
static void test_free_pcppages_bulk_pageblock_mt(void)
{
	struct frag_mem *mem = mk_mem(64 * MiB, 1, 1, NULL);
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);
	const uint64_t P = A + 512 + 5;

	carve_and_free(mem, z, 0, P, 0);
	CHECK_EQ(page_at(z, P)->state, PG_PCP);
	CHECK_EQ(page_at(z, P)->mt, MIGRATE_MOVABLE);
	relabel(z, A + 512, MIGRATE_HIGHATOMIC);
	CHECK_EQ(z->nr_free_highatomic, 511);
	frag_drain_all_pages(mem, (int)z->id);
	CHECK_EQ(page_at(z, A + 512)->state, PG_BUDDY);
	CHECK_EQ(page_at(z, A + 512)->order, 9);
	CHECK_EQ(page_at(z, A + 512)->mt, MIGRATE_HIGHATOMIC);
	CHECK_EQ(list_head_pfn(z, 9, MIGRATE_HIGHATOMIC), A + 512);
	CHECK_EQ(z->free_area[9].nr_free_mt[MIGRATE_HIGHATOMIC], 1);
	CHECK_EQ(z->nr_free_highatomic, 512);
	CHECK_EQ(list_head_pfn(z, 9, MIGRATE_MOVABLE), A);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * __free_frozen_pages(): the PCP list is chosen by the pageblock's type at
 * free time (not the allocation's); pages of HIGHATOMIC and CMA pageblocks
 * go on the MOVABLE list (order 9: list 13). On drain they return to their
 * block's buddy list.
 */
static void test___free_frozen_pages_list_choice(void)
{
	struct frag_mem *mem = mk_mem(64 * MiB, 1, 1, tweak_cma);
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);
	const uint64_t H = A + 512, C = B + 512, U = B + 1024;
	uint64_t p[4] = { 0 };

	CHECK_EQ(alloc_at(mem, z, H, 0, GFP_KERNEL, 0), 0);
	relabel(z, H, MIGRATE_HIGHATOMIC);
	CHECK_EQ(frag_free_pages(mem, 0, H, 0), 0);
	CHECK_EQ(page_at(z, H)->state, PG_PCP);
	CHECK_EQ(page_at(z, H)->mt, MIGRATE_MOVABLE);
	CHECK_EQ(pcp_head_pfn(z, 0, PI_O0_MOVABLE), H);

	CHECK_EQ(alloc_at(mem, z, C, 0, GFP_HIGHUSER_MOVABLE, OWNER_LRU), 0);
	relabel(z, C, MIGRATE_CMA);
	CHECK_EQ(frag_free_pages(mem, 0, C, 0), 0);
	CHECK_EQ(pcp_pfns(z, 0, PI_O0_MOVABLE, p, 4), 2);
	CHECK_EQ(p[0], C);
	CHECK_EQ(p[1], H);

	/* A MOVABLE allocation in an UNMOVABLE pageblock is freed to the UNMOVABLE list. */
	CHECK_EQ(alloc_at(mem, z, U, 0, GFP_HIGHUSER_MOVABLE, OWNER_LRU), 0);
	relabel(z, U, MIGRATE_UNMOVABLE);
	CHECK_EQ(frag_free_pages(mem, 0, U, 0), 0);
	CHECK_EQ(pcp_head_pfn(z, 0, PI_O0_UNMOVABLE), U);
	CHECK_EQ(page_at(z, U)->mt, MIGRATE_UNMOVABLE);

	/* An order-9 block of a HIGHATOMIC pageblock: list 13. */
	CHECK_EQ(alloc_at(mem, z, A, 9, GFP_KERNEL, 0), 0);
	set_pageblock_migratetype(z, A, MIGRATE_HIGHATOMIC);
	CHECK_EQ(frag_free_pages(mem, 0, A, 9), 0);
	CHECK_EQ(pcp_head_pfn(z, 0, PI_THP_MOVABLE), A);
	CHECK_EQ(pcp_head_pfn(z, 0, PI_THP_OTHER), FRAG_PFN_NONE);

	frag_drain_all_pages(mem, (int)z->id);
	CHECK_EQ(page_at(z, A)->order, 10);       /* A and H both HIGHATOMIC: merge */
	CHECK_EQ(page_at(z, A)->mt, MIGRATE_HIGHATOMIC);
	CHECK_EQ(page_at(z, C)->mt, MIGRATE_CMA);
	CHECK_EQ(page_at(z, C)->order, 9);
	CHECK_EQ(z->nr_free_cma, 512);
	CHECK_EQ(page_at(z, U)->mt, MIGRATE_UNMOVABLE);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * drain_pages_zone(): empties one CPU's lists of one zone in chunks of
 * batch << SCALE_MAX (96) pages; other CPUs keep theirs. drain_all_pages()
 * then empties every CPU, and everything merges back.
 */
static void test_drain_pages_zone(void)
{
	struct frag_mem *mem = mk_mem(64 * MiB, 1, 2, NULL);
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);

	for (unsigned i = 0; i < 200; i++)
		carve_and_free(mem, z, 0, A + i, 0);
	carve_and_free(mem, z, 0, B, 3);
	carve_and_free(mem, z, 1, B + 8, 0);
	carve_and_free(mem, z, 1, B + 16, 2);
	CHECK_EQ(z->pcp[0].count, 208);
	CHECK_EQ(z->pcp[1].count, 5);
	CHECK_EQ(stat(mem, FRAG_STAT_pcp_free_bulk), 0);

	drain_pages_zone(mem, z, 0);
	CHECK_EQ(stat(mem, FRAG_STAT_pcp_free_bulk), 3);          /* 96 + 96 + 16 */
	CHECK_EQ(stat(mem, FRAG_STAT_pcp_drain_pages), 208);
	CHECK_EQ(z->pcp[0].count, 0);
	CHECK_EQ(pcp_nonempty_lists(z, 0), 0);
	CHECK_EQ(z->pcp[1].count, 5);
	CHECK_EQ(page_at(z, A)->order, 10);       /* all of A is free again */
	CHECK_EQ(page_at(z, B + 8)->state, PG_PCP);
	CHECK_CONSISTENT(mem);

	frag_drain_all_pages(mem, -1);
	CHECK_EQ(z->pcp[1].count, 0);
	CHECK_EQ(z->nr_pcp_pages, 0);
	CHECK_EQ(z->nr_free_pages, 12288);
	CHECK_EQ(z->free_area[10].nr_free, 12);
	CHECK_EQ(stat(mem, FRAG_STAT_pcp_drain_pages), 213);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * decay_pcp_high() (vmstat, every second): while high > high_min,
 * high = max(count - (batch << SCALE_MAX), high - high / 8, high_min).
 * 94 allocations grow high to 939 (six refills, see the alloc_factor test).
 *
 *   939 -> 822 -> 750 (822 - 102 = 720 < high_min) -> 750
 */
static void test_decay_pcp_high(void)
{
	struct frag_mem *mem = mk_mem(64 * MiB, 1, 1, NULL);
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);
	struct frag_pcp *pcp = zone_pcp(z, 0);

	for (unsigned i = 0; i < 94; i++)
		CHECK_EQ(frag_alloc_pages(mem, 0, 0, GFP_HIGHUSER_MOVABLE, NULL), A + i);
	CHECK_EQ(pcp->high, 939);
	CHECK_EQ(pcp->count, 95);
	frag_pcp_decay(mem);
	CHECK_EQ(pcp->high, 822);
	CHECK_EQ(pcp->count, 95);
	frag_pcp_decay(mem);
	CHECK_EQ(pcp->high, 750);
	frag_pcp_decay(mem);
	CHECK_EQ(pcp->high, 750);
	CHECK_EQ(pcp->count, 95);
	CHECK_EQ(stat(mem, FRAG_STAT_pcp_drain_pages), 0);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * refresh_cpu_vm_stats() runs decay_pcp_high() on the CPU it runs on: the
 * per-CPU entry decays that CPU's lists only. CPU 0's high grows with its
 * refills; decaying CPU 1 leaves it, decaying CPU 0 applies the rule above.
 */
static void test_decay_pcp_high_this_cpu(void)
{
	struct frag_mem *mem = mk_mem(64 * MiB, 1, 2, NULL);
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);
	struct frag_pcp *pcp = zone_pcp(z, 0);

	for (unsigned i = 0; i < 94; i++)
		CHECK(frag_alloc_pages(mem, 0, 0, GFP_HIGHUSER_MOVABLE, NULL) != FRAG_PFN_NONE);
	int h0 = pcp->high;
	CHECK(h0 > pcp->high_min);
	frag_pcp_decay_cpu(mem, 1);
	CHECK_EQ(pcp->high, h0);
	frag_pcp_decay_cpu(mem, 0);
	int want = h0 - (h0 >> 3);
	if (want < pcp->count - (pcp->batch << 5))
		want = pcp->count - (pcp->batch << 5);
	if (want < pcp->high_min)
		want = pcp->high_min;
	CHECK(want < h0);
	CHECK_EQ(pcp->high, want);
	frag_pcp_decay_cpu(mem, 7);   /* no such CPU: nothing */
	CHECK_EQ(pcp->high, want);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * decay_pcp_high(): whatever is above the new high is drained (from list 0
 * on, coldest first). 64 CPUs, high grown to 24, count 23:
 *   high 24 -> 21 -> 19 -> 17 -> 15 -> 14 -> 13 -> 12 -> 12, count follows.
 */
static void test_decay_pcp_high_drains(void)
{
	static const int high[] = { 21, 19, 17, 15, 14, 13, 12, 12 };
	struct frag_zone *z;
	struct frag_mem *mem = mk_grown_high(&z);
	struct frag_pcp *pcp = zone_pcp(z, 0);

	for (unsigned i = 24; i < 44; i++)
		carve_and_free(mem, z, 0, A + i, 0);
	CHECK_EQ(pcp->count, 23);
	CHECK_EQ(pcp->high, 24);
	uint64_t drained = stat(mem, FRAG_STAT_pcp_drain_pages);
	for (unsigned i = 0; i < 8; i++) {
		frag_pcp_decay(mem);
		CHECK_EQ(pcp->high, high[i]);
		CHECK_EQ(pcp->count, high[i]);
	}
	CHECK_EQ(stat(mem, FRAG_STAT_pcp_drain_pages) - drained, 11);
	/* The coldest went first: A+21 .. A+31 drained, A+32 .. A+43 stay. */
	CHECK(page_at(z, A + 31)->state != PG_PCP);
	CHECK_EQ(page_at(z, A + 32)->state, PG_PCP);
	CHECK_EQ(page_at(z, A + 43)->state, PG_PCP);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * decay_pcp_high(): high never drops below count - (batch << SCALE_MAX), so
 * one tick drains at most 96 pages. High is set to high_max (1536) directly,
 * as a run of refills would have grown it; 1500 pages are then freed.
 *   tick 1: max(1500 - 96, 1536 - 192) = 1404, drain 96
 *   tick 2: max(1404 - 96, 1404 - 175) = 1308, drain 96
 */
static void test_decay_pcp_high_count_bound(void)
{
	struct frag_mem *mem = mk_mem(64 * MiB, 1, 1, NULL);
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);
	struct frag_pcp *pcp = zone_pcp(z, 0);

	pcp->high = pcp->high_max;
	for (unsigned i = 0; i < 1500; i++)
		carve_and_free(mem, z, 0, A + i, 0);
	CHECK_EQ(pcp->count, 1500);
	CHECK_EQ(pcp->high, 1536);
	frag_pcp_decay(mem);
	CHECK_EQ(pcp->high, 1404);
	CHECK_EQ(pcp->count, 1404);
	frag_pcp_decay(mem);
	CHECK_EQ(pcp->high, 1308);
	CHECK_EQ(pcp->count, 1308);
	CHECK_EQ(stat(mem, FRAG_STAT_pcp_drain_pages), 192);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

static const struct tap_test tests[] = {
	TAP(test_pcp_allowed_order),
	TAP(test_order_to_pindex),
	TAP(test_zone_batchsize),
	TAP(test_zone_set_pageset_high_and_batch),
	TAP(test_zone_set_pageset_high_and_batch_high_fraction),
	TAP(test_rmqueue_bulk),
	TAP(test_nr_pcp_alloc_alloc_factor),
	TAP(test_nr_pcp_alloc_capped_by_high),
	TAP(test_nr_pcp_alloc_below_high),
	TAP(test_rmqueue_pcplist_lifo),
	TAP(test_pcp_per_cpu_lists),
	TAP(test_pcp_pages_not_in_buddy),
	TAP(test_free_frozen_page_commit),
	TAP(test_nr_pcp_free),
	TAP(test_nr_pcp_high),
	TAP(test_nr_pcp_high_below_high),
	TAP(test_nr_pcp_high_reclaim_active),
	TAP(test_free_frozen_page_commit_clears_below_high),
	TAP(test_free_frozen_page_commit_free_high),
	TAP(test_nr_pcp_high_free_high),
	TAP(test_free_pcppages_bulk),
	TAP(test_free_pcppages_bulk_pageblock_mt),
	TAP(test___free_frozen_pages_list_choice),
	TAP(test_drain_pages_zone),
	TAP(test_decay_pcp_high),
	TAP(test_decay_pcp_high_this_cpu),
	TAP(test_decay_pcp_high_drains),
	TAP(test_decay_pcp_high_count_bound),
};

int main(void)
{
	return tap_main(tests, TAP_COUNT(tests));
}
