/// What forward keeps for backward, in one buffer sized for a batch and reused across steps.
/// Inference keeps a single layer slot that every layer overwrites.
public final class Activations {
    public let slots: Int
    private(set) var buffer = FloatBuffer(count: 0)
    private(set) var tokens = 0, area = 0
    let c: ModelConfig

    // Per-slot offsets, relative to the slot base.
    private var oXIn = 0, oXn1 = 0, oInv1 = 0, oQKV = 0, oProbs = 0, oAO = 0
    private var oXMid = 0, oXn2 = 0, oInv2 = 0, oGU = 0, oH = 0, slotSize = 0
    private var oFinalX = 0, oInvF = 0, oHidden = 0

    /// LoRA adapters' per-token activations (u = x·Aᵀ, dropout masks), one block per layer slot.
    let loraStore = Scratch(), loraScratch = Scratch()
    private(set) var loraBlock = 0

    /// Sizes the LoRA block for this batch; called at the start of forward.
    func prepareLoRA(_ lora: LoRAAdapter?, tokens n: Int) {
        guard let lora, lora.enabled else { loraBlock = 0; return }
        loraBlock = lora.perLayerStorage * n
        _ = loraStore.get(loraBlock * slots)
    }
    func lora(_ l: Int) -> UnsafeMutablePointer<Float> { loraStore.buffer.ptr + (slots == 1 ? 0 : l) * loraBlock }

    public init(config: ModelConfig, training: Bool) {
        c = config; slots = training ? config.numLayers : 1
    }

    /// Makes room for a batch; cheap when the batch is no larger than before.
    func prepare(_ batch: TokenBatch) {
        let n = batch.tokenCount, a = batch.attentionArea
        if n <= tokens && a <= area { return }
        tokens = max(n, tokens); area = max(a, area)
        let h = c.hiddenSize, qkv = c.qDim + 2 * c.kvDim, i = c.intermediateSize, N = tokens
        var off = 0
        func take(_ k: Int) -> Int { defer { off += k }; return off }
        oXIn = take(N * h); oXn1 = take(N * h); oInv1 = take(N); oQKV = take(N * qkv)
        oProbs = take(c.numHeads * area); oAO = take(N * c.qDim); oXMid = take(N * h)
        oXn2 = take(N * h); oInv2 = take(N); oGU = take(N * 2 * i); oH = take(N * i)
        slotSize = off
        off = slotSize * slots
        oFinalX = take(N * h); oInvF = take(N); oHidden = take(N * h)
        buffer = FloatBuffer(count: off)
    }

    @inline(__always) private func at(_ l: Int, _ o: Int) -> UnsafeMutablePointer<Float> {
        buffer.ptr + (slots == 1 ? 0 : l * slotSize) + o
    }
    func xIn(_ l: Int) -> UnsafeMutablePointer<Float> { at(l, oXIn) }
    func xn1(_ l: Int) -> UnsafeMutablePointer<Float> { at(l, oXn1) }
    func inv1(_ l: Int) -> UnsafeMutablePointer<Float> { at(l, oInv1) }
    func qkv(_ l: Int) -> UnsafeMutablePointer<Float> { at(l, oQKV) }
    func probs(_ l: Int) -> UnsafeMutablePointer<Float> { at(l, oProbs) }
    func ao(_ l: Int) -> UnsafeMutablePointer<Float> { at(l, oAO) }
    func xMid(_ l: Int) -> UnsafeMutablePointer<Float> { at(l, oXMid) }
    func xn2(_ l: Int) -> UnsafeMutablePointer<Float> { at(l, oXn2) }
    func inv2(_ l: Int) -> UnsafeMutablePointer<Float> { at(l, oInv2) }
    func gu(_ l: Int) -> UnsafeMutablePointer<Float> { at(l, oGU) }
    func hAct(_ l: Int) -> UnsafeMutablePointer<Float> { at(l, oH) }
    /// The residual stream after the last layer, before the final norm.
    var finalX: UnsafeMutablePointer<Float> { buffer.ptr + oFinalX }
    var invF: UnsafeMutablePointer<Float> { buffer.ptr + oInvF }
    /// The final-norm output that the LM and reward heads read: [tokens, hidden].
    public var hidden: UnsafeMutablePointer<Float> { buffer.ptr + oHidden }
}
