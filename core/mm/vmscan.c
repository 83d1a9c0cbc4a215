/* SPDX-License-Identifier: MIT */
/*
 * vmscan.c - page reclaim: kswapd, direct reclaim, the LRU lists, shrinkers
 * and swap space.
 *
 * Mirrors mm/vmscan.c of Linux 6.18 with the classic LRU (not MGLRU; see
 * docs/kernel-model.md section 7 and docs/architecture.md "Reclaim"):
 *   wakeup_kswapd, pgdat_balanced, pgdat_watermark_boosted,
 *   prepare_kswapd_sleep, kswapd_try_to_sleep, kswapd, balance_pgdat,
 *   kswapd_shrink_node, try_to_free_pages, do_try_to_free_pages,
 *   shrink_zones, compaction_ready, shrink_node, prepare_scan_control,
 *   get_scan_count, shrink_lruvec, shrink_list, shrink_slab, do_shrink_slab,
 *   zone_reclaimable_pages, can_reclaim_anon_pages.
 *
 * The model keeps the LRU sizes (zone->nr_lru, maintained by prep_new_page()
 * and free_pages_prepare() for OWNER_LRU blocks of KIND_ANON and KIND_FILE)
 * and the swap slots. The order of the LRU lists and the objects behind them
 * belong to the environment (the workloads): reclaim asks it through
 * env.shrink_lru() and the registered shrinkers, which free pages with
 * frag_free_pages() before they return. Reclaim therefore re-enters the free
 * path from inside the allocation slowpath (direct reclaim) and from kswapd;
 * nothing here keeps a list position or a zone pointer's derived state
 * across those calls, only counters that are re-read afterwards.
 *
 * Simplifications (each one named where it applies):
 *  - one LRU list per type and node, no active/inactive split: every file
 *    page counts as inactive and not thrashing, so prepare_scan_control()
 *    enters cache_trim_mode whenever file >> priority is non-zero; there are
 *    no refault costs, so SCAN_FRACT weighs anon:file as swappiness:(200 -
 *    swappiness); kswapd_age_node() has nothing to age; the environment
 *    decides which scanned pages are referenced (kept) or reclaimed;
 *  - file pages are clean (no dirty pages, writeback or throttling); an
 *    anonymous page is reclaimed only with a free swap slot;
 *  - LRU sizes per zone bound the scan targets (lruvec_lru_size() with
 *    reclaim_idx) but the environment reclaims from the whole node;
 *  - no memcg (the root lruvec only, so no memcg_full_walk retry and no soft
 *    limit reclaim), no should_continue_reclaim() loop, no
 *    buffer_heads_over_limit, no cache_trim_mode_failed restart;
 *  - wakeup_kcompactd() forwards orders > 0 to the environment;
 *    kcompactd_max_order and kcompactd_node_suitable() are compaction.c's.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "frag/vmstat.h"
#include "internal.h"

static inline uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* struct scan_control, the fields the model uses. */
struct scan_control {
	uint64_t nr_to_reclaim;          /* how many pages shrink_lruvec() should reclaim */
	gfp_t gfp_mask;                  /* this context's GFP mask */
	unsigned order;                  /* allocation order */
	int priority;                    /* scan (total_size >> priority) pages at once */
	enum zone_type reclaim_idx;      /* the highest zone to reclaim for */
	bool may_swap;                   /* can anonymous pages be swapped */
	bool kswapd;                     /* current_is_kswapd() */
	bool compaction_ready;           /* one of the zones is ready for compaction */
	bool cache_trim_mode;            /* there is easily reclaimable cold cache on the node */
	bool file_is_tiny;               /* the file pages of the node are dangerously low */
	uint64_t nr_scanned;             /* LRU pages scanned */
	uint64_t nr_reclaimed;           /* pages freed so far */
	uint64_t reclaimed_slab;         /* current->reclaim_state->reclaimed: pages shrinkers freed */
};

/* A managed zone of type @t on @node (managed_zone()), or NULL. */
static inline struct frag_zone *node_zone(const struct frag_mem *mem, const struct frag_node *node, int t)
{
	int id = node->zone_of_type[t];
	if (id < 0 || !mem->zones[id].managed_pages)
		return NULL;
	return &mem->zones[id];
}

static inline uint64_t zone_free(const struct frag_zone *z)
{
	return z->nr_free_pages > 0 ? (uint64_t)z->nr_free_pages : 0;
}

/* ---------------------------------------------------------------------- */
/* Swap space and LRU sizes                                               */
/* ---------------------------------------------------------------------- */

int frag_swap_alloc(struct frag_mem *mem, uint64_t nr)
{
	if (mem->swap_pages - mem->swap_used < nr)
		return -ENOSPC;
	mem->swap_used += nr;
	return 0;
}

int frag_swap_free(struct frag_mem *mem, uint64_t nr)
{
	if (nr > mem->swap_used)
		return -EINVAL;
	mem->swap_used -= nr;
	return 0;
}

uint64_t frag_nr_swap_pages(const struct frag_mem *mem)
{
	return mem->swap_pages - mem->swap_used;
}

uint64_t frag_swap_used_pages(const struct frag_mem *mem)
{
	return mem->swap_used;
}

/* can_reclaim_anon_pages() without memcg or demotion: is there a free swap slot? */
static inline bool can_reclaim_anon_pages(const struct frag_mem *mem)
{
	return frag_nr_swap_pages(mem) > 0;
}

/* lruvec_lru_size(): pages on @lru in the node's zones up to @zone_idx. */
static uint64_t lruvec_lru_size(const struct frag_mem *mem, const struct frag_node *node, enum frag_lru lru,
				int zone_idx)
{
	uint64_t size = 0;
	for (int t = 0; t <= zone_idx && t < MAX_NR_ZONES; t++) {
		const struct frag_zone *z = node_zone(mem, node, t);
		if (z)
			size += z->nr_lru[lru];
	}
	return size;
}

uint64_t frag_node_lru_pages(const struct frag_mem *mem, unsigned nid, enum frag_lru lru)
{
	if (nid >= mem->nr_nodes || lru >= NR_FRAG_LRU)
		return 0;
	return lruvec_lru_size(mem, &mem->nodes[nid], lru, MAX_NR_ZONES - 1);
}

int frag_pfn_nid(const struct frag_mem *mem, uint64_t pfn)
{
	const struct frag_zone *z = pfn_to_zone(mem, pfn);
	return z ? (int)z->nid : -1;
}

void frag_prefetch_page(const struct frag_mem *mem, uint64_t pfn)
{
	if (pfn < mem->base_pfn || pfn >= mem->end_pfn)
		return;
	/* Each zone's pages[] is a window of mem->pages: no zone lookup for the page. */
	__builtin_prefetch(&mem->pages[pfn - mem->base_pfn], 1);
	const struct frag_zone *z = pfn_to_zone(mem, pfn);
	if (z)
		__builtin_prefetch(pfn_to_pb(z, pfn), 1);
}

/*
 * zone_reclaimable_pages(): file LRU pages, plus anonymous ones while swap
 * has room; a zone with neither counts its free pages (6.18: so that zones
 * like DMA32 are not skipped). An environment without shrink_lru() owns no
 * reclaimable LRU pages. The slowpath's should_reclaim_retry() reads this
 * through mem->reclaim.
 */
uint64_t vmscan_zone_reclaimable_pages(const struct frag_mem *mem, unsigned zone_id)
{
	const struct frag_zone *z = &mem->zones[zone_id];
	uint64_t nr = 0;

	if (mem->env.shrink_lru) {
		nr = z->nr_lru[FRAG_LRU_FILE];
		if (can_reclaim_anon_pages(mem))
			nr += z->nr_lru[FRAG_LRU_ANON];
	}
	if (!nr)
		nr = zone_free(z);
	return nr;
}

/* ---------------------------------------------------------------------- */
/* Restored LRU pages (FRAG_OWNER_SNAPSHOT)                               */
/* ---------------------------------------------------------------------- */

uint64_t frag_restored_lru_pages(const struct frag_mem *mem, unsigned nid, enum frag_lru lru)
{
	uint64_t nr = 0;
	if (nid >= mem->nr_nodes || lru >= NR_FRAG_LRU)
		return 0;
	for (unsigned zi = 0; zi < mem->nr_zones; zi++)
		if (mem->zones[zi].nid == nid)
			nr += mem->zones[zi].nr_restored_lru[lru];
	return nr;
}

/*
 * The LRU of a restored machine: a snapshot says which pages are on an LRU
 * (KPF_LRU), not in which order (LRU age), so the model picks one that does
 * not favour contiguity: pfn order *interleaved over the node's pageblocks*.
 * Position k of the walk (0 <= k < nb * pageblock_nr_pages, nb = the
 * pageblocks the node touches, pb0 its first) is pfn
 *   ((pb0 + k % nb) << pageblock_order) + k / nb:
 * page 0 of every pageblock, then page 1 of every pageblock, and so on, so
 * reclaim empties no pageblock before it has gone round the whole node
 * (plain pfn order would free whole pageblocks at once and make every
 * reclaimed page count for a hugepage; measured in docs/validation.md).
 * The cold end is a per-node, per-list cursor (restored_lru_cursor, the
 * position k) that wraps: each call continues where the last one stopped,
 * as shrink_inactive_list() continues from the new tail of the inactive
 * list; isolate_lru_folios() scans until @nr_to_scan pages (a folio counts
 * 2^order pages, found at its head's position, so the last one may
 * overshoot). shrink_folio_list() then:
 *  - file folios are clean (the model has no dirty pages or writeback):
 *    __remove_mapping() and the folio is freed (free_unref_folios() on the
 *    reclaiming CPU: frag_free_pages(@cpu));
 *  - anonymous folios need a swap slot (folio_alloc_swap()); without one
 *    the folio is kept (activate_locked), not split: a large folio is
 *    reclaimed whole or not at all;
 *  - nothing is referenced: no folio_check_references() second chance,
 *    no active list (the state has no KPF_ACTIVE/KPF_REFERENCED).
 * Positions in pageblocks without LRU pages (pb->nr_lru) are passed over,
 * and so are isolated pageblocks: a range under alloc_contig_range() keeps
 * its LRU pages on cc->migratepages, off the LRU
 * (isolate_migratepages_range()), and the model's contig.c holds them by
 * pfn, so reclaim must not free them underneath it (a migration target
 * allocation may enter direct reclaim); the rest of such a range is passed
 * over too (a simplification). A call goes round the node at most once and
 * stops as soon as it has looked at as many pages as the list held when it
 * began (the whole list once).
 */
uint64_t frag_shrink_restored_lru(struct frag_mem *mem, unsigned cpu, unsigned nid, enum frag_lru lru,
				  uint64_t nr_to_scan, uint64_t *nr_scanned)
{
	uint64_t scanned = 0, freed = 0, unseen;

	if (nr_scanned)
		*nr_scanned = 0;
	if (nid >= mem->nr_nodes || lru >= NR_FRAG_LRU || cpu >= mem->nr_cpus)
		return 0;
	unseen = frag_restored_lru_pages(mem, nid, lru);
	if (!unseen)
		return 0;
	struct frag_node *node = &mem->nodes[nid];
	uint64_t pb0 = node->start_pfn >> PAGEBLOCK_ORDER;
	uint64_t nb = ((node->end_pfn - 1) >> PAGEBLOCK_ORDER) - pb0 + 1;
	uint64_t span = nb * PAGEBLOCK_NR_PAGES, walked = 0;
	uint64_t k = node->restored_lru_cursor[lru] < span ? node->restored_lru_cursor[lru] : 0;

	while (scanned < nr_to_scan && unseen && walked < span) {
		uint64_t pfn = ((pb0 + k % nb) << PAGEBLOCK_ORDER) + k / nb;
		struct frag_zone *z = pfn_to_zone(mem, pfn);
		const struct frag_pageblock *pb = z ? pfn_to_pb(z, pfn) : NULL;
		if (pb && pb->nr_lru && !(pb->flags & PB_MIGRATE_ISOLATE) && z->nid == nid) {
			const struct frag_page *pg = &z->pages[pfn_to_idx(z, pfn)];
			if (pg->state == PG_ALLOC && pg->next == FRAG_OWNER_SNAPSHOT &&
			    lru_of(page_kind(pg), page_owner_flags(pg)) == (unsigned)lru) {
				unsigned order = pg->order;
				uint64_t n = 1ull << order;
				scanned += n;
				unseen -= n;
				if (lru == FRAG_LRU_FILE || !frag_swap_alloc(mem, n)) {
					FRAG_BUG_ON(frag_free_pages(mem, cpu, pfn, order));
					freed += n;
				}
			}
		}
		k = k + 1 < span ? k + 1 : 0;
		walked++;
	}
	node->restored_lru_cursor[lru] = k;
	if (nr_scanned)
		*nr_scanned = scanned;
	return freed;
}

/* ---------------------------------------------------------------------- */
/* Shrinkers (shrink_slab)                                                */
/* ---------------------------------------------------------------------- */

int frag_register_shrinker(struct frag_mem *mem, const struct frag_shrinker *shrinker)
{
	if (!shrinker || !shrinker->count_objects || !shrinker->scan_objects)
		return -EINVAL;
	struct frag_shrinker_slot *a = realloc(mem->shrinkers, (mem->nr_shrinkers + 1) * sizeof(*a));
	if (!a)
		return -ENOMEM;
	mem->shrinkers = a;
	struct frag_shrinker_slot *sl = &a[mem->nr_shrinkers];
	sl->s = *shrinker;
	sl->nr_deferred = calloc(mem->nr_nodes, sizeof(*sl->nr_deferred));
	if (!sl->nr_deferred)
		return -ENOMEM;
	return (int)mem->nr_shrinkers++;
}

/*
 * do_shrink_slab(): scan one shrinker on node @nid at @priority.
 *   delta = (freeable >> priority) * 4 / seeks (seeks 0: freeable / 2);
 *   total_scan = min(deferred >> priority + delta, 2 * freeable);
 * scan_objects() is called for batches of min(batch, total_scan) objects
 * while total_scan >= batch (SHRINK_BATCH = 128), or >= freeable (a small
 * cache under heavy pressure is scanned whole); work not done is deferred
 * to the next call: max(deferred + delta - scanned, 0), capped at
 * 2 * freeable. Returns the objects freed.
 */
uint64_t do_shrink_slab(struct frag_mem *mem, unsigned shrinker_id, unsigned nid, int priority)
{
	struct frag_shrinker_slot *sl = &mem->shrinkers[shrinker_id];
	const struct frag_shrinker *sh = &sl->s;
	int64_t batch_size = sh->batch ? sh->batch : FRAG_SHRINK_BATCH;
	int64_t freeable, nr, delta, total_scan, scanned = 0, next_deferred;
	uint64_t freed = 0;

	freeable = (int64_t)sh->count_objects(sh->arg, nid);
	if (freeable <= 0)
		return 0;
	nr = sl->nr_deferred[nid];   /* xchg_nr_deferred() */
	sl->nr_deferred[nid] = 0;

	if (sh->seeks)
		delta = (freeable >> priority) * 4 / sh->seeks;
	else
		delta = freeable / 2;
	total_scan = (nr >> priority) + delta;
	if (total_scan > 2 * freeable)
		total_scan = 2 * freeable;

	while (total_scan >= batch_size || total_scan >= freeable) {
		uint64_t nr_to_scan = (uint64_t)(total_scan < batch_size ? total_scan : batch_size);
		uint64_t nr_scanned = nr_to_scan;
		uint64_t ret = sh->scan_objects(sh->arg, nid, nr_to_scan, &nr_scanned);
		if (ret == FRAG_SHRINK_STOP)
			break;
		freed += ret;
		frag_count(mem, FRAG_STAT_slabs_scanned, nr_scanned);
		total_scan -= (int64_t)nr_scanned;
		scanned += (int64_t)nr_scanned;
		if (!nr_scanned)
			break;   /* the kernel would spin; the model stops */
	}

	next_deferred = nr + delta - scanned;
	if (next_deferred < 0)
		next_deferred = 0;
	if (next_deferred > 2 * freeable)
		next_deferred = 2 * freeable;
	sl->nr_deferred[nid] += next_deferred;   /* add_nr_deferred() */
	return freed;
}

/* shrink_slab(): every registered shrinker, in registration order (root memcg only). */
uint64_t shrink_slab(struct frag_mem *mem, gfp_t gfp, unsigned nid, int priority)
{
	uint64_t freed = 0;
	(void)gfp;
	for (unsigned i = 0; i < mem->nr_shrinkers; i++)
		freed += do_shrink_slab(mem, i, nid, priority);
	return freed;
}

/* ---------------------------------------------------------------------- */
/* LRU scanning: shrink_node                                              */
/* ---------------------------------------------------------------------- */

/*
 * prepare_scan_control(): cache_trim_mode when the node's (inactive, not
 * thrashing) file pages give something to scan at this priority;
 * file_is_tiny when file + free pages do not reach the node's high
 * watermarks while anon has pages to scan.
 */
static void prepare_scan_control(const struct frag_mem *mem, const struct frag_node *node, struct scan_control *sc)
{
	uint64_t file = lruvec_lru_size(mem, node, FRAG_LRU_FILE, MAX_NR_ZONES - 1);
	uint64_t anon = lruvec_lru_size(mem, node, FRAG_LRU_ANON, MAX_NR_ZONES - 1);
	uint64_t free = 0, total_high_wmark = 0;

	sc->cache_trim_mode = (file >> sc->priority) != 0;
	for (int t = 0; t < MAX_NR_ZONES; t++) {
		const struct frag_zone *z = node_zone(mem, node, t);
		if (!z)
			continue;
		free += zone_free(z);
		total_high_wmark += high_wmark_pages(z);
	}
	sc->file_is_tiny = file + free <= total_high_wmark && (anon >> sc->priority) != 0;
}

enum scan_balance { SCAN_EQUAL, SCAN_FRACT, SCAN_ANON, SCAN_FILE };

/*
 * get_scan_count(): pages to scan on each list, lruvec_lru_size() >>
 * priority, balanced:
 *   SCAN_FILE  without swap (or may_swap clear, as in boosted reclaim);
 *   SCAN_EQUAL at priority 0 (close to OOM) with swappiness;
 *   SCAN_ANON  when file_is_tiny;
 *   SCAN_FILE  in cache_trim_mode;
 *   SCAN_FRACT otherwise: anon * swappiness / 200, file * (200 - swappiness)
 *              / 200 (the refault costs anon_cost/file_cost are zero).
 */
static void get_scan_count(const struct frag_mem *mem, const struct frag_node *node, const struct scan_control *sc,
			   uint64_t nr[NR_FRAG_LRU])
{
	unsigned swappiness = mem->sysctl.swappiness;
	uint64_t fraction[NR_FRAG_LRU] = { 0, 0 }, denominator = 1;
	enum scan_balance balance;

	if (!sc->may_swap || !can_reclaim_anon_pages(mem)) {
		balance = SCAN_FILE;
	} else if (!sc->priority && swappiness) {
		balance = SCAN_EQUAL;
	} else if (sc->file_is_tiny) {
		balance = SCAN_ANON;
	} else if (sc->cache_trim_mode) {
		balance = SCAN_FILE;
	} else {
		balance = SCAN_FRACT;
		fraction[FRAG_LRU_ANON] = swappiness;
		fraction[FRAG_LRU_FILE] = 200 - swappiness;
		denominator = 200;
	}
	for (int lru = 0; lru < NR_FRAG_LRU; lru++) {
		uint64_t scan = lruvec_lru_size(mem, node, (enum frag_lru)lru, (int)sc->reclaim_idx) >> sc->priority;
		switch (balance) {
		case SCAN_EQUAL:
			break;
		case SCAN_FRACT:
			scan = scan * fraction[lru] / denominator;
			break;
		case SCAN_FILE:
		case SCAN_ANON:
			if ((balance == SCAN_FILE) != (lru == FRAG_LRU_FILE))
				scan = 0;
			break;
		}
		nr[lru] = scan;
	}
}

/*
 * shrink_list() -> shrink_inactive_list(): hand @nr_to_scan pages of @lru
 * to the environment. Anonymous pages need swap: at most the free slots are
 * offered (folio_alloc_swap() fails beyond them). Counts pgscan_*,
 * pgsteal_* and pswpout. The environment's answer is checked: every page it
 * reports reclaimed was freed, and every anonymous one took a swap slot.
 */
static uint64_t shrink_list(struct frag_mem *mem, unsigned nid, enum frag_lru lru, uint64_t nr_to_scan,
			    struct scan_control *sc)
{
	uint64_t nr_scanned = 0, nr_reclaimed;
	uint64_t pgfree0 = mem->stat[FRAG_STAT_pgfree], swap0 = mem->swap_used;

	if (!mem->env.shrink_lru)
		return 0;
	if (lru == FRAG_LRU_ANON)
		nr_to_scan = min_u64(nr_to_scan, frag_nr_swap_pages(mem));
	if (!nr_to_scan)
		return 0;
	nr_reclaimed = mem->env.shrink_lru(mem->env.arg, nid, lru, nr_to_scan, &nr_scanned);
	FRAG_BUG_ON(mem->stat[FRAG_STAT_pgfree] - pgfree0 != nr_reclaimed);
	FRAG_BUG_ON(lru == FRAG_LRU_ANON && mem->swap_used - swap0 != nr_reclaimed);

	frag_count(mem, sc->kswapd ? FRAG_STAT_pgscan_kswapd : FRAG_STAT_pgscan_direct, nr_scanned);
	frag_count(mem, sc->kswapd ? FRAG_STAT_pgsteal_kswapd : FRAG_STAT_pgsteal_direct, nr_reclaimed);
	if (lru == FRAG_LRU_ANON) {
		frag_count(mem, FRAG_STAT_pgscan_anon, nr_scanned);
		frag_count(mem, FRAG_STAT_pgsteal_anon, nr_reclaimed);
		frag_count(mem, FRAG_STAT_pswpout, nr_reclaimed);
	} else {
		frag_count(mem, FRAG_STAT_pgscan_file, nr_scanned);
		frag_count(mem, FRAG_STAT_pgsteal_file, nr_reclaimed);
	}
	sc->nr_scanned += nr_scanned;
	return nr_reclaimed;
}

/*
 * shrink_lruvec(): scan both lists in chunks of SWAP_CLUSTER_MAX until the
 * targets of get_scan_count() are used up. Once nr_to_reclaim is met
 * (except for direct reclaim at DEF_PRIORITY, which does the whole batch:
 * proportional_reclaim), stop scanning the list with less left and trim the
 * other to the share of its target the first had not scanned yet.
 */
static void shrink_lruvec(struct frag_mem *mem, unsigned nid, struct scan_control *sc)
{
	uint64_t nr[NR_FRAG_LRU], targets[NR_FRAG_LRU];
	uint64_t nr_reclaimed = 0, nr_to_reclaim = sc->nr_to_reclaim;
	bool proportional_reclaim = !sc->kswapd && sc->priority == DEF_PRIORITY;

	/* No environment to hand pages to (a clone for a prediction): shrink_list()
	 * would return 0 for every chunk; skip the (LRU size >> priority) / 32 loop. */
	if (!mem->env.shrink_lru)
		return;
	get_scan_count(mem, &mem->nodes[nid], sc, nr);
	memcpy(targets, nr, sizeof(nr));

	while (nr[FRAG_LRU_ANON] || nr[FRAG_LRU_FILE]) {
		for (int lru = 0; lru < NR_FRAG_LRU; lru++) {
			if (!nr[lru])
				continue;
			uint64_t nr_to_scan = min_u64(nr[lru], SWAP_CLUSTER_MAX);
			nr[lru] -= nr_to_scan;
			nr_reclaimed += shrink_list(mem, nid, (enum frag_lru)lru, nr_to_scan, sc);
		}
		if (nr_reclaimed < nr_to_reclaim || proportional_reclaim)
			continue;

		uint64_t nr_file = nr[FRAG_LRU_FILE], nr_anon = nr[FRAG_LRU_ANON], percentage;
		if (!nr_file || !nr_anon)
			break;
		int lru, other;
		if (nr_file > nr_anon) {
			lru = FRAG_LRU_ANON;
			percentage = nr_anon * 100 / (targets[FRAG_LRU_ANON] + 1);
		} else {
			lru = FRAG_LRU_FILE;
			percentage = nr_file * 100 / (targets[FRAG_LRU_FILE] + 1);
		}
		nr[lru] = 0;
		other = lru == FRAG_LRU_FILE ? FRAG_LRU_ANON : FRAG_LRU_FILE;
		uint64_t nr_scanned = targets[other] - nr[other];
		nr[other] = targets[other] * (100 - percentage) / 100;
		nr[other] -= min_u64(nr[other], nr_scanned);
	}
	sc->nr_reclaimed += nr_reclaimed;
}

/*
 * shrink_node(): the LRU lists, then the shrinkers (shrink_node_memcgs() for
 * the root memcg); pages the shrinkers freed count as reclaimed
 * (flush_reclaim_state()). Progress on the node revives a kswapd that gave
 * up (kswapd_failures = 0).
 */
static void shrink_node(struct frag_mem *mem, unsigned nid, struct scan_control *sc)
{
	struct frag_node *node = &mem->nodes[nid];
	uint64_t nr_reclaimed = sc->nr_reclaimed, pgfree;

	prepare_scan_control(mem, node, sc);
	shrink_lruvec(mem, nid, sc);
	pgfree = mem->stat[FRAG_STAT_pgfree];
	shrink_slab(mem, sc->gfp_mask, nid, sc->priority);
	sc->reclaimed_slab += mem->stat[FRAG_STAT_pgfree] - pgfree;   /* mm_account_reclaimed_pages() */
	/* flush_reclaim_state() */
	sc->nr_reclaimed += sc->reclaimed_slab;
	sc->reclaimed_slab = 0;
	if (sc->nr_reclaimed - nr_reclaimed)
		node->kswapd_failures = 0;
}

/* ---------------------------------------------------------------------- */
/* Direct reclaim                                                         */
/* ---------------------------------------------------------------------- */

/*
 * compaction_ready(): reclaim for a costly order stops in a zone that could
 * already allocate at its min watermark, or where compaction has the free
 * pages it needs (high watermark + compact_gap).
 */
static bool compaction_ready(const struct frag_mem *mem, const struct frag_zone *z, const struct scan_control *sc)
{
	if (!(sc->gfp_mask & __GFP_IO))   /* gfp_compaction_allowed() */
		return false;
	if (zone_watermark_ok(mem, z, sc->order, min_wmark_pages(z), sc->reclaim_idx, 0))
		return true;
	return compaction_suitable(mem, z, (int)sc->order, high_wmark_pages(z), sc->reclaim_idx);   /* compaction.c */
}

/* shrink_zones(): each node of the zonelist once, skipping zones ready for compaction. */
static void shrink_zones(struct frag_mem *mem, const unsigned *zonelist, unsigned nr, struct scan_control *sc)
{
	int last_nid = -1;

	for (unsigned i = 0; i < nr; i++) {
		const struct frag_zone *z = &mem->zones[zonelist[i]];
		if (z->type > sc->reclaim_idx)
			continue;
		if (sc->order > PAGE_ALLOC_COSTLY_ORDER && compaction_ready(mem, z, sc)) {
			sc->compaction_ready = true;
			continue;
		}
		if ((int)z->nid == last_nid)
			continue;
		last_nid = (int)z->nid;
		shrink_node(mem, z->nid, sc);
	}
}

static const enum frag_stat allocstall_stat[MAX_NR_ZONES] = {
	FRAG_STAT_allocstall_dma, FRAG_STAT_allocstall_dma32, FRAG_STAT_allocstall_normal, FRAG_STAT_allocstall_movable,
};

/*
 * try_to_free_pages() + do_try_to_free_pages(): direct reclaim of
 * SWAP_CLUSTER_MAX (32) pages over the zonelist of node @nid (its own zones
 * only with __GFP_THISNODE), priority DEF_PRIORITY (12) down to 0, stopping
 * once enough was reclaimed or (costly orders) a zone is compaction_ready.
 * Counts allocstall_<gfp_zone()>. Returns pages reclaimed; 1 when it stopped
 * for compaction without reclaiming (so that the allocator does not OOM).
 */
uint64_t try_to_free_pages(struct frag_mem *mem, unsigned nid, unsigned order, gfp_t gfp)
{
	const struct frag_node *node = &mem->nodes[nid];
	struct scan_control sc = {
		.nr_to_reclaim = SWAP_CLUSTER_MAX,
		.gfp_mask = gfp,
		.reclaim_idx = gfp_zone(gfp),
		.order = order,
		.priority = DEF_PRIORITY,
		.may_swap = true,
	};
	unsigned nr = node->nr_zonelist;

	if (gfp & __GFP_THISNODE) {
		nr = 0;
		for (int t = 0; t < MAX_NR_ZONES; t++)
			nr += node->zone_of_type[t] >= 0;
	}
	frag_count(mem, allocstall_stat[sc.reclaim_idx], 1);
	do {
		sc.nr_scanned = 0;
		shrink_zones(mem, node->zonelist, nr, &sc);
		if (sc.nr_reclaimed >= sc.nr_to_reclaim)
			break;
		if (sc.compaction_ready)
			break;
	} while (--sc.priority >= 0);

	if (sc.nr_reclaimed)
		return sc.nr_reclaimed;
	if (sc.compaction_ready)
		return 1;
	return 0;
}

/* ---------------------------------------------------------------------- */
/* kswapd                                                                 */
/* ---------------------------------------------------------------------- */

/*
 * wakeup_kcompactd() as seen from reclaim: order 0 is ignored; the rest is
 * compaction.c's (kcompactd_max_order, kcompactd_node_suitable()), reached
 * through the environment.
 */
/* wakeup_kcompactd() is compaction.c's: it records kcompactd_max_order and
 * the classzone for kcompactd_do_work() and wakes kcompactd if some zone is
 * suitable (kcompactd_node_suitable()). */
static void vmscan_wakeup_kcompactd(struct frag_mem *mem, unsigned nid, unsigned order, enum zone_type highest)
{
	wakeup_kcompactd(mem, nid, order, highest);
}

/*
 * pgdat_balanced(): some managed zone up to @highest_zoneidx passes its high
 * watermark for @order (__zone_watermark_ok(), no alloc flags); a node
 * without such zones needs no balancing. Under vm.defrag_mode a request of
 * order > 0 counts only the free pages in whole free pageblocks
 * (NR_FREE_PAGES_BLOCKS: "watermarks must be met in whole blocks",
 * a211c6550efc "mm: page_alloc: defrag_mode kswapd/kcompactd watermarks"
 * and its fix "defrag_mode && order"): kswapd woken for pageblock_order
 * reclaims until enough whole blocks are free, or until balance_pgdat()
 * drops to order 0 after a compaction gap and hands over to kcompactd.
 */
bool pgdat_balanced(const struct frag_mem *mem, unsigned nid, unsigned order, enum zone_type highest_zoneidx)
{
	const struct frag_node *node = &mem->nodes[nid];
	bool blocks = mem->sysctl.defrag_mode && order;
	bool any = false;

	for (int t = 0; t <= (int)highest_zoneidx && t < MAX_NR_ZONES; t++) {
		const struct frag_zone *z = node_zone(mem, node, t);
		if (!z)
			continue;
		any = true;
		int64_t free_pages = blocks ? z->nr_free_pages_blocks : z->nr_free_pages;
		if (__zone_watermark_ok(mem, z, order, high_wmark_pages(z), highest_zoneidx, 0, free_pages))
			return true;
	}
	return !any;
}

/* pgdat_watermark_boosted(): some managed zone up to @highest_zoneidx has a boost. */
static bool pgdat_watermark_boosted(const struct frag_mem *mem, const struct frag_node *node,
				    enum zone_type highest_zoneidx)
{
	for (int t = (int)highest_zoneidx; t >= 0; t--) {
		const struct frag_zone *z = t < MAX_NR_ZONES ? node_zone(mem, node, t) : NULL;
		if (z && z->watermark_boost)
			return true;
	}
	return false;
}

/*
 * wakeup_kswapd(): record the order and classzone kswapd should reclaim for
 * (pgdat->kswapd_order / kswapd_highest_zoneidx, MAX_NR_ZONES = none); a
 * kswapd that is running (not on its waitqueue) is not woken. A hopeless
 * node (kswapd_failures >= MAX_RECLAIM_RETRIES) or one balanced at the order
 * and not boosted is left alone, and kcompactd is woken instead when the
 * caller cannot reclaim directly. Otherwise kswapd is woken.
 */
void wakeup_kswapd(struct frag_mem *mem, struct frag_zone *z, gfp_t gfp, unsigned order, enum zone_type highest)
{
	struct frag_node *node = &mem->nodes[z->nid];

	if (!z->managed_pages)
		return;
	frag_count(mem, FRAG_STAT_kswapd_wake_request, 1);
	if (node->kswapd_highest_zoneidx == MAX_NR_ZONES || node->kswapd_highest_zoneidx < highest)
		node->kswapd_highest_zoneidx = highest;
	if (node->kswapd_order < order)
		node->kswapd_order = order;
	if (node->kswapd_active)
		return;
	if (node->kswapd_failures >= MAX_RECLAIM_RETRIES ||
	    (pgdat_balanced(mem, z->nid, order, highest) && !pgdat_watermark_boosted(mem, node, highest))) {
		if (!(gfp & __GFP_DIRECT_RECLAIM))
			vmscan_wakeup_kcompactd(mem, z->nid, order, highest);
		return;
	}
	if (mem->env.wakeup_kswapd)
		mem->env.wakeup_kswapd(mem->env.arg, z->nid, order, highest);
}

/* prepare_kswapd_sleep(): a hopeless node, or a balanced one, lets kswapd sleep. */
static bool prepare_kswapd_sleep(const struct frag_mem *mem, unsigned nid, unsigned order,
				 enum zone_type highest_zoneidx)
{
	if (mem->nodes[nid].kswapd_failures >= MAX_RECLAIM_RETRIES)
		return true;
	return pgdat_balanced(mem, nid, order, highest_zoneidx);
}

/*
 * kswapd_shrink_node(): reclaim up to the sum of max(high watermark,
 * SWAP_CLUSTER_MAX) of the eligible zones; once compact_gap(order) pages are
 * reclaimed for a high order, balance for order 0 and leave the rest to
 * kcompactd. True if at least that many pages were scanned (or reclaimed):
 * no need to raise the priority.
 */
static bool kswapd_shrink_node(struct frag_mem *mem, unsigned nid, struct scan_control *sc)
{
	const struct frag_node *node = &mem->nodes[nid];
	uint64_t nr_reclaimed = sc->nr_reclaimed;

	sc->nr_to_reclaim = 0;
	for (int t = 0; t <= (int)sc->reclaim_idx && t < MAX_NR_ZONES; t++) {
		const struct frag_zone *z = node_zone(mem, node, t);
		if (z) {
			uint64_t high = high_wmark_pages(z);
			sc->nr_to_reclaim += high > SWAP_CLUSTER_MAX ? high : SWAP_CLUSTER_MAX;
		}
	}
	shrink_node(mem, nid, sc);
	if (sc->order && sc->nr_reclaimed >= compact_gap(sc->order))
		sc->order = 0;
	uint64_t progress = sc->nr_reclaimed - nr_reclaimed;
	return (sc->nr_scanned > progress ? sc->nr_scanned : progress) >= sc->nr_to_reclaim;
}

/* set_reclaim_active() / clear_reclaim_active(): ZONE_RECLAIM_ACTIVE on the
 * node's zones up to @highest_zoneidx while balance_pgdat() runs; the PCP
 * lists of those zones then hold at most min(4 x batch, high) pages
 * (nr_pcp_high()). */
static void set_reclaim_active(struct frag_mem *mem, const struct frag_node *node, enum zone_type highest_zoneidx,
			       bool on)
{
	for (int t = 0; t <= (int)highest_zoneidx && t < MAX_NR_ZONES; t++) {
		struct frag_zone *z = node_zone(mem, node, t);
		if (!z)
			continue;
		if (on)
			z->flags |= ZONE_RECLAIM_ACTIVE;
		else
			z->flags &= ~ZONE_RECLAIM_ACTIVE;
	}
}

/*
 * balance_pgdat(): kswapd's reclaim for node @nid, priority DEF_PRIORITY
 * down to 1, until some eligible zone is balanced (pgdat_balanced()).
 * Boosted reclaim: when zones carry a watermark boost and the node is
 * balanced, reclaim the sum of the boosts without swapping (may_swap 0),
 * not past DEF_PRIORITY - 2, stopping when a pass reclaims nothing; if the
 * node is not balanced the boost is ignored and normal reclaim restarts.
 * A run that reclaims nothing (and was not cut short by balance) counts a
 * kswapd failure. At the end the boosts seen at the start are taken off and
 * kcompactd is woken at pageblock_order. ZONE_RECLAIM_ACTIVE is set on the
 * eligible zones for the whole run. Returns the order balanced for.
 */
unsigned balance_pgdat(struct frag_mem *mem, unsigned nid, unsigned order, enum zone_type highest_zoneidx)
{
	struct frag_node *node = &mem->nodes[nid];
	uint64_t nr_boost_reclaim = 0, zone_boosts[MAX_NR_ZONES] = { 0 };
	struct scan_control sc = { .gfp_mask = GFP_KERNEL, .order = order, .kswapd = true };
	bool boosted;

	frag_count(mem, FRAG_STAT_pageoutrun, 1);
	for (int t = 0; t <= (int)highest_zoneidx && t < MAX_NR_ZONES; t++) {
		struct frag_zone *z = node_zone(mem, node, t);
		if (!z)
			continue;
		nr_boost_reclaim += z->watermark_boost;
		zone_boosts[t] = z->watermark_boost;
	}
	boosted = nr_boost_reclaim;
	set_reclaim_active(mem, node, highest_zoneidx, true);

restart:
	sc.priority = DEF_PRIORITY;
	do {
		uint64_t nr_reclaimed = sc.nr_reclaimed;
		bool raise_priority = true;
		bool balanced;

		sc.reclaim_idx = highest_zoneidx;
		balanced = pgdat_balanced(mem, nid, sc.order, highest_zoneidx);
		if (!balanced && nr_boost_reclaim) {
			nr_boost_reclaim = 0;
			goto restart;
		}
		if (!nr_boost_reclaim && balanced)
			goto out;
		if (nr_boost_reclaim && sc.priority == DEF_PRIORITY - 2)
			raise_priority = false;
		/* No writeback or swap for boosted reclaim. kswapd_age_node(): no active lists. */
		sc.may_swap = !nr_boost_reclaim;
		sc.nr_scanned = 0;
		if (kswapd_shrink_node(mem, nid, &sc))
			raise_priority = false;

		nr_reclaimed = sc.nr_reclaimed - nr_reclaimed;
		nr_boost_reclaim -= min_u64(nr_boost_reclaim, nr_reclaimed);
		if (nr_boost_reclaim && !nr_reclaimed)
			break;
		if (raise_priority || !nr_reclaimed)
			sc.priority--;
	} while (sc.priority >= 1);

	if (!sc.nr_reclaimed)
		node->kswapd_failures++;
out:
	if (boosted) {
		for (int t = 0; t <= (int)highest_zoneidx && t < MAX_NR_ZONES; t++) {
			struct frag_zone *z;
			if (!zone_boosts[t] || !(z = node_zone(mem, node, t)))
				continue;
			z->watermark_boost -= min_u64(z->watermark_boost, zone_boosts[t]);
		}
		vmscan_wakeup_kcompactd(mem, nid, PAGEBLOCK_ORDER, highest_zoneidx);
	}
	set_reclaim_active(mem, node, highest_zoneidx, false);
	return sc.order;
}

/* kswapd_highest_zoneidx(): the waker's classzone, or the previous one if none was recorded. */
static enum zone_type kswapd_highest_zoneidx(const struct frag_node *node, enum zone_type prev)
{
	return node->kswapd_highest_zoneidx == MAX_NR_ZONES ? prev : node->kswapd_highest_zoneidx;
}

void frag_kswapd_init(struct frag_kswapd *k)
{
	memset(k, 0, sizeof(*k));
	k->highest_zoneidx = MAX_NR_ZONES - 1;
	k->reread = true;
}

/*
 * kswapd(), top of the loop (unless the last balance_pgdat() fell back to a
 * lower order: then kswapd tries to sleep at that order), and
 * kswapd_try_to_sleep() up to schedule_timeout(HZ/10): if
 * prepare_kswapd_sleep() allows, reset_isolation_suitable() (compaction's
 * skip hints, compaction.c) and wake kcompactd for the order kswapd was
 * woken for; the caller then naps.
 */
bool frag_kswapd_try_to_nap(struct frag_mem *mem, unsigned nid, struct frag_kswapd *k)
{
	const struct frag_node *node = &mem->nodes[nid];

	if (k->reread) {
		k->alloc_order = k->reclaim_order = node->kswapd_order;
		k->highest_zoneidx = kswapd_highest_zoneidx(node, k->highest_zoneidx);
	}
	if (!prepare_kswapd_sleep(mem, nid, k->reclaim_order, k->highest_zoneidx))
		return false;
	reset_isolation_suitable(mem, nid);   /* kswapd_try_to_sleep() */
	vmscan_wakeup_kcompactd(mem, nid, k->alloc_order, k->highest_zoneidx);
	return true;
}

/*
 * kswapd_try_to_sleep() after the nap: woken early ("remaining"), kswapd
 * keeps the order and classzone it was reclaiming for and counts
 * kswapd_low_wmark_hit_quickly; not balanced after the nap (or no nap at
 * all) counts kswapd_high_wmark_hit_quickly; either way it runs again.
 * Otherwise it sleeps until woken.
 */
bool frag_kswapd_try_to_sleep(struct frag_mem *mem, unsigned nid, struct frag_kswapd *k, bool napped, bool woken)
{
	struct frag_node *node = &mem->nodes[nid];
	bool remaining = napped && woken;

	if (remaining) {
		node->kswapd_highest_zoneidx = kswapd_highest_zoneidx(node, k->highest_zoneidx);
		if (node->kswapd_order < k->reclaim_order)
			node->kswapd_order = k->reclaim_order;
	}
	if (!remaining && prepare_kswapd_sleep(mem, nid, k->reclaim_order, k->highest_zoneidx))
		return true;
	frag_count(mem, remaining ? FRAG_STAT_kswapd_low_wmark_hit_quickly : FRAG_STAT_kswapd_high_wmark_hit_quickly,
		   1);
	return false;
}

/*
 * kswapd(), after kswapd_try_to_sleep(): take the order and classzone
 * recorded by wakeup_kswapd() (resetting them to 0 and MAX_NR_ZONES) and
 * run balance_pgdat(). k->nr_* report the run's work (deltas of pgscan_kswapd,
 * pgsteal_kswapd, pswpout and slabs_scanned) so the caller can charge its time.
 */
int frag_kswapd_run(struct frag_mem *mem, unsigned nid, struct frag_kswapd *k)
{
	if (nid >= mem->nr_nodes)
		return -EINVAL;
	struct frag_node *node = &mem->nodes[nid];
	uint64_t scan0 = mem->stat[FRAG_STAT_pgscan_kswapd], steal0 = mem->stat[FRAG_STAT_pgsteal_kswapd];
	uint64_t swap0 = mem->stat[FRAG_STAT_pswpout], slab0 = mem->stat[FRAG_STAT_slabs_scanned];

	k->alloc_order = node->kswapd_order;
	k->highest_zoneidx = kswapd_highest_zoneidx(node, k->highest_zoneidx);
	node->kswapd_order = 0;
	node->kswapd_highest_zoneidx = MAX_NR_ZONES;
	k->reclaim_order = balance_pgdat(mem, nid, k->alloc_order, k->highest_zoneidx);
	k->reread = k->reclaim_order >= k->alloc_order;

	k->nr_scanned = mem->stat[FRAG_STAT_pgscan_kswapd] - scan0;
	k->nr_reclaimed = mem->stat[FRAG_STAT_pgsteal_kswapd] - steal0;
	k->nr_swapped = mem->stat[FRAG_STAT_pswpout] - swap0;
	k->nr_slab_scanned = mem->stat[FRAG_STAT_slabs_scanned] - slab0;
	frag_maybe_check(mem);
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Set-up                                                                 */
/* ---------------------------------------------------------------------- */

/* Plug reclaim into the slowpath (mem->reclaim), size swap, and start every
 * kswapd with no classzone recorded (kswapd(): MAX_NR_ZONES). */
void vmscan_init(struct frag_mem *mem, const struct frag_config *cfg)
{
	mem->reclaim.try_to_free_pages = try_to_free_pages;
	mem->reclaim.zone_reclaimable_pages = vmscan_zone_reclaimable_pages;
	mem->swap_pages = cfg->swap_pages;
	mem->swap_used = 0;
	for (unsigned n = 0; n < mem->nr_nodes; n++)
		mem->nodes[n].kswapd_highest_zoneidx = MAX_NR_ZONES;
}

void vmscan_destroy(struct frag_mem *mem)
{
	for (unsigned i = 0; i < mem->nr_shrinkers; i++)
		free(mem->shrinkers[i].nr_deferred);
	free(mem->shrinkers);
	mem->shrinkers = NULL;
	mem->nr_shrinkers = 0;
}
