import ArgumentParser
import Core
import Foundation

/// `prefkit-bench parquet FILE…`: streams every row of Parquet (or JSONL) files through the
/// record layer the stages read with, and prints MB/s of input and peak RSS. For big files made
/// outside the project (tools/fixtures/make_parquet_bench.py writes one).
struct ParquetRead: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "parquet", abstract: "Time reading Parquet files as records.")
    @Argument(help: "Files (a glob or hf: works too).") var files: [String]
    @Flag(help: "Print one JSON line (rows, bytes, seconds, peak_rss_mb) for the parquet_read case.") var json = false

    func run() throws {
        var bytes = 0
        var rows = 0
        let t0 = Date()
        for spec in files {
            for f in try DataFiles.resolve(spec) {
                bytes += Int(((try? FileManager.default.attributesOfItem(atPath: f))?[.size] as? NSNumber)?.intValue ?? 0)
            }
            try JSONL.forEachLine(spec) { _, _, parsed in
                if case .record = parsed { rows += 1 }
            }
        }
        let dt = Date().timeIntervalSince(t0)
        if json {
            print(String(format: "{\"rows\": %d, \"bytes\": %d, \"seconds\": %.4f, \"peak_rss_mb\": %.1f}", rows, bytes, dt, peakRSSMiB()))
            return
        }
        print(String(format: "parquet_read: %d rows, %.1f MB in %.2f s: %.1f MB/s, %.0f rows/s, peak RSS %.0f MiB",
                     rows, Double(bytes) / 1e6, dt, Double(bytes) / 1e6 / dt, Double(rows) / dt, peakRSSMiB()))
    }
}
