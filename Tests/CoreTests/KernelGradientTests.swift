import XCTest
import Core

/// Each kernel's backward against central finite differences of a Double reference of its
/// forward, for L = Σ r ⊙ y with random r; its forward against that reference too.
final class KernelGradientTests: XCTestCase {
    /// Central differences of f at x, in Double.
    func numericGrad(_ x: [Double], h: Double = 1e-6, _ f: ([Double]) -> Double) -> [Double] {
        var x = x
        return (0..<x.count).map { i in
            let old = x[i]
            x[i] = old + h; let a = f(x)
            x[i] = old - h; let b = f(x)
            x[i] = old
            return (a - b) / (2 * h)
        }
    }

    func testRMSNorm() { checkRMSNorm(offset: 0) }
    /// Gemma's (1 + w) norm.
    func testRMSNormOnePlusWeight() { checkRMSNorm(offset: 1) }

    func checkRMSNorm(offset: Float) {
        var rng = SplitMix64(seed: 1)
        let rows = 3, dim = 8, eps: Float = 1e-5
        let x = randomArray(rows * dim, &rng), w = randomArray(dim, &rng), r = randomArray(rows * dim, &rng)
        func ref(_ x: [Double], _ w: [Double]) -> [Double] {
            var y = [Double](repeating: 0, count: rows * dim)
            for i in 0..<rows {
                var ss = 0.0
                for j in 0..<dim { ss += x[i * dim + j] * x[i * dim + j] }
                let inv = 1 / (ss / Double(dim) + Double(eps)).squareRoot()
                for j in 0..<dim { y[i * dim + j] = x[i * dim + j] * inv * (w[j] + Double(offset)) }
            }
            return y
        }
        func loss(_ y: [Double]) -> Double { zip(y, r).reduce(0) { $0 + $1.0 * Double($1.1) } }
        var y = [Float](repeating: 0, count: rows * dim), inv = [Float](repeating: 0, count: rows)
        RMSNorm.forward(x: x, w: w, y: &y, invRMS: &inv, rows: rows, dim: dim, eps: eps, offset: offset)
        assertClose(y, ref(x.map(Double.init), w.map(Double.init)), rtol: 1e-6, "rmsnorm forward")
        var dx = [Float](repeating: 0, count: rows * dim), dw = [Float](repeating: 0, count: dim)
        RMSNorm.backward(dy: r, x: x, w: w, invRMS: inv, dx: &dx, dw: &dw, rows: rows, dim: dim, offset: offset)
        let wd = w.map(Double.init), xd = x.map(Double.init)
        assertClose(dx, numericGrad(xd) { loss(ref($0, wd)) }, rtol: 1e-5, "rmsnorm dx")
        assertClose(dw, numericGrad(wd) { loss(ref(xd, $0)) }, rtol: 1e-5, "rmsnorm dw")
    }

    func testRopeInverseIsTransposeAndMatchesFormula() {
        var rng = SplitMix64(seed: 2)
        let hd = 8, heads = 2, rows = 5
        let rope = RopeTables(headDim: hd, spec: RopeSpec(theta: 10000), maxPositions: 16)
        let x = randomArray(rows * heads * hd, &rng)
        let pos: [Int32] = [0, 1, 2, 7, 15]
        var y = x
        y.withUnsafeMutableBufferPointer { rope.apply($0.baseAddress!, rows: rows, rowStride: heads * hd, heads: heads, positions: pos, inverse: false) }
        var expect = [Double](repeating: 0, count: x.count)
        for r in 0..<rows { for h in 0..<heads { for i in 0..<(hd / 2) {
            let inv = 1 / pow(10000.0, Double(2 * i) / Double(hd)), a = Double(pos[r]) * inv
            let b0 = r * heads * hd + h * hd
            let u = Double(x[b0 + i]), v = Double(x[b0 + i + hd / 2])
            expect[b0 + i] = u * cos(a) - v * sin(a)
            expect[b0 + i + hd / 2] = v * cos(a) + u * sin(a)
        } } }
        assertClose(y, expect, rtol: 1e-5, "rope forward")
        // Rotation is orthogonal: backward (the transpose) undoes it.
        y.withUnsafeMutableBufferPointer { rope.apply($0.baseAddress!, rows: rows, rowStride: heads * hd, heads: heads, positions: pos, inverse: true) }
        assertClose(y, x, rtol: 1e-6, "rope inverse")
    }

    func testSwiGLU() {
        checkGated(.silu) { g in g / (1 + exp(-g)) }
    }

    /// GeGLU with torch's tanh-approximated GELU.
    func testGeGLU() {
        checkGated(.geluTanh) { g in 0.5 * g * (1 + tanh((2 / Double.pi).squareRoot() * (g + 0.044715 * g * g * g))) }
    }

    func checkGated(_ act: GateActivation, _ f: @escaping (Double) -> Double) {
        var rng = SplitMix64(seed: 3)
        let rows = 2, inter = 5
        let gu = randomArray(rows * 2 * inter, &rng, scale: 2), r = randomArray(rows * inter, &rng)
        func ref(_ gu: [Double]) -> Double {
            var s = 0.0
            for i in 0..<rows { for j in 0..<inter {
                let g = gu[i * 2 * inter + j], u = gu[i * 2 * inter + inter + j]
                s += f(g) * u * Double(r[i * inter + j])
            } }
            return s
        }
        var h = [Float](repeating: 0, count: rows * inter)
        GatedActivation.forward(act, gu: gu, h: &h, rows: rows, inter: inter)
        let fwd = zip(h, r).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        XCTAssertEqual(fwd, ref(gu.map(Double.init)), accuracy: 1e-5, "\(act) forward")
        var dgu = [Float](repeating: 0, count: gu.count)
        GatedActivation.backward(act, dh: r, gu: gu, dgu: &dgu, rows: rows, inter: inter)
        assertClose(dgu, numericGrad(gu.map(Double.init), ref), rtol: 1e-5, "\(act) dgu")
    }

    func testLinear() {
        var rng = SplitMix64(seed: 4)
        let rows = 3, inD = 4, outD = 5
        let x = randomArray(rows * inD, &rng), w = randomArray(outD * inD, &rng), b = randomArray(outD, &rng)
        let r = randomArray(rows * outD, &rng)
        func ref(_ x: [Double], _ w: [Double], _ b: [Double]) -> Double {
            var s = 0.0
            for i in 0..<rows { for o in 0..<outD {
                var y = b[o]
                for k in 0..<inD { y += x[i * inD + k] * w[o * inD + k] }
                s += y * Double(r[i * outD + o])
            } }
            return s
        }
        var dx = [Float](repeating: 0, count: x.count), dw = [Float](repeating: 0, count: w.count), db = [Float](repeating: 0, count: outD)
        Linear.backward(dy: r, x: x, w: w, dx: &dx, dw: &dw, db: &db, rows: rows, inDim: inD, outDim: outD)
        let xd = x.map(Double.init), wd = w.map(Double.init), bd = b.map(Double.init)
        assertClose(dx, numericGrad(xd) { ref($0, wd, bd) }, rtol: 1e-6, "linear dx")
        assertClose(dw, numericGrad(wd) { ref(xd, $0, bd) }, rtol: 1e-6, "linear dw")
        assertClose(db, numericGrad(bd) { ref(xd, wd, $0) }, rtol: 1e-6, "linear db")
    }

    func testAttentionGQAWithPackedSequences() {
        checkAttention(AttentionParams(scale: 0.5))
    }

    /// Mistral/Gemma sliding windows (shorter than the sequences), Gemma's query scale and
    /// soft-capped scores.
    func testAttentionSlidingWindowScaleAndSoftcap() {
        checkAttention(AttentionParams(scale: 0.3, window: 2, softcap: 1.5))
        checkAttention(AttentionParams(scale: 0.5, window: 3))
    }

    func checkAttention(_ params: AttentionParams) {
        var rng = SplitMix64(seed: 5)
        let shape = AttentionShape(heads: 4, kvHeads: 2, headDim: 4)
        let batch = TokenBatch([[1, 2, 3], [4, 5, 6, 7, 8], [9]])
        let n = batch.tokenCount, ld = shape.qkvStride
        let qkv = randomArray(n * ld, &rng), r = randomArray(n * shape.outStride, &rng)
        func ref(_ qkv: [Double]) -> Double {
            var total = 0.0
            let group = shape.heads / shape.kvHeads, hd = shape.headDim, scale = Double(params.scale)
            let first = { (t: Int) in params.window.map { max(0, t - $0 + 1) } ?? 0 }
            for s in 0..<batch.sequenceCount {
                let L = batch.lengths[s], b0 = batch.starts[s]
                for h in 0..<shape.heads {
                    let g = h / group
                    for t in 0..<L {
                        var sc = [Double](repeating: -Double.infinity, count: t + 1)
                        for j in first(t)...t {
                            var d = 0.0
                            for i in 0..<hd { d += qkv[(b0 + t) * ld + h * hd + i] * qkv[(b0 + j) * ld + shape.kOffset + g * hd + i] }
                            sc[j] = d * scale
                            if let cap = params.softcap { sc[j] = Double(cap) * tanh(sc[j] / Double(cap)) }
                        }
                        let mx = sc.max()!, e = sc.map { exp($0 - mx) }, z = e.reduce(0, +)
                        for i in 0..<hd {
                            var o = 0.0
                            for j in 0...t { o += e[j] / z * qkv[(b0 + j) * ld + shape.vOffset + g * hd + i] }
                            total += o * Double(r[(b0 + t) * shape.outStride + h * hd + i])
                        }
                    }
                }
            }
            return total
        }
        var lse = [Float](repeating: 0, count: Attention.storage(shape, tokens: n))
        var out = [Float](repeating: 0, count: n * shape.outStride)
        Attention.forward(shape: shape, params: params, batch: batch, qkv: qkv, lse: &lse, out: &out)
        let fwd = zip(out, r).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        XCTAssertEqual(fwd, ref(qkv.map(Double.init)), accuracy: 1e-4)
        var dqkv = [Float](repeating: 0, count: qkv.count)
        Attention.backward(shape: shape, params: params, batch: batch, qkv: qkv, out: out, lse: lse, dout: r, dqkv: &dqkv)
        assertClose(dqkv, numericGrad(qkv.map(Double.init), ref), rtol: 1e-5, "attention dqkv")
    }

    func testLogProbHeadChunked() { checkLogProbHead(softcap: nil) }
    /// Gemma's final_logit_softcapping.
    func testLogProbHeadSoftcap() { checkLogProbHead(softcap: 0.8) }

    func checkLogProbHead(softcap: Float?) {
        var rng = SplitMix64(seed: 6)
        let vocab = 11, dim = 4, rows = 5
        let hidden = randomArray(rows * dim, &rng), w = randomArray(vocab * dim, &rng)
        var t = LogProbTargets()
        for (r, y) in [(0, 3), (1, 10), (3, 0), (4, 7), (1, 2)] { t.append(row: r, token: y) }
        let coeff = randomArray(t.count, &rng)
        func ref(_ h: [Double], _ w: [Double]) -> [Double] {
            (0..<t.count).map { i in
                let r = Int(t.rows[i])
                var logits = (0..<vocab).map { v in (0..<dim).reduce(0.0) { $0 + h[r * dim + $1] * w[v * dim + $1] } }
                if let cap = softcap.map(Double.init) { logits = logits.map { cap * tanh($0 / cap) } }
                let mx = logits.max()!, lse = mx + log(logits.reduce(0) { $0 + exp($1 - mx) })
                return logits[Int(t.tokens[i])] - lse
            }
        }
        func loss(_ h: [Double], _ w: [Double]) -> Double { zip(ref(h, w), coeff).reduce(0) { $0 + $1.0 * Double($1.1) } }
        // A 2-row chunk budget forces several chunks.
        let head = LogProbHead(vocab: vocab, dim: dim, budgetFloats: 2 * vocab, softcap: softcap)
        XCTAssertEqual(head.chunkRows, 2)
        var logps = [Float](repeating: 0, count: t.count), lse = logps
        head.forward(hidden: hidden, weight: w, targets: t, logps: &logps, lse: &lse)
        let hd = hidden.map(Double.init), wd = w.map(Double.init)
        assertClose(logps, ref(hd, wd), rtol: 1e-6, "logprob forward")
        var dh = [Float](repeating: 0, count: hidden.count), dw = [Float](repeating: 0, count: w.count)
        head.backward(hidden: hidden, weight: w, targets: t, lse: lse, coeff: coeff, dHidden: &dh, dWeight: &dw)
        assertClose(dh, numericGrad(hd) { loss($0, wd) }, rtol: 1e-5, "logprob dhidden")
        assertClose(dw, numericGrad(wd) { loss(hd, $0) }, rtol: 1e-5, "logprob dweight")
    }
}

/// The kernels the newer families added: per-head q/k norms and RoPE frequency scaling.
final class FamilyKernelTests: XCTestCase {
    func numericGrad(_ x: [Double], h: Double = 1e-6, _ f: ([Double]) -> Double) -> [Double] {
        var x = x
        return (0..<x.count).map { i in
            let old = x[i]
            x[i] = old + h
            let a = f(x)
            x[i] = old - h
            let b = f(x)
            x[i] = old
            return (a - b) / (2 * h)
        }
    }

    /// Qwen3's q_norm/k_norm (offset 0) and Gemma 3's (offset 1) against finite differences.
    func testHeadRMSNorm() {
        for offset: Float in [0, 1] {
            var rng = SplitMix64(seed: 11)
            let a = AttentionShape(heads: 4, kvHeads: 2, headDim: 4)
            let shape = HeadRMSNorm.Shape(a)
            let rows = 3, ld = shape.rowStride, d = a.headDim, eps: Float = 1e-6
            let x = randomArray(rows * ld, &rng), wq = randomArray(d, &rng), wk = randomArray(d, &rng)
            let r = randomArray(rows * ld, &rng)
            func ref(_ x: [Double], _ wq: [Double], _ wk: [Double]) -> Double {
                var total = 0.0
                for row in 0..<rows {
                    for h in 0..<(a.heads + 2 * a.kvHeads) {
                        let base = row * ld + h * d
                        let normed = h < a.heads + a.kvHeads
                        let w = h < a.heads ? wq : wk
                        var ss = 0.0
                        for i in 0..<d { ss += x[base + i] * x[base + i] }
                        let inv = 1 / (ss / Double(d) + Double(eps)).squareRoot()
                        for i in 0..<d {
                            let y = normed ? x[base + i] * inv * (w[i] + Double(offset)) : x[base + i]
                            total += y * Double(r[base + i])
                        }
                    }
                }
                return total
            }
            var y = [Float](repeating: 0, count: x.count), inv = [Float](repeating: 0, count: rows * shape.normedPerRow)
            HeadRMSNorm.forward(shape: shape, x: x, wq: wq, wk: wk, y: &y, invRMS: &inv, rows: rows, eps: eps, offset: offset)
            let xd = x.map(Double.init), qd = wq.map(Double.init), kd = wk.map(Double.init)
            let fwd = zip(y, r).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            XCTAssertEqual(fwd, ref(xd, qd, kd), accuracy: 1e-4)
            var dx = [Float](repeating: 0, count: x.count), dwq = [Float](repeating: 0, count: d), dwk = dwq
            HeadRMSNorm.backward(shape: shape, dy: r, x: x, wq: wq, wk: wk, invRMS: inv, dx: &dx, dwq: &dwq, dwk: &dwk,
                                 rows: rows, offset: offset)
            assertClose(dx, numericGrad(xd) { ref($0, qd, kd) }, rtol: 1e-5, "head norm dx (offset \(offset))")
            assertClose(dwq, numericGrad(qd) { ref(xd, $0, kd) }, rtol: 1e-5, "head norm dwq (offset \(offset))")
            assertClose(dwk, numericGrad(kd) { ref(xd, qd, $0) }, rtol: 1e-5, "head norm dwk (offset \(offset))")
        }
    }

    /// Llama 3.1's frequency scaling against transformers' `_compute_llama3_parameters`
    /// written out in Double; linear scaling divides every frequency.
    func testRopeScaling() {
        let d = 64, theta = 500_000.0
        let base = (0..<(d / 2)).map { 1 / pow(theta, Double(2 * $0) / Double(d)) }
        let (factor, low, high, original) = (8.0, 1.0, 4.0, 8192.0)
        let expected: [Double] = base.map { f in
            let wavelen = 2 * Double.pi / f
            if wavelen < original / high { return f }
            if wavelen > original / low { return f / factor }
            let smooth = (original / wavelen - low) / (high - low)
            return (1 - smooth) * f / factor + smooth * f
        }
        let spec = RopeSpec(theta: theta, scaling: .llama3(factor: factor, lowFreqFactor: low, highFreqFactor: high,
                                                           originalMaxPositions: original))
        assertClose(spec.inverseFrequencies(headDim: d), expected, rtol: 1e-5, "llama3 inv_freq")
        let linear = RopeSpec(theta: theta, scaling: .linear(factor: 8)).inverseFrequencies(headDim: d)
        assertClose(linear, base.map { $0 / 8 }, rtol: 1e-5, "linear inv_freq")
    }
}
