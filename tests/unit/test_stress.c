/* SPDX-License-Identifier: MIT */
/* test_stress.c - placeholder, being written. */
#include "helpers.h"

static void test_placeholder(void)
{
	CHECK(1);
}

static const struct tap_test tests[] = {
	TAP(test_placeholder),
};

int main(void)
{
	return tap_main(tests, TAP_COUNT(tests));
}
