import Foundation

/// Python's arithmetic and comparison operators over `JinjaValue`. Ints are 64-bit here
/// (Python's are unbounded): an overflow is an error instead of a wrong number.
enum Operators {
    static func undefinedCheck(_ a: JinjaValue, _ b: JinjaValue) throws {
        if case .undefined(let m) = a { throw ValueError(m) }
        if case .undefined(let m) = b { throw ValueError(m) }
    }

    static func unsupported(_ op: String, _ a: JinjaValue, _ b: JinjaValue) -> ValueError {
        ValueError("unsupported operand type(s) for \(op): '\(a.typeName)' and '\(b.typeName)'")
    }

    static func overflow() -> ValueError { ValueError("integer overflow (ints are 64-bit here)") }

    static func negate(_ v: JinjaValue) throws -> JinjaValue {
        switch v.numeric {
        case .int(let i)?:
            guard i != Int.min else { throw overflow() }
            return .int(-i)
        case .double(let d)?: return .double(-d)
        case nil:
            if case .undefined(let m) = v { throw ValueError(m) }
            throw ValueError("bad operand type for unary -: '\(v.typeName)'")
        }
    }

    static func plus(_ v: JinjaValue) throws -> JinjaValue {
        switch v.numeric {
        case .int(let i)?: return .int(i)
        case .double(let d)?: return .double(d)
        case nil:
            if case .undefined(let m) = v { throw ValueError(m) }
            throw ValueError("bad operand type for unary +: '\(v.typeName)'")
        }
    }

    static func binary(_ op: String, _ a: JinjaValue, _ b: JinjaValue, limit: Int) throws -> JinjaValue {
        if op == "~" {
            let s = a.pythonString + b.pythonString
            guard s.utf8.count <= limit else { throw ValueError("string exceeds \(limit) bytes") }
            return .string(s)
        }
        try undefinedCheck(a, b)
        switch op {
        case "+":
            switch (a, b) {
            case (.string(let x), .string(let y)):
                guard x.utf8.count + y.utf8.count <= limit else { throw ValueError("string exceeds \(limit) bytes") }
                return .string(x + y)
            case (.array(let x), .array(let y)): return .array(x + y)
            case (.string, _): throw ValueError("can only concatenate str (not \"\(b.typeName)\") to str")
            case (.array, _): throw ValueError("can only concatenate list (not \"\(b.typeName)\") to list")
            default: return try arithmetic(op, a, b, { $0.addingReportingOverflow($1) }, +)
            }
        case "-": return try arithmetic(op, a, b, { $0.subtractingReportingOverflow($1) }, -)
        case "*":
            if case .string(let s) = a, let n = b.indexValue { return try repeated(s, n, limit) }
            if case .string(let s) = b, let n = a.indexValue { return try repeated(s, n, limit) }
            if case .array(let x) = a, let n = b.indexValue { return try repeatedList(x, n, limit) }
            if case .array(let x) = b, let n = a.indexValue { return try repeatedList(x, n, limit) }
            return try arithmetic(op, a, b, { $0.multipliedReportingOverflow(by: $1) }, *)
        case "/":
            guard let x = a.numeric, let y = b.numeric else { throw unsupported(op, a, b) }
            guard y.asDouble != 0 else { throw ValueError("division by zero") }
            return .double(x.asDouble / y.asDouble)
        case "//":
            guard let x = a.numeric, let y = b.numeric else { throw unsupported(op, a, b) }
            if case .int(let i) = x, case .int(let j) = y {
                guard j != 0 else { throw ValueError("integer division or modulo by zero") }
                guard !(i == Int.min && j == -1) else { throw overflow() }
                let q = i / j
                return .int((i % j != 0 && ((i < 0) != (j < 0))) ? q - 1 : q)
            }
            guard y.asDouble != 0 else { throw ValueError("float floor division by zero") }
            return .double(pyFloatFloorDiv(x.asDouble, y.asDouble))
        case "%":
            if case .string = a { throw ValueError("unsupported: printf-style string formatting with '%'", kind: .unsupported) }
            guard let x = a.numeric, let y = b.numeric else { throw unsupported(op, a, b) }
            if case .int(let i) = x, case .int(let j) = y {
                guard j != 0 else { throw ValueError("integer division or modulo by zero") }
                if j == -1 { return .int(0) }
                let r = i % j
                return .int((r != 0 && ((r < 0) != (j < 0))) ? r + j : r)
            }
            guard y.asDouble != 0 else { throw ValueError("float modulo") }
            return .double(pyFloatMod(x.asDouble, y.asDouble))
        case "**":
            guard let x = a.numeric, let y = b.numeric else { throw unsupported(op, a, b) }
            if case .int(let base) = x, case .int(let e) = y, e >= 0 {
                var result = 1, p = base, n = e
                while n > 0 {
                    if n & 1 == 1 {
                        let (r, o) = result.multipliedReportingOverflow(by: p)
                        guard !o else { throw overflow() }
                        result = r
                    }
                    n >>= 1
                    if n > 0 {
                        let (q, o) = p.multipliedReportingOverflow(by: p)
                        guard !o else { throw overflow() }
                        p = q
                    }
                }
                return .int(result)
            }
            if x.asDouble == 0 && y.asDouble < 0 { throw ValueError("0.0 cannot be raised to a negative power") }
            return .double(pow(x.asDouble, y.asDouble))
        default:
            throw ValueError("unknown operator \(op)")
        }
    }

    private static func arithmetic(_ op: String, _ a: JinjaValue, _ b: JinjaValue,
                                   _ intOp: (Int, Int) -> (partialValue: Int, overflow: Bool),
                                   _ floatOp: (Double, Double) -> Double) throws -> JinjaValue {
        guard let x = a.numeric, let y = b.numeric else { throw unsupported(op, a, b) }
        if case .int(let i) = x, case .int(let j) = y {
            let (r, o) = intOp(i, j)
            guard !o else { throw overflow() }
            return .int(r)
        }
        return .double(floatOp(x.asDouble, y.asDouble))
    }

    private static func repeated(_ s: String, _ n: Int, _ limit: Int) throws -> JinjaValue {
        guard n > 0 else { return .string("") }
        guard s.utf8.count.multipliedReportingOverflow(by: n).partialValue <= limit, s.utf8.count <= limit / max(n, 1) + 1 else {
            throw ValueError("string exceeds \(limit) bytes")
        }
        return .string(String(repeating: s, count: n))
    }

    private static func repeatedList(_ a: [JinjaValue], _ n: Int, _ limit: Int) throws -> JinjaValue {
        guard n > 0 else { return .array([]) }
        guard a.count <= limit / max(n, 1) else { throw ValueError("list too large") }
        var out: [JinjaValue] = []
        for _ in 0..<n { out += a }
        return .array(out)
    }

    /// CPython's float_floor_div / float_rem.
    static func pyFloatMod(_ x: Double, _ y: Double) -> Double {
        var m = fmod(x, y)
        if m != 0 {
            if (y < 0) != (m < 0) { m += y }
        } else {
            m = copysign(0, y)
        }
        return m
    }

    static func pyFloatFloorDiv(_ x: Double, _ y: Double) -> Double {
        let m = fmod(x, y)
        var div = (x - m) / y
        if m != 0 && ((y < 0) != (m < 0)) { div -= 1 }
        if div != 0 {
            var f = div.rounded(.down)
            if div - f > 0.5 { f += 1 }
            return f
        }
        return copysign(0, x / y)
    }

    // MARK: - comparisons

    static func compare(_ op: String, _ a: JinjaValue, _ b: JinjaValue) throws -> Bool {
        switch op {
        case "==": return pyEquals(a, b)
        case "!=": return !pyEquals(a, b)
        case "in": return try contains(b, a)
        case "notin": return !(try contains(b, a))
        default:
            try undefinedCheck(a, b)
            guard let c = try order(a, b) else {
                throw ValueError("'\(op)' not supported between instances of '\(a.typeName)' and '\(b.typeName)'")
            }
            switch op {
            case "<": return c < 0
            case ">": return c > 0
            case "<=": return c <= 0
            default: return c >= 0
            }
        }
    }

    /// Python ordering: numbers with numbers, strings by code point, lists lexicographically;
    /// nil when the types do not order. NaN compares false every way, as in Python.
    static func order(_ a: JinjaValue, _ b: JinjaValue) throws -> Int? {
        if let x = a.numeric, let y = b.numeric {
            if case .int(let i) = x, case .int(let j) = y { return i < j ? -1 : (i > j ? 1 : 0) }
            let (p, q) = (x.asDouble, y.asDouble)
            if p.isNaN || q.isNaN { return nil }
            return p < q ? -1 : (p > q ? 1 : 0)
        }
        switch (a, b) {
        case (.string(let x), .string(let y)):
            if x == y { return 0 }
            return codePointLess(x, y) ? -1 : 1
        case (.array(let x), .array(let y)):
            for (p, q) in zip(x, y) where !pyEquals(p, q) {
                guard let c = try order(p, q) else { return nil }
                return c
            }
            return x.count < y.count ? -1 : (x.count > y.count ? 1 : 0)
        default:
            return nil
        }
    }

    /// Python `needle in container`.
    static func contains(_ container: JinjaValue, _ needle: JinjaValue) throws -> Bool {
        switch container {
        case .string(let s):
            guard case .string(let n) = needle else {
                if case .undefined(let m) = needle { throw ValueError(m) }
                throw ValueError("'in <string>' requires string as left operand, not \(needle.typeName)")
            }
            return n.isEmpty || s.unicodeScalars.firstRange(of: n.unicodeScalars) != nil
        case .array(let a): return a.contains { pyEquals($0, needle) }
        case .object(let o):
            if case .string(let k) = needle { return o[k] != nil }
            return false
        case .undefined: return false
        default:
            throw ValueError("argument of type '\(container.typeName)' is not iterable")
        }
    }
}
