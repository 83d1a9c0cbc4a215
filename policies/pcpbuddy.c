/* SPDX-License-Identifier: MIT */
/*
 * pcpbuddy.c - PCPBuddy, the per-CPU pageblock buddy allocator (Johannes
 * Weiner, "[RFC 0/2] mm: page_alloc: pcp buddy allocator", April 2026; the
 * SPB RFC builds on it). kernel-model.md section 12.
 *
 * Modelled (patch 2/2, "per-cpu pageblock buddy allocator"):
 *  - a CPU claims whole pageblocks from the zone buddy and splits them on its
 *    PCP, outside the zone lock; the pageblock records its owner
 *    (struct frag_pageblock.owner_cpu, the RFC's struct pageblock_data);
 *  - frees of pages of an owned pageblock go to the owner's PCP, also from
 *    remote CPUs (pcp_free hook), where they merge with free PCP buddies of
 *    the same owner (orders 0-3, the PCP orders); an owned pageblock whose
 *    512 pages are all back on its owner's PCP becomes one order-9 block
 *    (the bottom-up merge pass, done eagerly);
 *  - drained fragments of owned pageblocks are remembered on the owner's
 *    `owned_blocks` list (pcp_drained hook); a pageblock entirely free in
 *    the buddy after a drain is released (owner cleared);
 *  - a refill (pcp_refill hook, replacing rmqueue_bulk()): first split a
 *    larger owned block already on the PCP (no zone lock); otherwise, under
 *    one zone-lock hold, until nr_pcp_alloc()'s pages are gathered:
 *      phase 0: recover fragments of owned pageblocks of the request's
 *               migratetype from the zone buddy (the block leaves the list;
 *               a later drain re-adds it),
 *      phase 1: claim whole free pageblocks (__rmqueue_smallest() at
 *               pageblock_order, then __rmqueue_claim() of whole blocks of
 *               another type, which relabels without fragmenting),
 *      phase 2: sub-pageblock chunks of the request's type, no stealing,
 *      phase 3: the classic __rmqueue() with its fallbacks;
 *    phase 0/1 pages are owned (they merge on the PCP), phase 2/3 pages are
 *    only cached unless they lie in a pageblock this CPU owns.
 *  - zone-lock acquisitions are counted as Linux's are (FRAG_STAT_zone_lock:
 *    one per refill that reaches the buddy, one per free_pcppages_bulk()).
 * See docs/policies/pcpbuddy.md for the choices where the RFC is silent.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "frag/policy.h"
#include "../core/mm/internal.h"

#define PB_NO_OWNER    0xffff
#define PCPB_MERGE_MAX PAGE_ALLOC_COSTLY_ORDER   /* highest PCP order below pageblock_order */
#define PCPB_SPLIT_SCAN 8                        /* list entries looked at for an owned block to split */

struct pcpb_opts {
	bool phase0;              /* recover owned fragments from the buddy */
	bool phase1;              /* claim whole free pageblocks */
	bool phase2;              /* sub-pageblock chunks without stealing */
	bool phase1_claim;        /* phase 1 may take a whole free pageblock of another type */
	bool remote_free;         /* frees go to the owner's PCP (off: the freeing CPU's, as Linux) */
	unsigned max_recover;     /* owned pageblocks recovered per refill in phase 0 */
};

static const struct frag_param pcpb_params[] = {
	FRAG_PARAM("phase0", PARAM_BOOL, struct pcpb_opts, phase0, 1, 0, 1, "",
		   "refill phase 0: recover fragments of owned pageblocks from the zone buddy"),
	FRAG_PARAM("phase1", PARAM_BOOL, struct pcpb_opts, phase1, 1, 0, 1, "",
		   "refill phase 1: claim whole free pageblocks (owned, split on the PCP)"),
	FRAG_PARAM("phase2", PARAM_BOOL, struct pcpb_opts, phase2, 1, 0, 1, "",
		   "refill phase 2: sub-pageblock chunks of the request's migratetype, no stealing"),
	FRAG_PARAM("phase1_claim", PARAM_BOOL, struct pcpb_opts, phase1_claim, 1, 0, 1, "",
		   "phase 1 may relabel a whole free pageblock of another type (__rmqueue_claim at pageblock_order)"),
	FRAG_PARAM("remote_free", PARAM_BOOL, struct pcpb_opts, remote_free, 1, 0, 1, "",
		   "a page of an owned pageblock freed on another CPU goes to the owner's PCP"),
	FRAG_PARAM("max_recover", PARAM_U32, struct pcpb_opts, max_recover, 8, 1, 1u << 20, "pageblocks",
		   "owned pageblocks whose buddy fragments one phase-0 refill may recover"),
	FRAG_PARAM_END,
};

struct pcpb_priv {
	struct pcpb_opts o;
	unsigned nr_cpus;
	uint32_t *head;           /* [zone * nr_cpus + cpu]: owned_blocks list (global pageblock index) */
	uint32_t *next, *prev;    /* [global pageblock index] */
	uint8_t *on_list;         /* [global pageblock index] */
};

static inline uint32_t pb_gidx(const struct frag_mem *mem, const struct frag_pageblock *pb)
{
	return (uint32_t)(pb - mem->pageblocks);
}

static inline int pcp_type(int mt)
{
	return mt >= MIGRATE_PCPTYPES ? MIGRATE_MOVABLE : mt;
}

static uint32_t *list_head(struct pcpb_priv *p, const struct frag_zone *z, unsigned cpu)
{
	return &p->head[z->id * p->nr_cpus + cpu];
}

static void owned_del(struct frag_mem *mem, struct pcpb_priv *p, struct frag_zone *z, struct frag_pageblock *pb)
{
	uint32_t i = pb_gidx(mem, pb);
	if (!p->on_list[i])
		return;
	uint32_t *head = list_head(p, z, pb->owner_cpu);
	if (p->prev[i] != IDX_NONE)
		p->next[p->prev[i]] = p->next[i];
	else
		*head = p->next[i];
	if (p->next[i] != IDX_NONE)
		p->prev[p->next[i]] = p->prev[i];
	p->on_list[i] = 0;
}

static void owned_add(struct frag_mem *mem, struct pcpb_priv *p, struct frag_zone *z, struct frag_pageblock *pb)
{
	uint32_t i = pb_gidx(mem, pb);
	if (p->on_list[i])
		return;
	uint32_t *head = list_head(p, z, pb->owner_cpu);
	p->prev[i] = IDX_NONE;
	p->next[i] = *head;
	if (*head != IDX_NONE)
		p->prev[*head] = i;
	*head = i;
	p->on_list[i] = 1;
}

/* An owned pageblock entirely on its owner's PCP becomes one order-9 block. */
static void collapse_pageblock(struct frag_mem *mem, struct frag_zone *z, unsigned cpu, uint64_t start)
{
	for (uint64_t q = start; q < start + PAGEBLOCK_NR_PAGES;) {
		const struct frag_page *pg = &z->pages[pfn_to_idx(z, q)];
		if (pg->state != PG_PCP || pg->priv != cpu)
			return;
		q += 1ull << pg->order;
	}
	for (uint64_t q = start; q < start + PAGEBLOCK_NR_PAGES;) {
		unsigned order = z->pages[pfn_to_idx(z, q)].order;
		pcp_list_del(z, pfn_to_idx(z, q));
		q += 1ull << order;
	}
	pcp_list_add(z, cpu, pfn_to_idx(z, start), PAGEBLOCK_ORDER,
		     pcp_type(get_pageblock_migratetype(z, start)), false);
	frag_count(mem, FRAG_STAT_pcpbuddy_pcp_merge, 1);
}

/*
 * Put a free block on @cpu's PCP; if its pageblock is owned by @cpu, merge it
 * with free buddies of the same order on @cpu's PCP first (PCP-level buddy).
 */
static void add_merge(struct frag_mem *mem, struct frag_zone *z, unsigned cpu, uint64_t pfn, unsigned order, int mt,
		      bool tail)
{
	const struct frag_pageblock *pb = pfn_to_pb(z, pfn);
	bool owned = pb->owner_cpu == cpu;
	while (owned && order < PCPB_MERGE_MAX) {
		uint64_t bpfn = pfn ^ (1ull << order);
		const struct frag_page *bp = &z->pages[pfn_to_idx(z, bpfn)];
		if (bp->state != PG_PCP || bp->order != order || bp->priv != cpu)
			break;
		pcp_list_del(z, pfn_to_idx(z, bpfn));
		pfn &= ~(1ull << order);
		order++;
		frag_count(mem, FRAG_STAT_pcpbuddy_pcp_merge, 1);
	}
	pcp_list_add(z, cpu, pfn_to_idx(z, pfn), order, mt, tail);
	if (owned && pb->nr_pcp == PAGEBLOCK_NR_PAGES && !(pb->flags & PB_PARTIAL) && order < PAGEBLOCK_ORDER)
		collapse_pageblock(mem, z, cpu, pfn & ~(uint64_t)(PAGEBLOCK_NR_PAGES - 1));
}

/* Put a detached free run of any order <= 10 on @cpu's PCP in PCP-order pieces. */
static void add_run(struct frag_mem *mem, struct frag_zone *z, unsigned cpu, uint64_t pfn, unsigned order, int mt)
{
	if (order <= PCPB_MERGE_MAX || order == PAGEBLOCK_ORDER) {
		add_merge(mem, z, cpu, pfn, order, mt, true);
		return;
	}
	unsigned piece = order > PAGEBLOCK_ORDER ? PAGEBLOCK_ORDER : PCPB_MERGE_MAX;
	for (uint64_t q = pfn; q < pfn + (1ull << order); q += 1ull << piece)
		add_merge(mem, z, cpu, q, piece, mt, true);
}

/*
 * Split an owned block of @mt larger than @order already on @cpu's PCP down
 * to @order (the PCP buddy's expand()); the block kept for the caller ends up
 * at the head of the (@order, @mt) list. No zone lock. Returns true if done.
 */
static bool split_on_pcp(struct frag_mem *mem, struct frag_zone *z, unsigned cpu, unsigned order, int mt)
{
	struct frag_pcp *pcp = zone_pcp(z, cpu);
	static const unsigned higher[] = { 1, 2, 3, PAGEBLOCK_ORDER };
	for (unsigned h = 0; h < 4; h++) {
		unsigned o = higher[h];
		if (o <= order)
			continue;
		uint32_t idx = pcp->lists[order_to_pindex(mt, o)].head;
		for (unsigned n = 0; idx != IDX_NONE && n < PCPB_SPLIT_SCAN; n++, idx = z->pages[idx].next) {
			const struct frag_page *pg = &z->pages[idx];
			uint64_t pfn = idx_to_pfn(z, idx);
			if (pg->mt != mt || pfn_to_pb(z, pfn)->owner_cpu != cpu)
				continue;
			pcp_list_del(z, idx);
			if (o == PAGEBLOCK_ORDER) {
				/* orders 4-8 have no PCP list: 63 order-3 pieces at the tail */
				for (uint64_t q = pfn + (1ull << PCPB_MERGE_MAX); q < pfn + PAGEBLOCK_NR_PAGES;
				     q += 1ull << PCPB_MERGE_MAX)
					pcp_list_add(z, cpu, pfn_to_idx(z, q), PCPB_MERGE_MAX, mt, true);
				o = PCPB_MERGE_MAX;
			}
			while (o > order) {
				o--;
				pcp_list_add(z, cpu, pfn_to_idx(z, pfn + (1ull << o)), o, mt, false);
			}
			pcp_list_add(z, cpu, idx, order, mt, false);
			frag_count(mem, FRAG_STAT_pcpbuddy_pcp_split, 1);
			return true;
		}
	}
	return false;
}

/* Phase 0: take the buddy fragments of one owned pageblock back to the PCP. */
static uint64_t recover_block(struct frag_mem *mem, struct frag_zone *z, unsigned cpu, uint64_t start)
{
	uint64_t got = 0;
	for (uint64_t q = start; q < start + PAGEBLOCK_NR_PAGES;) {
		const struct frag_page *pg = &z->pages[pfn_to_idx(z, q)];
		if (pg->state == PG_BUDDY && pg->order <= PAGEBLOCK_ORDER) {
			unsigned order = pg->order;
			int lmt = pg->mt;
			__del_from_free_list(z, pfn_to_idx(z, q), order, lmt);
			add_run(mem, z, cpu, q, order, pcp_type(lmt));
			got += 1ull << order;
			q += 1ull << order;
		} else if (pg->state == PG_BUDDY || pg->state == PG_PCP || pg->state == PG_ALLOC) {
			q += 1ull << (pg->order < PAGEBLOCK_ORDER ? pg->order : PAGEBLOCK_ORDER);
		} else {
			q++;
		}
	}
	return got;
}

static int pcpb_refill(struct frag_mem *mem, void *priv, struct frag_zone *z, unsigned cpu, unsigned order, int mt,
		       int count, unsigned alloc_flags)
{
	struct pcpb_priv *p = priv;
	struct idx_list *list = &zone_pcp(z, cpu)->lists[order_to_pindex(mt, order)];
	uint64_t want = (uint64_t)count << order, got = 0;

	if (split_on_pcp(mem, z, cpu, order, mt))
		return 0;

	frag_count(mem, FRAG_STAT_zone_lock, 1);
	frag_count(mem, FRAG_STAT_pcp_refill, 1);

	/* Phase 0: owned fragments of this migratetype. */
	uint32_t *head = list_head(p, z, cpu);
	unsigned recovered = 0;
	for (uint32_t i = *head, nx; p->o.phase0 && i != IDX_NONE && got < want && recovered < p->o.max_recover;
	     i = nx) {
		nx = p->next[i];
		struct frag_pageblock *pb = &mem->pageblocks[i];
		uint64_t start = (z->pb_base + (uint64_t)(pb - z->pb)) << PAGEBLOCK_ORDER;
		if (pcp_type(pb->mt) != mt || (pb->flags & PB_MIGRATE_ISOLATE))
			continue;
		owned_del(mem, p, z, pb);
		uint64_t n = recover_block(mem, z, cpu, start);
		got += n;
		recovered++;
		frag_count(mem, FRAG_STAT_pcpbuddy_phase0_pages, n);
	}

	/* Phase 1: whole free pageblocks, owned. */
	while (p->o.phase1 && got < want) {
		uint32_t idx = __rmqueue_smallest(z, PAGEBLOCK_ORDER, mt);
		if (idx == IDX_NONE && p->o.phase1_claim)
			idx = __rmqueue_claim(mem, z, PAGEBLOCK_ORDER, mt, alloc_flags | ALLOC_NOFRAGMENT);
		if (idx == IDX_NONE)
			break;
		struct frag_pageblock *pb = pfn_to_pb(z, idx_to_pfn(z, idx));
		if (pb->owner_cpu != PB_NO_OWNER)
			owned_del(mem, p, z, pb);
		pb->owner_cpu = (uint16_t)cpu;
		pcp_list_add(z, cpu, idx, PAGEBLOCK_ORDER, mt, true);
		got += PAGEBLOCK_NR_PAGES;
		frag_count(mem, FRAG_STAT_pcpbuddy_phase1_blocks, 1);
	}

	/* Phase 2: sub-pageblock chunks of this type, no stealing. */
	while (p->o.phase2 && got < want) {
		uint32_t idx = __rmqueue_smallest(z, order, mt);
		if (idx == IDX_NONE)
			break;
		add_merge(mem, z, cpu, idx_to_pfn(z, idx), order, mt, true);
		got += 1ull << order;
		frag_count(mem, FRAG_STAT_pcpbuddy_phase2_pages, 1ull << order);
	}

	/* Phase 3: the classic __rmqueue() with fallbacks. */
	enum rmqueue_mode rmqm = RMQUEUE_NORMAL;
	while (got < want) {
		uint32_t idx = __rmqueue(mem, z, order, mt, alloc_flags, &rmqm);
		if (idx == IDX_NONE)
			break;
		add_merge(mem, z, cpu, idx_to_pfn(z, idx), order, mt, true);
		got += 1ull << order;
		frag_count(mem, FRAG_STAT_pcpbuddy_phase3_pages, 1ull << order);
	}
	frag_count(mem, FRAG_STAT_pcp_refill_pages, got);

	if (list->head == IDX_NONE && order != PAGEBLOCK_ORDER)
		split_on_pcp(mem, z, cpu, order, mt);
	return (int)got;
}

static int pcpb_free(struct frag_mem *mem, void *priv, struct frag_zone *z, unsigned cpu, uint64_t pfn,
		     unsigned order, int mt)
{
	struct pcpb_priv *p = priv;
	const struct frag_pageblock *pb = pfn_to_pb(z, pfn);
	unsigned owner = pb->owner_cpu;
	if (owner == PB_NO_OWNER || (owner != cpu && !p->o.remote_free))
		return -1;   /* cached page: Linux's free to this CPU's list */
	if (owner != cpu)
		frag_count(mem, FRAG_STAT_pcpbuddy_remote_free, 1);
	add_merge(mem, z, owner, pfn, order, mt, false);
	return (int)owner;
}

static void pcpb_drained(struct frag_mem *mem, void *priv, struct frag_zone *z, unsigned cpu, uint64_t pfn,
			 unsigned order)
{
	struct pcpb_priv *p = priv;
	struct frag_pageblock *pb = pfn_to_pb(z, pfn);
	(void)cpu;
	(void)order;
	if (pb->owner_cpu == PB_NO_OWNER)
		return;
	if (pb->nr_free == PAGEBLOCK_NR_PAGES) {
		owned_del(mem, p, z, pb);   /* entirely free in the buddy: released */
		pb->owner_cpu = PB_NO_OWNER;
		frag_count(mem, FRAG_STAT_pcpbuddy_release, 1);
	} else {
		owned_add(mem, p, z, pb);
	}
}

static int pcpb_init(struct frag_mem *mem, void *priv, const void *opts)
{
	struct pcpb_priv *p = priv;
	p->o = *(const struct pcpb_opts *)opts;
	p->nr_cpus = mem->nr_cpus;
	size_t nh = (size_t)mem->nr_zones * mem->nr_cpus, npb = mem->nr_pageblocks_total;
	p->head = malloc(nh * sizeof(uint32_t));
	p->next = malloc(npb * sizeof(uint32_t));
	p->prev = malloc(npb * sizeof(uint32_t));
	p->on_list = calloc(npb, 1);
	if (!p->head || !p->next || !p->prev || !p->on_list)
		return -ENOMEM;
	for (size_t i = 0; i < nh; i++)
		p->head[i] = IDX_NONE;
	return 0;
}

static void pcpb_fini(struct frag_mem *mem, void *priv)
{
	struct pcpb_priv *p = priv;
	(void)mem;
	free(p->head);
	free(p->next);
	free(p->prev);
	free(p->on_list);
}

/* clone(): the copy (frag_mem_clone(), for predictions) gets its own ownership lists. */
static int pcpb_clone(struct frag_mem *new_mem, void *new_priv, const void *old_priv)
{
	struct pcpb_priv *n = new_priv;
	const struct pcpb_priv *o = old_priv;
	size_t nh = (size_t)new_mem->nr_zones * new_mem->nr_cpus, npb = new_mem->nr_pageblocks_total;
	n->head = malloc(nh * sizeof(uint32_t));
	n->next = malloc(npb * sizeof(uint32_t));
	n->prev = malloc(npb * sizeof(uint32_t));
	n->on_list = malloc(npb);
	if (!n->head || !n->next || !n->prev || !n->on_list) {
		free(n->head), free(n->next), free(n->prev), free(n->on_list);
		n->head = n->next = n->prev = NULL;
		n->on_list = NULL;
		return -ENOMEM;
	}
	memcpy(n->head, o->head, nh * sizeof(uint32_t));
	memcpy(n->next, o->next, npb * sizeof(uint32_t));
	memcpy(n->prev, o->prev, npb * sizeof(uint32_t));
	memcpy(n->on_list, o->on_list, npb);
	return 0;
}

const struct frag_policy_ops frag_policy_pcpbuddy = {
	.abi_version = FRAG_POLICY_ABI,
	.name = "pcpbuddy",
	.summary = "PCPBuddy RFC: CPUs own whole pageblocks, frees return to the owner, buddies merge on the PCP",
	.params = pcpb_params,
	.opts_size = sizeof(struct pcpb_opts),
	.priv_size = sizeof(struct pcpb_priv),
	.init = pcpb_init,
	.fini = pcpb_fini,
	.clone = pcpb_clone,
	.pcp_refill = pcpb_refill,
	.pcp_free = pcpb_free,
	.pcp_drained = pcpb_drained,
};
