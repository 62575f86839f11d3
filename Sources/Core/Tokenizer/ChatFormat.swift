/// Turns a conversation into the text a model reads. Two kinds exist: prefkit's built-in
/// prompt templates (PromptTemplate: plain, chatml, qa) and a checkpoint's Jinja chat
/// template (ChatTemplate).
public protocol ConversationRenderer {
    /// `inputs`: the record's tools and chat-template kwargs (TemplateInputs).
    func render(_ messages: [ChatMessage], addGenerationPrompt: Bool, inputs: TemplateInputs) throws -> String
    /// True when the rendered text already holds the special tokens (a Jinja template writes
    /// `bos_token` itself), so tokenizing it must not add them again, as transformers'
    /// apply_chat_template tokenizes with add_special_tokens=False.
    var rendersSpecialTokens: Bool { get }
    /// What names this renderer in prefkit.json and in digests of tokenized data: two
    /// renderers with the same identity give the same text.
    var identity: String { get }
    /// Whether whole conversations (prompt + completion turns) go through the renderer.
    /// Built-in templates only format prompts; their completions stay text + eos.
    var rendersCompletions: Bool { get }
}

extension PromptTemplate: ConversationRenderer {
    /// Built-in templates have no variables for a record's chat_template_kwargs to set; tools,
    /// which a Jinja template would describe to the model, would be lost, so they are refused.
    public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool, inputs: TemplateInputs) throws -> String {
        guard inputs.tools == nil else {
            throw PrefkitError("\"tools\" need a Jinja chat template; the built-in \(rawValue) template cannot show them to the model")
        }
        return formatMessages(messages.map { (role: $0.role, content: $0.content) }, addGenerationPrompt: addGenerationPrompt)
    }
    public var rendersSpecialTokens: Bool { false }
    public var identity: String { rawValue }
    public var rendersCompletions: Bool { false }
}

/// Which renderer a stage uses, and whether plain-string prompts go through it too.
/// TRL's rule, the default: conversations go through the model's chat template, strings are
/// used as text. `--template` forces one renderer for both (a string prompt becomes one user
/// turn).
public struct ChatFormat {
    public let renderer: any ConversationRenderer
    /// True when `--template` forced the renderer onto string prompts as well.
    public let wrapsStrings: Bool
    /// Set when the model had no chat template and a built-in one stands in for it: the
    /// loaders report it once if a conversation was rendered.
    public let fallbackNote: String?

    public init(renderer: any ConversationRenderer, wrapsStrings: Bool, fallbackNote: String? = nil) {
        self.renderer = renderer
        self.wrapsStrings = wrapsStrings
        self.fallbackNote = fallbackNote
    }

    /// Forced by `--template plain|chatml|qa`.
    public static func forced(_ t: PromptTemplate) -> ChatFormat {
        ChatFormat(renderer: t, wrapsStrings: true)
    }

    /// For prefkit.json and digests: the renderer and whether strings go through it.
    public var identity: String {
        wrapsStrings ? renderer.identity : "text+" + renderer.identity
    }
}

extension ConversationRenderer {
    /// A conversation with no record-level inputs.
    public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool) throws -> String {
        try render(messages, addGenerationPrompt: addGenerationPrompt, inputs: TemplateInputs())
    }
}
