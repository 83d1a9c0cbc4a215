#!/bin/sh
# SPDX-License-Identifier: MIT
#
# test_run_bench.sh - TAP: bench/run_bench, the end-to-end benchmark, on a
# short quick.yaml span with the binary under test:
# - exit 0; the binary measured is named; every documented key is printed,
#   with events_per_sec consistent with the events and the loop time;
# - --repeat 2 reports both runs' times and the fastest;
# - the targets are judged ("met" or "missed");
# - bad usage (unknown option, --repeat 0, a binary that is not there)
#   exits 2 with a message.
#
# Usage: sh test_run_bench.sh FRAGSIM SOURCE_ROOT

FRAGSIM=$1
ROOT=$2
RB=$ROOT/bench/run_bench
if [ ! -x "$FRAGSIM" ] || [ ! -x "$RB" ]; then
	echo "1..1"
	echo "not ok 1 - usage: test_run_bench.sh FRAGSIM SOURCE_ROOT (got '$FRAGSIM' '$ROOT')"
	exit 1
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/fragsim-rb.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT HUP INT TERM

echo "1..9"
# shellcheck source=SCRIPTDIR/tap.sh
. "$(dirname "$0")/tap.sh"
get() { sed -n "s/^$2: //p" "$1"; }

SC=$ROOT/scenarios/quick.yaml
"$RB" --fragsim "$FRAGSIM" --scenario "$SC" --span 3s --repeat 2 > "$T/out" 2> "$T/err"
rc=$?
sed 's/^/# /' "$T/out" "$T/err"
check "quick.yaml, 3 s, twice: exit 0" test $rc -eq 0
check "the binary measured is named first" test "$(head -1 "$T/out")" = "fragsim: $FRAGSIM"
missing=
for k in scenario span policy status sim_allocs sim_frees sim_seconds wall_seconds events_per_sec \
	sim_seconds_per_wall_second simgrid_wakeups_per_alloc peak_rss_mib process_seconds \
	wall_seconds_per_sim_hour target_events_per_sec_5M target_sim_hour_under_5min; do
	[ -n "$(get "$T/out" $k)" ] || missing="$missing $k"
done
check "every key printed (missing:${missing:- none})" test -z "$missing"
check "status complete, 3 simulated seconds" test "$(get "$T/out" status)" = complete -a \
	"$(get "$T/out" sim_seconds)" = 3
check "events_per_sec = (sim_allocs + sim_frees) / wall_seconds within 1 %" awk \
	-v a="$(get "$T/out" sim_allocs)" -v f="$(get "$T/out" sim_frees)" -v w="$(get "$T/out" wall_seconds)" \
	-v e="$(get "$T/out" events_per_sec)" 'BEGIN { r = (a + f) / w; exit !(a + f > 0 && e > 0.99 * r && e < 1.01 * r) }'
each=$(get "$T/out" wall_seconds_each)
check "--repeat 2: both times, the fastest reported" awk -v each="$each" -v w="$(get "$T/out" wall_seconds)" \
	'BEGIN { n = split(each, t, " "); m = t[1] < t[2] ? t[1] : t[2]; exit !(n == 2 && m == w) }'
check "targets judged" sh -c "grep -Eq '^target_events_per_sec_5M: (met|missed)$' '$T/out' &&
	grep -Eq '^target_sim_hour_under_5min: (met|missed)$' '$T/out'"

"$RB" --fragsim "$FRAGSIM" --repeat 0 > "$T/u1" 2>&1
rc1=$?
"$RB" --no-such-option > "$T/u2" 2>&1
rc2=$?
check "--repeat 0 and an unknown option: exit 2 with a message" test $rc1 -eq 2 -a $rc2 -eq 2 -a -s "$T/u1" -a -s "$T/u2"
"$RB" --fragsim "$T/nothing" > "$T/u3" 2>&1
rc=$?
check "a binary that is not there: exit 2 naming it" sh -c "test $rc -eq 2 && grep -q '$T/nothing' '$T/u3'"
