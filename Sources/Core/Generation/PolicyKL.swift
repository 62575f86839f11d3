/// rm-score's KL columns: every generation's log π(y|x) − log π_ref(y|x) on the exact ids
/// `generate` sampled, with both models loaded from their directories.
public enum PolicyKL {
    public static func logRatios(_ samples: [ScoreSample], policy: String, reference: String, data: String,
                                 batchSize: Int, quiet: Bool) throws -> [Double] {
        var prompts: [[Int]] = []
        var responses: [[Int]] = []
        for s in samples {
            guard let p = s.promptIds, let y = s.sampledIds else {
                throw PrefkitError("\(data): sample \(s.id) has no prompt_ids/response_ids: KL needs the ids generate sampled (generations from prefkit's generate)")
            }
            prompts.append(p)
            responses.append(y)
        }
        let names = samples.map { "\(data): sample \($0.id)" }
        var out: [[Double]] = []
        for path in [policy, reference] {
            let md = try ModelDirectory.load(path)
            try SampleLogRatio.checkIds(prompts, vocab: md.model.config.vocabSize, what: "prompt", names: names)
            try SampleLogRatio.checkIds(responses, vocab: md.model.config.vocabSize, what: "response", names: names)
            let engine = CausalLMEngine(model: md.model, training: false)
            out.append(SampleLogRatio.logProbs(engine, prompts: prompts, responses: responses, batchSize: batchSize))
            if !quiet { FileHandleLog.write("log-probs of \(samples.count) samples under \(path)") }
        }
        return zip(out[0], out[1]).map { $0 - $1 }
    }
}
