import Core
import Foundation
import XCTest

/// Components a tokenizer.json may name: what is not implemented is refused with the
/// file and JSON path; small hand-made files pin behaviours the fixtures do not reach.
final class TokenizerComponentTests: XCTestCase {
    private func llama2JSON() throws -> [String: Any] {
        let path = TokenizerFamilyTests.folder("llama2") + "/tokenizer.json"
        let data = try XCTUnwrap(FileManager.default.contents(atPath: path))
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    private func load(_ json: [String: Any]) throws -> Tokenizer {
        let data = try JSONSerialization.data(withJSONObject: json)
        return try Tokenizer(jsonData: [UInt8](data), source: "edited.json")
    }

    private func assertRefused(_ edit: (inout [String: Any]) -> Void, _ needle: String,
                               file: StaticString = #filePath, line: UInt = #line) throws {
        var j = try llama2JSON()
        edit(&j)
        XCTAssertThrowsError(try load(j), file: file, line: line) { e in
            let msg = (e as? PrefkitError)?.message ?? "not a PrefkitError: \(e)"
            XCTAssertTrue(msg.hasPrefix("edited.json: ") && msg.contains(needle), msg, file: file, line: line)
        }
    }

    func testRefusalsNameTheJSONPath() throws {
        try assertRefused({ j in
            j["pre_tokenizer"] = ["type": "Sequence", "pretokenizers": [["type": "Digits", "individual_digits": true], ["type": "Whitespace"]]]
        }, #"pre_tokenizer.pretokenizers[1].type "Whitespace" is not supported"#)
        try assertRefused({ j in
            j["normalizer"] = ["type": "Sequence", "normalizers": [["type": "NFC"], ["type": "Lowercase"]]]
        }, #"normalizer.normalizers[1].type "Lowercase" is not supported"#)
        try assertRefused({ j in
            j["decoder"] = ["type": "Sequence", "decoders": [["type": "CTC"]]]
        }, #"decoder.decoders[0].type "CTC" is not supported"#)
        try assertRefused({ j in j["post_processor"] = ["type": "Foo"] }, #"post_processor.type "Foo" is not supported"#)
        try assertRefused({ j in
            j["normalizer"] = ["type": "Replace", "pattern": ["Regex": " +"], "content": "\u{2581}"]
        }, #"normalizer.pattern Regex " +" is not supported"#)
        try assertRefused({ j in
            j["pre_tokenizer"] = ["type": "Split", "pattern": ["String": " "], "behavior": "Sideways", "invert": false]
        }, #"pre_tokenizer.behavior "Sideways""#)
        try assertRefused({ j in
            j["pre_tokenizer"] = ["type": "Metaspace", "replacement": "\u{2581}", "prepend_scheme": "sometimes"]
        }, #"pre_tokenizer.prepend_scheme "sometimes""#)
        try assertRefused({ j in
            j["pre_tokenizer"] = ["type": "Metaspace", "replacement": "\u{2581}", "prepend_scheme": "first", "bogus": 1]
        }, "pre_tokenizer.bogus is not supported")
        try assertRefused({ j in
            j["pre_tokenizer"] = ["type": "Sequence", "pretokenizers": [
                ["type": "ByteLevel", "add_prefix_space": false], ["type": "Digits", "individual_digits": true]]]
        }, "pre_tokenizer.pretokenizers[1] comes after a ByteLevel step")
        try assertRefused({ j in
            var model = j["model"] as! [String: Any]
            model["dropout"] = 0.1
            j["model"] = model
        }, "model.dropout")
        try assertRefused({ j in
            var model = j["model"] as! [String: Any]
            model["unk_token"] = "<nope>"
            j["model"] = model
        }, "model.unk_token")
        try assertRefused({ j in
            j["post_processor"] = ["type": "TemplateProcessing", "single": [["SpecialToken": ["id": "<x>", "type_id": 0]]],
                                   "pair": [], "special_tokens": [:] as [String: Any]]
        }, #"post_processor.single[0].SpecialToken.id "<x>" is not in post_processor.special_tokens"#)
    }

    /// Split behaviours and invert on a literal, Digits without individual_digits,
    /// and the Roberta/Bert processors, on a character vocabulary without merges.
    func testSplitBehavioursAndProcessors() throws {
        let chars = Array("ab-12 ")
        var vocab: [String: Int] = [:]
        for (i, c) in chars.enumerated() {
            vocab[String(c)] = i
        }
        func tokenizer(_ pre: [String: Any], post: Any = NSNull()) throws -> Tokenizer {
            let root: [String: Any] = [
                "added_tokens": [["id": 10, "content": "<s>", "special": true], ["id": 11, "content": "</s>", "special": true]],
                "normalizer": NSNull(), "pre_tokenizer": pre, "post_processor": post, "decoder": ["type": "Fuse"],
                "model": ["type": "BPE", "vocab": vocab, "merges": [] as [Any]],
            ]
            return try load(root)
        }
        // With no merges every character is its own token, so the pieces are only
        // visible through the word cache; check ids and that decode re-joins them.
        let isolated = try tokenizer(["type": "Split", "pattern": ["String": "-"], "behavior": "Removed", "invert": false])
        XCTAssertEqual(isolated.encode("a-b--a"), [0, 1, 0])
        let inverted = try tokenizer(["type": "Split", "pattern": ["String": "-"], "behavior": "Removed", "invert": true])
        XCTAssertEqual(inverted.encode("a-b--a"), [2, 2, 2])
        let digits = try tokenizer(["type": "Digits", "individual_digits": false])
        XCTAssertEqual(digits.encode("a12b"), [0, 3, 4, 1])
        XCTAssertEqual(digits.decode(digits.encode("a12b")), "a12b")
        let roberta = try tokenizer(["type": "Digits", "individual_digits": true],
                                    post: ["type": "RobertaProcessing", "sep": ["</s>", 11], "cls": ["<s>", 10],
                                           "trim_offsets": true, "add_prefix_space": false])
        XCTAssertEqual(roberta.encode("ab", addSpecialTokens: true), [10, 0, 1, 11])
        XCTAssertEqual(roberta.specialPrefix, [10])
        let bert = try tokenizer(["type": "Digits", "individual_digits": true],
                                 post: ["type": "BertProcessing", "sep": ["</s>", 11], "cls": ["<s>", 10]])
        XCTAssertEqual(bert.encode("a", addSpecialTokens: true), [10, 0, 11])
    }

    /// Merges over a vocabulary with "▁" inside tokens: whole-segment BPE must not be
    /// cut where a token spans the "▁".
    func testMergesAcrossMetaspaceAreKept() throws {
        let vocab: [String: Int] = ["a": 0, "b": 1, "\u{2581}": 2, "a\u{2581}": 3, "a\u{2581}b": 4, "\u{2581}b": 5, "<unk>": 6]
        let root: [String: Any] = [
            "normalizer": ["type": "Replace", "pattern": ["String": " "], "content": "\u{2581}"],
            "pre_tokenizer": NSNull(),
            "decoder": ["type": "Sequence", "decoders": [["type": "Replace", "pattern": ["String": "\u{2581}"], "content": " "], ["type": "Fuse"]]],
            "model": ["type": "BPE", "vocab": vocab, "merges": [["a", "\u{2581}"], ["a\u{2581}", "b"], ["\u{2581}", "b"]],
                      "unk_token": "<unk>", "byte_fallback": false, "fuse_unk": true],
        ]
        let tok = try load(root)
        XCTAssertEqual(tok.encode("a b b"), [4, 5])
        XCTAssertEqual(tok.encode("b b"), [1, 5])
        XCTAssertEqual(tok.encode("a xy b"), [3, 6, 5])
        XCTAssertEqual(tok.decode(tok.encode("a b b")), "a b b")
    }

    /// The fuzz seed itself loads, so mutations start from a valid file.
    func testFuzzSeedLoads() throws {
        let tok = try Tokenizer(jsonData: Array(FuzzSeeds.sentencePieceSeed.utf8), source: "seed.json")
        let ids = tok.encode("kettle Ü1", addSpecialTokens: true)
        XCTAssertEqual(ids.first, 1)
        XCTAssertTrue(ids.contains(2) && ids.contains(3), "Ü falls back to its bytes: \(ids)")
    }

    /// NFKC folds compatibility characters before BPE sees them; NFC leaves them.
    func testNFKCAndNFCNormalizers() throws {
        var vocab: [String: Int] = [:]
        for c in "fi1e\u{301}\u{e9}\u{FB01}\u{2460}" {
            for s in c.unicodeScalars where vocab[String(s)] == nil {
                vocab[String(s)] = vocab.count
            }
        }
        func tokenizer(_ normalizer: String) throws -> Tokenizer {
            try load(["normalizer": ["type": normalizer], "pre_tokenizer": NSNull(), "decoder": ["type": "Fuse"],
                      "model": ["type": "BPE", "vocab": vocab, "merges": [] as [Any]]])
        }
        let nfkc = try tokenizer("NFKC")
        XCTAssertEqual(nfkc.encode("\u{FB01}\u{2460}"), nfkc.encode("fi1"))
        XCTAssertEqual(nfkc.encode("e\u{301}"), nfkc.encode("\u{e9}"))
        let nfc = try tokenizer("NFC")
        XCTAssertEqual(nfc.encode("\u{FB01}"), [try XCTUnwrap(vocab["\u{FB01}"])])
        XCTAssertEqual(nfc.encode("e\u{301}"), [try XCTUnwrap(vocab["\u{e9}"])])
    }
}
