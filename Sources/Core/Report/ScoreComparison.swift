import Foundation

/// `rm-score compare`: score files side by side. Each file's labels are series on shared
/// bin edges; every later file is compared with the first (label with label where both have
/// it) by difference of means (bootstrap CI), KS statistic and, for records matched by
/// id and prompt, the win rate of the later file.
public struct ScoreComparison {
    public struct Series { public var name: String, file: Int, label: String, records: [ScoredRecord] }
    public struct Row {
        public var a: String, b: String, metric: String
        public var meanDiff: TwoSample.Interval, ks: Double
        public var matched: Int, winRate: TwoSample.Interval?
    }

    public let files: [String]
    public let series: [Series]
    public let bins: Int, seed: UInt64

    public init(files: [(name: String, records: [ScoredRecord])], bins: Int = 30, seed: UInt64 = 17) {
        self.files = files.map(\.name); self.bins = bins; self.seed = seed
        var s: [Series] = []
        for (k, f) in files.enumerated() {
            for l in ScoredRecord.labels(f.records) {
                s.append(Series(name: "\(f.name):\(l)", file: k, label: l, records: f.records.filter { $0.label == l }))
            }
        }
        series = s
    }

    /// "score", plus "gold" when any record has a gold value.
    public var metrics: [String] { series.contains { $0.records.contains { $0.gold != nil } } ? ["score", "gold"] : ["score"] }

    static func values(_ s: Series, _ metric: String) -> [Double] {
        metric == "gold" ? s.records.compactMap(\.gold) : s.records.map(\.score)
    }

    public func edges(_ metric: String) -> [Double] { Histogram.sharedEdges(series.map { Self.values($0, metric) }, bins: bins) }

    /// The series of the first file that a later series is compared with.
    func baseline(for s: Series) -> Series? {
        let first = series.filter { $0.file == 0 }
        if let same = first.first(where: { $0.label == s.label }) { return same }
        if first.count == 1 { return first[0] }
        return first.isEmpty ? nil : Series(name: files[0], file: 0, label: "all", records: first.flatMap(\.records))
    }

    public func comparisons(_ metric: String) -> [Row] {
        var rows: [Row] = []
        for s in series where s.file > 0 {
            guard let base = baseline(for: s) else { continue }
            let a = Self.values(base, metric), b = Self.values(s, metric)
            guard !a.isEmpty, !b.isEmpty else { continue }
            // Same prompt answered by both: match by id and prompt (first occurrence wins).
            var index: [String: Double] = [:]
            for r in base.records { if let v = metric == "gold" ? r.gold : r.score { index[r.id + "\u{1}" + r.prompt] = index[r.id + "\u{1}" + r.prompt] ?? v } }
            var matched: [(a: Double, b: Double)] = []
            for r in s.records { if let v = metric == "gold" ? r.gold : r.score, let u = index[r.id + "\u{1}" + r.prompt] { matched.append((u, v)) } }
            rows.append(Row(a: base.name, b: s.name, metric: metric,
                            meanDiff: TwoSample.meanDifference(a, b, seed: seed), ks: TwoSample.ks(a, b),
                            matched: matched.count, winRate: matched.isEmpty ? nil : TwoSample.winRate(matched, seed: seed &+ 1)))
        }
        return rows
    }

    static func f(_ v: Double) -> String { v.isFinite ? String(format: "%.4f", v) : "–" }
    static func ci(_ i: TwoSample.Interval) -> String { "\(f(i.estimate)) [\(f(i.lower)), \(f(i.upper))]" }

    func summaryRows(_ metric: String) -> [[String]] {
        series.map { s in
            let st = SummaryStats(Self.values(s, metric))
            return [s.name, String(st.count), Self.f(st.mean), Self.f(st.std), Self.f(st.min), Self.f(st.quantile(0.05)),
                    Self.f(st.quantile(0.5)), Self.f(st.quantile(0.95)), Self.f(st.max)]
        }
    }
    static let summaryHeaders = ["series", "count", "mean", "std", "min", "q05", "median", "q95", "max"]
    static let comparisonHeaders = ["A", "B", "mean(B) − mean(A) [95% CI]", "KS", "matched", "win rate of B [95% CI]"]
    func comparisonRow(_ r: Row) -> [String] {
        [r.a, r.b, Self.ci(r.meanDiff), Self.f(r.ks), String(r.matched), r.winRate.map(Self.ci) ?? "–"]
    }

    public func html() -> String {
        var page = HTMLPage(title: "Reward score comparison")
        page.paragraph("Files: " + files.joined(separator: ", ") + ". Intervals are seeded percentile bootstraps (2000 resamples); the win rate counts ties as half and matches records by id and prompt.")
        for m in metrics {
            page.heading(m == "gold" ? "Gold reward" : "Reward-model score")
            let e = edges(m)
            page.figure(SVGPlot.histograms(series: series.map { SVGPlot.HistogramSeries(name: $0.name, counts: Histogram(Self.values($0, m), edges: e).counts) },
                                           edges: e, title: "Distribution of \(m)", xLabel: m, yLabel: "samples"),
                        caption: "\(bins) bins on edges shared by all series.")
            page.table(headers: Self.summaryHeaders, rows: summaryRows(m))
            let c = comparisons(m)
            if !c.isEmpty { page.table(headers: Self.comparisonHeaders, rows: c.map(comparisonRow)) }
        }
        return page.render()
    }

    public func terminal(width: Int = 40) -> String {
        var out: [String] = []
        for m in metrics {
            let e = edges(m)
            let hs = series.map { Histogram(Self.values($0, m), edges: e) }
            let top = hs.flatMap(\.counts).max() ?? 0
            for (s, h) in zip(series, hs) {
                let st = SummaryStats(Self.values(s, m))
                out.append("\(m) · \(s.name)  n \(st.count)  mean \(Self.f(st.mean))  std \(Self.f(st.std))")
                out.append(TerminalBars.histogram(h, width: width, maxCount: top))
            }
            for r in comparisons(m) {
                out.append("\(m): \(r.b) vs \(r.a): Δmean \(Self.ci(r.meanDiff))  KS \(Self.f(r.ks))"
                           + (r.winRate.map { "  win rate \(Self.ci($0)) over \(r.matched) matched" } ?? ""))
            }
        }
        return out.joined(separator: "\n")
    }
}
