/* SPDX-License-Identifier: MIT */
/*
 * compaction.c - memory compaction, Linux 6.18 mm/compaction.c
 * (docs/kernel-model.md section 6).
 *
 * A run (compact_zone()) moves movable pages from the bottom of a zone to
 * free pages at its top: the migration scanner walks up from the zone start
 * (or a cached position) isolating LRU and movable_ops pages, at most
 * COMPACT_CLUSTER_MAX at a time; the free scanner walks down from the zone
 * end isolating free pages as migration targets; migrate_block() moves each
 * page; the run ends when the scanners meet or __compact_finished() sees a
 * free block the request can use. Mirrored functions, each cited above its
 * model: compact_zone, compact_finished/__compact_finished,
 * compact_scanners_met, isolate_migratepages(_block), suitable_migration_source,
 * isolate_freepages(_block), __isolate_free_page, suitable_migration_target,
 * compaction_alloc/compaction_free, release_free_list, the skip hints
 * (isolation_suitable, update_pageblock_skip, update_cached_migrate,
 * __reset_isolation_suitable, reset_isolation_suitable), deferral
 * (defer_compaction, compaction_deferred, compaction_defer_reset,
 * compaction_restarting), compaction_suitable/__compaction_suitable,
 * compaction_suit_allocation_order, compaction_zonelist_suitable,
 * compact_zone_order, try_to_compact_pages, wakeup_kcompactd,
 * kcompactd_node_suitable, kcompactd_do_work, the kcompactd() proactive
 * step (fragmentation_score_wmark, should_proactive_compact_node,
 * compact_node) and /proc/sys/vm/compact_memory (compact_nodes).
 *
 * The free-list shortcuts are modelled too (fast_find_migrateblock(),
 * fast_isolate_freepages(), fast_isolate_around(), with the reordering of
 * the MOVABLE free lists they do: move_freelist_head/tail()).
 *
 * Not modelled (documented in docs/architecture.md): lock contention and
 * need_resched() (never CONTENDED for those reasons), dirty, writeback and
 * unevictable state, and the PCP round trip of migrated source pages (they
 * go straight to the buddy).
 *
 * Isolated free pages leave the buddy as PG_ISOLATED heads on the run's
 * private per-order lists, linked through their next/prev fields; every one
 * is used or released before the run returns.
 */
#include <errno.h>
#include <string.h>

#include "frag/vmstat.h"
#include "internal.h"

/* include/linux/pageblock-flags.h and mm/compaction.c helpers */
#define pageblock_start_pfn(pfn)  ((pfn) & ~(uint64_t)(PAGEBLOCK_NR_PAGES - 1))
#define pageblock_end_pfn(pfn)    (((pfn) | (PAGEBLOCK_NR_PAGES - 1)) + 1)
#define pageblock_aligned(pfn)    (((pfn) & (PAGEBLOCK_NR_PAGES - 1)) == 0)

static inline uint64_t block_start_pfn(uint64_t pfn, int order)
{
	return pfn & ~((1ull << order) - 1);
}

static inline uint64_t block_end_pfn(uint64_t pfn, int order)
{
	return (pfn | ((1ull << order) - 1)) + 1;
}

/* is_via_compact_memory(): order -1 compacts the whole zone for nobody. */
static inline bool is_via_compact_memory(int order)
{
	return order == -1;
}

/* is_migrate_movable(): MOVABLE or CMA */
static inline bool is_migrate_movable(int mt)
{
	return mt == MIGRATE_MOVABLE || mt == MIGRATE_CMA;
}

/*
 * mm/internal.h: struct compact_control, one compaction run over one zone.
 * The isolated migration sources are a small array (a run isolates from one
 * pageblock at a time); the isolated free pages are per-order lists of
 * PG_ISOLATED heads.
 */
struct compact_control {
	struct frag_mem *mem;
	struct frag_zone *zone;
	struct idx_list freepages[NR_PAGE_ORDERS];   /* isolated free blocks by order */
	uint64_t nr_freepages;                       /* pages on freepages */
	uint64_t nr_migratepages;                    /* pages isolated for migration */
	unsigned nr_migrate;                         /* entries in migratepages[] */
	uint64_t migratepages[PAGEBLOCK_NR_PAGES];   /* isolated source heads, in isolation order */
	uint64_t free_pfn;                           /* free scanner position */
	uint64_t migrate_pfn;                        /* migration scanner position */
	uint64_t fast_start_pfn;                     /* lowest source block the fast search found;
							UINT64_MAX once used (reinit_migrate_pfn()) */
	uint64_t total_migrate_scanned;
	uint64_t total_free_scanned;
	unsigned fast_search_fail;                   /* failures of the fast searches */
	int search_order;                            /* fast_isolate_freepages()' next order */
	gfp_t gfp_mask;                              /* of the request (GFP_KERNEL for kcompactd) */
	int order;                                   /* -1: compact_memory / proactive */
	int migratetype;                             /* gfp_migratetype(gfp_mask) */
	unsigned alloc_flags;
	enum zone_type highest_zoneidx;
	enum migrate_mode mode;
	bool ignore_skip_hint;                       /* scan blocks marked skip */
	bool no_set_skip_hint;                       /* never set skip hints */
	bool ignore_block_suitable;                  /* any pageblock type is a target */
	bool direct_compaction;                      /* false: kcompactd or compact_memory */
	bool proactive_compaction;                   /* kcompactd's fragmentation-score run */
	bool whole_zone;                             /* the whole zone is (being) scanned */
	bool contended;                              /* never set in the model */
	bool finish_pageblock;                       /* scan the current pageblock to its end */
	bool alloc_contig;                           /* alloc_contig_range() isolation */
	int cpu;                                     /* direct compaction: the compacting CPU, -1 otherwise */
};

/* isolate_migrate_t */
enum isolate_migrate {
	ISOLATE_ABORT,
	ISOLATE_NONE,
	ISOLATE_SUCCESS,
};

/* ---------------------------------------------------------------------- */
/* Private lists of isolated free pages                                   */
/* ---------------------------------------------------------------------- */

static void iso_list_add(struct frag_zone *z, struct idx_list *l, uint32_t idx, unsigned order, bool tail)
{
	struct frag_page *p = &z->pages[idx];

	p->state = PG_ISOLATED;
	p->order = (uint8_t)order;
	idx_list_add(z->pages, l, idx, tail);
}

/* Unlink @idx; the head becomes a detached run of tail pages. */
static void iso_list_del(struct frag_zone *z, struct idx_list *l, uint32_t idx)
{
	struct frag_page *p = &z->pages[idx];

	idx_list_del(z->pages, l, idx);
	p->state = PG_TAIL;
	p->order = 0;
	p->next = p->prev = 0;
}

/* ---------------------------------------------------------------------- */
/* Deferral                                                               */
/* ---------------------------------------------------------------------- */

/* defer_compaction(): skip the next 1 << ++shift attempts (shift <= 6). */
void defer_compaction(struct frag_zone *z, int order)
{
	z->compact_considered = 0;
	z->compact_defer_shift++;
	if (order < z->compact_order_failed)
		z->compact_order_failed = order;
	if (z->compact_defer_shift > COMPACT_MAX_DEFER_SHIFT)
		z->compact_defer_shift = COMPACT_MAX_DEFER_SHIFT;
}

/* compaction_deferred(): true while fewer than 1 << shift attempts were skipped. */
bool compaction_deferred(struct frag_zone *z, int order)
{
	unsigned defer_limit = 1u << z->compact_defer_shift;

	if (order < z->compact_order_failed)
		return false;
	if (++z->compact_considered >= defer_limit) {
		z->compact_considered = defer_limit;
		return false;
	}
	return true;
}

/* compaction_defer_reset(): an allocation of @order succeeded (or is expected to). */
void compaction_defer_reset(struct frag_zone *z, int order, bool alloc_success)
{
	if (alloc_success) {
		z->compact_considered = 0;
		z->compact_defer_shift = 0;
	}
	if (order >= z->compact_order_failed)
		z->compact_order_failed = order + 1;
}

/* compaction_restarting(): the maximal deferral has just run out. */
static bool compaction_restarting(const struct frag_zone *z, int order)
{
	if (order < z->compact_order_failed)
		return false;
	return z->compact_defer_shift == COMPACT_MAX_DEFER_SHIFT &&
	       z->compact_considered >= 1u << z->compact_defer_shift;
}

/* ---------------------------------------------------------------------- */
/* Pageblock skip hints and cached scanner positions                      */
/* ---------------------------------------------------------------------- */

/* reset_cached_positions() */
static void reset_cached_positions(struct frag_zone *z)
{
	z->compact_cached_migrate_pfn[0] = z->zone_start_pfn;
	z->compact_cached_migrate_pfn[1] = z->zone_start_pfn;
	z->compact_cached_free_pfn = pageblock_start_pfn(zone_end_pfn(z) - 1);
}

/*
 * The boot state of a zone's compaction fields. The kernel leaves the
 * cached pfns 0 and lets the first compact_zone() reset them (pfn 0 is never
 * in a zone there); fragsim's DMA zone starts at pfn 0, so they start reset.
 */
void compaction_zone_init(struct frag_zone *z)
{
	reset_cached_positions(z);
	z->compact_init_migrate_pfn = 0;
	z->compact_init_free_pfn = 0;
	z->compact_considered = 0;
	z->compact_defer_shift = 0;
	z->compact_order_failed = 0;
	z->compact_blockskip_flush = false;
}

/*
 * pageblock_pfn_to_page(): may the scanners look at [@start, @end)? Both ends
 * must be present pages of this zone (absent pages have no memmap here).
 */
static bool pageblock_pfn_valid(const struct frag_zone *z, uint64_t start, uint64_t end)
{
	end--;
	if (start < z->zone_start_pfn || end >= zone_end_pfn(z) || start > end)
		return false;
	return z->pages[start - z->zone_start_pfn].state != PG_HOLE &&
	       z->pages[end - z->zone_start_pfn].state != PG_HOLE;
}

/* The head of the block covering @pfn (blocks are aligned and disjoint). */
static const struct frag_page *covering_head(const struct frag_zone *z, uint64_t pfn)
{
	for (unsigned o = 0; o <= SPB_ORDER; o++) {
		uint64_t h = block_start_pfn(pfn, (int)o);
		if (h < z->zone_start_pfn)
			break;
		const struct frag_page *p = &z->pages[h - z->zone_start_pfn];
		if (p->state != PG_TAIL && p->order >= o)
			return p;
	}
	return NULL;
}

/*
 * pageblock_skip_persistent(): a compound page of >= pageblock_order covers
 * the block (its first page or the head it belongs to): pointless to
 * compact, and it holds no free page.
 */
static bool pageblock_skip_persistent(const struct frag_zone *z, uint64_t pfn)
{
	const struct frag_page *p = covering_head(z, pageblock_start_pfn(pfn) < z->zone_start_pfn ?
						    z->zone_start_pfn : pageblock_start_pfn(pfn));
	return p && p->state == PG_ALLOC && (page_owner_flags(p) & OWNER_COMPOUND) && p->order >= PAGEBLOCK_ORDER;
}

static inline bool get_pageblock_skip(const struct frag_zone *z, uint64_t pfn)
{
	return pfn_to_pb(z, pfn)->flags & PB_COMPACT_SKIP;
}

static inline void set_pageblock_skip(struct frag_zone *z, uint64_t pfn)
{
	pfn_to_pb(z, pfn)->flags |= PB_COMPACT_SKIP;
}

static inline void clear_pageblock_skip(struct frag_zone *z, uint64_t pfn)
{
	pfn_to_pb(z, pfn)->flags &= (uint8_t)~PB_COMPACT_SKIP;
}

/* isolation_suitable(): should the pageblock be scanned? */
static inline bool isolation_suitable(const struct compact_control *cc, uint64_t pfn)
{
	return cc->ignore_skip_hint || !get_pageblock_skip(cc->zone, pfn);
}

/*
 * __reset_isolation_pfn(): clear the hint of the block at @pfn if a sample
 * shows a page the scanner wants: an LRU page (source) or a free page
 * (target). The kernel samples every eighth page; the model asks the
 * block's counters (nr_lru, nr_free), i.e. samples every page.
 */
static bool __reset_isolation_pfn(struct frag_zone *z, uint64_t pfn, bool check_source, bool check_target)
{
	uint64_t bs = pageblock_start_pfn(pfn), be = pageblock_end_pfn(pfn);

	if (bs < z->zone_start_pfn)
		bs = z->zone_start_pfn;
	if (be > zone_end_pfn(z))
		be = zone_end_pfn(z);
	if (!pageblock_pfn_valid(z, bs, be))
		return false;
	if (pageblock_skip_persistent(z, pfn))
		return false;
	if (check_source && check_target && !get_pageblock_skip(z, pfn))
		return true;
	if (!check_source && check_target && get_pageblock_migratetype(z, pfn) != MIGRATE_MOVABLE)
		return false;
	const struct frag_pageblock *pb = pfn_to_pb(z, pfn);
	if ((check_source && pb->nr_lru) || (check_target && pb->nr_free)) {
		clear_pageblock_skip(z, pfn);
		return true;
	}
	return false;
}

/*
 * __reset_isolation_suitable(): after a direct compaction made the scanners
 * meet (compact_blockskip_flush), walk the zone from both ends clearing skip
 * hints of blocks worth scanning again, and restart the scanners at the
 * first such source and the last such target.
 */
static void __reset_isolation_suitable(struct frag_zone *z)
{
	uint64_t migrate_pfn = z->zone_start_pfn;
	uint64_t free_pfn = zone_end_pfn(z) - 1;
	uint64_t reset_migrate = free_pfn, reset_free = migrate_pfn;
	bool source_set = false, free_set = false;

	if (!z->compact_blockskip_flush)
		return;
	z->compact_blockskip_flush = false;

	for (; migrate_pfn < free_pfn; migrate_pfn += PAGEBLOCK_NR_PAGES, free_pfn -= PAGEBLOCK_NR_PAGES) {
		if (__reset_isolation_pfn(z, migrate_pfn, true, source_set) && migrate_pfn < reset_migrate) {
			source_set = true;
			reset_migrate = migrate_pfn;
			z->compact_init_migrate_pfn = reset_migrate;
			z->compact_cached_migrate_pfn[0] = reset_migrate;
			z->compact_cached_migrate_pfn[1] = reset_migrate;
		}
		if (__reset_isolation_pfn(z, free_pfn, free_set, true) && free_pfn > reset_free) {
			free_set = true;
			reset_free = free_pfn;
			z->compact_init_free_pfn = reset_free;
			z->compact_cached_free_pfn = reset_free;
		}
		if (free_pfn < PAGEBLOCK_NR_PAGES)
			break;
	}
	/* Leave no distance if no suitable block was reset. */
	if (reset_migrate >= reset_free) {
		z->compact_cached_migrate_pfn[0] = migrate_pfn;
		z->compact_cached_migrate_pfn[1] = migrate_pfn;
		z->compact_cached_free_pfn = free_pfn;
	}
}

/**
 * reset_isolation_suitable() - kswapd going to sleep (prepare_kswapd_sleep())
 * clears the skip hints of every zone of @nid where a direct compaction
 * recently made the scanners meet.
 */
void reset_isolation_suitable(struct frag_mem *mem, unsigned nid)
{
	for (unsigned i = 0; i < mem->nr_zones; i++) {
		struct frag_zone *z = &mem->zones[i];
		if (z->nid == nid && z->compact_blockskip_flush)
			__reset_isolation_suitable(z);
	}
}

/*
 * update_cached_migrate(): the migration scanner will restart past @pfn's
 * block (the async position always, the sync one in sync modes). As in the
 * kernel, pageblock_end_pfn() of a block end is the end of the *next* block.
 * Stored at most at the zone end: any value there means "restart from the
 * zone start" to compact_zone(), as a larger one does in the kernel.
 */
static void update_cached_migrate(struct compact_control *cc, uint64_t pfn)
{
	struct frag_zone *z = cc->zone;

	pfn = pageblock_end_pfn(pfn);
	if (pfn > zone_end_pfn(z))
		pfn = zone_end_pfn(z);
	if (cc->no_set_skip_hint)
		return;
	if (pfn > z->compact_cached_migrate_pfn[0])
		z->compact_cached_migrate_pfn[0] = pfn;
	if (cc->mode != MIGRATE_ASYNC && pfn > z->compact_cached_migrate_pfn[1])
		z->compact_cached_migrate_pfn[1] = pfn;
}

/*
 * update_pageblock_skip(): the free scanner scanned the whole block at
 * @block_pfn: mark it skip, and let the free scanner restart below it (@pfn).
 */
static void update_pageblock_skip(struct compact_control *cc, uint64_t block_pfn, uint64_t pfn)
{
	struct frag_zone *z = cc->zone;

	if (cc->no_set_skip_hint)
		return;
	set_pageblock_skip(z, block_pfn);
	if (pfn < z->compact_cached_free_pfn)
		z->compact_cached_free_pfn = pfn;
}

/* ---------------------------------------------------------------------- */
/* Suitability                                                            */
/* ---------------------------------------------------------------------- */

static void compact_ctx(const struct compact_control *cc, struct frag_compact_ctx *ctx)
{
	*ctx = (struct frag_compact_ctx){
		.order = cc->order,
		.migratetype = cc->migratetype,
		.mode = cc->mode,
		.direct = cc->direct_compaction,
		.proactive = cc->proactive_compaction,
		.alloc_contig = cc->alloc_contig,
		.ignore_block_suitable = cc->ignore_block_suitable,
	};
}

/*
 * suitable_migration_source(): never a block covered by a compound page of
 * pageblock order or more; sync modes and non-direct compaction take any
 * other block; async direct compaction only takes blocks of the request's
 * type (MOVABLE or CMA for movable requests). Policy hook.
 */
static bool suitable_migration_source(const struct compact_control *cc, uint64_t pfn)
{
	bool ret;

	if (pageblock_skip_persistent(cc->zone, pfn)) {
		ret = false;
	} else if (cc->mode != MIGRATE_ASYNC || !cc->direct_compaction) {
		ret = true;
	} else {
		int block_mt = get_pageblock_migratetype(cc->zone, pfn);
		if (cc->migratetype == MIGRATE_MOVABLE)
			ret = is_migrate_movable(block_mt);
		else
			ret = block_mt == cc->migratetype;
	}
	if (cc->mem->policy->suitable_migration_source) {
		struct frag_compact_ctx ctx;
		compact_ctx(cc, &ctx);
		ret = cc->mem->policy->suitable_migration_source(cc->mem, cc->mem->policy_priv, cc->zone,
								 pageblock_start_pfn(pfn), &ctx, ret);
	}
	return ret;
}

/*
 * suitable_migration_target(): never a block whose first page heads a free
 * block of cc->order (pageblock_order for whole-zone runs) or more:
 * compaction does not break up what it is trying to build. Otherwise
 * MOVABLE and CMA blocks, or any block with ignore_block_suitable
 * (COMPACT_PRIO_SYNC_FULL). Policy hook.
 */
static bool suitable_migration_target(const struct compact_control *cc, uint64_t pfn)
{
	const struct frag_page *p = &cc->zone->pages[pfn - cc->zone->zone_start_pfn];
	bool ret;

	if (p->state == PG_BUDDY && p->order >= (unsigned)(cc->order > 0 ? cc->order : PAGEBLOCK_ORDER))
		ret = false;
	else if (cc->ignore_block_suitable)
		ret = true;
	else
		ret = is_migrate_movable(get_pageblock_migratetype(cc->zone, pfn));
	if (cc->mem->policy->suitable_migration_target) {
		struct frag_compact_ctx ctx;
		compact_ctx(cc, &ctx);
		ret = cc->mem->policy->suitable_migration_target(cc->mem, cc->mem->policy_priv, cc->zone,
								 pageblock_start_pfn(pfn), &ctx, ret);
	}
	return ret;
}

/*
 * The policy's say on a target the fast free-list search picked (Linux
 * takes any free block it finds on the MOVABLE lists there).
 */
static bool fast_target_allowed(const struct compact_control *cc, uint64_t pfn)
{
	if (!cc->mem->policy->suitable_migration_target)
		return true;
	struct frag_compact_ctx ctx;
	compact_ctx(cc, &ctx);
	return cc->mem->policy->suitable_migration_target(cc->mem, cc->mem->policy_priv, cc->zone,
							  pageblock_start_pfn(pfn), &ctx, true);
}

/* fragmentation_index(): vmstat.c's __fragmentation_index() of the zone. */
static int fragmentation_index(const struct frag_zone *z, unsigned order)
{
	uint64_t nr_free[NR_PAGE_ORDERS];
	struct frag_contig_info info;

	for (unsigned o = 0; o < NR_PAGE_ORDERS; o++)
		nr_free[o] = z->free_area[o].nr_free;
	frag_fill_contig_info(nr_free, order, &info);
	return frag_fragmentation_index(order, &info);
}

/*
 * __compaction_suitable(): enough order-0 pages above @watermark for the
 * migration targets: compact_gap(order) more, and for costly orders the
 * low - min distance on top (6.15+: "push watermark into callers").
 */
static bool __compaction_suitable(const struct frag_mem *mem, const struct frag_zone *z, unsigned order,
				  uint64_t watermark, enum zone_type highest_zoneidx, int64_t free_pages)
{
	watermark += compact_gap(order);
	if (order > PAGE_ALLOC_COSTLY_ORDER)
		watermark += low_wmark_pages(z) - min_wmark_pages(z);
	return __zone_watermark_ok(mem, z, 0, watermark, highest_zoneidx, ALLOC_CMA, free_pages);
}

/**
 * compaction_suitable() - is it worth compacting @z for @order now? The
 * order-0 check of __compaction_suitable(), then for costly orders the
 * fragmentation index: 0 <= index <= vm.extfrag_threshold means the
 * failure is from a lack of memory, not fragmentation: not suitable.
 */
bool compaction_suitable(const struct frag_mem *mem, const struct frag_zone *z, int order, uint64_t watermark,
			 enum zone_type highest_zoneidx)
{
	if (!__compaction_suitable(mem, z, (unsigned)order, watermark, highest_zoneidx, z->nr_free_pages))
		return false;
	if (order > PAGE_ALLOC_COSTLY_ORDER) {
		int fragindex = fragmentation_index(z, (unsigned)order);
		if (fragindex >= 0 && fragindex <= (int)mem->sysctl.extfrag_threshold)
			return false;
	}
	return true;
}

/**
 * compaction_zonelist_suitable() - should_compact_retry() for a SKIPPED
 * compaction: would some zone of the request's zonelist pass
 * __compaction_suitable() at the MIN mark if reclaim freed 1/order of its
 * reclaimable pages?
 */
bool compaction_zonelist_suitable(const struct frag_mem *mem, unsigned nid, unsigned nr_zonelist, unsigned order,
				  enum zone_type highest_zoneidx)
{
	const struct frag_node *node = &mem->nodes[nid];

	for (unsigned i = 0; i < nr_zonelist; i++) {
		const struct frag_zone *z = &mem->zones[node->zonelist[i]];
		if (z->type > highest_zoneidx)
			continue;
		uint64_t reclaimable = mem->reclaim.zone_reclaimable_pages ?
					       mem->reclaim.zone_reclaimable_pages(mem, z->id) : 0;
		int64_t available = (int64_t)(reclaimable / order) + z->nr_free_pages;
		if (__compaction_suitable(mem, z, order, min_wmark_pages(z), highest_zoneidx, available))
			return true;
	}
	return false;
}

/*
 * compaction_suit_allocation_order(): SUCCESS if the allocation would pass
 * its watermark now (kcompactd under defrag_mode counts only free pages in
 * whole pageblocks); SKIPPED for costly async requests without ALLOC_CMA
 * short of watermark + compact_gap, or when compaction_suitable() says no;
 * else CONTINUE.
 */
static enum compact_result compaction_suit_allocation_order(const struct frag_mem *mem, const struct frag_zone *z,
							    int order, enum zone_type highest_zoneidx,
							    unsigned alloc_flags, bool async, bool kcompactd)
{
	int64_t free_pages = (kcompactd && mem->sysctl.defrag_mode) ? z->nr_free_pages_blocks : z->nr_free_pages;
	uint64_t watermark = wmark_pages(z, (enum zone_watermarks)(alloc_flags & ALLOC_WMARK_MASK));

	if (__zone_watermark_ok(mem, z, (unsigned)order, watermark, highest_zoneidx, alloc_flags, free_pages))
		return COMPACT_SUCCESS;
	if (order > PAGE_ALLOC_COSTLY_ORDER && async && !(alloc_flags & ALLOC_CMA)) {
		if (!__zone_watermark_ok(mem, z, 0, watermark + compact_gap((unsigned)order), highest_zoneidx, 0,
					 z->nr_free_pages))
			return COMPACT_SKIPPED;
	}
	if (!compaction_suitable(mem, z, order, watermark, highest_zoneidx))
		return COMPACT_SKIPPED;
	return COMPACT_CONTINUE;
}

/* ---------------------------------------------------------------------- */
/* The free scanner                                                       */
/* ---------------------------------------------------------------------- */

/*
 * __isolate_free_page(): take a free block off the buddy if the zone stays
 * above min + the block at order 0 (isolated pageblocks are exempt); a
 * block of at least half a pageblock turns its mergeable pageblocks
 * MOVABLE. Returns the pages taken (0: watermark).
 */
static unsigned long isolate_free_page(struct compact_control *cc, uint64_t pfn, unsigned order)
{
	struct frag_zone *z = cc->zone;
	uint32_t idx = pfn_to_idx(z, pfn);
	int mt = get_pageblock_migratetype(z, pfn);

	if (!is_migrate_isolate(mt)) {
		uint64_t watermark = z->_watermark[WMARK_MIN] + (1ull << order);
		if (!zone_watermark_ok(cc->mem, z, 0, watermark, 0, ALLOC_CMA))
			return 0;
	}
	__del_from_free_list(z, idx, order, z->pages[idx].mt);
	if (order >= PAGEBLOCK_ORDER - 1) {
		uint64_t end = pfn + (1ull << order) - 1;
		for (uint64_t p = pfn; p < end; p += PAGEBLOCK_NR_PAGES) {
			int bmt = get_pageblock_migratetype(z, p);
			if (migratetype_is_mergeable(bmt) && move_freepages_block(z, p, bmt, MIGRATE_MOVABLE) >= 0)
				set_pageblock_migratetype(z, p, MIGRATE_MOVABLE);
		}
	}
	return 1ul << order;
}

/*
 * isolate_freepages_block(): walk [*@start_pfn, @end_pfn) by @stride taking
 * free blocks whole onto cc->freepages[order] (tail), until the targets
 * cover the isolated sources. Compound pages are stepped over at once.
 * *@start_pfn returns where the walk stopped.
 */
static unsigned long isolate_freepages_block(struct compact_control *cc, uint64_t *start_pfn, uint64_t end_pfn,
					     unsigned stride)
{
	struct frag_zone *z = cc->zone;
	uint64_t zs = z->zone_start_pfn, blockpfn = *start_pfn;
	unsigned long nr_scanned = 0, total_isolated = 0;

	for (; blockpfn < end_pfn; blockpfn += stride) {
		const struct frag_page *pg = &z->pages[blockpfn - zs];

		nr_scanned++;
		if (pg->state == PG_ALLOC && (page_owner_flags(pg) & OWNER_COMPOUND)) {
			uint64_t n = 1ull << pg->order;
			if (blockpfn + n <= end_pfn) {
				blockpfn += n - 1;
				nr_scanned += n - 1;
			}
			continue;
		}
		if (pg->state != PG_BUDDY)
			continue;
		unsigned order = pg->order;
		unsigned long isolated = isolate_free_page(cc, blockpfn, order);
		if (!isolated)
			break;
		iso_list_add(z, &cc->freepages[order], pfn_to_idx(z, blockpfn), order, true);
		nr_scanned += isolated - 1;
		total_isolated += isolated;
		cc->nr_freepages += isolated;
		if (cc->nr_migratepages <= cc->nr_freepages) {
			blockpfn += isolated;
			break;
		}
		blockpfn += isolated - 1;
	}
	if (blockpfn > end_pfn)
		blockpfn = end_pfn;
	*start_pfn = blockpfn;
	cc->total_free_scanned += nr_scanned;
	if (total_isolated)
		frag_count(cc->mem, FRAG_STAT_compact_isolated, total_isolated);
	return total_isolated;
}

static void fast_isolate_freepages(struct compact_control *cc);

/*
 * isolate_freepages(): the free scanner. Unless fast_isolate_freepages()
 * found something: from cc->free_pfn down to the block after the migration
 * scanner's, in suitable blocks not marked skip, isolate
 * free pages until they cover the isolated sources. Async mode samples with
 * a stride of up to COMPACT_CLUSTER_MAX pages, back to 1 once a block gave
 * pages. A fully scanned block is marked skip. cc->free_pfn records where
 * to go on.
 */
static void isolate_freepages(struct compact_control *cc)
{
	struct frag_zone *z = cc->zone;
	unsigned stride = cc->mode == MIGRATE_ASYNC ? COMPACT_CLUSTER_MAX : 1;

	/* Try a small search of the free lists for a candidate. */
	fast_isolate_freepages(cc);
	if (cc->nr_freepages)
		return;

	uint64_t isolate_start_pfn = cc->free_pfn;
	uint64_t block_start = pageblock_start_pfn(isolate_start_pfn);
	uint64_t block_end = block_start + PAGEBLOCK_NR_PAGES;
	uint64_t low_pfn = pageblock_end_pfn(cc->migrate_pfn);

	if (block_end > zone_end_pfn(z))
		block_end = zone_end_pfn(z);
	for (; block_start >= low_pfn;
	     block_end = block_start, block_start -= PAGEBLOCK_NR_PAGES, isolate_start_pfn = block_start) {
		if (!pageblock_pfn_valid(z, block_start, block_end))
			continue;
		if (!suitable_migration_target(cc, block_start))
			continue;
		if (!isolation_suitable(cc, block_start))
			continue;

		unsigned long nr_isolated = isolate_freepages_block(cc, &isolate_start_pfn, block_end, stride);

		if (isolate_start_pfn == block_end)
			update_pageblock_skip(cc, block_start, block_start - PAGEBLOCK_NR_PAGES);

		if (cc->nr_freepages >= cc->nr_migratepages) {
			if (isolate_start_pfn >= block_end)
				isolate_start_pfn = block_start - PAGEBLOCK_NR_PAGES;   /* restart at the previous block */
			break;
		} else if (isolate_start_pfn < block_end) {
			break;   /* isolation failed early (watermark): do not go on */
		}
		if (nr_isolated) {
			stride = 1;
			continue;
		}
		stride = stride << 1 < COMPACT_CLUSTER_MAX ? stride << 1 : COMPACT_CLUSTER_MAX;
	}
	cc->free_pfn = isolate_start_pfn;
}

/*
 * move_freelist_head(): rotate a free list so that @idx is first (the
 * entries before it go to the tail): the next reverse search starts with
 * what this one did not reach.
 */
static void move_freelist_head(struct frag_zone *z, struct idx_list *l, uint32_t idx)
{
	if (l->head == idx)
		return;
	uint32_t new_tail = z->pages[idx].prev;
	z->pages[l->tail].next = l->head;
	z->pages[l->head].prev = l->tail;
	z->pages[new_tail].next = IDX_NONE;
	z->pages[idx].prev = IDX_NONE;
	l->head = idx;
	l->tail = new_tail;
}

/* move_freelist_tail(): rotate a free list so that @idx is last. */
static void move_freelist_tail(struct frag_zone *z, struct idx_list *l, uint32_t idx)
{
	if (l->tail == idx)
		return;
	uint32_t new_head = z->pages[idx].next;
	z->pages[l->tail].next = l->head;
	z->pages[l->head].prev = l->tail;
	z->pages[new_head].prev = IDX_NONE;
	z->pages[idx].next = IDX_NONE;
	l->head = new_head;
	l->tail = idx;
}

/* freelist_scan_limit(): shorter fast searches after each failure. */
static inline unsigned freelist_scan_limit(const struct compact_control *cc)
{
	unsigned shift = cc->fast_search_fail < 63 ? cc->fast_search_fail : 63;
	return (COMPACT_CLUSTER_MAX >> (shift < 32 ? shift : 31)) + 1;
}

/* next_search_order(): orders below cc->order round-robin; -1 when wrapped. */
static int next_search_order(struct compact_control *cc, int order)
{
	order--;
	if (order < 0)
		order = cc->order - 1;
	if (order == cc->search_order) {
		cc->search_order--;
		if (cc->search_order < 0)
			cc->search_order = cc->order - 1;
		return -1;
	}
	return order;
}

/*
 * fast_isolate_around(): after the fast search found a target at @pfn,
 * isolate the rest of its pageblock too (not for async direct compaction,
 * nor when there are enough targets); a block scanned to its end is marked
 * skip.
 */
static void fast_isolate_around(struct compact_control *cc, uint64_t pfn)
{
	struct frag_zone *z = cc->zone;
	uint64_t start_pfn, end_pfn;

	if (cc->nr_freepages >= cc->nr_migratepages)
		return;
	if (cc->direct_compaction && cc->mode == MIGRATE_ASYNC)
		return;
	start_pfn = pageblock_start_pfn(pfn);
	if (start_pfn < z->zone_start_pfn)
		start_pfn = z->zone_start_pfn;
	end_pfn = pageblock_end_pfn(pfn);
	if (end_pfn > zone_end_pfn(z))
		end_pfn = zone_end_pfn(z);
	if (!pageblock_pfn_valid(z, start_pfn, end_pfn))
		return;
	isolate_freepages_block(cc, &start_pfn, end_pfn, 1);
	if (start_pfn == end_pfn && !cc->no_set_skip_hint)
		set_pageblock_skip(z, pfn);
}

/*
 * fast_isolate_freepages(): before the linear free scan, search the
 * MOVABLE free lists of orders below cc->order (from the last good order,
 * round-robin), tail first, for a free block in the top quarter of the
 * scan space (or, failing that, the highest one in the top half), take it,
 * and the free pages around it. The searched list is rotated so the next
 * search goes on where this one stopped. At the start of a scan, a failed
 * search moves the free scanner down to the highest block seen (or to the
 * middle of the scan space for direct compaction). Whole-zone runs
 * (order -1) do not search.
 */
static void fast_isolate_freepages(struct compact_control *cc)
{
	struct frag_zone *z = cc->zone;
	unsigned limit = freelist_scan_limit(cc) >> 1;
	unsigned long nr_scanned = 0, total_isolated = 0;
	uint64_t low_pfn, min_pfn, highest = 0, distance;
	uint64_t page = FRAG_PFN_NONE;
	bool scan_start = false;

	if (cc->order <= 0)
		return;
	if (limit < 1)
		limit = 1;
	if (cc->free_pfn >= z->compact_init_free_pfn) {
		limit = PAGEBLOCK_NR_PAGES >> 1;
		scan_start = true;
	}
	/* Preferred: the top quarter of the scan space; acceptable: the top half. */
	distance = cc->free_pfn - cc->migrate_pfn;
	low_pfn = pageblock_start_pfn(cc->free_pfn - (distance >> 2));
	min_pfn = pageblock_start_pfn(cc->free_pfn - (distance >> 1));
	if (min_pfn > low_pfn)
		low_pfn = min_pfn;
	if (cc->search_order > cc->order - 1)
		cc->search_order = cc->order - 1;

	for (int order = cc->search_order; page == FRAG_PFN_NONE && order >= 0; order = next_search_order(cc, order)) {
		struct frag_free_area *area = &z->free_area[order];
		struct idx_list *freelist = &area->free_list[MIGRATE_MOVABLE];
		unsigned order_scanned = 0;
		uint64_t high_pfn = 0;
		uint32_t stop = IDX_NONE;   /* where the reverse walk broke off */

		if (!area->nr_free)
			continue;
		for (uint32_t i = freelist->tail; i != IDX_NONE; i = z->pages[i].prev) {
			uint64_t pfn = idx_to_pfn(z, i);

			order_scanned++;
			nr_scanned++;
			if (pfn >= highest) {
				highest = pageblock_start_pfn(pfn);
				if (highest < z->zone_start_pfn)
					highest = z->zone_start_pfn;
			}
			if (pfn >= min_pfn && !fast_target_allowed(cc, pfn)) {
				/* A policy refused the block: not a candidate. */
			} else if (pfn >= low_pfn) {
				cc->fast_search_fail = 0;
				cc->search_order = order;
				page = pfn;
				stop = i;
				break;
			} else if (pfn >= min_pfn && pfn > high_pfn) {
				high_pfn = pfn;
				limit >>= 1;   /* shorten the scan once a candidate is found */
			}
			if (order_scanned >= limit) {
				stop = i;
				break;
			}
		}
		if (page == FRAG_PFN_NONE && high_pfn) {
			page = high_pfn;
			stop = pfn_to_idx(z, high_pfn);
		}
		if (stop != IDX_NONE)
			move_freelist_head(z, freelist, stop);
		if (page != FRAG_PFN_NONE) {
			unsigned long n = isolate_free_page(cc, page, (unsigned)order);
			if (n) {
				iso_list_add(z, &cc->freepages[order], pfn_to_idx(z, page), (unsigned)order, true);
				nr_scanned += n - 1;
				total_isolated += n;
				cc->nr_freepages += n;
			} else {
				/* Isolation failed (watermark): abort the search. */
				order = cc->search_order + 1;
				page = FRAG_PFN_NONE;
			}
		}
		if (cc->nr_freepages >= cc->nr_migratepages)
			break;
		if (order_scanned >= limit)
			limit = limit >> 1 ? limit >> 1 : 1;
	}

	if (page == FRAG_PFN_NONE) {
		cc->fast_search_fail++;
		if (scan_start) {
			/* The highest block seen above min, else (direct) the min mark. */
			if (highest >= min_pfn) {
				if (fast_target_allowed(cc, highest))
					page = highest;
				cc->free_pfn = highest;
			} else if (cc->direct_compaction && pfn_to_zone(cc->mem, min_pfn)) {
				/*
				 * pfn_valid(min_pfn): with the scanners crossed
				 * (free_pfn < migrate_pfn) the distance wraps and
				 * so does min_pfn; the kernel's pfn_valid() refuses
				 * such a pfn and free_pfn stays where it was
				 * (it hung quick.yaml, linux, seed 1, at t=134 s and
				 * predict on 40_before_compact_memory).
				 */
				uint64_t end = pageblock_end_pfn(min_pfn);
				if (end > zone_end_pfn(z))
					end = zone_end_pfn(z);
				if (pageblock_pfn_valid(z, min_pfn, end) && suitable_migration_target(cc, min_pfn))
					page = min_pfn;
				cc->free_pfn = min_pfn;
			}
		}
	}
	if (highest && highest >= z->compact_cached_free_pfn)
		z->compact_cached_free_pfn = highest - PAGEBLOCK_NR_PAGES;
	cc->total_free_scanned += nr_scanned;
	if (total_isolated)
		frag_count(cc->mem, FRAG_STAT_compact_isolated, total_isolated);
	if (page == FRAG_PFN_NONE)
		return;
	fast_isolate_around(cc, page);
}

/*
 * compaction_alloc(): the migration target for a source of @order: the
 * smallest isolated free block that fits, split (upper halves back to the
 * head of the private lists); the free scanner runs once if none is left.
 */
static uint64_t compaction_alloc(struct frag_mem *mem, void *arg, uint64_t src_pfn, unsigned order)
{
	struct compact_control *cc = arg;
	struct frag_zone *z = cc->zone;
	bool has_isolated_pages = false;
	unsigned start_order;
	(void)mem;
	(void)src_pfn;

again:
	for (start_order = order; start_order < NR_PAGE_ORDERS; start_order++)
		if (cc->freepages[start_order].head != IDX_NONE)
			break;
	if (start_order == NR_PAGE_ORDERS) {
		if (has_isolated_pages)
			return FRAG_PFN_NONE;
		isolate_freepages(cc);
		has_isolated_pages = true;
		goto again;
	}
	uint32_t idx = cc->freepages[start_order].head;
	iso_list_del(z, &cc->freepages[start_order], idx);
	while (start_order > order) {
		start_order--;
		iso_list_add(z, &cc->freepages[start_order], idx + (1u << start_order), start_order, false);
	}
	cc->nr_freepages -= 1ull << order;
	cc->nr_migratepages -= 1ull << order;
	return idx_to_pfn(z, idx);
}

/* compaction_free(): a target migration did not use goes back on the list head. */
static void compaction_free(struct frag_mem *mem, void *arg, uint64_t pfn, unsigned order)
{
	struct compact_control *cc = arg;
	(void)mem;

	iso_list_add(cc->zone, &cc->freepages[order], pfn_to_idx(cc->zone, pfn), order, false);
	cc->nr_freepages += 1ull << order;
	cc->nr_migratepages += 1ull << order;
}

static const struct migrate_target_ops compaction_target_ops = {
	.alloc = compaction_alloc,
	.free = compaction_free,
};

/*
 * release_free_list(): give every unused isolated free page back to the
 * buddy (the kernel frees them through __free_pages(), so small ones land on
 * the compacting CPU's PCP list first; here they go to the buddy at once).
 * Returns the highest pfn released (0 if none).
 */
static uint64_t release_free_list(struct compact_control *cc)
{
	struct frag_zone *z = cc->zone;
	uint64_t high_pfn = 0;

	for (unsigned order = 0; order < NR_PAGE_ORDERS; order++) {
		while (cc->freepages[order].head != IDX_NONE) {
			uint32_t idx = cc->freepages[order].head;
			uint64_t pfn = idx_to_pfn(z, idx);
			iso_list_del(z, &cc->freepages[order], idx);
			__free_one_page(cc->mem, z, pfn, order, get_pageblock_migratetype(z, pfn), FPI_NONE);
			if (pfn > high_pfn)
				high_pfn = pfn;
		}
	}
	return high_pfn;
}

/* ---------------------------------------------------------------------- */
/* The migration scanner                                                  */
/* ---------------------------------------------------------------------- */

/*
 * skip_isolation_on_order(): compound pages are not migrated when they are
 * at least the target order (a free block of that order would not come of
 * it) or at least a pageblock; whole-zone runs take any smaller one (6.10+).
 */
static bool skip_isolation_on_order(unsigned order, int target_order)
{
	if (!is_via_compact_memory(target_order) && (int)order >= target_order)
		return true;
	return order >= PAGEBLOCK_ORDER;
}

/*
 * isolate_migratepages_block(): isolate migratable pages of
 * [@low_pfn, @end_pfn) (inside one pageblock) onto cc->migratepages.
 *  - A block marked skip is not scanned (checked at its first pfn).
 *  - Free buddies and compound pages that are not taken are stepped over;
 *    hugetlb folios only move for alloc_contig.
 *  - Taken: LRU folios (not anon pages with extra pins; not file pages
 *    under GFP_NOFS) and movable_ops pages. Everything else fails.
 *  - Taking the LRU lock for the first time marks the block skip (the
 *    kernel's test_and_set_skip(), so other compactors pass it by).
 *  - At most COMPACT_CLUSTER_MAX pages per call, unless the pageblock is
 *    to be finished.
 *  - Async direct compaction gives up the whole cc->order-aligned chunk at
 *    the first failure (skip_on_failure), putting back what it had taken.
 *  - A block scanned to its end with nothing taken (or being finished) is
 *    marked skip and the cached restart position moves past it.
 */
static void isolate_migratepages_block(struct compact_control *cc, uint64_t low_pfn, uint64_t end_pfn)
{
	struct frag_zone *z = cc->zone;
	uint64_t zs = z->zone_start_pfn;
	uint64_t nr_scanned = 0, nr_isolated = 0, next_skip_pfn = 0;
	uint64_t valid_pfn = FRAG_PFN_NONE;
	bool skip_on_failure = false, skip_updated = false;

	cc->migrate_pfn = low_pfn;
	if (cc->direct_compaction && cc->mode == MIGRATE_ASYNC) {
		skip_on_failure = true;
		next_skip_pfn = block_end_pfn(low_pfn, cc->order);
	}

	for (; low_pfn < end_pfn; low_pfn++) {
		if (skip_on_failure && low_pfn >= next_skip_pfn) {
			/* The previous cc->order chunk is fully isolated: migrate it now. */
			if (nr_isolated)
				break;
			next_skip_pfn = block_end_pfn(low_pfn, cc->order);
		}
		nr_scanned++;

		if (valid_pfn == FRAG_PFN_NONE && (pageblock_aligned(low_pfn) || low_pfn == zs)) {
			if (!isolation_suitable(cc, low_pfn)) {
				low_pfn = end_pfn;
				goto isolate_abort;
			}
			valid_pfn = low_pfn;
		}

		const struct frag_page *pg = &z->pages[low_pfn - zs];
		if (pg->state == PG_BUDDY) {
			uint64_t n = 1ull << pg->order;
			low_pfn += n - 1;
			nr_scanned += n - 1;
			continue;
		}
		if (pg->state != PG_ALLOC)
			goto isolate_fail;   /* tails, PCP pages, reserved pages */

		unsigned order = pg->order, kind = page_kind(pg), of = page_owner_flags(pg);
		if (kind == KIND_HUGETLB) {
			if (!cc->alloc_contig) {
				if (order <= MAX_PAGE_ORDER) {
					low_pfn += (1ull << order) - 1;
					nr_scanned += (1ull << order) - 1;
				}
				goto isolate_fail;
			}
			goto isolate_success;
		}
		if ((of & OWNER_COMPOUND) && !cc->alloc_contig && skip_isolation_on_order(order, cc->order)) {
			if (order <= MAX_PAGE_ORDER) {
				low_pfn += (1ull << order) - 1;
				nr_scanned += (1ull << order) - 1;
			}
			goto isolate_fail;
		}
		if (!(of & OWNER_LRU)) {
			if (of & OWNER_MOVABLE_OPS)
				goto isolate_success;   /* isolate_movable_ops_page() */
			goto isolate_fail;
		}
		/* An anon page with more references than mappings (pinned) would fail. */
		if ((of & OWNER_PINNED) && kind == KIND_ANON)
			goto isolate_fail;
		/* Only anonymous pages in GFP_NOFS context. */
		if (!(cc->gfp_mask & __GFP_FS) && kind == KIND_FILE)
			goto isolate_fail;
		/* First LRU lock in this call: test_and_set_skip(). */
		if (!skip_updated && valid_pfn != FRAG_PFN_NONE) {
			skip_updated = true;
			if (!cc->ignore_skip_hint && !cc->no_set_skip_hint)
				set_pageblock_skip(z, valid_pfn);
		}
isolate_success:
		FRAG_BUG_ON(cc->nr_migrate >= PAGEBLOCK_NR_PAGES);
		cc->migratepages[cc->nr_migrate++] = low_pfn;
		{
			uint64_t n = 1ull << order;
			low_pfn += n - 1;
			cc->nr_migratepages += n;
			nr_isolated += n;
			nr_scanned += n - 1;
		}
		if (cc->nr_migratepages >= COMPACT_CLUSTER_MAX && !cc->finish_pageblock && !cc->contended) {
			++low_pfn;
			break;
		}
		continue;
isolate_fail:
		if (!skip_on_failure)
			continue;
		/* Give back what this chunk took: its cc->order block cannot form. */
		if (nr_isolated) {
			cc->nr_migrate = 0;
			cc->nr_migratepages = 0;
			nr_isolated = 0;
		}
		if (low_pfn < next_skip_pfn) {
			low_pfn = next_skip_pfn - 1;
			next_skip_pfn += 1ull << cc->order;
		}
	}
	if (low_pfn > end_pfn)
		low_pfn = end_pfn;

isolate_abort:
	if (low_pfn == end_pfn && (!nr_isolated || cc->finish_pageblock)) {
		if (!cc->no_set_skip_hint && valid_pfn != FRAG_PFN_NONE && !skip_updated)
			set_pageblock_skip(z, valid_pfn);
		update_cached_migrate(cc, low_pfn);
	}
	cc->total_migrate_scanned += nr_scanned;
	if (nr_isolated)
		frag_count(cc->mem, FRAG_STAT_compact_isolated, nr_isolated);
	cc->migrate_pfn = low_pfn;
}

/* update_fast_start_pfn(): remember the lowest block the fast search chose. */
static inline void update_fast_start_pfn(struct compact_control *cc, uint64_t pfn)
{
	if (cc->fast_start_pfn == UINT64_MAX)
		return;
	if (!cc->fast_start_pfn || pfn < cc->fast_start_pfn)
		cc->fast_start_pfn = pfn;
}

/* reinit_migrate_pfn(): after a failed fast search, scan linearly from the
 * lowest block an earlier fast search chose (once). */
static inline uint64_t reinit_migrate_pfn(struct compact_control *cc)
{
	if (!cc->fast_start_pfn || cc->fast_start_pfn == UINT64_MAX)
		return cc->migrate_pfn;
	cc->migrate_pfn = cc->fast_start_pfn;
	cc->fast_start_pfn = UINT64_MAX;
	return cc->migrate_pfn;
}

/*
 * fast_find_migrateblock(): for costly orders (direct movable requests and
 * kcompactd), at a pageblock start and with skip hints obeyed, search the
 * MOVABLE free lists of orders cc->order-1 down to PAGE_ALLOC_COSTLY_ORDER
 * (head first, freelist_scan_limit() entries) for a partly free block in
 * the first half of the scan space (an eighth after the first pass), not
 * marked skip: migrating its pages frees a block sooner. The entry found
 * goes to its list's tail. Returns where the migration scanner goes on.
 */
static uint64_t fast_find_migrateblock(struct compact_control *cc)
{
	struct frag_zone *z = cc->zone;
	unsigned limit = freelist_scan_limit(cc), nr_scanned = 0;
	uint64_t pfn = cc->migrate_pfn, distance, high_pfn;
	bool found_block = false;

	if (cc->ignore_skip_hint || cc->finish_pageblock)
		return pfn;
	if (pfn != z->zone_start_pfn && pfn != pageblock_start_pfn(pfn))
		return pfn;   /* a continuation after COMPACT_CLUSTER_MAX */
	if (cc->order <= PAGE_ALLOC_COSTLY_ORDER)
		return pfn;
	if (cc->direct_compaction && cc->migratetype != MIGRATE_MOVABLE)
		return pfn;

	distance = (cc->free_pfn - cc->migrate_pfn) >> 1;
	if (cc->migrate_pfn != z->zone_start_pfn)
		distance >>= 2;
	high_pfn = pageblock_start_pfn(cc->migrate_pfn + distance);

	for (int order = cc->order - 1; order >= PAGE_ALLOC_COSTLY_ORDER && !found_block && nr_scanned < limit;
	     order--) {
		struct frag_free_area *area = &z->free_area[order];
		struct idx_list *freelist = &area->free_list[MIGRATE_MOVABLE];

		if (!area->nr_free)
			continue;
		for (uint32_t i = freelist->head; i != IDX_NONE; i = z->pages[i].next) {
			uint64_t free_pfn = idx_to_pfn(z, i);

			if (nr_scanned++ >= limit) {
				move_freelist_tail(z, freelist, i);
				break;
			}
			if (free_pfn < high_pfn) {
				if (get_pageblock_skip(z, free_pfn))
					continue;
				move_freelist_tail(z, freelist, i);
				update_fast_start_pfn(cc, free_pfn);
				pfn = pageblock_start_pfn(free_pfn);
				if (pfn < z->zone_start_pfn)
					pfn = z->zone_start_pfn;
				cc->fast_search_fail = 0;
				found_block = true;
				break;
			}
		}
	}
	cc->total_migrate_scanned += nr_scanned;
	if (!found_block) {
		cc->fast_search_fail++;
		pfn = reinit_migrate_pfn(cc);
	}
	return pfn;
}

/*
 * isolate_migratepages(): from where fast_find_migrateblock() says (or
 * cc->migrate_pfn), the first pageblock below the free scanner that is
 * valid, not marked skip (checked at a block start, unless the fast search
 * chose it) and a suitable source, isolated with isolate_migratepages_block().
 * Unsuitable blocks move the cached restart position.
 */
static enum isolate_migrate isolate_migratepages(struct compact_control *cc)
{
	struct frag_zone *z = cc->zone;
	uint64_t low_pfn = fast_find_migrateblock(cc);
	uint64_t block_start = pageblock_start_pfn(low_pfn);
	uint64_t block_end = pageblock_end_pfn(low_pfn);
	bool fast_find_block = low_pfn != cc->migrate_pfn && !cc->fast_search_fail;

	if (block_start < z->zone_start_pfn)
		block_start = z->zone_start_pfn;
	for (; block_end <= cc->free_pfn; fast_find_block = false,
	     cc->migrate_pfn = low_pfn = block_end, block_start = block_end, block_end += PAGEBLOCK_NR_PAGES) {
		if (!pageblock_pfn_valid(z, block_start, block_end))
			continue;
		if ((pageblock_aligned(low_pfn) || low_pfn == z->zone_start_pfn) && !fast_find_block &&
		    !isolation_suitable(cc, low_pfn))
			continue;
		if (!suitable_migration_source(cc, block_start)) {
			update_cached_migrate(cc, block_end);
			continue;
		}
		isolate_migratepages_block(cc, low_pfn, block_end);
		break;
	}
	return cc->nr_migratepages ? ISOLATE_SUCCESS : ISOLATE_NONE;
}

/*
 * migrate_pages(..., compaction_alloc, compaction_free, cc, mode,
 * MR_COMPACTION) over the isolated sources, most recently isolated first
 * (list_add() order). Returns the number that failed, or -ENOMEM when a
 * target could not be found (the rest are put back untried).
 */
static int migrate_isolated(struct compact_control *cc)
{
	int nr_failed = 0;

	for (unsigned i = cc->nr_migrate; i-- > 0;) {
		if (i >= MIGRATE_PREFETCH_AHEAD)
			migrate_prefetch_owner(cc->mem, cc->zone, cc->migratepages[i - MIGRATE_PREFETCH_AHEAD]);
		int rc = migrate_block(cc->mem, cc->migratepages[i], &compaction_target_ops, cc, cc->mode, 0);
		if (rc == -ENOMEM)
			return -ENOMEM;
		if (rc)
			nr_failed++;
	}
	return nr_failed;
}

/* ---------------------------------------------------------------------- */
/* A run                                                                  */
/* ---------------------------------------------------------------------- */

/*
 * Compaction's PCP drains, counted (compact_drain, compact_drain_pages) for
 * the SPB RFC's TODO ("compaction blowing out everybody's PCP"):
 * compaction_drain_local() is lru_add_drain_cpu_zone() -> drain_local_pages(zone)
 * of the compacting CPU, compaction_drain_all() kcompactd's drain_all_pages(zone).
 * compact_drain counts CPU lists that held pages; the pages are also in
 * pcp_drain_pages.
 */
static void compaction_drain_local(struct frag_mem *mem, struct frag_zone *z, unsigned cpu)
{
	uint64_t before = mem->stat[FRAG_STAT_pcp_drain_pages];

	if (!zone_pcp(z, cpu)->count)
		return;
	drain_pages_zone(mem, z, cpu);
	frag_count(mem, FRAG_STAT_compact_drain, 1);
	frag_count(mem, FRAG_STAT_compact_drain_pages, mem->stat[FRAG_STAT_pcp_drain_pages] - before);
}

static void compaction_drain_all(struct frag_mem *mem, struct frag_zone *z)
{
	uint64_t before = mem->stat[FRAG_STAT_pcp_drain_pages];
	unsigned cpus = 0;

	for (unsigned cpu = 0; cpu < mem->nr_cpus; cpu++)
		cpus += zone_pcp(z, cpu)->count != 0;
	frag_drain_all_pages(mem, (int)z->id);
	frag_count(mem, FRAG_STAT_compact_drain, cpus);
	frag_count(mem, FRAG_STAT_compact_drain_pages, mem->stat[FRAG_STAT_pcp_drain_pages] - before);
}

/* compact_scanners_met(): the free scanner's block is at or below the migration scanner's. */
static inline bool compact_scanners_met(const struct compact_control *cc)
{
	return (cc->free_pfn >> PAGEBLOCK_ORDER) <= (cc->migrate_pfn >> PAGEBLOCK_ORDER);
}

/* fragmentation_score_wmark(): low = max(100 - proactiveness, 5), high = min(low + 10, 100). */
static unsigned fragmentation_score_wmark(const struct frag_mem *mem, bool low)
{
	unsigned wmark_low = 100 - mem->sysctl.compaction_proactiveness;
	if (wmark_low < 5)
		wmark_low = 5;
	if (low)
		return wmark_low;
	return wmark_low + 10 < 100 ? wmark_low + 10 : 100;
}

/*
 * __compact_finished():
 *  1. scanners met: reset the cached positions (a direct compactor also
 *     asks kswapd to clear the skip hints); COMPLETE for a whole-zone run,
 *     else PARTIAL_SKIPPED;
 *  2. proactive: PARTIAL_SKIPPED while kswapd runs, SUCCESS once the zone's
 *     score is at most the low mark;
 *  3. compact_memory (order -1): go on;
 *  4. never stop inside a pageblock;
 *  5. kcompactd under defrag_mode: SUCCESS once the high watermark is met
 *     in whole free pageblocks;
 *  6. SUCCESS if some order >= cc->order has a free block of the request's
 *     type, a CMA block for a movable request, or a block the allocator may
 *     claim from another type (find_suitable_fallback(claimable) >= 0);
 *     else NO_SUITABLE_PAGE.
 */
static enum compact_result __compact_finished(struct compact_control *cc)
{
	struct frag_zone *z = cc->zone;

	if (compact_scanners_met(cc)) {
		reset_cached_positions(z);
		if (cc->direct_compaction)
			z->compact_blockskip_flush = true;
		return cc->whole_zone ? COMPACT_COMPLETE : COMPACT_PARTIAL_SKIPPED;
	}
	if (cc->proactive_compaction) {
		if (cc->mem->nodes[z->nid].kswapd_active)
			return COMPACT_PARTIAL_SKIPPED;
		return frag_fragmentation_score_zone(cc->mem, z->id) > fragmentation_score_wmark(cc->mem, true) ?
			       COMPACT_CONTINUE : COMPACT_SUCCESS;
	}
	if (is_via_compact_memory(cc->order))
		return COMPACT_CONTINUE;
	if (!pageblock_aligned(cc->migrate_pfn))
		return COMPACT_CONTINUE;
	if (cc->mem->sysctl.defrag_mode && !cc->direct_compaction)
		return __zone_watermark_ok(cc->mem, z, (unsigned)cc->order, high_wmark_pages(z), cc->highest_zoneidx,
					   cc->alloc_flags, z->nr_free_pages_blocks) ? COMPACT_SUCCESS : COMPACT_CONTINUE;

	for (unsigned order = (unsigned)cc->order; order < NR_PAGE_ORDERS; order++) {
		const struct frag_free_area *area = &z->free_area[order];
		if (area->nr_free_mt[cc->migratetype])
			return COMPACT_SUCCESS;
		if (cc->migratetype == MIGRATE_MOVABLE && area->nr_free_mt[MIGRATE_CMA])
			return COMPACT_SUCCESS;
		if (find_suitable_fallback(cc->mem, z, order, cc->migratetype, true) >= 0)
			return COMPACT_SUCCESS;
	}
	return COMPACT_NO_SUITABLE_PAGE;
}

/* compact_finished(): NO_SUITABLE_PAGE means go on. */
static enum compact_result compact_finished(struct compact_control *cc)
{
	enum compact_result ret = __compact_finished(cc);
	return ret == COMPACT_NO_SUITABLE_PAGE ? COMPACT_CONTINUE : ret;
}

/*
 * compact_zone(): one run over cc->zone. Requests that would already pass
 * their watermark, or for which compaction is unsuitable, return at once.
 * The scanners start from the zone ends (whole_zone) or the cached
 * positions (a run that starts at the zone's first source is whole-zone
 * too). Then isolate, migrate, check (compact_finished()) until done; a
 * failed migration in a non-sync, hinted run rescans the rest of the block
 * (finish_pageblock) so that it gets marked skip; a captured page ends the
 * run with SUCCESS. Unused free pages are released and the free scanner's
 * cached position moved back to the highest of them.
 */
static enum compact_result compact_zone(struct compact_control *cc, struct capture_control *capc)
{
	struct frag_zone *z = cc->zone;
	uint64_t start_pfn = z->zone_start_pfn, end_pfn = zone_end_pfn(z);
	const bool sync = cc->mode != MIGRATE_ASYNC;
	uint64_t last_migrated_pfn;
	enum compact_result ret;
	bool update_cached;

	cc->total_migrate_scanned = 0;
	cc->total_free_scanned = 0;
	cc->fast_start_pfn = 0;
	cc->nr_migratepages = 0;
	cc->nr_freepages = 0;
	cc->nr_migrate = 0;
	for (unsigned o = 0; o < NR_PAGE_ORDERS; o++)
		cc->freepages[o] = (struct idx_list){ IDX_NONE, IDX_NONE };
	cc->migratetype = gfp_migratetype(cc->gfp_mask, cc->mem->mobility_disabled);

	if (!is_via_compact_memory(cc->order)) {
		ret = compaction_suit_allocation_order(cc->mem, z, cc->order, cc->highest_zoneidx, cc->alloc_flags,
						       cc->mode == MIGRATE_ASYNC, !cc->direct_compaction);
		if (ret != COMPACT_CONTINUE)
			return ret;
	}

	/* Clear the skip hints when retrying after a maximal deferral. */
	if (compaction_restarting(z, cc->order))
		__reset_isolation_suitable(z);

	if (cc->whole_zone) {
		cc->migrate_pfn = start_pfn;
		cc->free_pfn = pageblock_start_pfn(end_pfn - 1);
	} else {
		cc->migrate_pfn = z->compact_cached_migrate_pfn[sync];
		cc->free_pfn = z->compact_cached_free_pfn;
		if (cc->free_pfn < start_pfn || cc->free_pfn >= end_pfn) {
			cc->free_pfn = pageblock_start_pfn(end_pfn - 1);
			z->compact_cached_free_pfn = cc->free_pfn;
		}
		if (cc->migrate_pfn < start_pfn || cc->migrate_pfn >= end_pfn) {
			cc->migrate_pfn = start_pfn;
			z->compact_cached_migrate_pfn[0] = cc->migrate_pfn;
			z->compact_cached_migrate_pfn[1] = cc->migrate_pfn;
		}
		if (cc->migrate_pfn <= z->compact_init_migrate_pfn)
			cc->whole_zone = true;
	}
	last_migrated_pfn = 0;
	/* Async and sync share a restart point while async finds nothing suitable. */
	update_cached = !sync && z->compact_cached_migrate_pfn[0] == z->compact_cached_migrate_pfn[1];

	while ((ret = compact_finished(cc)) == COMPACT_CONTINUE) {
		uint64_t iteration_start_pfn = cc->migrate_pfn;

		/* Avoid rescanning one pageblock: the second visit finishes it. */
		cc->finish_pageblock = pageblock_start_pfn(last_migrated_pfn) == pageblock_start_pfn(iteration_start_pfn);
rescan:
		switch (isolate_migratepages(cc)) {
		case ISOLATE_ABORT:
		case ISOLATE_NONE:
			if (update_cached)
				z->compact_cached_migrate_pfn[1] = z->compact_cached_migrate_pfn[0];
			goto check_drain;
		case ISOLATE_SUCCESS:
			update_cached = false;
			last_migrated_pfn = pageblock_start_pfn(cc->migrate_pfn - 1);
			if (last_migrated_pfn < start_pfn)
				last_migrated_pfn = start_pfn;
			break;
		}

		int err = migrate_isolated(cc);
		cc->nr_migratepages = 0;
		cc->nr_migrate = 0;
		if (err) {
			/* Out of targets: the free scanner met us, or the zone is at its watermark. */
			if (err == -ENOMEM && !compact_scanners_met(cc)) {
				ret = COMPACT_CONTENDED;
				goto out;
			}
			if (!pageblock_aligned(cc->migrate_pfn) && !cc->ignore_skip_hint && !cc->finish_pageblock &&
			    cc->mode < MIGRATE_SYNC) {
				cc->finish_pageblock = true;
				if (cc->order == HPAGE_PMD_ORDER)
					last_migrated_pfn = 0;
				goto rescan;
			}
		}
		if (capc && capc->page != FRAG_PFN_NONE) {
			ret = COMPACT_SUCCESS;
			break;
		}
check_drain:
		/* Past the cc->order block it migrated from: lru_add_drain_cpu_zone()
		 * drains the compacting CPU's PCP lists of the zone (the migrated
		 * sources went straight to the buddy in the model; what is drained
		 * is what the CPU had cached). kcompactd has no CPU in the model. */
		if (cc->order > 0 && last_migrated_pfn &&
		    last_migrated_pfn < block_start_pfn(cc->migrate_pfn, cc->order)) {
			if (cc->cpu >= 0)
				compaction_drain_local(cc->mem, z, (unsigned)cc->cpu);
			last_migrated_pfn = 0;
		}
	}

out:
	if (cc->nr_freepages > 0) {
		uint64_t free_pfn = pageblock_start_pfn(release_free_list(cc));
		cc->nr_freepages = 0;
		/* Only go back, not forward: compact_finished() may have reset it. */
		if (free_pfn > z->compact_cached_free_pfn)
			z->compact_cached_free_pfn = free_pfn;
	}
	frag_count(cc->mem, FRAG_STAT_compact_migrate_scanned, cc->total_migrate_scanned);
	frag_count(cc->mem, FRAG_STAT_compact_free_scanned, cc->total_free_scanned);
	return ret;
}

/* ---------------------------------------------------------------------- */
/* Direct compaction                                                      */
/* ---------------------------------------------------------------------- */

/*
 * compact_zone_order(): one direct run at @prio: ASYNC mode at
 * COMPACT_PRIO_ASYNC, else SYNC_LIGHT; SYNC_FULL scans the whole zone,
 * ignores skip hints and takes targets from any block type. A block of
 * @order freed in the zone meanwhile is captured (compaction_capture()),
 * which makes the run a SUCCESS.
 */
static enum compact_result compact_zone_order(struct frag_mem *mem, struct frag_zone *z, unsigned order, gfp_t gfp,
					      int prio, unsigned alloc_flags, enum zone_type highest_zoneidx,
					      uint64_t *capture)
{
	struct compact_control cc = {
		.mem = mem,
		.zone = z,
		.order = (int)order,
		.search_order = (int)order,
		.gfp_mask = gfp,
		.mode = prio == COMPACT_PRIO_ASYNC ? MIGRATE_ASYNC : MIGRATE_SYNC_LIGHT,
		.alloc_flags = alloc_flags,
		.highest_zoneidx = highest_zoneidx,
		.direct_compaction = true,
		.whole_zone = prio == MIN_COMPACT_PRIORITY,
		.ignore_skip_hint = prio == MIN_COMPACT_PRIORITY,
		.ignore_block_suitable = prio == MIN_COMPACT_PRIORITY,
		.cpu = mem->compact_cpu,
	};
	struct capture_control capc = {
		.zone = z,
		.order = (int)order,
		.migratetype = gfp_migratetype(gfp, mem->mobility_disabled),
		.page = FRAG_PFN_NONE,
	};
	enum compact_result ret;

	mem->capc = &capc;
	ret = compact_zone(&cc, &capc);
	mem->capc = NULL;
	*capture = capc.page;
	if (*capture != FRAG_PFN_NONE)
		ret = COMPACT_SUCCESS;
	return ret;
}

/**
 * try_to_compact_pages() - direct compaction for an allocation of @order
 * from node @nid's zonelist (own zones only with __GFP_THISNODE), zones up
 * to gfp_zone(): needs __GFP_IO; a deferred zone is skipped unless at
 * SYNC_FULL; the first SUCCESS stops (compaction_defer_reset(false)); a
 * sync run that found nothing defers the zone. Returns the best result
 * (enum order) and, in *@capture, a captured block or FRAG_PFN_NONE.
 * A compaction never nests (the kernel's PF_MEMALLOC).
 */
enum compact_result try_to_compact_pages(struct frag_mem *mem, unsigned nid, unsigned order, gfp_t gfp,
					 unsigned alloc_flags, int prio, uint64_t *capture)
{
	const struct frag_node *node = &mem->nodes[nid];
	enum zone_type highest_zoneidx = gfp_zone(gfp);
	enum compact_result rc = COMPACT_SKIPPED;
	unsigned nr = node->nr_zonelist;

	*capture = FRAG_PFN_NONE;
	if (!(gfp & __GFP_IO) || mem->capc)   /* gfp_compaction_allowed() */
		return COMPACT_SKIPPED;
	if (gfp & __GFP_THISNODE) {
		nr = 0;
		for (int t = 0; t < MAX_NR_ZONES; t++)
			nr += node->zone_of_type[t] >= 0;
	}
	for (unsigned i = 0; i < nr; i++) {
		struct frag_zone *z = &mem->zones[node->zonelist[i]];
		enum compact_result status;

		if (z->type > highest_zoneidx)
			continue;
		if (prio > MIN_COMPACT_PRIORITY && compaction_deferred(z, (int)order)) {
			if (rc < COMPACT_DEFERRED)
				rc = COMPACT_DEFERRED;
			continue;
		}
		status = compact_zone_order(mem, z, order, gfp, prio, alloc_flags, highest_zoneidx, capture);
		if (status > rc)
			rc = status;
		if (status == COMPACT_SUCCESS) {
			compaction_defer_reset(z, (int)order, false);
			break;
		}
		if (prio != COMPACT_PRIO_ASYNC && (status == COMPACT_COMPLETE || status == COMPACT_PARTIAL_SKIPPED))
			defer_compaction(z, (int)order);
	}
	return rc;
}

/* ---------------------------------------------------------------------- */
/* kcompactd, proactive compaction, compact_memory                        */
/* ---------------------------------------------------------------------- */

static unsigned kcompactd_alloc_flags(const struct frag_mem *mem)
{
	return mem->sysctl.defrag_mode ? ALLOC_WMARK_HIGH : ALLOC_WMARK_MIN;
}

/* kcompactd_node_suitable(): some zone up to the requested one would compact. */
static bool kcompactd_node_suitable(const struct frag_mem *mem, unsigned nid)
{
	const struct frag_node *node = &mem->nodes[nid];

	for (int t = 0; t <= (int)node->kcompactd_highest_zoneidx; t++) {
		if (node->zone_of_type[t] < 0)
			continue;
		const struct frag_zone *z = &mem->zones[node->zone_of_type[t]];
		if (compaction_suit_allocation_order(mem, z, (int)node->kcompactd_max_order,
						     node->kcompactd_highest_zoneidx, kcompactd_alloc_flags(mem), false,
						     true) == COMPACT_CONTINUE)
			return true;
	}
	return false;
}

/**
 * wakeup_kcompactd() - ask node @nid's kcompactd for a block of @order
 * (kswapd before it sleeps; wakeup_kswapd() for a balanced node when the
 * caller cannot reclaim): record the largest order and the lowest zone
 * limit, and wake it through env.wakeup_kcompactd() if some zone is
 * suitable. Order 0 is ignored.
 */
void wakeup_kcompactd(struct frag_mem *mem, unsigned nid, unsigned order, enum zone_type highest_zoneidx)
{
	struct frag_node *node = &mem->nodes[nid];

	if (!order)
		return;
	frag_count(mem, FRAG_STAT_kcompactd_wake_request, 1);
	if (node->kcompactd_max_order < order)
		node->kcompactd_max_order = order;
	if (node->kcompactd_highest_zoneidx > highest_zoneidx)
		node->kcompactd_highest_zoneidx = highest_zoneidx;
	if (!kcompactd_node_suitable(mem, nid))
		return;
	if (mem->env.wakeup_kcompactd)
		mem->env.wakeup_kcompactd(mem->env.arg, nid, node->kcompactd_max_order, node->kcompactd_highest_zoneidx);
}

void frag_wakeup_kcompactd(struct frag_mem *mem, unsigned nid, unsigned order, enum zone_type highest_zoneidx)
{
	if (nid < mem->nr_nodes)
		wakeup_kcompactd(mem, nid, order, highest_zoneidx);
}

bool frag_kcompactd_work_requested(const struct frag_mem *mem, unsigned nid, unsigned *order,
				   enum zone_type *highest_zoneidx)
{
	const struct frag_node *node = &mem->nodes[nid];
	*order = node->kcompactd_max_order;
	*highest_zoneidx = node->kcompactd_highest_zoneidx;
	return node->kcompactd_max_order > 0;
}

/* The highest populated zone type of a node (pgdat->nr_zones - 1). */
static enum zone_type node_highest_zone(const struct frag_node *node)
{
	enum zone_type t = ZONE_DMA;
	for (int i = 0; i < MAX_NR_ZONES; i++)
		if (node->zone_of_type[i] >= 0)
			t = (enum zone_type)i;
	return t;
}

/**
 * frag_kcompactd_do_work() - kcompactd_do_work(): for each zone of @nid up
 * to @highest_zoneidx, skip deferred and unsuitable zones and run
 * compact_zone() at SYNC_LIGHT with skip hints for a block of @order;
 * SUCCESS resets the deferral; COMPLETE or PARTIAL_SKIPPED drains the PCP
 * lists (stranded buddies) and defers. Counts compact_daemon_wake and the
 * daemon scan counters; then clears the request if nothing larger came in.
 */
void frag_kcompactd_do_work(struct frag_mem *mem, unsigned nid, unsigned order, enum zone_type highest_zoneidx)
{
	struct frag_node *node = &mem->nodes[nid];

	frag_count(mem, FRAG_STAT_compact_daemon_wake, 1);
	for (int t = 0; t <= (int)highest_zoneidx; t++) {
		if (node->zone_of_type[t] < 0)
			continue;
		struct frag_zone *z = &mem->zones[node->zone_of_type[t]];
		struct compact_control cc = {
			.mem = mem,
			.zone = z,
			.order = (int)order,
			.search_order = (int)order,
			.highest_zoneidx = highest_zoneidx,
			.mode = MIGRATE_SYNC_LIGHT,
			.gfp_mask = GFP_KERNEL,
			.alloc_flags = kcompactd_alloc_flags(mem),
			.cpu = -1,
		};

		if (compaction_deferred(z, (int)order))
			continue;
		if (compaction_suit_allocation_order(mem, z, (int)order, (enum zone_type)t, cc.alloc_flags, false,
						     true) != COMPACT_CONTINUE)
			continue;
		enum compact_result status = compact_zone(&cc, NULL);
		if (status == COMPACT_SUCCESS) {
			compaction_defer_reset(z, (int)order, false);
		} else if (status == COMPACT_PARTIAL_SKIPPED || status == COMPACT_COMPLETE) {
			compaction_drain_all(mem, z);
			defer_compaction(z, (int)order);
		}
		frag_count(mem, FRAG_STAT_compact_daemon_migrate_scanned, cc.total_migrate_scanned);
		frag_count(mem, FRAG_STAT_compact_daemon_free_scanned, cc.total_free_scanned);
	}
	if (node->kcompactd_max_order <= order)
		node->kcompactd_max_order = 0;
	if (node->kcompactd_highest_zoneidx >= highest_zoneidx)
		node->kcompactd_highest_zoneidx = node_highest_zone(node);
	frag_maybe_check(mem);
}

/*
 * compact_node(): every zone of @nid, whole zone, order -1, skip hints
 * ignored: SYNC_LIGHT and stopping at the low score mark for proactive
 * compaction (whose scans count as kcompactd's), SYNC for compact_memory.
 */
static void compact_node(struct frag_mem *mem, unsigned nid, bool proactive)
{
	for (unsigned i = 0; i < mem->nr_zones; i++) {
		struct frag_zone *z = &mem->zones[i];
		if (z->nid != nid)
			continue;
		struct compact_control cc = {
			.mem = mem,
			.zone = z,
			.order = -1,
			.mode = proactive ? MIGRATE_SYNC_LIGHT : MIGRATE_SYNC,
			.ignore_skip_hint = true,
			.whole_zone = true,
			.gfp_mask = GFP_KERNEL,
			.proactive_compaction = proactive,
			.cpu = -1,
		};
		compact_zone(&cc, NULL);
		if (proactive) {
			frag_count(mem, FRAG_STAT_compact_daemon_migrate_scanned, cc.total_migrate_scanned);
			frag_count(mem, FRAG_STAT_compact_daemon_free_scanned, cc.total_free_scanned);
		}
	}
}

bool frag_proactive_compaction_enabled(const struct frag_mem *mem)
{
	return mem->sysctl.compaction_proactiveness > 0;
}

/* should_proactive_compact_node(): proactiveness on, kswapd asleep, score above the high mark. */
static bool should_proactive_compact_node(const struct frag_mem *mem, unsigned nid)
{
	if (!mem->sysctl.compaction_proactiveness || mem->nodes[nid].kswapd_active)
		return false;
	return frag_fragmentation_score_node(mem, nid) > fragmentation_score_wmark(mem, false);
}

/**
 * frag_kcompactd_proactive() - the kcompactd() loop after its wait timed
 * out: compact the node proactively if should_proactive_compact_node();
 * returns the next timeout: HPAGE_FRAG_CHECK_INTERVAL (500 ms), or that
 * << COMPACT_MAX_DEFER_SHIFT (32 s) when the node's score did not drop.
 */
uint64_t frag_kcompactd_proactive(struct frag_mem *mem, unsigned nid)
{
	uint64_t timeout = FRAG_KCOMPACTD_INTERVAL_NS;

	if (nid >= mem->nr_nodes || !should_proactive_compact_node(mem, nid))
		return timeout;
	unsigned prev_score = frag_fragmentation_score_node(mem, nid);
	compact_node(mem, nid, true);
	unsigned score = frag_fragmentation_score_node(mem, nid);
	if (score >= prev_score)
		timeout <<= COMPACT_MAX_DEFER_SHIFT;
	frag_maybe_check(mem);
	return timeout;
}

/**
 * frag_compact_memory() - write to /proc/sys/vm/compact_memory
 * (sysctl_compaction_handler() -> compact_nodes()): compact every zone of
 * @nid (-1: every node) whole, in MIGRATE_SYNC mode.
 */
void frag_compact_memory(struct frag_mem *mem, int nid)
{
	for (unsigned n = 0; n < mem->nr_nodes; n++)
		if (nid < 0 || (unsigned)nid == n)
			compact_node(mem, n, false);
	frag_maybe_check(mem);
}

void frag_reset_isolation_suitable(struct frag_mem *mem, unsigned nid)
{
	if (nid < mem->nr_nodes)
		reset_isolation_suitable(mem, nid);
}
