import XCTest
import Foundation
import Core

/// Each preference loss against its formula written out independently here, and its
/// gradient against central finite differences of that formula, at random inputs.
final class DPOLossTests: XCTestCase {
    func ls(_ x: Double) -> Double { x >= 0 ? -log(1 + exp(-x)) : x - log(1 + exp(x)) }
    func sg(_ x: Double) -> Double { 1 / (1 + exp(-x)) }

    /// The formula of the batch loss (mean over pairs), TRL's definitions, with detached
    /// quantities (kto's KL, bco's baseline) passed in fixed.
    func formula(_ t: DPOLossType, _ c: DPOLossConfig, _ x: PairLogps, klc: Double, klr: Double, delta: Double) -> Double {
        let n = x.count, b = c.beta, e = c.labelSmoothing
        func score(_ v: Double) -> Double {
            switch c.fDivergence {
            case .reverseKL: return v
            case .forwardKL: return -exp(-v)
            case .js: return ls(v)
            case .alpha: return exp((c.fAlpha - 1) * v) / (c.fAlpha - 1)
            }
        }
        var total = 0.0
        var a: [Double] = [], r: [Double] = []
        for i in 0..<n {
            let xc = x.pc[i] - x.rc[i], xr = x.pr[i] - x.rr[i]
            let d = score(xc) - score(xr)
            let Sc = score(xc), Sr = score(xr)
            switch t {
            case .sigmoid:
                let pen = c.dpopLambda * max(0, x.rc[i] - x.pc[i])
                let z = b * (d - pen) - (c.useOffsets ? x.offsets[i] : 0)
                total += -(1 - e) * ls(z) - e * ls(-z)
            case .hinge: total += max(0, 1 - b * d)
            case .ipo: let q = Sc / x.lc[i] - Sr / x.lr[i] - 1 / (2 * b); total += q * q
            case .sigmoidNorm: total += -ls(b * (Sc / x.lc[i] - Sr / x.lr[i]))
            case .robust: total += (-(1 - e) * ls(b * d) + e * ls(-b * d)) / (1 - 2 * e)
            case .exoPair:
                let z = b * d
                total += sg(z) * (ls(z) - log(1 - e)) + sg(-z) * (ls(-z) - log(e))
            case .ncaPair: total += -ls(b * Sc) - 0.5 * ls(-b * Sc) - 0.5 * ls(-b * Sr)
            case .bcoPair: total += -ls(b * Sc - delta) - ls(-(b * Sr - delta))
            case .sppoHard: total += pow(Sc - 0.5 / b, 2) + pow(Sr + 0.5 / b, 2)
            case .aot: a.append(x.pc[i] - x.pr[i]); r.append(x.rc[i] - x.rr[i])
            case .aotPair: a.append(xc); r.append(xr)
            case .apoZero: total += 1 - sg(b * xc) + sg(b * xr)
            case .apoDown: total += sg(b * xc) + 1 - sg(b * d)
            case .ktoPair: total += 0.5 * ((1 - sg(b * (xc - klr))) + (1 - sg(b * (klc - xr))))
            case .discopop:
                let z = b * d, m = sg(z / c.discopopTau)
                total += -ls(z) * (1 - m) + exp(-z) * m
            case .cpo: let z = b * (x.pc[i] - x.pr[i]); total += -(1 - e) * ls(z) - e * ls(-z)
            case .simpo: let z = b * (x.pc[i] / x.lc[i] - x.pr[i] / x.lr[i]) - c.simpoGamma; total += -(1 - e) * ls(z) - e * ls(-z)
            case .orpo:
                let ac = x.pc[i] / x.lc[i], ar = x.pr[i] / x.lr[i]
                total += -b * ls((ac - ar) - (log(1 - exp(ac)) - log(1 - exp(ar))))
            case .slic: total += max(0, c.slicDelta - (x.pc[i] - x.pr[i]))
            }
        }
        if t == .aot || t == .aotPair {
            let sa = a.sorted(), sr = r.sorted()
            for k in 0..<n { let z = b * (sa[k] - sr[k]); total += -(1 - e) * ls(z) - e * ls(-z) }
        }
        return total / Double(n)
    }

    func randomPairs(_ rng: inout SplitMix64, n: Int) -> PairLogps {
        func r(_ s: Double, _ o: Double) -> [Double] { (0..<n).map { _ in o + s * Double(rng.nextGaussian()) } }
        let lc = (0..<n).map { _ in Double(3 + rng.next() % 20) }, lr = (0..<n).map { _ in Double(3 + rng.next() % 20) }
        return PairLogps(pc: r(4, -30), pr: r(4, -32), rc: r(4, -31), rr: r(4, -31), lc: lc, lr: lr,
                         offsets: r(0.5, 0.3))
    }

    func check(_ t: DPOLossType, smallRatios: Bool = false, configure: (inout DPOLossConfig) -> Void = { _ in }) {
        var rng = SplitMix64(seed: UInt64(t.rawValue.hashValue & 0xffff) + 1)
        var c = DPOLossConfig()
        c.types = [t]; c.beta = 0.2
        if t == .exoPair || t == .robust || t == .aot || t == .cpo { c.labelSmoothing = 0.1 }
        configure(&c)
        // sppo_hard / ipo / orpo work on small log-ratios; keep inputs in their natural range.
        var x = randomPairs(&rng, n: 6)
        if smallRatios || t == .sppoHard || t == .apoZero || t == .apoDown || t == .discopop {
            for i in 0..<x.count { x.pc[i] = x.rc[i] + 0.5 * Double(rng.nextGaussian()); x.pr[i] = x.rr[i] + 0.5 * Double(rng.nextGaussian()) }
        }
        let family = DPOLossFamily(config: c)
        let out = family.compute(x)
        let n = Double(x.count)
        let xc = (0..<x.count).map { x.pc[$0] - x.rc[$0] }, xr = (0..<x.count).map { x.pr[$0] - x.rr[$0] }
        let klc = max(0, xc.reduce(0, +) / n), klr = max(0, xr.reduce(0, +) / n)
        let delta = family.bcoMean
        let f0 = formula(t, c, x, klc: klc, klr: klr, delta: delta)
        XCTAssertEqual(out.loss.reduce(0, +) / n, f0, accuracy: 1e-9 * max(1, abs(f0)), "\(t.rawValue) value")
        let h = 1e-5
        for i in 0..<x.count {
            for side in 0..<2 {
                var p = x, m = x
                if side == 0 { p.pc[i] += h; m.pc[i] -= h } else { p.pr[i] += h; m.pr[i] -= h }
                let numeric = (formula(t, c, p, klc: klc, klr: klr, delta: delta) - formula(t, c, m, klc: klc, klr: klr, delta: delta)) / (2 * h)
                let analytic = (side == 0 ? out.dpc[i] : out.dpr[i]) / n
                XCTAssertEqual(analytic, numeric, accuracy: 1e-6 + 1e-5 * abs(numeric),
                               "\(t.rawValue) d/d\(side == 0 ? "pc" : "pr")[\(i)]: analytic \(analytic) numeric \(numeric)")
            }
        }
    }

    func testEveryLossType() { for t in DPOLossType.allCases { check(t) } }
    func testConservativeDPO() { check(.sigmoid) { $0.labelSmoothing = 0.2 } }
    func testDPOP() { check(.sigmoid) { $0.dpopLambda = 5 } }
    func testODPOOffsets() { check(.sigmoid) { $0.useOffsets = true } }
    func testFDivergences() {
        for f in FDivergence.allCases {
            for t in [DPOLossType.sigmoid, .ipo, .ncaPair, .apoDown] {
                // Log-ratios of a few nats, as in training; exp(±8) would swamp finite differences.
                check(t, smallRatios: true) { $0.fDivergence = f; $0.fAlpha = 0.5 }
            }
        }
    }

    func testCombinedLossesAddWithWeights() {
        var rng = SplitMix64(seed: 9)
        let x = randomPairs(&rng, n: 4)
        var c = DPOLossConfig()
        c.types = [.sigmoid, .hinge]; c.weights = [0.7, 0.3]
        let both = DPOLossFamily(config: c).compute(x)
        c.types = [.sigmoid]; c.weights = [1]
        let s = DPOLossFamily(config: c).compute(x)
        c.types = [.hinge]
        let hg = DPOLossFamily(config: c).compute(x)
        for i in 0..<4 {
            XCTAssertEqual(both.loss[i], 0.7 * s.loss[i] + 0.3 * hg.loss[i], accuracy: 1e-12)
            XCTAssertEqual(both.dpc[i], 0.7 * s.dpc[i] + 0.3 * hg.dpc[i], accuracy: 1e-12)
        }
    }

    /// The fixture's DPO loss (TRL, float64) from its own log-probs.
    func testSigmoidMatchesFixtureLoss() {
        for m in ["qwen2-tiny", "llama-tiny"] {
            let d = loadJSON(fixturesDir() + "/\(m)/ref.json")["dpo"] as! [String: Any]
            let x = PairLogps(pc: doubles(d["policy_chosen_logps"]), pr: doubles(d["policy_rejected_logps"]),
                              rc: doubles(d["reference_chosen_logps"]), rr: doubles(d["reference_rejected_logps"]),
                              lc: [1, 1, 1, 1], lr: [1, 1, 1, 1])
            var c = DPOLossConfig()
            c.beta = (d["beta"] as! NSNumber).doubleValue
            let out = DPOLossFamily(config: c).compute(x)
            assertClose(out.loss, doubles(d["per_pair_losses"]), rtol: 1e-9, "\(m) per-pair DPO losses")
            assertClose([out.loss.reduce(0, +) / 4], [(d["loss"] as! NSNumber).doubleValue], rtol: 1e-9, "\(m) DPO loss")
        }
    }
}
