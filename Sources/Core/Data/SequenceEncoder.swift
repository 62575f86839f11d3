/// The one place where record texts become token ids, for every stage (SFT, reward, DPO,
/// KTO, scoring, generation), so that training, scoring and sampling see the same tokens.
///
/// TRL 1.16's rule (mode .trl):
/// - text: the eos text is appended to each completion unless it already ends with it;
///   `tok(prompt)` and `tok(prompt + completion)` with the tokenizer's special tokens (BOS).
/// - conversations: `apply_chat_template(prompt, add_generation_prompt=True)` and
///   `apply_chat_template(prompt + completion)`, tokenized without adding special tokens
///   (the template writes them).
/// - the prompt is the common prefix of the tokenized prompt and every tokenized
///   prompt + completion (`common_prefix_length`, the minimum over a pair's two sides); each
///   completion is the rest of its sequence. Where the prefix is shorter than the tokenized
///   prompt (tokens merged across the boundary, or a template that renders the prompt
///   differently), the prompt's tail is left out of the sequence, as TRL does; `droppedPrompt`
///   says so, for the stage to warn once.
public struct SequenceEncoder {
    public let tokenizer: Tokenizer
    public let eos: Int
    public let chat: ChatFormat
    public let mode: TokenizationMode

    public init(tokenizer: Tokenizer, eos: Int, chat: ChatFormat, mode: TokenizationMode) {
        self.tokenizer = tokenizer
        self.eos = eos
        self.chat = chat
        self.mode = mode
    }

    /// A prompt and the completions that follow it, tokenized.
    public struct Encoded {
        /// [prompt tokens]: shared by every completion.
        public var prompt: [Int]
        /// One id list per completion, in the order given.
        public var completions: [[Int]]
        /// Tokens of the prompt tokenized alone that are not in the sequences (TRL mode).
        public var droppedPrompt: [Int]
        /// A conversation went through the built-in template standing in for a missing chat
        /// template (ChatFormat.fallbackNote).
        public var usedFallback = false
    }

    /// The eos token's text, appended to text completions as TRL's add_eos does.
    public var eosText: String { tokenizer.token(eos) ?? "" }

    public func encode(prompt: ChatText, completions: [ChatText], inputs: TemplateInputs = TemplateInputs()) throws -> Encoded {
        var e: Encoded
        switch mode {
        case .trl: e = try encodeWhole(prompt: prompt, completions: completions, inputs: inputs)
        case .separate: e = try encodeApart(prompt: prompt, completions: completions, inputs: inputs)
        }
        e.usedFallback = chat.fallbackNote != nil && prompt.isConversation
        return e
    }

    /// The ids a model is prompted with to generate a completion.
    public func promptIds(_ prompt: ChatText, inputs: TemplateInputs = TemplateInputs()) throws -> [Int] {
        let (text, rendered) = try promptText(prompt, inputs)
        // Only the special tokens that precede a text: a post-processor's trailing EOS
        // would end the prompt before the answer starts.
        return rendered ? tokenizer.encode(text) : tokenizer.encodePrompt(text)
    }

    /// A whole sequence every token of which is a training target (SFT's "text" and
    /// "messages" records): the text with eos appended, or the conversation through a chat
    /// template. nil when the renderer cannot render whole conversations (built-in
    /// templates), for the caller to split off the last turn instead.
    public func wholeSequence(_ text: ChatText, inputs: TemplateInputs = TemplateInputs()) throws -> [Int]? {
        switch text {
        case .text(let s):
            return tokenizer.encode(withEOS(s), addSpecialTokens: true)
        case .conversation(let m):
            guard chat.renderer.rendersCompletions else { return nil }
            return tokenizer.encode(try chat.renderer.render(m, addGenerationPrompt: false, inputs: inputs))
        }
    }

    // MARK: - TRL 1.16

    private func encodeWhole(prompt: ChatText, completions: [ChatText], inputs: TemplateInputs) throws -> Encoded {
        let promptIds: [Int]
        var sequences: [[Int]] = []
        sequences.reserveCapacity(completions.count)
        if case .conversation(let turns) = prompt, chat.renderer.rendersCompletions {
            promptIds = tokenizer.encode(try chat.renderer.render(turns, addGenerationPrompt: true, inputs: inputs))
            for c in completions {
                let whole = try chat.renderer.render(turns + c.asMessages, addGenerationPrompt: false, inputs: inputs)
                sequences.append(tokenizer.encode(whole))
            }
        } else {
            let (text, rendered) = try promptText(prompt, inputs)
            let special = !rendered
            promptIds = tokenizer.encode(text, addSpecialTokens: special)
            for c in completions {
                sequences.append(tokenizer.encode(text + withEOS(c.completionText), addSpecialTokens: special))
            }
        }
        var shared = promptIds.count
        for s in sequences {
            shared = min(shared, Self.commonPrefixLength(promptIds, s))
        }
        return Encoded(prompt: Array(promptIds[..<shared]),
                       completions: sequences.map { Array($0[shared...]) },
                       droppedPrompt: Array(promptIds[shared...]))
    }

    /// TRL's common_prefix_length: how many leading ids two sequences share.
    public static func commonPrefixLength(_ a: [Int], _ b: [Int]) -> Int {
        var n = 0
        let limit = min(a.count, b.count)
        while n < limit && a[n] == b[n] {
            n += 1
        }
        return n
    }

    // MARK: - Separate (older TRL)

    private func encodeApart(prompt: ChatText, completions: [ChatText], inputs: TemplateInputs) throws -> Encoded {
        let (text, rendered) = try promptText(prompt, inputs)
        let promptIds = rendered ? tokenizer.encode(text) : tokenizer.encodePrompt(text)
        let ids = completions.map { c -> [Int] in
            var ids = tokenizer.encode(c.completionText)
            if ids.last != eos {
                ids.append(eos)
            }
            return ids
        }
        return Encoded(prompt: promptIds, completions: ids, droppedPrompt: [])
    }

    // MARK: - Shared pieces

    /// The prompt as text, and whether a Jinja template rendered it (then it holds its own
    /// special tokens). Strings stay text unless `--template` forced a renderer onto them.
    private func promptText(_ prompt: ChatText, _ inputs: TemplateInputs) throws -> (String, rendered: Bool) {
        switch prompt {
        case .text(let s):
            // Text goes to no template, so a record's tools and kwargs have nothing to apply
            // to (TRL passes them to apply_chat_template only).
            guard chat.wrapsStrings else { return (s, false) }
            let turn = [ChatMessage(role: "user", content: s)]
            return (try chat.renderer.render(turn, addGenerationPrompt: true, inputs: inputs), chat.renderer.rendersSpecialTokens)
        case .conversation(let turns):
            return (try chat.renderer.render(turns, addGenerationPrompt: true, inputs: inputs), chat.renderer.rendersSpecialTokens)
        }
    }

    /// TRL's add_eos: the eos text unless the text already ends with it (compared code point
    /// by code point, as Python's endswith; Swift's hasSuffix compares grapheme clusters).
    private func withEOS(_ s: String) -> String {
        let e = Array(eosText.unicodeScalars)
        let tail = s.unicodeScalars.suffix(e.count)
        if tail.count == e.count && tail.elementsEqual(e) {
            return s
        }
        return s + eosText
    }
}
