import ArgumentParser
import CLISupport
import Core

/// `rm-score pairs`: best-vs-worst preference pairs from scored generations (iterative DPO).
struct Pairs: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pairs",
        abstract: "Turn scored generations (several samples per prompt) into best-vs-worst preference pairs.")
    @Option(help: "Scored generations (rm-score output).") var scores: String
    @Option(help: "Preference pairs to write (TRL JSONL; .zst compressed when the name ends in .zst).") var out: String
    @Option(help: "Skip prompts whose best and worst scores differ by this much or less.") var minGap: Double = 0

    func run() throws {
        try runStage {
            let r = try BestWorstPairs.build(scores, minGap: minGap)
            guard !r.records.isEmpty else { throw PrefkitError("\(scores): every prompt's samples tie: no pairs to write") }
            try JSONLWriter.write(out, records: r.records)
            FileHandleStderr.write("wrote \(out): \(r.records.count) pairs from \(r.prompts) prompts (\(r.tied) without a clear winner)\n")
        }
    }
}
