/// What a stage does with a record it cannot use: stop naming file:line (the default),
/// or skip it and report how many were skipped.
public enum BadRecordPolicy: String, CaseIterable { case fail, skip }

/// Counts of what data loading skipped or shortened, reported by every stage.
public struct DataReport: CustomStringConvertible {
    public var records = 0, used = 0, skipped = 0, truncated = 0, droppedTooLong = 0
    public var firstProblem: String? = nil
    /// Records whose tokenized prompt is not a prefix of the tokenized prompt + completion
    /// (TRL mode), and the first such prompt's left-out end, decoded.
    public var promptTailsDropped = 0
    public var firstDroppedPromptTail: String? = nil
    /// Said once when a built-in template stood in for a missing chat template.
    public var templateNote: String? = nil
    public init() {}
    public var description: String {
        var s = "\(used) of \(records) records used"
        if truncated > 0 { s += ", \(truncated) truncated to the length limit" }
        if droppedTooLong > 0 { s += ", \(droppedTooLong) dropped as too long (over the length limit, or nothing left after truncation)" }
        if skipped > 0 { s += ", \(skipped) bad records skipped (first: \(firstProblem ?? "?"))" }
        if promptTailsDropped > 0 {
            // TRL's warning, once per file: the model trains on a context that differs from the
            // one it is prompted with at inference.
            s += "; in \(promptTailsDropped) records the tokenized prompt is not a prefix of the tokenized prompt + completion"
                + " (tokens merge across the boundary, or the template renders the prompt alone differently): the completion"
                + " starts where they diverge and the prompt's end is left out, as TRL does (first: \((firstDroppedPromptTail ?? "").debugDescription));"
                + " end prompts on a token boundary to avoid it"
        }
        if let n = templateNote { s += "; " + n }
        return s
    }

    /// A record's recognised value (RecordFormats), or nil once the bad-record policy has
    /// dealt with why not.
    public mutating func accept<T>(_ result: Result<T, RecordFormats.RecordError>, at here: String,
                                   policy: BadRecordPolicy) throws -> T? {
        switch result {
        case .success(let value):
            return value
        case .failure(let why):
            try bad(here, why.message, policy: policy)
            return nil
        }
    }

    /// A record's ids (SequenceEncoder), or nil once the bad-record policy has dealt with a
    /// template that refused it (raise_exception); what is worth saying is noted.
    public mutating func encode(at here: String, policy: BadRecordPolicy, _ encoder: SequenceEncoder,
                                _ body: () throws -> SequenceEncoder.Encoded) throws -> SequenceEncoder.Encoded? {
        let encoded: SequenceEncoder.Encoded
        do {
            encoded = try body()
        } catch {
            try bad(here, "\(error)", policy: policy)
            return nil
        }
        noteEncoding(encoded, encoder)
        return encoded
    }

    /// What tokenizing a record is worth saying (see SequenceEncoder): a prompt that lost its
    /// tokenized end, a built-in template standing in for a missing chat template.
    public mutating func noteEncoding(_ e: SequenceEncoder.Encoded, _ encoder: SequenceEncoder) {
        if e.usedFallback { templateNote = encoder.chat.fallbackNote }
        guard !e.droppedPrompt.isEmpty else { return }
        promptTailsDropped += 1
        if firstDroppedPromptTail == nil { firstDroppedPromptTail = encoder.tokenizer.decode(e.droppedPrompt) }
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
