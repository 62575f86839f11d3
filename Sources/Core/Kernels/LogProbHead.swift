import Foundation

/// Log-probabilities of chosen next tokens through the LM head, computed in row chunks
/// so the [tokens × vocab] logits never exist in full (151k vocabularies fit).
/// A "target" is (hidden row r, token y): log softmax(W·h_r)[y].
public struct LogProbTargets {
    public var rows: [Int32] = []
    public var tokens: [Int32] = []
    public init() {}
    public var count: Int { rows.count }
    public mutating func append(row: Int, token: Int) { rows.append(Int32(row)); tokens.append(Int32(token)) }
}

public final class LogProbHead {
    public let vocab: Int, dim: Int
    /// Rows per chunk: a chunk's logits stay near 16M floats (64 MB), still enough rows (110 at
    /// a 151k vocabulary) that the head GEMMs run near the sgemm ceiling; every engine has one.
    public let chunkRows: Int
    /// Gemma's final_logit_softcapping: logits = cap·tanh(z/cap); nil: z.
    public let softcap: Float?
    private let logits = Scratch(), gathered = Scratch(), dGathered = Scratch()
    /// A block of a half-precision LM head widened for one product (WeightMatrix).
    private let widened = Scratch()

    public init(vocab: Int, dim: Int, budgetFloats: Int = 1 << 24, softcap: Float? = nil) {
        self.vocab = vocab; self.dim = dim
        self.softcap = softcap
        chunkRows = max(1, min(512, budgetFloats / max(1, vocab)))
    }

    /// Target tokens index a logits row through a raw pointer: one outside the vocabulary
    /// would read another row's memory, so it stops the process instead.
    func checkTokens(_ targets: LogProbTargets) {
        for t in targets.tokens {
            precondition(t >= 0 && Int(t) < vocab, "target token \(t) outside the vocabulary [0, \(vocab))")
        }
    }

    /// Fills logps[i] (and lse[i], the log-sum-exp kept for backward). With lse2, also
    /// logsumexp(2·logits): WPO's weights need log Σ p² = lse2 − 2·lse.
    public func forward(hidden: UnsafePointer<Float>, weight: UnsafePointer<Float>, targets: LogProbTargets,
                        logps: UnsafeMutablePointer<Float>, lse: UnsafeMutablePointer<Float>,
                        lse2: UnsafeMutablePointer<Float>? = nil) {
        forward(hidden: hidden, weight: WeightMatrix(f32: weight, rows: vocab, cols: dim), targets: targets,
                logps: logps, lse: lse, lse2: lse2)
    }

    /// The same with the head as a WeightMatrix: f32, or a frozen half copy.
    public func forward(hidden: UnsafePointer<Float>, weight: WeightMatrix, targets: LogProbTargets,
                        logps: UnsafeMutablePointer<Float>, lse: UnsafeMutablePointer<Float>,
                        lse2: UnsafeMutablePointer<Float>? = nil) {
        checkTokens(targets)
        chunks(hidden, weight, targets) { lo, m, hc, lg in
            targets.tokens.withUnsafeBufferPointer { tok in
                Parallel.forRange(m) { a, b in
                    for i in a..<b {
                        let row = lg + i * vocab
                        let s = Self.logSumExp(row, vocab)
                        lse[lo + i] = s
                        logps[lo + i] = row[Int(tok[lo + i])] - s
                        if let lse2 {
                            var mx = -Float.infinity
                            for v in 0..<vocab { mx = max(mx, row[v]) }
                            var sum: Float = 0
                            for v in 0..<vocab { sum += expf(2 * (row[v] - mx)) }
                            lse2[lo + i] = 2 * mx + logf(sum)
                        }
                    }
                }
            }
        }
    }

    /// dHidden[r] += Σ coeff·(onehot − softmax)·W ; dWeight += (…)ᵀ·h. coeff[i] = dL/dlogp[i].
    /// Recomputes each chunk's logits: cheaper than keeping them.
    public func backward(hidden: UnsafePointer<Float>, weight: UnsafePointer<Float>, targets: LogProbTargets,
                         lse: UnsafePointer<Float>, coeff: UnsafePointer<Float>,
                         dHidden: UnsafeMutablePointer<Float>, dWeight: UnsafeMutablePointer<Float>?) {
        backward(hidden: hidden, weight: WeightMatrix(f32: weight, rows: vocab, cols: dim), targets: targets, lse: lse,
                 coeff: coeff, dHidden: dHidden, dWeight: dWeight)
    }

    /// The same with the head as a WeightMatrix; a half head is frozen (dWeight nil).
    public func backward(hidden: UnsafePointer<Float>, weight: WeightMatrix, targets: LogProbTargets,
                         lse: UnsafePointer<Float>, coeff: UnsafePointer<Float>,
                         dHidden: UnsafeMutablePointer<Float>, dWeight: UnsafeMutablePointer<Float>?) {
        precondition(weight.f32 != nil || dWeight == nil, "a half-precision LM head is frozen: it has no gradient")
        checkTokens(targets)
        chunks(hidden, weight, targets) { lo, m, hc, lg in
            targets.tokens.withUnsafeBufferPointer { tok in
                Parallel.forRange(m) { a, b in
                    for i in a..<b {
                        let row = lg + i * vocab, c = coeff[lo + i], s = lse[lo + i]
                        if c == 0 { row.update(repeating: 0, count: vocab); continue }
                        let target = Int(tok[lo + i])
                        guard let cap = softcap else {
                            for v in 0..<vocab { row[v] = -c * expf(row[v] - s) }
                            row[target] += c
                            continue
                        }
                        // Through the cap: d/dz of cap·tanh(z/cap) is 1 − (logit/cap)².
                        for v in 0..<vocab {
                            let logit = row[v]
                            var g = -c * expf(logit - s)
                            if v == target { g += c }
                            let t = logit / cap
                            row[v] = g * (1 - t * t)
                        }
                    }
                }
            }
            let dh = dGathered.get(m * dim)
            weight.times(lg, m: m, lda: vocab, y: dh, scratch: widened)
            targets.rows.withUnsafeBufferPointer { rows in
                for i in 0..<m {
                    let d = dHidden + Int(rows[lo + i]) * dim, s = dh + i * dim
                    for j in 0..<dim { d[j] += s[j] }
                }
            }
            if let dWeight {
                sgemm(transA: true, m: vocab, n: dim, k: m, a: lg, lda: vocab, b: hc, ldb: dim, beta: 1, c: dWeight, ldc: dim)
            }
        }
    }

    /// Gathers each chunk's hidden rows and computes its logits, then hands them to body.
    private func chunks(_ hidden: UnsafePointer<Float>, _ weight: WeightMatrix, _ t: LogProbTargets,
                        _ body: (_ lo: Int, _ m: Int, _ hc: UnsafePointer<Float>, _ logits: UnsafeMutablePointer<Float>) -> Void) {
        let hc = gathered.get(chunkRows * dim), lg = logits.get(chunkRows * vocab)
        var lo = 0
        t.rows.withUnsafeBufferPointer { rows in
            while lo < t.count {
                let m = min(chunkRows, t.count - lo)
                for i in 0..<m { (hc + i * dim).update(from: hidden + Int(rows[lo + i]) * dim, count: dim) }
                weight.timesTransposed(hc, m: m, y: lg, ldy: vocab, scratch: widened)
                if let softcap { Self.cap(lg, count: m * vocab, softcap) }
                body(lo, m, hc, lg)
                lo += m
            }
        }
    }

    /// x = cap·tanh(x/cap) in place.
    static func cap(_ x: UnsafeMutablePointer<Float>, count: Int, _ cap: Float) {
        Parallel.forRange(count, minPerWorker: 1 << 14) { lo, hi in
            for i in lo..<hi { x[i] = cap * tanhf(x[i] / cap) }
        }
    }

    @inline(__always)
    static func logSumExp(_ row: UnsafePointer<Float>, _ n: Int) -> Float {
        var mx = -Float.infinity
        for v in 0..<n { mx = max(mx, row[v]) }
        var sum: Float = 0
        for v in 0..<n { sum += expf(row[v] - mx) }
        return mx + logf(sum)
    }
}
