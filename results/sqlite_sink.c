/* SPDX-License-Identifier: MIT */
/*
 * sqlite_sink.c - frag_sink_sqlite: runs, params, metrics and events in one
 * SQLite database per experiment ("sqlite:out/fragsim.db").
 *
 * Schema: results/schema.sql (compiled in as frag_results_schema_sql).
 * Connection: WAL, synchronous=NORMAL, foreign_keys=ON, busy_timeout.
 *
 * Writes, and why they are safe with several processes on one database:
 *   open()    one BEGIN IMMEDIATE transaction: create the schema if the
 *             database is empty (or check stats_version), insert the runs
 *             row with status 'running' and the params. Committed at once,
 *             so a killed process leaves 'running', never 'complete'.
 *   event()   buffered in memory.
 *   finish()  one BEGIN IMMEDIATE transaction: the events, the metrics and
 *             the runs row's end status. BEGIN IMMEDIATE takes the write
 *             lock up front, so no transaction can fail half way with
 *             SQLITE_BUSY after reading; a busy database is waited for
 *             (busy_timeout), and the whole transaction is retried with
 *             back-off if it still reports busy.
 *   close()   wal_checkpoint(TRUNCATE) (busy ignored), close. Without a
 *             successful finish() the run is recorded as 'failed'.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "frag/stat_list.h"
#include "results/internal.h"

#define SQ_BUSY_TIMEOUT_MS 10000  /* busy_timeout on every connection */
#define SQ_MAX_ATTEMPTS    30     /* transactions retried this often on SQLITE_BUSY */
#define SQ_CLOSE_BUSY_MS   100    /* busy_timeout of the closing checkpoint */

/* An open run in a database. */
struct sq_sink {
	sqlite3 *db;                  /* the connection */
	char *path;                   /* the database file, for messages */
	int64_t run_id;               /* runs.id of this run */
	char uid[FRAG_RUN_UID_LEN];   /* runs.uid */
	struct frag_evbuf evs;        /* events buffered until finish() */
	int ev_error;                 /* first failure of event() (-ENOMEM), 0 if none */
	bool finished;                /* finish() committed */
	char errmsg[1024];            /* last failure, "" if none */
};

/* Arguments of the open transaction. */
struct sq_open_args {
	const struct frag_run_info *ri;   /* the run */
	const char *started_at;           /* UTC ISO time */
	const char *host;                 /* host name */
	const char *h5_file;              /* relative path or NULL */
};

static int sq_errno(struct sq_sink *s, int rc)
{
	int sys;

	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW:
		return 0;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_READONLY:
		return -EROFS;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return -EACCES;
	case SQLITE_CONSTRAINT:
		if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
			return -EEXIST;
		return -EINVAL;
	case SQLITE_CANTOPEN:
	case SQLITE_IOERR:
		sys = s && s->db ? sqlite3_system_errno(s->db) : 0;
		return sys > 0 ? -sys : -EIO;
	default:
		return -EIO;
	}
}

/* Record a SQLite failure of @what; returns it as -errno. */
static int sq_fail(struct sq_sink *s, int rc, const char *what)
{
	/* The OS error behind an I/O failure: "disk I/O error (File too large)", "(No space left on device)". */
	int sys = s->db && ((rc & 0xff) == SQLITE_IOERR || (rc & 0xff) == SQLITE_FULL || (rc & 0xff) == SQLITE_CANTOPEN) ?
			  sqlite3_system_errno(s->db) : 0;
	snprintf(s->errmsg, sizeof s->errmsg, "%s: %s: %s%s%s%s", s->path, what,
		 s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc), sys ? " (" : "", sys ? strerror(sys) : "",
		 sys ? ")" : "");
	return sq_errno(s, rc);
}

static int sq_exec(struct sq_sink *s, const char *sql)
{
	int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : sq_fail(s, rc, sql);
}

static int sq_prepare(struct sq_sink *s, const char *sql, sqlite3_stmt **st)
{
	int rc = sqlite3_prepare_v2(s->db, sql, -1, st, NULL);

	return rc == SQLITE_OK ? 0 : sq_fail(s, rc, sql);
}

/* Step a statement that returns no rows; then reset it. */
static int sq_step_done(struct sq_sink *s, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	if (rc != SQLITE_DONE) {
		rc = sq_fail(s, rc, what);
		sqlite3_reset(st);
		return rc;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return 0;
}

static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
	sqlite3_bind_text(st, i, v ? v : "", -1, SQLITE_TRANSIENT);
}

static void bind_text_or_null(sqlite3_stmt *st, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

static void bind_int_or_null(sqlite3_stmt *st, int i, int64_t v, bool none)
{
	if (none)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_int64(st, i, v);
}

/* Sleep a little before retrying a busy transaction (jittered back-off). */
static void sq_backoff(unsigned attempt)
{
	static unsigned seed;
	struct timespec ts;
	long ms;

	if (!seed)
		seed = (unsigned)getpid() ^ (unsigned)time(NULL);
	ms = 5 + (long)(rand_r(&seed) % (int)(10 + 20 * (attempt < 10 ? attempt : 10)));
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	nanosleep(&ts, NULL);
}

typedef int (*sq_txn_fn)(struct sq_sink *s, const void *arg);

/*
 * Run @fn inside BEGIN IMMEDIATE ... COMMIT, rolling back on failure and
 * retrying the whole transaction while the database reports busy.
 */
static int sq_transact(struct sq_sink *s, sq_txn_fn fn, const void *arg)
{
	for (unsigned attempt = 0;; attempt++) {
		int rc = sq_exec(s, "BEGIN IMMEDIATE");

		if (!rc)
			rc = fn(s, arg);
		if (!rc)
			rc = sq_exec(s, "COMMIT");
		if (!rc)
			return 0;
		if (!sqlite3_get_autocommit(s->db))
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		if (rc != -EBUSY || attempt + 1 >= SQ_MAX_ATTEMPTS)
			return rc;
		sq_backoff(attempt);
	}
}

/* Set journal_mode=WAL; switching may report busy while another process creates the file. */
static int sq_set_wal(struct sq_sink *s)
{
	for (unsigned attempt = 0;; attempt++) {
		sqlite3_stmt *st = NULL;
		int rc = sqlite3_prepare_v2(s->db, "PRAGMA journal_mode=WAL", -1, &st, NULL);

		if (rc == SQLITE_OK)
			rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			const char *mode = (const char *)sqlite3_column_text(st, 0);
			if (mode && strcmp(mode, "wal") == 0) {
				sqlite3_finalize(st);
				return 0;
			}
			snprintf(s->errmsg, sizeof s->errmsg,
				 "%s: cannot use write-ahead logging (journal_mode is '%s'); is the file system local?",
				 s->path, mode ? mode : "?");
			sqlite3_finalize(st);
			return -EINVAL;
		}
		rc = sq_fail(s, rc, "PRAGMA journal_mode=WAL");
		sqlite3_finalize(st);
		if (rc != -EBUSY || attempt + 1 >= SQ_MAX_ATTEMPTS)
			return rc;
		sq_backoff(attempt);
	}
}

/* Single-integer query. */
static int sq_query_int(struct sq_sink *s, const char *sql, int64_t *out)
{
	sqlite3_stmt *st;
	int rc = sq_prepare(s, sql, &st);

	if (rc)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int64(st, 0);
		rc = 0;
	} else {
		rc = sq_fail(s, rc, sql);
	}
	sqlite3_finalize(st);
	return rc;
}

/* Create the schema in an empty database, or check the version of an existing one. */
static int sq_setup_schema(struct sq_sink *s)
{
	int64_t have = 0, nr_tables = 0;
	sqlite3_stmt *st;
	int rc;

	rc = sq_query_int(s, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'stats_version'",
			  &have);
	if (rc)
		return rc;
	if (have) {
		int64_t stats = -1, schema = -1, rows = 0;

		rc = sq_prepare(s, "SELECT stats_version, schema_version FROM stats_version", &st);
		if (rc)
			return rc;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			stats = sqlite3_column_int64(st, 0);
			schema = sqlite3_column_int64(st, 1);
			rows++;
		}
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE)
			return sq_fail(s, rc, "SELECT FROM stats_version");
		if (rows != 1) {
			snprintf(s->errmsg, sizeof s->errmsg,
				 "%s: table stats_version has %" PRId64 " rows (expected 1); not a usable fragsim results database",
				 s->path, rows);
			return -EPROTO;
		}
		if (stats != FRAG_STATS_VERSION || schema != FRAG_RESULTS_SCHEMA_VERSION) {
			snprintf(s->errmsg, sizeof s->errmsg,
				 "%s: results database has stats version %" PRId64 " and schema version %" PRId64
				 "; this fragsim writes stats version %d and schema version %d (use another database)",
				 s->path, stats, schema, FRAG_STATS_VERSION, FRAG_RESULTS_SCHEMA_VERSION);
			return -EPROTO;
		}
		return 0;
	}
	rc = sq_query_int(s, "SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'", &nr_tables);
	if (rc)
		return rc;
	if (nr_tables) {
		snprintf(s->errmsg, sizeof s->errmsg,
			 "%s: an SQLite database without a stats_version table; not a fragsim results database",
			 s->path);
		return -EPROTO;
	}
	rc = sqlite3_exec(s->db, frag_results_schema_sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return sq_fail(s, rc, "creating the schema (results/schema.sql)");
	rc = sq_prepare(s, "INSERT INTO stats_version (stats_version, schema_version) VALUES (?, ?)", &st);
	if (rc)
		return rc;
	sqlite3_bind_int(st, 1, FRAG_STATS_VERSION);
	sqlite3_bind_int(st, 2, FRAG_RESULTS_SCHEMA_VERSION);
	rc = sq_step_done(s, st, "INSERT INTO stats_version");
	sqlite3_finalize(st);
	return rc;
}

static int sq_txn_open(struct sq_sink *s, const void *arg)
{
	const struct sq_open_args *a = arg;
	const struct frag_run_info *ri = a->ri;
	char hash[17];
	sqlite3_stmt *st;
	int rc;

	rc = sq_setup_schema(s);
	if (rc)
		return rc;
	rc = sq_prepare(s,
			"INSERT INTO runs (uid, scenario, scenario_path, scenario_hash, policy, seed, config, git_rev,"
			" fragsim_version, simgrid_version, host, pid, status, message, started_at,"
			" sim_requested_s, sample_period_s, h5_file)"
			" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'running', '', ?, ?, ?, ?)", &st);
	if (rc)
		return rc;
	snprintf(hash, sizeof hash, "%016" PRIx64, ri->scenario_hash);
	bind_text(st, 1, ri->uid);
	bind_text(st, 2, ri->scenario_name);
	bind_text(st, 3, ri->scenario_path);
	bind_text(st, 4, hash);
	bind_text(st, 5, ri->policy);
	sqlite3_bind_int64(st, 6, (int64_t)ri->seed);
	bind_text(st, 7, ri->config_json ? ri->config_json : "{}");
	bind_text(st, 8, ri->git_rev ? ri->git_rev : "unknown");
	bind_text(st, 9, ri->version);
	bind_text(st, 10, ri->simgrid_version);
	bind_text(st, 11, a->host);
	sqlite3_bind_int64(st, 12, (int64_t)getpid());
	bind_text(st, 13, a->started_at);
	sqlite3_bind_double(st, 14, (double)ri->duration_ns / 1e9);
	sqlite3_bind_double(st, 15, (double)ri->sample_period_ns / 1e9);
	bind_text_or_null(st, 16, a->h5_file);
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE) {
		if (rc == SQLITE_CONSTRAINT_UNIQUE) {
			snprintf(s->errmsg, sizeof s->errmsg, "%s: a run with uid %s is already recorded",
				 s->path, ri->uid);
			rc = -EEXIST;
		} else {
			rc = sq_fail(s, rc, "INSERT INTO runs");
		}
		sqlite3_finalize(st);
		return rc;
	}
	sqlite3_finalize(st);
	s->run_id = sqlite3_last_insert_rowid(s->db);

	if (!ri->nr_params)
		return 0;
	rc = sq_prepare(s, "INSERT INTO params (run_id, key, value) VALUES (?, ?, ?)", &st);
	if (rc)
		return rc;
	for (unsigned i = 0; i < ri->nr_params && !rc; i++) {
		sqlite3_bind_int64(st, 1, s->run_id);
		bind_text(st, 2, ri->param_keys[i]);
		bind_text(st, 3, ri->param_values[i]);
		rc = sq_step_done(s, st, "INSERT INTO params");
		if (rc == -EEXIST)
			snprintf(s->errmsg, sizeof s->errmsg, "%s: parameter '%s' given twice", s->path,
				 ri->param_keys[i]);
	}
	sqlite3_finalize(st);
	return rc;
}

static int check_run_info(const struct frag_run_info *ri, char *err, size_t errlen)
{
	if (!ri) {
		frag_results_errf(err, errlen, "no run information");
		return -EINVAL;
	}
	if (!frag_results_uid_valid(ri->uid)) {
		frag_results_errf(err, errlen, "run uid '%s' is not 1-32 hex digits", ri->uid);
		return -EINVAL;
	}
	if (ri->nr_params && (!ri->param_keys || !ri->param_values)) {
		frag_results_errf(err, errlen, "run %s: %u parameters without keys or values", ri->uid,
				  ri->nr_params);
		return -EINVAL;
	}
	for (unsigned i = 0; i < ri->nr_params; i++) {
		if (!ri->param_keys[i] || !ri->param_values[i]) {
			frag_results_errf(err, errlen, "run %s: parameter %u has no key or value", ri->uid, i);
			return -EINVAL;
		}
	}
	return 0;
}

static void sq_free(struct sq_sink *s)
{
	if (!s)
		return;
	frag_evbuf_free(&s->evs);
	if (s->db)
		sqlite3_close_v2(s->db);
	free(s->path);
	free(s);
}

/* The directory holding @path, into @out ("." if none). */
static void dir_of(const char *path, char *out, size_t len)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		snprintf(out, len, ".");
	else if (slash == path)
		snprintf(out, len, "/");
	else
		snprintf(out, len, "%.*s", (int)(slash - path), path);
}

static int sq_open(void **hp, const char *path, const struct frag_run_info *ri, char *err, size_t errlen)
{
	struct sq_sink *s;
	struct sq_open_args a = { .ri = ri };
	char started[32], host[256], dir[PATH_MAX], rel[PATH_MAX];
	int rc;

	*hp = NULL;
	rc = check_run_info(ri, err, errlen);
	if (rc)
		return rc;
	if (!path || !*path) {
		frag_results_errf(err, errlen, "sqlite: no database path given");
		return -EINVAL;
	}
	rc = frag_results_mkdirs_parent(path, err, errlen);
	if (rc)
		return rc;

	s = calloc(1, sizeof *s);
	if (!s || !(s->path = strdup(path))) {
		free(s);
		frag_results_errf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	snprintf(s->uid, sizeof s->uid, "%s", ri->uid);

	rc = sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (rc != SQLITE_OK) {
		int e = s->db ? sqlite3_system_errno(s->db) : 0;

		dir_of(path, dir, sizeof dir);
		if (access(dir, W_OK) != 0)
			frag_results_errf(err, errlen, "cannot create database %s: directory %s: %s", path, dir,
					  strerror(errno));
		else
			frag_results_errf(err, errlen, "cannot open database %s: %s%s%s", path,
					  s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc), e ? ": " : "",
					  e ? strerror(e) : "");
		rc = sq_errno(s, rc);
		sq_free(s);
		return rc;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, SQ_BUSY_TIMEOUT_MS);
	if (sqlite3_db_readonly(s->db, "main") == 1) {
		frag_results_errf(err, errlen, "cannot write database %s: it is read-only", path);
		sq_free(s);
		return -EROFS;
	}

	rc = sq_set_wal(s);
	if (!rc)
		rc = sq_exec(s, "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;"
			     " PRAGMA cache_size=-16384");
	if (rc) {
		dir_of(path, dir, sizeof dir);
		if (access(dir, W_OK) != 0)
			frag_results_errf(err, errlen, "cannot write database %s: directory %s: %s", path, dir,
					  strerror(errno));
		else
			frag_results_errf(err, errlen, "%s", s->errmsg);
		sq_free(s);
		return rc;
	}

	if (ri->h5_file && *ri->h5_file) {
		dir_of(path, dir, sizeof dir);
		rc = frag_results_relpath(dir, ri->h5_file, rel, sizeof rel);
		if (rc) {
			frag_results_errf(err, errlen, "%s: cannot express %s relative to %s: %s", path,
					  ri->h5_file, dir, strerror(-rc));
			sq_free(s);
			return rc;
		}
		a.h5_file = rel;
	}
	if (gethostname(host, sizeof host))
		snprintf(host, sizeof host, "unknown");
	host[sizeof host - 1] = 0;
	frag_results_utc_now(started, sizeof started);
	a.started_at = started;
	a.host = host;

	rc = sq_transact(s, sq_txn_open, &a);
	if (rc) {
		frag_results_errf(err, errlen, "%s", s->errmsg);
		sq_free(s);
		return rc;
	}
	*hp = s;
	return 0;
}

static int sq_epoch(void *h, const struct frag_epoch *e)
{
	(void)h;
	(void)e;
	return 0;       /* time series go to HDF5 */
}

static int sq_event(void *h, const struct frag_event_rec *ev)
{
	struct sq_sink *s = h;
	int rc;

	if (s->finished) {
		snprintf(s->errmsg, sizeof s->errmsg, "%s: event() after finish()", s->path);
		return -EINVAL;
	}
	rc = frag_evbuf_push(&s->evs, ev);
	if (rc == -EINVAL) {
		snprintf(s->errmsg, sizeof s->errmsg, "%s: event without a type", s->path);
	} else if (rc) {
		if (!s->ev_error)
			s->ev_error = rc;
		snprintf(s->errmsg, sizeof s->errmsg, "%s: out of memory buffering events", s->path);
	}
	return rc;
}

static int sq_txn_finish(struct sq_sink *s, const void *arg)
{
	const struct frag_run_end *end = arg;
	char finished[32];
	sqlite3_stmt *st = NULL;
	int rc = 0;

	if (s->evs.nr) {
		rc = sq_prepare(s,
				"INSERT INTO events (run_id, seq, t_ns, type, cpu, nid, pfn, ord, value, outcome, detail)"
				" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", &st);
		if (rc)
			return rc;
		for (size_t i = 0; i < s->evs.nr && !rc; i++) {
			const struct frag_evrec *e = &s->evs.ev[i];

			sqlite3_bind_int64(st, 1, s->run_id);
			sqlite3_bind_int64(st, 2, (int64_t)i);
			sqlite3_bind_int64(st, 3, (int64_t)e->t_ns);
			bind_text(st, 4, e->type);
			bind_int_or_null(st, 5, e->cpu, e->cpu < 0);
			bind_int_or_null(st, 6, e->nid, e->nid < 0);
			bind_int_or_null(st, 7, (int64_t)e->pfn, e->pfn == FRAG_PFN_NONE);
			bind_int_or_null(st, 8, e->order, e->order < 0);
			sqlite3_bind_int64(st, 9, e->value);
			bind_text(st, 10, e->outcome);
			bind_text_or_null(st, 11, e->detail);
			rc = sq_step_done(s, st, "INSERT INTO events");
		}
		sqlite3_finalize(st);
		if (rc)
			return rc;
	}
	if (end->nr_metrics) {
		rc = sq_prepare(s, "INSERT INTO metrics (run_id, name, value, unit) VALUES (?, ?, ?, ?)", &st);
		if (rc)
			return rc;
		for (unsigned i = 0; i < end->nr_metrics && !rc; i++) {
			const struct frag_metric *m = &end->metrics[i];

			sqlite3_bind_int64(st, 1, s->run_id);
			bind_text(st, 2, m->name);
			sqlite3_bind_double(st, 3, m->value);
			bind_text(st, 4, m->unit ? m->unit : "");
			rc = sq_step_done(s, st, "INSERT INTO metrics");
			if (rc == -EEXIST)
				snprintf(s->errmsg, sizeof s->errmsg, "%s: metric '%s' given twice", s->path,
					 m->name);
		}
		sqlite3_finalize(st);
		if (rc)
			return rc;
	}
	rc = sq_prepare(s,
			"UPDATE runs SET status = ?, message = ?, finished_at = ?, wall_s = ?, sim_reached_s = ?"
			" WHERE id = ?", &st);
	if (rc)
		return rc;
	frag_results_utc_now(finished, sizeof finished);
	bind_text(st, 1, end->status);
	bind_text(st, 2, end->message);
	bind_text(st, 3, finished);
	sqlite3_bind_double(st, 4, end->wall_seconds);
	sqlite3_bind_double(st, 5, (double)end->sim_ns / 1e9);
	sqlite3_bind_int64(st, 6, s->run_id);
	rc = sq_step_done(s, st, "UPDATE runs");
	sqlite3_finalize(st);
	if (!rc && sqlite3_changes(s->db) != 1) {
		snprintf(s->errmsg, sizeof s->errmsg, "%s: run %s vanished from the runs table", s->path, s->uid);
		rc = -ENOENT;
	}
	return rc;
}

static int sq_finish(void *h, const struct frag_run_end *end)
{
	struct sq_sink *s = h;
	int rc;

	if (s->finished) {
		snprintf(s->errmsg, sizeof s->errmsg, "%s: finish() called twice", s->path);
		return -EINVAL;
	}
	if (!end || !frag_results_end_status_valid(end->status)) {
		snprintf(s->errmsg, sizeof s->errmsg,
			 "%s: end status '%s' is not complete, interrupted or failed", s->path,
			 end && end->status ? end->status : "(null)");
		return -EINVAL;
	}
	if (end->nr_metrics && !end->metrics) {
		snprintf(s->errmsg, sizeof s->errmsg, "%s: %u metrics without an array", s->path, end->nr_metrics);
		return -EINVAL;
	}
	for (unsigned i = 0; i < end->nr_metrics; i++) {
		if (!end->metrics[i].name) {
			snprintf(s->errmsg, sizeof s->errmsg, "%s: metric %u has no name", s->path, i);
			return -EINVAL;
		}
	}
	if (s->ev_error && !strcmp(end->status, "complete")) {
		/* An event was lost: the run cannot claim to be complete. */
		struct frag_run_end e2 = *end;
		e2.status = "failed";
		e2.message = "events lost: out of memory";
		rc = sq_transact(s, sq_txn_finish, &e2);
		if (!rc)
			s->finished = true;
		return rc ? rc : s->ev_error;
	}
	rc = sq_transact(s, sq_txn_finish, end);
	if (!rc) {
		s->finished = true;
		s->errmsg[0] = 0;
	}
	return rc;
}

/* The runs row's end alone (no events, no metrics): the last resort of sq_close() when the full
 * transaction fails (a full disk has room for a small one more often than for a large one). */
static int sq_txn_status_only(struct sq_sink *s, const void *arg)
{
	const struct frag_run_end *end = arg;
	char finished[32];
	sqlite3_stmt *st = NULL;
	int rc = sq_prepare(s, "UPDATE runs SET status = ?, message = ?, finished_at = ? WHERE id = ?", &st);

	if (rc)
		return rc;
	frag_results_utc_now(finished, sizeof finished);
	bind_text(st, 1, end->status);
	bind_text(st, 2, end->message);
	bind_text(st, 3, finished);
	sqlite3_bind_int64(st, 4, s->run_id);
	rc = sq_step_done(s, st, "UPDATE runs");
	sqlite3_finalize(st);
	return rc;
}

static void sq_close(void *h)
{
	struct sq_sink *s = h;
	char msg[sizeof s->errmsg + 64];

	if (!s)
		return;
	if (!s->finished && s->db) {
		struct frag_run_end end = { .status = "failed" };

		if (s->errmsg[0])
			snprintf(msg, sizeof msg, "closed before finish: %s", s->errmsg);
		else
			snprintf(msg, sizeof msg, "closed before finish");
		end.message = msg;
		if (sq_transact(s, sq_txn_finish, &end))
			sq_transact(s, sq_txn_status_only, &end);
	}
	if (s->db) {
		sqlite3_busy_timeout(s->db, SQ_CLOSE_BUSY_MS);
		sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	}
	sq_free(s);
}

static const char *sq_last_error(void *h)
{
	struct sq_sink *s = h;

	return s ? s->errmsg : "";
}

const struct frag_sink_ops frag_sink_sqlite = {
	.scheme = "sqlite",
	.open = sq_open,
	.epoch = sq_epoch,
	.event = sq_event,
	.finish = sq_finish,
	.close = sq_close,
	.last_error = sq_last_error,
};
