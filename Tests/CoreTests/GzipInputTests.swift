import Core
import Foundation
import XCTest

/// `.jsonl.gz` input: the line reader streams gzip (one member or several, as `cat a.gz b.gz`
/// makes) exactly as the plain text, data readers give the same records, and truncated or
/// corrupt files are refused naming the file. The .gz files come from the system's gzip.
final class GzipInputTests: XCTestCase {
    /// gzip -c of `bytes` (Debian's essential gzip package).
    static func gzip(_ bytes: [UInt8], scratch: String) throws -> [UInt8] {
        let plain = scratch + "/gz-\(UUID().uuidString)"
        try ArtifactFile.writeAtomically(plain, bytes: bytes, compress: false)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/gzip")
        p.arguments = ["-kf", plain]
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw PrefkitError("gzip failed") }
        return try ArtifactFile.readRaw(plain + ".gz")
    }

    func lines(_ path: String) throws -> [[UInt8]] {
        let r = try LineReader(path: path)
        var out: [[UInt8]] = []
        while let (_, line) = try r.nextLine() { out.append(line) }
        return out
    }

    func testGzipStreamsLikePlainText() throws {
        let dir = try ioTempDir(self)
        // CRLF, an empty line, a 3 MiB line (several buffer refills), no final newline.
        let long = String(repeating: "kettle ", count: 450_000)
        let text = Array("first\r\n\nsecond {\"a\": 1}\n\(long)\nlast".utf8)
        let gz = try Self.gzip(text, scratch: dir)
        try ArtifactFile.writeAtomically(dir + "/a.txt", bytes: text, compress: false)
        try ArtifactFile.writeAtomically(dir + "/a.txt.gz", bytes: gz, compress: false)
        XCTAssertEqual(try lines(dir + "/a.txt.gz"), try lines(dir + "/a.txt"))
        // Two members back to back.
        let second = try Self.gzip(Array("\nmore\n".utf8), scratch: dir)
        try ArtifactFile.writeAtomically(dir + "/two.gz", bytes: gz + second, compress: false)
        XCTAssertEqual(try lines(dir + "/two.gz").map { String(decoding: $0, as: UTF8.self) }.suffix(2), ["last", "more"])
    }

    func testTruncatedAndCorruptGzipAreRefused() throws {
        let dir = try ioTempDir(self)
        let gz = try Self.gzip(Array(String(repeating: "{\"prompt\": \"p\"}\n", count: 200).utf8), scratch: dir)
        try ArtifactFile.writeAtomically(dir + "/cut.gz", bytes: Array(gz.prefix(gz.count / 2)), compress: false)
        XCTAssertThrowsError(try lines(dir + "/cut.gz")) { e in
            XCTAssert("\(e)".contains(dir + "/cut.gz") && "\(e)".contains("truncated gzip stream"), "\(e)")
        }
        var bad = gz
        bad[bad.count - 6] ^= 0xFF  // the CRC-32 in the trailer
        try ArtifactFile.writeAtomically(dir + "/crc.gz", bytes: bad, compress: false)
        XCTAssertThrowsError(try lines(dir + "/crc.gz")) { e in
            XCTAssert("\(e)".contains(dir + "/crc.gz") && "\(e)".contains("corrupt gzip stream"), "\(e)")
        }
    }

    /// Preference pairs from .jsonl.gz equal those from the same .jsonl.
    func testPreferenceDataFromGzip() throws {
        let dir = try ioTempDir(self)
        var root = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { root.deleteLastPathComponent() }
        let prefs = try ArtifactFile.readRaw(root.path + "/examples/prefs.jsonl")
        try ArtifactFile.writeAtomically(dir + "/prefs.jsonl.gz", bytes: try Self.gzip(prefs, scratch: dir), compress: false)
        let tok = FuzzSeeds.tokenizer
        let (plain, _) = try PreferenceData.load(root.path + "/examples/prefs.jsonl", tokenizer: tok, eos: 0, options: PreferenceLoadOptions())
        let (gz, _) = try PreferenceData.load(dir + "/prefs.jsonl.gz", tokenizer: tok, eos: 0, options: PreferenceLoadOptions())
        XCTAssertEqual(gz.count, 12)
        XCTAssertEqual(gz.map(\.prompt), plain.map(\.prompt))
        XCTAssertEqual(gz.map(\.chosen), plain.map(\.chosen))
        XCTAssertEqual(gz.map(\.rejected), plain.map(\.rejected))
    }
}
