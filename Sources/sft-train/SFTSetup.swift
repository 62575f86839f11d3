import CLISupport
import Core
import Foundation

/// Where SFT starts: a user's model directory, or a fresh model from a preset/config with
/// a tokenizer given or trained on the data.
struct SFTSetup {
    let model: Transformer, tokenizer: Tokenizer, eos: Int, pad: Int

    /// The special tokens of a tokenizer trained on the data.
    static let specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|pad|>"]
    /// Every byte plus the special tokens.
    static let minimumVocabSize = 256 + specials.count

    static func startingPoint(model: String?, initConfig: String?, tokenizerPath: String?, vocabSize: Int,
                              data: String, chatML: Bool, maxLength: Int, seed: UInt64,
                              columns: ColumnMapping) throws -> SFTSetup {
        if let dir = model {
            let md = try ModelDirectory.load(dir)
            return SFTSetup(model: md.model, tokenizer: md.tokenizer, eos: md.eosTokenId, pad: md.padTokenId)
        }
        // A pad distinct from every eos: reward models read the last non-pad token (as
        // transformers does), so a pad equal to eos would hide the eos from the score head.
        let specials = Self.specials
        let tok: Tokenizer
        if let t = tokenizerPath {
            tok = try Tokenizer(path: t)
        } else {
            guard vocabSize >= Self.minimumVocabSize else { throw PrefkitError("--vocab-size must be at least \(Self.minimumVocabSize)") }
            tok = Tokenizer.train(corpus: try corpus(data, columns: columns), vocabSize: vocabSize, specials: specials)
        }
        // ChatML ends turns with <|im_end|>; other templates end a completion with <|endoftext|>.
        let eosName = chatML ? "<|im_end|>" : "<|endoftext|>"
        guard let eos = tok.eosTokenId ?? tok.tokenId(eosName), let pad = tok.padTokenId ?? tok.tokenId("<|pad|>") ?? tok.tokenId("<|endoftext|>") else {
            throw PrefkitError("the tokenizer has no \(eosName) token to end completions with")
        }
        var config: ModelConfig
        let name = initConfig!
        if let preset = ModelPreset(rawValue: name) {
            config = preset.config(vocabSize: tok.vocabSize, maxLength: maxLength)
        } else {
            config = try ModelConfig.load(path: name).0
            if config.vocabSize < tok.vocabSize {
                throw PrefkitError("\(name): vocab_size \(config.vocabSize) is smaller than the tokenizer's \(tok.vocabSize)")
            }
        }
        config.eosTokenIds = [eos]; config.padTokenId = pad; config.bosTokenId = nil
        let m = Transformer(config: config)
        m.randomInit(seed: seed, std: 0.02)
        return SFTSetup(model: m, tokenizer: tok, eos: eos, pad: pad)
    }

    /// Every text field of the data, for training the tokenizer.
    static func corpus(_ path: String, columns: ColumnMapping) throws -> [String] {
        var texts: [String] = [], lines = 0
        // Broken lines (and unmapped ones) are left to SFTData.load, which applies --on-bad-record to them.
        try JSONL.forEachLine(path) { _, _, parsed in
            lines += 1
            guard case .record(let raw) = parsed, let rec = try? columns.apply(raw).get() else { return }
            texts += RecordFormats.texts(rec)
        }
        if lines == 0 { throw PrefkitError("\(path): no records: nothing to do") }
        return texts
    }
}
