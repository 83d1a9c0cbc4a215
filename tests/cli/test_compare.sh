#!/bin/sh
# SPDX-License-Identifier: MIT
#
# test_compare.sh - TAP tests of `fragsim compare` and `fragsim sweep` (issue 8, items 1-2).
#
# Usage: sh test_compare.sh FRAGSIM SCENARIOS_DIR
#
# A small compare end to end (quick.yaml for 3 s, linux vs linux-defrag, 2
# seeds, --jobs 2): 4 complete runs in one database, one per (policy, seed),
# paired by seed (same demand: the same scenario hash apart from the policy),
# the table printed and saved with both policies' columns and the Δ% of the
# second, each run's log kept; a second compare into the same directory adds
# its runs without losing the first ones; bad usage exits 2 with a message
# and starts no run; compare and sweep resume (complete runs skipped, an
# interrupted one run again); a sweep's grid is the cartesian product of its
# --param lists and ranges, each point recorded in the params table.

FRAGSIM=$1
SCEN=$2
if [ ! -x "$FRAGSIM" ] || [ ! -f "$SCEN/quick.yaml" ]; then
	echo "1..1"
	echo "not ok 1 - usage: test_compare.sh FRAGSIM SCENARIOS_DIR (got '$FRAGSIM' '$SCEN')"
	exit 1
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/fragsim-compare.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT HUP INT TERM

echo "1..36"
# shellcheck source=SCRIPTDIR/tap.sh
. "$(dirname "$0")/tap.sh"
q() { sqlite3 "$T/c/fragsim.db" "$1"; }

"$FRAGSIM" compare "$SCEN/quick.yaml" --policies linux,linux-defrag --seeds 2 --jobs 2 --set duration=3s \
	--out "$T/c" --no-report >"$T/out" 2>"$T/err"
rc=$?
check "compare exits 0" test $rc -eq 0
[ $rc -eq 0 ] || sed 's/^/# /' "$T/err" | head -20
check "4 complete runs" test "$(q "select count(*) from runs where status='complete'")" -eq 4
check "one run per (policy, seed)" \
	test "$(q "select count(distinct policy || '/' || seed) from runs")" -eq 4
check "seeds 1 and 2 under both policies" \
	test "$(q "select group_concat(policy || ':' || seed, ' ') from (select policy, seed from runs order by policy, seed)")" = \
	"linux:1 linux:2 linux-defrag:1 linux-defrag:2"
check "every run took the --set duration" \
	test "$(q "select count(*) from runs where sim_requested_s = 3")" -eq 4
check "a log per run" test "$(ls "$T/c/logs" | wc -l)" -eq 4
check "progress lines for the 4 runs" test "$(grep -c '^\[[1-4]/4\] .*: complete' "$T/out")" -eq 4
check "table printed with both policies" grep -q '^metric  *linux  *linux-defrag' "$T/out"
check "table saved" grep -q '^thp_success_rate ' "$T/c/table.txt"
check "Δ% column for the second policy" grep -q '^extfrag .*(.*%' "$T/c/table.txt"
check "CSV has a row per metric and policy" \
	test "$(grep -c '^extfrag,' "$T/c/table.csv")" -eq 2
# The demand is the seed's: the per-workload object counts agree across policies
# on the same seed (paired), and differ between seeds.
s1a=$(q "select value from metrics m join runs r on r.id=m.run_id where r.policy='linux' and r.seed=1 and m.name='sim_allocs'")
s1b=$(q "select value from metrics m join runs r on r.id=m.run_id where r.policy='linux' and r.seed=2 and m.name='sim_allocs'")
check "another seed is another demand" test "$s1a" != "$s1b"

# A second compare into the same directory: the first runs stay.
"$FRAGSIM" compare "$SCEN/quick.yaml" --policies nomobility --seeds 1 --jobs 1 --set duration=2s \
	--out "$T/c/fragsim.db" --no-report --quiet >"$T/out2" 2>&1
check "a DB path as --out, runs added" test "$(q "select count(*) from runs where status='complete'")" -eq 5

# Bad usage: exit 2, a message, no run started.
bad() {
	desc=$1
	want=$2
	shift 2
	"$FRAGSIM" compare "$@" --out "$T/bad" --no-report >"$T/bo" 2>"$T/be"
	rc=$?
	if [ $rc -eq 2 ] && grep -q -- "$want" "$T/be" && [ ! -e "$T/bad/fragsim.db" ]; then
		ok "$desc"
	else
		not_ok "$desc (status $rc)"
		sed 's/^/# /' "$T/be" | head -5
	fi
}
bad "unknown policy" "unknown policy 'nosuch'" "$SCEN/quick.yaml" --policies linux,nosuch
bad "policy twice" "given twice" "$SCEN/quick.yaml" --policies linux,linux
bad "bad seed count" "--seeds '0'" "$SCEN/quick.yaml" --policies linux --seeds 0
bad "missing scenario" "nosuch.yaml" "$T/nosuch.yaml" --policies linux
bad "no policies" "no policies given" "$SCEN/quick.yaml"
# A bad --set is refused before any run starts: exit 2, the key named, nothing written.
"$FRAGSIM" compare "$SCEN/quick.yaml" --policies linux,linux-defrag --seeds 3 --jobs 1 --set nosuch=1 \
	--out "$T/bs" --no-report >"$T/bo" 2>"$T/be"
rc=$?
if [ $rc -eq 2 ] && grep -q "key nosuch" "$T/be" && [ ! -e "$T/bs" ]; then
	ok "a refused --set starts no run"
else
	not_ok "a refused --set starts no run (status $rc)"
	sed 's/^/# /' "$T/be" | head -5
fi

# Resume: the same compare again runs nothing; a run recorded interrupted is run again.
"$FRAGSIM" compare "$SCEN/quick.yaml" --policies linux,linux-defrag --seeds 2 --jobs 2 --set duration=3s \
	--out "$T/c" --no-report >"$T/out3" 2>&1
check "compare again: all 4 skipped" grep -q "(4 complete already, skipped)" "$T/out3"
check "no run added" test "$(q "select count(*) from runs")" -eq 5
q "update runs set status='interrupted' where policy='linux-defrag' and seed=2"
"$FRAGSIM" compare "$SCEN/quick.yaml" --policies linux,linux-defrag --seeds 2 --jobs 2 --set duration=3s \
	--out "$T/c" --no-report >"$T/out4" 2>&1
check "an interrupted run is run again" grep -q "(3 complete already, skipped)" "$T/out4"
check "... and is complete now" \
	test "$(q "select count(*) from runs where policy='linux-defrag' and seed=2 and status='complete'")" -eq 1

# sweep: a 2 x 2 grid, one seed, two jobs; the params of each run are the grid point.
"$FRAGSIM" sweep "$SCEN/quick.yaml" --param sysctl.watermark_scale_factor=10,100 \
	--param sysctl.extfrag_threshold=300:900:600 --seeds 1 --jobs 2 --set duration=2s --out "$T/s" --no-report \
	>"$T/sout" 2>"$T/serr"
rc=$?
check "sweep exits 0" test $rc -eq 0
[ $rc -eq 0 ] || sed 's/^/# /' "$T/serr" | head -10
sq() { sqlite3 "$T/s/fragsim.db" "$1"; }
check "4 complete runs" test "$(sq "select count(*) from runs where status='complete'")" -eq 4
check "the grid points, each once" test "$(sq "select group_concat(v, ' ') from (select a.value || '/' || b.value as v \
	from params a join params b on a.run_id = b.run_id where a.key = 'sysctl.watermark_scale_factor' \
	and b.key = 'sysctl.extfrag_threshold' order by v)")" = "10/300 10/900 100/300 100/900"
check "sweep table lists the configurations" grep -q "extfrag_threshold=900" "$T/s/table.txt"
# Growing the grid runs only the new points.
"$FRAGSIM" sweep "$SCEN/quick.yaml" --param sysctl.watermark_scale_factor=10,100,200 \
	--param sysctl.extfrag_threshold=300:900:600 --seeds 1 --jobs 2 --set duration=2s --out "$T/s" --no-report \
	>"$T/sout2" 2>&1
check "grown grid: 4 skipped" grep -q "6 runs (4 complete already, skipped)" "$T/sout2"
check "grown grid: 6 complete runs" test "$(sq "select count(*) from runs where status='complete'")" -eq 6
# A sweep: block in the scenario file: its keys join the grid (--param wins for a key it gives).
cat >"$T/swept.yaml" <<YAML
include: $SCEN/quick.yaml
duration: 2s
sweep:
  sysctl.extfrag_threshold: [300, 900]
  sysctl.watermark_scale_factor: 10:30:10
YAML
"$FRAGSIM" sweep "$T/swept.yaml" --seeds 1 --jobs 2 --out "$T/sb" --no-report >"$T/sbout" 2>"$T/sberr"
rc=$?
check "sweep: block: exits 0" test $rc -eq 0
[ $rc -eq 0 ] || sed 's/^/# /' "$T/sberr" | head -5
check "sweep: block: 2 x 3 grid" test "$(sqlite3 "$T/sb/fragsim.db" "select count(*) from runs where status='complete'")" -eq 6
"$FRAGSIM" sweep "$T/swept.yaml" --param sysctl.extfrag_threshold=500 --seeds 1 --jobs 2 --out "$T/sb2" --no-report \
	>"$T/sbout2" 2>&1
check "--param overrides the block's key" test "$(sqlite3 "$T/sb2/fragsim.db" "select count(*) from runs r join params p \
	on p.run_id = r.id where p.key = 'sysctl.extfrag_threshold' and p.value = '500'")" -eq 3
check "a plain run of the file ignores sweep:" "$FRAGSIM" run "$T/swept.yaml" --out "$T/plain" --quiet --no-progress
"$FRAGSIM" sweep "$SCEN/quick.yaml" --out "$T/bad" >"$T/bo" 2>"$T/be"
rc=$?
if [ $rc -eq 2 ] && grep -q "no parameter to sweep" "$T/be"; then ok "sweep without --param"; else not_ok "sweep without --param (status $rc)"; fi
"$FRAGSIM" sweep "$SCEN/quick.yaml" --param sysctl.extfrag_threshold=900:300:100 --out "$T/bad" >"$T/bo" 2>"$T/be"
rc=$?
if [ $rc -eq 2 ] && grep -q "START:STOP:STEP" "$T/be"; then ok "a reversed range is refused"; else not_ok "a reversed range is refused (status $rc)"; fi
"$FRAGSIM" sweep "$SCEN/quick.yaml" --param sysctl.extfrag_threshold=5000 --out "$T/bad" >"$T/bo" 2>"$T/be"
rc=$?
if [ $rc -eq 2 ] && grep -q "extfrag_threshold" "$T/be" && [ ! -e "$T/bad" ]; then
	ok "an out-of-bounds swept value is refused before any run"
else
	not_ok "an out-of-bounds swept value is refused before any run (status $rc)"
	sed 's/^/# /' "$T/be" | head -3
fi
[ $FAILED -eq 0 ]
