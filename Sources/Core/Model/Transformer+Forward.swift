/// Forward pass over packed sequences: embeddings → layers → final norm.
/// Leaves the final hidden states in `acts.hidden`; heads (LM, reward) read from there.
extension Transformer {
    /// `afterRoPE(layer, qkv)` sees each layer's fused q/k/v rows once RoPE is applied:
    /// the prefill of generation copies keys and values into its cache from there.
    public func forward(_ batch: TokenBatch, _ acts: Activations,
                        afterRoPE: ((Int, UnsafePointer<Float>) -> Void)? = nil) {
        acts.prepare(batch)
        let c = config, n = batch.tokenCount, h = c.hiddenSize, inter = c.intermediateSize
        let shape = attentionShape, qkvDim = shape.qkvStride
        let p = params.ptr
        rope.ensure(batch.maxLength)
        let ad = lora?.enabled == true ? lora : nil
        acts.prepareLoRA(ad, tokens: n)
        let training = acts.slots > 1
        batch.ids.withUnsafeBufferPointer { ids in batch.positions.withUnsafeBufferPointer { pos in
            Embedding.forward(ids: ids.baseAddress!, table: p + layout.embed, vocab: config.vocabSize, out: acts.xIn(0), rows: n, dim: h)
            for l in 0..<c.numLayers {
                let w = layout.layers[l]
                let x = acts.xIn(l), qkv = acts.qkv(l)
                RMSNorm.forward(x: x, w: p + w.attnNorm, y: acts.xn1(l), invRMS: acts.inv1(l), rows: n, dim: h, eps: c.rmsNormEps)
                Linear.forward(x: acts.xn1(l), w: p + w.wq, b: w.bq >= 0 ? p + w.bq : nil, y: qkv,
                               rows: n, inDim: h, outDim: qkvDim)
                if let ad {
                    for t in [LoRATarget.q, .k, .v] {
                        ad.forward(l, t, x: acts.xn1(l), y: qkv, rows: n, store: acts.lora(l), training: training, scratch: acts.loraScratch)
                    }
                }
                rope.apply(qkv, rows: n, rowStride: qkvDim, heads: c.numHeads, positions: pos.baseAddress!, inverse: false)
                rope.apply(qkv + shape.kOffset, rows: n, rowStride: qkvDim, heads: c.numKVHeads,
                           positions: pos.baseAddress!, inverse: false)
                afterRoPE?(l, qkv)
                Attention.forward(shape: shape, batch: batch, qkv: qkv, probs: acts.probs(l), out: acts.ao(l))
                let mid = acts.xMid(l)
                mid.update(from: x, count: n * h)
                Linear.forward(x: acts.ao(l), w: p + w.wo, b: nil, y: mid, rows: n, inDim: c.qDim, outDim: h, accumulate: true)
                ad?.forward(l, .o, x: acts.ao(l), y: mid, rows: n, store: acts.lora(l), training: training, scratch: acts.loraScratch)
                RMSNorm.forward(x: mid, w: p + w.mlpNorm, y: acts.xn2(l), invRMS: acts.inv2(l), rows: n, dim: h, eps: c.rmsNormEps)
                Linear.forward(x: acts.xn2(l), w: p + w.wGate, b: nil, y: acts.gu(l), rows: n, inDim: h, outDim: 2 * inter)
                ad?.forward(l, .gate, x: acts.xn2(l), y: acts.gu(l), rows: n, store: acts.lora(l), training: training, scratch: acts.loraScratch)
                ad?.forward(l, .up, x: acts.xn2(l), y: acts.gu(l), rows: n, store: acts.lora(l), training: training, scratch: acts.loraScratch)
                SwiGLU.forward(gu: acts.gu(l), h: acts.hAct(l), rows: n, inter: inter)
                let next = l + 1 < c.numLayers ? acts.xIn(l + 1) : acts.finalX
                next.update(from: mid, count: n * h)
                Linear.forward(x: acts.hAct(l), w: p + w.wDown, b: nil, y: next, rows: n, inDim: inter, outDim: h, accumulate: true)
                ad?.forward(l, .down, x: acts.hAct(l), y: next, rows: n, store: acts.lora(l), training: training, scratch: acts.loraScratch)
            }
            RMSNorm.forward(x: acts.finalX, w: p + layout.finalNorm, y: acts.hidden, invRMS: acts.invF, rows: n, dim: h, eps: c.rmsNormEps)
        } }
    }
}
