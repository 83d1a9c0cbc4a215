/* SPDX-License-Identifier: MIT */
/*
 * internal.h - data structures of the memory model, shared by the core/mm
 * files and by policies (the analogue of mm/internal.h).
 *
 * Layout (see docs/architecture.md):
 *   struct frag_mem    the machine: nodes, zones, CPUs, the page array
 *   struct frag_zone   one zone: free_area[order].free_list[mt], watermarks,
 *                      counters, per-CPU page lists, its pageblocks and SPBs
 *   struct frag_page   16 bytes per simulated 4 KiB page
 *   struct frag_pageblock  migratetype + content counters per 2 MiB
 *   struct frag_spb    one 1 GiB superpageblock clipped to its zone
 *
 * Free lists are intrusive doubly linked lists of zone-relative page indices
 * (uint32), so a zone holds at most 2^32 - 2 pages (16 TiB).
 */
#ifndef FRAG_MM_INTERNAL_H
#define FRAG_MM_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frag/mm.h"
#include "frag/policy.h"
#include "frag/restore.h"

#define IDX_NONE UINT32_MAX

#if defined(__GNUC__)
#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#else
#define likely(x)   (x)
#define unlikely(x) (x)
#endif

/* A simulator bug: print where and abort (the kernel's BUG_ON). */
void frag_bug(const char *file, int line, const char *cond) __attribute__((noreturn));
#define FRAG_BUG_ON(cond)                                      \
	do {                                                   \
		if (unlikely(cond))                            \
			frag_bug(__FILE__, __LINE__, #cond);   \
	} while (0)

/* ---------------------------------------------------------------------- */
/* Per-page state                                                         */
/* ---------------------------------------------------------------------- */

/* struct frag_page.state. Zero (PG_TAIL) is "inside a block whose head is
 * elsewhere", so a fresh calloc'ed page array needs no per-page set-up. */
enum frag_pg_state {
	PG_TAIL = 0,      /* not a block head */
	PG_BUDDY,         /* head of a free buddy block (PageBuddy) */
	PG_PCP,           /* head of a free block on a per-CPU list */
	PG_ALLOC,         /* head of an allocated block */
	PG_HOLE,          /* not present (no RAM) */
	PG_RESERVED,      /* present but reserved (PageReserved, not managed) */
	PG_ISOLATED,      /* head of a free block taken off the buddy by compaction
			     (isolate_freepages_block): on a compact_control list;
			     never seen outside a compaction run */
};

/*
 * One simulated 4 KiB page: 16 bytes, free-list links included.
 * Only block heads carry state; tail pages stay zero.
 */
struct frag_page {
	uint32_t next;    /* BUDDY/PCP/ISOLATED head: next list entry (zone index); ALLOC head: owner id */
	uint32_t prev;    /* BUDDY/PCP/ISOLATED head: previous list entry; ALLOC head: owner cookie */
	uint32_t priv;    /* PCP head: owning CPU; ALLOC head: gfp mask of the allocation */
	uint8_t state;    /* enum frag_pg_state */
	uint8_t order;    /* block order (heads); ALLOC heads up to 18 (1 GiB contig) */
	uint8_t mt;       /* BUDDY/PCP: the list's migratetype; ALLOC: gfp_migratetype of the request */
	uint8_t flags;    /* ALLOC: page kind (low nibble) | OWNER_* flags << 4 */
};

_Static_assert(sizeof(struct frag_page) == 16, "per-page state must be 16 bytes");

static inline unsigned page_kind(const struct frag_page *p) { return p->flags & 0x0f; }
static inline unsigned page_owner_flags(const struct frag_page *p) { return p->flags >> 4; }

/* An intrusive list of zone-relative page indices. */
struct idx_list {
	uint32_t head;    /* first entry, IDX_NONE when empty */
	uint32_t tail;    /* last entry, IDX_NONE when empty */
};

/* ---------------------------------------------------------------------- */
/* Pageblocks                                                             */
/* ---------------------------------------------------------------------- */

/* struct frag_pageblock.flags (include/linux/pageblock-flags.h). */
#define PB_MIGRATE_ISOLATE  0x01   /* PB_migrate_isolate: get_pageblock_migratetype() says ISOLATE */
#define PB_COMPACT_SKIP     0x02   /* PB_compact_skip hint */
#define PB_PARTIAL          0x04   /* not entirely inside its zone (prep_move_freepages_block fails) */

/*
 * A 2 MiB pageblock: the stored migratetype plus what its pages hold.
 * Invariant: nr_free + nr_pcp + sum(nr_alloc) + nr_reserved == pages of the
 * block inside the zone (PAGEBLOCK_NR_PAGES unless PB_PARTIAL).
 */
struct frag_pageblock {
	uint8_t mt;                            /* stored migratetype (survives isolation) */
	uint8_t flags;                         /* PB_* */
	uint16_t nr_free;                      /* pages in free buddy blocks */
	uint16_t nr_pcp;                       /* free pages parked on PCP lists */
	uint16_t nr_alloc[MIGRATE_PCPTYPES];   /* allocated pages by the allocation's migratetype */
	uint16_t nr_lru;                       /* allocated pages that are LRU or movable_ops */
	uint16_t nr_pinned;                    /* allocated pages that are long-term pinned */
	uint16_t nr_reserved;                  /* hole or reserved pages */
	uint16_t owner_cpu;                    /* PCPBuddy: owning CPU, 0xffff = none */
};

/* ---------------------------------------------------------------------- */
/* Superpageblocks                                                        */
/* ---------------------------------------------------------------------- */

/* SPB categories (SPB RFC: spb_get_category()). */
enum spb_category {
	SPB_EMPTY,        /* every pageblock entirely free */
	SPB_CLEAN,        /* only MOVABLE (and free) pageblocks */
	SPB_TAINTED,      /* at least one UNMOVABLE/RECLAIMABLE/HIGHATOMIC pageblock */
	NR_SPB_CATEGORIES
};

/* Fullness buckets: bucket b holds SPBs whose free fraction is in
 * [b/8, (b+1)/8); SB_FULL = 0 (< 1/8 free) ... SB_ALMOST_EMPTY = 7. The RFC's
 * boundaries were not found (kernel-model.md 13.2); this is fragsim's choice. */
#define NR_SPB_FULLNESS 8
#define SB_FULL 0
#define SB_ALMOST_EMPTY (NR_SPB_FULLNESS - 1)

extern const char *const spb_category_names[NR_SPB_CATEGORIES];

/* One 1 GiB superpageblock, aligned in absolute pfn and clipped to its zone. */
struct frag_spb {
	uint64_t start_pfn;                      /* first pfn inside the zone */
	uint32_t nr_pages;                       /* pages covered inside the zone */
	uint16_t total_pageblocks;               /* pageblocks covered (partial ones included) */
	uint16_t zone_id;                        /* owning zone */
	uint16_t nr_pb[MIGRATE_TYPES];           /* pageblocks by stored migratetype */
	uint16_t nr_pb_isolated;                 /* pageblocks with PB_MIGRATE_ISOLATE */
	uint16_t nr_pb_free;                     /* pageblocks entirely free in the buddy */
	uint16_t nr_pb_reserved;                 /* pageblocks holding hole/reserved pages */
	uint32_t nr_free_pages;                  /* pages on the buddy free lists */
	uint32_t nr_pcp_pages;                   /* free pages on PCP lists */
	uint32_t nr_alloc_pages[MIGRATE_PCPTYPES]; /* allocated pages by allocation migratetype */
	uint32_t nr_reserved_pages;              /* hole or reserved pages */
	uint8_t category;                        /* enum spb_category */
	uint8_t fullness;                        /* 0 (SB_FULL) .. NR_SPB_FULLNESS-1 */
	uint32_t list_next;                      /* zone->spb_list[category][fullness] links (SPB index in zone) */
	uint32_t list_prev;
	/* Per-SPB free lists (RFC "add per-superpageblock free lists"), used
	 * instead of the zone's when z->spb_lists is set (SPB policies). */
	uint32_t nr_free[NR_PAGE_ORDERS][MIGRATE_TYPES]; /* free blocks per (order, type), kept in both modes */
	struct idx_list free_list[NR_PAGE_ORDERS][MIGRATE_TYPES];
};

/* ---------------------------------------------------------------------- */
/* Per-CPU page lists (mm/page_alloc.c, struct per_cpu_pages)             */
/* ---------------------------------------------------------------------- */

#define NR_LOWORDER_PCP_LISTS (MIGRATE_PCPTYPES * (PAGE_ALLOC_COSTLY_ORDER + 1))
#define NR_PCP_THP 2
#define NR_PCP_LISTS (NR_LOWORDER_PCP_LISTS + NR_PCP_THP)

#define PCPF_PREV_FREE_HIGH_ORDER 0x01
#define PCPF_FREE_HIGH_BATCH      0x02

struct frag_pcp {
	int count;                        /* pages on the lists */
	int high;                         /* high watermark, auto-tuned */
	int high_min;                     /* lower bound of high */
	int high_max;                     /* upper bound of high */
	int batch;                        /* chunk size for buddy add/remove */
	int free_count;                   /* pages freed recently (capped), shapes nr_pcp_free */
	uint8_t flags;                    /* PCPF_* */
	uint8_t alloc_factor;             /* batch scale factor for refills */
	struct idx_list lists[NR_PCP_LISTS]; /* one per (order, migratetype), see order_to_pindex */
};

/* ---------------------------------------------------------------------- */
/* Zones                                                                  */
/* ---------------------------------------------------------------------- */

struct frag_free_area {
	struct idx_list free_list[MIGRATE_TYPES]; /* heads of free blocks of this order */
	uint64_t nr_free;                         /* blocks on all lists */
	uint64_t nr_free_mt[MIGRATE_TYPES];       /* blocks per list (pagetypeinfo) */
};

/* zone->flags */
#define ZONE_BOOSTED_WATERMARK 0x01
#define ZONE_BELOW_HIGH        0x02
#define ZONE_RECLAIM_ACTIVE    0x04   /* kswapd may be scanning the zone (balance_pgdat()) */

struct frag_zone {
	unsigned id;                              /* index in mem->zones */
	unsigned nid;                             /* node */
	enum zone_type type;                      /* ZONE_DMA .. ZONE_MOVABLE */
	uint64_t zone_start_pfn;                  /* first pfn */
	uint64_t spanned_pages;                   /* pfns spanned */
	uint64_t present_pages;                   /* spanned minus absent holes */
	uint64_t managed_pages;                   /* present minus reserved */
	struct frag_page *pages;                  /* page of zone_start_pfn */
	struct frag_pageblock *pb;                /* pageblock of zone_start_pfn */
	uint64_t pb_base;                         /* zone_start_pfn >> PAGEBLOCK_ORDER */
	uint32_t nr_pageblocks;                   /* pageblocks touching the zone */
	struct frag_spb *spb;                     /* SPB of zone_start_pfn */
	uint64_t spb_base;                        /* zone_start_pfn >> SPB_ORDER */
	uint32_t nr_spbs;                         /* SPBs touching the zone */
	uint32_t spb_list[NR_SPB_CATEGORIES][NR_SPB_FULLNESS]; /* heads (SPB index), IDX_NONE = empty */
	uint32_t nr_spb_cat[NR_SPB_CATEGORIES];   /* SPBs per category */

	struct frag_free_area free_area[NR_PAGE_ORDERS];
	/*
	 * spb_lists: free blocks live on their SPB's lists (spb->free_list)
	 * and the zone's free_list heads stay empty; free_area[].nr_free and
	 * nr_free_mt still count the zone. spb_has[order][mt] is a bitmap of
	 * the SPBs holding a free block of that (order, type).
	 */
	bool spb_lists;
	uint64_t *spb_has[NR_PAGE_ORDERS][MIGRATE_TYPES];
	uint64_t _watermark[NR_WMARK];            /* without boost */
	uint64_t watermark_boost;                 /* boost_watermark() */
	uint64_t lowmem_reserve[MAX_NR_ZONES];    /* setup_per_zone_lowmem_reserve() */
	unsigned flags;                           /* ZONE_BOOSTED_WATERMARK, ZONE_BELOW_HIGH, ZONE_RECLAIM_ACTIVE */

	int64_t nr_free_pages;                    /* NR_FREE_PAGES: buddy pages outside ISOLATE blocks */
	int64_t nr_free_cma;                      /* NR_FREE_CMA_PAGES */
	int64_t nr_free_highatomic;               /* zone->nr_free_highatomic */
	int64_t nr_free_pages_blocks;             /* NR_FREE_PAGES_BLOCKS: free pages in blocks >= pageblock_order */
	uint64_t nr_reserved_highatomic;          /* pages in HIGHATOMIC pageblocks */
	uint64_t nr_isolate_pageblock;            /* isolated pageblocks */
	uint64_t nr_pcp_pages;                    /* pages on all CPUs' PCP lists */
	uint64_t nr_alloc[MIGRATE_PCPTYPES];      /* allocated pages by allocation migratetype */
	uint64_t nr_kind[NR_PAGE_KINDS];          /* allocated pages by kind */
	uint64_t nr_lru[NR_FRAG_LRU];             /* NR_ZONE_{IN,}ACTIVE_{ANON,FILE}: OWNER_LRU anon/file pages */
	uint64_t nr_restored_lru[NR_FRAG_LRU];    /* the part of nr_lru in FRAG_OWNER_SNAPSHOT blocks (restore.c):
						     what frag_shrink_restored_lru() can reclaim */

	/* compaction.c (struct zone, CONFIG_COMPACTION) */
	uint64_t compact_cached_free_pfn;         /* where the free scanner restarts (pageblock start) */
	uint64_t compact_cached_migrate_pfn[2];   /* where the migration scanner restarts: [0] async, [1] sync */
	uint64_t compact_init_migrate_pfn;        /* first source block found by __reset_isolation_suitable() */
	uint64_t compact_init_free_pfn;           /* last target block found by __reset_isolation_suitable() */
	unsigned compact_considered;              /* attempts skipped since the last deferral */
	unsigned compact_defer_shift;             /* skip up to 1 << shift attempts (<= COMPACT_MAX_DEFER_SHIFT) */
	int compact_order_failed;                 /* lowest order that failed since the last success */
	bool compact_blockskip_flush;             /* a direct compaction met: skip bits to clear when kswapd sleeps */

	int pcp_batch;                            /* zone_batchsize() */
	int pcp_high_min;                         /* zone_highsize(..., min) */
	int pcp_high_max;                         /* zone_highsize(..., max) */
	struct frag_pcp *pcp;                     /* [cpu] */
};

/* A NUMA node. */
struct frag_node {
	unsigned id;                              /* node id */
	uint64_t start_pfn;                       /* first pfn */
	uint64_t end_pfn;                         /* one past the last */
	unsigned nr_cpus;                         /* CPUs on the node */
	unsigned first_cpu;                       /* CPUs are numbered node by node */
	int zone_of_type[MAX_NR_ZONES];           /* zone id or -1 */
	unsigned nr_zonelist;                     /* entries in zonelist */
	unsigned *zonelist;                       /* zone ids: own zones high->low, then other nodes by distance */
	bool kswapd_active;                       /* set by the engine while kswapd runs */
	unsigned kswapd_order;                    /* pgdat->kswapd_order */
	enum zone_type kswapd_highest_zoneidx;    /* pgdat->kswapd_highest_zoneidx */
	unsigned kswapd_failures;                 /* pgdat->kswapd_failures */
	unsigned kcompactd_max_order;             /* pgdat->kcompactd_max_order: wakeup_kcompactd() request */
	enum zone_type kcompactd_highest_zoneidx; /* pgdat->kcompactd_highest_zoneidx */
	uint64_t restored_lru_cursor[NR_FRAG_LRU]; /* frag_shrink_restored_lru(): the walk position its next
						      scan of each list starts at (vmscan.c) */
};

/* include/linux/compaction.h: enum compact_result */
enum compact_result {
	COMPACT_NOT_SUITABLE_ZONE,
	COMPACT_SKIPPED,
	COMPACT_DEFERRED,
	COMPACT_NO_SUITABLE_PAGE,
	COMPACT_CONTINUE,
	COMPACT_COMPLETE,
	COMPACT_PARTIAL_SKIPPED,
	COMPACT_CONTENDED,
	COMPACT_SUCCESS,
};

/* include/linux/compaction.h: enum compact_priority (lower = more effort). */
enum compact_priority {
	COMPACT_PRIO_SYNC_FULL,
	MIN_COMPACT_PRIORITY = COMPACT_PRIO_SYNC_FULL,
	COMPACT_PRIO_SYNC_LIGHT,
	MIN_COMPACT_COSTLY_PRIORITY = COMPACT_PRIO_SYNC_LIGHT,
	DEF_COMPACT_PRIORITY = COMPACT_PRIO_SYNC_LIGHT,
	COMPACT_PRIO_ASYNC,
	INIT_COMPACT_PRIORITY = COMPACT_PRIO_ASYNC,
};

#define MAX_RECLAIM_RETRIES 16
#define MAX_COMPACT_RETRIES 16

/*
 * Reclaim and compaction mechanisms the slowpath calls (vmscan.c,
 * compaction.c). NULL members mean "not modelled": no progress.
 */
struct frag_reclaim_ops {
	/* try_to_free_pages(): pages reclaimed for this request */
	uint64_t (*try_to_free_pages)(struct frag_mem *mem, unsigned nid, unsigned order, gfp_t gfp);
	/* try_to_compact_pages(): *@capture is the pfn of a block of @order the
	 * run captured for the caller (compaction_capture(); taken off the free
	 * lists, to be prepared with prep_new_page()), or FRAG_PFN_NONE */
	enum compact_result (*try_to_compact_pages)(struct frag_mem *mem, unsigned nid, unsigned order, gfp_t gfp,
						    unsigned alloc_flags, int prio, uint64_t *capture);
	/* zone_reclaimable_pages() */
	uint64_t (*zone_reclaimable_pages)(const struct frag_mem *mem, unsigned zone_id);
};

/* mm/internal.h: struct capture_control - a direct compactor waiting for a
 * block of cc->order freed in its zone (compaction_capture()). */
struct capture_control {
	const struct frag_zone *zone;             /* cc->zone */
	int order;                                /* cc->order */
	int migratetype;                          /* cc->migratetype */
	uint64_t page;                            /* the captured block, FRAG_PFN_NONE until then */
};

struct frag_mem {
	struct frag_sysctl sysctl;                /* resolved sysctls (min_free_kbytes computed) */
	struct frag_env env;                      /* callbacks */
	struct frag_geometry geo;                 /* copy of the geometry (holes copied below) */
	struct frag_hole *holes;                  /* owned copy */
	uint64_t base_pfn;                        /* lowest pfn modelled */
	uint64_t end_pfn;                         /* one past the highest */
	struct frag_page *pages;                  /* [end_pfn - base_pfn] */
	unsigned nr_nodes;
	struct frag_node *nodes;
	unsigned nr_cpus;
	uint16_t *cpu_node;                       /* [cpu] -> node */
	unsigned nr_zones;                        /* populated zones */
	struct frag_zone *zones;                  /* node-major, ascending type */
	struct frag_pageblock *pageblocks;        /* all zones' pageblocks */
	uint64_t nr_pageblocks_total;
	struct frag_spb *spbs;                    /* all zones' SPBs */
	uint64_t nr_spbs_total;
	struct frag_pcp *pcps;                    /* all zones' PCPs */
	uint16_t *zone_map;                       /* [(pfn - base_pfn) >> PAGEBLOCK_ORDER] -> zone id;
						     ZONE_MAP_NONE outside zones, ZONE_MAP_MIXED where a
						     pageblock straddles two zones */
	bool mobility_disabled;                   /* page_group_by_mobility_disabled */
	bool min_free_kbytes_user;                /* vm.min_free_kbytes was given (not computed) */
	struct frag_reclaim_ops reclaim;          /* slowpath mechanisms (NULL: not modelled) */
	struct capture_control *capc;             /* current->capture_control: a direct compaction
						     in progress (compact_zone_order()), else NULL */
	int compact_cpu;                          /* the CPU running that direct compaction (set by
						     __alloc_pages_direct_compact()), -1 otherwise */

	const struct frag_policy_ops *policy;     /* never NULL after create */
	void *policy_opts;                        /* the policy's resolved opts */
	void *policy_priv;                        /* priv_size bytes, zeroed */

	/* Reclaim (vmscan.c). */
	uint64_t swap_pages;                      /* total_swap_pages */
	uint64_t swap_used;                       /* swap slots in use */
	struct frag_shrinker_slot *shrinkers;     /* register_shrinker() order */
	unsigned nr_shrinkers;

	uint64_t stat[NR_FRAG_STATS];             /* counters, see stat_list.h */
	uint64_t priced_gen;                      /* changes of FRAG_STAT_PRICED_LIST counters (frag_priced_gen()) */
	uint64_t nr_ops;                          /* alloc + free calls, for check_every */
	unsigned check_every;                     /* consistency check period (0 = off) */
	unsigned fault_inject;                    /* frag_config.fault_inject (test-only) */
	bool fault_fired;                         /* the injected fault happened */
};

/* ---------------------------------------------------------------------- */
/* Small helpers                                                          */
/* ---------------------------------------------------------------------- */

static inline void frag_count(struct frag_mem *mem, enum frag_stat s, uint64_t n)
{
	mem->stat[s] += n;
	if (frag_stat_priced(s))
		mem->priced_gen++;
}

static inline uint64_t frag_now(const struct frag_mem *mem)
{
	return mem->env.now_ns ? mem->env.now_ns(mem->env.arg) : 0;
}

static inline bool frag_trace_on(const struct frag_mem *mem, enum frag_trace_id id)
{
	return mem->env.trace && (mem->env.trace_mask & (1u << id));
}

static inline uint64_t zone_end_pfn(const struct frag_zone *z)
{
	return z->zone_start_pfn + z->spanned_pages;
}

static inline bool zone_spans_pfn(const struct frag_zone *z, uint64_t pfn)
{
	return pfn >= z->zone_start_pfn && pfn < zone_end_pfn(z);
}

static inline uint32_t pfn_to_idx(const struct frag_zone *z, uint64_t pfn)
{
	return (uint32_t)(pfn - z->zone_start_pfn);
}

static inline uint64_t idx_to_pfn(const struct frag_zone *z, uint32_t idx)
{
	return z->zone_start_pfn + idx;
}

static inline struct frag_pageblock *pfn_to_pb(const struct frag_zone *z, uint64_t pfn)
{
	return &z->pb[(pfn >> PAGEBLOCK_ORDER) - z->pb_base];
}

static inline struct frag_spb *pfn_to_spb(const struct frag_zone *z, uint64_t pfn)
{
	return &z->spb[(pfn >> SPB_ORDER) - z->spb_base];
}

static inline struct frag_pcp *zone_pcp(const struct frag_zone *z, unsigned cpu)
{
	return &z->pcp[cpu];
}

/* get_pfnblock_migratetype(): ISOLATE whenever the isolate bit is set. */
static inline int get_pageblock_migratetype(const struct frag_zone *z, uint64_t pfn)
{
	const struct frag_pageblock *pb = pfn_to_pb(z, pfn);
	return (pb->flags & PB_MIGRATE_ISOLATE) ? MIGRATE_ISOLATE : pb->mt;
}

/* migratetype_is_mergeable(), include/linux/mmzone.h */
static inline bool migratetype_is_mergeable(int mt)
{
	return mt < MIGRATE_PCPTYPES;
}

static inline bool is_migrate_highatomic(int mt) { return mt == MIGRATE_HIGHATOMIC; }
static inline bool is_migrate_cma(int mt) { return mt == MIGRATE_CMA; }
static inline bool is_migrate_isolate(int mt) { return mt == MIGRATE_ISOLATE; }

/* wmark_pages(): watermarks include the boost. */
static inline uint64_t wmark_pages(const struct frag_zone *z, enum zone_watermarks w)
{
	return z->_watermark[w] + z->watermark_boost;
}
static inline uint64_t min_wmark_pages(const struct frag_zone *z) { return wmark_pages(z, WMARK_MIN); }
static inline uint64_t low_wmark_pages(const struct frag_zone *z) { return wmark_pages(z, WMARK_LOW); }
static inline uint64_t high_wmark_pages(const struct frag_zone *z) { return wmark_pages(z, WMARK_HIGH); }

#define ZONE_MAP_NONE  0xffff
#define ZONE_MAP_MIXED 0xfffe

/* page_zone(): the zone spanning @pfn, or NULL. */
static inline struct frag_zone *pfn_to_zone(const struct frag_mem *mem, uint64_t pfn)
{
	if (unlikely(pfn < mem->base_pfn || pfn >= mem->end_pfn))
		return NULL;
	uint16_t id = mem->zone_map[(pfn - mem->base_pfn) >> PAGEBLOCK_ORDER];
	if (likely(id < ZONE_MAP_MIXED))
		return &mem->zones[id];
	if (id == ZONE_MAP_NONE)
		return NULL;
	for (unsigned i = 0; i < mem->nr_zones; i++)
		if (zone_spans_pfn(&mem->zones[i], pfn))
			return &mem->zones[i];
	return NULL;
}

/* ---------------------------------------------------------------------- */
/* Accounting (pageblock.c) - kept exact for every policy                 */
/* ---------------------------------------------------------------------- */

/* What a run of pages holds, for content counters. */
enum frag_content {
	CT_FREE,          /* in the buddy */
	CT_PCP,           /* on a PCP list */
	CT_ALLOC,         /* allocated; see the mt/flags arguments */
};

void pb_account_range(struct frag_zone *z, uint64_t pfn, uint64_t nr, enum frag_content ct, int mt,
		      unsigned owner_flags, int sign);
void set_pageblock_migratetype(struct frag_zone *z, uint64_t pfn, int mt);
void spb_update_category(struct frag_zone *z, struct frag_spb *spb);

/* Per-SPB free lists (pageblock.c, page_alloc.c). */
int frag_zone_set_spb_lists(struct frag_zone *z, bool on);
uint32_t __rmqueue_smallest_spb(struct frag_zone *z, struct frag_spb *spb, unsigned order, int mt);
/* The first block of the (zone or SPB) free lists of (@order, @mt), and the
 * one after @idx: walks every free block of the zone of that list type. */
uint32_t free_area_first(const struct frag_zone *z, unsigned order, int mt);
uint32_t free_area_next(const struct frag_zone *z, uint32_t idx, unsigned order, int mt);
/* The first SPB index >= @from with a free block of (@order, @mt) (SPB lists only). */
uint32_t spb_find_free(const struct frag_zone *z, unsigned order, int mt, uint32_t from);

/* Link @idx at the head or the tail of @l (its old links are ignored). */
static inline void idx_list_add(struct frag_page *pages, struct idx_list *l, uint32_t idx, bool tail)
{
	struct frag_page *p = &pages[idx];
	if (tail) {
		p->next = IDX_NONE;
		p->prev = l->tail;
		if (l->tail != IDX_NONE)
			pages[l->tail].next = idx;
		else
			l->head = idx;
		l->tail = idx;
	} else {
		p->prev = IDX_NONE;
		p->next = l->head;
		if (l->head != IDX_NONE)
			pages[l->head].prev = idx;
		else
			l->tail = idx;
		l->head = idx;
	}
}

/* Unlink @idx from @l (its own links are left as they were). */
static inline void idx_list_del(struct frag_page *pages, struct idx_list *l, uint32_t idx)
{
	const struct frag_page *p = &pages[idx];
	if (p->prev != IDX_NONE)
		pages[p->prev].next = p->next;
	else
		l->head = p->next;
	if (p->next != IDX_NONE)
		pages[p->next].prev = p->prev;
	else
		l->tail = p->prev;
}
void spb_change_fullness(struct frag_zone *z, struct frag_spb *spb);

/* sb_update_list() for fullness: move lists only when a bucket edge is crossed. */
static inline void spb_update_fullness(struct frag_zone *z, struct frag_spb *spb)
{
	uint64_t x = (uint64_t)spb->nr_free_pages * NR_SPB_FULLNESS;
	uint64_t lo = (uint64_t)spb->fullness * spb->nr_pages;
	if (likely(x >= lo && (spb->fullness == NR_SPB_FULLNESS - 1 || x < lo + spb->nr_pages)))
		return;
	spb_change_fullness(z, spb);
}

/*
 * One pageblock's share of a content change: @nr pages of class @ct move in
 * (@sign +1) or out (-1); @mt is the allocation migratetype for CT_ALLOC.
 */
static inline void pb_account_one(struct frag_zone *z, struct frag_pageblock *pb, struct frag_spb *spb,
				  unsigned nr, enum frag_content ct, int mt, unsigned owner_flags, int sign)
{
	int d = sign * (int)nr;
	switch (ct) {
	case CT_FREE: {
		bool was_free = pb->nr_free == PAGEBLOCK_NR_PAGES;
		pb->nr_free = (uint16_t)(pb->nr_free + d);
		spb->nr_free_pages += (uint32_t)d;
		bool is_free = pb->nr_free == PAGEBLOCK_NR_PAGES;
		if (unlikely(was_free != is_free)) {
			spb->nr_pb_free = (uint16_t)(spb->nr_pb_free + (is_free ? 1 : -1));
			spb_update_category(z, spb);
		}
		spb_update_fullness(z, spb);
		break;
	}
	case CT_PCP:
		pb->nr_pcp = (uint16_t)(pb->nr_pcp + d);
		spb->nr_pcp_pages += (uint32_t)d;
		break;
	case CT_ALLOC:
		/* An allocation is accounted by its gfp migratetype, never ISOLATE/CMA/HIGHATOMIC: a
		 * wrong one would write past these arrays into the SPB list links. */
		FRAG_BUG_ON((unsigned)mt >= MIGRATE_PCPTYPES);
		pb->nr_alloc[mt] = (uint16_t)(pb->nr_alloc[mt] + d);
		spb->nr_alloc_pages[mt] += (uint32_t)d;
		if (owner_flags & (OWNER_LRU | OWNER_MOVABLE_OPS))
			pb->nr_lru = (uint16_t)(pb->nr_lru + d);
		if (owner_flags & OWNER_PINNED)
			pb->nr_pinned = (uint16_t)(pb->nr_pinned + d);
		break;
	}
}

/**
 * pb_account() - account @nr pages starting at @pfn entering (@sign = +1) or
 * leaving (-1) content class @ct, in their pageblocks and SPB.
 */
static inline void pb_account(struct frag_zone *z, uint64_t pfn, uint64_t nr, enum frag_content ct, int mt,
			      unsigned owner_flags, int sign)
{
	if (likely(nr <= PAGEBLOCK_NR_PAGES && ((pfn ^ (pfn + nr - 1)) >> PAGEBLOCK_ORDER) == 0))
		pb_account_one(z, pfn_to_pb(z, pfn), pfn_to_spb(z, pfn), (unsigned)nr, ct, mt, owner_flags, sign);
	else
		pb_account_range(z, pfn, nr, ct, mt, owner_flags, sign);
}
void spb_lists_init(struct frag_zone *z);
bool spb_is_content_clean(const struct frag_spb *spb);
bool spb_is_entirely_free(const struct frag_spb *spb);

/* ---------------------------------------------------------------------- */
/* Buddy (page_alloc.c)                                                   */
/* ---------------------------------------------------------------------- */

void __add_to_free_list(struct frag_zone *z, uint32_t idx, unsigned order, int mt, bool tail);
void __del_from_free_list(struct frag_zone *z, uint32_t idx, unsigned order, int mt);
void move_to_free_list(struct frag_zone *z, uint32_t idx, unsigned order, int old_mt, int new_mt);
void __free_one_page(struct frag_mem *mem, struct frag_zone *z, uint64_t pfn, unsigned order, int mt,
		     unsigned fpi_flags);
void free_one_page(struct frag_mem *mem, struct frag_zone *z, uint64_t pfn, unsigned order, unsigned fpi_flags);
/* Building blocks exported to policies (mm/page_alloc.c names). */
void page_del_and_expand(struct frag_zone *z, uint32_t idx, unsigned low, unsigned high, int mt);
uint32_t __rmqueue_smallest(struct frag_zone *z, unsigned order, int mt);
uint32_t __rmqueue_claim(struct frag_mem *mem, struct frag_zone *z, unsigned order, int start_mt,
			 unsigned alloc_flags);
uint32_t __rmqueue_steal(struct frag_mem *mem, struct frag_zone *z, unsigned order, int start_mt);
/* mm_page_alloc_extfrag and the extfrag counters, for a fallback block at @idx. */
void trace_extfrag(struct frag_mem *mem, struct frag_zone *z, uint32_t idx, unsigned alloc_order,
		   unsigned fallback_order, int alloc_mt, int fallback_mt);
uint32_t frag_rmqueue_linux(struct frag_mem *mem, struct frag_zone *z, unsigned order, int mt,
			    unsigned alloc_flags, enum rmqueue_mode *mode);
int find_suitable_fallback(const struct frag_mem *mem, const struct frag_zone *z, unsigned order, int mt,
			   bool claimable);
int find_suitable_fallback_linux(const struct frag_mem *mem, const struct frag_zone *z, unsigned order, int mt,
				 bool claimable);
uint32_t __rmqueue(struct frag_mem *mem, struct frag_zone *z, unsigned order, int mt, unsigned alloc_flags,
		   enum rmqueue_mode *mode);
bool __zone_watermark_ok(const struct frag_mem *mem, const struct frag_zone *z, unsigned order, uint64_t mark,
			 enum zone_type highest_zoneidx, unsigned alloc_flags, int64_t free_pages);
bool zone_watermark_ok(const struct frag_mem *mem, const struct frag_zone *z, unsigned order, uint64_t mark,
		       enum zone_type highest_zoneidx, unsigned alloc_flags);
int take_free_block(struct frag_zone *z, uint64_t pfn, unsigned order);
int move_freepages_block(struct frag_zone *z, uint64_t pfn, int old_mt, int new_mt);
void prep_new_page(struct frag_mem *mem, struct frag_zone *z, uint64_t pfn, unsigned order, gfp_t gfp,
		   const struct frag_owner *owner);
void free_pages_prepare(struct frag_zone *z, uint64_t pfn, unsigned order);
bool compaction_capture(struct frag_mem *mem, struct frag_zone *z, uint64_t pfn, unsigned order, int mt);

/* fpi_t, mm/page_alloc.c */
#define FPI_NONE     0x0
#define FPI_TO_TAIL  0x2

/* ---------------------------------------------------------------------- */
/* PCP (pcp.c)                                                            */
/* ---------------------------------------------------------------------- */

bool pcp_allowed_order(const struct frag_mem *mem, unsigned order);
unsigned order_to_pindex(int mt, unsigned order);
uint64_t rmqueue_pcplist(struct frag_mem *mem, struct frag_zone *z, unsigned cpu, unsigned order, int mt,
			 unsigned alloc_flags);
void free_frozen_page_commit(struct frag_mem *mem, struct frag_zone *z, unsigned cpu, uint64_t pfn,
			     unsigned order, int mt);
void free_pcppages_bulk(struct frag_mem *mem, struct frag_zone *z, struct frag_pcp *pcp, int count,
			int pindex);
void drain_pages_zone(struct frag_mem *mem, struct frag_zone *z, unsigned cpu);
/* Put the free block at @idx (detached, or just unlinked) on @cpu's (@order, @mt) list, head or @tail;
 * take a PCP block off its list. Neither touches pcp->count (policies' PCP hooks). */
void pcp_list_add(struct frag_zone *z, unsigned cpu, uint32_t idx, unsigned order, int mt, bool tail);
void pcp_list_del(struct frag_zone *z, uint32_t idx);
void pcp_setup_zone(struct frag_mem *mem, struct frag_zone *z);
void pcp_restore_page(struct frag_mem *mem, struct frag_zone *z, unsigned cpu, uint64_t pfn, unsigned order, int mt);

/* ---------------------------------------------------------------------- */
/* Watermarks (watermark.c)                                               */
/* ---------------------------------------------------------------------- */

uint64_t calculate_min_free_kbytes(const struct frag_mem *mem);
void setup_per_zone_wmarks(struct frag_mem *mem);
void setup_per_zone_lowmem_reserve(struct frag_mem *mem);
bool boost_watermark(struct frag_mem *mem, struct frag_zone *z);

/* ---------------------------------------------------------------------- */
/* Migration (migrate.c)                                                  */
/* ---------------------------------------------------------------------- */

/* migrate_block() flags */
#define MB_ALLOW_HUGETLB  0x1   /* hugetlb folios may move (alloc_contig_range(), not compaction) */

/*
 * Where migrate_block() gets the new block and what it does with blocks it
 * does not use (migrate_pages()' get_new_folio / put_new_folio pair).
 * A "detached" run is 2^order pages on no list and in no counter (the state
 * take_free_block() and free_pages_prepare() leave behind).
 */
struct migrate_target_ops {
	/* Allocate a detached run of 2^@order pages for the block at @src_pfn,
	 * or return FRAG_PFN_NONE (migration fails with -ENOMEM). */
	uint64_t (*alloc)(struct frag_mem *mem, void *arg, uint64_t src_pfn, unsigned order);
	/* Take back a detached target that was not used (migration refused). */
	void (*free)(struct frag_mem *mem, void *arg, uint64_t pfn, unsigned order);
	/* Optional: receive the detached source run after a successful move
	 * instead of freeing it to the buddy (e.g. an evacuation that keeps
	 * the freed range). NULL: __free_one_page() per pageblock chunk, with
	 * compaction capture. */
	void (*release_source)(struct frag_mem *mem, void *arg, uint64_t pfn, unsigned order);
};

bool migrate_block_movable(const struct frag_page *p, unsigned flags);
int migrate_block(struct frag_mem *mem, uint64_t pfn, const struct migrate_target_ops *ops, void *arg,
		  enum migrate_mode mode, unsigned flags);

/* How many sources ahead a migration loop tells the owner (env.prefetch_owner). */
#define MIGRATE_PREFETCH_AHEAD 4

/*
 * The allocated block at @pfn of @z will be migrated soon: pass its owner to
 * env.prefetch_owner(), whose record of the block migrate_folio() updates
 * (a random entry of the owner's table, the miss of each migration). A hint
 * only; nothing in the model changes.
 */
static inline void migrate_prefetch_owner(const struct frag_mem *mem, const struct frag_zone *z, uint64_t pfn)
{
	if (!mem->env.prefetch_owner)
		return;
	const struct frag_page *p = &z->pages[pfn - z->zone_start_pfn];
	if (p->state != PG_ALLOC)
		return;
	const struct frag_owner o = { .id = p->next, .cookie = p->prev };
	mem->env.prefetch_owner(mem->env.arg, &o);
}

/* A target allocator for callers outside compaction (alloc_contig_range()'s
 * alloc_migration_target()): an ordinary MOVABLE buddy allocation on the
 * node of @cpu, refused if it falls in [avoid_start, avoid_end). */
struct migrate_target_buddy {
	unsigned cpu;                 /* allocating CPU (its node's zonelist) */
	gfp_t gfp;                    /* e.g. GFP_HIGHUSER_MOVABLE | __GFP_RETRY_MAYFAIL */
	uint64_t avoid_start;         /* the range being emptied */
	uint64_t avoid_end;
};
extern const struct migrate_target_ops migrate_target_buddy_ops;

/* ---------------------------------------------------------------------- */
/* Page isolation (page_isolation.c)                                      */
/* ---------------------------------------------------------------------- */

/* include/linux/mm.h: MAX_FOLIO_ORDER, PUD_ORDER on x86-64 (gigantic hugetlb folios). */
#define MAX_FOLIO_ORDER SPB_ORDER

/* include/linux/page-isolation.h: enum pb_isolate_mode */
enum pb_isolate_mode {
	PB_ISOLATE_MODE_MEM_OFFLINE,
	PB_ISOLATE_MODE_CMA_ALLOC,
	PB_ISOLATE_MODE_OTHER,
};

/* The block covering @pfn: its head pfn, or FRAG_PFN_NONE (hole, reserved). */
uint64_t page_block_head(const struct frag_zone *z, uint64_t pfn);
bool page_is_unmovable(const struct frag_zone *z, uint64_t pfn, enum pb_isolate_mode mode, uint64_t *step);
uint64_t has_unmovable_pages(const struct frag_zone *z, uint64_t start_pfn, uint64_t end_pfn,
			     enum pb_isolate_mode mode);
int set_migratetype_isolate(struct frag_mem *mem, struct frag_zone *z, uint64_t pfn, enum pb_isolate_mode mode,
			    uint64_t *unmovable);
void unset_migratetype_isolate(struct frag_mem *mem, struct frag_zone *z, uint64_t pfn);
int start_isolate_page_range(struct frag_mem *mem, struct frag_zone *z, uint64_t start_pfn, uint64_t end_pfn,
			     enum pb_isolate_mode mode, uint64_t *failed_pfn);
void undo_isolate_page_range(struct frag_mem *mem, struct frag_zone *z, uint64_t start_pfn, uint64_t end_pfn);
uint64_t test_pages_isolated(const struct frag_zone *z, uint64_t start_pfn, uint64_t end_pfn);

/* ---------------------------------------------------------------------- */
/* Compaction (compaction.c)                                              */
/* ---------------------------------------------------------------------- */

#define COMPACT_CLUSTER_MAX      32    /* SWAP_CLUSTER_MAX */
#define COMPACT_MAX_DEFER_SHIFT  6

/* compact_gap(): free pages compaction wants as migration headroom. */
static inline uint64_t compact_gap(unsigned order)
{
	return 2ull << order;
}

enum compact_result try_to_compact_pages(struct frag_mem *mem, unsigned nid, unsigned order, gfp_t gfp,
					 unsigned alloc_flags, int prio, uint64_t *capture);
bool compaction_suitable(const struct frag_mem *mem, const struct frag_zone *z, int order, uint64_t watermark,
			 enum zone_type highest_zoneidx);
bool compaction_zonelist_suitable(const struct frag_mem *mem, unsigned nid, unsigned nr_zonelist, unsigned order,
				  enum zone_type highest_zoneidx);
bool compaction_deferred(struct frag_zone *z, int order);
void defer_compaction(struct frag_zone *z, int order);
void compaction_defer_reset(struct frag_zone *z, int order, bool alloc_success);
void wakeup_kcompactd(struct frag_mem *mem, unsigned nid, unsigned order, enum zone_type highest_zoneidx);
void reset_isolation_suitable(struct frag_mem *mem, unsigned nid);
void compaction_zone_init(struct frag_zone *z);

/* Ask the engine to run the policy's daemon() on node @nid (policy.c). */
void frag_policy_wake_daemon(struct frag_mem *mem, unsigned nid);

/* Run the consistency check if this build and config ask for it. */
void frag_maybe_check(struct frag_mem *mem);

/*
 * frag_boot_reserve_contig() - for a policy's init() only, before any
 * allocation: set aside the naturally aligned, entirely free window of
 * 2^@order pages at @pfn (inside one zone) as an allocated block owned by
 * @owner, as memblock does for boot-time gigantic hugetlb pages
 * (hugetlb_hstate_alloc_pages() -> alloc_bootmem_huge_page()): the pages
 * never reach the buddy, the zone's managed pages exclude them and the
 * watermarks are computed without them. 0, -EBUSY (allocations already
 * happened) or -EINVAL (not aligned, not in one zone, not all free).
 */
int frag_boot_reserve_contig(struct frag_mem *mem, uint64_t pfn, unsigned order, gfp_t gfp,
			     const struct frag_owner *owner);
void frag_init_per_zone_wmark_min(struct frag_mem *mem, bool user_set, bool thp_enabled);
/* ---------------------------------------------------------------------- */
/* Reclaim (vmscan.c)                                                     */
/* ---------------------------------------------------------------------- */

#define DEF_PRIORITY      12
#define SWAP_CLUSTER_MAX  32

/* A registered shrinker and its per-node deferred work (shrinker->nr_deferred). */
struct frag_shrinker_slot {
	struct frag_shrinker s;
	int64_t *nr_deferred;                     /* [nr_nodes] */
};

/* The LRU list an allocated block is on, NR_FRAG_LRU if none. */
static inline unsigned lru_of(unsigned kind, unsigned owner_flags)
{
	if (!(owner_flags & OWNER_LRU))
		return NR_FRAG_LRU;
	return kind == KIND_ANON ? FRAG_LRU_ANON : kind == KIND_FILE ? FRAG_LRU_FILE : NR_FRAG_LRU;
}

/* lruvec_add_folio() / lruvec_del_folio(): zone LRU sizes, from prep_new_page() and free_pages_prepare();
 * blocks of owner @owner_id FRAG_OWNER_SNAPSHOT also count in nr_restored_lru. */
static inline void lru_account(struct frag_zone *z, uint32_t owner_id, unsigned kind, unsigned owner_flags,
			       uint64_t nr, int sign)
{
	unsigned lru = lru_of(kind, owner_flags);
	if (lru < NR_FRAG_LRU) {
		z->nr_lru[lru] += sign > 0 ? nr : -nr;
		if (owner_id == FRAG_OWNER_SNAPSHOT)
			z->nr_restored_lru[lru] += sign > 0 ? nr : -nr;
	}
}

void vmscan_init(struct frag_mem *mem, const struct frag_config *cfg);
void vmscan_destroy(struct frag_mem *mem);
void wakeup_kswapd(struct frag_mem *mem, struct frag_zone *z, gfp_t gfp, unsigned order, enum zone_type highest);
bool pgdat_balanced(const struct frag_mem *mem, unsigned nid, unsigned order, enum zone_type highest_zoneidx);
unsigned balance_pgdat(struct frag_mem *mem, unsigned nid, unsigned order, enum zone_type highest_zoneidx);
uint64_t try_to_free_pages(struct frag_mem *mem, unsigned nid, unsigned order, gfp_t gfp);
uint64_t vmscan_zone_reclaimable_pages(const struct frag_mem *mem, unsigned zone_id);
uint64_t do_shrink_slab(struct frag_mem *mem, unsigned shrinker_id, unsigned nid, int priority);
uint64_t shrink_slab(struct frag_mem *mem, gfp_t gfp, unsigned nid, int priority);

#endif /* FRAG_MM_INTERNAL_H */
