/* SPDX-License-Identifier: MIT */
/*
 * test_wl_timers.c - the workloads' timer queue (workloads/wl_util.h), a
 * radix heap in front of a binary heap, against a plain reference:
 * every pop is the earliest pending timer, clamping to the last time taken,
 * ties, far-future timers across all levels, and the same operations giving
 * the same order.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "../../workloads/wl_util.h"
#include "tap.h"

struct ref {
	struct wl_timer *a;
	uint32_t n;
};

static uint32_t ref_min(const struct ref *r)
{
	uint32_t m = 0;
	for (uint32_t i = 1; i < r->n; i++)
		if (r->a[i].t < r->a[m].t)
			m = i;
	return m;
}

/* A distance in ns drawn over every level: 0, sub-key, a few keys, up to 2^46 ns. */
static uint64_t draw_delta(struct frag_rng *rng)
{
	switch (frag_rng_below(rng, 6)) {
	case 0:
		return 0;
	case 1:
		return frag_rng_below(rng, 1u << WL_TIMER_SHIFT);
	case 2:
		return frag_rng_below(rng, 1ull << 24);
	case 3:
		return frag_rng_below(rng, 1ull << 34);
	case 4:
		return frag_rng_below(rng, 1ull << 46);
	default:
		return frag_rng_below(rng, 1ull << 20) << 16;   /* exact key multiples: ties within a key */
	}
}

/* Run @ops random operations; pops are written to @out (if not NULL). Returns the failures. */
/* Pops that wl_timers_peek() could not foresee [0] and foresaw [1]. */
static unsigned long peeks[2];
/* Pops after which wl_timers_peek_near(1..2) had named the next timer. */
static unsigned long peeks_second;

static unsigned exercise(uint64_t seed, unsigned ops, struct wl_timer *out, uint32_t *nout)
{
	struct wl_timers h = { 0 };
	struct ref r = { calloc(ops, sizeof(struct wl_timer)), 0 };
	struct frag_rng rng;
	unsigned bad = 0;
	uint64_t last = 0;
	uint32_t popped = 0;

	frag_rng_seed(&rng, seed, 1);
	for (unsigned i = 0; i < ops; i++) {
		bool push = r.n == 0 || frag_rng_below(&rng, 100) < 55;
		if (push) {
			uint64_t t = last + draw_delta(&rng);
			if (frag_rng_below(&rng, 20) == 0 && last > 0)
				t = last - 1 - frag_rng_below(&rng, last < 1000 ? last : 1000);   /* in the past: clamped */
			wl_timers_push(&h, t, i, (uint32_t)seed);
			r.a[r.n++] = (struct wl_timer){ t < last ? last : t, i, (uint32_t)seed };
		} else {
			/* wl_timers_peek(), when it answers, names the timer the pop returns. */
			const struct wl_timer *pk = wl_timers_peek(&h);
			struct wl_timer peeked = pk ? *pk : (struct wl_timer){ 0, 0, 0 };
			peeks[pk != NULL]++;
			uint32_t m = ref_min(&r);
			if (wl_timers_next(&h) != r.a[m].t)
				bad++;
			/* wl_timers_peek_near() (after the settle above): [0] is wl_timers_peek(); the earlier of [1] and [2]
			 * is the next timer once [0] is popped (when `near` still holds one). */
			const struct wl_timer *n1 = wl_timers_peek_near(&h, 1), *n2 = wl_timers_peek_near(&h, 2);
			if (wl_timers_peek_near(&h, 0) != wl_timers_peek(&h) || (n2 && !n1))
				bad++;
			uint64_t second = n1 ? n1->t : 0;
			if (n2 && n2->t < second)
				second = n2->t;
			struct wl_timer x = wl_timers_pop(&h);
			if (pk && (peeked.t != x.t || peeked.kind != x.kind || peeked.arg != x.arg))
				bad++;
			if (n1 && (!wl_timers_peek(&h) || wl_timers_peek(&h)->t != second))
				bad++;
			peeks_second += n1 != NULL;
			/* The popped timer is a pending one with the earliest time (ties in any order). */
			uint32_t j = r.n;
			for (uint32_t k = 0; k < r.n; k++)
				if (r.a[k].kind == x.kind) {
					j = k;
					break;
				}
			if (j == r.n || r.a[j].t != x.t || x.t != r.a[m].t)
				bad++;
			if (j < r.n)
				r.a[j] = r.a[--r.n];
			last = x.t;
			if (out)
				out[popped] = x;
			popped++;
		}
		if (h.n != r.n)
			bad++;
	}
	/* Drain: the rest comes out in time order. */
	while (r.n) {
		uint32_t m = ref_min(&r);
		struct wl_timer x = wl_timers_pop(&h);
		if (x.t != r.a[m].t)
			bad++;
		for (uint32_t k = 0; k < r.n; k++)
			if (r.a[k].kind == x.kind) {
				r.a[k] = r.a[--r.n];
				break;
			}
		if (out)
			out[popped] = x;
		popped++;
	}
	if (h.n || wl_timers_due(&h, UINT64_MAX) || wl_timers_next(&h) != FRAG_TIME_NEVER)
		bad++;
	if (nout)
		*nout = popped;
	wl_timers_free(&h);
	free(r.a);
	return bad;
}

static void test_pops_earliest(void)
{
	peeks[0] = peeks[1] = peeks_second = 0;
	for (uint64_t seed = 1; seed <= 6; seed++)
		CHECK_EQ(exercise(seed, 40000, NULL, NULL), 0);
	/* Both cases of wl_timers_peek() were met: near empty, and near holding the next timer. */
	CHECK(peeks[0] > 1000 && peeks[1] > 1000 && peeks_second > 1000);
	printf("# peek: %lu pops foreseen, %lu not\n", peeks[1], peeks[0]);
}

static void test_same_operations_same_order(void)
{
	unsigned ops = 30000;
	struct wl_timer *a = calloc(ops, sizeof(*a)), *b = calloc(ops, sizeof(*b));
	uint32_t na = 0, nb = 0;
	CHECK_EQ(exercise(42, ops, a, &na), 0);
	CHECK_EQ(exercise(42, ops, b, &nb), 0);
	CHECK_EQ(na, nb);
	unsigned diff = 0;
	for (uint32_t i = 0; i < na && i < nb; i++)
		diff += a[i].t != b[i].t || a[i].kind != b[i].kind;
	CHECK_EQ(diff, 0);
	free(a);
	free(b);
}

static void test_ties_and_far_future(void)
{
	struct wl_timers h = { 0 };
	/* 1000 timers at one instant, one at every level's reach, one at the end of time. */
	for (uint32_t i = 0; i < 1000; i++)
		wl_timers_push(&h, 5000000, 1, i);
	for (unsigned b = 0; b < 63; b++)
		wl_timers_push(&h, 1ull << b, 2, b);
	wl_timers_push(&h, UINT64_MAX - 1, 3, 0);
	CHECK_EQ(h.n, 1064);
	uint64_t prev = 0;
	unsigned order_bad = 0, at5ms = 0;
	while (h.n) {
		struct wl_timer x = wl_timers_pop(&h);
		order_bad += x.t < prev;
		at5ms += x.t == 5000000;
		prev = x.t;
	}
	CHECK_EQ(order_bad, 0);
	CHECK_EQ(at5ms, 1000);
	CHECK_EQ(prev, UINT64_MAX - 1);
	/* After time moved on, a timer set in the past runs at the last time taken. */
	wl_timers_push(&h, 7, 4, 0);
	CHECK_EQ(wl_timers_next(&h), UINT64_MAX - 1);
	wl_timers_free(&h);
}

static const struct tap_test tests[] = {
	TAP(test_pops_earliest),
	TAP(test_same_operations_same_order),
	TAP(test_ties_and_far_future),
};

int main(void)
{
	return tap_main(tests, TAP_COUNT(tests));
}
