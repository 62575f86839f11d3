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

struct LossFlags: ParsableArguments {
    @Option(help: "Loss types, comma separated: \(DPOLossType.allCases.map(\.rawValue).joined(separator: ", ")), or kto (alone, unpaired data).")
    var lossType: String = "sigmoid"
    @Option(help: "Weights of the loss types, comma separated (default 1 each).") var lossWeights: String?
    @Option(help: "β: strength of the KL regulariser (IPO's τ).") var beta: Double = 0.1
    @Option(help: "ε: label smoothing (cDPO, robust, exo_pair, aot, cpo/simpo).") var labelSmoothing: Double = 0
    @Option(help: "reverse_kl, forward_kl, js or alpha.") var fDivergence: String = "reverse_kl"
    @Option(help: "α of the alpha divergence.") var fAlpha: Double = 1
    @Option(help: "τ of discopop.") var discopopTau: Double = 0.05
    @Option(help: "γ, SimPO's target margin.") var simpoGamma: Double = 0.5
    @Option(help: "Weight of CPO's NLL term.") var cpoAlpha: Double = 1
    @Option(help: "SLiC's hinge margin δ.") var slicDelta: Double = 1
    @Option(help: "SLiC's NLL weight λ.") var slicLambda: Double = 1
    @Option(help: "DPOP's λ (0: off).") var dpopLambda: Double = 0
    @Flag(help: "ODPO: subtract each pair's margin (see --margin-field) inside the sigmoid.") var odpo = false
    @Option(help: "RPO: weight of the NLL on chosen completions (0: off).") var rpoAlpha: Double = 0
    @Flag(help: "Use a uniform reference (log πref = 0).") var referenceFree = false
    @Flag(help: "WPO: weight pairs by the policy's own probability of them.") var useWeighting = false
    @Option(help: "LD-DPO: weight of tokens beyond the shorter completion.") var ldAlpha: Double?
    @Option(help: "KTO: λD, weight of desirable examples.") var desirableWeight: Double = 1
    @Option(help: "KTO: λU, weight of undesirable examples.") var undesirableWeight: Double = 1

    /// `--loss-type kto`: KTO proper on unpaired data (or pairs unpaired); it combines with nothing.
    var isKTO: Bool { lossType.split(separator: ",").contains { $0.trimmingCharacters(in: .whitespaces) == "kto" } }

    func config() throws -> DPOLossConfig {
        var c = DPOLossConfig()
        c.types = try lossType.split(separator: ",").map { n in
            guard let t = DPOLossType(name: String(n).trimmingCharacters(in: .whitespaces)) else {
                throw PrefkitError("--loss-type: unknown loss \(n)")
            }
            return t
        }
        c.weights = try lossWeights.map { s in try s.split(separator: ",").map { v in
            guard let d = Double(v.trimmingCharacters(in: .whitespaces)) else { throw PrefkitError("--loss-weights: \(v) is not a number") }
            return d
        } } ?? [Double](repeating: 1, count: c.types.count)
        guard let f = FDivergence(name: fDivergence) else { throw PrefkitError("--f-divergence must be reverse_kl, forward_kl, js or alpha") }
        c.beta = beta; c.labelSmoothing = labelSmoothing; c.fDivergence = f; c.fAlpha = fAlpha
        c.discopopTau = discopopTau; c.simpoGamma = simpoGamma; c.cpoAlpha = cpoAlpha; c.slicDelta = slicDelta
        c.slicLambda = slicLambda; c.dpopLambda = dpopLambda; c.useOffsets = odpo; c.rpoAlpha = rpoAlpha
        c.referenceFree = referenceFree
        try c.validate()
        return c
    }
}

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "train", abstract: "Train a policy (the default subcommand).")
    @Option(help: "The starting policy: a HF model directory.") var model: String
    @Option(help: "A separate reference model (default: the starting policy; with LoRA, the adapter switched off).") var refModel: String?
    @Option(help: "Precomputed reference log-probs (dpo-train precompute-ref); no reference model is held.") var refLogps: String?
    @OptionGroup var data: PreferenceDataFlags
    @OptionGroup var loss: LossFlags
    @OptionGroup var lora: LoRAFlags
    @Flag(help: "With LoRA, also write a merged HF checkpoint to OUT/merged.") var merge = false
    @Option(help: "TR-DPO: mix the policy into the reference every N steps (0: off).") var syncRefEvery = 0
    @Option(help: "TR-DPO: α in πref ← α·πθ + (1−α)·πref.") var refMixupAlpha: Double = 0.6
    @OptionGroup var train: TrainingFlags

    func run() throws {
        try runStage { try DPORun(self).execute() }
    }
}

struct PrecomputeRef: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "precompute-ref",
        abstract: "One forward pass of the reference over the data, written as a tensor artifact.")
    @Option(help: "The reference model directory.") var model: String
    @OptionGroup var data: PreferenceDataFlags
    @Option(help: "Output (.safetensors, .zst compressed when the name ends in .zst).") var out: String
    @Option(help: "Pairs per forward pass.") var batchSize = 8
    @Option(help: "LD-DPO α, if training will use it (it changes the sums).") var ldAlpha: Double?
    @Flag(help: "No progress output.") var quiet = false

    func run() throws {
        try runStage {
            let md = try ModelDirectory.load(model)
            let (pairs, report) = try PreferenceData.load(data.data, tokenizer: md.tokenizer, eos: md.eosTokenId,
                                                          options: try data.loadOptions(dropLong: false))
            if !quiet { FileHandleStderr.write("\(data.data): \(report)\n") }
            let engine = CausalLMEngine(model: md.model, training: false)
            let progress = Progress(label: "pairs", total: pairs.count, interactive: isInteractive, quiet: quiet)
            let (c, r) = ReferenceLogps.compute(engine: engine, pairs: pairs, batchSize: batchSize, ldAlpha: ldAlpha, progress: progress)
            let ref = ReferenceLogps(chosen: c, rejected: r,
                                     dataDigest: try ReferenceLogps.dataDigest(file: data.data, settings: DPORun.settings(data, ldAlpha)),
                                     modelDigest: Digest.ofFloats(md.model.params.ptr, count: md.model.params.count))
            try ref.save(out, metadata: ["model": model, "data": data.data, "template": data.template.rawValue])
            progress.finish("wrote \(out) (\(pairs.count) pairs)")
        }
    }
}
