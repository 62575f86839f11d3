import XCTest
import Foundation
import Core

final class KTOTests: XCTestCase {
    /// The KTO loss against its formula and finite differences (z0 detached).
    func testLossAndGradient() {
        let loss = KTOLoss(beta: 0.3, desirableWeight: 1.5, undesirableWeight: 0.7)
        let delta = [0.4, -1.2, 2.5, 0.0, -0.3], desirable = [true, false, true, false, true], z0 = 0.35
        func f(_ d: [Double]) -> Double {
            var s = 0.0
            for i in d.indices {
                s += desirable[i] ? 1.5 * (1 - 1 / (1 + exp(-0.3 * (d[i] - z0)))) : 0.7 * (1 - 1 / (1 + exp(-0.3 * (z0 - d[i]))))
            }
            return s
        }
        let (l, g) = loss.compute(delta: delta, desirable: desirable, z0: z0)
        XCTAssertEqual(l.reduce(0, +), f(delta), accuracy: 1e-12)
        for i in delta.indices {
            var p = delta, m = delta
            p[i] += 1e-6; m[i] -= 1e-6
            XCTAssertEqual(g[i], (f(p) - f(m)) / 2e-6, accuracy: 1e-7, "dL/dΔ[\(i)]")
        }
        XCTAssertEqual(KTOLoss.klEstimate(policy: [1, 2], reference: [2, 3]), 0, "clamped at 0")
        XCTAssertEqual(KTOLoss.klEstimate(policy: [3, 2], reference: [2, 1]), 1)
    }

    /// Policy = reference: Δ = 0 and z0 = 0, so every example's loss is λ·(1 − σ(0)) = λ/2;
    /// a step moves desirable log-probs up relative to undesirable ones.
    func testObjectiveOnFixture() throws {
        let dir = fixturesDir() + "/qwen2-tiny"
        let md = try ModelDirectory.load(dir)
        let lines = [#"{"prompt":"Q: 2+2?","completion":" 4","label":true}"#, #"{"prompt":"Q: 2+2?","completion":" 5","label":false}"#,
                     #"{"prompt":"Q: sky?","completion":" blue","label":true}"#, #"{"prompt":"Q: sky?","completion":" green","label":false}"#]
        let path = NSTemporaryDirectory() + "prefkit-kto-\(getpid()).jsonl"
        _ = FileManager.default.createFile(atPath: path, contents: Data(lines.joined(separator: "\n").utf8))
        let (ex, report) = try KTOData.load(path, tokenizer: md.tokenizer, eos: md.eosTokenId, options: PreferenceLoadOptions())
        XCTAssertEqual(report.used, 4)
        XCTAssertEqual(ex.map(\.desirable), [true, false, true, false])
        let obj = try KTOObjective(policy: md.model, lora: nil, reference: .model(CausalLMEngine(model: try Checkpoint.load(dir), training: false)),
                                   examples: ex, loss: KTOLoss()) { _, _, _, _ in }
        let all = [0, 1, 2, 3]
        obj.trainGrads.zero()
        let m = try obj.accumulate(all, normalizer: obj.normalizer(all))
        XCTAssertEqual(m["loss"]!, 0.5, accuracy: 1e-6)
        XCTAssertEqual(m["kl"]!, 0, accuracy: 1e-6)
        XCTAssertEqual(m["rewards/chosen"]!, 0, accuracy: 1e-5)
        let opt = AdamW(size: obj.trainParams.count, groups: obj.trainGroups)
        opt.update(params: obj.trainParams.ptr, grads: obj.trainGrads.ptr, lr: 1e-3)
        obj.trainGrads.zero()
        let after = try obj.accumulate(all, normalizer: obj.normalizer(all))
        XCTAssertGreaterThan(after["rewards/chosen"]!, after["rewards/rejected"]!, "one step favours desirable completions")
        XCTAssertLessThan(after["loss"]!, 0.5)
        XCTAssertThrowsError(try KTOObjective(policy: md.model, lora: nil, reference: .none, examples: ex, loss: KTOLoss()) { _, _, _, _ in })
    }
}
