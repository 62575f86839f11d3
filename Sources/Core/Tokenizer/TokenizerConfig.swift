import Foundation

/// What this tokenizer understands of a tokenizer.json, parsed and validated.
/// Everything it does not implement is refused here with the offending field named,
/// so a model is never silently tokenized differently from Hugging Face.
struct TokenizerConfig {
    var vocab: [String: Int]
    var merges: [(String, String)]
    var ignoreMerges = false
    var bpe = BPEOptions()
    var addedTokens: [AddedToken] = []
    var normalizer: Normalizer?
    var preTokenizer: PreTokenizer?
    var postProcessor: PostProcessor?
    /// nil: HF joins the token strings with spaces.
    var decoder: TokenDecoder?
    /// The file as read, written back verbatim so a saved model keeps its exact
    /// tokenizer; nil for tokenizers built in code (see TokenizerJSONWriter).
    var sourceJSON: [UInt8]?
    /// Top-level components that replace the file's when it is written back (see
    /// TransformersClassPipeline); nil when the file is written verbatim.
    var rewrittenComponents: [String: Any]?

    init(vocab: [String: Int], merges: [(String, String)]) {
        self.vocab = vocab
        self.merges = merges
    }

    init(jsonData: [UInt8], source: String) throws {
        let root: [String: Any]
        do {
            guard let obj = try JSONSerialization.jsonObject(with: Data(jsonData)) as? [String: Any] else {
                throw PrefkitError("\(source): top level is not a JSON object")
            }
            root = obj
        } catch let e as PrefkitError {
            throw e
        } catch {
            throw PrefkitError("\(source): not valid JSON (\(error.localizedDescription))")
        }
        guard let model = root["model"] as? [String: Any] else {
            throw PrefkitError("\(source): missing \"model\" object")
        }
        let modelNode = try TokenizerJSONNode(model, path: "model", source: source)
        let type = model["type"] as? String ?? "BPE"
        guard type == "BPE" else {
            throw PrefkitError("\(source): model.type \(type.debugDescription) is not supported (only \"BPE\")")
        }
        try modelNode.allowOnly(["dropout", "unk_token", "continuing_subword_prefix", "end_of_word_suffix",
                                 "fuse_unk", "byte_fallback", "ignore_merges", "vocab", "merges"])
        for key in ["continuing_subword_prefix", "end_of_word_suffix"] {
            if let v = model[key] as? String, !v.isEmpty {
                throw PrefkitError("\(source): model.\(key) \(v.debugDescription) is not supported")
            }
        }
        if let dropout = model["dropout"], !(dropout is NSNull) {
            // Dropout makes encoding random; HF applies it only while training.
            guard (dropout as? Double) == 0 else {
                throw PrefkitError("\(source): model.dropout \(dropout) is not supported (only null)")
            }
        }
        guard let rawVocab = model["vocab"] as? [String: Any] else {
            throw PrefkitError("\(source): model.vocab is missing or not an object")
        }
        var vocab: [String: Int] = [:]
        vocab.reserveCapacity(rawVocab.count)
        for (tok, v) in rawVocab {
            guard let id = v as? Int else {
                throw PrefkitError("\(source): model.vocab[\(tok.debugDescription)] is not an integer id")
            }
            vocab[tok] = id
        }
        self.vocab = vocab
        self.merges = try Self.parseMerges(model["merges"], source: source)
        self.ignoreMerges = try modelNode.bool("ignore_merges", default: false)
        bpe.byteFallback = try modelNode.bool("byte_fallback", default: false)
        bpe.fuseUnk = try modelNode.bool("fuse_unk", default: false)
        if let unk = model["unk_token"], !(unk is NSNull) {
            guard let name = unk as? String, vocab[name] != nil else {
                throw PrefkitError("\(source): model.unk_token \(unk) is not a token of model.vocab")
            }
            bpe.unkToken = name
        }
        self.addedTokens = try Self.parseAddedTokens(root["added_tokens"], source: source)
        for key in root.keys.sorted() where !Self.topLevelKeys.contains(key) {
            throw PrefkitError("\(source): top-level field \(key.debugDescription) is not supported")
        }
        let top = try TokenizerJSONNode(root, path: "tokenizer", source: source)
        if let n = try top.optionalChild("normalizer") {
            normalizer = try NormalizerFactory.make(Self.rooted(n, "normalizer"))
        }
        if let n = try top.optionalChild("pre_tokenizer") {
            let (p, byteLevel) = try PreTokenizerFactory.make(Self.rooted(n, "pre_tokenizer"))
            preTokenizer = p
            bpe.byteLevel = byteLevel
        } else {
            bpe.byteLevel = false
        }
        if let n = try top.optionalChild("post_processor") {
            postProcessor = try PostProcessorFactory.make(Self.rooted(n, "post_processor"))
        }
        if let n = try top.optionalChild("decoder") {
            decoder = try TokenDecoderFactory.make(Self.rooted(n, "decoder"))
        }
        // "truncation" and "padding" are not read: transformers resets both on every
        // call, so they never change what `tokenizer(text)` returns.
        sourceJSON = jsonData
    }

    static let topLevelKeys: Set<String> = ["version", "truncation", "padding", "added_tokens", "normalizer",
                                             "pre_tokenizer", "post_processor", "decoder", "model"]

    /// Paths in messages start at the component ("pre_tokenizer.pretokenizers[1]").
    private static func rooted(_ n: TokenizerJSONNode, _ name: String) throws -> TokenizerJSONNode {
        try TokenizerJSONNode(n.object, path: name, source: n.source)
    }

    /// Merges come either as "a b" strings (older files) or ["a", "b"] pairs (newer).
    private static func parseMerges(_ value: Any?, source: String) throws -> [(String, String)] {
        guard let list = value as? [Any] else {
            if value == nil || value is NSNull { return [] }
            throw PrefkitError("\(source): model.merges is not an array")
        }
        var out: [(String, String)] = []
        out.reserveCapacity(list.count)
        for (i, m) in list.enumerated() {
            if let s = m as? String {
                let parts = s.split(separator: " ", omittingEmptySubsequences: false)
                guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                    throw PrefkitError("\(source): model.merges[\(i)] \(s.debugDescription) is not two tokens separated by one space")
                }
                out.append((String(parts[0]), String(parts[1])))
            } else if let p = m as? [Any], p.count == 2, let a = p[0] as? String, let b = p[1] as? String {
                out.append((a, b))
            } else {
                throw PrefkitError("\(source): model.merges[\(i)] is neither \"a b\" nor [\"a\", \"b\"]")
            }
        }
        return out
    }

    private static func parseAddedTokens(_ value: Any?, source: String) throws -> [AddedToken] {
        guard let list = value as? [Any] else { return [] }
        return try list.enumerated().map { i, item in
            guard let d = item as? [String: Any], let id = d["id"] as? Int, let content = d["content"] as? String,
                  !content.isEmpty else {
                throw PrefkitError("\(source): added_tokens[\(i)] needs an integer \"id\" and a non-empty \"content\"")
            }
            var t = AddedToken(id: id, content: content, special: d["special"] as? Bool ?? false)
            t.lstrip = d["lstrip"] as? Bool ?? false
            t.rstrip = d["rstrip"] as? Bool ?? false
            t.singleWord = d["single_word"] as? Bool ?? false
            // HF's default: special tokens are matched raw, others after normalization.
            t.normalized = d["normalized"] as? Bool ?? !t.special
            return t
        }
    }
}
