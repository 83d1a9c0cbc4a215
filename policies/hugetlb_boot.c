/* SPDX-License-Identifier: MIT */
/*
 * hugetlb_boot.c - 1 GiB pages set aside at boot: the kernel command line
 * `hugepagesz=1G hugepages=N` (the classic answer to "1 GiB pages must be
 * reliable", which the SPB RFC argues against: the memory is lost to
 * everything else whether or not anyone uses it).
 *
 * Modelled:
 *  - hugetlb_hstate_alloc_pages() at boot: N gigantic pages from memblock,
 *    spread round-robin over the nodes (hugetlb_hstate_alloc_pages_onenode
 *    per node when the count is global), memblock's default top-down
 *    allocation taking the highest free 1 GiB-aligned window of each node
 *    (`placement: top`; `bottom` takes the lowest, for comparison). The
 *    pages never reach the buddy: managed pages exclude them and the
 *    watermarks are computed without them (frag_boot_reserve_contig()).
 *  - the pool: a 1 GiB hugetlb request (hugetlb_1g workloads growing the
 *    pool, alloc_gigantic_folio()) is served from the boot pages of its node
 *    first (alloc_contig hook); when the user gives one back it returns to
 *    the pool (free_huge_folio() -> enqueue_hugetlb_folio()), not to the
 *    buddy (free_contig hook). Only with `runtime_alloc` may a request the
 *    pool cannot serve go on to alloc_contig_pages() as upstream does.
 * Everything else is `linux`. See docs/policies/hugetlb-boot.md.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "frag/policy.h"
#include "../core/mm/internal.h"

enum { PLACE_TOP, PLACE_BOTTOM };
static const char *const placement_names[] = { "top", "bottom", NULL };

struct hboot_opts {
	unsigned pages;          /* hugepages=N (1 GiB pages) */
	int placement;           /* PLACE_TOP (memblock top-down) or PLACE_BOTTOM */
	bool runtime_alloc;      /* requests beyond the pool go to alloc_contig_pages() */
};

static const struct frag_param hboot_params[] = {
	FRAG_PARAM("pages", PARAM_U32, struct hboot_opts, pages, 50, 0, 16384, "pages",
		   "1 GiB pages reserved at boot (hugepagesz=1G hugepages=N), spread over the nodes"),
	FRAG_PARAM_ENUM("placement", struct hboot_opts, placement, PLACE_TOP, placement_names,
			"top: memblock's top-down allocation (highest free windows); bottom: lowest"),
	FRAG_PARAM("runtime_alloc", PARAM_BOOL, struct hboot_opts, runtime_alloc, 1, 0, 1, "",
		   "a request the boot pool cannot serve falls back to alloc_contig_pages() (upstream)"),
	FRAG_PARAM_END,
};

struct hboot_page {
	uint64_t pfn;
	unsigned nid;
	bool in_use;             /* handed out to a hugetlb user */
};

struct hboot_priv {
	struct hboot_page *pages;
	unsigned nr;
	bool runtime_alloc;
};

/* Owner of a pool page nobody uses: the kernel's hugetlb pool itself. */
static const struct frag_owner pool_owner = { .id = 0, .cookie = 0, .kind = KIND_HUGETLB, .flags = OWNER_COMPOUND };

/* The highest (or lowest) entirely free aligned 1 GiB window of node @nid. */
static uint64_t find_window(struct frag_mem *mem, unsigned nid, bool top)
{
	uint64_t best = FRAG_PFN_NONE;
	for (unsigned zi = 0; zi < mem->nr_zones; zi++) {
		struct frag_zone *z = &mem->zones[zi];
		if (z->nid != nid)
			continue;
		for (uint32_t i = 0; i < z->nr_spbs; i++) {
			const struct frag_spb *spb = &z->spb[i];
			if (spb->nr_pages != SPB_NR_PAGES || spb->nr_free_pages != SPB_NR_PAGES ||
			    (spb->start_pfn & (SPB_NR_PAGES - 1)))
				continue;
			if (best == FRAG_PFN_NONE || (top ? spb->start_pfn > best : spb->start_pfn < best))
				best = spb->start_pfn;
		}
	}
	return best;
}

static int hboot_init(struct frag_mem *mem, void *priv, const void *opts)
{
	struct hboot_priv *p = priv;
	const struct hboot_opts *o = opts;
	p->runtime_alloc = o->runtime_alloc;
	if (!o->pages)
		return 0;
	p->pages = calloc(o->pages, sizeof(*p->pages));
	if (!p->pages)
		return -ENOMEM;
	/* Round-robin over the nodes; a node out of windows is skipped, and
	 * the kernel then boots with fewer pages than asked (it warns). */
	unsigned exhausted = 0;
	for (unsigned n = 0; p->nr < o->pages && exhausted < mem->nr_nodes; n = (n + 1) % mem->nr_nodes) {
		uint64_t pfn = find_window(mem, n, o->placement == PLACE_TOP);
		if (pfn == FRAG_PFN_NONE) {
			exhausted++;
			continue;
		}
		exhausted = 0;
		int ret = frag_boot_reserve_contig(mem, pfn, SPB_ORDER, GFP_HIGHUSER | __GFP_COMP, &pool_owner);
		if (ret)
			return ret;
		p->pages[p->nr++] = (struct hboot_page){ .pfn = pfn, .nid = n };
	}
	return 0;
}

static void hboot_fini(struct frag_mem *mem, void *priv)
{
	(void)mem;
	free(((struct hboot_priv *)priv)->pages);
}

/* A clone of the machine (predictions) gets its own copy of the pool. */
static int hboot_clone(struct frag_mem *new_mem, void *new_priv, const void *old_priv)
{
	struct hboot_priv *p = new_priv;
	const struct hboot_priv *o = old_priv;
	(void)new_mem;
	if (!o->nr) {
		p->pages = NULL;
		return 0;
	}
	p->pages = malloc(o->nr * sizeof(*p->pages));
	if (!p->pages)
		return -ENOMEM;
	memcpy(p->pages, o->pages, o->nr * sizeof(*p->pages));
	return 0;
}

static void set_owner(struct frag_mem *mem, uint64_t pfn, const struct frag_owner *o)
{
	struct frag_zone *z = pfn_to_zone(mem, pfn);
	struct frag_page *pg = &z->pages[pfn_to_idx(z, pfn)];
	pg->next = o->id;
	pg->prev = o->cookie;
	pg->flags = (uint8_t)((o->kind & 0x0f) | (o->flags << 4));
}

/* alloc_gigantic_folio() with a boot-time pool: dequeue_hugetlb_folio_node_exact(). */
static uint64_t hboot_alloc_contig(struct frag_mem *mem, void *priv, unsigned cpu, unsigned order, gfp_t gfp,
				   const struct frag_owner *owner, unsigned nid)
{
	struct hboot_priv *p = priv;
	(void)cpu;
	(void)gfp;
	if (order != SPB_ORDER)
		return FRAG_PFN_NONE;
	for (unsigned i = 0; i < p->nr; i++)
		if (!p->pages[i].in_use && p->pages[i].nid == nid) {
			p->pages[i].in_use = true;
			set_owner(mem, p->pages[i].pfn, owner ? owner : &pool_owner);
			return p->pages[i].pfn;
		}
	/* Pool empty on that node: upstream grows it with alloc_contig_pages();
	 * without runtime_alloc the request fails here. */
	return p->runtime_alloc ? FRAG_PFN_NONE : FRAG_PFN_REFUSE;
}

/* free_huge_folio(): a pool page goes back to the pool. */
static bool hboot_free_contig(struct frag_mem *mem, void *priv, uint64_t pfn, unsigned order)
{
	struct hboot_priv *p = priv;
	if (order != SPB_ORDER)
		return false;
	for (unsigned i = 0; i < p->nr; i++)
		if (p->pages[i].pfn == pfn) {
			p->pages[i].in_use = false;
			set_owner(mem, pfn, &pool_owner);
			return true;
		}
	return false;
}

const struct frag_policy_ops frag_policy_hugetlb_boot = {
	.abi_version = FRAG_POLICY_ABI,
	.name = "hugetlb-boot",
	.summary = "linux plus N x 1 GiB hugetlb pages reserved at boot (hugepagesz=1G hugepages=N)",
	.params = hboot_params,
	.opts_size = sizeof(struct hboot_opts),
	.priv_size = sizeof(struct hboot_priv),
	.init = hboot_init,
	.fini = hboot_fini,
	.alloc_contig = hboot_alloc_contig,
	.free_contig = hboot_free_contig,
	.clone = hboot_clone,
};
