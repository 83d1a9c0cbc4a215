/* SPDX-License-Identifier: MIT */
/*
 * trace.c - read real kernel traces (trace-cmd trace.dat through libtracecmd,
 * the capture's CSV form, `trace-cmd report` / tracefs text), streaming, for
 * `fragsim replay` (frag/trace.h, docs/replay.md).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "frag/trace.h"

#ifdef FRAG_HAVE_TRACECMD
#include <trace-cmd.h>
/* Exported by libtracecmd but declared only in its private header (trace-cmd-private.h, 1.3). */
extern off64_t tracecmd_get_cpu_file_size(struct tracecmd_input *handle, int cpu);
extern int tracecmd_cpus(struct tracecmd_input *handle);
#endif

const char *const frag_tev_names[NR_TEV_TYPES] = {
	[TEV_ALLOC] = "mm_page_alloc",
	[TEV_FREE] = "mm_page_free",
	[TEV_FREE_BATCHED] = "mm_page_free_batched",
	[TEV_PCPU_DRAIN] = "mm_page_pcpu_drain",
	[TEV_ZONE_LOCKED] = "mm_page_alloc_zone_locked",
	[TEV_EXTFRAG] = "mm_page_alloc_extfrag",
	[TEV_COMPACTION] = "compaction",
	[TEV_OTHER] = "other",
};

static int tfail(char *err, size_t errlen, int ret, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int tfail(char *err, size_t errlen, int ret, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return ret;
}

static int deliver(struct frag_trace_info *info, frag_tev_fn fn, void *arg, const struct frag_tev *ev)
{
	if (!info->nr_events)
		info->first_ns = ev->ts_ns;
	info->last_ns = ev->ts_ns;
	info->nr_events++;
	info->nr_type[ev->type]++;
	if (ev->cpu > info->max_cpu)
		info->max_cpu = ev->cpu;
	return fn(ev, arg);
}

/* ---------------------------------------------------------------------- */
/* trace.dat (libtracecmd)                                                */
/* ---------------------------------------------------------------------- */

#ifdef FRAG_HAVE_TRACECMD
bool frag_trace_have_dat(void)
{
	return true;
}

static int read_dat_guarded(const char *path, frag_tev_fn fn, void *arg, struct frag_trace_info *info, char *err,
			    size_t errlen);
static sigjmp_buf dat_jmp;
static volatile sig_atomic_t dat_reading;

struct dat_ev {
	int id;                              /* tep event id, -1 if absent */
	struct tep_format_field *pfn, *order, *gfp, *mt, *refill;
	struct tep_format_field *alloc_order, *fb_order, *alloc_mt, *fb_mt, *chown;
};

struct dat_ctx {
	struct tep_handle *tep;
	struct dat_ev ev[TEV_EXTFRAG + 1];
	int nr_cpus;
	unsigned long long *first_off, *last_off;   /* per CPU: file offsets of the first and last record */
	bool bad_id;                         /* a record of no known event: corrupt data */
	unsigned long long bad_ts;
	int bad_cpu;
	frag_tev_fn fn;
	void *arg;
	struct frag_trace_info *info;
	int ret;
};

static bool dat_native;   /* the file's byte order is the host's: fields are read in place */

/* A numeric field of @rec (tep_read_number_field(), inline when the byte order allows). */
static unsigned long long rdf(struct tep_format_field *f, struct tep_record *rec)
{
	unsigned long long v = 0;
	if (!f)
		return 0;
	if (dat_native && f->offset >= 0 && f->offset + f->size <= rec->size) {
		const unsigned char *p = (const unsigned char *)rec->data + f->offset;
		switch (f->size) {
		case 1: return *p;
		case 2: { uint16_t x; memcpy(&x, p, 2); return x; }
		case 4: { uint32_t x; memcpy(&x, p, 4); return x; }
		case 8: { uint64_t x; memcpy(&x, p, 8); return x; }
		default: break;
		}
	}
	tep_read_number_field(f, rec->data, &v);
	return v;
}

static int dat_cb(struct tracecmd_input *h, struct tep_record *rec, int cpu, void *data)
{
	struct dat_ctx *c = data;
	(void)h;
	int id = tep_data_type(c->tep, rec);
	struct frag_tev ev = { .ts_ns = rec->ts, .cpu = cpu, .mt = -1 };
	if (cpu >= 0 && cpu < c->nr_cpus) {
		if (!c->first_off[cpu])
			c->first_off[cpu] = rec->offset;
		c->last_off[cpu] = rec->offset;
	}
	int t;
	for (t = 0; t <= TEV_EXTFRAG; t++)
		if (c->ev[t].id == id)
			break;
	if (t > TEV_EXTFRAG) {
		struct tep_event *e = tep_find_event(c->tep, id);
		if (!e) {
			c->bad_id = true;
			c->bad_ts = rec->ts;
			c->bad_cpu = cpu;
			return -1;
		}
		ev.type = e->system && !strcmp(e->system, "compaction") ? TEV_COMPACTION : TEV_OTHER;
	} else {
		const struct dat_ev *d = &c->ev[t];
		ev.type = (enum frag_tev_type)t;
		ev.pfn = rdf(d->pfn, rec);
		switch (ev.type) {
		case TEV_ALLOC:
			ev.order = (unsigned)rdf(d->order, rec);
			ev.gfp = (gfp_t)rdf(d->gfp, rec);
			ev.mt = (int)rdf(d->mt, rec);
			break;
		case TEV_FREE:
			ev.order = (unsigned)rdf(d->order, rec);
			break;
		case TEV_FREE_BATCHED:
			break;
		case TEV_PCPU_DRAIN:
			ev.order = (unsigned)rdf(d->order, rec);
			ev.mt = (int)rdf(d->mt, rec);
			break;
		case TEV_ZONE_LOCKED:
			ev.order = (unsigned)rdf(d->order, rec);
			ev.mt = (int)rdf(d->mt, rec);
			ev.percpu_refill = (int)rdf(d->refill, rec);
			break;
		case TEV_EXTFRAG:
			ev.order = (unsigned)rdf(d->alloc_order, rec);
			ev.fallback_order = (int)rdf(d->fb_order, rec);
			ev.mt = (int)rdf(d->alloc_mt, rec);
			ev.fallback_mt = (int)rdf(d->fb_mt, rec);
			ev.change_ownership = (int)rdf(d->chown, rec);
			break;
		default:
			break;
		}
	}
	ev.pid = tep_data_pid(c->tep, rec);
	dat_reading = 0;   /* a crash in the replay itself is not the trace's fault */
	c->ret = deliver(c->info, c->fn, c->arg, &ev);
	dat_reading = 1;
	return c->ret;
}

/*
 * libtracecmd 1.3 trusts sub-buffer page headers: a garbled commit or
 * timestamp field crashes it (SIGSEGV in kbuffer). A corrupt file must be
 * an error naming the file, so reading runs under a handler that jumps back
 * out; the handle is then abandoned (the process reports and exits).
 */

static void dat_crash(int sig)
{
	if (dat_reading)
		siglongjmp(dat_jmp, sig);
	signal(sig, SIG_DFL);
	raise(sig);
}

static int read_dat(const char *path, frag_tev_fn fn, void *arg, struct frag_trace_info *info, char *err,
		    size_t errlen)
{
	struct sigaction sa = { .sa_handler = dat_crash }, old_segv, old_bus;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_NODEFER;
	sigaction(SIGSEGV, &sa, &old_segv);
	sigaction(SIGBUS, &sa, &old_bus);
	if (sigsetjmp(dat_jmp, 1)) {
		dat_reading = 0;
		sigaction(SIGSEGV, &old_segv, NULL);
		sigaction(SIGBUS, &old_bus, NULL);
		return tfail(err, errlen, -EIO, "%s: corrupt event data (libtracecmd could not parse a page)", path);
	}
	dat_reading = 1;
	int ret = read_dat_guarded(path, fn, arg, info, err, errlen);
	dat_reading = 0;
	sigaction(SIGSEGV, &old_segv, NULL);
	sigaction(SIGBUS, &old_bus, NULL);
	return ret;
}

static int read_dat_guarded(const char *path, frag_tev_fn fn, void *arg, struct frag_trace_info *info, char *err,
			    size_t errlen)
{
	tracecmd_set_loglevel(TEP_LOG_NONE);
	struct tracecmd_input *h =
		tracecmd_open(path, TRACECMD_FL_LOAD_NO_PLUGINS | TRACECMD_FL_LOAD_NO_SYSTEM_PLUGINS);
	if (!h)
		return tfail(err, errlen, -EINVAL, "%s: not a readable trace.dat (corrupt or truncated)", path);
	struct dat_ctx c = { .tep = tracecmd_get_tep(h), .fn = fn, .arg = arg, .info = info };
	dat_native = tep_is_file_bigendian(c.tep) == tep_is_local_bigendian(c.tep);
	static const char *const need[] = { [TEV_ALLOC] = "mm_page_alloc", [TEV_FREE] = "mm_page_free",
					    [TEV_FREE_BATCHED] = "mm_page_free_batched",
					    [TEV_PCPU_DRAIN] = "mm_page_pcpu_drain",
					    [TEV_ZONE_LOCKED] = "mm_page_alloc_zone_locked",
					    [TEV_EXTFRAG] = "mm_page_alloc_extfrag" };
	for (int t = 0; t <= TEV_EXTFRAG; t++) {
		struct tep_event *e = tep_find_event_by_name(c.tep, "kmem", need[t]);
		struct dat_ev *d = &c.ev[t];
		d->id = e ? e->id : -1;
		if (!e) {
			if (t <= TEV_PCPU_DRAIN) {
				tracecmd_close(h);
				return tfail(err, errlen, -EINVAL,
					     "%s: the trace has no format for kmem:%s, which replay needs", path,
					     need[t]);
			}
			continue;
		}
		d->pfn = tep_find_field(e, "pfn");
		d->order = tep_find_field(e, "order");
		d->gfp = tep_find_field(e, "gfp_flags");
		d->mt = tep_find_field(e, "migratetype");
		d->refill = tep_find_field(e, "percpu_refill");
		d->alloc_order = tep_find_field(e, "alloc_order");
		d->fb_order = tep_find_field(e, "fallback_order");
		d->alloc_mt = tep_find_field(e, "alloc_migratetype");
		d->fb_mt = tep_find_field(e, "fallback_migratetype");
		d->chown = tep_find_field(e, "change_ownership");
		bool bad = !d->pfn || (t == TEV_ALLOC && (!d->order || !d->gfp || !d->mt)) ||
			   (t == TEV_FREE && !d->order) || (t == TEV_PCPU_DRAIN && (!d->order || !d->mt)) ||
			   (t == TEV_EXTFRAG && (!d->alloc_order || !d->fb_order || !d->alloc_mt || !d->fb_mt));
		if (bad) {
			tracecmd_close(h);
			return tfail(err, errlen, -EINVAL, "%s: kmem:%s lacks a field replay needs (format differs)",
				     path,
				     need[t]);
		}
	}
	c.nr_cpus = tracecmd_cpus(h);
	c.first_off = calloc((size_t)c.nr_cpus + 1, sizeof(*c.first_off));
	c.last_off = calloc((size_t)c.nr_cpus + 1, sizeof(*c.last_off));
	if (!c.first_off || !c.last_off) {
		free(c.first_off);
		free(c.last_off);
		tracecmd_close(h);
		return tfail(err, errlen, -ENOMEM, "%s: out of memory", path);
	}
	int ret = tracecmd_iterate_events(h, NULL, 0, dat_cb, &c);
	/*
	 * libtracecmd stops reading a CPU at a sub-buffer page it cannot parse
	 * and says nothing: the records of every CPU must reach its last page
	 * (one page of slack for a final page with no events).
	 */
	int short_cpu = -1;
	unsigned long long page = (unsigned long long)tep_get_sub_buffer_size(c.tep);
	if (!page)
		page = 4096;
	for (int cpu = 0; cpu < c.nr_cpus && !c.ret && !c.bad_id; cpu++) {
		long long size = (long long)tracecmd_get_cpu_file_size(h, cpu);
		if (size <= 0)
			continue;
		unsigned long long start = c.first_off[cpu] / page * page;
		if (!c.first_off[cpu] || c.last_off[cpu] + 2 * page < start + (unsigned long long)size) {
			short_cpu = cpu;
			break;
		}
	}
	tracecmd_close(h);
	free(c.first_off);
	free(c.last_off);
	if (c.bad_id)
		return tfail(err, errlen, -EIO,
			     "%s: corrupt event data (a record of no known event on cpu %d at %llu ns)",
			     path, c.bad_cpu, c.bad_ts);
	if (c.ret)
		return c.ret;
	if (ret < 0 || short_cpu >= 0)
		return tfail(err, errlen, -EIO,
			     "%s: corrupt or truncated event data (cpu %d stops before the end of its data)", path,
			     short_cpu);
	return 0;
}
#else
bool frag_trace_have_dat(void)
{
	return false;
}

static int read_dat(const char *path, frag_tev_fn fn, void *arg, struct frag_trace_info *info, char *err,
		    size_t errlen)
{
	(void)fn;
	(void)arg;
	(void)info;
	return tfail(err, errlen, -EOPNOTSUPP,
		     "%s: this fragsim was built without libtracecmd; convert the trace to text "
		     "(`trace-cmd report -R -t`) or install libtracecmd-dev and rebuild", path);
}
#endif

/* ---------------------------------------------------------------------- */
/* Text forms                                                             */
/* ---------------------------------------------------------------------- */

/* A decompressing reader: the file itself, or `xz -dc` / `zstd -dc` of it. */
struct text_in {
	FILE *f;
	pid_t pid;
	const char *tool;
};

static int text_open(const char *path, const uint8_t *magic, size_t nmagic, struct text_in *t, char *err,
		     size_t errlen)
{
	static const uint8_t xz[6] = { 0xfd, '7', 'z', 'X', 'Z', 0 }, zst[4] = { 0x28, 0xb5, 0x2f, 0xfd };
	t->pid = 0;
	t->tool = NULL;
	if (nmagic >= 6 && !memcmp(magic, xz, 6))
		t->tool = "xz";
	else if (nmagic >= 4 && !memcmp(magic, zst, 4))
		t->tool = "zstd";
	if (!t->tool) {
		t->f = fopen(path, "r");
		if (!t->f)
			return tfail(err, errlen, -errno, "%s: %s", path, strerror(errno));
		return 0;
	}
	int p[2];
	if (pipe(p))
		return tfail(err, errlen, -errno, "%s: pipe: %s", path, strerror(errno));
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return tfail(err, errlen, -errno, "%s: fork: %s", path, strerror(errno));
	}
	if (pid == 0) {
		dup2(p[1], STDOUT_FILENO);
		close(p[0]);
		close(p[1]);
		int dn = open("/dev/null", O_WRONLY);
		if (dn >= 0)
			dup2(dn, STDERR_FILENO);
		execlp(t->tool, t->tool, "-dcq", "--", path, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	t->pid = pid;
	t->f = fdopen(p[0], "r");
	if (!t->f) {
		close(p[0]);
		return tfail(err, errlen, -ENOMEM, "%s: fdopen failed", path);
	}
	return 0;
}

/* Close; non-zero when the decompressor failed (corrupt or truncated stream). */
static int text_close(struct text_in *t, bool stopped_early)
{
	int bad = 0;
	if (t->pid && stopped_early) {
		fclose(t->f);
		int st;
		while (waitpid(t->pid, &st, 0) < 0 && errno == EINTR)
			;
		return 0;
	}
	if (t->f)
		fclose(t->f);
	if (t->pid) {
		int st = 0;
		while (waitpid(t->pid, &st, 0) < 0 && errno == EINTR)
			;
		bad = !WIFEXITED(st) || WEXITSTATUS(st) != 0;
	}
	return bad;
}

static bool parse_u64(const char **s, uint64_t *v)
{
	const char *p = *s;
	uint64_t x = 0;
	if (!isdigit((unsigned char)*p))
		return false;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		p += 2;
		if (!isxdigit((unsigned char)*p))
			return false;
		while (isxdigit((unsigned char)*p)) {
			int d = isdigit((unsigned char)*p) ? *p - '0' : (tolower((unsigned char)*p) - 'a' + 10);
			x = x * 16 + (uint64_t)d;
			p++;
		}
	} else {
		while (isdigit((unsigned char)*p))
			x = x * 10 + (uint64_t)(*p++ - '0');
	}
	*s = p;
	*v = x;
	return true;
}

static bool parse_i64(const char **s, int64_t *v)
{
	bool neg = **s == '-';
	if (neg)
		(*s)++;
	uint64_t u;
	if (!parse_u64(s, &u))
		return false;
	*v = neg ? -(int64_t)u : (int64_t)u;
	return true;
}

/* CSV: ts_ns,cpu,pid,ev,pfn,order,mt,gfp,aux (scripts/trace2csv.py of the capture). */
static int parse_csv_line(const char *l, struct frag_tev *ev)
{
	uint64_t ts, cpu, pfn, order;
	int64_t pid, mt;
	const char *p = l;
	memset(ev, 0, sizeof(*ev));
	if (!parse_u64(&p, &ts) || *p++ != ',' || !parse_u64(&p, &cpu) || *p++ != ',' || !parse_i64(&p, &pid) ||
	    *p++ != ',')
		return -1;
	char code = *p++;
	if (*p++ != ',' || !parse_u64(&p, &pfn) || *p++ != ',' || !parse_u64(&p, &order) || *p++ != ',')
		return -1;
	mt = -1;
	if (*p != ',' && !parse_i64(&p, &mt))
		return -1;
	if (*p++ != ',')
		return -1;
	uint64_t gfp = 0;
	if (*p != ',' && !parse_u64(&p, &gfp))
		return -1;
	if (*p++ != ',')
		return -1;
	ev->ts_ns = ts;
	ev->cpu = (int)cpu;
	ev->pid = (int)pid;
	ev->pfn = pfn;
	ev->order = (unsigned)order;
	ev->mt = (int)mt;
	ev->gfp = (gfp_t)gfp;
	switch (code) {
	case 'A':
		ev->type = TEV_ALLOC;
		break;
	case 'F':
		ev->type = TEV_FREE;
		break;
	case 'B':
		ev->type = TEV_FREE_BATCHED;
		break;
	case 'D':
		ev->type = TEV_PCPU_DRAIN;
		break;
	case 'Z': {
		int64_t r;
		ev->type = TEV_ZONE_LOCKED;
		if (!parse_i64(&p, &r))
			return -1;
		ev->percpu_refill = (int)r;
		break;
	}
	case 'X': {
		int64_t fo, fm, co;
		ev->type = TEV_EXTFRAG;
		if (!parse_i64(&p, &fo) || *p++ != ':' || !parse_i64(&p, &fm) || *p++ != ':' || !parse_i64(&p, &co))
			return -1;
		ev->fallback_order = (int)fo;
		ev->fallback_mt = (int)fm;
		ev->change_ownership = (int)co;
		break;
	}
	default:
		return -1;
	}
	while (*p == '\r' || *p == '\n')
		p++;
	return *p ? -1 : 0;
}

/* The value of "key=" in the field list @f (NULL if absent); the value ends at a blank. */
static const char *field(const char *f, const char *key)
{
	size_t n = strlen(key);
	for (const char *p = f; (p = strstr(p, key)); p += n)
		if ((p == f || p[-1] == ' ') && p[n] == '=')
			return p + n + 1;
	return NULL;
}

static bool fu64(const char *f, const char *key, uint64_t *v)
{
	const char *s = field(f, key);
	return s && parse_u64(&s, v);
}

static bool fi64(const char *f, const char *key, int64_t *v)
{
	const char *s = field(f, key);
	return s && parse_i64(&s, v);
}

/*
 * "  comm-pid   [cpu] [flags] secs.frac: event_name: fields" (trace-cmd report,
 * tracefs trace). Returns 1 for an event, 0 for a line that is no event
 * (header, comment, blank), -1 for a malformed event line.
 */
static int parse_text_line(char *l, struct frag_tev *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->mt = -1;
	char *b = strchr(l, '[');
	if (!b || l[0] == '#')
		return 0;
	/* pid: the digits right before the blanks before '[' */
	char *q = b;
	while (q > l && q[-1] == ' ')
		q--;
	char *d = q;
	while (d > l && isdigit((unsigned char)d[-1]))
		d--;
	if (d == q || d == l || d[-1] != '-')
		return 0;
	ev->pid = atoi(d);
	const char *p = b + 1;
	uint64_t cpu;
	if (!parse_u64(&p, &cpu) || *p != ']')
		return 0;
	ev->cpu = (int)cpu;
	p++;
	/* Tokens up to the timestamp "secs.frac:" (flags like "d..1." come before it). */
	for (;;) {
		while (*p == ' ')
			p++;
		if (!*p)
			return -1;
		const char *tok = p;
		while (*p && *p != ' ')
			p++;
		if (p[-1] != ':' || !isdigit((unsigned char)*tok))
			continue;
		const char *s = tok;
		uint64_t sec, frac = 0;
		if (!parse_u64(&s, &sec))
			return -1;
		unsigned digits = 0;
		if (*s == '.') {
			s++;
			while (isdigit((unsigned char)*s)) {
				if (digits < 9) {
					frac = frac * 10 + (uint64_t)(*s - '0');
					digits++;
				}
				s++;
			}
		}
		if (*s != ':')
			continue;
		while (digits++ < 9)
			frac *= 10;
		ev->ts_ns = sec * 1000000000ull + frac;
		break;
	}
	while (*p == ' ')
		p++;
	const char *name = p;
	while (*p && *p != ':' && *p != ' ')
		p++;
	if (*p != ':')
		return -1;
	size_t nl = (size_t)(p - name);
	const char *f = p + 1;
	int t;
	for (t = 0; t <= TEV_EXTFRAG; t++)
		if (strlen(frag_tev_names[t]) == nl && !memcmp(name, frag_tev_names[t], nl))
			break;
	if (t > TEV_EXTFRAG) {
		ev->type = nl > 14 && !memcmp(name, "mm_compaction_", 14) ? TEV_COMPACTION : TEV_OTHER;
		return 1;
	}
	ev->type = (enum frag_tev_type)t;
	uint64_t u;
	int64_t i;
	if (!fu64(f, "pfn", &ev->pfn))
		return -1;
	switch (ev->type) {
	case TEV_ALLOC: {
		if (!fu64(f, "order", &u) || !fi64(f, "migratetype", &i))
			return -1;
		ev->order = (unsigned)u;
		ev->mt = (int)i;
		const char *g = field(f, "gfp_flags");
		if (!g)
			return -1;
		char buf[512];
		size_t n = strcspn(g, " \n\r");
		if (n >= sizeof buf)
			return -1;
		memcpy(buf, g, n);
		buf[n] = 0;
		/* "0x..." (-R) or the symbolic form; unknown symbols are an error */
		if (strcmp(buf, "0") && frag_gfp_parse(buf, &ev->gfp))
			return -1;
		break;
	}
	case TEV_FREE:
		if (!fu64(f, "order", &u))
			return -1;
		ev->order = (unsigned)u;
		break;
	case TEV_FREE_BATCHED:
		break;
	case TEV_PCPU_DRAIN:
	case TEV_ZONE_LOCKED:
		if (!fu64(f, "order", &u) || !fi64(f, "migratetype", &i))
			return -1;
		ev->order = (unsigned)u;
		ev->mt = (int)i;
		if (ev->type == TEV_ZONE_LOCKED) {
			if (!fi64(f, "percpu_refill", &i))
				return -1;
			ev->percpu_refill = (int)i;
		}
		break;
	case TEV_EXTFRAG: {
		int64_t ao, fo, am, fm, co;
		if (!fi64(f, "alloc_order", &ao) || !fi64(f, "fallback_order", &fo) ||
		    !fi64(f, "alloc_migratetype", &am) || !fi64(f, "fallback_migratetype", &fm) ||
		    !fi64(f, "change_ownership", &co))
			return -1;
		ev->order = (unsigned)ao;
		ev->fallback_order = (int)fo;
		ev->mt = (int)am;
		ev->fallback_mt = (int)fm;
		ev->change_ownership = (int)co;
		break;
	}
	default:
		break;
	}
	return 1;
}

static int read_text(const char *path, const uint8_t *magic, size_t nmagic, frag_tev_fn fn, void *arg,
		     struct frag_trace_info *info, char *err, size_t errlen)
{
	struct text_in t;
	int ret = text_open(path, magic, nmagic, &t, err, errlen);
	if (ret)
		return ret;
	size_t cap = 0;
	char *l = NULL;
	ssize_t n;
	uint64_t lineno = 0;
	bool csv = false;
	ret = 0;
	while ((n = getline(&l, &cap, t.f)) >= 0) {
		lineno++;
		if (lineno == 1 && !strncmp(l, "ts_ns,cpu,pid,ev,", 17)) {
			csv = true;
			info->format = "csv";
			continue;
		}
		if (lineno == 1)
			info->format = "text";
		struct frag_tev ev;
		if (csv) {
			if (n == 0 || l[n - 1] != '\n') {
				ret = tfail(err, errlen, -EINVAL, "%s:%llu: truncated line (no newline at the end)",
					    path,
					    (unsigned long long)lineno);
				break;
			}
			if (parse_csv_line(l, &ev)) {
				ret = tfail(err, errlen, -EINVAL,
					    "%s:%llu: not a ts_ns,cpu,pid,ev,pfn,order,mt,gfp,aux line",
					    path, (unsigned long long)lineno);
				break;
			}
		} else {
			int r = parse_text_line(l, &ev);
			if (r == 0)
				continue;
			if (r < 0 || l[n - 1] != '\n') {
				ret = tfail(err, errlen, -EINVAL, "%s:%llu: %s", path, (unsigned long long)lineno,
					    r < 0 ? "malformed event line" : "truncated line (no newline at the end)");
				break;
			}
		}
		ret = deliver(info, fn, arg, &ev);
		if (ret)
			break;
	}
	free(l);
	if (ret < 0 && t.pid) {
		/* a parse error in decompressed text: was it the stream that broke off? */
		char sink[65536];
		while (fread(sink, 1, sizeof sink, t.f) > 0)
			;
		if (text_close(&t, false))
			return tfail(err, errlen, -EIO, "%s: %s stream is corrupt or truncated", path, t.tool);
		return ret;
	}
	bool read_err = ferror(t.f);
	int bad = text_close(&t, ret != 0);
	if (ret)
		return ret;
	if (read_err || bad)
		return tfail(err, errlen, -EIO, "%s: %s stream is corrupt or truncated", path,
			     t.tool ? t.tool : "the");
	if (!info->nr_events)
		return tfail(err, errlen, -EINVAL, "%s: no trace events in this file (not a trace.dat, CSV or "
						   "trace-cmd report text)", path);
	return 0;
}

int frag_trace_read(const char *path, frag_tev_fn fn, void *arg, struct frag_trace_info *info, char *err,
		    size_t errlen)
{
	static const uint8_t dat_magic[10] = { 0x17, 0x08, 0x44, 't', 'r', 'a', 'c', 'i', 'n', 'g' };
	memset(info, 0, sizeof(*info));
	info->max_cpu = -1;
	uint8_t magic[16];
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return tfail(err, errlen, -errno, "%s: %s", path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return tfail(err, errlen, -EINVAL, "%s: not a regular file", path);
	}
	ssize_t n = read(fd, magic, sizeof magic);
	close(fd);
	if (n <= 0)
		return tfail(err, errlen, -EINVAL, "%s: empty file", path);
	if (n >= 10 && !memcmp(magic, dat_magic, 10)) {
		info->format = "trace.dat";
		return read_dat(path, fn, arg, info, err, errlen);
	}
	return read_text(path, magic, (size_t)n, fn, arg, info, err, errlen);
}
