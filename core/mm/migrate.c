/* SPDX-License-Identifier: MIT */
/*
 * migrate.c - moving one allocated block to another place in memory: the
 * per-folio core of mm/migrate.c migrate_pages() (migrate_pages_batch(),
 * migrate_folio_unmap(), migrate_folio_move(), move_to_new_folio()).
 *
 * A block moves when its owner allows it: the new head takes over the old
 * head's state (owner id and cookie, gfp, allocation migratetype, kind and
 * OWNER_* flags), the owner is told through env.migrate_folio(), and the old
 * block is freed to the buddy (or handed to the caller). The target block
 * comes from a caller-supplied allocator (compaction's compaction_alloc()
 * from its isolated free pages, or an ordinary buddy allocation for
 * alloc_contig_range()'s alloc_migration_target()).
 *
 * Modelled simplifications (see docs/architecture.md, "Compaction and
 * migration"):
 *  - the model has no dirty, writeback or locked state, so the migrate mode
 *    never changes the outcome, and migrate_pages()' -EAGAIN retry passes
 *    (3 async, 10 sync) would always give the same answer: one attempt;
 *  - a long-term pinned block (OWNER_PINNED) always fails with -EAGAIN
 *    (folio_migrate_mapping() finds the extra references);
 *  - the source is freed straight to the buddy with __free_one_page(): the
 *    kernel frees it to the compacting CPU's PCP list and drains that list
 *    when the migration scanner leaves the cc->order block
 *    (lru_add_drain_cpu_zone()), so only the moment of merging differs.
 */
#include <errno.h>

#include "internal.h"

/**
 * migrate_block_movable() - can the block headed by @p be migrated at all?
 * Only LRU folios and pages with movable_ops are (isolate_migratepages_block(),
 * page_is_unmovable()); hugetlb folios only when the caller allows them
 * (alloc_contig_range(): isolate_or_dissolve_huge_folio()). Slab (including
 * reclaimable slab), page tables and other kernel memory never move.
 */
bool migrate_block_movable(const struct frag_page *p, unsigned flags)
{
	if (page_kind(p) == KIND_HUGETLB)
		return flags & MB_ALLOW_HUGETLB;
	return page_owner_flags(p) & (OWNER_LRU | OWNER_MOVABLE_OPS);
}

/* free_one_page() -> split_large_buddy() for a detached run, without the
 * zone->lock statistic (the cost is part of migrate_page). */
static void free_detached_to_buddy(struct frag_mem *mem, struct frag_zone *z, uint64_t pfn, unsigned order)
{
	uint64_t end = pfn + (1ull << order);
	unsigned chunk = order > PAGEBLOCK_ORDER ? PAGEBLOCK_ORDER : order;

	do {
		__free_one_page(mem, z, pfn, chunk, get_pageblock_migratetype(z, pfn), FPI_NONE);
		pfn += 1ull << chunk;
	} while (pfn < end);
}

/**
 * migrate_block() - migrate the allocated block whose head is at @pfn
 * (migrate_pages() for a list of one folio).
 * @mem:   the machine
 * @pfn:   head pfn of an allocated block (PG_ALLOC)
 * @ops:   target allocator (get_new_folio / put_new_folio)
 * @arg:   passed to @ops
 * @mode:  migrate mode (recorded; see the file comment)
 * @flags: MB_ALLOW_HUGETLB
 *
 * Steps: refuse blocks that cannot move (-EPERM, not counted: the kernel
 * never isolates them); fail pinned blocks (-EAGAIN); get a target from
 * @ops->alloc (none: -ENOMEM); tell the owner through env.migrate_folio()
 * (a refusal gives the target back to @ops->free: -EAGAIN); then the target
 * becomes the allocated block and the source is freed to the buddy
 * (__free_one_page(), which may hand it to a waiting direct compactor) or to
 * @ops->release_source. Pageblock, SPB and zone counters follow both blocks.
 * Counts pgmigrate_success / pgmigrate_fail in pages and
 * thp_migration_success for PMD-sized folios.
 *
 * Return: 0 on success, -EINVAL if @pfn is not an allocated head, -EPERM,
 * -EAGAIN or -ENOMEM as above (the block stays where it was).
 */
int migrate_block(struct frag_mem *mem, uint64_t pfn, const struct migrate_target_ops *ops, void *arg,
		  enum migrate_mode mode, unsigned flags)
{
	struct frag_zone *z = pfn_to_zone(mem, pfn);
	(void)mode;

	if (!z)
		return -EINVAL;
	struct frag_page *p = &z->pages[pfn_to_idx(z, pfn)];
	if (p->state != PG_ALLOC)
		return -EINVAL;
	if (!migrate_block_movable(p, flags))
		return -EPERM;

	unsigned order = p->order;
	uint64_t nr = 1ull << order;
	if (page_owner_flags(p) & OWNER_PINNED) {
		frag_count(mem, FRAG_STAT_pgmigrate_fail, nr);
		return -EAGAIN;
	}

	uint64_t new_pfn = ops->alloc(mem, arg, pfn, order);
	if (new_pfn == FRAG_PFN_NONE) {
		frag_count(mem, FRAG_STAT_pgmigrate_fail, nr);
		return -ENOMEM;
	}
	struct frag_zone *nz = pfn_to_zone(mem, new_pfn);
	FRAG_BUG_ON(!nz || (new_pfn & (nr - 1)));

	const struct frag_owner owner = {
		.id = p->next,
		.cookie = p->prev,
		.kind = (uint8_t)page_kind(p),
		.flags = (uint8_t)page_owner_flags(p),
	};
	if (mem->env.migrate_folio && !mem->env.migrate_folio(mem->env.arg, &owner, pfn, new_pfn, order)) {
		ops->free(mem, arg, new_pfn, order);
		frag_count(mem, FRAG_STAT_pgmigrate_fail, nr);
		return -EAGAIN;
	}

	/* move_to_new_folio(): the new head takes over the old one's state. */
	struct frag_page *np = &nz->pages[pfn_to_idx(nz, new_pfn)];
	int mt = p->mt;
	*np = *p;
	pb_account(nz, new_pfn, nr, CT_ALLOC, mt, owner.flags, +1);
	nz->nr_alloc[mt] += nr;
	nz->nr_kind[owner.kind] += nr;
	lru_account(nz, owner.id, owner.kind, owner.flags, nr, +1);   /* folio_add_lru() of the new folio */

	/* migrate_folio_done(): the source goes back to the allocator. */
	free_pages_prepare(z, pfn, order);
	if (ops->release_source)
		ops->release_source(mem, arg, pfn, order);
	else
		free_detached_to_buddy(mem, z, pfn, order);

	frag_count(mem, FRAG_STAT_pgmigrate_success, nr);
	if (order >= HPAGE_PMD_ORDER && owner.kind != KIND_HUGETLB)
		frag_count(mem, FRAG_STAT_thp_migration_success, 1);   /* folio_test_pmd_mappable() */
	return 0;
}

/* ---------------------------------------------------------------------- */
/* An ordinary buddy allocation as the target (alloc_migration_target())  */
/* ---------------------------------------------------------------------- */

static uint64_t buddy_target_alloc(struct frag_mem *mem, void *arg, uint64_t src_pfn, unsigned order)
{
	const struct migrate_target_buddy *t = arg;
	(void)src_pfn;

	uint64_t pfn = frag_alloc_pages(mem, t->cpu, order, t->gfp, NULL);
	if (pfn == FRAG_PFN_NONE)
		return FRAG_PFN_NONE;
	if (pfn + (1ull << order) > t->avoid_start && pfn < t->avoid_end) {
		/* The range was not isolated: a target inside it would be emptied too. */
		frag_free_pages(mem, t->cpu, pfn, order);
		return FRAG_PFN_NONE;
	}
	free_pages_prepare(pfn_to_zone(mem, pfn), pfn, order);   /* detached, for migrate_block() */
	return pfn;
}

static void buddy_target_free(struct frag_mem *mem, void *arg, uint64_t pfn, unsigned order)
{
	(void)arg;
	free_detached_to_buddy(mem, pfn_to_zone(mem, pfn), pfn, order);
}

const struct migrate_target_ops migrate_target_buddy_ops = {
	.alloc = buddy_target_alloc,
	.free = buddy_target_free,
};
