import CKernels

/// The weight operand W [rows, cols] (HF's [out, in] layout) of a product: the model's f32
/// parameters, or a frozen bf16/f16 copy (HalfWeights: the LoRA base, a reference model, a
/// model loaded for generation with --weights-dtype).
///
/// Half matrices are widened a block of rows at a time into scratch, and each block is
/// multiplied by sgemm while it sits in cache. Widening costs O(rows·cols) per call against the
/// product's O(m·rows·cols), so with tens of rows or more (training, scoring, the LM head's
/// chunks) the product runs at sgemm's pace; decoding's few rows use DecodeLinear instead,
/// which widens in registers. The values multiplied are exactly the stored ones.
public struct WeightMatrix {
    public let rows: Int
    public let cols: Int
    let f32: UnsafePointer<Float>?
    let half: UnsafePointer<UInt16>?
    let dtype: WeightsDType

    public init(f32: UnsafePointer<Float>, rows: Int, cols: Int) {
        self.f32 = f32; half = nil; dtype = .f32
        self.rows = rows; self.cols = cols
    }

    public init(half: UnsafePointer<UInt16>, dtype: WeightsDType, rows: Int, cols: Int) {
        precondition(dtype != .f32, "a half matrix is bf16 or f16")
        f32 = nil; self.half = half; self.dtype = dtype
        self.rows = rows; self.cols = cols
    }

    /// Floats of one widened block (4 MiB): it stays in L2/L3 while sgemm reads it.
    static let blockFloats = 1 << 20

    /// Rows of W per block.
    var blockRows: Int { max(1, min(rows, Self.blockFloats / max(1, cols))) }

    /// y[:, 0 ..< rows] (= or +=) x · Wᵀ. x: [m, cols]; y: [m, ldy].
    public func timesTransposed(_ x: UnsafePointer<Float>, m: Int, y: UnsafeMutablePointer<Float>, ldy: Int,
                                accumulate: Bool = false, scratch: Scratch) {
        if let f32 {
            sgemm(transB: true, m: m, n: rows, k: cols, a: x, lda: cols, b: f32, ldb: cols,
                  beta: accumulate ? 1 : 0, c: y, ldc: ldy)
            return
        }
        var r0 = 0
        while r0 < rows {
            let r1 = min(rows, r0 + blockRows)
            let wb = widen(r0, r1, scratch)                                        // [r1 − r0, cols]
            sgemm(transB: true, m: m, n: r1 - r0, k: cols, a: x, lda: cols, b: wb, ldb: cols,
                  beta: accumulate ? 1 : 0, c: y + r0, ldc: ldy)
            r0 = r1
        }
    }

    /// y (= or +=) x · W. x: [m, lda], its first `rows` columns; y: [m, cols].
    public func times(_ x: UnsafePointer<Float>, m: Int, lda: Int, y: UnsafeMutablePointer<Float>,
                      accumulate: Bool = false, scratch: Scratch) {
        if let f32 {
            sgemm(m: m, n: cols, k: rows, a: x, lda: lda, b: f32, ldb: cols, beta: accumulate ? 1 : 0, c: y, ldc: cols)
            return
        }
        var r0 = 0
        while r0 < rows {
            let r1 = min(rows, r0 + blockRows)
            let wb = widen(r0, r1, scratch)
            // The first block sets y unless accumulating; the others add to it.
            let add = accumulate || r0 > 0
            sgemm(m: m, n: cols, k: r1 - r0, a: x + r0, lda: lda, b: wb, ldb: cols, beta: add ? 1 : 0, c: y, ldc: cols)
            r0 = r1
        }
    }

    /// Row r of W as f32 into out [cols].
    public func row(_ r: Int, into out: UnsafeMutablePointer<Float>) {
        precondition(r >= 0 && r < rows, "row \(r) outside [0, \(rows))")
        if let f32 {
            out.update(from: f32 + r * cols, count: cols)
        } else {
            pk_widen(dtype.kernelCode, half! + r * cols, out, Int64(cols))
        }
    }

    /// Rows r0 ..< r1 of a half matrix widened into scratch, in parallel.
    private func widen(_ r0: Int, _ r1: Int, _ scratch: Scratch) -> UnsafePointer<Float> {
        let count = (r1 - r0) * cols
        let dst = scratch.get(count)
        let src = half! + r0 * cols, code = dtype.kernelCode
        let vector = KernelVariant.selected != .portable
        Parallel.forRange(count, minPerWorker: 1 << 16) { lo, hi in
            if vector {
                pk_widen_avx2(code, src + lo, dst + lo, Int64(hi - lo))
            } else {
                pk_widen(code, src + lo, dst + lo, Int64(hi - lo))
            }
        }
        return UnsafePointer(dst)
    }
}
