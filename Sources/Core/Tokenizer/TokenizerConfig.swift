import Foundation

/// What this tokenizer understands of a tokenizer.json, parsed and validated.
/// Everything it does not implement is refused here with the offending field named,
/// so a model is never silently tokenized differently from Hugging Face.
struct TokenizerConfig {
    var vocab: [String: Int]
    var merges: [(String, String)]
    var ignoreMerges = false
    var addedTokens: [AddedToken] = []
    var nfc = false
    /// nil: no regex split, each segment is one word.
    var pattern: SplitPattern? = .qwen2
    /// The split comes from ByteLevel's own `use_regex` (GPT-2 layout) rather than a Split step.
    var patternFromByteLevel = false
    var addPrefixSpace = false

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
        let type = model["type"] as? String ?? "BPE"
        guard type == "BPE" else {
            throw PrefkitError("\(source): model.type is \(type.debugDescription); only byte-level \"BPE\" is supported")
        }
        for key in ["continuing_subword_prefix", "end_of_word_suffix"] {
            if let v = model[key] as? String, !v.isEmpty {
                throw PrefkitError("\(source): model.\(key) \(v.debugDescription) is not supported by byte-level BPE")
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
        self.ignoreMerges = model["ignore_merges"] as? Bool ?? false
        self.addedTokens = try Self.parseAddedTokens(root["added_tokens"], source: source)
        self.nfc = try Self.parseNormalizer(root["normalizer"], source: source)
        try parsePreTokenizer(root["pre_tokenizer"], source: source)
        if let dec = root["decoder"] as? [String: Any], let t = dec["type"] as? String, t != "ByteLevel" {
            throw PrefkitError("\(source): decoder type \(t.debugDescription) is not supported; expected \"ByteLevel\"")
        }
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

    /// Returns whether NFC applies; only NFC (alone or in a Sequence) is implemented.
    private static func parseNormalizer(_ value: Any?, source: String) throws -> Bool {
        guard let d = value as? [String: Any] else { return false }
        let type = d["type"] as? String ?? ""
        switch type {
        case "NFC":
            return true
        case "Sequence":
            let parts = d["normalizers"] as? [Any] ?? []
            var nfc = false
            for p in parts { nfc = try parseNormalizer(p, source: source) || nfc }
            return nfc
        default:
            throw PrefkitError("\(source): normalizer type \(type.debugDescription) is not supported (only NFC)")
        }
    }

    private mutating func parsePreTokenizer(_ value: Any?, source: String) throws {
        guard let d = value as? [String: Any] else {
            throw PrefkitError("\(source): pre_tokenizer is missing; a byte-level tokenizer needs ByteLevel")
        }
        var steps: [[String: Any]] = [d]
        if d["type"] as? String == "Sequence" {
            guard let list = d["pretokenizers"] as? [[String: Any]] else {
                throw PrefkitError("\(source): pre_tokenizer.pretokenizers is missing or malformed")
            }
            steps = list
        }
        var split: SplitPattern?? = nil // outer nil: no Split step seen
        var sawByteLevel = false
        for step in steps {
            let type = step["type"] as? String ?? ""
            switch type {
            case "Split":
                guard split == nil, !sawByteLevel else {
                    throw PrefkitError("\(source): pre_tokenizer has a Split step after another split; only one regex split is supported")
                }
                split = .some(try Self.parseSplit(step, source: source))
            case "ByteLevel":
                sawByteLevel = true
                addPrefixSpace = step["add_prefix_space"] as? Bool ?? false
                if step["use_regex"] as? Bool ?? true {
                    guard split == nil else {
                        throw PrefkitError("\(source): pre_tokenizer has both a Split step and ByteLevel use_regex true; only one regex split is supported")
                    }
                    split = .some(.gpt2)
                    patternFromByteLevel = true
                }
            default:
                throw PrefkitError("\(source): pre_tokenizer type \(type.debugDescription) is not supported (Split, ByteLevel, Sequence)")
            }
        }
        guard sawByteLevel else {
            throw PrefkitError("\(source): pre_tokenizer has no ByteLevel step; only byte-level BPE is supported")
        }
        pattern = split ?? nil
    }

    private static func parseSplit(_ step: [String: Any], source: String) throws -> SplitPattern {
        let behavior = step["behavior"] as? String ?? ""
        guard behavior == "Isolated" else {
            throw PrefkitError("\(source): Split behavior \(behavior.debugDescription) is not supported (only \"Isolated\")")
        }
        if step["invert"] as? Bool ?? false {
            throw PrefkitError("\(source): Split with invert true is not supported")
        }
        guard let p = step["pattern"] as? [String: Any], let regex = p["Regex"] as? String ?? p["String"] as? String else {
            throw PrefkitError("\(source): Split.pattern needs a \"Regex\" string")
        }
        guard let known = SplitPattern(regex: regex) else {
            throw PrefkitError("\(source): unknown pre-tokenizer split regex \(regex.debugDescription); supported: the GPT-2, Qwen2 and Llama-3 patterns")
        }
        return known
    }
}
