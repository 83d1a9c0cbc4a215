/* SPDX-License-Identifier: MIT */
/*
 * watermark.c - min_free_kbytes, zone watermarks and lowmem_reserve.
 *
 * Mirrors mm/page_alloc.c of Linux 6.18 (docs/kernel-model.md 4.1-4.3):
 *   calculate_min_free_kbytes()      int_sqrt(lowmem_kbytes * 16), clamped
 *   set_recommended_min_free_kbytes() (mm/khugepaged.c) with THP enabled
 *   __setup_per_zone_wmarks()        min proportional to managed pages,
 *                                    low/high/promo spaced by
 *                                    max(min/4, managed * scale / 10000)
 *   setup_per_zone_lowmem_reserve()  cumulative managed pages above / ratio
 * After any change the PCP high/batch bounds are recomputed
 * (zone_pcp_update()).
 */
#include "internal.h"

/* int_sqrt(): floor of the square root. */
static uint64_t int_sqrt(uint64_t x)
{
	uint64_t r = 0, b = 1ull << 62;
	while (b > x)
		b >>= 2;
	while (b) {
		if (x >= r + b) {
			x -= r + b;
			r = (r >> 1) + b;
		} else {
			r >>= 1;
		}
		b >>= 2;
	}
	return r;
}

/* mult_frac(x, n, d) without overflow of x * n. */
static uint64_t mult_frac(uint64_t x, uint64_t n, uint64_t d)
{
	return (x / d) * n + ((x % d) * n) / d;
}

/* nr_free_buffer_pages(): managed pages above the high watermark in zones <= Normal. */
static uint64_t nr_free_buffer_pages(const struct frag_mem *mem)
{
	uint64_t sum = 0;
	for (unsigned i = 0; i < mem->nr_zones; i++) {
		const struct frag_zone *z = &mem->zones[i];
		if (z->type > ZONE_NORMAL)
			continue;
		uint64_t high = high_wmark_pages(z);
		if (z->managed_pages > high)
			sum += z->managed_pages - high;
	}
	return sum;
}

/** calculate_min_free_kbytes() - clamp(int_sqrt(lowmem_kbytes * 16), 128, 262144). */
uint64_t calculate_min_free_kbytes(const struct frag_mem *mem)
{
	uint64_t lowmem_kbytes = nr_free_buffer_pages(mem) * (FRAG_PAGE_SIZE / 1024);
	uint64_t v = int_sqrt(lowmem_kbytes * 16);
	if (v < 128)
		v = 128;
	if (v > 262144)
		v = 262144;
	return v;
}

/**
 * recommended_min_free_kbytes() - mm/khugepaged.c:
 * set_recommended_min_free_kbytes(): with THP enabled, keep two free
 * pageblocks plus MIGRATE_PCPTYPES^2 pageblocks per zone <= Normal, capped at
 * 5% of nr_free_buffer_pages().
 */
static uint64_t recommended_min_free_kbytes(const struct frag_mem *mem)
{
	uint64_t nr_zones = 0;
	for (unsigned i = 0; i < mem->nr_zones; i++)
		if (mem->zones[i].type <= ZONE_NORMAL && mem->zones[i].managed_pages)
			nr_zones++;
	uint64_t rec = PAGEBLOCK_NR_PAGES * nr_zones * 2;
	rec += PAGEBLOCK_NR_PAGES * nr_zones * MIGRATE_PCPTYPES * MIGRATE_PCPTYPES;
	uint64_t cap = nr_free_buffer_pages(mem) / 20;
	if (rec > cap)
		rec = cap;
	return rec * (FRAG_PAGE_SIZE / 1024);
}

/**
 * setup_per_zone_wmarks() - __setup_per_zone_wmarks() + zone_pcp_update().
 * The boost is reset to 0.
 */
void setup_per_zone_wmarks(struct frag_mem *mem)
{
	uint64_t pages_min = mem->sysctl.min_free_kbytes >> (FRAG_PAGE_SHIFT - 10);
	uint64_t lowmem_pages = 0;

	for (unsigned i = 0; i < mem->nr_zones; i++)
		if (mem->zones[i].type != ZONE_MOVABLE)
			lowmem_pages += mem->zones[i].managed_pages;

	for (unsigned i = 0; i < mem->nr_zones; i++) {
		struct frag_zone *z = &mem->zones[i];
		uint64_t managed = z->managed_pages;
		uint64_t tmp = lowmem_pages ? pages_min * managed / lowmem_pages : 0;

		if (z->type == ZONE_MOVABLE) {
			uint64_t m = managed / 1024;
			z->_watermark[WMARK_MIN] = m < 32 ? 32 : (m > 128 ? 128 : m);
		} else {
			z->_watermark[WMARK_MIN] = tmp;
		}
		uint64_t gap = tmp >> 2;
		uint64_t scaled = mult_frac(managed, mem->sysctl.watermark_scale_factor, 10000);
		if (scaled > gap)
			gap = scaled;
		z->watermark_boost = 0;
		z->_watermark[WMARK_LOW] = z->_watermark[WMARK_MIN] + gap;
		z->_watermark[WMARK_HIGH] = z->_watermark[WMARK_LOW] + gap;
		z->_watermark[WMARK_PROMO] = z->_watermark[WMARK_HIGH] + gap;
	}
	for (unsigned i = 0; i < mem->nr_zones; i++)
		pcp_setup_zone(mem, &mem->zones[i]);
}

/**
 * setup_per_zone_lowmem_reserve() - zone i keeps, against allocations whose
 * highest zone is j > i, the managed pages of zones i+1..j divided by
 * lowmem_reserve_ratio[i] (0: no reserve; also none for an empty zone i).
 */
void setup_per_zone_lowmem_reserve(struct frag_mem *mem)
{
	for (unsigned n = 0; n < mem->nr_nodes; n++) {
		const struct frag_node *node = &mem->nodes[n];
		for (int i = 0; i < MAX_NR_ZONES; i++) {
			int zi = node->zone_of_type[i];
			if (zi < 0)
				continue;
			struct frag_zone *z = &mem->zones[zi];
			unsigned ratio = mem->sysctl.lowmem_reserve_ratio[i];
			bool clear = !ratio || !z->managed_pages;
			uint64_t acc = 0;
			for (int j = 0; j < MAX_NR_ZONES; j++)
				z->lowmem_reserve[j] = 0;
			for (int j = i + 1; j < MAX_NR_ZONES; j++) {
				int zj = node->zone_of_type[j];
				if (zj >= 0)
					acc += mem->zones[zj].managed_pages;
				z->lowmem_reserve[j] = clear ? 0 : acc / ratio;
			}
		}
	}
}

/**
 * frag_init_per_zone_wmark_min() - init_per_zone_wmark_min() at boot:
 * min_free_kbytes (unless set), watermarks, lowmem_reserve, then the
 * khugepaged recommendation when THP is enabled.
 */
void frag_init_per_zone_wmark_min(struct frag_mem *mem, bool user_set, bool thp_enabled)
{
	if (!user_set)
		mem->sysctl.min_free_kbytes = calculate_min_free_kbytes(mem);
	setup_per_zone_wmarks(mem);
	setup_per_zone_lowmem_reserve(mem);
	if (thp_enabled && !user_set) {
		uint64_t rec = recommended_min_free_kbytes(mem);
		if (rec > mem->sysctl.min_free_kbytes) {
			mem->sysctl.min_free_kbytes = rec;
			setup_per_zone_wmarks(mem);
		}
	}
}
