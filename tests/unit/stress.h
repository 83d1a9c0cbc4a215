/* SPDX-License-Identifier: MIT */
/*
 * stress.h - the randomized allocation/free harness shared by test_stress.c
 * (machine shapes under `linux`) and test_conformance.c (every registered
 * policy).
 *
 * After each operation: frag_mem_consistent() (every list and counter
 * against the page array), no page handed out twice (a shadow bitmap of
 * allocated pages), every allocation aligned to its order and inside a zone
 * the GFP mask allows, and page conservation (free + PCP + allocated +
 * reserved/absent == spanned, allocated == what the test holds plus what
 * was allocated before the first step). Direct compaction moves LRU blocks:
 * the harness follows them as an owner does (env.migrate_folio) and checks
 * that a move lands on pages nobody holds.
 */
#ifndef FRAG_TEST_STRESS_H
#define FRAG_TEST_STRESS_H

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
	uint64_t base_alloc;  /* pages allocated before the first step (a policy's boot reserve) */
	uint64_t unmanaged[64]; /* per zone: pages set aside at boot outside managed (memblock-style) */
	uint64_t unmanaged_total;
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
		if (z->managed_pages + reserved + r->unmanaged[i] != z->spanned_pages)
			fail(r, "managed/present/spanned disagree", step);
	}
	if (alloc != r->held_pages + r->base_alloc)
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

/* FNV-1a over bytes. */
static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ c[i]) * 0x100000001b3ull;
	return h;
}

/*
 * The machine's state as one number: every page's struct (state, order,
 * type, owner), every free-list count, every pageblock type and every
 * counter. Two runs of the same steps must give the same hash.
 */
static uint64_t state_hash(const struct frag_mem *mem)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (unsigned i = 0; i < mem->nr_zones; i++) {
		const struct frag_zone *z = &mem->zones[i];
		h = fnv(h, z->pages, z->spanned_pages * sizeof(*z->pages));
		for (uint32_t b = 0; b < z->nr_pageblocks; b++)
			h = fnv(h, &z->pb[b].mt, sizeof z->pb[b].mt);
		for (unsigned o = 0; o < NR_PAGE_ORDERS; o++)
			h = fnv(h, &z->free_area[o].nr_free, sizeof z->free_area[o].nr_free);
		h = fnv(h, &z->nr_pcp_pages, sizeof z->nr_pcp_pages);
	}
	for (unsigned s = 0; s < NR_FRAG_STATS; s++) {
		uint64_t v = frag_stat_get(mem, s);
		h = fnv(h, &v, sizeof v);
	}
	return h;
}

/*
 * stress() - @steps random operations on @mem with every invariant checked
 * after each, then everything freed: the machine must return to all-free
 * (a policy's boot-time reserve excepted). Returns the state hash taken
 * after the last step (before the final frees). Destroys @mem.
 */
static uint64_t stress(struct frag_mem *mem, uint64_t seed, uint64_t steps)
{
	struct run r = { .mem = mem };
	char why[512];
	uint64_t hash = 0;

	if (!mem) {
		CHECK(mem != NULL);
		return 0;
	}
	mem->check_every = 0;   /* checked explicitly below, to report instead of abort */
	mem->env.arg = &r;
	mem->env.migrate_folio = stress_migrated;
	frag_rng_seed(&r.rng, seed, 42);
	r.shadow = calloc(mem->end_pfn - mem->base_pfn, 1);
	r.slot = calloc(mem->end_pfn - mem->base_pfn, sizeof(*r.slot));
	for (unsigned i = 0; i < mem->nr_zones && i < 64; i++) {
		const struct frag_zone *z = &mem->zones[i];
		uint64_t reserved = 0;
		for (int t = 0; t < MIGRATE_PCPTYPES; t++)
			r.base_alloc += z->nr_alloc[t];
		for (uint32_t b = 0; b < z->nr_pageblocks; b++)
			reserved += z->pb[b].nr_reserved;
		r.unmanaged[i] = z->spanned_pages - z->managed_pages - reserved;
		r.unmanaged_total += r.unmanaged[i];
	}
	for (uint64_t s = 0; s < steps && !r.failed; s++) {
		r.step = s;
		one_step(&r, s);
		if (!frag_mem_consistent(mem, why, sizeof why)) {
			fail(&r, why, s);
			break;
		}
		check_conservation(&r, s);
	}
	hash = state_hash(mem);
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
	CHECK_EQ(free_total + r.base_alloc - r.unmanaged_total, managed);
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
	return hash;
}

#endif
