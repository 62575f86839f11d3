import Core
import Foundation
import XCTest

/// `--data` as a glob of shards or hf:ORG/NAME[:SPLIT] from a fake Hugging Face cache: the
/// records are the shards' in sorted order, locations name the real file, ids made from line
/// numbers stay unique across shards, and a split the cache holds as Arrow (as `datasets`
/// writes it) is read like the others.
final class DataFilesTests: XCTestCase {
    var examples: String {
        var root = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { root.deleteLastPathComponent() }
        return root.appendingPathComponent("examples").path
    }

    /// examples/prefs.jsonl without ids, split in two shards (the second gzip-compressed).
    func shards(_ dir: String) throws -> [String] {
        let lines = try JSONL.readAll(examples + "/prefs.jsonl").map { r -> String in
            guard case .object(let f) = r.record else { return "" }
            return JSONValue.object(f.filter { $0.0 != "id" }).serialized()
        }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let a = dir + "/train-00000-of-00002.jsonl", b = dir + "/train-00001-of-00002.jsonl.gz"
        try ArtifactFile.writeAtomically(a, string: lines[..<5].joined(separator: "\n") + "\n", compress: false)
        let gz = try GzipInputTests.gzip(Array((lines[5...].joined(separator: "\n") + "\n").utf8), scratch: dir)
        try ArtifactFile.writeAtomically(b, bytes: gz, compress: false)
        return [a, b]
    }

    func testGlobReadsShardsInOrder() throws {
        let dir = try ioTempDir(self)
        let files = try shards(dir + "/data")
        XCTAssertEqual(try DataFiles.resolve(dir + "/data/train-*"), files)
        let tok = FuzzSeeds.tokenizer
        let (plain, _) = try PreferenceData.load(examples + "/prefs.jsonl", tokenizer: tok, eos: 0, options: PreferenceLoadOptions())
        let (sharded, report) = try PreferenceData.load(dir + "/data/train-*", tokenizer: tok, eos: 0, options: PreferenceLoadOptions())
        XCTAssertEqual(report.records, 12)
        XCTAssertEqual(sharded.map(\.chosen), plain.map(\.chosen), "both shards, in order")
        XCTAssertEqual(Set(sharded.map(\.id)).count, 12, "line-number ids unique across shards (no duplicate-id refusals)")
        XCTAssertNotEqual(try Digest.ofFile(dir + "/data/train-*"), try Digest.ofFile(files[0]))
        XCTAssertThrowsError(try DataFiles.resolve(dir + "/data/test-*")) { e in XCTAssert("\(e)".contains("no files match"), "\(e)") }
        // A bad line in the second shard is located in that file.
        try ArtifactFile.writeAtomically(dir + "/data/train-00002-bad.jsonl", string: "{\"prompt\": \"p\"}\nnot json\n", compress: false)
        XCTAssertThrowsError(try PreferenceData.load(dir + "/data/train-*", tokenizer: tok, eos: 0, options: PreferenceLoadOptions())) { e in
            XCTAssert("\(e)".contains("train-00002-bad.jsonl:1"), "\(e)")
        }
    }

    func testHubDatasetSplits() throws {
        let home = try ioTempDir(self)
        let commit = String(repeating: "cd", count: 20)
        let base = home + "/hub/datasets--acme--prefs"
        let snap = base + "/snapshots/" + commit
        _ = try shards(snap + "/harmless-base")
        try FileManager.default.createDirectory(atPath: base + "/refs", withIntermediateDirectories: true)
        try ArtifactFile.writeAtomically(base + "/refs/main", string: commit, compress: false)
        try ArtifactFile.writeAtomically(snap + "/harmless-base/test.jsonl", string: "{\"prompt\":\"q\",\"chosen\":\"a\",\"rejected\":\"b\"}\n", compress: false)
        try FileManager.default.createDirectory(atPath: snap + "/data", withIntermediateDirectories: true)
        let arrow = snap + "/data/validation-00000-of-00001.arrow"
        try FileManager.default.copyItem(atPath: fixturesDir() + "/arrow/prefs-datasets.arrow", toPath: arrow)
        let env = ["HF_HOME": home]
        XCTAssertEqual(try DataFiles.resolve("hf:acme/prefs", env: env).count, 2, "train is the default split")
        XCTAssertEqual(try DataFiles.resolve("hf:acme/prefs:test", env: env), [snap + "/harmless-base/test.jsonl"])
        XCTAssertEqual(try DataFiles.resolve("hf:acme/prefs:validation", env: env), [arrow])
        XCTAssertThrowsError(try DataFiles.resolve("hf:acme/prefs:dev", env: env)) { e in
            XCTAssert("\(e)".contains("no dev files"), "\(e)")
        }
        XCTAssertThrowsError(try DataFiles.resolve("hf:acme/none", env: env)) { e in
            XCTAssert("\(e)".contains("hf download acme/none --repo-type dataset"), "\(e)")
        }
        // Through a stage, with the cache found via HF_HOME.
        let out = try ioTempDir(self)
        let (rc, log) = try StageCLI.run("rm-score", ["--model", fixturesDir() + "/qwen2-tiny/reward", "--data", "hf:acme/prefs:train",
                                                      "--out", out + "/s.jsonl", "--quiet"], env: ["HF_HOME": home])
        XCTAssertEqual(rc, 0, log)
        XCTAssertEqual(try JSONL.readAll(out + "/s.jsonl").count, 24, "12 pairs, both sides")
        // The Arrow split through the same stage: 13 rows, one with an empty response (skipped).
        let (rc2, log2) = try StageCLI.run("rm-score", ["--model", fixturesDir() + "/qwen2-tiny/reward", "--data", "hf:acme/prefs:validation",
                                                        "--out", out + "/v.jsonl", "--quiet", "--on-bad-record", "skip"], env: ["HF_HOME": home])
        XCTAssertEqual(rc2, 0, log2)
        XCTAssertEqual(try JSONL.readAll(out + "/v.jsonl").count, 24, "12 usable pairs of 13, both sides")
    }
}
