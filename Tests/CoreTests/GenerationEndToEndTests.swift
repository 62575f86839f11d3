import XCTest
import Foundation
import Core

/// GenerateJob on the fixture model directory: a prompts file in, a .jsonl.zst out.
final class GenerationEndToEndTests: XCTestCase {
    let m = fixturesDir() + "/qwen2-tiny"
    var tmp = ""
    override func setUp() {
        tmp = NSTemporaryDirectory() + "prefkit-gen-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try? FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
    }
    override func tearDown() { try? FileManager.default.removeItem(atPath: tmp) }

    func writePrompts(_ lines: [String]) -> String {
        let p = tmp + "/prompts.jsonl"
        _ = FileManager.default.createFile(atPath: p, contents: Data((lines.joined(separator: "\n") + "\n").utf8))
        return p
    }

    func testSampledRunWritesRecordsInInputOrder() throws {
        let prompts = writePrompts([
            #"{"id": "a", "prompt": "Tell me a story.", "gold": 1.5}"#,
            #"{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "old"}], "topic": "x"}"#,
            #"{"prompt": "The quick brown fox", "seed": 99}"#,
        ])
        var o = GenerationOptions()
        o.sampling = SamplingConfig(temperature: 1, topK: 50, topP: 0.9)
        o.maxNewTokens = 8; o.samplesPerPrompt = 2; o.batchSize = 4; o.seed = 7
        let out = tmp + "/generations.jsonl.zst"
        var reports = 0
        let s = try GenerateJob(modelPath: m, promptsPath: prompts, outPath: out, options: o).run { _ in reports += 1 }
        XCTAssertEqual(s.sequences, 6)
        XCTAssertTrue(s.template.hasPrefix("text+jinja:"), "strings as text, conversations through the model's chat template: \(s.template)")
        XCTAssertEqual(reports, 2, "one progress report per batch")
        let head = [UInt8](FileManager.default.contents(atPath: out)!.prefix(4))
        XCTAssertEqual(head, [0x28, 0xB5, 0x2F, 0xFD], "zstd frame")
        let recs = try JSONL.readAll(out).map(\.record)
        XCTAssertEqual(recs.map { $0["id"]?.stringValue }, ["a", "a", "2", "2", "3", "3"])
        XCTAssertEqual(recs.map { $0["sample"]?.intValue }, [0, 1, 0, 1, 0, 1])
        XCTAssertEqual(recs[0]["gold"]?.doubleValue, 1.5)
        XCTAssertEqual(recs[2]["topic"]?.stringValue, "x")
        XCTAssertNil(recs[2]["messages"], "messages are the prompt, not an extra field")
        XCTAssertEqual(recs[2]["prompt"]?.arrayValue?.count, 1, "the assistant turn is dropped")
        XCTAssertEqual(recs[4]["seed"]?.intValue, 7, "the run's seed wins over a record field of that name")
        for r in recs {
            XCTAssertEqual(r["model"]?.stringValue, m)
            let n = r["n_tokens"]?.intValue ?? -1
            XCTAssert((0...8).contains(n))
            let reason = r["finish_reason"]?.stringValue
            XCTAssert(reason == "eos" || (reason == "length" && n == 8), "\(String(describing: reason)) \(n)")
            XCTAssertNotNil(r["response"]?.stringValue)
        }
    }

    /// Greedy through the whole stage (chatml template, tokenizer, cache, writer) gives the
    /// text of HF generate's tokens for the same rendered prompt.
    func testGreedyRunReproducesHF() throws {
        let g = (loadJSON(m + "/ref.json")["generation"] as! [[String: Any]])[0]
        let prompts = writePrompts([#"{"id": 1, "prompt": "Tell me a story."}"#])
        var o = GenerationOptions()
        o.sampling = SamplingConfig(temperature: 0); o.maxNewTokens = 12
        let out = tmp + "/g.jsonl"
        _ = try GenerateJob(modelPath: m, promptsPath: prompts, outPath: out, chat: .forced(.chatml), options: o).run()
        let r = try JSONL.readAll(out)[0].record
        let tok = try Tokenizer(path: m + "/tokenizer.json")
        XCTAssertEqual(tok.encode(PromptTemplate.chatml.formatPrompt("Tell me a story.")), ints(g["prompt_ids"]))
        XCTAssertEqual(r["response"]?.stringValue, tok.decode(ints(g["hf_generate_fp32_new_ids"])))
        XCTAssertEqual(r["n_tokens"]?.intValue, 12)
        XCTAssertEqual(r["finish_reason"]?.stringValue, "length")
        XCTAssertEqual(r["id"]?.intValue, 1)
        XCTAssertNil(r["sample"])
    }

    func testBadPromptRecordNamesFileAndLine() throws {
        let prompts = writePrompts([#"{"prompt": "ok"}"#, #"{"text": "no prompt"}"#])
        XCTAssertThrowsError(try GenerateJob(modelPath: m, promptsPath: prompts, outPath: tmp + "/x.jsonl").run()) { e in
            XCTAssert("\(e)".contains("prompts.jsonl:2"), "\(e)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: tmp + "/x.jsonl"))
    }
}
