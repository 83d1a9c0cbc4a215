/* SPDX-License-Identifier: MIT */
/*
 * memlat: the host's latency for loads that miss every cache, the floor
 * under fragsim's events per second.
 *
 * A simulated machine's struct pages (16 bytes per 4 KiB page: 1 GiB for
 * rfc-256g's 241 GiB) are read at random places: the page a workload frees,
 * its buddy, its free-list neighbours. When such a load waits for the one
 * before it (a dependent chain), each costs the full memory latency; loads
 * that do not depend on each other overlap (memory-level parallelism).
 * memlat measures both over a working set of the given size: a random
 * cyclic permutation of 64-byte lines, walked by 1, 2, 4 and 8 independent
 * chains, on memory advised for transparent huge pages as fragsim's tables
 * are (frag_hugemem_alloc()). docs/performance.md uses the figures.
 *
 * usage: memlat [MIB]   (default 1024; at least 1)
 * Prints one key: value line per chain count, ns per load and per step of
 * one chain.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#define LINE_WORDS 8   /* uint64_t per 64-byte cache line */
#define LOADS 20000000ull

static volatile uint64_t sink;

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* xorshift64: the permutation only has to defeat the prefetchers. */
static uint64_t next_rand(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

int main(int argc, char **argv)
{
	char *end = NULL;
	unsigned long mib = 1024;

	if (argc > 2 || (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")))) {
		fprintf(stderr, "usage: memlat [MIB]   (working set in MiB, default 1024)\n");
		return argc > 2 ? 2 : 0;
	}
	if (argc == 2) {
		errno = 0;
		mib = strtoul(argv[1], &end, 10);
		if (errno || !end || *end || !mib || mib > (1ul << 20)) {
			fprintf(stderr, "memlat: MIB wants a whole number of MiB from 1 to 1048576, not '%s'\n", argv[1]);
			return 2;
		}
	}

	size_t bytes = (size_t)mib << 20, lines = bytes / 64;
	uint64_t *a = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint32_t *perm = malloc(lines * sizeof(*perm));
	if (a == MAP_FAILED || !perm) {
		fprintf(stderr, "memlat: cannot allocate %lu MiB\n", mib);
		return 1;
	}
	madvise(a, bytes, MADV_HUGEPAGE);

	/* A random cycle through every line: line perm[i] points to perm[i + 1]. */
	uint64_t x = 88172645463325252ull;
	for (size_t i = 0; i < lines; i++)
		perm[i] = (uint32_t)i;
	for (size_t i = lines - 1; i > 0; i--) {
		size_t j = next_rand(&x) % (i + 1);
		uint32_t t = perm[i];
		perm[i] = perm[j];
		perm[j] = t;
	}
	for (size_t i = 0; i < lines; i++)
		a[(size_t)perm[i] * LINE_WORDS] = (uint64_t)perm[(i + 1) % lines] * LINE_WORDS;

	printf("working_set_mib: %lu\n", mib);
	for (unsigned chains = 1; chains <= 8; chains *= 2) {
		uint64_t p[8], sum = 0;
		for (unsigned c = 0; c < chains; c++)
			p[c] = (uint64_t)perm[c * (lines / 8)] * LINE_WORDS;
		uint64_t steps = LOADS / chains;
		double t0 = now();
		for (uint64_t s = 0; s < steps; s++)
			for (unsigned c = 0; c < chains; c++)
				p[c] = a[p[c]];
		double t = now() - t0;
		for (unsigned c = 0; c < chains; c++)
			sum += p[c];
		sink = sum;   /* the walk's result is used: it cannot be optimised away */
		printf("chains_%u: %.1f ns per load, %.1f ns per chain step\n", chains, t * 1e9 / (double)(steps * chains),
		       t * 1e9 / (double)steps);
	}
	free(perm);
	munmap(a, bytes);
	return 0;
}
