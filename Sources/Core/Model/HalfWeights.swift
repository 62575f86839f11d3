import CKernels

/// A bfloat16 or float16 copy of the model's matrices (projections, embeddings / LM head), at
/// the same offsets as the fp32 parameters so a decode step addresses both alike. Norm weights
/// and biases are read from the fp32 parameters. Rounding is to nearest even, as torch does.
public final class HalfWeights {
    public let dtype: WeightsDType
    public let count: Int
    let ptr: UnsafeMutablePointer<UInt16>

    public init(_ model: Transformer, dtype: WeightsDType) {
        precondition(dtype != .f32, "HalfWeights holds bf16 or f16")
        self.dtype = dtype
        count = model.layout.totalCount
        ptr = .allocate(capacity: max(1, count))
        ptr.initialize(repeating: 0, count: max(1, count))
        let src = model.params.ptr, dst = ptr, code = dtype.kernelCode
        for e in model.layout.entries where e.shape.count == 2 {
            let off = e.offset
            Parallel.forRange(e.count, minPerWorker: 1 << 16) { lo, hi in
                pk_narrow(code, src + off + lo, dst + off + lo, Int64(hi - lo))
            }
        }
    }
    deinit { ptr.deallocate() }
}

extension WeightsDType {
    /// The dtype code of ckernels.h.
    var kernelCode: Int32 {
        switch self {
        case .f32: return Int32(PK_F32)
        case .bf16: return Int32(PK_BF16)
        case .f16: return Int32(PK_F16)
        }
    }
}

/// Rounds fp32 weights to how a dtype stores them: the stored bytes and their exact values.
/// For tests and benchmarks that compare a half-precision kernel with fp32 math.
public enum HalfRounding {
    public static func round(_ w: [Float], to dtype: WeightsDType) -> (values: [Float], raw: [UInt8]) {
        var raw = [UInt8](repeating: 0, count: max(1, w.count * dtype.byteWidth))
        var values = w
        if dtype != .f32 {
            raw.withUnsafeMutableBytes { r in
                w.withUnsafeBufferPointer { pk_narrow(dtype.kernelCode, $0.baseAddress!, r.baseAddress!, Int64(w.count)) }
                values.withUnsafeMutableBufferPointer { pk_widen(dtype.kernelCode, r.baseAddress!, $0.baseAddress!, Int64(w.count)) }
            }
        } else {
            raw.withUnsafeMutableBytes { r in w.withUnsafeBytes { r.copyMemory(from: $0) } }
        }
        return (values, raw)
    }
}
