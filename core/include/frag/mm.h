/* SPDX-License-Identifier: MIT */
/*
 * mm.h - the public interface of core/mm, the physical memory model.
 *
 * core/mm is a pure library: no SimGrid, no I/O, no global state. Everything
 * hangs off one struct frag_mem, created from a struct frag_config. Time and
 * the outside world (daemons to wake, owners to tell about migration, trace
 * subscribers) come in through struct frag_env, so unit tests drive the model
 * with a fake clock.
 *
 * Workloads use only frag_alloc_pages() / frag_free_pages() and the queries
 * below. A failed allocation is a result (FRAG_PFN_NONE plus counters), not
 * an error.
 */
#ifndef FRAG_MM_H
#define FRAG_MM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frag/gfp.h"
#include "frag/stat_list.h"
#include "frag/types.h"

struct frag_mem;
struct frag_policy_ops;

/* A range of physical memory that is not usable RAM. */
enum frag_hole_kind {
	HOLE_ABSENT,     /* not RAM at all (PCI hole, gap): not "present" */
	HOLE_RESERVED,   /* RAM reserved by firmware or memblock: present, not managed */
};

struct frag_hole {
	uint64_t start_pfn;         /* first pfn of the range */
	uint64_t end_pfn;           /* one past the last pfn */
	enum frag_hole_kind kind;   /* absent (hole) or reserved */
};

/* One NUMA node: a contiguous span of pfns. */
struct frag_node_geometry {
	uint64_t start_pfn;         /* first pfn of the node */
	uint64_t nr_pages;          /* spanned pages (holes included) */
	unsigned nr_cpus;           /* CPUs of this node */
	uint64_t movable_pages;     /* pages of ZONE_MOVABLE at the node's top (movablecore=), 0 = none */
};

/* The machine. Zones are derived: DMA < 16 MiB, DMA32 < 4 GiB, Normal above,
 * and Movable at the top of each node when movable_pages is set. */
struct frag_geometry {
	unsigned nr_nodes;                                  /* 1..FRAG_MAX_NODES */
	struct frag_node_geometry node[FRAG_MAX_NODES];     /* in ascending pfn order, non-overlapping */
	unsigned nr_holes;                                  /* entries in holes[] */
	const struct frag_hole *holes;                      /* caller-owned; copied by frag_mem_create */
	bool config_cma;                                    /* CONFIG_CMA: MIGRATE_CMA exists (shown in pagetypeinfo) */
	uint64_t dma_end_pfn;                               /* end of ZONE_DMA; 0 = 16 MiB (x86-64) */
	uint64_t dma32_end_pfn;                             /* end of ZONE_DMA32; 0 = 4 GiB (x86-64) */
	unsigned node_distance_remote;                      /* SLIT distance between nodes (local is 10); 0 = 20 */
};

/* The vm sysctls the model honours (/proc/sys/vm and transparent_hugepage). */
struct frag_sysctl {
	uint64_t min_free_kbytes;            /* 0 = computed by calculate_min_free_kbytes() */
	unsigned watermark_scale_factor;     /* 1..3000, default 10 */
	unsigned watermark_boost_factor;     /* 0 disables boosting; default 15000 */
	unsigned lowmem_reserve_ratio[MAX_NR_ZONES]; /* default 256 256 32 0 */
	unsigned percpu_pagelist_high_fraction; /* 0 (auto) or >= 8 */
	unsigned pcp_batch_scale_max;        /* CONFIG_PCP_BATCH_SCALE_MAX, default 5 */
	unsigned extfrag_threshold;          /* 0..1000, default 500 */
	unsigned compaction_proactiveness;   /* 0..100, default 20 */
	unsigned swappiness;                 /* vm.swappiness 0..200, default 60 (get_scan_count()) */
	bool defrag_mode;                    /* vm.defrag_mode (6.15+), default 0 */
	bool compact_first;                  /* the 7.0 slowpath layout ("compact_first") instead of
						v6.18's; not a sysctl, a kernel version; default 0 */
	bool thp_pcp;                        /* CONFIG_TRANSPARENT_HUGEPAGE: order-9 pages use PCP lists */
	bool thp_enabled;                    /* transparent_hugepage/enabled != never: khugepaged raises
						min_free_kbytes (set_recommended_min_free_kbytes) */
};

/* Everything struct frag_env receives; all fields of one trace event. */
enum frag_trace_id {
	TRACE_EXTFRAG,        /* mm_page_alloc_extfrag */
	TRACE_OOM,            /* an allocation reached the OOM point */
	NR_FRAG_TRACE
};

/* include/trace/events/kmem.h: mm_page_alloc_extfrag. */
struct frag_ev_extfrag {
	uint64_t pfn;                 /* first pfn of the block handed out */
	unsigned alloc_order;         /* the request's order */
	unsigned fallback_order;      /* order of the block taken from the fallback list */
	int alloc_migratetype;        /* the request's migratetype */
	int fallback_migratetype;     /* the list it was taken from */
	bool change_ownership;        /* pageblock now has alloc_migratetype (a claim) */
};

/* An allocation that would invoke the OOM killer (or fail with nothing left). */
struct frag_ev_oom {
	unsigned order;               /* request order */
	gfp_t gfp;                    /* request flags */
	int nid;                      /* preferred node */
	uint64_t free_pages;          /* NR_FREE_PAGES of the preferred zone at that moment */
	uint64_t low_wmark;           /* its low watermark */
};

struct frag_trace_event {
	enum frag_trace_id id;        /* which member of the union is valid */
	uint64_t time_ns;             /* env clock at emission */
	union {
		struct frag_ev_extfrag extfrag;
		struct frag_ev_oom oom;
	};
};

/* Who holds an allocated block, so that migration can tell the owner. */
struct frag_owner {
	uint32_t id;                  /* owner (workload instance) id; 0 = anonymous */
	uint32_t cookie;              /* owner-private object id */
	uint8_t kind;                 /* enum frag_page_kind */
	uint8_t flags;                /* OWNER_LRU, OWNER_MOVABLE_OPS, OWNER_PINNED, ... */
};

/* The LRU lists reclaim scans (enum lru_list, without the active/inactive split: vmscan.c). */
enum frag_lru {
	FRAG_LRU_ANON,                /* KIND_ANON blocks with OWNER_LRU */
	FRAG_LRU_FILE,                /* KIND_FILE blocks with OWNER_LRU */
	NR_FRAG_LRU
};

/* The outside world, as seen from the model. Every member may be NULL. */
struct frag_env {
	void *arg;                                               /* passed to every callback */
	uint64_t (*now_ns)(void *arg);                           /* simulated time */
	void (*wakeup_kswapd)(void *arg, unsigned nid, unsigned order, enum zone_type highest_zoneidx);
	void (*wakeup_kcompactd)(void *arg, unsigned nid, unsigned order, enum zone_type highest_zoneidx);
	void (*trace)(void *arg, const struct frag_trace_event *ev); /* events enabled in trace_mask */
	/* out_of_memory(): the OOM point was reached; return true if memory was
	 * freed (e.g. a task was killed) so that the allocation retries. */
	bool (*out_of_memory)(void *arg, unsigned nid, unsigned order, gfp_t gfp);
	/* migrate_folio(): the allocated block of 2^@order pages at @old_pfn,
	 * owned by @owner, is being moved to @new_pfn (migrate_pages() ->
	 * move_to_new_folio()); the owner updates its reference. Return false
	 * to refuse: the migration then fails (-EAGAIN) and the block stays. */
	bool (*migrate_folio)(void *arg, const struct frag_owner *owner, uint64_t old_pfn, uint64_t new_pfn,
			      unsigned order);
	/* A hint, a few migrations ahead: the block @owner owns (id, cookie) will
	 * be migrated soon, so its record may be loaded now (a prefetch). Must
	 * change nothing: results are the same with and without it. */
	void (*prefetch_owner)(void *arg, const struct frag_owner *owner);
	/* shrink_lru(): reclaim from the environment's list @lru of node @nid
	 * (shrink_list() -> shrink_inactive_list() -> shrink_folio_list()):
	 * look at up to @nr_to_scan pages from the cold end (a folio counts its
	 * 2^order pages), free the reclaimed ones with frag_free_pages() and
	 * return how many pages were freed, setting *@nr_scanned. Each anonymous
	 * page freed must first get a swap slot (frag_swap_alloc()). Runs inside
	 * the allocation slowpath and inside kswapd: it may free, never allocate.
	 * NULL: the environment owns no reclaimable LRU pages. */
	uint64_t (*shrink_lru)(void *arg, unsigned nid, enum frag_lru lru, uint64_t nr_to_scan, uint64_t *nr_scanned);
	uint32_t trace_mask;                                     /* 1u << enum frag_trace_id */
	/* wakeup_policy_daemon(): the policy asks for its daemon() on @nid to
	 * run (frag_policy_wake_daemon()); NULL: no daemon is run. */
	void (*wakeup_policy_daemon)(void *arg, unsigned nid);
};

/* Everything needed to build a machine. */
struct frag_config {
	struct frag_geometry geo;                 /* the machine */
	struct frag_sysctl sysctl;                /* vm sysctls */
	const struct frag_policy_ops *policy;     /* NULL = "linux" */
	const void *policy_opts;                  /* the policy's opts struct, NULL = defaults */
	struct frag_env env;                      /* callbacks */
	unsigned check_every;                     /* run frag_mem_consistent() every N operations (0 = never;
						     only in builds with -Dcheck_invariants=true, the default;
						     elsewhere a nonzero value fails frag_mem_create()) */
	uint64_t swap_pages;                      /* swap space in pages (machine.swap), 0 = no swap */
	unsigned fault_inject;                    /* test-only fault (fragsim fuzz's self-test, docs/fuzzing.md):
						     N > 0 skews the zone's NR_FREE_PAGES by one page after the
						     first successful allocation of order N - 1, so that
						     frag_mem_consistent() fails; 0 = off */
	bool host_thp;                            /* back the page array with host THP (frag/hugemem.h): faster
						     random access once most of it is in use, but creation faults
						     in the whole array (16 bytes per simulated page) and takes
						     longer; fragsim run sets it, the library default is off */
};

/* Fill @s with the kernel defaults. */
void frag_sysctl_defaults(struct frag_sysctl *s);

/**
 * frag_geometry_simple() - a one-node (or evenly split multi-node) machine of
 * @bytes bytes starting at pfn 0, with @nr_cpus CPUs in total.
 */
void frag_geometry_simple(struct frag_geometry *g, uint64_t bytes, unsigned nr_nodes, unsigned nr_cpus);

/**
 * frag_mem_create() - build a machine: zones, watermarks, PCPs, free lists.
 * All present, non-reserved memory starts free, in MOVABLE pageblocks, on the
 * free lists in ascending pfn order (memblock_free_all()).
 * Returns 0, or -EINVAL with a message naming the bad value in @err.
 */
int frag_mem_create(const struct frag_config *cfg, struct frag_mem **out, char *err, size_t errlen);
void frag_mem_destroy(struct frag_mem *mem);

/*
 * frag_mem_estimate() - bytes a model of @nr_pfns pfns (holes included)
 * needs: a 16-byte struct frag_page per pfn, the pageblocks, and a fixed
 * FRAG_MEM_ESTIMATE_FIXED for everything that does not grow with memory
 * (SimGrid, workloads, buffers). A lower bound: clones (predictions) and
 * long-lived workload records add to it.
 */
#define FRAG_MEM_ESTIMATE_FIXED (64ull << 20)
uint64_t frag_mem_estimate(uint64_t nr_pfns);
/* The pfns frag_mem_create() allocates page state for: MAX_ORDER-aligned base to the last node's end. */
uint64_t frag_geometry_span(const struct frag_geometry *g);

/**
 * frag_mem_clone() - a deep copy of @mem: page array, pageblocks, SPBs,
 * zones, PCPs, counters, sysctls, policy options and private state (the
 * policy's clone hook copies what its state points to). The copy gets @env
 * (NULL: no callbacks at all, so nothing outside is told of what happens in
 * the copy) and is independent of @mem. Returns 0, -ENOMEM, -EBUSY (a
 * compaction capture is pending) or -EOPNOTSUPP (the policy has a fini()
 * but no clone() hook).
 */
int frag_mem_clone(const struct frag_mem *mem, const struct frag_env *env, struct frag_mem **out);

/**
 * frag_mem_hash() - a 64-bit hash (FNV-1a) of the whole machine state:
 * page array, pageblocks, SPBs, free lists, PCPs, zone and node state,
 * counters. Equal for a machine and its clone; changes with any operation
 * that changes the state.
 */
uint64_t frag_mem_hash(const struct frag_mem *mem);


/**
 * frag_alloc_pages() - allocate 2^@order pages for @cpu with @gfp
 * (alloc_pages() / __alloc_frozen_pages_noprof()).
 * Returns the first pfn of the block, or FRAG_PFN_NONE (counted in alloc_fail).
 */
uint64_t frag_alloc_pages(struct frag_mem *mem, unsigned cpu, unsigned order, gfp_t gfp,
			  const struct frag_owner *owner);

/**
 * frag_alloc_pages_node() - frag_alloc_pages() with preferred node @nid
 * (__alloc_pages_node(); -1: @cpu's node): the node's zonelist (its own
 * zones only with __GFP_THISNODE), @cpu's PCP lists.
 */
uint64_t frag_alloc_pages_node(struct frag_mem *mem, unsigned cpu, int nid, unsigned order, gfp_t gfp,
			       const struct frag_owner *owner);

/**
 * frag_free_pages() - free a block previously returned by frag_alloc_pages()
 * (__free_pages() -> __free_frozen_pages()), from @cpu.
 * Returns 0, or -EINVAL if @pfn/@order is not an allocated block.
 */
int frag_free_pages(struct frag_mem *mem, unsigned cpu, uint64_t pfn, unsigned order);

/**
 * frag_alloc_contig_pages() - a naturally aligned block of 2^@order pages,
 * pageblock_order <= @order <= 18 (1 GiB), from node @nid (-1: the CPU's
 * node), as hugetlb's gigantic path does (alloc_contig_pages()): aligned
 * windows are pre-checked, isolated, emptied by migration and taken.
 * Returns the first pfn or FRAG_PFN_NONE. Free it with frag_free_pages(..., @order).
 */
uint64_t frag_alloc_contig_pages(struct frag_mem *mem, unsigned cpu, unsigned order, gfp_t gfp,
				 const struct frag_owner *owner, int nid);

/* Why a window (or a whole alloc_contig_pages() attempt) failed, from the
 * earliest stage to the latest one a window can reach. */
enum frag_contig_reason {
	CONTIG_OK,               /* the block was allocated */
	CONTIG_NO_WINDOW,        /* windows exhausted: no aligned window inside a zone of the zonelist */
	CONTIG_INVALID,          /* the gfp mask or order is not allowed (-EINVAL) */
	CONTIG_REFUSED,          /* the policy's alloc_contig hook refused the request */
	CONTIG_HUGETLB,          /* pfn_range_valid_contig(): a hugetlb folio not smaller than the window (the
				  * window is in use as such; ranked below every real blocker) */
	CONTIG_HOLE,             /* pfn_range_valid_contig(): a hole (no memmap) in the window */
	CONTIG_RESERVED,         /* pfn_range_valid_contig(): a PageReserved page */
	CONTIG_UNMOVABLE,        /* page_is_unmovable(): slab, page tables, kernel, netbuf, non-LRU compound */
	CONTIG_ISOLATED,         /* set_migratetype_isolate(): a pageblock already isolated (-EBUSY) */
	CONTIG_NOMEM,            /* __alloc_contig_migrate_range(): no migration target (-ENOMEM) */
	CONTIG_PINNED,           /* a pinned page stayed: migration failed (-EBUSY) */
	CONTIG_BUSY,             /* test_pages_isolated() found a page that is not free (-EBUSY) */
	NR_CONTIG_REASONS
};

/* "ok", "no_window", ..., "busy": the event outcome of each reason. */
const char *frag_contig_reason_name(enum frag_contig_reason r);

/*
 * What one alloc_contig_pages() attempt did. The failure reported is the
 * one of the window that got furthest (the latest stage in enum
 * frag_contig_reason; the first such window in scan order); every window's
 * failure is counted in @nr_windows_failed.
 */
struct frag_contig_result {
	uint64_t pfn;                 /* the block, or FRAG_PFN_NONE */
	enum frag_contig_reason reason;   /* CONTIG_OK or why it failed */
	int err;                      /* 0, -EINVAL, -ENOMEM or -EBUSY (of the reported window) */
	uint64_t window;              /* first pfn of the reported window, FRAG_PFN_NONE if none */
	uint64_t blocker_pfn;         /* the page that failed it (unmovable, reserved, pinned...), or FRAG_PFN_NONE */
	int blocker_kind;             /* its enum frag_page_kind, -1 if none or not allocated */
	unsigned windows_checked;     /* pfn_range_valid_contig() calls (both passes) */
	unsigned windows_tried;       /* alloc_contig_frozen_range() calls (contig_windows_tried) */
	unsigned passes;              /* 1, or 2 when the first pass skipped windows with hugetlb folios */
	uint64_t isolated_pageblocks; /* set_migratetype_isolate() successes (contig_isolated_pageblocks) */
	uint64_t isolated_pages;      /* pages isolated: migration sources and the free pages taken */
	uint64_t migrated_pages;      /* pages migrated out of windows (contig_migrated_pages) */
	unsigned nr_windows_failed[NR_CONTIG_REASONS];  /* windows that failed, by reason */
};

/* @r as the inside of a JSON object ("\"windows\": 3, \"migrated\": 512,
 * ...", the detail of contig_alloc and hugetlb_1g events,
 * docs/results-format.md) in @buf, truncated to @len. */
void frag_contig_result_fields(char *buf, size_t len, const struct frag_contig_result *r);

/* frag_alloc_contig_pages() that also reports the attempt in @res (may be NULL). */
uint64_t frag_alloc_contig_pages_res(struct frag_mem *mem, unsigned cpu, unsigned order, gfp_t gfp,
				     const struct frag_owner *owner, int nid, struct frag_contig_result *res);

/* The engine tells the model whether a node's kswapd is running (get_page_from_freelist skips such nodes). */
void frag_node_set_kswapd_active(struct frag_mem *mem, unsigned nid, bool active);

/* drain_all_pages(): return every PCP page to the buddy (@zone_id -1: all zones). */
void frag_drain_all_pages(struct frag_mem *mem, int zone_id);
/* The policy's daemon (policy_ops.daemon): its actor name prefix, NULL if it
 * has none; one run for node @nid at @now_ns, returning the delay until the
 * next run in ns (0: sleep until woken). */
const char *frag_policy_daemon_name(const struct frag_mem *mem);
uint64_t frag_policy_daemon_run(struct frag_mem *mem, unsigned nid, uint64_t now_ns);

/* decay_pcp_high() on every PCP (vmstat_update, once per second). */
void frag_pcp_decay(struct frag_mem *mem);
/* The same for one CPU's lists (vmstat_update() -> refresh_cpu_vm_stats() runs on each CPU). */
void frag_pcp_decay_cpu(struct frag_mem *mem, unsigned cpu);

/* ---------------------------------------------------------------------- */
/* Compaction daemons and triggers (compaction.c)                         */
/* ---------------------------------------------------------------------- */

/* HPAGE_FRAG_CHECK_INTERVAL_MSEC: kcompactd's proactive check period, in ns. */
#define FRAG_KCOMPACTD_INTERVAL_NS (500ull * 1000 * 1000)

/* wakeup_kcompactd(): request a block of @order from node @nid's kcompactd
 * (kswapd before it sleeps does this); env.wakeup_kcompactd() is called if
 * some zone is suitable. Order 0 is ignored. */
void frag_wakeup_kcompactd(struct frag_mem *mem, unsigned nid, unsigned order, enum zone_type highest_zoneidx);

/* kcompactd_work_requested(): a wakeup_kcompactd() request is pending; its
 * order and zone limit are returned for frag_kcompactd_do_work(). */
bool frag_kcompactd_work_requested(const struct frag_mem *mem, unsigned nid, unsigned *order,
				   enum zone_type *highest_zoneidx);

/**
 * frag_kcompactd_do_work() - kcompactd_do_work() for node @nid: compact each
 * zone up to @highest_zoneidx that is neither deferred nor unsuitable for a
 * block of @order (SYNC_LIGHT, skip hints obeyed); success resets the
 * deferral, a complete or partial run drains the PCP lists and defers.
 * Counts compact_daemon_wake and the compact_daemon_* scan counters.
 */
void frag_kcompactd_do_work(struct frag_mem *mem, unsigned nid, unsigned order, enum zone_type highest_zoneidx);

/* vm.compaction_proactiveness > 0: kcompactd wakes every
 * FRAG_KCOMPACTD_INTERVAL_NS (otherwise only when woken). */
bool frag_proactive_compaction_enabled(const struct frag_mem *mem);

/**
 * frag_kcompactd_proactive() - kcompactd() after its wait timed out: if
 * proactiveness is on, kswapd is not running and node @nid's fragmentation
 * score (fragmentation_score_node()) is above the high mark, compact every
 * zone whole until its score is at most the low mark (proactive_compact_node:
 * order -1, SYNC_LIGHT). Returns the next timeout in ns:
 * FRAG_KCOMPACTD_INTERVAL_NS, or 64 times that when the score did not drop.
 */
uint64_t frag_kcompactd_proactive(struct frag_mem *mem, unsigned nid);

/* /proc/sys/vm/compact_memory: compact every zone of node @nid (-1: all
 * nodes) whole, MIGRATE_SYNC, order -1. */
void frag_compact_memory(struct frag_mem *mem, int nid);

/* reset_isolation_suitable(): clear node @nid's compaction skip hints
 * where a direct compaction completed (kswapd does this before sleeping). */
void frag_reset_isolation_suitable(struct frag_mem *mem, unsigned nid);

/* Counters. */
uint64_t frag_stat_get(const struct frag_mem *mem, enum frag_stat s);
/* All counters at once: NR_FRAG_STATS values, live (for cheap deltas). */
const uint64_t *frag_stats(const struct frag_mem *mem);
/* A number that changes whenever a FRAG_STAT_PRICED_LIST counter does (stat_list.h):
 * equal before and after a call means the call left every priced counter unchanged. */
uint64_t frag_priced_gen(const struct frag_mem *mem);
/* count_vm_event() for events the callers of the allocator count in the
 * kernel (thp_fault_alloc in the fault handler, htlb_* in hugetlb.c, ...). */
void frag_vm_event(struct frag_mem *mem, enum frag_stat s, uint64_t n);

/* Consistency: check every counter and list against the page array.
 * Returns true when consistent; otherwise writes the first problem to @why. */
bool frag_mem_consistent(const struct frag_mem *mem, char *why, size_t len);
/*
 * frag_mem_conserved() - page conservation, zone by zone: free (buddy) + PCP
 * + allocated + reserved/absent pages == spanned pages, and the pages a
 * policy set aside at boot outside managed_pages (spanned - reserved -
 * managed) are allocated ones, i.e. free + PCP + allocated == managed +
 * set-aside. false with the zone and the numbers in @why otherwise.
 */
bool frag_mem_conserved(const struct frag_mem *mem, char *why, size_t len);

/* Geometry queries. */
unsigned frag_nr_zones(const struct frag_mem *mem);
unsigned frag_nr_cpus(const struct frag_mem *mem);
unsigned frag_nr_nodes(const struct frag_mem *mem);
unsigned frag_cpu_node(const struct frag_mem *mem, unsigned cpu);
uint64_t frag_total_managed_pages(const struct frag_mem *mem);
uint64_t frag_total_free_pages(const struct frag_mem *mem);

/* ---------------------------------------------------------------------- */
/* Reclaim (vmscan.c)                                                     */
/* ---------------------------------------------------------------------- */

#define FRAG_DEFAULT_SEEKS   2                   /* DEFAULT_SEEKS */
#define FRAG_SHRINK_BATCH    128                 /* SHRINK_BATCH */
#define FRAG_SHRINK_STOP     UINT64_MAX          /* SHRINK_STOP: scan_objects() cannot make progress */
#define FRAG_KSWAPD_NAP_NS   100000000ull        /* kswapd_try_to_sleep(): HZ/10 */

/*
 * A shrinker (include/linux/shrinker.h struct shrinker): a cache of objects
 * the environment can free on request. Every shrinker is treated as
 * SHRINKER_NUMA_AWARE (called per node; dcache and icache are).
 */
struct frag_shrinker {
	const char *name;             /* for messages */
	unsigned seeks;               /* cost to recreate an object: FRAG_DEFAULT_SEEKS; 0 = trim freeable / 2 */
	unsigned batch;               /* objects per scan_objects() call, 0 = FRAG_SHRINK_BATCH */
	/* count_objects(): freeable objects on node @nid (0 = nothing to do). */
	uint64_t (*count_objects)(void *arg, unsigned nid);
	/* scan_objects(): look at up to @nr_to_scan objects of node @nid, free
	 * what can be freed (slab pages go back with frag_free_pages() once
	 * empty), set *@nr_scanned (preset to @nr_to_scan) and return the objects
	 * freed, or FRAG_SHRINK_STOP. Free only, never allocate. */
	uint64_t (*scan_objects)(void *arg, unsigned nid, uint64_t nr_to_scan, uint64_t *nr_scanned);
	void *arg;                    /* passed to both callbacks */
};

/* register_shrinker(): returns the shrinker's id (>= 0) or -errno. */
int frag_register_shrinker(struct frag_mem *mem, const struct frag_shrinker *shrinker);

/* Swap space (get_swap_pages() / swap_free()): one slot per 4 KiB page.
 * frag_swap_alloc() returns 0 or -ENOSPC; frag_swap_free() 0 or -EINVAL. */
int frag_swap_alloc(struct frag_mem *mem, uint64_t nr);
int frag_swap_free(struct frag_mem *mem, uint64_t nr);
uint64_t frag_nr_swap_pages(const struct frag_mem *mem);      /* get_nr_swap_pages(): free slots */
uint64_t frag_swap_used_pages(const struct frag_mem *mem);

/* LRU pages of node @nid on @lru (node_page_state(NR_{IN,}ACTIVE_*)). */
uint64_t frag_node_lru_pages(const struct frag_mem *mem, unsigned nid, enum frag_lru lru);
/* The node of @pfn, or -1 outside the machine's zones. */
int frag_pfn_nid(const struct frag_mem *mem, uint64_t pfn);
/*
 * A hint, no effect on the model: the caller will soon free or look up
 * @pfn, so start loading its struct page and pageblock into the host's
 * cache (loops over many blocks, such as a process exit, hide the memory
 * latency of the next ones behind the current one). Any pfn is accepted.
 */
void frag_prefetch_page(const struct frag_mem *mem, uint64_t pfn);

/*
 * kswapd's loop (vmscan.c kswapd()), one node. The engine's actor owns this
 * state and the clock; the model does the work:
 *
 *   frag_kswapd_init(&k);
 *   for (;;) {
 *	napped = frag_kswapd_try_to_nap(mem, nid, &k);   // may nap: kcompactd was woken
 *	woken = napped && <a wake-up arrived within FRAG_KSWAPD_NAP_NS>;
 *	if (frag_kswapd_try_to_sleep(mem, nid, &k, napped, woken))
 *		<sleep until wakeup_kswapd()>;
 *	frag_kswapd_run(mem, nid, &k);                    // balance_pgdat(), k.nr_* = its work
 *   }
 */
struct frag_kswapd {
	unsigned alloc_order;             /* order kswapd was woken for */
	unsigned reclaim_order;           /* order balance_pgdat() finished at */
	enum zone_type highest_zoneidx;   /* classzone of the last run */
	bool reread;                      /* at the top of the kswapd() loop: re-read pgdat->kswapd_order */
	/* Work of the last frag_kswapd_run(), for its cost: */
	uint64_t nr_scanned;              /* LRU pages scanned (pgscan_kswapd) */
	uint64_t nr_reclaimed;            /* LRU pages reclaimed (pgsteal_kswapd) */
	uint64_t nr_swapped;              /* pages swapped out (pswpout) */
	uint64_t nr_slab_scanned;         /* slab objects scanned by shrinkers (slabs_scanned) */
};

void frag_kswapd_init(struct frag_kswapd *k);
/* kswapd_try_to_sleep() before the nap: true if prepare_kswapd_sleep()
 * allows a nap (kcompactd has been woken for the order kswapd was woken for). */
bool frag_kswapd_try_to_nap(struct frag_mem *mem, unsigned nid, struct frag_kswapd *k);
/* kswapd_try_to_sleep() after the nap (@woken: a wake-up cut it short): true
 * if kswapd sleeps until the next wakeup_kswapd(); otherwise counts
 * kswapd_{low,high}_wmark_hit_quickly and kswapd runs again. */
bool frag_kswapd_try_to_sleep(struct frag_mem *mem, unsigned nid, struct frag_kswapd *k, bool napped, bool woken);
/* The body of the kswapd() loop: take pgdat->kswapd_order and highest
 * zone index, run balance_pgdat(). Call with the node's kswapd marked active
 * (frag_node_set_kswapd_active()). Returns 0, or -EINVAL for a bad node. */
int frag_kswapd_run(struct frag_mem *mem, unsigned nid, struct frag_kswapd *k);

/* Per-PFN state, for views, tests and snapshots. */
enum frag_pfn_state {
	PFN_HOLE,        /* not present */
	PFN_RESERVED,    /* present, reserved (not managed) */
	PFN_FREE,        /* inside a free buddy block */
	PFN_PCP,         /* inside a free block parked on a PCP list */
	PFN_ALLOCATED,   /* inside an allocated block */
};

struct frag_pfn_info {
	enum frag_pfn_state state;   /* what the page is */
	uint64_t head_pfn;           /* first pfn of the block containing it */
	unsigned order;              /* order of that block */
	int migratetype;             /* free/PCP: list type; allocated: the allocation's type */
	int pageblock_mt;            /* get_pageblock_migratetype() */
	struct frag_owner owner;     /* allocated blocks only */
};

/* Describe @pfn. Returns 0, or -ERANGE if @pfn is outside the machine. */
int frag_pfn_info(const struct frag_mem *mem, uint64_t pfn, struct frag_pfn_info *info);

/* ---------------------------------------------------------------------- */
/* Prediction (predict.c)                                                 */
/* ---------------------------------------------------------------------- */

/* alloc_pool_huge_folio()'s masks without __GFP_RETRY_MAYFAIL (added when
 * trying hard): htlb_alloc_mask() | __GFP_THISNODE | __GFP_COMP |
 * __GFP_NOWARN; 2 MiB pages are migratable (GFP_HIGHUSER_MOVABLE), 1 GiB
 * ones are not (GFP_HIGHUSER). */
#define FRAG_HTLB_GFP_2M (GFP_HIGHUSER_MOVABLE | __GFP_THISNODE | __GFP_COMP | __GFP_NOWARN)
#define FRAG_HTLB_GFP_1G (GFP_HIGHUSER | __GFP_THISNODE | __GFP_COMP | __GFP_NOWARN)

/* set_max_huge_pages()'s state while a pool grows. */
struct frag_hugetlb_pool {
	unsigned next_nid;                /* h->next_nid_to_alloc: where the next round-robin try starts */
	bool noretry[FRAG_MAX_NODES];     /* node_alloc_noretry: no __GFP_RETRY_MAYFAIL on this node (2 MiB) */
};

/* The allocation alloc_pool_huge_folio() makes: 2^@order pages on node
 * @nid with @gfp (order > MAX_PAGE_ORDER: alloc_contig_pages()), made and
 * owned by the caller. Returns the pfn or FRAG_PFN_NONE. */
typedef uint64_t (*frag_pool_alloc_fn)(void *arg, unsigned nid, unsigned order, gfp_t gfp);

/**
 * frag_alloc_pool_huge_folio() - alloc_pool_huge_folio(): one fresh huge
 * page (1 GiB if @gigantic, else 2 MiB) for a pool growing through
 * nr_hugepages. @nid >= 0 (the per-node sysfs file): that node only;
 * -1: the @nr_nodes nodes round-robin from @pool->next_nid, the first
 * that gives a page wins. Each try goes through @alloc with the kernel's
 * mask (FRAG_HTLB_GFP_*, plus __GFP_RETRY_MAYFAIL unless a 2 MiB try on
 * the node is in node_alloc_noretry). Returns the pfn (*@nid_out its node)
 * or FRAG_PFN_NONE when every node failed: set_max_huge_pages() stops
 * growing there.
 */
uint64_t frag_alloc_pool_huge_folio(struct frag_hugetlb_pool *pool, unsigned nr_nodes, bool gigantic, int nid,
				    frag_pool_alloc_fn alloc, void *arg, unsigned *nid_out);

struct frag_predict_opts {
	bool skip_2m;                 /* do not predict the 2 MiB pool */
	bool skip_1g;                 /* do not predict the 1 GiB pool */
	uint64_t max_2m;              /* stop after this many 2 MiB pages (0: no limit) */
	uint64_t max_1g;              /* stop after this many 1 GiB pages (0: no limit) */
};

struct frag_predict_result {
	uint64_t hugetlb_2m_pages;    /* pages the 2 MiB pool grew by before the first failure */
	uint64_t hugetlb_1g_pages;    /* pages the 1 GiB pool grew by before the first failure */
	struct frag_contig_result last_1g;   /* the 1 GiB attempt that failed (reason CONTIG_OK: none failed) */
	uint64_t reclaimed_2m;        /* restored LRU pages direct reclaim freed while growing the 2 MiB pool */
	uint64_t reclaimed_1g;        /* the same while growing the 1 GiB pool */
	bool restored_lru;            /* the machine holds restored LRU pages: the clones reclaim them */
};

/**
 * frag_predict_hugetlb() - how many hugetlb pages could the pool grow by
 * now? On a clone of @mem (left untouched; the clone has no env callbacks),
 * echo N > nr_hugepages as set_max_huge_pages() does it, with N unlimited:
 * one page at a time, alloc_pool_huge_folio() round-robin over the nodes
 * with htlb_alloc_mask() | __GFP_THISNODE, stopping when a whole round of
 * nodes fails. 2 MiB: alloc_buddy_hugetlb_folio() (GFP_HIGHUSER_MOVABLE |
 * __GFP_COMP | __GFP_NOWARN | __GFP_RETRY_MAYFAIL through the slowpath with
 * compaction; __GFP_RETRY_MAYFAIL dropped on a node after it failed once,
 * node_alloc_noretry). 1 GiB, separately from the same original state:
 * alloc_gigantic_folio() -> alloc_contig_pages() with GFP_HIGHUSER |
 * __GFP_COMP | __GFP_NOWARN | __GFP_RETRY_MAYFAIL | __GFP_THISNODE
 * (frag_alloc_pool_huge_folio(), from CPU 0). The clone has no shrinkers;
 * its only callback is shrink_lru() when @mem holds restored LRU pages (a
 * state from `fragsim snapshot`): direct reclaim then reclaims those
 * (frag_shrink_restored_lru(), frag/restore.h) and nothing else. Without
 * restored pages direct reclaim frees nothing: the counts are what
 * compaction and migration can do with the memory as it is. The
 * policy's hooks apply as to any request (hugetlb-boot hands out its free
 * boot pages first). Returns 0 or what frag_mem_clone() returned.
 */
int frag_predict_hugetlb(const struct frag_mem *mem, const struct frag_predict_opts *opts,
			 struct frag_predict_result *res);

/**
 * frag_predict_hugetlb_last() - frag_predict_hugetlb() for a caller that
 * needs @mem no more: the 1 GiB prediction runs on @mem itself (set up as
 * its clone would be), not on a copy, so a large machine's page array is
 * not copied (on the 241 GiB rfc-256g machine, a gigabyte of fresh memory
 * and seconds of host page faults). The result is frag_predict_hugetlb()'s;
 * afterwards @mem holds the grown pool and is fit only for
 * frag_mem_destroy(). Returns 0, -EBUSY during direct compaction, or what
 * frag_mem_clone() returned (the 2 MiB prediction still uses a clone).
 */
int frag_predict_hugetlb_last(struct frag_mem *mem, const struct frag_predict_opts *opts,
			      struct frag_predict_result *res);

#endif /* FRAG_MM_H */
