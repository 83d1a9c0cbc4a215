/* SPDX-License-Identifier: MIT */
/*
 * cmd_merge.c - `fragsim merge SHARD... -o DB`: fold experiment databases
 * (the shards a Slurm array writes, one per task, or any other experiment
 * databases) into one (issue 8, item 2).
 *
 * A SHARD is a database file or a directory holding fragsim.db. Each
 * shard's runs are copied with their params, metrics and events in one
 * transaction per shard, matched by run uid: a run already in DB is not
 * copied again (no duplicate), except that a 'complete' run replaces a row
 * of the same uid that is not complete; nothing of DB is deleted otherwise
 * (no loss). A run's HDF5 file (runs.h5_file, relative to its database) is
 * copied next to DB under the same relative name when DB lacks it. Shards
 * written by another stats or schema version are refused. Merging the same
 * shards again changes nothing, so an interrupted merge is simply run again.
 *
 * Exit status: 0 merged, 1 an unreadable or incompatible shard or a write
 * error (the shards merged before it stay merged), 2 bad usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "cli.h"
#include "frag/stat_list.h"
#include "../../results/results.h"

/* Every column of runs but the row id, in schema order. */
#define RUN_COLS                                                                                             \
	"uid, scenario, scenario_path, scenario_hash, policy, seed, config, git_rev, fragsim_version, "       \
	"simgrid_version, host, pid, status, message, started_at, finished_at, wall_s, sim_requested_s, "     \
	"sim_reached_s, sample_period_s, h5_file"

static int usage(FILE *f, int rc)
{
	fprintf(f, "usage: fragsim merge SHARD... -o DB\n"
		   "Folds the runs of the experiment databases SHARD (files, or directories holding fragsim.db)\n"
		   "into DB (created if missing), with their parameters, metrics, events and HDF5 files. A run\n"
		   "already in DB (same uid) is not copied twice; a complete run replaces an incomplete one.\n");
	return rc;
}

static int exec_sql(sqlite3 *db, const char *sql, const char *what, const char *path)
{
	char *msg = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		cli_error("merge", "%s: %s: %s", path, what, msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/* The (stats_version, schema_version) of a database (schema prefix @db_name); -1 if none. */
static int versions(sqlite3 *db, const char *db_name, int64_t *stats, int64_t *schema)
{
	char sql[256];
	sqlite3_stmt *st = NULL;
	*stats = *schema = -1;
	snprintf(sql, sizeof sql, "SELECT stats_version, schema_version FROM %s.stats_version", db_name);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW) {
		*stats = sqlite3_column_int64(st, 0);
		*schema = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	return *stats < 0 ? -1 : 0;
}

static int copy_file(const char *from, const char *to)
{
	char tmp[4400];
	if (snprintf(tmp, sizeof tmp, "%s.merge-tmp", to) >= (int)sizeof tmp)
		return -ENAMETOOLONG;
	int in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	int out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (out < 0) {
		int e = errno;
		close(in);
		return -e;
	}
	char buf[1 << 16];
	ssize_t n;
	int rc = 0;
	while ((n = read(in, buf, sizeof buf)) > 0)
		if (write(out, buf, (size_t)n) != n) {
			rc = errno ? -errno : -EIO;
			break;
		}
	if (n < 0)
		rc = -errno;
	close(in);
	if (close(out) && !rc)
		rc = -errno;
	if (!rc && rename(tmp, to))
		rc = -errno;
	if (rc)
		unlink(tmp);
	return rc;
}

/* The directory part of @path ("." if none), into @out (cut to @len: paths are below PATH_MAX). */
static void dir_of(const char *path, char *out, size_t len)
{
	char tmp[4096];
	cli_copy_msg(tmp, sizeof tmp, path);
	cli_copy_msg(out, len, dirname(tmp));
}

/* Copy the HDF5 files of the runs just merged (temp table merged(uid)) that @dst lacks. */
static int copy_h5(sqlite3 *db, const char *src_dir, const char *dst_dir, const char *shard)
{
	sqlite3_stmt *st = NULL;
	int rc = 0;
	if (sqlite3_prepare_v2(db,
			       "SELECT r.h5_file FROM s.runs r JOIN temp.merged m ON m.uid = r.uid "
			       "WHERE r.h5_file IS NOT NULL ORDER BY r.uid",
			       -1, &st, NULL) != SQLITE_OK)
		return -1;
	while (!rc && sqlite3_step(st) == SQLITE_ROW) {
		const char *rel = (const char *)sqlite3_column_text(st, 0);
		char from[8300], to[8300], sub[8300];
		snprintf(from, sizeof from, "%s/%s", src_dir, rel);
		snprintf(to, sizeof to, "%s/%s", dst_dir, rel);
		if (!access(to, F_OK) || access(from, R_OK))
			continue;   /* already there, or the shard has none (a run without epochs) */
		dir_of(to, sub, sizeof sub);
		mkdir(sub, 0777);
		int e = copy_file(from, to);
		if (e) {
			cli_error("merge", "%s: copying %s to %s: %s", shard, from, to, strerror(-e));
			rc = -1;
		}
	}
	sqlite3_finalize(st);
	return rc;
}

/* Merge one shard in one transaction; the number of runs copied, or -1. */
static long merge_shard(sqlite3 *db, const char *shard, const char *dst_dir, long *already)
{
	char path[4200], src_dir[4200];
	struct stat sb;
	if (!stat(shard, &sb) && S_ISDIR(sb.st_mode))
		snprintf(path, sizeof path, "%s/fragsim.db", shard);
	else
		snprintf(path, sizeof path, "%s", shard);
	if (access(path, R_OK)) {
		cli_error("merge", "%s: %s", path, strerror(errno));
		return -1;
	}
	dir_of(path, src_dir, sizeof src_dir);

	char *sql = sqlite3_mprintf("ATTACH DATABASE 'file:%q?mode=ro' AS s", path);
	int rc = exec_sql(db, sql, "attaching the shard", path);
	sqlite3_free(sql);
	if (rc)
		return -1;
	long copied = -1;
	int64_t stats, schema;
	if (versions(db, "s", &stats, &schema)) {
		cli_error("merge", "%s: not a fragsim experiment database (no stats_version)", path);
		goto detach;
	}
	if (stats != FRAG_STATS_VERSION || schema != FRAG_RESULTS_SCHEMA_VERSION) {
		cli_error("merge", "%s: stats version %lld, schema version %lld; this fragsim merges stats version %d, "
				   "schema version %d",
			  path, (long long)stats, (long long)schema, FRAG_STATS_VERSION, FRAG_RESULTS_SCHEMA_VERSION);
		goto detach;
	}
	if (exec_sql(db, "BEGIN IMMEDIATE", "locking the target", path))
		goto detach;
	/* The runs to copy: new uids, and complete runs whose target row is not complete. */
	if (exec_sql(db,
		     "DROP TABLE IF EXISTS temp.merged;"
		     "CREATE TEMP TABLE merged AS SELECT r.uid FROM s.runs r LEFT JOIN main.runs m ON m.uid = r.uid "
		     "WHERE m.uid IS NULL OR (m.status <> 'complete' AND r.status = 'complete');"
		     "DELETE FROM main.runs WHERE uid IN (SELECT uid FROM temp.merged);"
		     "INSERT INTO main.runs (" RUN_COLS ") SELECT " RUN_COLS " FROM s.runs "
		     "WHERE uid IN (SELECT uid FROM temp.merged) ORDER BY id;"
		     "INSERT INTO main.params (run_id, key, value) SELECT m.id, p.key, p.value FROM s.params p "
		     "JOIN s.runs r ON r.id = p.run_id JOIN main.runs m ON m.uid = r.uid "
		     "WHERE r.uid IN (SELECT uid FROM temp.merged);"
		     "INSERT INTO main.metrics (run_id, name, value, unit) SELECT m.id, x.name, x.value, x.unit "
		     "FROM s.metrics x JOIN s.runs r ON r.id = x.run_id JOIN main.runs m ON m.uid = r.uid "
		     "WHERE r.uid IN (SELECT uid FROM temp.merged);"
		     "INSERT INTO main.events (run_id, seq, t_ns, type, cpu, nid, pfn, ord, value, outcome, detail) "
		     "SELECT m.id, e.seq, e.t_ns, e.type, e.cpu, e.nid, e.pfn, e.ord, e.value, e.outcome, e.detail "
		     "FROM s.events e JOIN s.runs r ON r.id = e.run_id JOIN main.runs m ON m.uid = r.uid "
		     "WHERE r.uid IN (SELECT uid FROM temp.merged);",
		     "copying runs", path) ||
	    copy_h5(db, src_dir, dst_dir, path)) {
		exec_sql(db, "ROLLBACK", "rolling back", path);
		goto detach;
	}
	sqlite3_stmt *st = NULL;
	long n = 0, total = 0;
	if (sqlite3_prepare_v2(db, "SELECT (SELECT count(*) FROM temp.merged), (SELECT count(*) FROM s.runs)", -1, &st,
			       NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW) {
		n = sqlite3_column_int64(st, 0);
		total = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	if (exec_sql(db, "COMMIT", "committing", path)) {
		exec_sql(db, "ROLLBACK", "rolling back", path);
		goto detach;
	}
	copied = n;
	*already += total - n;
detach:
	exec_sql(db, "DROP TABLE IF EXISTS temp.merged", "cleaning up", path);
	exec_sql(db, "DETACH DATABASE s", "detaching the shard", path);
	return copied;
}

int cmd_merge(int argc, char **argv)
{
	const char *out = NULL;
	const char **shards = calloc((size_t)argc + 1, sizeof(char *));
	int nr = 0, rc = EXIT_USAGE;
	sqlite3 *db = NULL;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			free(shards);
			return usage(stdout, 0);
		} else if (!strcmp(argv[i], "-o") || !strcmp(argv[i], "--out")) {
			if (i + 1 >= argc) {
				cli_error("merge", "%s needs a value", argv[i]);
				goto out;
			}
			out = argv[++i];
		} else if (argv[i][0] == '-') {
			cli_error("merge", "unknown option '%s'", argv[i]);
			goto out;
		} else {
			shards[nr++] = argv[i];
		}
	}
	if (!nr || !out) {
		cli_error("merge", "%s", !nr ? "no shard given" : "no output database given (-o DB)");
		usage(stderr, 0);
		goto out;
	}
	char dst_dir[4200];
	dir_of(out, dst_dir, sizeof dst_dir);
	mkdir(dst_dir, 0777);
	rc = 1;
	if (sqlite3_open_v2(out, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI, NULL) != SQLITE_OK) {
		cli_error("merge", "%s: %s", out, db ? sqlite3_errmsg(db) : "cannot open");
		goto out;
	}
	sqlite3_busy_timeout(db, 10000);
	if (exec_sql(db, "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON", "setting up", out))
		goto out;
	int64_t stats, schema;
	if (versions(db, "main", &stats, &schema)) {
		/* A new database: the schema and its version row, as the SQLite sink writes them. */
		char *sql = sqlite3_mprintf("BEGIN IMMEDIATE; %s; INSERT INTO stats_version (stats_version, schema_version) "
					    "SELECT %d, %d WHERE NOT EXISTS (SELECT 1 FROM stats_version); COMMIT;",
					    frag_results_schema_sql, FRAG_STATS_VERSION, FRAG_RESULTS_SCHEMA_VERSION);
		int e = exec_sql(db, sql, "creating the schema", out);
		sqlite3_free(sql);
		if (e)
			goto out;
	} else if (stats != FRAG_STATS_VERSION || schema != FRAG_RESULTS_SCHEMA_VERSION) {
		cli_error("merge", "%s: stats version %lld, schema version %lld; this fragsim writes %d, %d", out,
			  (long long)stats, (long long)schema, FRAG_STATS_VERSION, FRAG_RESULTS_SCHEMA_VERSION);
		goto out;
	}
	long total = 0, already = 0;
	int bad = 0;
	for (int i = 0; i < nr; i++) {
		long n = merge_shard(db, shards[i], dst_dir, &already);
		if (n < 0)
			bad++;
		else
			total += n;
	}
	printf("merge: %ld run%s copied from %d shard%s into %s (%ld already there)%s\n", total, total == 1 ? "" : "s",
	       nr - bad, nr - bad == 1 ? "" : "s", out, already, bad ? "; some shards failed (see above)" : "");
	rc = bad ? 1 : 0;
out:
	if (db)
		sqlite3_close(db);
	free(shards);
	return rc;
}
