/* SPDX-License-Identifier: MIT */
/*
 * replay.c - the regression driver of a fuzz target outside the fuzz build:
 * `fuzz_replay_<target> FILE|DIR...` feeds every file (directories: their
 * files, sorted, dot files and README* skipped) to the target's
 * LLVMFuzzerTestOneInput() once and prints TAP, one "ok" per file. An input
 * that crashes, leaks or trips a sanitizer fails the test by the sanitizer's
 * exit (the normal build: by a crash or the test's timeout).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static unsigned nr_tests;

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		printf("not ok %u - %s: cannot open\n", ++nr_tests, path);
		return 1;
	}
	size_t cap = 4096, n = 0;
	uint8_t *buf = malloc(cap);
	for (;;) {
		if (!buf)
			abort();
		size_t r = fread(buf + n, 1, cap - n, f);
		n += r;
		if (n < cap)
			break;
		cap *= 2;
		buf = realloc(buf, cap);
	}
	fclose(f);
	/* An exact-size copy, so that ASan sees reads past the input's end. */
	uint8_t *in = malloc(n ? n : 1);
	if (!in)
		abort();
	memcpy(in, buf, n);
	free(buf);
	printf("# %s (%zu bytes)\n", path, n);
	fflush(stdout);
	LLVMFuzzerTestOneInput(in, n);
	free(in);
	printf("ok %u - %s\n", ++nr_tests, path);
	fflush(stdout);
	return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int skip_entry(const struct dirent *d)
{
	return d->d_name[0] != '.' && strncmp(d->d_name, "README", 6);
}

int main(int argc, char **argv)
{
	int fails = 0;
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st)) {
			continue;   /* an absent regressions/<target>/ directory: nothing to replay */
		}
		if (!S_ISDIR(st.st_mode)) {
			fails += replay_file(argv[i]);
			continue;
		}
		struct dirent **ents;
		int n = scandir(argv[i], &ents, skip_entry, by_name);
		for (int k = 0; k < n; k++) {
			char path[4096];
			snprintf(path, sizeof path, "%s/%s", argv[i], ents[k]->d_name);
			fails += replay_file(path);
			free(ents[k]);
		}
		free(ents);
	}
	printf("1..%u\n", nr_tests);
	return fails ? 1 : 0;
}
