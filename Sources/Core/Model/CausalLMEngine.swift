/// Forward and backward of completion log-probs for one model: what SFT, DPO and
/// generation-scoring need from the engine. Owns its activation and scratch buffers.
public final class CausalLMEngine {
    public let model: Transformer
    public let acts: Activations
    public let head: LogProbHead
    let buffers = BackwardBuffers()
    private var lse: [Float] = []
    /// log Σ_v p_v² per target of the last call, when asked for (WPO).
    public private(set) var logSumSquares: [Float] = []

    public init(model: Transformer, training: Bool) {
        self.model = model
        acts = Activations(config: model.config, training: training)
        head = LogProbHead(vocab: model.config.vocabSize, dim: model.config.hiddenSize, softcap: model.config.finalLogitSoftcap)
    }

    /// Per-target log-probs. In a training engine it also keeps what backward needs.
    public func logProbs(_ b: CompletionBatch, wantSumSquares: Bool = false) -> [Float] {
        model.forward(b.tokens, acts)
        let m = b.targets.count
        var logps = [Float](repeating: 0, count: m)
        lse = [Float](repeating: 0, count: m)
        var lse2 = [Float](repeating: 0, count: wantSumSquares ? m : 0)
        logps.withUnsafeMutableBufferPointer { lp in lse.withUnsafeMutableBufferPointer { ls in
            lse2.withUnsafeMutableBufferPointer { l2 in
                head.forward(hidden: acts.hidden, weight: model.lmHeadMatrix, targets: b.targets,
                             logps: lp.baseAddress!, lse: ls.baseAddress!, lse2: wantSumSquares ? l2.baseAddress! : nil)
            }
        } }
        logSumSquares = wantSumSquares ? zip(lse2, lse).map { $0 - 2 * $1 } : []
        return logps
    }

    /// Accumulates dL/dθ given coeff[i] = dL/dlogp[i] for the batch of the last logProbs call.
    /// paramGrads false leaves base weights without gradients (only activations flow).
    public func backward(_ b: CompletionBatch, coeff: [Float], paramGrads: Bool = true) {
        let n = b.tokens.tokenCount, h = model.config.hiddenSize
        let dh = buffers.dHidden.get(n * h)
        dh.update(repeating: 0, count: n * h)
        let g: UnsafeMutablePointer<Float>? = paramGrads ? model.enableGradients().ptr + model.layout.lmHead : nil
        coeff.withUnsafeBufferPointer { cf in lse.withUnsafeBufferPointer { ls in
            head.backward(hidden: acts.hidden, weight: model.lmHeadMatrix, targets: b.targets,
                          lse: ls.baseAddress!, coeff: cf.baseAddress!, dHidden: dh, dWeight: g)
        } }
        model.backward(b.tokens, acts, dHidden: dh, buffers: buffers, paramGrads: paramGrads)
    }
}
