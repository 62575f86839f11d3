import Core
import Foundation
import XCTest

/// fp16/bf16 checkpoints are widened to fp32 on load; an inf or NaN stored in one would spread
/// through every later step, so loading refuses it, naming the tensor.
final class HalfPrecisionCheckpointTests: XCTestCase {
    /// qwen2-tiny re-encoded as F16 or BF16 by hand (the writer only writes F32);
    /// `poison` overwrites element 5 of that tensor with the given bit pattern.
    func halfCopy(bf16: Bool, poison: (String, UInt16)? = nil) throws -> String {
        let src = fixturesDir() + "/qwen2-tiny"
        let dir = try ioTempDir(self)
        for f in ["config.json", "tokenizer.json", "tokenizer_config.json"] {
            try FileManager.default.copyItem(atPath: src + "/" + f, toPath: dir + "/" + f)
        }
        let f = try SafetensorsFile(path: src + "/model.safetensors")
        var header: [(String, JSONValue)] = [], data: [UInt8] = []
        for n in f.names {
            var bits = try f.floats(n).map { bf16 ? HalfFloat.bf16Bits(from: $0) : Float16($0).bitPattern }
            if let (name, value) = poison, name == n { bits[5] = value }
            let begin = data.count
            for b in bits { data += [UInt8(b & 0xFF), UInt8(b >> 8)] }
            header.append((n, .object([("dtype", .string(bf16 ? "BF16" : "F16")),
                                       ("shape", .array(try f.info(n).shape.map { .number(Double($0)) })),
                                       ("data_offsets", .array([.number(Double(begin)), .number(Double(data.count))]))])))
        }
        let h = Array(JSONValue.object(header).serialized().utf8)
        var file: [UInt8] = (0..<8).map { UInt8(truncatingIfNeeded: UInt64(h.count) >> (8 * UInt64($0))) }
        file += h + data
        try ioWriteRaw(dir + "/model.safetensors", file)
        return dir
    }

    let tensor = "model.layers.1.mlp.down_proj.weight"

    func testCleanHalfCheckpointsLoadClose() throws {
        let ref = try Checkpoint.load(fixturesDir() + "/qwen2-tiny")
        for bf16 in [false, true] {
            let m = try Checkpoint.load(try halfCopy(bf16: bf16))
            assertClose(m.params.toArray(), ref.params.toArray(), rtol: bf16 ? 1e-2 : 1e-3, bf16 ? "bf16 copy" : "f16 copy")
        }
    }

    func testF16InfinityIsRefused() throws {
        let dir = try halfCopy(bf16: false, poison: (tensor, 0x7C00))
        ioAssertThrows(try Checkpoint.load(dir), dir, tensor, "non-finite value at index 5")
    }

    func testBF16NaNIsRefused() throws {
        let dir = try halfCopy(bf16: true, poison: (tensor, 0x7FC0))
        ioAssertThrows(try Checkpoint.load(dir), dir, tensor, "non-finite")
    }
}
