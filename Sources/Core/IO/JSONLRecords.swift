/// A JSONL line as the record adapters see it: a parsed value, or why the line is not JSON
/// (bad syntax, invalid UTF-8). Handing the failure over instead of ending the read lets a
/// stage's --on-bad-record policy decide about a broken line as about any other bad record.
public enum JSONLLine {
    case record(JSONValue)
    case malformed(String)
}

extension JSONL {
    /// Every non-blank line of the file in order, parsed or with the parser's complaint
    /// (without the file:line prefix: the caller adds it).
    public static func forEachLine(_ path: String, _ body: (_ line: Int, _ parsed: JSONLLine) throws -> Void) throws {
        let reader = try LineReader(path: path)
        while let (number, parsed) = try reader.withNextLine({ number, bytes -> (Int, JSONLLine?) in
            if isBlank(bytes) { return (number, nil) }
            do { return (number, .record(try JSONValue.parse(bytes))) } catch let e as PrefkitError {
                return (number, .malformed("not a JSON record: \(e.message)"))
            }
        }) {
            if let parsed { try body(number, parsed) }
        }
    }

    /// The first line that parses as JSON, and whether the file has any non-blank line at all,
    /// reading no further than that line: enough to tell a file's kind without parsing it twice.
    public static func firstRecord(_ path: String) throws -> (record: JSONValue?, hasLines: Bool) {
        let reader = try LineReader(path: path)
        var hasLines = false
        while let (_, bytes) = try reader.nextLine() {
            if isBlank(bytes) { continue }
            hasLines = true
            if let v = try? JSONValue.parse(bytes) { return (v, true) }
        }
        return (nil, hasLines)
    }

    /// Spaces, tabs and a stray CR make a blank line, which JSONL readers skip.
    static func isBlank<S: Sequence>(_ bytes: S) -> Bool where S.Element == UInt8 {
        bytes.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
    }
}
