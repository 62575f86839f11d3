import ArgumentParser
import Core

/// `--template`, `--chat-template`, `--chat-template-kwargs`: how prompts and conversations
/// become text, shared by every stage that reads records (ChatChoice has the rule).
public struct TemplateFlags: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Force one template on string prompts and conversations: plain, chatml, qa, chat_template (the model's own), or a Jinja FILE.",
        discussion: "Default (as TRL): conversations go through the model's chat template, strings are used as text."))
    public var template: TemplateChoice?
    @Option(help: "A Jinja chat template FILE used instead of the model's for conversations.")
    public var chatTemplate: String?
    @Option(help: "Extra chat-template variables as a JSON object, e.g. '{\"enable_thinking\": false}'.")
    public var chatTemplateKwargs: String?
    public init() {}

    public func validate() throws {
        try validating { try choice().validate() }
    }

    public func choice() throws -> ChatChoice {
        var c = ChatChoice(template: template, chatTemplateFile: chatTemplate)
        if let k = chatTemplateKwargs {
            let v: JSONValue
            do {
                v = try JSONValue.parse(k, source: "--chat-template-kwargs")
            } catch {
                throw PrefkitError("--chat-template-kwargs must be a JSON object: \(error)")
            }
            guard let members = v.objectValue else { throw PrefkitError("--chat-template-kwargs must be a JSON object") }
            c.templateKwargs = members
        }
        return c
    }
}
