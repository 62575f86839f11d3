/// Reads preference data in the shapes users bring: TRL standard {"prompt","chosen","rejected"}
/// (strings or conversational message lists), implicit prompt (HH-RLHF: chosen/rejected are
/// whole transcripts sharing a prefix), and PKU-SafeRLHF (response_0/1 with
/// better_response_id or safer_response_id). Optional "margin" and gold scores ride along.
public enum PreferenceFormat: String, CaseIterable { case auto, trl, hh, pkuSafeRLHF = "pku-saferlhf" }

public struct PreferenceLoadOptions {
    public var format: PreferenceFormat = .auto
    public var template: PromptTemplate = .plain
    public var truncation = TruncationOptions()
    /// PKU-SafeRLHF: which label decides.
    public var preference: PKUPreference = .better
    public var marginField = "margin"
    public var policy: BadRecordPolicy = .fail
    /// `--columns`: which of the file's columns fills each field.
    public var columns = ColumnMapping()
    public init() {}
}

public enum PreferenceData {
    public static func load(_ path: String, tokenizer: Tokenizer, eos: Int,
                            options o: PreferenceLoadOptions) throws -> ([PreferencePair], DataReport) {
        var pairs: [PreferencePair] = []
        var report = DataReport()
        var firstLineOfId: [String: Int] = [:]
        try report.forEachRecord(path, policy: o.policy, columns: o.columns) { line, here, rec, report in
            guard rec.objectValue != nil else { try report.bad(here, "expected a JSON object", policy: o.policy); return }
            let parsed: (String, String, String)
            switch recordTexts(rec, options: o) {
            case .failure(let why): try report.bad(here, why.message, policy: o.policy); return
            case .success(let t): parsed = t
            }
            let (p, c, r) = parsed
            if c.isEmpty || r.isEmpty { try report.bad(here, "empty chosen or rejected response", policy: o.policy); return }
            if c == r { try report.bad(here, "chosen and rejected are the same text", policy: o.policy); return }
            let pIds = tokenizer.encodePrompt(p)
            func completion(_ s: String) -> [Int] { var ids = tokenizer.encode(s); if ids.last != eos { ids.append(eos) }; return ids }
            let cIds = completion(c), rIds = completion(r)
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
            pairs.append(PreferencePair(
                id: id, source: here, promptText: p, chosenText: c, rejectedText: r,
                prompt: prompt, chosen: tc.completion, rejected: tr.completion, margin: margin,
                goldChosen: rec["gold_chosen"]?.doubleValue, goldRejected: rec["gold_rejected"]?.doubleValue))
            report.used += 1
        }
        try report.requireUsable(path, used: pairs.count)
        return (pairs, report)
    }

    /// (prompt rendered with the template, chosen, rejected) of one record.
    static func recordTexts(_ rec: JSONValue, options o: PreferenceLoadOptions) -> Result<(String, String, String), TextError> {
        let fmt: PreferenceFormat
        if o.format != .auto { fmt = o.format }
        else if rec["response_0"] != nil { fmt = .pkuSafeRLHF }
        else if rec["prompt"] == nil && rec["chosen"] != nil { fmt = .hh }
        else { fmt = .trl }
        switch fmt {
        case .trl, .auto:
            guard let p = RecordText.prompt(rec["prompt"], template: o.template) else {
                return .failure(TextError("\"prompt\" is missing or not a string / message list"))
            }
            guard let c = RecordText.completion(rec["chosen"]), let r = RecordText.completion(rec["rejected"]) else {
                return .failure(TextError("\"chosen\" and \"rejected\" must be strings or message lists"))
            }
            return .success((p, c, r))
        case .hh:
            if let cm = RecordText.messages(rec["chosen"]), let rm = RecordText.messages(rec["rejected"]) {
                var k = 0
                while k < min(cm.count, rm.count) - 1 && cm[k] == rm[k] { k += 1 }
                guard k > 0, cm.count > k, rm.count > k else { return .failure(TextError("chosen and rejected share no prompt turns")) }
                let prompt = o.template.formatMessages(Array(cm[0..<k]), addGenerationPrompt: true)
                return .success((prompt, cm[k...].map(\.content).joined(), rm[k...].map(\.content).joined()))
            }
            guard let c = rec["chosen"]?.stringValue, let r = rec["rejected"]?.stringValue else {
                return .failure(TextError("\"chosen\" and \"rejected\" must be strings (implicit-prompt format)"))
            }
            let (p, cc, rr) = splitSharedPrefix(c, r)
            guard !p.isEmpty else { return .failure(TextError("chosen and rejected share no prefix to use as the prompt")) }
            return .success((p, cc, rr))
        case .pkuSafeRLHF:
            guard let p = rec["prompt"]?.stringValue, let a = rec["response_0"]?.stringValue, let b = rec["response_1"]?.stringValue else {
                return .failure(TextError("PKU-SafeRLHF needs string \"prompt\", \"response_0\", \"response_1\""))
            }
            let key = o.preference.labelKey
            guard let which = rec[key]?.intValue, which == 0 || which == 1 else {
                return .failure(TextError("\"\(key)\" must be 0 or 1"))
            }
            return .success((o.template.formatPrompt(p), which == 0 ? a : b, which == 0 ? b : a))
        }
    }

    /// TRL's extract_prompt: the longest common prefix is the prompt; a space right before
    /// the first difference stays with the responses.
    public static func splitSharedPrefix(_ a: String, _ b: String) -> (String, String, String) {
        let x = Array(a.unicodeScalars), y = Array(b.unicodeScalars)
        var i = 0
        while i < min(x.count, y.count) && x[i] == y[i] { i += 1 }
        if i > 0 && i < min(x.count, y.count) && x[i - 1] == " " { i -= 1 }
        func s(_ v: ArraySlice<Unicode.Scalar>) -> String { var t = ""; t.unicodeScalars.append(contentsOf: v); return t }
        return (s(x[0..<i]), s(x[i...]), s(y[i...]))
    }

    public struct TextError: Error { public let message: String; init(_ m: String) { message = m } }
}
