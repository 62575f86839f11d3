/// What a record gives its chat template besides the messages, as TRL reads it from each
/// example: `tools` (a list of function schemas, or that list as a JSON string) and
/// `chat_template_kwargs` (variables such as `enable_thinking`). Record values override
/// `--chat-template-kwargs` of the same name, as TRL's per-example kwargs do.
public struct TemplateInputs {
    /// A JSON array of tool schemas; nil renders `tools` as none.
    public var tools: JSONValue? = nil
    public var kwargs: [(String, JSONValue)] = []
    public init() {}

    public var isEmpty: Bool { tools == nil && kwargs.isEmpty }
}

extension RecordFormats {
    /// The record's `tools` and `chat_template_kwargs`, when it has them (null means none).
    public static func templateInputs(_ rec: JSONValue) -> Result<TemplateInputs, RecordError> {
        var inputs = TemplateInputs()
        if let t = rec["tools"], !t.isNull {
            var value = t
            // datasets often store the schemas as a JSON string; TRL json.loads it.
            if let s = t.stringValue {
                guard let parsed = try? JSONValue.parse(s, source: "tools") else {
                    return .failure(RecordError("\"tools\" is a string that is not JSON"))
                }
                value = parsed
            }
            guard value.arrayValue != nil else {
                return .failure(RecordError("\"tools\" must be a list of tool schemas (or that list as a JSON string)"))
            }
            inputs.tools = value
        }
        if let k = rec["chat_template_kwargs"], !k.isNull {
            guard let members = k.objectValue else {
                return .failure(RecordError("\"chat_template_kwargs\" must be an object"))
            }
            inputs.kwargs = members
        }
        return .success(inputs)
    }
}
