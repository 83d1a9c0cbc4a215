/* SPDX-License-Identifier: MIT */
/*
 * trace.h - reading kmem/compaction traces of a real Linux kernel (core/replay/trace.c)
 * for `fragsim replay` (docs/replay.md).
 *
 * Three forms are read, recognised by their first bytes:
 *  - a trace-cmd `trace.dat` (any version libtracecmd reads, streamed with
 *    tracecmd_iterate_events(): CPUs merged in time order, never loaded whole);
 *  - the CSV form of the capture's scripts/trace2csv.py
 *    (`ts_ns,cpu,pid,ev,pfn,order,mt,gfp,aux`, ev one of A F B D Z X);
 *  - the text of `trace-cmd report` (with or without -R) or of tracefs `trace`:
 *    "comm-pid [cpu] secs: event: field=value ...".
 * Text forms may be compressed with xz or zstd (decompressed through `xz -dc`
 * or `zstd -dc`, by magic). Every error names the file (and the line).
 */
#ifndef FRAG_TRACE_H
#define FRAG_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frag/gfp.h"

/* The events replay knows (include/trace/events/kmem.h, compaction.h). */
enum frag_tev_type {
	TEV_ALLOC,          /* kmem:mm_page_alloc (pfn 0 = failed allocation) */
	TEV_FREE,           /* kmem:mm_page_free */
	TEV_FREE_BATCHED,   /* kmem:mm_page_free_batched (order 0) */
	TEV_PCPU_DRAIN,     /* kmem:mm_page_pcpu_drain */
	TEV_ZONE_LOCKED,    /* kmem:mm_page_alloc_zone_locked */
	TEV_EXTFRAG,        /* kmem:mm_page_alloc_extfrag */
	TEV_COMPACTION,     /* any compaction:* event (counted only) */
	TEV_OTHER,          /* any other event (vmscan, migrate, ...; counted only) */
	NR_TEV_TYPES
};

extern const char *const frag_tev_names[NR_TEV_TYPES];

/* One event, the fields of its type filled (others 0). */
struct frag_tev {
	enum frag_tev_type type;
	uint64_t ts_ns;              /* timestamp (the trace's clock) */
	int cpu;                     /* CPU that recorded it */
	int pid;                     /* common_pid */
	uint64_t pfn;                /* first pfn of the block */
	unsigned order;              /* order (extfrag: alloc_order) */
	int mt;                      /* migratetype: requested (alloc, zone_locked, extfrag: alloc_migratetype),
					pcp list (drain); -1 when the event has none */
	gfp_t gfp;                   /* gfp_flags (alloc) */
	int percpu_refill;           /* zone_locked: taken to refill a PCP list */
	int fallback_order;          /* extfrag */
	int fallback_mt;             /* extfrag: fallback_migratetype */
	int change_ownership;        /* extfrag */
};

/* What was read. */
struct frag_trace_info {
	const char *format;          /* "trace.dat", "csv" or "text" */
	uint64_t nr_events;          /* events handed to the callback */
	uint64_t nr_type[NR_TEV_TYPES];
	uint64_t first_ns, last_ns;  /* first and last timestamps */
	int max_cpu;                 /* highest CPU seen (-1: none) */
};

/* Called for each event in time order; non-zero stops the read and is returned. */
typedef int (*frag_tev_fn)(const struct frag_tev *ev, void *arg);

/**
 * frag_trace_read() - stream the events of @path to @fn. The kmem events
 * mm_page_alloc, mm_page_free, mm_page_free_batched and mm_page_pcpu_drain
 * must be in the trace (a trace.dat must carry their formats): without them
 * it cannot be replayed (-EINVAL). Returns 0, the callback's non-zero value,
 * or -errno with a message naming @path in @err (missing file, unknown form,
 * corrupt or truncated data, missing event formats).
 */
int frag_trace_read(const char *path, frag_tev_fn fn, void *arg, struct frag_trace_info *info, char *err,
		    size_t errlen);

/* Whether this build reads trace.dat files (libtracecmd was found). */
bool frag_trace_have_dat(void);

#endif /* FRAG_TRACE_H */
