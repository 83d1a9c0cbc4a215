/* SPDX-License-Identifier: MIT */
/*
 * cmd_compare.c - `fragsim compare SCENARIO --policies A,B[,...] [--seeds N]
 * [--jobs J] [--out DIR|DB] [--set KEY=VALUE]... [--baseline P] [--no-report]
 * [--quiet]`: the A/B comparison (issue 8, item 1).
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
 * SIGINT/SIGTERM: no new run starts; the running children get the signal
 * (they record themselves as interrupted), compare waits for them, prints
 * the table of what completed and exits 130.
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
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "frag/policy.h"

#define MAX_SEEDS 10000

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	stop_requested = sig;
}

static int usage(FILE *f, int rc)
{
	fprintf(f,
		"usage: fragsim compare SCENARIO --policies A,B[,...] [--seeds N|S1,S2,...] [--jobs J]\n"
		"                       [--out DIR] [--set KEY=VALUE]... [--baseline P] [--no-report] [--quiet]\n"
		"Runs SCENARIO under every policy for every seed (seeds 1..N, default 3), J runs at a time\n"
		"(default: the number of online CPUs), into one database DIR/fragsim.db (default DIR:\n"
		"out/compare). Prints the comparison table (mean +- 95%% CI per policy, change against the\n"
		"first policy or --baseline, * = significant in a paired t-test across seeds), saves it as\n"
		"DIR/table.txt and DIR/table.csv, and writes the HTML report DIR/report/index.html.\n"
		"--set overrides scenario keys in every run, as in `fragsim run`.\n");
	return rc;
}

struct job {
	const char *policy;
	uint64_t seed;
	pid_t pid;
	double t0;
	int status;     /* -1 not run, else the child's exit status (128+sig if killed) */
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int mkdir_p(const char *path)
{
	char buf[4096];
	snprintf(buf, sizeof buf, "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(buf, 0777) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0777) && errno != EEXIST)
		return -errno;
	return 0;
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
	snprintf(log, sizeof log, "%s/logs/%s-seed%s.log", dir, j->policy, seed);
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		const char **args = calloc((size_t)(16 + 2 * nr_sets), sizeof(char *));
		int k = 0;
		args[k++] = "fragsim";
		args[k++] = "run";
		args[k++] = scenario;
		args[k++] = "--policy";
		args[k++] = j->policy;
		args[k++] = "--seed";
		args[k++] = seed;
		args[k++] = "--out";
		args[k++] = dir;
		args[k++] = "--no-progress";
		for (int i = 0; i < nr_sets; i++) {
			args[k++] = "--set";
			args[k++] = sets[i];
		}
		args[k] = NULL;
		execv("/proc/self/exe", (char *const *)args);
		fprintf(stderr, "fragsim compare: cannot run /proc/self/exe: %s\n", strerror(errno));
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
		fprintf(stderr, "fragsim compare: cannot run %s: %s\n", path, strerror(errno));
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
	snprintf(log, sizeof log, "%s/logs/%s-seed%llu.log", dir, j->policy, (unsigned long long)j->seed);
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

int cmd_compare(int argc, char **argv)
{
	const char *scenario = NULL, *policies_arg = NULL, *seeds_arg = "3", *out = "out/compare", *baseline = NULL;
	const char **sets = calloc((size_t)argc + 1, sizeof(char *));
	int nr_sets = 0;
	bool report = true, quiet = false;
	uint64_t jobs = 0;
	int rc = EXIT_USAGE;
	char **pols = NULL;
	int nr_pols = 0;
	uint64_t *seeds = NULL;
	int nr_seeds = 0;
	struct job *js = NULL;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool has_val = i + 1 < argc;
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			free(sets);
			return usage(stdout, 0);
		} else if (!strcmp(a, "--policies") || !strcmp(a, "--seeds") || !strcmp(a, "--jobs") ||
			   !strcmp(a, "--out") || !strcmp(a, "-o") || !strcmp(a, "--set") || !strcmp(a, "--baseline")) {
			if (!has_val) {
				cli_error("compare", "%s needs a value", a);
				goto out;
			}
			const char *v = argv[++i];
			if (!strcmp(a, "--policies"))
				policies_arg = v;
			else if (!strcmp(a, "--seeds"))
				seeds_arg = v;
			else if (!strcmp(a, "--jobs")) {
				if (!cli_parse_uint(v, 1, 4096, &jobs)) {
					cli_error("compare", "--jobs '%s': expected a whole number from 1 to 4096", v);
					goto out;
				}
			} else if (!strcmp(a, "--set"))
				sets[nr_sets++] = v;
			else if (!strcmp(a, "--baseline"))
				baseline = v;
			else
				out = v;
		} else if (!strcmp(a, "--no-report")) {
			report = false;
		} else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
			quiet = true;
		} else if (a[0] == '-') {
			cli_error("compare", "unknown option '%s'", a);
			usage(stderr, 0);
			goto out;
		} else if (!scenario) {
			scenario = a;
		} else {
			cli_error("compare", "more than one scenario given ('%s' and '%s')", scenario, a);
			goto out;
		}
	}
	if (!scenario || !policies_arg) {
		cli_error("compare", "%s", !scenario ? "no scenario given" : "no policies given (--policies A,B)");
		usage(stderr, 0);
		goto out;
	}
	if (access(scenario, R_OK)) {
		cli_error("compare", "%s: %s", scenario, strerror(errno));
		goto out;
	}

	/* Policies: known, no duplicates; the baseline one of them. */
	nr_pols = split_list(policies_arg, &pols);
	if (nr_pols < 0) {
		cli_error("compare", "--policies '%s': an empty name", policies_arg);
		nr_pols = 0;
		goto out;
	}
	for (int i = 0; i < nr_pols; i++) {
		if (!frag_policy_find(pols[i])) {
			cli_error("compare", "--policies: unknown policy '%s'; known policies:", pols[i]);
			for (unsigned k = 0; k < frag_policy_count(); k++)
				fprintf(stderr, "%s%s", k ? ", " : "", frag_policy_at(k)->name);
			fputc('\n', stderr);
			goto out;
		}
		for (int k = 0; k < i; k++)
			if (!strcmp(pols[k], pols[i])) {
				cli_error("compare", "--policies: '%s' given twice", pols[i]);
				goto out;
			}
	}
	if (baseline) {
		bool found = false;
		for (int i = 0; i < nr_pols; i++)
			found |= !strcmp(pols[i], baseline);
		if (!found) {
			cli_error("compare", "--baseline '%s' is not one of --policies %s", baseline, policies_arg);
			goto out;
		}
	} else {
		baseline = pols[0];
	}

	/* Seeds: N (1..N) or a list. */
	if (!strchr(seeds_arg, ',')) {
		uint64_t n;
		if (!cli_parse_uint(seeds_arg, 1, MAX_SEEDS, &n)) {
			cli_error("compare", "--seeds '%s': expected a count from 1 to %d or a list S1,S2,...", seeds_arg,
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
			cli_error("compare", "--seeds '%s': an empty item", seeds_arg);
			goto out;
		}
		seeds = calloc((size_t)n, sizeof(*seeds));
		bool bad = false;
		for (int i = 0; i < n; i++) {
			if (!bad && !cli_parse_uint(v[i], 0, UINT64_MAX, &seeds[i])) {
				cli_error("compare", "--seeds: '%s' is not a seed (a whole number)", v[i]);
				bad = true;
			}
			for (int k = 0; k < i && !bad; k++)
				if (seeds[k] == seeds[i]) {
					cli_error("compare", "--seeds: %s given twice", v[i]);
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
			cli_error("compare", "--out %s: a database path must be named fragsim.db (or give a directory)",
				  out);
			goto out;
		}
		snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - out) : 1, slash ? out : ".");
	} else {
		snprintf(dir, sizeof dir, "%s", out);
	}
	char logs[4200];
	snprintf(logs, sizeof logs, "%s/logs", dir);
	int e = mkdir_p(logs);
	if (e) {
		cli_error("compare", "cannot create %s: %s", logs, strerror(-e));
		rc = 1;
		goto out;
	}

	/* Pairs in seed-major order, so that each seed's policies finish together. */
	int nr_jobs = nr_pols * nr_seeds;
	js = calloc((size_t)nr_jobs, sizeof(*js));
	for (int s = 0; s < nr_seeds; s++)
		for (int p = 0; p < nr_pols; p++)
			js[s * nr_pols + p] = (struct job){ .policy = pols[p], .seed = seeds[s], .status = -1 };

	struct sigaction sa = { .sa_handler = on_signal }, old_int, old_term;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);

	if (!quiet)
		printf("compare: %s, policies %s, %d seed%s, %d runs, %llu at a time, into %s/fragsim.db\n", scenario,
		       policies_arg, nr_seeds, nr_seeds > 1 ? "s" : "", nr_jobs, (unsigned long long)jobs, dir);
	int next = 0, running = 0, done = 0, failed = 0;
	bool usage_abort = false;
	double t_start = now_s();
	while (done < nr_jobs) {
		while (!stop_requested && !usage_abort && next < nr_jobs && running < (int)jobs) {
			if (start_job(&js[next], scenario, dir, sets, nr_sets)) {
				cli_error("compare", "fork: %s", strerror(errno));
				stop_requested = SIGTERM;
				break;
			}
			next++;
			running++;
		}
		if (!running)
			break;
		int st;
		pid_t pid = waitpid(-1, &st, 0);
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int i = 0; i < next; i++) {
			struct job *j = &js[i];
			if (j->pid != pid || j->status >= 0)
				continue;
			j->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
			running--;
			done++;
			if (j->status)
				failed++;
			if (!quiet || j->status) {
				printf("[%d/%d] %s seed %llu: %s (%.1f s)\n", done, nr_jobs, j->policy,
				       (unsigned long long)j->seed,
				       !j->status ? "complete"
				       : j->status == 130 || stop_requested ? "interrupted"
									     : "FAILED",
				       now_s() - j->t0);
				fflush(stdout);
			}
			if (j->status && !stop_requested) {
				fprintf(stderr, "fragsim compare: run %s seed %llu exited with status %d; the end of "
						"%s/logs/%s-seed%llu.log:\n",
					j->policy, (unsigned long long)j->seed, j->status, dir, j->policy,
					(unsigned long long)j->seed);
				print_log_tail(dir, j);
				if (j->status == EXIT_USAGE) {
					/* The scenario or a --set is bad: every other run would fail the same way. */
					cli_error("compare", "stopping: the scenario or a --set value was refused");
					usage_abort = true;
				}
			}
		}
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	if (!quiet)
		printf("compare: %d of %d runs complete in %.1f s\n", done - failed, nr_jobs, now_s() - t_start);

	/* The table, on stdout and in DIR/table.txt (+ CSV). */
	char db[4200], txt[4200], csv[4200], rep[4200];
	snprintf(db, sizeof db, "%s/fragsim.db", dir);
	snprintf(txt, sizeof txt, "%s/table.txt", dir);
	snprintf(csv, sizeof csv, "%s/table.csv", dir);
	snprintf(rep, sizeof rep, "%s/report", dir);
	const char *python;
	int table_rc = 1;
	if (done - failed > 0 && !cli_python_env("compare", &python)) {
		const char *targs[] = { python, "-m", "analysis.table", db, "--baseline", baseline, "--csv", csv, NULL };
		table_rc = run_child(python, targs, txt);
		if (!table_rc) {
			size_t len;
			char *t = cli_read_file(txt, &len);
			if (t) {
				printf("\n%s", t);
				free(t);
			}
		} else {
			cli_error("compare", "the comparison table failed (python3 -m analysis.table %s)", db);
		}
		if (report && !table_rc && !stop_requested) {
			const char *rargs[] = { "fragsim", "report", db, "-o", rep, "--baseline", baseline, "--quiet", NULL };
			if (run_child("/proc/self/exe", rargs, NULL))
				cli_error("compare", "the report failed (fragsim report %s -o %s)", db, rep);
			else
				printf("report: %s/index.html\n", rep);
		}
	}
	rc = usage_abort ? EXIT_USAGE : stop_requested ? 130 : failed || table_rc ? 1 : 0;
out:
	for (int i = 0; i < nr_pols; i++)
		free(pols[i]);
	free(pols);
	free(seeds);
	free(js);
	free(sets);
	return rc;
}
