/* SPDX-License-Identifier: MIT */
/*
 * gfp.h - GFP flags and the mapping from GFP to migratetype and zone.
 *
 * Models include/linux/gfp_types.h and include/linux/gfp.h of Linux 6.18.
 * The bit numbers are the kernel's own (the same values appear in the
 * gfp_flags field of kmem:mm_page_alloc trace events), so traced GFP masks
 * can be fed to the model unchanged.
 */
#ifndef FRAG_GFP_H
#define FRAG_GFP_H

#include <stdbool.h>
#include <stdint.h>

#include "frag/types.h"

typedef uint32_t gfp_t;

/* Bit numbers, include/linux/gfp_types.h (___GFP_*_BIT) for 6.18 without
 * CONFIG_KASAN_HW_TAGS/LOCKDEP bits that are not modelled. */
#define ___GFP_DMA_BIT             0
#define ___GFP_HIGHMEM_BIT         1
#define ___GFP_DMA32_BIT           2
#define ___GFP_MOVABLE_BIT         3
#define ___GFP_RECLAIMABLE_BIT     4
#define ___GFP_HIGH_BIT            5
#define ___GFP_IO_BIT              6
#define ___GFP_FS_BIT              7
#define ___GFP_ZERO_BIT            8
#define ___GFP_DIRECT_RECLAIM_BIT  10
#define ___GFP_KSWAPD_RECLAIM_BIT  11
#define ___GFP_WRITE_BIT           12
#define ___GFP_NOWARN_BIT          13
#define ___GFP_RETRY_MAYFAIL_BIT   14
#define ___GFP_NOFAIL_BIT          15
#define ___GFP_NORETRY_BIT         16
#define ___GFP_MEMALLOC_BIT        17
#define ___GFP_COMP_BIT            18
#define ___GFP_NOMEMALLOC_BIT      19
#define ___GFP_HARDWALL_BIT        20
#define ___GFP_THISNODE_BIT        21
#define ___GFP_ACCOUNT_BIT         22

#define __GFP_DMA            (1u << ___GFP_DMA_BIT)
#define __GFP_HIGHMEM        (1u << ___GFP_HIGHMEM_BIT)
#define __GFP_DMA32          (1u << ___GFP_DMA32_BIT)
#define __GFP_MOVABLE        (1u << ___GFP_MOVABLE_BIT)
#define __GFP_RECLAIMABLE    (1u << ___GFP_RECLAIMABLE_BIT)
#define __GFP_HIGH           (1u << ___GFP_HIGH_BIT)
#define __GFP_IO             (1u << ___GFP_IO_BIT)
#define __GFP_FS             (1u << ___GFP_FS_BIT)
#define __GFP_ZERO           (1u << ___GFP_ZERO_BIT)
#define __GFP_DIRECT_RECLAIM (1u << ___GFP_DIRECT_RECLAIM_BIT)
#define __GFP_KSWAPD_RECLAIM (1u << ___GFP_KSWAPD_RECLAIM_BIT)
#define __GFP_WRITE          (1u << ___GFP_WRITE_BIT)
#define __GFP_NOWARN         (1u << ___GFP_NOWARN_BIT)
#define __GFP_RETRY_MAYFAIL  (1u << ___GFP_RETRY_MAYFAIL_BIT)
#define __GFP_NOFAIL         (1u << ___GFP_NOFAIL_BIT)
#define __GFP_NORETRY        (1u << ___GFP_NORETRY_BIT)
#define __GFP_MEMALLOC       (1u << ___GFP_MEMALLOC_BIT)
#define __GFP_COMP           (1u << ___GFP_COMP_BIT)
#define __GFP_NOMEMALLOC     (1u << ___GFP_NOMEMALLOC_BIT)
#define __GFP_HARDWALL       (1u << ___GFP_HARDWALL_BIT)
#define __GFP_THISNODE       (1u << ___GFP_THISNODE_BIT)
#define __GFP_ACCOUNT        (1u << ___GFP_ACCOUNT_BIT)

#define __GFP_RECLAIM        (__GFP_DIRECT_RECLAIM | __GFP_KSWAPD_RECLAIM)
#define GFP_ZONEMASK         (__GFP_DMA | __GFP_HIGHMEM | __GFP_DMA32 | __GFP_MOVABLE)
#define GFP_MOVABLE_MASK     (__GFP_RECLAIMABLE | __GFP_MOVABLE)
#define GFP_MOVABLE_SHIFT    3

/* Composite masks, include/linux/gfp_types.h. */
#define GFP_ATOMIC           (__GFP_HIGH | __GFP_KSWAPD_RECLAIM)
#define GFP_KERNEL           (__GFP_RECLAIM | __GFP_IO | __GFP_FS)
#define GFP_KERNEL_ACCOUNT   (GFP_KERNEL | __GFP_ACCOUNT)
#define GFP_NOWAIT           (__GFP_KSWAPD_RECLAIM | __GFP_NOWARN)
#define GFP_NOIO             (__GFP_RECLAIM)
#define GFP_NOFS             (__GFP_RECLAIM | __GFP_IO)
#define GFP_USER             (__GFP_RECLAIM | __GFP_IO | __GFP_FS | __GFP_HARDWALL)
#define GFP_DMA              __GFP_DMA
#define GFP_DMA32            __GFP_DMA32
#define GFP_HIGHUSER         (GFP_USER | __GFP_HIGHMEM)
#define GFP_HIGHUSER_MOVABLE (GFP_HIGHUSER | __GFP_MOVABLE)
#define GFP_TRANSHUGE_LIGHT  ((GFP_HIGHUSER_MOVABLE | __GFP_COMP | __GFP_NOMEMALLOC | \
			       __GFP_NOWARN) & ~__GFP_RECLAIM)
#define GFP_TRANSHUGE        (GFP_TRANSHUGE_LIGHT | __GFP_DIRECT_RECLAIM)

/**
 * gfp_migratetype() - migratetype of an allocation, include/linux/gfp.h.
 * @gfp: the request's flags.
 * @mobility_disabled: page_group_by_mobility_disabled (then always UNMOVABLE).
 *
 * (gfp & (__GFP_RECLAIMABLE|__GFP_MOVABLE)) >> 3: MOVABLE for __GFP_MOVABLE,
 * RECLAIMABLE for __GFP_RECLAIMABLE, UNMOVABLE otherwise.
 */
static inline enum migratetype gfp_migratetype(gfp_t gfp, bool mobility_disabled)
{
	if (mobility_disabled)
		return MIGRATE_UNMOVABLE;
	return (enum migratetype)((gfp & GFP_MOVABLE_MASK) >> GFP_MOVABLE_SHIFT);
}

/**
 * gfp_zone() - highest zone an allocation may use, include/linux/gfp.h.
 *
 * Mirrors GFP_ZONE_TABLE on x86-64 (no ZONE_HIGHMEM): __GFP_DMA -> DMA,
 * __GFP_DMA32 -> DMA32, __GFP_HIGHMEM|__GFP_MOVABLE -> MOVABLE, anything else
 * (including __GFP_MOVABLE alone) -> NORMAL. Invalid combinations (DMA with
 * DMA32) resolve to the lowest named zone.
 */
static inline enum zone_type gfp_zone(gfp_t gfp)
{
	if (gfp & __GFP_DMA)
		return ZONE_DMA;
	if (gfp & __GFP_DMA32)
		return ZONE_DMA32;
	if ((gfp & (__GFP_HIGHMEM | __GFP_MOVABLE)) == (__GFP_HIGHMEM | __GFP_MOVABLE))
		return ZONE_MOVABLE;
	return ZONE_NORMAL;
}

/* gfpflags_allow_blocking(), include/linux/gfp.h. */
static inline bool gfpflags_allow_blocking(gfp_t gfp)
{
	return (gfp & __GFP_DIRECT_RECLAIM) != 0;
}

/**
 * frag_gfp_format() - print a GFP mask the way trace events show it
 * ("GFP_KERNEL|__GFP_COMP"), into @buf of @len bytes. Returns @buf.
 */
const char *frag_gfp_format(gfp_t gfp, char *buf, unsigned len);

/**
 * frag_gfp_parse() - parse "GFP_KERNEL|__GFP_COMP" or a number ("0x cc0").
 * Returns 0 or -EINVAL.
 */
int frag_gfp_parse(const char *s, gfp_t *out);

#endif /* FRAG_GFP_H */
