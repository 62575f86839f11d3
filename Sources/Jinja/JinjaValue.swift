/// A value a template sees or produces: the JSON types plus what jinja2 adds at render time
/// (undefined, namespaces, callables). Semantics follow Python, because the reference is
/// jinja2 running on CPython: `1 == 1.0 == True`, `[] ` is falsy, ints and floats differ.
public indirect enum JinjaValue: Sendable {
    case none
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    /// A Python list (tuples are lists here too; they print as lists).
    case array([JinjaValue])
    /// A Python dict with string keys, in insertion order (json.dumps and `items()` keep it).
    case object(JinjaObject)
    /// jinja2's default `Undefined`: prints empty, is falsy, iterates as empty; using it in
    /// arithmetic or attribute access fails with `message` (jinja2's own wording).
    case undefined(message: String)
    /// `namespace(...)`: the one mutable object (`{% set ns.x = ... %}`), shared by reference.
    case namespace(JinjaNamespace)
    /// A function value: a global, a bound method (`s.strip`), a macro, `loop.cycle`.
    case callable(JinjaCallable)
}

/// An insertion-ordered dictionary with string keys: a Python dict as json.loads builds it.
public struct JinjaObject: Sendable, Equatable {
    public private(set) var keys: [String] = []
    private var storage: [String: JinjaValue] = [:]

    public init() {}

    /// Later duplicates overwrite the value but keep the first position, as a dict literal does.
    public init(_ pairs: [(String, JinjaValue)]) {
        for (k, v) in pairs { self[k] = v }
    }

    public var count: Int { keys.count }
    public var isEmpty: Bool { keys.isEmpty }
    public var values: [JinjaValue] { keys.map { storage[$0] ?? .none } }
    public var pairs: [(String, JinjaValue)] { keys.map { ($0, storage[$0] ?? .none) } }

    public subscript(key: String) -> JinjaValue? {
        get { storage[key] }
        set {
            if let newValue {
                if storage.updateValue(newValue, forKey: key) == nil { keys.append(key) }
            } else if storage.removeValue(forKey: key) != nil {
                keys.removeAll { $0 == key }
            }
        }
    }

    public static func == (a: JinjaObject, b: JinjaObject) -> Bool {
        guard a.count == b.count else { return false }
        for (k, v) in a.storage {
            guard let w = b.storage[k], pyEquals(v, w) else { return false }
        }
        return true
    }
}

/// `namespace(a=1)`: attributes assignable from inner scopes, which plain `set` cannot do.
/// A class because jinja2's Namespace is a reference: every scope sees the same object.
/// Only one render touches a namespace, so the unchecked Sendable is never exercised.
public final class JinjaNamespace: @unchecked Sendable {
    var attributes: JinjaObject
    init(_ attributes: JinjaObject) { self.attributes = attributes }
}

/// What a callable value does when called; the evaluator dispatches on it.
public struct JinjaCallable: @unchecked Sendable {
    enum Kind {
        /// A global function by name (`raise_exception`, `namespace`, `range`, `dict`...).
        case global(String)
        /// A method bound to its receiver (`message.content.startswith`).
        case method(JinjaValue, String)
        case macro(Macro)
        /// `loop.cycle(...)` of the iteration with this 0-based index.
        case cycle(Int)
    }
    let kind: Kind
}

extension JinjaValue: Equatable {
    /// Python `==` (numeric across int/float/bool, structural for lists and dicts).
    public static func == (a: JinjaValue, b: JinjaValue) -> Bool { pyEquals(a, b) }
}

func pyEquals(_ a: JinjaValue, _ b: JinjaValue) -> Bool {
    switch (a, b) {
    case (.none, .none): return true
    case (.undefined, .undefined): return true
    case (.string(let x), .string(let y)): return x == y
    case (.array(let x), .array(let y)):
        guard x.count == y.count else { return false }
        for i in x.indices where !pyEquals(x[i], y[i]) { return false }
        return true
    case (.object(let x), .object(let y)): return x == y
    case (.namespace(let x), .namespace(let y)): return x === y
    default:
        if let x = a.numeric, let y = b.numeric {
            switch (x, y) {
            case (.int(let i), .int(let j)): return i == j
            default: return x.asDouble == y.asDouble
            }
        }
        return false
    }
}

/// Numbers as Python sees them: bool is an int subclass.
enum Numeric {
    case int(Int)
    case double(Double)
    var asDouble: Double {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        }
    }
}

extension JinjaValue {
    var numeric: Numeric? {
        switch self {
        case .int(let i): return .int(i)
        case .double(let d): return .double(d)
        case .bool(let b): return .int(b ? 1 : 0)
        default: return nil
        }
    }

    public var isUndefined: Bool {
        if case .undefined = self { return true }
        return false
    }

    /// Python truthiness (`bool(x)`); undefined is falsy.
    public var isTruthy: Bool {
        switch self {
        case .none, .undefined: return false
        case .bool(let b): return b
        case .int(let i): return i != 0
        case .double(let d): return d != 0
        case .string(let s): return !s.isEmpty
        case .array(let a): return !a.isEmpty
        case .object(let o): return !o.isEmpty
        case .namespace, .callable: return true
        }
    }

    /// The Python type name, for error messages worded like CPython's.
    var typeName: String {
        switch self {
        case .none: return "NoneType"
        case .bool: return "bool"
        case .int: return "int"
        case .double: return "float"
        case .string: return "str"
        case .array: return "list"
        case .object: return "dict"
        case .undefined: return "Undefined"
        case .namespace: return "Namespace"
        case .callable: return "function"
        }
    }
}

// Literals make contexts and tests readable: `["role": "user", "content": "hi"]`.
extension JinjaValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JinjaValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JinjaValue)...) { self = .object(JinjaObject(elements)) }
    public init(nilLiteral: ()) { self = .none }
}
