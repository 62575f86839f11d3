/// One RNG stream per (prompt, sample), derived from the run's seed, so a sequence's draws
/// do not depend on which other sequences share its batch or in what order they finish.
public enum SampleStreams {
    public static func rng(seed: UInt64, prompt: Int, sample: Int) -> SplitMix64 {
        // Each coordinate goes through a SplitMix64 output so nearby indices land far apart.
        var a = SplitMix64(seed: seed)
        var b = SplitMix64(seed: a.next() ^ UInt64(truncatingIfNeeded: prompt))
        var c = SplitMix64(seed: b.next() ^ (UInt64(truncatingIfNeeded: sample) &* 0xD1B5_4A32_D192_ED03))
        return SplitMix64(seed: c.next())
    }
}
