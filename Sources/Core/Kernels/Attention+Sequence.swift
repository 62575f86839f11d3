import Foundation

/// One packed sequence as attention sees it: its rows, which keys each query may see
/// (causal, the sliding window by position, and for a forked sequence the branch rule), and
/// the blockwise forward and backward for one query head.
struct SequenceView {
    let base: Int
    let length: Int
    let positions: UnsafePointer<Int32>
    let shape: AttentionShape
    let params: AttentionParams
    /// Local index where the second branch starts and the first one does (forked pairs);
    /// rows of the second branch do not see the first branch.
    let fork: TokenBatch.Fork?

    init(_ batch: TokenBatch, _ s: Int, positions: UnsafePointer<Int32>, shape: AttentionShape, params: AttentionParams) {
        base = batch.starts[s]
        length = batch.lengths[s]
        self.positions = positions + base
        self.shape = shape
        self.params = params
        fork = batch.forks[s]
    }

    /// Whether query i sees key j (local indices, j ≤ i).
    @inline(__always) func visible(_ i: Int, _ j: Int) -> Bool {
        if let fork, i >= fork.second, j >= fork.first, j < fork.second { return false }
        if let w = params.window, Int(positions[i]) - Int(positions[j]) >= w { return false }
        return true
    }

    /// The first key any query of [q0, q1) may see: positions never exceed indices, so a
    /// window's earliest position is also a lower bound on the index.
    func firstKey(_ q0: Int, _ q1: Int) -> Int {
        guard let w = params.window else { return 0 }
        var lowest = Int.max
        for i in q0..<q1 { lowest = min(lowest, Int(positions[i])) }
        return max(0, lowest - w + 1)
    }

    /// Scores of the tile (queries q0 ..< q0+bq, keys k0 ..< k0+bk) into `tile` [bq, bk]:
    /// scale·q·k, capped when asked, −∞ where a key is not visible. `raw` (when given) gets the
    /// scaled scores before capping.
    func scores(head h: Int, qkv: UnsafePointer<Float>, q0: Int, bq: Int, k0: Int, bk: Int,
                tile: UnsafeMutablePointer<Float>, raw: UnsafeMutablePointer<Float>?) {
        let ld = shape.qkvStride
        let hd = shape.headDim
        let g = h / (shape.heads / shape.kvHeads)
        let q = qkv + (base + q0) * ld + h * hd
        let k = qkv + (base + k0) * ld + shape.kOffset + g * hd
        sgemm(transB: true, m: bq, n: bk, k: hd, alpha: params.scale, a: q, lda: ld, b: k, ldb: ld, c: tile, ldc: bk)
        for r in 0..<bq {
            let row = tile + r * bk
            let i = q0 + r
            if let raw { (raw + r * bk).update(from: row, count: bk) }
            if let cap = params.softcap {
                for c in 0..<bk { row[c] = cap * tanhf(row[c] / cap) }
            }
            if fork == nil && params.window == nil {
                // Plain causal: only the keys after the query, on diagonal tiles.
                let firstHidden = max(0, i - k0 + 1)
                for c in firstHidden..<max(firstHidden, bk) { row[c] = -.infinity }
                continue
            }
            for c in 0..<bk {
                let j = k0 + c
                if j > i || !visible(i, j) { row[c] = -.infinity }
            }
        }
    }

    /// Online softmax over key tiles: out rows of this head, and lse[base + t].
    func forward(head h: Int, qkv: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>,
                 lse: UnsafeMutablePointer<Float>, tile: UnsafeMutablePointer<Float>,
                 stats: UnsafeMutablePointer<Float>) {
        let B = Attention.block
        let hd = shape.headDim
        let ld = shape.qkvStride
        let g = h / (shape.heads / shape.kvHeads)
        let runMax = stats
        let runSum = stats + B
        var q0 = 0
        while q0 < length {
            let bq = min(B, length - q0)
            let o = out + (base + q0) * shape.outStride + h * hd
            for r in 0..<bq {
                runMax[r] = -.infinity
                runSum[r] = 0
                (o + r * shape.outStride).update(repeating: 0, count: hd)
            }
            var k0 = firstKey(q0, q0 + bq) / B * B
            while k0 < q0 + bq {
                let bk = min(B, length - k0)
                scores(head: h, qkv: qkv, q0: q0, bq: bq, k0: k0, bk: bk, tile: tile, raw: nil)
                for r in 0..<bq {
                    let row = tile + r * bk
                    var mx = runMax[r]
                    for c in 0..<bk { mx = max(mx, row[c]) }
                    if mx == -.infinity {
                        // No visible key in this tile for this query.
                        for c in 0..<bk { row[c] = 0 }
                        continue
                    }
                    let rescale = expf(runMax[r] - mx)
                    var sum: Float = 0
                    for c in 0..<bk {
                        let e = expf(row[c] - mx)
                        row[c] = e
                        sum += e
                    }
                    runSum[r] = runSum[r] * rescale + sum
                    runMax[r] = mx
                    if rescale != 1 {
                        let orow = o + r * shape.outStride
                        for x in 0..<hd { orow[x] *= rescale }
                    }
                }
                let v = qkv + (base + k0) * ld + shape.vOffset + g * hd
                sgemm(m: bq, n: hd, k: bk, a: tile, lda: bk, b: v, ldb: ld, beta: 1, c: o, ldc: shape.outStride)
                k0 += B
            }
            for r in 0..<bq {
                let inv = 1 / runSum[r]
                let orow = o + r * shape.outStride
                for x in 0..<hd { orow[x] *= inv }
                lse[base + q0 + r] = runMax[r] + logf(runSum[r])
            }
            q0 += B
        }
    }

    /// dQ, dK, dV of this head added into dqkv, recomputing each tile's probabilities.
    func backward(head h: Int, qkv: UnsafePointer<Float>, out: UnsafePointer<Float>, lse: UnsafePointer<Float>,
                  dout: UnsafePointer<Float>, dqkv: UnsafeMutablePointer<Float>, work: BackwardTiles) {
        let B = Attention.block
        let hd = shape.headDim
        let ld = shape.qkvStride
        let os = shape.outStride
        let g = h / (shape.heads / shape.kvHeads)
        // D_t = dO_t · O_t: the softmax backward's row term, once per query.
        for t in 0..<length {
            let o = out + (base + t) * os + h * hd
            let d = dout + (base + t) * os + h * hd
            var dot: Float = 0
            for x in 0..<hd { dot += o[x] * d[x] }
            work.d[t] = dot
        }
        var q0 = 0
        while q0 < length {
            let bq = min(B, length - q0)
            let q = qkv + (base + q0) * ld + h * hd
            let dq = dqkv + (base + q0) * ld + h * hd
            let dO = dout + (base + q0) * os + h * hd
            var k0 = firstKey(q0, q0 + bq) / B * B
            while k0 < q0 + bq {
                let bk = min(B, length - k0)
                let p = work.p
                scores(head: h, qkv: qkv, q0: q0, bq: bq, k0: k0, bk: bk, tile: p, raw: work.raw)
                for r in 0..<bq {
                    let row = p + r * bk
                    let l = lse[base + q0 + r]
                    for c in 0..<bk { row[c] = expf(row[c] - l) }
                }
                let k = qkv + (base + k0) * ld + shape.kOffset + g * hd
                let v = qkv + (base + k0) * ld + shape.vOffset + g * hd
                let dk = dqkv + (base + k0) * ld + shape.kOffset + g * hd
                let dv = dqkv + (base + k0) * ld + shape.vOffset + g * hd
                // dV += Pᵀ dO ; dP = dO Vᵀ
                sgemm(transA: true, m: bk, n: hd, k: bq, a: p, lda: bk, b: dO, ldb: os, beta: 1, c: dv, ldc: ld)
                sgemm(transB: true, m: bq, n: bk, k: hd, a: dO, lda: os, b: v, ldb: ld, c: work.dp, ldc: bk)
                // dS = P ∘ (dP − D) · scale (· tanh' of the cap); P is 0 where a key is hidden.
                for r in 0..<bq {
                    let pr = p + r * bk
                    let dr = work.dp + r * bk
                    let dt = work.d[q0 + r]
                    for c in 0..<bk { dr[c] = pr[c] * (dr[c] - dt) * params.scale }
                    if let cap = params.softcap, let raw = work.raw {
                        let zr = raw + r * bk
                        for c in 0..<bk {
                            let th = tanhf(zr[c] / cap)
                            dr[c] *= 1 - th * th
                        }
                    }
                }
                // dQ += dS K ; dK += dSᵀ Q
                sgemm(m: bq, n: hd, k: bk, a: work.dp, lda: bk, b: k, ldb: ld, beta: 1, c: dq, ldc: ld)
                sgemm(transA: true, m: bk, n: hd, k: bq, a: work.dp, lda: bk, b: q, ldb: ld, beta: 1, c: dk, ldc: ld)
                k0 += B
            }
            q0 += B
        }
    }
}
