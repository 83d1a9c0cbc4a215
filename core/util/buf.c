/* SPDX-License-Identifier: MIT */
/* buf.c - growable text buffer. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "frag/buf.h"

static int reserve(struct frag_buf *b, size_t extra)
{
	if (b->oom)
		return -1;
	if (b->len + extra + 1 <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->len + extra + 1)
		cap *= 2;
	char *d = realloc(b->data, cap);
	if (!d) {
		b->oom = 1;
		return -1;
	}
	b->data = d;
	b->cap = cap;
	return 0;
}

void frag_buf_printf(struct frag_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || reserve(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void frag_buf_putc(struct frag_buf *b, char c)
{
	if (reserve(b, 1))
		return;
	b->data[b->len++] = c;
	b->data[b->len] = 0;
}

void frag_buf_reset(struct frag_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = 0;
}

void frag_buf_free(struct frag_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
	b->oom = 0;
}

const char *frag_buf_str(const struct frag_buf *b)
{
	return b->data ? b->data : "";
}
