import Foundation

/// A Hugging Face `tokenizer.json` BPE tokenizer, byte-level (GPT-2, Qwen2, Llama 3,
/// SmolLM2) or SentencePiece-style (Llama 2, Mistral, Gemma 3), that reproduces
/// `tokenizers`' ids exactly. The pipeline is HF's: added tokens, normalizer,
/// pre-tokenizer, BPE, and on request the post-processor's special tokens.
public final class Tokenizer {
    let config: TokenizerConfig
    let model: BPEModel
    private let rawMatcher: AddedTokenMatcher
    private let normalizedMatcher: AddedTokenMatcher
    private let addedById: [Int: AddedToken]
    private let addedByContent: [String: Int]

    /// Largest id + 1, counting added tokens.
    public let vocabSize: Int
    public let specialTokenIds: Set<Int>
    /// The ids the post-processor puts before a single sequence (e.g. [BOS]): what
    /// the data paths prepend to a prompt.
    public let specialPrefix: [Int]
    public private(set) var eosTokenId: Int?
    public private(set) var padTokenId: Int?
    /// The chat template and special-token names from beside tokenizer.json, carried to
    /// the model directories a stage writes.
    public var settings = TokenizerSettings()

    /// Loads tokenizer.json; eos/pad come from a tokenizer_config.json beside it, if
    /// any, and so does a transformers class whose pipeline replaces the file's
    /// (see TransformersClassPipeline).
    public convenience init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PrefkitError("cannot read tokenizer file \(path)")
        }
        var config = try TokenizerConfig(jsonData: [UInt8](data), source: path)
        let configPath = (path as NSString).deletingLastPathComponent + "/tokenizer_config.json"
        TransformersClassPipeline.apply(tokenizerConfigPath: configPath, to: &config)
        try self.init(config: config, source: path)
        // tokenizer_config.json is read once for the template and the eos/pad names.
        settings = try TokenizerSettings.read(directory: (path as NSString).deletingLastPathComponent)
        applySpecials(from: settings)
    }

    /// `source` names the data in error messages (usually its path).
    public convenience init(jsonData: [UInt8], source: String) throws {
        try self.init(config: TokenizerConfig(jsonData: jsonData, source: source), source: source)
    }

    convenience init(config: TokenizerConfig, source: String) throws {
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
        try BPEModel.validate(vocab: config.vocab, idLimit: idLimit, source: source)
        let table = try BPEModel.mergeTable(vocab: config.vocab, merges: config.merges, source: source)
        self.init(validConfig: config, mergeTable: table)
    }

    /// For configs built in code (builders, trainer), which are consistent by construction.
    init(validConfig config: TokenizerConfig, mergeTable: [UInt64: UInt64]? = nil) {
        self.config = config
        self.model = BPEModel(vocab: config.vocab, merges: config.merges, ignoreMerges: config.ignoreMerges, options: config.bpe,
                              mergeTable: mergeTable)
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
        self.vocabSize = max(config.vocab.values.max() ?? -1, added.map(\.id).max() ?? -1) + 1
        self.specialTokenIds = Set(added.filter(\.special).map(\.id))
        // A sentinel id that no template contains marks where the text goes.
        let marker = -1
        let processed = config.postProcessor?.process([marker], pair: nil) ?? [marker]
        self.specialPrefix = Array(processed.prefix { $0 != marker })
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

    /// Ids of `text` without special tokens (`add_special_tokens=False`); added and
    /// special tokens written in the text are still recognized.
    public func encode(_ text: String) -> [Int] {
        var out: [Int] = []
        out.reserveCapacity(text.utf8.count / 3 + 4)
        forEachPreToken(in: text, added: { out.append($0) }, word: { model.encodeWord($0, into: &out) })
        return out
    }

    /// Ids of `text` as `tokenizer(text, add_special_tokens=...)` gives them: with
    /// true, the post-processor's tokens (BOS for Llama and Gemma; none for Qwen2).
    public func encode(_ text: String, addSpecialTokens: Bool) -> [Int] {
        let ids = encode(text)
        guard addSpecialTokens, let post = config.postProcessor else {
            return ids
        }
        return post.process(ids, pair: nil)
    }

    /// A prompt's ids as TRL tokenizes string data (`tok(prompt)`): the
    /// post-processor's leading special tokens (BOS), then the text. Tokens a template
    /// puts after the text (an EOS) are left out: the completion follows the prompt.
    public func encodePrompt(_ text: String) -> [Int] {
        specialPrefix + encode(text)
    }

    /// The pipeline up to BPE: added tokens, normalization, pre-tokenization. `word`
    /// gets each pre-token's UTF-8 bytes; the trainer counts these same words.
    func forEachPreToken(in text: String, added: (Int) -> Void, word: (WordBytes) -> Void) {
        var offset = 0
        rawMatcher.forEachPiece(in: text) { piece in
            switch piece {
            case .token(let id):
                added(id)
                offset = 1
            case .text(let raw):
                let atStart = offset == 0
                offset = 1
                let normalized = config.normalizer?.normalize(raw) ?? raw
                var first = true
                normalizedMatcher.forEachPiece(in: normalized) { inner in
                    switch inner {
                    case .token(let id):
                        added(id)
                    case .text(let s):
                        preTokenize(s, atStart: atStart && first, word)
                    }
                    first = false
                }
            }
        }
    }

    private func preTokenize(_ segment: String, atStart: Bool, _ word: (WordBytes) -> Void) {
        guard let pre = config.preTokenizer else {
            var s = segment
            s.withUTF8 { word($0[...]) }
            return
        }
        pre.forEachWord(in: segment, atStart: atStart, word)
    }

    /// Text of `ids` through the file's decoder, as HF's `decode`. Unknown ids are
    /// skipped. Byte-level files take a byte table instead of token strings because
    /// decode runs per generated token; invalid UTF-8 becomes U+FFFD either way.
    public func decode(_ ids: [Int], skipSpecialTokens: Bool = false) -> String {
        if config.decoder is ByteLevelDecoder && config.bpe.byteLevel {
            return decodeByteLevel(ids, skipSpecialTokens: skipSpecialTokens)
        }
        var tokens: [String] = []
        tokens.reserveCapacity(ids.count)
        for id in ids {
            if let t = addedById[id] {
                if skipSpecialTokens && t.special { continue }
                tokens.append(t.content)
            } else if let t = model.token(id) {
                tokens.append(t)
            }
        }
        guard let decoder = config.decoder else {
            return tokens.joined(separator: " ")
        }
        return decoder.decodeChain(tokens).joined()
    }

    private func decodeByteLevel(_ ids: [Int], skipSpecialTokens: Bool) -> String {
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
