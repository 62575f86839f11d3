import ArgumentParser
import CLISupport
import Core
import Foundation

struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "compare",
        abstract: "Compare score files: overlaid histograms, summary table, Δmean with bootstrap CI, KS, win rate.",
        discussion: "Every file after the first is compared with the first (same label where both have it). Writes an HTML page with inline SVG and prints a terminal rendering.")

    @Argument(help: "Score files written by rm-score (the first is the baseline A).") var files: [String]
    @Option(help: "HTML report to write.") var out: String
    @Option(help: "Histogram bins.") var bins = 30
    @Option(help: "Bootstrap seed.") var seed: UInt64 = 17

    func run() throws {
        try runStage {
            guard !files.isEmpty else { throw PrefkitError("give at least one scores file") }
            guard bins > 0 else { throw PrefkitError("--bins must be positive") }
            var loaded: [(name: String, records: [ScoredRecord])] = []
            for f in files {
                var name = (f as NSString).lastPathComponent
                // Two files with one base name (run1/scores.jsonl, run2/scores.jsonl) need their folders.
                if files.filter({ ($0 as NSString).lastPathComponent == name }).count > 1 { name = f }
                loaded.append((name, try ScoredRecord.load(f)))
            }
            let c = ScoreComparison(files: loaded, bins: bins, seed: seed)
            try ArtifactFile.writeAtomically(out, string: c.html(), compress: false)
            print(c.terminal())
            FileHandleStderr.write("wrote \(out)\n")
        }
    }
}
