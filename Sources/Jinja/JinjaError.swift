/// Every failure of parsing or rendering: a template is a user's file, so nothing in this
/// module traps on input; it throws one of these instead.
///
/// The description reads like a compiler diagnostic, `chat_template.jinja:12:5: unsupported
/// filter 'wordwrap'`, so a user can find the offending construct in their file.
public struct JinjaError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Kind: String, Sendable {
        /// The source does not parse (jinja2's TemplateSyntaxError).
        case syntax
        /// A construct jinja2 has but this engine refuses by name (a filter, test, tag).
        case unsupported
        /// An error while rendering (type errors, undefined access, limits).
        case render
        /// `raise_exception(msg)` was called by the template: `message` is exactly `msg`.
        case raised
    }

    public var kind: Kind
    /// The template's name as given to `JinjaTemplate.init`.
    public var template: String
    /// 1-based line in the template source, 0 when unknown.
    public var line: Int
    /// 1-based column, 0 when unknown.
    public var column: Int
    public var message: String

    public init(_ kind: Kind, template: String, line: Int, column: Int = 0, _ message: String) {
        self.kind = kind
        self.template = template
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String {
        var s = template
        if line > 0 { s += ":\(line)" }
        if column > 0 { s += ":\(column)" }
        return s + ": " + message
    }
}

/// A failure raised deep inside value operations, before the evaluator knows the line; the
/// evaluator wraps it into a `JinjaError` with the template name and the node's line.
struct ValueError: Error {
    var message: String
    var kind: JinjaError.Kind = .render
    init(_ message: String, kind: JinjaError.Kind = .render) {
        self.message = message
        self.kind = kind
    }
}
