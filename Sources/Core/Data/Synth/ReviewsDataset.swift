/// The reviews task's files as records: SFT corpus, train and test preference pairs,
/// evaluation prompts. Generation is pure (same options, same records); `write` puts
/// them on disk. Each part draws from its own random stream.
public struct ReviewsDataset {
    public let options: ReviewsOptions
    public let trainItems: [String]
    public let heldOutItems: [String]
    public private(set) var sft: [JSONValue] = []
    public private(set) var trainPairs: [JSONValue] = []
    public private(set) var testPairs: [JSONValue] = []
    public private(set) var evalPrompts: [JSONValue] = []
    /// How many train pairs had their labels swapped (round(noise * count)).
    public private(set) var flippedTrainPairs = 0

    public static func generate(_ o: ReviewsOptions) throws -> ReviewsDataset {
        try o.validate()
        var d = ReviewsDataset(options: o)
        d.sft = d.makeSFT()
        let (train, flipped) = try d.makePairs(count: o.trainPairs, items: d.trainItems, prefix: "train", stream: 3, noise: o.noise)
        d.trainPairs = train; d.flippedTrainPairs = flipped
        // Test pairs cover held-out items too: the reward model is judged on products it never saw.
        d.testPairs = try d.makePairs(count: o.testPairs, items: ReviewsCatalogue.allItems, prefix: "test", stream: 4, noise: 0).0
        d.evalPrompts = d.makeEvalPrompts()
        return d
    }

    private init(options o: ReviewsOptions) {
        options = o
        heldOutItems = ReviewsCatalogue.heldOut(seed: o.seed)
        let held = Set(heldOutItems)
        trainItems = ReviewsCatalogue.allItems.filter { !held.contains($0) }
    }

    private func makeSFT() -> [JSONValue] {
        var rng = SynthRandom(seed: options.seed, stream: 2)
        var grammar = ReviewsGrammar(rng: SynthRandom(seed: options.seed, stream: 12))
        return (0..<options.sft).map { _ in
            let item = rng.pick(trainItems), prompt = ReviewsTask.prompt(for: item)
            let completion = grammar.review(of: item)
            return ["prompt": .string(prompt), "completion": .string(completion),
                    "gold": .number(ReviewsTask.gold(prompt: prompt, response: completion)), "item": .string(item)]
        }
    }

    /// Two independent reviews of one item, redrawn until their gold differs by the gap;
    /// chosen is the better one except in the round(noise * count) pairs picked to flip.
    private func makePairs(count: Int, items: [String], prefix: String, stream: UInt64,
                           noise: Double) throws -> ([JSONValue], Int) {
        var rng = SynthRandom(seed: options.seed, stream: stream)
        var grammar = ReviewsGrammar(rng: SynthRandom(seed: options.seed, stream: stream + 10))
        var flipRng = SynthRandom(seed: options.seed, stream: stream + 20)
        var order = Array(0..<count)
        flipRng.shuffle(&order)
        let flipped = Int((noise * Double(count)).rounded())
        let flip = Set(order.prefix(flipped))
        let width = String(max(count - 1, 0)).count
        var out: [JSONValue] = []
        out.reserveCapacity(count)
        for i in 0..<count {
            let item = rng.pick(items), prompt = ReviewsTask.prompt(for: item)
            var found: (String, Double, String, Double)? = nil
            // A gap of 0.5 is met within a few draws; the bound turns a mistuned grammar into
            // an error instead of a hang.
            for _ in 0..<1000 {
                let a = grammar.review(of: item), b = grammar.review(of: item)
                let ga = ReviewsTask.gold(prompt: prompt, response: a), gb = ReviewsTask.gold(prompt: prompt, response: b)
                if abs(ga - gb) >= options.minGoldGap { found = ga > gb ? (a, ga, b, gb) : (b, gb, a, ga); break }
            }
            guard var (c, gc, r, gr) = found else {
                throw PrefkitError("could not draw two reviews of the \(item) with gold \(options.minGoldGap) apart")
            }
            if flip.contains(i) { swap(&c, &r); swap(&gc, &gr) }
            out.append(["id": .string("\(prefix)-\(padded(i, width))"), "prompt": .string(prompt),
                        "chosen": .string(c), "rejected": .string(r),
                        "gold_chosen": .number(gc), "gold_rejected": .number(gr), "item": .string(item)])
        }
        return (out, flipped)
    }

    /// Every item in turn (held-out ones included), reshuffled each round, so any count
    /// covers the catalogue as evenly as it can.
    private func makeEvalPrompts() -> [JSONValue] {
        var rng = SynthRandom(seed: options.seed, stream: 5)
        let held = Set(heldOutItems)
        let width = String(max(options.evalPrompts - 1, 0)).count
        var round: [String] = []
        return (0..<options.evalPrompts).map { i in
            if round.isEmpty { round = ReviewsCatalogue.allItems; rng.shuffle(&round) }
            let item = round.removeLast()
            return ["id": .string("eval-\(padded(i, width))"), "prompt": .string(ReviewsTask.prompt(for: item)),
                    "item": .string(item), "held_out": .bool(held.contains(item))]
        }
    }

    private func padded(_ i: Int, _ width: Int) -> String {
        let s = String(i)
        return String(repeating: "0", count: max(0, width - s.count)) + s
    }
}
