import XCTest
import Core

/// The bf16 projection against fp32 math on the same rounded weights: only summation order
/// may differ. Odd shapes exercise the tails of the 16-lane and 4-row loops.
final class GenerationBF16Tests: XCTestCase {
    func check(rows: Int, inDim: Int, outDim: Int, accumulate: Bool) {
        var rng = SplitMix64(seed: UInt64(rows * 1000 + inDim))
        let w = randomArray(outDim * inDim, &rng), x = randomArray(rows * inDim, &rng), b = randomArray(outDim, &rng)
        let bits = w.map { HalfFloat.bf16Bits(from: $0) }
        let y0 = randomArray(rows * outDim, &rng)
        var expected = y0
        for r in 0..<rows {
            for o in 0..<outDim {
                var s: Double = 0
                for k in 0..<inDim { s += Double(x[r * inDim + k]) * Double(HalfFloat.float(fromBF16: bits[o * inDim + k])) }
                expected[r * outDim + o] = Float(s) + b[o] + (accumulate ? y0[r * outDim + o] : 0)
            }
        }
        var y = y0
        bits.withUnsafeBufferPointer { wp in
            BF16Linear.forward(x: x, w: wp.baseAddress!, b: b, y: &y, rows: rows, inDim: inDim, outDim: outDim,
                               accumulate: accumulate, scratch: Scratch())
        }
        assertClose(y, expected, rtol: 1e-5, "bf16 linear rows \(rows) in \(inDim) out \(outDim) acc \(accumulate)")
    }

    func testMatchesFP32OnRoundedWeights() {
        for (rows, inDim, outDim) in [(1, 70, 37), (1, 71, 130), (1, 64, 256), (3, 70, 37), (2, 71, 130)] {
            check(rows: rows, inDim: inDim, outDim: outDim, accumulate: false)
            check(rows: rows, inDim: inDim, outDim: outDim, accumulate: true)
        }
    }

    /// Rows wider than a worker's scratch block (a wide down_proj): the block grows to one row
    /// instead of spilling into the next worker's block and the shared input copy.
    func testInputWiderThanTheScratchBlock() {
        check(rows: 2, inDim: BF16Linear.blockFloats + 5, outDim: 130, accumulate: false)
    }
}
