import XCTest
import Foundation
import Core

/// Continuous batching and the kernel dispatch, end to end: what a sequence gets must not
/// depend on the batch size, on static or continuous slots, or on which compiled kernel ran.
final class GenerationBatchingTests: XCTestCase {
    let m = fixturesDir() + "/qwen2-tiny"

    /// Prompts of different lengths; with per-prompt budgets the rows end at very different
    /// steps, so continuous batching refills slots many times.
    func prompts() -> [[Int]] {
        var rng = SplitMix64(seed: 3)
        return (0..<9).map { i in (0..<(1 + (i * 5) % 13)).map { _ in Int(rng.next() % 1000) + 3 } }
    }
    let budgets = [3, 17, 1, 9, 24, 2, 12, 5, 20]

    func sampled(batch: Int, _ batching: Batching, kernels: KernelVariant = .selected) throws -> [GeneratedSequence] {
        var o = GenerationOptions()
        o.sampling = SamplingConfig(temperature: 1, topK: 40, topP: 0.95)
        o.maxNewTokens = 24; o.samplesPerPrompt = 2; o.seed = 77; o.ignoreEOS = true
        o.batchSize = batch; o.batching = batching
        return try Generator(ModelDirectory.load(m), options: o, kernels: kernels).generate(prompts(), maxNewTokens: budgets)
    }

    func testContinuousBatchingGivesTheTokensOfBatchSizeOne() throws {
        let one = try sampled(batch: 1, .static)
        XCTAssertEqual(one.map(\.tokens.count), budgets.flatMap { [$0, $0] }, "each row stops at its own budget")
        for (batch, mode) in [(3, Batching.continuous), (4, .static), (5, .continuous), (18, .continuous), (7, .static)] {
            let got = try sampled(batch: batch, mode)
            XCTAssertEqual(got.map(\.tokens), one.map(\.tokens), "batch \(batch) \(mode)")
            XCTAssertEqual(got.map(\.promptIndex), one.map(\.promptIndex))
            XCTAssertEqual(got.map(\.sample), one.map(\.sample))
        }
    }

    /// A prompt's prefill (cache and logits) and next decode step are bit-identical whether it
    /// is prefilled alone or packed with others, for every weight dtype. Sizes large enough
    /// that a BLAS would pick different kernels for different row counts.
    func testPrefillOfAPromptDoesNotDependOnItsCompany() throws {
        let c = ModelConfig(modelType: "qwen2", vocabSize: 512, hiddenSize: 256, intermediateSize: 688,
                            numLayers: 2, numHeads: 8, numKVHeads: 2, tieWordEmbeddings: true)
        let model = Transformer(config: c)
        model.randomInitUniform(seed: 4, std: 0.05)
        var rng = SplitMix64(seed: 8)
        let seqs = [7, 40, 33, 64, 90].map { n in (0..<n).map { _ in Int(rng.next() % 512) } }
        for dtype in WeightsDType.allCases {
            let ws = DecodeWorkspace(model: model, weightsDType: dtype)
            func run(_ which: [Int]) throws -> [[Float]] {
                let cache = KVCache(config: c, capacities: which.map { seqs[$0].count + 1 })
                let rows = Array(which.indices)
                let first = try model.prefill(which.map { seqs[$0] }, rows: rows, cache: cache, workspace: ws)
                var out = rows.map { Array(UnsafeBufferPointer(start: first + $0 * 512, count: 512)) }
                let next = try model.decodeStep(tokens: which.map { seqs[$0][0] }, rows: rows, cache: cache, workspace: ws)
                for r in rows { out[r] += Array(UnsafeBufferPointer(start: next + r * 512, count: 512)) }
                return out
            }
            let together = try run(Array(seqs.indices))
            for i in seqs.indices {
                let alone = try run([i])[0]
                let diff = zip(alone, together[i]).map { abs($0 - $1) }.max() ?? 0
                XCTAssert(alone == together[i], "\(dtype) prompt \(i) alone vs packed: max |diff| \(diff)")
            }
        }
    }

    /// The stage's output file, byte for byte, for batch size 1 and a continuous batch of 3.
    func testGenerateFileIsByteIdenticalToBatchSizeOne() throws {
        let tmp = NSTemporaryDirectory() + "prefkit-cb-\(getpid())-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        let lines = ["Tell me a story.", "Hi", "The quick brown fox jumps over", "A", "Why is the sky blue? Explain."]
            .enumerated().map { #"{"id": \#($0.offset), "prompt": "\#($0.element)"}"# }
        let prompts = tmp + "/prompts.jsonl"
        try ArtifactFile.writeAtomically(prompts, string: lines.joined(separator: "\n") + "\n", compress: false)
        var files: [Data] = []
        for (batch, mode) in [(1, Batching.static), (3, .continuous), (4, .static)] {
            var o = GenerationOptions()
            o.sampling = SamplingConfig(temperature: 1.2, topK: 50)
            o.maxNewTokens = 16; o.samplesPerPrompt = 2; o.seed = 5; o.batchSize = batch; o.batching = mode
            let out = tmp + "/gen-\(batch).jsonl"
            _ = try GenerateJob(modelPath: m, promptsPath: prompts, outPath: out, options: o).run()
            files.append(try Data(contentsOf: URL(fileURLWithPath: out)))
        }
        XCTAssertGreaterThan(files[0].count, 100)
        XCTAssertEqual(files[1], files[0], "continuous batch 3")
        XCTAssertEqual(files[2], files[0], "static batch 4")
    }

    /// Every kernel variant this CPU runs (the portable one always) samples the same tokens,
    /// greedy and sampled, and their logits agree to fp32 rounding.
    func testKernelVariantsGiveTheSameTokens() throws {
        let reference = try sampled(batch: 4, .continuous, kernels: .portable)
        for v in KernelVariant.supported where v != .portable {
            XCTAssertEqual(try sampled(batch: 4, .continuous, kernels: v).map(\.tokens), reference.map(\.tokens), "\(v)")
        }
        let model = try Checkpoint.load(m)
        let seqs = prompts(), v = model.config.vocabSize
        /// Logits of one decode step after the prefill, every row, with these kernels.
        func stepLogits(_ variant: KernelVariant, _ dtype: WeightsDType) throws -> [Float] {
            let cache = KVCache(config: model.config, capacities: seqs.map { $0.count + 1 })
            let ws = DecodeWorkspace(model: model, weightsDType: dtype, variant: variant)
            _ = try model.prefill(seqs, rows: Array(seqs.indices), cache: cache, workspace: ws)
            let step = try model.decodeStep(tokens: seqs.map { $0[0] }, rows: Array(seqs.indices), cache: cache, workspace: ws)
            return Array(UnsafeBufferPointer(start: step, count: seqs.count * v))
        }
        for dtype in WeightsDType.allCases {
            let ref = try stepLogits(.portable, dtype)
            for variant in KernelVariant.supported where variant != .portable {
                assertClose(try stepLogits(variant, dtype), ref, rtol: 1e-4, "\(variant) vs portable, \(dtype) weights")
            }
        }
    }

    /// PREFKIT_NO_AVX2=1 makes the generate stage run the portable kernels (it says so), with the
    /// same output file.
    func testNoAVX2EnvironmentGivesTheSameFile() throws {
        let tmp = NSTemporaryDirectory() + "prefkit-noavx-\(getpid())-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        let prompts = tmp + "/prompts.jsonl"
        try ArtifactFile.writeAtomically(prompts, string: #"{"id": 1, "prompt": "Tell me a story."}"# + "\n" + #"{"id": 2, "prompt": "Hi"}"# + "\n", compress: false)
        var outs: [Data] = []
        for env in [[:], ["PREFKIT_NO_AVX2": "1"]] {
            let out = tmp + "/gen-\(env.count).jsonl"
            let (rc, log) = try StageCLI.run("generate", ["--model", m, "--prompts", prompts, "--out", out, "--max-new-tokens", "12",
                                                          "--temperature", "0", "--batch-size", "2", "--weights-dtype", "bf16"], env: env)
            XCTAssertEqual(rc, 0, log)
            let expected = env.isEmpty ? KernelVariant.supported[0] : .portable
            XCTAssert(log.contains("bf16 weights, \(expected.rawValue) kernels"), "the stage reports the kernels it ran: \(log)")
            outs.append(try Data(contentsOf: URL(fileURLWithPath: out)))
        }
        XCTAssertEqual(outs[0], outs[1])
    }
}
