/// The few protocol-buffer encodings TensorBoard's Event and Summary messages need: varints,
/// 64- and 32-bit fixed fields, and length-delimited fields (strings, bytes, sub-messages,
/// packed doubles). Fields are written in the order they are appended.
public struct ProtobufWriter {
    public private(set) var bytes: [UInt8] = []
    public init() {}

    mutating func varint(_ v: UInt64) {
        var x = v
        while x >= 0x80 {
            bytes.append(UInt8(x & 0x7F) | 0x80)
            x >>= 7
        }
        bytes.append(UInt8(x))
    }

    mutating func key(_ field: Int, _ wireType: UInt64) { varint(UInt64(field) << 3 | wireType) }

    public mutating func int(_ field: Int, _ v: Int64) {
        key(field, 0)
        varint(UInt64(bitPattern: v))
    }

    public mutating func double(_ field: Int, _ v: Double) {
        key(field, 1)
        withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes += $0 }
    }

    public mutating func float(_ field: Int, _ v: Float) {
        key(field, 5)
        withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes += $0 }
    }

    public mutating func data(_ field: Int, _ v: [UInt8]) {
        key(field, 2)
        varint(UInt64(v.count))
        bytes += v
    }

    public mutating func string(_ field: Int, _ v: String) { data(field, Array(v.utf8)) }

    public mutating func message(_ field: Int, _ build: (inout ProtobufWriter) -> Void) {
        var m = ProtobufWriter()
        build(&m)
        data(field, m.bytes)
    }

    public mutating func packedDoubles(_ field: Int, _ v: [Double]) {
        var m = ProtobufWriter()
        for d in v { withUnsafeBytes(of: d.bitPattern.littleEndian) { m.bytes += $0 } }
        data(field, m.bytes)
    }
}
