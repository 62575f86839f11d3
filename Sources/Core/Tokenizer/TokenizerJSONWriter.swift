/// Writes tokenizer.json by hand rather than via JSONSerialization so the key order
/// matches HF files (vocab sorted by id, merges in rank order) and diffs stay readable.
struct TokenizerJSONWriter {
    private(set) var out = ""

    static func quote(_ s: String) -> String {
        var r = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\"": r += "\\\""
            case "\\": r += "\\\\"
            case "\n": r += "\\n"
            case "\r": r += "\\r"
            case "\t": r += "\\t"
            case _ where c.value < 0x20 || c.value == 0x7F || (c.value >= 0x80 && c.value < 0xA0):
                // Control characters escaped so the file survives any text tooling.
                let hex = String(c.value, radix: 16)
                r += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default:
                r.unicodeScalars.append(c)
            }
        }
        return r + "\""
    }

    mutating func raw(_ s: String) { out += s }
}

extension Tokenizer {
    /// This tokenizer as a tokenizer.json that HF `tokenizers` loads: a loaded file
    /// verbatim (with a transformers class's components, when one replaced the file's); one built in code laid out like Qwen2's (NFC, Split + ByteLevel,
    /// ByteLevel decoder, [a, b] merges), which is the only layout the builders make.
    public func jsonData() -> [UInt8] {
        if let source = config.sourceJSON {
            guard let components = config.rewrittenComponents else {
                return source
            }
            return TransformersClassPipeline.rewrite(source, components: components)
        }
        let q = TokenizerJSONWriter.quote
        var w = TokenizerJSONWriter()
        func bool(_ b: Bool) -> String { b ? "true" : "false" }
        w.raw("{\n  \"version\": \"1.0\",\n  \"truncation\": null,\n  \"padding\": null,\n  \"added_tokens\": [")
        for (i, t) in config.addedTokens.sorted(by: { $0.id < $1.id }).enumerated() {
            w.raw(i == 0 ? "\n" : ",\n")
            w.raw("    {\"id\": \(t.id), \"content\": \(q(t.content)), \"single_word\": \(bool(t.singleWord)), "
                + "\"lstrip\": \(bool(t.lstrip)), \"rstrip\": \(bool(t.rstrip)), "
                + "\"normalized\": \(bool(t.normalized)), \"special\": \(bool(t.special))}")
        }
        w.raw(config.addedTokens.isEmpty ? "],\n" : "\n  ],\n")
        w.raw("  \"normalizer\": {\"type\": \"NFC\"},\n")
        w.raw("  \"pre_tokenizer\": {\"type\": \"Sequence\", \"pretokenizers\": [{\"type\": \"Split\", \"pattern\": {\"Regex\": \(q(SplitPattern.qwen2Regex))}, "
            + "\"behavior\": \"Isolated\", \"invert\": false}, {\"type\": \"ByteLevel\", \"add_prefix_space\": false, \"trim_offsets\": false, \"use_regex\": false}]},\n")
        w.raw("  \"post_processor\": {\"type\": \"ByteLevel\", \"add_prefix_space\": false, \"trim_offsets\": false, \"use_regex\": false},\n")
        w.raw("  \"decoder\": {\"type\": \"ByteLevel\", \"add_prefix_space\": true, \"trim_offsets\": true, \"use_regex\": true},\n")
        w.raw("  \"model\": {\n    \"type\": \"BPE\",\n    \"dropout\": null,\n    \"unk_token\": null,\n"
            + "    \"continuing_subword_prefix\": null,\n    \"end_of_word_suffix\": null,\n    \"fuse_unk\": false,\n"
            + "    \"byte_fallback\": false,\n    \"ignore_merges\": \(bool(config.ignoreMerges)),\n    \"vocab\": {")
        for (i, entry) in config.vocab.sorted(by: { $0.value < $1.value }).enumerated() {
            w.raw(i == 0 ? "\n      " : ",\n      ")
            w.raw("\(q(entry.key)): \(entry.value)")
        }
        w.raw("\n    },\n    \"merges\": [")
        for (i, m) in config.merges.enumerated() {
            w.raw(i == 0 ? "\n      " : ",\n      ")
            w.raw("[\(q(m.0)), \(q(m.1))]")
        }
        w.raw(config.merges.isEmpty ? "]\n  }\n}\n" : "\n    ]\n  }\n}\n")
        return Array(w.out.utf8)
    }
}
