/// Generation on a KV cache: a prefill that runs the prompts through the packed-sequence
/// forward once and keeps their keys/values, then one token per row per step, where every
/// projection is one [activeRows, ·] product and each row attends to its own cache.
/// Both return logits of the last position only, [rows, vocab], valid until the next call.
extension Transformer {
    /// Prompts go to cache rows `rows` (one each); their lengths must fit the rows' capacities.
    public func prefill(_ prompts: [[Int]], rows: [Int], cache: KVCache,
                        workspace ws: DecodeWorkspace) throws -> UnsafeMutablePointer<Float> {
        for (s, p) in prompts.enumerated() {
            guard !p.isEmpty else { throw PrefkitError("prefill: prompt \(s) has no tokens") }
            guard p.count <= cache.capacities[rows[s]] else {
                throw PrefkitError("prefill: prompt \(s) has \(p.count) tokens, cache row holds \(cache.capacities[rows[s]])")
            }
        }
        let batch = TokenBatch(prompts), acts = ws.prefillActs
        let stride = attentionShape.qkvStride, kOff = attentionShape.kOffset, vOff = attentionShape.vOffset
        let kvDim = config.kvDim
        forward(batch, acts) { layer, qkv in
            for (s, row) in rows.enumerated() {
                let k = cache.keys(row, layer), v = cache.values(row, layer)
                for t in 0..<batch.lengths[s] {
                    let src = qkv + batch.row(s, t) * stride
                    (k + t * kvDim).update(from: src + kOff, count: kvDim)
                    (v + t * kvDim).update(from: src + vOff, count: kvDim)
                }
            }
        }
        for (s, row) in rows.enumerated() { cache.lengths[row] = batch.lengths[s] }
        let h = config.hiddenSize, last = ws.xn.get(prompts.count * h)
        for s in 0..<prompts.count {
            (last + s * h).update(from: acts.hidden + batch.row(s, batch.lengths[s] - 1) * h, count: h)
        }
        return lmHeadLogits(last, rows: prompts.count, ws)
    }

    /// Feeds tokens[i] to cache row rows[i] at position cache.lengths[rows[i]].
    public func decodeStep(tokens: [Int], rows: [Int], cache: KVCache,
                           workspace ws: DecodeWorkspace) throws -> UnsafeMutablePointer<Float> {
        let n = rows.count, c = config, h = c.hiddenSize, inter = c.intermediateSize
        let shape = attentionShape, stride = shape.qkvStride, kvDim = c.kvDim
        guard n > 0 else { throw PrefkitError("decodeStep: no rows") }
        var positions = [Int32](repeating: 0, count: n), lengths = [Int](repeating: 0, count: n)
        var ids = [Int32](repeating: 0, count: n)
        for (i, row) in rows.enumerated() {
            guard cache.lengths[row] < cache.capacities[row] else {
                throw PrefkitError("decodeStep: cache row \(row) is full (\(cache.capacities[row]) positions)")
            }
            guard tokens[i] >= 0 && tokens[i] < c.vocabSize else {
                throw PrefkitError("decodeStep: token \(tokens[i]) outside the vocabulary (\(c.vocabSize))")
            }
            positions[i] = Int32(cache.lengths[row]); lengths[i] = cache.lengths[row] + 1
            ids[i] = Int32(tokens[i])
        }
        rope.ensure((lengths.max() ?? 0) + 1)
        let p = params.ptr
        let x = ws.x.get(n * h), xn = ws.xn.get(n * h), inv = ws.inv.get(n)
        let qkv = ws.qkv.get(n * stride), ao = ws.ao.get(n * c.qDim)
        let gu = ws.gu.get(n * 2 * inter), hAct = ws.hAct.get(n * inter)
        let scores = ws.scores.get(n * c.numHeads * (lengths.max() ?? 1))
        ids.withUnsafeBufferPointer { Embedding.forward(ids: $0.baseAddress!, table: p + layout.embed, vocab: config.vocabSize, out: x, rows: n, dim: h) }
        positions.withUnsafeBufferPointer { pos in
            for l in 0..<c.numLayers {
                let w = layout.layers[l]
                RMSNorm.forward(x: x, w: p + w.attnNorm, y: xn, invRMS: inv, rows: n, dim: h, eps: c.rmsNormEps)
                ws.linear(xn, rows: n, w: w.wq, bias: w.bq, outDim: stride, inDim: h, y: qkv)
                rope.apply(qkv, rows: n, rowStride: stride, heads: c.numHeads, positions: pos.baseAddress!, inverse: false)
                rope.apply(qkv + shape.kOffset, rows: n, rowStride: stride, heads: c.numKVHeads,
                           positions: pos.baseAddress!, inverse: false)
                for (i, row) in rows.enumerated() {
                    let at = Int(pos[i]) * kvDim
                    (cache.keys(row, l) + at).update(from: qkv + i * stride + shape.kOffset, count: kvDim)
                    (cache.values(row, l) + at).update(from: qkv + i * stride + shape.vOffset, count: kvDim)
                }
                CachedAttention.forward(shape: shape, q: qkv, qStride: stride, cache: cache, layer: l, rows: rows,
                                        lengths: lengths, scores: scores, out: ao)
                // Decoding keeps no activations, so the residual stream is updated in place.
                ws.linear(ao, rows: n, w: w.wo, outDim: h, inDim: c.qDim, y: x, accumulate: true)
                RMSNorm.forward(x: x, w: p + w.mlpNorm, y: xn, invRMS: inv, rows: n, dim: h, eps: c.rmsNormEps)
                ws.linear(xn, rows: n, w: w.wGate, outDim: 2 * inter, inDim: h, y: gu)
                SwiGLU.forward(gu: gu, h: hAct, rows: n, inter: inter)
                ws.linear(hAct, rows: n, w: w.wDown, outDim: h, inDim: inter, y: x, accumulate: true)
            }
        }
        RMSNorm.forward(x: x, w: p + layout.finalNorm, y: xn, invRMS: inv, rows: n, dim: h, eps: c.rmsNormEps)
        for (i, row) in rows.enumerated() { cache.lengths[row] = lengths[i] }
        return lmHeadLogits(xn, rows: n, ws)
    }

    private func lmHeadLogits(_ hidden: UnsafePointer<Float>, rows: Int, _ ws: DecodeWorkspace) -> UnsafeMutablePointer<Float> {
        let logits = ws.logits.get(rows * config.vocabSize)
        ws.linear(hidden, rows: rows, w: layout.lmHead, outDim: config.vocabSize, inDim: config.hiddenSize, y: logits)
        return logits
    }
}
