import Core
import Foundation
import XCTest

/// The repository's Tests/Fixtures folder, found by walking up from this
/// source file so it works wherever the test target lives.
func ioFixturesDir(file: StaticString = #filePath) -> String {
    let fm = FileManager.default
    var dir = URL(fileURLWithPath: "\(file)").deletingLastPathComponent()
    while dir.path != "/" {
        let candidate = dir.appendingPathComponent("Tests/Fixtures")
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: candidate.path, isDirectory: &isDir), isDir.boolValue {
            return candidate.path
        }
        dir = dir.deletingLastPathComponent()
    }
    return "/work/main/Tests/Fixtures"
}

/// A fresh empty directory, removed when the test finishes.
func ioTempDir(_ test: XCTestCase) throws -> String {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("prefkit-io-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url.path
}

func ioListDir(_ path: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
}

func ioWriteRaw(_ path: String, _ bytes: [UInt8]) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

/// Asserts that `body` throws a PrefkitError whose message contains every fragment.
func ioAssertThrows<T>(_ body: @autoclosure () throws -> T, _ fragments: String...,
                       file: StaticString = #filePath, line: UInt = #line) {
    do {
        _ = try body()
        XCTFail("expected an error containing \(fragments)", file: file, line: line)
    } catch let error as PrefkitError {
        for fragment in fragments where !error.message.contains(fragment) {
            XCTFail("error \"\(error.message)\" does not contain \"\(fragment)\"", file: file, line: line)
        }
    } catch {
        XCTFail("expected PrefkitError, got \(error)", file: file, line: line)
    }
}

/// Deterministic pseudo-random bytes (poorly compressible).
func ioNoise(_ count: Int, seed: UInt64 = 42) -> [UInt8] {
    var state = seed
    return (0..<count).map { _ in
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return UInt8(truncatingIfNeeded: state >> 33)
    }
}

/// The records of any data file (JSONL, Parquet, Arrow) through the stages' one record loop.
func ioRecords(_ path: String) throws -> [JSONValue] {
    var out: [JSONValue] = []
    try JSONL.forEachLine(path) { _, _, parsed in
        if case .record(let r) = parsed { out.append(r) }
    }
    return out
}
