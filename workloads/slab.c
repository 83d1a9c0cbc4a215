/* SPDX-License-Identifier: MIT */
/*
 * slab.c - one SLUB cache with object-level occupancy.
 *
 * Objects of `object_size` bytes are allocated on each CPU (interval) and
 * live for `lifetime`. They are packed into slabs whose order is SLUB's
 * calculate_order() (mm/slub.c, v6.8 form: smallest order from
 * get_order(min_objects * size) up to slub_max_order (3) that wastes at most
 * 1/16, then 1/8, 1/4, 1/2 of the slab; min_objects = 4 * (fls(nr_cpus) + 1)).
 * allocate_slab(): the preferred order is tried with __GFP_NOWARN |
 * __GFP_NORETRY and, since the caller may reclaim, __GFP_NOMEMALLOC and
 * without __GFP_RECLAIM (purely opportunistic); on failure the minimum order
 * (get_order(size)) with the caller's flags (ORDER_FALLBACK, counted as
 * slab_order_fallback). Reclaimable caches (SLAB_RECLAIM_ACCOUNT) add
 * __GFP_RECLAIMABLE and land in RECLAIMABLE pageblocks.
 *
 * A slab is freed only when its last object goes; empty slabs beyond
 * min_partial (5, the lower bound of set_min_partial()) are discarded at
 * once. Long-lived objects therefore pin their slab pages: the mechanism by
 * which slab spreads unmovable memory over many pageblocks.
 *
 * Reclaimable caches (dentries, inodes) keep part of their objects after the
 * owner is done with them: with probability unused_share an object whose
 * lifetime ends stays allocated as an unused, cached object (a dentry with
 * no references on the superblock's LRU list) instead of being freed. The
 * instance's shrinker (super_cache_count() / super_cache_scan() via
 * prune_dcache_sb()) counts them per node and frees the oldest first
 * (shrunk_objects); a slab page goes back to the allocator only when its
 * last object is freed (discard_slab() past min_partial). Nothing else
 * frees an unused object: without memory pressure the cache keeps growing,
 * as the kernel's dcache does.
 */
#include <math.h>

#include "wl_util.h"
#include "frag/hugemem.h"

struct slab_opts {
	uint64_t object_size;          /* bytes */
	bool reclaimable;              /* SLAB_RECLAIM_ACCOUNT (dentry, inode, ...) */
	struct frag_dist interval;     /* ns between object allocations on a CPU */
	struct frag_dist lifetime;     /* ns an object lives */
	unsigned max_order;            /* slub_max_order */
	unsigned min_objects;          /* slub_min_objects, 0 = 4 * (fls(nr_cpus) + 1) */
	unsigned min_partial;          /* empty slabs kept before discarding */
	double unused_share;           /* reclaimable caches: share of objects cached unused after their lifetime */
};

static const struct frag_param slab_params[] = {
	FRAG_PARAM("object_size", PARAM_UINT, struct slab_opts, object_size, 256, 8, 1 << 22, "bytes",
		   "object size (after alignment)"),
	FRAG_PARAM("reclaimable", PARAM_BOOL, struct slab_opts, reclaimable, 0, 0, 1, "",
		   "a SLAB_RECLAIM_ACCOUNT cache (__GFP_RECLAIMABLE, RECLAIMABLE pageblocks)"),
	FRAG_PARAM_DIST("interval", struct slab_opts, interval, "exp(100us)", 1, 1e15, "ns",
			"time between object allocations on each CPU"),
	FRAG_PARAM_DIST("lifetime", struct slab_opts, lifetime, "lognormal(1s, 2)", 1, 1e16, "ns",
			"how long an object lives"),
	FRAG_PARAM("max_order", PARAM_U32, struct slab_opts, max_order, 3, 0, 10, "", "slub_max_order"),
	FRAG_PARAM("min_objects", PARAM_U32, struct slab_opts, min_objects, 0, 0, 1 << 16, "objects",
		   "slub_min_objects (0: 4 * (fls(nr_cpus) + 1))"),
	FRAG_PARAM("min_partial", PARAM_U32, struct slab_opts, min_partial, 5, 0, 1 << 16, "slabs",
		   "empty slabs kept before discarding"),
	FRAG_PARAM("unused_share", PARAM_DOUBLE, struct slab_opts, unused_share, 0.5, 0, 1, "probability",
		   "reclaimable caches only: share of objects that stay cached unused when their lifetime ends, "
		   "until the shrinker frees them (dentries, inodes)"),
	FRAG_PARAM_END,
};

/* One slab. */
struct slab {
	uint32_t cookie;          /* its block in the block table, UINT32_MAX when not allocated */
	uint32_t inuse;           /* live objects */
	uint32_t free_head;       /* first free object index, UINT32_MAX = full */
	uint32_t next_partial;    /* partial list link */
	uint32_t prev_partial;
	bool on_partial;
	uint8_t nid;              /* node of its page (slab pages never move): T_UNUSED timers carry it */
};

struct slab_priv {
	struct wl_blocks blocks;
	unsigned order;           /* s->oo */
	unsigned min_order;       /* s->min */
	uint32_t objects;         /* objects per slab at order */
	uint32_t min_objects_per; /* objects per slab at min_order */
	struct slab *slabs;
	uint32_t nr_slabs, cap_slabs;
	uint32_t free_slab_head;  /* recycled slab descriptors (through next_partial) */
	uint32_t *obj_next;       /* per slab: object free-list links, [slab * max_objects + obj] */
	uint32_t max_objects;
	uint32_t partial_head;    /* slabs with free objects */
	uint32_t empty_slabs;     /* empty slabs kept on the partial list */
	unsigned nr_nodes;
	struct unused_lru *unused;   /* [nid] unused cached objects, oldest first */
};

/* One node's list of unused cached objects (slab << 12 | object), a FIFO. */
struct unused_lru {
	uint32_t *a;
	uint32_t head, n, cap;    /* entries a[head..n) */
};

struct slab_cpu {
	struct wl_timers timers;  /* object frees (arg = slab << 12 | obj) and the next allocation */
};

#define NONE UINT32_MAX

static unsigned fls_u(unsigned x)
{
	return x ? 32 - (unsigned)__builtin_clz(x) : 0;
}

/* calc_slab_order() */
static unsigned calc_slab_order(uint64_t size, unsigned min_objects, unsigned max_order, unsigned fract_leftover)
{
	unsigned order = wl_get_order(min_objects * size);
	for (; order <= max_order; order++) {
		uint64_t slab_size = (uint64_t)FRAG_PAGE_SIZE << order;
		if (slab_size % size <= slab_size / fract_leftover)
			break;
	}
	return order;
}

/* calculate_order() */
static unsigned calculate_order(uint64_t size, unsigned nr_cpus, unsigned min_objects, unsigned max_order)
{
	if (!min_objects)
		min_objects = 4 * (fls_u(nr_cpus) + 1);
	uint64_t max_objects = ((uint64_t)FRAG_PAGE_SIZE << max_order) / size;
	if (max_objects < 1)
		max_objects = 1;
	if (min_objects > max_objects)
		min_objects = (unsigned)max_objects;
	for (unsigned fraction = 16; fraction > 1; fraction /= 2) {
		unsigned order = calc_slab_order(size, min_objects, max_order, fraction);
		if (order <= max_order)
			return order;
	}
	return wl_get_order(size);
}

static int slab_init(struct frag_wl *wl)
{
	const struct slab_opts *o = frag_wl_opts(wl);
	struct slab_priv *p = frag_wl_priv(wl);
	unsigned ncpu = frag_wl_nr_machine_cpus(wl);   /* num_present_cpus() */

	wl_blocks_init(&p->blocks);
	p->order = calculate_order(o->object_size, ncpu, o->min_objects, o->max_order);
	p->min_order = wl_get_order(o->object_size);
	if (p->order > MAX_PAGE_ORDER || p->min_order > MAX_PAGE_ORDER)
		return frag_wl_error(wl, "object_size = %llu does not fit in an order-%d slab",
				     (unsigned long long)o->object_size, MAX_PAGE_ORDER);
	if (p->min_order > p->order)
		p->order = p->min_order;
	p->objects = (uint32_t)(((uint64_t)FRAG_PAGE_SIZE << p->order) / o->object_size);
	p->min_objects_per = (uint32_t)(((uint64_t)FRAG_PAGE_SIZE << p->min_order) / o->object_size);
	p->max_objects = p->objects;
	if (p->max_objects >= 4096)
		return frag_wl_error(wl, "object_size = %llu gives %u objects per slab, at most 4095 are modelled",
				     (unsigned long long)o->object_size, p->max_objects);
	p->partial_head = NONE;
	p->free_slab_head = NONE;
	p->nr_nodes = frag_wl_nr_nodes(wl);
	p->unused = calloc(p->nr_nodes, sizeof(*p->unused));
	if (!p->unused)
		return frag_wl_error(wl, "out of memory");

	/* Expected live objects: rate x lifetime x CPUs. */
	double live = frag_dist_mean(&o->lifetime) / frag_dist_mean(&o->interval) * frag_wl_nr_slots(wl);
	double bytes = live * (double)o->object_size;
	double managed = (double)frag_wl_managed_pages(wl) * FRAG_PAGE_SIZE;
	if (!isfinite(bytes) || bytes > managed)
		return frag_wl_error(wl, "expects %.1f GiB of live objects (%.0f x %llu bytes) on a machine with %.1f GiB",
				     bytes / (1 << 30), live, (unsigned long long)o->object_size, managed / (1 << 30));
	return 0;
}

static struct slab *new_slab_desc(struct slab_priv *p, uint32_t *idx)
{
	if (p->free_slab_head != NONE) {
		*idx = p->free_slab_head;
		p->free_slab_head = p->slabs[*idx].next_partial;
	} else {
		if (p->nr_slabs == p->cap_slabs) {
			p->cap_slabs = p->cap_slabs ? p->cap_slabs * 2 : 256;
			p->slabs = frag_hugemem_realloc(p->slabs, p->cap_slabs * sizeof(*p->slabs));
			p->obj_next = frag_hugemem_realloc(p->obj_next, (size_t)p->cap_slabs * p->max_objects * sizeof(uint32_t));
			if (!p->slabs || !p->obj_next) {
				fprintf(stderr, "fragsim: out of memory (slab workload)\n");
				abort();
			}
		}
		*idx = p->nr_slabs++;
	}
	return &p->slabs[*idx];
}

static void partial_add(struct slab_priv *p, uint32_t i)
{
	struct slab *s = &p->slabs[i];
	s->on_partial = true;
	s->prev_partial = NONE;
	s->next_partial = p->partial_head;
	if (p->partial_head != NONE)
		p->slabs[p->partial_head].prev_partial = i;
	p->partial_head = i;
}

static void partial_del(struct slab_priv *p, uint32_t i)
{
	struct slab *s = &p->slabs[i];
	if (s->prev_partial != NONE)
		p->slabs[s->prev_partial].next_partial = s->next_partial;
	else
		p->partial_head = s->next_partial;
	if (s->next_partial != NONE)
		p->slabs[s->next_partial].prev_partial = s->prev_partial;
	s->on_partial = false;
}

/* allocate_slab(): oo opportunistically, then min with the caller's flags. */
static bool allocate_slab(struct frag_wl *wl, unsigned slot, uint32_t *out)
{
	const struct slab_opts *o = frag_wl_opts(wl);
	struct slab_priv *p = frag_wl_priv(wl);
	gfp_t flags = GFP_KERNEL | (o->reclaimable ? __GFP_RECLAIMABLE : 0);
	uint32_t cookie = wl_blocks_get(&p->blocks);
	unsigned order = p->order;
	gfp_t alloc_gfp = (flags | __GFP_NOWARN | __GFP_NORETRY) & ~__GFP_NOFAIL;

	if (order > p->min_order && (flags & __GFP_DIRECT_RECLAIM))
		alloc_gfp = (alloc_gfp | __GFP_NOMEMALLOC) & ~__GFP_RECLAIM;
	uint64_t pfn = frag_wl_alloc(wl, slot, order, alloc_gfp, cookie, KIND_SLAB, 0);
	if (pfn == FRAG_PFN_NONE) {
		/* allocate_slab(): s->min with the caller's flags, also when oo == min */
		order = p->min_order;
		pfn = frag_wl_alloc(wl, slot, order, flags, cookie, KIND_SLAB, 0);
		if (pfn != FRAG_PFN_NONE)
			frag_wl_vm_event(wl, FRAG_STAT_slab_order_fallback, 1);
	}
	if (pfn == FRAG_PFN_NONE) {
		wl_blocks_unget(&p->blocks, cookie);
		return false;
	}
	uint32_t idx;
	struct slab *s = new_slab_desc(p, &idx);
	wl_blocks_set(&p->blocks, cookie, pfn, order, slot, 0, idx);
	uint32_t nobj = order == p->order ? p->objects : p->min_objects_per;
	*s = (struct slab){ .cookie = cookie, .inuse = 0, .free_head = 0, .next_partial = NONE, .prev_partial = NONE,
			    .nid = (uint8_t)frag_wl_pfn_nid(wl, pfn) };
	uint32_t *next = &p->obj_next[(size_t)idx * p->max_objects];
	for (uint32_t k = 0; k < nobj; k++)
		next[k] = k + 1 < nobj ? k + 1 : NONE;
	frag_wl_count(wl, "slabs_allocated", 1);
	*out = idx;
	return true;
}

static bool alloc_object(struct frag_wl *wl, unsigned slot, uint32_t *slab, uint32_t *obj)
{
	struct slab_priv *p = frag_wl_priv(wl);
	uint32_t i = p->partial_head;
	bool fresh = false;
	if (i == NONE) {
		if (!allocate_slab(wl, slot, &i))
			return false;
		partial_add(p, i);
		fresh = true;
	}
	struct slab *s = &p->slabs[i];
	/*
	 * An empty slab kept on the partial list taken back into use. A freshly
	 * allocated slab was never counted. Simplification: the kernel's
	 * discard rule compares n->nr_partial (all partial slabs) with
	 * min_partial; we count only empty ones (docs/kernel-rules.md).
	 */
	if (s->inuse == 0 && !fresh)
		p->empty_slabs--;
	uint32_t k = s->free_head;
	s->free_head = p->obj_next[(size_t)i * p->max_objects + k];
	if (s->free_head != NONE)   /* the next allocation from this slab reads its link */
		__builtin_prefetch(&p->obj_next[(size_t)i * p->max_objects + s->free_head]);
	s->inuse++;
	if (s->free_head == NONE)
		partial_del(p, i);
	*slab = i;
	*obj = k;
	return true;
}

/* @reclaim: called from the shrinker (the slab page is freed on the reclaiming CPU). */
static void free_object(struct frag_wl *wl, unsigned slot, uint32_t i, uint32_t k, bool reclaim)
{
	const struct slab_opts *o = frag_wl_opts(wl);
	struct slab_priv *p = frag_wl_priv(wl);
	struct slab *s = &p->slabs[i];

	p->obj_next[(size_t)i * p->max_objects + k] = s->free_head;
	s->free_head = k;
	s->inuse--;
	if (!s->on_partial)
		partial_add(p, i);
	if (s->inuse == 0) {
		if (p->empty_slabs >= o->min_partial) {
			/* discard_slab() */
			partial_del(p, i);
			if (reclaim)
				wl_blocks_release_reclaimed(&p->blocks, wl, s->cookie);
			else
				wl_blocks_release(&p->blocks, wl, slot, s->cookie);
			s->cookie = NONE;
			s->next_partial = p->free_slab_head;
			p->free_slab_head = i;
			frag_wl_count(wl, "slabs_freed", 1);
		} else {
			p->empty_slabs++;
		}
	}
}

/*
 * Timer kinds. A T_UNUSED timer carries its slab's node above the kind
 * (T_UNUSED | nid << 8): object_unused() then needs nothing from the slab
 * descriptor, which is cold by the time the lifetime ends.
 */
enum { T_ALLOC = 0, T_FREE = 1, T_UNUSED = 2 };
#define T_KIND(kind) ((kind) & 0xff)
#define T_NID(kind) ((kind) >> 8)

/* The object's lifetime ended but it stays cached: onto node @nid's unused list. */
static void object_unused(struct frag_wl *wl, unsigned nid, uint32_t i, uint32_t k)
{
	struct slab_priv *p = frag_wl_priv(wl);
	struct unused_lru *l = &p->unused[nid];

	if (l->n == l->cap) {
		if (l->head > l->cap / 2) {
			memmove(l->a, l->a + l->head, (l->n - l->head) * sizeof(*l->a));
			l->n -= l->head;
			l->head = 0;
		} else {
			l->cap = l->cap ? l->cap * 2 : 1024;
			l->a = frag_hugemem_realloc(l->a, (size_t)l->cap * sizeof(*l->a));
			if (!l->a) {
				fprintf(stderr, "fragsim: out of memory (slab unused list)\n");
				abort();
			}
		}
	}
	l->a[l->n++] = i << 12 | k;
	frag_wl_count(wl, "unused_objects", 1);
}

static uint64_t slab_count_objects(struct frag_wl *wl, unsigned nid)
{
	struct slab_priv *p = frag_wl_priv(wl);
	return nid < p->nr_nodes ? p->unused[nid].n - p->unused[nid].head : 0;
}

/* super_cache_scan() -> prune_dcache_sb(): free the oldest unused objects. */
static uint64_t slab_scan_objects(struct frag_wl *wl, unsigned nid, uint64_t nr_to_scan, uint64_t *nr_scanned)
{
	struct slab_priv *p = frag_wl_priv(wl);
	uint64_t freed = 0;

	if (nid >= p->nr_nodes)
		return 0;
	struct unused_lru *l = &p->unused[nid];
	while (freed < nr_to_scan && l->head < l->n) {
		uint32_t e = l->a[l->head++];
		free_object(wl, 0, e >> 12, e & 0xfff, true);
		freed++;
	}
	if (l->head == l->n)
		l->head = l->n = 0;
	*nr_scanned = freed;
	frag_wl_count(wl, "shrunk_objects", freed);
	return freed;
}

static uint64_t slab_start(struct frag_wl *wl, unsigned slot, uint64_t now)
{
	const struct slab_opts *o = frag_wl_opts(wl);
	struct slab_cpu *c = frag_wl_cpu_priv(wl, slot);
	wl_timers_push(&c->timers, now + wl_sample_ns(&o->interval, frag_wl_rng(wl, slot)), T_ALLOC, 0);
	return wl_timers_next(&c->timers);
}

/*
 * An event soon frees an object: start loading its slab descriptor and
 * free-list link (random, usually cold) while this event runs. Called for
 * the next timer and the two candidates for the one after it: one event
 * ahead is too short for a miss to land (perf: the descriptor read was
 * two thirds of free_object()'s samples with one).
 */
static inline void prefetch_object(const struct slab_priv *p, const struct wl_timer *next)
{
	if (!next || next->kind != T_FREE || (next->arg >> 12) >= p->nr_slabs)
		return;
	uint32_t i = next->arg >> 12, k = next->arg & 0xfff;
	__builtin_prefetch(&p->slabs[i], 1);
	__builtin_prefetch(&p->obj_next[(size_t)i * p->max_objects + k], 1);
}

static uint64_t slab_step(struct frag_wl *wl, unsigned slot, uint64_t now, uint64_t until)
{
	(void)now;   /* every timer due by @until is handled, the one due at @now first */
	const struct slab_opts *o = frag_wl_opts(wl);
	const struct slab_priv *p = frag_wl_priv(wl);
	struct slab_cpu *c = frag_wl_cpu_priv(wl, slot);
	struct frag_rng *rng = frag_wl_rng(wl, slot);

	while (wl_timers_due(&c->timers, until) && !frag_wl_stopped(wl)) {
		struct wl_timer t = wl_timers_take(wl, slot, &c->timers);
		for (unsigned n = 0; n < 3; n++)
			prefetch_object(p, wl_timers_peek_near(&c->timers, n));
		if (t.kind == T_FREE) {
			free_object(wl, slot, t.arg >> 12, t.arg & 0xfff, false);
			continue;
		}
		if (T_KIND(t.kind) == T_UNUSED) {
			object_unused(wl, T_NID(t.kind), t.arg >> 12, t.arg & 0xfff);
			continue;
		}
		uint64_t life = wl_sample_ns(&o->lifetime, rng);
		uint64_t gap = wl_sample_ns(&o->interval, rng);
		/* Reclaimable caches draw one more value per object, whatever happens to it. */
		bool unused = o->reclaimable && frag_rng_double(rng) < o->unused_share;
		uint32_t i, k;
		if (alloc_object(wl, slot, &i, &k)) {
			frag_wl_count(wl, "objects", 1);
			if (t.t + life < frag_wl_stop_time(wl))
				wl_timers_push(&c->timers, t.t + life,
					       unused ? T_UNUSED | (uint32_t)p->slabs[i].nid << 8 : T_FREE, i << 12 | k);
		} else {
			frag_wl_count(wl, "object_failures", 1);
		}
		wl_timers_push(&c->timers, t.t + gap, T_ALLOC, 0);
	}
	uint64_t next = wl_timers_next(&c->timers);
	return next <= until ? until + 1 : next;
}

/* Slab memory is the kernel's: it stays when the instance stops. */
static void slab_stop(struct frag_wl *wl, uint64_t now)
{
	(void)now;
	for (unsigned s = 0; s < frag_wl_nr_slots(wl); s++)
		wl_timers_free(&((struct slab_cpu *)frag_wl_cpu_priv(wl, s))->timers);
}

static void slab_fini(struct frag_wl *wl)
{
	struct slab_priv *p = frag_wl_priv(wl);
	for (unsigned s = 0; s < frag_wl_nr_slots(wl); s++)
		wl_timers_free(&((struct slab_cpu *)frag_wl_cpu_priv(wl, s))->timers);
	free(p->slabs);
	free(p->obj_next);
	wl_blocks_free(&p->blocks);
	for (unsigned n = 0; p->unused && n < p->nr_nodes; n++)
		free(p->unused[n].a);
	free(p->unused);
}

const struct frag_workload_ops frag_workload_slab = {
	.abi_version = FRAG_WORKLOAD_ABI,
	.name = "slab",
	.summary = "a SLUB cache: objects packed into slabs (calculate_order, ORDER_FALLBACK), freed with their last object",
	.params = slab_params,
	.opts_size = sizeof(struct slab_opts),
	.priv_size = sizeof(struct slab_priv),
	.cpu_priv_size = sizeof(struct slab_cpu),
	.init = slab_init,
	.start = slab_start,
	.step = slab_step,
	.stop = slab_stop,
	.fini = slab_fini,
	.count_objects = slab_count_objects,
	.scan_objects = slab_scan_objects,
};
