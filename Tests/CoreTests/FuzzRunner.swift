import Core
import Foundation
import XCTest

/// Runs one reader over mutated seed files and classifies each case: accepted, rejected with a
/// PrefkitError naming the file (what a hostile file must get), or a failure (another error
/// type, a message that does not say which file, or a case over the time bound).
/// A crash kills the test process, so the input about to be read is first copied to
/// `lastCasePath`: after a crash, that file is the reproducer.
struct FuzzRunner {
    let target: String
    let ext: String
    let seeds: [[UInt8]]
    let read: (String) throws -> Void

    /// Cases per target: FUZZ_CASES (make fuzz) or the CI default.
    static func cases(default n: Int) -> Int {
        ProcessInfo.processInfo.environment["FUZZ_CASES"].flatMap(Int.init) ?? n
    }
    static var seed: UInt64 { ProcessInfo.processInfo.environment["FUZZ_SEED"].flatMap(UInt64.init) ?? 20_240_611 }
    /// Where failing inputs are kept for triage (promote the nasty ones to Tests/Fixtures/fuzz-corpus).
    static let failureDir = NSTemporaryDirectory() + "prefkit-fuzz-failures"
    static let perCaseLimit: TimeInterval = 5

    struct Counts { var tried = 0, accepted = 0, rejected = 0, failed = 0 }

    func run(cases: Int, in dir: String) -> (Counts, [String]) {
        var counts = Counts()
        var failures: [String] = []
        var mutator = FuzzMutator(seed: Self.seed &+ UInt64(truncatingIfNeeded: target.hashValueStable))
        let lastCase = Self.failureDir + "/last-\(target).\(ext)"
        try? FileManager.default.createDirectory(atPath: Self.failureDir, withIntermediateDirectories: true)
        let watchdog = FuzzWatchdog(limit: Self.perCaseLimit * 4, lastCase: lastCase)
        for i in 0..<cases {
            let seed = seeds[mutator.below(seeds.count)], other = seeds[mutator.below(seeds.count)]
            let bytes = mutator.mutate(seed, other: other)
            let path = "\(dir)/\(target)-\(i).\(ext)"
            // A case that could not be written would read as "no such file", a false rejection.
            guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
                counts.failed += 1
                failures.append("case \(i): cannot write \(path)")
                break
            }
            _ = FileManager.default.createFile(atPath: lastCase, contents: Data(bytes))
            counts.tried += 1
            let t0 = Date()
            watchdog.arm()
            var problem: String? = nil
            do {
                try read(path)
                counts.accepted += 1
            } catch let e as PrefkitError {
                if e.message.contains(path) { counts.rejected += 1 } else { problem = "message does not name the file: \(e.message)" }
            } catch {
                problem = "not a PrefkitError: \(error)"
            }
            watchdog.disarm()
            let dt = Date().timeIntervalSince(t0)
            if problem == nil && dt > Self.perCaseLimit { problem = String(format: "took %.1f s", dt) }
            if let problem {
                counts.failed += 1
                let keep = Self.failureDir + "/\(target)-\(Self.seed)-\(i).\(ext)"
                try? FileManager.default.removeItem(atPath: keep)
                try? FileManager.default.copyItem(atPath: path, toPath: keep)
                if failures.count < 10 { failures.append("case \(i) (kept as \(keep)): \(problem)") }
            }
            try? FileManager.default.removeItem(atPath: path)
        }
        watchdog.stop()
        try? FileManager.default.removeItem(atPath: lastCase)
        return (counts, failures)
    }
}

extension String {
    /// String.hashValue is randomised per process; the mutation stream must not be.
    var hashValueStable: Int { utf8.reduce(5381) { ($0 &* 33) &+ Int($1) } }
}

/// Peak virtual memory of this process (VmPeak, kB), to catch allocations sized by a lying
/// length field: lazily-zeroed pages never show up in RSS, but they do here.
func fuzzPeakVirtualKB() -> Int {
    guard let s = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = s.split(separator: "\n").first(where: { $0.hasPrefix("VmPeak:") }) else { return 0 }
    return Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
}
