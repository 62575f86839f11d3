import XCTest
import Foundation
import Core

/// A quadratic objective: L = Σ ½‖w − xᵢ‖² / n over the step's examples. Small enough
/// that the loop's own behaviour (order, resume, NaN, interrupt) is what gets tested.
final class QuadraticObjective: TrainObjective {
    let xs: [[Float]]
    let params = FloatBuffer(count: 4), grads = FloatBuffer(count: 4)
    var saved: [String] = []
    init(xs: [[Float]]) { self.xs = xs }
    var exampleCount: Int { xs.count }
    var trainParams: FloatBuffer { params }
    var trainGrads: FloatBuffer { grads }
    var trainGroups: [AdamW.Group] { [.init(offset: 0, count: 4, decay: true)] }
    func tokenCount(_ idx: [Int]) -> Int { idx.count }
    func normalizer(_ idx: [Int]) -> Double { Double(idx.count) }
    func accumulate(_ idx: [Int], normalizer: Double) throws -> [String: Double] {
        var loss = 0.0
        for i in idx {
            for j in 0..<4 {
                let d = params[j] - xs[i][j]
                loss += 0.5 * Double(d * d) / normalizer
                grads[j] += d / Float(normalizer)
            }
        }
        return ["loss": loss]
    }
    func evaluate() throws -> [String: Double]? { nil }
    func saveModel(to dir: String, provenance: [String: Any]) throws {
        try SafetensorsWriter.write(dir + "/w.safetensors", tensors: [("w", [4], params.toArray())])
        saved.append(dir)
    }
}

final class TrainerTests: XCTestCase {
    func tempDir() -> String {
        let d = NSTemporaryDirectory() + "prefkit-trainer-\(getpid())-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }
    func data(_ n: Int, nanAt: Int? = nil) -> [[Float]] {
        var rng = SplitMix64(seed: 3)
        return (0..<n).map { i in (0..<4).map { _ in i == nanAt ? .nan : rng.nextGaussian() } }
    }
    func options(_ out: String, steps: Int) -> TrainingOptions {
        var o = TrainingOptions()
        o.outDir = out; o.maxSteps = steps; o.batchSize = 3; o.gradAccum = 2; o.learningRate = 0.05
        o.warmupSteps = 2; o.schedule = .cosine; o.weightDecay = 0.01; o.quiet = true
        return o
    }

    func testEveryExampleOncePerEpochInSeededOrder() {
        let obj = QuadraticObjective(xs: data(13))
        let t = Trainer(objective: obj, options: options(tempDir(), steps: 10))
        let perEpoch = t.options.stepsPerEpoch(examples: 13)   // ceil(ceil(13/3)/2) = 3
        XCTAssertEqual(perEpoch, 3)
        let epoch0 = (0..<3).flatMap { t.microBatches(step: $0).flatMap { $0 } }
        XCTAssertEqual(epoch0.sorted(), Array(0..<13))
        let epoch1 = (3..<6).flatMap { t.microBatches(step: $0).flatMap { $0 } }
        XCTAssertEqual(epoch1.sorted(), Array(0..<13))
        XCTAssertNotEqual(epoch0, epoch1, "each epoch reshuffles")
        XCTAssertEqual(t.microBatches(step: 4), Trainer(objective: obj, options: t.options).microBatches(step: 4))
    }

    func testResumeMatchesUninterruptedRunExactly() throws {
        let xs = data(20)
        let full = QuadraticObjective(xs: xs)
        try Trainer(objective: full, options: options(tempDir(), steps: 12)).run()

        let out = tempDir()
        let first = QuadraticObjective(xs: xs)
        var o = options(out, steps: 12)
        o.saveEvery = 5
        // Stop after step 7 as an interrupt would: the loop checkpoints and throws.
        StopSignal.reset()
        let stopper = StopAfter(objective: first, step: 7)
        let t1 = Trainer(objective: stopper, options: o)
        XCTAssertThrowsError(try t1.run()) { e in XCTAssert("\(e)".contains("interrupted at step 7"), "\(e)") }
        StopSignal.reset()
        XCTAssertEqual(TrainerCheckpoint.completeCheckpoints(out).map(\.0), [7], "the interrupt checkpoint replaces step 5's")

        let second = QuadraticObjective(xs: xs)
        o.resume = true
        try Trainer(objective: second, options: o).run()
        XCTAssertEqual(second.params.toArray(), full.params.toArray(), "resumed run differs from the uninterrupted one")
        let steps = try JSONL.readAll(out + "/metrics.jsonl").compactMap { $0.record["step"]?.intValue }
        XCTAssertEqual(steps, Array(1...12), "metrics.jsonl has each step once after resume")
    }

    func testNaNStopsBeforeTheUpdateAndNamesTheCheckpoint() throws {
        let out = tempDir()
        let obj = QuadraticObjective(xs: data(12, nanAt: 5))
        var o = options(out, steps: 20)
        o.batchSize = 1; o.gradAccum = 1; o.saveEvery = 2
        let t = Trainer(objective: obj, options: o)
        let badStep = (0..<12).first { t.microBatches(step: $0) == [[5]] }!
        XCTAssertThrowsError(try t.run()) { e in
            let m = "\(e)"
            XCTAssert(m.contains("step \(badStep + 1): loss is nan"), m)
            XCTAssert(m.contains("examples 5"), m)
            if badStep >= 2 { XCTAssert(m.contains("Last good checkpoint: \(out)/checkpoint-\(badStep / 2 * 2)"), m) }
        }
        XCTAssert(obj.params.toArray().allSatisfy(\.isFinite), "no NaN reached the parameters")
    }

    func testCheckpointWriteKilledMidwayLeavesPreviousIntact() throws {
        let out = tempDir()
        let obj = QuadraticObjective(xs: data(6))
        var o = options(out, steps: 4)
        o.saveEvery = 2
        try Trainer(objective: obj, options: o).run()
        // A write killed halfway leaves only a temporary directory behind.
        try FileManager.default.createDirectory(atPath: out + "/.tmp-checkpoint-4-999", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: out + "/checkpoint-9", withIntermediateDirectories: true) // no trainer_state.json
        XCTAssertEqual(TrainerCheckpoint.completeCheckpoints(out).map(\.0), [2])
    }
}

/// Wraps an objective and asks for a stop (as SIGINT would) once `step` steps are done.
final class StopAfter: TrainObjective {
    let inner: QuadraticObjective, step: Int
    var calls = 0
    init(objective: QuadraticObjective, step: Int) { inner = objective; self.step = step }
    var exampleCount: Int { inner.exampleCount }
    var trainParams: FloatBuffer { inner.params }
    var trainGrads: FloatBuffer { inner.grads }
    var trainGroups: [AdamW.Group] { inner.trainGroups }
    func tokenCount(_ idx: [Int]) -> Int { idx.count }
    /// Called once at the start of every step: the stop arrives during step `step`.
    func normalizer(_ idx: [Int]) -> Double {
        calls += 1
        if calls == step { StopSignal.request() }
        return inner.normalizer(idx)
    }
    func accumulate(_ idx: [Int], normalizer: Double) throws -> [String: Double] {
        try inner.accumulate(idx, normalizer: normalizer)
    }
    func evaluate() throws -> [String: Double]? { nil }
    func saveModel(to dir: String, provenance: [String: Any]) throws { try inner.saveModel(to: dir, provenance: provenance) }
}
