import Foundation

/// Loading and saving Hugging Face model directories: config.json plus one or more
/// safetensors shards. Every tensor is checked by name and shape; missing and unexpected
/// tensors are refused by name, so a wrong checkpoint never loads silently.
public enum Checkpoint {
    public enum Head: Equatable {
        /// A causal LM (LM head, tied or not).
        case lm
        /// A reward model: `score.weight` must be there.
        case score
        /// A reward model started from a causal LM: the LM head is dropped and the score
        /// head initialised (normal, std) when the checkpoint has none.
        case scoreFromAny(seed: UInt64, std: Float)
    }

    /// Keys some checkpoints carry that hold no parameters we need.
    static func ignorable(_ key: String, tied: Bool, head: Head) -> Bool {
        if key.hasSuffix("rotary_emb.inv_freq") { return true }
        if key == "lm_head.weight" && (tied || head != .lm) { return true }
        return false
    }

    public static func isRewardModel(_ configJSON: [String: Any]) -> Bool {
        ((configJSON["architectures"] as? [String]) ?? []).contains { $0.hasSuffix("ForSequenceClassification") }
    }

    /// `spec` is a directory, or ORG/NAME[@REVISION] in the Hugging Face cache (HFCache).
    /// `matrices` bf16/f16: the matrices are read straight into a half copy (Transformer.halfMatrices)
    /// and never into f32, so the model occupies half the memory (frozen uses only).
    public static func load(_ spec: String, head: Head = .lm, matrices: WeightsDType = .f32) throws -> Transformer {
        let dir = try HFCache.resolveModel(spec)
        let (config, json) = try ModelConfig.load(path: dir + "/config.json")
        let isRM = isRewardModel(json)
        if head == .lm && isRM {
            throw PrefkitError("\(dir): is a reward model (\((json["architectures"] as? [String])?.first ?? "")); a causal LM is needed here")
        }
        if head == .score && !isRM {
            throw PrefkitError("\(dir): is a causal LM, not a reward model (no *ForSequenceClassification in config.json architectures)")
        }
        if isRM, let n = (json["num_labels"] as? NSNumber)?.intValue ?? ((json["id2label"] as? [String: Any])?.count), n != 1 {
            throw PrefkitError("\(dir): reward model has num_labels \(n); only 1 (a scalar score) is supported")
        }
        let model = Transformer(config: config, withLMHead: head == .lm, withScoreHead: head != .lm, configJSON: json)
        let half = matrices == .f32 ? nil : HalfWeights(layout: model.layout, dtype: matrices)
        var loaded = Set<String>()
        var unexpected: [String] = []
        for shard in try shardPaths(dir) {
            let file = try SafetensorsFile(path: shard)
            for name in file.names {
                if ignorable(name, tied: config.tieWordEmbeddings, head: head) { continue }
                guard let e = model.layout.entry(name) else { unexpected.append(name); continue }
                let info = try file.info(name)
                guard info.shape == e.shape else {
                    throw PrefkitError("\(shard): tensor \(name) has shape \(info.shape), the config needs \(e.shape)")
                }
                if let half, HalfWeights.holds(e) {
                    try file.readHalf(name, half.ptr + e.offset, dtype: half.dtype, count: e.count)
                } else {
                    try file.readInto(name, model.params.ptr + e.offset, count: e.count)
                }
                loaded.insert(name)
            }
        }
        if !unexpected.isEmpty {
            throw PrefkitError("\(dir): unexpected tensors for this config: \(unexpected.sorted().prefix(8).joined(separator: ", "))\(unexpected.count > 8 ? " (+\(unexpected.count - 8) more)" : "")")
        }
        var missing = model.layout.entries.map(\.hfName).filter { !loaded.contains($0) }
        if let half { model.adoptHalfMatrices(half) }
        if case .scoreFromAny(let seed, let std) = head, missing == ["score.weight"] {
            var rng = SplitMix64(seed: seed)
            let e = model.layout.entry("score.weight")!
            for i in 0..<e.count { model.params[e.offset + i] = rng.nextGaussian() * std }
            missing = []
        }
        if !missing.isEmpty {
            throw PrefkitError("\(dir): missing tensors: \(missing.prefix(8).joined(separator: ", "))\(missing.count > 8 ? " (+\(missing.count - 8) more)" : "")")
        }
        try checkFinite(model, source: dir)
        return model
    }

    /// Half-precision checkpoints can hold inf/NaN that fp32 math would spread silently.
    /// In a half copy, f16 overflow (|w| > 65504) shows as inf.
    static func checkFinite(_ model: Transformer, source: String) throws {
        if let h = model.halfMatrices, let (e, i) = h.firstNonFinite(model.layout) {
            throw PrefkitError("\(source): tensor \(e.hfName) holds a value at index \(i) that is not finite in \(h.dtype.rawValue)"
                               + (h.dtype == .f16 ? " (f16 holds at most ±65504: try bf16)" : ""))
        }
        for e in model.layout.entries where model.halfMatrices == nil || !HalfWeights.holds(e) {
            let p = model.params.ptr + e.offset
            for i in 0..<e.count where !p[i].isFinite {
                throw PrefkitError("\(source): tensor \(e.hfName) holds a non-finite value at index \(i)")
            }
        }
    }

    /// model.safetensors, the shards named by model.safetensors.index.json, or (.zst) variants.
    public static func shardPaths(_ dir: String) throws -> [String] {
        let fm = FileManager.default
        let index = dir + "/model.safetensors.index.json"
        if fm.fileExists(atPath: index) {
            guard let data = fm.contents(atPath: index),
                  let obj = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
                  let map = obj["weight_map"] as? [String: String] else {
                throw PrefkitError("\(index): not a safetensors index (no weight_map)")
            }
            return Set(map.values).sorted().map { dir + "/" + $0 }
        }
        for name in ["model.safetensors", "model.safetensors.zst"] where fm.fileExists(atPath: dir + "/" + name) {
            return [dir + "/" + name]
        }
        throw PrefkitError("\(dir): no model.safetensors or model.safetensors.index.json found")
    }

    /// Writes config.json and model.safetensors (F32, or every tensor narrowed to `dtype` as Hub
    /// checkpoints often are; HF names) so transformers loads them.
    public static func save(_ model: Transformer, to dir: String, extraConfig: [String: Any] = [:],
                            dtype: WeightsDType = .f32) throws {
        guard model.halfMatrices == nil else {
            throw PrefkitError("\(dir): this model's matrices are held in \(model.matricesDType.rawValue) only (frozen weights); "
                               + "it is not saved from memory")
        }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var arch: String? = nil
        var base = model.configJSON
        if model.hasScoreHead {
            arch = DecoderArchitectures.of(model.config).rewardModelClass
            base["num_labels"] = 1
            base["id2label"] = ["0": "LABEL_0"]
            base["label2id"] = ["LABEL_0": 0]
        }
        var cfg = model.config.jsonObject(base: base, architecture: arch)
        for (k, v) in extraConfig { cfg[k] = v }
        try ArtifactFile.writeAtomically(dir + "/config.json", bytes: try TypedJSONWriter.data(cfg), compress: false)
        let refs = model.layout.entries.map {
            SafetensorsTensorRef(name: $0.hfName, shape: $0.shape,
                                 data: UnsafeBufferPointer(start: model.params.ptr + $0.offset, count: $0.count))
        }
        try SafetensorsWriter.write(dir + "/model.safetensors", refs: refs, metadata: ["format": "pt"], dtype: dtype)
        // A stale index would point transformers at old shards.
        try? FileManager.default.removeItem(atPath: dir + "/model.safetensors.index.json")
    }
}
