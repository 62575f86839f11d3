# Online iterative DPO on the demo task (ROUNDS=k): each round samples SAMPLES responses per
# training prompt from the current policy, scores them with the reward model, pairs best vs
# worst (rm-score pairs), and runs dpo-train from the current policy, which is also that
# round's reference. Every round's policy is then scored on the evaluation prompts, and one
# report overlays the score histograms of all rounds.
include pipelines/demo.mk

ROUNDS   ?= 2
SAMPLES  ?= 8
ITER     := $(RUN)/iterative
ITER_DPO ?= --epochs 2 --batch-size 16 --lr 2e-4 --beta 0.1
ROUND_IDS := $(shell seq 1 $(ROUNDS))

.PHONY: iterative
iterative: $(ITER)/compare.html

# Round r trains from round r-1's policy (round 0 is the SFT model).
policy_dir = $(if $(filter 0,$(1)),$(RUN)/sft,$(ITER)/round$(1)/policy)
policy_file = $(if $(filter 0,$(1)),$(RUN)/sft/model.safetensors,$(ITER)/round$(1)/policy/prefkit.json)

define ROUND
$(ITER)/round$(1)/samples.jsonl.zst: $(call policy_file,$(2)) $(DATA)/task.json
	$(BIN)/generate --model $(call policy_dir,$(2)) --prompts $(DATA)/train_prompts.jsonl.zst --out $$@ \
		--num-samples-per-prompt $(SAMPLES) --max-new-tokens 48 --template plain --temperature 1 --top-k 50 --seed $(1)$(SEED)
$(ITER)/round$(1)/scored.jsonl.zst: $(ITER)/round$(1)/samples.jsonl.zst $(RUN)/rm/model.safetensors
	$(BIN)/rm-score --model $(RUN)/rm --data $$< --gold reviews --out $$@ --summary $(ITER)/round$(1)/samples_summary.json --quiet > /dev/null
$(ITER)/round$(1)/pairs.jsonl.zst: $(ITER)/round$(1)/scored.jsonl.zst
	$(BIN)/rm-score pairs --scores $$< --out $$@ --min-gap 0.1
$(ITER)/round$(1)/policy/prefkit.json: $(ITER)/round$(1)/pairs.jsonl.zst
	$(BIN)/dpo-train --model $(call policy_dir,$(2)) --data $$< --out $(ITER)/round$(1)/policy $(ITER_DPO) $(COMMON_TRAIN) --quiet
$(ITER)/scores_round$(1).jsonl.zst: $(ITER)/round$(1)/policy/prefkit.json $(RUN)/rm/model.safetensors
	$(BIN)/generate --model $(ITER)/round$(1)/policy --prompts $(DATA)/eval_prompts.jsonl.zst --out $(ITER)/gen_round$(1).jsonl.zst $(GEN_ARGS) $(GEN_COMMON)
	$(BIN)/rm-score --model $(RUN)/rm --data $(ITER)/gen_round$(1).jsonl.zst --gold reviews --label round$(1) --out $$@ --summary $(ITER)/summary_round$(1).json --quiet > /dev/null
endef
$(foreach r,$(ROUND_IDS),$(eval $(call ROUND,$(r),$(shell echo $$(($(r) - 1))))))

$(ITER)/compare.html: $(RUN)/scores_base.jsonl.zst $(foreach r,$(ROUND_IDS),$(ITER)/scores_round$(r).jsonl.zst)
	$(BIN)/rm-score compare $^ --out $@
