import Foundation

/// Reference log-probs computed once (`dpo-train precompute-ref`) and stored as a tensor
/// artifact: `ref_chosen_logps`, `ref_rejected_logps` [N] for the training pairs in data order,
/// and, when precomputed with `--eval-data`, `eval_ref_chosen_logps`, `eval_ref_rejected_logps`
/// [M] for the evaluation pairs. Each set carries the digest of its data (and how it was
/// tokenized); the file carries the reference model's digest, so a mismatch is refused.
public struct ReferenceLogps {
    /// Sequence log-probs of one set of pairs under the reference, in data order.
    public struct Table: Equatable, Sendable {
        public var chosen: [Double]
        public var rejected: [Double]
        public init(chosen: [Double], rejected: [Double]) {
            precondition(chosen.count == rejected.count, "one chosen and one rejected log-prob per pair")
            self.chosen = chosen
            self.rejected = rejected
        }
        public static let empty = Table(chosen: [], rejected: [])
        public var count: Int { chosen.count }

        /// Every rank's block of pairs in input order, on rank 0 (nil on the others).
        public func gathered(over ranks: Ranks) throws -> Table? {
            // Both gathers run on every rank (a collective skipped on one rank would hang the job).
            let c = try ranks.gatherInOrder(chosen), r = try ranks.gatherInOrder(rejected)
            guard let c, let r else { return nil }
            return Table(chosen: c, rejected: r)
        }
    }

    public var train: Table
    public var dataDigest: String
    /// The evaluation pairs' table and digest, when the file holds one.
    public var eval: Table?
    public var evalDataDigest: String?
    public var modelDigest: String

    public init(train: Table, dataDigest: String, eval: Table? = nil, evalDataDigest: String? = nil, modelDigest: String) {
        self.train = train
        self.dataDigest = dataDigest
        self.eval = eval
        self.evalDataDigest = evalDataDigest
        self.modelDigest = modelDigest
    }

    /// One forward pass over the pairs, batchSize pairs at a time. ldAlpha weights tokens as training will.
    public static func compute(engine: CausalLMEngine, pairs: [PreferencePair], batchSize: Int, ldAlpha: Double?,
                               sharePrompt: Bool = true, progress: Progress? = nil, progressOffset: Int = 0) -> Table {
        var c: [Double] = [], r: [Double] = []
        var i = 0
        while i < pairs.count {
            let ps = Array(pairs[i..<min(pairs.count, i + batchSize)])
            let b = DPOObjective.batch(ps, sharePrompt: sharePrompt)
            let w = DPOObjective.tokenWeights(b, pairs: ps.count, ldAlpha: ldAlpha)
            let sums = DPOObjective.weightedSums(b, engine.logProbs(b), w)
            c += sums[0..<ps.count]
            r += sums[ps.count...]
            i += batchSize
            progress?.update(done: progressOffset + min(i, pairs.count), fields: [])
        }
        return Table(chosen: c, rejected: r)
    }

    static let trainKeys = ("ref_chosen_logps", "ref_rejected_logps")
    static let evalKeys = ("eval_ref_chosen_logps", "eval_ref_rejected_logps")

    public func save(_ path: String, metadata extra: [String: String] = [:]) throws {
        var meta = extra
        meta["data_digest"] = dataDigest
        meta["model_digest"] = modelDigest
        meta["count"] = String(train.count)
        var tensors: [(name: String, shape: [Int], data: [Float])] = [
            (Self.trainKeys.0, [train.count], train.chosen.map(Float.init)),
            (Self.trainKeys.1, [train.count], train.rejected.map(Float.init)),
        ]
        if let e = eval {
            meta["eval_data_digest"] = evalDataDigest ?? ""
            meta["eval_count"] = String(e.count)
            tensors.append((Self.evalKeys.0, [e.count], e.chosen.map(Float.init)))
            tensors.append((Self.evalKeys.1, [e.count], e.rejected.map(Float.init)))
        }
        try SafetensorsWriter.write(path, tensors: tensors, metadata: meta)
    }

    /// What this run expects of the file: the digests and sizes of its data sets.
    public struct Expectation {
        public var dataDigest: String
        public var count: Int
        /// nil: the run has no evaluation data, so an eval table in the file is not read.
        public var evalDataDigest: String?
        public var evalCount: Int
        public var modelDigest: String
        public init(dataDigest: String, count: Int, evalDataDigest: String? = nil, evalCount: Int = 0, modelDigest: String) {
            self.dataDigest = dataDigest
            self.count = count
            self.evalDataDigest = evalDataDigest
            self.evalCount = evalCount
            self.modelDigest = modelDigest
        }
    }

    /// Loads and checks the artifact against the data and model this run uses. The eval table
    /// comes back only when the run has eval data and the file holds a table for that data.
    public static func load(_ path: String, expect x: Expectation) throws -> ReferenceLogps {
        let f = try SafetensorsFile(path: path)
        let data = f.metadata["data_digest"] ?? ""
        let model = f.metadata["model_digest"] ?? ""
        if data != x.dataDigest {
            throw PrefkitError("\(path): reference log-probs were computed on other data or tokenization (digest \(data), this run \(x.dataDigest)); run dpo-train precompute-ref again")
        }
        if model != x.modelDigest {
            throw PrefkitError("\(path): reference log-probs come from another model (digest \(model), this run's reference \(x.modelDigest); "
                               + "the weights' precision counts: precompute-ref --base-dtype as dpo-train's)")
        }
        let train = try readTable(f, keys: trainKeys, expectedCount: x.count, what: "training")
        var result = ReferenceLogps(train: train, dataDigest: data, modelDigest: model)
        guard let wantEval = x.evalDataDigest, f.tensors[evalKeys.0] != nil else { return result }
        let evalDigest = f.metadata["eval_data_digest"] ?? ""
        if evalDigest != wantEval {
            throw PrefkitError("\(path): its evaluation reference log-probs were computed on other eval data or tokenization (digest \(evalDigest), this run \(wantEval)); run dpo-train precompute-ref --eval-data again")
        }
        result.eval = try readTable(f, keys: evalKeys, expectedCount: x.evalCount, what: "evaluation")
        result.evalDataDigest = evalDigest
        return result
    }

    static func readTable(_ f: SafetensorsFile, keys: (String, String), expectedCount: Int, what: String) throws -> Table {
        let c = try f.floats(keys.0).map(Double.init)
        let r = try f.floats(keys.1).map(Double.init)
        guard c.count == expectedCount, r.count == expectedCount else {
            throw PrefkitError("\(f.path): holds \(c.count) chosen and \(r.count) rejected \(what) log-probs, the \(what) data has \(expectedCount) pairs")
        }
        return Table(chosen: c, rejected: r)
    }

    /// What identifies the pairs as tokenized: file content plus every option that changes ids.
    public static func dataDigest(file: String, settings: String) throws -> String {
        var d = Digest()
        d.update(try Digest.ofFile(file))
        d.update(settings)
        return d.hex
    }
}
