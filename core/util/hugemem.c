/* SPDX-License-Identifier: MIT */
/*
 * hugemem.c - THP advice for the simulator's large tables (frag/hugemem.h).
 */
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "frag/hugemem.h"

#define HOST_HPAGE ((uintptr_t)2 << 20)

void frag_hugemem_advise(void *p, size_t len)
{
#ifdef MADV_HUGEPAGE
	if (!p || len < FRAG_HUGEMEM_MIN || getenv("FRAGSIM_NO_HUGEMEM"))
		return;
	uintptr_t lo = ((uintptr_t)p + HOST_HPAGE - 1) & ~(HOST_HPAGE - 1);
	uintptr_t hi = ((uintptr_t)p + len) & ~(HOST_HPAGE - 1);
	if (hi > lo)
		(void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE);   /* advice: a refusal changes nothing */
#else
	(void)p;
	(void)len;
#endif
}

void *frag_hugemem_calloc(size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return NULL;   /* as calloc() would (checked here: sanitizers abort on it) */
	void *p = calloc(n, size);
	if (p)
		frag_hugemem_advise(p, n * size);
	return p;
}

void *frag_hugemem_realloc(void *p, size_t len)
{
	void *q = realloc(p, len);
	frag_hugemem_advise(q, len);
	return q;
}
