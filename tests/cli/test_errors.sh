#!/bin/sh
# SPDX-License-Identifier: MIT
#
# test_errors.sh - TAP: the bad input catalogue of docs/errors.md. Every
# class of bad input tried there (malformed and hostile YAML, absurd
# machine parameters, --set garbage, wrong-size and truncated kpageflags
# dumps, corrupt /proc files and state files, a machine larger than this
# host can model) is run here: the command must fail (exit status != 0, no
# crash: status < 126) and print the message given in docs/errors.md, which
# names the file and line:column (or the --set, or the byte offset) and key.
# Keep this file and docs/errors.md in step: one case, one row.
#
# Usage: sh test_errors.sh FRAGSIM SOURCE_ROOT

FRAGSIM=$1
SRC=$2
if [ ! -x "$FRAGSIM" ] || [ ! -d "$SRC/scenarios" ]; then
	echo "1..1"
	echo "not ok 1 - usage: test_errors.sh FRAGSIM SOURCE_ROOT"
	exit 1
fi
# shellcheck source=SCRIPTDIR/tap.sh
. "$(dirname "$0")/tap.sh"
# The cases run in a scratch directory: make the paths absolute first.
case $FRAGSIM in /*) ;; *) FRAGSIM=$PWD/$FRAGSIM ;; esac
case $SRC in /*) ;; *) SRC=$PWD/$SRC ;; esac
T=$(mktemp -d "${TMPDIR:-/tmp}/fragsim-errors.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT HUP INT TERM
cd "$T" || exit 1
SEEDS=$SRC/tests/fuzz/seeds
ZI=$SEEDS/zoneinfo/small.txt
KPF=$SEEDS/kpageflags/small-synthetic.bin
STATE=$SEEDS/state/small.state
# A machine for the scenario cases: quick.yaml, short.
Q=$SRC/scenarios/quick.yaml
export FRAGSIM_NO_MEMCHECK=   # the memory check is on (unless a case sets it)

# check NAME EXPECTED COMMAND...: COMMAND fails with status 1..125 and its
# stderr contains EXPECTED (a fixed string). This file's own, in place of tap.sh's.
check() {
	name=$1 expect=$2
	shift 2
	"$@" >"$T/out" 2>"$T/err" </dev/null
	rc=$?
	if [ "$rc" -eq 0 ] || [ "$rc" -ge 126 ]; then
		not_ok "$name: exit status $rc"
		sed 's/^/# /' "$T/err" | head -n 5
	elif ! grep -qF -- "$expect" "$T/err"; then
		not_ok "$name: message"
		echo "# expected: $expect"
		sed 's/^/# got:      /' "$T/err" | head -n 5
	else
		ok "$name"
	fi
}
run() {
	"$FRAGSIM" run "$@" --no-progress --out "$T/out.d"
}
wl='workloads: {a: {type: idle}}'

# ---- Malformed and hostile YAML -------------------------------------------
printf 'workloads:\n  a: {type: idle\n' >syntax.yaml
check "YAML syntax error" "syntax.yaml:3:1: missing comma in flow mapping" run syntax.yaml
printf '%s\n---\nseed: 1\n' "$wl" >twodocs.yaml
check "two YAML documents" "twodocs.yaml:2:1: a scenario is one YAML document; a second one starts here" run twodocs.yaml
printf '%s\n%%YAML 1.2\n' "$wl" >directive.yaml
check "a YAML directive (libfyaml's directive scanner can loop on a bad one)" \
	"directive.yaml:2:1: YAML directives (a line starting with '%') are not supported" run directive.yaml
printf -- '- a\n- b\n' >toplist.yaml
check "top level is a list" "toplist.yaml:1:1: the top level of a scenario must be a mapping of keys, not a list" \
	run toplist.yaml
printf 'seed: 1\nseed: 2\n%s\n' "$wl" >dupkey.yaml
check "duplicate key" "dupkey.yaml:2:1: key seed: duplicate key 'seed' (first at line 1)" run dupkey.yaml
printf '? [a]\n: 1\n%s\n' "$wl" >keylist.yaml
check "a list as a key" "keylist.yaml:1:3: a key must be a plain name, not a list" run keylist.yaml
printf 'name: "a\\0b"\n%s\n' "$wl" >nul.yaml
check "NUL in a value" "nul.yaml:1:7: a value contains a NUL character" run nul.yaml
deep=$(awk 'BEGIN { for (i = 0; i < 100; i++) printf "["; for (i = 0; i < 100; i++) printf "]" }')
printf '%s\nx-deep: %s\n' "$wl" "$deep" >deep.yaml
check "nesting 100 deep" "deep.yaml:2:72: key x-deep[0]" run deep.yaml
check "nesting 100 deep (limit)" "nesting deeper than 64 levels" run deep.yaml
awk 'BEGIN { print "x-a: &a [1,1,1,1,1,1,1,1,1,1]"; p = "a"
	for (i = 1; i < 10; i++) { c = sprintf("%c", 97 + i); s = "x-" c ": &" c " ["
		for (k = 0; k < 10; k++) s = s (k ? "," : "") "*" p; print s "]"; p = c }
	print "workloads: {a: {type: idle}}" }' >laughs.yaml
check "billion laughs" "laughs.yaml:6:10: key x-f: alias *e expands to more than 200000 YAML nodes in all" \
	run laughs.yaml
printf 'x-a: &a\n  b: *a\n%s\n' "$wl" >loop.yaml
check "alias loop" "loop.yaml:2:6: key x-a.b: alias *a refers to a node that contains it (an alias loop)" run loop.yaml
printf 'seed: *nope\n%s\n' "$wl" >noanchor.yaml
check "alias without anchor" "noanchor.yaml:1:7: key seed: alias *nope names no anchor defined before it" \
	run noanchor.yaml
printf 'workloads:\n  a:\n    <<: 5\n    type: idle\n' >merge.yaml
check "merge key of a scalar" \
	"merge.yaml:3:5: key workloads.a.<<: a merge key takes a mapping or a list of mappings, not a scalar" run merge.yaml
awk 'BEGIN { print "x-k:"; for (i = 0; i < 5000; i++) print "  k" i ": 1"; print "workloads: {a: {type: idle}}" }' \
	>manykeys.yaml
check "5000 keys in a mapping" "manykeys.yaml:2:3: key x-k: more than 4096 entries" run manykeys.yaml
head -c 17000000 /dev/zero | tr '\0' '#' >huge.yaml
check "a 17 MB file" "huge.yaml: larger than 16 MiB; not a scenario" run huge.yaml
printf 'include: /dev/zero\n%s\n' "$wl" >devzero.yaml
check "include of a device" "devzero.yaml:1:10: key include: cannot read /dev/zero: not a regular file" run devzero.yaml
printf 'include: cycle.yaml\n%s\n' "$wl" >cycle.yaml
check "include cycle" "cycle.yaml:1:10: key include: include cycle: cycle.yaml -> cycle.yaml" run cycle.yaml
printf 'include: nothere.yaml\n%s\n' "$wl" >incmiss.yaml
check "missing include" "incmiss.yaml:1:10: key include: cannot read nothere.yaml: No such file or directory" \
	run incmiss.yaml
check "missing scenario" "nothere.yaml: No such file or directory" run nothere.yaml

# ---- Wrong types, unknown keys, huge and negative numbers ------------------
printf 'machine:\n  memory: [1, 2]\n%s\n' "$wl" >wrongtype.yaml
check "list for a number" "wrongtype.yaml:2:11: key machine.memory: expected a single value, got a list" \
	run wrongtype.yaml
printf 'machine:\n  memroy: 4G\n%s\n' "$wl" >unknown.yaml
check "unknown key" "unknown.yaml:2:3: key machine.memroy: unknown key 'memroy'; valid keys: memory, nodes" \
	run unknown.yaml
printf 'seed: 1\n' >nowl.yaml
check "no workloads" "nowl.yaml:1:1: key workloads: at least one workload is required" run nowl.yaml
printf 'workloads: {a: {type: nosuch}}\n' >badtype.yaml
check "unknown workload type" "badtype.yaml:1:23: key workloads.a.type: unknown workload type 'nosuch'" run badtype.yaml
printf 'duration: 99999999999999999999999999s\n%s\n' "$wl" >hugedur.yaml
check "huge duration" "hugedur.yaml:1:11: key duration: duration = '99999999999999999999999999s' is too large" \
	run hugedur.yaml
printf 'seed: 184467440737095516160\n%s\n' "$wl" >hugeseed.yaml
check "seed above 2^64" "hugeseed.yaml:1:7: key seed: seed = '184467440737095516160' is too large" run hugeseed.yaml
printf 'duration: -5s\n%s\n' "$wl" >negdur.yaml
check "negative duration" "negdur.yaml:1:11: key duration: duration = '-5s': negative values are not allowed" \
	run negdur.yaml
printf 'machine:\n  memory: 9223372036854775808\n%s\n' "$wl" >mem63.yaml
check "2^63 bytes of memory" "mem63.yaml:2:11: key machine.memory: memory = '9223372036854775808' is too large" \
	run mem63.yaml
printf 'machine: {memory: 0}\n%s\n' "$wl" >mem0.yaml
check "0 bytes of memory" "mem0.yaml:1:19: key machine.memory: memory = 0 is out of range [67108864, 17592186044416]" \
	run mem0.yaml
printf 'machine: {memory: 1G, layout: flat, holes: [{start: 0, end: 0x40000}]}\n%s\n' "$wl" >allhole.yaml
check "holes cover the whole machine" \
	"allhole.yaml:1:44: key machine.holes: the holes cover all 262144 pages of the machine" run allhole.yaml
printf 'machine: {memory: 1G, holes: [{start: 0x100, end: 0x50}]}\n%s\n' "$wl" >badhole.yaml
check "hole end below start" "badhole.yaml:1:31: key machine.holes[0]: end 0x50 is not above start 0x100" \
	run badhole.yaml
check "ZONE_MOVABLE of the whole node" \
	"--set machine.movable=2G: key machine.movable: 2048 MiB of ZONE_MOVABLE per node leaves nothing" \
	run "$Q" --set machine.movable=2G

# ---- --set garbage ----------------------------------------------------------
check "--set without =" "--set 'garbage': expected KEY=VALUE" run "$Q" --set garbage
check "--set without a key" "--set =5: expected KEY=VALUE" run "$Q" --set =5
check "--set empty key name" "--set a..b=1: empty key name in 'a..b'" run "$Q" --set a..b=1
check "--set into a scalar" "--set machine.memory.x=1: key machine.memory: is a scalar, not a mapping" \
	run "$Q" --set machine.memory.x=1
check "--set bad duration" "--set duration=abc: key duration: duration = 'abc' is not a duration" \
	run "$Q" --set duration=abc
check "--set bad flow YAML" "--set duration=[1,2: flow sequence without a closing bracket" run "$Q" --set 'duration=[1,2'
check "--set bad distribution" "--set workloads.apps.arrival=exp(: key workloads.apps.arrival: arrival = 'exp(': " \
	run "$Q" --set 'workloads.apps.arrival=exp('
check "--set include" "--set include=x.yaml: key include: includes cannot be added with --set" \
	run "$Q" --set include=x.yaml
check "--set unknown policy" "--set policy.name=nosuch: key policy.name: unknown policy 'nosuch'" \
	run "$Q" --set policy.name=nosuch
check "--set 0 CPUs" "--set machine.cpus=0: key machine.cpus: cpus = 0 is out of range [1, 4096]" \
	run "$Q" --set machine.cpus=0

# ---- Resource limits ----------------------------------------------------------
check "machine larger than the host" \
	"quick.yaml: key machine.memory: 4026793984 pfns (15361.0 GiB of physical addresses) need about 60.2 GiB" \
	env FRAGSIM_MEM_AVAILABLE=16G "$FRAGSIM" run "$Q" --set machine.memory=15T --no-progress --out "$T/out.d"
check "machine larger than the host (advice)" "need about 72 MiB for the model (16 bytes per 4 KiB page + 64 MiB), but this machine has 50 MiB available (MemAvailable); use a smaller machine, or set FRAGSIM_NO_MEMCHECK=1 to try anyway" \
	env FRAGSIM_MEM_AVAILABLE=50M "$FRAGSIM" run "$Q" --set duration=1s --no-progress --out "$T/out.d"

# ---- Snapshot inputs ----------------------------------------------------------
snap() {
	"$FRAGSIM" snapshot -q -o "$T/x.state" "$@"
}
head -c 65531 "$KPF" >kpf7.bin
check "kpageflags not a multiple of 8 bytes" \
	"kpf7.bin: 65531 bytes is not a whole number of 8-byte entries (truncated at offset 65528?)" \
	snap --kpageflags kpf7.bin --zoneinfo "$ZI"
head -c 32768 "$KPF" >kpfhalf.bin
check "kpageflags shorter than the zones" \
	"kpfhalf.bin: truncated: 4096 entries (pfn 0..0xfff, 32768 bytes), but zone DMA32 ends at pfn 0x2000" \
	snap --kpageflags kpfhalf.bin --zoneinfo "$ZI"
: >kpf0.bin
check "empty kpageflags" "kpf0.bin: truncated: 0 entries" snap --kpageflags kpf0.bin --zoneinfo "$ZI"
head -c 32768 "$KPF" >kpc.bin
check "kpagecount of another size" "kpc.bin: 32768 bytes, but" \
	snap --kpageflags "$KPF" --kpagecount kpc.bin --zoneinfo "$ZI"
printf '\050\265\057\375junkjunk' >corrupt.zst
check "corrupt zstd dump" "corrupt.zst: zstd could not decompress it (truncated or corrupt" \
	snap --kpageflags corrupt.zst --zoneinfo "$ZI"
head -c 100000000 /dev/zero | zstd -q -c >bomb.zst
check "zstd bomb as zoneinfo" "bomb.zst: decompresses to more than 64 MiB: not a file of this kind" \
	snap --kpageflags "$KPF" --zoneinfo bomb.zst
printf 'garbage\n' >zi-garbage.txt
check "not a zoneinfo" "zi-garbage.txt: no \"Node N, zone NAME\" line: not a /proc/zoneinfo file" \
	snap --kpageflags "$KPF" --zoneinfo zi-garbage.txt
sed 's/spanned  4096/spanned  18446744073709551615/' "$ZI" >zi-span.txt
check "zone spanning 2^64 pages" "zi-span.txt:17: zone DMA32: start_pfn 0x1000 + spanned 18446744073709551615 ends beyond pfn 2^40" \
	snap --kpageflags "$KPF" --zoneinfo zi-span.txt
sed 's/start_pfn:           4096/start_pfn:           8192/' "$ZI" >zi-gap.txt
check "zones not adjacent" "zi-gap.txt:17: zone DMA32 starts at pfn 0x2000, not where the zone before ends (0x1000)" \
	snap --kpageflags "$KPF" --zoneinfo zi-gap.txt
sed 's/^Node 0, zone    DMA32/Node 1, zone    DMA32/' "$ZI" >zi-node.txt
check "two-node zoneinfo" "zi-node.txt:17: node 1: only one-node machines can be imported" \
	snap --kpageflags "$KPF" --zoneinfo zi-node.txt
sed 's/^Node 0, zone    DMA32/Node 0, zone    DMA32withaverylongname/' "$ZI" >zi-name.txt
check "zone name longer than any kernel zone" "zi-name.txt:17: zone name 'DMA32withaverylongname' too long (the kernel's are DMA, DMA32, Normal, Movable, Device)" \
	snap --kpageflags "$KPF" --zoneinfo zi-name.txt
printf 'zz\n' >iomem-bad.txt
check "not an iomem" "iomem-bad.txt:1: expected \"START-END : NAME\"" \
	snap --kpageflags "$KPF" --zoneinfo "$ZI" --iomem iomem-bad.txt
printf '00000000-00000000 : System RAM\n' >iomem-user.txt
check "iomem read without root" "iomem-user.txt: no System RAM ranges (all addresses are 0: read /proc/iomem as root)" \
	snap --kpageflags "$KPF" --zoneinfo "$ZI" --iomem iomem-user.txt
printf '00001000-00ffffff : System RAM\n' >iomem-small.txt
check "iomem and zoneinfo disagree" "iomem-small.txt and $ZI disagree: zone DMA has 4095 present pages by System RAM, 3998 in zoneinfo" \
	snap --kpageflags "$KPF" --zoneinfo "$ZI" --iomem iomem-small.txt
printf 'Number of blocks type     Unmovable  Bogus\n' >pt-bad.txt
check "unknown migratetype column" "pt-bad.txt:1: unknown migratetype column 'Bogus'" \
	snap --kpageflags "$KPF" --zoneinfo "$ZI" --pagetypeinfo pt-bad.txt

# ---- Corrupt state files --------------------------------------------------------
stcopy() { # stcopy OUT PYTHON-EXPRESSION-OF-b
	python3 -c "import sys; b = bytearray(open(sys.argv[1], 'rb').read()); b = $2; open(sys.argv[2], 'wb').write(bytes(b))" \
		"$STATE" "$1"
}
if command -v python3 >/dev/null 2>&1; then
	stcopy st-magic.state "b'XXXXXXXX' + b[8:]"
	check "state: no magic" "st-magic.state: not a fragsim state file (no FRAGSTAT magic at offset 0" \
		"$FRAGSIM" proc buddyinfo st-magic.state
	stcopy st-version.state "b[:8] + bytes([9]) + b[9:]"
	check "state: other version" "st-version.state: state file version 9, this fragsim reads version 1" \
		"$FRAGSIM" proc buddyinfo st-version.state
	stcopy st-hdr.state "b[:20] + bytes([b[20] ^ 0xff]) + b[21:]"
	check "state: header corrupt" "st-hdr.state: header CRC32 mismatch (offset 60): the header is corrupt" \
		"$FRAGSIM" proc buddyinfo st-hdr.state
	stcopy st-body.state "b[:100] + bytes([b[100] ^ 0xff]) + b[101:]"
	check "state: body corrupt" "st-body.state: body CRC32 mismatch (offsets 64.." \
		"$FRAGSIM" proc buddyinfo st-body.state
	stcopy st-trunc.state "b[:-10]"
	check "state: truncated" "st-trunc.state: truncated: the header announces" \
		"$FRAGSIM" proc buddyinfo st-trunc.state
	printf 'workloads: {a: {type: idle}}\ninit: {snapshot: st-body.state}\n' >initbad.yaml
	check "init.snapshot of a corrupt state" "initbad.yaml: key init.snapshot: st-body.state: body CRC32 mismatch" \
		run initbad.yaml
fi

echo "1..$N"
[ "$FAILED" -eq 0 ]
