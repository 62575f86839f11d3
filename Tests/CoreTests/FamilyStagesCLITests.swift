import Core
import Foundation
import XCTest

/// The stages on the newer families' fixtures, through their command lines: the first DPO
/// step's loss and the reward scores equal transformers' (full and LoRA training run and
/// write checkpoints that load again).
final class FamilyStagesCLITests: XCTestCase {
    func tripleLines(_ family: String) -> [String] { fixtureTripleLines(fixturesDir() + "/" + family) }

    /// dpo-train from the fixture policy against the fixture base: step 1's loss is the
    /// reference DPO loss (the loss is logged for the weights before the update).
    func testFirstDPOStepLossMatchesTransformers() throws {
        for family in FixtureModelTests.newFamilies {
            let fx = fixturesDir() + "/" + family
            let tmp = try ioTempDir(self)
            try ArtifactFile.writeAtomically(tmp + "/prefs.jsonl", string: tripleLines(family).joined(separator: "\n") + "\n",
                                             compress: false)
            let (rc, out) = try StageCLI.run("dpo-train", ["--model", fx + "/policy", "--ref-model", fx, "--data", tmp + "/prefs.jsonl",
                                                           "--out", tmp + "/out", "--max-steps", "1", "--batch-size", "4",
                                                           "--beta", "0.1", "--lr", "1e-6", "--quiet"])
            XCTAssertEqual(rc, 0, out)
            let metrics = try JSONL.readAll(tmp + "/out/metrics.jsonl").map(\.record)
            let loss = metrics.first?["loss"]?.doubleValue ?? .nan
            let dpo = loadJSON(fx + "/ref.json")["dpo"] as! [String: Any]
            let expected = (dpo["loss"] as! NSNumber).doubleValue
            assertClose([loss], [expected], rtol: 1e-4, "\(family) first-step DPO loss through the CLI")
            let reloaded = try Checkpoint.load(tmp + "/out")
            XCTAssertEqual(reloaded.config.modelType, try Checkpoint.load(fx).config.modelType)
        }
    }

    /// LoRA on Gemma 3: at initialisation the adapter is zero, so the policy is the reference
    /// and the first loss is ln 2; the adapter and the merged model are written.
    func testGemma3LoRATrains() throws {
        let fx = fixturesDir() + "/gemma3-tiny"
        let tmp = try ioTempDir(self)
        try ArtifactFile.writeAtomically(tmp + "/prefs.jsonl", string: tripleLines("gemma3-tiny").joined(separator: "\n") + "\n",
                                         compress: false)
        let (rc, out) = try StageCLI.run("dpo-train", ["--model", fx, "--data", tmp + "/prefs.jsonl", "--out", tmp + "/out",
                                                       "--max-steps", "3", "--batch-size", "2", "--lr", "1e-2", "--lora-r", "4",
                                                       "--lora-dropout", "0", "--merge", "--quiet"])
        XCTAssertEqual(rc, 0, out)
        let losses = try JSONL.readAll(tmp + "/out/metrics.jsonl").map { $0.record["loss"]?.doubleValue ?? .nan }
        XCTAssertEqual(losses.count, 3)
        XCTAssertEqual(losses[0], log(2), accuracy: 1e-5)
        XCTAssertNotEqual(losses[2], log(2), "the adapter moved the policy")
        let merged = try Checkpoint.load(tmp + "/out/merged")
        XCTAssertEqual(merged.config.modelType, "gemma3_text")
    }

    /// rm-score on each family's reward model reproduces transformers' scores.
    func testRewardScoresThroughCLI() throws {
        for family in FixtureModelTests.newFamilies {
            let fx = fixturesDir() + "/" + family
            let r = loadJSON(fx + "/ref.json")["reward_model"] as! [String: Any]
            let tmp = try ioTempDir(self)
            try ArtifactFile.writeAtomically(tmp + "/pairs.jsonl", string: tripleLines(family).joined(separator: "\n") + "\n",
                                             compress: false)
            let (rc, out) = try StageCLI.run("rm-score", ["--model", fx + "/reward", "--data", tmp + "/pairs.jsonl",
                                                          "--out", tmp + "/scores.jsonl", "--quiet"])
            XCTAssertEqual(rc, 0, out)
            let recs = try JSONL.readAll(tmp + "/scores.jsonl").map(\.record)
            let chosen = recs.filter { $0["label"]?.stringValue == "chosen" }.map { $0["score"]?.doubleValue ?? .nan }
            let rejected = recs.filter { $0["label"]?.stringValue == "rejected" }.map { $0["score"]?.doubleValue ?? .nan }
            assertClose(chosen, doubles(r["chosen_scores"]), rtol: 1e-4, "\(family) cli chosen scores")
            assertClose(rejected, doubles(r["rejected_scores"]), rtol: 1e-4, "\(family) cli rejected scores")
        }
    }
}
