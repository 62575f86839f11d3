import Core
import Foundation
import XCTest

/// config.json values that change the math and are not implemented are refused by name; the
/// fixture configs (what transformers writes for the supported families) load as they are.
final class ConfigRefusalTests: XCTestCase {
    func fixtureConfig(_ family: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: fixturesDir() + "/\(family)/config.json"))
        return try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    func testFixtureConfigsLoad() throws {
        for family in ["qwen2-tiny", "llama-tiny"] {
            XCTAssertNoThrow(try ModelConfig.parse(try fixtureConfig(family), source: family))
        }
    }

    /// (family, field, value, the words the error must contain).
    let refused: [(String, String, Any, String)] = [
        ("llama-tiny", "hidden_act", "gelu", "\"hidden_act\": \"gelu\" is not supported"),
        ("llama-tiny", "mlp_bias", true, "\"mlp_bias\""),
        ("llama-tiny", "attention_bias", true, "o_proj"),
        ("llama-tiny", "rope_scaling", ["rope_type": "yarn", "factor": 4.0], "rope type \"yarn\" is not supported"),
        ("llama-tiny", "rope_parameters", ["rope_type": "dynamic", "rope_theta": 10000.0], "rope type \"dynamic\""),
        ("llama-tiny", "rope_scaling", ["rope_type": "llama3", "factor": 8.0], "needs \"low_freq_factor\""),
        ("llama-tiny", "attention_dropout", 0.1, "\"attention_dropout\": 0.1"),
        ("llama-tiny", "partial_rotary_factor", 0.5, "\"partial_rotary_factor\""),
        ("llama-tiny", "attn_logit_softcapping", 50.0, "soft-capping"),
        ("llama-tiny", "final_logit_softcapping", 30.0, "soft-capping"),
        ("llama-tiny", "query_pre_attn_scalar", 256, "\"query_pre_attn_scalar\""),
        ("llama-tiny", "quantization_config", ["quant_method": "gptq"], "quantized weights"),
        ("llama-tiny", "num_local_experts", 8, "mixture-of-experts"),
        ("llama-tiny", "use_qk_norm", true, "q/k norms"),
        ("llama-tiny", "logits_scaling", 8.0, "\"logits_scaling\""),
        ("qwen2-tiny", "use_sliding_window", true, "sliding-window"),
        ("qwen2-tiny", "layer_types", ["full_attention", "sliding_attention"], "\"layer_types\""),
    ]

    func testUnimplementedValuesAreRefusedByName() throws {
        for (family, key, value, words) in refused {
            var o = try fixtureConfig(family)
            o[key] = value
            XCTAssertThrowsError(try ModelConfig.parse(o, source: "cfg.json"), "\(key) = \(value)") { e in
                let msg = (e as? PrefkitError)?.message ?? "\(e)"
                XCTAssert(msg.hasPrefix("cfg.json: "), msg)
                XCTAssert(msg.contains(words), "\(key): \(msg)")
            }
        }
    }

    /// Values that say "off" in any spelling HF writes pass: null, false, 0, 1.0 multipliers.
    func testDefaultsInAnySpellingPass() throws {
        let accepted: [(String, Any)] = [("hidden_act", "silu"), ("mlp_bias", false), ("attention_dropout", 0),
                                         ("partial_rotary_factor", 1.0), ("attn_logit_softcapping", NSNull()),
                                         ("quantization_config", NSNull()), ("num_local_experts", 0), ("use_sliding_window", false),
                                         ("sliding_window", NSNull()), ("logits_scaling", 1)]
        for (key, value) in accepted {
            var o = try fixtureConfig("llama-tiny")
            o[key] = value
            XCTAssertNoThrow(try ModelConfig.parse(o, source: "cfg.json"), "\(key) = \(value)")
        }
    }

    /// Mistral: `sliding_window` is read (every layer slides); Mistral has no q/k/v biases.
    func testMistralSlidingWindow() throws {
        var o = try fixtureConfig("llama-tiny")
        o["model_type"] = "mistral"
        o.removeValue(forKey: "attention_bias")
        o.removeValue(forKey: "mlp_bias")
        o["max_position_embeddings"] = 4096
        o["sliding_window"] = 4096
        let c = try ModelConfig.parse(o, source: "m.json")
        XCTAssertFalse(c.attentionBias)
        o["sliding_window"] = 1024
        let windowed = try ModelConfig.parse(o, source: "m.json")
        XCTAssertEqual(windowed.attentionParams(layer: 1).window, 1024)
        o["sliding_window"] = 0
        XCTAssertThrowsError(try ModelConfig.parse(o, source: "m.json"))
    }

    /// Llama 3.1's rope_scaling in both layouts.
    func testLlama3RopeScaling() throws {
        var o = try fixtureConfig("llama-tiny")
        let scaling: [String: Any] = ["rope_type": "llama3", "factor": 32.0, "low_freq_factor": 1.0,
                                      "high_freq_factor": 4.0, "original_max_position_embeddings": 8192]
        o.removeValue(forKey: "rope_parameters")
        o["rope_theta"] = 500_000.0
        o["rope_scaling"] = scaling
        let old = try ModelConfig.parse(o, source: "old.json")
        o.removeValue(forKey: "rope_scaling")
        o.removeValue(forKey: "rope_theta")
        o["rope_parameters"] = scaling.merging(["rope_theta": 500_000.0]) { a, _ in a }
        let new = try ModelConfig.parse(o, source: "new.json")
        XCTAssertEqual(old.rope, new.rope)
        XCTAssertEqual(new.rope, RopeSpec(theta: 500_000, scaling: .llama3(factor: 32, lowFreqFactor: 1, highFreqFactor: 4,
                                                                          originalMaxPositions: 8192)))
    }
}

/// Saved config.json files keep float fields floats (transformers 5 refuses `5` where its
/// config class declares a float).
final class ConfigWriteTests: XCTestCase {
    func testFloatFieldsStayFloats() throws {
        let model = try Checkpoint.load(fixturesDir() + "/gemma3-tiny")
        let out = NSTemporaryDirectory() + "prefkit-cfgwrite-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: out) }
        try Checkpoint.save(model, to: out)
        let text = try String(contentsOfFile: out + "/config.json", encoding: .utf8)
        for expected in ["\"final_logit_softcapping\": 5.0", "\"attention_dropout\": 0.0", "\"rope_theta\": 1000000.0",
                         "\"num_key_value_heads\": 1", "\"tie_word_embeddings\": true", "\"bos_token_id\": null"] {
            XCTAssert(text.contains(expected), "config.json lacks \(expected):\n\(text)")
        }
        XCTAssertEqual(try Checkpoint.load(out).config, model.config)
    }
}
