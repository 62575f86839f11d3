/// Named sums (a step's metrics) added up over ranks. Ranks may hold different names (a KTO
/// shard without undesirable examples has no rewards/rejected), so each sends its pairs and
/// every rank adds all of them in rank order: every rank ends with the same dictionary.
extension Ranks {
    public func sum(_ m: [String: Double]) throws -> [String: Double] {
        guard isDistributed else { return m }
        // Each pair: key length (4 bytes), key (UTF-8), value (8 bytes), all little-endian.
        var bytes: [UInt8] = []
        func put(_ v: UInt64, _ n: Int) { for j in 0..<n { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(j)))) } }
        for (k, v) in m.sorted(by: { $0.key < $1.key }) {
            let key = Array(k.utf8)
            put(UInt64(key.count), 4)
            bytes += key
            put(v.bitPattern, 8)
        }
        var out: [String: Double] = [:]
        for part in try allgather(bytes) {
            func get(_ at: Int, _ n: Int) -> UInt64 { (0..<n).reduce(0) { $0 | UInt64(part[at + $1]) << (8 * UInt64($1)) } }
            var i = 0
            while i + 4 <= part.count {
                let len = Int(get(i, 4))
                let key = String(decoding: part[(i + 4)..<(i + 4 + len)], as: UTF8.self)
                out[key, default: 0] += Double(bitPattern: get(i + 4 + len, 8))
                i += 12 + len
            }
        }
        return out
    }

    /// Whether every rank holds the same `values` (a digest of the weights): the ranks apply the
    /// same update to the same state, so a difference means something went wrong.
    public func agree(_ value: UInt64) throws -> Bool {
        guard isDistributed else { return true }
        var b: [UInt8] = []
        withUnsafeBytes(of: value.littleEndian) { b += $0 }
        return try Set(allgather(b)).count == 1
    }
}
