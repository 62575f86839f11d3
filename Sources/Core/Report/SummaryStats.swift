import Foundation

/// Count, mean, population std (ddof 0, as numpy and torch's reward normalisation use),
/// min, max and quantiles of a sample. Empty samples give NaN rather than a crash.
public struct SummaryStats {
    public let count: Int
    public let mean: Double, std: Double, min: Double, max: Double
    /// The sample, sorted: quantiles read from it.
    public let sorted: [Double]

    /// The quantile levels summary.json reports.
    public static let levels: [Double] = [0.05, 0.25, 0.5, 0.75, 0.95]

    public init(_ values: [Double]) {
        sorted = values.sorted()
        count = values.count
        guard count > 0 else { mean = .nan; std = .nan; min = .nan; max = .nan; return }
        // Two passes: the one-pass formula loses digits when the mean is large against the spread.
        let m = values.reduce(0, +) / Double(count)
        mean = m
        std = (values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(count)).squareRoot()
        min = sorted.first!; max = sorted.last!
    }

    /// Standard error of the mean: the sample std (ddof 1) over √n, that is std / √(n − 1);
    /// NaN below two values.
    public var standardError: Double { count > 1 ? std / Double(count - 1).squareRoot() : .nan }

    /// Linear interpolation between order statistics (numpy's default, "type 7").
    public func quantile(_ q: Double) -> Double {
        guard count > 0 else { return .nan }
        let pos = Swift.min(Swift.max(q, 0), 1) * Double(count - 1)
        let lo = Int(pos.rounded(.down)), hi = Swift.min(lo + 1, count - 1)
        return sorted[lo] + (pos - Double(lo)) * (sorted[hi] - sorted[lo])
    }

    /// The fields of summary.json: count, mean, std, min, max, quantiles {"5": …, "95": …}.
    public var json: JSONValue {
        var q: [(String, JSONValue)] = []
        for l in Self.levels { q.append((String(Int((l * 100).rounded())), .finite(quantile(l)))) }
        return .object([("count", .number(Double(count))), ("mean", .finite(mean)), ("std", .finite(std)),
                        ("min", .finite(min)), ("max", .finite(max)), ("quantiles", .object(q))])
    }
}

extension JSONValue {
    /// A number, or null where JSON cannot hold the value (NaN, inf).
    public static func finite(_ v: Double) -> JSONValue { v.isFinite ? .number(v) : .null }
}
