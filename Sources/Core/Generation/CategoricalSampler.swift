import Foundation

/// One draw from softmax(candidate logits), torch.multinomial's job: a uniform number
/// against the running sum, in candidate order. Sums in Double so that the last tokens
/// of a long vocabulary are not lost to rounding.
public enum CategoricalSampler {
    public static func draw(_ c: Candidates, rng: inout SplitMix64) -> Int {
        let n = c.count
        if n == 1 { return Int(c.ids[0]) }
        var mx = -Float.infinity
        for v in c.logits { mx = max(mx, v) }
        var total = 0.0
        for v in c.logits { total += Double(expf(v - mx)) }
        let u = rng.nextDouble() * total
        var acc = 0.0
        for i in 0..<n {
            acc += Double(expf(c.logits[i] - mx))
            if u < acc { return Int(c.ids[i]) }
        }
        // u rounded up to the total: the last token with any mass.
        for i in stride(from: n - 1, through: 0, by: -1) where c.logits[i] > -Float.infinity { return Int(c.ids[i]) }
        return Int(c.ids[n - 1])
    }
}
