/* SPDX-License-Identifier: MIT */
/*
 * restore.h - build a struct frag_mem from a per-pfn page-state array, the
 * model side of `fragsim snapshot` (core/mm/restore.c). Pure: no I/O.
 *
 * The caller (core/snap: /proc/kpageflags, kpagecount, zoneinfo, iomem,
 * pagetypeinfo) classifies every pfn of the machine into one byte: an
 * enum frag_ps_class in the low bits, FRAG_PS_TAIL when the pfn continues
 * the allocated block that starts at an earlier pfn (a compound tail). The
 * restore then builds the machine with frag_mem_create() and re-creates the
 * state through the model's own primitives (prep_new_page(),
 * __free_one_page(), the PCP list primitives), so every invariant of
 * frag_mem_consistent() holds on the result. See docs/snapshot.md.
 */
#ifndef FRAG_RESTORE_H
#define FRAG_RESTORE_H

#include <stddef.h>
#include <stdint.h>

#include "frag/mm.h"

/* What one pfn holds (struct frag_restore_input.ps, low 5 bits). */
enum frag_ps_class {
	PS_HOLE,        /* not RAM (iomem), not present */
	PS_RESERVED,    /* present, not managed (KPF_RESERVED; memblock) */
	PS_UNINIT,      /* present, not yet given to the buddy (lazy deferred struct page init): as reserved */
	PS_FREE,        /* free in the buddy (KPF_BUDDY on every page of a free block) */
	PS_PCP,         /* free on a per-CPU list (no flags, kpagecount 0) */
	PS_ANON,        /* anonymous LRU page (KPF_ANON) */
	PS_FILE,        /* page cache LRU page */
	PS_ANON_NOLRU,  /* anonymous or mapped page off the LRU (isolated, being freed): movable, not on an LRU */
	PS_SLAB,        /* slab page (KPF_SLAB): unmovable or reclaimable per its pageblock's type */
	PS_SLAB_RECL,   /* slab page known to be reclaimable (__GFP_RECLAIMABLE) */
	PS_PGTABLE,     /* page table (KPF_PGTABLE) */
	PS_KERNEL,      /* any other allocated kernel page (refcount > 0, no user flags) */
	PS_HUGETLB,     /* hugetlb folio page (KPF_HUGE) */
	NR_PS_CLASSES
};

#define FRAG_PS_CLASS_MASK 0x1f
#define FRAG_PS_TAIL       0x80   /* continues the block of the previous pfn (same class) */

/* Owner id of every block a restore allocates ("the snapshot": the machine's
 * own processes and kernel). The engine accepts migrations of these blocks
 * (nothing to update) and never frees them; see docs/snapshot.md. */
#define FRAG_OWNER_SNAPSHOT 0xfffffff0u

extern const char *const frag_ps_class_names[NR_PS_CLASSES];

/* One zone of the machine being restored. */
struct frag_restore_zone {
	enum zone_type type;                  /* ZONE_DMA .. ZONE_MOVABLE */
	uint64_t start_pfn;                   /* zone_start_pfn */
	uint64_t end_pfn;                     /* zone_start_pfn + spanned */
	uint64_t wmark[3];                    /* min, low, high from zoneinfo; all 0 = computed by the model */
	uint64_t lowmem_reserve[MAX_NR_ZONES]; /* zoneinfo "protection:"; used when wmark[] is given */
	int64_t nr_blocks[MIGRATE_TYPES];     /* pagetypeinfo "Number of blocks type" targets; -1 = unknown */
};

/* What frag_mem_restore() needs. */
struct frag_restore_input {
	uint64_t start_pfn;                   /* pfn of ps[0]: the first zone's start */
	uint64_t end_pfn;                     /* one past the last pfn: the last zone's end */
	const uint8_t *ps;                    /* [end_pfn - start_pfn] class | FRAG_PS_TAIL */
	unsigned nr_zones;                    /* zones, ascending and adjacent */
	struct frag_restore_zone zone[MAX_NR_ZONES];
	unsigned nr_cpus;                     /* CPUs (PCP pages are spread over them round robin) */
	/* Per-pageblock migratetypes of the whole span ([(end-1)>>9 - start>>9 + 1],
	 * pageblock of start_pfn first), e.g. from a state file; NULL = infer them
	 * with frag_restore_infer_pageblocks(). */
	const uint8_t *pb_mt;
};

/* Pageblocks of the span [start_pfn, end_pfn). */
static inline uint64_t frag_restore_nr_pageblocks(const struct frag_restore_input *in)
{
	return ((in->end_pfn - 1) >> PAGEBLOCK_ORDER) - (in->start_pfn >> PAGEBLOCK_ORDER) + 1;
}

/**
 * frag_restore_infer_pageblocks() - the migratetype of every pageblock of
 * @in from its contents, matched to the zones' nr_blocks targets where given:
 * each block first takes the type its allocated pages fit best (movable for
 * free, reserved-only and LRU/hugetlb blocks, unmovable for kernel and slab
 * pages), then blocks move from types above their target to types below it,
 * cheapest first (fewest allocated pages that do not fit the new type; ties
 * to the lowest pfn). Two fully free pageblocks of one aligned order-10 block
 * move together (__free_one_page() merges them under one type); a fully free
 * block turns non-movable only when no other block can.
 * Writes frag_restore_nr_pageblocks() bytes to @out. Returns 0 or -EINVAL
 * with a message in @err.
 */
int frag_restore_infer_pageblocks(const struct frag_restore_input *in, uint8_t *out, char *err, size_t errlen);

/**
 * frag_mem_restore() - build the machine of @in with @cfg's sysctls, policy
 * and env (its geometry is replaced: one node spanning the zones, holes and
 * reserved ranges from the page states, zone bounds from @in). Allocated
 * blocks are owned by FRAG_OWNER_SNAPSHOT with the kind and migratetype of
 * their class. Returns 0, or -EINVAL/-ENOMEM with a message in @err.
 */
int frag_mem_restore(const struct frag_config *cfg, const struct frag_restore_input *in, struct frag_mem **out,
		     char *err, size_t errlen);

/* Pages of list @lru on node @nid in FRAG_OWNER_SNAPSHOT blocks (0 for a bad @nid/@lru). */
uint64_t frag_restored_lru_pages(const struct frag_mem *mem, unsigned nid, enum frag_lru lru);

/**
 * frag_shrink_restored_lru() - reclaim restored LRU pages (FRAG_OWNER_SNAPSHOT
 * blocks of list @lru) on node @nid: the env.shrink_lru() contract (struct
 * frag_env) for the pages no workload holds. Looks at up to @nr_to_scan pages
 * in pfn order interleaved over the node's pageblocks (page k of every
 * pageblock before page k + 1) from a per-node cursor that wraps (core/mm/vmscan.c),
 * frees file pages (all clean) and anonymous ones that get a swap slot
 * (frag_swap_alloc()) with frag_free_pages(@cpu); never allocates. Returns
 * the pages freed and sets *@nr_scanned (may be NULL) to the pages looked at.
 */
uint64_t frag_shrink_restored_lru(struct frag_mem *mem, unsigned cpu, unsigned nid, enum frag_lru lru,
				  uint64_t nr_to_scan, uint64_t *nr_scanned);

#endif /* FRAG_RESTORE_H */
