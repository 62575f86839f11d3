import Foundation

/// TFRecord framing, as TensorBoard event files use it: per record, the data length as a
/// little-endian UInt64, the masked CRC-32C of those 8 bytes, the data, and its masked CRC.
public enum TFRecord {
    public static func frame(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        let lengthBytes = withUnsafeBytes(of: UInt64(data.count).littleEndian) { Array($0) }
        out += lengthBytes
        out += withUnsafeBytes(of: CRC32C.masked(lengthBytes).littleEndian) { Array($0) }
        out += data
        out += withUnsafeBytes(of: CRC32C.masked(data).littleEndian) { Array($0) }
        return out
    }

    /// Every record's data; both CRCs of every record are checked.
    public static func records(_ bytes: [UInt8], source: String) throws -> [[UInt8]] {
        var out: [[UInt8]] = []
        var i = 0
        func u32(_ at: Int) -> UInt32 { (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[at + $1]) << (8 * UInt32($1)) } }
        while i < bytes.count {
            guard bytes.count - i >= 12 else { throw PrefkitError("\(source): truncated record header at byte \(i)") }
            let lengthBytes = Array(bytes[i..<(i + 8)])
            let length = lengthBytes.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
            guard u32(i + 8) == CRC32C.masked(lengthBytes) else { throw PrefkitError("\(source): bad length CRC at byte \(i)") }
            guard length <= UInt64(bytes.count - i - 16) else { throw PrefkitError("\(source): record at byte \(i) runs past the file") }
            let start = i + 12
            let data = Array(bytes[start..<(start + Int(length))])
            guard u32(start + Int(length)) == CRC32C.masked(data) else { throw PrefkitError("\(source): bad data CRC at byte \(i)") }
            out.append(data)
            i = start + Int(length) + 4
        }
        return out
    }
}
