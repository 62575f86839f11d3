# β / loss sweep on the embedded task: the demo chain's SFT model, reward model and reference
# log-probs are made once (in SWEEP/base), then one DPO run per (loss, β, seed) trains from them,
# samples the eval prompts at temperature 1 (so the mean log-ratio estimates KL(π‖π_ref)), and is
# scored by the reward model and the gold reward with its KL to the SFT model. pipeline-report
# sweep draws the reward–KL frontier: SWEEP/report.html and SWEEP/summary.json.
#   make sweep BETAS=0.02,0.05,0.1,0.3,1 LOSSES=sigmoid,ipo,simpo [SEEDS=1,2] [QUICK=1]

BIN   ?= .build/release
SWEEP ?= runs/sweep
BASE  := $(SWEEP)/base
comma := ,

ifeq ($(QUICK),1)
  BETAS      ?= 0.1,1
  LOSSES     ?= sigmoid,ipo
  SWEEP_DPO  ?= --epochs 1 --batch-size 32 --lr 1e-4
  SWEEP_GEN  ?= --num-samples-per-prompt 1 --max-new-tokens 32
else
  BETAS      ?= 0.02,0.05,0.1,0.3,1
  LOSSES     ?= sigmoid,ipo,simpo
  SWEEP_DPO  ?= --epochs 2 --batch-size 32 --lr 2e-4
  SWEEP_GEN  ?= --num-samples-per-prompt 4 --max-new-tokens 48
endif
SEEDS ?= 1
SWEEP_TRAIN ?= --warmup-steps 10 --schedule cosine --max-length 128 --quiet
# Temperature 1 and no top-k/top-p: samples come from π itself, as the KL estimate needs.
SWEEP_SAMPLING ?= --template plain --temperature 1 --batch-size 16

list = $(subst $(comma), ,$(1))
RUNS := $(foreach l,$(call list,$(LOSSES)),$(foreach b,$(call list,$(BETAS)),$(foreach s,$(call list,$(SEEDS)),$(l)_b$(b)_s$(s))))
SCORES := $(RUNS:%=$(SWEEP)/runs/%/scores.jsonl.zst)

.PHONY: sweep
sweep: $(SWEEP)/report.html

# The shared starting point: the demo chain up to the reference log-probs, once.
$(BASE)/ref_logps.safetensors.zst $(BASE)/rm/model.safetensors $(BASE)/sft/model.safetensors &:
	$(MAKE) --no-print-directory -f pipelines/demo.mk RUN=$(BASE) $(BASE)/ref_logps.safetensors.zst $(BASE)/rm/model.safetensors

$(SWEEP)/scores_base.jsonl.zst: $(BASE)/rm/model.safetensors
	$(BIN)/generate --model $(BASE)/sft --prompts $(BASE)/data/eval_prompts.jsonl.zst --out $(SWEEP)/gen_base.jsonl.zst \
		$(SWEEP_GEN) $(SWEEP_SAMPLING) --seed 1
	$(BIN)/rm-score --model $(BASE)/rm --data $(SWEEP)/gen_base.jsonl.zst --gold reviews --label base \
		--policy $(BASE)/sft --reference $(BASE)/sft --out $@ --summary $(SWEEP)/summary_base.json --quiet

# One run: LOSS_bBETA_sSEED → train, sample, score.
define SWEEP_RUN
$(SWEEP)/runs/$(1)_b$(2)_s$(3)/scores.jsonl.zst: $(BASE)/ref_logps.safetensors.zst $(BASE)/rm/model.safetensors
	$(BIN)/dpo-train --model $(BASE)/sft --ref-logps $(BASE)/ref_logps.safetensors.zst --data $(BASE)/data/train_prefs.jsonl.zst \
		--out $$(@D)/dpo --loss-type $(1) --beta $(2) --seed $(3) $(SWEEP_DPO) $(SWEEP_TRAIN)
	$(BIN)/generate --model $$(@D)/dpo --prompts $(BASE)/data/eval_prompts.jsonl.zst --out $$(@D)/gen.jsonl.zst \
		$(SWEEP_GEN) $(SWEEP_SAMPLING) --seed $(3)
	$(BIN)/rm-score --model $(BASE)/rm --data $$(@D)/gen.jsonl.zst --gold reviews --label dpo \
		--policy $$(@D)/dpo --reference $(BASE)/sft --out $$@ --summary $$(@D)/summary.json --quiet
endef
$(foreach l,$(call list,$(LOSSES)),$(foreach b,$(call list,$(BETAS)),$(foreach s,$(call list,$(SEEDS)),\
	$(eval $(call SWEEP_RUN,$(l),$(b),$(s))))))

$(SWEEP)/report.html: $(SWEEP)/scores_base.jsonl.zst $(SCORES)
	$(BIN)/pipeline-report sweep --dir $(SWEEP)
