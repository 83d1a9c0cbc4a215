/* SPDX-License-Identifier: MIT */
/*
 * cli_util.c - what `fragsim run` and `fragsim replay` share around the
 * engine: Ctrl-C (cli_stop_catch()), the result files in the --out
 * directory (cli_outputs_open()) and the summary lines (cli_print_metric()).
 * Contracts in cli.h.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "../../results/results.h"
#include "cli.h"
#include "frag/scenario.h"
#include "frag/sim.h"

static volatile sig_atomic_t stop_requested;

/* The first SIGINT/SIGTERM asks the engine to stop at its next batch
 * boundary; a second one, if the run has not ended by then, kills the
 * process at once (the run row then stays 'running', as after SIGKILL). */
static void on_signal(int sig)
{
	if (stop_requested) {
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	stop_requested = 1;
}

volatile sig_atomic_t *cli_stop_catch(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	stop_requested = 0;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	return &stop_requested;
}

void cli_stop_release(void)
{
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
}

void cli_print_metric(const char *key, double v)
{
	if (v == (double)(long long)v && v < 1e15 && v > -1e15)
		printf("%s: %lld\n", key, (long long)v);
	else
		printf("%s: %.6g\n", key, v);
}

int cli_outputs_open(const char *cmd, const char *dir, const struct frag_scenario *sc, struct cli_outputs *o)
{
	int ret;

	o->keys = o->values = NULL;
	o->nr_params = 0;
	snprintf(o->db, sizeof o->db, "%s/fragsim.db", dir);
	snprintf(o->h5dir, sizeof o->h5dir, "%s/runs", dir);
	ret = frag_run_uid_new(o->uid);
	if (ret) {
		cli_error(cmd, "no randomness for a run id: %s", strerror(-ret));
		return ret;
	}
	snprintf(o->h5file, sizeof o->h5file, "%s/%s.h5", o->h5dir, o->uid);
	ret = frag_scenario_flatten(sc, &o->keys, &o->values, &o->nr_params);
	if (ret) {
		cli_error(cmd, "out of memory");
		return ret;
	}
	return 0;
}

unsigned cli_outputs_sinks(const struct cli_outputs *o, struct frag_sim_sink *sinks)
{
	sinks[0] = (struct frag_sim_sink){ &frag_sink_sqlite, o->db };
	sinks[1] = (struct frag_sim_sink){ &frag_sink_h5, o->h5dir };
	return 2;
}

struct frag_run_ident cli_outputs_ident(const struct cli_outputs *o)
{
	return (struct frag_run_ident){
		.uid = o->uid,
		.h5_file = o->h5file,
		.nr_params = o->nr_params,
		.param_keys = (const char *const *)o->keys,
		.param_values = (const char *const *)o->values,
		.git_rev = FRAGSIM_GIT_REV,
		.version = FRAGSIM_VERSION,
	};
}

void cli_outputs_free(struct cli_outputs *o)
{
	frag_scenario_flatten_free(o->keys, o->values, o->nr_params);
	o->keys = o->values = NULL;
	o->nr_params = 0;
}
