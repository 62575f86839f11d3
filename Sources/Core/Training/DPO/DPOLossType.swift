/// The preference objectives `dpo-train --loss-type` offers (TRL's names).
public enum DPOLossType: String, CaseIterable {
    // Against a reference policy.
    case sigmoid, hinge, ipo, robust
    case exoPair = "exo_pair", ncaPair = "nca_pair", bcoPair = "bco_pair", sppoHard = "sppo_hard"
    case aot, aotPair = "aot_pair", apoZero = "apo_zero", apoDown = "apo_down"
    case ktoPair = "kto_pair", discopop, sigmoidNorm = "sigmoid_norm"
    // Reference-free: no reference pass at all.
    case cpo, simpo, orpo, slic

    /// aot_unpaired is TRL's newer name for aot_pair.
    public init?(name: String) {
        if name == "aot_unpaired" { self = .aotPair; return }
        self.init(rawValue: name)
    }

    public var needsReference: Bool { ![.cpo, .simpo, .orpo, .slic].contains(self) }
    /// Losses that include a negative log-likelihood term on the chosen completion.
    public var hasBuiltInNLL: Bool { [.cpo, .orpo, .slic].contains(self) }
    /// Losses whose gradient depends on the whole batch (sorting, batch means, running baselines).
    public var isBatchLevel: Bool { [.aot, .aotPair, .ktoPair, .bcoPair].contains(self) }
}

/// f-divergence regulariser of f-DPO: maps log-ratios to the scores the losses compare.
public enum FDivergence: String, CaseIterable {
    case reverseKL = "reverse_kl", forwardKL = "forward_kl", js = "js_divergence", alpha = "alpha_divergence"

    public init?(name: String) {
        switch name {
        case "js": self = .js
        case "alpha": self = .alpha
        default: self.init(rawValue: name)
        }
    }
}

/// Every coefficient the family uses; defaults are TRL's.
public struct DPOLossConfig {
    public var types: [DPOLossType] = [.sigmoid]
    public var weights: [Double] = [1]
    public var beta = 0.1
    public var labelSmoothing = 0.0
    public var fDivergence: FDivergence = .reverseKL
    public var fAlpha = 1.0
    public var discopopTau = 0.05
    public var simpoGamma = 0.5
    public var cpoAlpha = 1.0
    public var slicDelta = 1.0
    public var slicLambda = 1.0
    /// DPOP: λ in −λ·max(0, log πref(yc) − log πθ(yc)) inside the sigmoid (0: off).
    public var dpopLambda = 0.0
    /// ODPO: subtract each pair's offset (its margin) inside the sigmoid.
    public var useOffsets = false
    /// RPO: weight of the NLL of chosen completions added to the loss (0: off).
    public var rpoAlpha = 0.0
    /// Reference = uniform (log-probs 0) for the reference-based losses.
    public var referenceFree = false
    public init() {}

    public var needsReference: Bool { !referenceFree && types.contains { $0.needsReference } }

    /// Weight of the chosen-completion NLL term, from whichever losses ask for one.
    public var nllWeight: Double {
        var w = rpoAlpha
        for (t, k) in zip(types, weights) {
            switch t {
            case .cpo: w += k * cpoAlpha
            case .orpo: w += k
            case .slic: w += k * slicLambda
            default: break
            }
        }
        return w
    }

    public func validate() throws {
        func need(_ ok: Bool, _ m: String) throws { if !ok { throw PrefkitError(m) } }
        try need(!types.isEmpty, "--loss-type needs at least one loss")
        try need(weights.count == types.count, "--loss-weights must give one weight per --loss-type (\(types.count))")
        try need(beta > 0 && beta.isFinite, "--beta must be positive")
        try need(labelSmoothing >= 0 && labelSmoothing < 0.5, "--label-smoothing must lie in [0, 0.5)")
        if types.contains(.exoPair) { try need(labelSmoothing > 0, "exo_pair needs --label-smoothing > 0 (e.g. 1e-3)") }
        try need(discopopTau > 0, "--discopop-tau must be positive")
        if fDivergence == .alpha { try need(fAlpha > 0, "--f-alpha must be positive") }
        try need(dpopLambda >= 0 && rpoAlpha >= 0, "--dpop-lambda and --rpo-alpha must be non-negative")
    }
}
