import Core
import Foundation
import XCTest

/// sft-train as a child process, from scratch on a small corpus: the same seed gives
/// byte-identical weights; SIGKILL at random moments (mostly inside checkpoint writes, with
/// --save-every 1) always leaves the newest complete checkpoint loadable, and --resume then ends
/// at exactly the weights of an uninterrupted run; SIGINT stops at a step boundary with a
/// checkpoint and resumes to the same result; NaN stops the run naming step, examples and the
/// last good checkpoint.
final class TrainingFaultCLITests: XCTestCase {
    static let steps = 80

    func args(_ data: String, _ out: String, _ extra: [String] = []) -> [String] {
        ["--init-config", "nano", "--data", data, "--vocab-size", "300", "--max-length", "32", "--batch-size", "4",
         "--max-steps", String(Self.steps), "--lr", "1e-3", "--seed", "7", "--out", out, "--quiet"] + extra
    }

    /// Corpus plus the weights of one uninterrupted run, made once per test process.
    nonisolated(unsafe) static var shared: (dir: String, data: String, weights: Data)? = nil

    func reference() throws -> (dir: String, data: String, weights: Data) {
        if let s = Self.shared { return s }
        let dir = NSTemporaryDirectory() + "prefkit-faults-\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let data = dir + "/corpus.jsonl"
        try writeSFTCorpus(data)
        let (rc, out) = try StageCLI.run("sft-train", args(data, dir + "/reference"))
        XCTAssertEqual(rc, 0, out)
        let weights = try Data(contentsOf: URL(fileURLWithPath: dir + "/reference/model.safetensors"))
        Self.shared = (dir, data, weights)
        return Self.shared!
    }

    override class func tearDown() {
        if let s = shared { try? FileManager.default.removeItem(atPath: s.dir) }
        shared = nil
    }

    func assertSameWeights(_ out: String, _ what: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let ref = try reference()
        let got = try Data(contentsOf: URL(fileURLWithPath: out + "/model.safetensors"))
        if got == ref.weights { return }
        // Say which tensors differ, not just that the bytes do.
        let a = try safetensorsValues(out + "/model.safetensors"), b = try safetensorsValues(ref.dir + "/reference/model.safetensors")
        let differing = a.keys.sorted().filter { a[$0] != b[$0] }
        XCTFail("\(what): model.safetensors differs from the uninterrupted run in \(differing.prefix(5))", file: file, line: line)
    }

    func testSameSeedGivesByteIdenticalWeights() throws {
        let ref = try reference()
        let (rc, out) = try StageCLI.run("sft-train", args(ref.data, ref.dir + "/again"))
        XCTAssertEqual(rc, 0, out)
        try assertSameWeights(ref.dir + "/again", "second run, same seed")
    }

    func testKill9DuringCheckpointWritesThenResume() throws {
        let ref = try reference()
        let out = ref.dir + "/killed"
        var rng = SplitMix64(seed: 99)
        var killed = 0, withCheckpoint = 0
        for round in 0..<4 {
            let p = try StageCLI.start("sft-train", args(ref.data, out, ["--save-every", "1"] + (round > 0 ? ["--resume"] : [])),
                                       log: ref.dir + "/kill.log")
            Thread.sleep(forTimeInterval: 0.1 + rng.nextDouble() * 0.9)
            if p.isRunning { kill(p.processIdentifier, SIGKILL); killed += 1 }
            p.waitUntilExit()
            guard let (step, ckpt) = TrainerCheckpoint.completeCheckpoints(out).last else { continue }
            withCheckpoint += 1
            // The newest complete checkpoint is whole: the model and the exact training state load.
            XCTAssertNoThrow(try Checkpoint.load(ckpt), "round \(round): \(ckpt)")
            let state = try SafetensorsFile(path: ckpt + "/train_state.safetensors")
            for n in ["params", "adam_m", "adam_v"] { XCTAssertNoThrow(try state.floats(n), "\(ckpt): \(n)") }
            XCTAssertEqual(state.metadata["step"], String(step))
        }
        print("kill -9: \(killed) kills, \(withCheckpoint) left a checkpoint to check")
        XCTAssertGreaterThan(killed, 0, "no kill landed while training ran")
        let (rc, log) = try StageCLI.run("sft-train", args(ref.data, out, ["--save-every", "1", "--resume"]))
        XCTAssertEqual(rc, 0, log)
        try assertSameWeights(out, "resumed after kill -9")
    }

    func testSIGINTStopsWithCheckpointAndResumes() throws {
        let ref = try reference()
        let out = ref.dir + "/interrupted"
        let log = ref.dir + "/int.log"
        let p = try StageCLI.start("sft-train", args(ref.data, out), log: log)
        // Interrupt once a few steps are logged: the handler is installed by then.
        let deadline = Date().addingTimeInterval(30)
        while p.isRunning && Date() < deadline {
            let lines = (try? String(contentsOfFile: out + "/metrics.jsonl", encoding: .utf8))?.split(separator: "\n").count ?? 0
            if lines >= 3 { break }
            Thread.sleep(forTimeInterval: 0.002)
        }
        XCTAssert(p.isRunning, "the run ended before it could be interrupted")
        kill(p.processIdentifier, SIGINT)
        p.waitUntilExit()
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        XCTAssertEqual(p.terminationStatus, 1, text)
        XCTAssert(text.contains("interrupted at step") && text.contains("--resume"), text)
        let ckpts = TrainerCheckpoint.completeCheckpoints(out)
        XCTAssertEqual(ckpts.count, 1, "one checkpoint at the interrupted step: \(StageCLI.files(out))")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/model.safetensors"), "an interrupted run writes no final model")
        if let (step, _) = ckpts.first { XCTAssert(text.contains("interrupted at step \(step)/\(Self.steps)"), text) }
        let (rc, out2) = try StageCLI.run("sft-train", args(ref.data, out, ["--resume"]))
        XCTAssertEqual(rc, 0, out2)
        try assertSameWeights(out, "resumed after SIGINT")
    }

    func testNonFiniteLossStopsNamingStepExamplesAndCheckpoint() throws {
        let ref = try reference()
        let out = ref.dir + "/nan"
        let (rc, text) = try StageCLI.run("sft-train", args(ref.data, out, ["--save-every", "1", "--lr", "1e30", "--max-grad-norm", "0"]))
        XCTAssertEqual(rc, 1, text)
        XCTAssertNotNil(text.range(of: #"step \d+: (loss|gradient norm) is (nan|inf|-inf)"#, options: .regularExpression), text)
        XCTAssert(text.contains("(examples "), text)
        XCTAssert(text.contains("Last good checkpoint: \(out)/checkpoint-"), text)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/model.safetensors"))
    }
}
