import XCTest
import Foundation
import Core

final class DPOObjectiveTests: XCTestCase {
    let dir = fixturesDir() + "/qwen2-tiny"

    func fixturePairs(_ md: ModelDirectory) throws -> [PreferencePair] {
        let d = loadJSON(dir + "/ref.json")["dpo"] as! [String: Any]
        let path = NSTemporaryDirectory() + "prefkit-dpo-\(getpid()).jsonl"
        let lines = (d["triples"] as! [[String: Any]]).map { t in
            String(data: try! JSONSerialization.data(withJSONObject: ["prompt": t["prompt"]!, "chosen": t["chosen"]!, "rejected": t["rejected"]!]), encoding: .utf8)!
        }
        _ = FileManager.default.createFile(atPath: path, contents: Data(lines.joined(separator: "\n").utf8))
        return try PreferenceData.load(path, tokenizer: md.tokenizer, eos: md.eosTokenId, options: PreferenceLoadOptions()).0
    }

    /// The objective's loss and gradients on the fixture equal TRL's, with the reference as a
    /// separate model and as precomputed log-probs (the two must agree).
    func testFixtureLossAndGradientsThroughTheObjective() throws {
        let d = loadJSON(dir + "/ref.json")["dpo"] as! [String: Any]
        let ref = try SafetensorsFile(path: dir + "/ref.safetensors")
        var grads: [[Float]] = []
        for precomputed in [false, true] {
            let policy = try ModelDirectory.load(dir + "/policy")
            let pairs = try fixturePairs(policy)
            let refEngine = CausalLMEngine(model: try Checkpoint.load(dir), training: false)
            let source: ReferenceSource
            if precomputed {
                let table = ReferenceLogps.compute(engine: refEngine, pairs: pairs, batchSize: 3, ldAlpha: nil)
                source = .precomputed(train: table, eval: .empty)
            } else {
                source = .model(refEngine)
            }
            var cfg = DPOLossConfig()
            cfg.beta = (d["beta"] as! NSNumber).doubleValue
            let obj = try DPOObjective(policy: policy.model, lora: nil, reference: source, pairs: pairs, loss: cfg) { _, _, _ in }
            let all = Array(0..<pairs.count)
            let norm = obj.normalizer(all)
            obj.trainGrads.zero()
            // Two micro-batches: accumulation must equal one batch.
            var m = try obj.accumulate([0, 1], normalizer: norm)
            for (k, v) in try obj.accumulate([2, 3], normalizer: norm) { m[k, default: 0] += v }
            assertClose([m["loss"]!], [(d["loss"] as! NSNumber).doubleValue], rtol: 1e-5, "objective DPO loss (precomputed \(precomputed))")
            // A reward is β·(logp − ref logp): a difference of two log-probs near −40, so its
            // float32 error is relative to the log-probs, not to the (small) reward.
            let chosenRewards = doubles(d["chosen_rewards"])
            let logpScale = doubles(d["policy_chosen_logps"]).map(abs).max()! * cfg.beta
            let rewardError = abs(m["rewards/chosen"]! - chosenRewards.reduce(0, +) / 4) / logpScale
            print(String(format: "  close: rewards/chosen error relative to β·|logp| %.2e (tol 1e-6)", rewardError))
            XCTAssertLessThan(rewardError, 1e-6, "rewards/chosen")
            let e = policy.model.layout.entry("model.layers.0.self_attn.q_proj.weight")!
            let g = (0..<e.count).map { policy.model.grads![e.offset + $0] }
            assertClose(g, try ref.floats("dpo_grad.model.layers.0.self_attn.q_proj.weight"), rtol: 1e-3, "objective q_proj grad")
            grads.append(g)
        }
        XCTAssertEqual(relativeError(grads[0], grads[1]) < 1e-5, true, "precomputed and live reference agree")
    }

    /// With LoRA, the adapter-off reference equals the base model's log-probs, and a fresh
    /// adapter (B = 0) starts exactly at the reference: loss log 2, zero margins.
    func testLoRAReferenceIsTheBase() throws {
        let md = try ModelDirectory.load(dir)
        let pairs = try fixturePairs(md)
        let base = CausalLMEngine(model: try Checkpoint.load(dir), training: false)
        let baseTable = ReferenceLogps.compute(engine: base, pairs: pairs, batchSize: 4, ldAlpha: nil)
        let a = LoRAAdapter(config: LoRAConfig(rank: 4, alpha: 8, dropout: 0), model: md.model.config, seed: 1)
        let obj = try DPOObjective(policy: md.model, lora: a, reference: .adapterOff(CausalLMEngine(model: md.model, training: false), a),
                               pairs: pairs, loss: DPOLossConfig()) { _, _, _ in }
        let m = try obj.accumulate([0, 1, 2, 3], normalizer: obj.normalizer([0, 1, 2, 3]))
        XCTAssertEqual(m["loss"]!, log(2), accuracy: 1e-6)
        XCTAssertEqual(m["rewards/margins"]!, 0, accuracy: 1e-6)
        XCTAssertEqual(m["logps/chosen"]!, baseTable.chosen.reduce(0, +) / 4, accuracy: 1e-3)
        XCTAssertEqual(m["logps/rejected"]!, baseTable.rejected.reduce(0, +) / 4, accuracy: 1e-3)
        XCTAssertNil(md.model.grads, "LoRA training gives the base weights no gradients")
        XCTAssert(a.grads.toArray().contains { $0 != 0 }, "the adapter gets gradients")
    }

    /// An empty scratch directory of this test process.
    func freshTempDir(_ name: String) throws -> String {
        let tmp = NSTemporaryDirectory() + "prefkit-\(name)-\(getpid())"
        try? FileManager.default.removeItem(atPath: tmp)
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        return tmp
    }

    /// The fixture's DPO triples as TRL JSONL lines (chosen and rejected exchanged when swapped).
    func fixtureTripleLines(swapped: Bool = false) -> [String] {
        CoreTests.fixtureTripleLines(dir, swapped: swapped)
    }

    /// precompute-ref, then train with it (LoRA, merged); a reference file from other data is refused.
    func testCommandLinePrecomputeTrainAndRefusal() throws {
        let tmp = try freshTempDir("dpocli")
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        let lines = fixtureTripleLines()
        _ = FileManager.default.createFile(atPath: tmp + "/prefs.jsonl", contents: Data(lines.joined(separator: "\n").utf8))
        _ = FileManager.default.createFile(atPath: tmp + "/other.jsonl", contents: Data(lines.reversed().joined(separator: "\n").utf8))
        var (rc, out) = try StageCLI.run("dpo-train", ["precompute-ref", "--model", dir, "--data", tmp + "/prefs.jsonl", "--out", tmp + "/ref.safetensors.zst", "--quiet"])
        XCTAssertEqual(rc, 0, out)
        (rc, out) = try StageCLI.run("dpo-train", ["--model", dir, "--data", tmp + "/prefs.jsonl", "--ref-logps", tmp + "/ref.safetensors.zst",
                                          "--out", tmp + "/out", "--max-steps", "3", "--batch-size", "2", "--lr", "1e-3",
                                          "--lora-r", "4", "--lora-dropout", "0", "--merge", "--quiet"])
        XCTAssertEqual(rc, 0, out)
        for f in ["adapter_config.json", "adapter_model.safetensors", "metrics.jsonl", "prefkit.json", "merged/model.safetensors"] {
            XCTAssert(FileManager.default.fileExists(atPath: tmp + "/out/" + f), "missing \(f)")
        }
        XCTAssertEqual(try JSONL.readAll(tmp + "/out/metrics.jsonl").count, 3)
        (rc, out) = try StageCLI.run("dpo-train", ["--model", dir, "--data", tmp + "/other.jsonl", "--ref-logps", tmp + "/ref.safetensors.zst",
                                          "--out", tmp + "/out2", "--max-steps", "1", "--quiet"])
        XCTAssertEqual(rc, 1)
        XCTAssert(out.contains("computed on other data"), out)
        XCTAssertFalse(FileManager.default.fileExists(atPath: tmp + "/out2/model.safetensors"))
    }

    /// Precomputed training reference plus eval data: the eval reference comes from the file
    /// (precompute-ref --eval-data) or is computed once at the start; either way the eval
    /// metrics equal a live-reference run's. (Before the fix, eval indexed the training table
    /// past its end and logged garbage.) A file whose eval table belongs to other data is refused.
    func testPrecomputedReferenceCoversEvalData() throws {
        let tmp = try freshTempDir("dpoeval")
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        let lines = fixtureTripleLines()
        // Eval pairs: the training pairs with chosen and rejected swapped, one fewer.
        let swapped = Array(fixtureTripleLines(swapped: true).dropLast())
        try ArtifactFile.writeAtomically(tmp + "/prefs.jsonl", string: lines.joined(separator: "\n") + "\n", compress: false)
        try ArtifactFile.writeAtomically(tmp + "/eval.jsonl", string: swapped.joined(separator: "\n") + "\n", compress: false)
        try ArtifactFile.writeAtomically(tmp + "/other-eval.jsonl", string: swapped.reversed().joined(separator: "\n") + "\n", compress: false)
        let common = ["--model", dir, "--data", tmp + "/prefs.jsonl", "--eval-data", tmp + "/eval.jsonl", "--max-steps", "2",
                      "--batch-size", "2", "--lr", "1e-3", "--eval-every", "1", "--quiet"]
        var (rc, out) = try StageCLI.run("dpo-train", ["precompute-ref", "--model", dir, "--data", tmp + "/prefs.jsonl",
                                                       "--out", tmp + "/train-only.safetensors", "--quiet"])
        XCTAssertEqual(rc, 0, out)
        (rc, out) = try StageCLI.run("dpo-train", ["precompute-ref", "--model", dir, "--data", tmp + "/prefs.jsonl",
                                                   "--eval-data", tmp + "/eval.jsonl", "--out", tmp + "/with-eval.safetensors.zst", "--quiet"])
        XCTAssertEqual(rc, 0, out)
        (rc, out) = try StageCLI.run("dpo-train", common + ["--out", tmp + "/live"])
        XCTAssertEqual(rc, 0, out)
        (rc, out) = try StageCLI.run("dpo-train", common + ["--out", tmp + "/train-only", "--ref-logps", tmp + "/train-only.safetensors"])
        XCTAssertEqual(rc, 0, out)
        (rc, out) = try StageCLI.run("dpo-train", common + ["--out", tmp + "/with-eval", "--ref-logps", tmp + "/with-eval.safetensors.zst"])
        XCTAssertEqual(rc, 0, out)

        func evalRecords(_ run: String) throws -> [[String: Double]] {
            try JSONL.readAll(tmp + "/" + run + "/metrics.jsonl").compactMap { r -> [String: Double]? in
                guard case .object(let fields) = r.record, fields.contains(where: { $0.0 == "eval_loss" }) else { return nil }
                var m: [String: Double] = [:]
                for (k, v) in fields { if let x = v.doubleValue { m[k] = x } }
                return m
            }
        }
        let live = try evalRecords("live")
        XCTAssertEqual(live.count, 2, "eval after steps 1 and 2")
        for run in ["train-only", "with-eval"] {
            let got = try evalRecords(run)
            XCTAssertEqual(got.count, live.count, run)
            for (g, l) in zip(got, live) {
                for k in ["eval_loss", "eval_rewards/chosen", "eval_rewards/rejected", "eval_rewards/margins", "eval_logps/chosen"] {
                    let a = g[k] ?? .nan, e = l[k] ?? .nan
                    XCTAssert(a.isFinite, "\(run) \(k) = \(a)")
                    let rel = abs(a - e) / max(abs(e), 1e-12)
                    print("eval reference \(run) \(k): \(a) vs live \(e), relative error \(rel)")
                    XCTAssertLessThan(abs(a - e), 1e-5 * max(1, abs(e)), "\(run) \(k): \(a) vs live \(e)")
                }
            }
        }
        // The eval table of another eval file is refused by name, before training.
        (rc, out) = try StageCLI.run("dpo-train", ["--model", dir, "--data", tmp + "/prefs.jsonl", "--eval-data", tmp + "/other-eval.jsonl",
                                                   "--ref-logps", tmp + "/with-eval.safetensors.zst", "--out", tmp + "/refused",
                                                   "--max-steps", "1", "--quiet"])
        XCTAssertEqual(rc, 1, out)
        XCTAssert(out.contains("evaluation reference log-probs were computed on other eval data"), out)
        XCTAssertFalse(FileManager.default.fileExists(atPath: tmp + "/refused/model.safetensors"))
    }
}
