/// A JSONL line as the record adapters see it: a parsed value, or why the line is not JSON
/// (bad syntax, invalid UTF-8). Handing the failure over instead of ending the read lets a
/// stage's --on-bad-record policy decide about a broken line as about any other bad record.
public enum JSONLLine {
    case record(JSONValue)
    case malformed(String)
}

extension JSONL {
    /// Every non-blank line of the data (`spec`: a file, a glob or hf:…, see DataFiles) in order,
    /// parsed or with the parser's complaint (without the location prefix: the caller adds it).
    /// `line` counts lines across all files, so it can stand in for a missing id; `location` is
    /// "file:line" of the file the line is in.
    public static func forEachLine(_ spec: String,
                                   _ body: (_ line: Int, _ location: String, _ parsed: JSONLLine) throws -> Void) throws {
        var offset = 0
        for path in try DataFiles.resolve(spec) {
            if let columnar = try DataFiles.columnar(path) {
                // Rows of a Parquet or Arrow file are records too; a row is its own "line".
                var last = 0
                func deliver(_ row: Int, _ location: String, _ record: JSONValue) throws {
                    last = row
                    try body(offset + row, location, .record(record))
                }
                switch columnar {
                case .parquet: try ParquetFile(path: path).forEachRecord(deliver)
                case .arrow: try ArrowFile(path: path).forEachRecord(deliver)
                }
                offset += last
                continue
            }
            let reader = try LineReader(path: path)
            var last = 0
            while let (number, parsed) = try reader.withNextLine({ number, bytes -> (Int, JSONLLine?) in
                if isBlank(bytes) { return (number, nil) }
                do { return (number, .record(try JSONValue.parse(bytes))) } catch let e as PrefkitError {
                    return (number, .malformed("not a JSON record: \(e.message)"))
                }
            }) {
                last = number
                if let parsed { try body(offset + number, "\(path):\(number)", parsed) }
            }
            offset += last
        }
    }

    /// The first line of the data that parses as JSON, and whether it has any non-blank line at
    /// all, reading no further than that line: enough to tell its kind without parsing it twice.
    public static func firstRecord(_ spec: String) throws -> (record: JSONValue?, hasLines: Bool) {
        var hasLines = false
        for path in try DataFiles.resolve(spec) {
            switch try DataFiles.columnar(path) {
            case .parquet?:
                let file = try ParquetFile(path: path)
                if let g = file.meta.rowGroups.firstIndex(where: { $0.rows > 0 }),
                   let first = try file.readRowGroup(file.meta.rowGroups[g], index: g).first {
                    return (first, true)
                }
                continue
            case .arrow?:
                if let first = try ArrowFile(path: path).firstRecord() { return (first, true) }
                continue
            case nil:
                break
            }
            let reader = try LineReader(path: path)
            while let (_, bytes) = try reader.nextLine() {
                if isBlank(bytes) { continue }
                hasLines = true
                if let v = try? JSONValue.parse(bytes) { return (v, true) }
            }
        }
        return (nil, hasLines)
    }

    /// Spaces, tabs and a stray CR make a blank line, which JSONL readers skip.
    static func isBlank<S: Sequence>(_ bytes: S) -> Bool where S.Element == UInt8 {
        bytes.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
    }
}
