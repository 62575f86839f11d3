import Core
import Foundation
import XCTest

/// The stages under `mpirun --oversubscribe -np 2`: data-parallel training equals one process
/// with the global batch (2 ranks × B against 1 rank × 2B, 3 AdamW steps, weights within 1e-4
/// relative, the error printed), the sharded inference stages write byte-identical outputs, a
/// killed or failing rank stops the job naming the rank with no output left, and a resume with
/// another number of ranks is refused unless the global batch is kept. Skipped, and said so,
/// where Open MPI is not installed (`make deps` installs it) or under the sanitizers.
final class MPICLITests: XCTestCase {
    /// mpirun with what running as root needs, or a skip that says why not.
    static func mpirun() throws -> String {
        let env = ProcessInfo.processInfo.environment
        if env["ASAN_OPTIONS"] != nil || env["TSAN_OPTIONS"] != nil {
            // Open MPI's runtime leaks by design and its shared-memory transport synchronises in
            // ways TSan cannot see: reports there would be about Open MPI, not about prefkit.
            throw XCTSkip("MPI launches are skipped under the sanitizers (Open MPI's own leaks and lock-free shared memory)")
        }
        for dir in (env["PATH"] ?? "/usr/bin").split(separator: ":") {
            let p = String(dir) + "/mpirun"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        throw XCTSkip("Open MPI is not installed (no mpirun on PATH): make deps installs openmpi-bin libopenmpi-dev")
    }

    /// Runs `stage` under mpirun with np ranks; (exit status, everything printed).
    @discardableResult
    static func launch(_ np: Int, _ stage: String, _ args: [String], log: String? = nil, env: [String: String] = [:],
                       whileRunning: ((Process) throws -> Void)? = nil) throws -> (Int32, String) {
        let mpi = try mpirun()
        let bin = try StageCLI.require(stage)
        let logPath = log ?? NSTemporaryDirectory() + "prefkit-mpi-\(getpid())-\(UUID().uuidString).log"
        defer { if log == nil { try? FileManager.default.removeItem(atPath: logPath) } }
        let root = getuid() == 0 ? ["--allow-run-as-root"] : []
        let p = try StageCLI.startProcess(mpi, ["--oversubscribe", "-np", String(np)] + root + [bin] + args, log: logPath, env: env)
        try whileRunning?(p)
        p.waitUntilExit()
        return (p.terminationStatus, (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "")
    }

    /// A corpus, a small SFT model (the starting point of the others) and preference data, made once.
    nonisolated(unsafe) static var shared: String? = nil
    func fixture() throws -> String {
        if let d = Self.shared { return d }
        _ = try Self.mpirun()
        let dir = NSTemporaryDirectory() + "prefkit-mpi-\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try writeSFTCorpus(dir + "/corpus.jsonl")
        let (rc, out) = try StageCLI.run("sft-train", ["--init-config", "nano", "--data", dir + "/corpus.jsonl", "--vocab-size", "300",
                                                       "--max-length", "32", "--batch-size", "4", "--max-steps", "20", "--lr", "3e-3",
                                                       "--seed", "3", "--out", dir + "/sft", "--quiet"])
        XCTAssertEqual(rc, 0, out)
        let words = ["kettle", "screen", "battery", "charger", "quiet", "fast", "broken", "great", "cheap", "warm"]
        var prefs: [String] = [], prompts: [String] = []
        for i in 0..<21 {
            let a = words[i % 10], b = words[(i * 3 + 1) % 10], c = words[(i * 7 + 2) % 10]
            prefs.append(JSONValue.object([("prompt", .string("Review the \(a):")), ("chosen", .string(" The \(a) is \(b).")),
                                           ("rejected", .string(" The \(a) is \(c) and \(b) and \(c)."))]).serialized())
            prompts.append(JSONValue.object([("id", .string("p\(i)")), ("prompt", .string("Review the \(a) and the \(b):"))]).serialized())
        }
        try ArtifactFile.writeAtomically(dir + "/prefs.jsonl", string: prefs.joined(separator: "\n") + "\n", compress: false)
        try ArtifactFile.writeAtomically(dir + "/prompts.jsonl", string: prompts.joined(separator: "\n") + "\n", compress: false)
        Self.shared = dir
        return dir
    }

    override class func tearDown() {
        if let d = shared { try? FileManager.default.removeItem(atPath: d) }
        shared = nil
    }

    /// ‖a − b‖ / ‖a‖ over every tensor of two safetensors files (printed).
    func relativeError(_ a: String, _ b: String, _ what: String) throws -> Double {
        let x = try safetensorsValues(a), y = try safetensorsValues(b)
        XCTAssertEqual(Set(x.keys), Set(y.keys), what)
        var num = 0.0, den = 0.0
        for (k, u) in x {
            guard let v = y[k], v.count == u.count else { XCTFail("\(what): \(k) differs in shape"); continue }
            for i in u.indices { num += Double(u[i] - v[i]) * Double(u[i] - v[i]); den += Double(u[i]) * Double(u[i]) }
        }
        let rel = (num / max(den, 1e-30)).squareRoot()
        print("\(what): 2 ranks × batch B vs 1 rank × batch 2B after 3 steps: relative error \(rel)")
        return rel
    }

    /// One process with batch 2B and two ranks with batch B, 3 steps each; weights compared.
    func assertDataParallelMatches(_ stage: String, _ args: [String], batch: Int, weights: String = "model.safetensors",
                                   _ what: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let dir = try fixture()
        let one = dir + "/\(what)-one", two = dir + "/\(what)-two"
        let common = args + ["--max-steps", "3", "--seed", "5", "--quiet"]
        let (rc1, out1) = try StageCLI.run(stage, common + ["--batch-size", String(2 * batch), "--out", one])
        XCTAssertEqual(rc1, 0, out1, file: file, line: line)
        let (rc2, out2) = try Self.launch(2, stage, common + ["--batch-size", String(batch), "--out", two])
        XCTAssertEqual(rc2, 0, out2, file: file, line: line)
        let rel = try relativeError(one + "/" + weights, two + "/" + weights, what)
        XCTAssertLessThanOrEqual(rel, 1e-4, "\(what): relative error \(rel)", file: file, line: line)
        // Training moved the weights (an unchanged model would compare equal too).
        if weights == "model.safetensors" && stage != "rm-train" {
            let moved = try relativeError(dir + "/sft/model.safetensors", one + "/model.safetensors", what + " (start vs trained)")
            XCTAssertGreaterThan(moved, 1e-6, file: file, line: line)
        }
        // Rank 0 alone wrote metrics, one record per step.
        let steps = try String(contentsOfFile: two + "/metrics.jsonl", encoding: .utf8).split(separator: "\n").filter { !$0.contains("eval_") }
        XCTAssertEqual(steps.count, 3, file: file, line: line)
    }

    func testSFTTwoRanksMatchOneProcessWithTheGlobalBatch() throws {
        let dir = try fixture()
        try assertDataParallelMatches("sft-train", ["--model", dir + "/sft", "--data", dir + "/corpus.jsonl", "--max-length", "32",
                                                    "--lr", "1e-3"], batch: 2, "sft")
    }

    func testRewardTrainingTwoRanksMatchOneProcess() throws {
        let dir = try fixture()
        try assertDataParallelMatches("rm-train", ["--model", dir + "/sft", "--data", dir + "/prefs.jsonl", "--lr", "1e-3"],
                                      batch: 2, "rm")
    }

    func testDPOSigmoidTwoRanksMatchOneProcess() throws {
        let dir = try fixture()
        try assertDataParallelMatches("dpo-train", ["--model", dir + "/sft", "--data", dir + "/prefs.jsonl", "--lr", "1e-3"],
                                      batch: 2, "dpo-sigmoid")
    }

    /// bco_pair's running mean and aot's sorting span the micro-batch: gathered across ranks.
    func testDPOBatchWideLossesTwoRanksMatchOneProcess() throws {
        let dir = try fixture()
        try assertDataParallelMatches("dpo-train", ["--model", dir + "/sft", "--data", dir + "/prefs.jsonl", "--lr", "1e-3",
                                                    "--loss-type", "bco_pair,aot"], batch: 2, "dpo-bco-aot")
    }

    func testDPOLoRATwoRanksMatchOneProcess() throws {
        let dir = try fixture()
        try assertDataParallelMatches("dpo-train", ["--model", dir + "/sft", "--data", dir + "/prefs.jsonl", "--lr", "1e-2",
                                                    "--lora-r", "4", "--lora-dropout", "0"], batch: 2,
                                      weights: "adapter_model.safetensors", "dpo-lora")
    }

    /// KTO's KL pairs (prompt i with completion i+1 of the micro-batch) and z0 cross ranks.
    func testKTOTwoRanksMatchOneProcess() throws {
        let dir = try fixture()
        try assertDataParallelMatches("dpo-train", ["--model", dir + "/sft", "--data", dir + "/prefs.jsonl", "--lr", "1e-3",
                                                    "--loss-type", "kto"], batch: 3, "kto")
    }

    /// Each rank gets as many threads as the one-process run has: OpenBLAS's sums depend on its
    /// thread count in the last bit (one process with 1 and 2 threads differs too), and the
    /// claim here is that sharding itself changes nothing.
    static let sameThreads = ["PREFKIT_THREADS": String(ProcessInfo.processInfo.activeProcessorCount)]

    func testShardedPrecomputeRefIsByteIdentical() throws {
        let dir = try fixture()
        let args = ["precompute-ref", "--model", dir + "/sft", "--data", dir + "/prefs.jsonl", "--eval-data", dir + "/prefs.jsonl",
                    "--batch-size", "4", "--quiet"]
        let (rc1, out1) = try StageCLI.run("dpo-train", args + ["--out", dir + "/ref1.safetensors"])
        XCTAssertEqual(rc1, 0, out1)
        let (rc2, out2) = try Self.launch(2, "dpo-train", args + ["--out", dir + "/ref2.safetensors"], env: Self.sameThreads)
        XCTAssertEqual(rc2, 0, out2)
        try assertSameBytes(dir + "/ref1.safetensors", dir + "/ref2.safetensors")
    }

    /// A reward model trained briefly from the SFT model.
    func rewardModel() throws -> String {
        let dir = try fixture()
        let rm = dir + "/rm-for-score"
        if !FileManager.default.fileExists(atPath: rm + "/model.safetensors") {
            let (rc, out) = try StageCLI.run("rm-train", ["--model", dir + "/sft", "--data", dir + "/prefs.jsonl", "--max-steps", "2",
                                                          "--batch-size", "4", "--out", rm, "--quiet"])
            XCTAssertEqual(rc, 0, out)
        }
        return rm
    }

    func testShardedRMScoreIsByteIdentical() throws {
        let dir = try fixture(), rm = try rewardModel()
        for (name, extra) in [("shared", [String]()), ("separate", ["--no-share-prompt"])] {
            let args = ["--model", rm, "--data", dir + "/prefs.jsonl", "--batch-size", "5", "--quiet"] + extra
            let (rc1, out1) = try StageCLI.run("rm-score", args + ["--out", dir + "/s1-\(name).jsonl.zst", "--summary", dir + "/s1-\(name).json"])
            XCTAssertEqual(rc1, 0, out1)
            let (rc2, out2) = try Self.launch(2, "rm-score", args + ["--out", dir + "/s2-\(name).jsonl.zst", "--summary", dir + "/s2-\(name).json"],
                                               env: Self.sameThreads)
            XCTAssertEqual(rc2, 0, out2)
            try assertSameBytes(dir + "/s1-\(name).jsonl.zst", dir + "/s2-\(name).jsonl.zst")
            try assertSameBytes(dir + "/s1-\(name).json", dir + "/s2-\(name).json")
        }
    }

    func testShardedGenerateIsByteIdenticalWithSeededSamples() throws {
        let dir = try fixture()
        let args = ["--model", dir + "/sft", "--prompts", dir + "/prompts.jsonl", "--max-new-tokens", "12", "--temperature", "1",
                    "--num-samples-per-prompt", "2", "--batch-size", "3", "--seed", "11", "--template", "plain"]
        let (rc1, out1) = try StageCLI.run("generate", args + ["--out", dir + "/g1.jsonl.zst"])
        XCTAssertEqual(rc1, 0, out1)
        let (rc2, out2) = try Self.launch(2, "generate", args + ["--out", dir + "/g2.jsonl.zst"], env: Self.sameThreads)
        XCTAssertEqual(rc2, 0, out2)
        try assertSameBytes(dir + "/g1.jsonl.zst", dir + "/g2.jsonl.zst")
        XCTAssert(out2.contains("42 responses for 21 prompts"), out2)
    }

    /// kill -9 of rank 1 mid-training: mpirun exits non-zero naming the rank and the signal;
    /// no model, no checkpoint.
    func testKilledRankStopsTheJobWithoutOutputs() throws {
        let dir = try fixture()
        let out = dir + "/killed"
        let args = ["--model", dir + "/sft", "--data", dir + "/corpus.jsonl", "--max-length", "32", "--batch-size", "2",
                    "--max-steps", "100000", "--save-every", "1000000", "--out", out, "--quiet"]
        let (rc, log) = try Self.launch(2, "sft-train", args) { mpirun in
            // Rank 1 is the child of mpirun whose environment says OMPI_COMM_WORLD_RANK=1.
            var victim: Int32? = nil
            let deadline = Date().addingTimeInterval(60)
            while victim == nil && Date() < deadline {
                victim = Self.child(of: mpirun.processIdentifier, rank: 1)
                if victim == nil { usleep(100_000) }
            }
            guard let pid = victim else { XCTFail("no rank 1 found"); mpirun.terminate(); return }
            // Let it train a little, then kill it.
            while FileManager.default.fileExists(atPath: out + "/metrics.jsonl") == false && Date() < deadline { usleep(50_000) }
            usleep(300_000)
            kill(pid, SIGKILL)
        }
        XCTAssertNotEqual(rc, 0, log)
        XCTAssert(log.contains("rank 1") && (log.contains("signal 9") || log.contains("Killed")), log)
        let left = StageCLI.files(out).filter { $0 != "metrics.jsonl" }
        XCTAssertEqual(left, [], "left behind: \(left)")
    }

    /// A bad record that only rank 1's block holds (a generation without the ids KL needs):
    /// the job stops with rank 1's message and rm-score writes nothing.
    func testFailingRankNamesItselfAndLeavesNoOutput() throws {
        let dir = try fixture()
        var lines: [String] = []
        for i in 0..<8 {
            var fields: [(String, JSONValue)] = [("id", .string("g\(i)")), ("prompt", .string("Review the kettle:")),
                                                 ("response", .string(" The kettle is warm."))]
            if i < 7 { fields += [("prompt_ids", .array([.number(5), .number(6)])), ("response_ids", .array([.number(7)]))] }
            lines.append(JSONValue.object(fields).serialized())
        }
        try ArtifactFile.writeAtomically(dir + "/gens.jsonl", string: lines.joined(separator: "\n") + "\n", compress: false)
        let (rc, log) = try Self.launch(2, "rm-score", ["--model", try rewardModel(), "--data", dir + "/gens.jsonl", "--policy", dir + "/sft",
                                                        "--reference", dir + "/sft", "--batch-size", "2",
                                                        "--out", dir + "/bad-scores.jsonl", "--quiet"])
        XCTAssertNotEqual(rc, 0, log)
        XCTAssert(log.contains("error (rank 1 of 2)") && log.contains("sample g7 has no prompt_ids"), log)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/bad-scores.jsonl"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/summary.json"))
    }

    /// Checkpoints record ranks and global batch: another N resumes only with the same global batch.
    func testResumeWithOtherRankCountNeedsTheSameGlobalBatch() throws {
        let dir = try fixture()
        let out = dir + "/resume"
        let base = ["--model", dir + "/sft", "--data", dir + "/corpus.jsonl", "--max-length", "32", "--save-every", "1",
                    "--seed", "5", "--out", out, "--quiet"]
        var (rc, log) = try Self.launch(2, "sft-train", base + ["--batch-size", "2", "--max-steps", "2"])
        XCTAssertEqual(rc, 0, log)
        (rc, log) = try StageCLI.run("sft-train", base + ["--batch-size", "2", "--max-steps", "3", "--resume"])
        XCTAssertEqual(rc, 1, log)
        XCTAssert(log.contains("was made by 2 rank(s) with a global batch of 4") && log.contains("product is 4"), log)
        (rc, log) = try StageCLI.run("sft-train", base + ["--batch-size", "4", "--max-steps", "3", "--resume"])
        XCTAssertEqual(rc, 0, log)
    }

    func assertSameBytes(_ a: String, _ b: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let x = try Data(contentsOf: URL(fileURLWithPath: a)), y = try Data(contentsOf: URL(fileURLWithPath: b))
        XCTAssert(x == y && !x.isEmpty, "\(a) and \(b) differ (\(x.count) vs \(y.count) bytes)", file: file, line: line)
    }

    /// The pid of mpirun's child that is rank `rank` (Linux /proc).
    static func child(of parent: Int32, rank: Int) -> Int32? {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = Int32(name), let stat = try? String(contentsOfFile: "/proc/\(name)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 2, Int32(fields[1]) == parent,
                  let env = FileManager.default.contents(atPath: "/proc/\(name)/environ") else { continue }
            if env.split(separator: 0).contains(where: { String(decoding: $0, as: UTF8.self) == "OMPI_COMM_WORLD_RANK=\(rank)" }) { return pid }
        }
        return nil
    }
}

/// The pieces of the MPI support that need no launcher.
final class RanksTests: XCTestCase {
    func testShardsCoverTheInputInOrderAtWholeUnits() {
        for count in [0, 1, 5, 21, 64] {
            for size in 1...4 {
                for unit in [1, 3, 8] {
                    let parts = (0..<size).map { Ranks.shard(count, unit: unit, rank: $0, size: size) }
                    XCTAssertEqual(parts.flatMap { Array($0) }, Array(0..<count))
                    for p in parts.dropLast() { XCTAssertEqual(p.count % unit, 0, "count \(count) size \(size) unit \(unit)") }
                }
            }
        }
        XCTAssertEqual(Ranks.commonUnit(4, 6), 12)
        XCTAssertEqual(Ranks.commonUnit(5, 4), 20)
    }

    func testLaunchEnvironmentIsReadFromTheLaunchersVariables() {
        XCTAssertNil(LaunchEnvironment.detect([:]))
        XCTAssertNil(LaunchEnvironment.detect(["SLURM_JOB_ID": "1", "SLURM_NTASKS": "4"]), "a shell in salloc is no launch")
        let o = LaunchEnvironment.detect(["OMPI_COMM_WORLD_SIZE": "4", "OMPI_COMM_WORLD_RANK": "2", "OMPI_COMM_WORLD_LOCAL_SIZE": "2"])
        XCTAssertEqual(o?.rank, 2); XCTAssertEqual(o?.size, 4)
        XCTAssertEqual(o?.threadsPerRank(cores: 16, env: [:]), 8)
        XCTAssertEqual(o?.threadsPerRank(cores: 16, env: ["PREFKIT_THREADS": "3"]), 3)
        let s = LaunchEnvironment.detect(["PMIX_RANK": "1", "SLURM_NTASKS": "8", "SLURM_NTASKS_PER_NODE": "4"])
        XCTAssertEqual(s?.rank, 1); XCTAssertEqual(s?.size, 8); XCTAssertEqual(s?.threadsPerRank(cores: 8, env: [:]), 2)
    }

    func testOneProcessIsASingleRankWithoutMPI() throws {
        let r = try Ranks.start()
        XCTAssertEqual(r.size, 1)
        XCTAssertEqual(try r.sum(["a": 1]), ["a": 1])
        XCTAssertEqual(try r.gatherInOrder([1.0, 2.0]), [1.0, 2.0])
    }
}
