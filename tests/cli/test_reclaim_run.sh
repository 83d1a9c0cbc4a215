#!/bin/sh
# SPDX-License-Identifier: MIT
#
# test_reclaim_run.sh - TAP: reclaim end to end through `fragsim run`.
#
# Usage: sh test_reclaim_run.sh FRAGSIM
#
# - a 512 MiB machine filling up with page cache, anonymous memory and a
#   reclaimable slab cache: kswapd reclaims page cache (pgsteal_kswapd > 0),
#   the slab shrinker frees unused objects (slabs_scanned > 0), no OOM;
# - the same run twice gives the same counters (determinism);
# - the same with proactive compaction off: only reclaim wakes kcompactd
#   (kswapd before it sleeps, wakeup_kswapd() for a balanced node), and the
#   wake-ups reach kcompactd_do_work() (compact_daemon_wake > 0);
# - a 256 MiB machine whose processes outgrow it: with swap, anonymous pages
#   are swapped out (pswpout > 0) and nothing is OOM-killed; without swap no
#   page is swapped and the OOM point is reached.
# Results are read from the run database with the sqlite3 command (skipped
# when it is missing).

FRAGSIM=$1
if [ ! -x "$FRAGSIM" ]; then
	echo "1..1"
	echo "not ok 1 - usage: test_reclaim_run.sh FRAGSIM (got '$FRAGSIM')"
	exit 1
fi
if ! command -v sqlite3 >/dev/null 2>&1; then
	echo "1..0 # SKIP the sqlite3 command is not installed"
	exit 77
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/fragsim-reclaim.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT HUP INT TERM

echo "1..12"
# shellcheck source=SCRIPTDIR/tap.sh
. "$(dirname "$0")/tap.sh"
# metric DIR NAME: the value of metric NAME of the run in DIR, as an integer.
metric() {
	sqlite3 "$1/fragsim.db" "select cast(value as integer) from metrics where name = '$2'"
}
# run NAME SCENARIO ARGS...: fragsim run into $T/NAME; ok if it completes.
run() {
	name=$1
	shift
	if "$FRAGSIM" run "$@" --out "$T/$name" --no-progress --quiet > "$T/$name.log" 2>&1; then
		return 0
	fi
	sed 's/^/# /' "$T/$name.log"
	return 1
}

cat > "$T/pressure.yaml" <<'EOF'
name: reclaim-pressure
duration: 5s
seed: 7
sample_period: 1s
machine:
  memory: 512M
  cpus: 2
  layout: flat
workloads:
  files:
    type: pagecache
    cpus: 0
    interval: exp(1ms)
    file_size: lognormal(256K, 1)
    lifetime: exp(600s)
    reread: 0.1
  apps:
    type: anon
    cpus: 1
    arrival: exp(400ms)
    size: lognormal(32M, 0.5)
    lifetime: exp(3s)
    initial_procs: 2
  dentry:
    type: slab
    cpus: all
    object_size: 192
    reclaimable: true
    interval: exp(50us)
    lifetime: exp(200ms)
EOF

check "page-cache pressure run completes" run p1 "$T/pressure.yaml"
check "kswapd reclaims page cache (pgsteal_kswapd > 0)" test "$(metric "$T/p1" pgsteal_kswapd)" -gt 0
check "reclaimed pages are file pages" test "$(metric "$T/p1" pgsteal_file)" -eq \
	"$(($(metric "$T/p1" pgsteal_kswapd) + $(metric "$T/p1" pgsteal_direct)))"
check "the slab shrinker scans unused objects (slabs_scanned > 0)" test "$(metric "$T/p1" slabs_scanned)" -gt 0
check "no OOM under page-cache pressure" test "$(metric "$T/p1" oom_kill)" -eq 0

# kswapd -> kcompactd: wakeup_kcompactd() records kcompactd_max_order, so a
# wake-up finds work; with vm.compaction_proactiveness=0 nothing else runs it.
check "proactive compaction off: run completes" run p3 "$T/pressure.yaml" --set sysctl.compaction_proactiveness=0
check "kcompactd woken by reclaim compacts (compact_daemon_wake, compact_daemon_migrate_scanned > 0)" \
	test "$(metric "$T/p3" compact_daemon_wake)" -gt 0 -a "$(metric "$T/p3" compact_daemon_migrate_scanned)" -gt 0

# Determinism: every counter but the wall-clock ones.
counters() {
	sqlite3 "$1/fragsim.db" "select name, value from metrics where name not in ('wall_seconds', 'events_per_sec',
		'sim_seconds_per_wall_second', 'peak_rss_mib') order by name"
}
run p2 "$T/pressure.yaml" >/dev/null
counters "$T/p1" > "$T/c1"
counters "$T/p2" > "$T/c2"
if [ -s "$T/c1" ] && cmp -s "$T/c1" "$T/c2"; then
	ok "the same run twice gives the same counters"
else
	diff "$T/c1" "$T/c2" | sed 's/^/# /' | head -20
	not_ok "the same run twice gives the same counters"
fi

cat > "$T/swap.yaml" <<'EOF'
name: reclaim-swap
duration: 10s
seed: 3
sample_period: 1s
machine:
  memory: 256M
  cpus: 2
  layout: flat
  swap: 256M
workloads:
  apps:
    type: anon
    cpus: 0
    arrival: exp(300ms)
    size: lognormal(28M, 0.8)
    lifetime: exp(3s)
    initial_procs: 4
    max_procs: 6
EOF

check "anonymous pressure with swap completes" run s1 "$T/swap.yaml"
check "with swap: pages swapped out, no OOM" test "$(metric "$T/s1" pswpout)" -gt 0 -a \
	"$(metric "$T/s1" oom_kill)" -eq 0
check "without swap: run completes" run s0 "$T/swap.yaml" --set machine.swap=0
check "without swap: nothing swapped, the OOM point is reached" test "$(metric "$T/s0" pswpout)" -eq 0 -a \
	"$(metric "$T/s0" oom_kill)" -gt 0

[ "$FAILED" -eq 0 ]
