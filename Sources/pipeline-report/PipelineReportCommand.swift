import ArgumentParser
import CLISupport
import Core
import Foundation

@main
struct PipelineReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pipeline-report",
        abstract: "Reports of pipeline runs: one run (the default) or a β / loss sweep.",
        subcommands: [RunReport.self, SweepReportCommand.self], defaultSubcommand: RunReport.self)
}

struct RunReport: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run",
        abstract: "Writes RUN/report.html and RUN/summary.json from a pipeline run's artifacts and prints a summary.")
    @Option(name: .customLong("run"), help: "The run directory (runs/demo).") var runDir: String
    @Option(help: "Seconds the pipeline took, for summary.json.") var wallSeconds: Double?
    @Option(help: "Fail unless the reward model's test pair accuracy reaches this.") var minRmAccuracy: Double?
    @Option(help: "Fail unless DPO's gold mean exceeds the base's by this many base standard deviations.") var minGoldGain: Double?

    func run() throws {
        try runStage {
            let out = try PipelineReport(run: runDir, wallSeconds: wallSeconds).build()
            try ArtifactFile.writeAtomically(runDir + "/report.html", string: out.html, compress: false)
            try ArtifactFile.writeAtomically(runDir + "/summary.json", string: out.summary.serialized() + "\n", compress: false)
            print(out.terminal, terminator: "")
            if let m = minRmAccuracy, !((out.summary["rm_test_accuracy"]?.doubleValue ?? .nan) >= m) {
                throw PrefkitError("reward-model test pair accuracy is below \(m)")
            }
            if let g = minGoldGain, !((out.summary["gold_gain_in_base_std"]?.doubleValue ?? .nan) >= g) {
                throw PrefkitError("DPO's gold gain is below \(g) base standard deviations")
            }
        }
    }
}

struct SweepReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sweep",
        abstract: "Writes DIR/report.html and DIR/summary.json for a sweep (make sweep): the reward–KL frontier per loss and β.")
    @Option(help: "The sweep directory (runs/sweep).") var dir: String

    func run() throws {
        try runStage {
            let out = try SweepReport(dir: dir).build()
            try ArtifactFile.writeAtomically(dir + "/report.html", string: out.html, compress: false)
            try ArtifactFile.writeAtomically(dir + "/summary.json", string: out.summary.serialized() + "\n", compress: false)
            print(out.terminal, terminator: "")
        }
    }
}
