import Foundation

/// PEFT's on-disk layout for adapters: adapter_config.json and adapter_model.safetensors with
/// `base_model.model.<module>.lora_A.weight` [r, in] and `.lora_B.weight` [out, r].
public enum LoRAFiles {
    static func key(_ s: LoRAAdapter.Slot, _ ab: String) -> String {
        "base_model.model.model.layers.\(s.layer).\(s.target.hfModule).lora_\(ab).weight"
    }

    public static func isAdapterDirectory(_ dir: String) -> Bool {
        FileManager.default.fileExists(atPath: dir + "/adapter_config.json")
    }

    public static func save(_ a: LoRAAdapter, to dir: String, baseModel: String) throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var refs: [SafetensorsTensorRef] = []
        let r = a.config.rank
        for s in a.slots {
            refs.append(.init(name: key(s, "A"), shape: [r, s.inDim], data: UnsafeBufferPointer(start: a.params.ptr + s.a, count: r * s.inDim)))
            refs.append(.init(name: key(s, "B"), shape: [s.outDim, r], data: UnsafeBufferPointer(start: a.params.ptr + s.b, count: r * s.outDim)))
        }
        try SafetensorsWriter.write(dir + "/adapter_model.safetensors", refs: refs, metadata: ["format": "pt"])
        let cfg: [String: Any] = [
            "peft_type": "LORA", "task_type": "CAUSAL_LM", "base_model_name_or_path": baseModel,
            "r": r, "lora_alpha": a.config.alpha, "lora_dropout": a.config.dropout,
            "target_modules": a.config.targets.map(\.peftName), "bias": "none", "fan_in_fan_out": false,
            "inference_mode": true, "init_lora_weights": true, "use_rslora": false, "use_dora": false,
        ]
        let data = try JSONSerialization.data(withJSONObject: cfg, options: [.prettyPrinted, .sortedKeys])
        try ArtifactFile.writeAtomically(dir + "/adapter_config.json", bytes: [UInt8](data), compress: false)
    }

    /// (the adapter's config, the base model path it names).
    public static func readConfig(_ dir: String) throws -> (LoRAConfig, String) {
        let path = dir + "/adapter_config.json"
        guard let d = FileManager.default.contents(atPath: path),
              let o = (try? JSONSerialization.jsonObject(with: d)) as? [String: Any] else {
            throw PrefkitError("\(path): missing or not JSON")
        }
        guard (o["peft_type"] as? String) == "LORA" else { throw PrefkitError("\(path): peft_type is not LORA") }
        // The rank sizes the adapter's buffers: bounded before anything is allocated from it.
        guard let r = o["r"].flatMap(exactInt), r > 0, r <= LoRAConfig.maxRank else {
            throw PrefkitError("\(path): \"r\" must be an integer in 1...\(LoRAConfig.maxRank)")
        }
        guard let alpha = (o["lora_alpha"] as? NSNumber)?.doubleValue, alpha.isFinite else {
            throw PrefkitError("\(path): \"lora_alpha\" must be a number")
        }
        try refuseUnsupportedPEFT(o, path: path)
        let names = (o["target_modules"] as? [String]) ?? []
        var targets: [LoRATarget] = []
        for n in names {
            guard let t = LoRATarget(name: n) else { throw PrefkitError("\(path): target module \(n) is not supported") }
            targets.append(t)
        }
        // Keep prefkit's canonical order so slots line up with the forward hooks.
        targets = LoRATarget.allCases.filter(targets.contains)
        var base = (o["base_model_name_or_path"] as? String) ?? ""
        // A relative base is relative to the adapter, unless it is a hub id (ORG/NAME) that
        // names no folder there: then HFCache resolves it when the base is loaded.
        if !base.isEmpty && !base.hasPrefix("/") {
            let beside = (dir as NSString).appendingPathComponent(base)
            if FileManager.default.fileExists(atPath: beside) || HFCache.parseRepoId(base) == nil { base = beside }
        }
        return (LoRAConfig(rank: r, alpha: alpha, dropout: (o["lora_dropout"] as? NSNumber)?.doubleValue ?? 0, targets: targets), base)
    }

    /// PEFT settings that change the math and that prefkit's LoRA does not implement.
    static func refuseUnsupportedPEFT(_ o: [String: Any], path: String) throws {
        func on(_ k: String) -> Bool { (o[k] as? Bool) == true }
        func nonEmpty(_ k: String) -> Bool {
            if let d = o[k] as? [String: Any] { return !d.isEmpty }
            if let a = o[k] as? [Any] { return !a.isEmpty }
            return o[k] != nil && !(o[k] is NSNull)
        }
        let refused: [(Bool, String)] = [
            (on("use_dora"), "\"use_dora\": DoRA adapters are not supported"),
            (on("use_rslora"), "\"use_rslora\": rsLoRA scaling (alpha/sqrt(r)) is not supported"),
            (on("lora_bias"), "\"lora_bias\": adapter biases are not supported"),
            (on("fan_in_fan_out"), "\"fan_in_fan_out\": transposed (Conv1D) weights are not supported"),
            (((o["bias"] as? String) ?? "none") != "none", "\"bias\": only \"none\" is supported (no bias training)"),
            (nonEmpty("rank_pattern"), "\"rank_pattern\": per-module ranks are not supported"),
            (nonEmpty("alpha_pattern"), "\"alpha_pattern\": per-module alphas are not supported"),
            (nonEmpty("layers_to_transform"), "\"layers_to_transform\": adapters on a subset of layers are not supported"),
            (nonEmpty("modules_to_save"), "\"modules_to_save\": fully trained extra modules are not supported"),
        ]
        if let why = refused.first(where: { $0.0 })?.1 { throw PrefkitError("\(path): \(why)") }
    }

    /// Loads the adapter for `model`; a tensor whose shape does not fit the model (an adapter
    /// trained on another base) is refused by name.
    public static func load(_ dir: String, for model: Transformer) throws -> LoRAAdapter {
        let (cfg, _) = try readConfig(dir)
        try cfg.validate()
        let a = LoRAAdapter(config: cfg, model: model.config, seed: 0)
        let file = try SafetensorsFile(path: dir + "/adapter_model.safetensors")
        var seen = Set<String>()
        for s in a.slots {
            for (ab, off, shape) in [("A", s.a, [cfg.rank, s.inDim]), ("B", s.b, [s.outDim, cfg.rank])] {
                let k = key(s, ab)
                guard let info = file.tensors[k] else { throw PrefkitError("\(dir): adapter tensor \(k) is missing") }
                guard info.shape == shape else {
                    throw PrefkitError("\(dir): adapter tensor \(k) has shape \(info.shape) but this base model needs \(shape): the adapter was trained on another base")
                }
                try file.readInto(k, a.params.ptr + off, count: shape[0] * shape[1])
                seen.insert(k)
            }
        }
        let extra = file.names.filter { !seen.contains($0) }
        if !extra.isEmpty { throw PrefkitError("\(dir): adapter tensors this base model has no place for: \(extra.prefix(4).joined(separator: ", "))") }
        return a
    }
}
