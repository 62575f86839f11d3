import Foundation

/// `config.json` fields that change the math, checked before anything is allocated: a value
/// prefkit does not implement is refused by name, never ignored. Fields that only describe
/// (architectures, transformers_version, use_cache, initializer_range, max_window_layers when
/// no sliding window is on, pretraining_tp, which HF only uses to split the same products) pass.
extension ModelConfig {
    /// One field and the rule its value must meet; `why` finishes "… is not supported: ".
    struct FieldRule {
        let key: String
        let accepts: (Any) -> Bool
        let why: String
    }

    /// Rules for every supported model_type, then per type.
    static func fieldRules(modelType: String, maxPositions: Int) -> [FieldRule] {
        var rules: [FieldRule] = [
            FieldRule(key: "hidden_act", accepts: { ["silu", "swish"].contains($0 as? String ?? "") },
                      why: "the MLP is SwiGLU with SiLU"),
            FieldRule(key: "hidden_activation", accepts: { ["silu", "swish"].contains($0 as? String ?? "") },
                      why: "the MLP is SwiGLU with SiLU"),
            FieldRule(key: "mlp_bias", accepts: isFalse, why: "gate/up/down projections have no bias here"),
            FieldRule(key: "attention_dropout", accepts: isZero,
                      why: "prefkit trains without dropout, as TRL's DPO and reward trainers do (disable_dropout); set it to 0.0 to train so"),
            FieldRule(key: "partial_rotary_factor", accepts: isOne, why: "RoPE rotates the whole head"),
            FieldRule(key: "use_sliding_window", accepts: isFalse, why: "sliding-window attention is not implemented"),
            FieldRule(key: "layer_types", accepts: { v in (v as? [Any])?.allSatisfy { ($0 as? String) == "full_attention" } ?? false },
                      why: "every layer must be full_attention (sliding-window attention is not implemented)"),
            FieldRule(key: "attn_logit_softcapping", accepts: isNull, why: "attention logit soft-capping is not implemented"),
            FieldRule(key: "final_logit_softcapping", accepts: isNull, why: "final logit soft-capping is not implemented"),
            FieldRule(key: "query_pre_attn_scalar", accepts: isNull, why: "queries are scaled by 1/sqrt(head_dim)"),
            FieldRule(key: "use_qk_norm", accepts: isFalse, why: "q/k norms are not implemented"),
            FieldRule(key: "qk_layernorm", accepts: isFalse, why: "q/k norms are not implemented"),
            FieldRule(key: "use_bidirectional_attention", accepts: isFalse, why: "attention is causal"),
            FieldRule(key: "quantization_config", accepts: isNull, why: "quantized weights are not read (use a float32/bf16/fp16 checkpoint)"),
            FieldRule(key: "num_local_experts", accepts: isZero, why: "mixture-of-experts layers are not implemented"),
            FieldRule(key: "num_experts", accepts: isZero, why: "mixture-of-experts layers are not implemented"),
            FieldRule(key: "embedding_multiplier", accepts: isOne, why: "embeddings are not scaled"),
            FieldRule(key: "logits_scaling", accepts: isOne, why: "logits are not scaled"),
            FieldRule(key: "residual_multiplier", accepts: isOne, why: "residuals are not scaled"),
            FieldRule(key: "attention_multiplier", accepts: isNull, why: "queries are scaled by 1/sqrt(head_dim)"),
        ]
        switch modelType {
        case "llama":
            // HF's LlamaAttention gives o_proj a bias too when attention_bias is set.
            rules.append(FieldRule(key: "attention_bias", accepts: isFalse,
                                   why: "Llama's attention_bias adds an o_proj bias, which is not implemented"))
        case "mistral":
            // A window at least as long as any sequence the model can see never cuts anything.
            rules.append(FieldRule(key: "sliding_window", accepts: { v in isNull(v) || ((v as? NSNumber)?.intValue ?? 0) >= maxPositions },
                                   why: "sliding-window attention is not implemented (a window shorter than max_position_embeddings changes the math)"))
        default:
            break
        }
        return rules
    }

    /// Throws on the first field whose value is not one prefkit implements.
    static func refuseUnsupported(_ o: [String: Any], modelType: String, source: String) throws {
        let maxPositions = (o["max_position_embeddings"] as? NSNumber)?.intValue ?? 2048
        for rule in fieldRules(modelType: modelType, maxPositions: maxPositions) {
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
