import Foundation

/// `dpo-train --eval-generate K`: at every evaluation, the current policy samples one response
/// for each of K fixed eval prompts (same seed each time), and the samples are scored: the
/// reward model's score, the gold reward when one is known, the log-ratio against the
/// reference (its mean estimates KL(π‖π_ref)) and the length. Logged as eval_rm_score,
/// eval_gold, eval_kl, eval_length: the reward–KL path of one run, step by step.
public final class EvalSampling {
    /// Token ids of the K prompts, and their text (for the gold reward).
    public let prompts: [[Int]]
    public let promptTexts: [String]
    let tokenizer: Tokenizer
    let eosTokenIds: [Int]
    let rewardModel: RewardEngine
    let rewardEOS: Int
    let gold: ((String, String) -> Double)?
    /// The reference for the log-ratios: an engine of its own, or the policy with its adapter off.
    let reference: ReferenceEngine
    public var options: GenerationOptions

    /// Where the reference log-probs of the samples come from.
    public enum ReferenceEngine {
        case model(CausalLMEngine)
        case adapterOff
    }

    public init(prompts: [[Int]], promptTexts: [String], tokenizer: Tokenizer, eosTokenIds: [Int],
                rewardModel: ModelDirectory, gold: ((String, String) -> Double)?, reference: ReferenceEngine,
                options: GenerationOptions) throws {
        precondition(prompts.count == promptTexts.count, "one text per prompt")
        guard rewardModel.model.hasScoreHead else {
            throw PrefkitError("\(rewardModel.path): --reward-model needs a reward model (a score head), not a causal LM")
        }
        try options.validate()
        self.prompts = prompts
        self.promptTexts = promptTexts
        self.tokenizer = tokenizer
        self.eosTokenIds = eosTokenIds
        self.rewardModel = RewardEngine(model: rewardModel.model, training: false)
        rewardEOS = rewardModel.eosTokenId
        self.gold = gold
        self.reference = reference
        self.options = options
    }

    /// The eval prompts: the first `count` distinct prompts of the eval pairs, in file order.
    public static func distinctPrompts(_ pairs: [PreferencePair], count: Int) -> (ids: [[Int]], texts: [String]) {
        var ids: [[Int]] = []
        var texts: [String] = []
        var seen = Set<[Int]>()
        for p in pairs where ids.count < count && !seen.contains(p.prompt) {
            seen.insert(p.prompt)
            ids.append(p.prompt)
            texts.append(p.promptText)
        }
        return (ids, texts)
    }

    /// Samples with the policy as it is now and returns the mean of each metric.
    public func metrics(policy: Transformer) throws -> [String: Double] {
        let samples = try Generator(model: decodingModel(policy), tokenizer: tokenizer, eosTokenIds: eosTokenIds, options: options)
            .generate(prompts)
        let responses = samples.map(\.sampledTokens)
        let promptIds = samples.map { prompts[$0.promptIndex] }
        // The reward model reads prompt + response + eos, as rm-score and rm-train do.
        let scored = zip(promptIds, samples).map { p, s in p + s.tokens + [rewardEOS] }
        let rm = RewardScoring.scores(rewardModel, sequences: scored, batchSize: options.batchSize)
        let policyEngine = CausalLMEngine(model: policy, training: false)
        let logp = SampleLogRatio.logProbs(policyEngine, prompts: promptIds, responses: responses, batchSize: options.batchSize)
        let refLogp: [Double]
        switch reference {
        case .model(let e):
            refLogp = SampleLogRatio.logProbs(e, prompts: promptIds, responses: responses, batchSize: options.batchSize)
        case .adapterOff:
            guard let a = policy.lora else { preconditionFailure("adapter-off reference without an adapter") }
            a.enabled = false
            defer { a.enabled = true }
            refLogp = SampleLogRatio.logProbs(policyEngine, prompts: promptIds, responses: responses, batchSize: options.batchSize)
        }
        func mean(_ v: [Double]) -> Double { SummaryStats(v).mean }
        var m: [String: Double] = [
            "rm_score": mean(rm),
            "kl": mean(zip(logp, refLogp).map { $0 - $1 }),
            "length": mean(samples.map { Double($0.tokens.count) }),
        ]
        if let g = gold {
            m["gold"] = mean(samples.map { g(promptTexts[$0.promptIndex], $0.text) })
        }
        return m
    }

    /// Decoding runs on plain weights: with an adapter, a merged copy of the policy.
    /// A frozen half-precision base is widened into the copy (the values training multiplies by).
    func decodingModel(_ policy: Transformer) -> Transformer {
        guard let a = policy.lora, a.enabled else { return policy }
        let merged = policy.widenedCopy()
        a.merge(into: merged)
        return merged
    }
}
