#!/bin/sh
# SPDX-License-Identifier: MIT
#
# test_predict.sh - TAP: `fragsim predict` and the run summary's
# hugetlb_*_allocatable (frag_predict_hugetlb() on a copy of the machine).
#
# Usage: sh test_predict.sh FRAGSIM
#
# The machine is 3 GiB from pfn 0, one node, flat: ZONE_DMA [0, 16 MiB),
# ZONE_DMA32 [16 MiB, 3 GiB). Its 1 GiB-aligned windows inside a zone are
# [1G, 2G) and [2G, 3G) (alloc_contig_pages() skips [0, 1G), which starts
# in ZONE_DMA). The scenario's hugetlb workload takes one 1 GiB page at
# t=0 and holds it to the end.
# - --at 0: both windows free -> hugetlb_1g_pages: 2; the next one fails
#   because both windows now hold pool pages (hugetlb_1g_stop: hugetlb);
# - --at end: one window left -> hugetlb_1g_pages: 1; the stop reason is
#   the window holding the workload's page (hugetlb);
# - `fragsim run` prints hugetlb_1g_allocatable equal to what predict says
#   for the end state (and no 2 MiB prediction: frag_sim_opts.predict_2m);
# - predict is deterministic; --at with a bad value is bad usage (2).

FRAGSIM=$1
if [ ! -x "$FRAGSIM" ]; then
	echo "1..1"
	echo "not ok 1 - usage: test_predict.sh FRAGSIM (got '$FRAGSIM')"
	exit 1
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/fragsim-predict.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT HUP INT TERM

echo "1..11"
# shellcheck source=SCRIPTDIR/tap.sh
. "$(dirname "$0")/tap.sh"
# expect DESC FILE KEY VALUE: the line "KEY: VALUE" is in FILE.
expect() {
	got=$(sed -n "s/^$3: //p" "$2")
	if [ "$got" = "$4" ]; then ok "$1"; else not_ok "$1"; echo "# $3: got '$got', expected '$4'"; fi
}

cat > "$T/sc.yaml" <<'YAML'
name: predict-test
duration: 20ms
seed: 3
sample_period: 20ms
machine: {memory: 3G, nodes: 1, cpus: 2, layout: flat}
workloads:
  h: {type: hugetlb, cpus: 0, page_size: 1G, pages: 1, first: 0s}
YAML

"$FRAGSIM" predict "$T/sc.yaml" --at 0 > "$T/at0.txt" 2> "$T/at0.err"
expect "--at 0: two free 1 GiB windows" "$T/at0.txt" hugetlb_1g_pages 2
expect "--at 0: the third page finds both windows holding pool pages" "$T/at0.txt" hugetlb_1g_stop hugetlb

"$FRAGSIM" predict "$T/sc.yaml" > "$T/end.txt" 2> "$T/end.err"
expect "--at end: one window left" "$T/end.txt" hugetlb_1g_pages 1
expect "--at end: the other window holds the workload's page" "$T/end.txt" hugetlb_1g_stop hugetlb
expect "--at end: at the scenario's end" "$T/end.txt" at_ns 20000000

"$FRAGSIM" run "$T/sc.yaml" --out "$T/out" --quiet > /dev/null 2>&1
"$FRAGSIM" run "$T/sc.yaml" --out "$T/out" --no-progress > "$T/run.txt" 2> "$T/run.err"
expect "run summary: hugetlb_1g_allocatable = predict" "$T/run.txt" hugetlb_1g_allocatable \
	"$(sed -n 's/^hugetlb_1g_pages: //p' "$T/end.txt")"
if grep -q '^hugetlb_2m_allocatable:' "$T/run.txt"; then
	not_ok "run summary: no 2 MiB prediction (only predict_2m runs do it)"
else
	ok "run summary: no 2 MiB prediction (only predict_2m runs do it)"
fi

# engine.predict=false: no clone at the end, no hugetlb_1g_allocatable line.
"$FRAGSIM" run "$T/sc.yaml" --out "$T/out" --no-progress --set engine.predict=false > "$T/run_np.txt" 2> "$T/run_np.err"
if grep -q '^hugetlb_1g_allocatable:' "$T/run_np.txt" || ! grep -q '^status: complete' "$T/run_np.txt"; then
	not_ok "engine.predict=false: complete run without hugetlb_1g_allocatable"
else
	ok "engine.predict=false: complete run without hugetlb_1g_allocatable"
fi

"$FRAGSIM" predict "$T/sc.yaml" > "$T/end2.txt" 2> "$T/end2.err"
if cmp -s "$T/end.txt" "$T/end2.txt"; then ok "predict twice: same output"; else not_ok "predict twice: same output"; fi

# Fewer 2 MiB pages at the end than at t=0: the 1 GiB page took 512 pageblocks.
a=$(sed -n 's/^hugetlb_2m_pages: //p' "$T/at0.txt")
b=$(sed -n 's/^hugetlb_2m_pages: //p' "$T/end.txt")
if [ -n "$a" ] && [ -n "$b" ] && [ "$a" -eq $((b + 512)) ]; then
	ok "2 MiB: 512 fewer at the end ($a -> $b)"
else
	not_ok "2 MiB: 512 fewer at the end ('$a' -> '$b')"
fi

"$FRAGSIM" predict "$T/sc.yaml" --at 5 > /dev/null 2> "$T/bad.err"
rc=$?
if [ $rc -eq 2 ] && grep -q "expected 0 or end" "$T/bad.err"; then ok "--at 5 is bad usage"; else not_ok "--at 5 is bad usage (rc $rc)"; fi
