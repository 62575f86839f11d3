import Foundation

/// A Parquet file read as records, one row group at a time (memory bounded by a row group):
/// each row becomes a JSON object of its top-level columns, so every record reader takes
/// Parquet as it takes JSONL. Columns may be primitives, structs, and lists (the three-level
/// LIST layout pyarrow writes, or legacy repeated fields) of primitives or of structs, such as
/// `list<struct<role, content>>` message lists; deeper repetition is refused by name.
public final class ParquetFile {
    public let path: String
    let meta: ParquetMetadata
    let handle: FileHandle
    let fileSize: Int

    public static let magic: [UInt8] = Array("PAR1".utf8)

    public init(path: String) throws {
        self.path = path
        guard let h = FileHandle(forReadingAtPath: path) else { throw PrefkitError("\(path): cannot open") }
        handle = h
        let size = Int((try? h.seekToEnd()) ?? 0)
        fileSize = size
        guard size >= 12 else { throw PrefkitError("\(path): too short for a Parquet file") }
        try h.seek(toOffset: UInt64(size - 8))
        let tail = [UInt8](h.readData(ofLength: 8))
        guard tail.count == 8, Array(tail[4...]) == Self.magic else { throw PrefkitError("\(path): no Parquet footer (PAR1) at the end") }
        let length = Int(tail[0]) | Int(tail[1]) << 8 | Int(tail[2]) << 16 | Int(tail[3]) << 24
        guard length > 0, length <= size - 12 else { throw PrefkitError("\(path): the Parquet footer length \(length) does not fit the file") }
        try h.seek(toOffset: UInt64(size - 8 - length))
        meta = try ParquetMetadata([UInt8](h.readData(ofLength: length)), source: path)
    }

    deinit { try? handle.close() }

    /// Every row, in order, with its row number (from 1) and location.
    public func forEachRecord(_ body: (_ row: Int, _ location: String, _ record: JSONValue) throws -> Void) throws {
        var row = 0
        for (g, group) in meta.rowGroups.enumerated() {
            let decoded = try decodeRowGroup(group, index: g)
            // The location's fixed part once per row group: a row only adds its number.
            let prefix = "\(path): row group \(g), row "
            for i in 0..<decoded.rows {
                row += 1
                try body(row, prefix + String(i), decoded.record(i))
            }
        }
    }

    /// A row group's rows as records (the first record of a file is read this way).
    func readRowGroup(_ group: ParquetRowGroup, index g: Int) throws -> [JSONValue] {
        let decoded = try decodeRowGroup(group, index: g)
        return (0..<decoded.rows).map(decoded.record)
    }

    /// A leaf column with the schema nodes on its path (root excluded) and its maximum levels.
    struct Leaf {
        let chunk: ParquetColumnChunk
        let nodes: [ParquetSchemaNode]
        let maxRep: Int, maxDef: Int
        var data = ParquetColumnData()
        /// Definition level reached at nodes[0...i].
        func def(at i: Int) -> Int { nodes[0...i].filter { $0.repetition != 0 }.count }
    }

    func leaf(_ chunk: ParquetColumnChunk, group: Int) throws -> Leaf {
        var nodes: [ParquetSchemaNode] = []
        var node = meta.schema
        for name in chunk.path {
            guard let child = node.children.first(where: { $0.name == name }) else {
                throw PrefkitError("\(path): row group \(group): column \(chunk.path.joined(separator: ".")) is not in the schema")
            }
            nodes.append(child)
            node = child
        }
        guard node.isLeaf, node.type == chunk.type else {
            throw PrefkitError("\(path): row group \(group): column \(chunk.path.joined(separator: ".")) does not match the schema")
        }
        let maxRep = nodes.filter { $0.repetition == 2 }.count
        guard maxRep <= 1 else {
            throw PrefkitError("\(path): column \(chunk.path.joined(separator: ".")): lists of lists are not supported")
        }
        return Leaf(chunk: chunk, nodes: nodes, maxRep: maxRep, maxDef: nodes.filter { $0.repetition != 0 }.count)
    }

    /// A flat column (one primitive at the top, not repeated) has one entry per row: read with
    /// its nulls inline, its values are its rows as they are.
    static func isFlat(_ l: Leaf) -> Bool { l.nodes.count == 1 && l.maxRep == 0 }

    /// Decodes a row group's column chunks and assembles each top-level column.
    func decodeRowGroup(_ group: ParquetRowGroup, index g: Int) throws -> ParquetRowGroupValues {
        guard group.rows >= 0, group.rows <= ParquetColumnReader.maxChunkValues, !group.columns.isEmpty || group.rows == 0 else {
            throw PrefkitError("\(path): row group \(g) declares \(group.rows) rows in \(group.columns.count) columns")
        }
        // The chunks are read in file order, then decoded in parallel: columns are independent.
        var leaves: [Leaf] = []
        var chunks: [[UInt8]] = []
        for c in group.columns {
            leaves.append(try leaf(c, group: g))
            guard c.start >= 4, c.compressedSize >= 0, c.compressedSize <= fileSize - c.start else {
                throw PrefkitError("\(path): row group \(g): column \(c.path.joined(separator: ".")) lies outside the file")
            }
            try handle.seek(toOffset: UInt64(c.start))
            chunks.append([UInt8](handle.readData(ofLength: c.compressedSize)))
        }
        var decoded = [Result<ParquetColumnData, Error>](repeating: .success(ParquetColumnData()), count: leaves.count)
        let source = "\(path): row group \(g)"
        decoded.withUnsafeMutableBufferPointer { out in
            let slots = out.baseAddress!
            Parallel.forRange(leaves.count) { lo, hi in
                for k in lo..<hi {
                    // Each worker writes only its own slots.
                    slots[k] = Result { try ParquetColumnReader.read(chunks[k], leaves[k].chunk, maxRep: leaves[k].maxRep,
                                                                     maxDef: leaves[k].maxDef, nullsInline: Self.isFlat(leaves[k]),
                                                                     source: source) }
                }
            }
        }
        for k in leaves.indices { leaves[k].data = try decoded[k].get() }
        // Every row starts an entry (repetition level 0) in every column: checked before the
        // declared row count sizes anything.
        for l in leaves {
            var starts = 0
            for r in l.data.rep where r == 0 { starts += 1 }
            guard starts == group.rows else {
                throw PrefkitError("\(path): row group \(g): column \(l.chunk.path.joined(separator: ".")) holds \(starts) rows, the metadata says \(group.rows)")
            }
        }
        // Each top-level column assembles on its own (in parallel), then rows are zipped.
        let tops = meta.schema.children.filter { top in leaves.contains { $0.nodes.first?.name == top.name } }
        var columns = [Result<[JSONValue], Error>](repeating: .success([]), count: tops.count)
        columns.withUnsafeMutableBufferPointer { out in
            let slots = out.baseAddress!
            Parallel.forRange(tops.count) { lo, hi in
                for k in lo..<hi {
                    // Each worker writes only its own slots.
                    let mine = leaves.filter { $0.nodes.first?.name == tops[k].name }
                    slots[k] = Result { try assemble(tops[k], mine, rows: group.rows, group: g) }
                }
            }
        }
        return ParquetRowGroupValues(names: tops.map(\.name), columns: try columns.map { try $0.get() }, rows: group.rows)
    }

    /// One top-level column's value per row from its leaves' levels.
    func assemble(_ top: ParquetSchemaNode, _ leaves: [Leaf], rows: Int, group g: Int) throws -> [JSONValue] {
        let at = "\(path): row group \(g): column \(top.name)"
        // A plain (optional or required) primitive column, the common case: one entry per row.
        // Its values were read with the nulls inline, so they are the rows.
        if leaves.count == 1, Self.isFlat(leaves[0]) {
            let values = leaves[0].data.values
            guard values.count == rows else { throw PrefkitError("\(at): \(values.count) entries for \(rows) rows") }
            return values
        }
        // Cursors: next entry and next present value of each leaf.
        var entry = [Int](repeating: 0, count: leaves.count)
        var value = [Int](repeating: 0, count: leaves.count)
        func take(_ j: Int) throws -> (rep: Int, def: Int, value: JSONValue?) {
            let l = leaves[j]
            guard entry[j] < l.data.def.count else { throw PrefkitError("\(at): fewer entries than rows") }
            let d = l.data.def[entry[j]], r = l.data.rep[entry[j]]
            entry[j] += 1
            var v: JSONValue? = nil
            if d == l.maxDef {
                guard value[j] < l.data.values.count else { throw PrefkitError("\(at): fewer values than defined entries") }
                v = l.data.values[value[j]]
                value[j] += 1
            }
            return (r, d, v)
        }
        /// The value of the node at `depth` on every leaf's path, given each leaf's entry.
        func build(_ depth: Int, _ node: ParquetSchemaNode, _ e: [(rep: Int, def: Int, value: JSONValue?)], _ js: [Int]) -> JSONValue {
            let first = js[0]
            if e[first].def < leaves[first].def(at: depth) { return .null }
            if node.isLeaf { return e[first].value ?? .null }
            var fields: [(String, JSONValue)] = []
            for child in node.children {
                let under = js.filter { leaves[$0].nodes.count > depth + 1 && leaves[$0].nodes[depth + 1].name == child.name }
                guard !under.isEmpty else { continue }
                fields.append((child.name, build(depth + 1, child, e, under)))
            }
            return .object(fields)
        }
        let all = Array(leaves.indices)
        let maxRep = leaves.map(\.maxRep).max() ?? 0
        var out: [JSONValue] = []
        out.reserveCapacity(rows)
        if maxRep == 0 {
            for _ in 0..<rows {
                var e: [(rep: Int, def: Int, value: JSONValue?)] = []
                for j in all { e.append(try take(j)) }
                out.append(build(0, top, e, all))
            }
            return out
        }
        // One repeated node on the path: where it is, and what an element is.
        let nodes = leaves[0].nodes
        guard let rho = nodes.firstIndex(where: { $0.repetition == 2 }),
              leaves.allSatisfy({ $0.nodes.count > rho && $0.nodes[rho].name == nodes[rho].name }) else {
            throw PrefkitError("\(at): its leaves repeat at different places, which is not supported")
        }
        let repeated = nodes[rho]
        // Three-level LIST: repeated group with one child (the element); else the repeated node is the element.
        let elementDepth = !repeated.isLeaf && repeated.children.count == 1 ? rho + 1 : rho
        let elementNode = elementDepth == rho ? repeated : repeated.children[0]
        for _ in 0..<rows {
            var items: [JSONValue] = []
            var listValue: JSONValue = .array([])
            var firstEntry = true
            while true {
                // Peek: does the next entry of leaf 0 continue this row?
                if !firstEntry {
                    guard entry[0] < leaves[0].data.def.count, leaves[0].data.rep[entry[0]] == 1 else { break }
                }
                var e: [(rep: Int, def: Int, value: JSONValue?)] = []
                for j in all { e.append(try take(j)) }
                if firstEntry && e[0].rep != 0 { throw PrefkitError("\(at): a row starts with repetition level \(e[0].rep)") }
                firstEntry = false
                let d = e[0].def
                if d < leaves[0].def(at: rho) {
                    // No element: the list (or something above it) is null, or the list is empty.
                    let listIsNull = rho > 0 && d < leaves[0].def(at: rho - 1)
                    listValue = listIsNull ? .null : .array([])
                    break
                }
                items.append(build(elementDepth, elementNode, e, all))
                listValue = .array(items)
            }
            // Wrap the list in any structs between the top column and the repeated node.
            var v = listValue
            if rho >= 2 {
                for k in stride(from: rho - 1, through: 1, by: -1) { v = .object([(nodes[k].name, v)]) }
            }
            out.append(v)
        }
        return out
    }
}

/// A decoded row group: each top-level column's value for every row.
struct ParquetRowGroupValues {
    let names: [String]
    let columns: [[JSONValue]]
    let rows: Int

    /// Row `i` as a record: an object of the top-level columns in schema order.
    func record(_ i: Int) -> JSONValue {
        var fields: [(String, JSONValue)] = []
        fields.reserveCapacity(names.count)
        for k in names.indices { fields.append((names[k], columns[k][i])) }
        return .object(fields)
    }
}
