/// The reward head of `*ForSequenceClassification` with num_labels 1: score = w · h at the
/// last real token of each sequence.
public enum ScoreHead {
    public static func forward(hidden: UnsafePointer<Float>, w: UnsafePointer<Float>, rows: [Int], dim: Int) -> [Float] {
        rows.map { r in
            var s: Float = 0
            let h = hidden + r * dim
            for i in 0..<dim { s += h[i] * w[i] }
            return s
        }
    }

    /// coeff[i] = dL/dscore[i]: dHidden[row] += coeff·w ; dw += coeff·h.
    public static func backward(hidden: UnsafePointer<Float>, w: UnsafePointer<Float>, rows: [Int], coeff: [Float],
                                dim: Int, dHidden: UnsafeMutablePointer<Float>, dw: UnsafeMutablePointer<Float>?) {
        for (i, r) in rows.enumerated() {
            let c = coeff[i], h = hidden + r * dim, d = dHidden + r * dim
            for j in 0..<dim { d[j] += c * w[j] }
            if let dw { for j in 0..<dim { dw[j] += c * h[j] } }
        }
    }
}
