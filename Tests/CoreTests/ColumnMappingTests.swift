import Core
import Foundation
import XCTest

/// `--columns FIELD=COLUMN,…`: renamed columns give the same records as the standard names,
/// through every reader; a missing column is a bad record naming it; bad specs are refused.
final class ColumnMappingTests: XCTestCase {
    var examples: String {
        var root = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { root.deleteLastPathComponent() }
        return root.appendingPathComponent("examples").path
    }

    /// examples/prefs.jsonl with prompt/chosen/rejected renamed to question/response_a/response_b.
    func renamedPrefs(_ dir: String, dropColumnAtLine: Int? = nil) throws -> String {
        let lines = try JSONL.readAll(examples + "/prefs.jsonl").enumerated().map { i, r -> String in
            guard case .object(let f) = r.record else { return "" }
            let names = ["prompt": "question", "chosen": "response_a", "rejected": "response_b"]
            var renamed = f.map { (names[$0.0] ?? $0.0, $0.1) }
            if i + 1 == dropColumnAtLine { renamed.removeAll { $0.0 == "response_b" } }
            return JSONValue.object(renamed).serialized()
        }
        let path = dir + "/renamed-\(dropColumnAtLine ?? 0).jsonl"
        try ArtifactFile.writeAtomically(path, string: lines.joined(separator: "\n") + "\n", compress: false)
        return path
    }

    func testSpecsAreChecked() throws {
        let m = try ColumnMapping(parsing: "prompt=question, chosen=response_a,rejected=response_b")
        XCTAssertEqual(m.description, "prompt=question,chosen=response_a,rejected=response_b")
        for (spec, words) in [("prompt", "not FIELD=COLUMN"), ("prompts=q", "not a field"), ("prompt=a,prompt=b", "mapped twice"), ("=q", "not FIELD=COLUMN")] {
            XCTAssertThrowsError(try ColumnMapping(parsing: spec), spec) { e in XCTAssert("\(e)".contains(words), "\(spec): \(e)") }
        }
    }

    func testRenamedColumnsGiveTheSameRecords() throws {
        let dir = try ioTempDir(self)
        let tok = FuzzSeeds.tokenizer
        var o = PreferenceLoadOptions()
        let (plain, _) = try PreferenceData.load(examples + "/prefs.jsonl", tokenizer: tok, eos: 0, options: o)
        o.columns = try ColumnMapping(parsing: "prompt=question,chosen=response_a,rejected=response_b")
        let (mapped, _) = try PreferenceData.load(try renamedPrefs(dir), tokenizer: tok, eos: 0, options: o)
        XCTAssertEqual(mapped.map(\.prompt), plain.map(\.prompt))
        XCTAssertEqual(mapped.map(\.chosen), plain.map(\.chosen))
        XCTAssertEqual(mapped.map(\.rejected), plain.map(\.rejected))
        // Scoring input and KTO see the mapping too.
        let (samples, kind, _) = try ScoreInput.load(try renamedPrefs(dir), tokenizer: tok, eos: 0, preference: o, label: nil)
        XCTAssertEqual(kind, .pairs)
        XCTAssertEqual(samples.count, 24)
        XCTAssertEqual(try KTOData.load(try renamedPrefs(dir), tokenizer: tok, eos: 0, options: o).0.count, 24)
        // A record without a mapped column: refused naming it and file:line, or skipped.
        let holed = try renamedPrefs(dir, dropColumnAtLine: 3)
        XCTAssertThrowsError(try PreferenceData.load(holed, tokenizer: tok, eos: 0, options: o)) { e in
            XCTAssert("\(e)".contains(holed + ":3") && "\(e)".contains("no column \"response_b\""), "\(e)")
        }
        o.policy = .skip
        let (kept, report) = try PreferenceData.load(holed, tokenizer: tok, eos: 0, options: o)
        XCTAssertEqual(kept.count, 11)
        XCTAssertEqual(report.skipped, 1)
    }

    func testStagesTakeColumns() throws {
        let dir = try ioTempDir(self)
        let fx = fixturesDir() + "/qwen2-tiny"
        let prompts = try JSONL.readAll(examples + "/prompts.jsonl").map { r -> String in
            JSONValue.object([("uid", r.record["id"]!), ("question", r.record["prompt"]!)]).serialized()
        }
        try ArtifactFile.writeAtomically(dir + "/q.jsonl", string: prompts.joined(separator: "\n") + "\n", compress: false)
        var (rc, out) = try StageCLI.run("generate", ["--model", fx, "--prompts", dir + "/q.jsonl", "--columns", "prompt=question,id=uid",
                                                      "--out", dir + "/g.jsonl", "--temperature", "0", "--max-new-tokens", "3"])
        XCTAssertEqual(rc, 0, out)
        XCTAssertEqual(try JSONL.readAll(dir + "/g.jsonl").first?.record["id"]?.stringValue, "ex-0")
        (rc, out) = try StageCLI.run("rm-score", ["--model", fx + "/reward", "--data", try renamedPrefs(dir), "--out", dir + "/s.jsonl",
                                                  "--columns", "prompt=question,chosen=response_a,rejected=response_b", "--quiet"])
        XCTAssertEqual(rc, 0, out)
        (rc, out) = try StageCLI.run("rm-score", ["--model", fx + "/reward", "--data", try renamedPrefs(dir), "--out", dir + "/t.jsonl",
                                                  "--columns", "prompt=question,chosen"])
        XCTAssertEqual(rc, 64, out)
    }
}
