/// Sequences packed end to end with no padding: row n of every [tokens, ·] matrix is
/// token n of the batch. Attention stays inside each sequence, positions restart at 0,
/// so padding costs nothing and there is no mask to get wrong.
public struct TokenBatch {
    public private(set) var ids: [Int32] = []
    public private(set) var positions: [Int32] = []
    public private(set) var starts: [Int] = []
    public private(set) var lengths: [Int] = []

    public init() {}
    public init(_ sequences: [[Int]]) { for s in sequences { append(s) } }

    public mutating func append(_ tokens: [Int]) {
        starts.append(ids.count); lengths.append(tokens.count)
        for (p, t) in tokens.enumerated() { ids.append(Int32(t)); positions.append(Int32(p)) }
    }

    public var tokenCount: Int { ids.count }
    public var sequenceCount: Int { starts.count }
    public var maxLength: Int { lengths.max() ?? 0 }
    /// Size of the attention-probability store: Σ L² per head.
    public var attentionArea: Int { lengths.reduce(0) { $0 + $1 * $1 } }
    /// Flat row index of token t of sequence s.
    @inline(__always) public func row(_ s: Int, _ t: Int) -> Int { starts[s] + t }
}
