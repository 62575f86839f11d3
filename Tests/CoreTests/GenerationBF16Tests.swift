import XCTest
import Core

/// The decoding projection (DecodeLinear) against fp64 math on the same rounded weights, for
/// f32, bf16 and f16 storage and both kernel variants: only summation order and FMA may
/// differ. Odd shapes exercise every tail: k not a multiple of 8 (or 16), output columns not
/// a multiple of the 4-row tile, 1 row (registers only), 2 rows, more rows than a register
/// tile (the widened-tile path), and more than `rowBlock` rows (two passes).
/// Bound: |y − ref| ≤ 1e-5 · (1 + Σ|x·w|) — fp32 summation of k ≤ 33k terms, far below the
/// bf16 rounding of a weight (2⁻⁹ relative), so a wrong weight, row or column shows.
final class GenerationBF16Tests: XCTestCase {
    func check(_ dtype: WeightsDType, _ variant: KernelVariant, rows: Int, inDim: Int, outDim: Int, accumulate: Bool) {
        var rng = SplitMix64(seed: UInt64(rows * 1000 + inDim))
        let w = randomArray(outDim * inDim, &rng), x = randomArray(rows * inDim, &rng), b = randomArray(outDim, &rng)
        let stored = HalfRounding.round(w, to: dtype)          // the weights as the kernel sees them
        let y0 = randomArray(rows * outDim, &rng)
        var expected = y0, scale = [Double](repeating: 1, count: rows * outDim)
        for r in 0..<rows {
            for o in 0..<outDim {
                var s: Double = 0, a: Double = 0
                for k in 0..<inDim {
                    let p = Double(x[r * inDim + k]) * Double(stored.values[o * inDim + k])
                    s += p; a += abs(p)
                }
                expected[r * outDim + o] = Float(s + Double(b[o]) + (accumulate ? Double(y0[r * outDim + o]) : 0))
                scale[r * outDim + o] += a + abs(Double(b[o])) + abs(Double(y0[r * outDim + o]))
            }
        }
        var y = y0
        stored.raw.withUnsafeBytes { wp in
            DecodeLinear.forward(x: x, w: wp.baseAddress!, dtype: dtype, b: b, y: &y, rows: rows, inDim: inDim,
                                 outDim: outDim, accumulate: accumulate, scratch: Scratch(), variant: variant)
        }
        var worst = 0.0
        for i in y.indices { worst = max(worst, abs(Double(y[i]) - Double(expected[i])) / scale[i]) }
        XCTAssertLessThanOrEqual(worst, 1e-5, "\(dtype) \(variant) rows \(rows) in \(inDim) out \(outDim) acc \(accumulate)")
    }

    func testMatchesReferenceOnRoundedWeights() {
        for dtype in WeightsDType.allCases {
            for variant in KernelVariant.supported {
                for (rows, inDim, outDim) in [(1, 70, 37), (1, 71, 130), (1, 64, 256), (1, 7, 5), (2, 71, 130),
                                              (3, 70, 37), (5, 17, 9), (8, 896, 67), (33, 129, 40), (65, 71, 130)] {
                    check(dtype, variant, rows: rows, inDim: inDim, outDim: outDim, accumulate: false)
                    check(dtype, variant, rows: rows, inDim: inDim, outDim: outDim, accumulate: true)
                }
            }
        }
    }

    /// Rows wider than L1 and L2 (a wide down_proj), in two row blocks.
    func testWideInput() {
        check(.bf16, .selected, rows: DecodeLinear.rowBlock + 1, inDim: 32 * 1024 + 5, outDim: 13, accumulate: false)
        check(.f16, .selected, rows: 2, inDim: 32 * 1024 + 5, outDim: 9, accumulate: true)
    }

    /// A row's result does not depend on how many rows share the call or where it sits:
    /// what makes continuous batching give the tokens of batch size 1.
    func testRowResultIndependentOfBatch() {
        for variant in KernelVariant.supported { rowIndependence(variant) }
    }

    func rowIndependence(_ variant: KernelVariant) {
        var rng = SplitMix64(seed: 9)
        let inDim = 203, outDim = 75
        let w = HalfRounding.round(randomArray(outDim * inDim, &rng), to: .bf16)
        let x = randomArray(70 * inDim, &rng)
        func run(_ rows: ArraySlice<Float>, _ n: Int) -> [Float] {
            var y = [Float](repeating: 0, count: n * outDim)
            w.raw.withUnsafeBytes { wp in
                Array(rows).withUnsafeBufferPointer { xp in
                    DecodeLinear.forward(x: xp.baseAddress!, w: wp.baseAddress!, dtype: .bf16, b: nil, y: &y, rows: n,
                                         inDim: inDim, outDim: outDim, scratch: Scratch(), variant: variant)
                }
            }
            return y
        }
        let all = run(x[...], 70)
        for (start, n) in [(0, 1), (7, 1), (7, 2), (12, 3), (39, 1), (3, 33), (65, 5)] {
            let part = run(x[(start * inDim)..<((start + n) * inDim)], n)
            XCTAssertEqual(part, Array(all[(start * outDim)..<((start + n) * outDim)]), "\(variant) rows \(start)..<\(start + n)")
        }
    }

    func testDispatchHonoursTheEnvironment() {
        let all: [KernelVariant] = [.avx512, .avx2, .portable]
        XCTAssertEqual(KernelVariant.choose(environment: [:], supported: all), .avx512)
        XCTAssertEqual(KernelVariant.choose(environment: ["PREFKIT_NO_AVX512": "1"], supported: all), .avx2)
        XCTAssertEqual(KernelVariant.choose(environment: ["PREFKIT_NO_AVX2": "1"], supported: all), .portable)
        XCTAssertEqual(KernelVariant.choose(environment: ["PREFKIT_NO_AVX2": "0"], supported: all), .avx512)
        XCTAssertEqual(KernelVariant.choose(environment: [:], supported: [.avx2, .portable]), .avx2)
        XCTAssertEqual(KernelVariant.choose(environment: [:], supported: [.portable]), .portable)
        let env = ProcessInfo.processInfo.environment
        if env["PREFKIT_NO_AVX2"] == nil && env["PREFKIT_NO_AVX512"] == nil {
            XCTAssertEqual(KernelVariant.selected, KernelVariant.supported.first)
        }
    }
}
