import Foundation

/// What sits beside tokenizer.json for transformers and that the tokenizer's own pipeline
/// does not use: the chat template (chat_template.jinja, or "chat_template" in
/// tokenizer_config.json) and the special tokens' names that templates print
/// (bos_token, eos_token, …). Kept with the Tokenizer so that a model a stage writes
/// carries them, and `generate` and transformers format prompts the same way afterwards.
public struct TokenizerSettings {
    /// The template transformers uses by default, and where it came from (for errors).
    public var chatTemplate: String?
    public var chatTemplateOrigin: String?
    /// True when the template came from a separate file (or was set by a stage): it is
    /// written back as chat_template.jinja, else inside tokenizer_config.json.
    public var chatTemplateInFile = false
    /// Special tokens by transformers' attribute name (bos_token, eos_token, unk_token,
    /// sep_token, pad_token, cls_token, mask_token), as the config names them.
    public var specialTokens: [String: String] = [:]

    public init() {}

    static let specialTokenKeys = ["bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"]

    /// Reads `dir`'s tokenizer_config.json and chat_template.jinja, where present. A
    /// separate chat_template.jinja takes priority over the config's entry, as in transformers.
    public static func read(directory dir: String) throws -> TokenizerSettings {
        var s = TokenizerSettings()
        let configPath = dir + "/tokenizer_config.json"
        if let bytes = FileManager.default.contents(atPath: configPath) {
            // A config that is not JSON is reported where eos/pad are read; here it just has no settings.
            if let root = try? JSONValue.parse([UInt8](bytes), source: configPath) {
                s.specialTokens = specialTokens(in: root)
                if let t = try template(root["chat_template"], source: configPath) {
                    s.chatTemplate = t
                    s.chatTemplateOrigin = configPath
                }
            }
        }
        let file = dir + "/chat_template.jinja"
        if FileManager.default.fileExists(atPath: file) {
            s.chatTemplate = try ChatTemplate.readFile(file)
            s.chatTemplateOrigin = file
            s.chatTemplateInFile = true
        }
        return s
    }

    /// The special tokens a parsed tokenizer_config.json names, by attribute name.
    static func specialTokens(in root: JSONValue) -> [String: String] {
        var names: [String: String] = [:]
        for key in specialTokenKeys {
            if let name = tokenName(root[key]) {
                names[key] = name
            }
        }
        return names
    }

    /// A special token is a string or an AddedToken object {"content": …}.
    static func tokenName(_ v: JSONValue?) -> String? {
        if let s = v?.stringValue { return s }
        return v?["content"]?.stringValue
    }

    /// "chat_template" is a string, or a list of {"name","template"} of which transformers
    /// uses "default" unless asked for another (prefkit passes no tools, so never "tool_use").
    static func template(_ v: JSONValue?, source: String) throws -> String? {
        guard let v, !v.isNull else { return nil }
        if let s = v.stringValue { return s }
        guard let list = v.arrayValue else {
            throw PrefkitError("\(source): \"chat_template\" must be a string or a list of {\"name\",\"template\"}")
        }
        for item in list where item["name"]?.stringValue == "default" {
            guard let t = item["template"]?.stringValue else {
                throw PrefkitError("\(source): the \"default\" chat template has no string \"template\"")
            }
            return t
        }
        let names = list.compactMap { $0["name"]?.stringValue }
        throw PrefkitError("\(source): none of the chat templates (\(names.joined(separator: ", "))) is named \"default\"; pass one with --chat-template FILE")
    }

    /// Fields to add to the tokenizer_config.json a stage writes: the names templates
    /// print, and the template itself when it lived there.
    var configMembers: [String: Any] {
        var m: [String: Any] = [:]
        for (k, v) in specialTokens where k != "eos_token" && k != "pad_token" {
            m[k] = v
        }
        if let t = chatTemplate, !chatTemplateInFile {
            m["chat_template"] = t
        }
        return m
    }
}
