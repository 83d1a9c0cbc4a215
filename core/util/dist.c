/* SPDX-License-Identifier: MIT */
/*
 * dist.c - parsing and sampling workload distributions (see frag/dist.h).
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frag/dist.h"
#include "frag/param.h"
#include "rng.h"

static const char *const kind_names[] = {
	[DIST_FIXED] = "fixed",         [DIST_UNIFORM] = "uniform", [DIST_EXP] = "exp",
	[DIST_LOGNORMAL] = "lognormal", [DIST_PARETO] = "pareto",   [DIST_EMPIRICAL] = "empirical",
};

static bool parse_value(const char *s, enum frag_dist_unit unit, double *out)
{
	uint64_t v;
	char *end;
	switch (unit) {
	case DIST_UNIT_NS:
		if (!frag_parse_duration(s, &v))
			return false;
		*out = (double)v;
		return true;
	case DIST_UNIT_BYTES:
		if (!frag_parse_size(s, &v))
			return false;
		*out = (double)v;
		return true;
	default:
		errno = 0;
		*out = strtod(s, &end);
		while (isspace((unsigned char)*end))
			end++;
		return !errno && end != s && !*end && isfinite(*out);
	}
}

static bool parse_plain(const char *s, double *out)
{
	return parse_value(s, DIST_UNIT_PLAIN, out);
}

/* Split "a, b, c" into trimmed tokens (in place). */
static unsigned split_args(char *s, char **tok, unsigned max)
{
	unsigned n = 0;
	char *save = NULL;
	for (char *t = strtok_r(s, ",", &save); t && n < max; t = strtok_r(NULL, ",", &save)) {
		while (isspace((unsigned char)*t))
			t++;
		char *e = t + strlen(t);
		while (e > t && isspace((unsigned char)e[-1]))
			*--e = 0;
		tok[n++] = t;
	}
	return n;
}

int frag_dist_parse(const char *s, enum frag_dist_unit unit, struct frag_dist *d, char *err, size_t errlen)
{
	char buf[2048], *tok[FRAG_DIST_MAX_POINTS + 1];
	memset(d, 0, sizeof(*d));

	while (isspace((unsigned char)*s))
		s++;
	size_t len = strlen(s);
	if (len >= sizeof buf) {
		snprintf(err, errlen, "distribution '%.40s...' is too long", s);
		return -EINVAL;
	}
	const char *open = strchr(s, '(');
	/* A bare value is fixed(value). */
	if (!open) {
		double v;
		if (!parse_value(s, unit, &v)) {
			snprintf(err, errlen, "'%s' is neither a value nor a distribution like exp(10ms)", s);
			return -EINVAL;
		}
		d->kind = DIST_FIXED;
		d->a = v;
		return 0;
	}
	const char *close = strrchr(s, ')');
	if (!close || close < open || close[1]) {
		snprintf(err, errlen, "'%s': expected NAME(ARGS)", s);
		return -EINVAL;
	}
	size_t nlen = (size_t)(open - s);
	int kind = -1;
	for (unsigned k = 0; k < sizeof kind_names / sizeof kind_names[0]; k++)
		if (strlen(kind_names[k]) == nlen && !strncmp(s, kind_names[k], nlen))
			kind = (int)k;
	if (kind < 0) {
		snprintf(err, errlen, "'%.*s' is not a distribution (fixed, uniform, exp, lognormal, pareto, empirical)",
			 (int)nlen, s);
		return -EINVAL;
	}
	memcpy(buf, open + 1, (size_t)(close - open - 1));
	buf[close - open - 1] = 0;
	unsigned n = split_args(buf, tok, FRAG_DIST_MAX_POINTS + 1);
	d->kind = (enum frag_dist_kind)kind;
	static const unsigned nargs[] = { 1, 2, 1, 2, 2, 0 };
	if (kind != DIST_EMPIRICAL && n != nargs[kind]) {
		snprintf(err, errlen, "%s() takes %u argument(s), got %u", kind_names[kind], nargs[kind], n);
		return -EINVAL;
	}
	switch (d->kind) {
	case DIST_FIXED:
	case DIST_EXP:
		if (!parse_value(tok[0], unit, &d->a))
			goto badval0;
		if (d->kind == DIST_EXP && d->a <= 0) {
			snprintf(err, errlen, "exp(): the mean must be positive");
			return -EINVAL;
		}
		break;
	case DIST_UNIFORM:
		if (!parse_value(tok[0], unit, &d->a))
			goto badval0;
		if (!parse_value(tok[1], unit, &d->b)) {
			snprintf(err, errlen, "uniform(): '%s' is not a valid value", tok[1]);
			return -EINVAL;
		}
		if (d->b < d->a) {
			snprintf(err, errlen, "uniform(): the upper bound is below the lower bound");
			return -EINVAL;
		}
		break;
	case DIST_LOGNORMAL:
	case DIST_PARETO:
		if (!parse_value(tok[0], unit, &d->a))
			goto badval0;
		if (!parse_plain(tok[1], &d->b) || d->b <= 0 || d->a <= 0) {
			snprintf(err, errlen, "%s(): needs a positive %s and a positive %s", kind_names[kind],
				 kind == DIST_LOGNORMAL ? "median" : "scale", kind == DIST_LOGNORMAL ? "sigma" : "alpha");
			return -EINVAL;
		}
		break;
	case DIST_EMPIRICAL: {
		if (n == 0 || n > FRAG_DIST_MAX_POINTS) {
			snprintf(err, errlen, "empirical() takes 1 to %d VALUE:WEIGHT points", FRAG_DIST_MAX_POINTS);
			return -EINVAL;
		}
		double total = 0;
		for (unsigned i = 0; i < n; i++) {
			char *colon = strrchr(tok[i], ':');
			double w = 1;
			if (colon) {
				*colon = 0;
				if (!parse_plain(colon + 1, &w) || w < 0) {
					snprintf(err, errlen, "empirical(): weight '%s' is not a non-negative number", colon + 1);
					return -EINVAL;
				}
			}
			if (!parse_value(tok[i], unit, &d->v[i])) {
				snprintf(err, errlen, "empirical(): '%s' is not a valid value", tok[i]);
				return -EINVAL;
			}
			total += w;
			d->cw[i] = total;
		}
		if (total <= 0) {
			snprintf(err, errlen, "empirical(): the weights sum to zero");
			return -EINVAL;
		}
		for (unsigned i = 0; i < n; i++)
			d->cw[i] /= total;
		d->cw[n - 1] = 1.0;
		d->n = n;
		break;
	}
	}
	return 0;
badval0:
	snprintf(err, errlen, "%s(): '%s' is not a valid value", kind_names[kind], tok[0]);
	return -EINVAL;
}

void frag_dist_bounds(const struct frag_dist *d, double *lo, double *hi)
{
	switch (d->kind) {
	case DIST_FIXED:
		*lo = *hi = d->a;
		return;
	case DIST_UNIFORM:
		*lo = d->a;
		*hi = d->b;
		return;
	case DIST_EXP:
	case DIST_LOGNORMAL:
		*lo = 0;
		*hi = INFINITY;
		return;
	case DIST_PARETO:
		*lo = d->a;
		*hi = INFINITY;
		return;
	case DIST_EMPIRICAL:
		*lo = INFINITY;
		*hi = -INFINITY;
		for (unsigned i = 0; i < d->n; i++) {
			if (d->v[i] < *lo)
				*lo = d->v[i];
			if (d->v[i] > *hi)
				*hi = d->v[i];
		}
		return;
	}
}

double frag_dist_mean(const struct frag_dist *d)
{
	switch (d->kind) {
	case DIST_FIXED:
	case DIST_EXP:
		return d->a;
	case DIST_UNIFORM:
		return (d->a + d->b) / 2;
	case DIST_LOGNORMAL:
		return d->a * exp(d->b * d->b / 2);
	case DIST_PARETO:
		return d->b > 1 ? d->a * d->b / (d->b - 1) : INFINITY;
	case DIST_EMPIRICAL: {
		double m = 0, prev = 0;
		for (unsigned i = 0; i < d->n; i++) {
			m += d->v[i] * (d->cw[i] - prev);
			prev = d->cw[i];
		}
		return m;
	}
	}
	return 0;
}

/*
 * Sampling math. libm's log1p/cos/pow cost 17-25 ns each and a busy
 * scenario draws tens of millions of samples, so the two transcendental
 * functions on the sampling path are computed here:
 *
 *   ln_unit(x), x in [2^-53, 1]: x = m * 2^e with m in [1, 2); the top 7
 *   mantissa bits pick c = 1 + (k + 1/2)/128 from a table holding 1/c and
 *   ln c (filled once with libm's log); then r = m/c - 1 has |r| < 2^-8 and
 *   ln x = e ln 2 + ln c + ln(1 + r), the last from its series to r^5
 *   (truncation below 1e-15). Within 2^-7 of 1, where ln x -> 0, the series
 *   of ln(1 + r) runs on r = x - 1 directly (to r^8), so the relative error
 *   stays small there too; the tests bound it by 1e-13 everywhere.
 *
 *   cos_uniform_angle(u): the cosine of a uniform angle. A draw u in [0, 1)
 *   picks a quadrant q = floor(4u) and an offset theta in [-pi/4, pi/4);
 *   the angle q pi/2 + theta is uniform on a whole period, and its cosine
 *   is +-cos(theta) or +-sin(theta) by quadrant, from their Taylor series
 *   to theta^14 / theta^15 (error below 1e-15).
 *
 * Pure double arithmetic, so a given binary gives the same samples on every
 * run.
 */
#define LN_TABLE_BITS 7
static struct {
	bool ready;
	double inv_c[1 << LN_TABLE_BITS];
	double ln_c[1 << LN_TABLE_BITS];
} ln_table;

static void ln_table_init(void)
{
	for (int k = 0; k < 1 << LN_TABLE_BITS; k++) {
		double c = 1 + (k + 0.5) / (1 << LN_TABLE_BITS);
		ln_table.inv_c[k] = 1 / c;
		ln_table.ln_c[k] = log(c);
	}
	ln_table.ready = true;
}

static inline double ln_unit(double x)
{
	if (x > 1 - 1.0 / 128) {
		/* Near 1: ln(1 + r) from r = x - 1 (exact), |r| < 2^-7, to r^8,
		 * keeping the relative accuracy where ln x -> 0. */
		double r = x - 1;
		return r * (1 - r * (1.0 / 2 - r * (1.0 / 3 - r * (1.0 / 4 - r * (1.0 / 5 - r * (1.0 / 6 -
						r * (1.0 / 7 - r * (1.0 / 8))))))));
	}
	union { double d; uint64_t u; } v = { .d = x };
	int e = (int)((v.u >> 52) & 0x7ff) - 1023;
	unsigned k = (unsigned)(v.u >> (52 - LN_TABLE_BITS)) & ((1u << LN_TABLE_BITS) - 1);
	v.u = (v.u & 0x000fffffffffffffull) | 0x3ff0000000000000ull;   /* m in [1, 2) */
	if (__builtin_expect(!ln_table.ready, 0))
		ln_table_init();
	double r = v.d * ln_table.inv_c[k] - 1, r2 = r * r;
	double p = r - r2 * (0.5 - r * (1.0 / 3)) + r2 * r2 * (r * (1.0 / 5) - 0.25);
	return (double)e * M_LN2 + ln_table.ln_c[k] + p;
}

static inline double cos_uniform_angle(double u)
{
	double v = 4 * u;
	int q = (int)v;
	double t = (v - q - 0.5) * M_PI_2, t2 = t * t;
	/* Only the series the quadrant needs (each costs seven divisions). */
	if (q & 1) {
		double sn = t * (1 - t2 / 6 * (1 - t2 / 20 * (1 - t2 / 42 * (1 - t2 / 72 * (1 - t2 / 110 *
						(1 - t2 / 156 * (1 - t2 / 210)))))));
		return (q & 2) ? sn : -sn;   /* quadrant 3: sin, 1: -sin */
	}
	double c = 1 - t2 / 2 * (1 - t2 / 12 * (1 - t2 / 30 * (1 - t2 / 56 * (1 - t2 / 90 * (1 - t2 / 132 *
					 (1 - t2 / 182))))));
	return (q & 2) ? -c : c;          /* quadrant 2: -cos, 0: cos */
}

double frag_dist_ln_unit(double x)
{
	return ln_unit(x);
}

double frag_dist_sample(const struct frag_dist *d, struct frag_rng *rng)
{
	/* Always two draws, whatever the family. */
	double u1 = frag_rng_double(rng), u2 = frag_rng_double(rng);
	switch (d->kind) {
	case DIST_FIXED:
		return d->a;
	case DIST_UNIFORM:
		return d->a + (d->b - d->a) * u1;
	case DIST_EXP:
		/* Inverse CDF; 1 - u1 is in [2^-53, 1], exact. */
		return -d->a * ln_unit(1.0 - u1);
	case DIST_LOGNORMAL: {
		/* Box-Muller: sqrt(-2 ln U1) cos(2 pi U2) is standard normal. */
		double z = sqrt(-2.0 * ln_unit(1.0 - u1)) * cos_uniform_angle(u2);
		return d->a * exp(d->b * z);
	}
	case DIST_PARETO:
		/* scale / U^(1/alpha) = scale * exp(-ln U / alpha) */
		return d->a * exp(-ln_unit(1.0 - u1) / d->b);
	case DIST_EMPIRICAL:
		for (unsigned i = 0; i < d->n; i++)
			if (u1 < d->cw[i])
				return d->v[i];
		return d->v[d->n - 1];
	}
	return 0;
}

const char *frag_dist_format(const struct frag_dist *d, char *buf, size_t len)
{
	switch (d->kind) {
	case DIST_FIXED:
	case DIST_EXP:
		snprintf(buf, len, "%s(%g)", kind_names[d->kind], d->a);
		break;
	case DIST_UNIFORM:
	case DIST_LOGNORMAL:
	case DIST_PARETO:
		snprintf(buf, len, "%s(%g, %g)", kind_names[d->kind], d->a, d->b);
		break;
	case DIST_EMPIRICAL: {
		size_t off = (size_t)snprintf(buf, len, "empirical(");
		double prev = 0;
		for (unsigned i = 0; i < d->n && off < len; i++) {
			off += (size_t)snprintf(buf + off, len - off, "%s%g:%g", i ? ", " : "", d->v[i], d->cw[i] - prev);
			prev = d->cw[i];
		}
		if (off < len)
			snprintf(buf + off, len - off, ")");
		break;
	}
	}
	return buf;
}
