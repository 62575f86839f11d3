/// One token of a template, with where it starts (1-based line and column) for errors.
struct Token {
    enum Kind: Equatable {
        /// Literal template text between tags, whitespace control already applied.
        case text(String)
        case blockBegin, blockEnd, variableBegin, variableEnd
        case name(String)
        case string(String)
        case int(Int)
        case float(Double)
        /// An operator or punctuation: `+`, `//`, `==`, `(`, `|`, `.`...
        case op(String)
        case eof
    }
    var kind: Kind
    var line: Int
    var column: Int
}

/// Splits a template into tokens exactly as jinja2's lexer does under HF's environment
/// (trim_blocks and lstrip_blocks on, keep_trailing_newline off): which whitespace survives
/// around tags is decided here, because that is where jinja2 decides it.
struct Lexer {
    private let src: [Unicode.Scalar]
    private let name: String
    private var pos = 0
    private var line = 1
    private var lineStart = 0
    /// jinja2's `line_starting`: the previous match ended with a newline (or nothing came yet),
    /// so whitespace before a block tag at the very start of the text is "indentation".
    private var lineStarting = true
    private var tokens: [Token] = []
    let trimBlocks = true
    let lstripBlocks = true

    init(_ source: String, name: String) {
        // jinja2 normalises \r\n and \r to \n, then drops one trailing newline.
        var scalars: [Unicode.Scalar] = []
        scalars.reserveCapacity(source.unicodeScalars.count)
        var it = source.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = it.next()
        while let u = pending {
            pending = it.next()
            if u == "\r" {
                scalars.append("\n")
                if pending == "\n" { pending = it.next() }
            } else {
                scalars.append(u)
            }
        }
        if scalars.last == "\n" { scalars.removeLast() }
        src = scalars
        self.name = name
    }

    static func tokenize(_ source: String, name: String) throws -> [Token] {
        var lx = Lexer(source, name: name)
        try lx.run()
        return lx.tokens
    }

    // MARK: - helpers

    private func error(_ message: String, at p: Int? = nil) -> JinjaError {
        let (l, c) = location(of: p ?? pos)
        return JinjaError(.syntax, template: name, line: l, column: c, message)
    }

    private func location(of p: Int) -> (Int, Int) {
        var l = 1, ls = 0
        var i = 0
        while i < p && i < src.count {
            if src[i] == "\n" { l += 1; ls = i + 1 }
            i += 1
        }
        return (l, p - ls + 1)
    }

    private func at(_ p: Int, _ s: String) -> Bool {
        var i = p
        for u in s.unicodeScalars {
            guard i < src.count, src[i] == u else { return false }
            i += 1
        }
        return true
    }

    /// Moves to `p`, counting lines on the way.
    private mutating func advance(to p: Int) {
        while pos < p {
            if src[pos] == "\n" { line += 1; lineStart = pos + 1 }
            pos += 1
        }
    }

    private mutating func emit(_ kind: Token.Kind, at p: Int) {
        let (l, c) = location(of: p)
        tokens.append(Token(kind: kind, line: l, column: c))
    }

    private mutating func emitFast(_ kind: Token.Kind) {
        tokens.append(Token(kind: kind, line: line, column: pos - lineStart + 1))
    }

    private func string(_ a: Int, _ b: Int) -> String {
        var s = String.UnicodeScalarView()
        s.append(contentsOf: src[a..<b])
        return String(s)
    }

    private func skipSpaces(from p: Int) -> Int {
        var i = p
        while i < src.count, isPythonSpace(src[i]) { i += 1 }
        return i
    }

    /// Applies the opening tag's whitespace control to the text before it: `-` strips all
    /// whitespace; otherwise lstrip_blocks strips a line's indentation before `{%` / `{#`
    /// when nothing but whitespace precedes the tag on its line.
    private func controlled(_ text: ArraySlice<Unicode.Scalar>, sign: Unicode.Scalar?, isVariable: Bool) -> ArraySlice<Unicode.Scalar> {
        if sign == "-" {
            var end = text.endIndex
            while end > text.startIndex, isPythonSpace(text[end - 1]) { end -= 1 }
            return text[text.startIndex..<end]
        }
        if sign != "+" && lstripBlocks && !isVariable {
            let lpos = (text.lastIndex(of: "\n").map { $0 + 1 }) ?? text.startIndex
            if lpos > text.startIndex || lineStarting {
                let tail = text[lpos...]
                if !tail.isEmpty && tail.allSatisfy(isPythonSpace) { return text[text.startIndex..<lpos] }
            }
        }
        return text
    }

    private mutating func emitText(_ text: ArraySlice<Unicode.Scalar>, at p: Int) {
        guard !text.isEmpty else { return }
        var s = String.UnicodeScalarView()
        s.append(contentsOf: text)
        tokens.append(Token(kind: .text(String(s)), line: line, column: p - lineStart + 1))
    }

    // MARK: - root state

    private mutating func run() throws {
        while pos < src.count {
            // The next tag opening: `{{`, `{%` or `{#`.
            var t = pos
            var kind: Unicode.Scalar = " "
            while t + 1 < src.count {
                if src[t] == "{", src[t + 1] == "{" || src[t + 1] == "%" || src[t + 1] == "#" { kind = src[t + 1]; break }
                t += 1
            }
            if kind == " " {
                emitText(src[pos...], at: pos)
                advance(to: src.count)
                break
            }
            var afterOpen = t + 2
            var sign: Unicode.Scalar? = nil
            if afterOpen < src.count, src[afterOpen] == "-" || src[afterOpen] == "+" { sign = src[afterOpen]; afterOpen += 1 }

            // `{% raw %}` is matched before the other tags, like jinja2's root_raw_re.
            if kind == "%", let rawEnd = matchRawBegin(afterOpen) {
                emitText(controlled(src[pos..<t], sign: sign, isVariable: false), at: pos)
                advance(to: rawEnd)
                lineStarting = src[rawEnd - 1] == "\n"
                try lexRaw()
                continue
            }
            emitText(controlled(src[pos..<t], sign: sign, isVariable: kind == "{"), at: pos)
            advance(to: t)
            lineStarting = false
            switch kind {
            case "#":
                try lexComment(from: afterOpen)
            case "%":
                emitFast(.blockBegin)
                advance(to: afterOpen)
                try lexTag(isBlock: true)
            default:
                emitFast(.variableBegin)
                advance(to: afterOpen)
                try lexTag(isBlock: false)
            }
        }
        emitFast(.eof)
    }

    /// `raw` then optional spaces then `%}` or `-%}` (which also eats the following whitespace).
    private func matchRawBegin(_ p: Int) -> Int? {
        var i = skipSpaces(from: p)
        guard at(i, "raw") else { return nil }
        i = skipSpaces(from: i + 3)
        if at(i, "-%}") { return skipSpaces(from: i + 3) }
        if at(i, "%}") { return i + 2 }
        return nil
    }

    private mutating func lexRaw() throws {
        var i = pos
        while i < src.count {
            if at(i, "{%") {
                var j = i + 2
                var sign: Unicode.Scalar? = nil
                if j < src.count, src[j] == "-" || src[j] == "+" { sign = src[j]; j += 1 }
                j = skipSpaces(from: j)
                if at(j, "endraw") {
                    j = skipSpaces(from: j + 6)
                    var end: Int? = nil
                    if at(j, "+%}") { end = j + 3 } else if at(j, "-%}") { end = skipSpaces(from: j + 3) } else if at(j, "%}") {
                        end = j + 2
                        if trimBlocks, end! < src.count, src[end!] == "\n" { end! += 1 }
                    }
                    if let end {
                        emitText(controlled(src[pos..<i], sign: sign, isVariable: false), at: pos)
                        advance(to: end)
                        lineStarting = src[end - 1] == "\n"
                        return
                    }
                }
            }
            i += 1
        }
        throw error("Missing end of raw directive")
    }

    private mutating func lexComment(from p: Int) throws {
        var i = p
        while i < src.count {
            if at(i, "+#}") { advance(to: i + 3); lineStarting = false; return }
            if at(i, "-#}") {
                let e = skipSpaces(from: i + 3)
                advance(to: e)
                lineStarting = src[e - 1] == "\n"
                return
            }
            if at(i, "#}") {
                var e = i + 2
                if trimBlocks, e < src.count, src[e] == "\n" { e += 1 }
                advance(to: e)
                lineStarting = src[e - 1] == "\n"
                return
            }
            i += 1
        }
        throw error("Missing end of comment tag")
    }

    // MARK: - inside `{% %}` and `{{ }}`

    private mutating func lexTag(isBlock: Bool) throws {
        var balance: [Unicode.Scalar] = []
        while true {
            pos = pos < src.count ? pos : src.count
            // whitespace between tokens
            while pos < src.count, isPythonSpace(src[pos]) { advance(to: pos + 1) }
            guard pos < src.count else {
                throw error("unexpected end of template, expected '\(isBlock ? "end of statement block" : "end of print statement")'")
            }
            if balance.isEmpty {
                if isBlock {
                    if at(pos, "+%}") { emitFast(.blockEnd); advance(to: pos + 3); lineStarting = false; return }
                    if at(pos, "-%}") {
                        emitFast(.blockEnd)
                        let e = skipSpaces(from: pos + 3)
                        advance(to: e)
                        lineStarting = src[e - 1] == "\n"
                        return
                    }
                    if at(pos, "%}") {
                        emitFast(.blockEnd)
                        var e = pos + 2
                        if trimBlocks, e < src.count, src[e] == "\n" { e += 1 }
                        advance(to: e)
                        lineStarting = src[e - 1] == "\n"
                        return
                    }
                } else {
                    if at(pos, "-}}") {
                        emitFast(.variableEnd)
                        let e = skipSpaces(from: pos + 3)
                        advance(to: e)
                        lineStarting = src[e - 1] == "\n"
                        return
                    }
                    if at(pos, "}}") { emitFast(.variableEnd); advance(to: pos + 2); lineStarting = false; return }
                }
            }
            let c = src[pos]
            if let (tok, end) = try number(at: pos) {
                emitFast(tok)
                advance(to: end)
            } else if c == "_" || c.properties.isAlphabetic {
                var e = pos + 1
                while e < src.count, src[e] == "_" || src[e].properties.isAlphabetic || src[e].properties.numericType == .decimal { e += 1 }
                emitFast(.name(string(pos, e)))
                advance(to: e)
            } else if c == "'" || c == "\"" {
                try lexString(quote: c)
            } else {
                let two = pos + 1 < src.count ? string(pos, pos + 2) : ""
                if ["//", "**", "==", "!=", ">=", "<="].contains(two) {
                    emitFast(.op(two))
                    advance(to: pos + 2)
                    continue
                }
                guard "+-/*%~[](){}<>=.:|,;".unicodeScalars.contains(c) else {
                    throw error("unexpected char '\(Character(c))'")
                }
                switch c {
                case "(": balance.append(")")
                case "[": balance.append("]")
                case "{": balance.append("}")
                case ")", "]", "}":
                    guard let expected = balance.popLast() else { throw error("unexpected '\(Character(c))'") }
                    guard expected == c else { throw error("unexpected '\(Character(c))', expected '\(Character(expected))'") }
                default: break
                }
                emitFast(.op(String(Character(c))))
                advance(to: pos + 1)
            }
        }
    }

    /// jinja2's float_re and integer_re: underscores between digits, 0b/0o/0x, exponents.
    private func number(at p: Int) throws -> (Token.Kind, Int)? {
        func isDigit(_ i: Int) -> Bool { i < src.count && src[i].value >= 48 && src[i].value <= 57 }
        guard isDigit(p) else { return nil }
        if p > 0, src[p - 1] == "." {
            // after a dot (`x.0`) only an integer is lexed, as jinja2's float lookbehind says
        } else if let f = floatEnd(p) {
            let text = string(p, f).filter { $0 != "_" }
            guard let d = Double(text) else { throw error("invalid float literal", at: p) }
            return (.float(d), f)
        }
        // integers
        if src[p] == "0", p + 1 < src.count, let radix = ["b": 2, "o": 8, "x": 16, "B": 2, "O": 8, "X": 16][Character(src[p + 1])] {
            var e = p + 2
            var digits = ""
            while e < src.count {
                if src[e] == "_" { e += 1; continue }
                guard let _ = Int(String(Character(src[e])), radix: radix) else { break }
                digits.unicodeScalars.append(src[e])
                e += 1
            }
            if !digits.isEmpty {
                guard let v = Int(digits, radix: radix) else { throw error("integer literal too large", at: p) }
                return (.int(v), e)
            }
        }
        var e = p
        var digits = ""
        while e < src.count {
            if isDigit(e) { digits.unicodeScalars.append(src[e]); e += 1 } else if src[e] == "_", isDigit(e + 1), !digits.isEmpty { e += 1 } else { break }
        }
        if digits.count > 1 && digits.hasPrefix("0") && digits.contains(where: { $0 != "0" }) {
            // jinja2 lexes `012` as `0` then `12`; refusing is clearer than mimicking that.
            throw error("invalid integer literal '\(digits)'", at: p)
        }
        guard let v = Int(digits) else { throw error("integer literal too large", at: p) }
        return (.int(v), e)
    }

    /// End of a float literal at p (digits with a fraction and/or exponent), or nil.
    private func floatEnd(_ p: Int) -> Int? {
        func digitsRun(_ i: Int) -> Int? {
            // (\d+_)*\d+
            var e = i
            guard e < src.count, src[e].value >= 48, src[e].value <= 57 else { return nil }
            while e < src.count {
                if src[e].value >= 48 && src[e].value <= 57 { e += 1 } else if src[e] == "_", e + 1 < src.count, src[e + 1].value >= 48, src[e + 1].value <= 57 { e += 1 } else { break }
            }
            return e
        }
        guard let intEnd = digitsRun(p) else { return nil }
        var e = intEnd
        var hasFrac = false
        if e < src.count, src[e] == ".", let f = digitsRun(e + 1) { e = f; hasFrac = true }
        if e < src.count, src[e] == "e" || src[e] == "E" {
            var x = e + 1
            if x < src.count, src[x] == "+" || src[x] == "-" { x += 1 }
            if let xe = digitsRun(x) { return xe }
        }
        return hasFrac ? e : nil
    }

    private mutating func lexString(quote: Unicode.Scalar) throws {
        let start = pos
        var i = pos + 1
        var out = String.UnicodeScalarView()
        while true {
            guard i < src.count else { throw error("unexpected end of string literal", at: start) }
            let c = src[i]
            if c == quote { i += 1; break }
            if c != "\\" { out.append(c); i += 1; continue }
            guard i + 1 < src.count else { throw error("unexpected end of string literal", at: start) }
            let e = src[i + 1]
            i += 2
            switch e {
            case "\n": break
            case "\\": out.append("\\")
            case "'": out.append("'")
            case "\"": out.append("\"")
            case "a": out.append("\u{07}")
            case "b": out.append("\u{08}")
            case "f": out.append("\u{0C}")
            case "n": out.append("\n")
            case "r": out.append("\r")
            case "t": out.append("\t")
            case "v": out.append("\u{0B}")
            case "x", "u", "U":
                let width = e == "x" ? 2 : (e == "u" ? 4 : 8)
                guard i + width <= src.count, let v = UInt32(string(i, i + width), radix: 16),
                      string(i, i + width).allSatisfy(\.isHexDigit), let u = Unicode.Scalar(v)
                else { throw error("invalid \\\(Character(e)) escape in string literal", at: start) }
                out.append(u)
                i += width
            case "0"..."7":
                var v = e.value - 48
                var n = 1
                while n < 3, i < src.count, src[i].value >= 48, src[i].value <= 55 { v = v * 8 + src[i].value - 48; i += 1; n += 1 }
                out.append(Unicode.Scalar(v) ?? "\u{FFFD}")
            case "N":
                throw JinjaError(.unsupported, template: name, line: location(of: start).0, column: location(of: start).1,
                                 "unsupported \\N{...} escape in string literal")
            default:
                out.append("\\")
                out.append(e)
            }
        }
        emitFast(.string(String(out)))
        advance(to: i)
    }
}
