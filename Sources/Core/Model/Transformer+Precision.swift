import CKernels

/// What depends on where the matrices live (f32 parameters, or HalfWeights only).
extension Transformer {
    /// A digest of the weights as they are used: the f32 parameters, and the half copy when the
    /// matrices live there. A bf16 base and its f32 original differ, so reference log-probs
    /// computed with one are not taken for the other.
    public var weightsDigest: String {
        let floats = Digest.ofFloats(params.ptr, count: params.count)
        guard let h = halfMatrices else { return floats }
        var d = Digest()
        d.update(floats)
        d.update(h.dtype.rawValue)
        // Sampled on a stride as ofFloats does: enough to tell checkpoints apart.
        let stride = max(1, h.count / (1 << 20))
        var i = 0
        while i < h.count {
            var v = h.ptr[i]
            withUnsafeBytes(of: &v) { d.update($0) }
            i += stride
        }
        return d.hex
    }

    /// An f32 copy whose matrices hold the values this model multiplies by (a half matrix
    /// widened exactly): what merging an adapter or decoding from a frozen half base starts from.
    public func widenedCopy() -> Transformer {
        // Checkpoint.load's rule: a causal LM has an LM head, a reward model a score head.
        let copy = Transformer(config: config, withLMHead: !hasScoreHead, withScoreHead: hasScoreHead, configJSON: configJSON)
        precondition(copy.layout.totalCount == layout.totalCount, "the copy has the same layout")
        copy.params.ptr.update(from: params.ptr, count: params.count)
        if let h = halfMatrices {
            for e in layout.entries where HalfWeights.holds(e) {
                pk_widen(h.dtype.kernelCode, h.ptr + e.offset, copy.params.ptr + e.offset, Int64(e.count))
            }
        }
        return copy
    }
}
