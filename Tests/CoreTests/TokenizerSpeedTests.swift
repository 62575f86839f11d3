import Core
import Foundation
import XCTest

/// Throughput report (not a pass/fail bar). TOK_BENCH=1 uses ~1 MB of text and a
/// 2 MB training corpus; the default sizes keep debug test runs short.
final class TokenizerSpeedTests: XCTestCase {
    private var full: Bool { ProcessInfo.processInfo.environment["TOK_BENCH"] == "1" }

    private func corpus(bytes: Int, seed: UInt64) -> String {
        var rng = TokSplitMix64(seed: seed)
        let letters = Array("etaoinshrdlcumwfgypbvkjxqz")
        var vocab: [String] = []
        for _ in 0..<5000 {
            let n = Int.random(in: 1...9, using: &rng)
            vocab.append(String((0..<n).map { _ in letters[min(Int(Double(letters.count) * pow(Double.random(in: 0..<1, using: &rng), 2)), 25)] }))
        }
        var s = ""
        while s.utf8.count < bytes {
            let w = vocab[min(Int(Double(vocab.count) * pow(Double.random(in: 0..<1, using: &rng), 3)), vocab.count - 1)]
            s += w
            switch Int.random(in: 0..<20, using: &rng) {
            case 0: s += ". "
            case 1: s += ", "
            case 2: s += "\n"
            case 3: s += " \(Int.random(in: 0..<2000, using: &rng)) "
            case 4: s += " café "
            default: s += " "
            }
        }
        return s
    }

    func testEncodeSpeed() throws {
        let tok = try Tokenizer(path: tokFixturesDir() + "/qwen2-tiny/tokenizer.json")
        let text = corpus(bytes: full ? 1_000_000 : 100_000, seed: 11)
        let t0 = Date()
        let ids = tok.encode(text)
        let dt = Date().timeIntervalSince(t0)
        XCTAssertEqual(tok.decode(ids), text)
        print(String(format: "encode: %d bytes -> %d tokens in %.3f s = %.0f tokens/s, %.1f MB/s",
                     text.utf8.count, ids.count, dt, Double(ids.count) / dt, Double(text.utf8.count) / dt / 1e6))
    }

    func testTrainSpeed() {
        let text = corpus(bytes: full ? 2_000_000 : 100_000, seed: 12)
        let docs = text.split(separator: "\n").map(String.init)
        let t0 = Date()
        let tok = Tokenizer.train(corpus: docs, vocabSize: full ? 2048 : 512, specials: ["<|endoftext|>"])
        let dt = Date().timeIntervalSince(t0)
        XCTAssertEqual(tok.vocabSize, full ? 2048 : 512)
        print(String(format: "train: %d bytes, vocab %d in %.2f s", text.utf8.count, tok.vocabSize, dt))
    }
}
