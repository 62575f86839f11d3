/// `a.b`, `a[b]` and `a[i:j:k]` as jinja2's sandbox resolves them: `a.b` tries a Python
/// attribute (a method like `items`) first, then the item `a['b']`; `a['b']` tries the item
/// first, then the attribute. A miss is an undefined value (falsy, prints empty), while any
/// access *on* an undefined value is an error, as with jinja2's default Undefined.
enum Access {
    static func attribute(_ base: JinjaValue, _ name: String) throws -> JinjaValue {
        if case .undefined(let message) = base { throw ValueError(message) }
        if Methods.has(base, name) { return .callable(JinjaCallable(kind: .method(base, name))) }
        switch base {
        case .object(let o):
            if let v = o[name] { return v }
        case .namespace(let ns):
            if let v = ns.attributes[name] { return v }
        default:
            break
        }
        return .undefined(message: "\(objectTypeRepr(base)) has no attribute '\(name)'")
    }

    static func item(_ base: JinjaValue, _ key: JinjaValue) throws -> JinjaValue {
        if case .undefined(let message) = base { throw ValueError(message) }
        switch (base, key) {
        case (.object(let o), .string(let k)):
            if let v = o[k] { return v }
        case (.array(let a), _):
            if let i = key.indexValue {
                let j = i < 0 ? i + a.count : i
                if j >= 0 && j < a.count { return a[j] }
            }
        case (.string(let s), _):
            if let i = key.indexValue {
                let u = Array(s.unicodeScalars)
                let j = i < 0 ? i + u.count : i
                if j >= 0 && j < u.count { return .string(String(u[j])) }
            }
        case (.namespace(let ns), .string(let k)):
            if let v = ns.attributes[k] { return v }
        default:
            break
        }
        if case .string(let k) = key {
            if Methods.has(base, k) { return .callable(JinjaCallable(kind: .method(base, k))) }
            return .undefined(message: "\(objectTypeRepr(base)) has no attribute '\(k)'")
        }
        return .undefined(message: "\(objectTypeRepr(base)) has no element \(key.pythonRepr)")
    }

    static func slice(_ base: JinjaValue, _ start: JinjaValue?, _ stop: JinjaValue?, _ step: JinjaValue?) throws -> JinjaValue {
        if case .undefined(let message) = base { throw ValueError(message) }
        func bound(_ v: JinjaValue?) throws -> Int? {
            guard let v else { return nil }
            if case .none = v { return nil }
            guard let i = v.indexValue else { throw ValueError("slice indices must be integers or None") }
            return i
        }
        let st = try bound(step) ?? 1
        guard st != 0 else { throw ValueError("slice step cannot be zero") }
        switch base {
        case .array(let a):
            return .array(pySlice(a, try bound(start), try bound(stop), st))
        case .string(let s):
            let u = pySlice(Array(s.unicodeScalars), try bound(start), try bound(stop), st)
            var out = String.UnicodeScalarView()
            out.append(contentsOf: u)
            return .string(String(out))
        default:
            throw ValueError("'\(base.typeName)' object is not subscriptable")
        }
    }

    /// Python's slice index clamping, for any step sign.
    static func pySlice<T>(_ a: [T], _ start: Int?, _ stop: Int?, _ step: Int) -> [T] {
        let n = a.count
        func clamp(_ v: Int?, _ def: Int, lo: Int, hi: Int) -> Int {
            guard var x = v else { return def }
            if x < 0 { x += n }
            return min(max(x, lo), hi)
        }
        var out: [T] = []
        if step > 0 {
            let s = clamp(start, 0, lo: 0, hi: n)
            let e = clamp(stop, n, lo: 0, hi: n)
            var i = s
            while i < e { out.append(a[i]); i += step }
        } else {
            let s = clamp(start, n - 1, lo: -1, hi: n - 1)
            let e = clamp(stop, -1, lo: -1, hi: n - 1)
            // an explicit negative stop that clamps below 0 means "through index 0"
            let stopAt = stop == nil ? -1 : e
            var i = s
            while i > stopAt { out.append(a[i]); i += step }
        }
        return out
    }

    /// jinja2's object_type_repr, used in its undefined messages.
    static func objectTypeRepr(_ v: JinjaValue) -> String {
        switch v {
        case .none: return "None"
        case .namespace: return "'Namespace object'"
        case .callable: return "'function object'"
        default: return "'\(v.typeName) object'"
        }
    }
}

extension JinjaValue {
    /// An index as Python accepts one (ints and bools).
    var indexValue: Int? {
        switch self {
        case .int(let i): return i
        case .bool(let b): return b ? 1 : 0
        default: return nil
        }
    }
}
