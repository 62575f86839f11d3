/// Byte-level BPE training: words come from the same pre-tokenizer encode uses, the
/// most frequent adjacent pair is merged each round (ties: smaller left id, then
/// smaller right id), and pair counts are updated incrementally per affected word.
struct BPETrainer {
    private var tokens: [String] = []
    private var tokenIds: [String: Int32] = [:]
    private var words: [[Int32]] = []
    private var freqs: [Int] = []
    private var pairCounts: [UInt64: Int] = [:]
    private var pairWords: [UInt64: [Int32]] = [:]
    private var heap = BPEHeap<HeapEntry>()

    /// Max-heap order on (count, then smaller key); stale entries are skipped on pop.
    private struct HeapEntry: Comparable {
        var count: Int
        var key: UInt64
        static func < (a: HeapEntry, b: HeapEntry) -> Bool {
            a.count != b.count ? a.count > b.count : a.key < b.key
        }
    }

    @inline(__always) private static func key(_ a: Int32, _ b: Int32) -> UInt64 {
        UInt64(UInt32(a)) << 32 | UInt64(UInt32(b))
    }

    init(wordCounts: [[UInt8]: Int]) {
        for b in ByteUnicodeMap.bytesInGPT2Order {
            tokenIds[ByteUnicodeMap.byteTokens[Int(b)]] = Int32(tokens.count)
            tokens.append(ByteUnicodeMap.byteTokens[Int(b)])
        }
        var byteId = [Int32](repeating: 0, count: 256)
        for (id, b) in ByteUnicodeMap.bytesInGPT2Order.enumerated() { byteId[Int(b)] = Int32(id) }
        for (w, f) in wordCounts where w.count > 1 {
            let idx = Int32(words.count)
            let syms = w.map { byteId[Int($0)] }
            words.append(syms)
            freqs.append(f)
            for k in 0..<(syms.count - 1) {
                let p = Self.key(syms[k], syms[k + 1])
                pairCounts[p, default: 0] += f
                if pairWords[p]?.last != idx { pairWords[p, default: []].append(idx) }
            }
        }
        for (p, c) in pairCounts { heap.push(HeapEntry(count: c, key: p)) }
    }

    /// Runs until `tokenBudget` tokens exist or no pair is left; returns merges and
    /// the tokens created beyond the 256 bytes, in id order.
    mutating func run(tokenBudget: Int) -> (merges: [(String, String)], newTokens: [String]) {
        var merges: [(String, String)] = []
        while tokens.count < tokenBudget, let top = heap.pop() {
            guard top.count > 0, pairCounts[top.key] == top.count else { continue }
            let a = Int32(truncatingIfNeeded: top.key >> 32), b = Int32(truncatingIfNeeded: top.key & 0xFFFF_FFFF)
            let merged = tokens[Int(a)] + tokens[Int(b)]
            let m: Int32
            if let existing = tokenIds[merged] {
                m = existing // another merge path already built this string
            } else {
                m = Int32(tokens.count)
                tokenIds[merged] = m
                tokens.append(merged)
            }
            merges.append((tokens[Int(a)], tokens[Int(b)]))
            apply(a, b, m, top.key)
        }
        return (merges, Array(tokens[256...]))
    }

    private mutating func apply(_ a: Int32, _ b: Int32, _ m: Int32, _ pairKey: UInt64) {
        var delta: [UInt64: Int] = [:]
        for w in pairWords[pairKey] ?? [] {
            let wi = Int(w)
            var s = words[wi]
            let f = freqs[wi]
            var i = 0
            var changed = false
            while i < s.count - 1 {
                guard s[i] == a && s[i + 1] == b else { i += 1; continue }
                if i > 0 {
                    delta[Self.key(s[i - 1], a), default: 0] -= f
                    delta[Self.key(s[i - 1], m), default: 0] += f
                    addWord(Self.key(s[i - 1], m), w)
                }
                if i + 2 < s.count {
                    delta[Self.key(b, s[i + 2]), default: 0] -= f
                    delta[Self.key(m, s[i + 2]), default: 0] += f
                    addWord(Self.key(m, s[i + 2]), w)
                }
                delta[pairKey, default: 0] -= f
                s[i] = m
                s.remove(at: i + 1)
                changed = true
                i += 1
            }
            if changed { words[wi] = s }
        }
        pairWords[pairKey] = nil
        for (p, d) in delta where d != 0 {
            let c = (pairCounts[p] ?? 0) + d
            if c > 0 {
                pairCounts[p] = c
                heap.push(HeapEntry(count: c, key: p))
            } else {
                pairCounts[p] = nil
            }
        }
    }

    private mutating func addWord(_ p: UInt64, _ w: Int32) {
        if pairWords[p]?.last != w { pairWords[p, default: []].append(w) }
    }
}

extension Tokenizer {
    /// Trains a byte-level BPE tokenizer (Qwen2 pre-tokenizer, NFC) on `corpus`.
    /// `vocabSize` counts the 256 bytes, the merges and `specials` (appended last);
    /// training stops early when no pair occurs any more, and never goes below the
    /// 256 bytes plus specials. Specials written in the
    /// corpus are cut out before counting, so they never take part in merges.
    public static func train(corpus: [String], vocabSize: Int, specials: [String]) -> Tokenizer {
        let base = byteLevel(extraSpecials: specials)
        var counts: [[UInt8]: Int] = [:]
        for text in corpus {
            base.forEachPreToken(in: text, added: { _ in }, word: { counts[Array($0), default: 0] += 1 })
        }
        var trainer = BPETrainer(wordCounts: counts)
        let budget = vocabSize - base.specialTokenIds.count
        let (merges, newTokens) = trainer.run(tokenBudget: budget)
        return Tokenizer(validConfig: byteLevelConfig(merges: merges, extraTokens: newTokens, specials: specials))
    }
}
