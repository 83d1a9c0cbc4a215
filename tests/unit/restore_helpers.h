/* SPDX-License-Identifier: MIT */
/*
 * restore_helpers.h - the small restored machines of test_restore.c and
 * test_restore_reclaim.c: a page-state array over [start, end) with the
 * pc-like bottom (reserved pfns 0x1-0xf, the legacy hole 0x9f-0xff) in
 * ZONE_DMA below 0x1000 and ZONE_DMA32 above, 2 CPUs, no pagetypeinfo
 * counts; frag_mem_restore() on it.
 */
#ifndef FRAG_TEST_RESTORE_HELPERS_H
#define FRAG_TEST_RESTORE_HELPERS_H

#include <stdio.h>
#include <string.h>

#include "frag/restore.h"

/* Page states @v for pfns [s, e) of @ps, which starts at pfn @start. */
static inline void rs_set(uint8_t *ps, uint64_t start, uint64_t s, uint64_t e, uint8_t v)
{
	memset(&ps[s - start], v, e - s);
}

/* @in over @ps = pfns [start, end): all free but the reserved pfns and the hole; the caller adds the rest. */
static inline void rs_input_init(struct frag_restore_input *in, uint8_t *ps, uint64_t start, uint64_t end)
{
	rs_set(ps, start, start, end, PS_FREE);
	rs_set(ps, start, 0x1, 0x10, PS_RESERVED);
	rs_set(ps, start, 0x9f, 0x100, PS_HOLE);
	memset(in, 0, sizeof(*in));
	in->start_pfn = start;
	in->end_pfn = end;
	in->ps = ps;
	in->nr_cpus = 2;
	in->nr_zones = 2;
	in->zone[0] = (struct frag_restore_zone){ .type = ZONE_DMA, .start_pfn = start, .end_pfn = 0x1000 };
	in->zone[1] = (struct frag_restore_zone){ .type = ZONE_DMA32, .start_pfn = 0x1000, .end_pfn = end };
	for (int i = 0; i < 2; i++)
		for (int mt = 0; mt < MIGRATE_TYPES; mt++)
			in->zone[i].nr_blocks[mt] = -1;
}

/* frag_mem_restore() with default sysctls, @check_every and @swap_pages; NULL (and the message) on error. */
static inline struct frag_mem *rs_restore(const struct frag_restore_input *in, unsigned check_every,
					  uint64_t swap_pages)
{
	struct frag_config cfg = { 0 };
	struct frag_mem *mem = NULL;
	char err[512];

	frag_sysctl_defaults(&cfg.sysctl);
	cfg.check_every = check_every;
	cfg.swap_pages = swap_pages;
	if (frag_mem_restore(&cfg, in, &mem, err, sizeof err)) {
		printf("# frag_mem_restore: %s\n", err);
		return NULL;
	}
	return mem;
}

#endif /* FRAG_TEST_RESTORE_HELPERS_H */
