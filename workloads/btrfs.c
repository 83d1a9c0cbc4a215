/* SPDX-License-Identifier: MIT */
/*
 * btrfs.c - btrfs metadata: extent buffers.
 *
 * Extent buffers (struct extent_buffer) hold tree nodes of `nodesize`
 * bytes (16 KiB by default). With large folios (`large_folio`, the
 * upstream large-folio patches) a buffer first tries one folio of
 * get_order(nodesize) with GFP_NOFS | __GFP_NORETRY | __GFP_NOWARN, falling
 * back to single pages as mainline
 * allocates them: alloc_eb_folio_array(eb, true) with GFP_NOFS |
 * __GFP_NOFAIL. Extent buffers are unmovable, which is why btrfs
 * metadata pollutes pageblocks. The SPB RFC carries a btrfs patch making
 * them movable (__GFP_MOVABLE with migrate_folio support): `movable`.
 * Buffers are read in (interval) and released after `lifetime` (the
 * btree inode's release_folio when the tree block goes cold).
 */
#include <math.h>

#include "wl_util.h"

struct btrfs_opts {
	uint64_t nodesize;            /* bytes per extent buffer */
	struct frag_dist interval;    /* ns between buffer reads on a CPU */
	struct frag_dist lifetime;    /* ns a buffer stays cached */
	bool movable;                 /* the RFC's movable extent buffers */
	bool large_folio;             /* one folio of get_order(nodesize), else nodesize/4K pages */
};

static const struct frag_param btrfs_params[] = {
	FRAG_PARAM("nodesize", PARAM_UINT, struct btrfs_opts, nodesize, 16384, 4096, 65536, "bytes",
		   "metadata node size (mkfs -n)"),
	FRAG_PARAM_DIST("interval", struct btrfs_opts, interval, "exp(5ms)", 1, 1e15, "ns",
			"time between extent buffer reads on each CPU"),
	FRAG_PARAM_DIST("lifetime", struct btrfs_opts, lifetime, "lognormal(10s, 1.5)", 1, 1e16, "ns",
			"how long an extent buffer stays cached"),
	FRAG_PARAM("movable", PARAM_BOOL, struct btrfs_opts, movable, 0, 0, 1, "",
		   "extent buffers are movable (the RFC's btrfs patch)"),
	FRAG_PARAM("large_folio", PARAM_BOOL, struct btrfs_opts, large_folio, 1, 0, 1, "",
		   "one folio per buffer (6.x) instead of order-0 pages"),
	FRAG_PARAM_END,
};

enum { T_READ, T_RELEASE };

struct btrfs_cpu {
	struct wl_timers timers;
};

struct btrfs_priv {
	struct wl_blocks blocks;
};

static int btrfs_init(struct frag_wl *wl)
{
	const struct btrfs_opts *o = frag_wl_opts(wl);
	struct btrfs_priv *p = frag_wl_priv(wl);
	wl_blocks_init(&p->blocks);
	wl_blocks_owner_table(&p->blocks, wl);
	if (o->nodesize & (o->nodesize - 1))
		return frag_wl_error(wl, "nodesize = %llu is not a power of two", (unsigned long long)o->nodesize);
	double bytes = frag_dist_mean(&o->lifetime) / frag_dist_mean(&o->interval) * (double)o->nodesize *
		       frag_wl_nr_slots(wl);
	if (!isfinite(bytes) || bytes > (double)frag_wl_managed_pages(wl) * FRAG_PAGE_SIZE)
		return frag_wl_error(wl, "expects %.1f GiB of metadata cached: lower lifetime", bytes / (1 << 30));
	return 0;
}

/* The large-folio try: may fail quietly, the single pages may not. */
#define BTRFS_FOLIO_GFP (__GFP_NORETRY | __GFP_NOWARN | __GFP_COMP)

/* Allocate one buffer; its blocks share @first (tag = pages in the buffer). */
static bool read_eb(struct frag_wl *wl, unsigned slot, uint32_t *first)
{
	const struct btrfs_opts *o = frag_wl_opts(wl);
	struct btrfs_priv *p = frag_wl_priv(wl);
	gfp_t gfp = GFP_NOFS | (o->movable ? __GFP_MOVABLE : 0);
	uint8_t flags = o->movable ? OWNER_MOVABLE_OPS : 0;
	unsigned order = wl_get_order(o->nodesize);

	if (o->large_folio || order == 0) {
		uint32_t c = wl_blocks_get(&p->blocks);
		uint64_t pfn = frag_wl_alloc(wl, slot, order, order ? gfp | BTRFS_FOLIO_GFP : gfp | __GFP_NOFAIL, c,
					     KIND_KERNEL, flags | (order ? OWNER_COMPOUND : 0));
		if (pfn != FRAG_PFN_NONE) {
			wl_blocks_set(&p->blocks, c, pfn, order, slot, 1, c);
			*first = c;
			return true;
		}
		wl_blocks_unget(&p->blocks, c);
		frag_wl_count(wl, "folio_fallback", 1);
	}
	/* alloc_eb_folio_array(): single pages (a chain through .owner). */
	uint32_t n = 1u << order, prev = UINT32_MAX, head = UINT32_MAX;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t c = wl_blocks_get(&p->blocks);
		uint64_t pfn = frag_wl_alloc(wl, slot, 0, gfp | __GFP_NOFAIL, c, KIND_KERNEL, flags);
		if (pfn == FRAG_PFN_NONE) {
			wl_blocks_unget(&p->blocks, c);
			for (uint32_t k = head; k != UINT32_MAX;) {
				uint32_t next = p->blocks.b[k].owner;
				wl_blocks_release(&p->blocks, wl, slot, k);
				k = next;
			}
			return false;
		}
		wl_blocks_set(&p->blocks, c, pfn, 0, slot, 0, UINT32_MAX);
		if (prev != UINT32_MAX)
			p->blocks.b[prev].owner = c;
		else
			head = c;
		prev = c;
	}
	p->blocks.b[head].tag = (uint16_t)n;
	*first = head;
	return true;
}

static void release_eb(struct frag_wl *wl, unsigned slot, uint32_t c)
{
	struct btrfs_priv *p = frag_wl_priv(wl);
	if (p->blocks.b[c].tag == 1 && p->blocks.b[c].owner == c) {
		wl_blocks_release(&p->blocks, wl, slot, c);
		return;
	}
	while (c != UINT32_MAX) {
		uint32_t next = p->blocks.b[c].owner;
		wl_blocks_release(&p->blocks, wl, slot, c);
		c = next;
	}
}

static uint64_t btrfs_start(struct frag_wl *wl, unsigned slot, uint64_t now)
{
	const struct btrfs_opts *o = frag_wl_opts(wl);
	struct btrfs_cpu *c = frag_wl_cpu_priv(wl, slot);
	wl_timers_push(&c->timers, now + wl_sample_ns(&o->interval, frag_wl_rng(wl, slot)), T_READ, 0);
	return wl_timers_next(&c->timers);
}

static uint64_t btrfs_step(struct frag_wl *wl, unsigned slot, uint64_t now, uint64_t until)
{
	(void)now;   /* every timer due by @until is handled, the one due at @now first */
	const struct btrfs_opts *o = frag_wl_opts(wl);
	struct btrfs_cpu *c = frag_wl_cpu_priv(wl, slot);
	struct frag_rng *rng = frag_wl_rng(wl, slot);

	while (wl_timers_due(&c->timers, until) && !frag_wl_stopped(wl)) {
		struct wl_timer t = wl_timers_take(wl, slot, &c->timers);
		if (t.kind == T_RELEASE) {
			release_eb(wl, slot, t.arg);
			continue;
		}
		uint64_t life = wl_sample_ns(&o->lifetime, rng);
		uint64_t gap = wl_sample_ns(&o->interval, rng);
		uint32_t first;
		if (read_eb(wl, slot, &first)) {
			frag_wl_count(wl, "extent_buffers", 1);
			wl_timers_push(&c->timers, t.t + life, T_RELEASE, first);
		} else {
			frag_wl_count(wl, "failures", 1);
		}
		wl_timers_push(&c->timers, t.t + gap, T_READ, 0);
	}
	uint64_t next = wl_timers_next(&c->timers);
	return next <= until ? until + 1 : next;
}

/* Cached metadata belongs to the filesystem: it stays after the instance stops. */
static void btrfs_stop(struct frag_wl *wl, uint64_t now)
{
	(void)now;
	for (unsigned s = 0; s < frag_wl_nr_slots(wl); s++)
		wl_timers_free(&((struct btrfs_cpu *)frag_wl_cpu_priv(wl, s))->timers);
}

static void btrfs_fini(struct frag_wl *wl)
{
	struct btrfs_priv *p = frag_wl_priv(wl);
	for (unsigned s = 0; s < frag_wl_nr_slots(wl); s++)
		wl_timers_free(&((struct btrfs_cpu *)frag_wl_cpu_priv(wl, s))->timers);
	wl_blocks_free(&p->blocks);
}

static void btrfs_migrated(struct frag_wl *wl, uint32_t cookie, uint64_t old_pfn, uint64_t new_pfn)
{
	struct btrfs_priv *p = frag_wl_priv(wl);
	wl_blocks_moved(&p->blocks, cookie, old_pfn, new_pfn);
}

const struct frag_workload_ops frag_workload_btrfs = {
	.abi_version = FRAG_WORKLOAD_ABI,
	.name = "btrfs",
	.summary = "btrfs extent buffers: unmovable metadata folios (or movable, as in the RFC's btrfs patch)",
	.params = btrfs_params,
	.opts_size = sizeof(struct btrfs_opts),
	.priv_size = sizeof(struct btrfs_priv),
	.cpu_priv_size = sizeof(struct btrfs_cpu),
	.init = btrfs_init,
	.start = btrfs_start,
	.step = btrfs_step,
	.stop = btrfs_stop,
	.fini = btrfs_fini,
	.migrated = btrfs_migrated,
};
