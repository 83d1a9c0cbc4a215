#!/bin/sh
# SPDX-License-Identifier: MIT
#
# test_valgrind.sh - TAP: representative runs under valgrind memcheck (issue
# 9 item 2): no invalid access, no definite leak (--leak-check=full
# --errors-for-leak-kinds=definite --error-exitcode=1), suppressions only
# for third-party code (tests/valgrind.supp).
#  1. fragsim run scenarios/quick.yaml --set duration=2s (the whole stack:
#     scenario loader, SimGrid engine, workloads, policies, SQLite and HDF5);
#  2. fragsim snapshot of the small fuzz seed files (the /proc readers, the
#     pageblock inference, the restore and the state file writer);
#  3. fragsim proc buddyinfo of that state (the state loader and restore).
# Skipped (77) without valgrind. Not registered in sanitizer builds.
#
# Usage: sh test_valgrind.sh FRAGSIM SOURCE_ROOT

FRAGSIM=$1
SRC=$2
if ! command -v valgrind >/dev/null 2>&1; then
	echo "1..0 # SKIP valgrind is not installed (scripts/ensure-deps.sh installs it)"
	exit 77
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/fragsim-valgrind.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT HUP INT TERM
SEEDS=$SRC/tests/fuzz/seeds

echo "1..3"
# shellcheck source=SCRIPTDIR/tap.sh
. "$(dirname "$0")/tap.sh"
# vg NAME COMMAND...: ok if COMMAND runs clean under memcheck (log and output: $T/vg.I, $T/out.I for test I).
vg() {
	name=$1
	shift
	i=$((N + 1))
	if valgrind -q --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99 \
		--suppressions="$SRC/tests/valgrind.supp" --log-file="$T/vg.$i" "$@" >"$T/out.$i" 2>&1; then
		ok "$name"
	else
		not_ok "$name (exit $?)"
		sed 's/^/# /' "$T/vg.$i" | head -n 60
		sed 's/^/# out: /' "$T/out.$i" | tail -n 5
	fi
}
vg "fragsim run quick.yaml 2 s under memcheck" \
	"$FRAGSIM" run "$SRC/scenarios/quick.yaml" --set duration=2s --no-progress --out "$T/run"
vg "fragsim snapshot under memcheck" \
	"$FRAGSIM" snapshot --kpageflags "$SEEDS/kpageflags/small-synthetic.bin" --zoneinfo "$SEEDS/zoneinfo/small.txt" \
	--iomem "$SEEDS/iomem/small.txt" --pagetypeinfo "$SEEDS/pagetypeinfo/small.txt" -o "$T/small.state"
vg "fragsim proc buddyinfo STATE under memcheck" "$FRAGSIM" proc buddyinfo "$SEEDS/state/small.state"
[ "$FAILED" -eq 0 ]
