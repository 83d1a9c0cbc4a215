/* SPDX-License-Identifier: MIT */
/* internal_view.h - state files in the CLI (cmd_snapshot.c): restore and summary. */
#ifndef FRAG_CLI_INTERNAL_VIEW_H
#define FRAG_CLI_INTERNAL_VIEW_H

#include <stdbool.h>
#include <stdio.h>

#include "frag/snap.h"

/* Restore @s with the `linux` policy, default sysctls overridden by the state's. */
int cli_snap_restore(const struct frag_snap *s, struct frag_mem **mem, char *err, size_t errlen);
/* Per-zone table: real (zoneinfo, pagetypeinfo) vs restored figures. */
void cli_snap_summary(const struct frag_snap *s, const struct frag_mem *mem, FILE *f);
/* Does @path start with the state file magic? */
bool cli_is_state_file(const char *path);
/* Load STATE and restore it; prints the error as @cmd. 0 or EXIT_USAGE. */
int cli_snap_open(const char *cmd, const char *path, struct frag_snap *s, struct frag_mem **mem);

#endif
