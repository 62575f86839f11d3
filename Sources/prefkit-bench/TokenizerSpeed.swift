import ArgumentParser
import Core
import Foundation

/// `prefkit-bench tokenizer`: load time and encode speed (one core) of a generated
/// SentencePiece-style tokenizer.json laid out like Gemma 3's (Replace normalizer,
/// no-op Split, byte fallback, BOS template), 262,144 tokens by default.
struct TokenizerSpeed: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tokenizer",
        abstract: "Time loading and encoding with a generated 262k-token SentencePiece-style tokenizer.json.")
    @Option(help: "Vocabulary size of the generated tokenizer.") var vocab = 262_144
    @Option(help: "MB of English-like text to encode (ignored with --text).") var mb = 4.0
    @Option(help: "Encode this file instead of generated text (e.g. README.md).") var text: String?
    @Flag(help: "Add tokens with \"▁\" after every letter and punctuation mark, so no word may be cut early (the slowest SentencePiece case).") var innerMetaspace = false
    @Option(help: "Where to write the generated tokenizer.json.") var dir = NSTemporaryDirectory() + "prefkit-bench-tokenizer"

    /// Common English words, most frequent first: the text is drawn from them (Zipf),
    /// and each is one token, as in a real 262k vocabulary.
    static let words = """
    the of and to a in is that for it as was with be by on not he this are or his from at which but have an they \
    you were her she there been one all we their has would when if so no will more can who out other what up into \
    time only some could them its than then now my made like over such our even most after also did many before \
    must through back years where much your way well down should because each just those people how too little \
    state good very make world still own see men work long get here between both life being under never day same \
    another know while last might us great old year off come since against go came right used take three states \
    himself few house use during without again place american around however home small found thought went say part \
    once general high upon school every does got united left number course war until always away something fact \
    though water less public put think almost hand enough far took head yet government system better set told nothing \
    night end why called did eyes find going look asked later knew point next program city business give group toward \
    young days let room president side social given present several order national possible rather second face per \
    among form important often things looked early white john case become large big need four within felt children \
    along saw best church ever least power development light thing seemed family interest want members mind country \
    model reward policy training preference data token text language learning optimization gradient loss value
    """.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)

    func run() throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = dir + "/tokenizer.json"
        let (tokens, merges) = Self.generate(vocab: vocab, innerMetaspace: innerMetaspace)
        try Self.writeJSON(path: path, tokens: tokens, merges: merges)
        let size = ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0

        let t0 = Date()
        let tok = try Tokenizer(path: path)
        let load = Date().timeIntervalSince(t0)

        let input: String
        if let text {
            input = try String(contentsOfFile: text, encoding: .utf8)
        } else {
            input = Self.englishText(bytes: Int(mb * 1e6))
        }
        // Warm the word cache the way a long run would have it, then time a cold
        // tokenizer separately so both figures are visible.
        let t1 = Date()
        let ids = tok.encode(input, addSpecialTokens: true)
        let cold = Date().timeIntervalSince(t1)
        let t2 = Date()
        let again = tok.encode(input, addSpecialTokens: true)
        let warm = Date().timeIntervalSince(t2)
        guard again == ids else {
            throw ValidationError("encoding twice gave different ids")
        }
        let decoded = tok.decode(Array(ids.dropFirst()))
        let roundTrip = decoded == input
        let bytes = Double(input.utf8.count)
        print(String(format: "tokenizer.json: %d tokens, %d merges, %.1f MB, loaded in %.2f s", tok.vocabSize, merges.count, Double(size) / 1e6, load))
        print(String(format: "encode (one thread): %.2f MB -> %d ids; first pass %.2f MB/s, second pass %.2f MB/s; decode round trip %@",
                     bytes / 1e6, ids.count, bytes / 1e6 / cold, bytes / 1e6 / warm, roundTrip ? "exact" : "DIFFERS"))
        print(String(format: "peak RSS %.0f MiB", peakRSSMiB()))
    }

    /// Tokens in id order (specials, 256 byte tokens, characters, then merge results)
    /// and merges whose ranks build every word left to right, shorter pieces first.
    static func generate(vocab size: Int, innerMetaspace: Bool) -> (tokens: [String], merges: [(String, String)]) {
        var tokens = ["<pad>", "<eos>", "<bos>", "<unk>", "<mask>"]
        tokens += (0..<256).map { String(format: "<0x%02X>", $0) }
        var seen = Set(tokens)
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,;:!?'\"()-\n\u{2581}")
        for c in alphabet where seen.insert(String(c)).inserted {
            tokens.append(String(c))
        }
        var merges: [(String, String)] = []
        func add(_ word: String) {
            var prefix = ""
            for c in word {
                let next = prefix + String(c)
                if !prefix.isEmpty && seen.insert(next).inserted {
                    merges.append((prefix, String(c)))
                    tokens.append(next)
                }
                prefix = next
            }
        }
        if innerMetaspace {
            for c in alphabet where c != "\u{2581}" {
                add(String(c) + "\u{2581}")
            }
        }
        for w in words {
            add("\u{2581}" + w)
            add("\u{2581}" + w.prefix(1).uppercased() + w.dropFirst())
        }
        // Pseudo-words fill the rest, as the long tail of a real vocabulary does.
        var rng = SplitMix(state: 7)
        let letters = Array("etaoinshrdlcumwfgypbvkjxqz")
        while tokens.count < size {
            let n = 2 + Int(rng.next() % 9)
            var w = rng.next() % 2 == 0 ? "\u{2581}" : ""
            for _ in 0..<n {
                let r = Double(rng.next() % 10_000) / 10_000
                w.append(letters[min(Int(Double(letters.count) * r * r), letters.count - 1)])
            }
            add(w)
        }
        tokens = Array(tokens.prefix(size))
        let kept = Set(tokens)
        merges = merges.filter { kept.contains($0.0 + $0.1) }
        // Files converted from SentencePiece list every split of a token into two
        // tokens, so they hold about twice as many merges as tokens (Gemma 3: ~514k).
        // The other splits into two tokens rank after the ones above, up to that count.
        var extra: [(String, String)] = []
        for t in tokens where t.count >= 3 && !t.hasPrefix("<") {
            let chars = Array(t)
            for cut in 1..<(chars.count - 1) {
                let head = String(chars[..<cut])
                let rest = String(chars[cut...])
                if kept.contains(head) && kept.contains(rest) {
                    extra.append((head, rest))
                }
            }
        }
        return (tokens, merges + extra.prefix(max(0, 514_000 - merges.count)))
    }

    static func writeJSON(path: String, tokens: [String], merges: [(String, String)]) throws {
        var vocab: [String: Int] = [:]
        for (i, t) in tokens.enumerated() {
            vocab[t] = i
        }
        let added = ["<pad>", "<eos>", "<bos>", "<unk>", "<mask>"].enumerated().map { i, t in
            ["id": i, "content": t, "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true] as [String: Any]
        }
        let root: [String: Any] = [
            "version": "1.0",
            "added_tokens": added,
            "normalizer": ["type": "Replace", "pattern": ["String": " "], "content": "\u{2581}"],
            "pre_tokenizer": ["type": "Split", "pattern": ["String": " "], "behavior": "MergedWithPrevious", "invert": false],
            "post_processor": ["type": "TemplateProcessing",
                               "single": [["SpecialToken": ["id": "<bos>", "type_id": 0]], ["Sequence": ["id": "A", "type_id": 0]]],
                               "pair": [["SpecialToken": ["id": "<bos>", "type_id": 0]], ["Sequence": ["id": "A", "type_id": 0]],
                                        ["SpecialToken": ["id": "<bos>", "type_id": 1]], ["Sequence": ["id": "B", "type_id": 1]]],
                               "special_tokens": ["<bos>": ["id": "<bos>", "ids": [2], "tokens": ["<bos>"]]]],
            "decoder": ["type": "Sequence", "decoders": [
                ["type": "Replace", "pattern": ["String": "\u{2581}"], "content": " "], ["type": "ByteFallback"], ["type": "Fuse"]]],
            "model": ["type": "BPE", "dropout": NSNull(), "unk_token": "<unk>", "continuing_subword_prefix": NSNull(),
                      "end_of_word_suffix": NSNull(), "fuse_unk": true, "byte_fallback": true, "ignore_merges": false,
                      "vocab": vocab, "merges": merges.map { [$0.0, $0.1] }],
        ]
        // Pretty-printed like the files on the hub (Gemma 3's is 33 MB).
        let data = try JSONSerialization.data(withJSONObject: root, options: [.prettyPrinted])
        try data.write(to: URL(fileURLWithPath: path))
    }

    /// Sentences of Zipf-distributed common words with punctuation, numbers and the
    /// odd accented or CJK word (byte fallback).
    static func englishText(bytes: Int) -> String {
        var rng = SplitMix(state: 11)
        var s = ""
        s.reserveCapacity(bytes + 100)
        var startOfSentence = true
        while s.utf8.count < bytes {
            let r = Double(rng.next() % 100_000) / 100_000
            var w = words[min(Int(Double(words.count) * r * r * r), words.count - 1)]
            if startOfSentence {
                w = w.prefix(1).uppercased() + w.dropFirst()
            }
            s += w
            startOfSentence = false
            switch rng.next() % 24 {
            case 0: s += ". "; startOfSentence = true
            case 1: s += ", "
            case 2: s += ".\n\n"; startOfSentence = true
            case 3: s += " \(rng.next() % 2000) "
            case 4: s += " café "
            case 5: s += " 東京 "
            default: s += " "
            }
        }
        return s
    }
}

struct SplitMix {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
