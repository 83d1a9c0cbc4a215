/* SPDX-License-Identifier: MIT */
/*
 * yaml.c - scenario files as conf_node trees: reading YAML with libfyaml's
 * event parser (anchors, aliases and "<<" merge keys resolved here, with
 * limits on nesting and expansion), includes, merging and --set overrides.
 *
 * libfyaml's diagnostics are collected, never printed: a syntax error
 * becomes "FILE:LINE:COL: message" in the caller's buffer.
 */
#include <errno.h>
#include <libfyaml.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "conf.h"

/* ---------------------------------------------------------------------- */
/* Context, errors, nodes                                                 */
/* ---------------------------------------------------------------------- */

void conf_ctx_init(struct conf_ctx *ctx, char *err, size_t errlen)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->err = err;
	ctx->errlen = errlen;
	if (err && errlen)
		err[0] = 0;
}

void conf_ctx_fini(struct conf_ctx *ctx)
{
	for (unsigned i = 0; i < ctx->nr_strs; i++)
		free(ctx->strs[i]);
	free(ctx->strs);
	for (unsigned i = 0; i < ctx->incl_depth; i++)
		free(ctx->incl_real[i]);
	ctx->strs = NULL;
	ctx->nr_strs = ctx->max_strs = 0;
	ctx->incl_depth = 0;
}

const char *conf_intern(struct conf_ctx *ctx, const char *s)
{
	if (ctx->nr_strs == ctx->max_strs) {
		unsigned max = ctx->max_strs ? 2 * ctx->max_strs : 8;
		char **strs = realloc(ctx->strs, max * sizeof(*strs));
		if (!strs)
			return NULL;
		ctx->strs = strs;
		ctx->max_strs = max;
	}
	char *copy = strdup(s);
	if (copy)
		ctx->strs[ctx->nr_strs++] = copy;
	return copy;
}

int conf_error(struct conf_ctx *ctx, const struct conf_loc *loc, const char *path, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (ctx->failed || !ctx->err || !ctx->errlen) {
		ctx->failed = true;
		return -EINVAL;
	}
	ctx->failed = true;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);

	char where[600];
	if (loc && loc->set)
		snprintf(where, sizeof where, "--set %s: ", loc->set);
	else if (loc && loc->file && loc->line > 0)
		snprintf(where, sizeof where, "%s:%d:%d: ", loc->file, loc->line, loc->col);
	else if (loc && loc->file)
		snprintf(where, sizeof where, "%s: ", loc->file);
	else
		where[0] = 0;
	if (path && *path)
		snprintf(ctx->err, ctx->errlen, "%skey %s: %s", where, path, msg);
	else
		snprintf(ctx->err, ctx->errlen, "%s%s", where, msg);
	return -EINVAL;
}

const char *conf_kind_name(enum conf_kind kind)
{
	switch (kind) {
	case CONF_NULL:
		return "nothing";
	case CONF_SCALAR:
		return "a scalar";
	case CONF_MAP:
		return "a mapping";
	case CONF_SEQ:
		return "a list";
	}
	return "?";
}

struct conf_node *conf_new(struct conf_ctx *ctx, enum conf_kind kind, const struct conf_loc *loc)
{
	if (++ctx->nr_nodes > CONF_MAX_NODES) {
		conf_error(ctx, loc, NULL, "more than %u YAML nodes (aliases expanded); is this a scenario?",
			   CONF_MAX_NODES);
		return NULL;
	}
	struct conf_node *n = calloc(1, sizeof(*n));
	if (!n) {
		conf_error(ctx, loc, NULL, "out of memory");
		return NULL;
	}
	n->kind = kind;
	if (loc)
		n->loc = *loc;
	return n;
}

void conf_free(struct conf_node *n)
{
	if (!n)
		return;
	for (unsigned i = 0; i < n->nr_kids; i++)
		conf_free(n->kids[i]);
	free(n->kids);
	free(n->key);
	free(n->value);
	free(n);
}

int conf_append(struct conf_node *parent, struct conf_node *kid)
{
	if (parent->nr_kids == parent->max_kids) {
		unsigned max = parent->max_kids ? 2 * parent->max_kids : 4;
		struct conf_node **kids = realloc(parent->kids, max * sizeof(*kids));
		if (!kids)
			return -ENOMEM;
		parent->kids = kids;
		parent->max_kids = max;
	}
	parent->kids[parent->nr_kids++] = kid;
	return 0;
}

struct conf_node *conf_get(const struct conf_node *map, const char *key)
{
	if (!map || map->kind != CONF_MAP)
		return NULL;
	for (unsigned i = 0; i < map->nr_kids; i++)
		if (!strcmp(map->kids[i]->key, key))
			return map->kids[i];
	return NULL;
}

/* Remove kid @i of @parent (not freed). */
static struct conf_node *conf_remove(struct conf_node *parent, unsigned i)
{
	struct conf_node *kid = parent->kids[i];
	memmove(&parent->kids[i], &parent->kids[i + 1], (parent->nr_kids - i - 1) * sizeof(*parent->kids));
	parent->nr_kids--;
	return kid;
}

struct conf_node *conf_copy(struct conf_ctx *ctx, const struct conf_node *n)
{
	struct conf_node *c = conf_new(ctx, n->kind, &n->loc);
	if (!c)
		return NULL;
	c->key_loc = n->key_loc;
	c->merge_key = n->merge_key;
	if ((n->key && !(c->key = strdup(n->key))) || (n->value && !(c->value = strdup(n->value)))) {
		conf_free(c);
		conf_error(ctx, &n->loc, NULL, "out of memory");
		return NULL;
	}
	for (unsigned i = 0; i < n->nr_kids; i++) {
		struct conf_node *k = conf_copy(ctx, n->kids[i]);
		if (!k || conf_append(c, k)) {
			conf_free(k);
			conf_free(c);
			return NULL;
		}
	}
	return c;
}

/* Levels of nesting @n adds: 0 for a scalar, 1 + its deepest entry for a container. */
static unsigned conf_height(const struct conf_node *n)
{
	unsigned h = 0;
	if (n->kind != CONF_MAP && n->kind != CONF_SEQ)
		return 0;
	for (unsigned i = 0; i < n->nr_kids; i++) {
		unsigned k = conf_height(n->kids[i]);
		if (k > h)
			h = k;
	}
	return h + 1;
}

/* Nodes in the tree of @n, @n included. */
static unsigned long conf_count(const struct conf_node *n)
{
	unsigned long c = 1;
	for (unsigned i = 0; i < n->nr_kids; i++)
		c += conf_count(n->kids[i]);
	return c;
}

/* ---------------------------------------------------------------------- */
/* Reading YAML events into a tree                                        */
/* ---------------------------------------------------------------------- */

/* An open mapping or sequence. */
struct frame {
	struct conf_node *node;      /* the container being filled */
	char *key;                   /* mapping: the key read, waiting for its value (NULL: none) */
	struct conf_loc key_loc;     /* where that key is */
	bool key_merge;              /* that key is a plain "<<" */
};

/* An anchor (&name) seen so far. */
struct anchor {
	char *name;                  /* the anchor's name */
	struct conf_node *node;      /* the node it names (owned by the tree or the graveyard) */
	bool open;                   /* the node is still being read (an alias to it would be a loop) */
};

struct reader {
	struct conf_ctx *ctx;                       /* errors, budget */
	struct conf_loc base;                       /* file or --set every location carries */
	struct frame stack[CONF_MAX_DEPTH + 1];     /* open containers, root first */
	unsigned depth;                             /* entries of stack in use */
	struct anchor *anchors;                     /* every anchor, in order of appearance */
	unsigned nr_anchors;                        /* used entries of anchors */
	unsigned max_anchors;                       /* allocated entries of anchors */
	struct conf_node *graveyard;                /* nodes taken out of the tree that anchors may name */
	struct conf_node *root;                     /* the document's top node */
	unsigned docs;                              /* documents seen */
};

/*
 * Where event @e starts. libfyaml marks an alias after its '*' and a quoted
 * scalar after its opening quote: step back one column to point at them.
 */
static struct conf_loc mark_loc(const struct reader *r, struct fy_event *e)
{
	struct conf_loc loc = r->base;
	const struct fy_mark *m = fy_event_start_mark(e);
	if (m && !loc.set) {
		loc.line = m->line + 1;
		loc.col = m->column + 1;
		bool back = e->type == FYET_ALIAS;
		if (e->type == FYET_SCALAR) {
			enum fy_scalar_style st = fy_token_scalar_style(e->scalar.value);
			back = st == FYSS_SINGLE_QUOTED || st == FYSS_DOUBLE_QUOTED;
		}
		if (back && loc.col > 1)
			loc.col--;
	}
	return loc;
}

/* The dotted path of the value about to be read (@leaf: a key to append). */
static const char *reader_path(const struct reader *r, const char *leaf, char *buf, size_t len)
{
	size_t off = 0;
	buf[0] = 0;
	for (unsigned i = 1; i < r->depth && off < len; i++) {
		const struct conf_node *n = r->stack[i].node;
		const struct conf_node *parent = r->stack[i - 1].node;
		if (parent->kind == CONF_SEQ)
			off += (size_t)snprintf(buf + off, len - off, "[%u]", parent->nr_kids - 1);
		else
			off += (size_t)snprintf(buf + off, len - off, "%s%s", off ? "." : "", n->key ? n->key : "?");
	}
	if (leaf && off < len)
		snprintf(buf + off, len - off, "%s%s", off ? "." : "", leaf);
	return buf;
}

/* Is the next scalar of the innermost container a mapping key? */
static bool at_key(const struct reader *r)
{
	return r->depth && r->stack[r->depth - 1].node->kind == CONF_MAP && !r->stack[r->depth - 1].key;
}

static int add_anchor(struct reader *r, struct fy_token *tok, struct conf_node *node, bool open)
{
	if (!tok)
		return 0;
	if (r->nr_anchors == r->max_anchors) {
		unsigned max = r->max_anchors ? 2 * r->max_anchors : 8;
		struct anchor *a = realloc(r->anchors, max * sizeof(*a));
		if (!a)
			return -ENOMEM;
		r->anchors = a;
		r->max_anchors = max;
	}
	const char *name = fy_token_get_text0(tok);
	char *copy = strdup(name ? name : "");
	if (!copy)
		return -ENOMEM;
	r->anchors[r->nr_anchors++] = (struct anchor){ .name = copy, .node = node, .open = open };
	return 0;
}

/* The latest anchor called @name (a later one with the same name hides it). */
static struct anchor *find_anchor(struct reader *r, const char *name)
{
	for (unsigned i = r->nr_anchors; i-- > 0;)
		if (!strcmp(r->anchors[i].name, name))
			return &r->anchors[i];
	return NULL;
}

static void close_anchor(struct reader *r, const struct conf_node *node)
{
	for (unsigned i = 0; i < r->nr_anchors; i++)
		if (r->anchors[i].node == node)
			r->anchors[i].open = false;
}

/* Put @node where the innermost container expects its next value. */
static int attach(struct reader *r, struct conf_node *node)
{
	if (!r->depth) {
		if (r->root) {
			conf_free(node);
			return 0;
		}
		r->root = node;
		return 0;
	}
	struct frame *f = &r->stack[r->depth - 1];
	if (f->node->nr_kids >= CONF_MAX_KEYS) {
		char path[CONF_PATH_MAX];
		conf_free(node);
		return conf_error(r->ctx, &f->node->loc, reader_path(r, NULL, path, sizeof path),
				  "more than %u entries", CONF_MAX_KEYS);
	}
	if (f->node->kind == CONF_MAP) {
		node->key = f->key;
		node->key_loc = f->key_loc;
		node->merge_key = f->key_merge;
		f->key = NULL;
	}
	if (conf_append(f->node, node)) {
		conf_free(node);
		return conf_error(r->ctx, &r->base, NULL, "out of memory");
	}
	return 0;
}

/* A scalar (or an aliased scalar) read where a mapping key is expected. */
static int take_key(struct reader *r, const char *text, bool plain, const struct conf_loc *loc)
{
	struct frame *f = &r->stack[r->depth - 1];
	char path[CONF_PATH_MAX];
	struct conf_node *dup = conf_get(f->node, text);

	if (dup) {
		reader_path(r, text, path, sizeof path);
		if (dup->key_loc.line)
			return conf_error(r->ctx, loc, path, "duplicate key '%s' (first at line %d)", text,
					  dup->key_loc.line);
		return conf_error(r->ctx, loc, path, "duplicate key '%s'", text);
	}
	f->key = strdup(text);
	if (!f->key)
		return conf_error(r->ctx, loc, NULL, "out of memory");
	f->key_loc = *loc;
	f->key_merge = plain && !strcmp(text, "<<");
	return 0;
}

static bool is_null_text(const char *s)
{
	return !*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") || !strcmp(s, "NULL");
}

/*
 * The "<<" merge keys of a mapping just closed: every key of the merged
 * mapping(s) that the mapping does not set itself is copied in (YAML 1.1
 * merge: own keys win, earlier sources win over later ones).
 */
static int resolve_merge_keys(struct reader *r, struct conf_node *map)
{
	char path[CONF_PATH_MAX];

	for (unsigned i = 0; i < map->nr_kids;) {
		struct conf_node *m = map->kids[i];
		if (!m->merge_key) {
			i++;
			continue;
		}
		conf_remove(map, i);
		if (conf_append(r->graveyard, m)) {
			int ret = conf_error(r->ctx, &m->loc, NULL, "out of memory");
			conf_free(m);
			return ret;
		}
		unsigned nsrc = m->kind == CONF_SEQ ? m->nr_kids : 1;
		for (unsigned s = 0; s < nsrc; s++) {
			const struct conf_node *src = m->kind == CONF_SEQ ? m->kids[s] : m;
			if (src->kind == CONF_NULL)
				continue;
			if (src->kind != CONF_MAP)
				return conf_error(r->ctx, &m->key_loc, reader_path(r, "<<", path, sizeof path),
						  "a merge key takes a mapping or a list of mappings, not %s",
						  conf_kind_name(src->kind));
			for (unsigned k = 0; k < src->nr_kids; k++) {
				if (conf_get(map, src->kids[k]->key))
					continue;
				if (r->depth + conf_height(src->kids[k]) > CONF_MAX_DEPTH)
					return conf_error(r->ctx, &src->loc, reader_path(r, "<<", path, sizeof path),
							  "nesting deeper than %u levels", CONF_MAX_DEPTH);
				struct conf_node *c = conf_copy(r->ctx, src->kids[k]);
				if (!c)
					return -EINVAL;
				if (conf_append(map, c)) {
					conf_free(c);
					return conf_error(r->ctx, &src->loc, NULL, "out of memory");
				}
			}
		}
	}
	return 0;
}

static int on_event(struct reader *r, struct fy_event *e)
{
	struct conf_loc loc = mark_loc(r, e);
	char path[CONF_PATH_MAX];
	struct conf_node *node;
	struct fy_token *anchor = NULL;
	enum conf_kind kind = CONF_MAP;

	switch (e->type) {
	case FYET_DOCUMENT_START:
		if (++r->docs > 1)
			return conf_error(r->ctx, &loc, NULL,
					  "a scenario is one YAML document; a second one starts here");
		return 0;
	case FYET_SEQUENCE_START:
		kind = CONF_SEQ;
		anchor = e->sequence_start.anchor;
		/* fallthrough */
	case FYET_MAPPING_START:
		if (kind == CONF_MAP)
			anchor = e->mapping_start.anchor;
		if (at_key(r))
			return conf_error(r->ctx, &loc, reader_path(r, NULL, path, sizeof path),
					  "a key must be a plain name, not %s", conf_kind_name(kind));
		if (r->depth >= CONF_MAX_DEPTH)
			return conf_error(r->ctx, &loc, reader_path(r, r->stack[r->depth - 1].key, path, sizeof path),
					  "nesting deeper than %u levels", CONF_MAX_DEPTH);
		node = conf_new(r->ctx, kind, &loc);
		if (!node || attach(r, node))
			return -EINVAL;
		r->stack[r->depth++] = (struct frame){ .node = node };
		if (add_anchor(r, anchor, node, true))
			return conf_error(r->ctx, &loc, NULL, "out of memory");
		return 0;
	case FYET_MAPPING_END:
	case FYET_SEQUENCE_END: {
		struct frame *f = &r->stack[r->depth - 1];
		free(f->key);
		f->key = NULL;
		if (f->node->kind == CONF_MAP && resolve_merge_keys(r, f->node))
			return -EINVAL;
		close_anchor(r, f->node);
		r->depth--;
		return 0;
	}
	case FYET_SCALAR: {
		size_t len;
		const char *text = fy_token_get_text(e->scalar.value, &len);
		bool plain = fy_token_scalar_style(e->scalar.value) == FYSS_PLAIN;
		char *copy = strndup(text ? text : "", text ? len : 0);
		if (!copy)
			return conf_error(r->ctx, &loc, NULL, "out of memory");
		if (strlen(copy) != len) {
			free(copy);
			return conf_error(r->ctx, &loc, reader_path(r, NULL, path, sizeof path),
					  "a value contains a NUL character");
		}
		if (at_key(r)) {
			int ret = take_key(r, copy, plain, &loc);
			free(copy);
			return ret;
		}
		node = conf_new(r->ctx, plain && is_null_text(copy) ? CONF_NULL : CONF_SCALAR, &loc);
		if (!node) {
			free(copy);
			return -EINVAL;
		}
		if (node->kind == CONF_SCALAR)
			node->value = copy;
		else
			free(copy);
		if (attach(r, node))
			return -EINVAL;
		if (add_anchor(r, e->scalar.anchor, node, false))
			return conf_error(r->ctx, &loc, NULL, "out of memory");
		return 0;
	}
	case FYET_ALIAS: {
		const char *name = fy_token_get_text0(e->alias.anchor);
		struct anchor *a = find_anchor(r, name ? name : "");
		bool key = at_key(r);
		reader_path(r, key ? NULL : r->depth ? r->stack[r->depth - 1].key : NULL, path, sizeof path);
		if (!a)
			return conf_error(r->ctx, &loc, path, "alias *%s names no anchor defined before it", name);
		if (a->open)
			return conf_error(r->ctx, &loc, path,
					  "alias *%s refers to a node that contains it (an alias loop)", name);
		if (key) {
			if (a->node->kind != CONF_SCALAR)
				return conf_error(r->ctx, &loc, path, "a key must be a plain name, not %s",
						  conf_kind_name(a->node->kind));
			return take_key(r, a->node->value, false, &loc);
		}
		if (r->depth + conf_height(a->node) > CONF_MAX_DEPTH)
			return conf_error(r->ctx, &loc, path, "alias *%s nests deeper than %u levels", name,
					  CONF_MAX_DEPTH);
		if (r->ctx->nr_nodes + conf_count(a->node) > CONF_MAX_NODES)
			return conf_error(r->ctx, &loc, path, "alias *%s expands to more than %u YAML nodes in all; "
					  "is this a scenario?", name, CONF_MAX_NODES);
		node = conf_copy(r->ctx, a->node);
		if (!node)
			return -EINVAL;
		node->merge_key = false;
		free(node->key);
		node->key = NULL;
		return attach(r, node);
	}
	default:
		return 0;
	}
}

static void diag_discard(struct fy_diag *diag, void *user, const char *buf, size_t len)
{
	(void)diag;
	(void)user;
	(void)buf;
	(void)len;
}

/*
 * Parse one YAML text (@str of @len bytes) into a tree. @base is the
 * location every node carries (the file, or the --set). Syntax errors come
 * from libfyaml's collected diagnostics.
 */
static int read_yaml(struct conf_ctx *ctx, const struct conf_loc *base, const char *str, size_t len,
		     struct conf_node **out)
{
	struct fy_diag_cfg dcfg;
	struct reader r = { .ctx = ctx, .base = *base };
	int ret = 0;

	*out = NULL;
	/*
	 * YAML directives (%YAML, %TAG) have no use in a scenario, and libfyaml
	 * 0.8's directive scanner can loop for ever on a malformed one (fuzz
	 * regression tests/fuzz/regressions/scenario/timeout-libfyaml-directive):
	 * refuse a line that starts with '%' before libfyaml sees it.
	 */
	for (size_t i = 0, line = 1; i < len; i++) {
		if (str[i] == '%' && (i == 0 || str[i - 1] == '\n')) {
			struct conf_loc loc = *base;
			loc.line = (base->line > 0 ? base->line - 1 : 0) + (int)line;
			loc.col = 1;
			return conf_error(ctx, &loc, NULL, "YAML directives (a line starting with '%%') are not supported");
		}
		if (str[i] == '\n')
			line++;
	}
	fy_diag_cfg_default(&dcfg);
	dcfg.fp = NULL;
	dcfg.output_fn = diag_discard;
	dcfg.colorize = false;
	struct fy_diag *diag = fy_diag_create(&dcfg);
	if (!diag)
		return conf_error(ctx, base, NULL, "out of memory");
	fy_diag_set_collect_errors(diag, true);
	struct fy_parse_cfg pcfg = {
		.flags = FYPCF_QUIET | FYPCF_DEFAULT_VERSION_1_2 | FYPCF_JSON_NONE | FYPCF_DISABLE_RECYCLING,
		.diag = diag,
	};
	struct fy_parser *p = fy_parser_create(&pcfg);
	r.graveyard = conf_new(ctx, CONF_SEQ, base);
	if (!p || !r.graveyard) {
		ret = conf_error(ctx, base, NULL, "out of memory");
		goto out;
	}
	if (fy_parser_set_string(p, str, len)) {
		ret = conf_error(ctx, base, NULL, "cannot read the YAML input");
		goto out;
	}
	struct fy_event *e;
	while ((e = fy_parser_parse(p))) {
		ret = on_event(&r, e);
		fy_parser_event_free(p, e);
		if (ret)
			goto out;
	}
	if (fy_parser_get_stream_error(p)) {
		void *it = NULL;
		struct fy_diag_error *de = fy_diag_errors_iterate(diag, &it);
		struct conf_loc loc = *base;
		if (de && !base->set) {
			loc.line = de->line;
			loc.col = de->column;
		}
		ret = conf_error(ctx, &loc, NULL, "%s", de && de->msg ? de->msg : "invalid YAML");
		goto out;
	}
	if (!r.root) {
		/* An empty document: no keys. */
		r.root = conf_new(ctx, CONF_MAP, base);
		if (!r.root)
			ret = -EINVAL;
	}
out:
	while (r.depth)
		free(r.stack[--r.depth].key);
	for (unsigned i = 0; i < r.nr_anchors; i++)
		free(r.anchors[i].name);
	free(r.anchors);
	conf_free(r.graveyard);
	if (p)
		fy_parser_destroy(p);
	fy_diag_destroy(diag);
	if (ret) {
		conf_free(r.root);
		return ret;
	}
	*out = r.root;
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Files and includes                                                     */
/* ---------------------------------------------------------------------- */

/*
 * Read @path (at most CONF_MAX_FILE_SIZE bytes) into *@buf; messages name
 * the file (or the include naming it). An include must be a regular file
 * (not a FIFO or a device that could block or never end); the scenario
 * itself may be anything readable (a pipe), read up to the size limit.
 * Returns 0 or -errno.
 */
static int read_file(struct conf_ctx *ctx, const char *path, const struct conf_loc *from, char **buf, size_t *len)
{
	struct stat st;
	int err = 0;
	FILE *fp = NULL;
	char *b = NULL;
	size_t n = 0;

	if (stat(path, &st))
		err = errno;
	else if (S_ISDIR(st.st_mode))
		err = EISDIR;
	else if (from && !S_ISREG(st.st_mode))
		err = ENOTSUP;
	else if (st.st_size > (off_t)CONF_MAX_FILE_SIZE)
		err = EFBIG;
	else if (!(fp = fopen(path, "r")))
		err = errno;
	if (!err) {
		size_t cap = st.st_size > 0 ? (size_t)st.st_size + 1 : 4096;
		for (;;) {
			if (n == cap)
				cap *= 2;
			char *nb = realloc(b, cap + 1);
			if (!nb) {
				err = ENOMEM;
				break;
			}
			b = nb;
			size_t want = cap - n, r = fread(b + n, 1, want, fp);
			n += r;
			if (n > CONF_MAX_FILE_SIZE) {
				err = EFBIG;
				break;
			}
			if (r < want) {   /* end of file or an error */
				if (ferror(fp))
					err = EIO;
				break;
			}
		}
		fclose(fp);
	}
	if (!err) {
		b[n] = 0;
		*buf = b;
		*len = n;
		return 0;
	}
	free(b);
	const char *why = err == EFBIG ? "larger than 16 MiB; not a scenario" :
		err == ENOTSUP ? "not a regular file" : strerror(err);
	if (from)
		conf_error(ctx, from, "include", "cannot read %s: %s", path, why);
	else
		conf_error(ctx, &(struct conf_loc){ .file = path }, NULL, "%s", why);
	return -err;
}

/* @name relative to the directory of @file (unless absolute). */
static char *relative_to(const char *file, const char *name)
{
	char *out;
	const char *slash = strrchr(file, '/');
	if (name[0] == '/' || !slash)
		return strdup(name);
	if (asprintf(&out, "%.*s/%s", (int)(slash - file), file, name) < 0)
		return NULL;
	return out;
}

int conf_load_file(struct conf_ctx *ctx, const char *path, const struct conf_loc *from, struct conf_node **root)
{
	struct conf_node *doc = NULL, *base = NULL, *inc = NULL;
	int ret;

	*root = NULL;
	const char *name = conf_intern(ctx, path);
	if (!name)
		return conf_error(ctx, from, NULL, "out of memory");
	char *text;
	size_t len;
	ret = read_file(ctx, name, from, &text, &len);
	if (ret)
		return ret;

	/* Cycle and depth checks on the include chain. */
	char *real = realpath(name, NULL);
	if (!real) {
		free(text);
		return conf_error(ctx, from, from ? "include" : NULL, "%s: %s", name, strerror(errno));
	}
	for (unsigned i = 0; i < ctx->incl_depth; i++) {
		if (strcmp(ctx->incl_real[i], real))
			continue;
		char chain[1024];
		size_t off = 0;
		for (unsigned j = i; j < ctx->incl_depth && off < sizeof chain; j++)
			off += (size_t)snprintf(chain + off, sizeof chain - off, "%s -> ", ctx->incl_name[j]);
		if (off < sizeof chain)
			snprintf(chain + off, sizeof chain - off, "%s", name);
		free(real);
		free(text);
		return conf_error(ctx, from, "include", "include cycle: %s", chain);
	}
	if (ctx->incl_depth >= CONF_MAX_INCLUDE_DEPTH) {
		free(real);
		free(text);
		return conf_error(ctx, from, "include", "includes nested more than %u files deep",
				  CONF_MAX_INCLUDE_DEPTH);
	}
	ctx->incl_real[ctx->incl_depth] = real;
	ctx->incl_name[ctx->incl_depth] = name;
	ctx->incl_depth++;

	ret = read_yaml(ctx, &(struct conf_loc){ .file = name }, text, len, &doc);
	free(text);
	if (ret)
		goto out;
	if (doc->kind == CONF_NULL) {
		doc->kind = CONF_MAP;
	} else if (doc->kind != CONF_MAP) {
		ret = conf_error(ctx, &doc->loc, NULL, "the top level of a scenario must be a mapping of keys, not %s",
				 conf_kind_name(doc->kind));
		goto out;
	}

	/* include: a file name or a list of them, merged in order underneath. */
	for (unsigned i = 0; i < doc->nr_kids; i++)
		if (!strcmp(doc->kids[i]->key, "include")) {
			inc = conf_remove(doc, i);
			break;
		}
	if (inc && inc->kind != CONF_NULL) {
		unsigned n = inc->kind == CONF_SEQ ? inc->nr_kids : 1;
		for (unsigned i = 0; i < n; i++) {
			const struct conf_node *item = inc->kind == CONF_SEQ ? inc->kids[i] : inc;
			if (item->kind != CONF_SCALAR || !*item->value) {
				ret = conf_error(ctx, &item->loc, "include",
						 "expected a file name or a list of file names, "
						 "not %s",
						 conf_kind_name(item->kind));
				goto out;
			}
			char *file = relative_to(name, item->value);
			if (!file) {
				ret = conf_error(ctx, &item->loc, NULL, "out of memory");
				goto out;
			}
			struct conf_node *sub;
			ret = conf_load_file(ctx, file, &item->loc, &sub);
			free(file);
			if (ret)
				goto out;
			base = base ? conf_merge(base, sub) : sub;
		}
	}
	if (base) {
		doc = conf_merge(base, doc);
		base = NULL;
	}
out:
	conf_free(inc);
	conf_free(base);
	ctx->incl_depth--;
	free(ctx->incl_real[ctx->incl_depth]);
	ctx->incl_real[ctx->incl_depth] = NULL;
	if (ret) {
		conf_free(doc);
		return ret;
	}
	*root = doc;
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Merging and --set                                                      */
/* ---------------------------------------------------------------------- */

struct conf_node *conf_merge(struct conf_node *base, struct conf_node *over)
{
	if (base->kind != CONF_MAP || (over->kind != CONF_MAP && over->kind != CONF_NULL)) {
		/* Replace: the new value keeps the key and where it was written. */
		conf_free(base);
		return over;
	}
	for (unsigned i = 0; i < over->nr_kids; i++) {
		struct conf_node *o = over->kids[i];
		unsigned j;
		for (j = 0; j < base->nr_kids; j++)
			if (!strcmp(base->kids[j]->key, o->key))
				break;
		over->kids[i] = NULL;
		if (j == base->nr_kids) {
			if (conf_append(base, o))
				conf_free(o);
			continue;
		}
		/* The entry keeps its place in @base; its key is now the one in @over. */
		struct conf_loc key_loc = o->key_loc;
		struct conf_node *m = conf_merge(base->kids[j], o);
		m->key_loc = key_loc;
		base->kids[j] = m;
	}
	over->nr_kids = 0;
	conf_free(over);
	return base;
}

int conf_apply_set(struct conf_ctx *ctx, struct conf_node *root, const char *text)
{
	const char *set = conf_intern(ctx, text);
	if (!set)
		return conf_error(ctx, NULL, NULL, "out of memory");
	struct conf_loc loc = { .set = set };
	const char *eq = strchr(set, '=');
	if (!eq || eq == set)
		return conf_error(ctx, &loc, NULL,
				  "expected KEY=VALUE, e.g. duration=10s or workloads.web.rate=exp(1ms)");

	/* The key path, split at dots. */
	char keys[CONF_PATH_MAX];
	if ((size_t)(eq - set) >= sizeof keys)
		return conf_error(ctx, &loc, NULL, "the key is longer than %d characters", CONF_PATH_MAX - 1);
	memcpy(keys, set, (size_t)(eq - set));
	keys[eq - set] = 0;
	char *comp[CONF_MAX_DEPTH];
	unsigned ncomp = 0;
	for (char *s = keys;;) {
		char *dot = strchr(s, '.');
		if (dot)
			*dot = 0;
		if (!*s)
			return conf_error(ctx, &loc, NULL, "empty key name in '%.*s'", (int)(eq - set), set);
		if (ncomp == CONF_MAX_DEPTH)
			return conf_error(ctx, &loc, NULL, "the key nests deeper than %u levels", CONF_MAX_DEPTH);
		comp[ncomp++] = s;
		if (!dot)
			break;
		s = dot + 1;
	}
	if (!strcmp(comp[0], "include"))
		return conf_error(ctx, &loc, "include", "includes cannot be added with --set");

	/* The value: YAML flow for lists and mappings, otherwise the text as is. */
	const char *value = eq + 1;
	struct conf_node *v;
	if (*value == '[' || *value == '{') {
		if (read_yaml(ctx, &loc, value, strlen(value), &v))
			return -EINVAL;
	} else {
		/* An empty value is an empty string (what a flattened "" reads back as). */
		v = conf_new(ctx, CONF_SCALAR, &loc);
		if (!v)
			return -EINVAL;
		if (!(v->value = strdup(value))) {
			conf_free(v);
			return conf_error(ctx, &loc, NULL, "out of memory");
		}
	}

	/* Walk down, creating mappings as needed. */
	char path[CONF_PATH_MAX];
	size_t off = 0;
	struct conf_node *map = root;
	for (unsigned i = 0; i + 1 < ncomp; i++) {
		off += (size_t)snprintf(path + off, sizeof path - off, "%s%s", i ? "." : "", comp[i]);
		struct conf_node *next = conf_get(map, comp[i]);
		if (!next) {
			next = conf_new(ctx, CONF_MAP, &loc);
			if (!next || !(next->key = strdup(comp[i])) || conf_append(map, next)) {
				conf_free(v);
				conf_free(next);
				return conf_error(ctx, &loc, NULL, "out of memory");
			}
			next->key_loc = loc;
		} else if (next->kind == CONF_NULL) {
			next->kind = CONF_MAP;
			next->loc = loc;
		} else if (next->kind != CONF_MAP) {
			conf_free(v);
			return conf_error(ctx, &loc, path, "is %s, not a mapping: it has no key '%s'",
					  conf_kind_name(next->kind), comp[i + 1]);
		}
		map = next;
	}
	v->key = strdup(comp[ncomp - 1]);
	v->key_loc = loc;
	if (!v->key) {
		conf_free(v);
		return conf_error(ctx, &loc, NULL, "out of memory");
	}
	for (unsigned i = 0; i < map->nr_kids; i++)
		if (!strcmp(map->kids[i]->key, v->key)) {
			conf_free(map->kids[i]);
			map->kids[i] = v;
			return 0;
		}
	if (conf_append(map, v)) {
		conf_free(v);
		return conf_error(ctx, &loc, NULL, "out of memory");
	}
	return 0;
}
