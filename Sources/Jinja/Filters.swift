import Foundation

/// jinja2's filters as HF's environment has them (`tojson` is transformers' override:
/// json.dumps with ensure_ascii=False). Arguments bind like the Python signatures, so
/// `default(x, true)` and `default(x, boolean=true)` agree.
enum Filters {
    static let supported: Set<String> = [
        "abs", "attr", "batch", "capitalize", "count", "d", "default", "dictsort", "e", "escape", "first", "float",
        "indent", "int", "items", "join", "last", "length", "list", "lower", "map", "max", "min", "reject",
        "rejectattr", "replace", "reverse", "round", "safe", "select", "selectattr", "sort", "string", "sum", "title",
        "tojson", "trim", "unique", "upper",
    ]
    /// jinja2's other built-in filters: refused by name ("unsupported filter 'wordwrap'").
    static let jinjaBuiltins: Set<String> = [
        "center", "filesizeformat", "forceescape", "format", "groupby", "pprint", "random", "slice", "striptags",
        "truncate", "urlencode", "urlize", "wordcount", "wordwrap", "xmlattr",
    ]

    static func apply(_ name: String, _ v: JinjaValue, _ args: CallArgs, _ ev: Evaluator) throws -> JinjaValue {
        switch name {
        case "length", "count":
            _ = try args.bind(name, [])
            return .int(try length(v))
        case "default", "d":
            let a = try args.bind(name, ["default_value", "boolean"])
            let fallback = a[0] ?? .string("")
            if v.isUndefined || ((a[1]?.isTruthy ?? false) && !v.isTruthy) { return fallback }
            return v
        case "upper": _ = try args.bind(name, []); return .string(v.pythonString.uppercased())
        case "lower": _ = try args.bind(name, []); return .string(v.pythonString.lowercased())
        case "capitalize": _ = try args.bind(name, []); return .string(pyCapitalize(v.pythonString))
        case "title": _ = try args.bind(name, []); return .string(jinjaTitle(v.pythonString))
        case "trim":
            let a = try args.bind(name, ["chars"])
            var chars: String? = nil
            if let c = a[0], !Methods.isNone(c) { chars = try c.stringArg("trim chars") }
            return .string(pyStrip(v.pythonString, chars: chars))
        case "replace":
            let a = try args.bind(name, ["old", "new", "count"])
            guard let o = a[0], let n = a[1] else { throw ValueError("replace needs old and new") }
            var count = -1
            if let c = a[2], !Methods.isNone(c) { count = try c.intArg("replace count") }
            return .string(pyReplace(v.pythonString, o.pythonString, n.pythonString, count: count))
        case "join":
            let a = try args.bind(name, ["d", "attribute"])
            var items = try ev.iterate(v)
            if let attr = a[1], !Methods.isNone(attr) { items = try items.map { try attributePath($0, attr) } }
            return .string(items.map(\.pythonString).joined(separator: a[0]?.pythonString ?? ""))
        case "first", "last":
            _ = try args.bind(name, [])
            let items = try ev.iterate(v)
            guard let x = name == "first" ? items.first : items.last else {
                return .undefined(message: "No \(name) item, sequence was empty.")
            }
            return x
        case "items":
            _ = try args.bind(name, [])
            switch v {
            case .object(let o): return .array(o.pairs.map { .array([.string($0.0), $0.1]) })
            case .undefined: return .array([])
            default: throw ValueError("Can only get item pairs from a mapping.")
            }
        case "list": _ = try args.bind(name, []); return .array(try ev.iterate(v))
        case "string": _ = try args.bind(name, []); return .string(v.pythonString)
        case "safe": _ = try args.bind(name, []); return .string(v.pythonString)
        case "e", "escape": _ = try args.bind(name, []); return .string(htmlEscape(v.pythonString))
        case "int":
            let a = try args.bind(name, ["default", "base"])
            let base = try a[1].map { try $0.intArg("base") } ?? 10
            return toInt(v, base: base) ?? a[0] ?? .int(0)
        case "float":
            let a = try args.bind(name, ["default"])
            return toFloat(v) ?? a[0] ?? .double(0)
        case "abs":
            _ = try args.bind(name, [])
            switch v.numeric {
            case .int(let i)?:
                guard i != Int.min else { throw Operators.overflow() }
                return .int(abs(i))
            case .double(let d)?: return .double(abs(d))
            case nil: throw ValueError("bad operand type for abs(): '\(v.typeName)'")
            }
        case "round":
            let a = try args.bind(name, ["precision", "method"])
            let precision = try a[0].map { try $0.intArg("precision") } ?? 0
            let method = try a[1].map { try $0.stringArg("method") } ?? "common"
            return try round(v, precision, method)
        case "tojson":
            let a = try args.bind(name, ["ensure_ascii", "indent", "separators", "sort_keys"])
            var indent: String? = nil
            switch a[1] {
            case .int(let n)?: indent = String(repeating: " ", count: max(0, n))
            case .string(let s)?: indent = s
            case .none?, nil: break
            case let other?: throw ValueError("tojson indent must be an int or a string, not \(other.typeName)")
            }
            var separators: (String, String)? = nil
            if let s = a[2], !Methods.isNone(s) {
                guard case .array(let pair) = s, pair.count == 2, case .string(let i) = pair[0], case .string(let k) = pair[1] else {
                    throw ValueError("tojson separators must be a pair of strings")
                }
                separators = (i, k)
            }
            let json = try v.jsonString(JSONDumpOptions(indent: indent, separators: separators, sortKeys: a[3]?.isTruthy ?? false))
            return .string((a[0]?.isTruthy ?? false) ? asciiEscaped(json) : json)
        case "attr":
            let a = try args.bind(name, ["name"])
            guard let n = a[0] else { throw ValueError("attr needs a name") }
            let key = try n.stringArg("attr name")
            if case .undefined(let m) = v { throw ValueError(m) }
            if Methods.has(v, key) { return .callable(JinjaCallable(kind: .method(v, key))) }
            if case .namespace(let ns) = v, let x = ns.attributes[key] { return x }
            return .undefined(message: "\(Access.objectTypeRepr(v)) has no attribute '\(key)'")
        case "select", "reject":
            let items = try ev.iterate(v)
            let wanted = name == "select"
            return .array(try items.filter { try passes($0, args.positional, args.keyword, ev) == wanted })
        case "selectattr", "rejectattr":
            guard let attr = args.positional.first else { throw ValueError("\(name) needs an attribute") }
            let items = try ev.iterate(v)
            let wanted = name == "selectattr"
            return .array(try items.filter {
                try passes(try attributePath($0, attr), Array(args.positional.dropFirst()), args.keyword, ev) == wanted
            })
        case "map":
            let items = try ev.iterate(v)
            if args.positional.isEmpty {
                let a = try args.bind(name, ["attribute", "default"])
                guard let attr = a[0] else { throw ValueError("map needs a filter name or attribute=") }
                return .array(try items.map {
                    let x = try attributePath($0, attr)
                    if x.isUndefined, let d = a[1] { return d }
                    return x
                })
            }
            let filter = try args.positional[0].stringArg("map filter name")
            guard supported.contains(filter) else { throw ValueError("No filter named '\(filter)'.") }
            let rest = CallArgs(positional: Array(args.positional.dropFirst()), keyword: args.keyword)
            return .array(try items.map { try apply(filter, $0, rest, ev) })
        case "unique":
            let a = try args.bind(name, ["case_sensitive", "attribute"])
            let cs = a[0]?.isTruthy ?? false
            var seen: [JinjaValue] = []
            var out: [JinjaValue] = []
            for item in try ev.iterate(v) {
                let key = foldCase(try a[1].map { try attributePath(item, $0) } ?? item, cs)
                if !seen.contains(where: { pyEquals($0, key) }) {
                    seen.append(key)
                    out.append(item)
                }
            }
            return .array(out)
        case "sort":
            let a = try args.bind(name, ["reverse", "case_sensitive", "attribute"])
            let reverse = a[0]?.isTruthy ?? false
            let cs = a[1]?.isTruthy ?? false
            let items = try ev.iterate(v)
            let keys = try items.map { item -> [JinjaValue] in
                guard let attr = a[2] else { return [foldCase(item, cs)] }
                let names: [JinjaValue]
                if case .string(let s) = attr { names = s.split(separator: ",").map { .string(String($0)) } } else { names = [attr] }
                return try names.map { foldCase(try attributePath(item, $0), cs) }
            }
            return .array(try stableSorted(items, keys, reverse: reverse))
        case "dictsort":
            let a = try args.bind(name, ["case_sensitive", "by", "reverse"])
            guard case .object(let o) = v else { throw ValueError("You can only sort by either \"key\" or \"value\"") }
            let byValue = (a[1]?.pythonString ?? "key") == "value"
            let cs = a[0]?.isTruthy ?? false
            let items = o.pairs.map { JinjaValue.array([.string($0.0), $0.1]) }
            let keys = o.pairs.map { [foldCase(byValue ? $0.1 : .string($0.0), cs)] }
            return .array(try stableSorted(items, keys, reverse: a[2]?.isTruthy ?? false))
        case "reverse":
            _ = try args.bind(name, [])
            if case .string(let s) = v { return .string(Methods.string(s.unicodeScalars.reversed())) }
            return .array(try ev.iterate(v).reversed())
        case "min", "max":
            let a = try args.bind(name, ["case_sensitive", "attribute"])
            let cs = a[0]?.isTruthy ?? false
            let items = try ev.iterate(v)
            guard var best = items.first else { return .undefined(message: "No aggregated item, sequence was empty.") }
            func key(_ x: JinjaValue) throws -> JinjaValue { foldCase(try a[1].map { try attributePath(x, $0) } ?? x, cs) }
            var bestKey = try key(best)
            for x in items.dropFirst() {
                let k = try key(x)
                guard let c = try Operators.order(k, bestKey) else {
                    throw ValueError("'<' not supported between instances of '\(k.typeName)' and '\(bestKey.typeName)'")
                }
                if name == "min" ? c < 0 : c > 0 { best = x; bestKey = k }
            }
            return best
        case "sum":
            let a = try args.bind(name, ["attribute", "start"])
            var total = a[1] ?? .int(0)
            for x in try ev.iterate(v) {
                let y = try a[0].map { try attributePath(x, $0) } ?? x
                total = try Operators.binary("+", total, y, limit: ev.options.maxOutputBytes)
            }
            return total
        case "batch":
            let a = try args.bind(name, ["linecount", "fill_with"])
            guard let n = try a[0]?.intArg("linecount"), n > 0 else { throw ValueError("batch size must be positive") }
            var out: [JinjaValue] = []
            var cur: [JinjaValue] = []
            for x in try ev.iterate(v) {
                cur.append(x)
                if cur.count == n { out.append(.array(cur)); cur = [] }
            }
            if !cur.isEmpty {
                if let fill = a[1], !Methods.isNone(fill) { while cur.count < n { cur.append(fill) } }
                out.append(.array(cur))
            }
            return .array(out)
        case "indent":
            let a = try args.bind(name, ["width", "first", "blank"])
            var indention = "    "
            switch a[0] {
            case .string(let s)?: indention = s
            case let w?: indention = String(repeating: " ", count: max(0, try w.intArg("width")))
            case nil: break
            }
            return .string(indent(v.pythonString, indention, first: a[1]?.isTruthy ?? false, blank: a[2]?.isTruthy ?? false))
        default:
            throw ValueError("unsupported filter '\(name)'", kind: .unsupported)
        }
    }

    static func length(_ v: JinjaValue) throws -> Int {
        switch v {
        case .string(let s): return s.unicodeScalars.count
        case .array(let a): return a.count
        case .object(let o): return o.count
        case .undefined: return 0
        default: throw ValueError("object of type '\(v.typeName)' has no len()")
        }
    }

    /// jinja2's environment.getattr over a dotted path (`"function.name"`, `"0.a"`).
    static func attributePath(_ v: JinjaValue, _ attr: JinjaValue) throws -> JinjaValue {
        guard case .string(let path) = attr else { return try Access.item(v, attr) }
        var cur = v
        for part in path.split(separator: ".", omittingEmptySubsequences: false) {
            let p = String(part)
            if let i = Int(p) { cur = try Access.item(cur, .int(i)) } else { cur = try Access.item(cur, .string(p)) }
        }
        return cur
    }

    /// select/reject's predicate: truthiness without a test name, else the named test.
    private static func passes(_ v: JinjaValue, _ positional: [JinjaValue], _ keyword: [(String, JinjaValue)], _ ev: Evaluator) throws -> Bool {
        guard let first = positional.first else { return v.isTruthy }
        let test = try first.stringArg("test name")
        guard Tests.supported.contains(test) else { throw ValueError("No test named '\(test)'.") }
        return try Tests.apply(test, v, CallArgs(positional: Array(positional.dropFirst()), keyword: keyword), ev)
    }

    /// jinja2's ignore_case: strings compare lowercased unless case_sensitive.
    private static func foldCase(_ v: JinjaValue, _ caseSensitive: Bool) -> JinjaValue {
        if !caseSensitive, case .string(let s) = v { return .string(s.lowercased()) }
        return v
    }

    /// Python's sorted() (stable, `reverse` keeps equal items in order).
    private static func stableSorted(_ items: [JinjaValue], _ keys: [[JinjaValue]], reverse: Bool) throws -> [JinjaValue] {
        var failure: ValueError? = nil
        let order = items.indices.sorted { i, j in
            guard failure == nil else { return false }
            do {
                guard let c = try Operators.order(.array(keys[i]), .array(keys[j])) else {
                    failure = ValueError("'<' not supported between instances of '\(keys[i].first?.typeName ?? "")' and '\(keys[j].first?.typeName ?? "")'")
                    return false
                }
                if c == 0 { return i < j }
                return reverse ? c > 0 : c < 0
            } catch {
                failure = error as? ValueError ?? ValueError("\(error)")
                return false
            }
        }
        if let failure { throw failure }
        return order.map { items[$0] }
    }

    private static func round(_ v: JinjaValue, _ precision: Int, _ method: String) throws -> JinjaValue {
        guard ["common", "ceil", "floor"].contains(method) else { throw ValueError("method must be common, ceil or floor") }
        guard let n = v.numeric else { throw ValueError("type \(v.typeName) doesn't define __round__ method") }
        if method == "common" {
            switch n {
            case .int(let i):
                // round(int, ndigits) stays an int; negative ndigits round to tens, hundreds...
                guard precision < 0 else { return .int(i) }
                let d = Double(i), scale = pow(10.0, Double(-precision))
                return .int(Int((d / scale).rounded(.toNearestOrEven) * scale))
            case .double(let d):
                guard d.isFinite else { return .double(d) }
                if precision == 0 { return .double(d.rounded(.toNearestOrEven)) }
                if precision > 0 {
                    // correctly rounded decimal text, as CPython's round() computes it
                    let text = String(format: "%.\(min(precision, 340))f", d)
                    return .double(Double(text) ?? d)
                }
                let scale = pow(10.0, Double(-precision))
                return .double((d / scale).rounded(.toNearestOrEven) * scale)
            }
        }
        let scale = pow(10.0, Double(precision))
        let x = n.asDouble * scale
        return .double((method == "ceil" ? x.rounded(.up) : x.rounded(.down)) / scale)
    }

    /// int(x) as jinja2's int filter tries it: int, then int(float(x)); nil means "use default".
    private static func toInt(_ v: JinjaValue, base: Int) -> JinjaValue? {
        switch v {
        case .int(let i): return .int(i)
        case .bool(let b): return .int(b ? 1 : 0)
        case .double(let d):
            guard d.isFinite, abs(d) < 9.2e18 else { return nil }
            return .int(Int(d))
        case .string(let s):
            var t = pyStrip(s, chars: nil).replacingOccurrences(of: "_", with: "")
            var negative = false
            if t.hasPrefix("-") { negative = true; t.removeFirst() } else if t.hasPrefix("+") { t.removeFirst() }
            var b = base
            let lower = t.lowercased()
            if base == 16 || base == 0, lower.hasPrefix("0x") { t = String(t.dropFirst(2)); b = 16 }
            else if base == 8 || base == 0, lower.hasPrefix("0o") { t = String(t.dropFirst(2)); b = 8 }
            else if base == 2 || base == 0, lower.hasPrefix("0b") { t = String(t.dropFirst(2)); b = 2 }
            if b == 0 { b = 10 }
            if b >= 2, b <= 36, !t.isEmpty, let i = Int(t, radix: b) { return .int(negative ? -i : i) }
            if let f = toFloat(v), case .double(let d) = f, d.isFinite, abs(d) < 9.2e18 { return .int(Int(d)) }
            return nil
        default:
            return nil
        }
    }

    private static func toFloat(_ v: JinjaValue) -> JinjaValue? {
        switch v {
        case .int(let i): return .double(Double(i))
        case .bool(let b): return .double(b ? 1 : 0)
        case .double(let d): return .double(d)
        case .string(let s):
            let t = pyStrip(s, chars: nil).replacingOccurrences(of: "_", with: "").lowercased()
            switch t {
            case "inf", "+inf", "infinity", "+infinity": return .double(.infinity)
            case "-inf", "-infinity": return .double(-.infinity)
            case "nan", "+nan", "-nan": return .double(.nan)
            default: break
            }
            guard !t.isEmpty, t.allSatisfy({ "0123456789.e+-".contains($0) }), let d = Double(t) else { return nil }
            return .double(d)
        default:
            return nil
        }
    }

    /// jinja2's do_title: words start after `-`, whitespace, `(`, `{`, `[` or `<`.
    private static func jinjaTitle(_ s: String) -> String {
        func isSep(_ c: Unicode.Scalar) -> Bool { c == "-" || c == "(" || c == "{" || c == "[" || c == "<" || isPythonSpace(c) }
        var out = ""
        var chunk: [Unicode.Scalar] = []
        var chunkIsSep = false
        func flush() {
            guard let f = chunk.first else { return }
            out += String(f).uppercased() + Methods.string(chunk.dropFirst()).lowercased()
            chunk = []
        }
        for c in s.unicodeScalars {
            if isSep(c) != chunkIsSep { flush(); chunkIsSep = isSep(c) }
            chunk.append(c)
        }
        flush()
        return out
    }

    /// markupsafe.escape.
    private static func htmlEscape(_ s: String) -> String {
        var out = ""
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&#34;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// json.dumps' ensure_ascii=True: non-ASCII as \uXXXX (UTF-16 surrogate pairs above BMP).
    private static func asciiEscaped(_ json: String) -> String {
        var out = ""
        for c in json.unicodeScalars {
            if c.value < 0x80 { out.unicodeScalars.append(c); continue }
            for unit in String(c).utf16 { out += "\\u" + hex(UInt32(unit), 4) }
        }
        return out
    }

    /// jinja2's do_indent, including its quirk of appending a newline before splitlines.
    private static func indent(_ s: String, _ indention: String, first: Bool, blank: Bool) -> String {
        let lines = pySplitLines(s + "\n")
        var rv: String
        if blank {
            rv = lines.joined(separator: "\n" + indention)
        } else {
            rv = lines.first ?? ""
            let rest = lines.dropFirst()
            if !rest.isEmpty { rv += "\n" + rest.map { $0.isEmpty ? $0 : indention + $0 }.joined(separator: "\n") }
        }
        return first ? indention + rv : rv
    }
}

/// Python's str.splitlines() (no keepends): every Unicode line boundary, \r\n as one.
func pySplitLines(_ s: String) -> [String] {
    var lines: [String] = []
    var cur = String.UnicodeScalarView()
    var it = Array(s.unicodeScalars)[...]
    while let c = it.popFirst() {
        switch c.value {
        case 0x0A, 0x0B, 0x0C, 0x1C, 0x1D, 0x1E, 0x85, 0x2028, 0x2029:
            lines.append(String(cur)); cur = String.UnicodeScalarView()
        case 0x0D:
            if it.first == "\n" { it.removeFirst() }
            lines.append(String(cur)); cur = String.UnicodeScalarView()
        default:
            cur.append(c)
        }
    }
    if !cur.isEmpty { lines.append(String(cur)) }
    return lines
}
