/* SPDX-License-Identifier: MIT */
/*
 * cmd_snapshot.c - `fragsim snapshot`: a real machine's page state to a
 * fragsim state file (docs/snapshot.md).
 *
 *   fragsim snapshot --kpageflags F [--kpagecount F] --zoneinfo F [--iomem F]
 *                    [--pagetypeinfo F] [--sysctl F] -o STATE
 *
 * The state is rebuilt once (frag_mem_restore(), frag_mem_consistent())
 * before it is written, and a summary compares it with the real files.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "frag/snap.h"
#include "frag/snapshot.h"
#include "frag/vmstat.h"
#include "internal_view.h"

static int usage(FILE *f, int rc)
{
	fprintf(f, "usage: fragsim snapshot --kpageflags F [--kpagecount F] --zoneinfo F [--iomem F]\n"
		   "                        [--pagetypeinfo F] [--sysctl F] -o STATE [--quiet]\n"
		   "Builds a fragsim state from a real machine's /proc/kpageflags (and kpagecount) dump, its\n"
		   "/proc/zoneinfo, /proc/iomem (holes), /proc/pagetypeinfo (pageblock counts to match) and\n"
		   "/proc/sys/vm values. Inputs may be zstd-compressed. Prints a summary, writes STATE.\n");
	return rc;
}

int cmd_snapshot(int argc, char **argv)
{
	struct frag_snap_files f = { 0 };
	const char *out = NULL;
	bool quiet = false;

	for (int i = 1; i < argc; i++) {
		const char **slot = NULL;
		if (!strcmp(argv[i], "--kpageflags"))
			slot = &f.kpageflags;
		else if (!strcmp(argv[i], "--kpagecount"))
			slot = &f.kpagecount;
		else if (!strcmp(argv[i], "--zoneinfo"))
			slot = &f.zoneinfo;
		else if (!strcmp(argv[i], "--iomem"))
			slot = &f.iomem;
		else if (!strcmp(argv[i], "--pagetypeinfo"))
			slot = &f.pagetypeinfo;
		else if (!strcmp(argv[i], "--sysctl"))
			slot = &f.sysctl;
		else if (!strcmp(argv[i], "-o"))
			slot = &out;
		else if (!strcmp(argv[i], "--quiet") || !strcmp(argv[i], "-q")) {
			quiet = true;
			continue;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return usage(stdout, 0);
		if (!slot || i + 1 >= argc) {
			cli_error("snapshot", "unknown or incomplete option '%s'", argv[i]);
			return usage(stderr, EXIT_USAGE);
		}
		*slot = argv[++i];
	}
	if (!f.kpageflags || !f.zoneinfo || !out) {
		cli_error("snapshot", "--kpageflags, --zoneinfo and -o are required");
		return usage(stderr, EXIT_USAGE);
	}

	struct frag_snap s;
	char err[512];
	if (frag_snap_import(&f, &s, err, sizeof err)) {
		cli_error("snapshot", "%s", err);
		return EXIT_USAGE;
	}
	struct frag_mem *mem = NULL;
	if (cli_snap_restore(&s, &mem, err, sizeof err)) {
		cli_error("snapshot", "%s", err);
		frag_snap_free(&s);
		return EXIT_USAGE;
	}
	if (!quiet)
		cli_snap_summary(&s, mem, stdout);
	frag_mem_destroy(mem);
	int ret = frag_snap_save(&s, out, err, sizeof err);
	frag_snap_free(&s);
	if (ret) {
		cli_error("snapshot", "%s", err);
		return 1;
	}
	if (!quiet)
		printf("state written to %s\n", out);
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Shared with cmd_proc.c (internal_view.h)                               */
/* ---------------------------------------------------------------------- */

int cli_snap_restore(const struct frag_snap *s, struct frag_mem **mem, char *err, size_t errlen)
{
	struct frag_config cfg;
	memset(&cfg, 0, sizeof(cfg));
	frag_sysctl_defaults(&cfg.sysctl);
	frag_snap_apply_sysctl(s, &cfg.sysctl);
	return frag_snap_restore(s, &cfg, mem, err, errlen);
}

bool cli_is_state_file(const char *path)
{
	char magic[8];
	FILE *f = fopen(path, "rb");
	if (!f)
		return false;
	bool yes = fread(magic, 1, 8, f) == 8 && !memcmp(magic, "FRAGSTAT", 8);
	fclose(f);
	return yes;
}

int cli_snap_open(const char *cmd, const char *path, struct frag_snap *s, struct frag_mem **mem)
{
	char err[512];
	if (frag_snap_load(path, s, err, sizeof err)) {
		cli_error(cmd, "%s", err);
		return EXIT_USAGE;
	}
	if (cli_snap_restore(s, mem, err, sizeof err)) {
		cli_error(cmd, "%s: %s", path, err);
		frag_snap_free(s);
		return EXIT_USAGE;
	}
	return 0;
}

void cli_snap_summary(const struct frag_snap *s, const struct frag_mem *mem, FILE *f)
{
	unsigned nz = frag_nr_zones(mem);
	struct frag_zone_desc *zd = calloc(nz, sizeof(*zd));
	uint32_t *fb = calloc((size_t)nz * NR_PAGE_ORDERS * MIGRATE_TYPES, sizeof(uint32_t));
	uint8_t *pb = malloc(frag_nr_pageblocks(mem));
	if (!zd || !fb || !pb)
		goto out;
	frag_zone_descs(mem, zd);
	frag_snapshot_free_blocks(mem, fb);
	frag_snapshot_pageblocks(mem, pb);

	fprintf(f, "%-8s %10s %10s %10s %10s %10s %10s\n", "zone", "present", "managed", "free", "pcp", "alloc",
		"reserved");
	for (unsigned i = 0; i < nz; i++) {
		const uint64_t *c = s->nr_class[i];
		uint64_t present = 0, alloc = 0, freep = 0;
		for (int k = 0; k < NR_PS_CLASSES; k++)
			if (k != PS_HOLE)
				present += c[k];
		for (int k = PS_ANON; k < NR_PS_CLASSES; k++)
			alloc += c[k];
		for (int o = 0; o < NR_PAGE_ORDERS; o++)
			for (int mt = 0; mt < MIGRATE_TYPES; mt++)
				freep += (uint64_t)fb[((size_t)i * NR_PAGE_ORDERS + o) * MIGRATE_TYPES + mt] << o;
		fprintf(f, "%-8s %10llu %10llu %10llu %10llu %10llu %10llu   restored\n", zd[i].name,
			(unsigned long long)present, (unsigned long long)zd[i].managed_pages, (unsigned long long)freep,
			(unsigned long long)c[PS_PCP], (unsigned long long)alloc,
			(unsigned long long)(c[PS_RESERVED] + c[PS_UNINIT]));
		if (s->real[i].present || s->real[i].managed)
			fprintf(f, "%-8s %10llu %10llu %10llu %10llu %10s %10s   zoneinfo\n", "",
				(unsigned long long)s->real[i].present, (unsigned long long)s->real[i].managed,
				(unsigned long long)s->real[i].free, (unsigned long long)s->real[i].pcp, "", "");
	}
	fprintf(f, "\npages by class:\n%-8s", "zone");
	for (int k = 0; k < NR_PS_CLASSES; k++)
		fprintf(f, " %10.10s", frag_ps_class_names[k]);
	fputc('\n', f);
	for (unsigned i = 0; i < nz; i++) {
		fprintf(f, "%-8s", zd[i].name);
		for (int k = 0; k < NR_PS_CLASSES; k++)
			fprintf(f, " %10llu", (unsigned long long)s->nr_class[i][k]);
		fputc('\n', f);
	}
	fprintf(f, "\npageblocks      Unmovable    Movable Reclaimable HighAtomic\n");
	for (unsigned i = 0; i < nz; i++) {
		uint64_t cnt[MIGRATE_TYPES] = { 0 };
		for (uint64_t b = 0; b < zd[i].nr_pageblocks; b++) {
			uint64_t start = (zd[i].start_pfn >> PAGEBLOCK_ORDER) + b;
			uint64_t first = start << PAGEBLOCK_ORDER;
			if (first < zd[i].start_pfn)
				first = zd[i].start_pfn;
			/* pagetypeinfo counts blocks whose first page is present */
			if ((s->ps[first - s->in.start_pfn] & FRAG_PS_CLASS_MASK) == PS_HOLE)
				continue;
			cnt[pb[zd[i].first_pageblock + b] & FRAG_PB_MT_MASK]++;
		}
		fprintf(f, "%-8s %14llu %10llu %11llu %10llu   restored\n", zd[i].name, (unsigned long long)cnt[0],
			(unsigned long long)cnt[1], (unsigned long long)cnt[2], (unsigned long long)cnt[3]);
		const int64_t *t = s->in.zone[i].nr_blocks;
		if (t[0] >= 0)
			fprintf(f, "%-8s %14lld %10lld %11lld %10lld   pagetypeinfo\n", "", (long long)t[0], (long long)t[1],
				(long long)t[2], (long long)t[3]);
	}
	struct frag_spb_summary sp;
	frag_spb_summary(mem, &sp);
	fprintf(f, "\n1 GiB ranges: %llu aligned inside one zone, %llu entirely free, %llu free or movable only\n",
		(unsigned long long)sp.nr_full_spbs, (unsigned long long)sp.free_now,
		(unsigned long long)sp.movable_only);
out:
	free(zd);
	free(fb);
	free(pb);
}
