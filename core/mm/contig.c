/* SPDX-License-Identifier: MIT */
/*
 * contig.c - contiguous allocations of pageblock_order and more: the hugetlb
 * gigantic path (alloc_gigantic_folio() -> alloc_contig_pages()), usable for
 * any naturally aligned power-of-two range from a pageblock up to 1 GiB
 * (kernel-model.md section 9).
 *
 * Mirrors mm/page_alloc.c of Linux 6.18 with the two-pass window search of
 * "page_alloc: allow migration of smaller hugepages during contig_alloc":
 *   alloc_contig_pages()          for each zone of node_zonelist(nid, gfp)
 *                                 (zones <= gfp_zone(); __GFP_THISNODE: the
 *                                 node's own zones), the naturally aligned
 *                                 windows inside the zone in ascending pfn
 *                                 order; pass 1 skips windows holding a
 *                                 hugetlb folio, pass 2 (only if pass 1
 *                                 skipped one) allows folios smaller than
 *                                 the window
 *   pfn_range_valid_contig()      the lockless pre-check: holes, PageReserved,
 *                                 hugetlb folios, page_is_unmovable()
 *   alloc_contig_frozen_range()   __alloc_contig_verify_gfp_mask(),
 *                                 start_isolate_page_range(), drain_all_pages(zone),
 *                                 __alloc_contig_migrate_range(), test_pages_isolated(),
 *                                 isolate_freepages_range() + prep_new_page(),
 *                                 undo_isolate_page_range() on every path
 *   __alloc_contig_migrate_range() isolate_migratepages_range() (alloc_contig
 *                                 rules of isolate_migratepages_block()) and
 *                                 migrate_pages(alloc_migration_target) in
 *                                 batches of COMPACT_CLUSTER_MAX pages; a batch
 *                                 that makes no progress 5 times gives -EBUSY,
 *                                 a missing target -ENOMEM at once
 *   alloc_migration_target()      an ordinary buddy allocation on the
 *                                 window's node with cc->gfp_mask (large
 *                                 folios: GFP_TRANSHUGE without kswapd; hugetlb
 *                                 folios: a fresh 2 MiB hugetlb page,
 *                                 htlb_alloc_mask() | __GFP_THISNODE, counted in
 *                                 htlb_buddy_alloc_*)
 *
 * Not modelled: reclaim_clean_pages_from_list() (clean page cache is migrated
 * rather than dropped: the model has no owner callback for a reclaimed page),
 * free hugetlb pool pages (replace_free_hugepage_folios(),
 * isolate_or_dissolve_huge_folio() of a free folio: every hugetlb page of the
 * model is in use), fatal signals (-EINTR), racing isolations from other
 * CPUs (the model is one operation at a time, so only a range left isolated
 * by someone else gives -EBUSY).
 *
 * Counters: contig_alloc_attempt / _success / _fail per call of the Linux path
 * (not when the policy's alloc_contig hook serves it), contig_windows_tried
 * per alloc_contig_frozen_range(), contig_isolated_pageblocks,
 * contig_isolated_pages and compact_isolated (isolate_migratepages_block()
 * and isolate_freepages_block() count COMPACTISOLATED), contig_migrated_pages
 * with pgmigrate_success, drain_all_pages.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

static const char *const contig_reason_names[NR_CONTIG_REASONS] = {
	[CONTIG_OK] = "ok",
	[CONTIG_NO_WINDOW] = "no_window",
	[CONTIG_INVALID] = "invalid",
	[CONTIG_REFUSED] = "refused",
	[CONTIG_HUGETLB] = "hugetlb",
	[CONTIG_HOLE] = "hole",
	[CONTIG_RESERVED] = "reserved",
	[CONTIG_UNMOVABLE] = "unmovable",
	[CONTIG_ISOLATED] = "isolated",
	[CONTIG_NOMEM] = "nomem",
	[CONTIG_PINNED] = "pinned",
	[CONTIG_BUSY] = "busy",
};

const char *frag_contig_reason_name(enum frag_contig_reason r)
{
	return (unsigned)r < NR_CONTIG_REASONS ? contig_reason_names[r] : "?";
}

/* Append ", \"failed_windows\": {reason: count, ...}" at @n of @buf. */
static void failed_windows(char *buf, size_t len, int n, const struct frag_contig_result *r)
{
	if ((size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, ", \"failed_windows\": {");
	bool first = true;
	for (int i = 0; i < NR_CONTIG_REASONS && (size_t)n < len; i++) {
		if (!r->nr_windows_failed[i])
			continue;
		n += snprintf(buf + n, len - (size_t)n, "%s\"%s\": %u", first ? "" : ", ",
			      frag_contig_reason_name((enum frag_contig_reason)i), r->nr_windows_failed[i]);
		first = false;
	}
	if ((size_t)n < len)
		snprintf(buf + n, len - (size_t)n, "}");
}

void frag_contig_result_fields(char *buf, size_t len, const struct frag_contig_result *r)
{
	int n = snprintf(buf, len,
			 "\"windows\": %u, \"checked\": %u, \"passes\": %u, \"migrated\": %llu, "
			 "\"isolated_pageblocks\": %llu, \"isolated_pages\": %llu",
			 r->windows_tried, r->windows_checked, r->passes, (unsigned long long)r->migrated_pages,
			 (unsigned long long)r->isolated_pageblocks, (unsigned long long)r->isolated_pages);
	if (n < 0 || (size_t)n >= len)
		return;
	if (r->reason == CONTIG_OK) {
		/* A success may come after windows that failed: say why they did. */
		bool any = false;
		for (int i = 0; i < NR_CONTIG_REASONS; i++)
			any |= r->nr_windows_failed[i] != 0;
		if (any)
			failed_windows(buf, len, n, r);
		return;
	}
	n += snprintf(buf + n, len - (size_t)n, ", \"err\": %d", r->err);
	if (r->window != FRAG_PFN_NONE && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, ", \"window\": %llu", (unsigned long long)r->window);
	if (r->blocker_pfn != FRAG_PFN_NONE && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, ", \"blocker_pfn\": %llu, \"blocker_kind\": \"%s\"",
			      (unsigned long long)r->blocker_pfn,
			      r->blocker_kind >= 0 ? frag_page_kind_names[r->blocker_kind] : "none");
	failed_windows(buf, len, n, r);
}

/* __alloc_contig_verify_gfp_mask() */
#define CONTIG_RECLAIM_MASK   (__GFP_IO | __GFP_FS | __GFP_RECLAIM)
#define CONTIG_ACTION_MASK    (__GFP_COMP | __GFP_RETRY_MAYFAIL | __GFP_NOWARN | __GFP_ZERO)
#define CONTIG_CC_ACTION_MASK (__GFP_RETRY_MAYFAIL | __GFP_NOWARN)

/* alloc_migration_target() for a hugetlb folio: htlb_modify_alloc_mask()
 * (htlb_alloc_mask() of a migratable hstate, plus __GFP_NOWARN),
 * __GFP_THISNODE (no fallback for MR_CONTIG_RANGE), then
 * alloc_buddy_hugetlb_folio()'s __GFP_COMP and __GFP_RETRY_MAYFAIL. */
#define GFP_HTLB_MIGRATE (GFP_HIGHUSER_MOVABLE | __GFP_NOWARN | __GFP_THISNODE | __GFP_COMP | __GFP_RETRY_MAYFAIL)

/* The 5 tries without progress of __alloc_contig_migrate_range(). */
#define CONTIG_MIGRATE_TRIES 5

/*
 * __alloc_contig_verify_gfp_mask(): node, zone and mobility hints are
 * ignored; besides them only reclaim flags and __GFP_COMP,
 * __GFP_RETRY_MAYFAIL, __GFP_NOWARN, __GFP_ZERO are allowed (-EINVAL).
 * The compaction/migration mask keeps the reclaim flags, RETRY_MAYFAIL and
 * NOWARN, plus __GFP_MOVABLE | __GFP_RETRY_MAYFAIL.
 */
static int __alloc_contig_verify_gfp_mask(gfp_t gfp, gfp_t *gfp_cc)
{
	gfp &= ~(GFP_ZONEMASK | __GFP_RECLAIMABLE | __GFP_WRITE | __GFP_HARDWALL | __GFP_THISNODE | __GFP_MOVABLE);
	if (gfp & ~(CONTIG_RECLAIM_MASK | CONTIG_ACTION_MASK))
		return -EINVAL;
	*gfp_cc = (gfp & (CONTIG_RECLAIM_MASK | CONTIG_CC_ACTION_MASK)) | __GFP_MOVABLE | __GFP_RETRY_MAYFAIL;
	return 0;
}

/* One window's outcome. */
struct contig_window {
	enum frag_contig_reason reason;
	int err;
	uint64_t blocker;       /* the page that failed it, FRAG_PFN_NONE if none */
};

static void window_fail(struct contig_window *w, enum frag_contig_reason reason, int err, uint64_t blocker)
{
	w->reason = reason;
	w->err = err;
	w->blocker = blocker;
}

/* The attempt reports the window that got furthest (the first one, in scan order). */
static void record_window(const struct frag_mem *mem, struct frag_contig_result *res, const struct contig_window *w,
			  uint64_t window)
{
	res->nr_windows_failed[w->reason]++;
	if (w->reason <= res->reason)
		return;
	res->reason = w->reason;
	res->err = w->err;
	res->window = window;
	res->blocker_pfn = w->blocker;
	res->blocker_kind = -1;
	if (w->blocker != FRAG_PFN_NONE) {
		const struct frag_zone *z = pfn_to_zone(mem, w->blocker);
		uint64_t head = z ? page_block_head(z, w->blocker) : FRAG_PFN_NONE;
		if (head != FRAG_PFN_NONE && z->pages[head - z->zone_start_pfn].state == PG_ALLOC)
			res->blocker_kind = (int)page_kind(&z->pages[head - z->zone_start_pfn]);
	}
}

/*
 * pfn_range_valid_contig(): may the window [@start, @start + @nr) be tried?
 * Per page, in ascending order: not a hole (pfn_to_online_page()), not
 * PageReserved, a hugetlb folio only in pass 2 and only if it is smaller
 * than the window (and than MAX_FOLIO_ORDER), and page_is_unmovable() false
 * (PB_ISOLATE_MODE_OTHER). Pageblocks whose pages are all free, PCP or LRU/movable_ops answer
 * from their counters.
 * Returns false with the reason in @w; a hugetlb folio in pass 1 sets
 * *@skipped instead.
 */
static bool pfn_range_valid_contig(const struct frag_zone *z, uint64_t start, uint64_t nr, bool skip_hugetlb,
				   bool *skipped, struct contig_window *w)
{
	uint64_t end = start + nr;

	for (uint64_t pfn = start; pfn < end;) {
		if (!(pfn & (PAGEBLOCK_NR_PAGES - 1)) && pfn + PAGEBLOCK_NR_PAGES <= end) {
			const struct frag_pageblock *pb = pfn_to_pb(z, pfn);
			/*
			 * Every page free, on a PCP list, or LRU/movable_ops
			 * (hugetlb folios never count in nr_lru, see
			 * frag_mem_consistent()): each per-page verdict below
			 * would be "may move", so the whole block passes.
			 */
			if (pb->nr_free + pb->nr_pcp + pb->nr_lru == PAGEBLOCK_NR_PAGES) {
				pfn += PAGEBLOCK_NR_PAGES;
				continue;
			}
		}
		const struct frag_page *p = &z->pages[pfn - z->zone_start_pfn];
		/* Fast path (same verdicts as below): free heads, movable non-compound heads. */
		if (p->state == PG_BUDDY || p->state == PG_PCP) {
			pfn += 1ull << p->order;
			continue;
		}
		if (p->state == PG_ALLOC && !(page_owner_flags(p) & OWNER_COMPOUND) && page_kind(p) != KIND_HUGETLB &&
		    (page_owner_flags(p) & (OWNER_LRU | OWNER_MOVABLE_OPS))) {
			pfn += 1ull << p->order;
			continue;
		}
		if (p->state == PG_HOLE) {
			window_fail(w, CONTIG_HOLE, -EBUSY, pfn);
			return false;
		}
		if (p->state == PG_RESERVED) {
			window_fail(w, CONTIG_RESERVED, -EBUSY, pfn);
			return false;
		}
		uint64_t head = page_block_head(z, pfn);
		const struct frag_page *h = &z->pages[head - z->zone_start_pfn];
		if (h->state == PG_ALLOC && page_kind(h) == KIND_HUGETLB) {
			if (skip_hugetlb) {
				*skipped = true;
				window_fail(w, CONTIG_HUGETLB, -EBUSY, head);
				return false;
			}
			if (h->order >= MAX_FOLIO_ORDER || nr <= (1ull << h->order)) {
				window_fail(w, CONTIG_HUGETLB, -EBUSY, head);
				return false;
			}
		}
		uint64_t step;
		if (page_is_unmovable(z, pfn, PB_ISOLATE_MODE_OTHER, &step)) {
			window_fail(w, CONTIG_UNMOVABLE, -EBUSY, pfn);
			return false;
		}
		pfn += step;
	}
	return true;
}

/* ---------------------------------------------------------------------- */
/* Migration out of the window                                            */
/* ---------------------------------------------------------------------- */

/* The part of struct compact_control alloc_contig_range() uses. */
struct contig_cc {
	struct frag_zone *zone;
	gfp_t gfp_mask;                              /* from __alloc_contig_verify_gfp_mask() */
	uint64_t migrate_pfn;                        /* where isolation stopped */
	unsigned nr;                                 /* entries in migratepages[] */
	uint64_t nr_migratepages;                    /* pages on it */
	uint64_t migratepages[COMPACT_CLUSTER_MAX];  /* isolated source heads, in isolation order */
	uint64_t nomem_pfn;                          /* the source no target was found for */
};

/* The target allocator: alloc_migration_target() on the window's node. */
struct contig_target {
	struct migrate_target_buddy buddy;           /* cpu, cc->gfp_mask, the window to avoid */
};

static uint64_t contig_target_alloc(struct frag_mem *mem, void *arg, uint64_t src_pfn, unsigned order)
{
	const struct contig_target *t = arg;
	const struct frag_zone *sz = pfn_to_zone(mem, src_pfn);
	const struct frag_page *sp = &sz->pages[pfn_to_idx(sz, src_pfn)];
	struct migrate_target_buddy b = t->buddy;

	if (page_kind(sp) == KIND_HUGETLB) {
		/* alloc_hugetlb_folio_nodemask() -> alloc_migrate_hugetlb_folio() */
		b.gfp = GFP_HTLB_MIGRATE;
		uint64_t pfn = migrate_target_buddy_ops.alloc(mem, &b, src_pfn, order);
		frag_count(mem, pfn == FRAG_PFN_NONE ? FRAG_STAT_htlb_buddy_alloc_fail : FRAG_STAT_htlb_buddy_alloc_success,
			   1);
		return pfn;
	}
	if (order) {
		b.gfp &= ~__GFP_RECLAIM;
		b.gfp |= GFP_TRANSHUGE;
	}
	if (sz->type == ZONE_MOVABLE)
		b.gfp |= __GFP_HIGHMEM;
	return migrate_target_buddy_ops.alloc(mem, &b, src_pfn, order);
}

static void contig_target_free(struct frag_mem *mem, void *arg, uint64_t pfn, unsigned order)
{
	migrate_target_buddy_ops.free(mem, &((struct contig_target *)arg)->buddy, pfn, order);
}

static const struct migrate_target_ops contig_target_ops = {
	.alloc = contig_target_alloc,
	.free = contig_target_free,
};

/*
 * isolate_migratepages_block() with cc->alloc_contig: hugetlb folios are
 * taken (isolate_or_dissolve_huge_folio()), compound pages whatever their
 * order, LRU folios except anonymous ones with extra pins and, without
 * __GFP_FS, file ones; non-LRU pages only with movable_ops.
 */
static bool contig_isolatable(const struct frag_page *p, gfp_t gfp)
{
	unsigned kind = page_kind(p), of = page_owner_flags(p);

	if (kind == KIND_HUGETLB)
		return true;
	if (!(of & OWNER_LRU))
		return of & OWNER_MOVABLE_OPS;
	if ((of & OWNER_PINNED) && kind == KIND_ANON)
		return false;
	if (!(gfp & __GFP_FS) && kind == KIND_FILE)
		return false;
	return true;
}

/*
 * isolate_migratepages_range(): from cc->migrate_pfn, take movable blocks
 * until at least COMPACT_CLUSTER_MAX pages are isolated or @end is reached
 * (skip hints ignored and never set). Counts compact_isolated.
 */
static void isolate_migratepages_range(struct frag_mem *mem, struct contig_cc *cc, uint64_t end)
{
	struct frag_zone *z = cc->zone;
	uint64_t pfn = cc->migrate_pfn, nr_isolated = 0;

	while (pfn < end) {
		if (!(pfn & (PAGEBLOCK_NR_PAGES - 1)) && pfn_to_pb(z, pfn)->nr_free == PAGEBLOCK_NR_PAGES) {
			pfn += PAGEBLOCK_NR_PAGES;
			continue;
		}
		const struct frag_page *p = &z->pages[pfn - z->zone_start_pfn];
		if (p->state == PG_TAIL) {
			uint64_t head = page_block_head(z, pfn);   /* a block from before the range */
			pfn = head == FRAG_PFN_NONE ? pfn + 1 : head + (1ull << z->pages[head - z->zone_start_pfn].order);
			continue;
		}
		if (p->state != PG_ALLOC) {
			pfn += (p->state == PG_BUDDY || p->state == PG_PCP) ? 1ull << p->order : 1;
			continue;
		}
		uint64_t n = 1ull << p->order;
		if (contig_isolatable(p, cc->gfp_mask)) {
			cc->migratepages[cc->nr++] = pfn;
			cc->nr_migratepages += n;
			nr_isolated += n;
		}
		pfn += n;
		if (cc->nr_migratepages >= COMPACT_CLUSTER_MAX)
			break;
	}
	cc->migrate_pfn = pfn < end ? pfn : end;
	frag_count(mem, FRAG_STAT_compact_isolated, nr_isolated);
	frag_count(mem, FRAG_STAT_contig_isolated_pages, nr_isolated);
}

/*
 * migrate_pages(cc->migratepages, alloc_migration_target, MIGRATE_SYNC,
 * MR_CONTIG_RANGE): most recently isolated first; migrated ones leave the
 * list, failed ones stay on it in their order. Returns how many failed, or
 * -ENOMEM when a target could not be found (the rest stay untried).
 */
static int contig_migrate_pages(struct frag_mem *mem, struct contig_cc *cc, struct contig_target *t)
{
	int nr_failed = 0, ret = 0;

	for (unsigned i = cc->nr; i-- > 0;) {
		uint64_t src = cc->migratepages[i];
		if (i >= MIGRATE_PREFETCH_AHEAD)
			migrate_prefetch_owner(mem, cc->zone, cc->migratepages[i - MIGRATE_PREFETCH_AHEAD]);
		const struct frag_page *p = &cc->zone->pages[src - cc->zone->zone_start_pfn];
		uint64_t n = 1ull << p->order;
		if (p->state != PG_ALLOC) {
			/* Gone meanwhile (a target allocation's compaction moved it). */
			cc->migratepages[i] = FRAG_PFN_NONE;
			continue;
		}
		int rc = migrate_block(mem, src, &contig_target_ops, t, MIGRATE_SYNC, MB_ALLOW_HUGETLB);
		if (rc == 0) {
			cc->migratepages[i] = FRAG_PFN_NONE;
			cc->nr_migratepages -= n;
			frag_count(mem, FRAG_STAT_contig_migrated_pages, n);
			continue;
		}
		if (rc == -ENOMEM) {
			cc->nomem_pfn = src;
			ret = -ENOMEM;
			break;
		}
		nr_failed++;
	}
	unsigned k = 0;
	for (unsigned i = 0; i < cc->nr; i++)
		if (cc->migratepages[i] != FRAG_PFN_NONE)
			cc->migratepages[k++] = cc->migratepages[i];
	cc->nr = k;
	return ret ? ret : nr_failed;
}

/*
 * __alloc_contig_migrate_range(): isolate a batch, migrate it; a batch
 * that still has pages after CONTIG_MIGRATE_TRIES tries is -EBUSY, a
 * missing target -ENOMEM. On failure the batch is put back.
 */
static int __alloc_contig_migrate_range(struct frag_mem *mem, struct contig_cc *cc, uint64_t start, uint64_t end,
					struct contig_target *t)
{
	uint64_t pfn = start;
	unsigned tries = 0;
	int ret = 0;

	while (pfn < end || cc->nr) {
		if (!cc->nr) {
			cc->nr_migratepages = 0;
			cc->migrate_pfn = pfn;
			isolate_migratepages_range(mem, cc, end);
			pfn = cc->migrate_pfn;
			tries = 0;
		} else if (++tries == CONTIG_MIGRATE_TRIES) {
			ret = -EBUSY;
			break;
		}
		ret = contig_migrate_pages(mem, cc, t);
		if (ret == -ENOMEM)
			break;
	}
	if (ret < 0) {
		cc->nr = 0;   /* putback_movable_pages() */
		cc->nr_migratepages = 0;
	}
	return ret < 0 ? ret : 0;
}

/* A CPU of node @nid for the target allocations (alloc_migration_target()
 * prefers the window's node), @cpu if it is there or the node has none. */
static unsigned cpu_on_node(const struct frag_mem *mem, unsigned nid, unsigned cpu)
{
	if (mem->cpu_node[cpu] == nid || !mem->nodes[nid].nr_cpus)
		return cpu;
	return mem->nodes[nid].first_cpu;
}

/*
 * isolate_freepages_range() for a range test_pages_isolated() passed: take
 * every free block of it off the ISOLATE lists (a free block reaching out
 * of a window smaller than MAX_PAGE_ORDER is split). Counts compact_isolated.
 */
static void isolate_freepages_range(struct frag_mem *mem, struct frag_zone *z, uint64_t start, unsigned order)
{
	uint64_t end = start + (1ull << order);

	for (uint64_t pfn = start; pfn < end;) {
		const struct frag_page *p = &z->pages[pfn - z->zone_start_pfn];
		if (p->state == PG_BUDDY && pfn + (1ull << p->order) <= end) {
			unsigned o = p->order;
			__del_from_free_list(z, pfn_to_idx(z, pfn), o, p->mt);
			pfn += 1ull << o;
			continue;
		}
		FRAG_BUG_ON(pfn != start || take_free_block(z, start, order));
		break;
	}
	frag_count(mem, FRAG_STAT_compact_isolated, end - start);
	frag_count(mem, FRAG_STAT_contig_isolated_pages, end - start);
}

/*
 * alloc_contig_frozen_range(): make [@start, @start + 2^@order) of @z one
 * allocated block. Returns 0, -EBUSY (isolation failed, a page stayed) or
 * -ENOMEM (no migration target), with the reason in @w. The range is never
 * left isolated.
 */
static int alloc_contig_frozen_range(struct frag_mem *mem, struct frag_zone *z, uint64_t start, unsigned order,
				     gfp_t gfp, gfp_t gfp_cc, unsigned cpu, const struct frag_owner *owner,
				     struct contig_window *w)
{
	uint64_t end = start + (1ull << order), bad;
	int ret;

	ret = start_isolate_page_range(mem, z, start, end, PB_ISOLATE_MODE_OTHER, &bad);
	if (ret) {
		window_fail(w, bad != FRAG_PFN_NONE ? CONTIG_UNMOVABLE : CONTIG_ISOLATED, ret, bad);
		return ret;
	}
	frag_drain_all_pages(mem, (int)z->id);

	struct contig_cc cc = { .zone = z, .gfp_mask = gfp_cc, .nomem_pfn = FRAG_PFN_NONE };
	struct contig_target t = {
		.buddy = { .cpu = cpu_on_node(mem, z->nid, cpu), .gfp = gfp_cc, .avoid_start = start, .avoid_end = end },
	};
	ret = __alloc_contig_migrate_range(mem, &cc, start, end, &t);
	if (ret && ret != -EBUSY) {
		window_fail(w, CONTIG_NOMEM, ret, cc.nomem_pfn);
		goto done;
	}
	bad = test_pages_isolated(z, start, end);
	if (bad != FRAG_PFN_NONE) {
		uint64_t head = page_block_head(z, bad);
		const struct frag_page *h = head == FRAG_PFN_NONE ? NULL : &z->pages[head - z->zone_start_pfn];
		bool pinned = h && h->state == PG_ALLOC && (page_owner_flags(h) & OWNER_PINNED);
		ret = -EBUSY;
		window_fail(w, pinned ? CONTIG_PINNED : CONTIG_BUSY, ret, head == FRAG_PFN_NONE ? bad : head);
		goto done;
	}
	isolate_freepages_range(mem, z, start, order);
	prep_new_page(mem, z, start, order, gfp & ~GFP_MOVABLE_MASK, owner);
	ret = 0;
done:
	undo_isolate_page_range(mem, z, start, end);
	return ret;
}

/* ---------------------------------------------------------------------- */
/* Entry points                                                           */
/* ---------------------------------------------------------------------- */

static void contig_result_init(struct frag_contig_result *res)
{
	memset(res, 0, sizeof(*res));
	res->pfn = FRAG_PFN_NONE;
	res->reason = CONTIG_NO_WINDOW;
	res->window = FRAG_PFN_NONE;
	res->blocker_pfn = FRAG_PFN_NONE;
	res->blocker_kind = -1;
}

uint64_t frag_alloc_contig_pages_res(struct frag_mem *mem, unsigned cpu, unsigned order, gfp_t gfp,
				     const struct frag_owner *owner, int nid, struct frag_contig_result *res)
{
	struct frag_contig_result local;
	uint64_t nr = 1ull << order;
	gfp_t gfp_cc;

	if (!res)
		res = &local;
	contig_result_init(res);
	if (order < PAGEBLOCK_ORDER || order > SPB_ORDER || cpu >= mem->nr_cpus) {
		res->reason = CONTIG_INVALID;
		res->err = -EINVAL;
		return FRAG_PFN_NONE;
	}
	const struct frag_node *node = &mem->nodes[nid >= 0 && (unsigned)nid < mem->nr_nodes ? (unsigned)nid :
						   mem->cpu_node[cpu]];

	if (order > MAX_PAGE_ORDER && mem->policy->alloc_contig) {
		uint64_t pfn = mem->policy->alloc_contig(mem, mem->policy_priv, cpu, order, gfp, owner, node->id);
		if (pfn == FRAG_PFN_REFUSE) {
			res->reason = CONTIG_REFUSED;
			res->err = -EBUSY;
			return FRAG_PFN_NONE;
		}
		if (pfn != FRAG_PFN_NONE) {
			res->pfn = pfn;
			res->reason = CONTIG_OK;
			frag_maybe_check(mem);
			return pfn;
		}
	}

	frag_count(mem, FRAG_STAT_contig_alloc_attempt, 1);
	if (__alloc_contig_verify_gfp_mask(gfp, &gfp_cc)) {
		res->reason = CONTIG_INVALID;
		res->err = -EINVAL;
		frag_count(mem, FRAG_STAT_contig_alloc_fail, 1);
		return FRAG_PFN_NONE;
	}
	const uint64_t s0_pb = mem->stat[FRAG_STAT_contig_isolated_pageblocks];
	const uint64_t s0_iso = mem->stat[FRAG_STAT_contig_isolated_pages];
	const uint64_t s0_mig = mem->stat[FRAG_STAT_contig_migrated_pages];

	/* node_zonelist(): __GFP_THISNODE is ZONELIST_NOFALLBACK, the node's own zones. */
	unsigned nr_zonelist = node->nr_zonelist;
	if (gfp & __GFP_THISNODE) {
		nr_zonelist = 0;
		for (int t = 0; t < MAX_NR_ZONES; t++)
			nr_zonelist += node->zone_of_type[t] >= 0;
	}
	enum zone_type highest = gfp_zone(gfp);
	uint64_t pfn = FRAG_PFN_NONE;

	for (unsigned pass = 1; pass <= 2 && pfn == FRAG_PFN_NONE; pass++) {
		bool skipped = false;
		res->passes = pass;
		for (unsigned i = 0; i < nr_zonelist && pfn == FRAG_PFN_NONE; i++) {
			struct frag_zone *z = &mem->zones[node->zonelist[i]];
			if (z->type > highest)
				continue;
			frag_count(mem, FRAG_STAT_zone_lock, 1);
			uint64_t start = (z->zone_start_pfn + nr - 1) & ~(nr - 1);
			for (; start + nr <= zone_end_pfn(z); start += nr) {
				struct contig_window w = { CONTIG_OK, 0, FRAG_PFN_NONE };
				res->windows_checked++;
				if (!pfn_range_valid_contig(z, start, nr, pass == 1, &skipped, &w)) {
					if (!(pass == 1 && w.reason == CONTIG_HUGETLB))
						record_window(mem, res, &w, start);
					continue;
				}
				res->windows_tried++;
				frag_count(mem, FRAG_STAT_contig_windows_tried, 1);
				if (!alloc_contig_frozen_range(mem, z, start, order, gfp, gfp_cc, cpu, owner, &w)) {
					pfn = start;
					break;
				}
				record_window(mem, res, &w, start);
				frag_count(mem, FRAG_STAT_zone_lock, 1);
			}
		}
		if (!skipped)
			break;
	}

	res->isolated_pageblocks = mem->stat[FRAG_STAT_contig_isolated_pageblocks] - s0_pb;
	res->isolated_pages = mem->stat[FRAG_STAT_contig_isolated_pages] - s0_iso;
	res->migrated_pages = mem->stat[FRAG_STAT_contig_migrated_pages] - s0_mig;
	if (pfn != FRAG_PFN_NONE) {
		res->pfn = pfn;
		res->reason = CONTIG_OK;
		res->err = 0;
		res->window = pfn;
		res->blocker_pfn = FRAG_PFN_NONE;
		res->blocker_kind = -1;
		frag_count(mem, FRAG_STAT_contig_alloc_success, 1);
	} else {
		if (res->reason == CONTIG_NO_WINDOW)
			res->err = -EBUSY;
		frag_count(mem, FRAG_STAT_contig_alloc_fail, 1);
	}
	frag_maybe_check(mem);
	return pfn;
}

uint64_t frag_alloc_contig_pages(struct frag_mem *mem, unsigned cpu, unsigned order, gfp_t gfp,
				 const struct frag_owner *owner, int nid)
{
	return frag_alloc_contig_pages_res(mem, cpu, order, gfp, owner, nid, NULL);
}

/* ---------------------------------------------------------------------- */
/* Boot-time reservation                                                  */
/* ---------------------------------------------------------------------- */

static bool window_free(const struct frag_zone *z, uint64_t start, unsigned order)
{
	uint64_t end = start + (1ull << order);
	if (order >= SPB_ORDER) {
		/* Whole SPBs: their counters answer in O(1). */
		for (uint64_t p = start; p < end; p += SPB_NR_PAGES) {
			const struct frag_spb *spb = pfn_to_spb(z, p);
			if (spb->start_pfn != p || spb->nr_pages != SPB_NR_PAGES || spb->nr_free_pages != SPB_NR_PAGES ||
			    spb->nr_pb_isolated)
				return false;
		}
		return true;
	}
	for (uint64_t p = start; p < end; p += PAGEBLOCK_NR_PAGES) {
		const struct frag_pageblock *pb = pfn_to_pb(z, p);
		if (pb->nr_free != PAGEBLOCK_NR_PAGES || (pb->flags & (PB_MIGRATE_ISOLATE | PB_PARTIAL)))
			return false;
	}
	return true;
}

int frag_boot_reserve_contig(struct frag_mem *mem, uint64_t pfn, unsigned order, gfp_t gfp,
			     const struct frag_owner *owner)
{
	uint64_t nr = 1ull << order;
	struct frag_zone *z = pfn_to_zone(mem, pfn);

	if (mem->stat[FRAG_STAT_alloc_requests])
		return -EBUSY;
	if (!z || order <= MAX_PAGE_ORDER || order > SPB_ORDER || (pfn & (nr - 1)) || pfn < z->zone_start_pfn ||
	    pfn + nr > zone_end_pfn(z) || !window_free(z, pfn, order))
		return -EINVAL;
	for (uint64_t p = pfn; p < pfn + nr; p += 1ull << MAX_PAGE_ORDER)
		FRAG_BUG_ON(take_free_block(z, p, MAX_PAGE_ORDER));
	prep_new_page(mem, z, pfn, order, gfp & ~GFP_MOVABLE_MASK, owner);
	z->managed_pages -= nr;
	frag_init_per_zone_wmark_min(mem, mem->min_free_kbytes_user, mem->sysctl.thp_enabled);
	frag_maybe_check(mem);
	return 0;
}
