import ArgumentParser
import CLISupport
import Core
import Foundation

/// `generate`: sample completions for a prompts file with a KV cache, batched.
struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "generate",
        abstract: "Generate responses for a prompts JSONL ({\"id\",\"prompt\"} or TRL messages) into generations JSONL.")

    @OptionGroup var model: ModelOptions
    @Option(help: "Prompts JSONL (.zst or .gz compressed accepted).") var prompts: String
    @Option(help: "Output generations JSONL (.zst compresses).") var out: String
    @OptionGroup(title: "Templates (default: a --template the model was trained with, from its prefkit.json; else conversations through the model's chat template and strings as text)")
    var chat: TemplateFlags
    @Option(help: "New tokens per response at most.") var maxNewTokens = 256
    @Option(help: "Sampling temperature; 0 = greedy.") var temperature: Float = 1
    @Option(help: "Keep the K most likely tokens; 0 = off.") var topK = 0
    @Option(help: "Nucleus mass to keep; 1 = off.") var topP: Float = 1
    @Option(help: "Samples per prompt.") var numSamplesPerPrompt = 1
    @Option(help: "Seed; each (prompt, sample) gets its own stream, so batch size does not change outputs.")
    var seed: UInt64 = 0
    @Option(help: "Sequences decoded together.") var batchSize = 8
    @Option(parsing: .upToNextOption, help: "Stop strings: the response is cut before the first one.")
    var stop: [String] = []
    @Option(help: "Which column fills each field: FIELD=COLUMN,… (e.g. prompt=question, messages=conversation, id=uid).")
    var columns: String?
    @Option(help: "How the weights are held while decoding: f32, or bf16 / f16 (loaded straight into that precision, no f32 copy: half the memory and half the bytes read per token; math stays f32).")
    var weightsDtype: WeightsDType = .f32
    @Option(help: "continuous: a finished sequence's slot takes the next one at once; static: batch after batch. Outputs are the same.")
    var batching: Batching = .continuous

    var options: GenerationOptions {
        var o = GenerationOptions()
        o.maxNewTokens = maxNewTokens
        o.sampling = SamplingConfig(temperature: temperature, topK: topK, topP: topP)
        o.samplesPerPrompt = numSamplesPerPrompt
        o.seed = seed
        o.batchSize = batchSize
        o.stopStrings = stop
        o.weightsDType = weightsDtype
        o.batching = batching
        return o
    }

    func validate() throws {
        try validating { try options.validate() }
        try validating { _ = try columnMapping() }
    }

    func columnMapping() throws -> ColumnMapping {
        try columns.map(ColumnMapping.init(parsing:)) ?? ColumnMapping()
    }

    func run() throws {
        try runStage {
            var job = GenerateJob(modelPath: model.model, promptsPath: prompts, outPath: out, chat: try chat.choice(), options: options)
            job.columns = try columnMapping()
            let interactive = isInteractive
            var nextReport = 0.1
            let s = try job.run { p in
                let line = String(format: "generate: %d/%d prompts, %.1f tokens/s", p.promptsDone, p.promptsTotal, p.tokensPerSecond)
                if interactive {
                    FileHandleStderr.write("\r\u{1B}[2K" + line)
                } else if Double(p.promptsDone) >= nextReport * Double(p.promptsTotal) || p.promptsDone == p.promptsTotal {
                    FileHandleStderr.write(line + "\n")
                    while nextReport * Double(p.promptsTotal) <= Double(p.promptsDone) { nextReport += 0.1 }
                }
            }
            if interactive { FileHandleStderr.write("\n") }
            let reasons = [FinishReason.eos, .stop, .length].map { "\($0.rawValue) \(s.finishCounts[$0, default: 0])" }
            let rate = String(format: "%.1f s (%.1f tokens/s)", s.seconds, s.tokensPerSecond)
            FileHandleStderr.write("generate: \(s.sequences) responses for \(s.prompts) prompts, \(s.newTokens) new tokens in \(rate), "
                                   + "template \(s.template); \(weightsDtype.rawValue) weights, \(KernelVariant.selected.rawValue) kernels, "
                                   + "\(batching.rawValue) batching; finish: \(reasons.joined(separator: ", ")) -> \(out)\n")
            if let n = s.templateNote { FileHandleStderr.write("generate: \(n)\n") }
        }
    }
}

Generate.main()
