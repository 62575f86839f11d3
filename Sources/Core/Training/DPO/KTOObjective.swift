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

    func run(_ ex: [KTOExample], normalizer: Double, counts: (desirable: Double, undesirable: Double), train: Bool) -> [String: Double] {
        let n = ex.count
        var b = CompletionBatch(), kl = CompletionBatch()
        for e in ex { b.append(prompt: e.prompt, completion: e.completion) }
        for (i, e) in ex.enumerated() { kl.append(prompt: e.prompt, completion: ex[(i + 1) % n].completion) }
        let ref = referenceSums(b), refKL = referenceSums(kl)
        let polKL = kl.sequenceSums(klEngine.logProbs(kl))
        let z0 = KTOLoss.klEstimate(policy: polKL, reference: refKL)
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
        run(idx.map { examples[$0] }, normalizer: normalizer, counts: stepCounts, train: true)
    }

    public func evaluate() throws -> [String: Double]? {
        guard !evalExamples.isEmpty else { return nil }
        let d = Double(max(1, evalExamples.filter(\.desirable).count)), u = Double(max(1, evalExamples.count - Int(d)))
        var sums: [String: Double] = [:]
        var i = 0
        while i < evalExamples.count {
            let chunk = Array(evalExamples[i..<min(evalExamples.count, i + evalBatchSize)])
            for (k, v) in run(chunk, normalizer: Double(evalExamples.count), counts: (d, u), train: false) { sums[k, default: 0] += v }
            i += evalBatchSize
        }
        return sums
    }

    public func saveModel(to dir: String, provenance: [String: Any]) throws { try saver(policy, lora, dir, provenance) }
}
