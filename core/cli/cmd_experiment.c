/* SPDX-License-Identifier: MIT */
/*
 * cmd_experiment.c - the experiments: `fragsim compare` (issue 8, item 1)
 * and `fragsim sweep` (item 2), one runner.
 *
 * compare SCENARIO --policies A,B[,...] [--seeds N] [--jobs J] [--out DIR|DB]
 *         [--set KEY=VALUE]... [--baseline P] [--no-report] [--quiet]
 * sweep SCENARIO --param KEY=V1,V2,...|KEY=START:STOP:STEP [--param ...]
 *       [--policies A,...] [--seeds N] [--jobs J] [--out DIR|DB] [--set ...]
 *       [--no-report] [--quiet] [--slurm [--submit]]
 *
 * A sweep is the grid of every --param's values (the cartesian product, in
 * the order given) x policies x seeds; a compare is the one-point grid.
 * Resumable: before a run starts, its scenario is resolved in-process
 * (frag_scenario_load() with the run's --set values, policy and seed) and a
 * run already recorded 'complete' in the database with the same
 * scenario_hash (FNV-1a of the resolved configuration) is skipped, so a
 * compare or sweep started again after an interruption, a crash or a kill
 * runs only what is missing.
 *
 * Every (policy, seed) pair is one `fragsim run` child process of this very
 * executable (/proc/self/exe), at most J at a time, all writing into one
 * experiment database DIR/fragsim.db (the SQLite sink takes the write lock
 * per transaction and retries, so concurrent runs lose nothing). The
 * workloads draw their demand from the scenario seed alone, so the runs of
 * one seed see the same demand under every policy: the comparison is paired
 * by seed. Each child's output goes to DIR/logs/<policy>-seed<S>.log.
 *
 * Then the mmtests-style table (python3 -m analysis.table: per metric, each
 * policy's mean +- 95% CI, the change against the first policy in percent,
 * * where a paired t-test across seeds gives p < 0.05) is printed and saved
 * as DIR/table.txt and DIR/table.csv, and the HTML report is written to
 * DIR/report (fragsim report).
 *
 * SIGINT/SIGTERM: no new run starts; each running child (in its own
 * process group, so a terminal's Ctrl-C does not reach it twice) gets one
 * SIGTERM and records itself as interrupted; compare waits for them,
 * prints the table of what completed and exits 130. A child whose runner
 * dies (SIGKILL included) gets SIGTERM (PR_SET_PDEATHSIG). Runs left
 * 'running' by a killed process are never skipped on resume: only
 * 'complete' ones are.
 *
 * Exit status: 0 when every run completed, 1 when some failed, 2 for bad
 * usage (also when the first run refuses the scenario or a --set value:
 * compare then starts no other run), 130 after SIGINT/SIGTERM.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "frag/policy.h"
#include "frag/scenario.h"

#include <sqlite3.h>

#define MAX_SEEDS 10000

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	stop_requested = sig;
}

static int usage(FILE *f, int rc, bool sweep)
{
	if (!sweep)
		fprintf(f,
			"usage: fragsim compare SCENARIO --policies A,B[,...] [--seeds N|S1,S2,...] [--jobs J]\n"
			"                       [--out DIR] [--set KEY=VALUE]... [--baseline P] [--no-report] [--quiet]\n"
			"                       [--slurm [--submit]]\n"
			"Runs SCENARIO under every policy for every seed (seeds 1..N, default 3), J runs at a time\n"
			"(default: the number of online CPUs), into one database DIR/fragsim.db (default DIR:\n"
			"out/compare). Prints the comparison table (mean +- 95%% CI per policy, change against the\n"
			"first policy or --baseline, * = significant in a paired t-test across seeds), saves it as\n"
			"DIR/table.txt and DIR/table.csv, and writes the HTML report DIR/report/index.html.\n"
			"--set overrides scenario keys in every run, as in `fragsim run`. Runs already complete in\n"
			"DIR/fragsim.db (same resolved scenario) are skipped: an interrupted compare resumes.\n"
			"--slurm writes a Slurm job array (one task per run, each into its own database shard)\n"
			"and a merge job to DIR/slurm/ instead of running; --submit also submits them (sbatch).\n");
	else
		fprintf(f,
			"usage: fragsim sweep SCENARIO --param KEY=V1,V2,...|KEY=START:STOP:STEP [--param ...]\n"
			"                     [--policies A,...] [--seeds N|S1,S2,...] [--jobs J] [--out DIR]\n"
			"                     [--set KEY=VALUE]... [--baseline P] [--no-report] [--quiet] [--slurm [--submit]]\n"
			"Runs SCENARIO at every point of the grid of the --param values (any scenario key, as in\n"
			"--set; START:STOP:STEP is an inclusive numeric range) under every policy (default: the\n"
			"scenario's) for every seed (1..N, default 3), J at a time, into DIR/fragsim.db (default\n"
			"DIR: out/sweep). Resumable: runs already complete there are skipped. Prints the table of\n"
			"every configuration against the first, saves DIR/table.txt and .csv, writes the report\n"
			"with the sweep plots to DIR/report/index.html. A `sweep:` block in SCENARIO (KEY: [V1, V2]\n"
			"or KEY: START:STOP:STEP) adds the keys --param does not give. --slurm writes a Slurm job array (one\n"
			"task per run, each into its own database shard DIR/shards/...) and a merge job to\n"
			"DIR/slurm/ instead of running; --submit also submits them with sbatch.\n");
	return rc;
}

struct job {
	const char *policy;
	uint64_t seed;
	const char *const *point;   /* the grid point's KEY=VALUE sets */
	unsigned nr_point;
	char label[512];            /* policy-KEY=VALUE...-seedS: progress lines and the log's name */
	pid_t pid;
	double t0;
	int status;     /* -1 not run, else the child's exit status (128+sig if killed) */
	bool skipped;   /* complete in the database already */
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Split "a,b,c" into @out (strdup'ed); the number of items, or -1 on an empty item. */
static int split_list(const char *s, char ***out)
{
	int n = 1;
	for (const char *p = s; *p; p++)
		n += *p == ',';
	char **v = calloc((size_t)n, sizeof(char *));
	const char *p = s;
	for (int i = 0; i < n; i++) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (!len) {
			for (int k = 0; k < i; k++)
				free(v[k]);
			free(v);
			return -1;
		}
		v[i] = strndup(p, len);
		p = e ? e + 1 : p + len;
	}
	*out = v;
	return n;
}

/* Start @j: fork, output to its log, exec `fragsim run`. */
static int start_job(struct job *j, const char *scenario, const char *dir, const char *const *sets, int nr_sets)
{
	char seed[32], log[4200];
	snprintf(seed, sizeof seed, "%llu", (unsigned long long)j->seed);
	snprintf(log, sizeof log, "%s/logs/%s.log", dir, j->label);
	fflush(NULL);
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		/* Its own process group: a terminal's Ctrl-C reaches only this runner, which passes
		 * exactly one SIGTERM on (a second signal would kill the run before it records itself).
		 * If the runner dies (even by SIGKILL), the run gets SIGTERM and records itself
		 * interrupted. */
		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(130);
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		const char **args = calloc((size_t)(16 + 2 * (nr_sets + (int)j->nr_point)), sizeof(char *));
		int k = 0;
		args[k++] = "fragsim";
		args[k++] = "run";
		args[k++] = scenario;
		if (j->policy) {
			args[k++] = "--policy";
			args[k++] = j->policy;
		}
		args[k++] = "--seed";
		args[k++] = seed;
		args[k++] = "--out";
		args[k++] = dir;
		args[k++] = "--no-progress";
		for (int i = 0; i < nr_sets; i++) {
			args[k++] = "--set";
			args[k++] = sets[i];
		}
		for (unsigned i = 0; i < j->nr_point; i++) {
			args[k++] = "--set";
			args[k++] = j->point[i];
		}
		args[k] = NULL;
		execv("/proc/self/exe", (char *const *)args);
		fprintf(stderr, "fragsim: cannot run /proc/self/exe: %s\n", strerror(errno));
		_exit(127);
	}
	j->pid = pid;
	j->t0 = now_s();
	return 0;
}

/* Run a child command to completion; its exit status (or 128+signal). */
static int run_child(const char *path, const char *const *args, const char *out_file)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (out_file) {
			int fd = open(out_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
			if (fd >= 0)
				dup2(fd, 1);
		}
		execv(path, (char *const *)args);
		fprintf(stderr, "fragsim: cannot run %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void print_log_tail(const char *dir, const struct job *j)
{
	char log[4200], line[1024];
	snprintf(log, sizeof log, "%s/logs/%s.log", dir, j->label);
	FILE *f = fopen(log, "r");
	if (!f)
		return;
	char last[8][1024];
	int n = 0;
	while (fgets(line, sizeof line, f))
		snprintf(last[n++ % 8], sizeof last[0], "%s", line);
	fclose(f);
	for (int i = n > 8 ? n - 8 : 0; i < n; i++)
		fprintf(stderr, "    %s", last[i % 8]);
}

/*
 * The resolved scenario's hash for @j (frag_scenario_load() with the same
 * sets the child gets, in the same order); 0 with *@hash set, or -errno
 * with the loader's message in @err.
 */
static int job_hash(const struct job *j, const char *scenario, const char *const *sets, int nr_sets, uint64_t *hash,
		    char *err, size_t errlen)
{
	const char **all = calloc((size_t)nr_sets + j->nr_point + 2, sizeof(char *));
	char pol[160], seed[48];
	unsigned n = 0;
	if (j->policy) {
		snprintf(pol, sizeof pol, "policy.name=%s", j->policy);
		all[n++] = pol;
	}
	snprintf(seed, sizeof seed, "seed=%llu", (unsigned long long)j->seed);
	all[n++] = seed;
	for (int i = 0; i < nr_sets; i++)
		all[n++] = sets[i];
	for (unsigned i = 0; i < j->nr_point; i++)
		all[n++] = j->point[i];
	struct frag_scenario *sc = NULL;
	int rc = frag_scenario_load(scenario, all, n, &sc, err, errlen);
	if (!rc)
		*hash = sc->hash;
	frag_scenario_free(sc);
	free(all);
	return rc;
}

/* Is a run of @hash recorded complete in @db? (false when there is no database yet) */
static bool done_before(sqlite3 *db, uint64_t hash)
{
	if (!db)
		return false;
	char hex[24];
	snprintf(hex, sizeof hex, "%016llx", (unsigned long long)hash);
	sqlite3_stmt *st = NULL;
	bool found = false;
	if (sqlite3_prepare_v2(db, "SELECT 1 FROM runs WHERE scenario_hash = ?1 AND status = 'complete' LIMIT 1", -1,
			       &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, hex, -1, SQLITE_STATIC);
		found = sqlite3_step(st) == SQLITE_ROW;
	}
	sqlite3_finalize(st);
	return found;
}

/*
 * Parse one --param value list: "a,b,c" or an inclusive numeric range
 * "START:STOP:STEP" (integers stay integers, else %.10g). The values are
 * appended to @vals as strdup'ed strings; the number of values, or -1 after
 * a message.
 */
static int parse_values(const char *cmd, const char *key, const char *list, char ***vals)
{
	char **v = NULL;
	int n = 0;
	const char *c1 = strchr(list, ':');
	if (c1 && !strchr(list, ',')) {
		char *end;
		double a = strtod(list, &end), b, step;
		if (end != c1)
			goto bad_range;
		b = strtod(c1 + 1, &end);
		if (*end != ':')
			goto bad_range;
		step = strtod(end + 1, &end);
		if (*end || !(step > 0) || b < a)
			goto bad_range;
		bool ints = a == (double)(long long)a && step == (double)(long long)step;
		long long count = (long long)((b - a) / step + 1e-9) + 1;
		if (count > 100000) {
			cli_error(cmd, "--param %s=%s: %lld values; at most 100000", key, list, count);
			return -1;
		}
		v = calloc((size_t)count, sizeof(char *));
		for (long long i = 0; i < count; i++) {
			char buf[64];
			double x = a + (double)i * step;
			if (ints)
				snprintf(buf, sizeof buf, "%lld", (long long)x);
			else
				snprintf(buf, sizeof buf, "%.10g", x);
			v[n++] = strdup(buf);
		}
		*vals = v;
		return n;
bad_range:
		cli_error(cmd, "--param %s=%s: a range is START:STOP:STEP with numbers, STEP > 0 and STOP >= START", key,
			  list);
		return -1;
	}
	n = split_list(list, &v);
	if (n < 0) {
		cli_error(cmd, "--param %s=%s: an empty value", key, list);
		return -1;
	}
	*vals = v;
	return n;
}

/* @s single-quoted for sh, appended to @f. */
static void sh_quote(FILE *f, const char *s)
{
	fputc('\'', f);
	for (; *s; s++) {
		if (*s == '\'')
			fputs("'\\''", f);
		else
			fputc(*s, f);
	}
	fputc('\'', f);
}

/* sbatch --parsable @script [--dependency=afterany:@after]: the job id, or NULL. */
static char *sbatch(const char *script, const char *after)
{
	char cmd[9000];
	int n = snprintf(cmd, sizeof cmd, "sbatch --parsable");
	if (after)
		n += snprintf(cmd + n, sizeof cmd - (size_t)n, " --dependency=afterany:%s", after);
	snprintf(cmd + n, sizeof cmd - (size_t)n, " '%s' 2>&1", script);
	FILE *p = popen(cmd, "r");
	if (!p)
		return NULL;
	char line[512] = "";
	if (!fgets(line, sizeof line, p))
		line[0] = 0;
	int st = pclose(p);
	line[strcspn(line, "\n;")] = 0;
	if (st != 0 || !line[0] || strspn(line, "0123456789") != strlen(line)) {
		cli_error("slurm", "sbatch %s failed: %s", script, line[0] ? line : "(no output)");
		return NULL;
	}
	return strdup(line);
}

/*
 * --slurm: instead of running, write DIR/slurm/runs.sbatch, a job array of
 * one task per remaining run (each `fragsim run` writes its own database
 * shard DIR/shards/<label>/), and DIR/slurm/merge.sbatch, which folds the
 * shards into DIR/fragsim.db (`fragsim merge`) and writes the table and the
 * report. With --submit both are submitted with sbatch, the merge after
 * the array (--dependency=afterany). Paths in the scripts are absolute.
 */
static int write_slurm(const char *cmd, int argc, char **argv, const char *scenario, const char *dir,
		       const struct job *js, int nr_jobs, const char *const *sets, int nr_sets, bool submit, bool quiet)
{
	char exe[4096], abs_dir[4096], abs_scen[4096], sdir[4200], runs[4300], merge[4300];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n <= 0 || !realpath(dir, abs_dir) || !realpath(scenario, abs_scen)) {
		cli_error(cmd, "cannot resolve the paths of fragsim, %s or %s: %s", scenario, dir, strerror(errno));
		return 1;
	}
	exe[n] = 0;
	snprintf(sdir, sizeof sdir, "%s/slurm", abs_dir);
	if (cli_mkdir_p(sdir)) {
		cli_error(cmd, "cannot create %s: %s", sdir, strerror(errno));
		return 1;
	}
	int todo = 0;
	for (int i = 0; i < nr_jobs; i++)
		todo += !js[i].skipped;
	snprintf(runs, sizeof runs, "%s/runs.sbatch", sdir);
	snprintf(merge, sizeof merge, "%s/merge.sbatch", sdir);
	FILE *f = fopen(runs, "w");
	if (!f) {
		cli_error(cmd, "%s: %s", runs, strerror(errno));
		return 1;
	}
	fprintf(f, "#!/bin/sh\n#SBATCH --job-name=fragsim-%s\n#SBATCH --array=1-%d\n#SBATCH --cpus-per-task=1\n"
		   "#SBATCH --output=%s/logs/slurm-%%A_%%a.out\n",
		cmd, todo > 0 ? todo : 1, abs_dir);
	fprintf(f, "# Written by: fragsim");
	for (int i = 0; i < argc; i++) {
		fputc(' ', f);
		sh_quote(f, argv[i]);
	}
	fprintf(f, "\n# One task per run; each writes its own database shard under %s/shards/.\n"
		   "# Then merge.sbatch (or: fragsim merge %s/shards/* -o %s/fragsim.db).\nset -eu\n"
		   "case \"$SLURM_ARRAY_TASK_ID\" in\n",
		abs_dir, abs_dir, abs_dir);
	int t = 0;
	for (int i = 0; i < nr_jobs; i++) {
		const struct job *j = &js[i];
		if (j->skipped)
			continue;
		char shard[4700];
		snprintf(shard, sizeof shard, "%s/shards/%s", abs_dir, j->label);
		fprintf(f, "%d) exec ", ++t);
		sh_quote(f, exe);
		fprintf(f, " run ");
		sh_quote(f, abs_scen);
		if (j->policy) {
			fprintf(f, " --policy ");
			sh_quote(f, j->policy);
		}
		fprintf(f, " --seed %llu --no-progress --out ", (unsigned long long)j->seed);
		sh_quote(f, shard);
		for (int k = 0; k < nr_sets; k++) {
			fprintf(f, " --set ");
			sh_quote(f, sets[k]);
		}
		for (unsigned k = 0; k < j->nr_point; k++) {
			fprintf(f, " --set ");
			sh_quote(f, j->point[k]);
		}
		fprintf(f, " ;;\n");
	}
	fprintf(f, "*) echo \"fragsim: no task $SLURM_ARRAY_TASK_ID in this array\" >&2; exit 2 ;;\nesac\n");
	if (fclose(f)) {
		cli_error(cmd, "%s: %s", runs, strerror(errno));
		return 1;
	}
	chmod(runs, 0755);
	f = fopen(merge, "w");
	if (!f) {
		cli_error(cmd, "%s: %s", merge, strerror(errno));
		return 1;
	}
	fprintf(f, "#!/bin/sh\n#SBATCH --job-name=fragsim-merge\n#SBATCH --cpus-per-task=1\n"
		   "#SBATCH --output=%s/logs/slurm-merge-%%j.out\n"
		   "# Folds the shards of runs.sbatch into one database, then the report.\nset -eu\n",
		abs_dir);
	sh_quote(f, exe);
	fprintf(f, " merge ");
	sh_quote(f, abs_dir);
	fprintf(f, "/shards/*/fragsim.db -o ");
	sh_quote(f, abs_dir);
	fprintf(f, "/fragsim.db\n");
	sh_quote(f, exe);
	fprintf(f, " report ");
	sh_quote(f, abs_dir);
	fprintf(f, "/fragsim.db -o ");
	sh_quote(f, abs_dir);
	fprintf(f, "/report --quiet\n");
	if (fclose(f)) {
		cli_error(cmd, "%s: %s", merge, strerror(errno));
		return 1;
	}
	chmod(merge, 0755);
	if (!quiet)
		printf("%s: %d run%s as a Slurm job array: %s\n%s: then the merge and the report: %s\n", cmd, todo,
		       todo == 1 ? "" : "s", runs, cmd, merge);
	if (!todo) {
		printf("%s: every run is complete in %s/fragsim.db already; nothing to submit\n", cmd, abs_dir);
		return 0;
	}
	if (!submit) {
		printf("submit with: jid=$(sbatch --parsable %s) && sbatch --dependency=afterany:$jid %s\n", runs, merge);
		return 0;
	}
	char *jid = sbatch(runs, NULL);
	if (!jid)
		return 1;
	char *mid = sbatch(merge, jid);
	printf("submitted: job array %s (%d tasks), merge job %s; results in %s/fragsim.db\n", jid, todo,
	       mid ? mid : "(failed)", abs_dir);
	free(jid);
	int rc = mid ? 0 : 1;
	free(mid);
	return rc;
}

struct sweep_param {
	char *key;
	char **vals;
	int nr;
};

static int experiment(int argc, char **argv, bool sweep)
{
	const char *cmd = sweep ? "sweep" : "compare";
	const char *scenario = NULL, *policies_arg = NULL, *seeds_arg = "3", *baseline = NULL;
	const char *out = sweep ? "out/sweep" : "out/compare";
	const char **sets = calloc((size_t)argc + 1, sizeof(char *));
	int nr_sets = 0;
	struct sweep_param *sp = calloc((size_t)argc + 1 + FRAG_SC_MAX_SWEEP, sizeof(*sp));
	int nr_sp = 0;
	bool report = true, quiet = false, slurm = false, submit = false;
	uint64_t jobs = 0;
	int rc = EXIT_USAGE;
	char **pols = NULL;
	int nr_pols = 0;
	uint64_t *seeds = NULL;
	int nr_seeds = 0;
	struct job *js = NULL;
	int nr_jobs = 0;
	char **point_sets = NULL;   /* nr_points x nr_sp "KEY=VALUE" strings */
	long long nr_points = 1;
	sqlite3 *db = NULL;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool has_val = i + 1 < argc;
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			rc = usage(stdout, 0, sweep);
			goto out;
		} else if (!strcmp(a, "--policies") || !strcmp(a, "--seeds") || !strcmp(a, "--jobs") ||
			   !strcmp(a, "--out") || !strcmp(a, "-o") || !strcmp(a, "--set") || !strcmp(a, "--baseline") ||
			   (sweep && !strcmp(a, "--param"))) {
			if (!has_val) {
				cli_error(cmd, "%s needs a value", a);
				goto out;
			}
			const char *v = argv[++i];
			if (!strcmp(a, "--policies"))
				policies_arg = v;
			else if (!strcmp(a, "--seeds"))
				seeds_arg = v;
			else if (!strcmp(a, "--jobs")) {
				if (!cli_parse_uint(v, 1, 4096, &jobs)) {
					cli_error(cmd, "--jobs '%s': expected a whole number from 1 to 4096", v);
					goto out;
				}
			} else if (!strcmp(a, "--set"))
				sets[nr_sets++] = v;
			else if (!strcmp(a, "--baseline"))
				baseline = v;
			else if (!strcmp(a, "--param")) {
				const char *eq = strchr(v, '=');
				if (!eq || eq == v || !eq[1]) {
					cli_error(cmd, "--param '%s': expected KEY=V1,V2,... or KEY=START:STOP:STEP", v);
					goto out;
				}
				sp[nr_sp].key = strndup(v, (size_t)(eq - v));
				for (int k = 0; k < nr_sp; k++)
					if (!strcmp(sp[k].key, sp[nr_sp].key)) {
						cli_error(cmd, "--param %s given twice", sp[k].key);
						nr_sp++;
						goto out;
					}
				int n = parse_values(cmd, sp[nr_sp].key, eq + 1, &sp[nr_sp].vals);
				if (n < 0) {
					nr_sp++;
					goto out;
				}
				sp[nr_sp].nr = n;
				nr_points *= n;
				nr_sp++;
				if (nr_points > 1000000) {
					cli_error(cmd, "the grid has more than 1000000 points");
					goto out;
				}
			} else
				out = v;
		} else if (!strcmp(a, "--no-report")) {
			report = false;
		} else if (!strcmp(a, "--slurm")) {
			slurm = true;
		} else if (!strcmp(a, "--submit")) {
			slurm = submit = true;
		} else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
			quiet = true;
		} else if (a[0] == '-') {
			cli_error(cmd, "unknown option '%s'", a);
			usage(stderr, 0, sweep);
			goto out;
		} else if (!scenario) {
			scenario = a;
		} else {
			cli_error(cmd, "more than one scenario given ('%s' and '%s')", scenario, a);
			goto out;
		}
	}
	/* The scenario file's own `sweep:` block adds the keys --param does not give. */
	if (sweep && scenario && !access(scenario, R_OK)) {
		struct frag_scenario *sc = NULL;
		char err[2048];
		if (frag_scenario_load(scenario, sets, (unsigned)nr_sets, &sc, err, sizeof err)) {
			cli_error(cmd, "%s", err);
			goto out;
		}
		for (unsigned k = 0; k < sc->nr_sweep; k++) {
			bool given = false;
			for (int q = 0; q < nr_sp; q++)
				given |= !strcmp(sp[q].key, sc->sweep_key[k]);
			if (given)
				continue;
			sp[nr_sp].key = strdup(sc->sweep_key[k]);
			int n = parse_values(cmd, sp[nr_sp].key, sc->sweep_values[k], &sp[nr_sp].vals);
			if (n < 0) {
				nr_sp++;
				frag_scenario_free(sc);
				goto out;
			}
			sp[nr_sp].nr = n;
			nr_points *= n;
			nr_sp++;
		}
		frag_scenario_free(sc);
	}
	if (!scenario || (!sweep && !policies_arg) || (sweep && !nr_sp)) {
		cli_error(cmd, "%s", !scenario ? "no scenario given"
				     : sweep    ? "no parameter to sweep (--param KEY=V1,V2,..., or a sweep: block in the scenario)"
						: "no policies given (--policies A,B)");
		usage(stderr, 0, sweep);
		goto out;
	}
	if (access(scenario, R_OK)) {
		cli_error(cmd, "%s: %s", scenario, strerror(errno));
		goto out;
	}

	/* Policies: known, no duplicates; the baseline one of them. A sweep
	 * without --policies runs the scenario's own policy. */
	if (policies_arg) {
		nr_pols = split_list(policies_arg, &pols);
		if (nr_pols < 0) {
			cli_error(cmd, "--policies '%s': an empty name", policies_arg);
			nr_pols = 0;
			goto out;
		}
	}
	for (int i = 0; i < nr_pols; i++) {
		if (!frag_policy_find(pols[i])) {
			cli_error(cmd, "--policies: unknown policy '%s'; known policies:", pols[i]);
			for (unsigned k = 0; k < frag_policy_count(); k++)
				fprintf(stderr, "%s%s", k ? ", " : "", frag_policy_at(k)->name);
			fputc('\n', stderr);
			goto out;
		}
		for (int k = 0; k < i; k++)
			if (!strcmp(pols[k], pols[i])) {
				cli_error(cmd, "--policies: '%s' given twice", pols[i]);
				goto out;
			}
	}
	if (baseline && nr_pols) {
		bool found = false;
		for (int i = 0; i < nr_pols; i++)
			found |= !strcmp(pols[i], baseline);
		if (!found) {
			cli_error(cmd, "--baseline '%s' is not one of --policies %s", baseline, policies_arg);
			goto out;
		}
	} else if (!baseline && nr_pols) {
		baseline = pols[0];
	}

	/* Seeds: N (1..N) or a list. */
	if (!strchr(seeds_arg, ',')) {
		uint64_t n;
		if (!cli_parse_uint(seeds_arg, 1, MAX_SEEDS, &n)) {
			cli_error(cmd, "--seeds '%s': expected a count from 1 to %d or a list S1,S2,...", seeds_arg,
				  MAX_SEEDS);
			goto out;
		}
		nr_seeds = (int)n;
		seeds = calloc((size_t)nr_seeds, sizeof(*seeds));
		for (int i = 0; i < nr_seeds; i++)
			seeds[i] = (uint64_t)i + 1;
	} else {
		char **v;
		int n = split_list(seeds_arg, &v);
		if (n < 0) {
			cli_error(cmd, "--seeds '%s': an empty item", seeds_arg);
			goto out;
		}
		seeds = calloc((size_t)n, sizeof(*seeds));
		bool bad = false;
		for (int i = 0; i < n; i++) {
			if (!bad && !cli_parse_uint(v[i], 0, UINT64_MAX, &seeds[i])) {
				cli_error(cmd, "--seeds: '%s' is not a seed (a whole number)", v[i]);
				bad = true;
			}
			for (int k = 0; k < i && !bad; k++)
				if (seeds[k] == seeds[i]) {
					cli_error(cmd, "--seeds: %s given twice", v[i]);
					bad = true;
				}
			free(v[i]);
		}
		free(v);
		if (bad)
			goto out;
		nr_seeds = n;
	}
	if (!jobs) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		jobs = n > 0 ? (uint64_t)n : 1;
	}

	/* The output directory: DIR, or a DB path DIR/fragsim.db. */
	char dir[4096];
	size_t ol = strlen(out);
	if (ol > 3 && !strcmp(out + ol - 3, ".db")) {
		const char *slash = strrchr(out, '/');
		if (strcmp(slash ? slash + 1 : out, "fragsim.db")) {
			cli_error(cmd, "--out %s: a database path must be named fragsim.db (or give a directory)", out);
			goto out;
		}
		snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - out) : 1, slash ? out : ".");
	} else {
		snprintf(dir, sizeof dir, "%s", out);
	}

	/* The grid: point p's value of parameter k is vals[(p / stride_k) % nr_k], the last --param fastest. */
	point_sets = calloc((size_t)(nr_points * (nr_sp ? nr_sp : 1)), sizeof(char *));
	for (long long p = 0; p < nr_points; p++) {
		long long stride = 1;
		for (int k = nr_sp - 1; k >= 0; k--) {
			const char *v = sp[k].vals[(p / stride) % sp[k].nr];
			size_t len = strlen(sp[k].key) + strlen(v) + 2;
			char *kv = malloc(len);
			snprintf(kv, len, "%s=%s", sp[k].key, v);
			point_sets[p * nr_sp + k] = kv;
			stride *= sp[k].nr;
		}
	}

	/* Runs in seed-major order, so that each seed's configurations finish together. */
	int np = nr_pols ? nr_pols : 1;
	nr_jobs = (int)(nr_points * np * nr_seeds);
	js = calloc((size_t)nr_jobs, sizeof(*js));
	int idx = 0;
	for (int s = 0; s < nr_seeds; s++)
		for (long long p = 0; p < nr_points; p++)
			for (int q = 0; q < np; q++) {
				struct job *j = &js[idx++];
				*j = (struct job){ .policy = nr_pols ? pols[q] : NULL, .seed = seeds[s],
						   .point = (const char *const *)&point_sets[p * nr_sp],
						   .nr_point = (unsigned)nr_sp, .status = -1 };
				int n = snprintf(j->label, sizeof j->label, "%s", j->policy ? j->policy : "scenario");
				for (int k = 0; k < nr_sp; k++)
					n += snprintf(j->label + n, sizeof j->label - (size_t)n, "-%s", point_sets[p * nr_sp + k]);
				snprintf(j->label + n, sizeof j->label - (size_t)n, "-seed%llu", (unsigned long long)seeds[s]);
				for (char *c = j->label; *c; c++)
					if (*c == '/' || *c == ' ')
						*c = '_';
			}

	/* Every run's scenario resolves (a bad --set or --param value is refused before anything
	 * starts), and runs complete in an existing database are skipped. */
	char dbpath[4200];
	snprintf(dbpath, sizeof dbpath, "%s/fragsim.db", dir);
	if (!access(dbpath, F_OK) && sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		cli_error(cmd, "%s: %s", dbpath, sqlite3_errmsg(db));
		rc = 1;
		goto out;
	}
	if (db)
		sqlite3_busy_timeout(db, 10000);
	int nr_skipped = 0;
	for (int i = 0; i < nr_jobs; i++) {
		char err[2048];
		uint64_t h;
		if (job_hash(&js[i], scenario, sets, nr_sets, &h, err, sizeof err)) {
			cli_error(cmd, "%s", err);
			goto out;
		}
		if (done_before(db, h)) {
			js[i].skipped = true;
			js[i].status = 0;
			nr_skipped++;
		}
	}
	if (db) {
		sqlite3_close(db);
		db = NULL;
	}

	char logs[4200];
	snprintf(logs, sizeof logs, "%s/logs", dir);
	int e = cli_mkdir_p(logs);
	if (e) {
		cli_error(cmd, "cannot create %s: %s", logs, strerror(-e));
		rc = 1;
		goto out;
	}

	if (slurm) {
		rc = write_slurm(cmd, argc, argv, scenario, dir, js, nr_jobs, sets, nr_sets, submit, quiet);
		goto out;
	}

	struct sigaction sa = { .sa_handler = on_signal }, old_int, old_term;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);

	if (!quiet) {
		printf("%s: %s, ", cmd, scenario);
		if (nr_sp)
			printf("%lld grid point%s, ", nr_points, nr_points > 1 ? "s" : "");
		printf("policies %s, %d seed%s: %d runs", policies_arg ? policies_arg : "(the scenario's)", nr_seeds,
		       nr_seeds > 1 ? "s" : "", nr_jobs);
		if (nr_skipped)
			printf(" (%d complete already, skipped)", nr_skipped);
		printf(", %llu at a time, into %s\n", (unsigned long long)jobs, dbpath);
	}
	int next = 0, running = 0, done = nr_skipped, failed = 0;
	bool usage_abort = false, forwarded = false;
	double t_start = now_s();
	while (done < nr_jobs) {
		while (!stop_requested && !usage_abort && next < nr_jobs && running < (int)jobs) {
			if (js[next].skipped) {
				next++;
				continue;
			}
			if (start_job(&js[next], scenario, dir, sets, nr_sets)) {
				cli_error(cmd, "fork: %s", strerror(errno));
				stop_requested = SIGTERM;
				break;
			}
			next++;
			running++;
		}
		if (!running)
			break;
		if (stop_requested && !forwarded) {
			/* SIGINT/SIGTERM: each running child gets one SIGTERM and records itself interrupted. */
			for (int i = 0; i < next; i++)
				if (!js[i].skipped && js[i].status < 0 && js[i].pid > 0)
					kill(js[i].pid, SIGTERM);
			forwarded = true;
		}
		int st;
		pid_t pid = waitpid(-1, &st, 0);
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int i = 0; i < next; i++) {
			struct job *j = &js[i];
			if (j->skipped || j->pid != pid || j->status >= 0)
				continue;
			j->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
			running--;
			done++;
			if (j->status)
				failed++;
			if (!quiet || j->status) {
				printf("[%d/%d] %s: %s (%.1f s)\n", done, nr_jobs, j->label,
				       !j->status ? "complete"
				       : j->status == 130 || stop_requested ? "interrupted"
									     : "FAILED",
				       now_s() - j->t0);
				fflush(stdout);
			}
			if (j->status && !stop_requested) {
				fprintf(stderr, "fragsim %s: run %s exited with status %d; the end of %s/logs/%s.log:\n", cmd,
					j->label, j->status, dir, j->label);
				print_log_tail(dir, j);
				if (j->status == EXIT_USAGE) {
					/* The scenario or a --set is bad: every other run would fail the same way. */
					cli_error(cmd, "stopping: the scenario or a --set value was refused");
					usage_abort = true;
				}
			}
		}
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	if (!quiet)
		printf("%s: %d of %d runs complete (%d run now) in %.1f s\n", cmd, done - failed, nr_jobs,
		       done - failed - nr_skipped, now_s() - t_start);

	/* The table, on stdout and in DIR/table.txt (+ CSV). */
	char txt[4200], csv[4200], rep[4200];
	snprintf(txt, sizeof txt, "%s/table.txt", dir);
	snprintf(csv, sizeof csv, "%s/table.csv", dir);
	snprintf(rep, sizeof rep, "%s/report", dir);
	const char *python;
	int table_rc = 1;
	if (done - failed > 0 && !cli_python_env(cmd, &python)) {
		const char *targs[10];
		int k = 0;
		targs[k++] = python;
		targs[k++] = "-m";
		targs[k++] = "analysis.table";
		targs[k++] = dbpath;
		if (baseline) {
			targs[k++] = "--baseline";
			targs[k++] = baseline;
		}
		targs[k++] = "--csv";
		targs[k++] = csv;
		targs[k] = NULL;
		table_rc = run_child(python, targs, txt);
		if (!table_rc) {
			size_t len;
			char *t = cli_read_file(txt, &len);
			if (t) {
				printf("\n%s", t);
				free(t);
			}
		} else {
			cli_error(cmd, "the comparison table failed (python3 -m analysis.table %s)", dbpath);
		}
		if (report && !table_rc && !stop_requested) {
			const char *rargs[10];
			k = 0;
			rargs[k++] = "fragsim";
			rargs[k++] = "report";
			rargs[k++] = dbpath;
			rargs[k++] = "-o";
			rargs[k++] = rep;
			if (baseline) {
				rargs[k++] = "--baseline";
				rargs[k++] = baseline;
			}
			rargs[k++] = "--quiet";
			rargs[k] = NULL;
			if (run_child("/proc/self/exe", rargs, "/dev/null"))
				cli_error(cmd, "the report failed (fragsim report %s -o %s)", dbpath, rep);
			else
				printf("report: %s/index.html\n", rep);
		}
	}
	rc = usage_abort ? EXIT_USAGE : stop_requested ? 130 : failed || table_rc ? 1 : 0;
out:
	if (db)
		sqlite3_close(db);
	for (int i = 0; i < nr_pols; i++)
		free(pols[i]);
	free(pols);
	for (int k = 0; k < nr_sp; k++) {
		free(sp[k].key);
		for (int i = 0; i < sp[k].nr; i++)
			free(sp[k].vals[i]);
		free(sp[k].vals);
	}
	if (point_sets)
		for (long long i = 0; i < nr_points * nr_sp; i++)
			free(point_sets[i]);
	free(point_sets);
	free(sp);
	free(seeds);
	free(js);
	free(sets);
	return rc;
}

int cmd_compare(int argc, char **argv)
{
	return experiment(argc, argv, false);
}

int cmd_sweep(int argc, char **argv)
{
	return experiment(argc, argv, true);
}
