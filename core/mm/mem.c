/* SPDX-License-Identifier: MIT */
/*
 * mem.c - building a machine: geometry validation, nodes, zones, CPUs,
 * pageblocks, SPBs, PCPs and the boot-time free lists.
 *
 * Mirrors the boot sequence of x86-64 Linux:
 *   zone_sizes_init() / free_area_init(): DMA < 16 MiB, DMA32 < 4 GiB,
 *     Normal above, Movable at the top of each node (movablecore=);
 *   memmap_init(): every pageblock starts MIGRATE_MOVABLE;
 *   memblock_free_all() -> __free_pages_memory(): present, non-reserved
 *     memory freed in ascending pfn order as maximal aligned blocks with
 *     FPI_TO_TAIL, so the free lists start in ascending pfn order;
 *   build_zonelists(): own zones high -> low, then other nodes by distance;
 *   init_per_zone_wmark_min(): watermarks, lowmem_reserve, PCP sizing.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "frag/hugemem.h"

void frag_init_per_zone_wmark_min(struct frag_mem *mem, bool user_set, bool thp_enabled);
int frag_policy_setup(struct frag_mem *mem, const struct frag_config *cfg, char *err, size_t errlen);

#define DMA_END_PFN   (16ull << (20 - FRAG_PAGE_SHIFT))   /* 16 MiB */
#define DMA32_END_PFN (4ull << (30 - FRAG_PAGE_SHIFT))    /* 4 GiB */
#define MAX_PFN_16TIB (16ull << (40 - FRAG_PAGE_SHIFT))

void frag_sysctl_defaults(struct frag_sysctl *s)
{
	memset(s, 0, sizeof(*s));
	s->min_free_kbytes = 0;
	s->watermark_scale_factor = 10;
	s->watermark_boost_factor = 15000;
	s->lowmem_reserve_ratio[ZONE_DMA] = 256;
	s->lowmem_reserve_ratio[ZONE_DMA32] = 256;
	s->lowmem_reserve_ratio[ZONE_NORMAL] = 32;
	s->lowmem_reserve_ratio[ZONE_MOVABLE] = 0;
	s->percpu_pagelist_high_fraction = 0;
	s->pcp_batch_scale_max = 5;
	s->extfrag_threshold = 500;
	s->compaction_proactiveness = 20;
	s->swappiness = 60;
	s->defrag_mode = false;
	s->compact_first = false;
	s->thp_pcp = true;
	s->thp_enabled = true;
}

void frag_geometry_simple(struct frag_geometry *g, uint64_t bytes, unsigned nr_nodes, unsigned nr_cpus)
{
	memset(g, 0, sizeof(*g));
	if (nr_nodes == 0)
		nr_nodes = 1;
	if (nr_nodes > FRAG_MAX_NODES)
		nr_nodes = FRAG_MAX_NODES;
	uint64_t pages = bytes >> FRAG_PAGE_SHIFT;
	uint64_t per = (pages / nr_nodes) & ~(uint64_t)(PAGEBLOCK_NR_PAGES - 1);
	uint64_t start = 0;
	g->nr_nodes = nr_nodes;
	for (unsigned n = 0; n < nr_nodes; n++) {
		g->node[n].start_pfn = start;
		g->node[n].nr_pages = (n == nr_nodes - 1) ? pages - start : per;
		g->node[n].nr_cpus = nr_cpus / nr_nodes + (n < nr_cpus % nr_nodes ? 1 : 0);
		start += g->node[n].nr_pages;
	}
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* Validate the geometry before allocating anything. */
static int geometry_check(const struct frag_geometry *g, char *err, size_t errlen)
{
	uint64_t total = 0;
	unsigned cpus = 0;

	if (g->nr_nodes == 0 || g->nr_nodes > FRAG_MAX_NODES)
		return fail(err, errlen, "machine: nodes = %u, must be 1..%u", g->nr_nodes, FRAG_MAX_NODES);
	for (unsigned n = 0; n < g->nr_nodes; n++) {
		const struct frag_node_geometry *ng = &g->node[n];
		if (ng->nr_pages == 0)
			return fail(err, errlen, "machine: node %u has zero memory", n);
		if (ng->nr_pages < PAGEBLOCK_NR_PAGES * 4)
			return fail(err, errlen, "machine: node %u has %llu pages, at least %u (8 MiB) are needed", n,
				    (unsigned long long)ng->nr_pages, PAGEBLOCK_NR_PAGES * 4);
		if (ng->start_pfn + ng->nr_pages > MAX_PFN_16TIB || ng->start_pfn + ng->nr_pages < ng->start_pfn)
			return fail(err, errlen, "machine: node %u ends at pfn %#llx, beyond 16 TiB", n,
				    (unsigned long long)(ng->start_pfn + ng->nr_pages));
		if (n > 0) {
			const struct frag_node_geometry *prev = &g->node[n - 1];
			if (ng->start_pfn < prev->start_pfn + prev->nr_pages)
				return fail(err, errlen,
					    "machine: node %u starts at pfn %#llx, inside node %u (which ends at pfn %#llx): "
					    "nodes overlap or are out of order",
					    n, (unsigned long long)ng->start_pfn, n - 1,
					    (unsigned long long)(prev->start_pfn + prev->nr_pages));
		}
		if (ng->movable_pages >= ng->nr_pages)
			return fail(err, errlen, "machine: node %u movable_pages %llu is not below its %llu pages", n,
				    (unsigned long long)ng->movable_pages, (unsigned long long)ng->nr_pages);
		if (ng->nr_cpus > FRAG_MAX_CPUS)
			return fail(err, errlen, "machine: node %u has %u CPUs, at most %u", n, ng->nr_cpus,
				    FRAG_MAX_CPUS);
		total += ng->nr_pages;
		cpus += ng->nr_cpus;
	}
	uint64_t dma_end = g->dma_end_pfn ? g->dma_end_pfn : DMA_END_PFN;
	uint64_t dma32_end = g->dma32_end_pfn ? g->dma32_end_pfn : DMA32_END_PFN;
	if (dma_end > dma32_end)
		return fail(err, errlen, "machine: zone bounds out of order: ZONE_DMA ends at pfn %#llx, after ZONE_DMA32 "
			    "(ends at pfn %#llx)", (unsigned long long)dma_end, (unsigned long long)dma32_end);
	if (cpus == 0)
		return fail(err, errlen, "machine: no CPUs");
	if (cpus > FRAG_MAX_CPUS)
		return fail(err, errlen, "machine: %u CPUs, at most %u", cpus, FRAG_MAX_CPUS);
	for (unsigned i = 0; i < g->nr_holes; i++) {
		const struct frag_hole *h = &g->holes[i];
		if (h->end_pfn <= h->start_pfn)
			return fail(err, errlen, "machine: hole %u [%#llx, %#llx) is empty or reversed", i,
				    (unsigned long long)h->start_pfn, (unsigned long long)h->end_pfn);
		if (h->kind != HOLE_ABSENT && h->kind != HOLE_RESERVED)
			return fail(err, errlen, "machine: hole %u has an unknown kind %d", i, (int)h->kind);
	}
	(void)total;
	return 0;
}

static void mark_hole_pages(struct frag_mem *mem)
{
	for (unsigned i = 0; i < mem->geo.nr_holes; i++) {
		const struct frag_hole *h = &mem->holes[i];
		uint64_t s = h->start_pfn < mem->base_pfn ? mem->base_pfn : h->start_pfn;
		uint64_t e = h->end_pfn > mem->end_pfn ? mem->end_pfn : h->end_pfn;
		for (uint64_t p = s; p < e; p++) {
			struct frag_page *pg = &mem->pages[p - mem->base_pfn];
			/* An absent range wins over a reserved one. */
			if (h->kind == HOLE_ABSENT || pg->state != PG_HOLE)
				pg->state = h->kind == HOLE_ABSENT ? PG_HOLE : PG_RESERVED;
		}
	}
}

/* Candidate zone ranges of one node; returns how many were filled. */
struct zone_range {
	enum zone_type type;
	uint64_t start, end;
};

static unsigned node_zone_ranges(const struct frag_geometry *g, const struct frag_node_geometry *ng,
				 struct zone_range *r)
{
	uint64_t dma_end = g->dma_end_pfn ? g->dma_end_pfn : DMA_END_PFN;
	uint64_t dma32_end = g->dma32_end_pfn ? g->dma32_end_pfn : DMA32_END_PFN;
	uint64_t start = ng->start_pfn, end = ng->start_pfn + ng->nr_pages;
	uint64_t movable_start = end;
	unsigned n = 0;

	if (ng->movable_pages) {
		/* find_zone_movable_pfns_for_nodes(): aligned to MAX_ORDER_NR_PAGES. */
		movable_start = (end - ng->movable_pages + (1ull << MAX_PAGE_ORDER) - 1) &
				~((1ull << MAX_PAGE_ORDER) - 1);
		if (movable_start >= end)
			movable_start = end;
	}
	const uint64_t bounds[3][2] = {
		{ 0, dma_end },
		{ dma_end, dma32_end },
		{ dma32_end, UINT64_MAX },
	};
	for (int t = ZONE_DMA; t <= ZONE_NORMAL; t++) {
		uint64_t s = start > bounds[t][0] ? start : bounds[t][0];
		uint64_t e = movable_start < bounds[t][1] ? movable_start : bounds[t][1];
		if (s < e)
			r[n++] = (struct zone_range){ (enum zone_type)t, s, e };
	}
	if (movable_start < end)
		r[n++] = (struct zone_range){ ZONE_MOVABLE, movable_start, end };
	return n;
}

static void build_zonelists(struct frag_mem *mem)
{
	unsigned order[FRAG_MAX_NODES];

	for (unsigned n = 0; n < mem->nr_nodes; n++) {
		struct frag_node *node = &mem->nodes[n];
		unsigned k = 0;
		/* find_next_best_node(): local first; remote nodes at equal distance
		 * prefer higher-numbered ones (val += (n < node)), then by id. */
		order[k++] = n;
		for (unsigned m = n + 1; m < mem->nr_nodes; m++)
			order[k++] = m;
		for (unsigned m = 0; m < n; m++)
			order[k++] = m;
		node->zonelist = calloc(mem->nr_zones, sizeof(unsigned));
		node->nr_zonelist = 0;
		for (unsigned i = 0; i < k; i++) {
			const struct frag_node *o = &mem->nodes[order[i]];
			for (int t = MAX_NR_ZONES - 1; t >= 0; t--)
				if (o->zone_of_type[t] >= 0)
					node->zonelist[node->nr_zonelist++] = (unsigned)o->zone_of_type[t];
		}
	}
}

/* Per-zone pageblock/SPB set-up: counts of reserved pages, partial flags. */
static void zone_init_blocks(struct frag_mem *mem, struct frag_zone *z)
{
	uint64_t zs = z->zone_start_pfn, ze = zone_end_pfn(z);

	for (uint32_t i = 0; i < z->nr_pageblocks; i++) {
		struct frag_pageblock *pb = &z->pb[i];
		uint64_t bs = (z->pb_base + i) << PAGEBLOCK_ORDER;
		uint64_t be = bs + PAGEBLOCK_NR_PAGES;
		pb->mt = MIGRATE_MOVABLE;
		pb->owner_cpu = 0xffff;
		if (bs < zs || be > ze)
			pb->flags |= PB_PARTIAL;
	}
	for (uint32_t i = 0; i < z->nr_spbs; i++) {
		struct frag_spb *spb = &z->spb[i];
		uint64_t ss = (z->spb_base + i) << SPB_ORDER;
		uint64_t se = ss + SPB_NR_PAGES;
		uint64_t s = ss < zs ? zs : ss, e = se > ze ? ze : se;
		spb->start_pfn = s;
		spb->nr_pages = (uint32_t)(e - s);
		spb->zone_id = (uint16_t)z->id;
		uint64_t first_pb = s >> PAGEBLOCK_ORDER, last_pb = (e - 1) >> PAGEBLOCK_ORDER;
		spb->total_pageblocks = (uint16_t)(last_pb - first_pb + 1);
		spb->nr_pb[MIGRATE_MOVABLE] = spb->total_pageblocks;
		spb->list_next = spb->list_prev = IDX_NONE;
	}
	/* Reserved and absent pages: walk the hole ranges only (a 1 TiB zone must
	 * not be scanned page by page); flags = 1 marks a page already counted
	 * where ranges overlap. */
	uint64_t absent = 0, reserved = 0;
	for (unsigned i = 0; i < mem->geo.nr_holes; i++) {
		const struct frag_hole *h = &mem->holes[i];
		uint64_t s = h->start_pfn < zs ? zs : h->start_pfn;
		uint64_t e = h->end_pfn > ze ? ze : h->end_pfn;
		for (uint64_t p = s; p < e; p++) {
			struct frag_page *pg = &z->pages[p - zs];
			if (pg->flags)
				continue;
			pg->flags = 1;
			if (pg->state == PG_HOLE)
				absent++;
			else
				reserved++;
			struct frag_pageblock *pb = pfn_to_pb(z, p);
			struct frag_spb *spb = pfn_to_spb(z, p);
			if (pb->nr_reserved == 0)
				spb->nr_pb_reserved++;
			pb->nr_reserved++;
			spb->nr_reserved_pages++;
		}
	}
	z->present_pages = z->spanned_pages - absent;
	z->managed_pages = z->present_pages - reserved;
	(void)mem;
}

/*
 * memblock_free_all(): free every present, non-reserved run of the zone in
 * ascending order as maximal aligned blocks (__free_pages_memory()), each
 * through __free_pages_core() -> free_one_page(FPI_TO_TAIL).
 *
 * Pageblocks without holes or reserved pages are handled without reading
 * their page entries, and an order-10 block whose two pageblocks have the
 * same type is added directly: split_large_buddy() would free its two
 * halves and merge them straight back into the same tail entry (the second
 * half's only buddy is the first), so the result is identical while a
 * terabyte-sized page array is touched only at block heads.
 */
static void free_boot_run(struct frag_mem *mem, struct frag_zone *z, uint64_t s, uint64_t e)
{
	while (s < e) {
		unsigned order = s ? (unsigned)__builtin_ctzll(s) : MAX_PAGE_ORDER;
		if (order > MAX_PAGE_ORDER)
			order = MAX_PAGE_ORDER;
		while (s + (1ull << order) > e)
			order--;
		if (order == MAX_PAGE_ORDER && pfn_to_pb(z, s)->mt == pfn_to_pb(z, s + PAGEBLOCK_NR_PAGES)->mt)
			__free_one_page(mem, z, s, order, pfn_to_pb(z, s)->mt, FPI_TO_TAIL);
		else
			free_one_page(mem, z, s, order, FPI_TO_TAIL);
		s += 1ull << order;
	}
}

static inline bool page_usable(const struct frag_zone *z, uint64_t p)
{
	unsigned st = z->pages[p - z->zone_start_pfn].state;
	return st != PG_HOLE && st != PG_RESERVED;
}

static void zone_free_boot_memory(struct frag_mem *mem, struct frag_zone *z)
{
	uint64_t zs = z->zone_start_pfn, ze = zone_end_pfn(z);
	uint64_t run = UINT64_MAX;   /* start of the current usable run */

	for (uint64_t p = zs; p < ze;) {
		uint64_t pb_end = (p | (PAGEBLOCK_NR_PAGES - 1)) + 1;
		if (pb_end > ze)
			pb_end = ze;
		if (pfn_to_pb(z, p)->nr_reserved == 0) {
			if (run == UINT64_MAX)
				run = p;
			p = pb_end;
			continue;
		}
		for (; p < pb_end; p++) {
			if (page_usable(z, p)) {
				if (run == UINT64_MAX)
					run = p;
			} else if (run != UINT64_MAX) {
				free_boot_run(mem, z, run, p);
				run = UINT64_MAX;
			}
		}
	}
	if (run != UINT64_MAX)
		free_boot_run(mem, z, run, ze);
}

uint64_t frag_geometry_span(const struct frag_geometry *g)
{
	uint64_t base = g->node[0].start_pfn & ~((1ull << MAX_PAGE_ORDER) - 1);
	return g->node[g->nr_nodes - 1].start_pfn + g->node[g->nr_nodes - 1].nr_pages - base;
}

uint64_t frag_mem_estimate(uint64_t nr_pfns)
{
	return nr_pfns * sizeof(struct frag_page) + ((nr_pfns >> PAGEBLOCK_ORDER) + 1) * sizeof(struct frag_pageblock) +
	       FRAG_MEM_ESTIMATE_FIXED;
}

int frag_mem_create(const struct frag_config *cfg, struct frag_mem **out, char *err, size_t errlen)
{
	const struct frag_geometry *g = &cfg->geo;
	struct frag_mem *mem;
	int ret = geometry_check(g, err, errlen);

	*out = NULL;
	if (ret)
		return ret;
	if (cfg->sysctl.watermark_scale_factor < 1 || cfg->sysctl.watermark_scale_factor > 3000)
		return fail(err, errlen, "sysctl: watermark_scale_factor = %u, must be 1..3000",
			    cfg->sysctl.watermark_scale_factor);
	if (cfg->sysctl.percpu_pagelist_high_fraction && cfg->sysctl.percpu_pagelist_high_fraction < 8)
		return fail(err, errlen, "sysctl: percpu_pagelist_high_fraction = %u, must be 0 or >= 8",
			    cfg->sysctl.percpu_pagelist_high_fraction);
	if (cfg->sysctl.extfrag_threshold > 1000)
		return fail(err, errlen, "sysctl: extfrag_threshold = %u, must be 0..1000", cfg->sysctl.extfrag_threshold);
	if (cfg->sysctl.compaction_proactiveness > 100)
		return fail(err, errlen, "sysctl: compaction_proactiveness = %u, must be 0..100",
			    cfg->sysctl.compaction_proactiveness);
	if (cfg->sysctl.swappiness > 200)
		return fail(err, errlen, "sysctl: swappiness = %u, must be 0..200", cfg->sysctl.swappiness);
	if (cfg->sysctl.pcp_batch_scale_max > 6)
		return fail(err, errlen, "sysctl: pcp_batch_scale_max = %u, must be 0..6", cfg->sysctl.pcp_batch_scale_max);
	if (cfg->sysctl.min_free_kbytes && (cfg->sysctl.min_free_kbytes < 128 || cfg->sysctl.min_free_kbytes > 1ull << 30))
		return fail(err, errlen, "sysctl: min_free_kbytes = %llu, must be 0 (automatic) or 128..2^30",
			    (unsigned long long)cfg->sysctl.min_free_kbytes);

#ifndef FRAG_CHECK_INVARIANTS
	/* Without frag_maybe_check() a request for checks would silently check nothing. */
	if (cfg->check_every)
		return fail(err, errlen,
			    "check every %u operations: this build has no invariant checks (meson -Dcheck_invariants=false, "
			    "e.g. the benchmark build of make release); use a default build such as build/",
			    cfg->check_every);
#endif

	mem = calloc(1, sizeof(*mem));
	if (!mem)
		return -ENOMEM;
	mem->sysctl = cfg->sysctl;
	mem->env = cfg->env;
	mem->geo = *g;
	mem->check_every = cfg->check_every;
	mem->compact_cpu = -1;
	mem->fault_inject = cfg->fault_inject;
	if (g->nr_holes) {
		mem->holes = calloc(g->nr_holes, sizeof(*mem->holes));
		if (!mem->holes)
			goto enomem;
		memcpy(mem->holes, g->holes, g->nr_holes * sizeof(*mem->holes));
	}
	mem->geo.holes = mem->holes;

	/* Page array covering every node, from a MAX_ORDER-aligned base (frag_geometry_span()). */
	mem->base_pfn = g->node[0].start_pfn & ~((1ull << MAX_PAGE_ORDER) - 1);
	mem->end_pfn = mem->base_pfn + frag_geometry_span(g);
	/* cfg->host_thp: host THP for the array (frag/hugemem.h). Off, only the
	 * block heads' entries are touched at creation (a fresh 1 TiB machine
	 * stays at ~1 GiB RSS); on, the first touch faults in 2 MiB at a time. */
	if (cfg->host_thp)
		mem->pages = frag_hugemem_calloc(mem->end_pfn - mem->base_pfn, sizeof(struct frag_page));
	else
		mem->pages = calloc(mem->end_pfn - mem->base_pfn, sizeof(struct frag_page));
	if (!mem->pages)
		goto enomem;
	/* Gaps between nodes, and pfns below the first node, are absent. */
	for (uint64_t p = mem->base_pfn; p < g->node[0].start_pfn; p++)
		mem->pages[p - mem->base_pfn].state = PG_HOLE;
	for (unsigned n = 1; n < g->nr_nodes; n++) {
		uint64_t pe = g->node[n - 1].start_pfn + g->node[n - 1].nr_pages;
		for (uint64_t p = pe; p < g->node[n].start_pfn; p++)
			mem->pages[p - mem->base_pfn].state = PG_HOLE;
	}
	mark_hole_pages(mem);

	/* Nodes, CPUs and zones. */
	mem->nr_nodes = g->nr_nodes;
	mem->nodes = calloc(g->nr_nodes, sizeof(*mem->nodes));
	if (!mem->nodes)
		goto enomem;
	struct zone_range ranges[FRAG_MAX_NODES][MAX_NR_ZONES];
	unsigned nr_ranges[FRAG_MAX_NODES];
	unsigned nr_zones = 0;
	for (unsigned n = 0; n < g->nr_nodes; n++) {
		nr_ranges[n] = node_zone_ranges(g, &g->node[n], ranges[n]);
		nr_zones += nr_ranges[n];
		mem->nr_cpus += g->node[n].nr_cpus;
	}
	mem->cpu_node = calloc(mem->nr_cpus, sizeof(*mem->cpu_node));
	mem->zones = calloc(nr_zones, sizeof(*mem->zones));
	if (!mem->cpu_node || !mem->zones)
		goto enomem;

	uint64_t nr_pb = 0, nr_spb = 0;
	unsigned cpu = 0;
	for (unsigned n = 0; n < g->nr_nodes; n++) {
		struct frag_node *node = &mem->nodes[n];
		node->id = n;
		node->start_pfn = g->node[n].start_pfn;
		node->end_pfn = g->node[n].start_pfn + g->node[n].nr_pages;
		node->nr_cpus = g->node[n].nr_cpus;
		node->first_cpu = cpu;
		for (unsigned c = 0; c < node->nr_cpus; c++)
			mem->cpu_node[cpu++] = (uint16_t)n;
		for (int t = 0; t < MAX_NR_ZONES; t++)
			node->zone_of_type[t] = -1;
		for (unsigned r = 0; r < nr_ranges[n]; r++) {
			struct frag_zone *z = &mem->zones[mem->nr_zones];
			z->id = mem->nr_zones;
			z->nid = n;
			z->type = ranges[n][r].type;
			z->zone_start_pfn = ranges[n][r].start;
			z->spanned_pages = ranges[n][r].end - ranges[n][r].start;
			if (z->spanned_pages > UINT32_MAX - 1) {
				ret = fail(err, errlen, "machine: zone %s of node %u spans %llu pages, at most %u",
					   frag_zone_names[z->type], n, (unsigned long long)z->spanned_pages,
					   UINT32_MAX - 1);
				goto out_err;
			}
			z->pages = &mem->pages[z->zone_start_pfn - mem->base_pfn];
			z->pb_base = z->zone_start_pfn >> PAGEBLOCK_ORDER;
			z->nr_pageblocks = (uint32_t)(((zone_end_pfn(z) - 1) >> PAGEBLOCK_ORDER) - z->pb_base + 1);
			z->spb_base = z->zone_start_pfn >> SPB_ORDER;
			z->nr_spbs = (uint32_t)(((zone_end_pfn(z) - 1) >> SPB_ORDER) - z->spb_base + 1);
			nr_pb += z->nr_pageblocks;
			nr_spb += z->nr_spbs;
			node->zone_of_type[z->type] = (int)z->id;
			mem->nr_zones++;
		}
	}

	/* The pfn -> zone map, one entry per pageblock. */
	uint64_t nr_map = ((mem->end_pfn - 1 - mem->base_pfn) >> PAGEBLOCK_ORDER) + 1;
	mem->zone_map = malloc(nr_map * sizeof(*mem->zone_map));
	if (!mem->zone_map)
		goto enomem;
	for (uint64_t i = 0; i < nr_map; i++)
		mem->zone_map[i] = ZONE_MAP_NONE;
	for (unsigned zi = 0; zi < mem->nr_zones; zi++) {
		const struct frag_zone *z = &mem->zones[zi];
		uint64_t first = (z->zone_start_pfn - mem->base_pfn) >> PAGEBLOCK_ORDER;
		uint64_t last = (zone_end_pfn(z) - 1 - mem->base_pfn) >> PAGEBLOCK_ORDER;
		for (uint64_t i = first; i <= last; i++)
			mem->zone_map[i] = mem->zone_map[i] == ZONE_MAP_NONE ? (uint16_t)zi : ZONE_MAP_MIXED;
		/* A pageblock only partly inside the zone may hold pfns of no zone. */
		if (z->zone_start_pfn & (PAGEBLOCK_NR_PAGES - 1))
			mem->zone_map[first] = ZONE_MAP_MIXED;
		if (zone_end_pfn(z) & (PAGEBLOCK_NR_PAGES - 1))
			mem->zone_map[last] = ZONE_MAP_MIXED;
	}

	mem->pageblocks = frag_hugemem_calloc(nr_pb, sizeof(*mem->pageblocks));
	mem->spbs = calloc(nr_spb, sizeof(*mem->spbs));
	mem->pcps = calloc((size_t)mem->nr_zones * mem->nr_cpus, sizeof(*mem->pcps));
	if (!mem->pageblocks || !mem->spbs || !mem->pcps)
		goto enomem;
	mem->nr_pageblocks_total = nr_pb;
	mem->nr_spbs_total = nr_spb;

	/* Slice the global arrays per zone and initialise free lists. */
	uint64_t pb_off = 0, spb_off = 0;
	for (unsigned zi = 0; zi < mem->nr_zones; zi++) {
		struct frag_zone *z = &mem->zones[zi];
		z->pb = &mem->pageblocks[pb_off];
		z->spb = &mem->spbs[spb_off];
		z->pcp = &mem->pcps[(size_t)zi * mem->nr_cpus];
		pb_off += z->nr_pageblocks;
		spb_off += z->nr_spbs;
		for (unsigned o = 0; o < NR_PAGE_ORDERS; o++)
			for (int mt = 0; mt < MIGRATE_TYPES; mt++)
				z->free_area[o].free_list[mt] = (struct idx_list){ IDX_NONE, IDX_NONE };
		for (unsigned c = 0; c < mem->nr_cpus; c++)
			for (int l = 0; l < NR_PCP_LISTS; l++)
				z->pcp[c].lists[l] = (struct idx_list){ IDX_NONE, IDX_NONE };
		zone_init_blocks(mem, z);
		compaction_zone_init(z);
		if (z->present_pages == 0) {
			ret = fail(err, errlen, "machine: zone %s of node %u has no present memory (all holes)",
				   frag_zone_names[z->type], z->nid);
			goto out_err;
		}
		spb_lists_init(z);
	}
	build_zonelists(mem);
	for (unsigned n = 0; n < mem->nr_nodes; n++) {
		struct frag_node *node = &mem->nodes[n];
		if (!node->zonelist)
			goto enomem;
		/* kcompactd(): kcompactd_highest_zoneidx = pgdat->nr_zones - 1 */
		for (int t = 0; t < MAX_NR_ZONES; t++)
			if (node->zone_of_type[t] >= 0)
				node->kcompactd_highest_zoneidx = (enum zone_type)t;
	}
	/* Direct compaction (compaction.c) behind the slowpath seam. */
	mem->reclaim.try_to_compact_pages = try_to_compact_pages;

	/* Policy: resolved options, private state, switches (before memory is freed,
	 * so that mobility grouping choices apply from boot). */
	ret = frag_policy_setup(mem, cfg, err, errlen);
	if (ret)
		goto out_err;

	for (unsigned zi = 0; zi < mem->nr_zones; zi++)
		zone_free_boot_memory(mem, &mem->zones[zi]);

	/*
	 * build_all_zonelists(): mobility grouping is off when the machine has
	 * fewer than pageblock_nr_pages * MIGRATE_TYPES pages: only tiny machines.
	 * Scenarios ask for at least 64 MiB per node (core/conf/scenario.c), above
	 * it; the library accepts nodes down to 4 pageblocks (geometry_check()),
	 * which boot with grouping off and, as in the kernel (memmap_init() marks
	 * every block MOVABLE; try_to_claim_block() then always claims), their
	 * pageblocks MOVABLE until allocations claim them. Watermarks are still 0 here,
	 * as in the kernel at that point. Policies may switch it off in init().
	 */
	unsigned nr_types = mem->geo.config_cma ? MIGRATE_TYPES : MIGRATE_TYPES - 1;
	if (frag_total_managed_pages(mem) < (uint64_t)PAGEBLOCK_NR_PAGES * nr_types)
		mem->mobility_disabled = true;

	mem->min_free_kbytes_user = cfg->sysctl.min_free_kbytes != 0;
	frag_init_per_zone_wmark_min(mem, mem->min_free_kbytes_user, cfg->sysctl.thp_enabled);
	vmscan_init(mem, cfg);

	/*
	 * A policy with PCP hooks (PCPBuddy) keeps whole pageblocks on the owner CPU's order-9 PCP
	 * list, which exists only with CONFIG_TRANSPARENT_HUGEPAGE (pcp_allowed_order(); NR_PCP_LISTS).
	 * Without it such blocks broke invariant 4 (found by fragsim fuzz, issue 9).
	 */
	if (mem->policy->pcp_refill && !mem->sysctl.thp_pcp) {
		fail(err, errlen,
		     "policy %s keeps whole pageblocks on order-9 PCP lists, which need "
		     "CONFIG_TRANSPARENT_HUGEPAGE: set sysctl.thp_pcp: true", mem->policy->name);
		ret = -EINVAL;
		goto out_err;
	}
	if (mem->policy->init) {
		ret = mem->policy->init(mem, mem->policy_priv, mem->policy_opts);
		if (ret) {
			fail(err, errlen, "policy %s: init failed (%d)", mem->policy->name, ret);
			goto out_err;
		}
	}
	*out = mem;
	return 0;

enomem:
	ret = -ENOMEM;
	fail(err, errlen, "out of memory building the machine");
out_err:
	frag_mem_destroy(mem);
	return ret;
}

void frag_mem_destroy(struct frag_mem *mem)
{
	if (!mem)
		return;
	if (mem->policy && mem->policy->fini && mem->policy_priv)
		mem->policy->fini(mem, mem->policy_priv);
	vmscan_destroy(mem);
	if (mem->nodes)
		for (unsigned n = 0; n < mem->nr_nodes; n++)
			free(mem->nodes[n].zonelist);
	free(mem->nodes);
	free(mem->cpu_node);
	for (unsigned zi = 0; mem->zones && zi < mem->nr_zones; zi++)
		for (unsigned o = 0; o < NR_PAGE_ORDERS; o++)
			for (int mt = 0; mt < MIGRATE_TYPES; mt++)
				free(mem->zones[zi].spb_has[o][mt]);
	free(mem->zones);
	free(mem->pageblocks);
	free(mem->spbs);
	free(mem->pcps);
	free(mem->zone_map);
	free(mem->pages);
	free(mem->holes);
	free(mem->policy_opts);
	free(mem->policy_priv);
	free(mem);
}

/* ---------------------------------------------------------------------- */
/* Queries                                                                */
/* ---------------------------------------------------------------------- */

uint64_t frag_stat_get(const struct frag_mem *mem, enum frag_stat s)
{
	return s < NR_FRAG_STATS ? mem->stat[s] : 0;
}

const uint64_t *frag_stats(const struct frag_mem *mem)
{
	return mem->stat;
}

void frag_vm_event(struct frag_mem *mem, enum frag_stat s, uint64_t n)
{
	if (s < NR_FRAG_STATS)
		frag_count(mem, s, n);
}

uint64_t frag_priced_gen(const struct frag_mem *mem)
{
	return mem->priced_gen;
}

void frag_node_set_kswapd_active(struct frag_mem *mem, unsigned nid, bool active)
{
	if (nid < mem->nr_nodes)
		mem->nodes[nid].kswapd_active = active;
}

unsigned frag_nr_zones(const struct frag_mem *mem) { return mem->nr_zones; }
unsigned frag_nr_cpus(const struct frag_mem *mem) { return mem->nr_cpus; }
unsigned frag_nr_nodes(const struct frag_mem *mem) { return mem->nr_nodes; }
unsigned frag_cpu_node(const struct frag_mem *mem, unsigned cpu) { return mem->cpu_node[cpu]; }

uint64_t frag_total_managed_pages(const struct frag_mem *mem)
{
	uint64_t s = 0;
	for (unsigned i = 0; i < mem->nr_zones; i++)
		s += mem->zones[i].managed_pages;
	return s;
}

uint64_t frag_total_free_pages(const struct frag_mem *mem)
{
	uint64_t s = 0;
	for (unsigned i = 0; i < mem->nr_zones; i++)
		s += (uint64_t)mem->zones[i].nr_free_pages;
	return s;
}

/* The head of the block containing @pfn: the first aligned-down pfn that is a
 * head whose order covers @pfn (blocks are aligned and disjoint). */
static uint64_t find_head(const struct frag_zone *z, uint64_t pfn)
{
	for (unsigned o = 0; o <= SPB_ORDER; o++) {
		uint64_t h = pfn & ~((1ull << o) - 1);
		if (!zone_spans_pfn(z, h))
			break;
		const struct frag_page *p = &z->pages[pfn_to_idx(z, h)];
		if (p->state != PG_TAIL && p->order >= o && (p->state == PG_BUDDY || p->state == PG_PCP ||
							      p->state == PG_ALLOC))
			return h;
		if (o == 0 && p->state != PG_TAIL)
			return h;
	}
	return FRAG_PFN_NONE;
}

int frag_pfn_info(const struct frag_mem *mem, uint64_t pfn, struct frag_pfn_info *info)
{
	memset(info, 0, sizeof(*info));
	if (pfn < mem->base_pfn || pfn >= mem->end_pfn)
		return -ERANGE;
	const struct frag_zone *z = pfn_to_zone(mem, pfn);
	if (!z) {
		info->state = PFN_HOLE;
		info->head_pfn = pfn;
		info->migratetype = -1;
		info->pageblock_mt = -1;
		return 0;
	}
	info->pageblock_mt = get_pageblock_migratetype(z, pfn);
	uint64_t h = find_head(z, pfn);
	if (h == FRAG_PFN_NONE)
		return -EIO;   /* inconsistent page array */
	const struct frag_page *p = &z->pages[pfn_to_idx(z, h)];
	info->head_pfn = h;
	info->order = p->order;
	info->migratetype = p->mt;
	switch (p->state) {
	case PG_HOLE:
		info->state = PFN_HOLE;
		break;
	case PG_RESERVED:
		info->state = PFN_RESERVED;
		break;
	case PG_BUDDY:
		info->state = PFN_FREE;
		break;
	case PG_PCP:
		info->state = PFN_PCP;
		break;
	case PG_ALLOC:
		info->state = PFN_ALLOCATED;
		info->owner.id = p->next;
		info->owner.cookie = p->prev;
		info->owner.kind = (uint8_t)page_kind(p);
		info->owner.flags = (uint8_t)page_owner_flags(p);
		break;
	default:
		return -EIO;
	}
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Copies                                                                 */
/* ---------------------------------------------------------------------- */

static void *dup_array(const void *src, size_t n, size_t size)
{
	if (!src || !n)
		return NULL;
	void *p = malloc(n * size);
	if (p)
		memcpy(p, src, n * size);
	return p;
}

int frag_mem_clone(const struct frag_mem *src, const struct frag_env *env, struct frag_mem **out)
{
	const struct frag_policy_ops *ops = src->policy;
	struct frag_mem *m;

	*out = NULL;
	if (src->capc)
		return -EBUSY;
	if (ops->fini && ops->priv_size && !ops->clone)
		return -EOPNOTSUPP;
	m = malloc(sizeof(*m));
	if (!m)
		return -ENOMEM;
	*m = *src;
	/* Nothing below is owned yet: frag_mem_destroy() may run at any point. */
	m->holes = NULL;
	m->pages = NULL;
	m->nodes = NULL;
	m->cpu_node = NULL;
	m->zones = NULL;
	m->pageblocks = NULL;
	m->spbs = NULL;
	m->pcps = NULL;
	m->zone_map = NULL;
	m->policy_opts = NULL;
	m->policy_priv = NULL;
	m->capc = NULL;
	m->compact_cpu = -1;
	/* Shrinkers call into the environment's caches: a clone has none (and
	 * with no shrink_lru callback no LRU reclaim either), so nothing in
	 * the copy frees anything the environment holds. */
	m->shrinkers = NULL;
	m->nr_shrinkers = 0;
	m->env = env ? *env : (struct frag_env){ 0 };

	uint64_t nr_pages = src->end_pfn - src->base_pfn;
	uint64_t nr_map = ((src->end_pfn - 1 - src->base_pfn) >> PAGEBLOCK_ORDER) + 1;
	m->holes = dup_array(src->holes, src->geo.nr_holes, sizeof(*src->holes));
	m->geo.holes = m->holes;
	m->pages = dup_array(src->pages, nr_pages, sizeof(*src->pages));
	m->cpu_node = dup_array(src->cpu_node, src->nr_cpus, sizeof(*src->cpu_node));
	m->zones = dup_array(src->zones, src->nr_zones, sizeof(*src->zones));
	if (m->zones)
		for (unsigned zi = 0; zi < m->nr_zones; zi++)
			memset(m->zones[zi].spb_has, 0, sizeof(m->zones[zi].spb_has));
	m->pageblocks = dup_array(src->pageblocks, src->nr_pageblocks_total, sizeof(*src->pageblocks));
	m->spbs = dup_array(src->spbs, src->nr_spbs_total, sizeof(*src->spbs));
	m->pcps = dup_array(src->pcps, (size_t)src->nr_zones * src->nr_cpus, sizeof(*src->pcps));
	m->zone_map = dup_array(src->zone_map, nr_map, sizeof(*src->zone_map));
	m->nodes = dup_array(src->nodes, src->nr_nodes, sizeof(*src->nodes));
	if (m->nodes)
		for (unsigned n = 0; n < m->nr_nodes; n++)
			m->nodes[n].zonelist = NULL;
	if ((src->geo.nr_holes && !m->holes) || !m->pages || !m->cpu_node || !m->zones || !m->pageblocks ||
	    !m->spbs || !m->pcps || !m->zone_map || !m->nodes)
		goto enomem;
	for (unsigned n = 0; n < m->nr_nodes; n++) {
		m->nodes[n].zonelist = dup_array(src->nodes[n].zonelist, src->nr_zones, sizeof(unsigned));
		if (!m->nodes[n].zonelist)
			goto enomem;
	}
	for (unsigned zi = 0; zi < m->nr_zones; zi++) {
		struct frag_zone *z = &m->zones[zi];
		const struct frag_zone *sz = &src->zones[zi];
		z->pages = m->pages + (sz->pages - src->pages);
		z->pb = m->pageblocks + (sz->pb - src->pageblocks);
		z->spb = m->spbs + (sz->spb - src->spbs);
		z->pcp = m->pcps + (sz->pcp - src->pcps);
		if (!sz->spb_lists)
			continue;
		for (unsigned o = 0; o < NR_PAGE_ORDERS; o++)
			for (int mt = 0; mt < MIGRATE_TYPES; mt++) {
				z->spb_has[o][mt] = dup_array(sz->spb_has[o][mt], (sz->nr_spbs + 63) / 64, sizeof(uint64_t));
				if (!z->spb_has[o][mt])
					goto enomem;
			}
	}
	if (ops->opts_size) {
		m->policy_opts = dup_array(src->policy_opts, 1, ops->opts_size);
		if (!m->policy_opts)
			goto enomem;
	}
	if (ops->priv_size) {
		m->policy_priv = dup_array(src->policy_priv, 1, ops->priv_size);
		if (!m->policy_priv)
			goto enomem;
		if (ops->clone && ops->clone(m, m->policy_priv, src->policy_priv)) {
			free(m->policy_priv);   /* its pointers are the original's: no fini() */
			m->policy_priv = NULL;
			goto enomem;
		}
	}
	*out = m;
	return 0;
enomem:
	free(m->policy_priv);
	m->policy_priv = NULL;
	frag_mem_destroy(m);
	return -ENOMEM;
}

/* FNV-1a over a byte range. */
static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;
	for (size_t i = 0; i < n; i++) {
		h ^= c[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

/* FNV-1a over 8-byte words (the page array is large). */
static uint64_t fnv64(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, c + i, 8);
		h ^= w;
		h *= 0x100000001b3ull;
	}
	return fnv(h, c + i, n - i);
}

uint64_t frag_mem_hash(const struct frag_mem *mem)
{
	uint64_t h = 0xcbf29ce484222325ull;

	h = fnv64(h, mem->pages, (mem->end_pfn - mem->base_pfn) * sizeof(*mem->pages));
	h = fnv64(h, mem->pageblocks, mem->nr_pageblocks_total * sizeof(*mem->pageblocks));
	h = fnv64(h, mem->spbs, mem->nr_spbs_total * sizeof(*mem->spbs));
	h = fnv64(h, mem->pcps, (size_t)mem->nr_zones * mem->nr_cpus * sizeof(*mem->pcps));
	for (unsigned zi = 0; zi < mem->nr_zones; zi++) {
		struct frag_zone z;
		memcpy(&z, &mem->zones[zi], sizeof z);
		z.pages = NULL;
		z.pb = NULL;
		z.spb = NULL;
		z.pcp = NULL;
		memset(z.spb_has, 0, sizeof z.spb_has);
		h = fnv64(h, &z, sizeof z);
		if (z.spb_lists)
			for (unsigned o = 0; o < NR_PAGE_ORDERS; o++)
				for (int mt = 0; mt < MIGRATE_TYPES; mt++)
					h = fnv64(h, mem->zones[zi].spb_has[o][mt], (z.nr_spbs + 63) / 64 * sizeof(uint64_t));
	}
	for (unsigned n = 0; n < mem->nr_nodes; n++) {
		struct frag_node node;
		memcpy(&node, &mem->nodes[n], sizeof node);
		node.zonelist = NULL;
		h = fnv64(h, &node, sizeof node);
		h = fnv64(h, mem->nodes[n].zonelist, mem->nr_zones * sizeof(unsigned));
	}
	h = fnv64(h, mem->stat, sizeof mem->stat);
	h = fnv64(h, &mem->swap_pages, sizeof mem->swap_pages);
	h = fnv64(h, &mem->swap_used, sizeof mem->swap_used);
	h = fnv(h, &mem->mobility_disabled, sizeof mem->mobility_disabled);
	if (mem->policy->opts_size)
		h = fnv64(h, mem->policy_opts, mem->policy->opts_size);
	return h;
}
