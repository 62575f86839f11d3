import Core
import XCTest

final class IOArtifactFileTests: XCTestCase {
    func testWriteAndReadPlainAndCompressed() throws {
        let dir = try ioTempDir(self)
        let data = Array(String(repeating: "prefkit ", count: 5000).utf8)
        try ArtifactFile.writeAtomically(dir + "/a/b/plain.bin", bytes: data)
        try ArtifactFile.writeAtomically(dir + "/packed.bin.zst", bytes: data)
        try ArtifactFile.writeAtomically(dir + "/forced.bin", bytes: data, compress: true)
        XCTAssertEqual(try ArtifactFile.readBytes(dir + "/a/b/plain.bin"), data)
        XCTAssertEqual(try ArtifactFile.readBytes(dir + "/packed.bin.zst"), data)
        XCTAssertEqual(try ArtifactFile.readBytes(dir + "/forced.bin"), data)
        XCTAssertEqual(Array(try ArtifactFile.readRaw(dir + "/packed.bin.zst").prefix(4)), Zstd.magic)
        XCTAssertLessThan(try ArtifactFile.readRaw(dir + "/packed.bin.zst").count, data.count / 10)
        XCTAssertEqual(try ArtifactFile.readRaw(dir + "/a/b/plain.bin"), data)
        XCTAssertEqual(ioListDir(dir), ["a", "forced.bin", "packed.bin.zst"])
        try ArtifactFile.writeAtomically(dir + "/empty", bytes: [])
        XCTAssertEqual(try ArtifactFile.readBytes(dir + "/empty"), [])
    }

    func testOverwriteReplacesContent() throws {
        let dir = try ioTempDir(self)
        try ArtifactFile.writeAtomically(dir + "/f", bytes: [1, 2, 3])
        try ArtifactFile.writeAtomically(dir + "/f", bytes: [4])
        XCTAssertEqual(try ArtifactFile.readBytes(dir + "/f"), [4])
        XCTAssertEqual(ioListDir(dir), ["f"])
    }

    func testMissingFileAndDirectoryRefused() throws {
        let dir = try ioTempDir(self)
        ioAssertThrows(try ArtifactFile.readBytes(dir + "/nope.bin"), dir + "/nope.bin", "no such file")
        ioAssertThrows(try ArtifactFile.readBytes(dir), dir, "is a directory")
    }

    func testFailureLeavesNothingBehind() throws {
        let dir = try ioTempDir(self)
        try ioWriteRaw(dir + "/file.txt", [1])
        // Parent "directory" is a regular file.
        ioAssertThrows(try ArtifactFile.writeAtomically(dir + "/file.txt/out.bin", bytes: [1, 2]), dir + "/file.txt/out.bin")
        ioAssertThrows(try ArtifactFile.writeAtomically(dir + "/file.txt/sub/out.bin", bytes: [1, 2]), "cannot create directory")
        // Final name is an existing directory: the rename fails after the data was written.
        try FileManager.default.createDirectory(atPath: dir + "/taken", withIntermediateDirectories: false)
        ioAssertThrows(try ArtifactFile.writeAtomically(dir + "/taken", bytes: ioNoise(10_000)), dir + "/taken", "rename")
        XCTAssertEqual(ioListDir(dir), ["file.txt", "taken"])
        XCTAssertEqual(ioListDir(dir + "/taken"), [])
    }

    func testWriterAbortDeinitAndMisuse() throws {
        let dir = try ioTempDir(self)
        let w = try ArtifactWriter(path: dir + "/aborted.zst")
        try w.write("some text")
        w.abort()
        w.abort()
        ioAssertThrows(try w.write("more"), "aborted.zst")
        do {
            let dropped = try ArtifactWriter(path: dir + "/dropped.bin")
            try dropped.write([1, 2, 3])
        }
        XCTAssertEqual(ioListDir(dir), [])

        let ok = try ArtifactWriter(path: dir + "/ok.txt")
        try ok.write("line one\n")
        try ok.write(Array("line two\n".utf8))
        try ioNoise(2 << 20).withUnsafeBytes { try ok.write($0) }  // larger than the staging buffer
        try ok.commit()
        ioAssertThrows(try ok.write("late"), "ok.txt")
        ioAssertThrows(try ok.commit(), "ok.txt")
        let back = try ArtifactFile.readBytes(dir + "/ok.txt")
        XCTAssertEqual(Array(back.prefix(18)), Array("line one\nline two\n".utf8))
        XCTAssertEqual(Array(back.dropFirst(18)), ioNoise(2 << 20))
        XCTAssertEqual(ioListDir(dir), ["ok.txt"])
    }
}
