/* SPDX-License-Identifier: MIT */
/*
 * fuzz_state.c - the state file loader (core/snap/state.c frag_snap_load())
 * and the restore of a loaded state into the model (core/mm/restore.c
 * frag_mem_restore(), whose result must pass frag_mem_consistent()).
 *
 * The input is a state file. The loader rejects a file whose CRC32s do not
 * match, which a mutated input almost never does: unless FUZZ_STATE_RAW is
 * set in the environment, the target rewrites both CRC32s (offsets 56 and 60) before
 * loading, so that the fuzzer explores what comes after them. States of more
 * than 2^20 pfns (4 GiB) are loaded but not restored (time per input).
 * Seeds: tests/fuzz/seeds/state/.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frag/snap.h"
#include "fuzz.h"

#define HDR 64

static void put_u32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int raw = -1;
	char err[1024];

	if (raw < 0)
		raw = getenv("FUZZ_STATE_RAW") != NULL;
	uint8_t *b = malloc(size ? size : 1);
	if (!b)
		return 0;
	memcpy(b, data, size);
	if (!raw && size >= HDR) {
		put_u32(b + 56, frag_crc32(0, b + HDR, size - HDR));
		put_u32(b + 60, frag_crc32(0, b, 60));
	}
	const char *path = fuzz_file("fuzz.state", b, size);
	free(b);

	struct frag_snap s;
	if (frag_snap_load(path, &s, err, sizeof err))
		return 0;
	if (s.in.end_pfn - s.in.start_pfn <= (1u << 20)) {
		struct frag_config cfg;
		memset(&cfg, 0, sizeof(cfg));
		frag_sysctl_defaults(&cfg.sysctl);
		frag_snap_apply_sysctl(&s, &cfg.sysctl);
		struct frag_mem *mem = NULL;
		if (!frag_snap_restore(&s, &cfg, &mem, err, sizeof err)) {
			char why[512];
			if (!frag_mem_consistent(mem, why, sizeof why)) {
				fprintf(stderr, "restored machine inconsistent: %s\n", why);
				abort();
			}
			frag_mem_destroy(mem);
		}
	}
	frag_snap_free(&s);
	return 0;
}
