/* SPDX-License-Identifier: MIT */
/*
 * util.c - small helpers shared by the sinks: directories, paths, time.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "results/internal.h"

void frag_results_errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

int frag_results_uid_valid(const char *uid)
{
	size_t n = 0;

	if (!uid)
		return 0;
	for (; uid[n]; n++) {
		char c = uid[n];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
			return 0;
	}
	return n > 0 && n < FRAG_RUN_UID_LEN;
}

int frag_results_mkdirs(const char *dir, char *err, size_t errlen)
{
	char buf[PATH_MAX];
	size_t n = strlen(dir);
	struct stat st;

	if (n == 0)
		return 0;
	if (n >= sizeof buf) {
		frag_results_errf(err, errlen, "%s: path too long", dir);
		return -ENAMETOOLONG;
	}
	memcpy(buf, dir, n + 1);
	/* Create each prefix ending before a '/', then the whole path. */
	for (size_t i = 1; i <= n; i++) {
		if (i < n && buf[i] != '/')
			continue;
		if (i < n && buf[i - 1] == '/')
			continue;
		char saved = buf[i];
		buf[i] = 0;
		if (mkdir(buf, 0777) && errno != EEXIST) {
			int e = errno;
			frag_results_errf(err, errlen, "cannot create directory %s: %s", buf, strerror(e));
			return -e;
		}
		if (stat(buf, &st)) {
			int e = errno;
			frag_results_errf(err, errlen, "cannot create directory %s: %s", buf, strerror(e));
			return -e;
		}
		if (!S_ISDIR(st.st_mode)) {
			frag_results_errf(err, errlen, "cannot create directory %s: %s", buf,
					  strerror(ENOTDIR));
			return -ENOTDIR;
		}
		buf[i] = saved;
	}
	return 0;
}

int frag_results_mkdirs_parent(const char *file, char *err, size_t errlen)
{
	char buf[PATH_MAX];
	const char *slash = strrchr(file, '/');
	size_t n;

	if (!slash)
		return 0;
	n = (size_t)(slash - file);
	if (n == 0)
		return 0;       /* "/file" */
	if (n >= sizeof buf) {
		frag_results_errf(err, errlen, "%s: path too long", file);
		return -ENAMETOOLONG;
	}
	memcpy(buf, file, n);
	buf[n] = 0;
	return frag_results_mkdirs(buf, err, errlen);
}

/* Absolute, lexically normalised form of @path (no ".", "..", "//"). */
static int abs_normalise(const char *path, char *out, size_t len)
{
	char tmp[PATH_MAX * 2];
	size_t o = 0;

	if (path[0] == '/') {
		if (snprintf(tmp, sizeof tmp, "%s", path) >= (int)sizeof tmp)
			return -ENAMETOOLONG;
	} else {
		char cwd[PATH_MAX];
		if (!getcwd(cwd, sizeof cwd))
			return -errno;
		if (snprintf(tmp, sizeof tmp, "%s/%s", cwd, path) >= (int)sizeof tmp)
			return -ENAMETOOLONG;
	}
	if (len < 2)
		return -ENAMETOOLONG;
	out[o++] = '/';
	for (char *p = tmp; *p;) {
		while (*p == '/')
			p++;
		char *e = p;
		while (*e && *e != '/')
			e++;
		size_t cl = (size_t)(e - p);
		if (cl == 0)
			break;
		if (cl == 1 && p[0] == '.') {
			/* skip */
		} else if (cl == 2 && p[0] == '.' && p[1] == '.') {
			if (o > 1) {
				o--;                    /* drop the trailing '/' */
				while (o > 1 && out[o - 1] != '/')
					o--;
			}
		} else {
			if (o + cl + 2 > len)
				return -ENAMETOOLONG;
			memcpy(out + o, p, cl);
			o += cl;
			out[o++] = '/';
		}
		p = e;
	}
	if (o > 1)
		o--;                            /* no trailing '/' except for "/" */
	out[o] = 0;
	return 0;
}

/* Absolute form of @path; its directory part resolved by realpath(3) when it
 * exists (when @is_dir, the whole path is a directory). */
static int resolve(const char *path, int is_dir, char *out, size_t len)
{
	char norm[PATH_MAX], real[PATH_MAX];
	int rc = abs_normalise(path, norm, sizeof norm);

	if (rc)
		return rc;
	if (is_dir) {
		if (realpath(norm, real))
			return snprintf(out, len, "%s", real) >= (int)len ? -ENAMETOOLONG : 0;
		return snprintf(out, len, "%s", norm) >= (int)len ? -ENAMETOOLONG : 0;
	}
	char *slash = strrchr(norm, '/');
	if (slash && slash != norm) {
		*slash = 0;
		if (realpath(norm, real))
			return snprintf(out, len, "%s/%s", strcmp(real, "/") ? real : "", slash + 1) >= (int)len
				? -ENAMETOOLONG : 0;
		*slash = '/';
	}
	return snprintf(out, len, "%s", norm) >= (int)len ? -ENAMETOOLONG : 0;
}

int frag_results_relpath(const char *from_dir, const char *to, char *out, size_t len)
{
	char a[PATH_MAX], b[PATH_MAX];
	size_t i = 0, common = 0, o = 0;
	int rc;

	rc = resolve(from_dir, 1, a, sizeof a);
	if (!rc)
		rc = resolve(to, 0, b, sizeof b);
	if (rc)
		return rc;
	/* Longest common prefix ending at a component boundary. */
	for (i = 0; a[i] && a[i] == b[i]; i++)
		if (a[i] == '/')
			common = i;
	if (!a[i] && (b[i] == '/' || !b[i]))
		common = i;
	if (strcmp(a, "/") == 0)
		common = 0;
	/* One ".." per component of a left after the common prefix. */
	for (const char *p = a + common; *p; p++) {
		if (*p == '/' && p[1]) {
			if (o + 3 >= len)
				return -ENAMETOOLONG;
			memcpy(out + o, "../", 3);
			o += 3;
		}
	}
	const char *rest = b + common;
	while (*rest == '/')
		rest++;
	if (snprintf(out + o, len - o, "%s", rest) >= (int)(len - o))
		return -ENAMETOOLONG;
	o += strlen(rest);
	if (o == 0)
		snprintf(out, len, ".");
	else if (out[o - 1] == '/')
		out[o - 1] = 0;
	return 0;
}

void frag_results_utc_now(char *out, size_t len)
{
	struct timespec ts;
	struct tm tm;
	char base[24];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, len, "%s.%03ldZ", base, ts.tv_nsec / 1000000);
}

bool frag_results_end_status_valid(const char *st)
{
	return st && (!strcmp(st, "complete") || !strcmp(st, "interrupted") || !strcmp(st, "failed"));
}

int frag_evbuf_push(struct frag_evbuf *b, const struct frag_event_rec *ev)
{
	struct frag_evrec *e;

	if (!ev || !ev->type)
		return -EINVAL;
	if (b->nr == b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 64;
		struct frag_evrec *n = realloc(b->ev, cap * sizeof *n);

		if (!n)
			return -ENOMEM;
		b->ev = n;
		b->cap = cap;
	}
	e = &b->ev[b->nr];
	*e = (struct frag_evrec){
		.t_ns = ev->t_ns, .cpu = ev->cpu, .nid = ev->nid, .pfn = ev->pfn,
		.order = ev->order, .value = ev->value,
	};
	e->type = strdup(ev->type);
	e->outcome = strdup(ev->outcome ? ev->outcome : "");
	e->detail = ev->detail ? strdup(ev->detail) : NULL;
	if (!e->type || !e->outcome || (ev->detail && !e->detail)) {
		free(e->type);
		free(e->outcome);
		free(e->detail);
		return -ENOMEM;
	}
	b->nr++;
	return 0;
}

void frag_evbuf_free(struct frag_evbuf *b)
{
	for (size_t i = 0; i < b->nr; i++) {
		free(b->ev[i].type);
		free(b->ev[i].outcome);
		free(b->ev[i].detail);
	}
	free(b->ev);
	*b = (struct frag_evbuf){ 0 };
}
