/* SPDX-License-Identifier: MIT */
/*
 * test_policy.c - the policy interface: the registry, parameter tables, and
 * every hook of struct frag_policy_ops called where policy.h says and its
 * decision obeyed by the core.
 *
 * argv[1] (optional): the source directory, to check that policies.def and
 * policies/meson.build list the same policies.
 */
#include <ctype.h>

#include "helpers.h"

/* ---------------------------------------------------------------------- */
/* A policy that records and steers every hook                            */
/* ---------------------------------------------------------------------- */

struct probe_opts {
	bool refuse_fallback;     /* find_suitable_fallback: always -1 */
	bool refuse_claim;        /* claim_block: never claim */
	bool from_top;            /* rmqueue: take the highest-pfn free block */
	bool no_watermarks;       /* alloc_flags: add ALLOC_NO_WATERMARKS */
	int64_t tag;              /* checked by init */
};

struct probe_priv {
	int init_calls, fini_calls;
	uint64_t free_at_init;
	int64_t tag_seen;
	uint64_t alloc_flags_fast, alloc_flags_slow, rmqueue_calls, fallback_calls, claim_calls;
	unsigned last_claim_free, last_claim_alike;
};

static struct probe_priv *last_priv;

static const struct frag_param probe_params[] = {
	FRAG_PARAM("refuse_fallback", PARAM_BOOL, struct probe_opts, refuse_fallback, 0, 0, 1, "",
		   "find_suitable_fallback returns -1"),
	FRAG_PARAM("refuse_claim", PARAM_BOOL, struct probe_opts, refuse_claim, 0, 0, 1, "",
		   "claim_block always refuses"),
	FRAG_PARAM("from_top", PARAM_BOOL, struct probe_opts, from_top, 0, 0, 1, "",
		   "rmqueue takes the highest free block"),
	FRAG_PARAM("no_watermarks", PARAM_BOOL, struct probe_opts, no_watermarks, 0, 0, 1, "",
		   "alloc_flags adds ALLOC_NO_WATERMARKS"),
	FRAG_PARAM("tag", PARAM_INT, struct probe_opts, tag, 7, -100, 100, "", "a value init() must see"),
	FRAG_PARAM_END,
};

static int probe_init(struct frag_mem *mem, void *priv, const void *opts)
{
	struct probe_priv *p = priv;
	const struct probe_opts *o = opts;
	last_priv = p;
	p->init_calls++;
	p->free_at_init = frag_total_free_pages(mem);
	p->tag_seen = o->tag;
	return 0;
}

static void probe_fini(struct frag_mem *mem, void *priv)
{
	(void)mem;
	((struct probe_priv *)priv)->fini_calls++;
}

static unsigned probe_alloc_flags(struct frag_mem *mem, void *priv, const struct frag_zone *preferred, gfp_t gfp,
				  unsigned order, unsigned alloc_flags, bool slowpath)
{
	struct probe_priv *p = priv;
	const struct probe_opts *o = mem->policy_opts;
	(void)preferred, (void)gfp, (void)order;
	if (slowpath)
		p->alloc_flags_slow++;
	else
		p->alloc_flags_fast++;
	return o->no_watermarks ? alloc_flags | ALLOC_NO_WATERMARKS : alloc_flags;
}

static uint32_t probe_rmqueue(struct frag_mem *mem, void *priv, struct frag_zone *z, unsigned order, int mt,
			      unsigned alloc_flags, enum rmqueue_mode *mode)
{
	struct probe_priv *p = priv;
	const struct probe_opts *o = mem->policy_opts;
	p->rmqueue_calls++;
	if (o->from_top) {
		/* The tail of the order-10 list of this type holds the highest block at boot. */
		uint32_t idx = z->free_area[MAX_PAGE_ORDER].free_list[mt].tail;
		if (idx != IDX_NONE) {
			page_del_and_expand(z, idx, order, MAX_PAGE_ORDER, mt);
			return idx;
		}
		return IDX_NONE;
	}
	return frag_rmqueue_linux(mem, z, order, mt, alloc_flags, mode);
}

static int probe_fallback(const struct frag_mem *mem, void *priv, const struct frag_zone *z, unsigned order, int mt,
			  bool claimable)
{
	struct probe_priv *p = priv;
	const struct probe_opts *o = mem->policy_opts;
	p->fallback_calls++;
	if (o->refuse_fallback)
		return -1;
	return find_suitable_fallback_linux(mem, z, order, mt, claimable);
}

static bool probe_claim(const struct frag_mem *mem, void *priv, const struct frag_zone *z, uint64_t pfn,
			unsigned current_order, unsigned order, int start_type, int block_type, unsigned free_pages,
			unsigned alike_pages)
{
	struct probe_priv *p = priv;
	const struct probe_opts *o = mem->policy_opts;
	(void)z, (void)pfn, (void)current_order, (void)order, (void)start_type, (void)block_type;
	p->claim_calls++;
	p->last_claim_free = free_pages;
	p->last_claim_alike = alike_pages;
	return !o->refuse_claim && free_pages + alike_pages >= 256;
}

static const struct frag_policy_ops probe_ops = {
	.abi_version = FRAG_POLICY_ABI,
	.name = "probe",
	.summary = "test policy",
	.params = probe_params,
	.opts_size = sizeof(struct probe_opts),
	.priv_size = sizeof(struct probe_priv),
	.init = probe_init,
	.fini = probe_fini,
	.alloc_flags = probe_alloc_flags,
	.rmqueue = probe_rmqueue,
	.find_suitable_fallback = probe_fallback,
	.claim_block = probe_claim,
};

static struct probe_opts probe_opts_v;

static void tweak_probe(struct frag_config *cfg)
{
	cfg->policy = &probe_ops;
	cfg->policy_opts = &probe_opts_v;
}

static struct frag_mem *mk_probe(struct probe_opts o)
{
	probe_opts_v = o;
	return mk_mem(64 * MiB, 1, 1, tweak_probe);
}

static struct probe_opts defaults(void)
{
	struct probe_opts o;
	frag_param_defaults(probe_params, &o);
	return o;
}

/* init() runs once, after the free lists exist, with the validated opts;
 * fini() runs at destroy. */
static void test_policy_init_fini(void)
{
	struct frag_mem *mem = mk_probe(defaults());
	struct probe_priv *p = last_priv;
	CHECK_EQ(p->init_calls, 1);
	CHECK_EQ(p->free_at_init, 16384);
	CHECK_EQ(p->tag_seen, 7);
	CHECK_EQ(p->fini_calls, 0);
	/* priv is freed with the machine: copy the counter through a live hook. */
	frag_mem_destroy(mem);

	/* Out-of-range options are refused at creation, naming the parameter. */
	struct probe_opts o = defaults();
	o.tag = 1000;
	probe_opts_v = o;
	struct frag_config cfg = { 0 };
	frag_geometry_simple(&cfg.geo, 64 * MiB, 1, 1);
	frag_sysctl_defaults(&cfg.sysctl);
	tweak_probe(&cfg);
	char err[256] = "";
	CHECK_EQ(frag_mem_create(&cfg, &mem, err, sizeof err), -EINVAL);
	CHECK(strstr(err, "tag") && strstr(err, "1000") && strstr(err, "probe"));
}

/* alloc_flags(): called in the fast path for every request and in the
 * slowpath when entered; its flags are the ones used. */
static void test_hook_alloc_flags(void)
{
	struct frag_mem *mem = mk_probe(defaults());
	struct probe_priv *p = last_priv;
	CHECK(frag_alloc_pages(mem, 0, 0, GFP_KERNEL, NULL) != FRAG_PFN_NONE);
	CHECK_EQ(p->alloc_flags_fast, 1);
	CHECK_EQ(p->alloc_flags_slow, 0);
	/* Exhaust the machine with order-0 GFP_NOWAIT: fails at the low watermark. */
	uint64_t n = 0;
	while (frag_alloc_pages(mem, 0, 0, GFP_NOWAIT, NULL) != FRAG_PFN_NONE)
		n++;
	CHECK(p->alloc_flags_slow > 0);
	CHECK(n < 16384 - 1);
	frag_mem_destroy(mem);

	/* With ALLOC_NO_WATERMARKS added, every page can be taken. */
	struct probe_opts o = defaults();
	o.no_watermarks = true;
	mem = mk_probe(o);
	mem->check_every = 0;
	n = 0;
	while (frag_alloc_pages(mem, 0, 0, GFP_NOWAIT, NULL) != FRAG_PFN_NONE)
		n++;
	CHECK_EQ(n, 16384);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/* rmqueue(): replaces __rmqueue(); the block it returns is what the caller gets. */
static void test_hook_rmqueue(void)
{
	struct probe_opts o = defaults();
	o.from_top = true;
	struct frag_mem *mem = mk_probe(o);
	struct probe_priv *p = last_priv;
	uint64_t pfn = frag_alloc_pages(mem, 0, 5, GFP_HIGHUSER_MOVABLE, NULL);   /* order 5: straight to the buddy */
	CHECK_EQ(pfn, 16384 - 1024);
	CHECK_EQ(p->rmqueue_calls, 1);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/* find_suitable_fallback(): with every fallback refused, an UNMOVABLE
 * request on an all-MOVABLE machine cannot be served. */
static void test_hook_find_suitable_fallback(void)
{
	struct probe_opts o = defaults();
	o.refuse_fallback = true;
	struct frag_mem *mem = mk_probe(o);
	struct probe_priv *p = last_priv;
	CHECK_EQ(frag_alloc_pages(mem, 0, 5, GFP_KERNEL | __GFP_NORETRY, NULL), FRAG_PFN_NONE);
	CHECK(p->fallback_calls > 0);
	CHECK_EQ(frag_stat_get(mem, FRAG_STAT_extfrag), 0);
	frag_mem_destroy(mem);

	mem = mk_probe(defaults());
	CHECK(frag_alloc_pages(mem, 0, 5, GFP_KERNEL, NULL) != FRAG_PFN_NONE);
	CHECK_EQ(frag_stat_get(mem, FRAG_STAT_extfrag), 1);
	frag_mem_destroy(mem);
}

/* claim_block(): called with the pageblock's free and alike counts for a
 * sub-pageblock candidate; refusing makes __rmqueue fall through to steal. */
static void test_hook_claim_block(void)
{
	struct probe_opts o = defaults();
	o.refuse_claim = true;
	struct frag_mem *mem = mk_probe(o);
	struct probe_priv *p = last_priv;
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);
	/* Leave only sub-pageblock MOVABLE free blocks in DMA32: carve one page
	 * out of every free order-10 block, and empty DMA. */
	mem->check_every = 0;
	while (z->free_area[10].nr_free) {
		uint64_t head = list_head_pfn(z, 10, MIGRATE_MOVABLE);
		CHECK_EQ(alloc_at(mem, z, head, 0, GFP_HIGHUSER_MOVABLE, OWNER_LRU), 0);
		CHECK_EQ(alloc_at(mem, z, head + 512, 0, GFP_HIGHUSER_MOVABLE, OWNER_LRU), 0);
	}
	struct frag_zone *dma = zone_of(mem, 0, ZONE_DMA);
	while (dma->nr_free_pages)
		CHECK_EQ(frag_alloc_pages(mem, 0, 0, GFP_KERNEL | __GFP_DMA | __GFP_HIGH | __GFP_MEMALLOC, NULL) !=
				 FRAG_PFN_NONE, 1);
	uint64_t pfn = frag_alloc_pages(mem, 0, 4, GFP_KERNEL, NULL);
	CHECK(pfn != FRAG_PFN_NONE);
	CHECK(p->claim_calls > 0);
	CHECK_EQ(p->last_claim_free, 511);
	CHECK_EQ(p->last_claim_alike, 0);   /* the one allocated page is LRU: not alike for UNMOVABLE */
	CHECK_EQ(pb_mt(z, pfn), MIGRATE_MOVABLE);   /* stolen, not claimed */
	CHECK_EQ(frag_stat_get(mem, FRAG_STAT_extfrag_steal), 1);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/* linux-defrag's init switches vm.defrag_mode on; linux leaves it off. */
static void tweak_defrag(struct frag_config *cfg)
{
	cfg->policy = frag_policy_find("linux-defrag");
}

static void test_policy_linux_defrag(void)
{
	struct frag_mem *mem = mk_mem(64 * MiB, 1, 1, tweak_defrag);
	CHECK(mem && mem->sysctl.defrag_mode);
	CHECK_STREQ(mem->policy->name, "linux-defrag");
	frag_mem_destroy(mem);
	mem = mk_mem(64 * MiB, 1, 1, NULL);
	CHECK(mem && !mem->sysctl.defrag_mode);
	frag_mem_destroy(mem);
}

/* The registry: unique names, ABI, consistent tables; lookups. */
static void test_frag_policy_registry(void)
{
	char err[256];
	CHECK_EQ(frag_policy_registry_check(err, sizeof err), 0);
	CHECK(frag_policy_count() >= 2);
	CHECK(frag_policy_find("linux") != NULL);
	CHECK(frag_policy_find("linux-defrag") != NULL);
	CHECK(frag_policy_find("nosuch") == NULL);
	for (unsigned i = 0; i < frag_policy_count(); i++)
		CHECK(frag_policy_find(frag_policy_at(i)->name) == frag_policy_at(i));
	CHECK(frag_policy_at(frag_policy_count()) == NULL);
}

/* Parameter tables: parsing, bounds and messages. */
static void test_frag_param_set(void)
{
	struct probe_opts o = defaults();
	char err[512];
	CHECK_EQ(o.tag, 7);
	CHECK_EQ(frag_param_set(probe_params, &o, "tag", "-5", err, sizeof err), 0);
	CHECK_EQ(o.tag, -5);
	CHECK_EQ(frag_param_set(probe_params, &o, "from_top", "yes", err, sizeof err), 0);
	CHECK(o.from_top);
	CHECK_EQ(frag_param_set(probe_params, &o, "tag", "101", err, sizeof err), -ERANGE);
	CHECK(strstr(err, "tag = 101") && strstr(err, "[-100, 100]"));
	CHECK_EQ(frag_param_set(probe_params, &o, "tag", "seven", err, sizeof err), -EINVAL);
	CHECK(strstr(err, "tag") && strstr(err, "seven"));
	CHECK_EQ(frag_param_set(probe_params, &o, "from_top", "maybe", err, sizeof err), -EINVAL);
	CHECK_EQ(frag_param_set(probe_params, &o, "nosuch", "1", err, sizeof err), -ENOENT);
	CHECK(strstr(err, "nosuch") && strstr(err, "refuse_claim") && strstr(err, "tag"));
	CHECK_EQ(o.tag, -5);   /* failed sets change nothing */

	/* Sizes with suffixes for u64 parameters (the sysctl table). */
	extern const struct frag_param frag_sysctl_params[];
	struct frag_sysctl s;
	frag_sysctl_defaults(&s);
	CHECK_EQ(frag_param_validate(frag_sysctl_params, &s, err, sizeof err), 0);
	CHECK_EQ(frag_param_set(frag_sysctl_params, &s, "min_free_kbytes", "64K", err, sizeof err), 0);
	CHECK_EQ(s.min_free_kbytes, 65536);
	CHECK_EQ(frag_param_set(frag_sysctl_params, &s, "watermark_scale_factor", "0", err, sizeof err), -ERANGE);
	CHECK_EQ(frag_param_set(frag_sysctl_params, &s, "defrag_mode", "1", err, sizeof err), 0);
	CHECK(s.defrag_mode);
	CHECK_EQ(frag_param_set(frag_sysctl_params, &s, "watermark_scale_factor", "-1", err, sizeof err), -EINVAL);
	/* The table's defaults are frag_sysctl_defaults(). */
	struct frag_sysctl d1, d2;
	memset(&d1, 0, sizeof d1);
	frag_sysctl_defaults(&d2);
	frag_param_defaults(frag_sysctl_params, &d1);
	CHECK_EQ(memcmp(&d1, &d2, sizeof d1), 0);
}

static const char *srcdir;

/* Every FRAG_POLICY(x) of policies.def, or every 'x.c' of policies/meson.build. */
static unsigned read_names(const char *path, bool def, char names[][64], unsigned max)
{
	FILE *f = fopen(path, "r");
	char line[512];
	unsigned n = 0;
	if (!f)
		return 0;
	while (fgets(line, sizeof line, f)) {
		if (def) {
			char *p = strstr(line, "FRAG_POLICY(");
			if (p != line)
				continue;
			p += strlen("FRAG_POLICY(");
			char *e = strchr(p, ')');
			if (e && e - p < 63 && n < max) {
				memcpy(names[n], p, (size_t)(e - p));
				names[n++][e - p] = 0;
			}
			continue;
		}
		for (char *p = strchr(line, '\''); p; p = strchr(p + 1, '\'')) {
			char *q = p + 1;
			while (isalnum((unsigned char)*q) || *q == '_')
				q++;
			if (q > p + 1 && !strncmp(q, ".c'", 3) && q - p - 1 < 63 && n < max) {
				memcpy(names[n], p + 1, (size_t)(q - p - 1));
				names[n][q - p - 1] = 0;
				if (strcmp(names[n], "registry"))
					n++;
				p = q + 2;
			}
		}
	}
	fclose(f);
	return n;
}

/* policies.def and policies/meson.build list the same policies. */
static void test_policies_def_matches_meson(void)
{
	if (!srcdir) {
		printf("# no source directory given\n");
		tap_fail(__FILE__, __LINE__, "argv[1] missing");
		return;
	}
	char path[1024], def[64][64], build[64][64];
	snprintf(path, sizeof path, "%s/policies/policies.def", srcdir);
	unsigned nd = read_names(path, true, def, 64);
	snprintf(path, sizeof path, "%s/policies/meson.build", srcdir);
	unsigned nb = read_names(path, false, build, 64);
	CHECK(nd > 0);
	CHECK_EQ(nd, nb);
	CHECK_EQ(nd, frag_policy_count());
	for (unsigned i = 0; i < nd; i++) {
		bool found = false;
		for (unsigned j = 0; j < nb; j++)
			found |= !strcmp(def[i], build[j]);
		if (!found)
			printf("# %s is in policies.def but not in policies/meson.build\n", def[i]);
		CHECK(found);
	}
}

static const struct tap_test tests[] = {
	TAP(test_policy_init_fini),
	TAP(test_hook_alloc_flags),
	TAP(test_hook_rmqueue),
	TAP(test_hook_find_suitable_fallback),
	TAP(test_hook_claim_block),
	TAP(test_policy_linux_defrag),
	TAP(test_frag_policy_registry),
	TAP(test_frag_param_set),
	TAP(test_policies_def_matches_meson),
};

int main(int argc, char **argv)
{
	srcdir = argc > 1 ? argv[1] : NULL;
	return tap_main(tests, TAP_COUNT(tests));
}
