import Core
import Foundation
import XCTest

/// A stage that fails on its input leaves nothing under its output names, so a later stage
/// (or a person) never mistakes a failed run's directory for a result.
final class FailedStageOutputTests: XCTestCase {
    let fx = fixturesDir() + "/qwen2-tiny"
    let products = ["model.safetensors", "adapter_model.safetensors", "adapter_config.json", "config.json", "prefkit.json"]

    func assertNoProducts(_ out: String, file: StaticString = #filePath, line: UInt = #line) {
        let left = StageCLI.files(out)
        for p in products { XCTAssertFalse(left.contains(p), "\(out) holds \(p) after a failed run: \(left)", file: file, line: line) }
    }

    func badData(_ dir: String) throws -> String {
        let path = dir + "/bad.jsonl"
        try ioWriteRaw(path, Array(#"{"prompt":"p","chosen":"c","rejected":"r","completion":"c"}"#.utf8) + [0x0A] + Array(#"{"prompt":"p","chosen":"#.utf8) + [0xFF, 0x0A])
        return path
    }

    func testSFTTrainOnBadDataLeavesNoModel() throws {
        let dir = try ioTempDir(self), data = try badData(dir)
        let (rc, out) = try StageCLI.run("sft-train", ["--init-config", "nano", "--data", data, "--vocab-size", "300", "--out", dir + "/out", "--max-steps", "1", "--quiet"])
        XCTAssertEqual(rc, 1, out)
        XCTAssert(out.contains("\(data):2:") && out.contains("--on-bad-record skip"), out)
        assertNoProducts(dir + "/out")
        // With skip the bad line is counted and reported, and training goes on.
        let (rc2, out2) = try StageCLI.run("sft-train", ["--init-config", "nano", "--data", data, "--vocab-size", "300", "--out", dir + "/out2",
                                                        "--max-steps", "1", "--on-bad-record", "skip"])
        XCTAssertEqual(rc2, 0, out2)
        XCTAssert(out2.contains("1 of 2 records used") && out2.contains("1 bad records skipped (first: \(data):2:"), out2)
    }

    func testDPOTrainOnBadDataLeavesNoModel() throws {
        let dir = try ioTempDir(self), data = try badData(dir)
        for lora in [[], ["--lora-r", "2"]] {
            let out = dir + "/out\(lora.count)"
            let (rc, text) = try StageCLI.run("dpo-train", ["--model", fx, "--data", data, "--out", out, "--max-steps", "1", "--quiet"] + lora)
            XCTAssertEqual(rc, 1, text)
            XCTAssert(text.contains("\(data):2: not a JSON record"), text)
            assertNoProducts(out)
        }
        let empty = dir + "/empty.jsonl"
        try ioWriteRaw(empty, [])
        let (rc, text) = try StageCLI.run("dpo-train", ["--model", fx, "--data", empty, "--out", dir + "/out-empty", "--max-steps", "1", "--quiet"])
        XCTAssertEqual(rc, 1, text)
        XCTAssert(text.contains("\(empty): no records: nothing to do"), text)
        assertNoProducts(dir + "/out-empty")
    }

    func testRMScoreOnBadDataWritesNoScores() throws {
        let dir = try ioTempDir(self), data = try badData(dir)
        let (rc, text) = try StageCLI.run("rm-score", ["--model", fx + "/reward", "--data", data, "--out", dir + "/scores.jsonl", "--quiet"])
        XCTAssertEqual(rc, 1, text)
        XCTAssert(text.contains("\(data):2:"), text)
        XCTAssertEqual(ioListDir(dir), ["bad.jsonl"])
    }
}
