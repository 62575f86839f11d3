/// Forward and backward of a reward model: the decoder plus `score.weight`, read at the
/// last token of each sequence (packed batches have no padding, so that is its last row).
public final class RewardEngine {
    public let model: Transformer
    public let acts: Activations
    let buffers = BackwardBuffers()

    public init(model: Transformer, training: Bool) {
        precondition(model.hasScoreHead, "RewardEngine needs a model with a score head")
        self.model = model
        acts = Activations(config: model.config, training: training)
    }

    static func lastRows(_ b: TokenBatch) -> [Int] { (0..<b.sequenceCount).map { b.starts[$0] + b.lengths[$0] - 1 } }

    public func scores(_ b: TokenBatch) -> [Float] {
        model.forward(b, acts)
        return ScoreHead.forward(hidden: acts.hidden, w: model.params.ptr + model.layout.score,
                                 rows: Self.lastRows(b), dim: model.config.hiddenSize)
    }

    /// coeff[s] = dL/dscore[s] for the batch of the last `scores` call.
    public func backward(_ b: TokenBatch, coeff: [Float], paramGrads: Bool = true) {
        let n = b.tokenCount, h = model.config.hiddenSize
        let dh = buffers.dHidden.get(n * h)
        dh.update(repeating: 0, count: n * h)
        let g: UnsafeMutablePointer<Float>? = paramGrads ? model.enableGradients().ptr + model.layout.score : nil
        ScoreHead.backward(hidden: acts.hidden, w: model.params.ptr + model.layout.score, rows: Self.lastRows(b),
                           coeff: coeff, dim: h, dHidden: dh, dw: g)
        model.backward(b, acts, dHidden: dh, buffers: buffers, paramGrads: paramGrads)
    }
}
