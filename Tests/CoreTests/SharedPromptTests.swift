import Core
import Foundation
import XCTest

/// A pair packed as prompt ⧺ chosen ⧺ rejected (the prompt computed once) gives the log-probs,
/// losses and gradients of the two separate sequences, for every loss family, LoRA or full,
/// live or precomputed reference.
final class SharedPromptTests: XCTestCase {
    let dir = fixturesDir() + "/gemma3-tiny"

    func pairs() throws -> [PreferencePair] {
        let md = try ModelDirectory.load(dir + "/policy")
        let path = try ioTempDir(self) + "/pairs.jsonl"
        try ArtifactFile.writeAtomically(path, string: fixtureTripleLines(dir).joined(separator: "\n") + "\n", compress: false)
        return try PreferenceData.load(path, tokenizer: md.tokenizer, eos: md.eosTokenId, options: PreferenceLoadOptions()).0
    }

    /// (metrics, gradients) of one accumulate over every pair.
    func run(share: Bool, loss: DPOLossConfig, lora: Bool, precomputed: Bool) throws -> ([String: Double], [Float]) {
        let policy = try Checkpoint.load(dir + "/policy")
        let ps = try pairs()
        let refEngine = CausalLMEngine(model: try Checkpoint.load(dir), training: false)
        let source: ReferenceSource
        if precomputed {
            let table = ReferenceLogps.compute(engine: refEngine, pairs: ps, batchSize: 4, ldAlpha: nil, sharePrompt: share)
            source = .precomputed(train: table, eval: .empty)
        } else {
            source = .model(refEngine)
        }
        var adapter: LoRAAdapter?
        if lora {
            let a = LoRAAdapter(config: LoRAConfig(rank: 2, alpha: 4), model: policy.config, seed: 3)
            var rng = SplitMix64(seed: 4)
            for s in a.slots { for i in 0..<(s.outDim * 2) { a.params[s.b + i] = 0.2 * rng.nextGaussian() } }
            adapter = a
        }
        let obj = try DPOObjective(policy: policy, lora: adapter, reference: source, pairs: ps, loss: loss) { _, _, _ in }
        obj.sharePrompt = share
        let all = Array(0..<ps.count)
        let norm = obj.normalizer(all)
        obj.trainGrads.zero()
        let m = try obj.accumulate(all, normalizer: norm)
        return (m, obj.trainGrads.toArray())
    }

    func testEveryLossFamilyMatchesUnshared() throws {
        var configs: [(String, DPOLossConfig)] = []
        for t in [DPOLossType.sigmoid, .ipo, .ktoPair, .cpo, .simpo, .bcoPair] {
            var c = DPOLossConfig()
            c.types = [t]
            configs.append((t.rawValue, c))
        }
        var rpo = DPOLossConfig()
        rpo.rpoAlpha = 0.5
        configs.append(("sigmoid+rpo", rpo))
        for (name, cfg) in configs {
            for (lora, precomputed) in [(false, false), (true, false), (false, true)] where !(precomputed && !cfg.needsReference) {
                let label = "\(name) lora \(lora) precomputed \(precomputed)"
                let (ms, gs) = try run(share: true, loss: cfg, lora: lora, precomputed: precomputed)
                let (mu, gu) = try run(share: false, loss: cfg, lora: lora, precomputed: precomputed)
                for key in mu.keys.sorted() where ms[key] != nil {
                    let a = ms[key]!, b = mu[key]!
                    // Rewards and margins are differences of log-probs: compare at the log-probs' scale.
                    let scale = max(abs(b), abs(mu["logps/chosen"] ?? 1) * 0.1, 1e-3)
                    XCTAssertLessThan(abs(a - b) / scale, 1e-5, "\(label) \(key): shared \(a) unshared \(b)")
                }
                assertClose(gs, gu, rtol: 1e-4, "\(label) gradients")
            }
        }
    }

    /// The batch itself: the same targets, scored from the rows that hold the same contexts.
    func testPackingCountsAndOrder() {
        let ps: [(prompt: [Int], chosen: [Int], rejected: [Int])] = [([1, 2, 3], [4, 5], [6]), ([], [7, 8], [9, 10])]
        let shared = CompletionBatch.pairs(ps, sharePrompt: true)
        let split = CompletionBatch.pairs(ps, sharePrompt: false)
        XCTAssertEqual(shared.sequenceCount, 4)
        XCTAssertEqual(shared.scoredCounts, split.scoredCounts)
        XCTAssertEqual(shared.tokens.tokenCount, 3 + 2 + 1 + 0 + 2 + 2)
        XCTAssertEqual(split.tokens.tokenCount, 5 + 2 + 4 + 2)
        XCTAssertEqual(shared.tokens.positions, [0, 1, 2, 3, 4, 3, 0, 1, 0, 1])
        // Rejected of pair 0 ("6" after prompt 1 2 3) is scored from the prompt's last row.
        let rejectedTargets = zip(shared.targets.rows, shared.targetSequence).filter { $0.1 == 2 }.map(\.0)
        XCTAssertEqual(rejectedTargets, [2])
    }
}

/// Reward training with the prompt shared: scores, loss and gradients of the separate path.
final class SharedPromptRewardTests: XCTestCase {
    func testRewardTrainingMatchesUnshared() throws {
        let dir = fixturesDir() + "/qwen3-tiny"
        let d = loadJSON(dir + "/ref.json")["dpo"] as! [String: Any]
        let ps = (d["triples"] as! [[String: Any]]).enumerated().map { i, t in
            PreferencePair(id: "\(i)", source: "fixture", promptText: "", chosenText: "", rejectedText: "",
                           prompt: ints(t["prompt_ids"]), chosen: ints(t["chosen_ids"]), rejected: ints(t["rejected_ids"]))
        }
        var results: [([String: Double], [Float], [(chosen: Double, rejected: Double)])] = []
        for share in [true, false] {
            let model = try Checkpoint.load(dir + "/reward", head: .score)
            let obj = try RewardObjective(model: model, pairs: ps) { _, _, _ in }
            obj.sharePrompt = share
            let all = Array(0..<ps.count)
            obj.trainGrads.zero()
            let m = try obj.accumulate(all, normalizer: obj.normalizer(all))
            results.append((m, obj.trainGrads.toArray(), obj.scorePairs(ps)))
        }
        for key in results[1].0.keys.sorted() {
            assertClose([results[0].0[key]!], [results[1].0[key]!], rtol: 1e-5, "rm \(key)")
        }
        assertClose(results[0].2.map(\.chosen), results[1].2.map(\.chosen), rtol: 1e-5, "rm chosen scores")
        assertClose(results[0].2.map(\.rejected), results[1].2.map(\.rejected), rtol: 1e-5, "rm rejected scores")
        assertClose(results[0].1, results[1].1, rtol: 1e-4, "rm gradients")
        let r = loadJSON(dir + "/ref.json")["reward_model"] as! [String: Any]
        assertClose(results[0].2.map(\.chosen), doubles(r["chosen_scores"]), rtol: 1e-4, "rm shared scores vs transformers")
    }
}

/// rm-score's pair path: forked scoring equals scoring the two sequences apart.
final class SharedPromptScoringTests: XCTestCase {
    func testPairScoresEqualSeparateScores() throws {
        let dir = fixturesDir() + "/gemma3-tiny"
        let md = try ModelDirectory.load(dir + "/reward", head: .score)
        let path = try ioTempDir(self) + "/pairs.jsonl"
        try ArtifactFile.writeAtomically(path, string: fixtureTripleLines(dir).joined(separator: "\n") + "\n", compress: false)
        let (samples, kind, _) = try ScoreInput.load(path, tokenizer: md.tokenizer, eos: md.eosTokenId,
                                                     preference: PreferenceLoadOptions(), label: nil)
        XCTAssertEqual(kind, .pairs)
        XCTAssertTrue(RewardScoring.sharesPrompts(samples))
        let engine = RewardEngine(model: md.model, training: false)
        let shared = RewardScoring.pairScores(engine, samples: samples, batchSize: 3)
        let separate = RewardScoring.scores(engine, sequences: samples.map(\.tokens), batchSize: 3)
        assertClose(shared, separate, rtol: 1e-5, "rm-score shared vs separate")
    }
}
