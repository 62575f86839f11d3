/// logits / T, HF's TemperatureLogitsWarper: T < 1 sharpens, T > 1 flattens.
/// Applied first, while copying the row's logits into the candidate set.
public struct TemperatureWarper {
    public let temperature: Float
    public init(temperature: Float) { self.temperature = temperature }

    /// All tokens become candidates, scaled by 1/T.
    public func apply(_ logits: UnsafePointer<Float>, vocab: Int, into c: inout Candidates) {
        c.removeAll()
        let inv = 1 / temperature
        for i in 0..<vocab { c.append(i, logits[i] * inv) }
    }
}
