/* SPDX-License-Identifier: MIT */
/*
 * text_sink.c - frag_sink_text: the run's identity when it starts and a
 * "key: value" summary when it ends, on stdout ("text:-") or appended to a
 * file ("text:out/summary.txt"). (`fragsim run` prints its own summary;
 * this sink is for library users and tests.)
 *
 * Format (one "key: value" per line; keys never contain ": "):
 *   run: <uid>
 *   scenario: <name>
 *   scenario_path: <path>            (only if the scenario came from a file)
 *   scenario_hash: <16 hex digits>
 *   policy: <name>
 *   seed: <decimal>
 *   fragsim: <version> (<git rev>)
 *   simgrid: <version>
 * and at finish():
 *   <metric name>: <value>           one line per metric, in the given order
 *   events: <count of event() calls>
 *   status: complete|interrupted|failed
 *   message: <text>                  (only if non-empty)
 *   wall_seconds: <value>
 *   sim_seconds: <value>
 * then an empty line. Values: integers are printed without a fraction
 * (e.g. 512), other numbers with %.9g; NaN as "nan". Epochs are not printed.
 * close() without finish() prints "status: failed" and "message: closed
 * before finish".
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "results/internal.h"

/* An open run on a text stream. */
struct text_sink {
	FILE *f;                /* stdout or the file */
	bool own;               /* f was opened here (close it) */
	char *path;             /* "-" or the file */
	uint64_t nr_events;     /* event() calls */
	bool finished;          /* finish() done */
	char errmsg[512];       /* last failure */
};

/* Print @v as documented above. */
static void print_value(FILE *f, double v)
{
	if (isnan(v))
		fputs("nan", f);
	else if (v == floor(v) && fabs(v) < 9007199254740992.0)
		fprintf(f, "%.0f", v);
	else
		fprintf(f, "%.9g", v);
}

static const char *or_empty(const char *s)
{
	return s ? s : "";
}

static int text_check(struct text_sink *t)
{
	if (fflush(t->f) || ferror(t->f)) {
		int e = errno ? errno : EIO;
		snprintf(t->errmsg, sizeof t->errmsg, "%s: write error: %s",
			 strcmp(t->path, "-") ? t->path : "stdout", strerror(e));
		return -e;
	}
	return 0;
}

static int text_open(void **hp, const char *path, const struct frag_run_info *ri, char *err, size_t errlen)
{
	struct text_sink *t;
	int rc;

	*hp = NULL;
	if (!path || !*path) {
		frag_results_errf(err, errlen, "text: no path given (use text:- for stdout)");
		return -EINVAL;
	}
	if (!ri) {
		frag_results_errf(err, errlen, "text: no run information");
		return -EINVAL;
	}
	t = calloc(1, sizeof *t);
	if (!t || !(t->path = strdup(path))) {
		free(t);
		frag_results_errf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	if (!strcmp(path, "-")) {
		t->f = stdout;
	} else {
		rc = frag_results_mkdirs_parent(path, err, errlen);
		if (rc) {
			free(t->path);
			free(t);
			return rc;
		}
		t->f = fopen(path, "a");
		if (!t->f) {
			rc = -errno;
			frag_results_errf(err, errlen, "cannot open %s: %s", path, strerror(-rc));
			free(t->path);
			free(t);
			return rc;
		}
		t->own = true;
	}
	fprintf(t->f, "run: %s\n", ri->uid);
	fprintf(t->f, "scenario: %s\n", or_empty(ri->scenario_name));
	if (ri->scenario_path && *ri->scenario_path)
		fprintf(t->f, "scenario_path: %s\n", ri->scenario_path);
	fprintf(t->f, "scenario_hash: %016" PRIx64 "\n", ri->scenario_hash);
	fprintf(t->f, "policy: %s\n", or_empty(ri->policy));
	fprintf(t->f, "seed: %" PRIu64 "\n", ri->seed);
	fprintf(t->f, "fragsim: %s (%s)\n", or_empty(ri->version), ri->git_rev ? ri->git_rev : "unknown");
	fprintf(t->f, "simgrid: %s\n", or_empty(ri->simgrid_version));
	rc = text_check(t);
	if (rc) {
		frag_results_errf(err, errlen, "%s", t->errmsg);
		if (t->own)
			fclose(t->f);
		free(t->path);
		free(t);
		return rc;
	}
	*hp = t;
	return 0;
}

static int text_epoch(void *h, const struct frag_epoch *e)
{
	(void)h;
	(void)e;
	return 0;
}

static int text_event(void *h, const struct frag_event_rec *ev)
{
	struct text_sink *t = h;

	(void)ev;
	t->nr_events++;
	return 0;
}

static int text_finish(void *h, const struct frag_run_end *end)
{
	struct text_sink *t = h;

	if (t->finished) {
		snprintf(t->errmsg, sizeof t->errmsg, "%s: finish() called twice", t->path);
		return -EINVAL;
	}
	if (!end || !frag_results_end_status_valid(end->status)) {
		snprintf(t->errmsg, sizeof t->errmsg, "%s: invalid end status", t->path);
		return -EINVAL;
	}
	t->finished = true;
	for (unsigned i = 0; i < end->nr_metrics; i++) {
		fprintf(t->f, "%s: ", or_empty(end->metrics[i].name));
		print_value(t->f, end->metrics[i].value);
		fputc('\n', t->f);
	}
	fprintf(t->f, "events: %" PRIu64 "\n", t->nr_events);
	fprintf(t->f, "status: %s\n", end->status);
	if (end->message && *end->message)
		fprintf(t->f, "message: %s\n", end->message);
	fputs("wall_seconds: ", t->f);
	print_value(t->f, end->wall_seconds);
	fputs("\nsim_seconds: ", t->f);
	print_value(t->f, (double)end->sim_ns / 1e9);
	fputs("\n\n", t->f);
	return text_check(t);
}

static void text_close(void *h)
{
	struct text_sink *t = h;

	if (!t)
		return;
	if (!t->finished) {
		fputs("status: failed\nmessage: closed before finish\n\n", t->f);
		fflush(t->f);
	}
	if (t->own)
		fclose(t->f);
	else
		fflush(t->f);
	free(t->path);
	free(t);
}

static const char *text_last_error(void *h)
{
	struct text_sink *t = h;

	return t ? t->errmsg : "";
}

const struct frag_sink_ops frag_sink_text = {
	.scheme = "text",
	.open = text_open,
	.epoch = text_epoch,
	.event = text_event,
	.finish = text_finish,
	.close = text_close,
	.last_error = text_last_error,
};
