import Core

/// The model shapes the benchmark and the peer table use.
enum BenchShape: String {
    case tiny, qwen05b = "0.5b", gemma3_270m = "gemma3-270m"

    var config: ModelConfig {
        switch self {
        case .tiny:
            return ModelConfig(modelType: "qwen2", vocabSize: 2048, hiddenSize: 256, intermediateSize: 688,
                               numLayers: 4, numHeads: 8, numKVHeads: 8, tieWordEmbeddings: true)
        case .qwen05b:
            return ModelConfig(modelType: "qwen2", vocabSize: 151_936, hiddenSize: 896, intermediateSize: 4864,
                               numLayers: 24, numHeads: 14, numKVHeads: 2, tieWordEmbeddings: true)
        case .gemma3_270m:
            return Self.gemma3Config()
        }
    }

    /// google/gemma-3-270m's config.json shape (random weights): 18 layers, every sixth
    /// full attention, the others a 512-key window; vocabulary 262144, tied.
    static func gemma3Config() -> ModelConfig {
        let layerTypes = (0..<18).map { ($0 + 1) % 6 == 0 ? "full_attention" : "sliding_attention" }
        let json: [String: Any] = [
            "model_type": "gemma3_text", "vocab_size": 262_144, "hidden_size": 640, "intermediate_size": 2048,
            "num_hidden_layers": 18, "num_attention_heads": 4, "num_key_value_heads": 1, "head_dim": 256,
            "query_pre_attn_scalar": 256, "sliding_window": 512, "layer_types": layerTypes,
            "rope_theta": 1_000_000.0, "rope_local_base_freq": 10_000.0, "rms_norm_eps": 1e-6,
            "hidden_activation": "gelu_pytorch_tanh", "max_position_embeddings": 32_768, "tie_word_embeddings": true,
        ]
        do {
            return try ModelConfig.parse(json, source: "gemma3-270m shape")
        } catch {
            fatalError("\(error)")
        }
    }

    /// Random weights fast enough for 0.5B parameters (uniform with the init's std).
    func model(seed: UInt64 = 1) -> Transformer {
        let m = Transformer(config: config)
        m.randomInitUniform(seed: seed, std: 0.02)
        return m
    }
}
