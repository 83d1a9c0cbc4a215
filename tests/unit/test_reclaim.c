/* SPDX-License-Identifier: MIT */
/*
 * test_reclaim.c - kernel-model section 7 and the reclaim parts of 4.10:
 * kswapd (balance_pgdat, pgdat_balanced, boosted reclaim, kswapd_failures,
 * kswapd_try_to_sleep), direct reclaim (try_to_free_pages, allocstall,
 * compaction_ready), get_scan_count, shrinkers (do_shrink_slab),
 * zone_reclaimable_pages and should_reclaim_retry (mm/vmscan.c,
 * mm/page_alloc.c).
 *
 * The machine: one node with one Normal zone of 16384 pages (64 MiB) from
 * pfn 0x100000, one CPU, min_free_kbytes 4096 -> min/low/high =
 * 1024/1280/1536 (gap max(1024/4, 16384 * 10/10000) = 256), watermark
 * boosting off unless a test sets a boost. The test environment owns the
 * LRU pages: fill() allocates order-0 pages of a list in pfn order, and
 * env.shrink_lru() takes them oldest first, freeing each (with a swap slot
 * for anon pages), or with `refuse` scans without reclaiming anything (every
 * page referenced). After each call it drains the PCP lists so that freed
 * pages are counted in NR_FREE_PAGES and the expected numbers are exact.
 * Free memory is set with carve_to() (unmovable kernel blocks).
 */
#include "helpers.h"

#define NORMAL_PFN 0x100000ull
#define ZONE_PAGES 16384ull
#define GFP_MOV (GFP_KERNEL | __GFP_MOVABLE)

/* ---------------------------------------------------------------------- */
/* The test environment                                                   */
/* ---------------------------------------------------------------------- */

#define MAX_LOG 4096

struct ask {
	enum frag_lru lru;
	uint64_t nr;
};

static struct fake {
	struct frag_mem *mem;
	uint64_t *lru[NR_FRAG_LRU];          /* FIFO of pfns, oldest first */
	uint32_t head[NR_FRAG_LRU], n[NR_FRAG_LRU];
	bool refuse;                          /* scan, reclaim nothing */
	unsigned cap;                         /* reclaim at most this many pages per request (0: no cap) */
	unsigned nr_asks;
	struct ask asks[MAX_LOG];             /* every shrink_lru() request, in order */
	unsigned nr_asks_reclaim_active;      /* requests made while the Normal zone had ZONE_RECLAIM_ACTIVE */
	uint64_t asked[NR_FRAG_LRU];          /* sum of nr_to_scan */
	unsigned nr_kswapd_wake, nr_kcompactd_wake, nr_oom;
	unsigned kswapd_order, kcompactd_order, kcompactd_nid;
	enum zone_type kcompactd_zone;
	/* The fake shrinker: objects[] 8 to a slab page, freed oldest first. */
	uint64_t *slab_pfns;
	uint64_t nr_objects, objects_freed;
	unsigned nr_scans;
	uint64_t scan_sizes[MAX_LOG];
} F;

static uint64_t fake_shrink_lru(void *arg, unsigned nid, enum frag_lru lru, uint64_t nr_to_scan, uint64_t *nr_scanned)
{
	uint64_t done = 0;
	(void)arg;
	(void)nid;
	if (F.nr_asks < MAX_LOG)
		F.asks[F.nr_asks] = (struct ask){ lru, nr_to_scan };
	if (zone_of(F.mem, 0, ZONE_NORMAL)->flags & ZONE_RECLAIM_ACTIVE)
		F.nr_asks_reclaim_active++;
	F.nr_asks++;
	F.asked[lru] += nr_to_scan;
	if (F.refuse) {
		uint64_t size = F.n[lru] - F.head[lru];
		*nr_scanned = nr_to_scan < size ? nr_to_scan : size;
		return 0;
	}
	while (done < nr_to_scan && (!F.cap || done < F.cap) && F.head[lru] < F.n[lru]) {
		if (F.lru[lru][F.head[lru]] == FRAG_PFN_NONE) {   /* freed by the test itself */
			F.head[lru]++;
			continue;
		}
		if (lru == FRAG_LRU_ANON && frag_swap_alloc(F.mem, 1))
			break;
		CHECK_EQ(frag_free_pages(F.mem, 0, F.lru[lru][F.head[lru]++], 0), 0);
		done++;
	}
	frag_drain_all_pages(F.mem, -1);
	*nr_scanned = done;
	return done;
}

static void fake_wakeup_kswapd(void *arg, unsigned nid, unsigned order, enum zone_type highest)
{
	(void)arg;
	(void)nid;
	(void)highest;
	F.nr_kswapd_wake++;
	F.kswapd_order = order;
}

static void fake_wakeup_kcompactd(void *arg, unsigned nid, unsigned order, enum zone_type highest)
{
	(void)arg;
	F.nr_kcompactd_wake++;
	F.kcompactd_nid = nid;
	F.kcompactd_order = order;
	F.kcompactd_zone = highest;
}

static bool fake_oom(void *arg, unsigned nid, unsigned order, gfp_t gfp)
{
	(void)arg;
	(void)nid;
	(void)order;
	(void)gfp;
	F.nr_oom++;
	return false;
}

static uint64_t fake_count_objects(void *arg, unsigned nid)
{
	(void)arg;
	(void)nid;
	return F.nr_objects - F.objects_freed;
}

/* Free the oldest objects; a slab page goes when its 8th object does. */
static uint64_t fake_scan_objects(void *arg, unsigned nid, uint64_t nr_to_scan, uint64_t *nr_scanned)
{
	uint64_t freed = 0;
	(void)arg;
	(void)nid;
	if (F.nr_scans < MAX_LOG)
		F.scan_sizes[F.nr_scans] = nr_to_scan;
	F.nr_scans++;
	while (freed < nr_to_scan && F.objects_freed < F.nr_objects) {
		F.objects_freed++;
		freed++;
		if (F.slab_pfns && F.objects_freed % 8 == 0)
			CHECK_EQ(frag_free_pages(F.mem, 0, F.slab_pfns[F.objects_freed / 8 - 1], 0), 0);
	}
	frag_drain_all_pages(F.mem, -1);
	*nr_scanned = freed;
	return freed;
}

/* One Normal zone of @pages from NORMAL_PFN, @swap_pages of swap. */
static struct frag_mem *mk(uint64_t pages, uint64_t swap_pages)
{
	struct frag_config cfg;
	struct frag_mem *mem = NULL;
	char err[512];

	for (int l = 0; l < NR_FRAG_LRU; l++)
		free(F.lru[l]);
	free(F.slab_pfns);
	memset(&F, 0, sizeof(F));
	memset(&cfg, 0, sizeof(cfg));
	cfg.geo.nr_nodes = 1;
	cfg.geo.node[0].start_pfn = NORMAL_PFN;
	cfg.geo.node[0].nr_pages = pages;
	cfg.geo.node[0].nr_cpus = 1;
	frag_sysctl_defaults(&cfg.sysctl);
	cfg.sysctl.min_free_kbytes = 4096;
	cfg.sysctl.watermark_boost_factor = 0;
	cfg.check_every = 1;
	cfg.swap_pages = swap_pages;
	cfg.env.arg = &F;
	cfg.env.shrink_lru = fake_shrink_lru;
	cfg.env.wakeup_kswapd = fake_wakeup_kswapd;
	cfg.env.wakeup_kcompactd = fake_wakeup_kcompactd;
	cfg.env.out_of_memory = fake_oom;
	if (frag_mem_create(&cfg, &mem, err, sizeof err)) {
		printf("# frag_mem_create: %s\n", err);
		exit(1);
	}
	F.mem = mem;
	return mem;
}

static struct frag_zone *normal(struct frag_mem *mem)
{
	return zone_of(mem, 0, ZONE_NORMAL);
}

/* @nr order-0 pages of @lru from the lowest free pfns, oldest first. */
static void fill(struct frag_mem *mem, enum frag_lru lru, uint64_t nr)
{
	struct frag_zone *z = normal(mem);
	struct frag_owner o = { .id = 1, .kind = lru == FRAG_LRU_FILE ? KIND_FILE : KIND_ANON, .flags = OWNER_LRU };
	uint64_t pfn = z->zone_start_pfn;

	F.lru[lru] = realloc(F.lru[lru], (F.n[lru] + nr) * sizeof(uint64_t));
	for (uint64_t i = 0; i < nr; pfn++) {
		if (take_free_block(z, pfn, 0))
			continue;
		prep_new_page(mem, z, pfn, 0, GFP_HIGHUSER_MOVABLE, &o);
		F.lru[lru][F.n[lru]++] = pfn;
		i++;
	}
}

/* @nr slab pages holding 8 objects each, for the fake shrinker. */
static void fill_slab(struct frag_mem *mem, uint64_t nr)
{
	struct frag_zone *z = normal(mem);
	uint64_t pfn = z->zone_start_pfn;

	F.slab_pfns = realloc(F.slab_pfns, nr * sizeof(uint64_t));
	for (uint64_t i = 0; i < nr; pfn++) {
		if (alloc_at(mem, z, pfn, 0, GFP_KERNEL | __GFP_RECLAIMABLE, 0))
			continue;
		F.slab_pfns[i++] = pfn;
	}
	F.nr_objects = nr * 8;
}

static void add_shrinker(struct frag_mem *mem, unsigned seeks)
{
	struct frag_shrinker sh = {
		.name = "fake",
		.seeks = seeks,
		.count_objects = fake_count_objects,
		.scan_objects = fake_scan_objects,
		.arg = &F,
	};
	int id = (int)mem->nr_shrinkers;
	CHECK_EQ(frag_register_shrinker(mem, &sh), id);
}

/* Allocate unmovable blocks until the zone has @target free pages. */
static void carve_to(struct frag_mem *mem, int64_t target)
{
	struct frag_zone *z = normal(mem);
	while (z->nr_free_pages > target) {
		uint64_t need = (uint64_t)(z->nr_free_pages - target);
		int order = 63 - __builtin_clzll(need);
		if (order > MAX_PAGE_ORDER)
			order = MAX_PAGE_ORDER;
		uint64_t pfn = FRAG_PFN_NONE;
		for (; order >= 0 && pfn == FRAG_PFN_NONE; order--)
			for (unsigned o = (unsigned)order; o < NR_PAGE_ORDERS && pfn == FRAG_PFN_NONE; o++)
				pfn = list_head_pfn(z, o, MIGRATE_MOVABLE);
		if (pfn == FRAG_PFN_NONE)
			break;
		order++;
		/* alloc_at() needs the range inside one free block: take the head's first 2^order pages. */
		if (alloc_at(mem, z, pfn, (unsigned)order, GFP_KERNEL, 0))
			break;
	}
	CHECK_EQ(z->nr_free_pages, target);
}

static uint64_t ST(const struct frag_mem *mem, enum frag_stat s)
{
	return frag_stat_get(mem, s);
}

/*
 * What reclaim asks of kcompactd: wakeup_kcompactd() (compaction.c) counts
 * the request, records the largest order and the lowest classzone for
 * kcompactd_do_work(), and wakes kcompactd (env.wakeup_kcompactd) only when
 * kcompactd_node_suitable() (tested in test_compaction.c). The machines here
 * keep high-order free blocks, so the requests are what these tests check.
 */
#define KC_REQUESTS(mem) ST((mem), FRAG_STAT_kcompactd_wake_request)

/* ---------------------------------------------------------------------- */
/* kswapd                                                                 */
/* ---------------------------------------------------------------------- */

/*
 * pgdat_balanced() / balance_pgdat(): kswapd reclaims until some zone
 * passes its high watermark (1536) and stops at the first pass that sees
 * it. File LRU 8192, 1000 free; each pass scans lru >> priority (all of it
 * reclaimed) and raises the priority (far below nr_to_reclaim = max(high,
 * 32) = 1536):
 *   prio 12: 8192>>12 = 2  -> free 1002    prio 8: 8165>>8 = 31 -> 1058
 *   prio 11: 8190>>11 = 3  -> 1005         prio 7: 8134>>7 = 63 -> 1121
 *   prio 10: 8187>>10 = 7  -> 1012         prio 6: 8071>>6 = 126 -> 1247
 *   prio  9: 8180>>9 = 15  -> 1027         prio 5: 7945>>5 = 248 -> 1495
 *   prio  4: 7697>>4 = 481 -> 1976 > 1536: balanced at the next check.
 * 976 pages; no kswapd failure; a second run finds the node balanced.
 */
static void test_pgdat_balanced_kswapd_stops_at_high(void)
{
	struct frag_mem *mem = mk(ZONE_PAGES, 0);
	struct frag_zone *z = normal(mem);
	struct frag_kswapd k;

	CHECK_EQ(z->_watermark[WMARK_MIN], 1024);
	CHECK_EQ(z->_watermark[WMARK_HIGH], 1536);
	fill(mem, FRAG_LRU_FILE, 8192);
	carve_to(mem, 1000);
	CHECK(!pgdat_balanced(mem, 0, 0, ZONE_NORMAL));

	frag_kswapd_init(&k);
	CHECK_EQ(frag_kswapd_run(mem, 0, &k), 0);
	CHECK_EQ(z->nr_free_pages, 1976);
	CHECK_EQ(k.nr_reclaimed, 976);
	CHECK_EQ(k.nr_scanned, 976);
	CHECK_EQ(ST(mem, FRAG_STAT_pgsteal_kswapd), 976);
	CHECK_EQ(ST(mem, FRAG_STAT_pgscan_file), 976);
	CHECK_EQ(ST(mem, FRAG_STAT_pgsteal_direct), 0);
	CHECK_EQ(ST(mem, FRAG_STAT_pageoutrun), 1);
	CHECK_EQ(F.nr_asks, 5 + 2 + 4 + 8 + 16);   /* 63, 126, 248 and 481 in chunks of 32 */
	/* set_reclaim_active(): every request of the run saw ZONE_RECLAIM_ACTIVE, cleared at the end. */
	CHECK_EQ(F.nr_asks_reclaim_active, F.nr_asks);
	CHECK(!(z->flags & ZONE_RECLAIM_ACTIVE));
	CHECK_EQ(F.asks[0].nr, 2);
	CHECK_EQ(F.asks[4].nr, 31);
	CHECK_EQ(mem->nodes[0].kswapd_failures, 0);
	CHECK(pgdat_balanced(mem, 0, 0, ZONE_NORMAL));
	CHECK_EQ(z->nr_lru[FRAG_LRU_FILE], 8192 - 976);

	/* Balanced: the next run reclaims nothing and is no failure. */
	CHECK_EQ(frag_kswapd_run(mem, 0, &k), 0);
	CHECK_EQ(k.nr_scanned, 0);
	CHECK_EQ(ST(mem, FRAG_STAT_pageoutrun), 2);
	CHECK_EQ(mem->nodes[0].kswapd_failures, 0);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * pgdat_balanced() under vm.defrag_mode (mm/vmscan.c, a211c6550efc and its
 * fix): for order > 0 the high watermark (1536) is met only by free pages in
 * whole free pageblocks (NR_FREE_PAGES_BLOCKS); order 0 counts every free
 * page. The zone is filled, then every odd pfn of the first 31 pageblocks
 * is freed (7936 single pages that cannot merge) and the whole last block
 * (one free order-9 block): 8448 free pages, 512 of them in free blocks.
 */
static void test_pgdat_balanced_defrag_mode_counts_blocks(void)
{
	struct frag_mem *mem = mk(ZONE_PAGES, 0);
	struct frag_zone *z = normal(mem);
	uint64_t start = z->zone_start_pfn, last_block = start + ZONE_PAGES - PAGEBLOCK_NR_PAGES;

	CHECK_EQ(z->nr_free_pages, ZONE_PAGES);
	fill(mem, FRAG_LRU_FILE, ZONE_PAGES);
	CHECK_EQ(z->nr_free_pages, 0);
	for (uint32_t i = 0; i < F.n[FRAG_LRU_FILE]; i++) {
		uint64_t pfn = F.lru[FRAG_LRU_FILE][i];
		if (pfn >= last_block || (pfn & 1)) {
			CHECK_EQ(frag_free_pages(mem, 0, pfn, 0), 0);
			F.lru[FRAG_LRU_FILE][i] = FRAG_PFN_NONE;
		}
	}
	frag_drain_all_pages(mem, -1);
	CHECK_EQ(z->nr_free_pages, 31 * 256 + 512);
	CHECK_EQ(z->nr_free_pages_blocks, 512);

	/* Without defrag_mode 8448 free pages and a free order-9 block pass at order 9. */
	CHECK(pgdat_balanced(mem, 0, PAGEBLOCK_ORDER, ZONE_NORMAL));
	CHECK(pgdat_balanced(mem, 0, 1, ZONE_NORMAL));
	mem->sysctl.defrag_mode = true;
	/* 512 - 511 and 512 - 1 free pages in whole blocks are below 1536. */
	CHECK(!pgdat_balanced(mem, 0, PAGEBLOCK_ORDER, ZONE_NORMAL));
	CHECK(!pgdat_balanced(mem, 0, 1, ZONE_NORMAL));
	CHECK(pgdat_balanced(mem, 0, 0, ZONE_NORMAL));
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * balance_pgdat(): the priority ramp. Every page is referenced (nothing is
 * reclaimed), so the LRU stays at 8192 and pass p scans exactly
 * 8192 >> p, p = 12 .. 1, in SWAP_CLUSTER_MAX chunks: 2, 4, 8, 16, 32,
 * 2 x 32, 4 x 32, ..., 128 x 32 (259 requests, 8190 pages). A run that
 * reclaims nothing counts one kswapd failure.
 */
static void test_balance_pgdat_priority_ramp(void)
{
	struct frag_mem *mem = mk(ZONE_PAGES, 0);
	struct frag_kswapd k;

	fill(mem, FRAG_LRU_FILE, 8192);
	carve_to(mem, 1000);
	F.refuse = true;
	frag_kswapd_init(&k);
	frag_kswapd_run(mem, 0, &k);

	static const uint64_t first[] = { 2, 4, 8, 16, 32, 32, 32, 32, 32 };
	for (unsigned i = 0; i < sizeof first / sizeof first[0]; i++)
		CHECK_EQ(F.asks[i].nr, first[i]);
	CHECK_EQ(F.nr_asks, 5 + 2 + 4 + 8 + 16 + 32 + 64 + 128);
	CHECK_EQ(F.asked[FRAG_LRU_FILE], 8190);
	CHECK_EQ(F.asked[FRAG_LRU_ANON], 0);
	CHECK_EQ(ST(mem, FRAG_STAT_pgscan_kswapd), 8190);
	CHECK_EQ(ST(mem, FRAG_STAT_pgsteal_kswapd), 0);
	CHECK_EQ(mem->nodes[0].kswapd_failures, 1);
	CHECK_EQ(normal(mem)->nr_free_pages, 1000);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * balance_pgdat() for a high order: once compact_gap(9) = 1024 pages are
 * reclaimed, kswapd balances for order 0 and returns 0, below the order it
 * was woken for; kswapd() then tries to sleep at order 0 and wakes
 * kcompactd for order 9 (kswapd_try_to_sleep()).
 *   passes reclaim 2+3+7+15+31+63+126+248 = 495 (free 1495), then
 *   prio 4: 481 -> 976 reclaimed, free 1976; prio 3: 7216 >> 3 = 902 ->
 *   1878 >= 1024: order 0; balanced at order 0 (free 2878).
 */
static void test_kswapd_shrink_node_compact_gap(void)
{
	struct frag_mem *mem = mk(ZONE_PAGES, 0);
	struct frag_kswapd k;

	fill(mem, FRAG_LRU_FILE, 8192);
	carve_to(mem, 1000);
	mem->nodes[0].kswapd_order = 9;
	mem->nodes[0].kswapd_highest_zoneidx = ZONE_NORMAL;
	frag_kswapd_init(&k);
	frag_kswapd_run(mem, 0, &k);
	CHECK_EQ(k.alloc_order, 9);
	CHECK_EQ(k.reclaim_order, 0);
	CHECK_EQ(k.nr_reclaimed, 1878);
	CHECK_EQ(normal(mem)->nr_free_pages, 2878);
	CHECK_EQ(mem->nodes[0].kswapd_order, 0);
	CHECK_EQ(mem->nodes[0].kswapd_highest_zoneidx, MAX_NR_ZONES);
	CHECK(!k.reread);
	/*
	 * kswapd_try_to_sleep(alloc_order 9, reclaim_order 0): nap, kcompactd for 9
	 * through compaction.c's wakeup_kcompactd(), which records the order and
	 * classzone kcompactd_do_work() will compact for; before that,
	 * reset_isolation_suitable() consumes the zone's compact_blockskip_flush.
	 */
	normal(mem)->compact_blockskip_flush = true;
	CHECK(frag_kswapd_try_to_nap(mem, 0, &k));
	CHECK(!normal(mem)->compact_blockskip_flush);
	CHECK_EQ(KC_REQUESTS(mem), 1);
	CHECK_EQ(mem->nodes[0].kcompactd_max_order, 9);
	CHECK_EQ(mem->nodes[0].kcompactd_highest_zoneidx, ZONE_NORMAL);
	CHECK_EQ(mem->nodes[0].kcompactd_max_order, 9);
	CHECK_EQ(mem->nodes[0].kcompactd_highest_zoneidx, ZONE_NORMAL);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * balance_pgdat(): boosted reclaim. The node is balanced (4000 free > high
 * 1536 + boost 1024) but carries a boost of 1024: kswapd reclaims the boost,
 * never past priority DEF_PRIORITY - 2 = 10 (8192>>12 = 2, 8190>>11 = 3,
 * then 7s and 6s at priority 10: 1027 pages in 148 passes), zeroes the
 * boost and wakes kcompactd at pageblock_order. Boosted reclaim does not
 * swap (may_swap 0: SCAN_FILE): with only anon pages, swap and swappiness
 * 200 it reclaims nothing, stops, counts a failure, and still clears the
 * boost and wakes kcompactd.
 */
static void test_balance_pgdat_boosted(void)
{
	struct frag_mem *mem = mk(ZONE_PAGES, 0);
	struct frag_zone *z = normal(mem);
	struct frag_kswapd k;

	fill(mem, FRAG_LRU_FILE, 8192);
	carve_to(mem, 4000);
	z->watermark_boost = 1024;
	CHECK(pgdat_balanced(mem, 0, 0, ZONE_NORMAL));
	frag_kswapd_init(&k);
	frag_kswapd_run(mem, 0, &k);
	CHECK_EQ(k.nr_reclaimed, 1027);
	CHECK_EQ(z->nr_free_pages, 5027);
	CHECK_EQ(z->watermark_boost, 0);
	CHECK_EQ(KC_REQUESTS(mem), 1);
	CHECK_EQ(mem->nodes[0].kcompactd_max_order, PAGEBLOCK_ORDER);
	/* kswapd asked with classzone MAX_NR_ZONES - 1 (none recorded yet);
	 * wakeup_kcompactd() only lowers the node's, which starts at its
	 * highest zone (pgdat->nr_zones - 1): Normal. */
	CHECK_EQ(mem->nodes[0].kcompactd_highest_zoneidx, ZONE_NORMAL);
	CHECK_EQ(ST(mem, FRAG_STAT_kcompactd_wake_request), 1);
	CHECK_EQ(mem->nodes[0].kswapd_failures, 0);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);

	mem = mk(ZONE_PAGES, 1 << 20);
	mem->sysctl.swappiness = 200;   /* unboosted reclaim would scan anon: SCAN_FRACT 2 * 200/200 */
	z = normal(mem);
	fill(mem, FRAG_LRU_ANON, 8192);
	carve_to(mem, 4000);
	z->watermark_boost = 1024;
	frag_kswapd_init(&k);
	frag_kswapd_run(mem, 0, &k);
	CHECK_EQ(F.asked[FRAG_LRU_ANON], 0);
	CHECK_EQ(ST(mem, FRAG_STAT_pswpout), 0);
	CHECK_EQ(frag_swap_used_pages(mem), 0);
	CHECK_EQ(z->watermark_boost, 0);
	CHECK_EQ(KC_REQUESTS(mem), 1);
	CHECK_EQ(mem->nodes[0].kswapd_failures, 1);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * kswapd_failures: 16 runs that reclaim nothing make the node hopeless;
 * wakeup_kswapd() then leaves kswapd asleep (and wakes kcompactd when the
 * caller cannot reclaim directly), prepare_kswapd_sleep() lets it sleep.
 * Direct reclaim progress on the node revives it (shrink_node()).
 */
static void test_kswapd_failures(void)
{
	struct frag_mem *mem = mk(ZONE_PAGES, 0);
	struct frag_zone *z = normal(mem);
	struct frag_kswapd k;

	fill(mem, FRAG_LRU_FILE, 8192);
	carve_to(mem, 1000);
	F.refuse = true;
	frag_kswapd_init(&k);
	for (unsigned i = 1; i <= MAX_RECLAIM_RETRIES; i++) {
		/* Still woken while below 16. */
		wakeup_kswapd(mem, z, GFP_KERNEL, 0, ZONE_NORMAL);
		CHECK_EQ(F.nr_kswapd_wake, i);
		CHECK(!frag_kswapd_try_to_nap(mem, 0, &k));
		frag_kswapd_run(mem, 0, &k);
		CHECK_EQ(mem->nodes[0].kswapd_failures, i);
	}
	wakeup_kswapd(mem, z, GFP_KERNEL, 0, ZONE_NORMAL);
	CHECK_EQ(F.nr_kswapd_wake, MAX_RECLAIM_RETRIES);
	CHECK_EQ(KC_REQUESTS(mem), 0);
	wakeup_kswapd(mem, z, GFP_NOWAIT, 2, ZONE_NORMAL);
	CHECK_EQ(F.nr_kswapd_wake, MAX_RECLAIM_RETRIES);
	CHECK_EQ(KC_REQUESTS(mem), 1);
	CHECK_EQ(mem->nodes[0].kcompactd_max_order, 2);
	CHECK_EQ(ST(mem, FRAG_STAT_kswapd_wake_request), MAX_RECLAIM_RETRIES + 2);
	CHECK(frag_kswapd_try_to_nap(mem, 0, &k));   /* hopeless: may sleep */

	/* A direct reclaim that makes progress revives kswapd. */
	F.refuse = false;
	CHECK(try_to_free_pages(mem, 0, 0, GFP_MOV) >= SWAP_CLUSTER_MAX);
	CHECK_EQ(mem->nodes[0].kswapd_failures, 0);
	wakeup_kswapd(mem, z, GFP_KERNEL, 0, ZONE_NORMAL);
	CHECK_EQ(F.nr_kswapd_wake, MAX_RECLAIM_RETRIES + 1);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * wakeup_kswapd(): the order and classzone are recorded first; a running
 * kswapd (not on its waitqueue) is not woken; a balanced, unboosted node is
 * not either, and kcompactd is woken instead only for callers that cannot
 * reclaim directly (wakeup_kcompactd() ignores order 0).
 */
static void test_wakeup_kswapd(void)
{
	struct frag_mem *mem = mk(ZONE_PAGES, 0);
	struct frag_zone *z = normal(mem);

	CHECK_EQ(mem->nodes[0].kswapd_highest_zoneidx, MAX_NR_ZONES);
	wakeup_kswapd(mem, z, GFP_KERNEL, 3, ZONE_NORMAL);         /* balanced */
	CHECK_EQ(F.nr_kswapd_wake, 0);
	CHECK_EQ(KC_REQUESTS(mem), 0);
	CHECK_EQ(mem->nodes[0].kswapd_order, 3);
	CHECK_EQ(mem->nodes[0].kswapd_highest_zoneidx, ZONE_NORMAL);
	wakeup_kswapd(mem, z, GFP_NOWAIT, 3, ZONE_DMA32);
	CHECK_EQ(KC_REQUESTS(mem), 1);
	CHECK_EQ(mem->nodes[0].kcompactd_max_order, 3);
	CHECK_EQ(mem->nodes[0].kswapd_highest_zoneidx, ZONE_NORMAL);   /* only raised */
	wakeup_kswapd(mem, z, GFP_NOWAIT, 0, ZONE_NORMAL);
	CHECK_EQ(KC_REQUESTS(mem), 1);

	/* Boosted: woken although balanced. */
	z->watermark_boost = 512;
	wakeup_kswapd(mem, z, GFP_KERNEL, 0, ZONE_NORMAL);
	CHECK_EQ(F.nr_kswapd_wake, 1);
	z->watermark_boost = 0;

	/* Unbalanced: woken, unless running. */
	carve_to(mem, 1000);
	mem->nodes[0].kswapd_active = true;
	wakeup_kswapd(mem, z, GFP_KERNEL, 5, ZONE_NORMAL);
	CHECK_EQ(F.nr_kswapd_wake, 1);
	CHECK_EQ(mem->nodes[0].kswapd_order, 5);
	mem->nodes[0].kswapd_active = false;
	wakeup_kswapd(mem, z, GFP_KERNEL, 0, ZONE_NORMAL);
	CHECK_EQ(F.nr_kswapd_wake, 2);
	CHECK_EQ(KC_REQUESTS(mem), 1);
	frag_mem_destroy(mem);
}

/*
 * kswapd_try_to_sleep() / prepare_kswapd_sleep(): a balanced node naps
 * (kcompactd woken for the order kswapd was woken for) and then sleeps; a
 * wake-up during the nap counts kswapd_low_wmark_hit_quickly and keeps the
 * order; a node still unbalanced counts kswapd_high_wmark_hit_quickly.
 */
static void test_kswapd_try_to_sleep(void)
{
	struct frag_mem *mem = mk(ZONE_PAGES, 0);
	struct frag_kswapd k;

	frag_kswapd_init(&k);
	mem->nodes[0].kswapd_order = 4;
	CHECK(frag_kswapd_try_to_nap(mem, 0, &k));
	CHECK_EQ(k.alloc_order, 4);
	CHECK_EQ(KC_REQUESTS(mem), 1);
	CHECK_EQ(mem->nodes[0].kcompactd_max_order, 4);
	CHECK(frag_kswapd_try_to_sleep(mem, 0, &k, true, false));
	CHECK_EQ(ST(mem, FRAG_STAT_kswapd_low_wmark_hit_quickly), 0);
	CHECK_EQ(ST(mem, FRAG_STAT_kswapd_high_wmark_hit_quickly), 0);

	mem->nodes[0].kswapd_order = 0;
	CHECK(!frag_kswapd_try_to_sleep(mem, 0, &k, true, true));
	CHECK_EQ(ST(mem, FRAG_STAT_kswapd_low_wmark_hit_quickly), 1);
	CHECK_EQ(mem->nodes[0].kswapd_order, 4);

	carve_to(mem, 1000);
	frag_kswapd_init(&k);
	CHECK(!frag_kswapd_try_to_nap(mem, 0, &k));
	CHECK(!frag_kswapd_try_to_sleep(mem, 0, &k, false, false));
	CHECK_EQ(ST(mem, FRAG_STAT_kswapd_high_wmark_hit_quickly), 1);
	frag_mem_destroy(mem);
}

/* ---------------------------------------------------------------------- */
/* Direct reclaim                                                         */
/* ---------------------------------------------------------------------- */

/*
 * try_to_free_pages(): SWAP_CLUSTER_MAX = 32 pages, priority 12 down. A
 * movable GFP_KERNEL request (gfp_zone() Normal) below its min watermark
 * stalls once (allocstall_normal), reclaims 2+3+7+15+31 = 58 >= 32 pages
 * (priority 12 scans its whole target: proportional_reclaim) and then gets
 * its page at the min watermark (1058 free > 1024). kswapd was woken.
 */
static void test_try_to_free_pages(void)
{
	struct frag_mem *mem = mk(ZONE_PAGES, 0);

	fill(mem, FRAG_LRU_FILE, 8192);
	carve_to(mem, 1000);
	CHECK(frag_alloc_pages(mem, 0, 0, GFP_MOV, NULL) != FRAG_PFN_NONE);
	CHECK_EQ(ST(mem, FRAG_STAT_allocstall_normal), 1);
	CHECK_EQ(ST(mem, FRAG_STAT_allocstall_movable), 0);
	CHECK_EQ(ST(mem, FRAG_STAT_allocstall_dma32), 0);
	CHECK_EQ(ST(mem, FRAG_STAT_pgsteal_direct), 58);
	CHECK_EQ(ST(mem, FRAG_STAT_pgscan_direct), 58);
	CHECK_EQ(ST(mem, FRAG_STAT_pgsteal_kswapd), 0);
	CHECK_EQ(F.nr_asks, 5);
	CHECK_EQ(F.nr_kswapd_wake, 2);   /* slowpath entry and the retry loop */
	CHECK_EQ(F.nr_asks_reclaim_active, 0);   /* only kswapd sets ZONE_RECLAIM_ACTIVE */
	CHECK_EQ(F.nr_oom, 0);

	/* GFP_HIGHUSER_MOVABLE: gfp_zone() is ZONE_MOVABLE. */
	carve_to(mem, 1000);
	CHECK(frag_alloc_pages(mem, 0, 0, GFP_HIGHUSER_MOVABLE, NULL) != FRAG_PFN_NONE);
	CHECK_EQ(ST(mem, FRAG_STAT_allocstall_movable), 1);
	CHECK_EQ(ST(mem, FRAG_STAT_allocstall_normal), 1);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * shrink_lruvec(): direct reclaim at DEF_PRIORITY scans the whole target
 * (proportional_reclaim: "a batch of work at once") although
 * nr_to_reclaim = 32 is met after the first chunk. A 1 GiB zone with 200000
 * file pages: 200000 >> 12 = 48, asked as 32 + 16; 48 reclaimed.
 */
static void test_shrink_lruvec_def_priority(void)
{
	struct frag_mem *mem = mk(262144, 0);

	fill(mem, FRAG_LRU_FILE, 200000);
	carve_to(mem, 1000);
	CHECK_EQ(try_to_free_pages(mem, 0, 0, GFP_MOV), 48);
	CHECK_EQ(F.nr_asks, 2);
	CHECK_EQ(F.asks[0].nr, 32);
	CHECK_EQ(F.asks[1].nr, 16);
	frag_mem_destroy(mem);
}

/*
 * compaction_ready(): reclaim for a costly order skips a zone that has the
 * free pages compaction needs (order-0 high watermark + compact_gap(9) =
 * 1536 + 1024) while fragmentation, not lack of memory, fails the order
 * (fragmentation index above extfrag_threshold 500): try_to_free_pages()
 * counts the stall and returns 1 without reclaiming. With fewer free pages,
 * or for order <= 3, it reclaims.
 */
static void test_compaction_ready(void)
{
	struct frag_mem *mem = mk(ZONE_PAGES, 0);
	struct frag_zone *z = normal(mem);

	fill(mem, FRAG_LRU_FILE, 8192);
	carve_to(mem, 4096);
	/* Break the free memory into order-0 blocks: every other page taken. */
	uint64_t taken = 0;
	for (uint64_t pfn = z->zone_start_pfn; pfn < zone_end_pfn(z) && taken < 2048; pfn += 2)
		if (!alloc_at(mem, z, pfn, 0, GFP_KERNEL, 0))
			taken++;
	CHECK_EQ(z->nr_free_pages, 2048);
	CHECK_EQ(z->free_area[0].nr_free, 2048);
	CHECK_EQ(try_to_free_pages(mem, 0, 9, GFP_MOV), 58);   /* 2048 < 2560: reclaims */
	CHECK_EQ(F.nr_asks, 5);

	/* Free 2560 more isolated pages (every other LRU page): 2048 + 58 + 2560 >= 2561 free, none in a
	 * block of order >= 9, fragmentation index near 1000. */
	for (unsigned i = 0; i < 2560; i++) {
		uint64_t *pfn = &F.lru[FRAG_LRU_FILE][F.head[FRAG_LRU_FILE] + 2 * i];
		CHECK_EQ(frag_free_pages(mem, 0, *pfn, 0), 0);
		*pfn = FRAG_PFN_NONE;
	}
	frag_drain_all_pages(mem, -1);
	CHECK_EQ(z->nr_free_pages, 2048 + 58 + 2560);
	CHECK(!zone_watermark_ok(mem, z, 9, min_wmark_pages(z), ZONE_NORMAL, 0));
	uint64_t asks = F.nr_asks, stalls = ST(mem, FRAG_STAT_allocstall_normal);
	CHECK_EQ(try_to_free_pages(mem, 0, 9, GFP_MOV), 1);
	CHECK_EQ(F.nr_asks, asks);
	CHECK_EQ(ST(mem, FRAG_STAT_allocstall_normal), stalls + 1);
	/* Not a costly order: reclaim goes ahead. */
	CHECK(try_to_free_pages(mem, 0, 3, GFP_MOV) >= SWAP_CLUSTER_MAX);
	CHECK(F.nr_asks > asks);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * __alloc_pages_slowpath(): GFP_ATOMIC has no __GFP_DIRECT_RECLAIM and never
 * enters direct reclaim; it only wakes kswapd, and fails when even the
 * atomic reserves are gone.
 */
static void test_gfp_atomic_no_direct_reclaim(void)
{
	struct frag_mem *mem = mk(ZONE_PAGES, 0);

	fill(mem, FRAG_LRU_FILE, 8192);
	carve_to(mem, 0);
	CHECK_EQ(frag_alloc_pages(mem, 0, 0, GFP_ATOMIC, NULL), FRAG_PFN_NONE);
	CHECK_EQ(ST(mem, FRAG_STAT_alloc_slowpath), 1);
	CHECK_EQ(F.nr_asks, 0);
	CHECK_EQ(ST(mem, FRAG_STAT_allocstall_normal) + ST(mem, FRAG_STAT_allocstall_dma32) +
			 ST(mem, FRAG_STAT_allocstall_movable),
		 0);
	CHECK_EQ(ST(mem, FRAG_STAT_pgscan_direct), 0);
	CHECK_EQ(F.nr_kswapd_wake, 2);   /* slowpath entry and retry */
	CHECK_EQ(F.nr_oom, 0);
	/* A GFP_KERNEL request reclaims (several rounds: 0 free, min 1024). */
	CHECK(frag_alloc_pages(mem, 0, 0, GFP_MOV, NULL) != FRAG_PFN_NONE);
	CHECK(ST(mem, FRAG_STAT_allocstall_normal) >= 1);
	CHECK(ST(mem, FRAG_STAT_pgsteal_direct) >= 1024);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * should_reclaim_retry(): reclaim that frees nothing (every page referenced)
 * is retried while the zone's reclaimable pages could lift it over its min
 * watermark, up to MAX_RECLAIM_RETRIES (16) loops without progress: 17
 * direct reclaims, then the OOM point (the OOM killer frees nothing here)
 * and the request fails. Without reclaimable pages it gives up at once.
 */
static void test_should_reclaim_retry_then_oom(void)
{
	struct frag_mem *mem = mk(ZONE_PAGES, 0);

	fill(mem, FRAG_LRU_FILE, 8192);
	carve_to(mem, 1000);
	F.refuse = true;
	CHECK_EQ(frag_alloc_pages(mem, 0, 0, GFP_MOV, NULL), FRAG_PFN_NONE);
	CHECK_EQ(ST(mem, FRAG_STAT_allocstall_normal), MAX_RECLAIM_RETRIES + 1);
	CHECK_EQ(F.asked[FRAG_LRU_FILE], (MAX_RECLAIM_RETRIES + 1) * 16382ull);   /* 8192 >> 12 .. 8192 >> 0 */
	CHECK_EQ(ST(mem, FRAG_STAT_oom_kill), 1);
	CHECK_EQ(F.nr_oom, 1);
	frag_mem_destroy(mem);

	/* Unreclaimable (kernel) memory only: zone_reclaimable_pages() is the
	 * free count, 400 + 400 < min 1024: one stall, then OOM. */
	mem = mk(ZONE_PAGES, 0);
	carve_to(mem, 400);
	CHECK_EQ(vmscan_zone_reclaimable_pages(mem, normal(mem)->id), 400);
	CHECK_EQ(frag_alloc_pages(mem, 0, 0, GFP_MOV, NULL), FRAG_PFN_NONE);
	CHECK_EQ(ST(mem, FRAG_STAT_allocstall_normal), 1);
	CHECK_EQ(ST(mem, FRAG_STAT_oom_kill), 1);
	frag_mem_destroy(mem);
}

/*
 * should_reclaim_retry(): "costly allocations can't rely on reclaim
 * progress" (did_some_progress && order <= PAGE_ALLOC_COSTLY_ORDER resets
 * the count). 1200 file pages and one free order-4 block (16 pages); each
 * shrink_lru() request reclaims one page, so every direct reclaim makes
 * progress but free memory stays far below min + 2^order (1024 + 16) and
 * the lone order-4 block keeps the retry check's watermark (reclaimable +
 * free = 1216) passing:
 *  - order 4 (costly) with __GFP_RETRY_MAYFAIL: 16 retries without
 *    "progress", so exactly MAX_RECLAIM_RETRIES + 1 direct reclaims; no
 *    OOM kill for a costly order; compaction is skipped throughout (free
 *    pages below its watermark) and compaction_zonelist_suitable() sees
 *    too little (reclaimable / order + free < min + compact_gap);
 *  - order 3 (not costly) from the same state: progress resets the count,
 *    it reclaims until free memory passes min + 7 and gets its page.
 */
static struct frag_mem *mk_costly_no_progress(void)
{
	struct frag_mem *mem = mk(ZONE_PAGES, 0);

	fill(mem, FRAG_LRU_FILE, 1200);
	carve_to(mem, 16);
	CHECK_EQ(normal(mem)->free_area[4].nr_free, 1);
	F.cap = 1;
	return mem;
}

static void test_should_reclaim_retry_costly_no_progress(void)
{
	struct frag_mem *mem = mk_costly_no_progress();
	struct frag_zone *z = normal(mem);

	CHECK_EQ(frag_alloc_pages(mem, 0, 4, GFP_MOV | __GFP_RETRY_MAYFAIL, NULL), FRAG_PFN_NONE);
	CHECK_EQ(ST(mem, FRAG_STAT_allocstall_normal), MAX_RECLAIM_RETRIES + 1);
	CHECK(ST(mem, FRAG_STAT_pgsteal_direct) >= MAX_RECLAIM_RETRIES + 1);
	CHECK(z->nr_free_pages < 1024 + 16);
	CHECK_EQ(ST(mem, FRAG_STAT_compact_stall), 0);
	CHECK_EQ(ST(mem, FRAG_STAT_oom_kill), 0);
	CHECK_EQ(F.nr_oom, 0);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);

	mem = mk_costly_no_progress();
	z = normal(mem);
	CHECK(frag_alloc_pages(mem, 0, 3, GFP_MOV | __GFP_RETRY_MAYFAIL, NULL) != FRAG_PFN_NONE);
	CHECK(ST(mem, FRAG_STAT_allocstall_normal) > MAX_RECLAIM_RETRIES + 1);
	CHECK_EQ(ST(mem, FRAG_STAT_oom_kill), 0);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * should_compact_retry(): after reclaim made progress and compaction failed
 * (COMPLETE), raise the priority and retry, down to MIN_COMPACT_PRIORITY
 * (SYNC_FULL, which also ignores the deferral that the failed SYNC_LIGHT
 * run set) for orders up to PAGE_ALLOC_COSTLY_ORDER; then the OOM point.
 * The zone: in every aligned group of 8 pages, pages 0-1 free, 2-6 file LRU,
 * 7 unmovable: 4096 free pages (far above min 1024 + compact_gap(3)), no
 * free block above order 1, and no way to make an order-3 block by
 * reclaim or compaction. should_reclaim_retry() then gives up at once (no
 * order-3 block for its watermark check), so every retry is
 * should_compact_retry()'s. Order 3 (GFP_KERNEL, not movable, so the
 * slowpath starts with an ASYNC compaction): ASYNC, reclaim, SYNC_LIGHT,
 * reclaim, SYNC_FULL, OOM: three stalls, two direct reclaims.
 */
static bool fake_migrate(void *arg, const struct frag_owner *owner, uint64_t old_pfn, uint64_t new_pfn,
			 unsigned order)
{
	(void)arg;
	(void)order;
	if (owner->kind != KIND_FILE)
		return false;
	for (uint32_t i = F.head[FRAG_LRU_FILE]; i < F.n[FRAG_LRU_FILE]; i++)
		if (F.lru[FRAG_LRU_FILE][i] == old_pfn) {
			F.lru[FRAG_LRU_FILE][i] = new_pfn;
			return true;
		}
	return false;
}

static void test_should_compact_retry_priority(void)
{
	struct frag_mem *mem = mk(ZONE_PAGES, 0);
	struct frag_zone *z = normal(mem);
	struct frag_owner o = { .id = 1, .kind = KIND_FILE, .flags = OWNER_LRU };

	mem->env.migrate_folio = fake_migrate;
	F.lru[FRAG_LRU_FILE] = malloc(ZONE_PAGES * sizeof(uint64_t));
	for (uint64_t pfn = z->zone_start_pfn; pfn < zone_end_pfn(z); pfn++) {
		unsigned k = pfn & 7;
		if (k == 7) {
			CHECK_EQ(alloc_at(mem, z, pfn, 0, GFP_KERNEL, 0), 0);
		} else if (k >= 2) {
			CHECK_EQ(take_free_block(z, pfn, 0), 0);
			prep_new_page(mem, z, pfn, 0, GFP_HIGHUSER_MOVABLE, &o);
			F.lru[FRAG_LRU_FILE][F.n[FRAG_LRU_FILE]++] = pfn;
		}
	}
	CHECK_EQ(z->nr_free_pages, (int64_t)(ZONE_PAGES / 4));
	CHECK_EQ(z->free_area[2].nr_free + z->free_area[3].nr_free, 0);

	CHECK_EQ(frag_alloc_pages(mem, 0, 3, GFP_KERNEL, NULL), FRAG_PFN_NONE);
	CHECK_EQ(ST(mem, FRAG_STAT_compact_stall), 3);
	CHECK_EQ(ST(mem, FRAG_STAT_compact_fail), 3);
	CHECK_EQ(ST(mem, FRAG_STAT_allocstall_normal), 2);
	CHECK(ST(mem, FRAG_STAT_pgsteal_direct) > 0);
	CHECK_EQ(F.nr_oom, 1);
	/* Both sync runs ran and failed, each deferring order 3 once: SYNC_FULL ran
	 * although SYNC_LIGHT's failure had just deferred the zone. */
	CHECK_EQ(z->compact_defer_shift, 2);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * should_compact_retry()'s COMPACT_SUCCESS retries (mm/page_alloc.c): a
 * compaction that reports success while the allocation still fails is
 * retried MAX_COMPACT_RETRIES / 4 = 4 times for a costly order; then the
 * priority cannot rise (the loop starts at DEF_COMPACT_PRIORITY, SYNC_LIGHT,
 * already MIN_COMPACT_COSTLY_PRIORITY) and the answer is no. The lost race
 * is made the way defrag_mode makes it: an order-4 GFP_KERNEL |
 * __GFP_RETRY_MAYFAIL request under ALLOC_NOFRAGMENT, with free order-4
 * blocks only inside MOVABLE pageblocks (each buddy allocated, so nothing
 * reaches pageblock order): the order-4 watermark passes, so
 * compaction_suit_allocation_order() reports SUCCESS without scanning, and
 * __rmqueue() may not steal. Direct reclaim stops at once
 * (compaction_ready(), progress 1) and should_reclaim_retry() counts every
 * costly loop as no progress, ending after MAX_RECLAIM_RETRIES = 16. Loops:
 * 16 (reclaim retries) + 4 (SUCCESS retries) + 1 (the last, refused), then
 * defrag_mode drops NOFRAGMENT and the next attempt steals. Compactions: the
 * initial async one + one per loop = 22, all failed; reclaims: 21 (all 16
 * retries, as for a non-costly order, would make 34 compactions).
 */
static void test_should_compact_retry_success(void)
{
	struct frag_mem *mem = mk(ZONE_PAGES, 0);
	struct frag_zone *z = normal(mem);

	mem->sysctl.defrag_mode = 1;
	for (uint64_t pfn = z->zone_start_pfn; pfn < zone_end_pfn(z); pfn += 32)
		CHECK_EQ(alloc_at(mem, z, pfn, 4, GFP_HIGHUSER_MOVABLE, 0), 0);
	CHECK_EQ(z->free_area[4].nr_free, ZONE_PAGES / 32);
	for (unsigned o = 0; o < NR_PAGE_ORDERS; o++)
		if (o != 4)
			CHECK_EQ(z->free_area[o].nr_free, 0);
	CHECK_EQ(list_head_pfn(z, 4, MIGRATE_UNMOVABLE), FRAG_PFN_NONE);

	uint64_t pfn = frag_alloc_pages(mem, 0, 4, GFP_KERNEL | __GFP_RETRY_MAYFAIL, NULL);
	CHECK(pfn != FRAG_PFN_NONE);
	CHECK_EQ(ST(mem, FRAG_STAT_compact_stall), 22);
	CHECK_EQ(ST(mem, FRAG_STAT_compact_fail), 22);
	CHECK_EQ(ST(mem, FRAG_STAT_compact_success), 0);
	CHECK_EQ(ST(mem, FRAG_STAT_compact_migrate_scanned), 0);   /* SUCCESS before any scan */
	CHECK_EQ(ST(mem, FRAG_STAT_allocstall_normal), 21);
	CHECK_EQ(ST(mem, FRAG_STAT_pgsteal_direct), 0);
	CHECK_EQ(F.nr_oom, 0);
	CHECK_EQ(z->free_area[4].nr_free, ZONE_PAGES / 32 - 1);   /* stolen once NOFRAGMENT was dropped */
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * __GFP_NOFAIL at the OOM point (__alloc_pages_may_oom()): whatever the OOM
 * killer did, the request gets one attempt without watermarks
 * (__alloc_pages_cpuset_fallback(ALLOC_NO_WATERMARKS)), so a request the
 * same machine refuses without the flag gets a page below min; when even
 * that finds no page, the OOM point's claimed progress is retried once and
 * nopage's ALLOC_MIN_RESERVE attempt fails too: nofail_fail counts it (the
 * model's stand-in for the kernel's endless loop). Unreclaimable memory
 * only: 400 free pages, min 1024.
 */
static void test_nofail_last_attempt(void)
{
	struct frag_mem *mem = mk(ZONE_PAGES, 0);

	carve_to(mem, 400);
	CHECK_EQ(frag_alloc_pages(mem, 0, 0, GFP_KERNEL, NULL), FRAG_PFN_NONE);
	CHECK_EQ(ST(mem, FRAG_STAT_oom_kill), 1);
	CHECK(frag_alloc_pages(mem, 0, 0, GFP_KERNEL | __GFP_NOFAIL, NULL) != FRAG_PFN_NONE);
	CHECK_EQ(ST(mem, FRAG_STAT_oom_kill), 2);      /* it went through the OOM point first */
	CHECK_EQ(ST(mem, FRAG_STAT_nofail_fail), 0);
	CHECK_EQ(normal(mem)->nr_free_pages + normal(mem)->nr_pcp_pages, 399);   /* the refill left some on the PCP */

	frag_drain_all_pages(mem, -1);
	struct frag_zone *z = normal(mem);
	for (uint64_t pfn = z->zone_start_pfn; pfn < zone_end_pfn(z); pfn++)   /* every free block, any type */
		if (page_at(z, pfn)->state == PG_BUDDY)
			CHECK_EQ(alloc_at(mem, z, pfn, page_at(z, pfn)->order, GFP_KERNEL, 0), 0);
	CHECK_EQ(z->nr_free_pages, 0);
	CHECK_EQ(frag_alloc_pages(mem, 0, 0, GFP_KERNEL | __GFP_NOFAIL, NULL), FRAG_PFN_NONE);
	CHECK_EQ(ST(mem, FRAG_STAT_nofail_fail), 1);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * out_of_memory() for a request without __GFP_FS (GFP_NOFS): "the OOM
 * killer does not compensate for IO-less reclaim": nothing is killed
 * (oom_kill stays 0, env.out_of_memory is not called) and progress is
 * reported, so the slowpath retries; the kernel would loop until another
 * task frees memory, the model retries once (two direct reclaims, two OOM
 * points counted as oom_nofs) and fails the request. GFP_NOFS | __GFP_NOFAIL
 * gets its page from the OOM point's ALLOC_NO_WATERMARKS attempt. 400 free
 * pages, min 1024, nothing reclaimable.
 */
static void test_oom_nofs(void)
{
	struct frag_mem *mem = mk(ZONE_PAGES, 0);

	carve_to(mem, 400);
	CHECK_EQ(frag_alloc_pages(mem, 0, 0, GFP_NOFS, NULL), FRAG_PFN_NONE);
	CHECK_EQ(ST(mem, FRAG_STAT_oom_kill), 0);
	CHECK_EQ(ST(mem, FRAG_STAT_oom_nofs), 2);
	CHECK_EQ(ST(mem, FRAG_STAT_allocstall_normal), 2);
	CHECK_EQ(F.nr_oom, 0);
	CHECK_EQ(ST(mem, FRAG_STAT_nofail_fail), 0);

	CHECK(frag_alloc_pages(mem, 0, 0, GFP_NOFS | __GFP_NOFAIL, NULL) != FRAG_PFN_NONE);
	CHECK_EQ(ST(mem, FRAG_STAT_oom_nofs), 3);
	CHECK_EQ(ST(mem, FRAG_STAT_oom_kill), 0);
	CHECK_EQ(ST(mem, FRAG_STAT_nofail_fail), 0);

	/* With __GFP_FS the OOM point is the killer's: counted, env called. */
	CHECK_EQ(frag_alloc_pages(mem, 0, 0, GFP_KERNEL, NULL), FRAG_PFN_NONE);
	CHECK_EQ(ST(mem, FRAG_STAT_oom_kill), 1);
	CHECK_EQ(F.nr_oom, 1);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * nopage: for __GFP_NOFAIL: __alloc_pages_cpuset_fallback(ALLOC_MIN_RESERVE),
 * the min watermark halved (1024 -> 512), never without watermarks; a
 * request that cannot reclaim gets nothing at all. __GFP_THISNODE keeps
 * these requests away from the OOM point (and its no-watermark attempt).
 *  - 600 free: GFP_KERNEL | __GFP_THISNODE | __GFP_NOFAIL gets a page
 *    (600 > 512); without __GFP_NOFAIL it fails;
 *  - 400 free: it fails (400 < 512), counted in nofail_fail;
 *  - 600 free, GFP_NOWAIT | __GFP_NOFAIL (no direct reclaim): fails and is
 *    counted although the half-min attempt would have given a page.
 */
static void test_nofail_min_reserve(void)
{
	const gfp_t thisnode = GFP_KERNEL | __GFP_THISNODE;
	struct frag_mem *mem = mk(ZONE_PAGES, 0);

	carve_to(mem, 600);
	CHECK_EQ(frag_alloc_pages(mem, 0, 0, thisnode, NULL), FRAG_PFN_NONE);
	CHECK(frag_alloc_pages(mem, 0, 0, thisnode | __GFP_NOFAIL, NULL) != FRAG_PFN_NONE);
	CHECK_EQ(ST(mem, FRAG_STAT_oom_kill) + ST(mem, FRAG_STAT_oom_nofs), 0);
	CHECK_EQ(ST(mem, FRAG_STAT_nofail_fail), 0);
	frag_drain_all_pages(mem, -1);
	CHECK_EQ(frag_alloc_pages(mem, 0, 0, GFP_NOWAIT | __GFP_NOFAIL, NULL), FRAG_PFN_NONE);
	CHECK_EQ(ST(mem, FRAG_STAT_nofail_fail), 1);
	frag_mem_destroy(mem);

	mem = mk(ZONE_PAGES, 0);
	carve_to(mem, 400);
	CHECK_EQ(frag_alloc_pages(mem, 0, 0, thisnode | __GFP_NOFAIL, NULL), FRAG_PFN_NONE);
	CHECK_EQ(ST(mem, FRAG_STAT_nofail_fail), 1);
	CHECK_EQ(ST(mem, FRAG_STAT_oom_kill) + ST(mem, FRAG_STAT_oom_nofs), 0);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * zone_reclaimable_pages() and can_reclaim_anon_pages(): file LRU pages,
 * anon ones only while swap has a free slot, free pages when neither. Direct
 * reclaim without swap never asks for anon pages.
 */
static void test_zone_reclaimable_pages_no_swap(void)
{
	struct frag_mem *mem = mk(ZONE_PAGES, 0);
	struct frag_zone *z = normal(mem);

	fill(mem, FRAG_LRU_ANON, 8192);
	fill(mem, FRAG_LRU_FILE, 100);
	carve_to(mem, 1000);
	CHECK_EQ(z->nr_lru[FRAG_LRU_ANON], 8192);
	CHECK_EQ(z->nr_lru[FRAG_LRU_FILE], 100);
	CHECK_EQ(vmscan_zone_reclaimable_pages(mem, z->id), 100);
	CHECK_EQ(frag_node_lru_pages(mem, 0, FRAG_LRU_ANON), 8192);
	CHECK(try_to_free_pages(mem, 0, 0, GFP_MOV) > 0);
	CHECK_EQ(F.asked[FRAG_LRU_ANON], 0);
	CHECK_EQ(ST(mem, FRAG_STAT_pgscan_anon), 0);
	CHECK_EQ(ST(mem, FRAG_STAT_pswpout), 0);
	frag_mem_destroy(mem);

	/* With swap the anon pages count, until swap is full. */
	mem = mk(ZONE_PAGES, 16);
	z = normal(mem);
	fill(mem, FRAG_LRU_ANON, 8192);
	carve_to(mem, 1000);
	CHECK_EQ(vmscan_zone_reclaimable_pages(mem, z->id), 8192);
	CHECK_EQ(frag_swap_alloc(mem, 16), 0);
	CHECK_EQ(frag_swap_alloc(mem, 1), -ENOSPC);
	CHECK_EQ(vmscan_zone_reclaimable_pages(mem, z->id), 1000);   /* neither: the free pages */
	CHECK_EQ(frag_swap_free(mem, 16), 0);
	CHECK_EQ(frag_swap_free(mem, 1), -EINVAL);
	frag_mem_destroy(mem);
}

/*
 * shrink_list() on anon: each page reclaimed takes a swap slot (pswpout),
 * and no more pages than free slots are offered. Anon only, 1000 free:
 * file_is_tiny (0 + 1000 <= 1536) -> SCAN_ANON: 2 + 3 + 7 + 15 = 27, then
 * priority 8 wants 31 but only 13 slots are left: 40 pages swapped, swap
 * full. The next reclaim finds no anon it can take.
 */
static void test_shrink_list_anon_swap(void)
{
	struct frag_mem *mem = mk(ZONE_PAGES, 40);
	struct frag_zone *z = normal(mem);

	fill(mem, FRAG_LRU_ANON, 8192);
	carve_to(mem, 1000);
	CHECK_EQ(try_to_free_pages(mem, 0, 0, GFP_MOV), 40);
	CHECK_EQ(ST(mem, FRAG_STAT_pswpout), 40);
	CHECK_EQ(ST(mem, FRAG_STAT_pgsteal_anon), 40);
	CHECK_EQ(frag_swap_used_pages(mem), 40);
	CHECK_EQ(frag_nr_swap_pages(mem), 0);
	CHECK_EQ(F.asks[4].nr, 13);
	CHECK_EQ(z->nr_lru[FRAG_LRU_ANON], 8192 - 40);
	unsigned asks = F.nr_asks;
	CHECK_EQ(try_to_free_pages(mem, 0, 0, GFP_MOV), 0);
	CHECK_EQ(F.nr_asks, asks);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * get_scan_count() / prepare_scan_control() with swap: anon 65536, file
 * 2048, 1000 free on a 131072-page zone (min/low/high still
 * 1024/1280/1536). Priority 12: file >> 12 = 0 (no cache_trim_mode), file
 * not tiny -> SCAN_FRACT with swappiness 60: anon (65536 >> 12) * 60/200 = 4,
 * file 0. From priority 11 file >> prio > 0: cache_trim_mode -> SCAN_FILE:
 * 1, 1, 3, 7, 15, 31 -> 62 pages.
 */
static void test_get_scan_count(void)
{
	struct frag_mem *mem = mk(131072, 1 << 20);

	fill(mem, FRAG_LRU_ANON, 65536);
	fill(mem, FRAG_LRU_FILE, 2048);
	carve_to(mem, 1000);
	CHECK_EQ(normal(mem)->_watermark[WMARK_HIGH], 1536);
	CHECK_EQ(try_to_free_pages(mem, 0, 0, GFP_MOV), 62);
	static const struct ask want[] = {
		{ FRAG_LRU_ANON, 4 }, { FRAG_LRU_FILE, 1 }, { FRAG_LRU_FILE, 1 }, { FRAG_LRU_FILE, 3 },
		{ FRAG_LRU_FILE, 7 }, { FRAG_LRU_FILE, 15 }, { FRAG_LRU_FILE, 31 },
	};
	CHECK_EQ(F.nr_asks, 7);
	for (unsigned i = 0; i < 7; i++) {
		CHECK_EQ(F.asks[i].lru, want[i].lru);
		CHECK_EQ(F.asks[i].nr, want[i].nr);
	}
	CHECK_EQ(ST(mem, FRAG_STAT_pswpout), 4);

	/* swappiness 0: SCAN_FRACT gives anon nothing. */
	frag_mem_destroy(mem);
	mem = mk(131072, 1 << 20);
	mem->sysctl.swappiness = 0;
	fill(mem, FRAG_LRU_ANON, 65536);
	fill(mem, FRAG_LRU_FILE, 2048);
	carve_to(mem, 1000);
	CHECK_EQ(try_to_free_pages(mem, 0, 0, GFP_MOV), 58);
	CHECK_EQ(F.asked[FRAG_LRU_ANON], 0);
	frag_mem_destroy(mem);
}

/* ---------------------------------------------------------------------- */
/* Shrinkers                                                              */
/* ---------------------------------------------------------------------- */

/*
 * do_shrink_slab(): delta = (freeable >> priority) * 4 / seeks, scanned in
 * batches of SHRINK_BATCH = 128 while at least a batch (or the whole cache)
 * is left; the rest is deferred to the next call:
 *   1,000,000 objects, priority 12, seeks 2: delta = 244 * 2 = 488 ->
 *     3 x 128 = 384 scanned, 104 deferred; next call: (104 >> 12) + 488 ->
 *     384 again, 208 deferred;
 *   100 objects, priority 1: delta = 50 * 2 = 100 >= freeable: one batch
 *     of 100 (the whole cache);
 *   seeks 0: delta = freeable / 2.
 */
static void test_do_shrink_slab(void)
{
	struct frag_mem *mem = mk(ZONE_PAGES, 0);

	add_shrinker(mem, FRAG_DEFAULT_SEEKS);
	F.nr_objects = 1000000;
	CHECK_EQ(do_shrink_slab(mem, 0, 0, 12), 384);
	CHECK_EQ(F.nr_scans, 3);
	CHECK_EQ(F.scan_sizes[0], FRAG_SHRINK_BATCH);
	CHECK_EQ(ST(mem, FRAG_STAT_slabs_scanned), 384);
	CHECK_EQ(mem->shrinkers[0].nr_deferred[0], 104);
	CHECK_EQ(do_shrink_slab(mem, 0, 0, 12), 384);
	CHECK_EQ(mem->shrinkers[0].nr_deferred[0], 208);

	F.nr_objects = F.objects_freed + 100;
	mem->shrinkers[0].nr_deferred[0] = 0;
	unsigned scans = F.nr_scans;
	CHECK_EQ(do_shrink_slab(mem, 0, 0, 1), 100);
	CHECK_EQ(F.nr_scans, scans + 1);
	CHECK_EQ(F.scan_sizes[scans], 100);
	/* priority 2: delta = 25 * 2 = 50, below both a batch and the cache: deferred. */
	F.nr_objects = F.objects_freed + 100;
	CHECK_EQ(do_shrink_slab(mem, 0, 0, 2), 0);
	CHECK_EQ(mem->shrinkers[0].nr_deferred[0], 50);
	frag_mem_destroy(mem);

	mem = mk(ZONE_PAGES, 0);
	add_shrinker(mem, 0);
	F.nr_objects = 1000;
	CHECK_EQ(do_shrink_slab(mem, 0, 0, 12), 384);   /* delta 500: 3 batches, 116 deferred */
	CHECK_EQ(mem->shrinkers[0].nr_deferred[0], 116);
	frag_mem_destroy(mem);
}

/*
 * Shrinkers are per node (SHRINKER_NUMA_AWARE, as the dentry and inode
 * caches' list_lru shrinkers are): do_shrink_slab() and shrink_slab() on
 * node 1 count and scan node 1's objects only, and the work deferred is
 * node 1's (nr_deferred[nid]). Node 0: 1000000 objects, node 1: 1000.
 * Priority 12 on node 1: delta = (1000 >> 12) * 4 / 2 = 0, nothing to scan;
 * priority 0: delta = 2000 -> total_scan = min(2000, 2 * 1000) = 2000,
 * scanned in batches of 128 while total_scan >= 128 (freeable stays the
 * count taken at the start): 15 batches, 1920 scanned, all 1000 objects
 * freed, 80 deferred on node 1. Node 0 untouched.
 */
static uint64_t numa_objects[2], numa_scanned[2];

static uint64_t numa_count(void *arg, unsigned nid)
{
	(void)arg;
	return numa_objects[nid];
}

static uint64_t numa_scan(void *arg, unsigned nid, uint64_t nr_to_scan, uint64_t *nr_scanned)
{
	(void)arg;
	uint64_t n = nr_to_scan < numa_objects[nid] ? nr_to_scan : numa_objects[nid];
	numa_objects[nid] -= n;
	numa_scanned[nid] += nr_to_scan;
	*nr_scanned = nr_to_scan;
	return n;
}

static void test_shrink_slab_per_node(void)
{
	struct frag_mem *mem = mk_mem(128 * MiB, 2, 2, NULL);
	struct frag_shrinker sh = { .name = "numa", .seeks = FRAG_DEFAULT_SEEKS, .count_objects = numa_count,
				    .scan_objects = numa_scan };

	CHECK_EQ(mem->nr_nodes, 2);
	CHECK_EQ(frag_register_shrinker(mem, &sh), 0);
	numa_objects[0] = 1000000;
	numa_objects[1] = 1000;
	numa_scanned[0] = numa_scanned[1] = 0;
	CHECK_EQ(do_shrink_slab(mem, 0, 1, 12), 0);
	CHECK_EQ(numa_scanned[1], 0);
	CHECK_EQ(shrink_slab(mem, GFP_KERNEL, 1, 0), 1000);
	CHECK_EQ(numa_objects[1], 0);
	CHECK_EQ(numa_scanned[1], 15 * 128);
	CHECK_EQ(numa_scanned[0], 0);
	CHECK_EQ(numa_objects[0], 1000000);
	CHECK_EQ(mem->shrinkers[0].nr_deferred[0], 0);
	CHECK_EQ(mem->shrinkers[0].nr_deferred[1], 80);
	/* Node 0 at priority 12: (1000000 >> 12) * 2 = 488 -> 3 batches (384), 104 deferred there only. */
	CHECK_EQ(do_shrink_slab(mem, 0, 0, 12), 384);
	CHECK_EQ(numa_scanned[0], 384);
	CHECK_EQ(mem->shrinkers[0].nr_deferred[0], 104);
	CHECK_EQ(mem->shrinkers[0].nr_deferred[1], 80);
	frag_mem_destroy(mem);
}

/*
 * shrink_slab() in direct reclaim: slab pages the shrinker frees count as
 * reclaimed (flush_reclaim_state()). 12500 slab pages of 8 objects, no LRU:
 *   prio 12: delta 48, deferred;   prio 11: 96, deferred (144);
 *   prio 10: 194 -> 128 scanned = 16 pages; prio 9: 390 -> 384 = 48 pages:
 * 64 pages >= 32: done, 512 objects scanned.
 */
static void test_shrink_slab_reclaim_state(void)
{
	struct frag_mem *mem = mk(ZONE_PAGES, 0);

	add_shrinker(mem, FRAG_DEFAULT_SEEKS);
	fill_slab(mem, 12500);
	carve_to(mem, 1000);
	CHECK_EQ(try_to_free_pages(mem, 0, 0, GFP_MOV), 64);
	CHECK_EQ(ST(mem, FRAG_STAT_slabs_scanned), 512);
	CHECK_EQ(mem->shrinkers[0].nr_deferred[0], 216);
	CHECK_EQ(normal(mem)->nr_free_pages, 1064);
	CHECK_EQ(ST(mem, FRAG_STAT_pgsteal_direct), 0);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

static const struct tap_test tests[] = {
	TAP(test_pgdat_balanced_kswapd_stops_at_high),
	TAP(test_pgdat_balanced_defrag_mode_counts_blocks),
	TAP(test_balance_pgdat_priority_ramp),
	TAP(test_kswapd_shrink_node_compact_gap),
	TAP(test_balance_pgdat_boosted),
	TAP(test_kswapd_failures),
	TAP(test_wakeup_kswapd),
	TAP(test_kswapd_try_to_sleep),
	TAP(test_try_to_free_pages),
	TAP(test_shrink_lruvec_def_priority),
	TAP(test_compaction_ready),
	TAP(test_gfp_atomic_no_direct_reclaim),
	TAP(test_should_reclaim_retry_then_oom),
	TAP(test_should_reclaim_retry_costly_no_progress),
	TAP(test_should_compact_retry_priority),
	TAP(test_should_compact_retry_success),
	TAP(test_nofail_last_attempt),
	TAP(test_oom_nofs),
	TAP(test_nofail_min_reserve),
	TAP(test_zone_reclaimable_pages_no_swap),
	TAP(test_shrink_list_anon_swap),
	TAP(test_get_scan_count),
	TAP(test_do_shrink_slab),
	TAP(test_shrink_slab_per_node),
	TAP(test_shrink_slab_reclaim_state),
};

int main(void)
{
	return tap_main(tests, TAP_COUNT(tests));
}
