/// What to do with a pair longer than `--max-length`: drop it (TRL's RewardTrainer filters such
/// pairs out) or truncate it like DPO data.
public enum OverLengthPolicy: String, CaseIterable, Sendable {
    case drop
    case truncate
}
