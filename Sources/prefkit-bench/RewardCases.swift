import Core

/// Reward-model cases: training steps as rm-train runs them, and rm-score's batched forward.
enum RewardCases {
    /// One RewardObjective optimizer step per iteration on `pairs` pairs of prompt 64 +
    /// response 64 tokens a side; tokens/s counts every token of chosen and rejected.
    static func train(_ name: String, _ shape: BenchShape, pairs: Int, prompt: Int, response: Int, iterations: Int,
                      ceiling: Double) throws -> CaseResult {
        let c = shape.config
        let model = Transformer(config: c, withLMHead: false, withScoreHead: true)
        model.randomInitUniform(seed: 1, std: 0.02)
        var rng = SplitMix64(seed: 2)
        func toks(_ n: Int) -> [Int] { (0..<n).map { _ in Int(rng.next() % UInt64(c.vocabSize)) } }
        let ps = (0..<pairs).map { i in
            PreferencePair(id: String(i), source: "bench", promptText: "", chosenText: "", rejectedText: "",
                           prompt: toks(prompt), chosen: toks(response), rejected: toks(response))
        }
        let obj = try RewardObjective(model: model, pairs: ps) { _, _, _ in }
        let opt = AdamW(size: model.params.count, groups: obj.trainGroups, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0)
        let all = Array(0..<pairs)
        func step() throws {
            model.zeroGradients()
            _ = try obj.accumulate(all, normalizer: Double(pairs))
            _ = GradClip.clip(model.grads!.ptr, groups: obj.trainGroups, maxNorm: 1)
            opt.update(params: model.params.ptr, grads: model.grads!.ptr, lr: 1e-5)
        }
        try step()   // warm-up: allocations, page faults
        let t0 = now()
        for _ in 0..<iterations { try step() }
        let dt = (now() - t0) / Double(iterations)
        let tokens = Double(obj.tokenCount(all))
        // Forward 2 FLOPs per weight per token, backward 4; no LM head, the score head is negligible.
        let flops = 6 * Double(model.matmulParameterCount - c.vocabSize * c.hiddenSize) * tokens
        return CaseResult(name: name, shape: shape.rawValue, batch: "\(pairs)x\(prompt + response)x2",
                          tokensPerS: tokens / dt, gflops: flops / dt / 1e9, ceiling: ceiling, peakRSS: peakRSSMiB())
    }

    /// rm-score's forward pass: batches of `batch` sequences of `length` tokens.
    static func score(_ name: String, _ shape: BenchShape, batch: Int, length: Int, iterations: Int, ceiling: Double) -> CaseResult {
        let c = shape.config
        let model = Transformer(config: c, withLMHead: false, withScoreHead: true)
        model.randomInitUniform(seed: 1, std: 0.02)
        let engine = RewardEngine(model: model, training: false)
        var rng = SplitMix64(seed: 2)
        let seqs = (0..<batch).map { _ in (0..<length).map { _ in Int(rng.next() % UInt64(c.vocabSize)) } }
        _ = RewardScoring.scores(engine, sequences: seqs, batchSize: batch)
        let t0 = now()
        for _ in 0..<iterations { _ = RewardScoring.scores(engine, sequences: seqs, batchSize: batch) }
        let dt = (now() - t0) / Double(iterations)
        let tokens = Double(batch * length)
        let flops = 2 * Double(model.matmulParameterCount - c.vocabSize * c.hiddenSize) * tokens
        return CaseResult(name: name, shape: shape.rawValue, batch: "\(batch)x\(length)", tokensPerS: tokens / dt,
                          gflops: flops / dt / 1e9, ceiling: ceiling, peakRSS: peakRSSMiB(),
                          extra: ["sequences_per_s": Double(batch) / dt, "forward_tokens_per_s": tokens / dt])
    }
}
