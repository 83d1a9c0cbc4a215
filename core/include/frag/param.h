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
};

struct frag_param {
	const char *name;            /* key, snake_case */
	enum frag_param_type type;   /* field type */
	size_t offset;               /* offsetof(opts struct, field) */
	double def;                  /* default */
	double min;                  /* inclusive lower bound */
	double max;                  /* inclusive upper bound */
	const char *unit;            /* "pages", "pageblocks", "ms", "%", "" */
	const char *help;            /* one line */
};

#define FRAG_PARAM_END { 0 }

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

/* Format the current value of @p in @opts into @buf. */
const char *frag_param_format(const struct frag_param *p, const void *opts, char *buf, size_t len);

#endif /* FRAG_PARAM_H */
