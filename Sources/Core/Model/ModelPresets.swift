/// Small decoder shapes for models trained from scratch (`--init-config NAME`).
/// The vocabulary comes from the tokenizer; everything else from here.
public enum ModelPreset: String, CaseIterable {
    /// ~0.4M parameters without embeddings: the embedded demo's policy, trains in minutes on 2 cores.
    case nano
    /// hidden 128, 4 layers: a stronger small model.
    case micro
    /// The benchmark's "tiny" shape: hidden 256, 4 layers, 8 heads, intermediate 688.
    case tiny

    public func config(vocabSize: Int, maxLength: Int) -> ModelConfig {
        let (h, l, heads, kv, inter): (Int, Int, Int, Int, Int) = {
            switch self {
            case .nano: return (64, 2, 4, 2, 176)
            case .micro: return (128, 4, 4, 2, 352)
            case .tiny: return (256, 4, 8, 8, 688)
            }
        }()
        return ModelConfig(modelType: "qwen2", vocabSize: vocabSize, hiddenSize: h, intermediateSize: inter,
                           numLayers: l, numHeads: heads, numKVHeads: kv, rmsNormEps: 1e-6, ropeTheta: 10_000,
                           maxPositionEmbeddings: max(maxLength, 512), tieWordEmbeddings: true)
    }
}
