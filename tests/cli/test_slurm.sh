#!/bin/sh
# SPDX-License-Identifier: MIT
#
# test_slurm.sh - `fragsim sweep --slurm --submit` through a real single-node
# Slurm on localhost (issue 8, item 2), and the generated scripts without Slurm.
#
# Usage: sh test_slurm.sh FRAGSIM SCENARIOS_DIR
#
# Part 1 (always): the job array and merge scripts that --slurm writes, run by
# sh with SLURM_ARRAY_TASK_ID set as Slurm would, give the same runs as a
# plain sweep: one shard per task, merged into one database with every run
# once and its HDF5 file; --slurm again then has nothing to submit.
# Part 2: munged, slurmctld and slurmd (Debian slurm-wlm and munge) are
# started by this test with a scratch configuration and stopped by PID; a
# small sweep is submitted with --submit and must land complete in one
# database through the dependent merge job. Skipped, with a message, only
# when those programs are not installed (scripts/ensure-deps.sh installs them).

FRAGSIM=$1
SCEN=$2
if [ ! -x "$FRAGSIM" ] || [ ! -f "$SCEN/quick.yaml" ]; then
	echo "1..1"
	echo "not ok 1 - usage: test_slurm.sh FRAGSIM SCENARIOS_DIR"
	exit 1
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/fragsim-slurm.XXXXXX") || exit 1
chmod 755 "$T"
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	sleep 0.3
	for p in $PIDS; do kill -9 "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT HUP INT TERM

echo "1..9"
# shellcheck source=SCRIPTDIR/tap.sh
. "$(dirname "$0")/tap.sh"

# Part 1: the scripts, run by sh.
"$FRAGSIM" sweep "$SCEN/quick.yaml" --param sysctl.extfrag_threshold=300,900 --seeds 2 --set duration=2s \
	--out "$T/a" --slurm >"$T/a.out" 2>&1
check "--slurm writes the array and merge scripts" test -x "$T/a/slurm/runs.sbatch" -a -x "$T/a/slurm/merge.sbatch"
check "an array of 4 tasks" grep -q '^#SBATCH --array=1-4$' "$T/a/slurm/runs.sbatch"
fail=0
for i in 1 2 3 4; do
	SLURM_ARRAY_TASK_ID=$i sh "$T/a/slurm/runs.sbatch" >"$T/task$i.log" 2>&1 || fail=1
done
sh "$T/a/slurm/merge.sbatch" >"$T/merge.log" 2>&1 || fail=1
check "every task and the merge succeed" test $fail -eq 0
[ $fail -eq 0 ] || sed 's/^/# /' "$T/merge.log" | head -5
q() { sqlite3 "$1/fragsim.db" "$2"; }
check "4 complete runs, each once, with their HDF5 files" test \
	"$(q "$T/a" "select count(distinct uid) || '/' || count(*) from runs where status='complete'")/$(ls "$T/a/runs" | wc -l)" = "4/4/4"
"$FRAGSIM" sweep "$SCEN/quick.yaml" --param sysctl.extfrag_threshold=300,900 --seeds 2 --set duration=2s \
	--out "$T/a" --slurm >"$T/a2.out" 2>&1
check "--slurm again: nothing to submit" grep -q "nothing to submit" "$T/a2.out"

# Part 2: a real Slurm.
for p in munged slurmctld slurmd sbatch squeue; do
	if ! command -v $p >/dev/null 2>&1; then
		for d in "start Slurm" "sweep submitted" "merge job ran" "runs complete in one database"; do
			skip "$d" "$p not installed (Debian slurm-wlm and munge; scripts/ensure-deps.sh installs them)"
		done
		exit $([ $FAILED -eq 0 ] && echo 0 || echo 1)
	fi
done
HOST=$(hostname -s)
MEM=$(awk '/MemTotal/ { print int($2 / 1024 / 2) }' /proc/meminfo)
CPUS=$(nproc)
mkdir -p "$T/slurm/state" "$T/slurm/spool" "$T/munge"
chown munge:munge "$T/munge" 2>/dev/null
# munged on a private socket, as the munge user.
runuser -u munge -- munged --socket="$T/munge/munge.socket" --pid-file="$T/munge/munged.pid" \
	--log-file="$T/munge/munged.log" --seed-file="$T/munge/munged.seed" >"$T/munged.out" 2>&1
sleep 0.3
[ -f "$T/munge/munged.pid" ] && PIDS="$PIDS $(cat "$T/munge/munged.pid")"
cat >"$T/slurm/slurm.conf" <<CONF
ClusterName=fragsimtest
SlurmctldHost=$HOST
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$T/munge/munge.socket
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
SwitchType=switch/none
MpiDefault=none
ReturnToService=2
MaxArraySize=10001
SchedulerParameters=batch_sched_delay=0,sched_min_interval=100000,default_queue_depth=1000
StateSaveLocation=$T/slurm/state
SlurmdSpoolDir=$T/slurm/spool
SlurmctldPidFile=$T/slurm/slurmctld.pid
SlurmdPidFile=$T/slurm/slurmd.pid
SlurmctldLogFile=$T/slurm/slurmctld.log
SlurmdLogFile=$T/slurm/slurmd.log
SlurmctldPort=16817
SlurmdPort=16818
NodeName=$HOST CPUs=$CPUS RealMemory=$MEM State=UNKNOWN
PartitionName=sim Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$T/slurm/slurm.conf"
slurmctld >"$T/slurmctld.out" 2>&1
slurmd >"$T/slurmd.out" 2>&1
sleep 1
[ -f "$T/slurm/slurmctld.pid" ] && PIDS="$PIDS $(cat "$T/slurm/slurmctld.pid")"
[ -f "$T/slurm/slurmd.pid" ] && PIDS="$PIDS $(cat "$T/slurm/slurmd.pid")"
up=0
for i in $(seq 1 40); do
	if sinfo -h -o %t 2>/dev/null | grep -q idle; then up=1; break; fi
	sleep 0.5
done
check "start Slurm (munged, slurmctld, slurmd; node idle)" test $up -eq 1
if [ $up -ne 1 ]; then
	sed 's/^/# /' "$T/slurm/slurmctld.log" 2>/dev/null | tail -5
	sed 's/^/# /' "$T/munged.out" 2>/dev/null | tail -3
	not_ok "sweep submitted"; not_ok "merge job ran"; not_ok "runs complete in one database"
	exit 1
fi
"$FRAGSIM" sweep "$SCEN/quick.yaml" --param sysctl.extfrag_threshold=300,900 --seeds 2 --set duration=2s \
	--out "$T/b" --submit >"$T/b.out" 2>&1
check "sweep submitted" grep -q "^submitted: job array [0-9]* (4 tasks), merge job [0-9]*" "$T/b.out"
sed 's/^/# /' "$T/b.out" | tail -2
done_=0
for i in $(seq 1 240); do
	if [ -z "$(squeue -h 2>/dev/null)" ]; then done_=1; break; fi
	sleep 0.5
done
check "merge job ran" test $done_ -eq 1 -a -f "$T/b/fragsim.db"
check "runs complete in one database" test \
	"$(q "$T/b" "select count(distinct uid) || '/' || count(*) from runs where status='complete'" 2>/dev/null)" = "4/4"
[ $FAILED -eq 0 ]
