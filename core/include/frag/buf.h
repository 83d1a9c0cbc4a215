/* SPDX-License-Identifier: MIT */
/* buf.h - a growable text buffer (the model formats into memory, never to files). */
#ifndef FRAG_BUF_H
#define FRAG_BUF_H

#include <stddef.h>

struct frag_buf {
	char *data;     /* NUL-terminated contents (NULL until the first write) */
	size_t len;     /* bytes used, excluding the NUL */
	size_t cap;     /* bytes allocated */
	int oom;        /* set when an allocation failed; further writes are dropped */
};

void frag_buf_printf(struct frag_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void frag_buf_putc(struct frag_buf *b, char c);
void frag_buf_reset(struct frag_buf *b);
void frag_buf_free(struct frag_buf *b);
/* Contents, "" when empty. */
const char *frag_buf_str(const struct frag_buf *b);

#endif /* FRAG_BUF_H */
