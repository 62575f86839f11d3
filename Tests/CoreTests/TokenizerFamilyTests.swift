import Foundation
import XCTest
import Core

/// Each tokenizer family's small trained tokenizer.json (tools/fixtures/
/// make_tokenizer_fixtures.py) against HF `tokenizers`: ids with and without the
/// post-processor's special tokens, token strings, and decoded text.
final class TokenizerFamilyTests: XCTestCase {
    /// "llama2-transformers" is the llama2 file under tokenizer_class LlamaTokenizer,
    /// with references from transformers 5 (which swaps in its own pipeline).
    static let families = ["llama2", "gemma3", "mistral", "metaspace-unk", "smollm2", "llama3", "llama2-transformers"]

    static func folder(_ family: String) -> String {
        tokFixturesDir() + "/tokenizers/" + family
    }

    static func cases(_ family: String) throws -> [[String: Any]] {
        let ref = try tokLoadRef("tokenizers/" + family)
        return ref["cases"] as? [[String: Any]] ?? []
    }

    func testEveryFamilyMatchesHF() throws {
        for family in Self.families {
            let tok = try Tokenizer(path: Self.folder(family) + "/tokenizer.json")
            let cases = try Self.cases(family)
            XCTAssertGreaterThan(cases.count, 20, family)
            var equal = 0
            var roundTrips = 0
            for c in cases {
                let text = c["text"] as? String ?? ""
                let label = "\(family): \(text.debugDescription)"
                let ids = tok.encode(text)
                XCTAssertEqual(ids, tokIntArray(c["ids"]), label)
                XCTAssertEqual(ids.map { tok.token($0) ?? "?" }, c["tokens"] as? [String] ?? [], label)
                let withSpecial = tok.encode(text, addSpecialTokens: true)
                XCTAssertEqual(withSpecial, tokIntArray(c["ids_with_special"]), label)
                XCTAssertEqual(tok.encode(text, addSpecialTokens: false), ids, label)
                if ids == tokIntArray(c["ids"]) && withSpecial == tokIntArray(c["ids_with_special"]) {
                    equal += 1
                }
                XCTAssertEqual(tok.decode(ids), c["decoded"] as? String, label)
                XCTAssertEqual(tok.decode(withSpecial), c["decoded_with_special"] as? String, label)
                XCTAssertEqual(tok.decode(withSpecial, skipSpecialTokens: true), c["decoded_skip_special"] as? String, label)
                if c["round_trips"] as? Bool == true {
                    XCTAssertEqual(tok.decode(ids), text, label)
                    roundTrips += 1
                }
            }
            print("tokenizer family \(family): ids equal \(equal)/\(cases.count), round trips \(roundTrips)")
        }
    }

    /// Under a LlamaTokenizer config the written file carries the class pipeline, so a
    /// saved model (tokenizer_config.json with a generic class) tokenizes the same.
    func testClassPipelineSurvivesSaving() throws {
        let tok = try Tokenizer(path: Self.folder("llama2-transformers") + "/tokenizer.json")
        let saved = try Tokenizer(jsonData: tok.jsonData(), source: "saved.json")
        for c in try Self.cases("llama2-transformers") {
            let text = c["text"] as? String ?? ""
            XCTAssertEqual(saved.encode(text, addSpecialTokens: true), tokIntArray(c["ids_with_special"]), text.debugDescription)
            XCTAssertEqual(saved.decode(tokIntArray(c["ids"])), c["decoded"] as? String, text.debugDescription)
        }
    }

    func testSpecialPrefixIsTheTemplateHead() throws {
        let expected: [String: [String]] = [
            "llama2": ["<s>"], "gemma3": ["<bos>"], "mistral": ["<s>"], "metaspace-unk": ["<s>"],
            "smollm2": [], "llama3": ["<|begin_of_text|>"], "llama2-transformers": ["<s>"],
        ]
        for family in Self.families {
            let tok = try Tokenizer(path: Self.folder(family) + "/tokenizer.json")
            XCTAssertEqual(tok.specialPrefix.map { tok.token($0) ?? "?" }, expected[family], family)
        }
    }

    /// The fixtures' own files reload through jsonData() unchanged.
    func testLoadedFilesAreWrittenBackVerbatim() throws {
        for family in Self.families where family != "llama2-transformers" {
            let path = Self.folder(family) + "/tokenizer.json"
            let tok = try Tokenizer(path: path)
            let bytes = try XCTUnwrap(FileManager.default.contents(atPath: path))
            XCTAssertEqual(tok.jsonData(), [UInt8](bytes), family)
        }
    }
}

/// String data gets the post-processor's BOS on the prompt only, as TRL's `tok(prompt)`.
final class TokenizerSpecialTokenDataTests: XCTestCase {
    func testPreferenceAndSFTPromptsStartWithBOS() throws {
        let tok = try Tokenizer(path: TokenizerFamilyTests.folder("llama2") + "/tokenizer.json")
        let bos = try XCTUnwrap(tok.tokenId("<s>"))
        let eos = try XCTUnwrap(tok.tokenId("</s>"))
        let dir = NSTemporaryDirectory() + "prefkit-bos-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/pairs.jsonl"
        let line = #"{"prompt": "Hello world", "chosen": " the dog", "rejected": " a fox"}"#
        try Data((line + "\n").utf8).write(to: URL(fileURLWithPath: path))
        let (pairs, _) = try PreferenceData.load(path, tokenizer: tok, eos: eos, options: PreferenceLoadOptions())
        let pair = try XCTUnwrap(pairs.first)
        XCTAssertEqual(pair.prompt, [bos] + tok.encode("Hello world"))
        XCTAssertEqual(pair.prompt, tok.encode("Hello world", addSpecialTokens: true))
        // TRL 1.16: prompt + completion tokenized whole, eos text appended.
        let eosText = try XCTUnwrap(tok.token(eos))
        XCTAssertEqual(pair.prompt + pair.chosen, tok.encode("Hello world the dog" + eosText, addSpecialTokens: true))
        XCTAssertEqual(pair.chosen.last, eos)
        XCTAssertFalse(pair.chosen.contains(bos))

        let sftPath = dir + "/sft.jsonl"
        try Data(#"{"text": "Hello world"}"#.utf8).write(to: URL(fileURLWithPath: sftPath))
        let (examples, _) = try SFTData.load(sftPath, tokenizer: tok, chat: .forced(.plain), eos: eos, maxLength: 64, policy: .fail)
        XCTAssertEqual(examples.first?.prompt, [bos])
        XCTAssertEqual(examples.first?.completion, tok.encode("Hello world") + [eos])
    }

    func testQwenStyleFilesAddNothing() throws {
        let tok = try Tokenizer(path: tokFixturesDir() + "/qwen2-tiny/tokenizer.json")
        XCTAssertEqual(tok.specialPrefix, [])
        XCTAssertEqual(tok.encode("Hello", addSpecialTokens: true), tok.encode("Hello"))
        XCTAssertEqual(tok.encodePrompt("Hello"), tok.encode("Hello"))
    }
}
