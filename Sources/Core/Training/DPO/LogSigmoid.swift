import Foundation

/// Numerically stable pieces the losses are made of, in Double.
@inline(__always) func sigmoid(_ x: Double) -> Double { x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x)) }
/// log σ(x) = −softplus(−x), without overflow for large |x|.
@inline(__always) func logSigmoid(_ x: Double) -> Double { x >= 0 ? -log1p(exp(-x)) : x - log1p(exp(x)) }

extension FDivergence {
    /// (score, d score / d logratio) for one log-ratio.
    @inline(__always) func score(_ x: Double, alpha: Double) -> (Double, Double) {
        switch self {
        case .reverseKL: return (x, 1)
        case .forwardKL: let e = exp(-x); return (-e, e)
        case .js: return (logSigmoid(x), sigmoid(-x))
        case .alpha:
            if abs(alpha - 1) < 1e-6 { return (x, 1) }
            let t = (alpha - 1) * x
            // TRL clamps the exponent at 80 so exp stays finite; the clamp has zero slope.
            let e = exp(min(t, 80))
            return (e / (alpha - 1), t > 80 ? 0 : e)
        }
    }
}
