/// summary.json of a scores file: overall and per-label statistics, a histogram per label
/// on edges shared across labels, pair accuracy and margin for preference data, and the
/// same for gold scores when the data has them.
public enum ScoreSummary {
    /// pairs: (chosen, rejected) values per pair, for accuracy and mean margin.
    public static func json(_ records: [ScoredRecord], value: (ScoredRecord) -> Double?,
                            pairs: [(chosen: Double, rejected: Double)]?, bins: Int) -> JSONValue {
        let labels = ScoredRecord.labels(records)
        let byLabel = labels.map { l in records.filter { $0.label == l }.compactMap(value) }
        let all = records.compactMap(value)
        let edges = Histogram.sharedEdges(byLabel, bins: bins)
        var fields: [(String, JSONValue)] = SummaryStats(all).json.objectValue ?? []
        fields.append(("labels", .object(zip(labels, byLabel).map { ($0, SummaryStats($1).json) })))
        fields.append(("histogram", .object([
            ("edges", .array(edges.map { .number($0) })),
            ("counts", .object(zip(labels, byLabel).map { ($0, Histogram($1, edges: edges).json) })),
        ])))
        if let p = pairs, !p.isEmpty {
            let st = pairStats(p)
            fields.append(("pairs", .object([("count", .number(Double(p.count))), ("accuracy", .finite(st.accuracy)),
                                             ("mean_margin", .finite(st.meanMargin))])))
        }
        return .object(fields)
    }

    /// Share of pairs with chosen > rejected (ties count as wrong) and mean chosen − rejected.
    public static func pairStats(_ p: [(chosen: Double, rejected: Double)]) -> (accuracy: Double, meanMargin: Double) {
        let n = Double(p.count)
        return (Double(p.filter { $0.chosen > $0.rejected }.count) / n, p.reduce(0) { $0 + $1.chosen - $1.rejected } / n)
    }
}
