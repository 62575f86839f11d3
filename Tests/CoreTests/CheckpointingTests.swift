import Core
import Foundation
import XCTest

/// Gradient checkpointing recomputes each layer in backward from its kept input: the
/// gradients must equal those of the run that kept everything.
final class CheckpointingTests: XCTestCase {
    func gradients(_ family: String, checkpointing: Bool, lora: Bool) throws -> [Float] {
        let model = try Checkpoint.load(fixturesDir() + "/\(family)/policy")
        var adapter: LoRAAdapter?
        if lora {
            let a = LoRAAdapter(config: LoRAConfig(rank: 3, alpha: 6, dropout: 0.2), model: model.config, seed: 3)
            var rng = SplitMix64(seed: 4)
            for s in a.slots { for i in 0..<(s.outDim * 3) { a.params[s.b + i] = 0.3 * rng.nextGaussian() } }
            a.dropoutSeed = 9
            a.dropoutStep = 1
            model.lora = a
            adapter = a
        }
        let engine = CausalLMEngine(model: model, training: true)
        engine.acts.checkpointing = checkpointing
        let d = loadJSON(fixturesDir() + "/\(family)/ref.json")["dpo"] as! [String: Any]
        var b = CompletionBatch()
        for t in d["triples"] as! [[String: Any]] { b.append(prompt: ints(t["prompt_ids"]), completion: ints(t["chosen_ids"])) }
        var rng = SplitMix64(seed: 5)
        let coeff = randomArray(b.targets.count, &rng)
        _ = engine.logProbs(b)
        model.zeroGradients()
        engine.backward(b, coeff: coeff, paramGrads: !lora)
        return lora ? adapter!.grads.toArray() : model.grads!.toArray()
    }

    func testRecomputedBackwardEqualsStored() throws {
        for family in ["qwen2-tiny", "gemma3-tiny", "mistral-tiny"] {
            for lora in [false, true] {
                let stored = try gradients(family, checkpointing: false, lora: lora)
                let recomputed = try gradients(family, checkpointing: true, lora: lora)
                XCTAssertEqual(stored, recomputed, "\(family) lora \(lora): checkpointed gradients differ")
            }
        }
    }

    /// The plan: forced either way by the flag, else on exactly when the full activations
    /// exceed the budget; checkpointing keeps less.
    func testPlan() throws {
        var c = try Checkpoint.load(fixturesDir() + "/qwen2-tiny").config
        c.numLayers = 24
        let full = Activations.trainingBytes(c, tokens: 1000, checkpointing: false)
        let kept = Activations.trainingBytes(c, tokens: 1000, checkpointing: true)
        XCTAssertLessThan(kept, full / 2)
        XCTAssertFalse(CheckpointingPlan.decide(c, tokens: 1000, forced: nil, budgetBytes: full).on)
        XCTAssertTrue(CheckpointingPlan.decide(c, tokens: 1000, forced: nil, budgetBytes: full - 1).on)
        XCTAssertTrue(CheckpointingPlan.decide(c, tokens: 1000, forced: true, budgetBytes: full * 10).on)
        XCTAssertFalse(CheckpointingPlan.decide(c, tokens: 1000, forced: false, budgetBytes: 1).on)
    }

    /// Through the CLI: the run says what it chose, and the losses equal a run without it.
    func testCLIReportsAndMatches() throws {
        let fx = fixturesDir() + "/gemma3-tiny"
        let tmp = try ioTempDir(self)
        let lines = fixtureTripleLines(fx)
        try ArtifactFile.writeAtomically(tmp + "/prefs.jsonl", string: lines.joined(separator: "\n") + "\n", compress: false)
        var losses: [[Double]] = []
        for flag in ["--no-gradient-checkpointing", "--gradient-checkpointing"] {
            let out = tmp + "/out" + flag
            let (rc, log) = try StageCLI.run("dpo-train", ["--model", fx, "--data", tmp + "/prefs.jsonl", "--out", out,
                                                           "--max-steps", "3", "--batch-size", "2", "--lr", "1e-3", flag])
            XCTAssertEqual(rc, 0, log)
            XCTAssert(log.contains("gradient checkpointing \(flag.hasPrefix("--no") ? "off" : "on") (as asked)"), log)
            losses.append(try JSONL.readAll(out + "/metrics.jsonl").map { $0.record["loss"]?.doubleValue ?? .nan })
        }
        XCTAssertEqual(losses[0], losses[1])
        let (rc, log) = try StageCLI.run("dpo-train", ["--model", fx, "--data", tmp + "/prefs.jsonl", "--out", tmp + "/auto",
                                                       "--max-steps", "1", "--max-memory", "0.000001"])
        XCTAssertEqual(rc, 0, log)
        XCTAssert(log.contains("gradient checkpointing on (activations"), log)
    }
}
