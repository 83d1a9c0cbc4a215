# fragsim - a thin wrapper over meson. The two commands of the README:
#   make demo   set up, build and run the main job
#   make test   set up, build and run every test: the suite (build/), the same suite
#               under AddressSanitizer + UBSan (make sanitize, build-asan/) and every
#               fuzz target for TEST_FUZZ_SECONDS (make fuzz, build-fuzz/)
# Also: make check (the suite in build/ only), make fuzz (FUZZ_SECONDS each, default 60).
# Both install the Debian packages they need when missing (scripts/ensure-deps.sh).

BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
# make fuzz: seconds per fuzz target; make test runs them for TEST_FUZZ_SECONDS.
FUZZ_SECONDS ?= 60
TEST_FUZZ_SECONDS ?= 20
MESON_OPTS ?=
# Debian's python3 (the one that sees python3-* packages), not a pyenv shim.
export PYENV_VERSION := system

.PHONY: all deps build check test demo sanitize fuzz fuzz-build bench release clean

all: build

deps:
	@scripts/ensure-deps.sh

$(BUILD)/build.ninja: | deps
	meson setup $(BUILD) $(MESON_OPTS)

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

check: build
	meson test -C $(BUILD) --print-errorlogs

# All three even when one fails (.ci/run counts the tests of each testlog.json).
test: build
	@rc=0; \
	meson test -C $(BUILD) --print-errorlogs || rc=1; \
	$(MAKE) --no-print-directory sanitize || rc=1; \
	$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$(TEST_FUZZ_SECONDS) || rc=1; \
	exit $$rc

# The main job: the default comparison (fragsim compare), scenarios/quick.yaml
# for 20 simulated seconds under linux and spb (the SPB RFC) with seeds 1-3, into a
# fresh out/ (fragsim.db, runs/*.h5, logs/, table.txt), the comparison table on
# stdout and the HTML report in out/report/ (path printed).
DEMO_POLICIES ?= linux,spb
DEMO_SEEDS    ?= 3
DEMO_DURATION ?= 20s
demo: build
	rm -rf out
	$(BUILD)/core/cli/fragsim compare scenarios/quick.yaml --policies $(DEMO_POLICIES) --seeds $(DEMO_SEEDS) \
		--set duration=$(DEMO_DURATION) --out out

$(ASAN_BUILD)/build.ninja: | deps
	meson setup $(ASAN_BUILD) -Db_sanitize=address,undefined -Db_lundef=false -Db_lto=false $(MESON_OPTS)

sanitize: deps $(ASAN_BUILD)/build.ninja
	ninja -C $(ASAN_BUILD)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp \
		meson test -C $(ASAN_BUILD) --print-errorlogs --timeout-multiplier 4

# libFuzzer targets (tests/fuzz/README.md): clang, ASan + UBSan, one meson test each.
$(FUZZ_BUILD)/build.ninja: | deps
	CC=clang meson setup $(FUZZ_BUILD) -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false \
		-Db_lto=false $(MESON_OPTS)

fuzz-build: deps $(FUZZ_BUILD)/build.ninja
	ninja -C $(FUZZ_BUILD)

fuzz: fuzz-build
	FUZZ_SECONDS=$(FUZZ_SECONDS) meson test -C $(FUZZ_BUILD) --suite fuzz --print-errorlogs

bench: build
	meson test -C $(BUILD) --benchmark --verbose

# The benchmark build (scripts/build-release.sh): build/'s flags without the compiled-in
# invariant checks, with profile-guided optimisation from a 90 s training run of rfc-256g.
# bench/run_bench and bench/ab_bench use it when it exists; identical results, faster.
RELEASE_BUILD ?= build-release
release: deps
	scripts/build-release.sh $(RELEASE_BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD) $(RELEASE_BUILD) $(RELEASE_BUILD).log
