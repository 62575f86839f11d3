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
        // Saved copies (ModelDirectory writes tokenizer.json with a generic class)
        // must tokenize as this one did, so the file is rewritten with the class's
        // components when written back.
        var decoders: [[String: Any]] = [
            ["type": "Replace", "pattern": ["String": "\u{2581}"], "content": " "],
            ["type": "ByteFallback"],
            ["type": "Fuse"],
        ]
        if addPrefixSpace {
            decoders.append(["type": "Strip", "content": " ", "start": 1, "stop": 0])
        }
        config.rewrittenComponents = [
            "normalizer": NSNull(),
            "pre_tokenizer": ["type": "Metaspace", "replacement": "\u{2581}", "prepend_scheme": scheme.rawValue, "split": false],
            "decoder": ["type": "Sequence", "decoders": decoders],
        ]
    }

    /// `source` with the top-level components replaced and the model's class-pipeline
    /// fields set (no unk token, byte fallback, fused, merges not ignored).
    static func rewrite(_ source: [UInt8], components: [String: Any]) -> [UInt8] {
        guard var root = (try? JSONSerialization.jsonObject(with: Data(source))) as? [String: Any],
              var model = root["model"] as? [String: Any] else {
            // The bytes parsed when the tokenizer was loaded; this cannot happen.
            return source
        }
        for (key, value) in components {
            root[key] = value
        }
        model["unk_token"] = NSNull()
        model["byte_fallback"] = true
        model["fuse_unk"] = true
        model["ignore_merges"] = false
        root["model"] = model
        guard let data = try? JSONSerialization.data(withJSONObject: root, options: [.sortedKeys]) else {
            return source
        }
        return [UInt8](data)
    }
}
