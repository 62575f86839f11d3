/// A bfloat16 copy of the model's matrices (projections, embeddings / LM head), at the same
/// offsets as the fp32 parameters so a decode step addresses both alike. Norm weights and
/// biases are read from the fp32 parameters. Rounding is to nearest even, as torch does.
public final class BF16Weights {
    public let count: Int
    let ptr: UnsafeMutablePointer<UInt16>

    public init(_ model: Transformer) {
        count = model.layout.totalCount
        ptr = .allocate(capacity: max(1, count))
        ptr.initialize(repeating: 0, count: max(1, count))
        let src = model.params.ptr, dst = ptr
        for e in model.layout.entries where e.shape.count == 2 {
            let off = e.offset
            Parallel.forRange(e.count, minPerWorker: 1 << 16) { lo, hi in
                for i in lo..<hi { dst[off + i] = HalfFloat.bf16Bits(from: src[off + i]) }
            }
        }
    }
    deinit { ptr.deallocate() }
}
