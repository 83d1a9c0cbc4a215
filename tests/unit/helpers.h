/* SPDX-License-Identifier: MIT */
/*
 * helpers.h - machines under test and probes into core/mm internals.
 */
#ifndef FRAG_TEST_HELPERS_H
#define FRAG_TEST_HELPERS_H

#include "../../core/mm/internal.h"
#include "frag/vmstat.h"
#include "tap.h"

#define MiB (1ull << 20)
#define GiB (1ull << 30)

typedef void (*tweak_fn)(struct frag_config *cfg);

/* A machine of @bytes from pfn 0, invariants checked after every operation. */
static inline struct frag_mem *mk_mem(uint64_t bytes, unsigned nodes, unsigned cpus, tweak_fn tweak)
{
	struct frag_config cfg = { 0 };
	struct frag_mem *mem = NULL;
	char err[512];

	frag_geometry_simple(&cfg.geo, bytes, nodes, cpus);
	frag_sysctl_defaults(&cfg.sysctl);
	cfg.check_every = 1;
	if (tweak)
		tweak(&cfg);
	if (frag_mem_create(&cfg, &mem, err, sizeof err)) {
		printf("# frag_mem_create: %s\n", err);
		return NULL;
	}
	return mem;
}

static inline struct frag_zone *zone_of(struct frag_mem *mem, unsigned nid, enum zone_type t)
{
	int id = mem->nodes[nid].zone_of_type[t];
	return id < 0 ? NULL : &mem->zones[id];
}

#define CHECK_CONSISTENT(mem)                                                         \
	do {                                                                          \
		char _why[512];                                                       \
		if (!frag_mem_consistent((mem), _why, sizeof _why)) {                 \
			tap_fail(__FILE__, __LINE__, "frag_mem_consistent");          \
			printf("# %s\n", _why);                                       \
		}                                                                     \
	} while (0)

/* The pfns on free_list[order][mt], head first; returns the count. */
static inline unsigned list_pfns(const struct frag_zone *z, unsigned order, int mt, uint64_t *out, unsigned max)
{
	unsigned n = 0;
	for (uint32_t i = z->free_area[order].free_list[mt].head; i != IDX_NONE; i = z->pages[i].next) {
		if (n < max)
			out[n] = idx_to_pfn(z, i);
		n++;
	}
	return n;
}

static inline uint64_t list_head_pfn(const struct frag_zone *z, unsigned order, int mt)
{
	uint32_t i = z->free_area[order].free_list[mt].head;
	return i == IDX_NONE ? FRAG_PFN_NONE : idx_to_pfn(z, i);
}

/* Allocate exactly [@pfn, +2^@order) with @gfp (the block must be free in the buddy). */
static inline int alloc_at(struct frag_mem *mem, struct frag_zone *z, uint64_t pfn, unsigned order, gfp_t gfp,
			   unsigned owner_flags)
{
	struct frag_owner o = { .id = 1, .cookie = (uint32_t)pfn, .kind = (gfp & __GFP_MOVABLE) ? KIND_ANON : KIND_SLAB,
				.flags = (uint8_t)owner_flags };
	int ret = take_free_block(z, pfn, order);
	if (ret)
		return ret;
	prep_new_page(mem, z, pfn, order, gfp, &o);
	return 0;
}

static inline const struct frag_page *page_at(const struct frag_zone *z, uint64_t pfn)
{
	return &z->pages[pfn_to_idx(z, pfn)];
}

static inline int pb_mt(const struct frag_zone *z, uint64_t pfn)
{
	return get_pageblock_migratetype(z, pfn);
}

#endif /* FRAG_TEST_HELPERS_H */
