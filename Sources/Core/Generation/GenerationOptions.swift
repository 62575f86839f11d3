/// Everything `generate` decides besides the model and the data.
public struct GenerationOptions {
    public var maxNewTokens = 256
    public var sampling = SamplingConfig()
    public var samplesPerPrompt = 1
    public var seed: UInt64 = 0
    /// Sequences decoded together (prompts × samples, in input order).
    public var batchSize = 8
    /// Whether a finished sequence's slot takes the next one at once (outputs are the same).
    public var batching = Batching.continuous
    public var stopStrings: [String] = []
    public var weightsDType = WeightsDType.f32
    /// Benchmarks only: run to maxNewTokens even past eos.
    public var ignoreEOS = false

    public init() {}

    public func validate() throws {
        try sampling.validate()
        guard maxNewTokens >= 1 else { throw PrefkitError("max-new-tokens must be ≥ 1, got \(maxNewTokens)") }
        guard samplesPerPrompt >= 1 else { throw PrefkitError("num-samples-per-prompt must be ≥ 1, got \(samplesPerPrompt)") }
        guard batchSize >= 1 else { throw PrefkitError("batch-size must be ≥ 1, got \(batchSize)") }
        if sampling.isGreedy && samplesPerPrompt > 1 {
            throw PrefkitError("greedy decoding (temperature 0) gives \(samplesPerPrompt) identical samples; set a temperature > 0")
        }
    }
}
