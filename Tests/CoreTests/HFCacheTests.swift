import Core
import Foundation
import XCTest

/// `--model ORG/NAME[@REVISION]` against a fake Hugging Face cache built here (the layout
/// huggingface_hub writes: refs/REVISION → commit, snapshots/COMMIT/ with links to blobs).
final class HFCacheTests: XCTestCase {
    let fixture = fixturesDir() + "/qwen2-tiny"
    let commit = String(repeating: "ab", count: 20)

    /// HF_HOME with models--acme--tiny at `commit`, reachable as main and as v1.
    func fakeCache() throws -> String {
        let home = try ioTempDir(self)
        let base = home + "/hub/models--acme--tiny"
        let snapshot = base + "/snapshots/" + commit
        try FileManager.default.createDirectory(atPath: snapshot, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: base + "/refs", withIntermediateDirectories: true)
        for f in ["config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"] {
            try FileManager.default.createSymbolicLink(atPath: snapshot + "/" + f, withDestinationPath: fixture + "/" + f)
        }
        try ArtifactFile.writeAtomically(base + "/refs/main", string: commit, compress: false)
        try ArtifactFile.writeAtomically(base + "/refs/v1", string: commit + "\n", compress: false)
        return home
    }

    func testResolvesRepoIdsRevisionsAndDirectories() throws {
        let home = try fakeCache()
        let env = ["HF_HOME": home]
        let snapshot = home + "/hub/models--acme--tiny/snapshots/" + commit
        XCTAssertEqual(try HFCache.resolveModel("acme/tiny", env: env), snapshot)
        XCTAssertEqual(try HFCache.resolveModel("acme/tiny@v1", env: env), snapshot)
        XCTAssertEqual(try HFCache.resolveModel("acme/tiny@" + commit, env: env), snapshot)
        XCTAssertEqual(try HFCache.resolveModel(fixture, env: env), fixture, "a directory stays itself")
        XCTAssertEqual(try HFCache.resolveModel("acme/tiny", env: ["HF_HUB_CACHE": home + "/hub"]), snapshot, "HF_HUB_CACHE wins")
        XCTAssertThrowsError(try HFCache.resolveModel("acme/none", env: env)) { e in
            XCTAssert("\(e)".contains("hf download acme/none") && "\(e)".contains(home + "/hub"), "\(e)")
        }
        XCTAssertThrowsError(try HFCache.resolveModel("acme/tiny@v2", env: env)) { e in
            XCTAssert("\(e)".contains("no revision v2") && "\(e)".contains("--revision v2"), "\(e)")
        }
        let md = try ModelDirectory.load(try HFCache.resolveModel("acme/tiny", env: env))
        XCTAssertEqual(md.model.config.vocabSize, 1824)
    }

    /// A stage takes the repo id as --model, with the cache found through HF_HOME.
    func testStageLoadsFromTheCache() throws {
        let home = try fakeCache()
        let dir = try ioTempDir(self)
        try ArtifactFile.writeAtomically(dir + "/p.jsonl", string: "{\"id\":\"a\",\"prompt\":\"Hello\"}\n", compress: false)
        var (rc, out) = try StageCLI.run("generate", ["--model", "acme/tiny", "--prompts", dir + "/p.jsonl", "--out", dir + "/g.jsonl",
                                                      "--temperature", "0", "--max-new-tokens", "4"], env: ["HF_HOME": home])
        XCTAssertEqual(rc, 0, out)
        XCTAssertEqual(try JSONL.readAll(dir + "/g.jsonl").count, 1)
        (rc, out) = try StageCLI.run("generate", ["--model", "acme/missing", "--prompts", dir + "/p.jsonl", "--out", dir + "/h.jsonl"],
                                     env: ["HF_HOME": home])
        XCTAssertEqual(rc, 1, out)
        XCTAssert(out.contains("hf download acme/missing"), out)
    }
}
