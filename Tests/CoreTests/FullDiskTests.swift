import Core
import Foundation
import XCTest

/// A full disk, made real with a tiny tmpfs (the tests skip where mounting is not allowed):
/// the write fails with an error naming the file and the cause, and nothing is left under the
/// final name or as a temporary file.
final class FullDiskTests: XCTestCase {
    func tinyDisk(kb: Int) throws -> String {
        let dir = try ioTempDir(self) + "/tiny"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/mount")
        p.arguments = ["-t", "tmpfs", "-o", "size=\(kb)k", "tmpfs", dir]
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { throw XCTSkip("no /bin/mount") }
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw XCTSkip("cannot mount a tmpfs here (needs root)") }
        addTeardownBlock {
            let u = Process()
            u.executableURL = URL(fileURLWithPath: "/bin/umount")
            u.arguments = [dir]
            try? u.run()
            u.waitUntilExit()
        }
        return dir
    }

    func testArtifactWritesOnAFullDiskLeaveNothing() throws {
        let disk = try tinyDisk(kb: 64)
        for name in ["big.bin", "big.jsonl.zst"] {
            let path = disk + "/" + name
            // Noise does not compress, so the .zst writer fills the disk as well.
            ioAssertThrows(try ArtifactFile.writeAtomically(path, bytes: ioNoise(256 * 1024)), path, "No space left on device")
            let w = try ArtifactWriter(path: path)
            ioAssertThrows(try { for k in 0..<8 { try w.write(ioNoise(64 * 1024, seed: UInt64(k))) }; try w.commit() }(),
                           path, "No space left on device")
            XCTAssertEqual(ioListDir(disk), [], "\(name): leftovers on the full disk")
        }
    }

    /// The nano model's weights (~450 kB) do not fit in 128 kB: sft-train must fail naming the file.
    func testSFTTrainOnAFullDiskFailsCleanly() throws {
        let disk = try tinyDisk(kb: 128)
        let data = try ioTempDir(self) + "/corpus.jsonl"
        try writeSFTCorpus(data, records: 8)
        let (rc, out) = try StageCLI.run("sft-train", ["--init-config", "nano", "--data", data, "--vocab-size", "300", "--max-length", "32",
                                                      "--max-steps", "2", "--out", disk + "/run", "--quiet"])
        XCTAssertEqual(rc, 1, out)
        XCTAssert(out.contains("model.safetensors") && out.contains("No space left on device"), out)
        XCTAssertFalse(out.contains("Fatal error"), out)
        let left = StageCLI.files(disk)
        XCTAssertFalse(left.contains("run/model.safetensors"), "\(left)")
        XCTAssert(left.allSatisfy { !$0.contains(".tmp") }, "temporary files left: \(left)")
    }
}
