/* SPDX-License-Identifier: MIT */
/*
 * cmd_demo.c - `fragsim demo`: a built-in fill-and-churn of one machine.
 *
 * The allocator library alone, without the SimGrid engine (`fragsim run`
 * is the main job): it builds a machine, fills it to --fill percent with a kernel-like mix of
 * allocations and churns it for --ops operations, then prints the
 * kernel-format views (/proc/buddyinfo, /proc/pagetypeinfo, debugfs extfrag
 * indices), the SPB summary and the counters.
 *
 * The mix (fractions of allocation requests):
 *   60% anon/page cache, order 0, GFP_HIGHUSER_MOVABLE, LRU, short-lived
 *    5% THP faults, order 9, GFP_TRANSHUGE_LIGHT (defrag=madvise, not
 *       madvised): falls back to 512 order-0 pages on failure
 *   15% slab/kernel, orders 0-3, GFP_KERNEL, long-lived
 *   10% reclaimable slab (dentry/inode), orders 0-1, GFP_KERNEL|__GFP_RECLAIMABLE
 *    5% page tables, order 0, GFP_KERNEL
 *    5% network buffers, order 0-3, GFP_ATOMIC, short-lived
 * Frees pick a random live block, weighted so that movable memory turns
 * over four times faster than kernel memory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "frag/mm.h"
#include "frag/policy.h"
#include "frag/vmstat.h"
#include "rng.h"

struct live {
	uint64_t pfn;
	uint8_t order;
	uint8_t cpu;
	uint8_t movable;
};

struct demo {
	struct frag_mem *mem;
	struct frag_rng rng;
	struct live *blocks;
	size_t nr, cap;
	uint64_t used_pages;
	uint64_t thp_alloc, thp_fallback, fail;
};

static void push(struct demo *d, uint64_t pfn, unsigned order, unsigned cpu, bool movable)
{
	if (d->nr == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 1 << 16;
		d->blocks = realloc(d->blocks, d->cap * sizeof(*d->blocks));
		if (!d->blocks) {
			fprintf(stderr, "fragsim demo: out of memory\n");
			exit(1);
		}
	}
	d->blocks[d->nr++] = (struct live){ pfn, (uint8_t)order, (uint8_t)cpu, (uint8_t)movable };
	d->used_pages += 1ull << order;
}

static void alloc_one(struct demo *d)
{
	unsigned cpu = (unsigned)frag_rng_below(&d->rng, frag_nr_cpus(d->mem));
	uint64_t r = frag_rng_below(&d->rng, 100);
	struct frag_owner o = { 0 };
	unsigned order = 0;
	gfp_t gfp;

	if (r < 60) {
		gfp = GFP_HIGHUSER_MOVABLE;
		o.kind = (r & 1) ? KIND_ANON : KIND_FILE;
		o.flags = OWNER_LRU;
	} else if (r < 65) {
		gfp = GFP_TRANSHUGE_LIGHT;
		order = HPAGE_PMD_ORDER;
		o.kind = KIND_ANON;
		o.flags = OWNER_LRU | OWNER_COMPOUND;
	} else if (r < 80) {
		gfp = GFP_KERNEL;
		order = (unsigned)frag_rng_below(&d->rng, 4);
		o.kind = KIND_SLAB;
	} else if (r < 90) {
		gfp = GFP_KERNEL | __GFP_RECLAIMABLE;
		order = (unsigned)frag_rng_below(&d->rng, 2);
		o.kind = KIND_SLAB;
	} else if (r < 95) {
		gfp = GFP_KERNEL;
		o.kind = KIND_PGTABLE;
	} else {
		gfp = GFP_ATOMIC;
		order = (unsigned)frag_rng_below(&d->rng, 4);
		o.kind = KIND_NETBUF;
	}
	uint64_t pfn = frag_alloc_pages(d->mem, cpu, order, gfp, &o);
	if (order == HPAGE_PMD_ORDER) {
		if (pfn != FRAG_PFN_NONE) {
			d->thp_alloc++;
		} else {
			/* thp_fault_fallback: the fault is served with an order-0 page. */
			d->thp_fallback++;
			o.flags = OWNER_LRU;
			pfn = frag_alloc_pages(d->mem, cpu, 0, GFP_HIGHUSER_MOVABLE, &o);
			order = 0;
		}
	}
	if (pfn == FRAG_PFN_NONE) {
		d->fail++;
		return;
	}
	push(d, pfn, order, cpu, gfp & __GFP_MOVABLE);
}

static void free_one(struct demo *d)
{
	if (!d->nr)
		return;
	size_t i = frag_rng_below(&d->rng, d->nr);
	/* Kernel memory is freed four times less often than movable memory. */
	if (!d->blocks[i].movable && frag_rng_below(&d->rng, 4))
		i = frag_rng_below(&d->rng, d->nr);
	struct live b = d->blocks[i];
	unsigned cpu = (unsigned)frag_rng_below(&d->rng, frag_nr_cpus(d->mem));
	if (frag_free_pages(d->mem, cpu, b.pfn, b.order)) {
		fprintf(stderr, "fragsim demo: BUG: free of %#llx order %u refused\n", (unsigned long long)b.pfn,
			b.order);
		exit(1);
	}
	d->used_pages -= 1ull << b.order;
	d->blocks[i] = d->blocks[--d->nr];
}

static int usage(FILE *f, int rc)
{
	fprintf(f,
		"usage: fragsim demo [--size BYTES] [--cpus N] [--nodes N] [--policy NAME] [--seed N]\n"
		"                    [--fill PCT] [--ops N] [--check N]\n"
		"Builds a machine (default 4G, 4 CPUs, 1 node, policy linux), fills it to --fill percent\n"
		"(default 90) with a kernel-like allocation mix, churns it for --ops operations (default\n"
		"2000000) and prints buddyinfo, pagetypeinfo, extfrag indices, the SPB summary and counters.\n"
		"--check N verifies every invariant every N operations (slow).\n");
	return rc;
}

int cmd_demo(int argc, char **argv)
{
	uint64_t size = 4ull << 30, cpus = 4, nodes = 1, seed = 1, fill = 90, ops = 2000000, check = 0;
	const char *policy = "linux";

	for (int i = 1; i < argc; i++) {
		const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
		bool ok = true;
		if (!strcmp(opt, "--help") || !strcmp(opt, "-h"))
			return usage(stdout, 0);
		if (!val) {
			cli_error("demo", "option '%s' needs a value (or is unknown)", opt);
			return usage(stderr, EXIT_USAGE);
		}
		i++;
		if (!strcmp(opt, "--size"))
			ok = cli_parse_size(val, &size) && size >= (64ull << 20) && size <= (16ull << 40);
		else if (!strcmp(opt, "--cpus"))
			ok = cli_parse_uint(val, 1, 256, &cpus);
		else if (!strcmp(opt, "--nodes"))
			ok = cli_parse_uint(val, 1, 64, &nodes);
		else if (!strcmp(opt, "--seed"))
			ok = cli_parse_uint(val, 0, UINT64_MAX, &seed);
		else if (!strcmp(opt, "--fill"))
			ok = cli_parse_uint(val, 1, 99, &fill);
		else if (!strcmp(opt, "--ops"))
			ok = cli_parse_uint(val, 0, 1ull << 40, &ops);
		else if (!strcmp(opt, "--check"))
			ok = cli_parse_uint(val, 0, 1ull << 32, &check);
		else if (!strcmp(opt, "--policy"))
			policy = val;
		else {
			cli_error("demo", "unknown option '%s'", opt);
			return usage(stderr, EXIT_USAGE);
		}
		if (!ok) {
			cli_error("demo", "invalid value '%s' for %s", val, opt);
			return usage(stderr, EXIT_USAGE);
		}
	}
	if (cpus < nodes) {
		cli_error("demo", "--cpus %llu is fewer than --nodes %llu", (unsigned long long)cpus,
			  (unsigned long long)nodes);
		return EXIT_USAGE;
	}

	struct frag_config cfg = { 0 };
	frag_geometry_simple(&cfg.geo, size, (unsigned)nodes, (unsigned)cpus);
	frag_sysctl_defaults(&cfg.sysctl);
	cfg.policy = frag_policy_find(policy);
	cfg.check_every = (unsigned)check;
	if (!cfg.policy) {
		cli_error("demo", "unknown policy '%s' (see `fragsim policies`)", policy);
		return EXIT_USAGE;
	}

	struct demo d = { 0 };
	char err[512];
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (frag_mem_create(&cfg, &d.mem, err, sizeof err)) {
		cli_error("demo", "%s", err);
		return EXIT_USAGE;
	}
	frag_rng_seed(&d.rng, seed, 0);

	uint64_t managed = frag_total_managed_pages(d.mem);
	uint64_t target = managed * fill / 100;
	while (d.used_pages < target && d.fail < 1000)
		alloc_one(&d);
	for (uint64_t n = 0; n < ops; n++) {
		if (d.used_pages < target && frag_rng_below(&d.rng, 2))
			alloc_one(&d);
		else if (d.used_pages >= target || frag_rng_below(&d.rng, 2))
			free_one(&d);
		else
			alloc_one(&d);
		if ((n & 0xfffff) == 0xfffff)
			frag_pcp_decay(d.mem);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);

	struct frag_buf out = { 0 };
	printf("fragsim demo: %llu MiB, %llu CPU(s), %llu node(s), policy %s, seed %llu, fill %llu%%, %llu ops\n\n",
	       (unsigned long long)(size >> 20), (unsigned long long)cpus, (unsigned long long)nodes, policy,
	       (unsigned long long)seed, (unsigned long long)fill, (unsigned long long)ops);
	printf("== /proc/buddyinfo\n");
	frag_show_buddyinfo(d.mem, &out);
	printf("%s\n== /proc/pagetypeinfo\n", frag_buf_str(&out));
	frag_buf_reset(&out);
	frag_show_pagetypeinfo(d.mem, &out);
	printf("%s\n== extfrag/unusable_index\n", frag_buf_str(&out));
	frag_buf_reset(&out);
	frag_show_unusable_index(d.mem, &out);
	printf("%s\n== extfrag/extfrag_index\n", frag_buf_str(&out));
	frag_buf_reset(&out);
	frag_show_extfrag_index(d.mem, &out);
	printf("%s\n== mixed pageblocks (page_owner's \"Number of mixed blocks\")\n", frag_buf_str(&out));
	frag_buf_reset(&out);
	frag_show_pageblockinfo(d.mem, &out);
	printf("%s\n== superpageblocks (1 GiB)\n", frag_buf_str(&out));
	frag_buf_reset(&out);
	frag_show_spbinfo(d.mem, &out);
	printf("%s\n", frag_buf_str(&out));
	frag_buf_free(&out);

	struct frag_spb_summary s;
	frag_spb_summary(d.mem, &s);
	printf("== summary\n");
	printf("spb_total: %llu\nspb_empty: %llu\nspb_clean: %llu\nspb_tainted: %llu\n", (unsigned long long)s.nr_spbs,
	       (unsigned long long)s.empty, (unsigned long long)s.clean, (unsigned long long)s.tainted);
	printf("spb_free_now: %llu\nspb_movable_only: %llu\n", (unsigned long long)s.free_now,
	       (unsigned long long)s.movable_only);
	for (unsigned n = 0; n < frag_nr_nodes(d.mem); n++)
		printf("fragmentation_score_node%u: %u\n", n, frag_fragmentation_score_node(d.mem, n));
	printf("thp_fault_alloc: %llu\nthp_fault_fallback: %llu\n", (unsigned long long)d.thp_alloc,
	       (unsigned long long)d.thp_fallback);
	for (int i = 0; i < NR_FRAG_STATS; i++)
		printf("%s: %llu\n", frag_stat_desc[i].name, (unsigned long long)frag_stat_get(d.mem, (enum frag_stat)i));
	printf("wall_seconds: %.3f\n", (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);

	if (check && !frag_mem_consistent(d.mem, err, sizeof err)) {
		cli_error("demo", "final state inconsistent: %s", err);
		return 1;
	}
	free(d.blocks);
	frag_mem_destroy(d.mem);
	return 0;
}
