# prefkit: one command per job. Every target that builds runs `deps` first, so any of
# them works alone on a fresh Debian/Ubuntu machine (root, or sudo-less apt as root).
SWIFT ?= swift
BUILD_FLAGS ?= -c release
BIN = .build/release
CASES ?=

.PHONY: deps build test fuzz bench clean

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

# A longer run of the fuzz harness CI runs (Tests/CoreTests/Fuzz*.swift): seeded random
# mutations of valid safetensors, JSONL (preference, SFT, rm-score input), tokenizer.json and
# zstd files; FUZZ_CASES per target (CI: ~5000 in all), FUZZ_SEED for another mutation stream.
# Failing inputs are kept in $TMPDIR/prefkit-fuzz-failures (a crash leaves last-<target>.*
# there); add the nasty ones to Tests/Fixtures/fuzz-corpus/<kind>/, which CI replays.
# In-process rather than libFuzzer (no -sanitize=fuzzer runtime needed). Release Core is
# -Ounchecked; `make fuzz BUILD_FLAGS="-c debug"` keeps bounds and overflow checks on.
FUZZ_CASES ?= 100000
FUZZ_SEED ?= 20240611
fuzz: build
	$(SWIFT) build $(BUILD_FLAGS) --build-tests
	FUZZ_CASES=$(FUZZ_CASES) FUZZ_SEED=$(FUZZ_SEED) $(SWIFT) test $(BUILD_FLAGS) --skip-build --filter 'FuzzTests|FuzzCorpusTests'

# Prints the benchmark table and writes runs/bench/results.json; CASES=a,b runs only those.
bench: build
	$(BIN)/prefkit-bench run --out runs/bench/results.json $(if $(CASES),--cases $(CASES),)

clean:
	rm -rf .build runs
