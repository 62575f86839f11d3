import Core
import Foundation
import XCTest

/// Model directories the stages write keep the chat template they were trained with, so
/// `generate` (and transformers) format prompts as training did.
final class ChatTemplateStageTests: XCTestCase {
    static let chatPairs = [
        #"{"id": "a", "prompt": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "What is 2+2?"}], "chosen": [{"role": "assistant", "content": "4."}], "rejected": [{"role": "assistant", "content": "Five."}]}"#,
        #"{"id": "b", "prompt": [{"role": "user", "content": "Name a colour."}], "chosen": [{"role": "assistant", "content": "Red."}], "rejected": [{"role": "assistant", "content": "Seven."}]}"#,
        #"{"id": "c", "prompt": [{"role": "user", "content": "Capital of France?"}], "chosen": [{"role": "assistant", "content": "Paris."}], "rejected": [{"role": "assistant", "content": "Rome."}]}"#,
        #"{"id": "d", "prompt": [{"role": "user", "content": "Say hi."}], "chosen": [{"role": "assistant", "content": "Hi!"}], "rejected": [{"role": "assistant", "content": "No."}]}"#,
    ]

    func write(_ dir: String, _ name: String, _ lines: [String]) throws -> String {
        let path = dir + "/" + name
        try ArtifactFile.writeAtomically(path, string: lines.joined(separator: "\n") + "\n", compress: false)
        return path
    }

    func text(_ path: String) -> String? {
        FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
    }

    func testOutputsCarryTheTemplateAndGenerateUsesIt() throws {
        let fx = fixturesDir() + "/qwen2-tiny"
        let tmp = try ioTempDir(self)
        let data = try write(tmp, "prefs.jsonl", Self.chatPairs)
        // rm-train with the model's own template: the reward model carries it.
        var (rc, log) = try StageCLI.run("rm-train", ["--model", fx, "--data", data, "--out", tmp + "/rm", "--max-steps", "1",
                                                      "--batch-size", "2", "--quiet"])
        XCTAssertEqual(rc, 0, log)
        XCTAssertEqual(text(tmp + "/rm/chat_template.jinja"), text(fx + "/chat_template.jinja"))
        // dpo-train (LoRA) with another template: the adapter directory carries that one.
        let gemma = fixturesDir() + "/trl-tokenization/gemma3.jinja"
        (rc, log) = try StageCLI.run("dpo-train", ["--model", fx, "--data", data, "--out", tmp + "/dpo", "--max-steps", "1",
                                                   "--batch-size", "2", "--lora-r", "2", "--chat-template", gemma, "--quiet"])
        XCTAssertEqual(rc, 0, log)
        XCTAssertEqual(text(tmp + "/dpo/chat_template.jinja"), text(gemma))
        let provenance = try XCTUnwrap(Provenance.read(tmp + "/dpo"))
        XCTAssertEqual(provenance["template"] as? String, "model")
        XCTAssertEqual(provenance["tokenization"] as? String, "trl")
        // generate on the trained adapter uses the template it carries: the same prompt ids as
        // the base model given that template explicitly, and not the base model's own.
        let prompts = try write(tmp, "prompts.jsonl", [#"{"id": "p", "messages": [{"role": "user", "content": "Say hi."}]}"#])
        func promptIds(_ args: [String]) throws -> [Int] {
            let out = tmp + "/gen-\(UUID().uuidString).jsonl"
            let (rc, log) = try StageCLI.run("generate", args + ["--prompts", prompts, "--out", out, "--max-new-tokens", "1",
                                                                 "--temperature", "0"])
            XCTAssertEqual(rc, 0, log)
            let rec = try XCTUnwrap(JSONL.readAll(out).first?.record)
            return (rec["prompt_ids"]?.arrayValue ?? []).compactMap(\.intValue)
        }
        let trained = try promptIds(["--model", tmp + "/dpo"])
        XCTAssertEqual(trained, try promptIds(["--model", fx, "--chat-template", gemma]))
        XCTAssertNotEqual(trained, try promptIds(["--model", fx]))
    }

    /// A template given with --template is forced on string prompts too, and recorded, so
    /// generate reuses it on the trained model by default.
    func testForcedTemplateIsRecordedForGenerate() throws {
        let fx = fixturesDir() + "/qwen2-tiny"
        let tmp = try ioTempDir(self)
        let data = try write(tmp, "prefs.jsonl", fixtureTripleLines(fx))
        var (rc, log) = try StageCLI.run("dpo-train", ["--model", fx, "--data", data, "--out", tmp + "/dpo", "--max-steps", "1",
                                                       "--batch-size", "2", "--template", "qa", "--quiet"])
        XCTAssertEqual(rc, 0, log)
        XCTAssertEqual(try XCTUnwrap(Provenance.read(tmp + "/dpo"))["template"] as? String, "qa")
        let prompts = try write(tmp, "prompts.jsonl", [#"{"id": "p", "prompt": "Why?"}"#])
        (rc, log) = try StageCLI.run("generate", ["--model", tmp + "/dpo", "--prompts", prompts, "--out", tmp + "/g.jsonl",
                                                  "--max-new-tokens", "1", "--temperature", "0"])
        XCTAssertEqual(rc, 0, log)
        let rec = try XCTUnwrap(JSONL.readAll(tmp + "/g.jsonl").first?.record)
        let tok = try Tokenizer(path: fx + "/tokenizer.json")
        XCTAssertEqual((rec["prompt_ids"]?.arrayValue ?? []).compactMap(\.intValue), tok.encodePrompt("Question: Why?\n\nAnswer: "))
    }

    /// A template error names the file and line; a record the template refuses
    /// (raise_exception) is a bad record naming its line.
    func testTemplateErrorsNameTheirPlace() throws {
        let fx = fixturesDir() + "/qwen2-tiny"
        let tmp = try ioTempDir(self)
        let data = try write(tmp, "prefs.jsonl", Self.chatPairs)
        let broken = try write(tmp, "broken.jinja", ["{% for m in messages %}", "{{ m.content | wordwrap }}", "{% endfor %}"])
        var (rc, log) = try StageCLI.run("dpo-train", ["precompute-ref", "--model", fx, "--data", data, "--out", tmp + "/r.safetensors",
                                                       "--chat-template", broken, "--quiet"])
        XCTAssertNotEqual(rc, 0)
        XCTAssertTrue(log.contains("broken.jinja:2"), log)
        XCTAssertTrue(log.contains("wordwrap"), log)
        let strict = try write(tmp, "strict.jinja", [
            "{% for m in messages %}{% if m.role == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}"
                + "{{ m.content }}{% endfor %}",
        ])
        (rc, log) = try StageCLI.run("dpo-train", ["precompute-ref", "--model", fx, "--data", data, "--out", tmp + "/r.safetensors",
                                                   "--chat-template", strict, "--quiet"])
        XCTAssertNotEqual(rc, 0)
        XCTAssertTrue(log.contains("prefs.jsonl:1"), log)
        XCTAssertTrue(log.contains("System role not supported"), log)
        XCTAssertFalse(FileManager.default.fileExists(atPath: tmp + "/r.safetensors"))
    }
}
