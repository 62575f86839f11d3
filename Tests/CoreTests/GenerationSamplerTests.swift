import XCTest
import Core

/// The samplers on hand-made distributions, and seeding across batch sizes.
final class GenerationSamplerTests: XCTestCase {
    func logits(_ probs: [Double]) -> [Float] { probs.map { Float(log($0)) } }

    func nucleus(_ probs: [Double], p: Float) -> Set<Int32> {
        var c = Candidates()
        for (i, l) in logits(probs).enumerated() { c.ids.append(Int32(i)); c.logits.append(l) }
        var w = TopPWarper(p: p)
        w.apply(&c)
        return Set(c.ids)
    }

    func testTopPKeepsTheNucleus() {
        // Token ids deliberately not in probability order.
        let probs = [0.05, 0.5, 0.15, 0.3]
        XCTAssertEqual(nucleus(probs, p: 0.3), [1])
        XCTAssertEqual(nucleus(probs, p: 0.7), [1, 3])
        XCTAssertEqual(nucleus(probs, p: 0.85), [1, 3, 2])
        XCTAssertEqual(nucleus(probs, p: 0.97), [0, 1, 2, 3])
        XCTAssertEqual(nucleus(probs, p: 1), [0, 1, 2, 3])
        // Draws under top-p 0.7 only ever give the two nucleus tokens, renormalised 5:3.
        var s = Sampler(SamplingConfig(temperature: 1, topP: 0.7))
        var rng = SplitMix64(seed: 3)
        var counts = [Int](repeating: 0, count: 4)
        let l = logits(probs)
        for _ in 0..<4000 { counts[s.sample(l, vocab: 4, rng: &rng)] += 1 }
        XCTAssertEqual(counts[0] + counts[2], 0)
        XCTAssertEqual(Double(counts[1]) / 4000, 0.625, accuracy: 0.03)
    }

    func testTopKKeepsKHighestAndTies() {
        var w = TopKWarper(k: 2)
        var c = Candidates()
        let l: [Float] = [0.1, 3, 2, 2, -1]
        w.apply(l, vocab: 5, temperature: 1, into: &c)
        XCTAssertEqual(c.ids, [1, 2, 3], "ties at the k-th value are kept, as in HF")
        w = TopKWarper(k: 1)
        w.apply(l, vocab: 5, temperature: 0.5, into: &c)
        XCTAssertEqual(c.ids, [1]); XCTAssertEqual(c.logits, [6])
    }

    /// Frequencies of temperature sampling against softmax(logits / T): chi-square with
    /// 4 degrees of freedom, below the 0.1% critical value 18.47 (fixed seed: no flakiness).
    func testTemperatureSamplingFrequencies() {
        let l: [Float] = [1.0, 0.2, -0.5, 1.5, 0.0]
        let t: Float = 0.7, n = 5000
        var s = Sampler(SamplingConfig(temperature: t))
        var rng = SplitMix64(seed: 42)
        var counts = [Int](repeating: 0, count: 5)
        for _ in 0..<n { counts[s.sample(l, vocab: 5, rng: &rng)] += 1 }
        let e = l.map { exp(Double($0 / t)) }, z = e.reduce(0, +)
        var chi2 = 0.0
        for i in 0..<5 { let exp = Double(n) * e[i] / z; chi2 += pow(Double(counts[i]) - exp, 2) / exp }
        print("  chi2 = \(chi2), counts \(counts)")
        XCTAssertLessThan(chi2, 18.47)
    }

    func testGreedyPicksFirstMaximum() {
        XCTAssertEqual(GreedySampler.pick([0, 2, 5, 5, 1], vocab: 5), 2)
    }

    func tinyGenerator(_ o: GenerationOptions) throws -> Generator {
        try Generator(ModelDirectory.load(fixturesDir() + "/qwen2-tiny"), options: o)
    }
    func prompts() -> [[Int]] { [[747, 664, 608, 637], [1822, 329, 198, 51, 68], [12, 400, 33]] }

    func testSameSeedSameSamplesWhateverTheBatchSize() throws {
        var o = GenerationOptions()
        o.sampling = SamplingConfig(temperature: 1, topK: 50, topP: 0.95)
        o.maxNewTokens = 16; o.samplesPerPrompt = 2; o.seed = 1234; o.ignoreEOS = true
        var results: [[[Int]]] = []
        for b in [1, 4, 6] {
            o.batchSize = b
            results.append(try tinyGenerator(o).generate(prompts()).map(\.tokens))
        }
        XCTAssertEqual(results[0], results[1]); XCTAssertEqual(results[0], results[2])
        XCTAssertNotEqual(results[0][0], results[0][1], "two samples of one prompt should differ")
        o.seed = 1235
        XCTAssertNotEqual(try tinyGenerator(o).generate(prompts()).map(\.tokens), results[0], "another seed, other samples")
    }

    func testTopK1EqualsGreedy() throws {
        var o = GenerationOptions()
        o.maxNewTokens = 12; o.ignoreEOS = true; o.batchSize = 3
        o.sampling = SamplingConfig(temperature: 0)
        let greedy = try tinyGenerator(o).generate(prompts()).map(\.tokens)
        o.sampling = SamplingConfig(temperature: 1.3, topK: 1)
        XCTAssertEqual(try tinyGenerator(o).generate(prompts()).map(\.tokens), greedy)
    }
}
