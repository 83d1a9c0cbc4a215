/* SPDX-License-Identifier: MIT */
/*
 * cma.c - a fixed CMA area for 1 GiB pages: the kernel command line
 * `hugetlb_cma=NG` (mm/hugetlb_cma.c, mm/cma.c), one of the alternatives the
 * SPB RFC argues against: the area is usable only by movable allocations, so
 * the rest of memory must hold every unmovable page, and the size is fixed
 * at boot.
 *
 * Modelled:
 *  - the area: `size` GiB reserved at boot from memblock, 1 GiB aligned,
 *    the highest (memblock's default top-down, `placement: top`) or lowest
 *    run of entirely free 1 GiB windows of the highest populated zone of
 *    node 0 (hugetlb_cma_reserve() per node;
 *    fragsim keeps one area). cma_init_reserved_areas() ->
 *    init_cma_reserved_pageblock() gives every pageblock MIGRATE_CMA and
 *    frees its pages to the CMA free lists (init() relabels the blocks and
 *    moves their free pages: nothing is allocated yet);
 *  - who may use it: only requests with ALLOC_CMA, i.e. MOVABLE ones
 *    (gfp_to_alloc_flags_cma()); __rmqueue() takes CMA pages first when
 *    more than half of the zone's free pages are CMA (the 6.18 balance rule,
 *    already in the core's frag_rmqueue_linux()), otherwise after its own
 *    type's lists; watermark checks without ALLOC_CMA ignore free CMA pages.
 *    Long-term pins never stay in CMA (check_and_migrate_movable_pages()
 *    migrates them out at pin time): with `pin_avoid_cma` a movable request
 *    without __GFP_HIGHMEM (fragsim's pinned workload, GFP_USER|__GFP_MOVABLE)
 *    gets no ALLOC_CMA (alloc_flags hook);
 *  - 1 GiB requests (alloc_contig hook, alloc_gigantic_folio() ->
 *    hugetlb_cma_alloc_folio() -> cma_alloc()): the lowest free 1 GiB slot of
 *    the area (cma_alloc()'s bitmap search) is emptied by migrating its
 *    movable pages out (alloc_contig_range(): drain_all_pages(zone), then
 *    migrate_pages() with alloc_migration_target(), here migrate_block() with
 *    migrate_target_buddy_ops avoiding the slot), then taken as one block; a
 *    slot that cannot be emptied (pinned page, no target memory) is skipped
 *    and the next one tried, as cma_alloc() retries the next bitmap range.
 *    The kernel isolates the range (MIGRATE_ISOLATE) so that targets never
 *    land in it; fragsim does not isolate: while a slot is emptied the
 *    policy withholds ALLOC_CMA from every request (so the targets come from
 *    non-CMA memory) and the target allocator refuses blocks inside the
 *    slot. A request the area cannot serve goes on to alloc_contig_pages()
 *    (upstream) unless `cma_only` (hugetlb_cma_only, 6.14+).
 *  - frees: the gigantic page goes back to the buddy (cma_release()); its
 *    pageblocks are still MIGRATE_CMA, so the pages land on the CMA lists.
 * See docs/policies/cma.md.
 */
#include <errno.h>

#include "frag/policy.h"
#include "../core/mm/internal.h"

enum { CMA_PLACE_TOP, CMA_PLACE_BOTTOM };
static const char *const cma_placement_names[] = { "top", "bottom", NULL };

struct cma_opts {
	unsigned size;           /* hugetlb_cma= in GiB */
	int placement;           /* CMA_PLACE_TOP or CMA_PLACE_BOTTOM */
	bool cma_only;           /* hugetlb_cma_only: no alloc_contig_pages() fallback */
	bool pin_avoid_cma;      /* long-term pins (movable without __GFP_HIGHMEM) stay out of CMA */
	unsigned max_slot_tries; /* 1 GiB slots tried per request */
};

static const struct frag_param cma_params[] = {
	FRAG_PARAM("size", PARAM_U32, struct cma_opts, size, 16, 1, 65536, "GiB",
		   "CMA area size (hugetlb_cma=), whole free 1 GiB windows in the highest zone of node 0 "
		   "(the largest run that fits if smaller)"),
	FRAG_PARAM_ENUM("placement", struct cma_opts, placement, CMA_PLACE_TOP, cma_placement_names,
			"top: memblock top-down (end of the zone); bottom: the zone's first aligned GiB"),
	FRAG_PARAM("cma_only", PARAM_BOOL, struct cma_opts, cma_only, 0, 0, 1, "",
		   "hugetlb_cma_only: a 1 GiB request the area cannot serve fails (no alloc_contig_pages())"),
	FRAG_PARAM("pin_avoid_cma", PARAM_BOOL, struct cma_opts, pin_avoid_cma, 1, 0, 1, "",
		   "long-term pins (movable requests without __GFP_HIGHMEM) never use CMA "
		   "(check_and_migrate_movable_pages)"),
	FRAG_PARAM("max_slot_tries", PARAM_U32, struct cma_opts, max_slot_tries, 4, 1, 65536, "slots",
		   "1 GiB slots cma_alloc() tries to empty per request before giving up"),
	FRAG_PARAM_END,
};

struct cma_priv {
	struct frag_zone *zone;  /* zone holding the area */
	uint64_t start_pfn;      /* first pfn of the area (1 GiB aligned) */
	uint64_t end_pfn;        /* one past the last */
	unsigned nid;            /* node of the area */
	bool evacuating;         /* a slot is being emptied: withhold ALLOC_CMA */
	struct cma_opts o;       /* resolved options */
};

/* The highest (@top) or lowest run of @k entirely free 1 GiB windows in [@first, @last). */
static uint64_t find_run(const struct frag_zone *z, uint64_t first, uint64_t last, uint64_t k, bool top)
{
	uint64_t run = 0, n = last > first ? (last - first) / SPB_NR_PAGES : 0;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t s = top ? last - (i + 1) * SPB_NR_PAGES : first + i * SPB_NR_PAGES;
		const struct frag_spb *spb = pfn_to_spb(z, s);
		run = spb->nr_pages == SPB_NR_PAGES && spb->nr_free_pages == SPB_NR_PAGES ? run + 1 : 0;
		if (run == k)
			return top ? s : s - (k - 1) * SPB_NR_PAGES;
	}
	return FRAG_PFN_NONE;
}

static int cma_init(struct frag_mem *mem, void *priv, const void *opts)
{
	struct cma_priv *p = priv;
	const struct cma_opts *o = opts;
	struct frag_zone *z = NULL;

	p->o = *o;
	for (unsigned zi = 0; zi < mem->nr_zones; zi++)   /* node-major, ascending type */
		if (mem->zones[zi].nid == 0 && mem->zones[zi].managed_pages)
			z = &mem->zones[zi];
	if (!z)
		return -EINVAL;
	uint64_t first = (z->zone_start_pfn + SPB_NR_PAGES - 1) & ~(uint64_t)(SPB_NR_PAGES - 1);
	uint64_t last = zone_end_pfn(z) & ~(uint64_t)(SPB_NR_PAGES - 1);
	uint64_t found = FRAG_PFN_NONE, k;
	/* cma_declare_contiguous(): memblock's top-down (or bottom-up) search for
	 * `size` GiB of free, 1 GiB aligned RAM: windows with holes or reserved
	 * pages (e.g. the memmap at the top of a pc node) are skipped. Where
	 * `size` does not fit the kernel boots without the area; fragsim takes
	 * the largest run that fits (none at all on a machine without one
	 * whole free GiB in that zone: then the policy is `linux`). */
	for (k = o->size; k && found == FRAG_PFN_NONE; k--)
		found = find_run(z, first, last, k, o->placement == CMA_PLACE_TOP);
	p->zone = z;
	p->nid = z->nid;
	if (found == FRAG_PFN_NONE)
		return 0;
	p->start_pfn = found;
	p->end_pfn = found + (k + 1) * SPB_NR_PAGES;
	/* init_cma_reserved_pageblock(): MIGRATE_CMA, pages on the CMA lists. */
	for (uint64_t pfn = p->start_pfn; pfn < p->end_pfn; pfn += PAGEBLOCK_NR_PAGES) {
		move_freepages_block(z, pfn, MIGRATE_MOVABLE, MIGRATE_CMA);
		set_pageblock_migratetype(z, pfn, MIGRATE_CMA);
	}
	mem->geo.config_cma = true;
	return 0;
}

/* gfp_to_alloc_flags_cma() plus the two cases where the area is off limits. */
static unsigned cma_alloc_flags(struct frag_mem *mem, void *priv, const struct frag_zone *preferred, gfp_t gfp,
				unsigned order, unsigned alloc_flags, bool slowpath)
{
	const struct cma_priv *p = priv;
	(void)mem;
	(void)preferred;
	(void)order;
	(void)slowpath;
	if (p->evacuating || (p->o.pin_avoid_cma && !(gfp & __GFP_HIGHMEM)))
		alloc_flags &= ~(unsigned)ALLOC_CMA;
	return alloc_flags;
}

/* A slot already handed out: its first page heads an allocated 1 GiB block. */
static bool slot_allocated(const struct frag_zone *z, uint64_t pfn)
{
	const struct frag_page *pg = &z->pages[pfn_to_idx(z, pfn)];
	return pg->state == PG_ALLOC && pg->order >= SPB_ORDER;
}

/*
 * alloc_contig_range() on one slot: migrate every allocated block out.
 * Returns 0 when the slot is entirely free in the buddy, else -EBUSY.
 */
static int cma_empty_slot(struct frag_mem *mem, struct cma_priv *p, unsigned cpu, uint64_t start)
{
	struct frag_zone *z = p->zone;
	uint64_t end = start + SPB_NR_PAGES;
	struct migrate_target_buddy t = {
		.cpu = cpu,
		.gfp = GFP_HIGHUSER_MOVABLE | __GFP_RETRY_MAYFAIL,
		.avoid_start = start,
		.avoid_end = end,
	};
	int ret = 0;

	if (pfn_to_spb(z, start)->nr_pcp_pages)
		frag_drain_all_pages(mem, (int)z->id);   /* alloc_contig_range(): drain_all_pages(zone) */
	p->evacuating = true;
	for (uint64_t pfn = start; pfn < end && !ret;) {
		const struct frag_page *pg = &z->pages[pfn_to_idx(z, pfn)];
		if (pg->state == PG_BUDDY) {
			pfn += 1ull << pg->order;
		} else if (pg->state == PG_ALLOC) {
			unsigned order = pg->order;
			if (migrate_block(mem, pfn, &migrate_target_buddy_ops, &t, MIGRATE_SYNC, MB_ALLOW_HUGETLB))
				ret = -EBUSY;
			pfn += 1ull << order;
		} else if (pg->state == PG_PCP) {
			ret = -EBUSY;   /* refilled by another CPU since the drain */
		} else {
			pfn++;
		}
	}
	p->evacuating = false;
	if (!ret && pfn_to_spb(z, start)->nr_free_pages != SPB_NR_PAGES)
		ret = -EBUSY;
	return ret;
}

/* alloc_gigantic_folio() -> hugetlb_cma_alloc_folio() -> cma_alloc(). */
static uint64_t cma_alloc_contig(struct frag_mem *mem, void *priv, unsigned cpu, unsigned order, gfp_t gfp,
				 const struct frag_owner *owner, unsigned nid)
{
	struct cma_priv *p = priv;
	struct frag_zone *z = p->zone;
	unsigned tries = 0;

	if (order != SPB_ORDER || nid != p->nid || p->start_pfn == p->end_pfn)
		return p->o.cma_only ? FRAG_PFN_REFUSE : FRAG_PFN_NONE;
	/* Slots with nothing to migrate first (cheap), then the others in
	 * ascending pfn order, at most max_slot_tries evacuations. */
	for (int pass = 0; pass < 2; pass++)
		for (uint64_t s = p->start_pfn; s < p->end_pfn; s += SPB_NR_PAGES) {
			if (slot_allocated(z, s))
				continue;
			bool free_now = pfn_to_spb(z, s)->nr_free_pages == SPB_NR_PAGES;
			if (pass == 0 ? !free_now : free_now)
				continue;
			if (!free_now) {
				if (tries++ >= p->o.max_slot_tries)
					goto fail;
				frag_count(mem, FRAG_STAT_cma_evacuate, 1);
				if (cma_empty_slot(mem, p, cpu, s)) {
					frag_count(mem, FRAG_STAT_cma_evacuate_fail, 1);
					continue;
				}
			}
			frag_count(mem, FRAG_STAT_zone_lock, 1);
			for (uint64_t q = s; q < s + SPB_NR_PAGES; q += 1ull << MAX_PAGE_ORDER)
				FRAG_BUG_ON(take_free_block(z, q, MAX_PAGE_ORDER));
			prep_new_page(mem, z, s, order, gfp & ~GFP_MOVABLE_MASK, owner);
			frag_count(mem, FRAG_STAT_cma_alloc_success, 1);
			return s;
		}
fail:
	frag_count(mem, FRAG_STAT_cma_alloc_fail, 1);
	return p->o.cma_only ? FRAG_PFN_REFUSE : FRAG_PFN_NONE;
}

const struct frag_policy_ops frag_policy_cma = {
	.abi_version = FRAG_POLICY_ABI,
	.name = "cma",
	.summary = "linux plus a fixed CMA area (hugetlb_cma=) only movable pages may use; 1 GiB pages carved from it",
	.params = cma_params,
	.opts_size = sizeof(struct cma_opts),
	.priv_size = sizeof(struct cma_priv),
	.init = cma_init,
	.alloc_flags = cma_alloc_flags,
	.alloc_contig = cma_alloc_contig,
};
