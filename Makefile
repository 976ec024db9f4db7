# Convenience entry points; the build itself is CMake (CMakePresets.json).
#   make demo   install what is missing, build, run the demo on the default machine
#   make test   install what is missing, build, run every test suite three times (the Release
#               -Werror build, ASan+UBSan, ThreadSanitizer), then each fuzz target for a short budget
#   make grade LAB=lab1-hello   grade a teaching lab (docs/labs/)
#   make fuzz-long TARGET=reg SECONDS=1800   one fuzz target for longer (docs/fuzzing.md)
JOBS ?= $(shell getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)

.PHONY: deps build demo grade test test-default test-asan test-tsan test-fuzz fuzz-long bench clean

deps:
	@sh .ci/deps.sh

build: deps
	cmake --preset default
	cmake --build --preset default -j $(JOBS)

demo: build
	./build/bin/ntsim load build/drivers/echo.sys
	./build/bin/ntsim faults build/drivers/echo.sys
	./build/bin/ntsim run build/drivers/serial.sys --for 100ms
	./build/bin/ntsim run build/drivers/edu.sys --for 10ms
	./build/bin/ntsim run build/drivers/i8042kbd.sys --for 10ms
	./build/bin/ntsim run build/drivers/parallel.sys --for 10ms

test-default: deps
	cmake --preset ci
	cmake --build --preset ci -j $(JOBS)
	ctest --preset ci -j $(JOBS)

test-asan: deps
	cmake --preset asan
	cmake --build --preset asan -j $(JOBS)
	ctest --preset asan -j $(JOBS)

test-tsan: deps
	cmake --preset tsan
	cmake --build --preset tsan -j $(JOBS)
	ctest --preset tsan -j $(JOBS)

# libFuzzer needs clang with compiler-rt (Debian: clang, libclang-rt-dev; macOS: Homebrew llvm).
test-fuzz: deps
	cmake --preset fuzz
	cmake --build --preset fuzz -j $(JOBS) --target fuzzers
	ctest --preset fuzz -j $(JOBS)

TARGET ?= reg
SECONDS ?= 1800
fuzz-long: deps
	cmake --preset fuzz
	cmake --build --preset fuzz -j $(JOBS) --target fuzzers
	mkdir -p build-fuzz/tests/fuzz/corpus-$(TARGET)
	./build-fuzz/bin/fuzz_$(TARGET) -max_total_time=$(SECONDS) -print_final_stats=1 -timeout=10 \
	    build-fuzz/tests/fuzz/corpus-$(TARGET) tests/fuzz/corpus/$(TARGET)

test: test-default test-asan test-tsan test-fuzz

# Grade a teaching lab's skeleton (docs/labs/): make grade LAB=lab1-hello
LAB ?= lab1-hello
grade: build
	cmake --build --preset default --target grade-$(LAB)

bench: build
	./build/bin/ntsim-bench

clean:
	rm -rf build build-ci build-asan build-tsan build-fuzz
