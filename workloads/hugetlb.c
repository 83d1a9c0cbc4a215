/* SPDX-License-Identifier: MIT */
/*
 * hugetlb.c - a hugetlb pool requester: at the given times it grows the
 * pool of `page_size` pages to `pages` (echo N > .../nr_hugepages), holds
 * them for `hold` (0: until its stop time), then shrinks the pool to 0.
 *
 * Mirrors set_max_huge_pages() -> alloc_pool_huge_folio()
 * (frag_alloc_pool_huge_folio(), the model function predictions use too):
 * the pool grows one page at a time, each page from the first node that
 * gives one, round-robin from where the last page came from (`node` -1, the
 * global nr_hugepages file) or from `node` only (its per-node file), and
 * stops at the first failure. node_alloc_noretry holds for one request.
 * Each page is one event: the loop's cond_resched() between pages lets the
 * other work of this CPU, and every other CPU, run before the next page is
 * tried, at the simulated time the last one's work ended. (Trying them all in
 * one event held the CPU for the whole request, 35 simulated seconds for 50
 * x 1 GiB on rfc-256g, while nothing else ran in between.)
 *  - 1G: alloc_gigantic_folio() -> alloc_contig_pages(): 2^18 contiguous,
 *    naturally aligned pages with GFP_HIGHUSER | __GFP_COMP |
 *    __GFP_RETRY_MAYFAIL | __GFP_NOWARN | __GFP_THISNODE (a gigantic hstate is
 *    not migratable, so htlb_alloc_mask() has no __GFP_MOVABLE). Every attempt is an event "hugetlb_1g" whose
 *    outcome is "ok" or why it failed (frag_contig_reason_name(): unmovable,
 *    reserved, pinned, nomem, ...) and whose detail says what it did
 *    (windows, pages migrated, the blocking page; docs/results-format.md);
 *    counters hugetlb_1g_attempts / hugetlb_1g_success. Gigantic pages do
 *    not count htlb_buddy_alloc_* (only alloc_buddy_hugetlb_folio() does).
 *  - 2M: alloc_buddy_hugetlb_folio(): one order-9 allocation with
 *    GFP_HIGHUSER_MOVABLE (2 MiB pages are migratable on x86-64) |
 *    __GFP_COMP | __GFP_RETRY_MAYFAIL | __GFP_NOWARN | __GFP_THISNODE
 *    (no __GFP_RETRY_MAYFAIL on a node in node_alloc_noretry), counted as htlb_buddy_alloc_success / htlb_buddy_alloc_fail. Every
 *    attempt is an event "hugetlb_2m" ("ok" or "fail"). The pages are
 *    migratable (alloc_contig_range() moves them out of a 1 GiB window):
 *    migrated() follows them.
 * Event values are the attempt's simulated latency in ns.
 */
#include <string.h>

#include "wl_util.h"

enum { HP_2M, HP_1G };
static const char *const hp_sizes[] = { "2M", "1G", NULL };

struct h1g_opts {
	int page_size;        /* HP_2M or HP_1G */
	unsigned pages;       /* pool size requested */
	uint64_t first;       /* ns: first request */
	uint64_t period;      /* ns between requests, 0 = once */
	uint64_t hold;        /* ns to hold the pages, 0 = until stop */
	int64_t node;         /* node to allocate from, -1 = all nodes round-robin */
};

static const struct frag_param h1g_params[] = {
	FRAG_PARAM_ENUM("page_size", struct h1g_opts, page_size, HP_1G, hp_sizes, "huge page size: 2M or 1G"),
	FRAG_PARAM("pages", PARAM_U32, struct h1g_opts, pages, 1, 1, 1 << 16, "pages",
		   "huge pages requested each time (the pool grows until the first failure)"),
	FRAG_PARAM("first", PARAM_DURATION, struct h1g_opts, first, 10, 0, 1e9, "s", "time of the first request"),
	FRAG_PARAM("period", PARAM_DURATION, struct h1g_opts, period, 0, 0, 1e9, "s",
		   "time between requests (0: only once)"),
	FRAG_PARAM("hold", PARAM_DURATION, struct h1g_opts, hold, 0, 0, 1e9, "s",
		   "how long the pages are held before release (0: until the workload stops)"),
	FRAG_PARAM("node", PARAM_INT, struct h1g_opts, node, -1, -1, 63, "",
		   "node to allocate from (the per-node nr_hugepages file); -1: every node round-robin"),
	FRAG_PARAM_END,
};


struct h1g_priv {
	struct wl_blocks blocks;
	uint32_t *held;          /* cookies of the pages held now */
	unsigned nr_held;
	uint64_t release_at;     /* FRAG_TIME_NEVER when holding until stop */
	uint64_t next_request;
	bool growing;            /* a request is growing the pool: the next event tries another page */
	struct frag_hugetlb_pool pool;   /* h->next_nid_to_alloc, node_alloc_noretry */
};

static int h1g_init(struct frag_wl *wl)
{
	const struct h1g_opts *o = frag_wl_opts(wl);
	struct h1g_priv *p = frag_wl_priv(wl);
	wl_blocks_init(&p->blocks);
	wl_blocks_owner_table(&p->blocks, wl);
	p->held = calloc(o->pages, sizeof(uint32_t));
	/* Report the counters even when they stay 0. */
	if (o->page_size == HP_1G) {
		frag_wl_count(wl, "hugetlb_1g_attempts", 0);
		frag_wl_count(wl, "hugetlb_1g_success", 0);
	}
	uint64_t per = o->page_size == HP_1G ? SPB_NR_PAGES : PAGEBLOCK_NR_PAGES;
	if ((uint64_t)o->pages * per > frag_wl_managed_pages(wl))
		return frag_wl_error(wl, "pages = %u of %s asks for %.1f GiB on a machine with %.1f GiB", o->pages,
				     hp_sizes[o->page_size], (double)o->pages * per / 262144,
				     (double)frag_wl_managed_pages(wl) / 262144);
	return p->held ? 0 : -12;
}

static void release(struct frag_wl *wl, struct h1g_priv *p)
{
	for (unsigned i = 0; i < p->nr_held; i++)
		wl_blocks_release(&p->blocks, wl, 0, p->held[i]);
	p->nr_held = 0;
	p->release_at = FRAG_TIME_NEVER;
}

static uint64_t h1g_start(struct frag_wl *wl, unsigned slot, uint64_t now)
{
	const struct h1g_opts *o = frag_wl_opts(wl);
	struct h1g_priv *p = frag_wl_priv(wl);
	if (slot != 0)
		return FRAG_TIME_NEVER;   /* one requester, on the first CPU */
	p->release_at = FRAG_TIME_NEVER;
	p->next_request = now + o->first;
	return p->next_request;
}

/* One try of alloc_pool_huge_folio() on a node, made by this workload (priced, owned, counted). */
struct pool_try {
	struct frag_wl *wl;
	uint32_t cookie;
	struct frag_contig_result res;   /* the last 1 GiB try */
};

static uint64_t pool_alloc(void *arg, unsigned nid, unsigned order, gfp_t gfp)
{
	struct pool_try *t = arg;
	uint64_t pfn;

	if (order > MAX_PAGE_ORDER) {
		frag_wl_count(t->wl, "hugetlb_1g_attempts", 1);
		return frag_wl_alloc_contig(t->wl, 0, order, gfp, t->cookie, KIND_HUGETLB, OWNER_COMPOUND, (int)nid,
					    &t->res);
	}
	pfn = frag_wl_alloc_node(t->wl, 0, (int)nid, order, gfp, t->cookie, KIND_HUGETLB, OWNER_COMPOUND);
	frag_wl_vm_event(t->wl, pfn == FRAG_PFN_NONE ? FRAG_STAT_htlb_buddy_alloc_fail : FRAG_STAT_htlb_buddy_alloc_success,
			 1);
	return pfn;
}

/* set_max_huge_pages() returns: the request is over, with the pool it reached. */
static void request_done(struct frag_wl *wl, struct h1g_priv *p)
{
	p->growing = false;
	frag_wl_count(wl, "hugetlb_requests", 1);
	frag_wl_count(wl, "hugetlb_pool_pages", p->nr_held);
}

/* set_max_huge_pages(): grow the pool by one page (frag_alloc_pool_huge_folio());
 * the request ends at the first failure or when the pool reaches `pages`. */
static void grow_one(struct frag_wl *wl, struct h1g_priv *p, const struct h1g_opts *o)
{
	bool giga = o->page_size == HP_1G;
	unsigned order = giga ? SPB_ORDER : HPAGE_PMD_ORDER;
	const char *ev = giga ? "hugetlb_1g" : "hugetlb_2m";
	uint64_t t0 = frag_wl_now(wl, 0);
	struct pool_try t = { .wl = wl, .cookie = wl_blocks_get(&p->blocks) };
	char detail[768] = "";
	uint64_t pfn = frag_alloc_pool_huge_folio(&p->pool, frag_wl_nr_nodes(wl), giga, (int)o->node, pool_alloc, &t,
						  NULL);
	uint64_t lat = frag_wl_now(wl, 0) - t0;

	if (giga)
		frag_contig_result_fields(detail, sizeof detail, &t.res);
	if (pfn == FRAG_PFN_NONE) {
		wl_blocks_unget(&p->blocks, t.cookie);
		frag_wl_event_detail(wl, 0, ev, FRAG_PFN_NONE, (int)order, (int64_t)lat,
				     giga ? frag_contig_reason_name(t.res.reason) : "fail", detail);
	} else {
		wl_blocks_set(&p->blocks, t.cookie, pfn, order, 0, 0, 0);
		p->held[p->nr_held++] = t.cookie;
		if (giga)
			frag_wl_count(wl, "hugetlb_1g_success", 1);
		frag_wl_event_detail(wl, 0, ev, pfn, (int)order, (int64_t)lat, "ok", detail);
	}
	if (pfn == FRAG_PFN_NONE || p->nr_held == o->pages)
		request_done(wl, p);
}

static uint64_t h1g_step(struct frag_wl *wl, unsigned slot, uint64_t now, uint64_t until)
{
	(void)until;   /* one event at a time: it uses @now */
	const struct h1g_opts *o = frag_wl_opts(wl);
	struct h1g_priv *p = frag_wl_priv(wl);
	(void)slot;

	if (!p->growing && now >= p->release_at)
		release(wl, p);
	if (!p->growing && now >= p->next_request) {
		memset(p->pool.noretry, 0, sizeof p->pool.noretry);   /* node_alloc_noretry is per write */
		p->growing = true;
		if (p->nr_held == o->pages)
			request_done(wl, p);   /* the pool is already that large */
		if (o->hold)
			p->release_at = now + o->hold;
		p->next_request = o->period ? p->next_request + o->period : FRAG_TIME_NEVER;
	}
	if (p->growing) {
		grow_one(wl, p, o);
		if (p->growing)
			return frag_wl_now(wl, 0);   /* the next page once this one's work is done */
	}
	return p->release_at < p->next_request ? p->release_at : p->next_request;
}

static void h1g_stop(struct frag_wl *wl, uint64_t now)
{
	(void)now;
	release(wl, frag_wl_priv(wl));
}

/* A 2 MiB page moved (alloc_contig_range() emptying a 1 GiB window). */
static void h1g_migrated(struct frag_wl *wl, uint32_t cookie, uint64_t old_pfn, uint64_t new_pfn)
{
	wl_blocks_moved(&((struct h1g_priv *)frag_wl_priv(wl))->blocks, cookie, old_pfn, new_pfn);
}

static void h1g_fini(struct frag_wl *wl)
{
	struct h1g_priv *p = frag_wl_priv(wl);
	free(p->held);
	wl_blocks_free(&p->blocks);
}

const struct frag_workload_ops frag_workload_hugetlb = {
	.abi_version = FRAG_WORKLOAD_ABI,
	.name = "hugetlb",
	.summary = "grows a 2 MiB or 1 GiB hugetlb pool to N pages at given times (stops at the first failure), holds them",
	.params = h1g_params,
	.opts_size = sizeof(struct h1g_opts),
	.priv_size = sizeof(struct h1g_priv),
	.cpu_priv_size = 0,
	.init = h1g_init,
	.start = h1g_start,
	.step = h1g_step,
	.stop = h1g_stop,
	.fini = h1g_fini,
	.migrated = h1g_migrated,
};
