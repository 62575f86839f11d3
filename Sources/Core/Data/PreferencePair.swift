/// One preference pair, tokenized as TRL does: prompt, then each completion with eos
/// appended (unless its text already ends with it, as chat-formatted completions do).
public struct PreferencePair {
    public var id: String
    public var source: String          // file:line
    public var promptText: String, chosenText: String, rejectedText: String
    public var prompt: [Int], chosen: [Int], rejected: [Int]
    public var margin: Double?
    public var goldChosen: Double?, goldRejected: Double?
    /// The prompt was a conversation, rendered by a chat template.
    public var conversational = false

    public init(id: String, source: String, promptText: String, chosenText: String, rejectedText: String,
                prompt: [Int], chosen: [Int], rejected: [Int], margin: Double? = nil,
                goldChosen: Double? = nil, goldRejected: Double? = nil) {
        self.id = id; self.source = source; self.promptText = promptText; self.chosenText = chosenText
        self.rejectedText = rejectedText; self.prompt = prompt; self.chosen = chosen; self.rejected = rejected
        self.margin = margin; self.goldChosen = goldChosen; self.goldRejected = goldRejected
    }

    public var tokenCount: Int { 2 * prompt.count + chosen.count + rejected.count }
}

/// How long pairs are cut (TRL's max_length / max_prompt_length / max_completion_length /
/// truncation_mode), or dropped.
public struct TruncationOptions {
    public enum Mode: String, CaseIterable { case keepEnd = "keep_end", keepStart = "keep_start" }
    public var maxLength: Int? = 1024
    public var maxPromptLength: Int? = nil
    public var maxCompletionLength: Int? = nil
    public var mode: Mode = .keepEnd
    /// Drop over-long pairs instead of cutting them (RewardTrainer filters them out).
    public var dropLong = false
    public init() {}

    /// Cuts prompt and completion; nil when nothing of the completion would be left.
    public func apply(prompt: [Int], completion: [Int]) -> (prompt: [Int], completion: [Int], cut: Bool)? {
        var p = prompt, c = completion
        if let mp = maxPromptLength, p.count > mp { p = mode == .keepStart ? Array(p.prefix(mp)) : Array(p.suffix(mp)) }
        if let mc = maxCompletionLength, c.count > mc { c = Array(c.prefix(mc)) }
        if let ml = maxLength, p.count + c.count > ml {
            switch mode {
            case .keepStart:
                if p.count >= ml { return nil }
                c = Array(c.prefix(ml - p.count))
            case .keepEnd:
                if c.count >= ml { c = Array(c.prefix(ml)); p = [] } else { p = Array(p.suffix(ml - c.count)) }
            }
        }
        if c.isEmpty { return nil }
        return (p, c, p.count != prompt.count || c.count != completion.count)
    }
}
