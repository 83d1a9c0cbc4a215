#!/bin/sh
# SPDX-License-Identifier: MIT
#
# test_nothing_lost.sh - TAP tests of issue 9, item 4: nothing lost under faults.
#
# Usage: sh test_nothing_lost.sh FRAGSIM SCENARIOS_DIR
#
#  - SIGINT / SIGTERM during `fragsim run`: exit 1, the run recorded
#    'interrupted' with its message and the simulated time reached, the
#    SQLite database consistent (PRAGMA integrity_check), the HDF5 file
#    closed cleanly (h5py opens it; its status attribute says interrupted);
#  - SIGKILL during `fragsim run`: the row stays 'running' (finished_at
#    NULL), never 'complete'; earlier runs untouched;
#  - SIGTERM / SIGINT to `compare` / `sweep`: every running child records
#    itself interrupted (children get exactly one SIGTERM from the runner),
#    exit 130, no row left 'running'; SIGKILL of the runner: its children
#    still record themselves interrupted (PR_SET_PDEATHSIG);
#  - `sweep` resumes after each: complete runs skipped, interrupted,
#    killed and failed ones run again, until every point is complete;
#  - an unwritable output (a path under a regular file; a read-only
#    directory when not root) is a clear error and exit 1; a full disk,
#    simulated with RLIMIT_FSIZE (`ulimit -f`: writes beyond it fail with
#    EFBIG, SIGXFSZ is ignored by fragsim run), is an error naming the
#    cause, exit 1, no crash, the new run recorded 'failed', earlier runs
#    and the database intact;
#  - four `fragsim run` processes writing one database at once lose no run.
#
# Checks use the sqlite3 CLI and /usr/bin/python3 with h5py.

FRAGSIM=$1
SCEN=$2
if [ ! -x "$FRAGSIM" ] || [ ! -f "$SCEN/quick.yaml" ]; then
	echo "1..1"
	echo "not ok 1 - usage: test_nothing_lost.sh FRAGSIM SCENARIOS_DIR (got '$FRAGSIM' '$SCEN')"
	exit 1
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/fragsim-lost.XXXXXX") || exit 1
trap 'chmod -R u+w "$T" 2>/dev/null; rm -rf "$T"' EXIT HUP INT TERM
Q="$SCEN/quick.yaml"
PY=/usr/bin/python3

echo "1..41"
# shellcheck source=SCRIPTDIR/tap.sh
. "$(dirname "$0")/tap.sh"
q() { sqlite3 "$1/fragsim.db" "$2"; }
# Wait (up to 90 s: an ASan build on a loaded machine is slow to start and to stop) until the SQL query on database dir $1 prints a number >= $3.
wait_rows() { i=0; while [ "$(q "$1" "$2" 2>/dev/null || echo 0)" -lt "$3" ] && [ $i -lt 900 ]; do sleep 0.1; i=$((i + 1)); done; }
# h5py opens every HDF5 file of the runs with status $2 in dir $1 and prints their status attributes.
h5_status() {
	"$PY" - "$1" "$2" <<'EOF'
import sqlite3, sys, os, h5py
d, want = sys.argv[1], sys.argv[2]
db = sqlite3.connect(os.path.join(d, "fragsim.db"))
out = []
for (f,) in db.execute("select h5_file from runs where status = ? order by id", (want,)):
    with h5py.File(os.path.join(d, f), "r") as h:
        st = h.attrs["status"]
        out.append(st.decode() if isinstance(st, bytes) else str(st))
        assert h["epoch"]["t_ns"].shape[0] >= 1
print(" ".join(out))
EOF
}

# --- 1. SIGINT and SIGTERM during run --------------------------------------
"$FRAGSIM" run "$Q" --set duration=2s --out "$T/r" --quiet
check "a first run completes" test "$(q "$T/r" "select count(*) from runs where status='complete'")" -eq 1
for sig in INT TERM; do
	"$FRAGSIM" run "$Q" --set duration=600s --out "$T/r" --quiet >"$T/out" 2>"$T/err" &
	pid=$!
	wait_rows "$T/r" "select count(*) from runs where status='running'" 1
	sleep 0.5
	kill -$sig $pid
	wait $pid
	rc=$?
	check "SIG$sig: run exits 1" test $rc -eq 1
done
check "both runs recorded interrupted with a message" \
	test "$(q "$T/r" "select count(*) from runs where status='interrupted' and message='interrupted by a signal'")" -eq 2
check "interrupted runs record how far they got" \
	test "$(q "$T/r" "select count(*) from runs where status='interrupted' and finished_at is not null and sim_reached_s > 0 and sim_reached_s < 600")" -eq 2
check "the database is consistent" test "$(q "$T/r" "pragma integrity_check")" = ok
check "the interrupted runs' HDF5 files are closed cleanly (h5py reads them)" \
	test "$(h5_status "$T/r" interrupted 2>&1)" = "interrupted interrupted"
check "the complete run is untouched" test "$(h5_status "$T/r" complete 2>&1)" = "complete"

# --- 2. SIGKILL during run -------------------------------------------------
"$FRAGSIM" run "$Q" --set duration=600s --out "$T/r" --quiet >/dev/null 2>&1 &
pid=$!
wait_rows "$T/r" "select count(*) from runs where status='running'" 1
sleep 0.5
kill -KILL $pid
wait $pid 2>/dev/null
check "SIGKILL: the run stays 'running', never complete" \
	test "$(q "$T/r" "select count(*) from runs where status='running' and finished_at is null")" -eq 1
check "SIGKILL: nothing else changed (1 complete, 2 interrupted)" \
	test "$(q "$T/r" "select group_concat(status, ',') from (select status from runs order by id)")" = \
	"complete,interrupted,interrupted,running"
check "SIGKILL: the database is consistent" test "$(q "$T/r" "pragma integrity_check")" = ok

# --- 3. compare: SIGTERM to the runner -------------------------------------
"$FRAGSIM" compare "$Q" --policies linux,linux-defrag --seeds 1 --jobs 2 --set duration=600s --out "$T/c" \
	--no-report --quiet >"$T/out" 2>"$T/err" &
pid=$!
wait_rows "$T/c" "select count(*) from runs where status='running'" 2
sleep 0.5
kill -TERM $pid
wait $pid
rc=$?
check "compare: SIGTERM exits 130" test $rc -eq 130
check "compare: both children recorded themselves interrupted" \
	test "$(q "$T/c" "select count(*) from runs where status='interrupted'")" -eq 2
check "compare: no run left 'running'" test "$(q "$T/c" "select count(*) from runs where status='running'")" -eq 0
check "compare: HDF5 of both runs readable" test "$(h5_status "$T/c" interrupted 2>&1)" = "interrupted interrupted"

# --- 4. sweep: SIGINT after the first run, then resume ---------------------
# (Started directly, not through a shell function: `f &` would give the pid of a subshell.)
# 60 simulated seconds (about 2 s of loop): the SIGINT 0.3 s after a run's row appears must find
# it still in its loop (with 10 s, 0.35 s of loop, a busy host could let it complete first).
SWEEP_ARGS="--param sysctl.watermark_scale_factor=10,20,30 --seeds 1 --jobs 1 --set duration=60s --no-report"
"$FRAGSIM" sweep "$Q" $SWEEP_ARGS --quiet --out "$T/s" >"$T/out" 2>"$T/err" &
pid=$!
wait_rows "$T/s" "select count(*) from runs where status='complete'" 1
wait_rows "$T/s" "select count(*) from runs where status='running'" 1
sleep 0.3
kill -INT $pid
wait $pid
rc=$?
check "sweep: SIGINT exits 130" test $rc -eq 130
complete1=$(q "$T/s" "select count(*) from runs where status='complete'")
check "sweep: some runs complete, the running one interrupted, none 'running'" \
	test "$complete1" -ge 1 -a "$(q "$T/s" "select count(*) from runs where status='interrupted'")" -ge 1 \
	-a "$(q "$T/s" "select count(*) from runs where status='running'")" -eq 0
"$FRAGSIM" sweep "$Q" $SWEEP_ARGS --out "$T/s" >"$T/out2" 2>"$T/err2"
rc=$?
check "sweep resumes and exits 0" test $rc -eq 0
check "sweep resume skipped the complete runs" grep -q "($complete1 complete already, skipped)" "$T/out2"
check "sweep: every grid point complete exactly once" \
	test "$(q "$T/s" "select count(distinct scenario_hash) || '/' || count(*) from runs where status='complete'")" = "3/3"

# --- 5. sweep: SIGKILL of the runner, then resume --------------------------
SWEEP_ARGS="--param sysctl.watermark_scale_factor=40,50 --seeds 1 --jobs 2 --out $T/k --no-report --quiet"
"$FRAGSIM" sweep "$Q" $SWEEP_ARGS --set duration=20s >/dev/null 2>&1 &
pid=$!
wait_rows "$T/k" "select count(*) from runs where status='running'" 2
sleep 0.5
kill -KILL $pid
wait $pid 2>/dev/null
wait_rows "$T/k" "select count(*) from runs where status='interrupted'" 2
check "runner SIGKILLed: its children recorded themselves interrupted" \
	test "$(q "$T/k" "select count(*) from runs where status='interrupted'")" -eq 2
check "runner SIGKILLed: nothing claims to be complete" \
	test "$(q "$T/k" "select count(*) from runs where status in ('complete', 'running')")" -eq 0
q "$T/k" "select policy, seed, status, message from runs" | sed 's/^/# /'
"$FRAGSIM" sweep "$Q" $SWEEP_ARGS --set duration=20s >"$T/out" 2>"$T/err"
check "sweep resumed after the kill completes every point" \
	test $? -eq 0 -a "$(q "$T/k" "select count(*) from runs where status='complete'")" -eq 2

# --- 6. an unwritable output -----------------------------------------------
touch "$T/file"
"$FRAGSIM" run "$Q" --set duration=1s --out "$T/file/out" --quiet >"$T/out" 2>"$T/err"
rc=$?
check "output under a regular file: exit 1" test $rc -eq 1
check "output under a regular file: the error names the path and the cause" \
	grep -q "$T/file.*Not a directory" "$T/err"
mkdir -p "$T/u"
"$FRAGSIM" run "$Q" --set duration=1s --out "$T/u" --quiet >/dev/null 2>&1
rm -rf "$T/u/runs"
touch "$T/u/runs"
"$FRAGSIM" run "$Q" --set duration=1s --out "$T/u" --quiet >"$T/out" 2>"$T/err"
rc=$?
check "HDF5 directory not writable: exit 1 with a message" test $rc -eq 1 -a -s "$T/err"
check "HDF5 directory not writable: recorded failed, the earlier run still complete" \
	test "$(q "$T/u" "select group_concat(status, ',') from (select status from runs order by id)")" = "complete,failed"
if [ "$(id -u)" -ne 0 ]; then
	mkdir -p "$T/ro"
	chmod 555 "$T/ro"
	"$FRAGSIM" run "$Q" --set duration=1s --out "$T/ro/x" --quiet >"$T/out" 2>"$T/err"
	rc=$?
	check "read-only directory: exit 1, Permission denied" test $rc -eq 1 -a -n "$(grep 'Permission denied' "$T/err")"
else
	ok "# SKIP read-only directory: running as root (permissions do not apply)"
fi

# --- 7. a full disk (RLIMIT_FSIZE) -----------------------------------------
mkdir -p "$T/f"
"$FRAGSIM" run "$Q" --set duration=2s --out "$T/f" --quiet >/dev/null 2>&1
before=$(q "$T/f" "select uid || status from runs")
# 300 KiB per file: the HDF5 file of a 20 s run outgrows it.
(ulimit -f 300; exec "$FRAGSIM" run "$Q" --set duration=20s --out "$T/f" --quiet) >"$T/out" 2>"$T/err"
rc=$?
check "full disk: exit 1 (no crash: not 128+signal)" test $rc -eq 1
check "full disk: the error names the cause" grep -q "File too large" "$T/err"
check "full disk: the new run is recorded failed, not complete" \
	test "$(q "$T/f" "select count(*) from runs where status='failed' and message != ''")" -eq 1
check "full disk: the earlier run untouched" \
	test "$(q "$T/f" "select uid || status from runs order by id limit 1")" = "$before"
check "full disk: the database is consistent" test "$(q "$T/f" "pragma integrity_check")" = ok
check "full disk: the earlier run's HDF5 file still reads" test "$(h5_status "$T/f" complete 2>&1)" = complete
# A sweep hitting the full disk, then resumed without the limit.
(ulimit -f 300; exec "$FRAGSIM" sweep "$Q" --param sysctl.watermark_scale_factor=10,20 --seeds 1 --jobs 2 \
	--set duration=20s --out "$T/fs" --no-report --quiet) >"$T/out" 2>"$T/err"
rc=$?
check "sweep on a full disk: exit 1, no run complete" \
	test $rc -eq 1 -a "$(q "$T/fs" "select count(*) from runs where status='complete'")" -eq 0
"$FRAGSIM" sweep "$Q" --param sysctl.watermark_scale_factor=10,20 --seeds 1 --jobs 2 --set duration=20s \
	--out "$T/fs" --no-report --quiet >"$T/out" 2>"$T/err"
check "sweep resumed with room: every point complete" \
	test $? -eq 0 -a "$(q "$T/fs" "select count(*) from runs where status='complete'")" -eq 2

# --- 8. four writers, one database -----------------------------------------
for i in 1 2 3 4; do
	"$FRAGSIM" run "$Q" --set duration=2s --seed $i --out "$T/w" --quiet >"$T/w$i.out" 2>&1 &
done
wait
check "four concurrent writers: four complete runs" \
	test "$(q "$T/w" "select count(*) from runs where status='complete'")" -eq 4
check "four concurrent writers: four seeds, four uids" \
	test "$(q "$T/w" "select count(distinct seed) || '/' || count(distinct uid) from runs")" = "4/4"
check "four concurrent writers: every run has its metrics" \
	test "$(q "$T/w" "select count(distinct run_id) from metrics")" -eq 4
check "four concurrent writers: the database is consistent" test "$(q "$T/w" "pragma integrity_check")" = ok
check "four concurrent writers: every HDF5 file reads" \
	test "$(h5_status "$T/w" complete 2>&1)" = "complete complete complete complete"

[ $N -eq 41 ] || { echo "# planned 41 tests, ran $N"; FAILED=$((FAILED + 1)); }
exit $((FAILED > 0))
