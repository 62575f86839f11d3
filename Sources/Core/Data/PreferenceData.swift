/// Reads preference data in the shapes users bring: TRL standard {"prompt","chosen","rejected"}
/// (strings or conversational message lists), implicit prompt (HH-RLHF: chosen/rejected are
/// whole transcripts sharing a prefix), and PKU-SafeRLHF (response_0/1 with
/// better_response_id or safer_response_id). Optional "margin" and gold scores ride along.
public enum PreferenceFormat: String, CaseIterable { case auto, trl, hh, pkuSafeRLHF = "pku-saferlhf" }

public struct PreferenceLoadOptions {
    public var format: PreferenceFormat = .auto
    /// How conversations (and, when forced, string prompts) become text: `--template`,
    /// `--chat-template`, else the model's chat template.
    public var chat = ChatChoice()
    /// TRL 1.16's whole-sequence tokenization, or the prompt and completion apart.
    public var tokenization: TokenizationMode = .trl
    public var truncation = TruncationOptions()
    /// PKU-SafeRLHF: which label decides.
    public var preference: PKUPreference = .better
    public var marginField = "margin"
    public var policy: BadRecordPolicy = .fail
    /// `--columns`: which of the file's columns fills each field.
    public var columns = ColumnMapping()
    public init() {}

    /// The encoder these options ask for, with the template resolved against the tokenizer.
    public func encoder(_ tokenizer: Tokenizer, eos: Int) throws -> SequenceEncoder {
        SequenceEncoder(tokenizer: tokenizer, eos: eos, chat: try chat.format(for: tokenizer), mode: tokenization)
    }
}

public enum PreferenceData {
    public static func load(_ path: String, tokenizer: Tokenizer, eos: Int,
                            options o: PreferenceLoadOptions) throws -> ([PreferencePair], DataReport) {
        var pairs: [PreferencePair] = []
        var report = DataReport()
        var firstLineOfId: [String: Int] = [:]
        let encoder = try o.encoder(tokenizer, eos: eos)
        try report.forEachRecord(path, policy: o.policy, columns: o.columns) { line, here, rec, report in
            guard rec.objectValue != nil else { try report.bad(here, "expected a JSON object", policy: o.policy); return }
            let recognised = RecordFormats.preference(rec, format: o.format, preference: o.preference)
            guard let texts = try report.accept(recognised, at: here, policy: o.policy) else { return }
            guard let inputs = try report.accept(RecordFormats.templateInputs(rec), at: here, policy: o.policy) else { return }
            let c = texts.chosen.completionText, r = texts.rejected.completionText
            if c.isEmpty || r.isEmpty { try report.bad(here, "empty chosen or rejected response", policy: o.policy); return }
            if c == r { try report.bad(here, "chosen and rejected are the same text", policy: o.policy); return }
            guard let encoded = try report.encode(at: here, policy: o.policy, encoder, {
                try encoder.encode(prompt: texts.prompt, completions: [texts.chosen, texts.rejected], inputs: inputs)
            }) else { return }
            let pIds = encoded.prompt, cIds = encoded.completions[0], rIds = encoded.completions[1]
            if cIds.isEmpty || rIds.isEmpty {
                try report.bad(here, "a completion adds no tokens after the prompt", policy: o.policy); return
            }
            let longest = pIds.count + max(cIds.count, rIds.count)
            if o.truncation.dropLong, let ml = o.truncation.maxLength, longest > ml { report.droppedTooLong += 1; return }
            guard let tc = o.truncation.apply(prompt: pIds, completion: cIds),
                  let tr = o.truncation.apply(prompt: pIds, completion: rIds) else { report.droppedTooLong += 1; return }
            if tc.cut || tr.cut { report.truncated += 1 }
            var margin: Double? = nil
            // null is "no margin", as an optional column of a Parquet or datasets file holds it.
            if let m = rec[o.marginField], !m.isNull {
                guard let v = m.doubleValue, v.isFinite else { try report.bad(here, "\"\(o.marginField)\" must be a number", policy: o.policy); return }
                margin = v
            }
            // Scores and reference log-probs are joined back to pairs by id: a repeated id
            // (usually a file concatenated twice) would make those joins ambiguous.
            let id = rec["id"]?.stringValue ?? rec["id"]?.intValue.map(String.init) ?? String(line)
            if let first = firstLineOfId[id] {
                try report.bad(here, "duplicate id \"\(id)\" (first at line \(first))", policy: o.policy); return
            }
            firstLineOfId[id] = line
            // Chosen and rejected share the prompt; keep the shorter cut so both see the same one.
            let prompt = tc.prompt.count <= tr.prompt.count ? tc.prompt : tr.prompt
            var pair = PreferencePair(
                id: id, source: here, promptText: texts.prompt.plainText, chosenText: c, rejectedText: r,
                prompt: prompt, chosen: tc.completion, rejected: tr.completion, margin: margin,
                goldChosen: rec["gold_chosen"]?.doubleValue, goldRejected: rec["gold_rejected"]?.doubleValue)
            pair.conversational = texts.prompt.isConversation
            pairs.append(pair)
            report.used += 1
        }
        try report.requireUsable(path, used: pairs.count)
        return (pairs, report)
    }
}
