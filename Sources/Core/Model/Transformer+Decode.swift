/// Generation on a KV cache: a prefill that runs the prompts through the packed-sequence
/// forward once (with the decode weights and kernel) and keeps their keys/values, then one token per row per step through the
/// same block program, where every projection is one [activeRows, ·] product and each row
/// attends to its own cache. Both return logits of the last position only, [rows, vocab],
/// valid until the next call.
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
        // The projections run on the decode weights and kernel, whose rows are summed alike
        // whatever the row count: a prompt's cache and logits then do not depend on the prompts
        // it is prefilled with (OpenBLAS's sgemm picks kernels by shape, so its rows are not).
        let product: ProjectionProduct = { x, rows, pw, y in
            ws.linear(x, rows: rows, w: pw.weight, bias: pw.bias, outDim: pw.outDim, inDim: pw.inDim, y: y)
        }
        forward(batch, acts, product: product) { layer, qkv in
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
        let h = config.hiddenSize, last = ws.final.get(prompts.count * h)
        for s in 0..<prompts.count {
            (last + s * h).update(from: acts.hidden + batch.row(s, batch.lengths[s] - 1) * h, count: h)
        }
        return lmHeadLogits(last, rows: prompts.count, ws)
    }

    /// Feeds tokens[i] to cache row rows[i] at position cache.lengths[rows[i]].
    public func decodeStep(tokens: [Int], rows: [Int], cache: KVCache,
                           workspace ws: DecodeWorkspace) throws -> UnsafeMutablePointer<Float> {
        let n = rows.count
        let c = config
        let h = c.hiddenSize
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
        for table in ropes { table.ensure((lengths.max() ?? 0) + 1) }
        let values = program.widths.indices.map { ws.value($0, count: n * width($0)) }
        let step = DecodeStep(rows: rows, lengths: lengths, cache: cache, values: values, workspace: ws)
        ids.withUnsafeBufferPointer { embed($0.baseAddress!, rows: n, out: values[0]) }
        positions.withUnsafeBufferPointer { pos in
            for l in 0..<c.numLayers {
                for s in program.steps.indices {
                    ws.profile.measure(Self.phase(program.steps[s])) {
                        decodeStep(s, layer: l, step, positions: pos.baseAddress!)
                    }
                }
                // Decoding keeps no activations: the block output is the next layer's input.
                values[0].update(from: values[program.output], count: n * h)
            }
        }
        let xn = ws.final.get(n * h)
        let inv = ws.inv.get(n)
        RMSNorm.forward(x: values[0], w: params.ptr + layout.finalNorm, y: xn, invRMS: inv, rows: n, dim: h,
                        eps: c.rmsNormEps, offset: c.normWeightOffset)
        for (i, row) in rows.enumerated() { cache.lengths[row] = lengths[i] }
        return ws.profile.measure("lm_head") { lmHeadLogits(xn, rows: n, ws) }
    }

    /// The phase a block step's time is counted under (PhaseProfile).
    static func phase(_ step: BlockProgram.Step) -> String {
        switch step {
        case .linear: return "projections"
        case .attention: return "attention"
        default: return "norms_rope_act"
        }
    }

    /// What one decoding step's block steps share.
    private struct DecodeStep {
        let rows: [Int]
        let lengths: [Int]
        let cache: KVCache
        let values: [UnsafeMutablePointer<Float>]
        let workspace: DecodeWorkspace
    }

    private func decodeStep(_ s: Int, layer l: Int, _ d: DecodeStep, positions: UnsafePointer<Int32>) {
        let c = config
        let n = d.rows.count
        let p = params.ptr
        let w = layout.layers[l]
        let ws = d.workspace
        let v = d.values
        switch program.steps[s] {
        case .rmsNorm(let x, let norm, let out):
            RMSNorm.forward(x: v[x], w: p + w.norm(norm), y: v[out], invRMS: ws.inv.get(n), rows: n, dim: width(x),
                            eps: c.rmsNormEps, offset: c.normWeightOffset)
        case .headNorm(let x, let q, let k, let out):
            let inv = ws.inv.get(n * headNormShape.normedPerRow)
            HeadRMSNorm.forward(shape: headNormShape, x: v[x], wq: p + w.norm(q), wk: p + w.norm(k), y: v[out],
                                invRMS: inv, rows: n, eps: c.rmsNormEps, offset: c.normWeightOffset)
        case .linear(let x, let proj, let out):
            let pw = projection(proj, layer: l)
            ws.linear(v[x], rows: n, w: pw.weight, bias: pw.bias, outDim: pw.outDim, inDim: pw.inDim, y: v[out])
        case .rope(let qkv):
            rotate(v[qkv], rows: n, layer: l, positions: positions, inverse: false)
        case .attention(let qkv, let out):
            let shape = attentionShape
            let kvDim = c.kvDim
            for (i, row) in d.rows.enumerated() {
                let at = Int(positions[i]) * kvDim
                let src = v[qkv] + i * shape.qkvStride
                (d.cache.keys(row, l) + at).update(from: src + shape.kOffset, count: kvDim)
                (d.cache.values(row, l) + at).update(from: src + shape.vOffset, count: kvDim)
            }
            let scores = ws.scores.get(n * c.numHeads * (d.lengths.max() ?? 1))
            CachedAttention.forward(shape: shape, params: c.attentionParams(layer: l), q: v[qkv], qStride: shape.qkvStride,
                                    cache: d.cache, layer: l, rows: d.rows, lengths: d.lengths, scores: scores, out: v[out])
        case .gated(let x, let out):
            GatedActivation.forward(c.hiddenActivation, gu: v[x], h: v[out], rows: n, inter: c.intermediateSize)
        case .add(let a, let b, let out):
            Self.add(v[a], v[b], out: v[out], count: n * width(out))
        }
    }

    private func lmHeadLogits(_ hidden: UnsafePointer<Float>, rows: Int, _ ws: DecodeWorkspace) -> UnsafeMutablePointer<Float> {
        let count = rows * config.vocabSize
        let logits = ws.logits.get(count)
        ws.linear(hidden, rows: rows, w: layout.lmHead, outDim: config.vocabSize, inDim: config.hiddenSize, y: logits)
        if let cap = config.finalLogitSoftcap { LogProbHead.cap(logits, count: count, cap) }
        return logits
    }
}
