/// Prompt + completion sequences packed for log-prob work, TRL's convention:
/// the input is prompt ⧺ completion; completion token t is scored from the hidden state
/// just before it; prompt tokens are never scored.
///
/// Sums and losses index logical sequences (one per prompt + completion). A preference pair
/// may be packed as one forked sequence, prompt ⧺ chosen ⧺ rejected, that holds two logical
/// ones: the prompt's forward and backward are then done once (`TokenBatch.Fork`).
public struct CompletionBatch {
    public private(set) var tokens = TokenBatch()
    public private(set) var targets = LogProbTargets()
    /// For each target, the logical sequence it belongs to.
    public private(set) var targetSequence: [Int] = []
    /// Number of scored tokens per logical sequence (for length-normalised losses).
    public private(set) var scoredCounts: [Int] = []

    public init() {}

    /// prompt ⧺ completion as the next logical sequence.
    public mutating func append(prompt: [Int], completion: [Int]) {
        let start = tokens.tokenCount
        let logical = scoredCounts.count
        tokens.append(prompt + completion)
        scoredCounts.append(0)
        for (j, tok) in completion.enumerated() {
            addTarget(logical, position: prompt.count + j, row: { start + $0 }, token: tok)
        }
    }

    /// Preference pairs as logical sequences chosen 0 ..< n, then rejected n ..< 2n (TRL's
    /// collator order); with `sharePrompt` each pair is one forked sequence.
    public static func pairs(_ ps: [(prompt: [Int], chosen: [Int], rejected: [Int])], sharePrompt: Bool) -> CompletionBatch {
        var b = CompletionBatch()
        guard sharePrompt else {
            for p in ps { b.append(prompt: p.prompt, completion: p.chosen) }
            for p in ps { b.append(prompt: p.prompt, completion: p.rejected) }
            return b
        }
        let n = ps.count
        b.scoredCounts = [Int](repeating: 0, count: 2 * n)
        for (i, p) in ps.enumerated() {
            let start = b.tokens.tokenCount
            b.tokens.appendFork(prompt: p.prompt, p.chosen, p.rejected)
            let promptEnd = p.prompt.count
            let second = promptEnd + p.chosen.count
            for (j, tok) in p.chosen.enumerated() {
                b.addTarget(i, position: promptEnd + j, row: { start + $0 }, token: tok)
            }
            // The rejected branch's first token is scored from the prompt's last row, its
            // later ones from its own rows (after the chosen branch in the packing).
            for (j, tok) in p.rejected.enumerated() {
                let row = { (position: Int) in start + (position < promptEnd ? position : position - promptEnd + second) }
                b.addTarget(n + i, position: promptEnd + j, row: row, token: tok)
            }
        }
        return b
    }

    /// Scores the token at `position` of logical sequence `logical` from the row that holds
    /// position − 1 (`row` maps a position to its packed row).
    private mutating func addTarget(_ logical: Int, position: Int, row: (Int) -> Int, token: Int) {
        if position == 0 { return }  // nothing precedes the very first token
        targets.append(row: row(position - 1), token: token)
        targetSequence.append(logical)
        scoredCounts[logical] += 1
    }

    /// Logical sequences (two per shared-prompt pair).
    public var sequenceCount: Int { scoredCounts.count }

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
