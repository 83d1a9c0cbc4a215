/* SPDX-License-Identifier: MIT */
/*
 * internal.h - helpers shared by the sinks of results/ (not for core/).
 */
#ifndef FRAG_RESULTS_INTERNAL_H
#define FRAG_RESULTS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "results/results.h"

/* Helpers shared by the sinks (results/util.c). */

/* True if @uid is 1..32 hex digits (it becomes a file name). */
int frag_results_uid_valid(const char *uid);
/* mkdir -p @dir (mode 0777 & ~umask); 0 or -errno, @err names the failing path. */
int frag_results_mkdirs(const char *dir, char *err, size_t errlen);
/* mkdir -p of the directory part of @file. */
int frag_results_mkdirs_parent(const char *file, char *err, size_t errlen);
/*
 * The path of @to relative to the directory @from_dir (both made absolute
 * against the working directory; existing directories are resolved with
 * realpath(3), the rest lexically). 0, or -ENAMETOOLONG / -errno.
 */
int frag_results_relpath(const char *from_dir, const char *to, char *out, size_t len);
/* The current UTC time as "YYYY-MM-DDTHH:MM:SS.mmmZ" (buffer of >= 32 bytes). */
void frag_results_utc_now(char *out, size_t len);
/* Format into @err if @err is non-NULL and non-empty-sized. */
void frag_results_errf(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* One buffered event: struct frag_event_rec with its own copies of the strings. */
struct frag_evrec {
	uint64_t t_ns;      /* simulated time */
	char *type;         /* event type */
	int cpu;            /* -1 if none */
	int nid;            /* -1 if none */
	uint64_t pfn;       /* FRAG_PFN_NONE if none */
	int order;          /* -1 if none */
	int64_t value;      /* type-specific value */
	char *outcome;      /* "" if none */
	char *detail;       /* JSON object, NULL if none */
};

/* Events buffered in memory until finish(). */
struct frag_evbuf {
	struct frag_evrec *ev;  /* the events, in the order reported */
	size_t nr;              /* events held */
	size_t cap;             /* capacity of ev */
};

/* Append a copy of @ev; 0, -EINVAL (no type) or -ENOMEM. */
int frag_evbuf_push(struct frag_evbuf *b, const struct frag_event_rec *ev);
void frag_evbuf_free(struct frag_evbuf *b);

/* True if @st is an end status: "complete", "interrupted" or "failed". */
bool frag_results_end_status_valid(const char *st);

#endif /* FRAG_RESULTS_INTERNAL_H */
