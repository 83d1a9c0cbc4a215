/* SPDX-License-Identifier: MIT */
/*
 * pinned.c - long-term pinned user memory (RDMA memory regions, vfio DMA
 * maps, io_uring fixed buffers): pin_user_pages(FOLL_LONGTERM).
 *
 * Regions of `size` bytes are registered on each CPU (interval) and stay
 * pinned for `lifetime`. FOLL_LONGTERM first migrates the pages out of
 * ZONE_MOVABLE and CMA (check_and_migrate_movable_pages()), so they end up
 * as ordinary MOVABLE-pageblock LRU pages of the lower zones: allocated here
 * with GFP_USER | __GFP_MOVABLE (no __GFP_HIGHMEM, so gfp_zone() stops below
 * ZONE_MOVABLE), flagged LRU and PINNED: compaction and contiguous
 * allocation find them movable by type but cannot migrate them.
 */
#include <math.h>

#include "wl_util.h"

struct pin_opts {
	struct frag_dist size;       /* bytes per region */
	struct frag_dist interval;   /* ns between registrations on a CPU */
	struct frag_dist lifetime;   /* ns a region stays pinned */
	unsigned initial;            /* regions registered at the start on each CPU */
};

static const struct frag_param pin_params[] = {
	FRAG_PARAM_DIST("size", struct pin_opts, size, "fixed(16M)", 4096, 1e13, "bytes", "bytes per pinned region"),
	FRAG_PARAM_DIST("interval", struct pin_opts, interval, "exp(10s)", 1, 1e16, "ns",
			"time between registrations on each CPU"),
	FRAG_PARAM_DIST("lifetime", struct pin_opts, lifetime, "exp(60s)", 1, 1e16, "ns", "time a region stays pinned"),
	FRAG_PARAM("initial", PARAM_U32, struct pin_opts, initial, 1, 0, 1 << 20, "regions",
		   "regions registered at the start on each CPU"),
	FRAG_PARAM_END,
};

#define PIN_GFP (GFP_USER | __GFP_MOVABLE)

enum { T_REGISTER, T_UNPIN };

struct region {
	uint32_t *cookies;
	uint32_t n;
	bool live;
};

struct pin_cpu {
	struct wl_timers timers;
	struct region *regions;
	uint32_t nr, cap;
};

struct pin_priv {
	struct wl_blocks blocks;
};

static int pin_init(struct frag_wl *wl)
{
	const struct pin_opts *o = frag_wl_opts(wl);
	struct pin_priv *p = frag_wl_priv(wl);
	wl_blocks_init(&p->blocks);
	double n = frag_dist_mean(&o->lifetime) / frag_dist_mean(&o->interval) + o->initial;
	double bytes = n * frag_dist_mean(&o->size) * frag_wl_nr_slots(wl);
	if (!isfinite(bytes) || bytes > (double)frag_wl_managed_pages(wl) * FRAG_PAGE_SIZE)
		return frag_wl_error(wl, "expects %.1f GiB pinned on a machine with %.1f GiB", bytes / (1 << 30),
				     (double)frag_wl_managed_pages(wl) * FRAG_PAGE_SIZE / (1 << 30));
	return 0;
}

static void unpin(struct frag_wl *wl, unsigned slot, uint32_t r)
{
	struct pin_priv *p = frag_wl_priv(wl);
	struct pin_cpu *c = frag_wl_cpu_priv(wl, slot);
	struct region *rg = &c->regions[r];
	for (uint32_t i = 0; i < rg->n; i++)
		wl_blocks_release(&p->blocks, wl, slot, rg->cookies[i]);
	free(rg->cookies);
	*rg = (struct region){ 0 };
}

static void pin_region(struct frag_wl *wl, unsigned slot, uint64_t t, uint64_t size, uint64_t life)
{
	struct pin_priv *p = frag_wl_priv(wl);
	struct pin_cpu *c = frag_wl_cpu_priv(wl, slot);
	uint32_t r = c->nr;
	for (uint32_t i = 0; i < c->nr; i++)
		if (!c->regions[i].live && !c->regions[i].cookies) {
			r = i;
			break;
		}
	if (r == c->nr) {
		if (c->nr == c->cap) {
			c->cap = c->cap ? c->cap * 2 : 16;
			c->regions = realloc(c->regions, c->cap * sizeof(*c->regions));
		}
		c->nr++;
	}
	uint64_t pages = (size + FRAG_PAGE_SIZE - 1) / FRAG_PAGE_SIZE;
	struct region *rg = &c->regions[r];
	*rg = (struct region){ .cookies = malloc(pages * sizeof(uint32_t)), .live = true };
	for (uint64_t i = 0; i < pages; i++) {
		uint32_t cookie = wl_blocks_get(&p->blocks);
		uint64_t pfn = frag_wl_alloc(wl, slot, 0, PIN_GFP | __GFP_ZERO, cookie, KIND_ANON, OWNER_LRU | OWNER_PINNED);
		if (pfn == FRAG_PFN_NONE) {
			wl_blocks_unget(&p->blocks, cookie);
			frag_wl_count(wl, "pin_failures", 1);
			unpin(wl, slot, r);   /* the registration fails as a whole */
			return;
		}
		wl_blocks_set(&p->blocks, cookie, pfn, 0, slot, 0, r);
		rg->cookies[rg->n++] = cookie;
	}
	frag_wl_count(wl, "regions", 1);
	frag_wl_count(wl, "pinned_pages", pages);
	wl_timers_push(&c->timers, t + life, T_UNPIN, r);
}

static uint64_t pin_start(struct frag_wl *wl, unsigned slot, uint64_t now)
{
	const struct pin_opts *o = frag_wl_opts(wl);
	struct pin_cpu *c = frag_wl_cpu_priv(wl, slot);
	struct frag_rng *rng = frag_wl_rng(wl, slot);
	for (unsigned i = 0; i < o->initial; i++) {
		uint64_t size = wl_sample_u64(&o->size, rng, FRAG_PAGE_SIZE);
		uint64_t life = wl_sample_ns(&o->lifetime, rng);
		pin_region(wl, slot, now, size, life);
	}
	wl_timers_push(&c->timers, now + wl_sample_ns(&o->interval, rng), T_REGISTER, 0);
	return wl_timers_next(&c->timers);
}

static uint64_t pin_step(struct frag_wl *wl, unsigned slot, uint64_t now, uint64_t until)
{
	(void)now;   /* every timer due by @until is handled, the one due at @now first */
	const struct pin_opts *o = frag_wl_opts(wl);
	struct pin_cpu *c = frag_wl_cpu_priv(wl, slot);
	struct frag_rng *rng = frag_wl_rng(wl, slot);

	while (wl_timers_due(&c->timers, until) && !frag_wl_stopped(wl)) {
		struct wl_timer t = wl_timers_take(wl, slot, &c->timers);
		if (t.kind == T_UNPIN) {
			unpin(wl, slot, t.arg);
			continue;
		}
		uint64_t size = wl_sample_u64(&o->size, rng, FRAG_PAGE_SIZE);
		uint64_t life = wl_sample_ns(&o->lifetime, rng);
		uint64_t gap = wl_sample_ns(&o->interval, rng);
		pin_region(wl, slot, t.t, size, life);
		wl_timers_push(&c->timers, t.t + gap, T_REGISTER, 0);
	}
	uint64_t next = wl_timers_next(&c->timers);
	return next <= until ? until + 1 : next;
}

static void pin_stop(struct frag_wl *wl, uint64_t now)
{
	(void)now;
	for (unsigned s = 0; s < frag_wl_nr_slots(wl); s++) {
		struct pin_cpu *c = frag_wl_cpu_priv(wl, s);
		for (uint32_t r = 0; r < c->nr; r++)
			if (c->regions[r].live)
				unpin(wl, s, r);
		wl_timers_free(&c->timers);
	}
}

static void pin_fini(struct frag_wl *wl)
{
	struct pin_priv *p = frag_wl_priv(wl);
	for (unsigned s = 0; s < frag_wl_nr_slots(wl); s++) {
		struct pin_cpu *c = frag_wl_cpu_priv(wl, s);
		for (uint32_t r = 0; r < c->nr; r++)
			free(c->regions[r].cookies);
		free(c->regions);
		wl_timers_free(&c->timers);
	}
	wl_blocks_free(&p->blocks);
}

const struct frag_workload_ops frag_workload_pinned = {
	.abi_version = FRAG_WORKLOAD_ABI,
	.name = "pinned",
	.summary = "long-term pinned user memory (RDMA/vfio): movable by type, never migratable",
	.params = pin_params,
	.opts_size = sizeof(struct pin_opts),
	.priv_size = sizeof(struct pin_priv),
	.cpu_priv_size = sizeof(struct pin_cpu),
	.init = pin_init,
	.start = pin_start,
	.step = pin_step,
	.stop = pin_stop,
	.fini = pin_fini,
};
