import Foundation

/// AdamW with decoupled weight decay and bias correction (torch.optim.AdamW semantics),
/// over the flat parameter buffer. Only the given ranges are trained (LoRA trains a few);
/// moments exist for every element of the buffer it was built for, in the same layout.
public final class AdamW {
    public struct Group {
        public var offset: Int, count: Int, decay: Bool
        public init(offset: Int, count: Int, decay: Bool) { self.offset = offset; self.count = count; self.decay = decay }
    }
    public var beta1: Float, beta2: Float, eps: Float, weightDecay: Float
    public let groups: [Group]
    public let m: FloatBuffer, v: FloatBuffer
    public private(set) var step = 0

    public init(size: Int, groups: [Group], beta1: Float = 0.9, beta2: Float = 0.999, eps: Float = 1e-8,
                weightDecay: Float = 0) {
        self.groups = groups; self.beta1 = beta1; self.beta2 = beta2; self.eps = eps; self.weightDecay = weightDecay
        m = FloatBuffer(count: size); v = FloatBuffer(count: size)
    }

    /// Groups for a whole model, HF Trainer style: no decay on biases and norm weights.
    public static func groups(for layout: ParameterLayout) -> [Group] {
        layout.entries.map { Group(offset: $0.offset, count: $0.count, decay: !layout.isNormOrBias($0)) }
    }

    public func update(params: UnsafeMutablePointer<Float>, grads: UnsafePointer<Float>, lr: Float) {
        step += 1
        let b1 = beta1, b2 = beta2, e = eps
        let bc1 = 1 - powf(b1, Float(step)), bc2 = 1 - powf(b2, Float(step))
        let stepSize = lr / bc1, bc2Sqrt = bc2.squareRoot()
        let mp = m.ptr, vp = v.ptr
        for g in groups {
            let decay: Float = g.decay ? 1 - lr * weightDecay : 1
            Parallel.forRange(g.count, minPerWorker: 1 << 15) { lo, hi in
                for i in (g.offset + lo)..<(g.offset + hi) {
                    let gr = grads[i]
                    let mi = b1 * mp[i] + (1 - b1) * gr
                    let vi = b2 * vp[i] + (1 - b2) * gr * gr
                    mp[i] = mi; vp[i] = vi
                    params[i] = params[i] * decay - stepSize * mi / (vi.squareRoot() / bc2Sqrt + e)
                }
            }
        }
    }

    /// Restores the step counter when resuming from a checkpoint.
    public func restore(step: Int) { self.step = step }
}
