import Core
import XCTest

final class IOLineReaderTests: XCTestCase {
    private func lines(_ path: String) throws -> [(Int, String)] {
        let reader = try LineReader(path: path)
        var out: [(Int, String)] = []
        while let (n, bytes) = try reader.nextLine() { out.append((n, String(decoding: bytes, as: UTF8.self))) }
        XCTAssertNil(try reader.nextLine())
        return out
    }

    private func check(_ content: String, _ expected: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        let dir = try ioTempDir(self)
        try ioWriteRaw(dir + "/t.txt", Array(content.utf8))
        try ArtifactFile.writeAtomically(dir + "/t.txt.zst", bytes: Array(content.utf8))
        for path in [dir + "/t.txt", dir + "/t.txt.zst"] {
            let got = try lines(path)
            XCTAssertEqual(got.map(\.1), expected, path, file: file, line: line)
            XCTAssertEqual(got.map(\.0), expected.indices.map { $0 + 1 }, file: file, line: line)
        }
    }

    func testPlainAndCompressedSmallFiles() throws {
        try check("a\nbb\n\nccc\n", ["a", "bb", "", "ccc"])
        try check("no newline at end\nlast", ["no newline at end", "last"])
        try check("dos\r\nlines\r\n", ["dos", "lines"])
        try check("mixed\r\nunix\nend\r\n", ["mixed", "unix", "end"])
        try check("", [])
        try check("\n", [""])
        try check("x", ["x"])
    }

    func testManyLinesAcrossChunks() throws {
        let dir = try ioTempDir(self)
        var text = ""
        for i in 1...300_000 { text += "line number \(i)\n" }
        text += String(repeating: "L", count: 3 << 20)  // one line longer than a read chunk
        let bytes = Array(text.utf8)
        try ioWriteRaw(dir + "/big.txt", bytes)
        let w = try ArtifactWriter(path: dir + "/big.txt.zst")  // streamed: no content size in frame
        try w.write(bytes)
        try w.commit()
        for path in [dir + "/big.txt", dir + "/big.txt.zst"] {
            let reader = try LineReader(path: path)
            var count = 0
            var last: [UInt8] = []
            while let (n, line) = try reader.nextLine() {
                count += 1
                XCTAssertEqual(n, count)
                if n == 123_456 { XCTAssertEqual(String(decoding: line, as: UTF8.self), "line number 123456") }
                last = line
            }
            XCTAssertEqual(count, 300_001)
            XCTAssertEqual(last.count, 3 << 20)
        }
    }

    func testTruncatedZstdThrowsWhenReached() throws {
        let dir = try ioTempDir(self)
        var text = ""
        for i in 1...200_000 { text += "\(i) \(i * 7919 % 10007)\n" }
        let packed = try Zstd.compress(Array(text.utf8))
        let path = dir + "/cut.txt.zst"
        try ioWriteRaw(path, Array(packed.prefix(packed.count * 3 / 4)))
        let reader = try LineReader(path: path)
        var seen = 0
        do {
            while let (n, bytes) = try reader.nextLine() {
                seen = n
                XCTAssertEqual(String(decoding: bytes, as: UTF8.self), "\(n) \(n * 7919 % 10007)")
            }
            XCTFail("truncated stream read to the end")
        } catch let error as PrefkitError {
            XCTAssertEqual(error.message, "\(path): truncated zstd stream")
        }
        XCTAssertGreaterThan(seen, 1000)
        XCTAssertLessThan(seen, 200_000)
    }

    func testMissingFile() throws {
        ioAssertThrows(try LineReader(path: "/nonexistent/file.jsonl"), "/nonexistent/file.jsonl")
    }
}
