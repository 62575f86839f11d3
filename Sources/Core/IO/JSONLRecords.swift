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
            if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return (number, nil) }
            do { return (number, .record(try JSONValue.parse(bytes))) } catch let e as PrefkitError {
                return (number, .malformed("not a JSON record: \(e.message)"))
            }
        }) {
            if let parsed { try body(number, parsed) }
        }
    }
}
