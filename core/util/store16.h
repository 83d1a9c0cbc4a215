/* SPDX-License-Identifier: MIT */
/*
 * store16.h - write a 16-byte entry (two 64-bit words) with one store.
 *
 * The engine's event heap and the workloads' timer heaps move 16-byte
 * entries with 16-byte loads. An entry the compiler writes from registers
 * as two or three smaller stores, and that is read back whole soon after (a
 * pop reads the entry the last push placed), cannot be forwarded from the
 * store buffer: the load waits until the stores retire. In the profile of
 * rfc-256g that wait was two thirds of the CPU actor's own time. Writing the
 * entry with one 16-byte store lets the load forward. Only where SSE2 is
 * there (every x86-64); elsewhere the callers assign the entry as before.
 */
#ifndef FRAG_STORE16_H
#define FRAG_STORE16_H

#include <stdint.h>

/*
 * FRAG_STORE16: frag_store16() is one 16-byte store (x86-64 and any other
 * little-endian target with SSE2). Callers keep a plain assignment for the
 * others.
 */
#if defined(__SSE2__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define FRAG_STORE16 1
#include <emmintrin.h>

/* *@dst = { @lo, @hi }: @lo at the lower address. */
static inline void frag_store16(void *dst, uint64_t lo, uint64_t hi)
{
	_mm_storeu_si128((__m128i *)dst, _mm_unpacklo_epi64(_mm_cvtsi64_si128((long long)lo),
							      _mm_cvtsi64_si128((long long)hi)));
}
#endif

#endif
