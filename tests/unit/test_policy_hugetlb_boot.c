/* SPDX-License-Identifier: MIT */
/*
 * test_policy_hugetlb_boot.c - the `hugetlb-boot` policy: 1 GiB hugetlb
 * pages set aside at boot (hugepagesz=1G hugepages=N).
 *
 * Rules (mm/hugetlb.c, mm/memblock.c):
 *  - hugetlb_hstate_alloc_pages() takes N gigantic pages from memblock before
 *    the buddy exists, round-robin over the nodes, top-down by default: the
 *    pages never reach the buddy, managed pages exclude them, and the
 *    watermarks (computed later, init_per_zone_wmark_min()) do too;
 *  - alloc_gigantic_folio() for a pool that has free pages dequeues one
 *    (dequeue_hugetlb_folio_node_exact()) instead of alloc_contig_pages();
 *  - free_huge_folio() puts the page back in the pool, not in the buddy;
 *  - a request beyond the pool goes to alloc_contig_pages() (runtime_alloc).
 *
 * Machines are `flat` from pfn 0, 8 GiB: ZONE_DMA, DMA32 up to 4 GiB,
 * Normal 4-8 GiB = four whole 1 GiB windows at pfns 0x100000 .. 0x1c0000.
 */
#include "helpers.h"
#include "frag/policy.h"

#define G1 (1ull << SPB_ORDER)   /* pages in 1 GiB */

struct hboot_opts {              /* policies/hugetlb_boot.c's opts, in table order */
	unsigned pages;
	int placement;
	bool runtime_alloc;
};

static struct hboot_opts opts;

static void use_hboot(struct frag_config *cfg)
{
	cfg->policy = frag_policy_find("hugetlb-boot");
	cfg->policy_opts = &opts;
}

static struct frag_mem *mk(unsigned pages, int placement, bool runtime, unsigned nodes)
{
	opts = (struct hboot_opts){ .pages = pages, .placement = placement, .runtime_alloc = runtime };
	return mk_mem(8 * GiB, nodes, 2 * nodes, use_hboot);
}

static const struct frag_owner user = { .id = 9, .cookie = 77, .kind = KIND_HUGETLB, .flags = OWNER_COMPOUND };

/* The parameter table and opts layout agree (the test fills opts by hand). */
static void test_hboot_params(void)
{
	const struct frag_policy_ops *ops = frag_policy_find("hugetlb-boot");
	CHECK(ops != NULL);
	CHECK_EQ(ops->opts_size, sizeof(struct hboot_opts));
	CHECK_STREQ(ops->params[0].name, "pages");
	CHECK_EQ(ops->params[0].offset, offsetof(struct hboot_opts, pages));
	CHECK_STREQ(ops->params[1].name, "placement");
	CHECK_EQ(ops->params[1].offset, offsetof(struct hboot_opts, placement));
	CHECK_STREQ(ops->params[2].name, "runtime_alloc");
	CHECK_EQ(ops->params[2].offset, offsetof(struct hboot_opts, runtime_alloc));
}

/* memblock top-down: hugepages=2 takes the two highest windows; the
 * zone's managed pages lose 2 GiB and its watermarks shrink with them. */
static void test_hugetlb_hstate_alloc_pages_top_down(void)
{
	struct frag_mem *ref = mk_mem(8 * GiB, 1, 2, NULL);
	struct frag_mem *mem = mk(2, 0, true, 1);
	struct frag_zone *z = zone_of(mem, 0, ZONE_NORMAL), *zr = zone_of(ref, 0, ZONE_NORMAL);
	CHECK(mem && ref && z && zr);

	for (uint64_t pfn = 0x100000; pfn < 0x200000; pfn += G1) {
		struct frag_pfn_info info;
		CHECK_EQ(frag_pfn_info(mem, pfn, &info), 0);
		bool reserved = pfn >= 0x180000;
		CHECK_EQ(info.state == PFN_ALLOCATED, reserved);
		if (reserved) {
			CHECK_EQ(info.order, SPB_ORDER);
			CHECK_EQ(info.head_pfn, pfn);
			CHECK_EQ(info.owner.kind, KIND_HUGETLB);
		}
	}
	CHECK_EQ(z->managed_pages, zr->managed_pages - 2 * G1);
	CHECK_EQ(frag_total_free_pages(mem), frag_total_free_pages(ref) - 2 * G1);
	CHECK(min_wmark_pages(z) < min_wmark_pages(zr));   /* the zone's share of min_free_kbytes */
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
	frag_mem_destroy(ref);
}

/* placement=bottom: the lowest whole free window, 1-2 GiB in DMA32 (the
 * first GiB is shared by DMA and DMA32, so not one window of one zone). */
static void test_hugetlb_hstate_alloc_pages_bottom(void)
{
	struct frag_mem *mem = mk(1, 1, true, 1);
	struct frag_pfn_info info;
	CHECK_EQ(frag_pfn_info(mem, 0x40000, &info), 0);
	CHECK_EQ(info.state, PFN_ALLOCATED);
	CHECK_EQ(info.order, SPB_ORDER);
	CHECK_EQ(frag_pfn_info(mem, 0x1c0000, &info), 0);
	CHECK(info.state != PFN_ALLOCATED);
	frag_mem_destroy(mem);
}

/* Round-robin over the nodes: hugepages=3 on two 4 GiB nodes gives node 0
 * two pages and node 1 one (each takes its highest free window). */
static void test_hugetlb_hstate_alloc_pages_round_robin(void)
{
	struct frag_mem *mem = mk(3, 0, true, 2);
	struct frag_pfn_info info;
	unsigned per_node[2] = { 0 };
	for (uint64_t pfn = 0; pfn < mem->end_pfn; pfn += G1) {
		if (frag_pfn_info(mem, pfn, &info) || info.state != PFN_ALLOCATED || info.order != SPB_ORDER)
			continue;
		per_node[pfn_to_zone(mem, pfn)->nid]++;
	}
	CHECK_EQ(per_node[0], 2);
	CHECK_EQ(per_node[1], 1);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/* dequeue from the pool, give back to the pool: the same page again, and
 * the buddy never sees it. */
static void test_alloc_gigantic_folio_from_pool(void)
{
	struct frag_mem *mem = mk(1, 0, true, 1);
	uint64_t free0 = frag_total_free_pages(mem);
	uint64_t pfn = frag_alloc_contig_pages(mem, 0, SPB_ORDER, GFP_HIGHUSER | __GFP_COMP | __GFP_RETRY_MAYFAIL, &user,
					       -1);
	CHECK_EQ(pfn, 0x1c0000);
	struct frag_pfn_info info;
	CHECK_EQ(frag_pfn_info(mem, pfn, &info), 0);
	CHECK_EQ(info.owner.id, user.id);
	CHECK_EQ(info.owner.cookie, user.cookie);
	CHECK_EQ(frag_total_free_pages(mem), free0);

	CHECK_EQ(frag_free_pages(mem, 0, pfn, SPB_ORDER), 0);   /* free_huge_folio(): back to the pool */
	CHECK_EQ(frag_total_free_pages(mem), free0);
	CHECK_EQ(frag_pfn_info(mem, pfn, &info), 0);
	CHECK_EQ(info.state, PFN_ALLOCATED);
	CHECK_EQ(info.owner.id, 0);
	CHECK_EQ(frag_alloc_contig_pages(mem, 0, SPB_ORDER, GFP_HIGHUSER, &user, -1), pfn);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/* Pool exhausted: runtime_alloc goes on to alloc_contig_pages() (the first
 * free window, ascending), without it the request fails although free
 * windows exist. */
static void test_alloc_gigantic_folio_beyond_pool(void)
{
	for (int runtime = 0; runtime <= 1; runtime++) {
		struct frag_mem *mem = mk(1, 0, runtime, 1);
		CHECK_EQ(frag_alloc_contig_pages(mem, 0, SPB_ORDER, GFP_HIGHUSER, &user, -1), 0x1c0000);
		uint64_t pfn = frag_alloc_contig_pages(mem, 0, SPB_ORDER, GFP_HIGHUSER, &user, -1);
		if (runtime) {
			CHECK_EQ(pfn, 0x100000);
			/* Not a pool page: freed to the buddy. */
			uint64_t free0 = frag_total_free_pages(mem);
			CHECK_EQ(frag_free_pages(mem, 0, pfn, SPB_ORDER), 0);
			CHECK_EQ(frag_total_free_pages(mem), free0 + G1);
		} else {
			CHECK_EQ(pfn, FRAG_PFN_NONE);
		}
		CHECK_CONSISTENT(mem);
		frag_mem_destroy(mem);
	}
}

/* frag_boot_reserve_contig() is for boot only: after an allocation it
 * refuses (-EBUSY); a window that is not whole and free is -EINVAL. */
static void test_frag_boot_reserve_contig_rules(void)
{
	struct frag_mem *mem = mk_mem(8 * GiB, 1, 2, NULL);
	CHECK_EQ(frag_boot_reserve_contig(mem, 0x100001, SPB_ORDER, GFP_HIGHUSER, &user), -EINVAL);
	CHECK_EQ(frag_boot_reserve_contig(mem, 0x0, SPB_ORDER, GFP_HIGHUSER, &user), -EINVAL);   /* DMA + DMA32 */
	CHECK(frag_alloc_pages(mem, 0, 0, GFP_KERNEL, NULL) != FRAG_PFN_NONE);
	CHECK_EQ(frag_boot_reserve_contig(mem, 0x100000, SPB_ORDER, GFP_HIGHUSER, &user), -EBUSY);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

static const struct tap_test tests[] = {
	TAP(test_hboot_params),
	TAP(test_hugetlb_hstate_alloc_pages_top_down),
	TAP(test_hugetlb_hstate_alloc_pages_bottom),
	TAP(test_hugetlb_hstate_alloc_pages_round_robin),
	TAP(test_alloc_gigantic_folio_from_pool),
	TAP(test_alloc_gigantic_folio_beyond_pool),
	TAP(test_frag_boot_reserve_contig_rules),
};

int main(void)
{
	return tap_main(tests, TAP_COUNT(tests));
}
