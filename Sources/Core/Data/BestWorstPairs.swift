import Foundation

/// Online iterative DPO's data step: from several scored samples per prompt, the best and the
/// worst become a preference pair (chosen = highest score). Prompts whose samples all tie give none.
public enum BestWorstPairs {
    public struct Result { public var records: [JSONValue]; public var prompts: Int; public var tied: Int }

    public static func build(_ path: String, minGap: Double = 0) throws -> Result {
        var groups: [String: [(response: String, score: Double, gold: Double?)]] = [:]
        var order: [String] = [], prompts: [String: String] = [:]
        try JSONL.forEachRecord(path) { line, r in
            guard let prompt = r["prompt"]?.stringValue, let response = r["response"]?.stringValue,
                  let score = r["score"]?.doubleValue else {
                throw PrefkitError("\(path):\(line): expected scored generations with \"prompt\", \"response\", \"score\"")
            }
            let key = r["id"]?.stringValue ?? r["id"]?.intValue.map(String.init) ?? prompt
            if groups[key] == nil { order.append(key); prompts[key] = prompt; groups[key] = [] }
            // An empty response (eos at once) cannot be trained on as either side.
            if !response.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                groups[key]!.append((response, score, r["gold"]?.doubleValue))
            }
        }
        if order.isEmpty { throw PrefkitError("\(path): no records: nothing to pair") }
        var out: [JSONValue] = [], tied = 0
        for key in order {
            let g = groups[key]!
            guard let best = g.max(by: { $0.score < $1.score }), let worst = g.min(by: { $0.score < $1.score }),
                  best.score - worst.score > minGap, best.response != worst.response else { tied += 1; continue }
            var f: [(String, JSONValue)] = [("id", .string(key)), ("prompt", .string(prompts[key]!)),
                                            ("chosen", .string(best.response)), ("rejected", .string(worst.response)),
                                            ("score_chosen", .number(best.score)), ("score_rejected", .number(worst.score))]
            if let a = best.gold, let b = worst.gold { f += [("gold_chosen", .number(a)), ("gold_rejected", .number(b))] }
            out.append(.object(f))
        }
        return Result(records: out, prompts: order.count, tied: tied)
    }
}
