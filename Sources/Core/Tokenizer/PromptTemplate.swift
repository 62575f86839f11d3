/// How a prompt (and chat messages) become the text the model sees.
public enum PromptTemplate: String, CaseIterable {
    /// Text as is: for base models and completion-style data.
    case plain
    /// Qwen-style ChatML with <|im_start|>/<|im_end|>.
    case chatml
    /// "Question: ...\n\nAnswer: " for base models without chat tokens.
    case qa

    public func formatPrompt(_ prompt: String, system: String? = nil) -> String {
        var messages: [(role: String, content: String)] = []
        if let system { messages.append((role: "system", content: system)) }
        messages.append((role: "user", content: prompt))
        return formatMessages(messages, addGenerationPrompt: true)
    }

    public func formatMessages(_ messages: [(role: String, content: String)], addGenerationPrompt: Bool) -> String {
        switch self {
        case .plain:
            // Contents only, so a lone prompt comes back unchanged.
            return messages.map(\.content).filter { !$0.isEmpty }.joined(separator: "\n\n")
        case .chatml:
            var s = ""
            for m in messages { s += "<|im_start|>\(m.role)\n\(m.content)<|im_end|>\n" }
            if addGenerationPrompt { s += "<|im_start|>assistant\n" }
            return s
        case .qa:
            var s = ""
            for m in messages {
                switch m.role {
                case "user": s += "Question: \(m.content)\n\n"
                case "assistant": s += "Answer: \(m.content)\n\n"
                default: s += "\(m.content)\n\n"
                }
            }
            if addGenerationPrompt { s += "Answer: " }
            return s
        }
    }

    /// Text appended after a completion. Empty for all templates: the end of a
    /// ChatML turn is the eos token (<|im_end|>), which is appended as an id.
    public var completionSuffix: String { "" }
}
