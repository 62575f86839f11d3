import Core
import XCTest

final class IOJSONLTests: XCTestCase {
    func testWriteAndReadBack() throws {
        let dir = try ioTempDir(self)
        let records: [JSONValue] = (0..<1000).map { ["id": .number(Double($0)), "text": "row \($0)\nwith newline"] }
        for name in ["out.jsonl", "out.jsonl.zst"] {
            let w = try JSONLWriter(path: dir + "/" + name)
            for r in records { try w.append(r) }
            XCTAssertFalse(ioListDir(dir).contains(name))  // invisible until commit
            try w.commit()
            let back = try JSONL.readAll(dir + "/" + name)
            XCTAssertEqual(back.map(\.record), records)
            XCTAssertEqual(back.map(\.line), Array(1...1000))
        }
        XCTAssertEqual(ioListDir(dir), ["out.jsonl", "out.jsonl.zst"])
        let raw = try ArtifactFile.readBytes(dir + "/out.jsonl")
        XCTAssertEqual(raw.filter { $0 == 0x0A }.count, 1000)
    }

    func testBlankLinesSkippedAndLineNumbersKept() throws {
        let dir = try ioTempDir(self)
        try ioWriteRaw(dir + "/b.jsonl", Array("{\"a\":1}\n\n   \r\n{\"a\":2}\r\n[3]".utf8))
        let back = try JSONL.readAll(dir + "/b.jsonl")
        XCTAssertEqual(back.map(\.line), [1, 4, 5])
        XCTAssertEqual(back.map(\.record), [["a": 1], ["a": 2], [3]])
    }

    func testMalformedLineNamesFileAndLine() throws {
        let dir = try ioTempDir(self)
        let path = dir + "/bad.jsonl"
        try ioWriteRaw(path, Array("{\"a\":1}\n{\"a\":2}\n{bad}\n{\"a\":4}\n".utf8))
        var seen: [Int] = []
        ioAssertThrows(try JSONL.forEachRecord(path) { line, _ in seen.append(line) }, "\(path):3: ", "expected a string key")
        XCTAssertEqual(seen, [1, 2])
        try ioWriteRaw(path, Array("{\"a\":1} trailing\n".utf8))
        ioAssertThrows(try JSONL.readAll(path), "\(path):1: ")
        ioAssertThrows(try JSONL.readAll(dir + "/missing.jsonl"), "missing.jsonl", "no such file")
    }

    func testBodyErrorPropagatesAndAbortLeavesNothing() throws {
        let dir = try ioTempDir(self)
        try JSONLWriter.write(dir + "/r.jsonl", records: [1, 2, 3])
        ioAssertThrows(try JSONL.forEachRecord(dir + "/r.jsonl") { line, _ in
            if line == 2 { throw PrefkitError("stop at 2") }
        }, "stop at 2")
        let w = try JSONLWriter(path: dir + "/aborted.jsonl")
        try w.append(["x": 1])
        w.abort()
        XCTAssertEqual(ioListDir(dir), ["r.jsonl"])
    }
}
