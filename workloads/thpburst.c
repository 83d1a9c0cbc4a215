/* SPDX-License-Identifier: MIT */
/*
 * thpburst.c - periodic bursts of huge page (order-9) allocations, as the
 * reliable-huge-page benchmarks issue them (e.g. mmtests thpscale, a VM or
 * a JIT mapping a large region with MADV_HUGEPAGE at once).
 *
 * Every `period`, each CPU of the instance allocates `count` order-9 folios
 * with vma_thp_gfp_mask() for a madvised (or not, per `madvised`) VMA under
 * the scenario's thp settings, holds them for `hold`, then frees them. A
 * failed huge page falls back to 512 order-0 pages when `fallback` is set
 * (what a THP fault does), so memory pressure stays the same.
 * Counters: thp_fault_alloc / thp_fault_fallback (vmstat) and
 * burst_success / burst_fail per instance.
 */
#include "wl_util.h"

struct burst_opts {
	uint64_t period;      /* ns between bursts */
	unsigned count;       /* huge pages per burst and CPU */
	uint64_t hold;        /* ns the pages are held */
	bool madvised;        /* the VMA has MADV_HUGEPAGE */
	bool fallback;        /* on failure, take 512 order-0 pages instead */
};

static const struct frag_param burst_params[] = {
	FRAG_PARAM("period", PARAM_DURATION, struct burst_opts, period, 10, 0.000001, 1e9, "s", "time between bursts"),
	FRAG_PARAM("count", PARAM_U32, struct burst_opts, count, 64, 1, 1 << 20, "pages",
		   "2 MiB pages allocated per burst on each CPU"),
	FRAG_PARAM("hold", PARAM_DURATION, struct burst_opts, hold, 5, 0.000001, 1e9, "s", "how long a burst is held"),
	FRAG_PARAM("madvised", PARAM_BOOL, struct burst_opts, madvised, 1, 0, 1, "",
		   "the memory is madvise(MADV_HUGEPAGE)d (decides the gfp under defrag=madvise)"),
	FRAG_PARAM("fallback", PARAM_BOOL, struct burst_opts, fallback, 1, 0, 1, "",
		   "a failed huge page is replaced by 512 order-0 pages (a THP fault's fallback)"),
	FRAG_PARAM_END,
};

enum { T_BURST, T_RELEASE };

struct burst_cpu {
	struct wl_timers timers;
	uint32_t *held;       /* cookies held by the current burst */
	uint32_t nr_held, cap;
};

struct burst_priv {
	struct wl_blocks blocks;
};

static int burst_init(struct frag_wl *wl)
{
	const struct burst_opts *o = frag_wl_opts(wl);
	struct burst_priv *p = frag_wl_priv(wl);
	wl_blocks_init(&p->blocks);
	wl_blocks_owner_table(&p->blocks, wl);
	uint64_t pages = (uint64_t)o->count * 512 * frag_wl_nr_slots(wl);
	if (pages > frag_wl_managed_pages(wl))
		return frag_wl_error(wl, "count = %u 2 MiB pages on %u CPUs is %.1f GiB, more than the machine's %.1f GiB",
				     o->count, frag_wl_nr_slots(wl), (double)pages / 262144,
				     (double)frag_wl_managed_pages(wl) / 262144);
	return 0;
}

static void hold(struct burst_cpu *c, uint32_t cookie)
{
	if (c->nr_held == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 512;
		c->held = realloc(c->held, c->cap * sizeof(uint32_t));
	}
	c->held[c->nr_held++] = cookie;
}

static bool take(struct frag_wl *wl, unsigned slot, unsigned order, gfp_t gfp, uint8_t flags)
{
	struct burst_priv *p = frag_wl_priv(wl);
	uint32_t cookie = wl_blocks_get(&p->blocks);
	uint64_t pfn = frag_wl_alloc(wl, slot, order, gfp, cookie, KIND_ANON, flags);
	if (pfn == FRAG_PFN_NONE) {
		wl_blocks_unget(&p->blocks, cookie);
		return false;
	}
	wl_blocks_set(&p->blocks, cookie, pfn, order, slot, 0, 0);
	hold(frag_wl_cpu_priv(wl, slot), cookie);
	return true;
}

static void release(struct frag_wl *wl, unsigned slot)
{
	struct burst_priv *p = frag_wl_priv(wl);
	struct burst_cpu *c = frag_wl_cpu_priv(wl, slot);
	for (uint32_t i = 0; i < c->nr_held; i++)
		wl_blocks_release(&p->blocks, wl, slot, c->held[i]);
	c->nr_held = 0;
}

static void burst(struct frag_wl *wl, unsigned slot)
{
	const struct burst_opts *o = frag_wl_opts(wl);
	const struct frag_thp_settings *thp = frag_wl_thp(wl);
	gfp_t gfp = wl_thp_gfp(thp, o->madvised) | __GFP_ZERO;
	bool allowed = wl_thp_allowed(thp, o->madvised);

	gfp_t tries[2];
	unsigned nr_tries = wl_thp_pmd_tries(thp, gfp, tries);   /* alloc_pages_mpol() */

	for (unsigned i = 0; i < o->count; i++) {
		bool got = false;
		for (unsigned k = 0; allowed && k < nr_tries && !got; k++)
			got = take(wl, slot, HPAGE_PMD_ORDER, tries[k], OWNER_LRU | OWNER_COMPOUND);
		if (got) {
			frag_wl_vm_event(wl, FRAG_STAT_thp_fault_alloc, 1);
			frag_wl_count(wl, "burst_success", 1);
			continue;
		}
		if (allowed) {
			frag_wl_vm_event(wl, FRAG_STAT_thp_fault_fallback, 1);
			frag_wl_count(wl, "burst_fail", 1);
		}
		if (!o->fallback)
			continue;
		for (unsigned k = 0; k < 512; k++)
			if (!take(wl, slot, 0, GFP_HIGHUSER_MOVABLE | __GFP_ZERO, OWNER_LRU)) {
				frag_wl_count(wl, "fallback_failures", 1);
				break;
			}
	}
}

static uint64_t burst_start(struct frag_wl *wl, unsigned slot, uint64_t now)
{
	struct burst_cpu *c = frag_wl_cpu_priv(wl, slot);
	wl_timers_push(&c->timers, now, T_BURST, 0);
	return now;
}

static uint64_t burst_step(struct frag_wl *wl, unsigned slot, uint64_t now, uint64_t until)
{
	(void)now;   /* every timer due by @until is handled, the one due at @now first */
	const struct burst_opts *o = frag_wl_opts(wl);
	struct burst_cpu *c = frag_wl_cpu_priv(wl, slot);

	while (wl_timers_due(&c->timers, until) && !frag_wl_stopped(wl)) {
		struct wl_timer t = wl_timers_take(wl, slot, &c->timers);
		if (t.kind == T_RELEASE) {
			release(wl, slot);
			continue;
		}
		release(wl, slot);   /* a burst still held when the next one starts */
		burst(wl, slot);
		wl_timers_push(&c->timers, t.t + o->hold, T_RELEASE, 0);
		wl_timers_push(&c->timers, t.t + o->period, T_BURST, 0);
	}
	uint64_t next = wl_timers_next(&c->timers);
	return next <= until ? until + 1 : next;
}

static void burst_stop(struct frag_wl *wl, uint64_t now)
{
	(void)now;
	for (unsigned s = 0; s < frag_wl_nr_slots(wl); s++)
		release(wl, s);
}

static void burst_fini(struct frag_wl *wl)
{
	struct burst_priv *p = frag_wl_priv(wl);
	for (unsigned s = 0; s < frag_wl_nr_slots(wl); s++) {
		struct burst_cpu *c = frag_wl_cpu_priv(wl, s);
		free(c->held);
		wl_timers_free(&c->timers);
	}
	wl_blocks_free(&p->blocks);
}

static void burst_migrated(struct frag_wl *wl, uint32_t cookie, uint64_t old_pfn, uint64_t new_pfn)
{
	struct burst_priv *p = frag_wl_priv(wl);
	wl_blocks_moved(&p->blocks, cookie, old_pfn, new_pfn);
}

const struct frag_workload_ops frag_workload_thpburst = {
	.abi_version = FRAG_WORKLOAD_ABI,
	.name = "thpburst",
	.summary = "periodic bursts of 2 MiB THP allocations per CPU, held then freed",
	.params = burst_params,
	.opts_size = sizeof(struct burst_opts),
	.priv_size = sizeof(struct burst_priv),
	.cpu_priv_size = sizeof(struct burst_cpu),
	.init = burst_init,
	.start = burst_start,
	.step = burst_step,
	.stop = burst_stop,
	.fini = burst_fini,
	.migrated = burst_migrated,
};
