import XCTest
import Foundation
import Core

/// RewardObjective against the fixture's reward-model reference (loss and gradients of the
/// Bradley–Terry loss on the 4 dpo triples), and end to end: a small reward model learns a
/// synthetic preference.
final class RewardObjectiveTests: XCTestCase {
    func fixture(_ p: String) -> String { fixturesDir() + "/qwen2-tiny/" + p }

    func testLossAndGradientsMatchReference() throws {
        let ref = loadJSON(fixture("ref.json"))
        let r = ref["reward_model"] as! [String: Any]
        let triples = (ref["dpo"] as! [String: Any])["triples"] as! [[String: Any]]
        let md = try ModelDirectory.load(fixture("reward"), head: .score)
        // Tokenized by PreferenceData from the text, as rm-train reads it: must give the fixture's ids.
        let path = NSTemporaryDirectory() + "prefkit-rm-fixture-\(getpid()).jsonl"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let lines = triples.map { t -> String in
            JSONValue.object([("prompt", .string(t["prompt"] as! String)), ("chosen", .string(t["chosen"] as! String)),
                              ("rejected", .string(t["rejected"] as! String))]).serialized()
        }
        try ArtifactFile.writeAtomically(path, string: lines.joined(separator: "\n") + "\n")
        let (pairs, _) = try PreferenceData.load(path, tokenizer: md.tokenizer, eos: md.eosTokenId, options: PreferenceLoadOptions())
        for (p, t) in zip(pairs, triples) {
            XCTAssertEqual(p.prompt, ints(t["prompt_ids"])); XCTAssertEqual(p.chosen, ints(t["chosen_ids"]))
            XCTAssertEqual(p.rejected, ints(t["rejected_ids"]))
        }
        let obj = try RewardObjective(model: md.model, pairs: pairs) { _, _, _ in }
        md.model.zeroGradients()
        let idx = Array(0..<pairs.count)
        let m = try obj.accumulate(idx, normalizer: obj.normalizer(idx))
        assertClose([m["loss"]!], [(r["loss"] as! NSNumber).doubleValue], rtol: 1e-4, "rm objective loss")
        let c = doubles(r["chosen_scores"]), j = doubles(r["rejected_scores"])
        let acc = Double(zip(c, j).filter { $0 > $1 }.count) / 4
        XCTAssertEqual(m["accuracy"]!, acc, accuracy: 1e-12)
        XCTAssertEqual(m["rewards/chosen"]!, c.reduce(0, +) / 4, accuracy: 1e-5)
        XCTAssertEqual(m["rewards/rejected"]!, j.reduce(0, +) / 4, accuracy: 1e-5)
        XCTAssertEqual(m["reward_margin"]!, (c.reduce(0, +) - j.reduce(0, +)) / 4, accuracy: 1e-5)
        let file = try SafetensorsFile(path: fixture("ref.safetensors"))
        for (hf, key) in r["grad_tensors"] as! [String: String] {
            let e = md.model.layout.entry(hf)!
            let g = (0..<e.count).map { md.model.grads![e.offset + $0] }
            assertClose(g, try file.floats(key), rtol: 1e-3, "rm objective grad \(hf)")
        }
        // Two micro-batches with the step's normaliser give the same loss and gradient.
        let whole = md.model.grads!.toArray()
        md.model.zeroGradients()
        let a = try obj.accumulate([0, 1], normalizer: 4), b = try obj.accumulate([2, 3], normalizer: 4)
        XCTAssertEqual(a["loss"]! + b["loss"]!, m["loss"]!, accuracy: 1e-6)
        assertClose(md.model.grads!.toArray(), whole, rtol: 1e-5, "accumulated micro-batches")
    }

    /// Responses of random filler words with "good" (chosen) or "bad" (rejected) somewhere in them.
    static func pairs(_ n: Int, seed: UInt64, tok: Tokenizer?, eos: Int) -> ([PreferencePair], [String]) {
        var rng = SplitMix64(seed: seed)
        let fill = ["the", "food", "was", "very", "quite", "service", "and", "place", "really", "overall"]
        var out: [PreferencePair] = [], texts: [String] = []
        for i in 0..<n {
            func resp(_ w: String) -> String {
                var words = (0..<(3 + Int(rng.next() % 4))).map { _ in fill[Int(rng.next() % UInt64(fill.count))] }
                words.insert(w, at: Int(rng.next() % UInt64(words.count + 1)))
                return " " + words.joined(separator: " ")
            }
            let p = "review \(i % 7):", c = resp("good"), r = resp("bad")
            texts += [p, c, r]
            if let tok {
                out.append(PreferencePair(id: String(i), source: "synthetic", promptText: p, chosenText: c, rejectedText: r,
                                          prompt: tok.encode(p), chosen: tok.encode(c) + [eos], rejected: tok.encode(r) + [eos]))
            }
        }
        return (out, texts)
    }

    func testLearnsSyntheticPreference() throws {
        let tok = Tokenizer.train(corpus: Self.pairs(200, seed: 1, tok: nil, eos: 0).1, vocabSize: 300, specials: ["<|endoftext|>"])
        let eos = tok.tokenId("<|endoftext|>")!
        let train = Self.pairs(200, seed: 1, tok: tok, eos: eos).0, eval = Self.pairs(100, seed: 2, tok: tok, eos: eos).0
        let model = Transformer(config: ModelPreset.nano.config(vocabSize: tok.vocabSize, maxLength: 64),
                                withLMHead: false, withScoreHead: true)
        model.randomInit(seed: 3)
        let out = NSTemporaryDirectory() + "prefkit-rm-train-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: out) }
        let obj = try RewardObjective(model: model, pairs: train, evalPairs: eval) { m, dir, _ in try Checkpoint.save(m, to: dir) }
        XCTAssertLessThan(try obj.evaluate()!["accuracy"]!, 0.8, "an untrained model should not already know")
        var o = TrainingOptions()
        o.outDir = out; o.maxSteps = 250; o.batchSize = 8; o.learningRate = 1e-3; o.warmupSteps = 10
        o.schedule = .cosine; o.quiet = true
        let trainer = Trainer(objective: obj, options: o)
        try trainer.run()
        let ev = trainer.lastEval!
        print("rm: eval \(ev)")
        XCTAssertGreaterThanOrEqual(ev["accuracy"]!, 0.9)
        XCTAssertGreaterThan(ev["reward_margin"]!, 0)
        // Every step logged the reward metrics.
        let log = try JSONL.readAll(out + "/metrics.jsonl").map(\.record).filter { $0["loss"] != nil }
        XCTAssertEqual(log.count, 250)
        for k in ["loss", "accuracy", "reward_margin", "rewards/chosen", "rewards/rejected", "grad_norm", "learning_rate"] {
            XCTAssertNotNil(log.last![k], k)
        }
        XCTAssertNotNil(try JSONL.readAll(out + "/metrics.jsonl").last!.record["eval_accuracy"])
    }
}
