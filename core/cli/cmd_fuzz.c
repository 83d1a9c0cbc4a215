/* SPDX-License-Identifier: MIT */
/*
 * cmd_fuzz.c - `fragsim fuzz`, the policy fuzzer (issue 9, item 3).
 *
 * fuzz [--time S] [--seed N] [--events N] [--policies LIST] [--out DIR]
 *      [--iterations N] [--timeout S] [--check N]
 * fuzz --replay FILE [--check N] [--timeout S]
 *
 * Each iteration draws a scenario from (seed, iteration): a machine (64 MiB
 * to a few GiB, pc or flat layout, so DMA/DMA32/Normal zones, sometimes a
 * Movable zone, holes, 1-4 NUMA nodes, sometimes whole 1 GiB SPBs in
 * ZONE_NORMAL), a mix of 1-5 workload instances of the registered types,
 * one of the policies, and values within the declared bounds of the
 * parameter tables (policy, workload, sysctl and thp tables, struct
 * frag_param: the same tables the loader validates against). The run is
 * bounded by engine.max_ops (--events) and runs with check_every = --check
 * (default 1: frag_mem_consistent() after every operation; it aborts on a
 * violation), then frag_mem_conserved() at the end. Each scenario runs
 * twice, each time in a child process (SimGrid is one per process):
 * the two final state hashes (frag_mem_hash()) must be equal.
 *
 * A failure is: a child killed by a signal (an invariant abort, a crash),
 * a child still running after --timeout (a hang), a run whose status is
 * not complete (a sink-less run fails only on a model error: conservation,
 * a workload freeing what it does not hold, a deadlock), or two replays
 * with different hashes. A scenario the loader or the machine builder
 * refuses (exit 2) is counted as refused, not as a failure.
 *
 * On a failure the scenario is shrunk by greedy delta debugging (drop
 * workloads, halve the duration and the operation bound, halve the
 * memory, fewer nodes and CPUs, drop holes and the Movable zone, the linux
 * policy, parameters back to their defaults), each step kept only if the
 * same kind of failure remains. DIR/fail-SEED-ITER/ then holds
 * original.yaml, minimal.yaml and README.txt (the seed, the failure and the
 * commands that reproduce it); fuzz exits 1. Deterministic given --seed:
 * iteration I always draws the same scenario; --time only decides how many
 * iterations run. See docs/fuzzing.md.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../util/rng.h"
#include "cli.h"
#include "frag/param.h"
#include "frag/policy.h"
#include "frag/scenario.h"
#include "frag/sim.h"
#include "frag/workload.h"

extern const struct frag_param frag_sysctl_params[];

#define FZ_MAX_KV 40
#define FZ_MAX_WL 6
#define FZ_MAX_HOLES 4
#define FZ_MIB (1024ull * 1024)
#define FUZZ_EVENTS_PER_OP 16   /* engine.max_events per engine.max_ops in a drawn scenario */

struct fz_kv {
	char key[64];
	char val[128];
};

struct fz_wl {
	char name[16];
	const struct frag_workload_ops *ops;
	char cpus[32];
	uint64_t start_ms;          /* 0 = from the start */
	uint64_t stop_ms;           /* 0 = never */
	unsigned nr;
	struct fz_kv kv[FZ_MAX_KV];
};

struct fz_hole {
	uint64_t start, end;        /* pfns, end exclusive */
	bool absent;
};

/* One drawn scenario, in the form the shrinker edits. */
struct fz_case {
	uint64_t seed;
	uint64_t duration_ms;
	uint64_t max_ops;           /* engine.max_ops; engine.max_events is FUZZ_EVENTS_PER_OP times it */
	uint64_t memory_mib;
	unsigned nodes, cpus;
	bool flat;
	uint64_t movable_mib;       /* per node */
	uint64_t swap_mib;
	unsigned nr_holes;
	struct fz_hole holes[FZ_MAX_HOLES];
	const struct frag_policy_ops *policy;
	unsigned nr_pkv, nr_sys, nr_thp;
	struct fz_kv pkv[FZ_MAX_KV], sys[FZ_MAX_KV], thp[FZ_MAX_KV];
	unsigned nr_wl;
	struct fz_wl wl[FZ_MAX_WL];
};

/* What one check of a scenario found. */
enum fz_verdict { FZ_OK, FZ_REFUSED, FZ_FAIL };

struct fz_result {
	enum fz_verdict verdict;
	char kind[64];              /* "invariant", "crash (signal 11)", "hang", "failed", "nondeterministic" */
	char msg[512];              /* the message: the child's last stderr line, the run's message */
	unsigned runs;              /* child processes started */
};

struct fz_opts {
	const char *exe;            /* this fragsim */
	const char *work;           /* DIR/work: the scenario under test and the children's stderr */
	unsigned check;             /* check_every of the children */
	unsigned timeout;           /* seconds a child may run */
};

static volatile sig_atomic_t fz_stop;

static void fz_on_signal(int sig)
{
	fz_stop = sig;
}

static double fz_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* ---------------------------------------------------------------------- */
/* Drawing a scenario                                                     */
/* ---------------------------------------------------------------------- */

static uint64_t rnd_range(struct frag_rng *r, uint64_t lo, uint64_t hi)
{
	return hi <= lo ? lo : lo + frag_rng_below(r, hi - lo + 1);
}

static bool chance(struct frag_rng *r, unsigned percent)
{
	return frag_rng_below(r, 100) < percent;
}

/* Log-uniform in [lo, hi] (lo > 0), uniform when the range is narrow. */
static double rnd_log(struct frag_rng *r, double lo, double hi)
{
	if (hi <= lo)
		return lo;
	if (lo <= 0)
		lo = hi > 1 ? 1 : hi / 1000;
	if (hi / lo < 10)
		return lo + (hi - lo) * frag_rng_double(r);
	return exp(log(lo) + (log(hi) - log(lo)) * frag_rng_double(r));
}

/*
 * The top of the range a random value is drawn from (the declared maximum
 * is also drawn, rarely): bounds of some parameters are absurd on purpose
 * (a 10 TB process on a 256 MiB machine); most draws stay where the
 * machine can do something with the value.
 */
static double soft_max(const struct frag_param *p, const struct fz_case *c)
{
	double cap = 1e6;
	const char *u = p->unit ? p->unit : "";
	if (!strcmp(u, "bytes") || !strcmp(u, "KiB"))
		cap = (double)c->memory_mib * FZ_MIB / (!strcmp(u, "KiB") ? 1024 : 32);
	else if (!strcmp(u, "pages"))
		cap = (double)c->memory_mib * 256 / 32;
	else if (!strcmp(u, "ns"))
		cap = 1e9;
	else if (p->type == PARAM_DURATION)
		cap = 1.0;
	else if (!strcmp(u, "processes"))
		cap = 4;
	else if (!strcmp(u, "pageblocks"))
		cap = 256;
	return p->max < cap ? p->max : cap;
}

/* Format a number for @p: integers for integer types, %.17g otherwise. */
static void fmt_num(const struct frag_param *p, double v, char *buf, size_t len)
{
	if (v < p->min)
		v = p->min;
	if (v > p->max)
		v = p->max;
	if (p->type == PARAM_DOUBLE || p->type == PARAM_DURATION)
		snprintf(buf, len, "%.17g", v);
	else
		snprintf(buf, len, "%.0f", floor(v) < p->min ? ceil(v) : floor(v));
}

/* A distribution within @p's bounds, in its unit ("ns": durations as ns, "bytes": bytes). */
static void rnd_dist(struct frag_rng *r, const struct frag_param *p, const struct fz_case *c, char *buf, size_t len)
{
	double lo = p->min > 1 ? p->min : 1, hi = soft_max(p, c);
	double a = floor(rnd_log(r, lo, hi)), b = floor(rnd_log(r, a, hi));
	const char *sfx = !strcmp(p->unit, "ns") ? "ns" : "";
	switch (frag_rng_below(r, 4)) {
	case 0:
		snprintf(buf, len, "fixed(%.0f%s)", a, sfx);
		break;
	case 1:
		snprintf(buf, len, "exp(%.0f%s)", a, sfx);
		break;
	case 2:
		snprintf(buf, len, "uniform(%.0f%s, %.0f%s)", a, sfx, b, sfx);
		break;
	default:
		snprintf(buf, len, "lognormal(%.0f%s, %.2f)", a, sfx, 0.2 + 1.8 * frag_rng_double(r));
		break;
	}
}

/*
 * A value for @p: its minimum (5 %), its maximum (3 %), else a draw below
 * soft_max(). Returns false for types it does not draw (strings).
 */
static bool rnd_value(struct frag_rng *r, const struct frag_param *p, const struct fz_case *c, char *buf, size_t len)
{
	unsigned k = (unsigned)frag_rng_below(r, 100);
	switch (p->type) {
	case PARAM_BOOL:
		snprintf(buf, len, "%s", chance(r, 50) ? "true" : "false");
		return true;
	case PARAM_ENUM: {
		unsigned n = 0;
		while (p->choices[n])
			n++;
		snprintf(buf, len, "%s", p->choices[frag_rng_below(r, n)]);
		return true;
	}
	case PARAM_STRING:
		return false;
	case PARAM_DIST:
		rnd_dist(r, p, c, buf, len);
		return true;
	default:
		break;
	}
	double v;
	if (k < 5)
		v = p->min;
	else if (k < 8)
		v = p->max;
	else if (p->type == PARAM_DOUBLE && p->max <= 1.0)
		v = p->min + (p->max - p->min) * frag_rng_double(r);
	else
		v = rnd_log(r, p->min, soft_max(p, c));
	fmt_num(p, v, buf, len);
	return true;
}

/* Random values for a random subset (@percent each) of @params. */
static unsigned rnd_params(struct frag_rng *r, const struct frag_param *params, const struct fz_case *c,
			   unsigned percent, struct fz_kv *kv, unsigned max)
{
	unsigned n = 0;
	for (const struct frag_param *p = params; p && p->name && n < max; p++) {
		if (!chance(r, percent))
			continue;
		if (!strcmp(p->name, "mthp_orders")) {
			/* A bitmask of orders 2..8 (the loader refines the table's bounds). */
			snprintf(kv[n].val, sizeof kv[n].val, "%llu", (unsigned long long)(frag_rng_below(r, 128) << 2));
			snprintf(kv[n].key, sizeof kv[n].key, "%s", p->name);
			n++;
			continue;
		}
		if (rnd_value(r, p, c, kv[n].val, sizeof kv[n].val)) {
			if (!strcmp(p->name, "min_free_kbytes") && atof(kv[n].val) < 128)
				snprintf(kv[n].val, sizeof kv[n].val, "0");   /* 0 (computed) or 128..2^30 */
			snprintf(kv[n].key, sizeof kv[n].key, "%s", p->name);
			n++;
		}
	}
	return n;
}

static void draw_case(struct fz_case *c, uint64_t seed, uint64_t iter, const struct frag_policy_ops *const *pols,
		      unsigned nr_pols, uint64_t events)
{
	struct frag_rng r;
	frag_rng_seed(&r, seed, iter + 1);
	memset(c, 0, sizeof(*c));
	c->seed = rnd_range(&r, 1, 1000000);
	c->duration_ms = (uint64_t)rnd_log(&r, 50, 20000);

	/* The machine: tiny, small, a few GiB, or whole SPBs above 4 GiB. */
	unsigned shape = (unsigned)frag_rng_below(&r, 100);
	c->flat = chance(&r, 50);
	if (shape < 45)
		c->memory_mib = rnd_range(&r, 64, 256);
	else if (shape < 80)
		c->memory_mib = rnd_range(&r, 256, 1024);
	else if (shape < 92)
		c->memory_mib = rnd_range(&r, 1024, 3072);
	else
		c->memory_mib = 4096 + 1024 * rnd_range(&r, 1, 2);   /* 1-2 SPBs in ZONE_NORMAL */
	c->memory_mib &= ~1ull;
	/* Every check walks the whole machine: the operation bound shrinks with the size, so that
	 * each run does about the same checking work (events operations on 512 MiB). */
	c->max_ops = c->memory_mib <= 512 ? events : events * 512 / c->memory_mib;
	if (!c->max_ops)
		c->max_ops = 1;
	unsigned k = (unsigned)frag_rng_below(&r, 10);
	c->nodes = k < 6 ? 1 : k < 9 ? 2 : 4;
	while (c->nodes > 1 && c->memory_mib / c->nodes < 128)
		c->nodes /= 2;
	c->cpus = (unsigned)rnd_range(&r, c->nodes, 8);
	if (chance(&r, 25))
		c->movable_mib = (c->memory_mib / c->nodes) * rnd_range(&r, 10, 50) / 100 & ~1ull;
	if (chance(&r, 20))
		c->swap_mib = rnd_range(&r, 16, c->memory_mib);
	if (chance(&r, 35)) {
		/* Disjoint holes, ascending, above the first MiB. */
		uint64_t pages = c->memory_mib * 256, at = 256;
		unsigned n = (unsigned)rnd_range(&r, 1, FZ_MAX_HOLES);
		for (unsigned i = 0; i < n && at + 2 < pages; i++) {
			uint64_t start = at + frag_rng_below(&r, (pages - at) / (n - i));
			uint64_t len = (uint64_t)rnd_log(&r, 1, 8192);
			if (start + len > pages)
				break;
			c->holes[c->nr_holes++] = (struct fz_hole){ start, start + len, chance(&r, 50) };
			at = start + len + 1;
		}
	}

	c->policy = pols[frag_rng_below(&r, nr_pols)];
	c->nr_pkv = rnd_params(&r, c->policy->params, c, 50, c->pkv, FZ_MAX_KV);
	c->nr_sys = rnd_params(&r, frag_sysctl_params, c, 15, c->sys, FZ_MAX_KV);
	/* sysctl.thp_enabled must agree with thp.enabled: the thp block only. */
	for (unsigned i = 0; i < c->nr_sys; i++)
		if (!strcmp(c->sys[i].key, "thp_enabled"))
			c->sys[i--] = c->sys[--c->nr_sys];
	c->nr_thp = rnd_params(&r, frag_thp_params, c, 40, c->thp, FZ_MAX_KV);

	c->nr_wl = (unsigned)rnd_range(&r, 1, 5);
	for (unsigned i = 0; i < c->nr_wl; i++) {
		struct fz_wl *w = &c->wl[i];
		snprintf(w->name, sizeof w->name, "w%u", i);
		w->ops = frag_workload_at((unsigned)frag_rng_below(&r, frag_workload_count()));
		unsigned m = (unsigned)frag_rng_below(&r, 10);
		if (m < 7)
			snprintf(w->cpus, sizeof w->cpus, "all");
		else if (m < 9)
			snprintf(w->cpus, sizeof w->cpus, "%llu", (unsigned long long)frag_rng_below(&r, c->cpus));
		else
			snprintf(w->cpus, sizeof w->cpus, "0-%llu", (unsigned long long)frag_rng_below(&r, c->cpus));
		if (chance(&r, 20))
			w->start_ms = rnd_range(&r, 0, c->duration_ms / 2);
		if (chance(&r, 20))
			w->stop_ms = rnd_range(&r, w->start_ms + 1, c->duration_ms);
		w->nr = rnd_params(&r, w->ops->params, c, 40, w->kv, FZ_MAX_KV);
	}
}

/* ---------------------------------------------------------------------- */
/* Writing it                                                             */
/* ---------------------------------------------------------------------- */

/* A YAML scalar: quoted when it holds a flow indicator (uniform(a, b)). */
static void put_val(FILE *f, const char *v)
{
	if (strpbrk(v, ",:{}[]#&*!|>'\"%@`"))
		fprintf(f, "\"%s\"", v);
	else
		fputs(v, f);
}

static void put_block(FILE *f, const char *indent, const struct fz_kv *kv, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		fprintf(f, "%s%s: ", indent, kv[i].key);
		put_val(f, kv[i].val);
		fputc('\n', f);
	}
}

static int write_case(const struct fz_case *c, const char *path, const char *header)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -errno;
	if (header)
		fputs(header, f);
	fprintf(f, "name: fuzz\nduration: %llums\nseed: %llu\nsample_period: %llums\n",
		(unsigned long long)c->duration_ms, (unsigned long long)c->seed,
		(unsigned long long)(c->duration_ms > 1 ? c->duration_ms / 2 : 1));
	/* Events bound too (16 per operation): a storm of events that allocate nothing, such as arrivals
	 * dropped at max_procs, never moves max_ops. */
	fprintf(f, "engine:\n  max_ops: %llu\n  max_events: %llu\n", (unsigned long long)c->max_ops,
		(unsigned long long)c->max_ops * FUZZ_EVENTS_PER_OP);
	fprintf(f, "machine:\n  memory: %lluM\n  nodes: %u\n  cpus: %u\n  layout: %s\n",
		(unsigned long long)c->memory_mib, c->nodes, c->cpus, c->flat ? "flat" : "pc");
	if (c->movable_mib)
		fprintf(f, "  movable: %lluM\n", (unsigned long long)c->movable_mib);
	if (c->swap_mib)
		fprintf(f, "  swap: %lluM\n", (unsigned long long)c->swap_mib);
	if (c->nr_holes) {
		fprintf(f, "  holes:\n");
		for (unsigned i = 0; i < c->nr_holes; i++)
			fprintf(f, "    - {start: %#llx, end: %#llx, kind: %s}\n", (unsigned long long)c->holes[i].start,
				(unsigned long long)c->holes[i].end, c->holes[i].absent ? "absent" : "reserved");
	}
	if (c->nr_sys) {
		fprintf(f, "sysctl:\n");
		put_block(f, "  ", c->sys, c->nr_sys);
	}
	if (c->nr_thp) {
		fprintf(f, "thp:\n");
		put_block(f, "  ", c->thp, c->nr_thp);
	}
	fprintf(f, "policy:\n  name: %s\n", c->policy->name);
	if (c->nr_pkv) {
		fprintf(f, "  %s:\n", c->policy->name);
		put_block(f, "    ", c->pkv, c->nr_pkv);
	}
	fprintf(f, "workloads:\n");
	for (unsigned i = 0; i < c->nr_wl; i++) {
		const struct fz_wl *w = &c->wl[i];
		fprintf(f, "  %s:\n    type: %s\n    cpus: \"%s\"\n", w->name, w->ops->name, w->cpus);
		if (w->start_ms)
			fprintf(f, "    start: %llums\n", (unsigned long long)w->start_ms);
		if (w->stop_ms)
			fprintf(f, "    stop: %llums\n", (unsigned long long)w->stop_ms);
		put_block(f, "    ", w->kv, w->nr);
	}
	return fclose(f) ? -errno : 0;
}

/* ---------------------------------------------------------------------- */
/* Checking it                                                            */
/* ---------------------------------------------------------------------- */

/* Warnings a sanitizer build prints when a SimGrid context switches stacks
 * (ASan's __asan_handle_no_return notice): not the child's own last word. */
static bool sanitizer_noise(const char *line)
{
	return !strncmp(line, "==", 2) || !strcmp(line, "False positive error reports may follow") ||
	       !strncmp(line, "For details see https://github.com/google/sanitizers/", 53);
}

/* The last non-empty line of @path into @buf (sanitizer notices skipped). */
static void last_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	buf[0] = 0;
	if (!f)
		return;
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = 0;
		if (line[0] && !sanitizer_noise(line))
			cli_copy_msg(buf, len, line);
	}
	fclose(f);
}

/*
 * One child: `fragsim fuzz --exec FILE --check N`, stdout read back
 * ("status: S", "hash: H", "message: M"), stderr to WORK/stderr.txt, killed
 * by SIGALRM after the timeout. Returns the verdict of this one run.
 */
static enum fz_verdict exec_one(const struct fz_opts *o, const char *file, uint64_t *hash, struct fz_result *res)
{
	char errf[4200], outf[4200], check[16];
	snprintf(errf, sizeof errf, "%s/stderr.txt", o->work);
	snprintf(outf, sizeof outf, "%s/stdout.txt", o->work);
	snprintf(check, sizeof check, "%u", o->check);
	res->runs++;
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(res->kind, sizeof res->kind, "fork");
		snprintf(res->msg, sizeof res->msg, "fork: %s", strerror(errno));
		return FZ_FAIL;
	}
	if (pid == 0) {
		int fo = open(outf, O_WRONLY | O_CREAT | O_TRUNC, 0666), fe = open(errf, O_WRONLY | O_CREAT | O_TRUNC, 0666);
		if (fo >= 0)
			dup2(fo, 1);
		if (fe >= 0)
			dup2(fe, 2);
		signal(SIGINT, SIG_IGN);   /* the parent decides when to stop */
		alarm(o->timeout);
		execl(o->exe, "fragsim", "fuzz", "--exec", file, "--check", check, (char *)NULL);
		_exit(127);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			break;
	char err_line[512];
	last_line(errf, err_line, sizeof err_line);
	if (WIFSIGNALED(st)) {
		int sig = WTERMSIG(st);
		if (sig == SIGALRM)
			snprintf(res->kind, sizeof res->kind, "hang");
		else if (sig == SIGABRT && strstr(err_line, "invariant violated"))
			snprintf(res->kind, sizeof res->kind, "invariant");
		else
			snprintf(res->kind, sizeof res->kind, "crash (signal %d, %s)", sig, strsignal(sig));
		snprintf(res->msg, sizeof res->msg, "%s", sig == SIGALRM ? "no end within the timeout" : err_line);
		return FZ_FAIL;
	}
	int code = WIFEXITED(st) ? WEXITSTATUS(st) : 1;
	if (code == EXIT_USAGE) {
		cli_copy_msg(res->msg, sizeof res->msg, err_line);
		return FZ_REFUSED;
	}
	FILE *f = fopen(outf, "r");
	char line[1024], status[64] = "";
	res->msg[0] = 0;
	while (f && fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = 0;
		if (!strncmp(line, "status: ", 8))
			cli_copy_msg(status, sizeof status, line + 8);
		else if (!strncmp(line, "hash: ", 6))
			*hash = strtoull(line + 6, NULL, 16);
		else if (!strncmp(line, "message: ", 9))
			cli_copy_msg(res->msg, sizeof res->msg, line + 9);
	}
	if (f)
		fclose(f);
	if (code || strcmp(status, "complete")) {
		snprintf(res->kind, sizeof res->kind, "failed");
		if (!res->msg[0])
			snprintf(res->msg, sizeof res->msg, "exit %d, status '%s': %s", code, status, err_line);
		return FZ_FAIL;
	}
	return FZ_OK;
}

/* Check @file: run it twice; the same final state both times. */
static void check_file(const struct fz_opts *o, const char *file, struct fz_result *res)
{
	uint64_t h1 = 0, h2 = 0;
	res->verdict = exec_one(o, file, &h1, res);
	if (res->verdict != FZ_OK)
		return;
	res->verdict = exec_one(o, file, &h2, res);
	if (res->verdict == FZ_OK && h1 != h2) {
		res->verdict = FZ_FAIL;
		snprintf(res->kind, sizeof res->kind, "nondeterministic");
		snprintf(res->msg, sizeof res->msg, "two runs of the same scenario end in states %016llx and %016llx",
			 (unsigned long long)h1, (unsigned long long)h2);
	}
}

static void check_case(const struct fz_opts *o, const struct fz_case *c, struct fz_result *res)
{
	char file[4200];
	snprintf(file, sizeof file, "%s/current.yaml", o->work);
	if (write_case(c, file, NULL)) {
		res->verdict = FZ_FAIL;
		char m[4400];
		snprintf(res->kind, sizeof res->kind, "io");
		snprintf(m, sizeof m, "%s: %s", file, strerror(errno));
		cli_copy_msg(res->msg, sizeof res->msg, m);
		return;
	}
	check_file(o, file, res);
}

/*
 * A scenario the loader refused, repaired from its message: the values of
 * the workload it names back to their defaults (then the workload dropped),
 * the sysctl/thp/policy key it names dropped. false when the message names
 * nothing to repair. Deterministic: the message depends on the scenario only.
 */
static bool repair_case(struct fz_case *c, const char *msg)
{
	const char *w = strstr(msg, "workload w");
	if (w) {
		unsigned i = (unsigned)atoi(w + 10);
		for (unsigned k = 0; k < c->nr_wl; k++) {
			if (strcmp(c->wl[k].name, "") && (unsigned)atoi(c->wl[k].name + 1) == i) {
				if (c->wl[k].nr) {
					c->wl[k].nr = 0;
				} else if (c->nr_wl > 1) {
					memmove(&c->wl[k], &c->wl[k + 1], (c->nr_wl - k - 1) * sizeof(c->wl[0]));
					c->nr_wl--;
				} else {
					return false;
				}
				return true;
			}
		}
		return false;
	}
	struct {
		const char *prefix;
		struct fz_kv *kv;
		unsigned *n;
	} blocks[] = { { "sysctl.", c->sys, &c->nr_sys }, { "key thp.", c->thp, &c->nr_thp },
		       { "key policy.", c->pkv, &c->nr_pkv } };
	for (unsigned b = 0; b < sizeof blocks / sizeof blocks[0]; b++) {
		const char *k = strstr(msg, blocks[b].prefix);
		if (!k || !*blocks[b].n)
			continue;
		k += strlen(blocks[b].prefix);
		if (b == 2) {   /* key policy.NAME.PARAM */
			const char *dot = strchr(k, '.');
			k = dot ? dot + 1 : k;
		}
		for (unsigned i = 0; i < *blocks[b].n; i++) {
			size_t len = strlen(blocks[b].kv[i].key);
			if (!strncmp(k, blocks[b].kv[i].key, len) && !isalnum((unsigned char)k[len]) && k[len] != '_') {
				memmove(&blocks[b].kv[i], &blocks[b].kv[i + 1], (*blocks[b].n - i - 1) * sizeof(struct fz_kv));
				(*blocks[b].n)--;
				return true;
			}
		}
		if (b == 2) {   /* a policy key not found by name: every policy value back to its default */
			*blocks[b].n = 0;
			return true;
		}
	}
	if (strstr(msg, "policy") && c->nr_pkv) {   /* the policy's init() refused its options */
		c->nr_pkv = 0;
		return true;
	}
	return false;
}

/* ---------------------------------------------------------------------- */
/* Shrinking                                                              */
/* ---------------------------------------------------------------------- */

struct shrink {
	const struct fz_opts *o;
	const char *kind;           /* the failure to keep */
	struct fz_case best;
	unsigned tries, max_tries;
	double deadline;
};

/* Keep @cand if it still fails the same way. */
static bool try_case(struct shrink *s, const struct fz_case *cand)
{
	if (s->tries >= s->max_tries || fz_now() > s->deadline || fz_stop)
		return false;
	s->tries++;
	struct fz_result r = { 0 };
	check_case(s->o, cand, &r);
	if (r.verdict != FZ_FAIL || strcmp(r.kind, s->kind))
		return false;
	s->best = *cand;
	return true;
}

static void drop_kv(struct fz_kv *kv, unsigned *n, unsigned i)
{
	memmove(&kv[i], &kv[i + 1], (*n - i - 1) * sizeof(*kv));
	(*n)--;
}

/* Try to drop each entry of a parameter list (back to its default). */
#define SHRINK_LIST(s, field_kv, field_n)                                  \
	do {                                                               \
		for (unsigned i_ = 0; i_ < (s)->best.field_n;) {           \
			struct fz_case c_ = (s)->best;                     \
			drop_kv(c_.field_kv, &c_.field_n, i_);             \
			if (!try_case((s), &c_))                           \
				i_++;                                      \
		}                                                          \
	} while (0)

/* Greedy delta debugging: passes over every kind of reduction until none helps. */
static void shrink_case(struct shrink *s)
{
	for (unsigned pass = 0; pass < 4; pass++) {
		unsigned before = s->tries;
		struct fz_case start = s->best, c;
		/* Workloads: drop one at a time. */
		for (unsigned i = 0; i < s->best.nr_wl && s->best.nr_wl > 1;) {
			c = s->best;
			memmove(&c.wl[i], &c.wl[i + 1], (c.nr_wl - i - 1) * sizeof(c.wl[0]));
			c.nr_wl--;
			if (!try_case(s, &c))
				i++;
		}
		/* Duration and the operation bound: halve while it still fails. */
		for (c = s->best; c.duration_ms > 10; c = s->best) {
			c.duration_ms /= 2;
			for (unsigned i = 0; i < c.nr_wl; i++) {
				c.wl[i].start_ms = c.wl[i].start_ms < c.duration_ms ? c.wl[i].start_ms : 0;
				c.wl[i].stop_ms = c.wl[i].stop_ms <= c.duration_ms && c.wl[i].stop_ms > c.wl[i].start_ms ?
							  c.wl[i].stop_ms : 0;
			}
			if (!try_case(s, &c))
				break;
		}
		for (c = s->best; c.max_ops > 1; c = s->best) {
			c.max_ops /= 2;
			if (!try_case(s, &c))
				break;
		}
		/* The machine. */
		c = s->best;
		if (c.policy != frag_policy_find("linux") && frag_policy_find("linux")) {
			c.policy = frag_policy_find("linux");
			c.nr_pkv = 0;
			try_case(s, &c);
		}
		if (s->best.nodes > 1) {
			c = s->best;
			c.nodes = 1;
			try_case(s, &c);
		}
		for (c = s->best; c.memory_mib / 2 >= 64 * (uint64_t)c.nodes; c = s->best) {
			c.memory_mib = (c.memory_mib / 2) & ~1ull;
			c.movable_mib = c.movable_mib / 2 & ~1ull;
			if (!try_case(s, &c))
				break;
		}
		for (c = s->best; c.cpus > c.nodes; c = s->best) {
			c.cpus = c.cpus / 2 > c.nodes ? c.cpus / 2 : c.nodes;
			if (!try_case(s, &c))
				break;
		}
		if (s->best.movable_mib) {
			c = s->best;
			c.movable_mib = 0;
			try_case(s, &c);
		}
		if (s->best.swap_mib) {
			c = s->best;
			c.swap_mib = 0;
			try_case(s, &c);
		}
		for (unsigned i = 0; i < s->best.nr_holes;) {
			c = s->best;
			memmove(&c.holes[i], &c.holes[i + 1], (c.nr_holes - i - 1) * sizeof(c.holes[0]));
			c.nr_holes--;
			if (!try_case(s, &c))
				i++;
		}
		/* Parameters back to their defaults. */
		SHRINK_LIST(s, pkv, nr_pkv);
		SHRINK_LIST(s, sys, nr_sys);
		SHRINK_LIST(s, thp, nr_thp);
		for (unsigned w = 0; w < s->best.nr_wl; w++) {
			SHRINK_LIST(s, wl[w].kv, wl[w].nr);
			c = s->best;
			if (c.wl[w].start_ms || c.wl[w].stop_ms || strcmp(c.wl[w].cpus, "all")) {
				c.wl[w].start_ms = c.wl[w].stop_ms = 0;
				snprintf(c.wl[w].cpus, sizeof c.wl[w].cpus, "all");
				try_case(s, &c);
			}
		}
		if (s->tries == before || !memcmp(&start, &s->best, sizeof start))
			break;
	}
}

/* ---------------------------------------------------------------------- */
/* The command                                                            */
/* ---------------------------------------------------------------------- */

static int usage(FILE *f, int rc)
{
	fprintf(f,
		"usage: fragsim fuzz [--time SECONDS] [--seed N] [--events N] [--policies LIST] [--out DIR]\n"
		"                    [--iterations N] [--timeout SECONDS] [--check N] [--verbose]\n"
		"       fragsim fuzz --replay SCENARIO [--check N] [--timeout SECONDS]\n"
		"Policy fuzzer: random machines (sizes, DMA32/Normal/Movable zones, holes, NUMA nodes, whole SPBs),\n"
		"random workload mixes and parameter values within the declared bounds, each run for at most\n"
		"--events allocations + frees (default 4000; scaled down above 512 MiB) with every invariant checked every --check\n"
		"operations (default 1), page conservation at the end and a replay that must end in the same\n"
		"state. Runs until --time (default 60 s) or --iterations; deterministic given --seed (default 1);\n"
		"--policies (default: all) limits the policies drawn. On a failure: shrinks the scenario and\n"
		"writes DIR/fail-SEED-ITER/{original,minimal}.yaml and README.txt (DIR: out/fuzz), exit 1.\n"
		"--replay runs the same checks on one scenario file (exit 0 clean, 1 failure, 2 refused).\n"
		"docs/fuzzing.md describes it.\n");
	return rc;
}

/* `fuzz --exec FILE --check N`: one run in this process, no sinks; prints status, hash and message. */
static int exec_mode(const char *path, unsigned check)
{
	char err[2048];
	struct frag_scenario *sc;
	struct frag_config cfg;
	struct frag_hole *holes;
	if (cli_scenario_open("fuzz", path, NULL, 0, &sc, &cfg, &holes))
		return EXIT_USAGE;
	struct frag_sim_opts o = { .check_every = check, .state_hash = true };
	struct frag_sim_result res;
	int ret = frag_sim_run(sc, &cfg, &o, &res, err, sizeof err);
	int rc;
	if (ret && !res.status[0]) {
		cli_error("fuzz", "%s", err);
		rc = ret == -EINVAL ? EXIT_USAGE : 1;
	} else {
		printf("status: %s\nhash: %016llx\nmessage: %s\nsim_ops: %.0f\n", res.status,
		       (unsigned long long)res.state_hash, res.message,
		       frag_sim_metric(&res, "sim_allocs") + frag_sim_metric(&res, "sim_frees"));
		rc = !ret && !strcmp(res.status, "complete") ? 0 : 1;
		frag_sim_result_free(&res);
	}
	free(holes);
	frag_scenario_free(sc);
	return rc;
}

static unsigned case_workloads(const struct fz_case *c)
{
	return c->nr_wl;
}

/* Write the failure's directory: original.yaml, minimal.yaml, README.txt. */
static int report_failure(const char *out, uint64_t seed, uint64_t iter, const struct fz_case *orig,
			  const struct fz_case *min, const struct fz_result *r, const char *cmdline, unsigned check)
{
	char dir[4200], path[4400], header[2048];
	snprintf(dir, sizeof dir, "%s/fail-%llu-%llu", out, (unsigned long long)seed, (unsigned long long)iter);
	if (cli_mkdir_p(dir)) {
		cli_error("fuzz", "cannot create %s: %s", dir, strerror(errno));
		return -1;
	}
	snprintf(header, sizeof header,
		 "# fragsim fuzz --seed %llu, iteration %llu: %s: %s\n"
		 "# reproduce: fragsim fuzz --replay THIS_FILE --check %u   (or: fragsim run THIS_FILE --check %u)\n",
		 (unsigned long long)seed, (unsigned long long)iter, r->kind, r->msg, check, check);
	snprintf(path, sizeof path, "%s/original.yaml", dir);
	write_case(orig, path, header);
	snprintf(path, sizeof path, "%s/minimal.yaml", dir);
	write_case(min, path, header);
	snprintf(path, sizeof path, "%s/README.txt", dir);
	FILE *f = fopen(path, "w");
	if (f) {
		fprintf(f,
			"fragsim fuzz found a failure.\n\nseed: %llu\niteration: %llu\nkind: %s\nmessage: %s\n"
			"command: %s\n\noriginal.yaml: the scenario drawn (memory %llu MiB, %llu ms, %llu operations, %u "
			"workloads)\nminimal.yaml: after shrinking (memory %llu MiB, %llu ms, %llu operations, %u "
			"workloads)\n\nreproduce:\n  fragsim fuzz --replay %s/minimal.yaml --check %u\n"
			"  fragsim run %s/minimal.yaml --check %u%s\n"
			"  fragsim fuzz --seed %llu --iterations %llu --check %u   (the search itself; same --events/--policies)\n",
			(unsigned long long)seed, (unsigned long long)iter, r->kind, r->msg, cmdline,
			(unsigned long long)orig->memory_mib, (unsigned long long)orig->duration_ms,
			(unsigned long long)orig->max_ops, case_workloads(orig), (unsigned long long)min->memory_mib,
			(unsigned long long)min->duration_ms, (unsigned long long)min->max_ops, case_workloads(min), dir,
			check, dir, check,
			!strcmp(r->kind, "nondeterministic") ? "   (twice: compare the final states)" : "",
			(unsigned long long)seed, (unsigned long long)iter + 1, check);
		fclose(f);
	}
	printf("fuzz: FAILURE at seed %llu iteration %llu: %s: %s\n", (unsigned long long)seed,
	       (unsigned long long)iter, r->kind, r->msg);
	printf("fuzz: minimal scenario: %s/minimal.yaml (memory %llu -> %llu MiB, duration %llu -> %llu ms, "
	       "operations %llu -> %llu, workloads %u -> %u)\n",
	       dir, (unsigned long long)orig->memory_mib, (unsigned long long)min->memory_mib,
	       (unsigned long long)orig->duration_ms, (unsigned long long)min->duration_ms,
	       (unsigned long long)orig->max_ops, (unsigned long long)min->max_ops, case_workloads(orig),
	       case_workloads(min));
	printf("fuzz: reproduce: fragsim fuzz --replay %s/minimal.yaml --check %u\n", dir, check);
	return 0;
}

int cmd_fuzz(int argc, char **argv)
{
	uint64_t time_s = 60, seed = 1, events = 4000, iterations = 0, timeout = 60, check = 1;
	const char *policies = NULL, *out = "out/fuzz", *replay = NULL, *exec_file = NULL;
	bool verbose = false;
	const struct frag_policy_ops **pols = NULL;
	unsigned nr_pols = 0;
	int rc = EXIT_USAGE;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--help") || !strcmp(a, "-h"))
			return usage(stdout, 0);
		if (!strcmp(a, "--verbose") || !strcmp(a, "-v")) {
			verbose = true;
			continue;
		}
		if (strcmp(a, "--time") && strcmp(a, "--seed") && strcmp(a, "--events") && strcmp(a, "--policies") &&
		    strcmp(a, "--out") && strcmp(a, "--iterations") && strcmp(a, "--timeout") && strcmp(a, "--check") &&
		    strcmp(a, "--replay") && strcmp(a, "--exec")) {
			cli_error("fuzz", "unknown option '%s'", a);
			return usage(stderr, EXIT_USAGE);
		}
		if (!v) {
			cli_error("fuzz", "%s needs a value", a);
			return EXIT_USAGE;
		}
		i++;
		bool ok = true;
		if (!strcmp(a, "--time"))
			ok = cli_parse_uint(v, 1, 86400 * 365, &time_s);
		else if (!strcmp(a, "--seed"))
			ok = cli_parse_uint(v, 0, UINT64_MAX, &seed);
		else if (!strcmp(a, "--events"))
			ok = cli_parse_uint(v, 1, 1000000000, &events);
		else if (!strcmp(a, "--iterations"))
			ok = cli_parse_uint(v, 1, UINT64_MAX, &iterations);
		else if (!strcmp(a, "--timeout"))
			ok = cli_parse_uint(v, 1, 86400, &timeout);
		else if (!strcmp(a, "--check"))
			ok = cli_parse_uint(v, 0, 1u << 31, &check);
		else if (!strcmp(a, "--policies"))
			policies = v;
		else if (!strcmp(a, "--out"))
			out = v;
		else if (!strcmp(a, "--replay"))
			replay = v;
		else
			exec_file = v;
		if (!ok) {
			cli_error("fuzz", "%s '%s': expected a whole number in range", a, v);
			return EXIT_USAGE;
		}
	}
	if (exec_file)
		return exec_mode(exec_file, (unsigned)check);

	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n <= 0) {
		cli_error("fuzz", "cannot find the fragsim executable: %s", strerror(errno));
		return 1;
	}
	exe[n] = 0;
	char work[4200];
	snprintf(work, sizeof work, "%s/work", out);
	if (cli_mkdir_p(work)) {
		cli_error("fuzz", "cannot create %s: %s", work, strerror(errno));
		return 1;
	}
	struct fz_opts o = { .exe = exe, .work = work, .check = (unsigned)check, .timeout = (unsigned)timeout };

	if (replay) {
		struct fz_result r = { 0 };
		if (access(replay, R_OK)) {
			cli_error("fuzz", "%s: %s", replay, strerror(errno));
			return EXIT_USAGE;
		}
		check_file(&o, replay, &r);
		if (r.verdict == FZ_OK) {
			printf("fuzz: %s: clean (two runs, every invariant every %llu operations, pages conserved, same "
			       "final state)\n", replay, (unsigned long long)check);
			return 0;
		}
		if (r.verdict == FZ_REFUSED) {
			printf("fuzz: %s: refused: %s\n", replay, r.msg);
			return EXIT_USAGE;
		}
		printf("fuzz: %s: FAILURE: %s: %s\n", replay, r.kind, r.msg);
		return 1;
	}

	/* The policies to draw from. */
	pols = calloc(frag_policy_count() + 1, sizeof(*pols));
	if (policies) {
		char *list = strdup(policies), *save = NULL;
		for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
			const struct frag_policy_ops *p = frag_policy_find(t);
			if (!p) {
				cli_error("fuzz", "--policies: unknown policy '%s'", t);
				free(list);
				goto out;
			}
			if (nr_pols < frag_policy_count())
				pols[nr_pols++] = p;
		}
		free(list);
	} else {
		for (unsigned i = 0; i < frag_policy_count(); i++)
			pols[nr_pols++] = frag_policy_at(i);
	}
	if (!nr_pols) {
		cli_error("fuzz", "--policies: no policy given");
		goto out;
	}

	char cmdline[4096];
	int cl = snprintf(cmdline, sizeof cmdline, "fragsim");
	for (int i = 0; i < argc && cl < (int)sizeof cmdline - 1; i++)
		cl += snprintf(cmdline + cl, sizeof cmdline - (size_t)cl, " %s", argv[i]);

	struct sigaction sa = { .sa_handler = fz_on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	bool tty = isatty(STDERR_FILENO);
	double t0 = fz_now();
	uint64_t iter = 0, refused = 0, runs = 0;
	unsigned *per_policy = calloc(nr_pols, sizeof(*per_policy));
	rc = 0;
	printf("fuzz: seed %llu, %u polic%s, at most %llu operations per run, invariants every %llu, for %llu s%s\n",
	       (unsigned long long)seed, nr_pols, nr_pols == 1 ? "y" : "ies", (unsigned long long)events,
	       (unsigned long long)check, (unsigned long long)time_s, iterations ? " or the iteration bound" : "");
	fflush(stdout);
	for (; !fz_stop && (!iterations || iter < iterations) && fz_now() - t0 < (double)time_s; iter++) {
		struct fz_case c;
		struct fz_result r = { 0 };
		draw_case(&c, seed, iter, pols, nr_pols, events);
		check_case(&o, &c, &r);
		/* Refused: repair what the message names and try again (a few times). */
		for (unsigned fix = 0; fix < 6 && r.verdict == FZ_REFUSED && repair_case(&c, r.msg); fix++) {
			runs += r.runs;
			r = (struct fz_result){ 0 };
			check_case(&o, &c, &r);
		}
		runs += r.runs;
		if (r.verdict == FZ_REFUSED) {
			refused++;
		} else {
			for (unsigned k = 0; k < nr_pols; k++)
				per_policy[k] += pols[k] == c.policy && r.verdict == FZ_OK;
		}
		if (verbose)
			printf("fuzz: iteration %llu: %s, %llu MiB, %u node(s), %u workload(s), %llu ms: %s%s%s\n",
			       (unsigned long long)iter, c.policy->name, (unsigned long long)c.memory_mib, c.nodes, c.nr_wl,
			       (unsigned long long)c.duration_ms,
			       r.verdict == FZ_OK ? "clean" : r.verdict == FZ_REFUSED ? "refused" : "FAILED",
			       r.verdict == FZ_OK ? "" : ": ", r.verdict == FZ_OK ? "" : r.msg);
		else if (tty)
			fprintf(stderr, "\rfuzz: %llu scenarios (%llu refused), %llu runs, %.0f/%llu s ",
				(unsigned long long)iter + 1, (unsigned long long)refused, (unsigned long long)runs,
				fz_now() - t0, (unsigned long long)time_s);
		if (r.verdict != FZ_FAIL)
			continue;
		if (tty)
			fputc('\n', stderr);
		printf("fuzz: iteration %llu (policy %s): %s: %s; shrinking\n", (unsigned long long)iter, c.policy->name,
		       r.kind, r.msg);
		fflush(stdout);
		struct shrink s = { .o = &o, .kind = r.kind, .best = c, .max_tries = 300, .deadline = fz_now() + 300 };
		shrink_case(&s);
		/* The message of the minimal case. */
		struct fz_result rm = { 0 };
		check_case(&o, &s.best, &rm);
		report_failure(out, seed, iter, &c, &s.best, rm.verdict == FZ_FAIL ? &rm : &r, cmdline,
			       (unsigned)check);
		printf("fuzz: shrinking took %u runs\n", s.tries);
		rc = 1;
		iter++;
		break;
	}
	if (tty)
		fputc('\n', stderr);
	printf("fuzz: %llu scenarios in %.1f s: %llu refused by validation, %llu runs, %s\n", (unsigned long long)iter,
	       fz_now() - t0, (unsigned long long)refused, (unsigned long long)runs,
	       rc ? "1 failure" : fz_stop ? "interrupted, no failure" : "no failure");
	printf("fuzz: clean scenarios per policy:");
	for (unsigned k = 0; k < nr_pols; k++)
		printf(" %s %u%s", pols[k]->name, per_policy[k], k + 1 < nr_pols ? "," : "\n");
	free(per_policy);
	if (!rc && fz_stop)
		rc = 130;
out:
	free(pols);
	return rc;
}
