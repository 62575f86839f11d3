/// Unpaired examples for KTO: {"prompt","completion","label": true|false}, or preference pairs
/// unpaired (chosen → desirable, rejected → undesirable), tokenized as TRL does.
public struct KTOExample {
    public var prompt: [Int], completion: [Int], desirable: Bool, source: String
    public init(prompt: [Int], completion: [Int], desirable: Bool, source: String) {
        self.prompt = prompt; self.completion = completion; self.desirable = desirable; self.source = source
    }
}

public enum KTOData {
    public static func load(_ path: String, tokenizer: Tokenizer, eos: Int,
                            options o: PreferenceLoadOptions) throws -> ([KTOExample], DataReport) {
        let first = try JSONL.firstRecord(path).record.map(o.columns.applyOrKeep)
        if let f = first, f["label"] == nil {
            // Pairs: each becomes one desirable and one undesirable example.
            let (pairs, report) = try PreferenceData.load(path, tokenizer: tokenizer, eos: eos, options: o)
            let ex = pairs.flatMap { p in
                [KTOExample(prompt: p.prompt, completion: p.chosen, desirable: true, source: p.source),
                 KTOExample(prompt: p.prompt, completion: p.rejected, desirable: false, source: p.source)]
            }
            return (ex, report)
        }
        var out: [KTOExample] = []
        var report = DataReport()
        try report.forEachRecord(path, policy: o.policy, columns: o.columns) { line, here, r, report in
            guard let p = RecordText.prompt(r["prompt"], template: o.template), let c = RecordText.completion(r["completion"]),
                  let label = r["label"]?.boolValue else {
                try report.bad(here, "expected {\"prompt\",\"completion\",\"label\": true|false}", policy: o.policy); return
            }
            if c.isEmpty { try report.bad(here, "empty \"completion\"", policy: o.policy); return }
            var ids = tokenizer.encode(c)
            if ids.last != eos { ids.append(eos) }
            guard let cut = o.truncation.apply(prompt: tokenizer.encodePrompt(p), completion: ids) else { report.droppedTooLong += 1; return }
            if cut.cut { report.truncated += 1 }
            out.append(KTOExample(prompt: cut.prompt, completion: cut.completion, desirable: label, source: here))
            report.used += 1
        }
        try report.requireUsable(path, used: out.count)
        return (out, report)
    }
}
