/* SPDX-License-Identifier: MIT */
/*
 * test_stress.c - randomized allocation and free with every invariant
 * checked after every step, over several machine shapes (the harness and
 * its checks: stress.h).
 *
 * STRESS_SCALE (default 1) multiplies the number of steps; STRESS_SEED
 * replaces the seeds.
 */
#include "stress.h"

static uint64_t scale(void)
{
	const char *s = getenv("STRESS_SCALE");
	uint64_t v = s ? strtoull(s, NULL, 10) : 1;
	return v ? v : 1;
}

static uint64_t seed_or(uint64_t def)
{
	const char *s = getenv("STRESS_SEED");
	return s ? strtoull(s, NULL, 10) : def;
}

static void test_stress_dma_dma32(void)
{
	stress(mk_mem(64 * MiB, 1, 2, NULL), seed_or(1), 10000 * scale());
}

static struct frag_hole holes_96m[] = {
	{ 0x9f, 0x100, HOLE_RESERVED },
	{ 0x2000, 0x2400, HOLE_ABSENT },
	{ 0x3001, 0x3003, HOLE_RESERVED },
	{ 0x4000, 0x4100, HOLE_RESERVED },
	{ 0x5555, 0x5556, HOLE_ABSENT },
};

static void tweak_holes(struct frag_config *cfg)
{
	cfg->geo.node[0].start_pfn = 1;
	cfg->geo.node[0].nr_pages = (96 * MiB >> 12) - 1;
	cfg->geo.holes = holes_96m;
	cfg->geo.nr_holes = sizeof holes_96m / sizeof holes_96m[0];
}

/* Holes, reserved ranges and a zone starting at pfn 1. */
static void test_stress_holes(void)
{
	stress(mk_mem(96 * MiB, 1, 3, tweak_holes), seed_or(2), 10000 * scale());
}

/* A node straddling 4 GiB: DMA32 and Normal zones on a small machine. */
static void tweak_normal(struct frag_config *cfg)
{
	cfg->geo.node[0].start_pfn = (4 * GiB - 32 * MiB) >> 12;
	cfg->geo.node[0].nr_pages = (64 * MiB) >> 12;
}

static void test_stress_normal_nofragment(void)
{
	struct frag_mem *mem = mk_mem(64 * MiB, 1, 4, tweak_normal);
	CHECK(mem && zone_of(mem, 0, ZONE_NORMAL) && zone_of(mem, 0, ZONE_DMA32));
	stress(mem, seed_or(3), 10000 * scale());
}

static void tweak_defrag(struct frag_config *cfg)
{
	tweak_normal(cfg);
	cfg->sysctl.defrag_mode = true;
}

static void test_stress_defrag_mode(void)
{
	stress(mk_mem(64 * MiB, 1, 2, tweak_defrag), seed_or(4), 10000 * scale());
}

/* Two nodes, and a ZONE_MOVABLE at the top of the second. */
static void tweak_numa(struct frag_config *cfg)
{
	cfg->geo.node[1].movable_pages = (16 * MiB) >> 12;
}

static void test_stress_numa_movable(void)
{
	struct frag_mem *mem = mk_mem(128 * MiB, 2, 4, tweak_numa);
	CHECK(mem && zone_of(mem, 1, ZONE_MOVABLE));
	stress(mem, seed_or(5), 10000 * scale());
}

/* Many CPUs on little memory: PCP-heavy. */
static void test_stress_many_cpus(void)
{
	stress(mk_mem(64 * MiB, 1, 16, NULL), seed_or(6), 10000 * scale());
}

static const struct tap_test tests[] = {
	TAP(test_stress_dma_dma32),
	TAP(test_stress_holes),
	TAP(test_stress_normal_nofragment),
	TAP(test_stress_defrag_mode),
	TAP(test_stress_numa_movable),
	TAP(test_stress_many_cpus),
};

int main(void)
{
	return tap_main(tests, TAP_COUNT(tests));
}
