/// Finds added tokens in text, leftmost first and longest first at a position (what
/// HF's leftmost-longest Aho-Corasick does), so "<|im_start|>" is never BPE-encoded.
/// Scans UTF-8 bytes: a token can only start where its first byte appears.
struct AddedTokenMatcher {
    enum Piece {
        case text(String)
        case token(Int)
    }

    private let tokens: [AddedToken]
    private let bytes: [[UInt8]]
    /// Token indices by first byte, longest first.
    private let byFirstByte: [[Int]]

    var isEmpty: Bool { tokens.isEmpty }

    init(_ tokens: [AddedToken]) {
        let sorted = tokens.sorted { $0.content.utf8.count > $1.content.utf8.count }
        self.tokens = sorted
        self.bytes = sorted.map { Array($0.content.utf8) }
        var table = [[Int]](repeating: [], count: 256)
        for (i, b) in bytes.enumerated() { table[Int(b[0])].append(i) }
        self.byFirstByte = table
    }

    func forEachPiece(in text: String, _ body: (Piece) -> Void) {
        if tokens.isEmpty {
            if !text.isEmpty { body(.text(text)) }
            return
        }
        let s = Array(text.utf8)
        let n = s.count
        var segStart = 0
        var i = 0
        func emitText(_ a: Int, _ b: Int) {
            if b > a { body(.text(String(decoding: s[a..<b], as: UTF8.self))) }
        }
        while i < n {
            var matched: Int? = nil
            for t in byFirstByte[Int(s[i])] where matches(t, s, i) {
                matched = t
                break
            }
            guard let t = matched else { i += 1; continue }
            let tok = tokens[t]
            var textEnd = i
            if tok.lstrip { while let p = scalarBefore(s, textEnd, floor: segStart), p.1.properties.isWhitespace { textEnd = p.0 } }
            emitText(segStart, textEnd)
            body(.token(tok.id))
            i += bytes[t].count
            if tok.rstrip { while let p = scalarAt(s, i), p.1.properties.isWhitespace { i = p.0 } }
            segStart = i
        }
        emitText(segStart, n)
    }

    private func matches(_ t: Int, _ s: [UInt8], _ i: Int) -> Bool {
        let b = bytes[t]
        guard i + b.count <= s.count else { return false }
        for k in 1..<b.count where s[i + k] != b[k] { return false }
        if tokens[t].singleWord {
            if let p = scalarBefore(s, i, floor: 0), Self.isWordScalar(p.1) { return false }
            if let p = scalarAt(s, i + b.count), Self.isWordScalar(p.1) { return false }
        }
        return true
    }

    private static func isWordScalar(_ c: Unicode.Scalar) -> Bool {
        c == "_" || ScalarClass.classify(c) & (ScalarClass.letter | ScalarClass.number) != 0
    }

    /// The scalar starting at byte i and the offset just past it.
    private func scalarAt(_ s: [UInt8], _ i: Int) -> (Int, Unicode.Scalar)? {
        guard i < s.count else { return nil }
        var it = s[i...].makeIterator()
        var dec = UTF8()
        if case .scalarValue(let c) = dec.decode(&it) { return (i + UTF8.width(c), c) }
        return nil
    }

    /// The scalar ending at byte i (not crossing `floor`) and its start offset.
    private func scalarBefore(_ s: [UInt8], _ i: Int, floor: Int) -> (Int, Unicode.Scalar)? {
        var j = i - 1
        while j > floor && s[j] & 0xC0 == 0x80 { j -= 1 }
        guard j >= floor, let p = scalarAt(s, j) else { return nil }
        return (j, p.1)
    }
}
