#!/bin/sh
# SPDX-License-Identifier: MIT
#
# test_ab_bench.sh - TAP: bench/ab_bench, the alternating A/B speed
# comparison of two fragsim builds, on short quick.yaml spans:
# - one binary against itself: every run's time, min/median per side, and
#   "results: identical";
# - against a wrapper that changes the seed: "results: differ" (an
#   optimisation that changed the results would be caught);
# - bad usage exits 2 with a message.
#
# Usage: sh test_ab_bench.sh FRAGSIM SOURCE_ROOT

FRAGSIM=$1
ROOT=$2
AB=$ROOT/bench/ab_bench
if [ ! -x "$FRAGSIM" ] || [ ! -x "$AB" ]; then
	echo "1..1"
	echo "not ok 1 - usage: test_ab_bench.sh FRAGSIM SOURCE_ROOT (got '$FRAGSIM' '$ROOT')"
	exit 1
fi
if ! command -v sqlite3 >/dev/null 2>&1; then
	echo "1..0 # SKIP sqlite3 not installed"
	exit 0
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/fragsim-ab.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT HUP INT TERM

echo "1..6"
# shellcheck source=SCRIPTDIR/tap.sh
. "$(dirname "$0")/tap.sh"

SC=$ROOT/scenarios/quick.yaml
"$AB" --scenario "$SC" --span 5s --rounds 2 "$FRAGSIM" "$FRAGSIM" > "$T/same" 2> "$T/same.err"
rc=$?
sed 's/^/# /' "$T/same" "$T/same.err"
check "same binary twice: exit 0" test $rc -eq 0
check "two wall times per side" test "$(sed -n 's/^a_wall_seconds: //p' "$T/same" | wc -w)" -eq 2 -a \
	"$(sed -n 's/^b_wall_seconds: //p' "$T/same" | wc -w)" -eq 2
check "min, median and their ratio printed" grep -q '^b_over_a_median: [0-9]' "$T/same"
check "same binary: results identical" grep -qx 'results: identical' "$T/same"

# B: the same fragsim with another seed, i.e. a build whose results changed.
printf '#!/bin/sh\nexec "%s" "$@" --seed 7\n' "$FRAGSIM" > "$T/seed7"
chmod +x "$T/seed7"
"$AB" --scenario "$SC" --span 5s --rounds 1 "$FRAGSIM" "$T/seed7" > "$T/diff" 2>&1
sed 's/^/# /' "$T/diff"
check "changed results: results differ" grep -q '^results: differ (' "$T/diff"

"$AB" "$FRAGSIM" > "$T/usage" 2>&1
rc=$?
check "one binary only: exit 2 with a message" test $rc -eq 2 -a -s "$T/usage"
