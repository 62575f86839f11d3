extension JSONValue {
    /// Parses one RFC 8259 JSON text. `source` (e.g. "data.jsonl:17") prefixes
    /// error messages so they point at the offending input.
    public static func parse(_ bytes: [UInt8], source: String? = nil) throws -> JSONValue {
        try bytes.withUnsafeBytes { try parse($0, source: source) }
    }

    public static func parse(_ text: String, source: String? = nil) throws -> JSONValue {
        var text = text
        return try text.withUTF8 { try parse(UnsafeRawBufferPointer($0), source: source) }
    }

    public static func parse(_ bytes: UnsafeRawBufferPointer, source: String? = nil) throws -> JSONValue {
        var parser = JSONByteParser(bytes.bindMemory(to: UInt8.self))
        do {
            return try parser.parseDocument()
        } catch let failure as JSONByteParser.Failure {
            let prefix = source.map { "\($0): " } ?? ""
            throw PrefkitError("\(prefix)\(failure.message) at column \(failure.offset + 1)")
        }
    }
}

/// Recursive-descent parser over raw bytes. Works on a buffer pointer rather
/// than an Array so the per-byte loops compile to plain loads.
struct JSONByteParser {
    static let maxDepth = 512

    struct Failure: Error {
        let message: String
        let offset: Int
    }

    private let p: UnsafeBufferPointer<UInt8>
    private var i = 0
    private var depth = 0
    // Reused across strings that contain escapes.
    private var scratch: [UInt8] = []

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        p = bytes
    }

    mutating func parseDocument() throws -> JSONValue {
        // A UTF-8 byte order mark is allowed (RFC 8259 §8.1) and ignored.
        if p.count >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF { i = 3 }
        let value = try parseValue()
        skipWhitespace()
        if i < p.count { throw fail("unexpected \(describe(p[i])) after the JSON value") }
        return value
    }

    private func fail(_ message: String) -> Failure {
        Failure(message: message, offset: i)
    }

    private func describe(_ byte: UInt8) -> String {
        if byte >= 0x21 && byte < 0x7F { return "character '\(Character(Unicode.Scalar(byte)))'" }
        return "byte 0x\(String(byte, radix: 16, uppercase: true))"
    }

    private mutating func skipWhitespace() {
        while i < p.count {
            let c = p[i]
            guard c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 else { return }
            i += 1
        }
    }

    private mutating func parseValue() throws -> JSONValue {
        skipWhitespace()
        guard i < p.count else { throw fail("unexpected end of input") }
        switch p[i] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw fail("unexpected \(describe(p[i]))")
        }
    }

    private mutating func expectLiteral(_ word: StaticString) throws {
        let n = word.utf8CodeUnitCount
        let w = word.utf8Start
        guard i + n <= p.count else { throw fail("invalid literal, expected \(word)") }
        for k in 0..<n where p[i + k] != w[k] { throw fail("invalid literal, expected \(word)") }
        i += n
    }

    private mutating func enter() throws {
        depth += 1
        if depth > Self.maxDepth { throw fail("nesting deeper than \(Self.maxDepth) levels") }
    }

    private mutating func parseArray() throws -> JSONValue {
        try enter()
        i += 1
        var items: [JSONValue] = []
        skipWhitespace()
        if i < p.count && p[i] == UInt8(ascii: "]") {
            i += 1
            depth -= 1
            return .array(items)
        }
        while true {
            items.append(try parseValue())
            skipWhitespace()
            guard i < p.count else { throw fail("unexpected end of input in array") }
            let c = p[i]
            i += 1
            if c == UInt8(ascii: ",") { continue }
            if c == UInt8(ascii: "]") { break }
            i -= 1
            throw fail("expected ',' or ']' in array, found \(describe(c))")
        }
        depth -= 1
        return .array(items)
    }

    private mutating func parseObject() throws -> JSONValue {
        try enter()
        i += 1
        var members: [(String, JSONValue)] = []
        skipWhitespace()
        if i < p.count && p[i] == UInt8(ascii: "}") {
            i += 1
            depth -= 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard i < p.count else { throw fail("unexpected end of input in object") }
            guard p[i] == UInt8(ascii: "\"") else { throw fail("expected a string key, found \(describe(p[i]))") }
            let key = try parseString()
            skipWhitespace()
            guard i < p.count, p[i] == UInt8(ascii: ":") else { throw fail("expected ':' after object key") }
            i += 1
            members.append((key, try parseValue()))
            skipWhitespace()
            guard i < p.count else { throw fail("unexpected end of input in object") }
            let c = p[i]
            i += 1
            if c == UInt8(ascii: ",") { continue }
            if c == UInt8(ascii: "}") { break }
            i -= 1
            throw fail("expected ',' or '}' in object, found \(describe(c))")
        }
        depth -= 1
        return .object(members)
    }

    private func isDigit(_ at: Int) -> Bool {
        at < p.count && p[at] >= UInt8(ascii: "0") && p[at] <= UInt8(ascii: "9")
    }

    private mutating func skipDigits() {
        while isDigit(i) { i += 1 }
    }

    private mutating func parseNumber() throws -> Double {
        let begin = i
        if p[i] == UInt8(ascii: "-") { i += 1 }
        guard isDigit(i) else { throw fail("invalid number: expected a digit") }
        if p[i] == UInt8(ascii: "0") {
            i += 1
            if isDigit(i) { throw fail("invalid number: leading zeros are not allowed") }
        } else {
            skipDigits()
        }
        var integral = true
        if i < p.count && p[i] == UInt8(ascii: ".") {
            integral = false
            i += 1
            guard isDigit(i) else { throw fail("invalid number: expected a digit after '.'") }
            skipDigits()
        }
        if i < p.count && (p[i] == UInt8(ascii: "e") || p[i] == UInt8(ascii: "E")) {
            integral = false
            i += 1
            if i < p.count && (p[i] == UInt8(ascii: "+") || p[i] == UInt8(ascii: "-")) { i += 1 }
            guard isDigit(i) else { throw fail("invalid number: expected a digit in the exponent") }
            skipDigits()
        }
        // Up to 15 digits an integer is exact in a Double: skip the decimal parser.
        if integral && i - begin <= 16 {
            var negative = false
            var k = begin
            if p[k] == UInt8(ascii: "-") { negative = true; k += 1 }
            var v = 0
            while k < i && k - begin < 16 {
                v = v * 10 + Int(p[k] &- UInt8(ascii: "0"))
                k += 1
            }
            if k == i { return Double(negative ? -v : v) }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: p[begin..<i]), as: UTF8.self)
        guard let value = Double(text), value.isFinite else {
            i = begin
            throw fail("number \(text) is out of range")
        }
        return value
    }

    private mutating func parseString() throws -> String {
        i += 1
        var segment = i
        var escaped = false
        while i < p.count {
            let c = p[i]
            if c == UInt8(ascii: "\"") {
                let tail = UnsafeBufferPointer(rebasing: p[segment..<i])
                i += 1
                if !escaped { return String(decoding: tail, as: UTF8.self) }
                scratch.append(contentsOf: tail)
                return String(decoding: scratch, as: UTF8.self)
            }
            if c == UInt8(ascii: "\\") {
                if !escaped {
                    escaped = true
                    scratch.removeAll(keepingCapacity: true)
                }
                scratch.append(contentsOf: UnsafeBufferPointer(rebasing: p[segment..<i]))
                try parseEscape()
                segment = i
            } else if c < 0x20 {
                throw fail("unescaped control character in string")
            } else if c < 0x80 {
                i += 1
            } else {
                try skipUTF8Sequence()
            }
        }
        throw fail("unterminated string")
    }

    private mutating func parseEscape() throws {
        i += 1
        guard i < p.count else { throw fail("unterminated string") }
        let c = p[i]
        i += 1
        switch c {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scratch.append(c)
        case UInt8(ascii: "b"): scratch.append(0x08)
        case UInt8(ascii: "f"): scratch.append(0x0C)
        case UInt8(ascii: "n"): scratch.append(0x0A)
        case UInt8(ascii: "r"): scratch.append(0x0D)
        case UInt8(ascii: "t"): scratch.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try parseHex4()
            if scalar >= 0xD800 && scalar < 0xDC00 {
                // A high surrogate is only meaningful followed by an escaped low one.
                guard i + 1 < p.count, p[i] == UInt8(ascii: "\\"), p[i + 1] == UInt8(ascii: "u") else {
                    throw fail("unpaired surrogate \\u\(String(scalar, radix: 16, uppercase: true))")
                }
                i += 2
                let low = try parseHex4()
                guard low >= 0xDC00 && low < 0xE000 else {
                    throw fail("unpaired surrogate \\u\(String(scalar, radix: 16, uppercase: true))")
                }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if scalar >= 0xDC00 && scalar < 0xE000 {
                throw fail("unpaired surrogate \\u\(String(scalar, radix: 16, uppercase: true))")
            }
            appendUTF8(scalar)
        default:
            i -= 1
            throw fail("invalid escape \\\(Character(Unicode.Scalar(c)))")
        }
    }

    private mutating func parseHex4() throws -> UInt32 {
        guard i + 4 <= p.count else { throw fail("truncated \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = p[i]
            let d: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = c - UInt8(ascii: "A") + 10
            default: throw fail("invalid hex digit in \\u escape")
            }
            v = v << 4 | UInt32(d)
            i += 1
        }
        return v
    }

    private mutating func appendUTF8(_ s: UInt32) {
        if s < 0x80 {
            scratch.append(UInt8(s))
        } else if s < 0x800 {
            scratch.append(UInt8(0xC0 | s >> 6))
            scratch.append(UInt8(0x80 | s & 0x3F))
        } else if s < 0x10000 {
            scratch.append(UInt8(0xE0 | s >> 12))
            scratch.append(UInt8(0x80 | s >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | s & 0x3F))
        } else {
            scratch.append(UInt8(0xF0 | s >> 18))
            scratch.append(UInt8(0x80 | s >> 12 & 0x3F))
            scratch.append(UInt8(0x80 | s >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | s & 0x3F))
        }
    }

    /// Strict UTF-8 check (no overlongs, surrogates or code points past
    /// U+10FFFF) so that String(decoding:) never has to substitute U+FFFD.
    private mutating func skipUTF8Sequence() throws {
        let c = p[i]
        var length = 0
        var low: UInt8 = 0x80, high: UInt8 = 0xBF  // allowed range of the 2nd byte
        switch c {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; high = 0x9F
        case 0xF0: length = 4; low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; high = 0x8F
        default: throw fail("invalid UTF-8 byte 0x\(String(c, radix: 16, uppercase: true))")
        }
        guard i + length <= p.count else { throw fail("truncated UTF-8 sequence") }
        guard p[i + 1] >= low && p[i + 1] <= high else { throw fail("invalid UTF-8 sequence") }
        for k in 2..<length where p[i + k] & 0xC0 != 0x80 { throw fail("invalid UTF-8 sequence") }
        i += length
    }
}
