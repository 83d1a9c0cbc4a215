/* SPDX-License-Identifier: MIT */
/*
 * cmd_stats.c - `fragsim stats [--markdown] [PATTERN...]`: every counter a
 * run records (the model's, core/include/frag/stat_list.h, then the
 * engine's, frag_engine_counter_desc) with its kind, unit and meaning, in
 * the order of the HDF5 /epoch/counters columns. PATTERNs are shell
 * wildcards ('compact_*'); one that matches nothing is a usage error,
 * reported before anything is printed. --markdown prints the table that
 * docs/counters.md holds.
 */
#include <fnmatch.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "frag/sim.h"
#include "frag/stat_list.h"

#define MAX_PATTERNS 64

static const char *kind_name(enum frag_stat_kind k)
{
	return k == FRAG_STAT_GAUGE ? "gauge" : "counter";
}

/* @name matches one of the patterns (all names when there are none); marks those it matches. */
static bool wanted(const char *name, char **pat, int nr_pat, bool *hit)
{
	bool any = !nr_pat;
	for (int i = 0; i < nr_pat; i++)
		if (!fnmatch(pat[i], name, 0)) {
			hit[i] = true;
			any = true;
		}
	return any;
}

static void print_one(const struct frag_stat_desc *d, const char *from, bool md)
{
	if (md)
		printf("| `%s` | %s | %s | %s | %s |\n", d->name, kind_name(d->kind), d->unit, from, d->help);
	else
		printf("%-36s %-7s %-6s %-6s %s\n", d->name, kind_name(d->kind), d->unit, from, d->help);
}

/* Both lists, in /epoch/counters order; prints the wanted ones when @print. */
static void walk(char **pat, int nr_pat, bool *hit, bool print, bool md)
{
	for (int i = 0; i < NR_FRAG_STATS; i++)
		if (wanted(frag_stat_desc[i].name, pat, nr_pat, hit) && print)
			print_one(&frag_stat_desc[i], "model", md);
	for (const struct frag_stat_desc *d = frag_engine_counter_desc; d->name; d++)
		if (wanted(d->name, pat, nr_pat, hit) && print)
			print_one(d, "engine", md);
}

static int usage(FILE *f, int rc)
{
	fprintf(f, "usage: fragsim stats [--markdown] [PATTERN...]\n"
		   "Lists the counters every run records (HDF5 /epoch/counters, SQLite metrics): name, kind\n"
		   "(counter: cumulative; gauge: a level), unit, where it comes from (model: the allocator\n"
		   "library, with the kernel's /proc/vmstat names where the concept is the kernel's; engine:\n"
		   "the simulator), meaning. PATTERNs are shell wildcards, e.g. 'compact_*'.\n"
		   "  --markdown   a Markdown table (docs/counters.md)\n");
	return rc;
}

int cmd_stats(int argc, char **argv)
{
	bool md = false;
	char *pat[MAX_PATTERNS];
	bool hit[MAX_PATTERNS] = { false };
	int nr_pat = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--markdown")) {
			md = true;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			return usage(stdout, 0);
		} else if (argv[i][0] == '-') {
			cli_error("stats", "unknown option '%s'", argv[i]);
			return usage(stderr, EXIT_USAGE);
		} else if (nr_pat == MAX_PATTERNS) {
			cli_error("stats", "more than %d patterns", MAX_PATTERNS);
			return EXIT_USAGE;
		} else {
			pat[nr_pat++] = argv[i];
		}
	}

	walk(pat, nr_pat, hit, false, md);
	int rc = 0;
	for (int i = 0; i < nr_pat; i++)
		if (!hit[i]) {
			cli_error("stats", "no counter matches '%s' (`fragsim stats` lists them all)", pat[i]);
			rc = EXIT_USAGE;
		}
	if (rc)
		return rc;

	if (md)
		printf("| name | kind | unit | from | meaning |\n| --- | --- | --- | --- | --- |\n");
	else
		printf("%-36s %-7s %-6s %-6s %s\n", "name", "kind", "unit", "from", "meaning");
	walk(pat, nr_pat, hit, true, md);
	return 0;
}
