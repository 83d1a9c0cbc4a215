/* SPDX-License-Identifier: MIT */
/*
 * state.c - the fragsim state file (docs/snapshot.md): a header with magic,
 * version and CRC32s, the zones, the sysctls, the page states run-length
 * encoded, and one migratetype byte per pageblock. Little-endian.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frag/snap.h"

#define STATE_MAGIC      "FRAGSTAT"
#define STATE_VERSION    1
#define STATE_HDR_SIZE   64
#define STATE_ZONE_SIZE  (4 * 4 + 8 * (2 + 3 + MAX_NR_ZONES + MIGRATE_TYPES + 4))
#define STATE_SYSCTL_N   8

static int efail(char *err, size_t errlen, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

uint32_t frag_crc32(uint32_t crc, const void *buf, size_t len)
{
	static uint32_t table[256];
	static int init;
	if (!init) {
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t c = i;
			for (int k = 0; k < 8; k++)
				c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
			table[i] = c;
		}
		init = 1;
	}
	const uint8_t *p = buf;
	crc = ~crc;
	while (len--)
		crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

/* A growable little-endian byte buffer. */
struct obuf {
	uint8_t *b;
	size_t n, cap;
	bool oom;
};

static void put(struct obuf *o, const void *p, size_t len)
{
	if (o->oom)
		return;
	if (o->n + len > o->cap) {
		size_t cap = o->cap ? o->cap : 4096;
		while (cap < o->n + len)
			cap *= 2;
		uint8_t *nb = realloc(o->b, cap);
		if (!nb) {
			o->oom = true;
			return;
		}
		o->b = nb;
		o->cap = cap;
	}
	memcpy(o->b + o->n, p, len);
	o->n += len;
}

static void put_u8(struct obuf *o, uint8_t v) { put(o, &v, 1); }
static void put_u32(struct obuf *o, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
	put(o, b, 4);
}
static void put_u64(struct obuf *o, uint64_t v)
{
	put_u32(o, (uint32_t)v);
	put_u32(o, (uint32_t)(v >> 32));
}

static uint32_t get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t get_u64(const uint8_t *p) { return get_u32(p) | (uint64_t)get_u32(p + 4) << 32; }

int frag_snap_save(const struct frag_snap *s, const char *path, char *err, size_t errlen)
{
	const struct frag_restore_input *in = &s->in;
	struct obuf body = { 0 }, hdr = { 0 };
	uint64_t n = in->end_pfn - in->start_pfn, nb = frag_restore_nr_pageblocks(in);
	uint32_t nr_runs = 0;

	/* zones */
	for (unsigned i = 0; i < in->nr_zones; i++) {
		const struct frag_restore_zone *z = &in->zone[i];
		put_u32(&body, (uint32_t)z->type);
		put_u32(&body, 0);
		put_u32(&body, 0);
		put_u32(&body, 0);
		put_u64(&body, z->start_pfn);
		put_u64(&body, z->end_pfn);
		for (int w = 0; w < 3; w++)
			put_u64(&body, z->wmark[w]);
		for (int t = 0; t < MAX_NR_ZONES; t++)
			put_u64(&body, z->lowmem_reserve[t]);
		for (int mt = 0; mt < MIGRATE_TYPES; mt++)
			put_u64(&body, (uint64_t)z->nr_blocks[mt]);
		put_u64(&body, s->real[i].present);
		put_u64(&body, s->real[i].managed);
		put_u64(&body, s->real[i].free);
		put_u64(&body, s->real[i].pcp);
	}
	/* sysctls */
	const uint32_t *sc = &s->sysctl.min_free_kbytes;
	for (int k = 0; k < STATE_SYSCTL_N; k++)
		put_u32(&body, sc[k]);
	/* label */
	uint32_t ll = (uint32_t)strnlen(s->label, sizeof s->label);
	put_u32(&body, ll);
	put(&body, s->label, ll);
	/* page states: runs of (u8 value, LEB128 length) */
	for (uint64_t p = 0; p < n;) {
		uint64_t e = p + 1;
		while (e < n && s->ps[e] == s->ps[p] && e - p < UINT32_MAX)
			e++;
		put_u8(&body, s->ps[p]);
		for (uint64_t l = e - p; ; l >>= 7) {
			put_u8(&body, (uint8_t)((l & 0x7f) | (l >= 0x80 ? 0x80 : 0)));
			if (l < 0x80)
				break;
		}
		nr_runs++;
		p = e;
	}
	/* pageblock types */
	put(&body, s->pb_mt, nb);

	put(&hdr, STATE_MAGIC, 8);
	put_u32(&hdr, STATE_VERSION);
	put_u32(&hdr, STATE_HDR_SIZE);
	put_u64(&hdr, in->start_pfn);
	put_u64(&hdr, in->end_pfn);
	put_u32(&hdr, in->nr_zones);
	put_u32(&hdr, in->nr_cpus);
	put_u32(&hdr, nr_runs);
	put_u32(&hdr, (uint32_t)nb);
	put_u64(&hdr, body.n);
	put_u32(&hdr, body.oom ? 0 : frag_crc32(0, body.b, body.n));
	put_u32(&hdr, hdr.oom ? 0 : frag_crc32(0, hdr.b, hdr.n));   /* CRC32 of the 60 bytes before it */
	if (body.oom || hdr.oom || hdr.n != STATE_HDR_SIZE) {
		free(body.b);
		free(hdr.b);
		return -ENOMEM;
	}
	FILE *f = fopen(path, "wb");
	int ret = 0;
	if (!f)
		ret = efail(err, errlen, "%s: %s", path, strerror(errno));
	else {
		if (fwrite(hdr.b, 1, hdr.n, f) != hdr.n || fwrite(body.b, 1, body.n, f) != body.n)
			ret = efail(err, errlen, "%s: write failed: %s", path, strerror(errno));
		if (fclose(f) && !ret)
			ret = efail(err, errlen, "%s: %s", path, strerror(errno));
	}
	free(body.b);
	free(hdr.b);
	return ret;
}

int frag_snap_load(const char *path, struct frag_snap *s, char *err, size_t errlen)
{
	uint8_t *b = NULL;
	size_t len = 0;
	int ret;

	memset(s, 0, sizeof(*s));
	FILE *f = fopen(path, "rb");
	if (!f)
		return efail(err, errlen, "%s: %s", path, strerror(errno));
	fclose(f);
	ret = frag_snap_read_file_max(path, 1ul << 30, false, &b, &len, err, errlen);
	if (ret)
		return ret;
	if (len < STATE_HDR_SIZE || memcmp(b, STATE_MAGIC, 8)) {
		ret = efail(err, errlen, "%s: not a fragsim state file (no %s magic at offset 0; %zu bytes)", path,
			    STATE_MAGIC, len);
		goto out;
	}
	uint32_t version = get_u32(b + 8);
	if (version != STATE_VERSION) {
		ret = efail(err, errlen, "%s: state file version %u, this fragsim reads version %u", path, version,
			    STATE_VERSION);
		goto out;
	}
	/* Layout: 0 magic, 8 version, 12 header size, 16 start pfn, 24 end pfn, 32 zones, 36 cpus,
	 * 40 runs, 44 pageblocks, 48 body length (u64), 56 body CRC32, 60 header CRC32 (of bytes 0..59). */
	if (get_u32(b + 60) != frag_crc32(0, b, 60)) {
		ret = efail(err, errlen, "%s: header CRC32 mismatch (offset 60): the header is corrupt", path);
		goto out;
	}
	if (get_u32(b + 12) != STATE_HDR_SIZE) {
		ret = efail(err, errlen, "%s: header size %u at offset 12, expected %u", path, get_u32(b + 12),
			    STATE_HDR_SIZE);
		goto out;
	}
	struct frag_restore_input *in = &s->in;
	in->start_pfn = get_u64(b + 16);
	in->end_pfn = get_u64(b + 24);
	in->nr_zones = get_u32(b + 32);
	in->nr_cpus = get_u32(b + 36);
	uint32_t nr_runs = get_u32(b + 40);
	uint32_t nb = get_u32(b + 44);
	uint64_t body_len = get_u64(b + 48);
	if (body_len != len - STATE_HDR_SIZE) {
		ret = efail(err, errlen, "%s: %s: the header announces %llu bytes after offset %u, the file has %zu",
			    path, body_len > len - STATE_HDR_SIZE ? "truncated" : "trailing bytes",
			    (unsigned long long)body_len, STATE_HDR_SIZE, len - STATE_HDR_SIZE);
		goto out;
	}
	const uint8_t *body = b + STATE_HDR_SIZE;
	if (get_u32(b + 56) != frag_crc32(0, body, body_len)) {
		ret = efail(err, errlen, "%s: body CRC32 mismatch (offsets %u..%zu): the file is corrupt", path,
			    STATE_HDR_SIZE, len);
		goto out;
	}
	if (in->end_pfn <= in->start_pfn || in->end_pfn - in->start_pfn > (1ull << 34) || in->nr_zones == 0 ||
	    in->nr_zones > MAX_NR_ZONES || in->nr_cpus == 0 || nb != frag_restore_nr_pageblocks(in)) {
		ret = efail(err, errlen, "%s: implausible header (pfns %#llx..%#llx, %u zones, %u CPUs, %u pageblocks)",
			    path, (unsigned long long)in->start_pfn, (unsigned long long)in->end_pfn, in->nr_zones,
			    in->nr_cpus, nb);
		goto out;
	}
	size_t off = 0, need = (size_t)in->nr_zones * STATE_ZONE_SIZE + STATE_SYSCTL_N * 4 + 4;
	if (body_len < need) {
		ret = efail(err, errlen, "%s: truncated zone table", path);
		goto out;
	}
	for (unsigned i = 0; i < in->nr_zones; i++) {
		struct frag_restore_zone *z = &in->zone[i];
		const uint8_t *p = body + off;
		z->type = (enum zone_type)get_u32(p);
		if (z->type >= MAX_NR_ZONES) {
			ret = efail(err, errlen, "%s: offset %zu: zone type %u", path, STATE_HDR_SIZE + off, z->type);
			goto out;
		}
		p += 16;
		z->start_pfn = get_u64(p);
		z->end_pfn = get_u64(p + 8);
		p += 16;
		for (int w = 0; w < 3; w++, p += 8)
			z->wmark[w] = get_u64(p);
		for (int t = 0; t < MAX_NR_ZONES; t++, p += 8)
			z->lowmem_reserve[t] = get_u64(p);
		for (int mt = 0; mt < MIGRATE_TYPES; mt++, p += 8)
			z->nr_blocks[mt] = (int64_t)get_u64(p);
		s->real[i].present = get_u64(p);
		s->real[i].managed = get_u64(p + 8);
		s->real[i].free = get_u64(p + 16);
		s->real[i].pcp = get_u64(p + 24);
		off += STATE_ZONE_SIZE;
	}
	uint32_t *sc = &s->sysctl.min_free_kbytes;
	for (int k = 0; k < STATE_SYSCTL_N; k++, off += 4)
		sc[k] = get_u32(body + off);
	uint32_t ll = get_u32(body + off);
	off += 4;
	if (ll >= sizeof s->label || off + ll > body_len) {
		ret = efail(err, errlen, "%s: offset %zu: bad label length %u", path, STATE_HDR_SIZE + off, ll);
		goto out;
	}
	memcpy(s->label, body + off, ll);
	s->label[ll] = 0;
	off += ll;
	uint64_t n = in->end_pfn - in->start_pfn;
	if (off + nb > body_len) {
		ret = efail(err, errlen, "%s: truncated page states at offset %zu", path, STATE_HDR_SIZE + off);
		goto out;
	}
	s->ps = malloc(n);
	s->pb_mt = malloc(nb);
	if (!s->ps || !s->pb_mt) {
		ret = -ENOMEM;
		goto out;
	}
	uint64_t p = 0, runs_end = body_len - nb;
	for (uint32_t r = 0; r < nr_runs; r++) {
		size_t at = off;
		if (off + 2 > runs_end) {
			ret = efail(err, errlen, "%s: offset %zu: run %u of %u is cut off", path, STATE_HDR_SIZE + off, r,
				    nr_runs);
			goto out;
		}
		uint8_t v = body[off++];
		uint64_t rl = 0;
		for (unsigned sh = 0;; sh += 7) {
			if (off >= runs_end || sh > 35) {
				ret = efail(err, errlen, "%s: offset %zu: bad run length", path, STATE_HDR_SIZE + at);
				goto out;
			}
			uint8_t c = body[off++];
			rl |= (uint64_t)(c & 0x7f) << sh;
			if (!(c & 0x80))
				break;
		}
		if (rl == 0 || p + rl > n) {
			ret = efail(err, errlen, "%s: offset %zu: run %u of %llu pages overruns the %llu pfns", path,
				    STATE_HDR_SIZE + at, r, (unsigned long long)rl, (unsigned long long)n);
			goto out;
		}
		memset(s->ps + p, v, rl);
		p += rl;
	}
	if (off != runs_end) {
		ret = efail(err, errlen, "%s: %llu bytes between the runs and the pageblock types (offset %zu)", path,
			    (unsigned long long)(runs_end - off), STATE_HDR_SIZE + off);
		goto out;
	}
	if (p != n) {
		ret = efail(err, errlen, "%s: the runs cover %llu of %llu pfns", path, (unsigned long long)p,
			    (unsigned long long)n);
		goto out;
	}
	memcpy(s->pb_mt, body + off, nb);
	in->ps = s->ps;
	in->pb_mt = s->pb_mt;
	for (uint64_t q = 0; q < n; q++) {
		for (unsigned i = 0; i < in->nr_zones; i++)
			if (q + in->start_pfn < in->zone[i].end_pfn) {
				unsigned c = s->ps[q] & FRAG_PS_CLASS_MASK;
				if (c < NR_PS_CLASSES)
					s->nr_class[i][c]++;
				break;
			}
	}
	ret = 0;
out:
	if (ret)
		frag_snap_free(s);
	free(b);
	return ret;
}
