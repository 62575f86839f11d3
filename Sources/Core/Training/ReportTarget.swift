/// Where a training run reports its metrics (HF TrainingArguments' `report_to`): metrics.jsonl
/// (the default, what pipeline reports read), a TensorBoard event file under OUT/runs/, both,
/// or none.
public enum ReportTarget: String, CaseIterable, Sendable {
    case jsonl
    case tensorboard
    case none
}
