/// KTO as a TrainObjective. Each micro-batch also scores mismatched pairs (prompt i with
/// completion i+1) under policy and reference to estimate z0, as TRL's KTOTrainer does; those
/// passes carry no gradient.
public final class KTOObjective: TrainObjective {
    public var trainingActivations: Activations? { engine.acts }
    public let policy: Transformer
    public let lora: LoRAAdapter?
    public let engine: CausalLMEngine
    /// Forward-only view of the policy for the KL pairs (keeps the training activations intact).
    let klEngine: CausalLMEngine
    public let reference: ReferenceSource
    public let examples: [KTOExample], evalExamples: [KTOExample]
    public let loss: KTOLoss
    public var evalBatchSize = 8
    public var dropoutSeed: UInt64 = 0
    public var saver: (Transformer, LoRAAdapter?, String, [String: Any]) throws -> Void
    private var stepCounts = (desirable: 1.0, undesirable: 1.0)

    public init(policy: Transformer, lora: LoRAAdapter?, reference: ReferenceSource, examples: [KTOExample],
                evalExamples: [KTOExample] = [], loss: KTOLoss,
                saver: @escaping (Transformer, LoRAAdapter?, String, [String: Any]) throws -> Void) throws {
        switch reference {
        case .model, .adapterOff: break
        default: throw PrefkitError("KTO needs a reference model (its KL estimate pairs change every batch): not --ref-logps or --reference-free")
        }
        self.policy = policy; self.lora = lora; self.reference = reference; self.examples = examples
        self.evalExamples = evalExamples; self.loss = loss; self.saver = saver
        policy.lora = lora
        engine = CausalLMEngine(model: policy, training: true)
        klEngine = CausalLMEngine(model: policy, training: false)
        if lora == nil { policy.enableGradients() }
    }

    public var exampleCount: Int { examples.count }
    public var trainParams: FloatBuffer { lora?.params ?? policy.params }
    public var trainGrads: FloatBuffer { lora?.grads ?? policy.grads! }
    public var trainGroups: [AdamW.Group] { lora?.groups ?? AdamW.groups(for: policy.layout) }
    public func tokenCount(_ idx: [Int]) -> Int { idx.reduce(0) { $0 + examples[$1].prompt.count + examples[$1].completion.count } }
    public func normalizer(_ idx: [Int]) -> Double {
        let d = idx.filter { examples[$0].desirable }.count
        stepCounts = (Double(max(1, d)), Double(max(1, idx.count - d)))
        return Double(idx.count)
    }
    public func willStep(_ step: Int) { lora?.dropoutSeed = dropoutSeed; lora?.dropoutStep = UInt64(step) }

    func referenceSums(_ b: CompletionBatch) -> [Double] {
        switch reference {
        case .model(let e): return b.sequenceSums(e.logProbs(b))
        case .adapterOff(let e, let a):
            a.enabled = false
            defer { a.enabled = true }
            return b.sequenceSums(e.logProbs(b))
        default: return [Double](repeating: 0, count: b.sequenceCount)
        }
    }

    /// Loss and metrics of examples `ex`, whose KL pairs take the completions `klCompletions`
    /// (example i+1's in the micro-batch); backward only when `train`. With several ranks, ex is
    /// this rank's block and z0 is the estimate over the whole micro-batch.
    func run(_ ex: [KTOExample], klCompletions: [[Int]], normalizer: Double, counts: (desirable: Double, undesirable: Double),
             train: Bool, ranks: Ranks = .single) -> [String: Double] {
        let n = ex.count
        var b = CompletionBatch(), kl = CompletionBatch()
        for e in ex { b.append(prompt: e.prompt, completion: e.completion) }
        for (e, c) in zip(ex, klCompletions) { kl.append(prompt: e.prompt, completion: c) }
        let ref = n > 0 ? referenceSums(b) : [], refKL = n > 0 ? referenceSums(kl) : []
        let polKL = n > 0 ? kl.sequenceSums(klEngine.logProbs(kl)) : []
        // z0 = max(0, mean log-ratio of the KL pairs), the mean over every rank's pairs.
        let klSum = ranks.allreduceSum([zip(polKL, refKL).reduce(0) { $0 + $1.0 - $1.1 }, Double(n)])
        let z0 = klSum[1] > 0 ? max(0, klSum[0] / klSum[1]) : 0
        guard n > 0 else { return [:] }
        let lp = engine.logProbs(b)
        let pol = b.sequenceSums(lp)
        let delta = (0..<n).map { pol[$0] - ref[$0] }
        let (l, g) = loss.compute(delta: delta, desirable: ex.map(\.desirable), z0: z0)
        if train { engine.backward(b, coeff: b.expand(g.map { $0 / normalizer }), paramGrads: lora == nil) }
        var m: [String: Double] = ["loss": l.reduce(0, +) / normalizer, "kl": z0 * Double(n) / normalizer]
        for i in 0..<n {
            let r = loss.beta * delta[i]
            if ex[i].desirable {
                m["rewards/chosen", default: 0] += r / counts.desirable
                m["logps/chosen", default: 0] += pol[i] / counts.desirable
            } else {
                m["rewards/rejected", default: 0] += r / counts.undesirable
                m["logps/rejected", default: 0] += pol[i] / counts.undesirable
            }
        }
        return m
    }

    public func accumulate(_ idx: [Int], normalizer: Double) throws -> [String: Double] {
        try accumulate(BatchShard.whole(idx), normalizer: normalizer)
    }

    public func accumulate(_ shard: BatchShard, normalizer: Double) throws -> [String: Double] {
        let g = shard.global
        return run(shard.local.map { examples[g[$0]] }, klCompletions: shard.local.map { examples[g[($0 + 1) % g.count]].completion },
                   normalizer: normalizer, counts: stepCounts, train: true, ranks: shard.ranks)
    }

    public func willTrain(on ranks: Ranks) { lora?.dropoutRank = UInt64(ranks.rank) }

    public func evaluate() throws -> [String: Double]? {
        guard !evalExamples.isEmpty else { return nil }
        let d = Double(max(1, evalExamples.filter(\.desirable).count)), u = Double(max(1, evalExamples.count - Int(d)))
        var sums: [String: Double] = [:]
        var i = 0
        while i < evalExamples.count {
            let chunk = Array(evalExamples[i..<min(evalExamples.count, i + evalBatchSize)])
            let partners = chunk.indices.map { chunk[($0 + 1) % chunk.count].completion }
            for (k, v) in run(chunk, klCompletions: partners, normalizer: Double(evalExamples.count), counts: (d, u), train: false) {
                sums[k, default: 0] += v
            }
            i += evalBatchSize
        }
        return sums
    }

    public func saveModel(to dir: String, provenance: [String: Any]) throws { try saver(policy, lora, dir, provenance) }
}
