/// Evaluated call arguments, with Python's binding of positional-or-keyword parameters so
/// `tojson(indent=2)` and `tojson(2)` mean the same, and a misspelt keyword is an error
/// rather than silently ignored.
struct CallArgs {
    var positional: [JinjaValue] = []
    var keyword: [(String, JinjaValue)] = []

    /// Binds to `names` (in order); returns one slot per name, nil when not given.
    func bind(_ function: String, _ names: [String]) throws -> [JinjaValue?] {
        guard positional.count <= names.count else {
            throw ValueError("\(function)() takes at most \(names.count) argument(s) (\(positional.count) given)")
        }
        var slots = [JinjaValue?](repeating: nil, count: names.count)
        for (i, v) in positional.enumerated() { slots[i] = v }
        for (k, v) in keyword {
            guard let i = names.firstIndex(of: k) else {
                throw ValueError("\(function)() got an unexpected keyword argument '\(k)'")
            }
            if slots[i] != nil { throw ValueError("\(function)() got multiple values for argument '\(k)'") }
            slots[i] = v
        }
        return slots
    }
}

extension JinjaValue {
    /// An int argument (bools count, as in Python).
    func intArg(_ what: String) throws -> Int {
        switch self {
        case .int(let i): return i
        case .bool(let b): return b ? 1 : 0
        default: throw ValueError("\(what) must be an integer, not \(typeName)")
        }
    }

    func stringArg(_ what: String) throws -> String {
        if case .string(let s) = self { return s }
        throw ValueError("\(what) must be a string, not \(typeName)")
    }
}
