/// SplitMix64 plus the few draws the synthetic generator needs, with our own integer
/// mapping: the standard library's `random(in:using:)` algorithm is not promised to stay
/// the same across toolchains, and the data files must not change when Swift does.
struct SynthRandom {
    private var g: SplitMix64

    /// Independent streams from one user seed, so that asking for more train pairs does
    /// not change the test pairs or the SFT corpus.
    init(seed: UInt64, stream: UInt64) {
        var mix = SplitMix64(seed: seed ^ (stream &* 0xD1B5_4A32_D192_ED03))
        g = SplitMix64(seed: mix.next())
    }

    /// Uniform in 0..<n (n > 0); the modulo bias is below 2^-50 for our small n.
    mutating func below(_ n: Int) -> Int { Int(g.next() % UInt64(n)) }

    mutating func unit() -> Double { g.nextDouble() }

    mutating func chance(_ p: Double) -> Bool { g.nextDouble() < p }

    mutating func pick<T>(_ xs: [T]) -> T { xs[below(xs.count)] }

    /// Fisher-Yates.
    mutating func shuffle<T>(_ xs: inout [T]) {
        guard xs.count > 1 else { return }
        for i in stride(from: xs.count - 1, to: 0, by: -1) { xs.swapAt(i, below(i + 1)) }
    }
}
