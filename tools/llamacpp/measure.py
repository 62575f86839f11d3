#!/usr/bin/env python3
"""Measure llama.cpp (via llama-cpp-python 0.3.36) CPU sampling speed for one GGUF.

One process per dtype (so peak RSS is per dtype). Intended to be run as
  flock /tmp/prefkit-build.lock venv/bin/python measure.py --model gguf/qwen05b-bf16.gguf --label bf16 --out results/bf16.json

Per run: llm.reset() (forces the 32-token prompt to be re-processed; otherwise
llama-cpp-python would reuse the KV-cache prefix), llama_perf_context_reset(),
then llm.generate(prompt, top_k=50, temp=1.0, top_p=1, min_p=0, typical_p=1,
repeat_penalty=1) and stop after exactly 64 yielded tokens (EOS is never checked
by generate(), so EOS is effectively ignored).

Reported per run:
  e2e_tok_s         = 64 / (wall time from before generate() to the 64th token)
                      (includes prompt processing of 32 tokens + 63 single-token
                       decodes + 64 samplings + Python overhead)
  decode_tok_s_llama= n_eval / t_eval from llama_perf_context (llama.cpp's own
                      timer around single-token llama_decode calls; excludes sampling)
  decode_tok_s_wall = 63 / (wall time between 1st and 64th yielded token)
                      (includes sampling top-k over 151936 logits + Python overhead)
  prompt_tok_s_llama= n_p_eval / t_p_eval
"""
import argparse, json, os, random, resource, sys, time

import llama_cpp
from llama_cpp import Llama


def vm_status():
    out = {}
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(("VmRSS", "VmHWM", "RssAnon", "RssFile")):
                k, v = line.split(":", 1)
                out[k] = int(v.split()[0])  # kB
    return out


def cpu_times():
    # aggregate /proc/stat cpu line: user nice system idle iowait irq softirq steal (jiffies)
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:9]]
    return dict(zip(["user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal"], v))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--label", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--prompt-len", type=int, default=32)
    ap.add_argument("--gen", type=int, default=64)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--prompt-seed", type=int, default=1234)
    args = ap.parse_args()

    sysinfo = llama_cpp.llama_print_system_info().decode()
    print("system_info:", sysinfo, flush=True)

    t_load0 = time.perf_counter()
    llm = Llama(
        model_path=args.model,
        n_threads=args.threads,
        n_threads_batch=args.threads,
        n_ctx=512,
        n_batch=512,
        seed=1,
        verbose=False,
    )
    t_load = time.perf_counter() - t_load0
    n_vocab = llm.n_vocab()
    print(f"loaded {args.model} in {t_load:.2f}s, n_vocab={n_vocab}", flush=True)
    mem_after_load = vm_status()

    rng = random.Random(args.prompt_seed)
    prompt = [rng.randrange(151936) for _ in range(args.prompt_len)]
    ctx = llm._ctx.ctx

    def one_run():
        llm.reset()
        llama_cpp.llama_perf_context_reset(ctx)
        toks, stamps = [], []
        c0 = cpu_times()
        t0 = time.perf_counter()
        gen = llm.generate(prompt, top_k=50, top_p=1.0, min_p=0.0, typical_p=1.0,
                           temp=1.0, repeat_penalty=1.0)
        for tok in gen:
            stamps.append(time.perf_counter())
            toks.append(int(tok))
            if len(toks) == args.gen:
                break
        gen.close()
        t_end = stamps[-1]
        c1 = cpu_times()
        pc = llama_cpp.llama_perf_context(ctx)
        r = dict(
            n_generated=len(toks),
            wall_s=t_end - t0,
            e2e_tok_s=len(toks) / (t_end - t0),
            first_token_s=stamps[0] - t0,
            decode_tok_s_wall=(len(toks) - 1) / (t_end - stamps[0]),
            n_p_eval=pc.n_p_eval, t_p_eval_ms=pc.t_p_eval_ms,
            n_eval=pc.n_eval, t_eval_ms=pc.t_eval_ms,
            prompt_tok_s_llama=(pc.n_p_eval / pc.t_p_eval_ms * 1e3) if pc.t_p_eval_ms > 0 else None,
            decode_tok_s_llama=(pc.n_eval / pc.t_eval_ms * 1e3) if pc.t_eval_ms > 0 else None,
            tokens_head=toks[:8],
            # machine-wide jiffies during the run (diagnostic: steal>0 => hypervisor took CPU)
            cpu_jiffies_delta={k: c1[k] - c0[k] for k in c0},
        )
        return r, toks

    for i in range(args.warmup):
        r, _ = one_run()
        print(f"[{args.label}] warmup {i}: e2e {r['e2e_tok_s']:.2f} tok/s, "
              f"decode(llama) {r['decode_tok_s_llama']:.2f} tok/s", flush=True)

    runs, all_toks = [], []
    for i in range(args.runs):
        r, toks = one_run()
        runs.append(r)
        all_toks.append(toks)
        print(f"[{args.label}] run {i}: e2e {r['e2e_tok_s']:.2f} tok/s, "
              f"decode(llama) {r['decode_tok_s_llama']:.2f} tok/s (n_eval={r['n_eval']}), "
              f"decode(wall) {r['decode_tok_s_wall']:.2f} tok/s, "
              f"prompt(llama) {r['prompt_tok_s_llama']:.1f} tok/s (n_p_eval={r['n_p_eval']}), "
              f"first token {r['first_token_s']*1e3:.1f} ms, jiffies {r['cpu_jiffies_delta']}", flush=True)

    ru = resource.getrusage(resource.RUSAGE_SELF)
    res = dict(
        label=args.label, model=args.model, model_bytes=os.path.getsize(args.model),
        llama_cpp_python=llama_cpp.__version__, system_info=sysinfo,
        n_threads=args.threads, n_ctx=512, n_batch=512, prompt_len=args.prompt_len,
        gen=args.gen, prompt=prompt, load_s=t_load, n_vocab=n_vocab,
        same_tokens_every_run=all(t == all_toks[0] for t in all_toks),
        runs=runs,
        peak_rss_kb=ru.ru_maxrss,
        mem_after_load_kb=mem_after_load, mem_end_kb=vm_status(),
    )
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(res, f, indent=1)
    print(f"[{args.label}] peak RSS {ru.ru_maxrss/1024:.1f} MiB; wrote {args.out}", flush=True)


if __name__ == "__main__":
    main()
