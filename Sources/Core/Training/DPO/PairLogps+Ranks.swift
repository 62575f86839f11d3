/// The DPO family's batch-wide terms (bco_pair's running mean, aot's sorted ranks, kto_pair's
/// KL estimates) are functions of the whole micro-batch. In data-parallel training each rank
/// sends the few numbers per pair the loss needs, every rank computes the family on the whole
/// micro-batch exactly as one process would, and keeps the coefficients of its own pairs.
extension PairLogps {
    /// Every rank's pairs in rank order (the micro-batch in one process's order) and where
    /// this rank's pairs begin in it.
    func gathered(over ranks: Ranks) throws -> (whole: PairLogps, offset: Int) {
        guard ranks.isDistributed else { return (self, 0) }
        var v: [Double] = [Double(count), weights == nil ? 0 : 1]
        for a in [pc, pr, rc, rr, lc, lr, offsets] { v += a }
        if let w = weights { v += w }
        var bytes = [UInt8](repeating: 0, count: v.count * 8)
        bytes.withUnsafeMutableBytes { d in v.withUnsafeBytes { d.copyMemory(from: $0) } }
        var whole = PairLogps(pc: [], pr: [], rc: [], rr: [], lc: [], lr: [], offsets: [], weights: nil)
        var offset = 0, anyWeights = false
        var allWeights: [Double] = []
        for (r, part) in try ranks.allgather(bytes).enumerated() {
            let d = part.withUnsafeBytes { Array($0.bindMemory(to: Double.self)) }
            let n = Int(d[0])
            if r == ranks.rank { offset = whole.count }
            func field(_ k: Int) -> ArraySlice<Double> { d[(2 + k * n)..<(2 + (k + 1) * n)] }
            whole.pc += field(0); whole.pr += field(1); whole.rc += field(2); whole.rr += field(3)
            whole.lc += field(4); whole.lr += field(5); whole.offsets += field(6)
            if d[1] != 0 { anyWeights = true; allWeights += field(7) } else { allWeights += [Double](repeating: 1, count: n) }
        }
        if anyWeights { whole.weights = allWeights }
        return (whole, offset)
    }
}

extension PairLoss {
    /// Pairs `r` of a whole micro-batch's result.
    func slice(_ r: Range<Int>) -> PairLoss {
        var out = PairLoss(r.count)
        out.loss = Array(loss[r]); out.dpc = Array(dpc[r]); out.dpr = Array(dpr[r])
        return out
    }
}
