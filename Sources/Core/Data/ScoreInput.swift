/// What rm-score scores: preference pairs (both sides, labels "chosen"/"rejected") or
/// generations {"id","prompt","response"} (label "generated" or the caller's).
/// Generation prompts are the prompts as given to `generate` (a string or a message list), so
/// the template is applied here as rm-train applied it; use the template the models were trained with.
public struct ScoreSample {
    public var id: String
    public var prompt: String, response: String
    public var label: String
    /// prompt + response (+ eos) token ids, what the reward model reads.
    public var tokens: [Int]
    /// Gold score of this sample, and for pairs the gold of both sides.
    public var gold: Double?
    public var goldChosen: Double?, goldRejected: Double?
    /// Index of the pair this sample belongs to (pairs only).
    public var pair: Int?
    /// Pairs: how many leading tokens are the prompt (shared by the pair's two samples).
    public var promptLength: Int? = nil
    /// Generations from `generate`: the prompt ids and the sampled ids (eos included when it
    /// ended the response), for log-ratios under a policy and a reference.
    public var promptIds: [Int]? = nil
    public var sampledIds: [Int]? = nil
    /// Response length in tokens (eos excluded): generate's n_tokens when present, else the
    /// response text tokenized.
    public var length: Int? = nil
}

public enum ScoreInputKind: String { case pairs, generations }

public enum ScoreInput {
    /// Reads the file; the kind is decided by the first record: a "response" makes it generations
    /// (even when prompt fields were copied through from pair data), chosen/rejected/response_0 pairs.
    public static func load(_ path: String, tokenizer: Tokenizer, eos: Int, preference o: PreferenceLoadOptions,
                            label: String?) throws -> ([ScoreSample], ScoreInputKind, DataReport) {
        // Malformed lines do not decide the kind; the loaders apply the bad-record policy to them.
        let (unmapped, hasLines) = try JSONL.firstRecord(path)
        let first = unmapped.map(o.columns.applyOrKeep)
        guard hasLines else { throw PrefkitError("\(path): no records: nothing to do") }
        if let f = first, RecordFormats.isPreference(f) {
            let (pairs, report) = try PreferenceData.load(path, tokenizer: tokenizer, eos: eos, options: o)
            var out: [ScoreSample] = []
            for (k, p) in pairs.enumerated() {
                out.append(ScoreSample(id: p.id, prompt: p.promptText, response: p.chosenText, label: label.map { $0 + "/chosen" } ?? "chosen",
                                       tokens: p.prompt + p.chosen, gold: p.goldChosen,
                                       goldChosen: p.goldChosen, goldRejected: p.goldRejected, pair: k,
                                       promptLength: p.prompt.count))
                out.append(ScoreSample(id: p.id, prompt: p.promptText, response: p.rejectedText, label: label.map { $0 + "/rejected" } ?? "rejected",
                                       tokens: p.prompt + p.rejected, gold: p.goldRejected,
                                       goldChosen: p.goldChosen, goldRejected: p.goldRejected, pair: k,
                                       promptLength: p.prompt.count))
            }
            return (out, .pairs, report)
        }
        return try generations(path, encoder: try o.encoder(tokenizer, eos: eos), truncation: o.truncation, policy: o.policy,
                               label: label ?? "generated", columns: o.columns)
    }

    /// A JSON list of token ids, or nil when it is not one.
    static func tokenIds(_ v: JSONValue?) -> [Int]? {
        guard case .array(let items)? = v else { return nil }
        var ids: [Int] = []
        ids.reserveCapacity(items.count)
        for item in items {
            guard let d = item.doubleValue, d >= 0, d < 2_147_483_648, d == d.rounded() else { return nil }
            ids.append(Int(d))
        }
        return ids
    }

    /// Generations are scored as the reward model was trained: prompt + response through the
    /// same encoder (a conversational prompt takes the response as the assistant's turn).
    static func generations(_ path: String, encoder: SequenceEncoder, truncation: TruncationOptions,
                            policy: BadRecordPolicy, label: String,
                            columns: ColumnMapping) throws -> ([ScoreSample], ScoreInputKind, DataReport) {
        var out: [ScoreSample] = []
        var report = DataReport()
        try report.forEachRecord(path, policy: policy, columns: columns) { line, here, rec, report in
            guard let texts = try report.accept(RecordFormats.generation(rec), at: here, policy: policy) else { return }
            guard let inputs = try report.accept(RecordFormats.templateInputs(rec), at: here, policy: policy) else { return }
            let response = texts.response
            var gold: Double? = nil
            if let g = rec["gold"], !g.isNull {
                guard let v = g.doubleValue else { try report.bad(here, "\"gold\" must be a number", policy: policy); return }
                gold = v
            }
            guard let encoded = try report.encode(at: here, policy: policy, encoder, {
                try encoder.encode(prompt: texts.prompt, completions: [.text(response)], inputs: inputs)
            }) else { return }
            let r = encoded.completions[0]
            guard let cut = truncation.apply(prompt: encoded.prompt, completion: r) else {
                report.droppedTooLong += 1; return
            }
            if cut.cut { report.truncated += 1 }
            let prompt = texts.prompt.plainText
            let id = rec["id"]?.stringValue ?? rec["id"]?.intValue.map(String.init) ?? String(line)
            var sample = ScoreSample(id: id, prompt: prompt, response: response, label: label,
                                     tokens: cut.prompt + cut.completion, gold: gold, goldChosen: nil, goldRejected: nil, pair: nil)
            let promptIds = tokenIds(rec["prompt_ids"])
            let sampledIds = tokenIds(rec["response_ids"])
            if (rec["prompt_ids"] != nil && promptIds == nil) || (rec["response_ids"] != nil && sampledIds == nil) {
                try report.bad(here, "\"prompt_ids\" and \"response_ids\" must be lists of non-negative integer token ids", policy: policy)
                return
            }
            sample.promptIds = promptIds
            sample.sampledIds = sampledIds
            // generate's n_tokens excludes eos; without it, the response text tokenized.
            sample.length = rec["n_tokens"]?.intValue ?? (r.count - 1)
            out.append(sample)
            report.used += 1
        }
        try report.requireUsable(path, used: out.count)
        return (out, .generations, report)
    }
}
