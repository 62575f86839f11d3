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
    /// Reads {"prompt","completion"}, {"text"} (every token scored) or {"messages"} (the last
    /// assistant turn is the completion). Sequences over maxLength keep their start.
    public static func load(_ path: String, tokenizer: Tokenizer, template: PromptTemplate, eos: Int,
                            maxLength: Int, policy: BadRecordPolicy, columns: ColumnMapping = ColumnMapping()) throws -> ([SFTExample], DataReport) {
        var out: [SFTExample] = []
        var report = DataReport()
        try report.forEachRecord(path, policy: policy, columns: columns) { line, here, rec, report in
            var prompt: [Int] = [], completion: [Int] = []
            if let text = rec["text"]?.stringValue {
                if text.isEmpty { try report.bad(here, "empty \"text\"", policy: policy); return }
                // A BOS the tokenizer adds is context, not a scored token.
                prompt = tokenizer.specialPrefix
                completion = tokenizer.encode(text) + [eos]
            } else if let msgs = RecordText.messages(rec["messages"]) {
                guard let last = msgs.last, last.role == "assistant", msgs.count >= 2 else {
                    try report.bad(here, "\"messages\" must end with an assistant turn after at least one other", policy: policy); return
                }
                if last.content.isEmpty { try report.bad(here, "empty last assistant turn", policy: policy); return }
                prompt = tokenizer.encodePrompt(template.formatMessages(Array(msgs.dropLast()), addGenerationPrompt: true))
                completion = tokenizer.encode(last.content) + [eos]
            } else if let p = RecordText.prompt(rec["prompt"], template: template), let c = RecordText.completion(rec["completion"]) {
                if c.isEmpty { try report.bad(here, "empty \"completion\"", policy: policy); return }
                prompt = tokenizer.encodePrompt(p)
                completion = tokenizer.encode(c) + [eos]
            } else {
                try report.bad(here, "expected {\"prompt\",\"completion\"}, {\"text\"} or {\"messages\"} with string values", policy: policy)
                return
            }
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
}
