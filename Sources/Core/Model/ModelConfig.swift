import Foundation

/// The decoder shape shared by Llama, Qwen2, Mistral and SmolLM checkpoints,
/// read from a Hugging Face `config.json`. Unknown keys are kept so a saved config
/// round-trips what the user brought.
public struct ModelConfig: Equatable {
    public var modelType: String            // "llama", "qwen2", "mistral"
    public var vocabSize: Int
    public var hiddenSize: Int
    public var intermediateSize: Int
    public var numLayers: Int
    public var numHeads: Int
    public var numKVHeads: Int
    public var headDim: Int
    public var rmsNormEps: Float
    public var ropeTheta: Double
    public var maxPositionEmbeddings: Int
    public var tieWordEmbeddings: Bool
    public var attentionBias: Bool          // q/k/v bias: Qwen2 always, Llama when attention_bias
    public var bosTokenId: Int?
    public var eosTokenIds: [Int]
    public var padTokenId: Int?

    public init(modelType: String = "qwen2", vocabSize: Int, hiddenSize: Int, intermediateSize: Int,
                numLayers: Int, numHeads: Int, numKVHeads: Int, headDim: Int? = nil,
                rmsNormEps: Float = 1e-6, ropeTheta: Double = 1_000_000, maxPositionEmbeddings: Int = 2048,
                tieWordEmbeddings: Bool = true, attentionBias: Bool? = nil,
                bosTokenId: Int? = nil, eosTokenIds: [Int] = [], padTokenId: Int? = nil) {
        self.modelType = modelType
        self.vocabSize = vocabSize; self.hiddenSize = hiddenSize; self.intermediateSize = intermediateSize
        self.numLayers = numLayers; self.numHeads = numHeads; self.numKVHeads = numKVHeads
        self.headDim = headDim ?? hiddenSize / numHeads
        self.rmsNormEps = rmsNormEps; self.ropeTheta = ropeTheta
        self.maxPositionEmbeddings = maxPositionEmbeddings; self.tieWordEmbeddings = tieWordEmbeddings
        self.attentionBias = attentionBias ?? (modelType == "qwen2")
        self.bosTokenId = bosTokenId; self.eosTokenIds = eosTokenIds; self.padTokenId = padTokenId
    }

    public var qDim: Int { numHeads * headDim }
    public var kvDim: Int { numKVHeads * headDim }

    /// Checks the shape makes sense before anything is allocated from it.
    public func validate(source: String) throws {
        func need(_ ok: Bool, _ what: String) throws { if !ok { throw PrefkitError("\(source): \(what)") } }
        // Each size below 2^24 before any product: products of lying sizes must not overflow.
        let sizes = [("vocab_size", vocabSize), ("hidden_size", hiddenSize), ("intermediate_size", intermediateSize),
                     ("num_hidden_layers", numLayers), ("num_attention_heads", numHeads),
                     ("num_key_value_heads", numKVHeads), ("head_dim", headDim)]
        for (name, v) in sizes {
            try need(v > 0 && v < 1 << 24, "\(name) (\(v)) must be a positive size below 16777216")
        }
        try need(numHeads > 0 && numKVHeads > 0 && numHeads % numKVHeads == 0,
                 "num_attention_heads (\(numHeads)) must be a multiple of num_key_value_heads (\(numKVHeads))")
        try need(headDim > 0 && headDim % 2 == 0, "head_dim (\(headDim)) must be even for RoPE")
        try need(rmsNormEps > 0 && rmsNormEps.isFinite, "rms_norm_eps must be a positive number")
        try need(ropeTheta > 0 && ropeTheta.isFinite, "rope_theta must be a positive number")
        try need(maxPositionEmbeddings > 0 && maxPositionEmbeddings < 1 << 24,
                 "max_position_embeddings (\(maxPositionEmbeddings)) must be a positive size below 16777216")
        let perLayer = Double(qDim) * 2 + Double(kvDim) * 2 + Double(intermediateSize) * 3
        let params = Double(vocabSize) * Double(hiddenSize) * 2 + Double(numLayers) * Double(hiddenSize) * perLayer
        try need(params < 2e10, String(format: "a model of %.3g parameters does not fit in memory here", params))
    }
}

extension ModelConfig {
    static let supportedTypes: Set<String> = ["llama", "qwen2", "mistral"]

    /// Parses a HF config.json. Accepts both the transformers-5 layout
    /// (`rope_parameters.rope_theta`, `dtype`) and the hub's older top-level `rope_theta`.
    public static func load(path: String) throws -> (ModelConfig, [String: Any]) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PrefkitError("\(path): cannot read model config")
        }
        guard let obj = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw PrefkitError("\(path): not a JSON object")
        }
        return (try parse(obj, source: path), obj)
    }

    public static func parse(_ o: [String: Any], source: String) throws -> ModelConfig {
        func int(_ k: String) throws -> Int {
            guard let v = o[k] else { throw PrefkitError("\(source): missing \"\(k)\"") }
            guard let i = exactInt(v) else { throw PrefkitError("\(source): \"\(k)\" must be an integer") }
            return i
        }
        func optInt(_ k: String) throws -> Int? {
            guard let v = o[k], !(v is NSNull) else { return nil }
            guard let i = exactInt(v) else { throw PrefkitError("\(source): \"\(k)\" must be an integer or null") }
            return i
        }
        let type = (o["model_type"] as? String) ?? "llama"
        guard supportedTypes.contains(type) else {
            throw PrefkitError("\(source): model_type \"\(type)\" is not supported (llama, qwen2, mistral)")
        }
        try refuseUnsupported(o, modelType: type, source: source)
        let heads = try int("num_attention_heads")
        let hidden = try int("hidden_size")
        var theta = (o["rope_theta"] as? NSNumber)?.doubleValue
        if let rp = o["rope_parameters"] as? [String: Any] {
            theta = theta ?? (rp["rope_theta"] as? NSNumber)?.doubleValue
            if let t = rp["rope_type"] as? String, t != "default" {
                throw PrefkitError("\(source): rope_type \"\(t)\" is not supported (only default RoPE)")
            }
        }
        if let rs = o["rope_scaling"] as? [String: Any], let t = (rs["rope_type"] ?? rs["type"]) as? String, t != "default" {
            throw PrefkitError("\(source): rope_scaling \"\(t)\" is not supported (only default RoPE)")
        }
        var eos: [Int] = []
        // eos_token_id: one id or a list of them.
        let eosError = PrefkitError("\(source): \"eos_token_id\" must be an integer or a list of integers")
        if let e = o["eos_token_id"] as? NSNumber {
            eos = [try exactInt(e).orThrow(eosError)]
        }
        if let e = o["eos_token_id"] as? [Any] {
            eos = try e.map { try exactInt($0).orThrow(eosError) }
        }
        // Qwen2 always has q/k/v biases and Mistral never; Llama's attention_bias is refused above.
        let bias = type == "qwen2"
        let cfg = ModelConfig(
            modelType: type, vocabSize: try int("vocab_size"), hiddenSize: hidden,
            intermediateSize: try int("intermediate_size"), numLayers: try int("num_hidden_layers"),
            numHeads: heads, numKVHeads: try optInt("num_key_value_heads") ?? heads,
            headDim: try optInt("head_dim") ?? hidden / max(1, heads),
            rmsNormEps: Float((o["rms_norm_eps"] as? NSNumber)?.doubleValue ?? 1e-6),
            ropeTheta: theta ?? 10_000, maxPositionEmbeddings: try optInt("max_position_embeddings") ?? 2048,
            tieWordEmbeddings: (o["tie_word_embeddings"] as? Bool) ?? false, attentionBias: bias,
            bosTokenId: try optInt("bos_token_id"), eosTokenIds: eos, padTokenId: try optInt("pad_token_id"))
        try cfg.validate(source: source)
        return cfg
    }

    /// The HF config.json for this shape, over `base` (the keys the user's file had).
    public func jsonObject(base: [String: Any] = [:], architecture: String? = nil) -> [String: Any] {
        var o = base
        let arch = architecture ?? (modelType == "qwen2" ? "Qwen2ForCausalLM" : modelType == "mistral" ? "MistralForCausalLM" : "LlamaForCausalLM")
        o["architectures"] = [arch]
        o["model_type"] = modelType
        o["vocab_size"] = vocabSize; o["hidden_size"] = hiddenSize; o["intermediate_size"] = intermediateSize
        o["num_hidden_layers"] = numLayers; o["num_attention_heads"] = numHeads; o["num_key_value_heads"] = numKVHeads
        if headDim != hiddenSize / numHeads || base["head_dim"] != nil { o["head_dim"] = headDim }
        o["rms_norm_eps"] = Double(rmsNormEps); o["max_position_embeddings"] = maxPositionEmbeddings
        o["tie_word_embeddings"] = tieWordEmbeddings; o["hidden_act"] = "silu"
        if modelType != "qwen2" { o["attention_bias"] = attentionBias }
        // Write both spellings of rope theta so old and new transformers read it.
        o["rope_theta"] = ropeTheta
        o["rope_parameters"] = ["rope_theta": ropeTheta, "rope_type": "default"] as [String: Any]
        if base["dtype"] != nil || base["torch_dtype"] == nil { o["dtype"] = "float32" }
        if base["torch_dtype"] != nil { o["torch_dtype"] = "float32" }
        o["bos_token_id"] = bosTokenId.map { $0 as Any } ?? NSNull()
        if eosTokenIds.count == 1 { o["eos_token_id"] = eosTokenIds[0] } else if !eosTokenIds.isEmpty { o["eos_token_id"] = eosTokenIds }
        if let p = padTokenId { o["pad_token_id"] = p }
        return o
    }
}

/// A JSON number that is a whole number a size or id can be (|v| < 2^53), else nil: JSON
/// numbers arrive as doubles, and converting 1e300 or 2.5 to Int would trap or truncate.
func exactInt(_ v: Any) -> Int? {
    guard let n = v as? NSNumber, !(v is Bool) else { return nil }
    let d = n.doubleValue
    guard d.isFinite, d == d.rounded(), abs(d) < 9_007_199_254_740_992 else { return nil }
    return Int(d)
}

extension Optional {
    /// The value, or the error when nil.
    func orThrow(_ error: @autoclosure () -> Error) throws -> Wrapped {
        guard let v = self else { throw error() }
        return v
    }
}
