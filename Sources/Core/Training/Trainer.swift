import Foundation

/// The training loop every trainer shares: seeded epoch order, gradient accumulation,
/// clipping, schedule, AdamW, metrics.jsonl, progress, periodic eval, atomic checkpoints,
/// exact resume, a stop on NaN/inf with the last good checkpoint named, and a clean
/// checkpoint on SIGINT/SIGTERM.
public final class Trainer {
    public let objective: TrainObjective
    public let options: TrainingOptions
    public let optimizer: AdamW
    /// Fields added to every checkpoint's trainer_state.json and checked on resume
    /// (data digest, model, objective settings): resuming other work is refused.
    public var identity: [String: String] = [:]
    public private(set) var lastMetrics: [String: Double] = [:]
    public private(set) var lastEval: [String: Double]? = nil

    public init(objective: TrainObjective, options: TrainingOptions) {
        self.objective = objective; self.options = options
        optimizer = AdamW(size: objective.trainParams.count, groups: objective.trainGroups,
                          beta1: Float(options.adamBeta1), beta2: Float(options.adamBeta2),
                          eps: Float(options.adamEps), weightDecay: Float(options.weightDecay))
    }

    /// The micro-batches of optimizer step s: epoch e's seeded permutation cut into batches,
    /// `gradAccum` batches per step (the last step of an epoch may take fewer).
    public func microBatches(step s: Int) -> [[Int]] {
        let n = objective.exampleCount, perEpoch = options.stepsPerEpoch(examples: n)
        let epoch = s / perEpoch, j = s % perEpoch
        let order = epochOrder(epoch, n)
        let nb = (n + options.batchSize - 1) / options.batchSize
        return (j * options.gradAccum..<min(nb, (j + 1) * options.gradAccum)).map { b in
            Array(order[(b * options.batchSize)..<min(n, (b + 1) * options.batchSize)])
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
        if !options.quiet { FileHandleLog.write(plan.description) }
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

    @discardableResult
    public func run() throws -> Int {
        try options.validate()
        let fm = FileManager.default
        try fm.createDirectory(atPath: options.outDir, withIntermediateDirectories: true)
        let n = objective.exampleCount
        guard n > 0 else { throw PrefkitError("no training examples: nothing to do") }
        let total = options.totalSteps(examples: n), perEpoch = options.stepsPerEpoch(examples: n)
        let schedule = LRSchedule(kind: options.schedule, peak: options.learningRate,
                                  warmupSteps: options.warmupSteps, totalSteps: total)
        var start = 0, lastCheckpoint: String? = nil
        if options.resume, let (s, path) = TrainerCheckpoint.completeCheckpoints(options.outDir).last {
            let st = try TrainerCheckpoint.restore(path, objective: objective, optimizer: optimizer)
            for (k, v) in identity where (st[k] as? String) != v {
                throw PrefkitError("\(path): was made with \(k) = \(st[k] as? String ?? "nothing"), this run has \(v); refusing to resume other work")
            }
            start = s; lastCheckpoint = path
            if !options.quiet { FileHandleLog.write("resumed from \(path) at step \(s)/\(total)") }
        } else if options.resume, !options.quiet {
            FileHandleLog.write("no checkpoint in \(options.outDir): starting from step 0")
        }
        planCheckpointing()
        let log = try TrainingLog(options: options, resumeAtStep: start)
        let progress = Progress(label: "step", total: total, interactive: options.interactive,
                                every: options.logEvery, quiet: options.quiet)
        StopSignal.install()
        let grads = objective.trainGrads, params = objective.trainParams, groups = objective.trainGroups
        var tokensSeen = 0.0, timeSpent = 0.0
        func state(_ step: Int) -> [String: Any] {
            var st: [String: Any] = ["total_steps": total, "seed": String(options.seed)]
            for (k, v) in identity { st[k] = v }
            if !lastMetrics.isEmpty { st["last_metrics"] = lastMetrics }
            return st
        }
        func checkpoint(_ step: Int) throws {
            try TrainerCheckpoint.save(outDir: options.outDir, step: step, objective: objective,
                                       optimizer: optimizer, state: state(step))
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
                for (k, v) in try objective.accumulate(mb, normalizer: norm) { sums[k, default: 0] += v }
            }
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
            try log.step(s + 1, sums)
            progress.update(done: s + 1, fields: [String(format: "loss %.4f", loss),
                                                  String(format: "%.0f tok/s", tokensSeen / max(timeSpent, 1e-9))])
            let last = s + 1 == total
            if options.evalEvery > 0 && ((s + 1) % options.evalEvery == 0) && !last { try evaluate(step: s + 1, log) }
            if options.saveEvery > 0 && (s + 1) % options.saveEvery == 0 && !last { try checkpoint(s + 1) }
            if StopSignal.isRequested && !last {
                try checkpoint(s + 1)
                progress.finish("interrupted")
                throw PrefkitError("interrupted at step \(s + 1)/\(total); checkpoint saved to \(lastCheckpoint!); run again with --resume to continue")
            }
        }
        try evaluate(step: total, log)
        progress.finish(String(format: "trained %d steps, %.0f tokens/s", total - start, tokensSeen / max(timeSpent, 1e-9)))
        return total
    }

    private func evaluate(step: Int, _ log: TrainingLog) throws {
        guard let m = try objective.evaluate() else { return }
        lastEval = m
        try log.eval(step, m)
        if !options.quiet {
            FileHandleLog.write("eval at step \(step): " + m.keys.sorted().map { $0 + " " + String(format: "%.4f", m[$0]!) }.joined(separator: " "))
        }
    }
}

/// A line to stderr (Core has no terminal of its own; stages decide what else to print).
public enum FileHandleLog {
    public static func write(_ s: String) { FileHandle.standardError.write(Data((s + "\n").utf8)) }
}
