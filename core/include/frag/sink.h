/* SPDX-License-Identifier: MIT */
/*
 * sink.h - where a run's results go. core/ produces records; sinks in
 * results/ store them (SQLite, HDF5, text). core/ never includes sqlite3.h
 * or hdf5.h: it sees sinks only through struct frag_sink_ops, chosen by URL
 * scheme ("sqlite:out/fragsim.db", "h5:out/runs", "text:-").
 *
 * Lifecycle of one run: open() with the run's identity (a row marked
 * "running" may be written at once, so a killed process never leaves a run
 * that claims to be complete), epoch() every sample period, event() for
 * sparse events, finish() once with the final status and metrics (one
 * transaction), close(). close() without finish() records the run as
 * "failed" ("closed before finish"); a process that dies without close()
 * leaves it "running". Actions return 0 or -errno.
 */
#ifndef FRAG_SINK_H
#define FRAG_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "frag/types.h"

#define FRAG_RUN_UID_LEN 33   /* 32 hex digits + NUL */

/* The zones of the machine, for sinks that lay out per-zone arrays. */
struct frag_zone_desc {
	unsigned nid;             /* node */
	const char *name;         /* "DMA", "DMA32", "Normal", "Movable" */
	uint64_t start_pfn;       /* zone_start_pfn */
	uint64_t spanned_pages;   /* pfns spanned */
	uint64_t managed_pages;   /* managed pages */
	uint64_t first_pageblock; /* index of its first pageblock in the pageblock map */
	uint32_t nr_pageblocks;   /* pageblocks of the zone in the map */
	uint64_t first_spb;       /* index of its first SPB in the SPB arrays */
	uint32_t nr_spbs;         /* SPBs of the zone */
};

/*
 * Where a run's records are filed and which build made them: the command
 * line fills it from its output files (cli_outputs_ident()); the engine
 * (frag_sim_opts.ident) and the replay (frag_replay_opts.ident) copy it into
 * their frag_run_info with frag_run_info_ident().
 */
struct frag_run_ident {
	const char *uid;                   /* the run's id (32 hex digits); NULL: the engine makes one,
	                                      the replay records "" */
	const char *h5_file;               /* the run's HDF5 file, for the runs table; NULL if none */
	unsigned nr_params;                /* flattened configuration (frag_scenario_flatten()) */
	const char *const *param_keys;     /* its keys */
	const char *const *param_values;   /* its values */
	const char *git_rev;               /* `git describe` of the build; NULL: "unknown" */
	const char *version;               /* fragsim version; NULL: "unknown" */
};

/* Who a run is. */
struct frag_run_info {
	char uid[FRAG_RUN_UID_LEN];        /* unique run id (hex), also the HDF5 file name */
	const char *scenario_name;         /* run.name */
	const char *scenario_path;         /* file, "" if none */
	uint64_t scenario_hash;            /* FNV-1a 64 of the resolved config */
	const char *config_json;           /* the resolved configuration */
	const char *policy;                /* policy name */
	uint64_t seed;                     /* scenario seed */
	const char *git_rev;               /* `git describe` of the build, or "unknown" */
	const char *version;               /* fragsim version */
	const char *simgrid_version;       /* "3.32" */
	const char *h5_file;               /* the run's HDF5 file (frag_sink_h5 writes DIR/<uid>.h5), for
	                                      the runs.h5_file column; the SQLite sink stores it relative
	                                      to the database's directory. NULL or "" if none */
	uint64_t duration_ns;              /* requested simulated time */
	uint64_t sample_period_ns;         /* epoch length */
	unsigned nr_params;                /* flattened parameters (key = value), for the params table */
	const char *const *param_keys;
	const char *const *param_values;
	/* Geometry, for the time-series layouts. */
	unsigned nr_zones;
	const struct frag_zone_desc *zones;
	uint64_t nr_pageblocks;            /* length of the pageblock map */
	uint64_t nr_spbs;                  /* SPB rows */
	unsigned nr_counters;              /* columns of the counters array */
	const char *const *counter_names;  /* their names (stat_list.h names + engine counters) */
	const char *const *counter_units;  /* their units */
};

/* The fields of @ri that @id names. Returns whether it set the uid (only
 * when @id has one of the right length; the caller makes or clears it
 * otherwise). */
static inline bool frag_run_info_ident(struct frag_run_info *ri, const struct frag_run_ident *id)
{
	bool uid = id->uid && strlen(id->uid) == FRAG_RUN_UID_LEN - 1;
	if (uid)
		memcpy(ri->uid, id->uid, FRAG_RUN_UID_LEN);
	ri->h5_file = id->h5_file;
	ri->nr_params = id->nr_params;
	ri->param_keys = id->param_keys;
	ri->param_values = id->param_values;
	ri->git_rev = id->git_rev ? id->git_rev : "unknown";
	ri->version = id->version ? id->version : "unknown";
	return uid;
}

/*
 * One epoch sample. Arrays are laid out as documented in
 * docs/results-format.md:
 *   counters    [nr_counters]                       cumulative values
 *   free_blocks [nr_zones][NR_PAGE_ORDERS][MIGRATE_TYPES]  free blocks on each list
 *   pb_type     [nr_pageblocks]                     see FRAG_PB_* below
 *   spb         [nr_spbs][FRAG_SPB_NR_FIELDS]       see enum frag_spb_field
 */
struct frag_epoch {
	uint64_t t_ns;                 /* simulated time of the sample */
	const uint64_t *counters;
	const uint32_t *free_blocks;
	const uint8_t *pb_type;
	const uint32_t *spb;
};

/* Pageblock map codes: the low 3 bits are get_pageblock_migratetype()
 * (0 Unmovable .. 5 Isolate); flags above. */
#define FRAG_PB_MT_MASK   0x07
#define FRAG_PB_FREE      0x08   /* every page free in the buddy */
#define FRAG_PB_MIXED     0x10   /* holds pages allocated with another migratetype */
#define FRAG_PB_HUGETLB   0x20   /* holds hugetlb pages */
#define FRAG_PB_RESERVED  0x40   /* holds holes or reserved pages */

enum frag_spb_field {
	SPB_F_CATEGORY,          /* 0 empty, 1 clean, 2 tainted */
	SPB_F_FULLNESS,          /* bucket 0 (full) .. 7 (almost empty) */
	SPB_F_FREE_PAGES,        /* pages free in the buddy */
	SPB_F_PCP_PAGES,         /* free pages on PCP lists */
	SPB_F_UNMOVABLE_PAGES,   /* allocated pages by allocation migratetype */
	SPB_F_MOVABLE_PAGES,
	SPB_F_RECLAIMABLE_PAGES,
	SPB_F_PB_UNMOVABLE,      /* pageblocks by migratetype label */
	SPB_F_PB_MOVABLE,
	SPB_F_PB_RECLAIMABLE,
	SPB_F_PB_HIGHATOMIC,
	SPB_F_PB_FREE,           /* pageblocks entirely free */
	SPB_F_RESERVED_PAGES,    /* hole or reserved pages */
	FRAG_SPB_NR_FIELDS
};

/* A sparse event (1 GiB attempts, allocation failures, OOMs, ...). */
struct frag_event_rec {
	uint64_t t_ns;           /* simulated time */
	const char *type;        /* "oom", "alloc_fail", "hugetlb_1g", ... */
	int cpu;                 /* CPU, -1 if none */
	int nid;                 /* node, -1 if none */
	uint64_t pfn;            /* FRAG_PFN_NONE if none */
	int order;               /* -1 if none */
	int64_t value;           /* type-specific (e.g. latency ns, pages migrated) */
	const char *outcome;     /* "ok", "fail", a reason, or "" */
	const char *detail;      /* JSON object with more fields, or NULL */
};

/* A summary metric. */
struct frag_metric {
	const char *name;        /* kernel counter name where the concept is the kernel's */
	double value;
	const char *unit;        /* "count", "pages", "ns", "ratio", ... */
};

/* How the run ended. */
struct frag_run_end {
	const char *status;              /* "complete", "interrupted", "failed" */
	const char *message;             /* why, for interrupted/failed; "" otherwise */
	double wall_seconds;             /* wall-clock duration */
	uint64_t sim_ns;                 /* simulated time reached */
	unsigned nr_metrics;
	const struct frag_metric *metrics;
};

struct frag_sink_ops {
	const char *scheme;      /* URL scheme, e.g. "sqlite" */
	int (*open)(void **h, const char *path, const struct frag_run_info *ri, char *err, size_t errlen);
	int (*epoch)(void *h, const struct frag_epoch *e);
	int (*event)(void *h, const struct frag_event_rec *ev);
	int (*finish)(void *h, const struct frag_run_end *end);
	void (*close)(void *h);
	/* Optional (may be NULL): a message describing the last failure of epoch(), event() or
	 * finish() on this handle, "" if none. Valid until the next call on the handle. */
	const char *(*last_error)(void *h);
};

#endif /* FRAG_SINK_H */
