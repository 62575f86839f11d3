/// A record batch's field nodes (length, null count per column, in pre-order) and buffers
/// (already cut from the body and decompressed), handed out in the order the columns take
/// them. `at` is "file: record batch N", for messages.
struct ArrowBatchParts {
    var nodes: [(length: Int, nulls: Int)]
    var buffers: [[UInt8]]
    let at: String
    var nextNode = 0
    var nextBuffer = 0

    /// Columns longer than this are refused: far above what pyarrow and datasets write per
    /// batch, low enough that a lying length cannot make a reader loop for minutes.
    static let maxLength = 1 << 24

    mutating func node(_ column: String) throws -> (length: Int, nulls: Int) {
        guard nextNode < nodes.count else { throw PrefkitError("\(at): column \(column): the batch has too few field nodes") }
        defer { nextNode += 1 }
        let n = nodes[nextNode]
        guard n.length >= 0, n.length <= Self.maxLength, n.nulls >= 0, n.nulls <= n.length else {
            throw PrefkitError("\(at): column \(column): a length of \(n.length) with \(n.nulls) nulls")
        }
        return n
    }

    mutating func buffer(_ column: String) throws -> [UInt8] {
        guard nextBuffer < buffers.count else { throw PrefkitError("\(at): column \(column): the batch has too few buffers") }
        defer { nextBuffer += 1 }
        return buffers[nextBuffer]
    }
}

/// One column of a record batch. Its buffers are checked against its length when it is built
/// (validity bits, value widths, offsets non-decreasing and inside the data or the child), so
/// reading a row needs no further check but UTF-8.
final class ArrowArray {
    let field: ArrowField
    let path: String
    let at: String
    let length: Int
    /// One bit per row, 0 for null; nil when the column has no nulls.
    let validity: [UInt8]?
    /// Fixed-width values, packed booleans, or the bytes of the strings.
    let values: [UInt8]
    /// Strings and lists: where row i's bytes or elements start and end (length + 1 entries).
    let offsets: [Int]
    let children: [ArrowArray]

    init(_ field: ArrowField, parent: String, parts: inout ArrowBatchParts) throws {
        self.field = field
        path = parent.isEmpty ? field.name : parent + "." + field.name
        at = "\(parts.at): column \(path)"
        let node = try parts.node(path)
        length = node.length
        var validity: [UInt8]? = nil
        // Null columns have no buffers at all (format version 5); the others start with validity.
        if case .null = field.type {} else {
            let bits = try parts.buffer(path)
            if node.nulls > 0 {
                guard bits.count >= (length + 7) / 8 else { throw PrefkitError("\(at): \(bits.count) validity bytes for \(length) rows") }
                validity = bits
            }
        }
        self.validity = validity
        var values: [UInt8] = []
        var offsets: [Int] = []
        var children: [ArrowArray] = []
        switch field.type {
        case .null, .structure:
            break
        case .bool:
            values = try parts.buffer(path)
            guard values.count >= (length + 7) / 8 else { throw PrefkitError("\(at): \(values.count) bytes for \(length) booleans") }
        case .int(let width, _), .float(let width):
            values = try parts.buffer(path)
            guard values.count / width >= length else { throw PrefkitError("\(at): \(values.count) bytes for \(length) values of \(width) bytes") }
        case .string(let large), .list(let large):
            offsets = try Self.offsets(try parts.buffer(path), length: length, width: large ? 8 : 4, at: at)
            if case .string = field.type { values = try parts.buffer(path) }
        }
        for child in field.children { children.append(try ArrowArray(child, parent: path, parts: &parts)) }
        self.values = values
        self.offsets = offsets
        self.children = children
        // What the rows point into must be there: string bytes, list elements, struct members.
        var limit: (count: Int, unit: String)? = nil
        switch field.type {
        case .string: limit = (values.count, "bytes")
        case .list: limit = (children[0].length, "elements")
        default: break
        }
        if let limit, let last = offsets.last, last > limit.count {
            throw PrefkitError("\(at): offsets run to \(last), past the \(limit.count) \(limit.unit) there are")
        }
        if case .structure = field.type, let short = children.first(where: { $0.length < length }) {
            throw PrefkitError("\(at): member \(short.field.name) has \(short.length) rows, the struct \(length)")
        }
    }

    /// `length + 1` offsets of `width` bytes: non-negative and non-decreasing. An empty column
    /// may leave the buffer empty.
    static func offsets(_ b: [UInt8], length: Int, width: Int, at: String) throws -> [Int] {
        if length == 0 && b.isEmpty { return [0] }
        guard b.count / width > length else { throw PrefkitError("\(at): \(b.count) offset bytes for \(length) rows") }
        var out: [Int] = []
        out.reserveCapacity(length + 1)
        for k in 0...length {
            var v: UInt64 = 0
            for j in 0..<width { v |= UInt64(b[k * width + j]) << (8 * UInt64(j)) }
            // Sign-extend 32-bit offsets: a negative one must be refused, not read as huge.
            let signed = width == 4 ? Int64(Int32(truncatingIfNeeded: v)) : Int64(bitPattern: v)
            guard signed >= 0, signed >= Int64(out.last ?? 0) else {
                throw PrefkitError("\(at): offset \(signed) of row \(k) is negative or goes backwards")
            }
            out.append(Int(signed))
        }
        return out
    }

    func isNull(_ i: Int) -> Bool {
        guard let v = validity else { return false }
        return v[i >> 3] >> UInt8(i & 7) & 1 == 0
    }

    /// Row `i` (0 ≤ i < length) as JSON: numbers as doubles, as from a JSONL line.
    func value(_ i: Int) throws -> JSONValue {
        if isNull(i) { return .null }
        switch field.type {
        case .null:
            return .null
        case .bool:
            return .bool(values[i >> 3] >> UInt8(i & 7) & 1 == 1)
        case .int(let width, let signed):
            var v: UInt64 = 0
            for j in 0..<width { v |= UInt64(values[i * width + j]) << (8 * UInt64(j)) }
            guard signed else { return .number(Double(v)) }
            let shift = UInt64(64 - 8 * width)
            return .number(Double(Int64(bitPattern: v << shift) >> Int64(shift)))
        case .float(let width):
            var v: UInt64 = 0
            for j in 0..<width { v |= UInt64(values[i * width + j]) << (8 * UInt64(j)) }
            return .number(width == 4 ? Double(Float(bitPattern: UInt32(v))) : Double(bitPattern: v))
        case .string:
            guard let s = String(validating: values[offsets[i]..<offsets[i + 1]], as: UTF8.self) else {
                throw PrefkitError("\(at): row \(i) is not UTF-8")
            }
            return .string(s)
        case .list:
            var items: [JSONValue] = []
            items.reserveCapacity(offsets[i + 1] - offsets[i])
            for k in offsets[i]..<offsets[i + 1] { items.append(try children[0].value(k)) }
            return .array(items)
        case .structure:
            var fields: [(String, JSONValue)] = []
            fields.reserveCapacity(children.count)
            for c in children { fields.append((c.field.name, try c.value(i))) }
            return .object(fields)
        }
    }
}
