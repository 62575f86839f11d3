import Core
import Foundation
import XCTest

/// Tokenization as TRL 1.16 does it, checked against TRL's own DPOTrainer
/// (Tests/Fixtures/trl-tokenization, made by tools/fixtures/make_trl_tokenization_fixtures.py):
/// three checkpoints (qwen2, gemma3, llama 3.1 tiny) and tokenizers (no BOS; SentencePiece-style with BOS; byte-level with BOS) with their chat
/// templates, on string pairs (prompts ending in a space, prompts whose last token merges with
/// the completion) and conversational pairs.
/// The fixture cases and the model directories the fixture script assembled.
struct TRLFixtures {
    static let cases = ["qwen2", "gemma3", "qwen3", "llama3"]

    /// The data files of a case: strings, conversations, and (qwen3) conversations with
    /// per-record tools and chat-template kwargs.
    static func kinds(_ name: String, _ e: JSONValue) -> [String] {
        ["plain", "chat", "tools"].filter { e["cases"]?[name]?[$0] != nil }
    }

    /// A record's own template inputs, copied into derived files.
    static func templateFields(_ r: JSONValue) -> [(String, JSONValue)] {
        ["tools", "chat_template_kwargs"].compactMap { k in r[k].map { (k, $0) } }
    }
    let tmp: String
    var fixtures: String { fixturesDir() + "/trl-tokenization" }

    func expected() throws -> JSONValue {
        try JSONValue.parse([UInt8](try Data(contentsOf: URL(fileURLWithPath: fixtures + "/expected.json"))))
    }

    /// The case's model directory as the fixture script assembled it: a tiny checkpoint's
    /// weights, the case's tokenizer files and chat template.
    func modelDir(_ name: String, expected e: JSONValue) throws -> String {
        let fm = FileManager.default
        let dir = tmp + "/" + name
        try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for f in ["config.json", "model.safetensors"] {
            try fm.createSymbolicLink(atPath: dir + "/" + f, withDestinationPath: fixturesDir() + "/" + (e["cases"]?[name]?["weights"]?.stringValue ?? "") + "/" + f)
        }
        let tokDir = fixturesDir() + "/" + (e["cases"]?[name]?["tokenizer"]?.stringValue ?? "")
        for f in ["tokenizer.json", "tokenizer_config.json"] {
            try fm.copyItem(atPath: tokDir + "/" + f, toPath: dir + "/" + f)
        }
        try fm.copyItem(atPath: fixtures + "/\(name).jinja", toPath: dir + "/chat_template.jinja")
        return dir
    }

    func kwargs(_ name: String, _ e: JSONValue) -> [(String, JSONValue)] {
        e["cases"]?[name]?["chat_template_kwargs"]?.objectValue ?? []
    }

    func ints(_ v: JSONValue?) -> [Int] {
        (v?.arrayValue ?? []).compactMap(\.intValue)
    }
}

final class TRLTokenizationTests: XCTestCase {
    var t = TRLFixtures(tmp: "")
    var tmp: String { t.tmp }
    var fixtures: String { t.fixtures }

    override func setUpWithError() throws {
        t = TRLFixtures(tmp: try ioTempDir(self))
    }

    func expected() throws -> JSONValue { try t.expected() }
    func modelDir(_ name: String, expected e: JSONValue) throws -> String { try t.modelDir(name, expected: e) }
    func kwargs(_ name: String, _ e: JSONValue) -> [(String, JSONValue)] { t.kwargs(name, e) }
    func ints(_ v: JSONValue?) -> [Int] { t.ints(v) }

    /// Every (case, data file) with the case's model, its load options and TRL's records.
    func forEachFile(_ body: (_ name: String, _ kind: String, _ md: ModelDirectory, _ o: PreferenceLoadOptions,
                              _ path: String, _ want: [JSONValue]) throws -> Void) throws {
        let e = try expected()
        for name in TRLFixtures.cases {
            let md = try ModelDirectory.load(try modelDir(name, expected: e))
            for kind in TRLFixtures.kinds(name, e) {
                var o = PreferenceLoadOptions()
                o.chat.templateKwargs = kwargs(name, e)
                let want = e["cases"]?[name]?[kind]?.arrayValue ?? []
                try body(name, kind, md, o, fixtures + "/\(name)-\(kind).jsonl", want)
            }
        }
    }

    /// Our ids equal TRL's, record by record: prompt (the common prefix), chosen, rejected.
    func testPairsTokenizeAsTRL() throws {
        try forEachFile { name, kind, md, o, path, want in
            let (pairs, report) = try PreferenceData.load(path, tokenizer: md.tokenizer, eos: md.eosTokenId, options: o)
            XCTAssertEqual(pairs.count, want.count, "\(name) \(kind)")
            var dropped = 0
            for (p, w) in zip(pairs, want) {
                let at = "\(name) \(kind) \(p.id)"
                XCTAssertEqual(p.id, w["id"]?.stringValue, at)
                XCTAssertEqual(p.prompt, ints(w["prompt_ids"]), at + " prompt")
                XCTAssertEqual(p.chosen, ints(w["chosen_ids"]), at + " chosen")
                XCTAssertEqual(p.rejected, ints(w["rejected_ids"]), at + " rejected")
                if (w["prompt_tail_dropped"]?.intValue ?? 0) > 0 { dropped += 1 }
            }
            XCTAssertEqual(report.promptTailsDropped, dropped, "\(name) \(kind): prompts whose tokenized end TRL leaves out")
            if dropped > 0 {
                XCTAssertTrue(report.description.contains("not a prefix"), report.description)
            }
        }
    }

    /// The other trainers' tokenization of the same records: RewardTrainer scores prompt +
    /// chosen / rejected whole (our pairs: prompt + completion), KTOTrainer tokenizes each
    /// unpaired example with its own common prefix, SFTTrainer masks the prompt of
    /// {"prompt", "completion"} (the common prefix too).
    func testRewardKTOAndSFTTokenizeAsTRL() throws {
        try forEachFile { name, kind, md, o, path, want in
            let (pairs, _) = try PreferenceData.load(path, tokenizer: md.tokenizer, eos: md.eosTokenId, options: o)
            let (kto, _) = try KTOData.load(path, tokenizer: md.tokenizer, eos: md.eosTokenId, options: o)
            XCTAssertEqual(kto.count, 2 * want.count)
            // {"prompt", "completion": chosen} for SFT.
            let sftLines = try JSONL.readAll(path).map(\.record).map { r -> String in
                JSONValue.object([("prompt", r["prompt"] ?? .null), ("completion", r["chosen"] ?? .null)]
                                 + TRLFixtures.templateFields(r)).serialized()
            }
            let sftPath = tmp + "/\(name)-\(kind)-sft.jsonl"
            try ArtifactFile.writeAtomically(sftPath, string: sftLines.joined(separator: "\n") + "\n", compress: false)
            let (sft, _) = try SFTData.load(sftPath, tokenizer: md.tokenizer, chat: o.chat, eos: md.eosTokenId,
                                            maxLength: 4096, policy: .fail)
            for (i, w) in want.enumerated() where i < pairs.count && i < sft.count && 2 * i + 1 < kto.count {
                let at = "\(name) \(kind) \(w["id"]?.stringValue ?? "")"
                XCTAssertEqual(pairs[i].prompt + pairs[i].chosen, ints(w["reward_chosen_ids"]), at + " reward chosen")
                XCTAssertEqual(pairs[i].prompt + pairs[i].rejected, ints(w["reward_rejected_ids"]), at + " reward rejected")
                for (k, key) in [(2 * i, "kto_chosen"), (2 * i + 1, "kto_rejected")] {
                    let pc = w[key]?.arrayValue ?? []
                    XCTAssertEqual(kto[k].prompt, ints(pc.first), at + " " + key + " prompt")
                    XCTAssertEqual(kto[k].completion, ints(pc.last), at + " " + key + " completion")
                }
                let labels = ints(w["sft_labels"])
                let masked = labels.prefix { $0 == -100 }.count
                XCTAssertEqual(sft[i].prompt + sft[i].completion, ints(w["sft_input_ids"]), at + " sft ids")
                XCTAssertEqual(sft[i].prompt.count, masked, at + " sft prompt length")
            }
        }
    }

    /// `dpo-train precompute-ref` log-probs equal TRL's precomputed reference log-probs.
    func testPrecomputeRefMatchesTRL() throws {
        let e = try expected()
        var worst = 0.0
        for name in TRLFixtures.cases {
            let dir = try modelDir(name, expected: e)
            for kind in TRLFixtures.kinds(name, e) {
                let out = tmp + "/\(name)-\(kind).safetensors"
                var args = ["precompute-ref", "--model", dir, "--data", fixtures + "/\(name)-\(kind).jsonl", "--out", out, "--quiet"]
                let kw = kwargs(name, e)
                if !kw.isEmpty { args += ["--chat-template-kwargs", JSONValue.object(kw).serialized()] }
                let (rc, log) = try StageCLI.run("dpo-train", args)
                XCTAssertEqual(rc, 0, log)
                let f = try SafetensorsFile(path: out)
                let chosen = try f.floats("ref_chosen_logps"), rejected = try f.floats("ref_rejected_logps")
                let want = e["cases"]?[name]?[kind]?.arrayValue ?? []
                XCTAssertEqual(chosen.count, want.count)
                for (i, w) in want.enumerated() where i < chosen.count {
                    for (got, key) in [(chosen[i], "ref_chosen_logps"), (rejected[i], "ref_rejected_logps")] {
                        let ref = w[key]?.doubleValue ?? .nan
                        let rel = abs(Double(got) - ref) / max(abs(ref), 1e-6)
                        worst = max(worst, rel)
                        XCTAssertLessThan(rel, 1e-4, "\(name) \(kind) \(w["id"]?.stringValue ?? "") \(key): \(got) vs TRL \(ref)")
                    }
                }
            }
        }
        print("precompute-ref vs TRL 1.16 reference log-probs: largest relative error \(worst)")
    }

    /// `--tokenization separate` tokenizes prompt and completion apart: the merging prompt then
    /// keeps its whole tokenized prompt, and the digest of precomputed log-probs differs.
    func testSeparateTokenizationDiffersWhereTokensMerge() throws {
        let e = try expected()
        let md = try ModelDirectory.load(try modelDir("qwen2", expected: e))
        let path = fixtures + "/qwen2-plain.jsonl"
        var o = PreferenceLoadOptions()
        let (whole, _) = try PreferenceData.load(path, tokenizer: md.tokenizer, eos: md.eosTokenId, options: o)
        o.tokenization = .separate
        let (apart, report) = try PreferenceData.load(path, tokenizer: md.tokenizer, eos: md.eosTokenId, options: o)
        XCTAssertEqual(report.promptTailsDropped, 0)
        let merge = try XCTUnwrap(zip(whole, apart).first { $0.0.id == "merge" })
        XCTAssertEqual(merge.1.prompt, md.tokenizer.encodePrompt("The capital of France is Par"))
        XCTAssertNotEqual(merge.0.prompt + merge.0.chosen, merge.1.prompt + merge.1.chosen)
        XCTAssertEqual(merge.1.chosen.last, md.eosTokenId)
        XCTAssertNotEqual(PreferenceLoadOptions().settingsDescription, o.settingsDescription)
    }
}

/// Prompts for generation go through the same rule: `generate` on conversational prompts
/// samples after exactly TRL's tokenized prompt (apply_chat_template with the generation prompt).
final class TRLGenerationPromptTests: XCTestCase {
    func testGeneratePromptIdsAreTRLs() throws {
        let t = TRLFixtures(tmp: try ioTempDir(self))
        let e = try t.expected()
        for name in TRLFixtures.cases {
            let dir = try t.modelDir(name, expected: e)
            for kind in TRLFixtures.kinds(name, e) where kind != "plain" {
            let want = e["cases"]?[name]?[kind]?.arrayValue ?? []
            // The pairs' prompts as a prompts file: {"id", "messages"} and the record's template inputs.
            let prompts = try JSONL.readAll(t.fixtures + "/\(name)-\(kind).jsonl").map(\.record).map { r -> String in
                JSONValue.object([("id", r["id"] ?? .null), ("messages", r["prompt"] ?? .null)] + TRLFixtures.templateFields(r)).serialized()
            }
            let promptsPath = t.tmp + "/\(name)-\(kind)-prompts.jsonl"
            try ArtifactFile.writeAtomically(promptsPath, string: prompts.joined(separator: "\n") + "\n", compress: false)
            let out = t.tmp + "/\(name)-\(kind)-gen.jsonl"
            var args = ["--model", dir, "--prompts", promptsPath, "--out", out, "--max-new-tokens", "2", "--temperature", "0"]
            let kw = t.kwargs(name, e)
            if !kw.isEmpty { args += ["--chat-template-kwargs", JSONValue.object(kw).serialized()] }
            let (rc, log) = try StageCLI.run("generate", args)
            XCTAssertEqual(rc, 0, log)
            let got = try JSONL.readAll(out).map(\.record)
            XCTAssertEqual(got.count, want.count)
            for (g, w) in zip(got, want) where (w["prompt_tail_dropped"]?.intValue ?? 0) == 0 {
                XCTAssertEqual(t.ints(g["prompt_ids"]), t.ints(w["prompt_ids"]), "\(name) \(w["id"]?.stringValue ?? "")")
            }
            }
        }
    }
}
