/* SPDX-License-Identifier: MIT */
/*
 * test_workloads.c - every workload (workloads/ *.c) requests exactly the
 * GFP masks and orders its header comment promises for the kernel code path
 * it models, in the kernel's sequence, and falls back as promised when an
 * allocation fails.
 *
 * Method: a recording policy. Its alloc_flags() hook runs once per
 * frag_alloc_pages() on the fast path (slowpath false) and records the
 * request (gfp, order, the simulated time of the requesting CPU); a case's
 * refusal pattern may select the request, and then the hook drains the PCP
 * lists (so no cached block can serve it), strips the HIGHATOMIC reserve
 * flags in the slowpath, and the rmqueue() hook returns IDX_NONE for every
 * __rmqueue() until the next request: the request fails whatever the
 * allocator holds. Every other __rmqueue() is frag_rmqueue_linux(). The
 * refusal state is global: it relies on an allocation never being
 * interleaved with another CPU's (the model makes no SimGrid call inside an
 * allocation: daemons are signalled between batches, sim_wake_daemons());
 * refused_requests_failed, appended to every case, catches a refusal that
 * leaked.
 * frag_alloc_contig_pages() (1 GiB hugetlb pages) bypasses both hooks: the
 * 1G case reads the run's events (a capturing sink) and counters instead.
 *
 * SimGrid allows one simulation per process: run as
 *   test_workloads WORKLOAD CASE
 * and tests/meson.build registers one test per (workload, case). A "demand"
 * case forks two children that run the same scenario under two refusal
 * patterns and compares workload event counters that must not depend on
 * allocation outcomes (the demand stream, workload.h).
 *
 * Expected values are the kernel's, spelled from single GFP bits, with the
 * kernel function named; where a workload's comment and the kernel agree
 * and the workload differs, the test fails on purpose. WLT_DUMP=1 in the
 * environment prints every recorded request and the workload counters.
 */
#include <math.h>
#include <sys/wait.h>
#include <unistd.h>

#include "frag/scenario.h"
#include "frag/sim.h"
#include "frag/sink.h"
#include "helpers.h"

/* ---------------------------------------------------------------------- */
/* Kernel masks, from the single bits (include/linux/gfp_types.h, 6.18)   */
/* ---------------------------------------------------------------------- */

#define K_RECLAIM (__GFP_DIRECT_RECLAIM | __GFP_KSWAPD_RECLAIM)
#define K_GFP_KERNEL (K_RECLAIM | __GFP_IO | __GFP_FS)
#define K_GFP_KERNEL_ACCOUNT (K_GFP_KERNEL | __GFP_ACCOUNT)
#define K_GFP_NOFS (K_RECLAIM | __GFP_IO)
#define K_GFP_ATOMIC (__GFP_HIGH | __GFP_KSWAPD_RECLAIM)
#define K_GFP_USER (K_GFP_KERNEL | __GFP_HARDWALL)
#define K_GFP_HIGHUSER (K_GFP_USER | __GFP_HIGHMEM)
#define K_GFP_HIGHUSER_MOVABLE (K_GFP_HIGHUSER | __GFP_MOVABLE)
#define K_GFP_TRANSHUGE_LIGHT ((K_GFP_HIGHUSER_MOVABLE | __GFP_COMP | __GFP_NOMEMALLOC | __GFP_NOWARN) & ~K_RECLAIM)
#define K_GFP_TRANSHUGE (K_GFP_TRANSHUGE_LIGHT | __GFP_DIRECT_RECLAIM)

/* The model's conventions: user pages it zeroes carry __GFP_ZERO (the
 * clear_page cost); page tables are GFP_PGTABLE_USER. */
#define PGTABLE_GFP (K_GFP_KERNEL_ACCOUNT | __GFP_ZERO)
#define ANON_PAGE_GFP (K_GFP_HIGHUSER_MOVABLE | __GFP_ZERO)   /* vma_alloc_zeroed_movable_folio() */

/* mm/huge_memory.c vma_thp_gfp_mask() (kernel-model.md section 8). */
static gfp_t thp_mask(int defrag, bool madvised)
{
	switch (defrag) {
	case THP_DEFRAG_ALWAYS:
		return K_GFP_TRANSHUGE | (madvised ? 0 : __GFP_NORETRY);
	case THP_DEFRAG_DEFER:
		return K_GFP_TRANSHUGE_LIGHT | __GFP_KSWAPD_RECLAIM;
	case THP_DEFRAG_DEFER_MADVISE:
		return K_GFP_TRANSHUGE_LIGHT | (madvised ? __GFP_DIRECT_RECLAIM : __GFP_KSWAPD_RECLAIM);
	case THP_DEFRAG_MADVISE:
		return K_GFP_TRANSHUGE_LIGHT | (madvised ? __GFP_DIRECT_RECLAIM : 0);
	default:
		return K_GFP_TRANSHUGE_LIGHT;
	}
}

/* mm/slub.c allocate_slab(): the oo try when oo > min (opportunistic), when
 * oo == min (reclaim kept), and the s->min retry with the caller's flags. */
#define SLAB_OO_GFP(f) ((((f) | __GFP_NOWARN | __GFP_NORETRY) | __GFP_NOMEMALLOC) & ~K_RECLAIM)
#define SLAB_OO_MIN_GFP(f) ((f) | __GFP_NOWARN | __GFP_NORETRY)

/* mm/slub.c kmalloc_gfp_adjust() (6.16+) and the older NORETRY form, for
 * kvmalloc(GFP_KERNEL) above a page; __kmalloc_large_node() adds __GFP_COMP. */
#define KV_NDR_GFP (((K_GFP_KERNEL | __GFP_NOWARN) & ~__GFP_DIRECT_RECLAIM) | __GFP_COMP)
#define KV_NORETRY_GFP (K_GFP_KERNEL | __GFP_NOWARN | __GFP_NORETRY | __GFP_COMP)

/* net/core/sock.c skb_page_frag_refill() with GFP_ATOMIC. */
#define NET_FRAG_GFP ((K_GFP_ATOMIC & ~__GFP_DIRECT_RECLAIM) | __GFP_COMP | __GFP_NOWARN | __GFP_NORETRY)

/* mm/hugetlb.c: htlb_alloc_mask() | __GFP_THISNODE | __GFP_COMP | __GFP_NOWARN | __GFP_RETRY_MAYFAIL. */
#define HUGETLB_2M_GFP (K_GFP_HIGHUSER_MOVABLE | __GFP_COMP | __GFP_RETRY_MAYFAIL | __GFP_NOWARN | __GFP_THISNODE)

/* include/linux/pagemap.h readahead_gfp_mask() of a GFP_HIGHUSER_MOVABLE mapping. */
#define READAHEAD_GFP (K_GFP_HIGHUSER_MOVABLE | __GFP_NORETRY | __GFP_NOWARN)

#define GFP_ANY 0xffffffffu   /* in a step: any mask */

/* ---------------------------------------------------------------------- */
/* The recording policy                                                   */
/* ---------------------------------------------------------------------- */

struct req {
	gfp_t gfp;
	uint8_t order;
	bool refused;
	uint64_t t;              /* simulated ns of the requesting CPU */
};

/* A refusal pattern: true to make the request fail. seen[order] counts the
 * fast-path requests of each order so far, this one included. */
typedef bool (*refuse_fn)(gfp_t gfp, unsigned order);

static struct req *reqs;
static size_t nr_reqs, cap_reqs;
static unsigned long seen[NR_PAGE_ORDERS];
static refuse_fn cur_refuse;
static bool refusing;
static unsigned long nr_refused_rmqueue;

/* The recorder's state: clones of the machine (the end-of-run prediction,
 * frag_predict_hugetlb()) are neither recorded nor refused. */
struct rec_priv {
	bool clone;
};

static int rec_clone(struct frag_mem *new_mem, void *new_priv, const void *old_priv)
{
	(void)new_mem;
	(void)old_priv;
	((struct rec_priv *)new_priv)->clone = true;
	return 0;
}

static unsigned rec_alloc_flags(struct frag_mem *mem, void *priv, const struct frag_zone *preferred, gfp_t gfp,
				unsigned order, unsigned alloc_flags, bool slowpath)
{
	(void)preferred;
	if (((struct rec_priv *)priv)->clone)
		return alloc_flags;
	if (!slowpath) {
		if (order < NR_PAGE_ORDERS)
			seen[order]++;
		refusing = cur_refuse && cur_refuse(gfp, order);
		if (nr_reqs == cap_reqs) {
			cap_reqs = cap_reqs ? 2 * cap_reqs : 4096;
			reqs = realloc(reqs, cap_reqs * sizeof(*reqs));
			if (!reqs)
				abort();
		}
		reqs[nr_reqs++] = (struct req){ gfp, (uint8_t)order, refusing, frag_now(mem) };
		if (refusing)
			frag_drain_all_pages(mem, -1);   /* no PCP block may serve it */
	}
	if (refusing)   /* rmqueue_buddy() takes HIGHATOMIC blocks without __rmqueue() */
		alloc_flags &= ~(unsigned)(ALLOC_HIGHATOMIC | ALLOC_NON_BLOCK | ALLOC_OOM);
	return alloc_flags;
}

static uint32_t rec_rmqueue(struct frag_mem *mem, void *priv, struct frag_zone *z, unsigned order, int mt,
			    unsigned alloc_flags, enum rmqueue_mode *mode)
{
	if (refusing && !((struct rec_priv *)priv)->clone) {
		nr_refused_rmqueue++;
		return IDX_NONE;
	}
	return frag_rmqueue_linux(mem, z, order, mt, alloc_flags, mode);
}

static const struct frag_policy_ops rec_policy = {
	.abi_version = FRAG_POLICY_ABI,
	.name = "test-recorder",
	.summary = "records every request; refuses those a test pattern selects",
	.priv_size = sizeof(struct rec_priv),
	.alloc_flags = rec_alloc_flags,
	.rmqueue = rec_rmqueue,
	.clone = rec_clone,
};

/* Refusal patterns. */
static bool refuse_all(gfp_t g, unsigned o) { (void)g; (void)o; return true; }
static bool refuse_ge1(gfp_t g, unsigned o) { (void)g; return o >= 1; }
static bool refuse_ge3(gfp_t g, unsigned o) { (void)g; return o >= 3; }
static bool refuse_ge9(gfp_t g, unsigned o) { (void)g; return o >= 9; }
static bool refuse_o3(gfp_t g, unsigned o) { (void)g; return o == 3; }
static bool refuse_o9(gfp_t g, unsigned o) { (void)g; return o == 9; }
static bool refuse_o10(gfp_t g, unsigned o) { (void)g; return o == 10; }
static bool refuse_noretry(gfp_t g, unsigned o) { (void)o; return g & __GFP_NORETRY; }
static bool refuse_2nd_o9(gfp_t g, unsigned o) { (void)g; return o == 9 && seen[9] == 2; }
static bool refuse_4th_on_o9(gfp_t g, unsigned o) { (void)g; return o == 9 && seen[9] >= 4; }
static bool refuse_5th_on_o0(gfp_t g, unsigned o) { (void)g; return o == 0 && seen[0] >= 5; }

/* ---------------------------------------------------------------------- */
/* Events: a sink that keeps them                                         */
/* ---------------------------------------------------------------------- */

struct ev {
	char type[24];
	char outcome[16];
	int order;
	uint64_t pfn;
	uint64_t t;              /* simulated ns of the reporting CPU */
	int64_t value;
};

static struct ev *evs;
static size_t nr_evs, cap_evs;

static int cap_open(void **h, const char *path, const struct frag_run_info *ri, char *err, size_t errlen)
{
	(void)path;
	(void)ri;
	(void)err;
	(void)errlen;
	*h = &nr_evs;
	return 0;
}

static int cap_event(void *h, const struct frag_event_rec *e)
{
	(void)h;
	if (nr_evs == cap_evs) {
		cap_evs = cap_evs ? 2 * cap_evs : 64;
		evs = realloc(evs, cap_evs * sizeof(*evs));
		if (!evs)
			abort();
	}
	struct ev *v = &evs[nr_evs++];
	snprintf(v->type, sizeof v->type, "%s", e->type ? e->type : "");
	snprintf(v->outcome, sizeof v->outcome, "%s", e->outcome ? e->outcome : "");
	v->order = e->order;
	v->pfn = e->pfn;
	v->t = e->t_ns;
	v->value = e->value;
	return 0;
}

static const struct frag_sink_ops capture_sink = { .scheme = "capture", .open = cap_open, .event = cap_event };

/* ---------------------------------------------------------------------- */
/* Cases and the run                                                      */
/* ---------------------------------------------------------------------- */

struct wcase {
	const char *wl, *name;
	const char *yaml;                  /* the scenario */
	const char *sets[4];               /* --set values applied to it */
	refuse_fn refuse;
	const struct tap_test *tests;
	int nr_tests;
	const void *data;                  /* for the tests */
	/* demand cases: the second run's pattern and the counters compared
	 * ("a+b" sums instance counters) */
	refuse_fn refuse_b;
	const char *demand[4];
	/* reclaim cases: the machine runs out of memory on purpose, so requests
	 * may also fail without a refusal (opportunistic high orders) */
	bool pressure;
};

static const struct wcase *g_case;
static struct frag_scenario *sc;
static struct frag_sim_result res;

static bool run(const struct wcase *c, refuse_fn refuse)
{
	char path[512], err[2048];
	const char *tmp = getenv("TMPDIR");
	snprintf(path, sizeof path, "%s/fragsim-wlt-XXXXXX.yaml", tmp && *tmp ? tmp : "/tmp");
	int fd = mkstemps(path, 5);
	if (fd < 0 || write(fd, c->yaml, strlen(c->yaml)) != (ssize_t)strlen(c->yaml)) {
		printf("# cannot write %s\n", path);
		return false;
	}
	close(fd);
	unsigned nr_sets = 0;
	while (nr_sets < 4 && c->sets[nr_sets])
		nr_sets++;
	int ret = frag_scenario_load(path, c->sets, nr_sets, &sc, err, sizeof err);
	unlink(path);
	if (ret) {
		printf("# scenario: %s\n", err);
		return false;
	}
	static struct frag_hole holes[FRAG_SC_CONFIG_HOLES];
	struct frag_config cfg;
	if (frag_scenario_config(sc, &cfg, holes, FRAG_SC_CONFIG_HOLES, err, sizeof err)) {
		printf("# config: %s\n", err);
		return false;
	}
	cfg.policy = &rec_policy;
	cfg.policy_opts = NULL;
	cur_refuse = refuse;
	struct frag_sim_opts o = { .nr_sinks = 1, .sinks = { { &capture_sink, "-" } } };
	ret = frag_sim_run(sc, &cfg, &o, &res, err, sizeof err);
	if (ret) {
		printf("# frag_sim_run: %d %s\n", ret, err);
		return false;
	}
	if (strcmp(res.status, "complete")) {
		printf("# run %s: %s\n", res.status, res.message);
		return false;
	}
	return true;
}

static double metric(const char *name)
{
	return frag_sim_metric(&res, name);
}

/* A counter (0 when the workload never counted it); "a+b" sums. */
static double counter(const char *names)
{
	char buf[256];
	double sum = 0;
	snprintf(buf, sizeof buf, "%s", names);
	for (char *save = NULL, *n = strtok_r(buf, "+", &save); n; n = strtok_r(NULL, "+", &save)) {
		double v = metric(n);
		sum += v == v ? v : 0;
	}
	return sum;
}

/* ---------------------------------------------------------------------- */
/* Matching requests                                                      */
/* ---------------------------------------------------------------------- */

static const char *gfps(gfp_t g)
{
	static char b[4][256];
	static unsigned i;
	char *p = b[i++ % 4];
	if (g == GFP_ANY)
		return "(any)";
	return frag_gfp_format(g, p, 256);
}

#define CHECK_GFP(got, want)                                                                       \
	do {                                                                                       \
		gfp_t _g = (got), _w = (want);                                                     \
		if (_g != _w) {                                                                    \
			char _m[700];                                                              \
			snprintf(_m, sizeof _m, "%s == %s (%s != %s)", #got, #want, gfps(_g), gfps(_w)); \
			tap_fail(__FILE__, __LINE__, _m);                                          \
		}                                                                                  \
	} while (0)

/* One expected request: @order with @gfp (GFP_ANY: any), refused 0/1 (-1: either), @repeat times (0 = 1). */
struct step {
	int order;
	gfp_t gfp;
	int refused;
	unsigned repeat;
};

/* Match @steps at reqs[*pos], advancing it; report the first mismatch. */
static bool match_steps(const struct step *s, unsigned n, size_t *pos, const char *what)
{
	for (unsigned k = 0; k < n; k++)
		for (unsigned r = 0; r < (s[k].repeat ? s[k].repeat : 1); r++) {
			size_t i = (*pos)++;
			if (i >= nr_reqs) {
				printf("# %s: request %zu missing (expected order %d %s)\n", what, i, s[k].order, gfps(s[k].gfp));
				return false;
			}
			const struct req *q = &reqs[i];
			if ((int)q->order != s[k].order || (s[k].gfp != GFP_ANY && q->gfp != s[k].gfp) ||
			    (s[k].refused >= 0 && q->refused != (bool)s[k].refused)) {
				printf("# %s: request %zu is order %u %s%s; expected order %d %s%s\n", what, i, q->order,
				       gfps(q->gfp), q->refused ? " (refused)" : "", s[k].order, gfps(s[k].gfp),
				       s[k].refused == 1 ? " (refused)" : "");
				return false;
			}
		}
	return true;
}

/* The whole request list is repetitions of @steps: their number, or -1. */
static long match_repeating(const struct step *s, unsigned n, const char *what)
{
	size_t pos = 0;
	long reps = 0;
	while (pos < nr_reqs) {
		if (!match_steps(s, n, &pos, what))
			return -1;
		reps++;
	}
	return reps;
}

struct pattern {
	struct step s[4];
	unsigned n;
	const char *reps_counter;   /* a counter equal to the number of repetitions, or NULL */
};

/* The case's data is a struct pattern: every request follows it. */
static void requests_follow_pattern(void)
{
	const struct pattern *p = g_case->data;
	long reps = match_repeating(p->s, p->n, g_case->name);
	CHECK(reps > 0);
	if (p->reps_counter)
		CHECK_EQ(reps, counter(p->reps_counter));
}

/* Harness: every refused request failed (alloc_fail counts them all), and
 * only those (under memory pressure others may fail too). */
static void refused_requests_failed(void)
{
	unsigned long refused = 0;
	for (size_t i = 0; i < nr_reqs; i++)
		refused += reqs[i].refused;
	if (g_case->pressure)
		CHECK(counter("alloc_fail") >= refused);
	else
		CHECK_EQ(counter("alloc_fail"), refused);
	if (refused)
		CHECK(nr_refused_rmqueue > 0);
}

/* ---------------------------------------------------------------------- */
/* anon                                                                   */
/* ---------------------------------------------------------------------- */

/* Two single-process instances on CPU 0, 4 MiB each (2 PMDs): a madvised
 * one before T_SPLIT, a plain one after. */
#define T_SPLIT 150000000ull
static const char anon_matrix_yaml[] =
	"duration: 300ms\nseed: 3\nsample_period: 300ms\n"
	"machine: {memory: 1G, nodes: 1, cpus: 4, layout: flat}\n"
	"thp: {enabled: madvise, defrag: madvise, mthp_orders: [4]}\n"
	"x-anon: &anon {type: anon, cpus: 0, arrival: fixed(10s), size: fixed(4M), lifetime: fixed(1s),\n"
	"               touch: fixed(2us), initial_procs: 1}\n"
	"workloads:\n"
	"  m: {<<: *anon, thp_madvise: 1, start: 0ms, stop: 100ms}\n"
	"  u: {<<: *anon, thp_madvise: 0, start: 200ms, stop: 290ms}\n";

static bool thp_allowed(bool madvised)
{
	return sc->thp.enabled == THP_ENABLED_ALWAYS || (sc->thp.enabled == THP_ENABLED_MADVISE && madvised);
}

/* do_huge_pmd_anonymous_page() with vma_thp_gfp_mask(), pte_alloc_one()
 * per PMD, and nothing else when THP covers the VMA; when THP (and hence
 * mTHP, which inherits `enabled`) is not allowed: order-0 pages only. */
static void check_anon_phase(bool madvised)
{
	bool allowed = thp_allowed(madvised);
	gfp_t want = thp_mask(sc->thp.defrag, madvised) | __GFP_ZERO;
	unsigned n9 = 0, npgt = 0, n0 = 0, nother = 0;
	const struct req *bad9 = NULL, *bad0 = NULL;
	for (size_t i = 0; i < nr_reqs; i++) {
		const struct req *q = &reqs[i];
		if ((q->t < T_SPLIT) != madvised)
			continue;
		if (q->order == HPAGE_PMD_ORDER) {
			n9++;
			if (q->gfp != want && !bad9)
				bad9 = q;
		} else if (q->order == 0 && q->gfp == PGTABLE_GFP) {
			npgt++;
		} else if (q->order == 0) {
			n0++;
			if (q->gfp != ANON_PAGE_GFP && !bad0)
				bad0 = q;
		} else {
			nother++;
		}
	}
	printf("# enabled=%d defrag=%d madvised=%d: expect %s\n", sc->thp.enabled, sc->thp.defrag, madvised,
	       allowed ? gfps(want) : "no THP");
	CHECK_EQ(n9, allowed ? 2 : 0);
	if (bad9)
		CHECK_GFP(bad9->gfp, want);
	CHECK_EQ(npgt, 2);
	CHECK_EQ(n0, allowed ? 0 : 1024);
	if (bad0)
		CHECK_GFP(bad0->gfp, ANON_PAGE_GFP);
	CHECK_EQ(nother, 0);
}

static void vma_thp_gfp_mask_madvised(void)
{
	check_anon_phase(true);
}

static void vma_thp_gfp_mask_not_madvised(void)
{
	check_anon_phase(false);
}

static void thp_fault_counters(void)
{
	CHECK_EQ(counter("thp_fault_alloc"), 2 * (thp_allowed(true) + thp_allowed(false)));
	CHECK_EQ(counter("thp_fault_fallback"), 0);
	CHECK_EQ(counter("mthp_fault_alloc"), 0);
	CHECK_EQ(counter("m.processes"), 1);
	CHECK_EQ(counter("u.processes"), 1);
}

static const struct tap_test anon_matrix_tests[] = {
	TAP(vma_thp_gfp_mask_madvised),
	TAP(vma_thp_gfp_mask_not_madvised),
	TAP(thp_fault_counters),
};

/* One madvised process of 4 MiB; the second THP is refused. */
static const char anon_seq_yaml[] =
	"duration: 100ms\nseed: 3\nsample_period: 100ms\n"
	"machine: {memory: 1G, nodes: 1, cpus: 4, layout: flat}\n"
	"thp: {enabled: always, defrag: madvise}\n"
	"workloads:\n"
	"  a: {type: anon, cpus: 0, arrival: fixed(10s), size: fixed(4M), lifetime: fixed(1s),\n"
	"      touch: fixed(2us), initial_procs: 1, thp_madvise: 1}\n";

static void thp_fault_fallback_counts(void)
{
	unsigned n9 = 0, n9r = 0, npgt = 0, n0 = 0;
	for (size_t i = 0; i < nr_reqs; i++) {
		const struct req *q = &reqs[i];
		n9 += q->order == 9;
		n9r += q->order == 9 && q->refused;
		npgt += q->order == 0 && q->gfp == PGTABLE_GFP;
		n0 += q->order == 0 && q->gfp == ANON_PAGE_GFP;
	}
	CHECK_EQ(n9, 2);
	CHECK_EQ(n9r, 1);
	CHECK_EQ(npgt, 2);
	CHECK_EQ(n0, 512);
	CHECK_EQ(nr_reqs, 2 + 2 + 512);
	CHECK_EQ(counter("thp_fault_alloc"), 1);
	CHECK_EQ(counter("thp_fault_fallback"), 1);
}

/* The kernel's order: __do_huge_pmd_anonymous_page() allocates the folio
 * (vma_alloc_anon_folio_pmd()), then pte_alloc_one() for the deposit; after
 * VM_FAULT_FALLBACK, do_anonymous_page() runs pte_alloc() before the page. */
static void huge_pmd_fault_sequence(void)
{
	gfp_t thp = thp_mask(THP_DEFRAG_MADVISE, true) | __GFP_ZERO;
	const struct step kernel[] = {
		{ 9, thp, 0, 1 }, { 0, PGTABLE_GFP, 0, 1 },
		{ 9, thp, 1, 1 }, { 0, PGTABLE_GFP, 0, 1 }, { 0, ANON_PAGE_GFP, 0, 512 },
	};
	size_t pos = 0;
	if (match_steps(kernel, 5, &pos, "fault sequence"))
		CHECK_EQ(pos, nr_reqs);
	else
		CHECK(false);
}

static const struct tap_test anon_seq_tests[] = {
	TAP(thp_fault_fallback_counts),
	TAP(huge_pmd_fault_sequence),
};

/*
 * thp.local_try: alloc_pages_mpol() tries a PMD-order fault on the local
 * node first with __GFP_THISNODE | __GFP_NORETRY; every such try is refused
 * here. The madvised instance (defrag=madvise: GFP_TRANSHUGE, direct reclaim)
 * then asks again with its own mask and gets the page; the plain one
 * (GFP_TRANSHUGE_LIGHT, no direct reclaim) does not ask again and falls back
 * to order 0. The anon matrix layout: madvised before T_SPLIT, plain after.
 */
static const char anon_local_try_yaml[] =
	"duration: 300ms\nseed: 3\nsample_period: 300ms\n"
	"machine: {memory: 1G, nodes: 1, cpus: 4, layout: flat}\n"
	"thp: {enabled: always, defrag: madvise, local_try: true}\n"
	"x-anon: &anon {type: anon, cpus: 0, arrival: fixed(10s), size: fixed(4M), lifetime: fixed(1s),\n"
	"               touch: fixed(2us), initial_procs: 1}\n"
	"workloads:\n"
	"  m: {<<: *anon, thp_madvise: 1, start: 0ms, stop: 100ms}\n"
	"  u: {<<: *anon, thp_madvise: 0, start: 200ms, stop: 290ms}\n";

static void local_try_phase(bool madvised, unsigned *local, unsigned *full, unsigned *other9, unsigned *n0)
{
	gfp_t want = thp_mask(THP_DEFRAG_MADVISE, madvised) | __GFP_ZERO;
	*local = *full = *other9 = *n0 = 0;
	for (size_t i = 0; i < nr_reqs; i++) {
		const struct req *q = &reqs[i];
		if ((q->t < T_SPLIT) != madvised)
			continue;
		if (q->order == HPAGE_PMD_ORDER && q->gfp == (want | __GFP_THISNODE | __GFP_NORETRY) && q->refused)
			(*local)++;
		else if (q->order == HPAGE_PMD_ORDER && q->gfp == want && !q->refused)
			(*full)++;
		else if (q->order == HPAGE_PMD_ORDER)
			(*other9)++;
		else if (q->order == 0 && q->gfp == ANON_PAGE_GFP)
			(*n0)++;
	}
}

static void alloc_pages_mpol_local_then_full(void)
{
	unsigned local, full, other9, n0;
	local_try_phase(true, &local, &full, &other9, &n0);
	CHECK_EQ(local, 2);
	CHECK_EQ(full, 2);
	CHECK_EQ(other9, 0);
	CHECK_EQ(n0, 0);
	CHECK_EQ(counter("m.thp_fault_alloc"), 2);
}

static void alloc_pages_mpol_no_reclaim_no_second_try(void)
{
	unsigned local, full, other9, n0;
	local_try_phase(false, &local, &full, &other9, &n0);
	CHECK_EQ(local, 2);
	CHECK_EQ(full, 0);
	CHECK_EQ(other9, 0);
	CHECK_EQ(n0, 1024);
	CHECK_EQ(counter("thp_fault_fallback"), 2);
	CHECK_EQ(counter("thp_fault_alloc"), 2);
}

static const struct tap_test anon_local_try_tests[] = {
	TAP(alloc_pages_mpol_local_then_full),
	TAP(alloc_pages_mpol_no_reclaim_no_second_try),
};

/* mTHP order 4 enabled, every order-9 refused; 2 MiB + 64 KiB touched. */
static const char anon_mthp_yaml[] =
	"duration: 100ms\nseed: 3\nsample_period: 100ms\n"
	"machine: {memory: 1G, nodes: 1, cpus: 4, layout: flat}\n"
	"thp: {enabled: always, defrag: madvise, mthp_orders: [4]}\n"
	"workloads:\n"
	"  a: {type: anon, cpus: 0, arrival: fixed(10s), size: fixed(2112K), lifetime: fixed(1s),\n"
	"      touch: fixed(2us), initial_procs: 1, thp_madvise: 1}\n";

/* After the refused PMD folio, the fault tries the enabled mTHP order with
 * the same vma_thp_gfp_mask() (alloc_anon_folio()). */
static void thp_fallback_tries_mthp_same_gfp(void)
{
	gfp_t thp = thp_mask(THP_DEFRAG_MADVISE, true) | __GFP_ZERO;
	size_t i = 0;
	while (i < nr_reqs && !(reqs[i].order == 9 && reqs[i].refused))
		i++;
	CHECK(i < nr_reqs);
	if (i < nr_reqs)
		CHECK_GFP(reqs[i].gfp, thp);
	for (i++; i < nr_reqs && reqs[i].gfp == PGTABLE_GFP; i++)
		;
	CHECK(i < nr_reqs);
	if (i < nr_reqs) {
		CHECK_EQ(reqs[i].order, 4);
		CHECK_GFP(reqs[i].gfp, thp);
		CHECK(!reqs[i].refused);
	}
	CHECK_EQ(counter("thp_fault_fallback"), 1);
	CHECK(counter("mthp_fault_alloc") >= 1);
}

/* alloc_anon_folio() runs on every PTE fault (do_anonymous_page()), not only
 * at the PMD-aligned one: each naturally aligned 64 KiB range of the VMA
 * whose PTEs are all none gets an order-4 folio, including the 64 KiB tail
 * beyond the last whole PMD. 528 pages = 33 order-4 folios, no order-0. */
static void alloc_anon_folio_every_fault(void)
{
	gfp_t thp = thp_mask(THP_DEFRAG_MADVISE, true) | __GFP_ZERO;
	unsigned n4 = 0, n4bad = 0, n0 = 0, npgt = 0;
	for (size_t i = 0; i < nr_reqs; i++) {
		const struct req *q = &reqs[i];
		if (q->order == 4) {
			n4++;
			n4bad += q->gfp != thp || q->refused;
		}
		n0 += q->order == 0 && q->gfp == ANON_PAGE_GFP;
		npgt += q->order == 0 && q->gfp == PGTABLE_GFP;
	}
	CHECK_EQ(n4, 33);
	CHECK_EQ(n4bad, 0);
	CHECK_EQ(n0, 0);
	CHECK_EQ(npgt, 2);
	CHECK_EQ(counter("mthp_fault_alloc"), 33);
}

static const struct tap_test anon_mthp_tests[] = {
	TAP(thp_fallback_tries_mthp_same_gfp),
	TAP(alloc_anon_folio_every_fault),
};

/* mTHP order 4 enabled, every order >= 3 refused; 2 MiB. */
static const char anon_mthp_refused_yaml[] =
	"duration: 100ms\nseed: 3\nsample_period: 100ms\n"
	"machine: {memory: 1G, nodes: 1, cpus: 4, layout: flat}\n"
	"thp: {enabled: always, defrag: madvise, mthp_orders: [4]}\n"
	"workloads:\n"
	"  a: {type: anon, cpus: 0, arrival: fixed(10s), size: fixed(2M), lifetime: fixed(1s),\n"
	"      touch: fixed(2us), initial_procs: 1, thp_madvise: 1}\n";

/* THP fails -> thp_fault_fallback -> mTHP order 4 (same gfp) fails -> order 0. */
static void mthp_fallback_to_order0(void)
{
	gfp_t thp = thp_mask(THP_DEFRAG_MADVISE, true) | __GFP_ZERO;
	const struct step cascade[] = {
		{ 9, thp, 1, 1 },
		{ 4, thp, 1, 1 },
		{ 0, ANON_PAGE_GFP, 0, 1 },
	};
	/* The first fault, page tables aside. */
	struct req first[3];
	unsigned n = 0;
	for (size_t i = 0; i < nr_reqs && n < 3; i++)
		if (reqs[i].gfp != PGTABLE_GFP)
			first[n++] = reqs[i];
	CHECK_EQ(n, 3);
	for (unsigned k = 0; k < n; k++) {
		CHECK_EQ(first[k].order, cascade[k].order);
		CHECK_GFP(first[k].gfp, cascade[k].gfp);
		CHECK_EQ(first[k].refused, cascade[k].refused);
	}
	unsigned n0 = 0, n4bad = 0;
	for (size_t i = 0; i < nr_reqs; i++) {
		n0 += reqs[i].order == 0 && reqs[i].gfp == ANON_PAGE_GFP;
		n4bad += reqs[i].order == 4 && reqs[i].gfp != thp;
	}
	CHECK_EQ(n0, 512);
	CHECK_EQ(n4bad, 0);
	CHECK_EQ(counter("thp_fault_fallback"), 1);
	CHECK_EQ(counter("mthp_fault_alloc"), 0);
}

static const struct tap_test anon_mthp_refused_tests[] = {
	TAP(mthp_fallback_to_order0),
};

/* THP never; the first user page is refused: the process is the OOM
 * killer's victim and faults no more. */
static const char anon_oom_yaml[] =
	"duration: 100ms\nseed: 3\nsample_period: 100ms\n"
	"machine: {memory: 1G, nodes: 1, cpus: 4, layout: flat}\n"
	"thp: {enabled: never}\n"
	"workloads:\n"
	"  a: {type: anon, cpus: 0, arrival: fixed(10s), size: fixed(4M), lifetime: fixed(1s),\n"
	"      touch: fixed(2us), initial_procs: 1}\n";

static bool refuse_user_page(gfp_t g, unsigned o) { return o == 0 && g == ANON_PAGE_GFP; }

static void order0_failure_kills_process(void)
{
	const struct step s[] = { { 0, PGTABLE_GFP, 0, 1 }, { 0, ANON_PAGE_GFP, 1, 1 } };
	size_t pos = 0;
	CHECK(match_steps(s, 2, &pos, "oom"));
	CHECK_EQ(nr_reqs, 2);
	CHECK_EQ(counter("a.oom_victims"), 1);
	CHECK_EQ(counter("a.processes"), 1);
}

static const struct tap_test anon_oom_tests[] = {
	TAP(order0_failure_kills_process),
};

/* Demand scenarios: one single-CPU instance per CPU, stopped half-way
 * through the run, so every event before the stop runs in both runs
 * however late the refusals make a CPU (its clock advances by the
 * allocations' costs, and events a CPU reaches only after the end of the
 * run are not run); the PCP drains the harness does for each refused
 * request are free. */
#define DEMAND_ENGINE "engine: {costs: {pcp_drain_page: 0}}\n"

/* Reclaim with swap: processes outgrow a 256 MiB machine; reclaim swaps
 * their oldest pages out (shrink_lru() on the anon LRU, a swap slot per
 * page) instead of reaching the OOM point. The model's counters and the
 * workload's agree page for page. */
static const char anon_swap_yaml[] =
	"duration: 3s\nseed: 3\nsample_period: 3s\n"
	"machine: {memory: 256M, nodes: 1, cpus: 4, layout: flat, swap: 256M}\n"
	"workloads:\n"
	"  a: {type: anon, cpus: 0, arrival: exp(300ms), size: fixed(40M), lifetime: exp(3s), initial_procs: 4,\n"
	"      max_procs: 6}\n";

static void anon_swaps_out(void)
{
	CHECK(counter("a.swapped_out_pages") > 0);
	CHECK_EQ(counter("a.swapped_out_pages"), metric("pswpout"));
	CHECK_EQ(metric("pgsteal_anon"), metric("pswpout"));
	CHECK_EQ(metric("pgscan_anon"), metric("pswpout"));
	CHECK_EQ(metric("oom_kill"), 0);
	CHECK_EQ(counter("a.oom_victims"), 0);
}

static const struct tap_test anon_swap_tests[] = {
	TAP(anon_swaps_out),
};

static const char anon_demand_yaml[] =
	"duration: 400ms\nseed: 5\nsample_period: 400ms\n"
	"machine: {memory: 1G, nodes: 1, cpus: 4, layout: flat}\n"
	DEMAND_ENGINE
	"thp: {enabled: always, defrag: madvise, mthp_orders: [4]}\n"
	"x-a: &a {type: anon, arrival: exp(10ms), size: \"lognormal(2M, 1)\", lifetime: exp(30ms), touch: fixed(1us),\n"
	"         initial_procs: 2, thp_madvise: 0.5, max_procs: 4, stop: 200ms}\n"
	"workloads: {a0: {<<: *a, cpus: 0}, a1: {<<: *a, cpus: 1}}\n";

/* ---------------------------------------------------------------------- */
/* slab                                                                   */
/* ---------------------------------------------------------------------- */

/* calculate_order() (mm/slub.c, kernel-model.md 10.1): min_objects =
 * 4 * (fls(nr_cpus) + 1), capped by the objects an order-3 slab holds; the
 * smallest order from get_order(min_objects * size) wasting <= 1/16 (then
 * 1/8, 1/4) of the slab. s->min = get_order(size). Values computed by hand:
 *  4 CPUs (min_objects 16): 192 -> 0 (21 objects, 64 B left <= 256);
 *    256 -> 0; 512 -> 1 (16 x 512 = 8 KiB); 700 -> 2 (11200 B -> 16 KiB,
 *    284 B left <= 1 KiB); 1024 -> 2; 2048 -> 3; 3000 -> 3 (10 objects fit
 *    order 3, 2768 B left > 2 KiB, accepted at 1/8); 4096 -> 3 (8 objects);
 *    8192 -> 3 (4 objects; s->min = 1).
 *  64 CPUs (min_objects 32, the kernel-model table): 192 -> 1, 256 -> 1,
 *    512 -> 2, 1024 -> 3, 8192 -> 3. */
struct slab_exp {
	const char *inst;
	unsigned size, order, min;
};

struct slab_table {
	const struct slab_exp *e;
	unsigned n;
};

#define SLAB_PHASE_NS 20000000ull   /* instance k runs in [k * 20 ms, k * 20 ms + 10 ms) */

static const struct slab_exp slab_4cpu[] = {
	{ "s192", 192, 0, 0 },   { "s256", 256, 0, 0 },   { "s512", 512, 1, 0 },
	{ "s700", 700, 2, 0 },   { "s1024", 1024, 2, 0 }, { "s2048", 2048, 3, 0 },
	{ "s3000", 3000, 3, 0 }, { "s4096", 4096, 3, 0 }, { "s8192", 8192, 3, 1 },
};
static const struct slab_table slab_4cpu_table = { slab_4cpu, 9 };

#define SLAB_X "x-slab: &slab {type: slab, cpus: all, interval: fixed(1ms), lifetime: fixed(50ms)}\n"
static const char slab_4cpu_yaml[] =
	"duration: 200ms\nseed: 3\nsample_period: 200ms\n"
	"machine: {memory: 1G, nodes: 1, cpus: 4, layout: flat}\n" SLAB_X
	"workloads:\n"
	"  s192: {<<: *slab, object_size: 192, start: 0ms, stop: 10ms}\n"
	"  s256: {<<: *slab, object_size: 256, start: 20ms, stop: 30ms}\n"
	"  s512: {<<: *slab, object_size: 512, start: 40ms, stop: 50ms}\n"
	"  s700: {<<: *slab, object_size: 700, start: 60ms, stop: 70ms}\n"
	"  s1024: {<<: *slab, object_size: 1024, start: 80ms, stop: 90ms}\n"
	"  s2048: {<<: *slab, object_size: 2048, start: 100ms, stop: 110ms}\n"
	"  s3000: {<<: *slab, object_size: 3000, start: 120ms, stop: 130ms}\n"
	"  s4096: {<<: *slab, object_size: 4096, start: 140ms, stop: 150ms}\n"
	"  s8192: {<<: *slab, object_size: 8192, start: 160ms, stop: 170ms}\n";

static const struct slab_exp slab_64cpu[] = {
	{ "s192", 192, 1, 0 }, { "s256", 256, 1, 0 }, { "s512", 512, 2, 0 }, { "s1024", 1024, 3, 0 }, { "s8192", 8192, 3, 1 },
};
static const struct slab_table slab_64cpu_table = { slab_64cpu, 5 };

static const char slab_64cpu_yaml[] =
	"duration: 120ms\nseed: 3\nsample_period: 120ms\n"
	"machine: {memory: 1G, nodes: 1, cpus: 64, layout: flat}\n"
	"x-slab: &slab {type: slab, cpus: all, interval: fixed(4ms), lifetime: fixed(50ms)}\n"
	"workloads:\n"
	"  s192: {<<: *slab, object_size: 192, start: 0ms, stop: 10ms}\n"
	"  s256: {<<: *slab, object_size: 256, start: 20ms, stop: 30ms}\n"
	"  s512: {<<: *slab, object_size: 512, start: 40ms, stop: 50ms}\n"
	"  s1024: {<<: *slab, object_size: 1024, start: 60ms, stop: 70ms}\n"
	"  s8192: {<<: *slab, object_size: 8192, start: 80ms, stop: 90ms}\n";

/* The instance runs on CPU 0 only; the machine has 4 CPUs. */
static const struct slab_exp slab_cpu0[] = { { "s512", 512, 1, 0 } };
static const struct slab_table slab_cpu0_table = { slab_cpu0, 1 };
static const char slab_cpu0_yaml[] =
	"duration: 20ms\nseed: 3\nsample_period: 20ms\n"
	"machine: {memory: 1G, nodes: 1, cpus: 4, layout: flat}\n"
	"workloads:\n"
	"  s512: {type: slab, cpus: 0, object_size: 512, interval: fixed(1ms), lifetime: fixed(50ms), stop: 10ms}\n";

/* Every phase's slabs are requested at the calculate_order() order with
 * allocate_slab()'s first-try mask (GFP_KERNEL caller). */
static void check_slab_orders(void)
{
	const struct slab_table *tb = g_case->data;
	for (unsigned k = 0; k < tb->n; k++) {
		const struct slab_exp *e = &tb->e[k];
		gfp_t want = e->order > e->min ? SLAB_OO_GFP(K_GFP_KERNEL) : SLAB_OO_MIN_GFP(K_GFP_KERNEL);
		unsigned n = 0, bad = 0;
		const struct req *first_bad = NULL;
		for (size_t i = 0; i < nr_reqs; i++) {
			const struct req *q = &reqs[i];
			if (q->t / SLAB_PHASE_NS != k)
				continue;
			n++;
			if (q->order != e->order || q->gfp != want) {
				bad++;
				if (!first_bad)
					first_bad = q;
			}
		}
		printf("# %s: size %u -> order %u (min %u): %u requests\n", e->inst, e->size, e->order, e->min, n);
		CHECK(n > 0);
		CHECK_EQ(bad, 0);
		if (first_bad) {
			CHECK_EQ(first_bad->order, e->order);
			CHECK_GFP(first_bad->gfp, want);
		}
	}
}

static void calculate_order_by_size(void)
{
	check_slab_orders();
}

/* calculate_order() uses num_present_cpus(): the machine's CPUs, not the
 * CPUs a cache's users run on. 4 CPUs: 512 -> order 1 whoever allocates. */
static void calculate_order_machine_cpus(void)
{
	check_slab_orders();
}

/* Slabs are filled with oo_objects(): slabs_allocated = ceil(objects / per slab). */
static void objects_per_slab(void)
{
	const struct slab_table *tb = g_case->data;
	for (unsigned k = 0; k < tb->n; k++) {
		const struct slab_exp *e = &tb->e[k];
		char a[96], b[96];
		snprintf(a, sizeof a, "%s.objects", e->inst);
		snprintf(b, sizeof b, "%s.slabs_allocated", e->inst);
		uint64_t per = ((uint64_t)FRAG_PAGE_SIZE << e->order) / e->size;
		uint64_t objects = (uint64_t)counter(a);
		CHECK(objects > 0);
		CHECK_EQ(counter(b), (objects + per - 1) / per);
	}
}

static const struct tap_test slab_orders_tests[] = {
	TAP(calculate_order_by_size),
	TAP(objects_per_slab),
};

static const struct tap_test slab_cpu0_tests[] = {
	TAP(calculate_order_machine_cpus),
};

/* ORDER_FALLBACK: oo (order 1) refused via its __GFP_NORETRY; s->min (0) with GFP_KERNEL. */
static const char slab_fb_yaml[] =
	"duration: 30ms\nseed: 3\nsample_period: 30ms\n"
	"machine: {memory: 1G, nodes: 1, cpus: 4, layout: flat}\n"
	"workloads:\n"
	"  s: {type: slab, cpus: all, object_size: 512, interval: fixed(1ms), lifetime: fixed(1s)}\n";
static const struct pattern slab_fb_pattern = {
	{ { 1, SLAB_OO_GFP(K_GFP_KERNEL), 1, 1 }, { 0, K_GFP_KERNEL, 0, 1 } }, 2, "slab_order_fallback",
};

static const char slab_rcl_yaml[] =
	"duration: 30ms\nseed: 3\nsample_period: 30ms\n"
	"machine: {memory: 1G, nodes: 1, cpus: 4, layout: flat}\n"
	"workloads:\n"
	"  s: {type: slab, cpus: all, object_size: 512, reclaimable: true, interval: fixed(1ms), lifetime: fixed(1s)}\n";
static const struct pattern slab_rcl_pattern = {
	{ { 1, SLAB_OO_GFP(K_GFP_KERNEL | __GFP_RECLAIMABLE), 1, 1 }, { 0, K_GFP_KERNEL | __GFP_RECLAIMABLE, 0, 1 } },
	2,
	"slab_order_fallback",
};

/* At s->min: 4096 / 512 = 8 objects per slab, every slab a fallback one. */
static void order_fallback_slabs(void)
{
	double objects = counter("s.objects"), slabs = counter("s.slabs_allocated");
	CHECK(objects > 0);
	CHECK_EQ(slabs, ((uint64_t)objects + 7) / 8);
	CHECK_EQ(counter("slab_order_fallback"), slabs);
	CHECK_EQ(counter("s.object_failures"), 0);
}

/* SLAB_RECLAIM_ACCOUNT: the slabs land in RECLAIMABLE pageblocks. */
static void reclaimable_pageblocks(void)
{
	CHECK(metric("pageblocks_reclaimable") >= 1);
}

static const struct tap_test slab_fb_tests[] = {
	TAP(requests_follow_pattern),
	TAP(order_fallback_slabs),
};

static const struct tap_test slab_rcl_tests[] = {
	TAP(requests_follow_pattern),
	TAP(order_fallback_slabs),
	TAP(reclaimable_pageblocks),
};

/* oo == min (192 B on 4 CPUs: order 0): the first try keeps the reclaim
 * flags; allocate_slab() retries s->min with the caller's flags whenever
 * the first try fails (no "oo > min" condition) and counts ORDER_FALLBACK. */
static const char slab_same_yaml[] =
	"duration: 30ms\nseed: 3\nsample_period: 30ms\n"
	"machine: {memory: 1G, nodes: 1, cpus: 4, layout: flat}\n"
	"workloads:\n"
	"  s: {type: slab, cpus: all, object_size: 192, interval: fixed(1ms), lifetime: fixed(1s)}\n";
static const struct pattern slab_same_pattern = {
	{ { 0, SLAB_OO_MIN_GFP(K_GFP_KERNEL), 1, 1 }, { 0, K_GFP_KERNEL, 0, 1 } }, 2, "slab_order_fallback",
};

static void allocate_slab_retries_min_order(void)
{
	requests_follow_pattern();
	CHECK_EQ(counter("s.object_failures"), 0);
	CHECK_EQ(counter("slab_order_fallback"), counter("s.slabs_allocated"));
}

static const struct tap_test slab_same_tests[] = {
	TAP(allocate_slab_retries_min_order),
};

/* One instance on 4 CPUs, an object every 1 ms on each from 1 to 9 ms,
 * stopped at 10 ms, in a longer run: 4 x 9 = 36 objects whatever the
 * engine's batching (the instance's stop comes after every CPU's events
 * before it). */
static const char slab_stop_yaml[] =
	"duration: 100ms\nseed: 3\nsample_period: 100ms\n"
	"machine: {memory: 1G, nodes: 1, cpus: 4, layout: flat}\n"
	"workloads:\n"
	"  s: {type: slab, cpus: all, object_size: 512, interval: fixed(1ms), lifetime: fixed(1s), stop: 10ms}\n"
	"  t: {type: slab, cpus: all, object_size: 512, interval: fixed(1ms), lifetime: fixed(1s), start: 50ms}\n";

static void objects_on_every_cpu_until_stop(void)
{
	CHECK_EQ(counter("s.objects"), 36);
	CHECK_EQ(counter("s.object_failures"), 0);
}

static const struct tap_test slab_stop_tests[] = {
	TAP(objects_on_every_cpu_until_stop),
};

/*
 * __slab_free() (mm/slub.c): a slab goes back to the page allocator
 * (discard_slab()) only when its last object is freed, and an empty slab
 * is kept on the partial list while fewer than min_partial empty slabs are
 * kept (fragsim counts the empty slabs; the kernel compares the node's
 * nr_partial, see workloads/slab.c). Two caches, each with its own slabs:
 *   last: CPU 0, 512 B objects (order 1, 16 per slab), min_partial 0, an
 *         object every 10 ms living 15 ms: objects at 10..90 ms, frees at
 *         25..95 ms (the 90 ms one would die after the run). Each free
 *         leaves the previous object in the slab, so the one slab is never
 *         empty and never freed, although min_partial 0 keeps no empty slab.
 *   mp:   all 4 CPUs, 4096 B objects with max_order 0 (order 0, one object
 *         per slab), min_partial 2, an object every 10 ms living 5 ms: at
 *         each tick 4 objects (4 slabs), 5 ms later 4 frees: the first 2
 *         empty slabs are kept, the other 2 discarded; the next tick reuses
 *         the 2 kept slabs and allocates 2. 9 ticks: 4 + 8 * 2 = 20 slabs
 *         allocated, 9 * 2 = 18 freed (engine batches of at most 1 ms keep
 *         the CPUs' 5 ms steps in order).
 */
static const char slab_free_yaml[] =
	"duration: 100ms\nseed: 3\nsample_period: 100ms\n"
	"machine: {memory: 1G, nodes: 1, cpus: 4, layout: flat}\n"
	"engine: {batch_max_window: 1ms}\n"
	"workloads:\n"
	"  last: {type: slab, cpus: 0, object_size: 512, min_partial: 0, interval: fixed(10ms),\n"
	"         lifetime: fixed(15ms)}\n"
	"  mp: {type: slab, cpus: all, object_size: 4096, max_order: 0, min_partial: 2, interval: fixed(10ms),\n"
	"       lifetime: fixed(5ms)}\n";

/* The page requests of order @order: their number; every one must carry @gfp. */
static unsigned count_requests(unsigned order, gfp_t gfp)
{
	unsigned n = 0;
	for (size_t i = 0; i < nr_reqs; i++) {
		if (reqs[i].order != order)
			continue;
		n++;
		CHECK_GFP(reqs[i].gfp, gfp);
	}
	return n;
}

static void slab_freed_with_last_object(void)
{
	CHECK_EQ(counter("last.objects"), 9);
	CHECK_EQ(counter("last.object_failures"), 0);
	CHECK_EQ(counter("last.slabs_allocated"), 1);
	CHECK_EQ(counter("last.slabs_freed"), 0);
	CHECK_EQ(count_requests(1, SLAB_OO_GFP(K_GFP_KERNEL)), 1);
}

static void discard_slab_beyond_min_partial(void)
{
	CHECK_EQ(counter("mp.objects"), 36);
	CHECK_EQ(counter("mp.object_failures"), 0);
	CHECK_EQ(counter("mp.slabs_allocated"), 20);
	CHECK_EQ(counter("mp.slabs_freed"), 18);
	CHECK_EQ(count_requests(0, SLAB_OO_MIN_GFP(K_GFP_KERNEL)), 20);
	CHECK_EQ(counter("sim_frees"), 18);
	CHECK_EQ(nr_reqs, 21);
}

static const struct tap_test slab_free_tests[] = {
	TAP(slab_freed_with_last_object),
	TAP(discard_slab_beyond_min_partial),
};

/* Reclaim: a reclaimable cache whose objects all stay cached unused after
 * their lifetime fills a 128 MiB machine; the instance's shrinker
 * (count_objects/scan_objects) frees the oldest unused objects, emptied
 * slabs go back to the allocator. */
static const char slab_shrink_yaml[] =
	"duration: 2s\nseed: 3\nsample_period: 2s\n"
	"machine: {memory: 128M, nodes: 1, cpus: 4, layout: flat}\n"
	"workloads:\n"
	"  s: {type: slab, cpus: all, object_size: 1024, reclaimable: true, interval: fixed(20us),\n"
	"      lifetime: fixed(10ms), unused_share: 1}\n";

static void super_cache_scan_frees_unused(void)
{
	CHECK(counter("s.shrunk_objects") > 0);
	CHECK_EQ(counter("s.shrunk_objects"), metric("slabs_scanned"));
	CHECK(counter("s.unused_objects") >= counter("s.shrunk_objects"));
	CHECK(counter("s.slabs_freed") > 0);
	CHECK_EQ(metric("oom_kill"), 0);
}

static const struct tap_test slab_shrink_tests[] = {
	TAP(super_cache_scan_frees_unused),
};

static const char slab_demand_yaml[] =
	"duration: 100ms\nseed: 5\nsample_period: 100ms\n"
	"machine: {memory: 1G, nodes: 1, cpus: 4, layout: flat}\n"
	DEMAND_ENGINE
	"x-s: &s {type: slab, object_size: 512, interval: exp(200us), lifetime: exp(5ms), stop: 50ms}\n"
	"workloads: {s0: {<<: *s, cpus: 0}, s1: {<<: *s, cpus: 1}}\n";

/* ---------------------------------------------------------------------- */
/* kvmalloc                                                               */
/* ---------------------------------------------------------------------- */

#define KV_YAML(size, variant, interval)                                                                  \
	"duration: 20ms\nseed: 3\nsample_period: 20ms\n"                                                  \
	"machine: {memory: 1G, nodes: 1, cpus: 4, layout: flat}\n"                                        \
	"workloads:\n"                                                                                    \
	"  t: {type: kvmalloc, cpus: 0, size: fixed(" size "), variant: " variant ", interval: fixed(" interval \
	"), lifetime: fixed(3ms)}\n"

/* kmalloc_gfp_adjust() (6.16+): no direct reclaim; __kmalloc_large_node(): __GFP_COMP. */
static const struct pattern kv_ndr_pattern = { { { 4, KV_NDR_GFP, 0, 1 } }, 1, "t.contiguous" };
static const struct pattern kv_noretry_pattern = { { { 4, KV_NORETRY_GFP, 0, 1 } }, 1, "t.contiguous" };
/* 4097..8192 bytes: the comment's order-1 stand-in for kmalloc-8k. */
static const struct pattern kv_8k_pattern = { { { 1, KV_NDR_GFP, 0, 1 } }, 1, "t.contiguous" };
/* Refused contiguous try -> __vmalloc_node_range(): 16 order-0 GFP_KERNEL pages + 1 page table. */
static const struct pattern kv_vmalloc_pattern = {
	{ { 4, KV_NDR_GFP, 1, 1 }, { 0, K_GFP_KERNEL, 0, 16 }, { 0, K_GFP_KERNEL, 0, 1 } }, 3, "kvmalloc_fallback",
};
/* 4 MiB: contiguous order 10 refused; huge vmap backs it with two order-9 pages. */
static const struct pattern kv_huge_pattern = {
	{ { 10, KV_NDR_GFP, 1, 1 }, { 9, GFP_ANY, 0, 2 }, { 0, K_GFP_KERNEL, 0, 2 } }, 3, "kvmalloc_fallback",
};

static void no_vmalloc_fallback(void)
{
	CHECK(counter("t.calls") > 0);
	CHECK_EQ(counter("t.contiguous"), counter("t.calls"));
	CHECK_EQ(counter("kvmalloc_fallback"), 0);
}

static void vmalloc_counters(void)
{
	double calls = counter("t.calls");
	const struct pattern *p = g_case->data;
	unsigned pages = p == &kv_vmalloc_pattern ? 16 : 1024;
	CHECK(calls > 0);
	CHECK_EQ(counter("kvmalloc_fallback"), calls);
	CHECK_EQ(counter("t.vmalloc"), calls);
	CHECK_EQ(counter("t.contiguous"), 0);
	CHECK_EQ(counter("t.vmalloc_pages"), pages * calls);
	CHECK_EQ(counter("t.vmalloc_pgtables"), (pages / 512 ? pages / 512 : 1) * calls);
}

static const struct tap_test kv_contig_tests[] = {
	TAP(requests_follow_pattern),
	TAP(no_vmalloc_fallback),
};

static const struct tap_test kv_vmalloc_tests[] = {
	TAP(requests_follow_pattern),
	TAP(vmalloc_counters),
};

/* Every order >= 9 refused. __vmalloc_node_range(): when a huge page of
 * the area cannot be had, vm_area_alloc_pages() stops, the area fails and
 * `fail:` retries the whole area with shift = PAGE_SHIFT: one order-9
 * attempt, then 1024 order-0 pages (and the 2 page tables). */
static const struct pattern kv_huge_fb_kernel = {
	{ { 10, KV_NDR_GFP, 1, 1 }, { 9, GFP_ANY, 1, 1 }, { 0, K_GFP_KERNEL, 0, 1024 }, { 0, K_GFP_KERNEL, 0, 2 } },
	4,
	"t.calls",
};

static void vmalloc_huge_fallback_whole_area(void)
{
	long reps = match_repeating(kv_huge_fb_kernel.s, kv_huge_fb_kernel.n, "huge vmap fallback");
	CHECK(reps > 0);
	CHECK_EQ(reps, counter("t.calls"));
}

/* The huge pages of a vmalloc area: vm_area_alloc_pages(gfp_mask | __GFP_NOWARN)
 * with kvmalloc()'s GFP_KERNEL; no __GFP_NORETRY, and no __GFP_COMP
 * (split_page(): the pages are mapped as independent small pages). */
static void vmalloc_huge_gfp(void)
{
	const struct req *bad = NULL;
	unsigned n9 = 0;
	for (size_t i = 0; i < nr_reqs; i++)
		if (reqs[i].order == 9) {
			n9++;
			if (reqs[i].gfp != (K_GFP_KERNEL | __GFP_NOWARN) && !bad)
				bad = &reqs[i];
		}
	CHECK(n9 > 0);
	if (bad)
		CHECK_GFP(bad->gfp, K_GFP_KERNEL | __GFP_NOWARN);
}

static void vmalloc_huge_fb_counters(void)
{
	double calls = counter("t.calls");
	CHECK(calls > 0);
	CHECK_EQ(counter("kvmalloc_fallback"), calls);
	CHECK_EQ(counter("t.vmalloc"), calls);
	CHECK_EQ(counter("t.vmalloc_pages"), 1024 * calls);
	CHECK_EQ(counter("t.failures"), 0);
}

static const struct tap_test kv_huge_fb_tests[] = {
	TAP(vmalloc_huge_fb_counters),
	TAP(vmalloc_huge_fallback_whole_area),
	TAP(vmalloc_huge_gfp),
};

static const char kv_demand_yaml[] =
	"duration: 100ms\nseed: 5\nsample_period: 100ms\n"
	"machine: {memory: 1G, nodes: 1, cpus: 4, layout: flat}\n"
	DEMAND_ENGINE
	"x-t: &t {type: kvmalloc, interval: exp(1ms), lifetime: exp(3ms), stop: 50ms}\n"
	"workloads: {t0: {<<: *t, cpus: 0}, t1: {<<: *t, cpus: 1}}\n";

/* ---------------------------------------------------------------------- */
/* netbuf                                                                 */
/* ---------------------------------------------------------------------- */

static const char net_yaml[] =
	"duration: 20ms\nseed: 3\nsample_period: 20ms\n"
	"machine: {memory: 1G, nodes: 1, cpus: 4, layout: flat}\n"
	"workloads:\n"
	"  n: {type: netbuf, cpus: 0, interval: fixed(100us), size: fixed(1500), lifetime: fixed(1ms)}\n";

static const struct pattern net_pattern = { { { 3, NET_FRAG_GFP, 0, 1 } }, 1, NULL };
/* Order 3 refused -> one order-0 page with the caller's GFP_ATOMIC. */
static const struct pattern net_fb_pattern = {
	{ { 3, NET_FRAG_GFP, 1, 1 }, { 0, K_GFP_ATOMIC, 0, 1 } }, 2, "n.frag_fallback",
};

/* A fragment page is refilled when the next packet does not fit: 21
 * packets of 1500 B per 32 KiB page, 2 per 4 KiB page. */
static void skb_page_frag_refill_size(void)
{
	double packets = counter("n.packets");
	unsigned per = g_case->data == &net_fb_pattern ? 2 : 21;
	CHECK(packets > 0);
	CHECK_EQ(nr_reqs, per == 2 ? 2 * (((uint64_t)packets + 1) / 2) : ((uint64_t)packets + 20) / 21);
	CHECK_EQ(counter("n.dropped_packets"), 0);
	if (per == 21)
		CHECK_EQ(counter("n.frag_fallback"), 0);
}

static const struct tap_test net_tests[] = {
	TAP(requests_follow_pattern),
	TAP(skb_page_frag_refill_size),
};

static const char net_demand_yaml[] =
	"duration: 50ms\nseed: 5\nsample_period: 50ms\n"
	"machine: {memory: 1G, nodes: 1, cpus: 4, layout: flat}\n"
	DEMAND_ENGINE
	"x-n: &n {type: netbuf, stop: 25ms}\n"
	"workloads: {n0: {<<: *n, cpus: 0}, n1: {<<: *n, cpus: 1}}\n";

/* ---------------------------------------------------------------------- */
/* pinned                                                                 */
/* ---------------------------------------------------------------------- */

#define PIN_YAML(initial)                                                                                 \
	"duration: 30ms\nseed: 3\nsample_period: 30ms\n"                                                  \
	"machine: {memory: 1G, nodes: 1, cpus: 4, layout: flat}\n"                                        \
	"workloads:\n"                                                                                    \
	"  p: {type: pinned, cpus: 0, size: fixed(64K), interval: fixed(5ms), lifetime: fixed(8ms), initial: " initial "}\n"

#define PIN_GFP (K_GFP_USER | __GFP_MOVABLE | __GFP_ZERO)
static const struct pattern pin_pattern = { { { 0, PIN_GFP, 0, 1 } }, 1, "p.pinned_pages" };

/* GFP_USER | __GFP_MOVABLE: MOVABLE pageblocks of the zones below ZONE_MOVABLE. */
static void pinned_pages_zone(void)
{
	CHECK_EQ(gfp_zone(PIN_GFP), ZONE_NORMAL);
	CHECK_EQ(gfp_migratetype(PIN_GFP, false), MIGRATE_MOVABLE);
	CHECK(counter("p.regions") > 0);
	CHECK_EQ(counter("p.pinned_pages"), 16 * counter("p.regions"));
	CHECK_EQ(counter("p.pin_failures"), 0);
}

/* The 5th page onward refused: the first registration fails after 4 pages,
 * every later one at its first page; nothing stays pinned. */
static void registration_fails_whole(void)
{
	double fails = counter("p.pin_failures");
	CHECK(fails >= 2);
	CHECK_EQ(counter("p.regions"), 0);
	CHECK_EQ(nr_reqs, 4 + fails);
	for (size_t i = 0; i < nr_reqs; i++)
		if (reqs[i].gfp != PIN_GFP || reqs[i].order) {
			CHECK_GFP(reqs[i].gfp, PIN_GFP);
			break;
		}
}

static const struct tap_test pin_tests[] = {
	TAP(requests_follow_pattern),
	TAP(pinned_pages_zone),
};

static const struct tap_test pin_fail_tests[] = {
	TAP(registration_fails_whole),
};

static const char pin_demand_yaml[] =
	"duration: 100ms\nseed: 5\nsample_period: 100ms\n"
	"machine: {memory: 1G, nodes: 1, cpus: 4, layout: flat}\n"
	DEMAND_ENGINE
	"x-p: &p {type: pinned, size: \"lognormal(256K, 1)\", interval: exp(5ms), lifetime: exp(10ms), initial: 0,\n"
	"         stop: 50ms}\n"
	"workloads: {p0: {<<: *p, cpus: 0}, p1: {<<: *p, cpus: 1}}\n";

/* ---------------------------------------------------------------------- */
/* btrfs                                                                  */
/* ---------------------------------------------------------------------- */

#define BTRFS_YAML(extra)                                                                         \
	"duration: 20ms\nseed: 3\nsample_period: 20ms\n"                                          \
	"machine: {memory: 1G, nodes: 1, cpus: 4, layout: flat}\n"                                \
	"workloads:\n"                                                                            \
	"  b: {type: btrfs, cpus: 0, nodesize: 16384, interval: fixed(1ms), lifetime: fixed(4ms)" extra "}\n"

/* The large-folio extent buffer try: GFP_NOFS | __GFP_NORETRY | __GFP_NOWARN (| __GFP_COMP). */
#define BTRFS_FOLIO_GFP (K_GFP_NOFS | __GFP_NORETRY | __GFP_NOWARN | __GFP_COMP)
static const struct pattern btrfs_folio_pattern = { { { 2, BTRFS_FOLIO_GFP, 0, 1 } }, 1, "b.extent_buffers" };
static const struct pattern btrfs_movable_pattern = {
	{ { 2, BTRFS_FOLIO_GFP | __GFP_MOVABLE, 0, 1 } }, 1, "b.extent_buffers",
};

static void no_folio_fallback(void)
{
	CHECK(counter("b.extent_buffers") > 0);
	CHECK_EQ(counter("b.folio_fallback"), 0);
	CHECK_EQ(counter("b.failures"), 0);
}

static const struct tap_test btrfs_folio_tests[] = {
	TAP(requests_follow_pattern),
	TAP(no_folio_fallback),
};

/* alloc_eb_folio_array(eb, nofail = true) from alloc_extent_buffer():
 * btrfs_alloc_page_array() uses GFP_NOFS | __GFP_NOFAIL (and the comment
 * of btrfs.c says so). */
#define BTRFS_PAGE_GFP (K_GFP_NOFS | __GFP_NOFAIL)

/* Refused folio -> nodesize / 4 KiB single pages. */
static void folio_then_single_pages(void)
{
	const struct step s[] = { { 2, GFP_ANY, 1, 1 }, { 0, GFP_ANY, 0, 4 } };
	long reps = match_repeating(s, 2, "folio fallback");
	CHECK(reps > 0);
	CHECK_EQ(reps, counter("b.extent_buffers"));
	CHECK_EQ(counter("b.folio_fallback"), reps);
	for (size_t i = 0; i < nr_reqs; i++)
		if (reqs[i].order == 2 && reqs[i].gfp != BTRFS_FOLIO_GFP) {
			CHECK_GFP(reqs[i].gfp, BTRFS_FOLIO_GFP);
			break;
		}
}

static void single_pages_gfp(gfp_t want)
{
	unsigned n0 = 0;
	for (size_t i = 0; i < nr_reqs; i++)
		if (reqs[i].order == 0) {
			n0++;
			if (reqs[i].gfp != want) {
				CHECK_GFP(reqs[i].gfp, want);
				break;
			}
		}
	CHECK(n0 > 0);
}

static void alloc_eb_folio_array_nofail(void)
{
	single_pages_gfp(BTRFS_PAGE_GFP);
}

static void alloc_eb_folio_array_nofail_movable(void)
{
	single_pages_gfp(BTRFS_PAGE_GFP | __GFP_MOVABLE);
}

/* large_folio = false: nodesize / 4 KiB order-0 pages per buffer. */
static void single_pages_count(void)
{
	const struct step s[] = { { 0, GFP_ANY, 0, 4 } };
	long reps = match_repeating(s, 1, "single pages");
	CHECK(reps > 0);
	CHECK_EQ(reps, counter("b.extent_buffers"));
}

static const struct tap_test btrfs_fb_tests[] = {
	TAP(folio_then_single_pages),
	TAP(alloc_eb_folio_array_nofail),
};

static const struct tap_test btrfs_pages_tests[] = {
	TAP(single_pages_count),
	TAP(alloc_eb_folio_array_nofail_movable),
};

static const char btrfs_demand_yaml[] =
	"duration: 100ms\nseed: 5\nsample_period: 100ms\n"
	"machine: {memory: 1G, nodes: 1, cpus: 4, layout: flat}\n"
	DEMAND_ENGINE
	"x-b: &b {type: btrfs, interval: exp(1ms), lifetime: exp(10ms), stop: 50ms}\n"
	"workloads: {b0: {<<: *b, cpus: 0}, b1: {<<: *b, cpus: 1}}\n";

/* ---------------------------------------------------------------------- */
/* pagecache                                                              */
/* ---------------------------------------------------------------------- */

/* New 1100 KiB files (275 pages), max_order 5. */
#define PC_FILE_PAGES 275
static const char pc_yaml[] =
	"duration: 10ms\nseed: 3\nsample_period: 10ms\n"
	"machine: {memory: 1G, nodes: 1, cpus: 4, layout: flat}\n"
	"workloads:\n"
	"  f: {type: pagecache, cpus: 0, interval: fixed(1ms), file_size: fixed(1100K), reread: 0,\n"
	"      lifetime: fixed(1s), max_order: 5}\n";

/* page_cache_ra_order(): at each index the largest order <= max_order that
 * is aligned there and ends inside the file (275 pages: 8 x order 5, then
 * 4, 1, 0), readahead_gfp_mask(); a folio that cannot be had is replaced
 * by an order-0 page at the same index (same mask). */
static void page_cache_ra_order_walk(void)
{
	uint64_t index = 0, files = 0, refused = 0;
	for (size_t i = 0; i < nr_reqs; i++) {
		const struct req *q = &reqs[i];
		unsigned want = 5;
		while (want && ((index & ((1ull << want) - 1)) || index + (1ull << want) > PC_FILE_PAGES))
			want--;
		if (q->gfp != READAHEAD_GFP || q->order != want) {
			printf("# request %zu at index %llu: order %u %s, expected order %u %s\n", i,
			       (unsigned long long)index, q->order, gfps(q->gfp), want, gfps(READAHEAD_GFP));
			CHECK(false);
			return;
		}
		if (q->refused) {
			refused++;
			CHECK(q->order > 0);
			if (i + 1 >= nr_reqs)
				break;
			const struct req *n = &reqs[++i];
			if (n->order != 0 || n->gfp != READAHEAD_GFP || n->refused) {
				printf("# request %zu after refused order %u: order %u %s%s, expected order 0 %s\n", i,
				       q->order, n->order, gfps(n->gfp), n->refused ? " (refused)" : "", gfps(READAHEAD_GFP));
				CHECK(false);
				return;
			}
			index += 1;
		} else {
			index += 1ull << q->order;
		}
		if (index == PC_FILE_PAGES) {
			index = 0;
			files++;
		}
	}
	CHECK(files > 0);
	CHECK_EQ(counter("f.reads"), files + (index ? 1 : 0));
	CHECK_EQ(counter("f.read_pages"), PC_FILE_PAGES * counter("f.reads"));
	CHECK_EQ(counter("f.folio_fallback"), refused);
	CHECK_EQ(counter("f.read_failures"), 0);
}

static const struct tap_test pc_tests[] = {
	TAP(page_cache_ra_order_walk),
};

static const char pc_demand_yaml[] =
	"duration: 50ms\nseed: 5\nsample_period: 50ms\n"
	"machine: {memory: 1G, nodes: 1, cpus: 4, layout: flat}\n"
	DEMAND_ENGINE
	"x-f: &f {type: pagecache, interval: exp(1ms), lifetime: exp(20ms), stop: 25ms}\n"
	"workloads: {f0: {<<: *f, cpus: 0}, f1: {<<: *f, cpus: 1}}\n";

/* Reclaim: two readers fill a 256 MiB machine with page cache, f0 twice as
 * fast as f1. Every file page reclaimed is one of theirs (pgsteal_file =
 * the sum of their reclaimed_pages), and the engine splits each request in
 * proportion to their cache, so f0 gives more. */
static const char pc_reclaim_yaml[] =
	"duration: 2s\nseed: 3\nsample_period: 2s\n"
	"machine: {memory: 256M, nodes: 1, cpus: 4, layout: flat}\n"
	"x-f: &f {type: pagecache, file_size: fixed(256K), reread: 0, lifetime: fixed(100s)}\n"
	"workloads: {f0: {<<: *f, cpus: 0, interval: fixed(500us)}, f1: {<<: *f, cpus: 1, interval: fixed(1ms)}}\n";

static void shrink_lru_split_over_instances(void)
{
	double f0 = counter("f0.reclaimed_pages"), f1 = counter("f1.reclaimed_pages");
	CHECK(metric("pgsteal_kswapd") > 0);
	CHECK_EQ(f0 + f1, metric("pgsteal_file"));
	CHECK(f1 > 0);
	CHECK(f0 > 1.5 * f1);
	CHECK_EQ(metric("oom_kill"), 0);
}

static const struct tap_test pc_reclaim_tests[] = {
	TAP(shrink_lru_split_over_instances),
};

/* ---------------------------------------------------------------------- */
/* hugetlb                                                                */
/* ---------------------------------------------------------------------- */

static const char h2m_yaml[] =
	"duration: 20ms\nseed: 3\nsample_period: 20ms\n"
	"machine: {memory: 1G, nodes: 1, cpus: 4, layout: flat}\n"
	"workloads:\n"
	"  h: {type: hugetlb, cpus: 0, page_size: 2M, pages: 8, first: 0s}\n";

/* alloc_pool_huge_folio() -> alloc_buddy_hugetlb_folio(), one page at a
 * time; the 4th is refused and set_max_huge_pages() stops there. */
static void alloc_buddy_hugetlb_folio(void)
{
	const struct step s[] = { { 9, HUGETLB_2M_GFP, 0, 3 }, { 9, HUGETLB_2M_GFP, 1, 1 } };
	size_t pos = 0;
	CHECK(match_steps(s, 2, &pos, "hugetlb 2M"));
	CHECK_EQ(nr_reqs, 4);
	CHECK_EQ(counter("htlb_buddy_alloc_success"), 3);
	CHECK_EQ(counter("htlb_buddy_alloc_fail"), 1);
	CHECK_EQ(counter("h.hugetlb_pool_pages"), 3);
	CHECK_EQ(counter("h.hugetlb_requests"), 1);
}

static void hugetlb_2m_events(void)
{
	const char *want[] = { "ok", "ok", "ok", "fail" };
	unsigned n = 0;
	for (size_t i = 0; i < nr_evs; i++) {
		if (strcmp(evs[i].type, "hugetlb_2m"))
			continue;
		if (n < 4) {
			CHECK_STREQ(evs[i].outcome, want[n]);
			CHECK_EQ(evs[i].order, 9);
		}
		n++;
	}
	CHECK_EQ(n, 4);
}

static const struct tap_test h2m_tests[] = {
	TAP(alloc_buddy_hugetlb_folio),
	TAP(hugetlb_2m_events),
};

/* 5 GiB: 1 GiB windows at 1, 2, 3 (DMA32) and 4 GiB (Normal); one-page
 * reserved holes spoil the 3 and 4 GiB ones. pages: 4 -> two successes,
 * the third attempt fails and the pool stops growing. */
static const char h1g_yaml[] =
	"duration: 1s\nseed: 3\nsample_period: 1s\n"
	"machine: {memory: 5G, nodes: 1, cpus: 2, layout: flat,\n"
	"          holes: [{start: 0xc0000, end: 0xc0001}, {start: 0x100000, end: 0x100001}]}\n"
	"workloads:\n"
	"  h: {type: hugetlb, cpus: 0, page_size: 1G, pages: 4, first: 0s}\n";

static void alloc_gigantic_folio(void)
{
	CHECK_EQ(counter("h.hugetlb_1g_attempts"), 3);
	CHECK_EQ(counter("h.hugetlb_1g_success"), 2);
	CHECK_EQ(counter("wl.hugetlb_1g_attempts"), 3);
	CHECK_EQ(counter("h.hugetlb_pool_pages"), 2);
	/* alloc_contig_pages(), not the buddy allocator */
	CHECK_EQ(nr_reqs, 0);
	CHECK_EQ(counter("htlb_buddy_alloc_success") + counter("htlb_buddy_alloc_fail"), 0);
}

/* The failed attempt's outcome is the reason of the window that got
 * furthest: the 1 GiB windows at 1G and 2G hold the two pages (hugetlb, not
 * a blocker), those at 3G and 4G contain a hole, which has a memmap of
 * PageReserved pages (pfn_range_valid_contig(): "reserved"). */
static void hugetlb_1g_events(void)
{
	const char *want[] = { "ok", "ok", "reserved" };
	unsigned n = 0;
	for (size_t i = 0; i < nr_evs; i++) {
		if (strcmp(evs[i].type, "hugetlb_1g"))
			continue;
		if (n < 3) {
			CHECK_STREQ(evs[i].outcome, want[n]);
			CHECK_EQ(evs[i].order, SPB_ORDER);
			if (!strcmp(want[n], "ok"))
				CHECK_EQ(evs[i].pfn & (SPB_NR_PAGES - 1), 0);
			else
				CHECK_EQ(evs[i].pfn, FRAG_PFN_NONE);
		}
		n++;
	}
	CHECK_EQ(n, 3);
}

static const struct tap_test h1g_tests[] = {
	TAP(alloc_gigantic_folio),
	TAP(hugetlb_1g_events),
};

/* The same machine with network buffers on the requester's CPU. */
static const char h1g_shared_yaml[] =
	"duration: 1s\nseed: 3\nsample_period: 1s\n"
	"machine: {memory: 5G, nodes: 1, cpus: 2, layout: flat,\n"
	"          holes: [{start: 0xc0000, end: 0xc0001}, {start: 0x100000, end: 0x100001}]}\n"
	"workloads:\n"
	"  h: {type: hugetlb, cpus: 0, page_size: 1G, pages: 4, first: 0s}\n"
	"  n: {type: netbuf, cpus: 0, interval: fixed(100us), size: fixed(1500), lifetime: fixed(1ms)}\n";

/* set_max_huge_pages() calls cond_resched() between pages: each page is an
 * event of its own, so the CPU's other work runs after one page's
 * alloc_contig_pages() has ended (its event's time) and before the next
 * one starts (its time minus its latency). */
static void pages_are_separate_events(void)
{
	const struct ev *e[3];
	unsigned n = 0;
	for (size_t i = 0; i < nr_evs && n < 3; i++)
		if (!strcmp(evs[i].type, "hugetlb_1g"))
			e[n++] = &evs[i];
	CHECK_EQ(n, 3);
	if (n < 3)
		return;
	for (unsigned k = 0; k + 1 < n; k++) {
		uint64_t end = e[k]->t, next_start = e[k + 1]->t - (uint64_t)e[k + 1]->value;
		size_t between = 0;
		CHECK(e[k]->value > 0);
		CHECK(next_start >= end);
		for (size_t i = 0; i < nr_reqs; i++)
			between += reqs[i].t >= end && reqs[i].t <= next_start;
		CHECK(between > 0);
	}
	CHECK_EQ(counter("h.hugetlb_1g_success"), 2);
}

static const struct tap_test h1g_shared_tests[] = {
	TAP(pages_are_separate_events),
};

static const char h_demand_yaml[] =
	"duration: 60ms\nseed: 5\nsample_period: 60ms\n"
	"machine: {memory: 1G, nodes: 1, cpus: 4, layout: flat}\n"
	DEMAND_ENGINE
	"workloads:\n"
	"  h: {type: hugetlb, cpus: 0, page_size: 2M, pages: 8, first: 1ms, period: 10ms, hold: 5ms, stop: 40ms}\n";

/* ---------------------------------------------------------------------- */
/* thpburst                                                               */
/* ---------------------------------------------------------------------- */

/* 3 bursts of 4 order-9 folios on CPU 0. */
#define BURST_YAML(madvised)                                                                           \
	"duration: 50ms\nseed: 3\nsample_period: 50ms\n"                                               \
	"machine: {memory: 1G, nodes: 1, cpus: 4, layout: flat}\n"                                     \
	"workloads:\n"                                                                                 \
	"  b: {type: thpburst, cpus: 0, count: 4, period: 20ms, hold: 10ms, madvised: " madvised "}\n"

static const struct pattern burst_madv_pattern = {
	{ { 9, K_GFP_TRANSHUGE_LIGHT | __GFP_DIRECT_RECLAIM | __GFP_ZERO, 0, 1 } }, 1, "b.burst_success",
};
static const struct pattern burst_always_pattern = {
	{ { 9, K_GFP_TRANSHUGE | __GFP_NORETRY | __GFP_ZERO, 0, 1 } }, 1, "b.burst_success",
};
static const struct pattern burst_defer_pattern = {
	{ { 9, K_GFP_TRANSHUGE_LIGHT | __GFP_KSWAPD_RECLAIM | __GFP_ZERO, 0, 1 } }, 1, "b.burst_success",
};
/* THP not allowed (enabled=madvise, no MADV_HUGEPAGE): 512 order-0 pages instead. */
static const struct pattern burst_disallowed_pattern = { { { 0, ANON_PAGE_GFP, 0, 512 } }, 1, NULL };
/* Refused: thp_fault_fallback, then 512 order-0 pages. */
static const struct pattern burst_fb_pattern = {
	{ { 9, K_GFP_TRANSHUGE_LIGHT | __GFP_DIRECT_RECLAIM | __GFP_ZERO, 1, 1 }, { 0, ANON_PAGE_GFP, 0, 512 } },
	2,
	"b.burst_fail",
};

static void burst_counters(void)
{
	const struct pattern *p = g_case->data;
	double n = 12;   /* 3 bursts x 4 */
	bool disallowed = p == &burst_disallowed_pattern, fb = p == &burst_fb_pattern;
	CHECK_EQ(counter("thp_fault_alloc"), disallowed || fb ? 0 : n);
	CHECK_EQ(counter("thp_fault_fallback"), fb ? n : 0);
	CHECK_EQ(counter("b.burst_success"), disallowed || fb ? 0 : n);
	CHECK_EQ(counter("b.burst_fail"), fb ? n : 0);
	if (disallowed)
		CHECK_EQ(nr_reqs, 512 * n);
}

static const struct tap_test burst_tests[] = {
	TAP(requests_follow_pattern),
	TAP(burst_counters),
};

static const char burst_demand_yaml[] =
	"duration: 100ms\nseed: 5\nsample_period: 100ms\n"
	"machine: {memory: 1G, nodes: 1, cpus: 4, layout: flat}\n"
	DEMAND_ENGINE
	"thp: {enabled: always, defrag: madvise}\n"
	"x-b: &b {type: thpburst, count: 8, period: 15ms, hold: 10ms, stop: 50ms}\n"
	"workloads: {b0: {<<: *b, cpus: 0}, b1: {<<: *b, cpus: 1}}\n";

/* ---------------------------------------------------------------------- */
/* idle                                                                   */
/* ---------------------------------------------------------------------- */

static const char idle_yaml[] =
	"duration: 100ms\nseed: 3\nsample_period: 100ms\n"
	"machine: {memory: 1G, nodes: 1, cpus: 4, layout: flat}\n"
	"workloads:\n"
	"  i: {type: idle, cpus: all}\n";

static void idle_requests_nothing(void)
{
	CHECK_EQ(nr_reqs, 0);
	CHECK_EQ(nr_evs, 0);
	CHECK_EQ(counter("sim_allocs"), 0);
	CHECK_EQ(counter("sim_frees"), 0);
}

static const struct tap_test idle_tests[] = {
	TAP(idle_requests_nothing),
};

/* ---------------------------------------------------------------------- */
/* The case table                                                         */
/* ---------------------------------------------------------------------- */

#define TESTS(t) .tests = t, .nr_tests = TAP_COUNT(t)
#define ANON_MATRIX(en, df, dfname) \
	{ "anon", en "-" dfname, anon_matrix_yaml, { "thp.enabled=" en, "thp.defrag=" df }, NULL, TESTS(anon_matrix_tests) }

static const struct wcase cases[] = {
	/* anon: vma_thp_gfp_mask() per (enabled, defrag, madvised) */
	ANON_MATRIX("always", "always", "always"),
	ANON_MATRIX("always", "defer", "defer"),
	ANON_MATRIX("always", "defer+madvise", "defer_madvise"),
	ANON_MATRIX("always", "madvise", "madvise"),
	ANON_MATRIX("always", "never", "never"),
	ANON_MATRIX("madvise", "always", "always"),
	ANON_MATRIX("madvise", "defer", "defer"),
	ANON_MATRIX("madvise", "madvise", "madvise"),
	ANON_MATRIX("never", "always", "always"),
	ANON_MATRIX("never", "defer", "defer"),
	ANON_MATRIX("never", "madvise", "madvise"),
	{ "anon", "sequence", anon_seq_yaml, { NULL }, refuse_2nd_o9, TESTS(anon_seq_tests) },
	{ "anon", "mthp", anon_mthp_yaml, { NULL }, refuse_o9, TESTS(anon_mthp_tests) },
	{ "anon", "local-try", anon_local_try_yaml, { NULL }, refuse_noretry, TESTS(anon_local_try_tests) },
	{ "anon", "mthp-refused", anon_mthp_refused_yaml, { NULL }, refuse_ge3, TESTS(anon_mthp_refused_tests) },
	{ "anon", "oom", anon_oom_yaml, { NULL }, refuse_user_page, TESTS(anon_oom_tests) },
	{ "anon", "swap", anon_swap_yaml, { NULL }, NULL, TESTS(anon_swap_tests), .pressure = true },
	{ "anon", "demand", anon_demand_yaml, { NULL }, NULL, .refuse_b = refuse_ge1,
	  .demand = { "a0.processes+a1.processes", "a0.dropped_arrivals+a1.dropped_arrivals" } },

	/* slab */
	{ "slab", "orders-4cpu", slab_4cpu_yaml, { NULL }, NULL, TESTS(slab_orders_tests), &slab_4cpu_table },
	{ "slab", "orders-64cpu", slab_64cpu_yaml, { NULL }, NULL, TESTS(slab_orders_tests), &slab_64cpu_table },
	{ "slab", "order-machine-cpus", slab_cpu0_yaml, { NULL }, NULL, TESTS(slab_cpu0_tests), &slab_cpu0_table },
	{ "slab", "order-fallback", slab_fb_yaml, { NULL }, refuse_noretry, TESTS(slab_fb_tests), &slab_fb_pattern },
	{ "slab", "reclaimable", slab_rcl_yaml, { NULL }, refuse_noretry, TESTS(slab_rcl_tests), &slab_rcl_pattern },
	{ "slab", "order-fallback-min", slab_same_yaml, { NULL }, refuse_noretry, TESTS(slab_same_tests),
	  &slab_same_pattern },
	{ "slab", "stop-every-cpu", slab_stop_yaml, { NULL }, NULL, TESTS(slab_stop_tests) },
	{ "slab", "discard-slab", slab_free_yaml, { NULL }, NULL, TESTS(slab_free_tests) },
	{ "slab", "shrinker", slab_shrink_yaml, { NULL }, NULL, TESTS(slab_shrink_tests), .pressure = true },
	{ "slab", "demand", slab_demand_yaml, { NULL }, NULL, .refuse_b = refuse_all,
	  .demand = { "s0.objects+s0.object_failures+s1.objects+s1.object_failures" } },

	/* kvmalloc */
	{ "kvmalloc", "no-direct-reclaim", KV_YAML("64K", "no_direct_reclaim", "1ms"), { NULL }, NULL,
	  TESTS(kv_contig_tests), &kv_ndr_pattern },
	{ "kvmalloc", "noretry", KV_YAML("64K", "noretry", "1ms"), { NULL }, NULL, TESTS(kv_contig_tests),
	  &kv_noretry_pattern },
	{ "kvmalloc", "kmalloc-8k", KV_YAML("6K", "no_direct_reclaim", "1ms"), { NULL }, NULL, TESTS(kv_contig_tests),
	  &kv_8k_pattern },
	{ "kvmalloc", "vmalloc", KV_YAML("64K", "no_direct_reclaim", "1ms"), { NULL }, refuse_ge1,
	  TESTS(kv_vmalloc_tests), &kv_vmalloc_pattern },
	{ "kvmalloc", "huge-vmap", KV_YAML("4M", "no_direct_reclaim", "5ms"), { NULL }, refuse_o10,
	  TESTS(kv_vmalloc_tests), &kv_huge_pattern },
	{ "kvmalloc", "huge-vmap-fallback", KV_YAML("4M", "no_direct_reclaim", "5ms"), { NULL }, refuse_ge9,
	  TESTS(kv_huge_fb_tests) },
	{ "kvmalloc", "demand", kv_demand_yaml, { NULL }, NULL, .refuse_b = refuse_ge1, .demand = { "t0.calls+t1.calls" } },

	/* netbuf */
	{ "netbuf", "order3", net_yaml, { NULL }, NULL, TESTS(net_tests), &net_pattern },
	{ "netbuf", "fallback", net_yaml, { NULL }, refuse_o3, TESTS(net_tests), &net_fb_pattern },
	{ "netbuf", "demand", net_demand_yaml, { NULL }, NULL, .refuse_b = refuse_all,
	  .demand = { "n0.packets+n0.dropped_packets+n1.packets+n1.dropped_packets" } },

	/* pinned */
	{ "pinned", "gfp", PIN_YAML("1"), { NULL }, NULL, TESTS(pin_tests), &pin_pattern },
	{ "pinned", "fail", PIN_YAML("0"), { NULL }, refuse_5th_on_o0, TESTS(pin_fail_tests) },
	/* The same with the first registration in start() (pin_start()): a
	 * failing allocation there enters the slowpath before the engine has
	 * created the kswapd/kcompactd semaphores. */
	{ "pinned", "initial-fail", PIN_YAML("1"), { NULL }, refuse_5th_on_o0, TESTS(pin_fail_tests) },
	{ "pinned", "demand", pin_demand_yaml, { NULL }, NULL, .refuse_b = refuse_all,
	  .demand = { "p0.regions+p0.pin_failures+p1.regions+p1.pin_failures" } },

	/* btrfs */
	{ "btrfs", "folio", BTRFS_YAML(""), { NULL }, NULL, TESTS(btrfs_folio_tests), &btrfs_folio_pattern },
	{ "btrfs", "movable", BTRFS_YAML(", movable: true"), { NULL }, NULL, TESTS(btrfs_folio_tests),
	  &btrfs_movable_pattern },
	{ "btrfs", "folio-fallback", BTRFS_YAML(""), { NULL }, refuse_ge1, TESTS(btrfs_fb_tests) },
	{ "btrfs", "pages", BTRFS_YAML(", movable: true, large_folio: false"), { NULL }, NULL,
	  TESTS(btrfs_pages_tests) },
	{ "btrfs", "demand", btrfs_demand_yaml, { NULL }, NULL, .refuse_b = refuse_all,
	  .demand = { "b0.extent_buffers+b0.failures+b1.extent_buffers+b1.failures" } },

	/* pagecache */
	{ "pagecache", "orders", pc_yaml, { NULL }, NULL, TESTS(pc_tests) },
	{ "pagecache", "fallback", pc_yaml, { NULL }, refuse_ge3, TESTS(pc_tests) },
	{ "pagecache", "reclaim", pc_reclaim_yaml, { NULL }, NULL, TESTS(pc_reclaim_tests), .pressure = true },
	{ "pagecache", "demand", pc_demand_yaml, { NULL }, NULL, .refuse_b = refuse_all, .demand = { "f0.reads+f1.reads" } },

	/* hugetlb */
	{ "hugetlb", "2m", h2m_yaml, { NULL }, refuse_4th_on_o9, TESTS(h2m_tests) },
	{ "hugetlb", "1g", h1g_yaml, { NULL }, NULL, TESTS(h1g_tests) },
	{ "hugetlb", "1g-shared", h1g_shared_yaml, { NULL }, NULL, TESTS(h1g_shared_tests) },
	{ "hugetlb", "demand", h_demand_yaml, { NULL }, NULL, .refuse_b = refuse_o9,
	  .demand = { "h.hugetlb_requests" } },

	/* thpburst */
	{ "thpburst", "madvised", BURST_YAML("true"), { "thp.enabled=madvise", "thp.defrag=madvise" }, NULL,
	  TESTS(burst_tests), &burst_madv_pattern },
	{ "thpburst", "always-unmadvised", BURST_YAML("false"), { "thp.enabled=always", "thp.defrag=always" }, NULL,
	  TESTS(burst_tests), &burst_always_pattern },
	{ "thpburst", "defer", BURST_YAML("true"), { "thp.enabled=always", "thp.defrag=defer" }, NULL,
	  TESTS(burst_tests), &burst_defer_pattern },
	{ "thpburst", "disallowed", BURST_YAML("false"), { "thp.enabled=madvise", "thp.defrag=madvise" }, NULL,
	  TESTS(burst_tests), &burst_disallowed_pattern },
	{ "thpburst", "fallback", BURST_YAML("true"), { "thp.enabled=always", "thp.defrag=madvise" }, refuse_o9,
	  TESTS(burst_tests), &burst_fb_pattern },
	{ "thpburst", "demand", burst_demand_yaml, { NULL }, NULL, .refuse_b = refuse_o9,
	  .demand = { "b0.burst_success+b0.burst_fail+b1.burst_success+b1.burst_fail" } },

	/* idle */
	{ "idle", "none", idle_yaml, { NULL }, NULL, TESTS(idle_tests) },
};

/* ---------------------------------------------------------------------- */
/* Demand cases: two runs in two processes                                */
/* ---------------------------------------------------------------------- */

struct demand_out {
	int ok;
	double v[4];           /* the case's demand counters */
	double refused;        /* requests refused */
	double requests;
};

static struct demand_out demand_a, demand_b;

static bool run_child(const struct wcase *c, refuse_fn refuse, struct demand_out *out)
{
	int p[2];
	if (pipe(p))
		return false;
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0) {
		struct demand_out o = { 0 };
		close(p[0]);
		o.ok = run(c, refuse);
		if (o.ok) {
			for (unsigned k = 0; k < 4 && c->demand[k]; k++)
				o.v[k] = counter(c->demand[k]);
			for (size_t i = 0; i < nr_reqs; i++)
				o.refused += reqs[i].refused;
			o.requests = (double)nr_reqs;
		}
		fflush(stdout);
		_exit(write(p[1], &o, sizeof o) == (ssize_t)sizeof o ? 0 : 1);
	}
	close(p[1]);
	ssize_t n = read(p[0], out, sizeof *out);
	close(p[0]);
	int status;
	waitpid(pid, &status, 0);
	return n == (ssize_t)sizeof *out && out->ok && WIFEXITED(status) && !WEXITSTATUS(status);
}

/* The same scenario with no refusal and with the case's refusal pattern:
 * the workload's events of each kind are the same. */
static void demand_stream_independent_of_outcomes(void)
{
	const struct wcase *c = g_case;
	CHECK_EQ(demand_a.refused, 0);
	CHECK(demand_b.refused > 0);
	for (unsigned k = 0; k < 4 && c->demand[k]; k++) {
		printf("# %s: %.0f without refusals, %.0f with %.0f of %.0f requests refused\n", c->demand[k],
		       demand_a.v[k], demand_b.v[k], demand_b.refused, demand_b.requests);
		CHECK_EQ(demand_a.v[k], demand_b.v[k]);
	}
	CHECK(demand_a.v[0] > 0);
}

static const struct tap_test demand_tests[] = {
	TAP(demand_stream_independent_of_outcomes),
};

/* ---------------------------------------------------------------------- */

static int usage(void)
{
	printf("usage: test_workloads WORKLOAD CASE   (test_workloads --list: every pair)\n");
	return 2;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "--list")) {
		for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
			printf("%s %s\n", cases[i].wl, cases[i].name);
		return 0;
	}
	if (argc != 3)
		return usage();
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		if (!strcmp(cases[i].wl, argv[1]) && !strcmp(cases[i].name, argv[2]))
			g_case = &cases[i];
	if (!g_case) {
		printf("Bail out! no case %s/%s\n", argv[1], argv[2]);
		return 2;
	}
	if (!frag_workload_find(g_case->wl)) {
		printf("Bail out! no workload type %s\n", g_case->wl);
		return 2;
	}

	if (g_case->refuse_b) {
		bool ok = run_child(g_case, NULL, &demand_a) && run_child(g_case, g_case->refuse_b, &demand_b);
		if (!ok) {
			printf("Bail out! a demand run failed\n");
			return 1;
		}
		return tap_main(demand_tests, TAP_COUNT(demand_tests));
	}

	if (!run(g_case, g_case->refuse)) {
		printf("Bail out! %s/%s did not run\n", g_case->wl, g_case->name);
		return 1;
	}
	printf("# %s/%s: %zu requests recorded, %zu events\n", g_case->wl, g_case->name, nr_reqs, nr_evs);
	if (getenv("WLT_DUMP"))   /* every request, for debugging a case */
		for (size_t i = 0; i < nr_reqs; i++)
			printf("# %6zu t=%llu order %u %s%s\n", i, (unsigned long long)reqs[i].t, reqs[i].order,
			       gfps(reqs[i].gfp), reqs[i].refused ? " (refused)" : "");
	if (getenv("WLT_DUMP"))
		for (unsigned i = 0; i < res.nr_metrics; i++)
			if (strchr(res.metrics[i].name, '.') || !strncmp(res.metrics[i].name, "sim_", 4))
				printf("# %s = %g\n", res.metrics[i].name, res.metrics[i].value);

	/* The case's tests, then the harness check. */
	struct tap_test *t = calloc((size_t)g_case->nr_tests + 1, sizeof(*t));
	memcpy(t, g_case->tests, (size_t)g_case->nr_tests * sizeof(*t));
	t[g_case->nr_tests] = (struct tap_test)TAP(refused_requests_failed);
	int rc = tap_main(t, g_case->nr_tests + 1);
	free(t);
	frag_sim_result_free(&res);
	frag_scenario_free(sc);
	free(reqs);
	free(evs);
	return rc;
}
