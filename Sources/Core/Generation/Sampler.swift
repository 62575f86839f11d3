/// Picks the next token from a row of logits: greedy at temperature 0, otherwise the warpers
/// in HF's order (temperature, top-k, top-p) and one categorical draw. Holds its scratch,
/// so keep one per thread; it never writes to the logits (rows may share them).
public struct Sampler {
    public let config: SamplingConfig
    private var candidates = Candidates()
    private var topK: TopKWarper?
    private var topP: TopPWarper?

    public init(_ config: SamplingConfig) {
        self.config = config
        topK = config.topK > 0 ? TopKWarper(k: config.topK) : nil
        topP = config.topP < 1 ? TopPWarper(p: config.topP) : nil
    }

    public mutating func sample(_ logits: UnsafePointer<Float>, vocab: Int, rng: inout SplitMix64) -> Int {
        if config.isGreedy { return GreedySampler.pick(logits, vocab: vocab) }
        if topK != nil {
            topK!.apply(logits, vocab: vocab, temperature: config.temperature, into: &candidates)
        } else {
            TemperatureWarper(temperature: config.temperature).apply(logits, vocab: vocab, into: &candidates)
        }
        if topP != nil { topP!.apply(&candidates) }
        return CategoricalSampler.draw(candidates, rng: &rng)
    }
}
