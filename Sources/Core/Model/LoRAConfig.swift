/// Which projections get low-rank adapters, and their shape (PEFT's LoraConfig).
public enum LoRATarget: String, CaseIterable {
    case q, k, v, o, gate, up, down
    public var hfModule: String {
        switch self {
        case .q: return "self_attn.q_proj"
        case .k: return "self_attn.k_proj"
        case .v: return "self_attn.v_proj"
        case .o: return "self_attn.o_proj"
        case .gate: return "mlp.gate_proj"
        case .up: return "mlp.up_proj"
        case .down: return "mlp.down_proj"
        }
    }
    public var peftName: String { String(hfModule.split(separator: ".").last!) }

    public init?(name: String) {
        if let t = LoRATarget(rawValue: name) { self = t; return }
        if let t = LoRATarget.allCases.first(where: { $0.peftName == name }) { self = t; return }
        return nil
    }
}

public struct LoRAConfig: Equatable {
    public var rank: Int
    public var alpha: Double
    public var dropout: Double
    public var targets: [LoRATarget]
    /// Ranks above this are refused before anything is allocated (ranks past a layer's width
    /// add nothing; an adapter file's lying "r" must not size our buffers).
    public static let maxRank = 4096
    public init(rank: Int, alpha: Double, dropout: Double = 0, targets: [LoRATarget] = LoRATarget.allCases) {
        self.rank = rank; self.alpha = alpha; self.dropout = dropout; self.targets = targets
    }
    public var scale: Float { Float(alpha / Double(rank)) }

    public func validate() throws {
        if rank <= 0 || rank > Self.maxRank { throw PrefkitError("--lora-r must be in 1...\(Self.maxRank)") }
        if !alpha.isFinite { throw PrefkitError("--lora-alpha must be a number") }
        if !(0..<1).contains(dropout) { throw PrefkitError("--lora-dropout must lie in [0, 1)") }
        if targets.isEmpty { throw PrefkitError("--lora-targets names no projection") }
    }

    /// (in, out, column offset in the fused output, row stride of that output) per target.
    func geometry(_ t: LoRATarget, _ c: ModelConfig) -> (inDim: Int, outDim: Int, col: Int, ld: Int) {
        let qkv = c.qDim + 2 * c.kvDim, h = c.hiddenSize, i = c.intermediateSize
        switch t {
        case .q: return (h, c.qDim, 0, qkv)
        case .k: return (h, c.kvDim, c.qDim, qkv)
        case .v: return (h, c.kvDim, c.qDim + c.kvDim, qkv)
        case .o: return (c.qDim, h, 0, h)
        case .gate: return (h, i, 0, 2 * i)
        case .up: return (h, i, i, 2 * i)
        case .down: return (i, h, 0, h)
        }
    }
}
