/* SPDX-License-Identifier: MIT */
/*
 * test_watermark.c - kernel-model section 4: min_free_kbytes, zone
 * watermarks, lowmem_reserve, __zone_watermark_ok, the zonelist walk of
 * get_page_from_freelist, the HIGHATOMIC reserve and the slowpath up to the
 * OOM point (mm/page_alloc.c, mm/khugepaged.c; notes sections 5 and 6).
 *
 * Machines (4 KiB pages, pageblock 512 pages):
 *   NORMAL_PFN   a machine from pfn 0x100000 (4 GiB) has a single Normal zone
 *   mk_zones3()  DMA [0, 0x1000), DMA32 [0x1000, 0x100000) with the PCI-like
 *                hole [0x8000, 0x100000) absent (28672 present), Normal
 *                [0x100000, 0x104000)
 *   mk_2nodes()  node 0: DMA [0, 0x1000) + DMA32 [0x1000, 0x4000);
 *                node 1: DMA32 [0x4000, 0x8000); CPU 0 on node 0, CPU 1 on node 1
 *   real machine /work/shared/data/real (README section 2, snapshot 02_workload_end)
 *
 * Free memory is set exactly with carve_to(), which allocates free buddy
 * blocks (alloc_at) until NR_FREE_PAGES reaches a target, so that every
 * threshold can be tested at mark and mark + 1.
 */
#include "helpers.h"

#define NORMAL_PFN 0x100000ull

/* Unmovable-typed flags would claim pageblocks; tests of zone choice use movable requests. */
#define GFP_MOV (GFP_KERNEL | __GFP_MOVABLE)

/* ---------------------------------------------------------------------- */
/* Machines and probes                                                    */
/* ---------------------------------------------------------------------- */

/* What the env callbacks saw. */
struct recorder {
	struct frag_mem *mem;
	unsigned nr_wake;
	unsigned wake_nid[16], wake_order[16];
	enum zone_type wake_zone[16];
	unsigned nr_oom;
	unsigned oom_nid, oom_order;
	gfp_t oom_gfp;
	uint64_t oom_free_pfn;       /* block to free from out_of_memory(), FRAG_PFN_NONE = none */
	unsigned oom_free_order;
	bool oom_ret;                /* what out_of_memory() returns */
	unsigned nr_trace_oom;
	struct frag_ev_oom trace_oom;
};

static struct recorder rec;

static void rec_wakeup_kswapd(void *arg, unsigned nid, unsigned order, enum zone_type highest_zoneidx)
{
	struct recorder *r = arg;
	if (r->nr_wake < 16) {
		r->wake_nid[r->nr_wake] = nid;
		r->wake_order[r->nr_wake] = order;
		r->wake_zone[r->nr_wake] = highest_zoneidx;
	}
	r->nr_wake++;
}

static bool rec_out_of_memory(void *arg, unsigned nid, unsigned order, gfp_t gfp)
{
	struct recorder *r = arg;
	r->nr_oom++;
	r->oom_nid = nid;
	r->oom_order = order;
	r->oom_gfp = gfp;
	if (r->oom_free_pfn != FRAG_PFN_NONE) {
		CHECK_EQ(frag_free_pages(r->mem, 0, r->oom_free_pfn, r->oom_free_order), 0);
		r->oom_free_pfn = FRAG_PFN_NONE;
	}
	return r->oom_ret;
}

static void rec_trace(void *arg, const struct frag_trace_event *ev)
{
	struct recorder *r = arg;
	if (ev->id == TRACE_OOM) {
		r->nr_trace_oom++;
		r->trace_oom = ev->oom;
	}
}

/* One node of @nr_pages from @start_pfn; min_free_kbytes @mfk (0 = computed); callbacks into rec. */
static void cfg_one_node(struct frag_config *cfg, uint64_t start_pfn, uint64_t nr_pages, unsigned cpus, uint64_t mfk)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->geo.nr_nodes = 1;
	cfg->geo.node[0].start_pfn = start_pfn;
	cfg->geo.node[0].nr_pages = nr_pages;
	cfg->geo.node[0].nr_cpus = cpus;
	frag_sysctl_defaults(&cfg->sysctl);
	cfg->sysctl.min_free_kbytes = mfk;
	cfg->check_every = 1;
}

static struct frag_mem *create(struct frag_config *cfg)
{
	struct frag_mem *mem = NULL;
	char err[512];

	memset(&rec, 0, sizeof(rec));
	rec.oom_free_pfn = FRAG_PFN_NONE;
	cfg->env.arg = &rec;
	cfg->env.wakeup_kswapd = rec_wakeup_kswapd;
	cfg->env.out_of_memory = rec_out_of_memory;
	cfg->env.trace = rec_trace;
	cfg->env.trace_mask = 1u << TRACE_OOM;
	if (frag_mem_create(cfg, &mem, err, sizeof err)) {
		printf("# frag_mem_create: %s\n", err);
		tap_fail(__FILE__, __LINE__, "frag_mem_create");
		exit(1);
	}
	rec.mem = mem;
	return mem;
}

/*
 * A single Normal zone of @pages from pfn 0x100000, one CPU, min_free_kbytes
 * @mfk. With @pages = 16384 and @mfk = 4096: pages_min = 1024 = min,
 * gap = max(1024/4, 16384 * 10/10000) = 256, so min/low/high = 1024/1280/1536.
 */
static struct frag_mem *mk_normal(uint64_t pages, uint64_t mfk)
{
	struct frag_config cfg;
	cfg_one_node(&cfg, NORMAL_PFN, pages, 1, mfk);
	return create(&cfg);
}

/*
 * DMA 4096, DMA32 28672 (hole [0x8000, 0x100000) absent), Normal 16384
 * managed pages; min_free_kbytes 4096 -> pages_min 1024 over 49152 lowmem pages:
 *   DMA    min 1024*4096/49152 = 85,   gap max(21, 4) = 21    -> 85/106/127
 *   DMA32  min 1024*28672/49152 = 597, gap max(149, 28) = 149 -> 597/746/895
 *   Normal min 1024*16384/49152 = 341, gap max(85, 16) = 85   -> 341/426/511
 * lowmem_reserve: DMA (0, 28672/256 = 112, 45056/256 = 176, 176),
 *                 DMA32 (0, 0, 16384/256 = 64, 64), Normal 0.
 */
static const struct frag_hole zones3_hole[] = { { 0x8000, 0x100000, HOLE_ABSENT } };

static struct frag_mem *mk_zones3(void)
{
	struct frag_config cfg;
	cfg_one_node(&cfg, 0, 0x104000, 1, 4096);
	cfg.geo.holes = zones3_hole;
	cfg.geo.nr_holes = 1;
	return create(&cfg);
}

/*
 * Two nodes of 64 MiB, one CPU each; min_free_kbytes 4096 -> pages_min 1024
 * over 32768 lowmem pages:
 *   node 0 DMA   (zone 0) 4096 pages:  128/160/192, lowmem_reserve (0, 48, 48, 48)
 *   node 0 DMA32 (zone 1) 12288 pages: 384/480/576
 *   node 1 DMA32 (zone 2) 16384 pages: 512/640/768
 * Zonelists (build_zonelists): node 0: 1, 0, 2; node 1: 2, 1, 0.
 */
static struct frag_mem *mk_2nodes(void)
{
	struct frag_config cfg;
	memset(&cfg, 0, sizeof(cfg));
	frag_geometry_simple(&cfg.geo, 128 * MiB, 2, 2);
	frag_sysctl_defaults(&cfg.sysctl);
	cfg.sysctl.min_free_kbytes = 4096;
	cfg.check_every = 1;
	return create(&cfg);
}

/* The pfn of the head of the first non-empty PCP-type list at @order, or FRAG_PFN_NONE. */
static uint64_t pcptype_head(const struct frag_zone *z, unsigned order)
{
	for (int mt = 0; mt < MIGRATE_PCPTYPES; mt++) {
		uint64_t pfn = list_head_pfn(z, order, mt);
		if (pfn != FRAG_PFN_NONE)
			return pfn;
	}
	return FRAG_PFN_NONE;
}

/*
 * Allocate free buddy blocks of PCP types (never HIGHATOMIC or CMA) until the
 * zone's NR_FREE_PAGES is @target: each step takes 2^k pages, k the largest
 * order not above what is still to go, from the smallest free block that
 * holds it (or a whole smaller block).
 */
static void carve_to(struct frag_mem *mem, struct frag_zone *z, int64_t target)
{
	while (z->nr_free_pages > target) {
		uint64_t need = (uint64_t)(z->nr_free_pages - target);
		int want = 63 - __builtin_clzll(need), take = -1;
		uint64_t pfn = FRAG_PFN_NONE;

		if (want > MAX_PAGE_ORDER)
			want = MAX_PAGE_ORDER;
		for (int o = want; o < NR_PAGE_ORDERS && pfn == FRAG_PFN_NONE; o++)
			if ((pfn = pcptype_head(z, (unsigned)o)) != FRAG_PFN_NONE)
				take = want;
		for (int o = want - 1; o >= 0 && pfn == FRAG_PFN_NONE; o--)
			if ((pfn = pcptype_head(z, (unsigned)o)) != FRAG_PFN_NONE)
				take = o;
		if (pfn == FRAG_PFN_NONE)
			break;
		CHECK_EQ(alloc_at(mem, z, pfn, (unsigned)take, GFP_KERNEL, 0), 0);
	}
	CHECK_EQ(z->nr_free_pages, target);
}

/* Allocate every free PCP-type buddy block of order >= @min_order. */
static void carve_orders_from(struct frag_mem *mem, struct frag_zone *z, unsigned min_order)
{
	for (unsigned o = min_order; o < NR_PAGE_ORDERS; o++) {
		uint64_t pfn;
		while ((pfn = pcptype_head(z, o)) != FRAG_PFN_NONE)
			CHECK_EQ(alloc_at(mem, z, pfn, o, GFP_KERNEL, 0), 0);
	}
}

/*
 * Leave the buddy block [@pfn, +2^@order) as the only free memory of the
 * zone: carve it out, allocate everything else, free it again
 * (orders 4-8 are not PCP orders, so it goes straight back to the buddy).
 */
static void leave_only(struct frag_mem *mem, struct frag_zone *z, uint64_t pfn, unsigned order)
{
	CHECK_EQ(alloc_at(mem, z, pfn, order, GFP_KERNEL, 0), 0);
	carve_to(mem, z, 0);
	CHECK_EQ(frag_free_pages(mem, 0, pfn, order), 0);
	CHECK_EQ(z->nr_free_pages, 1 << order);
}

/* Relabel the pageblock of @pfn and its free pages, as reserve_highatomic_pageblock() does. */
static void relabel_block(struct frag_zone *z, uint64_t pfn, int mt)
{
	int old = pb_mt(z, pfn);
	CHECK(move_freepages_block(z, pfn, old, mt) >= 0);
	set_pageblock_migratetype(z, pfn, mt);
}

static uint64_t st(const struct frag_mem *mem, enum frag_stat s)
{
	return frag_stat_get(mem, s);
}

static bool in_zone(const struct frag_zone *z, uint64_t pfn)
{
	return pfn != FRAG_PFN_NONE && zone_spans_pfn(z, pfn);
}

/* ---------------------------------------------------------------------- */
/* 4.1 min_free_kbytes                                                    */
/* ---------------------------------------------------------------------- */

static void no_thp(struct frag_config *cfg)
{
	cfg->sysctl.thp_enabled = false;
}

/*
 * calculate_min_free_kbytes(): int_sqrt(lowmem_kbytes * 16). A 16 GiB
 * machine from pfn 0 (DMA 4096 + DMA32 1044480 + Normal 3145728 pages, all
 * managed; at boot the high watermarks are still 0) has lowmem_kbytes =
 * 16777216, and int_sqrt(268435456) = 16384. With THP enabled khugepaged
 * then raises it separately (set_recommended_min_free_kbytes): 3 zones <=
 * Normal -> 512 * 3 * (2 + 3 * 3) = 16896 pages = 67584 kB.
 */
static void test_calculate_min_free_kbytes_16GiB(void)
{
	struct frag_mem *mem = mk_mem(16 * GiB, 1, 2, no_thp);

	CHECK(mem);
	CHECK_EQ(frag_total_managed_pages(mem), 4194304);
	CHECK_EQ(mem->sysctl.min_free_kbytes, 16384);
	/* pages_min 4096 split by managed pages: Normal 4096 * 3145728 / 4194304 = 3072. */
	CHECK_EQ(zone_of(mem, 0, ZONE_NORMAL)->_watermark[WMARK_MIN], 3072);
	frag_mem_destroy(mem);

	mem = mk_mem(16 * GiB, 1, 2, NULL);
	CHECK(mem);
	CHECK_EQ(mem->sysctl.min_free_kbytes, 67584);
	CHECK_EQ(zone_of(mem, 0, ZONE_NORMAL)->_watermark[WMARK_MIN], 16896 * 3145728ull / 4194304);
	frag_mem_destroy(mem);
}

/*
 * Evaluate calculate_min_free_kbytes() for given managed pages and high
 * watermarks of the zones of @mem (which are then left modified).
 */
static uint64_t min_free_kbytes_for(struct frag_mem *mem, const uint64_t *managed, const uint64_t *high)
{
	for (unsigned i = 0; i < mem->nr_zones; i++) {
		mem->zones[i].managed_pages = managed[i];
		mem->zones[i]._watermark[WMARK_HIGH] = high ? high[i] : 0;
		mem->zones[i].watermark_boost = 0;
	}
	return calculate_min_free_kbytes(mem);
}

/*
 * calculate_min_free_kbytes() = clamp(int_sqrt(lowmem_kbytes * 16), 128,
 * 262144), lowmem_kbytes = 4 * nr_free_buffer_pages(): managed pages above
 * the high watermark in zones <= Normal. Machines of 256 GiB and more are too
 * slow to build (the page array alone is 1 GiB), so the formula is evaluated
 * on a small Normal + Movable machine with its managed counts set by hand:
 *   256 GiB = 67108864 pages: int_sqrt(2^32) = 65536 (kernel-model 4.1);
 *   1 TiB: 131072; 4 TiB: exactly 262144; 8 TiB: 370727 -> clamped to 262144;
 *   256 pages: int_sqrt(16384) = 128; 255 pages: 127 -> clamped to 128.
 */
static void test_calculate_min_free_kbytes_formula(void)
{
	struct frag_config cfg;
	cfg_one_node(&cfg, NORMAL_PFN, 65536, 1, 0);
	cfg.geo.node[0].movable_pages = 16384;
	struct frag_mem *mem = create(&cfg);

	CHECK_EQ(mem->nr_zones, 2);
	CHECK_EQ(mem->zones[0].type, ZONE_NORMAL);
	CHECK_EQ(mem->zones[1].type, ZONE_MOVABLE);

	CHECK_EQ(min_free_kbytes_for(mem, (uint64_t[]){ 67108864, 0 }, NULL), 65536);
	CHECK_EQ(min_free_kbytes_for(mem, (uint64_t[]){ 268435456, 0 }, NULL), 131072);
	CHECK_EQ(min_free_kbytes_for(mem, (uint64_t[]){ 1073741824, 0 }, NULL), 262144);
	CHECK_EQ(min_free_kbytes_for(mem, (uint64_t[]){ 2147483648ull, 0 }, NULL), 262144);
	CHECK_EQ(min_free_kbytes_for(mem, (uint64_t[]){ 16384, 0 }, NULL), 1024);   /* int_sqrt(65536 * 16) */
	CHECK_EQ(min_free_kbytes_for(mem, (uint64_t[]){ 256, 0 }, NULL), 128);
	CHECK_EQ(min_free_kbytes_for(mem, (uint64_t[]){ 255, 0 }, NULL), 128);
	/* int_sqrt() is the floor: 4097 pages -> sqrt(262208) = 512.06; 4160 -> sqrt(266240) = 515.98. */
	CHECK_EQ(min_free_kbytes_for(mem, (uint64_t[]){ 4097, 0 }, NULL), 512);
	CHECK_EQ(min_free_kbytes_for(mem, (uint64_t[]){ 4160, 0 }, NULL), 515);
	/* Only pages above the high watermark count: 8388608 managed, high 4194304 -> as 16 GiB. */
	CHECK_EQ(min_free_kbytes_for(mem, (uint64_t[]){ 8388608, 0 }, (uint64_t[]){ 4194304, 0 }), 16384);
	/* A zone at or below its high watermark adds nothing (no negative contribution). */
	CHECK_EQ(min_free_kbytes_for(mem, (uint64_t[]){ 500, 0 }, (uint64_t[]){ 1000, 0 }), 128);
	/* ZONE_MOVABLE is above gfp_zone(GFP_USER) = Normal and never counts. */
	CHECK_EQ(min_free_kbytes_for(mem, (uint64_t[]){ 67108864, 268435456 }, NULL), 65536);
	frag_mem_destroy(mem);
}

/*
 * set_recommended_min_free_kbytes() (mm/khugepaged.c), capped at 5 % of
 * nr_free_buffer_pages(). 256 MiB from pfn 0: DMA 4096 + DMA32 61440 pages.
 * calculate_min_free_kbytes() = int_sqrt(65536 * 4 * 16) = 2048 kB -> pages_min
 * 512: DMA min 32, gap max(8, 4) = 8, high 48; DMA32 min 480, gap max(120, 61)
 * = 120, high 720. nr_free_buffer_pages = 4048 + 60720 = 64768, / 20 = 3238
 * pages; the recommendation 512 * 2 * 11 = 11264 is capped to 3238 pages =
 * 12952 kB. A user-set min_free_kbytes (sysctl written) is kept.
 */
static void test_set_recommended_min_free_kbytes(void)
{
	struct frag_mem *mem = mk_mem(256 * MiB, 1, 1, NULL);
	CHECK_EQ(mem->sysctl.min_free_kbytes, 12952);
	frag_mem_destroy(mem);

	mem = mk_mem(256 * MiB, 1, 1, no_thp);
	CHECK_EQ(mem->sysctl.min_free_kbytes, 2048);
	frag_mem_destroy(mem);

	struct frag_config cfg;
	cfg_one_node(&cfg, 0, 65536, 1, 1024);
	mem = create(&cfg);
	CHECK_EQ(mem->sysctl.min_free_kbytes, 1024);
	frag_mem_destroy(mem);
}

/* ---------------------------------------------------------------------- */
/* 4.2-4.3 watermarks and lowmem_reserve                                  */
/* ---------------------------------------------------------------------- */

/*
 * The real machine (/work/shared/data/real, README section 2 and
 * snapshots/02_workload_end/zoneinfo.txt, sysctl_vm.txt): one node spanning
 * pfn 1 .. 0x640000, 2 CPUs, default sysctls, THP enabled.
 *   iomem: RAM 0x1000-0x9fbff, reserved 0x9fc00-0xfffff -> pfns 0x9f..0xff
 *          absent (97 pages); x86 keeps the first MiB reserved: pfns 1..0x9e
 *          (158 pages), so DMA present 3998, managed 3840;
 *   DMA32: PCI hole [0xc0000, 0x100000) absent -> present 782336; 9418 pages
 *          reserved (kernel image from 16 MiB) -> managed 772918;
 *   Normal: 110758 pages reserved at the top (memmap) -> managed 5394266.
 * calculate_min_free_kbytes: int_sqrt(6171024 * 4 * 16) = 19873 kB; khugepaged
 * raises it to 512 * 3 * 11 pages = 67584 kB (sysctl_vm.txt). Then zoneinfo:
 *   DMA    min/low/high/promo 10/13/16/19,           protection (0, 3019, 24090, 24090)
 *   DMA32  2116/2888/3660/4432,                      protection (0, 0, 21071, 21071)
 *   Normal 14769/20163/25557/30951,                  protection (0, 0, 0, 0)
 *   pcp batch 1 / 63 / 63; high_min 6 / 1444 / 10081; high_max 240 / 48307 / 337141.
 */
static const struct frag_hole real_holes[] = {
	{ 0x9f, 0x100, HOLE_ABSENT },
	{ 0x1, 0x9f, HOLE_RESERVED },
	{ 0xc0000, 0x100000, HOLE_ABSENT },
	{ 0x1000, 0x1000 + 9418, HOLE_RESERVED },
	{ 0x640000 - 110758, 0x640000, HOLE_RESERVED },
};

static struct frag_mem *mk_real(bool thp)
{
	struct frag_config cfg;
	cfg_one_node(&cfg, 1, 0x640000 - 1, 2, 0);
	cfg.geo.holes = real_holes;
	cfg.geo.nr_holes = sizeof(real_holes) / sizeof(real_holes[0]);
	cfg.sysctl.thp_enabled = thp;
	cfg.check_every = 0;
	return create(&cfg);
}

static void test_init_per_zone_wmark_min_real_machine(void)
{
	static const struct {
		enum zone_type type;
		uint64_t start, spanned, present, managed;
		uint64_t wmark[NR_WMARK];
		uint64_t protection[MAX_NR_ZONES];
		int batch, high_min, high_max;
	} want[] = {
		{ ZONE_DMA, 0x1, 4095, 3998, 3840, { 10, 13, 16, 19 }, { 0, 3019, 24090, 24090 }, 1, 6, 240 },
		{ ZONE_DMA32, 0x1000, 1044480, 782336, 772918, { 2116, 2888, 3660, 4432 }, { 0, 0, 21071, 21071 },
		  63, 1444, 48307 },
		{ ZONE_NORMAL, 0x100000, 5505024, 5505024, 5394266, { 14769, 20163, 25557, 30951 }, { 0, 0, 0, 0 },
		  63, 10081, 337141 },
	};
	struct frag_mem *mem = mk_real(true);

	CHECK_EQ(mem->nr_zones, 3);
	CHECK_EQ(mem->nr_cpus, 2);
	CHECK_EQ(frag_total_managed_pages(mem) * 4, 24684096);   /* MemTotal */
	CHECK_EQ(mem->sysctl.min_free_kbytes, 67584);
	for (unsigned i = 0; i < 3; i++) {
		const struct frag_zone *z = zone_of(mem, 0, want[i].type);
		CHECK(z);
		if (!z)
			continue;
		CHECK_EQ(z->zone_start_pfn, want[i].start);
		CHECK_EQ(z->spanned_pages, want[i].spanned);
		CHECK_EQ(z->present_pages, want[i].present);
		CHECK_EQ(z->managed_pages, want[i].managed);
		CHECK_EQ(z->nr_free_pages, want[i].managed);
		for (int w = 0; w < NR_WMARK; w++)
			CHECK_EQ(z->_watermark[w], want[i].wmark[w]);
		CHECK_EQ(z->watermark_boost, 0);
		for (int j = 0; j < MAX_NR_ZONES; j++)
			CHECK_EQ(z->lowmem_reserve[j], want[i].protection[j]);
		CHECK_EQ(z->pcp_batch, want[i].batch);
		CHECK_EQ(z->pcp_high_min, want[i].high_min);
		CHECK_EQ(z->pcp_high_max, want[i].high_max);
		for (unsigned cpu = 0; cpu < 2; cpu++) {
			CHECK_EQ(z->pcp[cpu].batch, want[i].batch);
			CHECK_EQ(z->pcp[cpu].high_min, want[i].high_min);
			CHECK_EQ(z->pcp[cpu].high_max, want[i].high_max);
		}
	}
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);

	/* Without khugepaged the boot value stays: pages_min 4968 -> Normal min 4968 * 5394266 / 6171024. */
	mem = mk_real(false);
	CHECK_EQ(mem->sysctl.min_free_kbytes, 19873);
	CHECK_EQ(zone_of(mem, 0, ZONE_NORMAL)->_watermark[WMARK_MIN], 4342);
	frag_mem_destroy(mem);
}

/*
 * __setup_per_zone_wmarks(): the gap between marks is max(min/4, managed *
 * watermark_scale_factor / 10000). Normal-only 16384 pages, min_free_kbytes
 * 4096 (min 1024): scale 10 -> gap 256 (min/4 wins); scale 1000 -> gap 1638
 * (16384 * 1000 / 10000 = 1638.4): low 2662, high 4300, promo 5938.
 * setup_per_zone_wmarks() also resets the boost and recomputes the PCP bounds
 * (zone_pcp_update: high_min = low / CPUs).
 */
static void test___setup_per_zone_wmarks_scale_factor(void)
{
	struct frag_mem *mem = mk_normal(16384, 4096);
	struct frag_zone *z = zone_of(mem, 0, ZONE_NORMAL);

	CHECK_EQ(z->_watermark[WMARK_MIN], 1024);
	CHECK_EQ(z->_watermark[WMARK_LOW], 1280);
	CHECK_EQ(z->_watermark[WMARK_HIGH], 1536);
	CHECK_EQ(z->_watermark[WMARK_PROMO], 1792);
	CHECK_EQ(z->pcp_high_min, 1280);

	mem->sysctl.watermark_scale_factor = 1000;
	z->watermark_boost = 512;
	setup_per_zone_wmarks(mem);
	CHECK_EQ(z->_watermark[WMARK_MIN], 1024);
	CHECK_EQ(z->_watermark[WMARK_LOW], 2662);
	CHECK_EQ(z->_watermark[WMARK_HIGH], 4300);
	CHECK_EQ(z->_watermark[WMARK_PROMO], 5938);
	CHECK_EQ(z->watermark_boost, 0);
	CHECK_EQ(z->pcp_high_min, 2662);
	CHECK_EQ(z->pcp[0].high_min, 2662);
	/* wmark_pages() includes the boost. */
	z->watermark_boost = 100;
	CHECK_EQ(min_wmark_pages(z), 1124);
	CHECK_EQ(high_wmark_pages(z), 4400);
	frag_mem_destroy(mem);
}

/*
 * __setup_per_zone_wmarks() for ZONE_MOVABLE: min = clamp(managed / 1024, 32,
 * 128); its gap still uses the proportional share tmp = pages_min * managed /
 * lowmem_pages (lowmem excludes Movable). Normal 49152 + Movable 16384 pages,
 * min_free_kbytes 4096 (pages_min 1024):
 *   Normal  min 1024, gap max(256, 49) = 256 -> 1024/1280/1536
 *   Movable min clamp(16) = 32, tmp = 1024 * 16384 / 49152 = 341,
 *           gap max(85, 16) = 85 -> 32/117/202
 * Bigger Movable zones: 65536 pages -> min 64; 196608 pages -> min 128 (capped).
 * setup_per_zone_lowmem_reserve(): Normal keeps 16384 / 32 = 512 against
 * movable allocations; Movable (ratio 0) keeps nothing.
 */
static void test___setup_per_zone_wmarks_movable(void)
{
	static const struct {
		uint64_t pages, movable, normal_managed, movable_min;
	} cases[] = {
		{ 65536, 16384, 49152, 32 },
		{ 131072, 65536, 65536, 64 },
		{ 262144, 196608, 65536, 128 },
	};
	for (unsigned i = 0; i < 3; i++) {
		struct frag_config cfg;
		cfg_one_node(&cfg, NORMAL_PFN, cases[i].pages, 1, 4096);
		cfg.geo.node[0].movable_pages = cases[i].movable;
		struct frag_mem *mem = create(&cfg);
		struct frag_zone *n = zone_of(mem, 0, ZONE_NORMAL), *m = zone_of(mem, 0, ZONE_MOVABLE);
		CHECK(n && m);
		CHECK_EQ(n->managed_pages, cases[i].normal_managed);
		CHECK_EQ(m->managed_pages, cases[i].movable);
		CHECK_EQ(n->_watermark[WMARK_MIN], 1024);
		CHECK_EQ(m->_watermark[WMARK_MIN], cases[i].movable_min);
		CHECK_EQ(n->lowmem_reserve[ZONE_MOVABLE], cases[i].movable / 32);
		CHECK_EQ(n->lowmem_reserve[ZONE_NORMAL], 0);
		for (int j = 0; j < MAX_NR_ZONES; j++)
			CHECK_EQ(m->lowmem_reserve[j], 0);
		if (i == 0) {
			CHECK_EQ(n->_watermark[WMARK_LOW], 1280);
			CHECK_EQ(m->_watermark[WMARK_LOW], 117);
			CHECK_EQ(m->_watermark[WMARK_HIGH], 202);
			CHECK_EQ(m->_watermark[WMARK_PROMO], 287);
		}
		frag_mem_destroy(mem);
	}
}

/*
 * setup_per_zone_lowmem_reserve(): zone i keeps sum(managed of zones i+1..j)
 * / lowmem_reserve_ratio[i] against allocations whose highest zone is j; a
 * ratio of 0 clears the zone's reserves. See mk_zones3() for the defaults.
 */
static void test_setup_per_zone_lowmem_reserve(void)
{
	struct frag_mem *mem = mk_zones3();
	struct frag_zone *dma = zone_of(mem, 0, ZONE_DMA), *dma32 = zone_of(mem, 0, ZONE_DMA32);
	struct frag_zone *normal = zone_of(mem, 0, ZONE_NORMAL);
	static const uint64_t dma_res[] = { 0, 112, 176, 176 }, dma32_res[] = { 0, 0, 64, 64 };

	CHECK_EQ(dma32->present_pages, 28672);
	CHECK_EQ(dma32->managed_pages, 28672);
	for (int j = 0; j < MAX_NR_ZONES; j++) {
		CHECK_EQ(dma->lowmem_reserve[j], dma_res[j]);
		CHECK_EQ(dma32->lowmem_reserve[j], dma32_res[j]);
		CHECK_EQ(normal->lowmem_reserve[j], 0);
	}
	CHECK_EQ(dma->_watermark[WMARK_MIN], 85);
	CHECK_EQ(dma32->_watermark[WMARK_LOW], 746);
	CHECK_EQ(normal->_watermark[WMARK_HIGH], 511);

	mem->sysctl.lowmem_reserve_ratio[ZONE_DMA32] = 0;
	mem->sysctl.lowmem_reserve_ratio[ZONE_DMA] = 32;
	setup_per_zone_lowmem_reserve(mem);
	for (int j = 0; j < MAX_NR_ZONES; j++)
		CHECK_EQ(dma32->lowmem_reserve[j], 0);
	CHECK_EQ(dma->lowmem_reserve[ZONE_DMA32], 28672 / 32);
	CHECK_EQ(dma->lowmem_reserve[ZONE_NORMAL], 45056 / 32);
	CHECK_EQ(dma->lowmem_reserve[ZONE_MOVABLE], 45056 / 32);
	CHECK_EQ(dma->lowmem_reserve[ZONE_DMA], 0);
	frag_mem_destroy(mem);
}

/* ---------------------------------------------------------------------- */
/* 4.4 __zone_watermark_ok                                                */
/* ---------------------------------------------------------------------- */

/*
 * __zone_watermark_ok(): fail if free - (2^order - 1) <= mark +
 * lowmem_reserve[highest_zoneidx] (strict). DMA32 of mk_zones3() keeps 64
 * pages against Normal allocations and none against DMA32 ones.
 */
static void test___zone_watermark_ok_strict(void)
{
	struct frag_mem *mem = mk_zones3();
	const struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);

	CHECK(!__zone_watermark_ok(mem, z, 0, 1000, ZONE_DMA32, 0, 1000));
	CHECK(__zone_watermark_ok(mem, z, 0, 1000, ZONE_DMA32, 0, 1001));
	CHECK(!__zone_watermark_ok(mem, z, 0, 1000, ZONE_NORMAL, 0, 1064));
	CHECK(__zone_watermark_ok(mem, z, 0, 1000, ZONE_NORMAL, 0, 1065));
	CHECK(!__zone_watermark_ok(mem, z, 0, 1000, ZONE_MOVABLE, 0, 1064));
	/* 2^order - 1 pages are not usable for the request. */
	CHECK(!__zone_watermark_ok(mem, z, 3, 1000, ZONE_DMA32, 0, 1007));
	CHECK(__zone_watermark_ok(mem, z, 3, 1000, ZONE_DMA32, 0, 1008));
	CHECK(!__zone_watermark_ok(mem, z, 10, 1000, ZONE_NORMAL, 0, 2087));
	CHECK(__zone_watermark_ok(mem, z, 10, 1000, ZONE_NORMAL, 0, 2088));
	/* Negative free (more unusable than free) fails even a zero mark. */
	CHECK(!__zone_watermark_ok(mem, z, 2, 0, ZONE_DMA32, 0, 2));
	CHECK(__zone_watermark_ok(mem, z, 2, 0, ZONE_DMA32, 0, 4));
	/* zone_watermark_ok() uses NR_FREE_PAGES: 28672 free. */
	CHECK(!zone_watermark_ok(mem, z, 0, 28672, ZONE_DMA32, 0));
	CHECK(zone_watermark_ok(mem, z, 0, 28671, ZONE_DMA32, 0));
	CHECK(!zone_watermark_ok(mem, z, 0, 28608, ZONE_NORMAL, 0));
	CHECK(zone_watermark_ok(mem, z, 0, 28607, ZONE_NORMAL, 0));
	frag_mem_destroy(mem);
}

/* The smallest free count that passes @mark at order 0 with @flags. */
static int64_t pass_at(const struct frag_mem *mem, const struct frag_zone *z, uint64_t mark, unsigned flags)
{
	for (int64_t f = 0; f <= (int64_t)mark + 1; f++)
		if (__zone_watermark_ok(mem, z, 0, mark, ZONE_NORMAL, flags, f))
			return f;
	return -1;
}

/*
 * __zone_watermark_ok() with ALLOC_RESERVES: ALLOC_MIN_RESERVE (__GFP_HIGH)
 * takes min -= min/2; with ALLOC_NON_BLOCK too, min -= min/4 (GFP_ATOMIC: 3/8
 * of the mark); ALLOC_OOM takes min -= min/2. NON_BLOCK or HIGHATOMIC alone
 * give no discount. The smallest passing free count is min + 1:
 *   mark 1000: MIN_RESERVE 500; +NON_BLOCK 375; OOM 500; MIN_RESERVE|OOM 250;
 *              MIN_RESERVE|NON_BLOCK|OOM 375 - 187 = 188
 *   mark 1001: MIN_RESERVE 1001 - 500 = 501; +NON_BLOCK 501 - 125 = 376
 */
static void test___zone_watermark_ok_reserves(void)
{
	struct frag_mem *mem = mk_normal(16384, 4096);
	const struct frag_zone *z = zone_of(mem, 0, ZONE_NORMAL);

	CHECK_EQ(pass_at(mem, z, 1000, 0), 1001);
	CHECK_EQ(pass_at(mem, z, 1000, ALLOC_NON_BLOCK), 1001);
	CHECK_EQ(pass_at(mem, z, 1000, ALLOC_HIGHATOMIC), 1001);
	CHECK_EQ(pass_at(mem, z, 1000, ALLOC_CMA | ALLOC_KSWAPD | ALLOC_CPUSET), 1001);
	CHECK_EQ(pass_at(mem, z, 1000, ALLOC_MIN_RESERVE), 501);
	CHECK_EQ(pass_at(mem, z, 1000, ALLOC_MIN_RESERVE | ALLOC_NON_BLOCK), 376);
	CHECK_EQ(pass_at(mem, z, 1000, ALLOC_MIN_RESERVE | ALLOC_NON_BLOCK | ALLOC_HIGHATOMIC), 376);
	CHECK_EQ(pass_at(mem, z, 1000, ALLOC_OOM), 501);
	CHECK_EQ(pass_at(mem, z, 1000, ALLOC_MIN_RESERVE | ALLOC_OOM), 251);
	CHECK_EQ(pass_at(mem, z, 1000, ALLOC_MIN_RESERVE | ALLOC_NON_BLOCK | ALLOC_OOM), 189);
	CHECK_EQ(pass_at(mem, z, 1001, ALLOC_MIN_RESERVE), 502);
	CHECK_EQ(pass_at(mem, z, 1001, ALLOC_MIN_RESERVE | ALLOC_NON_BLOCK), 377);
	CHECK_EQ(pass_at(mem, z, 1001, ALLOC_OOM), 502);
	frag_mem_destroy(mem);
}

/*
 * __zone_watermark_unusable_free(): free HIGHATOMIC pages are hidden from
 * requests without ALLOC_RESERVES, free CMA pages from requests without
 * ALLOC_CMA. The only free memory of the zone is one order-6 block (64 pages)
 * relabelled HIGHATOMIC, then CMA, with a mark of 0.
 */
static void test___zone_watermark_unusable_free(void)
{
	struct frag_config cfg;
	cfg_one_node(&cfg, NORMAL_PFN, 16384, 1, 4096);
	cfg.geo.config_cma = true;
	struct frag_mem *mem = create(&cfg);
	struct frag_zone *z = zone_of(mem, 0, ZONE_NORMAL);
	const uint64_t T = NORMAL_PFN + 4 * PAGEBLOCK_NR_PAGES;

	leave_only(mem, z, T, 6);
	relabel_block(z, T, MIGRATE_HIGHATOMIC);
	CHECK_EQ(z->nr_free_highatomic, 64);
	CHECK_EQ(z->nr_free_pages, 64);
	CHECK(!zone_watermark_ok(mem, z, 0, 0, ZONE_NORMAL, 0));
	CHECK(!zone_watermark_ok(mem, z, 0, 0, ZONE_NORMAL, ALLOC_CMA | ALLOC_KSWAPD | ALLOC_CPUSET));
	CHECK(zone_watermark_ok(mem, z, 0, 0, ZONE_NORMAL, ALLOC_NON_BLOCK));
	CHECK(zone_watermark_ok(mem, z, 0, 0, ZONE_NORMAL, ALLOC_MIN_RESERVE));
	CHECK(zone_watermark_ok(mem, z, 0, 0, ZONE_NORMAL, ALLOC_HIGHATOMIC));
	CHECK(zone_watermark_ok(mem, z, 0, 0, ZONE_NORMAL, ALLOC_OOM));
	/* Exactly the free reserve is taken off the free count: 164 - 64 <= 100 < 165 - 64. */
	CHECK(!__zone_watermark_ok(mem, z, 0, 100, ZONE_NORMAL, 0, 164));
	CHECK(__zone_watermark_ok(mem, z, 0, 100, ZONE_NORMAL, 0, 165));

	relabel_block(z, T, MIGRATE_CMA);
	CHECK_EQ(z->nr_free_highatomic, 0);
	CHECK_EQ(z->nr_free_cma, 64);
	CHECK(!zone_watermark_ok(mem, z, 0, 0, ZONE_NORMAL, 0));
	CHECK(!zone_watermark_ok(mem, z, 0, 0, ZONE_NORMAL, ALLOC_RESERVES));
	CHECK(zone_watermark_ok(mem, z, 0, 0, ZONE_NORMAL, ALLOC_CMA));
	CHECK(!zone_watermark_ok(mem, z, 0, 64, ZONE_NORMAL, ALLOC_CMA));
	CHECK(zone_watermark_ok(mem, z, 0, 63, ZONE_NORMAL, ALLOC_CMA));
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * __zone_watermark_ok() for order > 0: after the count, some free_area[o],
 * o >= order, must hold a block on a list of ANY of the three PCP types (not
 * necessarily the request's), or CMA with ALLOC_CMA, or HIGHATOMIC with
 * ALLOC_HIGHATOMIC or ALLOC_OOM (not with NON_BLOCK or MIN_RESERVE alone).
 * The zone's only free memory is one order-6 block of each type in turn; the
 * count part is passed by giving free_pages = 100000 and mark 0.
 */
static void test___zone_watermark_ok_high_order(void)
{
	struct frag_config cfg;
	cfg_one_node(&cfg, NORMAL_PFN, 16384, 1, 4096);
	cfg.geo.config_cma = true;
	struct frag_mem *mem = create(&cfg);
	struct frag_zone *z = zone_of(mem, 0, ZONE_NORMAL);
	const uint64_t T = NORMAL_PFN + 4 * PAGEBLOCK_NR_PAGES;
	const unsigned all = ALLOC_RESERVES | ALLOC_CMA;

	leave_only(mem, z, T, 6);
	for (int mt = MIGRATE_UNMOVABLE; mt < MIGRATE_PCPTYPES; mt++) {
		relabel_block(z, T, mt);
		CHECK_EQ(list_head_pfn(z, 6, mt), T);
		CHECK(__zone_watermark_ok(mem, z, 4, 0, ZONE_NORMAL, 0, 100000));
		CHECK(__zone_watermark_ok(mem, z, 6, 0, ZONE_NORMAL, 0, 100000));
		CHECK(!__zone_watermark_ok(mem, z, 7, 0, ZONE_NORMAL, all, 100000));
	}
	relabel_block(z, T, MIGRATE_HIGHATOMIC);
	CHECK(!__zone_watermark_ok(mem, z, 4, 0, ZONE_NORMAL, 0, 100000));
	CHECK(!__zone_watermark_ok(mem, z, 4, 0, ZONE_NORMAL, ALLOC_NON_BLOCK | ALLOC_MIN_RESERVE | ALLOC_CMA,
				   100000));
	CHECK(__zone_watermark_ok(mem, z, 4, 0, ZONE_NORMAL, ALLOC_HIGHATOMIC, 100000));
	CHECK(__zone_watermark_ok(mem, z, 4, 0, ZONE_NORMAL, ALLOC_OOM, 100000));
	CHECK(!__zone_watermark_ok(mem, z, 7, 0, ZONE_NORMAL, all, 100000));
	/* Order 0 needs no block check. */
	CHECK(__zone_watermark_ok(mem, z, 0, 0, ZONE_NORMAL, 0, 100000));

	relabel_block(z, T, MIGRATE_CMA);
	CHECK(!__zone_watermark_ok(mem, z, 4, 0, ZONE_NORMAL, ALLOC_RESERVES, 100000));
	CHECK(__zone_watermark_ok(mem, z, 4, 0, ZONE_NORMAL, ALLOC_CMA, 100000));
	CHECK(!__zone_watermark_ok(mem, z, 7, 0, ZONE_NORMAL, all, 100000));
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * zone_watermark_fast(): an order-0 request with ALLOC_MIN_RESERVE checked
 * at WMARK_MIN that fails the boosted mark retries against the unboosted
 * _watermark[WMARK_MIN]. mk_normal(16384, 4096) with boost 512: the slowpath
 * mark of GFP_ATOMIC is 3/8 of 1536 = 576 boosted, 3/8 of 1024 = 384 without.
 * With 500 pages free order-0 GFP_ATOMIC succeeds, order 1 does not; GFP_NOWAIT
 * (no __GFP_HIGH) fails with 1100 free (boosted min 1536, unboosted 1024).
 */
static void test_zone_watermark_fast_boost(void)
{
	static const struct {
		int64_t free;
		unsigned order;
		gfp_t gfp;
		bool ok;
	} cases[] = {
		{ 500, 0, GFP_ATOMIC, true },
		{ 500, 1, GFP_ATOMIC, false },
		{ 1100, 0, GFP_NOWAIT, false },
		{ 1100, 0, GFP_ATOMIC, true },
		{ 385, 0, GFP_ATOMIC, true },
		{ 384, 0, GFP_ATOMIC, false },
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct frag_mem *mem = mk_normal(16384, 4096);
		struct frag_zone *z = zone_of(mem, 0, ZONE_NORMAL);
		z->watermark_boost = 512;
		carve_to(mem, z, cases[i].free);
		uint64_t pfn = frag_alloc_pages(mem, 0, cases[i].order, cases[i].gfp, NULL);
		if (cases[i].ok != (pfn != FRAG_PFN_NONE))
			printf("# case %u: free %lld order %u\n", i, (long long)cases[i].free, cases[i].order);
		CHECK_EQ(pfn != FRAG_PFN_NONE, cases[i].ok);
		CHECK_EQ(st(mem, FRAG_STAT_alloc_slowpath), 1);
		CHECK_CONSISTENT(mem);
		frag_mem_destroy(mem);
	}
}

/* ---------------------------------------------------------------------- */
/* 4.7 get_page_from_freelist                                             */
/* ---------------------------------------------------------------------- */

/*
 * get_page_from_freelist(): the zonelist of one node runs Normal -> DMA32 ->
 * DMA; the fast path checks the LOW mark plus lowmem_reserve[highest_zoneidx]
 * (mk_zones3(): Normal low 426; DMA32 low 746 + 64). A zone that fails its
 * HIGH mark gets ZONE_BELOW_HIGH (which shrinks PCP high); one that passes it
 * is used without the LOW check. Order-4 movable requests (not PCP-cached).
 */
static void test_get_page_from_freelist_zonelist_order(void)
{
	struct frag_mem *mem = mk_zones3();
	struct frag_zone *dma = zone_of(mem, 0, ZONE_DMA), *dma32 = zone_of(mem, 0, ZONE_DMA32);
	struct frag_zone *normal = zone_of(mem, 0, ZONE_NORMAL);
	uint64_t pfn;

	CHECK_EQ(mem->nodes[0].nr_zonelist, 3);
	CHECK_EQ(mem->nodes[0].zonelist[0], normal->id);
	CHECK_EQ(mem->nodes[0].zonelist[1], dma32->id);
	CHECK_EQ(mem->nodes[0].zonelist[2], dma->id);

	CHECK(in_zone(normal, frag_alloc_pages(mem, 0, 4, GFP_MOV, NULL)));
	CHECK(!(normal->flags & ZONE_BELOW_HIGH));
	CHECK_EQ(st(mem, FRAG_STAT_pgalloc_normal), 16);

	/* 442 - 15 = 427 > 426: still Normal, but below its high mark 511. */
	carve_to(mem, normal, 442);
	CHECK(in_zone(normal, frag_alloc_pages(mem, 0, 4, GFP_MOV, NULL)));
	CHECK(normal->flags & ZONE_BELOW_HIGH);
	CHECK_EQ(normal->nr_free_pages, 426);
	/* 426 - 15 <= 426: on to DMA32. */
	pfn = frag_alloc_pages(mem, 0, 4, GFP_MOV, NULL);
	CHECK(in_zone(dma32, pfn));
	CHECK(!(dma32->flags & ZONE_BELOW_HIGH));
	CHECK_EQ(st(mem, FRAG_STAT_pgalloc_dma32), 16);
	CHECK_EQ(st(mem, FRAG_STAT_alloc_slowpath), 0);

	/* DMA32 must stay above 746 + 64 for a Normal-capable request: 826 - 15 = 811 > 810. */
	carve_to(mem, dma32, 826);
	CHECK(in_zone(dma32, frag_alloc_pages(mem, 0, 4, GFP_MOV, NULL)));
	CHECK(dma32->flags & ZONE_BELOW_HIGH);
	pfn = frag_alloc_pages(mem, 0, 4, GFP_MOV, NULL);
	CHECK(in_zone(dma, pfn));
	CHECK_EQ(st(mem, FRAG_STAT_pgalloc_dma), 16);
	CHECK_EQ(st(mem, FRAG_STAT_alloc_slowpath), 0);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * gfp_zone() limits the zonelist walk: GFP_DMA32 never uses Normal (even with
 * Normal full of free pages it falls back to DMA), GFP_DMA uses only DMA.
 */
static void test_get_page_from_freelist_gfp_zone(void)
{
	struct frag_mem *mem = mk_zones3();
	struct frag_zone *dma = zone_of(mem, 0, ZONE_DMA), *dma32 = zone_of(mem, 0, ZONE_DMA32);
	struct frag_zone *normal = zone_of(mem, 0, ZONE_NORMAL);

	CHECK(in_zone(dma32, frag_alloc_pages(mem, 0, 4, GFP_MOV | __GFP_DMA32, NULL)));
	CHECK(in_zone(dma, frag_alloc_pages(mem, 0, 4, GFP_MOV | __GFP_DMA, NULL)));
	CHECK(in_zone(normal, frag_alloc_pages(mem, 0, 4, GFP_MOV, NULL)));
	CHECK(in_zone(dma32, frag_alloc_pages(mem, 0, 0, GFP_KERNEL | __GFP_DMA32, NULL)));
	CHECK(in_zone(dma, frag_alloc_pages(mem, 0, 0, GFP_KERNEL | __GFP_DMA, NULL)));

	carve_to(mem, dma32, 700);   /* below low 746 */
	CHECK(in_zone(dma, frag_alloc_pages(mem, 0, 4, GFP_MOV | __GFP_DMA32, NULL)));
	CHECK(normal->nr_free_pages > 16000);
	CHECK(in_zone(normal, frag_alloc_pages(mem, 0, 4, GFP_MOV, NULL)));
	CHECK_EQ(st(mem, FRAG_STAT_alloc_slowpath), 0);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * lowmem_reserve keeps DMA32 for DMA32-only requests: with Normal below its
 * low mark and 810 pages free in DMA32 (low 746 + reserve[NORMAL] 64), a
 * Normal-capable request is refused by DMA32 and served by DMA (4080 free >
 * 106 + 176), a GFP_DMA32 one (reserve[DMA32] = 0) is served by DMA32.
 */
static void test_get_page_from_freelist_lowmem_reserve(void)
{
	struct frag_mem *mem = mk_zones3();
	struct frag_zone *dma = zone_of(mem, 0, ZONE_DMA), *dma32 = zone_of(mem, 0, ZONE_DMA32);
	struct frag_zone *normal = zone_of(mem, 0, ZONE_NORMAL);

	carve_to(mem, normal, 400);
	carve_to(mem, dma32, 810);
	CHECK(in_zone(dma, frag_alloc_pages(mem, 0, 4, GFP_MOV, NULL)));
	CHECK(in_zone(dma, frag_alloc_pages(mem, 0, 4, GFP_HIGHUSER_MOVABLE, NULL)));
	CHECK(in_zone(dma32, frag_alloc_pages(mem, 0, 4, GFP_MOV | __GFP_DMA32, NULL)));
	CHECK_EQ(dma32->nr_free_pages, 794);
	/* The same at order 0 (zone_watermark_fast()'s shortcut adds the reserve too). */
	CHECK(in_zone(dma, frag_alloc_pages(mem, 0, 0, GFP_MOV, NULL)));
	CHECK(in_zone(dma32, frag_alloc_pages(mem, 0, 0, GFP_MOV | __GFP_DMA32, NULL)));
	CHECK_EQ(st(mem, FRAG_STAT_alloc_slowpath), 0);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * zone_statistics(preferred_zone, zone, 1): numa_hit / numa_miss by the
 * preferred (CPU's) node, numa_local / numa_other by the CPU's node, one
 * event per allocation whatever its order (rmqueue_pcplist() and
 * rmqueue_buddy() pass nr_account = 1; PGALLOC counts 1 << order). Each
 * CPU's zonelist starts with its own node (build_zonelists); a node below its
 * low mark sends the request to the other node.
 */
static void test_zone_statistics(void)
{
	struct frag_mem *mem = mk_2nodes();
	struct frag_zone *n0 = zone_of(mem, 0, ZONE_DMA32), *n1 = zone_of(mem, 1, ZONE_DMA32);

	CHECK_EQ(frag_cpu_node(mem, 0), 0);
	CHECK_EQ(frag_cpu_node(mem, 1), 1);
	CHECK_EQ(mem->nodes[1].zonelist[0], n1->id);
	CHECK_EQ(mem->nodes[1].zonelist[1], n0->id);
	CHECK_EQ(mem->nodes[0].zonelist[0], n0->id);
	CHECK_EQ(n1->_watermark[WMARK_LOW], 640);

	CHECK(in_zone(n1, frag_alloc_pages(mem, 1, 4, GFP_MOV, NULL)));
	CHECK(in_zone(n0, frag_alloc_pages(mem, 0, 4, GFP_MOV, NULL)));
	CHECK(in_zone(n0, frag_alloc_pages(mem, 0, 0, GFP_KERNEL, NULL)));
	CHECK_EQ(st(mem, FRAG_STAT_numa_hit), 3);
	CHECK_EQ(st(mem, FRAG_STAT_numa_local), 3);
	CHECK_EQ(st(mem, FRAG_STAT_numa_miss), 0);
	CHECK_EQ(st(mem, FRAG_STAT_numa_other), 0);
	CHECK_EQ(st(mem, FRAG_STAT_pgalloc_dma32), 33);

	carve_to(mem, n1, 655);   /* 655 - 15 = 640: fails low */
	CHECK(in_zone(n0, frag_alloc_pages(mem, 1, 4, GFP_MOV, NULL)));
	CHECK_EQ(st(mem, FRAG_STAT_numa_hit), 3);
	CHECK_EQ(st(mem, FRAG_STAT_numa_local), 3);
	CHECK_EQ(st(mem, FRAG_STAT_numa_miss), 1);
	CHECK_EQ(st(mem, FRAG_STAT_numa_other), 1);
	CHECK_EQ(st(mem, FRAG_STAT_alloc_slowpath), 0);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * get_page_from_freelist(), NUMA: nodes whose kswapd is running are skipped
 * on the first pass, and used on a second pass if nothing else could serve.
 */
static void test_get_page_from_freelist_skip_kswapd_nodes(void)
{
	struct frag_mem *mem = mk_2nodes();
	struct frag_zone *dma = zone_of(mem, 0, ZONE_DMA), *n0 = zone_of(mem, 0, ZONE_DMA32);
	struct frag_zone *n1 = zone_of(mem, 1, ZONE_DMA32);

	mem->nodes[1].kswapd_active = true;
	CHECK(in_zone(n0, frag_alloc_pages(mem, 1, 0, GFP_MOV, NULL)));
	CHECK_EQ(st(mem, FRAG_STAT_numa_miss), 1);
	mem->nodes[0].kswapd_active = true;
	mem->nodes[1].kswapd_active = false;
	CHECK(in_zone(n1, frag_alloc_pages(mem, 0, 0, GFP_MOV, NULL)));
	CHECK_EQ(st(mem, FRAG_STAT_numa_miss), 2);

	/* Node 0 cannot serve: the second pass returns to node 1 although its kswapd runs. */
	mem->nodes[0].kswapd_active = false;
	mem->nodes[1].kswapd_active = true;
	carve_to(mem, n0, 0);
	carve_to(mem, dma, 0);
	CHECK(in_zone(n1, frag_alloc_pages(mem, 1, 0, GFP_MOV, NULL)));
	CHECK_EQ(st(mem, FRAG_STAT_numa_hit), 1);
	CHECK_EQ(st(mem, FRAG_STAT_alloc_slowpath), 0);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * prepare_alloc_pages() -> node_zonelist(nid, gfp): __GFP_THISNODE selects
 * ZONELIST_NOFALLBACK (gfp_zonelist(), include/linux/gfp.h), the node's own
 * zones only. With node 1 empty, a __GFP_THISNODE request from CPU 1 fails
 * instead of falling back to node 0; without the flag it falls back.
 */
static void test_gfp_zonelist_THISNODE(void)
{
	struct frag_mem *mem = mk_2nodes();
	struct frag_zone *n0 = zone_of(mem, 0, ZONE_DMA32), *n1 = zone_of(mem, 1, ZONE_DMA32);

	CHECK(in_zone(n1, frag_alloc_pages(mem, 1, 4, GFP_MOV | __GFP_THISNODE, NULL)));
	carve_to(mem, n1, 0);
	CHECK_EQ(frag_alloc_pages(mem, 1, 4, GFP_MOV | __GFP_THISNODE, NULL), FRAG_PFN_NONE);
	CHECK_EQ(frag_alloc_pages(mem, 1, 0, GFP_NOWAIT | __GFP_THISNODE, NULL), FRAG_PFN_NONE);
	CHECK_EQ(st(mem, FRAG_STAT_numa_miss), 0);
	CHECK_EQ(st(mem, FRAG_STAT_oom_kill), 0);
	CHECK(in_zone(n0, frag_alloc_pages(mem, 1, 0, GFP_MOV, NULL)));
	CHECK_EQ(st(mem, FRAG_STAT_numa_miss), 1);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/* ---------------------------------------------------------------------- */
/* 4.9 HIGHATOMIC reserve                                                 */
/* ---------------------------------------------------------------------- */

/*
 * A Normal-only zone of 65536 pages (managed / 100 = 655 >= 512: the reserve
 * may hold ALIGN(655, 512) = 1024 pages) with tiny watermarks
 * (min_free_kbytes 128: min 32, low 97, high 162) and no boosting. Its only
 * free memory: T, an order-6 block in pageblock 4, and U, an order-5 block in
 * pageblock 8 (96 pages). An order-4 GFP_ATOMIC fails the fast path
 * (96 - 15 <= 97) and goes to the slowpath (ALLOC_HIGHATOMIC, mark 3/8 of 32).
 */
#define HA_T (NORMAL_PFN + 4 * PAGEBLOCK_NR_PAGES)
#define HA_U (NORMAL_PFN + 8 * PAGEBLOCK_NR_PAGES + 64)

static struct frag_mem *mk_ha_machine(void)
{
	struct frag_config cfg;
	cfg_one_node(&cfg, NORMAL_PFN, 65536, 1, 128);
	cfg.sysctl.watermark_boost_factor = 0;
	struct frag_mem *mem = create(&cfg);
	struct frag_zone *z = zone_of(mem, 0, ZONE_NORMAL);

	CHECK_EQ(z->_watermark[WMARK_MIN], 32);
	CHECK_EQ(z->_watermark[WMARK_LOW], 97);
	return mem;
}

static struct frag_mem *mk_ha(void)
{
	struct frag_mem *mem = mk_ha_machine();
	struct frag_zone *z = zone_of(mem, 0, ZONE_NORMAL);

	CHECK_EQ(alloc_at(mem, z, HA_T, 6, GFP_KERNEL, 0), 0);
	CHECK_EQ(alloc_at(mem, z, HA_U, 5, GFP_KERNEL, 0), 0);
	carve_to(mem, z, 0);
	CHECK_EQ(frag_free_pages(mem, 0, HA_T, 6), 0);
	CHECK_EQ(frag_free_pages(mem, 0, HA_U, 5), 0);
	CHECK_EQ(z->nr_free_pages, 96);
	return mem;
}

/*
 * reserve_highatomic_pageblock(): after a successful order > 0 GFP_ATOMIC
 * allocation the pageblock it came from becomes MIGRATE_HIGHATOMIC with its
 * free pages. The request claims T's pageblock (UNMOVABLE) and takes T; the
 * rest of T (T+16 order 4, T+32 order 5) moves to the HIGHATOMIC lists.
 */
static void test_reserve_highatomic_pageblock(void)
{
	struct frag_mem *mem = mk_ha();
	struct frag_zone *z = zone_of(mem, 0, ZONE_NORMAL);

	CHECK_EQ(frag_alloc_pages(mem, 0, 4, GFP_ATOMIC, NULL), HA_T);
	CHECK_EQ(st(mem, FRAG_STAT_alloc_slowpath), 1);
	CHECK_EQ(pb_mt(z, HA_T), MIGRATE_HIGHATOMIC);
	CHECK_EQ(z->nr_reserved_highatomic, 512);
	CHECK_EQ(z->nr_free_highatomic, 48);
	CHECK_EQ(list_head_pfn(z, 4, MIGRATE_HIGHATOMIC), HA_T + 16);
	CHECK_EQ(list_head_pfn(z, 5, MIGRATE_HIGHATOMIC), HA_T + 32);
	CHECK_EQ(list_head_pfn(z, 5, MIGRATE_MOVABLE), HA_U);
	CHECK_EQ(pb_mt(z, HA_U), MIGRATE_MOVABLE);
	CHECK_EQ(st(mem, FRAG_STAT_highatomic_reserve), 1);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * gfp_to_alloc_flags(): only order > 0 requests without __GFP_DIRECT_RECLAIM,
 * with __GFP_HIGH and without __GFP_NOMEMALLOC get ALLOC_HIGHATOMIC. The same
 * allocation from T by other requests converts nothing.
 */
static void test_gfp_to_alloc_flags_highatomic(void)
{
	static const struct {
		unsigned order;
		gfp_t gfp;
		bool reserve;
	} cases[] = {
		{ 4, GFP_ATOMIC, true },
		{ 1, GFP_ATOMIC, true },
		{ 4, GFP_ATOMIC | __GFP_NOMEMALLOC, false },
		{ 4, GFP_KERNEL | __GFP_HIGH, false },
		{ 4, GFP_NOWAIT, false },
		{ 0, GFP_ATOMIC, false },
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct frag_mem *mem = mk_ha();
		struct frag_zone *z = zone_of(mem, 0, ZONE_NORMAL);
		uint64_t pfn = frag_alloc_pages(mem, 0, cases[i].order, cases[i].gfp, NULL);
		CHECK_EQ(pfn, HA_T);
		CHECK_EQ(z->nr_reserved_highatomic, cases[i].reserve ? 512 : 0);
		CHECK_EQ(pb_mt(z, HA_T), cases[i].reserve ? MIGRATE_HIGHATOMIC : MIGRATE_UNMOVABLE);
		if (pfn != HA_T || (z->nr_reserved_highatomic != 0) != cases[i].reserve)
			printf("# case %u\n", i);
		frag_mem_destroy(mem);
	}
}

/*
 * rmqueue_buddy(): ALLOC_HIGHATOMIC requests take the HIGHATOMIC lists first
 * (the second GFP_ATOMIC gets T+16 although U could serve it), requests with
 * ALLOC_NON_BLOCK (GFP_NOWAIT) or ALLOC_OOM use them only as a last resort:
 * GFP_NOWAIT takes U first, and the HIGHATOMIC pages only once nothing else
 * is free. (Order 0: __zone_watermark_ok's block check ignores HIGHATOMIC
 * lists for plain NON_BLOCK requests, and the PCP refill never touches them.)
 */
static void test_rmqueue_buddy_highatomic(void)
{
	struct frag_mem *mem = mk_ha();
	struct frag_zone *z = zone_of(mem, 0, ZONE_NORMAL);

	CHECK_EQ(frag_alloc_pages(mem, 0, 4, GFP_ATOMIC, NULL), HA_T);
	CHECK_EQ(frag_alloc_pages(mem, 0, 4, GFP_ATOMIC, NULL), HA_T + 16);
	CHECK_EQ(z->nr_free_highatomic, 32);
	CHECK_EQ(list_head_pfn(z, 5, MIGRATE_MOVABLE), HA_U);
	CHECK_EQ(st(mem, FRAG_STAT_highatomic_reserve), 1);
	frag_mem_destroy(mem);

	mem = mk_ha();
	z = zone_of(mem, 0, ZONE_NORMAL);
	CHECK_EQ(frag_alloc_pages(mem, 0, 4, GFP_ATOMIC, NULL), HA_T);
	CHECK_EQ(frag_alloc_pages(mem, 0, 0, GFP_NOWAIT, NULL), HA_U);
	CHECK_EQ(z->nr_free_highatomic, 48);
	frag_mem_destroy(mem);

	mem = mk_ha();
	z = zone_of(mem, 0, ZONE_NORMAL);
	CHECK_EQ(frag_alloc_pages(mem, 0, 4, GFP_ATOMIC, NULL), HA_T);
	CHECK_EQ(alloc_at(mem, z, HA_U, 5, GFP_KERNEL, 0), 0);
	CHECK_EQ(z->nr_free_pages, 48);
	/* 48 > min 32 counting the reserve (NON_BLOCK is a reserve flag). */
	CHECK_EQ(frag_alloc_pages(mem, 0, 0, GFP_NOWAIT, NULL), HA_T + 16);
	CHECK_EQ(z->nr_free_highatomic, 47);
	CHECK_EQ(pb_mt(z, HA_T), MIGRATE_HIGHATOMIC);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * unreserve_highatomic_pageblock(force=true) from should_reclaim_retry():
 * before the OOM point the reserve is released to the *requester's*
 * migratetype and the allocation retries. With only the 48 HIGHATOMIC pages
 * free, GFP_KERNEL (which cannot see them) gets one after the block turns
 * UNMOVABLE; a movable request turns it MOVABLE. The retry then needs no
 * fallback (no extfrag event). No OOM.
 */
static void test_unreserve_highatomic_pageblock_before_oom(void)
{
	static const struct {
		gfp_t gfp;
		int mt;
	} cases[] = {
		{ GFP_KERNEL, MIGRATE_UNMOVABLE },
		{ GFP_HIGHUSER_MOVABLE, MIGRATE_MOVABLE },
		{ GFP_KERNEL | __GFP_RECLAIMABLE, MIGRATE_RECLAIMABLE },
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct frag_mem *mem = mk_ha();
		struct frag_zone *z = zone_of(mem, 0, ZONE_NORMAL);
		CHECK_EQ(frag_alloc_pages(mem, 0, 4, GFP_ATOMIC, NULL), HA_T);
		CHECK_EQ(alloc_at(mem, z, HA_U, 5, GFP_KERNEL, 0), 0);
		uint64_t extfrag = st(mem, FRAG_STAT_extfrag);

		uint64_t pfn = frag_alloc_pages(mem, 0, 0, cases[i].gfp, NULL);
		CHECK_EQ(st(mem, FRAG_STAT_extfrag), extfrag);
		CHECK(pfn >= HA_T + 16 && pfn < HA_T + 64);
		CHECK_EQ(pb_mt(z, HA_T), cases[i].mt);
		CHECK_EQ(z->nr_reserved_highatomic, 0);
		CHECK_EQ(z->nr_free_highatomic, 0);
		CHECK_EQ(st(mem, FRAG_STAT_highatomic_unreserve), 1);
		CHECK_EQ(st(mem, FRAG_STAT_oom_kill), 0);
		CHECK_EQ(rec.nr_oom, 0);
		CHECK_CONSISTENT(mem);
		frag_mem_destroy(mem);
	}
}

/*
 * reserve_highatomic_pageblock() limit: at most ALIGN(managed / 100, 512)
 * pages per zone. Normal-only 65536 pages (limit ALIGN(655, 512) = 1024, two
 * pageblocks), min_free_kbytes 32768 (min 8192, low 10240), 10000 pages free:
 * every order-4 GFP_ATOMIC goes through the slowpath.
 *   #1 claims the first free order-10 block B (both pageblocks UNMOVABLE),
 *      takes B, and B's pageblock becomes HIGHATOMIC (512 reserved);
 *   #2..#32 use the reserve (HIGHATOMIC first) until it is empty;
 *   #33 takes B+512 (UNMOVABLE, order 9): second reserve, 1024 reserved;
 *   #34..#64 empty it; #65 claims the next order-10 block: limit reached,
 *      its pageblock stays UNMOVABLE.
 */
static void test_reserve_highatomic_pageblock_limit(void)
{
	struct frag_mem *mem = mk_normal(65536, 32768);
	struct frag_zone *z = zone_of(mem, 0, ZONE_NORMAL);
	uint64_t pfn[65];

	CHECK_EQ(z->_watermark[WMARK_MIN], 8192);
	CHECK_EQ(z->_watermark[WMARK_LOW], 10240);
	carve_to(mem, z, 10000);
	const uint64_t B = list_head_pfn(z, 10, MIGRATE_MOVABLE);
	CHECK(B != FRAG_PFN_NONE);
	for (int i = 0; i < 65; i++) {
		pfn[i] = frag_alloc_pages(mem, 0, 4, GFP_ATOMIC, NULL);
		if (i == 0) {
			CHECK_EQ(z->nr_reserved_highatomic, 512);
			CHECK_EQ(pb_mt(z, B), MIGRATE_HIGHATOMIC);
			CHECK_EQ(pb_mt(z, B + 512), MIGRATE_UNMOVABLE);
		}
		if (i == 31)
			CHECK_EQ(z->nr_free_highatomic, 0);
		if (i == 32)
			CHECK_EQ(z->nr_reserved_highatomic, 1024);
	}
	CHECK_EQ(pfn[0], B);
	CHECK_EQ(pfn[1], B + 16);
	for (int i = 1; i < 32; i++)
		CHECK(pfn[i] > B && pfn[i] < B + 512);
	CHECK_EQ(pfn[32], B + 512);
	for (int i = 33; i < 64; i++)
		CHECK(pfn[i] > B + 512 && pfn[i] < B + 1024);
	CHECK_EQ(pfn[64], B + 1024);
	CHECK_EQ(pb_mt(z, B + 1024), MIGRATE_UNMOVABLE);
	CHECK_EQ(z->nr_reserved_highatomic, 1024);
	CHECK_EQ(st(mem, FRAG_STAT_highatomic_reserve), 2);
	CHECK_EQ(st(mem, FRAG_STAT_alloc_slowpath), 65);
	CHECK_EQ(st(mem, FRAG_STAT_alloc_fail), 0);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * reserve_highatomic_pageblock(): nothing is reserved when managed / 100 <
 * pageblock_nr_pages. 51200 managed pages: limit 512, one pageblock; the same
 * zone with one reserved page (51199 managed, 511 < 512): none.
 */
static void test_reserve_highatomic_pageblock_small_zone(void)
{
	static const struct frag_hole one_reserved[] = { { NORMAL_PFN + 51199, NORMAL_PFN + 51200, HOLE_RESERVED } };

	for (int with_hole = 0; with_hole < 2; with_hole++) {
		struct frag_config cfg;
		cfg_one_node(&cfg, NORMAL_PFN, 51200, 1, 32768);
		if (with_hole) {
			cfg.geo.holes = one_reserved;
			cfg.geo.nr_holes = 1;
		}
		struct frag_mem *mem = create(&cfg);
		struct frag_zone *z = zone_of(mem, 0, ZONE_NORMAL);
		CHECK_EQ(z->managed_pages, with_hole ? 51199 : 51200);
		carve_to(mem, z, 10000);
		for (int i = 0; i < 40; i++)
			CHECK(frag_alloc_pages(mem, 0, 4, GFP_ATOMIC, NULL) != FRAG_PFN_NONE);
		CHECK_EQ(z->nr_reserved_highatomic, with_hole ? 0 : 512);
		CHECK_EQ(st(mem, FRAG_STAT_highatomic_reserve), with_hole ? 0 : 1);
		CHECK_EQ(st(mem, FRAG_STAT_alloc_slowpath), 40);
		CHECK_CONSISTENT(mem);
		frag_mem_destroy(mem);
	}
}

/*
 * reserve_highatomic_pageblock() for order >= pageblock_order: the whole
 * range is relabelled (change_pageblock_range), 1 << order pages counted.
 */
static void test_reserve_highatomic_pageblock_order10(void)
{
	struct frag_mem *mem = mk_normal(65536, 32768);
	struct frag_zone *z = zone_of(mem, 0, ZONE_NORMAL);

	carve_to(mem, z, 10240);
	uint64_t pfn = frag_alloc_pages(mem, 0, 10, GFP_ATOMIC, NULL);
	CHECK(in_zone(z, pfn));
	CHECK_EQ(st(mem, FRAG_STAT_alloc_slowpath), 1);
	CHECK_EQ(pb_mt(z, pfn), MIGRATE_HIGHATOMIC);
	CHECK_EQ(pb_mt(z, pfn + 512), MIGRATE_HIGHATOMIC);
	CHECK_EQ(z->nr_reserved_highatomic, 1024);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * unreserve_highatomic_pageblock() of a free HIGHATOMIC block of order >=
 * pageblock_order: the block moves to the requester's list and its whole
 * range is relabelled. mk_ha_machine() with one free order-10 block B plus 50
 * pages: an order-10 GFP_ATOMIC (51 > 12, fails low 97) takes B and reserves
 * both pageblocks; B freed again merges into one order-10 HIGHATOMIC block;
 * with the 50 other pages gone, GFP_KERNEL order 0 gets a page of B after
 * the forced unreserve.
 */
static void test_unreserve_highatomic_pageblock_order10(void)
{
	struct frag_mem *mem = mk_ha_machine();
	struct frag_zone *z = zone_of(mem, 0, ZONE_NORMAL);
	const uint64_t B = NORMAL_PFN + 8 * 1024;

	CHECK_EQ(alloc_at(mem, z, B, 10, GFP_KERNEL, 0), 0);
	carve_to(mem, z, 50);
	CHECK_EQ(frag_free_pages(mem, 0, B, 10), 0);
	CHECK_EQ(frag_alloc_pages(mem, 0, 10, GFP_ATOMIC, NULL), B);
	CHECK_EQ(z->nr_reserved_highatomic, 1024);
	CHECK_EQ(frag_free_pages(mem, 0, B, 10), 0);
	CHECK_EQ(list_head_pfn(z, 10, MIGRATE_HIGHATOMIC), B);
	CHECK_EQ(z->nr_free_highatomic, 1024);
	carve_to(mem, z, 1024);
	uint64_t extfrag = st(mem, FRAG_STAT_extfrag);

	uint64_t pfn = frag_alloc_pages(mem, 0, 0, GFP_KERNEL, NULL);
	CHECK(pfn >= B && pfn < B + 1024);
	CHECK_EQ(st(mem, FRAG_STAT_extfrag), extfrag);   /* already UNMOVABLE: no fallback */
	CHECK_EQ(pb_mt(z, B), MIGRATE_UNMOVABLE);
	CHECK_EQ(pb_mt(z, B + 512), MIGRATE_UNMOVABLE);
	CHECK_EQ(z->nr_reserved_highatomic, 0);
	CHECK_EQ(z->nr_free_highatomic, 0);
	CHECK_EQ(st(mem, FRAG_STAT_highatomic_unreserve), 1);
	CHECK_EQ(st(mem, FRAG_STAT_oom_kill), 0);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/* ---------------------------------------------------------------------- */
/* 4.10 slowpath                                                          */
/* ---------------------------------------------------------------------- */

/*
 * __alloc_pages_slowpath() at the MIN mark, mk_normal(16384, 4096):
 * min 1024, low 1280. GFP_ATOMIC (MIN_RESERVE | NON_BLOCK) may go down to
 * 3/8 of min (384: free 385 passes, 384 fails); __GFP_HIGH alone to half
 * (512); GFP_NOWAIT has no reserve (1025 passes, 1024 fails). Each request
 * fails the fast path (LOW) first.
 */
static void test___alloc_pages_slowpath_min_reserve(void)
{
	static const struct {
		int64_t free;
		gfp_t gfp;
		bool ok;
	} cases[] = {
		{ 385, GFP_ATOMIC, true },
		{ 384, GFP_ATOMIC, false },
		{ 1025, GFP_NOWAIT, true },
		{ 1024, GFP_NOWAIT, false },
		{ 1000, GFP_NOWAIT, false },
		{ 513, GFP_KERNEL | __GFP_HIGH, true },
		{ 1280, GFP_KERNEL, true },   /* fast path fails (1280 <= low 1280), the slowpath passes min */
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct frag_mem *mem = mk_normal(16384, 4096);
		struct frag_zone *z = zone_of(mem, 0, ZONE_NORMAL);
		carve_to(mem, z, cases[i].free);
		uint64_t pfn = frag_alloc_pages(mem, 0, 0, cases[i].gfp, NULL);
		if ((pfn != FRAG_PFN_NONE) != cases[i].ok)
			printf("# case %u\n", i);
		CHECK_EQ(pfn != FRAG_PFN_NONE, cases[i].ok);
		CHECK_EQ(st(mem, FRAG_STAT_alloc_slowpath), 1);
		CHECK_EQ(st(mem, FRAG_STAT_alloc_fail), cases[i].ok ? 0 : 1);
		CHECK_EQ(st(mem, FRAG_STAT_oom_kill), 0);
		CHECK_EQ(rec.nr_oom, 0);
		CHECK_CONSISTENT(mem);
		frag_mem_destroy(mem);
	}
}

/*
 * __alloc_pages_may_oom(): an order <= 3 GFP_KERNEL request that finds
 * nothing (no reclaim modelled) reaches the OOM point: oom_kill counted,
 * env.out_of_memory(nid, order, gfp) called once, TRACE_OOM emitted with the
 * preferred zone's free pages and low mark. Free 1000 < low 1280: not early.
 */
static void test___alloc_pages_may_oom(void)
{
	struct frag_mem *mem = mk_normal(16384, 4096);
	struct frag_zone *z = zone_of(mem, 0, ZONE_NORMAL);

	carve_to(mem, z, 1000);
	CHECK_EQ(frag_alloc_pages(mem, 0, 2, GFP_KERNEL, NULL), FRAG_PFN_NONE);
	CHECK_EQ(st(mem, FRAG_STAT_oom_kill), 1);
	CHECK_EQ(st(mem, FRAG_STAT_oom_early), 0);
	CHECK_EQ(st(mem, FRAG_STAT_alloc_fail), 1);
	CHECK_EQ(rec.nr_oom, 1);
	CHECK_EQ(rec.oom_nid, 0);
	CHECK_EQ(rec.oom_order, 2);
	CHECK_EQ(rec.oom_gfp, GFP_KERNEL);
	CHECK_EQ(rec.nr_trace_oom, 1);
	CHECK_EQ(rec.trace_oom.order, 2);
	CHECK_EQ(rec.trace_oom.free_pages, 1000);
	CHECK_EQ(rec.trace_oom.low_wmark, 1280);
	CHECK_EQ(z->nr_free_pages, 1000);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * __alloc_pages_may_oom(): an OOM while the preferred zone is above its low
 * mark is also counted as early. mk_normal(16384, 4096) with 2048 free
 * order-0 pages (every other page of the first 4096) and nothing larger: an
 * order-1 GFP_KERNEL request fails the block check of every watermark test.
 */
static void test___alloc_pages_may_oom_early(void)
{
	struct frag_mem *mem = mk_normal(16384, 4096);
	struct frag_zone *z = zone_of(mem, 0, ZONE_NORMAL);

	for (uint64_t p = NORMAL_PFN + 1; p < NORMAL_PFN + 4096; p += 2)
		CHECK_EQ(alloc_at(mem, z, p, 0, GFP_KERNEL, 0), 0);
	carve_orders_from(mem, z, 1);
	CHECK_EQ(z->nr_free_pages, 2048);
	CHECK_EQ(z->free_area[0].nr_free, 2048);
	CHECK_EQ(frag_alloc_pages(mem, 0, 1, GFP_KERNEL, NULL), FRAG_PFN_NONE);
	CHECK_EQ(st(mem, FRAG_STAT_oom_kill), 1);
	CHECK_EQ(st(mem, FRAG_STAT_oom_early), 1);
	CHECK_EQ(rec.trace_oom.free_pages, 2048);
	/* Order 0 still works, from the fast path. */
	CHECK(in_zone(z, frag_alloc_pages(mem, 0, 0, GFP_KERNEL, NULL)));
	CHECK_EQ(st(mem, FRAG_STAT_alloc_slowpath), 1);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * __alloc_pages_may_oom() does not count an OOM for costly orders (> 3),
 * __GFP_RETRY_MAYFAIL, __GFP_THISNODE, or requests limited to zones below
 * Normal (a DMA32-only machine: GFP_KERNEL | __GFP_DMA32 skips, GFP_KERNEL
 * counts although the machine has no Normal zone).
 */
static void test___alloc_pages_may_oom_skipped(void)
{
	static const struct {
		unsigned order;
		gfp_t gfp;
	} cases[] = {
		{ 4, GFP_KERNEL },
		{ 4, GFP_KERNEL | __GFP_RETRY_MAYFAIL },
		{ 0, GFP_KERNEL | __GFP_RETRY_MAYFAIL },
		{ 3, GFP_KERNEL | __GFP_RETRY_MAYFAIL },
		{ 0, GFP_KERNEL | __GFP_THISNODE },
	};
	struct frag_mem *mem = mk_normal(16384, 4096);
	struct frag_zone *z = zone_of(mem, 0, ZONE_NORMAL);
	unsigned n = sizeof(cases) / sizeof(cases[0]);

	carve_to(mem, z, 1000);
	for (unsigned i = 0; i < n; i++)
		CHECK_EQ(frag_alloc_pages(mem, 0, cases[i].order, cases[i].gfp, NULL), FRAG_PFN_NONE);
	CHECK_EQ(st(mem, FRAG_STAT_alloc_fail), n);
	CHECK_EQ(st(mem, FRAG_STAT_oom_kill), 0);
	CHECK_EQ(rec.nr_oom, 0);
	CHECK_EQ(rec.nr_trace_oom, 0);
	CHECK_EQ(frag_alloc_pages(mem, 0, 3, GFP_KERNEL, NULL), FRAG_PFN_NONE);
	CHECK_EQ(st(mem, FRAG_STAT_oom_kill), 1);
	CHECK_EQ(rec.nr_oom, 1);
	frag_mem_destroy(mem);

	struct frag_config cfg;
	cfg_one_node(&cfg, 4096, 16384, 1, 4096);
	mem = create(&cfg);
	z = zone_of(mem, 0, ZONE_DMA32);
	CHECK_EQ(mem->nr_zones, 1);
	CHECK(z);
	carve_to(mem, z, 1000);
	CHECK_EQ(frag_alloc_pages(mem, 0, 0, GFP_KERNEL | __GFP_DMA32, NULL), FRAG_PFN_NONE);
	CHECK_EQ(st(mem, FRAG_STAT_oom_kill), 0);
	CHECK_EQ(frag_alloc_pages(mem, 0, 0, GFP_KERNEL, NULL), FRAG_PFN_NONE);
	CHECK_EQ(st(mem, FRAG_STAT_oom_kill), 1);
	CHECK_EQ(rec.nr_oom, 1);
	frag_mem_destroy(mem);
}

/*
 * __alloc_pages_may_oom(): when env.out_of_memory() reports progress (here it
 * frees an order-4 block, as a killed task would), the slowpath retries and
 * the request succeeds: 1020 free + 16 = 1036 > min 1024.
 */
static void test___alloc_pages_may_oom_progress(void)
{
	struct frag_mem *mem = mk_normal(16384, 4096);
	struct frag_zone *z = zone_of(mem, 0, ZONE_NORMAL);
	uint64_t victim = frag_alloc_pages(mem, 0, 4, GFP_KERNEL, NULL);

	CHECK(in_zone(z, victim));
	carve_to(mem, z, 1020);
	rec.oom_free_pfn = victim;
	rec.oom_free_order = 4;
	rec.oom_ret = true;
	uint64_t pfn = frag_alloc_pages(mem, 0, 0, GFP_KERNEL, NULL);
	CHECK(in_zone(z, pfn));
	CHECK_EQ(rec.nr_oom, 1);
	CHECK_EQ(st(mem, FRAG_STAT_oom_kill), 1);
	CHECK_EQ(st(mem, FRAG_STAT_alloc_fail), 0);
	CHECK_EQ(rec.oom_free_pfn, FRAG_PFN_NONE);

	/* Reported progress without freeing anything would loop; false gives up at once. */
	carve_to(mem, z, 1000);
	rec.oom_ret = false;
	CHECK_EQ(frag_alloc_pages(mem, 0, 0, GFP_KERNEL, NULL), FRAG_PFN_NONE);
	CHECK_EQ(rec.nr_oom, 2);
	CHECK_EQ(st(mem, FRAG_STAT_oom_kill), 2);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * wake_all_kswapds(): with ALLOC_KSWAPD the slowpath wakes kswapd on entry
 * and at each retry, once per node of the zonelist, with the request's order
 * and highest zone index (pgdat->kswapd_order / kswapd_highest_zoneidx
 * raised). defrag_mode asks for at least pageblock_order. A request without
 * __GFP_KSWAPD_RECLAIM wakes nothing; a fast-path success wakes nothing.
 */
static void test_wake_all_kswapds(void)
{
	struct frag_mem *mem = mk_normal(16384, 4096);
	struct frag_zone *z = zone_of(mem, 0, ZONE_NORMAL);

	CHECK(in_zone(z, frag_alloc_pages(mem, 0, 2, GFP_NOWAIT, NULL)));
	CHECK_EQ(rec.nr_wake, 0);
	carve_to(mem, z, 1000);
	CHECK_EQ(frag_alloc_pages(mem, 0, 2, GFP_NOWAIT, NULL), FRAG_PFN_NONE);
	CHECK_EQ(rec.nr_wake, 2);
	for (unsigned i = 0; i < 2; i++) {
		CHECK_EQ(rec.wake_nid[i], 0);
		CHECK_EQ(rec.wake_order[i], 2);
		CHECK_EQ(rec.wake_zone[i], ZONE_NORMAL);
	}
	CHECK_EQ(mem->nodes[0].kswapd_order, 2);
	CHECK_EQ(mem->nodes[0].kswapd_highest_zoneidx, ZONE_NORMAL);
	CHECK_EQ(frag_alloc_pages(mem, 0, 3, GFP_NOWAIT | __GFP_MOVABLE | __GFP_HIGHMEM, NULL), FRAG_PFN_NONE);
	CHECK_EQ(rec.nr_wake, 4);
	CHECK_EQ(rec.wake_order[3], 3);
	CHECK_EQ(rec.wake_zone[3], ZONE_MOVABLE);
	CHECK_EQ(mem->nodes[0].kswapd_order, 3);
	CHECK_EQ(mem->nodes[0].kswapd_highest_zoneidx, ZONE_MOVABLE);
	CHECK_EQ(frag_alloc_pages(mem, 0, 2, __GFP_NOWARN, NULL), FRAG_PFN_NONE);
	CHECK_EQ(rec.nr_wake, 4);
	CHECK_EQ(st(mem, FRAG_STAT_kswapd_wake_request), 4);
	frag_mem_destroy(mem);

	struct frag_config cfg;
	cfg_one_node(&cfg, NORMAL_PFN, 16384, 1, 4096);
	cfg.sysctl.defrag_mode = true;
	mem = create(&cfg);
	z = zone_of(mem, 0, ZONE_NORMAL);
	carve_to(mem, z, 1000);
	CHECK_EQ(frag_alloc_pages(mem, 0, 2, GFP_NOWAIT, NULL), FRAG_PFN_NONE);
	CHECK_EQ(rec.nr_wake, 2);
	CHECK_EQ(rec.wake_order[0], PAGEBLOCK_ORDER);
	CHECK_EQ(rec.wake_order[1], PAGEBLOCK_ORDER);
	CHECK_EQ(frag_alloc_pages(mem, 0, 10, GFP_NOWAIT, NULL), FRAG_PFN_NONE);
	CHECK_EQ(rec.nr_wake, 4);
	CHECK_EQ(rec.wake_order[2], 10);
	CHECK_EQ(mem->nodes[0].kswapd_order, 10);
	frag_mem_destroy(mem);

	/* Two nodes, everything taken: each wake visits node 1 (CPU 1's) then node 0, once each. */
	mem = mk_2nodes();
	for (unsigned i = 0; i < mem->nr_zones; i++)
		carve_to(mem, &mem->zones[i], 0);
	CHECK_EQ(frag_alloc_pages(mem, 1, 2, GFP_NOWAIT, NULL), FRAG_PFN_NONE);
	CHECK_EQ(rec.nr_wake, 4);
	CHECK_EQ(rec.wake_nid[0], 1);
	CHECK_EQ(rec.wake_nid[1], 0);
	CHECK_EQ(rec.wake_nid[2], 1);
	CHECK_EQ(rec.wake_nid[3], 0);
	frag_mem_destroy(mem);
}

/*
 * rmqueue(): after an allocation with ALLOC_KSWAPD from a zone with
 * ZONE_BOOSTED_WATERMARK set, the bit is cleared and kswapd is woken with
 * order 0 for the zone's index (wakeup_kswapd(zone, 0, 0, zone_idx(zone))).
 * The flag comes with the boost boost_watermark() raised: wakeup_kswapd()
 * wakes a balanced node only while it is boosted (pgdat_watermark_boosted()).
 */
static void test_rmqueue_boosted_wakeup_kswapd(void)
{
	struct frag_mem *mem = mk_zones3();
	struct frag_zone *normal = zone_of(mem, 0, ZONE_NORMAL);
	const gfp_t no_kswapd = GFP_KERNEL & ~__GFP_KSWAPD_RECLAIM;

	normal->flags |= ZONE_BOOSTED_WATERMARK;
	normal->watermark_boost = PAGEBLOCK_NR_PAGES;
	CHECK(in_zone(normal, frag_alloc_pages(mem, 0, 4, no_kswapd | __GFP_MOVABLE, NULL)));
	CHECK_EQ(rec.nr_wake, 0);
	CHECK(normal->flags & ZONE_BOOSTED_WATERMARK);
	CHECK(in_zone(normal, frag_alloc_pages(mem, 0, 4, GFP_MOV, NULL)));
	CHECK_EQ(rec.nr_wake, 1);
	CHECK_EQ(rec.wake_order[0], 0);
	CHECK_EQ(rec.wake_zone[0], ZONE_NORMAL);
	CHECK(!(normal->flags & ZONE_BOOSTED_WATERMARK));
	CHECK(in_zone(normal, frag_alloc_pages(mem, 0, 4, GFP_MOV, NULL)));
	CHECK_EQ(rec.nr_wake, 1);

	/* The zone index is the serving zone's, not the request's. */
	struct frag_zone *dma32 = zone_of(mem, 0, ZONE_DMA32);
	dma32->flags |= ZONE_BOOSTED_WATERMARK;
	dma32->watermark_boost = PAGEBLOCK_NR_PAGES;
	CHECK(in_zone(dma32, frag_alloc_pages(mem, 0, 4, GFP_MOV | __GFP_DMA32, NULL)));
	CHECK_EQ(rec.nr_wake, 2);
	CHECK_EQ(rec.wake_zone[1], ZONE_DMA32);
	frag_mem_destroy(mem);
}

/* ---------------------------------------------------------------------- */
/* Orders above MAX_PAGE_ORDER; __GFP_MEMALLOC; unreserve without force   */
/* ---------------------------------------------------------------------- */

/*
 * __alloc_frozen_pages_noprof(): "if (WARN_ON_ONCE_GFP(order >
 * MAX_PAGE_ORDER, gfp)) return NULL;" before anything else, even for
 * __GFP_NOFAIL: no fast path, no slowpath, no kswapd wake-up, no PCP refill,
 * and the free lists are untouched.
 */
static void test___alloc_frozen_pages_noprof_order_too_large(void)
{
	static const gfp_t gfps[] = { GFP_KERNEL, GFP_ATOMIC, GFP_KERNEL | __GFP_NOFAIL, GFP_HIGHUSER_MOVABLE };
	struct frag_mem *mem = mk_normal(16384, 4096);
	struct frag_zone *z = zone_of(mem, 0, ZONE_NORMAL);
	uint64_t nr_free[NR_PAGE_ORDERS];

	for (unsigned o = 0; o < NR_PAGE_ORDERS; o++)
		nr_free[o] = z->free_area[o].nr_free;
	for (unsigned i = 0; i < sizeof gfps / sizeof gfps[0]; i++) {
		CHECK_EQ(frag_alloc_pages(mem, 0, MAX_PAGE_ORDER + 1, gfps[i], NULL), FRAG_PFN_NONE);
		CHECK_EQ(frag_alloc_pages(mem, 0, SPB_ORDER, gfps[i], NULL), FRAG_PFN_NONE);
	}
	CHECK_EQ(st(mem, FRAG_STAT_alloc_fail), 8);
	CHECK_EQ(st(mem, FRAG_STAT_alloc_slowpath), 0);
	CHECK_EQ(st(mem, FRAG_STAT_nofail_fail), 0);
	CHECK_EQ(st(mem, FRAG_STAT_pgalloc_normal), 0);
	CHECK_EQ(st(mem, FRAG_STAT_pcp_refill), 0);
	CHECK_EQ(st(mem, FRAG_STAT_oom_kill), 0);
	CHECK_EQ(rec.nr_wake, 0);
	for (unsigned o = 0; o < NR_PAGE_ORDERS; o++)
		CHECK_EQ(z->free_area[o].nr_free, nr_free[o]);
	CHECK_EQ(z->nr_free_pages, 16384);
	CHECK_EQ(z->nr_pcp_pages, 0);
	CHECK_EQ(z->flags & ZONE_BELOW_HIGH, 0);
	/* MAX_PAGE_ORDER itself is served. */
	CHECK_EQ(frag_alloc_pages(mem, 0, MAX_PAGE_ORDER, GFP_KERNEL, NULL), NORMAL_PFN);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * __gfp_pfmemalloc_flags(): __GFP_MEMALLOC (without __GFP_NOMEMALLOC) gives
 * ALLOC_NO_WATERMARKS; at retry: the slowpath *replaces* alloc_flags with it
 * (keeping ALLOC_KSWAPD), and get_page_from_freelist() tries the zone
 * although its watermark fails. __GFP_NOMEMALLOC wins over __GFP_MEMALLOC.
 * mk_normal(16384, 4096): min 1024; with 500 or 1 free pages GFP_NOWAIT
 * (no reserves, no direct reclaim: nopage right after that attempt) fails
 * without __GFP_MEMALLOC and succeeds with it; GFP_KERNEL | __GFP_MEMALLOC
 * succeeds at the same point, before any reclaim.
 */
static void test___gfp_pfmemalloc_flags(void)
{
	static const struct {
		int64_t free;
		gfp_t gfp;
		bool ok;
	} cases[] = {
		{ 500, GFP_NOWAIT, false },
		{ 500, GFP_NOWAIT | __GFP_MEMALLOC, true },
		{ 500, GFP_NOWAIT | __GFP_MEMALLOC | __GFP_NOMEMALLOC, false },
		{ 1, GFP_NOWAIT | __GFP_MEMALLOC, true },
		{ 1, GFP_NOWAIT | __GFP_MEMALLOC | __GFP_NOMEMALLOC, false },
		{ 500, GFP_KERNEL | __GFP_MEMALLOC, true },
		{ 0, GFP_NOWAIT | __GFP_MEMALLOC, false },
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct frag_mem *mem = mk_normal(16384, 4096);
		struct frag_zone *z = zone_of(mem, 0, ZONE_NORMAL);
		carve_to(mem, z, cases[i].free);
		uint64_t pfn = frag_alloc_pages(mem, 0, 0, cases[i].gfp, NULL);
		if ((pfn != FRAG_PFN_NONE) != cases[i].ok)
			printf("# case %u\n", i);
		CHECK_EQ(pfn != FRAG_PFN_NONE, cases[i].ok);
		CHECK_EQ(in_zone(z, pfn), cases[i].ok);
		CHECK_EQ(st(mem, FRAG_STAT_alloc_slowpath), 1);
		CHECK_EQ(st(mem, FRAG_STAT_alloc_fail), cases[i].ok ? 0 : 1);
		CHECK_EQ(st(mem, FRAG_STAT_oom_kill), 0);
		CHECK_EQ(rec.nr_oom, 0);
		CHECK_CONSISTENT(mem);
		frag_mem_destroy(mem);
	}
}

/*
 * The reserve flags replace alloc_flags, they are not added: a GFP_ATOMIC
 * order-1 request first fails the slowpath's own attempt (ALLOC_HIGHATOMIC,
 * 3/8 of min), then succeeds with ALLOC_NO_WATERMARKS | ALLOC_KSWAPD, which
 * no longer holds ALLOC_HIGHATOMIC: get_page_from_freelist() does not call
 * reserve_highatomic_pageblock(). mk_ha_machine() (65536 pages: reserve
 * limit 1024) with 10 free pages: 10 - 1 <= 32 - 16 - 4 = 12 fails. With 14
 * free pages and no __GFP_MEMALLOC, the slowpath attempt passes and does
 * reserve the pageblock.
 */
static void test___alloc_pages_slowpath_memalloc_replaces_flags(void)
{
	for (int memalloc = 1; memalloc >= 0; memalloc--) {
		struct frag_mem *mem = mk_ha_machine();
		struct frag_zone *z = zone_of(mem, 0, ZONE_NORMAL);
		carve_to(mem, z, memalloc ? 10 : 14);
		uint64_t pfn = frag_alloc_pages(mem, 0, 1, GFP_ATOMIC | (memalloc ? __GFP_MEMALLOC : 0), NULL);
		CHECK(in_zone(z, pfn));
		CHECK_EQ(st(mem, FRAG_STAT_alloc_slowpath), 1);
		CHECK_EQ(z->nr_reserved_highatomic, memalloc ? 0 : 512);
		CHECK_EQ(st(mem, FRAG_STAT_highatomic_reserve), memalloc ? 0 : 1);
		if (pfn != FRAG_PFN_NONE)
			CHECK_EQ(pb_mt(z, pfn), memalloc ? MIGRATE_UNMOVABLE : MIGRATE_HIGHATOMIC);
		CHECK_CONSISTENT(mem);
		frag_mem_destroy(mem);
	}
}

/* try_to_free_pages() stand-ins: "progress" without freeing anything, or none. */
static unsigned nr_fake_reclaim;

static uint64_t fake_reclaim_progress(struct frag_mem *mem, unsigned nid, unsigned order, gfp_t gfp)
{
	(void)mem, (void)nid, (void)order, (void)gfp;
	nr_fake_reclaim++;
	return 1;
}

static uint64_t fake_reclaim_none(struct frag_mem *mem, unsigned nid, unsigned order, gfp_t gfp)
{
	(void)mem, (void)nid, (void)order, (void)gfp;
	nr_fake_reclaim++;
	return 0;
}

static uint64_t fake_reclaimable_none(const struct frag_mem *mem, unsigned zone_id)
{
	(void)mem, (void)zone_id;
	return 0;
}

/*
 * unreserve_highatomic_pageblock(ac, force): without force a zone keeps its
 * last reserved pageblock ("if (!force && zone->nr_reserved_highatomic <=
 * pageblock_nr_pages) continue"); only force releases it.
 *   - __alloc_pages_direct_reclaim(): reclaim made progress (a stand-in
 *     try_to_free_pages() reports 1 page) but the allocation still fails:
 *     unreserve(force=false), drain_all_pages(), one more try;
 *   - should_reclaim_retry() giving up: unreserve(force=true).
 * mk_ha_machine(): two HIGHATOMIC pageblocks H1, H2 (nr_reserved 1024),
 * each with one free order-5 block, nothing else free (64 free pages, all
 * invisible to GFP_KERNEL). GFP_KERNEL | __GFP_NORETRY order 0 (NORETRY: no
 * should_reclaim_retry(), so only the non-forced unreserve runs):
 *   #1 releases H1 (the HIGHATOMIC list head) to UNMOVABLE (the requester's
 *      type); 32 usable pages, not > min 32: it still fails;
 *   #2 finds 512 reserved pages: nothing released, fails.
 * Then GFP_KERNEL with reclaim reporting no progress reaches
 * should_reclaim_retry(), whose forced unreserve releases H2: 64 usable
 * pages, the retry succeeds.
 */
#define HA_H1 (NORMAL_PFN + 4 * PAGEBLOCK_NR_PAGES)
#define HA_H2 (NORMAL_PFN + 8 * PAGEBLOCK_NR_PAGES)

static void test_unreserve_highatomic_pageblock_keeps_last(void)
{
	struct frag_mem *mem = mk_ha_machine();
	struct frag_zone *z = zone_of(mem, 0, ZONE_NORMAL);

	CHECK_EQ(alloc_at(mem, z, HA_H1 + 64, 5, GFP_KERNEL, 0), 0);
	CHECK_EQ(alloc_at(mem, z, HA_H2 + 64, 5, GFP_KERNEL, 0), 0);
	carve_to(mem, z, 0);
	CHECK_EQ(frag_free_pages(mem, 0, HA_H1 + 64, 5), 0);
	CHECK_EQ(frag_free_pages(mem, 0, HA_H2 + 64, 5), 0);
	relabel_block(z, HA_H1, MIGRATE_HIGHATOMIC);
	relabel_block(z, HA_H2, MIGRATE_HIGHATOMIC);
	CHECK_EQ(z->nr_reserved_highatomic, 1024);
	CHECK_EQ(z->nr_free_highatomic, 64);
	CHECK_EQ(z->nr_free_pages, 64);
	CHECK_EQ(list_head_pfn(z, 5, MIGRATE_HIGHATOMIC), HA_H1 + 64);
	mem->reclaim.try_to_free_pages = fake_reclaim_progress;
	mem->reclaim.zone_reclaimable_pages = fake_reclaimable_none;
	nr_fake_reclaim = 0;

	CHECK_EQ(frag_alloc_pages(mem, 0, 0, GFP_KERNEL | __GFP_NORETRY, NULL), FRAG_PFN_NONE);
	CHECK_EQ(nr_fake_reclaim, 1);
	CHECK_EQ(pb_mt(z, HA_H1), MIGRATE_UNMOVABLE);
	CHECK_EQ(pb_mt(z, HA_H2), MIGRATE_HIGHATOMIC);
	CHECK_EQ(list_head_pfn(z, 5, MIGRATE_UNMOVABLE), HA_H1 + 64);
	CHECK_EQ(z->nr_reserved_highatomic, 512);
	CHECK_EQ(z->nr_free_highatomic, 32);
	CHECK_EQ(st(mem, FRAG_STAT_highatomic_unreserve), 1);

	CHECK_EQ(frag_alloc_pages(mem, 0, 0, GFP_KERNEL | __GFP_NORETRY, NULL), FRAG_PFN_NONE);
	CHECK_EQ(nr_fake_reclaim, 2);
	CHECK_EQ(pb_mt(z, HA_H2), MIGRATE_HIGHATOMIC);
	CHECK_EQ(z->nr_reserved_highatomic, 512);
	CHECK_EQ(z->nr_free_highatomic, 32);
	CHECK_EQ(st(mem, FRAG_STAT_highatomic_unreserve), 1);
	CHECK_EQ(st(mem, FRAG_STAT_alloc_fail), 2);
	CHECK_EQ(st(mem, FRAG_STAT_oom_kill), 0);
	CHECK_CONSISTENT(mem);

	mem->reclaim.try_to_free_pages = fake_reclaim_none;
	uint64_t pfn = frag_alloc_pages(mem, 0, 0, GFP_KERNEL, NULL);
	CHECK((pfn >= HA_H1 + 64 && pfn < HA_H1 + 96) || (pfn >= HA_H2 + 64 && pfn < HA_H2 + 96));
	CHECK_EQ(pb_mt(z, HA_H2), MIGRATE_UNMOVABLE);
	CHECK_EQ(z->nr_reserved_highatomic, 0);
	CHECK_EQ(z->nr_free_highatomic, 0);
	CHECK_EQ(st(mem, FRAG_STAT_highatomic_unreserve), 2);
	CHECK_EQ(st(mem, FRAG_STAT_oom_kill), 0);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

static const struct tap_test tests[] = {
	TAP(test_calculate_min_free_kbytes_16GiB),
	TAP(test_calculate_min_free_kbytes_formula),
	TAP(test_set_recommended_min_free_kbytes),
	TAP(test_init_per_zone_wmark_min_real_machine),
	TAP(test___setup_per_zone_wmarks_scale_factor),
	TAP(test___setup_per_zone_wmarks_movable),
	TAP(test_setup_per_zone_lowmem_reserve),
	TAP(test___zone_watermark_ok_strict),
	TAP(test___zone_watermark_ok_reserves),
	TAP(test___zone_watermark_unusable_free),
	TAP(test___zone_watermark_ok_high_order),
	TAP(test_zone_watermark_fast_boost),
	TAP(test_get_page_from_freelist_zonelist_order),
	TAP(test_get_page_from_freelist_gfp_zone),
	TAP(test_get_page_from_freelist_lowmem_reserve),
	TAP(test_zone_statistics),
	TAP(test_get_page_from_freelist_skip_kswapd_nodes),
	TAP(test_gfp_zonelist_THISNODE),
	TAP(test_reserve_highatomic_pageblock),
	TAP(test_gfp_to_alloc_flags_highatomic),
	TAP(test_rmqueue_buddy_highatomic),
	TAP(test_unreserve_highatomic_pageblock_before_oom),
	TAP(test_unreserve_highatomic_pageblock_order10),
	TAP(test_reserve_highatomic_pageblock_limit),
	TAP(test_reserve_highatomic_pageblock_small_zone),
	TAP(test_reserve_highatomic_pageblock_order10),
	TAP(test___alloc_pages_slowpath_min_reserve),
	TAP(test___alloc_pages_may_oom),
	TAP(test___alloc_pages_may_oom_early),
	TAP(test___alloc_pages_may_oom_skipped),
	TAP(test___alloc_pages_may_oom_progress),
	TAP(test_wake_all_kswapds),
	TAP(test_rmqueue_boosted_wakeup_kswapd),
	TAP(test___alloc_frozen_pages_noprof_order_too_large),
	TAP(test___gfp_pfmemalloc_flags),
	TAP(test___alloc_pages_slowpath_memalloc_replaces_flags),
	TAP(test_unreserve_highatomic_pageblock_keeps_last),
};

int main(void)
{
	return tap_main(tests, TAP_COUNT(tests));
}
