/// One line of a prompts file: `{"id","prompt"}`, or a TRL conversation (`messages`, or
/// `prompt` as a list of messages). The last assistant turn of `messages` is dropped: it is
/// the answer we are asked to generate anew.
public struct PromptRecord {
    /// The record's `id`, or its line number as a string.
    public let id: JSONValue
    /// What the output's `prompt` field holds: the prompt string, or the messages kept.
    public let prompt: JSONValue
    /// The prompt to tokenize (SequenceEncoder.promptIds), with the record's tools and
    /// chat-template kwargs.
    public let chat: ChatText
    public let inputs: TemplateInputs
    /// Top-level fields besides id / prompt / messages, copied to the output.
    public let extra: [(String, JSONValue)]

    /// `line` numbers the record (its id when it has none); `at` says where it is ("file:line").
    public static func parse(_ record: JSONValue, line: Int, at: String) throws -> PromptRecord {
        guard let members = record.objectValue else { throw PrefkitError("\(at): a prompt record must be a JSON object") }
        let id = record["id"] ?? .string(String(line))
        let inputs: TemplateInputs
        switch RecordFormats.templateInputs(record) {
        case .failure(let why): throw PrefkitError("\(at): \(why.message)")
        case .success(let t): inputs = t
        }
        switch RecordFormats.prompt(record) {
        case .failure(let why):
            throw PrefkitError("\(at): \(why.message)")
        case .success(let p):
            let extra = members.filter { !["id", "prompt", "messages"].contains($0.0) }
            return PromptRecord(id: id, prompt: p.kept, chat: p.prompt, inputs: inputs, extra: extra)
        }
    }

    public static func readAll(_ path: String, columns: ColumnMapping = ColumnMapping()) throws -> [(line: Int, record: PromptRecord)] {
        var out: [(line: Int, record: PromptRecord)] = []
        // Files of a glob or an hf: dataset in order; a line that is not JSON stops the read.
        try JSONL.forEachLine(path) { line, at, parsed in
            guard case .record(let r) = parsed else {
                if case .malformed(let why) = parsed { throw PrefkitError("\(at): \(why)") }
                return
            }
            switch columns.apply(r) {
            case .success(let mapped): out.append((line: line, record: try parse(mapped, line: line, at: at)))
            case .failure(let e): throw PrefkitError("\(at): \(e.message)")
            }
        }
        return out
    }
}
