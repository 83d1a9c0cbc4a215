/* SPDX-License-Identifier: MIT */
/*
 * types.h - geometry constants and the kernel's enums (x86-64, 4 KiB pages).
 *
 * Values follow include/linux/mmzone.h, include/linux/pageblock-flags.h and
 * mm/internal.h of Linux 6.18; see docs/kernel-model.md section 1.
 */
#ifndef FRAG_TYPES_H
#define FRAG_TYPES_H

#include <stdint.h>

#define FRAG_PAGE_SHIFT          12
#define FRAG_PAGE_SIZE           (1u << FRAG_PAGE_SHIFT)
#define MAX_PAGE_ORDER           10           /* inclusive */
#define NR_PAGE_ORDERS           (MAX_PAGE_ORDER + 1)
#define PAGE_ALLOC_COSTLY_ORDER  3
#define PAGEBLOCK_ORDER          9
#define PAGEBLOCK_NR_PAGES       (1u << PAGEBLOCK_ORDER)
#define HPAGE_PMD_ORDER          9
/* Superpageblock: one PUD-sized (1 GiB) region, SPB RFC "struct superpageblock". */
#define SPB_ORDER                18
#define SPB_NR_PAGES             (1u << SPB_ORDER)
#define SPB_NR_PAGEBLOCKS        (1u << (SPB_ORDER - PAGEBLOCK_ORDER))
#define FRAG_MAX_NODES           64
#define FRAG_MAX_CPUS            4096

/* "No page": returned by allocation functions on failure. */
#define FRAG_PFN_NONE            UINT64_MAX

/* include/linux/mmzone.h: enum migratetype (CONFIG_CMA, CONFIG_MEMORY_ISOLATION). */
enum migratetype {
	MIGRATE_UNMOVABLE,
	MIGRATE_MOVABLE,
	MIGRATE_RECLAIMABLE,
	MIGRATE_PCPTYPES,                    /* number of types on the pcp lists */
	MIGRATE_HIGHATOMIC = MIGRATE_PCPTYPES,
	MIGRATE_CMA,
	MIGRATE_ISOLATE,
	MIGRATE_TYPES
};

/* include/linux/mmzone.h: enum zone_type on x86-64 (no HIGHMEM). */
enum zone_type {
	ZONE_DMA,
	ZONE_DMA32,
	ZONE_NORMAL,
	ZONE_MOVABLE,
	MAX_NR_ZONES
};

/* Watermark indices, include/linux/mmzone.h: enum zone_watermarks. */
enum zone_watermarks {
	WMARK_MIN,
	WMARK_LOW,
	WMARK_HIGH,
	WMARK_PROMO,
	NR_WMARK
};

/* Internal allocation flags, mm/internal.h (values as in 6.18). */
#define ALLOC_WMARK_MIN      WMARK_MIN
#define ALLOC_WMARK_LOW      WMARK_LOW
#define ALLOC_WMARK_HIGH     WMARK_HIGH
#define ALLOC_NO_WATERMARKS  0x04
#define ALLOC_WMARK_MASK     (ALLOC_NO_WATERMARKS - 1)
#define ALLOC_OOM            0x08
#define ALLOC_NON_BLOCK      0x10
#define ALLOC_MIN_RESERVE    0x20   /* == __GFP_HIGH */
#define ALLOC_CPUSET         0x40
#define ALLOC_CMA            0x80
#define ALLOC_NOFRAGMENT     0x100
#define ALLOC_HIGHATOMIC     0x200
#define ALLOC_TRYLOCK        0x400
#define ALLOC_KSWAPD         0x800  /* == __GFP_KSWAPD_RECLAIM */
#define ALLOC_RESERVES       (ALLOC_NON_BLOCK | ALLOC_MIN_RESERVE | ALLOC_HIGHATOMIC | ALLOC_OOM)

/* include/linux/migrate_mode.h: how hard migration may try (compaction
 * modes: ASYNC for the first direct attempt, SYNC_LIGHT for later direct
 * attempts and kcompactd, SYNC for /proc/sys/vm/compact_memory and
 * alloc_contig_range()). */
enum migrate_mode {
	MIGRATE_ASYNC,
	MIGRATE_SYNC_LIGHT,
	MIGRATE_SYNC,
};

/* Names as printed by /proc (mm/page_alloc.c migratetype_names, mm/vmstat.c). */
extern const char *const frag_migratetype_names[MIGRATE_TYPES];
extern const char *const frag_zone_names[MAX_NR_ZONES];

/* What an allocated block holds: the kpageflags-visible kind of its pages. */
enum frag_page_kind {
	KIND_ANON,        /* anonymous memory on the LRU (KPF_ANON|KPF_LRU) */
	KIND_FILE,        /* page cache on the LRU (KPF_LRU) */
	KIND_SLAB,        /* slab pages (KPF_SLAB), unmovable or reclaimable */
	KIND_PGTABLE,     /* page tables (KPF_PGTABLE) */
	KIND_KERNEL,      /* other kernel memory: large kmalloc, vmalloc, stacks, drivers */
	KIND_NETBUF,      /* network buffers (page frags, skb data) */
	KIND_HUGETLB,     /* hugetlb folio (KPF_HUGE) */
	KIND_ZSMALLOC,    /* non-LRU page with movable_ops (zsmalloc, balloon) */
	NR_PAGE_KINDS
};

/* Owner flags of an allocated block (struct frag_owner.flags). */
#define OWNER_LRU          0x01   /* PageLRU: reclaimable/migratable through the LRU */
#define OWNER_MOVABLE_OPS  0x02   /* page_has_movable_ops (non-LRU movable) */
#define OWNER_PINNED       0x04   /* long-term pinned (FOLL_LONGTERM): never migrates */
#define OWNER_COMPOUND     0x08   /* allocated with __GFP_COMP (one folio) */

extern const char *const frag_page_kind_names[NR_PAGE_KINDS];

#endif /* FRAG_TYPES_H */
