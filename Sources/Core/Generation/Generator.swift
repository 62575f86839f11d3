/// Batched generation on a KV cache with `batchSize` slots. Sequences (prompt × sample, in
/// input order) take free slots; the distinct prompts admitted together are prefilled once
/// (a prompt's other samples copy its cache row), then every step decodes one token for all
/// occupied slots. A finished sequence leaves its slot at once, so it stops costing work.
///
/// Continuous batching (the default): a freed slot takes the next sequence right away, so
/// throughput does not fall to the pace of a batch's longest row. Static batching waits until
/// every slot is free, then admits the next batchSize sequences. Either way a sequence's
/// tokens are those of a run with batch size 1: it has its own random stream (SampleStreams)
/// and its logits do not depend on the other rows (DecodeLinear, CachedAttention).
public final class Generator {
    public let model: Transformer
    public let options: GenerationOptions
    public let workspace: DecodeWorkspace
    let rule: StopRule

    public init(model: Transformer, tokenizer: Tokenizer?, eosTokenIds: [Int], options: GenerationOptions,
                kernels: KernelVariant = .selected) throws {
        try options.validate()
        self.model = model; self.options = options
        rule = try StopRule(eosTokenIds: eosTokenIds, stopStrings: options.stopStrings,
                            maxNewTokens: options.maxNewTokens, ignoreEOS: options.ignoreEOS, tokenizer: tokenizer)
        workspace = DecodeWorkspace(model: model, weightsDType: options.weightsDType, variant: kernels)
    }

    public convenience init(_ dir: ModelDirectory, options: GenerationOptions, kernels: KernelVariant = .selected) throws {
        try self.init(model: dir.model, tokenizer: dir.tokenizer, eosTokenIds: dir.eosTokenIds, options: options,
                      kernels: kernels)
    }

    /// All sequences, ordered by (prompt, sample).
    public func generate(_ prompts: [[Int]]) throws -> [GeneratedSequence] {
        var all: [GeneratedSequence] = []
        try generate(prompts) { all += $0 }
        return all
    }

    /// Calls `onBatch` with finished sequences, ordered by (prompt, sample): each call continues
    /// where the previous one ended, so a caller can stream them to a file in input order.
    public func generate(_ prompts: [[Int]], onBatch: ([GeneratedSequence]) throws -> Void) throws {
        try generate(prompts, only: prompts.indices, onBatch: onBatch)
    }

    /// Only the prompts in `range` (one rank's block): each keeps its index in `prompts`, so its
    /// random stream, and therefore its samples, are those of a run over all of them.
    public func generate(_ prompts: [[Int]], only range: Range<Int>, onBatch: ([GeneratedSequence]) throws -> Void) throws {
        try generate(prompts, only: range, limits: nil, onBatch: onBatch)
    }

    /// With a budget of new tokens per prompt (each ≤ maxNewTokens): rows of very different
    /// lengths in one run, what continuous batching is for.
    public func generate(_ prompts: [[Int]], maxNewTokens limits: [Int]) throws -> [GeneratedSequence] {
        guard limits.count == prompts.count else {
            throw PrefkitError("\(limits.count) token budgets for \(prompts.count) prompts")
        }
        for l in limits where l < 1 || l > options.maxNewTokens {
            throw PrefkitError("a prompt's new-token budget must be in 1...\(options.maxNewTokens), got \(l)")
        }
        var all: [GeneratedSequence] = []
        try generate(prompts, only: prompts.indices, limits: limits) { all += $0 }
        return all
    }

    private func generate(_ prompts: [[Int]], only range: Range<Int>, limits: [Int]?,
                          onBatch: ([GeneratedSequence]) throws -> Void) throws {
        for i in range where prompts[i].isEmpty {
            throw PrefkitError("prompt \(i) has no tokens")
        }
        let s = options.samplesPerPrompt
        let items = (range.lowerBound * s..<range.upperBound * s).map { Item(prompt: $0 / s, sample: $0 % s) }
        if items.isEmpty { return }
        try withoutActuallyEscaping(onBatch) { callback in
            var run = Run(self, items: items, prompts: prompts, limits: limits, onBatch: callback)
            try run.loop()
        }
    }

    struct Item { let prompt: Int, sample: Int }

    /// A sequence in a slot: its random stream and what it has produced so far.
    struct Row {
        let item: Int
        var rng: SplitMix64
        var tokens: [Int] = []
        var steps = 0
    }

    /// One call's slots, queue and in-order output.
    private struct Run {
        let gen: Generator
        let items: [Item]
        let prompts: [[Int]]
        /// New tokens per prompt at most, when not options.maxNewTokens for all.
        let limits: [Int]?
        let onBatch: ([GeneratedSequence]) throws -> Void
        let cache: KVCache
        var sampler: Sampler
        var slots: [Row?]
        var next = 0                                  // first item not yet admitted
        var done: [GeneratedSequence?]                // by item, until emitted
        var emitted = 0                               // items handed to onBatch so far

        init(_ gen: Generator, items: [Item], prompts: [[Int]], limits: [Int]?,
             onBatch: @escaping ([GeneratedSequence]) throws -> Void) {
            self.gen = gen; self.items = items; self.prompts = prompts; self.limits = limits; self.onBatch = onBatch
            let n = min(gen.options.batchSize, items.count)
            // Slots are reused by any sequence, so each holds the longest one. The last sampled
            // token is never fed back, so a sequence needs prompt + maxNew − 1 positions.
            let longest = items.map { prompts[$0.prompt].count }.max()!
            cache = KVCache(config: gen.model.config,
                            capacities: [Int](repeating: longest + gen.options.maxNewTokens - 1, count: n))
            sampler = Sampler(gen.options.sampling)
            slots = [Row?](repeating: nil, count: n)
            done = [GeneratedSequence?](repeating: nil, count: items.count)
        }

        mutating func loop() throws {
            let continuous = gen.options.batching == .continuous
            var active: [Int] = [], feed: [Int] = []  // occupied slots and the token each feeds next
            while true {
                // Admit while slots are free (static: only once all are); sequences that end on
                // their first token free their slot again at once.
                while next < items.count {
                    let free = slots.indices.filter { slots[$0] == nil }
                    if free.isEmpty || (!continuous && free.count < slots.count) { break }
                    let (rows, tokens) = try admit(Array(free.prefix(items.count - next)))
                    active += rows; feed += tokens
                }
                if active.isEmpty { break }
                let logits = try gen.model.decodeStep(tokens: feed, rows: active, cache: cache, workspace: gen.workspace)
                (active, feed) = try sample(UnsafePointer(logits), rows: active, logitRows: Array(active.indices))
            }
            precondition(emitted == items.count, "generator: every sequence is emitted")
        }

        /// Prefills the next items into `free` slots; returns the slots that go on and their tokens.
        mutating func admit(_ free: [Int]) throws -> ([Int], [Int]) {
            var firstSlot: [Int: Int] = [:], distinct: [Int] = [], logitRow: [Int] = []
            for slot in free {
                let item = items[next]
                slots[slot] = Row(item: next, rng: SampleStreams.rng(seed: gen.options.seed, prompt: item.prompt,
                                                                      sample: item.sample))
                next += 1
                if firstSlot[item.prompt] == nil { firstSlot[item.prompt] = slot; distinct.append(item.prompt) }
                logitRow.append(distinct.firstIndex(of: item.prompt)!)
            }
            let ws = gen.workspace, cache = self.cache
            let logits = try ws.profile.measure("prefill") {
                let l = try gen.model.prefill(distinct.map { prompts[$0] }, rows: distinct.map { firstSlot[$0]! },
                                              cache: cache, workspace: ws)
                for slot in free where firstSlot[items[slots[slot]!.item].prompt] != slot {
                    try cache.copyRow(firstSlot[items[slots[slot]!.item].prompt]!, to: slot)
                }
                return l
            }
            return try sample(UnsafePointer(logits), rows: free, logitRows: logitRow)
        }

        /// Samples slot rows[i] from logits row logitRows[i]; finished sequences leave their slot.
        mutating func sample(_ logits: UnsafePointer<Float>, rows: [Int], logitRows: [Int]) throws -> ([Int], [Int]) {
            let vocab = gen.model.config.vocabSize
            var going: [Int] = [], tokens: [Int] = []
            var finished: [Int] = []
            gen.workspace.profile.measure("sampling") {
                for (i, slot) in rows.enumerated() {
                    let t = sampler.sample(logits + logitRows[i] * vocab, vocab: vocab, rng: &slots[slot]!.rng)
                    slots[slot]!.steps += 1
                    let item = items[slots[slot]!.item]
                    var reason = gen.rule.accept(t, into: &slots[slot]!.tokens)
                    if reason == nil, let limits, slots[slot]!.tokens.count >= limits[item.prompt] { reason = .length }
                    if let reason {
                        let row = slots[slot]!
                        done[row.item] = GeneratedSequence(promptIndex: item.prompt, sample: item.sample, tokens: row.tokens,
                                                           text: gen.rule.responseText(row.tokens), finishReason: reason,
                                                           steps: row.steps, eosToken: reason == .eos ? t : nil)
                        slots[slot] = nil
                        finished.append(row.item)
                        continue
                    }
                    going.append(slot); tokens.append(t)
                }
            }
            if !finished.isEmpty { try emit() }
            return (going, tokens)
        }

        /// Hands over the finished sequences that continue the output in input order.
        mutating func emit() throws {
            var out: [GeneratedSequence] = []
            while emitted < items.count, let g = done[emitted] {
                out.append(g); done[emitted] = nil; emitted += 1
            }
            if !out.isEmpty { try onBatch(out) }
        }
    }
}
