/// A tokenizer.json `decoder`: turns token strings back into text. Each step maps a
/// list of strings to a list of strings (HF's `decode_chain`); the result is joined.
protocol TokenDecoder: Sendable {
    func decodeChain(_ tokens: [String]) -> [String]
}

enum TokenDecoderFactory {
    static let supported = ["Replace", "ByteFallback", "Fuse", "Strip", "Metaspace", "ByteLevel", "Sequence"]

    static func make(_ node: TokenizerJSONNode) throws -> TokenDecoder {
        let type = try node.type()
        switch type {
        case "Replace":
            try node.allowOnly(["pattern", "content"])
            let pattern = try node.pattern("pattern")
            guard let literal = pattern.string, !literal.isEmpty else {
                throw node.error("\(node.path).pattern must be a non-empty String (Regex is not supported)")
            }
            return ReplaceDecoder(replacer: LiteralReplacer(pattern: literal, content: try node.string("content")))
        case "ByteFallback":
            try node.allowOnly([])
            return ByteFallbackDecoder()
        case "Fuse":
            try node.allowOnly([])
            return FuseDecoder()
        case "Strip":
            return try StripDecoder(node)
        case "Metaspace":
            return try MetaspaceDecoder(node)
        case "ByteLevel":
            // Its fields only matter when pre-tokenizing; decoding ignores them in HF too.
            try node.allowOnly(["add_prefix_space", "trim_offsets", "use_regex"])
            return ByteLevelDecoder()
        case "Sequence":
            try node.allowOnly(["decoders"])
            return SequenceDecoder(steps: try node.children("decoders").map(make))
        default:
            throw node.unsupportedType(type, supported: supported)
        }
    }
}

struct SequenceDecoder: TokenDecoder {
    let steps: [TokenDecoder]

    func decodeChain(_ tokens: [String]) -> [String] {
        var out = tokens
        for step in steps {
            out = step.decodeChain(out)
        }
        return out
    }
}

struct ReplaceDecoder: TokenDecoder {
    let replacer: LiteralReplacer

    func decodeChain(_ tokens: [String]) -> [String] {
        tokens.map(replacer.apply)
    }
}

/// Runs of `<0xNN>` tokens become the text their bytes spell; a run that is not
/// valid UTF-8 becomes one U+FFFD per byte, as HF does.
struct ByteFallbackDecoder: TokenDecoder {
    static func byte(_ token: String) -> UInt8? {
        let u = Array(token.utf8)
        guard u.count == 6, u[0] == 0x3C, u[1] == 0x30, u[2] == 0x78, u[5] == 0x3E else {
            return nil
        }
        return UInt8(String(decoding: u[3...4], as: UTF8.self), radix: 16)
    }

    func decodeChain(_ tokens: [String]) -> [String] {
        var out: [String] = []
        out.reserveCapacity(tokens.count)
        var pending: [UInt8] = []
        func flush() {
            guard !pending.isEmpty else {
                return
            }
            if let s = String(validating: pending, as: UTF8.self) {
                out.append(s)
            } else {
                out.append(contentsOf: Array(repeating: "\u{FFFD}", count: pending.count))
            }
            pending.removeAll(keepingCapacity: true)
        }
        for t in tokens {
            if let b = Self.byte(t) {
                pending.append(b)
            } else {
                flush()
                out.append(t)
            }
        }
        flush()
        return out
    }
}

struct FuseDecoder: TokenDecoder {
    func decodeChain(_ tokens: [String]) -> [String] {
        [tokens.joined()]
    }
}

/// Removes up to `start` leading and `stop` trailing `content` characters per token.
struct StripDecoder: TokenDecoder {
    let content: Character
    let start: Int
    let stop: Int

    init(_ node: TokenizerJSONNode) throws {
        try node.allowOnly(["content", "start", "stop"])
        let c = try node.string("content")
        guard c.count == 1, let ch = c.first else {
            throw node.error("\(node.path).content \(c.debugDescription) is not one character")
        }
        content = ch
        start = try node.int("start")
        stop = try node.int("stop")
    }

    init(content: Character, start: Int, stop: Int) {
        self.content = content
        self.start = start
        self.stop = stop
    }

    func decodeChain(_ tokens: [String]) -> [String] {
        tokens.map { token in
            // HF works on Rust chars (scalars), not grapheme clusters.
            let chars = Array(token.unicodeScalars)
            let target = content.unicodeScalars.first
            var lo = 0
            while lo < min(start, chars.count) && chars[lo] == target {
                lo += 1
            }
            var hi = chars.count
            var cut = 0
            while cut < stop && hi > lo && chars[hi - 1] == target {
                hi -= 1
                cut += 1
            }
            var s = String.UnicodeScalarView()
            s.append(contentsOf: chars[lo..<hi])
            return String(s)
        }
    }
}

/// `Metaspace` decoding: "▁" becomes a space; in the first token HF drops them
/// (the prepended one) unless prepend_scheme is "never".
struct MetaspaceDecoder: TokenDecoder {
    let replacement: Unicode.Scalar
    let dropInFirst: Bool

    init(_ node: TokenizerJSONNode) throws {
        try node.allowOnly(["replacement", "prepend_scheme", "split", "add_prefix_space", "str_rep"])
        let r = try node.string("replacement")
        guard r.unicodeScalars.count == 1, let scalar = r.unicodeScalars.first else {
            throw node.error("\(node.path).replacement \(r.debugDescription) is not one character")
        }
        replacement = scalar
        if let scheme = node.object["prepend_scheme"] as? String {
            guard ["always", "first", "never"].contains(scheme) else {
                throw node.error("\(node.path).prepend_scheme \(scheme.debugDescription) is not supported (always, first, never)")
            }
            dropInFirst = scheme != "never"
        } else {
            dropInFirst = try node.bool("add_prefix_space", default: true)
        }
    }

    func decodeChain(_ tokens: [String]) -> [String] {
        tokens.enumerated().map { i, token in
            var s = String.UnicodeScalarView()
            for c in token.unicodeScalars {
                if c == replacement {
                    if i == 0 && dropInFirst {
                        continue
                    }
                    s.append(" ")
                } else {
                    s.append(c)
                }
            }
            return String(s)
        }
    }
}

/// Byte-level spelling back to bytes, then lossy UTF-8, as one string.
struct ByteLevelDecoder: TokenDecoder {
    func decodeChain(_ tokens: [String]) -> [String] {
        var bytes: [UInt8] = []
        for t in tokens {
            bytes.append(contentsOf: ByteUnicodeMap.tokenBytes(t))
        }
        return [String(decoding: bytes, as: UTF8.self)]
    }
}
