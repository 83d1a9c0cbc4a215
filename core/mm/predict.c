/* SPDX-License-Identifier: MIT */
/*
 * predict.c - how many hugetlb pages could the pool grow by now?
 *
 * Mirrors mm/hugetlb.c set_max_huge_pages() for an unlimited count: the
 * pool grows one page at a time through alloc_pool_huge_folio(), which
 * tries the allowed nodes round-robin (for_each_node_mask_to_alloc(), the
 * start advancing with each try) with htlb_alloc_mask() | __GFP_THISNODE,
 * and growth stops when a whole round fails.
 *  - 2 MiB: alloc_buddy_hugetlb_folio(): an order-9 allocation through the
 *    fast path and the slowpath (direct compaction, retries), with
 *    __GFP_RETRY_MAYFAIL unless the node is in node_alloc_noretry (set when
 *    a try-hard allocation failed there, cleared when a plain one succeeds);
 *    counted in htlb_buddy_alloc_success / htlb_buddy_alloc_fail.
 *  - 1 GiB: alloc_gigantic_folio() -> alloc_contig_pages() (contig.c).
 * Each prediction runs on its own clone of the machine (frag_mem_clone(),
 * no env callbacks: no workload hears of a migration, no daemon is woken),
 * both from the same original state, which is never written.
 */
#include <errno.h>

#include "internal.h"

/* alloc_pool_huge_folio(): htlb_alloc_mask() | __GFP_THISNODE, plus the
 * flags the workload's requests carry (workloads/hugetlb.c). */
#define PREDICT_2M_GFP (GFP_HIGHUSER_MOVABLE | __GFP_COMP | __GFP_NOWARN | __GFP_THISNODE)
#define PREDICT_1G_GFP (GFP_HIGHUSER | __GFP_COMP | __GFP_RETRY_MAYFAIL | __GFP_NOWARN | __GFP_THISNODE)

/* The pool itself holds the new pages (prep_new_hugetlb_folio()). */
static const struct frag_owner pool_owner = { .id = 0, .cookie = 0, .kind = KIND_HUGETLB, .flags = OWNER_COMPOUND };

/* alloc_buddy_hugetlb_folio() with the set_max_huge_pages() noretry mask. */
static uint64_t alloc_buddy_hugetlb_folio(struct frag_mem *m, unsigned nid, bool *noretry)
{
	bool try_hard = !noretry[nid];
	gfp_t gfp = PREDICT_2M_GFP | (try_hard ? __GFP_RETRY_MAYFAIL : 0);
	uint64_t pfn = frag_alloc_pages(m, m->nodes[nid].first_cpu, HPAGE_PMD_ORDER, gfp, &pool_owner);

	if (pfn != FRAG_PFN_NONE && !try_hard)
		noretry[nid] = false;
	if (pfn == FRAG_PFN_NONE && try_hard)
		noretry[nid] = true;
	frag_count(m, pfn == FRAG_PFN_NONE ? FRAG_STAT_htlb_buddy_alloc_fail : FRAG_STAT_htlb_buddy_alloc_success, 1);
	return pfn;
}

/* set_max_huge_pages() growing without limit (or up to @max): pages added. */
static uint64_t grow_pool(struct frag_mem *m, bool gigantic, uint64_t max, struct frag_contig_result *last)
{
	bool noretry[FRAG_MAX_NODES] = { false };
	unsigned next_node = 0;
	uint64_t n = 0;

	while (!max || n < max) {
		bool got = false;
		for (unsigned k = 0; k < m->nr_nodes && !got; k++) {
			unsigned nid = next_node;
			next_node = (next_node + 1) % m->nr_nodes;
			if (!m->nodes[nid].nr_cpus)
				continue;
			uint64_t pfn;
			if (gigantic) {
				struct frag_contig_result r;
				pfn = frag_alloc_contig_pages_res(m, m->nodes[nid].first_cpu, SPB_ORDER, PREDICT_1G_GFP,
								  &pool_owner, (int)nid, &r);
				if (pfn == FRAG_PFN_NONE && last)
					*last = r;
			} else {
				pfn = alloc_buddy_hugetlb_folio(m, nid, noretry);
			}
			got = pfn != FRAG_PFN_NONE;
		}
		if (!got)
			break;
		n++;
	}
	return n;
}

int frag_predict_hugetlb(const struct frag_mem *mem, const struct frag_predict_opts *opts,
			 struct frag_predict_result *res)
{
	static const struct frag_predict_opts defaults = { 0 };
	struct frag_mem *m;
	int ret;

	if (!opts)
		opts = &defaults;
	*res = (struct frag_predict_result){ 0 };
	res->last_1g.pfn = FRAG_PFN_NONE;
	res->last_1g.window = FRAG_PFN_NONE;
	res->last_1g.blocker_pfn = FRAG_PFN_NONE;
	res->last_1g.blocker_kind = -1;
	if (!opts->skip_2m) {
		ret = frag_mem_clone(mem, NULL, &m);
		if (ret)
			return ret;
		res->hugetlb_2m_pages = grow_pool(m, false, opts->max_2m, NULL);
		frag_mem_destroy(m);
	}
	if (!opts->skip_1g) {
		ret = frag_mem_clone(mem, NULL, &m);
		if (ret)
			return ret;
		res->hugetlb_1g_pages = grow_pool(m, true, opts->max_1g, &res->last_1g);
		frag_mem_destroy(m);
	}
	return 0;
}
