/* SPDX-License-Identifier: MIT */
/*
 * consistent.c - frag_mem_consistent(): recompute every counter and list
 * from the page array and compare.
 *
 * Invariants checked (all zones):
 *  1. every pfn of a zone is covered by exactly one block head (free, PCP or
 *     allocated) or is a hole/reserved page; heads are aligned to their
 *     order and lie inside the zone; tail pages carry no state;
 *  2. no two free buddies of the same order are left unmerged where
 *     __free_one_page() would have merged them (two isolated pageblocks'
 *     order-9 halves excepted: isolation moves, it does not merge);
 *  3. each free_list[order][mt] holds exactly the free heads of that order
 *     and list type, with consistent prev/next links; nr_free and per-type
 *     counts match;
 *  4. each PCP list holds PCP heads of its order/type owned by its CPU;
 *     pcp->count and the zone's PCP total match;
 *  4b. PCPBuddy ownership: a pageblock has an owner CPU only under a policy
 *     with PCP hooks, the owner exists and the block is whole; free blocks
 *     of orders 0-2 on the owner's PCP have no same-order free buddy on it
 *     (merged at PCP level); a pageblock entirely on its owner's PCP is one
 *     order-9 block;
 *  5. zone counters (NR_FREE_PAGES, CMA, highatomic, free pages in blocks >=
 *     pageblock_order, reserved highatomic, allocated per type and kind, LRU
 *     pages per list) match the page array; swap slots in use fit the swap;
 *  6. pageblock content counters and SPB counters, categories, fullness and
 *     list membership match; nr_isolate_pageblock counts the isolated
 *     pageblocks, whose free pages (and only theirs) are on the ISOLATE lists;
 *  7. compaction state: no block left isolated by compaction (PG_ISOLATED)
 *     and no capture pending; cached scanner positions inside the zone
 *     (migrate in [start, end]; free in [pageblock_start(start) - one
 *     pageblock, end): fast_isolate_freepages() may leave it one block below
 *     the lowest, which the next run resets);
 *     skip hints only on pageblocks the scanners can look at (both ends of
 *     their in-zone range present); deferral shift <= 6.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static bool bad(char *why, size_t len, const char *fmt, ...)
{
	if (why && len) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(why, len, fmt, ap);
		va_end(ap);
	}
	return false;
}

struct pb_shadow {
	uint32_t nr_free, nr_pcp, nr_alloc[MIGRATE_PCPTYPES], nr_lru, nr_pinned, nr_reserved;
};

static bool check_zone(const struct frag_mem *mem, const struct frag_zone *z, char *why, size_t len)
{
	uint64_t zs = z->zone_start_pfn, ze = zone_end_pfn(z);
	int64_t nr_free = 0, nr_cma = 0, nr_ha = 0, nr_blocks = 0;
	uint64_t nr_pcp = 0, nr_alloc[MIGRATE_PCPTYPES] = { 0 }, nr_kind[NR_PAGE_KINDS] = { 0 };
	uint64_t nr_lru[NR_FRAG_LRU + 1] = { 0 }, nr_restored_lru[NR_FRAG_LRU + 1] = { 0 };
	uint64_t nr_free_mt[NR_PAGE_ORDERS][MIGRATE_TYPES] = { { 0 } };
	struct pb_shadow *sh = calloc(z->nr_pageblocks, sizeof(*sh));
	bool ok = true;

	if (!sh)
		return bad(why, len, "out of memory");

	/* 1. Walk the blocks. */
	for (uint64_t p = zs; p < ze && ok;) {
		const struct frag_page *pg = &z->pages[p - zs];
		struct pb_shadow *s = &sh[(p >> PAGEBLOCK_ORDER) - z->pb_base];
		switch (pg->state) {
		case PG_HOLE:
		case PG_RESERVED:
			s->nr_reserved++;
			p++;
			continue;
		case PG_TAIL:
			ok = bad(why, len, "zone %u: pfn %#llx is covered by no block", z->id, (unsigned long long)p);
			continue;
		case PG_BUDDY:
		case PG_PCP:
		case PG_ALLOC:
			break;
		case PG_ISOLATED:
			ok = bad(why, len, "zone %u: pfn %#llx is still isolated by compaction", z->id,
				 (unsigned long long)p);
			continue;
		default:
			ok = bad(why, len, "zone %u: pfn %#llx has state %u", z->id, (unsigned long long)p, pg->state);
			continue;
		}
		unsigned order = pg->order;
		uint64_t n = 1ull << order;
		unsigned max_order = pg->state == PG_ALLOC ? SPB_ORDER : MAX_PAGE_ORDER;
		if (order > max_order || (p & (n - 1)) || p + n > ze) {
			ok = bad(why, len, "zone %u: block at %#llx order %u misaligned or outside the zone", z->id,
				 (unsigned long long)p, order);
			continue;
		}
		for (uint64_t t = p + 1; t < p + n; t++) {
			const struct frag_page *tp = &z->pages[t - zs];
			if (tp->state != PG_TAIL) {
				ok = bad(why, len, "zone %u: pfn %#llx (state %u) lies inside block %#llx order %u", z->id,
					 (unsigned long long)t, tp->state, (unsigned long long)p, order);
				break;
			}
		}
		if (!ok)
			continue;
		/* pfn_range_valid_contig() skips pageblocks by nr_lru: hugetlb folios must never count there. */
		if (pg->state == PG_ALLOC && page_kind(pg) == KIND_HUGETLB &&
		    (page_owner_flags(pg) & (OWNER_LRU | OWNER_MOVABLE_OPS))) {
			ok = bad(why, len, "zone %u: hugetlb block %#llx carries LRU/movable_ops flags", z->id,
				 (unsigned long long)p);
			continue;
		}
		/* Content per pageblock. */
		for (uint64_t q = p; q < p + n;) {
			uint64_t pb_end = (q | (PAGEBLOCK_NR_PAGES - 1)) + 1;
			uint64_t e = pb_end < p + n ? pb_end : p + n;
			struct pb_shadow *ss = &sh[(q >> PAGEBLOCK_ORDER) - z->pb_base];
			uint32_t k = (uint32_t)(e - q);
			if (pg->state == PG_BUDDY)
				ss->nr_free += k;
			else if (pg->state == PG_PCP)
				ss->nr_pcp += k;
			else {
				if (pg->mt >= MIGRATE_PCPTYPES) {
					ok = bad(why, len, "zone %u: allocated block %#llx has migratetype %u", z->id,
						 (unsigned long long)p, pg->mt);
					break;
				}
				ss->nr_alloc[pg->mt] += k;
				if (page_owner_flags(pg) & (OWNER_LRU | OWNER_MOVABLE_OPS))
					ss->nr_lru += k;
				if (page_owner_flags(pg) & OWNER_PINNED)
					ss->nr_pinned += k;
			}
			q = e;
		}
		if (pg->state == PG_BUDDY) {
			int mt = pg->mt;
			nr_free_mt[order][mt]++;
			/* Free pages of an isolated pageblock are on the ISOLATE lists, others never. */
			bool iso_first = pfn_to_pb(z, p)->flags & PB_MIGRATE_ISOLATE;
			bool iso_last = pfn_to_pb(z, p + n - 1)->flags & PB_MIGRATE_ISOLATE;
			if (iso_first != iso_last || iso_first != (mt == MIGRATE_ISOLATE))
				ok = bad(why, len, "zone %u: free block %#llx order %u on the %s list, pageblock %sisolated",
					 z->id, (unsigned long long)p, order, frag_migratetype_names[mt],
					 iso_first ? "" : "not ");
			if (mt != MIGRATE_ISOLATE) {
				nr_free += (int64_t)n;
				if (mt == MIGRATE_CMA)
					nr_cma += (int64_t)n;
				else if (mt == MIGRATE_HIGHATOMIC)
					nr_ha += (int64_t)n;
				if (order >= PAGEBLOCK_ORDER)
					nr_blocks += (int64_t)n;
			}
			/* 2. Unmerged buddies. */
			if (order < MAX_PAGE_ORDER) {
				uint64_t b = p ^ n;
				if (b > p && zone_spans_pfn(z, b)) {
					const struct frag_page *bp = &z->pages[b - zs];
					if (bp->state == PG_BUDDY && bp->order == order) {
						int m1 = get_pageblock_migratetype(z, p), m2 = get_pageblock_migratetype(z, b);
						/* Two isolated halves stay apart: isolation moves free
						 * pages between lists, which never merges, and
						 * unset_migratetype_isolate() merges them again. */
						bool merge = order < PAGEBLOCK_ORDER ||
							     (m1 == m2 && !is_migrate_isolate(m1)) ||
							     (migratetype_is_mergeable(m1) && migratetype_is_mergeable(m2));
						if (merge)
							ok = bad(why, len, "zone %u: free buddies %#llx and %#llx of order %u not merged",
								 z->id, (unsigned long long)p, (unsigned long long)b, order);
					}
				}
			}
		} else if (pg->state == PG_PCP) {
			nr_pcp += n;
			if (!pcp_allowed_order(mem, order) || pg->priv >= mem->nr_cpus)
				ok = bad(why, len, "zone %u: PCP block %#llx order %u cpu %u invalid", z->id,
					 (unsigned long long)p, order, pg->priv);
		} else {
			nr_alloc[pg->mt] += n;
			nr_kind[page_kind(pg)] += n;
			nr_lru[lru_of(page_kind(pg), page_owner_flags(pg))] += n;
			if (pg->next == FRAG_OWNER_SNAPSHOT)
				nr_restored_lru[lru_of(page_kind(pg), page_owner_flags(pg))] += n;
		}
		p += n;
	}

	/* 3. Free lists: the zone's, or with spb_lists each SPB's (then the
	 * zone heads are empty and spb_has marks exactly the SPBs holding a
	 * block of each (order, type)); per-SPB block counts in both modes. */
	for (unsigned o = 0; o < NR_PAGE_ORDERS && ok; o++) {
		uint64_t total = 0;
		for (int mt = 0; mt < MIGRATE_TYPES && ok; mt++) {
			uint64_t cnt = 0;
			uint32_t nr_lists = z->spb_lists ? z->nr_spbs : 1;
			if (z->spb_lists && (z->free_area[o].free_list[mt].head != IDX_NONE ||
					     z->free_area[o].free_list[mt].tail != IDX_NONE))
				ok = bad(why, len, "zone %u: SPB lists in use but zone free_list[%u][%d] is not empty", z->id,
					 o, mt);
			for (uint32_t li = 0; li < nr_lists && ok; li++) {
				const struct idx_list *l = z->spb_lists ? &z->spb[li].free_list[o][mt] :
									  &z->free_area[o].free_list[mt];
				uint64_t lcnt = 0;
				uint32_t prev = IDX_NONE;
				for (uint32_t i = l->head; i != IDX_NONE; i = z->pages[i].next) {
					const struct frag_page *pg = &z->pages[i];
					if (i >= z->spanned_pages || pg->state != PG_BUDDY || pg->order != o ||
					    pg->mt != mt || pg->prev != prev ||
					    (z->spb_lists && pfn_to_spb(z, idx_to_pfn(z, i)) != &z->spb[li])) {
						ok = bad(why, len, "zone %u: free_list[%u][%s] entry %#llx is corrupt", z->id,
							 o, frag_migratetype_names[mt], (unsigned long long)idx_to_pfn(z, i));
						break;
					}
					prev = i;
					if (++lcnt > z->spanned_pages) {
						ok = bad(why, len, "zone %u: free_list[%u][%d] loops", z->id, o, mt);
						break;
					}
				}
				if (ok && l->tail != prev)
					ok = bad(why, len, "zone %u: free_list[%u][%d] tail is wrong", z->id, o, mt);
				if (ok && z->spb_lists) {
					bool has = z->spb_has[o][mt][li >> 6] & (1ull << (li & 63));
					if (has != (lcnt != 0) || lcnt != z->spb[li].nr_free[o][mt])
						ok = bad(why, len, "zone %u: SPB %u free_list[%u][%s] holds %llu, count %u, bit %d",
							 z->id, li, o, frag_migratetype_names[mt], (unsigned long long)lcnt,
							 z->spb[li].nr_free[o][mt], has);
				}
				cnt += lcnt;
			}
			if (ok && (cnt != nr_free_mt[o][mt] || cnt != z->free_area[o].nr_free_mt[mt]))
				ok = bad(why, len, "zone %u: free_list[%u][%s] has %llu entries, %llu free heads, counter %llu",
					 z->id, o, frag_migratetype_names[mt], (unsigned long long)cnt,
					 (unsigned long long)nr_free_mt[o][mt],
					 (unsigned long long)z->free_area[o].nr_free_mt[mt]);
			total += cnt;
		}
		if (ok && total != z->free_area[o].nr_free)
			ok = bad(why, len, "zone %u: free_area[%u].nr_free %llu, lists hold %llu", z->id, o,
				 (unsigned long long)z->free_area[o].nr_free, (unsigned long long)total);
	}
	/* Per-SPB block counts (kept in both modes). */
	for (uint32_t si = 0; si < z->nr_spbs && ok; si++) {
		const struct frag_spb *spb = &z->spb[si];
		uint64_t start = spb->start_pfn, end = spb->start_pfn + spb->nr_pages;
		uint32_t want[NR_PAGE_ORDERS][MIGRATE_TYPES] = { { 0 } };
		for (uint64_t q = start; q < end;) {
			const struct frag_page *pg = &z->pages[q - zs];
			if (pg->state == PG_BUDDY) {
				want[pg->order][pg->mt]++;
				q += 1ull << pg->order;
			} else if (pg->state == PG_PCP || pg->state == PG_ALLOC) {
				q += 1ull << pg->order;
			} else {
				q++;
			}
		}
		if (memcmp(want, spb->nr_free, sizeof want))
			ok = bad(why, len, "zone %u: SPB %u per-order free block counts are wrong", z->id, si);
	}

	/* 4. PCP lists. */
	uint64_t pcp_total = 0;
	for (unsigned cpu = 0; cpu < mem->nr_cpus && ok; cpu++) {
		const struct frag_pcp *pcp = &z->pcp[cpu];
		int count = 0;
		for (unsigned pi = 0; pi < NR_PCP_LISTS && ok; pi++) {
			uint32_t prev = IDX_NONE;
			for (uint32_t i = pcp->lists[pi].head; i != IDX_NONE; i = z->pages[i].next) {
				const struct frag_page *pg = &z->pages[i];
				if (pg->state != PG_PCP || pg->priv != cpu || order_to_pindex(pg->mt, pg->order) != pi ||
				    pg->prev != prev) {
					ok = bad(why, len, "zone %u cpu %u: pcp list %u entry %#llx is corrupt", z->id, cpu, pi,
						 (unsigned long long)idx_to_pfn(z, i));
					break;
				}
				prev = i;
				count += 1 << pg->order;
			}
			if (ok && pcp->lists[pi].tail != prev)
				ok = bad(why, len, "zone %u cpu %u: pcp list %u tail is wrong", z->id, cpu, pi);
		}
		if (ok && count != pcp->count)
			ok = bad(why, len, "zone %u cpu %u: pcp->count %d, lists hold %d", z->id, cpu, pcp->count, count);
		pcp_total += (uint64_t)count;
	}
	if (ok && (pcp_total != nr_pcp || pcp_total != z->nr_pcp_pages))
		ok = bad(why, len, "zone %u: PCP pages: lists %llu, heads %llu, counter %llu", z->id,
			 (unsigned long long)pcp_total, (unsigned long long)nr_pcp, (unsigned long long)z->nr_pcp_pages);

	/* 4b. PCPBuddy pageblock ownership (struct frag_pageblock.owner_cpu). */
	for (uint32_t b = 0; b < z->nr_pageblocks && ok; b++) {
		const struct frag_pageblock *pb = &z->pb[b];
		unsigned owner = pb->owner_cpu;
		if (owner == 0xffff)
			continue;
		if (!mem->policy->pcp_free || owner >= mem->nr_cpus || (pb->flags & PB_PARTIAL)) {
			ok = bad(why, len, "zone %u pageblock %u: owner cpu %u (policy %s)", z->id, b, owner,
				 mem->policy->name);
			break;
		}
		uint64_t start = (z->pb_base + b) << PAGEBLOCK_ORDER;
		unsigned on_owner = 0;
		for (uint64_t q = start; q < start + PAGEBLOCK_NR_PAGES && ok;) {
			const struct frag_page *pg = &z->pages[q - zs];
			if (pg->state == PG_PCP && pg->priv == owner) {
				on_owner += 1u << pg->order;
				/* merged on the owner's PCP: no free same-order buddy left beside it */
				uint64_t bq = q ^ (1ull << pg->order);
				const struct frag_page *bp = &z->pages[bq - zs];
				if (pg->order < PAGE_ALLOC_COSTLY_ORDER && bp->state == PG_PCP && bp->order == pg->order &&
				    bp->priv == owner)
					ok = bad(why, len, "zone %u: PCP buddies %#llx/%#llx of order %u unmerged on owner cpu %u",
						 z->id, (unsigned long long)q, (unsigned long long)bq, pg->order, owner);
			}
			q += (pg->state == PG_PCP || pg->state == PG_BUDDY || pg->state == PG_ALLOC) && pg->order <= PAGEBLOCK_ORDER
				     ? 1ull << pg->order : 1;
		}
		if (ok && on_owner == PAGEBLOCK_NR_PAGES && z->pages[start - zs].order != PAGEBLOCK_ORDER)
			ok = bad(why, len, "zone %u pageblock %u: all on owner cpu %u's PCP but not one order-9 block",
				 z->id, b, owner);
	}

	/* 5. Zone counters. */
	if (ok && (nr_free != z->nr_free_pages || nr_cma != z->nr_free_cma || nr_ha != z->nr_free_highatomic ||
		   nr_blocks != z->nr_free_pages_blocks))
		ok = bad(why, len,
			 "zone %u: free %lld/%lld cma %lld/%lld highatomic %lld/%lld blocks %lld/%lld (computed/counter)",
			 z->id, (long long)nr_free, (long long)z->nr_free_pages, (long long)nr_cma, (long long)z->nr_free_cma,
			 (long long)nr_ha, (long long)z->nr_free_highatomic, (long long)nr_blocks,
			 (long long)z->nr_free_pages_blocks);
	for (int mt = 0; mt < MIGRATE_PCPTYPES && ok; mt++)
		if (nr_alloc[mt] != z->nr_alloc[mt])
			ok = bad(why, len, "zone %u: allocated %s pages %llu, counter %llu", z->id,
				 frag_migratetype_names[mt], (unsigned long long)nr_alloc[mt],
				 (unsigned long long)z->nr_alloc[mt]);
	for (int k = 0; k < NR_PAGE_KINDS && ok; k++)
		if (nr_kind[k] != z->nr_kind[k])
			ok = bad(why, len, "zone %u: %s pages %llu, counter %llu", z->id, frag_page_kind_names[k],
				 (unsigned long long)nr_kind[k], (unsigned long long)z->nr_kind[k]);

	for (int l = 0; l < NR_FRAG_LRU && ok; l++)
		if (nr_lru[l] != z->nr_lru[l])
			ok = bad(why, len, "zone %u: %s LRU pages %llu, counter %llu", z->id, l ? "file" : "anon",
				 (unsigned long long)nr_lru[l], (unsigned long long)z->nr_lru[l]);
	for (int l = 0; l < NR_FRAG_LRU && ok; l++)
		if (nr_restored_lru[l] != z->nr_restored_lru[l])
			ok = bad(why, len, "zone %u: restored %s LRU pages %llu, counter %llu", z->id, l ? "file" : "anon",
				 (unsigned long long)nr_restored_lru[l], (unsigned long long)z->nr_restored_lru[l]);

	/* 6. Pageblocks and SPBs. */
	uint64_t ha_blocks = 0;
	for (uint32_t i = 0; i < z->nr_pageblocks && ok; i++) {
		const struct frag_pageblock *pb = &z->pb[i];
		const struct pb_shadow *s = &sh[i];
		uint64_t bs = (z->pb_base + i) << PAGEBLOCK_ORDER;
		uint64_t lo = bs < zs ? zs : bs, hi = bs + PAGEBLOCK_NR_PAGES > ze ? ze : bs + PAGEBLOCK_NR_PAGES;
		uint32_t sum = s->nr_free + s->nr_pcp + s->nr_alloc[0] + s->nr_alloc[1] + s->nr_alloc[2] + s->nr_reserved;
		if (pb->nr_free != s->nr_free || pb->nr_pcp != s->nr_pcp || pb->nr_alloc[0] != s->nr_alloc[0] ||
		    pb->nr_alloc[1] != s->nr_alloc[1] || pb->nr_alloc[2] != s->nr_alloc[2] || pb->nr_lru != s->nr_lru ||
		    pb->nr_pinned != s->nr_pinned || pb->nr_reserved != s->nr_reserved || sum != hi - lo)
			ok = bad(why, len,
				 "zone %u pageblock %#llx: free %u/%u pcp %u/%u alloc %u,%u,%u/%u,%u,%u lru %u/%u "
				 "pinned %u/%u reserved %u/%u (counter/computed)",
				 z->id, (unsigned long long)bs, pb->nr_free, s->nr_free, pb->nr_pcp, s->nr_pcp,
				 pb->nr_alloc[0], pb->nr_alloc[1], pb->nr_alloc[2], s->nr_alloc[0], s->nr_alloc[1],
				 s->nr_alloc[2], pb->nr_lru, s->nr_lru, pb->nr_pinned, s->nr_pinned, pb->nr_reserved,
				 s->nr_reserved);
		if (pb->mt == MIGRATE_HIGHATOMIC)
			ha_blocks++;
		if (ok && pb->mt >= MIGRATE_TYPES)
			ok = bad(why, len, "zone %u pageblock %#llx: migratetype %u", z->id, (unsigned long long)bs, pb->mt);
	}
	uint64_t iso_blocks = 0;
	for (uint32_t i = 0; i < z->nr_pageblocks; i++)
		iso_blocks += (z->pb[i].flags & PB_MIGRATE_ISOLATE) != 0;
	if (ok && iso_blocks != z->nr_isolate_pageblock)
		ok = bad(why, len, "zone %u: nr_isolate_pageblock %llu, %llu isolated pageblocks", z->id,
			 (unsigned long long)z->nr_isolate_pageblock, (unsigned long long)iso_blocks);
	if (ok && ha_blocks * PAGEBLOCK_NR_PAGES != z->nr_reserved_highatomic)
		ok = bad(why, len, "zone %u: nr_reserved_highatomic %llu, %llu HIGHATOMIC pageblocks", z->id,
			 (unsigned long long)z->nr_reserved_highatomic, (unsigned long long)ha_blocks);

	uint32_t cat_count[NR_SPB_CATEGORIES] = { 0 };
	for (uint32_t i = 0; i < z->nr_spbs && ok; i++) {
		const struct frag_spb *spb = &z->spb[i];
		uint16_t nr_pb[MIGRATE_TYPES] = { 0 };
		uint32_t pb_free = 0, pb_iso = 0, pb_res = 0, free = 0, pcp = 0, alloc[3] = { 0 }, res = 0;
		uint64_t first = spb->start_pfn >> PAGEBLOCK_ORDER;
		uint64_t last = (spb->start_pfn + spb->nr_pages - 1) >> PAGEBLOCK_ORDER;
		for (uint64_t b = first; b <= last; b++) {
			const struct frag_pageblock *pb = &z->pb[b - z->pb_base];
			nr_pb[pb->mt]++;
			pb_free += pb->nr_free == PAGEBLOCK_NR_PAGES;
			pb_iso += (pb->flags & PB_MIGRATE_ISOLATE) != 0;
			pb_res += pb->nr_reserved != 0;
			free += pb->nr_free;
			pcp += pb->nr_pcp;
			for (int m = 0; m < 3; m++)
				alloc[m] += pb->nr_alloc[m];
			res += pb->nr_reserved;
		}
		if (memcmp(nr_pb, spb->nr_pb, sizeof nr_pb) || pb_free != spb->nr_pb_free || pb_iso != spb->nr_pb_isolated ||
		    pb_res != spb->nr_pb_reserved || free != spb->nr_free_pages || pcp != spb->nr_pcp_pages ||
		    alloc[0] != spb->nr_alloc_pages[0] || alloc[1] != spb->nr_alloc_pages[1] ||
		    alloc[2] != spb->nr_alloc_pages[2] || res != spb->nr_reserved_pages)
			ok = bad(why, len, "zone %u SPB %u (pfn %#llx): counters differ from its pageblocks", z->id, i,
				 (unsigned long long)spb->start_pfn);
		cat_count[spb->category]++;
	}
	/* SPB lists. */
	uint32_t listed = 0;
	for (unsigned c = 0; c < NR_SPB_CATEGORIES && ok; c++) {
		if (cat_count[c] != z->nr_spb_cat[c])
			ok = bad(why, len, "zone %u: %u %s SPBs, counter %u", z->id, cat_count[c], spb_category_names[c],
				 z->nr_spb_cat[c]);
		for (unsigned f = 0; f < NR_SPB_FULLNESS && ok; f++) {
			uint32_t prev = IDX_NONE;
			for (uint32_t i = z->spb_list[c][f]; i != IDX_NONE && ok; i = z->spb[i].list_next) {
				const struct frag_spb *spb = &z->spb[i];
				uint64_t fb = (uint64_t)spb->nr_free_pages * NR_SPB_FULLNESS / spb->nr_pages;
				unsigned want_f = fb >= NR_SPB_FULLNESS ? NR_SPB_FULLNESS - 1 : (unsigned)fb;
				bool tainted = spb->nr_pb[MIGRATE_UNMOVABLE] || spb->nr_pb[MIGRATE_RECLAIMABLE] ||
					       spb->nr_pb[MIGRATE_HIGHATOMIC];
				unsigned want_c = tainted ? SPB_TAINTED :
						  (spb->nr_pb_free == spb->total_pageblocks ? SPB_EMPTY : SPB_CLEAN);
				if (spb->category != c || spb->fullness != f || spb->list_prev != prev || want_c != c ||
				    want_f != f)
					ok = bad(why, len, "zone %u SPB %u: on list [%s][%u], category %u/%u fullness %u/%u",
						 z->id, i, spb_category_names[c], f, spb->category, want_c, spb->fullness, want_f);
				prev = i;
				if (++listed > z->nr_spbs)
					ok = bad(why, len, "zone %u: SPB lists loop", z->id);
			}
		}
	}
	if (ok && listed != z->nr_spbs)
		ok = bad(why, len, "zone %u: %u SPBs on lists, %u exist", z->id, listed, z->nr_spbs);

	/* 7. Compaction state. */
	if (ok && (z->compact_cached_migrate_pfn[0] < zs || z->compact_cached_migrate_pfn[0] > ze ||
		   z->compact_cached_migrate_pfn[1] < zs || z->compact_cached_migrate_pfn[1] > ze ||
		   z->compact_cached_free_pfn + PAGEBLOCK_NR_PAGES < (zs & ~(uint64_t)(PAGEBLOCK_NR_PAGES - 1)) ||
		   z->compact_cached_free_pfn >= ze))
		ok = bad(why, len, "zone %u: cached compaction pfns migrate %#llx/%#llx free %#llx outside [%#llx, %#llx)",
			 z->id, (unsigned long long)z->compact_cached_migrate_pfn[0],
			 (unsigned long long)z->compact_cached_migrate_pfn[1], (unsigned long long)z->compact_cached_free_pfn,
			 (unsigned long long)zs, (unsigned long long)ze);
	if (ok && z->compact_defer_shift > 6)
		ok = bad(why, len, "zone %u: compact_defer_shift %u > COMPACT_MAX_DEFER_SHIFT", z->id, z->compact_defer_shift);
	for (uint32_t i = 0; i < z->nr_pageblocks && ok; i++) {
		if (!(z->pb[i].flags & PB_COMPACT_SKIP))
			continue;
		uint64_t bs = (z->pb_base + i) << PAGEBLOCK_ORDER;
		uint64_t lo = bs < zs ? zs : bs, hi = bs + PAGEBLOCK_NR_PAGES > ze ? ze : bs + PAGEBLOCK_NR_PAGES;
		if (z->pages[lo - zs].state == PG_HOLE || z->pages[hi - 1 - zs].state == PG_HOLE)
			ok = bad(why, len, "zone %u pageblock %#llx: compaction skip hint on a block the scanners never see",
				 z->id, (unsigned long long)bs);
	}

	free(sh);
	return ok;
}

bool frag_mem_consistent(const struct frag_mem *mem, char *why, size_t len)
{
	if (mem->capc)
		return bad(why, len, "a compaction capture is still pending");
	if (mem->swap_used > mem->swap_pages)
		return bad(why, len, "swap: %llu slots used of %llu", (unsigned long long)mem->swap_used,
			   (unsigned long long)mem->swap_pages);
	for (unsigned i = 0; i < mem->nr_zones; i++)
		if (!check_zone(mem, &mem->zones[i], why, len))
			return false;
	return true;
}

void frag_maybe_check(struct frag_mem *mem)
{
#ifdef FRAG_CHECK_INVARIANTS
	if (mem->check_every && ++mem->nr_ops % mem->check_every == 0) {
		char why[512];
		if (!frag_mem_consistent(mem, why, sizeof why)) {
			fprintf(stderr, "fragsim: invariant violated after operation %llu: %s\n",
				(unsigned long long)mem->nr_ops, why);
			abort();
		}
	}
#else
	(void)mem;
#endif
}

bool frag_mem_conserved(const struct frag_mem *mem, char *why, size_t len)
{
	for (unsigned i = 0; i < mem->nr_zones; i++) {
		const struct frag_zone *z = &mem->zones[i];
		uint64_t free_pages = 0, reserved = 0;
		for (unsigned o = 0; o < NR_PAGE_ORDERS; o++)
			free_pages += z->free_area[o].nr_free << o;
		for (uint32_t b = 0; b < z->nr_pageblocks; b++)
			reserved += z->pb[b].nr_reserved;
		uint64_t alloc = z->nr_alloc[0] + z->nr_alloc[1] + z->nr_alloc[2];
		if (free_pages + z->nr_pcp_pages + alloc + reserved != z->spanned_pages)
			return bad(why, len,
				   "zone %u: pages not conserved: %llu free + %llu PCP + %llu allocated + %llu reserved != "
				   "%llu spanned",
				   z->id, (unsigned long long)free_pages, (unsigned long long)z->nr_pcp_pages,
				   (unsigned long long)alloc, (unsigned long long)reserved,
				   (unsigned long long)z->spanned_pages);
		/* Pages set aside at boot (frag_boot_reserve_contig()) left managed_pages but stay allocated. */
		if (z->managed_pages + reserved > z->spanned_pages ||
		    z->spanned_pages - reserved - z->managed_pages > alloc)
			return bad(why, len,
				   "zone %u: %llu managed + %llu reserved pages of %llu spanned, %llu allocated: free + PCP + "
				   "allocated != managed + set aside at boot",
				   z->id, (unsigned long long)z->managed_pages, (unsigned long long)reserved,
				   (unsigned long long)z->spanned_pages, (unsigned long long)alloc);
	}
	return true;
}
