import ArgumentParser
import CLISupport
import Core
import Foundation

@main
struct RMTrain: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm-train",
        abstract: "Train a reward model (Bradley–Terry, as TRL's RewardTrainer) on preference pairs.",
        discussion: """
        --model is a causal LM (its LM head is dropped and a score head initialised N(0, initializer_range)) \
        or a *ForSequenceClassification reward model (its score head is kept). The score is read at the last \
        token of prompt + response + eos. Data: TRL standard or conversational {"prompt","chosen","rejected"}, \
        implicit prompt (HH-RLHF), PKU-SafeRLHF; optional per-pair margin. Writes a HF \
        *ForSequenceClassification directory with the training-set reward mean/std in config.json \
        (prefkit_reward_mean, prefkit_reward_std) for rm-score --normalize.
        """)

    @OptionGroup var modelOptions: ModelOptions
    @Option(help: "Training preference data (JSONL; .zst or .gz compressed accepted).") var data: String
    @Option(help: "Evaluation preference data, same format.") var evalData: String?
    @OptionGroup var prefs: PreferenceFlags
    @Option(help: "Longest prompt + response in tokens.") var maxLength = 1024
    @Option(help: "Pairs over --max-length: drop (RewardTrainer's behaviour) or truncate.") var onLong: OverLengthPolicy = .drop
    @Option(help: "Adds C · mean((r_chosen + r_rejected)²) to the loss to keep rewards centred (TRL center_rewards_coefficient).")
    var centerRewardsCoefficient = 0.0
    @Flag(help: "Run each pair as two separate sequences instead of one prompt shared by both responses.")
    var noSharePrompt = false
    @OptionGroup var lora: LoRAFlags
    @OptionGroup var frozen: FrozenWeightsFlags
    @OptionGroup var train: TrainingFlags

    func validate() throws {
        try validating { _ = try prefs.options(maxLength: maxLength, dropLong: onLong == .drop) }
        guard centerRewardsCoefficient >= 0 && centerRewardsCoefficient.isFinite else {
            throw ValidationError("--center-rewards-coefficient must be a non-negative number")
        }
        if frozen.baseDtype != .f32 && lora.loraR == 0 {
            throw ValidationError("--base-dtype \(frozen.baseDtype.rawValue) holds the frozen LoRA base in half precision: it needs --lora-r > 0")
        }
    }

    func run() throws {
        try runStage {
            // 1e-5 and one epoch: the usual RewardTrainer recipe for fine-tuning a pretrained model.
            let opts = try train.options(defaultLR: 1e-5, defaultEpochs: 1)
            let dir = try HFCache.resolveModel(modelOptions.model)
            let (_, cfgJSON) = try ModelConfig.load(path: dir + "/config.json")
            let std = (cfgJSON["initializer_range"] as? NSNumber)?.floatValue ?? 0.02
            let md = try ModelDirectory.load(dir, head: .scoreFromAny(seed: opts.seed, std: std), matrices: frozen.baseDtype)
            let started = Checkpoint.isRewardModel(cfgJSON) ? "its score head" : "a new score head (std \(std))"
            let loadOpts = try prefs.options(maxLength: maxLength, dropLong: onLong == .drop)
            try loadOpts.chat.apply(to: md.tokenizer)
            let (pairs, report) = try PreferenceData.load(data, tokenizer: md.tokenizer, eos: md.eosTokenId, options: loadOpts)
            var evalPairs: [PreferencePair] = []
            if let e = evalData {
                let (ep, er) = try PreferenceData.load(e, tokenizer: md.tokenizer, eos: md.eosTokenId, options: loadOpts)
                evalPairs = ep
                if !opts.quiet { FileHandleStderr.write("\(e): \(er)\n") }
            }
            if !opts.quiet { FileHandleStderr.write("\(dir): starting from \(started)\n\(data): \(report)\n") }
            let dataDigest = try Digest.ofFile(data)
            // LoRA: adapters plus the score head train; what is saved is the merged reward model.
            let adapter = try lora.config().map {
                let a = LoRAAdapter(config: $0, model: md.model.config, seed: opts.seed, extra: md.model.config.hiddenSize)
                a.dropoutSeed = opts.seed
                return a
            }
            let objective = try RewardObjective(model: md.model, lora: adapter, pairs: pairs, evalPairs: evalPairs,
                                                centerCoefficient: centerRewardsCoefficient, evalBatchSize: opts.batchSize) { m, out, prov in
                // The normalisation statistics go into config.json too, where HF users look.
                let extra = prov.filter { $0.key.hasPrefix("prefkit_reward_") }
                try ModelDirectory.save(model: m, tokenizer: md.tokenizer, eosTokenId: md.eosTokenId,
                                        padTokenId: md.padTokenId, to: out, extraConfig: extra)
                var p = prov
                p["stage"] = "rm-train"; p["parent"] = dir; p["data"] = data; p["data_digest"] = dataDigest
                p["template"] = loadOpts.chat.recorded; p["tokenization"] = loadOpts.tokenization.rawValue; p["max_length"] = maxLength; p["on_long"] = onLong.rawValue
                p["center_rewards_coefficient"] = centerRewardsCoefficient
                if let a = adapter { p["lora"] = ["r": a.config.rank, "alpha": a.config.alpha, "dropout": a.config.dropout, "merged": true] }
                try Provenance.write(out, p)
            }
            objective.sharePrompt = !noSharePrompt
            let trainer = Trainer(objective: objective, options: opts)
            trainer.identity = ["data_digest": dataDigest, "parent": dir, "objective": "reward", "lora_r": String(lora.loraR),
                                "center_rewards_coefficient": String(centerRewardsCoefficient)]
            let steps = try trainer.run()
            guard trainer.ranks.isRoot else { return }  // rank 0 scores the statistics and writes the model
            if !opts.quiet { FileHandleStderr.write("scoring the \(pairs.count) training pairs for normalisation statistics\n") }
            let stats = objective.rewardStatistics(pairs)
            var final: [String: Any] = ["steps": steps, "final_metrics": trainer.lastMetrics, "data_report": report.description,
                                        "prefkit_reward_mean": stats.mean, "prefkit_reward_std": stats.std]
            if let ev = trainer.lastEval { final["eval_metrics"] = ev }
            try objective.saveModel(to: opts.outDir, provenance: final)
            if !opts.quiet {
                var line = String(format: "wrote %@ (loss %.4f, accuracy %.3f; rewards mean %.4f std %.4f)", opts.outDir,
                                  trainer.lastMetrics["loss"] ?? .nan, trainer.lastMetrics["accuracy"] ?? .nan, stats.mean, stats.std)
                if let ev = trainer.lastEval { line += String(format: "; eval accuracy %.3f", ev["accuracy"] ?? .nan) }
                FileHandleStderr.write(line + "\n")
            }
        }
    }
}
