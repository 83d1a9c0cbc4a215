/* SPDX-License-Identifier: MIT */
/*
 * test_sinks.c - the result sinks of results/: SQLite, HDF5, text and the
 * registry. Each test is named after the sink operation it checks.
 *
 * Usage: test_sinks BUILD_DIR SOURCE_DIR. Scratch files go to a fresh
 * BUILD_DIR/sinks.XXXXXX (removed when every test passed); the check that
 * needs an unprivileged user uses /tmp. SOURCE_DIR is the project root
 * (results/schema.sql is compared with the compiled-in schema).
 *
 * Written data is read back with the SQLite and HDF5 C APIs, never through
 * the sinks themselves.
 */
#include <ftw.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <hdf5.h>
#include <sqlite3.h>

#include "frag/stat_list.h"
#include "results/internal.h"
#include "tap.h"

static char tmpdir[4096];
static const char *srcdir = ".";

/* ---------------------------------------------------------------------- */
/* A small run                                                            */
/* ---------------------------------------------------------------------- */

#define NR_ZONES 2
#define NR_PB 1000
#define NR_SPB 3
#define NR_CNT 3

static const struct frag_zone_desc zones[NR_ZONES] = {
	{ .nid = 0, .name = "DMA32", .start_pfn = 4096, .spanned_pages = 200 * 512,
	  .managed_pages = 200 * 512 - 7, .first_pageblock = 0, .nr_pageblocks = 200,
	  .first_spb = 0, .nr_spbs = 1 },
	{ .nid = 0, .name = "Normal", .start_pfn = 4096 + 200 * 512, .spanned_pages = 800 * 512,
	  .managed_pages = 800 * 512, .first_pageblock = 200, .nr_pageblocks = 800,
	  .first_spb = 1, .nr_spbs = 2 },
};
static const char *const cnt_names[NR_CNT] = { "pgalloc_normal", "pgfree", "alloc_fail" };
static const char *const cnt_units[NR_CNT] = { "pages", "pages", "count" };
static const char *const pkeys[] = { "machine.ram", "sysctl.min_free_kbytes", "policy.name" };
static const char *const pvals[] = { "4GiB", "67584", "linux" };

static struct frag_run_info run_info(const char *uid)
{
	struct frag_run_info ri = {
		.scenario_name = "unit",
		.scenario_path = "scenarios/unit.yaml",
		.scenario_hash = 0x0123456789abcdefull,
		.config_json = "{\"run\":{\"name\":\"unit\"}}",
		.policy = "linux",
		.seed = 42,
		.git_rev = "v0.1-3-gabc",
		.version = "0.1.0",
		.simgrid_version = "3.32",
		.duration_ns = 5000000000ull,
		.sample_period_ns = 1000000ull,
		.nr_params = 3,
		.param_keys = pkeys,
		.param_values = pvals,
		.nr_zones = NR_ZONES,
		.zones = zones,
		.nr_pageblocks = NR_PB,
		.nr_spbs = NR_SPB,
		.nr_counters = NR_CNT,
		.counter_names = cnt_names,
		.counter_units = cnt_units,
	};
	snprintf(ri.uid, sizeof ri.uid, "%s", uid);
	return ri;
}

static const struct frag_metric metrics3[] = {
	{ "thp_fault_alloc", 12, "count" },
	{ "thp_success_ratio", 0.75, "ratio" },
	{ "free_pages", 123456, "pages" },
};

/* Arrays of epoch @e with the values the read-back checks expect. */
struct epoch_buf {
	uint64_t counters[NR_CNT];
	uint32_t free_blocks[NR_ZONES][NR_PAGE_ORDERS][MIGRATE_TYPES];
	uint8_t pb[NR_PB];
	uint32_t spb[NR_SPB][FRAG_SPB_NR_FIELDS];
};

static uint64_t exp_counter(uint64_t e, unsigned c) { return e * 1000 + c; }
static uint32_t exp_free(uint64_t e, unsigned z, unsigned o, unsigned mt) { return (uint32_t)(e + z * 100 + o * 10 + mt); }
static uint8_t exp_pb(uint64_t e, unsigned p) { return (uint8_t)((p + e) % 6) | (p % 7 == 0 ? FRAG_PB_FREE : 0); }
static uint32_t exp_spb(uint64_t e, unsigned s, unsigned f) { return (uint32_t)(e * 100 + s * 20 + f); }

static struct frag_epoch fill_epoch(struct epoch_buf *b, uint64_t e)
{
	for (unsigned c = 0; c < NR_CNT; c++)
		b->counters[c] = exp_counter(e, c);
	for (unsigned z = 0; z < NR_ZONES; z++)
		for (unsigned o = 0; o < NR_PAGE_ORDERS; o++)
			for (unsigned mt = 0; mt < MIGRATE_TYPES; mt++)
				b->free_blocks[z][o][mt] = exp_free(e, z, o, mt);
	for (unsigned p = 0; p < NR_PB; p++)
		b->pb[p] = exp_pb(e, p);
	for (unsigned s = 0; s < NR_SPB; s++)
		for (unsigned f = 0; f < FRAG_SPB_NR_FIELDS; f++)
			b->spb[s][f] = exp_spb(e, s, f);
	return (struct frag_epoch){
		.t_ns = (e + 1) * 1000000ull,
		.counters = b->counters,
		.free_blocks = &b->free_blocks[0][0][0],
		.pb_type = b->pb,
		.spb = &b->spb[0][0],
	};
}

static const struct frag_event_rec events3[] = {
	{ .t_ns = 100, .type = "hugetlb_1g", .cpu = 3, .nid = 0, .pfn = 262144, .order = 18,
	  .value = 5000, .outcome = "ok", .detail = "{\"migrated\":12}" },
	{ .t_ns = 200, .type = "alloc_fail", .cpu = -1, .nid = -1, .pfn = FRAG_PFN_NONE, .order = -1,
	  .value = 0, .outcome = "fail", .detail = NULL },
	{ .t_ns = 300, .type = "oom", .cpu = 1, .nid = 1, .pfn = FRAG_PFN_NONE, .order = 9,
	  .value = -7, .outcome = "", .detail = NULL },
};

/* ---------------------------------------------------------------------- */
/* Helpers                                                                */
/* ---------------------------------------------------------------------- */

static void path_in(char *out, size_t len, const char *fmt, const char *name)
{
	char n[1024];

	snprintf(n, sizeof n, fmt, name);
	if (snprintf(out, len, "%s/%s", tmpdir, n) >= (int)len)
		abort();
}

static sqlite3 *db_open(const char *path)
{
	sqlite3 *db = NULL;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		printf("# cannot open %s: %s\n", path, db ? sqlite3_errmsg(db) : "?");
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db, 10000);
	return db;
}

static long long q_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	long long v = -999999;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		printf("# %s: %s\n", sql, sqlite3_errmsg(db));
		return v;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Text of the first column of the first row, "(null)" for NULL, "(none)" without a row. */
static const char *q_text(sqlite3 *db, const char *sql)
{
	static char buf[8][4096];
	static int k;
	char *out = buf[k++ % 8];
	sqlite3_stmt *st;

	snprintf(out, 4096, "(none)");
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		printf("# %s: %s\n", sql, sqlite3_errmsg(db));
		return out;
	}
	if (sqlite3_step(st) == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(st, 0);
		snprintf(out, 4096, "%s", t ? (const char *)t : "(null)");
	}
	sqlite3_finalize(st);
	return out;
}

/* The column names of @table joined by ',' (PRAGMA table_info order). */
static const char *columns(sqlite3 *db, const char *table)
{
	char sql[256];

	snprintf(sql, sizeof sql, "SELECT group_concat(name, ',') FROM pragma_table_info('%s')", table);
	return q_text(db, sql);
}

/* Open, optionally finish, close one run. */
static int sqlite_run(const char *db, const char *uid, const char *status, char *err, size_t errlen)
{
	struct frag_run_info ri = run_info(uid);
	struct frag_run_end end = { .status = status, .message = "", .wall_seconds = 0.5,
				    .sim_ns = 5000000000ull, .nr_metrics = 3, .metrics = metrics3 };
	void *h;
	int rc = frag_sink_sqlite.open(&h, db, &ri, err, errlen);

	if (rc)
		return rc;
	for (int i = 0; i < 3; i++)
		rc = rc ?: frag_sink_sqlite.event(h, &events3[i]);
	if (status)
		rc = rc ?: frag_sink_sqlite.finish(h, &end);
	if (rc)
		snprintf(err, errlen, "%s", frag_sink_sqlite.last_error(h));
	frag_sink_sqlite.close(h);
	return rc;
}

static int rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static void rm_rf(const char *p)
{
	nftw(p, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

/* Wait for @pid; its exit status (or 100 + signal). */
static int wait_child(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 100 + WTERMSIG(st);
}

/* HDF5 read-back helpers. */
static int h5_str_attr(hid_t loc, const char *name, char *out, size_t len)
{
	hid_t a = H5Aopen(loc, name, H5P_DEFAULT), t, mt;
	char *p = NULL;
	int rc = -1;

	out[0] = 0;
	if (a < 0) {
		printf("# no attribute %s\n", name);
		return -1;
	}
	t = H5Aget_type(a);
	mt = H5Tcopy(H5T_C_S1);
	H5Tset_size(mt, H5T_VARIABLE);
	H5Tset_cset(mt, H5T_CSET_UTF8);
	if (H5Tis_variable_str(t) > 0 && H5Aread(a, mt, &p) >= 0) {
		snprintf(out, len, "%s", p ? p : "");
		H5free_memory(p);
		rc = 0;
	}
	H5Tclose(mt);
	H5Tclose(t);
	H5Aclose(a);
	return rc;
}

static uint64_t h5_u64_attr(hid_t loc, const char *name)
{
	hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
	uint64_t v = UINT64_MAX;

	if (a < 0) {
		printf("# no attribute %s\n", name);
		return v;
	}
	if (H5Aread(a, H5T_NATIVE_UINT64, &v) < 0)
		v = UINT64_MAX;
	H5Aclose(a);
	return v;
}

/* Check a string array attribute against @want. */
static int h5_strv_attr_eq(hid_t loc, const char *name, size_t n, const char *const *want)
{
	hid_t a = H5Aopen(loc, name, H5P_DEFAULT), sp, mt;
	hssize_t np;
	char **p;
	int ok = 1;

	if (a < 0) {
		printf("# no attribute %s\n", name);
		return 0;
	}
	sp = H5Aget_space(a);
	np = H5Sget_simple_extent_npoints(sp);
	H5Sclose(sp);
	if (np != (hssize_t)n) {
		printf("# attribute %s has %lld elements, expected %zu\n", name, (long long)np, n);
		H5Aclose(a);
		return 0;
	}
	p = calloc(n ? n : 1, sizeof *p);
	mt = H5Tcopy(H5T_C_S1);
	H5Tset_size(mt, H5T_VARIABLE);
	H5Tset_cset(mt, H5T_CSET_UTF8);
	if (n && H5Aread(a, mt, p) < 0)
		ok = 0;
	for (size_t i = 0; ok && i < n; i++) {
		if (!p[i] || strcmp(p[i], want[i])) {
			printf("# %s[%zu] = %s, expected %s\n", name, i, p[i] ? p[i] : "(null)", want[i]);
			ok = 0;
		}
	}
	for (size_t i = 0; i < n; i++)
		H5free_memory(p[i]);
	free(p);
	H5Tclose(mt);
	H5Aclose(a);
	return ok;
}

/* Dims of a dataset; returns its rank. */
static int h5_dims(hid_t f, const char *name, hsize_t *dims)
{
	hid_t d = H5Dopen2(f, name, H5P_DEFAULT), sp;
	int r;

	if (d < 0) {
		printf("# no dataset %s\n", name);
		return -1;
	}
	sp = H5Dget_space(d);
	r = H5Sget_simple_extent_dims(sp, dims, NULL);
	H5Sclose(sp);
	H5Dclose(d);
	return r;
}

/* Bytes of one chunk of @name (0 if not chunked); *nfilters set. */
static size_t h5_chunk_bytes(hid_t f, const char *name, int *nfilters)
{
	hid_t d = H5Dopen2(f, name, H5P_DEFAULT), pl, t;
	hsize_t ch[8];
	size_t bytes = 0;
	int r;

	*nfilters = -1;
	if (d < 0)
		return 0;
	pl = H5Dget_create_plist(d);
	t = H5Dget_type(d);
	if (H5Pget_layout(pl) == H5D_CHUNKED) {
		r = H5Pget_chunk(pl, 8, ch);
		bytes = H5Tget_size(t);
		for (int i = 0; i < r; i++)
			bytes *= ch[i];
	}
	*nfilters = H5Pget_nfilters(pl);
	H5Tclose(t);
	H5Pclose(pl);
	H5Dclose(d);
	return bytes;
}

/* Read a whole dataset of @mtype into a fresh buffer. */
static void *h5_read_all(hid_t f, const char *name, hid_t mtype, size_t elem)
{
	hid_t d = H5Dopen2(f, name, H5P_DEFAULT), sp;
	hssize_t n;
	void *buf;

	if (d < 0)
		return NULL;
	sp = H5Dget_space(d);
	n = H5Sget_simple_extent_npoints(sp);
	H5Sclose(sp);
	buf = malloc((size_t)(n ? n : 1) * elem);
	if (buf && n && H5Dread(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) {
		free(buf);
		buf = NULL;
	}
	H5Dclose(d);
	return buf;
}

/* ---------------------------------------------------------------------- */
/* Registry and helpers                                                   */
/* ---------------------------------------------------------------------- */

static void test_frag_sink_lookup(void)
{
	const struct frag_sink_ops *ops = NULL;
	const char *path = NULL;
	char err[256];
	unsigned nr;
	const struct frag_sink_ops *const *all = frag_sinks(&nr);

	CHECK_EQ(nr, 3);
	CHECK_STREQ(all[0]->scheme, "sqlite");
	CHECK_STREQ(all[1]->scheme, "h5");
	CHECK_STREQ(all[2]->scheme, "text");
	CHECK_EQ(frag_sink_lookup("sqlite:out/fragsim.db", &ops, &path, err, sizeof err), 0);
	CHECK(ops == &frag_sink_sqlite);
	CHECK_STREQ(path, "out/fragsim.db");
	CHECK_EQ(frag_sink_lookup("h5:out/runs", &ops, &path, err, sizeof err), 0);
	CHECK(ops == &frag_sink_h5);
	CHECK_STREQ(path, "out/runs");
	CHECK_EQ(frag_sink_lookup("text:-", &ops, &path, err, sizeof err), 0);
	CHECK(ops == &frag_sink_text);
	CHECK_STREQ(path, "-");
	CHECK_EQ(frag_sink_lookup("text:a:b", &ops, &path, err, sizeof err), 0);
	CHECK_STREQ(path, "a:b");
	CHECK_EQ(frag_sink_lookup("csv:x", &ops, &path, err, sizeof err), -ENOENT);
	CHECK(strstr(err, "unknown scheme 'csv'") && strstr(err, "sqlite, h5, text"));
	CHECK_EQ(frag_sink_lookup("out.db", &ops, &path, err, sizeof err), -EINVAL);
	CHECK(strstr(err, "SCHEME:PATH"));
	CHECK_EQ(frag_sink_lookup("sqlite:", &ops, &path, err, sizeof err), -EINVAL);
	CHECK(strstr(err, "no path"));
	CHECK_EQ(frag_sink_lookup(":x", &ops, &path, err, sizeof err), -EINVAL);
}

static void test_frag_run_uid_new(void)
{
	char a[FRAG_RUN_UID_LEN], b[FRAG_RUN_UID_LEN];

	CHECK_EQ(frag_run_uid_new(a), 0);
	CHECK_EQ(frag_run_uid_new(b), 0);
	CHECK_EQ(strlen(a), 32);
	CHECK(frag_results_uid_valid(a));
	CHECK(strcmp(a, b) != 0);
	CHECK(!frag_results_uid_valid(""));
	CHECK(!frag_results_uid_valid("../etc"));
	CHECK(!frag_results_uid_valid("0123456789abcdef0123456789abcdef0"));
}

static void test_frag_results_relpath(void)
{
	char out[4096], a[4096], b[4096];

	CHECK_EQ(frag_results_relpath("/x/exp", "/x/exp/runs/u.h5", out, sizeof out), 0);
	CHECK_STREQ(out, "runs/u.h5");
	CHECK_EQ(frag_results_relpath("/x/exp", "/x/other/u.h5", out, sizeof out), 0);
	CHECK_STREQ(out, "../other/u.h5");
	CHECK_EQ(frag_results_relpath("/x/ex", "/x/exp/u.h5", out, sizeof out), 0);
	CHECK_STREQ(out, "../exp/u.h5");
	CHECK_EQ(frag_results_relpath("/a/b/c", "/a/x", out, sizeof out), 0);
	CHECK_STREQ(out, "../../x");
	CHECK_EQ(frag_results_relpath("/", "/x/y", out, sizeof out), 0);
	CHECK_STREQ(out, "x/y");
	CHECK_EQ(frag_results_relpath("/x/./exp/../exp", "/x//exp/runs/./u.h5", out, sizeof out), 0);
	CHECK_STREQ(out, "runs/u.h5");
	/* Relative paths are taken against the working directory. */
	path_in(a, sizeof a, "%s", "rel/db");
	path_in(b, sizeof b, "%s", "rel/runs/u.h5");
	CHECK_EQ(frag_results_mkdirs(a, NULL, 0), 0);
	CHECK_EQ(frag_results_relpath(a, b, out, sizeof out), 0);
	CHECK_STREQ(out, "../runs/u.h5");
}

/* results/schema.sql is what the binary executes, byte for byte. */
static void test_frag_results_schema_sql(void)
{
	char p[4096];
	FILE *f;
	char *buf;
	long n;

	snprintf(p, sizeof p, "%s/results/schema.sql", srcdir);
	f = fopen(p, "rb");
	CHECK(f != NULL);
	if (!f)
		return;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	CHECK_EQ(fread(buf, 1, (size_t)n, f), n);
	fclose(f);
	CHECK_STREQ(frag_results_schema_sql, buf);
	free(buf);
	/* Every column line carries a comment. */
	for (const char *l = frag_results_schema_sql; *l;) {
		const char *e = strchr(l, '\n');
		size_t len = e ? (size_t)(e - l) : strlen(l);
		char line[512];

		snprintf(line, sizeof line, "%.*s", (int)len, l);
		if (line[0] == '\t' && strncmp(line, "\tPRIMARY KEY", 12) && !strstr(line, "--")) {
			printf("# uncommented schema line: %s\n", line);
			CHECK(0);
		}
		l += len + (e ? 1 : 0);
	}
}

/* ---------------------------------------------------------------------- */
/* SQLite                                                                 */
/* ---------------------------------------------------------------------- */

static void test_sqlite_open_finish_roundtrip(void)
{
	struct frag_run_info ri = run_info("00000000000000000000000000000001");
	struct frag_run_end end = { .status = "complete", .message = "", .wall_seconds = 1.25,
				    .sim_ns = 4500000000ull, .nr_metrics = 3, .metrics = metrics3 };
	struct epoch_buf eb;
	struct frag_epoch ep = fill_epoch(&eb, 0);
	char db_path[4096], h5[4096], wal[4200], err[1024];
	struct stat st;
	sqlite3 *db;
	void *h;

	path_in(db_path, sizeof db_path, "%s", "rt/sub/fragsim.db");     /* parent dirs created */
	path_in(h5, sizeof h5, "%s", "rt/sub/runs/00000000000000000000000000000001.h5");
	ri.h5_file = h5;
	CHECK_EQ(frag_sink_sqlite.open(&h, db_path, &ri, err, sizeof err), 0);
	if (!h) {
		printf("# %s\n", err);
		return;
	}
	CHECK_EQ(frag_sink_sqlite.epoch(h, &ep), 0);
	for (int i = 0; i < 3; i++)
		CHECK_EQ(frag_sink_sqlite.event(h, &events3[i]), 0);

	/* Another connection sees the run as running while it runs. */
	db = db_open(db_path);
	CHECK_STREQ(q_text(db, "SELECT status FROM runs"), "running");
	CHECK_STREQ(q_text(db, "SELECT journal_mode FROM pragma_journal_mode"), "wal");
	CHECK_EQ(q_int(db, "SELECT count(*) FROM params"), 3);
	CHECK_EQ(q_int(db, "SELECT count(*) FROM events"), 0);
	CHECK_STREQ(q_text(db, "SELECT finished_at FROM runs"), "(null)");
	sqlite3_close(db);

	CHECK_EQ(frag_sink_sqlite.finish(h, &end), 0);
	CHECK_STREQ(frag_sink_sqlite.last_error(h), "");
	CHECK_EQ(frag_sink_sqlite.finish(h, &end), -EINVAL);       /* only once */
	CHECK_EQ(frag_sink_sqlite.event(h, &events3[0]), -EINVAL);
	frag_sink_sqlite.close(h);

	/* The checkpoint at close leaves no write-ahead log behind. */
	snprintf(wal, sizeof wal, "%s-wal", db_path);
	CHECK(stat(wal, &st) != 0 || st.st_size == 0);

	db = db_open(db_path);
	if (!db)
		return;
	/* Every table and column. */
	CHECK_STREQ(columns(db, "stats_version"), "stats_version,schema_version");
	CHECK_STREQ(columns(db, "runs"),
		    "id,uid,scenario,scenario_path,scenario_hash,policy,seed,config,git_rev,fragsim_version,"
		    "simgrid_version,host,pid,status,message,started_at,finished_at,wall_s,sim_requested_s,"
		    "sim_reached_s,sample_period_s,h5_file");
	CHECK_STREQ(columns(db, "params"), "run_id,key,value");
	CHECK_STREQ(columns(db, "metrics"), "run_id,name,value,unit");
	CHECK_STREQ(columns(db, "events"), "run_id,seq,t_ns,type,cpu,nid,pfn,ord,value,outcome,detail");
	CHECK_EQ(q_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table'"), 5);

	CHECK_EQ(q_int(db, "SELECT count(*) FROM stats_version"), 1);
	CHECK_EQ(q_int(db, "SELECT stats_version FROM stats_version"), FRAG_STATS_VERSION);
	CHECK_EQ(q_int(db, "SELECT schema_version FROM stats_version"), FRAG_RESULTS_SCHEMA_VERSION);

	CHECK_EQ(q_int(db, "SELECT count(*) FROM runs"), 1);
	CHECK_EQ(q_int(db, "SELECT id FROM runs"), 1);
	CHECK_STREQ(q_text(db, "SELECT uid FROM runs"), "00000000000000000000000000000001");
	CHECK_STREQ(q_text(db, "SELECT scenario FROM runs"), "unit");
	CHECK_STREQ(q_text(db, "SELECT scenario_path FROM runs"), "scenarios/unit.yaml");
	CHECK_STREQ(q_text(db, "SELECT scenario_hash FROM runs"), "0123456789abcdef");
	CHECK_STREQ(q_text(db, "SELECT policy FROM runs"), "linux");
	CHECK_EQ(q_int(db, "SELECT seed FROM runs"), 42);
	CHECK_STREQ(q_text(db, "SELECT config FROM runs"), "{\"run\":{\"name\":\"unit\"}}");
	CHECK_STREQ(q_text(db, "SELECT json_extract(config, '$.run.name') FROM runs"), "unit");
	CHECK_STREQ(q_text(db, "SELECT git_rev FROM runs"), "v0.1-3-gabc");
	CHECK_STREQ(q_text(db, "SELECT fragsim_version FROM runs"), "0.1.0");
	CHECK_STREQ(q_text(db, "SELECT simgrid_version FROM runs"), "3.32");
	CHECK(strlen(q_text(db, "SELECT host FROM runs")) > 0);
	CHECK_EQ(q_int(db, "SELECT pid FROM runs"), getpid());
	CHECK_STREQ(q_text(db, "SELECT status FROM runs"), "complete");
	CHECK_STREQ(q_text(db, "SELECT message FROM runs"), "");
	/* UTC ISO 8601 with milliseconds. */
	CHECK_EQ(strlen(q_text(db, "SELECT started_at FROM runs")), 24);
	CHECK_EQ(q_int(db, "SELECT started_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:"
			   "[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z' FROM runs"), 1);
	CHECK_EQ(q_int(db, "SELECT finished_at >= started_at FROM runs"), 1);
	CHECK_EQ(q_int(db, "SELECT julianday(substr(finished_at, 1, 23)) IS NOT NULL FROM runs"), 1);
	CHECK_EQ(q_int(db, "SELECT wall_s = 1.25 FROM runs"), 1);
	CHECK_EQ(q_int(db, "SELECT sim_requested_s = 5.0 FROM runs"), 1);
	CHECK_EQ(q_int(db, "SELECT sim_reached_s = 4.5 FROM runs"), 1);
	CHECK_EQ(q_int(db, "SELECT sample_period_s = 0.001 FROM runs"), 1);
	CHECK_STREQ(q_text(db, "SELECT h5_file FROM runs"), "runs/00000000000000000000000000000001.h5");

	CHECK_STREQ(q_text(db, "SELECT group_concat(key || '=' || value, ';') FROM "
			       "(SELECT * FROM params WHERE run_id = 1 ORDER BY key)"),
		    "machine.ram=4GiB;policy.name=linux;sysctl.min_free_kbytes=67584");

	CHECK_EQ(q_int(db, "SELECT count(*) FROM metrics WHERE run_id = 1"), 3);
	CHECK_EQ(q_int(db, "SELECT value = 12 AND unit = 'count' FROM metrics WHERE name = 'thp_fault_alloc'"), 1);
	CHECK_EQ(q_int(db, "SELECT value = 0.75 AND unit = 'ratio' FROM metrics WHERE name = 'thp_success_ratio'"), 1);
	CHECK_EQ(q_int(db, "SELECT value = 123456 AND unit = 'pages' FROM metrics WHERE name = 'free_pages'"), 1);

	CHECK_EQ(q_int(db, "SELECT count(*) FROM events WHERE run_id = 1"), 3);
	CHECK_STREQ(q_text(db, "SELECT group_concat(x, ';') FROM (SELECT seq || ',' || t_ns || ',' || type || ','"
			       " || ifnull(cpu, 'N') || ',' || ifnull(nid, 'N') || ',' || ifnull(pfn, 'N') || ','"
			       " || ifnull(ord, 'N') || ',' || value || ',' || outcome || ',' || ifnull(detail, 'N')"
			       " AS x FROM events ORDER BY seq)"),
		    "0,100,hugetlb_1g,3,0,262144,18,5000,ok,{\"migrated\":12};"
		    "1,200,alloc_fail,N,N,N,N,0,fail,N;"
		    "2,300,oom,1,1,N,9,-7,,N");
	CHECK_EQ(q_int(db, "SELECT json_extract(detail, '$.migrated') FROM events WHERE seq = 0"), 12);
	CHECK_STREQ(q_text(db, "PRAGMA integrity_check"), "ok");
	CHECK_STREQ(q_text(db, "PRAGMA foreign_key_check"), "(none)");
	sqlite3_close(db);
}

/* A killed process (no finish(), no close()) leaves "running", never "complete". */
static void test_sqlite_killed_stays_running(void)
{
	char db_path[4096], err[1024];
	pid_t pid;
	sqlite3 *db;

	path_in(db_path, sizeof db_path, "%s", "killed.db");
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct frag_run_info ri = run_info("0000000000000000000000000000000a");
		void *h;

		if (frag_sink_sqlite.open(&h, db_path, &ri, err, sizeof err))
			_exit(1);
		frag_sink_sqlite.event(h, &events3[0]);
		kill(getpid(), SIGKILL);
		_exit(2);
	}
	CHECK_EQ(wait_child(pid), 100 + SIGKILL);
	db = db_open(db_path);
	if (!db)
		return;
	CHECK_STREQ(q_text(db, "SELECT status FROM runs"), "running");
	CHECK_STREQ(q_text(db, "SELECT finished_at FROM runs"), "(null)");
	CHECK_STREQ(q_text(db, "SELECT sim_reached_s FROM runs"), "(null)");
	CHECK_EQ(q_int(db, "SELECT pid FROM runs"), pid);
	CHECK_EQ(q_int(db, "SELECT count(*) FROM params"), 3);
	CHECK_EQ(q_int(db, "SELECT count(*) FROM events"), 0);
	CHECK_EQ(q_int(db, "SELECT count(*) FROM metrics"), 0);
	CHECK_STREQ(q_text(db, "PRAGMA integrity_check"), "ok");
	sqlite3_close(db);
	/* The database stays usable for later runs. */
	CHECK_EQ(sqlite_run(db_path, "0000000000000000000000000000000b", "complete", err, sizeof err), 0);
	db = db_open(db_path);
	CHECK_EQ(q_int(db, "SELECT count(*) FROM runs WHERE status = 'complete'"), 1);
	CHECK_EQ(q_int(db, "SELECT count(*) FROM runs WHERE status = 'running'"), 1);
	sqlite3_close(db);
}

static void test_sqlite_finish_interrupted(void)
{
	struct frag_run_info ri = run_info("00000000000000000000000000000002");
	struct frag_run_end end = { .status = "interrupted", .message = "SIGINT at 1.5 s",
				    .wall_seconds = 0.25, .sim_ns = 1500000000ull,
				    .nr_metrics = 1, .metrics = metrics3 };
	char db_path[4096], err[1024];
	sqlite3 *db;
	void *h;

	path_in(db_path, sizeof db_path, "%s", "interrupted.db");
	CHECK_EQ(frag_sink_sqlite.open(&h, db_path, &ri, err, sizeof err), 0);
	if (!h)
		return;
	CHECK_EQ(frag_sink_sqlite.event(h, &events3[1]), 0);
	CHECK_EQ(frag_sink_sqlite.finish(h, &end), 0);
	frag_sink_sqlite.close(h);
	db = db_open(db_path);
	CHECK_STREQ(q_text(db, "SELECT status FROM runs"), "interrupted");
	CHECK_STREQ(q_text(db, "SELECT message FROM runs"), "SIGINT at 1.5 s");
	CHECK_EQ(q_int(db, "SELECT sim_reached_s = 1.5 FROM runs"), 1);
	CHECK_EQ(q_int(db, "SELECT finished_at IS NOT NULL FROM runs"), 1);
	CHECK_EQ(q_int(db, "SELECT count(*) FROM events"), 1);
	CHECK_EQ(q_int(db, "SELECT count(*) FROM metrics"), 1);
	CHECK_STREQ(q_text(db, "SELECT h5_file FROM runs"), "(null)");
	sqlite3_close(db);
}

/* close() without finish(): recorded as failed, with the buffered events. */
static void test_sqlite_close_without_finish(void)
{
	char db_path[4096], err[1024];
	sqlite3 *db;

	path_in(db_path, sizeof db_path, "%s", "nofinish.db");
	CHECK_EQ(sqlite_run(db_path, "00000000000000000000000000000003", NULL, err, sizeof err), 0);
	db = db_open(db_path);
	CHECK_STREQ(q_text(db, "SELECT status FROM runs"), "failed");
	CHECK_STREQ(q_text(db, "SELECT message FROM runs"), "closed before finish");
	CHECK_EQ(q_int(db, "SELECT count(*) FROM events"), 3);
	sqlite3_close(db);
}

static void test_sqlite_finish_bad_input(void)
{
	struct frag_run_info ri = run_info("00000000000000000000000000000004");
	struct frag_run_end end = { .status = "done" };
	struct frag_metric dup[2] = { { "x", 1, "count" }, { "x", 2, "count" } };
	struct frag_event_rec notype = { .type = NULL };
	char db_path[4096], err[1024];
	sqlite3 *db;
	void *h;

	path_in(db_path, sizeof db_path, "%s", "bad.db");
	CHECK_EQ(frag_sink_sqlite.open(&h, db_path, &ri, err, sizeof err), 0);
	if (!h)
		return;
	CHECK_EQ(frag_sink_sqlite.event(h, &notype), -EINVAL);
	CHECK_EQ(frag_sink_sqlite.finish(h, &end), -EINVAL);
	CHECK(strstr(frag_sink_sqlite.last_error(h), "'done'") != NULL);
	end = (struct frag_run_end){ .status = "complete", .nr_metrics = 2, .metrics = dup };
	CHECK_EQ(frag_sink_sqlite.finish(h, &end), -EEXIST);
	CHECK(strstr(frag_sink_sqlite.last_error(h), "metric 'x' given twice") != NULL);
	frag_sink_sqlite.close(h);
	db = db_open(db_path);
	/* The failed finish() rolled back; close() recorded the failure. */
	CHECK_STREQ(q_text(db, "SELECT status FROM runs"), "failed");
	CHECK(strstr(q_text(db, "SELECT message FROM runs"), "metric 'x' given twice") != NULL);
	CHECK_EQ(q_int(db, "SELECT count(*) FROM metrics"), 0);
	sqlite3_close(db);

	/* Same uid twice. */
	CHECK_EQ(frag_sink_sqlite.open(&h, db_path, &ri, err, sizeof err), -EEXIST);
	CHECK(strstr(err, "uid 00000000000000000000000000000004 is already recorded") != NULL);
	/* Bad uid. */
	ri = run_info("not-hex");
	CHECK_EQ(frag_sink_sqlite.open(&h, db_path, &ri, err, sizeof err), -EINVAL);
	CHECK(strstr(err, "not-hex") != NULL);
	/* Duplicate parameter keys. */
	{
		const char *k[] = { "a", "a" }, *v[] = { "1", "2" };
		ri = run_info("00000000000000000000000000000005");
		ri.param_keys = k;
		ri.param_values = v;
		ri.nr_params = 2;
		CHECK_EQ(frag_sink_sqlite.open(&h, db_path, &ri, err, sizeof err), -EEXIST);
		CHECK(strstr(err, "parameter 'a' given twice") != NULL);
		db = db_open(db_path);
		CHECK_EQ(q_int(db, "SELECT count(*) FROM runs WHERE uid = '00000000000000000000000000000005'"), 0);
		sqlite3_close(db);
	}
}

static void test_sqlite_stats_version_mismatch(void)
{
	char db_path[4096], err[1024], want[256];
	struct frag_run_info ri = run_info("00000000000000000000000000000006");
	sqlite3 *db;
	void *h;

	path_in(db_path, sizeof db_path, "%s", "version.db");
	CHECK_EQ(sqlite_run(db_path, "00000000000000000000000000000007", "complete", err, sizeof err), 0);
	db = db_open(db_path);
	sqlite3_exec(db, "UPDATE stats_version SET stats_version = 99", NULL, NULL, NULL);
	sqlite3_close(db);
	err[0] = 0;
	CHECK_EQ(frag_sink_sqlite.open(&h, db_path, &ri, err, sizeof err), -EPROTO);
	printf("# %s\n", err);
	CHECK(strstr(err, db_path) != NULL);
	CHECK(strstr(err, "stats version 99 and schema version 1") != NULL);
	snprintf(want, sizeof want, "writes stats version %d and schema version %d", FRAG_STATS_VERSION,
		 FRAG_RESULTS_SCHEMA_VERSION);
	CHECK(strstr(err, want) != NULL);
	db = db_open(db_path);
	CHECK_EQ(q_int(db, "SELECT count(*) FROM runs"), 1);     /* nothing written */
	sqlite3_exec(db, "UPDATE stats_version SET stats_version = 1, schema_version = 0", NULL, NULL, NULL);
	sqlite3_close(db);
	CHECK_EQ(frag_sink_sqlite.open(&h, db_path, &ri, err, sizeof err), -EPROTO);
	CHECK(strstr(err, "schema version 0") != NULL);

	/* Some other application's database. */
	path_in(db_path, sizeof db_path, "%s", "other.db");
	sqlite3_open(db_path, &db);
	sqlite3_exec(db, "CREATE TABLE t (x)", NULL, NULL, NULL);
	sqlite3_close(db);
	CHECK_EQ(frag_sink_sqlite.open(&h, db_path, &ri, err, sizeof err), -EPROTO);
	CHECK(strstr(err, "not a fragsim results database") != NULL);
	/* Not a database at all. */
	path_in(db_path, sizeof db_path, "%s", "notadb.db");
	{
		FILE *f = fopen(db_path, "w");
		fputs("this is not an SQLite database, just a text file long enough to have a header\n", f);
		fclose(f);
	}
	CHECK(frag_sink_sqlite.open(&h, db_path, &ri, err, sizeof err) < 0);
	printf("# %s\n", err);
	CHECK(strstr(err, db_path) != NULL);
}

/* Checks run as an unprivileged user (a child process; root drops to nobody). */
static int unwritable_checks(const char *ro)
{
	struct frag_run_info ri = run_info("00000000000000000000000000000008");
	char p[4096], err[1024];
	void *h;
	int bad = 0;

	snprintf(p, sizeof p, "%s/x.db", ro);
	if (frag_sink_sqlite.open(&h, p, &ri, err, sizeof err) >= 0 || !strstr(err, ro) ||
	    !strstr(err, "Permission denied")) {
		printf("# sqlite in read-only dir: %s\n", err);
		bad++;
	} else {
		printf("# %s\n", err);
	}
	snprintf(p, sizeof p, "%s/sub/x.db", ro);
	if (frag_sink_sqlite.open(&h, p, &ri, err, sizeof err) != -EACCES || !strstr(err, ro) ||
	    !strstr(err, "cannot create directory")) {
		printf("# sqlite below read-only dir: %s\n", err);
		bad++;
	}
	if (frag_sink_h5.open(&h, ro, &ri, err, sizeof err) != -EACCES || !strstr(err, ro)) {
		printf("# h5 in read-only dir: %s\n", err);
		bad++;
	} else {
		printf("# %s\n", err);
	}
	snprintf(p, sizeof p, "%s/runs", ro);
	if (frag_sink_h5.open(&h, p, &ri, err, sizeof err) != -EACCES || !strstr(err, p)) {
		printf("# h5 below read-only dir: %s\n", err);
		bad++;
	}
	snprintf(p, sizeof p, "%s/summary.txt", ro);
	if (frag_sink_text.open(&h, p, &ri, err, sizeof err) != -EACCES || !strstr(err, p)) {
		printf("# text in read-only dir: %s\n", err);
		bad++;
	}
	fflush(stdout);
	return bad;
}

static void test_sqlite_open_unwritable(void)
{
	struct frag_run_info ri = run_info("00000000000000000000000000000009");
	char file[4096], p[4096], err[1024], ro[] = "/tmp/fragsim-ro.XXXXXX";
	void *h;
	pid_t pid;

	/* A path through a regular file. */
	path_in(file, sizeof file, "%s", "plainfile");
	fclose(fopen(file, "w"));
	if (snprintf(p, sizeof p, "%s/sub/x.db", file) >= (int)sizeof p)
		abort();
	CHECK_EQ(frag_sink_sqlite.open(&h, p, &ri, err, sizeof err), -ENOTDIR);
	CHECK(strstr(err, file) != NULL);
	printf("# %s\n", err);
	CHECK_EQ(frag_sink_h5.open(&h, p, &ri, err, sizeof err), -ENOTDIR);
	CHECK(strstr(err, file) != NULL);

	/* A directory the user cannot write. */
	if (!mkdtemp(ro)) {
		CHECK(0);
		return;
	}
	chmod(ro, 0555);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		if (geteuid() == 0 && (setgid(65534) || setuid(65534)))
			_exit(99);
		_exit(unwritable_checks(ro));
	}
	CHECK_EQ(wait_child(pid), 0);
	rmdir(ro);
}

#define NR_PROCS 4
#define RUNS_PER_PROC 50

/* Four processes write 50 runs each into one fresh database: none is lost. */
static void test_sqlite_concurrent_writers(void)
{
	char db_path[4096];
	pid_t pids[NR_PROCS];
	sqlite3 *db;

	path_in(db_path, sizeof db_path, "%s", "concurrent/fragsim.db");
	fflush(stdout);
	for (int p = 0; p < NR_PROCS; p++) {
		pids[p] = fork();
		if (pids[p] == 0) {
			int bad = 0;

			for (int i = 0; i < RUNS_PER_PROC; i++) {
				char uid[FRAG_RUN_UID_LEN], err[1024];

				snprintf(uid, sizeof uid, "%02x%030x", p, i);
				if (sqlite_run(db_path, uid, i % 10 == 9 ? "interrupted" : "complete", err,
					       sizeof err)) {
					printf("# proc %d run %d: %s\n", p, i, err);
					bad++;
				}
			}
			fflush(stdout);
			_exit(bad > 99 ? 99 : bad);
		}
	}
	for (int p = 0; p < NR_PROCS; p++)
		CHECK_EQ(wait_child(pids[p]), 0);
	db = db_open(db_path);
	if (!db)
		return;
	CHECK_EQ(q_int(db, "SELECT count(*) FROM runs"), NR_PROCS * RUNS_PER_PROC);
	CHECK_EQ(q_int(db, "SELECT count(DISTINCT uid) FROM runs"), NR_PROCS * RUNS_PER_PROC);
	CHECK_EQ(q_int(db, "SELECT count(*) FROM runs WHERE status = 'complete'"), NR_PROCS * RUNS_PER_PROC * 9 / 10);
	CHECK_EQ(q_int(db, "SELECT count(*) FROM runs WHERE status = 'interrupted'"), NR_PROCS * RUNS_PER_PROC / 10);
	CHECK_EQ(q_int(db, "SELECT count(*) FROM runs WHERE finished_at IS NULL"), 0);
	CHECK_EQ(q_int(db, "SELECT count(DISTINCT pid) FROM runs"), NR_PROCS);
	CHECK_EQ(q_int(db, "SELECT count(*) FROM params"), 3 * NR_PROCS * RUNS_PER_PROC);
	CHECK_EQ(q_int(db, "SELECT count(*) FROM metrics"), 3 * NR_PROCS * RUNS_PER_PROC);
	CHECK_EQ(q_int(db, "SELECT count(*) FROM events"), 3 * NR_PROCS * RUNS_PER_PROC);
	CHECK_EQ(q_int(db, "SELECT count(*) FROM stats_version"), 1);
	CHECK_EQ(q_int(db, "SELECT count(*) FROM (SELECT run_id FROM metrics GROUP BY run_id HAVING count(*) = 3)"),
		 NR_PROCS * RUNS_PER_PROC);
	CHECK_STREQ(q_text(db, "PRAGMA integrity_check"), "ok");
	sqlite3_close(db);
}

/* ---------------------------------------------------------------------- */
/* HDF5                                                                   */
/* ---------------------------------------------------------------------- */

#define NR_EPOCHS 1500

static void test_h5_open_epoch_finish_roundtrip(void)
{
	struct frag_run_info ri = run_info("000000000000000000000000000000f1");
	struct frag_run_end end = { .status = "complete", .message = "", .wall_seconds = 2.5,
				    .sim_ns = NR_EPOCHS * 1000000ull, .nr_metrics = 3, .metrics = metrics3 };
	static const char *const spb_fields[FRAG_SPB_NR_FIELDS] = {
		"category", "fullness", "free_pages", "pcp_pages", "unmovable_pages", "movable_pages",
		"reclaimable_pages", "pb_unmovable", "pb_movable", "pb_reclaimable", "pb_highatomic",
		"pb_free", "reserved_pages",
	};
	static const char *const mts[] = { "Unmovable", "Movable", "Reclaimable", "HighAtomic", "CMA", "Isolate" };
	static const char *const zn[] = { "node0/DMA32", "node0/Normal" };
	static const char *const ax4[] = { "epoch", "zone", "order", "migratetype" };
	char dir[4096], file[4200], err[1024], s[4096];
	struct epoch_buf eb;
	hsize_t dims[4];
	int nf, bad = 0;
	hid_t f;
	void *h;

	path_in(dir, sizeof dir, "%s", "h5rt/runs");
	snprintf(file, sizeof file, "%s/%s.h5", dir, ri.uid);
	CHECK_EQ(frag_sink_h5.open(&h, dir, &ri, err, sizeof err), 0);
	if (!h) {
		printf("# %s\n", err);
		return;
	}
	for (uint64_t e = 0; e < NR_EPOCHS; e++) {
		struct frag_epoch ep = fill_epoch(&eb, e);

		/* Two periodic flushes (once a second) write chunks partially before they are full. */
		if (e == 500 || e == 1030)
			usleep(1100 * 1000);
		bad += frag_sink_h5.epoch(h, &ep) != 0;
	}
	CHECK_EQ(bad, 0);
	for (int i = 0; i < 3; i++)
		CHECK_EQ(frag_sink_h5.event(h, &events3[i]), 0);
	{
		struct frag_epoch back = fill_epoch(&eb, 0);
		CHECK_EQ(frag_sink_h5.epoch(h, &back), -EINVAL);     /* time went backwards */
	}
	CHECK_EQ(frag_sink_h5.finish(h, &end), 0);
	CHECK_STREQ(frag_sink_h5.last_error(h), "");
	frag_sink_h5.close(h);

	f = H5Fopen(file, H5F_ACC_RDONLY, H5P_DEFAULT);
	CHECK(f >= 0);
	if (f < 0)
		return;
	/* Root attributes. */
	h5_str_attr(f, "uid", s, sizeof s);
	CHECK_STREQ(s, "000000000000000000000000000000f1");
	h5_str_attr(f, "scenario", s, sizeof s);
	CHECK_STREQ(s, "unit");
	h5_str_attr(f, "scenario_path", s, sizeof s);
	CHECK_STREQ(s, "scenarios/unit.yaml");
	h5_str_attr(f, "scenario_hash", s, sizeof s);
	CHECK_STREQ(s, "0123456789abcdef");
	h5_str_attr(f, "policy", s, sizeof s);
	CHECK_STREQ(s, "linux");
	CHECK_EQ(h5_u64_attr(f, "seed"), 42);
	h5_str_attr(f, "config_json", s, sizeof s);
	CHECK_STREQ(s, "{\"run\":{\"name\":\"unit\"}}");
	h5_str_attr(f, "git_rev", s, sizeof s);
	CHECK_STREQ(s, "v0.1-3-gabc");
	h5_str_attr(f, "fragsim_version", s, sizeof s);
	CHECK_STREQ(s, "0.1.0");
	h5_str_attr(f, "simgrid_version", s, sizeof s);
	CHECK_STREQ(s, "3.32");
	CHECK_EQ(h5_u64_attr(f, "stats_version"), FRAG_STATS_VERSION);
	CHECK_EQ(h5_u64_attr(f, "format_version"), FRAG_H5_FORMAT_VERSION);
	CHECK_EQ(h5_u64_attr(f, "duration_ns"), 5000000000ull);
	CHECK_EQ(h5_u64_attr(f, "sample_period_ns"), 1000000);
	CHECK_EQ(h5_u64_attr(f, "sim_ns"), NR_EPOCHS * 1000000ull);
	CHECK_EQ(h5_u64_attr(f, "nr_epochs"), NR_EPOCHS);
	h5_str_attr(f, "status", s, sizeof s);
	CHECK_STREQ(s, "complete");
	h5_str_attr(f, "message", s, sizeof s);
	CHECK_STREQ(s, "");
	h5_str_attr(f, "started_at", s, sizeof s);
	CHECK_EQ(strlen(s), 24);
	h5_str_attr(f, "finished_at", s, sizeof s);
	CHECK_EQ(strlen(s), 24);

	/* Shapes, chunks (<= 256 KiB) and filters. */
	CHECK_EQ(h5_dims(f, "/epoch/t_ns", dims), 1);
	CHECK_EQ(dims[0], NR_EPOCHS);
	CHECK_EQ(h5_dims(f, "/epoch/counters", dims), 2);
	CHECK(dims[0] == NR_EPOCHS && dims[1] == NR_CNT);
	CHECK_EQ(h5_dims(f, "/epoch/free_blocks", dims), 4);
	CHECK(dims[0] == NR_EPOCHS && dims[1] == NR_ZONES && dims[2] == NR_PAGE_ORDERS && dims[3] == MIGRATE_TYPES);
	CHECK_EQ(h5_dims(f, "/epoch/pageblock_type", dims), 2);
	CHECK(dims[0] == NR_EPOCHS && dims[1] == NR_PB);
	CHECK_EQ(h5_dims(f, "/epoch/spb", dims), 3);
	CHECK(dims[0] == NR_EPOCHS && dims[1] == NR_SPB && dims[2] == FRAG_SPB_NR_FIELDS);
	CHECK_EQ(h5_dims(f, "/zones", dims), 1);
	CHECK_EQ(dims[0], NR_ZONES);
	CHECK_EQ(h5_dims(f, "/metrics", dims), 1);
	CHECK_EQ(dims[0], 3);
	CHECK_EQ(h5_dims(f, "/events", dims), 1);
	CHECK_EQ(dims[0], 3);
	{
		const char *names[] = { "/epoch/t_ns", "/epoch/counters", "/epoch/free_blocks",
					"/epoch/pageblock_type", "/epoch/spb" };
		for (int i = 0; i < 5; i++) {
			size_t b = h5_chunk_bytes(f, names[i], &nf);
			CHECK(b > 0 && b <= 256 * 1024);
			CHECK_EQ(nf, i == 3 ? 1 : 2);       /* deflate; shuffle when wider than a byte */
		}
	}

	/* Values. */
	{
		uint64_t *t = h5_read_all(f, "/epoch/t_ns", H5T_NATIVE_UINT64, 8);
		uint64_t *c = h5_read_all(f, "/epoch/counters", H5T_NATIVE_UINT64, 8);
		uint32_t *fb = h5_read_all(f, "/epoch/free_blocks", H5T_NATIVE_UINT32, 4);
		uint8_t *pb = h5_read_all(f, "/epoch/pageblock_type", H5T_NATIVE_UINT8, 1);
		uint32_t *sp = h5_read_all(f, "/epoch/spb", H5T_NATIVE_UINT32, 4);

		bad = !t || !c || !fb || !pb || !sp;
		for (uint64_t e = 0; !bad && e < NR_EPOCHS; e++) {
			bad += t[e] != (e + 1) * 1000000ull;
			for (unsigned k = 0; k < NR_CNT; k++)
				bad += c[e * NR_CNT + k] != exp_counter(e, k);
			for (unsigned z = 0; z < NR_ZONES; z++)
				for (unsigned o = 0; o < NR_PAGE_ORDERS; o++)
					for (unsigned mt = 0; mt < MIGRATE_TYPES; mt++)
						bad += fb[((e * NR_ZONES + z) * NR_PAGE_ORDERS + o) * MIGRATE_TYPES + mt] !=
						       exp_free(e, z, o, mt);
			for (unsigned p = 0; p < NR_PB; p++)
				bad += pb[e * NR_PB + p] != exp_pb(e, p);
			for (unsigned q = 0; q < NR_SPB; q++)
				for (unsigned k = 0; k < FRAG_SPB_NR_FIELDS; k++)
					bad += sp[(e * NR_SPB + q) * FRAG_SPB_NR_FIELDS + k] != exp_spb(e, q, k);
		}
		CHECK_EQ(bad, 0);
		free(t);
		free(c);
		free(fb);
		free(pb);
		free(sp);
	}

	/* Column attributes. */
	{
		hid_t d = H5Dopen2(f, "/epoch/counters", H5P_DEFAULT);
		CHECK(h5_strv_attr_eq(d, "names", NR_CNT, cnt_names));
		CHECK(h5_strv_attr_eq(d, "units", NR_CNT, cnt_units));
		H5Dclose(d);
		d = H5Dopen2(f, "/epoch/free_blocks", H5P_DEFAULT);
		CHECK(h5_strv_attr_eq(d, "axes", 4, ax4));
		CHECK(h5_strv_attr_eq(d, "migratetype_names", MIGRATE_TYPES, mts));
		CHECK(h5_strv_attr_eq(d, "zone_names", NR_ZONES, zn));
		H5Dclose(d);
		d = H5Dopen2(f, "/epoch/spb", H5P_DEFAULT);
		CHECK(h5_strv_attr_eq(d, "field_names", FRAG_SPB_NR_FIELDS, spb_fields));
		H5Dclose(d);
		d = H5Dopen2(f, "/epoch/pageblock_type", H5P_DEFAULT);
		CHECK(h5_strv_attr_eq(d, "migratetype_names", MIGRATE_TYPES, mts));
		{
			const char *fl[] = { "free", "mixed", "hugetlb", "reserved" };
			CHECK(h5_strv_attr_eq(d, "flag_names", 4, fl));
		}
		H5Dclose(d);
	}

	/* /zones, /metrics, /events as compound records. */
	{
		struct { uint32_t nid; char *name; uint64_t start_pfn, managed; uint32_t nr_pb; } zr[NR_ZONES];
		struct { char *name; double value; } mr[3];
		struct { uint64_t t_ns; int32_t cpu; uint64_t pfn; char *type; char *detail; } er[3];
		hid_t str = H5Tcopy(H5T_C_S1), t, d;

		H5Tset_size(str, H5T_VARIABLE);
		H5Tset_cset(str, H5T_CSET_UTF8);
		t = H5Tcreate(H5T_COMPOUND, sizeof zr[0]);
		H5Tinsert(t, "nid", HOFFSET(__typeof__(zr[0]), nid), H5T_NATIVE_UINT32);
		H5Tinsert(t, "name", HOFFSET(__typeof__(zr[0]), name), str);
		H5Tinsert(t, "start_pfn", HOFFSET(__typeof__(zr[0]), start_pfn), H5T_NATIVE_UINT64);
		H5Tinsert(t, "managed_pages", HOFFSET(__typeof__(zr[0]), managed), H5T_NATIVE_UINT64);
		H5Tinsert(t, "nr_pageblocks", HOFFSET(__typeof__(zr[0]), nr_pb), H5T_NATIVE_UINT32);
		d = H5Dopen2(f, "/zones", H5P_DEFAULT);
		CHECK(H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, zr) >= 0);
		CHECK_STREQ(zr[1].name, "Normal");
		CHECK_EQ(zr[1].start_pfn, 4096 + 200 * 512);
		CHECK_EQ(zr[0].managed, 200 * 512 - 7);
		CHECK_EQ(zr[1].nr_pb, 800);
		H5free_memory(zr[0].name);
		H5free_memory(zr[1].name);
		H5Dclose(d);
		H5Tclose(t);

		t = H5Tcreate(H5T_COMPOUND, sizeof mr[0]);
		H5Tinsert(t, "name", HOFFSET(__typeof__(mr[0]), name), str);
		H5Tinsert(t, "value", HOFFSET(__typeof__(mr[0]), value), H5T_NATIVE_DOUBLE);
		d = H5Dopen2(f, "/metrics", H5P_DEFAULT);
		CHECK(H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, mr) >= 0);
		CHECK_STREQ(mr[1].name, "thp_success_ratio");
		CHECK(mr[1].value == 0.75);
		for (int i = 0; i < 3; i++)
			H5free_memory(mr[i].name);
		H5Dclose(d);
		H5Tclose(t);

		t = H5Tcreate(H5T_COMPOUND, sizeof er[0]);
		H5Tinsert(t, "t_ns", HOFFSET(__typeof__(er[0]), t_ns), H5T_NATIVE_UINT64);
		H5Tinsert(t, "cpu", HOFFSET(__typeof__(er[0]), cpu), H5T_NATIVE_INT32);
		H5Tinsert(t, "pfn", HOFFSET(__typeof__(er[0]), pfn), H5T_NATIVE_UINT64);
		H5Tinsert(t, "type", HOFFSET(__typeof__(er[0]), type), str);
		H5Tinsert(t, "detail", HOFFSET(__typeof__(er[0]), detail), str);
		d = H5Dopen2(f, "/events", H5P_DEFAULT);
		CHECK(H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, er) >= 0);
		CHECK_EQ(er[0].t_ns, 100);
		CHECK_STREQ(er[0].type, "hugetlb_1g");
		CHECK_STREQ(er[0].detail, "{\"migrated\":12}");
		CHECK_EQ(er[1].cpu, -1);
		CHECK(er[1].pfn == FRAG_PFN_NONE);
		CHECK_STREQ(er[1].detail, "");
		for (int i = 0; i < 3; i++) {
			H5free_memory(er[i].type);
			H5free_memory(er[i].detail);
		}
		H5Dclose(d);
		H5Tclose(t);
		H5Tclose(str);
	}
	H5Fclose(f);
}

/* 256 GiB and 1 TiB pageblock maps: every chunk stays within 256 KiB. */
static void test_h5_chunk_shapes(void)
{
	static const struct { uint64_t nr_pb, nr_spb; } geo[] = {
		{ 131072, 256 },        /* 256 GiB */
		{ 524288, 1024 },       /* 1 TiB: rows wider than a chunk */
		{ 0, 0 },               /* nothing to map */
	};

	for (unsigned g = 0; g < sizeof geo / sizeof geo[0]; g++) {
		char uid[FRAG_RUN_UID_LEN], dir[4096], file[4200], err[1024];
		struct frag_run_info ri;
		struct frag_run_end end = { .status = "complete" };
		uint8_t *pb = calloc(geo[g].nr_pb + 1, 1);
		uint32_t *spb = calloc(geo[g].nr_spb * FRAG_SPB_NR_FIELDS + 1, 4);
		uint64_t cnt[NR_CNT] = { 1, 2, 3 };
		uint32_t fb[NR_ZONES * NR_PAGE_ORDERS * MIGRATE_TYPES] = { 0 };
		const char *names[] = { "/epoch/counters", "/epoch/free_blocks", "/epoch/pageblock_type",
					"/epoch/spb", "/epoch/t_ns" };
		hsize_t dims[4];
		void *h;
		hid_t f;
		int nf;

		snprintf(uid, sizeof uid, "00000000000000000000000000000b%02x", g);
		ri = run_info(uid);
		ri.nr_pageblocks = geo[g].nr_pb;
		ri.nr_spbs = geo[g].nr_spb;
		path_in(dir, sizeof dir, "%s", "h5big");
		snprintf(file, sizeof file, "%s/%s.h5", dir, uid);
		CHECK_EQ(frag_sink_h5.open(&h, dir, &ri, err, sizeof err), 0);
		if (!h) {
			printf("# %s\n", err);
			continue;
		}
		for (uint64_t e = 0; e < 5; e++) {
			struct frag_epoch ep = { .t_ns = e, .counters = cnt, .free_blocks = fb,
						 .pb_type = geo[g].nr_pb ? pb : NULL, .spb = geo[g].nr_spb ? spb : NULL };
			if (geo[g].nr_pb)
				pb[e] = (uint8_t)(e + 1);
			CHECK_EQ(frag_sink_h5.epoch(h, &ep), 0);
		}
		CHECK_EQ(frag_sink_h5.finish(h, &end), 0);
		frag_sink_h5.close(h);
		f = H5Fopen(file, H5F_ACC_RDONLY, H5P_DEFAULT);
		CHECK(f >= 0);
		for (int i = 0; i < 5; i++) {
			size_t b = h5_chunk_bytes(f, names[i], &nf);
			if (!(b > 0 && b <= 256 * 1024))
				printf("# %s: chunk of %zu bytes\n", names[i], b);
			CHECK(b > 0 && b <= 256 * 1024);
		}
		CHECK_EQ(h5_dims(f, "/epoch/pageblock_type", dims), 2);
		CHECK(dims[0] == 5 && dims[1] == geo[g].nr_pb);
		CHECK_EQ(h5_dims(f, "/epoch/spb", dims), 3);
		CHECK(dims[0] == 5 && dims[1] == geo[g].nr_spb);
		if (geo[g].nr_pb) {
			uint8_t *back = h5_read_all(f, "/epoch/pageblock_type", H5T_NATIVE_UINT8, 1);
			CHECK(back != NULL);
			/* Epoch e saw pb[0..e] = 1..e+1. */
			for (uint64_t e = 0; back && e < 5; e++)
				for (uint64_t k = 0; k < 5; k++)
					CHECK_EQ(back[e * geo[g].nr_pb + k], k <= e ? k + 1 : 0);
			if (back)
				CHECK_EQ(back[4 * geo[g].nr_pb + geo[g].nr_pb - 1], 0);
			free(back);
		}
		H5Fclose(f);
		free(pb);
		free(spb);
	}
}

/* A killed process leaves a file that opens and says "running". */
static void test_h5_killed_stays_running(void)
{
	char dir[4096], file[4200], s[64];
	const char *uid = "000000000000000000000000000000c1";
	hsize_t dims[4];
	pid_t pid;
	hid_t f;

	path_in(dir, sizeof dir, "%s", "h5killed");
	snprintf(file, sizeof file, "%s/%s.h5", dir, uid);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct frag_run_info ri = run_info(uid);
		struct epoch_buf eb;
		char err[1024];
		void *h;

		if (frag_sink_h5.open(&h, dir, &ri, err, sizeof err))
			_exit(1);
		for (uint64_t e = 0; e < 10; e++) {
			struct frag_epoch ep = fill_epoch(&eb, e);
			frag_sink_h5.epoch(h, &ep);
		}
		kill(getpid(), SIGKILL);
		_exit(2);
	}
	CHECK_EQ(wait_child(pid), 100 + SIGKILL);
	f = H5Fopen(file, H5F_ACC_RDONLY, H5P_DEFAULT);
	CHECK(f >= 0);
	if (f < 0)
		return;
	h5_str_attr(f, "status", s, sizeof s);
	CHECK_STREQ(s, "running");
	CHECK_EQ(h5_dims(f, "/epoch/counters", dims), 2);
	CHECK(dims[0] <= 10);           /* rows still in memory are lost */
	H5Fclose(f);
}

static void test_h5_finish_interrupted(void)
{
	struct frag_run_info ri = run_info("000000000000000000000000000000d1");
	struct frag_run_end end = { .status = "interrupted", .message = "SIGTERM", .wall_seconds = 0.1,
				    .sim_ns = 7000000ull };
	char dir[4096], file[4200], s[256], err[1024];
	struct epoch_buf eb;
	hsize_t dims[4];
	hid_t f;
	void *h;

	path_in(dir, sizeof dir, "%s", "h5int");
	snprintf(file, sizeof file, "%s/%s.h5", dir, ri.uid);
	CHECK_EQ(frag_sink_h5.open(&h, dir, &ri, err, sizeof err), 0);
	if (!h)
		return;
	for (uint64_t e = 0; e < 7; e++) {
		struct frag_epoch ep = fill_epoch(&eb, e);
		CHECK_EQ(frag_sink_h5.epoch(h, &ep), 0);
	}
	CHECK_EQ(frag_sink_h5.finish(h, &end), 0);
	CHECK_EQ(frag_sink_h5.epoch(h, &(struct frag_epoch){ 0 }), -EINVAL);
	frag_sink_h5.close(h);
	f = H5Fopen(file, H5F_ACC_RDONLY, H5P_DEFAULT);
	CHECK(f >= 0);
	if (f < 0)
		return;
	h5_str_attr(f, "status", s, sizeof s);
	CHECK_STREQ(s, "interrupted");
	h5_str_attr(f, "message", s, sizeof s);
	CHECK_STREQ(s, "SIGTERM");
	CHECK_EQ(h5_u64_attr(f, "nr_epochs"), 7);
	CHECK_EQ(h5_dims(f, "/epoch/pageblock_type", dims), 2);
	CHECK_EQ(dims[0], 7);
	CHECK_EQ(h5_dims(f, "/events", dims), 1);
	CHECK_EQ(dims[0], 0);
	CHECK_EQ(h5_dims(f, "/metrics", dims), 1);
	CHECK_EQ(dims[0], 0);
	H5Fclose(f);

	/* close() without finish(): "failed". */
	ri = run_info("000000000000000000000000000000d2");
	snprintf(file, sizeof file, "%s/%s.h5", dir, ri.uid);
	CHECK_EQ(frag_sink_h5.open(&h, dir, &ri, err, sizeof err), 0);
	frag_sink_h5.close(h);
	f = H5Fopen(file, H5F_ACC_RDONLY, H5P_DEFAULT);
	h5_str_attr(f, "status", s, sizeof s);
	CHECK_STREQ(s, "failed");
	h5_str_attr(f, "message", s, sizeof s);
	CHECK_STREQ(s, "closed before finish");
	H5Fclose(f);
}

static void test_h5_open_errors(void)
{
	struct frag_run_info ri = run_info("000000000000000000000000000000e1");
	char dir[4096], err[1024];
	void *h;

	path_in(dir, sizeof dir, "%s", "h5err");
	CHECK_EQ(frag_sink_h5.open(&h, dir, &ri, err, sizeof err), 0);
	frag_sink_h5.close(h);
	/* A run's file is never overwritten. */
	CHECK_EQ(frag_sink_h5.open(&h, dir, &ri, err, sizeof err), -EEXIST);
	CHECK(strstr(err, "000000000000000000000000000000e1.h5 already exists") != NULL);
	/* The uid becomes a file name: only hex digits. */
	ri = run_info("../x");
	CHECK_EQ(frag_sink_h5.open(&h, dir, &ri, err, sizeof err), -EINVAL);
	/* Geometry arrays must be there. */
	ri = run_info("000000000000000000000000000000e2");
	ri.counter_names = NULL;
	CHECK_EQ(frag_sink_h5.open(&h, dir, &ri, err, sizeof err), -EINVAL);
	ri = run_info("000000000000000000000000000000e3");
	CHECK_EQ(frag_sink_h5.open(&h, dir, &ri, err, sizeof err), 0);
	if (h) {
		struct frag_epoch ep = { .t_ns = 1 };
		CHECK_EQ(frag_sink_h5.epoch(h, &ep), -EINVAL);
		CHECK(strstr(frag_sink_h5.last_error(h), "has no counters array") != NULL);
		frag_sink_h5.close(h);
	}
}

/* A config larger than the 64 KiB attribute limit of compact storage. */
static void test_h5_large_config(void)
{
	struct frag_run_info ri = run_info("000000000000000000000000000000e4");
	struct frag_run_end end = { .status = "complete" };
	char dir[4096], file[4200], err[1024];
	size_t n = 300000;
	char *cfg = malloc(n + 1), *back = malloc(n + 1);
	hid_t f;
	void *h;

	memset(cfg, 'x', n);
	cfg[0] = '"';
	cfg[n - 1] = '"';
	cfg[n] = 0;
	ri.config_json = cfg;
	path_in(dir, sizeof dir, "%s", "h5cfg");
	snprintf(file, sizeof file, "%s/%s.h5", dir, ri.uid);
	CHECK_EQ(frag_sink_h5.open(&h, dir, &ri, err, sizeof err), 0);
	if (h) {
		CHECK_EQ(frag_sink_h5.finish(h, &end), 0);
		frag_sink_h5.close(h);
	} else {
		printf("# %s\n", err);
	}
	f = H5Fopen(file, H5F_ACC_RDONLY, H5P_DEFAULT);
	CHECK_EQ(h5_str_attr(f, "config_json", back, n + 1), 0);
	CHECK_EQ(strlen(back), n);
	H5Fclose(f);
	free(cfg);
	free(back);
}

/* ---------------------------------------------------------------------- */
/* Text                                                                   */
/* ---------------------------------------------------------------------- */

static void test_text_open_finish(void)
{
	struct frag_run_info ri = run_info("000000000000000000000000000000aa");
	struct frag_metric m[] = { { "free_pages", 1024, "pages" }, { "thp_success_ratio", 0.125, "ratio" },
				   { "events_per_sec", 5.5e6, "1/s" }, { "nan_metric", 0.0 / 0.0, "" } };
	struct frag_run_end end = { .status = "interrupted", .message = "SIGINT", .wall_seconds = 1.5,
				    .sim_ns = 2500000000ull, .nr_metrics = 4, .metrics = m };
	char path[4096], err[1024], buf[4096];
	FILE *f;
	size_t n;
	void *h;

	path_in(path, sizeof path, "%s", "text/summary.txt");
	CHECK_EQ(frag_sink_text.open(&h, path, &ri, err, sizeof err), 0);
	if (!h)
		return;
	CHECK_EQ(frag_sink_text.event(h, &events3[0]), 0);
	CHECK_EQ(frag_sink_text.finish(h, &end), 0);
	frag_sink_text.close(h);
	f = fopen(path, "r");
	n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = 0;
	fclose(f);
	CHECK_STREQ(buf,
		    "run: 000000000000000000000000000000aa\n"
		    "scenario: unit\n"
		    "scenario_path: scenarios/unit.yaml\n"
		    "scenario_hash: 0123456789abcdef\n"
		    "policy: linux\n"
		    "seed: 42\n"
		    "fragsim: 0.1.0 (v0.1-3-gabc)\n"
		    "simgrid: 3.32\n"
		    "free_pages: 1024\n"
		    "thp_success_ratio: 0.125\n"
		    "events_per_sec: 5500000\n"
		    "nan_metric: nan\n"
		    "events: 1\n"
		    "status: interrupted\n"
		    "message: SIGINT\n"
		    "wall_seconds: 1.5\n"
		    "sim_seconds: 2.5\n"
		    "\n");
	CHECK_EQ(frag_sink_text.open(&h, "", &ri, err, sizeof err), -EINVAL);
}

static const struct tap_test tests[] = {
	TAP(test_frag_sink_lookup),
	TAP(test_frag_run_uid_new),
	TAP(test_frag_results_relpath),
	TAP(test_frag_results_schema_sql),
	TAP(test_sqlite_open_finish_roundtrip),
	TAP(test_sqlite_killed_stays_running),
	TAP(test_sqlite_finish_interrupted),
	TAP(test_sqlite_close_without_finish),
	TAP(test_sqlite_finish_bad_input),
	TAP(test_sqlite_stats_version_mismatch),
	TAP(test_sqlite_open_unwritable),
	TAP(test_sqlite_concurrent_writers),
	TAP(test_h5_open_epoch_finish_roundtrip),
	TAP(test_h5_chunk_shapes),
	TAP(test_h5_killed_stays_running),
	TAP(test_h5_finish_interrupted),
	TAP(test_h5_open_errors),
	TAP(test_h5_large_config),
	TAP(test_text_open_finish),
};

int main(int argc, char **argv)
{
	int rc;

	snprintf(tmpdir, sizeof tmpdir, "%s/sinks.XXXXXX", argc > 1 ? argv[1] : "/tmp");
	if (argc > 2)
		srcdir = argv[2];
	if (!mkdtemp(tmpdir)) {
		printf("Bail out! cannot create %s: %s\n", tmpdir, strerror(errno));
		return 1;
	}
	H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
	rc = tap_main(tests, TAP_COUNT(tests));
	if (rc == 0)
		rm_rf(tmpdir);
	else
		printf("# scratch files kept in %s\n", tmpdir);
	return rc;
}
