/* SPDX-License-Identifier: MIT */
/*
 * fuzz_scenario.c - the YAML scenario loader (core/conf/yaml.c, scenario.c):
 * the input is a scenario file. A loaded scenario is also resolved into a
 * machine (frag_scenario_config(): geometry, holes) and flattened (the
 * key/value list the database stores). Seeds: scenarios/ and
 * tests/fixtures/scenarios/ (the .yaml files).
 */
#include <stdlib.h>

#include "frag/scenario.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct frag_hole holes[FRAG_SC_CONFIG_HOLES];
	const char *path = fuzz_file("scenario.yaml", data, size);
	struct frag_scenario *sc = NULL;
	char err[1024];

	if (frag_scenario_load(path, NULL, 0, &sc, err, sizeof err))
		return 0;
	struct frag_config cfg;
	frag_scenario_config(sc, &cfg, holes, FRAG_SC_CONFIG_HOLES, err, sizeof err);
	char **keys, **values;
	unsigned n;
	if (!frag_scenario_flatten(sc, &keys, &values, &n))
		frag_scenario_flatten_free(keys, values, n);
	frag_scenario_free(sc);
	return 0;
}
