import ArgumentParser
import Core
import Foundation

/// `prefkit-bench run` spawns itself once per case (`prefkit-bench case NAME`) so that each
/// case's peak RSS is its own, then prints the table and writes results.json.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "prefkit-bench",
        abstract: "Throughput benchmarks against the sgemm ceiling measured in the same run.",
        subcommands: [Run.self, OneCase.self, GemmShapes.self, ParquetRead.self, ParquetWrite.self, TokenizerSpeed.self,
                      MPIAllreduce.self, MPIDPO.self])
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Run cases and print the table.")
    @Option(help: "Comma-separated case names (default: all).") var cases: String?
    @Option(help: "Where to write the results list.") var out = "runs/bench/results.json"

    func run() throws {
        let names = cases.map { $0.split(separator: ",").map(String.init) } ?? Cases.all
        for n in names where !Cases.all.contains(n) {
            throw ValidationError("unknown case \(n); known: \(Cases.all.joined(separator: ", "))")
        }
        let (ceiling, detail) = Ceiling.modelGFLOPs()
        print(String(format: "ceiling: %.1f GFLOP/s, the best of %@ GFLOP/s (%d BLAS threads)", ceiling, detail, BLASThreads.count))
        // Half-precision cases load a checkpoint stored in that precision, as a user's run does.
        for n in names {
            if let (shape, dtype) = Cases.checkpointNeeded(n) { _ = try BenchCheckpoint.prepare(shape, dtype) }
        }
        var lines: [String] = []
        print("case                      shape        batch         tokens/s    GFLOP/s  %ceiling  fwd tok/s  peak RSS MiB")
        for n in names {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
            if !FileManager.default.isExecutableFile(atPath: p.executableURL!.path) {
                p.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            }
            p.arguments = ["case", n, "--ceiling", String(ceiling)]
            let pipe = Pipe()
            p.standardOutput = pipe
            try p.run()
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            guard p.terminationStatus == 0, let line = String(data: data, encoding: .utf8)?
                .split(separator: "\n").last.map(String.init),
                  let obj = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                throw ValidationError("case \(n) failed (exit \(p.terminationStatus))")
            }
            lines.append(line)
            func d(_ k: String) -> Double { (obj[k] as? NSNumber)?.doubleValue ?? .nan }
            func pad(_ s: String, _ w: Int) -> String { s.padding(toLength: max(w, s.count), withPad: " ", startingAt: 0) }
            print(pad(n, 26) + pad(obj["shape"] as? String ?? "", 13) + pad(obj["batch"] as? String ?? "", 11)
                  + String(format: "%10.1f %10.1f %8.0f%% %10.1f %12.0f", d("tokens_per_s"), d("gflops"),
                           100 * d("gflops") / ceiling, d("forward_tokens_per_s"), d("peak_rss_mb")))
            if obj["allreduce_s"] != nil {
                print(String(repeating: " ", count: 26) + String(format: "all-reduce of %.2f GB: %.2f s, %.2f GB/s", d("gradient_gb"), d("allreduce_s"), d("allreduce_gbps")))
            }
            if obj["np2_over_np1"] != nil {
                print(String(repeating: " ", count: 26) + String(format: "2 ranks x 1 thread %.0f tokens/s, 1 rank x %.0f threads %.0f tokens/s (%.2fx); all-reduce %.3f s/step",
                                                               d("np2_tokens_per_s"), d("np1_threads"), d("np1_tokens_per_s"), d("np2_over_np1"), d("np2_allreduce_s_per_step")))
            }
            if obj["parquet_mb_per_s"] != nil {
                print(String(repeating: " ", count: 26) + String(format: "read %.0f MB of zstd Parquet (%.0f rows) at %.1f MB/s of compressed input, %.0f rows/s, peak RSS %.0f MiB",
                                                               d("parquet_file_mb"), d("parquet_rows"), d("parquet_mb_per_s"), d("parquet_rows_per_s"), d("peak_rss_mb")))
            }
            if obj["weights_gbps"] != nil {
                print(String(repeating: " ", count: 26) + String(format: "weights read at %.1f GB/s", d("weights_gbps")))
            }
            if obj["continuous_over_static"] != nil {
                print(String(repeating: " ", count: 26) + String(format: "continuous %.1f tokens/s, static %.1f tokens/s (%.2fx); static with finished rows kept decoding, as transformers' generate: %.1f tokens/s (%.2fx)",
                                                               d("continuous_tokens_per_s"), d("static_tokens_per_s"), d("continuous_over_static"),
                                                               d("static_padded_tokens_per_s"), d("continuous_over_static_padded")))
            }
            let phases = obj.keys.filter { $0.hasPrefix("phase_") }.sorted { d($0) > d($1) }
            if !phases.isEmpty {
                let total = phases.reduce(0) { $0 + d($1) }
                print(String(repeating: " ", count: 26) + "time: " + phases.map {
                    String(format: "%@ %.2f s (%.0f%%)", String($0.dropFirst(6).dropLast(2)), d($0), 100 * d($0) / total)
                }.joined(separator: ", "))
            }
        }
        // Measured after the cases, so that it sees the machine as they left it.
        if names.contains(where: { $0.hasPrefix("gen_") }) {
            let bw = Ceiling.readBandwidthGBps()
            print(String(format: "memory read bandwidth: %.1f GB/s (sum of 1 GiB on every core, best of 3)", bw))
            lines = lines.map { l in
                l.contains("\"name\": \"gen_") ? String(l.dropLast()) + String(format: ", \"read_bandwidth_gbps\": %.2f}", bw) : l
            }
        }
        let dir = (out as NSString).deletingLastPathComponent
        if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        let text = "[\n  " + lines.joined(separator: ",\n  ") + "\n]\n"
        try ArtifactFile.writeAtomically(out, bytes: Array(text.utf8), compress: false)
        print("wrote \(out)")
    }
}

struct OneCase: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "case", abstract: "Run one case; print its JSON.")
    @Argument var name: String
    @Option var ceiling: Double = .nan
    func run() throws {
        let r = try Cases.run(name, ceiling: ceiling.isNaN ? Ceiling.modelGFLOPs().ceiling : ceiling)
        print(r.json)
    }
}

Bench.main()
