import Core
import Foundation
import XCTest

/// The `tokenize` stage on every tokenizer family fixture: ids equal HF's with and
/// without special tokens, one-off --text, messages, and bad input named by line.
final class TokenizeCLITests: XCTestCase {
    private var dir = ""

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "prefkit-tokenize-\(getpid())-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: dir)
    }

    private func write(_ lines: [JSONValue], to path: String) throws {
        let text = lines.map { $0.serialized() + "\n" }.joined()
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    func testEveryFamilyThroughTheStage() throws {
        for family in TokenizerFamilyTests.families {
            let cases = try TokenizerFamilyTests.cases(family)
            let input = dir + "/\(family).jsonl"
            try write(cases.enumerated().map { i, c in
                .object([("id", .number(Double(i))), ("text", .string(c["text"] as? String ?? ""))])
            }, to: input)
            // A copy of only the tokenizer files: no config.json or weights needed.
            let model = dir + "/model-\(family)"
            try FileManager.default.createDirectory(atPath: model, withIntermediateDirectories: true)
            for name in ["tokenizer.json", "tokenizer_config.json"] {
                try FileManager.default.copyItem(atPath: TokenizerFamilyTests.folder(family) + "/" + name, toPath: model + "/" + name)
            }
            for special in [true, false] {
                let out = dir + "/\(family)-\(special).jsonl"
                var args = ["--model", model, "--data", input, "--out", out]
                if !special {
                    args.append("--no-special-tokens")
                }
                let (status, log) = try StageCLI.run("tokenize", args)
                XCTAssertEqual(status, 0, log)
                let records = try JSONL.readAll(out)
                XCTAssertEqual(records.count, cases.count, family)
                var equal = 0
                for (r, c) in zip(records, cases) {
                    let ids = (r.record["ids"]?.arrayValue ?? []).compactMap(\.intValue)
                    let expected = tokIntArray(c[special ? "ids_with_special" : "ids"])
                    XCTAssertEqual(ids, expected, "\(family) \(String(describing: c["text"]))")
                    XCTAssertEqual(r.record["tokens"]?.arrayValue?.count, expected.count)
                    if ids == expected {
                        equal += 1
                    }
                }
                print("tokenize stage \(family) special=\(special): ids equal \(equal)/\(cases.count)")
            }
        }
    }

    func testOneOffTextAndMessages() throws {
        let model = TokenizerFamilyTests.folder("llama3")
        let tok = try Tokenizer(path: model + "/tokenizer.json")
        let (status, log) = try StageCLI.run("tokenize", ["--model", model, "--text", "Hello world"])
        XCTAssertEqual(status, 0, log)
        let line = try XCTUnwrap(log.split(separator: "\n").first { $0.hasPrefix("{") })
        let rec = try JSONValue.parse(Array(line.utf8), source: "stdout")
        XCTAssertEqual((rec["ids"]?.arrayValue ?? []).compactMap(\.intValue), tok.encode("Hello world", addSpecialTokens: true))

        let input = dir + "/messages.jsonl"
        let messages: JSONValue = .array([
            .object([("role", .string("user")), ("content", .string("Hi"))]),
            .object([("role", .string("assistant")), ("content", .string("Hello"))]),
        ])
        try write([.object([("id", .string("m1")), ("messages", messages)])], to: input)
        let out = dir + "/messages-out.jsonl"
        let (s2, log2) = try StageCLI.run("tokenize", ["--model", model, "--data", input, "--out", out, "--template", "qa"])
        XCTAssertEqual(s2, 0, log2)
        let r = try XCTUnwrap(try JSONL.readAll(out).first?.record)
        XCTAssertEqual(r["id"]?.stringValue, "m1")
        let rendered = PromptTemplate.qa.formatMessages([("user", "Hi"), ("assistant", "Hello")], addGenerationPrompt: false)
        XCTAssertEqual((r["ids"]?.arrayValue ?? []).compactMap(\.intValue), tok.encode(rendered, addSpecialTokens: true))
    }

    func testBadInputNamesFileAndLine() throws {
        let input = dir + "/bad.jsonl"
        try Data("{\"id\": 1, \"text\": \"fine\"}\n{\"id\": 2, \"txt\": \"typo\"}\n".utf8).write(to: URL(fileURLWithPath: input))
        let out = dir + "/bad-out.jsonl"
        let (status, log) = try StageCLI.run("tokenize", ["--model", TokenizerFamilyTests.folder("gemma3"), "--data", input, "--out", out])
        XCTAssertEqual(status, 1, log)
        XCTAssertTrue(log.contains("bad.jsonl:2"), log)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out), "a failed run leaves no output")
        let (s2, log2) = try StageCLI.run("tokenize", ["--model", dir, "--text", "x"])
        XCTAssertEqual(s2, 1, log2)
        XCTAssertTrue(log2.contains("no tokenizer.json"), log2)
    }
}
