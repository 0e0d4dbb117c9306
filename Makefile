# vouch - the front door.  Everything real happens in CMake (presets in
# CMakePresets.json); this file only orders the steps.
#
#   make         install build dependencies, build (preset dev)
#   make check   every test: unit, conformance, fuzz replay, interop,
#                integration; then unit + conformance + fuzz replay again
#                under clang ASan+UBSan; then the style check
#   make demo    the main job on the bundled examples
#   make bench   benchmarks (preset release), one line of figures each

.PHONY: all build deps check check-dev check-asan style demo bench fuzz clean

all: build

deps:
	@scripts/install-deps

build: deps
	@cmake --preset dev >/dev/null
	@cmake --build --preset dev

check: deps check-dev check-asan style

check-dev: build
	ctest --preset dev

check-asan: deps
	@cmake --preset asan >/dev/null
	@cmake --build --preset asan
	ctest --preset asan

style:
	@scripts/check-style

demo: build
	@scripts/demo

bench: deps
	@cmake --preset release >/dev/null
	@cmake --build --preset release
	@bench/run

fuzz: deps
	@cmake --preset fuzz >/dev/null
	@cmake --build --preset fuzz
	@scripts/fuzz-all $${FUZZ_SECONDS:-60}

clean:
	rm -rf build
