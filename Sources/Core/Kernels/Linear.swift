/// y = x · Wᵀ (+ b) with W in HF's [out, in] layout; all three products are one sgemm each
/// (forward on a half-precision W: see WeightMatrix).
public enum Linear {
    /// y[r] += b for each of `rows` rows of y [rows, outDim].
    public static func addBias(_ b: UnsafePointer<Float>, to y: UnsafeMutablePointer<Float>, rows: Int, outDim: Int) {
        for r in 0..<rows {
            let yr = y + r * outDim
            for o in 0..<outDim { yr[o] += b[o] }
        }
    }

    /// dx (= or += dy·W), dW += dyᵀ·x, db += Σ_rows dy. dx may be nil when nobody needs it.
    public static func backward(dy: UnsafePointer<Float>, x: UnsafePointer<Float>, w: UnsafePointer<Float>,
                                dx: UnsafeMutablePointer<Float>?, dw: UnsafeMutablePointer<Float>?,
                                db: UnsafeMutablePointer<Float>?, rows: Int, inDim: Int, outDim: Int,
                                accumulateDX: Bool = false) {
        if let dx {
            sgemm(m: rows, n: inDim, k: outDim, a: dy, lda: outDim, b: w, ldb: inDim,
                  beta: accumulateDX ? 1 : 0, c: dx, ldc: inDim)
        }
        if let dw {
            sgemm(transA: true, m: outDim, n: inDim, k: rows, a: dy, lda: outDim, b: x, ldb: inDim,
                  beta: 1, c: dw, ldc: inDim)
        }
        if let db {
            for r in 0..<rows { let d = dy + r * outDim; for o in 0..<outDim { db[o] += d[o] } }
        }
    }

    /// y (= or +=) x · Wᵀ (+ b), W a WeightMatrix (f32, or a frozen half copy).
    public static func forward(x: UnsafePointer<Float>, w: WeightMatrix, b: UnsafePointer<Float>?,
                               y: UnsafeMutablePointer<Float>, rows: Int, accumulate: Bool = false, scratch: Scratch) {
        w.timesTransposed(x, m: rows, y: y, ldy: w.rows, accumulate: accumulate, scratch: scratch)
        if let b { addBias(b, to: y, rows: rows, outDim: w.rows) }
    }

    /// The same backward with W a WeightMatrix. A half W is frozen: it takes no gradient.
    public static func backward(dy: UnsafePointer<Float>, x: UnsafePointer<Float>, w: WeightMatrix,
                                dx: UnsafeMutablePointer<Float>?, dw: UnsafeMutablePointer<Float>?,
                                db: UnsafeMutablePointer<Float>?, rows: Int, accumulateDX: Bool = false, scratch: Scratch) {
        guard let f32 = w.f32 else {
            precondition(dw == nil && db == nil, "a half-precision weight is frozen: it has no gradient")
            if let dx { w.times(dy, m: rows, lda: w.rows, y: dx, accumulate: accumulateDX, scratch: scratch) }
            return
        }
        backward(dy: dy, x: x, w: f32, dx: dx, dw: dw, db: db, rows: rows, inDim: w.cols, outDim: w.rows,
                 accumulateDX: accumulateDX)
    }
}
