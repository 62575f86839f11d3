/// Where a SentencePiece-style word may be cut before BPE without changing the ids.
/// Layouts without a splitting pre-tokenizer (Llama 2, Gemma 3) hand BPE a whole
/// segment as one word. A merge joining a symbol that ends in X with one that starts
/// with "▁" would produce a token containing "X▁", and every merge result is in the
/// vocabulary; so where no token contains "X▁", no merge crosses the start of that
/// "▁", the two sides merge independently, and each side can use the word cache.
struct MetaspaceCut: Sendable {
    /// Characters that some token holds right before a "▁": no cut after these.
    let joiners: Set<UInt32>
    /// The same for ASCII, as a flat table (the common case).
    private let asciiJoiners: [Bool]

    static let metaspace: Unicode.Scalar = "\u{2581}"

    /// nil when cutting is not exact: with ignore_merges a whole word in the
    /// vocabulary wins over merges, and without a "▁" token a fused unknown run
    /// could span the cut.
    init?(vocab: [String: Int], ignoreMerges: Bool) {
        guard !ignoreMerges, vocab[String(Self.metaspace)] != nil else {
            return nil
        }
        var joiners = Set<UInt32>()
        for token in vocab.keys where token.utf8.count > 3 {
            var previous: Unicode.Scalar?
            for c in token.unicodeScalars {
                if c == Self.metaspace, let p = previous {
                    joiners.insert(p.value)
                }
                previous = c
            }
        }
        self.joiners = joiners
        self.asciiJoiners = (0..<128).map { joiners.contains(UInt32($0)) }
    }

    /// Calls `body` with consecutive parts of `bytes` (UTF-8) that BPE may encode alone.
    func forEachPart(_ bytes: WordBytes, _ body: (WordBytes) -> Void) {
        var start = bytes.startIndex
        var k = bytes.startIndex + 1
        let end = bytes.endIndex
        // "▁" is E2 96 81.
        while k + 2 < end {
            if bytes[k] == 0xE2 && bytes[k + 1] == 0x96 && bytes[k + 2] == 0x81 && !joinsAcross(bytes, before: k, floor: start) {
                body(bytes[start..<k])
                start = k
                k += 3
            } else {
                k += 1
            }
        }
        body(bytes[start..<end])
    }

    /// Whether the character ending at byte `k` may merge with a following "▁".
    @inline(__always)
    private func joinsAcross(_ bytes: WordBytes, before k: Int, floor: Int) -> Bool {
        let last = bytes[k - 1]
        if last < 0x80 {
            return asciiJoiners[Int(last)]
        }
        var j = k - 1
        while j > floor && bytes[j] & 0xC0 == 0x80 {
            j -= 1
        }
        var value: UInt32 = 0
        var utf8 = UTF8()
        var it = bytes[j..<k].makeIterator()
        if case .scalarValue(let c) = utf8.decode(&it) {
            value = c.value
        }
        return joiners.contains(value)
    }
}
