/// The column types the Arrow reader takes (Schema.fbs's Type union, by its ids): what
/// pyarrow and `datasets` write for text, numbers, flags, nulls, lists and structs
/// (message lists are list<struct<role, content>>). Anything else is refused by name.
indirect enum ArrowType {
    case null
    case bool
    case int(bytes: Int, signed: Bool)
    case float(bytes: Int)
    /// Utf8 / Binary (strings either way: values must be UTF-8); `large`: 64-bit offsets.
    case string(large: Bool)
    case list(large: Bool)
    case structure

    /// Schema.fbs's names for the union's members, for refusals.
    static let names = ["NONE", "Null", "Int", "FloatingPoint", "Binary", "Utf8", "Bool", "Decimal", "Date", "Time",
                        "Timestamp", "Interval", "List", "Struct", "Union", "FixedSizeBinary", "FixedSizeList", "Map",
                        "Duration", "LargeBinary", "LargeUtf8", "LargeList", "RunEndEncoded", "BinaryView", "Utf8View",
                        "ListView", "LargeListView"]
}

/// A column of the schema: name, type and, for lists and structs, the child columns.
struct ArrowField {
    let name: String
    let type: ArrowType
    let children: [ArrowField]

    /// Parses a Field table (name 0, nullable 1, type_type 2, type 3, dictionary 4, children 5).
    /// `parent` is the path of the enclosing column, for messages; nesting is bounded.
    init(_ t: FlatTable, parent: String, depth: Int = 0) throws {
        let name = try t.string(0) ?? ""
        let path = parent.isEmpty ? name : parent + "." + name
        func refuse(_ what: String) -> PrefkitError { PrefkitError("\(t.buffer.source): column \(path): \(what)") }
        guard depth < 32 else { throw refuse("nested more than 32 levels deep") }
        guard try t.field(4) == nil else {
            throw refuse("dictionary-encoded columns are not read (cast them to their value type first, e.g. with pyarrow's Table.cast)")
        }
        let kind = Int(try t.int(2, size: 1, signed: false))
        let detail = try t.table(3)
        switch kind {
        case 1: type = .null
        case 6: type = .bool
        case 2:
            let bits = Int(try detail?.int(0, size: 4) ?? 0)
            guard [8, 16, 32, 64].contains(bits) else { throw refuse("an Int of \(bits) bits") }
            type = .int(bytes: bits / 8, signed: try detail?.bool(1) ?? false)
        case 3:
            // Precision: HALF 0, SINGLE 1, DOUBLE 2.
            let precision = try detail?.int(0, size: 2) ?? 0
            guard precision == 1 || precision == 2 else { throw refuse("half-precision floats are not read (float32 and float64 are)") }
            type = .float(bytes: precision == 1 ? 4 : 8)
        case 4, 5: type = .string(large: false)
        case 19, 20: type = .string(large: true)
        case 12: type = .list(large: false)
        case 21: type = .list(large: true)
        case 13: type = .structure
        default:
            let what = kind < ArrowType.names.count ? ArrowType.names[kind] : "type \(kind)"
            throw refuse("Arrow \(what) columns are not read (strings, integers, floats, booleans, nulls, lists and structs are)")
        }
        self.name = name
        children = try t.tables(5).map { try ArrowField($0, parent: path, depth: depth + 1) }
        switch type {
        case .list: guard children.count == 1 else { throw refuse("a list with \(children.count) child columns") }
        case .structure: break
        default: guard children.isEmpty else { throw refuse("a primitive column with child columns") }
        }
    }
}
