import Core
import XCTest

/// Blockwise attention against a Double reference of plain softmax attention (causal, GQA,
/// sliding windows, soft-capping, forked pairs) at lengths that cross the 128-row tiles at odd
/// places, and its backward against central differences along random directions.
final class BlockwiseAttentionTests: XCTestCase {
    let shape = AttentionShape(heads: 4, kvHeads: 2, headDim: 8)

    /// Σ r ∘ out of plain attention in Double; visibility from the batch's positions and forks.
    func reference(_ batch: TokenBatch, _ qkv: [Double], _ r: [Float], _ p: AttentionParams) -> Double {
        let ld = shape.qkvStride, hd = shape.headDim, group = shape.heads / shape.kvHeads
        var total = 0.0
        for s in 0..<batch.sequenceCount {
            let b0 = batch.starts[s], L = batch.lengths[s], fork = batch.forks[s]
            for h in 0..<shape.heads {
                let g = h / group
                for i in 0..<L {
                    var sc: [(Int, Double)] = []
                    for j in 0...i {
                        if let f = fork, i >= f.second, j >= f.first, j < f.second { continue }
                        if let w = p.window, Int(batch.positions[b0 + i]) - Int(batch.positions[b0 + j]) >= w { continue }
                        var d = 0.0
                        for x in 0..<hd { d += qkv[(b0 + i) * ld + h * hd + x] * qkv[(b0 + j) * ld + shape.kOffset + g * hd + x] }
                        d *= Double(p.scale)
                        if let cap = p.softcap { d = Double(cap) * tanh(d / Double(cap)) }
                        sc.append((j, d))
                    }
                    let mx = sc.map(\.1).max()!
                    let z = sc.reduce(0.0) { $0 + exp($1.1 - mx) }
                    for x in 0..<hd {
                        var o = 0.0
                        for (j, d) in sc { o += exp(d - mx) / z * qkv[(b0 + j) * ld + shape.vOffset + g * hd + x] }
                        total += o * Double(r[(b0 + i) * shape.outStride + h * hd + x])
                    }
                }
            }
        }
        return total
    }

    func run(_ batch: TokenBatch, _ qkv: [Float], _ p: AttentionParams) -> (out: [Float], lse: [Float]) {
        var lse = [Float](repeating: 0, count: Attention.storage(shape, tokens: batch.tokenCount))
        var out = [Float](repeating: 0, count: batch.tokenCount * shape.outStride)
        Attention.forward(shape: shape, params: p, batch: batch, qkv: qkv, lse: &lse, out: &out)
        return (out, lse)
    }

    func check(_ batch: TokenBatch, _ p: AttentionParams, _ label: String) {
        var rng = SplitMix64(seed: 21)
        let n = batch.tokenCount
        let qkv = randomArray(n * shape.qkvStride, &rng), r = randomArray(n * shape.outStride, &rng)
        let (out, lse) = run(batch, qkv, p)
        let fwd = zip(out, r).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        let ref = reference(batch, qkv.map(Double.init), r, p)
        let fwdErr = abs(fwd - ref) / max(1, abs(ref))
        print(String(format: "  close: %@ forward rel %.2e (tol 1e-5)", label, fwdErr))
        XCTAssertLessThan(fwdErr, 1e-5, label)
        var dqkv = [Float](repeating: 0, count: qkv.count)
        Attention.backward(shape: shape, params: p, batch: batch, qkv: qkv, out: out, lse: lse, dout: r, dqkv: &dqkv)
        for trial in 0..<2 {
            let dir = (0..<qkv.count).map { _ in Double(rng.nextGaussian()) }
            let analytic = zip(dqkv, dir).reduce(0.0) { $0 + Double($1.0) * $1.1 }
            let h = 1e-4
            let plus = reference(batch, zip(qkv, dir).map { Double($0) + h * $1 }, r, p)
            let minus = reference(batch, zip(qkv, dir).map { Double($0) - h * $1 }, r, p)
            let numeric = (plus - minus) / (2 * h)
            let err = abs(numeric - analytic) / max(1e-3, abs(numeric))
            print(String(format: "  close: %@ backward direction %d rel %.2e (tol 1e-4)", label, trial, err))
            XCTAssertLessThan(err, 1e-4, "\(label) backward: numeric \(numeric) analytic \(analytic)")
        }
    }

    func testLengthsAcrossTileEdges() {
        let batch = TokenBatch([1, 7, 64, 300].map { n in (0..<n).map { $0 % 50 } })
        check(batch, AttentionParams(scale: 0.35), "causal GQA")
        check(batch, AttentionParams(scale: 0.35, window: 37), "window 37")
        check(batch, AttentionParams(scale: 0.35, window: 130, softcap: 2), "window 130, softcap")
    }

    /// A forked pair (prompt, then two branches) crossing tile edges, with a window.
    func testForkedSequences() {
        var batch = TokenBatch()
        batch.appendFork(prompt: Array(0..<5), Array(0..<140), Array(0..<131))
        batch.append(Array(0..<9))
        batch.appendFork(prompt: Array(0..<3), [1], [2, 3])
        check(batch, AttentionParams(scale: 0.35), "fork")
        check(batch, AttentionParams(scale: 0.35, window: 20), "fork, window 20")
    }

    /// The shared prompt computes exactly what the two separate sequences would.
    func testForkEqualsSeparateSequences() {
        var rng = SplitMix64(seed: 5)
        let prompt = 70, a = 90, b = 75
        let ld = shape.qkvStride
        let rowsP = randomArray(prompt * ld, &rng), rowsA = randomArray(a * ld, &rng), rowsB = randomArray(b * ld, &rng)
        var forked = TokenBatch()
        forked.appendFork(prompt: Array(repeating: 0, count: prompt), Array(repeating: 0, count: a), Array(repeating: 0, count: b))
        let separate = TokenBatch([Array(repeating: 0, count: prompt + a), Array(repeating: 0, count: prompt + b)])
        for p in [AttentionParams(scale: 0.3), AttentionParams(scale: 0.3, window: 33)] {
            let (fo, _) = run(forked, rowsP + rowsA + rowsB, p)
            let (so, _) = run(separate, rowsP + rowsA + rowsP + rowsB, p)
            let os = shape.outStride
            // Prompt and first branch rows, then the second branch against the second sequence's tail.
            assertClose(Array(fo[0..<((prompt + a) * os)]), Array(so[0..<((prompt + a) * os)]), rtol: 1e-6, "fork prompt+a")
            assertClose(Array(fo[((prompt + a) * os)...]), Array(so[((2 * prompt + a) * os)...]), rtol: 1e-6, "fork b")
        }
    }
}
