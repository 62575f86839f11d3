/// One column chunk decoded: repetition and definition levels per entry, and the values of
/// the entries that are defined down to the leaf (def == maxDef); read with `nullsInline`,
/// one value per entry instead, .null where the entry is not defined (a flat column is then
/// already its rows, and nothing is copied to assemble it).
struct ParquetColumnData {
    var rep: [Int] = []
    var def: [Int] = []
    var values: [JSONValue] = []
}

enum ParquetColumnReader {
    /// Values per column chunk and per page this reader accepts: far above what pyarrow and
    /// datasets write (row groups of about a million rows, pages of about a megabyte), low
    /// enough that a lying count cannot size a multi-gigabyte buffer.
    static let maxChunkValues = 1 << 27
    static let maxPageValues = 1 << 22

    /// A page's value count: non-negative, within the page cap and what the chunk has left.
    static func pageCount(_ v: Int64?, _ out: ParquetColumnData, _ c: ParquetColumnChunk, _ at: String) throws -> Int {
        guard let v, v >= 0, v <= Int64(maxPageValues), Int(v) <= c.numValues - out.def.count else {
            throw PrefkitError("\(at): a data page declares \(v.map(String.init) ?? "no") values (the chunk has \(c.numValues - out.def.count) left)")
        }
        return Int(v)
    }

    static func bitWidth(_ maxLevel: Int) -> Int { maxLevel == 0 ? 0 : Int.bitWidth - maxLevel.leadingZeroBitCount }

    /// Decodes every page of the chunk (its bytes as read from the file).
    static func read(_ chunk: [UInt8], _ c: ParquetColumnChunk, maxRep: Int, maxDef: Int, nullsInline: Bool = false,
                     source: String) throws -> ParquetColumnData {
        let at = "\(source) column \(c.path.joined(separator: "."))"
        // Counts come from the file: bounded before anything is sized from them.
        guard c.numValues >= 0, c.numValues <= maxChunkValues else {
            throw PrefkitError("\(at): the metadata declares \(c.numValues) values (at most \(maxChunkValues) per column chunk are read)")
        }
        var out = ParquetColumnData()
        var dictionary: [JSONValue]? = nil
        var p = 0
        while out.def.count < c.numValues && p < chunk.count {
            var r = Thrift.Reader(chunk, at: p, source: at)
            let header = try r.structure()
            let type = Int(header[1]?.int ?? -1)
            let uncompressed = Int(header[2]?.int ?? -1)
            let compressed = Int(header[3]?.int ?? -1)
            guard compressed >= 0, compressed <= chunk.count - r.pos else {
                throw PrefkitError("\(at): a page runs past its column chunk")
            }
            let body = Array(chunk[r.pos..<(r.pos + compressed)])
            p = r.pos + compressed
            switch type {
            case 2:
                let data = try ParquetCodecs.decompress(body, codec: c.codec, size: uncompressed, source: at)
                var q = ParquetBytes(data, source: at)
                let n = Int(header[7]?.fields?[1]?.int ?? -1)
                guard n >= 0, n <= maxPageValues else { throw PrefkitError("\(at): a dictionary page declares \(n) values") }
                dictionary = try q.plain(count: n, type: c.type)
            case 0:
                guard let h = header[5]?.fields else { throw PrefkitError("\(at): a data page without a header") }
                let n = try pageCount(h[1]?.int, out, c, at)
                let data = try ParquetCodecs.decompress(body, codec: c.codec, size: uncompressed, source: at)
                var q = ParquetBytes(data, source: at)
                let reps = try levels(&q, count: n, max: maxRep, prefixed: true)
                let defs = try levels(&q, count: n, max: maxDef, prefixed: true)
                try append(&out, reps, defs, &q, encoding: Int(h[2]?.int ?? 0), maxDef: maxDef, type: c.type, dictionary: dictionary,
                           nullsInline: nullsInline, at: at)
            case 3:
                guard let h = header[8]?.fields else { throw PrefkitError("\(at): a v2 data page without a header") }
                let n = try pageCount(h[1]?.int, out, c, at)
                let defLength = Int(h[5]?.int ?? 0)
                let repLength = Int(h[6]?.int ?? 0)
                guard repLength >= 0, defLength >= 0, repLength + defLength <= body.count else {
                    throw PrefkitError("\(at): v2 level lengths run past the page")
                }
                var levelBytes = ParquetBytes(body, to: repLength, source: at)
                let reps = try levels(&levelBytes, count: n, max: maxRep, prefixed: false)
                levelBytes = ParquetBytes(body, from: repLength, to: repLength + defLength, source: at)
                let defs = try levels(&levelBytes, count: n, max: maxDef, prefixed: false)
                let rest = Array(body[(repLength + defLength)...])
                let isCompressed = { if case .bool(let b)? = h[7] { return b }; return true }()
                let data = isCompressed ? try ParquetCodecs.decompress(rest, codec: c.codec, size: uncompressed - repLength - defLength, source: at) : rest
                var q = ParquetBytes(data, source: at)
                try append(&out, reps, defs, &q, encoding: Int(h[4]?.int ?? 0), maxDef: maxDef, type: c.type, dictionary: dictionary,
                           nullsInline: nullsInline, at: at)
            default:
                continue  // index pages carry no values
            }
        }
        guard out.def.count == c.numValues else {
            throw PrefkitError("\(at): the pages hold \(out.def.count) values, the metadata says \(c.numValues)")
        }
        return out
    }

    /// Levels: none when the maximum is 0; v1 pages prefix them with their byte length.
    static func levels(_ q: inout ParquetBytes, count: Int, max: Int, prefixed: Bool) throws -> [Int] {
        guard max > 0 else { return [Int](repeating: 0, count: count) }
        if prefixed {
            let length = Int(try q.le(4))
            guard length <= q.end - q.pos else { throw q.fail("levels run past the page") }
            var sub = ParquetBytes(q.b, from: q.pos, to: q.pos + length, source: q.source)
            q.pos += length
            let v = try sub.hybrid(count: count, bitWidth: bitWidth(max))
            guard v.allSatisfy({ $0 <= max }) else { throw q.fail("a level above \(max)") }
            return v
        }
        let v = try q.hybrid(count: count, bitWidth: bitWidth(max))
        guard v.allSatisfy({ $0 <= max }) else { throw q.fail("a level above \(max)") }
        return v
    }

    static func append(_ out: inout ParquetColumnData, _ reps: [Int], _ defs: [Int], _ q: inout ParquetBytes, encoding: Int,
                       maxDef: Int, type: Int, dictionary: [JSONValue]?, nullsInline: Bool, at: String) throws {
        var present = 0
        for d in defs where d == maxDef { present += 1 }
        let start = out.values.count
        switch encoding {
        case 0:
            try q.plain(count: present, type: type, into: &out.values)
        case 2, 8:
            guard let dict = dictionary else { throw PrefkitError("\(at): dictionary-encoded values without a dictionary page") }
            let width = Int(try q.le(1))
            out.values.reserveCapacity(start + defs.count)
            for i in try q.hybrid(count: present, bitWidth: width) {
                guard i < dict.count else { throw PrefkitError("\(at): dictionary index \(i) of \(dict.count)") }
                out.values.append(dict[i])
            }
        case 5 where type == 1 || type == 2:
            let ints = try q.deltaBinaryPacked(limit: present)
            guard ints.count == present else { throw PrefkitError("\(at): \(ints.count) delta-encoded values for \(present) entries") }
            out.values += ints.map { .number(Double(type == 1 ? Int64(Int32(truncatingIfNeeded: $0)) : $0)) }
        case 6 where type == 6:
            try q.strings(try q.deltaLengthByteArray(count: present), into: &out.values)
        case 7 where type == 6:
            try q.strings(try q.deltaByteArray(count: present), into: &out.values)
        case 3 where type == 0:
            // Booleans in v2 pages: RLE hybrid of width 1 behind a 4-byte length.
            let length = Int(try q.le(4))
            guard length <= q.end - q.pos else { throw q.fail("boolean run past the page") }
            var sub = ParquetBytes(q.b, from: q.pos, to: q.pos + length, source: q.source)
            q.pos += length
            out.values += try sub.hybrid(count: present, bitWidth: 1).map { .bool($0 == 1) }
        default:
            throw PrefkitError("\(at): Parquet encoding \(encoding) is not supported yet (PLAIN, dictionary, RLE booleans and the DELTA encodings are)")
        }
        guard out.values.count == start + present else {
            throw PrefkitError("\(at): \(out.values.count - start) values for \(present) defined entries")
        }
        if nullsInline && present < defs.count { spreadNulls(&out.values, from: start, defs, maxDef: maxDef) }
        out.rep += reps
        out.def += defs
    }

    /// Spreads the page's values (from `start` on, one per defined entry) to one per entry,
    /// .null where an entry is not defined: filled from the back, so each value moves once.
    static func spreadNulls(_ values: inout [JSONValue], from start: Int, _ defs: [Int], maxDef: Int) {
        var source = values.count - 1
        values.append(contentsOf: repeatElement(.null, count: start + defs.count - values.count))
        for k in stride(from: defs.count - 1, through: 0, by: -1) {
            if defs[k] == maxDef {
                values.swapAt(start + k, source)
                source -= 1
            }
        }
    }
}
