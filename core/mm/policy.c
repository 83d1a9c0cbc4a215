/* SPDX-License-Identifier: MIT */
/*
 * policy.c - binding a policy to a machine, and the vm sysctl table.
 *
 * frag_policy_setup() resolves the policy's options (table defaults, then
 * the caller's opts, validated against the table bounds) and allocates its
 * private state; frag_mem_create() calls the policy's init() once the
 * machine is built.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* The baseline when the caller names no policy: every hook NULL. */
static const struct frag_policy_ops default_linux_ops = {
	.abi_version = FRAG_POLICY_ABI,
	.name = "linux",
	.summary = "upstream Linux 6.18 (built-in default)",
};

int frag_policy_setup(struct frag_mem *mem, const struct frag_config *cfg, char *err, size_t errlen)
{
	const struct frag_policy_ops *ops = cfg->policy ? cfg->policy : &default_linux_ops;

	if (ops->abi_version != FRAG_POLICY_ABI) {
		snprintf(err, errlen, "policy %s: ABI version %u, this build needs %u", ops->name ? ops->name : "?",
			 ops->abi_version, FRAG_POLICY_ABI);
		return -EINVAL;
	}
	mem->policy = ops;
	if (ops->opts_size) {
		mem->policy_opts = calloc(1, ops->opts_size);
		if (!mem->policy_opts)
			return -ENOMEM;
		if (cfg->policy_opts)
			memcpy(mem->policy_opts, cfg->policy_opts, ops->opts_size);
		else
			frag_param_defaults(ops->params, mem->policy_opts);
		char msg[512];
		int ret = frag_param_validate(ops->params, mem->policy_opts, msg, sizeof msg);
		if (ret) {
			snprintf(err, errlen, "policy %s: %s", ops->name, msg);
			return -EINVAL;
		}
	}
	if (ops->priv_size) {
		mem->policy_priv = calloc(1, ops->priv_size);
		if (!mem->policy_priv)
			return -ENOMEM;
	}
	return 0;
}

void frag_policy_wake_daemon(struct frag_mem *mem, unsigned nid)
{
	if (mem->policy->daemon && mem->env.wakeup_policy_daemon)
		mem->env.wakeup_policy_daemon(mem->env.arg, nid);
}

const char *frag_policy_daemon_name(const struct frag_mem *mem)
{
	return mem->policy->daemon ? (mem->policy->daemon_name ? mem->policy->daemon_name : "policyd") : NULL;
}

uint64_t frag_policy_daemon_run(struct frag_mem *mem, unsigned nid, uint64_t now_ns)
{
	uint64_t next = mem->policy->daemon ? mem->policy->daemon(mem, mem->policy_priv, nid, now_ns) : 0;
	frag_maybe_check(mem);
	return next;
}

const char *frag_policy_name(const struct frag_mem *mem)
{
	return mem->policy->name;
}

/* The vm sysctls as a parameter table (scenario `sysctl:` blocks, --describe). */
const struct frag_param frag_sysctl_params[] = {
	FRAG_PARAM("min_free_kbytes", PARAM_UINT, struct frag_sysctl, min_free_kbytes, 0, 0, 1 << 30, "KiB",
		   "vm.min_free_kbytes; 0 = computed at boot (calculate_min_free_kbytes + khugepaged)"),
	FRAG_PARAM("watermark_scale_factor", PARAM_U32, struct frag_sysctl, watermark_scale_factor, 10, 1, 3000,
		   "1/10000", "vm.watermark_scale_factor: gap between min, low and high as a fraction of the zone"),
	FRAG_PARAM("watermark_boost_factor", PARAM_U32, struct frag_sysctl, watermark_boost_factor, 15000, 0, 1000000,
		   "1/10000", "vm.watermark_boost_factor: max boost after a fragmenting fallback, relative to high; 0 = off"),
	FRAG_PARAM("lowmem_reserve_ratio_dma", PARAM_U32, struct frag_sysctl, lowmem_reserve_ratio[ZONE_DMA], 256, 0,
		   1 << 20, "", "vm.lowmem_reserve_ratio for ZONE_DMA (0 = no reserve)"),
	FRAG_PARAM("lowmem_reserve_ratio_dma32", PARAM_U32, struct frag_sysctl, lowmem_reserve_ratio[ZONE_DMA32], 256,
		   0, 1 << 20, "", "vm.lowmem_reserve_ratio for ZONE_DMA32"),
	FRAG_PARAM("lowmem_reserve_ratio_normal", PARAM_U32, struct frag_sysctl, lowmem_reserve_ratio[ZONE_NORMAL], 32,
		   0, 1 << 20, "", "vm.lowmem_reserve_ratio for ZONE_NORMAL"),
	FRAG_PARAM("percpu_pagelist_high_fraction", PARAM_U32, struct frag_sysctl, percpu_pagelist_high_fraction, 0, 0,
		   1 << 20, "", "vm.percpu_pagelist_high_fraction: 0 = auto-tuned PCP high, >= 8 = managed/N/cpus"),
	FRAG_PARAM("pcp_batch_scale_max", PARAM_U32, struct frag_sysctl, pcp_batch_scale_max, 5, 0, 6, "",
		   "CONFIG_PCP_BATCH_SCALE_MAX: PCP refills grow up to batch << this"),
	FRAG_PARAM("extfrag_threshold", PARAM_U32, struct frag_sysctl, extfrag_threshold, 500, 0, 1000, "",
		   "vm.extfrag_threshold: compaction only when the fragmentation index exceeds this"),
	FRAG_PARAM("compaction_proactiveness", PARAM_U32, struct frag_sysctl, compaction_proactiveness, 20, 0, 100, "",
		   "vm.compaction_proactiveness: proactive compaction target (0 = off)"),
	FRAG_PARAM("swappiness", PARAM_U32, struct frag_sysctl, swappiness, 60, 0, 200, "",
		   "vm.swappiness: reclaim pressure on anon vs file pages (anon:file = swappiness:200-swappiness)"),
	FRAG_PARAM("defrag_mode", PARAM_BOOL, struct frag_sysctl, defrag_mode, 0, 0, 1, "",
		   "vm.defrag_mode: keep ALLOC_NOFRAGMENT until just before OOM"),
	FRAG_PARAM("compact_first", PARAM_BOOL, struct frag_sysctl, compact_first, 0, 0, 1, "",
		   "the slowpath of Linux 7.0+ (compact_first) instead of v6.18's: the first async compaction "
		   "inside the retry loop; after it fails, NORETRY|THISNODE gives up and NORETRY stays async"),
	FRAG_PARAM("thp_pcp", PARAM_BOOL, struct frag_sysctl, thp_pcp, 1, 0, 1, "",
		   "CONFIG_TRANSPARENT_HUGEPAGE: order-9 pages are cached on PCP lists"),
	FRAG_PARAM("thp_enabled", PARAM_BOOL, struct frag_sysctl, thp_enabled, 1, 0, 1, "",
		   "transparent_hugepage/enabled is not 'never' (khugepaged raises min_free_kbytes)"),
	FRAG_PARAM_END,
};
