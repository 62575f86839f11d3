import Foundation

/// Reward modeling (TRL RewardTrainer): a scalar head read at the last token of
/// prompt + response + eos, trained with the Bradley–Terry loss averaged over the pairs of
/// an optimizer step. Chosen and rejected go through the model in one packed batch.
public final class RewardObjective: TrainObjective {
    public var trainingActivations: Activations? { engine.acts }
    public let model: Transformer
    public let engine: RewardEngine
    /// With LoRA, the adapters and the score head (the adapter's extra block) train; the base stays frozen.
    public let lora: LoRAAdapter?
    public let pairs: [PreferencePair]
    public let evalPairs: [PreferencePair]
    public let centerCoefficient: Double
    public let evalBatchSize: Int
    /// Writes the model directory (weights, tokenizer, provenance) for a checkpoint or the end.
    public var saver: (Transformer, String, [String: Any]) throws -> Void

    public init(model: Transformer, lora: LoRAAdapter? = nil, pairs: [PreferencePair], evalPairs: [PreferencePair] = [],
                centerCoefficient: Double = 0, evalBatchSize: Int = 8,
                saver: @escaping (Transformer, String, [String: Any]) throws -> Void) throws {
        guard model.hasScoreHead else { throw PrefkitError("reward modeling needs a model with a score head (score.weight)") }
        guard centerCoefficient >= 0, centerCoefficient.isFinite else {
            throw PrefkitError("--center-rewards-coefficient must be a non-negative number")
        }
        self.model = model; self.pairs = pairs; self.evalPairs = evalPairs
        self.centerCoefficient = centerCoefficient; self.evalBatchSize = max(1, evalBatchSize); self.saver = saver
        if let a = lora {
            guard a.extraCount == model.config.hiddenSize else {
                throw PrefkitError("the LoRA adapter has no room for the score head (extra \(a.extraCount), hidden \(model.config.hiddenSize))")
            }
            (a.params.ptr + a.extraOffset).update(from: model.params.ptr + model.layout.score, count: a.extraCount)
        }
        self.lora = lora
        model.lora = lora
        engine = RewardEngine(model: model, training: true)
        if lora == nil { model.enableGradients() }
    }

    /// The score head lives in the adapter's buffer while LoRA trains; the model reads its copy.
    func syncScoreHead() {
        guard let a = lora else { return }
        (model.params.ptr + model.layout.score).update(from: a.params.ptr + a.extraOffset, count: a.extraCount)
    }

    /// The model as trained: base weights with the adapters merged in, the model itself untouched.
    public func mergedModel() -> Transformer {
        guard let a = lora else { return model }
        syncScoreHead()
        // A half-precision base (--base-dtype) is widened into the copy: the values trained against.
        let copy = model.widenedCopy()
        a.merge(into: copy)
        return copy
    }

    public var exampleCount: Int { pairs.count }
    public var trainParams: FloatBuffer { lora?.params ?? model.params }
    public var trainGrads: FloatBuffer { lora?.grads ?? model.grads! }
    public var trainGroups: [AdamW.Group] { lora?.groups ?? AdamW.groups(for: model.layout) }
    public func willStep(_ step: Int) { lora?.dropoutStep = UInt64(step) }
    public func willTrain(on ranks: Ranks) { lora?.dropoutRank = UInt64(ranks.rank) }

    /// Every token that goes through the model: the prompt twice, both responses.
    public func tokenCount(_ idx: [Int]) -> Int { idx.reduce(0) { $0 + pairs[$1].tokenCount } }
    public func normalizer(_ idx: [Int]) -> Double { Double(idx.count) }

    /// Pack each pair as prompt ⧺ chosen ⧺ rejected so the prompt is computed once
    /// (`--no-share-prompt` turns it off).
    public var sharePrompt = true

    /// All chosen sequences, then all rejected ones (the fixture's and TRL's row order); with
    /// `sharePrompt` one forked sequence per pair.
    public static func batch(_ ps: [PreferencePair], sharePrompt: Bool) -> TokenBatch {
        var b = TokenBatch()
        if sharePrompt {
            for p in ps { b.appendFork(prompt: p.prompt, p.chosen, p.rejected) }
            return b
        }
        for p in ps { b.append(p.prompt + p.chosen) }
        for p in ps { b.append(p.prompt + p.rejected) }
        return b
    }

    /// Where pair i's chosen and rejected scores sit in a batch's score list.
    static func scoreIndex(pair i: Int, of n: Int, rejected: Bool, sharePrompt: Bool) -> Int {
        if sharePrompt { return 2 * i + (rejected ? 1 : 0) }
        return rejected ? n + i : i
    }

    public func accumulate(_ idx: [Int], normalizer: Double) throws -> [String: Double] {
        let ps = idx.map { pairs[$0] }
        let b = Self.batch(ps, sharePrompt: sharePrompt)
        syncScoreHead()
        let s = engine.scores(b)
        let n = ps.count
        var coeff = [Float](repeating: 0, count: 2 * n)
        var m = PairMetrics()
        for i in 0..<n {
            let ci = Self.scoreIndex(pair: i, of: n, rejected: false, sharePrompt: sharePrompt)
            let ri = Self.scoreIndex(pair: i, of: n, rejected: true, sharePrompt: sharePrompt)
            let t = m.add(chosen: Double(s[ci]), rejected: Double(s[ri]), margin: ps[i].margin ?? 0, center: centerCoefficient)
            coeff[ci] = Float(t.dChosen / normalizer)
            coeff[ri] = Float(t.dRejected / normalizer)
        }
        if let a = lora {
            engine.backward(b, coeff: coeff, paramGrads: false, scoreGrad: a.grads.ptr + a.extraOffset)
        } else {
            engine.backward(b, coeff: coeff)
        }
        return m.contributions(normalizer: normalizer)
    }

    /// Scores of prompt+chosen and prompt+rejected for each pair, forward only.
    public func scorePairs(_ ps: [PreferencePair]) -> [(chosen: Double, rejected: Double)] {
        syncScoreHead()
        var out: [(chosen: Double, rejected: Double)] = []
        var i = 0
        while i < ps.count {
            let chunk = Array(ps[i..<min(ps.count, i + evalBatchSize)])
            let s = engine.scores(Self.batch(chunk, sharePrompt: sharePrompt))
            let n = chunk.count
            for j in 0..<n {
                let c = s[Self.scoreIndex(pair: j, of: n, rejected: false, sharePrompt: sharePrompt)]
                let r = s[Self.scoreIndex(pair: j, of: n, rejected: true, sharePrompt: sharePrompt)]
                out.append((Double(c), Double(r)))
            }
            i += evalBatchSize
        }
        return out
    }

    public func evaluate() throws -> [String: Double]? {
        guard !evalPairs.isEmpty else { return nil }
        return Self.evalMetrics(evalPairs, scores: scorePairs(evalPairs), center: centerCoefficient)
    }

    /// Loss, accuracy, margin and the mean/std of every reward (chosen and rejected together).
    public static func evalMetrics(_ ps: [PreferencePair], scores: [(chosen: Double, rejected: Double)], center: Double) -> [String: Double] {
        var m = PairMetrics()
        for (p, s) in zip(ps, scores) { _ = m.add(chosen: s.chosen, rejected: s.rejected, margin: p.margin ?? 0, center: center) }
        var out = m.contributions(normalizer: Double(ps.count))
        let all = SummaryStats(scores.flatMap { [$0.chosen, $0.rejected] })
        out["reward_mean"] = all.mean; out["reward_std"] = all.std
        return out
    }

    /// Mean and std of the rewards over both sides of the given pairs: stored with the model
    /// so that later scores can be normalised.
    public func rewardStatistics(_ ps: [PreferencePair]) -> SummaryStats {
        SummaryStats(scorePairs(ps).flatMap { [$0.chosen, $0.rejected] })
    }

    /// With LoRA the saved reward model is merged: a complete *ForSequenceClassification directory.
    public func saveModel(to dir: String, provenance: [String: Any]) throws { try saver(mergedModel(), dir, provenance) }
}

/// Sums of the per-pair metrics; divided by the step's normaliser they add up over micro-batches.
struct PairMetrics {
    var loss = 0.0, correct = 0.0, chosen = 0.0, rejected = 0.0

    mutating func add(chosen rc: Double, rejected rr: Double, margin: Double, center: Double) -> BradleyTerry.Term {
        let t = BradleyTerry.pair(chosen: rc, rejected: rr, margin: margin, centerCoefficient: center)
        loss += t.loss; chosen += rc; rejected += rr
        if rc > rr { correct += 1 }   // ties count as wrong, as in TRL
        return t
    }

    func contributions(normalizer n: Double) -> [String: Double] {
        ["loss": loss / n, "accuracy": correct / n, "rewards/chosen": chosen / n,
         "rewards/rejected": rejected / n, "reward_margin": (chosen - rejected) / n]
    }
}
