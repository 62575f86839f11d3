/// Page decompression for the codecs pyarrow writes: uncompressed, Snappy and LZ4_RAW (block
/// formats decoded here, every offset and length checked), gzip (zlib) and zstd. The output
/// must be exactly the page's declared uncompressed size.
enum ParquetCodecs {
    static func decompress(_ data: [UInt8], codec: Int, size: Int, source: String) throws -> [UInt8] {
        guard size >= 0, size <= 1 << 31 else { throw PrefkitError("\(source): a page declares \(size) bytes") }
        let out: [UInt8]
        switch codec {
        case 0: out = data
        case 1: out = try snappy(data, source: source)
        case 2: out = try gzip(data, size: size, source: source)
        case 6: out = try Zstd.decompress(data, source: source, maxOutput: max(size, 1))
        case 7: out = try lz4Block(data, size: size, source: source)
        default: throw PrefkitError("\(source): Parquet codec \(codec) is not supported (uncompressed, snappy, gzip, zstd, lz4_raw are)")
        }
        guard out.count == size else { throw PrefkitError("\(source): a page decompressed to \(out.count) bytes, not the declared \(size)") }
        return out
    }

    /// Snappy's raw block format: the uncompressed length, then literals and back-references,
    /// written into a buffer of exactly that length (every run checked against it).
    static func snappy(_ s: [UInt8], source: String) throws -> [UInt8] {
        func bad() -> PrefkitError { PrefkitError("\(source): corrupt snappy data") }
        var i = 0
        var length: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard i < s.count, shift < 35 else { throw bad() }
            let b = s[i]
            i += 1
            length |= UInt64(b & 0x7F) << shift
            if b < 0x80 { break }
            shift += 7
        }
        guard length <= 1 << 31 else { throw bad() }
        let n = Int(length)
        var out = [UInt8](repeating: 0, count: n)
        let ok = s.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in snappyBody(src, from: i, into: dst) }
        }
        guard ok else { throw bad() }
        return out
    }

    /// The element stream of a snappy block into `dst`, which must end exactly full; false on
    /// any run past the input or the output, or an offset before the start.
    static func snappyBody(_ src: UnsafeBufferPointer<UInt8>, from start: Int, into dst: UnsafeMutableBufferPointer<UInt8>) -> Bool {
        guard let d = dst.baseAddress, dst.count > 0 else { return start == src.count }
        let n = dst.count
        var i = start
        var o = 0
        @inline(__always) func le(_ k: Int, _ i: inout Int) -> Int? {
            guard k <= src.count - i else { return nil }
            var v = 0
            for j in 0..<k { v |= Int(src[i + j]) << (8 * j) }
            i += k
            return v
        }
        while i < src.count {
            let tag = src[i]
            i += 1
            var offset = 0
            var len = 0
            switch tag & 3 {
            case 0:
                len = Int(tag >> 2) + 1
                if len > 60 {
                    guard let l = le(len - 60, &i) else { return false }
                    len = l + 1
                }
                guard len <= src.count - i, len <= n - o else { return false }
                (d + o).update(from: src.baseAddress! + i, count: len)
                i += len
                o += len
                continue
            case 1:
                len = Int((tag >> 2) & 7) + 4
                guard let low = le(1, &i) else { return false }
                offset = (Int(tag >> 5) << 8) | low
            case 2:
                guard let off = le(2, &i) else { return false }
                offset = off
                len = Int(tag >> 2) + 1
            default:
                guard let off = le(4, &i) else { return false }
                offset = off
                len = Int(tag >> 2) + 1
            }
            guard offset > 0, offset <= o, len <= n - o else { return false }
            if offset >= len {
                (d + o).update(from: d + o - offset, count: len)
            } else {
                // Overlapping: the copy repeats the last `offset` bytes.
                for j in 0..<len { d[o + j] = d[o - offset + j] }
            }
            o += len
        }
        return o == n
    }

    /// LZ4's block format (LZ4_RAW): sequences of literals and overlapping matches.
    static func lz4Block(_ s: [UInt8], size: Int, source: String) throws -> [UInt8] {
        func bad() -> PrefkitError { PrefkitError("\(source): corrupt lz4 data") }
        var out: [UInt8] = []
        out.reserveCapacity(size)
        var i = 0
        func extra(_ base: Int) throws -> Int {
            var n = base
            guard n == 15 else { return n }
            while true {
                guard i < s.count else { throw bad() }
                let b = Int(s[i])
                i += 1
                n += b
                guard n <= size else { throw bad() }
                if b != 255 { return n }
            }
        }
        while i < s.count {
            let token = s[i]
            i += 1
            let literals = try extra(Int(token >> 4))
            guard literals <= s.count - i, out.count + literals <= size else { throw bad() }
            out += s[i..<(i + literals)]
            i += literals
            if i == s.count { break }
            guard s.count - i >= 2 else { throw bad() }
            let offset = Int(s[i]) | Int(s[i + 1]) << 8
            i += 2
            let match = try extra(Int(token & 15)) + 4
            guard offset > 0, offset <= out.count, out.count + match <= size else { throw bad() }
            let from = out.count - offset
            for k in 0..<match { out.append(out[from + k]) }
        }
        return out
    }

    static func gzip(_ data: [UInt8], size: Int, source: String) throws -> [UInt8] {
        let decoder = try GzipStreamDecoder(path: source)
        var out = [UInt8](repeating: 0, count: size + 1)
        var read = 0
        var written = 0
        while true {
            let (c, p) = try data.withUnsafeBytes { input in
                try out.withUnsafeMutableBytes { output in
                    try decoder.decode(UnsafeRawBufferPointer(rebasing: input[read...]),
                                       into: UnsafeMutableRawBufferPointer(rebasing: output[written...]))
                }
            }
            read += c
            written += p
            if c == 0 && p == 0 { break }
            if read == data.count && decoder.atBoundary { break }
            guard written <= size else { break }
        }
        guard decoder.atBoundary else { throw PrefkitError("\(source): truncated gzip page") }
        out.removeSubrange(min(written, out.count)...)
        return out
    }
}
