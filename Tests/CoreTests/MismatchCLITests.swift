import Core
import Foundation
import XCTest

/// Parts that do not belong together are refused through the stage command lines, with a
/// message that says which part and why: a tokenizer bigger than the model's vocabulary, a
/// reward model where a causal LM is needed and the reverse, a LoRA adapter over another
/// base, and reference log-probs from another model.
final class MismatchCLITests: XCTestCase {
    let fx = fixturesDir() + "/qwen2-tiny"

    func scratch() throws -> String { try ioTempDir(self) }

    func prefs(_ dir: String) throws -> String {
        let path = dir + "/prefs.jsonl"
        try ArtifactFile.writeAtomically(path, string: """
            {"prompt":"Rate the kettle.","chosen":" It boils fast.","rejected":" It is bad."}
            {"prompt":"Rate the phone.","chosen":" Great screen.","rejected":" Broken."}

            """, compress: false)
        return path
    }

    func expectRefusal(_ stage: String, _ args: [String], _ fragments: String..., file: StaticString = #filePath, line: UInt = #line) throws {
        let (rc, out) = try StageCLI.run(stage, args + ["--quiet"])
        XCTAssertEqual(rc, 1, "\(stage) should fail: \(out)", file: file, line: line)
        for f in fragments { XCTAssert(out.contains(f), "\(stage) output lacks \"\(f)\": \(out)", file: file, line: line) }
        XCTAssertFalse(out.contains("Fatal error"), out, file: file, line: line)
    }

    func testTokenizerBiggerThanModelVocabulary() throws {
        let dir = try scratch(), model = dir + "/model"
        try FileManager.default.createDirectory(atPath: model, withIntermediateDirectories: true)
        for f in ["config.json", "model.safetensors", "tokenizer_config.json"] {
            try FileManager.default.copyItem(atPath: fx + "/" + f, toPath: model + "/" + f)
        }
        var tok = loadJSON(fx + "/tokenizer.json")
        var added = tok["added_tokens"] as! [[String: Any]]
        added.append(["id": 1900, "content": "<|beyond|>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true])
        tok["added_tokens"] = added
        try JSONSerialization.data(withJSONObject: tok).write(to: URL(fileURLWithPath: model + "/tokenizer.json"))
        let data = dir + "/sft.jsonl"
        try writeSFTCorpus(data, records: 4)
        try expectRefusal("sft-train", ["--model", model, "--data", data, "--out", dir + "/out", "--max-steps", "1"],
                          model, "tokenizer has 1901 tokens but the model's vocab_size is 1824")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/out/model.safetensors"))
    }

    func testRewardModelWhereCausalLMIsNeeded() throws {
        let dir = try scratch()
        try expectRefusal("dpo-train", ["--model", fx + "/reward", "--data", try prefs(dir), "--out", dir + "/dpo", "--max-steps", "1"],
                          fx + "/reward", "is a reward model", "a causal LM is needed here")
        try writeSFTCorpus(dir + "/sft.jsonl", records: 4)
        try expectRefusal("sft-train", ["--model", fx + "/reward", "--data", dir + "/sft.jsonl", "--out", dir + "/sft", "--max-steps", "1"],
                          "is a reward model")
    }

    func testCausalLMWhereRewardModelIsNeeded() throws {
        let dir = try scratch()
        try expectRefusal("rm-score", ["--model", fx, "--data", try prefs(dir), "--out", dir + "/scores.jsonl"],
                          fx, "is a causal LM, not a reward model")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/scores.jsonl"))
    }

    /// An adapter made for llama-tiny (4 key/value heads) named over qwen2-tiny (2): k/v shapes differ.
    func testLoRAAdapterOverAnotherBase() throws {
        let dir = try scratch(), adapterDir = dir + "/adapter"
        let (llama, _) = try ModelConfig.load(path: fixturesDir() + "/llama-tiny/config.json")
        let adapter = LoRAAdapter(config: LoRAConfig(rank: 2, alpha: 4, targets: [.k, .v]), model: llama, seed: 1)
        try LoRAFiles.save(adapter, to: adapterDir, baseModel: fx)
        try expectRefusal("dpo-train", ["--model", adapterDir, "--data", try prefs(dir), "--out", dir + "/out", "--max-steps", "1"],
                          adapterDir, "k_proj.lora_B.weight has shape", "the adapter was trained on another base")
    }

    /// Log-probs precomputed with qwen2-tiny/policy, then used to train from qwen2-tiny itself.
    func testReferenceLogpsFromAnotherModel() throws {
        let dir = try scratch(), data = try prefs(dir)
        var (rc, out) = try StageCLI.run("dpo-train", ["precompute-ref", "--model", fx + "/policy", "--data", data, "--out", dir + "/ref.safetensors", "--quiet"])
        XCTAssertEqual(rc, 0, out)
        try expectRefusal("dpo-train", ["--model", fx, "--data", data, "--ref-logps", dir + "/ref.safetensors", "--out", dir + "/out", "--max-steps", "1"],
                          dir + "/ref.safetensors", "reference log-probs come from another model")
        // Same model, other data: refused as well, naming the data.
        try ArtifactFile.writeAtomically(dir + "/other.jsonl", string: #"{"prompt":"x","chosen":"a","rejected":"b"}"# + "\n")
        (rc, out) = try StageCLI.run("dpo-train", ["--model", fx + "/policy", "--data", dir + "/other.jsonl", "--ref-logps", dir + "/ref.safetensors",
                                                   "--out", dir + "/out2", "--max-steps", "1", "--quiet"])
        XCTAssertEqual(rc, 1, out)
        XCTAssert(out.contains("computed on other data"), out)
    }
}
