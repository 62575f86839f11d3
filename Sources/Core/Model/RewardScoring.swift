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

    /// Scores of samples that come in pairs (chosen, rejected, chosen, …; each with its prompt
    /// length): each pair is one forked sequence, the prompt computed once. Same order as the input.
    public static func pairScores(_ engine: RewardEngine, samples: [ScoreSample], batchSize: Int,
                                  progress: Progress? = nil) -> [Double] {
        var out: [Double] = []
        out.reserveCapacity(samples.count)
        let pairsPerBatch = max(1, batchSize / 2)
        var i = 0
        while i < samples.count {
            var b = TokenBatch()
            let end = min(samples.count, i + 2 * pairsPerBatch)
            for k in stride(from: i, to: end, by: 2) {
                let p = samples[k].promptLength ?? 0
                b.appendFork(prompt: Array(samples[k].tokens[..<p]), Array(samples[k].tokens[p...]),
                             Array(samples[k + 1].tokens[p...]))
            }
            out += engine.scores(b).map(Double.init)
            i = end
            progress?.update(done: i, fields: [])
        }
        return out
    }

    /// Whether consecutive samples form pairs that share their prompt tokens.
    public static func sharesPrompts(_ samples: [ScoreSample]) -> Bool {
        guard samples.count % 2 == 0 else { return false }
        for k in stride(from: 0, to: samples.count, by: 2) {
            guard let p = samples[k].promptLength, samples[k + 1].promptLength == p, samples[k].pair == samples[k + 1].pair,
                  samples[k].tokens.count > p, samples[k + 1].tokens.count > p,
                  samples[k].tokens[..<p] == samples[k + 1].tokens[..<p] else { return false }
        }
        return true
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
