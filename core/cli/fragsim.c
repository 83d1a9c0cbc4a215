/* SPDX-License-Identifier: MIT */
/*
 * fragsim.c - the command line: `fragsim <command> [options]`.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif

#include "cli.h"
#include "frag/scenario.h"

void cli_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "fragsim%s%s: ", cmd ? " " : "", cmd ? cmd : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

bool cli_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	if (!s || !isdigit((unsigned char)*s))
		return false;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

bool cli_parse_size(const char *s, uint64_t *out)
{
	char *end;
	if (!s || !isdigit((unsigned char)*s))
		return false;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno)
		return false;
	unsigned shift = 0;
	switch (toupper((unsigned char)*end)) {
	case 0:
		break;
	case 'K':
		shift = 10;
		break;
	case 'M':
		shift = 20;
		break;
	case 'G':
		shift = 30;
		break;
	case 'T':
		shift = 40;
		break;
	default:
		return false;
	}
	if (*end) {
		end++;
		if (toupper((unsigned char)*end) == 'I' && toupper((unsigned char)end[1]) == 'B')
			end += 2;
		else if (toupper((unsigned char)*end) == 'B')
			end++;
	}
	if (*end)
		return false;
	if (shift && v > (UINT64_MAX >> shift))
		return false;
	*out = (uint64_t)v << shift;
	return true;
}

char *cli_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap);
	if (!buf) {
		fclose(f);
		errno = ENOMEM;
		return NULL;
	}
	for (;;) {
		if (n + 1 >= cap) {
			cap *= 2;
			char *nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(f);
				errno = ENOMEM;
				return NULL;
			}
			buf = nb;
		}
		size_t r = fread(buf + n, 1, cap - n - 1, f);
		n += r;
		if (r == 0)
			break;
	}
	int err = ferror(f) ? EIO : 0;
	fclose(f);
	if (err) {
		free(buf);
		errno = err;
		return NULL;
	}
	buf[n] = 0;
	if (len)
		*len = n;
	return buf;
}

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
};

static const struct command commands[] = {
	{ "run", cmd_run, "simulate a scenario file; results to SQLite and HDF5, a summary on stdout" },
	{ "demo", cmd_demo, "fill and churn a simulated machine, print its kernel-format views" },
	{ "policies", cmd_policies, "list policies; --describe NAME prints a parameter table" },
	{ "workloads", cmd_workloads, "list workload types; --describe TYPE prints a parameter table" },
	{ "stats", cmd_stats, "list the counters runs record (name, kind, unit, meaning); stats 'compact_*'" },
	{ "predict", cmd_predict, "hugetlb pages (2 MiB, 1 GiB) the kernel could allocate at a scenario's end or at 0" },
	{ "replay", cmd_replay, "replay a real kernel trace (trace.dat, CSV, report text) against a policy: replay TRACE ..." },
	{ "snapshot", cmd_snapshot, "real machine state: snapshot --kpageflags F --zoneinfo F [--iomem F ...] -o STATE" },
	{ "proc", cmd_proc, "kernel-format views: proc buddyinfo|pagetypeinfo|extfrag|zoneinfo|vmstat STATE; proc extfrag --buddyinfo F" },
	{ "compare", cmd_compare, "A/B comparison: compare SCENARIO --policies A,B --seeds N [--jobs J]: table and report" },
	{ "sweep", cmd_sweep, "parameter sweep: sweep SCENARIO --param KEY=V1,V2|A:B:STEP [--seeds N]: table, plots" },
	{ "claims", cmd_claims, "run the published claims (scenarios/claims) and print reproduced / not reproduced" },
	{ "merge", cmd_merge, "fold experiment databases (sweep shards) into one: merge SHARD... -o DB" },
	{ "fuzz", cmd_fuzz, "policy fuzzer: random machines, workloads and parameters, invariants checked, shrunk failures" },
	{ "report", cmd_report, "HTML report of an experiment: report DB -o DIR [--baseline POLICY]" },
};

#define NR_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
	fprintf(f, "usage: fragsim <command> [options]\n\ncommands:\n");
	for (size_t i = 0; i < NR_COMMANDS; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "  %-10s %s\n", "version", "print the version");
	fprintf(f, "\n`fragsim <command> --help` describes a command.\n");
}

/*
 * Host THP for malloc()'d memory (docs/architecture.md, "Host memory"). The
 * model's large tables are advised MADV_HUGEPAGE where they are allocated
 * (frag/hugemem.h), but much of what an event touches is ordinary malloc()
 * memory: the workloads' per-CPU state and timer sets, per-process block
 * lists, SimGrid's actors. glibc (>= 2.35) advises everything it takes from
 * the kernel when the tunable glibc.malloc.hugetlb=1 is set, which makes a
 * long run several per cent faster on a host whose THP mode is "madvise"
 * (the default); results do not change. Tunables are read only at process
 * start, so fragsim adds it to GLIBC_TUNABLES and executes itself again,
 * once, before doing anything else. Not when GLIBC_TUNABLES already names
 * it (the user's choice, or the second start), with FRAGSIM_NO_HUGEMEM set,
 * under AddressSanitizer (its own allocator) or under valgrind (whose
 * /proc/self/exe is valgrind). A failed exec goes on without it.
 */
static void malloc_thp_reexec(char **argv)
{
#if defined(__SANITIZE_ADDRESS__)
	(void)argv;
	return;
#else
	const char *t = getenv("GLIBC_TUNABLES"), *pre = getenv("LD_PRELOAD");
	if (getenv("FRAGSIM_NO_HUGEMEM") || (t && strstr(t, "glibc.malloc.hugetlb")) || (pre && strstr(pre, "vgpreload")))
		return;
#ifdef RUNNING_ON_VALGRIND
	if (RUNNING_ON_VALGRIND)
		return;
#endif
	size_t len = (t ? strlen(t) + 1 : 0) + sizeof "glibc.malloc.hugetlb=1";
	char *v = malloc(len);
	if (!v)
		return;
	snprintf(v, len, "%s%sglibc.malloc.hugetlb=1", t ? t : "", t && *t ? ":" : "");
	if (setenv("GLIBC_TUNABLES", v, 1) == 0) {
		fflush(NULL);
		execv("/proc/self/exe", argv);
		/* Still here: run as we are, with the environment as it was. */
		if (t)
			setenv("GLIBC_TUNABLES", t, 1);
		else
			unsetenv("GLIBC_TUNABLES");
	}
	free(v);
#endif
}

int main(int argc, char **argv)
{
	malloc_thp_reexec(argv);
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "version") || !strcmp(argv[1], "--version")) {
		printf("fragsim %s\n", FRAGSIM_VERSION);
		return 0;
	}
	for (size_t i = 0; i < NR_COMMANDS; i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	cli_error(NULL, "unknown command '%s'", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}

int cli_overrides_init(struct cli_overrides *ov, int argc)
{
	ov->nr = ov->nr_owned = 0;
	ov->sets = calloc((size_t)argc + 2, sizeof(*ov->sets));
	ov->owned = calloc((size_t)argc + 2, sizeof(*ov->owned));
	if (!ov->sets || !ov->owned) {
		cli_overrides_free(ov);
		return -ENOMEM;
	}
	return 0;
}

int cli_overrides_take(struct cli_overrides *ov, const char *cmd, const char *opt, const char *val)
{
	bool policy = !strcmp(opt, "--policy"), seed = !strcmp(opt, "--seed"), set = !strcmp(opt, "--set");
	if (!policy && !seed && !set)
		return 0;
	if (!val) {
		cli_error(cmd, "%s needs a value", opt);
		return -1;
	}
	if (set) {
		if (!strchr(val, '=')) {
			cli_error(cmd, "--set '%s': expected KEY=VALUE", val);
			return -1;
		}
		ov->sets[ov->nr++] = val;
		return 1;
	}
	size_t n = strlen(val) + 16;
	char *s = malloc(n);
	if (!s) {
		cli_error(cmd, "out of memory");
		return -1;
	}
	snprintf(s, n, "%s=%s", policy ? "policy.name" : "seed", val);
	ov->owned[ov->nr_owned++] = s;
	ov->sets[ov->nr++] = s;
	return 1;
}

void cli_overrides_free(struct cli_overrides *ov)
{
	for (unsigned i = 0; ov->owned && i < ov->nr_owned; i++)
		free(ov->owned[i]);
	free(ov->owned);
	free(ov->sets);
	ov->owned = NULL;
	ov->sets = NULL;
	ov->nr = ov->nr_owned = 0;
}

/* Apply @o, given the word after it, @val (NULL: none); 1 if @val was taken, 0 if not, or -EINVAL. */
static int cli_take_opt(const char *cmd, const struct cli_opt *o, const char *val)
{
	if (o->kind == CLI_OPT_TRUE || o->kind == CLI_OPT_FALSE) {
		*o->flag = o->kind == CLI_OPT_TRUE;
		return 0;
	}
	if (!val) {
		cli_error(cmd, "%s needs a value", o->name);
		return -EINVAL;
	}
	switch (o->kind) {
	case CLI_OPT_STR:
		*o->str = val;
		break;
	case CLI_OPT_UINT:
		if (!cli_parse_uint(val, o->min, o->max, o->num)) {
			cli_error(cmd, "%s '%s': expected a number of %s", o->name, val, o->what);
			return -EINVAL;
		}
		break;
	case CLI_OPT_FN:
		if (o->fn(cmd, val, o->arg))
			return -EINVAL;
		break;
	default:
		break;
	}
	return 1;
}

int cli_parse_args(const struct cli_args *c, struct cli_overrides *ov, int argc, char **argv)
{
	unsigned nr_pos = 0;

	if (cli_overrides_init(ov, argc))
		return -ENOMEM;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;
		const struct cli_opt *o;
		int t = cli_overrides_take(ov, c->cmd, a, val);

		if (t < 0)
			return -EINVAL;
		if (t > 0) {
			i++;
			continue;
		}
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			c->usage(stdout, 0);
			return 1;
		}
		for (o = c->opts; o->name && strcmp(a, o->name); o++)
			;
		if (o->name) {
			t = cli_take_opt(c->cmd, o, val);
			if (t < 0)
				return t;
			i += t;
		} else if (a[0] == '-') {
			cli_error(c->cmd, "unknown option '%s'", a);
			c->usage(stderr, 0);
			return -EINVAL;
		} else if (nr_pos < c->nr_pos) {
			c->pos[nr_pos++] = a;
		} else {
			if (c->nr_pos == 1)
				cli_error(c->cmd, "more than one %s given ('%s' and '%s')", c->pos_name, c->pos[0], a);
			else
				cli_error(c->cmd, "unexpected argument '%s' (%s already given)", a, c->pos_all);
			return -EINVAL;
		}
	}
	if (!nr_pos) {
		cli_error(c->cmd, "no %s file given", c->pos_name);
		c->usage(stderr, 0);
		return -EINVAL;
	}
	return 0;
}

int cli_scenario_open(const char *cmd, const char *path, const char *const *sets, unsigned nr_sets,
		      struct frag_scenario **sc, struct frag_config *cfg, struct frag_hole **holes)
{
	char err[2048];
	int ret;

	*sc = NULL;
	*holes = NULL;
	ret = frag_scenario_load(path, sets, nr_sets, sc, err, sizeof err);
	if (ret) {
		cli_error(cmd, "%s", err);
		return ret;
	}
	*holes = calloc(FRAG_SC_CONFIG_HOLES, sizeof(**holes));
	ret = *holes ? frag_scenario_config(*sc, cfg, *holes, FRAG_SC_CONFIG_HOLES, err, sizeof err) : -ENOMEM;
	if (ret) {
		cli_error(cmd, "%s: %s", path ? path : cmd, *holes ? err : "out of memory");
		free(*holes);
		frag_scenario_free(*sc);
		*holes = NULL;
		*sc = NULL;
	}
	return ret;
}

void cli_copy_msg(char *dst, size_t len, const char *src)
{
	if (!len)
		return;
	size_t n = strnlen(src, len - 1);
	memcpy(dst, src, n);
	dst[n] = 0;
}

int cli_mkdir_p(const char *path)
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
	return mkdir(buf, 0777) && errno != EEXIST ? -errno : 0;
}
