#!/bin/sh
# build-release.sh: the benchmark build of fragsim (make release), in build-release/.
#
# The same sources and compiler flags as build/ (-O2 -g, LTO, gnu17), with two
# differences that change speed and nothing else:
#   - -Dcheck_invariants=false: frag_mem_consistent() is not compiled in (the
#     test builds keep it; asked for one, e.g. by `fragsim run --check N`,
#     this binary fails with a message instead of checking nothing);
#   - profile-guided optimisation (meson b_pgo): an instrumented build runs a
#     fixed training run, 90 simulated seconds of scenarios/rfc-256g.yaml (the
#     1 GiB requester's first attempt at 60 s included), and the final build
#     uses that profile for branch layout and inlining.
# The model's results do not depend on either: bench/ab_bench build/... build-release/...
# reports "results: identical" (docs/performance.md).
#
# Always starts from an empty directory: GCC refuses a stale profile
# (-Wcoverage-mismatch is an error), so a changed source needs a new training run.
# usage: scripts/build-release.sh [DIR]   (default build-release)
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-build-release}
case $dir in /*) ;; *) dir=$root/$dir ;; esac
train=$dir/train
log=$dir.log

cd "$root"
rm -rf "$dir"
echo "build-release: instrumented build in $dir (log: $log)"
meson setup "$dir" -Dcheck_invariants=false -Db_pgo=generate > "$log" 2>&1 ||
	{ cat "$log" >&2; echo "build-release: meson setup failed" >&2; exit 1; }
ninja -C "$dir" core/cli/fragsim >> "$log" 2>&1 ||
	{ tail -40 "$log" >&2; echo "build-release: instrumented build failed" >&2; exit 1; }

echo "build-release: training run (rfc-256g, 90 simulated seconds)"
"$dir/core/cli/fragsim" run scenarios/rfc-256g.yaml --set duration=90s --set engine.predict=false \
	--out "$train" --no-progress >> "$log" 2>&1 ||
	{ tail -40 "$log" >&2; echo "build-release: training run failed" >&2; exit 1; }
rm -rf "$train"

echo "build-release: optimised build"
meson configure "$dir" -Db_pgo=use >> "$log" 2>&1
ninja -C "$dir" core/cli/fragsim >> "$log" 2>&1 ||
	{ tail -40 "$log" >&2; echo "build-release: optimised build failed" >&2; exit 1; }
echo "build-release: $dir/core/cli/fragsim"
