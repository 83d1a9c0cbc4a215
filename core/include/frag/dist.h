/* SPDX-License-Identifier: MIT */
/*
 * dist.h - random distributions for workload parameters.
 *
 * Written in scenarios as fixed(X), uniform(A, B), exp(MEAN),
 * lognormal(MEDIAN, SIGMA), pareto(SCALE, ALPHA) or
 * empirical(V1:W1, V2:W2, ...). Values carry the parameter's unit
 * (durations like 10ms, sizes like 4K, or plain numbers); SIGMA and ALPHA are
 * plain shape numbers. Every draw uses exactly two uniform random numbers,
 * so a stream's later draws never depend on which distribution was sampled.
 */
#ifndef FRAG_DIST_H
#define FRAG_DIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FRAG_DIST_MAX_POINTS 32

enum frag_dist_kind {
	DIST_FIXED,
	DIST_UNIFORM,
	DIST_EXP,
	DIST_LOGNORMAL,
	DIST_PARETO,
	DIST_EMPIRICAL,
};

struct frag_dist {
	enum frag_dist_kind kind;                /* which family */
	double a;                                /* fixed value, lower bound, mean, median or scale */
	double b;                                /* upper bound, sigma or alpha */
	unsigned n;                              /* empirical: number of points */
	double v[FRAG_DIST_MAX_POINTS];          /* empirical: values */
	double cw[FRAG_DIST_MAX_POINTS];         /* empirical: cumulative weights, last = 1 */
};

struct frag_rng;

/* unit: 0 plain numbers, 1 durations (ns), 2 sizes (bytes). */
enum frag_dist_unit { DIST_UNIT_PLAIN, DIST_UNIT_NS, DIST_UNIT_BYTES };

/* Parse @s; -EINVAL with a message in @err on error. */
int frag_dist_parse(const char *s, enum frag_dist_unit unit, struct frag_dist *d, char *err, size_t errlen);
/* Smallest and largest value the distribution can produce (max may be INFINITY). */
void frag_dist_bounds(const struct frag_dist *d, double *lo, double *hi);
/* Mean (INFINITY for a Pareto with alpha <= 1). */
double frag_dist_mean(const struct frag_dist *d);
/* One sample. */
double frag_dist_sample(const struct frag_dist *d, struct frag_rng *rng);
/* ln(x) for x in [2^-53, 1], as the samplers compute it (exposed for tests). */
double frag_dist_ln_unit(double x);

/* Format back to text. */
const char *frag_dist_format(const struct frag_dist *d, char *buf, size_t len);

#endif /* FRAG_DIST_H */
