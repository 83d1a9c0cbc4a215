/* SPDX-License-Identifier: MIT */
/*
 * sink_writer.c - write a small results set through the real sinks, for
 * tests/python/test_results_readback.py.
 *
 * Usage: sink_writer OUTDIR
 *
 * Writes OUTDIR/fragsim.db (sqlite sink) and OUTDIR/runs/<uid>.h5 (h5 sink)
 * for three runs:
 *   1111...  complete     20 epochs, 3 events, 3 metrics
 *   2222...  interrupted   5 epochs, message "SIGINT"
 *   3333...  killed        (SIGKILL after open and 3 epochs: never finished)
 * and prints a JSON manifest on stdout (geometry, epochs per run, the
 * counter names). Values follow fixed formulas the test recomputes:
 *   t_ns[e]                     = (e + 1) * sample_period_ns
 *   counters[e][c]              = e * 1000 + c
 *   free_blocks[e][z][o][mt]    = e + 100 z + 10 o + mt
 *   pageblock_type[e][p]        = (p + e) % 6 | (p % 7 == 0 ? FRAG_PB_FREE : 0)
 *   spb[e][s][f]                = 100 e + 20 s + f
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "frag/stat_list.h"
#include "results/results.h"

#define NR_ZONES 3
#define NR_PB    (8 + 2040 + 1024)
#define NR_SPB   4
#define PERIOD   1000000ull

static const struct frag_zone_desc zones[NR_ZONES] = {
	{ 0, "DMA", 0, 4096, 3977, 0, 8, 0, 0 },
	{ 0, "DMA32", 4096, 1044480, 1044480 - 3000, 8, 2040, 0, 2 },
	{ 0, "Normal", 1048576, 524288, 524288, 2048, 1024, 2, 2 },
};

#define NAME(name, kind, unit, help) #name,
#define UNIT(name, kind, unit, help) unit,
static const char *const cnt_names[] = { FRAG_STAT_LIST(NAME) };
static const char *const cnt_units[] = { FRAG_STAT_LIST(UNIT) };
#define NR_CNT (sizeof cnt_names / sizeof cnt_names[0])

static const char *const pkeys[] = { "machine.ram", "policy.name", "seed" };
static const char *const pvals[] = { "4GiB", "linux", "7" };

static const struct frag_metric metrics[] = {
	{ "thp_fault_alloc", 12, "count" },
	{ "thp_success_ratio", 0.75, "ratio" },
	{ "free_pages", 123456, "pages" },
};

static const struct frag_event_rec events[] = {
	{ 100, "hugetlb_1g", 3, 0, 262144, 18, 5000, "ok", "{\"migrated\":12}" },
	{ 200, "alloc_fail", -1, -1, FRAG_PFN_NONE, -1, 0, "fail", NULL },
	{ 300, "oom", 1, 0, FRAG_PFN_NONE, 9, -7, "", NULL },
};

static char outdir[4096], db_path[4200], h5_dir[4200];

static int die(const char *what, const char *err)
{
	fprintf(stderr, "sink_writer: %s: %s\n", what, err);
	exit(1);
}

static void write_run(const char *uid, unsigned nr_epochs, const char *status, const char *message)
{
	static uint64_t cnt[NR_CNT];
	static uint32_t fb[NR_ZONES][NR_PAGE_ORDERS][MIGRATE_TYPES];
	static uint8_t pb[NR_PB];
	static uint32_t spb[NR_SPB][FRAG_SPB_NR_FIELDS];
	struct frag_run_info ri = {
		.scenario_name = "readback", .scenario_path = "scenarios/readback.yaml",
		.scenario_hash = 0xfeedfacecafebeefull, .config_json = "{\"run\":{\"name\":\"readback\"},\"seed\":7}",
		.policy = "linux", .seed = 7, .git_rev = "test", .version = "0.1.0", .simgrid_version = "3.32",
		.duration_ns = 20 * PERIOD, .sample_period_ns = PERIOD,
		.nr_params = 3, .param_keys = pkeys, .param_values = pvals,
		.nr_zones = NR_ZONES, .zones = zones, .nr_pageblocks = NR_PB, .nr_spbs = NR_SPB,
		.nr_counters = NR_CNT, .counter_names = cnt_names, .counter_units = cnt_units,
	};
	struct frag_run_end end = { .status = status, .message = message, .wall_seconds = 0.5,
				    .sim_ns = nr_epochs * PERIOD, .nr_metrics = 3, .metrics = metrics };
	char h5_file[4400], err[1024];
	void *hs, *hh;

	snprintf(ri.uid, sizeof ri.uid, "%s", uid);
	snprintf(h5_file, sizeof h5_file, "%s/%s.h5", h5_dir, uid);
	ri.h5_file = h5_file;
	if (frag_sink_h5.open(&hh, h5_dir, &ri, err, sizeof err))
		die("h5 open", err);
	if (frag_sink_sqlite.open(&hs, db_path, &ri, err, sizeof err))
		die("sqlite open", err);
	for (uint64_t e = 0; e < nr_epochs; e++) {
		struct frag_epoch ep = { .t_ns = (e + 1) * PERIOD, .counters = cnt,
					 .free_blocks = &fb[0][0][0], .pb_type = pb, .spb = &spb[0][0] };

		for (unsigned c = 0; c < NR_CNT; c++)
			cnt[c] = e * 1000 + c;
		for (unsigned z = 0; z < NR_ZONES; z++)
			for (unsigned o = 0; o < NR_PAGE_ORDERS; o++)
				for (unsigned mt = 0; mt < MIGRATE_TYPES; mt++)
					fb[z][o][mt] = (uint32_t)(e + 100 * z + 10 * o + mt);
		for (unsigned p = 0; p < NR_PB; p++)
			pb[p] = (uint8_t)((p + e) % 6) | (p % 7 == 0 ? FRAG_PB_FREE : 0);
		for (unsigned s = 0; s < NR_SPB; s++)
			for (unsigned f = 0; f < FRAG_SPB_NR_FIELDS; f++)
				spb[s][f] = (uint32_t)(100 * e + 20 * s + f);
		if (frag_sink_h5.epoch(hh, &ep) || frag_sink_sqlite.epoch(hs, &ep))
			die("epoch", frag_sink_h5.last_error(hh));
	}
	if (!status) {
		fflush(NULL);
		kill(getpid(), SIGKILL);
	}
	for (unsigned i = 0; i < 3; i++)
		if (frag_sink_h5.event(hh, &events[i]) || frag_sink_sqlite.event(hs, &events[i]))
			die("event", "failed");
	if (frag_sink_h5.finish(hh, &end))
		die("h5 finish", frag_sink_h5.last_error(hh));
	if (frag_sink_sqlite.finish(hs, &end))
		die("sqlite finish", frag_sink_sqlite.last_error(hs));
	frag_sink_h5.close(hh);
	frag_sink_sqlite.close(hs);
}

int main(int argc, char **argv)
{
	pid_t pid;
	int st;

	if (argc != 2) {
		fprintf(stderr, "usage: sink_writer OUTDIR\n");
		return 2;
	}
	snprintf(outdir, sizeof outdir, "%s", argv[1]);
	snprintf(db_path, sizeof db_path, "%s/fragsim.db", outdir);
	snprintf(h5_dir, sizeof h5_dir, "%s/runs", outdir);

	write_run("11111111111111111111111111111111", 20, "complete", "");
	write_run("22222222222222222222222222222222", 5, "interrupted", "SIGINT");
	fflush(NULL);
	pid = fork();
	if (pid == 0)
		write_run("33333333333333333333333333333333", 3, NULL, NULL);
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFSIGNALED(st))
		die("killed run", "child did not die by SIGKILL");

	printf("{\"db\": \"fragsim.db\", \"h5_dir\": \"runs\", \"nr_zones\": %d, \"nr_pageblocks\": %d,"
	       " \"nr_spbs\": %d, \"nr_orders\": %d, \"nr_migratetypes\": %d, \"nr_spb_fields\": %d,"
	       " \"sample_period_ns\": %llu, \"stats_version\": %d, \"schema_version\": %d,"
	       " \"format_version\": %d,"
	       " \"runs\": {\"11111111111111111111111111111111\": [\"complete\", 20],"
	       " \"22222222222222222222222222222222\": [\"interrupted\", 5],"
	       " \"33333333333333333333333333333333\": [\"running\", 3]},"
	       " \"counters\": [",
	       NR_ZONES, NR_PB, NR_SPB, NR_PAGE_ORDERS, MIGRATE_TYPES, FRAG_SPB_NR_FIELDS, PERIOD,
	       FRAG_STATS_VERSION, FRAG_RESULTS_SCHEMA_VERSION, FRAG_H5_FORMAT_VERSION);
	for (unsigned c = 0; c < NR_CNT; c++)
		printf("%s[\"%s\", \"%s\"]", c ? ", " : "", cnt_names[c], cnt_units[c]);
	printf("]}\n");
	return 0;
}
