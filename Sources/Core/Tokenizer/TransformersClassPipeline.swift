import Foundation

/// transformers 5 builds some tokenizer classes' pipelines in code and takes only
/// the vocabulary, merges, added tokens and post-processor from tokenizer.json. For
/// the SentencePiece-style classes that changes ids, so `tokenizer(text)` is matched
/// by doing the same when tokenizer_config.json names such a class.
enum TransformersClassPipeline {
    /// `LlamaTokenizer` (Llama 2, TinyLlama, Mistral v0.1 configs): no normalizer,
    /// Metaspace with prepend_scheme "first" ("always" with `legacy: true`, "never"
    /// with `add_prefix_space: false`), no split, byte fallback, no unknown token.
    /// Old Llama 2 files spell this as a Prepend normalizer instead, which prepends
    /// "▁" after every special token too; transformers 5 does not.
    static let llamaClasses: Set<String> = ["LlamaTokenizer", "LlamaTokenizerFast"]

    static func apply(tokenizerConfigPath: String, to config: inout TokenizerConfig) {
        guard let data = FileManager.default.contents(atPath: tokenizerConfigPath),
              let root = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
              let cls = root["tokenizer_class"] as? String, llamaClasses.contains(cls) else {
            return
        }
        // A byte-level file under a Llama class name would be spelled in the wrong
        // alphabet by the class pipeline; such files are read as written.
        guard !config.bpe.byteLevel else {
            return
        }
        let addPrefixSpace = root["add_prefix_space"] as? Bool ?? true
        let legacy = root["legacy"] as? Bool ?? false
        let scheme: MetaspacePreTokenizer.PrependScheme = addPrefixSpace ? (legacy ? .always : .first) : .never
        config.normalizer = nil
        config.preTokenizer = MetaspacePreTokenizer(replacement: "\u{2581}", scheme: scheme, split: false)
        config.bpe.byteFallback = true
        config.bpe.fuseUnk = true
        config.bpe.unkToken = nil
        config.ignoreMerges = false
        var steps: [TokenDecoder] = [
            ReplaceDecoder(replacer: LiteralReplacer(pattern: "\u{2581}", content: " ")),
            ByteFallbackDecoder(),
            FuseDecoder(),
        ]
        if addPrefixSpace {
            steps.append(StripDecoder(content: " ", start: 1, stop: 0))
        }
        config.decoder = SequenceDecoder(steps: steps)
    }
}
