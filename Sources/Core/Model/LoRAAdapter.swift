import Foundation

/// Low-rank adapters y += (α/r)·(dropout(x)·Aᵀ)·Bᵀ on chosen projections, with their own flat
/// parameters and gradients (only these train). Disabling the adapter gives the base model:
/// that is the DPO reference, with no second copy of the weights.
public final class LoRAAdapter {
    /// One adapter: A at `a` [r, in], B at `b` [out, r] in the flat buffer; `store` is where its
    /// per-token activations start within a layer's block (in units of tokens).
    public struct Slot { public let layer: Int, target: LoRATarget, a: Int, b: Int, inDim: Int, outDim: Int, col: Int, ld: Int, store: Int }

    public let config: LoRAConfig
    public let params: FloatBuffer
    public let grads: FloatBuffer
    public private(set) var slots: [Slot] = []
    /// slot index by (layer, target) for the forward/backward hooks.
    private var index: [Int: Int] = [:]
    public var enabled = true
    /// Dropout masks come from (seed, step): the same step always drops the same units.
    public var dropoutSeed: UInt64 = 0
    public var dropoutStep: UInt64 = 0
    /// Data-parallel rank: each rank draws its own masks (rank 0's are those of one process).
    /// Masks are one stream per micro-batch, so N ranks with dropout match one process only in
    /// distribution; with --lora-dropout 0 they match it to rounding.
    public var dropoutRank: UInt64 = 0

    /// Floats after the adapters that train with them (a reward model's score head: PEFT's
    /// modules_to_save), at `extraOffset`.
    public let extraOffset: Int, extraCount: Int

    public init(config: LoRAConfig, model: ModelConfig, seed: UInt64, extra: Int = 0) {
        self.config = config
        var off = 0
        for l in 0..<model.numLayers {
            var store = 0
            for t in config.targets {
                let g = config.geometry(t, model)
                let s = Slot(layer: l, target: t, a: off, b: off + config.rank * g.inDim, inDim: g.inDim, outDim: g.outDim,
                             col: g.col, ld: g.ld, store: store)
                store += config.rank + (config.dropout > 0 ? g.inDim : 0)
                off = s.b + g.outDim * config.rank
                index[Self.key(l, t)] = slots.count
                slots.append(s)
            }
        }
        extraOffset = off; extraCount = extra
        params = FloatBuffer(count: off + extra); grads = FloatBuffer(count: off + extra)
        // PEFT's init: A ~ kaiming_uniform(a=√5) = U(±1/√in), B = 0, so training starts at the base model.
        var rng = SplitMix64(seed: seed)
        for s in slots {
            let bound = 1 / Float(s.inDim).squareRoot()
            for i in 0..<(config.rank * s.inDim) { params[s.a + i] = (rng.nextFloat() * 2 - 1) * bound }
        }
    }

    @inline(__always) private static func key(_ l: Int, _ t: LoRATarget) -> Int { l * 8 + LoRATarget.allCases.firstIndex(of: t)! }
    func slot(_ l: Int, _ t: LoRATarget) -> Slot? { index[Self.key(l, t)].map { slots[$0] } }

    public var groups: [AdamW.Group] { [AdamW.Group(offset: 0, count: params.count, decay: true)] }

    /// Floats of per-token storage one layer's adapters need.
    var perLayerStorage: Int {
        slots.filter { $0.layer == 0 }.reduce(0) { $0 + config.rank + (config.dropout > 0 ? $1.inDim : 0) }
    }
}
