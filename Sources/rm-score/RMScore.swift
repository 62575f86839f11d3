import ArgumentParser
import CLISupport
import Core
import Foundation

@main
struct RMScore: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm-score",
        abstract: "Score preference data or generations with a reward model, and compare score files.",
        subcommands: [Score.self, Compare.self, Pairs.self], defaultSubcommand: Score.self)
}

struct Score: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "score",
        abstract: "Score every sample; write per-sample scores and summary statistics.",
        discussion: """
        Input is preference data (records with chosen/rejected or response_0/1: both sides are scored, \
        labels chosen/rejected, pair accuracy reported) or generations {"id","prompt","response"} \
        (label generated, or --label). Both are tokenized as rm-train tokenizes its data (prompt and \
        response whole, TRL's rule; a conversational prompt takes the response as the assistant's turn \
        through the chat template), so use the template the models were trained with. Output records: id, prompt, response, score, label, and gold \
        (gold_chosen/gold_rejected for pairs) when the input has it.
        """)

    @OptionGroup var modelOptions: ModelOptions
    @Option(help: "Preference data or generations (JSONL; .zst or .gz compressed accepted).") var data: String
    @Option(help: "Per-sample scores (JSONL; compressed when the name ends in .zst).") var out: String
    @Option(help: "Summary statistics (default: summary.json beside --out).") var summary: String?
    @Flag(help: "Report (score − mean) / std with the training statistics rm-train stored in the model.") var normalize = false
    @Option(help: "Label for generations (pairs get <label>/chosen, <label>/rejected).") var label: String?
    @OptionGroup var prefs: PreferenceFlags
    @Option(help: "Longest prompt + response in tokens; longer ones are truncated (prompt cut from the left).") var maxLength = 1024
    @Option(help: "Sequences per forward pass.") var batchSize = 8
    @Flag(help: "Score each pair as two separate sequences instead of one prompt shared by both responses.")
    var noSharePrompt = false
    @Option(help: "Histogram bins in summary.json.") var bins = 20
    @Option(help: "Score every sample with a known gold reward too (\(ReviewsTask.goldScorerNames.joined(separator: ", "))); overrides gold fields in the data.")
    var gold: String?
    @Option(help: "With --reference: the policy the generations were sampled from; adds each sample's log π − log π_ref (\"kl\"; its mean estimates KL(π‖π_ref)) to the scores and summary.json.")
    var policy: String?
    @Option(help: "The reference policy for --policy (an SFT model; an adapter directory works for either).")
    var reference: String?
    @Flag(help: "Also write the distributions (score, gold, kl, length) as TensorBoard histograms to DIR-OF-OUT/runs/rm-score-LABEL/, so `tensorboard --logdir` shows runs side by side.")
    var tensorboard = false
    @Flag(help: "No progress output.") var quiet = false

    func validate() throws {
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive") }
        guard bins > 0 else { throw ValidationError("--bins must be positive") }
        try validating { _ = try prefs.options(maxLength: maxLength, dropLong: false) }
        if (policy == nil) != (reference == nil) {
            throw ValidationError("--policy and --reference go together (the KL of the policy against the reference)")
        }
        if let name = gold, ReviewsTask.goldScorer(named: name) == nil {
            throw ValidationError("--gold: unknown gold reward \(name) (known: \(ReviewsTask.goldScorerNames.joined(separator: ", ")))")
        }
    }

    func run() throws {
        try runStage {
            let md = try ModelDirectory.load(modelOptions.model, head: .score)
            let norm = normalize ? try RewardScoring.normalization(modelDir: md.path, configJSON: md.model.configJSON) : nil
            let goldScorer = try gold.map { name -> (String, String) -> Double in
                guard let f = ReviewsTask.goldScorer(named: name) else {
                    throw PrefkitError("--gold: unknown gold reward \(name) (known: \(ReviewsTask.goldScorerNames.joined(separator: ", ")))")
                }
                return f
            }
            var (samples, kind, report) = try ScoreInput.load(data, tokenizer: md.tokenizer, eos: md.eosTokenId,
                                                              preference: try prefs.options(maxLength: maxLength, dropLong: false),
                                                              label: label)
            if !quiet { FileHandleStderr.write("\(data): \(kind.rawValue), \(report)\n") }
            if let g = goldScorer {
                for i in samples.indices { samples[i].gold = g(samples[i].prompt, samples[i].response) }
            }
            let engine = RewardEngine(model: md.model, training: false)
            let shared = !noSharePrompt && kind == .pairs && RewardScoring.sharesPrompts(samples)
            // Several ranks: each scores a block of whole batches (of every batching below), rank 0 writes.
            let ranks = Ranks.world
            let part = ranks.shard(samples.count, unit: Ranks.commonUnit(batchSize, 2 * max(1, batchSize / 2)))
            let mine = Array(samples[part])
            let progress = Progress(label: "scored", total: mine.count, interactive: isInteractive, quiet: quiet)
            let localScores = shared
                ? RewardScoring.pairScores(engine, samples: mine, batchSize: batchSize, progress: progress)
                : RewardScoring.scores(engine, sequences: mine.map(\.tokens), batchSize: batchSize, progress: progress)
            progress.finish("scored \(mine.count) samples")
            var localKL: [Double]? = nil
            if let p = policy, let r = reference {
                localKL = try PolicyKL.logRatios(mine, policy: p, reference: r, data: data, batchSize: batchSize, quiet: quiet)
            }
            let gatheredScores = try ranks.gatherInOrder(localScores)
            let gatheredKL = try localKL.map { try ranks.gatherInOrder($0) }
            guard var scores = gatheredScores else { return }
            if let n = norm { scores = scores.map { ($0 - n.mean) / n.std } }
            let kl = gatheredKL.flatMap { $0 }
            try ScoreOutput.write(out, samples: samples, scores: scores, kl: kl)
            let summaryPath = summary ?? ((out as NSString).deletingLastPathComponent.isEmpty ? "summary.json"
                                         : (out as NSString).deletingLastPathComponent + "/summary.json")
            let s = ScoreOutput.summary(samples: samples, scores: scores, bins: bins,
                                        extra: [("model", .string(modelOptions.model)), ("data", .string(data)),
                                                ("kind", .string(kind.rawValue)), ("normalized", .bool(norm != nil))],
                                        kl: kl)
            try ArtifactFile.writeAtomically(summaryPath, string: s.serialized() + "\n", compress: false)
            if tensorboard {
                let dir = (out as NSString).deletingLastPathComponent
                let run = (dir.isEmpty ? "." : dir) + "/runs/rm-score-" + (label ?? kind.rawValue)
                let path = try ScoreOutput.writeTensorBoard(run, samples: samples, scores: scores, kl: kl, bins: bins)
                if !quiet { FileHandleStderr.write("wrote \(path)\n") }
            }
            print(ScoreOutput.terminalSummary(samples: samples, scores: scores, bins: bins))
            if !quiet { FileHandleStderr.write("wrote \(out) and \(summaryPath)\n") }
        }
    }
}
