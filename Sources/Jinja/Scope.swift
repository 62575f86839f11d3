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
/// compiled macros are Python closures).
final class Macro {
    let definition: MacroDefinition
    let scope: Scope
    init(_ definition: MacroDefinition, scope: Scope) {
        self.definition = definition
        self.scope = scope
    }
}
