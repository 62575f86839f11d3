/// Newline-delimited JSON (one value per line), plain or .zst.
public enum JSONL {
    /// Streams records in file order. Blank lines are skipped (editors and
    /// `cat` of several files leave them); any malformed line stops the read
    /// with "<path>:<line>: <what is wrong>".
    public static func forEachRecord(_ path: String, _ body: (_ line: Int, _ record: JSONValue) throws -> Void) throws {
        let reader = try LineReader(path: path)
        while let parsed = try reader.withNextLine({ number, bytes -> (Int, JSONValue?) in
            if isBlank(bytes) { return (number, nil) }
            return (number, try JSONValue.parse(bytes, source: "\(path):\(number)"))
        }) {
            if let record = parsed.1 { try body(parsed.0, record) }
        }
    }

    public static func readAll(_ path: String) throws -> [(line: Int, record: JSONValue)] {
        var records: [(line: Int, record: JSONValue)] = []
        try forEachRecord(path) { records.append((line: $0, record: $1)) }
        return records
    }

    private static func isBlank(_ bytes: UnsafeRawBufferPointer) -> Bool {
        for c in bytes where c != 0x20 && c != 0x09 && c != 0x0D { return false }
        return true
    }
}

/// Writes records one per line through an atomic ArtifactWriter: the file
/// appears under its final name only after `commit()`.
public final class JSONLWriter {
    private let writer: ArtifactWriter
    private var line: [UInt8] = []

    public var path: String { writer.path }

    public init(path: String, compress: Bool? = nil) throws {
        writer = try ArtifactWriter(path: path, compress: compress)
    }

    public func append(_ record: JSONValue) throws {
        line.removeAll(keepingCapacity: true)
        record.serialize(into: &line)
        line.append(0x0A)
        try writer.write(line)
    }

    public func commit() throws {
        try writer.commit()
    }

    public func abort() {
        writer.abort()
    }

    /// Convenience for small outputs.
    public static func write(_ path: String, records: [JSONValue]) throws {
        let w = try JSONLWriter(path: path)
        for r in records { try w.append(r) }
        try w.commit()
    }
}
