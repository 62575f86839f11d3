import Core

/// Seeded byte-level mutations of valid seed files: the damage real files suffer (bit rot,
/// truncated downloads, concatenated or spliced files) plus the lies a hostile file tells
/// (length and size fields claiming 2^60 bytes), so readers are tried on near-valid input
/// that gets past their first checks.
struct FuzzMutator {
    var rng: SplitMix64

    init(seed: UInt64) { rng = SplitMix64(seed: seed) }

    mutating func below(_ n: Int) -> Int { n <= 1 ? 0 : Int(rng.next() % UInt64(n)) }

    /// One to three mutations of `seed`; `other` is a second seed file to splice from.
    mutating func mutate(_ seed: [UInt8], other: [UInt8]) -> [UInt8] {
        var b = seed
        for _ in 0..<(1 + below(3)) { b = mutateOnce(b, other: other) }
        return b
    }

    private mutating func mutateOnce(_ b: [UInt8], other: [UInt8]) -> [UInt8] {
        var b = b
        switch below(10) {
        case 0:  // bit flips
            guard !b.isEmpty else { return b }
            for _ in 0..<(1 + below(8)) { b[below(b.count)] ^= UInt8(1) << UInt8(below(8)) }
        case 1:  // a byte set to a boundary value
            guard !b.isEmpty else { return b }
            b[below(b.count)] = [0x00, 0xFF, 0x7F, 0x80, 0x22, 0x5C, 0x0A, 0xC0][below(8)]
        case 2:  // truncation
            b.removeSubrange(below(b.count + 1)...)
        case 3:  // random bytes inserted
            let n = 1 + below(16)
            b.insert(contentsOf: (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }, at: below(b.count + 1))
        case 4:  // a range deleted
            guard !b.isEmpty else { return b }
            let at = below(b.count)
            b.removeSubrange(at..<min(b.count, at + 1 + below(32)))
        case 5:  // a little-endian length field claiming a huge size (offset 0 is safetensors' header length)
            let huge: [UInt64] = [1 << 60, UInt64.max, 1 << 31, 1 << 32, UInt64(Int.max), 0x7FFF_FFFF_FFFF_FFF8]
            let v = huge[below(huge.count)]
            let at = below(2) == 0 ? 0 : below(max(1, b.count - 7))
            for k in 0..<8 where at + k < b.count { b[at + k] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(k))) }
        case 6:  // a decimal number in the text replaced by an extreme one
            let digits = b.indices.filter { b[$0] >= 0x30 && b[$0] <= 0x39 }
            guard let at = digits.isEmpty ? nil : digits[below(digits.count)] else { return b }
            var end = at
            while end < b.count && b[end] >= 0x30 && b[end] <= 0x39 { end += 1 }
            let extremes = ["1152921504606846976", "18446744073709551615", "-1", "1e308", "99999999999999999999999", "-0", "4294967296"]
            b.replaceSubrange(at..<end, with: Array(extremes[below(extremes.count)].utf8))
        case 7:  // splice: the head of one file on the tail of another
            let cut = below(b.count + 1), from = below(other.count + 1)
            b = Array(b[..<cut]) + Array(other[from...])
        case 8:  // a chunk duplicated in place (repeated keys, lines, frames)
            guard !b.isEmpty else { return b }
            let at = below(b.count), n = min(b.count - at, 1 + below(64))
            b.insert(contentsOf: b[at..<(at + n)], at: at)
        default:  // invalid UTF-8 (stray continuation, overlong, surrogate) at a random spot
            let bad: [[UInt8]] = [[0x80], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF5], [0xFF, 0xFE]]
            b.insert(contentsOf: bad[below(bad.count)], at: below(b.count + 1))
        }
        return b
    }
}
