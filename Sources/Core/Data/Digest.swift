/// A content fingerprint (FNV-1a, 64 bit) for provenance and for matching artifacts
/// to the data and model they were made from. Not a security hash.
public struct Digest {
    public private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325
    public init() {}

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        var h = value
        for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        value = h
    }
    public mutating func update(_ bytes: [UInt8]) { bytes.withUnsafeBytes { update($0) } }
    public mutating func update(_ s: String) { update(Array(s.utf8)) }
    public var hex: String { let s = String(value, radix: 16); return String(repeating: "0", count: 16 - s.count) + s }

    /// Digest of a file's decompressed content, so foo.jsonl and foo.jsonl.zst agree.
    /// Digest of the lines of a data spec's files (see DataFiles), in order: one file gives
    /// the digest of its lines, as before globs and hf: existed.
    public static func ofFile(_ spec: String) throws -> String {
        var d = Digest()
        for path in try DataFiles.resolve(spec) {
            let reader = try LineReader(path: path)
            while let (_, line) = try reader.nextLine() { d.update(line); d.update([10]) }
        }
        return d.hex
    }

    /// Digest of a float buffer (model weights), sampled on a stride for large models:
    /// enough to tell checkpoints apart without reading gigabytes twice.
    public static func ofFloats(_ p: UnsafePointer<Float>, count: Int) -> String {
        var d = Digest()
        let stride = max(1, count / (1 << 20))
        var i = 0
        while i < count { var v = p[i].bitPattern; withUnsafeBytes(of: &v) { d.update($0) }; i += stride }
        var n = UInt64(count); withUnsafeBytes(of: &n) { d.update($0) }
        return d.hex
    }
}
