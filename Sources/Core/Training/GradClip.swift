/// Global L2 norm of the gradients over the trained ranges, accumulated in Double,
/// and clipping to a maximum norm as torch.nn.utils.clip_grad_norm_ does.
public enum GradClip {
    public static func norm(_ grads: UnsafePointer<Float>, groups: [AdamW.Group]) -> Double {
        var total = 0.0
        for g in groups {
            var s = 0.0
            var i = g.offset
            let end = g.offset + g.count
            // Float partial sums over short runs keep this fast without losing Double accuracy.
            while i < end {
                let stop = min(end, i + 256)
                var f: Float = 0
                while i < stop { f += grads[i] * grads[i]; i += 1 }
                s += Double(f)
            }
            total += s
        }
        return total.squareRoot()
    }

    /// Scales gradients so their norm is at most maxNorm; returns the norm before clipping.
    @discardableResult
    public static func clip(_ grads: UnsafeMutablePointer<Float>, groups: [AdamW.Group], maxNorm: Double) -> Double {
        let n = norm(grads, groups: groups)
        guard maxNorm > 0, n.isFinite, n > maxNorm else { return n }
        let scale = Float(maxNorm / (n + 1e-6))
        for g in groups { for i in g.offset..<(g.offset + g.count) { grads[i] *= scale } }
        return n
    }
}
