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

    func testRMSNorm() {
        var rng = SplitMix64(seed: 1)
        let rows = 3, dim = 8, eps: Float = 1e-5
        let x = randomArray(rows * dim, &rng), w = randomArray(dim, &rng), r = randomArray(rows * dim, &rng)
        func ref(_ x: [Double], _ w: [Double]) -> [Double] {
            var y = [Double](repeating: 0, count: rows * dim)
            for i in 0..<rows {
                var ss = 0.0
                for j in 0..<dim { ss += x[i * dim + j] * x[i * dim + j] }
                let inv = 1 / (ss / Double(dim) + Double(eps)).squareRoot()
                for j in 0..<dim { y[i * dim + j] = x[i * dim + j] * inv * w[j] }
            }
            return y
        }
        func loss(_ y: [Double]) -> Double { zip(y, r).reduce(0) { $0 + $1.0 * Double($1.1) } }
        var y = [Float](repeating: 0, count: rows * dim), inv = [Float](repeating: 0, count: rows)
        RMSNorm.forward(x: x, w: w, y: &y, invRMS: &inv, rows: rows, dim: dim, eps: eps)
        assertClose(y, ref(x.map(Double.init), w.map(Double.init)), rtol: 1e-6, "rmsnorm forward")
        var dx = [Float](repeating: 0, count: rows * dim), dw = [Float](repeating: 0, count: dim)
        RMSNorm.backward(dy: r, x: x, w: w, invRMS: inv, dx: &dx, dw: &dw, rows: rows, dim: dim)
        let wd = w.map(Double.init), xd = x.map(Double.init)
        assertClose(dx, numericGrad(xd) { loss(ref($0, wd)) }, rtol: 1e-5, "rmsnorm dx")
        assertClose(dw, numericGrad(wd) { loss(ref(xd, $0)) }, rtol: 1e-5, "rmsnorm dw")
    }

    func testRopeInverseIsTransposeAndMatchesFormula() {
        var rng = SplitMix64(seed: 2)
        let hd = 8, heads = 2, rows = 5
        let rope = RopeTables(headDim: hd, theta: 10000, maxPositions: 16)
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
        var rng = SplitMix64(seed: 3)
        let rows = 2, inter = 5
        let gu = randomArray(rows * 2 * inter, &rng, scale: 2), r = randomArray(rows * inter, &rng)
        func ref(_ gu: [Double]) -> Double {
            var s = 0.0
            for i in 0..<rows { for j in 0..<inter {
                let g = gu[i * 2 * inter + j], u = gu[i * 2 * inter + inter + j]
                s += g / (1 + exp(-g)) * u * Double(r[i * inter + j])
            } }
            return s
        }
        var h = [Float](repeating: 0, count: rows * inter)
        SwiGLU.forward(gu: gu, h: &h, rows: rows, inter: inter)
        var dgu = [Float](repeating: 0, count: gu.count)
        SwiGLU.backward(dh: r, gu: gu, dgu: &dgu, rows: rows, inter: inter)
        assertClose(dgu, numericGrad(gu.map(Double.init), ref), rtol: 1e-5, "swiglu dgu")
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
        var rng = SplitMix64(seed: 5)
        let shape = AttentionShape(heads: 4, kvHeads: 2, headDim: 4)
        let batch = TokenBatch([[1, 2, 3], [4, 5, 6, 7, 8], [9]])
        let n = batch.tokenCount, ld = shape.qkvStride
        let qkv = randomArray(n * ld, &rng), r = randomArray(n * shape.outStride, &rng)
        func ref(_ qkv: [Double]) -> Double {
            var total = 0.0
            let group = shape.heads / shape.kvHeads, hd = shape.headDim, scale = 1 / Double(hd).squareRoot()
            for s in 0..<batch.sequenceCount {
                let L = batch.lengths[s], b0 = batch.starts[s]
                for h in 0..<shape.heads {
                    let g = h / group
                    for t in 0..<L {
                        var sc = [Double](repeating: 0, count: t + 1)
                        for j in 0...t {
                            var d = 0.0
                            for i in 0..<hd { d += qkv[(b0 + t) * ld + h * hd + i] * qkv[(b0 + j) * ld + shape.kOffset + g * hd + i] }
                            sc[j] = d * scale
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
        var probs = [Float](repeating: 0, count: shape.heads * batch.attentionArea)
        var out = [Float](repeating: 0, count: n * shape.outStride)
        Attention.forward(shape: shape, batch: batch, qkv: qkv, probs: &probs, out: &out)
        let fwd = zip(out, r).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        XCTAssertEqual(fwd, ref(qkv.map(Double.init)), accuracy: 1e-4)
        var dqkv = [Float](repeating: 0, count: qkv.count)
        Attention.backward(shape: shape, batch: batch, qkv: qkv, probs: probs, dout: r, dqkv: &dqkv)
        assertClose(dqkv, numericGrad(qkv.map(Double.init), ref), rtol: 1e-5, "attention dqkv")
    }

    func testLogProbHeadChunked() {
        var rng = SplitMix64(seed: 6)
        let vocab = 11, dim = 4, rows = 5
        let hidden = randomArray(rows * dim, &rng), w = randomArray(vocab * dim, &rng)
        var t = LogProbTargets()
        for (r, y) in [(0, 3), (1, 10), (3, 0), (4, 7), (1, 2)] { t.append(row: r, token: y) }
        let coeff = randomArray(t.count, &rng)
        func ref(_ h: [Double], _ w: [Double]) -> [Double] {
            (0..<t.count).map { i in
                let r = Int(t.rows[i])
                let logits = (0..<vocab).map { v in (0..<dim).reduce(0.0) { $0 + h[r * dim + $1] * w[v * dim + $1] } }
                let mx = logits.max()!, lse = mx + log(logits.reduce(0) { $0 + exp($1 - mx) })
                return logits[Int(t.tokens[i])] - lse
            }
        }
        func loss(_ h: [Double], _ w: [Double]) -> Double { zip(ref(h, w), coeff).reduce(0) { $0 + $1.0 * Double($1.1) } }
        // A 2-row chunk budget forces several chunks.
        let head = LogProbHead(vocab: vocab, dim: dim, budgetFloats: 2 * vocab)
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
