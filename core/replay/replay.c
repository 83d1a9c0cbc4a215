/* SPDX-License-Identifier: MIT */
/*
 * replay.c - replay a real kernel's page allocation stream against the model
 * (frag/replay.h, docs/replay.md).
 *
 * The map from trace blocks to model blocks: a slot per live traced
 * allocation {trace pfn, model pfn, order, pages freed so far}, found by
 * trace pfn in an open-addressing hash (linear probing, backward-shift
 * deletion; no tombstones, so lookups stay short). The slot index is the
 * model block's owner cookie: when compaction migrates the block
 * (env.migrate_folio) the slot's model pfn follows it.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "frag/replay.h"
#include "frag/snapshot.h"
#include "frag/stat_list.h"
#include "frag/vmstat.h"
#include "frag/workload.h"

const char *const frag_replay_counter_names[NR_REPLAY_COUNTERS] = {
#define RC_NAME(name, help) #name,
	FRAG_REPLAY_COUNTERS(RC_NAME)
#undef RC_NAME
};

const char *const frag_replay_counter_help[NR_REPLAY_COUNTERS] = {
#define RC_HELP(name, help) help,
	FRAG_REPLAY_COUNTERS(RC_HELP)
#undef RC_HELP
};

#define NS_PER_SEC 1000000000ull
#define VMSTAT_INTERVAL_NS NS_PER_SEC   /* vmstat_update(): sysctl_stat_interval = HZ */

struct slot {
	uint64_t trace_pfn;     /* key */
	uint64_t model_pfn;     /* FRAG_PFN_NONE: the replayed allocation failed */
	uint32_t freed;         /* pages freed by partial frees */
	uint8_t order;
	uint32_t next_free;     /* free-list link when unused */
};

/* A cell of the map: the key and slot + 1 (0 = empty). */
struct map_cell {
	uint64_t pfn;
	uint32_t v;
};

struct replay {
	const struct frag_replay_opts *o;
	struct frag_replay_result *res;
	struct frag_mem *mem;
	unsigned nr_cpus, nr_nodes;
	/* the map */
	struct slot *slots;
	uint32_t nr_slots, cap_slots, free_head;
	struct map_cell *hash;   /* open addressing by trace pfn */
	uint64_t live_order[NR_PAGE_ORDERS];   /* live slots by order: a free skips orders with none */
	uint64_t hash_mask;
	uint64_t nr_live;
	/* time */
	bool started;
	uint64_t t0, now;
	uint64_t next_vmstat, next_epoch;
	uint64_t *next_proactive;   /* per node; FRAG_TIME_NEVER when proactive compaction is off */
	uint64_t *next_policyd;     /* per node */
	bool *kswapd_pending, *kcompactd_pending, *policyd_pending;
	bool any_pending;
	struct frag_kswapd *kswapd;
	/* sinks */
	void *sink_h[FRAG_SIM_MAX_SINKS];
	unsigned nr_sinks_open;
	struct frag_run_info ri;
	struct frag_zone_desc *zones;
	const char **counter_names, **counter_units;
	uint64_t *ep_counters;
	uint32_t *ep_free_blocks;
	uint8_t *ep_pb;
	uint32_t *ep_spb;
	char fail[256];
	bool interrupted;
};

static double clock_now(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* ---------------------------------------------------------------------- */
/* The map                                                                */
/* ---------------------------------------------------------------------- */

static inline uint64_t hash_pfn(uint64_t pfn)
{
	pfn ^= pfn >> 33;
	pfn *= 0xff51afd7ed558ccdull;
	pfn ^= pfn >> 33;
	return pfn;
}

static int map_grow(struct replay *r)
{
	uint64_t ncap = r->hash_mask ? (r->hash_mask + 1) * 2 : 1u << 16;
	struct map_cell *nh = calloc(ncap, sizeof(*nh));
	if (!nh)
		return -ENOMEM;
	for (uint64_t i = 0; r->hash && i <= r->hash_mask; i++) {
		struct map_cell x = r->hash[i];
		if (!x.v)
			continue;
		uint64_t h = hash_pfn(x.pfn) & (ncap - 1);
		while (nh[h].v)
			h = (h + 1) & (ncap - 1);
		nh[h] = x;
	}
	free(r->hash);
	r->hash = nh;
	r->hash_mask = ncap - 1;
	return 0;
}

/* The hash position of @pfn's slot, or of the empty cell where it would go.
 * The key is in the cell: a probe reads consecutive cells, not the slots. */
static inline uint64_t map_pos(const struct replay *r, uint64_t pfn)
{
	uint64_t h = hash_pfn(pfn) & r->hash_mask;
	for (;;) {
		const struct map_cell *x = &r->hash[h];
		if (!x->v || x->pfn == pfn)
			return h;
		h = (h + 1) & r->hash_mask;
	}
}

static inline struct slot *map_find(const struct replay *r, uint64_t pfn, uint32_t *idx)
{
	uint32_t v = r->hash[map_pos(r, pfn)].v;
	if (!v)
		return NULL;
	*idx = v - 1;
	return &r->slots[v - 1];
}

static int map_insert(struct replay *r, uint64_t pfn, uint32_t *idx)
{
	if ((r->nr_live + 1) * 2 > r->hash_mask + 1 && map_grow(r))
		return -ENOMEM;
	uint32_t i;
	if (r->free_head != UINT32_MAX) {
		i = r->free_head;
		r->free_head = r->slots[i].next_free;
	} else {
		if (r->nr_slots == r->cap_slots) {
			uint32_t nc = r->cap_slots ? r->cap_slots * 2 : 1u << 15;
			struct slot *ns = realloc(r->slots, (size_t)nc * sizeof(*ns));
			if (!ns)
				return -ENOMEM;
			r->slots = ns;
			r->cap_slots = nc;
		}
		i = r->nr_slots++;
	}
	r->slots[i] = (struct slot){ .trace_pfn = pfn, .model_pfn = FRAG_PFN_NONE, .next_free = UINT32_MAX };
	r->hash[map_pos(r, pfn)] = (struct map_cell){ .pfn = pfn, .v = i + 1 };
	r->nr_live++;
	*idx = i;
	return 0;
}

/* Remove slot @idx (Knuth's algorithm R: backward-shift deletion for linear probing). */
static void map_remove(struct replay *r, uint32_t idx)
{
	uint64_t h = map_pos(r, r->slots[idx].trace_pfn);
	r->hash[h].v = 0;
	uint64_t j = h;
	for (;;) {
		j = (j + 1) & r->hash_mask;
		struct map_cell x = r->hash[j];
		if (!x.v)
			break;
		uint64_t k = hash_pfn(x.pfn) & r->hash_mask;
		/* move x to h unless its home k lies cyclically in (h, j] */
		if ((h <= j) ? (h < k && k <= j) : (h < k || k <= j))
			continue;
		r->hash[h] = x;
		r->hash[j].v = 0;
		h = j;
	}
	r->slots[idx].next_free = r->free_head;
	r->free_head = idx;
	r->nr_live--;
}

/* ---------------------------------------------------------------------- */
/* Environment                                                            */
/* ---------------------------------------------------------------------- */

static uint64_t env_now(void *arg)
{
	return ((struct replay *)arg)->now;
}

static void env_wakeup_kswapd(void *arg, unsigned nid, unsigned order, enum zone_type zidx)
{
	struct replay *r = arg;
	(void)order;
	(void)zidx;
	if (nid < r->nr_nodes) {
		r->kswapd_pending[nid] = true;
		r->any_pending = true;
	}
}

static void env_wakeup_kcompactd(void *arg, unsigned nid, unsigned order, enum zone_type zidx)
{
	struct replay *r = arg;
	(void)order;
	(void)zidx;
	if (nid < r->nr_nodes) {
		r->kcompactd_pending[nid] = true;
		r->any_pending = true;
	}
}

static void env_wakeup_policyd(void *arg, unsigned nid)
{
	struct replay *r = arg;
	if (nid < r->nr_nodes) {
		r->policyd_pending[nid] = true;
		r->any_pending = true;
	}
}

static void env_trace(void *arg, const struct frag_trace_event *ev)
{
	struct replay *r = arg;
	if (ev->id != TRACE_EXTFRAG)
		return;
	const struct frag_ev_extfrag *x = &ev->extfrag;
	if (x->fallback_migratetype >= 0 && x->fallback_migratetype < MIGRATE_TYPES && x->alloc_migratetype >= 0 &&
	    x->alloc_migratetype < MIGRATE_TYPES)
		r->res->extfrag_model[x->fallback_migratetype][x->alloc_migratetype]++;
	r->res->claim_model += x->change_ownership;
}

/* migrate_folio(): compaction moved a block; a replayed one's slot follows it. */
static bool env_migrate_folio(void *arg, const struct frag_owner *owner, uint64_t old_pfn, uint64_t new_pfn,
			      unsigned order)
{
	struct replay *r = arg;
	(void)order;
	if (owner->id == FRAG_OWNER_SNAPSHOT)
		return true;
	if (owner->id != FRAG_OWNER_REPLAY || owner->cookie >= r->nr_slots ||
	    r->slots[owner->cookie].model_pfn != old_pfn)
		return false;
	r->slots[owner->cookie].model_pfn = new_pfn;
	return true;
}

/* ---------------------------------------------------------------------- */
/* Daemons and time                                                       */
/* ---------------------------------------------------------------------- */

static void run_daemons(struct replay *r)
{
	r->any_pending = false;
	for (unsigned n = 0; n < r->nr_nodes; n++) {
		if (r->kswapd_pending[n]) {
			/* kswapd(): one balance_pgdat() per wake-up, at once. */
			r->kswapd_pending[n] = false;
			frag_node_set_kswapd_active(r->mem, n, true);
			frag_kswapd_run(r->mem, n, &r->kswapd[n]);
			frag_node_set_kswapd_active(r->mem, n, false);
		}
		if (r->kcompactd_pending[n]) {
			unsigned order;
			enum zone_type highest;
			r->kcompactd_pending[n] = false;
			if (frag_kcompactd_work_requested(r->mem, n, &order, &highest))
				frag_kcompactd_do_work(r->mem, n, order, highest);
		}
		if (r->policyd_pending[n]) {
			r->policyd_pending[n] = false;
			uint64_t d = frag_policy_daemon_run(r->mem, n, r->now);
			r->next_policyd[n] = d ? r->now + d : FRAG_TIME_NEVER;
		}
	}
}

static void fill_counters(struct replay *r, uint64_t *out)
{
	for (int i = 0; i < NR_FRAG_STATS; i++)
		out[i] = frag_stat_get(r->mem, (enum frag_stat)i);
	for (int i = 0; i < NR_REPLAY_COUNTERS; i++)
		out[NR_FRAG_STATS + i] = r->res->c[i];
}

static void collect_epoch(struct replay *r, uint64_t t)
{
	if (!r->nr_sinks_open)
		return;
	r->res->c[RC_replay_live_blocks] = r->nr_live;
	fill_counters(r, r->ep_counters);
	frag_snapshot_free_blocks(r->mem, r->ep_free_blocks);
	frag_snapshot_pageblocks(r->mem, r->ep_pb);
	frag_snapshot_spbs(r->mem, r->ep_spb);
	struct frag_epoch e = { .t_ns = t, .counters = r->ep_counters, .free_blocks = r->ep_free_blocks,
				.pb_type = r->ep_pb, .spb = r->ep_spb };
	for (unsigned i = 0; i < r->nr_sinks_open; i++) {
		const struct frag_sink_ops *ops = r->o->sinks[i].ops;
		if (ops->epoch && ops->epoch(r->sink_h[i], &e) && !r->fail[0])
			snprintf(r->fail, sizeof r->fail, "%s:%s: %s", ops->scheme, r->o->sinks[i].path,
				 ops->last_error ? ops->last_error(r->sink_h[i]) : "could not write an epoch");
	}
}

/* Periodic work due up to model time @t (trace time since the first event). */
static void advance(struct replay *r, uint64_t t)
{
	while (r->next_epoch <= t) {
		r->now = r->next_epoch;
		collect_epoch(r, r->now);
		r->next_epoch += r->o->sample_period_ns;
	}
	r->now = t;
	while (t >= r->next_vmstat) {
		/* vmstat_update(): decay_pcp_high() on every CPU once a second */
		for (unsigned c = 0; c < r->nr_cpus; c++)
			frag_pcp_decay_cpu(r->mem, c);
		r->next_vmstat += VMSTAT_INTERVAL_NS;
	}
	for (unsigned n = 0; n < r->nr_nodes; n++) {
		if (t >= r->next_proactive[n]) {
			/* kcompactd()'s timeout: proactive compaction (HZ/2, longer after a useless run) */
			uint64_t to = frag_kcompactd_proactive(r->mem, n);
			r->next_proactive[n] = t + (to ? to : FRAG_KCOMPACTD_INTERVAL_NS);
		}
		if (t >= r->next_policyd[n]) {
			uint64_t d = frag_policy_daemon_run(r->mem, n, t);
			r->next_policyd[n] = d ? t + d : FRAG_TIME_NEVER;
		}
	}
}

/* ---------------------------------------------------------------------- */
/* Sinks                                                                  */
/* ---------------------------------------------------------------------- */

static int open_sinks(struct replay *r, char *err, size_t errlen)
{
	const struct frag_replay_opts *o = r->o;
	unsigned nz = frag_nr_zones(r->mem);
	unsigned nc = NR_FRAG_STATS + NR_REPLAY_COUNTERS;
	r->zones = calloc(nz, sizeof(*r->zones));
	r->counter_names = calloc(nc, sizeof(char *));
	r->counter_units = calloc(nc, sizeof(char *));
	r->ep_counters = calloc(nc, sizeof(uint64_t));
	r->ep_free_blocks = calloc((size_t)nz * NR_PAGE_ORDERS * MIGRATE_TYPES, sizeof(uint32_t));
	r->ep_pb = calloc(frag_nr_pageblocks(r->mem) + 1, 1);
	r->ep_spb = calloc((frag_nr_spbs(r->mem) + 1) * FRAG_SPB_NR_FIELDS, sizeof(uint32_t));
	if (!r->zones || !r->counter_names || !r->counter_units || !r->ep_counters || !r->ep_free_blocks ||
	    !r->ep_pb || !r->ep_spb) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	frag_zone_descs(r->mem, r->zones);
	for (int i = 0; i < NR_FRAG_STATS; i++) {
		r->counter_names[i] = frag_stat_desc[i].name;
		r->counter_units[i] = frag_stat_desc[i].unit;
	}
	for (int i = 0; i < NR_REPLAY_COUNTERS; i++) {
		r->counter_names[NR_FRAG_STATS + i] = frag_replay_counter_names[i];
		r->counter_units[NR_FRAG_STATS + i] = "count";
	}
	struct frag_run_info *ri = &r->ri;
	if (!frag_run_info_ident(ri, &o->ident))
		ri->uid[0] = 0;
	ri->scenario_name = o->scenario_name ? o->scenario_name : "replay";
	ri->scenario_path = o->scenario_path ? o->scenario_path : "";
	ri->scenario_hash = o->scenario_hash;
	ri->config_json = o->config_json ? o->config_json : "{}";
	ri->policy = o->policy ? o->policy : "linux";
	ri->seed = o->seed;
	ri->simgrid_version = "none (replay)";
	ri->duration_ns = 0;
	ri->sample_period_ns = o->sample_period_ns;
	ri->nr_zones = nz;
	ri->zones = r->zones;
	ri->nr_pageblocks = frag_nr_pageblocks(r->mem);
	ri->nr_spbs = frag_nr_spbs(r->mem);
	ri->nr_counters = nc;
	ri->counter_names = r->counter_names;
	ri->counter_units = r->counter_units;
	for (unsigned i = 0; i < o->nr_sinks; i++) {
		char e[512] = "";
		int ret = o->sinks[i].ops->open(&r->sink_h[i], o->sinks[i].path, ri, e, sizeof e);
		if (ret) {
			snprintf(err, errlen, "%s:%s: %s", o->sinks[i].ops->scheme, o->sinks[i].path,
				 e[0] ? e : strerror(-ret));
			return ret;
		}
		r->nr_sinks_open = i + 1;
	}
	return 0;
}

static void close_sinks(struct replay *r, const struct frag_run_end *end, char *err, size_t errlen, int *ret)
{
	for (unsigned i = 0; i < r->nr_sinks_open; i++) {
		const struct frag_sink_ops *ops = r->o->sinks[i].ops;
		if (ops->finish && ops->finish(r->sink_h[i], end) && ret && !*ret) {
			snprintf(err, errlen, "%s:%s: %s", ops->scheme, r->o->sinks[i].path,
				 ops->last_error ? ops->last_error(r->sink_h[i]) :
						   "could not record the end of the run");
			*ret = -EIO;
		}
		if (ops->close)
			ops->close(r->sink_h[i]);
	}
	r->nr_sinks_open = 0;
}

/* ---------------------------------------------------------------------- */
/* Events                                                                 */
/* ---------------------------------------------------------------------- */

/* Kind and flags of a replayed block, from its migratetype (what a kernel user of that gfp would be). */
static struct frag_owner owner_of(gfp_t gfp, uint32_t slot)
{
	struct frag_owner ow = { .id = FRAG_OWNER_REPLAY, .cookie = slot };
	switch (gfp_migratetype(gfp, false)) {
	case MIGRATE_MOVABLE:
		ow.kind = KIND_ANON;
		ow.flags = OWNER_LRU;
		break;
	case MIGRATE_RECLAIMABLE:
		ow.kind = KIND_SLAB;
		break;
	default:
		ow.kind = KIND_KERNEL;
		break;
	}
	if (gfp & __GFP_COMP)
		ow.flags |= OWNER_COMPOUND;
	return ow;
}

/* The gfp bits the model knows (frag/gfp.h: bits 0..22). */
#define REPLAY_GFP_MASK ((1u << (___GFP_ACCOUNT_BIT + 1)) - 1)

static void release(struct replay *r, uint32_t idx, unsigned cpu)
{
	struct slot *s = &r->slots[idx];
	if (s->model_pfn != FRAG_PFN_NONE)
		frag_free_pages(r->mem, cpu, s->model_pfn, s->order);
	r->live_order[s->order]--;
	map_remove(r, idx);
}

static int on_alloc(struct replay *r, const struct frag_tev *ev, unsigned cpu)
{
	uint64_t *c = r->res->c;
	if (!ev->pfn) {
		c[RC_replay_alloc_trace_fail]++;
		return 0;
	}
	if (ev->order >= NR_PAGE_ORDERS) {
		snprintf(r->fail, sizeof r->fail, "%s: mm_page_alloc at %llu ns with order %u (max %d)", r->o->trace,
			 (unsigned long long)ev->ts_ns, ev->order, NR_PAGE_ORDERS - 1);
		return -EINVAL;
	}
	uint32_t idx;
	if (map_find(r, ev->pfn, &idx)) {
		c[RC_replay_alloc_dup]++;
		release(r, idx, cpu);
	}
	if (map_insert(r, ev->pfn, &idx))
		return -ENOMEM;
	c[RC_replay_alloc]++;
	gfp_t gfp = ev->gfp & REPLAY_GFP_MASK;
	struct frag_owner ow = owner_of(gfp, idx);
	uint64_t pfn = frag_alloc_pages(r->mem, cpu, ev->order, gfp, &ow);
	struct slot *s = &r->slots[idx];   /* after the allocation: daemons do not insert, but be safe */
	s->order = (uint8_t)ev->order;
	s->model_pfn = pfn;
	r->live_order[s->order]++;
	if (pfn == FRAG_PFN_NONE)
		c[RC_replay_alloc_fail]++;
	return 0;
}

/*
 * A free of a block the trace did not allocate: on a state start the model
 * has the real machine's blocks at the real pfns (FRAG_OWNER_SNAPSHOT), so
 * free the one(s) exactly covering [pfn, pfn + 2^order), if there are.
 * Returns whether the free was handled (released or counted as partial).
 */
static bool free_snapshot(struct replay *r, uint64_t pfn, unsigned order, unsigned cpu)
{
	uint64_t end = pfn + (1ull << order);
	struct frag_pfn_info pi;
	for (uint64_t p = pfn; p < end; p += 1ull << pi.order) {
		if (frag_pfn_info(r->mem, p, &pi) || pi.state != PFN_ALLOCATED || pi.owner.id != FRAG_OWNER_SNAPSHOT)
			return false;
		if (pi.head_pfn != p || p + (1ull << pi.order) > end) {
			if (p == pfn && pi.order > order) {
				r->res->c[RC_replay_free_snapshot_partial]++;
				return true;
			}
			return false;
		}
	}
	for (uint64_t p = pfn; p < end; p += 1ull << pi.order) {
		frag_pfn_info(r->mem, p, &pi);
		frag_free_pages(r->mem, cpu, p, pi.order);
	}
	r->res->c[RC_replay_free_snapshot]++;
	return true;
}

static void on_free(struct replay *r, uint64_t pfn, unsigned order, unsigned cpu)
{
	uint64_t *c = r->res->c;
	uint32_t idx;
	struct slot *s = map_find(r, pfn, &idx);
	if (s && s->order == order && !s->freed) {
		if (s->model_pfn == FRAG_PFN_NONE)
			c[RC_replay_free_after_fail]++;
		else
			c[RC_replay_free]++;
		release(r, idx, cpu);
		return;
	}
	if (!s || s->order < order) {
		/* A part of a larger traced block (split_page(), a split THP)? */
		s = NULL;
		for (unsigned o = order + 1; o < NR_PAGE_ORDERS && !s; o++) {
			if (!r->live_order[o])
				continue;   /* no live traced block of that order */
			uint64_t base = pfn & ~((1ull << o) - 1);
			struct slot *b = map_find(r, base, &idx);
			if (b && b->order == o)
				s = b;
		}
	}
	if (!s || s->order < order) {
		if (free_snapshot(r, pfn, order, cpu))
			return;
		if (r->o->snap) {
			/* why the state cannot take it: where the model has that pfn */
			struct frag_pfn_info pi;
			if (!frag_pfn_info(r->mem, pfn, &pi)) {
				if (pi.state == PFN_FREE || pi.state == PFN_PCP)
					c[RC_replay_free_unknown_model_free]++;
				else if (pi.state == PFN_ALLOCATED && pi.owner.id == FRAG_OWNER_REPLAY)
					c[RC_replay_free_unknown_model_replay]++;
			}
		}
		if (order == NR_PAGE_ORDERS - 1)
			c[RC_replay_free_grow]++;
		else
			c[RC_replay_free_unknown]++;
		return;
	}
	c[RC_replay_free_split]++;
	s->freed += 1u << order;
	if (s->freed >= 1u << s->order)
		release(r, idx, cpu);
}

/* frag_mem_consistent() (core/mm/consistent.c): every invariant of the machine. */
static void check(struct replay *r, uint64_t ts)
{
	char why[256];
	if (!r->fail[0] && !frag_mem_consistent(r->mem, why, sizeof why))
		snprintf(r->fail, sizeof r->fail, "inconsistent machine after the event at %llu ns: %.180s",
			 (unsigned long long)ts, why);   /* %.180s: the message fits r->fail */
}

static int on_event(const struct frag_tev *ev, void *arg)
{
	struct replay *r = arg;
	struct frag_replay_result *res = r->res;
	uint64_t *c = res->c;

	if (!r->started) {
		char err[512];
		r->started = true;
		r->t0 = ev->ts_ns;
		int ret = open_sinks(r, err, sizeof err);
		if (ret) {
			snprintf(r->fail, sizeof r->fail, "%.*s", (int)sizeof r->fail - 1, err);
			return ret;
		}
		collect_epoch(r, 0);
		r->next_epoch = r->o->sample_period_ns ? r->o->sample_period_ns : FRAG_TIME_NEVER;
	}
	if (r->o->stop && *r->o->stop) {
		r->interrupted = true;
		return 1;
	}
	c[RC_replay_events]++;
	uint64_t t = ev->ts_ns > r->t0 ? ev->ts_ns - r->t0 : 0;
	if (t < r->now)
		t = r->now;   /* time never runs backwards in the model (CPU merge ties) */
	advance(r, t);
	unsigned cpu = ev->cpu >= 0 ? (unsigned)ev->cpu % r->nr_cpus : 0;
	int ret = 0;
	switch (ev->type) {
	case TEV_ALLOC:
		ret = on_alloc(r, ev, cpu);
		break;
	case TEV_FREE:
		if (ev->order >= NR_PAGE_ORDERS) {
			snprintf(r->fail, sizeof r->fail, "%s: mm_page_free at %llu ns with order %u (max %d)",
				 r->o->trace, (unsigned long long)ev->ts_ns, ev->order, NR_PAGE_ORDERS - 1);
			return -EINVAL;
		}
		on_free(r, ev->pfn, ev->order, cpu);
		break;
	case TEV_FREE_BATCHED:
		on_free(r, ev->pfn, 0, cpu);
		break;
	case TEV_PCPU_DRAIN:
		c[RC_replay_pcpu_drain]++;
		c[RC_replay_pcpu_drain_pages] += ev->order < 32 ? 1ull << ev->order : 0;
		break;
	case TEV_ZONE_LOCKED:
		c[RC_replay_zone_locked]++;
		if (ev->percpu_refill) {
			c[RC_replay_zone_locked_refill]++;
			c[RC_replay_zone_locked_refill_pages] += ev->order < 32 ? 1ull << ev->order : 0;
		}
		break;
	case TEV_EXTFRAG:
		c[RC_replay_extfrag_trace]++;
		if (ev->fallback_mt >= 0 && ev->fallback_mt < MIGRATE_TYPES && ev->mt >= 0 && ev->mt < MIGRATE_TYPES)
			res->extfrag_trace[ev->fallback_mt][ev->mt]++;
		res->claim_trace += ev->change_ownership != 0;
		break;
	case TEV_COMPACTION:
		c[RC_replay_compaction_events]++;
		break;
	default:
		c[RC_replay_other_events]++;
		break;
	}
	if (ret)
		return ret;
	if (r->any_pending)
		run_daemons(r);
	if (r->o->check_every && c[RC_replay_events] % r->o->check_every == 0)
		check(r, ev->ts_ns);
	return r->fail[0] ? -EIO : 0;
}

/* ---------------------------------------------------------------------- */
/* Metrics                                                                */
/* ---------------------------------------------------------------------- */

struct metric_buf {
	struct frag_metric *m;
	unsigned n, cap;
	char *names;
	size_t used, size;
	bool oom;
};

static void add_metric(struct metric_buf *b, const char *name, double value, const char *unit)
{
	if (b->oom)
		return;
	if (b->n == b->cap) {
		unsigned nc = b->cap ? b->cap * 2 : 256;
		struct frag_metric *nm = realloc(b->m, nc * sizeof(*nm));
		if (!nm) {
			b->oom = true;
			return;
		}
		b->m = nm;
		b->cap = nc;
	}
	size_t len = strlen(name) + 1;
	if (b->used + len > b->size) {
		size_t ns = (b->size + len) * 2;
		char *nn = realloc(b->names, ns);
		if (!nn) {
			b->oom = true;
			return;
		}
		b->names = nn;
		b->size = ns;
	}
	memcpy(b->names + b->used, name, len);
	b->m[b->n++] = (struct frag_metric){ (const char *)(uintptr_t)b->used, value, unit };
	b->used += len;
}

static const char *const mt_short[MIGRATE_TYPES] = { "Unmovable", "Movable", "Reclaimable", "HighAtomic",
#if MIGRATE_TYPES > 4
						     "Isolate",
#endif
#if MIGRATE_TYPES > 5
						     "Type5",
#endif
};

static void build_metrics(struct replay *r, double wall)
{
	struct frag_replay_result *res = r->res;
	struct metric_buf b = { 0 };
	for (int i = 0; i < NR_FRAG_STATS; i++)
		add_metric(&b, frag_stat_desc[i].name, (double)res->stats[i], frag_stat_desc[i].unit);
	for (int i = 0; i < NR_REPLAY_COUNTERS; i++)
		add_metric(&b, frag_replay_counter_names[i], (double)res->c[i], "count");
	char name[128];
	for (int f = 0; f < MIGRATE_TYPES; f++)
		for (int a = 0; a < MIGRATE_TYPES; a++) {
			if (!res->extfrag_trace[f][a] && !res->extfrag_model[f][a])
				continue;
			snprintf(name, sizeof name, "fidelity.extfrag.%s_from_%s.trace", mt_short[a], mt_short[f]);
			add_metric(&b, name, (double)res->extfrag_trace[f][a], "count");
			snprintf(name, sizeof name, "fidelity.extfrag.%s_from_%s.replay", mt_short[a], mt_short[f]);
			add_metric(&b, name, (double)res->extfrag_model[f][a], "count");
		}
	add_metric(&b, "fidelity.extfrag_claim.trace", (double)res->claim_trace, "count");
	add_metric(&b, "fidelity.extfrag_claim.replay", (double)res->claim_model, "count");
	struct frag_spb_summary spb;
	frag_spb_summary(r->mem, &spb);
	add_metric(&b, "spb_total", (double)spb.nr_spbs, "count");
	add_metric(&b, "spb_free_now", (double)spb.free_now, "count");
	add_metric(&b, "spb_movable_only", (double)spb.movable_only, "count");
	struct frag_pageblock_summary pbs;
	frag_pageblock_summary(r->mem, &pbs);
	uint64_t mixed = 0;
	for (int mt = 0; mt < MIGRATE_TYPES; mt++)
		mixed += pbs.mixed[mt];
	add_metric(&b, "pageblocks_unmovable", (double)pbs.nr[MIGRATE_UNMOVABLE], "count");
	add_metric(&b, "pageblocks_movable", (double)pbs.nr[MIGRATE_MOVABLE], "count");
	add_metric(&b, "pageblocks_reclaimable", (double)pbs.nr[MIGRATE_RECLAIMABLE], "count");
	add_metric(&b, "pageblocks_mixed", (double)mixed, "count");
	add_metric(&b, "free_mib", (double)res->free_pages * FRAG_PAGE_SIZE / (1 << 20), "MiB");
	add_metric(&b, "managed_pages", (double)frag_total_managed_pages(r->mem), "pages");
	add_metric(&b, "sim_seconds", (double)res->trace_ns / 1e9, "s");
	add_metric(&b, "wall_seconds", wall, "s");
	add_metric(&b, "events_per_sec", res->events_per_sec, "1/s");
	add_metric(&b, "events_per_cpu_sec", res->events_per_cpu_sec, "1/s");
	struct rusage ru;
	if (!getrusage(RUSAGE_SELF, &ru))
		add_metric(&b, "peak_rss_mib", (double)ru.ru_maxrss / 1024, "MiB");
	if (b.oom) {
		free(b.m);
		free(b.names);
		return;
	}
	for (unsigned i = 0; i < b.n; i++)
		b.m[i].name = b.names + (uintptr_t)b.m[i].name;
	res->metrics = b.m;
	res->nr_metrics = b.n;
	res->names = b.names;
}

void frag_replay_result_free(struct frag_replay_result *res)
{
	free(res->metrics);
	free(res->names);
	res->metrics = NULL;
	res->names = NULL;
	res->nr_metrics = 0;
}

/* ---------------------------------------------------------------------- */
/* The replay                                                             */
/* ---------------------------------------------------------------------- */

/* The machine: frag_mem_create(), or the state (lazily initialised memory free when asked). */
static int build_machine(struct replay *r, const struct frag_config *cfg, char *err, size_t errlen)
{
	const struct frag_snap *s = r->o->snap;
	if (!s)
		return frag_mem_create(cfg, &r->mem, err, errlen);
	struct frag_restore_input in = s->in;
	uint8_t *ps = NULL;
	if (r->o->grow_uninit) {
		uint64_t n = in.end_pfn - in.start_pfn, nr_uninit = 0;
		ps = malloc(n);
		if (!ps)
			return -ENOMEM;
		memcpy(ps, in.ps, n);
		for (uint64_t i = 0; i < n; i++)
			if ((ps[i] & FRAG_PS_CLASS_MASK) == PS_UNINIT) {
				ps[i] = PS_FREE;
				nr_uninit++;
			}
		if (nr_uninit) {
			/* the zones grew: their zoneinfo watermarks are the small zone's, so the model
			 * recomputes them (__setup_per_zone_wmarks() after the growth) */
			for (unsigned z = 0; z < in.nr_zones; z++) {
				memset(in.zone[z].wmark, 0, sizeof in.zone[z].wmark);
				memset(in.zone[z].lowmem_reserve, 0, sizeof in.zone[z].lowmem_reserve);
			}
		}
		in.ps = ps;
	}
	int ret = frag_mem_restore(cfg, &in, &r->mem, err, errlen);
	free(ps);
	return ret;
}

int frag_replay(const struct frag_config *cfg_in, const struct frag_replay_opts *o, struct frag_replay_result *res,
		char *err, size_t errlen)
{
	struct replay *r = calloc(1, sizeof(*r));
	struct frag_config cfg = *cfg_in;
	int ret;

	memset(res, 0, sizeof(*res));
	if (!r)
		return -ENOMEM;
	r->o = o;
	r->res = res;
	r->free_head = UINT32_MAX;
	cfg.env = (struct frag_env){
		.arg = r,
		.now_ns = env_now,
		.wakeup_kswapd = env_wakeup_kswapd,
		.wakeup_kcompactd = env_wakeup_kcompactd,
		.trace = env_trace,
		.migrate_folio = env_migrate_folio,
		.wakeup_policy_daemon = env_wakeup_policyd,
		.trace_mask = 1u << TRACE_EXTFRAG,
	};
	ret = build_machine(r, &cfg, err, errlen);
	if (ret)
		goto out;
	r->nr_cpus = frag_nr_cpus(r->mem);
	r->nr_nodes = frag_nr_nodes(r->mem);
	r->next_proactive = calloc(r->nr_nodes, sizeof(uint64_t));
	r->next_policyd = calloc(r->nr_nodes, sizeof(uint64_t));
	r->kswapd_pending = calloc(r->nr_nodes, sizeof(bool));
	r->kcompactd_pending = calloc(r->nr_nodes, sizeof(bool));
	r->policyd_pending = calloc(r->nr_nodes, sizeof(bool));
	r->kswapd = calloc(r->nr_nodes, sizeof(*r->kswapd));
	if (!r->next_proactive || !r->next_policyd || !r->kswapd_pending || !r->kcompactd_pending ||
	    !r->policyd_pending || !r->kswapd || map_grow(r)) {
		ret = -ENOMEM;
		goto out;
	}
	for (unsigned n = 0; n < r->nr_nodes; n++) {
		frag_kswapd_init(&r->kswapd[n]);
		r->next_proactive[n] = frag_proactive_compaction_enabled(r->mem) ? FRAG_KCOMPACTD_INTERVAL_NS
										  : FRAG_TIME_NEVER;
		/* a policy daemon runs when woken, and then as often as it asks */
		r->next_policyd[n] = FRAG_TIME_NEVER;
	}
	r->next_vmstat = VMSTAT_INTERVAL_NS;
	r->next_epoch = FRAG_TIME_NEVER;

	double w0 = clock_now(CLOCK_MONOTONIC), c0 = clock_now(CLOCK_PROCESS_CPUTIME_ID);
	char terr[1024] = "";
	int tret = frag_trace_read(o->trace, on_event, r, &res->info, terr, sizeof terr);
	double wall = clock_now(CLOCK_MONOTONIC) - w0, cpu = clock_now(CLOCK_PROCESS_CPUTIME_ID) - c0;
	if (tret && !r->started) {
		/* nothing replayed: a bad trace (or a sink that would not open) */
		snprintf(err, errlen, "%s", r->fail[0] ? r->fail : terr);
		ret = tret < 0 ? tret : -EIO;
		goto out;
	}
	if (!r->started) {
		snprintf(err, errlen, "%s: no events", o->trace);
		ret = -EINVAL;
		goto out;
	}

	if (o->check_every && !tret)
		check(r, res->info.last_ns);
	const char *status = "complete";
	if (r->interrupted) {
		status = "interrupted";
		snprintf(res->message, sizeof res->message, "interrupted by a signal");
	} else if (tret) {
		status = "failed";
		snprintf(res->message, sizeof res->message, "%s", r->fail[0] ? r->fail : terr);
	} else if (r->fail[0]) {
		status = "failed";
		snprintf(res->message, sizeof res->message, "%s", r->fail);
	}
	snprintf(res->status, sizeof res->status, "%s", status);
	memcpy(res->uid, r->ri.uid, sizeof res->uid);
	res->trace_ns = r->now;
	res->wall_seconds = wall;
	res->events_per_sec = wall > 0 ? (double)res->c[RC_replay_events] / wall : 0;
	res->events_per_cpu_sec = cpu > 0 ? (double)res->c[RC_replay_events] / cpu : 0;
	res->c[RC_replay_live_blocks] = r->nr_live;
	collect_epoch(r, r->now);
	for (int i = 0; i < NR_FRAG_STATS; i++)
		res->stats[i] = frag_stat_get(r->mem, (enum frag_stat)i);
	res->hash = frag_mem_hash(r->mem);
	res->free_pages = frag_total_free_pages(r->mem);
	build_metrics(r, wall);
	struct frag_run_end end = { .status = res->status, .message = res->message, .wall_seconds = wall,
				    .sim_ns = r->now, .nr_metrics = res->nr_metrics, .metrics = res->metrics };
	ret = 0;
	close_sinks(r, &end, err, errlen, &ret);
	if (!ret && tret) {
		snprintf(err, errlen, "%s", res->message);
		ret = tret < 0 ? tret : -EIO;
	}
out:
	if (r->nr_sinks_open) {
		struct frag_run_end end = { .status = "failed", .message = err };
		close_sinks(r, &end, NULL, 0, NULL);
	}
	frag_mem_destroy(r->mem);
	free(r->slots);
	free(r->hash);
	free(r->next_proactive);
	free(r->next_policyd);
	free(r->kswapd_pending);
	free(r->kcompactd_pending);
	free(r->policyd_pending);
	free(r->kswapd);
	free(r->zones);
	free(r->counter_names);
	free(r->counter_units);
	free(r->ep_counters);
	free(r->ep_free_blocks);
	free(r->ep_pb);
	free(r->ep_spb);
	free(r);
	return ret;
}
