import XCTest
import Foundation
import Core

/// Matrices held only in bf16/f16 (Transformer.halfMatrices, `generate --weights-dtype`,
/// `dpo-train --base-dtype`) against an f32 model holding exactly the same rounded values:
/// the fixture saved with every tensor rounded, loaded both ways. The values multiplied are
/// identical, so only summation order differs and the bounds are f32 round-off (1e-5
/// relative), far below one bf16 rounding (2⁻⁹): a wrong block, row or scale shows.
final class HalfMatricesTests: XCTestCase {
    let fixture = fixturesDir() + "/qwen2-tiny"

    /// The fixture with every tensor rounded to `dtype` (Checkpoint.save(dtype:)), beside its tokenizer.
    func roundedCopy(_ dtype: WeightsDType) throws -> String {
        let dir = NSTemporaryDirectory() + "prefkit-half-\(getpid())-\(dtype.rawValue)"
        try? FileManager.default.removeItem(atPath: dir)
        try Checkpoint.save(try Checkpoint.load(fixture), to: dir, dtype: dtype)
        for f in ["tokenizer.json", "tokenizer_config.json"] where FileManager.default.fileExists(atPath: fixture + "/" + f) {
            try FileManager.default.copyItem(atPath: fixture + "/" + f, toPath: dir + "/" + f)
        }
        return dir
    }

    /// WeightMatrix products on a half copy (widened block by block, then sgemm) against the
    /// same products on the f32 values; the last shape spans two widened blocks.
    func testProductsMatchF32OnTheSameValues() {
        var rng = SplitMix64(seed: 3)
        for dtype in [WeightsDType.bf16, .f16] {
            for (m, rows, cols) in [(1, 7, 5), (3, 37, 29), (70, 130, 71), (2, 1500, 900)] {
                let stored = HalfRounding.round(randomArray(rows * cols, &rng), to: dtype)
                let x = randomArray(m * cols, &rng), dy = randomArray(m * rows, &rng)
                let y0 = randomArray(m * rows, &rng), dx0 = randomArray(m * cols, &rng)
                stored.raw.withUnsafeBytes { raw in
                    stored.values.withUnsafeBufferPointer { values in
                        let half = WeightMatrix(half: raw.baseAddress!.assumingMemoryBound(to: UInt16.self), dtype: dtype,
                                                rows: rows, cols: cols)
                        let full = WeightMatrix(f32: values.baseAddress!, rows: rows, cols: cols)
                        for accumulate in [false, true] {
                            var a = y0, b = y0
                            half.timesTransposed(x, m: m, y: &a, ldy: rows, accumulate: accumulate, scratch: Scratch())
                            full.timesTransposed(x, m: m, y: &b, ldy: rows, accumulate: accumulate, scratch: Scratch())
                            assertClose(a, b, rtol: 1e-5, "\(dtype) x·Wᵀ m \(m) [\(rows), \(cols)] acc \(accumulate)")
                            var c = dx0, d = dx0
                            half.times(dy, m: m, lda: rows, y: &c, accumulate: accumulate, scratch: Scratch())
                            full.times(dy, m: m, lda: rows, y: &d, accumulate: accumulate, scratch: Scratch())
                            assertClose(c, d, rtol: 1e-5, "\(dtype) dy·W m \(m) [\(rows), \(cols)] acc \(accumulate)")
                        }
                        var row = [Float](repeating: 0, count: cols)
                        half.row(rows - 1, into: &row)
                        XCTAssertEqual(row, Array(values[(rows - 1) * cols ..< rows * cols]), "\(dtype) row widening is exact")
                    }
                }
            }
        }
    }

    /// Loaded half-only, the f32 buffer's matrices are never filled (they cost no memory),
    /// the model says where they live, and it is not saved from memory.
    func testHalfLoadFillsOnlyTheHalfCopy() throws {
        let dir = try roundedCopy(.bf16)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let m = try Checkpoint.load(dir, matrices: .bf16)
        XCTAssertEqual(m.matricesDType, .bf16)
        for name in ["model.embed_tokens.weight", "model.layers.1.mlp.down_proj.weight"] {
            let e = m.layout.entry(name)!
            XCTAssert((0..<e.count).allSatisfy { m.params[e.offset + $0] == 0 }, "\(name): f32 copy untouched")
        }
        let norm = m.layout.entry("model.norm.weight")!
        XCTAssert((0..<norm.count).contains { m.params[norm.offset + $0] != 0 }, "vectors stay f32")
        XCTAssertThrowsError(try Checkpoint.save(m, to: dir + "-again")) { e in
            XCTAssert("\(e)".contains("bf16 only"), "\(e)")
        }
        XCTAssertNotEqual(m.weightsDigest, try Checkpoint.load(dir).weightsDigest, "the digest tells the precisions apart")
    }

    /// An f32 checkpoint whose weight does not fit f16 is refused by name, not turned into inf.
    func testF16OverflowIsRefusedByName() throws {
        let dir = NSTemporaryDirectory() + "prefkit-half-overflow-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let m = try Checkpoint.load(fixture)
        let e = m.layout.entry("model.layers.0.self_attn.o_proj.weight")!
        m.params[e.offset + 5] = 1e5
        try Checkpoint.save(m, to: dir)
        XCTAssertThrowsError(try Checkpoint.load(dir, matrices: .f16)) { err in
            let s = "\(err)"
            XCTAssert(s.contains("model.layers.0.self_attn.o_proj.weight") && s.contains("index 5") && s.contains("65504"), s)
        }
        XCTAssertNoThrow(try Checkpoint.load(dir, matrices: .bf16), "bf16 has f32's range")
    }

    /// LoRA DPO on a bf16 base (frozen: forward, the adapter-off reference and the backward
    /// through dy·W all read the half copy) equals LoRA DPO on the f32 model of the same values,
    /// to f32 round-off (the half forward runs in the decode kernel, f32 in sgemm: other sums).
    func testLoRADPOOnAHalfBaseEqualsTheSameValuesInF32() throws {
        let dir = try roundedCopy(.bf16)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let data = dir + "/pairs.jsonl"
        try fixtureTripleLines(fixture).joined(separator: "\n").write(toFile: data, atomically: true, encoding: .utf8)
        var metrics: [[String: Double]] = [], grads: [[Float]] = []
        for matrices in [WeightsDType.f32, .bf16] {
            let md = try ModelDirectory.load(dir, matrices: matrices)
            XCTAssertEqual(md.model.matricesDType, matrices)
            let pairs = try PreferenceData.load(data, tokenizer: md.tokenizer, eos: md.eosTokenId, options: PreferenceLoadOptions()).0
            let a = LoRAAdapter(config: LoRAConfig(rank: 4, alpha: 8, dropout: 0), model: md.model.config, seed: 1)
            // A non-zero B, so the policy differs from the reference and every product matters.
            var rng = SplitMix64(seed: 9)
            for i in 0..<a.params.count where a.params[i] == 0 { a.params[i] = rng.nextGaussian() * 0.05 }
            let reference = ReferenceSource.adapterOff(CausalLMEngine(model: md.model, training: false), a)
            let obj = try DPOObjective(policy: md.model, lora: a, reference: reference, pairs: pairs,
                                       loss: DPOLossConfig()) { _, _, _ in }
            let all = Array(pairs.indices)
            metrics.append(try obj.accumulate(all, normalizer: obj.normalizer(all)))
            grads.append(a.grads.toArray())
        }
        for key in ["loss", "logps/chosen", "logps/rejected", "rewards/margins"] {
            // A margin is β·(a difference of log-prob differences): its round-off is relative
            // to β·|logp|, not to the (small) margin itself.
            let scale = key == "rewards/margins" ? 0.1 * abs(metrics[0]["logps/chosen"]!) : abs(metrics[0][key]!)
            let e = abs(metrics[0][key]! - metrics[1][key]!) / max(1e-3, scale)
            print(String(format: "  half base: %@ relative error %.2e (tol 1e-5)", key, e))
            XCTAssertLessThan(e, 1e-5, key)
        }
        let g = relativeError(grads[1], grads[0])
        print(String(format: "  half base: adapter gradient relative error %.2e (tol 1e-4)", g))
        XCTAssertLessThan(g, 1e-4)
        XCTAssert(grads[0].contains { $0 != 0 })
    }

    /// Decoding a half-only model gives exactly the tokens of an f32 model of the same values
    /// narrowed by its DecodeWorkspace (same bits, same kernel), for bf16 and f16.
    func testDecodingAHalfModelGivesTheSameTokens() throws {
        for dtype in [WeightsDType.bf16, .f16] {
            let dir = try roundedCopy(dtype)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            var o = GenerationOptions()
            o.maxNewTokens = 12; o.ignoreEOS = true; o.batchSize = 3; o.weightsDType = dtype
            o.sampling = SamplingConfig(temperature: 1, topK: 20)
            let prompts = [[5, 9, 13], [7], [3, 1, 4, 1, 5, 9, 2, 6]]
            let full = try Generator(model: try Checkpoint.load(dir), tokenizer: nil, eosTokenIds: [0], options: o)
            let half = try Generator(model: try Checkpoint.load(dir, matrices: dtype), tokenizer: nil, eosTokenIds: [0], options: o)
            XCTAssertEqual(try half.generate(prompts).map(\.tokens), try full.generate(prompts).map(\.tokens), "\(dtype)")
        }
    }

    /// The stages with --base-dtype bf16: LoRA DPO (with --merge: the merged model is the
    /// widened base plus the adapter, and loads), a reference precomputed in f32 refused for a
    /// bf16 base by digest, precompute-ref --base-dtype bf16 accepted, and LoRA rm-train.
    func testStagesWithAHalfBase() throws {
        let tmp = NSTemporaryDirectory() + "prefkit-half-cli-\(getpid())"
        try? FileManager.default.removeItem(atPath: tmp)
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        let data = tmp + "/prefs.jsonl"
        try fixtureTripleLines(fixture).joined(separator: "\n").write(toFile: data, atomically: true, encoding: .utf8)
        let lora = ["--lora-r", "4", "--lora-dropout", "0", "--max-steps", "2", "--batch-size", "2", "--lr", "1e-3", "--quiet"]
        var (rc, log) = try StageCLI.run("dpo-train", ["--model", fixture, "--data", data, "--out", tmp + "/dpo", "--base-dtype", "bf16",
                                                      "--merge"] + lora)
        XCTAssertEqual(rc, 0, log)
        XCTAssertNoThrow(try Checkpoint.load(tmp + "/dpo/merged"), "the merged model loads")
        (rc, log) = try StageCLI.run("dpo-train", ["precompute-ref", "--model", fixture, "--data", data, "--out", tmp + "/ref32.safetensors", "--quiet"])
        XCTAssertEqual(rc, 0, log)
        (rc, log) = try StageCLI.run("dpo-train", ["--model", fixture, "--data", data, "--out", tmp + "/dpo2", "--base-dtype", "bf16",
                                                  "--ref-logps", tmp + "/ref32.safetensors"] + lora)
        XCTAssertEqual(rc, 1, "a reference computed with f32 weights is not taken for a bf16 base\n\(log)")
        XCTAssert(log.contains("come from another model"), log)
        (rc, log) = try StageCLI.run("dpo-train", ["precompute-ref", "--model", fixture, "--data", data, "--out", tmp + "/ref16.safetensors",
                                                  "--base-dtype", "bf16", "--quiet"])
        XCTAssertEqual(rc, 0, log)
        (rc, log) = try StageCLI.run("dpo-train", ["--model", fixture, "--data", data, "--out", tmp + "/dpo3", "--base-dtype", "bf16",
                                                  "--ref-logps", tmp + "/ref16.safetensors"] + lora)
        XCTAssertEqual(rc, 0, log)
        (rc, log) = try StageCLI.run("rm-train", ["--model", fixture, "--data", data, "--out", tmp + "/rm", "--base-dtype", "bf16"] + lora)
        XCTAssertEqual(rc, 0, log)
        XCTAssertNoThrow(try Checkpoint.load(tmp + "/rm", head: .score), "the merged reward model loads")
    }

    /// Logits with half-precision weights against the f32 path on the original (unrounded)
    /// fixture weights, after a 6-token prefill and 4 decode steps. Each weight is rounded with
    /// relative error at most u, the dtype's unit roundoff (bf16 2⁻⁸, f16 2⁻¹¹); the errors
    /// of many independent roundings partly cancel, so the logits' error stays of order u
    /// relative to their scale. Bound tested: max|Δlogit| / max|logit| ≤ 4u, and f16 closer than bf16.
    func testHalfLogitsWithinRoundingOfF32() throws {
        let model = try Checkpoint.load(fixture)
        let vocab = model.config.vocabSize
        func logits(_ dtype: WeightsDType) throws -> [Float] {
            let ws = DecodeWorkspace(model: model, weightsDType: dtype)
            let cache = KVCache(config: model.config, capacities: [16])
            var out = Array(UnsafeBufferPointer(start: try model.prefill([[3, 14, 15, 92, 65, 35]], rows: [0], cache: cache, workspace: ws),
                                                count: vocab))
            for t in [8, 97, 9, 32] {
                out += Array(UnsafeBufferPointer(start: try model.decodeStep(tokens: [t], rows: [0], cache: cache, workspace: ws),
                                                 count: vocab))
            }
            return out
        }
        let full = try logits(.f32)
        var errors: [WeightsDType: Double] = [:]
        for (dtype, u) in [(WeightsDType.bf16, 0x1p-8), (.f16, 0x1p-11)] {
            let e = relativeError(try logits(dtype), full)
            errors[dtype] = e
            print(String(format: "  %@ logits: max|Δ| / max|logit| %.2e against f32 (bound 4u = %.2e)", dtype.rawValue, e, 4 * u))
            XCTAssertLessThanOrEqual(e, 4 * u, "\(dtype)")
            XCTAssertGreaterThan(e, 0, "\(dtype) weights are rounded, so the logits differ")
        }
        XCTAssertLessThan(errors[.f16]!, errors[.bf16]!, "f16 keeps 3 more mantissa bits")
    }
}
