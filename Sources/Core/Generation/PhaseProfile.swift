import Foundation

/// Wall time per named phase of generation (prefill, projections, attention, LM head,
/// sampling, …), summed over a run: where a decode step's time goes. Benchmarks set one on
/// the decode workspace; a nil profile costs nothing.
public final class PhaseProfile {
    public private(set) var seconds: [String: Double] = [:]
    public init() {}

    @inline(__always)
    public func measure<R>(_ phase: String, _ body: () throws -> R) rethrows -> R {
        let t0 = DispatchTime.now().uptimeNanoseconds
        defer { seconds[phase, default: 0] += Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9 }
        return try body()
    }
}

extension Optional where Wrapped == PhaseProfile {
    /// Runs body, timed when a profile is set.
    @inline(__always)
    func measure<R>(_ phase: String, _ body: () throws -> R) rethrows -> R {
        if let p = self { return try p.measure(phase, body) }
        return try body()
    }
}
