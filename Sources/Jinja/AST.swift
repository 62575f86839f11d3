/// The parsed template. Nodes are classes so the tree is shared, not copied, by the
/// evaluator; each carries the line it starts on for runtime errors.
final class Expr {
    indirect enum Kind {
        case literal(JinjaValue)
        case name(String)
        case list([Expr])
        /// A tuple literal `(a, b)` or `a, b`: evaluated as a list.
        case tuple([Expr])
        case dict([(Expr, Expr)])
        /// `a.b` (jinja2 tries the attribute, then the item).
        case attribute(Expr, String)
        /// `a[b]` (jinja2 tries the item, then the attribute).
        case item(Expr, Expr)
        case slice(Expr, start: Expr?, stop: Expr?, step: Expr?)
        case call(Expr, Arguments)
        case filter(Expr, name: String, Arguments)
        case test(Expr, name: String, Arguments, negated: Bool)
        case not(Expr)
        case negate(Expr)
        case plus(Expr)
        /// `+ - * / // % ** ~`
        case binary(String, Expr, Expr)
        /// A comparison chain `a < b <= c` (Python semantics); ops include `in` and `notin`.
        case compare(Expr, [(String, Expr)])
        case and(Expr, Expr)
        case or(Expr, Expr)
        /// `a if cond else b`; without `else` the result is undefined when cond is false.
        case conditional(cond: Expr, then: Expr, otherwise: Expr?)
    }
    let kind: Kind
    let line: Int
    init(_ kind: Kind, line: Int) {
        self.kind = kind
        self.line = line
    }
}

/// Call arguments: positional then keyword, as jinja2 requires.
struct Arguments {
    var positional: [Expr] = []
    var keyword: [(String, Expr)] = []
}

final class Stmt {
    enum Kind {
        case text(String)
        case output(Expr)
        /// `if`/`elif` branches in order, then the `else` body.
        case ifChain([(Expr, [Stmt])], otherwise: [Stmt])
        case forLoop(ForLoop)
        case set(AssignTarget, Expr)
        /// `{% set x %}...{% endset %}`, optionally piped through filters.
        case setBlock(String, [Stmt], filters: [(String, Arguments)])
        case macro(MacroDefinition)
        case breakLoop
        case continueLoop
        /// transformers' `{% generation %}`: renders its body (the tracker only records offsets).
        case generation([Stmt])
        case with([(String, Expr)], [Stmt])
        /// `{% filter upper %}...{% endfilter %}`
        case filterBlock([(String, Arguments)], [Stmt])
    }
    let kind: Kind
    let line: Int
    init(_ kind: Kind, line: Int) {
        self.kind = kind
        self.line = line
    }
}

enum AssignTarget {
    case name(String)
    /// `a, b = ...` unpacking.
    case names([String])
    /// `ns.attr = ...` (only namespaces accept it).
    case attribute(String, String)
}

struct ForLoop {
    var targets: [String]
    /// Whether the target was written as a tuple (`for k, v in ...`), so items unpack.
    var unpack: Bool
    var iterable: Expr
    var condition: Expr?
    var body: [Stmt]
    var otherwise: [Stmt]
}

final class MacroDefinition {
    let name: String
    let parameters: [(String, Expr?)]
    let body: [Stmt]
    let line: Int
    init(name: String, parameters: [(String, Expr?)], body: [Stmt], line: Int) {
        self.name = name
        self.parameters = parameters
        self.body = body
        self.line = line
    }
}
