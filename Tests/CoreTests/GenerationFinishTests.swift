import XCTest
import Core

/// eos, stop strings and the length limit, on the greedy continuation HF gives for
/// "The quick brown fox" with qwen2-tiny.
final class GenerationFinishTests: XCTestCase {
    let m = fixturesDir() + "/qwen2-tiny"
    var ref: (prompt: [Int], ids: [Int]) {
        let g = (loadJSON(m + "/ref.json")["generation"] as! [[String: Any]])[1]
        return (ints(g["prompt_ids"]), ints(g["hf_generate_fp32_new_ids"]))
    }

    func run(eos: [Int], stop: [String] = [], maxNew: Int = 12) throws -> GeneratedSequence {
        let d = try ModelDirectory.load(m)
        var o = GenerationOptions()
        o.sampling = SamplingConfig(temperature: 0); o.maxNewTokens = maxNew; o.stopStrings = stop
        let g = try Generator(model: d.model, tokenizer: d.tokenizer, eosTokenIds: eos, options: o)
        return try g.generate([ref.prompt])[0]
    }

    func testEOSEndsTheResponseWithoutTheEOSToken() throws {
        let ids = ref.ids
        let r = try run(eos: [ids[3]])
        XCTAssertEqual(r.finishReason, .eos)
        XCTAssertEqual(r.tokens, Array(ids[0..<3]))
        XCTAssertEqual(r.steps, 4)
        let tok = try ModelDirectory.load(m).tokenizer
        XCTAssertEqual(r.text, tok.decode(Array(ids[0..<3])))
    }

    func testLengthLimit() throws {
        let r = try run(eos: [1823], maxNew: 5)
        XCTAssertEqual(r.finishReason, .length)
        XCTAssertEqual(r.tokens, Array(ref.ids[0..<5]))
    }

    func testStopStringCutsTheResponse() throws {
        let tok = try ModelDirectory.load(m).tokenizer
        let ids = ref.ids
        // A stop string that first appears with token 7 and starts inside the text before it.
        let before = tok.decode(Array(ids[0..<7])), upTo = tok.decode(Array(ids[0..<8]))
        let stop = String(upTo.suffix(2))
        XCTAssertFalse(before.contains(stop), "fixture text changed; pick another stop string")
        let r = try run(eos: [1823], stop: ["never-appears", stop])
        XCTAssertEqual(r.finishReason, .stop)
        XCTAssertEqual(r.tokens, Array(ids[0..<8]))
        XCTAssertEqual(r.text, String(upTo.dropLast(2)))
    }

    func testBadOptionsThrow() throws {
        let d = try ModelDirectory.load(m)
        var o = GenerationOptions()
        o.sampling = SamplingConfig(temperature: 1, topP: 1.5)
        XCTAssertThrowsError(try Generator(d, options: o))
        o = GenerationOptions(); o.maxNewTokens = 0
        XCTAssertThrowsError(try Generator(d, options: o))
        o = GenerationOptions(); o.stopStrings = ["x"]
        XCTAssertThrowsError(try Generator(model: d.model, tokenizer: nil, eosTokenIds: [1], options: o))
        XCTAssertThrowsError(try Generator(d, options: GenerationOptions()).generate([[]]))
    }
}
