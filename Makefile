# Convenience entry points; the build itself is CMake (CMakePresets.json).
#   make demo   install what is missing, build, run the demo on the default machine
#   make test   install what is missing, build, run every test suite (plain and ASan+UBSan),
#               and the threaded suites under ThreadSanitizer
JOBS ?= $(shell getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)

.PHONY: deps build demo test test-default test-asan test-tsan bench clean

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

test: test-default test-asan test-tsan

bench: build
	./build/bin/ntsim-bench

clean:
	rm -rf build build-asan build-tsan
