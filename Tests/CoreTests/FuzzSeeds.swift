import Core
import Foundation

/// Small valid files of every format the fuzz targets read; mutations start from these.
enum FuzzSeeds {
    static let corpus = [
        "The reviewer liked the battery life and the screen.",
        "Terrible support; the charger broke after two days.",
        "Ünïcödé, emoji 🙂 and tabs\tsurvive tokenization.",
        "short", "a longer sentence about a kettle that boils water quickly and quietly",
    ]

    /// A small byte-level BPE, cheap enough to load thousands of times. Tokenizer is not
    /// Sendable (its BPE cache mutates); XCTest runs these tests one at a time on one thread.
    nonisolated(unsafe) static let tokenizer: Tokenizer = Tokenizer.train(corpus: corpus, vocabSize: 300, specials: ["<|endoftext|>", "<|im_start|>", "<|im_end|>"])

    static func jsonl(_ records: [JSONValue]) -> [UInt8] {
        Array(records.map { $0.serialized() }.joined(separator: "\n").utf8) + [0x0A]
    }

    static var preferenceFiles: [[UInt8]] {
        let msgs: (String, String) -> JSONValue = { u, a in
            .array([.object([("role", "user"), ("content", .string(u))]), .object([("role", "assistant"), ("content", .string(a))])])
        }
        let trl = jsonl([
            ["prompt": "Rate the kettle.", "chosen": " It boils fast.", "rejected": " It is bad.", "id": "a1", "margin": 0.5],
            ["prompt": "Rate the phone.", "chosen": " Great screen.", "rejected": " Broken.", "gold_chosen": 1.5, "gold_rejected": -2],
            ["prompt": .array([.object([("role", "user"), ("content", "hi")])]), "chosen": .array([.object([("role", "assistant"), ("content", "hello")])]),
             "rejected": .array([.object([("role", "assistant"), ("content", "go away")])]), "id": 7],
        ])
        let hh = jsonl([
            ["chosen": "\n\nHuman: hi\n\nAssistant: hello there", "rejected": "\n\nHuman: hi\n\nAssistant: no"],
            ["chosen": msgs("q", "good answer"), "rejected": msgs("q", "bad answer")],
        ])
        let pku = jsonl([
            ["prompt": "Is it safe?", "response_0": "Yes, with care.", "response_1": "No idea.", "better_response_id": 0, "safer_response_id": 1],
        ])
        return [trl, hh, pku, (try? Zstd.compress(trl)) ?? trl]
    }

    static var sftFiles: [[UInt8]] {
        let plain = jsonl([
            ["prompt": "Rate the kettle.", "completion": " It boils fast."],
            ["text": "A whole document to learn from, every token scored."],
            ["messages": .array([.object([("role", "system"), ("content", "be brief")]), .object([("role", "user"), ("content", "hi")]),
                                 .object([("role", "assistant"), ("content", "hello")])])],
        ])
        return [plain, (try? Zstd.compress(plain)) ?? plain]
    }

    /// F32 with metadata, and a hand-built F16/BF16 file (the writer only writes F32).
    static func safetensorsFiles(scratch dir: String) throws -> [[UInt8]] {
        let a = dir + "/seed-a.safetensors"
        try SafetensorsWriter.write(a, tensors: [("w", [2, 3], [1, 2, 3, 4, 5, 6]), ("b", [3], [0.5, -1, 2]), ("empty", [0], [])],
                                    metadata: ["format": "pt", "step": "3"])
        let plain = [UInt8](try ArtifactFile.readRaw(a))
        return [plain, handBuilt(), try Zstd.compress(plain)]
    }

    static func handBuilt() -> [UInt8] {
        let header = #"{"__metadata__":{"format":"pt"},"h":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},"# +
            #""g":{"dtype":"BF16","shape":[2,1],"data_offsets":[4,8]},"d":{"dtype":"F64","shape":[1],"data_offsets":[8,16]}}"#
        var out: [UInt8] = []
        let h = Array(header.utf8)
        for k in 0..<8 { out.append(UInt8(truncatingIfNeeded: UInt64(h.count) >> (8 * UInt64(k)))) }
        out += h
        out += [0x00, 0x3C, 0x00, 0xC0]  // F16 1, -2
        out += [0x80, 0x3F, 0x00, 0x40]  // BF16 1, 2
        out += [0, 0, 0, 0, 0, 0, 0xF0, 0x3F]  // F64 1
        return out
    }

    static var tokenizerFiles: [[UInt8]] {
        let small = Tokenizer.train(corpus: Array(corpus.prefix(2)), vocabSize: 270, specials: ["</s>"])
        return [tokenizer.jsonData(), small.jsonData(), Array(sentencePieceSeed.utf8)]
    }

    /// A small SentencePiece-style file naming every component family the parser
    /// knows, so mutations reach each factory and its fields.
    static let sentencePieceSeed = #"""
    {"version": "1.0", "truncation": null, "padding": null,
     "added_tokens": [{"id": 0, "content": "<unk>", "special": true, "normalized": false},
                      {"id": 1, "content": "<s>", "special": true, "normalized": false}],
     "normalizer": {"type": "Sequence", "normalizers": [{"type": "NFKC"}, {"type": "Prepend", "prepend": "▁"},
                    {"type": "Replace", "pattern": {"String": " "}, "content": "▁"}]},
     "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
        {"type": "Split", "pattern": {"String": "▁"}, "behavior": "MergedWithNext", "invert": false},
        {"type": "Digits", "individual_digits": true},
        {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "first", "split": false}]},
     "post_processor": {"type": "Sequence", "processors": [{"type": "ByteLevel", "trim_offsets": false},
        {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
         "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}}],
         "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]}}}]},
     "decoder": {"type": "Sequence", "decoders": [{"type": "Replace", "pattern": {"String": "▁"}, "content": " "},
        {"type": "ByteFallback"}, {"type": "Fuse"}, {"type": "Strip", "content": " ", "start": 1, "stop": 0},
        {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always"}]},
     "model": {"type": "BPE", "dropout": null, "unk_token": "<unk>", "fuse_unk": true, "byte_fallback": true, "ignore_merges": false,
        "vocab": {"<unk>": 0, "<s>": 1, "<0xC3>": 2, "<0x9C>": 3, "▁": 4, "k": 5, "e": 6, "t": 7, "l": 8, "▁k": 9, "tt": 10, "▁ke": 11, "1": 12},
        "merges": [["▁", "k"], ["t", "t"], ["▁k", "e"]]}}
    """#

    /// A one-shot frame (content size recorded), a streamed multi-chunk frame (no size) and two frames back to back.
    static func zstdFiles(scratch dir: String) throws -> [[UInt8]] {
        let text = Array(corpus.joined(separator: "\n").utf8)
        let one = try Zstd.compress(text)
        let w = try ArtifactWriter(path: dir + "/seed.zst", compress: true)
        for _ in 0..<20 { try w.write(text) }
        try w.commit()
        let streamed = try ArtifactFile.readRaw(dir + "/seed.zst")
        return [one, streamed, one + (try Zstd.compress(Array("second frame\n".utf8)))]
    }
}
