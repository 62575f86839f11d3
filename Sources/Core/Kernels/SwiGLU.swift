import Foundation

/// SwiGLU: h = silu(gate) · up, with gate and up side by side in one [rows, 2·inter] matrix
/// (the fused gate/up GEMM writes them that way).
public enum SwiGLU {
    public static func forward(gu: UnsafePointer<Float>, h: UnsafeMutablePointer<Float>, rows: Int, inter: Int) {
        Parallel.forRange(rows, minPerWorker: 8) { lo, hi in
            for r in lo..<hi {
                let g = gu + r * 2 * inter, u = g + inter, hr = h + r * inter
                for i in 0..<inter { let x = g[i]; hr[i] = x / (1 + expf(-x)) * u[i] }
            }
        }
    }

    /// dgu = [dh · u · silu'(g), dh · silu(g)], silu'(x) = σ(x)(1 + x(1 − σ(x))).
    public static func backward(dh: UnsafePointer<Float>, gu: UnsafePointer<Float>, dgu: UnsafeMutablePointer<Float>,
                                rows: Int, inter: Int) {
        Parallel.forRange(rows, minPerWorker: 8) { lo, hi in
            for r in lo..<hi {
                let g = gu + r * 2 * inter, u = g + inter, d = dh + r * inter
                let dg = dgu + r * 2 * inter, du = dg + inter
                for i in 0..<inter {
                    let x = g[i], s = 1 / (1 + expf(-x))
                    du[i] = d[i] * x * s
                    dg[i] = d[i] * u[i] * s * (1 + x * (1 - s))
                }
            }
        }
    }
}
