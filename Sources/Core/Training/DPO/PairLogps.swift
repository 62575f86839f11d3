/// What every preference loss is a function of: per-pair sequence log-probs of the policy
/// and the reference, completion token counts, and optional offsets and weights.
public struct PairLogps {
    public var pc: [Double], pr: [Double]      // policy chosen / rejected (sums over completion tokens)
    public var rc: [Double], rr: [Double]      // reference (zeros when reference-free)
    public var lc: [Double], lr: [Double]      // scored tokens (for length-normalised losses)
    public var offsets: [Double]               // ODPO offsets, zeros when unused
    public var weights: [Double]?              // WPO weights (detached); nil means 1

    public init(pc: [Double], pr: [Double], rc: [Double], rr: [Double], lc: [Double], lr: [Double],
                offsets: [Double]? = nil, weights: [Double]? = nil) {
        self.pc = pc; self.pr = pr; self.rc = rc; self.rr = rr; self.lc = lc; self.lr = lr
        self.offsets = offsets ?? [Double](repeating: 0, count: pc.count); self.weights = weights
    }
    public var count: Int { pc.count }
}

/// Per-pair loss (the weighted sum over loss types) and its derivatives with respect to the
/// policy's chosen and rejected log-probs; the batch loss is the mean over pairs.
public struct PairLoss {
    public var loss: [Double], dpc: [Double], dpr: [Double]
    init(_ n: Int) { loss = .init(repeating: 0, count: n); dpc = loss; dpr = loss }
}
