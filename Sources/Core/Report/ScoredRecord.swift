/// One line of a scores file (rm-score's output): what summaries and comparisons read.
public struct ScoredRecord {
    public var id: String, prompt: String, label: String
    public var score: Double
    public var gold: Double?

    public init(id: String, prompt: String, label: String, score: Double, gold: Double?) {
        self.id = id; self.prompt = prompt; self.label = label; self.score = score; self.gold = gold
    }

    /// Reads a scores JSONL (.zst or plain); each record needs a numeric "score".
    public static func load(_ path: String) throws -> [ScoredRecord] {
        var out: [ScoredRecord] = []
        try JSONL.forEachRecord(path) { line, rec in
            guard let s = rec["score"]?.doubleValue else { throw PrefkitError("\(path):\(line): no numeric \"score\" (not an rm-score output?)") }
            let id = rec["id"]?.stringValue ?? rec["id"]?.intValue.map(String.init) ?? String(line)
            out.append(ScoredRecord(id: id, prompt: rec["prompt"]?.stringValue ?? "", label: rec["label"]?.stringValue ?? "all",
                                    score: s, gold: rec["gold"]?.doubleValue))
        }
        if out.isEmpty { throw PrefkitError("\(path): no records") }
        return out
    }

    /// Labels in order of first appearance.
    public static func labels(_ rs: [ScoredRecord]) -> [String] {
        var seen: [String] = []
        for r in rs where !seen.contains(r.label) { seen.append(r.label) }
        return seen
    }
}
