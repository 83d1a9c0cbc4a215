/* SPDX-License-Identifier: MIT */
/*
 * rng.h - deterministic random numbers: xoshiro256** seeded by splitmix64
 * (Blackman & Vigna). Every stream is derived from (seed, stream id), so a
 * workload's demand depends only on (scenario, seed, actor).
 */
#ifndef FRAG_RNG_H
#define FRAG_RNG_H

#include <stdint.h>

struct frag_rng {
	uint64_t s[4];   /* xoshiro256** state */
};

static inline uint64_t frag_splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static inline void frag_rng_seed(struct frag_rng *r, uint64_t seed, uint64_t stream)
{
	uint64_t x = seed ^ (stream * 0xd1b54a32d192ed03ull);
	for (int i = 0; i < 4; i++)
		r->s[i] = frag_splitmix64(&x);
}

static inline uint64_t frag_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline uint64_t frag_rng_next(struct frag_rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = frag_rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = frag_rotl(s[3], 45);
	return result;
}

/* Uniform in [0, n) (Lemire's multiply-shift; n > 0). */
static inline uint64_t frag_rng_below(struct frag_rng *r, uint64_t n)
{
	return (uint64_t)(((__uint128_t)frag_rng_next(r) * n) >> 64);
}

/* Uniform double in [0, 1). */
static inline double frag_rng_double(struct frag_rng *r)
{
	return (double)(frag_rng_next(r) >> 11) * 0x1.0p-53;
}

#endif /* FRAG_RNG_H */
