/// One rank's part of a micro-batch in data-parallel training. The trainer cuts every step into
/// the micro-batches one process would run with the global batch (ranks × --batch-size), and
/// each rank takes one contiguous block of each: its gradients, summed over ranks, are those of
/// the whole micro-batch. Objectives whose loss looks across the batch (KTO's KL pairs, the
/// batch statistics of bco_pair, aot, kto_pair) read `global` and meet the other ranks through
/// `ranks`; the others only see `indices`.
public struct BatchShard {
    /// The micro-batch's example indices, as one process would run it.
    public let global: [Int]
    /// This rank's positions in `global`.
    public let local: Range<Int>
    public let ranks: Ranks

    public init(global: [Int], local: Range<Int>, ranks: Ranks) {
        self.global = global; self.local = local; self.ranks = ranks
    }

    /// The whole micro-batch on one process.
    public static func whole(_ indices: [Int]) -> BatchShard { BatchShard(global: indices, local: indices.indices, ranks: .single) }

    /// This rank's examples.
    public var indices: [Int] { Array(global[local]) }
}
