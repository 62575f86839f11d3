import Foundation

/// A model directory as the stages use it: weights plus the tokenizer beside them,
/// with eos/pad resolved from config.json, tokenizer_config.json and the vocabulary.
public struct ModelDirectory {
    public let path: String
    public let model: Transformer
    public let tokenizer: Tokenizer
    /// Token ids that end a completion (generation stops on any of them).
    public let eosTokenIds: [Int]
    /// The id appended to completions (TRL appends the tokenizer's eos token).
    public var eosTokenId: Int { eosTokenIds[0] }
    public let padTokenId: Int

    /// Loads a model directory, or a LoRA adapter directory over the base it names
    /// (merged into the base weights: for inference, nothing trains the adapter afterwards).
    /// `spec` is a directory, or ORG/NAME[@REVISION] in the Hugging Face cache (HFCache).
    /// `matrices` bf16/f16 keeps the matrices only in that precision (frozen uses: generation,
    /// a reference model, a LoRA base); an adapter is merged in f32 first.
    public static func load(_ spec: String, head: Checkpoint.Head = .lm, matrices: WeightsDType = .f32) throws -> ModelDirectory {
        let path = try HFCache.resolveModel(spec)
        if LoRAFiles.isAdapterDirectory(path) && !FileManager.default.fileExists(atPath: path + "/config.json") {
            let (_, basePath) = try LoRAFiles.readConfig(path)
            guard !basePath.isEmpty else { throw PrefkitError("\(path)/adapter_config.json: base_model_name_or_path is empty") }
            let base = try load(basePath, head: head)
            let adapter = try LoRAFiles.load(path, for: base.model)
            adapter.merge(into: base.model)
            base.model.keepMatricesOnly(in: matrices)
            let tok = FileManager.default.fileExists(atPath: path + "/tokenizer.json") ? try Tokenizer(path: path + "/tokenizer.json") : base.tokenizer
            return try ModelDirectory(path: path, model: base.model, tokenizer: tok)
        }
        let model = try Checkpoint.load(path, head: head, matrices: matrices)
        let tokPath = path + "/tokenizer.json"
        guard FileManager.default.fileExists(atPath: tokPath) else {
            throw PrefkitError("\(path): no tokenizer.json beside the weights")
        }
        let tok = try Tokenizer(path: tokPath)
        return try ModelDirectory(path: path, model: model, tokenizer: tok)
    }

    public init(path: String, model: Transformer, tokenizer tok: Tokenizer) throws {
        self.path = path; self.model = model; self.tokenizer = tok
        if tok.vocabSize > model.config.vocabSize {
            throw PrefkitError("\(path): tokenizer has \(tok.vocabSize) tokens but the model's vocab_size is \(model.config.vocabSize)")
        }
        var eos: [Int] = []
        if let e = tok.eosTokenId { eos.append(e) }
        for e in model.config.eosTokenIds where !eos.contains(e) { eos.append(e) }
        if eos.isEmpty {
            for name in ["<|im_end|>", "<|endoftext|>", "</s>", "<|eot_id|>"] {
                if let id = tok.tokenId(name) { eos.append(id); break }
            }
        }
        guard !eos.isEmpty else {
            throw PrefkitError("\(path): no eos token found (config.json eos_token_id, tokenizer_config.json eos_token)")
        }
        // eos ends every completion as a token: one outside the vocabulary cannot be embedded.
        for e in eos where e < 0 || e >= model.config.vocabSize {
            throw PrefkitError("\(path): eos token id \(e) is outside the vocabulary [0, \(model.config.vocabSize))")
        }
        eosTokenIds = eos
        padTokenId = tok.padTokenId ?? model.config.padTokenId ?? eos[0]
    }

    /// Writes weights, config and tokenizer so the directory loads in transformers again.
    public static func save(model: Transformer, tokenizer: Tokenizer, eosTokenId: Int, padTokenId: Int,
                            to dir: String, extraConfig: [String: Any] = [:]) throws {
        try Checkpoint.save(model, to: dir, extraConfig: extraConfig)
        try saveTokenizer(tokenizer, eosTokenId: eosTokenId, padTokenId: padTokenId,
                          maxLength: model.config.maxPositionEmbeddings, to: dir)
    }

    /// tokenizer.json plus the tokenizer_config.json that tells transformers its eos and pad,
    /// and the chat template the tokenizer came with (or a stage set), so transformers and
    /// `generate` render prompts as training did.
    public static func saveTokenizer(_ tokenizer: Tokenizer, eosTokenId: Int, padTokenId: Int, maxLength: Int,
                                     to dir: String) throws {
        try ArtifactFile.writeAtomically(dir + "/tokenizer.json", bytes: tokenizer.jsonData(), compress: false)
        var tc: [String: Any] = tokenizer.settings.configMembers
        tc["tokenizer_class"] = "PreTrainedTokenizerFast"
        tc["eos_token"] = tokenizer.token(eosTokenId) ?? ""
        tc["pad_token"] = tokenizer.token(padTokenId) ?? ""
        tc["model_max_length"] = maxLength
        tc["clean_up_tokenization_spaces"] = false
        let data = try JSONSerialization.data(withJSONObject: tc, options: [.prettyPrinted, .sortedKeys])
        try ArtifactFile.writeAtomically(dir + "/tokenizer_config.json", bytes: [UInt8](data), compress: false)
        let templateFile = dir + "/chat_template.jinja"
        if let t = tokenizer.settings.chatTemplate, tokenizer.settings.chatTemplateInFile {
            try ArtifactFile.writeAtomically(templateFile, bytes: Array(t.utf8), compress: false)
        } else if FileManager.default.fileExists(atPath: templateFile) {
            // A template left from an earlier write of this directory would take priority
            // over the one in tokenizer_config.json.
            try FileManager.default.removeItem(atPath: templateFile)
        }
    }
}
