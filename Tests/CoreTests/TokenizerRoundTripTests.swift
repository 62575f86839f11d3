import Core
import Foundation
import XCTest

/// decode(encode(s)) gives back the NFC form of s, for fixture and random text.
final class TokenizerRoundTripTests: XCTestCase {
    private func fixtureTexts() throws -> [String] {
        var texts: [String] = []
        let ref = try tokLoadRef("qwen2-tiny")
        for c in ref["tokenizer_tests"] as? [[String: Any]] ?? [] { texts.append(c["text"] as? String ?? "") }
        for e in ref["response_logps"] as? [[String: Any]] ?? [] {
            texts.append(e["prompt"] as? String ?? "")
            texts.append(e["response"] as? String ?? "")
        }
        return texts
    }

    func testFixtureStringsRoundTrip() throws {
        for model in ["qwen2-tiny", "llama-tiny"] {
            let tok = try Tokenizer(path: tokFixturesDir() + "/\(model)/tokenizer.json")
            for s in try fixtureTexts() {
                XCTAssertEqual(tok.decode(tok.encode(s)), s.precomposedStringWithCanonicalMapping, s.debugDescription)
            }
        }
    }

    func testRandomUnicodeRoundTrip() throws {
        let tok = try Tokenizer(path: tokFixturesDir() + "/qwen2-tiny/tokenizer.json")
        var rng = TokSplitMix64(seed: 42)
        for i in 0..<500 {
            var s = tokRandomText(&rng, length: Int.random(in: 0...80, using: &rng))
            if i % 5 == 0 { s += "<|im_end|>" + tokRandomText(&rng, length: 5) }
            let ids = tok.encode(s)
            XCTAssertEqual(tok.decode(ids), s.precomposedStringWithCanonicalMapping, "case \(i)")
            XCTAssertTrue(ids.allSatisfy { $0 >= 0 && $0 < tok.vocabSize })
            // Encoding is a pure function of the text (cache hits must not change it).
            XCTAssertEqual(tok.encode(s), ids)
        }
    }

    /// Words longer than the short-word path use the heap merge; both must agree
    /// with the fixture vocabulary's notion of a word.
    func testLongWordsRoundTrip() throws {
        let tok = try Tokenizer(path: tokFixturesDir() + "/qwen2-tiny/tokenizer.json")
        let word = String(repeating: "thequickbrownfoxjumpsoverthelazydog", count: 30)
        let ids = tok.encode(word)
        XCTAssertEqual(tok.decode(ids), word)
        // The same word split into one-repetition chunks differs only at boundaries,
        // so a long word must not be encoded into more tokens than bytes.
        XCTAssertLessThan(ids.count, word.utf8.count)
        let spaced = String(repeating: " ", count: 5000) + "x"
        XCTAssertEqual(tok.decode(tok.encode(spaced)), spaced)
    }
}
