/// Reading prompts and completions out of JSON records in the shapes TRL accepts:
/// plain strings, or conversational lists of {"role","content"} messages.
public enum RecordText {
    public typealias Message = (role: String, content: String)

    /// A list of messages, or nil when the value is not one.
    public static func messages(_ v: JSONValue?) -> [Message]? {
        guard let arr = v?.arrayValue else { return nil }
        var out: [Message] = []
        for m in arr {
            guard let role = m["role"]?.stringValue, let content = m["content"]?.stringValue else { return nil }
            out.append((role, content))
        }
        return out
    }

    /// A prompt field rendered with the template: a string is formatted as one user turn,
    /// a message list as a conversation ending in the generation prompt.
    public static func prompt(_ v: JSONValue?, template: PromptTemplate) -> String? {
        if let s = v?.stringValue { return template.formatPrompt(s) }
        if let m = messages(v), !m.isEmpty { return template.formatMessages(m, addGenerationPrompt: true) }
        return nil
    }

    /// A completion field: a string, or a message list whose assistant contents are joined.
    public static func completion(_ v: JSONValue?) -> String? {
        if let s = v?.stringValue { return s }
        if let m = messages(v), !m.isEmpty { return m.filter { $0.role == "assistant" }.map(\.content).joined() }
        return nil
    }
}
