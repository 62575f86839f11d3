import CKernels
/// Reader for the safetensors format: an 8-byte little-endian header length,
/// a JSON header describing each tensor, then the raw data section.
/// Everything in the header is validated before use, because checkpoints come
/// from the internet and a bad offset would otherwise read out of bounds.
public final class SafetensorsFile {
    public struct TensorInfo {
        public let name: String
        public let dtype: String
        public let shape: [Int]
        /// Byte offsets relative to the start of the data section, as in the header.
        public let begin: Int
        public let end: Int

        public var elementCount: Int { shape.reduce(1, *) }
    }

    public let path: String
    public let metadata: [String: String]
    public let tensors: [String: TensorInfo]
    /// Tensor names in header order.
    public let names: [String]

    private let storage: Storage
    private let dataStart: Int

    static let maxHeaderLength = 100_000_000

    static func dtypeSize(_ dtype: String) -> Int? {
        switch dtype {
        case "F64", "I64", "U64": return 8
        case "F32", "I32", "U32": return 4
        case "F16", "BF16", "I16", "U16": return 2
        case "I8", "U8", "BOOL", "F8_E4M3", "F8_E5M2": return 1
        default: return nil
        }
    }

    public init(path: String) throws {
        self.path = path
        // Locals until every stored property is set: closures may not capture a half-built self.
        let storage = try Storage.open(path)
        let head = try storage.bytes(at: 0, count: min(8, storage.size), path: path)
        guard head.count >= 8 else {
            throw PrefkitError("\(path): not a safetensors file: \(head.count) bytes is too short for a header")
        }
        var length: UInt64 = 0
        for k in 0..<8 { length |= UInt64(head[k]) << (8 * UInt64(k)) }
        guard length <= UInt64(Self.maxHeaderLength) else {
            throw PrefkitError("\(path): safetensors header length \(length) exceeds the limit of \(Self.maxHeaderLength) bytes")
        }
        guard length <= UInt64(storage.size - 8) else {
            throw PrefkitError("\(path): safetensors header length \(length) exceeds the file size \(storage.size) (truncated file?)")
        }
        let dataStart = 8 + Int(length)
        let headerBytes = try storage.bytes(at: 8, count: Int(length), path: path)
        let header = try headerBytes.withUnsafeBytes {
            try JSONValue.parse($0, source: "\(path): safetensors header")
        }
        guard case .object(let entries) = header else {
            throw PrefkitError("\(path): safetensors header is not a JSON object")
        }
        let parsed = try Self.parseEntries(entries, path: path, dataSize: storage.size - dataStart)
        self.storage = storage
        self.dataStart = dataStart
        metadata = parsed.metadata
        names = parsed.infos.map(\.name)
        tensors = Dictionary(parsed.infos.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    }

    private static func parseEntries(_ entries: [(String, JSONValue)], path: String, dataSize: Int) throws
        -> (metadata: [String: String], infos: [TensorInfo]) {
        var metadata: [String: String] = [:]
        var infos: [TensorInfo] = []
        var seen = Set<String>()
        for (name, value) in entries {
            if name == "__metadata__" {
                guard case .object(let pairs) = value else {
                    throw PrefkitError("\(path): __metadata__ is not a JSON object")
                }
                // The format says string values; other writers sometimes emit
                // numbers, so keep those in their JSON spelling rather than fail.
                for (k, v) in pairs { metadata[k] = v.stringValue ?? v.serialized() }
                continue
            }
            guard seen.insert(name).inserted else { throw PrefkitError("\(path): tensor '\(name)' appears twice in the header") }
            infos.append(try parseTensor(name, value, path: path, dataSize: dataSize))
        }
        // Overlapping tensors would alias each other's data: refuse them.
        let byOffset = infos.sorted { ($0.begin, $0.end) < ($1.begin, $1.end) }
        for (a, b) in zip(byOffset, byOffset.dropFirst()) where b.begin < a.end {
            throw PrefkitError("\(path): tensors '\(a.name)' and '\(b.name)' overlap in the data section")
        }
        return (metadata, infos)
    }

    private static func parseTensor(_ name: String, _ value: JSONValue, path: String, dataSize: Int) throws -> TensorInfo {
        let at = "\(path): tensor '\(name)'"
        guard case .object = value else { throw PrefkitError("\(at): header entry is not a JSON object") }
        guard let dtype = value["dtype"]?.stringValue else { throw PrefkitError("\(at): missing dtype") }
        guard let size = dtypeSize(dtype) else { throw PrefkitError("\(at): unknown dtype '\(dtype)'") }
        guard let dims = value["shape"]?.arrayValue else { throw PrefkitError("\(at): missing shape") }
        var shape: [Int] = []
        var count = 1
        for d in dims {
            guard let n = d.intValue, n >= 0 else { throw PrefkitError("\(at): shape entry \(d.serialized()) is not a non-negative integer") }
            let (product, overflow) = count.multipliedReportingOverflow(by: n)
            guard !overflow else { throw PrefkitError("\(at): shape \(dims.map { $0.serialized() }) is too large") }
            shape.append(n)
            count = product
        }
        guard let offsets = value["data_offsets"]?.arrayValue, offsets.count == 2,
              let begin = offsets[0].intValue, let end = offsets[1].intValue else {
            throw PrefkitError("\(at): data_offsets must be two integers")
        }
        guard 0 <= begin, begin <= end, end <= dataSize else {
            throw PrefkitError("\(at): data_offsets [\(begin), \(end)] lie outside the data section of \(dataSize) bytes")
        }
        let (expected, overflow) = count.multipliedReportingOverflow(by: size)
        guard !overflow, end - begin == expected else {
            throw PrefkitError("\(at): data_offsets span \(end - begin) bytes but \(dtype) shape \(shape) needs \(count) x \(size)")
        }
        return TensorInfo(name: name, dtype: dtype, shape: shape, begin: begin, end: end)
    }

    public func info(_ name: String) throws -> TensorInfo {
        guard let t = tensors[name] else { throw PrefkitError("\(path): no tensor named '\(name)'") }
        return t
    }

    /// The tensor's values widened (or, for F64, narrowed) to Float.
    public func floats(_ name: String) throws -> [Float] {
        let t = try info(name)
        let count = t.elementCount
        return try [Float](unsafeUninitializedCapacity: count) { buf, initialized in
            try readInto(name, buf.baseAddress!, count: count)
            initialized = count
        }
    }

    /// Converts into caller-owned memory (e.g. a model's weight buffer) so
    /// loading needs no intermediate array. `count` must equal the element count.
    public func readInto(_ name: String, _ dst: UnsafeMutablePointer<Float>, count: Int) throws {
        let t = try checked(name, count: count)
        try chunks(t) { src, first, n in
            try Self.widen(src, dtype: t.dtype, to: dst + first, count: n, name: name, path: path)
        }
    }

    /// Into bf16 or f16 bits: copied when the file stores that dtype, else read as Float and
    /// rounded to nearest even (a slice at a time: no Float copy of the tensor is made).
    public func readHalf(_ name: String, _ dst: UnsafeMutablePointer<UInt16>, dtype: WeightsDType, count: Int) throws {
        precondition(dtype != .f32, "readHalf: bf16 or f16")
        let t = try checked(name, count: count)
        if t.dtype == dtype.safetensorsName {
            try chunks(t) { src, first, n in
                UnsafeMutableRawPointer(dst + first).copyMemory(from: src, byteCount: 2 * n)
            }
            return
        }
        var wide = [Float](repeating: 0, count: Self.chunkBytes / 2)
        try wide.withUnsafeMutableBufferPointer { w in
            try chunks(t) { src, first, n in
                try Self.widen(src, dtype: t.dtype, to: w.baseAddress!, count: n, name: name, path: path)
                pk_narrow(dtype.kernelCode, w.baseAddress!, dst + first, Int64(n))
            }
        }
    }

    /// The tensor's info, when `count` is its element count.
    private func checked(_ name: String, count: Int) throws -> TensorInfo {
        let t = try info(name)
        guard count == t.elementCount else {
            throw PrefkitError("\(path): tensor '\(name)' has \(t.elementCount) elements (shape \(t.shape)) but the destination holds \(count)")
        }
        return t
    }

    /// Bytes read per slice of a tensor: large tensors stream through one small buffer.
    static let chunkBytes = 1 << 22

    /// The tensor's stored bytes a slice at a time: body(bytes, first element, element count).
    private func chunks(_ t: TensorInfo, _ body: (UnsafeRawPointer, Int, Int) throws -> Void) throws {
        guard let size = Self.dtypeSize(t.dtype) else {
            throw PrefkitError("\(path): tensor '\(t.name)': unknown dtype \(t.dtype)")
        }
        let perChunk = Self.chunkBytes / size
        var first = 0
        while first < t.elementCount {
            let n = min(perChunk, t.elementCount - first)
            try storage.withBytes(at: dataStart + t.begin + first * size, count: n * size, path: path) { src in
                try body(src, first, n)
            }
            first += n
        }
    }

    /// Stored values of `dtype` as Float.
    private static func widen(_ src: UnsafeRawPointer, dtype: String, to dst: UnsafeMutablePointer<Float>, count: Int,
                              name: String, path: String) throws {
        switch dtype {
        case "F32":
            for k in 0..<count {
                dst[k] = Float(bitPattern: UInt32(littleEndian: src.loadUnaligned(fromByteOffset: 4 * k, as: UInt32.self)))
            }
        case "F16": HalfFloat.convertF16(src, to: dst, count: count)
        case "BF16": HalfFloat.convertBF16(src, to: dst, count: count)
        case "F64":
            for k in 0..<count {
                dst[k] = Float(Double(bitPattern: UInt64(littleEndian: src.loadUnaligned(fromByteOffset: 8 * k, as: UInt64.self))))
            }
        default:
            throw PrefkitError("\(path): tensor '\(name)': dtype \(dtype) cannot be read as Float")
        }
    }
}
