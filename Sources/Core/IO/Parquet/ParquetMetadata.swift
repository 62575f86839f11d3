/// The parts of a Parquet footer the reader uses (parquet.thrift field ids in comments).
struct ParquetSchemaNode {
    var name: String
    var type: Int?            // 1: BOOLEAN 0, INT32 1, INT64 2, INT96 3, FLOAT 4, DOUBLE 5, BYTE_ARRAY 6, FIXED 7
    var repetition: Int       // 3: REQUIRED 0, OPTIONAL 1, REPEATED 2
    var children: [ParquetSchemaNode] = []
    var isLeaf: Bool { type != nil }
}

struct ParquetColumnChunk {
    var path: [String]        // 3: path_in_schema
    var type: Int             // 1
    var codec: Int            // 4: UNCOMPRESSED 0, SNAPPY 1, GZIP 2, ZSTD 6, LZ4_RAW 7
    var numValues: Int        // 5
    var start: Int            // 11 dictionary_page_offset, else 9 data_page_offset
    var compressedSize: Int   // 7
}

struct ParquetRowGroup {
    var rows: Int
    var columns: [ParquetColumnChunk]
}

struct ParquetMetadata {
    var schema: ParquetSchemaNode
    var rowGroups: [ParquetRowGroup]

    /// Parses FileMetaData; the flat schema list (depth-first, num_children) becomes a tree.
    init(_ footer: [UInt8], source: String) throws {
        var r = Thrift.Reader(footer, source: source)
        let meta = try r.structure()
        func bad(_ what: String) -> PrefkitError { PrefkitError("\(source): corrupt Parquet metadata: \(what)") }
        guard let elements = meta[2]?.list?.compactMap(\.fields), !elements.isEmpty else { throw bad("no schema") }
        var next = 0
        func node(_ depth: Int) throws -> ParquetSchemaNode {
            guard next < elements.count, depth < 32 else { throw bad("schema children run past the list") }
            let e = elements[next]
            next += 1
            var n = ParquetSchemaNode(name: e[4]?.string ?? "", type: e[1]?.int.map(Int.init), repetition: Int(e[3]?.int ?? 0))
            let count = Int(e[5]?.int ?? 0)
            guard count >= 0, count <= elements.count else { throw bad("a schema element has \(count) children") }
            if n.type == nil || count > 0 {
                n.type = nil
                for _ in 0..<count { n.children.append(try node(depth + 1)) }
            }
            return n
        }
        schema = try node(0)
        var groups: [ParquetRowGroup] = []
        for g in meta[4]?.list?.compactMap(\.fields) ?? [] {
            var columns: [ParquetColumnChunk] = []
            for c in g[1]?.list?.compactMap(\.fields) ?? [] {
                guard let m = c[3]?.fields else { throw bad("a column chunk without metadata (external files are not read)") }
                let dataOffset = Int(m[9]?.int ?? -1)
                let dictOffset = Int(m[11]?.int ?? -1)
                let start = dictOffset > 0 && dictOffset < dataOffset ? dictOffset : dataOffset
                columns.append(ParquetColumnChunk(path: m[3]?.list?.compactMap(\.string) ?? [], type: Int(m[1]?.int ?? -1),
                                                  codec: Int(m[4]?.int ?? -1), numValues: Int(m[5]?.int ?? -1),
                                                  start: start, compressedSize: Int(m[7]?.int ?? -1)))
            }
            groups.append(ParquetRowGroup(rows: Int(g[3]?.int ?? 0), columns: columns))
        }
        rowGroups = groups
    }
}
