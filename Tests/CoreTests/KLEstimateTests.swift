import Core
import Foundation
import XCTest

/// The KL estimate (mean of log π − log π_ref over samples drawn from π) against the exact
/// KL between the two sequence distributions, enumerated on a model with a 5-token vocabulary
/// and responses of at most 3 tokens; and KL of a model against itself is exactly 0.
final class KLEstimateTests: XCTestCase {
    static let vocab = 5
    static let eos = 4
    static let maxNew = 3
    static let prompt = [0, 1]

    func model(_ seed: UInt64) -> Transformer {
        let m = Transformer(config: ModelConfig(modelType: "qwen2", vocabSize: Self.vocab, hiddenSize: 16, intermediateSize: 24,
                                                numLayers: 1, numHeads: 2, numKVHeads: 1, ropeTheta: 10000, tieWordEmbeddings: true))
        m.randomInit(seed: seed, std: 0.8)
        return m
    }

    /// Every response the generator can produce: ending in eos within maxNew tokens, or
    /// maxNew tokens without eos (the generation process stops either way).
    func allResponses() -> [[Int]] {
        var done: [[Int]] = []
        var open: [[Int]] = [[]]
        while let prefix = open.popLast() {
            for t in 0..<Self.vocab {
                let y = prefix + [t]
                if t == Self.eos || y.count == Self.maxNew { done.append(y) } else { open.append(y) }
            }
        }
        return done
    }

    func testMonteCarloEstimateMatchesEnumeratedKL() throws {
        let policy = CausalLMEngine(model: model(11), training: false)
        let reference = CausalLMEngine(model: model(12), training: false)
        let ys = allResponses()
        let prompts = [[Int]](repeating: Self.prompt, count: ys.count)
        let lp = SampleLogRatio.logProbs(policy, prompts: prompts, responses: ys, batchSize: 64)
        let lr = SampleLogRatio.logProbs(reference, prompts: prompts, responses: ys, batchSize: 64)
        let mass = lp.reduce(0) { $0 + exp($1) }
        XCTAssertEqual(mass, 1, accuracy: 1e-5, "the enumerated responses carry all of π's mass")
        let exact = zip(lp, lr).reduce(0) { $0 + exp($1.0) * ($1.0 - $1.1) }

        var options = GenerationOptions()
        options.maxNewTokens = Self.maxNew
        options.samplesPerPrompt = 4000
        options.batchSize = 256
        options.seed = 5
        let gen = try Generator(model: policy.model, tokenizer: nil, eosTokenIds: [Self.eos], options: options)
        let samples = try gen.generate([Self.prompt]).map(\.sampledTokens)
        let ratios = SampleLogRatio.compute(policy: policy, reference: reference,
                                            prompts: [[Int]](repeating: Self.prompt, count: samples.count),
                                            responses: samples, batchSize: 256)
        let stats = SummaryStats(ratios)
        let stderr = stats.std / Double(stats.count - 1).squareRoot()
        print(String(format: "KL exact %.5f, Monte Carlo %.5f ± %.5f (n %d), |diff| = %.2f standard errors",
                     exact, stats.mean, stderr, stats.count, abs(stats.mean - exact) / stderr))
        XCTAssertGreaterThan(exact, 0.05, "the two models differ enough for the test to mean something")
        XCTAssertLessThan(abs(stats.mean - exact), 4 * stderr, "MC estimate within 4 standard errors of the exact KL")
    }

    func testKLOfTheReferenceAgainstItselfIsExactlyZero() throws {
        let a = CausalLMEngine(model: model(11), training: false)
        let b = CausalLMEngine(model: model(11), training: false)
        let ys = allResponses()
        let ratios = SampleLogRatio.compute(policy: a, reference: b, prompts: [[Int]](repeating: Self.prompt, count: ys.count),
                                            responses: ys, batchSize: 16)
        XCTAssertEqual(ratios, [Double](repeating: 0, count: ys.count))
    }

    /// Ids a model cannot embed are refused by name before any forward pass.
    func testIdsOutsideTheVocabularyAreRefused() {
        XCTAssertThrowsError(try SampleLogRatio.checkIds([[0, 1], [2, 7]], vocab: Self.vocab, what: "response",
                                                         names: ["g.jsonl: sample a", "g.jsonl: sample b"])) { e in
            XCTAssert("\(e)".contains("g.jsonl: sample b: response token id 7"), "\(e)")
        }
    }
}
