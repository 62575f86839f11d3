import Foundation

/// Gemma 3 text (270M, 1B; the language model of the larger ones): (1 + w) RMSNorms,
/// a norm on both sides of attention and of the MLP, q/k norms, GeGLU (tanh GELU),
/// embeddings scaled by √hidden, queries by 1/√query_pre_attn_scalar, and layers that
/// alternate sliding-window attention (local RoPE base) with full attention.
public enum Gemma3Text: DecoderArchitecture {
    public static let modelType = "gemma3_text"
    public static let causalLMClass = "Gemma3ForCausalLM"
    public static let rewardModelClass = "Gemma3TextForSequenceClassification"

    public static func configure(_ c: inout ModelConfig, _ json: HFConfigJSON) throws {
        c.normWeightOffset = 1
        // HF keeps √hidden in a float32 buffer.
        c.embeddingScale = Float(Double(c.hiddenSize).squareRoot())
        c.attentionBias = false
        c.tieWordEmbeddings = try json.optBool("tie_word_embeddings") ?? true
        if !json.has("hidden_activation") && !json.has("hidden_act") {
            c.hiddenActivation = .geluTanh
        }
        c.queryPreAttnScalar = try json.optDouble("query_pre_attn_scalar") ?? 256
        // transformers' Gemma3Attention keeps `attn_logit_softcapping` but never passes it to
        // the attention function (Gemma 2 did), so a Gemma 3 checkpoint is computed without it.
        // Reading it and applying it would disagree with every Gemma 3 in transformers.
        _ = try json.optDouble("attn_logit_softcapping")
        c.attnLogitSoftcap = nil
        c.finalLogitSoftcap = try json.optDouble("final_logit_softcapping").map(Float.init)
        c.slidingWindow = try json.optInt("sliding_window") ?? 4096
        c.layerTypes = try layerTypes(json, layers: c.numLayers)
        if c.localRope == nil {
            c.localRope = RopeSpec(theta: try json.optDouble("rope_local_base_freq") ?? 10_000)
        }
    }

    /// `layer_types`, or the older `sliding_window_pattern` (every Nth layer full).
    static func layerTypes(_ json: HFConfigJSON, layers: Int) throws -> [ModelConfig.LayerType] {
        if let list = json.object["layer_types"] as? [Any] {
            return try list.enumerated().map { i, v in
                guard let s = v as? String, let t = ModelConfig.LayerType(rawValue: s) else {
                    throw PrefkitError("\(json.source): layer_types[\(i)] \(ModelConfig.describe(v)) is not supported (full_attention, sliding_attention)")
                }
                return t
            }
        }
        let pattern = try json.optInt("sliding_window_pattern") ?? 6
        guard pattern > 0 else { throw PrefkitError("\(json.source): sliding_window_pattern must be positive") }
        return (0..<layers).map { ($0 + 1) % pattern == 0 ? .full : .sliding }
    }

    public static func block(_ b: BlockBuilder, _ c: ModelConfig) {
        let x = b.input                                        // [n, hidden]
        let xn = b.rmsNorm(x, .input)                          // [n, hidden]
        let raw = b.linear(xn, .qkv)                           // [n, (H + 2·KV)·d]
        let qkv = b.headNorm(raw, query: .query, key: .key)    // each head over its d values
        b.rope(qkv)                                            // local or global base per layer
        let attn = b.attention(qkv)                            // [n, H·d], window per layer
        let o = b.rmsNorm(b.linear(attn, .output), .postAttention)
        let mid = b.add(x, o)                                  // [n, hidden]
        let mn = b.rmsNorm(mid, .preFeedforward)               // [n, hidden]
        let h = b.gated(b.linear(mn, .gateUp))                 // gelu_tanh(gate)·up: [n, intermediate]
        let down = b.rmsNorm(b.linear(h, .down), .postFeedforward)
        b.output(b.add(mid, down))                             // [n, hidden]
    }
}
