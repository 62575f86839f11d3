/// What a pipeline run leaves behind, read back for the report: training logs and scored samples.
public enum RunArtifacts {
    /// One scored generation or pair side, with its text (the report shows examples).
    public struct Sample {
        public var key: String, prompt: String, response: String, label: String
        public var score: Double, gold: Double?
        /// log π − log π_ref (rm-score --policy --reference) and length in tokens, when scored.
        public var kl: Double? = nil
        public var length: Double? = nil
    }

    public static func samples(_ path: String) throws -> [Sample] {
        var out: [Sample] = []
        try JSONL.forEachRecord(path) { line, r in
            guard let score = r["score"]?.doubleValue else { throw PrefkitError("\(path):\(line): no numeric \"score\"") }
            let id = r["id"]?.stringValue ?? r["id"]?.intValue.map(String.init) ?? String(line)
            let sample = r["sample"]?.intValue.map { "#\($0)" } ?? ""
            out.append(Sample(key: id + sample, prompt: r["prompt"]?.stringValue ?? "", response: r["response"]?.stringValue ?? "",
                              label: r["label"]?.stringValue ?? "", score: score, gold: r["gold"]?.doubleValue,
                              kl: r["kl"]?.doubleValue, length: r["length"]?.doubleValue))
        }
        return out
    }

    /// metrics.jsonl as series: name → [(step, value)]; eval records keep their eval_ prefix.
    public static func metrics(_ path: String) throws -> [String: [(x: Double, y: Double)]] {
        var series: [String: [(x: Double, y: Double)]] = [:]
        try JSONL.forEachRecord(path) { _, r in
            guard let step = r["step"]?.doubleValue, let fields = r.objectValue else { return }
            for (k, v) in fields where k != "step" {
                if let y = v.doubleValue { series[k, default: []].append((step, y)) }
            }
        }
        return series
    }

    /// Pair accuracy of rm-score output on preference pairs: chosen above rejected, per id.
    public static func pairAccuracy(_ s: [Sample]) -> Double {
        var chosen: [String: Double] = [:], rejected: [String: Double] = [:]
        for x in s {
            if x.label.hasSuffix("chosen") { chosen[x.key] = x.score } else if x.label.hasSuffix("rejected") { rejected[x.key] = x.score }
        }
        let keys = chosen.keys.filter { rejected[$0] != nil }
        guard !keys.isEmpty else { return .nan }
        return Double(keys.filter { chosen[$0]! > rejected[$0]! }.count) / Double(keys.count)
    }
}
