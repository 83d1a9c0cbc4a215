# SPDX-License-Identifier: MIT
#
# tap.sh - the TAP helpers of the tests/cli scripts, sourced (not run) by
# each where its test counting starts:
#
#	. "$(dirname "$0")/tap.sh"
#
# before any cd (meson passes the script's absolute path; a hand run may
# pass a relative one). Sets N (tests printed so far) and FAILED (how many
# of them failed) to 0 and defines:
#
#	ok DESC           print "ok N - DESC"
#	not_ok DESC       print "not ok N - DESC", count it in FAILED
#	skip DESC WHY     print "ok N - DESC # SKIP WHY"
#	check DESC CMD... ok DESC if CMD succeeds, else not_ok DESC
#
# The plan ("1..N", first or last) and the exit status stay the script's
# own: each says at its end what a failure makes of it.
# shellcheck shell=sh

N=0
FAILED=0
ok() { N=$((N + 1)); echo "ok $N - $1"; }
not_ok() { N=$((N + 1)); FAILED=$((FAILED + 1)); echo "not ok $N - $1"; }
skip() { N=$((N + 1)); echo "ok $N - $1 # SKIP $2"; }
check() { desc=$1; shift; if "$@"; then ok "$desc"; else not_ok "$desc"; fi; }
