extension Tokenizer {
    /// A tokenizer for a model trained from scratch: the 256 byte tokens (ids in
    /// GPT-2's order), no merges, then `extraSpecials` as special tokens, with the
    /// Qwen2 pipeline (NFC, Qwen2 split). Any text encodes, one id per byte.
    public static func byteLevel(extraSpecials: [String]) -> Tokenizer {
        Tokenizer(validConfig: byteLevelConfig(merges: [], extraTokens: [], specials: extraSpecials))
    }

    /// Byte tokens, then `extraTokens` (merge results) in order, then specials.
    static func byteLevelConfig(merges: [(String, String)], extraTokens: [String], specials: [String]) -> TokenizerConfig {
        var vocab: [String: Int] = [:]
        for (id, b) in ByteUnicodeMap.bytesInGPT2Order.enumerated() {
            vocab[ByteUnicodeMap.byteTokens[Int(b)]] = id
        }
        for t in extraTokens where vocab[t] == nil { vocab[t] = vocab.count }
        var config = TokenizerConfig(vocab: vocab, merges: merges)
        var nextId = vocab.count
        var seen = Set<String>()
        for s in specials where !s.isEmpty && seen.insert(s).inserted {
            config.addedTokens.append(AddedToken(id: nextId, content: s, special: true))
            nextId += 1
        }
        config.normalizer = NFCNormalizer()
        config.preTokenizer = SequencePreTokenizer(steps: [SplitPreTokenizer(pattern: .qwen2),
                                                           ByteLevelPreTokenizer(addPrefixSpace: false, useRegex: false)])
        config.bpe.byteLevel = true
        config.decoder = ByteLevelDecoder()
        return config
    }
}
