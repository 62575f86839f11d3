/// y = x · Wᵀ (+ b) with W stored as bfloat16 in HF's [out, in] layout.
/// Decoding a few rows is bound by reading the weights, not by FLOPs; bf16 halves those
/// bytes. Blocks of weight rows are widened into a small per-worker fp32 scratch that stays
/// in cache and multiplied there, so every weight byte crosses the memory bus once per call.
public enum BF16Linear {
    /// Floats of one worker's widened block (128 KiB: fits L2 beside x and y).
    public static let blockFloats = 32 * 1024

    /// `scratch` holds Parallel.workers · blockFloats floats.
    public static func forward(x: UnsafePointer<Float>, w: UnsafePointer<UInt16>, b: UnsafePointer<Float>?,
                               y: UnsafeMutablePointer<Float>, rows: Int, inDim: Int, outDim: Int,
                               accumulate: Bool = false, scratch: UnsafeMutablePointer<Float>) {
        let workers = min(Parallel.workers, max(1, outDim / 64))
        let blockRows = max(1, blockFloats / inDim)
        let perWorker = (outDim + workers - 1) / workers
        Parallel.forRange(workers) { lo, hi in
            for worker in lo..<hi {
                let block = scratch + worker * blockFloats
                var r = worker * perWorker
                let end = min(outDim, r + perWorker)
                while r < end {
                    let n = min(blockRows, end - r)
                    widen(w + r * inDim, to: block, count: n * inDim)
                    if rows == 1 {
                        sgemv(m: n, n: inDim, a: block, lda: inDim, x: x, beta: accumulate ? 1 : 0, y: y + r)
                    } else {
                        sgemm(transB: true, m: rows, n: n, k: inDim, a: x, lda: inDim, b: block, ldb: inDim,
                              beta: accumulate ? 1 : 0, c: y + r, ldc: outDim)
                    }
                    r += n
                }
            }
        }
        if let b {
            for r in 0..<rows { let yr = y + r * outDim; for o in 0..<outDim { yr[o] += b[o] } }
        }
    }

    /// bfloat16 is the top half of a binary32: widening is a 16-bit shift.
    @inline(__always)
    static func widen(_ src: UnsafePointer<UInt16>, to dst: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { dst[i] = Float(bitPattern: UInt32(src[i]) << 16) }
    }
}
