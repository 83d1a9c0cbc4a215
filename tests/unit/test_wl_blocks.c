/* SPDX-License-Identifier: MIT */
/*
 * test_wl_blocks.c - the workloads' block table (workloads/wl_util.h): free
 * slots are reused lowest cookie first (the kernel's ida_alloc() order),
 * against a plain reference array, across all three bitmap levels (more than
 * 2^18 slots), with the table growing while slots are free.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "../../workloads/wl_util.h"
#include "tap.h"

/* The reference: one flag per slot; the lowest free one by a linear scan from
 * *@from, below which no slot is free. */
static uint32_t ref_lowest(const uint8_t *is_free, uint32_t n, uint32_t *from)
{
	for (uint32_t c = *from; c < n; c++)
		if (is_free[c])
			return *from = c;
	return UINT32_MAX;
}

static void fill(struct wl_blocks *t, uint32_t c)
{
	wl_blocks_set(t, c, 1000 + c, 0, 0, 0, c);
}

/* Random takes and returns over up to 300,000 slots: every take is the reference's lowest free slot. */
static void test_lowest_free_first(void)
{
	enum { SLOTS = 300000 };
	struct wl_blocks t;
	struct frag_rng rng;
	uint8_t *is_free = calloc(SLOTS, 1);
	uint32_t *held = malloc(SLOTS * sizeof(*held)), nr_held = 0, nr_free = 0, n = 0, from = 0;
	unsigned bad_get = 0, bad_peek = 0, bad_count = 0;

	wl_blocks_init(&t);
	frag_rng_seed(&rng, 7, 1);
	for (unsigned step = 0; step < 1000000; step++) {
		/* Grow to SLOTS, then churn: take and return in long runs, so whole words and levels empty out. */
		bool take = n < 270000 ? frag_rng_below(&rng, 4) != 0
					  : (step / 20000) % 2 ? frag_rng_below(&rng, 8) == 0 : frag_rng_below(&rng, 8) != 0;
		if (take && (nr_free || n < SLOTS)) {
			uint32_t want = nr_free ? ref_lowest(is_free, n, &from) : n;
			if (wl_blocks_next_free(&t) != (nr_free ? want : UINT32_MAX))
				bad_peek++;
			uint32_t c = wl_blocks_get(&t);
			if (c != want)
				bad_get++;
			if (c == n)
				n++;
			else if (c < n && is_free[c]) {
				is_free[c] = 0;
				nr_free--;
			}
			fill(&t, c);
			held[nr_held++] = c;
		} else if (nr_held) {
			uint32_t i = (uint32_t)frag_rng_below(&rng, nr_held), c = held[i];
			held[i] = held[--nr_held];
			t.live--;
			wl_blocks_unget(&t, c);
			is_free[c] = 1;
			nr_free++;
			if (c < from)
				from = c;
		}
		if (t.nr_free != nr_free || t.n != n)
			bad_count++;
		if (bad_get + bad_peek + bad_count > 5)
			break;
	}
	CHECK_EQ(bad_get, 0);
	CHECK_EQ(bad_peek, 0);
	CHECK_EQ(bad_count, 0);
	CHECK(n > (1u << 18));   /* the third level was used */
	for (uint32_t i = 0; i < nr_held; i++)
		if (t.b[held[i]].pfn != 1000 + held[i])
			bad_get++;
	CHECK_EQ(bad_get, 0);
	wl_blocks_free(&t);
	free(is_free);
	free(held);
}

/* A process's cookies, returned in any order, come back ascending. */
static void test_returned_in_any_order_come_back_ascending(void)
{
	struct wl_blocks t;
	uint32_t order[] = { 9, 2, 7, 0, 5, 3, 8, 1, 6, 4 };

	wl_blocks_init(&t);
	for (uint32_t c = 0; c < 2000; c++)
		CHECK_EQ(wl_blocks_get(&t), c);
	for (unsigned i = 0; i < 10; i++)
		wl_blocks_unget(&t, 1000 + 100 * order[i]);
	wl_blocks_unget(&t, 1999);
	CHECK_EQ(t.nr_free, 11);
	for (unsigned i = 0; i < 10; i++)
		CHECK_EQ(wl_blocks_get(&t), 1000 + 100 * i);
	CHECK_EQ(wl_blocks_get(&t), 1999);
	CHECK_EQ(wl_blocks_next_free(&t), UINT32_MAX);
	CHECK_EQ(wl_blocks_get(&t), 2000);   /* none free: a new slot */
	wl_blocks_free(&t);
}

static const struct tap_test tests[] = {
	TAP(test_lowest_free_first),
	TAP(test_returned_in_any_order_come_back_ascending),
};

int main(void)
{
	return tap_main(tests, TAP_COUNT(tests));
}
