/// The adapters' forward and backward, called by the transformer right after the base
/// projection they sit on (before RoPE for q/k). `store` is this layer's activation block.
extension LoRAAdapter {
    /// y[:, col ..< col+out] += s·(x_d·Aᵀ)·Bᵀ, keeping u = x_d·Aᵀ (and the dropout mask) in store.
    func forward(_ l: Int, _ t: LoRATarget, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, rows n: Int,
                 store: UnsafeMutablePointer<Float>, training: Bool, scratch: Scratch) {
        guard enabled, let s = slot(l, t) else { return }
        let r = config.rank, p = params.ptr, sc = config.scale
        let u = store + s.store * n
        var xin = x
        if training && config.dropout > 0 {
            let mask = u + n * r, xd = scratch.get(n * s.inDim)
            fillMask(mask, count: n * s.inDim, layer: l, target: t)
            for i in 0..<(n * s.inDim) { xd[i] = x[i] * mask[i] }
            xin = UnsafePointer(xd)
        }
        sgemm(transB: true, m: n, n: r, k: s.inDim, a: xin, lda: s.inDim, b: p + s.a, ldb: s.inDim, c: u, ldc: r)
        sgemm(transB: true, m: n, n: s.outDim, k: r, alpha: sc, a: u, lda: r, b: p + s.b, ldb: r, beta: 1, c: y + s.col, ldc: s.ld)
    }

    /// dA, dB accumulate into grads; dx += s·(dy·B·A) ∘ mask. dy is the gradient of the
    /// projection's output (the fused matrix, read at this adapter's columns).
    func backward(_ l: Int, _ t: LoRATarget, x: UnsafePointer<Float>, dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>,
                  rows n: Int, store: UnsafeMutablePointer<Float>, scratch: Scratch) {
        guard enabled, let s = slot(l, t) else { return }
        let r = config.rank, p = params.ptr, g = grads.ptr, sc = config.scale
        let u = store + s.store * n
        let dropping = config.dropout > 0
        let work = scratch.get(n * r + n * s.inDim)
        let gu = work, tmp = work + n * r
        // gu = dy·B [n, r]
        sgemm(m: n, n: r, k: s.outDim, a: dy + s.col, lda: s.ld, b: p + s.b, ldb: r, c: gu, ldc: r)
        // dB += s·dyᵀ·u
        sgemm(transA: true, m: s.outDim, n: r, k: n, alpha: sc, a: dy + s.col, lda: s.ld, b: u, ldb: r, beta: 1, c: g + s.b, ldc: r)
        // dA += s·guᵀ·x_d
        var xin = x
        if dropping {
            let mask = u + n * r
            for i in 0..<(n * s.inDim) { tmp[i] = x[i] * mask[i] }
            xin = UnsafePointer(tmp)
        }
        sgemm(transA: true, m: r, n: s.inDim, k: n, alpha: sc, a: gu, lda: r, b: xin, ldb: s.inDim, beta: 1, c: g + s.a, ldc: s.inDim)
        // dx += s·(gu·A) ∘ mask
        if dropping {
            let mask = u + n * r
            sgemm(m: n, n: s.inDim, k: r, alpha: sc, a: gu, lda: r, b: p + s.a, ldb: s.inDim, c: tmp, ldc: s.inDim)
            for i in 0..<(n * s.inDim) { dx[i] += tmp[i] * mask[i] }
        } else {
            sgemm(m: n, n: s.inDim, k: r, alpha: sc, a: gu, lda: r, b: p + s.a, ldb: s.inDim, beta: 1, c: dx, ldc: s.inDim)
        }
    }

    /// Inverted-dropout mask (0 or 1/(1−p)) from (seed, step, layer, target): reproducible on resume.
    private func fillMask(_ m: UnsafeMutablePointer<Float>, count: Int, layer: Int, target: LoRATarget) {
        let tIndex = UInt64(LoRATarget.allCases.firstIndex(of: target)!)
        var rng = SplitMix64(seed: dropoutSeed &* 0x9E37_79B9 &+ dropoutStep &* 1_000_003 &+ UInt64(layer) &* 31 &+ tIndex
                                   &+ dropoutRank &* 0x2545_F491_4F6C_DD1D)
        let p = Float(config.dropout), keep = 1 / (1 - p)
        for i in 0..<count { m[i] = rng.nextFloat() < p ? 0 : keep }
    }

    /// Folds the adapters into the base weights: W += s·B·A. For inference and `--merge`.
    public func merge(into model: Transformer) {
        let p = params.ptr, sc = config.scale
        for s in slots {
            let w = model.params.ptr + weightOffset(model, s)
            sgemm(m: s.outDim, n: s.inDim, k: config.rank, alpha: sc, a: p + s.b, lda: config.rank, b: p + s.a, ldb: s.inDim,
                  beta: 1, c: w, ldc: s.inDim)
        }
    }

    /// Where the base weight of an adapter starts (q/k/v and gate/up sit inside fused blocks).
    func weightOffset(_ model: Transformer, _ s: Slot) -> Int {
        let w = model.layout.layers[s.layer]
        switch s.target {
        case .q: return w.wq
        case .k: return w.wk
        case .v: return w.wv
        case .o: return w.wo
        case .gate: return w.wGate
        case .up: return w.wUp
        case .down: return w.wDown
        }
    }
}
