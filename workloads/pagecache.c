/* SPDX-License-Identifier: MIT */
/*
 * pagecache.c - the page cache of file reads: large folios, an LRU, file
 * deletion.
 *
 * Each CPU reads files (interval): a new file (file_size) or, with
 * probability `reread`, a random cached one again. A read of a file that is
 * not (wholly) cached brings it in through readahead: page_cache_ra_order()
 * allocates folios of the largest order <= max_order that is aligned in the
 * file and fits (large folios; read_ahead_kb 128 gives order 5), with
 * readahead_gfp_mask() = GFP_HIGHUSER_MOVABLE | __GFP_NORETRY | __GFP_NOWARN;
 * a folio that cannot be allocated falls back to order 0 (do_page_cache_ra).
 * Pages are LRU, movable. Files are deleted after `lifetime` (truncate frees
 * every folio).
 *
 * Reclaim (core/mm/vmscan.c) evicts the cache: the instance's file LRU is
 * its list of cached files, most recently read first; shrink_lru() takes
 * folios from the least recently used file on the requested node, in file
 * order (readahead added them in that order), freeing clean folios at once
 * (reclaimed_pages). A file that lost folios is read in whole again at its
 * next read. cache_limit (default 1: off) keeps the cache under a share of
 * the machine by evicting whole LRU files itself (evicted_pages), the
 * stand-in used before the kernel's reclaim was modelled.
 */
#include <math.h>

#include "wl_util.h"
#include "frag/hugemem.h"

struct pc_opts {
	struct frag_dist file_size;   /* bytes per new file */
	struct frag_dist interval;    /* ns between reads on a CPU */
	struct frag_dist lifetime;    /* ns until a file is deleted */
	double reread;                /* probability a read targets a cached file */
	unsigned max_order;           /* largest folio order */
	double cache_limit;           /* fraction of managed memory the cache may hold */
};

static const struct frag_param pc_params[] = {
	FRAG_PARAM_DIST("file_size", struct pc_opts, file_size, "lognormal(256K, 2)", 1, 1e13, "bytes",
			"size of new files"),
	FRAG_PARAM_DIST("interval", struct pc_opts, interval, "exp(1ms)", 1, 1e15, "ns",
			"time between file reads on each CPU"),
	FRAG_PARAM_DIST("lifetime", struct pc_opts, lifetime, "exp(120s)", 1, 1e16, "ns",
			"time until a file is deleted"),
	FRAG_PARAM("reread", PARAM_DOUBLE, struct pc_opts, reread, 0.3, 0, 1, "probability",
		   "probability that a read targets an already cached file"),
	FRAG_PARAM("max_order", PARAM_U32, struct pc_opts, max_order, 5, 0, 9, "",
		   "largest page-cache folio order (5 = 128 KiB readahead)"),
	FRAG_PARAM("cache_limit", PARAM_DOUBLE, struct pc_opts, cache_limit, 1, 0.01, 1, "fraction",
		   "share of memory the cache keeps before evicting LRU files itself; 1 = no self-limit (kernel "
		   "reclaim evicts the cache)"),
	FRAG_PARAM_END,
};

#define NONE UINT32_MAX
#define PC_GFP (GFP_HIGHUSER_MOVABLE | __GFP_NORETRY | __GFP_NOWARN)

struct file {
	uint64_t pages;          /* file size in pages */
	uint32_t *cookies;       /* its cached folios */
	uint32_t nr;
	uint32_t lru_prev, lru_next;
	uint32_t gen;            /* bumped on delete: stale timers are ignored */
	bool exists;
	bool cached;             /* every page in the cache */
};

struct pc_priv {
	struct wl_blocks blocks;
	struct file *files;
	uint32_t nr_files, cap_files, free_head;
	uint32_t lru_head, lru_tail;     /* most / least recently used cached files */
	uint64_t cached_pages;
	uint64_t limit_pages;
	uint64_t live_files;
	unsigned nr_nodes;
	uint64_t *node_pages;            /* [nid] cached pages on the node (lru_pages()) */
};

struct pc_cpu {
	struct wl_timers timers;
};

enum { T_READ, T_DELETE };

static int pc_init(struct frag_wl *wl)
{
	const struct pc_opts *o = frag_wl_opts(wl);
	struct pc_priv *p = frag_wl_priv(wl);
	wl_blocks_init(&p->blocks);
	wl_blocks_owner_table(&p->blocks, wl);
	p->free_head = NONE;
	p->lru_head = p->lru_tail = NONE;
	p->limit_pages = (uint64_t)(o->cache_limit * (double)frag_wl_managed_pages(wl));
	p->nr_nodes = frag_wl_nr_nodes(wl);
	p->node_pages = calloc(p->nr_nodes, sizeof(*p->node_pages));
	if (!p->node_pages)
		return frag_wl_error(wl, "out of memory");
	double mean = frag_dist_mean(&o->file_size);
	if (!isfinite(mean) || mean > (double)p->limit_pages * FRAG_PAGE_SIZE)
		return frag_wl_error(wl, "file_size averages %.1f MiB, more than the cache limit of %.1f MiB",
				     mean / (1 << 20), (double)p->limit_pages / 256);
	return 0;
}

static void lru_del(struct pc_priv *p, uint32_t f)
{
	struct file *fl = &p->files[f];
	if (fl->lru_prev != NONE)
		p->files[fl->lru_prev].lru_next = fl->lru_next;
	else if (p->lru_head == f)
		p->lru_head = fl->lru_next;
	if (fl->lru_next != NONE)
		p->files[fl->lru_next].lru_prev = fl->lru_prev;
	else if (p->lru_tail == f)
		p->lru_tail = fl->lru_prev;
	fl->lru_prev = fl->lru_next = NONE;
}

static void lru_add_head(struct pc_priv *p, uint32_t f)
{
	struct file *fl = &p->files[f];
	fl->lru_prev = NONE;
	fl->lru_next = p->lru_head;
	if (p->lru_head != NONE)
		p->files[p->lru_head].lru_prev = f;
	p->lru_head = f;
	if (p->lru_tail == NONE)
		p->lru_tail = f;
}

/* Drop a file's folios from the cache (eviction or truncation). */
static void drop_pages(struct frag_wl *wl, unsigned slot, uint32_t f)
{
	struct pc_priv *p = frag_wl_priv(wl);
	struct file *fl = &p->files[f];
	lru_del(p, f);   /* also a file whose read got no pages at all */
	for (uint32_t i = 0; i < fl->nr; i++) {
		const struct wl_block *b = &p->blocks.b[fl->cookies[i]];
		p->cached_pages -= 1ull << b->order;
		p->node_pages[frag_wl_pfn_nid(wl, b->pfn)] -= 1ull << b->order;
		wl_blocks_release(&p->blocks, wl, slot, fl->cookies[i]);
	}
	free(fl->cookies);
	fl->cookies = NULL;
	fl->nr = 0;
	fl->cached = false;
}

static void evict(struct frag_wl *wl, unsigned slot, uint64_t need)
{
	struct pc_priv *p = frag_wl_priv(wl);
	while (p->cached_pages + need > p->limit_pages && p->lru_tail != NONE) {
		uint64_t before = p->cached_pages;
		drop_pages(wl, slot, p->lru_tail);
		frag_wl_count(wl, "evicted_pages", before - p->cached_pages);
	}
}

/* page_cache_ra_order(): bring the whole file in with large folios. */
static void read_in(struct frag_wl *wl, unsigned slot, uint32_t f)
{
	const struct pc_opts *o = frag_wl_opts(wl);
	struct pc_priv *p = frag_wl_priv(wl);
	struct file *fl = &p->files[f];

	evict(wl, slot, fl->pages);
	fl->cookies = malloc(fl->pages * sizeof(uint32_t));
	uint64_t index = 0;
	while (index < fl->pages) {
		unsigned order = o->max_order;
		while (order && ((index & ((1ull << order) - 1)) || index + (1ull << order) > fl->pages))
			order--;
		uint32_t cookie = wl_blocks_get(&p->blocks);
		uint64_t pfn = frag_wl_alloc(wl, slot, order, PC_GFP, cookie, KIND_FILE,
					     OWNER_LRU | (order ? OWNER_COMPOUND : 0));
		if (pfn == FRAG_PFN_NONE && order) {
			frag_wl_count(wl, "folio_fallback", 1);
			order = 0;
			pfn = frag_wl_alloc(wl, slot, 0, PC_GFP, cookie, KIND_FILE, OWNER_LRU);
		}
		if (pfn == FRAG_PFN_NONE) {
			wl_blocks_unget(&p->blocks, cookie);
			frag_wl_count(wl, "read_failures", 1);
			break;
		}
		wl_blocks_set(&p->blocks, cookie, pfn, order, slot, 0, f);
		fl->cookies[fl->nr++] = cookie;
		p->cached_pages += 1ull << order;
		p->node_pages[frag_wl_pfn_nid(wl, pfn)] += 1ull << order;
		index += 1ull << order;
	}
	fl->cached = index >= fl->pages;
	if (fl->nr)
		lru_add_head(p, f);
	frag_wl_count(wl, "read_pages", index);
}

static uint32_t new_file(struct pc_priv *p, uint64_t pages)
{
	uint32_t f;
	if (p->free_head != NONE) {
		f = p->free_head;
		p->free_head = p->files[f].lru_next;
	} else {
		if (p->nr_files == p->cap_files) {
			p->cap_files = p->cap_files ? p->cap_files * 2 : 1024;
			p->files = frag_hugemem_realloc(p->files, p->cap_files * sizeof(*p->files));
		}
		f = p->nr_files++;
		p->files[f].gen = 0;
	}
	uint32_t gen = p->files[f].gen;
	p->files[f] = (struct file){ .pages = pages, .lru_prev = NONE, .lru_next = NONE, .gen = gen, .exists = true };
	p->live_files++;
	return f;
}

static void delete_file(struct frag_wl *wl, unsigned slot, uint32_t f)
{
	struct pc_priv *p = frag_wl_priv(wl);
	drop_pages(wl, slot, f);
	p->files[f].exists = false;
	p->files[f].gen++;
	p->files[f].lru_next = p->free_head;
	p->free_head = f;
	p->live_files--;
	frag_wl_count(wl, "deleted_files", 1);
}

static uint64_t pc_start(struct frag_wl *wl, unsigned slot, uint64_t now)
{
	const struct pc_opts *o = frag_wl_opts(wl);
	struct pc_cpu *c = frag_wl_cpu_priv(wl, slot);
	wl_timers_push(&c->timers, now + wl_sample_ns(&o->interval, frag_wl_rng(wl, slot)), T_READ, 0);
	return wl_timers_next(&c->timers);
}

static uint64_t pc_step(struct frag_wl *wl, unsigned slot, uint64_t now, uint64_t until)
{
	(void)now;   /* every timer due by @until is handled, the one due at @now first */
	const struct pc_opts *o = frag_wl_opts(wl);
	struct pc_priv *p = frag_wl_priv(wl);
	struct pc_cpu *c = frag_wl_cpu_priv(wl, slot);
	struct frag_rng *rng = frag_wl_rng(wl, slot);

	while (wl_timers_due(&c->timers, until) && !frag_wl_stopped(wl)) {
		struct wl_timer t = wl_timers_take(wl, slot, &c->timers);
		if ((t.kind & 1) == T_DELETE) {
			uint32_t f = t.arg;
			if (p->files[f].exists && p->files[f].gen == t.kind >> 1)
				delete_file(wl, slot, f);
			continue;
		}
		/* Fixed draws per read: choice, pick, size, lifetime, gap. */
		double choice = frag_rng_double(rng);
		uint64_t pick = frag_rng_next(rng);
		uint64_t size = wl_sample_u64(&o->file_size, rng, 1);
		uint64_t life = wl_sample_ns(&o->lifetime, rng);
		uint64_t gap = wl_sample_ns(&o->interval, rng);
		frag_wl_count(wl, "reads", 1);

		uint32_t f = NONE;
		if (choice < o->reread && p->live_files) {
			/* A random existing file (by index, skipping deleted slots deterministically). */
			uint32_t start = (uint32_t)(pick % p->nr_files);
			for (uint32_t k = 0; k < p->nr_files; k++) {
				uint32_t cand = (start + k) % p->nr_files;
				if (p->files[cand].exists) {
					f = cand;
					break;
				}
			}
		}
		if (f == NONE) {
			f = new_file(p, (size + FRAG_PAGE_SIZE - 1) / FRAG_PAGE_SIZE);
			/* The deletion timer carries the slot's generation (bumped at deletion). */
			wl_timers_push(&c->timers, t.t + life, T_DELETE | p->files[f].gen << 1, f);
		}
		if (p->files[f].cached) {
			lru_del(p, f);
			lru_add_head(p, f);
			frag_wl_count(wl, "cache_hits", 1);
		} else {
			drop_pages(wl, slot, f);
			read_in(wl, slot, f);
		}
		wl_timers_push(&c->timers, t.t + gap, T_READ, 0);
	}
	uint64_t next = wl_timers_next(&c->timers);
	return next <= until ? until + 1 : next;
}

/* The cache belongs to the kernel: it stays when the readers stop. */
static void pc_stop(struct frag_wl *wl, uint64_t now)
{
	(void)now;
	for (unsigned s = 0; s < frag_wl_nr_slots(wl); s++)
		wl_timers_free(&((struct pc_cpu *)frag_wl_cpu_priv(wl, s))->timers);
}

static void pc_fini(struct frag_wl *wl)
{
	struct pc_priv *p = frag_wl_priv(wl);
	for (uint32_t f = 0; f < p->nr_files; f++)
		free(p->files[f].cookies);
	free(p->files);
	for (unsigned s = 0; s < frag_wl_nr_slots(wl); s++)
		wl_timers_free(&((struct pc_cpu *)frag_wl_cpu_priv(wl, s))->timers);
	wl_blocks_free(&p->blocks);
	free(p->node_pages);
}

static void pc_migrated(struct frag_wl *wl, uint32_t cookie, uint64_t old_pfn, uint64_t new_pfn)
{
	struct pc_priv *p = frag_wl_priv(wl);
	if (cookie < p->blocks.n && p->blocks.b[cookie].pfn == old_pfn) {
		uint64_t nr = 1ull << p->blocks.b[cookie].order;
		p->node_pages[frag_wl_pfn_nid(wl, old_pfn)] -= nr;
		p->node_pages[frag_wl_pfn_nid(wl, new_pfn)] += nr;
	}
	wl_blocks_moved(&p->blocks, cookie, old_pfn, new_pfn);
}

static uint64_t pc_lru_pages(struct frag_wl *wl, unsigned nid, enum frag_lru lru)
{
	struct pc_priv *p = frag_wl_priv(wl);
	return lru == FRAG_LRU_FILE && nid < p->nr_nodes ? p->node_pages[nid] : 0;
}

/*
 * Evict up to @budget pages of file @f's folios on node @nid, in file order
 * (shrink_folio_list() on clean page cache: __remove_mapping() and free).
 * Returns the pages scanned, all of them reclaimed.
 */
static uint64_t evict_file_node(struct frag_wl *wl, uint32_t f, unsigned nid, uint64_t budget)
{
	struct pc_priv *p = frag_wl_priv(wl);
	struct file *fl = &p->files[f];
	uint64_t done = 0;
	uint32_t kept = 0;

	for (uint32_t i = 0; i < fl->nr; i++) {
		uint32_t c = fl->cookies[i];
		const struct wl_block *b = &p->blocks.b[c];
		unsigned bn = frag_wl_pfn_nid(wl, b->pfn);
		if (done >= budget || bn != nid) {
			fl->cookies[kept++] = c;
			continue;
		}
		uint64_t nr = 1ull << b->order;
		p->cached_pages -= nr;
		p->node_pages[bn] -= nr;
		done += nr;
		wl_blocks_release_reclaimed(&p->blocks, wl, c);
	}
	fl->nr = kept;
	if (done)
		fl->cached = false;
	if (!fl->nr)
		lru_del(p, f);
	return done;
}

/* shrink_lru(): the least recently used files first. */
static uint64_t pc_shrink_lru(struct frag_wl *wl, unsigned nid, enum frag_lru lru, uint64_t nr_to_scan,
			      uint64_t *nr_scanned)
{
	struct pc_priv *p = frag_wl_priv(wl);
	uint64_t done = 0;

	if (lru != FRAG_LRU_FILE || nid >= p->nr_nodes)
		return 0;
	for (uint32_t f = p->lru_tail; f != NONE && done < nr_to_scan && p->node_pages[nid];) {
		uint32_t prev = p->files[f].lru_prev;
		done += evict_file_node(wl, f, nid, nr_to_scan - done);
		f = prev;
	}
	*nr_scanned = done;
	frag_wl_count(wl, "reclaimed_pages", done);
	return done;
}

const struct frag_workload_ops frag_workload_pagecache = {
	.abi_version = FRAG_WORKLOAD_ABI,
	.name = "pagecache",
	.summary = "file reads into the page cache: large folios, LRU, deletion",
	.params = pc_params,
	.opts_size = sizeof(struct pc_opts),
	.priv_size = sizeof(struct pc_priv),
	.cpu_priv_size = sizeof(struct pc_cpu),
	.init = pc_init,
	.start = pc_start,
	.step = pc_step,
	.stop = pc_stop,
	.fini = pc_fini,
	.migrated = pc_migrated,
	.lru_pages = pc_lru_pages,
	.shrink_lru = pc_shrink_lru,
};
