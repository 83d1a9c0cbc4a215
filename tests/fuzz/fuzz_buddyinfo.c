/* SPDX-License-Identifier: MIT */
/*
 * fuzz_buddyinfo.c - /proc/buddyinfo text (core/mm/vmstat.c
 * frag_parse_buddyinfo()) and the two debugfs views formatted from it
 * (extfrag/unusable_index, extfrag/extfrag_index). Seeds:
 * tests/fixtures/snapshots/ * /buddyinfo.txt.
 */
#include <stdlib.h>
#include <string.h>

#include "frag/buf.h"
#include "frag/vmstat.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = strndup((const char *)data, size);
	struct frag_buddyinfo_zone *zones = NULL;
	unsigned nr = 0;
	char err[256];

	if (!text)
		return 0;
	if (!frag_parse_buddyinfo(text, &zones, &nr, err, sizeof err)) {
		struct frag_buf b = { 0 };
		frag_format_unusable_index(zones, nr, &b);
		frag_format_extfrag_index(zones, nr, &b);
		frag_buf_free(&b);
		free(zones);
	}
	free(text);
	return 0;
}
