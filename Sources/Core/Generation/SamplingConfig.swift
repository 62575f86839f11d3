/// Decoding settings with HF's meaning: temperature 0 is greedy; topK 0 and topP 1 are off.
public struct SamplingConfig: Equatable {
    public var temperature: Float
    public var topK: Int
    public var topP: Float

    public init(temperature: Float = 1, topK: Int = 0, topP: Float = 1) {
        self.temperature = temperature; self.topK = topK; self.topP = topP
    }

    public var isGreedy: Bool { temperature == 0 }

    public func validate() throws {
        guard temperature >= 0 && temperature.isFinite else {
            throw PrefkitError("temperature must be ≥ 0 (0 = greedy), got \(temperature)")
        }
        guard topK >= 0 else { throw PrefkitError("top-k must be ≥ 0 (0 = off), got \(topK)") }
        guard topP > 0 && topP <= 1 else { throw PrefkitError("top-p must be in (0, 1] (1 = off), got \(topP)") }
    }
}
