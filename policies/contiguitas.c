/* SPDX-License-Identifier: MIT */
/*
 * contiguitas.c - Contiguitas (Zhao et al., "Contiguitas: The Pursuit of
 * Physical Memory Contiguity in Datacenters", ISCA 2023): unmovable memory
 * confined to one region at the low end of memory whose boundary moves with
 * demand, so that the rest of memory stays movable and can always be made
 * contiguous by migration.
 *
 * The paper's OS part (section 4) splits memory into an unmovable and a
 * movable region and resizes them at run time; its hardware part (migrating
 * pages that are unmovable for the OS, e.g. pinned by DMA) is not modelled.
 * Rules, per zone (region = [zone start, boundary)):
 *  - boot: the first `initial_size` MiB of each zone form the region; its
 *    pageblocks are UNMOVABLE (free pages on the UNMOVABLE lists), all
 *    others stay MOVABLE. The boundary moves in MAX_ORDER units (4 MiB, two
 *    pageblocks) so a free buddy never straddles it.
 *  - placement (rmqueue hook): UNMOVABLE and RECLAIMABLE requests are served
 *    only from region pageblocks: their own lists, then the other
 *    non-movable type's lists (claim or steal, find_suitable_fallback hook:
 *    never MOVABLE). If that fails the region grows (below) and the request
 *    is retried; if it cannot grow the request fails (never a fallback into
 *    movable space). MOVABLE requests use the MOVABLE lists (outside), then
 *    CMA, and only when those are empty - "when necessary" - steal from the
 *    region's lists without relabelling (never claim a region pageblock);
 *    `movable_in_region` = 0 forbids even that.
 *  - growth (paper 4.2 "resizing"): when an unmovable request finds the
 *    region empty, or after one leaves less than `grow_below` pageblocks'
 *    worth of free pages in the region, `grow_step` units above the
 *    boundary are converted: relabelled UNMOVABLE first (their free pages
 *    move to the UNMOVABLE lists, which, like isolation, keeps them from
 *    serving as migration targets), then every movable block in them is
 *    migrated to free MOVABLE memory outside (migrate_block(), target taken
 *    straight from the MOVABLE free lists above the min watermark). Blocks
 *    that cannot move (pinned) stay, inside the region; counted in
 *    contiguitas_stranded_pages. Growth stops at `max_size_pct` of the zone.
 *  - shrink: whenever the region holds more than `shrink_above`
 *    pageblocks' worth of free pages and its top unit is entirely free in
 *    the buddy, the unit is relabelled MOVABLE and the boundary moves down
 *    (checked on every rmqueue of the zone, never below `initial_size`
 *    unless `shrink_below_initial`).
 *  - HIGHATOMIC reserves and CMA behave as in Linux.
 * See docs/policies/contiguitas.md.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "frag/policy.h"
#include "../core/mm/internal.h"

#define CG_UNIT_ORDER  MAX_PAGE_ORDER
#define CG_UNIT        (1ull << CG_UNIT_ORDER)   /* boundary granularity: 4 MiB */

struct cg_opts {
	unsigned initial_size;     /* MiB per zone */
	unsigned max_size_pct;     /* growth limit, % of the zone */
	unsigned grow_below;       /* pageblocks' worth of free region memory that triggers growth */
	unsigned grow_step;        /* units (4 MiB) converted per growth */
	unsigned shrink_above;     /* pageblocks' worth of free region memory above which the top shrinks */
	bool movable_in_region;    /* movable may steal from the region when outside is empty */
	bool shrink_below_initial; /* the region may shrink below initial_size */
};

static const struct frag_param cg_params[] = {
	FRAG_PARAM("initial_size", PARAM_U32, struct cg_opts, initial_size, 2048, 4, 1u << 24, "MiB",
		   "unmovable region at boot, per zone (capped at the zone), rounded up to 4 MiB"),
	FRAG_PARAM("max_size_pct", PARAM_U32, struct cg_opts, max_size_pct, 100, 1, 100, "%",
		   "the region never grows beyond this share of its zone"),
	FRAG_PARAM("grow_below", PARAM_U32, struct cg_opts, grow_below, 4, 0, 1u << 20, "pageblocks",
		   "grow proactively when the region's free memory drops below this many pageblocks' worth"),
	FRAG_PARAM("grow_step", PARAM_U32, struct cg_opts, grow_step, 2, 1, 1u << 16, "4 MiB units",
		   "units above the boundary converted (movable pages migrated out) per growth"),
	FRAG_PARAM("shrink_above", PARAM_U32, struct cg_opts, shrink_above, 16, 0, 1u << 20, "pageblocks",
		   "shrink (top unit back to movable, if entirely free) while the region's free memory exceeds this"),
	FRAG_PARAM("movable_in_region", PARAM_BOOL, struct cg_opts, movable_in_region, 1, 0, 1, "",
		   "movable requests may steal (never claim) region pages when no movable memory is left outside"),
	FRAG_PARAM("shrink_below_initial", PARAM_BOOL, struct cg_opts, shrink_below_initial, 0, 0, 1, "",
		   "the region may shrink below initial_size"),
	FRAG_PARAM_END,
};

struct cg_priv {
	struct cg_opts o;
	uint64_t *boundary;        /* [zone id]: first pfn above the region */
	uint64_t *floor;           /* [zone id]: lowest boundary allowed (initial unless shrink_below_initial) */
	uint64_t *limit;           /* [zone id]: highest boundary allowed (max_size_pct) */
	uint64_t *base;            /* [zone id]: first unit of the zone (zone start rounded down) */
	bool in_grow;              /* guards against re-entry while converting */
};

static bool cg_nonmovable(int mt)
{
	return mt == MIGRATE_UNMOVABLE || mt == MIGRATE_RECLAIMABLE;
}

/* Free pages on the UNMOVABLE and RECLAIMABLE lists: the region's free memory. */
static uint64_t region_free(const struct frag_zone *z)
{
	uint64_t n = 0;
	for (unsigned o = 0; o < NR_PAGE_ORDERS; o++)
		n += (z->free_area[o].nr_free_mt[MIGRATE_UNMOVABLE] + z->free_area[o].nr_free_mt[MIGRATE_RECLAIMABLE])
		     << o;
	return n;
}

/* Relabel one pageblock (inside the zone) and move its free pages. */
static void relabel_pb(struct frag_zone *z, uint64_t pfn, int mt)
{
	uint64_t p = pfn < z->zone_start_pfn ? z->zone_start_pfn : pfn;
	if (p >= zone_end_pfn(z))
		return;
	const struct frag_pageblock *pb = pfn_to_pb(z, p);
	if (pb->mt == MIGRATE_HIGHATOMIC || pb->mt == MIGRATE_CMA || (pb->flags & PB_MIGRATE_ISOLATE))
		return;   /* reserves keep their type */
	if (!(pb->flags & PB_PARTIAL))
		move_freepages_block(z, p, pb->mt, mt);
	else
		for (uint64_t q = p; q < zone_end_pfn(z) && q < pfn + PAGEBLOCK_NR_PAGES;) {
			const struct frag_page *pg = &z->pages[pfn_to_idx(z, q)];
			if (pg->state == PG_BUDDY) {
				if (pg->mt != mt && migratetype_is_mergeable(pg->mt))
					move_to_free_list(z, pfn_to_idx(z, q), pg->order, pg->mt, mt);
				q += 1ull << pg->order;
			} else if (pg->state == PG_ALLOC || pg->state == PG_PCP) {
				q += 1ull << pg->order;
			} else {
				q++;
			}
		}
	set_pageblock_migratetype(z, p, mt);
}

/* A migration target straight from the MOVABLE free lists (outside the
 * region by construction), above the min watermark. */
static uint64_t cg_target_alloc(struct frag_mem *mem, void *arg, uint64_t src_pfn, unsigned order)
{
	struct frag_zone *z = arg;
	(void)mem;
	(void)src_pfn;
	if (z->nr_free_pages - (int64_t)(1u << order) < (int64_t)min_wmark_pages(z))
		return FRAG_PFN_NONE;
	uint32_t idx = __rmqueue_smallest(z, order, MIGRATE_MOVABLE);
	return idx == IDX_NONE ? FRAG_PFN_NONE : idx_to_pfn(z, idx);
}

static void cg_target_free(struct frag_mem *mem, void *arg, uint64_t pfn, unsigned order)
{
	struct frag_zone *z = arg;
	__free_one_page(mem, z, pfn, order, get_pageblock_migratetype(z, pfn), FPI_NONE);
}

static const struct migrate_target_ops cg_target_ops = {
	.alloc = cg_target_alloc,
	.free = cg_target_free,
};

/* Convert up to grow_step units above the boundary. Returns units converted. */
static unsigned cg_grow(struct frag_mem *mem, struct cg_priv *p, struct frag_zone *z)
{
	unsigned done = 0;
	if (p->in_grow)
		return 0;
	p->in_grow = true;
	for (; done < p->o.grow_step && p->boundary[z->id] < p->limit[z->id]; done++) {
		uint64_t start = p->boundary[z->id], end = start + CG_UNIT;
		/* Pages of the unit parked on PCP lists stay there; they return to
		 * the buddy (as UNMOVABLE, the pageblock's type then) when drained. */
		for (uint64_t pb = start; pb < end; pb += PAGEBLOCK_NR_PAGES)
			relabel_pb(z, pb, MIGRATE_UNMOVABLE);
		p->boundary[z->id] = end;
		for (uint64_t pfn = start < z->zone_start_pfn ? z->zone_start_pfn : start; pfn < end && pfn < zone_end_pfn(z);) {
			const struct frag_page *pg = &z->pages[pfn_to_idx(z, pfn)];
			unsigned order = pg->state == PG_TAIL || pg->state == PG_HOLE || pg->state == PG_RESERVED ? 0 : pg->order;
			if (pg->state == PG_ALLOC && order <= MAX_PAGE_ORDER && migrate_block_movable(pg, MB_ALLOW_HUGETLB)) {
				uint64_t nr = 1ull << order;
				if (migrate_block(mem, pfn, &cg_target_ops, z, MIGRATE_SYNC, MB_ALLOW_HUGETLB))
					frag_count(mem, FRAG_STAT_contiguitas_stranded_pages, nr);
				else
					frag_count(mem, FRAG_STAT_contiguitas_migrated_pages, nr);
			}
			pfn += 1ull << order;
		}
		frag_count(mem, FRAG_STAT_contiguitas_grow, 1);
	}
	p->in_grow = false;
	return done;
}

/* Give back entirely free top units while the region has plenty free. */
static void cg_maybe_shrink(struct frag_mem *mem, struct cg_priv *p, struct frag_zone *z)
{
	uint64_t keep = (uint64_t)p->o.shrink_above * PAGEBLOCK_NR_PAGES;
	while (p->boundary[z->id] > p->floor[z->id]) {
		uint64_t start = p->boundary[z->id] - CG_UNIT;
		if (start < z->zone_start_pfn)
			break;
		const struct frag_page *pg = &z->pages[pfn_to_idx(z, start)];
		if (pg->state != PG_BUDDY || pg->order != CG_UNIT_ORDER || !cg_nonmovable(pg->mt))
			break;   /* the top unit is not one free 4 MiB buddy */
		if (region_free(z) < keep + CG_UNIT)
			break;
		for (uint64_t pb = start; pb < start + CG_UNIT; pb += PAGEBLOCK_NR_PAGES)
			relabel_pb(z, pb, MIGRATE_MOVABLE);
		p->boundary[z->id] = start;
		frag_count(mem, FRAG_STAT_contiguitas_shrink, 1);
	}
}

static int cg_init(struct frag_mem *mem, void *priv, const void *opts)
{
	struct cg_priv *p = priv;
	p->o = *(const struct cg_opts *)opts;
	p->boundary = calloc(mem->nr_zones, sizeof(uint64_t));
	p->floor = calloc(mem->nr_zones, sizeof(uint64_t));
	p->limit = calloc(mem->nr_zones, sizeof(uint64_t));
	p->base = calloc(mem->nr_zones, sizeof(uint64_t));
	if (!p->boundary || !p->floor || !p->limit || !p->base)
		return -ENOMEM;
	for (unsigned zi = 0; zi < mem->nr_zones; zi++) {
		struct frag_zone *z = &mem->zones[zi];
		uint64_t base = z->zone_start_pfn & ~(CG_UNIT - 1);
		uint64_t top = (zone_end_pfn(z) + CG_UNIT - 1) & ~(CG_UNIT - 1);
		uint64_t size = ((uint64_t)p->o.initial_size << (20 - FRAG_PAGE_SHIFT));
		size = (size + CG_UNIT - 1) & ~(CG_UNIT - 1);
		uint64_t limit = base + ((top - base) * p->o.max_size_pct / 100 + CG_UNIT - 1) / CG_UNIT * CG_UNIT;
		if (limit > top)
			limit = top;
		uint64_t b = base + size < limit ? base + size : limit;
		p->base[zi] = base;
		p->limit[zi] = limit;
		p->floor[zi] = p->o.shrink_below_initial ? base : b;
		for (uint64_t pb = base; pb < b; pb += PAGEBLOCK_NR_PAGES)
			relabel_pb(z, pb, MIGRATE_UNMOVABLE);
		p->boundary[zi] = b;
	}
	return 0;
}

static void cg_fini(struct frag_mem *mem, void *priv)
{
	struct cg_priv *p = priv;
	(void)mem;
	free(p->boundary);
	free(p->floor);
	free(p->limit);
	free(p->base);
}

/*
 * find_suitable_fallback(): non-movable types fall back only to each
 * other's lists (region pageblocks); movable never claims (-2 ends the claim
 * search) and steals from the region only if allowed.
 */
static int cg_find_suitable_fallback(const struct frag_mem *mem, void *priv, const struct frag_zone *z,
				     unsigned order, int mt, bool claimable)
{
	const struct cg_priv *p = priv;
	(void)mem;
	const struct frag_free_area *area = &z->free_area[order];
	if (cg_nonmovable(mt)) {
		int other = mt == MIGRATE_UNMOVABLE ? MIGRATE_RECLAIMABLE : MIGRATE_UNMOVABLE;
		return area->nr_free_mt[other] ? other : -1;
	}
	if (mt != MIGRATE_MOVABLE || claimable || !p->o.movable_in_region)
		return claimable ? -2 : -1;
	if (area->nr_free_mt[MIGRATE_RECLAIMABLE])
		return MIGRATE_RECLAIMABLE;
	if (area->nr_free_mt[MIGRATE_UNMOVABLE])
		return MIGRATE_UNMOVABLE;
	return -1;
}

static uint32_t cg_rmqueue(struct frag_mem *mem, void *priv, struct frag_zone *z, unsigned order, int mt,
			   unsigned alloc_flags, enum rmqueue_mode *mode)
{
	struct cg_priv *p = priv;
	uint32_t idx;
	(void)mode;

	if (!p->in_grow)
		cg_maybe_shrink(mem, p, z);
	if (mt == MIGRATE_MOVABLE) {
		if ((alloc_flags & ALLOC_CMA) && z->nr_free_cma > z->nr_free_pages / 2 &&
		    (idx = __rmqueue_smallest(z, order, MIGRATE_CMA)) != IDX_NONE)
			return idx;
		idx = __rmqueue_smallest(z, order, MIGRATE_MOVABLE);
		if (idx == IDX_NONE && (alloc_flags & ALLOC_CMA))
			idx = __rmqueue_smallest(z, order, MIGRATE_CMA);
		if (idx == IDX_NONE && !(alloc_flags & ALLOC_NOFRAGMENT) && p->o.movable_in_region) {
			idx = __rmqueue_steal(mem, z, order, mt);
			if (idx != IDX_NONE)
				frag_count(mem, FRAG_STAT_contiguitas_movable_in_region, 1);
		}
		return idx;
	}
	if (!cg_nonmovable(mt))
		return __rmqueue_smallest(z, order, mt);

	for (int attempt = 0; attempt < 2; attempt++) {
		idx = __rmqueue_smallest(z, order, mt);
		if (idx == IDX_NONE)
			idx = __rmqueue_claim(mem, z, order, mt, alloc_flags & ~(unsigned)ALLOC_NOFRAGMENT);
		if (idx == IDX_NONE)
			idx = __rmqueue_steal(mem, z, order, mt);
		if (idx != IDX_NONE) {
			if (region_free(z) < (uint64_t)p->o.grow_below * PAGEBLOCK_NR_PAGES)
				cg_grow(mem, p, z);
			return idx;
		}
		if (attempt || !cg_grow(mem, p, z))
			break;
	}
	frag_count(mem, FRAG_STAT_contiguitas_region_full, 1);
	return IDX_NONE;
}

/* clone(): the copy (frag_mem_clone(), for predictions) gets its own per-zone arrays. */
static int cg_clone(struct frag_mem *new_mem, void *new_priv, const void *old_priv)
{
	struct cg_priv *n = new_priv;
	const struct cg_priv *o = old_priv;
	size_t sz = new_mem->nr_zones * sizeof(uint64_t);
	n->boundary = malloc(sz);
	n->floor = malloc(sz);
	n->limit = malloc(sz);
	n->base = malloc(sz);
	if (!n->boundary || !n->floor || !n->limit || !n->base) {
		free(n->boundary), free(n->floor), free(n->limit), free(n->base);
		n->boundary = n->floor = n->limit = n->base = NULL;
		return -ENOMEM;
	}
	memcpy(n->boundary, o->boundary, sz);
	memcpy(n->floor, o->floor, sz);
	memcpy(n->limit, o->limit, sz);
	memcpy(n->base, o->base, sz);
	return 0;
}

const struct frag_policy_ops frag_policy_contiguitas = {
	.abi_version = FRAG_POLICY_ABI,
	.name = "contiguitas",
	.summary = "Contiguitas (ISCA 2023): unmovable memory confined to a low region whose boundary moves with demand",
	.params = cg_params,
	.opts_size = sizeof(struct cg_opts),
	.priv_size = sizeof(struct cg_priv),
	.init = cg_init,
	.fini = cg_fini,
	.clone = cg_clone,
	.rmqueue = cg_rmqueue,
	.find_suitable_fallback = cg_find_suitable_fallback,
};

/* The region's current end (first pfn above it) in zone @zone_id, or
 * FRAG_PFN_NONE when @mem does not run this policy (tests, observability). */
uint64_t frag_contiguitas_boundary(const struct frag_mem *mem, unsigned zone_id);
uint64_t frag_contiguitas_boundary(const struct frag_mem *mem, unsigned zone_id)
{
	const struct cg_priv *p = mem->policy_priv;
	if (mem->policy != &frag_policy_contiguitas || zone_id >= mem->nr_zones)
		return FRAG_PFN_NONE;
	return p->boundary[zone_id];
}
