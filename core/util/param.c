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
	}
	return 0;
}

void frag_param_defaults(const struct frag_param *params, void *opts)
{
	for (unsigned i = 0; params && params[i].name; i++)
		store(&params[i], opts, params[i].def);
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
	}
	return "?";
}

static void fmt_num(const struct frag_param *p, double v, char *buf, size_t len)
{
	if (p->type == PARAM_DOUBLE)
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
	if (v < p->min || v > p->max || isnan(v)) {
		char lo[32], hi[32];
		fmt_num(p, p->min, lo, sizeof lo);
		fmt_num(p, p->max, hi, sizeof hi);
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
	switch (p->type) {
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
	fmt_num(p, load(p, opts), buf, len);
	return buf;
}
