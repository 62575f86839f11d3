/// The knobs every trainer shares (HF TrainingArguments' names where they exist).
public struct TrainingOptions {
    public var epochs: Double = 1
    public var maxSteps: Int? = nil
    public var batchSize = 8
    public var gradAccum = 1
    public var learningRate = 5e-5
    public var warmupSteps = 0
    public var schedule: LRScheduleKind = .linear
    public var weightDecay = 0.0
    public var maxGradNorm = 1.0
    public var adamBeta1 = 0.9, adamBeta2 = 0.999, adamEps = 1e-8
    public var seed: UInt64 = 42
    /// Checkpoint every N optimizer steps (0: only at the end and on interrupt).
    public var saveEvery = 0
    public var evalEvery = 0
    /// Progress line every N steps when not on a terminal (0: about every 10%).
    public var logEvery = 0
    public var resume = false
    public var outDir = "out"
    /// Interactive progress (redrawn line); otherwise plain periodic lines.
    public var interactive = false
    public var quiet = false
    /// Where metrics go (`--report-to`); `none` stands alone.
    public var reportTo: [ReportTarget] = [.jsonl]
    /// The command line, for the TensorBoard text summary.
    public var runArguments: String? = nil
    /// Gradient checkpointing forced on or off; nil: on when activations exceed `maxMemoryBytes`.
    public var gradientCheckpointing: Bool? = nil
    public var maxMemoryBytes = CheckpointingPlan.defaultBudgetBytes
    public init() {}

    public func validate() throws {
        func need(_ ok: Bool, _ m: String) throws { if !ok { throw PrefkitError(m) } }
        try need(batchSize > 0, "--batch-size must be positive")
        try need(gradAccum > 0, "--grad-accum must be positive")
        try need(learningRate >= 0 && learningRate.isFinite, "--lr must be a non-negative number")
        try need(maxSteps == nil || maxSteps! > 0, "--max-steps must be positive")
        try need(epochs > 0, "--epochs must be positive")
        try need(warmupSteps >= 0 && saveEvery >= 0 && evalEvery >= 0, "step counts must be non-negative")
        try need(maxGradNorm >= 0, "--max-grad-norm must be non-negative (0 disables clipping)")
        try need(maxMemoryBytes > 0, "--max-memory must be positive")
        try need(!reportTo.contains(.none) || reportTo.count == 1, "--report-to none reports nowhere: it does not combine with other targets")
    }

    /// Optimizer steps for a data set of n examples (HF: ceil(batches / accumulation) per epoch).
    public func totalSteps(examples n: Int) -> Int {
        if let m = maxSteps { return m }
        return max(1, Int((epochs * Double(stepsPerEpoch(examples: n))).rounded(.up)))
    }
    public func stepsPerEpoch(examples n: Int) -> Int {
        let batches = (n + batchSize - 1) / batchSize
        return max(1, (batches + gradAccum - 1) / gradAccum)
    }
}
