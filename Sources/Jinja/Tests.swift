/// jinja2's tests (`x is defined`, `x is divisibleby 3`...), with jinja2's definitions in
/// Python terms: `number` includes bools, `integer` excludes them, `iterable` is true for
/// undefined (it iterates as empty).
enum Tests {
    static let supported: Set<String> = [
        "defined", "undefined", "none", "string", "number", "integer", "float", "boolean", "true", "false",
        "mapping", "iterable", "sequence", "callable", "equalto", "eq", "==", "ne", "!=", "lt", "<", "lessthan",
        "le", "<=", "gt", ">", "greaterthan", "ge", ">=", "in", "sameas", "odd", "even", "divisibleby", "lower",
        "upper", "escaped", "filter", "test",
    ]
    /// Every test jinja2 itself knows (none are missing here today; kept for symmetry with filters).
    static let jinjaBuiltins: Set<String> = supported

    static func apply(_ name: String, _ v: JinjaValue, _ args: CallArgs, _ ev: Evaluator) throws -> Bool {
        func arg() throws -> JinjaValue {
            guard let a = args.positional.first ?? args.keyword.first?.1 else {
                throw ValueError("test '\(name)' needs an argument")
            }
            return a
        }
        switch name {
        case "defined": return !v.isUndefined
        case "undefined": return v.isUndefined
        case "none": if case .none = v { return true }; return false
        case "string": if case .string = v { return true }; return false
        case "number":
            switch v { case .int, .double, .bool: return true; default: return false }
        case "integer": if case .int = v { return true }; return false
        case "float": if case .double = v { return true }; return false
        case "boolean": if case .bool = v { return true }; return false
        case "true": if case .bool(true) = v { return true }; return false
        case "false": if case .bool(false) = v { return true }; return false
        case "mapping": if case .object = v { return true }; return false
        case "iterable":
            switch v { case .array, .object, .string, .undefined: return true; default: return false }
        case "sequence":
            switch v { case .array, .object, .string, .undefined: return true; default: return false }
        case "callable": if case .callable = v { return true }; return false
        case "equalto", "eq", "==": return pyEquals(v, try arg())
        case "ne", "!=": return !pyEquals(v, try arg())
        case "lt", "<", "lessthan": return try Operators.compare("<", v, try arg())
        case "le", "<=": return try Operators.compare("<=", v, try arg())
        case "gt", ">", "greaterthan": return try Operators.compare(">", v, try arg())
        case "ge", ">=": return try Operators.compare(">=", v, try arg())
        case "in": return try Operators.contains(try arg(), v)
        case "sameas":
            let other = try arg()
            switch (v, other) {
            case (.none, .none): return true
            case (.bool(let a), .bool(let b)): return a == b
            case (.namespace(let a), .namespace(let b)): return a === b
            // small ints and interned strings are identical objects in CPython; equal is the best guess
            case (.int(let a), .int(let b)): return a == b
            default: return false
            }
        case "odd", "even":
            if case .undefined(let m) = v { throw ValueError(m) }
            let r = try Operators.binary("%", v, .int(2), limit: .max)
            return pyEquals(r, .int(name == "odd" ? 1 : 0))
        case "divisibleby":
            let r = try Operators.binary("%", v, try arg(), limit: .max)
            return pyEquals(r, .int(0))
        case "lower": return pyIsLower(v.pythonString)
        case "upper": return pyIsUpper(v.pythonString)
        case "escaped": return false
        case "filter":
            guard case .string(let n) = v else { return false }
            return Filters.supported.contains(n)
        case "test":
            guard case .string(let n) = v else { return false }
            return supported.contains(n)
        default:
            throw ValueError("unsupported test '\(name)'", kind: .unsupported)
        }
    }
}
