/// `--columns prompt=question,chosen=response_a,rejected=response_b`: which of the user's
/// columns fills each field the record readers know. Applied to every record before its
/// format is recognised, so every reader and format takes it the same way; a record without
/// a mapped column is a bad record naming that column.
public struct ColumnMapping: Equatable, Sendable {
    /// (our field, their column), in the order given.
    public private(set) var pairs: [(field: String, column: String)] = []

    /// The fields the record readers look at.
    public static let fields: Set<String> = [
        "id", "prompt", "chosen", "rejected", "completion", "label", "messages", "margin", "response", "text",
        "response_0", "response_1", "better_response_id", "safer_response_id", "gold",
    ]

    public init() {}

    /// Parses FIELD=COLUMN[,FIELD=COLUMN…].
    public init(parsing spec: String) throws {
        for item in spec.split(separator: ",") {
            let kv = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard kv.count == 2, !kv[0].isEmpty, !kv[1].isEmpty else {
                throw PrefkitError("--columns: \"\(item)\" is not FIELD=COLUMN")
            }
            guard Self.fields.contains(kv[0]) else {
                throw PrefkitError("--columns: \(kv[0]) is not a field the readers use (\(Self.fields.sorted().joined(separator: ", ")))")
            }
            guard !pairs.contains(where: { $0.field == kv[0] }) else { throw PrefkitError("--columns: \(kv[0]) is mapped twice") }
            pairs.append((kv[0], kv[1]))
        }
    }

    public var isEmpty: Bool { pairs.isEmpty }

    public static func == (a: ColumnMapping, b: ColumnMapping) -> Bool {
        a.pairs.map(\.field) == b.pairs.map(\.field) && a.pairs.map(\.column) == b.pairs.map(\.column)
    }

    /// The record with each mapped field taken from its column (the column itself is dropped,
    /// so a renamed column cannot also be read under its own name); a missing column is
    /// reported by name.
    public func apply(_ record: JSONValue) -> Result<JSONValue, PrefkitError> {
        guard !pairs.isEmpty, case .object(var members) = record else { return .success(record) }
        for (field, column) in pairs {
            guard let i = members.firstIndex(where: { $0.0 == column }) else {
                return .failure(PrefkitError("no column \"\(column)\" (mapped to \(field) by --columns)"))
            }
            let value = members[i].1
            members.remove(at: i)
            members.removeAll { $0.0 == field }
            members.append((field, value))
        }
        return .success(.object(members))
    }

    /// The mapped record, or the record as it is when a mapped column is missing: for telling
    /// a file's kind from its first record, where the loader then reports the missing column.
    public func applyOrKeep(_ record: JSONValue) -> JSONValue {
        (try? apply(record).get()) ?? record
    }

    /// A description for digests of tokenized data (it changes what the records hold).
    public var description: String { pairs.map { "\($0.field)=\($0.column)" }.joined(separator: ",") }
}
