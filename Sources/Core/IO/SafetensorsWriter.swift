import CKernels
/// A tensor to write without copying its data (e.g. a live model buffer).
public struct SafetensorsTensorRef {
    public let name: String
    public let shape: [Int]
    public let data: UnsafeBufferPointer<Float>

    public init(name: String, shape: [Int], data: UnsafeBufferPointer<Float>) {
        self.name = name
        self.shape = shape
        self.data = data
    }
}

/// Writes safetensors files atomically (zstd-compressed when the name ends in ".zst"), tensors
/// laid out in the order given: F32, or refs narrowed to BF16/F16 as they are written (round to
/// nearest even, as torch's .to(dtype)), the way most checkpoints on the Hub are stored.
public enum SafetensorsWriter {
    public static func write(_ path: String, tensors: [(name: String, shape: [Int], data: [Float])],
                             metadata: [String: String] = [:]) throws {
        let layout = tensors.map { (name: $0.name, shape: $0.shape, count: $0.data.count) }
        try write(path, layout: layout, metadata: metadata) { index, writer in
            try tensors[index].data.withUnsafeBytes { try writer.write($0) }
        }
    }

    public static func write(_ path: String, refs: [SafetensorsTensorRef], metadata: [String: String] = [:],
                             dtype: WeightsDType = .f32) throws {
        let layout = refs.map { (name: $0.name, shape: $0.shape, count: $0.data.count) }
        try write(path, layout: layout, metadata: metadata, dtype: dtype) { index, writer in
            let data = refs[index].data
            guard dtype != .f32 else {
                try writer.write(UnsafeRawBufferPointer(data))
                return
            }
            // Narrowed a slice at a time: the half copy of a large tensor never exists whole.
            let slice = 1 << 20
            var half = [UInt16](repeating: 0, count: min(slice, max(1, data.count)))
            var lo = 0
            while lo < data.count {
                let n = min(slice, data.count - lo)
                try half.withUnsafeMutableBufferPointer { h in
                    pk_narrow(dtype.kernelCode, data.baseAddress! + lo, h.baseAddress!, Int64(n))
                    try writer.write(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(h)[0..<(2 * n)]))
                }
                lo += n
            }
        }
    }

    private static func write(_ path: String, layout: [(name: String, shape: [Int], count: Int)],
                              metadata: [String: String], dtype: WeightsDType = .f32,
                              data: (Int, ArtifactWriter) throws -> Void) throws {
        let header = try headerBytes(path, layout: layout, metadata: metadata, dtype: dtype)
        let writer = try ArtifactWriter(path: path)
        do {
            var length = UInt64(header.count).littleEndian
            try withUnsafeBytes(of: &length) { try writer.write($0) }
            try writer.write(header)
            for index in layout.indices { try data(index, writer) }
            try writer.commit()
        } catch {
            writer.abort()
            throw error
        }
    }

    private static func headerBytes(_ path: String, layout: [(name: String, shape: [Int], count: Int)],
                                    metadata: [String: String], dtype: WeightsDType) throws -> [UInt8] {
        var members: [(String, JSONValue)] = []
        if !metadata.isEmpty {
            // Sorted so the same inputs always give byte-identical files.
            members.append(("__metadata__", .object(metadata.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })))
        }
        var seen = Set<String>()
        var offset = 0
        for t in layout {
            guard t.name != "__metadata__", seen.insert(t.name).inserted else {
                throw PrefkitError("\(path): tensor name '\(t.name)' is reserved or used twice")
            }
            guard t.shape.allSatisfy({ $0 >= 0 }), t.shape.reduce(1, *) == t.count else {
                throw PrefkitError("\(path): tensor '\(t.name)': shape \(t.shape) does not match \(t.count) values")
            }
            let end = offset + dtype.byteWidth * t.count
            members.append((t.name, .object([
                ("dtype", .string(dtype.safetensorsName)),
                ("shape", .array(t.shape.map { .number(Double($0)) })),
                ("data_offsets", .array([.number(Double(offset)), .number(Double(end))])),
            ])))
            offset = end
        }
        var bytes = JSONValue.object(members).serializedBytes()
        // Padding keeps the data section 8-byte aligned for readers that mmap it.
        while bytes.count % 8 != 0 { bytes.append(0x20) }
        return bytes
    }
}
