/// Supervised fine-tuning examples: prompt tokens (not scored) and completion tokens
/// (scored, eos appended as TRL does).
public struct SFTExample {
    public var prompt: [Int]
    public var completion: [Int]
    public var source: String
    public init(prompt: [Int], completion: [Int], source: String) {
        self.prompt = prompt; self.completion = completion; self.source = source
    }
    public var scoredCount: Int { prompt.isEmpty ? completion.count - 1 : completion.count }
}

public enum SFTData {
    /// Reads {"prompt","completion"}, {"text"} or {"messages"}, tokenized by `encoder` as TRL's
    /// SFTTrainer does: prompt-completion data scores the completion (after the common
    /// prefix); "text" scores every token; "messages" through a chat template scores the whole
    /// conversation (TRL's default, assistant_only_loss off). With a built-in template, or
    /// `--tokenization separate`, the last assistant turn of "messages" is the completion.
    /// Sequences over maxLength keep their start.
    public static func load(_ path: String, encoder: SequenceEncoder, maxLength: Int, policy: BadRecordPolicy,
                            columns: ColumnMapping = ColumnMapping()) throws -> ([SFTExample], DataReport) {
        var out: [SFTExample] = []
        var report = DataReport()
        try report.forEachRecord(path, policy: policy, columns: columns) { line, here, rec, report in
            guard let texts = try report.accept(RecordFormats.sft(rec), at: here, policy: policy) else { return }
            guard let inputs = try report.accept(RecordFormats.templateInputs(rec), at: here, policy: policy) else { return }
            guard let encoded = try report.encode(at: here, policy: policy, encoder, {
                try split(texts, encoder: encoder, inputs: inputs)
            }) else { return }
            let prompt = encoded.prompt
            var completion = encoded.completions[0]
            if prompt.count + completion.count > maxLength {
                report.truncated += 1
                if prompt.count >= maxLength - 1 && !prompt.isEmpty || maxLength < 2 { report.droppedTooLong += 1; return }
                completion = Array(completion.prefix(maxLength - prompt.count))
            }
            out.append(SFTExample(prompt: prompt, completion: completion, source: here))
            report.used += 1
        }
        try report.requireUsable(path, used: out.count)
        return (out, report)
    }

    /// With the template resolved against `tokenizer` (`chat`: `--template`/`--chat-template`).
    public static func load(_ path: String, tokenizer: Tokenizer, chat: ChatChoice = ChatChoice(),
                            tokenization: TokenizationMode = .trl, eos: Int, maxLength: Int, policy: BadRecordPolicy,
                            columns: ColumnMapping = ColumnMapping()) throws -> ([SFTExample], DataReport) {
        let encoder = SequenceEncoder(tokenizer: tokenizer, eos: eos, chat: try chat.format(for: tokenizer), mode: tokenization)
        return try load(path, encoder: encoder, maxLength: maxLength, policy: policy, columns: columns)
    }

    /// (context, targets) of one record; a RecordError says what is wrong with it.
    static func split(_ texts: RecordFormats.SFTTexts, encoder: SequenceEncoder,
                      inputs: TemplateInputs) throws -> SequenceEncoder.Encoded {
        let trl = encoder.mode == .trl
        switch texts {
        case .text(let text):
            if text.isEmpty { throw RecordFormats.RecordError("empty \"text\"") }
            // A BOS the tokenizer adds is context, not a scored token.
            let prefix = encoder.tokenizer.specialPrefix
            if trl, let whole = try encoder.wholeSequence(.text(text)) {
                let context = whole.starts(with: prefix) ? prefix : []
                return SequenceEncoder.Encoded(prompt: context, completions: [Array(whole[context.count...])], droppedPrompt: [])
            }
            return SequenceEncoder.Encoded(prompt: prefix, completions: [encoder.tokenizer.encode(text) + [encoder.eos]], droppedPrompt: [])
        case .messages(let msgs):
            if trl, let whole = try encoder.wholeSequence(.conversation(msgs), inputs: inputs) {
                if whole.count < 2 { throw RecordFormats.RecordError("\"messages\" render to fewer than 2 tokens") }
                return SequenceEncoder.Encoded(prompt: [], completions: [whole], droppedPrompt: [])
            }
            guard let last = msgs.last, last.role == "assistant", msgs.count >= 2 else {
                throw RecordFormats.RecordError("\"messages\" must end with an assistant turn after at least one other")
            }
            if last.content.isEmpty { throw RecordFormats.RecordError("empty last assistant turn") }
            return try encoder.encode(prompt: .conversation(Array(msgs.dropLast())), completions: [.text(last.content)],
                                      inputs: inputs)
        case .promptCompletion(let p, let c):
            if c.completionText.isEmpty { throw RecordFormats.RecordError("empty \"completion\"") }
            let e = try encoder.encode(prompt: p, completions: [c], inputs: inputs)
            if e.completions[0].isEmpty { throw RecordFormats.RecordError("the completion adds no tokens after the prompt") }
            return e
        }
    }
}
