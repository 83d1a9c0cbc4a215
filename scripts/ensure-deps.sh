#!/bin/sh
# Install the Debian 12 packages fragsim needs, if any is missing.
# Used by `make` targets and .ci/run; safe to run repeatedly (a no-op when
# everything is present).
set -eu

PKGS="gcc clang valgrind make meson ninja-build pkg-config python3 libsimgrid-dev libfyaml-dev libsqlite3-dev sqlite3 libhdf5-dev hdf5-tools python3-h5py python3-numpy python3-pytest python3-pandas python3-matplotlib python3-pil python3-yaml zstd libtraceevent-dev libtracefs-dev libtracecmd-dev xz-utils"
# Optional: headless Chromium opens the HTML report in tests/python/test_analysis.py
# (the test is skipped where it cannot be installed); slurm-wlm and munge for
# tests/cli/test_slurm.sh (a real single-node Slurm; skipped without them).
OPTIONAL="chromium slurm-wlm munge"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
opt_missing=""
for p in $OPTIONAL; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		opt_missing="$opt_missing $p"
	fi
done
[ -z "$missing" ] && [ -z "$opt_missing" ] && exit 0

if [ -z "$missing" ] && { ! command -v apt-get >/dev/null 2>&1 || { [ "$(id -u)" != 0 ] && ! command -v sudo >/dev/null 2>&1; }; }; then
	exit 0   # only optional packages missing, and no way to install them
fi
echo "ensure-deps: installing:$missing$opt_missing" >&2
if ! command -v apt-get >/dev/null 2>&1; then
	echo "ensure-deps: apt-get not found; please install:$missing" >&2
	exit 1
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		SUDO="sudo"
	else
		echo "ensure-deps: not root and no sudo; please install:$missing" >&2
		exit 1
	fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
[ -z "$missing" ] || $SUDO apt-get install -y -qq --no-install-recommends $missing
# shellcheck disable=SC2086
[ -z "$opt_missing" ] || $SUDO apt-get install -y -qq --no-install-recommends $opt_missing ||
	echo "ensure-deps: could not install$opt_missing (optional: the browser test of the report and the real-Slurm test are skipped)" >&2
