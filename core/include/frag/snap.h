/* SPDX-License-Identifier: MIT */
/*
 * snap.h - real machine snapshots (core/snap): the /proc and /sys files of
 * a Linux machine turned into a struct frag_restore_input, and the compact
 * binary state file (docs/snapshot.md) that stores one.
 *
 * Every error names the file and, where it applies, the line or byte offset.
 */
#ifndef FRAG_SNAP_H
#define FRAG_SNAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frag/mm.h"
#include "frag/restore.h"

/* The files of one snapshot (NULL = not given). */
struct frag_snap_files {
	const char *kpageflags;     /* /proc/kpageflags dump (required; plain or zstd) */
	const char *kpagecount;     /* /proc/kpagecount dump (PCP pages need count 0; without it every
				       flagless page counts as free on a PCP list) */
	const char *zoneinfo;       /* /proc/zoneinfo (required) */
	const char *iomem;          /* /proc/iomem read as root (holes); without it KPF_NOPAGE marks holes */
	const char *pagetypeinfo;   /* /proc/pagetypeinfo (pageblock counts to match) */
	const char *sysctl;         /* "name = value" or "name value" lines of /proc/sys/vm (sysctl_vm.txt) */
};

/* Sysctls a state carries (FRAG_SNAP_UNSET = not given). */
#define FRAG_SNAP_UNSET UINT32_MAX
struct frag_snap_sysctl {
	uint32_t min_free_kbytes;
	uint32_t watermark_scale_factor;
	uint32_t watermark_boost_factor;
	uint32_t extfrag_threshold;
	uint32_t compaction_proactiveness;
	uint32_t swappiness;
	uint32_t percpu_pagelist_high_fraction;
	uint32_t defrag_mode;
};

/* Per-zone figures of the real files, for the import summary. */
struct frag_snap_zone_real {
	uint64_t present;           /* zoneinfo "present" */
	uint64_t managed;           /* zoneinfo "managed" */
	uint64_t free;              /* zoneinfo "pages free" (NR_FREE_PAGES) */
	uint64_t pcp;               /* zoneinfo sum of the pagesets' "count:" */
};

/* A loaded snapshot: the restore input plus what came with it. */
struct frag_snap {
	struct frag_restore_input in;          /* ps and pb_mt point into the buffers below */
	uint8_t *ps;                           /* [end_pfn - start_pfn] */
	uint8_t *pb_mt;                        /* [frag_restore_nr_pageblocks()] */
	struct frag_snap_sysctl sysctl;        /* from --sysctl, else UNSET */
	struct frag_snap_zone_real real[MAX_NR_ZONES]; /* zoneinfo figures (0 when loaded from a state) */
	uint64_t nr_class[MAX_NR_ZONES][NR_PS_CLASSES]; /* pages per class and zone */
	char label[128];                       /* free text: where it came from */
};

/* Build a snapshot from real files (pageblock types inferred and matched). */
int frag_snap_import(const struct frag_snap_files *f, struct frag_snap *s, char *err, size_t errlen);
/* The compact state file: save / load (magic, version, CRC32s checked). */
int frag_snap_save(const struct frag_snap *s, const char *path, char *err, size_t errlen);
int frag_snap_load(const char *path, struct frag_snap *s, char *err, size_t errlen);
void frag_snap_free(struct frag_snap *s);
/* Copy the state's sysctls over @sysctl (only those it has). */
void frag_snap_apply_sysctl(const struct frag_snap *s, struct frag_sysctl *sysctl);
/* Build the machine of @s: frag_mem_restore() with @cfg's policy and env. */
int frag_snap_restore(const struct frag_snap *s, const struct frag_config *cfg, struct frag_mem **mem, char *err,
		      size_t errlen);

/*
 * frag_memcheck() - -ENOMEM with "@what: ... need about X GiB ..., but this
 * machine has Y GiB available" in @err when a model of @nr_pfns pfns
 * (frag_mem_estimate()) would not fit in MemAvailable of /proc/meminfo;
 * 0 otherwise. FRAGSIM_NO_MEMCHECK=1 skips it; FRAGSIM_MEM_AVAILABLE=BYTES
 * (K/M/G/T suffix) replaces MemAvailable (tests). core/snap/memcheck.c.
 */
int frag_memcheck(uint64_t nr_pfns, const char *what, char *err, size_t errlen);

/* Read a whole file, decompressing zstd (by its magic) through `zstd -dc`;
 * more than FRAG_SNAP_MAX_TEXT bytes (decompressed) is an error. */
#define FRAG_SNAP_MAX_TEXT (64ul << 20)
int frag_snap_read_file(const char *path, uint8_t **buf, size_t *len, char *err, size_t errlen);
/* The same with a limit of @max bytes: beyond it, an error, or with @prefix
 * the first @max bytes (the rest is not read; zstd is stopped). */
int frag_snap_read_file_max(const char *path, size_t max, bool prefix, uint8_t **buf, size_t *len, char *err,
			    size_t errlen);
uint32_t frag_crc32(uint32_t crc, const void *buf, size_t len);

#endif /* FRAG_SNAP_H */
