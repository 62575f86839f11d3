import Foundation

/// A Hugging Face `tokenizer.json` byte-level BPE tokenizer (GPT-2, Qwen2, Llama-3
/// layouts) that reproduces `tokenizers`' ids exactly for the supported features.
/// Post-processor templates (e.g. a BOS token) are not applied: callers add such ids.
public final class Tokenizer {
    let config: TokenizerConfig
    let model: BPEModel
    private let rawMatcher: AddedTokenMatcher
    private let normalizedMatcher: AddedTokenMatcher
    private let splitter: PreTokenSplitter?
    private let addedById: [Int: AddedToken]
    private let addedByContent: [String: Int]

    /// Largest id + 1, counting added tokens.
    public let vocabSize: Int
    public let specialTokenIds: Set<Int>
    public private(set) var eosTokenId: Int?
    public private(set) var padTokenId: Int?

    /// Loads tokenizer.json; eos/pad come from a tokenizer_config.json beside it, if any.
    public convenience init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PrefkitError("cannot read tokenizer file \(path)")
        }
        try self.init(jsonData: [UInt8](data), source: path)
        let configPath = (path as NSString).deletingLastPathComponent + "/tokenizer_config.json"
        applySpecials(fromConfig: configPath)
    }

    /// `source` names the data in error messages (usually its path).
    public convenience init(jsonData: [UInt8], source: String) throws {
        try self.init(config: TokenizerConfig(jsonData: jsonData, source: source), source: source)
    }

    convenience init(config: TokenizerConfig, source: String) throws {
        try BPEModel.validate(vocab: config.vocab, merges: config.merges, source: source)
        for t in config.addedTokens where t.id < 0 {
            throw PrefkitError("\(source): added token \(t.content.debugDescription) has negative id \(t.id)")
        }
        // Ids size the id -> token tables here and the embedding of a model built for this
        // tokenizer, so one lying id (2^60) would ask for that much memory. Real files number
        // their tokens densely; gaps are allowed, ids past twice the token count are not.
        let idLimit = max(2 * (config.vocab.count + config.addedTokens.count), 1024)
        if let (tok, id) = config.vocab.first(where: { $0.value >= idLimit }) {
            throw PrefkitError("\(source): vocabulary token \(tok.debugDescription) has id \(id), implausible for a file of \(config.vocab.count) tokens (limit \(idLimit))")
        }
        if let t = config.addedTokens.first(where: { $0.id >= idLimit }) {
            throw PrefkitError("\(source): added token \(t.content.debugDescription) has id \(t.id), implausible for a file of \(config.vocab.count + config.addedTokens.count) tokens (limit \(idLimit))")
        }
        self.init(validConfig: config)
    }

    /// For configs built in code (builders, trainer), which are consistent by construction.
    init(validConfig config: TokenizerConfig) {
        self.config = config
        self.model = BPEModel(vocab: config.vocab, merges: config.merges, ignoreMerges: config.ignoreMerges)
        let added = config.addedTokens.filter { $0.id >= 0 && !$0.content.isEmpty }
        var byId: [Int: AddedToken] = [:]
        var byContent: [String: Int] = [:]
        for t in added {
            byId[t.id] = t
            byContent[t.content] = t.id
        }
        self.addedById = byId
        self.addedByContent = byContent
        self.rawMatcher = AddedTokenMatcher(added.filter { !$0.normalized })
        self.normalizedMatcher = AddedTokenMatcher(added.filter { $0.normalized })
        self.splitter = config.pattern.map(PreTokenSplitter.init)
        self.vocabSize = max(config.vocab.values.max() ?? -1, added.map(\.id).max() ?? -1) + 1
        self.specialTokenIds = Set(added.filter(\.special).map(\.id))
    }

    public func setSpecials(eos: Int?, pad: Int?) {
        eosTokenId = eos
        padTokenId = pad
    }

    public func tokenId(_ token: String) -> Int? {
        addedByContent[token] ?? model.vocab[token]
    }

    /// The token's string as stored (byte-level spelling for BPE tokens).
    public func token(_ id: Int) -> String? {
        addedById[id]?.content ?? model.token(id)
    }

    /// Ids of `text`; added/special tokens written in the text are recognized.
    public func encode(_ text: String) -> [Int] {
        var out: [Int] = []
        out.reserveCapacity(text.utf8.count / 3 + 4)
        forEachPreToken(in: text, added: { out.append($0) }, word: { model.encodeWord($0, into: &out) })
        return out
    }

    /// The pipeline up to BPE: added tokens, normalization, regex split. `word` gets
    /// each pre-token's UTF-8 bytes; the trainer counts these same words.
    func forEachPreToken(in text: String, added: (Int) -> Void, word: (ArraySlice<UInt8>) -> Void) {
        rawMatcher.forEachPiece(in: text) { piece in
            switch piece {
            case .token(let id):
                added(id)
            case .text(let raw):
                let normalized = config.nfc ? Tokenizer.nfc(raw) : raw
                normalizedMatcher.forEachPiece(in: normalized) { inner in
                    switch inner {
                    case .token(let id): added(id)
                    case .text(let s): splitSegment(s, word)
                    }
                }
            }
        }
    }

    /// ASCII is already NFC; skipping Foundation for it keeps English text fast.
    static func nfc(_ s: String) -> String {
        if s.utf8.allSatisfy({ $0 < 0x80 }) { return s }
        return s.precomposedStringWithCanonicalMapping
    }

    /// Pre-tokenizes one normalized segment into words.
    private func splitSegment(_ text: String, _ word: (ArraySlice<UInt8>) -> Void) {
        var s = text
        if config.addPrefixSpace && config.patternFromByteLevel && !s.hasPrefix(" ") { s = " " + s }
        let utf8 = Array(s.utf8)
        guard let splitter else {
            piece(utf8[...], word)
            return
        }
        var scalars: [Unicode.Scalar] = []
        var classes: [UInt8] = []
        var offsets: [Int] = []
        scalars.reserveCapacity(utf8.count)
        classes.reserveCapacity(utf8.count)
        offsets.reserveCapacity(utf8.count + 1)
        var off = 0
        for c in s.unicodeScalars {
            scalars.append(c)
            classes.append(ScalarClass.classify(c))
            offsets.append(off)
            off += UTF8.width(c)
        }
        offsets.append(off)
        scalars.withUnsafeBufferPointer { sp in
            classes.withUnsafeBufferPointer { cp in
                splitter.split(scalars: sp, classes: cp) { a, b in
                    piece(utf8[offsets[a]..<offsets[b]], word)
                }
            }
        }
    }

    @inline(__always)
    private func piece(_ bytes: ArraySlice<UInt8>, _ word: (ArraySlice<UInt8>) -> Void) {
        // A Split followed by ByteLevel(add_prefix_space) prefixes every piece.
        if config.addPrefixSpace && !config.patternFromByteLevel && bytes.first != 0x20 {
            word(([0x20] + bytes)[...])
        } else {
            word(bytes)
        }
    }

    /// Text of `ids`; invalid UTF-8 (e.g. a cut multi-byte character) becomes U+FFFD,
    /// as HF's lossy decoding does. Unknown ids are skipped.
    public func decode(_ ids: [Int], skipSpecialTokens: Bool = false) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(ids.count * 4)
        for id in ids {
            if let t = addedById[id] {
                if skipSpecialTokens && t.special { continue }
                bytes.append(contentsOf: ByteUnicodeMap.tokenBytes(t.content))
            } else if id >= 0 && id < model.idToBytes.count, let b = model.idToBytes[id] {
                bytes.append(contentsOf: b)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
