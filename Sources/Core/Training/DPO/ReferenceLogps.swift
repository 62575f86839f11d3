import Foundation

/// Reference log-probs computed once (`dpo-train precompute-ref`) and stored as a tensor
/// artifact: `ref_chosen_logps`, `ref_rejected_logps` [N] in data order, with the digests of
/// the data (and how it was tokenized) and of the reference model, so a mismatch is refused.
public struct ReferenceLogps {
    public var chosen: [Double], rejected: [Double]
    public var dataDigest: String, modelDigest: String

    public init(chosen: [Double], rejected: [Double], dataDigest: String, modelDigest: String) {
        self.chosen = chosen; self.rejected = rejected; self.dataDigest = dataDigest; self.modelDigest = modelDigest
    }

    /// One forward pass over the pairs, batchSize pairs at a time. ldAlpha weights tokens as training will.
    public static func compute(engine: CausalLMEngine, pairs: [PreferencePair], batchSize: Int, ldAlpha: Double?,
                               progress: Progress? = nil) -> ([Double], [Double]) {
        var c: [Double] = [], r: [Double] = []
        var i = 0
        while i < pairs.count {
            let ps = Array(pairs[i..<min(pairs.count, i + batchSize)])
            let b = DPOObjective.batch(ps)
            let w = DPOObjective.tokenWeights(b, pairs: ps.count, ldAlpha: ldAlpha)
            let sums = DPOObjective.weightedSums(b, engine.logProbs(b), w)
            c += sums[0..<ps.count]; r += sums[ps.count...]
            i += batchSize
            progress?.update(done: min(i, pairs.count), fields: [])
        }
        return (c, r)
    }

    public func save(_ path: String, metadata extra: [String: String] = [:]) throws {
        var meta = extra
        meta["data_digest"] = dataDigest; meta["model_digest"] = modelDigest; meta["count"] = String(chosen.count)
        try SafetensorsWriter.write(path, tensors: [("ref_chosen_logps", [chosen.count], chosen.map(Float.init)),
                                                    ("ref_rejected_logps", [rejected.count], rejected.map(Float.init))],
                                    metadata: meta)
    }

    /// Loads and checks the artifact against the data and model this run uses.
    public static func load(_ path: String, expectDataDigest: String, expectModelDigest: String, count: Int) throws -> ReferenceLogps {
        let f = try SafetensorsFile(path: path)
        let data = f.metadata["data_digest"] ?? "", model = f.metadata["model_digest"] ?? ""
        if data != expectDataDigest {
            throw PrefkitError("\(path): reference log-probs were computed on other data or tokenization (digest \(data), this run \(expectDataDigest)); run dpo-train precompute-ref again")
        }
        if model != expectModelDigest {
            throw PrefkitError("\(path): reference log-probs come from another model (digest \(model), this run's reference \(expectModelDigest))")
        }
        let c = try f.floats("ref_chosen_logps").map(Double.init), r = try f.floats("ref_rejected_logps").map(Double.init)
        guard c.count == count, r.count == count else {
            throw PrefkitError("\(path): holds \(c.count) pairs, the data has \(count)")
        }
        return ReferenceLogps(chosen: c, rejected: r, dataDigest: data, modelDigest: model)
    }

    /// What identifies the pairs as tokenized: file content plus every option that changes ids.
    public static func dataDigest(file: String, settings: String) throws -> String {
        var d = Digest()
        d.update(try Digest.ofFile(file)); d.update(settings)
        return d.hex
    }
}
