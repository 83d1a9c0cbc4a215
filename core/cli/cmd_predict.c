/* SPDX-License-Identifier: MIT */
/*
 * cmd_predict.c - `fragsim predict SCENARIO [--at end|0] [--policy P]
 * [--seed N] [--set k=v]...`: how many hugetlb pages the kernel could add
 * to its pools now, in the state SCENARIO leaves the machine in (--at end,
 * the default: the scenario is simulated to its end, nothing is written)
 * or in the state it boots into (--at 0: the machine as frag_mem_create()
 * and the policy's init() leave it, before any workload ran).
 *
 * The counts come from frag_predict_hugetlb() (core/mm/predict.c): on a
 * clone of the machine, `echo N > nr_hugepages` with no limit, one page at
 * a time round-robin over the nodes, until the first failure; 2 MiB and
 * 1 GiB each from the same state. Prints key: value lines:
 *   hugetlb_2m_pages: N
 *   hugetlb_1g_pages: N
 *   hugetlb_1g_stop: REASON   why the next 1 GiB page failed
 *                             (frag_contig_reason_name())
 * plus the window and the page that blocked it when there is one.
 *
 * `fragsim predict STATE` (a state file of `fragsim snapshot`) predicts on the
 * restored real machine instead (docs/snapshot.md, docs/validation.md).
 *
 * Exit status: 0, 1 if the run failed, 2 for bad usage or a bad scenario.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "frag/scenario.h"
#include "frag/sim.h"
#include "frag/snap.h"
#include "internal_view.h"

static int usage(FILE *f, int rc)
{
	fprintf(f, "usage: fragsim predict SCENARIO [--at end|0] [--policy P] [--seed N] [--set KEY=VALUE]...\n"
		   "       fragsim predict STATE   (a state file of `fragsim snapshot`: the restored real machine)\n"
		   "How many 2 MiB and 1 GiB hugetlb pages the kernel could allocate now (nr_hugepages grown one page\n"
		   "at a time until the first failure, on a copy of the machine). --at end (default) simulates\n"
		   "SCENARIO to its end first (nothing is written); --at 0 uses the machine as it boots.\n"
		   "Prints hugetlb_2m_pages: N and hugetlb_1g_pages: N lines.\n");
	return rc;
}

static void print_prediction(const struct frag_predict_result *pr)
{
	const struct frag_contig_result *r = &pr->last_1g;

	printf("hugetlb_2m_pages: %llu\n", (unsigned long long)pr->hugetlb_2m_pages);
	printf("hugetlb_1g_pages: %llu\n", (unsigned long long)pr->hugetlb_1g_pages);
	printf("hugetlb_1g_stop: %s\n", frag_contig_reason_name(r->reason));
	if (r->window != FRAG_PFN_NONE)
		printf("hugetlb_1g_stop_window: %#llx\n", (unsigned long long)r->window);
	if (r->blocker_pfn != FRAG_PFN_NONE)
		printf("hugetlb_1g_stop_page: %#llx %s\n", (unsigned long long)r->blocker_pfn,
		       r->blocker_kind >= 0 ? frag_page_kind_names[r->blocker_kind] : "none");
	if (pr->restored_lru) {
		printf("hugetlb_2m_reclaimed: %llu\n", (unsigned long long)pr->reclaimed_2m);
		printf("hugetlb_1g_reclaimed: %llu\n", (unsigned long long)pr->reclaimed_1g);
	}
}

/* --at 0|end: @arg is the bool "at the start". */
static int take_at(const char *cmd, const char *val, void *arg)
{
	if (strcmp(val, "0") && strcmp(val, "end")) {
		cli_error(cmd, "--at '%s': expected 0 or end", val);
		return -EINVAL;
	}
	*(bool *)arg = !strcmp(val, "0");
	return 0;
}

int cmd_predict(int argc, char **argv)
{
	const char *path = NULL;
	struct cli_overrides ov;
	bool at_start = false;
	int rc = EXIT_USAGE;
	const struct cli_opt opts[] = {
		{ "--at", CLI_OPT_FN, .fn = take_at, .arg = &at_start },
		{ .name = NULL },
	};
	const struct cli_args args = {
		.cmd = "predict", .usage = usage, .opts = opts, .pos = &path, .nr_pos = 1, .pos_name = "scenario",
	};

	int ret = cli_parse_args(&args, &ov, argc, argv);
	if (ret) {
		rc = cli_args_status(ret);
		goto out;
	}

	/* A state file (`fragsim snapshot -o STATE`, docs/snapshot.md): the
	 * prediction on the restored real machine, linux policy. */
	if (cli_is_state_file(path)) {
		struct frag_snap snap;
		struct frag_mem *mem = NULL;
		struct frag_predict_result pr;
		rc = cli_snap_open("predict", path, &snap, &mem);
		if (rc)
			goto out;
		ret = frag_predict_hugetlb(mem, NULL, &pr);
		frag_mem_destroy(mem);
		frag_snap_free(&snap);
		if (ret) {
			cli_error("predict", "cannot copy the machine: %s", strerror(-ret));
			rc = 1;
			goto out;
		}
		printf("state: %s\npolicy: linux\n", path);
		print_prediction(&pr);
		rc = 0;
		goto out;
	}

	char err[2048];
	struct frag_scenario *sc;
	struct frag_config cfg;
	struct frag_hole *holes;
	if (cli_scenario_open("predict", path, ov.sets, ov.nr, &sc, &cfg, &holes))
		goto out;

	printf("scenario: %s\npolicy: %s\n", sc->run.name, sc->policy ? sc->policy->name : "linux");
	if (at_start) {
		struct frag_mem *mem;
		struct frag_predict_result pr;
		ret = frag_memcheck(frag_geometry_span(&cfg.geo), "key machine.memory", err, sizeof err);
		if (!ret)
			ret = frag_mem_create(&cfg, &mem, err, sizeof err);
		if (ret) {
			cli_error("predict", "%s: %s", path, err);
			rc = ret == -EINVAL ? EXIT_USAGE : 1;
			goto out_sc;
		}
		ret = frag_predict_hugetlb(mem, NULL, &pr);
		frag_mem_destroy(mem);
		if (ret) {
			cli_error("predict", "cannot copy the machine: %s", strerror(-ret));
			rc = 1;
			goto out_sc;
		}
		printf("at_ns: 0\n");
		print_prediction(&pr);
		rc = 0;
		goto out_sc;
	}

	/* To the end, no sinks: the engine predicts from the final state (both pools,
	 * whatever engine.predict says: that is what was asked for). */
	sc->run.predict = true;
	struct frag_sim_opts o = { .nr_sinks = 0, .predict_2m = true };
	struct frag_sim_result res;
	ret = frag_sim_run(sc, &cfg, &o, &res, err, sizeof err);
	if (ret && !res.status[0]) {
		cli_error("predict", "%s", err);
		rc = ret == -EINVAL ? EXIT_USAGE : 1;
		goto out_sc;
	}
	if (ret || strcmp(res.status, "complete") || !res.predicted) {
		cli_error("predict", "the run did not complete (%s%s%s)", res.status, res.message[0] ? ": " : "",
			  res.message);
		rc = 1;
	} else {
		printf("at_ns: %llu\n", (unsigned long long)res.sim_ns);
		print_prediction(&res.predict);
		rc = 0;
	}
	frag_sim_result_free(&res);
out_sc:
	free(holes);
	frag_scenario_free(sc);
out:
	cli_overrides_free(&ov);
	return rc;
}
