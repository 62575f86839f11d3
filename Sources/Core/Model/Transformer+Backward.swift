/// Backward pass: mirrors `forward` call for call, in reverse.
/// Takes dL/d(hidden) for every token (what the heads produce) and accumulates dL/dθ into `grads`.
public final class BackwardBuffers {
    let dres = Scratch(), dxn = Scratch(), dh = Scratch(), dgu = Scratch(), dao = Scratch(), dqkv = Scratch()
    public let dHidden = Scratch()
    public init() {}
}

extension Transformer {
    /// dHidden: [tokens, hidden], dL/d(final-norm output). Parameter gradients are accumulated
    /// (call zeroGradients() between steps); with `paramGrads` false only activations get
    /// gradients (frozen base under LoRA).
    public func backward(_ batch: TokenBatch, _ acts: Activations, dHidden: UnsafePointer<Float>,
                         buffers b: BackwardBuffers, paramGrads: Bool = true) {
        precondition(acts.slots == config.numLayers, "backward needs activations from a training forward")
        let c = config, n = batch.tokenCount, h = c.hiddenSize, inter = c.intermediateSize
        let shape = attentionShape, qkvDim = shape.qkvStride
        let p = params.ptr
        let g: UnsafeMutablePointer<Float>? = paramGrads ? enableGradients().ptr : nil
        func gp(_ off: Int) -> UnsafeMutablePointer<Float>? { off >= 0 ? g.map { $0 + off } : nil }
        let dres = b.dres.get(n * h), dxn = b.dxn.get(n * h), dh = b.dh.get(n * inter)
        let dgu = b.dgu.get(n * 2 * inter), dao = b.dao.get(n * c.qDim), dqkv = b.dqkv.get(n * qkvDim)
        dres.update(repeating: 0, count: n * h)
        let ad = lora?.enabled == true ? lora : nil
        let ls = acts.loraScratch
        RMSNorm.backward(dy: dHidden, x: acts.finalX, w: p + layout.finalNorm, invRMS: acts.invF, dx: dres,
                         dw: gp(layout.finalNorm), rows: n, dim: h)
        batch.ids.withUnsafeBufferPointer { ids in batch.positions.withUnsafeBufferPointer { pos in
            for l in stride(from: c.numLayers - 1, through: 0, by: -1) {
                let w = layout.layers[l]
                // MLP: out = mid + down(swiglu(gate/up(norm(mid))))
                Linear.backward(dy: dres, x: acts.hAct(l), w: p + w.wDown, dx: dh, dw: gp(w.wDown), db: nil,
                                rows: n, inDim: inter, outDim: h)
                ad?.backward(l, .down, x: acts.hAct(l), dy: dres, dx: dh, rows: n, store: acts.lora(l), scratch: ls)
                SwiGLU.backward(dh: dh, gu: acts.gu(l), dgu: dgu, rows: n, inter: inter)
                Linear.backward(dy: dgu, x: acts.xn2(l), w: p + w.wGate, dx: dxn, dw: gp(w.wGate), db: nil,
                                rows: n, inDim: h, outDim: 2 * inter)
                ad?.backward(l, .gate, x: acts.xn2(l), dy: dgu, dx: dxn, rows: n, store: acts.lora(l), scratch: ls)
                ad?.backward(l, .up, x: acts.xn2(l), dy: dgu, dx: dxn, rows: n, store: acts.lora(l), scratch: ls)
                RMSNorm.backward(dy: dxn, x: acts.xMid(l), w: p + w.mlpNorm, invRMS: acts.inv2(l), dx: dres,
                                 dw: gp(w.mlpNorm), rows: n, dim: h)
                // Attention: mid = x + o(attn(rope(qkv(norm(x)))))
                Linear.backward(dy: dres, x: acts.ao(l), w: p + w.wo, dx: dao, dw: gp(w.wo), db: nil,
                                rows: n, inDim: c.qDim, outDim: h)
                ad?.backward(l, .o, x: acts.ao(l), dy: dres, dx: dao, rows: n, store: acts.lora(l), scratch: ls)
                Attention.backward(shape: shape, batch: batch, qkv: acts.qkv(l), probs: acts.probs(l), dout: dao, dqkv: dqkv)
                rope.apply(dqkv, rows: n, rowStride: qkvDim, heads: c.numHeads, positions: pos.baseAddress!, inverse: true)
                rope.apply(dqkv + shape.kOffset, rows: n, rowStride: qkvDim, heads: c.numKVHeads,
                           positions: pos.baseAddress!, inverse: true)
                Linear.backward(dy: dqkv, x: acts.xn1(l), w: p + w.wq, dx: dxn, dw: gp(w.wq), db: gp(w.bq),
                                rows: n, inDim: h, outDim: qkvDim)
                if let ad {
                    for t in [LoRATarget.q, .k, .v] {
                        ad.backward(l, t, x: acts.xn1(l), dy: dqkv, dx: dxn, rows: n, store: acts.lora(l), scratch: ls)
                    }
                }
                RMSNorm.backward(dy: dxn, x: acts.xIn(l), w: p + w.attnNorm, invRMS: acts.inv1(l), dx: dres,
                                 dw: gp(w.attnNorm), rows: n, dim: h)
            }
            if let ge = gp(layout.embed) {
                Embedding.backward(ids: ids.baseAddress!, dout: dres, dtable: ge, vocab: config.vocabSize, rows: n, dim: h)
            }
        } }
    }
}
