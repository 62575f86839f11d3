import Core
import Foundation
import XCTest

/// Every kind of bad record, in every data reader: with the default policy (fail) the error names
/// file:line and what is wrong; with skip the record is counted and the rest is used.
/// Each table row is one good record followed by the case at line 2.
final class BadRecordTests: XCTestCase {
    struct Row {
        let name: String
        let line: [UInt8]
        /// Fragment of the fail-policy message (which also names path:2), or nil when the record is fine.
        let fails: String?
        /// Expected (used, skipped, truncated, dropped) under skip.
        let counts: (Int, Int, Int, Int)
    }

    static func row(_ name: String, _ line: String, fails: String?, _ counts: (Int, Int, Int, Int)) -> Row {
        Row(name: name, line: Array(line.utf8), fails: fails, counts: counts)
    }

    let tok = FuzzSeeds.tokenizer

    func write(_ rows: [UInt8]...) throws -> String {
        let path = try ioTempDir(self) + "/data.jsonl"
        try ioWriteRaw(path, rows.flatMap { $0 + [0x0A] })
        return path
    }

    func check(_ r: Row, good: String, load: (String, BadRecordPolicy) throws -> DataReport) throws {
        let path = try write(Array(good.utf8), r.line)
        if let fragment = r.fails {
            ioAssertThrows(try load(path, .fail), "\(path):2:", fragment, "--on-bad-record skip")
        } else {
            XCTAssertNoThrow(try load(path, .fail), r.name)
        }
        let rep = try load(path, .skip)
        let got = (rep.used, rep.skipped, rep.truncated, rep.droppedTooLong)
        XCTAssert(got == r.counts, "\(r.name): (used, skipped, truncated, dropped) \(got), expected \(r.counts); \(rep)")
        if r.counts.1 > 0 { XCTAssert(rep.description.contains("bad records skipped (first: \(path):2:"), "\(r.name): \(rep)") }
    }

    static let invalidUTF8: [UInt8] = Array(#"{"prompt":"p","chosen":"bad "#.utf8) + [0xFF, 0xFE] + Array(#"","rejected":"r"}"#.utf8)

    func testPreferenceDataRows() throws {
        let good = #"{"id":"a","prompt":"Rate it.","chosen":" Good.","rejected":" Bad."}"#
        let long = String(repeating: "very long prompt words ", count: 20)
        let rows: [Row] = [
            Self.row("missing field", #"{"prompt":"p","chosen":"c"}"#, fails: #""chosen" and "rejected" must be"#, (1, 1, 0, 0)),
            Self.row("wrong type", #"{"prompt":"p","chosen":5,"rejected":"r"}"#, fails: #""chosen" and "rejected" must be"#, (1, 1, 0, 0)),
            Self.row("prompt wrong type", #"{"prompt":3,"chosen":"c","rejected":"r"}"#, fails: #""prompt" is missing"#, (1, 1, 0, 0)),
            Self.row("empty string", #"{"prompt":"p","chosen":"","rejected":"r"}"#, fails: "empty chosen or rejected", (1, 1, 0, 0)),
            Self.row("chosen equals rejected", #"{"prompt":"p","chosen":"same","rejected":"same"}"#, fails: "chosen and rejected are the same text", (1, 1, 0, 0)),
            Row(name: "non-UTF-8", line: Self.invalidUTF8, fails: "invalid UTF-8", counts: (1, 1, 0, 0)),
            Self.row("not JSON", #"{"prompt":"p","chosen":"c""#, fails: "not a JSON record", (1, 1, 0, 0)),
            Self.row("not an object", "[1,2]", fails: "expected a JSON object", (1, 1, 0, 0)),
            Self.row("duplicate id", #"{"id":"a","prompt":"q","chosen":"x","rejected":"y"}"#, fails: #"duplicate id "a" (first at line 1)"#, (1, 1, 0, 0)),
            Self.row("margin not a number", #"{"prompt":"p","chosen":"c","rejected":"r","margin":"big"}"#, fails: #""margin" must be a number"#, (1, 1, 0, 0)),
            Self.row("pku bad label", #"{"prompt":"p","response_0":"a","response_1":"b","better_response_id":2}"#, fails: #""better_response_id" must be 0 or 1"#, (1, 1, 0, 0)),
            Self.row("prompt over max_length is cut", "{\"prompt\":\"\(long)\",\"chosen\":\" c\",\"rejected\":\" r\"}", fails: nil, (2, 0, 1, 0)),
        ]
        for r in rows {
            try check(r, good: good) { path, policy in
                var o = PreferenceLoadOptions()
                o.policy = policy
                o.truncation.maxLength = 24
                return try PreferenceData.load(path, tokenizer: tok, eos: 0, options: o).1
            }
        }
    }

    func testSFTDataRows() throws {
        let good = #"{"prompt":"Rate it.","completion":" Good."}"#
        let long = String(repeating: "very long prompt words ", count: 20)
        let rows: [Row] = [
            Self.row("missing field", #"{"prompt":"p"}"#, fails: #"expected {"prompt","completion"}"#, (1, 1, 0, 0)),
            Self.row("wrong type", #"{"text":5}"#, fails: #"expected {"prompt","completion"}"#, (1, 1, 0, 0)),
            Self.row("empty text", #"{"text":""}"#, fails: #"empty "text""#, (1, 1, 0, 0)),
            Self.row("empty completion", #"{"prompt":"p","completion":""}"#, fails: #"empty "completion""#, (1, 1, 0, 0)),
            Self.row("empty assistant turn", #"{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":""}]}"#, fails: "empty last assistant turn", (1, 1, 0, 0)),
            Self.row("no assistant turn", #"{"messages":[{"role":"user","content":"hi"}]}"#, fails: "must end with an assistant turn", (1, 1, 0, 0)),
            Row(name: "non-UTF-8", line: Array(#"{"text":"x"#.utf8) + [0xC0, 0xAF] + Array(#""}"#.utf8), fails: "invalid UTF-8", counts: (1, 1, 0, 0)),
            Self.row("not JSON", "{text}", fails: "not a JSON record", (1, 1, 0, 0)),
            Self.row("prompt over max_length is dropped", "{\"prompt\":\"\(long)\",\"completion\":\" c\"}", fails: nil, (1, 0, 1, 1)),
            Self.row("text over max_length is cut", "{\"text\":\"\(long)\"}", fails: nil, (2, 0, 1, 0)),
        ]
        for r in rows {
            try check(r, good: good) { path, policy in
                try SFTData.load(path, tokenizer: tok, chat: .forced(.plain), eos: 0, maxLength: 24, policy: policy).1
            }
        }
    }

    func testScoreInputRows() throws {
        let good = #"{"id":"g","prompt":"Rate it.","response":" Fine."}"#
        let long = String(repeating: "very long prompt words ", count: 20)
        let rows: [Row] = [
            Self.row("missing response", #"{"prompt":"p"}"#, fails: #"expected {"prompt","response"}"#, (1, 1, 0, 0)),
            Self.row("wrong type", #"{"prompt":"p","response":[1]}"#, fails: #"expected {"prompt","response"}"#, (1, 1, 0, 0)),
            Self.row("gold not a number", #"{"prompt":"p","response":"r","gold":"high"}"#, fails: #""gold" must be a number"#, (1, 1, 0, 0)),
            Row(name: "non-UTF-8", line: Array(#"{"prompt":"p","response":"r"#.utf8) + [0xED, 0xA0, 0x80] + Array(#""}"#.utf8), fails: "invalid UTF-8", counts: (1, 1, 0, 0)),
            Self.row("not JSON", "nope", fails: "not a JSON record", (1, 1, 0, 0)),
            Self.row("prompt over max_length is cut", "{\"prompt\":\"\(long)\",\"response\":\" r\"}", fails: nil, (2, 0, 1, 0)),
        ]
        for r in rows {
            try check(r, good: good) { path, policy in
                var o = PreferenceLoadOptions()
                o.policy = policy
                o.truncation.maxLength = 24
                return try ScoreInput.load(path, tokenizer: tok, eos: 0, preference: o, label: nil).2
            }
        }
        // A malformed first line does not hide that the file is preference data.
        let pairs = try write(Array("{oops".utf8), Array(#"{"prompt":"p","chosen":"c","rejected":"r"}"#.utf8))
        var o = PreferenceLoadOptions()
        o.policy = .skip
        XCTAssertEqual(try ScoreInput.load(pairs, tokenizer: tok, eos: 0, preference: o, label: nil).1, .pairs)
    }

    func testEmptyFilesAreRefused() throws {
        for content in [[UInt8](), Array("\n  \n".utf8)] {
            let path = try write(content)
            var o = PreferenceLoadOptions()
            for policy in BadRecordPolicy.allCases {
                o.policy = policy
                ioAssertThrows(try PreferenceData.load(path, tokenizer: tok, eos: 0, options: o), path, "no records: nothing to do")
                ioAssertThrows(try SFTData.load(path, tokenizer: tok, chat: .forced(.plain), eos: 0, maxLength: 8, policy: policy), path, "no records: nothing to do")
                ioAssertThrows(try ScoreInput.load(path, tokenizer: tok, eos: 0, preference: o, label: nil), path, "no records: nothing to do")
            }
        }
    }

    func testAllBadUnderSkipIsRefusedWithCounts() throws {
        let path = try write(Array("{bad".utf8), Array(#"{"prompt":"p","chosen":"x","rejected":"x"}"#.utf8))
        var o = PreferenceLoadOptions()
        o.policy = .skip
        ioAssertThrows(try PreferenceData.load(path, tokenizer: tok, eos: 0, options: o), path, "none of the 2 records is usable", "2 bad records skipped")
    }
}
