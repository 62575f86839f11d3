import Core
import Foundation

/// A benchmark model written to disk in a given precision, so that half-precision cases load
/// it as a user's run does (matrices straight into bf16/f16, no f32 copy) and their peak RSS
/// is what a user would see. Written once per machine by `prefkit-bench run` (the parent), in
/// the temporary directory; the same random weights as BenchShape.model().
enum BenchCheckpoint {
    static func directory(_ shape: BenchShape, _ dtype: WeightsDType) -> String {
        NSTemporaryDirectory() + "prefkit-bench-\(shape.rawValue)-seed1-\(dtype.rawValue)"
    }

    /// The directory, written first when missing (model.safetensors is written last and
    /// atomically, so its presence means the checkpoint is whole).
    static func prepare(_ shape: BenchShape, _ dtype: WeightsDType) throws -> String {
        let dir = directory(shape, dtype)
        if FileManager.default.fileExists(atPath: dir + "/model.safetensors") { return dir }
        try Checkpoint.save(shape.model(seed: 1), to: dir, dtype: dtype)
        return dir
    }

    /// The model with its matrices held in `dtype` (loaded from the checkpoint; prepared here
    /// when `case` runs alone).
    static func load(_ shape: BenchShape, matrices dtype: WeightsDType) throws -> Transformer {
        try Checkpoint.load(try prepare(shape, dtype), matrices: dtype)
    }
}
