import ArgumentParser
import Core
import Foundation

/// `prefkit-bench shapes`: GFLOP/s of the model's own GEMM shapes, to see which ones
/// fall short of the ceiling (thin matrices, transposes, small k).
struct GemmShapes: ParsableCommand {
    /// (name, transA, transB, m, n, k) of the 0.5B model's training and scoring products.
    static func qwen05b(rows n: Int) -> [(String, Bool, Bool, Int, Int, Int)] {
        [
            ("qkv fwd", false, true, n, 1152, 896), ("o fwd", false, true, n, 896, 896),
            ("gate/up fwd", false, true, n, 9728, 896), ("down fwd", false, true, n, 896, 4864),
            ("gate/up dx", false, false, n, 896, 9728), ("gate/up dW", true, false, 9728, 896, n),
            ("down dx", false, false, n, 4864, 896), ("down dW", true, false, 896, 4864, n),
            ("lm head fwd 110", false, true, 110, 151_936, 896), ("lm head dh 110", false, false, 110, 896, 151_936),
            ("lm head dW 110", true, false, 151_936, 896, 110),
            ("lm head fwd 440", false, true, 440, 151_936, 896), ("lm head dW 440", true, false, 151_936, 896, 440),
        ]
    }

    static let configuration = CommandConfiguration(commandName: "shapes", abstract: "Time the 0.5B model's GEMM shapes.")
    @Option var rows = 512
    @Flag(help: "Split output columns over our own threads, single-threaded BLAS each.") var split = false

    func run() throws {
        let shapes = Self.qwen05b(rows: rows)
        for (name, ta, tb, m, nn, k) in shapes {
            let a = FloatBuffer(count: m * k), b = FloatBuffer(count: k * nn), c = FloatBuffer(count: m * nn)
            let lda = ta ? m : k, ldb = tb ? k : nn
            sgemm(transA: ta, transB: tb, m: m, n: nn, k: k, a: a.ptr, lda: lda, b: b.ptr, ldb: ldb, beta: 1, c: c.ptr, ldc: nn)
            var best = 0.0
            for _ in 0..<3 {
                let t0 = now()
                if split {
                    Parallel.forRange(nn, minPerWorker: 64) { lo, hi in
                        let bp = tb ? b.ptr + lo * ldb : b.ptr + lo
                        sgemm(transA: ta, transB: tb, m: m, n: hi - lo, k: k, a: a.ptr, lda: lda, b: bp, ldb: ldb, beta: 1, c: c.ptr + lo, ldc: nn)
                    }
                } else {
                sgemm(transA: ta, transB: tb, m: m, n: nn, k: k, a: a.ptr, lda: lda, b: b.ptr, ldb: ldb, beta: 1, c: c.ptr, ldc: nn)
                }
                best = max(best, 2 * Double(m * nn * k) / (now() - t0) / 1e9)
            }
            print(String(format: "%@ %6d x %6d x %6d  %6.1f GFLOP/s", name.padding(toLength: 16, withPad: " ", startingAt: 0), m, nn, k, best))
        }
    }
}
