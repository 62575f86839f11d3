import Foundation

/// The DPO family as functions of sequence log-probs (TRL's definitions, DPOTrainer and
/// CPOTrainer/ORPOTrainer for the reference-free ones). NLL terms (RPO, CPO's α, ORPO, SLiC's λ)
/// are token-level and added by the objective, not here.
/// A class because bco_pair keeps a running mean of rewards across steps.
public final class DPOLossFamily {
    public let config: DPOLossConfig
    /// bco_pair's baseline δ: running mean of the batch mean reward.
    public private(set) var bcoMean = 0.0, bcoCount = 0.0

    public init(config: DPOLossConfig) { self.config = config }

    public func compute(_ x: PairLogps) -> PairLoss {
        var out = PairLoss(x.count)
        for (type, weight) in zip(config.types, config.weights) where weight != 0 {
            let part = compute(type, x)
            for i in 0..<x.count {
                let w = weight * (x.weights?[i] ?? 1)
                out.loss[i] += w * part.loss[i]; out.dpc[i] += w * part.dpc[i]; out.dpr[i] += w * part.dpr[i]
            }
        }
        return out
    }

    func compute(_ type: DPOLossType, _ x: PairLogps) -> PairLoss {
        let n = x.count, b = config.beta, eps = config.labelSmoothing
        var out = PairLoss(n)
        let refFree = config.referenceFree
        // Log-ratios and f-divergence scores of chosen and rejected.
        var sc = [Double](repeating: 0, count: n), dsc = sc, sr = sc, dsr = sc, xc = sc, xr = sc
        for i in 0..<n {
            xc[i] = x.pc[i] - (refFree ? 0 : x.rc[i]); xr[i] = x.pr[i] - (refFree ? 0 : x.rr[i])
            (sc[i], dsc[i]) = config.fDivergence.score(xc[i], alpha: config.fAlpha)
            (sr[i], dsr[i]) = config.fDivergence.score(xr[i], alpha: config.fAlpha)
        }
        /// Sets loss i from dL/dScore_c and dL/dScore_r.
        func viaScores(_ i: Int, _ l: Double, _ gc: Double, _ gr: Double) {
            out.loss[i] = l; out.dpc[i] = gc * dsc[i]; out.dpr[i] = gr * dsr[i]
        }
        /// Conservative (label-smoothed) sigmoid on z: value and dL/dz.
        func smoothed(_ z: Double) -> (Double, Double) {
            (-(1 - eps) * logSigmoid(z) - eps * logSigmoid(-z), -(1 - eps) * sigmoid(-z) + eps * sigmoid(z))
        }
        switch type {
        case .sigmoid:
            for i in 0..<n {
                // DPOP's penalty and ODPO's offset both shift the sigmoid's argument.
                let gap = x.rc[i] - x.pc[i]
                let pen = config.dpopLambda > 0 && gap > 0 && !refFree ? config.dpopLambda * gap : 0
                let z = b * (sc[i] - sr[i] - pen) - (config.useOffsets ? x.offsets[i] : 0)
                let (l, g) = smoothed(z)
                viaScores(i, l, b * g, -b * g)
                if pen > 0 { out.dpc[i] += b * g * config.dpopLambda }
            }
        case .hinge:
            for i in 0..<n {
                let z = 1 - b * (sc[i] - sr[i])
                viaScores(i, max(0, z), z > 0 ? -b : 0, z > 0 ? b : 0)
            }
        case .ipo:
            for i in 0..<n {
                let nc = max(1, x.lc[i]), nr = max(1, x.lr[i])
                let e = sc[i] / nc - sr[i] / nr - 1 / (2 * b)
                viaScores(i, e * e, 2 * e / nc, -2 * e / nr)
            }
        case .sigmoidNorm:
            for i in 0..<n {
                let nc = max(1, x.lc[i]), nr = max(1, x.lr[i])
                let z = b * (sc[i] / nc - sr[i] / nr)
                viaScores(i, -logSigmoid(z), -b * sigmoid(-z) / nc, b * sigmoid(-z) / nr)
            }
        case .robust:
            for i in 0..<n {
                let z = b * (sc[i] - sr[i])
                let l = (-(1 - eps) * logSigmoid(z) + eps * logSigmoid(-z)) / (1 - 2 * eps)
                let g = (-(1 - eps) * sigmoid(-z) - eps * sigmoid(z)) / (1 - 2 * eps)
                viaScores(i, l, b * g, -b * g)
            }
        case .exoPair:
            let lpw = log1p(-eps), lpl = log(eps)
            for i in 0..<n {
                let z = b * (sc[i] - sr[i]), q = sigmoid(z), p = sigmoid(-z)
                let l = q * (logSigmoid(z) - lpw) + p * (logSigmoid(-z) - lpl)
                let g = q * p * ((logSigmoid(z) - lpw) - (logSigmoid(-z) - lpl))
                viaScores(i, l, b * g, -b * g)
            }
        case .ncaPair:
            for i in 0..<n {
                let c = b * sc[i], r = b * sr[i]
                let l = -logSigmoid(c) - 0.5 * logSigmoid(-c) - 0.5 * logSigmoid(-r)
                viaScores(i, l, b * (-sigmoid(-c) + 0.5 * sigmoid(c)), b * 0.5 * sigmoid(r))
            }
        case .bcoPair:
            // δ: running mean of the batch-mean reward, updated with this batch first (detached).
            var m = 0.0
            for i in 0..<n { m += b * (sc[i] + sr[i]) }
            m /= Double(2 * max(1, n))
            bcoCount += 1; bcoMean += (m - bcoMean) / bcoCount
            let d = bcoMean
            for i in 0..<n {
                let c = b * sc[i] - d, r = b * sr[i] - d
                viaScores(i, -logSigmoid(c) - logSigmoid(-r), -b * sigmoid(-c), b * sigmoid(r))
            }
        case .sppoHard:
            for i in 0..<n {
                let w = sc[i] - 0.5 / b, l = sr[i] + 0.5 / b
                viaScores(i, w * w + l * l, 2 * w, 2 * l)
            }
        case .aot, .aotPair:
            // Sorted log-ratio differences: each pair's loss sits at its rank.
            let a = type == .aot ? (0..<n).map { x.pc[$0] - x.pr[$0] } : xc
            let r = type == .aot ? (0..<n).map { refFree ? 0 : x.rc[$0] - x.rr[$0] } : xr
            let ia = (0..<n).sorted { a[$0] < a[$1] }, ir = (0..<n).sorted { r[$0] < r[$1] }
            for k in 0..<n {
                let (l, g) = smoothed(b * (a[ia[k]] - r[ir[k]]))
                out.loss[k] = l
                if type == .aot {
                    out.dpc[ia[k]] += b * g; out.dpr[ia[k]] -= b * g
                } else {
                    out.dpc[ia[k]] += b * g; out.dpr[ir[k]] -= b * g
                }
            }
        case .apoZero:
            for i in 0..<n {
                let c = sigmoid(b * xc[i]), r = sigmoid(b * xr[i])
                out.loss[i] = 1 - c + r
                out.dpc[i] = -b * c * (1 - c); out.dpr[i] = b * r * (1 - r)
            }
        case .apoDown:
            for i in 0..<n {
                let c = sigmoid(b * xc[i]), d = sigmoid(b * (sc[i] - sr[i]))
                out.loss[i] = c + 1 - d
                out.dpc[i] = b * c * (1 - c) - b * d * (1 - d) * dsc[i]
                out.dpr[i] = b * d * (1 - d) * dsr[i]
            }
        case .ktoPair:
            // KL estimates from the other half of the batch, clamped at 0 and detached (HALOs eq. 7).
            let klc = max(0, xc.reduce(0, +) / Double(max(1, n))), klr = max(0, xr.reduce(0, +) / Double(max(1, n)))
            for i in 0..<n {
                let c = sigmoid(b * (xc[i] - klr)), r = sigmoid(b * (klc - xr[i]))
                // TRL averages over the 2n concatenated terms: half of each per pair.
                out.loss[i] = 0.5 * ((1 - c) + (1 - r))
                out.dpc[i] = -0.5 * b * c * (1 - c); out.dpr[i] = 0.5 * b * r * (1 - r)
            }
        case .discopop:
            let tau = config.discopopTau
            for i in 0..<n {
                let z = b * (sc[i] - sr[i]), m = sigmoid(z / tau), dm = m * (1 - m) / tau
                let a = -logSigmoid(z), e = exp(-z)
                let l = a * (1 - m) + e * m
                let g = -sigmoid(-z) * (1 - m) + (e - a) * dm - e * m
                viaScores(i, l, b * g, -b * g)
            }
        case .cpo, .simpo:
            for i in 0..<n {
                let nc = type == .simpo ? max(1, x.lc[i]) : 1, nr = type == .simpo ? max(1, x.lr[i]) : 1
                let gamma = type == .simpo ? config.simpoGamma : 0
                let (l, g) = smoothed(b * (x.pc[i] / nc - x.pr[i] / nr) - gamma)
                out.loss[i] = l; out.dpc[i] = b * g / nc; out.dpr[i] = -b * g / nr
            }
        case .orpo:
            for i in 0..<n {
                let nc = max(1, x.lc[i]), nr = max(1, x.lr[i])
                // Average log-probs are < 0; keep them off 0 so log(1 − p) stays finite.
                let ac = min(x.pc[i] / nc, -1e-9), ar = min(x.pr[i] / nr, -1e-9)
                let odds = (ac - ar) - (log(-expm1(ac)) - log(-expm1(ar)))
                out.loss[i] = -b * logSigmoid(odds)
                let g = -b * sigmoid(-odds)
                out.dpc[i] = g / (-expm1(ac)) / nc; out.dpr[i] = -g / (-expm1(ar)) / nr
            }
        case .slic:
            for i in 0..<n {
                let z = config.slicDelta - (x.pc[i] - x.pr[i])
                out.loss[i] = max(0, z); out.dpc[i] = z > 0 ? -1 : 0; out.dpr[i] = z > 0 ? 1 : 0
            }
        }
        return out
    }
}
