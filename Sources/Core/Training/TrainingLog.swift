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
        try write(step, m, jsonlPrefix: "", tagPrefix: "train/")
    }

    func eval(_ step: Int, _ m: [String: Double]) throws {
        try write(step, m, jsonlPrefix: "eval_", tagPrefix: "eval/")
    }

    /// One record: metrics.jsonl keys and TensorBoard tags are the metric names with a prefix.
    private func write(_ step: Int, _ m: [String: Double], jsonlPrefix: String, tagPrefix: String) throws {
        let keys = m.keys.sorted()
        try jsonl?.append([("step", .number(Double(step)))] + keys.map { (jsonlPrefix + $0, .number(m[$0]!)) })
        try events?.scalars(keys.map { (tagPrefix + $0, m[$0]!) }, step: step)
    }
}
