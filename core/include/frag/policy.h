/* SPDX-License-Identifier: MIT */
/*
 * policy.h - the anti-fragmentation policy interface.
 *
 * A policy is one .c file exporting one `const struct frag_policy_ops`,
 * registered by one line in policies/policies.def. Hooks are named after the
 * kernel decision points they replace. A NULL hook means "do what Linux
 * does": the baseline policy `linux` sets none. The core applies every
 * decision and keeps all bookkeeping (free lists, pageblock and SPB
 * counters), so invariants hold whatever the policy decides.
 *
 * Lifecycle:
 *   frag_mem_create()  builds zones and free lists, then calls init()
 *   allocations        call alloc_flags(), rmqueue(), find_suitable_fallback(),
 *                      claim_block() as described per hook
 *   compaction         calls suitable_migration_source() and
 *                      suitable_migration_target() per pageblock
 *   PCP lists         rmqueue_pcplist() calls pcp_refill() instead of
 *                      rmqueue_bulk(); free_frozen_page_commit() calls
 *                      pcp_free(); free_pcppages_bulk() calls pcp_drained()
 *   frag_mem_clone()   calls clone() on the copy (predictions run on clones)
 *   frag_mem_destroy() calls fini()
 *
 * ABI: FRAG_POLICY_ABI is bumped when a hook changes meaning; new hooks are
 * appended. A hook that no policy implements is deleted.
 */
#ifndef FRAG_POLICY_H
#define FRAG_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frag/gfp.h"
#include "frag/param.h"
#include "frag/types.h"

#define FRAG_POLICY_ABI 3

struct frag_mem;
struct frag_owner;

/* alloc_contig(): fail the request, do not run alloc_contig_pages(). */
#define FRAG_PFN_REFUSE (~0ull - 1)
struct frag_zone;

/* mm/page_alloc.c: enum rmqueue_mode, the fallback stage __rmqueue() starts
 * from (remembered across one rmqueue_bulk() pass). */
enum rmqueue_mode {
	RMQUEUE_NORMAL,
	RMQUEUE_CMA,
	RMQUEUE_CLAIM,
	RMQUEUE_STEAL,
};

/*
 * What a compaction run is for: the parts of struct compact_control
 * (mm/internal.h) a policy may base a pageblock decision on.
 */
struct frag_compact_ctx {
	int order;                  /* requested order; -1 = whole-zone (compact_memory, proactive) */
	int migratetype;            /* gfp_migratetype() of the request (UNMOVABLE for kcompactd) */
	enum migrate_mode mode;     /* ASYNC, SYNC_LIGHT, SYNC */
	bool direct;                /* direct compaction (false: kcompactd, proactive, compact_memory) */
	bool proactive;             /* proactive compaction (kcompactd's fragmentation score) */
	bool alloc_contig;          /* isolate_migratepages_range() for alloc_contig_range() */
	bool ignore_block_suitable; /* COMPACT_PRIO_SYNC_FULL: any pageblock type is a target */
};

struct frag_policy_ops {
	unsigned abi_version;              /* FRAG_POLICY_ABI */
	const char *name;                  /* registry name, e.g. "linux-defrag" */
	const char *summary;               /* one line for `fragsim policies` */
	const struct frag_param *params;   /* parameter table (FRAG_PARAM_END-terminated), may be NULL */
	size_t opts_size;                  /* size of the opts struct the table describes */
	size_t priv_size;                  /* private state allocated (zeroed) per machine */

	/**
	 * init() - called once by frag_mem_create() after zones, pageblocks, SPBs
	 * and free lists exist and before the first allocation. @opts holds the
	 * validated parameters. May set machine-wide switches (e.g. defrag_mode,
	 * mobility grouping). Return 0 or -errno (creation then fails).
	 */
	int (*init)(struct frag_mem *mem, void *priv, const void *opts);

	/* fini() - called by frag_mem_destroy(). */
	void (*fini)(struct frag_mem *mem, void *priv);

	/**
	 * alloc_flags() - adjust the ALLOC_* flags of a request, mirroring
	 * alloc_flags_nofragment() (@slowpath false: fast path) and
	 * gfp_to_alloc_flags() (@slowpath true). @alloc_flags is what Linux
	 * computed; return the flags to use.
	 */
	unsigned (*alloc_flags)(struct frag_mem *mem, void *priv, const struct frag_zone *preferred,
				gfp_t gfp, unsigned order, unsigned alloc_flags, bool slowpath);

	/**
	 * rmqueue() - replaces __rmqueue(): take a block of 2^@order pages of
	 * migratetype @mt from @z's buddy lists (zone lock held). Must return the
	 * zone-relative index of a block already removed from the free lists and
	 * split down to @order (use the exported __rmqueue_smallest(),
	 * __rmqueue_claim(), __rmqueue_steal() and page_del_and_expand()
	 * building blocks), or IDX_NONE. @mode is the rmqueue_bulk() memo.
	 */
	uint32_t (*rmqueue)(struct frag_mem *mem, void *priv, struct frag_zone *z, unsigned order, int mt,
			    unsigned alloc_flags, enum rmqueue_mode *mode);

	/**
	 * find_suitable_fallback() - called by __rmqueue_claim(),
	 * __rmqueue_steal() and compaction's finish test for one order. Return a
	 * migratetype whose list at @order should be used, -1 for none at this
	 * order, -2 to stop the claim search (too small to claim).
	 */
	int (*find_suitable_fallback)(const struct frag_mem *mem, void *priv, const struct frag_zone *z,
				      unsigned order, int mt, bool claimable);

	/**
	 * claim_block() - in try_to_claim_block() for a candidate block smaller
	 * than a pageblock, after boost_watermark(): decide whether the pageblock
	 * at @pfn is taken over by @start_type, given its @free_pages and
	 * @alike_pages (prep_move_freepages_block()). Linux: free + alike >= 256.
	 */
	bool (*claim_block)(const struct frag_mem *mem, void *priv, const struct frag_zone *z, uint64_t pfn,
			    unsigned current_order, unsigned order, int start_type, int block_type,
			    unsigned free_pages, unsigned alike_pages);

	/**
	 * suitable_migration_source() - in isolate_migratepages(), for each
	 * pageblock the migration scanner reaches (skip hint already honoured):
	 * may compaction isolate pages of the pageblock at @pfn to migrate them
	 * away? @linux_ok is what Linux decides (no compound page >= pageblock_order
	 * at its start; async direct compaction only from blocks of the request's
	 * type, MOVABLE/CMA for movable requests). Return the decision.
	 */
	bool (*suitable_migration_source)(const struct frag_mem *mem, void *priv, const struct frag_zone *z,
					  uint64_t pfn, const struct frag_compact_ctx *cc, bool linux_ok);

	/**
	 * suitable_migration_target() - in isolate_freepages(), for each pageblock
	 * the free scanner reaches: may compaction take free pages of the
	 * pageblock at @pfn as migration targets? @linux_ok is what Linux decides
	 * (never a block starting with a free buddy of order >= cc->order (or
	 * pageblock_order); otherwise MOVABLE/CMA blocks, any block with
	 * ignore_block_suitable). Return the decision.
	 */
	bool (*suitable_migration_target)(const struct frag_mem *mem, void *priv, const struct frag_zone *z,
					  uint64_t pfn, const struct frag_compact_ctx *cc, bool linux_ok);

	/**
	 * alloc_contig() - called first by frag_alloc_contig_pages() (hugetlb's
	 * alloc_gigantic_folio(): a block of 2^@order pages, @order >
	 * MAX_PAGE_ORDER, from node @nid): serve it from the policy's own
	 * reserve (boot-time hugetlb pages, a CMA area, an all-free SPB) and
	 * return its first pfn, already an allocated block of @order owned by
	 * @owner; FRAG_PFN_NONE to let Linux's alloc_contig_pages() run, or
	 * FRAG_PFN_REFUSE to fail the request without it.
	 */
	uint64_t (*alloc_contig)(struct frag_mem *mem, void *priv, unsigned cpu, unsigned order, gfp_t gfp,
				 const struct frag_owner *owner, unsigned nid);

	/**
	 * free_contig() - called first by frag_free_pages() for an allocated
	 * block of @order > MAX_PAGE_ORDER: return true if the policy takes it
	 * back (it stays allocated, e.g. in its boot-time pool), false to free
	 * it to the buddy as Linux does.
	 */
	bool (*free_contig)(struct frag_mem *mem, void *priv, uint64_t pfn, unsigned order);

	/* ABI 3: the PCP path (PCPBuddy). All three NULL = Linux's PCP lists. */

	/**
	 * pcp_refill() - replaces rmqueue_bulk() when @cpu's PCP list of
	 * (@order, @mt) is empty: put free blocks on @cpu's PCP lists of @z
	 * (pcp_list_add(); any list, e.g. a whole pageblock split on the PCP)
	 * so that the (@order, @mt) list is no longer empty, taking the zone
	 * lock as needed (count FRAG_STAT_zone_lock per acquisition, and
	 * FRAG_STAT_pcp_refill / pcp_refill_pages when the buddy is used).
	 * @count is nr_pcp_alloc()'s number of blocks of @order. Return the
	 * pages added to the PCP from the buddy (the core adds them to
	 * pcp->count); blocks moved or split between the CPU's own lists do
	 * not count. The list may stay empty (the allocation then goes on to
	 * the next zone).
	 */
	int (*pcp_refill)(struct frag_mem *mem, void *priv, struct frag_zone *z, unsigned cpu, unsigned order, int mt,
			  int count, unsigned alloc_flags);

	/**
	 * pcp_free() - in free_frozen_page_commit(), for a freed block of
	 * @order (a PCP order) at @pfn whose list type is @mt, freed by @cpu:
	 * return -1 to let Linux put it at the head of @cpu's list, or put it
	 * (possibly merged with PCP buddies) on some CPU's lists with
	 * pcp_list_add() and return that CPU: the core then accounts the
	 * 2^@order pages in that CPU's pcp->count and applies its high mark
	 * (free_pcppages_bulk() on that CPU's PCP).
	 */
	int (*pcp_free)(struct frag_mem *mem, void *priv, struct frag_zone *z, unsigned cpu, uint64_t pfn,
			unsigned order, int mt);

	/**
	 * pcp_drained() - free_pcppages_bulk() just returned the block of
	 * @order at @pfn from @cpu's PCP to the buddy (__free_one_page() done,
	 * zone lock held): e.g. remember a fragment of an owned pageblock.
	 */
	void (*pcp_drained)(struct frag_mem *mem, void *priv, struct frag_zone *z, unsigned cpu, uint64_t pfn,
			    unsigned order);
	/**
	 * clone() - frag_mem_clone() copied the machine into @new_mem, whose
	 * @new_priv is a bytewise copy of @old_priv: deep-copy what the state
	 * points to, so that the copy's fini() frees its own. Return 0 or
	 * -ENOMEM (having freed what it allocated). NULL: the bytewise copy
	 * is the whole state; a policy with fini() and no clone() cannot be
	 * cloned (frag_mem_clone() returns -EOPNOTSUPP).
	 */
	int (*clone)(struct frag_mem *new_mem, void *new_priv, const void *old_priv);
};

/* The registry (policies/registry.c, generated from policies/policies.def). */
const struct frag_policy_ops *frag_policy_find(const char *name);
unsigned frag_policy_count(void);
const struct frag_policy_ops *frag_policy_at(unsigned i);
/* Check the registry: unique names, ABI versions, parameter tables. 0 or -EINVAL. */
int frag_policy_registry_check(char *err, size_t errlen);

#endif /* FRAG_POLICY_H */
