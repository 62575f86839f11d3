/// Keys (after RoPE) and values of every layer for a set of sequences ("rows"), allocated
/// once for prompt + max new tokens so decoding never reallocates or copies.
/// Row r owns one block: per layer, K [capacity_r, kvDim] then V [capacity_r, kvDim].
/// Each row has its own capacity, so a short prompt does not pay for a long one.
public final class KVCache {
    public let layers: Int, kvDim: Int
    public let capacities: [Int]
    /// Positions filled so far, per row; the next token of row r goes at lengths[r].
    public internal(set) var lengths: [Int]
    private let offsets: [Int]
    private let storage: FloatBuffer

    public init(config: ModelConfig, capacities: [Int]) {
        layers = config.numLayers; kvDim = config.kvDim
        self.capacities = capacities
        lengths = [Int](repeating: 0, count: capacities.count)
        var off = 0, offs: [Int] = []
        for c in capacities { offs.append(off); off += config.numLayers * 2 * c * config.kvDim }
        offsets = offs
        storage = FloatBuffer(count: off)
    }

    public var rowCount: Int { capacities.count }
    /// Bytes held, for reporting.
    public var byteCount: Int { storage.count * 4 }

    @inline(__always) func keys(_ row: Int, _ layer: Int) -> UnsafeMutablePointer<Float> {
        storage.ptr + offsets[row] + layer * 2 * capacities[row] * kvDim
    }
    @inline(__always) func values(_ row: Int, _ layer: Int) -> UnsafeMutablePointer<Float> {
        keys(row, layer) + capacities[row] * kvDim
    }

    /// Makes row `dst` a copy of row `src` (several samples of one prompt share one prefill).
    public func copyRow(_ src: Int, to dst: Int) throws {
        guard capacities[dst] >= lengths[src] else {
            throw PrefkitError("KV cache row \(dst) holds \(capacities[dst]) positions, row \(src) has \(lengths[src])")
        }
        for l in 0..<layers {
            keys(dst, l).update(from: keys(src, l), count: lengths[src] * kvDim)
            values(dst, l).update(from: values(src, l), count: lengths[src] * kvDim)
        }
        lengths[dst] = lengths[src]
    }
}
