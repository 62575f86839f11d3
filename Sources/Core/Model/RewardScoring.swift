import Foundation

/// Batched, forward-only scoring of many sequences with a reward model: sequences are
/// packed `batchSize` at a time (no padding), in input order.
public enum RewardScoring {
    public static func scores(_ engine: RewardEngine, sequences: [[Int]], batchSize: Int,
                              progress: Progress? = nil) -> [Double] {
        var out: [Double] = []
        out.reserveCapacity(sequences.count)
        let bs = max(1, batchSize)
        var i = 0
        while i < sequences.count {
            let b = TokenBatch(Array(sequences[i..<min(sequences.count, i + bs)]))
            out += engine.scores(b).map(Double.init)
            i += bs
            progress?.update(done: min(i, sequences.count), fields: [])
        }
        return out
    }

    /// (score − mean) / std with the statistics rm-train stored in config.json.
    public static func normalization(modelDir: String, configJSON: [String: Any]) throws -> (mean: Double, std: Double) {
        func num(_ k: String) -> Double? { ((configJSON[k] ?? Provenance.read(modelDir)?[k]) as? NSNumber)?.doubleValue }
        guard let m = num("prefkit_reward_mean"), let s = num("prefkit_reward_std"), m.isFinite, s.isFinite, s > 0 else {
            throw PrefkitError("\(modelDir): no prefkit_reward_mean / prefkit_reward_std in config.json or prefkit.json (train it with rm-train, or drop --normalize)")
        }
        return (m, s)
    }
}
