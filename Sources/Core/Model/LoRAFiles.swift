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
        guard let r = (o["r"] as? NSNumber)?.intValue, let alpha = (o["lora_alpha"] as? NSNumber)?.doubleValue else {
            throw PrefkitError("\(path): needs numeric r and lora_alpha")
        }
        if (o["use_dora"] as? Bool) == true || (o["use_rslora"] as? Bool) == true {
            throw PrefkitError("\(path): DoRA / rsLoRA adapters are not supported")
        }
        let names = (o["target_modules"] as? [String]) ?? []
        var targets: [LoRATarget] = []
        for n in names {
            guard let t = LoRATarget(name: n) else { throw PrefkitError("\(path): target module \(n) is not supported") }
            targets.append(t)
        }
        // Keep prefkit's canonical order so slots line up with the forward hooks.
        targets = LoRATarget.allCases.filter(targets.contains)
        var base = (o["base_model_name_or_path"] as? String) ?? ""
        if !base.isEmpty && !base.hasPrefix("/") { base = (dir as NSString).appendingPathComponent(base) }
        return (LoRAConfig(rank: r, alpha: alpha, dropout: (o["lora_dropout"] as? NSNumber)?.doubleValue ?? 0, targets: targets), base)
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
