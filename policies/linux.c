/* SPDX-License-Identifier: MIT */
/*
 * linux.c - the baseline: upstream Linux 6.18 grouping by mobility.
 *
 * Every hook is NULL: the core does what mm/page_alloc.c does (fallback
 * table, claim/steal rules, ALLOC_NOFRAGMENT lifecycle, watermark boost,
 * highatomic reserve, PCP lists). Its behaviour is tuned by the vm sysctls
 * (`fragsim policies --describe linux` lists them), not by policy
 * parameters. See docs/policies/linux.md.
 */
#include "frag/policy.h"

const struct frag_policy_ops frag_policy_linux = {
	.abi_version = FRAG_POLICY_ABI,
	.name = "linux",
	.summary = "upstream Linux 6.18 grouping by mobility (all hooks NULL)",
};
