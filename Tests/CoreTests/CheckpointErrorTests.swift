import XCTest
import Foundation
import Core

/// A checkpoint that does not fit its config is refused, naming the tensors.
final class CheckpointErrorTests: XCTestCase {
    func copyFixture(dropping drop: String? = nil, adding extra: String? = nil, reshaping: String? = nil) throws -> String {
        let src = fixturesDir() + "/qwen2-tiny"
        let out = NSTemporaryDirectory() + "prefkit-ckpt-\(getpid())-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: src + "/config.json", toPath: out + "/config.json")
        let f = try SafetensorsFile(path: src + "/model.safetensors")
        var tensors: [(name: String, shape: [Int], data: [Float])] = []
        for n in f.names where n != drop {
            var shape = try f.info(n).shape
            let data = try f.floats(n)
            if n == reshaping { shape = [shape.reduce(1, *)] }
            tensors.append((n, shape, data))
        }
        if let extra { tensors.append((extra, [2], [1, 2])) }
        try SafetensorsWriter.write(out + "/model.safetensors", tensors: tensors)
        return out
    }

    func expectError(_ dir: String, contains: String) {
        defer { try? FileManager.default.removeItem(atPath: dir) }
        XCTAssertThrowsError(try Checkpoint.load(dir)) { e in
            XCTAssert("\(e)".contains(contains), "message \"\(e)\" should name \(contains)")
        }
    }

    func testMissingTensorIsNamed() throws {
        expectError(try copyFixture(dropping: "model.layers.1.mlp.up_proj.weight"), contains: "model.layers.1.mlp.up_proj.weight")
    }
    func testUnexpectedTensorIsNamed() throws {
        expectError(try copyFixture(adding: "model.layers.7.extra.weight"), contains: "model.layers.7.extra.weight")
    }
    func testIntactCopyLoads() throws {
        let dir = try copyFixture()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        XCTAssertNoThrow(try Checkpoint.load(dir))
    }
    func testShapeMismatch() throws {
        let dir = try copyFixture(reshaping: "model.layers.0.self_attn.q_proj.weight")
        expectError(dir, contains: "model.layers.0.self_attn.q_proj.weight has shape")
    }
    func testNoWeights() {
        XCTAssertThrowsError(try Checkpoint.load(NSTemporaryDirectory() + "does-not-exist-\(getpid())"))
    }
}
