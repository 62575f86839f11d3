import Foundation

/// Causal grouped-query attention over packed sequences.
/// q, k, v are column blocks of the fused [tokens, qkvStride] projection output;
/// head h reads kv head h / (heads / kvHeads). Probabilities are kept for backward,
/// per (sequence, head) as an L×L block at probOffset(s) + h·L².
public struct AttentionShape {
    public let heads: Int, kvHeads: Int, headDim: Int
    public var qkvStride: Int { (heads + 2 * kvHeads) * headDim }
    public var kOffset: Int { heads * headDim }
    public var vOffset: Int { (heads + kvHeads) * headDim }
    public var outStride: Int { heads * headDim }
    public init(heads: Int, kvHeads: Int, headDim: Int) { self.heads = heads; self.kvHeads = kvHeads; self.headDim = headDim }
}

/// What differs between attention layers of one model: the query scale (1/√d, or Gemma's
/// query_pre_attn_scalar), a sliding window (Mistral, Gemma 3's local layers) and
/// soft-capping of the scores (cap·tanh(s/cap), Gemma 2 style).
public struct AttentionParams: Equatable, Sendable {
    public var scale: Float
    /// Token t sees keys t − window + 1 … t (HF: kv_idx > q_idx − sliding_window); nil: all of 0 … t.
    public var window: Int?
    public var softcap: Float?

    public init(scale: Float, window: Int? = nil, softcap: Float? = nil) {
        self.scale = scale
        self.window = window
        self.softcap = softcap
    }

    /// First key position query t may see.
    @inline(__always) func firstKey(_ t: Int) -> Int {
        guard let window else { return 0 }
        return max(0, t - window + 1)
    }
}

public enum Attention {
    /// Offsets of each sequence's probability blocks; total is heads · Σ L².
    public static func probOffsets(_ batch: TokenBatch, heads: Int) -> [Int] {
        var off = 0, r: [Int] = []
        for l in batch.lengths { r.append(off); off += heads * l * l }
        return r
    }

    public static func forward(shape a: AttentionShape, params ap: AttentionParams, batch: TokenBatch,
                               qkv: UnsafePointer<Float>, probs: UnsafeMutablePointer<Float>,
                               out: UnsafeMutablePointer<Float>) {
        let offs = probOffsets(batch, heads: a.heads)
        let group = a.heads / a.kvHeads, hd = a.headDim, ld = a.qkvStride
        let scale = ap.scale
        let tasks = batch.sequenceCount * a.heads
        Parallel.forRange(tasks, callsBLAS: true) { lo, hi in
            for task in lo..<hi {
                let s = task / a.heads, h = task % a.heads, g = h / group
                let L = batch.lengths[s], base = batch.starts[s]
                if L == 0 { continue }
                let q = qkv + base * ld + h * hd
                let k = qkv + base * ld + a.kOffset + g * hd
                let v = qkv + base * ld + a.vOffset + g * hd
                let p = probs + offs[s] + h * L * L
                sgemm(transB: true, m: L, n: L, k: hd, alpha: scale, a: q, lda: ld, b: k, ldb: ld, c: p, ldc: L)
                for t in 0..<L {
                    let row = p + t * L
                    let first = ap.firstKey(t)
                    if let cap = ap.softcap {
                        for j in first...t { row[j] = cap * tanhf(row[j] / cap) }
                    }
                    var mx = -Float.infinity
                    for j in first...t { mx = max(mx, row[j]) }
                    var sum: Float = 0
                    for j in first...t { let e = expf(row[j] - mx); row[j] = e; sum += e }
                    let inv = 1 / sum
                    for j in first...t { row[j] *= inv }
                    for j in 0..<first { row[j] = 0 }
                    for j in (t + 1)..<L { row[j] = 0 }
                }
                sgemm(m: L, n: hd, k: L, a: p, lda: L, b: v, ldb: ld, c: out + base * a.outStride + h * hd, ldc: a.outStride)
            }
        }
    }

    /// dqkv += dL/dqkv from dout. Tasks are (sequence, kv head) so heads that share a kv
    /// head accumulate their dK/dV in one task, never racing.
    public static func backward(shape a: AttentionShape, params ap: AttentionParams, batch: TokenBatch,
                                qkv: UnsafePointer<Float>, probs: UnsafePointer<Float>, dout: UnsafePointer<Float>,
                                dqkv: UnsafeMutablePointer<Float>) {
        let offs = probOffsets(batch, heads: a.heads)
        let group = a.heads / a.kvHeads, hd = a.headDim, ld = a.qkvStride
        let scale = ap.scale
        let maxL = batch.maxLength
        let tasks = batch.sequenceCount * a.kvHeads
        Parallel.forRange(tasks, callsBLAS: true) { lo, hi in
            let dp = UnsafeMutablePointer<Float>.allocate(capacity: max(1, maxL * maxL))
            defer { dp.deallocate() }
            // Soft-capping needs the raw scores back for tanh' (probabilities do not give them).
            let raw = UnsafeMutablePointer<Float>.allocate(capacity: ap.softcap == nil ? 1 : max(1, maxL * maxL))
            defer { raw.deallocate() }
            for task in lo..<hi {
                let s = task / a.kvHeads, g = task % a.kvHeads
                let L = batch.lengths[s], base = batch.starts[s]
                if L == 0 { continue }
                let k = qkv + base * ld + a.kOffset + g * hd
                let v = qkv + base * ld + a.vOffset + g * hd
                let dk = dqkv + base * ld + a.kOffset + g * hd
                let dv = dqkv + base * ld + a.vOffset + g * hd
                for h in (g * group)..<((g + 1) * group) {
                    let q = qkv + base * ld + h * hd, dq = dqkv + base * ld + h * hd
                    let p = probs + offs[s] + h * L * L
                    let dO = dout + base * a.outStride + h * hd
                    // dV += Pᵀ dO ; dP = dO Vᵀ
                    sgemm(transA: true, m: L, n: hd, k: L, a: p, lda: L, b: dO, ldb: a.outStride, beta: 1, c: dv, ldc: ld)
                    sgemm(transB: true, m: L, n: L, k: hd, a: dO, lda: a.outStride, b: v, ldb: ld, c: dp, ldc: L)
                    if ap.softcap != nil {
                        sgemm(transB: true, m: L, n: L, k: hd, alpha: scale, a: q, lda: ld, b: k, ldb: ld, c: raw, ldc: L)
                    }
                    // dS = P ∘ (dP − Σ_j dP·P) · scale (· tanh' when capped), visible part only.
                    for t in 0..<L {
                        let pr = p + t * L, dr = dp + t * L
                        let first = ap.firstKey(t)
                        var dot: Float = 0
                        for j in first...t { dot += pr[j] * dr[j] }
                        for j in first...t { dr[j] = pr[j] * (dr[j] - dot) * scale }
                        if let cap = ap.softcap {
                            let zr = raw + t * L
                            for j in first...t { let th = tanhf(zr[j] / cap); dr[j] *= 1 - th * th }
                        }
                        for j in 0..<first { dr[j] = 0 }
                        for j in (t + 1)..<L { dr[j] = 0 }
                    }
                    // dQ += dS K ; dK += dSᵀ Q
                    sgemm(m: L, n: hd, k: L, a: dp, lda: L, b: k, ldb: ld, beta: 1, c: dq, ldc: ld)
                    sgemm(transA: true, m: L, n: hd, k: L, a: dp, lda: L, b: q, ldb: ld, beta: 1, c: dk, ldc: ld)
                }
            }
        }
    }
}
