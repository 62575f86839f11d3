import Foundation

/// The metrics a run reports, sent where `--report-to` says: metrics.jsonl (step records, and
/// eval records with eval_ keys) and a TensorBoard event file in OUT/runs/SECONDS/ with TRL's
/// tag names (train/loss, train/rewards/chosen, eval/loss, …) and the run's command line as a
/// text summary.
final class TrainingLog {
    let jsonl: MetricsLog?
    let events: EventWriter?

    init(options: TrainingOptions, resumeAtStep: Int) throws {
        jsonl = options.reportTo.contains(.jsonl)
            ? try MetricsLog(path: options.outDir + "/metrics.jsonl", resumeAtStep: resumeAtStep) : nil
        if options.reportTo.contains(.tensorboard) {
            let w = try EventWriter(logDir: options.outDir + "/runs/\(Int(Date().timeIntervalSince1970))")
            if let args = options.runArguments { try w.text("args", args, step: resumeAtStep) }
            events = w
        } else {
            events = nil
        }
    }

    func step(_ step: Int, _ m: [String: Double]) throws {
        var fields: [(String, JSONValue)] = [("step", .number(Double(step)))]
        for k in m.keys.sorted() { fields.append((k, .number(m[k]!))) }
        try jsonl?.append(fields)
        try events?.scalars(m.keys.sorted().map { ("train/" + $0, m[$0]!) }, step: step)
    }

    func eval(_ step: Int, _ m: [String: Double]) throws {
        var fields: [(String, JSONValue)] = [("step", .number(Double(step)))]
        for k in m.keys.sorted() { fields.append(("eval_" + k, .number(m[k]!))) }
        try jsonl?.append(fields)
        try events?.scalars(m.keys.sorted().map { ("eval/" + $0, m[$0]!) }, step: step)
    }
}
