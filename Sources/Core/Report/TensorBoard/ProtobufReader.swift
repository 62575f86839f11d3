/// Reads protocol-buffer fields back (for TensorBoard event files: our own decoder, used by
/// the tests against files TensorBoard's SummaryWriter wrote). Every length is checked against
/// the bytes that remain; a malformed message is an error, never a read past the end.
public struct ProtobufReader {
    public enum Value {
        case varint(UInt64)
        case fixed64(UInt64)
        case fixed32(UInt32)
        case bytes([UInt8])

        public var double: Double? {
            if case .fixed64(let b) = self { return Double(bitPattern: b) }
            return nil
        }
        public var float: Float? {
            if case .fixed32(let b) = self { return Float(bitPattern: b) }
            return nil
        }
        public var int: Int64? {
            if case .varint(let v) = self { return Int64(bitPattern: v) }
            return nil
        }
        public var data: [UInt8]? {
            if case .bytes(let b) = self { return b }
            return nil
        }
        public var string: String? { data.map { String(decoding: $0, as: UTF8.self) } }
        /// A packed repeated double field.
        public var doubles: [Double]? {
            guard let b = data, b.count % 8 == 0 else { return nil }
            return stride(from: 0, to: b.count, by: 8).map { i in
                Double(bitPattern: (0..<8).reduce(UInt64(0)) { $0 | UInt64(b[i + $1]) << (8 * UInt64($1)) })
            }
        }
    }

    /// (field number, value) in message order.
    public static func fields(_ b: [UInt8]) throws -> [(Int, Value)] {
        var out: [(Int, Value)] = []
        var i = 0
        func varint() throws -> UInt64 {
            var v: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                guard i < b.count, shift < 64 else { throw PrefkitError("protobuf: truncated varint") }
                let byte = b[i]
                i += 1
                v |= UInt64(byte & 0x7F) << shift
                if byte < 0x80 { return v }
                shift += 7
            }
        }
        func take(_ n: Int) throws -> [UInt8] {
            guard n >= 0, n <= b.count - i else { throw PrefkitError("protobuf: a field runs past the message") }
            defer { i += n }
            return Array(b[i..<(i + n)])
        }
        while i < b.count {
            let key = try varint()
            let field = Int(key >> 3)
            switch key & 7 {
            case 0: out.append((field, .varint(try varint())))
            case 1: out.append((field, .fixed64(try take(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })))
            case 2:
                let n = try varint()
                guard n <= UInt64(b.count - i) else { throw PrefkitError("protobuf: a field runs past the message") }
                out.append((field, .bytes(try take(Int(n)))))
            case 5: out.append((field, .fixed32(try take(4).enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (8 * UInt32($1.offset)) })))
            default: throw PrefkitError("protobuf: unsupported wire type \(key & 7)")
            }
        }
        return out
    }
}
