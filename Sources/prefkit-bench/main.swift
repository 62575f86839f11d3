import ArgumentParser
import Core
import Foundation

/// `prefkit-bench run` spawns itself once per case (`prefkit-bench case NAME`) so that each
/// case's peak RSS is its own, then prints the table and writes results.json.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "prefkit-bench",
        abstract: "Throughput benchmarks against the sgemm ceiling measured in the same run.",
        subcommands: [Run.self, OneCase.self, GemmShapes.self])
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
        let ceiling = Ceiling.sgemmGFLOPs()
        print(String(format: "sgemm ceiling: %.1f GFLOP/s (2048³, best of 4, %d BLAS threads)", ceiling, BLASThreads.count))
        let bandwidth = names.contains { $0.hasPrefix("gen_") } ? Ceiling.readBandwidthGBps() : .nan
        if bandwidth.isFinite { print(String(format: "memory read bandwidth: %.1f GB/s (sum of 1 GiB, best of 3)", bandwidth)) }
        var lines: [String] = []
        print("case            shape  batch     tokens/s    GFLOP/s  %ceiling  fwd tok/s  peak RSS MiB")
        for n in names {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
            if !FileManager.default.isExecutableFile(atPath: p.executableURL!.path) {
                p.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            }
            p.arguments = ["case", n, "--ceiling", String(ceiling), "--read-bandwidth", String(bandwidth)]
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
            print(pad(n, 16) + pad(obj["shape"] as? String ?? "", 7) + pad(obj["batch"] as? String ?? "", 7)
                  + String(format: "%10.1f %10.1f %8.0f%% %10.1f %12.0f", d("tokens_per_s"), d("gflops"),
                           100 * d("gflops") / ceiling, d("forward_tokens_per_s"), d("peak_rss_mb")))
            if obj["read_bandwidth_gbps"] != nil {
                print(String(format: "                weights read %.1f GB/s of %.1f GB/s measured read bandwidth",
                             d("weights_gbps"), d("read_bandwidth_gbps")))
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
    @Option var readBandwidth: Double = .nan
    func run() throws {
        let bw = readBandwidth.isNaN && name.hasPrefix("gen_") ? Ceiling.readBandwidthGBps() : readBandwidth
        let r = try Cases.run(name, ceiling: ceiling.isNaN ? Ceiling.sgemmGFLOPs() : ceiling, readBandwidth: bw)
        print(r.json)
    }
}

Bench.main()
