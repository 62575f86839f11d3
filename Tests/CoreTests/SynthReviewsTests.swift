import Core
import Foundation
import XCTest

final class SynthReviewsTests: XCTestCase {
    let prompt = "Write a review of the blender."
    func gold(_ response: String) -> Double { ReviewsTask.gold(prompt: prompt, response: response) }

    func small(seed: UInt64) -> ReviewsOptions {
        var o = ReviewsOptions(seed: seed)
        o.trainPairs = 400; o.testPairs = 100; o.sft = 200; o.evalPrompts = 60
        return o
    }

    func files(_ dir: String) throws -> [String: [UInt8]] {
        var out: [String: [UInt8]] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: dir) {
            out[name] = try ArtifactFile.readRaw(dir + "/" + name)
        }
        return out
    }

    func testSameSeedSameFilesDifferentSeedDifferent() throws {
        let a = try ioTempDir(self), b = try ioTempDir(self), c = try ioTempDir(self)
        try ReviewsDataset.generate(small(seed: 7)).write(to: a)
        try ReviewsDataset.generate(small(seed: 7)).write(to: b)
        try ReviewsDataset.generate(small(seed: 8)).write(to: c)
        let fa = try files(a), fb = try files(b), fc = try files(c)
        XCTAssertEqual(fa.keys.sorted(), ["eval_prompts.jsonl.zst", "sft.jsonl.zst", "task.json",
                                          "test_prefs.jsonl.zst", "train_prefs.jsonl.zst", "train_prompts.jsonl.zst"])
        XCTAssertEqual(fa, fb)
        for name in fa.keys { XCTAssertNotEqual(fa[name], fc[name], name) }
    }

    /// Asking for more train pairs leaves the other files' records alone.
    func testPartsDrawFromIndependentStreams() throws {
        var o = small(seed: 3)
        let d1 = try ReviewsDataset.generate(o)
        o.trainPairs = 50
        let d2 = try ReviewsDataset.generate(o)
        XCTAssertEqual(d1.testPairs, d2.testPairs)
        XCTAssertEqual(d1.sft, d2.sft)
        XCTAssertEqual(d1.evalPrompts, d2.evalPrompts)
    }

    func testGoldOrdersPositiveNeutralNegative() {
        let positive = gold(" The blender is great. I love it.")
        let neutral = gold(" The blender arrived on Monday.")
        let negative = gold(" The blender is terrible.")
        XCTAssertGreaterThan(positive, neutral)
        XCTAssertGreaterThan(neutral, negative)
        XCTAssertEqual(positive, 2); XCTAssertEqual(neutral, 0); XCTAssertEqual(negative, -1)
        XCTAssertEqual(gold(" The blender is very great."), 1.5)
    }

    func testNegationFlips() {
        XCTAssertLessThan(gold(" The blender is not great."), 0)
        XCTAssertGreaterThan(gold(" The blender is not bad."), 0)
        XCTAssertLessThan(gold(" The blender isn't good."), 0)
        XCTAssertLessThan(gold(" I would not recommend the blender."), 0)
        // Scope ends at a clause break: "not" does not reach past "but".
        XCTAssertEqual(gold(" The blender is not cheap but the price is great."), 1.5)
    }

    func testSpammingOneWordScoresBelowANormalReview() {
        let normal = gold(" The blender is great. I would recommend it.")
        XCTAssertGreaterThan(normal, gold(" great great great great"))
        XCTAssertGreaterThan(normal, gold(" The blender is great great great great great."))
        XCTAssertGreaterThan(normal, gold(" The blender is very very very very very great."))
        // Saying the same praise again and again adds nothing beyond the second time.
        XCTAssertLessThan(gold(" The blender is great. It is great. It is great. It is great."),
                          gold(" The blender is great. It is great."))
    }

    func testNotNamingTheItemIsPenalised() {
        XCTAssertEqual(gold(" The blender is great.") - gold(" It is great."), 1.5)
        // Naming some other item does not count.
        XCTAssertEqual(gold(" The toaster is great."), gold(" It is great."))
        // A prompt with no recognisable item: nothing to penalise.
        XCTAssertEqual(ReviewsTask.gold(prompt: "Say something.", response: " It is great."), 1)
    }

    func testOverLongTextIsPenalised() {
        let base = " The blender is great. The price is good. I love it."
        let more = base + " It arrived on Monday. It came in a red box."
        XCTAssertEqual(gold(more), gold(base) - 1.0)
        let runaway = " The blender is great" + String(repeating: " and the price is fine", count: 20) + "."
        XCTAssertLessThan(gold(runaway), 0)
        XCTAssertGreaterThanOrEqual(gold(String(repeating: " great", count: 500)), -6)
    }

    func testItemIsReadFromAnyPromptForm() {
        XCTAssertEqual(ReviewsTask.item(fromPrompt: prompt), "blender")
        XCTAssertEqual(ReviewsTask.item(fromPrompt: "<|im_start|>user\nWrite a review of the kettle.<|im_end|>\n"), "kettle")
        XCTAssertEqual(ReviewsTask.item(fromPrompt: "Tell me about this lamp"), "lamp")
        XCTAssertNil(ReviewsTask.item(fromPrompt: "Hello"))
    }

    func testGoldScorerByName() throws {
        let f = try XCTUnwrap(ReviewsTask.goldScorer(named: "reviews"))
        XCTAssertEqual(f(prompt, " The blender is great."), 1)
        XCTAssertNil(ReviewsTask.goldScorer(named: "nope"))
    }

    func testLabelNoiseRateOnTrainAndNoneOnTest() throws {
        for noise in [0.0, 0.1, 0.25] {
            var o = small(seed: 11)
            o.noise = noise
            let d = try ReviewsDataset.generate(o)
            let flipped = d.trainPairs.filter { $0["gold_chosen"]!.doubleValue! < $0["gold_rejected"]!.doubleValue! }.count
            XCTAssertEqual(Double(flipped) / Double(d.trainPairs.count), noise, accuracy: 0.01)
            XCTAssertEqual(flipped, d.flippedTrainPairs)
            for p in d.testPairs { XCTAssertGreaterThan(p["gold_chosen"]!.doubleValue!, p["gold_rejected"]!.doubleValue!) }
        }
    }

    func testPairsHaveAClearGoldGapAndMatchTheScorer() throws {
        let d = try ReviewsDataset.generate(small(seed: 5))
        XCTAssertEqual(d.options.minGoldGap, 1.0)
        for p in d.trainPairs + d.testPairs {
            let pr = p["prompt"]!.stringValue!, gc = p["gold_chosen"]!.doubleValue!, gr = p["gold_rejected"]!.doubleValue!
            XCTAssertGreaterThanOrEqual(abs(gc - gr), d.options.minGoldGap)
            XCTAssertEqual(ReviewsTask.gold(prompt: pr, response: p["chosen"]!.stringValue!), gc)
            XCTAssertEqual(ReviewsTask.gold(prompt: pr, response: p["rejected"]!.stringValue!), gr)
        }
    }

    /// The SFT corpus spans the gold range, so an SFT policy sits mid-range and DPO has room.
    func testSFTSpansTheGoldRange() throws {
        var o = small(seed: 2)
        o.sft = 1000
        let g = try ReviewsDataset.generate(o).sft.map { $0["gold"]!.doubleValue! }
        XCTAssertGreaterThan(g.filter { $0 <= -1 }.count, 100)
        XCTAssertGreaterThan(g.filter { abs($0) < 1 }.count, 100)
        XCTAssertGreaterThan(g.filter { $0 >= 1 }.count, 100)
        XCTAssertEqual(g.reduce(0, +) / Double(g.count), 0, accuracy: 1)
    }

    func testHeldOutItemsNeverInTrainingFiles() throws {
        let d = try ReviewsDataset.generate(small(seed: 9))
        XCTAssertEqual(d.heldOutItems.count, 8)
        XCTAssertEqual(Set(d.heldOutItems).count, 8)
        XCTAssertEqual(d.trainItems.count + d.heldOutItems.count, ReviewsCatalogue.allItems.count)
        let held = Set(d.heldOutItems)
        for r in d.trainPairs + d.sft {
            let item = try XCTUnwrap(ReviewsTask.item(fromPrompt: r["prompt"]!.stringValue!))
            XCTAssertFalse(held.contains(item), item)
        }
        // Evaluation and test do reach the held-out items.
        let evalItems = Set(d.evalPrompts.compactMap { $0["item"]?.stringValue })
        XCTAssertTrue(held.isSubset(of: evalItems))
        XCTAssertTrue(d.evalPrompts.contains { $0["held_out"] == .bool(true) })
    }

    func testWrittenFilesParseWithTheDocumentedFields() throws {
        let dir = try ioTempDir(self)
        try ReviewsDataset.generate(small(seed: 4)).write(to: dir + "/nested")
        let expect: [(String, [String], Int)] = [
            ("sft.jsonl.zst", ["prompt", "completion", "gold"], 200),
            ("train_prefs.jsonl.zst", ["id", "prompt", "chosen", "rejected", "gold_chosen", "gold_rejected"], 400),
            ("test_prefs.jsonl.zst", ["id", "prompt", "chosen", "rejected", "gold_chosen", "gold_rejected"], 100),
            ("eval_prompts.jsonl.zst", ["id", "prompt", "item"], 60),
        ]
        for (name, fields, count) in expect {
            let records = try JSONL.readAll(dir + "/nested/" + name)
            XCTAssertEqual(records.count, count, name)
            for (_, r) in records {
                for f in fields { XCTAssertNotNil(r[f], "\(name) lacks \(f)") }
                for f in ["chosen", "rejected", "completion"] {
                    if let s = r[f]?.stringValue { XCTAssertTrue(s.hasPrefix(" "), "\(name): \(s)") }
                }
            }
            let ids = records.compactMap { $0.record["id"]?.stringValue }
            XCTAssertEqual(Set(ids).count, ids.count, "\(name) ids are unique")
        }
        let task = try JSONSerialization.jsonObject(with: Data(ArtifactFile.readBytes(dir + "/nested/task.json"))) as? [String: Any]
        XCTAssertEqual(task?["task"] as? String, "reviews")
        XCTAssertEqual((task?["counts"] as? [String: Any])?["train_pairs"] as? Int, 400)
        XCTAssertEqual(((task?["items"] as? [String: Any])?["held_out"] as? [String])?.count, 8)
        XCTAssertNotNil(task?["description"] as? String)
    }

    func testBadOptionsAreRefused() {
        var o = ReviewsOptions(seed: 1)
        o.noise = 0.7
        ioAssertThrows(try ReviewsDataset.generate(o), "--noise")
        o = ReviewsOptions(seed: 1); o.trainPairs = -1
        ioAssertThrows(try ReviewsDataset.generate(o), "--train-pairs")
    }
}
