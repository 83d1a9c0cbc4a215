/* SPDX-License-Identifier: MIT */
/*
 * h5_sink.c - frag_sink_h5: one HDF5 file per run, DIR/<uid>.h5
 * ("h5:out/runs"). Layout in docs/results-format.md:
 *
 *   /                       attributes: identity, versions, config, status
 *   /zones                  compound [nr_zones], struct frag_zone_desc
 *   /epoch/t_ns             uint64 [T]
 *   /epoch/counters         uint64 [T][nr_counters]
 *   /epoch/free_blocks      uint32 [T][nr_zones][NR_PAGE_ORDERS][MIGRATE_TYPES]
 *   /epoch/pageblock_type   uint8  [T][nr_pageblocks]
 *   /epoch/spb              uint32 [T][nr_spbs][FRAG_SPB_NR_FIELDS]
 *   /metrics                compound [n] (name, value, unit), at finish
 *   /events                 compound [n], at finish
 *
 * Time series are chunked time-first, shuffle + deflate, chunks of at most
 * H5_CHUNK_BYTES. Rows are buffered in memory and written a whole chunk at a
 * time (the stack notes, HDF5 section: appending rows one by one to
 * compressed chunks is slow, and chunks above the 1 MiB chunk cache fall off
 * a cliff). Once a second of wall time, the partial chunks are written too
 * and the file is flushed (H5Fflush), so a killed process usually leaves a
 * readable file, every series of the same length, whose status attribute
 * still says "running".
 *
 * HDF5's automatic error printing is turned off; every call is checked and a
 * failure is reported with the innermost message of the HDF5 error stack.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hdf5.h>

#include "frag/stat_list.h"
#include "results/internal.h"

#define H5_CHUNK_BYTES     (256u << 10)  /* upper bound of one chunk */
#define H5_CHUNK_ROWS_MAX  1024          /* upper bound of a chunk's time extent */
#define H5_SEGMENT_BYTES   (16u << 10)   /* upper bound of a chunk's extent along a row */
#define H5_DEFLATE_LEVEL   4             /* measured: ~34x compression at ~6 us per epoch with shuffle */
#define H5_FLUSH_PERIOD_S  1.0           /* H5Fflush at most this often (wall seconds) */

enum h5_series_id {
	S_T_NS,
	S_COUNTERS,
	S_FREE_BLOCKS,
	S_PB_TYPE,
	S_SPB,
	NR_SERIES
};

/* One time series /epoch/<name>: shape [T][row_dims...]. */
struct h5_series {
	const char *name;        /* dataset name in /epoch */
	hid_t dset;              /* the dataset, H5I_INVALID_HID when closed */
	hid_t mtype;             /* native memory type of an element */
	hid_t ftype;             /* file type of an element */
	int rank;                /* 1 + number of row dimensions */
	hsize_t row_dims[3];     /* shape of one row */
	size_t row_elems;        /* elements in one row */
	size_t elem_size;        /* bytes per element */
	hsize_t chunk[4];        /* chunk shape */
	size_t chunk_rows;       /* rows per chunk = rows buffered before a write */
	size_t nr_buf;           /* rows in buf */
	hsize_t rows_written;    /* rows in complete chunks (the buffer holds the next ones) */
	hsize_t extent;          /* current length of the dataset (>= rows_written) */
	unsigned char *buf;      /* chunk_rows rows */
};

/* An open run file. */
struct h5_sink {
	hid_t file;                      /* the file, H5I_INVALID_HID once closed */
	hid_t epoch_grp;                 /* /epoch */
	char *path;                      /* DIR/<uid>.h5 */
	struct h5_series s[NR_SERIES];   /* the time series */
	unsigned nr_zones;               /* geometry from the run info */
	uint64_t nr_epochs;              /* epoch() calls accepted */
	uint64_t last_t_ns;              /* t_ns of the last epoch */
	struct frag_evbuf evs;           /* events, written at finish() */
	double last_flush;               /* monotonic time of the last H5Fflush */
	int error;                       /* first write failure (-errno), 0 if none */
	bool finished;                   /* finish() done (file closed) */
	char errmsg[1024];               /* last failure, "" if none */
};

/* ---------------------------------------------------------------------- */
/* Errors                                                                 */
/* ---------------------------------------------------------------------- */

/* What the HDF5 error stack says. */
struct h5_errwalk {
	char top[256];      /* the API function's message */
	char inner[384];    /* the innermost message */
	int sys_errno;      /* an "errno = N" found in a message, 0 if none */
};

static herr_t h5_walk_cb(unsigned n, const H5E_error2_t *e, void *data)
{
	struct h5_errwalk *w = data;
	const char *desc = e->desc ? e->desc : "";
	const char *p;

	if (n == 0)
		snprintf(w->top, sizeof w->top, "%s%s%s", e->func_name ? e->func_name : "",
			 e->func_name ? ": " : "", desc);
	snprintf(w->inner, sizeof w->inner, "%s", desc);
	p = strstr(desc, "errno = ");
	if (p && !w->sys_errno)
		w->sys_errno = atoi(p + 8);
	return 0;
}

/* Record an HDF5 failure of @what (printf format); returns -errno. */
static int __attribute__((format(printf, 2, 3))) h5_fail(struct h5_sink *h, const char *fmt, ...)
{
	struct h5_errwalk w = { "", "", 0 };
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, h5_walk_cb, &w);
	H5Eclear2(H5E_DEFAULT);
	if (w.inner[0] && strcmp(w.inner, w.top))
		snprintf(h->errmsg, sizeof h->errmsg, "%s: %s failed: %s (%s)", h->path, what, w.top, w.inner);
	else
		snprintf(h->errmsg, sizeof h->errmsg, "%s: %s failed%s%s", h->path, what, w.top[0] ? ": " : "",
			 w.top);
	return w.sys_errno > 0 ? -w.sys_errno : -EIO;
}

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---------------------------------------------------------------------- */
/* Attributes                                                             */
/* ---------------------------------------------------------------------- */

/* A variable-length UTF-8 string type; the caller closes it. */
static hid_t vlen_str_type(void)
{
	hid_t t = H5Tcopy(H5T_C_S1);

	if (t < 0)
		return t;
	if (H5Tset_size(t, H5T_VARIABLE) < 0 || H5Tset_cset(t, H5T_CSET_UTF8) < 0) {
		H5Tclose(t);
		return H5I_INVALID_HID;
	}
	return t;
}

/* Create (or replace) attribute @name on @loc: @n elements (n == 0: scalar) of @mtype. */
static int attr_write(struct h5_sink *h, hid_t loc, const char *name, hid_t ftype, hid_t mtype,
		      hsize_t n, bool scalar, const void *data)
{
	hid_t space, attr;
	herr_t wr;
	htri_t ex;

	ex = H5Aexists(loc, name);
	if (ex < 0)
		return h5_fail(h, "H5Aexists(%s)", name);
	if (ex > 0 && H5Adelete(loc, name) < 0)
		return h5_fail(h, "H5Adelete(%s)", name);
	space = scalar ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &n, NULL);
	if (space < 0)
		return h5_fail(h, "H5Screate (attribute %s)", name);
	attr = H5Acreate2(loc, name, ftype, space, H5P_DEFAULT, H5P_DEFAULT);
	H5Sclose(space);
	if (attr < 0)
		return h5_fail(h, "H5Acreate2(%s)", name);
	wr = H5Awrite(attr, mtype, data);
	if (H5Aclose(attr) < 0 || wr < 0)
		return h5_fail(h, "H5Awrite(%s)", name);
	return 0;
}

static int attr_str(struct h5_sink *h, hid_t loc, const char *name, const char *v)
{
	hid_t t = vlen_str_type();
	const char *p = v ? v : "";
	int rc;

	if (t < 0)
		return h5_fail(h, "string type");
	rc = attr_write(h, loc, name, t, t, 1, true, &p);
	H5Tclose(t);
	return rc;
}

/* A string array attribute (NULL entries written as ""). */
static int attr_strv(struct h5_sink *h, hid_t loc, const char *name, size_t n, const char *const *v)
{
	const char **p = calloc(n ? n : 1, sizeof *p);
	hid_t t;
	int rc;

	if (!p) {
		snprintf(h->errmsg, sizeof h->errmsg, "%s: out of memory", h->path);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		p[i] = v && v[i] ? v[i] : "";
	t = vlen_str_type();
	if (t < 0) {
		free(p);
		return h5_fail(h, "string type");
	}
	rc = attr_write(h, loc, name, t, t, n, false, p);
	H5Tclose(t);
	free(p);
	return rc;
}

static int attr_u64(struct h5_sink *h, hid_t loc, const char *name, uint64_t v)
{
	return attr_write(h, loc, name, H5T_STD_U64LE, H5T_NATIVE_UINT64, 1, true, &v);
}

static int attr_f64(struct h5_sink *h, hid_t loc, const char *name, double v)
{
	return attr_write(h, loc, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, true, &v);
}

/* ---------------------------------------------------------------------- */
/* Time series                                                            */
/* ---------------------------------------------------------------------- */

/*
 * Shape the chunks of @s. A row (one epoch) of at most H5_SEGMENT_BYTES is
 * kept whole and chunks stack as many rows as fit in H5_CHUNK_BYTES (at most
 * H5_CHUNK_ROWS_MAX). A wider row (the pageblock map of a large machine) is
 * cut along its first axis into segments of at most H5_SEGMENT_BYTES, and a
 * chunk stacks H5_CHUNK_BYTES / segment epochs of one segment: deflate then
 * finds each pageblock's previous epoch within its 32 KiB window, and maps
 * that change little between epochs compress well. Rows are buffered until a
 * chunk's worth of epochs is complete.
 */
static int series_layout(struct h5_sink *h, struct h5_series *s)
{
	size_t row_bytes = s->row_elems * s->elem_size, seg_bytes = row_bytes;

	s->chunk[0] = 1;
	for (int d = 1; d < s->rank; d++)
		s->chunk[d] = s->row_dims[d - 1] ? s->row_dims[d - 1] : 1;
	if (row_bytes > H5_SEGMENT_BYTES) {
		size_t inner = s->elem_size;    /* bytes of one step along the first row axis */

		for (int d = 2; d < s->rank; d++)
			inner *= s->row_dims[d - 1];
		if (inner > H5_SEGMENT_BYTES) {
			snprintf(h->errmsg, sizeof h->errmsg, "%s: /epoch/%s: rows too wide to chunk", h->path,
				 s->name);
			return -EINVAL;
		}
		s->chunk[1] = H5_SEGMENT_BYTES / inner;
		seg_bytes = s->chunk[1] * inner;
	}
	if (seg_bytes == 0) {
		s->chunk_rows = H5_CHUNK_ROWS_MAX;
	} else {
		s->chunk_rows = H5_CHUNK_BYTES / seg_bytes;
		if (s->chunk_rows > H5_CHUNK_ROWS_MAX)
			s->chunk_rows = H5_CHUNK_ROWS_MAX;
	}
	s->chunk[0] = s->chunk_rows;
	s->buf = malloc(s->chunk_rows * (row_bytes ? row_bytes : 1));
	if (!s->buf) {
		snprintf(h->errmsg, sizeof h->errmsg, "%s: out of memory", h->path);
		return -ENOMEM;
	}
	return 0;
}

static int series_create(struct h5_sink *h, struct h5_series *s)
{
	hsize_t dims[4] = { 0 }, maxdims[4] = { H5S_UNLIMITED };
	hid_t space, dcpl;
	int rc;

	rc = series_layout(h, s);
	if (rc)
		return rc;
	for (int d = 1; d < s->rank; d++) {
		dims[d] = s->row_dims[d - 1];
		/* A zero-length axis cannot hold a chunk unless it may grow. */
		maxdims[d] = dims[d] ? dims[d] : H5S_UNLIMITED;
	}
	space = H5Screate_simple(s->rank, dims, maxdims);
	if (space < 0)
		return h5_fail(h, "H5Screate_simple(/epoch/%s)", s->name);
	dcpl = H5Pcreate(H5P_DATASET_CREATE);
	if (dcpl < 0) {
		H5Sclose(space);
		return h5_fail(h, "H5Pcreate");
	}
	if (H5Pset_chunk(dcpl, s->rank, s->chunk) < 0 ||
	    (s->elem_size > 1 && H5Pset_shuffle(dcpl) < 0) ||
	    H5Pset_deflate(dcpl, H5_DEFLATE_LEVEL) < 0) {
		rc = h5_fail(h, "chunk/filter setup of /epoch/%s", s->name);
		goto out;
	}
	s->dset = H5Dcreate2(h->epoch_grp, s->name, s->ftype, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
	if (s->dset < 0)
		rc = h5_fail(h, "H5Dcreate2(/epoch/%s)", s->name);
out:
	H5Pclose(dcpl);
	H5Sclose(space);
	return rc;
}

/*
 * Write the buffered rows of @s at their place in the dataset. A full buffer
 * is a whole chunk (in time): it is written and the buffer starts the next
 * chunk. A partial buffer (the periodic flush, or finish()) is written but
 * kept, so the chunk is written whole again once complete and appends never
 * straddle chunks.
 */
static int series_write(struct h5_sink *h, struct h5_series *s)
{
	hsize_t dims[4], start[4] = { 0 }, count[4];
	hid_t fspace, mspace;
	herr_t wr;
	bool full = s->nr_buf == s->chunk_rows;

	if (!s->nr_buf)
		return 0;
	dims[0] = s->rows_written + s->nr_buf;
	start[0] = s->rows_written;
	count[0] = s->nr_buf;
	for (int d = 1; d < s->rank; d++)
		dims[d] = count[d] = s->row_dims[d - 1];
	/* A full buffer is consumed whatever happens (a failure is latched by the caller). */
	if (full) {
		s->rows_written += s->nr_buf;
		s->nr_buf = 0;
	}
	if (dims[0] != s->extent) {
		if (H5Dset_extent(s->dset, dims) < 0)
			return h5_fail(h, "H5Dset_extent(/epoch/%s)", s->name);
		s->extent = dims[0];
	}
	if (!s->row_elems)
		return 0;
	fspace = H5Dget_space(s->dset);
	if (fspace < 0)
		return h5_fail(h, "H5Dget_space(/epoch/%s)", s->name);
	if (H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, count, NULL) < 0) {
		H5Sclose(fspace);
		return h5_fail(h, "H5Sselect_hyperslab(/epoch/%s)", s->name);
	}
	mspace = H5Screate_simple(s->rank, count, NULL);
	if (mspace < 0) {
		H5Sclose(fspace);
		return h5_fail(h, "H5Screate_simple(/epoch/%s)", s->name);
	}
	wr = H5Dwrite(s->dset, s->mtype, mspace, fspace, H5P_DEFAULT, s->buf);
	H5Sclose(mspace);
	H5Sclose(fspace);
	if (wr < 0)
		return h5_fail(h, "H5Dwrite(/epoch/%s)", s->name);
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Descriptions                                                           */
/* ---------------------------------------------------------------------- */

static const char *const spb_field_names[FRAG_SPB_NR_FIELDS] = {
	[SPB_F_CATEGORY] = "category",
	[SPB_F_FULLNESS] = "fullness",
	[SPB_F_FREE_PAGES] = "free_pages",
	[SPB_F_PCP_PAGES] = "pcp_pages",
	[SPB_F_UNMOVABLE_PAGES] = "unmovable_pages",
	[SPB_F_MOVABLE_PAGES] = "movable_pages",
	[SPB_F_RECLAIMABLE_PAGES] = "reclaimable_pages",
	[SPB_F_PB_UNMOVABLE] = "pb_unmovable",
	[SPB_F_PB_MOVABLE] = "pb_movable",
	[SPB_F_PB_RECLAIMABLE] = "pb_reclaimable",
	[SPB_F_PB_HIGHATOMIC] = "pb_highatomic",
	[SPB_F_PB_FREE] = "pb_free",
	[SPB_F_RESERVED_PAGES] = "reserved_pages",
};

static const char *const spb_field_units[FRAG_SPB_NR_FIELDS] = {
	[SPB_F_CATEGORY] = "code",
	[SPB_F_FULLNESS] = "bucket",
	[SPB_F_FREE_PAGES] = "pages",
	[SPB_F_PCP_PAGES] = "pages",
	[SPB_F_UNMOVABLE_PAGES] = "pages",
	[SPB_F_MOVABLE_PAGES] = "pages",
	[SPB_F_RECLAIMABLE_PAGES] = "pages",
	[SPB_F_PB_UNMOVABLE] = "pageblocks",
	[SPB_F_PB_MOVABLE] = "pageblocks",
	[SPB_F_PB_RECLAIMABLE] = "pageblocks",
	[SPB_F_PB_HIGHATOMIC] = "pageblocks",
	[SPB_F_PB_FREE] = "pageblocks",
	[SPB_F_RESERVED_PAGES] = "pages",
};

static const char *const spb_category_names[] = { "empty", "clean", "tainted" };

static const char *const pb_flag_names[] = { "free", "mixed", "hugetlb", "reserved" };
static const uint8_t pb_flag_values[] = { FRAG_PB_FREE, FRAG_PB_MIXED, FRAG_PB_HUGETLB, FRAG_PB_RESERVED };

/* Names of the migratetype codes (include/linux/mmzone.h order). */
static const char *const mt_names[MIGRATE_TYPES] = {
	[MIGRATE_UNMOVABLE] = "Unmovable",
	[MIGRATE_MOVABLE] = "Movable",
	[MIGRATE_RECLAIMABLE] = "Reclaimable",
	[MIGRATE_HIGHATOMIC] = "HighAtomic",
	[MIGRATE_CMA] = "CMA",
	[MIGRATE_ISOLATE] = "Isolate",
};

static int attr_axes(struct h5_sink *h, hid_t d, size_t n, const char *const *axes)
{
	return attr_strv(h, d, "axes", n, axes);
}

/* Attributes naming the columns of each time series. */
static int series_describe(struct h5_sink *h, const struct frag_run_info *ri)
{
	static const char *const ax_t[] = { "epoch" };
	static const char *const ax_c[] = { "epoch", "counter" };
	static const char *const ax_f[] = { "epoch", "zone", "order", "migratetype" };
	static const char *const ax_p[] = { "epoch", "pageblock" };
	static const char *const ax_s[] = { "epoch", "spb", "field" };
	char (*zl)[64] = NULL;
	const char **zp = NULL;
	uint8_t mask = FRAG_PB_MT_MASK;
	hid_t d;
	int rc;

	d = h->s[S_T_NS].dset;
	rc = attr_axes(h, d, 1, ax_t);
	rc = rc ?: attr_str(h, d, "units", "ns");
	rc = rc ?: attr_str(h, d, "description", "simulated time of each epoch sample");

	d = h->s[S_COUNTERS].dset;
	rc = rc ?: attr_axes(h, d, 2, ax_c);
	rc = rc ?: attr_strv(h, d, "names", ri->nr_counters, ri->counter_names);
	rc = rc ?: attr_strv(h, d, "units", ri->nr_counters, ri->counter_units);
	rc = rc ?: attr_str(h, d, "description", "cumulative counters and gauges at each epoch");

	d = h->s[S_FREE_BLOCKS].dset;
	rc = rc ?: attr_axes(h, d, 4, ax_f);
	rc = rc ?: attr_strv(h, d, "migratetype_names", MIGRATE_TYPES, mt_names);
	if (!rc && h->nr_zones) {
		zl = calloc(h->nr_zones, sizeof *zl);
		zp = calloc(h->nr_zones, sizeof *zp);
		if (!zl || !zp) {
			snprintf(h->errmsg, sizeof h->errmsg, "%s: out of memory", h->path);
			rc = -ENOMEM;
		}
		for (unsigned z = 0; !rc && z < h->nr_zones; z++) {
			snprintf(zl[z], sizeof zl[z], "node%u/%s", ri->zones[z].nid,
				 ri->zones[z].name ? ri->zones[z].name : "?");
			zp[z] = zl[z];
		}
	}
	rc = rc ?: attr_strv(h, d, "zone_names", h->nr_zones, zp);
	free(zp);
	free(zl);
	rc = rc ?: attr_str(h, d, "units", "blocks");
	rc = rc ?: attr_str(h, d, "description",
			    "free blocks on each buddy free list (zone, order, migratetype), as /proc/pagetypeinfo");

	d = h->s[S_PB_TYPE].dset;
	rc = rc ?: attr_axes(h, d, 2, ax_p);
	rc = rc ?: attr_write(h, d, "migratetype_mask", H5T_STD_U8LE, H5T_NATIVE_UINT8, 1, true, &mask);
	rc = rc ?: attr_strv(h, d, "migratetype_names", MIGRATE_TYPES, mt_names);
	rc = rc ?: attr_strv(h, d, "flag_names", 4, pb_flag_names);
	rc = rc ?: attr_write(h, d, "flag_values", H5T_STD_U8LE, H5T_NATIVE_UINT8, 4, false, pb_flag_values);
	rc = rc ?: attr_str(h, d, "description",
			    "pageblock map: bits 0-2 get_pageblock_migratetype() (migratetype_names), "
			    "0x08 every page free, 0x10 holds pages of another migratetype, "
			    "0x20 holds hugetlb pages, 0x40 holds holes or reserved pages");

	d = h->s[S_SPB].dset;
	rc = rc ?: attr_axes(h, d, 3, ax_s);
	rc = rc ?: attr_strv(h, d, "field_names", FRAG_SPB_NR_FIELDS, spb_field_names);
	rc = rc ?: attr_strv(h, d, "field_units", FRAG_SPB_NR_FIELDS, spb_field_units);
	rc = rc ?: attr_strv(h, d, "category_names", 3, spb_category_names);
	rc = rc ?: attr_str(h, d, "description", "superpageblock (1 GiB) state at each epoch");
	return rc;
}

/* ---------------------------------------------------------------------- */
/* Compound tables                                                        */
/* ---------------------------------------------------------------------- */

/* One row of /zones. */
struct h5_zone_rec {
	uint32_t nid;               /* node */
	const char *name;           /* zone name */
	uint64_t start_pfn;         /* zone_start_pfn */
	uint64_t spanned_pages;     /* pfns spanned */
	uint64_t managed_pages;     /* managed pages */
	uint64_t first_pageblock;   /* first pageblock in the map */
	uint32_t nr_pageblocks;     /* pageblocks in the map */
	uint64_t first_spb;         /* first SPB row */
	uint32_t nr_spbs;           /* SPB rows */
};

/* One row of /metrics. */
struct h5_metric_rec {
	const char *name;           /* metric name */
	double value;               /* value */
	const char *unit;           /* unit */
};

/* One row of /events. */
struct h5_event_rec {
	uint64_t t_ns;              /* simulated time */
	const char *type;           /* event type */
	int32_t cpu;                /* -1 if none */
	int32_t nid;                /* -1 if none */
	uint64_t pfn;               /* 2^64-1 if none */
	int32_t order;              /* -1 if none */
	int64_t value;              /* type-specific */
	const char *outcome;        /* outcome */
	const char *detail;         /* JSON, "" if none */
};

/* A field of a compound type. */
struct h5_field {
	const char *name;   /* field name in the file */
	size_t offset;      /* offset in the in-memory record */
	hid_t type;         /* native type; 0 for a variable-length string */
};

#define FIELD(rec, f, t) { #f, offsetof(struct rec, f), t }

/* Write the 1-D compound dataset /@name of @n records of @size bytes. */
static int table_write(struct h5_sink *h, const char *name, size_t size, const struct h5_field *f,
		       size_t nr_fields, size_t n, const void *rows)
{
	hid_t str = vlen_str_type(), mt = H5I_INVALID_HID, ft = H5I_INVALID_HID;
	hid_t space = H5I_INVALID_HID, d = H5I_INVALID_HID;
	hsize_t dims = n;
	int rc = 0;

	if (str < 0)
		return h5_fail(h, "string type");
	mt = H5Tcreate(H5T_COMPOUND, size);
	if (mt < 0) {
		rc = h5_fail(h, "H5Tcreate(%s)", name);
		goto out;
	}
	for (size_t i = 0; i < nr_fields; i++) {
		if (H5Tinsert(mt, f[i].name, f[i].offset, f[i].type ? f[i].type : str) < 0) {
			rc = h5_fail(h, "H5Tinsert(%s.%s)", name, f[i].name);
			goto out;
		}
	}
	ft = H5Tcopy(mt);
	if (ft < 0 || H5Tpack(ft) < 0) {
		rc = h5_fail(h, "H5Tpack(%s)", name);
		goto out;
	}
	space = H5Screate_simple(1, &dims, NULL);
	if (space < 0) {
		rc = h5_fail(h, "H5Screate_simple(%s)", name);
		goto out;
	}
	d = H5Dcreate2(h->file, name, ft, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
	if (d < 0) {
		rc = h5_fail(h, "H5Dcreate2(%s)", name);
		goto out;
	}
	if (n && H5Dwrite(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows) < 0)
		rc = h5_fail(h, "H5Dwrite(%s)", name);
out:
	if (d >= 0 && H5Dclose(d) < 0 && !rc)
		rc = h5_fail(h, "H5Dclose(%s)", name);
	if (space >= 0)
		H5Sclose(space);
	if (ft >= 0)
		H5Tclose(ft);
	if (mt >= 0)
		H5Tclose(mt);
	H5Tclose(str);
	return rc;
}

static int write_zones(struct h5_sink *h, const struct frag_run_info *ri)
{
	struct h5_field f[] = {
		FIELD(h5_zone_rec, nid, H5T_NATIVE_UINT32),
		FIELD(h5_zone_rec, name, 0),
		FIELD(h5_zone_rec, start_pfn, H5T_NATIVE_UINT64),
		FIELD(h5_zone_rec, spanned_pages, H5T_NATIVE_UINT64),
		FIELD(h5_zone_rec, managed_pages, H5T_NATIVE_UINT64),
		FIELD(h5_zone_rec, first_pageblock, H5T_NATIVE_UINT64),
		FIELD(h5_zone_rec, nr_pageblocks, H5T_NATIVE_UINT32),
		FIELD(h5_zone_rec, first_spb, H5T_NATIVE_UINT64),
		FIELD(h5_zone_rec, nr_spbs, H5T_NATIVE_UINT32),
	};
	struct h5_zone_rec *r = calloc(ri->nr_zones ? ri->nr_zones : 1, sizeof *r);
	int rc;

	if (!r) {
		snprintf(h->errmsg, sizeof h->errmsg, "%s: out of memory", h->path);
		return -ENOMEM;
	}
	for (unsigned z = 0; z < ri->nr_zones; z++) {
		const struct frag_zone_desc *zd = &ri->zones[z];

		r[z] = (struct h5_zone_rec){
			.nid = zd->nid, .name = zd->name ? zd->name : "",
			.start_pfn = zd->start_pfn, .spanned_pages = zd->spanned_pages,
			.managed_pages = zd->managed_pages, .first_pageblock = zd->first_pageblock,
			.nr_pageblocks = zd->nr_pageblocks, .first_spb = zd->first_spb,
			.nr_spbs = zd->nr_spbs,
		};
	}
	rc = table_write(h, "/zones", sizeof *r, f, sizeof f / sizeof f[0], ri->nr_zones, r);
	free(r);
	return rc;
}

static int write_metrics(struct h5_sink *h, const struct frag_run_end *end)
{
	struct h5_field f[] = {
		FIELD(h5_metric_rec, name, 0),
		FIELD(h5_metric_rec, value, H5T_NATIVE_DOUBLE),
		FIELD(h5_metric_rec, unit, 0),
	};
	struct h5_metric_rec *r = calloc(end->nr_metrics ? end->nr_metrics : 1, sizeof *r);
	int rc;

	if (!r) {
		snprintf(h->errmsg, sizeof h->errmsg, "%s: out of memory", h->path);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < end->nr_metrics; i++) {
		r[i].name = end->metrics[i].name ? end->metrics[i].name : "";
		r[i].value = end->metrics[i].value;
		r[i].unit = end->metrics[i].unit ? end->metrics[i].unit : "";
	}
	rc = table_write(h, "/metrics", sizeof *r, f, sizeof f / sizeof f[0], end->nr_metrics, r);
	free(r);
	return rc;
}

static int write_events(struct h5_sink *h)
{
	struct h5_field f[] = {
		FIELD(h5_event_rec, t_ns, H5T_NATIVE_UINT64),
		FIELD(h5_event_rec, type, 0),
		FIELD(h5_event_rec, cpu, H5T_NATIVE_INT32),
		FIELD(h5_event_rec, nid, H5T_NATIVE_INT32),
		FIELD(h5_event_rec, pfn, H5T_NATIVE_UINT64),
		FIELD(h5_event_rec, order, H5T_NATIVE_INT32),
		FIELD(h5_event_rec, value, H5T_NATIVE_INT64),
		FIELD(h5_event_rec, outcome, 0),
		FIELD(h5_event_rec, detail, 0),
	};
	struct h5_event_rec *r = calloc(h->evs.nr ? h->evs.nr : 1, sizeof *r);
	int rc;

	if (!r) {
		snprintf(h->errmsg, sizeof h->errmsg, "%s: out of memory", h->path);
		return -ENOMEM;
	}
	for (size_t i = 0; i < h->evs.nr; i++) {
		const struct frag_evrec *e = &h->evs.ev[i];

		r[i] = (struct h5_event_rec){
			.t_ns = e->t_ns, .type = e->type, .cpu = e->cpu, .nid = e->nid,
			.pfn = e->pfn, .order = e->order, .value = e->value,
			.outcome = e->outcome, .detail = e->detail ? e->detail : "",
		};
	}
	rc = table_write(h, "/events", sizeof *r, f, sizeof f / sizeof f[0], h->evs.nr, r);
	free(r);
	return rc;
}

/* ---------------------------------------------------------------------- */
/* Sink operations                                                        */
/* ---------------------------------------------------------------------- */

static int root_identity(struct h5_sink *h, const struct frag_run_info *ri)
{
	char hash[17], started[32];
	hid_t r = h->file;
	int rc;

	snprintf(hash, sizeof hash, "%016" PRIx64, ri->scenario_hash);
	frag_results_utc_now(started, sizeof started);
	rc = attr_u64(h, r, "format_version", FRAG_H5_FORMAT_VERSION);
	rc = rc ?: attr_u64(h, r, "stats_version", FRAG_STATS_VERSION);
	rc = rc ?: attr_str(h, r, "uid", ri->uid);
	rc = rc ?: attr_str(h, r, "scenario", ri->scenario_name);
	rc = rc ?: attr_str(h, r, "scenario_path", ri->scenario_path);
	rc = rc ?: attr_str(h, r, "scenario_hash", hash);
	rc = rc ?: attr_str(h, r, "policy", ri->policy);
	rc = rc ?: attr_u64(h, r, "seed", ri->seed);
	rc = rc ?: attr_str(h, r, "config_json", ri->config_json ? ri->config_json : "{}");
	rc = rc ?: attr_str(h, r, "git_rev", ri->git_rev ? ri->git_rev : "unknown");
	rc = rc ?: attr_str(h, r, "fragsim_version", ri->version);
	rc = rc ?: attr_str(h, r, "simgrid_version", ri->simgrid_version);
	rc = rc ?: attr_u64(h, r, "duration_ns", ri->duration_ns);
	rc = rc ?: attr_u64(h, r, "sample_period_ns", ri->sample_period_ns);
	rc = rc ?: attr_str(h, r, "started_at", started);
	rc = rc ?: attr_str(h, r, "status", "running");
	rc = rc ?: attr_str(h, r, "message", "");
	return rc;
}

static void series_init(struct h5_sink *h, const struct frag_run_info *ri)
{
	struct h5_series *s = h->s;

	s[S_T_NS] = (struct h5_series){ .name = "t_ns", .dset = H5I_INVALID_HID, .rank = 1,
		.mtype = H5T_NATIVE_UINT64, .ftype = H5T_STD_U64LE, .elem_size = 8 };
	s[S_COUNTERS] = (struct h5_series){ .name = "counters", .dset = H5I_INVALID_HID, .rank = 2,
		.mtype = H5T_NATIVE_UINT64, .ftype = H5T_STD_U64LE, .elem_size = 8,
		.row_dims = { ri->nr_counters } };
	s[S_FREE_BLOCKS] = (struct h5_series){ .name = "free_blocks", .dset = H5I_INVALID_HID, .rank = 4,
		.mtype = H5T_NATIVE_UINT32, .ftype = H5T_STD_U32LE, .elem_size = 4,
		.row_dims = { ri->nr_zones, NR_PAGE_ORDERS, MIGRATE_TYPES } };
	s[S_PB_TYPE] = (struct h5_series){ .name = "pageblock_type", .dset = H5I_INVALID_HID, .rank = 2,
		.mtype = H5T_NATIVE_UINT8, .ftype = H5T_STD_U8LE, .elem_size = 1,
		.row_dims = { ri->nr_pageblocks } };
	s[S_SPB] = (struct h5_series){ .name = "spb", .dset = H5I_INVALID_HID, .rank = 3,
		.mtype = H5T_NATIVE_UINT32, .ftype = H5T_STD_U32LE, .elem_size = 4,
		.row_dims = { ri->nr_spbs, FRAG_SPB_NR_FIELDS } };
	for (int i = 0; i < NR_SERIES; i++) {
		s[i].row_elems = 1;
		for (int d = 1; d < s[i].rank; d++)
			s[i].row_elems *= s[i].row_dims[d - 1];
	}
}

/* Close every HDF5 object of @h; returns the first failure. */
static int h5_close_all(struct h5_sink *h)
{
	int rc = 0;

	for (int i = 0; i < NR_SERIES; i++) {
		if (h->s[i].dset >= 0 && H5Dclose(h->s[i].dset) < 0 && !rc)
			rc = h5_fail(h, "H5Dclose(/epoch/%s)", h->s[i].name);
		h->s[i].dset = H5I_INVALID_HID;
	}
	if (h->epoch_grp >= 0 && H5Gclose(h->epoch_grp) < 0 && !rc)
		rc = h5_fail(h, "H5Gclose(/epoch)");
	h->epoch_grp = H5I_INVALID_HID;
	if (h->file >= 0 && H5Fclose(h->file) < 0 && !rc)
		rc = h5_fail(h, "H5Fclose");
	h->file = H5I_INVALID_HID;
	return rc;
}

static void h5_free(struct h5_sink *h)
{
	if (!h)
		return;
	h5_close_all(h);
	for (int i = 0; i < NR_SERIES; i++)
		free(h->s[i].buf);
	frag_evbuf_free(&h->evs);
	free(h->path);
	free(h);
}

static int check_geometry(const struct frag_run_info *ri, char *err, size_t errlen)
{
	if (ri->nr_zones && !ri->zones) {
		frag_results_errf(err, errlen, "run %s: %u zones without descriptions", ri->uid, ri->nr_zones);
		return -EINVAL;
	}
	if (ri->nr_counters && (!ri->counter_names || !ri->counter_units)) {
		frag_results_errf(err, errlen, "run %s: %u counters without names or units", ri->uid,
				  ri->nr_counters);
		return -EINVAL;
	}
	if (ri->nr_pageblocks > (UINT64_C(1) << 40) || ri->nr_spbs > (UINT64_C(1) << 32)) {
		frag_results_errf(err, errlen, "run %s: implausible geometry (%" PRIu64 " pageblocks, %" PRIu64
				  " SPBs)", ri->uid, ri->nr_pageblocks, ri->nr_spbs);
		return -EINVAL;
	}
	return 0;
}

static int h5_open(void **hp, const char *dir, const struct frag_run_info *ri, char *err, size_t errlen)
{
	struct h5_sink *h;
	char path[PATH_MAX];
	hid_t fapl;
	int rc;

	*hp = NULL;
	/*
	 * No library shutdown at exit: after a write failed (a full disk, ulimit -f) HDF5 keeps the
	 * file half-closed and its exit handler (H5_term_library -> H5F__close_cb) crashed on it,
	 * turning a clear error into a segfault. Everything this sink opens it closes itself; the
	 * call is refused (harmlessly) when the library is already initialised.
	 */
	static bool no_atexit;
	if (!no_atexit) {
		no_atexit = true;
		H5dont_atexit();
	}
	H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
	if (!ri) {
		frag_results_errf(err, errlen, "h5: no run information");
		return -EINVAL;
	}
	if (!frag_results_uid_valid(ri->uid)) {
		frag_results_errf(err, errlen, "run uid '%s' is not 1-32 hex digits", ri->uid);
		return -EINVAL;
	}
	rc = check_geometry(ri, err, errlen);
	if (rc)
		return rc;
	if (!dir || !*dir) {
		frag_results_errf(err, errlen, "h5: no directory given");
		return -EINVAL;
	}
	if (snprintf(path, sizeof path, "%s/%s.h5", dir, ri->uid) >= (int)sizeof path) {
		frag_results_errf(err, errlen, "%s: path too long", dir);
		return -ENAMETOOLONG;
	}
	rc = frag_results_mkdirs(dir, err, errlen);
	if (rc)
		return rc;
	if (access(dir, W_OK) != 0) {
		rc = -errno;
		frag_results_errf(err, errlen, "cannot write to directory %s: %s", dir, strerror(-rc));
		return rc;
	}
	if (access(path, F_OK) == 0) {
		frag_results_errf(err, errlen, "%s already exists (a run with uid %s was written there)", path,
				  ri->uid);
		return -EEXIST;
	}

	h = calloc(1, sizeof *h);
	if (!h || !(h->path = strdup(path))) {
		free(h);
		frag_results_errf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	h->file = h->epoch_grp = H5I_INVALID_HID;
	h->nr_zones = ri->nr_zones;
	series_init(h, ri);

	fapl = H5Pcreate(H5P_FILE_ACCESS);
	if (fapl < 0) {
		rc = h5_fail(h, "H5Pcreate");
		goto fail;
	}
	/* H5F_CLOSE_STRONG: H5Fclose() also closes what a failed write left open (a full disk,
	 * ulimit -f), instead of leaving the file to the library's exit handler, which crashed. */
	H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG);
	h->file = H5Fcreate(path, H5F_ACC_EXCL, H5P_DEFAULT, fapl);
	H5Pclose(fapl);
	if (h->file < 0) {
		rc = h5_fail(h, "H5Fcreate");
		frag_results_errf(err, errlen, "%s", h->errmsg);
		h5_free(h);
		return rc;
	}
	rc = root_identity(h, ri);
	if (rc)
		goto fail;
	rc = write_zones(h, ri);
	if (rc)
		goto fail;
	h->epoch_grp = H5Gcreate2(h->file, "epoch", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
	if (h->epoch_grp < 0) {
		rc = h5_fail(h, "H5Gcreate2(/epoch)");
		goto fail;
	}
	for (int i = 0; i < NR_SERIES && !rc; i++)
		rc = series_create(h, &h->s[i]);
	rc = rc ?: series_describe(h, ri);
	if (rc)
		goto fail;
	if (H5Fflush(h->file, H5F_SCOPE_LOCAL) < 0) {
		rc = h5_fail(h, "H5Fflush");
		goto fail;
	}
	h->last_flush = mono_now();
	*hp = h;
	return 0;
fail:
	frag_results_errf(err, errlen, "%s", h->errmsg);
	h5_close_all(h);
	unlink(path);
	h5_free(h);
	return rc;
}

static int h5_epoch(void *hd, const struct frag_epoch *e)
{
	struct h5_sink *h = hd;
	const void *rows[NR_SERIES];
	int rc = 0;

	if (h->finished) {
		snprintf(h->errmsg, sizeof h->errmsg, "%s: epoch() after finish()", h->path);
		return -EINVAL;
	}
	if (h->error)
		return h->error;
	if (!e) {
		snprintf(h->errmsg, sizeof h->errmsg, "%s: epoch() without a sample", h->path);
		return -EINVAL;
	}
	rows[S_T_NS] = &e->t_ns;
	rows[S_COUNTERS] = e->counters;
	rows[S_FREE_BLOCKS] = e->free_blocks;
	rows[S_PB_TYPE] = e->pb_type;
	rows[S_SPB] = e->spb;
	for (int i = 0; i < NR_SERIES; i++) {
		if (h->s[i].row_elems && !rows[i]) {
			snprintf(h->errmsg, sizeof h->errmsg, "%s: epoch at %" PRIu64 " ns has no %s array",
				 h->path, e->t_ns, h->s[i].name);
			return -EINVAL;
		}
	}
	if (h->nr_epochs && e->t_ns < h->last_t_ns) {
		snprintf(h->errmsg, sizeof h->errmsg, "%s: epoch time went backwards (%" PRIu64 " < %" PRIu64 ")",
			 h->path, e->t_ns, h->last_t_ns);
		return -EINVAL;
	}
	for (int i = 0; i < NR_SERIES; i++) {
		struct h5_series *s = &h->s[i];
		size_t rb = s->row_elems * s->elem_size;

		if (rb)
			memcpy(s->buf + s->nr_buf * rb, rows[i], rb);
		if (++s->nr_buf == s->chunk_rows) {
			int r = series_write(h, s);
			rc = rc ?: r;
		}
	}
	h->nr_epochs++;
	h->last_t_ns = e->t_ns;
	/* Now and then, put everything on disk, so a killed run leaves a readable file. */
	if (!rc && mono_now() - h->last_flush >= H5_FLUSH_PERIOD_S) {
		for (int i = 0; i < NR_SERIES && !rc; i++)
			rc = series_write(h, &h->s[i]);
		if (!rc && H5Fflush(h->file, H5F_SCOPE_LOCAL) < 0)
			rc = h5_fail(h, "H5Fflush");
		h->last_flush = mono_now();
	}
	if (rc)
		h->error = rc;
	return rc;
}

static int h5_event(void *hd, const struct frag_event_rec *ev)
{
	struct h5_sink *h = hd;
	int rc;

	if (h->finished) {
		snprintf(h->errmsg, sizeof h->errmsg, "%s: event() after finish()", h->path);
		return -EINVAL;
	}
	rc = frag_evbuf_push(&h->evs, ev);
	if (rc == -EINVAL) {
		snprintf(h->errmsg, sizeof h->errmsg, "%s: event without a type", h->path);
	} else if (rc) {
		snprintf(h->errmsg, sizeof h->errmsg, "%s: out of memory buffering events", h->path);
		if (!h->error)
			h->error = rc;
	}
	return rc;
}

/* Write everything still buffered, the end status, and close the file. */
static int h5_end(struct h5_sink *h, const struct frag_run_end *end)
{
	char finished[32], msg[1200];
	const char *status = end->status, *message = end->message ? end->message : "";
	int rc = 0, r;

	h->finished = true;
	for (int i = 0; i < NR_SERIES; i++) {
		r = series_write(h, &h->s[i]);
		rc = rc ?: r;
	}
	if (h->error || rc) {
		/* Rows were lost: the file cannot claim a complete run. */
		if (!strcmp(status, "complete"))
			status = "failed";
		snprintf(msg, sizeof msg, "%s%swrite error: %s", message, *message ? "; " : "", h->errmsg);
		message = msg;
		rc = rc ?: h->error;
	}
	r = write_metrics(h, end);
	rc = rc ?: r;
	r = write_events(h);
	rc = rc ?: r;
	frag_results_utc_now(finished, sizeof finished);
	r = attr_str(h, h->file, "status", status);
	r = r ?: attr_str(h, h->file, "message", message);
	r = r ?: attr_str(h, h->file, "finished_at", finished);
	r = r ?: attr_f64(h, h->file, "wall_seconds", end->wall_seconds);
	r = r ?: attr_u64(h, h->file, "sim_ns", end->sim_ns);
	r = r ?: attr_u64(h, h->file, "nr_epochs", h->nr_epochs);
	rc = rc ?: r;
	r = h5_close_all(h);
	rc = rc ?: r;
	if (!rc)
		h->errmsg[0] = 0;
	return rc;
}

static int h5_finish(void *hd, const struct frag_run_end *end)
{
	struct h5_sink *h = hd;

	if (h->finished) {
		snprintf(h->errmsg, sizeof h->errmsg, "%s: finish() called twice", h->path);
		return -EINVAL;
	}
	if (!end || !frag_results_end_status_valid(end->status)) {
		snprintf(h->errmsg, sizeof h->errmsg, "%s: end status '%s' is not complete, interrupted or failed",
			 h->path, end && end->status ? end->status : "(null)");
		return -EINVAL;
	}
	if (end->nr_metrics && !end->metrics) {
		snprintf(h->errmsg, sizeof h->errmsg, "%s: %u metrics without an array", h->path, end->nr_metrics);
		return -EINVAL;
	}
	return h5_end(h, end);
}

static void h5_close(void *hd)
{
	struct h5_sink *h = hd;

	if (!h)
		return;
	if (!h->finished) {
		struct frag_run_end end = { .status = "failed", .message = "closed before finish" };
		h5_end(h, &end);
	}
	h5_free(h);
}

static const char *h5_last_error(void *hd)
{
	struct h5_sink *h = hd;

	return h ? h->errmsg : "";
}

const struct frag_sink_ops frag_sink_h5 = {
	.scheme = "h5",
	.open = h5_open,
	.epoch = h5_epoch,
	.event = h5_event,
	.finish = h5_finish,
	.close = h5_close,
	.last_error = h5_last_error,
};
