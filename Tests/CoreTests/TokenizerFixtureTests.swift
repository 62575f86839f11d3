import Core
import Foundation
import XCTest

/// Ids, token strings and decoded text must match what HF `tokenizers` produced for
/// the fixtures (ref.json), including specials written in the text.
final class TokenizerFixtureTests: XCTestCase {
    private func load(_ model: String) throws -> Tokenizer {
        try Tokenizer(path: tokFixturesDir() + "/\(model)/tokenizer.json")
    }

    private func checkTokenizerTests(_ model: String) throws {
        let tok = try load(model)
        let ref = try tokLoadRef(model)
        let cases = try XCTUnwrap(ref["tokenizer_tests"] as? [[String: Any]])
        XCTAssertEqual(cases.count, 13)
        for c in cases {
            let text = try XCTUnwrap(c["text"] as? String)
            let ids = tokIntArray(c["ids"])
            let tokens = try XCTUnwrap(c["tokens"] as? [String])
            let got = tok.encode(text)
            XCTAssertEqual(got, ids, "\(model) ids for \(text.debugDescription)")
            XCTAssertEqual(got.map { tok.token($0) ?? "<nil>" }, tokens, "\(model) tokens for \(text.debugDescription)")
            XCTAssertEqual(tok.decode(ids), c["decoded"] as? String, "\(model) decode for \(text.debugDescription)")
            for t in tokens { XCTAssertNotNil(tok.tokenId(t), "tokenId(\(t))") }
        }
    }

    func testQwen2TokenizerTests() throws { try checkTokenizerTests("qwen2-tiny") }
    func testLlamaTokenizerTests() throws { try checkTokenizerTests("llama-tiny") }

    func testVocabAndSpecials() throws {
        for model in ["qwen2-tiny", "llama-tiny"] {
            let tok = try load(model)
            let ref = try tokLoadRef(model)
            XCTAssertEqual(tok.vocabSize, 1824)
            XCTAssertEqual(tok.specialTokenIds, [1821, 1822, 1823])
            XCTAssertEqual(tok.eosTokenId, ref["eos_token_id"] as? Int)
            XCTAssertEqual(tok.padTokenId, ref["pad_token_id"] as? Int)
            XCTAssertEqual(tok.eosTokenId, 1823)
            XCTAssertEqual(tok.padTokenId, 1821)
            XCTAssertEqual(tok.tokenId("<|im_start|>"), 1822)
            XCTAssertEqual(tok.token(1821), "<|endoftext|>")
            XCTAssertNil(tok.token(5000))
            XCTAssertNil(tok.tokenId("definitely not a token"))
        }
    }

    func testGuessEOS() {
        let names = Tokenizer.guessEOS(from: tokFixturesDir() + "/qwen2-tiny/tokenizer_config.json")
        XCTAssertEqual(names.eos, "<|im_end|>")
        XCTAssertEqual(names.pad, "<|endoftext|>")
        let missing = Tokenizer.guessEOS(from: "/nonexistent/tokenizer_config.json")
        XCTAssertNil(missing.eos)
        XCTAssertNil(missing.pad)
    }

    func testResponseLogpsIds() throws {
        let tok = try load("qwen2-tiny")
        let entries = try XCTUnwrap(try tokLoadRef("qwen2-tiny")["response_logps"] as? [[String: Any]])
        XCTAssertFalse(entries.isEmpty)
        for e in entries {
            let prompt = try XCTUnwrap(e["prompt"] as? String)
            let response = try XCTUnwrap(e["response"] as? String)
            XCTAssertEqual(tok.encode(prompt), tokIntArray(e["prompt_ids"]), prompt.debugDescription)
            XCTAssertEqual(tok.encode(response), tokIntArray(e["response_ids"]), response.debugDescription)
        }
    }

    /// TRL appends eos to completions; the fixture's completion texts already end in
    /// "<|im_end|>", so encoding the text gives the ids with eos included.
    func testDPOTripleIds() throws {
        for model in ["qwen2-tiny", "llama-tiny"] {
            let tok = try load(model)
            let dpo = try XCTUnwrap(try tokLoadRef(model)["dpo"] as? [String: Any])
            let triples = try XCTUnwrap(dpo["triples"] as? [[String: Any]])
            XCTAssertEqual(triples.count, 4)
            for t in triples {
                XCTAssertEqual(tok.encode(try XCTUnwrap(t["prompt"] as? String)), tokIntArray(t["prompt_ids"]))
                for key in ["chosen", "rejected"] {
                    let text = try XCTUnwrap(t[key] as? String)
                    let expected = tokIntArray(t["\(key)_ids"])
                    XCTAssertEqual(expected.last, tok.eosTokenId, "fixture ids end with eos")
                    var got = tok.encode(text)
                    if !text.hasSuffix("<|im_end|>"), let eos = tok.eosTokenId { got.append(eos) }
                    XCTAssertEqual(got, expected, "\(model) \(key) \(text.debugDescription)")
                }
            }
        }
    }

    /// Generated ids cut UTF-8 sequences; decode must replace them with U+FFFD exactly as HF does.
    func testGenerationPromptsAndLossyDecode() throws {
        for model in ["qwen2-tiny", "llama-tiny"] {
            let tok = try load(model)
            let gens = try XCTUnwrap(try tokLoadRef(model)["generation"] as? [[String: Any]])
            XCTAssertFalse(gens.isEmpty)
            for g in gens {
                XCTAssertEqual(tok.encode(try XCTUnwrap(g["prompt"] as? String)), tokIntArray(g["prompt_ids"]))
                if let decoded = g["decoded"] as? String {
                    XCTAssertEqual(tok.decode(tokIntArray(g["hf_generate_fp32_new_ids"])), decoded, model)
                }
            }
        }
    }

    func testSkipSpecialTokens() throws {
        let tok = try load("qwen2-tiny")
        let ids = tok.encode("<|im_start|>user\nHi<|im_end|>")
        XCTAssertEqual(tok.decode(ids), "<|im_start|>user\nHi<|im_end|>")
        XCTAssertEqual(tok.decode(ids, skipSpecialTokens: true), "user\nHi")
        XCTAssertEqual(tok.decode([1823, 99_999, -1]), "<|im_end|>", "unknown ids are skipped")
    }

    func testBadFilesThrowPrefkitError() {
        XCTAssertThrowsError(try Tokenizer(path: "/nonexistent/tokenizer.json")) { e in
            XCTAssertTrue((e as? PrefkitError)?.message.contains("/nonexistent/tokenizer.json") ?? false)
        }
        XCTAssertThrowsError(try Tokenizer(jsonData: Array("{not json".utf8), source: "bad.json")) { e in
            XCTAssertTrue((e as? PrefkitError)?.message.contains("bad.json") ?? false)
        }
    }
}
