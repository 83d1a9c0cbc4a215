/* SPDX-License-Identifier: MIT */
/* cli.h - shared helpers of the fragsim command line. */
#ifndef FRAG_CLI_H
#define FRAG_CLI_H

#include <stdbool.h>
#include <stdint.h>

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
int cmd_predict(int argc, char **argv);
int cmd_proc(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_snapshot(int argc, char **argv);
int cmd_sweep(int argc, char **argv);
int cmd_workloads(int argc, char **argv);

#endif /* FRAG_CLI_H */
