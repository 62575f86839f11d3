import CKernels

/// y = x · Wᵀ (+ b) for decoding, W in HF's [out, in] layout stored as f32, bf16 or f16.
///
/// Decoding a batch is bound by reading the weights, so every weight must be read once per
/// step for all rows. Up to `fewRows` rows (the active sequences of a batch) the C kernel
/// does that: each tile of weight rows is widened in registers and multiplied against every
/// x row while it sits in cache; our threads split the output columns. (OpenBLAS's sgemm
/// packs the whole weight matrix for every call, which for a handful of rows costs more than
/// the product: batch 8 ran at 1.9× batch 1.) Each output element is summed the same way
/// whatever the row count (ckernels.h), so a row's logits do not depend on its batch.
/// More rows (batch sizes above `fewRows`): f32 goes to sgemm; half weights are widened a
/// block of rows at a time into per-thread scratch, then sgemm on that block.
public enum DecodeLinear {
    public static let fewRows = 64
    /// Floats of one worker's widened block on the many-rows path (128 KiB: fits L2 beside x).
    public static let blockFloats = 32 * 1024

    public static func forward(x: UnsafePointer<Float>, w: UnsafeRawPointer, dtype: WeightsDType,
                               b: UnsafePointer<Float>?, y: UnsafeMutablePointer<Float>, rows: Int, inDim: Int,
                               outDim: Int, accumulate: Bool = false, scratch: Scratch,
                               variant: KernelVariant = .selected) {
        if rows > fewRows {
            if dtype == .f32 {
                Linear.forward(x: x, w: w.assumingMemoryBound(to: Float.self), b: b, y: y, rows: rows, inDim: inDim,
                               outDim: outDim, accumulate: accumulate)
                return
            }
            manyRows(x: x, w: w, dtype: dtype, y: y, rows: rows, inDim: inDim, outDim: outDim,
                     accumulate: accumulate, scratch: scratch, variant: variant)
        } else {
            fewRows(x: x, w: w, dtype: dtype, y: y, rows: rows, inDim: inDim, outDim: outDim,
                    accumulate: accumulate, scratch: scratch, variant: variant)
        }
        if let b {
            for r in 0..<rows { let yr = y + r * outDim; for o in 0..<outDim { yr[o] += b[o] } }
        }
    }

    static func fewRows(x: UnsafePointer<Float>, w: UnsafeRawPointer, dtype: WeightsDType, y: UnsafeMutablePointer<Float>,
                        rows: Int, inDim: Int, outDim: Int, accumulate: Bool, scratch: Scratch, variant: KernelVariant) {
        // At least 16 columns per worker, or the hand-off costs more than the work.
        let workers = max(1, min(Parallel.workers, outDim / 16))
        let per = Int(pk_linear_scratch_floats(Int64(inDim)))          // [4, inDim] widened tile
        let space = scratch.get(workers * per)
        let chunk = (outDim + workers - 1) / workers
        let code = dtype.kernelCode
        let kernel = switch variant {
        case .avx512: pk_linear_avx512
        case .avx2: pk_linear_avx2
        case .portable: pk_linear_portable
        }
        Parallel.forRange(workers) { lo, hi in
            for worker in lo..<hi {
                let n0 = worker * chunk, n1 = min(outDim, n0 + chunk)
                kernel(code, x, Int64(rows), w, Int64(inDim), y, Int64(outDim), Int64(n0), Int64(n1),
                       accumulate ? 1 : 0, space + worker * per)
            }
        }
    }

    static func manyRows(x: UnsafePointer<Float>, w: UnsafeRawPointer, dtype: WeightsDType, y: UnsafeMutablePointer<Float>,
                         rows: Int, inDim: Int, outDim: Int, accumulate: Bool, scratch: Scratch, variant: KernelVariant) {
        let workers = max(1, min(Parallel.workers, outDim / 64))
        // A block holds at least one widened row: inputs wider than blockFloats get a wider block.
        let block = max(blockFloats, inDim), blockRows = block / inDim
        let space = scratch.get(workers * block)
        let perWorker = (outDim + workers - 1) / workers
        let code = dtype.kernelCode, width = dtype.byteWidth, vector = variant != .portable
        Parallel.forRange(workers, callsBLAS: true) { lo, hi in
            for worker in lo..<hi {
                var r = worker * perWorker
                let end = min(outDim, r + perWorker)
                let mine = space + worker * block                              // [blockRows, inDim]
                while r < end {
                    let n = min(blockRows, end - r)
                    let src = w + r * inDim * width
                    if vector { pk_widen_avx2(code, src, mine, Int64(n * inDim)) } else { pk_widen(code, src, mine, Int64(n * inDim)) }
                    sgemm(transB: true, m: rows, n: n, k: inDim, a: x, lda: inDim, b: mine, ldb: inDim,
                          beta: accumulate ? 1 : 0, c: y + r, ldc: outDim)
                    r += n
                }
            }
        }
    }
}
