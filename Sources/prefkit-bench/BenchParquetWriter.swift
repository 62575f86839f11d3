import Core
import Foundation

/// The smallest Parquet writer the `parquet_read` case needs, so that `make bench` makes its own
/// input without Python: required string (BYTE_ARRAY, UTF8) columns, data pages v1 holding
/// PLAIN values or dictionary indices (RLE_DICTIONARY behind a PLAIN dictionary page), every
/// page zstd-compressed (codec 6) as pyarrow writes it. Columns go in row groups; the footer is
/// Thrift compact. Not a general writer: no nulls, no nesting, no statistics.
final class BenchParquetWriter {
    /// A column of one row group: each row's string, or a dictionary and each row's index.
    enum Column {
        case plain([[UInt8]])
        case dictionary(values: [[UInt8]], indices: [Int])
    }

    let names: [String]
    let rowsPerPage: Int
    private let handle: FileHandle
    private var offset = 0
    private var groups: [ThriftValue] = []
    private var rows = 0

    init(path: String, columns: [String], rowsPerPage: Int = 5_000) throws {
        names = columns
        self.rowsPerPage = rowsPerPage
        guard FileManager.default.createFile(atPath: path, contents: nil),
              let h = FileHandle(forWritingAtPath: path) else { throw BenchError("\(path): cannot create") }
        handle = h
        try write(Array("PAR1".utf8))
    }

    private func write(_ bytes: [UInt8]) throws {
        try handle.write(contentsOf: bytes)
        offset += bytes.count
    }

    /// One row group; every column must hold `count` rows. The pages of the columns are
    /// compressed in parallel (the bench's input is big), then written in column order.
    func writeRowGroup(_ columns: [Column], count: Int) throws {
        precondition(columns.count == names.count)
        var encoded = [[Page]](repeating: [], count: columns.count)
        encoded.withUnsafeMutableBufferPointer { out in
            let slots = out.baseAddress!
            Parallel.forRange(columns.count) { lo, hi in
                // Each worker writes only its own slots.
                for k in lo..<hi { slots[k] = Self.pages(columns[k], count: count, rowsPerPage: rowsPerPage) }
            }
        }
        var chunks: [ThriftValue] = []
        var groupBytes = 0
        for (k, pages) in encoded.enumerated() {
            let start = offset
            var uncompressed = 0
            for page in pages {
                uncompressed += page.uncompressedSize
                try write(page.bytes)
            }
            groupBytes += offset - start
            var meta: [Int: ThriftValue] = [
                1: .i32(6), 2: .list(i32: [0, 3, 8]), 3: .list(strings: [names[k]]), 4: .i32(6), 5: .i64(count),
                6: .i64(uncompressed), 7: .i64(offset - start), 9: .i64(start),
            ]
            if case .dictionary = columns[k] {
                meta[9] = .i64(start + pages[0].bytes.count)
                meta[11] = .i64(start)
            }
            chunks.append(.structure([2: .i64(start), 3: .structure(meta)]))
        }
        groups.append(.structure([1: .list(structs: chunks), 2: .i64(groupBytes), 3: .i64(count)]))
        rows += count
    }

    /// The footer (FileMetaData: version, flat schema, rows, row groups), its length and PAR1.
    func close() throws {
        var schema: [ThriftValue] = [.structure([4: .binary(Array("schema".utf8)), 5: .i32(names.count)])]
        for n in names {
            // BYTE_ARRAY, REQUIRED, converted type UTF8.
            schema.append(.structure([1: .i32(6), 3: .i32(0), 4: .binary(Array(n.utf8)), 6: .i32(0)]))
        }
        let meta: ThriftValue = .structure([1: .i32(1), 2: .list(structs: schema), 3: .i64(rows), 4: .list(structs: groups),
                                            6: .binary(Array("prefkit-bench".utf8))])
        var footer: [UInt8] = []
        meta.encode(into: &footer)
        try write(footer)
        let n = UInt32(footer.count)
        try write([UInt8(n & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n >> 16 & 0xFF), UInt8(n >> 24)] + Array("PAR1".utf8))
        try handle.close()
    }

    struct Page {
        var bytes: [UInt8]
        var uncompressedSize: Int
    }

    /// A column chunk's pages: for a dictionary column, the dictionary page first.
    static func pages(_ column: Column, count: Int, rowsPerPage: Int) -> [Page] {
        var out: [Page] = []
        switch column {
        case .plain(let values):
            for lo in stride(from: 0, to: count, by: rowsPerPage) {
                let hi = min(count, lo + rowsPerPage)
                out.append(page(type: 0, values: hi - lo, encoding: 0, body: plain(values[lo..<hi])))
            }
        case .dictionary(let values, let indices):
            out.append(page(type: 2, values: values.count, encoding: 0, body: plain(values[...])))
            let width = max(1, Int.bitWidth - (values.count - 1).leadingZeroBitCount)
            for lo in stride(from: 0, to: count, by: rowsPerPage) {
                let hi = min(count, lo + rowsPerPage)
                out.append(page(type: 0, values: hi - lo, encoding: 8, body: [UInt8(width)] + bitPacked(indices[lo..<hi], width: width)))
            }
        }
        return out
    }

    /// PLAIN byte arrays: a 4-byte little-endian length before each value.
    static func plain(_ values: ArraySlice<[UInt8]>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(values.reduce(0) { $0 + 4 + $1.count })
        for v in values {
            let n = UInt32(v.count)
            out += [UInt8(n & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n >> 16 & 0xFF), UInt8(n >> 24)]
            out += v
        }
        return out
    }

    /// One bit-packed run of the RLE / bit-packed hybrid: header (groups of 8 << 1 | 1), then
    /// the values LSB first, `width` bits each, the last group padded with zeros.
    static func bitPacked(_ values: ArraySlice<Int>, width: Int) -> [UInt8] {
        let groups = (values.count + 7) / 8
        var out: [UInt8] = []
        var header = UInt64(groups << 1 | 1)
        while header >= 0x80 {
            out.append(UInt8(header & 0x7F) | 0x80)
            header >>= 7
        }
        out.append(UInt8(header))
        var acc: UInt64 = 0
        var have = 0
        for k in 0..<(groups * 8) {
            let v = k < values.count ? UInt64(values[values.startIndex + k]) : 0
            acc |= v << UInt64(have)
            have += width
            while have >= 8 {
                out.append(UInt8(acc & 0xFF))
                acc >>= 8
                have -= 8
            }
        }
        return out
    }

    /// A page: its Thrift header (type, sizes, the data or dictionary page header), then the
    /// body compressed with zstd.
    static func page(type: Int, values: Int, encoding: Int, body: [UInt8]) -> Page {
        // zstd only fails on an input too large for its bound; a page is far below that.
        let compressed = try! Zstd.compress(body, level: 1)
        let detail: [Int: ThriftValue] = type == 2
            ? [1: .i32(values), 2: .i32(encoding)]
            : [1: .i32(values), 2: .i32(encoding), 3: .i32(3), 4: .i32(3)]
        let header: ThriftValue = .structure([1: .i32(type), 2: .i32(body.count), 3: .i32(compressed.count),
                                              (type == 2 ? 7 : 5): .structure(detail)])
        var bytes: [UInt8] = []
        header.encode(into: &bytes)
        return Page(bytes: bytes + compressed, uncompressedSize: bytes.count + body.count)
    }
}

/// A Thrift value as the compact protocol writes it (the subset Parquet's footer and page
/// headers use): integers zigzag varints, binaries length-prefixed, lists with a size and
/// element type, structs as field deltas ending in a stop byte.
indirect enum ThriftValue {
    case i32(Int)
    case i64(Int)
    case binary([UInt8])
    case list(type: UInt8, [ThriftValue])
    case structure([Int: ThriftValue])

    static func list(i32 v: [Int]) -> ThriftValue { .list(type: 5, v.map { .i32($0) }) }
    static func list(strings v: [String]) -> ThriftValue { .list(type: 8, v.map { .binary(Array($0.utf8)) }) }
    static func list(structs v: [ThriftValue]) -> ThriftValue { .list(type: 12, v) }

    /// The compact type id of the value in a field header.
    var type: UInt8 {
        switch self {
        case .i32: return 5
        case .i64: return 6
        case .binary: return 8
        case .list: return 9
        case .structure: return 12
        }
    }

    static func varint(_ v: UInt64, into out: inout [UInt8]) {
        var v = v
        while v >= 0x80 {
            out.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }

    static func zigzag(_ v: Int) -> UInt64 { UInt64(bitPattern: Int64((v << 1) ^ (v >> 63))) }

    func encode(into out: inout [UInt8]) {
        switch self {
        case .i32(let v), .i64(let v):
            Self.varint(Self.zigzag(v), into: &out)
        case .binary(let b):
            Self.varint(UInt64(b.count), into: &out)
            out += b
        case .list(let type, let items):
            if items.count < 15 {
                out.append(UInt8(items.count << 4) | type)
            } else {
                out.append(0xF0 | type)
                Self.varint(UInt64(items.count), into: &out)
            }
            for item in items { item.encode(into: &out) }
        case .structure(let fields):
            var last = 0
            for id in fields.keys.sorted() {
                let value = fields[id]!
                // Field ids here grow by less than 16, so the short header always applies.
                precondition(id > last && id - last < 16)
                out.append(UInt8((id - last) << 4) | value.type)
                last = id
                value.encode(into: &out)
            }
            out.append(0)
        }
    }
}
