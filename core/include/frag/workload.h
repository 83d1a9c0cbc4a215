/* SPDX-License-Identifier: MIT */
/*
 * workload.h - workload actors: the kernel subsystems and user programs that
 * allocate and free memory in a simulation.
 *
 * A workload is one .c file in workloads/ exporting one
 * `const struct frag_workload_ops`, registered by one line in
 * workloads/workloads.def. A scenario creates named *instances* of a
 * workload type, each bound to a set of CPUs. The engine (core/sim) drives
 * every (instance, CPU) pair as an event source: it calls step() when the
 * pair's next event is due, in simulated-time order per CPU, batching many
 * events per SimGrid wake-up.
 *
 * Rules for workloads:
 *  - use only the helpers below and the public frag_* API (no core/mm
 *    internals);
 *  - draw random numbers only from frag_wl_rng() (one stream per instance and
 *    CPU, seeded from the scenario seed, the instance and the CPU), and draw
 *    the same number of values per event whatever the allocation outcome, so
 *    the demand stream never depends on the policy;
 *  - a failed allocation is a result: count it, fall back as the kernel
 *    caller would, carry on.
 */
#ifndef FRAG_WORKLOAD_H
#define FRAG_WORKLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frag/gfp.h"
#include "frag/mm.h"
#include "frag/param.h"
#include "frag/stat_list.h"
#include "frag/types.h"

#define FRAG_WORKLOAD_ABI 3
#define FRAG_TIME_NEVER UINT64_MAX

struct frag_wl;          /* one workload instance (opaque; see the accessors) */
struct frag_rng;
struct frag_mem;

/* Transparent hugepage settings (/sys/kernel/mm/transparent_hugepage). */
enum frag_thp_enabled { THP_ENABLED_ALWAYS, THP_ENABLED_MADVISE, THP_ENABLED_NEVER };
enum frag_thp_defrag {
	THP_DEFRAG_ALWAYS,
	THP_DEFRAG_DEFER,
	THP_DEFRAG_DEFER_MADVISE,
	THP_DEFRAG_MADVISE,
	THP_DEFRAG_NEVER,
};

struct frag_thp_settings {
	int enabled;              /* enum frag_thp_enabled (default madvise) */
	int defrag;               /* enum frag_thp_defrag (default madvise) */
	bool khugepaged_defrag;   /* khugepaged/defrag (default 1) */
	uint32_t mthp_orders;     /* bit k: hugepages-<4K << k>/enabled follows `enabled` (k in 2..8); default 0 */
	bool local_try;           /* alloc_pages_mpol(): a PMD-order fault tries the local node with
				     __GFP_THISNODE | __GFP_NORETRY first (CONFIG_NUMA); default 0 */
};

struct frag_workload_ops {
	unsigned abi_version;              /* FRAG_WORKLOAD_ABI */
	const char *name;                  /* registry name (the scenario's `type:`) */
	const char *summary;               /* one line for `fragsim workloads` */
	const struct frag_param *params;   /* parameter table, FRAG_PARAM_END-terminated, may be NULL */
	size_t opts_size;                  /* size of the opts struct the table describes */
	size_t priv_size;                  /* per-instance private state (zeroed) */
	size_t cpu_priv_size;              /* per (instance, CPU) private state (zeroed) */

	/**
	 * init() - before t=0, after the machine exists. Check cross-parameter
	 * constraints (e.g. memory the workload would need) and return -EINVAL
	 * with a message via frag_wl_error(); set up private state.
	 */
	int (*init)(struct frag_wl *wl);

	/**
	 * start() - the first event time on CPU slot @slot (an index into the
	 * instance's CPUs), at or after @now (the instance's start time).
	 * Return FRAG_TIME_NEVER for no events on that CPU.
	 */
	uint64_t (*start)(struct frag_wl *wl, unsigned slot, uint64_t now);

	/**
	 * step() - handle the event due at @now on CPU slot @slot: allocate,
	 * free, fault, as the workload models. It may go on with its later
	 * events due at or before @until (>= @now; nothing else happens on
	 * this CPU before then), calling frag_wl_at() with each one's time so
	 * the CPU clock follows (wl_timers_take() does). Returns the time of
	 * the next event on this slot (> what it handled), or FRAG_TIME_NEVER.
	 */
	uint64_t (*step)(struct frag_wl *wl, unsigned slot, uint64_t now, uint64_t until);

	/**
	 * stop() - the instance's stop time (before the end of the run) has
	 * come: release what the workload would release at exit (process
	 * teardown). Memory the kernel keeps (page cache, reclaimable slab) may
	 * stay allocated. Not called when the run ends first: fini() is.
	 */
	void (*stop)(struct frag_wl *wl, uint64_t now);

	/* fini() - free private allocations (the engine frees priv itself). */
	void (*fini)(struct frag_wl *wl);

	/**
	 * migrated() - a block this instance owns moved (compaction, evacuation,
	 * contiguous allocation): @cookie is the value given at allocation.
	 * NULL if the workload never allocates migratable memory.
	 */
	void (*migrated)(struct frag_wl *wl, uint32_t cookie, uint64_t old_pfn, uint64_t new_pfn);

	/*
	 * Reclaim (ABI 3; all optional). The kernel's reclaim (core/mm/vmscan.c)
	 * asks the environment for LRU pages and cached objects; the engine
	 * splits each node-level request over the instances in proportion to
	 * their lru_pages() on that node. These run inside another CPU's
	 * allocation (direct reclaim, possibly this instance's own) or in kswapd:
	 * free with frag_wl_free_reclaimed(), never allocate, and leave any
	 * structure a step() in progress may be using intact.
	 */

	/* lru_pages() - pages this instance holds on @lru (OWNER_LRU blocks of
	 * KIND_ANON / KIND_FILE) on node @nid. */
	uint64_t (*lru_pages)(struct frag_wl *wl, unsigned nid, enum frag_lru lru);

	/* shrink_lru() - env.shrink_lru() for this instance's share: scan up to
	 * @nr_to_scan pages from the cold end of its @lru list on node @nid, free
	 * the reclaimed ones (anonymous pages only with a swap slot,
	 * frag_wl_swap_alloc()), set *@nr_scanned, return the pages freed. */
	uint64_t (*shrink_lru)(struct frag_wl *wl, unsigned nid, enum frag_lru lru, uint64_t nr_to_scan,
			       uint64_t *nr_scanned);

	/* count_objects() / scan_objects() - a shrinker (struct frag_shrinker),
	 * registered for the instance when both are set. */
	uint64_t (*count_objects)(struct frag_wl *wl, unsigned nid);
	uint64_t (*scan_objects)(struct frag_wl *wl, unsigned nid, uint64_t nr_to_scan, uint64_t *nr_scanned);
};

/* ---------------------------------------------------------------------- */
/* Helpers the engine provides to workloads                               */
/* ---------------------------------------------------------------------- */

/* Accessors. */
const void *frag_wl_opts(const struct frag_wl *wl);
void *frag_wl_priv(struct frag_wl *wl);
void *frag_wl_cpu_priv(struct frag_wl *wl, unsigned slot);
const char *frag_wl_name(const struct frag_wl *wl);
unsigned frag_wl_nr_slots(const struct frag_wl *wl);     /* CPUs the instance runs on */
unsigned frag_wl_cpu(const struct frag_wl *wl, unsigned slot);  /* the CPU number of a slot */
uint32_t frag_wl_id(const struct frag_wl *wl);           /* owner id (unique per instance) */
struct frag_rng *frag_wl_rng(struct frag_wl *wl, unsigned slot);
const struct frag_thp_settings *frag_wl_thp(const struct frag_wl *wl);
uint64_t frag_wl_stop_time(const struct frag_wl *wl);
uint64_t frag_wl_managed_pages(const struct frag_wl *wl);   /* of the whole machine */
unsigned frag_wl_nr_machine_cpus(const struct frag_wl *wl); /* CPUs of the machine (num_present_cpus()) */
/* Report an init() error: "workload NAME: message". */
int frag_wl_error(struct frag_wl *wl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/**
 * frag_wl_alloc() - allocate 2^@order pages on the slot's CPU with @gfp
 * (frag_alloc_pages()), owned by this instance with @cookie, @kind and
 * OWNER_* @flags. Charges the simulated CPU time the allocation costs to
 * the slot's CPU and records its latency. Returns the pfn or FRAG_PFN_NONE.
 */
uint64_t frag_wl_alloc(struct frag_wl *wl, unsigned slot, unsigned order, gfp_t gfp, uint32_t cookie, uint8_t kind,
		       uint8_t flags);

/* frag_wl_alloc() with preferred node @nid (-1: the slot's CPU's node;
 * frag_alloc_pages_node()). */
uint64_t frag_wl_alloc_node(struct frag_wl *wl, unsigned slot, int nid, unsigned order, gfp_t gfp, uint32_t cookie,
			    uint8_t kind, uint8_t flags);

struct frag_contig_result;

/**
 * frag_wl_alloc_contig() - a contiguous block of 2^@order pages
 * (pageblock_order <= @order <= 18) from node @nid (-1: the slot's CPU's
 * node) with @gfp (frag_alloc_contig_pages_res()), owned like
 * frag_wl_alloc(); charges its cost (docs/costs.md) and fills @res (may
 * be NULL) with what the attempt did: reason, windows, pages migrated.
 * frag_wl_alloc() of an order above MAX_PAGE_ORDER is this with @nid -1.
 */
uint64_t frag_wl_alloc_contig(struct frag_wl *wl, unsigned slot, unsigned order, gfp_t gfp, uint32_t cookie,
			      uint8_t kind, uint8_t flags, int nid, struct frag_contig_result *res);

/* frag_wl_free() - free a block this instance allocated (charged as above). */
void frag_wl_free(struct frag_wl *wl, unsigned slot, uint64_t pfn, unsigned order);

/* Charge @ns of simulated CPU time on the slot's CPU (user work, page zeroing). */
void frag_wl_spend(struct frag_wl *wl, unsigned slot, uint64_t ns);

/* count_vm_event(): a kernel vmstat event the workload's code path counts in
 * the kernel (thp_fault_alloc in the fault handler, ...); also counted per
 * instance under the stat's name. */
void frag_wl_vm_event(struct frag_wl *wl, enum frag_stat stat, uint64_t n);

/* From shrink_lru() / scan_objects(): free a block this instance holds on
 * the reclaiming CPU (the allocating CPU in direct reclaim, the node's
 * first CPU for kswapd). Its time is part of the reclaim cost. */
void frag_wl_free_reclaimed(struct frag_wl *wl, uint64_t pfn, unsigned order);

/* Swap slots (frag_swap_alloc() / frag_swap_free()): 0 or -ENOSPC / -EINVAL. */
int frag_wl_swap_alloc(struct frag_wl *wl, uint64_t nr);
int frag_wl_swap_free(struct frag_wl *wl, uint64_t nr);

/* NUMA: the machine's nodes and the node of a pfn (0 outside the machine). */
unsigned frag_wl_nr_nodes(const struct frag_wl *wl);
unsigned frag_wl_pfn_nid(const struct frag_wl *wl, uint64_t pfn);
/* A hint: the workload will soon free @pfn (frag_prefetch_page()); no effect on results. */
void frag_wl_prefetch(const struct frag_wl *wl, uint64_t pfn);
/*
 * The instance keeps one record of @stride bytes per cookie in an array whose
 * base pointer is stored at @base (read at each use: the array may move when
 * it grows). Migration loops then prefetch the record of a block a few
 * migrations before ops->migrated() updates it. A hint; no effect on results.
 */
void frag_wl_set_owner_table(struct frag_wl *wl, void *const *base, size_t stride);

/* A sparse event recorded in the results (events table): @type e.g.
 * "hugetlb_1g", @outcome "ok"/"fail"/a reason, @value e.g. latency in ns. */
void frag_wl_event(struct frag_wl *wl, unsigned slot, const char *type, uint64_t pfn, int order, int64_t value,
		   const char *outcome);
/* The same with more `detail` fields: @fields is the inside of a JSON
 * object ("\"windows\": 3, \"reason\": \"pinned\""), appended after
 * "workload"; NULL or "" for none. */
void frag_wl_event_detail(struct frag_wl *wl, unsigned slot, const char *type, uint64_t pfn, int order,
			  int64_t value, const char *outcome, const char *fields);

/* Per-instance counters reported with the run: `<instance>.<name>`. */
void frag_wl_count(struct frag_wl *wl, const char *name, uint64_t n);

/* The current simulated time of the slot's CPU (advanced by costs). */
uint64_t frag_wl_now(const struct frag_wl *wl, unsigned slot);
/* The workload handles an event due at @t on @slot: the CPU clock moves to @t
 * if it is behind (it may be ahead: earlier work took simulated time). */
void frag_wl_at(struct frag_wl *wl, unsigned slot, uint64_t t);
/* The run is ending (engine.max_ops / max_events reached, a failure, a
 * signal): a step stops handling events and returns. */
bool frag_wl_stopped(const struct frag_wl *wl);

/* The registry (workloads/registry.c, generated from workloads/workloads.def). */
const struct frag_workload_ops *frag_workload_find(const char *name);
unsigned frag_workload_count(void);
const struct frag_workload_ops *frag_workload_at(unsigned i);
int frag_workload_registry_check(char *err, size_t errlen);

#endif /* FRAG_WORKLOAD_H */
