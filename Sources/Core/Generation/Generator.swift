/// Batched generation on a KV cache. Sequences (prompt × sample, in input order) are taken
/// batchSize at a time: each distinct prompt of the batch is prefilled once (its samples
/// copy the cache row), then every step decodes one token for all still-active rows.
/// A finished row leaves the active set at once, so it stops costing work.
public final class Generator {
    public let model: Transformer
    public let options: GenerationOptions
    public let workspace: DecodeWorkspace
    let rule: StopRule

    public init(model: Transformer, tokenizer: Tokenizer?, eosTokenIds: [Int], options: GenerationOptions) throws {
        try options.validate()
        self.model = model; self.options = options
        rule = try StopRule(eosTokenIds: eosTokenIds, stopStrings: options.stopStrings,
                            maxNewTokens: options.maxNewTokens, ignoreEOS: options.ignoreEOS, tokenizer: tokenizer)
        workspace = DecodeWorkspace(model: model, weightsDType: options.weightsDType)
    }

    public convenience init(_ dir: ModelDirectory, options: GenerationOptions) throws {
        try self.init(model: dir.model, tokenizer: dir.tokenizer, eosTokenIds: dir.eosTokenIds, options: options)
    }

    /// All sequences, ordered by (prompt, sample).
    public func generate(_ prompts: [[Int]]) throws -> [GeneratedSequence] {
        var all: [GeneratedSequence] = []
        try generate(prompts) { all += $0 }
        return all
    }

    /// Calls `onBatch` with each batch's sequences, ordered by (prompt, sample); batches come
    /// in input order, so a caller can stream them to a file.
    public func generate(_ prompts: [[Int]], onBatch: ([GeneratedSequence]) throws -> Void) throws {
        try generate(prompts, only: prompts.indices, onBatch: onBatch)
    }

    /// Only the prompts in `range` (one rank's block): each keeps its index in `prompts`, so its
    /// random stream, and therefore its samples, are those of a run over all of them.
    public func generate(_ prompts: [[Int]], only range: Range<Int>, onBatch: ([GeneratedSequence]) throws -> Void) throws {
        for i in range where prompts[i].isEmpty {
            throw PrefkitError("prompt \(i) has no tokens")
        }
        let s = options.samplesPerPrompt
        let items = (range.lowerBound * s..<range.upperBound * s).map { (prompt: $0 / s, sample: $0 % s) }
        var start = 0
        while start < items.count {
            let batch = Array(items[start..<min(items.count, start + options.batchSize)])
            try onBatch(try run(batch, prompts))
            start += batch.count
        }
    }

    private func run(_ batch: [(prompt: Int, sample: Int)], _ prompts: [[Int]]) throws -> [GeneratedSequence] {
        let vocab = model.config.vocabSize, maxNew = options.maxNewTokens
        // The last sampled token is never fed back, so a row needs prompt + maxNew − 1 slots.
        let cache = KVCache(config: model.config, capacities: batch.map { prompts[$0.prompt].count + maxNew - 1 })
        var firstRow: [Int: Int] = [:], distinct: [Int] = [], sourceOf: [Int] = []
        for (row, item) in batch.enumerated() {
            if firstRow[item.prompt] == nil { firstRow[item.prompt] = row; distinct.append(item.prompt) }
            sourceOf.append(distinct.count - 1)
        }
        let prefillLogits = try model.prefill(distinct.map { prompts[$0] }, rows: distinct.map { firstRow[$0]! },
                                              cache: cache, workspace: workspace)
        for (row, item) in batch.enumerated() where firstRow[item.prompt] != row {
            try cache.copyRow(firstRow[item.prompt]!, to: row)
        }
        var rngs = batch.map { SampleStreams.rng(seed: options.seed, prompt: $0.prompt, sample: $0.sample) }
        var sampler = Sampler(options.sampling)
        var tokens = [[Int]](repeating: [], count: batch.count)
        var steps = [Int](repeating: 0, count: batch.count)
        var finished = [FinishReason?](repeating: nil, count: batch.count)
        var endToken = [Int?](repeating: nil, count: batch.count)
        var active = Array(0..<batch.count)
        var logits = UnsafePointer(prefillLogits), logitRow = sourceOf
        while !active.isEmpty {
            var next: [Int] = [], stillActive: [Int] = []
            for (i, row) in active.enumerated() {
                let t = sampler.sample(logits + logitRow[i] * vocab, vocab: vocab, rng: &rngs[row])
                steps[row] += 1
                if let reason = rule.accept(t, into: &tokens[row]) {
                    finished[row] = reason
                    if reason == .eos { endToken[row] = t }
                    continue
                }
                stillActive.append(row); next.append(t)
            }
            active = stillActive
            if active.isEmpty { break }
            logits = UnsafePointer(try model.decodeStep(tokens: next, rows: active, cache: cache, workspace: workspace))
            logitRow = Array(0..<active.count)
        }
        return batch.enumerated().map { row, item in
            GeneratedSequence(promptIndex: item.prompt, sample: item.sample, tokens: tokens[row],
                              text: rule.responseText(tokens[row]), finishReason: finished[row] ?? .length, steps: steps[row],
                              eosToken: endToken[row])
        }
    }
}
