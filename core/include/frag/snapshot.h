/* SPDX-License-Identifier: MIT */
/*
 * snapshot.h - numeric epoch samples of a machine in the layouts of
 * frag/sink.h (core/mm/snapshot.c).
 */
#ifndef FRAG_SNAPSHOT_H
#define FRAG_SNAPSHOT_H

#include <stdint.h>

#include "frag/mm.h"
#include "frag/sink.h"

uint64_t frag_nr_pageblocks(const struct frag_mem *mem);
uint64_t frag_nr_spbs(const struct frag_mem *mem);
/* One struct frag_zone_desc per zone (frag_nr_zones()). */
void frag_zone_descs(const struct frag_mem *mem, struct frag_zone_desc *out);
/* [zones][NR_PAGE_ORDERS][MIGRATE_TYPES] free blocks per list. */
void frag_snapshot_free_blocks(const struct frag_mem *mem, uint32_t *out);
/* [frag_nr_pageblocks()] FRAG_PB_* codes. */
void frag_snapshot_pageblocks(const struct frag_mem *mem, uint8_t *out);
/* [frag_nr_spbs()][FRAG_SPB_NR_FIELDS]. */
void frag_snapshot_spbs(const struct frag_mem *mem, uint32_t *out);

#endif /* FRAG_SNAPSHOT_H */
