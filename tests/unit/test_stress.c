/* SPDX-License-Identifier: MIT */
/*
 * test_stress.c - randomized allocation and free with every invariant
 * checked after every step, over several machine shapes.
 *
 * After each operation: frag_mem_consistent() (every list and counter
 * against the page array), no page handed out twice (a shadow bitmap of
 * allocated pages), every allocation aligned to its order and inside a zone
 * the GFP mask allows, and page conservation (free + PCP + allocated +
 * reserved/absent == spanned, allocated == what the test holds).
 * Direct compaction moves LRU blocks: the test follows them as an owner
 * does (env.migrate_folio) and checks that a move lands on pages nobody
 * holds.
 *
 * STRESS_SCALE (default 1) multiplies the number of steps; STRESS_SEED
 * replaces the seeds.
 */
#include "helpers.h"
#include "rng.h"

struct held {
	uint64_t pfn;
	unsigned order;
	gfp_t gfp;
};

struct run {
	struct frag_mem *mem;
	struct frag_rng rng;
	struct held *held;
	size_t nr, cap;
	uint8_t *shadow;      /* 1 per allocated page, indexed by pfn - base */
	uint32_t *slot;       /* held[] index + 1 of the block headed at pfn - base, 0 = none */
	uint64_t held_pages;
	uint64_t migrated;    /* blocks moved by compaction */
	uint64_t step;
	bool failed;
};

static const gfp_t gfps[] = {
	GFP_HIGHUSER_MOVABLE, GFP_KERNEL, GFP_KERNEL | __GFP_RECLAIMABLE, GFP_ATOMIC, GFP_NOWAIT,
	GFP_TRANSHUGE_LIGHT,  GFP_TRANSHUGE, GFP_KERNEL | __GFP_DMA32, GFP_KERNEL | __GFP_DMA,
	GFP_KERNEL | __GFP_RETRY_MAYFAIL | __GFP_NOWARN, GFP_KERNEL | __GFP_NORETRY, GFP_ATOMIC | __GFP_NOMEMALLOC,
};

static unsigned pick_order(struct run *r, gfp_t gfp)
{
	if (gfp == GFP_TRANSHUGE_LIGHT || gfp == GFP_TRANSHUGE)
		return HPAGE_PMD_ORDER;
	uint64_t k = frag_rng_below(&r->rng, 100);
	if (k < 60)
		return 0;
	if (k < 85)
		return 1 + (unsigned)frag_rng_below(&r->rng, 3);
	return 4 + (unsigned)frag_rng_below(&r->rng, 7);
}

static bool zone_allowed(const struct frag_zone *z, gfp_t gfp)
{
	return z->type <= gfp_zone(gfp);
}

static void fail(struct run *r, const char *what, uint64_t step)
{
	if (!r->failed)
		printf("# step %llu: %s\n", (unsigned long long)step, what);
	r->failed = true;
}

/* env.migrate_folio: the owner of a held block learns its new place. */
static bool stress_migrated(void *arg, const struct frag_owner *owner, uint64_t old_pfn, uint64_t new_pfn,
			    unsigned order)
{
	struct run *r = arg;
	uint64_t base = r->mem->base_pfn;
	uint32_t s = r->slot[old_pfn - base];
	(void)owner;

	if (!s || r->held[s - 1].pfn != old_pfn || r->held[s - 1].order != order) {
		fail(r, "migration of a block the test does not hold", r->step);
		return false;
	}
	for (uint64_t p = new_pfn; p < new_pfn + (1ull << order); p++) {
		if (r->shadow[p - base])
			fail(r, "migration target already handed out", r->step);
		r->shadow[p - base] = 1;
	}
	for (uint64_t p = old_pfn; p < old_pfn + (1ull << order); p++)
		r->shadow[p - base] = 0;
	r->held[s - 1].pfn = new_pfn;
	r->slot[old_pfn - base] = 0;
	r->slot[new_pfn - base] = s;
	r->migrated++;
	return true;
}

static void check_conservation(struct run *r, uint64_t step)
{
	struct frag_mem *mem = r->mem;
	uint64_t alloc = 0;
	for (unsigned i = 0; i < mem->nr_zones; i++) {
		const struct frag_zone *z = &mem->zones[i];
		uint64_t reserved = 0, free_pages = 0;
		for (unsigned o = 0; o < NR_PAGE_ORDERS; o++)
			free_pages += z->free_area[o].nr_free << o;
		for (uint32_t b = 0; b < z->nr_pageblocks; b++)
			reserved += z->pb[b].nr_reserved;
		uint64_t a = z->nr_alloc[0] + z->nr_alloc[1] + z->nr_alloc[2];
		alloc += a;
		if (free_pages + z->nr_pcp_pages + a + reserved != z->spanned_pages)
			fail(r, "pages not conserved in a zone", step);
		if (z->managed_pages + (z->spanned_pages - z->present_pages) + (reserved - (z->spanned_pages - z->present_pages)) !=
		    z->spanned_pages)
			fail(r, "managed/present/spanned disagree", step);
	}
	if (alloc != r->held_pages)
		fail(r, "allocated pages differ from what the test holds", step);
}

static void one_step(struct run *r, uint64_t step)
{
	struct frag_mem *mem = r->mem;
	unsigned ncpu = frag_nr_cpus(mem);
	uint64_t k = frag_rng_below(&r->rng, 1000);
	unsigned cpu = (unsigned)frag_rng_below(&r->rng, ncpu);

	if (k < 3) {
		frag_drain_all_pages(mem, -1);
		return;
	}
	if (k < 6) {
		frag_pcp_decay(mem);
		return;
	}
	bool do_alloc = r->nr == 0 || k < 520;
	if (do_alloc) {
		gfp_t gfp = gfps[frag_rng_below(&r->rng, sizeof gfps / sizeof gfps[0])];
		unsigned order = pick_order(r, gfp);
		struct frag_owner o = { .id = 7, .cookie = (uint32_t)step, .kind = (gfp & __GFP_MOVABLE) ? KIND_ANON : KIND_SLAB,
					.flags = (gfp & __GFP_MOVABLE) ? OWNER_LRU : 0 };
		if ((gfp & __GFP_MOVABLE) && frag_rng_below(&r->rng, 20) == 0)
			o.flags |= OWNER_PINNED;
		uint64_t pfn = frag_alloc_pages(mem, cpu, order, gfp, &o);
		if (pfn == FRAG_PFN_NONE)
			return;
		if (pfn & ((1ull << order) - 1))
			fail(r, "allocation not aligned to its order", step);
		struct frag_zone *z = pfn_to_zone(mem, pfn);
		if (!z || pfn + (1ull << order) > zone_end_pfn(z))
			fail(r, "allocation outside a zone", step);
		else if (!zone_allowed(z, gfp))
			fail(r, "allocation from a zone the GFP mask excludes", step);
		for (uint64_t p = pfn; p < pfn + (1ull << order); p++) {
			if (r->shadow[p - mem->base_pfn])
				fail(r, "page handed out twice", step);
			r->shadow[p - mem->base_pfn] = 1;
		}
		struct frag_pfn_info info;
		if (frag_pfn_info(mem, pfn + (1ull << order) - 1, &info) || info.state != PFN_ALLOCATED ||
		    info.head_pfn != pfn || info.owner.cookie != (uint32_t)step)
			fail(r, "frag_pfn_info does not describe the new block", step);
		if (r->nr == r->cap) {
			r->cap = r->cap ? r->cap * 2 : 1024;
			r->held = realloc(r->held, r->cap * sizeof(*r->held));
		}
		r->held[r->nr++] = (struct held){ pfn, order, gfp };
		r->slot[pfn - mem->base_pfn] = (uint32_t)r->nr;
		r->held_pages += 1ull << order;
	} else {
		size_t i = frag_rng_below(&r->rng, r->nr);
		struct held h = r->held[i];
		if (frag_rng_below(&r->rng, 50) == 0 && frag_free_pages(mem, cpu, h.pfn, h.order + 1) != -EINVAL)
			fail(r, "a free with the wrong order was accepted", step);
		if (frag_free_pages(mem, cpu, h.pfn, h.order))
			fail(r, "free of a held block refused", step);
		for (uint64_t p = h.pfn; p < h.pfn + (1ull << h.order); p++)
			r->shadow[p - mem->base_pfn] = 0;
		if (frag_rng_below(&r->rng, 50) == 0 && frag_free_pages(mem, cpu, h.pfn, h.order) != -EINVAL)
			fail(r, "a double free was accepted", step);
		r->slot[h.pfn - mem->base_pfn] = 0;
		r->held[i] = r->held[--r->nr];
		if (i < r->nr)
			r->slot[r->held[i].pfn - mem->base_pfn] = (uint32_t)i + 1;
		r->held_pages -= 1ull << h.order;
	}
}

static void stress(struct frag_mem *mem, uint64_t seed, uint64_t steps)
{
	struct run r = { .mem = mem };
	char why[512];

	if (!mem) {
		CHECK(mem != NULL);
		return;
	}
	mem->check_every = 0;   /* checked explicitly below, to report instead of abort */
	mem->env.arg = &r;
	mem->env.migrate_folio = stress_migrated;
	frag_rng_seed(&r.rng, seed, 42);
	r.shadow = calloc(mem->end_pfn - mem->base_pfn, 1);
	r.slot = calloc(mem->end_pfn - mem->base_pfn, sizeof(*r.slot));
	for (uint64_t s = 0; s < steps && !r.failed; s++) {
		r.step = s;
		one_step(&r, s);
		if (!frag_mem_consistent(mem, why, sizeof why)) {
			fail(&r, why, s);
			break;
		}
		check_conservation(&r, s);
	}
	/* Free everything: the machine must return to all-free after a drain. */
	for (size_t i = 0; i < r.nr; i++)
		CHECK_EQ(frag_free_pages(mem, 0, r.held[i].pfn, r.held[i].order), 0);
	frag_drain_all_pages(mem, -1);
	uint64_t free_total = 0, managed = 0;
	for (unsigned i = 0; i < mem->nr_zones; i++) {
		free_total += (uint64_t)mem->zones[i].nr_free_pages;
		managed += mem->zones[i].managed_pages;
		CHECK_EQ(mem->zones[i].nr_pcp_pages, 0);
	}
	CHECK_EQ(free_total, managed);
	CHECK_CONSISTENT(mem);
	CHECK(!r.failed);
	printf("# seed %llu: %llu steps, %llu extfrag events, %llu allocation failures, %llu compaction stalls, "
	       "%llu blocks migrated\n",
	       (unsigned long long)seed, (unsigned long long)steps, (unsigned long long)frag_stat_get(mem, FRAG_STAT_extfrag),
	       (unsigned long long)frag_stat_get(mem, FRAG_STAT_alloc_fail),
	       (unsigned long long)frag_stat_get(mem, FRAG_STAT_compact_stall), (unsigned long long)r.migrated);
	free(r.shadow);
	free(r.slot);
	free(r.held);
	frag_mem_destroy(mem);
}

static uint64_t scale(void)
{
	const char *s = getenv("STRESS_SCALE");
	uint64_t v = s ? strtoull(s, NULL, 10) : 1;
	return v ? v : 1;
}

static uint64_t seed_or(uint64_t def)
{
	const char *s = getenv("STRESS_SEED");
	return s ? strtoull(s, NULL, 10) : def;
}

static void test_stress_dma_dma32(void)
{
	stress(mk_mem(64 * MiB, 1, 2, NULL), seed_or(1), 10000 * scale());
}

static struct frag_hole holes_96m[] = {
	{ 0x9f, 0x100, HOLE_RESERVED },
	{ 0x2000, 0x2400, HOLE_ABSENT },
	{ 0x3001, 0x3003, HOLE_RESERVED },
	{ 0x4000, 0x4100, HOLE_RESERVED },
	{ 0x5555, 0x5556, HOLE_ABSENT },
};

static void tweak_holes(struct frag_config *cfg)
{
	cfg->geo.node[0].start_pfn = 1;
	cfg->geo.node[0].nr_pages = (96 * MiB >> 12) - 1;
	cfg->geo.holes = holes_96m;
	cfg->geo.nr_holes = sizeof holes_96m / sizeof holes_96m[0];
}

/* Holes, reserved ranges and a zone starting at pfn 1. */
static void test_stress_holes(void)
{
	stress(mk_mem(96 * MiB, 1, 3, tweak_holes), seed_or(2), 10000 * scale());
}

/* A node straddling 4 GiB: DMA32 and Normal zones on a small machine. */
static void tweak_normal(struct frag_config *cfg)
{
	cfg->geo.node[0].start_pfn = (4 * GiB - 32 * MiB) >> 12;
	cfg->geo.node[0].nr_pages = (64 * MiB) >> 12;
}

static void test_stress_normal_nofragment(void)
{
	struct frag_mem *mem = mk_mem(64 * MiB, 1, 4, tweak_normal);
	CHECK(mem && zone_of(mem, 0, ZONE_NORMAL) && zone_of(mem, 0, ZONE_DMA32));
	stress(mem, seed_or(3), 10000 * scale());
}

static void tweak_defrag(struct frag_config *cfg)
{
	tweak_normal(cfg);
	cfg->sysctl.defrag_mode = true;
}

static void test_stress_defrag_mode(void)
{
	stress(mk_mem(64 * MiB, 1, 2, tweak_defrag), seed_or(4), 10000 * scale());
}

/* Two nodes, and a ZONE_MOVABLE at the top of the second. */
static void tweak_numa(struct frag_config *cfg)
{
	cfg->geo.node[1].movable_pages = (16 * MiB) >> 12;
}

static void test_stress_numa_movable(void)
{
	struct frag_mem *mem = mk_mem(128 * MiB, 2, 4, tweak_numa);
	CHECK(mem && zone_of(mem, 1, ZONE_MOVABLE));
	stress(mem, seed_or(5), 10000 * scale());
}

/* Many CPUs on little memory: PCP-heavy. */
static void test_stress_many_cpus(void)
{
	stress(mk_mem(64 * MiB, 1, 16, NULL), seed_or(6), 10000 * scale());
}

static const struct tap_test tests[] = {
	TAP(test_stress_dma_dma32),
	TAP(test_stress_holes),
	TAP(test_stress_normal_nofragment),
	TAP(test_stress_defrag_mode),
	TAP(test_stress_numa_movable),
	TAP(test_stress_many_cpus),
};

int main(void)
{
	return tap_main(tests, TAP_COUNT(tests));
}
