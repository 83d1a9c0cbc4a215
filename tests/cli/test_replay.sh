#!/bin/sh
# SPDX-License-Identifier: MIT
#
# test_replay.sh - TAP tests of `fragsim replay` (docs/replay.md) on the
# fixture FIXTURE_DIR/traces/main_cut.* (the first 30 ring-buffer pages of
# each CPU of the real main trace, in three forms: trace.dat, CSV, report
# text; FIXTURE_DIR/traces/README.md) and the real state 01_workload_start
# (built here from FIXTURE_DIR/snapshots/01_workload_start, as
# test_snapshot.sh does).
#
# Rules checked:
#  - every event of the trace is read, in every form: counts equal those of
#    independent readers (awk over the CSV; `trace-cmd report` over the
#    trace.dat when trace-cmd is installed, else that check is skipped);
#  - each traced mm_page_alloc is one model allocation, each traced free
#    releases exactly one block (the traced allocation's, or the start
#    state's block at that pfn) or is counted as unknown: the free
#    classes add up to mm_page_free + mm_page_free_batched;
#  - the three forms are the same event stream: the same final machine
#    (state_hash) after replay;
#  - same input, same seed -> the same result (determinism);
#  - bad inputs (missing, corrupt, truncated file, a trace without a
#    needed event format, no machine) fail with the file named, non-zero.
#
# Usage: sh test_replay.sh FRAGSIM FIXTURE_DIR SCENARIO_DIR

FRAGSIM=$1
FIX=$2
SCEN=$3
if [ ! -x "$FRAGSIM" ] || [ ! -d "$FIX" ] || [ ! -d "$SCEN" ]; then
	echo "1..1"
	echo "not ok 1 - usage: test_replay.sh FRAGSIM FIXTURE_DIR SCENARIO_DIR"
	exit 1
fi
for tool in zstd xz; do
	if ! command -v $tool >/dev/null 2>&1; then
		echo "1..0 # SKIP the $tool program is needed to read the compressed fixtures"
		exit 0
	fi
done

T=$(mktemp -d "${TMPDIR:-/tmp}/fragsim-replay.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT HUP INT TERM

DAT=$FIX/traces/main_cut.dat
CSV=$FIX/traces/main_cut.csv.xz
TXT=$FIX/traces/main_cut.report.txt.xz

# shellcheck source=SCRIPTDIR/tap.sh
. "$(dirname "$0")/tap.sh"
# val FILE KEY: the value of "KEY: value" in FILE
val() { sed -n "s/^$2: //p" "$1" | head -n 1; }
# has FILE KEY VALUE
has() {
	v=$(val "$1" "$2")
	[ "$v" = "$3" ] || { echo "# $1: $2 is '$v', expected '$3'"; return 1; }
}

# --- 1-3: the event counts of each form, exactly as recorded in the fixture README
# (trace-cmd report of main_cut.dat: 1479 A, 1425 F, 1098 B, 4095 D, 63 Z, 0 X).
counts_ok() {
	f=$1
	has "$f" mm_page_alloc 1479 && has "$f" mm_page_free 1425 && has "$f" mm_page_free_batched 1098 &&
		has "$f" mm_page_pcpu_drain 4095 && has "$f" mm_page_alloc_zone_locked 63 &&
		has "$f" mm_page_alloc_extfrag 0 && has "$f" events 8160
}
"$FRAGSIM" replay "$DAT" --count >"$T/c_dat" 2>&1
check "count: trace.dat read through libtracecmd, every kmem event" counts_ok "$T/c_dat"
"$FRAGSIM" replay "$CSV" --count >"$T/c_csv" 2>&1
if counts_ok "$T/c_csv" && has "$T/c_csv" format csv; then ok "count: CSV form, same events"; else not_ok "count: CSV form, same events"; fi
"$FRAGSIM" replay "$TXT" --count >"$T/c_txt" 2>&1
if counts_ok "$T/c_txt" && has "$T/c_txt" format text; then ok "count: report text form, same events"; else not_ok "count: report text form, same events"; fi

# --- 4: an independent count of the CSV with awk
xz -dc "$CSV" | awk -F, 'NR > 1 { n[$4]++ } END { printf "A %d F %d B %d D %d Z %d X %d\n", n["A"], n["F"], n["B"], n["D"], n["Z"], n["X"] }' >"$T/awk"
got=$(printf 'A %s F %s B %s D %s Z %s X %s' "$(val "$T/c_csv" mm_page_alloc)" "$(val "$T/c_csv" mm_page_free)" \
	"$(val "$T/c_csv" mm_page_free_batched)" "$(val "$T/c_csv" mm_page_pcpu_drain)" \
	"$(val "$T/c_csv" mm_page_alloc_zone_locked)" "$(val "$T/c_csv" mm_page_alloc_extfrag)")
if [ "$got" = "$(cat "$T/awk")" ]; then ok "count: CSV counts equal awk's"; else
	echo "# fragsim: $got"; echo "# awk:     $(cat "$T/awk")"; not_ok "count: CSV counts equal awk's"; fi

# --- 5: an independent count of the trace.dat with trace-cmd
if command -v trace-cmd >/dev/null 2>&1; then
	trace-cmd report -i "$DAT" 2>/dev/null | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^mm_[a-z_]+:$/) { n[$i]++; break } }
		END { printf "A %d F %d B %d D %d Z %d X %d\n", n["mm_page_alloc:"], n["mm_page_free:"], n["mm_page_free_batched:"],
		      n["mm_page_pcpu_drain:"], n["mm_page_alloc_zone_locked:"], n["mm_page_alloc_extfrag:"] }' >"$T/tc"
	got=$(printf 'A %s F %s B %s D %s Z %s X %s' "$(val "$T/c_dat" mm_page_alloc)" "$(val "$T/c_dat" mm_page_free)" \
		"$(val "$T/c_dat" mm_page_free_batched)" "$(val "$T/c_dat" mm_page_pcpu_drain)" \
		"$(val "$T/c_dat" mm_page_alloc_zone_locked)" "$(val "$T/c_dat" mm_page_alloc_extfrag)")
	if [ "$got" = "$(cat "$T/tc")" ]; then ok "count: trace.dat counts equal trace-cmd report's"; else
		echo "# fragsim:   $got"; echo "# trace-cmd: $(cat "$T/tc")"; not_ok "count: trace.dat counts equal trace-cmd report's"; fi
else
	skip "count: trace.dat counts equal trace-cmd report's" "trace-cmd is not installed (apt-get install trace-cmd)"
fi

# --- the start state: 01_workload_start, taken inside the trace window
d=$FIX/snapshots/01_workload_start
"$FRAGSIM" snapshot --kpageflags "$d/kpageflags.bin.zst" --kpagecount "$d/kpagecount.bin.zst" \
	--zoneinfo "$d/zoneinfo.txt" --iomem "$FIX/iomem.txt" --pagetypeinfo "$d/pagetypeinfo.txt" \
	--sysctl "$d/sysctl_vm.txt" -o "$T/s01.state" >"$T/snap.out" 2>&1
check "the start state 01_workload_start builds" test -s "$T/s01.state"

# --- 7-14: replay of the trace.dat under linux on the state
"$FRAGSIM" replay "$DAT" --init-snapshot "$T/s01.state" --out "$T/out" >"$T/r_dat" 2>&1
rc=$?
check "replay trace.dat (linux): exit 0, status complete" sh -c "[ $rc = 0 ] && grep -q '^status: complete$' '$T/r_dat'"
check "replay: one model allocation per traced mm_page_alloc (1479), none failed" \
	sh -c "grep -q '^replay_alloc: 1479$' '$T/r_dat' && grep -q '^replay_alloc_fail: 0$' '$T/r_dat'"
# Exact split of the 2523 frees (1425 F + 1098 B): these values are the model's; a change in the
# mapping (trace pfn -> model block), in the start-state frees or in the restore changes them.
check "replay: 1035 frees release a traced allocation's block" has "$T/r_dat" replay_free 1035
check "replay: 358 frees release the start state's block at that pfn" has "$T/r_dat" replay_free_snapshot 358
check "replay: 1130 frees of blocks neither traced nor in the state (791 free, 339 reused in the model)" \
	sh -c "grep -q '^replay_free_unknown: 1130$' '$T/r_dat' && grep -q '^replay_free_unknown_model_free: 791$' '$T/r_dat' &&
	       grep -q '^replay_free_unknown_model_replay: 339$' '$T/r_dat'"
sum=$(($(val "$T/r_dat" replay_free) + $(val "$T/r_dat" replay_free_split) + $(val "$T/r_dat" replay_free_snapshot) +
	$(val "$T/r_dat" replay_free_snapshot_partial) + $(val "$T/r_dat" replay_free_unknown) +
	$(val "$T/r_dat" replay_free_grow) + $(val "$T/r_dat" replay_free_after_fail)))
check "replay: the free classes add up to mm_page_free + mm_page_free_batched (2523)" test "$sum" = 2523
live=$(( $(val "$T/r_dat" replay_alloc) - $(val "$T/r_dat" replay_free) ))
check "replay: live traced blocks at the end = allocations - their frees ($live)" has "$T/r_dat" replay_live_blocks "$live"
check "replay: PCP drains and refills counted in pages (4095 drained, 63 zone-locked of which 60 refills)" \
	sh -c "grep -q '^replay_pcpu_drain_pages: ' '$T/r_dat' && grep -q '^replay_zone_locked: 63$' '$T/r_dat' &&
	       grep -q '^replay_pcpu_drain: 4095$' '$T/r_dat'"

"$FRAGSIM" replay "$DAT" --init-snapshot "$T/s01.state" --check 97 --out "$T/out" >"$T/r_chk" 2>&1
check "replay: frag_mem_consistent() holds every 97 events and at the end, same result" \
	sh -c "grep -q '^status: complete$' '$T/r_chk' && grep -q \"^state_hash: \$(sed -n 's/^state_hash: //p' '$T/r_dat')\$\" '$T/r_chk'"

# --- 15-16: results like `fragsim run`: a run row and an HDF5 file
uid=$(val "$T/r_dat" run)
if command -v sqlite3 >/dev/null 2>&1; then
	row=$(sqlite3 "$T/out/fragsim.db" "select status || ' ' || policy from runs where uid = '$uid'" 2>&1)
	check "replay: the run row is in DIR/fragsim.db, complete, policy linux" test "$row" = "complete linux"
	m=$(sqlite3 "$T/out/fragsim.db" "select cast(value as integer) from metrics m join runs r on r.id = m.run_id where r.uid = '$uid' and m.name = 'replay_alloc'" 2>&1)
	check "replay: its metrics include replay_alloc = 1479" test "$m" = "1479" || echo "# got '$m'"
else
	skip "replay: the run row is in DIR/fragsim.db" "sqlite3 is not installed"
	skip "replay: its metrics include replay_alloc" "sqlite3 is not installed"
fi
check "replay: the HDF5 file DIR/runs/<uid>.h5 exists" test -s "$T/out/runs/$uid.h5"

# --- 17-18: the CSV and text forms replay to the same machine
h=$(val "$T/r_dat" state_hash)
"$FRAGSIM" replay "$CSV" --init-snapshot "$T/s01.state" --out "$T/out" >"$T/r_csv" 2>&1
check "replay CSV form: the same final machine as the trace.dat ($h)" has "$T/r_csv" state_hash "$h"
"$FRAGSIM" replay "$TXT" --init-snapshot "$T/s01.state" --out "$T/out" >"$T/r_txt" 2>&1
check "replay report text form: the same final machine" has "$T/r_txt" state_hash "$h"

# --- 19: determinism
"$FRAGSIM" replay "$DAT" --init-snapshot "$T/s01.state" --seed 7 --out "$T/out" >"$T/r_s7a" 2>&1
"$FRAGSIM" replay "$DAT" --init-snapshot "$T/s01.state" --seed 7 --out "$T/out" >"$T/r_s7b" 2>&1
strip() { grep -v -e '^run:' -e '^wall_seconds:' -e '^events_per' -e '^hdf5:' "$1"; }
strip "$T/r_s7a" >"$T/a"
strip "$T/r_s7b" >"$T/b"
check "determinism: the same seed gives the same output (counters, fidelity, state hash)" cmp -s "$T/a" "$T/b"
check "determinism: seed 7 vs seed 1 only the seed line differs (replay draws no random numbers)" \
	sh -c "strip() { grep -v -e '^run:' -e '^wall_seconds:' -e '^events_per' -e '^hdf5:' -e '^seed:' \"\$1\"; }
	       strip '$T/r_dat' > '$T/c'; strip '$T/r_s7a' > '$T/d'; cmp -s '$T/c' '$T/d'"

# --- 21-22: another policy
"$FRAGSIM" replay "$DAT" --init-snapshot "$T/s01.state" --policy spb --out "$T/out" >"$T/r_spb" 2>&1
rc=$?
check "replay under spb: complete, policy spb, 1479 allocations" \
	sh -c "[ $rc = 0 ] && grep -q '^status: complete$' '$T/r_spb' && grep -q '^policy: spb$' '$T/r_spb' &&
	       grep -q '^replay_alloc: 1479$' '$T/r_spb'"
hs=$(val "$T/r_spb" state_hash)
check "replay under spb: a different placement than linux (state hash differs)" test "$hs" != "$h"

# --- 23: a scenario's machine (no state: every free of a pre-trace block is unknown)
"$FRAGSIM" replay "$DAT" "$SCEN/quick.yaml" --out "$T/out" >"$T/r_sc" 2>&1
rc=$?
# 1488 = the 1130 unknown + 358 start-state frees of the state replay: without a state all are unknown.
check "replay on quick.yaml's machine: complete, no start-state frees, 1488 unknown" \
	sh -c "[ $rc = 0 ] && grep -q '^status: complete$' '$T/r_sc' && grep -q '^replay_free_snapshot: 0$' '$T/r_sc' &&
	       grep -q '^replay_free_unknown: 1488$' '$T/r_sc'"

# --- `fragsim proc zoneinfo|vmstat STATE` (mm/vmstat.c zoneinfo_show_print(), vmstat_show()) on the
# same state, against the real files of that moment (fixtures: zoneinfo.txt, vmstat.txt).
"$FRAGSIM" proc zoneinfo "$T/s01.state" >"$T/zi" 2>&1
# zone_fields FILE ZONE: "name value" of the watermark and size lines and the pageset batch/high_min/high_max
zone_fields() {
	awk -v zone="$2" '
	/^Node/ { cur = $NF; next }
	cur != zone { next }
	/^        (min|low|high|promo|spanned|present|managed) / { print $1, $2 }
	/^              (batch|high_min|high_max):/ { print $1, $2 }' "$1"
}
zi_ok=true
for z in DMA DMA32 Normal; do
	zone_fields "$T/zi" $z >"$T/zi_$z"
	zone_fields "$d/zoneinfo.txt" $z >"$T/zr_$z"
	if ! cmp -s "$T/zi_$z" "$T/zr_$z" || [ ! -s "$T/zi_$z" ]; then
		zi_ok=false
		echo "# zone $z differs:"; diff "$T/zr_$z" "$T/zi_$z" | sed 's/^/# /'
	fi
done
check "proc zoneinfo: watermarks, spanned/present/managed and pagesets' batch/high_min/high_max equal the real zoneinfo (DMA, DMA32, Normal)" $zi_ok
# the fields printed come in the kernel's order: the real Normal section, reduced to the names we print
names() { awk -v zone="Normal" '/^Node/ { cur = $NF; next } cur == zone { n = $1; sub(":$", "", n); if (n != "cpu") print n }' "$1"; }
names "$T/zi" >"$T/n_ours"
names "$d/zoneinfo.txt" | grep -xFf "$T/n_ours" >"$T/n_real"
check "proc zoneinfo: field names in the kernel's order" cmp -s "$T/n_ours" "$T/n_real"
"$FRAGSIM" proc vmstat "$T/s01.state" >"$T/vm" 2>&1
awk '{ print $1 }' "$T/vm" >"$T/vm_names"
awk '{ print $1 }' "$d/vmstat.txt" >"$T/vm_real"
check "proc vmstat: the real file's items, in its order" cmp -s "$T/vm_names" "$T/vm_real"
free_zi=$(awk '/^  pages free/ { s += $3 } END { print s }' "$T/zi")
check "proc vmstat: nr_free_pages is the zones' pages free ($free_zi)" grep -qx "nr_free_pages $free_zi" "$T/vm"

# --- bad inputs: a clear error naming the file, non-zero exit
bad() {  # bad DESC FILE EXPECTED_MESSAGE_PART [args]
	desc=$1
	f=$2
	msg=$3
	shift 3
	"$FRAGSIM" replay "$f" "$@" >"$T/bad.out" 2>"$T/bad.err"
	rc=$?
	if [ $rc -ne 0 ] && grep -q "$f" "$T/bad.err" && grep -q "$msg" "$T/bad.err"; then
		ok "bad input: $desc (exit $rc)"
	else
		echo "# exit $rc, stderr: $(cat "$T/bad.err")"
		not_ok "bad input: $desc"
	fi
}
bad "nonexistent file" "$T/nope.dat" "No such file" --count
bad "nonexistent file (replay)" "$T/nope.dat" "No such file" --init-snapshot "$T/s01.state" --out "$T/out"
head -c 200000 "$DAT" >"$T/trunc.dat"
bad "truncated trace.dat" "$T/trunc.dat" "corrupt or truncated" --init-snapshot "$T/s01.state" --out "$T/out"
# A garbled sub-buffer page header of cpu0 (its data starts at byte 53248 of the fixture).
cp "$DAT" "$T/corrupt.dat"
printf '\377\377\377\377\377\377\377\377\377\377\377\377\377\377\377\377' |
	dd of="$T/corrupt.dat" bs=1 seek=$((53248 + 4096 * 10)) conv=notrunc 2>/dev/null
bad "corrupt trace.dat (garbled page header)" "$T/corrupt.dat" "corrupt event data" --count
# Random bytes over records of cpu1 (data from byte 176128).
cp "$DAT" "$T/corrupt2.dat"
head -c 4096 "$DAT" | tr '\000-\377' '\377\376\375\374\373\372\371\370\367\366\365\364\363\362\361\360\357\356\355\354\353\352\351\350\347\346\345\344\343\342\341\340\337\336\335\334\333\332\331\330\327\326\325\324\323\322\321\320\317\316\315\314\313\312\311\310\307\306\305\304\303\302\301\300\277\276\275\274\273\272\271\270\267\266\265\264\263\262\261\260\257\256\255\254\253\252\251\250\247\246\245\244\243\242\241\240\237\236\235\234\233\232\231\230\227\226\225\224\223\222\221\220\217\216\215\214\213\212\211\210\207\206\205\204\203\202\201\200\177\176\175\174\173\172\171\170\167\166\165\164\163\162\161\160\157\156\155\154\153\152\151\150\147\146\145\144\143\142\141\140\137\136\135\134\133\132\131\130\127\126\125\124\123\122\121\120\117\116\115\114\113\112\111\110\107\106\105\104\103\102\101\100\077\076\075\074\073\072\071\070\067\066\065\064\063\062\061\060\057\056\055\054\053\052\051\050\047\046\045\044\043\042\041\040\037\036\035\034\033\032\031\030\027\026\025\024\023\022\021\020\017\016\015\014\013\012\011\010\007\006\005\004\003\002\001\000' |
	dd of="$T/corrupt2.dat" bs=1 seek=$((176128 + 4096 * 5 + 64)) conv=notrunc 2>/dev/null
bad "corrupt trace.dat (garbled records)" "$T/corrupt2.dat" "corrupt" --count
# The format of kmem:mm_page_free_batched renamed: the trace lacks an event replay needs.
sed 's/name: mm_page_free_batched/name: mm_page_frXX_batched/' "$DAT" >"$T/nofmt.dat"
bad "trace.dat without the mm_page_free_batched format" "$T/nofmt.dat" "no format for kmem:mm_page_free_batched" --count
xz -dc "$CSV" | head -c 100000 >"$T/trunc.csv"
bad "truncated CSV (a cut line)" "$T/trunc.csv" "truncated line" --count
head -c 20000 "$CSV" >"$T/trunc.csv.xz"
bad "truncated xz stream" "$T/trunc.csv.xz" "corrupt or truncated" --count
printf 'ts_ns,cpu,pid,ev,pfn,order,mt,gfp,aux\n1,0,1,Q,5,0,0,0x0,\n' >"$T/badev.csv"
bad "CSV with an unknown event code" "$T/badev.csv" "badev.csv:2" --count
: >"$T/empty.dat"
bad "empty file" "$T/empty.dat" "empty" --count
"$FRAGSIM" replay "$DAT" >"$T/bad.out" 2>"$T/bad.err"
rc=$?
check "no machine (neither --init-snapshot nor SCENARIO): usage error 2" \
	sh -c "[ $rc = 2 ] && grep -q 'no machine' '$T/bad.err'"

echo "1..$N"
[ $FAILED -eq 0 ]
