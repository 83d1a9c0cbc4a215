/* SPDX-License-Identifier: MIT */
/*
 * pcp.c - per-CPU page lists (struct per_cpu_pages), Linux 6.18.
 *
 * Mirrors mm/page_alloc.c: pcp_allowed_order, order_to_pindex,
 * zone_batchsize, zone_highsize, zone_set_pageset_high_and_batch,
 * nr_pcp_alloc, rmqueue_bulk, rmqueue_pcplist/__rmqueue_pcplist, nr_pcp_high,
 * nr_pcp_free, free_frozen_page_commit (the 6.18 single-bulk form),
 * free_pcppages_bulk, decay_pcp_high and drain_pages_zone
 * (docs/kernel-model.md section 5).
 *
 * Pages on a PCP list are free but not in the buddy: they are not counted in
 * NR_FREE_PAGES and cannot merge until drained. A PCP block head is marked
 * PG_PCP and records its owning CPU.
 */
#include "internal.h"

#define SCALE_MAX(mem) ((int)(mem)->sysctl.pcp_batch_scale_max)

bool pcp_allowed_order(const struct frag_mem *mem, unsigned order)
{
	if (order <= PAGE_ALLOC_COSTLY_ORDER)
		return true;
	return mem->sysctl.thp_pcp && order == HPAGE_PMD_ORDER;
}

/* order_to_pindex(): 3*order + mt for orders 0-3; THP lists 12 (non-movable) and 13 (movable). */
unsigned order_to_pindex(int mt, unsigned order)
{
	if (order > PAGE_ALLOC_COSTLY_ORDER)
		return NR_LOWORDER_PCP_LISTS + (mt == MIGRATE_MOVABLE);
	return MIGRATE_PCPTYPES * order + (unsigned)mt;
}

static inline unsigned pindex_to_order(unsigned pindex)
{
	return pindex >= NR_LOWORDER_PCP_LISTS ? HPAGE_PMD_ORDER : pindex / MIGRATE_PCPTYPES;
}

static inline int clamp_int(int v, int lo, int hi)
{
	return v < lo ? lo : (v > hi ? hi : v);
}

static inline int max_int(int a, int b) { return a > b ? a : b; }
static inline int min_int(int a, int b) { return a < b ? a : b; }

static int rounddown_pow_of_two(int n)
{
	int p = 1;
	while (p * 2 <= n)
		p *= 2;
	return p;
}

/* zone_batchsize(): min(managed >> 12, 256 KiB of pages), clamped to 2^n - 1. */
static int zone_batchsize(const struct frag_zone *z)
{
	uint64_t b = z->managed_pages >> 12;
	int batch = b < 64 ? (int)b : 64;
	if (batch <= 1)
		return 1;
	return rounddown_pow_of_two(batch + batch / 2) - 1;
}

/* zone_highsize(): the low watermark (or managed/fraction) split over the
 * node's CPUs, at least 4 batches. */
static int zone_highsize(const struct frag_mem *mem, const struct frag_zone *z, int batch, int high_fraction)
{
	uint64_t total = high_fraction ? z->managed_pages / (uint64_t)high_fraction : low_wmark_pages(z);
	unsigned nr_split = mem->nodes[z->nid].nr_cpus;
	if (!nr_split)
		nr_split = mem->nr_cpus;
	int high = (int)(total / nr_split);
	return max_int(high, batch << 2);
}

/**
 * pcp_setup_zone() - zone_set_pageset_high_and_batch(): batch and the bounds
 * of the auto-tuned high for every CPU's pageset of @z. Called after every
 * watermark change. pcp->high itself starts at 0 and is clamped on use.
 */
void pcp_setup_zone(struct frag_mem *mem, struct frag_zone *z)
{
	int batch = zone_batchsize(z);
	int high_min, high_max;
	unsigned fraction = mem->sysctl.percpu_pagelist_high_fraction;

	if (fraction) {
		high_min = high_max = zone_highsize(mem, z, batch, (int)fraction);
	} else {
		high_min = zone_highsize(mem, z, batch, 0);
		high_max = zone_highsize(mem, z, batch, 8);   /* MIN_PERCPU_PAGELIST_HIGH_FRACTION */
	}
	z->pcp_batch = batch;
	z->pcp_high_min = high_min;
	z->pcp_high_max = high_max;
	for (unsigned cpu = 0; cpu < mem->nr_cpus; cpu++) {
		struct frag_pcp *pcp = zone_pcp(z, cpu);
		pcp->batch = batch;
		pcp->high_min = high_min;
		pcp->high_max = high_max;
	}
}

/* ---------------------------------------------------------------------- */
/* PCP list primitives                                                    */
/* ---------------------------------------------------------------------- */

static inline void __pcp_list_add(struct frag_zone *z, struct frag_pcp *pcp, unsigned pindex, uint32_t idx,
				unsigned order, int mt, unsigned cpu, bool tail)
{
	struct frag_page *p = &z->pages[idx];
	struct idx_list *l = &pcp->lists[pindex];

	p->state = PG_PCP;
	p->order = (uint8_t)order;
	p->mt = (uint8_t)mt;
	p->priv = cpu;
	idx_list_add(z->pages, l, idx, tail);
	pb_account(z, idx_to_pfn(z, idx), 1u << order, CT_PCP, 0, 0, +1);
	z->nr_pcp_pages += 1u << order;
}

/* A free block put straight onto @cpu's list (a snapshot restore): the list
 * insert of free_frozen_page_commit() without its trim to pcp->high. */
void pcp_restore_page(struct frag_mem *mem, struct frag_zone *z, unsigned cpu, uint64_t pfn, unsigned order, int mt)
{
	struct frag_pcp *pcp = zone_pcp(z, cpu);
	(void)mem;
	__pcp_list_add(z, pcp, order_to_pindex(mt, order), pfn_to_idx(z, pfn), order, mt, cpu, true);
	pcp->count += 1 << order;
}

static inline void __pcp_list_del(struct frag_zone *z, struct frag_pcp *pcp, unsigned pindex, uint32_t idx)
{
	struct frag_page *p = &z->pages[idx];
	struct idx_list *l = &pcp->lists[pindex];
	unsigned order = p->order;

	idx_list_del(z->pages, l, idx);
	pb_account(z, idx_to_pfn(z, idx), 1u << order, CT_PCP, 0, 0, -1);
	z->nr_pcp_pages -= 1u << order;
	p->state = PG_TAIL;
	p->priv = 0;
}

/* The list primitives for policies (pcp_refill/pcp_free hooks): pcp->count is the caller's. */
void pcp_list_add(struct frag_zone *z, unsigned cpu, uint32_t idx, unsigned order, int mt, bool tail)
{
	__pcp_list_add(z, zone_pcp(z, cpu), order_to_pindex(mt, order), idx, order, mt, cpu, tail);
}

void pcp_list_del(struct frag_zone *z, uint32_t idx)
{
	const struct frag_page *p = &z->pages[idx];
	__pcp_list_del(z, zone_pcp(z, p->priv), order_to_pindex(p->mt, p->order), idx);
}

/* ---------------------------------------------------------------------- */
/* Allocation side                                                        */
/* ---------------------------------------------------------------------- */

/**
 * nr_pcp_alloc() - how many blocks to pull from the buddy on a refill:
 * batch << alloc_factor for order 0 (alloc_factor grows while refills come
 * without intervening frees, up to CONFIG_PCP_BATCH_SCALE_MAX), capped at
 * max(high - count - batch, batch); high grows by the batch unless the zone
 * is below its high watermark. Converted to blocks: max(batch >> order, 2).
 */
static int nr_pcp_alloc(struct frag_mem *mem, struct frag_pcp *pcp, const struct frag_zone *z, unsigned order)
{
	int base_batch = pcp->batch;
	int high = pcp->high = clamp_int(pcp->high, pcp->high_min, pcp->high_max);
	int batch;

	if (unlikely(high < base_batch))
		return 1;

	batch = order ? base_batch : base_batch << pcp->alloc_factor;

	if (pcp->high_min != pcp->high_max && !(z->flags & ZONE_BELOW_HIGH))
		high = pcp->high = min_int(high + batch, pcp->high_max);

	if (!order) {
		int max_nr_alloc = max_int(high - pcp->count - base_batch, base_batch);
		if (batch <= max_nr_alloc && pcp->alloc_factor < SCALE_MAX(mem))
			pcp->alloc_factor++;
		batch = min_int(batch, max_nr_alloc);
	}

	if (batch > 1)
		batch = max_int(batch >> order, 2);
	return batch;
}

/**
 * rmqueue_bulk() - pull @count blocks of @order through __rmqueue() under one
 * zone-lock hold and append them, in the order obtained, to the list tail.
 * The rmqueue_mode memo persists across the loop.
 */
static int rmqueue_bulk(struct frag_mem *mem, struct frag_zone *z, struct frag_pcp *pcp, unsigned pindex,
			unsigned cpu, unsigned order, int count, int mt, unsigned alloc_flags)
{
	enum rmqueue_mode rmqm = RMQUEUE_NORMAL;
	int i;

	frag_count(mem, FRAG_STAT_zone_lock, 1);
	frag_count(mem, FRAG_STAT_pcp_refill, 1);
	for (i = 0; i < count; i++) {
		uint32_t idx = __rmqueue(mem, z, order, mt, alloc_flags, &rmqm);
		if (unlikely(idx == IDX_NONE))
			break;
		__pcp_list_add(z, pcp, pindex, idx, order, mt, cpu, true);
	}
	frag_count(mem, FRAG_STAT_pcp_refill_pages, (uint64_t)i << order);
	return i;
}

/**
 * rmqueue_pcplist() - take the head of this CPU's (order, mt) list,
 * refilling it first when empty. free_count is halved on every attempt.
 */
uint64_t rmqueue_pcplist(struct frag_mem *mem, struct frag_zone *z, unsigned cpu, unsigned order, int mt,
			 unsigned alloc_flags)
{
	struct frag_pcp *pcp = zone_pcp(z, cpu);
	unsigned pindex = order_to_pindex(mt, order);
	struct idx_list *list = &pcp->lists[pindex];

	pcp->free_count >>= 1;
	if (list->head == IDX_NONE) {
		int batch = nr_pcp_alloc(mem, pcp, z, order);
		if (mem->policy->pcp_refill)
			pcp->count += mem->policy->pcp_refill(mem, mem->policy_priv, z, cpu, order, mt, batch, alloc_flags);
		else
			pcp->count += rmqueue_bulk(mem, z, pcp, pindex, cpu, order, batch, mt, alloc_flags) << order;
		if (unlikely(list->head == IDX_NONE))
			return FRAG_PFN_NONE;
	}
	uint32_t idx = list->head;
	__pcp_list_del(z, pcp, pindex, idx);
	pcp->count -= 1 << order;
	return idx_to_pfn(z, idx);
}

/* ---------------------------------------------------------------------- */
/* Free side                                                              */
/* ---------------------------------------------------------------------- */

/**
 * free_pcppages_bulk() - return @count pages to the buddy, starting with list
 * @pindex and going round-robin over non-empty lists; each list is drained
 * from its tail (coldest first) until it is empty or @count is used up. The
 * migratetype is read from the pageblock now. One zone-lock hold.
 */
void free_pcppages_bulk(struct frag_mem *mem, struct frag_zone *z, struct frag_pcp *pcp, int count, int pindex)
{
	if (count > pcp->count)
		count = pcp->count;
	if (count <= 0)
		return;

	frag_count(mem, FRAG_STAT_zone_lock, 1);
	frag_count(mem, FRAG_STAT_pcp_free_bulk, 1);
	pindex = pindex - 1;
	while (count > 0) {
		struct idx_list *list;
		do {
			pindex++;
			if (pindex > NR_PCP_LISTS - 1)
				pindex = 0;
			list = &pcp->lists[pindex];
		} while (list->head == IDX_NONE);

		unsigned order = pindex_to_order((unsigned)pindex);
		int nr = 1 << order;
		do {
			uint32_t idx = list->tail;
			uint64_t pfn = idx_to_pfn(z, idx);
			__pcp_list_del(z, pcp, (unsigned)pindex, idx);
			count -= nr;
			pcp->count -= nr;
			frag_count(mem, FRAG_STAT_pcp_drain_pages, (uint64_t)nr);
			__free_one_page(mem, z, pfn, order, get_pageblock_migratetype(z, pfn), FPI_NONE);
			if (mem->policy->pcp_drained)
				mem->policy->pcp_drained(mem, mem->policy_priv, z, (unsigned)(pcp - z->pcp), pfn, order);
		} while (count > 0 && list->head != IDX_NONE);
	}
}

/* nr_pcp_high(): the effective high for this free, adjusting pcp->high. */
static int nr_pcp_high(struct frag_mem *mem, struct frag_pcp *pcp, const struct frag_zone *z, int batch,
		       bool free_high)
{
	int high, high_min, high_max;

	high_min = pcp->high_min;
	high_max = pcp->high_max;
	high = pcp->high = clamp_int(pcp->high, high_min, high_max);

	if (unlikely(!high))
		return 0;

	if (unlikely(free_high)) {
		pcp->high = max_int(high - (batch << SCALE_MAX(mem)), high_min);
		return 0;
	}

	/* kswapd is reclaiming this zone: keep few pages on the lists (min(4 x batch, high)),
	 * shrinking high as under ZONE_BELOW_HIGH, also for a fixed high. */
	if (unlikely(z->flags & ZONE_RECLAIM_ACTIVE)) {
		int free_count = max_int(pcp->free_count, batch);
		pcp->high = max_int(high - free_count, high_min);
		return min_int(batch << 2, pcp->high);
	}

	if (high_min == high_max)
		return high;

	if (unlikely(z->flags & ZONE_BELOW_HIGH)) {
		int free_count = max_int(pcp->free_count, batch);
		pcp->high = max_int(high - free_count, high_min);
		high = max_int(pcp->count, high_min);
	} else if (pcp->count >= high) {
		int need_high = pcp->free_count + batch;
		if (pcp->high < need_high)
			pcp->high = clamp_int(need_high, high_min, high_max);
	}
	return high;
}

/* nr_pcp_free(): how many pages to give back once count reaches high. */
static int nr_pcp_free(struct frag_mem *mem, const struct frag_pcp *pcp, int batch, int high, bool free_high)
{
	if (unlikely(free_high))
		return min_int(pcp->count, batch << SCALE_MAX(mem));
	if (unlikely(high < batch))
		return 1;
	return clamp_int(pcp->free_count, batch, high - batch);
}

/**
 * free_frozen_page_commit() - put a freed block at the head of this CPU's
 * (order, mt) list; if the count reaches the effective high, return
 * nr_pcp_free() pages in one free_pcppages_bulk() (the 6.18 form) and, if the
 * zone is back above its high watermark, clear ZONE_BELOW_HIGH.
 * High-order (1-3) frees in a row with a large free_count set "free_high",
 * which drains aggressively.
 */
void free_frozen_page_commit(struct frag_mem *mem, struct frag_zone *z, unsigned cpu, uint64_t pfn,
			     unsigned order, int mt)
{
	unsigned pindex = order_to_pindex(mt, order);
	int batch, high;
	bool free_high = false;
	int to = mem->policy->pcp_free ? mem->policy->pcp_free(mem, mem->policy_priv, z, cpu, pfn, order, mt) : -1;
	struct frag_pcp *pcp = zone_pcp(z, to >= 0 ? (unsigned)to : cpu);

	pcp->alloc_factor >>= 1;
	if (to < 0)
		__pcp_list_add(z, pcp, pindex, pfn_to_idx(z, pfn), order, mt, cpu, false);
	pcp->count += 1 << order;

	batch = pcp->batch;
	if (order && order <= PAGE_ALLOC_COSTLY_ORDER) {
		free_high = (pcp->free_count >= (batch + pcp->high_min / 2) &&
			     (pcp->flags & PCPF_PREV_FREE_HIGH_ORDER) &&
			     (!(pcp->flags & PCPF_FREE_HIGH_BATCH) || pcp->count >= batch));
		pcp->flags |= PCPF_PREV_FREE_HIGH_ORDER;
	} else if (pcp->flags & PCPF_PREV_FREE_HIGH_ORDER) {
		pcp->flags &= (uint8_t)~PCPF_PREV_FREE_HIGH_ORDER;
	}
	if (pcp->free_count < (batch << SCALE_MAX(mem)))
		pcp->free_count += 1 << order;

	high = nr_pcp_high(mem, pcp, z, batch, free_high);
	if (pcp->count < high)
		return;

	free_pcppages_bulk(mem, z, pcp, nr_pcp_free(mem, pcp, batch, high, free_high), (int)pindex);
	if ((z->flags & ZONE_BELOW_HIGH) &&
	    zone_watermark_ok(mem, z, 0, high_wmark_pages(z), ZONE_MOVABLE, 0)) {
		struct frag_node *node = &mem->nodes[z->nid];

		z->flags &= ~ZONE_BELOW_HIGH;
		/* A "hopeless" node gets another chance only when another memory node
		 * follows it (next_memory_node(nid) < MAX_NUMNODES); every modelled
		 * node has memory. */
		if (node->kswapd_failures >= MAX_RECLAIM_RETRIES && z->nid + 1 < mem->nr_nodes)
			node->kswapd_failures = 0;
	}
}

/**
 * decay_pcp_high() - vmstat's periodic tuning (every second): high decays by
 * 1/8 toward high_min (and to at most count - batch << SCALE_MAX); anything
 * above the new high is freed.
 */
static void decay_pcp_high(struct frag_mem *mem, struct frag_zone *z, struct frag_pcp *pcp)
{
	int high_min = pcp->high_min;
	int batch = pcp->batch;

	if (pcp->high > high_min) {
		int h = max_int(pcp->count - (batch << SCALE_MAX(mem)), pcp->high - (pcp->high >> 3));
		pcp->high = max_int(h, high_min);
	}
	int to_drain = pcp->count - pcp->high;
	if (to_drain > 0)
		free_pcppages_bulk(mem, z, pcp, to_drain, 0);
}

void frag_pcp_decay_cpu(struct frag_mem *mem, unsigned cpu)
{
	if (cpu >= mem->nr_cpus)
		return;
	for (unsigned zi = 0; zi < mem->nr_zones; zi++)
		decay_pcp_high(mem, &mem->zones[zi], zone_pcp(&mem->zones[zi], cpu));
	frag_maybe_check(mem);
}

void frag_pcp_decay(struct frag_mem *mem)
{
	for (unsigned zi = 0; zi < mem->nr_zones; zi++)
		for (unsigned cpu = 0; cpu < mem->nr_cpus; cpu++)
			decay_pcp_high(mem, &mem->zones[zi], zone_pcp(&mem->zones[zi], cpu));
	frag_maybe_check(mem);
}

/* drain_pages_zone(): empty one CPU's lists, batch << SCALE_MAX pages at a time. */
void drain_pages_zone(struct frag_mem *mem, struct frag_zone *z, unsigned cpu)
{
	struct frag_pcp *pcp = zone_pcp(z, cpu);

	while (pcp->count) {
		int n = min_int(pcp->count, pcp->batch << SCALE_MAX(mem));
		free_pcppages_bulk(mem, z, pcp, n, 0);
	}
}

/* drain_all_pages() */
void frag_drain_all_pages(struct frag_mem *mem, int zone_id)
{
	frag_count(mem, FRAG_STAT_drain_all_pages, 1);
	for (unsigned zi = 0; zi < mem->nr_zones; zi++) {
		if (zone_id >= 0 && (unsigned)zone_id != zi)
			continue;
		for (unsigned cpu = 0; cpu < mem->nr_cpus; cpu++)
			drain_pages_zone(mem, &mem->zones[zi], cpu);
	}
	frag_maybe_check(mem);
}
