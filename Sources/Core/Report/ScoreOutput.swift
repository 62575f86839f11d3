/// rm-score's outputs: the per-sample scores file, summary.json and the terminal summary.
public enum ScoreOutput {
    /// kl: per-sample log π − log π_ref (rm-score --policy --reference), in sample order.
    public static func write(_ path: String, samples: [ScoreSample], scores: [Double], kl: [Double]? = nil) throws {
        let w = try JSONLWriter(path: path)
        do {
            for (k, (s, v)) in zip(samples, scores).enumerated() {
                var f: [(String, JSONValue)] = [("id", .string(s.id)), ("prompt", .string(s.prompt)),
                                                ("response", .string(s.response)), ("score", .finite(v)), ("label", .string(s.label))]
                if let g = s.gold { f.append(("gold", .number(g))) }
                if let kl { f.append(("kl", .finite(kl[k]))) }
                if let n = s.length { f.append(("length", .number(Double(n)))) }
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

    public static func summary(samples: [ScoreSample], scores: [Double], bins: Int, extra: [(String, JSONValue)],
                               kl: [Double]? = nil) -> JSONValue {
        let recs = records(samples, scores)
        var f = extra
        f += ScoreSummary.json(recs, value: { $0.score }, pairs: pairValues(samples, scores), bins: bins).objectValue ?? []
        if samples.contains(where: { $0.gold != nil }) {
            f.append(("gold", ScoreSummary.json(recs, value: { $0.gold }, pairs: pairValues(samples, samples.map(\.gold)), bins: bins)))
        }
        if let kl { f.append(("kl", klSummary(kl))) }
        let lengths = samples.compactMap(\.length).map(Double.init)
        if !lengths.isEmpty {
            var length = SummaryStats(lengths).json.objectValue ?? []
            length.append(("histogram", lengthHistogram(lengths, bins: bins)))
            f.append(("length", .object(length)))
        }
        return .object(f)
    }

    /// The Monte Carlo KL estimate: mean log-ratio with its normal 95% interval
    /// (mean ± 1.96 · std / √n), plus the usual statistics of the per-sample ratios.
    static func klSummary(_ kl: [Double]) -> JSONValue {
        let st = SummaryStats(kl)
        let half = 1.96 * st.standardError
        var f = st.json.objectValue ?? []
        f.append(("ci95", .array([.finite(st.mean - half), .finite(st.mean + half)])))
        return .object(f)
    }

    /// The distributions as TensorBoard histograms (and their means as scalars) at step 0, in
    /// an event file of its own under `logDir`; returns its path.
    public static func writeTensorBoard(_ logDir: String, samples: [ScoreSample], scores: [Double], kl: [Double]?,
                                        bins: Int) throws -> String {
        let w = try EventWriter(logDir: logDir)
        var series: [(String, [Double])] = [("score", scores)]
        let gold = samples.compactMap(\.gold)
        if !gold.isEmpty { series.append(("gold", gold)) }
        if let kl { series.append(("kl", kl)) }
        let lengths = samples.compactMap(\.length).map(Double.init)
        if !lengths.isEmpty { series.append(("length", lengths)) }
        for (name, values) in series { try w.histogram("rm-score/" + name, values: values, step: 0, bins: bins) }
        try w.scalars(series.map { ("rm-score/\($0.0)_mean", SummaryStats($0.1).mean) }, step: 0)
        return w.path
    }

    static func lengthHistogram(_ lengths: [Double], bins: Int) -> JSONValue {
        let edges = Histogram.sharedEdges([lengths], bins: bins)
        return .object([("edges", .array(edges.map { .number($0) })), ("counts", Histogram(lengths, edges: edges).json)])
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
