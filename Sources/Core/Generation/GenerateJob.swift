import Foundation

/// The `generate` stage as a library call: prompts file in, generations JSONL out, one record
/// per (prompt, sample) in input order. Output fields: id, prompt, response, model, seed,
/// n_tokens, finish_reason, sample (when several per prompt), prompt_ids, response_ids, then the prompt record's
/// other top-level fields, so later stages can use them.
public struct GenerateJob {
    public var modelPath: String
    public var promptsPath: String
    public var outPath: String
    /// `--template`, `--chat-template`; with no `--template`, the template the model was
    /// trained with when its prefkit.json records a forced one, else TRL's rule (ChatChoice).
    public var chat: ChatChoice
    public var options: GenerationOptions
    /// `--columns`: which column of the prompts file is the prompt (or messages, id).
    public var columns = ColumnMapping()

    public init(modelPath: String, promptsPath: String, outPath: String, chat: ChatChoice = ChatChoice(),
                options: GenerationOptions = GenerationOptions()) {
        self.modelPath = modelPath; self.promptsPath = promptsPath; self.outPath = outPath
        self.chat = chat; self.options = options
    }

    public struct Progress {
        public let promptsDone: Int, promptsTotal: Int, newTokens: Int, seconds: Double
        public var tokensPerSecond: Double { seconds > 0 ? Double(newTokens) / seconds : 0 }
    }

    public struct Summary {
        public let prompts: Int, sequences: Int, newTokens: Int, seconds: Double
        /// How prompts were formatted (ChatFormat.identity).
        public let template: String
        /// Set when a built-in template stood in for a missing chat template.
        public let templateNote: String?
        public let finishCounts: [FinishReason: Int]
        public var tokensPerSecond: Double { seconds > 0 ? Double(newTokens) / seconds : 0 }
    }

    static let outputKeys: Set<String> = ["id", "prompt", "response", "model", "seed", "n_tokens", "finish_reason", "sample",
                                          "prompt_ids", "response_ids"]

    public func run(progress: (Progress) -> Void = { _ in }) throws -> Summary {
        try options.validate()
        // Half-precision decoding loads the matrices straight into bf16/f16: no f32 copy is made.
        let dir = try ModelDirectory.load(modelPath, matrices: options.weightsDType)
        var choice = chat
        if choice.template == nil && choice.chatTemplateFile == nil {
            choice.template = ChatChoice.recorded(Provenance.read(dir.path)?["template"] as? String)
        }
        let format = try choice.format(for: dir.tokenizer)
        // Generation needs only prompt ids, which both tokenization modes form alike.
        let encoder = SequenceEncoder(tokenizer: dir.tokenizer, eos: dir.eosTokenId, chat: format, mode: .trl)
        let records = try PromptRecord.readAll(promptsPath, columns: columns)
        var ids: [[Int]] = []
        var usedFallback = false
        for (line, r) in records {
            let t: [Int]
            do {
                t = try encoder.promptIds(r.chat, inputs: r.inputs)
            } catch {
                throw PrefkitError("\(promptsPath):\(line): \(error)")
            }
            if t.isEmpty { throw PrefkitError("\(promptsPath):\(line): the prompt renders to no tokens") }
            usedFallback = usedFallback || r.chat.isConversation
            ids.append(t)
        }
        let generator = try Generator(dir, options: options)
        let note = usedFallback ? format.fallbackNote : nil
        let ranks = Ranks.world
        if ranks.isDistributed {
            return try runSharded(generator, records: records, ids: ids, template: format.identity, templateNote: note,
                                  ranks: ranks, progress: progress)
        }
        let writer = try JSONLWriter(path: outPath)
        var done = 0, tokens = 0, finish: [FinishReason: Int] = [:]
        let t0 = DispatchTime.now().uptimeNanoseconds
        func elapsed() -> Double { Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9 }
        do {
            try generator.generate(ids) { batch in
                for g in batch {
                    try writer.append(record(records[g.promptIndex].record, g, promptIds: ids[g.promptIndex]))
                    tokens += g.steps
                    finish[g.finishReason, default: 0] += 1
                    if g.sample == options.samplesPerPrompt - 1 { done += 1 }
                }
                progress(Progress(promptsDone: done, promptsTotal: records.count, newTokens: tokens, seconds: elapsed()))
            }
            try writer.commit()
        } catch {
            writer.abort()
            throw error
        }
        return Summary(prompts: records.count, sequences: records.count * options.samplesPerPrompt, newTokens: tokens,
                       seconds: elapsed(), template: format.identity, templateNote: note, finishCounts: finish)
    }

    /// Several ranks: each samples a block of prompts (whole batches), serializes its records,
    /// and rank 0 writes all of them in input order: the file of a one-process run, byte for byte,
    /// since each (prompt, sample) has its own seeded stream.
    func runSharded(_ generator: Generator, records: [(line: Int, record: PromptRecord)], ids: [[Int]], template: String,
                    templateNote: String?, ranks: Ranks, progress: (Progress) -> Void) throws -> Summary {
        let s = options.samplesPerPrompt
        let part = ranks.shard(records.count, unit: Ranks.commonUnit(options.batchSize, s) / s)
        var lines: [UInt8] = [], done = 0
        var counts: [String: Double] = [:]
        let t0 = DispatchTime.now().uptimeNanoseconds
        func elapsed() -> Double { Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9 }
        try generator.generate(ids, only: part) { batch in
            for g in batch {
                record(records[g.promptIndex].record, g, promptIds: ids[g.promptIndex]).serialize(into: &lines)
                lines.append(0x0A)
                counts["tokens", default: 0] += Double(g.steps)
                counts["finish." + g.finishReason.rawValue, default: 0] += 1
                if g.sample == s - 1 { done += 1 }
            }
            progress(Progress(promptsDone: done, promptsTotal: part.count, newTokens: Int(counts["tokens"] ?? 0), seconds: elapsed()))
        }
        let all = try ranks.gatherInOrder(lines)
        counts = try ranks.sum(counts)
        if let all {
            // One write per record, as the one-process writer does.
            let writer = try ArtifactWriter(path: outPath)
            do {
                var start = 0
                for (i, b) in all.enumerated() where b == 0x0A {
                    try writer.write(Array(all[start...i]))
                    start = i + 1
                }
                try writer.commit()
            } catch {
                writer.abort()
                throw error
            }
        }
        var finish: [FinishReason: Int] = [:]
        for r in [FinishReason.eos, .stop, .length] { finish[r] = Int(counts["finish." + r.rawValue] ?? 0) }
        return Summary(prompts: records.count, sequences: records.count * s, newTokens: Int(counts["tokens"] ?? 0),
                       seconds: elapsed(), template: template, templateNote: templateNote, finishCounts: finish)
    }

    func record(_ p: PromptRecord, _ g: GeneratedSequence, promptIds: [Int]) -> JSONValue {
        var m: [(String, JSONValue)] = [
            ("id", p.id), ("prompt", p.prompt), ("response", .string(g.text)), ("model", .string(modelPath)),
            ("seed", .number(Double(options.seed))), ("n_tokens", .number(Double(g.tokens.count))),
            ("finish_reason", .string(g.finishReason.rawValue)),
        ]
        if options.samplesPerPrompt > 1 { m.append(("sample", .number(Double(g.sample)))) }
        // The exact ids sampled (eos included when it ended the response) and the prompt ids they
        // were sampled after: what `rm-score --policy --reference` needs for log-ratios (KL).
        m.append(("prompt_ids", .array(promptIds.map { .number(Double($0)) })))
        m.append(("response_ids", .array(g.sampledTokens.map { .number(Double($0)) })))
        for (k, v) in p.extra where !GenerateJob.outputKeys.contains(k) { m.append((k, v)) }
        return .object(m)
    }
}
