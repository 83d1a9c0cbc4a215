/* SPDX-License-Identifier: MIT */
/*
 * fuzz_snap.c - the readers of `fragsim snapshot` (core/snap/import.c
 * frag_snap_import()): one of /proc/zoneinfo, /proc/kpageflags, /proc/iomem
 * or /proc/pagetypeinfo is the input (FUZZ_SNAP_INPUT, one executable each),
 * the others are the fixed files of a small two-zone machine below (DMA
 * pfns 1..4095, DMA32 4096..8191; the kpageflags dump covers pfns 0..8191).
 * An imported snapshot is restored into the model (frag_mem_restore(),
 * core/mm/restore.c, whose result must pass frag_mem_consistent()) and
 * round-tripped through a state file (frag_snap_save(), frag_snap_load():
 * the same pfns, page states and pageblock types must come back).
 * Seeds: tests/fuzz/seeds/<target>/ and the fixture snapshots.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frag/snap.h"
#include "fuzz.h"

#define IN_ZONEINFO 0
#define IN_KPAGEFLAGS 1
#define IN_IOMEM 2
#define IN_PAGETYPEINFO 3

#define SMALL_PFNS 8192

static const char small_zoneinfo[] =
	"Node 0, zone      DMA\n"
	"  pages free     1500\n"
	"        boost    0\n"
	"        min      10\n"
	"        low      13\n"
	"        high     16\n"
	"        spanned  4095\n"
	"        present  3998\n"
	"        managed  3840\n"
	"        protection: (0, 100, 100, 100)\n"
	"  pagesets\n"
	"    cpu: 0\n"
	"              count: 0\n"
	"    cpu: 1\n"
	"              count: 0\n"
	"  start_pfn:           1\n"
	"Node 0, zone    DMA32\n"
	"  pages free     1000\n"
	"        min      20\n"
	"        low      25\n"
	"        high     30\n"
	"        spanned  4096\n"
	"        present  4096\n"
	"        managed  4096\n"
	"        protection: (0, 0, 0, 0)\n"
	"  pagesets\n"
	"    cpu: 0\n"
	"              count: 10\n"
	"    cpu: 1\n"
	"              count: 0\n"
	"  start_pfn:           4096\n"
	"Node 0, zone   Normal\n"
	"        spanned  0\n"
	"        present  0\n"
	"        managed  0\n";

static const char small_iomem[] =
	"00000000-00000fff : Reserved\n"
	"00001000-0009fbff : System RAM\n"
	"0009fc00-000fffff : Reserved\n"
	"  000f0000-000fffff : System ROM\n"
	"00100000-01ffffff : System RAM\n"
	"  01000000-01200000 : Kernel code\n"
	"c0001000-eebfffff : PCI Bus 0000:00\n";

static const char small_pagetypeinfo[] =
	"Page block order: 9\n"
	"Pages per block:  512\n"
	"\n"
	"Number of blocks type     Unmovable      Movable  Reclaimable   HighAtomic      Isolate \n"
	"Node 0, zone      DMA            2            6            0            0            0 \n"
	"Node 0, zone    DMA32            3            5            0            0            0 \n";

/* KPF_* bits (fs/proc/page.c) of the fixed dump. */
#define F(b) (1ull << (b))

static const uint64_t *small_kpageflags(void)
{
	static uint64_t kpf[SMALL_PFNS];
	if (kpf[0])
		return kpf;
	for (unsigned p = 0; p < SMALL_PFNS; p++) {
		if (p == 0 || (p >= 0x9f && p < 0x100) || (p >= 0x1000 && p < 0x1200)) {
			kpf[p] = F(32);                           /* KPF_RESERVED */
			continue;
		}
		switch ((p >> 9) % 4) {
		case 0:
			kpf[p] = F(10);                           /* KPF_BUDDY */
			break;
		case 1:
			kpf[p] = F(5) | F(12) | F(11);            /* KPF_LRU | KPF_ANON | KPF_MMAP */
			break;
		case 2:
			kpf[p] = p % 8 ? F(7) : 0;                /* KPF_SLAB, some PCP pages */
			break;
		default:
			kpf[p] = F(5) | (p % 4 ? F(16) : F(15));  /* KPF_LRU file, order-2 compound */
			break;
		}
	}
	return kpf;
}

/* load(save(s)) gives s back; aborts otherwise. */
static void roundtrip(const struct frag_snap *s)
{
	char err[512];
	struct frag_snap t;
	const char *path = fuzz_file("roundtrip.state", "", 0);
	if (frag_snap_save(s, path, err, sizeof err)) {
		fprintf(stderr, "frag_snap_save: %s\n", err);
		abort();
	}
	if (frag_snap_load(path, &t, err, sizeof err)) {
		fprintf(stderr, "frag_snap_load of a saved state: %s\n", err);
		abort();
	}
	uint64_t n = s->in.end_pfn - s->in.start_pfn;
	if (t.in.start_pfn != s->in.start_pfn || t.in.end_pfn != s->in.end_pfn || t.in.nr_zones != s->in.nr_zones ||
	    memcmp(t.ps, s->ps, n) || memcmp(t.pb_mt, s->pb_mt, frag_restore_nr_pageblocks(&s->in))) {
		fprintf(stderr, "state file round trip changed the snapshot\n");
		abort();
	}
	frag_snap_free(&t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct frag_snap_files f = { 0 };
	char err[1024];

	f.zoneinfo = FUZZ_SNAP_INPUT == IN_ZONEINFO ? fuzz_file("zoneinfo", data, size) :
		fuzz_file("zoneinfo", small_zoneinfo, sizeof small_zoneinfo - 1);
	f.kpageflags = FUZZ_SNAP_INPUT == IN_KPAGEFLAGS ? fuzz_file("kpageflags", data, size) :
		fuzz_file("kpageflags", small_kpageflags(), SMALL_PFNS * 8);
	f.iomem = FUZZ_SNAP_INPUT == IN_IOMEM ? fuzz_file("iomem", data, size) :
		fuzz_file("iomem", small_iomem, sizeof small_iomem - 1);
	f.pagetypeinfo = FUZZ_SNAP_INPUT == IN_PAGETYPEINFO ? fuzz_file("pagetypeinfo", data, size) :
		fuzz_file("pagetypeinfo", small_pagetypeinfo, sizeof small_pagetypeinfo - 1);

	struct frag_snap s;
	if (frag_snap_import(&f, &s, err, sizeof err))
		return 0;
	struct frag_config cfg;
	memset(&cfg, 0, sizeof(cfg));
	frag_sysctl_defaults(&cfg.sysctl);
	frag_snap_apply_sysctl(&s, &cfg.sysctl);
	struct frag_mem *mem = NULL;
	if (!frag_snap_restore(&s, &cfg, &mem, err, sizeof err)) {
		char why[512];
		if (!frag_mem_consistent(mem, why, sizeof why)) {
			fprintf(stderr, "restored machine inconsistent: %s\n", why);
			abort();
		}
		frag_mem_destroy(mem);
	}
	roundtrip(&s);
	frag_snap_free(&s);
	return 0;
}
