/* SPDX-License-Identifier: MIT */
/*
 * cmd_run.c - `fragsim run SCENARIO [--policy P] [--seed N] [--set k=v]...
 * [--out DIR]`: load and validate a scenario, simulate it, write the run to
 * DIR/fragsim.db (SQLite) and DIR/runs/<uid>.h5 (HDF5), print a summary.
 *
 * Exit status: 0 for a complete run; 1 if it failed or was interrupted
 * (SIGINT/SIGTERM end it cleanly: recorded as interrupted, files readable);
 * 2 for bad usage or a bad scenario.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "frag/scenario.h"
#include "frag/sim.h"

static int usage(FILE *f, int rc)
{
	fprintf(f, "usage: fragsim run SCENARIO [--policy P] [--seed N] [--set KEY=VALUE]... [--out DIR]\n"
		   "                   [--check N] [--quiet] [--no-progress]\n"
		   "Simulates SCENARIO (a YAML file, see scenarios/README.md). --policy and --seed override\n"
		   "policy.name and seed; --set overrides any key. Results: DIR/fragsim.db (SQLite, one row per\n"
		   "run) and DIR/runs/<uid>.h5 (time series); DIR defaults to out/. Prints a key: value summary.\n"
		   "--check N verifies every invariant every N operations (slow). Exit status 0 only for a\n"
		   "complete run.\n");
	return rc;
}

/* The summary printed at the end, in this order (when present). */
static const char *const summary_keys[] = {
	"free_mib", "thp_success_rate", "thp_fault_alloc", "thp_fault_fallback", "wl.hugetlb_1g_attempts",
	"wl.hugetlb_1g_success", "hugetlb_1g_allocatable", "hugetlb_2m_allocatable", "spb_total", "spb_empty", "spb_clean", "spb_tainted",
	"spb_free_now", "spb_movable_only", "pageblocks_mixed", "extfrag", "extfrag_steal", "extfrag_claim",
	"alloc_fail", "oom_kill", "oom_early", "wl.kvmalloc_fallback", "alloc_latency_p50_ns", "alloc_latency_p99_ns",
	"alloc_latency_max_ns", "stall_count", "stall_p99_ns", "kswapd_wake", "compact_daemon_wake",
	"compact_stall", "compact_success", "compact_fail", "compact_migrate_scanned", "compact_free_scanned",
	"compact_drain", "compact_drain_pages", "spb_adopted", "spb_borrowed", "spb_evac_phase1_pages",
	"spb_evac_phase2_pageblocks", "spb_thp_compact_skipped", "spb_compact_drain_deferred",
	"pgmigrate_success", "pgmigrate_fail", "pgscan_kswapd", "pgsteal_kswapd", "pgscan_direct", "pgsteal_direct",
	"pswpout", "slabs_scanned", "contig_alloc_attempt", "contig_alloc_success", "contig_alloc_fail",
	"compact_ns", "reclaim_ns", "kswapd_cpu_ns", "kcompactd_cpu_ns", "fragmentation_score", "sim_allocs", "sim_frees", "simgrid_wakeups_per_alloc", "sim_seconds", "wall_seconds",
	"events_per_sec", "sim_seconds_per_wall_second", "peak_rss_mib",
};

int cmd_run(int argc, char **argv)
{
	const char *path = NULL, *out = "out";
	struct cli_overrides ov;
	uint64_t check = 0;
	bool quiet = false, progress = true;
	int rc = EXIT_USAGE;
	const struct cli_opt opts[] = {
		{ "--quiet", CLI_OPT_TRUE, .flag = &quiet },
		{ "--no-progress", CLI_OPT_FALSE, .flag = &progress },
		{ "--out", CLI_OPT_STR, .str = &out },
		{ "--check", CLI_OPT_UINT, .num = &check, .min = 0, .max = 1u << 31, .what = "operations" },
		{ .name = NULL },
	};
	const struct cli_args args = {
		.cmd = "run", .usage = usage, .opts = opts, .pos = &path, .nr_pos = 1, .pos_name = "scenario",
	};

	int ret = cli_parse_args(&args, &ov, argc, argv);
	if (ret) {
		rc = cli_args_status(ret);
		goto out;
	}

	char err[2048];
	struct frag_scenario *sc;
	struct frag_config cfg;
	struct frag_hole *holes;
	if (cli_scenario_open("run", path, ov.sets, ov.nr, &sc, &cfg, &holes))
		goto out;

	struct cli_outputs files;
	if (cli_outputs_open("run", out, sc, &files)) {
		rc = 1;
		goto out_sc;
	}
	struct frag_sim_opts o = {
		.progress = progress && !quiet,
		.check_every = (unsigned)check,
		.ident = cli_outputs_ident(&files),
	};
	o.nr_sinks = cli_outputs_sinks(&files, o.sinks);
	o.stop = cli_stop_catch();
	/* A file size limit (ulimit -f, a quota-like full disk) makes writes fail with EFBIG,
	 * reported by the sinks, instead of killing the process mid-write. */
	signal(SIGXFSZ, SIG_IGN);

	struct frag_sim_result res;
	ret = frag_sim_run(sc, &cfg, &o, &res, err, sizeof err);
	cli_stop_release();
	cli_outputs_free(&files);
	if (ret && !res.status[0]) {
		cli_error("run", "%s", err);
		rc = ret == -EINVAL ? EXIT_USAGE : 1;
		goto out_sc;
	}

	if (!quiet) {
		printf("scenario: %s\npolicy: %s\nseed: %llu\nrun: %s\nstatus: %s\n", sc->run.name,
		       sc->policy ? sc->policy->name : "linux", (unsigned long long)sc->run.seed, res.uid, res.status);
		if (res.message[0])
			printf("message: %s\n", res.message);
		for (size_t i = 0; i < sizeof summary_keys / sizeof summary_keys[0]; i++) {
			double v = frag_sim_metric(&res, summary_keys[i]);
			if (v == v)   /* present */
				cli_print_metric(summary_keys[i], v);
		}
		printf("database: %s\nhdf5: %s\n", files.db, files.h5file);
	}
	if (ret)
		cli_error("run", "%s", err);
	rc = !ret && !strcmp(res.status, "complete") ? 0 : 1;
	frag_sim_result_free(&res);
out_sc:
	free(holes);
	frag_scenario_free(sc);
out:
	cli_overrides_free(&ov);
	return rc;
}
