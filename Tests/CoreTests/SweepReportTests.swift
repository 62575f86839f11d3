import Core
import Foundation
import XCTest

/// The sweep report on hand-made scored runs whose means are known: one record per
/// configuration, seeds averaged, win rates against the base, and a verdict that names the
/// best configuration on gold and the over-optimisation built into the data (at the smallest
/// β of "sigmoid" the reward model keeps rising while gold falls).
final class SweepReportTests: XCTestCase {
    /// Scores of 8 samples whose gold, score and kl have the given means (±0.01 spread).
    func writeScores(_ path: String, score: Double, gold: Double, kl: Double) throws {
        let lines = (0..<8).map { i -> String in
            let d = i % 2 == 0 ? 0.01 : -0.01
            return JSONValue.object([("id", .string("p\(i)")), ("prompt", .string("q")), ("response", .string("r")),
                                     ("score", .number(score + d)), ("label", .string("x")), ("gold", .number(gold + d)),
                                     ("kl", .number(kl + d)), ("length", .number(Double(10 + i)))]).serialized()
        }
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try ArtifactFile.writeAtomically(path, string: lines.joined(separator: "\n") + "\n", compress: path.hasSuffix(".zst"))
    }

    func testFrontierSummaryAndVerdict() throws {
        let dir = NSTemporaryDirectory() + "prefkit-sweep-\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try writeScores(dir + "/scores_base.jsonl.zst", score: 0, gold: 0, kl: 0)
        // (loss, β, seed, RM score, gold, KL): sigmoid peaks in gold at β 0.1, then RM rises and gold falls.
        let runs: [(String, String, Int, Double, Double, Double)] = [
            ("sigmoid", "1", 1, 0.5, 0.4, 0.2), ("sigmoid", "0.1", 1, 1.0, 0.9, 1.0), ("sigmoid", "0.1", 2, 1.2, 1.1, 1.2),
            ("sigmoid", "0.01", 1, 2.0, 0.2, 4.0), ("exo_pair", "0.1", 1, 0.6, 0.5, 0.5),
        ]
        for (loss, beta, seed, rm, gold, kl) in runs {
            try writeScores(dir + "/runs/\(loss)_b\(beta)_s\(seed)/scores.jsonl.zst", score: rm, gold: gold, kl: kl)
        }
        let out = try SweepReport(dir: dir).build()
        let configs = out.summary["configurations"]!.arrayValue!
        XCTAssertEqual(configs.count, 4, "one record per (loss, β); seeds averaged")
        XCTAssertEqual(out.summary["runs"]!.arrayValue!.count, 5, "and one per run")
        let sig01 = configs.first { $0["loss"]?.stringValue == "sigmoid" && $0["beta"]?.doubleValue == 0.1 }!
        XCTAssertEqual(sig01["gold"]!.doubleValue!, 1.0, accuracy: 1e-9, "mean over the two seeds")
        XCTAssertEqual(sig01["seeds"]!.doubleValue, 2)
        XCTAssertEqual(sig01["gold_win_rate"]!.doubleValue!, 1, accuracy: 1e-9, "every sample beats the base on gold")
        XCTAssertEqual(configs.first { $0["loss"]?.stringValue == "exo_pair" }?["beta"]?.doubleValue, 0.1, "loss names keep their underscores")
        XCTAssertEqual(out.summary["best_gold"]?["beta"]?.doubleValue, 0.1)
        let verdict = out.summary["verdict"]!.arrayValue!.compactMap(\.stringValue).joined(separator: "\n")
        XCTAssert(verdict.contains("Best on gold: sigmoid β=0.1"), verdict)
        XCTAssert(verdict.contains("The reward model disagrees: its best is sigmoid β=0.01"), verdict)
        XCTAssert(verdict.contains("Over-optimisation with sigmoid: from β=0.1 to β=0.01"), verdict)
        XCTAssert(out.html.contains("Gold reward vs KL to the reference") && out.html.contains("β=0.01"), "frontier drawn, points labelled")
    }

    func testNoRunsIsAnError() throws {
        let dir = NSTemporaryDirectory() + "prefkit-sweep-empty-\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try writeScores(dir + "/scores_base.jsonl.zst", score: 0, gold: 0, kl: 0)
        XCTAssertThrowsError(try SweepReport(dir: dir).build()) { e in
            XCTAssert("\(e)".contains("no scored runs"), "\(e)")
        }
    }
}
