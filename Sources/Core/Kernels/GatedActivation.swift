import Foundation

/// The gate's nonlinearity in a gated MLP: SiLU (SwiGLU: Llama, Qwen, Mistral) or the
/// tanh-approximated GELU (GeGLU: Gemma's `gelu_pytorch_tanh`).
public enum GateActivation: String, Sendable {
    case silu
    case geluTanh = "gelu_pytorch_tanh"

    /// HF `hidden_act` / `hidden_activation` spellings.
    public init?(hfName: String) {
        switch hfName {
        case "silu", "swish": self = .silu
        case "gelu_pytorch_tanh", "gelu_tanh": self = .geluTanh
        default: return nil
        }
    }

    /// (f(x), f'(x)).
    @inline(__always)
    func valueAndSlope(_ x: Float) -> (Float, Float) {
        switch self {
        case .silu:
            let s = 1 / (1 + expf(-x))
            return (x * s, s * (1 + x * (1 - s)))
        case .geluTanh:
            // 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), as torch's approximate="tanh".
            let c: Float = 0.797_884_56
            let u = c * (x + 0.044715 * x * x * x)
            let t = tanhf(u)
            let du = c * (1 + 3 * 0.044715 * x * x)
            return (0.5 * x * (1 + t), 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du)
        }
    }
}

/// h = act(gate) · up, with gate and up side by side in one [rows, 2·inter] matrix
/// (the fused gate/up GEMM writes them that way).
public enum GatedActivation {
    public static func forward(_ act: GateActivation, gu: UnsafePointer<Float>, h: UnsafeMutablePointer<Float>,
                               rows: Int, inter: Int) {
        Parallel.forRange(rows, minPerWorker: 8) { lo, hi in
            for r in lo..<hi {
                let g = gu + r * 2 * inter
                let u = g + inter
                let hr = h + r * inter
                switch act {
                case .silu:
                    // The common case stays a tight loop the compiler vectorises.
                    for i in 0..<inter { let x = g[i]; hr[i] = x / (1 + expf(-x)) * u[i] }
                case .geluTanh:
                    for i in 0..<inter { hr[i] = act.valueAndSlope(g[i]).0 * u[i] }
                }
            }
        }
    }

    /// dgu += [dh · u · act'(g), dh · act(g)].
    public static func backward(_ act: GateActivation, dh: UnsafePointer<Float>, gu: UnsafePointer<Float>,
                                dgu: UnsafeMutablePointer<Float>, rows: Int, inter: Int) {
        Parallel.forRange(rows, minPerWorker: 8) { lo, hi in
            for r in lo..<hi {
                let g = gu + r * 2 * inter
                let u = g + inter
                let d = dh + r * inter
                let dg = dgu + r * 2 * inter
                let du = dg + inter
                for i in 0..<inter {
                    let (f, slope) = act.valueAndSlope(g[i])
                    du[i] += d[i] * f
                    dg[i] += d[i] * u[i] * slope
                }
            }
        }
    }
}
