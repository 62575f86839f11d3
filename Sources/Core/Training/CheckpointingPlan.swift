import Foundation

/// Whether training recomputes each layer in backward (gradient checkpointing, TRL's
/// `--gradient-checkpointing`): forced on or off by the flag, or on when the activations of
/// the largest micro-batch would exceed the memory budget (`--max-memory`, default half of
/// this machine's memory).
public struct CheckpointingPlan: Equatable {
    public let on: Bool
    /// Bytes the largest micro-batch keeps without and with checkpointing.
    public let fullBytes: Int
    public let checkpointedBytes: Int
    public let budgetBytes: Int
    public let forced: Bool

    public static func decide(_ c: ModelConfig, tokens: Int, forced: Bool?, budgetBytes: Int) -> CheckpointingPlan {
        let full = Activations.trainingBytes(c, tokens: tokens, checkpointing: false)
        let kept = Activations.trainingBytes(c, tokens: tokens, checkpointing: true)
        let on = forced ?? (full > budgetBytes)
        return CheckpointingPlan(on: on, fullBytes: full, checkpointedBytes: kept, budgetBytes: budgetBytes, forced: forced != nil)
    }

    /// Half of physical memory: room for weights, optimizer state and the reference beside
    /// the activations.
    public static var defaultBudgetBytes: Int { Int(ProcessInfo.processInfo.physicalMemory / 2) }

    /// The progress line that says what was chosen and why.
    public var description: String {
        func gib(_ b: Int) -> String { String(format: "%.2f GiB", Double(b) / Double(1 << 30)) }
        let why = forced ? "as asked" : (on ? "activations \(gib(fullBytes)) exceed --max-memory \(gib(budgetBytes))"
                                             : "activations \(gib(fullBytes)) fit --max-memory \(gib(budgetBytes))")
        let size = on ? "keeps \(gib(checkpointedBytes)), recomputes each layer in backward" : "keeps \(gib(fullBytes))"
        return "gradient checkpointing \(on ? "on" : "off") (\(why)); the largest micro-batch \(size)"
    }
}
