# HeapLab: `make run` and `make test` do the whole set-up on a fresh Debian 12 machine.
PRESET   ?= dev
JOBS     ?= $(shell nproc)
WORKLOAD ?= workloads/request-churn.js
NODE_RUNS ?= 1

.PHONY: all deps configure build run test test-dev test-asan fuzz format format-check bench bench-node screenshots fidelity calibrate clean

all: build

deps:
	@bash scripts/install-deps.sh

configure: deps
	@cmake --preset $(PRESET) -DHEAPLAB_WERROR=$(if $(CI),ON,OFF) >/dev/null

build: configure
	@cmake --build --preset $(PRESET) -j $(JOBS)

run: build
	./build/bin/heaplab $(WORKLOAD)

# The whole suite: the dev build's tests, the same tests again under ASan+UBSan, a bounded
# libFuzzer run of the trace-log parser, and the format/layout checks.
test: test-dev test-asan fuzz format-check

test-dev: build
	ctest --preset dev

test-asan: deps
	@cmake --preset dev-asan -DHEAPLAB_WERROR=$(if $(CI),ON,OFF) >/dev/null
	@cmake --build --preset dev-asan -j $(JOBS)
	ctest --preset dev-asan

FUZZ_SECONDS ?= 60
fuzz: deps
	bash scripts/fuzz.sh $(FUZZ_SECONDS)

format:
	@git ls-files '*.cc' '*.cpp' '*.h' | xargs clang-format -i

format-check: deps
	@bash scripts/check-format.sh

screenshots: build
	bash scripts/screenshots.sh build/bin/heaplab

bench: build
	./build/bin/heaplab-bench

# Each shipped workload's wall time in HeapLab against node's, unpaced (best of 3).
bench-node: build
	bash bench/workloads-vs-node.sh build/bin/heaplab-cli 3

# docs/fidelity.md: every shipped workload in real node and in HeapLab (a few minutes).
fidelity: build
	bash scripts/fidelity.sh build/bin/heaplab-cli $(NODE_RUNS)

# Fit the simulator's speeds to real node on this machine; saves ~/.config/heaplab/calibration.flags.
calibrate: build
	./build/bin/heaplab-cli calibrate --node-runs 3

clean:
	rm -rf build build-asan build-release build-fuzz
