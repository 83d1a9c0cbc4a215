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
 * both from the same original state, which is never written; except that
 * frag_predict_hugetlb_last(), for a caller done with the machine (the end
 * of a run), runs the 1 GiB prediction on the machine itself, set up as its
 * clone would be: the same answer without copying the page array. The one
 * callback a clone gets is shrink_lru(), and only when the machine holds
 * restored LRU pages (a state from `fragsim snapshot`): direct reclaim in
 * the slowpath then reclaims those (frag_shrink_restored_lru()), as the
 * real kernel reclaims page cache while the pool grows; pages of workload
 * instances stay unreclaimable on a clone (nothing can tell their owners),
 * although zone_reclaimable_pages() (should_reclaim_retry()) then counts
 * them too: an overestimate only for the end-of-run prediction of a run
 * from a snapshot, whose workloads hold LRU pages. No kswapd runs on a
 * clone: all its reclaim is direct.
 */
#include <errno.h>

#include "internal.h"

/* The pool itself holds the new pages (prep_new_hugetlb_folio()). */
static const struct frag_owner pool_owner = { .id = 0, .cookie = 0, .kind = KIND_HUGETLB, .flags = OWNER_COMPOUND };

/*
 * alloc_pool_huge_folio(): for_each_node_mask_to_alloc() from
 * h->next_nid_to_alloc (advanced past each node tried), the first node
 * that gives a page wins. gfp = htlb_alloc_mask(h) | __GFP_THISNODE, then
 * only_alloc_fresh_hugetlb_folio() -> alloc_fresh_hugetlb_folio():
 *  - gigantic: alloc_gigantic_folio() adds __GFP_COMP | __GFP_RETRY_MAYFAIL
 *    | __GFP_NOWARN (alloc_contig_pages());
 *  - otherwise alloc_buddy_hugetlb_folio(): __GFP_COMP | __GFP_NOWARN, and
 *    __GFP_RETRY_MAYFAIL unless the node is in node_alloc_noretry, which a
 *    failed try-hard allocation sets and a successful plain one clears.
 */
uint64_t frag_alloc_pool_huge_folio(struct frag_hugetlb_pool *pool, unsigned nr_nodes, bool gigantic, int nid,
				    frag_pool_alloc_fn alloc, void *arg, unsigned *nid_out)
{
	unsigned order = gigantic ? SPB_ORDER : HPAGE_PMD_ORDER;
	unsigned nr_try = nid >= 0 ? 1 : nr_nodes;

	for (unsigned k = 0; k < nr_try; k++) {
		unsigned n = nid >= 0 ? (unsigned)nid : pool->next_nid % nr_nodes;
		if (nid < 0)
			pool->next_nid = (n + 1) % nr_nodes;
		bool try_hard = gigantic || !pool->noretry[n];
		gfp_t gfp = (gigantic ? FRAG_HTLB_GFP_1G : FRAG_HTLB_GFP_2M) | (try_hard ? __GFP_RETRY_MAYFAIL : 0);
		uint64_t pfn = alloc(arg, n, order, gfp);
		if (!gigantic) {
			if (pfn != FRAG_PFN_NONE && !try_hard)
				pool->noretry[n] = false;
			if (pfn == FRAG_PFN_NONE && try_hard)
				pool->noretry[n] = true;
		}
		if (pfn != FRAG_PFN_NONE) {
			if (nid_out)
				*nid_out = n;
			return pfn;
		}
	}
	return FRAG_PFN_NONE;
}

/* The prediction's allocator: straight into the clone, from CPU 0. */
struct predict_alloc {
	struct frag_mem *mem;
	struct frag_contig_result *last;   /* the last 1 GiB attempt */
};

static uint64_t predict_alloc(void *arg, unsigned nid, unsigned order, gfp_t gfp)
{
	struct predict_alloc *a = arg;
	uint64_t pfn;

	if (order > MAX_PAGE_ORDER)
		return frag_alloc_contig_pages_res(a->mem, 0, order, gfp, &pool_owner, (int)nid, a->last);
	pfn = frag_alloc_pages_node(a->mem, 0, (int)nid, order, gfp, &pool_owner);
	frag_count(a->mem, pfn == FRAG_PFN_NONE ? FRAG_STAT_htlb_buddy_alloc_fail : FRAG_STAT_htlb_buddy_alloc_success,
		   1);
	return pfn;
}

/* env.shrink_lru() of a clone: its restored LRU pages only, freed on CPU 0 (the allocating CPU). */
static uint64_t predict_shrink_lru(void *arg, unsigned nid, enum frag_lru lru, uint64_t nr_to_scan,
				   uint64_t *nr_scanned)
{
	return frag_shrink_restored_lru(arg, 0, nid, lru, nr_to_scan, nr_scanned);
}

static bool has_restored_lru(const struct frag_mem *mem)
{
	for (unsigned zi = 0; zi < mem->nr_zones; zi++)
		if (mem->zones[zi].nr_restored_lru[FRAG_LRU_ANON] + mem->zones[zi].nr_restored_lru[FRAG_LRU_FILE])
			return true;
	return false;
}

/* A clone for one prediction: with predict_shrink_lru() when @mem has restored LRU pages. */
static int predict_clone(const struct frag_mem *mem, struct frag_mem **out)
{
	int ret = frag_mem_clone(mem, NULL, out);
	if (ret || !has_restored_lru(mem))
		return ret;
	(*out)->env.arg = *out;
	(*out)->env.shrink_lru = predict_shrink_lru;
	return 0;
}

/* set_max_huge_pages() growing without limit (or up to @max): pages added. */
static uint64_t grow_pool(struct frag_mem *m, bool gigantic, uint64_t max, struct frag_contig_result *last)
{
	struct frag_hugetlb_pool pool = { 0 };
	struct predict_alloc a = { m, last };
	uint64_t n = 0;

	while (!max || n < max) {
		if (frag_alloc_pool_huge_folio(&pool, m->nr_nodes, gigantic, -1, predict_alloc, &a, NULL) == FRAG_PFN_NONE)
			break;
		n++;
	}
	return n;
}

/* LRU pages reclaimed on @m so far (its pgsteal counters; a clone starts from its original's). */
static uint64_t pgsteal(const struct frag_mem *m)
{
	return m->stat[FRAG_STAT_pgsteal_direct] + m->stat[FRAG_STAT_pgsteal_kswapd];
}

/* The 1 GiB prediction on @m, whose pgsteal counters stood at @steal before it. */
static void grow_1g(struct frag_mem *m, const struct frag_predict_opts *opts, struct frag_predict_result *res,
		    uint64_t steal)
{
	res->hugetlb_1g_pages = grow_pool(m, true, opts->max_1g, &res->last_1g);
	if (res->last_1g.pfn != FRAG_PFN_NONE)   /* stopped by max_1g, not by a failure */
		res->last_1g.reason = CONTIG_OK;
	res->reclaimed_1g = pgsteal(m) - steal;
}

/* The 1 GiB prediction on @m itself, made to look like a clone of itself
 * for the duration (predict_clone(): no env callbacks but the restored-LRU
 * shrink_lru(), no shrinkers, no compaction capture). */
static void predict_1g_in_place(struct frag_mem *m, const struct frag_predict_opts *opts,
				struct frag_predict_result *res)
{
	struct frag_env env = m->env;
	unsigned nr_shrinkers = m->nr_shrinkers;
	int compact_cpu = m->compact_cpu;
	uint64_t steal = pgsteal(m);

	m->env = (struct frag_env){ 0 };
	if (res->restored_lru) {
		m->env.arg = m;
		m->env.shrink_lru = predict_shrink_lru;
	}
	m->nr_shrinkers = 0;
	m->compact_cpu = -1;
	grow_1g(m, opts, res, steal);
	m->env = env;
	m->nr_shrinkers = nr_shrinkers;
	m->compact_cpu = compact_cpu;
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
	res->restored_lru = has_restored_lru(mem);
	if (!opts->skip_2m) {
		ret = predict_clone(mem, &m);
		if (ret)
			return ret;
		res->hugetlb_2m_pages = grow_pool(m, false, opts->max_2m, NULL);
		res->reclaimed_2m = pgsteal(m) - pgsteal(mem);
		frag_mem_destroy(m);
	}
	if (!opts->skip_1g) {
		ret = predict_clone(mem, &m);
		if (ret)
			return ret;
		grow_1g(m, opts, res, pgsteal(mem));
		frag_mem_destroy(m);
	}
	return 0;
}

int frag_predict_hugetlb_last(struct frag_mem *mem, const struct frag_predict_opts *opts,
			      struct frag_predict_result *res)
{
	struct frag_predict_opts o = opts ? *opts : (struct frag_predict_opts){ 0 };
	bool do_1g = !o.skip_1g;

	o.skip_1g = true;   /* the 2 MiB prediction, if asked for, on a clone as usual */
	int ret = frag_predict_hugetlb(mem, &o, res);
	if (ret || !do_1g)
		return ret;
	if (mem->capc)
		return -EBUSY;
	predict_1g_in_place(mem, &o, res);
	return 0;
}
