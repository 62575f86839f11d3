import Foundation

/// How a model's rotary frequencies are made: the base θ and an optional rescaling of the
/// long wavelengths for longer contexts (HF `rope_parameters` / `rope_scaling`).
public struct RopeSpec: Equatable, Sendable {
    public enum Scaling: Equatable, Sendable {
        case none
        /// Every frequency divided by `factor` (position interpolation).
        case linear(factor: Double)
        /// Llama 3.1's: long wavelengths divided by `factor`, short ones kept, a smooth blend between.
        case llama3(factor: Double, lowFreqFactor: Double, highFreqFactor: Double, originalMaxPositions: Double)
    }

    public var theta: Double
    public var scaling: Scaling

    public init(theta: Double, scaling: Scaling = .none) {
        self.theta = theta
        self.scaling = scaling
    }

    /// inv_freq[i] for i < headDim/2, in float32 as HF computes it (angles then agree at
    /// large positions), with the scaling applied as transformers' rope init functions do.
    public func inverseFrequencies(headDim: Int) -> [Float] {
        let half = headDim / 2
        let base: [Float] = (0..<half).map { i in 1 / Float(pow(Float(theta), Float(2 * i) / Float(headDim))) }
        switch scaling {
        case .none:
            return base
        case .linear(let factor):
            return base.map { $0 / Float(factor) }
        case .llama3(let factor, let low, let high, let original):
            let lowWavelen = original / low
            let highWavelen = original / high
            return base.map { f in
                let wavelen = 2 * Double.pi / Double(f)
                if wavelen < highWavelen { return f }
                if wavelen > lowWavelen { return f / Float(factor) }
                let smooth = Float((original / wavelen - low) / (high - low))
                return (1 - smooth) * f / Float(factor) + smooth * f
            }
        }
    }
}
