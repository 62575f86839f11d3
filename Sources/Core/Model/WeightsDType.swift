/// How decoding reads the projection and LM-head matrices. Math stays fp32 either way;
/// bf16 and f16 only change the bytes streamed from memory per decoded token.
public enum WeightsDType: String, CaseIterable, Sendable {
    case f32, bf16, f16

    /// Bytes per stored weight.
    public var byteWidth: Int { self == .f32 ? 4 : 2 }
}
