# The embedded demo: synthetic reviews task → SFT policy from scratch → reward model →
# DPO (reference log-probs precomputed) → generations before/after → scores → report.
# Every artifact is a file target, so a rerun redoes only what changed.
# QUICK=1 shrinks everything (CI: checks that every artifact is made and parses).

BIN   ?= .build/release
RUN   ?= runs/demo
# NP > 1: training and inference stages run as NP MPI ranks (--batch-size is per rank, so the
# global batch is NP × it). As root, mpirun needs --allow-run-as-root; --oversubscribe lets NP
# exceed the cores (each rank then takes cores / NP threads).
NP    ?= 1
MPIRUN_ARGS ?= --oversubscribe $(if $(filter 0,$(shell id -u)),--allow-run-as-root,)
RANKS := $(if $(filter-out 1,$(NP)),mpirun -np $(NP) $(MPIRUN_ARGS) ,)
SEED  ?= 1
DATA  := $(RUN)/data

ifeq ($(QUICK),1)
  SYNTH_ARGS ?= --train-pairs 600 --test-pairs 100 --sft 600 --eval-prompts 24
  SFT_ARGS   ?= --init-config nano --vocab-size 384 --epochs 1 --batch-size 32 --lr 3e-3
  RM_ARGS    ?= --epochs 1 --batch-size 32 --lr 1e-3
  DPO_ARGS   ?= --epochs 1 --batch-size 32 --lr 1e-4 --beta 0.1
  GEN_ARGS   ?= --num-samples-per-prompt 1 --max-new-tokens 32
  DPO_EVAL   ?= --eval-every 10 --eval-generate 8 --eval-max-new-tokens 32
  CHECKS     ?=
else
  SYNTH_ARGS ?=
  SFT_ARGS   ?= --init-config micro --vocab-size 512 --epochs 2 --batch-size 32 --lr 2e-3
  RM_ARGS    ?= --epochs 3 --batch-size 32 --lr 5e-4 --eval-every 75
  DPO_ARGS   ?= --epochs 2 --batch-size 32 --lr 2e-4 --beta 0.1
  GEN_ARGS   ?= --num-samples-per-prompt 4 --max-new-tokens 48
  DPO_EVAL   ?= --eval-every 50 --eval-generate 32 --eval-max-new-tokens 48
  CHECKS     ?= --min-rm-accuracy 0.9 --min-gold-gain 1.0
endif
COMMON_TRAIN ?= --warmup-steps 10 --schedule cosine --seed $(SEED) --max-length 128
LOSS  ?= sigmoid
BETA  ?=
GEN_COMMON ?= --template plain --temperature 1 --top-k 50 --seed $(SEED) --batch-size 16

.PHONY: demo demo-clean
demo: $(RUN)/report.html

$(DATA)/task.json:
	$(BIN)/synth-data --task reviews --seed $(SEED) --out $(DATA) $(SYNTH_ARGS)

$(RUN)/sft/model.safetensors: $(DATA)/task.json
	$(RANKS)$(BIN)/sft-train --data $(DATA)/sft.jsonl.zst --out $(RUN)/sft $(SFT_ARGS) $(COMMON_TRAIN)

$(RUN)/rm/model.safetensors: $(RUN)/sft/model.safetensors
	$(RANKS)$(BIN)/rm-train --model $(RUN)/sft --data $(DATA)/train_prefs.jsonl.zst --eval-data $(DATA)/test_prefs.jsonl.zst \
		--out $(RUN)/rm $(RM_ARGS) $(COMMON_TRAIN)

$(RUN)/rm_test_scores.jsonl.zst: $(RUN)/rm/model.safetensors
	$(RANKS)$(BIN)/rm-score --model $(RUN)/rm --data $(DATA)/test_prefs.jsonl.zst --out $@ --summary $(RUN)/rm_test_summary.json --quiet

$(RUN)/ref_logps.safetensors.zst: $(RUN)/sft/model.safetensors
	$(RANKS)$(BIN)/dpo-train precompute-ref --model $(RUN)/sft --data $(DATA)/train_prefs.jsonl.zst --eval-data $(DATA)/test_prefs.jsonl.zst \
		--max-length 128 --out $@ --quiet

# Evaluated on the test pairs; --eval-generate samples eval prompts during training and scores
# them with the reward model and gold (the report's curves of reward and KL over steps).
$(RUN)/dpo/prefkit.json: $(RUN)/ref_logps.safetensors.zst $(RUN)/rm/model.safetensors
	$(RANKS)$(BIN)/dpo-train --model $(RUN)/sft --ref-logps $< --data $(DATA)/train_prefs.jsonl.zst --out $(RUN)/dpo \
		--eval-data $(DATA)/test_prefs.jsonl.zst --reward-model $(RUN)/rm --gold reviews $(DPO_EVAL) \
		--loss-type $(LOSS) $(if $(BETA),--beta $(BETA),) $(DPO_ARGS) $(COMMON_TRAIN)

$(RUN)/gen_base.jsonl.zst: $(RUN)/sft/model.safetensors
	$(RANKS)$(BIN)/generate --model $(RUN)/sft --prompts $(DATA)/eval_prompts.jsonl.zst --out $@ $(GEN_ARGS) $(GEN_COMMON)

$(RUN)/gen_dpo.jsonl.zst: $(RUN)/dpo/prefkit.json
	$(RANKS)$(BIN)/generate --model $(RUN)/dpo --prompts $(DATA)/eval_prompts.jsonl.zst --out $@ $(GEN_ARGS) $(GEN_COMMON)

# Scored by the reward model and gold, with each sample's log-ratio against the SFT model (KL).
POLICY_base = $(RUN)/sft
POLICY_dpo  = $(RUN)/dpo
$(RUN)/scores_%.jsonl.zst: $(RUN)/gen_%.jsonl.zst $(RUN)/rm/model.safetensors
	$(RANKS)$(BIN)/rm-score --model $(RUN)/rm --data $< --gold reviews --label $* --policy $(POLICY_$*) --reference $(RUN)/sft \
		--out $@ --summary $(RUN)/summary_$*.json --quiet

$(RUN)/compare.html: $(RUN)/scores_base.jsonl.zst $(RUN)/scores_dpo.jsonl.zst
	$(BIN)/rm-score compare $^ --out $@

$(RUN)/report.html: $(RUN)/rm_test_scores.jsonl.zst $(RUN)/compare.html
	$(BIN)/pipeline-report --run $(RUN) $(if $(START),--wall-seconds $$(( $$(date +%s) - $(START) )),) $(CHECKS)

demo-clean:
	rm -rf $(RUN)
