/* SPDX-License-Identifier: MIT */
/* cli.h - shared helpers of the fragsim command line. */
#ifndef FRAG_CLI_H
#define FRAG_CLI_H

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "frag/sink.h"

struct frag_config;
struct frag_hole;
struct frag_scenario;
struct frag_sim_sink;

/* Exit statuses: 0 ok, 1 failure of the job, 2 bad usage or input. */
#define EXIT_USAGE 2

/* Print "fragsim <cmd>: <message>" to stderr. */
void cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Parse "8G", "512M", "1T", "4096" (bytes, 1024-based suffixes). */
bool cli_parse_size(const char *s, uint64_t *out);
/* Parse a non-negative decimal integer within [min, max]. */
bool cli_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out);
/* Read a whole file (NUL-terminated). NULL on error, with errno set. */
char *cli_read_file(const char *path, size_t *len);

/*
 * The scenario overrides of run, predict and replay: --policy P (policy.name=P),
 * --seed N (seed=N) and --set KEY=VALUE, in command-line order, for
 * frag_scenario_load().
 */
struct cli_overrides {
	const char **sets;   /* KEY=VALUE strings, in order */
	unsigned nr;         /* entries in sets */
	char **owned;        /* the strings built from --policy/--seed (freed by cli_overrides_free()) */
	unsigned nr_owned;   /* entries in owned */
};
/* Room for every option of an @argc-word command line; 0 or -ENOMEM. */
int cli_overrides_init(struct cli_overrides *ov, int argc);
/* @opt is --policy, --seed or --set: record @val (NULL: missing) and return 1;
 * another option: 0; a bad value: print the error for @cmd and return -1. */
int cli_overrides_take(struct cli_overrides *ov, const char *cmd, const char *opt, const char *val);
void cli_overrides_free(struct cli_overrides *ov);

/* What a command's own option does (struct cli_opt). */
enum cli_opt_kind {
	CLI_OPT_TRUE,   /* a flag: *flag = true */
	CLI_OPT_FALSE,  /* a flag: *flag = false */
	CLI_OPT_STR,    /* takes a value: *str = it */
	CLI_OPT_UINT,   /* takes a number in [min, max]: *num = it */
	CLI_OPT_FN,     /* takes a value that fn() checks and stores */
};

/* One option of a command's own (a flag, or an option with a value: the next
 * word); a table of them ends with a NULL name. */
struct cli_opt {
	const char *name;       /* "--out", matched exactly */
	enum cli_opt_kind kind;
	bool *flag;             /* CLI_OPT_TRUE, CLI_OPT_FALSE */
	const char **str;       /* CLI_OPT_STR */
	uint64_t *num;          /* CLI_OPT_UINT, with: */
	uint64_t min, max;
	const char *what;       /*   what it counts: "OPT 'VAL': expected a number of <what>" */
	/* CLI_OPT_FN: check and store @val; 0, or -EINVAL with the error printed for @cmd. */
	int (*fn)(const char *cmd, const char *val, void *arg);
	void *arg;              /* CLI_OPT_FN: fn()'s @arg */
};

/* The command line of run, predict and replay, for cli_parse_args(). */
struct cli_args {
	const char *cmd;                /* "run": messages are "fragsim run: ..." */
	int (*usage)(FILE *f, int rc);  /* prints the command's usage to @f */
	const struct cli_opt *opts;     /* its own options ({ .name = NULL } alone: none) */
	const char **pos;               /* where its positional arguments go, in order (those
	                                 * not given are left as they are) */
	unsigned nr_pos;                /* how many it takes (at least 1; the first is required) */
	const char *pos_name;           /* what pos[0] is: "no <pos_name> file given", and with
	                                 * nr_pos 1 "more than one <pos_name> given ('A' and 'B')" */
	const char *pos_all;            /* nr_pos > 1: "unexpected argument 'C' (<pos_all> already given)" */
};

/*
 * cli_parse_args() - parse @argv[1..@argc) (@argv[0] is the command's name)
 * for @c into @ov (set up here: cli_overrides_free() it whatever the result)
 * and the places @c->opts and @c->pos point to. Each word is, in this order
 * of precedence: an override (cli_overrides_take(): --policy, --seed, --set
 * and their value), --help or -h, one of @c->opts (with its value, the next
 * word whatever it looks like), any other word starting with '-' (an unknown
 * option), or the next positional argument. The first error ends the parse;
 * the usage goes to stderr after an unknown option and a missing first
 * positional argument.
 *
 * Returns 0 to go on; 1 after --help (usage printed to stdout); -EINVAL after
 * a usage error (printed as @c->cmd); -ENOMEM if @ov could not be set up
 * (nothing printed). cli_args_status() is the command's exit status then.
 */
int cli_parse_args(const struct cli_args *c, struct cli_overrides *ov, int argc, char **argv);

/* The exit status of a command whose cli_parse_args() returned @ret != 0. */
static inline int cli_args_status(int ret)
{
	return ret > 0 ? 0 : ret == -ENOMEM ? 1 : EXIT_USAGE;
}

/*
 * cli_scenario_open() - the scenario of run, predict, replay and fuzz --exec:
 * frag_scenario_load() of @path (NULL: no file) with the overrides
 * @sets[@nr_sets], then frag_scenario_config() into @cfg, with the holes
 * array it points into allocated here (FRAG_SC_CONFIG_HOLES entries).
 * Returns 0, *sc and *holes to be freed (frag_scenario_free(), free()) once
 * @cfg is no longer used; or -errno after printing the error for @cmd (a
 * configuration error reads "PATH: message", with @cmd for PATH when there
 * is no file), *sc and *holes NULL: the command exits EXIT_USAGE.
 */
int cli_scenario_open(const char *cmd, const char *path, const char *const *sets, unsigned nr_sets,
		      struct frag_scenario **sc, struct frag_config *cfg, struct frag_hole **holes);

/*
 * Ctrl-C of run and replay (cli_util.c). cli_stop_catch() clears the stop
 * flag, installs one handler for SIGINT and SIGTERM (sigaction(), empty
 * mask, no flags) and returns the flag, for frag_sim_opts.stop and
 * frag_replay_opts.stop: the first of these signals sets it, and the run
 * ends at the simulator's next batch boundary (the replay's next trace
 * event), recorded as interrupted (files readable; the command exits 1).
 * A second one, while the handler is in place, resets that signal to its
 * default action and raises it: the process dies at once, killed by the
 * signal (shell status 130 or 143), and the run row stays 'running', as
 * after SIGKILL. cli_stop_release(), once the engine has returned: both
 * back to SIG_DFL (not to what they were before).
 */
volatile sig_atomic_t *cli_stop_catch(void);
void cli_stop_release(void);

/* A "KEY: VALUE" line of the summary of run and replay on stdout: VALUE as
 * an integer when it is a whole number within +-1e15 (%lld), else %.6g. */
void cli_print_metric(const char *key, double v);

/*
 * The result files of a run or replay with --out DIR (cli_util.c): the
 * SQLite sink's database and the HDF5 sink's directory, the run's file in
 * it, a fresh run uid and the flattened configuration for the params
 * table. The sinks create DIR and DIR/runs when the run opens them.
 */
struct cli_outputs {
	char uid[FRAG_RUN_UID_LEN];   /* the run's id: 32 random hex digits */
	char db[4096];                /* DIR/fragsim.db */
	char h5dir[4096];             /* DIR/runs */
	char h5file[4200];            /* DIR/runs/<uid>.h5 (paths cut to fit, as snprintf()) */
	char **keys, **values;        /* frag_scenario_flatten() of the scenario */
	unsigned nr_params;           /* entries in keys and values */
};

/*
 * cli_outputs_open() - set up @o for a run of @sc writing into @dir; nothing
 * is created on disk. Returns 0, @o to be released with cli_outputs_free()
 * (its paths and uid stay valid after that); or -errno after printing the
 * error for @cmd ("no randomness for a run id: <strerror>", or "out of
 * memory" when the configuration could not be flattened), nothing held:
 * the command exits 1.
 */
int cli_outputs_open(const char *cmd, const char *dir, const struct frag_scenario *sc, struct cli_outputs *o);

/* Fill @sinks (room for 2) with the sinks of @o, in this order: SQLite
 * (frag_sink_sqlite, o->db) and HDF5 (frag_sink_h5, o->h5dir). Returns 2,
 * for frag_sim_opts.nr_sinks and frag_replay_opts.nr_sinks. */
unsigned cli_outputs_sinks(const struct cli_outputs *o, struct frag_sim_sink *sinks);

/* The run identity of @o for frag_sim_opts.ident and frag_replay_opts.ident:
 * its uid, HDF5 file and flattened configuration (valid until
 * cli_outputs_free()) and this build's git revision and version. */
struct frag_run_ident cli_outputs_ident(const struct cli_outputs *o);

/* Free the flattened configuration of @o; again, after a failed
 * cli_outputs_open() or on a zeroed @o: nothing to do. */
void cli_outputs_free(struct cli_outputs *o);

/* mkdir -p: create @path and its missing parents; 0 or -errno. */
int cli_mkdir_p(const char *path);

/* Copy the string @src into @dst of @len bytes, cut to fit (messages read back from files). */
void cli_copy_msg(char *dst, size_t len, const char *src);

/* Set up Debian's python3 and the analysis package for @cmd (cmd_report.c). */
int cli_python_env(const char *cmd, const char **python);

int cmd_claims(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_fuzz(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_policies(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_predict(int argc, char **argv);
int cmd_proc(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_snapshot(int argc, char **argv);
int cmd_sweep(int argc, char **argv);
int cmd_workloads(int argc, char **argv);

#endif /* FRAG_CLI_H */
