import Core

/// The model shapes the benchmark and the peer table use.
enum BenchShape: String {
    case tiny, qwen05b = "0.5b"

    var config: ModelConfig {
        switch self {
        case .tiny:
            return ModelConfig(modelType: "qwen2", vocabSize: 2048, hiddenSize: 256, intermediateSize: 688,
                               numLayers: 4, numHeads: 8, numKVHeads: 8, tieWordEmbeddings: true)
        case .qwen05b:
            return ModelConfig(modelType: "qwen2", vocabSize: 151_936, hiddenSize: 896, intermediateSize: 4864,
                               numLayers: 24, numHeads: 14, numKVHeads: 2, tieWordEmbeddings: true)
        }
    }

    /// Random weights fast enough for 0.5B parameters (uniform with the init's std).
    func model(seed: UInt64 = 1) -> Transformer {
        let m = Transformer(config: config)
        m.randomInitUniform(seed: seed, std: 0.02)
        return m
    }
}
