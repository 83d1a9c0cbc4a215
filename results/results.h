/* SPDX-License-Identifier: MIT */
/*
 * results.h - the result sinks of results/ and their registry.
 *
 * A sink is named by a URL "scheme:path":
 *   sqlite:out/fragsim.db   one SQLite database per experiment (many runs)
 *   h5:out/runs             a directory; each run writes DIR/<uid>.h5
 *   text:-                  the run identity and a "key: value" summary on
 *                           stdout ("-") or appended to a file
 * The formats are documented in docs/results-format.md; the SQLite schema
 * is results/schema.sql (compiled into the binary).
 */
#ifndef FRAG_RESULTS_H
#define FRAG_RESULTS_H

#include <stddef.h>

#include "frag/sink.h"

/* Layout version of results/schema.sql; bump with any incompatible change. */
#define FRAG_RESULTS_SCHEMA_VERSION 1
/* Layout version of the HDF5 files (root attribute format_version). */
#define FRAG_H5_FORMAT_VERSION 1

extern const struct frag_sink_ops frag_sink_sqlite;
extern const struct frag_sink_ops frag_sink_h5;
extern const struct frag_sink_ops frag_sink_text;

/* The text of results/schema.sql, as compiled in. */
extern const char frag_results_schema_sql[];

/**
 * frag_sink_lookup() - find the sink of a URL "scheme:path".
 * @url:    e.g. "sqlite:out/fragsim.db"
 * @ops:    set to the sink
 * @path:   set to the part after the first ':' (points into @url)
 * @err:    on failure, a message naming the URL and the known schemes
 *
 * Return: 0, or -EINVAL (no ':', empty path) or -ENOENT (unknown scheme).
 */
int frag_sink_lookup(const char *url, const struct frag_sink_ops **ops, const char **path,
		     char *err, size_t errlen);

/* The registered sinks, in a fixed order; *nr is set to their number. */
const struct frag_sink_ops *const *frag_sinks(unsigned *nr);

/**
 * frag_run_uid_new() - a fresh random run uid (32 lowercase hex digits).
 * Return: 0, or -errno when no randomness is available.
 */
int frag_run_uid_new(char uid[FRAG_RUN_UID_LEN]);

#endif /* FRAG_RESULTS_H */
