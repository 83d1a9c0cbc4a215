/* SPDX-License-Identifier: MIT */
/*
 * test_restore_reclaim.c - reclaim of restored LRU pages (FRAG_OWNER_SNAPSHOT
 * blocks of a machine built by frag_mem_restore()): frag_shrink_restored_lru()
 * in core/mm/vmscan.c, the env.shrink_lru() contract of shrink_list() ->
 * shrink_inactive_list() -> shrink_folio_list(), and the prediction clones
 * of core/mm/predict.c that use it.
 *
 * The restored LRU has no order in a snapshot; the model's is pfn order
 * interleaved over the node's pageblocks, from a per-node cursor that wraps:
 * position k is pfn (k % nb) * 512 + k / nb here (node pageblocks 0..39,
 * nb = 40), i.e. page 0 of every pageblock, then page 1 of every pageblock...
 *
 * The synthetic machine (pfns), one node:
 *
 *   DMA   [0x1, 0x1000)   0x1-0xf reserved, 0x9f-0xff hole, the rest free
 *   DMA32 [0x1000, 0x5000)
 *     0x1000-0x10ff  256 page-cache pages (order 0)        F
 *     0x1100-0x11ff  256 anonymous pages (order 0)         A
 *     0x1200         one slab page                         S
 *     0x1210-0x121f  one page-cache folio of order 4       F16
 *     0x1220-0x123f  32 page-cache pages                   F
 *     the rest free
 *
 *   0x1000      0x1100      0x1200 0x1210 0x1220  0x1240
 *   |F F ... F  |A A ... A  |S ... |F16   |F ... F |free ...
 */
#include <string.h>

#include "frag/restore.h"
#include "helpers.h"
#include "restore_helpers.h"

#define START 0x1ull
#define END   0x5000ull

static uint8_t ps[END - START];

static void set(uint64_t s, uint64_t e, uint8_t v)
{
	rs_set(ps, START, s, e, v);
}

static void build_input(struct frag_restore_input *in)
{
	rs_input_init(in, ps, START, END);
	set(0x1000, 0x1100, PS_FILE);
	set(0x1100, 0x1200, PS_ANON);
	set(0x1200, 0x1201, PS_SLAB);
	set(0x1210, 0x1211, PS_FILE);
	set(0x1211, 0x1220, PS_FILE | FRAG_PS_TAIL);
	set(0x1220, 0x1240, PS_FILE);
}

/* The restored machine with @swap_pages of swap, invariants checked after every operation. */
static struct frag_mem *restore(const struct frag_restore_input *in, uint64_t swap_pages)
{
	return rs_restore(in, 1, swap_pages);
}

static struct frag_mem *restore_default(uint64_t swap_pages)
{
	struct frag_restore_input in;
	build_input(&in);
	return restore(&in, swap_pages);
}

static bool allocated(struct frag_mem *mem, uint64_t pfn)
{
	struct frag_pfn_info i;
	return !frag_pfn_info(mem, pfn, &i) && i.state == PFN_ALLOCATED;
}

/* The restored LRU pages count in the zone's LRU sizes and in nr_restored_lru. */
static void test_restore_nr_restored_lru(void)
{
	struct frag_mem *mem = restore_default(0);
	CHECK(mem);
	if (!mem)
		return;
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);
	CHECK_EQ(z->nr_lru[FRAG_LRU_FILE], 256 + 16 + 32);
	CHECK_EQ(z->nr_lru[FRAG_LRU_ANON], 256);
	CHECK_EQ(z->nr_restored_lru[FRAG_LRU_FILE], 304);
	CHECK_EQ(z->nr_restored_lru[FRAG_LRU_ANON], 256);
	CHECK_EQ(frag_restored_lru_pages(mem, 0, FRAG_LRU_FILE), 304);
	CHECK_EQ(frag_restored_lru_pages(mem, 0, FRAG_LRU_ANON), 256);
	CHECK_EQ(frag_restored_lru_pages(mem, 1, FRAG_LRU_FILE), 0);   /* no node 1 */
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * shrink_inactive_list() -> isolate_lru_folios() from the cursor, in the
 * interleaved order; shrink_folio_list() drops every clean file folio. A
 * folio counts its 2^order pages where its head is met and the scan stops
 * once nr_to_scan pages were looked at (the last folio may overshoot); the
 * next call starts where this one stopped; anonymous, slab and free pages
 * are not on the file list; a call ends once it has looked at the whole list
 * (the pages it held at the start). File pages by page offset in their
 * pageblock: pb 8 (0x1000) has them at 0-255, pb 9 (0x1200) the order-4
 * folio at 16 and pages at 32-63.
 */
static void test_shrink_restored_lru_file_interleaved(void)
{
	struct frag_mem *mem = restore_default(0);
	CHECK(mem);
	if (!mem)
		return;
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);
	uint64_t scanned = 0, pgfree0 = frag_stat_get(mem, FRAG_STAT_pgfree);

	/* 1. 32 pages: offsets 0-15 of pb 8 (0x1000-0x100f), then offset 16:
	 *    0x1010 and the order-4 folio at 0x1210: 33 looked at and freed */
	CHECK_EQ(frag_shrink_restored_lru(mem, 0, 0, FRAG_LRU_FILE, 32, &scanned), 33);
	CHECK_EQ(scanned, 33);
	CHECK(!allocated(mem, 0x1000));
	CHECK(!allocated(mem, 0x1010));
	CHECK(allocated(mem, 0x1011));
	CHECK(!allocated(mem, 0x121f));
	CHECK(allocated(mem, 0x1220));
	CHECK_EQ(z->nr_lru[FRAG_LRU_FILE], 304 - 33);
	CHECK_EQ(z->nr_restored_lru[FRAG_LRU_FILE], 304 - 33);
	CHECK_EQ(z->nr_lru[FRAG_LRU_ANON], 256);
	CHECK_EQ(frag_stat_get(mem, FRAG_STAT_pgfree) - pgfree0, 33);
	CHECK_EQ(mem->nodes[0].restored_lru_cursor[FRAG_LRU_FILE], 16 * 40 + 9 + 1);
	CHECK_CONSISTENT(mem);

	/* 2. 230 pages: offsets 17-31 of pb 8 (15), 32-63 of pb 8 and pb 9 (64),
	 *    then pb 8 alone from offset 64 to 214 (151): 0x10d6 is the last */
	CHECK_EQ(frag_shrink_restored_lru(mem, 0, 0, FRAG_LRU_FILE, 230, &scanned), 230);
	CHECK_EQ(scanned, 230);
	CHECK(!allocated(mem, 0x123f));
	CHECK(!allocated(mem, 0x10d6));
	CHECK(allocated(mem, 0x10d7));
	CHECK(allocated(mem, 0x1100));   /* anonymous: not on the file list */
	CHECK(allocated(mem, 0x1200));   /* slab */
	CHECK_EQ(mem->nodes[0].restored_lru_cursor[FRAG_LRU_FILE], 214 * 40 + 8 + 1);
	CHECK_EQ(z->nr_lru[FRAG_LRU_FILE], 41);
	CHECK_CONSISTENT(mem);

	/* 3. 100 pages: the last 41 (0x10d7-0x10ff) are the whole list */
	CHECK_EQ(frag_shrink_restored_lru(mem, 0, 0, FRAG_LRU_FILE, 100, &scanned), 41);
	CHECK_EQ(scanned, 41);
	CHECK(!allocated(mem, 0x10ff));
	CHECK_EQ(mem->nodes[0].restored_lru_cursor[FRAG_LRU_FILE], 255 * 40 + 8 + 1);
	CHECK_EQ(z->nr_lru[FRAG_LRU_FILE], 0);
	CHECK_EQ(frag_restored_lru_pages(mem, 0, FRAG_LRU_FILE), 0);

	/* 4. nothing left */
	CHECK_EQ(frag_shrink_restored_lru(mem, 0, 0, FRAG_LRU_FILE, 5, &scanned), 0);
	CHECK_EQ(scanned, 0);
	CHECK_EQ(z->nr_lru[FRAG_LRU_ANON], 256);
	CHECK_EQ(frag_stat_get(mem, FRAG_STAT_pgfree) - pgfree0, 304);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * shrink_folio_list(): an anonymous folio is reclaimed only with a swap
 * slot (folio_alloc_swap()); without one it stays (activate_locked) but
 * was scanned. With 40 slots: the first 40 of the 64 looked at go.
 */
static void test_shrink_restored_lru_anon_needs_swap(void)
{
	struct frag_mem *mem = restore_default(0);
	uint64_t scanned = 0;
	CHECK(mem);
	if (!mem)
		return;
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);
	CHECK_EQ(frag_shrink_restored_lru(mem, 0, 0, FRAG_LRU_ANON, 64, &scanned), 0);
	CHECK_EQ(scanned, 64);
	CHECK(allocated(mem, 0x1100));
	CHECK_EQ(z->nr_lru[FRAG_LRU_ANON], 256);
	CHECK_EQ(frag_swap_used_pages(mem), 0);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);

	mem = restore_default(40);
	CHECK(mem);
	if (!mem)
		return;
	z = zone_of(mem, 0, ZONE_DMA32);
	CHECK_EQ(frag_shrink_restored_lru(mem, 0, 0, FRAG_LRU_ANON, 64, &scanned), 40);
	CHECK_EQ(scanned, 64);
	CHECK(!allocated(mem, 0x1127));
	CHECK(allocated(mem, 0x1128));
	CHECK_EQ(frag_swap_used_pages(mem), 40);
	CHECK_EQ(z->nr_lru[FRAG_LRU_ANON], 256 - 40);
	CHECK_EQ(z->nr_lru[FRAG_LRU_FILE], 304);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * A pageblock under isolation (alloc_contig_range() in progress: its LRU
 * pages are on cc->migratepages, off the LRU) is skipped: with pageblock
 * 0x1000 isolated, 32 pages come from the 0x1200 block (the order-4 folio
 * at offset 16, then 0x1220-0x122f at offsets 32-47). Once the isolation is
 * undone, the next scan resumes at offset 47: offsets 48-63 of both blocks
 * (0x1030-0x103f, 0x1230-0x123f); pb 8's offsets 0-47 wait for the wrap.
 */
static void test_shrink_restored_lru_skips_isolated(void)
{
	struct frag_mem *mem = restore_default(0);
	uint64_t scanned = 0, unmovable = 0;
	CHECK(mem);
	if (!mem)
		return;
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);
	CHECK_EQ(set_migratetype_isolate(mem, z, 0x1000, PB_ISOLATE_MODE_OTHER, &unmovable), 0);
	CHECK_EQ(frag_shrink_restored_lru(mem, 0, 0, FRAG_LRU_FILE, 32, &scanned), 32);
	CHECK_EQ(scanned, 32);
	CHECK(allocated(mem, 0x1000));
	CHECK(allocated(mem, 0x10ff));
	CHECK(!allocated(mem, 0x1210));
	CHECK(!allocated(mem, 0x122f));
	CHECK(allocated(mem, 0x1230));
	CHECK_CONSISTENT(mem);
	unset_migratetype_isolate(mem, z, 0x1000);
	CHECK_EQ(frag_shrink_restored_lru(mem, 0, 0, FRAG_LRU_FILE, 32, &scanned), 32);
	CHECK(!allocated(mem, 0x123f));
	CHECK(!allocated(mem, 0x1030));
	CHECK(!allocated(mem, 0x103f));
	CHECK(allocated(mem, 0x102f));
	CHECK(allocated(mem, 0x1040));
	CHECK_EQ(mem->nodes[0].restored_lru_cursor[FRAG_LRU_FILE], 63 * 40 + 9 + 1);
	CHECK_EQ(z->nr_lru[FRAG_LRU_FILE], 304 - 64);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

static uint64_t shrink_restored(void *arg, unsigned nid, enum frag_lru lru, uint64_t nr_to_scan, uint64_t *nr_scanned)
{
	return frag_shrink_restored_lru(arg, 0, nid, lru, nr_to_scan, nr_scanned);
}

/*
 * try_to_free_pages() with frag_shrink_restored_lru() as env.shrink_lru():
 * no swap, so get_scan_count() scans the file list only, file_size >>
 * priority pages (the size as reclaim leaves it) from DEF_PRIORITY down
 * until SWAP_CLUSTER_MAX (32) are reclaimed: 304 >> 12..9 = 0, 304 >> 8 = 1,
 * 303 >> 7 = 2, 301 >> 6 = 4, 297 >> 5 = 9, 288 >> 4 = 18: 34 pages,
 * 0x1000-0x1011 and the order-4 folio at 0x1210 (offsets 0-17), counted in
 * pgscan_direct and pgsteal_direct.
 */
static void test_try_to_free_pages_restored_lru(void)
{
	struct frag_mem *mem = restore_default(0);
	CHECK(mem);
	if (!mem)
		return;
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);
	mem->env.arg = mem;
	mem->env.shrink_lru = shrink_restored;
	CHECK_EQ(try_to_free_pages(mem, 0, 0, GFP_KERNEL), 34);
	CHECK(!allocated(mem, 0x1011));
	CHECK(allocated(mem, 0x1012));
	CHECK(!allocated(mem, 0x121f));
	CHECK(allocated(mem, 0x1220));
	CHECK_EQ(z->nr_lru[FRAG_LRU_FILE], 304 - 34);
	CHECK_EQ(z->nr_lru[FRAG_LRU_ANON], 256);
	CHECK_EQ(frag_stat_get(mem, FRAG_STAT_pgsteal_direct), 34);
	CHECK_EQ(frag_stat_get(mem, FRAG_STAT_pgscan_direct), 34);
	CHECK_EQ(frag_stat_get(mem, FRAG_STAT_pgsteal_file), 34);
	CHECK_EQ(frag_stat_get(mem, FRAG_STAT_pgsteal_anon), 0);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/* DMA32 [0x1000, 0x5000): 16 pageblocks, each @nr pages of class @cls then free pages; DMA as above. */
static struct frag_mem *restore_full(uint8_t cls, unsigned nr)
{
	struct frag_restore_input in;
	build_input(&in);
	set(0x1000, END, PS_FREE);
	for (uint64_t b = 0x1000; b < END; b += PAGEBLOCK_NR_PAGES)
		set(b, b + nr, cls);
	return restore(&in, 0);
}

/*
 * frag_predict_hugetlb() on a restored machine: the clones reclaim restored
 * page cache in direct reclaim (alloc_buddy_hugetlb_folio() -> slowpath ->
 * __alloc_pages_direct_reclaim()). DMA32's 16 pageblocks each hold 400 LRU
 * pages and 112 free ones, DMA 7 free pageblocks (0x200-0xfff):
 *   page cache:  7 from DMA + 16 from DMA32 (compaction into the free pages
 *                reclaim makes), 6655 pages reclaimed;
 *   anonymous (no swap: unreclaimable): 7 + 4 (compaction into the 1792
 *                free pages alone), nothing reclaimed.
 */
static void test_predict_hugetlb_reclaims_restored(void)
{
	struct frag_predict_result file, anon;
	struct frag_mem *mem = restore_full(PS_FILE, 400);
	CHECK(mem);
	if (!mem)
		return;
	uint64_t h0 = frag_mem_hash(mem);
	CHECK_EQ(frag_predict_hugetlb(mem, NULL, &file), 0);
	CHECK_EQ(frag_mem_hash(mem), h0);   /* the original is untouched */
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);

	mem = restore_full(PS_ANON, 400);
	CHECK(mem);
	if (!mem)
		return;
	CHECK_EQ(frag_predict_hugetlb(mem, NULL, &anon), 0);
	frag_mem_destroy(mem);

	CHECK(file.restored_lru);
	CHECK(anon.restored_lru);
	CHECK_EQ(file.hugetlb_2m_pages, 23);
	CHECK_EQ(file.reclaimed_2m, 6655);
	CHECK_EQ(anon.hugetlb_2m_pages, 11);
	CHECK_EQ(anon.reclaimed_2m, 0);
	CHECK_EQ(file.hugetlb_1g_pages, 0);   /* no 1 GiB range in an 80 MiB machine */
}

int main(void)
{
	static const struct tap_test tests[] = {
		TAP(test_restore_nr_restored_lru),
		TAP(test_shrink_restored_lru_file_interleaved),
		TAP(test_shrink_restored_lru_anon_needs_swap),
		TAP(test_shrink_restored_lru_skips_isolated),
		TAP(test_try_to_free_pages_restored_lru),
		TAP(test_predict_hugetlb_reclaims_restored),
	};
	return tap_main(tests, TAP_COUNT(tests));
}
