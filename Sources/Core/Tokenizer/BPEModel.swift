import Foundation

/// One pre-token's UTF-8 bytes, borrowed from the piece being encoded (no copy).
typealias WordBytes = Slice<UnsafeBufferPointer<UInt8>>

/// How a word becomes its first symbols before merging: byte-level files spell
/// each byte with GPT-2's map; SentencePiece-style files look characters up and
/// fall back to `<0xNN>` byte tokens or the unknown token.
struct BPEOptions: Sendable {
    var byteLevel = true
    var byteFallback = false
    var unkToken: String?
    var fuseUnk = false
}

/// The BPE model of a tokenizer.json: vocabulary, ranked merges, and the merge
/// loop. Results are cached per pre-token word because natural text repeats words.
final class BPEModel {
    let vocab: [String: Int]
    /// Token string per id (nil for ids only the added tokens use).
    let idToToken: [String?]
    /// Bytes each id decodes to, precomputed because decode is called per generated token.
    let idToBytes: [[UInt8]?]
    let merges: [(String, String)]
    let ignoreMerges: Bool
    let options: BPEOptions

    /// (left id << 32 | right id) -> (rank << 32 | merged id).
    private let mergeTable: [UInt64: UInt64]
    /// Id of each single-byte token, -1 when the vocabulary lacks it (the byte is dropped, as HF does without an unk token).
    private let byteIds: [Int32]
    /// Character mode: id of each single-character token (BMP in a flat table).
    private let bmpIds: [Int32]
    private let astralIds: [UInt32: Int32]
    /// Character mode: `<0xNN>` ids, -1 where missing.
    private let fallbackIds: [Int32]
    private let unkId: Int32
    /// Character mode: where whole segments may be cut into cacheable words.
    private let metaspaceCut: MetaspaceCut?
    private var cache: [[UInt8]: [Int]] = [:]
    private let cacheLock = NSLock()
    /// Bounds memory on huge corpora; common words come back quickly after a reset.
    private let cacheLimit = 200_000

    /// Refuses vocabulary ids init would have to skip, naming the file: negative or
    /// shared. Ids are already known to be below `idLimit`.
    static func validate(vocab: [String: Int], idLimit: Int, source: String) throws {
        var seen = [String?](repeating: nil, count: idLimit)
        for (tok, id) in vocab {
            guard id >= 0 else { throw PrefkitError("\(source): vocabulary token \(tok.debugDescription) has negative id \(id)") }
            if let other = seen[id] {
                throw PrefkitError("\(source): vocabulary tokens \(other.debugDescription) and \(tok.debugDescription) share id \(id)")
            }
            seen[id] = tok
        }
    }

    /// (left id << 32 | right id) -> (rank << 32 | merged id), the first rank winning.
    /// With a `source`, a merge whose parts or result are not in the vocabulary is
    /// refused naming the file; without one (configs built in code) it is skipped.
    static func mergeTable(vocab: [String: Int], merges: [(String, String)], source: String?) throws -> [UInt64: UInt64] {
        var table: [UInt64: UInt64] = [:]
        table.reserveCapacity(merges.count)
        for (rank, (a, b)) in merges.enumerated() {
            guard let ia = vocab[a], let ib = vocab[b], ia >= 0, ib >= 0 else {
                if let source {
                    throw PrefkitError("\(source): merge #\(rank) \(a.debugDescription) + \(b.debugDescription) uses a token missing from the vocabulary")
                }
                continue
            }
            guard let im = vocab[a + b], im >= 0 else {
                if let source {
                    throw PrefkitError("\(source): merge #\(rank) \(a.debugDescription) + \(b.debugDescription) produces \((a + b).debugDescription), which is missing from the vocabulary")
                }
                continue
            }
            let key = UInt64(ia) << 32 | UInt64(ib)
            if table[key] == nil { table[key] = UInt64(rank) << 32 | UInt64(im) }
        }
        return table
    }

    /// Expects validated input (see `validate` and `mergeTable`); anything inconsistent is skipped.
    /// `mergeTable` when the caller already built it while validating.
    init(vocab: [String: Int], merges: [(String, String)], ignoreMerges: Bool, options: BPEOptions = BPEOptions(),
         mergeTable: [UInt64: UInt64]? = nil) {
        self.vocab = vocab
        self.merges = merges
        self.ignoreMerges = ignoreMerges
        self.options = options
        let maxId = vocab.values.max() ?? -1
        var idToToken = [String?](repeating: nil, count: maxId + 1)
        for (tok, id) in vocab where id >= 0 && idToToken[id] == nil { idToToken[id] = tok }
        self.idToToken = idToToken
        self.idToBytes = options.byteLevel ? idToToken.map { $0.map(ByteUnicodeMap.tokenBytes) } : []
        // Built in code: consistent by construction, so nothing is thrown.
        self.mergeTable = mergeTable ?? ((try? BPEModel.mergeTable(vocab: vocab, merges: merges, source: nil)) ?? [:])
        self.byteIds = ByteUnicodeMap.byteTokens.map { Int32(vocab[$0] ?? -1) }
        var bmp = [Int32](repeating: -1, count: options.byteLevel ? 0 : 0x10000)
        var astral: [UInt32: Int32] = [:]
        if !options.byteLevel {
            for (tok, id) in vocab {
                var it = tok.unicodeScalars.makeIterator()
                guard let c = it.next(), it.next() == nil else { continue }
                if c.value < 0x10000 { bmp[Int(c.value)] = Int32(id) } else { astral[c.value] = Int32(id) }
            }
        }
        self.bmpIds = bmp
        self.astralIds = astral
        self.fallbackIds = (0..<256).map { b in
            guard options.byteFallback else { return -1 }
            let hex = String(b, radix: 16, uppercase: true)
            return Int32(vocab["<0x" + (hex.count == 1 ? "0" : "") + hex + ">"] ?? -1)
        }
        self.unkId = Int32(options.unkToken.flatMap { vocab[$0] } ?? -1)
        self.metaspaceCut = options.byteLevel ? nil : MetaspaceCut(vocab: vocab, ignoreMerges: ignoreMerges)
    }

    func token(_ id: Int) -> String? {
        id >= 0 && id < idToToken.count ? idToToken[id] : nil
    }

    /// Appends the ids of one pre-token (raw UTF-8 bytes) to `out`.
    func encodeWord(_ bytes: WordBytes, into out: inout [Int]) {
        // SentencePiece layouts hand over whole segments as one word; cut them where
        // no merge can reach across, so the parts hit the word cache.
        if let cut = metaspaceCut, bytes.count > 3 {
            cut.forEachPart(bytes) { encodeCached($0, into: &out) }
            return
        }
        encodeCached(bytes, into: &out)
    }

    private func encodeCached(_ bytes: WordBytes, into out: inout [Int]) {
        if options.byteLevel && bytes.count == 1, let b = bytes.first {
            let id = byteIds[Int(b)]
            if id >= 0 { out.append(Int(id)) }
            return
        }
        let key = Array(bytes)
        // Long words (whole unsplit segments) rarely repeat; caching them only costs memory.
        if key.count > 256 {
            out.append(contentsOf: bpe(key))
            return
        }
        cacheLock.lock()
        let hit = cache[key]
        cacheLock.unlock()
        if let hit { out.append(contentsOf: hit); return }
        let ids = bpe(key)
        cacheLock.lock()
        if cache.count >= cacheLimit { cache.removeAll(keepingCapacity: true) }
        cache[key] = ids
        cacheLock.unlock()
        out.append(contentsOf: ids)
    }

    @inline(__always) private func lookup(_ a: Int32, _ b: Int32) -> UInt64? {
        mergeTable[UInt64(UInt32(bitPattern: a)) << 32 | UInt64(UInt32(bitPattern: b))]
    }

    private func bpe(_ bytes: [UInt8]) -> [Int] {
        if ignoreMerges {
            let spelled = options.byteLevel ? ByteUnicodeMap.encode(bytes) : String(decoding: bytes, as: UTF8.self)
            if let id = vocab[spelled] { return [id] }
        }
        var symbols: [Int32] = []
        symbols.reserveCapacity(bytes.count)
        if options.byteLevel {
            for b in bytes where byteIds[Int(b)] >= 0 { symbols.append(byteIds[Int(b)]) }
        } else {
            characterSymbols(bytes, into: &symbols)
        }
        if symbols.count < 2 { return symbols.map(Int.init) }
        // Short words (nearly all) merge fastest with a flat rescan; long ones
        // (minified code, base64) need the heap to avoid quadratic time.
        return symbols.count <= 64 ? mergeShort(&symbols) : mergeLong(symbols)
    }

    @inline(__always) private func characterId(_ c: Unicode.Scalar) -> Int32 {
        c.value < 0x10000 ? bmpIds[Int(c.value)] : (astralIds[c.value] ?? -1)
    }

    /// HF's `merge_word` start: each character's token, else its `<0xNN>` tokens
    /// (byte_fallback), else the unknown token (one per run with fuse_unk). Like HF,
    /// byte tokens are appended before a pending unknown token is flushed.
    private func characterSymbols(_ bytes: [UInt8], into symbols: inout [Int32]) {
        var pendingUnk = false
        var it = bytes.makeIterator()
        var utf8 = UTF8()
        var offset = 0
        while case .scalarValue(let c) = utf8.decode(&it) {
            let width = UTF8.width(c)
            defer { offset += width }
            let id = characterId(c)
            if id >= 0 {
                if pendingUnk {
                    symbols.append(unkId)
                    pendingUnk = false
                }
                symbols.append(id)
                continue
            }
            if options.byteFallback {
                let ids = bytes[offset..<(offset + width)].map { fallbackIds[Int($0)] }
                if ids.allSatisfy({ $0 >= 0 }) {
                    symbols.append(contentsOf: ids)
                    continue
                }
            }
            guard unkId >= 0 else { continue }
            if pendingUnk && !options.fuseUnk {
                symbols.append(unkId)
            }
            pendingUnk = true
        }
        if pendingUnk {
            symbols.append(unkId)
        }
    }

    /// Repeatedly merges the lowest-ranked adjacent pair (leftmost on ties).
    private func mergeShort(_ s: inout [Int32]) -> [Int] {
        let none = UInt64.max
        var ranks = [UInt64](repeating: none, count: s.count - 1)
        for k in 0..<(s.count - 1) { ranks[k] = lookup(s[k], s[k + 1]) ?? none }
        while true {
            var best = none, pos = -1
            for k in 0..<ranks.count where ranks[k] < best { best = ranks[k]; pos = k }
            if pos < 0 { break }
            s[pos] = Int32(truncatingIfNeeded: best & 0xFFFF_FFFF)
            s.remove(at: pos + 1)
            ranks.remove(at: pos)
            if pos < ranks.count { ranks[pos] = lookup(s[pos], s[pos + 1]) ?? none }
            if pos > 0 { ranks[pos - 1] = lookup(s[pos - 1], s[pos]) ?? none }
        }
        return s.map(Int.init)
    }

    private struct Candidate: Comparable {
        var rank: UInt32, pos: Int32, left: Int32, right: Int32, merged: Int32
        static func < (a: Candidate, b: Candidate) -> Bool {
            a.rank != b.rank ? a.rank < b.rank : a.pos < b.pos
        }
    }

    /// Same result as mergeShort, via a linked list and a heap of candidate merges.
    private func mergeLong(_ symbols: [Int32]) -> [Int] {
        var ids = symbols
        let n = ids.count
        var next = (0..<n).map { Int32($0 + 1) }
        next[n - 1] = -1
        var prev = (0..<n).map { Int32($0 - 1) }
        var heap = BPEHeap<Candidate>(reserving: n)
        func consider(_ p: Int32) {
            let q = next[Int(p)]
            guard q >= 0, let m = lookup(ids[Int(p)], ids[Int(q)]) else { return }
            heap.push(Candidate(rank: UInt32(m >> 32), pos: p, left: ids[Int(p)], right: ids[Int(q)],
                                merged: Int32(truncatingIfNeeded: m & 0xFFFF_FFFF)))
        }
        for p in 0..<(n - 1) { consider(Int32(p)) }
        while let c = heap.pop() {
            let p = Int(c.pos)
            // Merged symbols only grow, so matching ids mean the candidate is still current.
            guard ids[p] == c.left else { continue }
            let q = Int(next[p])
            guard q >= 0, ids[q] == c.right else { continue }
            ids[p] = c.merged
            ids[q] = -1
            next[p] = next[q]
            if next[q] >= 0 { prev[Int(next[q])] = Int32(p) }
            if prev[p] >= 0 { consider(prev[p]) }
            consider(Int32(p))
        }
        var out: [Int] = []
        var k: Int32 = 0
        while k >= 0 { out.append(Int(ids[Int(k)])); k = next[Int(k)] }
        return out
    }
}
