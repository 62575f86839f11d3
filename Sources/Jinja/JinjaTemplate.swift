/// Limits and clock for one render.
public struct JinjaRenderOptions: Sendable {
    /// The time `strftime_now` reports; nil means the local time now.
    public var now: JinjaDate?
    /// Output (and any one string) larger than this fails the render.
    public var maxOutputBytes: Int
    /// Loop iterations in all loops of the render together.
    public var maxLoopIterations: Int
    /// Nested macro calls (recursion).
    public var maxMacroDepth: Int

    public init(now: JinjaDate? = nil, maxOutputBytes: Int = 64 << 20, maxLoopIterations: Int = 1_000_000,
                maxMacroDepth: Int = 32) {
        self.now = now
        self.maxOutputBytes = maxOutputBytes
        self.maxLoopIterations = maxLoopIterations
        self.maxMacroDepth = maxMacroDepth
    }
}

/// A parsed template, rendered as transformers' chat-template environment renders it
/// (jinja2 ImmutableSandboxedEnvironment, trim_blocks and lstrip_blocks on, loop controls,
/// `{% generation %}`). Parse once, render many times; it holds no mutable state.
public struct JinjaTemplate: @unchecked Sendable {
    public let name: String
    private let body: [Stmt]

    /// Parses `source`; `name` (e.g. "chat_template.jinja") is what errors cite.
    public init(_ source: String, name: String) throws {
        self.name = name
        self.body = try Parser.parse(source, name: name)
    }

    public func render(_ context: [String: JinjaValue]) throws -> String {
        try render(context, options: JinjaRenderOptions())
    }

    public func render(_ context: [String: JinjaValue], options: JinjaRenderOptions) throws -> String {
        try run(context, options, track: false).0
    }

    /// Renders and also returns where each top-level `{% generation %}` body landed in the
    /// output, as offsets in Unicode scalars (Python string indices), which is what
    /// transformers' `return_assistant_tokens_mask` maps to tokens.
    public func renderWithGenerationSpans(_ context: [String: JinjaValue],
                                          options: JinjaRenderOptions = JinjaRenderOptions()) throws -> (String, [Range<Int>]) {
        try run(context, options, track: true)
    }

    private func run(_ context: [String: JinjaValue], _ options: JinjaRenderOptions, track: Bool) throws -> (String, [Range<Int>]) {
        let ev = Evaluator(templateName: name, options: options, trackGeneration: track)
        defer { ev.finish() }
        let scope = Scope(parent: nil, context)
        var out = ""
        _ = try ev.exec(body, scope, &out)
        return (out, ev.generationSpans)
    }
}
