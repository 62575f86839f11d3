import Foundation

/// The `tokenize` stage: how a model directory's tokenizer splits text. Needs only
/// tokenizer.json (and tokenizer_config.json where present), no config or weights.
public struct TokenizeJob {
    public let tokenizer: Tokenizer
    /// As `tokenizer(text)` (true) or `tokenizer(text, add_special_tokens=False)`.
    public let addSpecialTokens: Bool
    /// Renders `messages` records: the model's chat template unless `--template` or
    /// `--chat-template` says otherwise (ChatChoice).
    public let chat: ChatFormat

    public init(modelDir: String, addSpecialTokens: Bool, chat choice: ChatChoice = ChatChoice()) throws {
        let path = modelDir + "/tokenizer.json"
        guard FileManager.default.fileExists(atPath: path) else {
            throw PrefkitError("\(modelDir): no tokenizer.json (tokenize needs only that file, and tokenizer_config.json where present)")
        }
        let tok = try Tokenizer(path: path)
        self.tokenizer = tok
        self.addSpecialTokens = addSpecialTokens
        self.chat = try choice.format(for: tok)
    }

    /// `{"id","ids","tokens"}` for one text.
    public func record(id: JSONValue, text: String) -> JSONValue {
        record(id: id, ids: tokenizer.encode(text, addSpecialTokens: addSpecialTokens))
    }

    func record(id: JSONValue, ids: [Int]) -> JSONValue {
        let tokens = ids.map { JSONValue.string(tokenizer.token($0) ?? "") }
        return .object([("id", id), ("ids", .array(ids.map { .number(Double($0)) })), ("tokens", .array(tokens))])
    }

    /// The ids of a `{"id","text"}` or `{"id","messages"}` record, or nil when it is neither.
    /// A conversation is tokenized as apply_chat_template(messages, tokenize=True) does: a
    /// Jinja template writes its own special tokens, so none are added.
    public func ids(of record: JSONValue) throws -> [Int]? {
        if let t = record["text"]?.stringValue {
            return tokenizer.encode(t, addSpecialTokens: addSpecialTokens)
        }
        guard case .conversation(let messages)? = ChatText(record["messages"]) else { return nil }
        let text = try chat.renderer.render(messages, addGenerationPrompt: false)
        return tokenizer.encode(text, addSpecialTokens: addSpecialTokens && !chat.renderer.rendersSpecialTokens)
    }

    /// Tokenizes every record of `data` into `out` (written atomically); returns the
    /// record and token counts. A bad record stops the run naming its file and line.
    public func run(data: String, out: String) throws -> (records: Int, tokens: Int) {
        let writer = try JSONLWriter(path: out)
        var records = 0
        var tokens = 0
        do {
            try JSONL.forEachRecord(data) { line, rec in
                guard rec.objectValue != nil, let ids = try ids(of: rec) else {
                    throw PrefkitError("\(data):\(line): expected {\"id\",\"text\"} or {\"id\",\"messages\": [{\"role\",\"content\"}]} with string values")
                }
                let id = rec["id"] ?? .number(Double(line))
                guard id.stringValue != nil || id.intValue != nil else {
                    throw PrefkitError("\(data):\(line): \"id\" must be a string or an integer")
                }
                let r = record(id: id, ids: ids)
                tokens += r["ids"]?.arrayValue?.count ?? 0
                records += 1
                try writer.append(r)
            }
            guard records > 0 else {
                throw PrefkitError("\(data): no records")
            }
            try writer.commit()
        } catch {
            writer.abort()
            throw error
        }
        return (records, tokens)
    }
}
