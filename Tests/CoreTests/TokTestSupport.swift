import Foundation
import XCTest

/// The repository's Tests/Fixtures folder, found by walking up from this file.
func tokFixturesDir(file: String = #filePath) -> String {
    var dir = (file as NSString).deletingLastPathComponent
    while dir != "/" && !dir.isEmpty {
        let candidate = dir + "/Tests/Fixtures"
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDir), isDir.boolValue {
            return candidate
        }
        dir = (dir as NSString).deletingLastPathComponent
    }
    return "/work/main/Tests/Fixtures"
}

/// A fixture's ref.json as a dictionary.
func tokLoadRef(_ model: String) throws -> [String: Any] {
    let path = tokFixturesDir() + "/\(model)/ref.json"
    let data = try XCTUnwrap(FileManager.default.contents(atPath: path), "missing \(path)")
    return try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
}

func tokIntArray(_ v: Any?) -> [Int] {
    (v as? [Any] ?? []).compactMap { $0 as? Int }
}

/// Deterministic RNG so random-string tests reproduce.
struct TokSplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Random text mixing the classes the pre-tokenizer cares about: letters of several
/// scripts, digits, punctuation, whitespace runs, newlines, combining marks, emoji.
func tokRandomText(_ rng: inout TokSplitMix64, length: Int) -> String {
    let pools: [[UInt32]] = [
        Array(0x61...0x7A), Array(0x41...0x5A), Array(0x30...0x39),
        [0x20, 0x20, 0x20, 0x09, 0x0A, 0x0D, 0xA0, 0x3000, 0x2028],
        Array(0x21...0x2F) + [0x27, 0x27, 0x5F],
        Array(0xC0...0xFF), [0x301, 0x308, 0x327], Array(0x4E00...0x4E40),
        Array(0x1F600...0x1F640) + [0x200D, 0xFE0F, 0x1F3FD],
        Array(0x0660...0x0669) + Array(0x00B2...0x00B3) + [0x2160, 0x00BD],
        [0x017F, 0x0130, 0x0391, 0x03C9, 0x0416, 0x05D0, 0x0627, 0x0915],
    ]
    var s = String.UnicodeScalarView()
    for _ in 0..<length {
        let pool = pools[Int.random(in: 0..<pools.count, using: &rng)]
        let v = pool[Int.random(in: 0..<pool.count, using: &rng)]
        if let c = Unicode.Scalar(v) { s.append(c) }
    }
    return String(s)
}
