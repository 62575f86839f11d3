import CLISupport
import Core
import Foundation

/// Builds the DPO objective from the flags (policy, reference source, LoRA, data) and trains.
struct DPORun {
    let t: Train
    init(_ t: Train) { self.t = t }

    static func settings(_ d: PreferenceDataFlags, _ ldAlpha: Double?) -> String {
        d.settingsDescription + " ld_alpha=\(ldAlpha.map { String($0) } ?? "none")"
    }

    /// Runs the loop, writes the final policy (or adapter) and, with --merge, OUT/merged.
    func train(_ objective: TrainObjective, _ opts: TrainingOptions, identity: [String: String], report: DataReport,
               adapter: LoRAAdapter?, md: ModelDirectory) throws -> Trainer {
        let trainer = Trainer(objective: objective, options: opts)
        trainer.identity = identity
        let steps = try trainer.run()
        var final: [String: Any] = ["steps": steps, "final_metrics": trainer.lastMetrics, "data_report": report.description]
        if let ev = trainer.lastEval { final["eval_metrics"] = ev }
        try objective.saveModel(to: opts.outDir, provenance: final)
        if t.merge, let a = adapter {
            a.merge(into: md.model)
            md.model.lora = nil
            try ModelDirectory.save(model: md.model, tokenizer: md.tokenizer, eosTokenId: md.eosTokenId,
                                    padTokenId: md.padTokenId, to: opts.outDir + "/merged")
            try Provenance.write(opts.outDir + "/merged", ["stage": "dpo-train --merge", "adapter": opts.outDir,
                                                           "parent": URL(fileURLWithPath: t.model).standardizedFileURL.path])
        }
        return trainer
    }

    /// The trained policy (or its adapter) with tokenizer and provenance.
    func save(_ policy: Transformer, _ lora: LoRAAdapter?, _ md: ModelDirectory, to dir: String, _ prov: [String: Any]) throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        if let a = lora {
            try LoRAFiles.save(a, to: dir, baseModel: URL(fileURLWithPath: t.model).standardizedFileURL.path)
            try ModelDirectory.saveTokenizer(md.tokenizer, eosTokenId: md.eosTokenId, padTokenId: md.padTokenId,
                                             maxLength: md.model.config.maxPositionEmbeddings, to: dir)
        } else {
            try ModelDirectory.save(model: policy, tokenizer: md.tokenizer, eosTokenId: md.eosTokenId,
                                    padTokenId: md.padTokenId, to: dir)
        }
        try Provenance.write(dir, prov)
    }

    func execute() throws {
        let opts = try t.train.options(defaultLR: 1e-6, defaultEpochs: 1)
        if t.loss.isKTO { return try executeKTO(opts) }
        let lossConfig = try t.loss.config()
        let loraConfig = try t.lora.config()
        if t.syncRefEvery > 0 && (loraConfig != nil || t.refLogps != nil) {
            throw PrefkitError("--sync-ref-every (TR-DPO) needs a separate reference model: not with LoRA or --ref-logps")
        }
        if t.syncRefEvery > 0 && opts.resume {
            throw PrefkitError("--resume is not supported with --sync-ref-every: the mixed reference is not checkpointed")
        }
        if t.merge && loraConfig == nil { throw PrefkitError("--merge needs LoRA (--lora-r > 0)") }
        let md = try ModelDirectory.load(t.model)
        let loadOpts = try t.data.loadOptions(dropLong: false)
        let (pairs, report) = try PreferenceData.load(t.data.data, tokenizer: md.tokenizer, eos: md.eosTokenId, options: loadOpts)
        if !opts.quiet { FileHandleStderr.write("\(t.data.data): \(report)\n") }
        var evalPairs: [PreferencePair] = []
        if let e = t.data.evalData {
            let (ep, er) = try PreferenceData.load(e, tokenizer: md.tokenizer, eos: md.eosTokenId, options: loadOpts)
            evalPairs = ep
            if !opts.quiet { FileHandleStderr.write("\(e): \(er)\n") }
        }
        let baseDigest = Digest.ofFloats(md.model.params.ptr, count: md.model.params.count)
        let adapter = loraConfig.map { LoRAAdapter(config: $0, model: md.model.config, seed: opts.seed) }
        let reference = try referenceSource(md: md, adapter: adapter, lossConfig: lossConfig, pairs: pairs, baseDigest: baseDigest)
        let dataDigest = try Digest.ofFile(t.data.data)
        let modelPath = URL(fileURLWithPath: t.model).standardizedFileURL.path
        let objective = DPOObjective(policy: md.model, lora: adapter, reference: reference, pairs: pairs, evalPairs: evalPairs,
                                     loss: lossConfig) { obj, dir, prov in
            var p = prov
            p["stage"] = "dpo-train"; p["parent"] = modelPath; p["parent_digest"] = baseDigest
            p["template"] = t.data.template.rawValue
            p["data"] = t.data.data; p["data_digest"] = dataDigest
            p["loss_type"] = lossConfig.types.map(\.rawValue); p["beta"] = lossConfig.beta
            p["lora"] = loraConfig.map { ["r": $0.rank, "alpha": $0.alpha, "dropout": $0.dropout] as [String: Any] } ?? NSNull()
            try save(obj.policy, obj.lora, md, to: dir, p)
        }
        objective.ldAlpha = t.loss.ldAlpha
        objective.useWeighting = t.loss.useWeighting
        objective.syncRefEvery = t.syncRefEvery; objective.refMixupAlpha = t.refMixupAlpha
        objective.evalBatchSize = opts.batchSize
        objective.dropoutSeed = opts.seed
        let trainer = try train(objective, opts, identity: ["data_digest": dataDigest, "parent_digest": baseDigest,
                                                         "loss": lossConfig.types.map(\.rawValue).joined(separator: ","),
                                                         "lora_r": String(loraConfig?.rank ?? 0)],
                                report: report, adapter: adapter, md: md)
        if !opts.quiet {
            let m = trainer.lastMetrics
            FileHandleStderr.write(String(format: "wrote %@: loss %.4f, reward accuracy %.3f, margin %.4f\n",
                                          opts.outDir, m["loss"] ?? .nan, m["rewards/accuracies"] ?? .nan, m["rewards/margins"] ?? .nan))
        }
    }

    func referenceSource(md: ModelDirectory, adapter: LoRAAdapter?, lossConfig: DPOLossConfig, pairs: [PreferencePair],
                         baseDigest: String) throws -> ReferenceSource {
        guard lossConfig.needsReference else {
            if t.refModel != nil || t.refLogps != nil { FileHandleStderr.write("note: these losses use no reference; --ref-model/--ref-logps ignored\n") }
            return .none
        }
        if let path = t.refLogps {
            // The reference is --ref-model if named, else the starting policy (the LoRA base).
            var refDigest = baseDigest
            if let r = t.refModel {
                let m = try Checkpoint.load(r)
                refDigest = Digest.ofFloats(m.params.ptr, count: m.params.count)
            }
            let ref = try ReferenceLogps.load(path, expectDataDigest: try ReferenceLogps.dataDigest(file: t.data.data, settings: DPORun.settings(t.data, t.loss.ldAlpha)),
                                              expectModelDigest: refDigest, count: pairs.count)
            return .precomputed(chosen: ref.chosen, rejected: ref.rejected)
        }
        if let a = adapter, t.refModel == nil {
            return .adapterOff(CausalLMEngine(model: md.model, training: false), a)
        }
        let refModel = try Checkpoint.load(t.refModel ?? t.model)
        guard refModel.config.vocabSize == md.model.config.vocabSize else {
            throw PrefkitError("\(t.refModel ?? t.model): vocabulary \(refModel.config.vocabSize) differs from the policy's \(md.model.config.vocabSize)")
        }
        return .model(CausalLMEngine(model: refModel, training: false))
    }

    /// KTO proper: unpaired {"prompt","completion","label"} data (pairs are unpaired).
    func executeKTO(_ opts: TrainingOptions) throws {
        if t.loss.lossType.split(separator: ",").count > 1 { throw PrefkitError("--loss-type kto does not combine with other losses") }
        if t.refLogps != nil || t.loss.referenceFree { throw PrefkitError("KTO needs a reference model: not --ref-logps or --reference-free") }
        if t.syncRefEvery > 0 { throw PrefkitError("--sync-ref-every is not supported with KTO") }
        if opts.batchSize < 2 { throw PrefkitError("KTO estimates its KL term from mismatched pairs in a batch: --batch-size must be at least 2") }
        let loraConfig = try t.lora.config()
        if t.merge && loraConfig == nil { throw PrefkitError("--merge needs LoRA (--lora-r > 0)") }
        let md = try ModelDirectory.load(t.model)
        let loadOpts = try t.data.loadOptions(dropLong: false)
        let (examples, report) = try KTOData.load(t.data.data, tokenizer: md.tokenizer, eos: md.eosTokenId, options: loadOpts)
        if !opts.quiet { FileHandleStderr.write("\(t.data.data): \(report), \(examples.count) examples (\(examples.filter(\.desirable).count) desirable)\n") }
        let evalExamples = try t.data.evalData.map { try KTOData.load($0, tokenizer: md.tokenizer, eos: md.eosTokenId, options: loadOpts).0 } ?? []
        let baseDigest = Digest.ofFloats(md.model.params.ptr, count: md.model.params.count)
        let adapter = loraConfig.map { LoRAAdapter(config: $0, model: md.model.config, seed: opts.seed) }
        let reference: ReferenceSource
        if let a = adapter, t.refModel == nil {
            reference = .adapterOff(CausalLMEngine(model: md.model, training: false), a)
        } else {
            reference = .model(CausalLMEngine(model: try Checkpoint.load(t.refModel ?? t.model), training: false))
        }
        let dataDigest = try Digest.ofFile(t.data.data)
        let loss = KTOLoss(beta: t.loss.beta, desirableWeight: t.loss.desirableWeight, undesirableWeight: t.loss.undesirableWeight)
        let objective = try KTOObjective(policy: md.model, lora: adapter, reference: reference, examples: examples,
                                         evalExamples: evalExamples, loss: loss) { policy, lora, dir, prov in
            var p = prov
            p["stage"] = "dpo-train"; p["loss_type"] = ["kto"]; p["beta"] = loss.beta
            p["template"] = t.data.template.rawValue
            p["parent"] = URL(fileURLWithPath: t.model).standardizedFileURL.path; p["parent_digest"] = baseDigest
            p["data"] = t.data.data; p["data_digest"] = dataDigest
            try save(policy, lora, md, to: dir, p)
        }
        objective.evalBatchSize = opts.batchSize
        objective.dropoutSeed = opts.seed
        let trainer = try train(objective, opts, identity: ["data_digest": dataDigest, "parent_digest": baseDigest, "loss": "kto",
                                                         "lora_r": String(loraConfig?.rank ?? 0)],
                                report: report, adapter: adapter, md: md)
        if !opts.quiet {
            FileHandleStderr.write(String(format: "wrote %@: KTO loss %.4f, kl %.4f\n", opts.outDir,
                                          trainer.lastMetrics["loss"] ?? .nan, trainer.lastMetrics["kl"] ?? .nan))
        }
    }
}
