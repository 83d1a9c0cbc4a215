/* SPDX-License-Identifier: MIT */
/* stats.c - the descriptor table generated from stat_list.h. */
#include "frag/stat_list.h"

const struct frag_stat_desc frag_stat_desc[NR_FRAG_STATS] = {
#define FRAG_STAT_DESC(name, kind, unit, help) { #name, FRAG_STAT_##kind, unit, help },
	FRAG_STAT_LIST(FRAG_STAT_DESC)
#undef FRAG_STAT_DESC
};
