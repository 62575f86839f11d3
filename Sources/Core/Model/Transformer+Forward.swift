/// Forward pass over packed sequences: embeddings → the block program per layer → final norm.
/// Leaves the final hidden states in `acts.hidden`; heads (LM, reward) read from there.
extension Transformer {
    /// `beforeAttention(layer, qkv)` sees each layer's fused q/k/v rows as attention reads
    /// them (normed, rotated): the prefill of generation copies keys and values into its
    /// cache from there.
    public func forward(_ batch: TokenBatch, _ acts: Activations,
                        beforeAttention: ((Int, UnsafePointer<Float>) -> Void)? = nil) {
        forward(batch, acts, product: nil, beforeAttention: beforeAttention)
    }

    /// y = x · Wᵀ + b of one projection over `rows` rows, when not Linear.forward on the fp32
    /// parameters: generation's prefill multiplies with its decode weights and kernel.
    typealias ProjectionProduct = (_ x: UnsafePointer<Float>, _ rows: Int, ProjectionWeights, _ y: UnsafeMutablePointer<Float>) -> Void

    func forward(_ batch: TokenBatch, _ acts: Activations, product: ProjectionProduct?,
                 beforeAttention: ((Int, UnsafePointer<Float>) -> Void)?) {
        acts.prepare(batch)
        let c = config
        let n = batch.tokenCount
        let h = c.hiddenSize
        for table in ropes { table.ensure(batch.maxLength) }
        let ad = lora?.enabled == true ? lora : nil
        acts.prepareLoRA(ad, tokens: n)
        batch.ids.withUnsafeBufferPointer { ids in
            batch.positions.withUnsafeBufferPointer { pos in
                embed(ids.baseAddress!, rows: n, out: acts.value(0, 0))
                for l in 0..<c.numLayers {
                    for s in program.steps.indices {
                        forwardStep(s, layer: l, batch: batch, positions: pos.baseAddress!, acts: acts,
                                    lora: ad, product: product, beforeAttention: beforeAttention)
                    }
                    let next = l + 1 < c.numLayers ? acts.value(l + 1, 0) : acts.finalX
                    let result = acts.value(l, program.output)
                    // Inference may have laid the output where the input was: nothing to copy then.
                    if next != result { next.update(from: result, count: n * h) }
                }
            }
        }
        RMSNorm.forward(x: acts.finalX, w: params.ptr + layout.finalNorm, y: acts.hidden, invRMS: acts.invF,
                        rows: n, dim: h, eps: c.rmsNormEps, offset: c.normWeightOffset)
    }

    func forwardStep(_ s: Int, layer l: Int, batch: TokenBatch, positions: UnsafePointer<Int32>,
                             acts: Activations, lora ad: LoRAAdapter?, product: ProjectionProduct? = nil,
                             beforeAttention: ((Int, UnsafePointer<Float>) -> Void)?) {
        let c = config
        let n = batch.tokenCount
        let p = params.ptr
        let w = layout.layers[l]
        switch program.steps[s] {
        case .rmsNorm(let x, let norm, let out):
            RMSNorm.forward(x: acts.value(l, x), w: p + w.norm(norm), y: acts.value(l, out),
                            invRMS: acts.stepState(l, s), rows: n, dim: width(x), eps: c.rmsNormEps,
                            offset: c.normWeightOffset)
        case .headNorm(let x, let q, let k, let out):
            HeadRMSNorm.forward(shape: headNormShape, x: acts.value(l, x), wq: p + w.norm(q), wk: p + w.norm(k),
                                y: acts.value(l, out), invRMS: acts.stepState(l, s), rows: n, eps: c.rmsNormEps,
                                offset: c.normWeightOffset)
        case .linear(let x, let proj, let out):
            let pw = projection(proj, layer: l)
            if let product {
                product(acts.value(l, x), n, pw, acts.value(l, out))
            } else {
                let bias: UnsafePointer<Float>? = pw.bias >= 0 ? UnsafePointer(p + pw.bias) : nil
                Linear.forward(x: acts.value(l, x), w: matrix(pw), b: bias, y: acts.value(l, out), rows: n,
                               scratch: acts.widened)
            }
            for t in proj.loraTargets {
                ad?.forward(l, t, x: acts.value(l, x), y: acts.value(l, out), rows: n, store: acts.lora(l),
                            training: acts.training, scratch: acts.loraScratch)
            }
        case .rope(let v):
            rotate(acts.value(l, v), rows: n, layer: l, positions: positions, inverse: false)
        case .attention(let v, let out):
            beforeAttention?(l, acts.value(l, v))
            Attention.forward(shape: attentionShape, params: c.attentionParams(layer: l), batch: batch,
                              qkv: acts.value(l, v), lse: acts.stepState(l, s), out: acts.value(l, out))
        case .gated(let x, let out):
            GatedActivation.forward(c.hiddenActivation, gu: acts.value(l, x), h: acts.value(l, out),
                                    rows: n, inter: c.intermediateSize)
        case .add(let a, let b, let out):
            Self.add(acts.value(l, a), acts.value(l, b), out: acts.value(l, out), count: n * width(out))
        }
    }
}
