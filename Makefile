# prefkit: one command per job. Every target that builds runs `deps` first, so any of
# them works alone on a fresh Debian/Ubuntu machine (root, or sudo-less apt as root).
SWIFT ?= swift
BUILD_FLAGS ?= -c release
BIN = .build/release
CASES ?=

.PHONY: deps build test bench clean pipeline

# The whole story on the embedded synthetic task: `make pipeline` (QUICK=1 for a small run).
# Stage variables (LOSS, BETA, SEED, RUN, *_ARGS) pass through to pipelines/demo.mk.
pipeline: build
	@start=$$(date +%s); $(MAKE) --no-print-directory -f pipelines/demo.mk demo START=$$start

deps:
	@if ! pkg-config --exists openblas libzstd 2>/dev/null; then \
		echo "installing libopenblas-dev libzstd-dev pkg-config"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libopenblas-dev libzstd-dev pkg-config >/dev/null; \
	fi

build: deps
	$(SWIFT) build $(BUILD_FLAGS)

# Release mode: the numeric tests run real model math; debug builds would take minutes.
test: deps
	$(SWIFT) build $(BUILD_FLAGS) --build-tests
	$(SWIFT) test $(BUILD_FLAGS) --skip-build

# Prints the benchmark table and writes runs/bench/results.json; CASES=a,b runs only those.
bench: build
	$(BIN)/prefkit-bench run --out runs/bench/results.json $(if $(CASES),--cases $(CASES),)

clean:
	rm -rf .build runs
