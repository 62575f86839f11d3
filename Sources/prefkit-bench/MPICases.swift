import ArgumentParser
import Core
import Foundation

/// The MPI cases: each starts `mpirun -np 2` on this binary's hidden `mpi-*` subcommands (one
/// process per rank, as the stages run) and reads rank 0's JSON line.
enum MPICases {
    /// Qwen2.5-0.5B's parameter count: the float32 gradient full fine-tuning all-reduces each step.
    static let qwen05bParameters = 494_032_768

    /// allreduce_05b: seconds and GB/s of one MPI_Allreduce (sum, in place, in prefkit's buckets)
    /// of a 0.5B-float gradient between 2 local ranks.
    static func allreduce(_ name: String, ceiling: Double) throws -> CaseResult {
        let r = try launch(2, ["mpi-allreduce", "--floats", String(qwen05bParameters), "--iterations", "3"])
        let seconds = r["seconds"] ?? .nan, bytes = Double(qwen05bParameters * 4)
        return CaseResult(name: name, shape: "0.5b", batch: "2 ranks", tokensPerS: .nan, gflops: .nan, ceiling: ceiling,
                          peakRSS: r["peak_rss_mb"] ?? .nan,
                          extra: ["allreduce_s": seconds, "allreduce_gbps": bytes / seconds / 1e9, "gradient_gb": bytes / 1e9])
    }

    /// dpo_tiny_full_np2: DPO steps (tiny model, full fine-tuning, 16 pairs per global batch) with
    /// 2 ranks × 1 thread against 1 rank × 2 threads, in one run.
    static func dpoNp2(_ name: String, ceiling: Double) throws -> CaseResult {
        let args = ["mpi-dpo", "--pairs", "16", "--iterations", "5"]
        let one = try launch(1, args, threads: ProcessInfo.processInfo.activeProcessorCount)
        let two = try launch(2, args, threads: 1)
        let t1 = one["tokens_per_s"] ?? .nan, t2 = two["tokens_per_s"] ?? .nan
        return CaseResult(name: name, shape: "tiny", batch: "16 pairs", tokensPerS: t2, gflops: .nan, ceiling: ceiling,
                          peakRSS: two["peak_rss_mb"] ?? .nan,
                          extra: ["np1_threads": Double(ProcessInfo.processInfo.activeProcessorCount), "np1_tokens_per_s": t1,
                                  "np2_tokens_per_s": t2, "np2_over_np1": t2 / t1,
                                  "np2_allreduce_s_per_step": two["allreduce_s"] ?? .nan])
    }

    /// Runs this binary under mpirun; returns rank 0's numbers.
    static func launch(_ np: Int, _ args: [String], threads: Int? = nil) throws -> [String: Double] {
        guard let mpirun = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":")
            .map({ String($0) + "/mpirun" }).first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw BenchError("mpirun not found: make deps installs Open MPI")
        }
        let root = getuid() == 0 ? ["--allow-run-as-root"] : []
        let launcher = ["--oversubscribe", "--bind-to", "none", "-np", String(np)] + root
        var env = ProcessInfo.processInfo.environment
        if let t = threads { env["PREFKIT_THREADS"] = String(t) }
        return try ChildNumbers.run(mpirun, launcher + [ChildNumbers.selfExecutable] + args, environment: env,
                                    what: "mpirun \(args.joined(separator: " "))")
    }
}

/// `prefkit-bench mpi-allreduce`: run under mpirun; rank 0 prints the mean seconds per all-reduce.
struct MPIAllreduce: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "mpi-allreduce", shouldDisplay: false)
    @Option var floats: Int
    @Option var iterations = 3
    func run() throws {
        let ranks = try Ranks.start()
        let g = FloatBuffer(count: floats)
        for i in 0..<floats { g.ptr[i] = Float(i % 1024) * 1e-3 }   // touch every page before timing
        ranks.allreduceSum(g.ptr, count: floats)   // warm-up: connections, page faults
        ranks.barrier()
        let t0 = now()
        for _ in 0..<iterations { ranks.allreduceSum(g.ptr, count: floats) }
        let dt = (now() - t0) / Double(iterations)
        if ranks.isRoot { print("{\"seconds\": \(dt), \"peak_rss_mb\": \(peakRSSMiB())}") }
    }
}

/// `prefkit-bench mpi-dpo`: DPO steps on the tiny shape, the global batch sharded over the ranks
/// as the trainer does (BatchShard, one all-reduce per step); rank 0 prints tokens/s.
struct MPIDPO: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "mpi-dpo", shouldDisplay: false)
    @Option var pairs = 16
    @Option var iterations = 5
    func run() throws {
        let ranks = try Ranks.start()
        let policy = BenchShape.tiny.model(seed: 1), c = policy.config
        var rng = SplitMix64(seed: 3)
        func tokens(_ k: Int) -> [Int] { (0..<k).map { _ in Int(rng.next() % UInt64(c.vocabSize)) } }
        let ps = (0..<pairs).map { i in
            PreferencePair(id: "\(i)", source: "bench", promptText: "", chosenText: "", rejectedText: "",
                           prompt: tokens(64), chosen: tokens(64), rejected: tokens(64))
        }
        let obj = try DPOObjective(policy: policy, lora: nil, reference: .model(CausalLMEngine(model: BenchShape.tiny.model(seed: 1), training: false)),
                                   pairs: ps, loss: DPOLossConfig()) { _, _, _ in }
        let opt = AdamW(size: obj.trainParams.count, groups: obj.trainGroups)
        let all = Array(0..<pairs)
        var reduceTime = 0.0
        func step() throws {
            obj.trainGrads.zero()
            let shard = BatchShard(global: all, local: ranks.shard(pairs), ranks: ranks)
            _ = try obj.accumulate(shard, normalizer: obj.normalizer(all))
            let r0 = now()
            ranks.allreduceSum(obj.trainGrads.ptr, count: obj.trainGrads.count)
            reduceTime += now() - r0
            GradClip.clip(obj.trainGrads.ptr, groups: obj.trainGroups, maxNorm: 1)
            opt.update(params: obj.trainParams.ptr, grads: obj.trainGrads.ptr, lr: 1e-6)
        }
        try step()
        reduceTime = 0
        ranks.barrier()
        let t0 = now()
        for _ in 0..<iterations { try step() }
        let dt = (now() - t0) / Double(iterations)
        if ranks.isRoot {
            print("{\"tokens_per_s\": \(Double(2 * pairs * 128) / dt), \"allreduce_s\": \(reduceTime / Double(iterations)), \"peak_rss_mb\": \(peakRSSMiB())}")
        }
    }
}
