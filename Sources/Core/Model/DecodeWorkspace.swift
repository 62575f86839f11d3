/// What incremental decoding reuses from step to step: scratch sized for the active rows,
/// and the weights it multiplies by (the fp32 parameters, or their bf16 / f16 copy).
public final class DecodeWorkspace {
    public let model: Transformer
    public let weightsDType: WeightsDType
    /// The C kernel variant the projections run (KernelVariant.selected unless a test forces one).
    public let variant: KernelVariant
    let half: HalfWeights?
    /// One scratch per value of the block program, [rows, width] each.
    private let values: [Scratch]
    let inv = Scratch(), final = Scratch(), scores = Scratch(), logits = Scratch(), block = Scratch()
    let prefillActs: Activations
    /// Set to time decoding's phases (benchmarks); nil costs nothing.
    public var profile: PhaseProfile?

    /// A model whose matrices live only in half precision decodes from them whatever
    /// `weightsDType` says; an f32 model is narrowed to `weightsDType` here (both copies kept).
    public init(model: Transformer, weightsDType: WeightsDType = .f32, variant: KernelVariant = .selected) {
        self.model = model
        self.weightsDType = model.halfMatrices?.dtype ?? weightsDType
        self.variant = variant
        if let own = model.halfMatrices {
            half = own
        } else {
            half = weightsDType == .f32 ? nil : HalfWeights(model, dtype: weightsDType)
        }
        prefillActs = Activations(config: model.config, training: false)
        values = model.program.widths.map { _ in Scratch() }
    }

    /// Value v of the block program for this step, at least `count` floats.
    func value(_ v: BlockProgram.Value, count: Int) -> UnsafeMutablePointer<Float> { values[v].get(count) }

    /// Bytes of matrix weights one decode step streams (projections and LM head).
    public var weightBytesPerStep: Int { model.matmulParameterCount * weightsDType.byteWidth }

    /// y (=, or += when accumulate) x · Wᵀ + b for the matrix at parameter offset `w`.
    func linear(_ x: UnsafePointer<Float>, rows: Int, w: Int, bias: Int = -1, outDim: Int, inDim: Int,
                y: UnsafeMutablePointer<Float>, accumulate: Bool = false) {
        let p = model.params.ptr
        let b: UnsafePointer<Float>? = bias >= 0 ? UnsafePointer(p + bias) : nil
        let weights = half.map { UnsafeRawPointer($0.ptr + w) } ?? UnsafeRawPointer(p + w)
        DecodeLinear.forward(x: x, w: weights, dtype: weightsDType, b: b, y: y, rows: rows, inDim: inDim, outDim: outDim,
                             accumulate: accumulate, scratch: block, variant: variant)
    }
}
