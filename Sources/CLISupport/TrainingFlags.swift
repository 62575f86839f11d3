import ArgumentParser
import Core

/// The training-loop flags shared by sft-train, rm-train and dpo-train.
/// Learning rate and epochs default per stage (TRL's defaults differ by trainer).
public struct TrainingFlags: ParsableArguments {
    @Option(help: "Output directory (model, metrics.jsonl, checkpoints).") public var out: String
    @Option(help: "Passes over the training data (ignored with --max-steps).") public var epochs: Double?
    @Option(help: "Optimizer steps to run (overrides --epochs).") public var maxSteps: Int?
    @Option(help: "Examples per micro-batch (pairs for preference data).") public var batchSize = 8
    @Option(help: "Micro-batches accumulated per optimizer step.") public var gradAccum = 1
    @Option(help: "Peak learning rate.") public var lr: Double?
    @Option(help: "Linear warm-up steps.") public var warmupSteps = 0
    @Option(help: "Learning-rate schedule.") public var schedule: LRScheduleKind = .linear
    @Option(help: "AdamW decoupled weight decay (not applied to norms and biases).") public var weightDecay = 0.0
    @Option(help: "Clip the global gradient norm to this (0: no clipping).") public var maxGradNorm = 1.0
    @Option(help: "Seed for data order, initialisation and dropout.") public var seed: UInt64 = 42
    @Option(help: "Write a checkpoint every N steps (0: only on interrupt).") public var saveEvery = 0
    @Option(help: "Evaluate on --eval-data every N steps (it is always evaluated at the end).") public var evalEvery = 0
    @Option(help: "When not on a terminal, print progress every N steps (0: about every 10%).") public var logEvery = 0
    @Flag(help: "Continue from the newest checkpoint in --out.") public var resume = false
    @Flag(help: "No progress output.") public var quiet = false
    @Option(help: "Where metrics go, comma separated: jsonl (OUT/metrics.jsonl), tensorboard (OUT/runs/…/events.out.tfevents.*), or none.")
    public var reportTo = CommaSeparated<ReportTarget>([.jsonl])
    @Flag(inversion: .prefixedNo,
          help: "Keep only each layer's input and recompute the layer in backward (default: on when the activations would exceed --max-memory).")
    public var gradientCheckpointing: Bool?
    @Option(help: "Memory budget in GiB for the activations training keeps; above it gradient checkpointing turns on (default: half of this machine's memory).")
    public var maxMemory: Double?
    public init() {}

    public func validate() throws {
        try validating { _ = try options(defaultLR: 0, defaultEpochs: 1) }
    }

    public func options(defaultLR: Double, defaultEpochs: Double) throws -> TrainingOptions {
        var o = TrainingOptions()
        o.outDir = out; o.epochs = epochs ?? defaultEpochs; o.maxSteps = maxSteps
        o.batchSize = batchSize; o.gradAccum = gradAccum; o.learningRate = lr ?? defaultLR
        o.warmupSteps = warmupSteps; o.schedule = schedule; o.weightDecay = weightDecay; o.maxGradNorm = maxGradNorm
        o.seed = seed; o.saveEvery = saveEvery; o.evalEvery = evalEvery; o.logEvery = logEvery
        o.resume = resume; o.quiet = quiet; o.interactive = isInteractive
        o.reportTo = reportTo.values
        o.gradientCheckpointing = gradientCheckpointing
        if let gib = maxMemory {
            guard gib > 0 && gib.isFinite else { throw PrefkitError("--max-memory must be a positive number of GiB") }
            o.maxMemoryBytes = Int(gib * Double(1 << 30))
        }
        o.runArguments = CommandLine.arguments.joined(separator: " ")
        try o.validate()
        return o
    }
}

