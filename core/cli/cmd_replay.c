/* SPDX-License-Identifier: MIT */
/*
 * cmd_replay.c - `fragsim replay TRACE [SCENARIO] [--init-snapshot STATE]
 * [--policy P] [--seed N] [--set k=v]... [--out DIR] [--no-grow] [--count]`:
 * replay a real kernel's page allocation trace (trace-cmd trace.dat, the
 * capture's CSV, `trace-cmd report` text) against a policy on the machine
 * of a state file or of a scenario's machine block (frag/replay.h,
 * docs/replay.md). Writes the run like `fragsim run` (DIR/fragsim.db,
 * DIR/runs/<uid>.h5) and prints a summary with the fidelity section:
 * the trace's mm_page_alloc_extfrag events against the model's, by
 * (fallback, alloc) migratetype pair.
 *
 * Exit status: 0 for a complete replay; 1 if it failed (a trace found
 * corrupt or truncated part-way) or was interrupted; 2 for bad usage or
 * a bad input (missing, unreadable or unknown trace, missing event
 * formats, bad scenario or state).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "frag/replay.h"
#include "frag/scenario.h"

static int usage(FILE *f, int rc)
{
	fprintf(f,
		"usage: fragsim replay TRACE [SCENARIO] [--init-snapshot STATE] [--policy P] [--seed N]\n"
		"                      [--set KEY=VALUE]... [--out DIR] [--no-grow] [--check N] [--quiet]\n"
		"       fragsim replay TRACE --count\n"
		"Replays a real kernel's page allocation trace against a policy: every traced mm_page_alloc is\n"
		"placed by the policy (same order, gfp_flags, CPU), every traced free releases the block that\n"
		"allocation got. TRACE is a trace-cmd trace.dat, the capture's CSV (ts_ns,cpu,pid,ev,...) or\n"
		"`trace-cmd report` text (xz/zstd compressed text is fine). The machine is the state file STATE\n"
		"(`fragsim snapshot`; its sysctls apply) or SCENARIO's machine block (its workloads are not run).\n"
		"--no-grow keeps memory the state marks uninitialised (lazy deferred init) out of the buddy; by\n"
		"default it starts free. Results go to DIR/fragsim.db and DIR/runs/<uid>.h5 (DIR: out/).\n"
		"Prints a key: value summary and the fidelity table (extfrag events, trace vs replay).\n"
		"--check N verifies every invariant of the machine every N events and at the end (slow).\n"
		"--count only reads the trace and prints its event counts. See docs/replay.md.\n");
	return rc;
}

static int count_cb(const struct frag_tev *ev, void *arg)
{
	(void)ev;
	(void)arg;
	return 0;
}

static void print_info(const struct frag_trace_info *info)
{
	printf("format: %s\nevents: %llu\n", info->format ? info->format : "?", (unsigned long long)info->nr_events);
	for (int t = 0; t < NR_TEV_TYPES; t++)
		printf("%s: %llu\n", frag_tev_names[t], (unsigned long long)info->nr_type[t]);
	printf("trace_seconds: %.6f\n", info->nr_events ? (double)(info->last_ns - info->first_ns) / 1e9 : 0.0);
	printf("cpus: %d\n", info->max_cpu + 1);
}

static const char *const mt_names[] = { "Unmovable", "Movable", "Reclaimable", "HighAtomic", "Isolate", "Type5" };

static void print_fidelity(const struct frag_replay_result *res)
{
	printf("\nfidelity: mm_page_alloc_extfrag events, trace vs replay\n");
	printf("  %-12s %-12s %10s %10s\n", "alloc_mt", "fallback_mt", "trace", "replay");
	uint64_t tt = 0, tm = 0;
	for (int a = 0; a < MIGRATE_TYPES; a++)
		for (int f = 0; f < MIGRATE_TYPES; f++) {
			uint64_t x = res->extfrag_trace[f][a], y = res->extfrag_model[f][a];
			tt += x;
			tm += y;
			if (x || y)
				printf("  %-12s %-12s %10llu %10llu\n", mt_names[a], mt_names[f], (unsigned long long)x,
				       (unsigned long long)y);
		}
	printf("  %-25s %10llu %10llu\n", "total", (unsigned long long)tt, (unsigned long long)tm);
	printf("  %-25s %10llu %10llu\n", "change_ownership=1", (unsigned long long)res->claim_trace,
	       (unsigned long long)res->claim_model);
	printf("  %-25s %10llu %10llu\n", "pcp drain pages", (unsigned long long)res->c[RC_replay_pcpu_drain_pages],
	       (unsigned long long)res->stats[FRAG_STAT_pcp_drain_pages]);
	printf("  %-25s %10llu %10llu\n", "pcp refill pages",
	       (unsigned long long)res->c[RC_replay_zone_locked_refill_pages],
	       (unsigned long long)res->stats[FRAG_STAT_pcp_refill_pages]);
	printf("\n");
}

int cmd_replay(int argc, char **argv)
{
	const char *trace = NULL, *scen = NULL, *state = NULL, *out = "out";
	const char *pos[2] = { NULL, NULL };
	struct cli_overrides ov;
	bool quiet = false, count_only = false, grow = true;
	uint64_t check = 0;
	int rc = EXIT_USAGE;
	const struct cli_opt opts[] = {
		{ "--quiet", CLI_OPT_TRUE, .flag = &quiet },
		{ "--count", CLI_OPT_TRUE, .flag = &count_only },
		{ "--no-grow", CLI_OPT_FALSE, .flag = &grow },
		{ "--out", CLI_OPT_STR, .str = &out },
		{ "--init-snapshot", CLI_OPT_STR, .str = &state },
		{ "--check", CLI_OPT_UINT, .num = &check, .min = 1, .max = 1u << 31, .what = "events" },
		{ .name = NULL },
	};
	const struct cli_args args = {
		.cmd = "replay", .usage = usage, .opts = opts, .pos = pos, .nr_pos = 2, .pos_name = "trace",
		.pos_all = "TRACE and SCENARIO",
	};

	int ret = cli_parse_args(&args, &ov, argc, argv);
	if (ret) {
		rc = cli_args_status(ret);
		goto out;
	}
	trace = pos[0];
	scen = pos[1];
	char err[2048];
	if (count_only) {
		struct frag_trace_info info;
		ret = frag_trace_read(trace, count_cb, NULL, &info, err, sizeof err);
		if (ret) {
			cli_error("replay", "%s", err);
			rc = ret == -EIO ? 1 : EXIT_USAGE;
			goto out;
		}
		printf("trace: %s\n", trace);
		print_info(&info);
		rc = 0;
		goto out;
	}
	if (access(trace, R_OK)) {
		cli_error("replay", "%s: %s", trace, strerror(errno));
		goto out;
	}
	if (!scen && !state) {
		cli_error("replay", "no machine: give a state file (--init-snapshot STATE) or a SCENARIO");
		goto out;
	}

	/* The configuration: SCENARIO, or a built-in one (name replay, an idle workload: the trace is the load). */
	const char **all = calloc((size_t)ov.nr + 8, sizeof(char *));
	char *snap_set = NULL;
	if (!all) {
		rc = 1;
		goto out;
	}
	unsigned nr_all = 0;
	if (!scen) {
		all[nr_all++] = "name=replay";
		all[nr_all++] = "workloads.trace.type=idle";
	}
	for (unsigned i = 0; i < ov.nr; i++)
		all[nr_all++] = ov.sets[i];
	if (state) {
		size_t n = strlen(state) + 32;
		snap_set = malloc(n);
		if (!snap_set) {
			free(all);
			rc = 1;
			goto out;
		}
		snprintf(snap_set, n, "init.snapshot=%s", state);
		all[nr_all++] = snap_set;
	}
	struct frag_scenario *sc;
	struct frag_config cfg;
	struct frag_hole *holes;
	ret = cli_scenario_open("replay", scen, all, nr_all, &sc, &cfg, &holes);
	free(all);
	if (ret) {
		free(snap_set);
		goto out;
	}
	struct frag_snap snap;
	bool have_snap = false;
	struct cli_outputs files = { .keys = NULL };
	if (sc->init.snapshot[0]) {
		if (frag_snap_load(sc->init.snapshot, &snap, err, sizeof err)) {
			cli_error("replay", "%s", err);
			goto out_sc;
		}
		have_snap = true;
		/* the real machine's sysctls, as `fragsim predict STATE` */
		frag_snap_apply_sysctl(&snap, &cfg.sysctl);
	}

	if (cli_outputs_open("replay", out, sc, &files)) {
		rc = 1;
		goto out_sc;
	}
	char name[FRAG_PARAM_STRLEN + 16];
	snprintf(name, sizeof name, "%s", sc->run.name);
	const char *policy = sc->policy ? sc->policy->name : "linux";
	struct frag_replay_opts o = {
		.trace = trace,
		.snap = have_snap ? &snap : NULL,
		.grow_uninit = grow,
		.sample_period_ns = sc->run.sample_period,
		.check_every = check,
		.ident = cli_outputs_ident(&files),
		.scenario_name = name,
		.scenario_path = scen ? scen : trace,
		.scenario_hash = sc->hash,
		.config_json = sc->resolved,
		.policy = policy,
		.seed = sc->run.seed,
	};
	o.nr_sinks = cli_outputs_sinks(&files, o.sinks);
	o.stop = cli_stop_catch();
	struct frag_replay_result res;
	ret = frag_replay(&cfg, &o, &res, err, sizeof err);
	cli_stop_release();
	if (ret && !res.status[0]) {
		cli_error("replay", "%s", err);
		rc = ret == -ENOMEM || ret == -EIO ? 1 : EXIT_USAGE;
		goto out_sc;
	}
	if (!quiet) {
		printf("trace: %s\nformat: %s\nmachine: %s\npolicy: %s\nseed: %llu\nrun: %s\nstatus: %s\n", trace,
		       res.info.format, have_snap ? sc->init.snapshot : scen, policy, (unsigned long long)sc->run.seed,
		       res.uid, res.status);
		if (res.message[0])
			printf("message: %s\n", res.message);
		for (int t = 0; t < NR_TEV_TYPES; t++)
			printf("trace.%s: %llu\n", frag_tev_names[t], (unsigned long long)res.info.nr_type[t]);
		for (int i = 0; i < NR_REPLAY_COUNTERS; i++)
			printf("%s: %llu\n", frag_replay_counter_names[i], (unsigned long long)res.c[i]);
		printf("extfrag_replay: %llu\n", (unsigned long long)res.stats[FRAG_STAT_extfrag]);
		printf("state_hash: %016llx\n", (unsigned long long)res.hash);
		static const char *const keys_out[] = { "free_mib", "pageblocks_mixed", "spb_free_now", "compact_stall",
							"compact_daemon_wake", "pgmigrate_success", "sim_seconds",
							"wall_seconds", "events_per_sec", "events_per_cpu_sec" };
		for (size_t i = 0; i < sizeof keys_out / sizeof keys_out[0]; i++)
			for (unsigned m = 0; m < res.nr_metrics; m++)
				if (!strcmp(res.metrics[m].name, keys_out[i]))
					cli_print_metric(keys_out[i], res.metrics[m].value);
		print_fidelity(&res);
		printf("database: %s\nhdf5: %s\n", files.db, files.h5file);
	}
	if (ret)
		cli_error("replay", "%s", err);
	rc = !ret && !strcmp(res.status, "complete") ? 0 : 1;
	frag_replay_result_free(&res);
out_sc:
	cli_outputs_free(&files);
	if (have_snap)
		frag_snap_free(&snap);
	free(holes);
	free(snap_set);
	frag_scenario_free(sc);
out:
	cli_overrides_free(&ov);
	return rc;
}
