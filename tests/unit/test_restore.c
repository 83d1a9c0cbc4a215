/* SPDX-License-Identifier: MIT */
/*
 * test_restore.c - frag_mem_restore(): a machine rebuilt from a per-pfn
 * page-state array (core/mm/restore.c, docs/snapshot.md).
 *
 * The synthetic machine (pfns):
 *
 *   DMA   [0x1, 0x1000)   0x1-0xf reserved, 0x9f-0xff hole, the rest free
 *   DMA32 [0x1000, 0x3000)
 *     pb 0x1000  kkk ffff ffff ffff f | slab x 496         (k kernel, f free)
 *     pb 0x1200  one hugetlb folio: head + 511 tails        -> order 9 allocated
 *     pb 0x1400  free  \  one aligned order-10 buddy        -> merged, same type
 *     pb 0x1600  free  /
 *     pb 0x1800  512 PCP pages                             -> one order-9 PCP block
 *     pb 0x1a00  16 page-cache pages, 496 free
 *     0x1c00-0x2fff free                                    -> order-10 blocks
 */
#include <string.h>

#include "frag/restore.h"
#include "helpers.h"
#include "restore_helpers.h"

#define START 0x1ull
#define END   0x3000ull

static uint8_t ps[END - START];

static void set(uint64_t s, uint64_t e, uint8_t v)
{
	rs_set(ps, START, s, e, v);
}

static void build_input(struct frag_restore_input *in)
{
	rs_input_init(in, ps, START, END);
	set(0x1000, 0x1003, PS_KERNEL);
	set(0x1010, 0x1200, PS_SLAB);
	set(0x1200, 0x1201, PS_HUGETLB);
	set(0x1201, 0x1400, PS_HUGETLB | FRAG_PS_TAIL);
	set(0x1800, 0x1a00, PS_PCP);
	set(0x1a00, 0x1a10, PS_FILE);
}

static struct frag_mem *restore(const struct frag_restore_input *in)
{
	return rs_restore(in, 0, 0);
}

static void info(struct frag_mem *mem, uint64_t pfn, struct frag_pfn_info *i)
{
	CHECK_EQ(frag_pfn_info(mem, pfn, i), 0);
}

/* __free_one_page(): a free run becomes the maximal aligned buddies,
 * 0x1003 (order 0), 0x1004 (order 2), 0x1008 (order 3); two free pageblocks
 * of one order-10 block merge across the pageblock boundary. */
static void test_restore_free_one_page_maximal_blocks(void)
{
	struct frag_restore_input in;
	struct frag_pfn_info i;
	build_input(&in);
	struct frag_mem *mem = restore(&in);
	CHECK(mem);
	if (!mem)
		return;
	CHECK_CONSISTENT(mem);
	info(mem, 0x1003, &i);
	CHECK_EQ(i.state, PFN_FREE);
	CHECK_EQ(i.head_pfn, 0x1003);
	CHECK_EQ(i.order, 0);
	info(mem, 0x1006, &i);
	CHECK_EQ(i.head_pfn, 0x1004);
	CHECK_EQ(i.order, 2);
	info(mem, 0x100f, &i);
	CHECK_EQ(i.head_pfn, 0x1008);
	CHECK_EQ(i.order, 3);
	info(mem, 0x1777, &i);
	CHECK_EQ(i.state, PFN_FREE);
	CHECK_EQ(i.head_pfn, 0x1400);
	CHECK_EQ(i.order, MAX_PAGE_ORDER);
	/* 0x1a10-0x1bff: 496 pages after 16 allocated ones: orders 4,5,6,7,8 */
	info(mem, 0x1a10, &i);
	CHECK_EQ(i.order, 4);
	info(mem, 0x1b00, &i);
	CHECK_EQ(i.head_pfn, 0x1b00);
	CHECK_EQ(i.order, 8);
	/* DMA: 0x10 is the first free pfn after the reserved ones: order 4 */
	info(mem, 0x10, &i);
	CHECK_EQ(i.state, PFN_FREE);
	CHECK_EQ(i.order, 4);
	frag_mem_destroy(mem);
}

/* Compound pages (KPF_COMPOUND_HEAD/TAIL) stay one allocated block: the
 * hugetlb folio is one order-9 block of the snapshot owner, movable
 * (htlb_alloc_mask), and single LRU pages are order-0 blocks on the LRU. */
static void test_restore_prep_new_page_compound(void)
{
	struct frag_restore_input in;
	struct frag_pfn_info i;
	build_input(&in);
	struct frag_mem *mem = restore(&in);
	CHECK(mem);
	if (!mem)
		return;
	info(mem, 0x1234, &i);
	CHECK_EQ(i.state, PFN_ALLOCATED);
	CHECK_EQ(i.head_pfn, 0x1200);
	CHECK_EQ(i.order, 9);
	CHECK_EQ(i.owner.kind, KIND_HUGETLB);
	CHECK_EQ(i.owner.id, FRAG_OWNER_SNAPSHOT);
	CHECK_EQ(i.migratetype, MIGRATE_MOVABLE);
	info(mem, 0x1a05, &i);
	CHECK_EQ(i.state, PFN_ALLOCATED);
	CHECK_EQ(i.head_pfn, 0x1a05);
	CHECK_EQ(i.order, 0);
	CHECK_EQ(i.owner.kind, KIND_FILE);
	CHECK_EQ(i.owner.flags & OWNER_LRU, OWNER_LRU);
	info(mem, 0x1002, &i);
	CHECK_EQ(i.owner.kind, KIND_KERNEL);
	CHECK_EQ(i.migratetype, MIGRATE_UNMOVABLE);
	info(mem, 0x1100, &i);
	CHECK_EQ(i.owner.kind, KIND_SLAB);
	CHECK_EQ(i.migratetype, MIGRATE_UNMOVABLE);
	frag_mem_destroy(mem);
}

/* PCP pages (no flags, kpagecount 0) go on the per-CPU lists; a whole
 * aligned pageblock of them is one order-9 entry (the THP PCP list). The
 * buddy lists (buddyinfo) do not count them. Holes and reserved pages are
 * not managed: DMA spans 4095 pages, 3998 present, 3983 managed. */
static void test_restore_pcp_and_managed(void)
{
	struct frag_restore_input in;
	struct frag_pfn_info i;
	build_input(&in);
	struct frag_mem *mem = restore(&in);
	CHECK(mem);
	if (!mem)
		return;
	info(mem, 0x1900, &i);
	CHECK_EQ(i.state, PFN_PCP);
	CHECK_EQ(i.head_pfn, 0x1800);
	CHECK_EQ(i.order, 9);
	info(mem, 0xa0, &i);
	CHECK_EQ(i.state, PFN_HOLE);
	info(mem, 0x5, &i);
	CHECK_EQ(i.state, PFN_RESERVED);
	struct frag_zone *dma = zone_of(mem, 0, ZONE_DMA), *dma32 = zone_of(mem, 0, ZONE_DMA32);
	CHECK_EQ(dma->spanned_pages, 4095);
	CHECK_EQ(dma->present_pages, 3998);
	CHECK_EQ(dma->managed_pages, 3983);
	CHECK_EQ(dma32->managed_pages, 0x2000);
	CHECK_EQ(dma32->nr_pcp_pages, 512);
	/* free = all but 3 kernel, 496 slab, 512 hugetlb, 512 PCP, 16 file pages */
	CHECK_EQ(dma32->nr_free_pages, 0x2000 - 3 - 496 - 512 - 512 - 16);
	frag_mem_destroy(mem);
}

/* Pageblock types: inferred from contents, then matched to pagetypeinfo's
 * "Number of blocks type". With no targets the slab block is UNMOVABLE and
 * the rest MOVABLE; asking for 2 UNMOVABLE blocks relabels the cheapest
 * movable block (0x1a00: 16 misfit file pages), not a block with nothing
 * allocated (real pagetypeinfo shows no free pageblocks on U/R lists). */
static void test_restore_infer_pageblocks_matched(void)
{
	struct frag_restore_input in;
	build_input(&in);
	struct frag_mem *mem = restore(&in);
	CHECK(mem);
	if (!mem)
		return;
	struct frag_zone *dma32 = zone_of(mem, 0, ZONE_DMA32);
	CHECK_EQ(pb_mt(dma32, 0x1000), MIGRATE_UNMOVABLE);
	CHECK_EQ(pb_mt(dma32, 0x1a00), MIGRATE_MOVABLE);
	frag_mem_destroy(mem);

	in.zone[1].nr_blocks[MIGRATE_UNMOVABLE] = 2;
	in.zone[1].nr_blocks[MIGRATE_MOVABLE] = 14;
	in.zone[1].nr_blocks[MIGRATE_RECLAIMABLE] = 0;
	in.zone[1].nr_blocks[MIGRATE_HIGHATOMIC] = 0;
	mem = restore(&in);
	CHECK(mem);
	if (!mem)
		return;
	dma32 = zone_of(mem, 0, ZONE_DMA32);
	CHECK_EQ(pb_mt(dma32, 0x1000), MIGRATE_UNMOVABLE);
	CHECK_EQ(pb_mt(dma32, 0x1a00), MIGRATE_UNMOVABLE);
	CHECK_EQ(pb_mt(dma32, 0x1400), MIGRATE_MOVABLE);
	CHECK_EQ(pb_mt(dma32, 0x1600), MIGRATE_MOVABLE);
	CHECK_EQ(pb_mt(dma32, 0x1800), MIGRATE_MOVABLE);
	/* the file pages in it keep their own (movable) allocation type */
	struct frag_pfn_info i;
	info(mem, 0x1a00, &i);
	CHECK_EQ(i.migratetype, MIGRATE_MOVABLE);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/* Inconsistent inputs are errors, not crashes: a tail page that follows a
 * page of another class, a state byte out of range, zones not covering the
 * page states. */
static void test_restore_bad_input(void)
{
	struct frag_restore_input in;
	struct frag_config cfg = { 0 };
	struct frag_mem *mem = NULL;
	char err[512] = "";

	frag_sysctl_defaults(&cfg.sysctl);
	build_input(&in);
	ps[0x1a10 - START] = PS_ANON | FRAG_PS_TAIL;   /* after a file page */
	CHECK_EQ(frag_mem_restore(&cfg, &in, &mem, err, sizeof err), -EINVAL);
	CHECK(mem == NULL);
	CHECK(strstr(err, "pfn 0x1a10") != NULL);
	CHECK(strstr(err, "tail") != NULL);
	build_input(&in);
	ps[0x2000 - START] = 0x1f;
	CHECK_EQ(frag_mem_restore(&cfg, &in, &mem, err, sizeof err), -EINVAL);
	CHECK(strstr(err, "pfn 0x2000: bad page state byte 0x1f") != NULL);
	build_input(&in);
	in.zone[1].end_pfn = 0x2000;
	CHECK_EQ(frag_mem_restore(&cfg, &in, &mem, err, sizeof err), -EINVAL);
	CHECK(strstr(err, "zones cover") != NULL);
}

int main(void)
{
	static const struct tap_test tests[] = {
		TAP(test_restore_free_one_page_maximal_blocks),
		TAP(test_restore_prep_new_page_compound),
		TAP(test_restore_pcp_and_managed),
		TAP(test_restore_infer_pageblocks_matched),
		TAP(test_restore_bad_input),
	};
	return tap_main(tests, TAP_COUNT(tests));
}
