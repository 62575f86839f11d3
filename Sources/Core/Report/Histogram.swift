import Foundation

/// Counts over fixed bin edges. Several series share one set of edges so their bars line up
/// (overlaid plots, comparisons across files). Bins are [e_i, e_i+1), the last one closed.
public struct Histogram {
    public let edges: [Double]
    public private(set) var counts: [Int]
    /// Values below the first edge or above the last (when edges came from other data).
    public private(set) var outside = 0

    public init(edges: [Double]) {
        self.edges = edges
        counts = [Int](repeating: 0, count: Swift.max(0, edges.count - 1))
    }

    public init(_ values: [Double], edges: [Double]) {
        self.init(edges: edges)
        for v in values { add(v) }
    }

    public mutating func add(_ v: Double) {
        guard counts.count > 0, v.isFinite, v >= edges[0], v <= edges[edges.count - 1] else { outside += 1; return }
        // Binary search for the last edge ≤ v: edges need not be evenly spaced.
        var lo = 0, hi = edges.count - 1
        while hi - lo > 1 { let mid = (lo + hi) / 2; if edges[mid] <= v { lo = mid } else { hi = mid } }
        counts[Swift.min(lo, counts.count - 1)] += 1
    }

    public var total: Int { counts.reduce(0, +) }

    /// `bins` equal-width bins covering every finite value of every sample. A sample with
    /// no spread gets a unit-wide range around its value so that the edges stay distinct.
    public static func sharedEdges(_ samples: [[Double]], bins: Int) -> [Double] {
        let n = Swift.max(1, bins)
        var lo = Double.infinity, hi = -Double.infinity
        for s in samples { for v in s where v.isFinite { lo = Swift.min(lo, v); hi = Swift.max(hi, v) } }
        if !lo.isFinite { lo = 0; hi = 1 }
        if hi - lo < 1e-12 * Swift.max(1, abs(lo)) { lo -= 0.5; hi += 0.5 }
        let w = (hi - lo) / Double(n)
        return (0...n).map { $0 == n ? hi : lo + Double($0) * w }
    }

    public var json: JSONValue { .array(counts.map { .number(Double($0)) }) }
}
