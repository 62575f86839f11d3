/// What forward keeps for backward, in one buffer sized for a batch and reused across steps.
/// Training keeps one slot per layer holding every value of the block program ([tokens,
/// width] each) and each step's extra state (a norm's 1/rms per row, attention's
/// log-sum-exps). With gradient checkpointing only each layer's input is kept, plus one slot
/// that the backward refills by running the layer again. Inference keeps a single slot that
/// every layer overwrites.
public final class Activations {
    /// Whether a training forward keeps every layer (false) or only layer inputs (true).
    /// Changing it re-lays the buffer at the next forward.
    public var checkpointing = false {
        didSet {
            if checkpointing != oldValue { tokens = 0 }
        }
    }
    public let training: Bool
    /// Slots of full layer state: one per layer when training without checkpointing.
    var slots: Int { training && !checkpointing ? c.numLayers : 1 }
    /// Whether backward must run each layer's forward again first.
    var recomputes: Bool { training && checkpointing }
    let program: BlockProgram
    private(set) var buffer = FloatBuffer(count: 0)
    private(set) var tokens = 0
    let c: ModelConfig

    // Offsets relative to a slot's base: one per value, one per step (-1: the step keeps nothing).
    private var valueOffsets: [Int] = []
    private var stepOffsets: [Int] = []
    private var slotSize = 0
    private var oFinalX = 0, oInvF = 0, oHidden = 0
    /// Checkpointing: where the kept layer inputs start, [layers, tokens, hidden].
    private var oInputs = 0

    /// LoRA adapters' per-token activations (u = x·Aᵀ, dropout masks), one block per layer slot.
    let loraStore = Scratch(), loraScratch = Scratch()
    /// A block of a half-precision matrix widened for one product (WeightMatrix).
    let widened = Scratch()
    private(set) var loraBlock = 0

    /// Sizes the LoRA block for this batch; called at the start of forward.
    func prepareLoRA(_ lora: LoRAAdapter?, tokens n: Int) {
        guard let lora, lora.enabled else { loraBlock = 0; return }
        loraBlock = lora.perLayerStorage * n
        _ = loraStore.get(loraBlock * slots)
    }
    func lora(_ l: Int) -> UnsafeMutablePointer<Float> { loraStore.buffer.ptr + (slots == 1 ? 0 : l) * loraBlock }

    public init(config: ModelConfig, training: Bool) {
        c = config
        self.training = training
        program = DecoderArchitectures.program(config)
    }

    /// Bytes a training forward keeps for `tokens` tokens, with or without checkpointing
    /// (what `--max-memory` is compared with).
    public static func trainingBytes(_ c: ModelConfig, tokens n: Int, checkpointing: Bool) -> Int {
        let program = DecoderArchitectures.program(c)
        var slot = program.widths.reduce(0) { $0 + n * $1.columns(c) }
        slot += program.steps.reduce(0) { $0 + stepStorage($1, c, tokens: n) }
        let layers = checkpointing ? slot + c.numLayers * n * c.hiddenSize : slot * c.numLayers
        return 4 * (layers + n * (2 * c.hiddenSize + 1))
    }

    /// Floats a step keeps per slot for `n` tokens (attention: a log-sum-exp per head and token).
    static func stepStorage(_ step: BlockProgram.Step, _ c: ModelConfig, tokens n: Int) -> Int {
        switch step {
        case .rmsNorm: return n
        case .headNorm: return n * (c.numHeads + c.numKVHeads)
        case .attention: return c.numHeads * n
        case .linear, .rope, .gated, .add: return 0
        }
    }

    /// Makes room for a batch; cheap when the batch is no larger than before.
    func prepare(_ batch: TokenBatch) {
        let n = batch.tokenCount
        if n <= tokens { return }
        tokens = n
        var off = 0
        func take(_ k: Int) -> Int { defer { off += k }; return off }
        let columns = program.widths.map { $0.columns(c) }
        if training {
            valueOffsets = columns.map { take(tokens * $0) }
        } else {
            // Inference keeps nothing for backward: a value's space is reused once it is read.
            let (shared, total) = program.sharedOffsets(columns: columns)
            let base = take(tokens * total)
            valueOffsets = shared.map { base + tokens * $0 }
        }
        stepOffsets = program.steps.map { step in
            let k = Self.stepStorage(step, c, tokens: tokens)
            return k > 0 ? take(k) : -1
        }
        slotSize = off
        off = slotSize * slots
        oInputs = take(recomputes ? c.numLayers * tokens * c.hiddenSize : 0)
        oFinalX = take(tokens * c.hiddenSize)
        oInvF = take(tokens)
        oHidden = take(tokens * c.hiddenSize)
        buffer = FloatBuffer(count: off)
    }

    @inline(__always) private func at(_ l: Int, _ o: Int) -> UnsafeMutablePointer<Float> {
        buffer.ptr + (slots == 1 ? 0 : l * slotSize) + o
    }
    /// Value v of layer l: [tokens, width(v)]. Checkpointing keeps each layer's input (value 0)
    /// apart; the other values share the one slot.
    func value(_ l: Int, _ v: BlockProgram.Value) -> UnsafeMutablePointer<Float> {
        if v == 0 && recomputes { return buffer.ptr + oInputs + l * tokens * c.hiddenSize }
        return at(l, valueOffsets[v])
    }
    /// What step s of layer l keeps (1/rms, attention's log-sum-exps).
    func stepState(_ l: Int, _ s: Int) -> UnsafeMutablePointer<Float> { at(l, stepOffsets[s]) }
    /// The residual stream after the last layer, before the final norm.
    var finalX: UnsafeMutablePointer<Float> { buffer.ptr + oFinalX }
    var invF: UnsafeMutablePointer<Float> { buffer.ptr + oInvF }
    /// The final-norm output that the LM and reward heads read: [tokens, hidden].
    public var hidden: UnsafeMutablePointer<Float> { buffer.ptr + oHidden }
}
