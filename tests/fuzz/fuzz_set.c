/* SPDX-License-Identifier: MIT */
/*
 * fuzz_set.c - `--set KEY=VALUE` (core/conf/yaml.c conf_apply_set() and the
 * validation of every value in scenario.c): each line of the input (up to
 * 32) is one --set applied to scenarios/quick.yaml, then the scenario is
 * resolved and flattened as in fuzz_scenario.c. A NUL ends the input.
 * Seeds: tests/fuzz/seeds/set/.
 */
#include <stdlib.h>
#include <string.h>

#include "frag/scenario.h"
#include "fuzz.h"

#define MAX_SETS 32

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct frag_hole holes[FRAG_SC_CONFIG_HOLES];
	char *text = strndup((const char *)data, size);
	const char *sets[MAX_SETS];
	unsigned nr = 0;
	char *save = NULL, err[1024];

	if (!text)
		return 0;
	for (char *l = strtok_r(text, "\n", &save); l && nr < MAX_SETS; l = strtok_r(NULL, "\n", &save))
		sets[nr++] = l;
	struct frag_scenario *sc = NULL;
	if (!frag_scenario_load(FUZZ_SOURCE_ROOT "/scenarios/quick.yaml", sets, nr, &sc, err, sizeof err)) {
		struct frag_config cfg;
		frag_scenario_config(sc, &cfg, holes, FRAG_SC_CONFIG_HOLES, err, sizeof err);
		char **keys, **values;
		unsigned n;
		if (!frag_scenario_flatten(sc, &keys, &values, &n))
			frag_scenario_flatten_free(keys, values, n);
		frag_scenario_free(sc);
	}
	free(text);
	return 0;
}
