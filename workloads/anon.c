/* SPDX-License-Identifier: MIT */
/*
 * anon.c - anonymous memory of processes: arrival, page faults with THP and
 * mTHP, page tables, exit.
 *
 * Per CPU, processes arrive (arrival), each with a target resident size
 * (size), a lifetime (lifetime), a page-touch interval (touch) and a
 * madvise(MADV_HUGEPAGE) coin (thp_madvise). A process touches its memory
 * from the start of its address space in runs of touch_batch pages: the run
 * starting at page i begins at arrival + i * touch, so when faults happen
 * depends only on the seed, never on the policy. Each fault mirrors do_anonymous_page() /
 * do_huge_pmd_anonymous_page():
 *  - at a 2 MiB-aligned address with a whole 2 MiB left to touch, if THP is
 *    allowed for the VMA (transparent_hugepage/enabled, madvise), try an
 *    order-9 folio with vma_thp_gfp_mask() (the defrag setting); success is
 *    thp_fault_alloc, failure thp_fault_fallback;
 *  - then (anon mTHP) the largest enabled order that fits, with the same gfp;
 *  - then one order-0 page, GFP_HIGHUSER_MOVABLE.
 * Every 2 MiB of touched address space needs one page-table page
 * (GFP_KERNEL | __GFP_ACCOUNT, unmovable), also under a THP (the kernel
 * deposits one for a later split). Pages are zeroed (clear_page cost).
 * A failed order-0 fault ends the process (the OOM killer's victim),
 * counted as oom_victims. At exit every page and page table is freed.
 *
 * Reclaim (core/mm/vmscan.c) swaps anonymous pages out when the machine has
 * swap. The instance's anon LRU on each node is its pages in fault order
 * (each page is touched once, at its fault, so the oldest fault is the
 * least recently used page); shrink_lru() takes folios from the cold end,
 * each with a swap slot per page (add_to_swap(); a THP goes whole), and
 * frees them (swapped_out_pages). A process never touches a page again
 * after its fault, so a swapped-out page is not faulted back in
 * (do_swap_page() is not modelled): it stays in swap until the process
 * exits, when its slots are freed (zap_pte_range() -> free_swap_and_cache()).
 */
#include <math.h>

#include "wl_util.h"
#include "frag/hugemem.h"

struct anon_opts {
	struct frag_dist arrival;      /* ns between process arrivals on a CPU */
	struct frag_dist size;         /* bytes a process touches */
	struct frag_dist lifetime;     /* ns from arrival to exit */
	struct frag_dist touch;        /* ns between touches of consecutive pages */
	unsigned touch_batch;          /* faults handled per event (consecutive pages, back to back) */
	double thp_madvise;            /* probability that a process madvises MADV_HUGEPAGE */
	unsigned max_procs;            /* live processes per CPU; arrivals beyond it are dropped */
	unsigned initial_procs;        /* processes present at the start on each CPU */
	bool pgtables;                 /* allocate page-table pages */
};

static const struct frag_param anon_params[] = {
	FRAG_PARAM_DIST("arrival", struct anon_opts, arrival, "exp(1s)", 1, 1e15, "ns",
			"time between process arrivals on each CPU"),
	FRAG_PARAM_DIST("size", struct anon_opts, size, "lognormal(32M, 1)", 4096, 1e13, "bytes",
			"resident size a process reaches"),
	FRAG_PARAM_DIST("lifetime", struct anon_opts, lifetime, "exp(20s)", 1, 1e16, "ns",
			"time from arrival to exit"),
	FRAG_PARAM_DIST("touch", struct anon_opts, touch, "fixed(2us)", 1, 1e12, "ns",
			"time between touches of consecutive 4 KiB pages while a process grows"),
	FRAG_PARAM("touch_batch", PARAM_U32, struct anon_opts, touch_batch, 16, 1, 4096, "pages",
		   "faults handled back to back per event (the process touches memory in runs)"),
	FRAG_PARAM("thp_madvise", PARAM_DOUBLE, struct anon_opts, thp_madvise, 0, 0, 1, "probability",
		   "fraction of processes that madvise(MADV_HUGEPAGE) their memory"),
	FRAG_PARAM("max_procs", PARAM_U32, struct anon_opts, max_procs, 64, 1, 1 << 20, "processes",
		   "live processes per CPU; arrivals beyond this are dropped"),
	FRAG_PARAM("initial_procs", PARAM_U32, struct anon_opts, initial_procs, 1, 0, 1 << 20, "processes",
		   "processes present at the start on each CPU"),
	FRAG_PARAM("pgtables", PARAM_BOOL, struct anon_opts, pgtables, 1, 0, 1, "",
		   "allocate one page-table page per 2 MiB of touched memory"),
	FRAG_PARAM_END,
};

enum { T_ARRIVE, T_TOUCH, T_EXIT };
enum { TAG_PAGE, TAG_PGTABLE };

struct proc {
	uint32_t gen;            /* bumped when the slot is reused: stale timers are ignored */
	bool alive;
	bool madvised;
	uint64_t start;          /* arrival time */
	uint64_t touch_ns;       /* interval between page touches */
	uint64_t target;         /* pages to touch */
	uint64_t touched;        /* pages touched so far (address progress) */
	uint32_t *blocks;        /* cookies of its blocks */
	uint32_t nr_blocks, cap_blocks;
};

struct anon_cpu {
	struct wl_timers timers;
	struct proc *procs;
	uint32_t nr_procs, cap_procs;
	uint32_t live;
};

/* An anon LRU entry: a page block, valid while its cookie's generation matches. */
struct lru_ent {
	uint32_t cookie;
	uint32_t gen;
};

/* One node's anon LRU: a FIFO in fault order (head = coldest). */
struct anon_lru {
	struct lru_ent *a;
	uint32_t head, n, cap;       /* entries a[head..n) */
};

struct anon_priv {
	struct wl_blocks blocks;
	uint32_t *gen;               /* [cookie] bumped when the cookie's block goes away */
	uint32_t gen_cap;
	unsigned nr_nodes;
	uint64_t *lru_pages;         /* [nid] resident LRU pages (lru_pages()) */
	uint64_t *lru_blocks;        /* [nid] resident LRU blocks, to bound stale entries */
	struct anon_lru *lru;        /* [nid] */
};

/* A block swapped out: its slot stays reserved (the process still maps it). */
#define PFN_SWAPPED (FRAG_PFN_NONE - 1)

static int anon_init(struct frag_wl *wl)
{
	const struct anon_opts *o = frag_wl_opts(wl);
	struct anon_priv *p = frag_wl_priv(wl);
	wl_blocks_init(&p->blocks);
	wl_blocks_owner_table(&p->blocks, wl);
	p->nr_nodes = frag_wl_nr_nodes(wl);
	p->lru_pages = calloc(p->nr_nodes, sizeof(*p->lru_pages));
	p->lru_blocks = calloc(p->nr_nodes, sizeof(*p->lru_blocks));
	p->lru = calloc(p->nr_nodes, sizeof(*p->lru));
	if (!p->lru_pages || !p->lru_blocks || !p->lru)
		return frag_wl_error(wl, "out of memory");

	/* Refuse a workload that cannot fit: its expected steady-state footprint. */
	double arrival = frag_dist_mean(&o->arrival), life = frag_dist_mean(&o->lifetime);
	double procs = isfinite(life) && arrival > 0 ? life / arrival + o->initial_procs : o->max_procs;
	if (procs > o->max_procs)
		procs = o->max_procs;
	double bytes = procs * frag_dist_mean(&o->size) * frag_wl_nr_slots(wl);
	double managed = (double)frag_wl_managed_pages(wl) * FRAG_PAGE_SIZE;
	if (!isfinite(bytes) || bytes > managed)
		return frag_wl_error(wl,
				     "expects %.1f GiB of anonymous memory (%.1f processes x %.1f MiB x %u CPUs) on a "
				     "machine with %.1f GiB: lower size, lifetime or max_procs",
				     bytes / (1 << 30), procs, frag_dist_mean(&o->size) / (1 << 20), frag_wl_nr_slots(wl),
				     managed / (1 << 30));
	return 0;
}

static void spawn(struct frag_wl *wl, unsigned slot, uint64_t now)
{
	const struct anon_opts *o = frag_wl_opts(wl);
	struct anon_cpu *c = frag_wl_cpu_priv(wl, slot);
	struct frag_rng *rng = frag_wl_rng(wl, slot);

	/* Draw everything first: the stream never depends on what follows. */
	uint64_t size = wl_sample_u64(&o->size, rng, FRAG_PAGE_SIZE);
	uint64_t life = wl_sample_ns(&o->lifetime, rng);
	uint64_t touch = wl_sample_ns(&o->touch, rng);
	bool madvised = frag_rng_double(rng) < o->thp_madvise;

	if (c->live >= o->max_procs) {
		frag_wl_count(wl, "dropped_arrivals", 1);
		return;
	}
	uint32_t idx = c->nr_procs, gen = 0;
	for (uint32_t i = 0; i < c->nr_procs; i++)
		if (!c->procs[i].alive && !c->procs[i].blocks) {
			idx = i;
			gen = c->procs[i].gen + 1;
			break;
		}
	if (idx == c->nr_procs) {
		if (c->nr_procs == c->cap_procs) {
			c->cap_procs = c->cap_procs ? c->cap_procs * 2 : 16;
			c->procs = realloc(c->procs, c->cap_procs * sizeof(*c->procs));
		}
		c->nr_procs++;
	}
	c->procs[idx] = (struct proc){
		.gen = gen,
		.alive = true,
		.madvised = madvised,
		.start = now,
		.touch_ns = touch,
		.target = (size + FRAG_PAGE_SIZE - 1) / FRAG_PAGE_SIZE,
	};
	c->live++;
	frag_wl_count(wl, "processes", 1);
	wl_timers_push(&c->timers, now, T_TOUCH | gen << 4, idx);
	wl_timers_push(&c->timers, now + life, T_EXIT | gen << 4, idx);
}

static void proc_add_block(struct proc *pr, uint32_t cookie)
{
	if (pr->nr_blocks == pr->cap_blocks) {
		pr->cap_blocks = pr->cap_blocks ? pr->cap_blocks * 2 : 64;
		pr->blocks = realloc(pr->blocks, pr->cap_blocks * sizeof(uint32_t));
	}
	pr->blocks[pr->nr_blocks++] = cookie;
}

static void lru_push(struct anon_lru *l, struct lru_ent e)
{
	if (l->n == l->cap) {
		if (l->head > l->cap / 2) {   /* reuse the consumed front */
			memmove(l->a, l->a + l->head, (l->n - l->head) * sizeof(*l->a));
			l->n -= l->head;
			l->head = 0;
		} else {
			l->cap = l->cap ? l->cap * 2 : 1024;
			l->a = frag_hugemem_realloc(l->a, (size_t)l->cap * sizeof(*l->a));
			if (!l->a) {
				fprintf(stderr, "fragsim: out of memory (anon LRU)\n");
				abort();
			}
		}
	}
	l->a[l->n++] = e;
}

/* An entry still names a resident page block of a live process. */
static bool lru_valid(const struct anon_priv *p, struct lru_ent e)
{
	if (e.cookie >= p->blocks.n || p->gen[e.cookie] != e.gen)
		return false;
	const struct wl_block *b = &p->blocks.b[e.cookie];
	return b->tag == TAG_PAGE && b->pfn != FRAG_PFN_NONE && b->pfn != PFN_SWAPPED;
}

/* Drop the entries of blocks that went away once they outnumber the live ones. */
static void lru_compact(struct anon_priv *p, unsigned nid)
{
	struct anon_lru *l = &p->lru[nid];
	if (l->n - l->head < 2 * p->lru_blocks[nid] + 4096)
		return;
	uint32_t k = 0;
	for (uint32_t i = l->head; i < l->n; i++) {
		if (i + 16 < l->n && l->a[i + 16].cookie < p->blocks.n) {   /* random lookups: start them early */
			__builtin_prefetch(&p->gen[l->a[i + 16].cookie]);
			__builtin_prefetch(&p->blocks.b[l->a[i + 16].cookie]);
		}
		if (lru_valid(p, l->a[i]))
			l->a[k++] = l->a[i];
	}
	l->head = 0;
	l->n = k;
}

/* lru_cache_add(): a new anonymous page block joins its node's LRU. */
static void lru_add(struct frag_wl *wl, uint32_t cookie)
{
	struct anon_priv *p = frag_wl_priv(wl);
	if (cookie >= p->gen_cap) {
		uint32_t cap = p->gen_cap ? p->gen_cap : 1024;
		while (cap <= cookie)
			cap *= 2;
		p->gen = frag_hugemem_realloc(p->gen, (size_t)cap * sizeof(*p->gen));
		if (!p->gen) {
			fprintf(stderr, "fragsim: out of memory (anon LRU)\n");
			abort();
		}
		memset(p->gen + p->gen_cap, 0, (size_t)(cap - p->gen_cap) * sizeof(*p->gen));
		p->gen_cap = cap;
	}
	const struct wl_block *b = &p->blocks.b[cookie];
	unsigned nid = frag_wl_pfn_nid(wl, b->pfn);
	p->lru_pages[nid] += 1ull << b->order;
	p->lru_blocks[nid]++;
	lru_compact(p, nid);
	lru_push(&p->lru[nid], (struct lru_ent){ cookie, p->gen[cookie] });
}

static void proc_exit(struct frag_wl *wl, unsigned slot, struct proc *pr)
{
	struct anon_priv *p = frag_wl_priv(wl);
	struct anon_cpu *c = frag_wl_cpu_priv(wl, slot);
	for (uint32_t i = 0; i < pr->nr_blocks; i++) {
		/* Prefetch: the block entries 8 ahead, the struct pages of the blocks 4 ahead. */
		if (i + 8 < pr->nr_blocks) {
			__builtin_prefetch(&p->blocks.b[pr->blocks[i + 8]], 1);
			__builtin_prefetch(&p->gen[pr->blocks[i + 8]], 1);
		}
		if (i + 4 < pr->nr_blocks)
			frag_wl_prefetch(wl, p->blocks.b[pr->blocks[i + 4]].pfn);
		uint32_t cookie = pr->blocks[i];
		struct wl_block *b = &p->blocks.b[cookie];
		if (b->tag == TAG_PAGE) {
			p->gen[cookie]++;
			if (b->pfn == PFN_SWAPPED) {
				/* free_swap_and_cache(): the slots go with the process. */
				frag_wl_swap_free(wl, 1ull << b->order);
				wl_blocks_unget(&p->blocks, cookie);
				continue;
			}
			unsigned nid = frag_wl_pfn_nid(wl, b->pfn);
			p->lru_pages[nid] -= 1ull << b->order;
			p->lru_blocks[nid]--;
		}
		wl_blocks_release(&p->blocks, wl, slot, cookie);
	}
	free(pr->blocks);
	pr->blocks = NULL;
	pr->nr_blocks = pr->cap_blocks = 0;
	if (pr->alive) {
		pr->alive = false;
		c->live--;
	}
}

/* One allocation owned by the process; returns false if it failed. */
static bool take(struct frag_wl *wl, unsigned slot, struct proc *pr, uint32_t pidx, unsigned order, gfp_t gfp,
		 uint8_t kind, uint8_t flags, uint16_t tag)
{
	struct anon_priv *p = frag_wl_priv(wl);
	uint32_t cookie = wl_blocks_get(&p->blocks);
	if (cookie < p->gen_cap)
		__builtin_prefetch(&p->gen[cookie], 1);   /* lru_add() reads it after the allocation */
	uint64_t pfn = frag_wl_alloc(wl, slot, order, gfp, cookie, kind, flags);
	if (pfn == FRAG_PFN_NONE) {
		wl_blocks_unget(&p->blocks, cookie);
		return false;
	}
	wl_blocks_set(&p->blocks, cookie, pfn, order, slot, tag, pidx);
	proc_add_block(pr, cookie);
	if (tag == TAG_PAGE)
		lru_add(wl, cookie);
	return true;
}

/* do_anonymous_page() / do_huge_pmd_anonymous_page() for the next page. */
static void fault(struct frag_wl *wl, unsigned slot, uint32_t pidx)
{
	const struct anon_opts *o = frag_wl_opts(wl);
	const struct frag_thp_settings *thp = frag_wl_thp(wl);
	struct anon_cpu *c = frag_wl_cpu_priv(wl, slot);
	struct proc *pr = &c->procs[pidx];
	uint64_t addr = pr->touched, left = pr->target - pr->touched;

	bool thp_ok = wl_thp_allowed(thp, pr->madvised), pmd_start = (addr % 512) == 0;
	gfp_t gfp = wl_thp_gfp(thp, pr->madvised) | __GFP_ZERO;

	/* do_huge_pmd_anonymous_page(): the PMD folio, then pte_alloc_one() for the deposit. */
	if (thp_ok && pmd_start && left >= 512) {
		gfp_t tries[2];
		unsigned nr_tries = wl_thp_pmd_tries(thp, gfp, tries);   /* alloc_pages_mpol() */
		bool got = false;
		for (unsigned k = 0; k < nr_tries && !got; k++)
			got = take(wl, slot, pr, pidx, HPAGE_PMD_ORDER, tries[k], KIND_ANON, OWNER_LRU | OWNER_COMPOUND,
				   TAG_PAGE);
		if (got) {
			if (o->pgtables &&
			    !take(wl, slot, pr, pidx, 0, GFP_KERNEL_ACCOUNT | __GFP_ZERO, KIND_PGTABLE, 0, TAG_PGTABLE)) {
				frag_wl_count(wl, "oom_victims", 1);   /* VM_FAULT_OOM */
				proc_exit(wl, slot, pr);
				return;
			}
			frag_wl_vm_event(wl, FRAG_STAT_thp_fault_alloc, 1);
			pr->touched += 512;
			return;
		}
		frag_wl_vm_event(wl, FRAG_STAT_thp_fault_fallback, 1);
	}
	/* do_anonymous_page(): pte_alloc() for a new PMD, then alloc_anon_folio(). */
	if (o->pgtables && pmd_start &&
	    !take(wl, slot, pr, pidx, 0, GFP_KERNEL_ACCOUNT | __GFP_ZERO, KIND_PGTABLE, 0, TAG_PGTABLE)) {
		frag_wl_count(wl, "oom_victims", 1);
		proc_exit(wl, slot, pr);
		return;
	}
	/* Anon mTHP, on every fault: the largest enabled order that is aligned and fits. */
	for (int order = 8; thp_ok && order >= 2; order--) {
		if (!(thp->mthp_orders & (1u << order)) || (addr & ((1u << order) - 1)) || left < (1u << order))
			continue;
		if (take(wl, slot, pr, pidx, (unsigned)order, gfp, KIND_ANON, OWNER_LRU | OWNER_COMPOUND, TAG_PAGE)) {
			frag_wl_vm_event(wl, FRAG_STAT_mthp_fault_alloc, 1);
			pr->touched += 1u << order;
			return;
		}
	}
	if (!take(wl, slot, pr, pidx, 0, GFP_HIGHUSER_MOVABLE | __GFP_ZERO, KIND_ANON, OWNER_LRU, TAG_PAGE)) {
		frag_wl_count(wl, "oom_victims", 1);
		proc_exit(wl, slot, pr);
		return;
	}
	pr->touched++;
}

static uint64_t anon_start(struct frag_wl *wl, unsigned slot, uint64_t now)
{
	const struct anon_opts *o = frag_wl_opts(wl);
	struct anon_cpu *c = frag_wl_cpu_priv(wl, slot);
	for (unsigned i = 0; i < o->initial_procs; i++)
		spawn(wl, slot, now);
	wl_timers_push(&c->timers, now + wl_sample_ns(&o->arrival, frag_wl_rng(wl, slot)), T_ARRIVE, 0);
	return wl_timers_next(&c->timers);
}

static uint64_t anon_step(struct frag_wl *wl, unsigned slot, uint64_t now, uint64_t until)
{
	(void)now;   /* every timer due by @until is handled, the one due at @now first */
	const struct anon_opts *o = frag_wl_opts(wl);
	struct anon_cpu *c = frag_wl_cpu_priv(wl, slot);

	while (wl_timers_due(&c->timers, until) && !frag_wl_stopped(wl)) {
		struct wl_timer t = wl_timers_take(wl, slot, &c->timers);
		unsigned kind = t.kind & 0xf;
		struct proc *pr = kind == T_ARRIVE ? NULL : &c->procs[t.arg];
		if (pr && pr->gen != t.kind >> 4)
			continue;   /* a timer of an earlier process in this slot */
		switch (kind) {
		case T_ARRIVE:
			spawn(wl, slot, t.t);
			wl_timers_push(&c->timers, t.t + wl_sample_ns(&o->arrival, frag_wl_rng(wl, slot)), T_ARRIVE, 0);
			break;
		case T_TOUCH:
			for (unsigned k = 0; k < o->touch_batch && pr->alive && pr->touched < pr->target; k++)
				fault(wl, slot, t.arg);
			if (pr->alive && pr->touched < pr->target)
				wl_timers_push(&c->timers, pr->start + pr->touched * pr->touch_ns, T_TOUCH | pr->gen << 4, t.arg);
			break;
		case T_EXIT:
			proc_exit(wl, slot, pr);
			break;
		}
	}
	uint64_t next = wl_timers_next(&c->timers);
	return next <= until ? until + 1 : next;
}

static void anon_stop(struct frag_wl *wl, uint64_t now)
{
	(void)now;
	for (unsigned s = 0; s < frag_wl_nr_slots(wl); s++) {
		struct anon_cpu *c = frag_wl_cpu_priv(wl, s);
		for (uint32_t i = 0; i < c->nr_procs; i++)
			proc_exit(wl, s, &c->procs[i]);
		wl_timers_free(&c->timers);
	}
}

static void anon_fini(struct frag_wl *wl)
{
	struct anon_priv *p = frag_wl_priv(wl);
	for (unsigned s = 0; s < frag_wl_nr_slots(wl); s++) {
		struct anon_cpu *c = frag_wl_cpu_priv(wl, s);
		for (uint32_t i = 0; i < c->nr_procs; i++)
			free(c->procs[i].blocks);
		free(c->procs);
		wl_timers_free(&c->timers);
	}
	wl_blocks_free(&p->blocks);
	for (unsigned n = 0; p->lru && n < p->nr_nodes; n++)
		free(p->lru[n].a);
	free(p->lru);
	free(p->lru_pages);
	free(p->lru_blocks);
	free(p->gen);
}

static void anon_migrated(struct frag_wl *wl, uint32_t cookie, uint64_t old_pfn, uint64_t new_pfn)
{
	struct anon_priv *p = frag_wl_priv(wl);
	const struct wl_block *b = cookie < p->blocks.n ? &p->blocks.b[cookie] : NULL;
	if (b && b->pfn == old_pfn && b->tag == TAG_PAGE) {
		/* The LRU entry follows lazily: shrink_lru() moves it to the new node's list. */
		unsigned from = frag_wl_pfn_nid(wl, old_pfn), to = frag_wl_pfn_nid(wl, new_pfn);
		p->lru_pages[from] -= 1ull << b->order;
		p->lru_blocks[from]--;
		p->lru_pages[to] += 1ull << b->order;
		p->lru_blocks[to]++;
	}
	wl_blocks_moved(&p->blocks, cookie, old_pfn, new_pfn);
}

static uint64_t anon_lru_pages(struct frag_wl *wl, unsigned nid, enum frag_lru lru)
{
	struct anon_priv *p = frag_wl_priv(wl);
	return lru == FRAG_LRU_ANON && nid < p->nr_nodes ? p->lru_pages[nid] : 0;
}

/*
 * shrink_lru(): swap out folios from the cold end of node @nid's anon LRU
 * (shrink_folio_list(): add_to_swap(), pageout(), free). Stops when a folio
 * finds no swap space left.
 */
static uint64_t anon_shrink_lru(struct frag_wl *wl, unsigned nid, enum frag_lru lru, uint64_t nr_to_scan,
				uint64_t *nr_scanned)
{
	struct anon_priv *p = frag_wl_priv(wl);
	uint64_t done = 0;

	if (lru != FRAG_LRU_ANON || nid >= p->nr_nodes)
		return 0;
	struct anon_lru *l = &p->lru[nid];
	while (done < nr_to_scan && l->head < l->n) {
		struct lru_ent e = l->a[l->head];
		if (!lru_valid(p, e)) {
			l->head++;
			continue;
		}
		struct wl_block *b = &p->blocks.b[e.cookie];
		unsigned bn = frag_wl_pfn_nid(wl, b->pfn);
		if (bn != nid) {   /* migrated to another node */
			l->head++;
			lru_push(&p->lru[bn], e);
			l = &p->lru[nid];
			continue;
		}
		uint64_t nr = 1ull << b->order;
		if (frag_wl_swap_alloc(wl, nr))
			break;
		l->head++;
		frag_wl_free_reclaimed(wl, b->pfn, b->order);
		b->pfn = PFN_SWAPPED;
		p->blocks.live--;
		p->blocks.live_pages -= nr;
		p->lru_pages[nid] -= nr;
		p->lru_blocks[nid]--;
		done += nr;
	}
	if (l->head == l->n)
		l->head = l->n = 0;
	*nr_scanned = done;
	frag_wl_count(wl, "swapped_out_pages", done);
	return done;
}

const struct frag_workload_ops frag_workload_anon = {
	.abi_version = FRAG_WORKLOAD_ABI,
	.name = "anon",
	.summary = "processes faulting anonymous memory (THP/mTHP per the thp settings), page tables, exit",
	.params = anon_params,
	.opts_size = sizeof(struct anon_opts),
	.priv_size = sizeof(struct anon_priv),
	.cpu_priv_size = sizeof(struct anon_cpu),
	.init = anon_init,
	.start = anon_start,
	.step = anon_step,
	.stop = anon_stop,
	.fini = anon_fini,
	.migrated = anon_migrated,
	.lru_pages = anon_lru_pages,
	.shrink_lru = anon_shrink_lru,
};
