import Foundation
import Jinja

/// A checkpoint's Jinja chat template, rendered as transformers' `apply_chat_template` does
/// (utils/chat_template_utils.py): messages without their null-valued keys, `tools` and
/// `documents` none, `add_generation_prompt`, the tokenizer's special tokens by name
/// (bos_token, eos_token, …) and the chat-template kwargs (enable_thinking, …).
public struct ChatTemplate: ConversationRenderer {
    public let source: String
    /// Where the template came from, for errors and prefkit.json.
    public let origin: String
    let compiled: JinjaTemplate
    let globals: [String: JinjaValue]

    /// `specialTokens`: TokenizerSettings.specialTokens; `kwargs`: extra template
    /// variables (`--chat-template-kwargs`), which override special tokens of the same name.
    public init(_ source: String, origin: String, specialTokens: [String: String],
                kwargs: [(String, JSONValue)] = []) throws {
        self.source = source
        self.origin = origin
        do {
            compiled = try JinjaTemplate(source, name: origin)
        } catch let e as JinjaError {
            throw PrefkitError("\(e)")
        }
        var g: [String: JinjaValue] = [:]
        for (k, v) in specialTokens {
            g[k] = .string(v)
        }
        for (k, v) in kwargs {
            g[k] = Self.jinja(v)
        }
        globals = g
    }

    /// A template file (`--chat-template FILE`, `--template FILE`).
    public init(file path: String, specialTokens: [String: String], kwargs: [(String, JSONValue)] = []) throws {
        try self.init(try Self.readFile(path), origin: path, specialTokens: specialTokens, kwargs: kwargs)
    }

    /// The text of a template file (a flag's, or chat_template.jinja beside a tokenizer).
    static func readFile(_ path: String) throws -> String {
        guard let bytes = FileManager.default.contents(atPath: path) else {
            throw PrefkitError("\(path): cannot read the chat template")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw PrefkitError("\(path): the chat template is not valid UTF-8")
        }
        return text
    }

    public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool, inputs: TemplateInputs) throws -> String {
        var context = globals
        for (k, v) in inputs.kwargs {
            context[k] = Self.jinja(v)
        }
        context["messages"] = .array(messages.map { Self.message($0.json) })
        context["tools"] = inputs.tools.map(Self.jinja) ?? JinjaValue.none
        context["documents"] = JinjaValue.none
        context["add_generation_prompt"] = .bool(addGenerationPrompt)
        do {
            return try compiled.render(context)
        } catch let e as JinjaError {
            throw PrefkitError("\(e)")
        }
    }

    public var rendersSpecialTokens: Bool { true }
    public var rendersCompletions: Bool { true }

    /// The template's digest: a different template gives different tokens.
    public var identity: String {
        var d = Digest()
        d.update(source)
        return "jinja:" + d.hex
    }

    /// A message as transformers hands it to the template: keys whose value is null dropped
    /// (apply_chat_template), reasoning under its older names copied to `reasoning_content`
    /// and `thinking` (_alias_reasoning_fields).
    static func message(_ json: JSONValue) -> JinjaValue {
        guard let members = json.objectValue else { return jinja(json) }
        let kept = members.filter { !$0.1.isNull }
        let reasoningKeys = ["reasoning_content", "thinking", "reasoning"]
        guard let r = reasoningKeys.lazy.compactMap({ k in kept.last(where: { $0.0 == k })?.1 }).first else {
            return .object(JinjaObject(kept.map { ($0.0, jinja($0.1)) }))
        }
        // Python's {"thinking": r, **message, "reasoning_content": r}: a key keeps the place
        // it was first given and takes the last value.
        var pairs: [(String, JinjaValue)] = [("thinking", jinja(r))]
        func put(_ key: String, _ value: JinjaValue) {
            if let i = pairs.firstIndex(where: { $0.0 == key }) {
                pairs[i].1 = value
            } else {
                pairs.append((key, value))
            }
        }
        for (k, v) in kept {
            put(k, jinja(v))
        }
        put("reasoning_content", jinja(r))
        return .object(JinjaObject(pairs))
    }

    /// JSON as Python's json.loads gives it: integral numbers are ints.
    static func jinja(_ v: JSONValue) -> JinjaValue {
        switch v {
        case .null: return .none
        case .bool(let b): return .bool(b)
        case .number(let d):
            if d.rounded() == d, abs(d) < 9.0e15 { return .int(Int(d)) }
            return .double(d)
        case .string(let s): return .string(s)
        case .array(let a): return .array(a.map(jinja))
        case .object(let m): return .object(JinjaObject(m.map { ($0.0, jinja($0.1)) }))
        }
    }
}
