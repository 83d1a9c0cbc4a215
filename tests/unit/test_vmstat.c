/* SPDX-License-Identifier: MIT */
/*
 * test_vmstat.c - kernel-model sections 6.4, 6.6 (proactive compaction
 * score) and 11.2-11.3: the fragmentation figures of mm/vmstat.c and
 * mm/compaction.c and the byte-exact /proc and debugfs views.
 *
 * Usage: test_vmstat FIXTURE_DIR (tests/meson.build passes tests/fixtures).
 * The fixtures are real Linux 6.18 reads (tests/fixtures/README.md):
 * extfrag-samples.txt and snapshots/<name>/{buddyinfo.txt,
 * extfrag_unusable_index.txt, extfrag_extfrag_index.txt}.
 *
 * The small machine is 64 MiB from pfn 0: ZONE_DMA [0, 4096) and ZONE_DMA32
 * [4096, 16384), every page free in order-10 MOVABLE blocks at boot
 * (DMA: 4 blocks, DMA32: 12). "A" is the first order-10 block of DMA32.
 */
#include <dirent.h>
#include <sys/stat.h>

#include "helpers.h"

#define A 4096ull

static const char *fixture_dir;

/* ---------------------------------------------------------------------- */
/* Helpers                                                                */
/* ---------------------------------------------------------------------- */

/* Read a whole file; NULL (with a diagnostic) when it cannot be read. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		printf("# cannot open %s: %s\n", path, strerror(errno));
		return NULL;
	}
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	for (;;) {
		if (n + 1 >= cap)
			buf = realloc(buf, cap *= 2);
		if (!buf)
			abort();
		size_t r = fread(buf + n, 1, cap - n - 1, f);
		if (r == 0)
			break;
		n += r;
	}
	fclose(f);
	buf[n] = 0;
	return buf;
}

static void nr_free_of(const struct frag_zone *z, uint64_t nr_free[NR_PAGE_ORDERS])
{
	for (unsigned o = 0; o < NR_PAGE_ORDERS; o++)
		nr_free[o] = z->free_area[o].nr_free;
}

/* A 0..10 order array from a literal list. */
#define ORDERS(...) ((const uint64_t[NR_PAGE_ORDERS]){ __VA_ARGS__ })

static int frag_index_of(const uint64_t nr_free[NR_PAGE_ORDERS], unsigned order)
{
	struct frag_contig_info info;
	frag_fill_contig_info(nr_free, order, &info);
	return frag_fragmentation_index(order, &info);
}

static int unusable_of(const uint64_t nr_free[NR_PAGE_ORDERS], unsigned order)
{
	struct frag_contig_info info;
	frag_fill_contig_info(nr_free, order, &info);
	return frag_unusable_free_index(order, &info);
}

/* Format parsed buddyinfo @text as both debugfs files. Returns 0 or the parse error. */
static int format_both(const char *text, struct frag_buf *unusable, struct frag_buf *extfrag)
{
	struct frag_buddyinfo_zone *zones = NULL;
	unsigned nr = 0;
	char err[256] = "";
	int ret = frag_parse_buddyinfo(text, &zones, &nr, err, sizeof err);
	if (ret) {
		printf("# frag_parse_buddyinfo: %d %s\n", ret, err);
		return ret;
	}
	frag_format_unusable_index(zones, nr, unusable);
	frag_format_extfrag_index(zones, nr, extfrag);
	free(zones);
	return 0;
}

/* Zone names listed in @unstable (one per line), or NULL. */
static bool zone_listed(const char *unstable, const char *zone)
{
	size_t zl = strlen(zone);
	for (const char *p = unstable; p && *p;) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		if (len == zl && !strncmp(p, zone, zl))
			return true;
		p = eol ? eol + 1 : p + len;
	}
	return false;
}

/*
 * Compare a formatted debugfs file with the kernel's. Lines of zones listed
 * in @unstable (zones that changed between the kernel's buddyinfo read and
 * its debugfs read, see tests/fixtures/README.md) only need the same
 * "Node N, zone NAME " prefix; every other line must match byte for byte.
 */
static bool same_file(const char *what, const char *got, const char *exp, const char *unstable)
{
	if (!unstable) {
		if (strcmp(got, exp)) {
			printf("# %s differs\n# got:\n%s# expected:\n%s", what, got, exp);
			return false;
		}
		return true;
	}
	const char *g = got, *e = exp;
	while (*g || *e) {
		const char *ge = strchr(g, '\n'), *ee = strchr(e, '\n');
		if (!ge || !ee) {
			printf("# %s: line count or final newline differs\n", what);
			return false;
		}
		int node, consumed = 0;
		char zone[16];
		if (sscanf(e, "Node %d, zone %15s %n", &node, zone, &consumed) != 2 || !consumed ||
		    strncmp(g, e, (size_t)consumed) ||
		    (!zone_listed(unstable, zone) && (ge - g != ee - e || strncmp(g, e, (size_t)(ee - e))))) {
			printf("# %s differs:\n# got:      %.*s\n# expected: %.*s\n", what, (int)(ge - g), g,
			       (int)(ee - e), e);
			return false;
		}
		g = ge + 1;
		e = ee + 1;
	}
	return true;
}

/* ---------------------------------------------------------------------- */
/* Formulas (kernel-model 6.4)                                            */
/* ---------------------------------------------------------------------- */

/*
 * fill_contig_page_info(): over every order o, free_blocks_total +=
 * nr_free[o], free_pages += nr_free[o] << o, and for o >= the requested
 * order free_blocks_suitable += nr_free[o] << (o - order).
 *
 *   nr_free = {5, 3, 0, 2, 0, 0, 0, 0, 0, 1, 0}
 *   free_pages = 5 + 3*2 + 2*8 + 512 = 539, free_blocks_total = 11
 *   suitable(1) = 3 + 2*4 + 256 = 267, suitable(3) = 2 + 64 = 66,
 *   suitable(9) = 1, suitable(10) = 0
 */
static void test_fill_contig_page_info(void)
{
	const uint64_t *nf = ORDERS(5, 3, 0, 2, 0, 0, 0, 0, 0, 1, 0);
	struct frag_contig_info info = { 99, 99, 99 };
	static const uint64_t suitable[NR_PAGE_ORDERS] = { 539, 267, 132, 66, 32, 16, 8, 4, 2, 1, 0 };

	for (unsigned o = 0; o < NR_PAGE_ORDERS; o++) {
		frag_fill_contig_info(nf, o, &info);
		CHECK_EQ(info.free_pages, 539);
		CHECK_EQ(info.free_blocks_total, 11);
		CHECK_EQ(info.free_blocks_suitable, suitable[o]);
	}
	/* All counters start from zero. */
	frag_fill_contig_info(ORDERS(0), 4, &info);
	CHECK_EQ(info.free_pages, 0);
	CHECK_EQ(info.free_blocks_total, 0);
	CHECK_EQ(info.free_blocks_suitable, 0);
	/* 64-bit: 2^40 order-10 blocks are 2^50 pages. */
	frag_fill_contig_info(ORDERS(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1ull << 40), 0, &info);
	CHECK(info.free_pages == 1ull << 50);
	CHECK(info.free_blocks_suitable == 1ull << 50);
}

/*
 * __fragmentation_index(): 0 when nothing is free; -1000 as soon as one
 * block of >= order exists (the request would succeed); otherwise
 * 1000 - (1000 + free_pages * 1000 / 2^order) / free_blocks_total, all in
 * integer division. order > MAX_PAGE_ORDER returns 0 (WARN_ON_ONCE).
 */
static void test___fragmentation_index(void)
{
	/* No free blocks: 0 at every order. */
	for (unsigned o = 0; o < NR_PAGE_ORDERS; o++)
		CHECK_EQ(frag_index_of(ORDERS(0), o), 0);
	/* One suitable block is enough for -1000, however fragmented the rest. */
	const uint64_t *one_big = ORDERS(100000, 100000, 0, 0, 0, 0, 0, 0, 0, 0, 1);
	for (unsigned o = 0; o < NR_PAGE_ORDERS; o++)
		CHECK_EQ(frag_index_of(one_big, o), -1000);

	/*
	 * nr_free = {8, 4}: free_pages 16, free_blocks_total 12.
	 *   order 2: 1000 - (1000 + 16000/4) / 12    = 1000 - 416 = 584
	 *   order 3: 1000 - (1000 + 2000) / 12       = 750
	 *   order 8: 1000 - (1000 + 62) / 12         = 912  (16000/256 = 62.5)
	 *   order 10: 1000 - (1000 + 15) / 12        = 916  (16000/1024 = 15.6)
	 */
	const uint64_t *small = ORDERS(8, 4);
	CHECK_EQ(frag_index_of(small, 0), -1000);
	CHECK_EQ(frag_index_of(small, 1), -1000);
	CHECK_EQ(frag_index_of(small, 2), 584);
	CHECK_EQ(frag_index_of(small, 3), 750);
	CHECK_EQ(frag_index_of(small, 8), 912);
	CHECK_EQ(frag_index_of(small, 10), 916);
	/*
	 * Both divisions truncate: nr_free = {7}, order 3:
	 * 1000 - (1000 + 875) / 7 = 1000 - 267 = 733 (exact arithmetic: 732.1).
	 */
	CHECK_EQ(frag_index_of(ORDERS(7), 3), 733);
	/* Only order-0 pages: 1000 - (1000 + 1000*1000/2) / 1000 = 499 at order 1. */
	CHECK_EQ(frag_index_of(ORDERS(1000), 1), 499);
	/* {5,3,0,2,...,1 at 9}: order 10 is the only failing one:
	 * 1000 - (1000 + 539000/1024) / 11 = 1000 - 1526/11 = 862. */
	CHECK_EQ(frag_index_of(ORDERS(5, 3, 0, 2, 0, 0, 0, 0, 0, 1, 0), 9), -1000);
	CHECK_EQ(frag_index_of(ORDERS(5, 3, 0, 2, 0, 0, 0, 0, 0, 1, 0), 10), 862);

	struct frag_contig_info info;
	frag_fill_contig_info(small, 10, &info);
	CHECK_EQ(frag_fragmentation_index(MAX_PAGE_ORDER + 1, &info), 0);
}

/*
 * unusable_free_index(): (free_pages - suitable << order) * 1000 / free_pages,
 * and 1000 when nothing is free ("all free memory is unusable").
 *   {5,3,0,2,0,0,0,0,0,1,0}, free 539:
 *   order 1: (539 - 534) * 1000 / 539 = 9    order 3: 11000 / 539 = 20
 *   order 4..9: 27000 / 539 = 50            order 10: 1000
 */
static void test_unusable_free_index(void)
{
	for (unsigned o = 0; o < NR_PAGE_ORDERS; o++)
		CHECK_EQ(unusable_of(ORDERS(0), o), 1000);
	const uint64_t *nf = ORDERS(5, 3, 0, 2, 0, 0, 0, 0, 0, 1, 0);
	static const int want[NR_PAGE_ORDERS] = { 0, 9, 20, 20, 50, 50, 50, 50, 50, 50, 1000 };
	for (unsigned o = 0; o < NR_PAGE_ORDERS; o++)
		CHECK_EQ(unusable_of(nf, o), want[o]);
	/* {8, 4}: order 1 leaves the 8 single pages unusable: 8 * 1000 / 16 = 500. */
	CHECK_EQ(unusable_of(ORDERS(8, 4), 1), 500);
	CHECK_EQ(unusable_of(ORDERS(8, 4), 2), 1000);
	/* Only max-order blocks: nothing is unusable at any order. */
	for (unsigned o = 0; o < NR_PAGE_ORDERS; o++)
		CHECK_EQ(unusable_of(ORDERS(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3), o), 0);
}

/*
 * extfrag_for_order(): the same ratio as a percentage, but 0 (not 100)
 * when nothing is free.
 */
static void test_extfrag_for_order(void)
{
	const uint64_t *nf = ORDERS(5, 3, 0, 2, 0, 0, 0, 0, 0, 1, 0);
	CHECK_EQ(frag_extfrag_for_order(nf, 0), 0);
	CHECK_EQ(frag_extfrag_for_order(nf, 1), 0);       /* 500 / 539 */
	CHECK_EQ(frag_extfrag_for_order(nf, 3), 2);       /* 1100 / 539 */
	CHECK_EQ(frag_extfrag_for_order(nf, 9), 5);       /* 2700 / 539 */
	CHECK_EQ(frag_extfrag_for_order(nf, 10), 100);
	CHECK_EQ(frag_extfrag_for_order(ORDERS(8, 4), 1), 50);
	for (unsigned o = 0; o < NR_PAGE_ORDERS; o++)
		CHECK_EQ(frag_extfrag_for_order(ORDERS(0), o), 0);
}

/*
 * extfrag_show_print() "%2d.%03d " of __fragmentation_index and
 * unusable_show_print() "%d.%03d " of unusable_free_index, after
 * "Node %d, zone %8s ", one line per zone with a trailing blank.
 */
static void test_extfrag_show_print(void)
{
	struct frag_buddyinfo_zone z[3] = {
		{ .node = 0, .zone = "DMA", .nr_free = { 8, 4 } },
		{ .node = 1, .zone = "Normal", .nr_free = { 5, 3, 0, 2, 0, 0, 0, 0, 0, 1, 0 } },
		{ .node = 12, .zone = "Movable" },
	};
	struct frag_buf b = { 0 };

	frag_format_extfrag_index(z, 3, &b);
	CHECK_STREQ(frag_buf_str(&b),
		    "Node 0, zone      DMA -1.000 -1.000  0.584  0.750  0.834  0.875  0.896  0.907  0.912  0.915 "
		    " 0.916 \n"
		    "Node 1, zone   Normal -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 "
		    " 0.862 \n"
		    "Node 12, zone  Movable  0.000  0.000  0.000  0.000  0.000  0.000  0.000  0.000  0.000  0.000 "
		    " 0.000 \n");
	frag_buf_reset(&b);
	frag_format_unusable_index(z, 3, &b);
	CHECK_STREQ(frag_buf_str(&b),
		    "Node 0, zone      DMA 0.000 0.500 1.000 1.000 1.000 1.000 1.000 1.000 1.000 1.000 1.000 \n"
		    "Node 1, zone   Normal 0.000 0.009 0.020 0.020 0.050 0.050 0.050 0.050 0.050 0.050 1.000 \n"
		    "Node 12, zone  Movable 1.000 1.000 1.000 1.000 1.000 1.000 1.000 1.000 1.000 1.000 1.000 \n");
	frag_buf_free(&b);
}

/* ---------------------------------------------------------------------- */
/* Reading /proc/buddyinfo                                                */
/* ---------------------------------------------------------------------- */

/*
 * frag_parse_buddyinfo(): "Node N, zone NAME" then exactly NR_PAGE_ORDERS
 * counts; blank lines are skipped; the trailing blank and the final newline
 * are optional; counts are 64-bit.
 */
static void test_frag_parse_buddyinfo(void)
{
	const char *text = "Node 0, zone      DMA      1      2      3      4      5      6      7      8      9 "
			   "    10     11 \n"
			   "\n"
			   "Node 1, zone   Normal 4294967296 0 0 0 0 0 0 0 0 7 18446744073709551615";
	struct frag_buddyinfo_zone *z = NULL;
	unsigned nr = 0;
	char err[256] = "";

	CHECK_EQ(frag_parse_buddyinfo(text, &z, &nr, err, sizeof err), 0);
	CHECK_EQ(nr, 2);
	if (nr != 2 || !z)
		return;
	CHECK_EQ(z[0].node, 0);
	CHECK_STREQ(z[0].zone, "DMA");
	for (unsigned o = 0; o < NR_PAGE_ORDERS; o++)
		CHECK_EQ(z[0].nr_free[o], o + 1);
	CHECK_EQ(z[1].node, 1);
	CHECK_STREQ(z[1].zone, "Normal");
	CHECK(z[1].nr_free[0] == 4294967296ull);
	CHECK_EQ(z[1].nr_free[5], 0);
	CHECK_EQ(z[1].nr_free[9], 7);
	CHECK(z[1].nr_free[10] == UINT64_MAX);
	free(z);
}

/*
 * Every malformed line is refused with -EINVAL and a message that starts
 * with "line N:", N counting every line of the file (blank ones included).
 * Line 1 is good and line 2 blank, so the bad line is line 3.
 */
static void test_frag_parse_buddyinfo_malformed(void)
{
	static const char *const bad[] = {
		"Nod 0, zone DMA 0 0 0 0 0 0 0 0 0 0 0",            /* wrong prefix */
		"Node 0 zone DMA 0 0 0 0 0 0 0 0 0 0 0",            /* no comma */
		"0 0 0 0 0 0 0 0 0 0 0",                            /* no prefix at all */
		"Node 0, zone",                                     /* no zone name */
		"Node -1, zone DMA 0 0 0 0 0 0 0 0 0 0 0",          /* negative node */
		"Node 0, zone DMA 0 0 0 0 0 0 0 0 0 0",             /* 10 counts */
		"Node 0, zone DMA 0 0 0 0 0 0 0 0 0 0 0 0",         /* 12 counts */
		"Node 0, zone DMA",                                 /* no counts */
		"Node 0, zone DMA 0 0 0 x 0 0 0 0 0 0 0",           /* non-numeric */
		"Node 0, zone DMA 0 0 0 12a 0 0 0 0 0 0 0",         /* trailing garbage */
		"Node 0, zone DMA 0 0 0 1.5 0 0 0 0 0 0 0",         /* not an integer */
		"Node 0, zone DMA 0 0 0 -1 0 0 0 0 0 0 0",          /* negative */
		"Node 0, zone DMA 0 0 0 +1 0 0 0 0 0 0 0",          /* signed */
		"Node 0, zone DMA 0 0 0 99999999999999999999999 0 0 0 0 0 0 0", /* > 2^64 */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char text[512], err[256] = "";
		struct frag_buddyinfo_zone *z = NULL;
		unsigned nr = 0;
		snprintf(text, sizeof text, "Node 0, zone      DMA 0 0 0 0 0 0 0 0 0 0 0 \n\n%s\n"
			 "Node 0, zone    DMA32 0 0 0 0 0 0 0 0 0 0 0 \n", bad[i]);
		int ret = frag_parse_buddyinfo(text, &z, &nr, err, sizeof err);
		if (ret != -EINVAL || strncmp(err, "line 3:", 7)) {
			tap_fail(__FILE__, __LINE__, "malformed line refused with \"line 3:\"");
			printf("# input: \"%s\" -> %d \"%s\"\n", bad[i], ret, err);
		}
		if (!ret)
			free(z);
	}
	/* Empty or blank-only text: no zone at all. */
	static const char *const empty[] = { "", "\n", "  \n\n" };
	for (size_t i = 0; i < sizeof empty / sizeof empty[0]; i++) {
		char err[256] = "";
		struct frag_buddyinfo_zone *z = NULL;
		unsigned nr = 0;
		int ret = frag_parse_buddyinfo(empty[i], &z, &nr, err, sizeof err);
		CHECK_EQ(ret, -EINVAL);
		CHECK(!strncmp(err, "line ", 5));
		if (!ret)
			free(z);
	}
}

/* ---------------------------------------------------------------------- */
/* Real kernel output, byte for byte                                      */
/* ---------------------------------------------------------------------- */

/*
 * extfrag-samples.txt: "## sample N", the /proc/buddyinfo lines,
 * "# unusable_index" and its lines, "# extfrag_index" and its lines, all
 * read back to back on one machine. Formatting the parsed buddyinfo must
 * give the kernel's two files exactly.
 */
static void test_extfrag_samples(void)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/extfrag-samples.txt", fixture_dir ? fixture_dir : ".");
	char *text = slurp(path);
	CHECK(text != NULL);
	if (!text)
		return;

	enum { NONE, BUDDY, UNUSABLE, EXTFRAG } part = NONE;
	struct frag_buf sec[4] = { { 0 } };
	unsigned samples = 0, ok = 0;
	char *line = text;
	for (;;) {
		char *eol = strchr(line, '\n');
		bool end = !*line;
		if (end || !strncmp(line, "## sample", 9)) {
			if (part != NONE) {
				struct frag_buf u = { 0 }, e = { 0 };
				char name[32];
				snprintf(name, sizeof name, "sample %u", samples);
				if (!format_both(frag_buf_str(&sec[BUDDY]), &u, &e) &&
				    same_file(name, frag_buf_str(&u), frag_buf_str(&sec[UNUSABLE]), NULL) &&
				    same_file(name, frag_buf_str(&e), frag_buf_str(&sec[EXTFRAG]), NULL))
					ok++;
				frag_buf_free(&u);
				frag_buf_free(&e);
				for (int i = 0; i < 4; i++)
					frag_buf_reset(&sec[i]);
			}
			if (end)
				break;
			samples++;
			part = BUDDY;
		} else if (!strncmp(line, "# unusable_index", 16)) {
			part = UNUSABLE;
		} else if (!strncmp(line, "# extfrag_index", 15)) {
			part = EXTFRAG;
		} else if (part != NONE) {
			frag_buf_printf(&sec[part], "%.*s\n", (int)(eol ? eol - line : (long)strlen(line)), line);
		}
		line = eol ? eol + 1 : line + strlen(line);
	}
	CHECK_EQ(samples, 5);
	CHECK_EQ(ok, samples);
	for (int i = 0; i < 4; i++)
		frag_buf_free(&sec[i]);
	free(text);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * snapshots/<name>/: buddyinfo.txt and the two debugfs files of one
 * snapshot of the real machine. Snapshots with an unstable_zones file were
 * not read atomically (README.md): those zones' lines only keep their prefix.
 */
static void test_extfrag_snapshots(void)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/snapshots", fixture_dir ? fixture_dir : ".");
	DIR *d = opendir(path);
	CHECK(d != NULL);
	if (!d) {
		printf("# cannot open %s\n", path);
		return;
	}
	char *names[256];
	unsigned n = 0, ok = 0, unstable_n = 0;
	struct dirent *de;
	while ((de = readdir(d)) && n < 256)
		if (de->d_name[0] != '.')
			names[n++] = strdup(de->d_name);
	closedir(d);
	qsort(names, n, sizeof names[0], cmp_str);

	for (unsigned i = 0; i < n; i++) {
		char p[4096 + 600];
		snprintf(p, sizeof p, "%s/%s/buddyinfo.txt", path, names[i]);
		char *bi = slurp(p);
		snprintf(p, sizeof p, "%s/%s/extfrag_unusable_index.txt", path, names[i]);
		char *eu = slurp(p);
		snprintf(p, sizeof p, "%s/%s/extfrag_extfrag_index.txt", path, names[i]);
		char *ee = slurp(p);
		snprintf(p, sizeof p, "%s/%s/unstable_zones", path, names[i]);
		struct stat st;
		char *unstable = stat(p, &st) == 0 ? slurp(p) : NULL;
		unstable_n += unstable != NULL;
		struct frag_buf u = { 0 }, e = { 0 };
		if (bi && eu && ee && !format_both(bi, &u, &e) &&
		    same_file(names[i], frag_buf_str(&u), eu, unstable) &&
		    same_file(names[i], frag_buf_str(&e), ee, unstable))
			ok++;
		frag_buf_free(&u);
		frag_buf_free(&e);
		free(bi);
		free(eu);
		free(ee);
		free(unstable);
		free(names[i]);
	}
	CHECK_EQ(n, 20);
	CHECK_EQ(unstable_n, 3);
	CHECK_EQ(ok, n);
}

/* ---------------------------------------------------------------------- */
/* Views of a live model (kernel-model 11.2, 11.3)                        */
/* ---------------------------------------------------------------------- */

#define BUDDY_ZEROS_9 "     0      0      0      0      0      0      0      0      0 "

/*
 * frag_show_print(): "Node %d, zone %8s " then "%6lu " of nr_free per order
 * (all migratetypes, PCP pages excluded), trailing blank, newline.
 * After carving one page at A, DMA32 holds one block at each order 0..9
 * (expand()'s remainders) and 11 order-10 blocks.
 */
static void test_frag_show_print(void)
{
	struct frag_mem *mem = mk_mem(64 * MiB, 1, 1, NULL);
	struct frag_zone *dma = zone_of(mem, 0, ZONE_DMA), *dma32 = zone_of(mem, 0, ZONE_DMA32);
	struct frag_buf b = { 0 };

	frag_show_buddyinfo(mem, &b);
	CHECK_STREQ(frag_buf_str(&b), "Node 0, zone      DMA " BUDDY_ZEROS_9 "     0      4 \n"
				      "Node 0, zone    DMA32 " BUDDY_ZEROS_9 "     0     12 \n");
	CHECK_EQ(alloc_at(mem, dma32, A, 0, GFP_HIGHUSER_MOVABLE, OWNER_LRU), 0);
	frag_buf_reset(&b);
	frag_show_buddyinfo(mem, &b);
	CHECK_STREQ(frag_buf_str(&b),
		    "Node 0, zone      DMA " BUDDY_ZEROS_9 "     0      4 \n"
		    "Node 0, zone    DMA32      1      1      1      1      1      1      1      1      1      1 "
		    "    11 \n");
	/* A page on a PCP list is not in nr_free: freeing A to CPU 0's list
	 * changes nothing (merged back into the buddy it would give 12 order-10). */
	CHECK_EQ(frag_free_pages(mem, 0, A, 0), 0);
	CHECK_EQ(page_at(dma32, A)->state, PG_PCP);
	frag_buf_reset(&b);
	frag_show_buddyinfo(mem, &b);
	CHECK_STREQ(frag_buf_str(&b),
		    "Node 0, zone      DMA " BUDDY_ZEROS_9 "     0      4 \n"
		    "Node 0, zone    DMA32      1      1      1      1      1      1      1      1      1      1 "
		    "    11 \n");
	CHECK_CONSISTENT(mem);
	/* %6lu is a minimum width: seven digits are printed whole. */
	uint64_t saved = dma->free_area[0].nr_free;
	dma->free_area[0].nr_free = 1234567;
	frag_buf_reset(&b);
	frag_show_buddyinfo(mem, &b);
	CHECK(!strncmp(frag_buf_str(&b), "Node 0, zone      DMA 1234567      0 ", 37));
	dma->free_area[0].nr_free = saved;
	frag_buf_free(&b);
	frag_mem_destroy(mem);

	/* Two nodes: node by node, each node's zones from low to high. */
	mem = mk_mem(128 * MiB, 2, 2, NULL);
	frag_show_buddyinfo(mem, &b);
	CHECK_STREQ(frag_buf_str(&b), "Node 0, zone      DMA " BUDDY_ZEROS_9 "     0      4 \n"
				      "Node 0, zone    DMA32 " BUDDY_ZEROS_9 "     0     12 \n"
				      "Node 1, zone    DMA32 " BUDDY_ZEROS_9 "     0     16 \n");
	frag_buf_free(&b);
	frag_mem_destroy(mem);
}

/*
 * The live debugfs views are the buddyinfo formulas applied to the model's
 * own nr_free: parsing frag_show_buddyinfo() and formatting it gives
 * frag_show_unusable_index() / frag_show_extfrag_index() exactly.
 */
static void test_extfrag_show(void)
{
	struct frag_mem *mem = mk_mem(64 * MiB, 1, 1, NULL);
	struct frag_zone *dma32 = zone_of(mem, 0, ZONE_DMA32);
	struct frag_buf bi = { 0 }, u = { 0 }, e = { 0 }, lu = { 0 }, le = { 0 };

	CHECK_EQ(alloc_at(mem, dma32, A, 0, GFP_HIGHUSER_MOVABLE, OWNER_LRU), 0);
	for (unsigned i = 0; i < 11; i++)     /* every other order-10 block: order 10 fails */
		CHECK_EQ(alloc_at(mem, dma32, A + 1024 * (i + 1), 10, GFP_HIGHUSER_MOVABLE, OWNER_LRU), 0);
	frag_show_buddyinfo(mem, &bi);
	CHECK_EQ(format_both(frag_buf_str(&bi), &u, &e), 0);
	frag_show_unusable_index(mem, &lu);
	frag_show_extfrag_index(mem, &le);
	CHECK_STREQ(frag_buf_str(&lu), frag_buf_str(&u));
	CHECK_STREQ(frag_buf_str(&le), frag_buf_str(&e));
	/* DMA32 = {1 x 10 orders 0..9}: free 1023 pages in 10 blocks; order 10:
	 * 1000 - (1000 + 1023000/1024) / 10 = 1000 - 199 = 801. */
	CHECK(strstr(frag_buf_str(&le), "Node 0, zone    DMA32 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 "
					  "-1.000 -1.000 -1.000  0.801 \n") != NULL);
	CHECK(strstr(frag_buf_str(&lu), "Node 0, zone    DMA32 0.000 0.000 0.002 0.006 0.014 0.030 0.061 0.124 "
					  "0.249 0.499 1.000 \n") != NULL);
	frag_buf_free(&bi);
	frag_buf_free(&u);
	frag_buf_free(&e);
	frag_buf_free(&lu);
	frag_buf_free(&le);
	frag_mem_destroy(mem);
}

#define PTI_HEAD                                                                                                    \
	"Page block order: 9\n"                                                                                     \
	"Pages per block:  512\n"                                                                                   \
	"\n"                                                                                                        \
	"Free pages count per migrate type at order       0      1      2      3      4      5      6      7      8 " \
	"     9     10 \n"
#define Z11 "     0      0      0      0      0      0      0      0      0      0      0 "
#define PTI_ROW(zone, type) "Node    0, zone " zone ", type " type " "

/*
 * pagetypeinfo_show(): per node, the pageblock order and size, then
 * pagetypeinfo_showfree() ("%-43s " header, "%6d " orders; per zone and
 * migratetype "Node %4d, zone %8s, type %12s " and "%6lu " counts of the
 * free_list), then pagetypeinfo_showblockcount() ("\n%-23s" header with
 * "%12s " type names; per zone "Node %d, zone %8s " and "%12lu " counts of
 * get_pageblock_migratetype() from zone_start_pfn in pageblock steps).
 * MIGRATE_CMA is listed only with CONFIG_CMA.
 *
 * The state: one UNMOVABLE page carved at A and its pageblock claimed as in
 * try_to_claim_block() (relabelled, its free pages moved to the UNMOVABLE
 * lists); the order-9 buddy A+512 lies in the next pageblock and stays
 * MOVABLE.
 */
static void claim_first_dma32_block(struct frag_mem *mem)
{
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);
	CHECK_EQ(alloc_at(mem, z, A, 0, GFP_KERNEL, 0), 0);
	set_pageblock_migratetype(z, A, MIGRATE_UNMOVABLE);
	CHECK_EQ(move_freepages_block(z, A, MIGRATE_MOVABLE, MIGRATE_UNMOVABLE), 511);
	CHECK_CONSISTENT(mem);
}

static void test_pagetypeinfo_show(void)
{
	struct frag_mem *mem = mk_mem(64 * MiB, 1, 1, NULL);
	struct frag_zone *dma = zone_of(mem, 0, ZONE_DMA);
	struct frag_buf b = { 0 };

	CHECK(!mem->geo.config_cma);
	claim_first_dma32_block(mem);
	frag_show_pagetypeinfo(mem, &b);
	CHECK_STREQ(frag_buf_str(&b),
		    PTI_HEAD
		    PTI_ROW("     DMA", "   Unmovable") Z11 "\n"
		    PTI_ROW("     DMA", "     Movable") BUDDY_ZEROS_9 "     0      4 \n"
		    PTI_ROW("     DMA", " Reclaimable") Z11 "\n"
		    PTI_ROW("     DMA", "  HighAtomic") Z11 "\n"
		    PTI_ROW("     DMA", "     Isolate") Z11 "\n"
		    PTI_ROW("   DMA32", "   Unmovable") "     1      1      1      1      1      1      1      1 "
							 "     1      0      0 \n"
		    PTI_ROW("   DMA32", "     Movable") BUDDY_ZEROS_9 "     1     11 \n"
		    PTI_ROW("   DMA32", " Reclaimable") Z11 "\n"
		    PTI_ROW("   DMA32", "  HighAtomic") Z11 "\n"
		    PTI_ROW("   DMA32", "     Isolate") Z11 "\n"
		    "\n"
		    "Number of blocks type     Unmovable      Movable  Reclaimable   HighAtomic      Isolate \n"
		    "Node 0, zone      DMA            0            8            0            0            0 \n"
		    "Node 0, zone    DMA32            1           23            0            0            0 \n");

	/*
	 * The free counts stop at 100000: list_for_each() breaks when
	 * ++freecount reaches 100000 and the count prints as ">100000".
	 */
	static const uint64_t counts[3] = { 99999, 100000, 123456 };
	static const char *const shown[3] = { " 99999 ", ">100000 ", ">100000 " };
	for (int i = 0; i < 3; i++) {
		char want[256];
		dma->free_area[0].nr_free_mt[MIGRATE_MOVABLE] = counts[i];
		frag_buf_reset(&b);
		frag_show_pagetypeinfo(mem, &b);
		snprintf(want, sizeof want, "\n" PTI_ROW("     DMA", "     Movable") "%s" "     0      0      0      0 "
			 "     0      0      0      0      0      4 \n", shown[i]);
		CHECK(strstr(frag_buf_str(&b), want) != NULL);
	}
	dma->free_area[0].nr_free_mt[MIGRATE_MOVABLE] = 0;

	/* An isolated pageblock counts as Isolate whatever its stored type. */
	pfn_to_pb(dma, 512)->flags |= PB_MIGRATE_ISOLATE;
	frag_buf_reset(&b);
	frag_show_pagetypeinfo(mem, &b);
	CHECK(strstr(frag_buf_str(&b), "Node 0, zone      DMA            0            7            0            0"
				       "            1 \n") != NULL);
	pfn_to_pb(dma, 512)->flags &= (uint8_t)~PB_MIGRATE_ISOLATE;
	CHECK_CONSISTENT(mem);
	frag_buf_free(&b);
	frag_mem_destroy(mem);
}

static void tweak_cma(struct frag_config *cfg)
{
	cfg->geo.config_cma = true;
}

/* With CONFIG_CMA every zone gets a CMA row and the block counts a CMA column. */
static void test_pagetypeinfo_show_cma(void)
{
	struct frag_mem *mem = mk_mem(64 * MiB, 1, 1, tweak_cma);
	struct frag_buf b = { 0 };

	claim_first_dma32_block(mem);
	frag_show_pagetypeinfo(mem, &b);
	CHECK_STREQ(frag_buf_str(&b),
		    PTI_HEAD
		    PTI_ROW("     DMA", "   Unmovable") Z11 "\n"
		    PTI_ROW("     DMA", "     Movable") BUDDY_ZEROS_9 "     0      4 \n"
		    PTI_ROW("     DMA", " Reclaimable") Z11 "\n"
		    PTI_ROW("     DMA", "  HighAtomic") Z11 "\n"
		    PTI_ROW("     DMA", "         CMA") Z11 "\n"
		    PTI_ROW("     DMA", "     Isolate") Z11 "\n"
		    PTI_ROW("   DMA32", "   Unmovable") "     1      1      1      1      1      1      1      1 "
							 "     1      0      0 \n"
		    PTI_ROW("   DMA32", "     Movable") BUDDY_ZEROS_9 "     1     11 \n"
		    PTI_ROW("   DMA32", " Reclaimable") Z11 "\n"
		    PTI_ROW("   DMA32", "  HighAtomic") Z11 "\n"
		    PTI_ROW("   DMA32", "         CMA") Z11 "\n"
		    PTI_ROW("   DMA32", "     Isolate") Z11 "\n"
		    "\n"
		    "Number of blocks type     Unmovable      Movable  Reclaimable   HighAtomic          CMA "
		    "     Isolate \n"
		    "Node 0, zone      DMA            0            8            0            0            0 "
		    "           0 \n"
		    "Node 0, zone    DMA32            1           23            0            0            0 "
		    "           0 \n");
	frag_buf_free(&b);
	frag_mem_destroy(mem);
}

/* Two nodes: pagetypeinfo_show() runs once per node, headers included. */
static void test_pagetypeinfo_show_nodes(void)
{
	struct frag_mem *mem = mk_mem(128 * MiB, 2, 2, NULL);
	struct frag_buf b = { 0 };

	frag_show_pagetypeinfo(mem, &b);
	CHECK_STREQ(frag_buf_str(&b),
		    PTI_HEAD
		    PTI_ROW("     DMA", "   Unmovable") Z11 "\n"
		    PTI_ROW("     DMA", "     Movable") BUDDY_ZEROS_9 "     0      4 \n"
		    PTI_ROW("     DMA", " Reclaimable") Z11 "\n"
		    PTI_ROW("     DMA", "  HighAtomic") Z11 "\n"
		    PTI_ROW("     DMA", "     Isolate") Z11 "\n"
		    PTI_ROW("   DMA32", "   Unmovable") Z11 "\n"
		    PTI_ROW("   DMA32", "     Movable") BUDDY_ZEROS_9 "     0     12 \n"
		    PTI_ROW("   DMA32", " Reclaimable") Z11 "\n"
		    PTI_ROW("   DMA32", "  HighAtomic") Z11 "\n"
		    PTI_ROW("   DMA32", "     Isolate") Z11 "\n"
		    "\n"
		    "Number of blocks type     Unmovable      Movable  Reclaimable   HighAtomic      Isolate \n"
		    "Node 0, zone      DMA            0            8            0            0            0 \n"
		    "Node 0, zone    DMA32            0           24            0            0            0 \n"
		    PTI_HEAD
		    "Node    1, zone    DMA32, type    Unmovable " Z11 "\n"
		    "Node    1, zone    DMA32, type      Movable " BUDDY_ZEROS_9 "     0     16 \n"
		    "Node    1, zone    DMA32, type  Reclaimable " Z11 "\n"
		    "Node    1, zone    DMA32, type   HighAtomic " Z11 "\n"
		    "Node    1, zone    DMA32, type      Isolate " Z11 "\n"
		    "\n"
		    "Number of blocks type     Unmovable      Movable  Reclaimable   HighAtomic      Isolate \n"
		    "Node 1, zone    DMA32            0           32            0            0            0 \n");
	frag_buf_free(&b);
	frag_mem_destroy(mem);
}

/* ---------------------------------------------------------------------- */
/* Proactive compaction score (kernel-model 6.6, mm/compaction.c)         */
/* ---------------------------------------------------------------------- */

/*
 * fragmentation_score_zone() = extfrag_for_order(zone, HPAGE_PMD_ORDER);
 * fragmentation_score_node() = sum over the node's zones of
 * present_pages * score / (node_present_pages + 1), each term truncated.
 *
 *   DMA, one page carved at 0: free 4095, suitable(9) = 1 + 3*2 = 7 blocks
 *     -> (4095 - 3584) * 100 / 4095 = 12
 *   DMA32, one page carved at A: free 12287, suitable(9) = 1 + 11*2 = 23
 *     -> (12287 - 11776) * 100 / 12287 = 4
 *   node: 4096*12/16385 + 12288*4/16385 = 2 + 2 = 4
 *   (without the +1: 3 + 3 = 6; dividing the sum once: 98304/16385 = 5)
 */
static void test_fragmentation_score_node(void)
{
	struct frag_mem *mem = mk_mem(64 * MiB, 1, 1, NULL);
	struct frag_zone *dma = zone_of(mem, 0, ZONE_DMA), *dma32 = zone_of(mem, 0, ZONE_DMA32);
	uint64_t nf[NR_PAGE_ORDERS];

	CHECK_EQ(dma->present_pages, 4096);
	CHECK_EQ(dma32->present_pages, 12288);
	CHECK_EQ(frag_fragmentation_score_zone(mem, dma->id), 0);
	CHECK_EQ(frag_fragmentation_score_node(mem, 0), 0);

	CHECK_EQ(alloc_at(mem, dma32, A, 0, GFP_HIGHUSER_MOVABLE, OWNER_LRU), 0);
	CHECK_EQ(frag_fragmentation_score_zone(mem, dma32->id), 4);
	nr_free_of(dma32, nf);
	CHECK_EQ(frag_extfrag_for_order(nf, HPAGE_PMD_ORDER), 4);
	CHECK_EQ(frag_fragmentation_score_node(mem, 0), 2);            /* 49152 / 16385 */

	CHECK_EQ(alloc_at(mem, dma, 0, 0, GFP_HIGHUSER_MOVABLE, OWNER_LRU), 0);
	CHECK_EQ(frag_fragmentation_score_zone(mem, dma->id), 12);
	CHECK_EQ(frag_fragmentation_score_node(mem, 0), 4);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);

	/* Each node counts only its own zones and its own present pages. */
	mem = mk_mem(128 * MiB, 2, 2, NULL);
	struct frag_zone *n1 = zone_of(mem, 1, ZONE_DMA32);
	dma32 = zone_of(mem, 0, ZONE_DMA32);
	CHECK_EQ(n1->present_pages, 16384);
	CHECK_EQ(alloc_at(mem, dma32, A, 0, GFP_HIGHUSER_MOVABLE, OWNER_LRU), 0);
	CHECK_EQ(frag_fragmentation_score_node(mem, 1), 0);
	CHECK_EQ(frag_fragmentation_score_node(mem, 0), 2);
	/* Node 1: one page carved at 16384: free 16383, suitable(9) = 1 + 15*2 = 31
	 * -> 511 * 100 / 16383 = 3; weighted 16384 * 3 / 16385 = 2. */
	CHECK_EQ(alloc_at(mem, n1, 16384, 0, GFP_HIGHUSER_MOVABLE, OWNER_LRU), 0);
	CHECK_EQ(frag_fragmentation_score_zone(mem, n1->id), 3);
	CHECK_EQ(frag_fragmentation_score_node(mem, 1), 2);
	CHECK_EQ(frag_fragmentation_score_node(mem, 0), 2);
	frag_mem_destroy(mem);
}

/*
 * The weights are present pages: absent holes do not count, reserved pages
 * (present, not managed) do.
 *   holes: [1024, 3072) reserved in DMA, [8192, 12288) absent in DMA32
 *   DMA   spanned 4096 present 4096 managed 2048, free order-10 at 0, 3072
 *   DMA32 spanned 12288 present 8192, 8 free order-10 blocks
 *   after carving one page in each zone (at 0 and at A):
 *   DMA   free 2047, suitable(9) = 1 + 1*2 = 3 -> 511*100/2047 = 24
 *   DMA32 free 8191, suitable(9) = 1 + 7*2 = 15 -> 511*100/8191 = 6
 *   node_present = 12288: 4096*24/12289 + 8192*6/12289 = 7 + 3 = 10
 *   (managed weights: 2048*24/10241 + 8192*6/10241 = 4 + 4 = 8;
 *    spanned weights: 4096*24/16385 + 12288*6/16385 = 5 + 4 = 9)
 */
static const struct frag_hole score_holes[] = {
	{ 1024, 3072, HOLE_RESERVED },
	{ 8192, 12288, HOLE_ABSENT },
};

static void tweak_score_holes(struct frag_config *cfg)
{
	cfg->geo.holes = score_holes;
	cfg->geo.nr_holes = 2;
}

static void test_fragmentation_score_zone_weighted(void)
{
	struct frag_mem *mem = mk_mem(64 * MiB, 1, 1, tweak_score_holes);
	CHECK(mem != NULL);
	if (!mem)
		return;
	struct frag_zone *dma = zone_of(mem, 0, ZONE_DMA), *dma32 = zone_of(mem, 0, ZONE_DMA32);

	CHECK_EQ(dma->present_pages, 4096);
	CHECK_EQ(dma->managed_pages, 2048);
	CHECK_EQ(dma32->spanned_pages, 12288);
	CHECK_EQ(dma32->present_pages, 8192);
	CHECK_EQ(alloc_at(mem, dma, 0, 0, GFP_HIGHUSER_MOVABLE, OWNER_LRU), 0);
	CHECK_EQ(alloc_at(mem, dma32, A, 0, GFP_HIGHUSER_MOVABLE, OWNER_LRU), 0);
	CHECK_EQ(frag_fragmentation_score_zone(mem, dma->id), 24);
	CHECK_EQ(frag_fragmentation_score_zone(mem, dma32->id), 6);
	CHECK_EQ(frag_fragmentation_score_node(mem, 0), 10);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/* ---------------------------------------------------------------------- */
/* SPB summary                                                            */
/* ---------------------------------------------------------------------- */

/*
 * frag_spb_summary() on a fresh 5 GiB machine: SPBs are 1 GiB aligned in
 * absolute pfn and clipped to their zone.
 *   DMA    [0, 4096)            1 partial SPB
 *   DMA32  [4096, 1 Gi pfn)     1 partial (from 16 MiB) + 3 full
 *   Normal [4 GiB, 5 GiB)       1 full
 * Everything free: all 6 empty, the 4 full ones free_now and movable_only.
 */
static void test_frag_spb_summary(void)
{
	struct frag_mem *mem = mk_mem(5 * GiB, 1, 1, NULL);
	struct frag_spb_summary s;

	frag_spb_summary(mem, &s);
	CHECK_EQ(s.nr_spbs, 6);
	CHECK_EQ(s.nr_full_spbs, 4);
	CHECK_EQ(s.empty, 6);
	CHECK_EQ(s.clean, 0);
	CHECK_EQ(s.tainted, 0);
	CHECK_EQ(s.free_now, 4);
	CHECK_EQ(s.movable_only, 4);
	CHECK_EQ(s.tainted_pageblocks, 0);

	/*
	 * Category follows pageblock labels, free_now and movable_only follow
	 * contents:
	 *  - Normal: the first order-10 block's two pageblocks claimed
	 *    UNMOVABLE while still free (change_pageblock_range()): tainted,
	 *    2 tainted pageblocks, but still entirely free and movable-only;
	 *  - DMA32 SPB 1: one movable page: clean, no longer free_now;
	 *  - DMA32 SPB 2: one unmovable page in a MOVABLE pageblock (a steal):
	 *    clean by label, but not movable-only any more.
	 */
	struct frag_zone *normal = zone_of(mem, 0, ZONE_NORMAL), *dma32 = zone_of(mem, 0, ZONE_DMA32);
	uint64_t n0 = normal->zone_start_pfn;
	CHECK_EQ(n0, 1ull << 20);
	set_pageblock_migratetype(normal, n0, MIGRATE_UNMOVABLE);
	set_pageblock_migratetype(normal, n0 + 512, MIGRATE_UNMOVABLE);
	CHECK_EQ(move_freepages_block(normal, n0, MIGRATE_MOVABLE, MIGRATE_UNMOVABLE), 1024);
	CHECK_EQ(alloc_at(mem, dma32, 1ull << 18, 0, GFP_HIGHUSER_MOVABLE, OWNER_LRU), 0);
	CHECK_EQ(alloc_at(mem, dma32, 2ull << 18, 0, GFP_KERNEL, 0), 0);
	CHECK_CONSISTENT(mem);
	frag_spb_summary(mem, &s);
	CHECK_EQ(s.nr_spbs, 6);
	CHECK_EQ(s.nr_full_spbs, 4);
	CHECK_EQ(s.empty, 3);
	CHECK_EQ(s.clean, 2);
	CHECK_EQ(s.tainted, 1);
	CHECK_EQ(s.free_now, 2);
	CHECK_EQ(s.movable_only, 3);
	CHECK_EQ(s.tainted_pageblocks, 2);
	frag_mem_destroy(mem);
}

/* ---------------------------------------------------------------------- */
/* Mixed pageblocks and the SPB view (fragsim's demo sections)            */
/* ---------------------------------------------------------------------- */

/* move_freepages_block() + set_pageblock_migratetype(): pageblock @pfn becomes @mt. */
static void relabel_pb(struct frag_zone *z, uint64_t pfn, int mt)
{
	CHECK(move_freepages_block(z, pfn, pb_mt(z, pfn), mt) >= 0);
	set_pageblock_migratetype(z, pfn, mt);
}

/* set_migratetype_isolate(): free pages to the ISOLATE lists, then PB_migrate_isolate. */
static void isolate_pb(struct frag_zone *z, uint64_t pfn)
{
	CHECK(move_freepages_block(z, pfn, pfn_to_pb(z, pfn)->mt, MIGRATE_ISOLATE) >= 0);
	pfn_to_pb(z, pfn)->flags |= PB_MIGRATE_ISOLATE;
	pfn_to_spb(z, pfn)->nr_pb_isolated++;
	z->nr_isolate_pageblock++;
}

#define MIXED_HEAD "Number of mixed blocks    Unmovable      Movable  Reclaimable   HighAtomic      Isolate \n"
#define MIXED_HEAD_CMA                                                                                     \
	"Number of mixed blocks    Unmovable      Movable  Reclaimable   HighAtomic          CMA      Isolate \n"
#define C12(n) "           " #n " "

/*
 * pagetypeinfo_showmixedcount() / pagetypeinfo_showmixedcount_print()
 * (mm/vmstat.c, mm/page_owner.c): "%-23s" "Number of mixed blocks ", one
 * "%12s " per migratetype, then per zone "Node %d, zone %8s " and one
 * "%12lu " per type: the pageblocks holding an allocation whose
 * gfp_migratetype() differs from get_pageblock_migratetype(), counted once,
 * under the block's type. On the 64 MiB machine:
 *   DMA    pb 0: a movable page (not mixed); pb 512: a reclaimable and an
 *          unmovable page in a MOVABLE block (Movable 1: a block counts once)
 *   DMA32  A: an unmovable page in a MOVABLE block (Movable 1);
 *          A+1024 UNMOVABLE: a movable and an unmovable page (Unmovable 1);
 *          A+2048 RECLAIMABLE: a reclaimable page (not mixed);
 *          A+3072 HIGHATOMIC: an unmovable page - no allocation has the
 *          HIGHATOMIC type, so any allocation makes it mixed (HighAtomic 1);
 *          A+4096: two movable pages (not mixed).
 */
static void test_pagetypeinfo_showmixedcount_print(void)
{
	struct frag_mem *mem = mk_mem(64 * MiB, 1, 1, NULL);
	struct frag_zone *dma = zone_of(mem, 0, ZONE_DMA), *z = zone_of(mem, 0, ZONE_DMA32);
	struct frag_buf b = { 0 };
	struct frag_pageblock_summary ps;

	frag_show_pageblockinfo(mem, &b);
	CHECK_STREQ(frag_buf_str(&b), MIXED_HEAD
		    "Node 0, zone      DMA " C12(0) C12(0) C12(0) C12(0) C12(0) "\n"
		    "Node 0, zone    DMA32 " C12(0) C12(0) C12(0) C12(0) C12(0) "\n");

	CHECK_EQ(alloc_at(mem, dma, 0, 0, GFP_HIGHUSER_MOVABLE, OWNER_LRU), 0);
	CHECK_EQ(alloc_at(mem, dma, 512, 0, GFP_KERNEL | __GFP_RECLAIMABLE, 0), 0);
	CHECK_EQ(alloc_at(mem, dma, 513, 0, GFP_KERNEL, 0), 0);
	CHECK_EQ(alloc_at(mem, z, A, 0, GFP_KERNEL, 0), 0);
	relabel_pb(z, A + 1024, MIGRATE_UNMOVABLE);
	CHECK_EQ(alloc_at(mem, z, A + 1024, 0, GFP_HIGHUSER_MOVABLE, OWNER_LRU), 0);
	CHECK_EQ(alloc_at(mem, z, A + 1025, 0, GFP_KERNEL, 0), 0);
	relabel_pb(z, A + 2048, MIGRATE_RECLAIMABLE);
	CHECK_EQ(alloc_at(mem, z, A + 2048, 0, GFP_KERNEL | __GFP_RECLAIMABLE, 0), 0);
	relabel_pb(z, A + 3072, MIGRATE_HIGHATOMIC);
	CHECK_EQ(alloc_at(mem, z, A + 3072, 0, GFP_KERNEL, 0), 0);
	CHECK_EQ(alloc_at(mem, z, A + 4096, 0, GFP_HIGHUSER_MOVABLE, OWNER_LRU), 0);
	CHECK_EQ(alloc_at(mem, z, A + 4097, 0, GFP_HIGHUSER_MOVABLE, OWNER_LRU), 0);
	CHECK_CONSISTENT(mem);

	frag_buf_reset(&b);
	frag_show_pageblockinfo(mem, &b);
	CHECK_STREQ(frag_buf_str(&b), MIXED_HEAD
		    "Node 0, zone      DMA " C12(0) C12(1) C12(0) C12(0) C12(0) "\n"
		    "Node 0, zone    DMA32 " C12(1) C12(1) C12(0) C12(1) C12(0) "\n");
	frag_pageblock_summary(mem, &ps);
	CHECK_EQ(ps.mixed[MIGRATE_UNMOVABLE], 1);
	CHECK_EQ(ps.mixed[MIGRATE_MOVABLE], 2);
	CHECK_EQ(ps.mixed[MIGRATE_RECLAIMABLE], 0);
	CHECK_EQ(ps.mixed[MIGRATE_HIGHATOMIC], 1);
	CHECK_EQ(ps.nr[MIGRATE_UNMOVABLE], 1);
	CHECK_EQ(ps.nr[MIGRATE_RECLAIMABLE], 1);
	CHECK_EQ(ps.nr[MIGRATE_HIGHATOMIC], 1);
	CHECK_EQ(ps.nr[MIGRATE_MOVABLE], 8 + 24 - 3);
	frag_buf_free(&b);
	frag_mem_destroy(mem);
}

/*
 * pagetypeinfo_showmixedcount_print() for CMA and isolated pageblocks:
 * pageblock_mt is get_pageblock_migratetype(), so an isolated pageblock
 * reads MIGRATE_ISOLATE and any allocation in it differs from that type
 * (Isolate column), whatever the stored type; and a CMA pageblock is
 * counted in the Movable column ("if (is_migrate_cma(pageblock_mt))
 * count[MIGRATE_MOVABLE]++"). With CONFIG_CMA, on DMA32:
 *   A (CMA): a movable page                 -> Movable 1 (not CMA)
 *   A+1024 (MOVABLE, isolated): a movable page   -> Isolate 1
 *   A+2048 (MOVABLE, isolated): an unmovable page -> Isolate 1
 */
static void test_pagetypeinfo_showmixedcount_print_cma_isolate(void)
{
	struct frag_mem *mem = mk_mem(64 * MiB, 1, 1, tweak_cma);
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);
	struct frag_buf b = { 0 };

	relabel_pb(z, A, MIGRATE_CMA);
	relabel_pb(z, A + 512, MIGRATE_CMA);
	CHECK_EQ(alloc_at(mem, z, A, 0, GFP_HIGHUSER_MOVABLE, OWNER_LRU), 0);
	CHECK_EQ(alloc_at(mem, z, A + 1024, 0, GFP_HIGHUSER_MOVABLE, OWNER_LRU), 0);
	CHECK_EQ(alloc_at(mem, z, A + 2048, 0, GFP_KERNEL, 0), 0);
	isolate_pb(z, A + 1024);
	isolate_pb(z, A + 2048);
	CHECK_EQ(pb_mt(z, A + 1024), MIGRATE_ISOLATE);
	CHECK_CONSISTENT(mem);

	frag_show_pageblockinfo(mem, &b);
	CHECK_STREQ(frag_buf_str(&b), MIXED_HEAD_CMA
		    "Node 0, zone      DMA " C12(0) C12(0) C12(0) C12(0) C12(0) C12(0) "\n"
		    "Node 0, zone    DMA32 " C12(0) C12(1) C12(0) C12(0) C12(0) C12(2) "\n");
	frag_buf_free(&b);
	frag_mem_destroy(mem);
}

/*
 * frag_show_spbinfo(), fragsim's SPB view ("== superpageblocks (1 GiB)" in
 * `fragsim demo`), one line per zone:
 *   "Node %u, zone %8s spbs %6u full_1g %6llu empty %6u clean %6u tainted %6u
 *    free_now %6llu movable_only %6llu fullness" and 8 " %llu" bucket counts
 * (bucket b: free fraction in [b/8, (b+1)/8), a full SPB in bucket 7).
 * A 3 GiB machine: DMA [0, 4096) one partial SPB; DMA32 [4096, 786432):
 * SPB0 partial [4096, 262144), SPB1 and SPB2 whole.
 *   DMA:  two order-10 blocks of movable pages: half free (bucket 4), clean;
 *   SPB0: its first order-10 block relabelled UNMOVABLE while free:
 *         tainted (2 tainted pageblocks), all free (bucket 7);
 *   SPB1: 140 order-10 blocks of movable pages: 118784 of 262144 free
 *         (3.625 eighths: bucket 3), clean, movable_only;
 *   SPB2: untouched: empty, free_now, movable_only, bucket 7.
 * frag_spb_summary() adds the zones up.
 */
static void test_frag_show_spbinfo(void)
{
	struct frag_mem *mem = mk_mem(3 * GiB, 1, 1, NULL);
	struct frag_zone *dma = zone_of(mem, 0, ZONE_DMA), *z = zone_of(mem, 0, ZONE_DMA32);
	struct frag_buf b = { 0 };
	struct frag_spb_summary s;

	frag_show_spbinfo(mem, &b);
	CHECK_STREQ(frag_buf_str(&b),
		    "Node 0, zone      DMA spbs      1 full_1g      0 empty      1 clean      0 tainted      0 "
		    "free_now      0 movable_only      0 fullness 0 0 0 0 0 0 0 1\n"
		    "Node 0, zone    DMA32 spbs      3 full_1g      2 empty      3 clean      0 tainted      0 "
		    "free_now      2 movable_only      2 fullness 0 0 0 0 0 0 0 3\n");

	CHECK_EQ(alloc_at(mem, dma, 0, 10, GFP_HIGHUSER_MOVABLE, OWNER_LRU), 0);
	CHECK_EQ(alloc_at(mem, dma, 1024, 10, GFP_HIGHUSER_MOVABLE, OWNER_LRU), 0);
	relabel_pb(z, A, MIGRATE_UNMOVABLE);
	relabel_pb(z, A + 512, MIGRATE_UNMOVABLE);
	for (uint64_t i = 0; i < 140; i++)
		CHECK_EQ(alloc_at(mem, z, SPB_NR_PAGES + 1024 * i, 10, GFP_HIGHUSER_MOVABLE, OWNER_LRU), 0);
	CHECK_CONSISTENT(mem);

	frag_buf_reset(&b);
	frag_show_spbinfo(mem, &b);
	CHECK_STREQ(frag_buf_str(&b),
		    "Node 0, zone      DMA spbs      1 full_1g      0 empty      0 clean      1 tainted      0 "
		    "free_now      0 movable_only      0 fullness 0 0 0 0 1 0 0 0\n"
		    "Node 0, zone    DMA32 spbs      3 full_1g      2 empty      1 clean      1 tainted      1 "
		    "free_now      1 movable_only      2 fullness 0 0 0 1 0 0 0 2\n");
	frag_spb_summary(mem, &s);
	CHECK_EQ(s.nr_spbs, 4);
	CHECK_EQ(s.nr_full_spbs, 2);
	CHECK_EQ(s.empty, 1);
	CHECK_EQ(s.clean, 2);
	CHECK_EQ(s.tainted, 1);
	CHECK_EQ(s.free_now, 1);
	CHECK_EQ(s.movable_only, 2);
	CHECK_EQ(s.tainted_pageblocks, 2);
	frag_buf_free(&b);
	frag_mem_destroy(mem);
}

/*
 * frag_priced_gen(): counting any FRAG_STAT_PRICED_LIST counter advances it,
 * counting any other counter does not (the engine prices an allocation in
 * one comparison on that rule: core/sim/wl.c snap_before()). Also through
 * the allocator: an order-0 allocation served from a filled PCP list and its
 * free back to the list touch no priced counter; the first allocation (a
 * PCP refill under the zone lock) does.
 */
static void test_frag_priced_gen(void)
{
	struct frag_mem *mem = mk_mem(256 * MiB, 1, 1, NULL);
	unsigned nr_priced = 0;
	for (unsigned s = 0; s < NR_FRAG_STATS; s++) {
		uint64_t g = frag_priced_gen(mem), v = frag_stat_get(mem, (enum frag_stat)s);
		frag_vm_event(mem, (enum frag_stat)s, 1);
		CHECK_EQ(frag_stat_get(mem, (enum frag_stat)s), v + 1);
		CHECK_EQ(frag_priced_gen(mem) != g, frag_stat_priced((enum frag_stat)s));
		nr_priced += frag_stat_priced((enum frag_stat)s);
	}
	CHECK_EQ(nr_priced, 18);
	CHECK(frag_stat_priced(FRAG_STAT_zone_lock) && frag_stat_priced(FRAG_STAT_pgmigrate_success));
	CHECK(!frag_stat_priced(FRAG_STAT_pgalloc_normal) && !frag_stat_priced(FRAG_STAT_pgfree));

	uint64_t g = frag_priced_gen(mem);
	uint64_t pfn = frag_alloc_pages(mem, 0, 0, GFP_KERNEL, NULL);
	CHECK(pfn != FRAG_PFN_NONE);
	CHECK(frag_priced_gen(mem) != g);   /* rmqueue_bulk(): zone_lock, pcp_refill_pages */
	g = frag_priced_gen(mem);
	uint64_t zl = frag_stat_get(mem, FRAG_STAT_zone_lock);
	uint64_t pfn2 = frag_alloc_pages(mem, 0, 0, GFP_KERNEL, NULL);
	CHECK(pfn2 != FRAG_PFN_NONE);
	CHECK_EQ(frag_free_pages(mem, 0, pfn2, 0), 0);
	CHECK_EQ(frag_priced_gen(mem), g);   /* PCP hit and PCP free: nothing priced */
	CHECK_EQ(frag_stat_get(mem, FRAG_STAT_zone_lock), zl);
	CHECK_EQ(frag_free_pages(mem, 0, pfn, 0), 0);
	frag_drain_all_pages(mem, -1);
	CHECK(frag_priced_gen(mem) != g);   /* free_pcppages_bulk(): zone_lock, pcp_drain_pages */
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

static const struct tap_test tests[] = {
	TAP(test_fill_contig_page_info),
	TAP(test___fragmentation_index),
	TAP(test_unusable_free_index),
	TAP(test_extfrag_for_order),
	TAP(test_extfrag_show_print),
	TAP(test_frag_parse_buddyinfo),
	TAP(test_frag_parse_buddyinfo_malformed),
	TAP(test_extfrag_samples),
	TAP(test_extfrag_snapshots),
	TAP(test_frag_show_print),
	TAP(test_extfrag_show),
	TAP(test_pagetypeinfo_show),
	TAP(test_pagetypeinfo_show_cma),
	TAP(test_pagetypeinfo_show_nodes),
	TAP(test_fragmentation_score_node),
	TAP(test_fragmentation_score_zone_weighted),
	TAP(test_frag_spb_summary),
	TAP(test_pagetypeinfo_showmixedcount_print),
	TAP(test_pagetypeinfo_showmixedcount_print_cma_isolate),
	TAP(test_frag_show_spbinfo),
	TAP(test_frag_priced_gen),
};

int main(int argc, char **argv)
{
	if (argc > 1)
		fixture_dir = argv[1];
	else
		printf("# usage: test_vmstat FIXTURE_DIR (the fixture tests will fail)\n");
	return tap_main(tests, TAP_COUNT(tests));
}
