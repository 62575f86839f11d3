import XCTest
import Foundation
import Core

final class LoRATests: XCTestCase {
    func tinyModel(seed: UInt64 = 7) -> Transformer {
        let cfg = ModelConfig(modelType: "qwen2", vocabSize: 37, hiddenSize: 16, intermediateSize: 24, numLayers: 2,
                              numHeads: 4, numKVHeads: 2, rmsNormEps: 1e-5, ropeTheta: 10000, tieWordEmbeddings: true)
        let m = Transformer(config: cfg)
        m.randomInit(seed: seed, std: 0.3)
        return m
    }
    func batch() -> CompletionBatch {
        var b = CompletionBatch()
        b.append(prompt: [1, 5, 9], completion: [4, 4, 20, 36])
        b.append(prompt: [2], completion: [3, 30, 7, 8])
        return b
    }
    /// An adapter with B ≠ 0 so every path carries signal.
    func adapter(_ m: Transformer, dropout: Double = 0) -> LoRAAdapter {
        let a = LoRAAdapter(config: LoRAConfig(rank: 3, alpha: 6, dropout: dropout), model: m.config, seed: 3)
        var rng = SplitMix64(seed: 4)
        for s in a.slots { for i in 0..<(s.outDim * 3) { a.params[s.b + i] = 0.3 * rng.nextGaussian() } }
        return a
    }

    func checkGradients(dropout: Double) {
        let m = tinyModel(), a = adapter(m, dropout: dropout)
        m.lora = a
        a.dropoutSeed = 9; a.dropoutStep = 1   // a fixed mask: the loss is a smooth function of the adapter
        let engine = CausalLMEngine(model: m, training: true)
        let b = batch()
        var rng = SplitMix64(seed: 5)
        let coeff = randomArray(b.targets.count, &rng)
        func loss() -> Double { zip(engine.logProbs(b), coeff).reduce(0.0) { $0 + Double($1.0) * Double($1.1) } }
        _ = loss()
        a.grads.zero()
        engine.backward(b, coeff: coeff, paramGrads: false)
        XCTAssertNil(m.grads, "frozen base weights get no gradient buffer")
        for s in a.slots {
            for (label, off, count) in [("A", s.a, 3 * s.inDim), ("B", s.b, 3 * s.outDim)] {
                let g = (0..<count).map { Double(a.grads[off + $0]) }
                let gn = g.reduce(0) { $0 + $1 * $1 }.squareRoot()
                XCTAssert(gn > 0, "layer \(s.layer) \(s.target) \(label): zero gradient")
                let dir = g.map { $0 / gn }, h = 1e-2
                let saved = (0..<count).map { a.params[off + $0] }
                for i in 0..<count { a.params[off + i] = Float(Double(saved[i]) + h * dir[i]) }
                let lp = loss()
                for i in 0..<count { a.params[off + i] = Float(Double(saved[i]) - h * dir[i]) }
                let lm = loss()
                for i in 0..<count { a.params[off + i] = saved[i] }
                let numeric = (lp - lm) / (2 * h)
                XCTAssert(abs(numeric - gn) / gn < 2e-2, "layer \(s.layer) \(s.target) \(label) (dropout \(dropout)): numeric \(numeric) analytic \(gn)")
            }
        }
    }
    func testAdapterGradients() { checkGradients(dropout: 0) }
    func testAdapterGradientsWithDropout() { checkGradients(dropout: 0.3) }

    func testAdapterOffIsTheBaseAndMergeEqualsAdapter() {
        let base = tinyModel(), m = tinyModel(), a = adapter(m)
        let b = batch()
        let baseLp = CausalLMEngine(model: base, training: false).logProbs(b)
        m.lora = a
        let engine = CausalLMEngine(model: m, training: false)
        let withAdapter = engine.logProbs(b)
        XCTAssertGreaterThan(relativeError(withAdapter, baseLp), 1e-3, "the adapter changes the model")
        a.enabled = false
        XCTAssertEqual(engine.logProbs(b), baseLp, "adapter off must be the base model exactly")
        a.enabled = true
        m.lora = nil
        a.merge(into: m)
        assertClose(CausalLMEngine(model: m, training: false).logProbs(b), withAdapter, rtol: 1e-5, "merged vs base+adapter")
    }

    func testPEFTSaveLoadAndAdapterDirectory() throws {
        let dir = NSTemporaryDirectory() + "prefkit-lora-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let fixture = fixturesDir() + "/qwen2-tiny"
        let md = try ModelDirectory.load(fixture)
        let a = adapter(md.model)
        try LoRAFiles.save(a, to: dir + "/adapter", baseModel: fixture)
        let reloaded = try LoRAFiles.load(dir + "/adapter", for: md.model)
        XCTAssertEqual(reloaded.params.toArray(), a.params.toArray())
        XCTAssertEqual(reloaded.config, a.config)
        // Loading the adapter directory gives the merged model.
        let viaDir = try ModelDirectory.load(dir + "/adapter")
        md.model.lora = a
        var b = CompletionBatch()
        b.append(prompt: [1822, 329, 198], completion: [17, 10, 17, 1823])
        let expect = CausalLMEngine(model: md.model, training: false).logProbs(b)
        assertClose(CausalLMEngine(model: viaDir.model, training: false).logProbs(b), expect, rtol: 1e-5, "adapter dir vs live adapter")
        // An adapter for another base is refused, naming the tensor.
        let other = Transformer(config: ModelConfig(modelType: "qwen2", vocabSize: 1824, hiddenSize: 32, intermediateSize: 88,
                                                    numLayers: 2, numHeads: 4, numKVHeads: 2))
        XCTAssertThrowsError(try LoRAFiles.load(dir + "/adapter", for: other)) { e in
            XCTAssert("\(e)".contains("trained on another base"), "\(e)")
        }
    }

    /// adapter_config.json settings that change the math and are not implemented are refused by
    /// name, and a lying rank is refused before it sizes any buffer.
    func testUnsupportedPEFTSettingsAreRefused() throws {
        let dir = NSTemporaryDirectory() + "prefkit-lora-peft-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let fixture = fixturesDir() + "/qwen2-tiny"
        let md = try ModelDirectory.load(fixture)
        try LoRAFiles.save(adapter(md.model), to: dir, baseModel: fixture)
        let path = dir + "/adapter_config.json"
        let original = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
        let cases: [(String, Any, String)] = [
            ("use_dora", true, "use_dora"), ("use_rslora", true, "use_rslora"), ("bias", "all", "\"bias\""),
            ("rank_pattern", ["q_proj": 8], "rank_pattern"), ("alpha_pattern", ["q_proj": 32], "alpha_pattern"),
            ("layers_to_transform", [0], "layers_to_transform"), ("modules_to_save", ["score"], "modules_to_save"),
            ("r", 1e12, "\"r\" must be an integer"), ("r", 2.5, "\"r\" must be an integer"),
        ]
        for (key, value, words) in cases {
            var o = original
            o[key] = value
            try JSONSerialization.data(withJSONObject: o).write(to: URL(fileURLWithPath: path))
            XCTAssertThrowsError(try LoRAFiles.load(dir, for: md.model), key) { e in
                XCTAssert("\(e)".contains(words) && "\(e)".contains(path), "\(key): \(e)")
            }
        }
    }
}
