/* SPDX-License-Identifier: MIT */
/*
 * registry.c - sinks by URL scheme ("sqlite:out/fragsim.db", "h5:out/runs",
 * "text:-") and run uids.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "results/internal.h"

static const struct frag_sink_ops *const sinks[] = {
	&frag_sink_sqlite,
	&frag_sink_h5,
	&frag_sink_text,
};

#define NR_SINKS (sizeof sinks / sizeof sinks[0])

const struct frag_sink_ops *const *frag_sinks(unsigned *nr)
{
	*nr = NR_SINKS;
	return sinks;
}

/* "sqlite, h5, text" into @out. */
static void scheme_list(char *out, size_t len)
{
	size_t o = 0;

	out[0] = 0;
	for (size_t i = 0; i < NR_SINKS && o < len; i++) {
		int n = snprintf(out + o, len - o, "%s%s", i ? ", " : "", sinks[i]->scheme);
		if (n < 0)
			break;
		o += (size_t)n;
	}
}

int frag_sink_lookup(const char *url, const struct frag_sink_ops **ops, const char **path,
		     char *err, size_t errlen)
{
	char known[128];
	const char *colon;
	size_t n;

	scheme_list(known, sizeof known);
	colon = url ? strchr(url, ':') : NULL;
	if (!colon || colon == url) {
		frag_results_errf(err, errlen, "output '%s' is not SCHEME:PATH (schemes: %s)",
				  url ? url : "", known);
		return -EINVAL;
	}
	n = (size_t)(colon - url);
	for (size_t i = 0; i < NR_SINKS; i++) {
		if (strlen(sinks[i]->scheme) == n && !strncmp(sinks[i]->scheme, url, n)) {
			if (!colon[1]) {
				frag_results_errf(err, errlen, "output '%s' has no path after '%.*s:'", url,
						  (int)n, url);
				return -EINVAL;
			}
			*ops = sinks[i];
			*path = colon + 1;
			return 0;
		}
	}
	frag_results_errf(err, errlen, "output '%s': unknown scheme '%.*s' (schemes: %s)", url, (int)n, url,
			  known);
	return -ENOENT;
}

int frag_run_uid_new(char uid[FRAG_RUN_UID_LEN])
{
	unsigned char r[16];
	size_t got = 0;

	while (got < sizeof r) {
		ssize_t n = getrandom(r + got, sizeof r - got, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		got += (size_t)n;
	}
	for (size_t i = 0; i < sizeof r; i++)
		snprintf(uid + 2 * i, 3, "%02x", r[i]);
	return 0;
}
