/// The value encodings of Parquet pages: the RLE / bit-packed hybrid (levels and dictionary
/// indices) and PLAIN values, decoded into JSON values. Every read is bounds-checked.
struct ParquetBytes {
    let b: [UInt8]
    var pos: Int
    let end: Int
    let source: String

    init(_ b: [UInt8], from: Int = 0, to: Int? = nil, source: String) {
        self.b = b
        pos = from
        end = to ?? b.count
        self.source = source
    }

    func fail(_ what: String) -> PrefkitError { PrefkitError("\(source): corrupt Parquet page: \(what)") }

    mutating func take(_ n: Int) throws -> ArraySlice<UInt8> {
        guard n >= 0, n <= end - pos else { throw fail("a value runs past the page") }
        defer { pos += n }
        return b[pos..<(pos + n)]
    }

    mutating func le(_ n: Int) throws -> UInt64 {
        guard n >= 0, n <= end - pos else { throw fail("a value runs past the page") }
        var v: UInt64 = 0
        for k in 0..<n { v |= UInt64(b[pos + k]) << (8 * UInt64(k)) }
        pos += n
        return v
    }

    mutating func varint() throws -> UInt64 {
        var v: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let x = try take(1).first!
            guard shift < 64 else { throw fail("varint too long") }
            v |= UInt64(x & 0x7F) << shift
            if x < 0x80 { return v }
            shift += 7
        }
    }

    /// `count` values of the RLE / bit-packed hybrid at `bitWidth` bits each.
    mutating func hybrid(count: Int, bitWidth: Int) throws -> [Int] {
        guard (0...32).contains(bitWidth) else { throw fail("bit width \(bitWidth)") }
        var out: [Int] = []
        out.reserveCapacity(count)
        if bitWidth == 0 { return [Int](repeating: 0, count: count) }
        while out.count < count {
            let header = try varint()
            if header & 1 == 1 {
                let groups = Int(header >> 1)
                guard groups <= (end - pos) else { throw fail("bit-packed run past the page") }
                let bytes = try take(groups * bitWidth)
                var acc: UInt64 = 0
                var have = 0
                for byte in bytes {
                    acc |= UInt64(byte) << UInt64(have)
                    have += 8
                    while have >= bitWidth {
                        if out.count < count { out.append(Int(acc & ((1 << UInt64(bitWidth)) - 1))) }
                        acc >>= UInt64(bitWidth)
                        have -= bitWidth
                    }
                }
            } else {
                let run = Int(header >> 1)
                guard run <= count - out.count || run <= 1 << 24 else { throw fail("RLE run of \(run)") }
                let v = Int(try le((bitWidth + 7) / 8))
                out += repeatElement(v, count: min(run, count - out.count))
            }
        }
        return out
    }

    /// `count` PLAIN values of a physical type.
    mutating func plain(count: Int, type: Int) throws -> [JSONValue] {
        var out: [JSONValue] = []
        out.reserveCapacity(min(count, end - pos))
        switch type {
        case 0:
            let bytes = try take((count + 7) / 8)
            for k in 0..<count { out.append(.bool(bytes[bytes.startIndex + k / 8] >> UInt8(k % 8) & 1 == 1)) }
        case 1: for _ in 0..<count { out.append(.number(Double(Int32(truncatingIfNeeded: try le(4))))) }
        case 2: for _ in 0..<count { out.append(.number(Double(Int64(bitPattern: try le(8))))) }
        case 4: for _ in 0..<count { out.append(.number(Double(Float(bitPattern: UInt32(try le(4)))))) }
        case 5: for _ in 0..<count { out.append(.number(Double(bitPattern: try le(8)))) }
        case 6:
            try b.withUnsafeBufferPointer { buf in
                for _ in 0..<count {
                    let n = Int(try le(4))
                    guard n <= end - pos else { throw fail("a value runs past the page") }
                    guard let s = String(validating: UnsafeBufferPointer(rebasing: buf[pos..<(pos + n)]), as: UTF8.self) else {
                        throw fail("a string that is not UTF-8")
                    }
                    pos += n
                    out.append(.string(s))
                }
            }
        default: throw fail("physical type \(type) (INT96, FIXED_LEN_BYTE_ARRAY) is not supported")
        }
        return out
    }
}
