/// One finished (prompt, sample): its new tokens (eos excluded), text and finish reason.
public struct GeneratedSequence {
    public let promptIndex: Int
    public let sample: Int
    public let tokens: [Int]
    /// Empty when the generator has no tokenizer (benchmarks on random weights).
    public let text: String
    public let finishReason: FinishReason
    /// Decode-and-sample steps spent, eos included: the work done for this sequence.
    public let steps: Int
    /// The eos id that ended the sequence, when one did (finish reason eos).
    public let eosToken: Int?

    /// Every token sampled, the ending eos included: the y whose log-probability under a
    /// policy and a reference gives the sample's log-ratio (KL estimates).
    public var sampledTokens: [Int] { tokens + (eosToken.map { [$0] } ?? []) }
}
