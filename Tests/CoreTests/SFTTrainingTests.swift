import XCTest
import Foundation
import Core

/// SFT end to end on a small deterministic corpus: the model learns (loss far below the
/// corpus' unigram entropy) and a resumed run ends bit-identical to an uninterrupted one.
final class SFTTrainingTests: XCTestCase {
    /// Sentences whose next token is mostly determined by the previous ones.
    static func corpus() -> [String] {
        var rng = SplitMix64(seed: 11)
        let animals = ["cat", "dog", "fox", "owl"], colors = ["red", "blue", "green"]
        return (0..<120).map { _ in
            let a = animals[Int(rng.next() % 4)], c = colors[Int(rng.next() % 3)]
            return "the \(a) is \(c) and the \(a) likes the \(c) \(a)."
        }
    }

    func setup(_ out: String, steps: Int, saveEvery: Int = 0, resume: Bool = false) throws -> (SFTObjective, Trainer, Double) {
        let texts = Self.corpus()
        let tok = Tokenizer.train(corpus: texts, vocabSize: 300, specials: ["<|endoftext|>"])
        let eos = tok.tokenId("<|endoftext|>")!
        let examples = texts.enumerated().map { SFTExample(prompt: [], completion: tok.encode($0.element) + [eos], source: "\($0.offset)") }
        // Unigram entropy of the scored tokens (nats): what a model without context can reach.
        var counts: [Int: Double] = [:]
        var total = 0.0
        for e in examples { for t in e.completion.dropFirst() { counts[t, default: 0] += 1; total += 1 } }
        let entropy = -counts.values.reduce(0) { $0 + $1 / total * log($1 / total) }
        let model = Transformer(config: ModelPreset.nano.config(vocabSize: tok.vocabSize, maxLength: 64))
        model.randomInit(seed: 5)
        let obj = SFTObjective(model: model, examples: examples) { m, dir, _ in try Checkpoint.save(m, to: dir) }
        var o = TrainingOptions()
        o.outDir = out; o.maxSteps = steps; o.batchSize = 8; o.learningRate = 3e-3; o.warmupSteps = 10
        o.schedule = .cosine; o.saveEvery = saveEvery; o.resume = resume; o.quiet = true
        return (obj, Trainer(objective: obj, options: o), entropy)
    }

    func testLearnsWellBelowUnigramEntropy() throws {
        let out = NSTemporaryDirectory() + "prefkit-sft-\(getpid())-a"
        defer { try? FileManager.default.removeItem(atPath: out) }
        let (_, trainer, entropy) = try setup(out, steps: 200)
        try trainer.run()
        let loss = trainer.lastMetrics["loss"]!
        print("sft: final loss \(loss) nats/token, unigram entropy \(entropy)")
        XCTAssertLessThan(loss, 0.5 * entropy, "final loss \(loss) vs unigram entropy \(entropy)")
    }

    func testResumedRunIsBitIdentical() throws {
        let a = NSTemporaryDirectory() + "prefkit-sft-\(getpid())-b", b = a + "-resumed"
        defer { try? FileManager.default.removeItem(atPath: a); try? FileManager.default.removeItem(atPath: b) }
        let (full, t1, _) = try setup(a, steps: 30)
        try t1.run()
        // Same run with checkpoints; the newest (step 20) is where a crash would resume from.
        let (again, t2, _) = try setup(b, steps: 30, saveEvery: 10)
        try t2.run()
        XCTAssertEqual(again.model.params.toArray(), full.model.params.toArray(), "two identical runs differ")
        XCTAssertEqual(TrainerCheckpoint.completeCheckpoints(b).map(\.0), [20])
        let (resumed, t3, _) = try setup(b, steps: 30, resume: true)
        try t3.run()
        XCTAssertEqual(resumed.model.params.toArray(), full.model.params.toArray(), "resumed run differs from the uninterrupted one")
    }
}
