/// How the inference stages (precompute-ref, rm-score, generate) split their records across
/// ranks and put the results back together: each rank takes one contiguous block of the input,
/// cut at whole batches, so every batch is the very batch one process would run and the
/// gathered results are bit for bit those of one process; rank 0 then writes the one output.
extension Ranks {
    /// This rank's block of 0..<count, cut at multiples of `unit` (the stage's batch).
    public func shard(_ count: Int, unit: Int = 1) -> Range<Int> {
        Self.shard(count, unit: unit, rank: rank, size: size)
    }

    /// The smallest block that is whole batches of every batching a stage does (their lcm).
    public static func commonUnit(_ units: Int...) -> Int {
        func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }
        return units.map { max(1, $0) }.reduce(1) { $0 / gcd($0, $1) * $1 }
    }

    public static func shard(_ count: Int, unit: Int, rank: Int, size: Int) -> Range<Int> {
        let u = max(1, unit), units = (count + u - 1) / u
        let lo = units * rank / size, hi = units * (rank + 1) / size
        return min(count, lo * u)..<min(count, hi * u)
    }

    /// Each rank's values of its block, concatenated in rank (= input) order on rank 0; nil elsewhere.
    public func gatherInOrder(_ local: [Double]) throws -> [Double]? {
        guard isDistributed else { return local }
        var bytes = [UInt8](repeating: 0, count: local.count * 8)
        bytes.withUnsafeMutableBytes { dst in local.withUnsafeBytes { dst.copyMemory(from: $0) } }
        return try gatherToRoot(bytes).map { parts in
            parts.flatMap { p in p.withUnsafeBytes { Array($0.bindMemory(to: Double.self)) } }
        }
    }

    /// Each rank's bytes (e.g. its serialized records), concatenated in rank order on rank 0.
    public func gatherInOrder(_ local: [UInt8]) throws -> [UInt8]? {
        guard isDistributed else { return local }
        return try gatherToRoot(local).map { $0.flatMap { $0 } }
    }
}
