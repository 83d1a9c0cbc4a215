/* SPDX-License-Identifier: MIT */
/*
 * linux_defrag.c - upstream Linux with vm.defrag_mode=1 (Weiner, v6.15):
 * ALLOC_NOFRAGMENT is set in the fast path and the slowpath and dropped only
 * just before OOM; kswapd is woken for at least pageblock_order. The core
 * implements the mode (page_alloc.c); this policy switches it on. See
 * docs/policies/linux-defrag.md.
 */
#include "frag/policy.h"
#include "../core/mm/internal.h"

static int linux_defrag_init(struct frag_mem *mem, void *priv, const void *opts)
{
	(void)priv;
	(void)opts;
	mem->sysctl.defrag_mode = true;
	return 0;
}

const struct frag_policy_ops frag_policy_linux_defrag = {
	.abi_version = FRAG_POLICY_ABI,
	.name = "linux-defrag",
	.summary = "upstream Linux 6.18 with vm.defrag_mode=1 (NOFRAGMENT kept until OOM)",
	.init = linux_defrag_init,
};
