/// Python methods templates call on values: `str` (strip, split, startswith...) and `dict`
/// (items, keys, values, get). All index and count by code point, as Python does.
/// Mutating list and dict methods exist only to be refused, as HF's immutable sandbox does.
enum Methods {
    static let stringMethods: Set<String> = [
        "startswith", "endswith", "strip", "lstrip", "rstrip", "split", "rsplit", "replace", "upper", "lower",
        "title", "capitalize", "find", "rfind", "count", "join", "splitlines", "isdigit", "isalpha", "isalnum",
        "isspace", "islower", "isupper", "format", "index", "rindex", "center", "ljust", "rjust", "zfill",
        "partition", "rpartition", "swapcase", "casefold", "encode", "expandtabs", "format_map", "isascii",
        "isdecimal", "isidentifier", "isnumeric", "isprintable", "istitle", "maketrans", "translate",
        "removeprefix", "removesuffix",
    ]
    static let dictMethods: Set<String> = ["items", "keys", "values", "get", "copy", "pop", "popitem", "update",
                                           "setdefault", "clear", "fromkeys"]
    static let listMethods: Set<String> = ["append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse",
                                           "index", "count", "copy"]
    static let mutating: Set<String> = ["append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse",
                                        "popitem", "update", "setdefault"]

    static func has(_ v: JinjaValue, _ name: String) -> Bool {
        switch v {
        case .string: return stringMethods.contains(name)
        case .object: return dictMethods.contains(name)
        case .array: return listMethods.contains(name)
        default: return false
        }
    }

    static func call(_ receiver: JinjaValue, _ name: String, _ args: CallArgs, _ ev: Evaluator) throws -> JinjaValue {
        if mutating.contains(name) {
            throw ValueError("access to attribute '\(name)' of '\(receiver.typeName)' object is unsafe.")
        }
        switch receiver {
        case .string(let s): return try stringMethod(s, name, args)
        case .object(let o): return try dictMethod(o, name, args)
        case .array(let a): return try listMethod(a, name, args)
        default: throw ValueError("'\(receiver.typeName)' object has no attribute '\(name)'")
        }
    }

    // MARK: - dict

    static func dictMethod(_ o: JinjaObject, _ name: String, _ args: CallArgs) throws -> JinjaValue {
        switch name {
        case "items":
            _ = try args.bind(name, [])
            return .array(o.pairs.map { .array([.string($0.0), $0.1]) })
        case "keys":
            _ = try args.bind(name, [])
            return .array(o.keys.map { .string($0) })
        case "values":
            _ = try args.bind(name, [])
            return .array(o.values)
        case "get":
            let a = try args.bind(name, ["key", "default"])
            guard let key = a[0] else { throw ValueError("get expected at least 1 argument, got 0") }
            if case .string(let k) = key, let v = o[k] { return v }
            return a[1] ?? .none
        case "copy":
            return .object(o)
        default:
            throw ValueError("unsupported dict method '\(name)'", kind: .unsupported)
        }
    }

    static func listMethod(_ a: [JinjaValue], _ name: String, _ args: CallArgs) throws -> JinjaValue {
        switch name {
        case "count":
            let x = try args.bind(name, ["value"])
            guard let v = x[0] else { throw ValueError("count() takes exactly one argument") }
            return .int(a.filter { pyEquals($0, v) }.count)
        case "index":
            let x = try args.bind(name, ["value"])
            guard let v = x[0] else { throw ValueError("index() takes exactly one argument") }
            guard let i = a.firstIndex(where: { pyEquals($0, v) }) else { throw ValueError("\(v.pythonRepr) is not in list") }
            return .int(i)
        case "copy":
            return .array(a)
        default:
            throw ValueError("unsupported list method '\(name)'", kind: .unsupported)
        }
    }

    // MARK: - str

    static func stringMethod(_ s: String, _ name: String, _ args: CallArgs) throws -> JinjaValue {
        let u = Array(s.unicodeScalars)
        switch name {
        case "startswith", "endswith":
            let a = try args.bind(name, ["prefix", "start", "end"])
            guard let p = a[0] else { throw ValueError("\(name)() takes at least 1 argument (0 given)") }
            let window = try sliceWindow(u, a[1], a[2])
            let candidates: [JinjaValue]
            if case .array(let list) = p { candidates = list } else { candidates = [p] }
            for c in candidates {
                guard case .string(let cs) = c else {
                    throw ValueError("\(name) first arg must be str or a tuple of str, not \(c.typeName)")
                }
                let cu = Array(cs.unicodeScalars)
                guard let w = window, cu.count <= w.count else { continue }
                if name == "startswith" ? w.starts(with: cu) : Array(w.suffix(cu.count)) == cu { return .bool(true) }
            }
            return .bool(false)
        case "strip", "lstrip", "rstrip":
            let a = try args.bind(name, ["chars"])
            return .string(pyStrip(s, chars: try charsArg(a[0]), left: name != "rstrip", right: name != "lstrip"))
        case "split", "rsplit":
            let a = try args.bind(name, ["sep", "maxsplit"])
            var sep: String? = nil
            if let v = a[0], !isNone(v) { sep = try v.stringArg("sep") }
            let maxsplit = try a[1].map { try $0.intArg("maxsplit") } ?? -1
            let parts = try pySplit(s, sep: sep, maxsplit: maxsplit, fromRight: name == "rsplit")
            return .array(parts.map { .string($0) })
        case "splitlines":
            _ = try args.bind(name, [])
            return .array(pySplitLines(s).map { .string($0) })
        case "replace":
            let a = try args.bind(name, ["old", "new", "count"])
            guard let o = a[0], let n = a[1] else { throw ValueError("replace expected at least 2 arguments") }
            let count = try a[2].map { try $0.intArg("count") } ?? -1
            return .string(pyReplace(s, try o.stringArg("replace() argument 1"), try n.stringArg("replace() argument 2"), count: count))
        case "upper": _ = try args.bind(name, []); return .string(s.uppercased())
        case "lower": _ = try args.bind(name, []); return .string(s.lowercased())
        case "title": _ = try args.bind(name, []); return .string(pyTitle(s))
        case "capitalize": _ = try args.bind(name, []); return .string(pyCapitalize(s))
        case "find", "rfind", "index", "rindex":
            let a = try args.bind(name, ["sub", "start", "end"])
            guard let sub = a[0] else { throw ValueError("\(name)() takes at least 1 argument (0 given)") }
            let su = Array(try sub.stringArg("\(name)() argument").unicodeScalars)
            let (lo, hi) = try windowBounds(u.count, a[1], a[2])
            var found = -1
            if hi - lo >= su.count {
                let range = Array(lo...(hi - su.count))
                for i in (name.hasPrefix("r") ? range.reversed() : range) where Array(u[i..<i + su.count]) == su {
                    found = i
                    break
                }
            }
            if found < 0 && name.hasSuffix("index") { throw ValueError("substring not found") }
            return .int(found)
        case "count":
            let a = try args.bind(name, ["sub"])
            guard let sub = a[0] else { throw ValueError("count() takes at least 1 argument (0 given)") }
            let su = Array(try sub.stringArg("count() argument").unicodeScalars)
            if su.isEmpty { return .int(u.count + 1) }
            var n = 0, i = 0
            while i + su.count <= u.count {
                if Array(u[i..<i + su.count]) == su { n += 1; i += su.count } else { i += 1 }
            }
            return .int(n)
        case "join":
            let a = try args.bind(name, ["iterable"])
            guard let it = a[0] else { throw ValueError("join() takes exactly one argument (0 given)") }
            let items: [JinjaValue]
            switch it {
            case .array(let arr): items = arr
            case .string(let str): items = str.unicodeScalars.map { .string(String($0)) }
            case .object(let o): items = o.keys.map { .string($0) }
            default: throw ValueError("can only join an iterable")
            }
            var parts: [String] = []
            for (i, v) in items.enumerated() {
                guard case .string(let p) = v else {
                    throw ValueError("sequence item \(i): expected str instance, \(v.typeName) found")
                }
                parts.append(p)
            }
            return .string(parts.joined(separator: s))
        case "isdigit", "isdecimal", "isnumeric":
            return .bool(!u.isEmpty && u.allSatisfy { $0.properties.numericType != nil && (name == "isnumeric" || $0.properties.numericType != .numeric) })
        case "isalpha": return .bool(!u.isEmpty && u.allSatisfy { $0.properties.isAlphabetic })
        case "isalnum": return .bool(!u.isEmpty && u.allSatisfy { $0.properties.isAlphabetic || $0.properties.numericType != nil })
        case "isspace": return .bool(!u.isEmpty && u.allSatisfy(isPythonSpace))
        case "islower": return .bool(pyIsLower(s))
        case "isupper": return .bool(pyIsUpper(s))
        case "removeprefix", "removesuffix":
            let a = try args.bind(name, ["affix"])
            guard let affix = a[0] else { throw ValueError("\(name)() takes exactly one argument (0 given)") }
            let au = Array(try affix.stringArg(name).unicodeScalars)
            if name == "removeprefix", u.starts(with: au) { return .string(string(u[au.count...])) }
            if name == "removesuffix", !au.isEmpty, Array(u.suffix(au.count)) == au { return .string(string(u[..<(u.count - au.count)])) }
            return .string(s)
        default:
            throw ValueError("unsupported string method '\(name)'", kind: .unsupported)
        }
    }

    static func isNone(_ v: JinjaValue) -> Bool {
        if case .none = v { return true }
        return false
    }

    static func string<C: Collection>(_ u: C) -> String where C.Element == Unicode.Scalar {
        var v = String.UnicodeScalarView()
        v.append(contentsOf: u)
        return String(v)
    }

    private static func charsArg(_ v: JinjaValue?) throws -> String? {
        guard let v, !isNone(v) else { return nil }
        return try v.stringArg("strip arg")
    }

    /// Python's start/end clamping for str methods.
    private static func windowBounds(_ n: Int, _ start: JinjaValue?, _ end: JinjaValue?) throws -> (Int, Int) {
        func idx(_ v: JinjaValue?, _ def: Int) throws -> Int {
            guard let v, !isNone(v) else { return def }
            var i = try v.intArg("slice index")
            if i < 0 { i += n }
            return min(max(i, 0), n)
        }
        return (try idx(start, 0), try idx(end, n))
    }

    private static func sliceWindow(_ u: [Unicode.Scalar], _ start: JinjaValue?, _ end: JinjaValue?) throws -> ArraySlice<Unicode.Scalar>? {
        let (lo, hi) = try windowBounds(u.count, start, end)
        if lo > hi { return nil }
        return u[lo..<hi]
    }
}

/// `str.strip([chars])`: whitespace by default, else any of the given code points.
func pyStrip(_ s: String, chars: String?, left: Bool = true, right: Bool = true) -> String {
    let u = Array(s.unicodeScalars)
    let set = chars.map { Set($0.unicodeScalars) }
    func strip(_ c: Unicode.Scalar) -> Bool { set.map { $0.contains(c) } ?? isPythonSpace(c) }
    var lo = 0, hi = u.count
    if left { while lo < hi, strip(u[lo]) { lo += 1 } }
    if right { while hi > lo, strip(u[hi - 1]) { hi -= 1 } }
    return Methods.string(u[lo..<hi])
}

/// `str.split` / `str.rsplit` with Python's two behaviours: no separator splits on runs of
/// whitespace and drops empty ends; a separator splits exactly.
func pySplit(_ s: String, sep: String?, maxsplit: Int, fromRight: Bool) throws -> [String] {
    var u = Array(s.unicodeScalars)
    let limit = maxsplit < 0 ? Int.max : maxsplit
    if let sep {
        var su = Array(sep.unicodeScalars)
        guard !su.isEmpty else { throw ValueError("empty separator") }
        if fromRight { u.reverse(); su.reverse() }
        var parts: [[Unicode.Scalar]] = []
        var cur: [Unicode.Scalar] = []
        var i = 0
        while i < u.count {
            if parts.count < limit, i + su.count <= u.count, Array(u[i..<i + su.count]) == su {
                parts.append(cur)
                cur = []
                i += su.count
            } else {
                cur.append(u[i])
                i += 1
            }
        }
        parts.append(cur)
        if fromRight { parts = parts.reversed().map { $0.reversed() } }
        return parts.map { Methods.string($0) }
    }
    if fromRight { u.reverse() }
    var parts: [[Unicode.Scalar]] = []
    var i = 0
    while i < u.count {
        while i < u.count, isPythonSpace(u[i]) { i += 1 }
        if i >= u.count { break }
        if parts.count >= limit {
            // the rest, with trailing whitespace kept, is the last part
            parts.append(Array(u[i...]))
            break
        }
        var j = i
        while j < u.count, !isPythonSpace(u[j]) { j += 1 }
        parts.append(Array(u[i..<j]))
        i = j
    }
    if fromRight { parts = parts.reversed().map { $0.reversed() } }
    return parts.map { Methods.string($0) }
}

/// `str.replace(old, new[, count])`, including Python's empty-`old` insertion.
func pyReplace(_ s: String, _ old: String, _ new: String, count: Int) -> String {
    let u = Array(s.unicodeScalars), ou = Array(old.unicodeScalars), nu = Array(new.unicodeScalars)
    let limit = count < 0 ? Int.max : count
    var out: [Unicode.Scalar] = []
    var done = 0
    if ou.isEmpty {
        for c in u {
            if done < limit { out += nu; done += 1 }
            out.append(c)
        }
        if done < limit { out += nu }
        return Methods.string(out)
    }
    var i = 0
    while i < u.count {
        if done < limit, i + ou.count <= u.count, Array(u[i..<i + ou.count]) == ou {
            out += nu
            i += ou.count
            done += 1
        } else {
            out.append(u[i])
            i += 1
        }
    }
    return Methods.string(out)
}

private func isCased(_ c: Unicode.Scalar) -> Bool {
    switch c.properties.generalCategory {
    case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter: return true
    default: return false
    }
}

/// `str.title()`: a cased character after an uncased one is title-cased, others lowered.
func pyTitle(_ s: String) -> String {
    var out = ""
    var previousCased = false
    for c in s.unicodeScalars {
        if isCased(c) {
            out += previousCased ? c.properties.lowercaseMapping : c.properties.titlecaseMapping
            previousCased = true
        } else {
            out.unicodeScalars.append(c)
            previousCased = false
        }
    }
    return out
}

/// `str.capitalize()`: first character title-cased, the rest lowered.
func pyCapitalize(_ s: String) -> String {
    var out = ""
    for (i, c) in s.unicodeScalars.enumerated() {
        out += i == 0 ? c.properties.titlecaseMapping : c.properties.lowercaseMapping
    }
    return out
}

func pyIsLower(_ s: String) -> Bool {
    var cased = false
    for c in s.unicodeScalars {
        let cat = c.properties.generalCategory
        if cat == .uppercaseLetter || cat == .titlecaseLetter { return false }
        if cat == .lowercaseLetter { cased = true }
    }
    return cased
}

func pyIsUpper(_ s: String) -> Bool {
    var cased = false
    for c in s.unicodeScalars {
        let cat = c.properties.generalCategory
        if cat == .lowercaseLetter || cat == .titlecaseLetter { return false }
        if cat == .uppercaseLetter { cased = true }
    }
    return cased
}
