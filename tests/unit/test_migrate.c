/* SPDX-License-Identifier: MIT */
/*
 * test_migrate.c - kernel-model sections 6.1 and 9.3: moving one allocated
 * block (mm/migrate.c migrate_pages() / move_to_new_folio()) and which
 * blocks may move at all.
 *
 * The machine is 64 MiB from pfn 0: ZONE_DMA [0, 4096), ZONE_DMA32
 * [4096, 16384). Sources are carved at exact pfns of DMA32 with alloc_at()
 * (owner id 1, cookie = pfn); the target allocator of most tests hands out
 * one exact free pfn (take_free_block()), so every move is known.
 */
#include "helpers.h"

#define S 4096ull     /* a source pfn: the start of DMA32 */
#define T 12288ull    /* a target pfn in a free part of DMA32 */

/* env.migrate_folio: every call, and whether to refuse. */
struct rec {
	unsigned n;
	struct frag_owner owner;
	uint64_t old_pfn, new_pfn;
	unsigned order;
	bool refuse;
};
static struct rec R;

static bool rec_migrate(void *arg, const struct frag_owner *owner, uint64_t old_pfn, uint64_t new_pfn, unsigned order)
{
	struct rec *r = arg;
	r->n++;
	r->owner = *owner;
	r->old_pfn = old_pfn;
	r->new_pfn = new_pfn;
	r->order = order;
	return !r->refuse;
}

/* A target allocator handing out @pfn (FRAG_PFN_NONE: none). */
struct tgt {
	uint64_t pfn;
	unsigned calls, frees, releases;
	uint64_t freed_pfn, released_pfn;
};

static uint64_t tgt_alloc(struct frag_mem *mem, void *arg, uint64_t src_pfn, unsigned order)
{
	struct tgt *t = arg;
	(void)src_pfn;
	t->calls++;
	if (t->pfn == FRAG_PFN_NONE || take_free_block(pfn_to_zone(mem, t->pfn), t->pfn, order))
		return FRAG_PFN_NONE;
	return t->pfn;
}

static void tgt_free(struct frag_mem *mem, void *arg, uint64_t pfn, unsigned order)
{
	struct tgt *t = arg;
	struct frag_zone *z = pfn_to_zone(mem, pfn);
	t->frees++;
	t->freed_pfn = pfn;
	__free_one_page(mem, z, pfn, order, get_pageblock_migratetype(z, pfn), FPI_NONE);
}

static void tgt_release(struct frag_mem *mem, void *arg, uint64_t pfn, unsigned order)
{
	struct tgt *t = arg;
	(void)mem;
	(void)order;
	t->releases++;
	t->released_pfn = pfn;
}

static const struct migrate_target_ops tgt_ops = { .alloc = tgt_alloc, .free = tgt_free };
static const struct migrate_target_ops tgt_keep_ops = { .alloc = tgt_alloc, .free = tgt_free,
							 .release_source = tgt_release };

static struct frag_mem *mk(void)
{
	struct frag_mem *mem = mk_mem(64 * MiB, 1, 1, NULL);
	memset(&R, 0, sizeof R);
	if (mem) {
		mem->env.arg = &R;
		mem->env.migrate_folio = rec_migrate;
	}
	return mem;
}

static inline uint64_t st(const struct frag_mem *mem, enum frag_stat s)
{
	return frag_stat_get(mem, s);
}

/* Carve a block of @order at @pfn with an explicit owner. */
static void carve(struct frag_mem *mem, uint64_t pfn, unsigned order, gfp_t gfp, unsigned kind, unsigned flags)
{
	struct frag_zone *z = pfn_to_zone(mem, pfn);
	struct frag_owner o = { .id = 3, .cookie = (uint32_t)(pfn * 7), .kind = (uint8_t)kind, .flags = (uint8_t)flags };
	CHECK_EQ(take_free_block(z, pfn, order), 0);
	prep_new_page(mem, z, pfn, order, gfp, &o);
}

/*
 * migrate_pages() -> move_to_new_folio(): an LRU page and an order-2 mTHP
 * move; the new heads carry the owner (id, cookie, kind, flags), the gfp
 * and the allocation migratetype; the owner hears old -> new; the sources
 * go back to the buddy (merging with their free buddies); pageblock
 * counters follow: 5 pages leave S's block, 5 arrive in T's.
 */
static void test_migrate_pages_lru(void)
{
	struct frag_mem *mem = mk();
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);
	struct tgt t = { .pfn = T };

	carve(mem, S, 0, GFP_HIGHUSER_MOVABLE, KIND_ANON, OWNER_LRU);
	carve(mem, S + 4, 2, GFP_HIGHUSER_MOVABLE | __GFP_COMP, KIND_FILE, OWNER_LRU | OWNER_COMPOUND);
	const struct frag_pageblock *spb = pfn_to_pb(z, S), *tpb = pfn_to_pb(z, T);
	CHECK_EQ(spb->nr_lru, 5);
	CHECK_EQ(spb->nr_alloc[MIGRATE_MOVABLE], 5);

	CHECK_EQ(migrate_block(mem, S, &tgt_ops, &t, MIGRATE_SYNC, 0), 0);
	const struct frag_page *np = page_at(z, T);
	CHECK_EQ(np->state, PG_ALLOC);
	CHECK_EQ(np->order, 0);
	CHECK_EQ(np->next, 3);
	CHECK_EQ(np->prev, (uint32_t)(S * 7));
	CHECK_EQ(np->priv, GFP_HIGHUSER_MOVABLE);
	CHECK_EQ(np->mt, MIGRATE_MOVABLE);
	CHECK_EQ(page_kind(np), KIND_ANON);
	CHECK_EQ(page_owner_flags(np), OWNER_LRU);
	CHECK_EQ(R.n, 1);
	CHECK_EQ(R.old_pfn, S);
	CHECK_EQ(R.new_pfn, T);
	CHECK_EQ(R.order, 0);
	CHECK_EQ(R.owner.id, 3);
	CHECK_EQ(R.owner.cookie, (uint32_t)(S * 7));
	CHECK_EQ(page_at(z, S)->state, PG_BUDDY);

	t.pfn = T + 4;
	CHECK_EQ(migrate_block(mem, S + 4, &tgt_ops, &t, MIGRATE_SYNC, 0), 0);
	np = page_at(z, T + 4);
	CHECK_EQ(np->order, 2);
	CHECK_EQ(page_kind(np), KIND_FILE);
	CHECK_EQ(page_owner_flags(np), OWNER_LRU | OWNER_COMPOUND);
	CHECK_EQ(np->priv, GFP_HIGHUSER_MOVABLE | __GFP_COMP);
	CHECK_EQ(R.order, 2);
	/* S .. S+7 are free again and merged back with the rest of the block. */
	CHECK_EQ(page_at(z, S)->state, PG_BUDDY);
	CHECK(page_at(z, S)->order >= 3);
	CHECK_EQ(spb->nr_lru, 0);
	CHECK_EQ(spb->nr_alloc[MIGRATE_MOVABLE], 0);
	CHECK_EQ(tpb->nr_lru, 5);
	CHECK_EQ(tpb->nr_alloc[MIGRATE_MOVABLE], 5);
	CHECK_EQ(z->nr_kind[KIND_ANON], 1);
	CHECK_EQ(z->nr_kind[KIND_FILE], 4);
	CHECK_EQ(st(mem, FRAG_STAT_pgmigrate_success), 5);
	CHECK_EQ(st(mem, FRAG_STAT_pgmigrate_fail), 0);
	CHECK_EQ(st(mem, FRAG_STAT_thp_migration_success), 0);
	CHECK_EQ(t.calls, 2);
	CHECK_EQ(t.frees, 0);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * migrate_pages(): a long-term pinned block never moves (the extra
 * references fail folio_migrate_mapping()): -EAGAIN, counted in
 * pgmigrate_fail by pages, no target taken, the owner not told.
 */
static void test_migrate_pages_pinned(void)
{
	struct frag_mem *mem = mk();
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);
	struct tgt t = { .pfn = T };

	carve(mem, S, 1, GFP_HIGHUSER_MOVABLE, KIND_ANON, OWNER_LRU | OWNER_PINNED);
	CHECK_EQ(migrate_block(mem, S, &tgt_ops, &t, MIGRATE_SYNC, 0), -EAGAIN);
	CHECK_EQ(st(mem, FRAG_STAT_pgmigrate_fail), 2);
	CHECK_EQ(st(mem, FRAG_STAT_pgmigrate_success), 0);
	CHECK_EQ(t.calls, 0);
	CHECK_EQ(R.n, 0);
	CHECK_EQ(page_at(z, S)->state, PG_ALLOC);
	CHECK_EQ(pfn_to_pb(z, S)->nr_pinned, 2);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * page_is_unmovable() / isolate_migratepages_block(): only LRU folios and
 * movable_ops pages migrate. Slab (reclaimable slab too), page tables,
 * other kernel memory and network buffers are refused (-EPERM, nothing
 * counted); hugetlb folios only when the caller allows them
 * (alloc_contig_range()).
 */
static void test_migrate_block_movable(void)
{
	static const struct {
		gfp_t gfp;
		unsigned order, kind, flags;
	} unmovable[] = {
		{ GFP_KERNEL, 0, KIND_SLAB, 0 },
		{ GFP_KERNEL | __GFP_RECLAIMABLE, 1, KIND_SLAB, 0 },
		{ GFP_KERNEL | __GFP_RECLAIMABLE, 3, KIND_SLAB, OWNER_COMPOUND },
		{ GFP_KERNEL_ACCOUNT, 0, KIND_PGTABLE, 0 },
		{ GFP_KERNEL, 2, KIND_KERNEL, OWNER_COMPOUND },
		{ GFP_ATOMIC, 3, KIND_NETBUF, OWNER_COMPOUND },
		{ GFP_HIGHUSER_MOVABLE, 0, KIND_ANON, 0 },   /* not on the LRU (yet) */
	};
	struct frag_mem *mem = mk();
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);
	struct tgt t = { .pfn = T };

	for (unsigned i = 0; i < sizeof unmovable / sizeof unmovable[0]; i++) {
		uint64_t pfn = S + 8 * i;
		carve(mem, pfn, unmovable[i].order, unmovable[i].gfp, unmovable[i].kind, unmovable[i].flags);
		CHECK_EQ(migrate_block(mem, pfn, &tgt_ops, &t, MIGRATE_SYNC, 0), -EPERM);
		CHECK_EQ(page_at(z, pfn)->state, PG_ALLOC);
	}
	CHECK_EQ(t.calls, 0);
	CHECK_EQ(R.n, 0);
	CHECK_EQ(st(mem, FRAG_STAT_pgmigrate_fail), 0);

	/* Not an allocated head. */
	CHECK_EQ(migrate_block(mem, S + 1, &tgt_ops, &t, MIGRATE_SYNC, 0), -EINVAL);
	CHECK_EQ(migrate_block(mem, T, &tgt_ops, &t, MIGRATE_SYNC, 0), -EINVAL);

	/* hugetlb: refused for compaction, moved for alloc_contig. */
	uint64_t h = S + 2048;
	carve(mem, h, 9, GFP_HIGHUSER | __GFP_COMP, KIND_HUGETLB, OWNER_COMPOUND);
	CHECK_EQ(migrate_block(mem, h, &tgt_ops, &t, MIGRATE_SYNC, 0), -EPERM);
	t.pfn = 10240;
	CHECK_EQ(migrate_block(mem, h, &tgt_ops, &t, MIGRATE_SYNC, MB_ALLOW_HUGETLB), 0);
	CHECK_EQ(page_kind(page_at(z, 10240)), KIND_HUGETLB);
	CHECK_EQ(st(mem, FRAG_STAT_pgmigrate_success), 512);
	CHECK_EQ(st(mem, FRAG_STAT_thp_migration_success), 0);

	/* movable_ops (zsmalloc, balloon): movable without the LRU. */
	t.pfn = T + 64;
	carve(mem, S + 512, 0, GFP_HIGHUSER_MOVABLE, KIND_ZSMALLOC, OWNER_MOVABLE_OPS);
	CHECK_EQ(migrate_block(mem, S + 512, &tgt_ops, &t, MIGRATE_ASYNC, 0), 0);
	CHECK_EQ(page_kind(page_at(z, T + 64)), KIND_ZSMALLOC);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * migrate_pages(): no target (get_new_folio() returns NULL) is -ENOMEM;
 * the block stays, the failure is counted, the owner is not told.
 */
static void test_migrate_pages_no_target(void)
{
	struct frag_mem *mem = mk();
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);
	struct tgt t = { .pfn = FRAG_PFN_NONE };

	carve(mem, S, 2, GFP_HIGHUSER_MOVABLE | __GFP_COMP, KIND_ANON, OWNER_LRU | OWNER_COMPOUND);
	CHECK_EQ(migrate_block(mem, S, &tgt_ops, &t, MIGRATE_SYNC_LIGHT, 0), -ENOMEM);
	CHECK_EQ(t.calls, 1);
	CHECK_EQ(R.n, 0);
	CHECK_EQ(st(mem, FRAG_STAT_pgmigrate_fail), 4);
	CHECK_EQ(page_at(z, S)->state, PG_ALLOC);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * move_to_new_folio(): an owner that refuses (env.migrate_folio() false)
 * keeps its block: -EAGAIN, the target goes back through put_new_folio()
 * (here: to the buddy), the failure is counted.
 */
static void test_migrate_folio_refused(void)
{
	struct frag_mem *mem = mk();
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);
	struct tgt t = { .pfn = T };
	uint64_t free_before;

	carve(mem, S, 0, GFP_HIGHUSER_MOVABLE, KIND_ANON, OWNER_LRU);
	free_before = (uint64_t)z->nr_free_pages;
	R.refuse = true;
	CHECK_EQ(migrate_block(mem, S, &tgt_ops, &t, MIGRATE_SYNC, 0), -EAGAIN);
	CHECK_EQ(R.n, 1);
	CHECK_EQ(t.frees, 1);
	CHECK_EQ(t.freed_pfn, T);
	CHECK_EQ(page_at(z, S)->state, PG_ALLOC);
	CHECK_EQ(page_at(z, S)->next, 3);
	CHECK_EQ(z->nr_free_pages, free_before);
	CHECK_EQ(st(mem, FRAG_STAT_pgmigrate_fail), 1);
	CHECK_EQ(st(mem, FRAG_STAT_pgmigrate_success), 0);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * migrate_pages(): a PMD-sized THP moves whole: 512 pages in
 * pgmigrate_success and one thp_migration_success. With a
 * release_source() the freed source stays with the caller (an evacuation
 * keeping the range): not in the buddy, not in any counter.
 */
static void test_migrate_pages_thp(void)
{
	struct frag_mem *mem = mk();
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);
	struct tgt t = { .pfn = 10240 };
	int64_t free_before;

	carve(mem, S, 9, GFP_TRANSHUGE, KIND_ANON, OWNER_LRU | OWNER_COMPOUND);
	free_before = z->nr_free_pages;
	CHECK_EQ(migrate_block(mem, S, &tgt_keep_ops, &t, MIGRATE_SYNC, 0), 0);
	CHECK_EQ(st(mem, FRAG_STAT_pgmigrate_success), 512);
	CHECK_EQ(st(mem, FRAG_STAT_thp_migration_success), 1);
	CHECK_EQ(t.releases, 1);
	CHECK_EQ(t.released_pfn, S);
	CHECK_EQ(page_at(z, S)->state, PG_TAIL);
	CHECK_EQ(pfn_to_pb(z, S)->nr_free, 0);
	CHECK_EQ(pfn_to_pb(z, S)->nr_alloc[MIGRATE_MOVABLE], 0);
	CHECK_EQ(z->nr_free_pages, free_before - 512);   /* the target left the buddy */
	/* The caller frees the kept range itself. */
	__free_one_page(mem, z, S, 9, get_pageblock_migratetype(z, S), FPI_NONE);
	CHECK_EQ(z->nr_free_pages, free_before);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

/*
 * alloc_migration_target() (migrate_target_buddy_ops): the target is an
 * ordinary MOVABLE buddy allocation, never inside the range being emptied
 * [S, S + 1024). With free pages left in the range the allocator's first
 * choice is inside it (the split remainder next to the source): refused,
 * -ENOMEM, the block stays and the page goes back. Once the rest of the
 * range is taken (as isolation would keep it from the allocator) the
 * target comes from outside and the move happens.
 */
static void test_alloc_migration_target(void)
{
	struct frag_mem *mem = mk();
	struct frag_zone *z = zone_of(mem, 0, ZONE_DMA32);
	struct migrate_target_buddy tb = {
		.cpu = 0,
		.gfp = GFP_HIGHUSER_MOVABLE | __GFP_RETRY_MAYFAIL,
		.avoid_start = S,
		.avoid_end = S + 1024,
	};

	carve(mem, S + 8, 0, GFP_HIGHUSER_MOVABLE, KIND_ANON, OWNER_LRU);
	CHECK_EQ(migrate_block(mem, S + 8, &migrate_target_buddy_ops, &tb, MIGRATE_SYNC, 0), -ENOMEM);
	CHECK_EQ(R.n, 0);
	CHECK_EQ(page_at(z, S + 8)->state, PG_ALLOC);
	CHECK_EQ(st(mem, FRAG_STAT_pgmigrate_fail), 1);
	frag_drain_all_pages(mem, -1);
	for (uint64_t p = S; p < S + 1024; p++)
		if (p != S + 8)
			carve(mem, p, 0, GFP_KERNEL, KIND_SLAB, 0);
	CHECK_EQ(migrate_block(mem, S + 8, &migrate_target_buddy_ops, &tb, MIGRATE_SYNC, 0), 0);
	CHECK_EQ(R.n, 1);
	CHECK(R.new_pfn >= S + 1024);
	CHECK_EQ(page_at(z, S + 8)->state, PG_BUDDY);
	const struct frag_page *np = page_at(pfn_to_zone(mem, R.new_pfn), R.new_pfn);
	CHECK_EQ(np->state, PG_ALLOC);
	CHECK_EQ(np->next, 3);
	CHECK_EQ(np->mt, MIGRATE_MOVABLE);
	CHECK_EQ(st(mem, FRAG_STAT_pgmigrate_success), 1);
	CHECK_CONSISTENT(mem);
	frag_mem_destroy(mem);
}

static const struct tap_test tests[] = {
	TAP(test_migrate_pages_lru),
	TAP(test_migrate_pages_pinned),
	TAP(test_migrate_block_movable),
	TAP(test_migrate_pages_no_target),
	TAP(test_migrate_folio_refused),
	TAP(test_migrate_pages_thp),
	TAP(test_alloc_migration_target),
};

int main(void)
{
	return tap_main(tests, TAP_COUNT(tests));
}
