import Core
import Foundation
import XCTest

/// KL through the command lines, on the qwen2 fixture (its policy, its reward model, the example
/// prompts and pairs): generations carry the ids they were sampled as; rm-score's log-ratios of
/// a policy against itself are exactly 0 and against another model are not; and dpo-train
/// --eval-generate logs eval_kl, which is exactly 0 while the policy has not moved (lr 0).
final class PolicyKLCLITests: XCTestCase {
    let fx = fixturesDir() + "/qwen2-tiny"
    var examples: String {
        var root = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { root.deleteLastPathComponent() }
        return root.appendingPathComponent("examples").path
    }

    func tempDir(_ name: String) throws -> String {
        let dir = NSTemporaryDirectory() + "prefkit-\(name)-\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    func summaryKL(_ path: String) throws -> [String: Any] {
        let o = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
        return o["kl"] as! [String: Any]
    }

    func testRMScoreLogRatiosOfGenerations() throws {
        let dir = try tempDir("kl-cli")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var (rc, out) = try StageCLI.run("generate", ["--model", fx, "--prompts", examples + "/prompts.jsonl", "--out", dir + "/gen.jsonl",
                                                      "--template", "plain", "--temperature", "1", "--max-new-tokens", "8",
                                                      "--num-samples-per-prompt", "2", "--seed", "3"])
        XCTAssertEqual(rc, 0, out)
        let first = try JSONL.readAll(dir + "/gen.jsonl")[0].record
        XCTAssertNotNil(first["prompt_ids"]?.arrayValue, "generations carry their prompt ids")
        XCTAssertNotNil(first["response_ids"]?.arrayValue, "and the sampled ids")
        // The policy against itself: every log-ratio is exactly 0.
        (rc, out) = try StageCLI.run("rm-score", ["--model", fx + "/reward", "--data", dir + "/gen.jsonl", "--policy", fx,
                                                  "--reference", fx, "--out", dir + "/self.jsonl", "--summary", dir + "/self.json", "--quiet"])
        XCTAssertEqual(rc, 0, out)
        for r in try JSONL.readAll(dir + "/self.jsonl") {
            XCTAssertEqual(r.record["kl"]?.doubleValue, 0, "log π/π of a sample under the same model")
            XCTAssertNotNil(r.record["length"]?.doubleValue)
        }
        XCTAssertEqual((try summaryKL(dir + "/self.json")["mean"] as! NSNumber).doubleValue, 0)
        // Against another model (the DPO fixture's policy weights differ): non-zero ratios.
        (rc, out) = try StageCLI.run("rm-score", ["--model", fx + "/reward", "--data", dir + "/gen.jsonl", "--policy", fx,
                                                  "--reference", fx + "/policy", "--out", dir + "/other.jsonl",
                                                  "--summary", dir + "/other.json", "--quiet"])
        XCTAssertEqual(rc, 0, out)
        let kl = try summaryKL(dir + "/other.json")
        XCTAssertNotEqual((kl["mean"] as! NSNumber).doubleValue, 0)
        XCTAssertEqual((kl["ci95"] as! [NSNumber]).count, 2)
        // Generations without the sampled ids cannot give log-ratios: refused by name.
        let stripped = try JSONL.readAll(dir + "/gen.jsonl").map { r -> String in
            guard case .object(let f) = r.record else { return "" }
            return JSONValue.object(f.filter { $0.0 != "prompt_ids" && $0.0 != "response_ids" }).serialized()
        }
        try ArtifactFile.writeAtomically(dir + "/noids.jsonl", string: stripped.joined(separator: "\n") + "\n", compress: false)
        (rc, out) = try StageCLI.run("rm-score", ["--model", fx + "/reward", "--data", dir + "/noids.jsonl", "--policy", fx,
                                                  "--reference", fx, "--out", dir + "/noids-scores.jsonl", "--quiet"])
        XCTAssertEqual(rc, 1, out)
        XCTAssert(out.contains("has no prompt_ids/response_ids"), out)
    }

    /// eval_kl, eval_rm_score, eval_length at every evaluation; with lr 0 the policy is still the
    /// reference, so KL is exactly 0, full fine-tuning (precomputed reference: the starting model
    /// is loaded for the samples' log-ratios) and LoRA (adapter off; decoding on merged weights).
    func testDPOEvalGenerateLogsScoredSamples() throws {
        let dir = try tempDir("evalgen-cli")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let prefs = examples + "/prefs.jsonl"
        var (rc, out) = try StageCLI.run("dpo-train", ["precompute-ref", "--model", fx, "--data", prefs, "--out", dir + "/ref.safetensors", "--quiet"])
        XCTAssertEqual(rc, 0, out)
        let common = ["--model", fx, "--data", prefs, "--eval-data", prefs, "--eval-generate", "3", "--reward-model", fx + "/reward",
                      "--eval-max-new-tokens", "6", "--eval-every", "1", "--max-steps", "2", "--batch-size", "4", "--quiet"]
        for (name, extra) in [("full", ["--ref-logps", dir + "/ref.safetensors"]), ("lora", ["--lora-r", "4", "--lora-dropout", "0"])] {
            for lr in ["0", "1e-2"] {
                let runDir = dir + "/\(name)-\(lr)"
                (rc, out) = try StageCLI.run("dpo-train", common + extra + ["--lr", lr, "--out", runDir])
                XCTAssertEqual(rc, 0, out)
                let evals = try JSONL.readAll(runDir + "/metrics.jsonl").compactMap { r -> [String: Double]? in
                    guard case .object(let f) = r.record, f.contains(where: { $0.0 == "eval_kl" }) else { return nil }
                    return Dictionary(uniqueKeysWithValues: f.compactMap { k, v in v.doubleValue.map { (k, $0) } })
                }
                XCTAssertEqual(evals.count, 2, "\(name) lr \(lr): an eval after each step")
                for e in evals {
                    for k in ["eval_kl", "eval_rm_score", "eval_length", "eval_loss"] { XCTAssert(e[k]?.isFinite == true, "\(name) \(k)") }
                    if lr == "0" { XCTAssertEqual(e["eval_kl"], 0, "\(name): an unmoved policy is the reference") }
                }
                if lr != "0" { XCTAssertNotEqual(evals.last?["eval_kl"], 0, "\(name): a trained policy has moved") }
            }
        }
        // --reward-model without --eval-generate would be ignored: refused.
        (rc, out) = try StageCLI.run("dpo-train", ["--model", fx, "--data", prefs, "--reward-model", fx + "/reward", "--out", dir + "/x"])
        XCTAssertEqual(rc, 64, out)
        XCTAssert(out.contains("give K > 0"), out)
    }
}
