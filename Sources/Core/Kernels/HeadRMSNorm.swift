/// Per-head RMSNorm of queries and keys (Qwen3's and Gemma 3's q_norm/k_norm), applied to
/// the fused [tokens, (H + 2·KV)·d] projection output before RoPE. Each of the H query
/// heads is normalised over its d values with the weight `wq` [d], each of the KV key
/// heads with `wk` [d]; the value columns pass through unchanged.
public enum HeadRMSNorm {
    public struct Shape {
        public let heads: Int
        public let kvHeads: Int
        public let headDim: Int
        public var rowStride: Int { (heads + 2 * kvHeads) * headDim }
        /// Normalised vectors per token: H query heads, then KV key heads.
        public var normedPerRow: Int { heads + kvHeads }

        public init(_ a: AttentionShape) {
            heads = a.heads
            kvHeads = a.kvHeads
            headDim = a.headDim
        }
    }

    /// y = norm(x) on q and k heads, copy of x on v. invRMS: [rows, H + KV].
    public static func forward(shape s: Shape, x: UnsafePointer<Float>, wq: UnsafePointer<Float>,
                               wk: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>,
                               invRMS: UnsafeMutablePointer<Float>, rows: Int, eps: Float, offset: Float) {
        let d = s.headDim
        let normed = s.normedPerRow
        Parallel.forRange(rows, minPerWorker: 8) { lo, hi in
            for r in lo..<hi {
                let xr = x + r * s.rowStride
                let yr = y + r * s.rowStride
                for h in 0..<normed {
                    let w = h < s.heads ? wq : wk
                    let xv = xr + h * d
                    let yv = yr + h * d
                    var ss: Float = 0
                    for i in 0..<d { ss += xv[i] * xv[i] }
                    let inv = 1 / (ss / Float(d) + eps).squareRoot()
                    invRMS[r * normed + h] = inv
                    for i in 0..<d { yv[i] = xv[i] * inv * (w[i] + offset) }
                }
                let vCount = s.kvHeads * d
                (yr + normed * d).update(from: xr + normed * d, count: vCount)
            }
        }
    }

    /// dx += dL/dx (v columns: dx += dy); dwq, dwk += their gradients when given.
    public static func backward(shape s: Shape, dy: UnsafePointer<Float>, x: UnsafePointer<Float>,
                                wq: UnsafePointer<Float>, wk: UnsafePointer<Float>, invRMS: UnsafePointer<Float>,
                                dx: UnsafeMutablePointer<Float>, dwq: UnsafeMutablePointer<Float>?,
                                dwk: UnsafeMutablePointer<Float>?, rows: Int, offset: Float) {
        let d = s.headDim
        let normed = s.normedPerRow
        Parallel.forRange(rows, minPerWorker: 8) { lo, hi in
            for r in lo..<hi {
                let xr = x + r * s.rowStride
                let dyr = dy + r * s.rowStride
                let dxr = dx + r * s.rowStride
                for h in 0..<normed {
                    let w = h < s.heads ? wq : wk
                    let xv = xr + h * d
                    let dyv = dyr + h * d
                    let dxv = dxr + h * d
                    let inv = invRMS[r * normed + h]
                    var dot: Float = 0
                    for i in 0..<d { dot += (w[i] + offset) * dyv[i] * xv[i] }
                    let k = inv * inv * inv * dot / Float(d)
                    for i in 0..<d { dxv[i] += inv * (w[i] + offset) * dyv[i] - k * xv[i] }
                }
                for i in (normed * d)..<s.rowStride { dxr[i] += dyr[i] }
            }
        }
        // Weight gradients summed over every row and head: serial, so no two workers race.
        for r in 0..<rows {
            for h in 0..<normed {
                guard let dw = h < s.heads ? dwq : dwk else { continue }
                let xv = x + r * s.rowStride + h * d
                let dyv = dy + r * s.rowStride + h * d
                let inv = invRMS[r * normed + h]
                for i in 0..<d { dw[i] += dyv[i] * xv[i] * inv }
            }
        }
    }
}
