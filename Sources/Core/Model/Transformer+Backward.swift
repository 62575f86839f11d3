/// Backward pass: the block program's steps in reverse, each step's backward after the
/// steps that read its output. Takes dL/d(hidden) for every token (what the heads produce)
/// and accumulates dL/dθ into `grads`.
public final class BackwardBuffers {
    /// dL/d(value) for every value of one layer's block, [tokens, width] each.
    let valueGrads = Scratch()
    public let dHidden = Scratch()
    let dres = Scratch()
    public init() {}
}

extension Transformer {
    /// dHidden: [tokens, hidden], dL/d(final-norm output). Parameter gradients are accumulated
    /// (call zeroGradients() between steps); with `paramGrads` false only activations get
    /// gradients (frozen base under LoRA).
    public func backward(_ batch: TokenBatch, _ acts: Activations, dHidden: UnsafePointer<Float>,
                         buffers b: BackwardBuffers, paramGrads: Bool = true) {
        precondition(acts.training, "backward needs activations from a training forward")
        let c = config
        let n = batch.tokenCount
        let h = c.hiddenSize
        let g: UnsafeMutablePointer<Float>? = paramGrads ? enableGradients().ptr : nil
        // Every value's gradient in one zeroed block per layer: each step's backward adds into
        // its inputs' gradients, so a value read twice (the residual) sums both uses.
        var offsets: [Int] = []
        var total = 0
        for wd in program.widths {
            offsets.append(total)
            total += n * wd.columns(c)
        }
        let grads = b.valueGrads.get(total)
        let dres = b.dres.get(n * h)
        dres.update(repeating: 0, count: n * h)
        RMSNorm.backward(dy: dHidden, x: acts.finalX, w: params.ptr + layout.finalNorm, invRMS: acts.invF, dx: dres,
                         dw: g.map { $0 + layout.finalNorm }, rows: n, dim: h, offset: c.normWeightOffset)
        batch.ids.withUnsafeBufferPointer { ids in
            batch.positions.withUnsafeBufferPointer { pos in
                let ad = lora?.enabled == true ? lora : nil
                for l in stride(from: c.numLayers - 1, through: 0, by: -1) {
                    if acts.recomputes {
                        // Gradient checkpointing: this layer's values again, from its kept input.
                        for s in program.steps.indices {
                            forwardStep(s, layer: l, batch: batch, positions: pos.baseAddress!, acts: acts,
                                        lora: ad, beforeAttention: nil)
                        }
                    }
                    grads.update(repeating: 0, count: total)
                    (grads + offsets[program.output]).update(from: dres, count: n * h)
                    let gradOf = { (v: BlockProgram.Value) in grads + offsets[v] }
                    for s in program.steps.indices.reversed() {
                        backwardStep(s, layer: l, batch: batch, positions: pos.baseAddress!, acts: acts,
                                     lora: ad, gradOf: gradOf, paramGrads: g)
                    }
                    dres.update(from: gradOf(0), count: n * h)
                }
                guard let g else { return }
                let scale = c.embeddingScale
                if scale != 1 {
                    for i in 0..<(n * h) { dres[i] *= scale }
                }
                Embedding.backward(ids: ids.baseAddress!, dout: dres, dtable: g + layout.embed, vocab: c.vocabSize,
                                   rows: n, dim: h)
            }
        }
    }

    private func backwardStep(_ s: Int, layer l: Int, batch: TokenBatch, positions: UnsafePointer<Int32>,
                              acts: Activations, lora ad: LoRAAdapter?,
                              gradOf: (BlockProgram.Value) -> UnsafeMutablePointer<Float>,
                              paramGrads g: UnsafeMutablePointer<Float>?) {
        let c = config
        let n = batch.tokenCount
        let p = params.ptr
        let w = layout.layers[l]
        func gp(_ off: Int) -> UnsafeMutablePointer<Float>? { off >= 0 ? g.map { $0 + off } : nil }
        switch program.steps[s] {
        case .rmsNorm(let x, let norm, let out):
            RMSNorm.backward(dy: gradOf(out), x: acts.value(l, x), w: p + w.norm(norm), invRMS: acts.stepState(l, s),
                             dx: gradOf(x), dw: gp(w.norm(norm)), rows: n, dim: width(x), offset: c.normWeightOffset)
        case .headNorm(let x, let q, let k, let out):
            HeadRMSNorm.backward(shape: headNormShape, dy: gradOf(out), x: acts.value(l, x), wq: p + w.norm(q),
                                 wk: p + w.norm(k), invRMS: acts.stepState(l, s), dx: gradOf(x),
                                 dwq: gp(w.norm(q)), dwk: gp(w.norm(k)), rows: n, offset: c.normWeightOffset)
        case .linear(let x, let proj, let out):
            let pw = projection(proj, layer: l)
            Linear.backward(dy: gradOf(out), x: acts.value(l, x), w: matrix(pw), dx: gradOf(x), dw: gp(pw.weight),
                            db: gp(pw.bias), rows: n, accumulateDX: true, scratch: acts.widened)
            for t in proj.loraTargets {
                ad?.backward(l, t, x: acts.value(l, x), dy: gradOf(out), dx: gradOf(x), rows: n,
                             store: acts.lora(l), scratch: acts.loraScratch)
            }
        case .rope(let v):
            rotate(gradOf(v), rows: n, layer: l, positions: positions, inverse: true)
        case .attention(let v, let out):
            Attention.backward(shape: attentionShape, params: c.attentionParams(layer: l), batch: batch,
                               qkv: acts.value(l, v), out: acts.value(l, out), lse: acts.stepState(l, s),
                               dout: gradOf(out), dqkv: gradOf(v))
        case .gated(let x, let out):
            GatedActivation.backward(c.hiddenActivation, dh: gradOf(out), gu: acts.value(l, x), dgu: gradOf(x),
                                     rows: n, inter: c.intermediateSize)
        case .add(let a, let b, let out):
            let count = n * width(out)
            Self.accumulate(gradOf(out), into: gradOf(a), count: count)
            Self.accumulate(gradOf(out), into: gradOf(b), count: count)
        }
    }
}
