#!/bin/sh
# run.sh EXE NAME WORKDIR MAX_LEN SEED... - run one libFuzzer target for a
# bounded time (FUZZ_SECONDS, default 30) as a meson test of the fuzz build.
# SEEDs are directories or file globs (expanded here); they are copied into
# WORKDIR/seeds, and WORKDIR/corpus keeps what the fuzzer finds between runs.
# Fails (exit 1) on a crash, a sanitizer report, a leak (-detect_leaks), a
# hang (-timeout, seconds per input) or excess memory (-rss_limit_mb); the
# input that did it is in WORKDIR/artifacts/: copy it to
# tests/fuzz/regressions/NAME/ and fix the code (tests/fuzz/README.md).
set -u
exe=$1 name=$2 work=$3 maxlen=$4
shift 4
secs=${FUZZ_SECONDS:-30}
rm -rf "$work/artifacts" "$work/tmp" "$work/seeds"
mkdir -p "$work/corpus" "$work/seeds" "$work/artifacts" "$work/tmp" || exit 1
for s in "$@"; do
	for f in $s; do
		if [ -d "$f" ]; then
			for g in "$f"/*; do
				[ -f "$g" ] || continue
				case ${g##*/} in README*) continue ;; esac
				cp "$g" "$work/seeds/$(echo "$g" | tr / _)"
			done
		elif [ -f "$f" ]; then
			cp "$f" "$work/seeds/$(echo "$f" | tr / _)"
		fi
	done
done
export TMPDIR="$work/tmp"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
# libfyaml has no frame pointers: the fast unwinder stops inside it and the
# suppressions in tests/lsan.supp (by libfyaml function) would not match.
export ASAN_OPTIONS="$ASAN_OPTIONS:fast_unwind_on_malloc=0"
# Third-party leaks only (libfyaml), see tests/lsan.supp.
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$(cd "$(dirname "$0")/.." && pwd)/lsan.supp}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
echo "fuzz $name: ${secs}s, seeds: $(ls "$work/seeds" | wc -l), corpus: $(ls "$work/corpus" | wc -l)"
"$exe" -seed=1 -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len="$maxlen" -error_exitcode=1 \
	-timeout_exitcode=1 -print_final_stats=1 -artifact_prefix="$work/artifacts/" \
	"$work/corpus" "$work/seeds" >"$work/log" 2>&1
rc=$?
found=$(ls "$work/artifacts" 2>/dev/null | head -n 20)
if [ "$rc" -eq 0 ] && [ -z "$found" ]; then
	grep -e '^Done' -e '^stat::' "$work/log"
	exit 0
fi
grep -v -e '^#[0-9]' -e 'NEW_FUNC' -e '# Uses:' "$work/log" | tail -n 150
{
	echo "fuzz $name FAILED (exit $rc); inputs in $work/artifacts:"
	echo "$found"
	echo "copy each into tests/fuzz/regressions/$name/ and fix the code"
	exit 1
}
