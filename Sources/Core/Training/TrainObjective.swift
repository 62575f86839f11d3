/// What a trainer trains: SFT, reward modeling and DPO each implement this once, and the
/// shared loop (`Trainer`) does everything else: order, accumulation, clipping, schedule,
/// logging, checkpoints, resume, NaN and interrupt handling.
public protocol TrainObjective: AnyObject {
    /// Number of training examples (pairs for preference objectives).
    var exampleCount: Int { get }
    /// The buffer the optimizer updates and its gradients (the model's, or a LoRA adapter's).
    var trainParams: FloatBuffer { get }
    var trainGrads: FloatBuffer { get }
    var trainGroups: [AdamW.Group] { get }
    /// Tokens the examples hold (for tokens/s).
    func tokenCount(_ indices: [Int]) -> Int
    /// The loss normaliser of one optimizer step over all its micro-batches
    /// (examples for pair losses, completion tokens for SFT), so accumulation is exact.
    func normalizer(_ stepIndices: [Int]) -> Double
    /// Forward + backward on a micro-batch; gradients accumulate into trainGrads.
    /// Returns metric contributions that add up over the step's micro-batches.
    func accumulate(_ indices: [Int], normalizer: Double) throws -> [String: Double]
    /// This rank's share of a micro-batch (data-parallel training). Objectives whose loss only
    /// sums per-example terms keep the default; those with batch-wide statistics override it.
    func accumulate(_ shard: BatchShard, normalizer: Double) throws -> [String: Double]
    /// Called once before training with the job's ranks (e.g. so each rank draws its own dropout masks).
    func willTrain(on ranks: Ranks)
    /// Metrics on the evaluation set, or nil without one.
    func evaluate() throws -> [String: Double]?
    /// Writes the trained model (HF layout) into dir.
    func saveModel(to dir: String, provenance: [String: Any]) throws
    /// Called after resume restored trainParams (e.g. to refresh derived state).
    func didRestore()
    /// Called after optimizer step `step` (1-based) was applied.
    func didStep(_ step: Int)
    /// Called before optimizer step `step` (0-based) starts: seeds per-step randomness (dropout).
    func willStep(_ step: Int)
    /// The activations the training forward keeps (where gradient checkpointing is switched),
    /// and the model shape they are laid out for; nil for objectives without a transformer.
    var trainingActivations: Activations? { get }
}

extension TrainObjective {
    public func accumulate(_ shard: BatchShard, normalizer: Double) throws -> [String: Double] {
        shard.local.isEmpty ? [:] : try accumulate(shard.indices, normalizer: normalizer)
    }
    public func willTrain(on ranks: Ranks) {}
    public func didRestore() {}
    public func didStep(_ step: Int) {}
    public func willStep(_ step: Int) {}
    public var trainingActivations: Activations? { nil }
}
