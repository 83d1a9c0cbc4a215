/* SPDX-License-Identifier: MIT */
/*
 * test_policy_spb.c - decisions of the superpageblock policies `spb-steer`
 * and `spb` (SPB RFC v2, "[RFC PATCH 00/40] mm: reliable 1GB page
 * allocation") on a small machine.
 *
 * Machine: one node of 4 GiB starting at 4 GiB: only ZONE_NORMAL, four whole
 * 1 GiB SPBs S0..S3 at pfns 0x100000, 0x140000, 0x180000, 0x1c0000 (512
 * pageblocks each). Layouts are drawn per SPB as
 *     S0 [U x1 | M x255 | free x256]   U = UNMOVABLE-labelled pageblocks,
 * M = MOVABLE pageblocks fully allocated (order-9 LRU blocks), free = free.
 * Decisions are checked by calling the policy's hooks (rmqueue, daemon,
 * alloc_contig) on that state; invariants are checked after every step.
 */
#include <string.h>

#include "helpers.h"
#include "frag/policy.h"
#include "../../policies/spb_common.h"

#define SPBP(i) (0x100000ull + (uint64_t)(i) * SPB_NR_PAGES)
#define PB(i, n) (SPBP(i) + (uint64_t)(n) * PAGEBLOCK_NR_PAGES)

static const struct frag_policy_ops *cur_ops;
static const void *cur_opts;

static void tweak(struct frag_config *cfg)
{
	cfg->geo.node[0].start_pfn = SPBP(0);
	cfg->geo.node[0].nr_pages = 4 * SPB_NR_PAGES;
	cfg->check_every = 0;   /* 1 Mi pages: checked explicitly after each step */
	cfg->policy = cur_ops;
	cfg->policy_opts = cur_opts;
}

static struct frag_mem *mk(const char *policy, const void *opts)
{
	cur_ops = frag_policy_find(policy);
	cur_opts = opts;
	return cur_ops ? mk_mem(4 * GiB, 1, 2, tweak) : NULL;
}

/* spb-steer's opts: struct spb_opts with only the steering rows set. */
static struct spb_opts steer_defaults(void)
{
	struct spb_opts o;
	memset(&o, 0xa5, sizeof o);   /* init() must ignore what the table does not set */
	frag_param_defaults(frag_policy_find("spb-steer")->params, &o);
	return o;
}

static struct spb_opts spb_defaults(void)
{
	struct spb_opts o;
	frag_param_defaults(frag_policy_find("spb")->params, &o);
	return o;
}

/* Allocate pageblocks [first, first + n) of SPB @s as order-9 blocks. */
static void fill(struct frag_mem *mem, struct frag_zone *z, unsigned s, unsigned first, unsigned n, gfp_t gfp,
		 unsigned owner_flags)
{
	for (unsigned i = first; i < first + n; i++)
		CHECK_EQ(alloc_at(mem, z, PB(s, i), PAGEBLOCK_ORDER, gfp, owner_flags), 0);
}

/* n UNMOVABLE pageblocks, allocated kernel memory: taints SPB @s. */
static void taint(struct frag_mem *mem, struct frag_zone *z, unsigned s, unsigned first, unsigned n)
{
	fill(mem, z, s, first, n, GFP_KERNEL, 0);
	for (unsigned i = first; i < first + n; i++)
		set_pageblock_migratetype(z, PB(s, i), MIGRATE_UNMOVABLE);
}

static void movable(struct frag_mem *mem, struct frag_zone *z, unsigned s, unsigned first, unsigned n)
{
	fill(mem, z, s, first, n, GFP_HIGHUSER_MOVABLE, OWNER_LRU);
}

static unsigned spb_of(const struct frag_zone *z, uint32_t idx)
{
	return (unsigned)(pfn_to_spb(z, idx_to_pfn(z, idx)) - z->spb);
}

/* The policy's __rmqueue() for one request; the block it returns is made an
 * allocation (as rmqueue() -> prep_new_page() would). */
static uint32_t rmq(struct frag_mem *mem, struct frag_zone *z, unsigned order, int mt, unsigned flags)
{
	static const gfp_t gfp_of[MIGRATE_PCPTYPES] = {
		[MIGRATE_UNMOVABLE] = GFP_KERNEL,
		[MIGRATE_MOVABLE] = GFP_HIGHUSER_MOVABLE,
		[MIGRATE_RECLAIMABLE] = GFP_KERNEL | __GFP_RECLAIMABLE,
	};
	struct frag_owner o = { .id = 2, .kind = mt == MIGRATE_MOVABLE ? KIND_ANON : KIND_SLAB,
				.flags = mt == MIGRATE_MOVABLE ? OWNER_LRU : 0 };
	enum rmqueue_mode mode = RMQUEUE_NORMAL;
	uint32_t idx = mem->policy->rmqueue(mem, mem->policy_priv, z, order, mt, flags, &mode);
	if (idx != IDX_NONE)
		prep_new_page(mem, z, idx_to_pfn(z, idx), order, gfp_of[mt], &o);
	return idx;
}

/* The parameter tables and the test's opts layouts agree. */
static void test_spb_params(void)
{
	const struct frag_policy_ops *st = frag_policy_find("spb-steer"), *sp = frag_policy_find("spb");
	CHECK(st && sp);
	CHECK_EQ(st->opts_size, sizeof(struct spb_opts));
	CHECK_EQ(sp->opts_size, sizeof(struct spb_opts));
	/* The steering rows are shared (SPB_STEER_PARAMS): same names and
	 * fields in both tables, only contig's default differs. */
	CHECK_EQ(frag_param_count(st->params), 5);
	for (unsigned i = 0; i < 5; i++) {
		CHECK_STREQ(st->params[i].name, sp->params[i].name);
		CHECK_EQ(st->params[i].offset, sp->params[i].offset);
	}
	CHECK_EQ(st->params[4].offset, offsetof(struct spb_opts, contig_mode));
	struct spb_opts so = steer_defaults();
	CHECK_EQ(so.contig_mode, SPB_CONTIG_LINUX);
	struct spb_opts o = spb_defaults();
	CHECK_EQ(o.scan_limit, 8);
	CHECK_EQ(o.reserve_div, 32);
	CHECK_EQ(o.reserve_min, 4);
	CHECK_EQ(o.defrag_start_pb, 1);
	CHECK_EQ(o.defrag_start_pages, 2);
	CHECK_EQ(o.defrag_stop_pb, 2);
	CHECK_EQ(o.defrag_stop_pages, 3);
	CHECK(sp->daemon != NULL && st->daemon == NULL);
	CHECK_STREQ(sp->daemon_name, "spb_defrag");
}

/*
 * sb_preferred_for_movable() (v2 12): a movable request comes from the
 * fullest clean SPB, walking the fullness buckets from SB_FULL.
 *     S0 [M x256 | free x256]   clean, half full (bucket 4)
 *     S1 [M x448 | free x64]    clean, 7/8 full (bucket 1)  <- chosen
 *     S2, S3 empty
 * Once S0 and S1 are full, the next comes from an empty SPB.
 */
static void test_sb_preferred_for_movable(void)
{
	struct spb_opts o = steer_defaults();
	struct frag_mem *mem = mk("spb-steer", &o);
	struct frag_zone *z = zone_of(mem, 0, ZONE_NORMAL);
	CHECK(mem && z && z->spb_lists);
	movable(mem, z, 0, 0, 256);
	movable(mem, z, 1, 0, 448);
	CHECK_EQ(z->spb[1].fullness, 1);
	CHECK_EQ(z->spb[0].fullness, 4);

	uint32_t idx = rmq(mem, z, 4, MIGRATE_MOVABLE, ALLOC_WMARK_LOW);
	CHECK(idx != IDX_NONE);
	CHECK_EQ(spb_of(z, idx), 1);
	CHECK_CONSISTENT(mem);

	/* Through the allocator: order 4 bypasses the PCP lists. */
	struct frag_owner ow = { .id = 1, .kind = KIND_ANON, .flags = OWNER_LRU };
	uint64_t pfn = frag_alloc_pages(mem, 0, 4, GFP_HIGHUSER_MOVABLE, &ow);
	CHECK_EQ(pfn_to_spb(z, pfn) - z->spb, 1);

	CHECK_EQ(frag_free_pages(mem, 0, pfn, 4), 0);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);

	mem = mk("spb-steer", &o);
	z = zone_of(mem, 0, ZONE_NORMAL);
	movable(mem, z, 0, 0, 512);
	movable(mem, z, 1, 0, 512);
	idx = rmq(mem, z, 4, MIGRATE_MOVABLE, ALLOC_WMARK_LOW);
	CHECK(idx != IDX_NONE);
	unsigned s = spb_of(z, idx);
	CHECK(s == 2 || s == 3);
	CHECK_EQ(z->nr_spb_cat[SPB_EMPTY], 1);
	CHECK_EQ(z->nr_spb_cat[SPB_CLEAN], 3);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * Steer stealing to tainted SPBs (v2 11): an unmovable request with no
 * UNMOVABLE free block claims a free pageblock of a tainted SPB, not of a
 * clean or empty one.
 *     S0 [M x256 | free x256]          clean
 *     S1 [U x1 | M x255 | free x256]   tainted  <- claimed here
 *     S2, S3 empty
 * Under NOFRAGMENT only whole pageblocks are claimed (order-10 block at
 * pageblock 256 of S1: two pageblocks become UNMOVABLE).
 */
static void test_steer_unmovable_to_tainted(void)
{
	struct spb_opts o = steer_defaults();
	struct frag_mem *mem = mk("spb-steer", &o);
	struct frag_zone *z = zone_of(mem, 0, ZONE_NORMAL);
	movable(mem, z, 0, 0, 256);
	taint(mem, z, 1, 0, 1);
	movable(mem, z, 1, 1, 255);
	CHECK_EQ(z->spb[1].category, SPB_TAINTED);
	CHECK_EQ(z->nr_spb_cat[SPB_TAINTED], 1);

	uint32_t idx = rmq(mem, z, 2, MIGRATE_UNMOVABLE, ALLOC_WMARK_LOW | ALLOC_NOFRAGMENT);
	CHECK(idx != IDX_NONE);
	CHECK_EQ(spb_of(z, idx), 1);
	CHECK_EQ(z->nr_spb_cat[SPB_TAINTED], 1);
	CHECK_EQ(z->nr_spb_cat[SPB_CLEAN], 1);
	CHECK_EQ(z->nr_spb_cat[SPB_EMPTY], 2);
	CHECK_EQ(z->spb[1].nr_pb[MIGRATE_UNMOVABLE], 3);
	CHECK_EQ(frag_stat_get(mem, FRAG_STAT_spb_steer_tainted), 1);
	CHECK_EQ(frag_stat_get(mem, FRAG_STAT_spb_taint_clean), 0);
	CHECK_CONSISTENT(mem);

	/* The next unmovable request uses the claimed pageblocks (pass 1). */
	uint32_t idx2 = rmq(mem, z, 2, MIGRATE_UNMOVABLE, ALLOC_WMARK_LOW | ALLOC_NOFRAGMENT);
	CHECK_EQ(spb_of(z, idx2), 1);
	CHECK_EQ(frag_stat_get(mem, FRAG_STAT_spb_steer_tainted), 1);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * SPB_SCAN_LIMIT bounds the search (v2 11): the only tainted SPB is S3; the
 * SPBs holding free order-10 MOVABLE blocks are S0..S3 in that order.
 *     S0, S1, S2 [M x256 | free x256] clean,   S3 [U x2 | free x510] tainted
 * spb_scan_limit = 2 looks at S0 and S1 only: the claim taints a clean SPB
 * (Linux's path); 8 reaches S3.
 */
static void test_spb_scan_limit(void)
{
	for (unsigned limit = 2; limit <= 8; limit += 6) {
		struct spb_opts o = steer_defaults();
		o.scan_limit = limit;
		struct frag_mem *mem = mk("spb-steer", &o);
		struct frag_zone *z = zone_of(mem, 0, ZONE_NORMAL);
		for (unsigned s = 0; s < 3; s++)
			movable(mem, z, s, 0, 256);
		taint(mem, z, 3, 0, 2);
		CHECK_EQ(z->nr_spb_cat[SPB_TAINTED], 1);
		CHECK_EQ(z->free_area[PAGEBLOCK_ORDER].nr_free, 0);   /* only order-10 blocks are free */

		uint32_t idx = rmq(mem, z, 2, MIGRATE_UNMOVABLE, ALLOC_WMARK_LOW | ALLOC_NOFRAGMENT);
		CHECK(idx != IDX_NONE);
		if (limit == 2) {
			CHECK(spb_of(z, idx) != 3);
			CHECK_EQ(z->nr_spb_cat[SPB_TAINTED], 2);
			CHECK_EQ(frag_stat_get(mem, FRAG_STAT_spb_taint_clean), 1);
		} else {
			CHECK_EQ(spb_of(z, idx), 3);
			CHECK_EQ(z->nr_spb_cat[SPB_TAINTED], 1);
			CHECK_EQ(frag_stat_get(mem, FRAG_STAT_spb_taint_clean), 0);
		}
		CHECK_CONSISTENT(mem);
		frag_mem_destroy(mem);
	}
}

static const struct frag_owner huge_owner = { .id = 5, .kind = KIND_HUGETLB, .flags = OWNER_COMPOUND };

/*
 * 1 GiB from an entirely free SPB (v2 17):
 *     S0 [M x10 | free]  S1 [U x1 | free]  S2 empty  S3 [M x300 | free]
 * spb-steer takes S2. With no empty SPB left, spb-steer (contig=linux)
 * leaves it to alloc_contig_pages(): windows in ascending pfn order, S0's
 * first; its 10 movable pageblocks are migrated out (into S3, the fullest
 * clean SPB, where spb-steer puts movable targets) and S0 is taken.
 */
static void test_sb_try_alloc_contig_empty(void)
{
	struct spb_opts o = steer_defaults();
	struct frag_mem *mem = mk("spb-steer", &o);
	struct frag_zone *z = zone_of(mem, 0, ZONE_NORMAL);
	movable(mem, z, 0, 0, 10);
	taint(mem, z, 1, 0, 1);
	movable(mem, z, 3, 0, 300);
	uint64_t pfn = frag_alloc_contig_pages(mem, 0, SPB_ORDER, GFP_HIGHUSER | __GFP_COMP, &huge_owner, 0);
	CHECK_EQ(pfn, SPBP(2));
	CHECK_EQ(frag_stat_get(mem, FRAG_STAT_spb_contig_direct), 1);
	CHECK_CONSISTENT(mem);
	CHECK_EQ(frag_alloc_contig_pages(mem, 0, SPB_ORDER, GFP_HIGHUSER | __GFP_COMP, &huge_owner, 0), SPBP(0));
	CHECK_EQ(frag_stat_get(mem, FRAG_STAT_spb_contig_direct), 1);
	CHECK_EQ(frag_stat_get(mem, FRAG_STAT_contig_migrated_pages), 10 * PAGEBLOCK_NR_PAGES);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * "1GB allocations start with the emptiest clean 1GB block": with no empty
 * SPB, spb (contig=evacuate) empties the emptiest clean SPB, S0, moving its
 * 10 pageblocks into the fullest clean SPB, S3, and takes it.
 *     S0 [M x10 | free x502]  S1 [U x1 | free]  S2 [M x100 | free]  S3 [M x300 | free]
 */
static void test_sb_try_alloc_contig_evacuate(void)
{
	struct spb_opts o = spb_defaults();
	struct frag_mem *mem = mk("spb", &o);
	struct frag_zone *z = zone_of(mem, 0, ZONE_NORMAL);
	movable(mem, z, 0, 0, 10);
	taint(mem, z, 1, 0, 1);
	movable(mem, z, 2, 0, 100);
	movable(mem, z, 3, 0, 300);
	uint64_t pfn = frag_alloc_contig_pages(mem, 0, SPB_ORDER, GFP_HIGHUSER | __GFP_COMP, &huge_owner, 0);
	CHECK_EQ(pfn, SPBP(0));
	CHECK_EQ(frag_stat_get(mem, FRAG_STAT_spb_contig_evacuated), 1);
	CHECK_EQ(frag_stat_get(mem, FRAG_STAT_spb_evacuated_pages), 10 * PAGEBLOCK_NR_PAGES);
	CHECK_EQ(z->spb[3].nr_alloc_pages[MIGRATE_MOVABLE], 310 * PAGEBLOCK_NR_PAGES);
	CHECK_EQ(z->spb[2].nr_alloc_pages[MIGRATE_MOVABLE], 100 * PAGEBLOCK_NR_PAGES);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * Tainted-SPB reserve (v1 24): max(4, 512/32) = 16 free pageblocks. A movable
 * request skips a tainted SPB at or below it, even when nothing else is free.
 *     S0 [U x1 | M x495 | free x16]   S1..S3 [M x512]
 * A 17th free pageblock lets it in; non-movable requests use the reserve.
 */
static void test_spb_tainted_reserve(void)
{
	struct spb_opts o = spb_defaults();
	struct frag_mem *mem = mk("spb", &o);
	struct frag_zone *z = zone_of(mem, 0, ZONE_NORMAL);
	const struct spb_priv *p = mem->policy_priv;
	taint(mem, z, 0, 0, 1);
	movable(mem, z, 0, 1, 495);
	for (unsigned s = 1; s < 4; s++)
		movable(mem, z, s, 0, 512);
	CHECK_EQ(spb_tainted_reserve(p, &z->spb[0]), 16);
	CHECK_EQ(z->spb[0].nr_pb_free, 16);

	CHECK_EQ(rmq(mem, z, 4, MIGRATE_MOVABLE, ALLOC_WMARK_LOW), IDX_NONE);
	CHECK_CONSISTENT(mem);
	uint32_t idx = rmq(mem, z, 4, MIGRATE_UNMOVABLE, ALLOC_WMARK_LOW);
	CHECK(idx != IDX_NONE);
	CHECK_EQ(spb_of(z, idx), 0);
	CHECK_CONSISTENT(mem);

	/* Free two more pageblocks: 17 free (the unmovable block took one). */
	CHECK_EQ(frag_free_pages(mem, 0, PB(0, 1), PAGEBLOCK_ORDER), 0);
	CHECK_EQ(frag_free_pages(mem, 0, PB(0, 2), PAGEBLOCK_ORDER), 0);
	frag_drain_all_pages(mem, (int)z->id);   /* order 9 was cached on the PCP */
	CHECK_EQ(z->spb[0].nr_pb_free, 17);
	idx = rmq(mem, z, 4, MIGRATE_MOVABLE, ALLOC_WMARK_LOW);
	CHECK(idx != IDX_NONE);
	CHECK_EQ(spb_of(z, idx), 0);
	CHECK_CONSISTENT(mem);

	/* reserve off: the movable request gets in at 16 as well. */
	frag_mem_destroy(mem);
	o.reserve_div = 0;
	mem = mk("spb", &o);
	z = zone_of(mem, 0, ZONE_NORMAL);
	taint(mem, z, 0, 0, 1);
	movable(mem, z, 0, 1, 495);
	for (unsigned s = 1; s < 4; s++)
		movable(mem, z, s, 0, 512);
	CHECK(rmq(mem, z, 4, MIGRATE_MOVABLE, ALLOC_WMARK_LOW) != IDX_NONE);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * The defrag worker (v2 15): S0 has 1 free pageblock (<= 1: start); the
 * worker evacuates movable pageblocks into the fullest clean SPB (S1) until
 * S0 has 2 free pageblocks (stop), then sleeps (returns 0).
 *     S0 [U x1 | M x510 | free x1]   S1 [M x256 | free]   S2, S3 empty
 * after:
 *     S0 [U x1 | free x1 | M x509 | free x1]   S1 [M x257 | free]
 */
static void test_spb_defrag_worker(void)
{
	struct spb_opts o = spb_defaults();
	struct frag_mem *mem = mk("spb", &o);
	struct frag_zone *z = zone_of(mem, 0, ZONE_NORMAL);
	const struct spb_priv *p = mem->policy_priv;
	taint(mem, z, 0, 0, 1);
	movable(mem, z, 0, 1, 510);
	movable(mem, z, 1, 0, 256);
	CHECK(spb_needs_defrag(p, &z->spb[0]));

	uint64_t next = mem->policy->daemon(mem, mem->policy_priv, 0, 0);
	CHECK_EQ(next, 1000000000ull);   /* done: back to the idle poll (defrag_poll = 1 s) */
	CHECK_EQ(z->spb[0].nr_pb_free, 2);
	CHECK(spb_defrag_done(p, &z->spb[0]));
	CHECK_EQ(frag_stat_get(mem, FRAG_STAT_spb_evacuations), 1);
	CHECK_EQ(frag_stat_get(mem, FRAG_STAT_spb_evacuated_pages), PAGEBLOCK_NR_PAGES);
	CHECK_EQ(z->spb[1].nr_alloc_pages[MIGRATE_MOVABLE], 257 * PAGEBLOCK_NR_PAGES);
	CHECK_EQ(pfn_to_pb(z, PB(0, 1))->nr_free, PAGEBLOCK_NR_PAGES);
	CHECK_EQ(z->nr_spb_cat[SPB_EMPTY], 2);
	/* The reserve gauge: min(free pageblocks, 16) of the tainted SPB. */
	CHECK_EQ(frag_stat_get(mem, FRAG_STAT_spb_reserve_pages), 2 * PAGEBLOCK_NR_PAGES);
	CHECK_CONSISTENT(mem);

	/* A second run has nothing to do. */
	CHECK_EQ(mem->policy->daemon(mem, mem->policy_priv, 0, 0), 1000000000ull);
	CHECK_EQ(frag_stat_get(mem, FRAG_STAT_spb_evacuations), 1);
	frag_mem_destroy(mem);

	/* With stop at 6 free pageblocks and a batch of 2, the worker asks to
	 * run again (defrag_interval) until 6 are free. */
	o.defrag_stop_pb = 6;
	o.defrag_stop_pages = 512;
	o.defrag_batch = 2;
	o.defrag_poll = 0;   /* then sleep until woken */
	mem = mk("spb", &o);
	z = zone_of(mem, 0, ZONE_NORMAL);
	taint(mem, z, 0, 0, 1);
	movable(mem, z, 0, 1, 510);
	movable(mem, z, 1, 0, 256);
	CHECK_EQ(mem->policy->daemon(mem, mem->policy_priv, 0, 0), o.defrag_interval);
	CHECK_EQ(z->spb[0].nr_pb_free, 3);
	CHECK_EQ(mem->policy->daemon(mem, mem->policy_priv, 0, 0), o.defrag_interval);
	CHECK_EQ(mem->policy->daemon(mem, mem->policy_priv, 0, 0), 0);
	CHECK_EQ(z->spb[0].nr_pb_free, 6);
	CHECK_EQ(frag_stat_get(mem, FRAG_STAT_spb_evacuations), 5);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * Refusals before a clean-SPB taint (v2 26, 35, 18/25). The only tainted SPB
 * is full, so any non-movable fallback would taint S1..S3:
 *     S0 [U x1 | M x511]   S1 [M x256 | free]   S2, S3 empty
 *  - kvmalloc-style (NORETRY, order > 0): refused, counted;
 *  - atomic: refused while S0 can be evacuated (worker marked);
 *  - best-effort high order: refused only when a tainted SPB holds a
 *    smaller UNMOVABLE block (after an order-0 block is freed there);
 *  - a GFP_KERNEL request taints a clean SPB.
 */
static void test_spb_refusals(void)
{
	struct spb_opts o = spb_defaults();
	struct frag_mem *mem = mk("spb", &o);
	struct frag_zone *z = zone_of(mem, 0, ZONE_NORMAL);
	const struct frag_policy_ops *ops = mem->policy;
	taint(mem, z, 0, 0, 1);
	movable(mem, z, 0, 1, 511);
	movable(mem, z, 1, 0, 256);

	/* The alloc_flags hook classifies callers. */
	unsigned kv = ops->alloc_flags(mem, mem->policy_priv, z, GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN, 2, 0, false);
	unsigned at = ops->alloc_flags(mem, mem->policy_priv, z, GFP_ATOMIC, 0, 0, false);
	unsigned be = ops->alloc_flags(mem, mem->policy_priv, z, GFP_NOWAIT, 3, 0, false);
	unsigned mv = ops->alloc_flags(mem, mem->policy_priv, z, GFP_HIGHUSER_MOVABLE | __GFP_NORETRY, 2, 0, false);
	CHECK_EQ(kv & (ALLOC_SPB_CHEAP | ALLOC_SPB_ATOMIC), ALLOC_SPB_CHEAP);
	CHECK_EQ(at & (ALLOC_SPB_CHEAP | ALLOC_SPB_ATOMIC | ALLOC_SPB_BESTEFFORT), ALLOC_SPB_ATOMIC);
	CHECK(be & ALLOC_SPB_BESTEFFORT);
	CHECK_EQ(mv, 0);

	CHECK_EQ(rmq(mem, z, 2, MIGRATE_UNMOVABLE, ALLOC_WMARK_LOW | ALLOC_SPB_CHEAP), IDX_NONE);
	CHECK_EQ(frag_stat_get(mem, FRAG_STAT_spb_refused_kvmalloc), 1);
	CHECK_EQ(rmq(mem, z, 0, MIGRATE_UNMOVABLE, ALLOC_WMARK_LOW | ALLOC_SPB_ATOMIC), IDX_NONE);
	CHECK_EQ(frag_stat_get(mem, FRAG_STAT_spb_refused_atomic), 1);
	CHECK_EQ(((const struct spb_priv *)mem->policy_priv)->defrag_active[0], 1);
	CHECK_EQ(z->nr_spb_cat[SPB_TAINTED], 1);
	CHECK_CONSISTENT(mem);

	/* Best effort order 3: no smaller UNMOVABLE block in S0 yet -> served (taints). */
	uint32_t idx = rmq(mem, z, 3, MIGRATE_UNMOVABLE, ALLOC_WMARK_LOW | ALLOC_SPB_BESTEFFORT);
	CHECK(idx != IDX_NONE);
	CHECK_EQ(frag_stat_get(mem, FRAG_STAT_spb_refused_highorder), 0);
	CHECK_EQ(z->nr_spb_cat[SPB_TAINTED], 2);
	CHECK_EQ(frag_stat_get(mem, FRAG_STAT_spb_taint_clean), 1);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);

	/* Same start, plus a free order-0 UNMOVABLE page inside S0's U block,
	 * and no whole free pageblock in any tainted SPB. */
	mem = mk("spb", &o);
	z = zone_of(mem, 0, ZONE_NORMAL);
	taint(mem, z, 0, 1, 1);
	set_pageblock_migratetype(z, PB(0, 0), MIGRATE_UNMOVABLE);
	CHECK_EQ(move_freepages_block(z, PB(0, 0), MIGRATE_MOVABLE, MIGRATE_UNMOVABLE), PAGEBLOCK_NR_PAGES);
	uint64_t off = 0;
	for (int ord = PAGEBLOCK_ORDER - 1; ord >= 0; off += 1ull << ord, ord--)
		CHECK_EQ(alloc_at(mem, z, PB(0, 0) + off, (unsigned)ord, GFP_KERNEL, 0), 0);
	CHECK_EQ(z->spb[0].nr_free[0][MIGRATE_UNMOVABLE], 1);   /* one free page left, at PB(0,0) + 511 */
	movable(mem, z, 0, 2, 510);
	movable(mem, z, 1, 0, 256);
	CHECK_EQ(rmq(mem, z, 3, MIGRATE_UNMOVABLE, ALLOC_WMARK_LOW | ALLOC_SPB_BESTEFFORT), IDX_NONE);
	CHECK_EQ(frag_stat_get(mem, FRAG_STAT_spb_refused_highorder), 1);
	CHECK_EQ(z->nr_spb_cat[SPB_TAINTED], 1);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/* No UNMOVABLE/RECLAIMABLE mixing (v2 24): a free RECLAIMABLE order-3 block
 * is not a fallback for an UNMOVABLE order-3 request below pageblock order
 * (MOVABLE comes instead); linux's rule takes it. */
static void test_spb_no_mixing(void)
{
	struct spb_opts o = spb_defaults();
	struct frag_mem *mem = mk("spb", &o);
	struct frag_zone *z = zone_of(mem, 0, ZONE_NORMAL);
	/* Make a free order-3 RECLAIMABLE block: relabel S0's first pageblock. */
	CHECK_EQ(alloc_at(mem, z, PB(0, 0), 3, GFP_KERNEL | __GFP_RECLAIMABLE, 0), 0);
	CHECK_EQ(move_freepages_block(z, PB(0, 0), MIGRATE_MOVABLE, MIGRATE_RECLAIMABLE) > 0, 1);
	set_pageblock_migratetype(z, PB(0, 0), MIGRATE_RECLAIMABLE);
	CHECK(z->free_area[3].nr_free_mt[MIGRATE_RECLAIMABLE] > 0);
	/* Order 3 holds no MOVABLE block (the split left orders 3..8 in the relabelled pageblock). */
	CHECK_EQ(find_suitable_fallback(mem, z, 3, MIGRATE_UNMOVABLE, false), -1);
	CHECK_EQ(find_suitable_fallback_linux(mem, z, 3, MIGRATE_UNMOVABLE, false), MIGRATE_RECLAIMABLE);
	/* The reverse direction is barred too; MOVABLE requests keep Linux's rule. */
	CHECK_EQ(find_suitable_fallback_linux(mem, z, 3, MIGRATE_MOVABLE, false), MIGRATE_RECLAIMABLE);
	CHECK_EQ(find_suitable_fallback(mem, z, 3, MIGRATE_MOVABLE, false), MIGRATE_RECLAIMABLE);
	/* At pageblock order whole blocks may change hands. */
	CHECK_EQ(find_suitable_fallback(mem, z, 9, MIGRATE_UNMOVABLE, false),
		 find_suitable_fallback_linux(mem, z, 9, MIGRATE_UNMOVABLE, false));
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/* Compaction (v2 38/39): no source in a tainted SPB without movable pages;
 * no target in a tainted SPB at or below its reserve. */
static void test_spb_compaction_hooks(void)
{
	struct spb_opts o = spb_defaults();
	struct frag_mem *mem = mk("spb", &o);
	struct frag_zone *z = zone_of(mem, 0, ZONE_NORMAL);
	const struct frag_policy_ops *ops = mem->policy;
	struct frag_compact_ctx cc = { .order = 9, .migratetype = MIGRATE_MOVABLE, .mode = MIGRATE_ASYNC };
	taint(mem, z, 0, 0, 500);   /* S0: 12 free pageblocks <= 16, no movable */
	taint(mem, z, 1, 0, 1);     /* S1: 511 free */
	movable(mem, z, 2, 0, 10);
	CHECK(!ops->suitable_migration_source(mem, mem->policy_priv, z, PB(0, 0), &cc, true));
	CHECK(ops->suitable_migration_source(mem, mem->policy_priv, z, PB(2, 0), &cc, true));
	CHECK(!ops->suitable_migration_source(mem, mem->policy_priv, z, PB(2, 0), &cc, false));
	CHECK(!ops->suitable_migration_target(mem, mem->policy_priv, z, PB(0, 510), &cc, true));
	CHECK(ops->suitable_migration_target(mem, mem->policy_priv, z, PB(1, 510), &cc, true));
	CHECK(ops->suitable_migration_target(mem, mem->policy_priv, z, PB(2, 510), &cc, true));
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

static uint64_t shrink_calls;
static uint64_t count_one(void *arg, unsigned nid)
{
	(void)arg;
	(void)nid;
	return 1u << 22;   /* enough that priority 12 scans some */
}
static uint64_t scan_none(void *arg, unsigned nid, uint64_t nr_to_scan, uint64_t *nr_scanned)
{
	(void)arg;
	(void)nid;
	(void)nr_to_scan;
	(void)nr_scanned;
	shrink_calls++;
	return 0;
}

/*
 * Slab shrink from SPB pressure (v1 32): with slab_shrink on, a worker run
 * calls shrink_slab() when a tainted SPB has fewer free pages than its
 * reserve (16 pageblocks); not when it has more, nor with the rule off.
 *     S0 [U x1 | M x500 | free x11]  (11 < 16: pressure)
 */
static void test_spb_slab_shrink(void)
{
	for (int on = 0; on < 2; on++) {
		struct spb_opts o = spb_defaults();
		o.slab_shrink = on;
		o.defrag = false;
		struct frag_mem *mem = mk("spb", &o);
		struct frag_zone *z = zone_of(mem, 0, ZONE_NORMAL);
		struct frag_shrinker sh = { .name = "test", .seeks = 2, .count_objects = count_one,
					    .scan_objects = scan_none };
		CHECK(frag_register_shrinker(mem, &sh) >= 0);
		taint(mem, z, 0, 0, 1);
		movable(mem, z, 0, 1, 500);
		shrink_calls = 0;
		mem->policy->daemon(mem, mem->policy_priv, 0, 0);
		CHECK_EQ(frag_stat_get(mem, FRAG_STAT_spb_slab_shrinks), (uint64_t)on);
		CHECK_EQ(shrink_calls > 0, on);
		/* Relief: 20 free pageblocks, no more pressure. */
		for (unsigned i = 1; i <= 9; i++)
			CHECK_EQ(frag_free_pages(mem, 0, PB(0, i), PAGEBLOCK_ORDER), 0);
		frag_drain_all_pages(mem, (int)z->id);
		CHECK_EQ(z->spb[0].nr_pb_free, 20);
		mem->policy->daemon(mem, mem->policy_priv, 0, 0);
		CHECK_EQ(frag_stat_get(mem, FRAG_STAT_spb_slab_shrinks), (uint64_t)on);
		CHECK_CONSISTENT(mem);
		frag_mem_destroy(mem);
	}
}

/* Allocate [PB(s, n), +512) except its last @free pages (a power of two):
 * movable blocks of orders 8, 7, ... down to log2(free), LRU. */
static void partial_movable(struct frag_mem *mem, struct frag_zone *z, unsigned s, unsigned n, unsigned free)
{
	uint64_t off = 0;
	for (unsigned ord = PAGEBLOCK_ORDER - 1; (1u << ord) >= free; off += 1ull << ord, ord--) {
		CHECK_EQ(alloc_at(mem, z, PB(s, n) + off, ord, GFP_HIGHUSER_MOVABLE, OWNER_LRU), 0);
		if (!ord)
			break;
	}
	CHECK_EQ(pfn_to_pb(z, PB(s, n))->nr_free, free);
}

/*
 * Adoption of partial pageblocks (v2 21): an UNMOVABLE order-0 request under
 * NOFRAGMENT on a small machine (4 SPBs, no aggressive packing). Nothing
 * UNMOVABLE is free; the tainted SPB S0 holds a whole free pageblock and two
 * partially free MOVABLE ones:
 *     S0 [U x1 | M x508 | M(128 free) | M(192 free) | free x1]   S1 [M x256 | free]   S2, S3 empty
 * With adopt_partial the MOVABLE pageblock with the most free pages, 510, is
 * relabelled UNMOVABLE and serves the request; the free pageblock 511 stays
 * free. Without it (the old pass 2) the whole free pageblock 511 is claimed.
 * With adopt_min_free = 257 neither partial pageblock qualifies.
 */
static void test_spb_adopt_partial_pageblock(void)
{
	for (int mode = 0; mode < 3; mode++) {
		struct spb_opts o = spb_defaults();
		o.adopt = mode != 1;
		if (mode == 2)
			o.adopt_min_free = 257;
		struct frag_mem *mem = mk("spb", &o);
		struct frag_zone *z = zone_of(mem, 0, ZONE_NORMAL);
		taint(mem, z, 0, 0, 1);
		movable(mem, z, 0, 1, 508);
		partial_movable(mem, z, 0, 509, 128);
		/* 510: free order-6 and order-7 blocks, found first (at order 6) */
		CHECK_EQ(alloc_at(mem, z, PB(0, 510), 8, GFP_HIGHUSER_MOVABLE, OWNER_LRU), 0);
		CHECK_EQ(alloc_at(mem, z, PB(0, 510) + 256, 6, GFP_HIGHUSER_MOVABLE, OWNER_LRU), 0);
		CHECK_EQ(pfn_to_pb(z, PB(0, 510))->nr_free, 192);
		movable(mem, z, 1, 0, 256);
		CHECK_EQ(z->spb[0].nr_pb_free, 1);
		CHECK_CONSISTENT(mem);

		uint32_t idx = rmq(mem, z, 0, MIGRATE_UNMOVABLE, ALLOC_WMARK_LOW | ALLOC_NOFRAGMENT);
		CHECK(idx != IDX_NONE);
		uint64_t pfn = idx_to_pfn(z, idx);
		CHECK_EQ(z->nr_spb_cat[SPB_TAINTED], 1);
		if (mode == 0) {
			CHECK_EQ(pfn >> PAGEBLOCK_ORDER, PB(0, 510) >> PAGEBLOCK_ORDER);
			CHECK_EQ(pb_mt(z, PB(0, 510)), MIGRATE_UNMOVABLE);
			CHECK_EQ(pb_mt(z, PB(0, 509)), MIGRATE_MOVABLE);
			CHECK_EQ(z->spb[0].nr_pb_free, 1);   /* the free pageblock is kept */
			CHECK_EQ(frag_stat_get(mem, FRAG_STAT_spb_adopted), 1);
		} else {
			CHECK_EQ(pfn >> PAGEBLOCK_ORDER, PB(0, 511) >> PAGEBLOCK_ORDER);
			CHECK_EQ(pb_mt(z, PB(0, 510)), MIGRATE_MOVABLE);
			CHECK_EQ(z->spb[0].nr_pb_free, 0);
			CHECK_EQ(frag_stat_get(mem, FRAG_STAT_spb_adopted), 0);
		}
		CHECK_EQ(z->spb[0].nr_pb[MIGRATE_UNMOVABLE], 2);
		CHECK_CONSISTENT(mem);
		frag_mem_destroy(mem);
	}
}

/*
 * Cross-migratetype borrowing (v2 27, v1 42 Pass 2d): the tainted SPB has
 * no free pageblock and one MOVABLE pageblock with 8 free pages (too few to
 * adopt: adopt_min_free = 32):
 *     S0 [U x1 | M x510 | M(8 free)]   S1 [M x256 | free]   S2, S3 empty
 * An UNMOVABLE order-0 request under NOFRAGMENT borrows one of them; the
 * pageblock stays MOVABLE and no clean SPB is tainted. Without borrowing
 * (or over the bound borrow_max_pages = 1 for an order-1 request) Linux's
 * claim taints a clean SPB.
 */
static void test_spb_borrow_movable_buddy(void)
{
	for (int mode = 0; mode < 3; mode++) {
		struct spb_opts o = spb_defaults();
		o.borrow = mode != 1;
		if (mode == 2)
			o.borrow_max_pages = 1;
		struct frag_mem *mem = mk("spb", &o);
		struct frag_zone *z = zone_of(mem, 0, ZONE_NORMAL);
		taint(mem, z, 0, 0, 1);
		movable(mem, z, 0, 1, 510);
		partial_movable(mem, z, 0, 511, 8);
		movable(mem, z, 1, 0, 256);
		CHECK_EQ(z->spb[0].nr_pb_free, 0);

		unsigned order = mode == 2 ? 1 : 0;
		uint32_t idx = rmq(mem, z, order, MIGRATE_UNMOVABLE, ALLOC_WMARK_LOW | ALLOC_NOFRAGMENT);
		CHECK(idx != IDX_NONE);
		if (mode == 0) {
			CHECK_EQ(idx_to_pfn(z, idx) >> PAGEBLOCK_ORDER, PB(0, 511) >> PAGEBLOCK_ORDER);
			CHECK_EQ(pb_mt(z, PB(0, 511)), MIGRATE_MOVABLE);
			CHECK_EQ(pfn_to_pb(z, PB(0, 511))->nr_alloc[MIGRATE_UNMOVABLE], 1);
			CHECK_EQ(frag_stat_get(mem, FRAG_STAT_spb_borrowed), 1);
			CHECK_EQ(frag_stat_get(mem, FRAG_STAT_extfrag_steal), 1);
			CHECK_EQ(z->nr_spb_cat[SPB_TAINTED], 1);
			CHECK_EQ(frag_stat_get(mem, FRAG_STAT_spb_taint_clean), 0);
			/* Freed, the page goes back to the MOVABLE lists. */
			CHECK_EQ(frag_free_pages(mem, 0, idx_to_pfn(z, idx), 0), 0);
			frag_drain_all_pages(mem, (int)z->id);
			CHECK_EQ(z->spb[0].nr_free[3][MIGRATE_MOVABLE], 1);
		} else {
			CHECK(spb_of(z, idx) != 0);
			CHECK_EQ(frag_stat_get(mem, FRAG_STAT_spb_borrowed), 0);
			CHECK_EQ(z->nr_spb_cat[SPB_TAINTED], 2);
			CHECK_EQ(frag_stat_get(mem, FRAG_STAT_spb_taint_clean), 1);
		}
		CHECK_CONSISTENT(mem);
		frag_mem_destroy(mem);
	}
}

/*
 * Two-phase targeted evacuation (v1 24, v2 23) by the defrag worker, one
 * pageblock per run (defrag_batch = 1). S0 is past the trigger (1 free pageblock):
 *     S0 [U x1 | U(256 movable + 256 unmovable) | M x509 | free x1]   S1 [M x256 | free]
 * Run 1, phase 1: the 256 movable pages of the UNMOVABLE pageblock 1 go to S1;
 * S0 now has 768 free pages and 1 free pageblock: not done.
 * Run 2, phase 2: MOVABLE pageblock 2 (fewest used; all equal, first) is
 * emptied and returned free: 2 free pageblocks, done.
 * With defrag_phase1 off, run 1 is phase 2 directly and pageblock 1 keeps
 * its movable pages.
 */
static void test_spb_defrag_two_phase(void)
{
	for (int on = 1; on >= 0; on--) {
		struct spb_opts o = spb_defaults();
		o.defrag_batch = 1;
		o.defrag_phase1 = on;
		struct frag_mem *mem = mk("spb", &o);
		struct frag_zone *z = zone_of(mem, 0, ZONE_NORMAL);
		const struct spb_priv *p = mem->policy_priv;
		taint(mem, z, 0, 0, 1);
		CHECK_EQ(alloc_at(mem, z, PB(0, 1), 8, GFP_HIGHUSER_MOVABLE, OWNER_LRU), 0);
		CHECK_EQ(alloc_at(mem, z, PB(0, 1) + 256, 8, GFP_KERNEL, 0), 0);
		set_pageblock_migratetype(z, PB(0, 1), MIGRATE_UNMOVABLE);
		movable(mem, z, 0, 2, 509);
		movable(mem, z, 1, 0, 256);
		CHECK(spb_needs_defrag(p, &z->spb[0]));
		CHECK_CONSISTENT(mem);

		uint64_t next = mem->policy->daemon(mem, mem->policy_priv, 0, 0);
		if (on) {
			CHECK_EQ(next, o.defrag_interval);   /* more to do */
			CHECK_EQ(frag_stat_get(mem, FRAG_STAT_spb_evac_phase1_pageblocks), 1);
			CHECK_EQ(frag_stat_get(mem, FRAG_STAT_spb_evac_phase1_pages), 256);
			CHECK_EQ(frag_stat_get(mem, FRAG_STAT_spb_evac_phase2_pageblocks), 0);
			CHECK_EQ(pfn_to_pb(z, PB(0, 1))->nr_lru, 0);
			CHECK_EQ(z->spb[0].nr_free_pages, 768);
			CHECK_EQ(z->spb[0].nr_pb_free, 1);
			CHECK_CONSISTENT(mem);
			next = mem->policy->daemon(mem, mem->policy_priv, 0, 0);
		}
		/* Phase 2's run used the batch; the next run finds the SPB done. */
		CHECK_EQ(next, o.defrag_interval);
		CHECK_EQ(mem->policy->daemon(mem, mem->policy_priv, 0, 0), 1000000000ull);   /* idle poll */
		CHECK_EQ(frag_stat_get(mem, FRAG_STAT_spb_evac_phase2_pageblocks), 1);
		CHECK_EQ(frag_stat_get(mem, FRAG_STAT_spb_evac_phase2_freed), 1);
		CHECK_EQ(frag_stat_get(mem, FRAG_STAT_spb_evacuations), on ? 2 : 1);
		CHECK_EQ(pfn_to_pb(z, PB(0, 2))->nr_free, PAGEBLOCK_NR_PAGES);
		CHECK_EQ(z->spb[0].nr_pb_free, 2);
		CHECK_EQ(pfn_to_pb(z, PB(0, 1))->nr_lru, on ? 0 : 256);
		CHECK_EQ(frag_stat_get(mem, FRAG_STAT_spb_evac_phase1_pages), on ? 256 : 0);
		CHECK_EQ(z->spb[1].nr_alloc_pages[MIGRATE_MOVABLE], 257 * PAGEBLOCK_NR_PAGES + (on ? 256 : 0));
		CHECK_CONSISTENT(mem);
		frag_mem_destroy(mem);
	}
}

/* Pageblock n of SPB s: movable order-7 blocks at offsets 0 and 256, free
 * order-7 blocks at 128 and 384 (not buddies): half used, fragmented. */
static void half_movable(struct frag_mem *mem, struct frag_zone *z, unsigned s, unsigned n)
{
	CHECK_EQ(alloc_at(mem, z, PB(s, n), 7, GFP_HIGHUSER_MOVABLE, OWNER_LRU), 0);
	CHECK_EQ(alloc_at(mem, z, PB(s, n) + 256, 7, GFP_HIGHUSER_MOVABLE, OWNER_LRU), 0);
}

/*
 * SPB-aware direct compaction for THP (v2 17): an order-9 movable request
 * compacts in clean SPBs only. Every pageblock of S0 (tainted) and S1
 * (clean) is half movable (order-8 LRU block), half free; S2, S3 are full:
 *     S0 [U x1 | M/2 x511]   S1 [M/2 x512]   S2, S3 [M x512]
 * Linux's scanners start at the zone start and build the huge page in S0;
 * with thp_compact_clean S0's pages stay and the free pageblock appears in S1.
 */
static void test_spb_thp_compaction_clean_spbs(void)
{
	for (int on = 1; on >= 0; on--) {
		struct spb_opts o = spb_defaults();
		o.thp_compact_clean = on;
		o.compact_skip_tainted = false;   /* v2 38/39 out of the way: the THP rule alone */
		struct frag_mem *mem = mk("spb", &o);
		struct frag_zone *z = zone_of(mem, 0, ZONE_NORMAL);
		taint(mem, z, 0, 0, 1);
		for (unsigned s = 0; s < 2; s++)
			for (unsigned n = s ? 0 : 1; n < 512; n++)
				half_movable(mem, z, s, n);
		movable(mem, z, 2, 0, 512);
		movable(mem, z, 3, 0, 512);
		CHECK_EQ(z->spb[1].category, SPB_CLEAN);
		uint64_t s0_movable = z->spb[0].nr_alloc_pages[MIGRATE_MOVABLE];
		CHECK_CONSISTENT(mem);

		/* The hooks: THP-order direct compaction avoids S0 as source and
		 * target; kcompactd (not direct) and a small order do not. */
		const struct frag_policy_ops *ops = mem->policy;
		struct frag_compact_ctx thp = { .order = 9, .migratetype = MIGRATE_MOVABLE, .mode = MIGRATE_ASYNC,
						.direct = true };
		struct frag_compact_ctx kcd = thp, small = thp;
		kcd.direct = false;
		small.order = 3;
		CHECK_EQ(ops->suitable_migration_source(mem, mem->policy_priv, z, PB(0, 5), &thp, true), !on);
		CHECK_EQ(ops->suitable_migration_target(mem, mem->policy_priv, z, PB(0, 5), &thp, true), !on);
		CHECK(ops->suitable_migration_target(mem, mem->policy_priv, z, PB(0, 5), &kcd, true));
		CHECK(ops->suitable_migration_target(mem, mem->policy_priv, z, PB(0, 5), &small, true));
		CHECK(ops->suitable_migration_target(mem, mem->policy_priv, z, PB(1, 5), &thp, true));
		CHECK_EQ(frag_stat_get(mem, FRAG_STAT_spb_thp_compact_skipped), on ? 2 : 0);

		uint64_t capture = FRAG_PFN_NONE;
		enum compact_result r = try_to_compact_pages(mem, 0, PAGEBLOCK_ORDER, GFP_TRANSHUGE, ALLOC_WMARK_MIN,
							     COMPACT_PRIO_SYNC_LIGHT, &capture);
		CHECK_EQ(r, COMPACT_SUCCESS);
		CHECK(capture != FRAG_PFN_NONE);
		if (capture != FRAG_PFN_NONE)   /* the captured block is the caller's: prep it */
			prep_new_page(mem, z, capture, PAGEBLOCK_ORDER, GFP_TRANSHUGE, &huge_owner);
		if (on) {
			CHECK_EQ(z->spb[0].nr_alloc_pages[MIGRATE_MOVABLE], s0_movable);
			CHECK_EQ(spb_of(z, pfn_to_idx(z, capture)), 1);
			CHECK(frag_stat_get(mem, FRAG_STAT_spb_thp_compact_skipped) > 0);
		} else {
			CHECK_EQ(spb_of(z, pfn_to_idx(z, capture)), 0);
			CHECK(z->spb[0].nr_alloc_pages[MIGRATE_MOVABLE] != s0_movable);
			CHECK_EQ(frag_stat_get(mem, FRAG_STAT_spb_thp_compact_skipped), 0);
		}
		CHECK_CONSISTENT(mem);
		frag_mem_destroy(mem);
	}
}

static uint64_t fake_now;
static uint64_t fake_now_ns(void *arg)
{
	(void)arg;
	return fake_now;
}

/*
 * Machine for the drain tests: S1's pageblocks half used (movable order-7
 * blocks at 0 and 256), its first one also holding a kernel page at 128 so
 * that it cannot become free; S0 unmovable (its pageblock 0 in order-0
 * pages, 3 of them freed to CPU 0's PCP); S2, S3 full:
 *     S0 [U x512]   S1 [M/2+k | M/2 x511]   S2, S3 [M x512]
 * A THP direct compaction on CPU 0 migrates from S1's pageblock 0, leaves
 * it (lru_add_drain_cpu_zone(): CPU 0's 3 pages drained), then builds a
 * free pageblock from S1's pageblock 1.
 */
static struct frag_mem *mk_drain_machine(const struct spb_opts *o, struct frag_zone **zp)
{
	struct frag_mem *mem = mk("spb", o);
	struct frag_zone *z = zone_of(mem, 0, ZONE_NORMAL);
	mem->env.now_ns = fake_now_ns;
	taint(mem, z, 0, 1, 511);
	for (unsigned n = 0; n < 512; n++)
		half_movable(mem, z, 1, n);
	CHECK_EQ(alloc_at(mem, z, PB(1, 0) + 128, 0, GFP_KERNEL, 0), 0);
	movable(mem, z, 2, 0, 512);
	movable(mem, z, 3, 0, 512);
	for (unsigned i = 0; i < 3; i++)
		CHECK_EQ(alloc_at(mem, z, PB(0, 0) + i, 0, GFP_HIGHUSER_MOVABLE, OWNER_LRU), 0);
	for (unsigned i = 3; i < PAGEBLOCK_NR_PAGES; i++)
		CHECK_EQ(alloc_at(mem, z, PB(0, 0) + i, 0, GFP_KERNEL, 0), 0);
	for (unsigned i = 0; i < 3; i++)
		CHECK_EQ(frag_free_pages(mem, 0, PB(0, 0) + i, 0), 0);
	CHECK_EQ(z->pcp[0].count, 3);
	CHECK_CONSISTENT(mem);
	*zp = z;
	return mem;
}

static enum compact_result thp_compact_on_cpu0(struct frag_mem *mem, struct frag_zone *z, uint64_t *capture)
{
	mem->compact_cpu = 0;
	enum compact_result r = try_to_compact_pages(mem, 0, PAGEBLOCK_ORDER, GFP_TRANSHUGE, ALLOC_WMARK_MIN,
						     COMPACT_PRIO_SYNC_LIGHT, capture);
	mem->compact_cpu = -1;
	if (*capture != FRAG_PFN_NONE)   /* the captured block is the caller's */
		prep_new_page(mem, z, *capture, PAGEBLOCK_ORDER, GFP_TRANSHUGE, &huge_owner);
	return r;
}

/*
 * Compaction's PCP drains (the cover letter's TODO) and the drain throttle.
 * Core (throttle off): the compaction drains CPU 0 once (compact_drain = 1,
 * compact_drain_pages = 3) and succeeds with a block captured in S1.
 * Policy, compact_drain_max = 1 per 1 s: after that one drain compaction
 * gets no more sources in the window: it ends PARTIAL_SKIPPED without a
 * page, the refusals counted; the next window lets sources through again;
 * alloc_contig_range() is never throttled.
 */
static void test_spb_compaction_drain_throttle(void)
{
	struct spb_opts o = spb_defaults();
	struct frag_zone *z;
	uint64_t capture = FRAG_PFN_NONE;
	fake_now = 0;

	o.compact_drain_max = 0;
	struct frag_mem *mem = mk_drain_machine(&o, &z);
	CHECK_EQ(thp_compact_on_cpu0(mem, z, &capture), COMPACT_SUCCESS);
	CHECK(capture != FRAG_PFN_NONE && spb_of(z, pfn_to_idx(z, capture)) == 1);
	CHECK_EQ(frag_stat_get(mem, FRAG_STAT_compact_drain), 1);
	CHECK_EQ(frag_stat_get(mem, FRAG_STAT_compact_drain_pages), 3);
	CHECK_EQ(z->pcp[0].count, 0);
	CHECK_EQ(frag_stat_get(mem, FRAG_STAT_spb_compact_drain_deferred), 0);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);

	o.compact_drain_max = 1;
	o.compact_drain_window = 1000000000ull;
	mem = mk_drain_machine(&o, &z);
	capture = FRAG_PFN_NONE;
	CHECK_EQ(thp_compact_on_cpu0(mem, z, &capture), COMPACT_PARTIAL_SKIPPED);
	CHECK_EQ(capture, FRAG_PFN_NONE);
	CHECK_EQ(frag_stat_get(mem, FRAG_STAT_compact_drain), 1);
	uint64_t deferred = frag_stat_get(mem, FRAG_STAT_spb_compact_drain_deferred);
	CHECK(deferred > 0);
	CHECK_CONSISTENT(mem);

	const struct frag_policy_ops *ops = mem->policy;
	struct frag_compact_ctx cc = { .order = 9, .migratetype = MIGRATE_MOVABLE, .mode = MIGRATE_ASYNC,
				       .direct = true };
	struct frag_compact_ctx contig = cc;
	contig.alloc_contig = true;
	fake_now = 999999999ull;
	CHECK(!ops->suitable_migration_source(mem, mem->policy_priv, z, PB(1, 100), &cc, true));
	CHECK_EQ(frag_stat_get(mem, FRAG_STAT_spb_compact_drain_deferred), deferred + 1);
	CHECK(ops->suitable_migration_source(mem, mem->policy_priv, z, PB(1, 100), &contig, true));
	fake_now = 1000000000ull;   /* the next window starts clean */
	CHECK(ops->suitable_migration_source(mem, mem->policy_priv, z, PB(1, 100), &cc, true));
	CHECK_EQ(frag_stat_get(mem, FRAG_STAT_spb_compact_drain_deferred), deferred + 1);
	frag_mem_destroy(mem);
	fake_now = 0;
}

static const struct tap_test tests[] = {
	TAP(test_spb_params),
	TAP(test_sb_preferred_for_movable),
	TAP(test_steer_unmovable_to_tainted),
	TAP(test_spb_scan_limit),
	TAP(test_sb_try_alloc_contig_empty),
	TAP(test_sb_try_alloc_contig_evacuate),
	TAP(test_spb_tainted_reserve),
	TAP(test_spb_defrag_worker),
	TAP(test_spb_refusals),
	TAP(test_spb_no_mixing),
	TAP(test_spb_compaction_hooks),
	TAP(test_spb_slab_shrink),
	TAP(test_spb_adopt_partial_pageblock),
	TAP(test_spb_borrow_movable_buddy),
	TAP(test_spb_defrag_two_phase),
	TAP(test_spb_thp_compaction_clean_spbs),
	TAP(test_spb_compaction_drain_throttle),
};

int main(void)
{
	return tap_main(tests, TAP_COUNT(tests));
}
