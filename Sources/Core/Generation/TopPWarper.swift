import Foundation

/// Nucleus filtering, HF's TopPLogitsWarper: keep the most likely tokens whose probability
/// mass reaches p. HF removes, in ascending order, the tokens whose cumulative mass is
/// ≤ 1 − p; in descending order that keeps a token while the mass before it is < p.
/// At least one token always survives.
public struct TopPWarper {
    public let p: Float
    private var order: [Int] = []
    public init(p: Float) { self.p = p }

    public mutating func apply(_ c: inout Candidates) {
        guard p < 1, c.count > 1 else { return }
        order = Array(0..<c.count)
        // Ties broken by token id so the result does not depend on the sort's stability.
        let ids = c.ids, lg = c.logits
        order.sort { lg[$0] != lg[$1] ? lg[$0] > lg[$1] : ids[$0] < ids[$1] }
        let mx = lg[order[0]]
        var total = 0.0
        for j in order { total += Double(expf(lg[j] - mx)) }
        var before = 0.0, keep = 0
        for j in order {
            if keep > 0 && before / total >= Double(p) { break }
            before += Double(expf(lg[j] - mx)); keep += 1
        }
        c.ids = order[0..<keep].map { ids[$0] }
        c.logits = order[0..<keep].map { lg[$0] }
        c.sortedDescending = true
    }
}
