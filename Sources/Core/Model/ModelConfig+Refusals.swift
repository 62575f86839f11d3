import Foundation

/// `config.json` fields that change the math, checked before anything is allocated: a value
/// prefkit does not implement is refused by name, never ignored. Fields that only describe
/// (architectures, transformers_version, use_cache, initializer_range, max_window_layers when
/// no sliding window is on, pretraining_tp, which HF only uses to split the same products) pass.
/// What a family implements (Mistral's and Gemma's windows, Gemma's caps) its
/// `DecoderArchitecture.configure` reads; the activation and RoPE are checked where parsed.
extension ModelConfig {
    /// One field and the rule its value must meet; `why` finishes "… is not supported: ".
    struct FieldRule {
        let key: String
        let accepts: (Any) -> Bool
        let why: String
    }

    /// Rules for every supported model_type, then per type.
    static func fieldRules(modelType: String) -> [FieldRule] {
        let gemma = modelType == Gemma3Text.modelType
        var rules: [FieldRule] = [
            FieldRule(key: "mlp_bias", accepts: isFalse, why: "gate/up/down projections have no bias here"),
            FieldRule(key: "attention_dropout", accepts: isZero,
                      why: "prefkit trains without dropout, as TRL's DPO and reward trainers do (disable_dropout); set it to 0.0 to train so"),
            FieldRule(key: "partial_rotary_factor", accepts: isOne, why: "RoPE rotates the whole head"),
            FieldRule(key: "use_qk_norm", accepts: isFalse, why: "this family's q/k norms are not implemented"),
            FieldRule(key: "qk_layernorm", accepts: isFalse, why: "this family's q/k norms are not implemented"),
            FieldRule(key: "use_bidirectional_attention", accepts: isFalse, why: "attention is causal"),
            FieldRule(key: "quantization_config", accepts: isNull, why: "quantized weights are not read (use a float32/bf16/fp16 checkpoint)"),
            FieldRule(key: "num_local_experts", accepts: isZero, why: "mixture-of-experts layers are not implemented"),
            FieldRule(key: "num_experts", accepts: isZero, why: "mixture-of-experts layers are not implemented"),
            FieldRule(key: "embedding_multiplier", accepts: isOne, why: "embeddings are not scaled"),
            FieldRule(key: "logits_scaling", accepts: isOne, why: "logits are not scaled"),
            FieldRule(key: "residual_multiplier", accepts: isOne, why: "residuals are not scaled"),
            FieldRule(key: "attention_multiplier", accepts: isNull, why: "queries are scaled by 1/sqrt(head_dim)"),
            // Qwen2/Qwen3's windows (use_sliding_window with max_window_layers) are not implemented.
            FieldRule(key: "use_sliding_window", accepts: isFalse, why: "Qwen's sliding-window layers are not implemented"),
            FieldRule(key: "attention_bias", accepts: isFalse,
                      why: "an attention bias on every projection (o_proj included) is not implemented"),
        ]
        if !gemma {
            // The families below implement these only as Gemma defines them; HF's Llama,
            // Qwen and Mistral classes do not read them, so a value here would mean another model.
            rules += [
                FieldRule(key: "attn_logit_softcapping", accepts: isNull, why: "attention soft-capping is Gemma's, not this family's"),
                FieldRule(key: "final_logit_softcapping", accepts: isNull, why: "final soft-capping is Gemma's, not this family's"),
                FieldRule(key: "query_pre_attn_scalar", accepts: isNull, why: "queries are scaled by 1/sqrt(head_dim) in this family"),
                FieldRule(key: "layer_types", accepts: { v in (v as? [Any])?.allSatisfy { ($0 as? String) == "full_attention" } ?? false },
                          why: "every layer must be full_attention in this family"),
            ]
        }
        return rules
    }

    /// Throws on the first field whose value is not one prefkit implements.
    static func refuseUnsupported(_ o: [String: Any], modelType: String, source: String) throws {
        for rule in fieldRules(modelType: modelType) {
            guard let value = o[rule.key], !rule.accepts(value) else { continue }
            throw PrefkitError("\(source): \"\(rule.key)\": \(describe(value)) is not supported: \(rule.why)")
        }
    }

    static func describe(_ v: Any) -> String {
        if v is NSNull { return "null" }
        if let s = v as? String { return "\"\(s)\"" }
        if let d = try? JSONSerialization.data(withJSONObject: v, options: [.fragmentsAllowed, .sortedKeys]),
           let s = String(data: d, encoding: .utf8) {
            return s
        }
        return "\(v)"
    }
}

// Value tests shared by the rules. JSON null arrives as NSNull; booleans and numbers as NSNumber.
private func isNull(_ v: Any) -> Bool { v is NSNull }
private func isFalse(_ v: Any) -> Bool { isNull(v) || (v as? Bool) == false }
private func isZero(_ v: Any) -> Bool { isNull(v) || (v as? NSNumber)?.doubleValue == 0 }
private func isOne(_ v: Any) -> Bool { isNull(v) || (v as? NSNumber)?.doubleValue == 1 }
