import Foundation

/// The demo pipeline's report: reward-model curves and test scores, DPO curves, score and gold
/// distributions before vs after DPO with the KS statistic and win rate, and example responses.
/// One self-contained HTML page, a summary.json, and a short terminal summary.
public struct PipelineReport {
    public let run: String
    public var wallSeconds: Double?
    public init(run: String, wallSeconds: Double? = nil) { self.run = run; self.wallSeconds = wallSeconds }

    public struct Output { public var html: String, summary: JSONValue, terminal: String }

    public func build() throws -> Output {
        let rmTest = try RunArtifacts.samples(run + "/rm_test_scores.jsonl.zst")
        let base = try RunArtifacts.samples(run + "/scores_base.jsonl.zst")
        let dpo = try RunArtifacts.samples(run + "/scores_dpo.jsonl.zst")
        let rmLog = try RunArtifacts.metrics(run + "/rm/metrics.jsonl")
        let dpoLog = try RunArtifacts.metrics(run + "/dpo/metrics.jsonl")
        let acc = RunArtifacts.pairAccuracy(rmTest)
        let goldB = base.compactMap(\.gold), goldD = dpo.compactMap(\.gold)
        let sB = SummaryStats(base.map(\.score)), sD = SummaryStats(dpo.map(\.score))
        let gB = SummaryStats(goldB), gD = SummaryStats(goldD)
        let matched = Dictionary(base.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        let pairs = dpo.compactMap { d in matched[d.key].map { (b: $0, d: d) } }
        let goldWin = TwoSample.winRate(pairs.compactMap { p in p.b.gold.flatMap { a in p.d.gold.map { (a: a, b: $0) } } })
        let rmWin = TwoSample.winRate(pairs.map { (a: $0.b.score, b: $0.d.score) })
        let gain = gB.std > 0 ? (gD.mean - gB.mean) / gB.std : .nan
        // KL to the SFT model and lengths, when rm-score was given --policy/--reference.
        let klD = SummaryStats(dpo.compactMap(\.kl))
        let lenB = base.compactMap(\.length), lenD = dpo.compactMap(\.length)

        var page = HTMLPage(title: "prefkit pipeline report")
        page.paragraph("Run \(run). A reward model learned the synthetic reviews preference; DPO moved the SFT policy toward it. Gold is the task's known reward, which also penalises degenerate text, so a policy that games the reward model shows up as a rising reward-model score without a rising gold score.")
        page.table(headers: ["", "base (SFT)", "DPO", "change"], rows: [
            ["reward-model score, mean", f(sB.mean), f(sD.mean), f(sD.mean - sB.mean)],
            ["gold reward, mean", f(gB.mean), f(gD.mean), f(gD.mean - gB.mean)],
            ["gold reward, std", f(gB.std), f(gD.std), ""],
            ["gold gain in base std", "", "", f(gain)],
            ["win rate of DPO over base (gold)", "", f(goldWin.estimate), "95% CI \(f(goldWin.lower)) – \(f(goldWin.upper))"],
            ["win rate of DPO over base (RM)", "", f(rmWin.estimate), "95% CI \(f(rmWin.lower)) – \(f(rmWin.upper))"],
            ["KS statistic (gold / RM)", "", "", "\(f(TwoSample.ks(goldB, goldD))) / \(f(TwoSample.ks(base.map(\.score), dpo.map(\.score))))"],
            ["reward-model test pair accuracy", f(acc), "", ""],
            ["mean log π/π_ref of the samples (a KL estimate only when sampled at temperature 1 without top-k/top-p)", "0", f(klD.mean),
             klD.count > 1 ? "95% CI ± \(f(1.96 * klD.standardError))" : ""],
            ["response length, mean tokens", f(SummaryStats(lenB).mean), f(SummaryStats(lenD).mean),
             f(SummaryStats(lenD).mean - SummaryStats(lenB).mean)],
        ])
        page.heading("Reward model")
        page.figure(SVGPlot.lines(series: series(rmLog, ["loss", "eval_loss"]), title: "Bradley–Terry loss", xLabel: "step", yLabel: "loss"))
        page.figure(SVGPlot.lines(series: series(rmLog, ["accuracy", "eval_accuracy"]), title: "Pair accuracy", xLabel: "step", yLabel: "accuracy"))
        let cs = rmTest.filter { $0.label.hasSuffix("chosen") }.map(\.score), rs = rmTest.filter { $0.label.hasSuffix("rejected") }.map(\.score)
        let e1 = Histogram.sharedEdges([cs, rs], bins: 30)
        page.figure(SVGPlot.histograms(series: [.init(name: "chosen", counts: Histogram(cs, edges: e1).counts),
                                                .init(name: "rejected", counts: Histogram(rs, edges: e1).counts)],
                                       edges: e1, title: "Reward-model scores on test pairs", xLabel: "score"),
                    caption: "Noise-free test pairs, held-out items included. Pair accuracy \(f(acc)).")
        page.heading("DPO")
        page.figure(SVGPlot.lines(series: series(dpoLog, ["loss"]), title: "DPO loss", xLabel: "step", yLabel: "loss"))
        page.figure(SVGPlot.lines(series: series(dpoLog, ["rewards/chosen", "rewards/rejected", "rewards/margins"]),
                                  title: "Implicit rewards β·log(πθ/πref)", xLabel: "step", yLabel: "reward"))
        page.figure(SVGPlot.lines(series: series(dpoLog, ["rewards/accuracies"]), title: "Implicit reward accuracy", xLabel: "step", yLabel: "accuracy"))
        if dpoLog["eval_kl"] != nil {
            page.figure(SVGPlot.lines(series: series(dpoLog, ["eval_rm_score", "eval_gold"]),
                                      title: "Samples during training: reward-model score and gold", xLabel: "step", yLabel: "reward"),
                        caption: "dpo-train --eval-generate: the same eval prompts sampled at every evaluation.")
            page.figure(SVGPlot.lines(series: series(dpoLog, ["eval_kl"]), title: "Samples during training: KL to the reference",
                                      xLabel: "step", yLabel: "KL (nats)"))
        }
        page.heading("Before vs after DPO")
        for (name, a, b) in [("gold reward", goldB, goldD), ("reward-model score", base.map(\.score), dpo.map(\.score))] {
            let e = Histogram.sharedEdges([a, b], bins: 30)
            page.figure(SVGPlot.histograms(series: [.init(name: "base (SFT)", counts: Histogram(a, edges: e).counts),
                                                    .init(name: "DPO", counts: Histogram(b, edges: e).counts)],
                                           edges: e, title: "\(name.capitalized) of generations", xLabel: name),
                        caption: "Means \(f(SummaryStats(a).mean)) → \(f(SummaryStats(b).mean)); KS \(f(TwoSample.ks(a, b))).")
        }
        if !lenB.isEmpty && !lenD.isEmpty {
            let e = Histogram.sharedEdges([lenB, lenD], bins: 24)
            page.figure(SVGPlot.histograms(series: [.init(name: "base (SFT)", counts: Histogram(lenB, edges: e).counts),
                                                    .init(name: "DPO", counts: Histogram(lenD, edges: e).counts)],
                                           edges: e, title: "Response length of generations", xLabel: "tokens"),
                        caption: "Mean \(f(SummaryStats(lenB).mean)) → \(f(SummaryStats(lenD).mean)) tokens. The KL estimate is over the demo's sampling distribution (top-k 50); make sweep samples at temperature 1 without top-k.")
        }
        page.heading("Examples")
        let shown = pairs.prefix(8).map { p in
            [p.b.prompt, p.b.response, f(p.b.score), p.b.gold.map(f) ?? "", p.d.response, f(p.d.score), p.d.gold.map(f) ?? ""]
        }
        page.table(headers: ["prompt", "base response", "RM", "gold", "DPO response", "RM", "gold"], rows: Array(shown))

        var fields: [(String, JSONValue)] = [
            ("rm_test_accuracy", .number(acc)), ("gold_mean_base", .number(gB.mean)), ("gold_std_base", .number(gB.std)),
            ("gold_mean_dpo", .number(gD.mean)), ("gold_std_dpo", .number(gD.std)), ("gold_gain_in_base_std", .number(gain)),
            ("rm_mean_base", .number(sB.mean)), ("rm_mean_dpo", .number(sD.mean)),
            ("gold_win_rate", .number(goldWin.estimate)), ("ks_gold", .number(TwoSample.ks(goldB, goldD))),
            ("generations", .number(Double(dpo.count))),
            ("kl_dpo", .number(klD.mean)), ("length_base", .number(SummaryStats(lenB).mean)),
            ("length_dpo", .number(SummaryStats(lenD).mean)),
        ]
        if let w = wallSeconds { fields.append(("wall_seconds", .number(w))) }
        let summary = JSONValue.object(fields.map { ($0.0, $0.1.doubleValue.map { $0.isFinite ? JSONValue.number($0) : .null } ?? $0.1) })
        var t = "prefkit pipeline: \(run)\n"
        t += "  reward model test pair accuracy  \(f(acc))   (target ≥ 0.9)\n"
        t += "  gold reward   base \(f(gB.mean)) ± \(f(gB.std))   DPO \(f(gD.mean)) ± \(f(gD.std))   gain \(f(gain)) base std (target ≥ 1)\n"
        t += "  RM score      base \(f(sB.mean))   DPO \(f(sD.mean))   shift \(f(sD.mean - sB.mean))\n"
        t += "  log π/π_ref   \(f(klD.mean)) nats (mean over samples)   length \(f(SummaryStats(lenB).mean)) → \(f(SummaryStats(lenD).mean)) tokens\n"
        t += "  DPO beats base on gold in \(f(100 * goldWin.estimate))% of prompts (95% CI \(f(100 * goldWin.lower))–\(f(100 * goldWin.upper)))\n"
        if let w = wallSeconds { t += "  wall time \(Progress.duration(w))\n" }
        t += "  report: \(run)/report.html\n"
        return Output(html: page.render(), summary: summary, terminal: t)
    }

    func series(_ m: [String: [(x: Double, y: Double)]], _ names: [String]) -> [SVGPlot.LineSeries] {
        names.compactMap { n in m[n].map { SVGPlot.LineSeries(name: n, points: $0) } }
    }
    func f(_ v: Double) -> String { v.isFinite ? String(format: "%.3f", v) : "–" }
}
