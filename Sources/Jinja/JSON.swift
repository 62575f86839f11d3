/// JSON in and out with Python's `json` module semantics: `dumps` is what HF's `tojson`
/// filter calls (ensure_ascii=False, indent, separators, sort_keys), and `parseJSON` keeps
/// key order and int-vs-float the way `json.loads` does (Foundation's parser keeps neither).
public struct JSONDumpOptions: Sendable {
    /// nil: one line. Otherwise the per-level indent string (`indent=2` is two spaces).
    public var indent: String?
    public var itemSeparator: String
    public var keySeparator: String
    public var sortKeys: Bool

    /// json.dumps' defaults: `(', ', ': ')` on one line, `(',', ': ')` when indenting.
    public init(indent: String? = nil, separators: (String, String)? = nil, sortKeys: Bool = false) {
        self.indent = indent
        self.itemSeparator = separators?.0 ?? (indent == nil ? ", " : ",")
        self.keySeparator = separators?.1 ?? ": "
        self.sortKeys = sortKeys
    }
}

extension JinjaValue {
    /// Python `json.dumps(self, ensure_ascii=False, ...)`.
    public func jsonString(_ options: JSONDumpOptions = JSONDumpOptions()) throws -> String {
        var out = ""
        try dumpJSON(self, options, level: 0, into: &out)
        return out
    }

    /// Parses JSON text as Python's `json.loads` would: objects keep key order, numbers with
    /// a fraction or exponent are floats, others ints.
    public static func parseJSON(_ text: String) throws -> JinjaValue {
        var p = JSONParser(Array(text.utf8))
        p.skipSpace()
        let v = try p.value(depth: 0)
        p.skipSpace()
        guard p.pos == p.bytes.count else { throw p.fail("extra data") }
        return v
    }
}

private func dumpJSON(_ v: JinjaValue, _ o: JSONDumpOptions, level: Int, into out: inout String) throws {
    guard level < 512 else { throw ValueError("tojson: nesting too deep") }
    switch v {
    case .none: out += "null"
    case .bool(let b): out += b ? "true" : "false"
    case .int(let i): out += String(i)
    case .double(let d):
        if d.isNaN { out += "NaN" } else if d.isInfinite { out += d < 0 ? "-Infinity" : "Infinity" } else { out += pythonFloatRepr(d) }
    case .string(let s): jsonQuote(s, into: &out)
    case .array(let a):
        if a.isEmpty { out += "[]"; return }
        out += "["
        for (i, e) in a.enumerated() {
            if i > 0 { out += o.itemSeparator }
            newline(o, level + 1, &out)
            try dumpJSON(e, o, level: level + 1, into: &out)
        }
        newline(o, level, &out)
        out += "]"
    case .object(let obj):
        if obj.isEmpty { out += "{}"; return }
        var pairs = obj.pairs
        if o.sortKeys { pairs.sort { codePointLess($0.0, $1.0) } }
        out += "{"
        for (i, (k, e)) in pairs.enumerated() {
            if i > 0 { out += o.itemSeparator }
            newline(o, level + 1, &out)
            jsonQuote(k, into: &out)
            out += o.keySeparator
            try dumpJSON(e, o, level: level + 1, into: &out)
        }
        newline(o, level, &out)
        out += "}"
    case .undefined, .namespace, .callable:
        throw ValueError("Object of type \(v.typeName) is not JSON serializable")
    }
}

private func newline(_ o: JSONDumpOptions, _ level: Int, _ out: inout String) {
    guard let indent = o.indent else { return }
    out += "\n"
    for _ in 0..<level { out += indent }
}

/// json's ESCAPE with ensure_ascii=False: only `"`, `\` and C0 controls are escaped.
func jsonQuote(_ s: String, into out: inout String) {
    out += "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case "\u{08}": out += "\\b"
        case "\u{0C}": out += "\\f"
        default:
            if u.value < 0x20 { out += "\\u" + hex(u.value, 4) } else { out.unicodeScalars.append(u) }
        }
    }
    out += "\""
}

/// Python orders strings by code point; Swift's `<` on String does not always.
func codePointLess(_ a: String, _ b: String) -> Bool {
    a.unicodeScalars.lexicographicallyPrecedes(b.unicodeScalars) { $0.value < $1.value }
}

private struct JSONParser {
    let bytes: [UInt8]
    var pos = 0
    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func fail(_ what: String) -> JinjaError {
        JinjaError(.syntax, template: "json", line: 0, "\(what) at byte \(pos)")
    }

    mutating func skipSpace() {
        while pos < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[pos]) { pos += 1 }
    }

    mutating func literal(_ word: String, _ v: JinjaValue) throws -> JinjaValue {
        let w = Array(word.utf8)
        guard pos + w.count <= bytes.count, Array(bytes[pos..<pos + w.count]) == w else { throw fail("invalid literal") }
        pos += w.count
        return v
    }

    mutating func value(depth: Int) throws -> JinjaValue {
        guard depth < 512 else { throw fail("nesting too deep") }
        guard pos < bytes.count else { throw fail("unexpected end") }
        switch bytes[pos] {
        case UInt8(ascii: "{"):
            pos += 1
            var obj = JinjaObject()
            skipSpace()
            if pos < bytes.count, bytes[pos] == UInt8(ascii: "}") { pos += 1; return .object(obj) }
            while true {
                skipSpace()
                guard pos < bytes.count, bytes[pos] == UInt8(ascii: "\"") else { throw fail("expected key") }
                let k = try string()
                skipSpace()
                guard pos < bytes.count, bytes[pos] == UInt8(ascii: ":") else { throw fail("expected ':'") }
                pos += 1
                skipSpace()
                obj[k] = try value(depth: depth + 1)
                skipSpace()
                guard pos < bytes.count else { throw fail("unexpected end") }
                if bytes[pos] == UInt8(ascii: ",") { pos += 1; continue }
                if bytes[pos] == UInt8(ascii: "}") { pos += 1; return .object(obj) }
                throw fail("expected ',' or '}'")
            }
        case UInt8(ascii: "["):
            pos += 1
            var arr: [JinjaValue] = []
            skipSpace()
            if pos < bytes.count, bytes[pos] == UInt8(ascii: "]") { pos += 1; return .array(arr) }
            while true {
                skipSpace()
                arr.append(try value(depth: depth + 1))
                skipSpace()
                guard pos < bytes.count else { throw fail("unexpected end") }
                if bytes[pos] == UInt8(ascii: ",") { pos += 1; continue }
                if bytes[pos] == UInt8(ascii: "]") { pos += 1; return .array(arr) }
                throw fail("expected ',' or ']'")
            }
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "n"): return try literal("null", .none)
        case UInt8(ascii: "N"): return try literal("NaN", .double(.nan))
        case UInt8(ascii: "I"): return try literal("Infinity", .double(.infinity))
        default: return try number()
        }
    }

    mutating func number() throws -> JinjaValue {
        let start = pos
        var isFloat = false
        if pos < bytes.count, bytes[pos] == UInt8(ascii: "-") {
            pos += 1
            if pos < bytes.count, bytes[pos] == UInt8(ascii: "I") {
                _ = try literal("Infinity", .none)
                return .double(-.infinity)
            }
        }
        while pos < bytes.count {
            let c = bytes[pos]
            if c >= 0x30 && c <= 0x39 { pos += 1 } else if c == UInt8(ascii: ".") || c == UInt8(ascii: "e") || c == UInt8(ascii: "E") || c == UInt8(ascii: "+") || c == UInt8(ascii: "-") { isFloat = true; pos += 1 } else { break }
        }
        let text = String(decoding: bytes[start..<pos], as: UTF8.self)
        if !isFloat, let i = Int(text) { return .int(i) }
        if let d = Double(text), !text.isEmpty { return .double(d) }
        throw fail("invalid number")
    }

    mutating func hex4() throws -> UInt32 {
        guard pos + 4 <= bytes.count, let v = UInt32(String(decoding: bytes[pos..<pos + 4], as: UTF8.self), radix: 16) else {
            throw fail("invalid \\u escape")
        }
        pos += 4
        return v
    }

    mutating func string() throws -> String {
        pos += 1  // opening quote
        var out = [UInt8]()
        while true {
            guard pos < bytes.count else { throw fail("unterminated string") }
            let c = bytes[pos]
            pos += 1
            if c == UInt8(ascii: "\"") { break }
            if c != UInt8(ascii: "\\") { out.append(c); continue }
            guard pos < bytes.count else { throw fail("unterminated string") }
            let e = bytes[pos]
            pos += 1
            switch e {
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "u"):
                var v = try hex4()
                if v >= 0xD800 && v < 0xDC00, pos + 6 <= bytes.count, bytes[pos] == UInt8(ascii: "\\"), bytes[pos + 1] == UInt8(ascii: "u") {
                    let save = pos
                    pos += 2
                    let lo = try hex4()
                    if lo >= 0xDC00 && lo < 0xE000 { v = 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00) } else { pos = save }
                }
                // A lone surrogate cannot live in a Swift String: U+FFFD, as a UTF-8 decoder would.
                out.append(contentsOf: Array(String(Unicode.Scalar(v).map(Character.init) ?? "\u{FFFD}").utf8))
            default: out.append(e)  // \" \\ \/
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
