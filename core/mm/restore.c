/* SPDX-License-Identifier: MIT */
/*
 * restore.c - a machine rebuilt from a real page-state array (frag/restore.h).
 *
 * The sequence re-creates what the kernel's own paths would have left:
 *   frag_mem_create(): zones, holes, reserved ranges, boot free lists;
 *   every boot free block taken off again (take_free_block());
 *   set_pageblock_migratetype() for every pageblock (inferred or given);
 *   prep_new_page() for every allocated block (owner FRAG_OWNER_SNAPSHOT);
 *   __free_one_page(FPI_TO_TAIL) for every free run in ascending pfn order,
 *     chunked at pageblocks, so buddies merge into the maximal aligned blocks
 *     the kernel's free lists hold (memblock_free_all() order);
 *   PCP pages onto the CPUs' per-CPU lists (free_frozen_page_commit()'s
 *     list insert without the trim: the counts are the snapshot's);
 *   zoneinfo's watermarks and lowmem_reserve, when given.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frag/restore.h"
#include "internal.h"

const char *const frag_ps_class_names[NR_PS_CLASSES] = {
	"hole", "reserved", "uninit", "free", "pcp", "anon", "file", "anon_nolru", "slab", "slab_reclaimable",
	"pgtable", "kernel", "hugetlb",
};

static int rfail(char *err, size_t errlen, int ret, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return ret;
}

static inline unsigned ps_class(uint8_t v) { return v & FRAG_PS_CLASS_MASK; }

static bool class_allocated(unsigned c)
{
	return c >= PS_ANON && c < NR_PS_CLASSES;
}

static int check_input(const struct frag_restore_input *in, char *err, size_t errlen)
{
	if (!in->ps || in->end_pfn <= in->start_pfn)
		return rfail(err, errlen, -EINVAL, "restore: empty pfn range");
	if (in->nr_zones == 0 || in->nr_zones > MAX_NR_ZONES)
		return rfail(err, errlen, -EINVAL, "restore: %u zones", in->nr_zones);
	if (in->zone[0].start_pfn != in->start_pfn || in->zone[in->nr_zones - 1].end_pfn != in->end_pfn)
		return rfail(err, errlen, -EINVAL, "restore: zones cover [%#llx, %#llx), the page states [%#llx, %#llx)",
			     (unsigned long long)in->zone[0].start_pfn,
			     (unsigned long long)in->zone[in->nr_zones - 1].end_pfn, (unsigned long long)in->start_pfn,
			     (unsigned long long)in->end_pfn);
	for (unsigned i = 0; i < in->nr_zones; i++) {
		const struct frag_restore_zone *z = &in->zone[i];
		if (z->end_pfn <= z->start_pfn)
			return rfail(err, errlen, -EINVAL, "restore: zone %s is empty", frag_zone_names[z->type]);
		if (i && (z->start_pfn != in->zone[i - 1].end_pfn || z->type <= in->zone[i - 1].type))
			return rfail(err, errlen, -EINVAL, "restore: zone %s does not follow zone %s",
				     frag_zone_names[z->type], frag_zone_names[in->zone[i - 1].type]);
	}
	if (in->nr_cpus == 0)
		return rfail(err, errlen, -EINVAL, "restore: no CPUs");
	for (uint64_t p = in->start_pfn; p < in->end_pfn; p++) {
		uint8_t v = in->ps[p - in->start_pfn];
		unsigned c = ps_class(v);
		if (c >= NR_PS_CLASSES || (v & ~(FRAG_PS_CLASS_MASK | FRAG_PS_TAIL)))
			return rfail(err, errlen, -EINVAL, "restore: pfn %#llx: bad page state byte %#x",
				     (unsigned long long)p, v);
		if ((v & FRAG_PS_TAIL) &&
		    (!class_allocated(c) || p == in->start_pfn || ps_class(in->ps[p - in->start_pfn - 1]) != c))
			return rfail(err, errlen, -EINVAL,
				     "restore: pfn %#llx: a %s tail page does not follow a page of its block",
				     (unsigned long long)p, frag_ps_class_names[c]);
	}
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Pageblock migratetypes                                                 */
/* ---------------------------------------------------------------------- */

/* Contents of one pageblock, by what each type would make of it. */
struct pb_census {
	uint32_t movable;       /* LRU, hugetlb and other user pages */
	uint32_t unmovable;     /* page tables and other kernel pages */
	uint32_t slab;          /* slab of unknown mobility */
	uint32_t recl;          /* slab known reclaimable */
	uint32_t free;          /* buddy pages */
	uint32_t present;       /* pages of the block inside its zone that are not holes */
	bool counted;           /* pagetypeinfo counts it (its first page in the zone is not a hole) */
	int zone;               /* zone index in the input, -1 = none */
};

/* Pages of the block that do not fit migratetype @mt. */
static uint32_t misfit(const struct pb_census *c, int mt)
{
	switch (mt) {
	case MIGRATE_MOVABLE:
		return c->unmovable + c->slab + c->recl;
	case MIGRATE_RECLAIMABLE:
		return c->movable + c->unmovable;
	default:   /* UNMOVABLE, HIGHATOMIC */
		return c->movable + c->recl;
	}
}

/* The type a block's contents fit best: movable on ties with nothing allocated. */
static int best_type(const struct pb_census *c)
{
	if (c->unmovable + c->slab + c->recl == 0)
		return MIGRATE_MOVABLE;
	if (c->recl > c->unmovable + c->slab && c->recl > c->movable)
		return MIGRATE_RECLAIMABLE;
	return misfit(c, MIGRATE_UNMOVABLE) < misfit(c, MIGRATE_MOVABLE) ? MIGRATE_UNMOVABLE : MIGRATE_MOVABLE;
}

static void census(const struct frag_restore_input *in, uint64_t b, struct pb_census *c)
{
	uint64_t pb0 = in->start_pfn >> PAGEBLOCK_ORDER;
	uint64_t s = (pb0 + b) << PAGEBLOCK_ORDER, e = s + PAGEBLOCK_NR_PAGES;

	memset(c, 0, sizeof(*c));
	c->zone = -1;
	if (s < in->start_pfn)
		s = in->start_pfn;
	if (e > in->end_pfn)
		e = in->end_pfn;
	for (unsigned i = 0; i < in->nr_zones; i++)
		if (s >= in->zone[i].start_pfn && s < in->zone[i].end_pfn) {
			c->zone = (int)i;
			if (e > in->zone[i].end_pfn)
				e = in->zone[i].end_pfn;
			break;
		}
	c->counted = ps_class(in->ps[s - in->start_pfn]) != PS_HOLE;
	for (uint64_t p = s; p < e; p++) {
		switch (ps_class(in->ps[p - in->start_pfn])) {
		case PS_HOLE:
			continue;
		case PS_FREE:
			c->free++;
			break;
		case PS_ANON: case PS_FILE: case PS_ANON_NOLRU: case PS_HUGETLB:
			c->movable++;
			break;
		case PS_SLAB:
			c->slab++;
			break;
		case PS_SLAB_RECL:
			c->recl++;
			break;
		case PS_PGTABLE: case PS_KERNEL:
			c->unmovable++;
			break;
		default:   /* reserved, uninit, pcp */
			break;
		}
		c->present++;
	}
}

int frag_restore_infer_pageblocks(const struct frag_restore_input *in, uint8_t *out, char *err, size_t errlen)
{
	int ret = check_input(in, err, errlen);
	if (ret)
		return ret;
	uint64_t nb = frag_restore_nr_pageblocks(in);
	uint64_t pb0 = in->start_pfn >> PAGEBLOCK_ORDER;
	struct pb_census *c = calloc(nb, sizeof(*c));
	int64_t *partner = calloc(nb, sizeof(*partner));
	if (!c || !partner) {
		free(c);
		free(partner);
		return rfail(err, errlen, -ENOMEM, "restore: out of memory");
	}
	for (uint64_t b = 0; b < nb; b++) {
		census(in, b, &c[b]);
		out[b] = (uint8_t)best_type(&c[b]);
		partner[b] = -1;
	}
	/* Fully free pageblock pairs of one order-10 block, in one zone: one unit. */
	for (uint64_t b = 0; b + 1 < nb; b++) {
		if (((pb0 + b) & 1) || c[b].zone < 0 || c[b].zone != c[b + 1].zone)
			continue;
		if (c[b].free == PAGEBLOCK_NR_PAGES && c[b + 1].free == PAGEBLOCK_NR_PAGES) {
			partner[b] = (int64_t)b + 1;
			partner[b + 1] = (int64_t)b;
			out[b + 1] = out[b];
		}
	}
	/* Match the zones' pagetypeinfo block counts. */
	for (unsigned zi = 0; zi < in->nr_zones; zi++) {
		const struct frag_restore_zone *rz = &in->zone[zi];
		bool have = true;
		for (int mt = 0; mt < MIGRATE_PCPTYPES + 1; mt++)
			if (rz->nr_blocks[mt] < 0)
				have = false;
		if (!have)
			continue;
		for (unsigned guard = 0; guard < 1u << 20; guard++) {
			int64_t cnt[MIGRATE_TYPES] = { 0 };
			for (uint64_t b = 0; b < nb; b++)
				if (c[b].zone == (int)zi && c[b].counted)
					cnt[out[b]]++;
			int from = -1, to = -1;
			for (int mt = 0; mt <= MIGRATE_HIGHATOMIC; mt++) {
				if (cnt[mt] > rz->nr_blocks[mt] && from < 0)
					from = mt;
				if (cnt[mt] < rz->nr_blocks[mt] && to < 0)
					to = mt;
			}
			if (from < 0 || to < 0)
				break;
			/* The cheapest block of type @from to relabel @to. */
			int64_t best = -1, best_cost = INT64_MAX;
			for (uint64_t b = 0; b < nb; b++) {
				if (c[b].zone != (int)zi || !c[b].counted || out[b] != from)
					continue;
				if (partner[b] >= 0 && (cnt[to] + 2 > rz->nr_blocks[to] || cnt[from] - 2 < rz->nr_blocks[from]))
					continue;   /* a pair would overshoot */
				int64_t cost = (int64_t)misfit(&c[b], to) - (int64_t)misfit(&c[b], from);
				if (to != MIGRATE_MOVABLE) {
					cost -= c[b].slab;   /* slab goes either way: prefer slab blocks */
					/* A block with nothing allocated is the last choice: real pagetypeinfo shows
					 * (almost) no order-9/10 free blocks on non-movable lists. */
					if (c[b].movable + c[b].unmovable + c[b].slab + c[b].recl == 0)
						cost += 2 * PAGEBLOCK_NR_PAGES;
				}
				if (cost < best_cost) {
					best_cost = cost;
					best = (int64_t)b;
				}
			}
			if (best < 0)
				break;
			out[best] = (uint8_t)to;
			if (partner[best] >= 0)
				out[partner[best]] = (uint8_t)to;
		}
	}
	free(c);
	free(partner);
	return 0;
}

/* ---------------------------------------------------------------------- */
/* The machine                                                            */
/* ---------------------------------------------------------------------- */

static int build_holes(const struct frag_restore_input *in, struct frag_hole **out, unsigned *nr)
{
	unsigned cap = 16, n = 0;
	struct frag_hole *h = malloc(cap * sizeof(*h));
	if (!h)
		return -ENOMEM;
	for (uint64_t p = in->start_pfn; p < in->end_pfn;) {
		unsigned c = ps_class(in->ps[p - in->start_pfn]);
		if (c != PS_HOLE && c != PS_RESERVED && c != PS_UNINIT) {
			p++;
			continue;
		}
		bool absent = c == PS_HOLE;
		uint64_t e = p;
		while (e < in->end_pfn) {
			unsigned ce = ps_class(in->ps[e - in->start_pfn]);
			if (absent ? ce != PS_HOLE : (ce != PS_RESERVED && ce != PS_UNINIT))
				break;
			e++;
		}
		if (n == cap) {
			cap *= 2;
			struct frag_hole *nh = realloc(h, cap * sizeof(*h));
			if (!nh) {
				free(h);
				return -ENOMEM;
			}
			h = nh;
		}
		h[n++] = (struct frag_hole){ p, e, absent ? HOLE_ABSENT : HOLE_RESERVED };
		p = e;
	}
	*out = h;
	*nr = n;
	return 0;
}

/* The allocation an allocated class stands for. */
static void class_alloc(unsigned c, int pb_mt, gfp_t *gfp, struct frag_owner *o)
{
	memset(o, 0, sizeof(*o));
	o->id = FRAG_OWNER_SNAPSHOT;
	switch (c) {
	case PS_ANON:
		*gfp = GFP_HIGHUSER_MOVABLE;
		o->kind = KIND_ANON;
		o->flags = OWNER_LRU;
		break;
	case PS_FILE:
		*gfp = GFP_HIGHUSER_MOVABLE;
		o->kind = KIND_FILE;
		o->flags = OWNER_LRU;
		break;
	case PS_ANON_NOLRU:
		*gfp = GFP_HIGHUSER_MOVABLE;
		o->kind = KIND_ANON;
		break;
	case PS_SLAB:
		*gfp = pb_mt == MIGRATE_RECLAIMABLE ? GFP_KERNEL | __GFP_RECLAIMABLE : GFP_KERNEL;
		o->kind = KIND_SLAB;
		break;
	case PS_SLAB_RECL:
		*gfp = GFP_KERNEL | __GFP_RECLAIMABLE;
		o->kind = KIND_SLAB;
		break;
	case PS_PGTABLE:
		*gfp = GFP_KERNEL;
		o->kind = KIND_PGTABLE;
		break;
	case PS_HUGETLB:
		/* htlb_alloc_mask(): GFP_HIGHUSER_MOVABLE when hugepage migration is supported */
		*gfp = GFP_HIGHUSER_MOVABLE | __GFP_COMP;
		o->kind = KIND_HUGETLB;
		break;
	default:
		*gfp = GFP_KERNEL;
		o->kind = KIND_KERNEL;
		break;
	}
}

/* prep_new_page() for the block [p, e) of class @c, cut into maximal aligned pieces inside @z. */
static void restore_alloc_run(struct frag_mem *mem, struct frag_zone *z, uint64_t p, uint64_t e, unsigned c,
			      bool compound)
{
	while (p < e) {
		unsigned order = p ? (unsigned)__builtin_ctzll(p) : SPB_ORDER;
		if (order > SPB_ORDER)
			order = SPB_ORDER;
		while (p + (1ull << order) > e)
			order--;
		gfp_t gfp;
		struct frag_owner o;
		class_alloc(c, get_pageblock_migratetype(z, p), &gfp, &o);
		if (compound && order)
			o.flags |= OWNER_COMPOUND;
		prep_new_page(mem, z, p, order, gfp, &o);
		p += 1ull << order;
	}
}

/* __free_one_page() for the free run [p, e), pageblock-sized chunks at most. */
static void restore_free_run(struct frag_mem *mem, struct frag_zone *z, uint64_t p, uint64_t e)
{
	while (p < e) {
		unsigned order = p ? (unsigned)__builtin_ctzll(p) : PAGEBLOCK_ORDER;
		if (order > PAGEBLOCK_ORDER)
			order = PAGEBLOCK_ORDER;
		while (p + (1ull << order) > e)
			order--;
		__free_one_page(mem, z, p, order, get_pageblock_migratetype(z, p), FPI_TO_TAIL);
		p += 1ull << order;
	}
}

int frag_mem_restore(const struct frag_config *cfg_in, const struct frag_restore_input *in, struct frag_mem **out,
		     char *err, size_t errlen)
{
	struct frag_config cfg = *cfg_in;
	struct frag_hole *holes = NULL;
	uint8_t *pb_mt = NULL;
	struct frag_mem *mem = NULL;
	unsigned nr_holes = 0;
	uint64_t nb = 0;
	int ret;

	*out = NULL;
	ret = check_input(in, err, errlen);
	if (ret)
		return ret;
	nb = frag_restore_nr_pageblocks(in);
	pb_mt = malloc(nb);
	if (!pb_mt)
		return rfail(err, errlen, -ENOMEM, "restore: out of memory");
	if (in->pb_mt) {
		for (uint64_t b = 0; b < nb; b++)
			if (in->pb_mt[b] > MIGRATE_HIGHATOMIC) {
				free(pb_mt);
				return rfail(err, errlen, -EINVAL, "restore: pageblock %#llx has migratetype %u",
					     (unsigned long long)(((in->start_pfn >> PAGEBLOCK_ORDER) + b) << PAGEBLOCK_ORDER),
					     in->pb_mt[b]);
			}
		memcpy(pb_mt, in->pb_mt, nb);
	} else {
		ret = frag_restore_infer_pageblocks(in, pb_mt, err, errlen);
		if (ret)
			goto out;
	}
	ret = build_holes(in, &holes, &nr_holes);
	if (ret) {
		rfail(err, errlen, ret, "restore: out of memory");
		goto out;
	}

	/* One node spanning the zones; zone bounds through the DMA/DMA32 limits. */
	struct frag_geometry *g = &cfg.geo;
	unsigned nr_cpus = in->nr_cpus;
	memset(g, 0, sizeof(*g));
	g->nr_nodes = 1;
	g->node[0].start_pfn = in->start_pfn;
	g->node[0].nr_pages = in->end_pfn - in->start_pfn;
	g->node[0].nr_cpus = nr_cpus;
	g->holes = holes;
	g->nr_holes = nr_holes;
	g->config_cma = cfg_in->geo.config_cma;
	g->dma_end_pfn = in->start_pfn;
	g->dma32_end_pfn = in->start_pfn;
	for (unsigned i = 0; i < in->nr_zones; i++) {
		const struct frag_restore_zone *rz = &in->zone[i];
		if (rz->type == ZONE_DMA)
			g->dma_end_pfn = g->dma32_end_pfn = rz->end_pfn;
		else if (rz->type == ZONE_DMA32)
			g->dma32_end_pfn = rz->end_pfn;
		else if (rz->type == ZONE_MOVABLE)
			g->node[0].movable_pages = in->end_pfn - rz->start_pfn;
		else if (rz->type != ZONE_NORMAL) {
			ret = rfail(err, errlen, -EINVAL, "restore: zone type %d", rz->type);
			goto out;
		}
	}
	if (g->dma_end_pfn == 0 || g->dma32_end_pfn == 0) {
		ret = rfail(err, errlen, -EINVAL, "restore: a machine starting at pfn 0 needs a DMA zone");
		goto out;
	}
	ret = frag_mem_create(&cfg, &mem, err, errlen);
	if (ret)
		goto out;
	if (mem->nr_zones != in->nr_zones) {
		ret = rfail(err, errlen, -EINVAL, "restore: the model made %u zones of the %u given", mem->nr_zones,
			    in->nr_zones);
		goto out;
	}
	for (unsigned i = 0; i < in->nr_zones; i++) {
		const struct frag_zone *z = &mem->zones[i];
		if (z->type != in->zone[i].type || z->zone_start_pfn != in->zone[i].start_pfn ||
		    zone_end_pfn(z) != in->zone[i].end_pfn) {
			ret = rfail(err, errlen, -EINVAL, "restore: zone %s is [%#llx, %#llx) in the model, [%#llx, %#llx) given",
				    frag_zone_names[in->zone[i].type], (unsigned long long)z->zone_start_pfn,
				    (unsigned long long)zone_end_pfn(z), (unsigned long long)in->zone[i].start_pfn,
				    (unsigned long long)in->zone[i].end_pfn);
			goto out;
		}
		if (z->nr_alloc[0] + z->nr_alloc[1] + z->nr_alloc[2] + z->nr_pcp_pages) {
			ret = rfail(err, errlen, -EBUSY, "restore: policy %s allocated memory in its init(); "
				    "it cannot start from a snapshot", mem->policy->name);
			goto out;
		}
	}

	for (unsigned zi = 0; zi < mem->nr_zones; zi++) {
		struct frag_zone *z = &mem->zones[zi];
		uint64_t zs = z->zone_start_pfn, ze = zone_end_pfn(z);

		/* 1. Empty the boot free lists. */
		for (unsigned o = 0; o < NR_PAGE_ORDERS; o++)
			for (int mt = 0; mt < MIGRATE_TYPES; mt++)
				for (uint32_t idx; (idx = free_area_first(z, o, mt)) != IDX_NONE;)
					FRAG_BUG_ON(take_free_block(z, idx_to_pfn(z, idx), o));
		/* 2. Pageblock types. */
		for (uint64_t p = zs & ~(uint64_t)(PAGEBLOCK_NR_PAGES - 1); p < ze; p += PAGEBLOCK_NR_PAGES) {
			uint64_t q = p < zs ? zs : p;
			set_pageblock_migratetype(z, q, pb_mt[(q >> PAGEBLOCK_ORDER) - (in->start_pfn >> PAGEBLOCK_ORDER)]);
		}
		/* 3. Allocated blocks. */
		for (uint64_t p = zs; p < ze;) {
			uint8_t v = in->ps[p - in->start_pfn];
			unsigned c = ps_class(v);
			if (!class_allocated(c)) {
				p++;
				continue;
			}
			uint64_t e = p + 1;
			while (e < ze && in->ps[e - in->start_pfn] == (uint8_t)(c | FRAG_PS_TAIL))
				e++;
			restore_alloc_run(mem, z, p, e, c, e - p > 1);
			p = e;
		}
		/* 4. Free runs, ascending. */
		for (uint64_t p = zs; p < ze;) {
			if (ps_class(in->ps[p - in->start_pfn]) != PS_FREE) {
				p++;
				continue;
			}
			uint64_t e = p + 1;
			while (e < ze && ps_class(in->ps[e - in->start_pfn]) == PS_FREE)
				e++;
			restore_free_run(mem, z, p, e);
			p = e;
		}
		/* 5. PCP pages, round robin over the CPUs: a whole aligned pageblock
		 * of them as one order-9 block (the THP list, when PCP takes that
		 * order), anything else as order-0 pages. */
		unsigned cpu = 0;
		for (uint64_t p = zs; p < ze;) {
			if (ps_class(in->ps[p - in->start_pfn]) != PS_PCP) {
				p++;
				continue;
			}
			unsigned order = 0;
			if (!(p & (PAGEBLOCK_NR_PAGES - 1)) && p + PAGEBLOCK_NR_PAGES <= ze &&
			    pcp_allowed_order(mem, PAGEBLOCK_ORDER)) {
				uint64_t k = 0;
				while (k < PAGEBLOCK_NR_PAGES && ps_class(in->ps[p + k - in->start_pfn]) == PS_PCP)
					k++;
				if (k == PAGEBLOCK_NR_PAGES)
					order = PAGEBLOCK_ORDER;
			}
			int mt = get_pageblock_migratetype(z, p);
			if (mt >= MIGRATE_PCPTYPES)
				mt = MIGRATE_MOVABLE;
			pcp_restore_page(mem, z, cpu, p, order, mt);
			cpu = (cpu + 1) % mem->nr_cpus;
			p += 1ull << order;
		}
	}

	/* 6. zoneinfo's watermarks. */
	for (unsigned zi = 0; zi < mem->nr_zones; zi++) {
		struct frag_zone *z = &mem->zones[zi];
		const struct frag_restore_zone *rz = &in->zone[zi];
		if (!rz->wmark[WMARK_MIN] && !rz->wmark[WMARK_LOW] && !rz->wmark[WMARK_HIGH])
			continue;
		z->_watermark[WMARK_MIN] = rz->wmark[WMARK_MIN];
		z->_watermark[WMARK_LOW] = rz->wmark[WMARK_LOW];
		z->_watermark[WMARK_HIGH] = rz->wmark[WMARK_HIGH];
		/* WMARK_PROMO: high + (high - low), as setup_per_zone_wmarks() */
		z->_watermark[WMARK_PROMO] = rz->wmark[WMARK_HIGH] + (rz->wmark[WMARK_HIGH] - rz->wmark[WMARK_LOW]);
		for (int t = 0; t < MAX_NR_ZONES; t++)
			z->lowmem_reserve[t] = rz->lowmem_reserve[t];
	}

	char why[512];
	if (!frag_mem_consistent(mem, why, sizeof why)) {
		ret = rfail(err, errlen, -EINVAL, "restore: the rebuilt state is inconsistent: %s", why);
		goto out;
	}
	*out = mem;
	mem = NULL;
	ret = 0;
out:
	frag_mem_destroy(mem);
	free(holes);
	free(pb_mt);
	return ret;
}
