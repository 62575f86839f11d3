import Core

/// Generation throughput as the peer table measures it: sampling (temperature 1, top-k 50),
/// prompts of 32 random tokens, exactly 64 new tokens (eos ignored), prefill included.
enum GenerateCases {
    static func run(_ name: String, _ shape: BenchShape, batch: Int, dtype: WeightsDType = .f32,
                    ceiling: Double) throws -> CaseResult {
        let model = shape.model()
        var o = GenerationOptions()
        o.sampling = SamplingConfig(temperature: 1, topK: 50)
        o.maxNewTokens = 64; o.ignoreEOS = true; o.batchSize = batch; o.weightsDType = dtype
        let t0 = now()
        let gen = try Generator(model: model, tokenizer: nil, eosTokenIds: [0], options: o)
        let setup = now() - t0
        var rng = SplitMix64(seed: 5)
        let v = UInt64(model.config.vocabSize)
        let prompts = (0..<batch).map { _ in (0..<32).map { _ in Int(rng.next() % v) } }
        // Warm-up (page faults, scratch growth) with the same shapes, two new tokens only.
        var warm = o; warm.maxNewTokens = 2
        _ = try Generator(model: model, tokenizer: nil, eosTokenIds: [0], options: warm).generate(prompts)
        let t1 = now()
        let out = try gen.generate(prompts)
        let dt = now() - t1
        let newTokens = out.reduce(0) { $0 + $1.tokens.count }
        let steps = 64 - 1   // decode steps after the prefill, each reading every weight once
        let flops = 2.0 * Double(model.matmulParameterCount) * Double(newTokens - batch + 32 * batch)
        // read_bandwidth_gbps is added by `run`, measured in the same run after the cases.
        var extra: [String: Double] = ["setup_s": setup]
        let weightsGBps = Double(gen.workspace.weightBytesPerStep) * Double(steps) / dt / 1e9
        if batch == 1 { extra["weights_gbps"] = weightsGBps }
        return CaseResult(name: name, shape: shape.rawValue, batch: "\(batch)x32+64", tokensPerS: Double(newTokens) / dt,
                          gflops: flops / dt / 1e9, ceiling: ceiling, peakRSS: peakRSSMiB(), extra: extra)
    }
}
