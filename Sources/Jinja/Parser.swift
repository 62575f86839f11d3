/// Recursive-descent parser following jinja2's parser.py: the same precedence ladder
/// (condexpr < or < and < not < compare < +,- < ~ < *,/,//,% < ** < unary < postfix/filters)
/// and the same statement grammar. Unknown filters and tests are refused here, by name,
/// as jinja2's compiler does, so a template fails when loaded rather than mid-render.
struct Parser {
    private let tokens: [Token]
    private let name: String
    private var i = 0
    private var depth = 0
    private var loopDepth = 0
    /// Deep enough for any real template; shallow enough that the recursion fits in a
    /// secondary thread's stack (512 KiB) while parsing and evaluating.
    static let maxDepth = 64

    init(tokens: [Token], name: String) {
        self.tokens = tokens
        self.name = name
    }

    static func parse(_ source: String, name: String) throws -> [Stmt] {
        var p = Parser(tokens: try Lexer.tokenize(source, name: name), name: name)
        let (body, end) = try p.parseBody(until: [])
        if let end { throw p.error("Encountered unknown tag '\(end)'.") }
        return body
    }

    // MARK: - token helpers

    private var current: Token { tokens[min(i, tokens.count - 1)] }
    private func peek(_ k: Int = 1) -> Token { tokens[min(i + k, tokens.count - 1)] }
    private mutating func next() -> Token {
        let t = current
        if i < tokens.count - 1 { i += 1 }
        return t
    }

    private func error(_ message: String, _ token: Token? = nil, kind: JinjaError.Kind = .syntax) -> JinjaError {
        let t = token ?? current
        return JinjaError(kind, template: name, line: t.line, column: t.column, message)
    }

    private func isOp(_ s: String) -> Bool { current.kind == .op(s) }
    private func isName(_ s: String) -> Bool { current.kind == .name(s) }

    private mutating func skipOp(_ s: String) -> Bool {
        if isOp(s) { _ = next(); return true }
        return false
    }
    private mutating func skipName(_ s: String) -> Bool {
        if isName(s) { _ = next(); return true }
        return false
    }

    private func describe(_ t: Token) -> String {
        switch t.kind {
        case .text: return "template data"
        case .blockBegin: return "begin of statement block"
        case .blockEnd: return "end of statement block"
        case .variableBegin: return "begin of print statement"
        case .variableEnd: return "end of print statement"
        case .name(let n): return n
        case .string(let s): return "'\(s)'"
        case .int(let v): return String(v)
        case .float(let v): return pythonFloatRepr(v)
        case .op(let o): return o
        case .eof: return "end of template"
        }
    }

    private mutating func expectOp(_ s: String) throws {
        guard skipOp(s) else { throw error("expected token '\(s)', got '\(describe(current))'") }
    }
    private mutating func expectName() throws -> String {
        guard case .name(let n) = current.kind else { throw error("expected name, got '\(describe(current))'") }
        _ = next()
        return n
    }
    private mutating func expectBlockEnd() throws {
        guard current.kind == .blockEnd else { throw error("expected token 'end of statement block', got '\(describe(current))'") }
        _ = next()
    }

    private mutating func enter() throws {
        depth += 1
        if depth > Parser.maxDepth { throw error("template nested too deeply (more than \(Parser.maxDepth) levels)") }
    }

    // MARK: - statements

    /// Parses until one of `until` is the next block tag; returns that tag's name (consumed,
    /// the rest of its tag not) or nil at the end of the template.
    private mutating func parseBody(until: Set<String>) throws -> ([Stmt], String?) {
        try enter()
        defer { depth -= 1 }
        var body: [Stmt] = []
        while true {
            let t = current
            switch t.kind {
            case .text(let s):
                _ = next()
                body.append(Stmt(.text(s), line: t.line))
            case .variableBegin:
                _ = next()
                let e = try parseTuple()
                guard current.kind == .variableEnd else { throw error("expected token 'end of print statement', got '\(describe(current))'") }
                _ = next()
                body.append(Stmt(.output(e), line: t.line))
            case .blockBegin:
                _ = next()
                guard case .name(let tag) = current.kind else { throw error("tag name expected") }
                if until.contains(tag) {
                    _ = next()
                    return (body, tag)
                }
                body.append(try parseStatement(tag))
            case .eof:
                if !until.isEmpty {
                    let wanted = until.sorted().map { "'\($0)'" }.joined(separator: " or ")
                    throw error("Unexpected end of template. Jinja was looking for the following tags: \(wanted).")
                }
                return (body, nil)
            default:
                throw error("unexpected '\(describe(t))'")
            }
        }
    }

    private mutating func parseStatement(_ tag: String) throws -> Stmt {
        let t = next()  // the tag name
        let line = t.line
        switch tag {
        case "for": return try parseFor(line)
        case "if": return try parseIf(line)
        case "set": return try parseSet(line)
        case "macro": return try parseMacro(line)
        case "break", "continue":
            guard loopDepth > 0 else { throw error("'\(tag)' outside of a loop", t) }
            try expectBlockEnd()
            return Stmt(tag == "break" ? .breakLoop : .continueLoop, line: line)
        case "generation":
            try expectBlockEnd()
            let (body, _) = try parseBody(until: ["endgeneration"])
            try expectBlockEnd()
            return Stmt(.generation(body), line: line)
        case "with":
            var assigns: [(String, Expr)] = []
            while current.kind != .blockEnd {
                if !assigns.isEmpty { try expectOp(",") }
                let n = try expectName()
                try expectOp("=")
                assigns.append((n, try parseExpression()))
            }
            try expectBlockEnd()
            let (body, _) = try parseBody(until: ["endwith"])
            try expectBlockEnd()
            return Stmt(.with(assigns, body), line: line)
        case "filter":
            var filters: [(String, Arguments)] = []
            repeat {
                filters.append(try parseFilterCall())
            } while skipOp("|")
            try expectBlockEnd()
            let (body, _) = try parseBody(until: ["endfilter"])
            try expectBlockEnd()
            return Stmt(.filterBlock(filters, body), line: line)
        case "call", "include", "import", "from", "extends", "block", "do", "autoescape", "trans", "pluralize", "debug":
            throw error("unsupported tag '\(tag)'", t, kind: .unsupported)
        default:
            throw error("Encountered unknown tag '\(tag)'.", t)
        }
    }

    private mutating func parseFor(_ line: Int) throws -> Stmt {
        // target: a name or a tuple of names, optionally in parentheses
        var targets: [String] = []
        var unpack = false
        let paren = skipOp("(")
        repeat {
            if isOp(")") { break }
            targets.append(try expectName())
            if isOp(",") { unpack = true }
        } while skipOp(",")
        if paren { try expectOp(")"); unpack = unpack || targets.count > 1 }
        guard !targets.isEmpty else { throw error("expected a loop variable") }
        guard skipName("in") else { throw error("expected 'in', got '\(describe(current))'") }
        let iterable = try parseTuple(withCondexpr: false)
        var condition: Expr? = nil
        if skipName("if") { condition = try parseExpression() }
        if isName("recursive") { throw error("unsupported recursive for loop", kind: .unsupported) }
        try expectBlockEnd()
        loopDepth += 1
        let (body, end) = try parseBody(until: ["endfor", "else"])
        loopDepth -= 1
        var otherwise: [Stmt] = []
        if end == "else" {
            try expectBlockEnd()
            (otherwise, _) = try parseBody(until: ["endfor"])
        }
        try expectBlockEnd()
        return Stmt(.forLoop(ForLoop(targets: targets, unpack: unpack, iterable: iterable, condition: condition,
                                     body: body, otherwise: otherwise)), line: line)
    }

    private mutating func parseIf(_ line: Int) throws -> Stmt {
        var branches: [(Expr, [Stmt])] = []
        var otherwise: [Stmt] = []
        var cond = try parseTuple(withCondexpr: false)
        while true {
            try expectBlockEnd()
            let (body, end) = try parseBody(until: ["elif", "else", "endif"])
            branches.append((cond, body))
            if end == "elif" {
                cond = try parseTuple(withCondexpr: false)
                continue
            }
            if end == "else" {
                try expectBlockEnd()
                (otherwise, _) = try parseBody(until: ["endif"])
            }
            try expectBlockEnd()
            return Stmt(.ifChain(branches, otherwise: otherwise), line: line)
        }
    }

    private mutating func parseSet(_ line: Int) throws -> Stmt {
        let first = try expectName()
        var target = AssignTarget.name(first)
        if skipOp(".") {
            target = .attribute(first, try expectName())
        } else if isOp(",") {
            var names = [first]
            while skipOp(",") { names.append(try expectName()) }
            target = .names(names)
        }
        if skipOp("=") {
            let value = try parseTuple()
            try expectBlockEnd()
            return Stmt(.set(target, value), line: line)
        }
        guard case .name(let n) = target else { throw error("expected '='") }
        var filters: [(String, Arguments)] = []
        while skipOp("|") { filters.append(try parseFilterCall()) }
        try expectBlockEnd()
        let (body, _) = try parseBody(until: ["endset"])
        try expectBlockEnd()
        return Stmt(.setBlock(n, body, filters: filters), line: line)
    }

    private mutating func parseMacro(_ line: Int) throws -> Stmt {
        let macroName = try expectName()
        try expectOp("(")
        var params: [(String, Expr?)] = []
        while !isOp(")") {
            if !params.isEmpty { try expectOp(",") }
            if isOp(")") { break }
            let p = try expectName()
            var def: Expr? = nil
            if skipOp("=") { def = try parseExpression() } else if params.contains(where: { $0.1 != nil }) {
                throw error("non-default argument follows default argument")
            }
            params.append((p, def))
        }
        try expectOp(")")
        try expectBlockEnd()
        let savedLoops = loopDepth
        loopDepth = 0
        let (body, _) = try parseBody(until: ["endmacro"])
        loopDepth = savedLoops
        try expectBlockEnd()
        return Stmt(.macro(MacroDefinition(name: macroName, parameters: params, body: body, line: line)), line: line)
    }

    // MARK: - expressions

    /// jinja2's parse_tuple: `a, b` without parentheses is a tuple; one item is itself.
    private mutating func parseTuple(withCondexpr: Bool = true, explicitParens: Bool = false) throws -> Expr {
        let line = current.line
        var items: [Expr] = []
        var isTuple = false
        while true {
            if !items.isEmpty { try expectOp(",") }
            if current.kind == .variableEnd || current.kind == .blockEnd || isOp(")") { break }
            items.append(withCondexpr ? try parseExpression() : try parseOr())
            if isOp(",") { isTuple = true } else { break }
        }
        if !isTuple {
            if let only = items.first { return only }
            if !explicitParens { throw error("Expected an expression, got '\(describe(current))'") }
        }
        return Expr(.tuple(items), line: line)
    }

    private mutating func parseExpression() throws -> Expr {
        try enter()
        defer { depth -= 1 }
        var e = try parseOr()
        while isName("if") {
            let line = next().line
            let cond = try parseOr()
            var otherwise: Expr? = nil
            if skipName("else") { otherwise = try parseExpression() }
            e = Expr(.conditional(cond: cond, then: e, otherwise: otherwise), line: line)
        }
        return e
    }

    private mutating func parseOr() throws -> Expr {
        var e = try parseAnd()
        while isName("or") {
            let line = next().line
            e = Expr(.or(e, try parseAnd()), line: line)
        }
        return e
    }

    private mutating func parseAnd() throws -> Expr {
        var e = try parseNot()
        while isName("and") {
            let line = next().line
            e = Expr(.and(e, try parseNot()), line: line)
        }
        return e
    }

    private mutating func parseNot() throws -> Expr {
        if isName("not") {
            try enter()
            defer { depth -= 1 }
            let line = next().line
            return Expr(.not(try parseNot()), line: line)
        }
        return try parseCompare()
    }

    private mutating func parseCompare() throws -> Expr {
        let line = current.line
        let first = try parseMath1()
        var ops: [(String, Expr)] = []
        while true {
            if case .op(let o) = current.kind, ["==", "!=", "<", ">", "<=", ">="].contains(o) {
                _ = next()
                ops.append((o, try parseMath1()))
            } else if isName("in") {
                _ = next()
                ops.append(("in", try parseMath1()))
            } else if isName("not"), peek().kind == .name("in") {
                _ = next(); _ = next()
                ops.append(("notin", try parseMath1()))
            } else {
                break
            }
        }
        return ops.isEmpty ? first : Expr(.compare(first, ops), line: line)
    }

    private mutating func parseBinaryLevel(_ ops: [String], _ operand: (inout Parser) throws -> Expr) throws -> Expr {
        var e = try operand(&self)
        while case .op(let o) = current.kind, ops.contains(o) {
            let line = next().line
            e = Expr(.binary(o, e, try operand(&self)), line: line)
        }
        return e
    }

    private mutating func parseMath1() throws -> Expr { try parseBinaryLevel(["+", "-"]) { try $0.parseConcat() } }
    private mutating func parseConcat() throws -> Expr { try parseBinaryLevel(["~"]) { try $0.parseMath2() } }
    private mutating func parseMath2() throws -> Expr { try parseBinaryLevel(["*", "/", "//", "%"]) { try $0.parsePow() } }
    private mutating func parsePow() throws -> Expr { try parseBinaryLevel(["**"]) { try $0.parseUnary() } }

    private mutating func parseUnary(withFilter: Bool = true) throws -> Expr {
        try enter()
        defer { depth -= 1 }
        let line = current.line
        var e: Expr
        if skipOp("-") {
            e = Expr(.negate(try parseUnary(withFilter: false)), line: line)
        } else if skipOp("+") {
            e = Expr(.plus(try parseUnary(withFilter: false)), line: line)
        } else {
            e = try parsePostfix(try parsePrimary())
        }
        if withFilter { e = try parseFilterExpr(e) }
        return e
    }

    private mutating func parsePrimary() throws -> Expr {
        let t = current
        switch t.kind {
        case .name(let n):
            _ = next()
            switch n {
            case "true", "True": return Expr(.literal(.bool(true)), line: t.line)
            case "false", "False": return Expr(.literal(.bool(false)), line: t.line)
            case "none", "None": return Expr(.literal(.none), line: t.line)
            default: return Expr(.name(n), line: t.line)
            }
        case .string(var s):
            _ = next()
            while case .string(let more) = current.kind { s += more; _ = next() }
            return Expr(.literal(.string(s)), line: t.line)
        case .int(let v):
            _ = next()
            return Expr(.literal(.int(v)), line: t.line)
        case .float(let v):
            _ = next()
            return Expr(.literal(.double(v)), line: t.line)
        case .op("("):
            _ = next()
            let e = try parseTuple(explicitParens: true)
            try expectOp(")")
            return e
        case .op("["):
            _ = next()
            var items: [Expr] = []
            while !isOp("]") {
                if !items.isEmpty { try expectOp(",") }
                if isOp("]") { break }
                items.append(try parseExpression())
            }
            try expectOp("]")
            return Expr(.list(items), line: t.line)
        case .op("{"):
            _ = next()
            var items: [(Expr, Expr)] = []
            while !isOp("}") {
                if !items.isEmpty { try expectOp(",") }
                if isOp("}") { break }
                let k = try parseExpression()
                try expectOp(":")
                items.append((k, try parseExpression()))
            }
            try expectOp("}")
            return Expr(.dict(items), line: t.line)
        default:
            throw error("unexpected '\(describe(t))'")
        }
    }

    private mutating func parsePostfix(_ base: Expr) throws -> Expr {
        var e = base
        while true {
            let line = current.line
            if skipOp(".") {
                switch current.kind {
                case .name(let n):
                    _ = next()
                    e = Expr(.attribute(e, n), line: line)
                case .int(let v):
                    _ = next()
                    e = Expr(.item(e, Expr(.literal(.int(v)), line: line)), line: line)
                default:
                    throw error("expected name or number after '.'")
                }
            } else if skipOp("[") {
                e = try parseSubscript(e, line)
                try expectOp("]")
            } else if isOp("(") {
                e = Expr(.call(e, try parseCallArguments()), line: line)
            } else {
                return e
            }
        }
    }

    private mutating func parseSubscript(_ base: Expr, _ line: Int) throws -> Expr {
        var start: Expr? = nil
        if !isOp(":") {
            start = try parseExpression()
            if !isOp(":") {
                if isOp(",") { throw error("tuple subscripts are not supported", kind: .unsupported) }
                return Expr(.item(base, start!), line: line)
            }
        }
        _ = next()  // ':'
        var stop: Expr? = nil, step: Expr? = nil
        if !isOp("]") && !isOp(":") { stop = try parseExpression() }
        if skipOp(":"), !isOp("]") { step = try parseExpression() }
        return Expr(.slice(base, start: start, stop: stop, step: step), line: line)
    }

    private mutating func parseCallArguments() throws -> Arguments {
        try expectOp("(")
        var args = Arguments()
        while !isOp(")") {
            if !args.positional.isEmpty || !args.keyword.isEmpty { try expectOp(",") }
            if isOp(")") { break }
            if isOp("*") || isOp("**") { throw error("unsupported *args / **kwargs in a call", kind: .unsupported) }
            if case .name(let n) = current.kind, peek().kind == .op("=") {
                _ = next(); _ = next()
                args.keyword.append((n, try parseExpression()))
            } else {
                if !args.keyword.isEmpty { throw error("positional argument follows keyword argument") }
                args.positional.append(try parseExpression())
            }
        }
        try expectOp(")")
        return args
    }

    /// A dotted name, as jinja2 allows for filters and tests.
    private mutating func parseDottedName() throws -> (String, Token) {
        let t = current
        var n = try expectName()
        while skipOp(".") { n += "." + (try expectName()) }
        return (n, t)
    }

    private mutating func parseFilterCall() throws -> (String, Arguments) {
        let (n, t) = try parseDottedName()
        guard Filters.supported.contains(n) else {
            if Filters.jinjaBuiltins.contains(n) { throw error("unsupported filter '\(n)'", t, kind: .unsupported) }
            throw error("No filter named '\(n)'.", t)
        }
        let args = isOp("(") ? try parseCallArguments() : Arguments()
        return (n, args)
    }

    private mutating func parseFilterExpr(_ base: Expr) throws -> Expr {
        var e = base
        while true {
            let line = current.line
            if skipOp("|") {
                let (n, args) = try parseFilterCall()
                e = Expr(.filter(e, name: n, args), line: line)
            } else if isName("is") {
                _ = next()
                let negated = skipName("not")
                let (n, t) = try parseDottedName()
                guard Tests.supported.contains(n) else {
                    if Tests.jinjaBuiltins.contains(n) { throw error("unsupported test '\(n)'", t, kind: .unsupported) }
                    throw error("No test named '\(n)'.", t)
                }
                var args = Arguments()
                if isOp("(") {
                    args = try parseCallArguments()
                } else if startsTestArgument() {
                    if isName("is") { throw error("You cannot chain multiple tests with is") }
                    args.positional = [try parsePostfix(try parsePrimary())]
                }
                e = Expr(.test(e, name: n, args, negated: negated), line: line)
            } else if isOp("(") {
                e = Expr(.call(e, try parseCallArguments()), line: line)
            } else {
                return e
            }
        }
    }

    /// jinja2 takes one bare argument after a test name (`is divisibleby 3`) when the next
    /// token can start a primary and is not `else`/`or`/`and`.
    private func startsTestArgument() -> Bool {
        switch current.kind {
        case .name(let n): return !["else", "or", "and"].contains(n)
        case .string, .int, .float: return true
        case .op(let o): return o == "(" || o == "[" || o == "{"
        default: return false
        }
    }
}
