/// Llama 2/3.x, SmolLM2, TinyLlama: pre-norm blocks, SwiGLU, RoPE (with llama3 or linear
/// scaling when the config asks), no biases.
public enum Llama: DecoderArchitecture {
    public static let modelType = "llama"
    public static let causalLMClass = "LlamaForCausalLM"
    public static let rewardModelClass = "LlamaForSequenceClassification"

    public static func configure(_ c: inout ModelConfig, _ json: HFConfigJSON) throws {}

    public static func block(_ b: BlockBuilder, _ c: ModelConfig) {
        preNormBlock(b, headNorms: false)
    }

    /// The Llama block, shared by the families that differ from it only in config
    /// (Mistral, Qwen2) or in the q/k norms (Qwen3).
    static func preNormBlock(_ b: BlockBuilder, headNorms: Bool) {
        let x = b.input                                        // [n, hidden]
        let xn = b.rmsNorm(x, .input)                          // [n, hidden]
        var qkv = b.linear(xn, .qkv)                           // [n, (H + 2·KV)·d]
        if headNorms {
            qkv = b.headNorm(qkv, query: .query, key: .key)    // each head over its d values
        }
        b.rope(qkv)                                            // q and k heads rotated in place
        let attn = b.attention(qkv)                            // [n, H·d]
        let mid = b.add(x, b.linear(attn, .output))            // [n, hidden]
        let mn = b.rmsNorm(mid, .postAttention)                // HF's name for the pre-MLP norm
        let h = b.gated(b.linear(mn, .gateUp))                 // act(gate)·up: [n, intermediate]
        b.output(b.add(mid, b.linear(h, .down)))               // [n, hidden]
    }
}

/// Mistral: Llama's block; `sliding_window` limits every layer's keys.
public enum Mistral: DecoderArchitecture {
    public static let modelType = "mistral"
    public static let causalLMClass = "MistralForCausalLM"
    public static let rewardModelClass = "MistralForSequenceClassification"

    public static func configure(_ c: inout ModelConfig, _ json: HFConfigJSON) throws {
        c.slidingWindow = try json.optInt("sliding_window")
    }

    public static func block(_ b: BlockBuilder, _ c: ModelConfig) {
        Llama.preNormBlock(b, headNorms: false)
    }
}
