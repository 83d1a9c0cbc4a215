/* SPDX-License-Identifier: MIT */
/*
 * geometry.c - the machine a scenario describes, as a struct frag_geometry.
 *
 * `memory` is the RAM in total, split over the nodes as
 * frag_geometry_simple() does (equal pageblock-aligned shares, the last node
 * takes the remainder), and so are the CPUs (node by node, the first nodes
 * get one more when they do not divide evenly).
 *
 * layout flat: RAM is contiguous from pfn 0, nothing is reserved.
 *
 * layout pc: an x86-64 PC. RAM is laid out node after node, but RAM that
 * would sit in [3 GiB, 4 GiB) is remapped above 4 GiB, so that range is an
 * absent hole (the PCI hole) inside the node whose RAM crosses 3 GiB (that
 * node spans 1 GiB more than its RAM); a node whose RAM starts exactly at
 * 3 GiB starts at 4 GiB instead. Reserved (present, not managed): pfn 0,
 * [0x9f, 0x100) (EBDA, VGA, BIOS ROM), the kernel image [0x1000, 0x3c58),
 * and at the top of every node its memmap: one 64-byte struct page per
 * page of RAM, 1/64 of the node's RAM rounded up to whole pages.
 *
 * Then the scenario's machine.holes are appended as given.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "frag/scenario.h"

/* Append one range; -EINVAL when @holes is full. */
static int add_hole(struct frag_hole *holes, unsigned max, unsigned *n, uint64_t start, uint64_t end,
		    enum frag_hole_kind kind, char *err, size_t errlen)
{
	if (!holes)
		return 0;
	if (*n >= max) {
		snprintf(err, errlen, "machine: more than %u holes and reserved ranges", max);
		return -EINVAL;
	}
	holes[(*n)++] = (struct frag_hole){ .start_pfn = start, .end_pfn = end, .kind = kind };
	return 0;
}

/* The physical pfn of RAM page @r in the pc layout (RAM from 3 GiB moves above 4 GiB). */
static uint64_t pc_phys(uint64_t r)
{
	return r < PC_LOW_RAM_END_PFN ? r : r + (PC_HIGH_RAM_PFN - PC_LOW_RAM_END_PFN);
}

int conf_geometry(const struct frag_scenario *sc, struct frag_geometry *g, struct frag_hole *holes,
		  unsigned max_holes, char *err, size_t errlen)
{
	const struct frag_machine_opts *m = &sc->machine;
	unsigned n = 0;
	int ret;

	memset(g, 0, sizeof(*g));
	if (m->nodes < 1 || m->nodes > FRAG_MAX_NODES) {
		snprintf(err, errlen, "machine: nodes = %u, must be 1..%u", m->nodes, FRAG_MAX_NODES);
		return -EINVAL;
	}
	uint64_t pages = m->memory >> FRAG_PAGE_SHIFT;
	uint64_t per = (pages / m->nodes) & ~(uint64_t)(PAGEBLOCK_NR_PAGES - 1);
	uint64_t ram = 0;   /* RAM pages laid out so far */
	bool pc = m->layout == LAYOUT_PC;

	g->nr_nodes = m->nodes;
	g->config_cma = m->config_cma;
	for (unsigned i = 0; i < m->nodes; i++) {
		struct frag_node_geometry *ng = &g->node[i];
		uint64_t node_ram = i == m->nodes - 1 ? pages - ram : per;
		uint64_t ram_end = ram + node_ram;

		ng->nr_cpus = m->cpus / m->nodes + (i < m->cpus % m->nodes ? 1 : 0);
		ng->movable_pages = m->movable >> FRAG_PAGE_SHIFT;
		if (!pc) {
			ng->start_pfn = ram;
			ng->nr_pages = node_ram;
			ram = ram_end;
			continue;
		}
		/* pc: the node starts where its first RAM page lands and ends after its last. */
		ng->start_pfn = pc_phys(ram);
		uint64_t end = ram_end <= PC_LOW_RAM_END_PFN ? ram_end : pc_phys(ram_end);
		ng->nr_pages = end - ng->start_pfn;
		if (ram < PC_LOW_RAM_END_PFN && ram_end > PC_LOW_RAM_END_PFN) {
			ret = add_hole(holes, max_holes, &n, PC_LOW_RAM_END_PFN, PC_HIGH_RAM_PFN, HOLE_ABSENT, err,
				       errlen);
			if (ret)
				return ret;
		}
		if (i == 0) {
			ret = add_hole(holes, max_holes, &n, 0, 1, HOLE_RESERVED, err, errlen);
			if (!ret)
				ret = add_hole(holes, max_holes, &n, PC_BIOS_START_PFN, PC_BIOS_END_PFN, HOLE_RESERVED,
					       err, errlen);
			if (!ret)
				ret = add_hole(holes, max_holes, &n, PC_KERNEL_START_PFN, PC_KERNEL_END_PFN,
					       HOLE_RESERVED, err, errlen);
			if (ret)
				return ret;
		}
		uint64_t memmap = (node_ram + MEMMAP_PAGES_PER_PAGE - 1) / MEMMAP_PAGES_PER_PAGE;
		ret = add_hole(holes, max_holes, &n, end - memmap, end, HOLE_RESERVED, err, errlen);
		if (ret)
			return ret;
		ram = ram_end;
	}
	for (unsigned i = 0; i < sc->nr_holes; i++) {
		ret = add_hole(holes, max_holes, &n, sc->holes[i].start_pfn, sc->holes[i].end_pfn, sc->holes[i].kind,
			       err, errlen);
		if (ret)
			return ret;
	}
	g->holes = holes;
	g->nr_holes = n;
	return 0;
}
