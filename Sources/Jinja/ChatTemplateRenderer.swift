/// Renders a conversation the way `tokenizer.apply_chat_template(..., tokenize=False)` does
/// in transformers 5: the same context (messages, tools, documents, add_generation_prompt,
/// the tokenizer's special tokens, extra keyword arguments) and the same message clean-up.
public struct ChatTemplateRenderer: Sendable {
    public let template: JinjaTemplate
    /// The tokenizer's `special_tokens_map` (`bos_token`, `eos_token`, `unk_token`, `pad_token`...);
    /// extra arguments of the same name win, as in transformers.
    public var specialTokens: [String: String]

    public init(template: JinjaTemplate, specialTokens: [String: String] = [:]) {
        self.template = template
        self.specialTokens = specialTokens
    }

    public init(source: String, name: String = "chat_template.jinja", specialTokens: [String: String] = [:]) throws {
        self.init(template: try JinjaTemplate(source, name: name), specialTokens: specialTokens)
    }

    /// - Parameters:
    ///   - messages: message objects (`role`, `content`, optionally `tool_calls`, `reasoning_content`...).
    ///   - tools: JSON-schema tool objects, or nil (the template then sees `tools` as none).
    ///   - extra: further template variables, e.g. `enable_thinking`.
    public func render(messages: [JinjaValue], addGenerationPrompt: Bool = false, tools: [JinjaValue]? = nil,
                       documents: [JinjaValue]? = nil, extra: [String: JinjaValue] = [:],
                       options: JinjaRenderOptions = JinjaRenderOptions()) throws -> String {
        try template.render(context(messages, addGenerationPrompt, tools, documents, extra), options: options)
    }

    /// As `render`, plus the `{% generation %}` spans (Unicode-scalar offsets) that
    /// transformers turns into the assistant mask.
    public func renderWithGenerationSpans(messages: [JinjaValue], addGenerationPrompt: Bool = false,
                                          tools: [JinjaValue]? = nil, documents: [JinjaValue]? = nil,
                                          extra: [String: JinjaValue] = [:],
                                          options: JinjaRenderOptions = JinjaRenderOptions()) throws -> (String, [Range<Int>]) {
        try template.renderWithGenerationSpans(context(messages, addGenerationPrompt, tools, documents, extra), options: options)
    }

    /// The template's variables, built as apply_chat_template + render_jinja_template build them.
    public func context(_ messages: [JinjaValue], _ addGenerationPrompt: Bool, _ tools: [JinjaValue]?,
                        _ documents: [JinjaValue]?, _ extra: [String: JinjaValue]) -> [String: JinjaValue] {
        var ctx: [String: JinjaValue] = [:]
        for (k, v) in specialTokens { ctx[k] = .string(v) }
        for (k, v) in extra { ctx[k] = v }
        ctx["messages"] = .array(messages.map(ChatTemplateRenderer.normalize))
        ctx["tools"] = tools.map { JinjaValue.array($0) } ?? JinjaValue.none
        ctx["documents"] = documents.map { JinjaValue.array($0) } ?? JinjaValue.none
        ctx["add_generation_prompt"] = .bool(addGenerationPrompt)
        return ctx
    }

    /// apply_chat_template drops keys whose value is None; render_jinja_template then copies
    /// the reasoning under the names templates read: `thinking` first (unless present),
    /// `reasoning_content` last (or in its place), from the first of reasoning_content,
    /// thinking, reasoning that is set.
    static func normalize(_ message: JinjaValue) -> JinjaValue {
        guard case .object(let o) = message else { return message }
        var m = JinjaObject(o.pairs.filter { if case .none = $0.1 { return false }; return true })
        guard let reasoning = ["reasoning_content", "thinking", "reasoning"].lazy.compactMap({ m[$0] }).first else {
            return .object(m)
        }
        var aliased = JinjaObject()
        aliased["thinking"] = reasoning
        for (k, v) in m.pairs { aliased[k] = v }
        aliased["reasoning_content"] = reasoning
        m = aliased
        return .object(m)
    }
}
