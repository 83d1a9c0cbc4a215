/* SPDX-License-Identifier: MIT */
/*
 * hugemem.h - large tables of the simulator backed by transparent huge
 * pages where the host allows it.
 *
 * The simulated machine's tables (the page array: 16 bytes per simulated
 * 4 KiB page, 1 GiB for a 256 GiB machine; workload block tables, LRUs,
 * timer buckets) are touched at random, so with 4 KiB host pages nearly
 * every access is a TLB miss. These helpers ask the host kernel for THP
 * (madvise(MADV_HUGEPAGE), which works with transparent_hugepage=madvise,
 * the Debian default) on the part of a large allocation that covers whole
 * 2 MiB host pages. Advice only: results never depend on it, and a host
 * without THP just keeps 4 KiB pages. Memory stays malloc()'d: free() it.
 * FRAGSIM_NO_HUGEMEM=1 in the environment turns the advice off.
 */
#ifndef FRAG_HUGEMEM_H
#define FRAG_HUGEMEM_H

#include <stddef.h>

/* Allocations from this size on are advised (smaller ones gain nothing). */
#define FRAG_HUGEMEM_MIN ((size_t)4 << 20)

/* Advise THP for the whole 2 MiB host pages inside [p, p + len) if len >= FRAG_HUGEMEM_MIN. */
void frag_hugemem_advise(void *p, size_t len);

/* calloc() / realloc() followed by frag_hugemem_advise() of the result. */
void *frag_hugemem_calloc(size_t n, size_t size);
void *frag_hugemem_realloc(void *p, size_t len);

#endif
