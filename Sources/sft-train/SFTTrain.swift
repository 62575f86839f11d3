import ArgumentParser
import CLISupport
import Core
import Foundation

@main
struct SFTTrain: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sft-train",
        abstract: "Supervised fine-tuning of a causal LM, or training one from scratch.",
        discussion: "Data: JSONL of {\"prompt\",\"completion\"} (loss on the completion), {\"text\"} (loss on every token) or {\"messages\"} (loss on the whole conversation through the chat template, as TRL; on the last assistant turn with a built-in template or --tokenization separate).")

    @Option(help: "Start from this HF model directory.") var model: String?
    @Option(help: "Start from scratch: a preset (\(ModelPreset.allCases.map(\.rawValue).joined(separator: ", "))) or a config.json path.")
    var initConfig: String?
    @Option(help: "tokenizer.json for a from-scratch model (default: train a byte-level BPE on the data).") var tokenizer: String?
    @Option(help: "Vocabulary size of the BPE trained on the data (default 1024; only when no tokenizer is given).") var vocabSize: Int?
    @Option(help: "Training data (JSONL; .zst or .gz compressed accepted).") var data: String
    @Option(help: "Evaluation data, same format.") var evalData: String?
    @OptionGroup var chat: TemplateFlags
    @Option(help: "trl: prompt and prompt + completion tokenized whole, the completion after their common prefix (TRL 1.16); separate: apart (older TRL).")
    var tokenization: TokenizationMode = .trl
    @Option(help: "Longest sequence in tokens; longer ones keep their start.") var maxLength = 512
    @Option(help: "fail (default) or skip records that cannot be used.") var onBadRecord: BadRecordPolicy = .fail
    @Option(help: "Which column fills each field: FIELD=COLUMN,… (e.g. prompt=instruction,completion=output or text=content).")
    var columns: String?
    @OptionGroup var train: TrainingFlags

    func validate() throws {
        guard (model == nil) != (initConfig == nil) else {
            throw ValidationError("give exactly one of --model DIR or --init-config PRESET|config.json")
        }
        if model != nil && tokenizer != nil {
            throw ValidationError("--tokenizer is for a from-scratch model (--init-config); --model brings its own")
        }
        guard maxLength > 1 else { throw ValidationError("--max-length must be at least 2") }
        try validating { _ = try columnMapping() }
        if vocabSize != nil && (model != nil || tokenizer != nil) {
            throw ValidationError("--vocab-size sizes the BPE trained on the data: not with --model or --tokenizer")
        }
        if let v = vocabSize, v < SFTSetup.minimumVocabSize {
            throw ValidationError("--vocab-size must be at least \(SFTSetup.minimumVocabSize) (256 bytes and the special tokens)")
        }
    }

    func columnMapping() throws -> ColumnMapping {
        try columns.map(ColumnMapping.init(parsing:)) ?? ColumnMapping()
    }

    func run() throws {
        try runStage {
            let opts = try train.options(defaultLR: 2e-5, defaultEpochs: 3)
            let choice = try chat.choice()
            let start = try SFTSetup.startingPoint(model: model, initConfig: initConfig, tokenizerPath: tokenizer,
                                                   vocabSize: vocabSize ?? 1024, data: data,
                                                   chatML: choice.template == .builtin(.chatml),
                                                   maxLength: maxLength, seed: opts.seed, columns: try columnMapping())
            let encoder = SequenceEncoder(tokenizer: start.tokenizer, eos: start.eos,
                                          chat: try choice.format(for: start.tokenizer), mode: tokenization)
            try choice.apply(to: start.tokenizer)
            let (examples, report) = try SFTData.load(data, encoder: encoder, maxLength: maxLength, policy: onBadRecord,
                                                      columns: try columnMapping())
            if !opts.quiet { FileHandleStderr.write("\(data): \(report)\n") }
            var evalExamples: [SFTExample] = []
            if let e = evalData {
                let (ex, er) = try SFTData.load(e, encoder: encoder, maxLength: maxLength, policy: onBadRecord,
                                                columns: try columnMapping())
                evalExamples = ex
                if !opts.quiet { FileHandleStderr.write("\(e): \(er)\n") }
            }
            let dataDigest = try Digest.ofFile(data)
            let parent = model ?? "scratch:\(initConfig!)"
            let objective = SFTObjective(model: start.model, examples: examples, evalExamples: evalExamples,
                                         evalBatchSize: opts.batchSize) { m, dir, prov in
                try ModelDirectory.save(model: m, tokenizer: start.tokenizer, eosTokenId: start.eos,
                                        padTokenId: start.pad, to: dir)
                var p = prov
                p["stage"] = "sft-train"; p["parent"] = parent; p["data"] = data; p["data_digest"] = dataDigest
                p["template"] = choice.recorded
                p["tokenization"] = tokenization.rawValue
                try Provenance.write(dir, p)
            }
            let trainer = Trainer(objective: objective, options: opts)
            trainer.identity = ["data_digest": dataDigest, "parent": parent]
            let steps = try trainer.run()
            guard trainer.ranks.isRoot else { return }  // rank 0 writes the model
            var final: [String: Any] = ["steps": steps, "final_metrics": trainer.lastMetrics, "data_report": report.description]
            if let ev = trainer.lastEval { final["eval_metrics"] = ev }
            try objective.saveModel(to: opts.outDir, provenance: final)
            if !opts.quiet {
                FileHandleStderr.write("wrote \(opts.outDir) (loss \(String(format: "%.4f", trainer.lastMetrics["loss"] ?? .nan)))\n")
            }
        }
    }
}
