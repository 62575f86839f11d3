import ArgumentParser
import CLISupport
import Core

@main
struct SynthData: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "synth-data",
        abstract: "Generate the embedded synthetic preference task (seeded).",
        discussion: """
        Writes DIR/sft.jsonl.zst {"prompt","completion","gold"}, DIR/train_prefs.jsonl.zst and \
        DIR/test_prefs.jsonl.zst {"id","prompt","chosen","rejected","gold_chosen","gold_rejected"}, \
        DIR/eval_prompts.jsonl.zst {"id","prompt","item","held_out"} and DIR/task.json. \
        The same seed and sizes give byte-identical files.
        """)

    @Option(help: "Which task: \(ReviewsTask.goldScorerNames.joined(separator: ", ")).") var task = ReviewsTask.name
    @Option(help: "Seed for everything generated.") var seed: UInt64
    @Option(help: "Output directory (created if needed).") var out: String
    @Option(help: "Training preference pairs.") var trainPairs: Int?
    @Option(help: "Test preference pairs (noise-free, held-out items included).") var testPairs: Int?
    @Option(help: "SFT examples.") var sft: Int?
    @Option(help: "Evaluation prompts (every item, held-out ones included).") var evalPrompts: Int?
    @Option(help: "Fraction of train pairs with chosen/rejected swapped against gold.") var noise: Double?
    @Option(help: "Least gold difference between the two responses of a pair.") var minGap: Double?

    func run() throws {
        try runStage {
            guard task == ReviewsTask.name else {
                throw PrefkitError("--task must be one of \(ReviewsTask.goldScorerNames.joined(separator: ", ")) (got \(task))")
            }
            var o = ReviewsOptions(seed: seed)
            if let n = trainPairs { o.trainPairs = n }
            if let n = testPairs { o.testPairs = n }
            if let n = sft { o.sft = n }
            if let n = evalPrompts { o.evalPrompts = n }
            if let x = noise { o.noise = x }
            if let x = minGap { o.minGoldGap = x }
            let data = try ReviewsDataset.generate(o)
            for path in try data.write(to: out) { FileHandleStderr.write("wrote \(path)\n") }
            FileHandleStderr.write("""
                reviews seed \(seed): \(data.sft.count) sft, \(data.trainPairs.count) train pairs \
                (\(data.flippedTrainPairs) flipped), \(data.testPairs.count) test pairs, \(data.evalPrompts.count) eval prompts; \
                held out: \(data.heldOutItems.joined(separator: ", "))

                """)
        }
    }
}
