/// How decoding reads the projection and LM-head matrices. Math stays fp32 either way;
/// bf16 only changes the bytes streamed from memory per decoded token.
public enum WeightsDType: String, CaseIterable {
    case f32, bf16
}
