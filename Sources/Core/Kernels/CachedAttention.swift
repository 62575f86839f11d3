import Foundation

/// Attention of one new query token per row against that row's own cached keys and values.
/// Rows have different lengths and nothing is padded. A task is (row, kv head): the query
/// heads sharing that kv head form one [group, headDim] matrix, so each cached key and value
/// is read once per step whatever the GQA group size.
public enum CachedAttention {
    /// q: [rows, qStride] with head h at column h·headDim; lengths[i] positions of cache row
    /// rows[i] (the new token's key/value already stored). out: [rows, heads·headDim].
    /// scores: rows · heads · max(lengths) floats.
    public static func forward(shape a: AttentionShape, params ap: AttentionParams, q: UnsafePointer<Float>, qStride: Int,
                               cache: KVCache, layer: Int, rows: [Int], lengths: [Int],
                               scores: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>) {
        let group = a.heads / a.kvHeads, hd = a.headDim, kvDim = cache.kvDim
        let scale = ap.scale
        let maxL = lengths.max() ?? 0
        Parallel.forRange(rows.count * a.kvHeads, callsBLAS: true) { lo, hi in
            for task in lo..<hi {
                let i = task / a.kvHeads, g = task % a.kvHeads
                let row = rows[i]
                // A sliding window sees only the last `window` positions of the cache.
                let first = ap.firstKey(lengths[i] - 1)
                let L = lengths[i] - first
                let qg = q + i * qStride + g * group * hd
                let k = cache.keys(row, layer) + first * kvDim + g * hd
                let v = cache.values(row, layer) + first * kvDim + g * hd
                let s = scores + task * group * maxL
                sgemm(transB: true, m: group, n: L, k: hd, alpha: scale, a: qg, lda: hd, b: k, ldb: kvDim, c: s, ldc: L)
                for r in 0..<group {
                    let p = s + r * L
                    if let cap = ap.softcap {
                        for j in 0..<L { p[j] = cap * tanhf(p[j] / cap) }
                    }
                    var mx = -Float.infinity
                    for j in 0..<L { mx = max(mx, p[j]) }
                    var sum: Float = 0
                    for j in 0..<L { let e = expf(p[j] - mx); p[j] = e; sum += e }
                    let inv = 1 / sum
                    for j in 0..<L { p[j] *= inv }
                }
                sgemm(m: group, n: hd, k: L, a: s, lda: L, b: v, ldb: kvDim,
                      c: out + i * a.outStride + g * group * hd, ldc: hd)
            }
        }
    }
}
