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
        try plain(count: count, type: type, into: &out)
        return out
    }

    /// `count` PLAIN values of a physical type, appended to `out` (no array in between: the
    /// column's values are built in place, which is most of a page's work).
    mutating func plain(count: Int, type: Int, into out: inout [JSONValue]) throws {
        out.reserveCapacity(out.count + min(count, end - pos))
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
                    out.append(.string(try Self.utf8(UnsafeBufferPointer(rebasing: buf[pos..<(pos + n)]), self)))
                    pos += n
                }
            }
        default: throw fail("physical type \(type) (INT96, FIXED_LEN_BYTE_ARRAY) is not supported")
        }
    }

    /// A string from bytes that must be UTF-8.
    static func utf8(_ bytes: UnsafeBufferPointer<UInt8>, _ page: ParquetBytes) throws -> String {
        guard let s = String(validating: bytes, as: UTF8.self) else { throw page.fail("a string that is not UTF-8") }
        return s
    }

    // MARK: delta encodings (what pyarrow writes when asked for them)

    /// DELTA_BINARY_PACKED: a header (block size, miniblocks per block, total count, first
    /// value), then per block the minimum delta, one bit width per miniblock, and the
    /// miniblocks' deltas bit-packed. Miniblocks past the last value carry no bytes.
    mutating func deltaBinaryPacked(limit: Int) throws -> [Int64] {
        let blockSize = Int(try varint())
        let miniblocks = Int(try varint())
        let total = Int(try varint())
        guard blockSize > 0, blockSize % 128 == 0, blockSize <= 1 << 16, miniblocks > 0, blockSize % miniblocks == 0,
              (blockSize / miniblocks) % 32 == 0, total >= 0, total <= limit else {
            throw fail("a delta header (block \(blockSize), miniblocks \(miniblocks), values \(total))")
        }
        let perMini = blockSize / miniblocks
        var out: [Int64] = []
        out.reserveCapacity(total)
        let z = try varint()
        var last = Int64(bitPattern: (z >> 1) ^ (0 &- (z & 1)))
        if total > 0 { out.append(last) }
        while out.count < total {
            let zm = try varint()
            let minDelta = Int64(bitPattern: (zm >> 1) ^ (0 &- (zm & 1)))
            let widths = try take(miniblocks).map(Int.init)
            for w in widths where out.count < total {
                guard w <= 64 else { throw fail("a delta bit width of \(w)") }
                let bytes = try take(perMini * w / 8)
                var acc: UInt64 = 0
                var have = 0
                var k = bytes.startIndex
                for _ in 0..<perMini {
                    var v: UInt64 = 0
                    if w > 0 {
                        // Gather w bits LSB first (w may be up to 64: two words' worth).
                        var got = 0
                        while got < w {
                            if have == 0 {
                                acc = UInt64(bytes[k])
                                k += 1
                                have = 8
                            }
                            let n = min(w - got, have)
                            v |= (acc & ((1 << UInt64(n)) - 1)) << UInt64(got)
                            acc >>= UInt64(n)
                            have -= n
                            got += n
                        }
                    }
                    if out.count < total {
                        last = last &+ minDelta &+ Int64(bitPattern: v)
                        out.append(last)
                    }
                }
            }
        }
        return out
    }

    /// DELTA_LENGTH_BYTE_ARRAY: the lengths delta-packed, then the bytes back to back.
    mutating func deltaLengthByteArray(count: Int) throws -> [[UInt8]] {
        let lengths = try deltaBinaryPacked(limit: count)
        guard lengths.count == count else { throw fail("\(lengths.count) lengths for \(count) values") }
        return try lengths.map { n in
            guard n >= 0, n <= Int64(end - pos) else { throw fail("a string runs past the page") }
            return Array(try take(Int(n)))
        }
    }

    /// DELTA_BYTE_ARRAY: prefix lengths shared with the previous value, then the suffixes.
    mutating func deltaByteArray(count: Int) throws -> [[UInt8]] {
        let prefixes = try deltaBinaryPacked(limit: count)
        let suffixes = try deltaLengthByteArray(count: count)
        guard prefixes.count == count else { throw fail("\(prefixes.count) prefixes for \(count) values") }
        var out: [[UInt8]] = []
        out.reserveCapacity(count)
        var previous: [UInt8] = []
        for (p, suffix) in zip(prefixes, suffixes) {
            guard p >= 0, p <= Int64(previous.count) else { throw fail("a prefix of \(p) bytes after a \(previous.count)-byte value") }
            previous = Array(previous.prefix(Int(p))) + suffix
            out.append(previous)
        }
        return out
    }

    func strings(_ values: [[UInt8]], into out: inout [JSONValue]) throws {
        for v in values {
            out.append(.string(try v.withUnsafeBufferPointer { try Self.utf8($0, self) }))
        }
    }
}
