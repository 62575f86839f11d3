import Foundation

extension ReviewsDataset {
    public static let fileNames = (sft: "sft.jsonl.zst", train: "train_prefs.jsonl.zst",
                                   test: "test_prefs.jsonl.zst", eval: "eval_prompts.jsonl.zst",
                                   trainPrompts: "train_prompts.jsonl.zst", task: "task.json")

    /// One prompt per training item: what online iterative DPO samples from (never held-out items).
    public var trainPrompts: [JSONValue] {
        trainItems.enumerated().map { i, item in
            ["id": .string("train-prompt-\(i)"), "prompt": .string(ReviewsTask.prompt(for: item)), "item": .string(item)]
        }
    }

    /// Writes the five JSONL files and task.json into `dir` (created if needed), each
    /// atomically, and returns their paths. task.json carries no timestamp, so the same
    /// options give byte-identical directories.
    @discardableResult
    public func write(to dir: String) throws -> [String] {
        let f = Self.fileNames
        var written: [String] = []
        for (name, records) in [(f.sft, sft), (f.train, trainPairs), (f.test, testPairs), (f.eval, evalPrompts),
                                (f.trainPrompts, trainPrompts)] {
            let path = dir + "/" + name
            try JSONLWriter.write(path, records: records)
            written.append(path)
        }
        let data = try JSONSerialization.data(withJSONObject: taskDescription(), options: [.prettyPrinted, .sortedKeys])
        let taskPath = dir + "/" + f.task
        try ArtifactFile.writeAtomically(taskPath, bytes: [UInt8](data) + [0x0A], compress: false)
        written.append(taskPath)
        return written
    }

    /// task.json: what was generated and how, so a later stage (or a reader) need not guess.
    public func taskDescription() -> [String: Any] {
        let o = options
        return [
            "task": ReviewsTask.name,
            "description": "Short product reviews. The gold reward is the review's sentiment (positive words +1, negative -1, "
                + "intensifiers x1.5, negation flips and halves, each word counted at most twice, capped at +/-3) minus "
                + "penalties for degenerate text: -1 per use of a content word beyond its second, -1.5 if the item is not "
                + "named, -0.5 per sentence beyond 3, -0.2 per word beyond 30; floored at -6. Train pairs have "
                + "chosen = higher gold except a noise fraction swapped; test pairs are noise-free and include held-out items.",
            "seed": o.seed, "noise": o.noise, "min_gold_gap": o.minGoldGap,
            "flipped_train_pairs": flippedTrainPairs,
            "counts": ["sft": sft.count, "train_pairs": trainPairs.count, "test_pairs": testPairs.count,
                       "eval_prompts": evalPrompts.count],
            "prompt_template": ReviewsTask.promptTemplate,
            "gold_scorer": ReviewsTask.name,
            "items": ["train": trainItems, "held_out": heldOutItems],
            "categories": Dictionary(uniqueKeysWithValues: ReviewsCatalogue.categories.map { ($0.name, $0.items) }),
            "files": ["sft": Self.fileNames.sft, "train_prefs": Self.fileNames.train, "test_prefs": Self.fileNames.test,
                      "eval_prompts": Self.fileNames.eval],
            "gold_stats": ["sft": stats(sft.compactMap { $0["gold"]?.doubleValue }),
                           "train_chosen": stats(trainPairs.compactMap { $0["gold_chosen"]?.doubleValue }),
                           "train_rejected": stats(trainPairs.compactMap { $0["gold_rejected"]?.doubleValue }),
                           "test_chosen": stats(testPairs.compactMap { $0["gold_chosen"]?.doubleValue }),
                           "test_rejected": stats(testPairs.compactMap { $0["gold_rejected"]?.doubleValue })],
        ]
    }

    private func stats(_ xs: [Double]) -> [String: Any] {
        guard !xs.isEmpty else { return ["count": 0] }
        let mean = xs.reduce(0, +) / Double(xs.count)
        let sd = (xs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(xs.count)).squareRoot()
        func r(_ x: Double) -> Double { (x * 10_000).rounded() / 10_000 }
        return ["count": xs.count, "mean": r(mean), "std": r(sd), "min": xs.min()!, "max": xs.max()!]
    }
}
