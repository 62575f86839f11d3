import Foundation

/// Checkpoints as directories `checkpoint-STEP/` under the output: the model (HF layout,
/// usable as is) plus `train_state.safetensors` (trained parameters and both AdamW moments,
/// exact) and `trainer_state.json`. Written under a temporary name and renamed, so a kill
/// at any moment leaves the previous checkpoint whole.
public enum TrainerCheckpoint {
    public static func name(step: Int) -> String { "checkpoint-\(step)" }

    public static func save(outDir: String, step: Int, objective: TrainObjective, optimizer: AdamW,
                            state: [String: Any], keep: Int = 1) throws {
        let fm = FileManager.default
        let final = outDir + "/" + name(step: step)
        let tmp = outDir + "/.tmp-\(name(step: step))-\(getpid())"
        try? fm.removeItem(atPath: tmp)
        try fm.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        do {
            try objective.saveModel(to: tmp, provenance: ["checkpoint_step": step])
            let p = objective.trainParams
            try SafetensorsWriter.write(tmp + "/train_state.safetensors", refs: [
                SafetensorsTensorRef(name: "params", shape: [p.count], data: UnsafeBufferPointer(p.buffer)),
                SafetensorsTensorRef(name: "adam_m", shape: [p.count], data: UnsafeBufferPointer(optimizer.m.buffer)),
                SafetensorsTensorRef(name: "adam_v", shape: [p.count], data: UnsafeBufferPointer(optimizer.v.buffer)),
            ], metadata: ["step": String(step), "adam_step": String(optimizer.step)])
            var st = state
            st["step"] = step
            st["adam_step"] = optimizer.step
            let data = try JSONSerialization.data(withJSONObject: st, options: [.prettyPrinted, .sortedKeys])
            // trainer_state.json is written last: its presence marks a complete checkpoint.
            try ArtifactFile.writeAtomically(tmp + "/trainer_state.json", bytes: [UInt8](data), compress: false)
            try? fm.removeItem(atPath: final)
            try fm.moveItem(atPath: tmp, toPath: final)
        } catch {
            try? fm.removeItem(atPath: tmp)
            throw error
        }
        // Older checkpoints and leftovers of killed writes go only after the new one is in place.
        // Each old one is first renamed out of the checkpoint-N namespace: a kill during the
        // recursive delete then leaves a .tmp- leftover, never a checkpoint-N missing its weights.
        let all = completeCheckpoints(outDir)
        for (s, path) in all.dropLast(keep) where s != step {
            let doomed = outDir + "/.tmp-\(name(step: s))-old-\(getpid())"
            if (try? fm.moveItem(atPath: path, toPath: doomed)) != nil { try? fm.removeItem(atPath: doomed) }
        }
        for f in (try? fm.contentsOfDirectory(atPath: outDir)) ?? [] where f.hasPrefix(".tmp-checkpoint-") {
            try? fm.removeItem(atPath: outDir + "/" + f)
        }
    }

    /// Complete checkpoints (those with trainer_state.json), oldest first.
    public static func completeCheckpoints(_ outDir: String) -> [(Int, String)] {
        let fm = FileManager.default
        let names = (try? fm.contentsOfDirectory(atPath: outDir)) ?? []
        return names.compactMap { n -> (Int, String)? in
            guard n.hasPrefix("checkpoint-"), let s = Int(n.dropFirst("checkpoint-".count)) else { return nil }
            let path = outDir + "/" + n
            return fm.fileExists(atPath: path + "/trainer_state.json") ? (s, path) : nil
        }.sorted { $0.0 < $1.0 }
    }

    /// Restores parameters and optimizer state; returns the checkpoint's trainer state.
    public static func restore(_ path: String, objective: TrainObjective, optimizer: AdamW) throws -> [String: Any] {
        guard let data = FileManager.default.contents(atPath: path + "/trainer_state.json"),
              let st = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
              let adamStep = st["adam_step"] as? Int else {
            throw PrefkitError("\(path): trainer_state.json is missing or unreadable")
        }
        let f = try SafetensorsFile(path: path + "/train_state.safetensors")
        let p = objective.trainParams
        for (name, buf) in [("params", p), ("adam_m", optimizer.m), ("adam_v", optimizer.v)] {
            let info = try f.info(name)
            guard info.shape == [buf.count] else {
                throw PrefkitError("\(path): \(name) holds \(info.shape) values, this run trains \(buf.count); resume with the same model and options")
            }
            try f.readInto(name, buf.ptr, count: buf.count)
        }
        optimizer.restore(step: adamStep)
        objective.didRestore()
        return st
    }
}
