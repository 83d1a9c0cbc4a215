/* SPDX-License-Identifier: MIT */
/*
 * param.c - table-driven parameters: defaults, parsing, bounds, formatting.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "frag/dist.h"
#include "frag/param.h"

unsigned frag_param_count(const struct frag_param *params)
{
	unsigned n = 0;
	if (!params)
		return 0;
	while (params[n].name)
		n++;
	return n;
}

const struct frag_param *frag_param_find(const struct frag_param *params, const char *name)
{
	for (unsigned i = 0; params && params[i].name; i++)
		if (!strcmp(params[i].name, name))
			return &params[i];
	return NULL;
}

static void store(const struct frag_param *p, void *opts, double v)
{
	char *f = (char *)opts + p->offset;
	switch (p->type) {
	case PARAM_BOOL:
		*(bool *)f = v != 0;
		break;
	case PARAM_INT:
		*(int64_t *)f = (int64_t)v;
		break;
	case PARAM_UINT:
		*(uint64_t *)f = (uint64_t)v;
		break;
	case PARAM_U32:
		*(unsigned *)f = (unsigned)v;
		break;
	case PARAM_DOUBLE:
		*(double *)f = v;
		break;
	case PARAM_DURATION:
		*(uint64_t *)f = (uint64_t)v;
		break;
	case PARAM_ENUM:
		*(int *)f = (int)v;
		break;
	case PARAM_STRING:
	case PARAM_DIST:
		break;   /* not numeric */
	}
}

static double load(const struct frag_param *p, const void *opts)
{
	const char *f = (const char *)opts + p->offset;
	switch (p->type) {
	case PARAM_BOOL:
		return *(const bool *)f;
	case PARAM_INT:
		return (double)*(const int64_t *)f;
	case PARAM_UINT:
		return (double)*(const uint64_t *)f;
	case PARAM_U32:
		return *(const unsigned *)f;
	case PARAM_DOUBLE:
		return *(const double *)f;
	case PARAM_DURATION:
		return (double)*(const uint64_t *)f;
	case PARAM_ENUM:
		return *(const int *)f;
	case PARAM_STRING:
	case PARAM_DIST:
		return 0;
	}
	return 0;
}

static enum frag_dist_unit dist_unit(const struct frag_param *p)
{
	if (p->unit && !strcmp(p->unit, "ns"))
		return DIST_UNIT_NS;
	if (p->unit && !strcmp(p->unit, "bytes"))
		return DIST_UNIT_BYTES;
	return DIST_UNIT_PLAIN;
}

/* Bounds as stored: durations are declared in seconds, stored in ns. */
static double scale(const struct frag_param *p)
{
	return p->type == PARAM_DURATION ? 1e9 : 1.0;
}

void frag_param_defaults(const struct frag_param *params, void *opts)
{
	for (unsigned i = 0; params && params[i].name; i++) {
		const struct frag_param *p = &params[i];
		char *f = (char *)opts + p->offset;
		if (p->type == PARAM_STRING) {
			snprintf(f, FRAG_PARAM_STRLEN, "%s", p->sdef ? p->sdef : "");
		} else if (p->type == PARAM_DIST) {
			char err[128];
			if (frag_dist_parse(p->sdef ? p->sdef : "0", dist_unit(p), (struct frag_dist *)f, err, sizeof err))
				frag_dist_parse("0", DIST_UNIT_PLAIN, (struct frag_dist *)f, err, sizeof err);
		} else {
			store(p, opts, p->def * scale(p));
		}
	}
}

static void msg(char *err, size_t errlen, const char *fmt, ...)
{
	if (!err || !errlen)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static const char *type_name(enum frag_param_type t)
{
	switch (t) {
	case PARAM_BOOL:
		return "a boolean";
	case PARAM_INT:
		return "an integer";
	case PARAM_UINT:
	case PARAM_U32:
		return "a non-negative integer";
	case PARAM_DOUBLE:
		return "a number";
	case PARAM_DURATION:
		return "a duration (e.g. 10s, 5ms, 100us)";
	case PARAM_ENUM:
		return "one of the listed names";
	case PARAM_STRING:
		return "a string";
	case PARAM_DIST:
		return "a value or a distribution";
	}
	return "?";
}

static void fmt_num(const struct frag_param *p, double v, char *buf, size_t len)
{
	if (p->type == PARAM_DURATION)
		snprintf(buf, len, "%gs", v / 1e9);
	else if (p->type == PARAM_ENUM && p->choices)
		snprintf(buf, len, "%s", p->choices[(int)v]);
	else if (p->type == PARAM_DOUBLE)
		snprintf(buf, len, "%g", v);
	else if (p->type == PARAM_BOOL)
		snprintf(buf, len, "%s", v != 0 ? "true" : "false");
	else
		snprintf(buf, len, "%.0f", v);
}

/* Parse an integer with an optional K/M/G/T (1024-based) suffix. */
static bool parse_integer(const char *s, bool allow_suffix, double *out)
{
	char *end;
	errno = 0;
	while (isspace((unsigned char)*s))
		s++;
	if (!*s)
		return false;
	long long v = strtoll(s, &end, 0);
	if (errno || end == s)
		return false;
	double d = (double)v;
	if (allow_suffix && *end) {
		switch (toupper((unsigned char)*end)) {
		case 'K':
			d *= 1024.0;
			end++;
			break;
		case 'M':
			d *= 1048576.0;
			end++;
			break;
		case 'G':
			d *= 1073741824.0;
			end++;
			break;
		case 'T':
			d *= 1099511627776.0;
			end++;
			break;
		}
		if (toupper((unsigned char)*end) == 'I' && toupper((unsigned char)end[1]) == 'B')
			end += 2;
		else if (toupper((unsigned char)*end) == 'B')
			end++;
	}
	while (isspace((unsigned char)*end))
		end++;
	if (*end)
		return false;
	*out = d;
	return true;
}

bool frag_parse_size(const char *s, uint64_t *bytes)
{
	double v;
	if (!parse_integer(s, true, &v) || v < 0 || v >= 18446744073709551616.0 || strchr(s, '-'))
		return false;
	*bytes = (uint64_t)v;
	return true;
}

bool frag_parse_duration(const char *s, uint64_t *ns)
{
	char *end;
	while (isspace((unsigned char)*s))
		s++;
	if (!*s || *s == '-' || *s == '+')
		return false;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || !isfinite(v) || v < 0)
		return false;
	while (isspace((unsigned char)*end))
		end++;
	double mul;
	if (!*end || !strcmp(end, "s"))
		mul = 1e9;
	else if (!strcmp(end, "ms"))
		mul = 1e6;
	else if (!strcmp(end, "us"))
		mul = 1e3;
	else if (!strcmp(end, "ns"))
		mul = 1;
	else if (!strcmp(end, "m") || !strcmp(end, "min"))
		mul = 60e9;
	else if (!strcmp(end, "h"))
		mul = 3600e9;
	else if (!strcmp(end, "d"))
		mul = 86400e9;
	else
		return false;
	double r = v * mul;
	if (r >= 18446744073709551616.0)
		return false;
	*ns = (uint64_t)(r + 0.5);
	return true;
}

static bool parse_bool(const char *s, double *out)
{
	static const char *yes[] = { "1", "true", "yes", "on", "y" };
	static const char *no[] = { "0", "false", "no", "off", "n" };
	for (unsigned i = 0; i < 5; i++) {
		if (!strcasecmp(s, yes[i])) {
			*out = 1;
			return true;
		}
		if (!strcasecmp(s, no[i])) {
			*out = 0;
			return true;
		}
	}
	return false;
}

static void list_names(const struct frag_param *params, char *buf, size_t len)
{
	size_t off = 0;
	buf[0] = 0;
	for (unsigned i = 0; params && params[i].name && off + 2 < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? ", " : "", params[i].name);
	if (!params || !params[0].name)
		snprintf(buf, len, "(none)");
}

static int check_range(const struct frag_param *p, double v, const char *value, char *err, size_t errlen)
{
	if (p->type == PARAM_STRING || p->type == PARAM_DIST || p->type == PARAM_ENUM)
		return 0;
	if (v < p->min * scale(p) || v > p->max * scale(p) || isnan(v)) {
		char lo[32], hi[32];
		fmt_num(p, p->min * scale(p), lo, sizeof lo);
		fmt_num(p, p->max * scale(p), hi, sizeof hi);
		msg(err, errlen, "%s = %s is out of range [%s, %s]%s%s", p->name, value, lo, hi, p->unit && *p->unit ? " " : "",
		    p->unit ? p->unit : "");
		return -ERANGE;
	}
	return 0;
}

int frag_param_set(const struct frag_param *params, void *opts, const char *name, const char *value,
		   char *err, size_t errlen)
{
	const struct frag_param *p = frag_param_find(params, name);
	double v;
	if (!p) {
		char names[1024];
		list_names(params, names, sizeof names);
		msg(err, errlen, "unknown parameter '%s'; valid parameters: %s", name, names);
		return -ENOENT;
	}
	bool ok;
	char *field = (char *)opts + p->offset;
	switch (p->type) {
	case PARAM_STRING:
		if (strlen(value) >= FRAG_PARAM_STRLEN) {
			msg(err, errlen, "%s: value is longer than %d characters", p->name, FRAG_PARAM_STRLEN - 1);
			return -EINVAL;
		}
		snprintf(field, FRAG_PARAM_STRLEN, "%s", value);
		return 0;
	case PARAM_DIST: {
		struct frag_dist d;
		char derr[256];
		if (frag_dist_parse(value, dist_unit(p), &d, derr, sizeof derr)) {
			msg(err, errlen, "%s = '%s': %s", p->name, value, derr);
			return -EINVAL;
		}
		double lo, hi;
		frag_dist_bounds(&d, &lo, &hi);
		/* Continuous unbounded families are checked by their location
		 * (mean, median, scale); samples are clamped by the workloads. */
		if (d.kind == DIST_EXP || d.kind == DIST_LOGNORMAL)
			lo = hi = d.a;
		else if (d.kind == DIST_PARETO)
			hi = d.a;
		if (lo < p->min || hi > p->max) {
			char a[32], b[32];
			snprintf(a, sizeof a, "%g", p->min);
			snprintf(b, sizeof b, "%g", p->max);
			msg(err, errlen, "%s = '%s' can produce values outside [%s, %s]%s%s", p->name, value, a, b,
			    p->unit && *p->unit ? " " : "", p->unit ? p->unit : "");
			return -ERANGE;
		}
		*(struct frag_dist *)field = d;
		return 0;
	}
	case PARAM_ENUM: {
		for (int i = 0; p->choices && p->choices[i]; i++)
			if (!strcmp(p->choices[i], value)) {
				*(int *)field = i;
				return 0;
			}
		char names[512];
		size_t off = 0;
		names[0] = 0;
		for (int i = 0; p->choices && p->choices[i] && off + 2 < sizeof names; i++)
			off += (size_t)snprintf(names + off, sizeof names - off, "%s%s", i ? ", " : "", p->choices[i]);
		msg(err, errlen, "%s = '%s' is not one of: %s", p->name, value, names);
		return -EINVAL;
	}
	case PARAM_DURATION: {
		uint64_t ns;
		ok = frag_parse_duration(value, &ns);
		v = (double)ns;
		break;
	}
	case PARAM_BOOL:
		ok = parse_bool(value, &v);
		break;
	case PARAM_DOUBLE: {
		char *end;
		errno = 0;
		v = strtod(value, &end);
		while (isspace((unsigned char)*end))
			end++;
		ok = !errno && end != value && !*end && isfinite(v);
		break;
	}
	default:
		ok = parse_integer(value, p->type != PARAM_INT, &v);
		if (ok && p->type != PARAM_INT && strchr(value, '-'))
			ok = false;   /* unsigned parameters take no sign */
		break;
	}
	if (!ok) {
		msg(err, errlen, "%s = '%s' is not %s", p->name, value, type_name(p->type));
		return -EINVAL;
	}
	int ret = check_range(p, v, value, err, errlen);
	if (ret)
		return ret;
	store(p, opts, v);
	return 0;
}

int frag_param_validate(const struct frag_param *params, const void *opts, char *err, size_t errlen)
{
	for (unsigned i = 0; params && params[i].name; i++) {
		double v = load(&params[i], opts);
		char buf[32];
		fmt_num(&params[i], v, buf, sizeof buf);
		int ret = check_range(&params[i], v, buf, err, errlen);
		if (ret)
			return ret;
	}
	return 0;
}

const char *frag_param_format(const struct frag_param *p, const void *opts, char *buf, size_t len)
{
	const char *field = (const char *)opts + p->offset;
	if (p->type == PARAM_STRING)
		snprintf(buf, len, "%s", field);
	else if (p->type == PARAM_DIST)
		frag_dist_format((const struct frag_dist *)field, buf, len);
	else
		fmt_num(p, load(p, opts), buf, len);
	return buf;
}
