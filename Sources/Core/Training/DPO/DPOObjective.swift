import Foundation

/// DPO and its family as a TrainObjective. A micro-batch is all chosen sequences then all
/// rejected ones, packed; the loss family turns sequence log-probs into per-sequence
/// coefficients, spread over tokens for the engine's backward.
public final class DPOObjective: TrainObjective {
    public var trainingActivations: Activations? { engine.acts }
    public let policy: Transformer
    public let engine: CausalLMEngine
    public let lora: LoRAAdapter?
    public let reference: ReferenceSource
    public let pairs: [PreferencePair], evalPairs: [PreferencePair]
    public let family: DPOLossFamily
    public var config: DPOLossConfig { family.config }
    /// LD-DPO: weight of completion tokens beyond the shorter completion's length (nil: off).
    public var ldAlpha: Double? = nil
    /// TR-DPO: every N steps πref ← α·πθ + (1−α)·πref (needs a separate reference model).
    public var syncRefEvery = 0, refMixupAlpha = 0.6
    public var evalBatchSize = 8
    /// `--eval-generate`: samples scored at each evaluation (nil: off).
    public var evalSampling: EvalSampling? = nil
    /// WPO: weight each pair by exp(mean aligned log-prob) of chosen × rejected (detached).
    public var useWeighting = false
    /// Seed of LoRA dropout masks (with the step number).
    public var dropoutSeed: UInt64 = 0
    /// Pack each pair as prompt ⧺ chosen ⧺ rejected so the prompt is computed once
    /// (`--no-share-prompt` turns it off; the numbers agree to float rounding).
    public var sharePrompt = true
    public var saver: (DPOObjective, String, [String: Any]) throws -> Void
    /// Chosen completion tokens of the current optimizer step: the NLL term's normaliser.
    private var stepChosenTokens = 1.0

    /// Throws when a precomputed reference does not cover exactly the training and eval pairs.
    public init(policy: Transformer, lora: LoRAAdapter?, reference: ReferenceSource, pairs: [PreferencePair],
                evalPairs: [PreferencePair] = [], loss: DPOLossConfig,
                saver: @escaping (DPOObjective, String, [String: Any]) throws -> Void) throws {
        if case .precomputed(let train, let eval) = reference {
            guard train.count == pairs.count else {
                throw PrefkitError("precomputed reference log-probs cover \(train.count) training pairs, the data has \(pairs.count)")
            }
            guard eval.count == evalPairs.count else {
                throw PrefkitError("precomputed reference log-probs cover \(eval.count) evaluation pairs, the eval data has \(evalPairs.count)")
            }
        }
        self.policy = policy; self.lora = lora; self.reference = reference
        self.pairs = pairs; self.evalPairs = evalPairs; self.saver = saver
        family = DPOLossFamily(config: loss)
        policy.lora = lora
        engine = CausalLMEngine(model: policy, training: true)
        if lora == nil { policy.enableGradients() }
    }

    public var exampleCount: Int { pairs.count }
    public var trainParams: FloatBuffer { lora?.params ?? policy.params }
    public var trainGrads: FloatBuffer { lora?.grads ?? policy.grads! }
    public var trainGroups: [AdamW.Group] { lora?.groups ?? AdamW.groups(for: policy.layout) }
    public func tokenCount(_ idx: [Int]) -> Int { idx.reduce(0) { $0 + pairs[$1].tokenCount } }
    public func normalizer(_ idx: [Int]) -> Double {
        stepChosenTokens = Double(max(1, idx.reduce(0) { $0 + pairs[$1].chosen.count }))
        return Double(idx.count)
    }

    /// Logical sequences chosen first, then rejected, as TRL's collator lays them out; with
    /// `sharePrompt` each pair is packed once with its prompt shared.
    public static func batch(_ ps: [PreferencePair], sharePrompt: Bool) -> CompletionBatch {
        CompletionBatch.pairs(ps.map { ($0.prompt, $0.chosen, $0.rejected) }, sharePrompt: sharePrompt)
    }

    /// Per-target weights: 1, or LD-DPO's α beyond the pair's shared completion length.
    func tokenWeights(_ b: CompletionBatch, pairs n: Int) -> [Float] { Self.tokenWeights(b, pairs: n, ldAlpha: ldAlpha) }

    static func tokenWeights(_ b: CompletionBatch, pairs n: Int, ldAlpha: Double?) -> [Float] {
        guard let a = ldAlpha else { return [Float](repeating: 1, count: b.targets.count) }
        var w = [Float](repeating: 1, count: b.targets.count)
        var pos = [Int](repeating: 0, count: b.sequenceCount)
        for (i, s) in b.targetSequence.enumerated() {
            let pair = s % n, shared = min(b.scoredCounts[pair], b.scoredCounts[pair + n])
            pos[s] += 1
            if pos[s] > shared { w[i] = Float(a) }
        }
        return w
    }

    static func weightedSums(_ b: CompletionBatch, _ lp: [Float], _ w: [Float]) -> [Double] {
        var sums = [Double](repeating: 0, count: b.sequenceCount)
        for i in 0..<lp.count { sums[b.targetSequence[i]] += Double(lp[i]) * Double(w[i]) }
        return sums
    }

    /// Reference sequence log-probs (same token weights) for the pairs at `idx`: indices past
    /// the training pairs name evaluation pairs (see `evaluate`).
    func referenceSums(_ idx: [Int], _ b: CompletionBatch, _ w: [Float]) -> [Double] {
        switch reference {
        case .none: return [Double](repeating: 0, count: b.sequenceCount)
        case .model(let e): return Self.weightedSums(b, e.logProbs(b), w)
        case .adapterOff(let e, let a):
            a.enabled = false
            defer { a.enabled = true }
            return Self.weightedSums(b, e.logProbs(b), w)
        case .precomputed(let train, let eval):
            let n = pairs.count
            let chosen = idx.map { $0 < n ? train.chosen[$0] : eval.chosen[$0 - n] }
            let rejected = idx.map { $0 < n ? train.rejected[$0] : eval.rejected[$0 - n] }
            return chosen + rejected
        }
    }

    /// Loss, coefficients and metrics for pairs idx; backward only when `train`. With `ranks`,
    /// idx is this rank's block of a micro-batch and the loss family sees the whole of it.
    func run(_ idx: [Int], normalizer: Double, train: Bool, ranks: Ranks = .single) throws -> [String: Double] {
        let ps = idx.map { pairs.indices.contains($0) ? pairs[$0] : evalPairs[$0 - pairs.count] }
        let n = ps.count
        if n == 0 {
            // A rank without pairs in this micro-batch still takes part in the batch-wide terms.
            _ = family.compute(try PairLogps(pc: [], pr: [], rc: [], rr: [], lc: [], lr: []).gathered(over: ranks).whole)
            return [:]
        }
        let b = Self.batch(ps, sharePrompt: sharePrompt)
        let w = tokenWeights(b, pairs: n)
        // The reference runs first: with adapter-off it shares the policy's weights but not its activations.
        let ref = referenceSums(idx, b, w)
        let lp = engine.logProbs(b, wantSumSquares: useWeighting)
        let pol = Self.weightedSums(b, lp, w)
        let counts = b.scoredCounts.map(Double.init)
        var pairWeights: [Double]? = nil
        if useWeighting {
            // WPO eq. 2: exp(mean over tokens of log p − log Σp²), chosen × rejected.
            var aligned = [Double](repeating: 0, count: b.sequenceCount)
            for i in 0..<lp.count { aligned[b.targetSequence[i]] += Double(lp[i] - engine.logSumSquares[i]) }
            let seqW = aligned.enumerated().map { exp($0.element / max(1, counts[$0.offset])) }
            pairWeights = (0..<n).map { seqW[$0] * seqW[n + $0] }
        }
        let x = PairLogps(pc: Array(pol[0..<n]), pr: Array(pol[n...]), rc: Array(ref[0..<n]), rr: Array(ref[n...]),
                          lc: Array(counts[0..<n]), lr: Array(counts[n...]), offsets: ps.map { $0.margin ?? 0 },
                          weights: pairWeights)
        let out: PairLoss
        if ranks.isDistributed {
            let (whole, offset) = try x.gathered(over: ranks)
            out = family.compute(whole).slice(offset..<(offset + n))
        } else {
            out = family.compute(x)
        }
        let nllW = config.nllWeight
        var chosenLogp = 0.0, chosenTokens = 0.0
        for (i, s) in b.targetSequence.enumerated() where s < n { chosenLogp += Double(lp[i]); chosenTokens += 1 }
        if train {
            var seqCoeff = out.dpc + out.dpr
            for i in seqCoeff.indices { seqCoeff[i] /= normalizer }
            var coeff = [Float](repeating: 0, count: lp.count)
            for i in 0..<lp.count {
                let s = b.targetSequence[i]
                coeff[i] = Float(seqCoeff[s]) * w[i]
                if nllW > 0 && s < n { coeff[i] -= Float(nllW / stepChosenTokens) }
            }
            engine.backward(b, coeff: coeff, paramGrads: lora == nil)
        }
        // TRL's metrics; reference-free losses report β·log π as rewards.
        let beta = config.beta
        var m: [String: Double] = [:]
        let loss = out.loss.reduce(0, +) / normalizer + (train ? nllW * -chosenLogp / stepChosenTokens : 0)
        m["loss"] = loss
        for i in 0..<n {
            let rc = beta * (x.pc[i] - x.rc[i]), rr = beta * (x.pr[i] - x.rr[i])
            m["rewards/chosen", default: 0] += rc / normalizer
            m["rewards/rejected", default: 0] += rr / normalizer
            m["rewards/accuracies", default: 0] += (rc > rr ? 1 : 0) / normalizer
            m["rewards/margins", default: 0] += (rc - rr) / normalizer
            m["logps/chosen", default: 0] += x.pc[i] / normalizer
            m["logps/rejected", default: 0] += x.pr[i] / normalizer
        }
        if nllW > 0 { m["nll_loss"] = -chosenLogp / max(1, chosenTokens) * Double(n) / normalizer }
        return m
    }

    public func accumulate(_ idx: [Int], normalizer: Double) throws -> [String: Double] {
        try run(idx, normalizer: normalizer, train: true)
    }

    public func accumulate(_ shard: BatchShard, normalizer: Double) throws -> [String: Double] {
        try run(shard.indices, normalizer: normalizer, train: true, ranks: shard.ranks)
    }

    public func willTrain(on ranks: Ranks) { lora?.dropoutRank = UInt64(ranks.rank) }

    public func evaluate() throws -> [String: Double]? {
        guard !evalPairs.isEmpty else { return nil }
        var sums: [String: Double] = [:]
        var i = 0
        while i < evalPairs.count {
            let idx = Array((pairs.count + i)..<(pairs.count + min(evalPairs.count, i + evalBatchSize)))
            for (k, v) in try run(idx, normalizer: Double(evalPairs.count), train: false) { sums[k, default: 0] += v }
            i += evalBatchSize
        }
        if let sampling = evalSampling {
            for (k, v) in try sampling.metrics(policy: policy) { sums[k] = v }
        }
        return sums
    }

    public func willStep(_ step: Int) {
        lora?.dropoutSeed = dropoutSeed
        lora?.dropoutStep = UInt64(step)
    }

    public func didStep(_ step: Int) {
        guard syncRefEvery > 0, step % syncRefEvery == 0, case .model(let e) = reference else { return }
        let a = Float(refMixupAlpha), r = e.model.params.ptr, p = policy.params.ptr
        for i in 0..<policy.params.count { r[i] = a * p[i] + (1 - a) * r[i] }
    }

    public func saveModel(to dir: String, provenance: [String: Any]) throws { try saver(self, dir, provenance) }
}
