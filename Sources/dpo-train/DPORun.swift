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

    func execute() throws {
        let opts = try t.train.options(defaultLR: 1e-6, defaultEpochs: 1)
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
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            if let a = obj.lora {
                try LoRAFiles.save(a, to: dir, baseModel: modelPath)
                try ModelDirectory.saveTokenizer(md.tokenizer, eosTokenId: md.eosTokenId, padTokenId: md.padTokenId,
                                                 maxLength: md.model.config.maxPositionEmbeddings, to: dir)
            } else {
                try ModelDirectory.save(model: obj.policy, tokenizer: md.tokenizer, eosTokenId: md.eosTokenId,
                                        padTokenId: md.padTokenId, to: dir)
            }
            var p = prov
            p["stage"] = "dpo-train"; p["parent"] = modelPath; p["parent_digest"] = baseDigest
            p["data"] = t.data.data; p["data_digest"] = dataDigest
            p["loss_type"] = lossConfig.types.map(\.rawValue); p["beta"] = lossConfig.beta
            p["lora"] = loraConfig.map { ["r": $0.rank, "alpha": $0.alpha, "dropout": $0.dropout] as [String: Any] } ?? NSNull()
            try Provenance.write(dir, p)
        }
        objective.ldAlpha = t.loss.ldAlpha
        objective.useWeighting = t.loss.useWeighting
        objective.syncRefEvery = t.syncRefEvery; objective.refMixupAlpha = t.refMixupAlpha
        objective.evalBatchSize = opts.batchSize
        objective.dropoutSeed = opts.seed
        let trainer = Trainer(objective: objective, options: opts)
        trainer.identity = ["data_digest": dataDigest, "parent_digest": baseDigest,
                            "loss": lossConfig.types.map(\.rawValue).joined(separator: ","), "lora_r": String(loraConfig?.rank ?? 0)]
        let steps = try trainer.run()
        var final: [String: Any] = ["steps": steps, "final_metrics": trainer.lastMetrics, "data_report": report.description]
        if let ev = trainer.lastEval { final["eval_metrics"] = ev }
        try objective.saveModel(to: opts.outDir, provenance: final)
        if t.merge, let a = adapter {
            a.merge(into: md.model)
            md.model.lora = nil
            try ModelDirectory.save(model: md.model, tokenizer: md.tokenizer, eosTokenId: md.eosTokenId,
                                    padTokenId: md.padTokenId, to: opts.outDir + "/merged")
            try Provenance.write(opts.outDir + "/merged", ["stage": "dpo-train --merge", "parent": modelPath, "adapter": opts.outDir])
        }
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
}
