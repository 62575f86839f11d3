import Foundation

/// A tokenizer.json `normalizer`: rewrites each text segment between added tokens
/// before pre-tokenization. Only the final string matters for ids, so HF's offset
/// alignment bookkeeping is not reproduced.
protocol Normalizer: Sendable {
    func normalize(_ s: String) -> String
}

enum NormalizerFactory {
    static let supported = ["NFC", "NFKC", "Replace", "Prepend", "Sequence"]

    static func make(_ node: TokenizerJSONNode) throws -> Normalizer {
        let type = try node.type()
        switch type {
        case "NFC":
            try node.allowOnly([])
            return NFCNormalizer()
        case "NFKC":
            try node.allowOnly([])
            return NFKCNormalizer()
        case "Replace":
            return try ReplaceNormalizer(node)
        case "Prepend":
            try node.allowOnly(["prepend"])
            return PrependNormalizer(prefix: try node.string("prepend"))
        case "Sequence":
            try node.allowOnly(["normalizers"])
            return SequenceNormalizer(steps: try node.children("normalizers").map(make))
        default:
            throw node.unsupportedType(type, supported: supported)
        }
    }
}

struct NFCNormalizer: Normalizer {
    /// ASCII is already NFC; skipping Foundation for it keeps English text fast.
    func normalize(_ s: String) -> String {
        if s.utf8.allSatisfy({ $0 < 0x80 }) {
            return s
        }
        return s.precomposedStringWithCanonicalMapping
    }
}

struct NFKCNormalizer: Normalizer {
    func normalize(_ s: String) -> String {
        if s.utf8.allSatisfy({ $0 < 0x80 }) {
            return s
        }
        return s.precomposedStringWithCompatibilityMapping
    }
}

/// `Replace` with a literal pattern (SentencePiece layouts turn " " into "▁").
struct ReplaceNormalizer: Normalizer {
    let replacer: LiteralReplacer

    init(_ node: TokenizerJSONNode) throws {
        try node.allowOnly(["pattern", "content"])
        let pattern = try node.pattern("pattern")
        guard let literal = pattern.string else {
            throw node.error("\(node.path).pattern Regex \((pattern.regex ?? "").debugDescription) is not supported (only String patterns)")
        }
        guard !literal.isEmpty else {
            throw node.error("\(node.path).pattern is an empty string")
        }
        replacer = LiteralReplacer(pattern: literal, content: try node.string("content"))
    }

    func normalize(_ s: String) -> String {
        replacer.apply(s)
    }
}

/// `Prepend`: HF adds the prefix only to non-empty segments.
struct PrependNormalizer: Normalizer {
    let prefix: String

    func normalize(_ s: String) -> String {
        s.isEmpty ? s : prefix + s
    }
}

struct SequenceNormalizer: Normalizer {
    let steps: [Normalizer]

    func normalize(_ s: String) -> String {
        var out = s
        for step in steps {
            out = step.normalize(out)
        }
        return out
    }
}

/// Replaces every non-overlapping occurrence of a literal, left to right, on UTF-8
/// bytes (Foundation's replacingOccurrences is several times slower on long text).
struct LiteralReplacer: Sendable {
    let pattern: [UInt8]
    let content: [UInt8]

    init(pattern: String, content: String) {
        self.pattern = Array(pattern.utf8)
        self.content = Array(content.utf8)
    }

    func apply(_ s: String) -> String {
        var s = s
        return s.withUTF8 { bytes in
            guard let first = pattern.first, bytes.contains(first) else {
                return String(decoding: bytes, as: UTF8.self)
            }
            var out: [UInt8] = []
            out.reserveCapacity(bytes.count + bytes.count / 4)
            let n = bytes.count
            let m = pattern.count
            var i = 0
            while i < n {
                if bytes[i] == first && i + m <= n && matches(bytes, at: i) {
                    out.append(contentsOf: content)
                    i += m
                } else {
                    out.append(bytes[i])
                    i += 1
                }
            }
            return String(decoding: out, as: UTF8.self)
        }
    }

    @inline(__always)
    private func matches(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int) -> Bool {
        for k in 1..<pattern.count where bytes[i + k] != pattern[k] {
            return false
        }
        return true
    }
}
