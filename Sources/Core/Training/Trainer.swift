import Foundation

/// The training loop every trainer shares: seeded epoch order, gradient accumulation,
/// clipping, schedule, AdamW, metrics.jsonl, progress, periodic eval, atomic checkpoints,
/// exact resume, a stop on NaN/inf with the last good checkpoint named, and a clean
/// checkpoint on SIGINT/SIGTERM.
///
/// Data-parallel under an MPI launcher: every rank holds the whole model and data, runs its
/// block of each global micro-batch (`BatchShard`), and the ranks meet once per step, in
/// `reduceStep`: gradients summed (each rank's share is already divided by the whole step's
/// normaliser, so the sum is the one-process gradient), metrics summed, and a stop request
/// shared. Every rank then applies the same clipping and AdamW step to the same weights.
/// Rank 0 alone prints, logs, evaluates and writes checkpoints.
public final class Trainer {
    public let objective: TrainObjective
    public let options: TrainingOptions
    public let ranks: Ranks
    public let optimizer: AdamW
    /// Fields added to every checkpoint's trainer_state.json and checked on resume
    /// (data digest, model, objective settings): resuming other work is refused.
    public var identity: [String: String] = [:]
    public private(set) var lastMetrics: [String: Double] = [:]
    public private(set) var lastEval: [String: Double]? = nil

    public init(objective: TrainObjective, options: TrainingOptions, ranks: Ranks = .world) {
        self.objective = objective; self.options = options; self.ranks = ranks
        optimizer = AdamW(size: objective.trainParams.count, groups: objective.trainGroups,
                          beta1: Float(options.adamBeta1), beta2: Float(options.adamBeta2),
                          eps: Float(options.adamEps), weightDecay: Float(options.weightDecay))
    }

    /// The options that fix the data order: --batch-size is per rank, so the global batch is
    /// ranks × batch, and N ranks see exactly the examples of one process with that batch.
    public var orderOptions: TrainingOptions {
        var o = options
        o.batchSize *= ranks.size
        return o
    }

    /// The (global) micro-batches of optimizer step s: epoch e's seeded permutation cut into
    /// batches, `gradAccum` batches per step (the last step of an epoch may take fewer).
    public func microBatches(step s: Int) -> [[Int]] {
        let o = orderOptions
        let n = objective.exampleCount, perEpoch = o.stepsPerEpoch(examples: n)
        let epoch = s / perEpoch, j = s % perEpoch
        let order = epochOrder(epoch, n)
        let nb = (n + o.batchSize - 1) / o.batchSize
        return (j * o.gradAccum..<min(nb, (j + 1) * o.gradAccum)).map { b in
            Array(order[(b * o.batchSize)..<min(n, (b + 1) * o.batchSize)])
        }
    }

    /// Sets gradient checkpointing for the run from the largest micro-batch any step can
    /// have (the `batchSize` longest examples) and says what was chosen.
    public private(set) var checkpointingPlan: CheckpointingPlan?
    func planCheckpointing() {
        guard let acts = objective.trainingActivations else { return }
        let n = objective.exampleCount
        let lengths = (0..<n).map { objective.tokenCount([$0]) }.sorted(by: >)
        let tokens = lengths.prefix(options.batchSize).reduce(0, +)
        let plan = CheckpointingPlan.decide(acts.c, tokens: tokens, forced: options.gradientCheckpointing,
                                            budgetBytes: options.maxMemoryBytes)
        acts.checkpointing = plan.on
        checkpointingPlan = plan
        note(plan.description)
    }

    /// Epoch e's seeded permutation, made once per epoch rather than once per step.
    private var cachedOrder: (epoch: Int, order: [Int])?
    private func epochOrder(_ epoch: Int, _ n: Int) -> [Int] {
        if let c = cachedOrder, c.epoch == epoch, c.order.count == n { return c.order }
        var rng = SplitMix64(seed: options.seed &+ 0x5851_F42D_4C95_7F2D &* UInt64(epoch + 1))
        var order = Array(0..<n)
        order.shuffle(using: &rng)
        cachedOrder = (epoch, order)
        return order
    }

    /// Notes on stderr, from rank 0 only.
    private func note(_ s: String) {
        if !options.quiet && ranks.isRoot { FileHandleLog.write(s) }
    }

    @discardableResult
    public func run() throws -> Int {
        try options.validate()
        let fm = FileManager.default
        if ranks.isRoot { try fm.createDirectory(atPath: options.outDir, withIntermediateDirectories: true) }
        let n = objective.exampleCount
        guard n > 0 else { throw PrefkitError("no training examples: nothing to do") }
        let order = orderOptions
        let total = order.totalSteps(examples: n), perEpoch = order.stepsPerEpoch(examples: n)
        let schedule = LRSchedule(kind: options.schedule, peak: options.learningRate,
                                  warmupSteps: options.warmupSteps, totalSteps: total)
        objective.willTrain(on: ranks)
        let resumed = try resume(total: total)
        let start = resumed.step
        var lastCheckpoint = resumed.path
        planCheckpointing()
        let log = ranks.isRoot ? try TrainingLog(options: options, resumeAtStep: start) : nil
        let progress = Progress(label: "step", total: total, interactive: options.interactive,
                                every: options.logEvery, quiet: options.quiet || !ranks.isRoot)
        StopSignal.install()
        let grads = objective.trainGrads, params = objective.trainParams, groups = objective.trainGroups
        var tokensSeen = 0.0, timeSpent = 0.0
        func state(_ step: Int) -> [String: Any] {
            var st: [String: Any] = ["total_steps": total, "seed": String(options.seed),
                                     "world_size": ranks.size, "global_batch_size": order.batchSize]
            for (k, v) in identity { st[k] = v }
            if !lastMetrics.isEmpty { st["last_metrics"] = lastMetrics }
            return st
        }
        func checkpoint(_ step: Int) throws {
            try checkRanksAgree(params, at: step)
            if ranks.isRoot {
                try TrainerCheckpoint.save(outDir: options.outDir, step: step, objective: objective,
                                           optimizer: optimizer, state: state(step))
            }
            lastCheckpoint = options.outDir + "/" + TrainerCheckpoint.name(step: step)
        }

        for s in start..<total {
            let t0 = Date()
            objective.willStep(s)
            let micro = microBatches(step: s)
            let all = micro.flatMap { $0 }
            let norm = objective.normalizer(all)
            grads.zero()
            var sums: [String: Double] = [:]
            for mb in micro {
                let shard = BatchShard(global: mb, local: ranks.shard(mb.count), ranks: ranks)
                for (k, v) in try objective.accumulate(shard, normalizer: norm) { sums[k, default: 0] += v }
            }
            let stop: Bool
            (sums, stop) = try reduceStep(sums, grads)
            let loss = sums["loss"] ?? .nan
            let gnorm = options.maxGradNorm > 0
                ? GradClip.clip(grads.ptr, groups: groups, maxNorm: options.maxGradNorm)
                : GradClip.norm(grads.ptr, groups: groups)
            guard loss.isFinite, gnorm.isFinite else {
                let what = loss.isFinite ? "gradient norm is \(gnorm)" : "loss is \(loss)"
                let ids = all.sorted().prefix(16).map(String.init).joined(separator: ",")
                throw PrefkitError("step \(s + 1): \(what) (examples \(ids)\(all.count > 16 ? ",…" : "")); training stopped before the update. "
                    + (lastCheckpoint.map { "Last good checkpoint: \($0)" } ?? "No checkpoint was written yet (use --save-every)."))
            }
            let lr = schedule.rate(at: s)
            optimizer.update(params: params.ptr, grads: grads.ptr, lr: Float(lr))
            objective.didStep(s + 1)
            let dt = Date().timeIntervalSince(t0)
            let toks = Double(objective.tokenCount(all))
            tokensSeen += toks; timeSpent += dt
            sums["grad_norm"] = gnorm; sums["learning_rate"] = lr; sums["tokens_per_s"] = toks / max(dt, 1e-9)
            sums["epoch"] = Double(s + 1) / Double(perEpoch)
            lastMetrics = sums
            try log?.step(s + 1, sums)
            progress.update(done: s + 1, fields: [String(format: "loss %.4f", loss),
                                                  String(format: "%.0f tok/s", tokensSeen / max(timeSpent, 1e-9))])
            let last = s + 1 == total
            if options.evalEvery > 0 && ((s + 1) % options.evalEvery == 0) && !last { try evaluate(step: s + 1, log) }
            if options.saveEvery > 0 && (s + 1) % options.saveEvery == 0 && !last { try checkpoint(s + 1) }
            if stop && !last {
                try checkpoint(s + 1)
                progress.finish("interrupted")
                throw PrefkitError("interrupted at step \(s + 1)/\(total); checkpoint saved to \(lastCheckpoint!); run again with --resume to continue")
            }
        }
        try checkRanksAgree(params, at: total)
        try evaluate(step: total, log)
        progress.finish(String(format: "trained %d steps, %.0f tokens/s", total - start, tokensSeen / max(timeSpent, 1e-9)))
        return total
    }

    /// The one point where the ranks meet each step: gradients summed in place (MPI_Allreduce
    /// in buckets), the metric sums added up, and whether any rank was asked to stop (so all
    /// stop at the same step). One process: nothing to do.
    private func reduceStep(_ sums: [String: Double], _ grads: FloatBuffer) throws -> ([String: Double], Bool) {
        guard ranks.isDistributed else { return (sums, StopSignal.isRequested) }
        ranks.allreduceSum(grads.ptr, count: grads.count)
        var m = sums
        m[Self.stopKey] = StopSignal.isRequested ? 1 : 0
        m = try ranks.sum(m)
        let stop = (m.removeValue(forKey: Self.stopKey) ?? 0) > 0
        return (m, stop)
    }
    private static let stopKey = "\u{0}stop"

    /// Ranks that applied the same updates to the same weights hold the same bits; checked
    /// before each checkpoint and at the end, so a divergence is never saved silently.
    private func checkRanksAgree(_ params: FloatBuffer, at step: Int) throws {
        guard ranks.isDistributed else { return }
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        let p = params.ptr
        for i in 0..<params.count { h = (h ^ UInt64(p[i].bitPattern)) &* 0x100_0000_01b3 }
        guard try ranks.agree(h) else {
            throw PrefkitError("step \(step): the ranks' weights differ (rank \(ranks.rank) digest \(String(h, radix: 16))); the all-reduce did not give every rank the same gradient")
        }
    }

    /// --resume: rank 0 finds the newest complete checkpoint and restores it, checks that it is
    /// this run's work and data order, and sends weights and optimizer state to the others, so
    /// only rank 0 needs to see the output directory.
    private func resume(total: Int) throws -> (step: Int, path: String?) {
        guard options.resume else { return (0, nil) }
        var found = -1, path: String? = nil
        if ranks.isRoot {
            if let (s, p) = TrainerCheckpoint.completeCheckpoints(options.outDir).last {
                let st = try TrainerCheckpoint.restore(p, objective: objective, optimizer: optimizer)
                for (k, v) in identity where (st[k] as? String) != v {
                    throw PrefkitError("\(p): was made with \(k) = \(st[k] as? String ?? "nothing"), this run has \(v); refusing to resume other work")
                }
                try checkDataOrder(st, p)
                found = s; path = p
                note("resumed from \(p) at step \(s)/\(total)")
            } else {
                note("no checkpoint in \(options.outDir): starting from step 0")
            }
        }
        found = Int(String(decoding: ranks.broadcast(Array(String(found).utf8)), as: UTF8.self)) ?? -1
        guard found >= 0 else { return (0, nil) }
        if ranks.isDistributed {
            let p = objective.trainParams
            ranks.broadcast(p.ptr, count: p.count)
            ranks.broadcast(optimizer.m.ptr, count: optimizer.m.count)
            ranks.broadcast(optimizer.v.ptr, count: optimizer.v.count)
            let adamStep = Int(String(decoding: ranks.broadcast(Array(String(optimizer.step).utf8)), as: UTF8.self)) ?? 0
            if !ranks.isRoot {
                optimizer.restore(step: adamStep)
                objective.didRestore()
            }
        }
        return (found, path ?? options.outDir + "/" + TrainerCheckpoint.name(step: found))
    }

    /// The data order is the global batch's (ranks × --batch-size): another number of ranks
    /// continues the same run only when it keeps that product. (With the same number of ranks
    /// the check is what it always was: none on the batch size.)
    private func checkDataOrder(_ st: [String: Any], _ path: String) throws {
        let savedRanks = st["world_size"] as? Int ?? 1
        let global = orderOptions.batchSize
        let savedGlobal = st["global_batch_size"] as? Int
        if savedRanks == ranks.size { return }
        if let g = savedGlobal, g == global { return }
        let was = savedGlobal.map { "\(savedRanks) rank(s) with a global batch of \($0)" } ?? "\(savedRanks) rank(s)"
        throw PrefkitError("\(path): was made by \(was); this run has \(ranks.size) rank(s) × --batch-size \(options.batchSize) = \(global). "
                           + "The data order follows the global batch, so resuming would train on other examples: "
                           + "resume with a number of ranks and --batch-size whose product is \(savedGlobal.map(String.init) ?? "the same")")
    }

    private func evaluate(step: Int, _ log: TrainingLog?) throws {
        guard ranks.isRoot, let m = try objective.evaluate() else { return }
        lastEval = m
        try log?.eval(step, m)
        if !options.quiet {
            FileHandleLog.write("eval at step \(step): " + m.keys.sorted().map { $0 + " " + String(format: "%.4f", m[$0]!) }.joined(separator: " "))
        }
    }
}

/// A line to stderr (Core has no terminal of its own; stages decide what else to print).
/// In a job of several ranks only rank 0 writes notes.
public enum FileHandleLog {
    public static func write(_ s: String) {
        if Ranks.world.isRoot { FileHandle.standardError.write(Data((s + "\n").utf8)) }
    }
}
