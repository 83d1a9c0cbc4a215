/* SPDX-License-Identifier: MIT */
/*
 * test_hugemem.c - the host-side helpers for the simulator's large tables
 * (frag/hugemem.h) and the prefetch hint (frag_prefetch_page()): memory
 * comes back zeroed and keeps its contents across growth, the THP advice
 * reaches the host kernel (VM_HUGEPAGE, "hg" in /proc/self/smaps) when the
 * host has THP, frag_mem_create() advises the page array only with
 * frag_config.host_thp, and a prefetch of any pfn leaves the model untouched.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frag/hugemem.h"
#include "helpers.h"
#include "tap.h"


static void test_calloc_zeroed_and_realloc_keeps(void)
{
	size_t n = 16 * MiB / sizeof(uint64_t);
	uint64_t *a = frag_hugemem_calloc(n, sizeof(*a));
	CHECK(a != NULL);
	if (!a)
		return;
	bool zero = true;
	for (size_t i = 0; i < n; i += 509)
		zero &= a[i] == 0;
	CHECK(zero && a[n - 1] == 0);
	for (size_t i = 0; i < n; i++)
		a[i] = i * 2654435761u;
	uint64_t *b = frag_hugemem_realloc(a, 2 * n * sizeof(*a));
	CHECK(b != NULL);
	if (!b) {
		free(a);
		return;
	}
	bool kept = true;
	for (size_t i = 0; i < n; i++)
		kept &= b[i] == i * 2654435761u;
	CHECK(kept);
	b[2 * n - 1] = 7;   /* the grown part is usable */
	CHECK_EQ(b[2 * n - 1], 7);
	free(b);
	/* Small and overflowing requests behave as calloc(). */
	char *s = frag_hugemem_calloc(3, 5);
	CHECK(s && !s[0] && !s[14]);
	free(s);
	volatile size_t huge = SIZE_MAX / 2;   /* volatile: the compiler must not see the overflow */
	CHECK(frag_hugemem_calloc(huge, 4) == NULL);
}

/* The host's THP mode allows madvise()d regions ("[always]" or "[madvise]"). */
static bool host_thp_madvise(void)
{
	char buf[256] = "";
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
	if (!f)
		return false;
	bool ok = fgets(buf, sizeof buf, f) && (strstr(buf, "[always]") || strstr(buf, "[madvise]"));
	fclose(f);
	return ok;
}

/* Does the mapping holding @p carry VM_HUGEPAGE ("hg" in VmFlags)? -1 if unknown. */
static int vma_hugepage(const void *p)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	if (!f)
		return -1;
	char line[512];
	bool in = false;
	int ret = -1;
	uintptr_t x = (uintptr_t)p;
	while (fgets(line, sizeof line, f)) {
		unsigned long lo, hi;
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' ')) {
			in = x >= lo && x < hi;
			continue;
		}
		if (in && !strncmp(line, "VmFlags:", 8)) {
			ret = strstr(line, " hg") != NULL;
			break;
		}
	}
	fclose(f);
	return ret;
}

static void test_advice_reaches_host(void)
{
	size_t len = 32 * MiB;
	char *a = frag_hugemem_calloc(len, 1), *mid = a + len / 2;
	CHECK(a != NULL);
	if (!a)
		return;
	int hg = vma_hugepage(mid);
	if (!host_thp_madvise() || hg < 0)
		printf("# host without THP or smaps: advice not observable (hg=%d)\n", hg);
	else
		CHECK_EQ(hg, 1);
	free(a);
	/* Below FRAG_HUGEMEM_MIN nothing is advised. */
	char *s = malloc(FRAG_HUGEMEM_MIN / 2);
	frag_hugemem_advise(s, FRAG_HUGEMEM_MIN / 2);
	if (host_thp_madvise() && vma_hugepage(s) >= 0)
		CHECK_EQ(vma_hugepage(s), 0);
	free(s);
}

static void test_prefetch_page_no_effect(void)
{
	struct frag_mem *mem = mk_mem(256ull << 20, 1, 2, NULL);
	CHECK(mem != NULL);
	if (!mem)
		return;
	uint64_t free0 = frag_total_free_pages(mem);
	uint64_t pfns[] = { 0, 1, 4096, 65535, 65536, 1ull << 40, UINT64_MAX };
	for (unsigned i = 0; i < sizeof pfns / sizeof pfns[0]; i++)
		frag_prefetch_page(mem, pfns[i]);
	CHECK_EQ(frag_total_free_pages(mem), free0);
	CHECK(frag_mem_consistent(mem, NULL, 0));
	frag_mem_destroy(mem);
}

static void thp_on(struct frag_config *cfg)
{
	cfg->host_thp = true;
}

/* frag_config.host_thp: the page array is advised only when asked (fragsim run asks). */
static void test_create_host_thp(void)
{
	struct frag_mem *plain = mk_mem(4 * GiB, 1, 2, NULL), *thp = mk_mem(4 * GiB, 1, 2, thp_on);
	CHECK(plain && thp);
	if (plain && thp) {
		size_t half = (size_t)(plain->end_pfn - plain->base_pfn) / 2;
		int hp = vma_hugepage(&plain->pages[half]), ht = vma_hugepage(&thp->pages[half]);
		if (!host_thp_madvise() || hp < 0 || ht < 0) {
			printf("# host without THP or smaps: advice not observable\n");
		} else {
			CHECK_EQ(hp, 0);
			CHECK_EQ(ht, 1);
		}
		CHECK(frag_mem_consistent(thp, NULL, 0));
	}
	if (plain)
		frag_mem_destroy(plain);
	if (thp)
		frag_mem_destroy(thp);
}

static const struct tap_test tests[] = {
	TAP(test_create_host_thp),
	TAP(test_calloc_zeroed_and_realloc_keeps),
	TAP(test_advice_reaches_host),
	TAP(test_prefetch_page_no_effect),
};

int main(void)
{
	return tap_main(tests, TAP_COUNT(tests));
}
