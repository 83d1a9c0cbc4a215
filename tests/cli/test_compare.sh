#!/bin/sh
# SPDX-License-Identifier: MIT
#
# test_compare.sh - TAP tests of `fragsim compare` (issue 8, item 1).
#
# Usage: sh test_compare.sh FRAGSIM SCENARIOS_DIR
#
# A small compare end to end (quick.yaml for 3 s, linux vs linux-defrag, 2
# seeds, --jobs 2): 4 complete runs in one database, one per (policy, seed),
# paired by seed (same demand: the same scenario hash apart from the policy),
# the table printed and saved with both policies' columns and the Δ% of the
# second, each run's log kept; a second compare into the same directory adds
# its runs without losing the first ones; bad usage exits 2 with a message
# and starts no run.

FRAGSIM=$1
SCEN=$2
if [ ! -x "$FRAGSIM" ] || [ ! -f "$SCEN/quick.yaml" ]; then
	echo "1..1"
	echo "not ok 1 - usage: test_compare.sh FRAGSIM SCENARIOS_DIR (got '$FRAGSIM' '$SCEN')"
	exit 1
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/fragsim-compare.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT HUP INT TERM

echo "1..19"
N=0
FAILED=0
ok() { N=$((N + 1)); echo "ok $N - $1"; }
not_ok() { N=$((N + 1)); FAILED=$((FAILED + 1)); echo "not ok $N - $1"; }
check() { desc=$1; shift; if "$@"; then ok "$desc"; else not_ok "$desc"; fi; }
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
# A bad --set is refused by the first run: compare starts no other run and exits 2.
"$FRAGSIM" compare "$SCEN/quick.yaml" --policies linux,linux-defrag --seeds 3 --jobs 1 --set nosuch=1 \
	--out "$T/bs" --no-report >"$T/bo" 2>"$T/be"
rc=$?
if [ $rc -eq 2 ] && grep -q "stopping" "$T/be" && [ "$(ls "$T/bs/logs" | wc -l)" -eq 1 ]; then
	ok "a refused --set stops after the first run"
else
	not_ok "a refused --set stops after the first run (status $rc)"
	sed 's/^/# /' "$T/be" | head -5
fi
[ $FAILED -eq 0 ]
