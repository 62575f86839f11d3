import Foundation

/// Comparing two samples of scores: the two-sample Kolmogorov–Smirnov statistic, a bootstrap
/// confidence interval for the difference of means, and the win rate of matched pairs.
/// Every resampling is seeded, so a report is reproducible.
public enum TwoSample {
    public struct Interval: Equatable {
        public var estimate: Double, lower: Double, upper: Double
    }

    /// sup_x |F_a(x) − F_b(x)| over the empirical CDFs: 0 for identical samples, 1 for disjoint ones.
    public static func ks(_ a: [Double], _ b: [Double]) -> Double {
        guard !a.isEmpty, !b.isEmpty else { return .nan }
        let x = a.sorted(), y = b.sorted()
        var i = 0, j = 0, d = 0.0
        while i < x.count && j < y.count {
            // Step past every copy of the smaller value in both samples before comparing,
            // so ties do not create a spurious gap.
            let v = Swift.min(x[i], y[j])
            while i < x.count && x[i] == v { i += 1 }
            while j < y.count && y[j] == v { j += 1 }
            d = Swift.max(d, abs(Double(i) / Double(x.count) - Double(j) / Double(y.count)))
        }
        return d
    }

    /// mean(b) − mean(a) with a percentile bootstrap interval (each sample resampled on its own).
    public static func meanDifference(_ a: [Double], _ b: [Double], iterations: Int = 2000, level: Double = 0.95,
                                      seed: UInt64 = 17) -> Interval {
        guard !a.isEmpty, !b.isEmpty else { return Interval(estimate: .nan, lower: .nan, upper: .nan) }
        let est = mean(b) - mean(a)
        var rng = SplitMix64(seed: seed)
        var reps = [Double](repeating: 0, count: Swift.max(1, iterations))
        for k in reps.indices { reps[k] = resampledMean(b, &rng) - resampledMean(a, &rng) }
        return percentile(reps, estimate: est, level: level)
    }

    /// The share of matched pairs where b beats a (ties count half), with a bootstrap
    /// interval over the pairs.
    public static func winRate(_ pairs: [(a: Double, b: Double)], iterations: Int = 2000, level: Double = 0.95,
                               seed: UInt64 = 23) -> Interval {
        guard !pairs.isEmpty else { return Interval(estimate: .nan, lower: .nan, upper: .nan) }
        let wins = pairs.map { $0.b > $0.a ? 1.0 : $0.b == $0.a ? 0.5 : 0.0 }
        var rng = SplitMix64(seed: seed)
        var reps = [Double](repeating: 0, count: Swift.max(1, iterations))
        for k in reps.indices { reps[k] = resampledMean(wins, &rng) }
        return percentile(reps, estimate: mean(wins), level: level)
    }

    static func mean(_ v: [Double]) -> Double { v.reduce(0, +) / Double(v.count) }

    static func resampledMean(_ v: [Double], _ rng: inout SplitMix64) -> Double {
        var s = 0.0
        let n = UInt64(v.count)
        for _ in 0..<v.count { s += v[Int(rng.next() % n)] }
        return s / Double(v.count)
    }

    static func percentile(_ reps: [Double], estimate: Double, level: Double) -> Interval {
        let st = SummaryStats(reps)
        let tail = (1 - level) / 2
        return Interval(estimate: estimate, lower: st.quantile(tail), upper: st.quantile(1 - tail))
    }
}
