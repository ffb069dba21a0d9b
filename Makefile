# Thin wrapper over CMake: each target installs what it needs and builds as needed.
#   make demo    run the appliance on the bundled demo capture and print a summary
#   make test    build (normal and ASan/UBSan) and run every test
#   make bench [BENCH=name]            run benchmarks against their peer tools
#   make fuzz FUZZ=name [FUZZ_SECONDS=n]  run one libFuzzer target
#   make install [PREFIX=/usr/local]
#   make package  Debian package (mamori_VERSION_ARCH.deb) in $(PKG_BUILD)

BUILD       ?= build
ASAN_BUILD  ?= build-asan
FUZZ_BUILD  ?= build-fuzz
PKG_BUILD   ?= build-package
JOBS        ?= $(shell nproc)
PREFIX      ?= /usr/local
FUZZ_SECONDS ?= 60
BENCH       ?=
FUZZ        ?=

.PHONY: all deps build build-asan demo test test-fast bench fuzz install package format clean

all: build

deps:
	@scripts/install-deps

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=$(PREFIX)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

$(ASAN_BUILD)/CMakeCache.txt:
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DMAMORI_SANITIZE=ON

build-asan: deps $(ASAN_BUILD)/CMakeCache.txt
	cmake --build $(ASAN_BUILD) -j $(JOBS)

demo: build
	@scripts/demo $(BUILD)

test: build build-asan
	@scripts/check-format
	cd $(BUILD) && ctest --output-on-failure -j 2
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j 2 -LE slow

bench: build
	@scripts/bench $(BUILD) $(BENCH)

$(FUZZ_BUILD)/CMakeCache.txt:
	CC=clang cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMAMORI_FUZZ=ON

fuzz: deps $(FUZZ_BUILD)/CMakeCache.txt
	cmake --build $(FUZZ_BUILD) -j $(JOBS)
	@scripts/fuzz $(FUZZ_BUILD) "$(FUZZ)" $(FUZZ_SECONDS)

install: build
	cmake --install $(BUILD)

# The Debian layout: /usr, /etc/mamori, /var/lib/mamori, plugins in /usr/lib/mamori/plugins.
$(PKG_BUILD)/CMakeCache.txt:
	cmake -S . -B $(PKG_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=OFF \
		-DCMAKE_INSTALL_PREFIX=/usr -DCMAKE_INSTALL_SYSCONFDIR=/etc \
		-DCMAKE_INSTALL_LOCALSTATEDIR=/var -DCMAKE_INSTALL_LIBDIR=lib

package: deps $(PKG_BUILD)/CMakeCache.txt
	cmake --build $(PKG_BUILD) -j $(JOBS)
	cmake --build $(PKG_BUILD) --target man
	cd $(PKG_BUILD) && cpack -G DEB
	@ls -1 $(PKG_BUILD)/mamori_*.deb

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD) $(PKG_BUILD)
