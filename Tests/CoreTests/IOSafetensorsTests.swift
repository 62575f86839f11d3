import Core
import XCTest

final class IOSafetensorsTests: XCTestCase {
    /// Assembles a safetensors file from a literal header and raw data bytes.
    private func build(_ header: String, _ data: [UInt8], headerLength: UInt64? = nil) -> [UInt8] {
        let h = Array(header.utf8)
        let n = headerLength ?? UInt64(h.count)
        return (0..<8).map { UInt8(truncatingIfNeeded: n >> (8 * UInt64($0))) } + h + data
    }

    private func le16(_ values: [UInt16]) -> [UInt8] {
        values.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
    }

    func testRoundTripF32() throws {
        let dir = try ioTempDir(self)
        let a: [Float] = (0..<12).map { Float($0) * 0.5 - 2 }
        let b: [Float] = [.pi, -0.0, .infinity, Float(bitPattern: 1)]
        let tensors: [(name: String, shape: [Int], data: [Float])] = [
            (name: "z.weight", shape: [3, 4], data: a), (name: "a.bias", shape: [4], data: b),
            (name: "scalar", shape: [], data: [7]), (name: "empty", shape: [0, 5], data: []),
        ]
        for name in ["m.safetensors", "m.safetensors.zst"] {
            let path = dir + "/" + name
            try SafetensorsWriter.write(path, tensors: tensors, metadata: ["format": "pt", "step": "10"])
            let f = try SafetensorsFile(path: path)
            XCTAssertEqual(f.names, ["z.weight", "a.bias", "scalar", "empty"])
            XCTAssertEqual(f.metadata, ["format": "pt", "step": "10"])
            XCTAssertEqual(f.tensors["z.weight"]?.shape, [3, 4])
            XCTAssertEqual(f.tensors["z.weight"]?.dtype, "F32")
            XCTAssertEqual(f.tensors["z.weight"]?.begin, 0)
            XCTAssertEqual(f.tensors["a.bias"]?.begin, 48)
            XCTAssertEqual(try f.floats("z.weight"), a)
            XCTAssertEqual(try f.floats("a.bias").map(\.bitPattern), b.map(\.bitPattern))
            XCTAssertEqual(try f.floats("scalar"), [7])
            XCTAssertEqual(try f.floats("empty"), [])
            var dst = [Float](repeating: 0, count: 4)
            try dst.withUnsafeMutableBufferPointer { try f.readInto("a.bias", $0.baseAddress!, count: 4) }
            XCTAssertEqual(dst.map(\.bitPattern), b.map(\.bitPattern))
            ioAssertThrows(try dst.withUnsafeMutableBufferPointer { try f.readInto("z.weight", $0.baseAddress!, count: 4) },
                           path, "z.weight", "12 elements")
            ioAssertThrows(try f.floats("nope"), path, "nope")
        }
        let raw = try ArtifactFile.readBytes(dir + "/m.safetensors")
        let headerLength = raw.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        XCTAssertEqual(headerLength % 8, 0)
        XCTAssertEqual(raw[8 + headerLength - 1], UInt8(ascii: raw[8 + headerLength - 1] == 0x20 ? " " : "}"))
        XCTAssertEqual(raw.count, 8 + headerLength + 4 * 17)
        XCTAssertEqual(Array(try ArtifactFile.readRaw(dir + "/m.safetensors.zst").prefix(4)), Zstd.magic)
    }

    func testRefsVariantAndWriterValidation() throws {
        let dir = try ioTempDir(self)
        let big = (0..<300_000).map { Float($0) }
        try big.withUnsafeBufferPointer { buf in
            try SafetensorsWriter.write(dir + "/r.safetensors.zst", refs: [
                SafetensorsTensorRef(name: "big", shape: [600, 500], data: buf),
                SafetensorsTensorRef(name: "head", shape: [2], data: UnsafeBufferPointer(rebasing: buf[0..<2])),
            ])
        }
        let f = try SafetensorsFile(path: dir + "/r.safetensors.zst")
        XCTAssertEqual(try f.floats("big"), big)
        XCTAssertEqual(try f.floats("head"), [0, 1])
        XCTAssertEqual(f.metadata, [:])
        ioAssertThrows(try SafetensorsWriter.write(dir + "/bad.safetensors", tensors: [(name: "x", shape: [3], data: [1, 2])]),
                       "bad.safetensors", "'x'")
        ioAssertThrows(try SafetensorsWriter.write(dir + "/dup.safetensors", tensors: [(name: "x", shape: [1], data: [1]),
                                                                                    (name: "x", shape: [1], data: [2])]), "'x'")
        XCTAssertEqual(ioListDir(dir), ["r.safetensors.zst"])
    }

    func testHandBuiltF16AndBF16() throws {
        let dir = try ioTempDir(self)
        // 1, -2, 0.5, 65504 (max), 2^-24 (smallest subnormal), -0, inf, 2^-14 (smallest normal)
        let f16: [UInt16] = [0x3C00, 0xC000, 0x3800, 0x7BFF, 0x0001, 0x8000, 0x7C00, 0x0400]
        let f16Expected: [Float] = [1, -2, 0.5, 65504, Float(sign: .plus, exponent: -24, significand: 1), -0.0, .infinity,
                                    Float(sign: .plus, exponent: -14, significand: 1)]
        let bf16: [UInt16] = [0x3F80, 0xC000, 0x4049, 0xFF80]
        let bf16Expected: [Float] = [1, -2, 3.140625, -.infinity]
        let f64: [Double] = [1.5, -1e10]
        let f64Bytes = f64.flatMap { d in (0..<8).map { UInt8(truncatingIfNeeded: d.bitPattern >> (8 * UInt64($0))) } }
        let header = #"{"h":{"dtype":"F16","shape":[2,4],"data_offsets":[0,16]},"#
            + #""b":{"dtype":"BF16","shape":[4],"data_offsets":[16,24]},"#
            + #""d":{"dtype":"F64","shape":[2],"data_offsets":[24,40]},"#
            + #""i":{"dtype":"I64","shape":[1],"data_offsets":[40,48]},"__metadata__":{"n":3,"s":"x"}}"#
        let path = dir + "/half.safetensors"
        try ioWriteRaw(path, build(header, le16(f16) + le16(bf16) + f64Bytes + [UInt8](repeating: 0, count: 8)))
        let f = try SafetensorsFile(path: path)
        XCTAssertEqual(f.names, ["h", "b", "d", "i"])
        XCTAssertEqual(f.metadata, ["n": "3", "s": "x"])
        XCTAssertEqual(try f.floats("h").map(\.bitPattern), f16Expected.map(\.bitPattern))
        XCTAssertEqual(try f.floats("b"), bf16Expected)
        XCTAssertEqual(try f.floats("d"), [1.5, -1e10])
        ioAssertThrows(try f.floats("i"), path, "'i'", "I64")
        XCTAssertTrue(HalfFloat.float(fromF16: 0x7E00).isNaN)
        XCTAssertEqual(HalfFloat.bf16Bits(from: 1.0), 0x3F80)
        XCTAssertEqual(HalfFloat.float(fromBF16: HalfFloat.bf16Bits(from: 3.14159)), 3.140625)
        // Every finite F16 value widens exactly: check against Float16 arithmetic via the formula.
        for bits in UInt16(0)..<0x7C00 {
            let e = Int(bits >> 10), m = Float(bits & 0x3FF)
            let expected = e == 0 ? m * Float(sign: .plus, exponent: -24, significand: 1)
                                  : (1 + m / 1024) * Float(sign: .plus, exponent: e - 15, significand: 1)
            XCTAssertEqual(HalfFloat.float(fromF16: bits), expected)
            XCTAssertEqual(HalfFloat.float(fromF16: bits | 0x8000), -expected)
        }
    }

    func testBadHeadersRefused() throws {
        let dir = try ioTempDir(self)
        let eight = [UInt8](repeating: 0, count: 8)
        let cases: [(String, [UInt8], [String])] = [
            (#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,100]}}"#, eight, ["'w'", "outside the data section"]),
            (#"{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, eight, ["'w'", "needs"]),
            (#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}"#, eight, ["'w'", "data_offsets"]),
            (#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}}"#, eight, ["'w'", "data_offsets"]),
            (#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"v":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#,
             eight, ["overlap"]),
            (#"{"w":{"dtype":"Q4","shape":[2],"data_offsets":[0,8]}}"#, eight, ["'w'", "unknown dtype", "Q4"]),
            (#"{"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}"#, eight, ["'w'", "shape"]),
            (#"{"w":{"dtype":"F32","shape":[1.5],"data_offsets":[0,8]}}"#, eight, ["'w'", "shape"]),
            (#"{"w":{"dtype":"F32","shape":[4294967296,4294967296,4],"data_offsets":[0,8]}}"#, eight, ["'w'", "too large"]),
            (#"{"w":{"dtype":"F32","data_offsets":[0,8]}}"#, eight, ["'w'", "missing shape"]),
            (#"{"w":{"shape":[2],"data_offsets":[0,8]}}"#, eight, ["'w'", "missing dtype"]),
            (#"{"w":{"dtype":"F32","shape":[2]}}"#, eight, ["'w'", "data_offsets"]),
            (#"{"w":[1,2]}"#, eight, ["'w'", "not a JSON object"]),
            (#"[1,2]"#, eight, ["header is not a JSON object"]),
            (#"{"w":"#, eight, ["safetensors header", "end of input"]),
            (#"{"__metadata__":[1]}"#, eight, ["__metadata__"]),
        ]
        for (k, (header, data, fragments)) in cases.enumerated() {
            let path = dir + "/bad\(k).safetensors"
            try ioWriteRaw(path, build(header, data))
            for fragment in [path] + fragments {
                ioAssertThrows(try SafetensorsFile(path: path), fragment)
            }
        }
    }

    func testLengthsAndTruncationRefused() throws {
        let dir = try ioTempDir(self)
        let path = dir + "/t.safetensors"
        try ioWriteRaw(path, build("{}", [], headerLength: 1 << 60))
        ioAssertThrows(try SafetensorsFile(path: path), path, "exceeds the limit")
        try ioWriteRaw(path, build("{}", [], headerLength: 50_000_000))
        ioAssertThrows(try SafetensorsFile(path: path), path, "exceeds the file size")
        try ioWriteRaw(path, [1, 0, 0])
        ioAssertThrows(try SafetensorsFile(path: path), path, "too short")

        try SafetensorsWriter.write(path, tensors: [(name: "a", shape: [4], data: [1, 2, 3, 4]),
                                                    (name: "b", shape: [2, 2], data: [5, 6, 7, 8])])
        let good = try ArtifactFile.readBytes(path)
        try ioWriteRaw(path, Array(good.dropLast(4)))
        ioAssertThrows(try SafetensorsFile(path: path), path, "'b'", "outside the data section")
        try ioWriteRaw(path, Array(good.prefix(20)))
        ioAssertThrows(try SafetensorsFile(path: path), path, "exceeds the file size")
        ioAssertThrows(try SafetensorsFile(path: dir + "/none.safetensors"), "none.safetensors", "no such file")
    }

    func testReadsHuggingFaceFixture() throws {
        let path = ioFixturesDir() + "/qwen2-tiny/model.safetensors"
        let f = try SafetensorsFile(path: path)
        XCTAssertEqual(f.metadata["format"], "pt")
        let embed = try XCTUnwrap(f.tensors["model.embed_tokens.weight"])
        XCTAssertEqual(embed.dtype, "F32")
        XCTAssertEqual(embed.shape, [1824, 64])
        XCTAssertEqual(try f.floats("model.layers.0.input_layernorm.weight").count, 64)
        let values = try f.floats("model.embed_tokens.weight")
        XCTAssertEqual(values.count, 1824 * 64)
        XCTAssertTrue(values.allSatisfy(\.isFinite))
        XCTAssertEqual(f.names.count, f.tensors.count)
    }
}
