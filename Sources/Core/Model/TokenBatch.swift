/// Sequences packed end to end with no padding: row n of every [tokens, ·] matrix is
/// token n of the batch. Attention stays inside each sequence, positions restart at 0,
/// so padding costs nothing and there is no mask to get wrong.
public struct TokenBatch {
    public private(set) var ids: [Int32] = []
    public private(set) var positions: [Int32] = []
    public private(set) var starts: [Int] = []
    public private(set) var lengths: [Int] = []
    /// Per sequence, its fork when it packs a shared prompt with two completions.
    public private(set) var forks: [Fork?] = []

    /// A sequence laid out as prompt ⧺ first ⧺ second: both completions attend to the prompt,
    /// the second not to the first, and the second's positions continue from the prompt.
    public struct Fork: Equatable, Sendable {
        /// Local index of the first completion's first token (= the prompt's length).
        public let first: Int
        /// Local index of the second completion's first token.
        public let second: Int
    }

    public init() {}
    public init(_ sequences: [[Int]]) { for s in sequences { append(s) } }

    public mutating func append(_ tokens: [Int]) {
        starts.append(ids.count); lengths.append(tokens.count)
        forks.append(nil)
        for (p, t) in tokens.enumerated() { ids.append(Int32(t)); positions.append(Int32(p)) }
    }

    /// Packs prompt ⧺ a ⧺ b as one forked sequence (see `Fork`).
    public mutating func appendFork(prompt: [Int], _ a: [Int], _ b: [Int]) {
        starts.append(ids.count)
        lengths.append(prompt.count + a.count + b.count)
        forks.append(Fork(first: prompt.count, second: prompt.count + a.count))
        for (p, t) in (prompt + a).enumerated() {
            ids.append(Int32(t))
            positions.append(Int32(p))
        }
        for (j, t) in b.enumerated() {
            ids.append(Int32(t))
            positions.append(Int32(prompt.count + j))
        }
    }

    public var tokenCount: Int { ids.count }
    public var sequenceCount: Int { starts.count }
    public var maxLength: Int { lengths.max() ?? 0 }
    /// Flat row index of token t of sequence s.
    @inline(__always) public func row(_ s: Int, _ t: Int) -> Int { starts[s] + t }
}
