/* SPDX-License-Identifier: MIT */
/*
 * netbuf.c - network receive buffers in softirq context (GFP_ATOMIC).
 *
 * Packets arrive on each CPU (interval) and are held for `lifetime` (queued
 * in a socket until read). Their data lives in page fragments:
 * skb_page_frag_refill() (net/core/sock.c) tries an order-3 compound page
 * (SKB_FRAG_PAGE_ORDER, 32 KiB) with (gfp & ~__GFP_DIRECT_RECLAIM) |
 * __GFP_COMP | __GFP_NOWARN | __GFP_NORETRY and falls back to one order-0
 * page with gfp. With gfp = GFP_ATOMIC the high-order try carries __GFP_HIGH
 * and no direct reclaim: ALLOC_HIGHATOMIC, which may turn its pageblock into
 * the HIGHATOMIC reserve. A fragment page is freed when its last packet is
 * freed and it is no longer the CPU's current fragment.
 */
#include <math.h>
#include <string.h>

#include "wl_util.h"

struct net_opts {
	struct frag_dist interval;   /* ns between packets on a CPU */
	struct frag_dist size;       /* bytes of packet data */
	struct frag_dist lifetime;   /* ns a packet is held */
	unsigned frag_order;         /* SKB_FRAG_PAGE_ORDER */
};

static const struct frag_param net_params[] = {
	FRAG_PARAM_DIST("interval", struct net_opts, interval, "exp(20us)", 1, 1e15, "ns",
			"time between received packets on each CPU"),
	FRAG_PARAM_DIST("size", struct net_opts, size, "empirical(256:3, 1500:6, 9000:1)", 1, 65536, "bytes",
			"packet data size"),
	FRAG_PARAM_DIST("lifetime", struct net_opts, lifetime, "exp(2ms)", 1, 1e15, "ns",
			"time a packet stays queued before it is consumed"),
	FRAG_PARAM("frag_order", PARAM_U32, struct net_opts, frag_order, 3, 0, 10, "", "SKB_FRAG_PAGE_ORDER"),
	FRAG_PARAM_END,
};

enum { T_PACKET, T_FREE };

struct frag_page_ref {
	uint32_t cookie;    /* the block */
	uint32_t refs;      /* live packets + 1 while current */
	uint32_t used;      /* bytes handed out */
	uint32_t size;      /* bytes in the page */
};

struct net_cpu {
	struct wl_timers timers;
	struct frag_page_ref *pages;  /* indexed by cookie */
	uint32_t cap;
	uint32_t current;             /* cookie of the current fragment page, UINT32_MAX = none */
};

struct net_priv {
	struct wl_blocks blocks;
};

static int net_init(struct frag_wl *wl)
{
	const struct net_opts *o = frag_wl_opts(wl);
	struct net_priv *p = frag_wl_priv(wl);
	wl_blocks_init(&p->blocks);
	double bytes = frag_dist_mean(&o->lifetime) / frag_dist_mean(&o->interval) * frag_dist_mean(&o->size) *
		       frag_wl_nr_slots(wl);
	if (!isfinite(bytes) || bytes > (double)frag_wl_managed_pages(wl) * FRAG_PAGE_SIZE)
		return frag_wl_error(wl, "expects %.1f GiB of queued packets: lower lifetime or size", bytes / (1 << 30));
	for (unsigned s = 0; s < frag_wl_nr_slots(wl); s++)
		((struct net_cpu *)frag_wl_cpu_priv(wl, s))->current = UINT32_MAX;
	return 0;
}

static struct frag_page_ref *ref(struct net_cpu *c, uint32_t cookie)
{
	if (cookie >= c->cap) {
		uint32_t cap = c->cap ? c->cap : 256;
		while (cap <= cookie)
			cap *= 2;
		c->pages = realloc(c->pages, cap * sizeof(*c->pages));
		memset(c->pages + c->cap, 0, (cap - c->cap) * sizeof(*c->pages));
		c->cap = cap;
	}
	return &c->pages[cookie];
}

static void put(struct frag_wl *wl, unsigned slot, uint32_t cookie)
{
	struct net_priv *p = frag_wl_priv(wl);
	struct net_cpu *c = frag_wl_cpu_priv(wl, slot);
	struct frag_page_ref *r = ref(c, cookie);
	if (--r->refs == 0)
		wl_blocks_release(&p->blocks, wl, slot, cookie);
}

/* skb_page_frag_refill() */
static bool refill(struct frag_wl *wl, unsigned slot)
{
	const struct net_opts *o = frag_wl_opts(wl);
	struct net_priv *p = frag_wl_priv(wl);
	struct net_cpu *c = frag_wl_cpu_priv(wl, slot);
	gfp_t gfp = GFP_ATOMIC;
	uint32_t cookie = wl_blocks_get(&p->blocks);
	unsigned order = o->frag_order;
	uint64_t pfn = FRAG_PFN_NONE;

	if (order)
		pfn = frag_wl_alloc(wl, slot, order, (gfp & ~__GFP_DIRECT_RECLAIM) | __GFP_COMP | __GFP_NOWARN |
						      __GFP_NORETRY, cookie, KIND_NETBUF, OWNER_COMPOUND);
	if (pfn == FRAG_PFN_NONE) {
		if (order)
			frag_wl_count(wl, "frag_fallback", 1);
		order = 0;
		pfn = frag_wl_alloc(wl, slot, 0, gfp, cookie, KIND_NETBUF, 0);
	}
	if (pfn == FRAG_PFN_NONE) {
		wl_blocks_unget(&p->blocks, cookie);
		return false;
	}
	wl_blocks_set(&p->blocks, cookie, pfn, order, slot, 0, 0);
	if (c->current != UINT32_MAX)
		put(wl, slot, c->current);
	c->current = cookie;
	*ref(c, cookie) = (struct frag_page_ref){ cookie, 1, 0, (uint32_t)(FRAG_PAGE_SIZE << order) };
	return true;
}

static uint64_t net_start(struct frag_wl *wl, unsigned slot, uint64_t now)
{
	const struct net_opts *o = frag_wl_opts(wl);
	struct net_cpu *c = frag_wl_cpu_priv(wl, slot);
	wl_timers_push(&c->timers, now + wl_sample_ns(&o->interval, frag_wl_rng(wl, slot)), T_PACKET, 0);
	return wl_timers_next(&c->timers);
}

static uint64_t net_step(struct frag_wl *wl, unsigned slot, uint64_t now, uint64_t until)
{
	(void)now;   /* every timer due by @until is handled, the one due at @now first */
	const struct net_opts *o = frag_wl_opts(wl);
	struct net_cpu *c = frag_wl_cpu_priv(wl, slot);
	struct frag_rng *rng = frag_wl_rng(wl, slot);

	while (wl_timers_due(&c->timers, until) && !frag_wl_stopped(wl)) {
		struct wl_timer t = wl_timers_take(wl, slot, &c->timers);
		if (t.kind == T_FREE) {
			put(wl, slot, t.arg);
			continue;
		}
		uint32_t size = (uint32_t)wl_sample_u64(&o->size, rng, 1);
		uint64_t life = wl_sample_ns(&o->lifetime, rng);
		uint64_t gap = wl_sample_ns(&o->interval, rng);
		struct frag_page_ref *r = c->current == UINT32_MAX ? NULL : ref(c, c->current);
		if ((!r || r->used + size > r->size) && !refill(wl, slot)) {
			frag_wl_count(wl, "dropped_packets", 1);
		} else {
			r = ref(c, c->current);
			r->used += size < r->size ? size : r->size;
			r->refs++;
			frag_wl_count(wl, "packets", 1);
			wl_timers_push(&c->timers, t.t + life, T_FREE, c->current);
		}
		wl_timers_push(&c->timers, t.t + gap, T_PACKET, 0);
	}
	uint64_t next = wl_timers_next(&c->timers);
	return next <= until ? until + 1 : next;
}

static void net_stop(struct frag_wl *wl, uint64_t now)
{
	(void)now;
	for (unsigned s = 0; s < frag_wl_nr_slots(wl); s++) {
		struct net_cpu *c = frag_wl_cpu_priv(wl, s);
		while (c->timers.n) {
			struct wl_timer t = wl_timers_pop(&c->timers);
			if (t.kind == T_FREE)
				put(wl, s, t.arg);
		}
		if (c->current != UINT32_MAX)
			put(wl, s, c->current);
		c->current = UINT32_MAX;
	}
}

static void net_fini(struct frag_wl *wl)
{
	struct net_priv *p = frag_wl_priv(wl);
	for (unsigned s = 0; s < frag_wl_nr_slots(wl); s++) {
		struct net_cpu *c = frag_wl_cpu_priv(wl, s);
		free(c->pages);
		wl_timers_free(&c->timers);
	}
	wl_blocks_free(&p->blocks);
}

const struct frag_workload_ops frag_workload_netbuf = {
	.abi_version = FRAG_WORKLOAD_ABI,
	.name = "netbuf",
	.summary = "network receive buffers: GFP_ATOMIC order-3 page fragments (highatomic users), order-0 fallback",
	.params = net_params,
	.opts_size = sizeof(struct net_opts),
	.priv_size = sizeof(struct net_priv),
	.cpu_priv_size = sizeof(struct net_cpu),
	.init = net_init,
	.start = net_start,
	.step = net_step,
	.stop = net_stop,
	.fini = net_fini,
};
