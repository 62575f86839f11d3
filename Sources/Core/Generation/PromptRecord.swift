/// One line of a prompts file: `{"id","prompt"}`, or a TRL conversation (`messages`, or
/// `prompt` as a list of messages). The last assistant turn of `messages` is dropped: it is
/// the answer we are asked to generate anew.
public struct PromptRecord {
    /// The record's `id`, or its line number as a string.
    public let id: JSONValue
    /// What the output's `prompt` field holds: the prompt string, or the messages kept.
    public let prompt: JSONValue
    /// The text the model sees, rendered with the template and its generation prompt.
    public let text: String
    /// Top-level fields besides id / prompt / messages, copied to the output.
    public let extra: [(String, JSONValue)]

    /// `line` numbers the record (its id when it has none); `at` says where it is ("file:line").
    public static func parse(_ record: JSONValue, line: Int, at: String, template: PromptTemplate) throws -> PromptRecord {
        guard let members = record.objectValue else { throw PrefkitError("\(at): a prompt record must be a JSON object") }
        let id = record["id"] ?? .string(String(line))
        let prompt: JSONValue, text: String
        if let p = record["prompt"], let s = p.stringValue {
            prompt = p; text = template.formatPrompt(s)
        } else if let p = record["prompt"], p.arrayValue != nil {
            let msgs = try messages(p, at: at + ": prompt")
            prompt = p; text = template.formatMessages(msgs, addGenerationPrompt: true)
        } else if let m = record["messages"] {
            var msgs = try messages(m, at: at + ": messages")
            var kept = m.arrayValue ?? []
            if msgs.last?.role == "assistant" { msgs.removeLast(); kept.removeLast() }
            guard !msgs.isEmpty else { throw PrefkitError("\(at): messages hold no turn before the assistant's") }
            prompt = .array(kept); text = template.formatMessages(msgs, addGenerationPrompt: true)
        } else {
            throw PrefkitError("\(at): needs \"prompt\" (a string or a list of messages) or \"messages\"")
        }
        let extra = members.filter { !["id", "prompt", "messages"].contains($0.0) }
        return PromptRecord(id: id, prompt: prompt, text: text, extra: extra)
    }

    static func messages(_ v: JSONValue, at: String) throws -> [(role: String, content: String)] {
        guard let items = v.arrayValue else { throw PrefkitError("\(at) must be a list of {\"role\",\"content\"}") }
        return try items.enumerated().map { i, m in
            guard let role = m["role"]?.stringValue, let content = m["content"]?.stringValue else {
                throw PrefkitError("\(at)[\(i)] needs string \"role\" and \"content\"")
            }
            return (role: role, content: content)
        }
    }

    public static func readAll(_ path: String, template: PromptTemplate,
                               columns: ColumnMapping = ColumnMapping()) throws -> [(line: Int, record: PromptRecord)] {
        var out: [(line: Int, record: PromptRecord)] = []
        // Files of a glob or an hf: dataset in order; a line that is not JSON stops the read.
        try JSONL.forEachLine(path) { line, at, parsed in
            guard case .record(let r) = parsed else {
                if case .malformed(let why) = parsed { throw PrefkitError("\(at): \(why)") }
                return
            }
            switch columns.apply(r) {
            case .success(let mapped): out.append((line: line, record: try parse(mapped, line: line, at: at, template: template)))
            case .failure(let e): throw PrefkitError("\(at): \(e.message)")
            }
        }
        return out
    }
}
