#!/bin/sh
# SPDX-License-Identifier: MIT
#
# test_snapshot.sh - TAP tests of `fragsim snapshot`, `fragsim proc VIEW STATE` and
# `fragsim predict STATE` (against the real 1 GiB outcomes 11 and 7)
# on two real snapshots (FIXTURE_DIR/snapshots/hp_{dc,pc}_1G_a_before, see
# FIXTURE_DIR/README.md) and of their bad-input errors.
#
# Usage: sh test_snapshot.sh FRAGSIM FIXTURE_DIR SCENARIO_DIR
#
# Tolerance of the buddyinfo comparison (docs/snapshot.md, "How close"):
# the kpageflags dump takes about 1 s on a live machine and lies between the
# two real reads buddyinfo.txt (before) and buddyinfo_after_kpageflags.txt
# (after). For every zone and order the restored count must lie within
# [min(before, after), max(before, after)], except for at most
#   - 512 pages at orders 0-8: blocks that moved while the dump was read
#     (measured: 177 pages on hp_dc_1G, 0 on hp_pc_1G), and
#   - 16384 pages at orders 9-10: free page reporting (page_reporting_order 9
#     on this machine) holds up to PAGE_REPORTING_CAPACITY = 32 free blocks
#     of order >= 9 off the free lists while it reports them; their pages
#     read as flags 0 / count 0 and are restored as order-9 PCP blocks
#     (measured: 4096 pages, 8 order-9 blocks, on hp_dc_1G; 0 on hp_pc_1G).
# The pageblock counts ("Number of blocks type") are matched by construction
# and must be byte-identical; managed pages must equal zoneinfo's exactly.

FRAGSIM=$1
FIX=$2
SCEN=$3
if [ ! -x "$FRAGSIM" ] || [ ! -d "$FIX" ] || [ ! -d "$SCEN" ]; then
	echo "1..1"
	echo "not ok 1 - usage: test_snapshot.sh FRAGSIM FIXTURE_DIR SCENARIO_DIR"
	exit 1
fi
if ! command -v zstd >/dev/null 2>&1; then
	echo "1..0 # SKIP the zstd program is needed to read the compressed fixtures"
	exit 0
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/fragsim-snap.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT HUP INT TERM

SNAPS="hp_dc_1G_a_before hp_pc_1G_a_before"
# The real 1 GiB hugetlb outcomes right after these snapshots (capture README, section 1).
real_1g() { case $1 in hp_dc_1G_a_before) echo 11 ;; hp_pc_1G_a_before) echo 7 ;; esac; }
# 11 per snapshot, 10 bad inputs, 2 + 2 for the scenario runs, 2 for the compaction regression
echo "1..$((11 * 2 + 10 + 2 + 2 + 2))"

# shellcheck source=SCRIPTDIR/tap.sh
. "$(dirname "$0")/tap.sh"

import() {  # import NAME OUT [extra args]: the full set of files
	d="$FIX/snapshots/$1"
	out=$2
	shift 2
	"$FRAGSIM" snapshot --kpageflags "$d/kpageflags.bin.zst" --kpagecount "$d/kpagecount.bin.zst" \
		--zoneinfo "$d/zoneinfo.txt" --iomem "$FIX/iomem.txt" --pagetypeinfo "$d/pagetypeinfo.txt" \
		--sysctl "$d/sysctl_vm.txt" -o "$out" "$@"
}

# bracket GOT BEFORE AFTER: the tolerance described above, per zone and order.
bracket() {
	awk -v before="$2" -v after="$3" '
	function load(f, a,    l, w, n, i) {
		while ((getline l < f) > 0) {
			n = split(l, w, " ")
			for (i = 5; i <= n; i++)
				a[w[4], i - 5] = w[i]
		}
	}
	BEGIN { load(before, B); load(after, A) }
	{
		if (NF != 15) { print "# bad line: " $0; bad = 1; next }
		for (o = 0; o <= 10; o++) {
			if (!(($4, o) in B)) { print "# zone " $4 " missing in the real files"; bad = 1; next }
			v = $(o + 5); b = B[$4, o]; a = A[$4, o]
			lo = b < a ? b : a; hi = b < a ? a : b
			d = v < lo ? lo - v : (v > hi ? v - hi : 0)
			if (d) printf "# %s order %d: %d outside [%d, %d]\n", $4, o, v, lo, hi
			if (o < 9) low += d * 2 ^ o; else high += d * 2 ^ o
		}
	}
	END {
		printf "# outside the bracket: %d pages at orders 0-8, %d at orders 9-10\n", low, high
		exit (bad || low > 512 || high > 16384)
	}' "$1"
}

for s in $SNAPS; do
	d="$FIX/snapshots/$s"
	st="$T/$s.state"
	check "$s: snapshot imports and writes a state" import "$s" "$st" --quiet
	size=$(wc -c < "$st" 2>/dev/null || echo 0)
	check "$s: the state file is compact ($size bytes < 1 MB)" test "$size" -gt 1000 -a "$size" -lt 1048576
	import "$s" "$T/$s.again" --quiet
	check "$s: importing twice gives the same bytes" cmp -s "$st" "$T/$s.again"

	"$FRAGSIM" proc buddyinfo "$st" > "$T/$s.bi" 2> "$T/err"
	check "$s: proc buddyinfo of the state is within the bracket of the real reads" \
		bracket "$T/$s.bi" "$d/buddyinfo.txt" "$d/buddyinfo_after_kpageflags.txt"
	# Field layout: the zone prefixes in the kernel's order and spacing.
	sed -E 's/^(Node [0-9]+, zone +[^ ]+ ).*/\1/' "$T/$s.bi" > "$T/got.prefix"
	sed -E 's/^(Node [0-9]+, zone +[^ ]+ ).*/\1/' "$d/buddyinfo.txt" > "$T/exp.prefix"
	check "$s: buddyinfo lines have the kernel's zone prefixes" cmp -s "$T/got.prefix" "$T/exp.prefix"

	"$FRAGSIM" proc pagetypeinfo "$st" | sed -n '/^Number of blocks type/,$p' > "$T/got.blocks"
	sed -n '/^Number of blocks type/,$p' "$d/pagetypeinfo.txt" > "$T/exp.blocks"
	if cmp -s "$T/got.blocks" "$T/exp.blocks"; then
		ok "$s: pagetypeinfo pageblock counts equal the real ones byte for byte"
	else
		diff "$T/got.blocks" "$T/exp.blocks" | sed 's/^/# /'
		not_ok "$s: pagetypeinfo pageblock counts equal the real ones byte for byte"
	fi

	"$FRAGSIM" proc summary "$st" > "$T/$s.sum"
	# restored managed (column 3) of each zone equals zoneinfo's managed (next line, column 2)
	check "$s: managed pages per zone equal zoneinfo's" awk '
		/restored$/ && NF == 8 { m = $3; z = $1; next }
		/zoneinfo$/ { n++; if ($2 + 0 != m + 0) { print "# " z ": " m " != " $2; bad = 1 } }
		END { exit bad || n != 3 }' "$T/$s.sum"

	# proc zoneinfo / proc vmstat: the kernel's lines in the kernel's order (values stripped), so
	# the views diff line by line against the real files taken with the dump.
	"$FRAGSIM" proc zoneinfo "$st" > "$T/$s.zi" 2> "$T/err"
	sed 's/[0-9]*$//' "$T/$s.zi" > "$T/got.names"
	sed 's/[0-9]*$//' "$d/zoneinfo.txt" > "$T/exp.names"
	check "$s: proc zoneinfo has the real file's lines in its order" cmp -s "$T/got.names" "$T/exp.names"
	# Exact: what the import takes from zoneinfo (sizes, watermarks incl. promo = high + (high - low),
	# protection, start_pfn), the PCP batch/high bounds and calculate_normal_threshold().
	pat='^ *(boost|min|low|high|promo|spanned|present|managed|protection:|start_pfn:|batch:|high_min:|high_max:|vm stats threshold:) '
	grep -E "$pat" "$T/$s.zi" > "$T/got.exact"
	grep -E "$pat" "$d/zoneinfo.txt" > "$T/exp.exact"
	if [ -s "$T/exp.exact" ] && cmp -s "$T/got.exact" "$T/exp.exact"; then
		ok "$s: zoneinfo sizes, watermarks, protection, pageset bounds and thresholds equal the real ones"
	else
		diff "$T/got.exact" "$T/exp.exact" | sed 's/^/# /' | head -20
		not_ok "$s: zoneinfo sizes, watermarks, protection, pageset bounds and thresholds equal the real ones"
	fi
	"$FRAGSIM" proc vmstat "$st" > "$T/$s.vs" 2> "$T/err"
	awk '{ print $1 }' "$T/$s.vs" > "$T/got.names"
	awk '{ print $1 }' "$d/vmstat.txt" > "$T/exp.names"
	check "$s: proc vmstat has the real file's names in its order" cmp -s "$T/got.names" "$T/exp.names"

	# fragsim predict on the state: the kernel grew the 1 GiB pool to exactly this many pages.
	"$FRAGSIM" predict "$st" > "$T/$s.pred" 2> "$T/err"
	got=$(awk '/^hugetlb_1g_pages:/ { print $2 }' "$T/$s.pred")
	want=$(real_1g "$s")
	if [ "$got" = "$want" ]; then
		ok "$s: predict gives the real 1 GiB outcome ($want)"
	else
		echo "# predicted '$got', real $want; $(cat "$T/err")"
		not_ok "$s: predict gives the real 1 GiB outcome ($want)"
	fi
done

# ---- bad inputs --------------------------------------------------------
d="$FIX/snapshots/hp_dc_1G_a_before"
zstd -dcq "$d/kpageflags.bin.zst" > "$T/kpf.bin"
fails() {  # fails DESC PATTERN CMD...: exit status 2 and PATTERN on stderr
	desc=$1
	pat=$2
	shift 2
	"$@" > /dev/null 2> "$T/err"
	rc=$?
	if [ "$rc" -eq 2 ] && grep -q -- "$pat" "$T/err"; then
		ok "$desc"
	else
		echo "# exit $rc, stderr: $(cat "$T/err")"
		not_ok "$desc"
	fi
}
head -c 1048576 "$T/kpf.bin" > "$T/short.bin"
fails "truncated kpageflags dump: error names the file and the missing pfns" "short.bin: truncated: 131072 entries" \
	"$FRAGSIM" snapshot --kpageflags "$T/short.bin" --zoneinfo "$d/zoneinfo.txt" -o "$T/x.state"
head -c 1048579 "$T/kpf.bin" > "$T/odd.bin"
fails "kpageflags of a wrong size: not whole 8-byte entries" "odd.bin: 1048579 bytes is not a whole number of 8-byte" \
	"$FRAGSIM" snapshot --kpageflags "$T/odd.bin" --zoneinfo "$d/zoneinfo.txt" -o "$T/x.state"
fails "kpagecount of another size than kpageflags" "the two dumps must cover the same pfns" \
	"$FRAGSIM" snapshot --kpageflags "$T/kpf.bin" --kpagecount "$T/short.bin" --zoneinfo "$d/zoneinfo.txt" \
	-o "$T/x.state"
head -c 20000 "$d/kpageflags.bin.zst" > "$T/cut.zst"
fails "truncated zstd file: zstd error names the file" "cut.zst: zstd could not decompress it" \
	"$FRAGSIM" snapshot --kpageflags "$T/cut.zst" --zoneinfo "$d/zoneinfo.txt" -o "$T/x.state"
fails "a zoneinfo that is not one" "iomem.txt: no \"Node N, zone NAME\" line" \
	"$FRAGSIM" snapshot --kpageflags "$T/kpf.bin" --zoneinfo "$FIX/iomem.txt" -o "$T/x.state"
sed 's/^100000000-63fffffff : System RAM/100000000-5ffffffff : System RAM/' "$FIX/iomem.txt" > "$T/iomem.small"
fails "iomem and zoneinfo disagree on present pages" "iomem.small and .*zoneinfo.txt disagree: zone Normal" \
	"$FRAGSIM" snapshot --kpageflags "$T/kpf.bin" --zoneinfo "$d/zoneinfo.txt" --iomem "$T/iomem.small" \
	-o "$T/x.state"
st="$T/hp_dc_1G_a_before.state"
cp "$st" "$T/corrupt.state"
printf 'X' | dd of="$T/corrupt.state" bs=1 seek=5000 conv=notrunc 2> /dev/null
fails "corrupt state file: body CRC32 mismatch" "corrupt.state: body CRC32 mismatch" \
	"$FRAGSIM" proc buddyinfo "$T/corrupt.state"
head -c 5000 "$st" > "$T/short.state"
fails "truncated state file" "short.state: truncated: the header announces" "$FRAGSIM" proc buddyinfo "$T/short.state"
fails "not a state file" "zoneinfo.txt: not a fragsim state file" "$FRAGSIM" proc buddyinfo "$d/zoneinfo.txt"
fails "missing state file" "nonexistent.state: No such file" "$FRAGSIM" proc pagetypeinfo "$T/nonexistent.state"

# ---- a run from a snapshot (init.snapshot) -----------------------------
"$FRAGSIM" run "$SCEN/quick.yaml" --set init.snapshot="$st" --set machine.cpus=2 --set workloads.net.cpus=1 \
	--set duration=1s --out "$T/run" --no-progress > "$T/run.txt" 2> "$T/err"
check "run with init.snapshot completes" grep -q '^status: complete' "$T/run.txt"
# quick.yaml's own machine has 2 GiB: more than 20 GiB free means the 24 GiB snapshot was used
check "the run started from the snapshot's memory (free_mib > 20000)" \
	awk '/^free_mib:/ { f = $2 } END { exit !(f > 20000) }' "$T/run.txt"

# ---- a run from a page-cache-filled snapshot reclaims the restored cache ----
# hp_pc_1G_a_before holds 13 GiB of page cache and 5 GiB free; 64 processes x
# 128 MiB of anonymous memory per CPU need more. The engine's env_shrink_lru()
# asks the restored pages (frag_shrink_restored_lru()), so the run completes
# without OOM kills, and the end-of-run 1 GiB prediction (its clone reclaims
# restored pages too, alloc_contig_range() ranges excepted) finishes.
cat > "$T/press.yaml" <<'EOF_SC'
name: press
duration: 1s
seed: 1
machine:
  memory: 2G
  nodes: 1
  cpus: 2
policy:
  name: linux
workloads:
  apps:
    type: anon
    cpus: all
    arrival: exp(20ms)
    size: 128M
    lifetime: 1000s
EOF_SC
"$FRAGSIM" run "$T/press.yaml" --set init.snapshot="$T/hp_pc_1G_a_before.state" --out "$T/press" --no-progress \
	> "$T/press.txt" 2> "$T/err"
check "run from hp_pc_1G under anon pressure completes without OOM kills (and predicts 1 GiB)" \
	awk '/^status: complete/ { c = 1 } /^oom_kill: 0$/ { o = 1 } /^hugetlb_1g_allocatable:/ { p = 1 }
	     END { exit !(c && o && p) }' "$T/press.txt"
check "run from hp_pc_1G: more than 1 000 000 restored page-cache pages reclaimed" \
	awk '/^pgsteal_(direct|kswapd):/ { n += $2 } END { exit !(n > 1000000) }' "$T/press.txt"

# ---- regression: predict on 40_before_compact_memory ---------------------
# Direct compaction for a 2 MiB page once let the scanners cross: free_pfn -
# migrate_pfn wrapped, fast_isolate_freepages() moved the free scanner to a
# pfn near 2^63 and isolate_freepages() walked down from there for ever
# (the kernel's pfn_valid() refuses such a pfn). predict must now finish, and
# its 1 GiB count equal the import's own count of entirely free 1 GiB ranges.
import 40_before_compact_memory "$T/40.state" > "$T/40.imp" 2> "$T/err"
check "40_before_compact_memory imports" test -s "$T/40.state"
free_1g=$(sed -n 's/^1 GiB ranges: .*, \([0-9]*\) entirely free,.*/\1/p' "$T/40.imp")
timeout 300 "$FRAGSIM" predict "$T/40.state" > "$T/40.pred" 2> "$T/err"
rc=$?
got=$(awk '/^hugetlb_1g_pages:/ { print $2 }' "$T/40.pred")
if [ "$rc" -eq 0 ] && [ -n "$free_1g" ] && [ "$got" = "$free_1g" ] && grep -q '^hugetlb_2m_pages: [1-9]' "$T/40.pred"; then
	ok "40_before_compact_memory: predict finishes (1 GiB: $got = entirely free ranges)"
else
	echo "# rc $rc, predicted 1 GiB '$got', entirely free '$free_1g'; $(cat "$T/err")"
	not_ok "40_before_compact_memory: predict finishes (1 GiB: $got = entirely free ranges)"
fi

[ "$FAILED" -eq 0 ]
