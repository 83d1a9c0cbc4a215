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

/*
 * A radix heap (a monotone priority queue): timers are never set before the
 * last one taken, so an entry lives in bucket 64 - clz(t ^ last) and pushes
 * are O(1) appends; a pop refills bucket 0 from the first non-empty bucket.
 * Much cheaper than a binary heap for the millions of pending object
 * lifetimes a slab cache keeps. Ties come out in a deterministic order
 * (the same operations give the same order), not by (kind, arg).
 */
struct wl_tbucket {
	struct wl_timer *a;
	uint32_t n, cap;
};

struct wl_timers {
	uint64_t last;               /* every pending t is >= last */
	uint64_t used;               /* bit i-1 set: b[i] (i >= 1) is not empty */
	uint32_t n;                  /* pending timers */
	struct wl_tbucket b[65];     /* b[0]: t == last; b[i]: highest differing bit i-1 */
};

static inline unsigned wl_tbucket_of(uint64_t t, uint64_t last)
{
	return t == last ? 0 : 64 - (unsigned)__builtin_clzll(t ^ last);
}

static inline void wl_tbucket_add(struct wl_tbucket *b, struct wl_timer x)
{
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 16;
		b->a = realloc(b->a, (size_t)b->cap * sizeof(*b->a));
		if (!b->a) {
			fprintf(stderr, "fragsim: out of memory (workload timers)\n");
			abort();
		}
	}
	b->a[b->n++] = x;
}

/* Set a timer at @t (clamped to the last time taken: nothing runs in the past). */
static inline void wl_timers_push(struct wl_timers *h, uint64_t t, uint32_t kind, uint32_t arg)
{
	if (t < h->last)
		t = h->last;
	struct wl_timer x = { t, kind, arg };
	unsigned i = wl_tbucket_of(t, h->last);
	wl_tbucket_add(&h->b[i], x);
	if (i)
		h->used |= 1ull << (i - 1);
	h->n++;
}

/* Make bucket 0 hold the earliest timers (they then equal h->last). */
static inline void wl_timers_settle(struct wl_timers *h)
{
	if (h->b[0].n || !h->n)
		return;
	unsigned i = 1 + (unsigned)__builtin_ctzll(h->used);   /* the first non-empty bucket */
	struct wl_tbucket *b = &h->b[i];
	uint64_t min = b->a[0].t;
	for (uint32_t k = 1; k < b->n; k++)
		if (b->a[k].t < min)
			min = b->a[k].t;
	h->last = min;
	uint32_t n = b->n;
	b->n = 0;
	h->used &= ~(1ull << (i - 1));
	/* Every entry moves to a lower bucket (they all share bits above i-1 with min). */
	for (uint32_t k = 0; k < n; k++) {
		unsigned j = wl_tbucket_of(b->a[k].t, min);
		wl_tbucket_add(&h->b[j], b->a[k]);
		if (j)
			h->used |= 1ull << (j - 1);
	}
}

static inline struct wl_timer wl_timers_pop(struct wl_timers *h)
{
	wl_timers_settle(h);
	h->n--;
	return h->b[0].a[--h->b[0].n];
}

/* The earliest pending time, FRAG_TIME_NEVER if none. */
static inline uint64_t wl_timers_next(struct wl_timers *h)
{
	wl_timers_settle(h);
	return h->n ? h->last : FRAG_TIME_NEVER;
}

/* Is a timer due at or before @now? */
static inline bool wl_timers_due(struct wl_timers *h, uint64_t now)
{
	return h->n && wl_timers_next(h) <= now;
}

static inline void wl_timers_free(struct wl_timers *h)
{
	for (unsigned i = 0; i < 65; i++) {
		free(h->b[i].a);
		h->b[i].a = NULL;
		h->b[i].n = h->b[i].cap = 0;
	}
	h->n = 0;
	h->used = 0;
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
