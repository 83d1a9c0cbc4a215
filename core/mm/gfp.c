/* SPDX-License-Identifier: MIT */
/*
 * gfp.c - printing and parsing GFP masks with the names trace events use
 * (include/trace/events/mmflags.h: __def_gfpflag_names, composite masks
 * first, then single bits).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frag/gfp.h"

struct gfp_name {
	gfp_t mask;
	const char *name;
};

static const struct gfp_name gfp_names[] = {
	{ GFP_TRANSHUGE, "GFP_TRANSHUGE" },
	{ GFP_TRANSHUGE_LIGHT, "GFP_TRANSHUGE_LIGHT" },
	{ GFP_HIGHUSER_MOVABLE, "GFP_HIGHUSER_MOVABLE" },
	{ GFP_HIGHUSER, "GFP_HIGHUSER" },
	{ GFP_USER, "GFP_USER" },
	{ GFP_KERNEL_ACCOUNT, "GFP_KERNEL_ACCOUNT" },
	{ GFP_KERNEL, "GFP_KERNEL" },
	{ GFP_NOFS, "GFP_NOFS" },
	{ GFP_ATOMIC, "GFP_ATOMIC" },
	{ GFP_NOIO, "GFP_NOIO" },
	{ GFP_NOWAIT, "GFP_NOWAIT" },
	{ GFP_DMA, "GFP_DMA" },
	{ __GFP_HIGHMEM, "__GFP_HIGHMEM" },
	{ GFP_DMA32, "GFP_DMA32" },
	{ __GFP_HIGH, "__GFP_HIGH" },
	{ __GFP_IO, "__GFP_IO" },
	{ __GFP_FS, "__GFP_FS" },
	{ __GFP_NOWARN, "__GFP_NOWARN" },
	{ __GFP_RETRY_MAYFAIL, "__GFP_RETRY_MAYFAIL" },
	{ __GFP_NOFAIL, "__GFP_NOFAIL" },
	{ __GFP_NORETRY, "__GFP_NORETRY" },
	{ __GFP_COMP, "__GFP_COMP" },
	{ __GFP_ZERO, "__GFP_ZERO" },
	{ __GFP_NOMEMALLOC, "__GFP_NOMEMALLOC" },
	{ __GFP_MEMALLOC, "__GFP_MEMALLOC" },
	{ __GFP_HARDWALL, "__GFP_HARDWALL" },
	{ __GFP_THISNODE, "__GFP_THISNODE" },
	{ __GFP_RECLAIMABLE, "__GFP_RECLAIMABLE" },
	{ __GFP_MOVABLE, "__GFP_MOVABLE" },
	{ __GFP_ACCOUNT, "__GFP_ACCOUNT" },
	{ __GFP_WRITE, "__GFP_WRITE" },
	{ __GFP_RECLAIM, "__GFP_RECLAIM" },
	{ __GFP_DIRECT_RECLAIM, "__GFP_DIRECT_RECLAIM" },
	{ __GFP_KSWAPD_RECLAIM, "__GFP_KSWAPD_RECLAIM" },
};

#define NR_GFP_NAMES (sizeof(gfp_names) / sizeof(gfp_names[0]))

const char *frag_gfp_format(gfp_t gfp, char *buf, unsigned len)
{
	size_t off = 0;
	if (!len)
		return buf;
	buf[0] = 0;
	if (!gfp) {
		snprintf(buf, len, "0");
		return buf;
	}
	for (size_t i = 0; i < NR_GFP_NAMES && gfp; i++) {
		if ((gfp & gfp_names[i].mask) == gfp_names[i].mask) {
			off += (size_t)snprintf(buf + off, off < len ? len - off : 0, "%s%s", off ? "|" : "",
						gfp_names[i].name);
			gfp &= ~gfp_names[i].mask;
		}
	}
	if (gfp)
		snprintf(buf + off, off < len ? len - off : 0, "%s%#x", off ? "|" : "", gfp);
	return buf;
}

int frag_gfp_parse(const char *s, gfp_t *out)
{
	gfp_t v = 0;
	char tok[64];

	while (isspace((unsigned char)*s))
		s++;
	if (!*s)
		return -EINVAL;
	while (*s) {
		size_t n = strcspn(s, "|");
		while (n && isspace((unsigned char)s[n - 1]))
			n--;
		if (n == 0 || n >= sizeof tok)
			return -EINVAL;
		memcpy(tok, s, n);
		tok[n] = 0;
		if (isdigit((unsigned char)tok[0])) {
			char *end;
			unsigned long x = strtoul(tok, &end, 0);
			if (*end || x > UINT32_MAX)
				return -EINVAL;
			v |= (gfp_t)x;
		} else {
			size_t i;
			for (i = 0; i < NR_GFP_NAMES; i++)
				if (!strcmp(tok, gfp_names[i].name))
					break;
			if (i == NR_GFP_NAMES)
				return -EINVAL;
			v |= gfp_names[i].mask;
		}
		s += strcspn(s, "|");
		if (*s == '|')
			s++;
		while (isspace((unsigned char)*s))
			s++;
	}
	*out = v;
	return 0;
}
