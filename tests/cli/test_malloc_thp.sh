#!/bin/sh
# SPDX-License-Identifier: MIT
#
# test_malloc_thp.sh - TAP: fragsim asks glibc for host THP on malloc()'d
# memory by starting itself again with glibc.malloc.hugetlb=1 in
# GLIBC_TUNABLES (core/cli/fragsim.c, docs/performance.md). Read from
# /proc/PID/environ of a running `fragsim run` (the exec keeps the pid):
# - with no GLIBC_TUNABLES: the tunable is set, the run works;
# - other tunables of the user's are kept, the new one appended;
# - a user's own glibc.malloc.hugetlb value is left alone;
# - FRAGSIM_NO_HUGEMEM=1: nothing is added;
# - the results do not depend on it (same summary with and without).
#
# Usage: sh test_malloc_thp.sh FRAGSIM SOURCE_ROOT

FRAGSIM=$1
ROOT=$2
if [ ! -x "$FRAGSIM" ] || [ ! -r "$ROOT/scenarios/quick.yaml" ]; then
	echo "1..1"
	echo "not ok 1 - usage: test_malloc_thp.sh FRAGSIM SOURCE_ROOT (got '$FRAGSIM' '$ROOT')"
	exit 1
fi
if [ ! -r /proc/self/environ ]; then
	echo "1..0 # SKIP no /proc/PID/environ"
	exit 0
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/fragsim-mthp.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT HUP INT TERM

echo "1..5"
# shellcheck source=SCRIPTDIR/tap.sh
. "$(dirname "$0")/tap.sh"

# The GLIBC_TUNABLES a long fragsim run ends up with ("<unset>" if none), once
# it has started its simulation (its output directory exists).
tunables_of() {
	rm -rf "$T/o"
	"$@" FRAGSIM_TEST_MARK=1 "$FRAGSIM" run "$ROOT/scenarios/quick.yaml" --set duration=1h --out "$T/o" --no-progress \
		> /dev/null 2>&1 &
	pid=$!
	i=0
	while [ ! -e "$T/o/fragsim.db" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
	if [ -e "$T/o/fragsim.db" ] && tr '\0' '\n' < /proc/$pid/environ > "$T/environ" 2>/dev/null &&
		grep -q '^FRAGSIM_TEST_MARK=1$' "$T/environ"; then
		# glibc parses GLIBC_TUNABLES in place, writing NULs over the ':' between
		# tunables: the lines after it that start with "glibc." are its other parts.
		v=$(awk '/^GLIBC_TUNABLES=/ { v = substr($0, 16); f = 1; next }
			f && /^glibc\./ { v = v ":" $0; next } { f = 0 } END { print v }' "$T/environ")
		grep -q '^GLIBC_TUNABLES=' "$T/environ" || v='<unset>'
	else
		v='<no running fragsim>'
	fi
	kill -INT $pid 2>/dev/null
	wait $pid 2>/dev/null
	echo "$v"
}

v=$(tunables_of env -u GLIBC_TUNABLES -u FRAGSIM_NO_HUGEMEM)
echo "# unset: $v"
if [ "$v" = "glibc.malloc.hugetlb=1" ]; then ok "no GLIBC_TUNABLES: glibc.malloc.hugetlb=1 set"; else not_ok "no GLIBC_TUNABLES: got '$v'"; fi

v=$(tunables_of env -u FRAGSIM_NO_HUGEMEM GLIBC_TUNABLES=glibc.malloc.arena_max=2)
echo "# user's: $v"
if [ "$v" = "glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1" ]; then ok "the user's tunables kept, ours appended"
else not_ok "the user's tunables: got '$v'"; fi

v=$(tunables_of env -u FRAGSIM_NO_HUGEMEM GLIBC_TUNABLES=glibc.malloc.hugetlb=0)
if [ "$v" = "glibc.malloc.hugetlb=0" ]; then ok "the user's own hugetlb value left alone"; else not_ok "hugetlb=0 became '$v'"; fi

v=$(tunables_of env -u GLIBC_TUNABLES FRAGSIM_NO_HUGEMEM=1)
if [ "$v" = "<unset>" ]; then ok "FRAGSIM_NO_HUGEMEM=1: nothing added"; else not_ok "FRAGSIM_NO_HUGEMEM=1: got '$v'"; fi

env -u GLIBC_TUNABLES -u FRAGSIM_NO_HUGEMEM "$FRAGSIM" run "$ROOT/scenarios/quick.yaml" --set duration=5s --out "$T/a" \
	--no-progress > "$T/a.txt" 2>&1
ra=$?
env -u GLIBC_TUNABLES FRAGSIM_NO_HUGEMEM=1 "$FRAGSIM" run "$ROOT/scenarios/quick.yaml" --set duration=5s --out "$T/b" \
	--no-progress > "$T/b.txt" 2>&1
rb=$?
# Host-dependent lines (wall time, speed, RSS, paths, run id) differ anyway.
filt() { grep -Ev '^(run|wall_seconds|events_per_sec|sim_seconds_per_wall_second|peak_rss_mib|database|hdf5):' "$1"; }
if [ $ra -eq 0 ] && [ $rb -eq 0 ] && [ "$(filt "$T/a.txt")" = "$(filt "$T/b.txt")" ] && [ -n "$(filt "$T/a.txt")" ]; then
	ok "same summary with and without malloc THP"
else
	not_ok "summaries differ or a run failed ($ra, $rb)"
	diff "$T/a.txt" "$T/b.txt" | sed 's/^/# /'
fi
