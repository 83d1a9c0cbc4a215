/* SPDX-License-Identifier: MIT */
/*
 * wl_util.h - data structures shared by workloads: a table of held blocks
 * (cookie -> pfn, order) that migration can update, and a small timer heap
 * for per-CPU event scheduling (lifetimes, arrivals, periodic work).
 */
#ifndef FRAG_WL_UTIL_H
#define FRAG_WL_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "frag/dist.h"
#include "frag/mm.h"
#include "frag/workload.h"
#include "rng.h"

/* ---------------------------------------------------------------------- */
/* Held blocks                                                            */
/* ---------------------------------------------------------------------- */

/* One allocated block; the index in the table is the owner cookie. */
struct wl_block {
	uint64_t pfn;        /* first pfn, FRAG_PFN_NONE when the slot is free */
	uint8_t order;       /* block order */
	uint8_t slot;        /* CPU slot that allocated it (low 8 bits) */
	uint16_t tag;        /* workload-defined (e.g. a type) */
	uint32_t owner;      /* workload-defined (e.g. a process or file index) */
};

struct wl_blocks {
	struct wl_block *b;  /* entries */
	uint32_t n;          /* entries in use (including free slots) */
	uint32_t cap;
	uint32_t free_head;  /* free-slot list through .owner, UINT32_MAX = empty */
	uint64_t live;       /* live blocks */
	uint64_t live_pages; /* pages held */
};

static inline void wl_blocks_init(struct wl_blocks *t)
{
	t->b = NULL;
	t->n = t->cap = 0;
	t->free_head = UINT32_MAX;
	t->live = t->live_pages = 0;
}

static inline void wl_blocks_free(struct wl_blocks *t)
{
	free(t->b);
	wl_blocks_init(t);
}

/* Reserve a slot and return its cookie (the block is filled by the caller). */
static inline uint32_t wl_blocks_get(struct wl_blocks *t)
{
	if (t->free_head != UINT32_MAX) {
		uint32_t c = t->free_head;
		t->free_head = t->b[c].owner;
		return c;
	}
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 1024;
		t->b = realloc(t->b, (size_t)t->cap * sizeof(*t->b));
		if (!t->b) {
			fprintf(stderr, "fragsim: out of memory (workload block table)\n");
			abort();
		}
	}
	return t->n++;
}

static inline void wl_blocks_set(struct wl_blocks *t, uint32_t c, uint64_t pfn, unsigned order, unsigned slot,
				 uint16_t tag, uint32_t owner)
{
	t->b[c] = (struct wl_block){ pfn, (uint8_t)order, (uint8_t)slot, tag, owner };
	t->live++;
	t->live_pages += 1ull << order;
}

/* Return a slot that was reserved but not filled. */
static inline void wl_blocks_unget(struct wl_blocks *t, uint32_t c)
{
	t->b[c].pfn = FRAG_PFN_NONE;
	t->b[c].owner = t->free_head;
	t->free_head = c;
}

/* Free the block with cookie @c through the engine and release its slot. */
static inline void wl_blocks_release(struct wl_blocks *t, struct frag_wl *wl, unsigned slot, uint32_t c)
{
	struct wl_block *b = &t->b[c];
	if (b->pfn == FRAG_PFN_NONE)
		return;
	frag_wl_free(wl, slot, b->pfn, b->order);
	t->live--;
	t->live_pages -= 1ull << b->order;
	wl_blocks_unget(t, c);
}

/* The migrated() callback body: a held block moved. */
static inline void wl_blocks_moved(struct wl_blocks *t, uint32_t c, uint64_t old_pfn, uint64_t new_pfn)
{
	if (c < t->n && t->b[c].pfn == old_pfn)
		t->b[c].pfn = new_pfn;
}

/* ---------------------------------------------------------------------- */
/* Timers                                                                 */
/* ---------------------------------------------------------------------- */

struct wl_timer {
	uint64_t t;          /* when */
	uint32_t kind;       /* workload-defined */
	uint32_t arg;        /* workload-defined (cookie, process index, ...) */
};

struct wl_timers {
	struct wl_timer *a;  /* binary min-heap on t, ties by insertion order (seq in kind's high bits not needed:
				ties are broken by (kind, arg), which is deterministic) */
	uint32_t n, cap;
};

static inline bool wl_timer_less(const struct wl_timer *x, const struct wl_timer *y)
{
	if (x->t != y->t)
		return x->t < y->t;
	if (x->kind != y->kind)
		return x->kind < y->kind;
	return x->arg < y->arg;
}

static inline void wl_timers_push(struct wl_timers *h, uint64_t t, uint32_t kind, uint32_t arg)
{
	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 64;
		h->a = realloc(h->a, (size_t)h->cap * sizeof(*h->a));
		if (!h->a) {
			fprintf(stderr, "fragsim: out of memory (workload timers)\n");
			abort();
		}
	}
	struct wl_timer x = { t, kind, arg };
	uint32_t i = h->n++;
	while (i) {
		uint32_t p = (i - 1) / 2;
		if (!wl_timer_less(&x, &h->a[p]))
			break;
		h->a[i] = h->a[p];
		i = p;
	}
	h->a[i] = x;
}

static inline struct wl_timer wl_timers_pop(struct wl_timers *h)
{
	struct wl_timer top = h->a[0], last = h->a[--h->n];
	uint32_t i = 0;
	for (;;) {
		uint32_t l = 2 * i + 1, r = l + 1, m = i;
		const struct wl_timer *best = &last;
		if (l < h->n && wl_timer_less(&h->a[l], best)) {
			m = l;
			best = &h->a[l];
		}
		if (r < h->n && wl_timer_less(&h->a[r], best))
			m = r;
		if (m == i)
			break;
		h->a[i] = h->a[m];
		i = m;
	}
	if (h->n)
		h->a[i] = last;
	return top;
}

static inline uint64_t wl_timers_next(const struct wl_timers *h)
{
	return h->n ? h->a[0].t : FRAG_TIME_NEVER;
}

static inline void wl_timers_free(struct wl_timers *h)
{
	free(h->a);
	h->a = NULL;
	h->n = h->cap = 0;
}

/* ---------------------------------------------------------------------- */
/* Sampling helpers                                                       */
/* ---------------------------------------------------------------------- */

/* A duration sample in ns, at least 1. */
static inline uint64_t wl_sample_ns(const struct frag_dist *d, struct frag_rng *rng)
{
	double v = frag_dist_sample(d, rng);
	return v < 1 ? 1 : (v > 1e18 ? (uint64_t)1e18 : (uint64_t)v);
}

/* A count/size sample, at least @min. */
static inline uint64_t wl_sample_u64(const struct frag_dist *d, struct frag_rng *rng, uint64_t min)
{
	double v = frag_dist_sample(d, rng);
	if (v < (double)min)
		return min;
	return v > 1e18 ? (uint64_t)1e18 : (uint64_t)v;
}

/* The order holding @bytes (get_order()). */
static inline unsigned wl_get_order(uint64_t bytes)
{
	unsigned o = 0;
	while ((FRAG_PAGE_SIZE << o) < bytes && o < 31)
		o++;
	return o;
}

/* vma_thp_gfp_mask() (mm/huge_memory.c) for a THP fault under the given settings. */
static inline gfp_t wl_thp_gfp(const struct frag_thp_settings *thp, bool madvised)
{
	switch (thp->defrag) {
	case THP_DEFRAG_ALWAYS:
		return GFP_TRANSHUGE | (madvised ? 0 : __GFP_NORETRY);
	case THP_DEFRAG_DEFER:
		return GFP_TRANSHUGE_LIGHT | __GFP_KSWAPD_RECLAIM;
	case THP_DEFRAG_DEFER_MADVISE:
		return GFP_TRANSHUGE_LIGHT | (madvised ? __GFP_DIRECT_RECLAIM : __GFP_KSWAPD_RECLAIM);
	case THP_DEFRAG_MADVISE:
		return GFP_TRANSHUGE_LIGHT | (madvised ? __GFP_DIRECT_RECLAIM : 0);
	default:
		return GFP_TRANSHUGE_LIGHT;
	}
}

/* hugepage_vma_check(): may this VMA get THPs at all? */
static inline bool wl_thp_allowed(const struct frag_thp_settings *thp, bool madvised)
{
	return thp->enabled == THP_ENABLED_ALWAYS || (thp->enabled == THP_ENABLED_MADVISE && madvised);
}

#endif /* FRAG_WL_UTIL_H */
