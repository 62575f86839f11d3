import Foundation

/// RMSNorm: y = x / sqrt(mean(x²) + eps) · (w + offset), row by row over [rows, dim].
/// offset is 0 for Llama-style norms and 1 for Gemma's, which store w around zero.
public enum RMSNorm {
    /// Writes y and the per-row 1/rms that backward needs.
    public static func forward(x: UnsafePointer<Float>, w: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>,
                               invRMS: UnsafeMutablePointer<Float>, rows: Int, dim: Int, eps: Float, offset: Float = 0) {
        Parallel.forRange(rows, minPerWorker: 16) { lo, hi in
            for r in lo..<hi {
                let xr = x + r * dim, yr = y + r * dim
                var ss: Float = 0
                for i in 0..<dim { ss += xr[i] * xr[i] }
                let inv = 1 / (ss / Float(dim) + eps).squareRoot()
                invRMS[r] = inv
                for i in 0..<dim { yr[i] = xr[i] * inv * (w[i] + offset) }
            }
        }
    }

    /// dx += dL/dx; dw += dL/dw. With g = (w + offset)·dy: dx = inv·g − x·inv³·mean(g·x).
    public static func backward(dy: UnsafePointer<Float>, x: UnsafePointer<Float>, w: UnsafePointer<Float>,
                                invRMS: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>,
                                dw: UnsafeMutablePointer<Float>?, rows: Int, dim: Int, offset: Float = 0) {
        Parallel.forRange(rows, minPerWorker: 16) { lo, hi in
            for r in lo..<hi {
                let xr = x + r * dim, dyr = dy + r * dim, dxr = dx + r * dim
                let inv = invRMS[r]
                var dot: Float = 0
                for i in 0..<dim { dot += (w[i] + offset) * dyr[i] * xr[i] }
                let k = inv * inv * inv * dot / Float(dim)
                for i in 0..<dim { dxr[i] += inv * (w[i] + offset) * dyr[i] - k * xr[i] }
            }
        }
        guard let dw else { return }
        for r in 0..<rows {
            let xr = x + r * dim, dyr = dy + r * dim, inv = invRMS[r]
            for i in 0..<dim { dw[i] += dyr[i] * xr[i] * inv }
        }
    }
}
