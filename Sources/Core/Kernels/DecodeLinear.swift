import CKernels

/// y = x · Wᵀ (+ b) for generation (decode steps and the prefill), W in HF's [out, in] layout
/// stored as f32, bf16 or f16.
///
/// Decoding a batch is bound by reading the weights, so every weight must be read once per
/// step for all rows. The C kernel (ckernels.h) does that: each tile of weight rows is widened
/// in registers and multiplied against every x row while it sits in cache; our threads split
/// the output columns. (OpenBLAS's sgemm packs the whole weight matrix on every call, which for
/// a handful of rows costs more than the product: batch 8 ran at 1.9× batch 1.) Each output
/// element is summed the same way whatever the row count, so a row's result does not depend
/// on the rows it shares a call with, which continuous batching needs and sgemm does not give.
/// Rows go `rowBlock` at a time so that the block of x stays in L2 while the weights stream.
public enum DecodeLinear {
    /// Rows of x per pass over the weights (64 × 4864 floats = 1.2 MiB: fits L2).
    public static let rowBlock = 64

    public static func forward(x: UnsafePointer<Float>, w: UnsafeRawPointer, dtype: WeightsDType,
                               b: UnsafePointer<Float>?, y: UnsafeMutablePointer<Float>, rows: Int, inDim: Int,
                               outDim: Int, accumulate: Bool = false, scratch: Scratch,
                               variant: KernelVariant = .selected) {
        // At least 16 columns per worker, or the hand-off costs more than the work.
        let workers = max(1, min(Parallel.workers, outDim / 16))
        // Per worker: a [4, inDim] widened weight tile and a permuted copy of the x block.
        let per = Int(pk_linear_scratch_floats(Int64(min(rows, rowBlock)), Int64(inDim)))
        let space = scratch.get(workers * per)
        let code = dtype.kernelCode
        let kernel: pk_linear_fn = switch variant {
        case .avx512: pk_linear_avx512
        case .avx2: pk_linear_avx2
        case .portable: pk_linear_portable
        }
        var r0 = 0
        while r0 < rows {
            let m = min(rowBlock, rows - r0)
            let xb = x + r0 * inDim, yb = y + r0 * outDim                  // [m, inDim], [m, outDim]
            // Worker i takes output columns [i·⌈outDim/workers⌉, …) on the C kernels' own team
            // of threads, which hands a product over far faster than a dispatch queue (team.c).
            pk_linear_team(kernel, Int32(workers), code, xb, Int64(m), w, Int64(inDim), yb, Int64(outDim), Int64(outDim),
                           accumulate ? 1 : 0, space, Int64(per))
            r0 += m
        }
        if let b { Linear.addBias(b, to: y, rows: rows, outDim: outDim) }
    }
}
