/// Where each tensor lives in the flat parameter buffer, and its HF key.
/// One layout is shared by parameters, gradients and both AdamW moments (llm.c style),
/// so zeroing and the optimizer are one loop over one buffer.
public struct ParameterLayout {
    public struct Entry {
        public let hfName: String
        public let shape: [Int]
        public let offset: Int
        public var count: Int { shape.reduce(1, *) }
    }

    /// Offsets of one decoder layer's tensors (absolute, into the flat buffer).
    public struct Layer {
        public var wq = 0, bq = -1, wk = 0, bk = -1, wv = 0, bv = -1, wo = 0
        public var wGate = 0, wUp = 0, wDown = 0
        /// The norm weights the family's block reads.
        public var norms: [BlockProgram.Norm: Int] = [:]

        public func norm(_ n: BlockProgram.Norm) -> Int {
            guard let off = norms[n] else { preconditionFailure("layer has no \(n.rawValue) weight") }
            return off
        }
    }

    public private(set) var entries: [Entry] = []
    public private(set) var byName: [String: Int] = [:]
    public private(set) var totalCount = 0
    public let embed: Int
    public private(set) var layers: [Layer] = []
    public private(set) var finalNorm = 0
    /// Offset of the untied LM head; equals `embed` when tied.
    public private(set) var lmHead = 0
    /// Offset of the reward head `score.weight` [1, hidden], or -1 without one.
    public private(set) var score = -1

    public init(config c: ModelConfig, withLMHead: Bool = true, withScoreHead: Bool = false) {
        var entries: [Entry] = []
        var total = 0
        func add(_ name: String, _ shape: [Int]) -> Int {
            let off = total
            entries.append(Entry(hfName: name, shape: shape, offset: off))
            // No padding: q/k/v and gate/up must sit back to back (fused GEMMs read them as one).
            total += shape.reduce(1, *)
            return off
        }
        let h = c.hiddenSize
        let norms = DecoderArchitectures.program(c).norms
        embed = add("model.embed_tokens.weight", [c.vocabSize, h])
        for i in 0..<c.numLayers {
            let p = "model.layers.\(i)."
            var l = Layer()
            for n in norms {
                // q/k norms act on one head's values; the others on the hidden state.
                let dim = n == .query || n == .key ? c.headDim : h
                l.norms[n] = add(p + n.rawValue + ".weight", [dim])
            }
            // q, k, v weights (then their biases) adjacent: one [q+2kv, h] matrix for one GEMM.
            l.wq = add(p + "self_attn.q_proj.weight", [c.qDim, h])
            l.wk = add(p + "self_attn.k_proj.weight", [c.kvDim, h])
            l.wv = add(p + "self_attn.v_proj.weight", [c.kvDim, h])
            if c.attentionBias {
                l.bq = add(p + "self_attn.q_proj.bias", [c.qDim])
                l.bk = add(p + "self_attn.k_proj.bias", [c.kvDim])
                l.bv = add(p + "self_attn.v_proj.bias", [c.kvDim])
            }
            l.wo = add(p + "self_attn.o_proj.weight", [h, c.qDim])
            // gate and up adjacent: one [2·inter, h] matrix for one GEMM.
            l.wGate = add(p + "mlp.gate_proj.weight", [c.intermediateSize, h])
            l.wUp = add(p + "mlp.up_proj.weight", [c.intermediateSize, h])
            l.wDown = add(p + "mlp.down_proj.weight", [h, c.intermediateSize])
            layers.append(l)
        }
        finalNorm = add("model.norm.weight", [h])
        lmHead = embed
        if withLMHead && !c.tieWordEmbeddings { lmHead = add("lm_head.weight", [c.vocabSize, h]) }
        if withScoreHead { score = add("score.weight", [1, h]) }
        self.entries = entries
        totalCount = total
        for (i, e) in entries.enumerated() { byName[e.hfName] = i }
    }

    public func entry(_ hfName: String) -> Entry? { byName[hfName].map { entries[$0] } }

    /// Norm weights are the tensors HF initialises to one and excludes from weight decay.
    public func isNormOrBias(_ e: Entry) -> Bool { e.shape.count == 1 }
}
