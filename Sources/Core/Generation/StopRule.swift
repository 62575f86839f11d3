/// When a sequence is finished and what its response is: eos ids end it (the eos token is
/// not part of the response), a stop string cuts the decoded text at its first occurrence,
/// and max_new_tokens ends it otherwise.
public struct StopRule {
    public let eosTokenIds: Set<Int>
    public let stopStrings: [String]
    public let maxNewTokens: Int
    /// For benchmarks that need exactly maxNewTokens tokens.
    public let ignoreEOS: Bool
    let tokenizer: Tokenizer?

    public init(eosTokenIds: [Int], stopStrings: [String], maxNewTokens: Int, ignoreEOS: Bool, tokenizer: Tokenizer?) throws {
        if !stopStrings.isEmpty && tokenizer == nil {
            throw PrefkitError("stop strings need a tokenizer to decode the generated text")
        }
        if stopStrings.contains("") { throw PrefkitError("a stop string must not be empty") }
        self.eosTokenIds = Set(eosTokenIds); self.stopStrings = stopStrings
        self.maxNewTokens = maxNewTokens; self.ignoreEOS = ignoreEOS; self.tokenizer = tokenizer
    }

    /// Adds `token` to `tokens` unless it is eos; returns the reason when the sequence is done.
    public func accept(_ token: Int, into tokens: inout [Int]) -> FinishReason? {
        if !ignoreEOS && eosTokenIds.contains(token) { return .eos }
        tokens.append(token)
        if !stopStrings.isEmpty, let tok = tokenizer {
            let text = tok.decode(tokens)
            if stopStrings.contains(where: { text.contains($0) }) { return .stop }
        }
        return tokens.count >= maxNewTokens ? .length : nil
    }

    /// The response text: decoded tokens, cut before the earliest stop string.
    public func responseText(_ tokens: [Int]) -> String {
        guard let tok = tokenizer else { return "" }
        var text = tok.decode(tokens)
        var cut = text.endIndex
        for s in stopStrings { if let r = text.range(of: s), r.lowerBound < cut { cut = r.lowerBound } }
        text.removeSubrange(cut...)
        return text
    }
}
