/* SPDX-License-Identifier: MIT */
/*
 * engine.c - the SimGrid engine: platform, actors, run, results.
 *
 * The only code (with actors.c and wl.c) that includes SimGrid (C API of
 * SimGrid 3.32, raw contexts). The platform is generated from the scenario:
 * one host per NUMA node with one core per simulated CPU, written as XML to a
 * temporary file and loaded. simgrid_run_until() is the watchdog; a CPU actor
 * that did not finish when it returns is a deadlock and fails the run.
 */
#include <errno.h>
#include <signal.h>
#include <math.h>
#include <simgrid/actor.h>
#include <simgrid/engine.h>
#include <simgrid/host.h>
#include <simgrid/semaphore.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include <xbt/log.h>

#include "frag/snap.h"
#include "frag/snapshot.h"
#include "frag/vmstat.h"
#include "sim_internal.h"

/* ---------------------------------------------------------------------- */
/* Small helpers                                                          */
/* ---------------------------------------------------------------------- */

double sim_wall(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* The lower edge of bucket @idx. */
static uint64_t hist_value(unsigned idx)
{
	if (idx < HIST_SUB)
		return idx;
	unsigned lg = idx / HIST_SUB + 3, sub = idx % HIST_SUB;
	return (1ull << lg) | ((uint64_t)sub << (lg - 4));
}

uint64_t hist_quantile(const struct sim_hist *h, double q)
{
	if (!h->count)
		return 0;
	uint64_t want = (uint64_t)ceil(q * (double)h->count), seen = 0;
	if (want == 0)
		want = 1;
	for (unsigned i = 0; i < HIST_BUCKETS; i++) {
		seen += h->b[i];
		if (seen >= want) {
			uint64_t v = hist_value(i);
			return v > h->max ? h->max : v;
		}
	}
	return h->max;
}

/* ---------------------------------------------------------------------- */
/* Environment callbacks from the model                                   */
/* ---------------------------------------------------------------------- */

static uint64_t env_now(void *arg)
{
	struct sim *s = arg;
	if (s->cur)
		return s->cur->now;
	return (uint64_t)llround(simgrid_get_clock() * 1e9);
}

static void env_wakeup_kswapd(void *arg, unsigned nid, unsigned order, enum zone_type highest)
{
	struct sim *s = arg;
	struct sim_node *n = &s->nodes[nid];
	(void)order;
	(void)highest;
	/* No SimGrid call here, inside the model: a simcall lets other actors
	 * run in the middle of this allocation (and before the actors exist,
	 * from a workload's start(), the semaphore does not). The CPU actor
	 * signals after its batch: sim_wake_daemons(). */
	n->kswapd_pending = true;
}

static void env_wakeup_kcompactd(void *arg, unsigned nid, unsigned order, enum zone_type highest)
{
	struct sim *s = arg;
	struct sim_node *n = &s->nodes[nid];
	(void)order;
	(void)highest;
	/* No SimGrid call here, inside the model: a simcall lets other actors
	 * run in the middle of this allocation (and before the actors exist,
	 * from a workload's start(), the semaphore does not). The CPU actor
	 * signals after its batch: sim_wake_daemons(). */
	n->kcompactd_pending = true;
}

static void env_wakeup_policy_daemon(void *arg, unsigned nid)
{
	struct sim *s = arg;
	/* As for kswapd: signalled by the CPU actor after its batch. */
	s->nodes[nid].policyd_pending = true;
}

/* Signal the daemons woken by the model since the last call (from a CPU
 * actor, between batches). */
void sim_wake_daemons(struct sim *s)
{
	for (unsigned i = 0; i < s->nr_nodes; i++) {
		struct sim_node *n = &s->nodes[i];
		if (n->kswapd_pending && !n->kswapd_signalled) {
			n->kswapd_signalled = true;
			sg_sem_release(n->kswapd_sem);
		}
		if (n->kcompactd_pending && !n->kcompactd_signalled) {
			n->kcompactd_signalled = true;
			sg_sem_release(n->kcompactd_sem);
		}
		if (n->policyd_pending && !n->policyd_signalled && n->policyd_sem) {
			n->policyd_signalled = true;
			sg_sem_release(n->policyd_sem);
		}
	}
}

void sim_sink_event(struct sim *s, const struct frag_event_rec *ev)
{
	for (unsigned i = 0; i < s->nr_sinks; i++)
		if (s->opts->sinks[i].ops->event)
			s->opts->sinks[i].ops->event(s->sink_h[i], ev);
}

/* A block moved (compaction, alloc_contig, evacuation): tell the workload
 * instance that owns it (owner id = instance index + 1). */
static bool env_migrate_folio(void *arg, const struct frag_owner *owner, uint64_t old_pfn, uint64_t new_pfn,
			      unsigned order)
{
	struct sim *s = arg;
	(void)order;
	if (owner->id == FRAG_OWNER_SNAPSHOT)
		return true;   /* a restored page (init.snapshot): its only record is the page array */
	if (!owner->id || owner->id > s->nr_wl)
		return false;
	struct frag_wl *wl = &s->wl[owner->id - 1];
	if (!wl->ops->migrated)
		return false;
	wl->ops->migrated(wl, owner->cookie, old_pfn, new_pfn);
	return true;
}

/* A block will move soon: load the owner's record of it (frag_wl_set_owner_table()). */
static void env_prefetch_owner(void *arg, const struct frag_owner *owner)
{
	const struct sim *s = arg;
	if (!owner->id || owner->id > s->nr_wl)
		return;
	const struct frag_wl *wl = &s->wl[owner->id - 1];
	if (!wl->owner_table)
		return;
	uintptr_t base;
	memcpy(&base, wl->owner_table, sizeof(base));   /* a typed pointer, read as an address */
	/* In integers: a stale or foreign cookie may point past the table, harmless for a prefetch. */
	if (base)
		__builtin_prefetch((const void *)(base + (uintptr_t)owner->cookie * wl->owner_stride), 1);
}

/* ---------------------------------------------------------------------- */
/* Reclaim: the LRU lists and shrinkers of the workload instances         */
/* ---------------------------------------------------------------------- */

/* Simulated time of reclaim work (docs/costs.md). */
uint64_t sim_reclaim_cost(const struct frag_costs *k, uint64_t scanned, uint64_t reclaimed, uint64_t swapped,
			  uint64_t slab_scanned)
{
	return scanned * k->reclaim_scan_page + reclaimed * k->reclaim_page + swapped * k->swap_out_page +
	       slab_scanned * k->shrink_object;
}

/* The CPU whose PCP lists take reclaimed pages: kswapd's node's first CPU,
 * else the allocating CPU (the node's first one before the actors run). */
static void set_reclaim_cpu(struct sim *s, unsigned nid)
{
	if (s->kswapd_nid < 0 && s->cur) {
		s->reclaim_cpu = s->cur->id;
		return;
	}
	unsigned n = s->kswapd_nid >= 0 ? (unsigned)s->kswapd_nid : nid;
	for (unsigned c = 0; c < s->nr_cpus; c++)
		if (s->cpus[c].nid == n) {
			s->reclaim_cpu = c;
			return;
		}
	s->reclaim_cpu = 0;
}

/*
 * env.shrink_lru(): split @nr_to_scan over the instances in proportion to
 * their LRU pages on node @nid, in instance order, and the restored pages
 * of a snapshot start (FRAG_OWNER_SNAPSHOT, frag_shrink_restored_lru()) as
 * one more participant after the last instance: participant i gets
 * ceil(nr_to_scan * pages_i / total), capped by what is left, so the
 * split is deterministic and asks for no more than @nr_to_scan in all.
 */
static uint64_t env_shrink_lru(void *arg, unsigned nid, enum frag_lru lru, uint64_t nr_to_scan,
			       uint64_t *nr_scanned)
{
	struct sim *s = arg;
	uint64_t pages[FRAG_SC_MAX_WORKLOADS + 1], total = 0, left = nr_to_scan, reclaimed = 0;
	unsigned n = s->nr_wl;

	*nr_scanned = 0;
	for (unsigned i = 0; i < n; i++) {
		const struct frag_wl *wl = &s->wl[i];
		pages[i] = wl->ops->lru_pages && wl->ops->shrink_lru ? wl->ops->lru_pages(&s->wl[i], nid, lru) : 0;
		total += pages[i];
	}
	pages[n] = frag_restored_lru_pages(s->mem, nid, lru);
	total += pages[n];
	if (!total)
		return 0;
	set_reclaim_cpu(s, nid);
	for (unsigned i = 0; i <= n && left; i++) {
		if (!pages[i])
			continue;
		unsigned __int128 share = ((unsigned __int128)nr_to_scan * pages[i] + total - 1) / total;
		uint64_t ask = share < left ? (uint64_t)share : left, scanned = 0;
		if (i < n) {
			reclaimed += s->wl[i].ops->shrink_lru(&s->wl[i], nid, lru, ask, &scanned);
		} else {
			uint64_t fr0 = frag_stat_get(s->mem, FRAG_STAT_free_requests);
			reclaimed += frag_shrink_restored_lru(s->mem, s->reclaim_cpu, nid, lru, ask, &scanned);
			s->c.frees += frag_stat_get(s->mem, FRAG_STAT_free_requests) - fr0;   /* as frag_wl_free_reclaimed() */
		}
		*nr_scanned += scanned;
		left -= ask;
	}
	return reclaimed;
}

static uint64_t env_count_objects(void *arg, unsigned nid)
{
	struct frag_wl *wl = arg;
	return wl->ops->count_objects(wl, nid);
}

static uint64_t env_scan_objects(void *arg, unsigned nid, uint64_t nr_to_scan, uint64_t *nr_scanned)
{
	struct frag_wl *wl = arg;
	set_reclaim_cpu(wl->sim, nid);
	return wl->ops->scan_objects(wl, nid, nr_to_scan, nr_scanned);
}

/* register_shrinker() for every instance with count_objects() and scan_objects(). */
static int register_shrinkers(struct sim *s, char *err, size_t errlen)
{
	for (unsigned i = 0; i < s->nr_wl; i++) {
		struct frag_wl *wl = &s->wl[i];
		if (!wl->ops->count_objects || !wl->ops->scan_objects)
			continue;
		struct frag_shrinker sh = {
			.name = wl->spec->name,
			.seeks = FRAG_DEFAULT_SEEKS,
			.count_objects = env_count_objects,
			.scan_objects = env_scan_objects,
			.arg = wl,
		};
		int ret = frag_register_shrinker(s->mem, &sh);
		if (ret < 0) {
			snprintf(err, errlen, "workload %s: cannot register its shrinker (%d)", wl->spec->name, ret);
			return ret;
		}
	}
	return 0;
}

static void env_trace(void *arg, const struct frag_trace_event *ev)
{
	struct sim *s = arg;
	if (ev->id == TRACE_EXTFRAG) {
		/* Fallbacks happen only between the PCP types (Unmovable, Movable, Reclaimable). */
		unsigned a = (unsigned)ev->extfrag.alloc_migratetype, f = (unsigned)ev->extfrag.fallback_migratetype;
		if (a < 3 && f < 3)
			s->c.extfrag[a][f]++;
		return;
	}
	if (ev->id != TRACE_OOM)
		return;
	char detail[160];
	snprintf(detail, sizeof detail, "{\"gfp\": %u, \"free_pages\": %llu, \"low_wmark\": %llu}", ev->oom.gfp,
		 (unsigned long long)ev->oom.free_pages, (unsigned long long)ev->oom.low_wmark);
	struct frag_event_rec rec = {
		.t_ns = ev->time_ns,
		.type = "oom",
		.cpu = s->cur ? (int)s->cur->id : -1,
		.nid = ev->oom.nid,
		.pfn = FRAG_PFN_NONE,
		.order = (int)ev->oom.order,
		.value = (int64_t)ev->oom.free_pages,
		.outcome = ev->oom.free_pages > ev->oom.low_wmark ? "early" : "oom",
		.detail = detail,
	};
	sim_sink_event(s, &rec);
}

/* ---------------------------------------------------------------------- */
/* Counters, epochs and progress                                          */
/* ---------------------------------------------------------------------- */

/*
 * Engine counters appended to the model's in every epoch row:
 * X(name, kind, unit, meaning, expression over struct sim *s); NODE_SUM()
 * and CPU_SUM() add a struct sim_node / struct sim_cpu field over all.
 */
#define NODE_SUM(field) sum_nodes(s, offsetof(struct sim_node, field))
#define CPU_SUM(field) sum_cpus(s, offsetof(struct sim_cpu, field))
#define ENGINE_COUNTERS(X)                                                                                            \
	X(sim_allocs, COUNTER, "count",                                                                               \
	  "fragsim: workload allocations (frag_wl_alloc() calls, failed ones included)",                              \
	  s->c.allocs)                                                                                                \
	X(sim_alloc_failures, COUNTER, "count",                                                                       \
	  "fragsim: workload allocations that failed",                                                                \
	  s->c.alloc_failures)                                                                                        \
	X(sim_frees, COUNTER, "count",                                                                                \
	  "fragsim: workload frees (frag_wl_free() calls)",                                                           \
	  s->c.frees)                                                                                                 \
	X(sim_events, COUNTER, "count",                                                                               \
	  "fragsim: workload steps the CPU actors ran",                                                               \
	  s->c.events)                                                                                                \
	X(simgrid_wakeups, COUNTER, "count",                                                                          \
	  "fragsim: SimGrid wake-ups of the CPU actors (one per batch)",                                              \
	  s->c.wakeups)                                                                                               \
	X(daemon_wakeups, COUNTER, "count",                                                                           \
	  "fragsim: kswapd/kcompactd/policy daemon semaphores released",                                              \
	  s->c.daemon_wakeups)                                                                                        \
	X(kswapd_wake, COUNTER, "count",                                                                              \
	  "kswapd runs of balance_pgdat() that a wake-up started",                                                    \
	  NODE_SUM(kswapd_wake))                                                                                      \
	X(kcompactd_wake, COUNTER, "count",                                                                           \
	  "kcompactd wake-ups by wakeup_kcompactd() (the actor's)",                                                   \
	  NODE_SUM(kcompactd_wake))                                                                                   \
	X(kswapd_cpu_ns, COUNTER, "ns",                                                                               \
	  "fragsim: simulated CPU time kswapd spent (docs/costs.md)",                                                 \
	  NODE_SUM(kswapd_ns))                                                                                        \
	X(kcompactd_cpu_ns, COUNTER, "ns",                                                                            \
	  "fragsim: simulated CPU time kcompactd spent (docs/costs.md)",                                              \
	  NODE_SUM(kcompactd_ns))                                                                                     \
	X(spb_defrag_wake, COUNTER, "count",                                                                          \
	  "fragsim: runs of the policy's daemon (the SPB defrag worker)",                                             \
	  NODE_SUM(policyd_wake))                                                                                     \
	X(spb_defrag_cpu_ns, COUNTER, "ns",                                                                           \
	  "fragsim: simulated CPU time of the policy's daemon (its migrations)",                                      \
	  NODE_SUM(policyd_ns))                                                                                       \
	X(cpu_busy_ns, COUNTER, "ns",                                                                                 \
	  "fragsim: simulated CPU time the workloads' calls cost, all CPUs",                                          \
	  CPU_SUM(busy_ns))                                                                                           \
	X(vmstat_updates, COUNTER, "count",                                                                           \
	  "fragsim: vmstat_update() -> decay_pcp_high() runs, once a second on each CPU that has events",             \
	  CPU_SUM(vmstat_updates))                                                                                    \
	X(extfrag_unmovable_from_movable, COUNTER, "count",                                                           \
	  "mm_page_alloc_extfrag events: an UNMOVABLE allocation fell back to a MOVABLE block",                       \
	  s->c.extfrag[0][1])                                                                                         \
	X(extfrag_unmovable_from_reclaimable, COUNTER, "count",                                                       \
	  "mm_page_alloc_extfrag events: UNMOVABLE from a RECLAIMABLE block",                                         \
	  s->c.extfrag[0][2])                                                                                         \
	X(extfrag_movable_from_unmovable, COUNTER, "count",                                                           \
	  "mm_page_alloc_extfrag events: MOVABLE from an UNMOVABLE block",                                            \
	  s->c.extfrag[1][0])                                                                                         \
	X(extfrag_movable_from_reclaimable, COUNTER, "count",                                                         \
	  "mm_page_alloc_extfrag events: MOVABLE from a RECLAIMABLE block",                                           \
	  s->c.extfrag[1][2])                                                                                         \
	X(extfrag_reclaimable_from_unmovable, COUNTER, "count",                                                       \
	  "mm_page_alloc_extfrag events: RECLAIMABLE from an UNMOVABLE block",                                        \
	  s->c.extfrag[2][0])                                                                                         \
	X(extfrag_reclaimable_from_movable, COUNTER, "count",                                                         \
	  "mm_page_alloc_extfrag events: RECLAIMABLE from a MOVABLE block",                                           \
	  s->c.extfrag[2][1])                                                                                         \
	X(free_pages, GAUGE, "pages",                                                                                 \
	  "free pages in the buddy lists of all zones (NR_FREE_PAGES summed)",                                        \
	  frag_total_free_pages(s->mem))

static uint64_t sum_nodes(const struct sim *s, size_t off)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < s->nr_nodes; i++)
		v += *(const uint64_t *)((const char *)&s->nodes[i] + off);
	return v;
}

static uint64_t sum_cpus(const struct sim *s, size_t off)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < s->nr_cpus; i++)
		v += *(const uint64_t *)((const char *)&s->cpus[i] + off);
	return v;
}

#define COUNT_ONE(name, kind, unit, help, expr) +1
enum { NR_ENGINE_COUNTERS = 0 ENGINE_COUNTERS(COUNT_ONE) };
#undef COUNT_ONE

const struct frag_stat_desc frag_engine_counter_desc[] = {
#define DESC(name, kind, unit, help, expr) { #name, FRAG_STAT_##kind, unit, help },
	ENGINE_COUNTERS(DESC)
#undef DESC
	{ NULL, FRAG_STAT_COUNTER, NULL, NULL },
};

static void fill_counters(struct sim *s, uint64_t *out)
{
	for (int i = 0; i < NR_FRAG_STATS; i++)
		out[i] = frag_stat_get(s->mem, (enum frag_stat)i);
	unsigned k = NR_FRAG_STATS;
#define FILL(name, kind, unit, help, expr) out[k++] = (expr);
	ENGINE_COUNTERS(FILL)
#undef FILL
}

void sim_collect_epoch(struct sim *s, uint64_t t)
{
	if (!s->nr_sinks)
		return;
	fill_counters(s, s->ep_counters);
	frag_snapshot_free_blocks(s->mem, s->ep_free_blocks);
	frag_snapshot_pageblocks(s->mem, s->ep_pb);
	frag_snapshot_spbs(s->mem, s->ep_spb);
	s->last_epoch_t = t;
	struct frag_epoch e = {
		.t_ns = t,
		.counters = s->ep_counters,
		.free_blocks = s->ep_free_blocks,
		.pb_type = s->ep_pb,
		.spb = s->ep_spb,
	};
	for (unsigned i = 0; i < s->nr_sinks; i++) {
		const struct frag_sink_ops *ops = s->opts->sinks[i].ops;
		if (ops->epoch && ops->epoch(s->sink_h[i], &e) && !s->fail[0])
			snprintf(s->fail, sizeof s->fail, "%s:%s: %s", ops->scheme, s->opts->sinks[i].path,
				 ops->last_error ? ops->last_error(s->sink_h[i]) : "could not write an epoch");
	}
}

void sim_progress(struct sim *s, uint64_t t, bool final)
{
	if (!s->progress)
		return;
	double now = sim_wall();
	if (!final && now - s->last_progress < 0.5)
		return;
	s->last_progress = now;
	double el = now - s->wall_start, frac = (double)t / (double)s->end;
	double evps = el > 0 ? (double)(s->c.allocs + s->c.frees) / el : 0;
	double eta = frac > 0 ? el * (1 - frac) / frac : 0;
	fprintf(stderr, "\r[fragsim] %s: t=%.1fs/%.1fs (%3.0f%%)  %.2f M events/s  elapsed %.0fs  ETA %.0fs   %s",
		s->sc->run.name, ns2s(t), ns2s(s->end), 100 * frac, evps / 1e6, el, eta, final ? "\n" : "");
	fflush(stderr);
}

/* ---------------------------------------------------------------------- */
/* Set-up                                                                 */
/* ---------------------------------------------------------------------- */

static bool simgrid_started;

static int write_platform(const struct sim *s, char *path, size_t len, char *err, size_t errlen)
{
	snprintf(path, len, "%s/fragsim-platform-XXXXXX.xml", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	int fd = mkstemps(path, 4);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create the platform file %s: %s", path, strerror(errno));
		return -errno;
	}
	FILE *f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		snprintf(err, errlen, "cannot write the platform file %s: %s", path, strerror(errno));
		return -EIO;
	}
	fprintf(f, "<?xml version='1.0'?>\n<!DOCTYPE platform SYSTEM \"https://simgrid.org/simgrid.dtd\">\n"
		   "<platform version=\"4.1\">\n  <zone id=\"machine\" routing=\"Full\">\n");
	for (unsigned n = 0; n < s->nr_nodes; n++) {
		unsigned cores = 0;
		for (unsigned c = 0; c < s->nr_cpus; c++)
			cores += s->cpus[c].nid == n;
		fprintf(f, "    <host id=\"node%u\" speed=\"1Gf\" core=\"%u\"/>\n", n, cores ? cores : 1);
	}
	fprintf(f, "  </zone>\n</platform>\n");
	if (fclose(f)) {
		snprintf(err, errlen, "cannot write the platform file %s", path);
		return -EIO;
	}
	return 0;
}

static void make_uid(const struct frag_scenario *sc, char *uid)
{
	uint64_t h = 0xcbf29ce484222325ull;
	uint64_t parts[6] = { sc->hash, (uint64_t)time(NULL), (uint64_t)getpid(), (uint64_t)(sim_wall() * 1e9),
			      sc->run.seed, (uint64_t)(uintptr_t)sc };
	for (unsigned i = 0; i < 6; i++)
		for (unsigned b = 0; b < 8; b++) {
			h ^= (parts[i] >> (8 * b)) & 0xff;
			h *= 0x100000001b3ull;
		}
	uint64_t h2 = h ^ 0x9e3779b97f4a7c15ull;
	h2 = (h2 ^ (h2 >> 31)) * 0xbf58476d1ce4e5b9ull;
	snprintf(uid, FRAG_RUN_UID_LEN, "%016llx%016llx", (unsigned long long)h, (unsigned long long)h2);
}

static int setup_workloads(struct sim *s, char *err, size_t errlen)
{
	const struct frag_scenario *sc = s->sc;
	s->nr_wl = sc->nr_workloads;
	s->wl = calloc(s->nr_wl ? s->nr_wl : 1, sizeof(*s->wl));
	if (!s->wl)
		return -ENOMEM;
	for (unsigned i = 0; i < s->nr_wl; i++) {
		struct frag_wl *wl = &s->wl[i];
		const struct frag_wl_spec *spec = &sc->wl[i];
		wl->sim = s;
		wl->index = i;
		wl->spec = spec;
		wl->ops = spec->ops;
		wl->nr_slots = spec->nr_cpus;
		wl->priv = calloc(1, wl->ops->priv_size ? wl->ops->priv_size : 1);
		wl->cpu_priv = calloc(wl->nr_slots ? wl->nr_slots : 1, wl->ops->cpu_priv_size ? wl->ops->cpu_priv_size : 1);
		wl->rng = calloc(wl->nr_slots ? wl->nr_slots : 1, sizeof(*wl->rng));
		if (!wl->priv || !wl->cpu_priv || !wl->rng)
			return -ENOMEM;
		/* One stream per (instance, CPU), from (seed, instance, CPU) only. */
		for (unsigned k = 0; k < wl->nr_slots; k++)
			frag_rng_seed(&wl->rng[k], sc->run.seed, ((uint64_t)(i + 1) << 32) | spec->cpus[k]);
		if (wl->ops->init) {
			int ret = wl->ops->init(wl);
			if (ret) {
				snprintf(err, errlen, "workload %s (%s): %s", spec->name, wl->ops->name,
					 wl->error ? wl->error : "init failed");
				return ret;
			}
		}
	}
	int ret = register_shrinkers(s, err, errlen);
	if (ret)
		return ret;
	/* First events and stop events. */
	for (unsigned i = 0; i < s->nr_wl; i++) {
		struct frag_wl *wl = &s->wl[i];
		const struct frag_wl_spec *spec = wl->spec;
		if (spec->start >= s->end)
			continue;
		for (unsigned k = 0; k < wl->nr_slots; k++) {
			uint64_t t = wl->ops->start ? wl->ops->start(wl, k, spec->start) : spec->start;
			if (t != FRAG_TIME_NEVER && t < s->end && t < spec->stop)
				heap_push(&s->cpus[spec->cpus[k]].heap, (struct sim_event){ t, s->seq++, (uint16_t)i, (uint16_t)k });
		}
		/* A stop event on every CPU of the instance: stop() runs when the
		 * last of them gets there, after every CPU's earlier events. */
		for (unsigned k = 0; spec->stop < s->end && k < wl->nr_slots; k++)
			heap_push(&s->cpus[spec->cpus[k]].heap,
				  (struct sim_event){ spec->stop, s->seq++, (uint16_t)i, SLOT_STOP });
	}
	return 0;
}

static int open_sinks(struct sim *s, const struct frag_sim_opts *o, char *err, size_t errlen)
{
	for (unsigned i = 0; i < o->nr_sinks; i++) {
		char e[512] = "";
		int ret = o->sinks[i].ops->open(&s->sink_h[i], o->sinks[i].path, &s->ri, e, sizeof e);
		if (ret) {
			snprintf(err, errlen, "%s:%s: %s", o->sinks[i].ops->scheme, o->sinks[i].path, e[0] ? e : strerror(-ret));
			/* Close the ones already open, marking the run failed. */
			struct frag_run_end end = { .status = "failed", .message = "a result sink could not be opened" };
			for (unsigned k = 0; k < i; k++) {
				if (o->sinks[k].ops->finish)
					o->sinks[k].ops->finish(s->sink_h[k], &end);
				if (o->sinks[k].ops->close)
					o->sinks[k].ops->close(s->sink_h[k]);
			}
			return ret;
		}
		s->nr_sinks = i + 1;
	}
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Metrics                                                                */
/* ---------------------------------------------------------------------- */

struct metric_buf {
	struct frag_metric *m;
	unsigned n, cap;
	char *names;
	size_t used, size;
};

static void add_metric(struct metric_buf *b, const char *name, double value, const char *unit)
{
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 128;
		b->m = realloc(b->m, b->cap * sizeof(*b->m));
	}
	size_t len = strlen(name) + 1;
	if (b->used + len > b->size) {
		/* Names are stored as offsets until the end, then turned into pointers. */
		b->size = (b->size + len) * 2;
		b->names = realloc(b->names, b->size);
	}
	memcpy(b->names + b->used, name, len);
	b->m[b->n++] = (struct frag_metric){ (const char *)(uintptr_t)b->used, value, unit };
	b->used += len;
}

static void add_hist_metrics(struct metric_buf *b, const char *prefix, const struct sim_hist *h)
{
	char name[96];
	for (unsigned i = 0; i < HIST_BUCKETS; i++) {
		if (!h->b[i])
			continue;
		snprintf(name, sizeof name, "%s.%llu", prefix, (unsigned long long)hist_value(i));
		add_metric(b, name, (double)h->b[i], "count");
	}
}

static void build_metrics(struct sim *s, struct frag_sim_result *res, double wall)
{
	struct metric_buf b = { 0 };
	uint64_t counters[NR_FRAG_STATS + NR_ENGINE_COUNTERS];
	fill_counters(s, counters);
	for (unsigned i = 0; i < s->nr_counters; i++)
		add_metric(&b, s->counter_names[i], (double)counters[i], s->counter_units[i]);

	struct frag_spb_summary spb;
	frag_spb_summary(s->mem, &spb);
	add_metric(&b, "spb_total", (double)spb.nr_spbs, "count");
	add_metric(&b, "spb_full_1g", (double)spb.nr_full_spbs, "count");
	add_metric(&b, "spb_empty", (double)spb.empty, "count");
	add_metric(&b, "spb_clean", (double)spb.clean, "count");
	add_metric(&b, "spb_tainted", (double)spb.tainted, "count");
	add_metric(&b, "spb_free_now", (double)spb.free_now, "count");
	add_metric(&b, "spb_movable_only", (double)spb.movable_only, "count");
	add_metric(&b, "spb_tainted_pageblocks", (double)spb.tainted_pageblocks, "count");
	/* The hugetlb prediction's metrics go here; it runs last (below). */
	unsigned predict_at = b.n;

	struct frag_pageblock_summary pbs;
	frag_pageblock_summary(s->mem, &pbs);
	uint64_t mixed = 0;
	for (int mt = 0; mt < MIGRATE_TYPES; mt++)
		mixed += pbs.mixed[mt];
	add_metric(&b, "pageblocks_unmovable", (double)pbs.nr[MIGRATE_UNMOVABLE], "count");
	add_metric(&b, "pageblocks_movable", (double)pbs.nr[MIGRATE_MOVABLE], "count");
	add_metric(&b, "pageblocks_reclaimable", (double)pbs.nr[MIGRATE_RECLAIMABLE], "count");
	add_metric(&b, "pageblocks_highatomic", (double)pbs.nr[MIGRATE_HIGHATOMIC], "count");
	add_metric(&b, "pageblocks_mixed", (double)mixed, "count");
	add_metric(&b, "pageblocks_free", (double)pbs.free, "count");

	uint64_t free_pages = frag_total_free_pages(s->mem);
	add_metric(&b, "free_mib", (double)free_pages * FRAG_PAGE_SIZE / (1 << 20), "MiB");
	add_metric(&b, "managed_pages", (double)frag_total_managed_pages(s->mem), "pages");
	double thp_a = (double)frag_stat_get(s->mem, FRAG_STAT_thp_fault_alloc);
	double thp_f = (double)frag_stat_get(s->mem, FRAG_STAT_thp_fault_fallback);
	add_metric(&b, "thp_success_rate", thp_a + thp_f > 0 ? thp_a / (thp_a + thp_f) : NAN, "ratio");
	unsigned score = 0;
	for (unsigned n = 0; n < s->nr_nodes; n++)
		score += frag_fragmentation_score_node(s->mem, n);
	add_metric(&b, "fragmentation_score", s->nr_nodes ? (double)score / s->nr_nodes : 0, "percent");

	add_metric(&b, "alloc_latency_p50_ns", (double)hist_quantile(&s->lat_alloc, 0.50), "ns");
	add_metric(&b, "alloc_latency_p99_ns", (double)hist_quantile(&s->lat_alloc, 0.99), "ns");
	add_metric(&b, "alloc_latency_max_ns", (double)s->lat_alloc.max, "ns");
	add_metric(&b, "alloc_latency_mean_ns", s->lat_alloc.count ? (double)s->lat_alloc.sum / s->lat_alloc.count : 0,
		   "ns");
	add_metric(&b, "stall_count", (double)s->lat_stall.count, "count");
	add_metric(&b, "stall_p50_ns", (double)hist_quantile(&s->lat_stall, 0.50), "ns");
	add_metric(&b, "stall_p99_ns", (double)hist_quantile(&s->lat_stall, 0.99), "ns");
	add_metric(&b, "stall_max_ns", (double)s->lat_stall.max, "ns");
	add_metric(&b, "stall_total_ns", (double)s->lat_stall.sum, "ns");
	/* The latency histograms, one metric per non-empty bucket named by its
	 * lower edge in ns (analysis/ draws their CDFs). */
	add_hist_metrics(&b, "alloc_latency_hist_ns", &s->lat_alloc);
	add_hist_metrics(&b, "stall_hist_ns", &s->lat_stall);

	/* Workload counters: per instance, and summed by name over instances. */
	for (unsigned i = 0; i < s->nr_wl; i++) {
		const struct frag_wl *wl = &s->wl[i];
		for (unsigned k = 0; k < wl->nr_counters; k++) {
			char name[160];
			snprintf(name, sizeof name, "%s.%s", wl->spec->name, wl->counters[k].name);
			add_metric(&b, name, (double)wl->counters[k].value, "count");
		}
	}
	for (unsigned i = 0; i < s->nr_wl; i++)
		for (unsigned k = 0; k < s->wl[i].nr_counters; k++) {
			const char *cn = s->wl[i].counters[k].name;
			bool seen = false;
			for (unsigned j = 0; j < i && !seen; j++)
				for (unsigned l = 0; l < s->wl[j].nr_counters; l++)
					seen |= !strcmp(s->wl[j].counters[l].name, cn);
			if (seen)
				continue;
			uint64_t sum = 0;
			for (unsigned j = i; j < s->nr_wl; j++)
				for (unsigned l = 0; l < s->wl[j].nr_counters; l++)
					if (!strcmp(s->wl[j].counters[l].name, cn))
						sum += s->wl[j].counters[l].value;
			char name[160];
			snprintf(name, sizeof name, "wl.%s", cn);
			add_metric(&b, name, (double)sum, "count");
		}

	uint64_t sim_ns = s->reached;
	res->sim_ns = sim_ns;
	double ops = (double)(s->c.allocs + s->c.frees);
	add_metric(&b, "sim_seconds", ns2s(sim_ns), "s");
	add_metric(&b, "wall_seconds", wall, "s");
	add_metric(&b, "events_per_sec", wall > 0 ? ops / wall : 0, "1/s");
	add_metric(&b, "sim_seconds_per_wall_second", wall > 0 ? ns2s(sim_ns) / wall : 0, "ratio");
	add_metric(&b, "simgrid_wakeups_per_alloc", s->c.allocs ? (double)s->c.wakeups / s->c.allocs : 0, "ratio");
	/*
	 * How far the hugetlb pools could grow now, the way the kernel grows
	 * them (with migration and compaction); spb_free_now is what needs no
	 * migration at all. Last, because frag_predict_hugetlb_last() runs the
	 * 1 GiB prediction on the machine itself (nothing reads it after this;
	 * a clone would copy the whole page array), the 2 MiB one on a clone.
	 */
	bool p2m = s->opts->predict_2m || s->sc->run.predict_2m;
	bool p1g = s->sc->run.predict;
	struct frag_predict_opts po = { .skip_2m = !p2m, .skip_1g = !p1g };
	res->predicted = (p1g || p2m) && !frag_predict_hugetlb_last(s->mem, &po, &res->predict);
	if (res->predicted) {
		unsigned n0 = b.n;
		if (p1g)
			add_metric(&b, "hugetlb_1g_allocatable", (double)res->predict.hugetlb_1g_pages, "count");
		if (p2m)
			add_metric(&b, "hugetlb_2m_allocatable", (double)res->predict.hugetlb_2m_pages, "count");
		/* Into their place among the SPB metrics (the order of the rows and the summary). */
		struct frag_metric moved[2];
		unsigned k = b.n - n0;
		memcpy(moved, &b.m[n0], k * sizeof(*moved));
		memmove(&b.m[predict_at + k], &b.m[predict_at], (n0 - predict_at) * sizeof(*b.m));
		memcpy(&b.m[predict_at], moved, k * sizeof(*moved));
	}

	struct rusage ru;
	if (!getrusage(RUSAGE_SELF, &ru))
		add_metric(&b, "peak_rss_mib", (double)ru.ru_maxrss / 1024, "MiB");

	for (unsigned i = 0; i < b.n; i++)
		b.m[i].name = b.names + (uintptr_t)b.m[i].name;
	res->metrics = b.m;
	res->nr_metrics = b.n;
	res->names = b.names;
}

double frag_sim_metric(const struct frag_sim_result *res, const char *name)
{
	for (unsigned i = 0; i < res->nr_metrics; i++)
		if (!strcmp(res->metrics[i].name, name))
			return res->metrics[i].value;
	return NAN;
}

void frag_sim_result_free(struct frag_sim_result *res)
{
	free(res->metrics);
	free(res->names);
	res->metrics = NULL;
	res->names = NULL;
	res->nr_metrics = 0;
}

/* ---------------------------------------------------------------------- */
/* The run                                                                */
/* ---------------------------------------------------------------------- */

static void free_sim(struct sim *s)
{
	if (s->wl)
		for (unsigned i = 0; i < s->nr_wl; i++) {
			struct frag_wl *wl = &s->wl[i];
			if (wl->ops && wl->ops->fini && wl->priv)
				wl->ops->fini(wl);
			free(wl->priv);
			free(wl->cpu_priv);
			free(wl->rng);
			free(wl->error);
		}
	free(s->wl);
	if (s->cpus)
		for (unsigned c = 0; c < s->nr_cpus; c++)
			free(s->cpus[c].heap.a);
	free(s->cpus);
	if (s->nodes)
		for (unsigned n = 0; n < s->nr_nodes; n++) {
			/* The daemons' semaphores (sg_sem_init() in frag_sim_run()); the
			 * actors blocked on them are gone with the simulation. */
			if (s->nodes[n].kswapd_sem)
				sg_sem_destroy(s->nodes[n].kswapd_sem);
			if (s->nodes[n].kcompactd_sem)
				sg_sem_destroy(s->nodes[n].kcompactd_sem);
			if (s->nodes[n].policyd_sem)
				sg_sem_destroy(s->nodes[n].policyd_sem);
		}
	free(s->nodes);
	free(s->counter_names);
	free(s->counter_units);
	free(s->ep_counters);
	free(s->ep_free_blocks);
	free(s->ep_pb);
	free(s->ep_spb);
	free(s->zones);
	frag_mem_destroy(s->mem);
}

/*
 * SimGrid installs its own SIGINT handler (print the status, exit(1)) when it
 * initialises. The caller's SIGINT/SIGTERM handlers (fragsim run: stop
 * cleanly, record the run as interrupted) are saved before and put back
 * right after it, and again before the simulation starts.
 */
static struct sigaction caller_sigint, caller_sigterm;

static int start_simgrid(char *err, size_t errlen)
{
	if (simgrid_started) {
		snprintf(err, errlen, "one simulation per process: SimGrid was already started");
		return -EBUSY;
	}
	simgrid_started = true;
	static char *argv[] = { "fragsim", "--cfg=contexts/factory:raw", "--cfg=contexts/stack-size:256",
				"--log=root.thres:critical", NULL };
	int argc = 4;
	xbt_log_control_set("root.thres:critical");
	sigaction(SIGINT, NULL, &caller_sigint);
	sigaction(SIGTERM, NULL, &caller_sigterm);
	simgrid_init(&argc, argv);
	sigaction(SIGINT, &caller_sigint, NULL);
	sigaction(SIGTERM, &caller_sigterm, NULL);
	return 0;
}

int frag_sim_run(const struct frag_scenario *sc, const struct frag_config *cfg_in, const struct frag_sim_opts *o,
		 struct frag_sim_result *res, char *err, size_t errlen)
{
	struct sim *s = calloc(1, sizeof(*s));
	struct frag_config cfg = *cfg_in;
	int ret;

	memset(res, 0, sizeof(*res));
	if (!s)
		return -ENOMEM;
	s->sc = sc;
	s->opts = o;
	s->costs = sc->costs;
	s->end = sc->run.duration;
	s->kswapd_nid = -1;
	s->progress = o->progress && isatty(STDERR_FILENO);

	/* The machine. */
	cfg.env.arg = s;
	cfg.env.now_ns = env_now;
	cfg.env.wakeup_kswapd = env_wakeup_kswapd;
	cfg.env.wakeup_kcompactd = env_wakeup_kcompactd;
	cfg.env.trace = env_trace;
	cfg.env.migrate_folio = env_migrate_folio;
	cfg.env.prefetch_owner = env_prefetch_owner;
	cfg.env.shrink_lru = env_shrink_lru;
	cfg.env.wakeup_policy_daemon = env_wakeup_policy_daemon;
	cfg.env.trace_mask = (1u << TRACE_OOM) | (1u << TRACE_EXTFRAG);
	cfg.check_every = o->check_every;
	/* FRAGSIM_FUZZ_INJECT=ORDER: the test-only fault of frag_config.fault_inject (docs/fuzzing.md). */
	const char *inject = getenv("FRAGSIM_FUZZ_INJECT");
	if (inject && *inject >= '0' && *inject <= '9')
		cfg.fault_inject = (unsigned)atoi(inject) + 1;
	cfg.host_thp = true;   /* a run touches most of the page array: host THP pays (docs/architecture.md) */
	if (sc->init.snapshot[0]) {
		/* init.snapshot: the machine of a real snapshot, the scenario's policy and sysctls. */
		struct frag_snap snap;
		ret = frag_snap_load(sc->init.snapshot, &snap, err, errlen);
		if (ret) {
			/* Name the scenario key that led here. */
			char why[1024];
			snprintf(why, sizeof why, "%s", err);
			snprintf(err, errlen, "%s%skey init.snapshot: %s", sc->path, sc->path[0] ? ": " : "", why);
			goto out;
		}
		char what[4200];
		snprintf(what, sizeof what, "%s", sc->init.snapshot);
		ret = frag_memcheck(snap.in.end_pfn - snap.in.start_pfn, what, err, errlen);
		if (!ret)
			ret = frag_snap_restore(&snap, &cfg, &s->mem, err, errlen);
		frag_snap_free(&snap);
	} else {
		/* Refuse up front a machine the host cannot hold (docs/errors.md). */
		char what[4200];
		snprintf(what, sizeof what, "%s%skey machine.memory", sc->path[0] ? sc->path : "", sc->path[0] ? ": " : "");
		ret = frag_memcheck(frag_geometry_span(&cfg.geo), what, err, errlen);
		if (!ret)
			ret = frag_mem_create(&cfg, &s->mem, err, errlen);
	}
	if (ret)
		goto out;

	s->stats = frag_stats(s->mem);
	s->priced_gen = UINT64_MAX;
	s->nr_cpus = frag_nr_cpus(s->mem);
	s->nr_nodes = frag_nr_nodes(s->mem);
	s->cpus = calloc(s->nr_cpus, sizeof(*s->cpus));
	s->nodes = calloc(s->nr_nodes, sizeof(*s->nodes));
	if (!s->cpus || !s->nodes) {
		ret = -ENOMEM;
		goto out;
	}
	for (unsigned c = 0; c < s->nr_cpus; c++)
		s->cpus[c] = (struct sim_cpu){ .sim = s, .id = c, .nid = frag_cpu_node(s->mem, c),
					       .next_vmstat = VMSTAT_INTERVAL_NS };
	for (unsigned n = 0; n < s->nr_nodes; n++)
		s->nodes[n] = (struct sim_node){ .sim = s, .id = n };
	for (unsigned i = 0; i < sc->nr_workloads; i++)
		for (unsigned k = 0; k < sc->wl[i].nr_cpus; k++)
			if (sc->wl[i].cpus[k] >= s->nr_cpus) {
				snprintf(err, errlen, "workload %s: CPU %u does not exist (the machine has %u)", sc->wl[i].name,
					 sc->wl[i].cpus[k], s->nr_cpus);
				ret = -EINVAL;
				goto out;
			}

	ret = setup_workloads(s, err, errlen);
	if (ret)
		goto out;

	/* Run identity and epoch buffers. */
	unsigned nz = frag_nr_zones(s->mem);
	s->zones = calloc(nz, sizeof(*s->zones));
	s->nr_counters = NR_FRAG_STATS + NR_ENGINE_COUNTERS;
	s->counter_names = calloc(s->nr_counters, sizeof(char *));
	s->counter_units = calloc(s->nr_counters, sizeof(char *));
	s->ep_counters = calloc(s->nr_counters, sizeof(uint64_t));
	s->ep_free_blocks = calloc((size_t)nz * NR_PAGE_ORDERS * MIGRATE_TYPES, sizeof(uint32_t));
	s->ep_pb = calloc(frag_nr_pageblocks(s->mem) + 1, 1);
	s->ep_spb = calloc((frag_nr_spbs(s->mem) + 1) * FRAG_SPB_NR_FIELDS, sizeof(uint32_t));
	if (!s->zones || !s->counter_names || !s->counter_units || !s->ep_counters || !s->ep_free_blocks || !s->ep_pb ||
	    !s->ep_spb) {
		ret = -ENOMEM;
		goto out;
	}
	frag_zone_descs(s->mem, s->zones);
	for (int i = 0; i < NR_FRAG_STATS; i++) {
		s->counter_names[i] = frag_stat_desc[i].name;
		s->counter_units[i] = frag_stat_desc[i].unit;
	}
	unsigned k = NR_FRAG_STATS;
	for (unsigned e = 0; e < NR_ENGINE_COUNTERS; e++, k++) {
		s->counter_names[k] = frag_engine_counter_desc[e].name;
		s->counter_units[k] = frag_engine_counter_desc[e].unit;
	}

	if (!frag_run_info_ident(&s->ri, &o->ident))
		make_uid(sc, s->ri.uid);
	memcpy(res->uid, s->ri.uid, sizeof res->uid);
	s->ri.scenario_name = sc->run.name;
	s->ri.scenario_path = sc->path;
	s->ri.scenario_hash = sc->hash;
	s->ri.config_json = sc->resolved ? sc->resolved : "{}";
	s->ri.policy = sc->policy ? sc->policy->name : "linux";
	s->ri.seed = sc->run.seed;
	s->ri.simgrid_version = "3.32";
	s->ri.duration_ns = sc->run.duration;
	s->ri.sample_period_ns = sc->run.sample_period;
	s->ri.nr_zones = nz;
	s->ri.zones = s->zones;
	s->ri.nr_pageblocks = frag_nr_pageblocks(s->mem);
	s->ri.nr_spbs = frag_nr_spbs(s->mem);
	s->ri.nr_counters = s->nr_counters;
	s->ri.counter_names = s->counter_names;
	s->ri.counter_units = s->counter_units;

	ret = start_simgrid(err, errlen);
	if (ret)
		goto out;
	char plat[512];
	ret = write_platform(s, plat, sizeof plat, err, errlen);
	if (ret)
		goto out;
	simgrid_load_platform(plat);
	unlink(plat);

	ret = open_sinks(s, o, err, errlen);
	if (ret)
		goto out;

	/* Actors. */
	char name[64];
	for (unsigned n = 0; n < s->nr_nodes; n++) {
		snprintf(name, sizeof name, "node%u", n);
		sg_host_t host = sg_host_by_name(name);
		s->nodes[n].kswapd_sem = sg_sem_init(0);
		s->nodes[n].kcompactd_sem = sg_sem_init(0);
		snprintf(name, sizeof name, "kswapd%u", n);
		sg_actor_t a = sg_actor_init(name, host);
		sg_actor_set_data(a, &s->nodes[n]);
		sg_actor_start(a, sim_kswapd_actor, 0, NULL);
		snprintf(name, sizeof name, "kcompactd%u", n);
		a = sg_actor_init(name, host);
		sg_actor_set_data(a, &s->nodes[n]);
		sg_actor_start(a, sim_kcompactd_actor, 0, NULL);
		const char *pd = frag_policy_daemon_name(s->mem);
		if (pd) {
			s->nodes[n].policyd_sem = sg_sem_init(0);
			snprintf(name, sizeof name, "%s%u", pd, n);
			a = sg_actor_init(name, host);
			sg_actor_set_data(a, &s->nodes[n]);
			sg_actor_start(a, sim_policyd_actor, 0, NULL);
		}
	}
	for (unsigned c = 0; c < s->nr_cpus; c++) {
		snprintf(name, sizeof name, "node%u", s->cpus[c].nid);
		sg_host_t host = sg_host_by_name(name);
		snprintf(name, sizeof name, "cpu%u", c);
		sg_actor_t a = sg_actor_init(name, host);
		sg_actor_set_data(a, &s->cpus[c]);
		sg_actor_start(a, sim_cpu_actor, 0, NULL);
	}
	if (s->nr_sinks && sc->run.sample_period < s->end) {
		sg_actor_t a = sg_actor_init("sampler", sg_host_by_name("node0"));
		sg_actor_set_data(a, s);
		sg_actor_start(a, sim_sampler_actor, 0, NULL);
	}

	sigaction(SIGINT, &caller_sigint, NULL);
	sigaction(SIGTERM, &caller_sigterm, NULL);
	s->wall_start = sim_wall();
	sim_collect_epoch(s, 0);
	simgrid_run_until(ns2s(s->end) + 1.0);
	double wall = sim_wall() - s->wall_start;

	/* Outcome. */
	const char *status = "complete";
	if (s->fail[0]) {
		status = "failed";
		snprintf(res->message, sizeof res->message, "%s", s->fail);
	} else if (s->interrupted) {
		status = "interrupted";
		snprintf(res->message, sizeof res->message, "interrupted by a signal");
	} else if (o->check_every && !frag_mem_conserved(s->mem, res->message, sizeof res->message)) {
		status = "failed";   /* checked runs: conservation at the end (frag_mem_consistent() ran throughout) */
	} else {
		if (s->event_limit)
			snprintf(res->message, sizeof res->message, "engine.max_events: stopped after %llu events",
				 (unsigned long long)s->c.wl_events);
		else if (s->op_limit)
			snprintf(res->message, sizeof res->message, "engine.max_ops: stopped after %llu operations",
				 (unsigned long long)(s->c.allocs + s->c.frees));
		for (unsigned c = 0; c < s->nr_cpus; c++)
			if (!s->cpus[c].finished) {
				status = "failed";
				snprintf(res->message, sizeof res->message,
					 "deadlock: cpu%u did not finish by the watchdog time", c);
				break;
			}
	}
	snprintf(res->status, sizeof res->status, "%s", status);
	res->wall_seconds = wall;

	/*
	 * How far the run got: every CPU handled all its events before its
	 * next pending one (a CPU with none left, idle or done, got to the
	 * end). The final epoch is stamped with it, never before an epoch
	 * already sampled, and sim_seconds reports the same time.
	 */
	uint64_t t_final = s->end;
	if (strcmp(status, "complete") || s->op_limit) {
		for (unsigned c = 0; c < s->nr_cpus; c++) {
			const struct sim_cpu *cpu = &s->cpus[c];
			if (cpu->heap.n && cpu->heap.a[0].t < t_final)
				t_final = cpu->heap.a[0].t;
		}
		if (t_final < s->last_epoch_t)
			t_final = s->last_epoch_t;
	}
	s->reached = t_final;
	if (o->state_hash)
		res->state_hash = frag_mem_hash(s->mem);
	sim_collect_epoch(s, t_final);
	sim_progress(s, t_final, true);
	build_metrics(s, res, wall);

	struct frag_run_end end = {
		.status = res->status,
		.message = res->message,
		.wall_seconds = wall,
		.sim_ns = res->sim_ns,
		.nr_metrics = res->nr_metrics,
		.metrics = res->metrics,
	};
	for (unsigned i = 0; i < s->nr_sinks; i++) {
		if (o->sinks[i].ops->finish && o->sinks[i].ops->finish(s->sink_h[i], &end)) {
			snprintf(err, errlen, "%s:%s: %s", o->sinks[i].ops->scheme, o->sinks[i].path,
				 o->sinks[i].ops->last_error ? o->sinks[i].ops->last_error(s->sink_h[i]) :
							       "could not record the end of the run");
			ret = -EIO;
		}
		if (o->sinks[i].ops->close)
			o->sinks[i].ops->close(s->sink_h[i]);
	}
	s->nr_sinks = 0;
out:
	free_sim(s);
	free(s);
	return ret;
}
