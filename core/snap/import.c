/* SPDX-License-Identifier: MIT */
/*
 * import.c - real /proc files to a page-state array (docs/snapshot.md).
 *
 * kpageflags bits follow Documentation/admin-guide/mm/pagemap.rst; bits 32
 * and up are the kernel-internal ones of fs/proc/page.c (KPF_RESERVED 32).
 * Classification of one pfn, first match wins:
 *   outside System RAM (iomem), or KPF_NOPAGE      -> hole
 *   KPF_BUDDY                                      -> free (buddy)
 *   KPF_COMPOUND_TAIL after a head                 -> the head's class, tail
 *   KPF_RESERVED                                   -> reserved
 *   KPF_HUGE                                       -> hugetlb
 *   KPF_SLAB                                       -> slab
 *   KPF_PGTABLE                                    -> page table
 *   KPF_LRU: KPF_ANON -> anon, else file           (THP: a compound anon block)
 *   KPF_ANON or KPF_MMAP off the LRU               -> movable, not on an LRU
 *   no flags and kpagecount 0                      -> free on a PCP list, or (lazy
 *                                                     deferred init) not yet managed
 *   anything else                                  -> other kernel page (unmovable)
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "frag/snap.h"

#define KPF_LRU            5
#define KPF_SLAB           7
#define KPF_BUDDY          10
#define KPF_MMAP           11
#define KPF_ANON           12
#define KPF_COMPOUND_HEAD  15
#define KPF_COMPOUND_TAIL  16
#define KPF_HUGE           17
#define KPF_NOPAGE         20
#define KPF_THP            22
#define KPF_PGTABLE        26
#define KPF_RESERVED       32

#define BIT(b) (1ull << (b))

static int sfail(char *err, size_t errlen, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* ---------------------------------------------------------------------- */
/* Files                                                                  */
/* ---------------------------------------------------------------------- */

/* Read @fd to its end or to @max bytes (*@more: bytes were left unread). */
static int read_fd(int fd, uint8_t **buf, size_t *len, size_t max, bool *more)
{
	size_t cap = 1 << 20, n = 0;
	uint8_t *b = malloc(cap + 1);
	*more = false;
	if (!b)
		return -ENOMEM;
	for (;;) {
		if (n == max) {
			uint8_t probe;
			ssize_t r = read(fd, &probe, 1);
			if (r < 0 && errno == EINTR)
				continue;
			*more = r > 0;
			break;
		}
		if (n == cap) {
			cap = cap * 2 < max ? cap * 2 : max;
			uint8_t *nb = realloc(b, cap + 1);
			if (!nb) {
				free(b);
				return -ENOMEM;
			}
			b = nb;
		}
		size_t want = (cap < max ? cap : max) - n;
		ssize_t r = read(fd, b + n, want);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			free(b);
			return -e;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	b[n] = 0;
	*buf = b;
	*len = n;
	return 0;
}

int frag_snap_read_file(const char *path, uint8_t **buf, size_t *len, char *err, size_t errlen)
{
	return frag_snap_read_file_max(path, FRAG_SNAP_MAX_TEXT, false, buf, len, err, errlen);
}

int frag_snap_read_file_max(const char *path, size_t max, bool prefix, uint8_t **buf, size_t *len, char *err,
			    size_t errlen)
{
	static const uint8_t zstd_magic[4] = { 0x28, 0xb5, 0x2f, 0xfd };
	bool more;
	struct stat st;
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return sfail(err, errlen, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		return sfail(err, errlen, "%s: %s", path, strerror(EISDIR));
	}
	uint8_t head[4];
	ssize_t h = read(fd, head, sizeof head);
	if (h != 4 || memcmp(head, zstd_magic, 4)) {
		lseek(fd, 0, SEEK_SET);
		int ret = read_fd(fd, buf, len, max, &more);
		close(fd);
		if (ret)
			return sfail(err, errlen, "%s: %s", path, strerror(-ret));
		if (more && !prefix) {
			free(*buf);
			*buf = NULL;
			return sfail(err, errlen, "%s: larger than %zu MiB: not a file of this kind", path, max >> 20);
		}
		return 0;
	}
	close(fd);
	/* zstd-compressed: `zstd -dcq -- FILE`, no shell involved. */
	int p[2];
	if (pipe(p))
		return sfail(err, errlen, "%s: pipe: %s", path, strerror(errno));
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return sfail(err, errlen, "%s: fork: %s", path, strerror(errno));
	}
	if (pid == 0) {
		dup2(p[1], STDOUT_FILENO);
		close(p[0]);
		close(p[1]);
		int dn = open("/dev/null", O_WRONLY);
		if (dn >= 0)
			dup2(dn, STDERR_FILENO);
		execlp("zstd", "zstd", "-dcq", "--", path, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	int ret = read_fd(p[0], buf, len, max, &more);
	close(p[0]);
	if (!ret && more)
		kill(pid, SIGTERM);   /* the rest is not needed (a prefix) or too much (a zstd bomb) */
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (ret)
		return sfail(err, errlen, "%s: reading zstd output: %s", path, strerror(-ret));
	if (more) {
		if (prefix)
			return 0;
		free(*buf);
		*buf = NULL;
		return sfail(err, errlen, "%s: decompresses to more than %zu MiB: not a file of this kind", path,
			     max >> 20);
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		free(*buf);
		*buf = NULL;
		if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
			return sfail(err, errlen, "%s: zstd-compressed, and the `zstd` program was not found", path);
		return sfail(err, errlen, "%s: zstd could not decompress it (truncated or corrupt; %zu bytes came out)",
			     path, *len);
	}
	return 0;
}

/* ---------------------------------------------------------------------- */
/* zoneinfo                                                               */
/* ---------------------------------------------------------------------- */

struct zi_zone {
	char name[16];
	unsigned line;
	uint64_t free, min, low, high, spanned, present, managed, start_pfn;
	uint64_t protection[8];
	unsigned nr_protection;
	uint64_t pcp_count;
	unsigned nr_cpus;
	bool have_start;
};

static int zone_type_of(const char *name)
{
	static const char *const names[MAX_NR_ZONES] = { "DMA", "DMA32", "Normal", "Movable" };
	for (int t = 0; t < MAX_NR_ZONES; t++)
		if (!strcmp(name, names[t]))
			return t;
	return -1;
}

/*
 * "KEY value" (zone fields: "high     16") or "KEY: value" (pagesets: "high:     0"):
 * a key ending in ':' matches only the colon form, any other only the space form,
 * so a pageset's "high:" never passes for the zone's high watermark.
 */
static bool key_u64(const char *l, const char *key, uint64_t *v)
{
	size_t k = strlen(key);
	bool colon = k && key[k - 1] == ':';
	while (*l == ' ')
		l++;
	if (colon)
		k--;
	if (strncmp(l, key, k) || l[k] != (colon ? ':' : ' '))
		return false;
	l += k;
	while (*l == ' ' || *l == ':')
		l++;
	char *end;
	errno = 0;
	unsigned long long x = strtoull(l, &end, 10);
	if (end == l || errno)
		return false;
	*v = x;
	return true;
}

static int parse_zoneinfo(const char *path, char *text, struct zi_zone *zz, unsigned *nr, char *err, size_t errlen)
{
	unsigned n = 0, lineno = 0;
	struct zi_zone *cur = NULL;
	char *save = NULL;
	bool any_node = false;

	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		lineno++;
		int node;
		char name[32];
		if (sscanf(l, "Node %d, zone %31s", &node, name) == 2) {
			any_node = true;
			if (node != 0)
				return sfail(err, errlen, "%s:%u: node %d: only one-node machines can be imported", path,
					     lineno, node);
			if (n == 8)
				return sfail(err, errlen, "%s:%u: too many zones", path, lineno);
			cur = &zz[n++];
			memset(cur, 0, sizeof(*cur));
			if (strlen(name) >= sizeof cur->name)
				return sfail(err, errlen, "%s:%u: zone name '%s' too long (the kernel's are DMA, DMA32, "
					     "Normal, Movable, Device)", path, lineno, name);
			memcpy(cur->name, name, strlen(name) + 1);
			cur->line = lineno;
			continue;
		}
		if (!cur)
			continue;
		uint64_t v;
		if (key_u64(l, "pages free", &v))
			cur->free = v;
		else if (key_u64(l, "min", &v))
			cur->min = v;
		else if (key_u64(l, "low", &v))
			cur->low = v;
		else if (key_u64(l, "high", &v))
			cur->high = v;
		else if (key_u64(l, "spanned", &v))
			cur->spanned = v;
		else if (key_u64(l, "present", &v))
			cur->present = v;
		else if (key_u64(l, "managed", &v))
			cur->managed = v;
		else if (key_u64(l, "start_pfn:", &v)) {
			cur->start_pfn = v;
			cur->have_start = true;
		} else if (key_u64(l, "count:", &v))
			cur->pcp_count += v;
		else if (key_u64(l, "cpu:", &v))
			cur->nr_cpus++;
		else if (strstr(l, "protection: (")) {
			const char *p = strchr(l, '(') + 1;
			cur->nr_protection = 0;
			while (*p && *p != ')' && cur->nr_protection < 8) {
				char *end;
				unsigned long long x = strtoull(p, &end, 10);
				if (end == p)
					return sfail(err, errlen, "%s:%u: cannot read the protection list", path, lineno);
				cur->protection[cur->nr_protection++] = x;
				p = end;
				while (*p == ',' || *p == ' ')
					p++;
			}
		}
	}
	if (!any_node)
		return sfail(err, errlen, "%s: no \"Node N, zone NAME\" line: not a /proc/zoneinfo file", path);
	*nr = n;
	return 0;
}

/* ---------------------------------------------------------------------- */
/* iomem, pagetypeinfo, sysctl                                            */
/* ---------------------------------------------------------------------- */

struct ram_range {
	uint64_t start, end;   /* pfns, [start, end) */
};

static int parse_iomem(const char *path, char *text, struct ram_range **out, unsigned *nr, char *err, size_t errlen)
{
	unsigned cap = 16, n = 0, lineno = 0;
	struct ram_range *r = malloc(cap * sizeof(*r));
	char *save = NULL;
	bool nonzero = false;
	if (!r)
		return -ENOMEM;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		lineno++;
		if (*l == ' ')
			continue;   /* children of a top-level range */
		unsigned long long s, e;
		char name[64] = "";
		if (sscanf(l, "%llx-%llx : %63[^\n]", &s, &e, name) != 3) {
			free(r);
			return sfail(err, errlen, "%s:%u: expected \"START-END : NAME\"", path, lineno);
		}
		if (s || e)
			nonzero = true;
		if (strcmp(name, "System RAM"))
			continue;
		/* Whole pages only (memblock rounds RAM inwards). */
		uint64_t ps = (s + FRAG_PAGE_SIZE - 1) >> FRAG_PAGE_SHIFT, pe = (e + 1) >> FRAG_PAGE_SHIFT;
		if (pe <= ps)
			continue;
		if (n == cap) {
			cap *= 2;
			struct ram_range *nr2 = realloc(r, cap * sizeof(*r));
			if (!nr2) {
				free(r);
				return -ENOMEM;
			}
			r = nr2;
		}
		r[n++] = (struct ram_range){ ps, pe };
	}
	if (!nonzero || n == 0) {
		free(r);
		return sfail(err, errlen, "%s: no System RAM ranges%s", path,
			     nonzero ? "" : " (all addresses are 0: read /proc/iomem as root)");
	}
	*out = r;
	*nr = n;
	return 0;
}

static int parse_pagetypeinfo(const char *path, char *text, const struct zi_zone *zz, unsigned nzz,
			      int64_t blocks[][MIGRATE_TYPES], char *err, size_t errlen)
{
	static const char *const names[MIGRATE_TYPES] = { "Unmovable", "Movable", "Reclaimable", "HighAtomic",
							  "CMA", "Isolate" };
	int col[MIGRATE_TYPES + 2];
	unsigned ncol = 0, lineno = 0;
	bool in_blocks = false, found = false;
	char *save = NULL;

	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		lineno++;
		if (!strncmp(l, "Number of blocks type", 21)) {
			in_blocks = true;
			found = true;
			char *p = l + 21;
			ncol = 0;
			char word[32];
			int used;
			while (sscanf(p, "%31s%n", word, &used) == 1 && ncol < MIGRATE_TYPES + 2) {
				int mt = -1;
				for (int t = 0; t < MIGRATE_TYPES; t++)
					if (!strcmp(word, names[t]))
						mt = t;
				if (mt < 0)
					return sfail(err, errlen, "%s:%u: unknown migratetype column '%s'", path, lineno, word);
				col[ncol++] = mt;
				p += used;
			}
			continue;
		}
		if (!in_blocks)
			continue;
		int node, used;
		char name[32];
		if (sscanf(l, "Node %d, zone %31s%n", &node, name, &used) != 2)
			continue;
		unsigned zi;
		for (zi = 0; zi < nzz; zi++)
			if (!strcmp(zz[zi].name, name))
				break;
		if (zi == nzz)
			return sfail(err, errlen, "%s:%u: zone %s is not in the zoneinfo file", path, lineno, name);
		char *p = l + used;
		for (unsigned c = 0; c < ncol; c++) {
			char *end;
			long long x = strtoll(p, &end, 10);
			if (end == p || x < 0)
				return sfail(err, errlen, "%s:%u: expected %u block counts", path, lineno, ncol);
			blocks[zi][col[c]] = x;
			p = end;
		}
	}
	if (!found)
		return sfail(err, errlen, "%s: no \"Number of blocks type\" table: not a /proc/pagetypeinfo file", path);
	return 0;
}

static int parse_sysctl(const char *path, char *text, struct frag_snap_sysctl *sc, char *err, size_t errlen)
{
	static const struct {
		const char *name;
		size_t off;
	} keys[] = {
		{ "min_free_kbytes", offsetof(struct frag_snap_sysctl, min_free_kbytes) },
		{ "watermark_scale_factor", offsetof(struct frag_snap_sysctl, watermark_scale_factor) },
		{ "watermark_boost_factor", offsetof(struct frag_snap_sysctl, watermark_boost_factor) },
		{ "extfrag_threshold", offsetof(struct frag_snap_sysctl, extfrag_threshold) },
		{ "compaction_proactiveness", offsetof(struct frag_snap_sysctl, compaction_proactiveness) },
		{ "swappiness", offsetof(struct frag_snap_sysctl, swappiness) },
		{ "percpu_pagelist_high_fraction", offsetof(struct frag_snap_sysctl, percpu_pagelist_high_fraction) },
		{ "defrag_mode", offsetof(struct frag_snap_sysctl, defrag_mode) },
	};
	unsigned lineno = 0;
	char *save = NULL;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		lineno++;
		char name[64];
		unsigned long long v;
		if (sscanf(l, " %63[a-z_0-9] %*[:=] %llu", name, &v) != 2)
			continue;
		for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
			if (!strcmp(name, keys[k].name)) {
				if (v >= FRAG_SNAP_UNSET)
					return sfail(err, errlen, "%s:%u: %s = %llu is out of range", path, lineno, name, v);
				*(uint32_t *)((char *)sc + keys[k].off) = (uint32_t)v;
			}
	}
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Classification                                                         */
/* ---------------------------------------------------------------------- */

static unsigned classify(uint64_t f, uint64_t count, bool have_count)
{
	if (f & BIT(KPF_BUDDY))
		return PS_FREE;
	if (f & BIT(KPF_RESERVED))
		return PS_RESERVED;
	if (f & BIT(KPF_HUGE))
		return PS_HUGETLB;
	if (f & BIT(KPF_SLAB))
		return PS_SLAB;
	if (f & BIT(KPF_PGTABLE))
		return PS_PGTABLE;
	if (f & BIT(KPF_LRU))
		return (f & BIT(KPF_ANON)) ? PS_ANON : PS_FILE;
	if (f & (BIT(KPF_ANON) | BIT(KPF_MMAP)))
		return PS_ANON_NOLRU;
	if (f == 0 && (!have_count || count == 0))
		return PS_PCP;
	return PS_KERNEL;
}

static int zone_of(const struct frag_restore_input *in, uint64_t pfn)
{
	for (unsigned i = 0; i < in->nr_zones; i++)
		if (pfn >= in->zone[i].start_pfn && pfn < in->zone[i].end_pfn)
			return (int)i;
	return -1;
}

void frag_snap_free(struct frag_snap *s)
{
	free(s->ps);
	free(s->pb_mt);
	s->ps = s->pb_mt = NULL;
}

int frag_snap_import(const struct frag_snap_files *f, struct frag_snap *s, char *err, size_t errlen)
{
	uint8_t *zi_text = NULL, *kpf = NULL, *kpc = NULL, *io_text = NULL, *pt_text = NULL, *sc_text = NULL;
	size_t zi_len, kpf_len, kpc_len = 0, io_len, pt_len, sc_len;
	struct ram_range *ram = NULL;
	unsigned nr_ram = 0;
	struct zi_zone zz[8];
	unsigned nzz = 0;
	int64_t blocks[8][MIGRATE_TYPES];
	int ret;

	memset(s, 0, sizeof(*s));
	memset(&s->sysctl, 0xff, sizeof(s->sysctl));
	for (unsigned i = 0; i < 8; i++)
		for (int mt = 0; mt < MIGRATE_TYPES; mt++)
			blocks[i][mt] = -1;
	if (!f->kpageflags || !f->zoneinfo)
		return sfail(err, errlen, "snapshot: --kpageflags and --zoneinfo are required");

	if ((ret = frag_snap_read_file(f->zoneinfo, &zi_text, &zi_len, err, errlen)))
		goto out;
	if ((ret = parse_zoneinfo(f->zoneinfo, (char *)zi_text, zz, &nzz, err, errlen)))
		goto out;
	if (f->iomem) {
		if ((ret = frag_snap_read_file(f->iomem, &io_text, &io_len, err, errlen)))
			goto out;
		if ((ret = parse_iomem(f->iomem, (char *)io_text, &ram, &nr_ram, err, errlen)))
			goto out;
	}
	if (f->pagetypeinfo) {
		if ((ret = frag_snap_read_file(f->pagetypeinfo, &pt_text, &pt_len, err, errlen)))
			goto out;
		if ((ret = parse_pagetypeinfo(f->pagetypeinfo, (char *)pt_text, zz, nzz, blocks, err, errlen)))
			goto out;
	}
	if (f->sysctl) {
		if ((ret = frag_snap_read_file(f->sysctl, &sc_text, &sc_len, err, errlen)))
			goto out;
		if ((ret = parse_sysctl(f->sysctl, (char *)sc_text, &s->sysctl, err, errlen)))
			goto out;
	}

	/* Zones with memory, in order. */
	struct frag_restore_input *in = &s->in;
	unsigned nr_cpus = 0;
	for (unsigned i = 0; i < nzz; i++) {
		const struct zi_zone *z = &zz[i];
		int t = zone_type_of(z->name);
		if (z->spanned == 0)
			continue;
		if (t < 0) {
			ret = sfail(err, errlen, "%s:%u: zone %s with memory cannot be modelled", f->zoneinfo, z->line,
				    z->name);
			goto out;
		}
		if (!z->have_start) {
			ret = sfail(err, errlen, "%s:%u: zone %s has no start_pfn line", f->zoneinfo, z->line, z->name);
			goto out;
		}
		/* x86-64 and arm64 physical addresses have at most 52 bits: 2^40 pfns. */
		if (z->start_pfn >= 1ull << 40 || z->spanned > (1ull << 40) - z->start_pfn) {
			ret = sfail(err, errlen, "%s:%u: zone %s: start_pfn %#llx + spanned %llu ends beyond pfn 2^40 "
				    "(52-bit physical addresses)", f->zoneinfo, z->line, z->name,
				    (unsigned long long)z->start_pfn, (unsigned long long)z->spanned);
			goto out;
		}
		struct frag_restore_zone *rz = &in->zone[in->nr_zones];
		if (in->nr_zones && z->start_pfn != in->zone[in->nr_zones - 1].end_pfn) {
			ret = sfail(err, errlen, "%s:%u: zone %s starts at pfn %#llx, not where the zone before ends (%#llx)",
				    f->zoneinfo, z->line, z->name, (unsigned long long)z->start_pfn,
				    (unsigned long long)in->zone[in->nr_zones - 1].end_pfn);
			goto out;
		}
		rz->type = (enum zone_type)t;
		rz->start_pfn = z->start_pfn;
		rz->end_pfn = z->start_pfn + z->spanned;
		rz->wmark[WMARK_MIN] = z->min;
		rz->wmark[WMARK_LOW] = z->low;
		rz->wmark[WMARK_HIGH] = z->high;
		for (unsigned k = 0; k < MAX_NR_ZONES && k < z->nr_protection; k++)
			rz->lowmem_reserve[k] = z->protection[k];
		for (int mt = 0; mt < MIGRATE_TYPES; mt++)
			rz->nr_blocks[mt] = blocks[i][mt];
		s->real[in->nr_zones] = (struct frag_snap_zone_real){ z->present, z->managed, z->free, z->pcp_count };
		if (z->nr_cpus > nr_cpus)
			nr_cpus = z->nr_cpus;
		in->nr_zones++;
	}
	if (in->nr_zones == 0) {
		ret = sfail(err, errlen, "%s: no zone with memory", f->zoneinfo);
		goto out;
	}
	in->start_pfn = in->zone[0].start_pfn;
	in->end_pfn = in->zone[in->nr_zones - 1].end_pfn;
	in->nr_cpus = nr_cpus ? nr_cpus : 1;

	/* The dumps. */
	/* Only the pfns of the zones are used: read no more (a dump of a bigger
	 * range, or a zstd bomb, stops there). */
	if ((ret = frag_snap_read_file_max(f->kpageflags, in->end_pfn * 8, true, &kpf, &kpf_len, err, errlen)))
		goto out;
	if (kpf_len % 8) {
		ret = sfail(err, errlen, "%s: %zu bytes is not a whole number of 8-byte entries (truncated at offset %zu?)",
			    f->kpageflags, kpf_len, kpf_len - kpf_len % 8);
		goto out;
	}
	if (kpf_len / 8 < in->end_pfn) {
		ret = sfail(err, errlen, "%s: truncated: %zu entries (pfn 0..%#zx, %zu bytes), but zone %s ends at pfn %#llx "
			    "(needs %llu bytes)", f->kpageflags, kpf_len / 8, kpf_len / 8 ? kpf_len / 8 - 1 : 0, kpf_len,
			    frag_zone_names[in->zone[in->nr_zones - 1].type], (unsigned long long)in->end_pfn,
			    (unsigned long long)in->end_pfn * 8);
		goto out;
	}
	if (f->kpagecount) {
		if ((ret = frag_snap_read_file_max(f->kpagecount, in->end_pfn * 8, true, &kpc, &kpc_len, err, errlen)))
			goto out;
		if (kpc_len != kpf_len) {
			ret = sfail(err, errlen, "%s: %zu bytes, but %s has %zu: the two dumps must cover the same pfns",
				    f->kpagecount, kpc_len, f->kpageflags, kpf_len);
			goto out;
		}
	}

	uint64_t n = in->end_pfn - in->start_pfn;
	s->ps = malloc(n);
	if (!s->ps) {
		ret = -ENOMEM;
		goto out;
	}
	unsigned ri = 0;
	unsigned prev_class = NR_PS_CLASSES;
	bool in_compound = false;
	for (uint64_t pfn = in->start_pfn; pfn < in->end_pfn; pfn++) {
		uint64_t fl, cnt = 0;
		memcpy(&fl, kpf + pfn * 8, 8);   /* little-endian hosts only (x86-64, arm64) */
		if (kpc)
			memcpy(&cnt, kpc + pfn * 8, 8);
		bool ram_ok = true;
		if (ram) {
			while (ri < nr_ram && ram[ri].end <= pfn)
				ri++;
			ram_ok = ri < nr_ram && pfn >= ram[ri].start;
		}
		uint8_t v;
		if (!ram_ok || (fl & BIT(KPF_NOPAGE))) {
			v = PS_HOLE;
			in_compound = false;
		} else if ((fl & BIT(KPF_COMPOUND_TAIL)) && in_compound && !(fl & BIT(KPF_BUDDY))) {
			v = (uint8_t)(prev_class | FRAG_PS_TAIL);
		} else {
			unsigned c = classify(fl, cnt, kpc != NULL);
			v = (uint8_t)c;
			in_compound = (fl & BIT(KPF_COMPOUND_HEAD)) && c >= PS_ANON;
			prev_class = c;
		}
		s->ps[pfn - in->start_pfn] = v;
	}

	/* Present pages must agree with zoneinfo when iomem gave the holes. */
	for (unsigned i = 0; i < in->nr_zones; i++) {
		struct frag_restore_zone *rz = &in->zone[i];
		uint64_t present = 0, managed = 0;
		for (uint64_t p = rz->start_pfn; p < rz->end_pfn; p++) {
			unsigned c = s->ps[p - in->start_pfn] & FRAG_PS_CLASS_MASK;
			present += c != PS_HOLE;
			managed += c != PS_HOLE && c != PS_RESERVED;
		}
		if (ram && present != s->real[i].present) {
			ret = sfail(err, errlen, "%s and %s disagree: zone %s has %llu present pages by System RAM, %llu in "
				    "zoneinfo", f->iomem, f->zoneinfo, frag_zone_names[rz->type],
				    (unsigned long long)present, (unsigned long long)s->real[i].present);
			goto out;
		}
		/* Lazy deferred init: pfns not yet handed to the buddy read as 0/0,
		 * at the top of the zone; managed pages tell how many there are. */
		if (managed > s->real[i].managed + PAGEBLOCK_NR_PAGES) {
			uint64_t excess = managed - s->real[i].managed;
			for (uint64_t p = rz->end_pfn; p-- > rz->start_pfn && excess;) {
				uint8_t *v = &s->ps[p - in->start_pfn];
				if (*v == PS_HOLE)
					continue;
				if (*v != PS_PCP)
					break;
				*v = PS_UNINIT;
				excess--;
			}
		}
	}
	for (uint64_t p = in->start_pfn; p < in->end_pfn; p++) {
		int zi = zone_of(in, p);
		s->nr_class[zi][s->ps[p - in->start_pfn] & FRAG_PS_CLASS_MASK]++;
	}
	in->ps = s->ps;
	s->pb_mt = malloc(frag_restore_nr_pageblocks(in));
	if (!s->pb_mt) {
		ret = -ENOMEM;
		goto out;
	}
	ret = frag_restore_infer_pageblocks(in, s->pb_mt, err, errlen);
	if (ret)
		goto out;
	in->pb_mt = s->pb_mt;
	snprintf(s->label, sizeof s->label, "%s", f->kpageflags);
out:
	free(zi_text);
	free(kpf);
	free(kpc);
	free(io_text);
	free(pt_text);
	free(sc_text);
	free(ram);
	if (ret)
		frag_snap_free(s);
	return ret;
}

void frag_snap_apply_sysctl(const struct frag_snap *s, struct frag_sysctl *sc)
{
	const struct frag_snap_sysctl *v = &s->sysctl;
	if (v->min_free_kbytes != FRAG_SNAP_UNSET)
		sc->min_free_kbytes = v->min_free_kbytes;
	if (v->watermark_scale_factor != FRAG_SNAP_UNSET)
		sc->watermark_scale_factor = v->watermark_scale_factor;
	if (v->watermark_boost_factor != FRAG_SNAP_UNSET)
		sc->watermark_boost_factor = v->watermark_boost_factor;
	if (v->extfrag_threshold != FRAG_SNAP_UNSET)
		sc->extfrag_threshold = v->extfrag_threshold;
	if (v->compaction_proactiveness != FRAG_SNAP_UNSET)
		sc->compaction_proactiveness = v->compaction_proactiveness;
	if (v->swappiness != FRAG_SNAP_UNSET)
		sc->swappiness = v->swappiness;
	if (v->percpu_pagelist_high_fraction != FRAG_SNAP_UNSET)
		sc->percpu_pagelist_high_fraction = v->percpu_pagelist_high_fraction;
	if (v->defrag_mode != FRAG_SNAP_UNSET)
		sc->defrag_mode = v->defrag_mode != 0;
}

int frag_snap_restore(const struct frag_snap *s, const struct frag_config *cfg, struct frag_mem **mem, char *err,
		      size_t errlen)
{
	return frag_mem_restore(cfg, &s->in, mem, err, errlen);
}
