import Core

/// Generation throughput as the peer table measures it: sampling (temperature 1, top-k 50),
/// prompts of 32 random tokens, exactly 64 new tokens (eos ignored), prefill included.
enum GenerateCases {
    static func run(_ name: String, _ shape: BenchShape, batch: Int, dtype: WeightsDType = .f32,
                    ceiling: Double) throws -> CaseResult {
        // Half precision: loaded from a checkpoint in that precision, no f32 copy (generate --weights-dtype).
        let model = dtype == .f32 ? shape.model() : try BenchCheckpoint.load(shape, matrices: dtype)
        var o = options(batch: batch, dtype: dtype)
        o.maxNewTokens = 64
        let t0 = now()
        let gen = try Generator(model: model, tokenizer: nil, eosTokenIds: [0], options: o)
        let setup = now() - t0
        let prompts = randomPrompts(batch, vocab: model.config.vocabSize)
        try warmUp(model, o, prompts)
        let profile = PhaseProfile()
        gen.workspace.profile = profile
        let t1 = now()
        let out = try gen.generate(prompts)
        let dt = now() - t1
        let newTokens = out.reduce(0) { $0 + $1.tokens.count }
        let steps = 64 - 1   // decode steps after the prefill, each reading every weight once
        let flops = 2.0 * Double(model.matmulParameterCount) * Double(newTokens - batch + 32 * batch)
        // read_bandwidth_gbps is added by `run`, measured in the same run after the cases.
        var extra: [String: Double] = ["setup_s": setup, "seconds": dt]
        extra["weights_gbps"] = Double(gen.workspace.weightBytesPerStep) * Double(steps) / dt / 1e9
        phases(profile, total: dt, into: &extra)
        return CaseResult(name: name, shape: shape.rawValue, batch: "\(batch)x32+64", tokensPerS: Double(newTokens) / dt,
                          gflops: flops / dt / 1e9, ceiling: ceiling, peakRSS: peakRSSMiB(), extra: extra)
    }

    /// 64 prompts of 32 tokens, each with its own budget of 8–256 new tokens (seeded), batch 16:
    /// continuous batching against static batching on the same prompts, in one process.
    /// tokens/s is the continuous run's; the static one and the ratio are in `extra`.
    static func mixed(_ name: String, _ shape: BenchShape, ceiling: Double) throws -> CaseResult {
        let model = shape.model()
        var o = options(batch: 16, dtype: .f32)
        o.maxNewTokens = 256
        let prompts = randomPrompts(64, vocab: model.config.vocabSize)
        var rng = SplitMix64(seed: 6)
        let budgets = prompts.map { _ in 8 + Int(rng.next() % 249) }
        try warmUp(model, o, Array(prompts.prefix(16)))
        var extra: [String: Double] = [:], tokens: [Batching: Double] = [:], outputs: [Batching: [[Int]]] = [:]
        for mode in [Batching.static, .continuous] {
            o.batching = mode
            let gen = try Generator(model: model, tokenizer: nil, eosTokenIds: [0], options: o)
            let profile = PhaseProfile()
            gen.workspace.profile = profile
            let t0 = now()
            let out = try gen.generate(prompts, maxNewTokens: budgets)
            let dt = now() - t0
            tokens[mode] = Double(out.reduce(0) { $0 + $1.tokens.count }) / dt
            outputs[mode] = out.map(\.tokens)
            extra["\(mode.rawValue)_tokens_per_s"] = tokens[mode]!
            extra["\(mode.rawValue)_seconds"] = dt
            if mode == .continuous { phases(profile, total: dt, into: &extra) }
        }
        // Both modes must sample the same tokens (each sequence has its own stream).
        guard outputs[.static]! == outputs[.continuous]! else { throw BenchError("\(name): static and continuous outputs differ") }
        extra["continuous_over_static"] = tokens[.continuous]! / tokens[.static]!
        // Static batching as transformers' generate() does it: a finished row keeps decoding
        // (pad tokens) until the longest row of its batch ends. Emulated with the same work:
        // every row of a batch of 16 gets the longest budget of the batch; only the tokens
        // within each row's own budget count.
        o.batching = .static
        let padded = budgets.indices.map { i in budgets[(i / 16 * 16)..<min(budgets.count, i / 16 * 16 + 16)].max()! }
        let t0 = now()
        _ = try Generator(model: model, tokenizer: nil, eosTokenIds: [0], options: o).generate(prompts, maxNewTokens: padded)
        let paddedRate = Double(budgets.reduce(0, +)) / (now() - t0)
        extra["static_padded_tokens_per_s"] = paddedRate
        extra["continuous_over_static_padded"] = tokens[.continuous]! / paddedRate
        let newTokens = Double(budgets.reduce(0, +))
        let flops = 2.0 * Double(model.matmulParameterCount) * (newTokens + Double(64 * 31))
        let dt = extra["continuous_seconds"]!
        return CaseResult(name: name, shape: shape.rawValue, batch: "16 of 64x32+8..256", tokensPerS: tokens[.continuous]!,
                          gflops: flops / dt / 1e9, ceiling: ceiling, peakRSS: peakRSSMiB(), extra: extra)
    }

    /// phase_<name>_s for each timed phase, and phase_other_s for the rest of the wall time
    /// (embedding, final norm, cache bookkeeping, output).
    static func phases(_ profile: PhaseProfile, total: Double, into extra: inout [String: Double]) {
        for (phase, s) in profile.seconds { extra["phase_" + phase + "_s"] = s }
        extra["phase_other_s"] = max(0, total - profile.seconds.values.reduce(0, +))
    }

    static func options(batch: Int, dtype: WeightsDType) -> GenerationOptions {
        var o = GenerationOptions()
        o.sampling = SamplingConfig(temperature: 1, topK: 50)
        o.ignoreEOS = true; o.batchSize = batch; o.weightsDType = dtype
        return o
    }

    static func randomPrompts(_ n: Int, vocab: Int) -> [[Int]] {
        var rng = SplitMix64(seed: 5)
        return (0..<n).map { _ in (0..<32).map { _ in Int(rng.next() % UInt64(vocab)) } }
    }

    /// Page faults and scratch growth with the same shapes, two new tokens only.
    static func warmUp(_ model: Transformer, _ o: GenerationOptions, _ prompts: [[Int]]) throws {
        var warm = o; warm.maxNewTokens = 2
        _ = try Generator(model: model, tokenizer: nil, eosTokenIds: [0], options: warm).generate(prompts)
    }
}
