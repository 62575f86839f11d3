/// A tokenizer.json `pre_tokenizer`: cuts a normalized segment into the words BPE
/// sees. `atStart` says the piece begins at offset 0 of the original input, which
/// Metaspace's prepend_scheme "first" depends on.
protocol PreTokenizer: Sendable {
    func preTokenize(_ piece: String, atStart: Bool, _ emit: (String, Bool) -> Void)
    /// As the last step: each word's UTF-8 bytes for BPE. Steps that only cut their
    /// input lend slices of it instead of making a String per word.
    func forEachWord(in piece: String, atStart: Bool, _ word: (WordBytes) -> Void)
}

extension PreTokenizer {
    func forEachWord(in piece: String, atStart: Bool, _ word: (WordBytes) -> Void) {
        preTokenize(piece, atStart: atStart) { p, _ in
            var bytes = p
            bytes.withUTF8 { word($0[...]) }
        }
    }
}

enum PreTokenizerFactory {
    static let supported = ["Metaspace", "Split", "Digits", "ByteLevel", "Sequence"]

    /// Also returns whether a ByteLevel step is present: BPE then works on bytes
    /// spelled with GPT-2's byte map instead of on characters.
    static func make(_ node: TokenizerJSONNode) throws -> (PreTokenizer, byteLevel: Bool) {
        let type = try node.type()
        switch type {
        case "Metaspace":
            return (try MetaspacePreTokenizer(node), false)
        case "Split":
            return (try SplitPreTokenizer(node), false)
        case "Digits":
            try node.allowOnly(["individual_digits"])
            return (DigitsPreTokenizer(individual: try node.bool("individual_digits", default: false)), false)
        case "ByteLevel":
            return (try ByteLevelPreTokenizer(node), true)
        case "Sequence":
            try node.allowOnly(["pretokenizers"])
            let children = try node.children("pretokenizers")
            var steps: [PreTokenizer] = []
            var byteLevel = false
            for child in children {
                // Steps after ByteLevel would see its byte-map spelling, which the
                // BPE here only applies at the very end.
                if byteLevel {
                    throw node.error("\(child.path) comes after a ByteLevel step; only ByteLevel as the last step is supported")
                }
                let (step, isByteLevel) = try make(child)
                steps.append(step)
                byteLevel = isByteLevel
            }
            // A ByteLevel step without prefix space or regex only chooses the byte
            // alphabet, which `byteLevel` records; dropping it saves a call per word.
            let working = steps.filter { step in
                guard let b = step as? ByteLevelPreTokenizer else { return true }
                return b.addPrefixSpace || b.splitter != nil
            }
            if working.count == 1, let only = working.first {
                return (only, byteLevel)
            }
            return (SequencePreTokenizer(steps: working), byteLevel)
        default:
            throw node.unsupportedType(type, supported: supported)
        }
    }
}

struct SequencePreTokenizer: PreTokenizer {
    let steps: [PreTokenizer]

    func preTokenize(_ piece: String, atStart: Bool, _ emit: (String, Bool) -> Void) {
        run(0, piece, atStart, emit)
    }

    func forEachWord(in piece: String, atStart: Bool, _ word: (WordBytes) -> Void) {
        guard let last = steps.last else {
            var bytes = piece
            bytes.withUTF8 { word($0[...]) }
            return
        }
        runThenWords(0, piece, atStart, last, word)
    }

    private func runThenWords(_ k: Int, _ piece: String, _ atStart: Bool, _ last: PreTokenizer, _ word: (WordBytes) -> Void) {
        if k == steps.count - 1 {
            last.forEachWord(in: piece, atStart: atStart, word)
            return
        }
        steps[k].preTokenize(piece, atStart: atStart) { p, s in
            runThenWords(k + 1, p, s, last, word)
        }
    }

    private func run(_ k: Int, _ piece: String, _ atStart: Bool, _ emit: (String, Bool) -> Void) {
        if k == steps.count {
            emit(piece, atStart)
            return
        }
        steps[k].preTokenize(piece, atStart: atStart) { p, s in
            run(k + 1, p, s, emit)
        }
    }
}

/// Emits the byte ranges of `piece` as strings, each flagged with whether it starts
/// the original text.
@inline(__always)
func emitRanges(_ bytes: UnsafeBufferPointer<UInt8>, _ ranges: [Range<Int>], atStart: Bool,
                _ emit: (String, Bool) -> Void) {
    for r in ranges {
        emit(String(decoding: UnsafeBufferPointer(rebasing: bytes[r]), as: UTF8.self), atStart && r.lowerBound == 0)
    }
}

/// `Metaspace`: spaces become the replacement character ("▁"), which is also
/// prepended per prepend_scheme; with split true each "▁" starts a new word.
struct MetaspacePreTokenizer: PreTokenizer {
    enum PrependScheme: String {
        case always
        case first
        case never
    }

    let replacement: String
    let replacer: LiteralReplacer
    let scheme: PrependScheme
    let split: Bool
    private let replacementBytes: [UInt8]

    init(_ node: TokenizerJSONNode) throws {
        try node.allowOnly(["replacement", "prepend_scheme", "split", "add_prefix_space", "str_rep"])
        let replacement = try node.string("replacement")
        guard replacement.unicodeScalars.count == 1 else {
            throw node.error("\(node.path).replacement \(replacement.debugDescription) is not one character")
        }
        if let rep = node.object["str_rep"] as? String, rep != replacement {
            throw node.error("\(node.path).str_rep \(rep.debugDescription) differs from replacement \(replacement.debugDescription)")
        }
        if let s = node.object["prepend_scheme"] as? String {
            guard let scheme = PrependScheme(rawValue: s) else {
                throw node.error("\(node.path).prepend_scheme \(s.debugDescription) is not supported (always, first, never)")
            }
            self.scheme = scheme
        } else {
            // Files from before prepend_scheme existed say add_prefix_space instead.
            self.scheme = try node.bool("add_prefix_space", default: true) ? .always : .never
        }
        self.replacement = replacement
        self.replacer = LiteralReplacer(pattern: " ", content: replacement)
        self.split = try node.bool("split", default: true)
        self.replacementBytes = Array(replacement.utf8)
    }

    init(replacement: String, scheme: PrependScheme, split: Bool) {
        self.replacement = replacement
        self.replacer = LiteralReplacer(pattern: " ", content: replacement)
        self.scheme = scheme
        self.split = split
        self.replacementBytes = Array(replacement.utf8)
    }

    func preTokenize(_ piece: String, atStart: Bool, _ emit: (String, Bool) -> Void) {
        var s = replacer.apply(piece)
        let prepend = scheme == .always || (scheme == .first && atStart)
        if prepend && !s.utf8.starts(with: replacementBytes) {
            s = replacement + s
        }
        guard split else {
            emit(s, atStart)
            return
        }
        s.withUTF8 { bytes in
            let matches = LiteralMatcher(replacementBytes).matches(in: bytes)
            let spans = SplitBehavior.spans(matches: matches, count: bytes.count)
            emitRanges(bytes, SplitBehavior.mergedWithNext.regroup(spans, invert: false), atStart: atStart, emit)
        }
    }
}

/// Non-overlapping occurrences of a literal, leftmost first.
struct LiteralMatcher {
    let pattern: [UInt8]

    init(_ pattern: [UInt8]) {
        self.pattern = pattern
    }

    func matches(in bytes: UnsafeBufferPointer<UInt8>) -> [Range<Int>] {
        var out: [Range<Int>] = []
        guard let first = pattern.first else {
            return out
        }
        let n = bytes.count
        let m = pattern.count
        var i = 0
        while i + m <= n {
            if bytes[i] == first && (1..<m).allSatisfy({ bytes[i + $0] == pattern[$0] }) {
                out.append(i..<(i + m))
                i += m
            } else {
                i += 1
            }
        }
        return out
    }
}

/// `Split` on a literal string or one of the known regexes (see SplitPattern).
struct SplitPreTokenizer: PreTokenizer {
    enum Matcher {
        case literal(LiteralMatcher)
        case regex(PreTokenSplitter)
    }

    let matcher: Matcher
    let behavior: SplitBehavior
    let invert: Bool

    init(_ node: TokenizerJSONNode) throws {
        try node.allowOnly(["pattern", "behavior", "invert"])
        let b = try node.string("behavior")
        guard let behavior = SplitBehavior(rawValue: b) else {
            throw node.error("\(node.path).behavior \(b.debugDescription) is not supported (Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous)")
        }
        self.behavior = behavior
        self.invert = try node.bool("invert", default: false)
        let pattern = try node.pattern("pattern")
        if let literal = pattern.string {
            guard !literal.isEmpty else {
                throw node.error("\(node.path).pattern is an empty string")
            }
            matcher = .literal(LiteralMatcher(Array(literal.utf8)))
        } else {
            let regex = pattern.regex ?? ""
            guard let known = SplitPattern(regex: regex) else {
                throw node.error("\(node.path).pattern Regex \(regex.debugDescription) is not supported; supported: the GPT-2, Qwen2 and Llama-3 patterns")
            }
            matcher = .regex(PreTokenSplitter(pattern: known))
        }
    }

    init(pattern: SplitPattern) {
        matcher = .regex(PreTokenSplitter(pattern: pattern))
        behavior = .isolated
        invert = false
    }

    func preTokenize(_ piece: String, atStart: Bool, _ emit: (String, Bool) -> Void) {
        var s = piece
        let kept = keptRanges(piece)
        s.withUTF8 { bytes in
            emitRanges(bytes, kept, atStart: atStart, emit)
        }
    }

    func forEachWord(in piece: String, atStart: Bool, _ word: (WordBytes) -> Void) {
        var s = piece
        let kept = keptRanges(piece)
        s.withUTF8 { bytes in
            for r in kept {
                word(bytes[r])
            }
        }
    }

    /// The byte ranges of `piece` this step keeps, in order.
    private func keptRanges(_ piece: String) -> [Range<Int>] {
        let matches: [Range<Int>]
        switch matcher {
        case .literal(let m):
            var s = piece
            matches = s.withUTF8 { m.matches(in: $0) }
        case .regex(let splitter):
            matches = splitter.byteRanges(of: piece)
        }
        let count = piece.utf8.count
        // Isolated keeps every span as its own word whether it matched or not.
        if behavior == .isolated && !matches.isEmpty && matches.first?.lowerBound == 0
            && matches.last?.upperBound == count && isContiguous(matches) {
            return matches
        }
        let spans = SplitBehavior.spans(matches: matches, count: count)
        return behavior.regroup(spans, invert: invert)
    }

    private func isContiguous(_ ranges: [Range<Int>]) -> Bool {
        for k in 1..<max(ranges.count, 1) where ranges[k].lowerBound != ranges[k - 1].upperBound {
            return false
        }
        return true
    }
}

/// `Digits`: each numeric character its own word (individual_digits) or runs of them.
struct DigitsPreTokenizer: PreTokenizer {
    let individual: Bool

    func preTokenize(_ piece: String, atStart: Bool, _ emit: (String, Bool) -> Void) {
        guard let kept = keptRanges(piece) else {
            emit(piece, atStart)
            return
        }
        var s = piece
        s.withUTF8 { bytes in
            emitRanges(bytes, kept, atStart: atStart, emit)
        }
    }

    func forEachWord(in piece: String, atStart: Bool, _ word: (WordBytes) -> Void) {
        var s = piece
        let kept = keptRanges(piece) ?? [0..<piece.utf8.count]
        s.withUTF8 { bytes in
            for r in kept where !r.isEmpty {
                word(bytes[r])
            }
        }
    }

    /// The words as byte ranges; nil when the piece holds no digit (kept whole).
    private func keptRanges(_ piece: String) -> [Range<Int>]? {
        var matches: [Range<Int>] = []
        var off = 0
        for c in piece.unicodeScalars {
            let w = UTF8.width(c)
            if ScalarClass.classify(c) & ScalarClass.number != 0 {
                matches.append(off..<(off + w))
            }
            off += w
        }
        if matches.isEmpty {
            return nil
        }
        let spans = SplitBehavior.spans(matches: matches, count: off)
        let behavior: SplitBehavior = individual ? .isolated : .contiguous
        return behavior.regroup(spans, invert: false)
    }
}

/// `ByteLevel`: optional prefix space, optional GPT-2 regex split. The byte-to-
/// character spelling itself happens in BPEModel, which then works on bytes.
struct ByteLevelPreTokenizer: PreTokenizer {
    let addPrefixSpace: Bool
    let splitter: SplitPreTokenizer?

    init(_ node: TokenizerJSONNode) throws {
        // trim_offsets only moves offsets, never ids.
        try node.allowOnly(["add_prefix_space", "trim_offsets", "use_regex"])
        addPrefixSpace = try node.bool("add_prefix_space", default: true)
        splitter = try node.bool("use_regex", default: true) ? SplitPreTokenizer(pattern: .gpt2) : nil
    }

    init(addPrefixSpace: Bool, useRegex: Bool) {
        self.addPrefixSpace = addPrefixSpace
        self.splitter = useRegex ? SplitPreTokenizer(pattern: .gpt2) : nil
    }

    func preTokenize(_ piece: String, atStart: Bool, _ emit: (String, Bool) -> Void) {
        // Compared on bytes: String.hasPrefix works on grapheme clusters, and " " + a
        // combining mark is one cluster that does not start with " ".
        let s = addPrefixSpace && piece.utf8.first != 0x20 ? " " + piece : piece
        guard let splitter else {
            emit(s, atStart)
            return
        }
        splitter.preTokenize(s, atStart: atStart, emit)
    }
}
