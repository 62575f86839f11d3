/// The one place that recognises the record shapes users bring, whatever file they came from
/// (JSONL, .gz/.zst, Parquet): the readers (PreferenceData, KTOData, SFTData, ScoreInput,
/// PromptRecord) ask here what a record holds and tokenize it with SequenceEncoder.
///
/// Shapes (TRL's names):
/// - preference, standard or conversational: {"prompt","chosen","rejected"}
/// - preference, implicit prompt (HH-RLHF): {"chosen","rejected"} sharing a prefix
/// - PKU-SafeRLHF: {"prompt","response_0","response_1","better_response_id"|"safer_response_id"}
/// - unpaired (KTO): {"prompt","completion","label": true|false}
/// - prompt-completion (SFT): {"prompt","completion"}; language modeling: {"text"} or {"messages"}
/// - generations: {"prompt","response"}; prompts: {"prompt"} or {"messages"}
public enum RecordFormats {
    /// What is wrong with a record, for the bad-record policy.
    public struct RecordError: Error, CustomStringConvertible {
        public let message: String
        init(_ message: String) { self.message = message }
        public var description: String { message }
    }

    /// A preference pair's texts.
    public struct PreferenceTexts {
        public var prompt: ChatText, chosen: ChatText, rejected: ChatText
    }

    // MARK: - Kinds of files

    /// The kind of a scoring input, decided by its first record: a "response" makes it
    /// generations (even when prompt fields were copied through from pair data).
    public static func isPreference(_ first: JSONValue) -> Bool {
        first["response"] == nil && (first["chosen"] != nil || first["rejected"] != nil || first["response_0"] != nil)
    }

    /// KTO data is unpaired when its first record has a "label".
    public static func isUnpaired(_ first: JSONValue) -> Bool {
        first["label"] != nil
    }

    // MARK: - Preference pairs

    public static func preference(_ rec: JSONValue, format: PreferenceFormat,
                                  preference: PKUPreference) -> Result<PreferenceTexts, RecordError> {
        let fmt: PreferenceFormat
        if format != .auto { fmt = format }
        else if rec["response_0"] != nil { fmt = .pkuSafeRLHF }
        else if rec["prompt"] == nil && rec["chosen"] != nil { fmt = .hh }
        else { fmt = .trl }
        switch fmt {
        case .trl, .auto: return explicitPrompt(rec)
        case .hh: return implicitPrompt(rec)
        case .pkuSafeRLHF: return pku(rec, preference: preference)
        }
    }

    static func explicitPrompt(_ rec: JSONValue) -> Result<PreferenceTexts, RecordError> {
        guard let p = ChatText(rec["prompt"]) else {
            return .failure(RecordError("\"prompt\" is missing or not a string / message list"))
        }
        guard let c = ChatText(rec["chosen"]), let r = ChatText(rec["rejected"]) else {
            return .failure(RecordError("\"chosen\" and \"rejected\" must be strings or message lists"))
        }
        return .success(PreferenceTexts(prompt: p, chosen: c, rejected: r))
    }

    /// TRL's extract_prompt: the turns (or, for text, the characters) both sides share are
    /// the prompt.
    static func implicitPrompt(_ rec: JSONValue) -> Result<PreferenceTexts, RecordError> {
        if case .conversation(let cm)? = ChatText(rec["chosen"]), case .conversation(let rm)? = ChatText(rec["rejected"]) {
            var k = 0
            while k < min(cm.count, rm.count) - 1 && cm[k] == rm[k] {
                k += 1
            }
            guard k > 0, cm.count > k, rm.count > k else {
                return .failure(RecordError("chosen and rejected share no prompt turns"))
            }
            return .success(PreferenceTexts(prompt: .conversation(Array(cm[0..<k])),
                                            chosen: .conversation(Array(cm[k...])),
                                            rejected: .conversation(Array(rm[k...]))))
        }
        guard let c = rec["chosen"]?.stringValue, let r = rec["rejected"]?.stringValue else {
            return .failure(RecordError("\"chosen\" and \"rejected\" must be strings (implicit-prompt format)"))
        }
        let (p, cc, rr) = splitSharedPrefix(c, r)
        guard !p.isEmpty else {
            return .failure(RecordError("chosen and rejected share no prefix to use as the prompt"))
        }
        return .success(PreferenceTexts(prompt: .text(p), chosen: .text(cc), rejected: .text(rr)))
    }

    static func pku(_ rec: JSONValue, preference: PKUPreference) -> Result<PreferenceTexts, RecordError> {
        guard let p = rec["prompt"]?.stringValue, let a = rec["response_0"]?.stringValue,
              let b = rec["response_1"]?.stringValue else {
            return .failure(RecordError("PKU-SafeRLHF needs string \"prompt\", \"response_0\", \"response_1\""))
        }
        let key = preference.labelKey
        guard let which = rec[key]?.intValue, which == 0 || which == 1 else {
            return .failure(RecordError("\"\(key)\" must be 0 or 1"))
        }
        let (chosen, rejected) = which == 0 ? (a, b) : (b, a)
        return .success(PreferenceTexts(prompt: .text(p), chosen: .text(chosen), rejected: .text(rejected)))
    }

    /// TRL's extract_prompt for text: the longest common prefix is the prompt; a space right
    /// before the first difference stays with the responses.
    public static func splitSharedPrefix(_ a: String, _ b: String) -> (String, String, String) {
        let x = Array(a.unicodeScalars), y = Array(b.unicodeScalars)
        var i = 0
        while i < min(x.count, y.count) && x[i] == y[i] {
            i += 1
        }
        if i > 0 && i < min(x.count, y.count) && x[i - 1] == " " {
            i -= 1
        }
        func s(_ v: ArraySlice<Unicode.Scalar>) -> String {
            var t = ""
            t.unicodeScalars.append(contentsOf: v)
            return t
        }
        return (s(x[0..<i]), s(x[i...]), s(y[i...]))
    }

    // MARK: - Unpaired (KTO)

    public static func unpaired(_ rec: JSONValue) -> Result<(prompt: ChatText, completion: ChatText, desirable: Bool), RecordError> {
        guard let p = ChatText(rec["prompt"]), let c = ChatText(rec["completion"]), let label = rec["label"]?.boolValue else {
            return .failure(RecordError("expected {\"prompt\",\"completion\",\"label\": true|false}"))
        }
        return .success((p, c, label))
    }

    // MARK: - SFT

    public enum SFTTexts {
        /// {"text"}: every token a target.
        case text(String)
        /// {"messages"}: a whole conversation.
        case messages([ChatMessage])
        /// {"prompt","completion"}: the completion's tokens are the targets.
        case promptCompletion(ChatText, ChatText)
    }

    public static func sft(_ rec: JSONValue) -> Result<SFTTexts, RecordError> {
        if let text = rec["text"]?.stringValue {
            return .success(.text(text))
        }
        if case .conversation(let m)? = ChatText(rec["messages"]) {
            return .success(.messages(m))
        }
        if let p = ChatText(rec["prompt"]), let c = ChatText(rec["completion"]) {
            return .success(.promptCompletion(p, c))
        }
        return .failure(RecordError("expected {\"prompt\",\"completion\"}, {\"text\"} or {\"messages\"} with string values"))
    }

    // MARK: - Generations and prompts

    public static func generation(_ rec: JSONValue) -> Result<(prompt: ChatText, response: String), RecordError> {
        guard let p = ChatText(rec["prompt"]), let r = rec["response"]?.stringValue else {
            return .failure(RecordError("expected {\"prompt\",\"response\"} strings (generations) or chosen/rejected (preference data)"))
        }
        return .success((p, r))
    }

    /// A prompts-file record: "prompt" (a string or messages) or "messages" whose last
    /// assistant turn, the answer to generate anew, is dropped. `kept` is what the output's
    /// "prompt" field holds.
    public static func prompt(_ rec: JSONValue) -> Result<(prompt: ChatText, kept: JSONValue), RecordError> {
        if let p = rec["prompt"] {
            guard let text = ChatText(p) else {
                return .failure(RecordError("\"prompt\" must be a string or a list of {\"role\",\"content\"} with string values"))
            }
            return .success((text, p))
        }
        if let m = rec["messages"] {
            guard case .conversation(var turns)? = ChatText(m) else {
                return .failure(RecordError("\"messages\" must be a list of {\"role\",\"content\"} with string values"))
            }
            if turns.last?.role == "assistant" {
                turns.removeLast()
            }
            guard !turns.isEmpty else {
                return .failure(RecordError("messages hold no turn before the assistant's"))
            }
            return .success((.conversation(turns), .array(turns.map(\.json))))
        }
        return .failure(RecordError("needs \"prompt\" (a string or a list of messages) or \"messages\""))
    }

    /// Every text of a record, for training a tokenizer on the data.
    public static func texts(_ rec: JSONValue) -> [String] {
        var out: [String] = []
        for key in ["text", "prompt", "completion", "chosen", "rejected", "response", "messages"] {
            switch ChatText(rec[key]) {
            case .text(let s)?: out.append(s)
            case .conversation(let m)?: out += m.map(\.content)
            case nil: break
            }
        }
        return out
    }
}
