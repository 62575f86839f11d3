import Foundation

/// The Bradley–Terry pair loss as TRL's RewardTrainer computes it, for one pair:
///   loss = −log σ(r_c − r_r − margin) + c · (r_c + r_r)²
/// The centering term (c = center_rewards_coefficient) pins the reward's free offset near 0,
/// since the pair loss alone only sees differences. Averaging over pairs is the caller's.
public enum BradleyTerry {
    public struct Term: Equatable {
        public var loss: Double
        /// d loss / d r_chosen and d loss / d r_rejected.
        public var dChosen: Double, dRejected: Double
    }

    public static func pair(chosen rc: Double, rejected rr: Double, margin: Double = 0,
                            centerCoefficient c: Double = 0) -> Term {
        let z = rc - rr - margin
        // −log σ(z) = softplus(−z), written so neither branch overflows for large |z|.
        let nll = max(-z, 0) + log1p(exp(-abs(z)))
        // σ(−z), the weight of the pair's gradient, also without overflow.
        let w = z >= 0 ? exp(-z) / (1 + exp(-z)) : 1 / (1 + exp(z))
        let s = rc + rr
        return Term(loss: nll + c * s * s, dChosen: -w + 2 * c * s, dRejected: w + 2 * c * s)
    }
}
