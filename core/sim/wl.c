/* SPDX-License-Identifier: MIT */
/*
 * wl.c - the helpers workloads use (frag/workload.h): allocation and free
 * with simulated cost and latency, time, random streams, counters.
 *
 * Cost of an allocation (docs/costs.md): alloc_base, plus zone_lock per
 * zone->lock acquisition, pcp_refill_page per page moved to a PCP list,
 * pcp_drain_page per page moved back, fallback per migratetype fallback,
 * slowpath when the slowpath was entered, and for direct compaction
 * compact_scan_page per pfn scanned, isolate_page per page isolated and
 * migrate_page per page migrated; a contiguous allocation adds
 * isolate_pageblock per pageblock isolated (its isolated and migrated pages
 * are priced by isolate_page and migrate_page like compaction's); all read
 * as deltas of the model's own counters around the call, so the cost
 * follows what the kernel did. The compaction part (without a contiguous
 * allocation's own isolation and migration) is also added to the model's
 * compact_ns counter. When direct reclaim ran, its work is priced too
 * (reclaim_scan_page x pages scanned, reclaim_page x pages reclaimed,
 * swap_out_page x pages swapped, shrink_object x slab objects scanned) and
 * added to reclaim_ns.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_internal.h"

const void *frag_wl_opts(const struct frag_wl *wl)
{
	return wl->spec->opts;
}

void *frag_wl_priv(struct frag_wl *wl)
{
	return wl->priv;
}

void *frag_wl_cpu_priv(struct frag_wl *wl, unsigned slot)
{
	return wl->cpu_priv + (size_t)slot * wl->ops->cpu_priv_size;
}

const char *frag_wl_name(const struct frag_wl *wl)
{
	return wl->spec->name;
}

unsigned frag_wl_nr_slots(const struct frag_wl *wl)
{
	return wl->nr_slots;
}

unsigned frag_wl_cpu(const struct frag_wl *wl, unsigned slot)
{
	return wl->spec->cpus[slot];
}

uint32_t frag_wl_id(const struct frag_wl *wl)
{
	return wl->index + 1;
}

struct frag_rng *frag_wl_rng(struct frag_wl *wl, unsigned slot)
{
	return &wl->rng[slot];
}

const struct frag_thp_settings *frag_wl_thp(const struct frag_wl *wl)
{
	return &wl->sim->sc->thp;
}

uint64_t frag_wl_stop_time(const struct frag_wl *wl)
{
	return wl->spec->stop < wl->sim->end ? wl->spec->stop : wl->sim->end;
}

uint64_t frag_wl_managed_pages(const struct frag_wl *wl)
{
	return frag_total_managed_pages(wl->sim->mem);
}

unsigned frag_wl_nr_machine_cpus(const struct frag_wl *wl)
{
	return wl->sim->nr_cpus;
}

int frag_wl_error(struct frag_wl *wl, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	free(wl->error);
	wl->error = strdup(buf);
	return -22;   /* -EINVAL */
}

static inline struct sim_cpu *slot_cpu(struct frag_wl *wl, unsigned slot)
{
	return &wl->sim->cpus[wl->spec->cpus[slot]];
}

uint64_t frag_wl_now(const struct frag_wl *wl, unsigned slot)
{
	return wl->sim->cpus[wl->spec->cpus[slot]].now;
}

void frag_wl_at(struct frag_wl *wl, unsigned slot, uint64_t t)
{
	struct sim *s = wl->sim;
	struct sim_cpu *c = slot_cpu(wl, slot);
	if (c->now < t)
		c->now = t;
	/*
	 * engine.max_events: every event a workload handles counts, also the
	 * ones that allocate nothing (an arrival dropped at max_procs, a packet
	 * dropped): a storm of them is bounded although max_ops never moves.
	 */
	if (++s->c.wl_events == s->sc->run.max_events && s->sc->run.max_events) {
		s->op_limit = true;
		s->event_limit = true;
	}
}

bool frag_wl_stopped(const struct frag_wl *wl)
{
	const struct sim *s = wl->sim;
	return sim_stopping(s);
}

void frag_wl_spend(struct frag_wl *wl, unsigned slot, uint64_t ns)
{
	struct sim_cpu *c = slot_cpu(wl, slot);
	c->now += ns;
	c->busy_ns += ns;
}

static inline void snap(const uint64_t *st, struct cost_snap *cs)
{
	cs->zone_lock = st[FRAG_STAT_zone_lock];
	cs->refill = st[FRAG_STAT_pcp_refill_pages];
	cs->drain = st[FRAG_STAT_pcp_drain_pages];
	cs->extfrag = st[FRAG_STAT_extfrag];
	cs->slowpath = st[FRAG_STAT_alloc_slowpath];
	cs->compact_scanned = st[FRAG_STAT_compact_migrate_scanned] + st[FRAG_STAT_compact_free_scanned];
	cs->compact_isolated = st[FRAG_STAT_compact_isolated];
	cs->migrated = st[FRAG_STAT_pgmigrate_success];
	cs->compact_drain = st[FRAG_STAT_compact_drain];
	cs->compact_drain_pages = st[FRAG_STAT_compact_drain_pages];
	cs->contig_pageblocks = st[FRAG_STAT_contig_isolated_pageblocks];
	cs->contig_isolated = st[FRAG_STAT_contig_isolated_pages];
	cs->contig_migrated = st[FRAG_STAT_contig_migrated_pages];
	cs->scan = st[FRAG_STAT_pgscan_direct];
	cs->steal = st[FRAG_STAT_pgsteal_direct];
	cs->swap = st[FRAG_STAT_pswpout];
	cs->slab = st[FRAG_STAT_slabs_scanned];
}

/*
 * The priced counters before a model call: the engine's copy, taken again
 * only when the model's priced generation moved since (frag_priced_gen():
 * most allocations and frees touch no priced counter, so pricing them costs
 * one comparison instead of two snapshots). The copy stays valid through
 * the call because nothing inside a model call prices another one: the
 * workload callbacks the model makes (reclaim, shrinkers) free through
 * frag_wl_free_reclaimed(); a nested call fails the run (s->pricing).
 */
static inline const struct cost_snap *snap_before(struct sim *s, uint64_t gen)
{
	if (__builtin_expect(s->pricing, 0) && !s->fail[0])
		snprintf(s->fail, sizeof s->fail,
			 "frag_wl_alloc() or frag_wl_free() called from inside an allocation or a free "
			 "(a workload callback must use frag_wl_free_reclaimed())");
	s->pricing = true;
	if (gen != s->priced_gen) {
		snap(s->stats, &s->priced);
		s->priced_gen = gen;
	}
	return &s->priced;
}

/*
 * After the call: the counters now into *@b and the engine's copy. With
 * consistency checks on, a call that left the generation alone is checked
 * to have left every priced counter alone too (a counter missing from
 * FRAG_STAT_PRICED_LIST would otherwise go unpriced): the run fails.
 */
static inline bool snap_after(struct sim *s, uint64_t gen_before, struct cost_snap *b)
{
	uint64_t gen = frag_priced_gen(s->mem);
	s->pricing = false;
	if (gen == gen_before) {
		if (__builtin_expect(s->opts->check_every != 0, 0)) {
			snap(s->stats, b);
			if (memcmp(b, &s->priced, sizeof(*b)) && !s->fail[0])
				snprintf(s->fail, sizeof s->fail,
					 "a priced model counter changed without advancing frag_priced_gen() "
					 "(FRAG_STAT_PRICED_LIST in stat_list.h is incomplete)");
		}
		return false;
	}
	snap(s->stats, b);
	return true;
}

/* The slow path's bookkeeping: *@b becomes the engine's copy. */
static inline void snap_keep(struct sim *s, const struct cost_snap *b)
{
	s->priced = *b;
	s->priced_gen = frag_priced_gen(s->mem);
}

/* The compaction terms: scanning, isolating, migrating, and the fixed part
 * of each PCP drain compaction caused (the drained pages are priced with
 * pcp_drain_page: by priced() inside an allocation, by
 * sim_compaction_cost() for kcompactd). */
static inline uint64_t priced_compaction(const struct frag_costs *k, const struct cost_snap *a,
					 const struct cost_snap *b)
{
	return (b->compact_scanned - a->compact_scanned) * k->compact_scan_page +
	       (b->compact_isolated - a->compact_isolated) * k->isolate_page +
	       (b->migrated - a->migrated) * k->migrate_page +
	       (b->compact_drain - a->compact_drain) * k->compact_drain;
}

/* A contiguous allocation's own isolation and migration (also inside
 * priced_compaction(): they are counted in compact_isolated and
 * pgmigrate_success as the kernel counts them). */
static inline uint64_t priced_contig_pages(const struct frag_costs *k, const struct cost_snap *a,
					   const struct cost_snap *b)
{
	return (b->contig_isolated - a->contig_isolated) * k->isolate_page +
	       (b->contig_migrated - a->contig_migrated) * k->migrate_page;
}

static inline uint64_t priced(const struct frag_costs *k, const struct cost_snap *a, const struct cost_snap *b)
{
	return (b->zone_lock - a->zone_lock) * k->zone_lock + (b->refill - a->refill) * k->pcp_refill_page +
	       (b->drain - a->drain) * k->pcp_drain_page + (b->extfrag - a->extfrag) * k->fallback +
	       (b->slowpath - a->slowpath) * k->slowpath + priced_compaction(k, a, b) +
	       (b->contig_pageblocks - a->contig_pageblocks) * k->isolate_pageblock;
}

/* Price what kcompactd did between two snapshots of the model counters
 * (actors.c); also the per-page compaction cost of an allocation. */
uint64_t sim_compaction_cost(const struct sim *s, const uint64_t *before)
{
	struct cost_snap a = {
		.compact_scanned = before[FRAG_STAT_compact_migrate_scanned] + before[FRAG_STAT_compact_free_scanned],
		.compact_isolated = before[FRAG_STAT_compact_isolated],
		.migrated = before[FRAG_STAT_pgmigrate_success],
		.compact_drain = before[FRAG_STAT_compact_drain],
		.compact_drain_pages = before[FRAG_STAT_compact_drain_pages],
	}, b;
	snap(s->stats, &b);
	return priced_compaction(&s->costs, &a, &b) +
	       (b.compact_drain_pages - a.compact_drain_pages) * s->costs.pcp_drain_page;
}

/*
 * A failed allocation as an event: outcome "warn" where the kernel's
 * warn_alloc() would print "page allocation failure" (no __GFP_NOWARN),
 * "nowarn" for the opportunistic tries that expect to fail (THP, slab's
 * higher order, kvmalloc's contiguous try); value = the time it took (ns).
 */
static void record_alloc_fail(struct frag_wl *wl, struct sim_cpu *c, unsigned order, gfp_t gfp, uint64_t cost)
{
	char detail[192];
	snprintf(detail, sizeof detail, "{\"workload\": \"%s\", \"gfp\": %u}", wl->spec->name, (unsigned)gfp);
	struct frag_event_rec ev = {
		.t_ns = c->now,
		.type = "alloc_fail",
		.cpu = (int)c->id,
		.nid = (int)c->nid,
		.pfn = FRAG_PFN_NONE,
		.order = (int)order,
		.value = (int64_t)cost,
		.outcome = (gfp & __GFP_NOWARN) ? "nowarn" : "warn",
		.detail = detail,
	};
	sim_sink_event(wl->sim, &ev);
}

/*
 * Every alloc_contig_pages() attempt as an event "contig_alloc": pfn and
 * order of the block (FRAG_PFN_NONE if none), value = its simulated latency
 * (ns), outcome = frag_contig_reason_name() ("ok", "unmovable", "reserved",
 * "pinned", "nomem", ...), detail = the workload and what the attempt did
 * (frag_contig_result_fields()). The latency also goes to contig_alloc_ns.
 */
static void record_contig(struct frag_wl *wl, struct sim_cpu *c, unsigned order, uint64_t cost,
			  const struct frag_contig_result *r)
{
	char fields[768], detail[900];
	frag_contig_result_fields(fields, sizeof fields, r);
	snprintf(detail, sizeof detail, "{\"workload\": \"%s\", %s}", wl->spec->name, fields);
	struct frag_event_rec ev = {
		.t_ns = c->now,
		.type = "contig_alloc",
		.cpu = (int)c->id,
		.nid = (int)c->nid,
		.pfn = r->pfn,
		.order = (int)order,
		.value = (int64_t)cost,
		.outcome = frag_contig_reason_name(r->reason),
		.detail = detail,
	};
	frag_vm_event(wl->sim->mem, FRAG_STAT_contig_alloc_ns, cost);
	sim_sink_event(wl->sim, &ev);
}

static uint64_t wl_alloc(struct frag_wl *wl, unsigned slot, unsigned order, gfp_t gfp, uint32_t cookie, uint8_t kind,
			 uint8_t flags, bool contig, int nid, struct frag_contig_result *res)
{
	struct sim *s = wl->sim;
	struct sim_cpu *c = slot_cpu(wl, slot);
	struct frag_owner owner = { .id = frag_wl_id(wl), .cookie = cookie, .kind = kind, .flags = flags };
	struct cost_snap b;
	struct frag_contig_result local;
	uint64_t pfn;

	if (!res)
		res = &local;
	if (s->sc->run.max_ops && s->c.allocs + s->c.frees >= s->sc->run.max_ops) {
		/* engine.max_ops reached inside a step: the allocation fails without touching the model
		 * (a hard bound on model operations; the CPUs stop at their batch boundaries). */
		s->op_limit = true;
		*res = (struct frag_contig_result){ .pfn = FRAG_PFN_NONE, .reason = CONTIG_REFUSED, .err = -ENOMEM,
						     .window = FRAG_PFN_NONE, .blocker_pfn = FRAG_PFN_NONE,
						     .blocker_kind = -1 };
		return FRAG_PFN_NONE;
	}
	uint64_t gen = frag_priced_gen(s->mem);
	const struct cost_snap *a = snap_before(s, gen);
	if (!contig)
		pfn = frag_alloc_pages_node(s->mem, c->id, nid, order, gfp, &owner);
	else
		pfn = frag_alloc_contig_pages_res(s->mem, c->id, order, gfp, &owner, nid, res);

	uint64_t cost = s->costs.alloc_base;
	bool slowpath = false;
	if (snap_after(s, gen, &b)) {
		slowpath = b.slowpath != a->slowpath;
		cost += priced(&s->costs, a, &b);
		if (b.compact_scanned != a->compact_scanned)
			frag_vm_event(s->mem, FRAG_STAT_compact_ns,
				      priced_compaction(&s->costs, a, &b) - priced_contig_pages(&s->costs, a, &b));
		if (b.scan != a->scan || b.slab != a->slab) {
			/* Direct reclaim ran in this allocation: its work is the allocating CPU's. */
			uint64_t reclaim = sim_reclaim_cost(&s->costs, b.scan - a->scan, b.steal - a->steal,
							    b.swap - a->swap, b.slab - a->slab);
			cost += reclaim;
			frag_vm_event(s->mem, FRAG_STAT_reclaim_ns, reclaim);
		}
		snap_keep(s, &b);
	}
	if ((gfp & __GFP_ZERO) && pfn != FRAG_PFN_NONE)
		cost += s->costs.clear_page << order;
	c->now += cost;
	c->busy_ns += cost;
	s->c.allocs++;
	if (pfn == FRAG_PFN_NONE) {
		s->c.alloc_failures++;
		if (s->c.alloc_failures <= s->sc->run.alloc_fail_events)
			record_alloc_fail(wl, c, order, gfp, cost);
	}
	hist_add(&s->lat_alloc, cost);
	if (slowpath)
		hist_add(&s->lat_stall, cost);
	if (contig)
		record_contig(wl, c, order, cost, res);
	return pfn;
}

uint64_t frag_wl_alloc(struct frag_wl *wl, unsigned slot, unsigned order, gfp_t gfp, uint32_t cookie, uint8_t kind,
		       uint8_t flags)
{
	return wl_alloc(wl, slot, order, gfp, cookie, kind, flags, order > MAX_PAGE_ORDER, -1, NULL);
}

uint64_t frag_wl_alloc_node(struct frag_wl *wl, unsigned slot, int nid, unsigned order, gfp_t gfp, uint32_t cookie,
			    uint8_t kind, uint8_t flags)
{
	return wl_alloc(wl, slot, order, gfp, cookie, kind, flags, order > MAX_PAGE_ORDER, nid, NULL);
}

uint64_t frag_wl_alloc_contig(struct frag_wl *wl, unsigned slot, unsigned order, gfp_t gfp, uint32_t cookie,
			      uint8_t kind, uint8_t flags, int nid, struct frag_contig_result *res)
{
	return wl_alloc(wl, slot, order, gfp, cookie, kind, flags, true, nid, res);
}

void frag_wl_free(struct frag_wl *wl, unsigned slot, uint64_t pfn, unsigned order)
{
	struct sim *s = wl->sim;
	struct sim_cpu *c = slot_cpu(wl, slot);
	struct cost_snap b;

	uint64_t gen = frag_priced_gen(s->mem);
	const struct cost_snap *a = snap_before(s, gen);
	if (frag_free_pages(s->mem, c->id, pfn, order)) {
		s->pricing = false;
		snprintf(s->fail, sizeof s->fail, "workload %s freed pfn %#llx order %u, which it does not hold",
			 wl->spec->name, (unsigned long long)pfn, order);
		return;
	}
	uint64_t cost = s->costs.free_base;
	if (snap_after(s, gen, &b)) {
		cost += priced(&s->costs, a, &b);
		snap_keep(s, &b);
	}
	c->now += cost;
	c->busy_ns += cost;
	s->c.frees++;
}

/* A block freed by reclaim: on the reclaiming CPU, priced as part of the reclaim. */
void frag_wl_free_reclaimed(struct frag_wl *wl, uint64_t pfn, unsigned order)
{
	struct sim *s = wl->sim;

	if (frag_free_pages(s->mem, s->reclaim_cpu, pfn, order)) {
		snprintf(s->fail, sizeof s->fail, "workload %s reclaimed pfn %#llx order %u, which it does not hold",
			 wl->spec->name, (unsigned long long)pfn, order);
		return;
	}
	s->c.frees++;
}

int frag_wl_swap_alloc(struct frag_wl *wl, uint64_t nr)
{
	return frag_swap_alloc(wl->sim->mem, nr);
}

int frag_wl_swap_free(struct frag_wl *wl, uint64_t nr)
{
	return frag_swap_free(wl->sim->mem, nr);
}

unsigned frag_wl_nr_nodes(const struct frag_wl *wl)
{
	return wl->sim->nr_nodes;
}

void frag_wl_prefetch(const struct frag_wl *wl, uint64_t pfn)
{
	frag_prefetch_page(wl->sim->mem, pfn);
}

void frag_wl_set_owner_table(struct frag_wl *wl, void *const *base, size_t stride)
{
	wl->owner_table = base;
	wl->owner_stride = stride;
}

unsigned frag_wl_pfn_nid(const struct frag_wl *wl, uint64_t pfn)
{
	/* One node: every answer is 0, without the zone map lookup (a cache miss on
	 * large machines, on every anon fault and exit). */
	if (wl->sim->nr_nodes == 1)
		return 0;
	int nid = frag_pfn_nid(wl->sim->mem, pfn);
	return nid < 0 ? 0 : (unsigned)nid;
}

void frag_wl_event(struct frag_wl *wl, unsigned slot, const char *type, uint64_t pfn, int order, int64_t value,
		   const char *outcome)
{
	frag_wl_event_detail(wl, slot, type, pfn, order, value, outcome, NULL);
}

void frag_wl_event_detail(struct frag_wl *wl, unsigned slot, const char *type, uint64_t pfn, int order,
			  int64_t value, const char *outcome, const char *fields)
{
	struct sim *s = wl->sim;
	struct sim_cpu *c = slot_cpu(wl, slot);
	char detail[1024];
	snprintf(detail, sizeof detail, "{\"workload\": \"%s\"%s%s}", wl->spec->name, fields && *fields ? ", " : "",
		 fields ? fields : "");
	struct frag_event_rec ev = {
		.t_ns = c->now,
		.type = type,
		.cpu = (int)c->id,
		.nid = (int)c->nid,
		.pfn = pfn,
		.order = order,
		.value = value,
		.outcome = outcome,
		.detail = detail,
	};
	sim_sink_event(s, &ev);
}

void frag_wl_vm_event(struct frag_wl *wl, enum frag_stat stat, uint64_t n)
{
	frag_vm_event(wl->sim->mem, stat, n);
	frag_wl_count(wl, frag_stat_desc[stat].name, n);
}

void frag_wl_count(struct frag_wl *wl, const char *name, uint64_t n)
{
	for (unsigned i = 0; i < wl->nr_counters; i++)
		if (wl->counters[i].name == name || !strcmp(wl->counters[i].name, name)) {
			wl->counters[i].value += n;
			return;
		}
	if (wl->nr_counters < sizeof wl->counters / sizeof wl->counters[0])
		wl->counters[wl->nr_counters++] = (struct wl_counter){ name, n };
}
