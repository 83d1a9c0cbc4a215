/* SPDX-License-Identifier: MIT */
/*
 * fuzz_common.c - fuzz_file(): inputs as files of one private temporary
 * directory, removed at exit.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"

#define FUZZ_MAX_FILES 8

static char fuzz_dir[PATH_MAX - 64];
static char fuzz_paths[FUZZ_MAX_FILES][PATH_MAX];
static unsigned fuzz_nr_files;

static void fuzz_cleanup(void)
{
	for (unsigned i = 0; i < fuzz_nr_files; i++)
		unlink(fuzz_paths[i]);
	rmdir(fuzz_dir);
}

const char *fuzz_file(const char *name, const void *data, size_t len)
{
	if (!fuzz_dir[0]) {
		const char *t = getenv("TMPDIR");
		snprintf(fuzz_dir, sizeof fuzz_dir, "%s/fragsim-fuzz-XXXXXX", t && *t ? t : "/tmp");
		if (!mkdtemp(fuzz_dir)) {
			perror(fuzz_dir);
			abort();
		}
		atexit(fuzz_cleanup);
	}
	unsigned i;
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/%s", fuzz_dir, name);
	for (i = 0; i < fuzz_nr_files; i++)
		if (!strcmp(fuzz_paths[i], path))
			break;
	if (i == fuzz_nr_files) {
		if (i == FUZZ_MAX_FILES)
			abort();
		memcpy(fuzz_paths[fuzz_nr_files++], path, sizeof path);
	}
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0) {
		perror(path);
		abort();
	}
	const char *p = data;
	while (len) {
		ssize_t w = write(fd, p, len);
		if (w <= 0) {
			perror(path);
			abort();
		}
		p += w;
		len -= (size_t)w;
	}
	close(fd);
	return fuzz_paths[i];
}
