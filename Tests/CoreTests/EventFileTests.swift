import Core
import Foundation
import XCTest

/// TensorBoard event files: our decoder reads the fixture tensorboardX's SummaryWriter wrote
/// (tools/fixtures/make_tensorboard_fixture.py), our writer's files decode to what was written,
/// a corrupted byte is caught by the CRCs, and `--report-to tensorboard` logs every step's
/// metrics under TRL's tag names, equal to metrics.jsonl.
final class EventFileTests: XCTestCase {
    let fixture = fixturesDir() + "/tensorboard"

    func testDecodesTensorboardXFixture() throws {
        let expected = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: fixture + "/expected.json"))) as! [String: Any]
        let file = try EventFile(path: fixture + "/tensorboardX.tfevents")
        XCTAssertEqual(file.events.first?.fileVersion, "brain.Event:2")
        let scalars = file.scalars
        for (tag, points) in expected["scalars"] as! [String: [[NSNumber]]] {
            let got = scalars[tag] ?? []
            XCTAssertEqual(got.map(\.step), points.map { $0[0].intValue }, tag)
            assertClose(got.map { Float($0.value) }, points.map { $0[1].floatValue }, rtol: 1e-7, tag)
        }
        let h = expected["histogram"] as! [String: Any]
        let hist = file.events.flatMap(\.values).first { $0.tag == h["tag"] as? String }?.histogram
        XCTAssertNotNil(hist)
        XCTAssertEqual(hist?.counts.reduce(0, +), Double((h["values"] as! [Any]).count), "every value in a bucket")
        let text = expected["text"] as! [String: String]
        XCTAssertEqual(file.events.flatMap(\.values).first { $0.tag.hasPrefix(text["tag"]!) }?.text, text["value"])
    }

    func testWriterRoundTripAndCorruption() throws {
        let dir = try ioTempDir(self)
        let w = try EventWriter(logDir: dir + "/run")
        try w.text("args", "dpo-train --beta 0.1", step: 0)
        try w.scalars([("train/loss", 0.6931), ("train/rewards/chosen", -0.25)], step: 1)
        try w.scalars([("train/loss", 0.5)], step: 2)
        try w.histogram("rm-score/score", values: [-1, 0, 0.5, 2], step: 0, bins: 4)
        let file = try EventFile(path: w.path)
        XCTAssertEqual(file.events.count, 5)
        XCTAssertEqual(file.scalars["train/loss"]?.map(\.step), [1, 2])
        assertClose(file.scalars["train/loss"]!.map { Float($0.value) }, [0.6931, 0.5], rtol: 1e-7, "scalars")
        XCTAssertEqual(file.events[1].values.first?.text, "dpo-train --beta 0.1")
        let h = file.events.last!.values.first!.histogram!
        XCTAssertEqual(h.counts, [1, 1, 1, 1])
        XCTAssertEqual(h.limits.last, 2)
        var bytes = try ArtifactFile.readBytes(w.path)
        bytes[bytes.count - 10] ^= 0x40
        let bad = dir + "/bad.tfevents"
        try ArtifactFile.writeAtomically(bad, bytes: bytes, compress: false)
        XCTAssertThrowsError(try EventFile(path: bad)) { e in
            XCTAssert("\(e)".contains(bad) && "\(e)".contains("CRC"), "\(e)")
        }
    }

    /// sft-train --report-to jsonl,tensorboard: one train/ scalar per metric per step, equal to
    /// metrics.jsonl; --report-to none writes neither; none with another target is refused.
    func testTrainingReportsToTensorBoard() throws {
        let dir = try ioTempDir(self)
        try writeSFTCorpus(dir + "/sft.jsonl")
        let common = ["--init-config", "nano", "--data", dir + "/sft.jsonl", "--vocab-size", "300", "--max-length", "32",
                      "--batch-size", "8", "--max-steps", "3", "--quiet"]
        var (rc, out) = try StageCLI.run("sft-train", common + ["--out", dir + "/both", "--report-to", "jsonl,tensorboard"])
        XCTAssertEqual(rc, 0, out)
        let runs = StageCLI.files(dir + "/both/runs").filter { $0.contains("events.out.tfevents.") }
        XCTAssertEqual(runs.count, 1, "one event file")
        let file = try EventFile(path: dir + "/both/runs/" + runs[0])
        let jsonl = try JSONL.readAll(dir + "/both/metrics.jsonl").map(\.record)
        let losses = jsonl.compactMap { $0["loss"]?.doubleValue }
        XCTAssertEqual(losses.count, 3)
        assertClose(file.scalars["train/loss"]!.map { Float($0.value) }, losses.map(Float.init), rtol: 1e-7, "TensorBoard loss = metrics.jsonl loss")
        XCTAssertEqual(file.scalars["train/learning_rate"]?.map(\.step), [1, 2, 3])
        XCTAssert(file.events.flatMap(\.values).contains { $0.tag == "args" && ($0.text ?? "").contains("--report-to") }, "the command line as text")
        (rc, out) = try StageCLI.run("sft-train", common + ["--out", dir + "/none", "--report-to", "none"])
        XCTAssertEqual(rc, 0, out)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/none/metrics.jsonl"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/none/runs"))
        (rc, out) = try StageCLI.run("sft-train", common + ["--out", dir + "/bad", "--report-to", "none,jsonl"])
        XCTAssertEqual(rc, 64, out)
        XCTAssert(out.contains("does not combine"), out)
    }
}
