/// What incremental decoding reuses from step to step: scratch sized for the active rows,
/// and the weights it multiplies by (the fp32 parameters, or their bf16 copy).
public final class DecodeWorkspace {
    public let model: Transformer
    public let weightsDType: WeightsDType
    let bf16: BF16Weights?
    /// One scratch per value of the block program, [rows, width] each.
    private let values: [Scratch]
    let inv = Scratch(), final = Scratch(), scores = Scratch(), logits = Scratch(), block = Scratch()
    let prefillActs: Activations

    public init(model: Transformer, weightsDType: WeightsDType = .f32) {
        self.model = model
        self.weightsDType = weightsDType
        bf16 = weightsDType == .bf16 ? BF16Weights(model) : nil
        prefillActs = Activations(config: model.config, training: false)
        values = model.program.widths.map { _ in Scratch() }
    }

    /// Value v of the block program for this step, at least `count` floats.
    func value(_ v: BlockProgram.Value, count: Int) -> UnsafeMutablePointer<Float> { values[v].get(count) }

    /// Bytes of matrix weights one decode step streams (projections and LM head).
    public var weightBytesPerStep: Int {
        model.matmulParameterCount * (weightsDType == .bf16 ? 2 : 4)
    }

    /// y (=, or += when accumulate) x · Wᵀ + b for the matrix at parameter offset `w`.
    func linear(_ x: UnsafePointer<Float>, rows: Int, w: Int, bias: Int = -1, outDim: Int, inDim: Int,
                y: UnsafeMutablePointer<Float>, accumulate: Bool = false) {
        let p = model.params.ptr
        let b: UnsafePointer<Float>? = bias >= 0 ? UnsafePointer(p + bias) : nil
        if let bf16 {
            BF16Linear.forward(x: x, w: bf16.ptr + w, b: b, y: y, rows: rows, inDim: inDim, outDim: outDim,
                               accumulate: accumulate, scratch: block)
        } else if rows == 1 {
            sgemv(m: outDim, n: inDim, a: p + w, lda: inDim, x: x, beta: accumulate ? 1 : 0, y: y)
            if let b { for o in 0..<outDim { y[o] += b[o] } }
        } else {
            Linear.forward(x: x, w: p + w, b: b, y: y, rows: rows, inDim: inDim, outDim: outDim, accumulate: accumulate)
        }
    }
}
