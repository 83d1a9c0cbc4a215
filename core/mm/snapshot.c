/* SPDX-License-Identifier: MIT */
/*
 * snapshot.c - the epoch sample of a machine, in the array layouts of
 * frag/sink.h: free blocks per zone/order/list, the pageblock map codes and
 * the SPB state table. What /proc/pagetypeinfo and the RFC's debugfs
 * superpageblock files show, as numbers for the time series.
 */
#include <string.h>

#include "frag/sink.h"
#include "frag/snapshot.h"
#include "internal.h"

uint64_t frag_nr_pageblocks(const struct frag_mem *mem)
{
	return mem->nr_pageblocks_total;
}

uint64_t frag_nr_spbs(const struct frag_mem *mem)
{
	return mem->nr_spbs_total;
}

void frag_zone_descs(const struct frag_mem *mem, struct frag_zone_desc *out)
{
	uint64_t pb = 0, spb = 0;
	for (unsigned i = 0; i < mem->nr_zones; i++) {
		const struct frag_zone *z = &mem->zones[i];
		out[i] = (struct frag_zone_desc){
			.nid = z->nid,
			.name = frag_zone_names[z->type],
			.start_pfn = z->zone_start_pfn,
			.spanned_pages = z->spanned_pages,
			.managed_pages = z->managed_pages,
			.first_pageblock = pb,
			.nr_pageblocks = z->nr_pageblocks,
			.first_spb = spb,
			.nr_spbs = z->nr_spbs,
		};
		pb += z->nr_pageblocks;
		spb += z->nr_spbs;
	}
}

void frag_snapshot_free_blocks(const struct frag_mem *mem, uint32_t *out)
{
	for (unsigned i = 0; i < mem->nr_zones; i++)
		for (unsigned o = 0; o < NR_PAGE_ORDERS; o++)
			for (int mt = 0; mt < MIGRATE_TYPES; mt++)
				*out++ = (uint32_t)mem->zones[i].free_area[o].nr_free_mt[mt];
}

/* Does the pageblock starting at @pfn hold hugetlb pages (2 MiB or 1 GiB)? */
static bool pb_hugetlb(const struct frag_zone *z, uint64_t pfn)
{
	for (unsigned o = PAGEBLOCK_ORDER; o <= SPB_ORDER; o++) {
		uint64_t h = pfn & ~((1ull << o) - 1);
		if (!zone_spans_pfn(z, h))
			break;
		const struct frag_page *p = &z->pages[pfn_to_idx(z, h)];
		if (p->state == PG_ALLOC && p->order >= o)
			return page_kind(p) == KIND_HUGETLB;
		if (p->state != PG_TAIL)
			break;
	}
	/* Smaller blocks inside the pageblock: look at its first block only. */
	if (zone_spans_pfn(z, pfn)) {
		const struct frag_page *p = &z->pages[pfn_to_idx(z, pfn)];
		return p->state == PG_ALLOC && page_kind(p) == KIND_HUGETLB;
	}
	return false;
}

void frag_snapshot_pageblocks(const struct frag_mem *mem, uint8_t *out)
{
	for (unsigned i = 0; i < mem->nr_zones; i++) {
		const struct frag_zone *z = &mem->zones[i];
		for (uint32_t b = 0; b < z->nr_pageblocks; b++) {
			const struct frag_pageblock *pb = &z->pb[b];
			uint8_t code = (uint8_t)((pb->flags & PB_MIGRATE_ISOLATE) ? MIGRATE_ISOLATE : pb->mt);
			if (pb->nr_free == PAGEBLOCK_NR_PAGES)
				code |= FRAG_PB_FREE;
			for (int a = 0; a < MIGRATE_PCPTYPES; a++)
				if (a != pb->mt && pb->nr_alloc[a]) {
					code |= FRAG_PB_MIXED;
					break;
				}
			if (pb->nr_reserved)
				code |= FRAG_PB_RESERVED;
			uint64_t start = (z->pb_base + b) << PAGEBLOCK_ORDER;
			if (start < z->zone_start_pfn)
				start = z->zone_start_pfn;
			if (pb->nr_alloc[MIGRATE_MOVABLE] + pb->nr_alloc[MIGRATE_UNMOVABLE] && pb_hugetlb(z, start))
				code |= FRAG_PB_HUGETLB;
			*out++ = code;
		}
	}
}

void frag_snapshot_spbs(const struct frag_mem *mem, uint32_t *out)
{
	for (unsigned i = 0; i < mem->nr_zones; i++) {
		const struct frag_zone *z = &mem->zones[i];
		for (uint32_t k = 0; k < z->nr_spbs; k++, out += FRAG_SPB_NR_FIELDS) {
			const struct frag_spb *s = &z->spb[k];
			out[SPB_F_CATEGORY] = s->category;
			out[SPB_F_FULLNESS] = s->fullness;
			out[SPB_F_FREE_PAGES] = s->nr_free_pages;
			out[SPB_F_PCP_PAGES] = s->nr_pcp_pages;
			out[SPB_F_UNMOVABLE_PAGES] = s->nr_alloc_pages[MIGRATE_UNMOVABLE];
			out[SPB_F_MOVABLE_PAGES] = s->nr_alloc_pages[MIGRATE_MOVABLE];
			out[SPB_F_RECLAIMABLE_PAGES] = s->nr_alloc_pages[MIGRATE_RECLAIMABLE];
			out[SPB_F_PB_UNMOVABLE] = s->nr_pb[MIGRATE_UNMOVABLE];
			out[SPB_F_PB_MOVABLE] = s->nr_pb[MIGRATE_MOVABLE];
			out[SPB_F_PB_RECLAIMABLE] = s->nr_pb[MIGRATE_RECLAIMABLE];
			out[SPB_F_PB_HIGHATOMIC] = s->nr_pb[MIGRATE_HIGHATOMIC];
			out[SPB_F_PB_FREE] = s->nr_pb_free;
			out[SPB_F_RESERVED_PAGES] = s->nr_reserved_pages;
		}
	}
}
