/* SPDX-License-Identifier: MIT */
/*
 * wl_util.h - data structures shared by workloads: a table of held blocks
 * (cookie -> pfn, order) that migration can update, and a small timer heap
 * for per-CPU event scheduling (lifetimes, arrivals, periodic work).
 */
#ifndef FRAG_WL_UTIL_H
#define FRAG_WL_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frag/dist.h"
#include "frag/mm.h"
#include "frag/workload.h"
#include "rng.h"
#include "store16.h"
#include "frag/hugemem.h"

/*
 * Double the capacity of the array *@a of @elem-byte entries (to @first
 * when empty), on host THP once large (frag/hugemem.h); out of memory ends
 * the process with a message naming @what.
 */
static inline void *wl_grow(void *a, uint32_t *cap, uint32_t first, size_t elem, const char *what)
{
	*cap = *cap ? *cap * 2 : first;
	a = frag_hugemem_realloc(a, (size_t)*cap * elem);
	if (!a) {
		fprintf(stderr, "fragsim: out of memory (%s)\n", what);
		abort();
	}
	return a;
}

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

/*
 * Free slots are reused lowest cookie first, the order of the kernel's
 * ida_alloc(): the blocks a process takes at about the same time get
 * neighbouring entries, whatever the order of earlier frees, so its exit and
 * the LRU scans read the table in few cache lines and pages. (A stack of freed
 * cookies, the last one freed reused first, mixed the entries of every CPU's
 * processes a little more with each generation: in the last tenth of a
 * simulated hour of rfc-256g, anon's process exits took 12 % of the time, 5.5 %
 * early on, and 8 % with lowest-first reuse.)
 * Three bitmap levels, a set bit meaning "free": free0 has one bit per slot,
 * free1 one per free0 word with a bit set, free2 one per free1 word with a bit
 * set (2^18 slots per free2 bit), so the lowest free slot is three ctz away.
 */
struct wl_blocks {
	struct wl_block *b;  /* entries */
	uint32_t n;          /* entries in use (including free slots) */
	uint32_t cap;        /* entries allocated; the bitmaps cover this many slots */
	uint64_t *free0;     /* bit c: slot c < n is free */
	uint64_t *free1;     /* bit w: free0[w] != 0 */
	uint64_t *free2;     /* bit w: free1[w] != 0 */
	uint32_t nr_free;    /* free slots */
	uint32_t hint2;      /* no free2 word below this one has a bit set */
	uint64_t live;       /* live blocks */
	uint64_t live_pages; /* pages held */
};

static inline void wl_blocks_init(struct wl_blocks *t)
{
	t->b = NULL;
	t->n = t->cap = 0;
	t->free0 = t->free1 = t->free2 = NULL;
	t->nr_free = t->hint2 = 0;
	t->live = t->live_pages = 0;
}

/* Let migration loops prefetch an entry before ops->migrated() updates it
 * (frag_wl_set_owner_table()): for instances whose owner cookies are this
 * table's. */
static inline void wl_blocks_owner_table(struct wl_blocks *t, struct frag_wl *wl)
{
	frag_wl_set_owner_table(wl, (void *const *)&t->b, sizeof(*t->b));
}

static inline void wl_blocks_free(struct wl_blocks *t)
{
	free(t->b);
	free(t->free0);
	free(t->free1);
	free(t->free2);
	wl_blocks_init(t);
}

/* Words of a bitmap level covering @slots slots, with @shift = log2(slots per word). */
static inline size_t wl_bitmap_words(uint32_t slots, unsigned shift)
{
	return ((size_t)slots + (1ull << shift) - 1) >> shift;
}

/* Grow a bitmap level from @old_slots to @new_slots slots; the new bits are clear. */
static inline uint64_t *wl_bitmap_grow(uint64_t *w, uint32_t old_slots, uint32_t new_slots, unsigned shift)
{
	size_t o = old_slots ? wl_bitmap_words(old_slots, shift) : 0, n = wl_bitmap_words(new_slots, shift);
	w = realloc(w, n * sizeof(*w));
	if (!w) {
		fprintf(stderr, "fragsim: out of memory (workload block table)\n");
		abort();
	}
	memset(w + o, 0, (n - o) * sizeof(*w));
	return w;
}

/* The lowest free slot: the cookie the next wl_blocks_get() returns if it reuses a slot, else UINT32_MAX. */
static inline uint32_t wl_blocks_next_free(const struct wl_blocks *t)
{
	if (!t->nr_free)
		return UINT32_MAX;
	uint32_t w2 = t->hint2;
	while (!t->free2[w2])
		w2++;
	uint32_t w1 = w2 * 64 + (uint32_t)__builtin_ctzll(t->free2[w2]);
	uint32_t w0 = w1 * 64 + (uint32_t)__builtin_ctzll(t->free1[w1]);
	return w0 * 64 + (uint32_t)__builtin_ctzll(t->free0[w0]);
}

/* Reserve a slot and return its cookie (the block is filled by the caller). */
static inline uint32_t wl_blocks_get(struct wl_blocks *t)
{
	if (t->nr_free) {
		uint32_t c = wl_blocks_next_free(t), w0 = c / 64, w1 = w0 / 64, w2 = w1 / 64;
		t->hint2 = w2;
		t->nr_free--;
		if (!(t->free0[w0] &= t->free0[w0] - 1) && !(t->free1[w1] &= ~(1ull << (w0 % 64))))
			t->free2[w2] &= ~(1ull << (w1 % 64));
		__builtin_prefetch(&t->b[c], 1);
		return c;
	}
	if (t->n == t->cap) {
		uint32_t old = t->cap;
		t->b = wl_grow(t->b, &t->cap, 1024, sizeof(*t->b), "workload block table");
		t->free0 = wl_bitmap_grow(t->free0, old, t->cap, 6);
		t->free1 = wl_bitmap_grow(t->free1, old, t->cap, 12);
		t->free2 = wl_bitmap_grow(t->free2, old, t->cap, 18);
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
	uint32_t w0 = c / 64, w1 = w0 / 64, w2 = w1 / 64;
	t->b[c].pfn = FRAG_PFN_NONE;
	t->b[c].owner = UINT32_MAX;
	t->free0[w0] |= 1ull << (c % 64);
	t->free1[w1] |= 1ull << (w0 % 64);
	t->free2[w2] |= 1ull << (w1 % 64);
	t->nr_free++;
	if (w2 < t->hint2)
		t->hint2 = w2;
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

/* wl_blocks_release() from reclaim (shrink_lru(), scan_objects()): freed on the reclaiming CPU. */
static inline void wl_blocks_release_reclaimed(struct wl_blocks *t, struct frag_wl *wl, uint32_t c)
{
	struct wl_block *b = &t->b[c];
	if (b->pfn == FRAG_PFN_NONE)
		return;
	frag_wl_free_reclaimed(wl, b->pfn, b->order);
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
 * Timers: a monotone priority queue (timers are never set before the last
 * one taken), a radix heap on coarse keys k = t >> 16 (65.5 us) in front of
 * a small binary heap on exact times:
 *
 * - `near`, a binary min-heap, holds every timer whose key is at most
 *   `lastk`; they come out in time order;
 * - bucket b[i] (i >= 1) holds the timers whose key differs from lastk first
 *   in bit i-1 (i = 64 - clz(k ^ lastk)); pushes there are O(1) appends;
 * - when `near` runs dry, the first non-empty bucket (one ctz on `used`) is
 *   redistributed around its smallest key, which becomes lastk: its timers
 *   move to lower buckets or into `near`.
 *
 * A timer moves about once per bit of its distance in keys, so dropping the
 * 16 low bits of the ns clock saves the radix heap a dozen moves for the
 * long lifetimes of slab objects, and the low buckets that take most of the
 * traffic stay in cache. Ties come out in a deterministic order (the same
 * operations give the same order), not by (kind, arg).
 */
#define WL_TIMER_SHIFT 16
#define WL_TIMER_BUCKETS (64 - WL_TIMER_SHIFT + 1)

struct wl_tbucket {
	struct wl_timer *a;  /* entries */
	uint32_t n, cap;     /* entries used, allocated */
	uint64_t min;        /* earliest t among the entries (radix buckets; valid when n > 0) */
};

struct wl_timers {
	uint64_t last;                            /* time of the last timer taken */
	uint64_t lastk;                           /* key of the timers in `near`; buckets hold larger keys */
	uint64_t used;                            /* bit i-1 set: b[i] is not empty */
	uint32_t n;                               /* pending timers */
	struct wl_tbucket near;                   /* min-heap on t: keys <= lastk */
	struct wl_tbucket b[WL_TIMER_BUCKETS];    /* b[0] unused */
};

/* Place a timer with one 16-byte store (store16.h: a pop or a redistribution
 * may read it back whole soon after). */
static inline void wl_timer_put(struct wl_timer *dst, struct wl_timer x)
{
#ifdef FRAG_STORE16
	_Static_assert(sizeof(struct wl_timer) == 16 && offsetof(struct wl_timer, kind) == 8 &&
			       offsetof(struct wl_timer, arg) == 12,
		       "struct wl_timer is t, then kind and arg in one little-endian 64-bit word");
	frag_store16(dst, x.t, (uint64_t)x.kind | (uint64_t)x.arg << 32);
#else
	*dst = x;
#endif
}

static inline void wl_tbucket_add(struct wl_tbucket *b, struct wl_timer x)
{
	if (b->n == b->cap)
		b->a = wl_grow(b->a, &b->cap, 8, sizeof(*b->a), "workload timers");
	wl_timer_put(&b->a[b->n++], x);
}

static inline void wl_near_push(struct wl_tbucket *h, struct wl_timer x)
{
	wl_tbucket_add(h, x);
	uint32_t i = h->n - 1;
	while (i) {
		uint32_t p = (i - 1) / 2;
		if (h->a[p].t <= x.t)
			break;
		h->a[i] = h->a[p];
		i = p;
	}
	wl_timer_put(&h->a[i], x);
}

static inline struct wl_timer wl_near_pop(struct wl_tbucket *h)
{
	struct wl_timer top = h->a[0], x = h->a[--h->n];
	uint32_t i = 0, n = h->n;
	for (;;) {
		uint32_t l = 2 * i + 1, m = l;
		if (l >= n)
			break;
		if (l + 1 < n && h->a[l + 1].t < h->a[l].t)
			m = l + 1;
		if (h->a[m].t >= x.t)
			break;
		h->a[i] = h->a[m];
		i = m;
	}
	if (n)
		h->a[i] = x;
	return top;
}

/* File @x relative to lastk. */
static inline void wl_timers_place(struct wl_timers *h, struct wl_timer x)
{
	uint64_t k = x.t >> WL_TIMER_SHIFT;
	if (k <= h->lastk) {
		wl_near_push(&h->near, x);
		return;
	}
	unsigned i = 64 - (unsigned)__builtin_clzll(k ^ h->lastk);
	struct wl_tbucket *b = &h->b[i];
	if (!b->n || x.t < b->min)
		b->min = x.t;
	wl_tbucket_add(b, x);
	h->used |= 1ull << (i - 1);
}

/* Set a timer at @t (clamped to the last time taken: nothing runs in the past). */
static inline void wl_timers_push(struct wl_timers *h, uint64_t t, uint32_t kind, uint32_t arg)
{
	if (t < h->last)
		t = h->last;
	h->n++;
	wl_timers_place(h, (struct wl_timer){ t, kind, arg });
}

/* Make `near` hold the earliest timers. */
static inline void wl_timers_settle(struct wl_timers *h)
{
	if (h->near.n || !h->n)
		return;
	unsigned i = 1 + (unsigned)__builtin_ctzll(h->used);   /* the first non-empty bucket */
	struct wl_tbucket *b = &h->b[i];
	h->lastk = b->min >> WL_TIMER_SHIFT;
	h->used &= ~(1ull << (i - 1));
	/* Every entry shares the bits above i-1 with lastk: it moves below i. */
	uint32_t n = b->n;
	b->n = 0;
	for (uint32_t k = 0; k < n; k++) {
		if (k + 16 < n)
			__builtin_prefetch(&b->a[k + 16]);   /* a bucket filled long ago is cold */
		wl_timers_place(h, b->a[k]);
	}
}

static inline struct wl_timer wl_timers_pop(struct wl_timers *h)
{
	wl_timers_settle(h);
	h->n--;
	struct wl_timer x = wl_near_pop(&h->near);
	h->last = x.t;
	return x;
}

/*
 * Entry @i (0, 1 or 2) of `near`, NULL past its end: the next pop's timer and
 * the two candidates for the one after it (the smaller of a[1] and a[2]), for
 * prefetching further ahead than one event. Changes nothing.
 */
static inline const struct wl_timer *wl_timers_peek_near(const struct wl_timers *h, unsigned i)
{
	return i < h->near.n ? &h->near.a[i] : NULL;
}

/*
 * The timer the next pop returns when it already sits in `near` (NULL if
 * the next pop must redistribute a bucket first): for prefetching what the
 * next event will touch while this one is handled. Changes nothing.
 */
static inline const struct wl_timer *wl_timers_peek(const struct wl_timers *h)
{
	return wl_timers_peek_near(h, 0);
}

/* Take the earliest timer as the event being handled on @slot (the CPU
 * clock moves to its time). */
static inline struct wl_timer wl_timers_take(struct frag_wl *wl, unsigned slot, struct wl_timers *h)
{
	struct wl_timer x = wl_timers_pop(h);
	frag_wl_at(wl, slot, x.t);
	return x;
}

/* The earliest pending time, FRAG_TIME_NEVER if none. */
static inline uint64_t wl_timers_next(struct wl_timers *h)
{
	wl_timers_settle(h);
	return h->n ? h->near.a[0].t : FRAG_TIME_NEVER;
}

/* Is a timer due at or before @now? */
static inline bool wl_timers_due(struct wl_timers *h, uint64_t now)
{
	return h->n && wl_timers_next(h) <= now;
}

static inline void wl_timers_free(struct wl_timers *h)
{
	for (unsigned i = 0; i < WL_TIMER_BUCKETS; i++)
		free(h->b[i].a);
	free(h->near.a);
	memset(h, 0, sizeof(*h));
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

/*
 * alloc_pages_mpol() (mm/mempolicy.c) for a PMD-order THP fault: with
 * thp.local_try (a CONFIG_NUMA kernel, a non-interleave mempolicy) the local
 * node first, compaction without reclaim intended (__GFP_THISNODE |
 * __GFP_NORETRY), then, only if @gfp may reclaim directly, the request as
 * asked. Fills @tries and returns how many there are (1 or 2).
 */
static inline unsigned wl_thp_pmd_tries(const struct frag_thp_settings *thp, gfp_t gfp, gfp_t tries[2])
{
	tries[0] = gfp;
	if (!thp->local_try)
		return 1;
	tries[0] = gfp | __GFP_THISNODE | __GFP_NORETRY;
	tries[1] = gfp;
	return (gfp & __GFP_DIRECT_RECLAIM) ? 2 : 1;
}

/* hugepage_vma_check(): may this VMA get THPs at all? */
static inline bool wl_thp_allowed(const struct frag_thp_settings *thp, bool madvised)
{
	return thp->enabled == THP_ENABLED_ALWAYS || (thp->enabled == THP_ENABLED_MADVISE && madvised);
}

#endif /* FRAG_WL_UTIL_H */
