import Core
import Foundation
import XCTest

/// The tokenizer.json variants besides the fixture's layout: GPT-2 (ByteLevel's own
/// regex), Llama-3 (\p{N}{1,3}, ignore_merges), "a b" merges, and refused files.
/// Expected ids come from HF tokenizers 0.23.3 on the same JSON.
final class TokenizerFormatTests: XCTestCase {
    private let texts = [
        "Hello world, it's 12345 and 1234567 DON'T stop!!  \n\n  x\ty  ",
        "def f(x):\n    return x**2  # sq\r\n\r\n  end   ",
        "Caf\u{e9} \u{fb01} na\u{ef}ve \u{4e2d}\u{6587} \u{1F600}\u{1F44D}\u{1F3FD} 'S 'Ll \u{17f} '\u{17f}",
        " \u{a0} a\u{3000}b \u{2028} ",
        "<|im_start|>user\nhi  12 <|im_end|>",
    ]

    private func fixtureJSON() throws -> [String: Any] {
        let path = tokFixturesDir() + "/qwen2-tiny/tokenizer.json"
        let data = try XCTUnwrap(FileManager.default.contents(atPath: path))
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// The fixture plus digit/whitespace merges (so number splitting shows in the
    /// ids), added tokens renumbered after them, then `edit` applied.
    private func variant(_ edit: (inout [String: Any]) -> Void) throws -> Tokenizer {
        var j = try fixtureJSON()
        var model = try XCTUnwrap(j["model"] as? [String: Any])
        var vocab = try XCTUnwrap(model["vocab"] as? [String: Int])
        var merges = try XCTUnwrap(model["merges"] as? [[String]])
        var next = 1821
        for (a, b) in [("1", "2"), ("12", "3"), ("4", "5"), ("45", "6"), ("3", "4"), ("Ġ", "1"), ("Ġ1", "2"), ("Ċ", "Ċ"), ("ĠĠ", "ĠĠ")] {
            if vocab[a + b] == nil { vocab[a + b] = next; next += 1 }
            merges.append([a, b])
        }
        model["vocab"] = vocab
        model["merges"] = merges
        j["model"] = model
        var added = try XCTUnwrap(j["added_tokens"] as? [[String: Any]])
        for i in added.indices { added[i]["id"] = next; next += 1 }
        j["added_tokens"] = added
        edit(&j)
        let data = try JSONSerialization.data(withJSONObject: j)
        return try Tokenizer(jsonData: [UInt8](data), source: "variant.json")
    }

    func testQwen2Variant() throws {
        let tok = try variant { _ in }
        XCTAssertEqual(tok.encode(texts[0]), [845, 606, 11, 348, 6, 82, 220, 16, 17, 18, 19, 20, 595, 220, 16, 17, 18, 19, 20, 21, 22, 220, 35, 46, 45, 6, 51, 365, 78, 79, 0, 0, 256, 264, 220, 796, 197, 88, 256])
        XCTAssertEqual(tok.encode(texts[4]), [1829, 329, 198, 71, 72, 220, 220, 16, 17, 220, 1830])
        XCTAssertEqual(tok.vocabSize, 1831)
    }

    func testGPT2Layout() throws {
        let tok = try variant { j in
            j["pre_tokenizer"] = ["type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true]
            j["normalizer"] = NSNull()
        }
        let expected: [[Int]] = [
            [845, 606, 11, 348, 6, 82, 220, 1822, 1823, 595, 220, 1822, 1824, 22, 220, 35, 46, 45, 6, 51, 365, 78, 79, 0, 0, 256, 264, 220, 796, 197, 88, 256],
            [388, 286, 7, 87, 8, 25, 198, 303, 356, 796, 759, 17, 220, 743, 270, 80, 201, 198, 201, 198, 220, 220, 271, 67, 303],
            [34, 1154, 220, 171, 105, 223, 1047, 220, 713, 1553, 1232, 50, 1232, 43, 75, 220, 129, 123, 1232, 129, 123],
            [220, 126, 254, 258, 396, 222, 65, 669, 101, 220],
            [1829, 329, 198, 71, 72, 220, 220, 1821, 220, 1830],
        ]
        for (t, e) in zip(texts, expected) { XCTAssertEqual(tok.encode(t), e, t.debugDescription) }
    }

    func testLlama3Layout() throws {
        let tok = try variant { j in
            var pre = j["pre_tokenizer"] as! [String: Any]
            var steps = pre["pretokenizers"] as! [[String: Any]]
            steps[0]["pattern"] = ["Regex": #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#]
            pre["pretokenizers"] = steps
            j["pre_tokenizer"] = pre
            j["normalizer"] = NSNull()
            var model = j["model"] as! [String: Any]
            model["ignore_merges"] = true
            j["model"] = model
        }
        let expected: [[Int]] = [
            [845, 606, 11, 348, 6, 82, 220, 1822, 1823, 595, 220, 1822, 1824, 22, 220, 35, 46, 45, 6, 51, 365, 78, 79, 0, 0, 256, 264, 220, 796, 197, 88, 256],
            [388, 286, 746, 361, 303, 356, 796, 759, 17, 220, 743, 270, 80, 201, 198, 201, 198, 220, 220, 271, 67, 303],
            [34, 1154, 220, 171, 105, 223, 1047, 220, 713, 1553, 1232, 50, 1232, 43, 75, 220, 129, 123, 1232, 129, 123],
            [220, 126, 254, 258, 396, 222, 65, 669, 101, 220],
            [1829, 329, 198, 71, 72, 220, 220, 1821, 220, 1830],
        ]
        for (t, e) in zip(texts, expected) { XCTAssertEqual(tok.encode(t), e, t.debugDescription) }
    }

    /// Older files write merges as "a b"; the ids must not depend on the form.
    func testStringMergesForm() throws {
        let pairs = try variant { _ in }
        let strings = try variant { j in
            var model = j["model"] as! [String: Any]
            model["merges"] = (model["merges"] as! [[String]]).map { $0.joined(separator: " ") }
            j["model"] = model
        }
        for t in texts { XCTAssertEqual(strings.encode(t), pairs.encode(t)) }

        // A hand-written file in the "a b" form.
        let json = #"""
        {"added_tokens": [{"id": 9, "content": "<eos>", "special": true}],
         "normalizer": null,
         "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "use_regex": true},
         "decoder": {"type": "ByteLevel"},
         "model": {"type": "BPE", "vocab": {"h": 0, "e": 1, "l": 2, "o": 3, "Ġ": 4, "he": 5, "ll": 6, "hell": 7, "hello": 8},
                   "merges": ["h e", "l l", "he ll", "hell o"]}}
        """#
        let tok = try Tokenizer(jsonData: Array(json.utf8), source: "small.json")
        XCTAssertEqual(tok.encode("hello"), [8])
        XCTAssertEqual(tok.encode("hello hello<eos>"), [8, 4, 8, 9])
        XCTAssertEqual(tok.encode("hell"), [7])
        XCTAssertEqual(tok.encode("oh"), [3, 0])
        XCTAssertEqual(tok.decode([8, 4, 8, 9]), "hello hello<eos>")
        XCTAssertEqual(tok.vocabSize, 10)
        XCTAssertEqual(tok.specialTokenIds, [9])
    }

    /// lstrip/rstrip swallow neighbouring whitespace, single_word needs word
    /// boundaries, normalized added tokens match after NFC.
    func testAddedTokenFlags() throws {
        let tok = try variant { j in
            var added = j["added_tokens"] as! [[String: Any]]
            added[2]["lstrip"] = true
            added[1]["rstrip"] = true
            added.append(["id": 1831, "content": "caf\u{e9}", "single_word": false, "lstrip": false, "rstrip": false, "normalized": true, "special": false])
            added.append(["id": 1832, "content": "ab", "single_word": true, "lstrip": false, "rstrip": false, "normalized": false, "special": true])
            j["added_tokens"] = added
        }
        XCTAssertEqual(tok.encode("x  <|im_end|>  y"), [87, 1830, 220, 353])
        XCTAssertEqual(tok.encode("<|im_start|>  \n z"), [1829, 89])
        XCTAssertEqual(tok.encode("cafe\u{301} caf\u{e9} ab cab abc ab_ ab. (ab)"),
                       [1831, 220, 1831, 220, 1832, 280, 64, 65, 258, 65, 66, 258, 65, 62, 220, 1832, 13, 1205, 1832, 8])
        XCTAssertEqual(tok.encode("\u{3000}<|im_end|>\u{3000}<|im_start|>\u{3000}"), [1830, 396, 222, 1829])
        XCTAssertEqual(tok.encode(" ab "), [220, 1832, 220])
        XCTAssertEqual(tok.specialTokenIds, [1828, 1829, 1830, 1832])
    }

    private func assertRefused(_ edit: (inout [String: Any]) -> Void, mentioning needle: String,
                               file: StaticString = #filePath, line: UInt = #line) throws {
        var j = try fixtureJSON()
        edit(&j)
        let data = try JSONSerialization.data(withJSONObject: j)
        XCTAssertThrowsError(try Tokenizer(jsonData: [UInt8](data), source: "edited.json"), file: file, line: line) { e in
            let msg = (e as? PrefkitError)?.message ?? "not a PrefkitError: \(e)"
            XCTAssertTrue(msg.contains("edited.json") && msg.contains(needle), msg, file: file, line: line)
        }
    }

    func testRefusesWhatItCannotReproduce() throws {
        try assertRefused({ j in
            var pre = j["pre_tokenizer"] as! [String: Any]
            var steps = pre["pretokenizers"] as! [[String: Any]]
            steps[0]["pattern"] = ["Regex": #"\w+|\s+"#]
            pre["pretokenizers"] = steps
            j["pre_tokenizer"] = pre
        }, mentioning: #"\\w+|\\s+"#)
        try assertRefused({ j in j["normalizer"] = ["type": "Lowercase"] }, mentioning: "Lowercase")
        try assertRefused({ j in
            var model = j["model"] as! [String: Any]
            model["type"] = "WordPiece"
            j["model"] = model
        }, mentioning: "WordPiece")
        try assertRefused({ j in
            var model = j["model"] as! [String: Any]
            var merges = model["merges"] as! [[String]]
            merges.append(["zz", "q"])
            model["merges"] = merges
            j["model"] = model
        }, mentioning: "zz")
        try assertRefused({ j in j["pre_tokenizer"] = ["type": "Whitespace"] }, mentioning: "Whitespace")
    }
}
