/// A tokenizer.json `post_processor`: what `tokenizer(text)` adds around the ids
/// when special tokens are requested (BOS for Llama and Gemma). With
/// add_special_tokens false HF still runs it, but every supported type then only
/// concatenates, so callers skip it.
protocol PostProcessor: Sendable {
    func process(_ a: [Int], pair b: [Int]?) -> [Int]
}

enum PostProcessorFactory {
    static let supported = ["TemplateProcessing", "ByteLevel", "Sequence", "RobertaProcessing", "BertProcessing"]

    static func make(_ node: TokenizerJSONNode) throws -> PostProcessor {
        let type = try node.type()
        switch type {
        case "TemplateProcessing":
            return try TemplatePostProcessor(node)
        case "ByteLevel":
            // Its fields only move offsets; the ids pass through.
            try node.allowOnly(["add_prefix_space", "trim_offsets", "use_regex"])
            return ByteLevelPostProcessor()
        case "Sequence":
            return try SequencePostProcessor(node)
        case "RobertaProcessing", "BertProcessing":
            return try ClsSepPostProcessor(node, roberta: type == "RobertaProcessing")
        default:
            throw node.unsupportedType(type, supported: supported)
        }
    }
}

struct ByteLevelPostProcessor: PostProcessor {
    func process(_ a: [Int], pair b: [Int]?) -> [Int] {
        a + (b ?? [])
    }
}

/// HF's Sequence runs each processor over the still separate encodings (A and B)
/// and joins them at the end. ByteLevel leaves ids alone, so what remains is at most
/// one processor that adds tokens; two such are refused at parse time.
struct SequencePostProcessor: PostProcessor {
    let adding: PostProcessor?

    init(_ node: TokenizerJSONNode) throws {
        try node.allowOnly(["processors"])
        var adding: PostProcessor?
        for child in try node.children("processors") {
            let step = try PostProcessorFactory.make(child)
            if step is ByteLevelPostProcessor {
                continue
            }
            if adding != nil {
                throw node.error("\(child.path) is a second processor that adds tokens; only one per Sequence is supported")
            }
            adding = step
        }
        self.adding = adding
    }

    func process(_ a: [Int], pair b: [Int]?) -> [Int] {
        guard let adding else {
            return a + (b ?? [])
        }
        return adding.process(a, pair: b)
    }
}

/// `TemplateProcessing`: `single` / `pair` lists of `{"SpecialToken": {"id"}}` and
/// `{"Sequence": {"id": "A"|"B"}}` pieces; special tokens expand to their `ids`.
/// The `type_id`s only feed token_type_ids, which nothing here produces.
struct TemplatePostProcessor: PostProcessor {
    enum Piece: Sendable {
        case special([Int])
        case sequenceA
        case sequenceB
    }

    let single: [Piece]
    let pair: [Piece]

    init(_ node: TokenizerJSONNode) throws {
        try node.allowOnly(["single", "pair", "special_tokens"])
        var specials: [String: [Int]] = [:]
        if let table = try node.optionalChild("special_tokens") {
            for (name, value) in table.object {
                let entry = try TokenizerJSONNode(value, path: "\(table.path).\(name.debugDescription)", source: node.source)
                guard let ids = entry.object["ids"] as? [Int] else {
                    throw node.error("\(entry.path).ids is missing or not a list of integers")
                }
                specials[name] = ids
            }
        }
        single = try Self.pieces(node, "single", specials)
        pair = try Self.pieces(node, "pair", specials)
    }

    private static func pieces(_ node: TokenizerJSONNode, _ key: String, _ specials: [String: [Int]]) throws -> [Piece] {
        try node.children(key).map { item in
            if let sp = try item.optionalChild("SpecialToken") {
                let name = try sp.string("id")
                guard let ids = specials[name] else {
                    throw node.error("\(sp.path).id \(name.debugDescription) is not in \(node.path).special_tokens")
                }
                return .special(ids)
            }
            if let seq = try item.optionalChild("Sequence") {
                let name = try seq.string("id")
                switch name {
                case "A":
                    return .sequenceA
                case "B":
                    return .sequenceB
                default:
                    throw node.error("\(seq.path).id \(name.debugDescription) is neither \"A\" nor \"B\"")
                }
            }
            throw node.error("\(item.path) is neither a SpecialToken nor a Sequence")
        }
    }

    func process(_ a: [Int], pair b: [Int]?) -> [Int] {
        var out: [Int] = []
        out.reserveCapacity(a.count + (b?.count ?? 0) + 4)
        for piece in b == nil ? single : pair {
            switch piece {
            case .special(let ids):
                out.append(contentsOf: ids)
            case .sequenceA:
                out.append(contentsOf: a)
            case .sequenceB:
                out.append(contentsOf: b ?? [])
            }
        }
        return out
    }
}

/// `RobertaProcessing` (`<s> A </s>`, pair `<s> A </s> </s> B </s>`) and
/// `BertProcessing` (`[CLS] A [SEP]`, pair `[CLS] A [SEP] B [SEP]`).
struct ClsSepPostProcessor: PostProcessor {
    let cls: Int
    let sep: Int
    let roberta: Bool

    init(_ node: TokenizerJSONNode, roberta: Bool) throws {
        // trim_offsets and add_prefix_space only move offsets.
        try node.allowOnly(roberta ? ["sep", "cls", "trim_offsets", "add_prefix_space"] : ["sep", "cls"])
        func id(_ key: String) throws -> Int {
            guard let pair = node.object[key] as? [Any], pair.count == 2, pair[0] is String, let id = pair[1] as? Int else {
                throw node.error("\(node.path).\(key) is not a [token, id] pair")
            }
            return id
        }
        cls = try id("cls")
        sep = try id("sep")
        self.roberta = roberta
    }

    func process(_ a: [Int], pair b: [Int]?) -> [Int] {
        var out = [cls] + a + [sep]
        if let b {
            if roberta {
                out.append(sep)
            }
            out += b + [sep]
        }
        return out
    }
}
