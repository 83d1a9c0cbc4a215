/* SPDX-License-Identifier: MIT */
/*
 * memcheck.c - refuse up front a machine whose model would not fit in this
 * host's memory (docs/errors.md "Resource limits"), instead of an
 * allocation failure or the OOM killer halfway through a run.
 *
 * The estimate is frag_mem_estimate() (16 bytes per 4 KiB pfn, pageblocks,
 * a fixed 64 MiB); the host's memory is MemAvailable of /proc/meminfo, or
 * FRAGSIM_MEM_AVAILABLE (bytes, K/M/G/T suffixes; for tests) when set.
 * FRAGSIM_NO_MEMCHECK=1 skips the check. Without /proc/meminfo nothing is
 * refused.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frag/snap.h"

/* Bytes available to a new process, 0 when unknown. */
static uint64_t mem_available(void)
{
	const char *env = getenv("FRAGSIM_MEM_AVAILABLE");
	if (env && *env) {
		char *end;
		errno = 0;
		unsigned long long v = strtoull(env, &end, 10);
		if (errno || end == env)
			return 0;
		switch (*end) {
		case 'T': v <<= 10; /* fallthrough */
		case 'G': v <<= 10; /* fallthrough */
		case 'M': v <<= 10; /* fallthrough */
		case 'K': v <<= 10; break;
		default: break;
		}
		return v;
	}
	FILE *f = fopen("/proc/meminfo", "r");
	if (!f)
		return 0;
	char line[256];
	unsigned long long kb = 0;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1)
			break;
	fclose(f);
	return (uint64_t)kb << 10;
}

/* @b as "12.3 GiB", or "456 MiB" below 1 GiB. */
static const char *human(uint64_t b, char *buf, size_t len)
{
	if (b >= 1ull << 30)
		snprintf(buf, len, "%.1f GiB", (double)b / (double)(1ull << 30));
	else
		snprintf(buf, len, "%llu MiB", (unsigned long long)(b >> 20));
	return buf;
}

int frag_memcheck(uint64_t nr_pfns, const char *what, char *err, size_t errlen)
{
	const char *skip = getenv("FRAGSIM_NO_MEMCHECK");
	if (skip && *skip && strcmp(skip, "0"))
		return 0;
	uint64_t avail = mem_available();
	uint64_t need = frag_mem_estimate(nr_pfns);
	if (!avail || need <= avail)
		return 0;
	char span[32], n[32], a[32];
	snprintf(err, errlen,
		 "%s: %llu pfns (%s of physical addresses) need about %s for the model (16 bytes per 4 KiB page + 64 MiB), "
		 "but this machine has %s available (MemAvailable); use a smaller machine, or set FRAGSIM_NO_MEMCHECK=1 to "
		 "try anyway", what, (unsigned long long)nr_pfns, human(nr_pfns << FRAG_PAGE_SHIFT, span, sizeof span),
		 human(need, n, sizeof n), human(avail, a, sizeof a));
	return -ENOMEM;
}
