/// Prompt + completion sequences packed for log-prob work, TRL's convention:
/// the input is prompt ⧺ completion; completion token t is scored from the hidden state
/// just before it; prompt tokens are never scored.
public struct CompletionBatch {
    public private(set) var tokens = TokenBatch()
    public private(set) var targets = LogProbTargets()
    /// For each target, the sequence it belongs to.
    public private(set) var targetSequence: [Int] = []
    /// Number of scored tokens per sequence (for length-normalised losses).
    public private(set) var scoredCounts: [Int] = []

    public init() {}

    public mutating func append(prompt: [Int], completion: [Int]) {
        let s = tokens.sequenceCount
        tokens.append(prompt + completion)
        var n = 0
        for (j, tok) in completion.enumerated() {
            let pos = prompt.count + j
            if pos == 0 { continue }  // nothing precedes the very first token
            targets.append(row: tokens.row(s, pos - 1), token: tok)
            targetSequence.append(s)
            n += 1
        }
        scoredCounts.append(n)
    }

    public var sequenceCount: Int { tokens.sequenceCount }

    /// Per-sequence sums of per-target values, accumulated in Double.
    public func sequenceSums(_ perTarget: [Float]) -> [Double] {
        var sums = [Double](repeating: 0, count: sequenceCount)
        for (i, v) in perTarget.enumerated() { sums[targetSequence[i]] += Double(v) }
        return sums
    }

    /// Spreads per-sequence coefficients dL/d(sum logp) onto their targets.
    public func expand(_ perSequence: [Double]) -> [Float] {
        targetSequence.map { Float(perSequence[$0]) }
    }
}
