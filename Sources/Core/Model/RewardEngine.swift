/// Forward and backward of a reward model: the decoder plus `score.weight`, read where
/// transformers' *ForSequenceClassification reads it: the rightmost token that is not
/// `pad_token_id`. Packed batches have no padding, so that is the last token, unless the
/// sequence ends in the pad id (models whose eos is their pad), where HF steps back past it.
public final class RewardEngine {
    public let model: Transformer
    public let acts: Activations
    let buffers = BackwardBuffers()

    public init(model: Transformer, training: Bool) {
        precondition(model.hasScoreHead, "RewardEngine needs a model with a score head")
        self.model = model
        acts = Activations(config: model.config, training: training)
    }

    /// The scored row of each completion: one per plain sequence, two per forked one (its
    /// first branch's end, then its second's), stepping back over trailing pads within the branch.
    func lastRows(_ b: TokenBatch) -> [Int] {
        let pad = model.config.padTokenId.map(Int32.init)
        func scored(_ s: Int, end: Int, floor: Int) -> Int {
            var t = end
            while t > floor, let p = pad, b.ids[b.starts[s] + t] == p { t -= 1 }
            return b.starts[s] + t
        }
        var rows: [Int] = []
        for s in 0..<b.sequenceCount {
            if let f = b.forks[s] {
                rows.append(scored(s, end: f.second - 1, floor: 0))
                rows.append(scored(s, end: b.lengths[s] - 1, floor: f.second))
            } else {
                rows.append(scored(s, end: b.lengths[s] - 1, floor: 0))
            }
        }
        return rows
    }

    public func scores(_ b: TokenBatch) -> [Float] {
        model.forward(b, acts)
        return ScoreHead.forward(hidden: acts.hidden, w: model.params.ptr + model.layout.score,
                                 rows: lastRows(b), dim: model.config.hiddenSize)
    }

    /// coeff[s] = dL/dscore[s] for the batch of the last `scores` call. scoreGrad, when given,
    /// receives the score head's gradient instead of the model's gradient buffer (LoRA training).
    public func backward(_ b: TokenBatch, coeff: [Float], paramGrads: Bool = true, scoreGrad: UnsafeMutablePointer<Float>? = nil) {
        let n = b.tokenCount, h = model.config.hiddenSize
        let dh = buffers.dHidden.get(n * h)
        dh.update(repeating: 0, count: n * h)
        let g: UnsafeMutablePointer<Float>? = scoreGrad ?? (paramGrads ? model.enableGradients().ptr + model.layout.score : nil)
        ScoreHead.backward(hidden: acts.hidden, w: model.params.ptr + model.layout.score, rows: lastRows(b),
                           coeff: coeff, dim: h, dHidden: dh, dw: g)
        model.backward(b, acts, dHidden: dh, buffers: buffers, paramGrads: paramGrads)
    }
}
