/// What a stage does with a record it cannot use: stop naming file:line (the default),
/// or skip it and report how many were skipped.
public enum BadRecordPolicy: String, CaseIterable { case fail, skip }

/// Counts of what data loading skipped or shortened, reported by every stage.
public struct DataReport: CustomStringConvertible {
    public var records = 0, used = 0, skipped = 0, truncated = 0, droppedTooLong = 0
    public var firstProblem: String? = nil
    public init() {}
    public var description: String {
        var s = "\(used) of \(records) records used"
        if truncated > 0 { s += ", \(truncated) truncated to the length limit" }
        if droppedTooLong > 0 { s += ", \(droppedTooLong) dropped as too long (over the length limit, or nothing left after truncation)" }
        if skipped > 0 { s += ", \(skipped) bad records skipped (first: \(firstProblem ?? "?"))" }
        return s
    }

    /// Applies the policy to a problem found at file:line.
    public mutating func bad(_ where_: String, _ what: String, policy: BadRecordPolicy) throws {
        if policy == .fail { throw PrefkitError("\(where_): \(what) (use --on-bad-record skip to skip such records)") }
        skipped += 1
        if firstProblem == nil { firstProblem = "\(where_): \(what)" }
    }
}

extension DataReport {
    /// Each record of a JSONL file, with its line number and "file:line": every line is
    /// counted, and a line that is not JSON goes through the bad-record policy like any
    /// other bad record. `columns` (--columns) is applied to every record before body sees it.
    /// body gets the report to count what it uses, skips or cuts.
    public mutating func forEachRecord(_ path: String, policy: BadRecordPolicy, columns: ColumnMapping = ColumnMapping(),
                                       _ body: (_ line: Int, _ here: String, _ record: JSONValue, _ report: inout DataReport) throws -> Void) throws {
        try JSONL.forEachLine(path) { line, here, parsed in
            records += 1
            switch parsed {
            case .record(let r):
                switch columns.apply(r) {
                case .success(let mapped): try body(line, here, mapped, &self)
                case .failure(let e): try bad(here, e.message, policy: policy)
                }
            case .malformed(let why): try bad(here, why, policy: policy)
            }
        }
    }

    /// Refuses a file with nothing in it, or nothing usable: nothing to do is an error.
    public func requireUsable(_ path: String, used: Int) throws {
        if records == 0 { throw PrefkitError("\(path): no records: nothing to do") }
        if used == 0 { throw PrefkitError("\(path): none of the \(records) records is usable (\(self))") }
    }
}
