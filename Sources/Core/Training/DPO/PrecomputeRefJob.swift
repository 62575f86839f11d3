import Foundation

/// `dpo-train precompute-ref` as a library call: one forward pass of the reference over the
/// training pairs (and the eval pairs, when given), written as a `ReferenceLogps` artifact
/// whose digests `DPOJob` checks.
public struct PrecomputeRefJob {
    public var modelPath: String
    public var dataPath: String
    public var evalDataPath: String? = nil
    public var data = PreferenceLoadOptions()
    public var outPath: String
    /// Pairs per forward pass.
    public var batchSize = 8
    /// LD-DPO α, when training will use it (it changes the sums).
    public var ldAlpha: Double? = nil
    /// Pack each pair's prompt once (`--no-share-prompt` turns it off).
    public var sharePrompt = true
    /// How the reference's weights are held (dpo-train --base-dtype must match: the digest differs).
    public var baseDType = WeightsDType.f32
    public var quiet = false
    public var interactive = false

    public init(modelPath: String, dataPath: String, outPath: String) {
        self.modelPath = modelPath
        self.dataPath = dataPath
        self.outPath = outPath
    }

    public func validate() throws {
        if batchSize < 1 { throw PrefkitError("--batch-size must be positive") }
        if let a = ldAlpha, !(0...1).contains(a) { throw PrefkitError("--ld-alpha must be in [0, 1]") }
    }

    /// Returns (training pairs, eval pairs) written.
    @discardableResult
    public func run() throws -> (train: Int, eval: Int) {
        try validate()
        let md = try ModelDirectory.load(modelPath, matrices: baseDType)
        let (pairs, report) = try PreferenceData.load(dataPath, tokenizer: md.tokenizer, eos: md.eosTokenId, options: data)
        if !quiet { FileHandleLog.write("\(dataPath): \(report)") }
        var evalPairs: [PreferencePair] = []
        if let e = evalDataPath {
            let (ep, er) = try PreferenceData.load(e, tokenizer: md.tokenizer, eos: md.eosTokenId, options: data)
            evalPairs = ep
            if !quiet { FileHandleLog.write("\(e): \(er)") }
        }
        let engine = CausalLMEngine(model: md.model, training: false)
        // Several ranks: each computes its block of whole batches, rank 0 writes the file.
        let ranks = Ranks.world
        let trainPart = ranks.shard(pairs.count, unit: batchSize), evalPart = ranks.shard(evalPairs.count, unit: batchSize)
        let progress = Progress(label: "pairs", total: trainPart.count + evalPart.count, interactive: interactive, quiet: quiet)
        let settings = try DPOJob.referenceSettings(data, ldAlpha: ldAlpha, tokenizer: md.tokenizer, pairs: pairs + evalPairs)
        let train = try ReferenceLogps.compute(engine: engine, pairs: Array(pairs[trainPart]), batchSize: batchSize, ldAlpha: ldAlpha,
                                               sharePrompt: sharePrompt, progress: progress).gathered(over: ranks)
        var eval: ReferenceLogps.Table? = nil
        if evalDataPath != nil {
            eval = try ReferenceLogps.compute(engine: engine, pairs: Array(evalPairs[evalPart]), batchSize: batchSize, ldAlpha: ldAlpha,
                                              sharePrompt: sharePrompt,
                                              progress: progress, progressOffset: trainPart.count).gathered(over: ranks)
        }
        guard let train else { return (pairs.count, evalPairs.count) }
        var ref = ReferenceLogps(train: train, dataDigest: try ReferenceLogps.dataDigest(file: dataPath, settings: settings),
                                 modelDigest: md.model.weightsDigest)
        var meta = ["model": modelPath, "data": dataPath, "template": data.chat.description,
                    "tokenization": data.tokenization.rawValue]
        if let e = evalDataPath {
            ref.eval = eval
            ref.evalDataDigest = try ReferenceLogps.dataDigest(file: e, settings: settings)
            meta["eval_data"] = e
        }
        try ref.save(outPath, metadata: meta)
        let evalNote = evalPairs.isEmpty ? "" : " and \(evalPairs.count) eval pairs"
        progress.finish("wrote \(outPath) (\(pairs.count) pairs\(evalNote))")
        return (pairs.count, evalPairs.count)
    }
}
