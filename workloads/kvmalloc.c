/* SPDX-License-Identifier: MIT */
/*
 * kvmalloc.c - kvmalloc() callers: a physically contiguous try, then vmalloc.
 *
 * Mirrors __kvmalloc_node_noprof() (mm/slub.c): for size > PAGE_SIZE the
 * kmalloc attempt adds __GFP_NOWARN, drops __GFP_NOFAIL and, depending on the
 * kernel (`variant`), either adds __GFP_NORETRY (older kernels) or clears
 * __GFP_DIRECT_RECLAIM (kmalloc_gfp_adjust() since Hocko's 2025 change:
 * kswapd is woken but there is no direct reclaim or compaction). A request
 * above KMALLOC_MAX_CACHE_SIZE (8 KiB) goes to the page allocator at
 * get_order(size) with __GFP_COMP (__kmalloc_large_node); smaller ones use the
 * kmalloc-8k slab, modelled here as the same order-1 page request. On
 * failure __vmalloc_node_range() backs the area with order-0 pages
 * (GFP_KERNEL, unmovable), or first order-9 pages when huge vmap is allowed
 * and the area is at least 2 MiB, falling back to order 0.
 * Counters: kvmalloc_fallback (fragsim vmstat), contiguous / vmalloc per
 * instance, and the extra pages vmalloc needed (page-table overhead is one
 * order-0 page per 2 MiB of vmalloc area).
 */
#include <math.h>

#include "wl_util.h"

enum { KV_NO_DIRECT_RECLAIM, KV_NORETRY };
static const char *const kv_variants[] = { "no_direct_reclaim", "noretry", NULL };

struct kv_opts {
	struct frag_dist size;         /* bytes per call */
	struct frag_dist interval;     /* ns between calls on a CPU */
	struct frag_dist lifetime;     /* ns until kvfree() */
	int variant;                   /* kmalloc_gfp_adjust() flavour */
	bool huge_vmap;                /* VM_ALLOW_HUGE_VMAP for areas >= 2 MiB */
};

static const struct frag_param kv_params[] = {
	FRAG_PARAM_DIST("size", struct kv_opts, size, "empirical(16K:4, 64K:3, 256K:2, 1M:1)", 4097, 1 << 30, "bytes",
			"bytes per kvmalloc() call (above one page: smaller calls never fall back)"),
	FRAG_PARAM_DIST("interval", struct kv_opts, interval, "exp(10ms)", 1, 1e15, "ns",
			"time between calls on each CPU"),
	FRAG_PARAM_DIST("lifetime", struct kv_opts, lifetime, "exp(2s)", 1, 1e16, "ns", "time until kvfree()"),
	FRAG_PARAM_ENUM("variant", struct kv_opts, variant, KV_NO_DIRECT_RECLAIM, kv_variants,
			"kmalloc attempt: no_direct_reclaim (6.16+) or noretry (older)"),
	FRAG_PARAM("huge_vmap", PARAM_BOOL, struct kv_opts, huge_vmap, 1, 0, 1, "",
		   "vmalloc tries 2 MiB pages first for areas of 2 MiB and more"),
	FRAG_PARAM_END,
};

enum { T_CALL, T_FREE };

struct kv_area {
	uint32_t *cookies;       /* blocks backing the area */
	uint32_t n;
	uint32_t next_free;      /* free list of area slots */
	bool live;
};

struct kv_priv {
	struct wl_blocks blocks;
	struct kv_area *areas;
	uint32_t nr, cap, free_head;
};

struct kv_cpu {
	struct wl_timers timers;
};

static int kv_init(struct frag_wl *wl)
{
	const struct kv_opts *o = frag_wl_opts(wl);
	struct kv_priv *p = frag_wl_priv(wl);
	wl_blocks_init(&p->blocks);
	p->free_head = UINT32_MAX;
	double bytes = frag_dist_mean(&o->lifetime) / frag_dist_mean(&o->interval) * frag_dist_mean(&o->size) *
		       frag_wl_nr_slots(wl);
	double managed = (double)frag_wl_managed_pages(wl) * FRAG_PAGE_SIZE;
	if (!isfinite(bytes) || bytes > managed)
		return frag_wl_error(wl, "expects %.1f GiB live on a machine with %.1f GiB: lower size or lifetime",
				     bytes / (1 << 30), managed / (1 << 30));
	return 0;
}

static uint32_t area_new(struct kv_priv *p)
{
	uint32_t a;
	if (p->free_head != UINT32_MAX) {
		a = p->free_head;
		p->free_head = p->areas[a].next_free;
	} else {
		if (p->nr == p->cap) {
			p->cap = p->cap ? p->cap * 2 : 256;
			p->areas = realloc(p->areas, p->cap * sizeof(*p->areas));
		}
		a = p->nr++;
	}
	p->areas[a] = (struct kv_area){ .live = true };
	return a;
}

static bool area_take(struct frag_wl *wl, unsigned slot, struct kv_area *ar, uint32_t a, unsigned order, gfp_t gfp,
		      uint8_t kind)
{
	struct kv_priv *p = frag_wl_priv(wl);
	uint32_t cookie = wl_blocks_get(&p->blocks);
	uint64_t pfn = frag_wl_alloc(wl, slot, order, gfp, cookie, kind, order ? OWNER_COMPOUND : 0);
	if (pfn == FRAG_PFN_NONE) {
		wl_blocks_unget(&p->blocks, cookie);
		return false;
	}
	wl_blocks_set(&p->blocks, cookie, pfn, order, slot, 0, a);
	ar->cookies = realloc(ar->cookies, (ar->n + 1) * sizeof(uint32_t));
	ar->cookies[ar->n++] = cookie;
	return true;
}

static void area_free(struct frag_wl *wl, unsigned slot, uint32_t a)
{
	struct kv_priv *p = frag_wl_priv(wl);
	struct kv_area *ar = &p->areas[a];
	for (uint32_t i = 0; i < ar->n; i++)
		wl_blocks_release(&p->blocks, wl, slot, ar->cookies[i]);
	free(ar->cookies);
	*ar = (struct kv_area){ .next_free = p->free_head };
	p->free_head = a;
}

/* One kvmalloc(size, GFP_KERNEL). Returns false if even vmalloc failed. */
static bool kvmalloc(struct frag_wl *wl, unsigned slot, uint64_t size, uint32_t a)
{
	const struct kv_opts *o = frag_wl_opts(wl);
	struct kv_priv *p = frag_wl_priv(wl);
	gfp_t gfp = GFP_KERNEL;
	gfp_t kgfp = (gfp | __GFP_NOWARN) & ~__GFP_NOFAIL;
	if (!(gfp & __GFP_RETRY_MAYFAIL))
		kgfp = o->variant == KV_NORETRY ? kgfp | __GFP_NORETRY : kgfp & ~__GFP_DIRECT_RECLAIM;
	unsigned order = wl_get_order(size);

	if (order <= MAX_PAGE_ORDER && area_take(wl, slot, &p->areas[a], a, order, kgfp | __GFP_COMP, KIND_KERNEL)) {
		frag_wl_count(wl, "contiguous", 1);
		return true;
	}
	/* __vmalloc_node_range() */
	frag_wl_vm_event(wl, FRAG_STAT_kvmalloc_fallback, 1);
	uint64_t pages = (size + FRAG_PAGE_SIZE - 1) / FRAG_PAGE_SIZE;
	struct kv_area *ar = &p->areas[a];
	if (o->huge_vmap && pages >= 512) {
		/* Huge pages for the whole area (size rounded up to 2 MiB), split, not compound;
		 * vm_area_alloc_pages() stops at the first failure and `fail:` retries the
		 * whole area with order-0 pages. */
		uint64_t huge = (pages + 511) / 512, k;
		for (k = 0; k < huge; k++)
			if (!area_take(wl, slot, ar, a, HPAGE_PMD_ORDER, gfp | __GFP_NOWARN, KIND_KERNEL))
				break;
		if (k == huge) {
			frag_wl_count(wl, "vmalloc_pages", huge * 512);
			pages = 0;
		} else {
			for (uint32_t i = 0; i < ar->n; i++)
				wl_blocks_release(&p->blocks, wl, slot, ar->cookies[i]);
			ar->n = 0;
		}
	}
	for (uint64_t i = 0; i < pages; i++) {
		if (!area_take(wl, slot, ar, a, 0, gfp, KIND_KERNEL))
			return false;
		frag_wl_count(wl, "vmalloc_pages", 1);
	}
	/* vmalloc page tables: one PTE page per 2 MiB of area (ignoring the shared upper levels). */
	uint64_t ptes = (size + (2u << 20) - 1) >> 21;
	for (uint64_t i = 0; i < ptes; i++)
		if (area_take(wl, slot, &p->areas[a], a, 0, GFP_KERNEL, KIND_PGTABLE))
			frag_wl_count(wl, "vmalloc_pgtables", 1);
	frag_wl_count(wl, "vmalloc", 1);
	return true;
}

static uint64_t kv_start(struct frag_wl *wl, unsigned slot, uint64_t now)
{
	const struct kv_opts *o = frag_wl_opts(wl);
	struct kv_cpu *c = frag_wl_cpu_priv(wl, slot);
	wl_timers_push(&c->timers, now + wl_sample_ns(&o->interval, frag_wl_rng(wl, slot)), T_CALL, 0);
	return wl_timers_next(&c->timers);
}

static uint64_t kv_step(struct frag_wl *wl, unsigned slot, uint64_t now, uint64_t until)
{
	(void)now;   /* every timer due by @until is handled, the one due at @now first */
	const struct kv_opts *o = frag_wl_opts(wl);
	struct kv_priv *p = frag_wl_priv(wl);
	struct kv_cpu *c = frag_wl_cpu_priv(wl, slot);
	struct frag_rng *rng = frag_wl_rng(wl, slot);

	while (wl_timers_due(&c->timers, until) && !frag_wl_stopped(wl)) {
		struct wl_timer t = wl_timers_take(wl, slot, &c->timers);
		if (t.kind == T_FREE) {
			area_free(wl, slot, t.arg);
			continue;
		}
		uint64_t size = wl_sample_u64(&o->size, rng, FRAG_PAGE_SIZE + 1);
		uint64_t life = wl_sample_ns(&o->lifetime, rng);
		uint64_t gap = wl_sample_ns(&o->interval, rng);
		uint32_t a = area_new(p);
		frag_wl_count(wl, "calls", 1);
		if (kvmalloc(wl, slot, size, a))
			wl_timers_push(&c->timers, t.t + life, T_FREE, a);
		else {
			frag_wl_count(wl, "failures", 1);
			area_free(wl, slot, a);
		}
		wl_timers_push(&c->timers, t.t + gap, T_CALL, 0);
	}
	uint64_t next = wl_timers_next(&c->timers);
	return next <= until ? until + 1 : next;
}

static void kv_stop(struct frag_wl *wl, uint64_t now)
{
	struct kv_priv *p = frag_wl_priv(wl);
	(void)now;
	for (uint32_t a = 0; a < p->nr; a++)
		if (p->areas[a].live)
			area_free(wl, 0, a);
	for (unsigned s = 0; s < frag_wl_nr_slots(wl); s++)
		wl_timers_free(&((struct kv_cpu *)frag_wl_cpu_priv(wl, s))->timers);
}

static void kv_fini(struct frag_wl *wl)
{
	struct kv_priv *p = frag_wl_priv(wl);
	for (uint32_t a = 0; a < p->nr; a++)
		free(p->areas[a].cookies);
	free(p->areas);
	for (unsigned s = 0; s < frag_wl_nr_slots(wl); s++)
		wl_timers_free(&((struct kv_cpu *)frag_wl_cpu_priv(wl, s))->timers);
	wl_blocks_free(&p->blocks);
}

const struct frag_workload_ops frag_workload_kvmalloc = {
	.abi_version = FRAG_WORKLOAD_ABI,
	.name = "kvmalloc",
	.summary = "kvmalloc() callers: contiguous try without direct reclaim, then vmalloc order-0 pages",
	.params = kv_params,
	.opts_size = sizeof(struct kv_opts),
	.priv_size = sizeof(struct kv_priv),
	.cpu_priv_size = sizeof(struct kv_cpu),
	.init = kv_init,
	.start = kv_start,
	.step = kv_step,
	.stop = kv_stop,
	.fini = kv_fini,
};
