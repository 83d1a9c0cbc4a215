/* SPDX-License-Identifier: MIT */
/*
 * cmd_proc.c - `fragsim proc buddyinfo|pagetypeinfo|unusable|extfrag|zoneinfo|vmstat STATE` and
 * `fragsim proc extfrag --buddyinfo FILE [--index unusable|extfrag]`.
 *
 * With a state file (`fragsim snapshot -o STATE`) the state is restored and
 * the kernel's view of it printed (core/mm/vmstat.c, byte-exact formats).
 *
 * Reads a real /proc/buddyinfo and prints what the kernel's debugfs files
 * extfrag/unusable_index and extfrag/extfrag_index would show for it. With
 * no --index both are printed, each after a "# unusable_index" /
 * "# extfrag_index" header line.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "frag/vmstat.h"
#include "internal_view.h"

static int usage(FILE *f, int rc)
{
	fprintf(f, "usage: fragsim proc buddyinfo|pagetypeinfo|unusable|extfrag|zoneinfo|vmstat|summary STATE\n"
		   "       fragsim proc extfrag --buddyinfo FILE [--index unusable|extfrag]\n"
		   "The first form prints /proc/buddyinfo, /proc/pagetypeinfo or the debugfs extfrag files of a\n"
		   "state written by `fragsim snapshot` (summary: the per-zone import table).\n"
		   "Prints the debugfs extfrag/unusable_index and extfrag/extfrag_index contents the kernel\n"
		   "would show for the given /proc/buddyinfo text (mm/vmstat.c formulas and formats).\n");
	return rc;
}

static int proc_extfrag(int argc, char **argv)
{
	const char *file = NULL, *index = NULL;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--buddyinfo") && i + 1 < argc) {
			file = argv[++i];
		} else if (!strcmp(argv[i], "--index") && i + 1 < argc) {
			index = argv[++i];
			if (strcmp(index, "unusable") && strcmp(index, "extfrag")) {
				cli_error("proc extfrag", "--index '%s': expected 'unusable' or 'extfrag'", index);
				return EXIT_USAGE;
			}
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			return usage(stdout, 0);
		} else {
			cli_error("proc extfrag", "unknown or incomplete option '%s'", argv[i]);
			return usage(stderr, EXIT_USAGE);
		}
	}
	if (!file) {
		cli_error("proc extfrag", "--buddyinfo FILE is required");
		return usage(stderr, EXIT_USAGE);
	}

	char *text = cli_read_file(file, NULL);
	if (!text) {
		cli_error("proc extfrag", "%s: %s", file, strerror(errno));
		return EXIT_USAGE;
	}
	struct frag_buddyinfo_zone *zones = NULL;
	unsigned nr = 0;
	char err[256];
	int ret = frag_parse_buddyinfo(text, &zones, &nr, err, sizeof err);
	free(text);
	if (ret) {
		cli_error("proc extfrag", "%s: %s", file, err);
		return EXIT_USAGE;
	}

	struct frag_buf out = { 0 };
	if (!index || !strcmp(index, "unusable")) {
		if (!index)
			frag_buf_printf(&out, "# unusable_index\n");
		frag_format_unusable_index(zones, nr, &out);
	}
	if (!index || !strcmp(index, "extfrag")) {
		if (!index)
			frag_buf_printf(&out, "# extfrag_index\n");
		frag_format_extfrag_index(zones, nr, &out);
	}
	fputs(frag_buf_str(&out), stdout);
	frag_buf_free(&out);
	free(zones);
	return 0;
}

static int proc_state(const char *view, const char *path)
{
	struct frag_snap s;
	struct frag_mem *mem = NULL;
	int ret = cli_snap_open("proc", path, &s, &mem);
	if (ret)
		return ret;
	struct frag_buf out = { 0 };
	if (!strcmp(view, "buddyinfo"))
		frag_show_buddyinfo(mem, &out);
	else if (!strcmp(view, "pagetypeinfo"))
		frag_show_pagetypeinfo(mem, &out);
	else if (!strcmp(view, "unusable"))
		frag_show_unusable_index(mem, &out);
	else if (!strcmp(view, "extfrag"))
		frag_show_extfrag_index(mem, &out);
	else if (!strcmp(view, "zoneinfo"))
		frag_show_zoneinfo(mem, &out);
	else if (!strcmp(view, "vmstat"))
		frag_show_vmstat(mem, &out);
	else
		cli_snap_summary(&s, mem, stdout);
	fputs(frag_buf_str(&out), stdout);
	frag_buf_free(&out);
	frag_mem_destroy(mem);
	frag_snap_free(&s);
	return 0;
}

int cmd_proc(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return usage(argc < 2 ? stderr : stdout, argc < 2 ? EXIT_USAGE : 0);
	static const char *const views[] = { "buddyinfo", "pagetypeinfo", "unusable", "extfrag", "zoneinfo", "vmstat",
						     "summary" };
	for (size_t v = 0; v < sizeof views / sizeof views[0]; v++)
		if (!strcmp(argv[1], views[v]) && argc == 3 && argv[2][0] != '-')
			return proc_state(argv[1], argv[2]);
	if (!strcmp(argv[1], "extfrag"))
		return proc_extfrag(argc - 1, argv + 1);
	cli_error("proc", "unknown view or missing STATE: '%s' (available: buddyinfo, pagetypeinfo, unusable, extfrag, zoneinfo, vmstat, "
			  "summary STATE; extfrag --buddyinfo FILE)", argv[1]);
	return EXIT_USAGE;
}
