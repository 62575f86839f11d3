/// Unpaired examples for KTO: {"prompt","completion","label": true|false}, or preference pairs
/// unpaired (chosen → desirable, rejected → undesirable), tokenized as TRL does.
public struct KTOExample {
    public var prompt: [Int], completion: [Int], desirable: Bool, source: String
    public init(prompt: [Int], completion: [Int], desirable: Bool, source: String) {
        self.prompt = prompt; self.completion = completion; self.desirable = desirable; self.source = source
    }
}

public enum KTOData {
    /// Reads {"prompt","completion","label"} records, or preference records (any shape
    /// PreferenceData reads), each pair unpaired first as TRL's unpair_preference_dataset does,
    /// so each example is tokenized on its own.
    public static func load(_ path: String, tokenizer: Tokenizer, eos: Int,
                            options o: PreferenceLoadOptions) throws -> ([KTOExample], DataReport) {
        let first = try JSONL.firstRecord(path).record.map(o.columns.applyOrKeep)
        let unpaired = first.map(RecordFormats.isUnpaired) ?? true
        let encoder = try o.encoder(tokenizer, eos: eos)
        var out: [KTOExample] = []
        var report = DataReport()
        try report.forEachRecord(path, policy: o.policy, columns: o.columns) { line, here, r, report in
            var examples: [(prompt: ChatText, completion: ChatText, desirable: Bool)] = []
            if unpaired {
                guard let e = try report.accept(RecordFormats.unpaired(r), at: here, policy: o.policy) else { return }
                examples = [e]
            } else {
                let recognised = RecordFormats.preference(r, format: o.format, preference: o.preference)
                guard let t = try report.accept(recognised, at: here, policy: o.policy) else { return }
                examples = [(t.prompt, t.chosen, true), (t.prompt, t.rejected, false)]
            }
            guard let inputs = try report.accept(RecordFormats.templateInputs(r), at: here, policy: o.policy) else { return }
            var kept: [KTOExample] = []
            for e in examples {
                if e.completion.completionText.isEmpty { try report.bad(here, "empty completion", policy: o.policy); return }
                guard let encoded = try report.encode(at: here, policy: o.policy, encoder, {
                    try encoder.encode(prompt: e.prompt, completions: [e.completion], inputs: inputs)
                }) else { return }
                guard let cut = o.truncation.apply(prompt: encoded.prompt, completion: encoded.completions[0]) else {
                    report.droppedTooLong += 1; return
                }
                if cut.cut { report.truncated += 1 }
                kept.append(KTOExample(prompt: cut.prompt, completion: cut.completion, desirable: e.desirable, source: here))
            }
            out += kept
            report.used += 1
        }
        try report.requireUsable(path, used: out.count)
        return (out, report)
    }
}
