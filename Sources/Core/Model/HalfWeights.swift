import CKernels

/// A bfloat16 or float16 copy of the model's matrices (projections, embeddings / LM head), at
/// the same offsets as the f32 parameters so every reader addresses both alike. Norm weights,
/// biases and a reward model's score head are f32 only. Rounding is to nearest even, as torch does.
///
/// Either the model keeps its f32 matrices too (a DecodeWorkspace narrowing an f32 model for
/// decoding), or the matrices live only here (Transformer.halfMatrices: loaded that way, or
/// moved by keepMatricesOnlyIn): then the f32 buffer's matrix pages are never touched and cost
/// no memory (PageMemory), and every product reads this copy (WeightMatrix).
public final class HalfWeights {
    public let dtype: WeightsDType
    public let count: Int
    let ptr: UnsafeMutablePointer<UInt16>

    /// Whether the half copy holds an entry: every matrix but the score head (one row, trained
    /// by reward modelling, so it stays f32).
    public static func holds(_ e: ParameterLayout.Entry) -> Bool {
        e.shape.count == 2 && e.hfName != "score.weight"
    }

    /// Zeros for every entry (filled by the loader); pages cost memory once written.
    public init(layout: ParameterLayout, dtype: WeightsDType) {
        precondition(dtype != .f32, "HalfWeights holds bf16 or f16")
        self.dtype = dtype
        count = layout.totalCount
        // Written whole (but for the few vector slots) and streamed every decode step: huge pages.
        ptr = PageMemory.allocate(bytes: max(1, count) * 2, hugePages: true).bindMemory(to: UInt16.self, capacity: max(1, count))
    }

    /// The model's f32 matrices rounded to `dtype`.
    public convenience init(_ model: Transformer, dtype: WeightsDType) {
        self.init(layout: model.layout, dtype: dtype)
        let src = model.params.ptr, dst = ptr, code = dtype.kernelCode
        for e in model.layout.entries where Self.holds(e) {
            let off = e.offset
            Parallel.forRange(e.count, minPerWorker: 1 << 16) { lo, hi in
                pk_narrow(code, src + off + lo, dst + off + lo, Int64(hi - lo))
            }
        }
    }
    deinit { PageMemory.deallocate(UnsafeMutableRawPointer(ptr), bytes: max(1, count) * 2) }

    /// The first entry holding inf or NaN (f16 overflows to inf past 65504), and the index in it.
    public func firstNonFinite(_ layout: ParameterLayout) -> (ParameterLayout.Entry, Int)? {
        for e in layout.entries where Self.holds(e) {
            let i = pk_first_nonfinite(dtype.kernelCode, ptr + e.offset, Int64(e.count))
            if i >= 0 { return (e, Int(i)) }
        }
        return nil
    }
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
