import Foundation

/// A decoder's shape and the small named ways the families differ (norm style, q/k norms,
/// activation, RoPE per layer type, sliding windows, soft-capping, embedding scale), read
/// from a Hugging Face `config.json` by the family's `DecoderArchitecture`. Unknown keys are
/// kept so a saved config round-trips what the user brought.
public struct ModelConfig: Equatable {
    public var modelType: String            // a DecoderArchitecture's model_type: "llama", "gemma3_text", …
    public var vocabSize: Int
    public var hiddenSize: Int
    public var intermediateSize: Int
    public var numLayers: Int
    public var numHeads: Int
    public var numKVHeads: Int
    public var headDim: Int
    public var rmsNormEps: Float
    /// RoPE of full-attention layers (every layer unless `layerTypes` says otherwise).
    public var rope: RopeSpec
    public var maxPositionEmbeddings: Int
    public var tieWordEmbeddings: Bool
    public var attentionBias: Bool          // q/k/v bias: Qwen2 always, Llama when attention_bias
    public var bosTokenId: Int?
    public var eosTokenIds: [Int]
    public var padTokenId: Int?

    // What the families beyond Llama change; the defaults are Llama's.
    /// The gated MLP's activation (`hidden_act` / `hidden_activation`).
    public var hiddenActivation: GateActivation = .silu
    /// 1 for Gemma's norms, which multiply by (1 + w); 0 for Llama's (w).
    public var normWeightOffset: Float = 0
    /// Embeddings are multiplied by this (Gemma: √hidden, rounded to float32 as HF does).
    public var embeddingScale: Float = 1
    /// Queries are scaled by 1/√queryPreAttnScalar; nil: 1/√head_dim.
    public var queryPreAttnScalar: Double?
    public var attnLogitSoftcap: Float?
    public var finalLogitSoftcap: Float?
    /// Keys a sliding-window layer sees (HF `sliding_window`); nil: no sliding layers.
    public var slidingWindow: Int?
    /// Per layer, whether it slides; empty: every layer is full attention, or every layer
    /// slides when `slidingWindow` is set (Mistral).
    public var layerTypes: [LayerType] = []
    /// RoPE of sliding-window layers when it differs from `rope` (Gemma 3's local base).
    public var localRope: RopeSpec?

    public enum LayerType: String, Equatable, Sendable {
        case full = "full_attention"
        case sliding = "sliding_attention"
    }

    public var ropeTheta: Double {
        get { rope.theta }
        set { rope.theta = newValue }
    }

    public init(modelType: String = "qwen2", vocabSize: Int, hiddenSize: Int, intermediateSize: Int,
                numLayers: Int, numHeads: Int, numKVHeads: Int, headDim: Int? = nil,
                rmsNormEps: Float = 1e-6, ropeTheta: Double = 1_000_000, maxPositionEmbeddings: Int = 2048,
                tieWordEmbeddings: Bool = true, attentionBias: Bool? = nil,
                bosTokenId: Int? = nil, eosTokenIds: [Int] = [], padTokenId: Int? = nil) {
        self.modelType = modelType
        self.vocabSize = vocabSize; self.hiddenSize = hiddenSize; self.intermediateSize = intermediateSize
        self.numLayers = numLayers; self.numHeads = numHeads; self.numKVHeads = numKVHeads
        self.headDim = headDim ?? hiddenSize / numHeads
        self.rmsNormEps = rmsNormEps
        self.rope = RopeSpec(theta: ropeTheta)
        self.maxPositionEmbeddings = maxPositionEmbeddings; self.tieWordEmbeddings = tieWordEmbeddings
        self.attentionBias = attentionBias ?? (modelType == "qwen2")
        self.bosTokenId = bosTokenId; self.eosTokenIds = eosTokenIds; self.padTokenId = padTokenId
    }

    /// Whether layer l uses the sliding window.
    public func isSliding(_ l: Int) -> Bool {
        guard slidingWindow != nil else { return false }
        if layerTypes.isEmpty { return true }
        return layerTypes[l] == .sliding
    }

    /// Scale, window and cap of layer l's attention.
    public func attentionParams(layer l: Int) -> AttentionParams {
        let scale = Float(1 / (queryPreAttnScalar ?? Double(headDim)).squareRoot())
        return AttentionParams(scale: scale, window: isSliding(l) ? slidingWindow : nil, softcap: attnLogitSoftcap)
    }

    /// Which RoPE table layer l reads: 0 = `rope`, 1 = `localRope`.
    public func ropeIndex(layer l: Int) -> Int {
        localRope != nil && isSliding(l) ? 1 : 0
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
        try need(rope.theta > 0 && rope.theta.isFinite, "rope_theta must be a positive number")
        try need(localRope.map { $0.theta > 0 && $0.theta.isFinite } ?? true, "the sliding layers' rope_theta must be a positive number")
        try need(layerTypes.isEmpty || layerTypes.count == numLayers,
                 "layer_types has \(layerTypes.count) entries for \(numLayers) layers")
        try need(slidingWindow.map { $0 > 0 } ?? true, "sliding_window must be a positive size")
        try need(queryPreAttnScalar.map { $0 > 0 && $0.isFinite } ?? true, "query_pre_attn_scalar must be a positive number")
        for (name, cap) in [("attn_logit_softcapping", attnLogitSoftcap), ("final_logit_softcapping", finalLogitSoftcap)] {
            try need(cap.map { $0 > 0 && $0.isFinite } ?? true, "\(name) must be a positive number or null")
        }
        try need(maxPositionEmbeddings > 0 && maxPositionEmbeddings < 1 << 24,
                 "max_position_embeddings (\(maxPositionEmbeddings)) must be a positive size below 16777216")
        let perLayer = Double(qDim) * 2 + Double(kvDim) * 2 + Double(intermediateSize) * 3
        let params = Double(vocabSize) * Double(hiddenSize) * 2 + Double(numLayers) * Double(hiddenSize) * perLayer
        try need(params < 2e10, String(format: "a model of %.3g parameters does not fit in memory here", params))
    }
}

extension ModelConfig {
    /// Parses a HF config.json. Accepts both the transformers-5 layout
    /// (`rope_parameters`, `dtype`) and the hub's older top-level `rope_theta`/`rope_scaling`.
    public static func load(path: String) throws -> (ModelConfig, [String: Any]) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PrefkitError("\(path): cannot read model config")
        }
        guard let obj = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw PrefkitError("\(path): not a JSON object")
        }
        return (try parse(obj, source: path), obj)
    }

    /// The fields every family shares, then the family's own (`DecoderArchitecture.configure`).
    public static func parse(_ o: [String: Any], source: String) throws -> ModelConfig {
        let json = HFConfigJSON(o, source: source)
        let type = (o["model_type"] as? String) ?? "llama"
        guard let arch = DecoderArchitectures.named(type) else {
            let known = DecoderArchitectures.modelTypes.joined(separator: ", ")
            throw PrefkitError("\(source): model_type \"\(type)\" is not supported (\(known))")
        }
        try refuseUnsupported(o, modelType: type, source: source)
        let heads = try json.int("num_attention_heads")
        let hidden = try json.int("hidden_size")
        var eos: [Int] = []
        // eos_token_id: one id or a list of them.
        let eosError = PrefkitError("\(source): \"eos_token_id\" must be an integer or a list of integers")
        if let e = o["eos_token_id"] as? NSNumber {
            eos = [try exactInt(e).orThrow(eosError)]
        }
        if let e = o["eos_token_id"] as? [Any] {
            eos = try e.map { try exactInt($0).orThrow(eosError) }
        }
        var cfg = ModelConfig(
            modelType: type, vocabSize: try json.int("vocab_size"), hiddenSize: hidden,
            intermediateSize: try json.int("intermediate_size"), numLayers: try json.int("num_hidden_layers"),
            numHeads: heads, numKVHeads: try json.optInt("num_key_value_heads") ?? heads,
            headDim: try json.optInt("head_dim") ?? hidden / max(1, heads),
            rmsNormEps: Float(try json.optDouble("rms_norm_eps") ?? 1e-6),
            maxPositionEmbeddings: try json.optInt("max_position_embeddings") ?? 2048,
            tieWordEmbeddings: try json.optBool("tie_word_embeddings") ?? false, attentionBias: false,
            bosTokenId: try json.optInt("bos_token_id"), eosTokenIds: eos, padTokenId: try json.optInt("pad_token_id"))
        let actKey = json.has("hidden_activation") ? "hidden_activation" : "hidden_act"
        if let name = try json.optString(actKey) {
            guard let act = GateActivation(hfName: name) else {
                throw PrefkitError("\(source): \"\(actKey)\": \"\(name)\" is not supported (silu, gelu_pytorch_tanh)")
            }
            cfg.hiddenActivation = act
        }
        try readRope(json, into: &cfg)
        try arch.configure(&cfg, json)
        try cfg.validate(source: source)
        return cfg
    }

    /// `rope_parameters` (transformers 5; one object, or one per layer type) or the hub's
    /// `rope_theta` with `rope_scaling`.
    static func readRope(_ json: HFConfigJSON, into cfg: inout ModelConfig) throws {
        let topTheta = try json.optDouble("rope_theta")
        // A file with both spellings must say the same thing in both.
        let legacy = try json.optObject("rope_scaling")?.ropeSpec(defaultTheta: topTheta ?? 10_000)
        if let rp = try json.optObject("rope_parameters") {
            if let full = try rp.optObject(LayerType.full.rawValue) {
                cfg.rope = try full.ropeSpec(defaultTheta: topTheta)
                cfg.localRope = try rp.optObject(LayerType.sliding.rawValue)?.ropeSpec(defaultTheta: nil)
            } else {
                cfg.rope = try rp.ropeSpec(defaultTheta: topTheta ?? 10_000)
            }
            if let legacy, legacy != cfg.rope {
                throw PrefkitError("\(json.source): \"rope_scaling\" and \"rope_parameters\" describe different RoPE; keep one")
            }
            return
        }
        cfg.rope = try json.optObject("rope_scaling")?.ropeSpec(defaultTheta: topTheta ?? 10_000)
            ?? RopeSpec(theta: topTheta ?? 10_000)
    }

    /// The HF config.json for this shape, over `base` (the keys the user's file had).
    public func jsonObject(base: [String: Any] = [:], architecture: String? = nil) -> [String: Any] {
        var o = base
        o["architectures"] = [architecture ?? DecoderArchitectures.of(self).causalLMClass]
        o["model_type"] = modelType
        o["vocab_size"] = vocabSize; o["hidden_size"] = hiddenSize; o["intermediate_size"] = intermediateSize
        o["num_hidden_layers"] = numLayers; o["num_attention_heads"] = numHeads; o["num_key_value_heads"] = numKVHeads
        if headDim != hiddenSize / numHeads || base["head_dim"] != nil { o["head_dim"] = headDim }
        o["rms_norm_eps"] = Double(rmsNormEps); o["max_position_embeddings"] = maxPositionEmbeddings
        o["tie_word_embeddings"] = tieWordEmbeddings
        o[base["hidden_activation"] != nil ? "hidden_activation" : "hidden_act"] = hiddenActivation.rawValue
        if modelType == Llama.modelType || modelType == Mistral.modelType { o["attention_bias"] = attentionBias }
        // A plain RoPE is written in both spellings so old and new transformers read it; a
        // scaled or per-layer-type one stays as the user's file had it (it was read from there).
        if rope.scaling == .none && localRope == nil {
            o["rope_theta"] = rope.theta
            o["rope_parameters"] = ["rope_theta": rope.theta, "rope_type": "default"] as [String: Any]
        }
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
    guard let n = v as? NSNumber, !isJSONBool(v) else { return nil }
    let d = n.doubleValue
    guard d.isFinite, d == d.rounded(), abs(d) < 9_007_199_254_740_992 else { return nil }
    return Int(d)
}

/// Whether a JSONSerialization value is true/false. `v is Bool` cannot tell: on Linux the
/// NSNumbers 1 and 1.0 pass it too (and a Gemma config's `num_key_value_heads: 1` was refused).
func isJSONBool(_ v: Any) -> Bool {
    if type(of: v) == Bool.self { return true }
    return type(of: v) == jsonBoolType
}

private let jsonBoolType = type(of: NSNumber(value: true) as Any)

extension Optional {
    /// The value, or the error when nil.
    func orThrow(_ error: @autoclosure () -> Error) throws -> Wrapped {
        guard let v = self else { throw error() }
        return v
    }
}
