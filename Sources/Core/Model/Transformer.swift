import Foundation

/// A decoder of one of the supported families: config, the family's block program, flat
/// parameters, optional flat gradients. The +Forward / +Backward / +Decode extensions run
/// the block program; the math of each step lives in Kernels/.
public final class Transformer {
    public let config: ModelConfig
    /// What one layer does, in order (the family's `DecoderArchitecture.block`).
    public let program: BlockProgram
    public let layout: ParameterLayout
    public let params: FloatBuffer
    public private(set) var grads: FloatBuffer?
    /// RoPE tables: [0] for full-attention layers, [1] for sliding ones when their base differs.
    public let ropes: [RopeTables]
    /// The config.json keys the checkpoint came with, kept so a save round-trips them.
    public var configJSON: [String: Any]
    /// Low-rank adapters on the projections; when set and enabled they join every forward.
    public var lora: LoRAAdapter?
    /// Where the matrices live when only in bf16/f16 (frozen: the LoRA base, a reference model,
    /// a model for generation). Then `params` holds the norms, biases and score head, and its
    /// matrix pages are never written (they cost no memory): read matrices through `matrix`.
    public private(set) var halfMatrices: HalfWeights?

    public init(config: ModelConfig, withLMHead: Bool = true, withScoreHead: Bool = false,
                configJSON: [String: Any] = [:]) {
        self.config = config
        program = DecoderArchitectures.program(config)
        layout = ParameterLayout(config: config, withLMHead: withLMHead, withScoreHead: withScoreHead)
        params = FloatBuffer(count: layout.totalCount)
        let positions = min(config.maxPositionEmbeddings, 4096)
        let specs = [config.rope] + (config.localRope.map { [$0] } ?? [])
        ropes = specs.map { RopeTables(headDim: config.headDim, spec: $0, maxPositions: positions) }
        self.configJSON = configJSON
    }

    public var hasScoreHead: Bool { layout.score >= 0 }
    public var attentionShape: AttentionShape {
        AttentionShape(heads: config.numHeads, kvHeads: config.numKVHeads, headDim: config.headDim)
    }

    /// The matrices' storage dtype: f32, or that of `halfMatrices`.
    public var matricesDType: WeightsDType { halfMatrices?.dtype ?? .f32 }

    /// The matrix at parameter offset `offset`, [rows, cols], wherever it lives.
    public func matrix(_ offset: Int, rows: Int, cols: Int) -> WeightMatrix {
        if let h = halfMatrices {
            return WeightMatrix(half: h.ptr + offset, dtype: h.dtype, rows: rows, cols: cols)
        }
        return WeightMatrix(f32: params.ptr + offset, rows: rows, cols: cols)
    }

    /// Takes a loader's half copy as the only home of the matrices (Checkpoint.load).
    func adoptHalfMatrices(_ h: HalfWeights) {
        precondition(h.count == layout.totalCount, "half matrices of another layout")
        halfMatrices = h
    }

    /// Rounds the f32 matrices to `dtype` and keeps them only there, handing their f32 pages
    /// back to the system. For models already in memory (an adapter merged into its base);
    /// Checkpoint.load(matrices:) never fills the f32 matrices in the first place.
    public func keepMatricesOnly(in dtype: WeightsDType) {
        guard dtype != .f32, halfMatrices == nil else { return }
        let h = HalfWeights(self, dtype: dtype)
        for e in layout.entries where HalfWeights.holds(e) {
            PageMemory.release(params.ptr + e.offset, bytes: e.count * 4)
        }
        halfMatrices = h
    }

    /// Gradients share the parameter layout; allocated only for training.
    @discardableResult
    public func enableGradients() -> FloatBuffer {
        if let g = grads { return g }
        let g = FloatBuffer(count: layout.totalCount)
        grads = g
        return g
    }
    public func zeroGradients() { grads?.zero() }

    /// HF-style init: normal(0, std) for matrices, ones for norms, zeros for biases.
    public func randomInit(seed: UInt64, std: Float = 0.02) {
        var rng = SplitMix64(seed: seed)
        for e in layout.entries {
            let p = params.ptr + e.offset
            if e.shape.count == 1 {
                p.update(repeating: initialValue(e), count: e.count)
            } else {
                for i in 0..<e.count { p[i] = rng.nextGaussian() * std }
            }
        }
    }

    /// A vector's starting value: norms scale by one (Gemma's (1 + w) norms by w = 0), biases are zero.
    func initialValue(_ e: ParameterLayout.Entry) -> Float {
        e.hfName.hasSuffix("norm.weight") ? 1 - config.normWeightOffset : 0
    }

    /// Parameters of the matrices multiplied per token (2 FLOPs each per forward token):
    /// every projection and the LM head; embeddings are a lookup, norms are vector ops.
    public var matmulParameterCount: Int {
        let c = config
        let perLayer = c.hiddenSize * (c.qDim + 2 * c.kvDim) + c.qDim * c.hiddenSize + 3 * c.hiddenSize * c.intermediateSize
        return c.numLayers * perLayer + c.vocabSize * c.hiddenSize
    }
}

extension Transformer {
    /// Uniform weights with the same std as `randomInit`: one RNG draw per weight, so a
    /// 0.5B-parameter benchmark model is ready in a second instead of many.
    public func randomInitUniform(seed: UInt64, std: Float) {
        var rng = SplitMix64(seed: seed)
        let a = std * Float(3).squareRoot() * 2
        for e in layout.entries {
            let p = params.ptr + e.offset
            if e.shape.count == 1 {
                p.update(repeating: initialValue(e), count: e.count)
            } else {
                for i in 0..<e.count { p[i] = (rng.nextFloat() - 0.5) * a }
            }
        }
    }
}
