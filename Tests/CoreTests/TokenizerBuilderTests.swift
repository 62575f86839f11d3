import Core
import Foundation
import XCTest

/// byteLevel(), jsonData() and train(): tokenizers made in code must reload from
/// their own JSON and round-trip text.
final class TokenizerBuilderTests: XCTestCase {
    private let specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]

    func testByteLevelShape() {
        let tok = Tokenizer.byteLevel(extraSpecials: specials)
        XCTAssertEqual(tok.vocabSize, 259)
        XCTAssertEqual(tok.specialTokenIds, [256, 257, 258])
        XCTAssertEqual(tok.tokenId("<|im_end|>"), 258)
        XCTAssertEqual(tok.token(0), "!")      // GPT-2 id order
        XCTAssertEqual(tok.tokenId("Ġ"), 220)  // space, as in GPT-2
        XCTAssertEqual(Set((0..<256).compactMap { tok.token($0) }).count, 256)
    }

    func testByteLevelEncodesOneIdPerByte() {
        let tok = Tokenizer.byteLevel(extraSpecials: specials)
        var rng = TokSplitMix64(seed: 3)
        for _ in 0..<200 {
            let s = tokRandomText(&rng, length: 40).precomposedStringWithCanonicalMapping
            let ids = tok.encode(s)
            XCTAssertEqual(ids.count, s.utf8.count)
            XCTAssertEqual(tok.decode(ids), s)
        }
        XCTAssertEqual(tok.encode("a<|im_end|>"), [tok.tokenId("a")!, 258])
    }

    /// Every byte value 0...255 has a token that decodes back to exactly that byte.
    func testByteLevelCoversAllBytes() {
        let tok = Tokenizer.byteLevel(extraSpecials: [])
        var all: [Int] = []
        for b in 0..<128 {
            let s = String(UnicodeScalar(UInt8(b)))
            let ids = tok.encode(s)
            XCTAssertEqual(ids.count, 1)
            all += ids
        }
        XCTAssertEqual(tok.decode(all).utf8.map { Int($0) }, Array(0..<128))
        // Bytes 0x80...0xFF alone are invalid UTF-8: each becomes U+FFFD, and the
        // two-byte tokens of "é" decode back to it only together.
        XCTAssertEqual((0..<256).filter { tok.decode([$0]) == "\u{FFFD}" }.count, 128)
        let e = tok.encode("é")
        XCTAssertEqual(e.count, 2)
        XCTAssertEqual(tok.decode(e), "é")
    }

    func testJSONReloadsIdentically() throws {
        let tok = Tokenizer.byteLevel(extraSpecials: specials)
        let data = tok.jsonData()
        let again = try Tokenizer(jsonData: data, source: "byteLevel.json")
        XCTAssertEqual(again.vocabSize, tok.vocabSize)
        XCTAssertEqual(again.specialTokenIds, tok.specialTokenIds)
        XCTAssertEqual(again.jsonData(), data)
        var rng = TokSplitMix64(seed: 9)
        for _ in 0..<100 {
            let s = tokRandomText(&rng, length: 30) + "<|im_start|>"
            XCTAssertEqual(again.encode(s), tok.encode(s))
            XCTAssertEqual(again.decode(again.encode(s)), s.precomposedStringWithCanonicalMapping)
        }
        // The JSON is structurally the fixture's layout.
        let obj = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(data)) as? [String: Any])
        let model = try XCTUnwrap(obj["model"] as? [String: Any])
        XCTAssertEqual(model["type"] as? String, "BPE")
        XCTAssertEqual((model["vocab"] as? [String: Any])?.count, 256)
        XCTAssertEqual((obj["added_tokens"] as? [Any])?.count, 3)
        XCTAssertEqual((obj["normalizer"] as? [String: Any])?["type"] as? String, "NFC")
    }

    func testFixtureJSONRewriteKeepsIds() throws {
        let tok = try Tokenizer(path: tokFixturesDir() + "/qwen2-tiny/tokenizer.json")
        let again = try Tokenizer(jsonData: tok.jsonData(), source: "rewritten.json")
        XCTAssertEqual(again.vocabSize, 1824)
        let ref = try tokLoadRef("qwen2-tiny")
        for c in ref["tokenizer_tests"] as? [[String: Any]] ?? [] {
            XCTAssertEqual(again.encode(c["text"] as? String ?? ""), tokIntArray(c["ids"]))
        }
    }

    private func smallCorpus() -> [String] {
        var rng = TokSplitMix64(seed: 1)
        let words = ["the", "cat", "sat", "on", "mat", "dog", "ran", "after", "a", "ball", "über", "naïve", "中文", "12", "2024", "it's", "don't"]
        return (0..<300).map { i in
            var line = (0..<12).map { _ in words[Int.random(in: 0..<words.count, using: &rng)] }.joined(separator: " ")
            line += i % 10 == 0 ? ".<|endoftext|>" : ".\n"
            return line
        }
    }

    func testTrainProducesMergesAndRoundTrips() throws {
        let corpus = smallCorpus()
        let tok = Tokenizer.train(corpus: corpus, vocabSize: 300, specials: specials)
        XCTAssertEqual(tok.vocabSize, 300)
        XCTAssertEqual(tok.specialTokenIds, [297, 298, 299])
        let merged = (256..<297).compactMap { tok.token($0) }
        XCTAssertEqual(merged.count, 41)
        XCTAssertTrue(merged.allSatisfy { $0.unicodeScalars.count >= 2 })
        XCTAssertNotNil(tok.tokenId("Ġa"), "the most frequent pair (every word but the first follows a space) is merged")
        XCTAssertNil(tok.tokenId("<|endof"), "specials in the corpus never take part in merges")
        let text = corpus[0] + corpus[1]
        let ids = tok.encode(text)
        XCTAssertLessThan(ids.count, text.utf8.count / 2)
        XCTAssertEqual(tok.decode(ids), text.precomposedStringWithCanonicalMapping)
        var rng = TokSplitMix64(seed: 5)
        for _ in 0..<100 {
            let s = tokRandomText(&rng, length: 50)
            XCTAssertEqual(tok.decode(tok.encode(s)), s.precomposedStringWithCanonicalMapping)
        }
        let reloaded = try Tokenizer(jsonData: tok.jsonData(), source: "trained.json")
        XCTAssertEqual(reloaded.encode(text), ids)
    }

    func testTrainIsDeterministicAndStopsWhenPairsRunOut() {
        let a = Tokenizer.train(corpus: smallCorpus(), vocabSize: 350, specials: specials)
        let b = Tokenizer.train(corpus: smallCorpus(), vocabSize: 350, specials: specials)
        XCTAssertEqual(a.jsonData(), b.jsonData())
        let tiny = Tokenizer.train(corpus: ["ab ab ab"], vocabSize: 5000, specials: ["<eos>"])
        XCTAssertEqual(tiny.encode("ab ab"), [tiny.tokenId("ab")!, tiny.tokenId("Ġab")!])
        XCTAssertLessThan(tiny.vocabSize, 300)
        XCTAssertEqual(tiny.tokenId("<eos>"), tiny.vocabSize - 1)
    }
}
