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
    func testUntiedNoBiasMHA() { check(tied: false, bias: false, kvHeads: 4) }
}
