#!/usr/bin/env python3
"""Make a random-weight Qwen2-0.5B-shaped HF checkpoint (bf16 safetensors) plus a
small byte-level BPE tokenizer, in /work/llama-cmp/qwen05b.

Run with a python that has torch, transformers, safetensors, tokenizers, e.g.
  nice -n 19 /tmp/fixvenv/bin/python make_checkpoint.py
"""
import json, math, os, sys
import torch
from transformers import Qwen2Config, Qwen2ForCausalLM, PreTrainedTokenizerFast
from tokenizers import Tokenizer, models, pre_tokenizers, decoders, trainers, processors

OUT = sys.argv[1] if len(sys.argv) > 1 else "/work/llama-cmp/qwen05b"
os.makedirs(OUT, exist_ok=True)
torch.manual_seed(0)

cfg = Qwen2Config(
    vocab_size=151936, hidden_size=896, intermediate_size=4864,
    num_hidden_layers=24, num_attention_heads=14, num_key_value_heads=2,
    tie_word_embeddings=True, max_position_embeddings=32768,
    rope_theta=1e6, rms_norm_eps=1e-6, hidden_act="silu",
    bos_token_id=None, eos_token_id=None,
)
# transformers 5.x may keep rope_theta in rope_parameters; make sure it's 1e6 either way
try:
    if getattr(cfg, "rope_parameters", None) is not None:
        cfg.rope_parameters["rope_theta"] = 1e6
except Exception:
    pass

model = Qwen2ForCausalLM(cfg)
model.eval()

# Uniform init with std 0.02: U(-a, a) with a = 0.02*sqrt(3). Norm weights 1, biases 0.
a = 0.02 * math.sqrt(3.0)
with torch.no_grad():
    for name, p in model.named_parameters():
        if name.endswith("norm.weight") or "layernorm" in name:
            p.fill_(1.0)
        elif name.endswith(".bias"):
            p.zero_()
        else:
            p.uniform_(-a, a)

model = model.to(torch.bfloat16)
model.config.dtype = torch.bfloat16  # transformers 5 name
try:
    model.config.torch_dtype = torch.bfloat16  # transformers 4 name
except Exception:
    pass
model.save_pretrained(OUT, safe_serialization=True)

n = sum(p.numel() for p in model.parameters())
print(f"params (tied, unique): {n:,}")

# ---- tokenizer: tiny byte-level BPE trained on a synthetic corpus ----
tok = Tokenizer(models.BPE(unk_token=None))
tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
tok.decoder = decoders.ByteLevel()
tok.post_processor = processors.ByteLevel(trim_offsets=False)
trainer = trainers.BpeTrainer(
    vocab_size=1000,
    initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    special_tokens=[],
    show_progress=False,
)
corpus = [
    "The quick brown fox jumps over the lazy dog. " * 4,
    "Hello world! This is a small random tokenizer for a benchmark checkpoint.",
    "def main():\n    print('hello')\n    return 0\n",
    "0123456789 10 100 1000 3.14159 2.71828",
] * 50
tok.train_from_iterator(corpus, trainer=trainer)
base = tok.get_vocab_size()
# One special token (EOS) right after the BPE vocab. The HF tokenizer therefore has
# only ~1001 entries; convert_hf_to_gguf.py pads ids [base+1, 151936) with
# "[PAD{i}]" tokens (type UNUSED) up to config.vocab_size, so the GGUF vocab has
# exactly n_vocab = 151936 entries.
tok.add_special_tokens(["<|endoftext|>"])
fast = PreTrainedTokenizerFast(
    tokenizer_object=tok,
    bos_token=None, eos_token="<|endoftext|>", pad_token="<|endoftext|>",
    unk_token=None, model_max_length=32768,
)
fast.save_pretrained(OUT)
print("tokenizer vocab size:", tok.get_vocab_size(), "base BPE:", base)
print("saved to", OUT, os.listdir(OUT))
