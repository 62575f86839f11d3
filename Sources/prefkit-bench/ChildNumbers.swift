import Foundation

/// Cases that measure in a child process (its own peak RSS, or MPI ranks) read the child's
/// numbers from the last line it prints: a JSON object of numbers.
enum ChildNumbers {
    /// This bench binary, for children that run one of its subcommands.
    static var selfExecutable: String {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
    }

    /// Runs `executable arguments` and returns the numbers of its last stdout line; `what`
    /// names the run in the error when it fails or prints no such line.
    static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                    what: String) throws -> [String: Double] {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        if let environment {
            p.environment = environment
        }
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let last = String(decoding: data, as: UTF8.self).split(separator: "\n").last
        guard p.terminationStatus == 0, let line = last,
              let obj = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            throw BenchError("\(what) failed (exit \(p.terminationStatus))")
        }
        return obj.compactMapValues { ($0 as? NSNumber)?.doubleValue }
    }
}
