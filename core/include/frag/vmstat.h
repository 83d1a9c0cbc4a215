/* SPDX-License-Identifier: MIT */
/*
 * vmstat.h - kernel-exact views and derived fragmentation metrics.
 *
 * Text views are produced byte for byte in the formats of mm/vmstat.c
 * (/proc/buddyinfo, /proc/pagetypeinfo, debugfs extfrag/unusable_index and
 * extfrag/extfrag_index) into a struct frag_buf. Derived figures use the
 * kernel's integer formulas (fill_contig_page_info, __fragmentation_index,
 * unusable_free_index, extfrag_for_order, fragmentation_score_node).
 */
#ifndef FRAG_VMSTAT_H
#define FRAG_VMSTAT_H

#include <stdint.h>

#include "frag/buf.h"
#include "frag/mm.h"

/* struct contig_page_info, mm/vmstat.c */
struct frag_contig_info {
	uint64_t free_pages;            /* sum of nr_free[o] << o */
	uint64_t free_blocks_total;     /* sum of nr_free[o] */
	uint64_t free_blocks_suitable;  /* blocks of >= order, in units of 2^order */
};

/* fill_contig_page_info() over a zone's nr_free[] per order. */
void frag_fill_contig_info(const uint64_t nr_free[NR_PAGE_ORDERS], unsigned order, struct frag_contig_info *info);
/* __fragmentation_index(): -1000 (would succeed), 0 (no free memory) .. 1000. */
int frag_fragmentation_index(unsigned order, const struct frag_contig_info *info);
/* unusable_free_index(): 0..1000; 1000 when nothing is free. */
int frag_unusable_free_index(unsigned order, const struct frag_contig_info *info);
/* extfrag_for_order(): percentage 0..100 of free memory in blocks < 2^order. */
unsigned frag_extfrag_for_order(const uint64_t nr_free[NR_PAGE_ORDERS], unsigned order);

/* One zone's line of /proc/buddyinfo, as read back from text. */
struct frag_buddyinfo_zone {
	int node;                            /* Node N */
	char zone[16];                       /* zone name */
	uint64_t nr_free[NR_PAGE_ORDERS];    /* free blocks per order */
};

/**
 * frag_parse_buddyinfo() - parse /proc/buddyinfo text. On error returns
 * -EINVAL and writes "line N: ..." to @err. *@zones is malloc'ed.
 */
int frag_parse_buddyinfo(const char *text, struct frag_buddyinfo_zone **zones, unsigned *nr, char *err,
			 size_t errlen);
/* The two debugfs extfrag files for parsed zones. */
void frag_format_unusable_index(const struct frag_buddyinfo_zone *zones, unsigned nr, struct frag_buf *out);
void frag_format_extfrag_index(const struct frag_buddyinfo_zone *zones, unsigned nr, struct frag_buf *out);

/* Views of a live model. */
void frag_show_buddyinfo(const struct frag_mem *mem, struct frag_buf *out);
void frag_show_pagetypeinfo(const struct frag_mem *mem, struct frag_buf *out);
void frag_show_unusable_index(const struct frag_mem *mem, struct frag_buf *out);
void frag_show_extfrag_index(const struct frag_mem *mem, struct frag_buf *out);
/* /proc/zoneinfo and /proc/vmstat of the model (the fields it keeps, kernel names and order). */
void frag_show_zoneinfo(const struct frag_mem *mem, struct frag_buf *out);
void frag_show_vmstat(const struct frag_mem *mem, struct frag_buf *out);
/* fragsim's own SPB summary, one line per zone, "key value" pairs. */
void frag_show_spbinfo(const struct frag_mem *mem, struct frag_buf *out);
/* fragsim's own per-pageblock content summary ("mixed" pageblocks etc.). */
void frag_show_pageblockinfo(const struct frag_mem *mem, struct frag_buf *out);

/* fragmentation_score_node() (compaction.c): weighted extfrag_for_order(9). */
unsigned frag_fragmentation_score_node(const struct frag_mem *mem, unsigned nid);
unsigned frag_fragmentation_score_zone(const struct frag_mem *mem, unsigned zone_id);

/* Machine-wide SPB figures (all zones). */
struct frag_spb_summary {
	uint64_t nr_spbs;             /* SPBs (zone-clipped) */
	uint64_t nr_full_spbs;        /* SPBs covering a whole aligned 1 GiB inside one zone */
	uint64_t empty;               /* category empty: every pageblock free */
	uint64_t clean;               /* category clean: only MOVABLE/free pageblocks */
	uint64_t tainted;             /* category tainted */
	uint64_t free_now;            /* complete SPBs entirely free in the buddy right now */
	uint64_t movable_only;        /* complete SPBs holding only free and movable pages */
	uint64_t tainted_pageblocks;  /* non-movable pageblocks inside tainted SPBs */
};
void frag_spb_summary(const struct frag_mem *mem, struct frag_spb_summary *s);

/* Pageblocks per migratetype, and "mixed" ones (an allocated page whose
 * allocation migratetype differs from the block's; page_owner's count). */
struct frag_pageblock_summary {
	uint64_t nr[MIGRATE_TYPES];        /* by get_pageblock_migratetype() */
	uint64_t mixed[MIGRATE_TYPES];     /* mixed, by block type */
	uint64_t free;                     /* pageblocks entirely free */
};
void frag_pageblock_summary(const struct frag_mem *mem, struct frag_pageblock_summary *s);

#endif /* FRAG_VMSTAT_H */
