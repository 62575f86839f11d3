# prefkit: one command per job. Every target that builds runs `deps` first, so any of
# them works alone on a fresh Debian/Ubuntu machine (root, or sudo-less apt as root).
SWIFT ?= swift
BUILD_FLAGS ?= -c release
BIN = .build/release
CASES ?=

.DEFAULT_GOAL := build
.PHONY: deps build test fuzz sanitize bench clean pipeline sweep pipeline-hf pipeline-iterative synth-data sft-train rm-train rm-score dpo-train generate tokenize

# The whole story on the embedded synthetic task: `make pipeline` (QUICK=1 for a small run).
# Stage variables (LOSS, BETA, SEED, RUN, *_ARGS) pass through to pipelines/demo.mk.
# NP=2 runs every training and inference stage as 2 MPI ranks (mpirun; --batch-size is per rank).
pipeline: build
	@start=$$(date +%s); $(MAKE) --no-print-directory -f pipelines/demo.mk demo START=$$start

# Your own model and data (see README): make pipeline-hf MODEL=DIR PREFS=F PROMPTS=F
pipeline-hf: build
	$(MAKE) --no-print-directory -f pipelines/hf.mk hf

# Which β and which loss: make sweep BETAS=0.02,0.05,0.1,0.3,1 LOSSES=sigmoid,ipo,simpo [SEEDS=1,2]
# [QUICK=1] → runs/sweep/report.html (the reward–KL frontier) and summary.json.
sweep: build
	$(MAKE) --no-print-directory -f pipelines/sweep.mk sweep

# Online iterative DPO on the demo task: make pipeline-iterative ROUNDS=2
pipeline-iterative: build
	$(MAKE) --no-print-directory -f pipelines/iterative.mk iterative

# Each demo stage on its own, with the demo's artifacts as inputs (make dpo-train LOSS=ipo BETA=0.5).
# Naming a stage reruns it (its output is removed first); what it needs is made only if missing.
DEMO = $(MAKE) --no-print-directory -f pipelines/demo.mk
RUN ?= runs/demo
synth-data: build ; rm -f $(RUN)/data/task.json && $(DEMO) $(RUN)/data/task.json
sft-train: build ; rm -f $(RUN)/sft/model.safetensors && $(DEMO) $(RUN)/sft/model.safetensors
rm-train: build ; rm -f $(RUN)/rm/model.safetensors && $(DEMO) $(RUN)/rm/model.safetensors
dpo-train: build ; rm -f $(RUN)/dpo/prefkit.json && $(DEMO) $(RUN)/dpo/prefkit.json
generate: build ; rm -f $(RUN)/gen_base.jsonl.zst $(RUN)/gen_dpo.jsonl.zst && $(DEMO) $(RUN)/gen_base.jsonl.zst $(RUN)/gen_dpo.jsonl.zst
rm-score: build
	rm -f $(RUN)/rm_test_scores.jsonl.zst $(RUN)/scores_base.jsonl.zst $(RUN)/scores_dpo.jsonl.zst
	$(DEMO) $(RUN)/rm_test_scores.jsonl.zst $(RUN)/scores_base.jsonl.zst $(RUN)/scores_dpo.jsonl.zst
# How a model's tokenizer splits text (needs only tokenizer.json in MODEL):
# make tokenize MODEL=DIR TEXT="Hello there"  or  make tokenize MODEL=DIR DATA=F OUT=F [TOKENIZE_ARGS=--no-special-tokens]
tokenize: build
	$(BIN)/tokenize --model $(MODEL) $(if $(DATA),--data $(DATA) --out $(OUT),--text "$(TEXT)") $(TOKENIZE_ARGS)

# Open MPI (mpirun, libmpi.so.40) for multi-rank runs and their tests: the stages load it at run
# time only under a launcher (README, "More than one process"), so the build does not need it.
deps:
	@if ! pkg-config --exists openblas libzstd zlib ompi-c 2>/dev/null || ! command -v mpirun >/dev/null; then \
		echo "installing libopenblas-dev libzstd-dev zlib1g-dev pkg-config openmpi-bin libopenmpi-dev"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libopenblas-dev libzstd-dev zlib1g-dev pkg-config \
			openmpi-bin libopenmpi-dev >/dev/null; \
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
# In-process rather than libFuzzer (no -sanitize=fuzzer runtime needed). Release builds keep
# bounds and overflow checks on (Core is -O, not -Ounchecked); `make sanitize` runs it under ASan.
FUZZ_CASES ?= 100000
FUZZ_SEED ?= 20240611
fuzz: build
	$(SWIFT) build $(BUILD_FLAGS) --build-tests
	FUZZ_CASES=$(FUZZ_CASES) FUZZ_SEED=$(FUZZ_SEED) $(SWIFT) test $(BUILD_FLAGS) --skip-build --filter 'FuzzTests|FuzzCorpusTests'

# The test suite under AddressSanitizer (with LeakSanitizer) plus SANITIZE_FUZZ_CASES fuzz
# cases per target (10 targets: 50,000 by default) and the hostile corpus, then the whole suite
# under ThreadSanitizer (the threaded kernels, the training loop, the stages the CLI tests
# start). Each sanitizer builds in its own folder, so the release build is left alone. Any
# report fails the run (halt_on_error; LeakSanitizer's exit code). Tests/Sanitizers/lsan.supp
# says which runtime-library leaks are not ours. About 4-5 minutes on 2 cores.
SANITIZE_FUZZ_CASES ?= 5000
SAN_ENV = ASAN_OPTIONS=halt_on_error=1:detect_leaks=1 LSAN_OPTIONS=suppressions=$(CURDIR)/Tests/Sanitizers/lsan.supp \
	TSAN_OPTIONS=halt_on_error=1
sanitize: deps
	$(SWIFT) build -c release --build-tests --sanitize=address --build-path .build/asan
	$(SAN_ENV) FUZZ_CASES=$(SANITIZE_FUZZ_CASES) FUZZ_SEED=$(FUZZ_SEED) $(SWIFT) test -c release --skip-build --sanitize=address --build-path .build/asan
	$(SWIFT) build -c release --build-tests --sanitize=thread --build-path .build/tsan
	$(SAN_ENV) $(SWIFT) test -c release --skip-build --sanitize=thread --build-path .build/tsan

# Prints the benchmark table and writes runs/bench/results.json; CASES=a,b runs only those.
bench: build
	$(BIN)/prefkit-bench run --out runs/bench/results.json $(if $(CASES),--cases $(CASES),)

clean:
	rm -rf .build runs
