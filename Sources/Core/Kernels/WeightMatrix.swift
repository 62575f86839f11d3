import CKernels

/// The weight operand W [rows, cols] (HF's [out, in] layout) of a product: the model's f32
/// parameters, or a frozen bf16/f16 copy (HalfWeights: the LoRA base, a reference model, a
/// model loaded for generation with --weights-dtype).
///
/// x·Wᵀ on a half matrix runs in the decode kernel (DecodeLinear), which widens each weight in
/// registers. W's transpose is not a shape that kernel reads, so dy·W (backward) widens a block
/// of rows at a time into scratch and multiplies each block by sgemm while it sits in cache:
/// widening costs O(rows·cols) per call against the product's O(m·rows·cols). The values
/// multiplied are exactly the stored ones either way.
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
        // The decode kernel widens each weight in registers as it multiplies: no widened copy
        // is written and read back (for the LM head, 136M weights per chunk of rows), and it
        // runs near sgemm's rate from 64 rows on (the ceiling line of prefkit-bench).
        precondition(ldy == rows, "a half matrix's product fills whole rows of y")
        DecodeLinear.forward(x: x, w: UnsafeRawPointer(half!), dtype: dtype, b: nil, y: y, rows: m, inDim: cols, outDim: rows,
                             accumulate: accumulate, scratch: scratch)
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
