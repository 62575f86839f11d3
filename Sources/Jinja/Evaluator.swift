/// Walks the tree and writes the output. One evaluator per render: it holds the limits
/// that keep a hostile template from hanging or exhausting memory (iterations, output
/// size, macro recursion), and turns low-level failures into `JinjaError`s with the line.
final class Evaluator {
    let templateName: String
    let options: JinjaRenderOptions
    private var iterations = 0
    private var macroDepth = 0
    /// Offsets (in Unicode scalars) of `{% generation %}` bodies in the top-level output,
    /// when the caller asked for them.
    var generationSpans: [Range<Int>] = []
    private var trackGeneration: Bool
    /// Nesting of captured output (set blocks, macros, filter blocks): generation offsets
    /// are only meaningful in the top-level stream.
    private var captureDepth = 0
    /// Every macro defined during this render, released when it ends (see Macro).
    private var macros: [Macro] = []

    enum Flow { case normal, breakLoop, continueLoop }

    init(templateName: String, options: JinjaRenderOptions, trackGeneration: Bool) {
        self.templateName = templateName
        self.options = options
        self.trackGeneration = trackGeneration
    }

    /// Ends the render: breaks the reference cycles between macros and their frames.
    func finish() {
        for m in macros {
            m.release()
        }
        macros.removeAll()
    }

    func fail(_ line: Int, _ message: String, _ kind: JinjaError.Kind = .render) -> JinjaError {
        JinjaError(kind, template: templateName, line: line, message)
    }

    /// Runs `body`, turning a `ValueError` into a `JinjaError` at `line`.
    @inline(__always)
    func at<T>(_ line: Int, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let e as ValueError {
            throw fail(line, e.message, e.kind)
        }
    }

    private func checkSize(_ out: String, _ line: Int) throws {
        if out.utf8.count > options.maxOutputBytes {
            throw fail(line, "output exceeds \(options.maxOutputBytes) bytes")
        }
    }

    // MARK: - statements

    func exec(_ stmts: [Stmt], _ scope: Scope, _ out: inout String) throws -> Flow {
        for s in stmts {
            let flow = try exec(s, scope, &out)
            if flow != .normal { return flow }
        }
        return .normal
    }

    private func exec(_ s: Stmt, _ scope: Scope, _ out: inout String) throws -> Flow {
        switch s.kind {
        case .text(let t):
            out += t
            try checkSize(out, s.line)
        case .output(let e):
            let v = try eval(e, scope)
            try at(e.line) {
                if case .callable = v { throw ValueError("cannot print a function; call it") }
                out += v.pythonString
            }
            try checkSize(out, s.line)
        case .ifChain(let branches, let otherwise):
            for (cond, body) in branches where try eval(cond, scope).isTruthy {
                return try exec(body, scope, &out)
            }
            return try exec(otherwise, scope, &out)
        case .forLoop(let loop):
            try execFor(loop, s.line, scope, &out)
        case .set(let target, let e):
            let v = try eval(e, scope)
            try assign(target, v, scope, s.line)
        case .setBlock(let name, let body, let filters):
            var captured = ""
            captureDepth += 1
            defer { captureDepth -= 1 }
            _ = try exec(body, scope, &captured)
            var v = JinjaValue.string(captured)
            for (f, args) in filters { v = try applyFilter(f, v, args, scope, s.line) }
            scope.set(name, v)
        case .macro(let def):
            let m = Macro(def, scope: scope)
            macros.append(m)
            scope.set(def.name, .callable(JinjaCallable(kind: .macro(m))))
        case .breakLoop:
            return .breakLoop
        case .continueLoop:
            return .continueLoop
        case .generation(let body):
            // transformers compiles the body as a caller macro: its own frame.
            let start = trackGeneration && captureDepth == 0 ? out.unicodeScalars.count : 0
            let flow = try exec(body, Scope(parent: scope), &out)
            if trackGeneration && captureDepth == 0 {
                generationSpans.append(start..<out.unicodeScalars.count)
            }
            return flow
        case .with(let assigns, let body):
            let inner = Scope(parent: scope)
            for (n, e) in assigns { inner.set(n, try eval(e, scope)) }
            return try exec(body, inner, &out)
        case .filterBlock(let filters, let body):
            var captured = ""
            captureDepth += 1
            let flow = try exec(body, Scope(parent: scope), &captured)
            captureDepth -= 1
            var v = JinjaValue.string(captured)
            for (f, args) in filters { v = try applyFilter(f, v, args, scope, s.line) }
            out += v.pythonString
            try checkSize(out, s.line)
            return flow
        }
        return .normal
    }

    private func assign(_ target: AssignTarget, _ v: JinjaValue, _ scope: Scope, _ line: Int) throws {
        switch target {
        case .name(let n):
            scope.set(n, v)
        case .names(let names):
            let items = try at(line) { try unpack(v, count: names.count) }
            for (n, item) in zip(names, items) { scope.set(n, item) }
        case .attribute(let n, let attr):
            guard case .namespace(let ns) = scope.lookup(n) ?? Globals.lookup(n) ?? .none else {
                throw fail(line, "cannot assign attribute on non-namespace object")
            }
            if attr.hasPrefix("_") {
                throw fail(line, "Chat templates cannot store underscore-prefixed attributes on a namespace, but got '\(attr)'. Please rename the attribute.")
            }
            ns.attributes[attr] = v
        }
    }

    /// Python's tuple unpacking of one value into `count` names.
    private func unpack(_ v: JinjaValue, count: Int) throws -> [JinjaValue] {
        let items = try iterate(v)
        if items.count < count { throw ValueError("not enough values to unpack (expected \(count), got \(items.count))") }
        if items.count > count { throw ValueError("too many values to unpack (expected \(count))") }
        return items
    }

    /// What `for x in v` iterates: list items, dict keys, string code points; undefined is
    /// empty (jinja2's Undefined iterates as nothing).
    func iterate(_ v: JinjaValue) throws -> [JinjaValue] {
        switch v {
        case .array(let a): return a
        case .object(let o): return o.keys.map { .string($0) }
        case .string(let s): return s.unicodeScalars.map { .string(String($0)) }
        case .undefined: return []
        default: throw ValueError("'\(v.typeName)' object is not iterable")
        }
    }

    private func countIteration(_ line: Int) throws {
        iterations += 1
        if iterations > options.maxLoopIterations {
            throw fail(line, "more than \(options.maxLoopIterations) loop iterations")
        }
    }

    private func execFor(_ loop: ForLoop, _ line: Int, _ scope: Scope, _ out: inout String) throws {
        let source = try eval(loop.iterable, scope)
        var items = try at(loop.iterable.line) { try iterate(source) }
        func bind(_ item: JinjaValue, into s: Scope) throws {
            if loop.unpack {
                let parts = try at(line) { try unpack(item, count: loop.targets.count) }
                for (n, p) in zip(loop.targets, parts) { s.set(n, p) }
            } else {
                s.set(loop.targets[0], item)
            }
        }
        if let cond = loop.condition {
            var kept: [JinjaValue] = []
            for item in items {
                try countIteration(line)
                let s = Scope(parent: scope)
                try bind(item, into: s)
                if try eval(cond, s).isTruthy { kept.append(item) }
            }
            items = kept
        }
        if items.isEmpty {
            _ = try exec(loop.otherwise, scope, &out)
            return
        }
        let n = items.count
        for (i, item) in items.enumerated() {
            try countIteration(line)
            let s = Scope(parent: scope)
            try bind(item, into: s)
            var info = JinjaObject()
            info["index"] = .int(i + 1)
            info["index0"] = .int(i)
            info["revindex"] = .int(n - i)
            info["revindex0"] = .int(n - i - 1)
            info["first"] = .bool(i == 0)
            info["last"] = .bool(i == n - 1)
            info["length"] = .int(n)
            info["depth"] = .int(1)
            info["depth0"] = .int(0)
            if i > 0 { info["previtem"] = items[i - 1] }
            if i < n - 1 { info["nextitem"] = items[i + 1] }
            info["cycle"] = .callable(JinjaCallable(kind: .cycle(i)))
            s.set("loop", .object(info))
            if try exec(loop.body, s, &out) == .breakLoop { break }
        }
    }

    // MARK: - expressions

    func eval(_ e: Expr, _ scope: Scope) throws -> JinjaValue {
        switch e.kind {
        case .literal(let v):
            return v
        case .name(let n):
            if let v = scope.lookup(n) ?? Globals.lookup(n) { return v }
            return .undefined(message: "'\(n)' is undefined")
        case .list(let items), .tuple(let items):
            return .array(try items.map { try eval($0, scope) })
        case .dict(let pairs):
            var o = JinjaObject()
            for (k, v) in pairs {
                let key = try eval(k, scope)
                guard case .string(let ks) = key else {
                    throw fail(k.line, "unsupported dict key of type \(key.typeName) (only string keys)", .unsupported)
                }
                o[ks] = try eval(v, scope)
            }
            return .object(o)
        case .attribute(let base, let name):
            let b = try eval(base, scope)
            return try at(e.line) { try Access.attribute(b, name) }
        case .item(let base, let key):
            let b = try eval(base, scope)
            let k = try eval(key, scope)
            return try at(e.line) { try Access.item(b, k) }
        case .slice(let base, let start, let stop, let step):
            let b = try eval(base, scope)
            let s0 = try start.map { try eval($0, scope) }
            let s1 = try stop.map { try eval($0, scope) }
            let s2 = try step.map { try eval($0, scope) }
            return try at(e.line) { try Access.slice(b, s0, s1, s2) }
        case .call(let callee, let args):
            let f = try eval(callee, scope)
            let a = try evalArgs(args, scope)
            return try call(f, a, line: e.line)
        case .filter(let base, let name, let args):
            let v = try eval(base, scope)
            return try applyFilter(name, v, args, scope, e.line)
        case .test(let base, let name, let args, let negated):
            let v = try eval(base, scope)
            let a = try evalArgs(args, scope)
            let r = try at(e.line) { try Tests.apply(name, v, a, self) }
            return .bool(r != negated)
        case .not(let x):
            return .bool(!(try eval(x, scope).isTruthy))
        case .negate(let x):
            let v = try eval(x, scope)
            return try at(e.line) { try Operators.negate(v) }
        case .plus(let x):
            let v = try eval(x, scope)
            return try at(e.line) { try Operators.plus(v) }
        case .binary(let op, let l, let r):
            let a = try eval(l, scope)
            let b = try eval(r, scope)
            return try at(e.line) { try Operators.binary(op, a, b, limit: options.maxOutputBytes) }
        case .compare(let first, let rest):
            var left = try eval(first, scope)
            for (op, rhs) in rest {
                let right = try eval(rhs, scope)
                let ok = try at(e.line) { try Operators.compare(op, left, right) }
                if !ok { return .bool(false) }
                left = right
            }
            return .bool(true)
        case .and(let l, let r):
            let a = try eval(l, scope)
            return a.isTruthy ? try eval(r, scope) : a
        case .or(let l, let r):
            let a = try eval(l, scope)
            return a.isTruthy ? a : try eval(r, scope)
        case .conditional(let cond, let then, let otherwise):
            if try eval(cond, scope).isTruthy { return try eval(then, scope) }
            if let otherwise { return try eval(otherwise, scope) }
            return .undefined(message: "the inline if-expression on line \(e.line) evaluated to false and no else section was defined.")
        }
    }

    func evalArgs(_ args: Arguments, _ scope: Scope) throws -> CallArgs {
        CallArgs(positional: try args.positional.map { try eval($0, scope) },
                 keyword: try args.keyword.map { ($0.0, try eval($0.1, scope)) })
    }

    func applyFilter(_ name: String, _ v: JinjaValue, _ args: Arguments, _ scope: Scope, _ line: Int) throws -> JinjaValue {
        let a = try evalArgs(args, scope)
        return try at(line) { try Filters.apply(name, v, a, self) }
    }

    func call(_ f: JinjaValue, _ args: CallArgs, line: Int) throws -> JinjaValue {
        switch f {
        case .callable(let c):
            switch c.kind {
            case .global(let name):
                return try at(line) { try Globals.call(name, args, self) }
            case .method(let receiver, let name):
                return try at(line) { try Methods.call(receiver, name, args, self) }
            case .macro(let m):
                return try callMacro(m, args, line: line)
            case .cycle(let index):
                guard !args.positional.isEmpty else { throw fail(line, "no items for cycling given") }
                return args.positional[index % args.positional.count]
            }
        case .undefined(let message):
            throw fail(line, message)
        default:
            throw fail(line, "'\(f.typeName)' object is not callable")
        }
    }

    private func callMacro(_ m: Macro, _ args: CallArgs, line: Int) throws -> JinjaValue {
        let def = m.definition
        macroDepth += 1
        defer { macroDepth -= 1 }
        if macroDepth > options.maxMacroDepth {
            throw fail(line, "macro '\(def.name)' recursion deeper than \(options.maxMacroDepth)")
        }
        guard let defining = m.scope else {
            throw fail(line, "macro '\(def.name)' called after the render that defined it ended")
        }
        let s = Scope(parent: defining)
        var extra: [JinjaValue] = []
        for (i, v) in args.positional.enumerated() {
            if i < def.parameters.count { s.set(def.parameters[i].0, v) } else { extra.append(v) }
        }
        var kwargs = JinjaObject()
        for (k, v) in args.keyword {
            if let i = def.parameters.firstIndex(where: { $0.0 == k }) {
                if i < args.positional.count { throw fail(line, "macro '\(def.name)' got multiple values for argument '\(k)'") }
                s.set(k, v)
            } else {
                kwargs[k] = v
            }
        }
        for (i, (p, d)) in def.parameters.enumerated() where i >= args.positional.count && !args.keyword.contains(where: { $0.0 == p }) {
            if let d { s.set(p, try eval(d, s)) } else { s.set(p, .undefined(message: "parameter '\(p)' was not provided")) }
        }
        // jinja2 only accepts extra arguments when the body reads varargs/kwargs; being
        // lenient here never changes the output of a template jinja2 accepts.
        s.set("varargs", .array(extra))
        s.set("kwargs", .object(kwargs))
        var out = ""
        captureDepth += 1
        defer { captureDepth -= 1 }
        _ = try exec(def.body, s, &out)
        return .string(out)
    }
}
