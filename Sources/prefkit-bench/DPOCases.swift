import Core

/// DPO training steps as the peer table measures them: prompt 64 + response 64 random tokens
/// per sequence (or the lengths given), sigmoid, β 0.1, AdamW; tokens/s counts every token of
/// chosen and rejected, the prompt once per side (as TRL counts them).
enum DPOCases {
    enum Reference { case separate, adapterOff, precomputed }

    static func train(_ name: String, _ shape: BenchShape, pairs n: Int, lora: Bool, reference: Reference,
                      iterations: Int, ceiling: Double, prompt: Int = 64, response: Int = 64,
                      checkpointing: Bool = false, sharePrompt: Bool = true, baseDType: WeightsDType = .f32) -> CaseResult {
        precondition(baseDType == .f32 || lora, "a half-precision base is frozen: LoRA only")
        let policy = baseDType == .f32 ? shape.model(seed: 1) : try! BenchCheckpoint.load(shape, matrices: baseDType)
        let c = policy.config
        var rng = SplitMix64(seed: 3)
        func tokens(_ k: Int) -> [Int] { (0..<k).map { _ in Int(rng.next() % UInt64(c.vocabSize)) } }
        let pairs = (0..<n).map { i in
            PreferencePair(id: "\(i)", source: "bench", promptText: "", chosenText: "", rejectedText: "",
                           prompt: tokens(prompt), chosen: tokens(response), rejected: tokens(response))
        }
        let adapter = lora ? LoRAAdapter(config: LoRAConfig(rank: 8, alpha: 16, dropout: 0), model: c, seed: 2) : nil
        let source: ReferenceSource
        switch reference {
        case .separate: source = .model(CausalLMEngine(model: shape.model(seed: 1), training: false))
        case .adapterOff: source = .adapterOff(CausalLMEngine(model: policy, training: false), adapter!)
        case .precomputed:
            let table = ReferenceLogps.compute(engine: CausalLMEngine(model: policy, training: false), pairs: pairs,
                                                  batchSize: n, ldAlpha: nil, sharePrompt: sharePrompt)
            source = .precomputed(train: table, eval: .empty)
        }
        let obj = try! DPOObjective(policy: policy, lora: adapter, reference: source, pairs: pairs, loss: DPOLossConfig()) { _, _, _ in }
        obj.engine.acts.checkpointing = checkpointing
        obj.sharePrompt = sharePrompt
        let opt = AdamW(size: obj.trainParams.count, groups: obj.trainGroups)
        let all = Array(0..<n)
        func step() {
            obj.trainGrads.zero()
            _ = try? obj.accumulate(all, normalizer: obj.normalizer(all))
            GradClip.clip(obj.trainGrads.ptr, groups: obj.trainGroups, maxNorm: 1)
            opt.update(params: obj.trainParams.ptr, grads: obj.trainGrads.ptr, lr: 1e-6)
        }
        step()   // warm-up: allocations and page faults
        let t0 = now()
        for _ in 0..<iterations { step() }
        let dt = (now() - t0) / Double(iterations)
        let seqTokens = Double(2 * n * (prompt + response)), scored = Double(2 * n * response)
        // FLOPs count the tokens run: with the prompt shared, once per pair (tokens/s counts it
        // once per side, as TRL does; counting FLOPs that way printed 110% of the ceiling).
        let processed = sharePrompt ? Double(n * (prompt + 2 * response)) : seqTokens
        let layer = Double(policy.matmulParameterCount - c.vocabSize * c.hiddenSize), head = Double(c.vocabSize * c.hiddenSize)
        let fwd = 2 * layer * processed + 2 * head * scored
        // Backward: input gradients always (2×); weight gradients only for full fine-tuning (2×);
        // the LM head's logits are recomputed once more. The reference costs one forward.
        var flops = fwd + 2 * fwd + (lora ? 0 : 2 * fwd) + 2 * head * scored
        // Checkpointing runs every layer's forward once more in backward.
        if checkpointing { flops += 2 * layer * processed }
        if reference != .precomputed { flops += fwd }
        let batch = prompt == 64 && response == 64 ? "\(n) pairs" : "\(n)x(\(prompt)+2x\(response))"
        return CaseResult(name: name, shape: shape.rawValue, batch: batch, tokensPerS: seqTokens / dt,
                          gflops: flops / dt / 1e9, ceiling: ceiling, peakRSS: peakRSSMiB())
    }

    /// The same pairs with the prompt shared and not: pairs/s of both, in one row.
    static func shared(_ name: String, ceiling: Double) -> CaseResult {
        let off = train(name, .qwen05b, pairs: 2, lora: true, reference: .adapterOff, iterations: 2, ceiling: ceiling,
                        prompt: 256, response: 128, sharePrompt: false)
        var on = train(name, .qwen05b, pairs: 2, lora: true, reference: .adapterOff, iterations: 2, ceiling: ceiling,
                       prompt: 256, response: 128, sharePrompt: true)
        let perPair = Double(2 * (256 + 128))
        on.extra["pairs_per_s_shared"] = on.tokensPerS / perPair
        on.extra["pairs_per_s_unshared"] = off.tokensPerS / perPair
        on.extra["speedup"] = on.tokensPerS / off.tokensPerS
        return on
    }
}
