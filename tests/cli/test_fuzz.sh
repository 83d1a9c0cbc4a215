#!/bin/sh
# SPDX-License-Identifier: MIT
#
# test_fuzz.sh - TAP tests of `fragsim fuzz`, the policy fuzzer (issue 9, item 3).
#
# Usage: sh test_fuzz.sh FRAGSIM FIXTURES_FUZZ_DIR
#
#  - `fragsim fuzz --time 20` runs clean (exit 0) over random machines,
#    workload mixes, policies and parameters, with every invariant checked
#    after every operation, conservation and a replay per scenario;
#  - deterministic given --seed: the same iterations draw the same scenarios
#    with the same outcomes;
#  - the shrinker: with the test-only fault FRAGSIM_FUZZ_INJECT=3 (the zone's
#    free page counter skewed after the first order-3 allocation,
#    frag_config.fault_inject) fuzz finds an invariant violation, exits 1 and
#    writes minimal.yaml, smaller than original.yaml (memory, duration,
#    operations, workloads, bytes), that reproduces it with `fragsim run
#    --check 1` and `fragsim fuzz --replay` - and runs clean without the
#    fault (the fault is what fails);
#  - every regression scenario in tests/fixtures/fuzz replays clean;
#  - bad usage exits 2.

FRAGSIM=$1
FIX=$2
if [ ! -x "$FRAGSIM" ] || [ ! -d "$FIX" ]; then
	echo "1..1"
	echo "not ok 1 - usage: test_fuzz.sh FRAGSIM FIXTURES_FUZZ_DIR (got '$FRAGSIM' '$FIX')"
	exit 1
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/fragsim-fuzz.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT HUP INT TERM

NFIX=$(ls "$FIX"/*.yaml | wc -l)
PLAN=$((21 + NFIX))
echo "1..$PLAN"
# shellcheck source=SCRIPTDIR/tap.sh
. "$(dirname "$0")/tap.sh"
# yaml_num FILE KEY: the number of the first "KEY: <number>..." line.
yaml_num() { sed -n "s/^ *$2: \([0-9]*\).*/\1/p" "$1" | head -1; }

# --- a bounded clean run --------------------------------------------------
"$FRAGSIM" fuzz --time 20 --seed 1 --out "$T/clean" >"$T/out" 2>"$T/err"
rc=$?
check "fuzz --time 20 exits 0" test $rc -eq 0
[ $rc -eq 0 ] || sed 's/^/# /' "$T/out" "$T/err" | head -20
check "it reports no failure" grep -q "no failure" "$T/out"
nscen=$(sed -n 's/^fuzz: \([0-9]*\) scenarios in.*/\1/p' "$T/out")
check "it checked several scenarios ($nscen)" test "${nscen:-0}" -ge 3
check "no failure directory" test -z "$(ls -d "$T/clean"/fail-* 2>/dev/null)"

# --- deterministic given --seed --------------------------------------------
"$FRAGSIM" fuzz --iterations 3 --seed 5 --out "$T/d1" --verbose 2>&1 | grep "^fuzz: iteration" >"$T/v1"
"$FRAGSIM" fuzz --iterations 3 --seed 5 --out "$T/d2" --verbose 2>&1 | grep "^fuzz: iteration" | sed "s|$T/d2|$T/d1|g" >"$T/v2"
check "the same seed draws the same 3 scenarios with the same outcomes" \
	test "$(wc -l <"$T/v1")" -eq 3 -a -z "$(diff "$T/v1" "$T/v2")"
"$FRAGSIM" fuzz --iterations 3 --seed 6 --out "$T/d3" --verbose 2>&1 | grep "^fuzz: iteration" >"$T/v3"
check "another seed draws other scenarios" test -n "$(diff "$T/v1" "$T/v3")"

# --- the shrinker on an injected fault --------------------------------------
FRAGSIM_FUZZ_INJECT=3 "$FRAGSIM" fuzz --time 60 --seed 2 --out "$T/inj" >"$T/out" 2>"$T/err"
rc=$?
check "an injected invariant fault: fuzz exits 1" test $rc -eq 1
check "it reports the invariant violation" grep -q "FAILURE at seed 2 iteration [0-9]*: invariant: .*invariant violated" "$T/out"
D=$(ls -d "$T/inj"/fail-2-* 2>/dev/null | head -1)
check "it writes original.yaml, minimal.yaml and README.txt" \
	test -n "$D" -a -f "$D/original.yaml" -a -f "$D/minimal.yaml" -a -f "$D/README.txt"
check "README.txt gives the seed and the command to reproduce" \
	grep -q "^seed: 2$" "$D/README.txt" && grep -q "fragsim fuzz --replay $D/minimal.yaml" "$D/README.txt"
O="$D/original.yaml"
M="$D/minimal.yaml"
check "minimal is smaller: memory, duration, operations, workloads, bytes" \
	test "$(yaml_num "$M" memory)" -le "$(yaml_num "$O" memory)" \
	-a "$(yaml_num "$M" duration)" -lt "$(yaml_num "$O" duration)" \
	-a "$(yaml_num "$M" max_ops)" -lt "$(yaml_num "$O" max_ops)" \
	-a "$(grep -c '^    type:' "$M")" -le "$(grep -c '^    type:' "$O")" \
	-a "$(wc -c <"$M")" -lt "$(wc -c <"$O")"
FRAGSIM_FUZZ_INJECT=3 "$FRAGSIM" run "$M" --check 1 --out "$T/rr" --quiet >"$T/out" 2>"$T/err"
rc=$?
check "fragsim run minimal.yaml --check 1 reproduces it (abort, exit $rc)" test $rc -ne 0
check "... with the invariant's message" grep -q "invariant violated" "$T/err"
FRAGSIM_FUZZ_INJECT=3 "$FRAGSIM" fuzz --replay "$M" --out "$T/rp" >"$T/out" 2>&1
check "fragsim fuzz --replay minimal.yaml reproduces it (exit 1)" test $? -eq 1
"$FRAGSIM" fuzz --replay "$M" --out "$T/rp" >"$T/out" 2>&1
check "without the fault minimal.yaml replays clean" test $? -eq 0

# --- regression scenarios ---------------------------------------------------
for f in "$FIX"/*.yaml; do
	"$FRAGSIM" fuzz --replay "$f" --out "$T/reg" >"$T/out" 2>&1
	rc=$?
	check "regression scenario $(basename "$f") replays clean" test $rc -eq 0
	[ $rc -eq 0 ] || sed 's/^/# /' "$T/out" | head -5
done

# The hang behind anon-dropped-arrival-storm.yaml: ~1.5e8 dropped arrivals per simulated second
# allocate nothing; engine.max_events ends the run after 64000 events (without it: 20 s of wall time).
"$FRAGSIM" run "$FIX/anon-dropped-arrival-storm.yaml" --out "$T/storm" --no-progress >"$T/out" 2>"$T/err"
check "the dropped-arrival storm ends complete (exit 0)" test $? -eq 0
check "... stopped by engine.max_events after exactly 64000 events" \
	grep -qx "message: engine.max_events: stopped after 64000 events" "$T/out"
check "... well before its 2 s duration" grep -qx "sim_seconds: 0.05" "$T/out"

# The bug behind pcpbuddy-thp-pcp.yaml: without the order-9 PCP lists the policy is refused up front.
sed 's/thp_pcp: true/thp_pcp: false/' "$FIX/pcpbuddy-thp-pcp.yaml" >"$T/nothp.yaml"
"$FRAGSIM" run "$T/nothp.yaml" --out "$T/nothp" --quiet >"$T/out" 2>"$T/err"
check "pcpbuddy without sysctl.thp_pcp is refused (exit 2) with the reason" \
	test $? -eq 2 -a -n "$(grep 'order-9 PCP lists, which need CONFIG_TRANSPARENT_HUGEPAGE' "$T/err")"

# --- bad usage ----------------------------------------------------------------
"$FRAGSIM" fuzz --frobnicate >/dev/null 2>&1
check "an unknown option exits 2" test $? -eq 2
"$FRAGSIM" fuzz --replay "$T/missing.yaml" --out "$T/x" >/dev/null 2>&1
check "--replay of a missing file exits 2" test $? -eq 2

[ $N -eq $PLAN ] || { echo "# planned $PLAN tests, ran $N"; FAILED=$((FAILED + 1)); }
exit $((FAILED > 0))
