/* SPDX-License-Identifier: MIT */
/*
 * alloc_bench.c - throughput and memory of the core/mm model.
 *
 * Prints `key: value` lines:
 *   bytes_per_page              per-PFN state (struct frag_page)
 *   model_bytes_per_page        every model structure / simulated pages
 *   create_64gib_seconds        frag_mem_create() of a 64 GiB machine
 *   create_1tib_seconds         frag_mem_create() of a 1 TiB machine
 *   alloc_free_ops_per_sec      order-0 churn, 64 GiB, 8 CPUs, accounting on,
 *                               checks off: allocations + frees per second
 *   alloc_free_pairs_per_sec    the same, counted as alloc+free pairs
 *   random_free_ops_per_sec     order-0 churn freeing random live pages (cache worst case)
 *   mixed_ops_per_sec           mixed orders (0-3, 4, 9, 10) and migratetypes
 *   churn_1tib_ops_per_sec      order-0 churn on the 1 TiB machine
 *   rss_1tib_full_gib           peak RSS after allocating every page of the
 *                               1 TiB machine at order 0 (every PFN touched)
 *   contig_1g_attempt_seconds   one successful 1 GiB alloc_contig_pages() on a
 *                               full 256 GiB machine (order-0 LRU pages, a
 *                               quarter of them freed at random): isolation,
 *                               migration of the window's pages, the take
 *   contig_1g_migrated_pages    pages that attempt migrated
 *   contig_1g_fail_scan_seconds a failing attempt that pre-checks every
 *                               window (one slab page at the end of each)
 *   contig_1g_fail_windows      windows it looked at
 *   predict_256g_1g_seconds     frag_predict_hugetlb() of the 1 GiB pool on
 *                               that machine (clone included), with its count
 *   predict_256g_2m_pages_per_sec  the 2 MiB prediction there, first 2048 pages
 *                               (each needs direct compaction)
 *   compaction_full_zone_seconds        one /proc/sys/vm/compact_memory pass
 *                               (frag_compact_memory(): every zone whole, SYNC)
 *                               over a fragmented 16 GiB machine
 *   compaction_pages_scanned_per_sec    pfns looked at by both scanners per second
 *   compaction_pages_migrated_per_sec   pages migrated per second
 *
 * Usage: alloc_bench [--quick] [--ops N] [--contig-only]. --quick skips the
 * full-1 TiB fill; --contig-only runs only the 256 GiB contiguous part.
 * Targets (bench/README.md): >= 10 M alloc+free ops/s on order-0 churn,
 * <= 16 bytes per simulated page (1 TiB under 4.5 GiB RSS), 1 TiB created
 * in under 2 s.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../core/mm/internal.h"
#include "frag/mm.h"
#include "frag/vmstat.h"
#include "rng.h"

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static long rss_kib(const char *field)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long v = -1;
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		if (!strncmp(line, field, strlen(field)))
			v = strtol(line + strlen(field), NULL, 10);
	fclose(f);
	return v;
}

static struct frag_mem *create(uint64_t bytes, unsigned cpus, double *secs)
{
	struct frag_config cfg = { 0 };
	struct frag_mem *mem;
	char err[256];

	frag_geometry_simple(&cfg.geo, bytes, 1, cpus);
	frag_sysctl_defaults(&cfg.sysctl);
	double t0 = now();
	if (frag_mem_create(&cfg, &mem, err, sizeof err)) {
		fprintf(stderr, "alloc_bench: %s\n", err);
		exit(1);
	}
	*secs = now() - t0;
	return mem;
}

struct blk {
	uint64_t pfn;
	uint8_t order;
};

/*
 * Churn: @live blocks stay allocated; each step frees the oldest block (FIFO,
 * like page cache or short-lived anonymous memory turning over) from a random
 * CPU and allocates a new one on a random CPU. Every step is two operations.
 * With @random_order a uniformly random live block is freed instead: the
 * worst case for the caches (every free touches a cold page entry).
 * Mixed mode draws orders 0-3 (unmovable), 0-1 (reclaimable), 4, 9 (THP) and
 * 10 besides order-0 movable.
 */
static double churn(struct frag_mem *mem, uint64_t ops, uint64_t live_target, bool mixed, bool random_order,
		    uint64_t seed, uint64_t *done)
{
	struct frag_rng rng;
	struct blk *ring = malloc(live_target * sizeof(*ring));
	uint64_t head = 0, nr = 0;
	unsigned ncpu = frag_nr_cpus(mem);
	struct frag_owner own = { .id = 1, .kind = KIND_ANON, .flags = OWNER_LRU };

	frag_rng_seed(&rng, seed, 1);
	while (nr < live_target) {
		uint64_t pfn = frag_alloc_pages(mem, (unsigned)frag_rng_below(&rng, ncpu), 0, GFP_HIGHUSER_MOVABLE, &own);
		if (pfn == FRAG_PFN_NONE)
			break;
		ring[nr++] = (struct blk){ pfn, 0 };
	}
	double t0 = now();
	uint64_t n = 0;
	while (n < ops) {
		uint64_t r = frag_rng_next(&rng);
		struct blk *b = &ring[random_order ? (r >> 32) % nr : head];
		if (b->pfn != FRAG_PFN_NONE)
			frag_free_pages(mem, (unsigned)((r >> 8) % ncpu), b->pfn, b->order);
		unsigned order = 0;
		gfp_t gfp = GFP_HIGHUSER_MOVABLE;
		if (mixed) {
			unsigned k = (unsigned)((r >> 20) % 100);
			if (k < 55) {
				order = 0;
			} else if (k < 70) {
				order = (unsigned)((r >> 28) % 4);
				gfp = GFP_KERNEL;
			} else if (k < 80) {
				order = (unsigned)((r >> 28) % 2);
				gfp = GFP_KERNEL | __GFP_RECLAIMABLE;
			} else if (k < 90) {
				order = 4;
			} else if (k < 98) {
				order = 9;
				gfp = GFP_TRANSHUGE_LIGHT;
			} else {
				order = 10;
				gfp = GFP_KERNEL;
			}
		}
		b->pfn = frag_alloc_pages(mem, (unsigned)((r >> 40) % ncpu), order, gfp, &own);
		b->order = (uint8_t)order;
		if (++head == nr)
			head = 0;
		n += 2;
	}
	double dt = now() - t0;
	*done = n;
	for (uint64_t i = 0; i < nr; i++)
		if (ring[i].pfn != FRAG_PFN_NONE)
			frag_free_pages(mem, 0, ring[i].pfn, ring[i].order);
	free(ring);
	return dt;
}

/*
 * 1 GiB contiguous allocation on a full 256 GiB machine: every page
 * allocated at order 0 as movable LRU memory, then a random quarter freed
 * (and the PCP lists drained), so no window is free and every window is
 * 3/4 movable pages.
 */
static void bench_contig(void)
{
	double secs;
	struct frag_mem *mem = create(256ull << 30, 64, &secs);
	struct frag_owner own = { .id = 1, .kind = KIND_ANON, .flags = OWNER_LRU };
	struct frag_owner slab = { .id = 1, .kind = KIND_SLAB };
	const gfp_t gfp_1g = GFP_HIGHUSER | __GFP_COMP | __GFP_RETRY_MAYFAIL | __GFP_NOWARN | __GFP_THISNODE;
	struct frag_rng rng;
	uint64_t pfn, n = 0;

	frag_rng_seed(&rng, 7, 1);
	while ((pfn = frag_alloc_pages(mem, (unsigned)(n & 63), 0, GFP_HIGHUSER_MOVABLE, &own)) != FRAG_PFN_NONE)
		n++;
	for (uint64_t p = mem->base_pfn; p < mem->end_pfn; p++) {
		struct frag_zone *z = pfn_to_zone(mem, p);
		if (!z)
			continue;
		const struct frag_page *pg = &z->pages[p - z->zone_start_pfn];
		if (pg->state == PG_ALLOC && pg->order == 0 && frag_rng_below(&rng, 4) == 0)
			frag_free_pages(mem, (unsigned)(p & 63), p, 0);
	}
	frag_drain_all_pages(mem, -1);

	struct frag_contig_result r;
	double t0 = now();
	pfn = frag_alloc_contig_pages_res(mem, 0, SPB_ORDER, gfp_1g, NULL, -1, &r);
	printf("contig_1g_attempt_seconds: %.3f\n", now() - t0);
	printf("contig_1g_attempt_ok: %d\n", pfn != FRAG_PFN_NONE);
	printf("contig_1g_migrated_pages: %llu\n", (unsigned long long)r.migrated_pages);

	/* One slab page in the last pageblock of every remaining window. */
	for (unsigned zi = 0; zi < mem->nr_zones; zi++) {
		struct frag_zone *z = &mem->zones[zi];
		uint64_t w = (z->zone_start_pfn + SPB_NR_PAGES - 1) & ~(uint64_t)(SPB_NR_PAGES - 1);
		for (; w + SPB_NR_PAGES <= zone_end_pfn(z); w += SPB_NR_PAGES) {
			uint64_t p = w + SPB_NR_PAGES - 1;
			const struct frag_page *pg = &z->pages[p - z->zone_start_pfn];
			if (pg->state == PG_ALLOC && pg->order == 0) {
				frag_free_pages(mem, 0, p, 0);
				frag_drain_all_pages(mem, (int)zi);
			}
			if (!take_free_block(z, p, 0))
				prep_new_page(mem, z, p, 0, GFP_KERNEL, &slab);
		}
	}
	t0 = now();
	pfn = frag_alloc_contig_pages_res(mem, 0, SPB_ORDER, gfp_1g, NULL, -1, &r);
	printf("contig_1g_fail_scan_seconds: %.3f\n", now() - t0);
	printf("contig_1g_fail_windows: %u (%s)\n", r.windows_checked, frag_contig_reason_name(r.reason));

	/* The predictions: 1 GiB whole; 2 MiB capped (on this machine every
	 * pageblock holds movable pages, so each 2 MiB page needs direct
	 * compaction: the full count takes minutes). */
	struct frag_predict_result pr;
	struct frag_predict_opts po = { .skip_2m = true };
	t0 = now();
	frag_predict_hugetlb(mem, &po, &pr);
	printf("predict_256g_1g_seconds: %.3f\n", now() - t0);
	printf("predict_256g_1g_pages: %llu (%s)\n", (unsigned long long)pr.hugetlb_1g_pages,
	       frag_contig_reason_name(pr.last_1g.reason));
	po = (struct frag_predict_opts){ .skip_1g = true, .max_2m = 2048 };
	t0 = now();
	frag_predict_hugetlb(mem, &po, &pr);
	double dt = now() - t0;
	printf("predict_256g_2m_first_2048_seconds: %.3f\n", dt);
	printf("predict_256g_2m_pages_per_sec: %.0f\n", (double)pr.hugetlb_2m_pages / dt);
	frag_mem_destroy(mem);
}

/*
 * Full compaction of a fragmented machine (compact_memory, as kcompactd's
 * proactive runs do zone by zone): 16 GiB filled at order 0 with LRU anon
 * pages and one unmovable slab page in 16, then a random half of the
 * movable pages freed (PCPs drained): free memory in small scattered
 * pieces, movable pages everywhere.
 */
static void bench_compaction(void)
{
	double secs;
	struct frag_mem *mem = create(16ull << 30, 8, &secs);
	uint64_t pages = mem->end_pfn - mem->base_pfn, n = 0;
	uint64_t *held = malloc(pages * sizeof(*held));
	struct frag_owner lru = { .id = 1, .kind = KIND_ANON, .flags = OWNER_LRU };
	struct frag_owner slab = { .id = 2, .kind = KIND_SLAB };
	struct frag_rng rng;
	uint64_t pfn;

	frag_rng_seed(&rng, 5, 1);
	for (uint64_t i = 0;; i++) {
		bool unmovable = (i & 15) == 15;
		pfn = frag_alloc_pages(mem, (unsigned)(i & 7), 0, unmovable ? GFP_KERNEL : GFP_HIGHUSER_MOVABLE,
				       unmovable ? &slab : &lru);
		if (pfn == FRAG_PFN_NONE)
			break;
		if (!unmovable)
			held[n++] = pfn;
	}
	for (uint64_t i = 0; i < n; i++)
		if (frag_rng_below(&rng, 2))
			frag_free_pages(mem, (unsigned)(i & 7), held[i], 0);
	frag_drain_all_pages(mem, -1);
	free(held);

	const uint64_t *st = frag_stats(mem);
	uint64_t scanned0 = st[FRAG_STAT_compact_migrate_scanned] + st[FRAG_STAT_compact_free_scanned];
	uint64_t migrated0 = st[FRAG_STAT_pgmigrate_success];
	unsigned score0 = frag_fragmentation_score_node(mem, 0);
	double t0 = now();
	frag_compact_memory(mem, -1);
	double dt = now() - t0;
	uint64_t scanned = st[FRAG_STAT_compact_migrate_scanned] + st[FRAG_STAT_compact_free_scanned] - scanned0;
	uint64_t migrated = st[FRAG_STAT_pgmigrate_success] - migrated0;
	printf("compaction_full_zone_seconds: %.3f\n", dt);
	printf("compaction_pages_scanned: %llu\n", (unsigned long long)scanned);
	printf("compaction_pages_migrated: %llu\n", (unsigned long long)migrated);
	printf("compaction_pages_scanned_per_sec: %.0f\n", (double)scanned / dt);
	printf("compaction_pages_migrated_per_sec: %.0f\n", (double)migrated / dt);
	printf("compaction_score_before_after: %u %u\n", score0, frag_fragmentation_score_node(mem, 0));
	frag_mem_destroy(mem);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	bool quick = false, contig_only = false;
	uint64_t ops = 20000000;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quick"))
			quick = true;
		else if (!strcmp(argv[i], "--contig-only"))
			contig_only = true;
		else if (!strcmp(argv[i], "--ops") && i + 1 < argc)
			ops = strtoull(argv[++i], NULL, 10);
	}
	if (contig_only) {
		bench_contig();
		return 0;
	}

	printf("bytes_per_page: %zu\n", sizeof(struct frag_page));

	double secs, dt;
	uint64_t done;
	struct frag_mem *mem = create(64ull << 30, 8, &secs);
	uint64_t pages = mem->end_pfn - mem->base_pfn;
	double model = (double)(pages * sizeof(struct frag_page) + mem->nr_pageblocks_total * sizeof(struct frag_pageblock) +
				mem->nr_spbs_total * sizeof(struct frag_spb) +
				(double)mem->nr_zones * mem->nr_cpus * sizeof(struct frag_pcp) +
				mem->nr_zones * sizeof(struct frag_zone));
	printf("model_bytes_per_page: %.3f\n", model / (double)pages);
	printf("create_64gib_seconds: %.3f\n", secs);

	/* Order-0 churn, 64 GiB, 8 CPUs, half the memory live. */
	dt = churn(mem, ops, pages / 2, false, false, 1, &done);
	printf("alloc_free_ops_per_sec: %.0f\n", (double)done / dt);
	printf("alloc_free_pairs_per_sec: %.0f\n", (double)done / 2 / dt);
	dt = churn(mem, ops / 4, pages / 2, false, true, 4, &done);
	printf("random_free_ops_per_sec: %.0f\n", (double)done / dt);
	dt = churn(mem, ops / 4, pages / 8, true, false, 2, &done);
	printf("mixed_ops_per_sec: %.0f\n", (double)done / dt);
	frag_mem_destroy(mem);

	bench_compaction();

	long rss0 = rss_kib("VmRSS:");
	mem = create(1ull << 40, 64, &secs);
	printf("create_1tib_seconds: %.3f\n", secs);
	printf("rss_1tib_created_gib: %.2f\n", (double)(rss_kib("VmRSS:") - rss0) / (1 << 20));
	pages = mem->end_pfn - mem->base_pfn;
	dt = churn(mem, ops / 4, pages / 16, false, false, 3, &done);
	printf("churn_1tib_ops_per_sec: %.0f\n", (double)done / dt);
	if (!quick) {
		/* Touch every PFN: allocate the whole machine at order 0. */
		uint64_t n = 0;
		double t0 = now();
		while (frag_alloc_pages(mem, (unsigned)(n & 63), 0, GFP_HIGHUSER_MOVABLE, NULL) != FRAG_PFN_NONE)
			n++;
		printf("fill_1tib_seconds: %.1f\n", now() - t0);
		printf("fill_1tib_pages: %llu\n", (unsigned long long)n);
		printf("rss_1tib_full_gib: %.2f\n", (double)rss_kib("VmHWM:") / (1 << 20));
	}
	frag_mem_destroy(mem);
	bench_contig();
	return 0;
}
