import Foundation

/// `--template`: a built-in prompt template, the model's own chat template, or a Jinja
/// template file, forced onto string prompts and conversations alike.
public enum TemplateChoice: Equatable, CustomStringConvertible {
    case builtin(PromptTemplate)
    /// "chat_template": the model's chat template, string prompts included.
    case model
    case file(String)

    /// A built-in name, "chat_template", else a path.
    public init(_ argument: String) {
        if let t = PromptTemplate(rawValue: argument) {
            self = .builtin(t)
        } else if argument == Self.modelName {
            self = .model
        } else {
            self = .file(argument)
        }
    }

    static let modelName = "chat_template"

    public var description: String {
        switch self {
        case .builtin(let t): return t.rawValue
        case .model: return Self.modelName
        case .file(let path): return path
        }
    }

    /// What prefkit.json records, for `generate` to reuse by default: a file becomes the
    /// model's own template, since the model written carries it (ChatChoice.apply).
    public var recorded: String {
        if case .builtin(let t) = self { return t.rawValue }
        return Self.modelName
    }
}

/// What the user asked for (`--template`, `--chat-template`), resolved against a model's
/// tokenizer when the stage has loaded it. The rule, as TRL's:
/// 1. `--template plain|chatml|qa|FILE` forces that renderer on everything (a string prompt
///    becomes one user turn);
/// 2. else conversations go through `--chat-template FILE`, or the model's own chat template
///    (chat_template.jinja, or tokenizer_config.json's chat_template), and strings are text;
/// 3. a model without a chat template renders conversations with the built-in ChatML when its
///    vocabulary has <|im_start|>, else plain, and says so (TRL would refuse the data).
public struct ChatChoice: CustomStringConvertible {
    public var template: TemplateChoice? = nil
    public var chatTemplateFile: String? = nil
    /// `--chat-template-kwargs`: extra variables for Jinja templates (enable_thinking, …),
    /// as TRL's `chat_template_kwargs`.
    public var templateKwargs: [(String, JSONValue)] = []
    public init(template: TemplateChoice? = nil, chatTemplateFile: String? = nil, templateKwargs: [(String, JSONValue)] = []) {
        self.template = template
        self.chatTemplateFile = chatTemplateFile
        self.templateKwargs = templateKwargs
    }

    /// `--template plain|chatml|qa`.
    public static func forced(_ t: PromptTemplate) -> ChatChoice {
        ChatChoice(template: .builtin(t))
    }

    public func validate() throws {
        if case .file? = template, chatTemplateFile != nil {
            throw PrefkitError("--template FILE and --chat-template FILE both name a Jinja template: give one")
        }
        for path in [chatTemplateFile, fileTemplate].compactMap({ $0 }) {
            if !FileManager.default.fileExists(atPath: path) {
                throw PrefkitError("\(path): no such chat template file")
            }
        }
    }

    var fileTemplate: String? {
        if case .file(let p)? = template { return p }
        return nil
    }

    public var description: String {
        var s = "template=model"
        if let t = template { s = "template=\(t)" }
        if let f = chatTemplateFile { s = "chat_template=\(f)" }
        if !templateKwargs.isEmpty {
            s += " chat_template_kwargs=" + JSONValue.object(templateKwargs).serialized()
        }
        return s
    }

    /// What prefkit.json records of this choice ("template"): "plain", "chatml", "qa",
    /// "chat_template" (forced), or "model" (TRL's rule).
    public var recorded: String {
        template?.recorded ?? "model"
    }

    /// The choice a model's prefkit.json records, for `generate`'s default.
    public static func recorded(_ value: String?) -> TemplateChoice? {
        guard let v = value, v != "model" else { return nil }
        guard PromptTemplate(rawValue: v) != nil || v == TemplateChoice.modelName else { return nil }
        return TemplateChoice(v)
    }

    /// The format for a model's tokenizer.
    public func format(for tokenizer: Tokenizer) throws -> ChatFormat {
        let settings = tokenizer.settings
        switch template {
        case .builtin(let t)?:
            return .forced(t)
        case .file(let path)?:
            return ChatFormat(renderer: try templateFile(path, settings), wrapsStrings: true)
        case .model?:
            guard let own = try modelTemplate(settings) else {
                throw PrefkitError("--template chat_template: the model has no chat template "
                    + "(chat_template.jinja or tokenizer_config.json's chat_template)")
            }
            return ChatFormat(renderer: own, wrapsStrings: true)
        case nil:
            break
        }
        if let path = chatTemplateFile {
            return ChatFormat(renderer: try templateFile(path, settings), wrapsStrings: false)
        }
        if let own = try modelTemplate(settings) {
            return ChatFormat(renderer: own, wrapsStrings: false)
        }
        let guess: PromptTemplate = tokenizer.tokenId("<|im_start|>") != nil ? .chatml : .plain
        let note = "the model has no chat template (chat_template.jinja or tokenizer_config.json's chat_template): "
            + "conversations were rendered with the built-in \(guess.rawValue) template; pass --chat-template FILE to use another"
        return ChatFormat(renderer: guess, wrapsStrings: false, fallbackNote: note)
    }

    /// The template the tokenizer came with, if any.
    private func modelTemplate(_ settings: TokenizerSettings) throws -> ChatTemplate? {
        guard let text = settings.chatTemplate else { return nil }
        let origin = settings.chatTemplateOrigin ?? "chat_template"
        return try ChatTemplate(text, origin: origin, specialTokens: settings.specialTokens, kwargs: templateKwargs)
    }

    /// A template file named by a flag.
    private func templateFile(_ path: String, _ settings: TokenizerSettings) throws -> ChatTemplate {
        try ChatTemplate(file: path, specialTokens: settings.specialTokens, kwargs: templateKwargs)
    }

    /// When a stage trains with a template file, the model it writes carries that template.
    public func apply(to tokenizer: Tokenizer) throws {
        guard let path = fileTemplate ?? chatTemplateFile else { return }
        tokenizer.settings.chatTemplate = try ChatTemplate.readFile(path)
        tokenizer.settings.chatTemplateOrigin = path
        tokenizer.settings.chatTemplateInFile = true
    }
}
