/* SPDX-License-Identifier: MIT */
/*
 * test_policy_pcpbuddy.c - the `pcpbuddy` policy (PCPBuddy RFC, Johannes
 * Weiner 2026; kernel-model.md section 12).
 *
 * Rules:
 *  - rmqueue_bulk() refill phases, in order: 0 recover fragments of owned
 *    pageblocks from the buddy, 1 claim whole free pageblocks (owned), 2
 *    sub-pageblock chunks of the request's type without stealing, 3 the
 *    classic __rmqueue();
 *  - an owned pageblock is split on its owner's PCP (no zone lock);
 *  - frees of an owned pageblock's pages go to the owner's PCP, also from
 *    other CPUs, and merge there with free PCP buddies; a pageblock wholly
 *    back on its owner's PCP is one order-9 block;
 *  - fewer zone-lock acquisitions than Linux under alloc-here/free-there
 *    churn (the RFC's motivation).
 *
 * Machine: `flat` 8 GiB, 2 CPUs; ZONE_NORMAL starts at pfn 0x100000 and its
 * free lists start with the order-10 block there. Phase 1 on a fresh
 * machine claims pageblock 0x100000 and splits it on the PCP:
 *
 *   0x100000 o0 (handed out) | 0x100001 o0 | 0x100002 o1 | 0x100004 o2 |
 *   0x100008 .. 0x1001f8: 63 order-3 blocks            (all owned by cpu 0)
 */
#include "helpers.h"
#include "frag/policy.h"

struct pcpb_opts {               /* policies/pcpbuddy.c's opts, in table order */
	bool phase0;
	bool phase1;
	bool phase2;
	bool phase1_claim;
	bool remote_free;
	unsigned max_recover;
};

static struct pcpb_opts opts;

static void use_pcpb(struct frag_config *cfg)
{
	cfg->policy = frag_policy_find("pcpbuddy");
	cfg->policy_opts = &opts;
}

static struct pcpb_opts defaults(void)
{
	return (struct pcpb_opts){ .phase0 = 1, .phase1 = 1, .phase2 = 1, .phase1_claim = 1, .remote_free = 1,
				   .max_recover = 8 };
}

static struct frag_mem *mk(struct pcpb_opts o)
{
	opts = o;
	return mk_mem(8 * GiB, 1, 2, use_pcpb);
}

#define MOV GFP_HIGHUSER_MOVABLE
#define ST(mem, s) frag_stat_get(mem, FRAG_STAT_##s)

static void test_pcpb_params(void)
{
	const struct frag_policy_ops *ops = frag_policy_find("pcpbuddy");
	CHECK(ops != NULL);
	CHECK_EQ(ops->opts_size, sizeof(struct pcpb_opts));
	static const char *const names[] = { "phase0", "phase1", "phase2", "phase1_claim", "remote_free",
					     "max_recover" };
	static const size_t offs[] = { offsetof(struct pcpb_opts, phase0), offsetof(struct pcpb_opts, phase1),
				       offsetof(struct pcpb_opts, phase2), offsetof(struct pcpb_opts, phase1_claim),
				       offsetof(struct pcpb_opts, remote_free),
				       offsetof(struct pcpb_opts, max_recover) };
	for (unsigned i = 0; i < 6; i++) {
		CHECK_STREQ(ops->params[i].name, names[i]);
		CHECK_EQ(ops->params[i].offset, offs[i]);
	}
	CHECK(ops->params[6].name == NULL);
	CHECK_EQ(ops->abi_version, 3);
}

/* Phase 1 first on a fresh machine (one whole pageblock, owned, split on
 * the PCP: one zone lock for 512 pages); the next page comes from the PCP
 * without the zone lock; after a drain, phase 0 recovers the pageblock's
 * 510 free pages before any new pageblock is claimed. */
static void test_rmqueue_bulk_phases_0_1(void)
{
	struct frag_mem *mem = mk(defaults());
	struct frag_zone *z = zone_of(mem, 0, ZONE_NORMAL);
	CHECK(mem && z);
	uint64_t lock0 = ST(mem, zone_lock);
	CHECK_EQ(frag_alloc_pages(mem, 0, 0, MOV, NULL), 0x100000);
	CHECK_EQ(ST(mem, pcpbuddy_phase1_blocks), 1);
	CHECK_EQ(ST(mem, pcpbuddy_phase0_pages) + ST(mem, pcpbuddy_phase2_pages) + ST(mem, pcpbuddy_phase3_pages), 0);
	CHECK_EQ(pfn_to_pb(z, 0x100000)->owner_cpu, 0);
	CHECK_EQ(zone_pcp(z, 0)->count, 511);
	CHECK_EQ(page_at(z, 0x100008)->order, 3);
	CHECK_EQ(ST(mem, zone_lock) - lock0, 1);

	CHECK_EQ(frag_alloc_pages(mem, 0, 0, MOV, NULL), 0x100001);
	CHECK_EQ(frag_alloc_pages(mem, 0, 1, MOV, NULL), 0x100002);   /* the order-1 block */
	CHECK_EQ(frag_alloc_pages(mem, 0, 0, MOV, NULL), 0x100004);   /* split from the order-2 block */
	CHECK_EQ(ST(mem, zone_lock) - lock0, 1);

	frag_drain_all_pages(mem, (int)z->id);   /* 507 pages back to the buddy: fragments */
	CHECK_EQ(pfn_to_pb(z, 0x100000)->owner_cpu, 0);
	CHECK_EQ(pfn_to_pb(z, 0x100000)->nr_free, 507);
	uint64_t pfn = frag_alloc_pages(mem, 0, 0, MOV, NULL);
	CHECK_EQ(ST(mem, pcpbuddy_phase0_pages), 507);
	CHECK_EQ(ST(mem, pcpbuddy_phase1_blocks), 1);
	CHECK_EQ(pfn, 0x100005);
	CHECK_EQ(pfn_to_pb(z, 0x100000)->nr_free, 0);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/* Phase 2 before phase 3: without phase 1 a movable refill takes 63 single
 * pages of its own type; an unmovable refill finds no UNMOVABLE memory in
 * phase 2 and only then falls back (phase 3, __rmqueue_claim()). */
static void test_rmqueue_bulk_phases_2_3(void)
{
	struct pcpb_opts o = defaults();
	o.phase1 = 0;
	struct frag_mem *mem = mk(o);
	struct frag_zone *z = zone_of(mem, 0, ZONE_NORMAL);
	CHECK_EQ(frag_alloc_pages(mem, 0, 0, MOV, NULL), 0x100000);
	CHECK_EQ(ST(mem, pcpbuddy_phase2_pages), 63);
	CHECK_EQ(ST(mem, pcpbuddy_phase3_pages), 0);
	CHECK_EQ(pfn_to_pb(z, 0x100000)->owner_cpu, 0xffff);   /* cached, not owned */
	uint64_t pu = frag_alloc_pages(mem, 0, 0, GFP_KERNEL, NULL);
	CHECK(pu != FRAG_PFN_NONE);
	CHECK_EQ(ST(mem, pcpbuddy_phase2_pages), 63);
	CHECK(ST(mem, pcpbuddy_phase3_pages) > 0);
	CHECK_EQ(pb_mt(z, pu), MIGRATE_UNMOVABLE);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/* A page of cpu 0's pageblock freed on cpu 1 goes to cpu 0's PCP and merges
 * there: 0x100000 + 0x100001 -> o1, + 0x100002 -> o2, + 0x100004 -> o3,
 * and with every page back the pageblock is one order-9 block again. With
 * remote_free off it stays on cpu 1's list, unmerged. */
static void test_pcp_free_to_owner_and_merge(void)
{
	for (int remote = 0; remote <= 1; remote++) {
		struct pcpb_opts o = defaults();
		o.remote_free = remote;
		struct frag_mem *mem = mk(o);
		struct frag_zone *z = zone_of(mem, 0, ZONE_NORMAL);
		CHECK_EQ(frag_alloc_pages(mem, 0, 0, MOV, NULL), 0x100000);
		CHECK_EQ(frag_free_pages(mem, 1, 0x100000, 0), 0);
		const struct frag_page *pg = page_at(z, 0x100000);
		CHECK_EQ(pg->state, PG_PCP);
		if (remote) {
			CHECK_EQ(pg->priv, 0);
			CHECK_EQ(pg->order, PAGEBLOCK_ORDER);
			CHECK_EQ(ST(mem, pcpbuddy_remote_free), 1);
			CHECK_EQ(ST(mem, pcpbuddy_pcp_merge), 4);   /* three buddy merges + the collapse */
			CHECK_EQ(zone_pcp(z, 0)->count, 512);
			CHECK_EQ(zone_pcp(z, 1)->count, 0);
		} else {
			CHECK_EQ(pg->priv, 1);
			CHECK_EQ(pg->order, 0);
			CHECK_EQ(ST(mem, pcpbuddy_remote_free), 0);
			CHECK_EQ(zone_pcp(z, 1)->count, 1);
		}
		CHECK_CONSISTENT(mem);
		frag_mem_destroy(mem);
	}
}

/* A drain that leaves an owned pageblock entirely free in the buddy
 * releases it (no owner), so any CPU's phase 1 may claim it. */
static void test_pcp_drained_release(void)
{
	struct frag_mem *mem = mk(defaults());
	struct frag_zone *z = zone_of(mem, 0, ZONE_NORMAL);
	CHECK_EQ(frag_alloc_pages(mem, 0, 0, MOV, NULL), 0x100000);
	CHECK_EQ(frag_free_pages(mem, 0, 0x100000, 0), 0);
	frag_drain_all_pages(mem, (int)z->id);
	CHECK_EQ(ST(mem, pcpbuddy_release), 1);
	CHECK_EQ(pfn_to_pb(z, 0x100000)->owner_cpu, 0xffff);
	CHECK_EQ(pfn_to_pb(z, 0x100000)->nr_free, PAGEBLOCK_NR_PAGES);
	CHECK_EQ(frag_alloc_pages(mem, 1, 0, MOV, NULL), 0x100000);
	CHECK_EQ(pfn_to_pb(z, 0x100000)->owner_cpu, 1);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * The RFC's motivation: one CPU allocates, another frees (jemalloc purger
 * threads). 40 rounds of 2000 order-0 movable pages allocated on cpu 0 and
 * freed on cpu 1. Linux: cpu 0 refills batch by batch and cpu 1 overflows
 * its PCP into the buddy; PCPBuddy: the pages flow back to cpu 0's PCP.
 */
static uint64_t churn_zone_locks(const struct frag_policy_ops *ops, uint64_t *allocs)
{
	opts = defaults();
	struct frag_config cfg = { 0 };
	struct frag_mem *mem = NULL;
	char err[256];
	frag_geometry_simple(&cfg.geo, 8 * GiB, 1, 2);
	frag_sysctl_defaults(&cfg.sysctl);
	cfg.policy = ops;
	cfg.policy_opts = ops ? &opts : NULL;
	if (frag_mem_create(&cfg, &mem, err, sizeof err))
		return 0;
	static uint64_t pfns[2000];
	uint64_t lock0 = ST(mem, zone_lock), req0 = ST(mem, alloc_requests);
	for (unsigned r = 0; r < 40; r++) {
		for (unsigned i = 0; i < 2000; i++)
			pfns[i] = frag_alloc_pages(mem, 0, 0, MOV, NULL);
		for (unsigned i = 0; i < 2000; i++)
			frag_free_pages(mem, 1, pfns[i], 0);
	}
	uint64_t locks = ST(mem, zone_lock) - lock0;
	*allocs = ST(mem, alloc_requests) - req0;
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
	return locks;
}

static void test_zone_lock_fewer_than_linux(void)
{
	uint64_t na = 0, nb = 0;
	uint64_t linux_locks = churn_zone_locks(NULL, &na);
	uint64_t pcpb_locks = churn_zone_locks(frag_policy_find("pcpbuddy"), &nb);
	printf("# zone_lock: linux %llu, pcpbuddy %llu for %llu allocations\n", (unsigned long long)linux_locks,
	       (unsigned long long)pcpb_locks, (unsigned long long)na);
	CHECK_EQ(na, 80000);
	CHECK_EQ(nb, 80000);
	CHECK(pcpb_locks * 10 < linux_locks);
}

/*
 * PCPBuddy keeps whole owned pageblocks on the owner CPU's order-9 PCP list,
 * which exists only with CONFIG_TRANSPARENT_HUGEPAGE (pcp_allowed_order(),
 * NR_PCP_LISTS). Without it (sysctl.thp_pcp = false) frag_mem_create()
 * refuses the policy with a message instead of building a machine whose
 * first refill breaks invariant 4 (fragsim fuzz, seed 11 iteration 55).
 * With it, the first order-0 allocation puts an order-9 block on the PCP.
 */
static void test_pcpb_needs_thp_pcp_lists(void)
{
	struct frag_config cfg = { 0 };
	struct frag_mem *mem = NULL;
	char err[256] = "";

	opts = defaults();
	frag_geometry_simple(&cfg.geo, 1 * GiB, 1, 1);
	frag_sysctl_defaults(&cfg.sysctl);
	cfg.check_every = 1;
	use_pcpb(&cfg);
	cfg.sysctl.thp_pcp = false;
	CHECK_EQ(frag_mem_create(&cfg, &mem, err, sizeof err), -EINVAL);
	CHECK(mem == NULL);
	CHECK(strstr(err, "policy pcpbuddy keeps whole pageblocks on order-9 PCP lists") != NULL);
	CHECK(strstr(err, "sysctl.thp_pcp: true") != NULL);

	cfg.sysctl.thp_pcp = true;
	CHECK_EQ(frag_mem_create(&cfg, &mem, err, sizeof err), 0);
	CHECK(frag_alloc_pages(mem, 0, 0, MOV, &(struct frag_owner){ .id = 1 }) != FRAG_PFN_NONE);
	CHECK_EQ(ST(mem, pcpbuddy_phase1_blocks), 1);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

static const struct tap_test tests[] = {
	TAP(test_pcpb_params),
	TAP(test_pcpb_needs_thp_pcp_lists),
	TAP(test_rmqueue_bulk_phases_0_1),
	TAP(test_rmqueue_bulk_phases_2_3),
	TAP(test_pcp_free_to_owner_and_merge),
	TAP(test_pcp_drained_release),
	TAP(test_zone_lock_fewer_than_linux),
};

int main(void)
{
	return tap_main(tests, TAP_COUNT(tests));
}
