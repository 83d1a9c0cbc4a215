/* SPDX-License-Identifier: MIT */
/*
 * fuzz_trace.c - the trace readers of `fragsim replay` (core/replay/trace.c
 * frag_trace_read()): the capture's CSV and the `trace-cmd report` / tracefs
 * text form, plain or xz/zstd-compressed, detected from the first bytes.
 * Every event handed out is checked for sane fields. Inputs that start with
 * the trace.dat magic are skipped: that form is parsed by libtracecmd, a
 * third-party library built without the fuzzer's instrumentation (its bad
 * inputs are covered by tests/cli/test_replay.sh). Seeds: the first lines
 * of the shipped main trace cut in both text forms.
 */
#include <stdlib.h>
#include <string.h>

#include "frag/trace.h"
#include "fuzz.h"

static int check_event(const struct frag_tev *ev, void *arg)
{
	uint64_t *n = arg;
	if ((unsigned)ev->type >= NR_TEV_TYPES)
		abort();
	++*n;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t dat_magic[10] = { 0x17, 0x08, 0x44, 't', 'r', 'a', 'c', 'i', 'n', 'g' };
	struct frag_trace_info info;
	uint64_t seen = 0, sum = 0;
	char err[512];

	if (size >= sizeof dat_magic && !memcmp(data, dat_magic, sizeof dat_magic))
		return 0;
	const char *path = fuzz_file("trace", data, size);
	if (frag_trace_read(path, check_event, &seen, &info, err, sizeof err))
		return 0;
	/* A read that succeeds accounts for every event it handed out, once. */
	for (unsigned t = 0; t < NR_TEV_TYPES; t++)
		sum += info.nr_type[t];
	if (seen != info.nr_events || sum != info.nr_events)
		abort();
	return 0;
}
