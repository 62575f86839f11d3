import Core
import Foundation
import XCTest

/// The stage executables of this build (.build/release beside the test bundle), for tests
/// that check behaviour only visible through a command line: exit codes, signals, files left.
enum StageCLI {
    static func path(_ name: String) -> String? {
        var dirs: [URL] = []
        for p in [Bundle.main.executablePath, CommandLine.arguments.first].compactMap({ $0 }) {
            var u = URL(fileURLWithPath: p).deletingLastPathComponent()
            for _ in 0..<4 { dirs.append(u); u.deleteLastPathComponent() }
        }
        var root = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { root.deleteLastPathComponent() }
        dirs.append(root.appendingPathComponent(".build/release"))
        return dirs.map { $0.appendingPathComponent(name).path }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static func require(_ name: String) throws -> String {
        guard let p = path(name) else { throw XCTSkip("\(name) not built (swift build -c release)") }
        return p
    }

    /// Starts the stage with stdout+stderr going to `log` (a file, so a killed child cannot block on a pipe).
    static func start(_ name: String, _ args: [String], log: String, env: [String: String] = [:]) throws -> Process {
        try startProcess(try require(name), args, log: log, env: env)
    }

    /// Starts any executable (a stage, or mpirun running stages) as `start` does: output to
    /// `log`, and CI=1 so the stage draws no interactive progress.
    static func startProcess(_ executable: String, _ args: [String], log: String, env: [String: String] = [:]) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = args
        var e = ProcessInfo.processInfo.environment
        e["CI"] = "1"  // no interactive progress redraws in the log
        for (k, v) in env { e[k] = v }
        p.environment = e
        guard FileManager.default.createFile(atPath: log, contents: nil), let h = FileHandle(forWritingAtPath: log) else {
            throw PrefkitError("\(log): cannot create the log of \(executable)")
        }
        p.standardOutput = h; p.standardError = h
        try p.run()
        return p
    }

    /// Runs to completion; (exit status, everything printed).
    @discardableResult
    static func run(_ name: String, _ args: [String], env: [String: String] = [:]) throws -> (Int32, String) {
        let log = NSTemporaryDirectory() + "prefkit-cli-\(getpid())-\(UUID().uuidString).log"
        defer { try? FileManager.default.removeItem(atPath: log) }
        let p = try start(name, args, log: log, env: env)
        p.waitUntilExit()
        let out = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        return (p.terminationStatus, out)
    }

    static func files(_ dir: String) -> [String] {
        ((try? FileManager.default.subpathsOfDirectory(atPath: dir)) ?? []).sorted()
    }
}

/// A small SFT corpus with enough variety that a nano model trained from scratch on it takes
/// a few hundred milliseconds per run.
func writeSFTCorpus(_ path: String, records: Int = 24) throws {
    let words = ["kettle", "screen", "battery", "charger", "quiet", "fast", "broken", "great", "cheap", "warm"]
    var lines: [String] = []
    for i in 0..<records {
        let a = words[i % words.count], b = words[(i * 7 + 3) % words.count]
        lines.append(JSONValue.object([("prompt", .string("Review the \(a):")), ("completion", .string(" The \(a) is \(b) and \(words[(i + 5) % words.count]).") )]).serialized())
    }
    try ArtifactFile.writeAtomically(path, string: lines.joined(separator: "\n") + "\n", compress: false)
}

/// The tensors of a model.safetensors, for exact comparisons between runs.
func safetensorsValues(_ path: String) throws -> [String: [Float]] {
    let f = try SafetensorsFile(path: path)
    var out: [String: [Float]] = [:]
    for n in f.names { out[n] = try f.floats(n) }
    return out
}
