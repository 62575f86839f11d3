import XCTest
import Foundation
import Core

/// The DPO modifiers that change what is computed rather than the loss formula:
/// WPO's log Σp², LD-DPO's token weights, TR-DPO's reference mixing.
final class DPOModifierTests: XCTestCase {
    func tinyModel(_ seed: UInt64) -> Transformer {
        let m = Transformer(config: ModelConfig(modelType: "qwen2", vocabSize: 37, hiddenSize: 16, intermediateSize: 24, numLayers: 1,
                                                numHeads: 2, numKVHeads: 1, ropeTheta: 10000, tieWordEmbeddings: true))
        m.randomInit(seed: seed, std: 0.4)
        return m
    }
    func pairs() -> [PreferencePair] {
        [PreferencePair(id: "a", source: "t", promptText: "", chosenText: "", rejectedText: "", prompt: [1, 2], chosen: [3, 4, 5, 6, 7], rejected: [8, 9]),
         PreferencePair(id: "b", source: "t", promptText: "", chosenText: "", rejectedText: "", prompt: [10], chosen: [11, 12], rejected: [13, 14, 15, 16])]
    }

    /// log Σ_v p_v² from the head equals the value computed from full logits in Double.
    func testLogSumOfSquaresForWPO() {
        let m = tinyModel(1)
        let engine = CausalLMEngine(model: m, training: false)
        var b = CompletionBatch()
        b.append(prompt: [1, 2], completion: [3, 4, 5])
        let lp = engine.logProbs(b, wantSumSquares: true)
        XCTAssertEqual(engine.logSumSquares.count, lp.count)
        let c = m.config
        for (i, row) in b.targets.rows.enumerated() {
            let h = engine.acts.hidden + Int(row) * c.hiddenSize
            let logits = (0..<c.vocabSize).map { v in (0..<c.hiddenSize).reduce(0.0) { $0 + Double(h[$1]) * Double(m.params[m.layout.lmHead + v * c.hiddenSize + $1]) } }
            let mx = logits.max()!, z = logits.reduce(0) { $0 + exp($1 - mx) }
            let sumSq = logits.reduce(0) { $0 + exp(2 * ($1 - mx)) } / (z * z)
            XCTAssertEqual(Double(engine.logSumSquares[i]), log(sumSq), accuracy: 1e-4)
        }
    }

    /// LD-DPO: tokens past the shorter completion of the pair count with weight α.
    func testLengthDesensitisedWeights() throws {
        let m = tinyModel(2), ref = tinyModel(3)
        let ps = pairs()
        let obj = try DPOObjective(policy: m, lora: nil, reference: .model(CausalLMEngine(model: ref, training: false)), pairs: ps,
                               loss: DPOLossConfig()) { _, _, _ in }
        obj.ldAlpha = 0.25
        let metrics = try obj.accumulate([0, 1], normalizer: obj.normalizer([0, 1]))
        // Expected: per-token log-probs of the policy, weighted by hand.
        let engine = CausalLMEngine(model: tinyModel(2), training: false)
        var expect = 0.0
        for p in ps {
            let shared = min(p.chosen.count, p.rejected.count)
            var b = CompletionBatch()
            b.append(prompt: p.prompt, completion: p.chosen)
            for (k, v) in engine.logProbs(b).enumerated() { expect += Double(v) * (k < shared ? 1 : 0.25) }
        }
        XCTAssertEqual(metrics["logps/chosen"]!, expect / 2, accuracy: 1e-4)
    }

    /// TR-DPO: every N steps the reference becomes α·policy + (1−α)·reference.
    func testReferenceSync() throws {
        let m = tinyModel(4), ref = tinyModel(5)
        let before = ref.params.toArray(), policy = m.params.toArray()
        let obj = try DPOObjective(policy: m, lora: nil, reference: .model(CausalLMEngine(model: ref, training: false)), pairs: pairs(),
                               loss: DPOLossConfig()) { _, _, _ in }
        obj.syncRefEvery = 2; obj.refMixupAlpha = 0.6
        obj.didStep(1)
        XCTAssertEqual(ref.params.toArray(), before, "no sync before step 2")
        obj.didStep(2)
        let expect = zip(policy, before).map { 0.6 * $0 + 0.4 * $1 }
        assertClose(ref.params.toArray(), expect, rtol: 1e-6, "mixed reference")
    }
}
