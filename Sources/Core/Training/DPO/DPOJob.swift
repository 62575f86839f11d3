import Foundation

/// The `dpo-train` stage as a library call: what the flags decided, checked once (`validate`),
/// then one setup shared by the pairwise losses and KTO (model, data, LoRA, reference source),
/// the shared training loop, and the saved policy or adapter.
public struct DPOJob {
    /// Pairwise losses on preference pairs, or KTO proper on unpaired examples.
    public enum Objective {
        case pairwise(DPOLossConfig)
        case kto(KTOLoss)
    }

    public var modelPath: String
    /// A separate frozen reference (default: the starting policy; with LoRA, the adapter off).
    public var refModelPath: String? = nil
    /// Precomputed reference log-probs (`precompute-ref`): no reference model is held.
    public var refLogpsPath: String? = nil
    public var dataPath: String
    public var evalDataPath: String? = nil
    public var data = PreferenceLoadOptions()
    public var objective: Objective
    public var lora: LoRAConfig? = nil
    /// LD-DPO: weight of completion tokens beyond the shorter completion (nil: off).
    public var ldAlpha: Double? = nil
    /// Pack each pair's prompt once (`--no-share-prompt` turns it off).
    public var sharePrompt = true
    /// WPO pair weighting.
    public var useWeighting = false
    /// TR-DPO: mix the policy into the reference every N steps (0: off), with this α.
    public var syncRefEvery = 0
    public var refMixupAlpha = 0.6
    /// With LoRA, also write a merged checkpoint to OUT/merged.
    public var merge = false
    /// How frozen weights are held: the LoRA base (and so the adapter-off reference) and a
    /// separate reference model. bf16/f16 halve their memory; the trained policy of full
    /// fine-tuning stays f32. Math is f32 either way, on the rounded weights.
    public var baseDType = WeightsDType.f32
    /// Eval prompts sampled and scored at each evaluation (0: off), with this reward model,
    /// gold reward (by name, optional) and response length cap.
    public var evalGenerate = 0
    public var rewardModelPath: String? = nil
    public var goldName: String? = nil
    public var evalMaxNewTokens = 64
    public var training: TrainingOptions

    public init(modelPath: String, dataPath: String, objective: Objective, training: TrainingOptions) {
        self.modelPath = modelPath
        self.dataPath = dataPath
        self.objective = objective
        self.training = training
    }

    /// The combinations that cannot work together, refused before anything is loaded.
    public func validate() throws {
        try training.validate()
        if merge && lora == nil { throw PrefkitError("--merge needs LoRA (--lora-r > 0)") }
        try validateBaseDType()
        switch objective {
        case .pairwise(let loss):
            try loss.validate()
            if syncRefEvery > 0 && (lora != nil || refLogpsPath != nil) {
                throw PrefkitError("--sync-ref-every (TR-DPO) needs a separate reference model: not with LoRA or --ref-logps")
            }
            if syncRefEvery > 0 && training.resume {
                throw PrefkitError("--resume is not supported with --sync-ref-every: the mixed reference is not checkpointed")
            }
        case .kto:
            if refLogpsPath != nil {
                throw PrefkitError("KTO needs a reference model (its KL estimate pairs change every batch): not --ref-logps")
            }
            if syncRefEvery > 0 { throw PrefkitError("--sync-ref-every is not supported with KTO") }
            if training.batchSize < 2 {
                throw PrefkitError("KTO estimates its KL term from mismatched pairs in a batch: --batch-size must be at least 2")
            }
        }
        try validateEvalGenerate()
        if let a = ldAlpha, !(0...1).contains(a) { throw PrefkitError("--ld-alpha must be in [0, 1]") }
        if syncRefEvery < 0 { throw PrefkitError("--sync-ref-every must be non-negative") }
        if !(0...1).contains(refMixupAlpha) { throw PrefkitError("--ref-mixup-alpha must be in [0, 1]") }
    }

    /// --base-dtype rounds frozen weights only: there must be some, and they must stay frozen.
    func validateBaseDType() throws {
        guard baseDType != .f32 else { return }
        let liveReference = refLogpsPath == nil && objectiveNeedsReference
        if lora == nil && !liveReference {
            throw PrefkitError("--base-dtype \(baseDType.rawValue) holds frozen weights in half precision (the LoRA base, a live reference "
                               + "model); this run has neither: full fine-tuning trains f32 weights and --ref-logps holds no model")
        }
        if syncRefEvery > 0 {
            throw PrefkitError("--base-dtype \(baseDType.rawValue) is not supported with --sync-ref-every: TR-DPO mixes the policy into "
                               + "the reference, which then is not frozen")
        }
    }

    /// Whether the objective reads a reference at all (DPO family losses without one: SimPO, ORPO, …).
    var objectiveNeedsReference: Bool {
        switch objective {
        case .pairwise(let loss): return loss.needsReference
        case .kto: return true
        }
    }

    func validateEvalGenerate() throws {
        guard evalGenerate > 0 else {
            if rewardModelPath != nil || goldName != nil {
                throw PrefkitError("--reward-model and --gold score the samples of --eval-generate K: give K > 0")
            }
            return
        }
        if case .kto = objective { throw PrefkitError("--eval-generate samples the prompts of eval pairs: not with KTO") }
        if evalDataPath == nil { throw PrefkitError("--eval-generate samples the prompts of --eval-data: give eval data") }
        if rewardModelPath == nil { throw PrefkitError("--eval-generate needs --reward-model to score its samples") }
        if let g = goldName, ReviewsTask.goldScorer(named: g) == nil {
            throw PrefkitError("--gold: unknown gold reward \(g) (known: \(ReviewsTask.goldScorerNames.joined(separator: ", ")))")
        }
        if evalMaxNewTokens < 1 { throw PrefkitError("--eval-max-new-tokens must be positive") }
    }

    /// Everything that changes the reference sums of tokenized pairs, for the digests of
    /// precomputed reference log-probs (precompute-ref and training must agree).
    /// Where a template rendered the prompts (conversations, or a template forced onto
    /// strings), the template resolved against the tokenizer counts too, so that an edited
    /// chat template makes the digests differ; string data used as text does not depend on it.
    public static func referenceSettings(_ data: PreferenceLoadOptions, ldAlpha: Double?, tokenizer: Tokenizer,
                                         pairs: [PreferencePair]) throws -> String {
        var s = data.settingsDescription
        let format = try data.chat.format(for: tokenizer)
        if format.wrapsStrings || pairs.contains(where: \.conversational) {
            s += " format=\(format.identity)"
        }
        return s + " ld_alpha=\(ldAlpha.map { String($0) } ?? "none")"
    }

    /// What the run ended with, for the stage's last line.
    public struct Result {
        public let steps: Int
        public let metrics: [String: Double]
        public let evalMetrics: [String: Double]?
    }

    /// Loads, trains and saves; notes go to stderr unless the run is quiet.
    public func run() throws -> Result {
        try validate()
        let md = try ModelDirectory.load(modelPath, matrices: lora == nil ? .f32 : baseDType)
        let setup = try Setup(job: self, md: md)
        switch objective {
        case .pairwise(let loss): return try trainPairwise(setup, loss)
        case .kto(let loss): return try trainKTO(setup, loss)
        }
    }

    func note(_ s: String) {
        if !training.quiet { FileHandleLog.write(s) }
    }

    var absoluteModelPath: String { URL(fileURLWithPath: modelPath).standardizedFileURL.path }

    /// What both objectives start from: the policy's directory, its weights' digest, the data's
    /// digest and the fresh adapter.
    struct Setup {
        let md: ModelDirectory
        let baseDigest: String
        let dataDigest: String
        let adapter: LoRAAdapter?

        init(job: DPOJob, md: ModelDirectory) throws {
            self.md = md
            baseDigest = md.model.weightsDigest
            dataDigest = try Digest.ofFile(job.dataPath)
            adapter = job.lora.map { LoRAAdapter(config: $0, model: md.model.config, seed: job.training.seed) }
            // A template file trained with travels with the model written.
            try job.data.chat.apply(to: md.tokenizer)
        }
    }

    // MARK: pairwise losses

    func trainPairwise(_ s: Setup, _ loss: DPOLossConfig) throws -> Result {
        let md = s.md
        let (pairs, report) = try PreferenceData.load(dataPath, tokenizer: md.tokenizer, eos: md.eosTokenId, options: data)
        note("\(dataPath): \(report)")
        var evalPairs: [PreferencePair] = []
        if let e = evalDataPath {
            let (ep, er) = try PreferenceData.load(e, tokenizer: md.tokenizer, eos: md.eosTokenId, options: data)
            evalPairs = ep
            note("\(e): \(er)")
        }
        let reference = try pairwiseReference(s, loss, pairs: pairs, evalPairs: evalPairs)
        let objective = try DPOObjective(policy: md.model, lora: s.adapter, reference: reference, pairs: pairs,
                                         evalPairs: evalPairs, loss: loss) { obj, dir, prov in
            var p = prov
            p["loss_type"] = loss.types.map(\.rawValue)
            p["beta"] = loss.beta
            try self.save(obj.policy, obj.lora, s, to: dir, provenance: p)
        }
        objective.ldAlpha = ldAlpha
        objective.sharePrompt = sharePrompt
        objective.useWeighting = useWeighting
        objective.syncRefEvery = syncRefEvery
        objective.refMixupAlpha = refMixupAlpha
        objective.evalBatchSize = training.batchSize
        objective.dropoutSeed = training.seed
        if evalGenerate > 0 {
            objective.evalSampling = try evalSampling(s, reference: reference, evalPairs: evalPairs)
        }
        let identity = ["data_digest": s.dataDigest, "parent_digest": s.baseDigest,
                        "loss": loss.types.map(\.rawValue).joined(separator: ","), "lora_r": String(lora?.rank ?? 0)]
        return try train(objective, s, identity: identity, report: report)
    }

    /// Where the reference log-probs come from, per the flags: none, precomputed (with the eval
    /// table from the file or computed once here), the adapter switched off, or a frozen model.
    func pairwiseReference(_ s: Setup, _ loss: DPOLossConfig, pairs: [PreferencePair],
                           evalPairs: [PreferencePair]) throws -> ReferenceSource {
        guard loss.needsReference else {
            if refModelPath != nil || refLogpsPath != nil {
                note("note: these losses use no reference; --ref-model/--ref-logps ignored")
            }
            return .none
        }
        if let path = refLogpsPath {
            return try precomputedReference(path, s, pairs: pairs, evalPairs: evalPairs)
        }
        return try liveReference(s)
    }

    /// A reference computed as training runs, for DPO and KTO alike: the policy's own weights
    /// with the adapter off (LoRA, no --ref-model), else a separate frozen model.
    func liveReference(_ s: Setup) throws -> ReferenceSource {
        if let a = s.adapter, refModelPath == nil {
            return .adapterOff(CausalLMEngine(model: s.md.model, training: false), a)
        }
        return .model(CausalLMEngine(model: try loadReferenceModel(s), training: false))
    }

    /// The separate reference model (--ref-model, else a second copy of the starting policy).
    func loadReferenceModel(_ s: Setup) throws -> Transformer {
        let path = refModelPath ?? modelPath
        let m = try Checkpoint.load(path, matrices: baseDType)
        guard m.config.vocabSize == s.md.model.config.vocabSize else {
            throw PrefkitError("\(path): vocabulary \(m.config.vocabSize) differs from the policy's \(s.md.model.config.vocabSize)")
        }
        return m
    }

    /// --ref-logps: the training table from the file; the eval table from the file when it was
    /// precomputed with --eval-data, else computed once now, before any step, with the reference
    /// model (--ref-model, else the starting policy, which is the reference before training).
    func precomputedReference(_ path: String, _ s: Setup, pairs: [PreferencePair],
                              evalPairs: [PreferencePair]) throws -> ReferenceSource {
        let settings = try Self.referenceSettings(data, ldAlpha: ldAlpha, tokenizer: s.md.tokenizer, pairs: pairs + evalPairs)
        var refModel: Transformer? = nil
        var refDigest = s.baseDigest
        if refModelPath != nil {
            let m = try loadReferenceModel(s)
            refDigest = m.weightsDigest
            refModel = m
        }
        var expect = ReferenceLogps.Expectation(dataDigest: try ReferenceLogps.dataDigest(file: dataPath, settings: settings),
                                                count: pairs.count, modelDigest: refDigest)
        if let e = evalDataPath {
            expect.evalDataDigest = try ReferenceLogps.dataDigest(file: e, settings: settings)
            expect.evalCount = evalPairs.count
        }
        let ref = try ReferenceLogps.load(path, expect: expect)
        if evalPairs.isEmpty { return .precomputed(train: ref.train, eval: .empty) }
        if let eval = ref.eval { return .precomputed(train: ref.train, eval: eval) }
        note("note: \(path) holds no reference log-probs for the \(evalPairs.count) eval pairs; computing them once now "
             + "(dpo-train precompute-ref --eval-data stores them)")
        // The policy has no adapter attached yet (DPOObjective attaches it), so this is the base.
        let model = refModel ?? s.md.model
        precondition(model.lora == nil, "the eval reference is computed before the adapter is attached")
        let engine = CausalLMEngine(model: model, training: false)
        let eval = ReferenceLogps.compute(engine: engine, pairs: evalPairs, batchSize: training.batchSize, ldAlpha: ldAlpha,
                                          sharePrompt: sharePrompt)
        return .precomputed(train: ref.train, eval: eval)
    }

    /// --eval-generate: the first K distinct eval prompts, the reward model, the gold reward and
    /// a reference for the log-ratios (the training reference where it is a model; else the
    /// starting policy, loaded once more, since precomputed log-probs cover no new samples).
    func evalSampling(_ s: Setup, reference: ReferenceSource, evalPairs: [PreferencePair]) throws -> EvalSampling {
        let (ids, texts) = EvalSampling.distinctPrompts(evalPairs, count: evalGenerate)
        let refEngine: EvalSampling.ReferenceEngine
        switch reference {
        case .model(let e): refEngine = .model(e)
        case .adapterOff: refEngine = .adapterOff
        case .precomputed, .none: refEngine = .model(CausalLMEngine(model: try loadReferenceModel(s), training: false))
        }
        var o = GenerationOptions()
        o.maxNewTokens = evalMaxNewTokens
        o.seed = training.seed
        o.batchSize = min(16, max(1, ids.count))
        let rm = try ModelDirectory.load(rewardModelPath!, head: .score)
        note("eval-generate: \(ids.count) eval prompts sampled and scored by \(rewardModelPath!) at each evaluation")
        return try EvalSampling(prompts: ids, promptTexts: texts, tokenizer: s.md.tokenizer, eosTokenIds: s.md.eosTokenIds,
                                rewardModel: rm, gold: goldName.flatMap(ReviewsTask.goldScorer(named:)),
                                reference: refEngine, options: o)
    }

    // MARK: KTO

    func trainKTO(_ s: Setup, _ loss: KTOLoss) throws -> Result {
        let md = s.md
        let (examples, report) = try KTOData.load(dataPath, tokenizer: md.tokenizer, eos: md.eosTokenId, options: data)
        note("\(dataPath): \(report), \(examples.count) examples (\(examples.filter(\.desirable).count) desirable)")
        var evalExamples: [KTOExample] = []
        if let e = evalDataPath {
            evalExamples = try KTOData.load(e, tokenizer: md.tokenizer, eos: md.eosTokenId, options: data).0
        }
        let reference = try liveReference(s)
        let objective = try KTOObjective(policy: md.model, lora: s.adapter, reference: reference, examples: examples,
                                         evalExamples: evalExamples, loss: loss) { policy, lora, dir, prov in
            var p = prov
            p["loss_type"] = ["kto"]
            p["beta"] = loss.beta
            try self.save(policy, lora, s, to: dir, provenance: p)
        }
        objective.evalBatchSize = training.batchSize
        objective.dropoutSeed = training.seed
        let identity = ["data_digest": s.dataDigest, "parent_digest": s.baseDigest, "loss": "kto",
                        "lora_r": String(lora?.rank ?? 0)]
        return try train(objective, s, identity: identity, report: report)
    }

    // MARK: the loop and the output

    /// Runs the loop, writes the final policy (or adapter) and, with merge, OUT/merged.
    func train(_ objective: TrainObjective, _ s: Setup, identity: [String: String], report: DataReport) throws -> Result {
        let trainer = Trainer(objective: objective, options: training)
        trainer.identity = identity
        let steps = try trainer.run()
        var final: [String: Any] = ["steps": steps, "final_metrics": trainer.lastMetrics, "data_report": report.description]
        if let ev = trainer.lastEval { final["eval_metrics"] = ev }
        // Rank 0 writes the policy (the others hold the same weights).
        guard trainer.ranks.isRoot else { return Result(steps: steps, metrics: trainer.lastMetrics, evalMetrics: nil) }
        try objective.saveModel(to: training.outDir, provenance: final)
        if merge, let a = s.adapter {
            // A half-precision base is frozen in place: the merge goes into an f32 copy of it.
            let target = s.md.model.halfMatrices == nil ? s.md.model : s.md.model.widenedCopy()
            a.merge(into: target)
            target.lora = nil
            try ModelDirectory.save(model: target, tokenizer: s.md.tokenizer, eosTokenId: s.md.eosTokenId,
                                    padTokenId: s.md.padTokenId, to: training.outDir + "/merged")
            try Provenance.write(training.outDir + "/merged", ["stage": "dpo-train --merge", "adapter": training.outDir,
                                                               "parent": absoluteModelPath])
        }
        return Result(steps: steps, metrics: trainer.lastMetrics, evalMetrics: trainer.lastEval)
    }

    /// The trained policy (or its adapter) with tokenizer and provenance.
    func save(_ policy: Transformer, _ adapter: LoRAAdapter?, _ s: Setup, to dir: String, provenance: [String: Any]) throws {
        var p = provenance
        p["stage"] = "dpo-train"
        p["parent"] = absoluteModelPath
        p["parent_digest"] = s.baseDigest
        p["template"] = data.chat.recorded
        p["tokenization"] = data.tokenization.rawValue
        p["data"] = dataPath
        p["data_digest"] = s.dataDigest
        p["lora"] = adapter.map { ["r": $0.config.rank, "alpha": $0.config.alpha, "dropout": $0.config.dropout] as [String: Any] } ?? NSNull()
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let md = s.md
        if let a = adapter {
            try LoRAFiles.save(a, to: dir, baseModel: absoluteModelPath)
            try ModelDirectory.saveTokenizer(md.tokenizer, eosTokenId: md.eosTokenId, padTokenId: md.padTokenId,
                                             maxLength: md.model.config.maxPositionEmbeddings, to: dir)
        } else {
            try ModelDirectory.save(model: policy, tokenizer: md.tokenizer, eosTokenId: md.eosTokenId,
                                    padTokenId: md.padTokenId, to: dir)
        }
        try Provenance.write(dir, p)
    }
}
