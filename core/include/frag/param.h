/* SPDX-License-Identifier: MIT */
/*
 * param.h - declarative parameter tables.
 *
 * Every policy and workload declares its parameters once, in a table of
 * struct frag_param: name, type, default, bounds, unit, help and the offset
 * of the field in its opts struct. The table drives defaults, parsing and
 * validation (before t=0), `fragsim policies --describe` and the docs.
 */
#ifndef FRAG_PARAM_H
#define FRAG_PARAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum frag_param_type {
	PARAM_BOOL,      /* bool field; "0/1/true/false/yes/no/on/off" */
	PARAM_INT,       /* int64_t field */
	PARAM_UINT,      /* uint64_t field; accepts K/M/G/T suffixes (powers of 1024) */
	PARAM_U32,       /* unsigned field */
	PARAM_DOUBLE,    /* double field */
	PARAM_DURATION,  /* uint64_t field in ns; "10s", "5ms", "2us", "3ns", "1h", "2m"; a bare number is seconds;
			    def/min/max are in seconds */
	PARAM_ENUM,      /* int field: index into choices[] (given by name); def is an index */
	PARAM_STRING,    /* char[FRAG_PARAM_STRLEN] field; default in sdef */
	PARAM_DIST,      /* struct frag_dist field (frag/dist.h); default in sdef; min/max bound every value;
			    unit "ns" parses durations, "bytes" sizes, anything else plain numbers */
};

#define FRAG_PARAM_STRLEN 256

struct frag_param {
	const char *name;            /* key, snake_case */
	enum frag_param_type type;   /* field type */
	size_t offset;               /* offsetof(opts struct, field) */
	double def;                  /* default (numeric types; enum index) */
	double min;                  /* inclusive lower bound */
	double max;                  /* inclusive upper bound */
	const char *unit;            /* "pages", "pageblocks", "ms", "%", "" */
	const char *help;            /* one line */
	const char *sdef;            /* default of PARAM_STRING / PARAM_DIST */
	const char *const *choices;  /* PARAM_ENUM: NULL-terminated names */
};

#define FRAG_PARAM_END { .name = NULL }

/* Table entries (designated initializers, so every field is set on purpose). */
#define FRAG_PARAM(name_, type_, struct_, field_, def_, min_, max_, unit_, help_)                     \
	{ .name = (name_), .type = (type_), .offset = offsetof(struct_, field_), .def = (def_), .min = (min_), \
	  .max = (max_), .unit = (unit_), .help = (help_), .sdef = NULL, .choices = NULL }
#define FRAG_PARAM_STR(name_, struct_, field_, sdef_, help_)                                             \
	{ .name = (name_), .type = PARAM_STRING, .offset = offsetof(struct_, field_), .def = 0, .min = 0,    \
	  .max = 0, .unit = "", .help = (help_), .sdef = (sdef_), .choices = NULL }
#define FRAG_PARAM_ENUM(name_, struct_, field_, def_, choices_, help_)                                   \
	{ .name = (name_), .type = PARAM_ENUM, .offset = offsetof(struct_, field_), .def = (def_), .min = 0, \
	  .max = 0, .unit = "", .help = (help_), .sdef = NULL, .choices = (choices_) }
#define FRAG_PARAM_DIST(name_, struct_, field_, sdef_, min_, max_, unit_, help_)                         \
	{ .name = (name_), .type = PARAM_DIST, .offset = offsetof(struct_, field_), .def = 0, .min = (min_), \
	  .max = (max_), .unit = (unit_), .help = (help_), .sdef = (sdef_), .choices = NULL }

/* Number of entries before the terminating FRAG_PARAM_END. */
unsigned frag_param_count(const struct frag_param *params);
const struct frag_param *frag_param_find(const struct frag_param *params, const char *name);

/* Write every default into @opts. */
void frag_param_defaults(const struct frag_param *params, void *opts);

/**
 * frag_param_set() - parse @value for @name and store it into @opts.
 * Returns 0; -ENOENT for an unknown name (then @err lists the valid names);
 * -EINVAL for a value of the wrong type; -ERANGE for a value out of bounds.
 * @err receives a message naming the parameter, the value and the bounds.
 */
int frag_param_set(const struct frag_param *params, void *opts, const char *name, const char *value,
		   char *err, size_t errlen);

/* Check every field of @opts against its bounds (for opts built in code). */
int frag_param_validate(const struct frag_param *params, const void *opts, char *err, size_t errlen);

/* Parse a duration ("10s", "5ms", bare seconds) into ns. */
bool frag_parse_duration(const char *s, uint64_t *ns);
/* Parse a size ("4K", "2GiB", bare bytes) into bytes. */
bool frag_parse_size(const char *s, uint64_t *bytes);

/* Format the current value of @p in @opts into @buf. */
const char *frag_param_format(const struct frag_param *p, const void *opts, char *buf, size_t len);

#endif /* FRAG_PARAM_H */
