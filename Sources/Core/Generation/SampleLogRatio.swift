/// Per-sample log-ratios log π(y|x) − log π_ref(y|x) of sampled responses: with y drawn from
/// π, their mean is a Monte Carlo estimate of KL(π‖π_ref) (the DPO paper's x-axis), and with
/// the reference as policy every ratio is exactly 0. Both models score the same token ids:
/// the prompt ids and the sampled ids as `generate` wrote them, eos included.
public enum SampleLogRatio {
    /// Sum over response tokens of log π(y_t | x, y_<t), `batchSize` samples per forward pass.
    public static func logProbs(_ engine: CausalLMEngine, prompts: [[Int]], responses: [[Int]], batchSize: Int) -> [Double] {
        precondition(prompts.count == responses.count, "one prompt per response")
        var out: [Double] = []
        out.reserveCapacity(responses.count)
        var i = 0
        while i < responses.count {
            let end = min(responses.count, i + max(1, batchSize))
            var b = CompletionBatch()
            for k in i..<end { b.append(prompt: prompts[k], completion: responses[k]) }
            out += b.sequenceSums(engine.logProbs(b))
            i = end
        }
        return out
    }

    /// log π − log π_ref per sample.
    public static func compute(policy: CausalLMEngine, reference: CausalLMEngine, prompts: [[Int]], responses: [[Int]],
                               batchSize: Int) -> [Double] {
        let p = logProbs(policy, prompts: prompts, responses: responses, batchSize: batchSize)
        let r = logProbs(reference, prompts: prompts, responses: responses, batchSize: batchSize)
        return zip(p, r).map { $0 - $1 }
    }

    /// Refuses ids a model cannot embed (a generations file from another tokenizer), naming the
    /// sample, before any forward pass would stop the process on them.
    public static func checkIds(_ ids: [[Int]], vocab: Int, what: String, names: [String]) throws {
        for (k, seq) in ids.enumerated() {
            if let bad = seq.first(where: { $0 < 0 || $0 >= vocab }) {
                throw PrefkitError("\(names[k]): \(what) token id \(bad) is outside the model's vocabulary [0, \(vocab))")
            }
        }
    }
}
