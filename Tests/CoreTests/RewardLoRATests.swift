import XCTest
import Foundation
import Core

/// rm-train with LoRA: adapters and the score head train, the base stays frozen, and the merged
/// reward model scores exactly as the live adapter does.
final class RewardLoRATests: XCTestCase {
    func pairs(_ md: ModelDirectory) throws -> [PreferencePair] {
        let lines = (0..<8).map { i in
            #"{"prompt":"Review \#(i):","chosen":" good good","rejected":" bad bad"}"#
        }
        let path = NSTemporaryDirectory() + "prefkit-rmlora-\(getpid()).jsonl"
        _ = FileManager.default.createFile(atPath: path, contents: Data(lines.joined(separator: "\n").utf8))
        return try PreferenceData.load(path, tokenizer: md.tokenizer, eos: md.eosTokenId, options: PreferenceLoadOptions()).0
    }

    func testLoRARewardTraining() throws {
        let dir = fixturesDir() + "/qwen2-tiny/reward"
        let full = try ModelDirectory.load(dir, head: .score), md = try ModelDirectory.load(dir, head: .score)
        let ps = try pairs(md)
        let all = Array(0..<ps.count)
        let a = LoRAAdapter(config: LoRAConfig(rank: 4, alpha: 8, dropout: 0), model: md.model.config, seed: 1,
                            extra: md.model.config.hiddenSize)
        let obj = try RewardObjective(model: md.model, lora: a, pairs: ps) { _, _, _ in }
        let ref = try RewardObjective(model: full.model, pairs: ps) { _, _, _ in }
        // B = 0: the same model, so the same loss and the same score-head gradient.
        obj.trainGrads.zero(); ref.trainGrads.zero()
        let m0 = try obj.accumulate(all, normalizer: obj.normalizer(all))
        let r0 = try ref.accumulate(all, normalizer: ref.normalizer(all))
        XCTAssertEqual(m0["loss"]!, r0["loss"]!, accuracy: 1e-6)
        let e = full.model.layout.entry("score.weight")!
        assertClose((0..<a.extraCount).map { a.grads[a.extraOffset + $0] },
                    (0..<e.count).map { full.model.grads![e.offset + $0] }, rtol: 1e-5, "score head gradient via LoRA")
        XCTAssertNil(md.model.grads, "the base gets no gradient buffer")
        let baseBefore = md.model.params.toArray()
        let opt = AdamW(size: obj.trainParams.count, groups: obj.trainGroups)
        for _ in 0..<20 {
            obj.trainGrads.zero()
            _ = try obj.accumulate(all, normalizer: obj.normalizer(all))
            opt.update(params: obj.trainParams.ptr, grads: obj.trainGrads.ptr, lr: 1e-2)
        }
        obj.trainGrads.zero()
        let m1 = try obj.accumulate(all, normalizer: obj.normalizer(all))
        XCTAssertLessThan(m1["loss"]!, m0["loss"]! - 0.05, "training lowers the loss")
        let merged = obj.mergedModel()
        let live = obj.scorePairs(ps), viaMerged = RewardEngine(model: merged, training: false).scores(RewardObjective.batch(ps, sharePrompt: false))
        assertClose(viaMerged, live.map(\.chosen) + live.map(\.rejected), rtol: 1e-5, "merged vs live adapter")
        let after = md.model.params.toArray()
        let score = md.model.layout.entry("score.weight")!
        for i in 0..<after.count where !(score.offset..<(score.offset + score.count)).contains(i) {
            if after[i] != baseBefore[i] { XCTFail("base weight \(i) changed"); break }
        }
    }
}
