/// Pieces the forward, backward and decoding runs of the block program share.
extension Transformer {
    /// Where a projection's weight (and bias) sit, and its shape.
    struct ProjectionWeights {
        let weight: Int
        let bias: Int
        let inDim: Int
        let outDim: Int
    }

    /// A projection's weight as a product operand.
    func matrix(_ pw: ProjectionWeights) -> WeightMatrix { matrix(pw.weight, rows: pw.outDim, cols: pw.inDim) }

    /// The token embeddings, [vocab, hidden] (the LM head too when tied).
    var embeddingMatrix: WeightMatrix { matrix(layout.embed, rows: config.vocabSize, cols: config.hiddenSize) }

    /// The LM head, [vocab, hidden].
    var lmHeadMatrix: WeightMatrix { matrix(layout.lmHead, rows: config.vocabSize, cols: config.hiddenSize) }

    func projection(_ p: BlockProgram.Projection, layer l: Int) -> ProjectionWeights {
        let c = config
        let w = layout.layers[l]
        switch p {
        case .qkv: return ProjectionWeights(weight: w.wq, bias: w.bq, inDim: c.hiddenSize, outDim: c.qDim + 2 * c.kvDim)
        case .output: return ProjectionWeights(weight: w.wo, bias: -1, inDim: c.qDim, outDim: c.hiddenSize)
        case .gateUp: return ProjectionWeights(weight: w.wGate, bias: -1, inDim: c.hiddenSize, outDim: 2 * c.intermediateSize)
        case .down: return ProjectionWeights(weight: w.wDown, bias: -1, inDim: c.intermediateSize, outDim: c.hiddenSize)
        }
    }

    /// Columns of a value of the program.
    func width(_ v: BlockProgram.Value) -> Int { program.widths[v].columns(config) }

    var headNormShape: HeadRMSNorm.Shape { HeadRMSNorm.Shape(attentionShape) }

    /// Rotates (or, inverse, un-rotates) the q and k heads of fused q/k/v rows in place with
    /// layer l's table.
    func rotate(_ qkv: UnsafeMutablePointer<Float>, rows n: Int, layer l: Int,
                positions: UnsafePointer<Int32>, inverse: Bool) {
        let table = ropes[config.ropeIndex(layer: l)]
        let shape = attentionShape
        table.apply(qkv, rows: n, rowStride: shape.qkvStride, heads: config.numHeads, positions: positions, inverse: inverse)
        table.apply(qkv + shape.kOffset, rows: n, rowStride: shape.qkvStride, heads: config.numKVHeads,
                    positions: positions, inverse: inverse)
    }

    /// Token embeddings, scaled as the family does (Gemma: √hidden).
    func embed(_ ids: UnsafePointer<Int32>, rows n: Int, out: UnsafeMutablePointer<Float>) {
        let h = config.hiddenSize
        Embedding.forward(ids: ids, table: embeddingMatrix, out: out, rows: n)
        let scale = config.embeddingScale
        if scale != 1 {
            for i in 0..<(n * h) { out[i] *= scale }
        }
    }

    /// out = a + b, [n, dim].
    static func add(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { out[i] = a[i] + b[i] }
    }

    /// y += x, [count].
    static func accumulate(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { y[i] += x[i] }
    }
}
