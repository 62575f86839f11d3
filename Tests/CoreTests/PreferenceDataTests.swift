import XCTest
import Foundation
import Core

final class PreferenceDataTests: XCTestCase {
    func write(_ lines: [String]) -> String {
        let p = NSTemporaryDirectory() + "prefkit-prefs-\(getpid())-\(UUID().uuidString).jsonl"
        _ = FileManager.default.createFile(atPath: p, contents: Data(lines.joined(separator: "\n").utf8))
        return p
    }
    lazy var tok = try! Tokenizer(path: fixturesDir() + "/qwen2-tiny/tokenizer.json")

    /// The fixture's DPO triples tokenize to TRL's ids (eos appended once).
    func testFixtureTriplesTokenizeLikeTRL() throws {
        let d = loadJSON(fixturesDir() + "/qwen2-tiny/ref.json")["dpo"] as! [String: Any]
        let triples = d["triples"] as! [[String: Any]]
        let lines = triples.map { t -> String in
            let o: [String: Any] = ["prompt": t["prompt"]!, "chosen": t["chosen"]!, "rejected": t["rejected"]!]
            return String(data: try! JSONSerialization.data(withJSONObject: o), encoding: .utf8)!
        }
        let path = write(lines)
        let (pairs, report) = try PreferenceData.load(path, tokenizer: tok, eos: 1823, options: PreferenceLoadOptions())
        XCTAssertEqual(report.used, triples.count)
        for (p, t) in zip(pairs, triples) {
            XCTAssertEqual(p.prompt, ints(t["prompt_ids"]))
            XCTAssertEqual(p.chosen, ints(t["chosen_ids"]))
            XCTAssertEqual(p.rejected, ints(t["rejected_ids"]))
        }
        // Plain completions get eos appended.
        let (plain, _) = try PreferenceData.load(write([#"{"prompt":"Q","chosen":" yes","rejected":" no"}"#]),
                                                 tokenizer: tok, eos: 1823, options: PreferenceLoadOptions())
        XCTAssertEqual(plain[0].chosen, tok.encode(" yes") + [1823])
    }

    func testFormats() throws {
        let path = write([
            #"{"prompt":"Hi","chosen":" a","rejected":" b","margin":0.5,"gold_chosen":1,"gold_rejected":-1}"#,
            #"{"prompt":[{"role":"user","content":"Hi"}],"chosen":[{"role":"assistant","content":"a"}],"rejected":[{"role":"assistant","content":"b"}]}"#,
            #"{"chosen":"\n\nHuman: hi\n\nAssistant: good day","rejected":"\n\nHuman: hi\n\nAssistant: go away"}"#,
            #"{"prompt":"p","response_0":"r0","response_1":"r1","better_response_id":1,"safer_response_id":0}"#,
        ])
        var o = PreferenceLoadOptions()
        o.chat = .forced(.chatml)
        let (pairs, _) = try PreferenceData.load(path, tokenizer: tok, eos: 1823, options: o)
        XCTAssertEqual(pairs.count, 4)
        XCTAssertEqual(pairs[0].margin, 0.5); XCTAssertEqual(pairs[0].goldChosen, 1); XCTAssertEqual(pairs[0].goldRejected, -1)
        // promptText is the prompt as written (a conversation's contents); the ids carry the template.
        XCTAssertEqual(pairs[0].promptText, "Hi")
        let head = tok.encode("<|im_start|>user\nHi<|im_end|>")
        XCTAssertEqual(Array(pairs[0].prompt.prefix(head.count)), head)
        XCTAssertEqual(pairs[1].promptText, pairs[0].promptText)
        XCTAssertEqual(pairs[1].chosenText, "a")
        XCTAssertEqual(pairs[2].promptText, "\n\nHuman: hi\n\nAssistant: go")
        XCTAssertEqual(pairs[2].chosenText, "od day"); XCTAssertEqual(pairs[2].rejectedText, " away")
        XCTAssertEqual(pairs[3].chosenText, "r1"); XCTAssertEqual(pairs[3].rejectedText, "r0")
        o.preference = .safer
        let (safer, _) = try PreferenceData.load(path, tokenizer: tok, eos: 1823, options: o)
        XCTAssertEqual(safer[3].chosenText, "r0")
    }

    func testSharedPrefixKeepsSpaceWithResponses() {
        let (p, a, b) = RecordFormats.splitSharedPrefix("Q: x A: yes please", "Q: x A: no")
        XCTAssertEqual(p, "Q: x A:"); XCTAssertEqual(a, " yes please"); XCTAssertEqual(b, " no")
    }

    func testBadRecordsNameFileAndLine() throws {
        let path = write([#"{"prompt":"a","chosen":"x","rejected":"y"}"#, #"{"prompt":"a","chosen":3,"rejected":"y"}"#,
                          #"{"prompt":"a","chosen":"same","rejected":"same"}"#])
        XCTAssertThrowsError(try PreferenceData.load(path, tokenizer: tok, eos: 1823, options: PreferenceLoadOptions())) { e in
            XCTAssert("\(e)".contains("\(path):2"), "\(e)")
        }
        var o = PreferenceLoadOptions()
        o.policy = .skip
        let (pairs, report) = try PreferenceData.load(path, tokenizer: tok, eos: 1823, options: o)
        XCTAssertEqual(pairs.count, 1); XCTAssertEqual(report.skipped, 2)
        XCTAssertThrowsError(try PreferenceData.load(write([]), tokenizer: tok, eos: 1823, options: o)) { e in
            XCTAssert("\(e)".contains("no records"), "\(e)")
        }
    }

    func testTruncationModes() {
        var t = TruncationOptions()
        t.maxLength = 5
        t.mode = .keepEnd
        XCTAssertEqual(t.apply(prompt: [1, 2, 3, 4], completion: [5, 6, 7])!.prompt, [3, 4])
        t.mode = .keepStart
        let ks = t.apply(prompt: [1, 2, 3, 4], completion: [5, 6, 7])!
        XCTAssertEqual(ks.prompt, [1, 2, 3, 4]); XCTAssertEqual(ks.completion, [5]); XCTAssertTrue(ks.cut)
        XCTAssertNil(t.apply(prompt: [1, 2, 3, 4, 5], completion: [6]))
        t.maxLength = nil; t.maxPromptLength = 2; t.maxCompletionLength = 1; t.mode = .keepEnd
        let caps = t.apply(prompt: [1, 2, 3], completion: [4, 5])!
        XCTAssertEqual(caps.prompt, [2, 3]); XCTAssertEqual(caps.completion, [4])
    }
}
