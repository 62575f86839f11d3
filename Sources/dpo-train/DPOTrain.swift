import ArgumentParser
import CLISupport
import Core
import Foundation

@main
struct DPOTrain: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "dpo-train",
        abstract: "Optimise a policy against a frozen reference with DPO and its family.",
        subcommands: [Train.self, PrecomputeRef.self], defaultSubcommand: Train.self)
}

/// `dpo-train train`: flags → `DPOJob` (Core decides references, KTO and everything else).
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "train", abstract: "Train a policy (the default subcommand).")
    @Option(help: "The starting policy: a HF model directory.") var model: String
    @Option(help: "A separate reference model (default: the starting policy; with LoRA, the adapter switched off).") var refModel: String?
    @Option(help: "Precomputed reference log-probs (dpo-train precompute-ref); no reference model is held. Eval pairs not in the file are computed once at the start.")
    var refLogps: String?
    @Flag(help: "Run each pair as two separate sequences instead of one prompt shared by both completions.")
    var noSharePrompt = false
    @OptionGroup var data: PreferenceDataFlags
    @OptionGroup var loss: LossFlags
    @OptionGroup var lora: LoRAFlags
    @Flag(help: "With LoRA, also write a merged HF checkpoint to OUT/merged.") var merge = false
    @OptionGroup var frozen: FrozenWeightsFlags
    @Option(help: "TR-DPO: mix the policy into the reference every N steps (0: off).") var syncRefEvery = 0
    @Option(help: "TR-DPO: α in πref ← α·πθ + (1−α)·πref.") var refMixupAlpha: Double = 0.6
    @Option(help: "At each evaluation, sample one response for each of the first K eval prompts (seeded, the same prompts each time) and log eval_rm_score, eval_gold, eval_kl, eval_length (0: off).")
    var evalGenerate = 0
    @Option(help: "The reward model that scores --eval-generate samples.") var rewardModel: String?
    @Option(help: "A known gold reward for --eval-generate samples (\(ReviewsTask.goldScorerNames.joined(separator: ", "))).")
    var gold: String?
    @Option(help: "Response length cap of --eval-generate samples.") var evalMaxNewTokens = 64
    @OptionGroup var train: TrainingFlags

    func validate() throws {
        try validating { try job().validate() }
    }

    func job() throws -> DPOJob {
        var j = DPOJob(modelPath: model, dataPath: data.data, objective: try loss.objective(),
                       training: try train.options(defaultLR: 1e-6, defaultEpochs: 1))
        j.refModelPath = refModel
        j.refLogpsPath = refLogps
        j.evalDataPath = data.evalData
        j.data = try data.loadOptions(dropLong: false)
        j.lora = try lora.config()
        j.ldAlpha = loss.ldAlpha
        j.sharePrompt = !noSharePrompt
        j.useWeighting = loss.useWeighting
        j.syncRefEvery = syncRefEvery
        j.refMixupAlpha = refMixupAlpha
        j.merge = merge
        j.baseDType = frozen.baseDtype
        j.evalGenerate = evalGenerate
        j.rewardModelPath = rewardModel
        j.goldName = gold
        j.evalMaxNewTokens = evalMaxNewTokens
        return j
    }

    func run() throws {
        try runStage {
            let j = try job()
            let r = try j.run()
            if j.training.quiet { return }
            let m = r.metrics
            switch j.objective {
            case .pairwise:
                FileHandleStderr.write(String(format: "wrote %@: loss %.4f, reward accuracy %.3f, margin %.4f\n", j.training.outDir,
                                              m["loss"] ?? .nan, m["rewards/accuracies"] ?? .nan, m["rewards/margins"] ?? .nan))
            case .kto:
                FileHandleStderr.write(String(format: "wrote %@: KTO loss %.4f, kl %.4f\n", j.training.outDir,
                                              m["loss"] ?? .nan, m["kl"] ?? .nan))
            }
        }
    }
}

/// `dpo-train precompute-ref`: flags → `PrecomputeRefJob`.
struct PrecomputeRef: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "precompute-ref",
        abstract: "One forward pass of the reference over the data (and --eval-data), written as a tensor artifact.")
    @Option(help: "The reference model directory.") var model: String
    @OptionGroup var data: PreferenceDataFlags
    @Option(help: "Output (.safetensors, .zst compressed when the name ends in .zst).") var out: String
    @Option(help: "Pairs per forward pass.") var batchSize = 8
    @Option(help: "LD-DPO α, if training will use it (it changes the sums).") var ldAlpha: Double?
    @Flag(help: "Run each pair as two separate sequences instead of one prompt shared by both completions.")
    var noSharePrompt = false
    @Flag(help: "No progress output.") var quiet = false
    @OptionGroup var frozen: FrozenWeightsFlags

    func validate() throws {
        try validating { try job().validate() }
    }

    func job() throws -> PrecomputeRefJob {
        var j = PrecomputeRefJob(modelPath: model, dataPath: data.data, outPath: out)
        j.evalDataPath = data.evalData
        j.data = try data.loadOptions(dropLong: false)
        j.batchSize = batchSize
        j.ldAlpha = ldAlpha
        j.sharePrompt = !noSharePrompt
        j.quiet = quiet
        j.interactive = isInteractive
        j.baseDType = frozen.baseDtype
        return j
    }

    func run() throws {
        try runStage { try job().run() }
    }
}
