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

    /// Snappy's raw block format: the uncompressed length, then literals and back-references.
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
        var out: [UInt8] = []
        out.reserveCapacity(Int(length))
        func le(_ n: Int) throws -> Int {
            guard n <= s.count - i else { throw bad() }
            var v = 0
            for k in 0..<n { v |= Int(s[i + k]) << (8 * k) }
            i += n
            return v
        }
        func copy(_ offset: Int, _ n: Int) throws {
            guard offset > 0, offset <= out.count, out.count + n <= Int(length) else { throw bad() }
            let from = out.count - offset
            for k in 0..<n { out.append(out[from + k]) }
        }
        while i < s.count {
            let tag = s[i]
            i += 1
            switch tag & 3 {
            case 0:
                var n = Int(tag >> 2) + 1
                if n > 60 { n = try le(n - 60) + 1 }
                guard n <= s.count - i, out.count + n <= Int(length) else { throw bad() }
                out += s[i..<(i + n)]
                i += n
                continue
            case 1:
                let n = Int((tag >> 2) & 7) + 4
                let offset = (Int(tag >> 5) << 8) | (try le(1))
                try copy(offset, n)
            case 2:
                try copy(try le(2), Int(tag >> 2) + 1)
            default:
                try copy(try le(4), Int(tag >> 2) + 1)
            }
        }
        guard out.count == Int(length) else { throw bad() }
        return out
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
