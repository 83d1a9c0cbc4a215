/* SPDX-License-Identifier: MIT */
/*
 * conf.h - core/conf internals: a scenario as a tree of nodes that remember
 * where each key and value was written (FILE:LINE:COL, or the --set that
 * made it), read from YAML with libfyaml, merged over included files and
 * overridden by --set; and the machine geometry a scenario describes.
 *
 * Only core/conf includes this header.
 */
#ifndef FRAG_CONF_H
#define FRAG_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frag/mm.h"

struct frag_scenario;

#define CONF_MAX_DEPTH 64                 /* deepest nesting of mappings and sequences */
#define CONF_MAX_NODES 200000             /* nodes per load, aliases expanded (stops "billion laughs") */
#define CONF_MAX_KEYS 4096                /* entries of one mapping or sequence */
#define CONF_MAX_INCLUDE_DEPTH 16         /* files on the include chain */
#define CONF_MAX_FILE_SIZE (16u << 20)    /* bytes of one scenario file */
#define CONF_PATH_MAX 512                 /* a dotted key path in messages */

enum conf_kind {
	CONF_NULL,      /* no value: an empty plain scalar, "~" or "null" */
	CONF_SCALAR,    /* a scalar, kept as text */
	CONF_MAP,       /* a mapping, entries in the order written */
	CONF_SEQ,       /* a sequence */
};

/* Where something was written. */
struct conf_loc {
	const char *file;   /* the file as opened (owned by the conf_ctx); NULL for a --set */
	const char *set;    /* the --set text (owned by the conf_ctx); NULL for a file */
	int line;           /* 1-based; 0 when unknown */
	int col;            /* 1-based */
};

struct conf_node {
	enum conf_kind kind;         /* what the value is */
	char *key;                   /* key in the parent mapping; NULL for sequence items and the root */
	struct conf_loc key_loc;     /* where the key is written */
	bool merge_key;              /* the key is a plain "<<" (YAML merge key), while reading only */
	char *value;                 /* CONF_SCALAR: the text */
	struct conf_loc loc;         /* where the value starts */
	struct conf_node **kids;     /* CONF_MAP: entries; CONF_SEQ: items */
	unsigned nr_kids;            /* used entries of kids */
	unsigned max_kids;           /* allocated entries of kids */
};

/* One load: the error message, the strings locations point to, limits. */
struct conf_ctx {
	char *err;                                      /* the first error goes here */
	size_t errlen;                                  /* size of err */
	bool failed;                                    /* an error was written */
	char **strs;                                    /* file names and --set texts (freed by conf_ctx_fini) */
	unsigned nr_strs;                               /* used entries of strs */
	unsigned max_strs;                              /* allocated entries of strs */
	unsigned long nr_nodes;                         /* nodes created (CONF_MAX_NODES budget) */
	unsigned incl_depth;                            /* files on the include chain */
	char *incl_real[CONF_MAX_INCLUDE_DEPTH];        /* their real paths (cycle detection) */
	const char *incl_name[CONF_MAX_INCLUDE_DEPTH];  /* their names as opened (messages) */
};

void conf_ctx_init(struct conf_ctx *ctx, char *err, size_t errlen);
void conf_ctx_fini(struct conf_ctx *ctx);
/* Keep a copy of @s for the ctx's lifetime; NULL when out of memory. */
const char *conf_intern(struct conf_ctx *ctx, const char *s);

/**
 * conf_error() - record the first error of a load as "FILE:LINE:COL: key
 * PATH: message" ("--set TEXT: key PATH: message" for a --set; "key PATH: "
 * is left out when @path is NULL). Returns -EINVAL.
 */
int conf_error(struct conf_ctx *ctx, const struct conf_loc *loc, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Nodes. */
struct conf_node *conf_new(struct conf_ctx *ctx, enum conf_kind kind, const struct conf_loc *loc);
struct conf_node *conf_copy(struct conf_ctx *ctx, const struct conf_node *n);
void conf_free(struct conf_node *n);
int conf_append(struct conf_node *parent, struct conf_node *kid);
struct conf_node *conf_get(const struct conf_node *map, const char *key);
const char *conf_kind_name(enum conf_kind kind);

/**
 * conf_load_file() - read @path and everything it includes (the top-level
 * `include:` key: a file name or a list, relative to @path's directory,
 * merged underneath @path's own keys). @from is the `include:` value that
 * named @path, NULL for the scenario itself. Returns 0 with a mapping in
 * @root, or -errno with the message in the ctx.
 */
int conf_load_file(struct conf_ctx *ctx, const char *path, const struct conf_loc *from, struct conf_node **root);

/**
 * conf_merge() - merge @over on top of @base: mappings merge key by key
 * (recursively), anything else in @over replaces what @base had. Consumes
 * both; returns the result.
 */
struct conf_node *conf_merge(struct conf_node *base, struct conf_node *over);

/**
 * conf_apply_set() - apply one "a.b.c=value" to @root, creating the
 * mappings on the way. A value starting with '[' or '{' is read as YAML
 * flow; any other is a scalar, taken as is (empty: an empty string).
 * Returns 0 or -EINVAL.
 */
int conf_apply_set(struct conf_ctx *ctx, struct conf_node *root, const char *set);

/* Pages of RAM and reserved ranges of the x86 "pc" layout (see geometry.c). */
#define PC_LOW_RAM_END_PFN 0xc0000ull     /* RAM below the PCI hole ends at 3 GiB */
#define PC_HIGH_RAM_PFN 0x100000ull       /* and resumes at 4 GiB */
#define PC_KERNEL_START_PFN 0x1000ull     /* the kernel image [16 MiB, ~60 MiB) */
#define PC_KERNEL_END_PFN 0x3c58ull
#define PC_BIOS_START_PFN 0x9full         /* EBDA, VGA and BIOS ROM below 1 MiB */
#define PC_BIOS_END_PFN 0x100ull
#define MEMMAP_PAGES_PER_PAGE 64          /* a 64-byte struct page per 4 KiB page */

/**
 * conf_geometry() - the machine of @sc: nodes, CPUs, the layout's holes
 * and reserved ranges and then @sc's extra holes, written to @holes (at
 * most @max_holes, FRAG_SC_CONFIG_HOLES always suffice; @g->holes points
 * there). @holes may be NULL with @max_holes 0 to get the nodes only.
 * Returns 0 or -EINVAL.
 */
int conf_geometry(const struct frag_scenario *sc, struct frag_geometry *g, struct frag_hole *holes,
		  unsigned max_holes, char *err, size_t errlen);

#endif /* FRAG_CONF_H */
