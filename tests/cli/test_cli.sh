#!/bin/sh
# SPDX-License-Identifier: MIT
#
# test_cli.sh - TAP tests of the fragsim command line.
#
# Usage: sh test_cli.sh FRAGSIM FIXTURE_DIR
#
# - `fragsim proc extfrag --buddyinfo FILE` reproduces the kernel's debugfs
#   extfrag/unusable_index and extfrag/extfrag_index byte for byte for every
#   sample of FIXTURE_DIR/extfrag-samples.txt and every snapshot of
#   FIXTURE_DIR/snapshots/ (see FIXTURE_DIR/README.md), with and without --index;
# - bad usage exits with status 2 and says what is wrong on stderr;
# - `policies`, `policies --describe` and `demo` work, and demo is deterministic;
# - `stats` lists every counter, selects by pattern, refuses a pattern that
#   matches nothing, and docs/counters.md holds its --markdown table.

FRAGSIM=$1
FIX=$2
if [ ! -x "$FRAGSIM" ] || [ ! -d "$FIX" ]; then
	echo "1..1"
	echo "not ok 1 - usage: test_cli.sh FRAGSIM FIXTURE_DIR (got '$FRAGSIM' '$FIX')"
	exit 1
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/fragsim-cli.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT HUP INT TERM

SAMPLES="$FIX/extfrag-samples.txt"
NSAMPLES=$(grep -c '^## sample' "$SAMPLES")
NSNAP=0
for d in "$FIX"/snapshots/*/; do
	[ -f "$d/buddyinfo.txt" ] && NSNAP=$((NSNAP + 1))
done
# 3 per sample or snapshot (both files, --index unusable, --index extfrag),
# 2 fixture counts, 12 usage errors, 5 for policies and demo, 3 for stats.
echo "1..$((3 * (NSAMPLES + NSNAP) + 2 + 12 + 5 + 3))"

# shellcheck source=SCRIPTDIR/tap.sh
. "$(dirname "$0")/tap.sh"
# Show a diff as TAP diagnostics.
diag_diff() {
	diff "$1" "$2" | sed 's/^/# /' | head -20
}

# The fixture sets are all there (a missing file must not pass silently).
check "extfrag-samples.txt holds 5 samples" test "$NSAMPLES" -eq 5
check "20 snapshots" test "$NSNAP" -eq 20

# same_output NAME GOT EXPECTED UNSTABLE_ZONES_FILE: byte-for-byte equality;
# with an unstable_zones file the lines of the listed zones (read by the
# kernel at a different moment than buddyinfo) keep only their
# "Node N, zone NAME " prefix.
same_output() {
	if [ -f "$4" ]; then
		sed -E 's/^(Node [0-9]+, zone +[^ ]+ ).*/\1/' "$2" > "$T/got.prefix"
		sed -E 's/^(Node [0-9]+, zone +[^ ]+ ).*/\1/' "$3" > "$T/exp.prefix"
		if ! cmp -s "$T/got.prefix" "$T/exp.prefix"; then
			diag_diff "$T/got.prefix" "$T/exp.prefix"
			return 1
		fi
		cp "$2" "$T/got.stable"
		cp "$3" "$T/exp.stable"
		while read -r zone; do
			[ -n "$zone" ] || continue
			grep -v -E "^Node [0-9]+, zone +$zone " "$T/got.stable" > "$T/tmp" || true
			mv "$T/tmp" "$T/got.stable"
			grep -v -E "^Node [0-9]+, zone +$zone " "$T/exp.stable" > "$T/tmp" || true
			mv "$T/tmp" "$T/exp.stable"
		done < "$4"
		set -- "$1" "$T/got.stable" "$T/exp.stable"
	fi
	if cmp -s "$2" "$3"; then
		return 0
	fi
	echo "# $1: output differs (got, expected):"
	diag_diff "$2" "$3"
	return 1
}

# extfrag_case NAME BUDDYINFO UNUSABLE EXTFRAG [UNSTABLE]: three tests.
extfrag_case() {
	name=$1
	{
		echo "# unusable_index"
		cat "$3"
		echo "# extfrag_index"
		cat "$4"
	} > "$T/exp.both"
	"$FRAGSIM" proc extfrag --buddyinfo "$2" > "$T/got.both" 2> "$T/err"
	rc=$?
	if [ $rc -eq 0 ] && [ ! -s "$T/err" ] && same_output "$name" "$T/got.both" "$T/exp.both" "$5"; then
		ok "proc extfrag $name: both files byte for byte"
	else
		echo "# exit $rc, stderr: $(cat "$T/err")"
		not_ok "proc extfrag $name: both files byte for byte"
	fi
	"$FRAGSIM" proc extfrag --buddyinfo "$2" --index unusable > "$T/got.u" 2> "$T/err"
	rc=$?
	if [ $rc -eq 0 ] && same_output "$name" "$T/got.u" "$3" "$5"; then
		ok "proc extfrag $name --index unusable"
	else
		not_ok "proc extfrag $name --index unusable"
	fi
	"$FRAGSIM" proc extfrag --index extfrag --buddyinfo "$2" > "$T/got.e" 2> "$T/err"
	rc=$?
	if [ $rc -eq 0 ] && same_output "$name" "$T/got.e" "$4" "$5"; then
		ok "proc extfrag $name --index extfrag"
	else
		not_ok "proc extfrag $name --index extfrag"
	fi
}

# extfrag-samples.txt: "## sample N", buddyinfo lines, "# unusable_index",
# its lines, "# extfrag_index", its lines.
i=1
while [ $i -le "$NSAMPLES" ]; do
	awk -v want="## sample $i" -v b="$T/s.bi" -v u="$T/s.u" -v e="$T/s.e" '
		BEGIN { printf "" > b; printf "" > u; printf "" > e }
		/^## sample/ { on = ($0 == want); part = b; next }
		!on { next }
		/^# unusable_index$/ { part = u; next }
		/^# extfrag_index$/ { part = e; next }
		{ print > part }' "$SAMPLES"
	extfrag_case "sample $i" "$T/s.bi" "$T/s.u" "$T/s.e"
	i=$((i + 1))
done

for d in "$FIX"/snapshots/*/; do
	[ -f "$d/buddyinfo.txt" ] || continue
	d=${d%/}
	extfrag_case "snapshot $(basename "$d")" "$d/buddyinfo.txt" "$d/extfrag_unusable_index.txt" \
		"$d/extfrag_extfrag_index.txt" "$d/unstable_zones"
done

# usage_error DESC PATTERN... -- ARGS...: exit status 2 and stderr contains
# every fixed-string PATTERN.
usage_error() {
	desc=$1
	shift
	pats=""
	while [ "$1" != "--" ]; do
		pats="$pats
$1"
		shift
	done
	shift
	"$FRAGSIM" "$@" > "$T/out" 2> "$T/err"
	rc=$?
	good=1
	[ $rc -eq 2 ] || { echo "# exit status $rc, expected 2"; good=0; }
	[ -s "$T/err" ] || { echo "# nothing on stderr"; good=0; }
	# Patterns are one per line; the first line of $pats is empty.
	echo "$pats" | while IFS= read -r p; do
		[ -n "$p" ] || continue
		grep -q -F -e "$p" "$T/err" || { echo "# stderr lacks '$p'"; echo x > "$T/miss"; }
	done
	if [ -f "$T/miss" ]; then
		good=0
		rm -f "$T/miss"
		sed 's/^/# stderr: /' "$T/err" | head -5
	fi
	if [ $good -eq 1 ]; then ok "$desc"; else not_ok "$desc"; fi
}

BI="$FIX/snapshots/00_start/buddyinfo.txt"
# Line 2 has 10 counts.
printf 'Node 0, zone      DMA 0 0 0 0 0 0 0 0 0 0 0 \nNode 0, zone    DMA32 1 2 3 4 5 6 7 8 9 10 \n' \
	> "$T/bad_buddyinfo"

usage_error "no command: usage on stderr" "usage" -- 
usage_error "unknown command is named" "frobnicate" -- frobnicate
usage_error "proc with an unknown view names it" "bogusview" -- proc bogusview
usage_error "proc extfrag without --buddyinfo" "--buddyinfo" -- proc extfrag
usage_error "proc extfrag with a missing file names the file" "$T/no/such/file" -- \
	proc extfrag --buddyinfo "$T/no/such/file"
usage_error "proc extfrag with malformed buddyinfo names file and line" "$T/bad_buddyinfo" "line 2" -- \
	proc extfrag --buddyinfo "$T/bad_buddyinfo"
usage_error "proc extfrag --index bogus" "bogus" -- proc extfrag --buddyinfo "$BI" --index bogus
usage_error "policies --describe of an unknown policy lists the known ones" "nosuchpolicy" "linux" \
	"linux-defrag" -- policies --describe nosuchpolicy
# (--ops 1000 keeps a wrongly accepted run short)
usage_error "demo --size 12Q" "12Q" "--size" -- demo --size 12Q --ops 1000
usage_error "demo --policy nosuch" "nosuch" -- demo --policy nosuch --ops 1000
usage_error "demo --fill 0" "--fill" -- demo --fill 0 --ops 1000
usage_error "stats with a pattern that matches nothing names it" "no_such_counter*" -- \
	stats compact_stall 'no_such_counter*'

# stats: the model's counters, then the engine's; a pattern selects.
"$FRAGSIM" stats > "$T/stats" 2> "$T/stats.err"
rc=$?
if [ $rc -eq 0 ] && grep -q -E '^compact_stall +counter +count +model +direct compaction' "$T/stats" &&
	grep -q -E '^vmstat_updates +counter +count +engine ' "$T/stats" &&
	grep -q -E '^free_pages +gauge +pages +engine ' "$T/stats"; then
	ok "stats lists model and engine counters with kind, unit and meaning"
else
	echo "# exit $rc: $(head -3 "$T/stats.err")"
	not_ok "stats lists model and engine counters with kind, unit and meaning"
fi
"$FRAGSIM" stats 'thp_fault_*' > "$T/stats.sel" 2>&1
if [ "$(sed 1d "$T/stats.sel" | awk '{print $1}' | tr '\n' ' ')" = "$(awk '$1 ~ /^thp_fault_/ {print $1}' "$T/stats" | tr '\n' ' ')" ] &&
	[ "$(wc -l < "$T/stats.sel")" -ge 3 ]; then
	ok "stats 'thp_fault_*' prints the header and exactly the matching counters"
else
	sed 's/^/# /' "$T/stats.sel"
	not_ok "stats 'thp_fault_*' prints the header and exactly the matching counters"
fi
DOC="$FIX/../../docs/counters.md"
"$FRAGSIM" stats --markdown > "$T/stats.md" 2>&1
sed -n '/^| name | kind |/,$p' "$DOC" > "$T/doc.md"
if [ -s "$T/doc.md" ] && cmp -s "$T/stats.md" "$T/doc.md"; then
	ok "docs/counters.md holds the table of stats --markdown"
else
	diag_diff "$T/doc.md" "$T/stats.md"
	not_ok "docs/counters.md holds the table of stats --markdown (regenerate it: see its head)"
fi

# policies: one line per policy, name first.
if "$FRAGSIM" policies > "$T/out" 2> "$T/err" && grep -q -E '^linux +' "$T/out" &&
	grep -q -E '^linux-defrag +' "$T/out"; then
	ok "policies lists linux and linux-defrag"
else
	not_ok "policies lists linux and linux-defrag"
fi
if "$FRAGSIM" policies --describe linux > "$T/out" 2> "$T/err" && grep -q -E '^ +min_free_kbytes ' "$T/out"; then
	ok "policies --describe linux prints a table with min_free_kbytes"
else
	not_ok "policies --describe linux prints a table with min_free_kbytes"
fi

# demo: /proc/buddyinfo lines are frag_show_print()'s "Node %d, zone %8s "
# then 11 x "%6lu " (a right-aligned zone name of width 8, trailing blank).
DEMO="demo --size 256M --ops 20000 --check 1000"
# shellcheck disable=SC2086
"$FRAGSIM" $DEMO > "$T/demo1" 2> "$T/demo1.err"
rc=$?
sed -n '/^== \/proc\/buddyinfo$/,/^$/p' "$T/demo1" | sed '1d;/^$/d' > "$T/demo.bi"
FIELD='([ ]{5}[0-9]|[ ]{4}[0-9]{2}|[ ]{3}[0-9]{3}|[ ]{2}[0-9]{4}|[ ][0-9]{5}|[0-9]{6,})'
BIRE="^Node [0-9]+, zone [ A-Za-z0-9]{7}[A-Za-z0-9] ($FIELD ){11}\$"
nbi=$(wc -l < "$T/demo.bi")
nbad=$(grep -c -v -E "$BIRE" "$T/demo.bi")
if [ $rc -eq 0 ] && [ "$nbi" -eq 2 ] && [ "$nbad" -eq 0 ]; then
	ok "demo exits 0 and prints a /proc/buddyinfo section in the kernel format"
else
	echo "# exit $rc, $nbi buddyinfo lines, $nbad not matching; stderr: $(head -3 "$T/demo1.err")"
	sed 's/^/# /' "$T/demo.bi"
	not_ok "demo exits 0 and prints a /proc/buddyinfo section in the kernel format"
fi
if grep -q -E '^spb_tainted: [0-9]+$' "$T/demo1" && grep -q -E '^extfrag: [0-9]+$' "$T/demo1"; then
	ok "demo prints spb_tainted: and extfrag: counters"
else
	not_ok "demo prints spb_tainted: and extfrag: counters"
fi
# shellcheck disable=SC2086
"$FRAGSIM" $DEMO > "$T/demo2" 2> "$T/demo2.err"
grep -v '^wall_seconds: ' "$T/demo1" > "$T/demo1.nw"
grep -v '^wall_seconds: ' "$T/demo2" > "$T/demo2.nw"
# Exactly one wall_seconds line was dropped.
lines1=$(wc -l < "$T/demo1")
lines1nw=$(wc -l < "$T/demo1.nw")
if [ -s "$T/demo1.nw" ] && cmp -s "$T/demo1.nw" "$T/demo2.nw" && [ "$lines1" -eq $((lines1nw + 1)) ]; then
	ok "demo is deterministic (identical output but for wall_seconds)"
else
	diag_diff "$T/demo1" "$T/demo2"
	not_ok "demo is deterministic (identical output but for wall_seconds)"
fi

[ $FAILED -eq 0 ]
