import XCTest
import Foundation
import Core

/// rm-score through its command line on the fixture reward model: the scores of the 4 dpo
/// triples must reproduce the reference chosen/rejected scores.
final class RMScoreCLITests: XCTestCase {
    func testScoresFixturePairsThroughCLI() throws {
        let fx = fixturesDir() + "/qwen2-tiny"
        let ref = loadJSON(fx + "/ref.json")
        let r = ref["reward_model"] as! [String: Any]
        let triples = (ref["dpo"] as! [String: Any])["triples"] as! [[String: Any]]
        let dir = NSTemporaryDirectory() + "prefkit-rmscore-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let lines = triples.map { t in
            JSONValue.object([("prompt", .string(t["prompt"] as! String)), ("chosen", .string(t["chosen"] as! String)),
                              ("rejected", .string(t["rejected"] as! String))]).serialized()
        }
        try ArtifactFile.writeAtomically(dir + "/pairs.jsonl", string: lines.joined(separator: "\n") + "\n")
        let (rc, output) = try StageCLI.run("rm-score", ["--model", fx + "/reward", "--data", dir + "/pairs.jsonl", "--out", dir + "/scores.jsonl.zst",
                                         "--summary", dir + "/summary.json", "--batch-size", "3", "--quiet"])
        XCTAssertEqual(rc, 0, output)
        let recs = try JSONL.readAll(dir + "/scores.jsonl.zst").map(\.record)
        XCTAssertEqual(recs.count, 8)
        XCTAssertEqual(recs.map { $0["label"]!.stringValue! }, Array(repeating: ["chosen", "rejected"], count: 4).flatMap { $0 })
        let chosen = recs.filter { $0["label"]!.stringValue == "chosen" }.map { $0["score"]!.doubleValue! }
        let rejected = recs.filter { $0["label"]!.stringValue == "rejected" }.map { $0["score"]!.doubleValue! }
        assertClose(chosen, doubles(r["chosen_scores"]), rtol: 1e-4, "cli chosen scores")
        assertClose(rejected, doubles(r["rejected_scores"]), rtol: 1e-4, "cli rejected scores")
        let summary = try JSONValue.parse(ArtifactFile.readBytes(dir + "/summary.json"))
        let acc = Double(zip(doubles(r["chosen_scores"]), doubles(r["rejected_scores"])).filter { $0 > $1 }.count) / 4
        XCTAssertEqual(summary["pairs"]?["accuracy"]?.doubleValue ?? -1, acc, accuracy: 1e-12)
        XCTAssertEqual(summary["count"]?.intValue, 8)
        XCTAssertTrue(output.contains("accuracy"), output)

        // compare: the same file twice has zero mean difference and KS 0, and writes a page.
        let (rc2, out2) = try StageCLI.run("rm-score", ["compare", dir + "/scores.jsonl.zst", dir + "/scores.jsonl.zst", "--out", dir + "/report.html"])
        XCTAssertEqual(rc2, 0, out2)
        let html = String(decoding: try ArtifactFile.readBytes(dir + "/report.html"), as: UTF8.self)
        XCTAssertTrue(html.contains("<svg") && html.contains("KS"))
        XCTAssertTrue(out2.contains("KS 0.0000"), out2)
        XCTAssertTrue(out2.contains("win rate 0.5000"), out2)
    }
}
