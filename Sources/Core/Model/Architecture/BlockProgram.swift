/// One decoder block as a list of steps over named values: the single description of a
/// family's layer that the training forward, the backward (the same steps in reverse) and
/// cached decoding all follow. Built once per model by the family's `block(_:)`.
///
/// Values are [tokens, width] matrices. Every step writes a new value except `rope`,
/// which rotates the q/k columns of a fused q/k/v value in place (its backward needs no
/// input, and attention reads the rotated value).
public struct BlockProgram: Sendable {
    /// A value's index; 0 is the block input (the residual stream).
    public typealias Value = Int

    /// A value's columns, resolved against the config.
    public enum Width: Sendable {
        case hidden        // hidden_size
        case qkv           // (heads + 2·kv heads)·head_dim: fused q, k, v
        case attention     // heads·head_dim: attention output
        case gateUp        // 2·intermediate_size: fused gate, up
        case intermediate  // intermediate_size

        func columns(_ c: ModelConfig) -> Int {
            switch self {
            case .hidden: return c.hiddenSize
            case .qkv: return c.qDim + 2 * c.kvDim
            case .attention: return c.qDim
            case .gateUp: return 2 * c.intermediateSize
            case .intermediate: return c.intermediateSize
            }
        }
    }

    /// The per-layer norm weights, by their HF names (Llama's pre-MLP norm is HF's
    /// `post_attention_layernorm`; Gemma's is `pre_feedforward_layernorm`).
    public enum Norm: String, CaseIterable, Sendable {
        case input = "input_layernorm"
        case postAttention = "post_attention_layernorm"
        case preFeedforward = "pre_feedforward_layernorm"
        case postFeedforward = "post_feedforward_layernorm"
        case query = "self_attn.q_norm"
        case key = "self_attn.k_norm"
    }

    /// The per-layer projections; q/k/v and gate/up are each one fused matrix.
    public enum Projection: Sendable {
        case qkv, output, gateUp, down

        /// The LoRA targets that sit inside this projection.
        var loraTargets: [LoRATarget] {
            switch self {
            case .qkv: return [.q, .k, .v]
            case .output: return [.o]
            case .gateUp: return [.gate, .up]
            case .down: return [.down]
            }
        }
    }

    public enum Step: Sendable {
        /// out = RMSNorm(in) · weight.
        case rmsNorm(Value, Norm, out: Value)
        /// out = in with each q head normalised by `query`, each k head by `key`.
        case headNorm(Value, query: Norm, key: Norm, out: Value)
        /// out = in · Wᵀ (+ bias).
        case linear(Value, Projection, out: Value)
        /// q and k heads of a fused q/k/v value rotated in place by position.
        case rope(Value)
        /// Causal grouped-query attention of a fused q/k/v value (the layer's window, scale, cap).
        case attention(Value, out: Value)
        /// out = act(gate) · up of a fused gate/up value.
        case gated(Value, out: Value)
        /// out = a + b.
        case add(Value, Value, out: Value)
    }

    public let steps: [Step]
    public let widths: [Width]
    /// The value the block hands to the next layer.
    public let output: Value

    /// Norm weights the block reads, in first-use order.
    public var norms: [Norm] {
        var seen: [Norm] = []
        for step in steps {
            switch step {
            case .rmsNorm(_, let n, _):
                if !seen.contains(n) { seen.append(n) }
            case .headNorm(_, let q, let k, _):
                for n in [q, k] where !seen.contains(n) { seen.append(n) }
            default:
                break
            }
        }
        return seen
    }

    init(steps: [Step], widths: [Width], output: Value) {
        self.steps = steps
        self.widths = widths
        self.output = output
    }
}

/// What a family's `block(_:)` writes: each call appends one step and returns its value,
/// so the file reads as the block's math in order.
public final class BlockBuilder {
    private var steps: [BlockProgram.Step] = []
    private var widths: [BlockProgram.Width] = [.hidden]
    private var output: BlockProgram.Value?

    /// The block input: the residual stream, [tokens, hidden].
    public let input: BlockProgram.Value = 0

    init() {}

    private func value(_ w: BlockProgram.Width) -> BlockProgram.Value {
        widths.append(w)
        return widths.count - 1
    }

    public func rmsNorm(_ x: BlockProgram.Value, _ norm: BlockProgram.Norm) -> BlockProgram.Value {
        let out = value(widths[x])
        steps.append(.rmsNorm(x, norm, out: out))
        return out
    }

    public func headNorm(_ qkv: BlockProgram.Value, query: BlockProgram.Norm, key: BlockProgram.Norm) -> BlockProgram.Value {
        let out = value(.qkv)
        steps.append(.headNorm(qkv, query: query, key: key, out: out))
        return out
    }

    public func linear(_ x: BlockProgram.Value, _ p: BlockProgram.Projection) -> BlockProgram.Value {
        let w: BlockProgram.Width
        switch p {
        case .qkv: w = .qkv
        case .output, .down: w = .hidden
        case .gateUp: w = .gateUp
        }
        let out = value(w)
        steps.append(.linear(x, p, out: out))
        return out
    }

    public func rope(_ qkv: BlockProgram.Value) {
        steps.append(.rope(qkv))
    }

    public func attention(_ qkv: BlockProgram.Value) -> BlockProgram.Value {
        let out = value(.attention)
        steps.append(.attention(qkv, out: out))
        return out
    }

    public func gated(_ gateUp: BlockProgram.Value) -> BlockProgram.Value {
        let out = value(.intermediate)
        steps.append(.gated(gateUp, out: out))
        return out
    }

    public func add(_ a: BlockProgram.Value, _ b: BlockProgram.Value) -> BlockProgram.Value {
        let out = value(.hidden)
        steps.append(.add(a, b, out: out))
        return out
    }

    /// Marks the block's result (the next layer's input).
    public func output(_ x: BlockProgram.Value) {
        output = x
    }

    func program() -> BlockProgram {
        precondition(output != nil, "a block must call output(_:)")
        return BlockProgram(steps: steps, widths: widths, output: output!)
    }
}
