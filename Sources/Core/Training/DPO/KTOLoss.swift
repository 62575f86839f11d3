import Foundation

/// KTO (Ethayarajh et al.; TRL's KTOTrainer) on unpaired examples: with Δ = log πθ − log πref
/// and z0 the batch KL estimate (detached, clamped at 0),
/// desirable: λD·(1 − σ(β(Δ − z0))), undesirable: λU·(1 − σ(β(z0 − Δ))); mean over the batch.
public struct KTOLoss {
    public var beta = 0.1, desirableWeight = 1.0, undesirableWeight = 1.0
    public init(beta: Double = 0.1, desirableWeight: Double = 1, undesirableWeight: Double = 1) {
        self.beta = beta; self.desirableWeight = desirableWeight; self.undesirableWeight = undesirableWeight
    }

    /// z0 from the mismatched (prompt, other completion) log-ratios: max(0, mean), detached.
    public static func klEstimate(policy: [Double], reference: [Double]) -> Double {
        guard !policy.isEmpty else { return 0 }
        return max(0, zip(policy, reference).reduce(0) { $0 + $1.0 - $1.1 } / Double(policy.count))
    }

    /// Per-example losses and dL/dΔ (not yet divided by the batch size).
    public func compute(delta: [Double], desirable: [Bool], z0: Double) -> (loss: [Double], dDelta: [Double]) {
        var l = [Double](repeating: 0, count: delta.count), g = l
        for i in delta.indices {
            if desirable[i] {
                let s = sigmoid(beta * (delta[i] - z0))
                l[i] = desirableWeight * (1 - s); g[i] = -desirableWeight * beta * s * (1 - s)
            } else {
                let s = sigmoid(beta * (z0 - delta[i]))
                l[i] = undesirableWeight * (1 - s); g[i] = undesirableWeight * beta * s * (1 - s)
            }
        }
        return (l, g)
    }
}
