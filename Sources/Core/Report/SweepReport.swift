import Foundation

/// `make sweep`'s report: one DPO run per (loss, β, seed) from the same SFT model, reward
/// model and reference, each scored on the same eval prompts. It draws the reward–KL frontier
/// for the reward model and for gold (one line per loss, points labelled by β, error bars over
/// seeds), the length distribution of every run, win rates against the base, and a verdict
/// naming the best configuration on gold and where RM and gold disagree (over-optimisation).
///
/// Layout read: DIR/scores_base.jsonl.zst (the SFT policy's samples, KL 0) and
/// DIR/runs/LOSS_bBETA_sSEED/scores.jsonl.zst (rm-score --gold --policy --reference output).
public struct SweepReport {
    public let dir: String
    public init(dir: String) { self.dir = dir }

    public struct Output { public var html: String, summary: JSONValue, terminal: String }

    /// One trained, sampled and scored run.
    struct Run {
        let loss: String, beta: Double, seed: Int
        let rm: Double, gold: Double, kl: Double, length: Double
        /// Standard errors of the run's own means (the error bars when there is one seed).
        let rmErr: Double, goldErr: Double, klErr: Double
        let goldWin: TwoSample.Interval, rmWin: TwoSample.Interval
        let lengths: [Double]
    }

    /// The runs of one (loss, β), averaged over seeds.
    struct Configuration {
        let loss: String, beta: Double, runs: [Run]
        var seeds: Int { runs.count }
        func mean(_ v: (Run) -> Double) -> Double { runs.map(v).reduce(0, +) / Double(runs.count) }
        /// Spread over seeds (std of the seed means); with one seed, the run's standard error.
        func spread(_ v: (Run) -> Double, single: (Run) -> Double) -> Double {
            guard runs.count > 1 else { return single(runs[0]) }
            return SummaryStats(runs.map(v)).std
        }
        var rm: Double { mean(\.rm) }
        var gold: Double { mean(\.gold) }
        var kl: Double { mean(\.kl) }
        var length: Double { mean(\.length) }
        var rmErr: Double { spread(\.rm, single: \.rmErr) }
        var goldErr: Double { spread(\.gold, single: \.goldErr) }
        var klErr: Double { spread(\.kl, single: \.klErr) }
        var goldWin: Double { mean(\.goldWin.estimate) }
        var name: String { "\(loss) β=\(SweepReport.betaLabel(beta))" }
    }

    /// Run directory names: LOSS_bBETA_sSEED.
    static func parseRunName(_ name: String) -> (loss: String, beta: Double, seed: Int)? {
        let parts = name.split(separator: "_").map(String.init)
        guard parts.count >= 3 else { return nil }
        let b = parts[parts.count - 2]
        let s = parts[parts.count - 1]
        guard b.hasPrefix("b"), s.hasPrefix("s"), let beta = Double(b.dropFirst()), let seed = Int(s.dropFirst()) else { return nil }
        return (parts.dropLast(2).joined(separator: "_"), beta, seed)
    }

    static func betaLabel(_ b: Double) -> String { String(format: "%g", b) }

    static func meanAndError(_ v: [Double]) -> (Double, Double) {
        let s = SummaryStats(v)
        return (s.mean, s.count > 1 ? s.standardError : 0)
    }

    func loadRun(_ name: String, base: [String: RunArtifacts.Sample]) throws -> Run? {
        guard let (loss, beta, seed) = Self.parseRunName(name) else { return nil }
        let path = dir + "/runs/" + name + "/scores.jsonl.zst"
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let samples = try RunArtifacts.samples(path)
        let gold = samples.compactMap(\.gold)
        let kl = samples.compactMap(\.kl)
        guard gold.count == samples.count, kl.count == samples.count else {
            throw PrefkitError("\(path): every sample needs \"gold\" and \"kl\" (rm-score --gold NAME --policy DIR --reference DIR)")
        }
        let (rm, rmErr) = Self.meanAndError(samples.map(\.score))
        let (g, gErr) = Self.meanAndError(gold)
        let (k, kErr) = Self.meanAndError(kl)
        let lengths = samples.compactMap(\.length)
        let matched = samples.compactMap { s in base[s.key].map { (b: $0, d: s) } }
        let goldWin = TwoSample.winRate(matched.compactMap { p in p.b.gold.flatMap { a in p.d.gold.map { (a: a, b: $0) } } })
        let rmWin = TwoSample.winRate(matched.map { (a: $0.b.score, b: $0.d.score) })
        return Run(loss: loss, beta: beta, seed: seed, rm: rm, gold: g, kl: k, length: SummaryStats(lengths).mean,
                   rmErr: rmErr, goldErr: gErr, klErr: kErr, goldWin: goldWin, rmWin: rmWin, lengths: lengths)
    }

    public func build() throws -> Output {
        let baseSamples = try RunArtifacts.samples(dir + "/scores_base.jsonl.zst")
        let base = Dictionary(baseSamples.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir + "/runs")) ?? []).sorted()
        var runs: [Run] = []
        for n in names {
            if let r = try loadRun(n, base: base) { runs.append(r) }
        }
        guard !runs.isEmpty else { throw PrefkitError("\(dir)/runs: no scored runs (LOSS_bBETA_sSEED/scores.jsonl.zst)") }
        var configs: [Configuration] = []
        for r in runs where !configs.contains(where: { $0.loss == r.loss && $0.beta == r.beta }) {
            configs.append(Configuration(loss: r.loss, beta: r.beta, runs: runs.filter { $0.loss == r.loss && $0.beta == r.beta }))
        }
        configs.sort { ($0.loss, $0.beta) < ($1.loss, $1.beta) }
        let losses = configs.map(\.loss).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        let baseGold = Self.meanAndError(baseSamples.compactMap(\.gold))
        let baseRM = Self.meanAndError(baseSamples.map(\.score))
        let baseLengths = baseSamples.compactMap(\.length)
        let verdict = Self.verdict(configs, losses: losses, baseGold: baseGold.0)
        let seeds = Set(runs.map(\.seed)).count

        var page = HTMLPage(title: "prefkit β / loss sweep")
        page.paragraph("Sweep \(dir): \(runs.count) DPO runs (\(configs.count) configurations × \(seeds) seed\(seeds == 1 ? "" : "s")) from the same SFT model, reward model and reference, each sampled on the same eval prompts at temperature 1. KL is the mean of log π(y|x) − log π_ref(y|x) over the samples, an estimate of KL(π‖π_ref). Gold is the task's known reward; where the reward model keeps rising and gold does not, the policy is over-optimising the reward model.")
        page.heading("Verdict")
        for line in verdict { page.paragraph(line) }
        let errNote = seeds > 1 ? "Error bars: std over seeds." : "Error bars: standard error of each run's mean (one seed)."
        let ref = SVGPlot.FrontierPoint(x: 0, y: baseGold.0, yErr: baseGold.1, label: "SFT")
        page.figure(SVGPlot.frontier(series: frontier(configs, losses, y: \.gold, yErr: \.goldErr), reference: ref,
                                     title: "Gold reward vs KL to the reference", xLabel: "KL(π‖π_ref), nats", yLabel: "gold reward"),
                    caption: "One line per loss, points labelled by β. \(errNote)")
        let refRM = SVGPlot.FrontierPoint(x: 0, y: baseRM.0, yErr: baseRM.1, label: "SFT")
        page.figure(SVGPlot.frontier(series: frontier(configs, losses, y: \.rm, yErr: \.rmErr), reference: refRM,
                                     title: "Reward-model score vs KL to the reference", xLabel: "KL(π‖π_ref), nats",
                                     yLabel: "reward-model score"),
                    caption: errNote)
        page.heading("Every configuration")
        page.table(headers: ["loss", "β", "seeds", "KL", "RM score", "gold", "length (tokens)", "gold win rate vs SFT", "RM win rate vs SFT"],
                   rows: [["SFT (base)", "", "", "0", f(baseRM.0), f(baseGold.0), f(SummaryStats(baseLengths).mean), "", ""]]
                       + configs.map { c in
                           [c.loss, Self.betaLabel(c.beta), String(c.seeds), pm(c.kl, c.klErr), pm(c.rm, c.rmErr), pm(c.gold, c.goldErr),
                            f(c.length), f(c.goldWin), f(c.mean(\.rmWin.estimate))]
                       })
        page.heading("Response lengths")
        for loss in losses {
            let cs = configs.filter { $0.loss == loss }
            let samples = [baseLengths] + cs.map { $0.runs.flatMap(\.lengths) }
            let edges = Histogram.sharedEdges(samples, bins: 24)
            let series = zip(["SFT"] + cs.map { "β=\(Self.betaLabel($0.beta))" }, samples).map {
                SVGPlot.HistogramSeries(name: $0, counts: Histogram($1, edges: edges).counts)
            }
            page.figure(SVGPlot.histograms(series: series, edges: edges, title: "Response length, \(loss)", xLabel: "tokens"))
        }

        let summary = JSONValue.object([
            ("base", .object([("rm_score", .finite(baseRM.0)), ("gold", .finite(baseGold.0)),
                              ("length", .finite(SummaryStats(baseLengths).mean)), ("samples", .number(Double(baseSamples.count)))])),
            ("configurations", .array(configs.map(configJSON))),
            ("runs", .array(runs.map(runJSON))),
            ("best_gold", configs.max { $0.gold < $1.gold }.map(configJSON) ?? .null),
            ("best_rm", configs.max { $0.rm < $1.rm }.map(configJSON) ?? .null),
            ("verdict", .array(verdict.map { .string($0) })),
        ])
        var t = "prefkit sweep: \(dir) (\(runs.count) runs)\n"
        t += "  loss       β       KL        RM      gold   length\n"
        for c in configs {
            let name = c.loss.padding(toLength: max(10, c.loss.count + 1), withPad: " ", startingAt: 0)
            let beta = Self.betaLabel(c.beta).padding(toLength: 7, withPad: " ", startingAt: 0)
            t += "  " + name + beta + String(format: "%7.3f %9.3f %9.3f %8.1f\n", c.kl, c.rm, c.gold, c.length)
        }
        for line in verdict { t += "  " + line + "\n" }
        t += "  report: \(dir)/report.html\n"
        return Output(html: page.render(), summary: summary, terminal: t)
    }

    func frontier(_ configs: [Configuration], _ losses: [String], y: (Configuration) -> Double,
                  yErr: (Configuration) -> Double) -> [SVGPlot.FrontierSeries] {
        losses.map { loss in
            SVGPlot.FrontierSeries(name: loss, points: configs.filter { $0.loss == loss }.map { c in
                SVGPlot.FrontierPoint(x: c.kl, y: y(c), xErr: c.klErr, yErr: yErr(c), label: "β=\(Self.betaLabel(c.beta))")
            })
        }
    }

    /// Best on gold, best on the reward model, and per loss whether gold falls while the
    /// reward model still rises as KL grows (β shrinks): over-optimisation.
    static func verdict(_ configs: [Configuration], losses: [String], baseGold: Double) -> [String] {
        var out: [String] = []
        guard let bestGold = configs.max(by: { $0.gold < $1.gold }), let bestRM = configs.max(by: { $0.rm < $1.rm }) else { return out }
        out.append(String(format: "Best on gold: %@ (gold %.3f, %+.3f over SFT, at KL %.2f).", bestGold.name, bestGold.gold,
                          bestGold.gold - baseGold, bestGold.kl))
        if bestRM.loss == bestGold.loss && bestRM.beta == bestGold.beta {
            out.append("The reward model agrees: the same configuration has the highest reward-model score.")
        } else {
            out.append(String(format: "The reward model disagrees: its best is %@ (RM %.3f, gold %.3f, KL %.2f), %.3f below the gold optimum on gold.",
                              bestRM.name, bestRM.rm, bestRM.gold, bestRM.kl, bestGold.gold - bestRM.gold))
        }
        var found = false
        for loss in losses {
            let path = configs.filter { $0.loss == loss }.sorted { $0.kl < $1.kl }
            guard let peak = path.max(by: { $0.gold < $1.gold }) else { continue }
            // Past the gold peak (more KL), a configuration whose RM score is higher but whose gold
            // is lower by more than the two error bars together.
            let beyond = path.filter { $0.kl > peak.kl && $0.rm > peak.rm && peak.gold - $0.gold > peak.goldErr + $0.goldErr }
            if let worst = beyond.min(by: { $0.gold < $1.gold }) {
                found = true
                out.append(String(format: "Over-optimisation with %@: from β=%@ to β=%@ KL grows %.2f → %.2f, the reward model's score rises %.3f → %.3f while gold falls %.3f → %.3f.",
                                  loss, betaLabel(peak.beta), betaLabel(worst.beta), peak.kl, worst.kl, peak.rm, worst.rm, peak.gold, worst.gold))
            }
            // Past the peak, both falling means the policy broke down rather than fooled the
            // reward model: say so, with the length that usually shows it.
            if let far = path.last, far.kl > peak.kl, peak.gold - far.gold > peak.goldErr + far.goldErr,
               peak.rm - far.rm > peak.rmErr + far.rmErr {
                out.append(String(format: "Degeneration with %@: past β=%@, at β=%@ KL reaches %.1f, responses average %.1f tokens (%.1f at the peak), and both the reward model (%.3f → %.3f) and gold (%.3f → %.3f) fall: the reward model is not fooled.",
                                  loss, betaLabel(peak.beta), betaLabel(far.beta), far.kl, far.length, peak.length,
                                  peak.rm, far.rm, peak.gold, far.gold))
            }
        }
        if !found {
            out.append("No over-optimisation visible: for every loss, gold does not fall (beyond the error bars) where the reward-model score still rises.")
        }
        return out
    }

    func configJSON(_ c: Configuration) -> JSONValue {
        .object([("loss", .string(c.loss)), ("beta", .number(c.beta)), ("seeds", .number(Double(c.seeds))),
                 ("kl", .finite(c.kl)), ("kl_err", .finite(c.klErr)), ("rm_score", .finite(c.rm)), ("rm_score_err", .finite(c.rmErr)),
                 ("gold", .finite(c.gold)), ("gold_err", .finite(c.goldErr)), ("length", .finite(c.length)),
                 ("gold_win_rate", .finite(c.goldWin)), ("rm_win_rate", .finite(c.mean(\.rmWin.estimate)))])
    }

    func runJSON(_ r: Run) -> JSONValue {
        .object([("loss", .string(r.loss)), ("beta", .number(r.beta)), ("seed", .number(Double(r.seed))),
                 ("kl", .finite(r.kl)), ("rm_score", .finite(r.rm)), ("gold", .finite(r.gold)), ("length", .finite(r.length)),
                 ("gold_win_rate", .finite(r.goldWin.estimate)), ("gold_win_rate_ci95", .array([.finite(r.goldWin.lower), .finite(r.goldWin.upper)])),
                 ("rm_win_rate", .finite(r.rmWin.estimate))])
    }

    func f(_ v: Double) -> String { v.isFinite ? String(format: "%.3f", v) : "–" }
    func pm(_ v: Double, _ e: Double) -> String { e > 0 ? "\(f(v)) ± \(f(e))" : f(v) }
}
