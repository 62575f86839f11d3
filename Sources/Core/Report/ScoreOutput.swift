/// rm-score's outputs: the per-sample scores file, summary.json and the terminal summary.
public enum ScoreOutput {
    public static func write(_ path: String, samples: [ScoreSample], scores: [Double]) throws {
        let w = try JSONLWriter(path: path)
        do {
            for (s, v) in zip(samples, scores) {
                var f: [(String, JSONValue)] = [("id", .string(s.id)), ("prompt", .string(s.prompt)),
                                                ("response", .string(s.response)), ("score", .finite(v)), ("label", .string(s.label))]
                if let g = s.gold { f.append(("gold", .number(g))) }
                if s.pair != nil {
                    if let g = s.goldChosen { f.append(("gold_chosen", .number(g))) }
                    if let g = s.goldRejected { f.append(("gold_rejected", .number(g))) }
                }
                try w.append(.object(f))
            }
            try w.commit()
        } catch { w.abort(); throw error }
    }

    static func records(_ samples: [ScoreSample], _ scores: [Double]) -> [ScoredRecord] {
        zip(samples, scores).map { ScoredRecord(id: $0.id, prompt: $0.prompt, label: $0.label, score: $1, gold: $0.gold) }
    }

    /// (chosen, rejected) values per pair, in pair order; nil for generations.
    static func pairValues(_ samples: [ScoreSample], _ values: [Double?]) -> [(chosen: Double, rejected: Double)]? {
        guard samples.first?.pair != nil else { return nil }
        var out: [(chosen: Double, rejected: Double)] = []
        var i = 0
        while i + 1 < samples.count {
            if let c = values[i], let r = values[i + 1] { out.append((c, r)) }
            i += 2
        }
        return out
    }

    public static func summary(samples: [ScoreSample], scores: [Double], bins: Int, extra: [(String, JSONValue)]) -> JSONValue {
        let recs = records(samples, scores)
        var f = extra
        f += ScoreSummary.json(recs, value: { $0.score }, pairs: pairValues(samples, scores), bins: bins).objectValue ?? []
        if samples.contains(where: { $0.gold != nil }) {
            f.append(("gold", ScoreSummary.json(recs, value: { $0.gold }, pairs: pairValues(samples, samples.map(\.gold)), bins: bins)))
        }
        return .object(f)
    }

    public static func terminalSummary(samples: [ScoreSample], scores: [Double], bins: Int) -> String {
        let recs = records(samples, scores)
        var out: [String] = []
        let labels = ScoredRecord.labels(recs)
        let byLabel = labels.map { l in recs.filter { $0.label == l }.map(\.score) }
        let edges = Histogram.sharedEdges(byLabel, bins: bins)
        let hs = byLabel.map { Histogram($0, edges: edges) }
        let top = hs.flatMap(\.counts).max() ?? 0
        for (l, (v, h)) in zip(labels, zip(byLabel, hs)) {
            let st = SummaryStats(v)
            out.append(String(format: "%@: n %d  mean %.4f  std %.4f  min %.4f  median %.4f  max %.4f",
                              l, st.count, st.mean, st.std, st.min, st.quantile(0.5), st.max))
            out.append(TerminalBars.histogram(h, width: 40, maxCount: top))
        }
        if let p = pairValues(samples, scores), !p.isEmpty {
            let s = ScoreSummary.pairStats(p)
            out.append(String(format: "pairs: %d  accuracy %.4f  mean margin %.4f", p.count, s.accuracy, s.meanMargin))
        }
        return out.joined(separator: "\n")
    }
}
