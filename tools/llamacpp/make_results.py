#!/usr/bin/env python3
"""Summarise measure.py JSONs into markdown (stdout).

usage: make_results.py DIR [DIR ...]   (each DIR holds bf16.json/f16.json/f32.json from one run_all.sh pass)
"""
import json, os, statistics as st, sys

dirs = sys.argv[1:] or [os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")]
DT = ["bf16", "f16", "f32"]
data = {d: {t: json.load(open(os.path.join(d, f"{t}.json")))
            for t in DT if os.path.exists(os.path.join(d, f"{t}.json"))} for d in dirs}
f = lambda xs: ", ".join(f"{x:.1f}" for x in xs)
any_r = next(r for d in data.values() for r in d.values())

print("# llama.cpp CPU sampling speed — random-weight Qwen2-0.5B shape\n")
print(f"llama-cpp-python {any_r['llama_cpp_python']} (vendored llama.cpp ggml-org/llama.cpp@0c1e57098, ggml 0.25.3), "
      f"n_threads={any_r['n_threads']}, n_ctx={any_r['n_ctx']}, n_batch={any_r['n_batch']}, "
      f"prompt = {any_r['prompt_len']} random token ids, {any_r['gen']} sampled tokens "
      f"(top_k=50, temp=1.0, EOS ignored), batch 1. Each pass = for each dtype a fresh process under "
      f"`flock /tmp/prefkit-build.lock`: 1 warm-up + {len(any_r['runs'])} timed runs.\n")
print(f"system_info: `{any_r['system_info'].strip()}`\n")
print("Definitions: **e2e** = 64 / wall(generate() start → 64th token), includes the 32-token prompt; "
      "**decode (llama)** = n_eval / t_eval from llama_perf_context (63 single-token llama_decode calls, "
      "sampling excluded); **decode (wall)** = 63 / wall(1st → 64th token), includes top-k sampling over "
      "151936 logits + Python overhead; **prompt** = 32 / t_p_eval. Peak RSS = ru_maxrss of the "
      "measuring process (model is mmapped; file-backed pages count).\n")

# overall summary
print("## Summary over all passes (median [min–max] of all timed runs)\n")
print("| dtype | runs | e2e tok/s | decode tok/s (llama t_eval) | decode tok/s (wall, incl. sampling) | prompt tok/s | peak RSS MiB |")
print("|---|---|---|---|---|---|---|")
for t in DT:
    R = [x for d in dirs if t in data[d] for x in data[d][t]["runs"]]
    if not R: continue
    rss = [data[d][t]["peak_rss_kb"] / 1024 for d in dirs if t in data[d]]
    def s(k):
        v = [x[k] for x in R]
        return f"{st.median(v):.1f} [{min(v):.1f}–{max(v):.1f}]"
    print(f"| {t} | {len(R)} | {s('e2e_tok_s')} | {s('decode_tok_s_llama')} | {s('decode_tok_s_wall')} | "
          f"{s('prompt_tok_s_llama')} | {max(rss):.0f} |")
print()

for d in dirs:
    print(f"## {os.path.relpath(d, os.path.dirname(os.path.abspath(__file__)))}\n")
    print("| dtype | GGUF size | e2e tok/s (per run) | decode tok/s, llama (per run) | decode tok/s, wall (per run) | prompt tok/s (per run) | first-token ms | peak RSS MiB |")
    print("|---|---|---|---|---|---|---|---|")
    for t in DT:
        if t not in data[d]: continue
        r = data[d][t]; R = r["runs"]
        print(f"| {t} | {r['model_bytes']/2**20:.0f} MiB | {f([x['e2e_tok_s'] for x in R])} | "
              f"{f([x['decode_tok_s_llama'] for x in R])} | {f([x['decode_tok_s_wall'] for x in R])} | "
              f"{f([x['prompt_tok_s_llama'] for x in R])} | {f([x['first_token_s']*1e3 for x in R])} | "
              f"{r['peak_rss_kb']/1024:.0f} |")
    print()
    for t in DT:
        if t not in data[d]: continue
        r = data[d][t]
        print(f"- {t}: load {r['load_s']:.2f}s, RSS after load {r['mem_after_load_kb'].get('VmRSS', 0)/1024:.0f} MiB, "
              f"identical sampled tokens in every run: {r['same_tokens_every_run']}, first tokens {r['runs'][0]['tokens_head']}")
    print()
