import Core

/// One benchmark result: the fields of runs/bench/results.json.
struct CaseResult {
    var name: String, shape: String, batch: String
    var tokensPerS: Double, gflops: Double, ceiling: Double, peakRSS: Double
    var extra: [String: Double] = [:]

    var json: String {
        var parts = ["\"name\": \"\(name)\"", "\"shape\": \"\(shape)\"", "\"batch\": \"\(batch)\"",
                     "\"tokens_per_s\": \(fmt(tokensPerS))", "\"gflops\": \(fmt(gflops))",
                     "\"ceiling_gflops\": \(fmt(ceiling))", "\"peak_rss_mb\": \(fmt(peakRSS))"]
        for (k, v) in extra.sorted(by: { $0.key < $1.key }) { parts.append("\"\(k)\": \(fmt(v))") }
        return "{" + parts.joined(separator: ", ") + "}"
    }
    private func fmt(_ v: Double) -> String { v.isFinite ? String(format: "%.2f", v) : "null" }
}

enum Cases {
    static let all = ["fwdbwd_tiny", "fwdbwd_05b", "gen_tiny_b1", "gen_tiny_b8", "gen_05b_b1", "gen_05b_b1_bf16", "gen_05b_b1_f16",
                      "gen_05b_b8", "gen_05b_b8_bf16", "gen_05b_b32", "gen_05b_mixed",
                      "fwdbwd_gemma3_270m", "gen_gemma3_270m_b1",
                      "rm_tiny", "score_05b", "dpo_tiny_full", "dpo_tiny_lora",
                      "dpo_05b_full", "dpo_05b_lora", "dpo_05b_lora_bf16base", "dpo_05b_lora_ckpt", "dpo_05b_lora_ckpt_bf16base",
                      "dpo_05b_lora_precomputed",
                      "dpo_05b_lora_L256", "dpo_05b_lora_L1024", "dpo_05b_lora_L2048", "dpo_05b_lora_L4096", "dpo_05b_full_L1024",
                      "dpo_05b_lora_shared", "allreduce_05b", "dpo_tiny_full_np2", "parquet_read"]

    /// The half-precision checkpoint a case loads, if any (BenchCheckpoint).
    static func checkpointNeeded(_ name: String) -> (BenchShape, WeightsDType)? {
        switch name {
        case "gen_05b_b1_bf16", "gen_05b_b8_bf16", "dpo_05b_lora_bf16base", "dpo_05b_lora_ckpt_bf16base": return (.qwen05b, .bf16)
        case "gen_05b_b1_f16": return (.qwen05b, .f16)
        default: return nil
        }
    }

    static func run(_ name: String, ceiling: Double) throws -> CaseResult {
        switch name {
        case "fwdbwd_tiny": return forwardBackward(name, .tiny, batch: 4, length: 128, iterations: 10, ceiling: ceiling)
        case "fwdbwd_05b": return forwardBackward(name, .qwen05b, batch: 4, length: 128, iterations: 2, ceiling: ceiling)
        case "fwdbwd_gemma3_270m":
            return forwardBackward(name, .gemma3_270m, batch: 4, length: 128, iterations: 2, ceiling: ceiling)
        case "gen_gemma3_270m_b1": return try GenerateCases.run(name, .gemma3_270m, batch: 1, ceiling: ceiling)
        case "gen_tiny_b1": return try GenerateCases.run(name, .tiny, batch: 1, ceiling: ceiling)
        case "gen_tiny_b8": return try GenerateCases.run(name, .tiny, batch: 8, ceiling: ceiling)
        case "gen_05b_b1": return try GenerateCases.run(name, .qwen05b, batch: 1, ceiling: ceiling)
        case "gen_05b_b8": return try GenerateCases.run(name, .qwen05b, batch: 8, ceiling: ceiling)
        case "gen_05b_b1_bf16": return try GenerateCases.run(name, .qwen05b, batch: 1, dtype: .bf16, ceiling: ceiling)
        case "gen_05b_b1_f16": return try GenerateCases.run(name, .qwen05b, batch: 1, dtype: .f16, ceiling: ceiling)
        case "gen_05b_b8_bf16": return try GenerateCases.run(name, .qwen05b, batch: 8, dtype: .bf16, ceiling: ceiling)
        case "gen_05b_b32": return try GenerateCases.run(name, .qwen05b, batch: 32, ceiling: ceiling)
        case "gen_05b_mixed": return try GenerateCases.mixed(name, .qwen05b, ceiling: ceiling)
        case "rm_tiny": return try RewardCases.train(name, .tiny, pairs: 8, prompt: 64, response: 64, iterations: 5, ceiling: ceiling)
        case "score_05b": return RewardCases.score(name, .qwen05b, batch: 8, length: 128, iterations: 3, ceiling: ceiling)
        case "dpo_tiny_full": return DPOCases.train(name, .tiny, pairs: 8, lora: false, reference: .separate, iterations: 5, ceiling: ceiling)
        case "dpo_tiny_lora": return DPOCases.train(name, .tiny, pairs: 8, lora: true, reference: .adapterOff, iterations: 5, ceiling: ceiling)
        case "dpo_05b_full": return DPOCases.train(name, .qwen05b, pairs: 2, lora: false, reference: .separate, iterations: 2, ceiling: ceiling)
        case "dpo_05b_lora": return DPOCases.train(name, .qwen05b, pairs: 2, lora: true, reference: .adapterOff, iterations: 2, ceiling: ceiling)
        case "dpo_05b_lora_bf16base":
            // The LoRA base (and so the adapter-off reference) held in bf16: dpo-train --base-dtype bf16.
            return DPOCases.train(name, .qwen05b, pairs: 2, lora: true, reference: .adapterOff, iterations: 2, ceiling: ceiling,
                                  baseDType: .bf16)
        case "dpo_05b_lora_ckpt", "dpo_05b_lora_ckpt_bf16base":
            // The same with gradient checkpointing, where the weights, not the activations, are
            // most of the memory: what the base's precision saves shows whole.
            return DPOCases.train(name, .qwen05b, pairs: 2, lora: true, reference: .adapterOff, iterations: 2, ceiling: ceiling,
                                  checkpointing: true, baseDType: name.hasSuffix("bf16base") ? .bf16 : .f32)
        case "dpo_05b_lora_precomputed":
            return DPOCases.train(name, .qwen05b, pairs: 2, lora: true, reference: .precomputed, iterations: 2, ceiling: ceiling)
        case "dpo_05b_lora_L256", "dpo_05b_lora_L1024", "dpo_05b_lora_L2048", "dpo_05b_lora_L4096":
            // One pair of L-token sequences (prompt and responses L/2 each); checkpointing from L 2048 on.
            let L = Int(name.split(separator: "L").last!)!
            return DPOCases.train(name, .qwen05b, pairs: 1, lora: true, reference: .adapterOff, iterations: 1,
                                  ceiling: ceiling, prompt: L / 2, response: L / 2, checkpointing: L >= 2048)
        case "dpo_05b_full_L1024":
            return DPOCases.train(name, .qwen05b, pairs: 1, lora: false, reference: .separate, iterations: 1,
                                  ceiling: ceiling, prompt: 512, response: 512, checkpointing: true)
        case "dpo_05b_lora_shared": return DPOCases.shared(name, ceiling: ceiling)
        case "allreduce_05b": return try MPICases.allreduce(name, ceiling: ceiling)
        case "dpo_tiny_full_np2": return try MPICases.dpoNp2(name, ceiling: ceiling)
        case "parquet_read": return try ParquetReadCase.run(name, ceiling: ceiling)
        default: throw BenchError("unknown case \(name); known: \(all.joined(separator: ", "))")
        }
    }

    /// Language-model loss on every next token of batch × length random tokens:
    /// forward alone, then forward + backward, timed separately after one warm-up.
    static func forwardBackward(_ name: String, _ shape: BenchShape, batch: Int, length: Int, iterations: Int,
                                ceiling: Double) -> CaseResult {
        let model = shape.model()
        let engine = CausalLMEngine(model: model, training: true)
        var rng = SplitMix64(seed: 2)
        var b = CompletionBatch()
        for _ in 0..<batch {
            b.append(prompt: [], completion: (0..<length).map { _ in Int(rng.next() % UInt64(model.config.vocabSize)) })
        }
        let coeff = [Float](repeating: -1 / Float(b.targets.count), count: b.targets.count)
        let tokens = Double(b.tokens.tokenCount)
        let c = model.config
        let layerFlops = 2.0 * Double(model.matmulParameterCount - c.vocabSize * c.hiddenSize) * tokens
        let headFlops = 2.0 * Double(c.vocabSize * c.hiddenSize) * Double(b.targets.count)
        let fwdFlops = layerFlops + headFlops

        _ = engine.logProbs(b); engine.backward(b, coeff: coeff)   // warm-up: allocations, page faults
        var t0 = now()
        for _ in 0..<iterations { _ = engine.logProbs(b) }
        let fwdTime = (now() - t0) / Double(iterations)
        t0 = now()
        for _ in 0..<iterations { _ = engine.logProbs(b); engine.backward(b, coeff: coeff) }
        let fbTime = (now() - t0) / Double(iterations)
        // Backward does twice the forward's matrix work, plus the LM head's logits again.
        let fbFlops = 3 * fwdFlops + headFlops
        return CaseResult(name: name, shape: shape.rawValue, batch: "\(batch)x\(length)",
                          tokensPerS: tokens / fbTime, gflops: fbFlops / fbTime / 1e9, ceiling: ceiling,
                          peakRSS: peakRSSMiB(),
                          extra: ["forward_tokens_per_s": tokens / fwdTime, "forward_gflops": fwdFlops / fwdTime / 1e9])
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
