import XCTest
import Core

/// The whole model's gradient by finite differences on tiny random configs: for every
/// tensor, the directional derivative of L = Σ cᵢ·logpᵢ along that tensor's own gradient
/// and along a random direction, against central differences of the loss.
final class ModelGradientTests: XCTestCase {
    func check(tied: Bool, bias: Bool, kvHeads: Int) {
        let cfg = ModelConfig(modelType: bias ? "qwen2" : "llama", vocabSize: 37, hiddenSize: 16, intermediateSize: 24,
                              numLayers: 2, numHeads: 4, numKVHeads: kvHeads, rmsNormEps: 1e-5, ropeTheta: 10000,
                              tieWordEmbeddings: tied)
        check(cfg)
    }

    /// A family's config.json with tiny shapes, parsed as a checkpoint's would be.
    func familyConfig(_ extra: [String: Any]) throws -> ModelConfig {
        var o: [String: Any] = ["vocab_size": 37, "hidden_size": 16, "intermediate_size": 24, "num_hidden_layers": 2,
                                "num_attention_heads": 4, "num_key_value_heads": 2, "rms_norm_eps": 1e-5]
        o.merge(extra) { _, new in new }
        return try ModelConfig.parse(o, source: "test")
    }

    func check(_ cfg: ModelConfig) {
        let model = Transformer(config: cfg)
        model.randomInit(seed: 7, std: 0.3)
        var rng = SplitMix64(seed: 8)
        // Random norm weights and biases so nothing sits at a symmetric point.
        for e in model.layout.entries where e.shape.count == 1 {
            for i in 0..<e.count { model.params[e.offset + i] = 1 + 0.3 * rng.nextGaussian() }
        }
        var batch = CompletionBatch()
        batch.append(prompt: [1, 5, 9], completion: [4, 4, 20, 36])
        batch.append(prompt: [], completion: [2, 3, 30, 7, 8])
        batch.append(prompt: [11, 12, 13, 14, 15, 16], completion: [0])
        let coeff = randomArray(batch.targets.count, &rng)
        let engine = CausalLMEngine(model: model, training: true)
        func loss() -> Double {
            let lp = engine.logProbs(batch)
            return zip(lp, coeff).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        }
        _ = loss()
        model.zeroGradients()
        engine.backward(batch, coeff: coeff)
        let g = model.grads!
        for e in model.layout.entries {
            let grad = (0..<e.count).map { g[e.offset + $0] }
            let gnorm = grad.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
            XCTAssert(gnorm > 0, "\(e.hfName): zero gradient")
            let random = (0..<e.count).map { _ in Double(rng.nextGaussian()) }
            let rnorm = random.reduce(0) { $0 + $1 * $1 }.squareRoot()
            for (label, dir) in [("gradient", grad.map { Double($0) / gnorm }), ("random", random.map { $0 / rnorm })] {
                let analytic = zip(grad, dir).reduce(0.0) { $0 + Double($1.0) * $1.1 }
                let h = 1e-2
                let saved = (0..<e.count).map { model.params[e.offset + $0] }
                for i in 0..<e.count { model.params[e.offset + i] = Float(Double(saved[i]) + h * dir[i]) }
                let lp = loss()
                for i in 0..<e.count { model.params[e.offset + i] = Float(Double(saved[i]) - h * dir[i]) }
                let lm = loss()
                for i in 0..<e.count { model.params[e.offset + i] = saved[i] }
                let numeric = (lp - lm) / (2 * h)
                let err = abs(numeric - analytic) / max(gnorm, 1e-8)
                XCTAssert(err < 2e-2, "\(e.hfName) along \(label): numeric \(numeric) analytic \(analytic) (|g| \(gnorm), rel \(err))")
            }
        }
    }

    func testTiedWithBiasGQA() { check(tied: true, bias: true, kvHeads: 2) }

    /// Gemma 3: (1+w) norms, four norms a layer, q/k norms, GeGLU, scaled embeddings, a window
    /// shorter than the sequences on one layer, the query scalar and final soft-capping.
    func testGemma3() throws {
        check(try familyConfig(["model_type": "gemma3_text", "head_dim": 8, "query_pre_attn_scalar": 6,
                                "sliding_window": 3, "layer_types": ["sliding_attention", "full_attention"],
                                "final_logit_softcapping": 2.0, "rope_local_base_freq": 100.0]))
    }

    /// Qwen3's q/k norms with a head_dim that is not hidden/heads; Llama 3.1's scaled RoPE;
    /// Mistral's window.
    func testQwen3Llama31Mistral() throws {
        check(try familyConfig(["model_type": "qwen3", "head_dim": 8]))
        check(try familyConfig(["model_type": "llama", "rope_scaling": ["rope_type": "llama3", "factor": 4.0,
                                "low_freq_factor": 1.0, "high_freq_factor": 2.0, "original_max_position_embeddings": 8]]))
        check(try familyConfig(["model_type": "mistral", "sliding_window": 2]))
    }
    func testUntiedNoBiasMHA() { check(tied: false, bias: false, kvHeads: 4) }
}
