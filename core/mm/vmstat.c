/* SPDX-License-Identifier: MIT */
/*
 * vmstat.c - kernel-format views and fragmentation metrics.
 *
 * Mirrors mm/vmstat.c: frag_show_print (/proc/buddyinfo),
 * pagetypeinfo_showfree_print / pagetypeinfo_showblockcount_print
 * (/proc/pagetypeinfo), fill_contig_page_info, __fragmentation_index,
 * unusable_free_index, unusable_show_print and extfrag_show_print (debugfs
 * extfrag/unusable_index, extfrag/extfrag_index), extfrag_for_order; and mm/compaction.c:
 * fragmentation_score_zone/_weighted/_node. Output is byte-exact: same
 * spacing, trailing blanks and field widths as the kernel's seq_printf()s.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frag/vmstat.h"
#include "internal.h"

void frag_fill_contig_info(const uint64_t nr_free[NR_PAGE_ORDERS], unsigned suitable_order,
			   struct frag_contig_info *info)
{
	info->free_pages = 0;
	info->free_blocks_total = 0;
	info->free_blocks_suitable = 0;
	for (unsigned order = 0; order < NR_PAGE_ORDERS; order++) {
		uint64_t blocks = nr_free[order];
		info->free_blocks_total += blocks;
		info->free_pages += blocks << order;
		if (order >= suitable_order)
			info->free_blocks_suitable += blocks << (order - suitable_order);
	}
}

int frag_fragmentation_index(unsigned order, const struct frag_contig_info *info)
{
	uint64_t requested = 1ull << order;
	if (order > MAX_PAGE_ORDER)
		return 0;
	if (!info->free_blocks_total)
		return 0;
	if (info->free_blocks_suitable)
		return -1000;
	return (int)(1000 - (1000 + info->free_pages * 1000ull / requested) / info->free_blocks_total);
}

int frag_unusable_free_index(unsigned order, const struct frag_contig_info *info)
{
	if (info->free_pages == 0)
		return 1000;
	return (int)((info->free_pages - (info->free_blocks_suitable << order)) * 1000ull / info->free_pages);
}

unsigned frag_extfrag_for_order(const uint64_t nr_free[NR_PAGE_ORDERS], unsigned order)
{
	struct frag_contig_info info;
	frag_fill_contig_info(nr_free, order, &info);
	if (info.free_pages == 0)
		return 0;
	return (unsigned)((info.free_pages - (info.free_blocks_suitable << order)) * 100 / info.free_pages);
}

/* ---------------------------------------------------------------------- */
/* Raw buddyinfo                                                          */
/* ---------------------------------------------------------------------- */

int frag_parse_buddyinfo(const char *text, struct frag_buddyinfo_zone **zones, unsigned *nr, char *err,
			 size_t errlen)
{
	unsigned cap = 8, n = 0, lineno = 0;
	struct frag_buddyinfo_zone *z = malloc(cap * sizeof(*z));
	const char *line = text;

	if (!z)
		return -ENOMEM;
	while (*line) {
		const char *eol = strchr(line, '\n');
		size_t llen = eol ? (size_t)(eol - line) : strlen(line);
		char buf[1024];
		lineno++;
		if (llen >= sizeof buf) {
			snprintf(err, errlen, "line %u: too long (%zu bytes)", lineno, llen);
			goto bad;
		}
		memcpy(buf, line, llen);
		buf[llen] = 0;
		line = eol ? eol + 1 : line + llen;

		char *s = buf;
		while (isspace((unsigned char)*s))
			s++;
		if (!*s)
			continue;
		if (n == cap) {
			cap *= 2;
			struct frag_buddyinfo_zone *nz = realloc(z, cap * sizeof(*z));
			if (!nz) {
				free(z);
				return -ENOMEM;
			}
			z = nz;
		}
		struct frag_buddyinfo_zone *cur = &z[n];
		int consumed = 0;
		if (sscanf(s, "Node %d, zone %15s%n", &cur->node, cur->zone, &consumed) != 2 || cur->node < 0) {
			snprintf(err, errlen, "line %u: expected \"Node <n>, zone <name>\" followed by %d counts, got \"%.60s\"",
				 lineno, NR_PAGE_ORDERS, s);
			goto bad;
		}
		char *p = s + consumed;
		unsigned k = 0;
		for (;;) {
			while (isspace((unsigned char)*p))
				p++;
			if (!*p)
				break;
			if (!isdigit((unsigned char)*p)) {
				snprintf(err, errlen, "line %u: count %u is not a non-negative number: \"%.20s\"", lineno,
					 k, p);
				goto bad;
			}
			char *end;
			errno = 0;
			unsigned long long v = strtoull(p, &end, 10);
			if (errno || (*end && !isspace((unsigned char)*end))) {
				snprintf(err, errlen, "line %u: count %u is not a number: \"%.20s\"", lineno, k, p);
				goto bad;
			}
			if (k >= NR_PAGE_ORDERS) {
				snprintf(err, errlen, "line %u: more than %d counts (orders 0..%d expected)", lineno,
					 NR_PAGE_ORDERS, MAX_PAGE_ORDER);
				goto bad;
			}
			cur->nr_free[k++] = v;
			p = end;
		}
		if (k != NR_PAGE_ORDERS) {
			snprintf(err, errlen, "line %u: %u counts, expected %d (orders 0..%d)", lineno, k, NR_PAGE_ORDERS,
				 MAX_PAGE_ORDER);
			goto bad;
		}
		n++;
	}
	if (n == 0) {
		snprintf(err, errlen, "line %u: no zones found", lineno);
		goto bad;
	}
	*zones = z;
	*nr = n;
	return 0;
bad:
	free(z);
	return -EINVAL;
}

void frag_format_unusable_index(const struct frag_buddyinfo_zone *zones, unsigned nr, struct frag_buf *out)
{
	for (unsigned i = 0; i < nr; i++) {
		frag_buf_printf(out, "Node %d, zone %8s ", zones[i].node, zones[i].zone);
		for (unsigned order = 0; order < NR_PAGE_ORDERS; order++) {
			struct frag_contig_info info;
			frag_fill_contig_info(zones[i].nr_free, order, &info);
			int index = frag_unusable_free_index(order, &info);
			frag_buf_printf(out, "%d.%03d ", index / 1000, index % 1000);
		}
		frag_buf_putc(out, '\n');
	}
}

void frag_format_extfrag_index(const struct frag_buddyinfo_zone *zones, unsigned nr, struct frag_buf *out)
{
	for (unsigned i = 0; i < nr; i++) {
		frag_buf_printf(out, "Node %d, zone %8s ", zones[i].node, zones[i].zone);
		for (unsigned order = 0; order < NR_PAGE_ORDERS; order++) {
			struct frag_contig_info info;
			frag_fill_contig_info(zones[i].nr_free, order, &info);
			int index = frag_fragmentation_index(order, &info);
			frag_buf_printf(out, "%2d.%03d ", index / 1000, index % 1000);
		}
		frag_buf_putc(out, '\n');
	}
}

/* ---------------------------------------------------------------------- */
/* Views of the model                                                     */
/* ---------------------------------------------------------------------- */

static void zone_nr_free(const struct frag_zone *z, uint64_t nr_free[NR_PAGE_ORDERS])
{
	for (unsigned o = 0; o < NR_PAGE_ORDERS; o++)
		nr_free[o] = z->free_area[o].nr_free;
}

/* The zones in /proc order (node by node, low zone first), as parsed lines. */
static struct frag_buddyinfo_zone *model_zones(const struct frag_mem *mem)
{
	struct frag_buddyinfo_zone *zs = calloc(mem->nr_zones ? mem->nr_zones : 1, sizeof(*zs));
	if (!zs)
		return NULL;
	for (unsigned i = 0; i < mem->nr_zones; i++) {
		const struct frag_zone *z = &mem->zones[i];
		zs[i].node = (int)z->nid;
		snprintf(zs[i].zone, sizeof zs[i].zone, "%s", frag_zone_names[z->type]);
		zone_nr_free(z, zs[i].nr_free);
	}
	return zs;
}

void frag_show_buddyinfo(const struct frag_mem *mem, struct frag_buf *out)
{
	for (unsigned i = 0; i < mem->nr_zones; i++) {
		const struct frag_zone *z = &mem->zones[i];
		frag_buf_printf(out, "Node %u, zone %8s ", z->nid, frag_zone_names[z->type]);
		for (unsigned o = 0; o < NR_PAGE_ORDERS; o++)
			frag_buf_printf(out, "%6llu ", (unsigned long long)z->free_area[o].nr_free);
		frag_buf_putc(out, '\n');
	}
}

void frag_show_unusable_index(const struct frag_mem *mem, struct frag_buf *out)
{
	struct frag_buddyinfo_zone *zs = model_zones(mem);
	if (zs)
		frag_format_unusable_index(zs, mem->nr_zones, out);
	free(zs);
}

void frag_show_extfrag_index(const struct frag_mem *mem, struct frag_buf *out)
{
	struct frag_buddyinfo_zone *zs = model_zones(mem);
	if (zs)
		frag_format_extfrag_index(zs, mem->nr_zones, out);
	free(zs);
}

/* The migratetypes the kernel was built with (CONFIG_CMA decides CMA). */
static bool mt_shown(const struct frag_mem *mem, int mt)
{
	return mt != MIGRATE_CMA || mem->geo.config_cma;
}

/* pagetypeinfo_showblockcount_print(): pageblocks counted from zone_start_pfn
 * in pageblock steps (not aligned), skipping pfns without memory. */
static void zone_block_counts(const struct frag_zone *z, uint64_t count[MIGRATE_TYPES])
{
	for (int mt = 0; mt < MIGRATE_TYPES; mt++)
		count[mt] = 0;
	for (uint64_t pfn = z->zone_start_pfn; pfn < zone_end_pfn(z); pfn += PAGEBLOCK_NR_PAGES) {
		if (z->pages[pfn - z->zone_start_pfn].state == PG_HOLE)
			continue;
		count[get_pageblock_migratetype(z, pfn)]++;
	}
}

void frag_show_pagetypeinfo(const struct frag_mem *mem, struct frag_buf *out)
{
	for (unsigned n = 0; n < mem->nr_nodes; n++) {
		frag_buf_printf(out, "Page block order: %d\n", PAGEBLOCK_ORDER);
		frag_buf_printf(out, "Pages per block:  %u\n", PAGEBLOCK_NR_PAGES);
		frag_buf_putc(out, '\n');

		/* pagetypeinfo_showfree() */
		frag_buf_printf(out, "%-43s ", "Free pages count per migrate type at order");
		for (int o = 0; o < NR_PAGE_ORDERS; o++)
			frag_buf_printf(out, "%6d ", o);
		frag_buf_putc(out, '\n');
		for (unsigned i = 0; i < mem->nr_zones; i++) {
			const struct frag_zone *z = &mem->zones[i];
			if (z->nid != n)
				continue;
			for (int mt = 0; mt < MIGRATE_TYPES; mt++) {
				if (!mt_shown(mem, mt))
					continue;
				frag_buf_printf(out, "Node %4u, zone %8s, type %12s ", z->nid, frag_zone_names[z->type],
						frag_migratetype_names[mt]);
				for (int o = 0; o < NR_PAGE_ORDERS; o++) {
					uint64_t c = z->free_area[o].nr_free_mt[mt];
					bool overflow = c >= 100000;
					if (overflow)
						c = 100000;
					frag_buf_printf(out, "%s%6llu ", overflow ? ">" : "", (unsigned long long)c);
				}
				frag_buf_putc(out, '\n');
			}
		}

		/* pagetypeinfo_showblockcount() */
		frag_buf_printf(out, "\n%-23s", "Number of blocks type ");
		for (int mt = 0; mt < MIGRATE_TYPES; mt++)
			if (mt_shown(mem, mt))
				frag_buf_printf(out, "%12s ", frag_migratetype_names[mt]);
		frag_buf_putc(out, '\n');
		for (unsigned i = 0; i < mem->nr_zones; i++) {
			const struct frag_zone *z = &mem->zones[i];
			if (z->nid != n)
				continue;
			uint64_t count[MIGRATE_TYPES];
			zone_block_counts(z, count);
			frag_buf_printf(out, "Node %u, zone %8s ", z->nid, frag_zone_names[z->type]);
			for (int mt = 0; mt < MIGRATE_TYPES; mt++)
				if (mt_shown(mem, mt))
					frag_buf_printf(out, "%12llu ", (unsigned long long)count[mt]);
			frag_buf_putc(out, '\n');
		}
	}
}

unsigned frag_fragmentation_score_zone(const struct frag_mem *mem, unsigned zone_id)
{
	uint64_t nr_free[NR_PAGE_ORDERS];
	zone_nr_free(&mem->zones[zone_id], nr_free);
	return frag_extfrag_for_order(nr_free, HPAGE_PMD_ORDER);
}

/* fragmentation_score_node(): sum of present * score / (node_present + 1). */
unsigned frag_fragmentation_score_node(const struct frag_mem *mem, unsigned nid)
{
	uint64_t node_present = 0, score = 0;
	for (unsigned i = 0; i < mem->nr_zones; i++)
		if (mem->zones[i].nid == nid)
			node_present += mem->zones[i].present_pages;
	for (unsigned i = 0; i < mem->nr_zones; i++) {
		const struct frag_zone *z = &mem->zones[i];
		if (z->nid != nid)
			continue;
		score += z->present_pages * frag_fragmentation_score_zone(mem, i) / (node_present + 1);
	}
	return (unsigned)score;
}

void frag_spb_summary(const struct frag_mem *mem, struct frag_spb_summary *s)
{
	memset(s, 0, sizeof(*s));
	for (unsigned i = 0; i < mem->nr_zones; i++) {
		const struct frag_zone *z = &mem->zones[i];
		s->nr_spbs += z->nr_spbs;
		s->empty += z->nr_spb_cat[SPB_EMPTY];
		s->clean += z->nr_spb_cat[SPB_CLEAN];
		s->tainted += z->nr_spb_cat[SPB_TAINTED];
		for (uint32_t k = 0; k < z->nr_spbs; k++) {
			const struct frag_spb *spb = &z->spb[k];
			bool full = spb->nr_pages == SPB_NR_PAGES;
			s->nr_full_spbs += full;
			s->free_now += spb_is_entirely_free(spb);
			s->movable_only += full && spb_is_content_clean(spb);
			if (spb->category == SPB_TAINTED)
				s->tainted_pageblocks += spb->nr_pb[MIGRATE_UNMOVABLE] + spb->nr_pb[MIGRATE_RECLAIMABLE] +
							 spb->nr_pb[MIGRATE_HIGHATOMIC];
		}
	}
}

void frag_show_spbinfo(const struct frag_mem *mem, struct frag_buf *out)
{
	for (unsigned i = 0; i < mem->nr_zones; i++) {
		const struct frag_zone *z = &mem->zones[i];
		uint64_t full = 0, free_now = 0, movable_only = 0;
		uint64_t fullness[NR_SPB_FULLNESS] = { 0 };
		for (uint32_t k = 0; k < z->nr_spbs; k++) {
			const struct frag_spb *spb = &z->spb[k];
			bool f = spb->nr_pages == SPB_NR_PAGES;
			full += f;
			free_now += spb_is_entirely_free(spb);
			movable_only += f && spb_is_content_clean(spb);
			fullness[spb->fullness]++;
		}
		frag_buf_printf(out,
				"Node %u, zone %8s spbs %6u full_1g %6llu empty %6u clean %6u tainted %6u "
				"free_now %6llu movable_only %6llu fullness",
				z->nid, frag_zone_names[z->type], z->nr_spbs, (unsigned long long)full,
				z->nr_spb_cat[SPB_EMPTY], z->nr_spb_cat[SPB_CLEAN], z->nr_spb_cat[SPB_TAINTED],
				(unsigned long long)free_now, (unsigned long long)movable_only);
		for (unsigned f = 0; f < NR_SPB_FULLNESS; f++)
			frag_buf_printf(out, " %llu", (unsigned long long)fullness[f]);
		frag_buf_putc(out, '\n');
	}
}

void frag_pageblock_summary(const struct frag_mem *mem, struct frag_pageblock_summary *s)
{
	memset(s, 0, sizeof(*s));
	for (unsigned i = 0; i < mem->nr_zones; i++) {
		const struct frag_zone *z = &mem->zones[i];
		for (uint32_t b = 0; b < z->nr_pageblocks; b++) {
			const struct frag_pageblock *pb = &z->pb[b];
			int mt = (pb->flags & PB_MIGRATE_ISOLATE) ? MIGRATE_ISOLATE : pb->mt;
			s->nr[mt]++;
			if (pb->nr_free == PAGEBLOCK_NR_PAGES)
				s->free++;
			bool mixed = false;
			for (int a = 0; a < MIGRATE_PCPTYPES; a++)
				if (a != mt && pb->nr_alloc[a])
					mixed = true;
			/* /proc/pagetypeinfo's mixed-blocks view: CMA blocks are shown as Movable */
			if (mixed)
				s->mixed[is_migrate_cma(mt) ? MIGRATE_MOVABLE : mt]++;
		}
	}
}

void frag_show_pageblockinfo(const struct frag_mem *mem, struct frag_buf *out)
{
	frag_buf_printf(out, "%-23s", "Number of mixed blocks ");
	for (int mt = 0; mt < MIGRATE_TYPES; mt++)
		if (mt_shown(mem, mt))
			frag_buf_printf(out, "%12s ", frag_migratetype_names[mt]);
	frag_buf_putc(out, '\n');
	for (unsigned i = 0; i < mem->nr_zones; i++) {
		const struct frag_zone *z = &mem->zones[i];
		uint64_t mixed[MIGRATE_TYPES] = { 0 };
		for (uint32_t b = 0; b < z->nr_pageblocks; b++) {
			const struct frag_pageblock *pb = &z->pb[b];
			int mt = (pb->flags & PB_MIGRATE_ISOLATE) ? MIGRATE_ISOLATE : pb->mt;
			for (int a = 0; a < MIGRATE_PCPTYPES; a++)
				if (a != mt && pb->nr_alloc[a]) {
					mixed[is_migrate_cma(mt) ? MIGRATE_MOVABLE : mt]++;
					break;
				}
		}
		frag_buf_printf(out, "Node %u, zone %8s ", z->nid, frag_zone_names[z->type]);
		for (int mt = 0; mt < MIGRATE_TYPES; mt++)
			if (mt_shown(mem, mt))
				frag_buf_printf(out, "%12llu ", (unsigned long long)mixed[mt]);
		frag_buf_putc(out, '\n');
	}
}

/*
 * /proc/zoneinfo (mm/vmstat.c zoneinfo_show_print()): per zone, the
 * watermarks (boost, min/low/high/promo, spanned/present/managed, cma),
 * protection (lowmem_reserve), the zone counters the model keeps, the
 * per-CPU pagesets (count/high/batch/high_min/high_max) and start_pfn, in
 * the kernel's order. Not shown: the per-node stats block, numa_* zone
 * counters, "vm stats threshold" and node_unreclaimable (no model state).
 */
void frag_show_zoneinfo(const struct frag_mem *mem, struct frag_buf *out)
{
	for (unsigned i = 0; i < mem->nr_zones; i++) {
		const struct frag_zone *z = &mem->zones[i];
		frag_buf_printf(out, "Node %u, zone %8s\n", z->nid, frag_zone_names[z->type]);
		frag_buf_printf(out, "  pages free     %lld\n", (long long)z->nr_free_pages);
		frag_buf_printf(out, "        boost    %llu\n", (unsigned long long)z->watermark_boost);
		static const char *const wn[NR_WMARK] = { "min", "low", "high", "promo" };
		for (int w = 0; w < NR_WMARK; w++)
			frag_buf_printf(out, "        %-8s %llu\n", wn[w],
					(unsigned long long)(z->_watermark[w] + z->watermark_boost));
		frag_buf_printf(out, "        spanned  %llu\n", (unsigned long long)z->spanned_pages);
		frag_buf_printf(out, "        present  %llu\n", (unsigned long long)z->present_pages);
		frag_buf_printf(out, "        managed  %llu\n", (unsigned long long)z->managed_pages);
		frag_buf_printf(out, "        cma      %llu\n", 0ull);
		frag_buf_printf(out, "        protection: (");
		for (int k = 0; k < MAX_NR_ZONES; k++)
			frag_buf_printf(out, "%s%llu", k ? ", " : "", (unsigned long long)z->lowmem_reserve[k]);
		frag_buf_printf(out, ")\n");
		frag_buf_printf(out, "      %-12s %lld\n", "nr_free_pages", (long long)z->nr_free_pages);
		frag_buf_printf(out, "      %-12s %lld\n", "nr_free_pages_blocks", (long long)z->nr_free_pages_blocks);
		frag_buf_printf(out, "      %-12s %llu\n", "nr_zone_inactive_anon",
				(unsigned long long)z->nr_lru[FRAG_LRU_ANON]);
		frag_buf_printf(out, "      %-12s %llu\n", "nr_zone_active_anon", 0ull);
		frag_buf_printf(out, "      %-12s %llu\n", "nr_zone_inactive_file",
				(unsigned long long)z->nr_lru[FRAG_LRU_FILE]);
		frag_buf_printf(out, "      %-12s %llu\n", "nr_zone_active_file", 0ull);
		frag_buf_printf(out, "      %-12s %lld\n", "nr_free_cma", (long long)z->nr_free_cma);
		frag_buf_printf(out, "  pagesets\n");
		for (unsigned c = 0; c < mem->nr_cpus && z->pcp; c++) {
			const struct frag_pcp *p = &z->pcp[c];
			frag_buf_printf(out, "    cpu: %u\n", c);
			frag_buf_printf(out, "              count:    %d\n", p->count);
			frag_buf_printf(out, "              high:     %d\n", p->high);
			frag_buf_printf(out, "              batch:    %d\n", p->batch);
			frag_buf_printf(out, "              high_min: %d\n", p->high_min);
			frag_buf_printf(out, "              high_max: %d\n", p->high_max);
		}
		frag_buf_printf(out, "  start_pfn:           %llu\n", (unsigned long long)z->zone_start_pfn);
	}
}

/*
 * /proc/vmstat (mm/vmstat.c vmstat_show()): "name value" lines. First the
 * levels the model keeps (nr_free_pages, the LRU sizes), then every counter
 * of stat_list.h that is a kernel vmstat item (meaning not marked
 * "fragsim:"; not the SLUB and tracepoint-named ones below; cma_* only with
 * CONFIG_CMA, as vmstat_text[]), in stat_list.h order (not vmstat_text[]'s).
 */
void frag_show_vmstat(const struct frag_mem *mem, struct frag_buf *out)
{
	int64_t nr_free = 0, blocks = 0;
	uint64_t lru[NR_FRAG_LRU] = { 0 };
	for (unsigned i = 0; i < mem->nr_zones; i++) {
		nr_free += mem->zones[i].nr_free_pages;
		blocks += mem->zones[i].nr_free_pages_blocks;
		for (int l = 0; l < NR_FRAG_LRU; l++)
			lru[l] += mem->zones[i].nr_lru[l];
	}
	frag_buf_printf(out, "nr_free_pages %lld\n", (long long)nr_free);
	frag_buf_printf(out, "nr_free_pages_blocks %lld\n", (long long)blocks);
	frag_buf_printf(out, "nr_zone_inactive_anon %llu\n", (unsigned long long)lru[FRAG_LRU_ANON]);
	frag_buf_printf(out, "nr_zone_active_anon 0\n");
	frag_buf_printf(out, "nr_zone_inactive_file %llu\n", (unsigned long long)lru[FRAG_LRU_FILE]);
	frag_buf_printf(out, "nr_zone_active_file 0\n");
	for (int s = 0; s < NR_FRAG_STATS; s++) {
		const char *n = frag_stat_desc[s].name;
		if (!strncmp(frag_stat_desc[s].help, "fragsim:", 8) || !strcmp(n, "pcp_drain_pages") ||
		    !strcmp(n, "slab_order_fallback") || (!mem->geo.config_cma && !strncmp(n, "cma_", 4)))
			continue;
		frag_buf_printf(out, "%s %llu\n", frag_stat_desc[s].name,
				(unsigned long long)frag_stat_get(mem, (enum frag_stat)s));
	}
}
