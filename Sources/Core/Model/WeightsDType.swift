/// How a model's matrices (projections, embeddings, LM head) are stored: f32, or bf16/f16 for
/// decoding (`generate --weights-dtype`) and for frozen weights in training (`--base-dtype`:
/// the LoRA base, a live reference model). Math stays f32 either way; half precision changes
/// the bytes kept in memory and streamed per token, and rounds each weight once.
public enum WeightsDType: String, CaseIterable, Sendable {
    case f32, bf16, f16

    /// Bytes per stored weight.
    public var byteWidth: Int { self == .f32 ? 4 : 2 }

    /// The dtype's name in a safetensors header.
    public var safetensorsName: String {
        switch self {
        case .f32: return "F32"
        case .bf16: return "BF16"
        case .f16: return "F16"
        }
    }
}
