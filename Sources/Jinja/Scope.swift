/// A frame of variables. jinja2 gives each loop iteration, macro call and `with` block its
/// own frame (a `set` inside a loop body is gone at the next iteration and after the loop),
/// while `if` shares its parent's; lookups walk outwards.
final class Scope {
    private var vars: [String: JinjaValue] = [:]
    let parent: Scope?

    init(parent: Scope?, _ vars: [String: JinjaValue] = [:]) {
        self.parent = parent
        self.vars = vars
    }

    func lookup(_ name: String) -> JinjaValue? {
        var s: Scope? = self
        while let cur = s {
            if let v = cur.vars[name] { return v }
            s = cur.parent
        }
        return nil
    }

    func set(_ name: String, _ value: JinjaValue) { vars[name] = value }
}

/// A macro value: its definition plus the frame it was defined in (a closure, as jinja2's
/// compiled macros are Python closures). The frame holds the macro and the macro its frame, a
/// reference cycle: the evaluator calls `release()` on every macro when the render ends.
final class Macro {
    let definition: MacroDefinition
    private(set) var scope: Scope?
    init(_ definition: MacroDefinition, scope: Scope) {
        self.definition = definition
        self.scope = scope
    }

    /// Breaks the frame ↔ macro cycle once nothing can call the macro any more.
    func release() {
        scope = nil
    }
}
