/* SPDX-License-Identifier: MIT */
/*
 * tap.h - a small TAP harness (meson runs tests with protocol: 'tap').
 *
 *   static void test_expand(void) { CHECK_EQ(a, b); }
 *   static const struct tap_test tests[] = { TAP(test_expand), ... };
 *   int main(void) { return tap_main(tests, TAP_COUNT(tests)); }
 *
 * Each test is named after the kernel function it mirrors.
 */
#ifndef FRAG_TAP_H
#define FRAG_TAP_H

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct tap_test {
	const char *name;
	void (*fn)(void);
};

#define TAP(fn) { #fn, fn }
#define TAP_COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

static int tap_cur_failures;

static inline void tap_fail(const char *file, int line, const char *what)
{
	tap_cur_failures++;
	printf("# %s:%d: check failed: %s\n", file, line, what);
	fflush(stdout);
}

#define CHECK(cond)                                              \
	do {                                                     \
		if (!(cond))                                     \
			tap_fail(__FILE__, __LINE__, #cond);     \
	} while (0)

#define CHECK_EQ(a, b)                                                                          \
	do {                                                                                    \
		long long _a = (long long)(a), _b = (long long)(b);                             \
		if (_a != _b) {                                                                 \
			char _m[512];                                                           \
			snprintf(_m, sizeof _m, "%s == %s (%lld != %lld)", #a, #b, _a, _b);     \
			tap_fail(__FILE__, __LINE__, _m);                                       \
		}                                                                               \
	} while (0)

#define CHECK_STREQ(a, b)                                                                       \
	do {                                                                                    \
		const char *_a = (a), *_b = (b);                                                \
		if (strcmp(_a, _b)) {                                                           \
			tap_fail(__FILE__, __LINE__, #a " == " #b);                             \
			printf("# got:\n%s\n# expected:\n%s\n", _a, _b);                        \
		}                                                                               \
	} while (0)

static inline int tap_main(const struct tap_test *tests, int n)
{
	int failed = 0;
	const char *only = getenv("TAP_ONLY");
	printf("1..%d\n", n);
	for (int i = 0; i < n; i++) {
		if (only && !strstr(tests[i].name, only)) {
			printf("ok %d - %s # SKIP not selected\n", i + 1, tests[i].name);
			continue;
		}
		tap_cur_failures = 0;
		tests[i].fn();
		if (tap_cur_failures)
			failed++;
		printf("%sok %d - %s\n", tap_cur_failures ? "not " : "", i + 1, tests[i].name);
		fflush(stdout);
	}
	return failed ? 1 : 0;
}

#endif /* FRAG_TAP_H */
