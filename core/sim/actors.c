/* SPDX-License-Identifier: MIT */
/*
 * actors.c - the SimGrid actors: one per simulated CPU, kswapd and
 * kcompactd per node, and the epoch sampler.
 *
 * Two-level time (docs/architecture.md, "Engine"): each CPU keeps its own
 * model clock in integer ns. A CPU actor handles, in plain C, every event due
 * up to batch_window past its current time, advancing its clock by event
 * times and by the simulated cost of each operation, then makes ONE SimGrid
 * call: sleep until its next event. CPUs therefore interleave at the
 * granularity of the batch window; SimGrid orders the batches.
 */
#include <simgrid/actor.h>
#include <simgrid/engine.h>
#include <simgrid/semaphore.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_internal.h"
#include "store16.h"

/* ---------------------------------------------------------------------- */
/* Event heap                                                             */
/* ---------------------------------------------------------------------- */

static inline bool ev_less(const struct sim_event *a, const struct sim_event *b)
{
	return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

/* Place an event with one 16-byte store (store16.h: the next pop often reads it back whole). */
static inline void ev_put(struct sim_event *dst, struct sim_event ev)
{
#ifdef FRAG_STORE16
	_Static_assert(sizeof(struct sim_event) == 16 && offsetof(struct sim_event, seq) == 8 &&
			       offsetof(struct sim_event, wl) == 12 && offsetof(struct sim_event, slot) == 14,
		       "struct sim_event is t, then seq, wl and slot in one little-endian 64-bit word");
	frag_store16(dst, ev.t, (uint64_t)ev.seq | (uint64_t)ev.wl << 32 | (uint64_t)ev.slot << 48);
#else
	*dst = ev;
#endif
}

void heap_push(struct sim_heap *h, struct sim_event ev)
{
	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 16;
		h->a = realloc(h->a, h->cap * sizeof(*h->a));
		if (!h->a) {
			fprintf(stderr, "fragsim: out of memory (event heap)\n");
			abort();
		}
	}
	unsigned i = h->n++;
	while (i) {
		unsigned p = (i - 1) / 2;
		if (!ev_less(&ev, &h->a[p]))
			break;
		h->a[i] = h->a[p];
		i = p;
	}
	ev_put(&h->a[i], ev);
}

struct sim_event heap_pop(struct sim_heap *h)
{
	struct sim_event top = h->a[0], last = h->a[--h->n];
	unsigned i = 0;
	for (;;) {
		unsigned l = 2 * i + 1, r = l + 1, m = i;
		const struct sim_event *best = &last;
		if (l < h->n && ev_less(&h->a[l], best)) {
			m = l;
			best = &h->a[l];
		}
		if (r < h->n && ev_less(&h->a[r], best))
			m = r;
		if (m == i)
			break;
		h->a[i] = h->a[m];
		i = m;
	}
	if (h->n)
		h->a[i] = last;
	return top;
}

/* ---------------------------------------------------------------------- */
/* CPU actors                                                             */
/* ---------------------------------------------------------------------- */

static void run_event(struct sim *s, struct sim_cpu *c, struct sim_event ev, uint64_t limit)
{
	struct frag_wl *wl = &s->wl[ev.wl];

	if (ev.slot == SLOT_STOP) {
		if (++wl->stops_seen < wl->nr_slots)
			return;   /* other CPUs of the instance have not reached the stop time */
		if (!wl->stopped) {
			wl->stopped = true;
			if (wl->ops->stop)
				wl->ops->stop(wl, c->now);
		}
		return;
	}
	if (wl->stopped)
		return;
	s->c.events++;
	/*
	 * The workload may go on with its own events until the next event of
	 * anything else on this CPU (ties go to the queued event: it has the
	 * lower sequence number), its stop time, the end of the run or the
	 * batch's limit; what it runs is what the heap would have run, in the
	 * same order, without a heap operation per event.
	 */
	uint64_t until = c->heap.n ? c->heap.a[0].t : FRAG_TIME_NEVER;
	if (until > limit)
		until = limit;
	if (until > s->end)
		until = s->end;
	if (until > wl->spec->stop)
		until = wl->spec->stop;
	until = until > c->now ? until - 1 : c->now;
	uint64_t next = wl->ops->step(wl, ev.slot, c->now, until);
	if (next != FRAG_TIME_NEVER && next < s->end && next < wl->spec->stop) {
		if (next <= ev.t)
			next = ev.t + 1;   /* a workload must make progress */
		heap_push(&c->heap, (struct sim_event){ next, s->seq++, ev.wl, ev.slot });
	}
}

/*
 * A batch starts cold: since this CPU's last batch the other CPUs' batches
 * went through the same caches, and the per-CPU state of each workload
 * instance that runs now (its timers' header, near heap and low buckets at
 * the start of its cpu_priv, its random stream) was evicted. Left alone, the
 * batch meets those misses one by one as the instances' events come up; here
 * they are all started at once, for every instance with an event due within
 * the batch's longest reach. A hint only: nothing is read from the lines.
 */
#define BATCH_PREFETCH_LINES 11  /* of each cpu_priv: wl_timers' header, near and b[1..~26] */

static void prefetch_batch(const struct sim *s, const struct sim_cpu *c, uint64_t max_end)
{
	for (unsigned i = 0; i < c->heap.n; i++) {
		const struct sim_event *ev = &c->heap.a[i];
		if (ev->t > max_end || ev->slot == SLOT_STOP)
			continue;
		const struct frag_wl *wl = &s->wl[ev->wl];
		size_t size = wl->ops->cpu_priv_size;
		if (size) {
			const char *priv = wl->cpu_priv + (size_t)ev->slot * size;
			for (size_t off = 0; off < size && off < BATCH_PREFETCH_LINES * 64; off += 64)
				__builtin_prefetch(priv + off, 1);
		}
		__builtin_prefetch(&wl->rng[ev->slot], 1);
	}
}

void sim_cpu_actor(int argc, char **argv)
{
	struct sim_cpu *c = sg_actor_self_get_data();
	struct sim *s = c->sim;
	(void)argc;
	(void)argv;

	while (c->heap.n && !s->interrupted && !s->fail[0] && !s->op_limit) {
		if (s->opts->stop && *s->opts->stop) {
			s->interrupted = true;
			break;
		}
		if (s->sc->run.max_ops && s->c.allocs + s->c.frees >= s->sc->run.max_ops) {
			s->op_limit = true;   /* engine.max_ops: every CPU stops at its next batch boundary */
			break;
		}
		uint64_t t0 = c->heap.a[0].t;
		if (t0 >= s->end)
			break;
		if (c->now < t0)
			c->now = t0;
		/* vmstat_update(): once a second on each CPU, decay_pcp_high()
		 * on its lists (at batch boundaries: up to batch_max_window late). */
		while (c->now >= c->next_vmstat) {
			frag_pcp_decay_cpu(s->mem, c->id);
			c->next_vmstat += VMSTAT_INTERVAL_NS;
			c->vmstat_updates++;
		}
		/*
		 * The batch: every event within batch_window; a CPU with few
		 * operations keeps going, up to batch_max_window, until it has
		 * done batch_ops allocations and frees (the SimGrid wake-up
		 * budget: about one per batch_ops operations).
		 */
		uint64_t window_end = c->now + s->sc->run.batch_window;
		uint64_t max_end = c->now + s->sc->run.batch_max_window;
		uint64_t ops0 = s->c.allocs + s->c.frees;

		prefetch_batch(s, c, max_end);
		s->cur = c;
		while (c->heap.n && c->heap.a[0].t < s->end) {
			uint64_t t = c->heap.a[0].t;
			if (t > window_end && (t > max_end || s->c.allocs + s->c.frees - ops0 >= s->sc->run.batch_ops))
				break;
			struct sim_event ev = heap_pop(&c->heap);
			if (c->now < ev.t)
				c->now = ev.t;
			uint64_t done = s->c.allocs + s->c.frees - ops0;
			run_event(s, c, ev, done >= s->sc->run.batch_ops ? window_end : max_end);
			if (sim_stopping(s))
				break;
		}
		s->cur = NULL;
		sim_wake_daemons(s);
		c->batches++;
		s->c.wakeups++;
		if (c->id == 0 && (c->batches & 63) == 0)
			sim_progress(s, c->now, false);

		if (!c->heap.n)
			break;
		uint64_t wake = c->heap.a[0].t;
		if (wake >= s->end)
			break;
		if (wake < c->now)
			wake = c->now;   /* the batch overran: resume where its work ended */
		/*
		 * A CPU whose clock the costs pushed past the end still runs the
		 * events due before it (late, without sleeping): which events a
		 * workload gets must not depend on the policy's costs.
		 */
		if (wake < s->end)
			sg_actor_sleep_until(ns2s(wake));
	}
	c->finished = true;
}

/* ---------------------------------------------------------------------- */
/* Kernel daemons                                                         */
/* ---------------------------------------------------------------------- */

/* A wake-up reached kswapd: the one the CPUs signalled is consumed. */
static void kswapd_woken(struct sim *s, struct sim_node *n)
{
	n->kswapd_pending = false;
	n->kswapd_signalled = false;
	n->kswapd_wake++;
	s->c.daemon_wakeups++;
}

/*
 * kswapd (mm/vmscan.c kswapd()): the model runs the loop's logic
 * (frag_kswapd_*), the actor supplies the waits. Before sleeping kswapd naps
 * FRAG_KSWAPD_NAP_NS (HZ/10) on its semaphore; a wake-up during the nap
 * (wakeup_kswapd() -> sim_wake_daemons()) cuts it short. Then it either
 * sleeps until woken or, not balanced, runs again at once. A run is
 * balance_pgdat() in one step of model time: the node's kswapd is marked
 * active (wakeups are not delivered, get_page_from_freelist() skips the
 * node on NUMA machines), and the actor then spends the run's simulated
 * CPU time: kswapd_run plus the reclaim costs of what it scanned,
 * reclaimed, swapped and shrank (docs/costs.md).
 */
void sim_kswapd_actor(int argc, char **argv)
{
	struct sim_node *n = sg_actor_self_get_data();
	struct sim *s = n->sim;
	unsigned nid = n->id;
	struct frag_kswapd k;
	(void)argc;
	(void)argv;

	sg_actor_daemonize(sg_actor_self());
	frag_kswapd_init(&k);
	for (;;) {
		bool napped = frag_kswapd_try_to_nap(s->mem, nid, &k), woken = false;
		if (napped && sg_sem_acquire_timeout(n->kswapd_sem, ns2s(FRAG_KSWAPD_NAP_NS)) == 0) {
			woken = true;
			kswapd_woken(s, n);
		}
		if (frag_kswapd_try_to_sleep(s->mem, nid, &k, napped, woken)) {
			sg_sem_acquire(n->kswapd_sem);
			kswapd_woken(s, n);
		}

		frag_node_set_kswapd_active(s->mem, nid, true);
		s->kswapd_nid = (int)nid;
		frag_kswapd_run(s->mem, nid, &k);
		s->kswapd_nid = -1;
		uint64_t reclaim = sim_reclaim_cost(&s->costs, k.nr_scanned, k.nr_reclaimed, k.nr_swapped,
						    k.nr_slab_scanned);
		uint64_t cost = s->costs.kswapd_run + reclaim;
		frag_vm_event(s->mem, FRAG_STAT_reclaim_ns, reclaim);
		n->kswapd_ns += cost;
		sg_actor_sleep_for(ns2s(cost));
		frag_node_set_kswapd_active(s->mem, nid, false);
	}
}

/*
 * kcompactd (mm/compaction.c kcompactd()): waits until wakeup_kcompactd()
 * or, with vm.compaction_proactiveness > 0, until its proactive timeout
 * (500 ms, 32 s after a proactive run that did not lower the score). Woken
 * with work: kcompactd_do_work(); timed out: the proactive check. Each run
 * that compacts charges daemon CPU time: kcompactd_run plus the per-page
 * terms of the model counters (compact_scan_page x pfns scanned,
 * isolate_page x pages isolated, migrate_page x pages migrated), slept off
 * and added to kcompactd_cpu_ns and the model's compact_ns.
 */
static void kcompactd_charge(struct sim *s, struct sim_node *n, const uint64_t *before)
{
	uint64_t cost = sim_compaction_cost(s, before);
	if (!cost && s->stats[FRAG_STAT_compact_daemon_wake] == before[FRAG_STAT_compact_daemon_wake])
		return;   /* a proactive check that did not compact */
	cost += s->costs.kcompactd_run;
	n->kcompactd_ns += cost;
	frag_vm_event(s->mem, FRAG_STAT_compact_ns, cost);
	sg_actor_sleep_for(ns2s(cost));
}

void sim_kcompactd_actor(int argc, char **argv)
{
	struct sim_node *n = sg_actor_self_get_data();
	struct sim *s = n->sim;
	const uint64_t default_timeout = FRAG_KCOMPACTD_INTERVAL_NS;
	uint64_t timeout = default_timeout;
	uint64_t before[NR_FRAG_STATS];
	(void)argc;
	(void)argv;

	sg_actor_daemonize(sg_actor_self());
	for (;;) {
		bool woken;
		if (!frag_proactive_compaction_enabled(s->mem)) {
			sg_sem_acquire(n->kcompactd_sem);
			woken = true;
		} else {
			woken = sg_sem_acquire_timeout(n->kcompactd_sem, ns2s(timeout)) == 0;
		}
		if (woken) {
			n->kcompactd_pending = false;
			n->kcompactd_signalled = false;
		}
		if (s->interrupted || s->fail[0])
			continue;

		unsigned order;
		enum zone_type highest;
		memcpy(before, s->stats, sizeof before);
		if (woken && frag_kcompactd_work_requested(s->mem, n->id, &order, &highest)) {
			n->kcompactd_wake++;
			s->c.daemon_wakeups++;
			frag_kcompactd_do_work(s->mem, n->id, order, highest);
			kcompactd_charge(s, n, before);
			timeout = default_timeout;
			continue;
		}
		timeout = frag_kcompactd_proactive(s->mem, n->id);
		kcompactd_charge(s, n, before);
	}
}

/*
 * The policy's daemon (policy_ops.daemon, e.g. the SPB defrag worker): sleeps
 * until frag_policy_wake_daemon() (signalled after the waking CPU's batch) or
 * the delay its last run asked for; each run charges its migrations
 * (migrate_page per page moved, the compaction price list) plus
 * kcompactd_run as daemon CPU time, slept off and reported as
 * spb_defrag_cpu_ns.
 */
void sim_policyd_actor(int argc, char **argv)
{
	struct sim_node *n = sg_actor_self_get_data();
	struct sim *s = n->sim;
	uint64_t delay = 0;
	uint64_t before[NR_FRAG_STATS];
	(void)argc;
	(void)argv;

	sg_actor_daemonize(sg_actor_self());
	for (;;) {
		bool woken;
		if (!delay) {
			sg_sem_acquire(n->policyd_sem);
			woken = true;
		} else {
			woken = sg_sem_acquire_timeout(n->policyd_sem, ns2s(delay)) == 0;
		}
		if (woken) {
			n->policyd_pending = false;
			n->policyd_signalled = false;
		}
		if (s->interrupted || s->fail[0]) {
			delay = 0;
			continue;
		}
		memcpy(before, s->stats, sizeof before);
		uint64_t now = (uint64_t)llround(simgrid_get_clock() * 1e9);
		delay = frag_policy_daemon_run(s->mem, n->id, now);
		uint64_t cost = sim_compaction_cost(s, before);
		if (!cost)
			continue;
		cost += s->costs.kcompactd_run;
		n->policyd_wake++;
		s->c.daemon_wakeups++;
		n->policyd_ns += cost;
		sg_actor_sleep_for(ns2s(cost));
	}
}

/* ---------------------------------------------------------------------- */
/* Epoch sampler                                                          */
/* ---------------------------------------------------------------------- */

/* Samples at t = period, 2*period, ... < end; the initial and final states
 * are sampled by the engine outside the simulation. */
void sim_sampler_actor(int argc, char **argv)
{
	struct sim *s = sg_actor_self_get_data();
	uint64_t period = s->sc->run.sample_period;
	(void)argc;
	(void)argv;

	for (uint64_t t = period; t < s->end; t += period) {
		sg_actor_sleep_until(ns2s(t));
		if (sim_stopping(s))
			break;
		sim_collect_epoch(s, t);
		sim_progress(s, t, false);
	}
}
