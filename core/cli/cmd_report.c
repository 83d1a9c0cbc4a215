/* SPDX-License-Identifier: MIT */
/*
 * cmd_report.c - `fragsim report DB -o DIR [--baseline POLICY] [--no-svg]
 * [--no-gif] [--quiet]`: the HTML report of an experiment, written by the
 * Python package analysis/ (analysis/report.py) next to the source tree.
 *
 * The package is found in $FRAGSIM_ANALYSIS_DIR if set, else in the source
 * root baked in at build time (paths.h). It runs under Debian's interpreter,
 * /usr/bin/python3 ($FRAGSIM_PYTHON overrides it), with PYENV_VERSION=system
 * so that a pyenv shim cannot hide the python3-* packages.
 *
 * Exit status: that of analysis.report (0 written, 1 no complete run or an
 * unreadable database), 2 for bad usage, a missing database or missing
 * Python modules.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "paths.h"

#define DEFAULT_PYTHON "/usr/bin/python3"
#define MODULES "numpy", "pandas", "matplotlib", "h5py", "yaml"

static int usage(FILE *f, int rc)
{
	fprintf(f, "usage: fragsim report DB -o DIR [--baseline POLICY] [--no-svg] [--no-gif] [--quiet]\n"
		   "Writes DIR/index.html: provenance, the comparison table (mean +- 95%% CI per policy, change\n"
		   "against the baseline, significance), figures (memory maps, time series, A/B, sweeps) and\n"
		   "per-run details of the experiment database DB (e.g. out/fragsim.db). --baseline names the\n"
		   "policy the others are compared with (default: the first one run). Prints the path of\n"
		   "index.html. Needs /usr/bin/python3 with numpy, pandas, matplotlib and h5py.\n");
	return rc;
}

/* The modules of MODULES that @python cannot import, space-separated; NULL if
 * the interpreter itself cannot run. */
static char *missing_modules(const char *python)
{
	static const char *const mods[] = { MODULES };
	char cmd[1024];
	int n = snprintf(cmd, sizeof cmd,
			 "'%s' -c 'import importlib.util as u, sys; m = [x for x in sys.argv[1:] if u.find_spec(x) is None];"
			 " print(\" \".join(m))'",
			 python);
	for (size_t i = 0; i < sizeof mods / sizeof mods[0]; i++)
		n += snprintf(cmd + n, sizeof cmd - (size_t)n, " %s", mods[i]);
	snprintf(cmd + n, sizeof cmd - (size_t)n, " 2>/dev/null");
	FILE *p = popen(cmd, "r");
	if (!p)
		return NULL;
	char line[512] = "";
	if (!fgets(line, sizeof line, p))
		line[0] = 0;
	int st = pclose(p);
	if (st != 0)
		return NULL;
	line[strcspn(line, "\n")] = 0;
	return strdup(line);
}

/*
 * cli_python_env() - find the analysis package and Debian's interpreter for
 * command @cmd, check the modules, and set PYTHONPATH (the source root
 * first), PYENV_VERSION=system, PYTHONDONTWRITEBYTECODE and MPLBACKEND=Agg.
 * 0 with *@python set, or EXIT_USAGE after a clear error.
 */
int cli_python_env(const char *cmd, const char **python_out)
{
	const char *root = getenv("FRAGSIM_ANALYSIS_DIR");
	if (!root || !*root)
		root = FRAGSIM_SOURCE_ROOT;
	char pkg[4096];
	snprintf(pkg, sizeof pkg, "%s/analysis/report.py", root);
	if (access(pkg, R_OK)) {
		cli_error(cmd, "the analysis package is not at %s/analysis (set FRAGSIM_ANALYSIS_DIR to the "
				    "fragsim source tree)", root);
		return EXIT_USAGE;
	}
	const char *python = getenv("FRAGSIM_PYTHON");
	if (!python || !*python)
		python = DEFAULT_PYTHON;
	setenv("PYENV_VERSION", "system", 1);
	char *missing = missing_modules(python);
	if (!missing) {
		cli_error(cmd, "cannot run %s (install python3: scripts/ensure-deps.sh)", python);
		return EXIT_USAGE;
	}
	if (*missing) {
		cli_error(cmd, "%s lacks the Python modules: %s (Debian: apt-get install python3-numpy "
				    "python3-pandas python3-matplotlib python3-h5py, or scripts/ensure-deps.sh)",
			  python, missing);
		free(missing);
		return EXIT_USAGE;
	}
	free(missing);

	/* PYTHONPATH: the source root first; no bytecode written into the tree. */
	const char *old = getenv("PYTHONPATH");
	size_t n = strlen(root) + (old ? strlen(old) : 0) + 2;
	char *pp = malloc(n);
	if (!pp)
		return EXIT_USAGE;
	snprintf(pp, n, "%s%s%s", root, old && *old ? ":" : "", old && *old ? old : "");
	setenv("PYTHONPATH", pp, 1);
	setenv("PYTHONDONTWRITEBYTECODE", "1", 1);
	setenv("MPLBACKEND", "Agg", 1);
	free(pp);

	*python_out = python;
	return 0;
}

int cmd_report(int argc, char **argv)
{
	const char *db = NULL, *out = NULL, *baseline = NULL;
	bool no_svg = false, no_gif = false, quiet = false;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--help") || !strcmp(a, "-h"))
			return usage(stdout, 0);
		if (!strcmp(a, "-o") || !strcmp(a, "--out") || !strcmp(a, "--baseline")) {
			if (i + 1 >= argc) {
				cli_error("report", "%s needs a value", a);
				return EXIT_USAGE;
			}
			if (!strcmp(a, "--baseline"))
				baseline = argv[++i];
			else
				out = argv[++i];
		} else if (!strcmp(a, "--no-svg")) {
			no_svg = true;
		} else if (!strcmp(a, "--no-gif")) {
			no_gif = true;
		} else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
			quiet = true;
		} else if (a[0] == '-') {
			cli_error("report", "unknown option '%s'", a);
			usage(stderr, 0);
			return EXIT_USAGE;
		} else if (!db) {
			db = a;
		} else {
			cli_error("report", "more than one database given ('%s' and '%s')", db, a);
			return EXIT_USAGE;
		}
	}
	if (!db || !out) {
		cli_error("report", "%s", !db ? "no database given" : "no output directory given (-o DIR)");
		usage(stderr, 0);
		return EXIT_USAGE;
	}
	struct stat st;
	errno = 0;
	if (stat(db, &st) || !S_ISREG(st.st_mode)) {
		cli_error("report", "%s: %s", db, errno == ENOENT ? "no such database" : errno ? strerror(errno) : "not a regular file");
		return EXIT_USAGE;
	}

	const char *python;
	if (cli_python_env("report", &python))
		return EXIT_USAGE;

	const char *args[16];
	int k = 0;
	args[k++] = python;
	args[k++] = "-m";
	args[k++] = "analysis.report";
	args[k++] = db;
	args[k++] = "-o";
	args[k++] = out;
	if (baseline) {
		args[k++] = "--baseline";
		args[k++] = baseline;
	}
	if (no_svg)
		args[k++] = "--no-svg";
	if (no_gif)
		args[k++] = "--no-gif";
	if (quiet)
		args[k++] = "--quiet";
	args[k] = NULL;
	fflush(NULL);
	execv(python, (char *const *)args);
	cli_error("report", "cannot run %s: %s", python, strerror(errno));
	return EXIT_USAGE;
}

/*
 * `fragsim claims [NAME...] [--list] [--out DIR] [--seeds N] [--set K=V]...
 * [--jobs J] [--report] [--dir DIR] [--quiet]`: run the published claims of
 * scenarios/claims/ (each a `fragsim compare` of this executable) and print
 * the verdict table: python3 -m analysis.claims (analysis/claims.py).
 */
int cmd_claims(int argc, char **argv)
{
	const char *python;
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n <= 0) {
		cli_error("claims", "cannot find this executable: %s", strerror(errno));
		return 1;
	}
	exe[n] = 0;
	if (cli_python_env("claims", &python))
		return EXIT_USAGE;
	const char **args = calloc((size_t)argc + 8, sizeof(char *));
	int k = 0;
	args[k++] = python;
	args[k++] = "-m";
	args[k++] = "analysis.claims";
	args[k++] = "--fragsim";
	args[k++] = exe;
	for (int i = 1; i < argc; i++)
		args[k++] = argv[i];
	args[k] = NULL;
	fflush(NULL);
	execv(python, (char *const *)args);
	cli_error("claims", "cannot run %s: %s", python, strerror(errno));
	free(args);
	return EXIT_USAGE;
}
