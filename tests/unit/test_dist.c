/* SPDX-License-Identifier: MIT */
/*
 * test_dist.c - workload distributions: the sampling math (ln_unit against
 * libm), each family's law (means, quantiles, frequencies against their
 * closed forms), the two-draws-per-sample contract, and determinism.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/util/rng.h"
#include "frag/dist.h"
#include "tap.h"

#define N 400000

static struct frag_dist parse(const char *s, enum frag_dist_unit unit)
{
	struct frag_dist d;
	char err[256];
	if (frag_dist_parse(s, unit, &d, err, sizeof err)) {
		printf("# parse '%s': %s\n", s, err);
		memset(&d, 0, sizeof d);
	}
	return d;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* N samples of @d, sorted. */
static double *samples(const struct frag_dist *d, uint64_t seed)
{
	struct frag_rng r;
	double *v = malloc(N * sizeof(*v));
	frag_rng_seed(&r, seed, 7);
	for (int i = 0; i < N; i++)
		v[i] = frag_dist_sample(d, &r);
	qsort(v, N, sizeof(*v), cmp_double);
	return v;
}

static double mean_of(const double *v, int n)
{
	double m = 0;
	for (int i = 0; i < n; i++)
		m += v[i];
	return m / n;
}

#define CHECK_NEAR(x, want, reltol)                                                               \
	do {                                                                                      \
		double _x = (x), _w = (want);                                                     \
		if (!(fabs(_x - _w) <= (reltol) * fabs(_w))) {                                    \
			printf("# %s = %.9g, want %.9g (+-%g relative)\n", #x, _x, _w, (double)(reltol)); \
			tap_fail(__FILE__, __LINE__, #x " near " #want);                           \
		}                                                                                 \
	} while (0)

/* ln_unit() against libm's log over [2^-53, 1]: every exponent, dense mantissas. */
static void test_ln_unit_accuracy(void)
{
	double worst = 0, at = 1;
	struct frag_rng r;
	frag_rng_seed(&r, 1, 1);
	for (int e = 0; e <= 53; e++)
		for (int i = 0; i < 20000; i++) {
			double m = 1 + (i < 2 ? i * (1 - 0x1.0p-52) : frag_rng_double(&r));   /* 1 and 2-eps too */
			double x = ldexp(m, -e - 1);
			if (x > 1 || x < 0x1.0p-53)
				continue;
			double got = frag_dist_ln_unit(x), want = log(x);
			double err = want == 0 ? fabs(got) : fabs(got - want) / fabs(want);
			if (err > worst) {
				worst = err;
				at = x;
			}
		}
	CHECK_EQ(frag_dist_ln_unit(1.0), 0);
	if (worst > 1e-13)
		printf("# worst relative error %g at x = %a\n", worst, at);
	CHECK(worst <= 1e-13);
	/* The smallest argument a sampler passes: 1 - (1 - 2^-53). */
	CHECK_NEAR(frag_dist_ln_unit(0x1.0p-53), -53 * M_LN2, 1e-15);
}

/* exp(MEAN): mean, median MEAN ln 2, P(X > 3 MEAN) = e^-3. */
static void test_exp_law(void)
{
	struct frag_dist d = parse("exp(10ms)", DIST_UNIT_NS);
	double *v = samples(&d, 11);
	CHECK_EQ(d.kind, DIST_EXP);
	CHECK_NEAR(mean_of(v, N), 10e6, 0.01);
	CHECK_NEAR(v[N / 2], 10e6 * M_LN2, 0.01);
	int above = 0;
	for (int i = 0; i < N; i++)
		above += v[i] > 30e6;
	CHECK_NEAR((double)above / N, exp(-3), 0.03);
	CHECK(v[0] >= 0);
	CHECK_NEAR(frag_dist_mean(&d), 10e6, 1e-12);
	free(v);
}

/* lognormal(MEDIAN, SIGMA): median, mean MEDIAN e^(SIGMA^2/2), the quartiles
 * MEDIAN e^(+-0.6745 SIGMA), and a symmetric log. */
static void test_lognormal_law(void)
{
	struct frag_dist d = parse("lognormal(1s, 0.8)", DIST_UNIT_NS);
	double *v = samples(&d, 12);
	CHECK_EQ(d.kind, DIST_LOGNORMAL);
	CHECK_NEAR(v[N / 2], 1e9, 0.01);
	CHECK_NEAR(mean_of(v, N), 1e9 * exp(0.32), 0.01);
	CHECK_NEAR(v[N / 4], 1e9 * exp(-0.6744897501960817 * 0.8), 0.015);
	CHECK_NEAR(v[3 * N / 4], 1e9 * exp(0.6744897501960817 * 0.8), 0.015);
	/* The standard normal behind it: mean 0, variance 1, no quadrant bias. */
	double m = 0, m2 = 0;
	int q[4] = { 0 };
	for (int i = 0; i < N; i++) {
		double z = log(v[i] / 1e9) / 0.8;
		m += z;
		m2 += z * z;
	}
	m /= N;
	m2 /= N;
	CHECK(fabs(m) < 0.01);
	CHECK_NEAR(m2, 1.0, 0.01);
	/* A draw far in each quadrant of the angle gives the expected sign. */
	struct frag_dist unit = parse("lognormal(1, 1)", DIST_UNIT_PLAIN);
	struct frag_rng r;
	frag_rng_seed(&r, 3, 3);
	for (int i = 0; i < N / 4; i++)
		q[frag_dist_sample(&unit, &r) > 1] += 1;
	CHECK_NEAR((double)q[1] / (N / 4), 0.5, 0.02);
	free(v);
}

/* pareto(SCALE, ALPHA): minimum SCALE, median SCALE 2^(1/ALPHA),
 * P(X > 10 SCALE) = 10^-ALPHA. */
static void test_pareto_law(void)
{
	struct frag_dist d = parse("pareto(10s, 1.2)", DIST_UNIT_NS);
	double *v = samples(&d, 13);
	CHECK_EQ(d.kind, DIST_PARETO);
	CHECK(v[0] >= 10e9 * (1 - 1e-12));
	CHECK_NEAR(v[N / 2], 10e9 * pow(2, 1 / 1.2), 0.01);
	int above = 0;
	for (int i = 0; i < N; i++)
		above += v[i] > 100e9;
	CHECK_NEAR((double)above / N, pow(10, -1.2), 0.03);
	CHECK_NEAR(frag_dist_mean(&d), 10e9 * 1.2 / 0.2, 1e-12);
	free(v);
}

static void test_uniform_fixed_empirical(void)
{
	struct frag_dist u = parse("uniform(4K, 12K)", DIST_UNIT_BYTES), f = parse("fixed(2M)", DIST_UNIT_BYTES),
			 e = parse("empirical(256:3, 1500:6, 9000:1)", DIST_UNIT_BYTES);
	double *v = samples(&u, 14);
	CHECK(v[0] >= 4096 && v[N - 1] < 12288);
	CHECK_NEAR(mean_of(v, N), 8192, 0.005);
	CHECK_NEAR(v[N / 4], 6144, 0.01);
	free(v);
	v = samples(&f, 15);
	CHECK_EQ(v[0], 2 << 20);
	CHECK_EQ(v[N - 1], 2 << 20);
	free(v);
	v = samples(&e, 16);
	int c256 = 0, c1500 = 0, c9000 = 0, other = 0;
	for (int i = 0; i < N; i++) {
		if (v[i] == 256)
			c256++;
		else if (v[i] == 1500)
			c1500++;
		else if (v[i] == 9000)
			c9000++;
		else
			other++;
	}
	CHECK_EQ(other, 0);
	CHECK_NEAR((double)c256 / N, 0.3, 0.02);
	CHECK_NEAR((double)c1500 / N, 0.6, 0.02);
	CHECK_NEAR((double)c9000 / N, 0.1, 0.03);
	CHECK_NEAR(frag_dist_mean(&e), 0.3 * 256 + 0.6 * 1500 + 0.1 * 9000, 1e-12);
	free(v);
}

/* dist.h: every draw uses exactly two uniform numbers, whatever the family,
 * so a stream's later draws do not depend on which distribution was sampled. */
static void test_two_draws(void)
{
	const char *specs[] = { "fixed(5)", "uniform(1, 2)", "exp(3)", "lognormal(2, 1)", "pareto(1, 2)",
				"empirical(1:1, 2:1)" };
	for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
		struct frag_dist d = parse(specs[i], DIST_UNIT_PLAIN);
		struct frag_rng a, b;
		frag_rng_seed(&a, 42, 9);
		frag_rng_seed(&b, 42, 9);
		for (int k = 0; k < 100; k++)
			frag_dist_sample(&d, &a);
		for (int k = 0; k < 200; k++)
			frag_rng_next(&b);
		if (memcmp(&a, &b, sizeof a)) {
			printf("# %s does not draw exactly twice\n", specs[i]);
			tap_fail(__FILE__, __LINE__, "two draws per sample");
		}
	}
}

/* The same (seed, stream) gives the same samples; another stream does not. */
static void test_deterministic(void)
{
	struct frag_dist d = parse("lognormal(24M, 1)", DIST_UNIT_BYTES);
	struct frag_rng a, b, c;
	frag_rng_seed(&a, 5, 1);
	frag_rng_seed(&b, 5, 1);
	frag_rng_seed(&c, 5, 2);
	int same = 1, differ = 0;
	for (int i = 0; i < 1000; i++) {
		double x = frag_dist_sample(&d, &a), y = frag_dist_sample(&d, &b), z = frag_dist_sample(&d, &c);
		same &= memcmp(&x, &y, sizeof x) == 0;
		differ += x != z;
	}
	CHECK(same);
	CHECK(differ > 990);
}

static const struct tap_test tests[] = {
	TAP(test_ln_unit_accuracy), TAP(test_exp_law),	  TAP(test_lognormal_law),
	TAP(test_pareto_law),	     TAP(test_uniform_fixed_empirical), TAP(test_two_draws),
	TAP(test_deterministic),
};

int main(void)
{
	return tap_main(tests, TAP_COUNT(tests));
}
