/// How CPython prints values, because `{{ x }}` in jinja2 is `str(x)`: `None`, `True`,
/// `1.0`, `1e-05`, lists and dicts in repr with single quotes.
extension JinjaValue {
    /// Python `str(x)`.
    public var pythonString: String {
        switch self {
        case .string(let s): return s
        case .undefined: return ""
        default: return pythonRepr
        }
    }

    /// Python `repr(x)`.
    public var pythonRepr: String {
        switch self {
        case .none: return "None"
        case .bool(let b): return b ? "True" : "False"
        case .int(let i): return String(i)
        case .double(let d): return pythonFloatRepr(d)
        case .string(let s): return pythonStringRepr(s)
        case .array(let a): return "[" + a.map(\.pythonRepr).joined(separator: ", ") + "]"
        case .object(let o):
            return "{" + o.pairs.map { pythonStringRepr($0.0) + ": " + $0.1.pythonRepr }.joined(separator: ", ") + "}"
        case .undefined: return "Undefined"
        case .namespace(let ns): return "<Namespace " + JinjaValue.object(ns.attributes).pythonRepr + ">"
        case .callable: return "<function>"
        }
    }
}

/// CPython's `repr(float)`: the shortest digits that round-trip (Swift's description finds
/// the same digits), laid out fixed when the exponent is in [-4, 16) and scientific otherwise.
func pythonFloatRepr(_ d: Double) -> String {
    if d.isNaN { return "nan" }
    if d.isInfinite { return d < 0 ? "-inf" : "inf" }
    var s = d.description
    var negative = false
    if s.hasPrefix("-") { negative = true; s.removeFirst() }
    var exponent = 0
    var mantissa = Substring(s)
    if let e = s.firstIndex(where: { $0 == "e" || $0 == "E" }) {
        mantissa = s[..<e]
        exponent = Int(s[s.index(after: e)...]) ?? 0
    }
    var digits = Array(mantissa.filter { $0 != "." })
    var pointPos = mantissa.firstIndex(of: ".").map { mantissa.distance(from: mantissa.startIndex, to: $0) } ?? mantissa.count
    // value = 0.DIGITS × 10^(pointPos + exponent); normalise away leading/trailing zeros.
    while let f = digits.first, f == "0" { digits.removeFirst(); pointPos -= 1 }
    while let l = digits.last, l == "0" { digits.removeLast() }
    let sign = negative ? "-" : ""
    if digits.isEmpty { return sign + "0.0" }
    let sci = pointPos + exponent - 1
    var out: String
    if sci >= -4 && sci < 16 {
        if sci >= 0 {
            let intCount = sci + 1
            let intPart = String(digits.prefix(intCount)) + String(repeating: "0", count: max(0, intCount - digits.count))
            let frac = digits.count > intCount ? String(digits[intCount...]) : "0"
            out = intPart + "." + frac
        } else {
            out = "0." + String(repeating: "0", count: -sci - 1) + String(digits)
        }
    } else {
        out = String(digits[0])
        if digits.count > 1 { out += "." + String(digits[1...]) }
        let e = abs(sci)
        out += "e" + (sci < 0 ? "-" : "+") + (e < 10 ? "0" : "") + String(e)
    }
    return sign + out
}

/// CPython's `repr(str)`: single quotes unless the text has a `'` and no `"`; escapes for
/// the quote, backslash, \n \r \t and non-printable code points.
func pythonStringRepr(_ s: String) -> String {
    let quote: Character = (s.contains("'") && !s.contains("\"")) ? "\"" : "'"
    var out = String(quote)
    for u in s.unicodeScalars {
        switch u {
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if Character(u) == quote { out += "\\" + String(quote); continue }
            if isPrintable(u) { out.unicodeScalars.append(u); continue }
            let v = u.value
            if v < 0x100 { out += "\\x" + hex(v, 2) } else if v < 0x10000 { out += "\\u" + hex(v, 4) } else { out += "\\U" + hex(v, 8) }
        }
    }
    out.append(quote)
    return out
}

/// `str.isprintable()` per code point: not a control, format, separator (other than the
/// space), surrogate, private-use or unassigned character.
private func isPrintable(_ u: Unicode.Scalar) -> Bool {
    if u == " " { return true }
    switch u.properties.generalCategory {
    case .control, .format, .surrogate, .privateUse, .unassigned,
         .lineSeparator, .paragraphSeparator, .spaceSeparator:
        return false
    default:
        return true
    }
}

func hex(_ v: UInt32, _ width: Int) -> String {
    let h = String(v, radix: 16)
    return String(repeating: "0", count: max(0, width - h.count)) + h
}

/// Python's `str.isspace()` for one code point (also what `\s` and `strip()` use).
func isPythonSpace(_ u: Unicode.Scalar) -> Bool {
    switch u.value {
    case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
        return true
    default:
        return false
    }
}
