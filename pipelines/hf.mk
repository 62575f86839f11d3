# Bring your own model: the same chain from a Hugging Face checkpoint and your data, no
# synthesis or SFT. MODEL=DIR (config.json, *.safetensors, tokenizer.json) PREFS=F (preference
# JSONL) PROMPTS=F ({"id","prompt"} JSONL); TEST_PREFS=F optional (default PREFS).
# DPO trains a LoRA adapter (LORA_R, 0 for full fine-tuning) against the adapter-off reference,
# with reference log-probs precomputed. Conversational data goes through the model's own chat
# template (TRL's rule); TEMPLATE=plain|chatml|qa|chat_template|FILE forces one on every stage.
# Conversational example: make pipeline-hf MODEL=DIR PREFS=examples/chat_prefs.jsonl PROMPTS=examples/chat_prompts.jsonl

BIN        ?= .build/release
RUN        ?= runs/hf
TEMPLATE   ?=
TEST_PREFS ?= $(PREFS)
LOSS       ?= sigmoid
BETA       ?= 0.1
LORA_R     ?= 8
MAX_LENGTH ?= 512
RM_ARGS    ?= --epochs 1 --batch-size 8 --lr 1e-5
DPO_ARGS   ?= --epochs 1 --batch-size 8 --lr 5e-5
GEN_ARGS   ?= --num-samples-per-prompt 2 --max-new-tokens 64 --temperature 0.7 --top-p 0.95
TEMPLATE_ARG = $(if $(TEMPLATE),--template $(TEMPLATE))
DATA_ARGS   = $(TEMPLATE_ARG) --max-length $(MAX_LENGTH)

ifndef MODEL
$(error MODEL=DIR is required (a Hugging Face model directory))
endif
ifndef PREFS
$(error PREFS=F is required (preference pairs, JSONL))
endif
ifndef PROMPTS
$(error PROMPTS=F is required ({"id","prompt"} JSONL))
endif

.PHONY: hf
hf: $(RUN)/compare.html

$(RUN)/rm/model.safetensors: $(PREFS)
	$(BIN)/rm-train --model $(MODEL) --data $(PREFS) --out $(RUN)/rm $(DATA_ARGS) $(RM_ARGS)

$(RUN)/rm_test_scores.jsonl.zst: $(RUN)/rm/model.safetensors
	$(BIN)/rm-score --model $(RUN)/rm --data $(TEST_PREFS) $(TEMPLATE_ARG) --out $@ --summary $(RUN)/rm_test_summary.json --quiet

$(RUN)/ref_logps.safetensors.zst: $(PREFS)
	$(BIN)/dpo-train precompute-ref --model $(MODEL) --data $(PREFS) $(DATA_ARGS) --out $@ --quiet

$(RUN)/dpo/prefkit.json: $(RUN)/ref_logps.safetensors.zst
	$(BIN)/dpo-train --model $(MODEL) --ref-logps $< --data $(PREFS) --out $(RUN)/dpo $(DATA_ARGS) \
		--loss-type $(LOSS) --beta $(BETA) $(if $(filter-out 0,$(LORA_R)),--lora-r $(LORA_R),) $(DPO_ARGS)

$(RUN)/gen_base.jsonl.zst: $(PROMPTS)
	$(BIN)/generate --model $(MODEL) --prompts $(PROMPTS) $(TEMPLATE_ARG) --out $@ $(GEN_ARGS)

$(RUN)/gen_dpo.jsonl.zst: $(RUN)/dpo/prefkit.json
	$(BIN)/generate --model $(RUN)/dpo --prompts $(PROMPTS) $(TEMPLATE_ARG) --out $@ $(GEN_ARGS)

$(RUN)/scores_%.jsonl.zst: $(RUN)/gen_%.jsonl.zst $(RUN)/rm/model.safetensors
	$(BIN)/rm-score --model $(RUN)/rm --data $< --label $* $(TEMPLATE_ARG) --out $@ --summary $(RUN)/summary_$*.json --quiet

$(RUN)/compare.html: $(RUN)/rm_test_scores.jsonl.zst $(RUN)/scores_base.jsonl.zst $(RUN)/scores_dpo.jsonl.zst
	$(BIN)/rm-score compare $(RUN)/scores_base.jsonl.zst $(RUN)/scores_dpo.jsonl.zst --out $@
