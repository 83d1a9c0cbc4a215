# fragsim - a thin wrapper over meson. The two commands of the README:
#   make demo   set up, build and run the main job
#   make test   set up, build and run every test
# Both install the Debian packages they need when missing (scripts/ensure-deps.sh).

BUILD      ?= build
ASAN_BUILD ?= build-asan
MESON_OPTS ?=
# Debian's python3 (the one that sees python3-* packages), not a pyenv shim.
export PYENV_VERSION := system

.PHONY: all deps build test demo sanitize bench clean

all: build

deps:
	@scripts/ensure-deps.sh

$(BUILD)/build.ninja: | deps
	meson setup $(BUILD) $(MESON_OPTS)

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

test: build
	meson test -C $(BUILD) --print-errorlogs

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
	meson setup $(ASAN_BUILD) -Db_sanitize=address,undefined -Db_lundef=false $(MESON_OPTS)

sanitize: deps $(ASAN_BUILD)/build.ninja
	ninja -C $(ASAN_BUILD)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		meson test -C $(ASAN_BUILD) --print-errorlogs --timeout-multiplier 4

bench: build
	meson test -C $(BUILD) --benchmark --verbose

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
