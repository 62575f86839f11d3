/// Qwen2 / Qwen2.5: Llama's block with q/k/v biases.
public enum Qwen2: DecoderArchitecture {
    public static let modelType = "qwen2"
    public static let causalLMClass = "Qwen2ForCausalLM"
    public static let rewardModelClass = "Qwen2ForSequenceClassification"

    public static func configure(_ c: inout ModelConfig, _ json: HFConfigJSON) throws {
        c.attentionBias = true
    }

    public static func block(_ b: BlockBuilder, _ c: ModelConfig) {
        Llama.preNormBlock(b, headNorms: false)
    }
}

/// Qwen3: no biases; q and k are RMS-normalised per head (q_norm, k_norm) before RoPE,
/// and head_dim is its own setting (128 at hidden 1024 in Qwen3-0.6B).
public enum Qwen3: DecoderArchitecture {
    public static let modelType = "qwen3"
    public static let causalLMClass = "Qwen3ForCausalLM"
    public static let rewardModelClass = "Qwen3ForSequenceClassification"

    public static func configure(_ c: inout ModelConfig, _ json: HFConfigJSON) throws {
        c.attentionBias = false
    }

    public static func block(_ b: BlockBuilder, _ c: ModelConfig) {
        Llama.preNormBlock(b, headNorms: true)
    }
}
