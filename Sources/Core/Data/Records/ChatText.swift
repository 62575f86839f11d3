/// A prompt or completion as a record holds it: plain text, or a conversation (a list of
/// {"role","content",…} messages). TRL treats the two differently: text is tokenized as it is
/// (with the tokenizer's special tokens, eos text appended to completions), a conversation
/// goes through the chat template. Keeping the record's shape until tokenization is what
/// lets one place (SequenceEncoder) apply that rule for every stage.
public enum ChatText {
    case text(String)
    case conversation([ChatMessage])

    /// A string or a non-empty list of messages; nil for anything else.
    public init?(_ value: JSONValue?) {
        if let s = value?.stringValue {
            self = .text(s)
            return
        }
        guard let items = value?.arrayValue, !items.isEmpty else { return nil }
        var messages: [ChatMessage] = []
        messages.reserveCapacity(items.count)
        for item in items {
            guard let m = ChatMessage(item) else { return nil }
            messages.append(m)
        }
        self = .conversation(messages)
    }

    public var isConversation: Bool {
        if case .conversation = self { return true }
        return false
    }

    /// The text a human reads: the string, or the messages' contents joined by blank lines.
    public var plainText: String {
        switch self {
        case .text(let s): return s
        case .conversation(let m): return m.map(\.content).joined(separator: "\n\n")
        }
    }

    /// A completion's text when it has to be used as text (a string prompt followed by a
    /// conversational completion): the assistant turns' contents.
    public var completionText: String {
        switch self {
        case .text(let s): return s
        case .conversation(let m): return m.filter { $0.role == "assistant" }.map(\.content).joined()
        }
    }

    /// The value as the record held it, for outputs that copy the prompt through.
    public var json: JSONValue {
        switch self {
        case .text(let s): return .string(s)
        case .conversation(let m): return .array(m.map(\.json))
        }
    }

    /// A completion as messages to append to a conversational prompt: text becomes one
    /// assistant turn (what a user of a chat model means by a bare string answer).
    public var asMessages: [ChatMessage] {
        switch self {
        case .text(let s): return [ChatMessage(role: "assistant", content: s)]
        case .conversation(let m): return m
        }
    }
}

/// One message of a conversation. The whole JSON object is kept because chat templates may
/// read more than role and content (tool_calls, name, reasoning_content).
public struct ChatMessage: Equatable {
    public let role: String
    public let content: String
    public let json: JSONValue

    public init(role: String, content: String) {
        self.role = role
        self.content = content
        self.json = .object([("role", .string(role)), ("content", .string(content))])
    }

    /// Needs string "role" and "content".
    public init?(_ value: JSONValue) {
        guard let role = value["role"]?.stringValue, let content = value["content"]?.stringValue else { return nil }
        self.role = role
        self.content = content
        self.json = value
    }
}
