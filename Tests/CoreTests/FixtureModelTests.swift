import XCTest
import Foundation
import Core

/// The engine against reference values written by transformers/TRL in float64
/// (Tests/Fixtures/README.md): logits, log-probs, DPO loss and gradients, reward scores
/// and gradients, greedy generation.
final class FixtureModelTests: XCTestCase {
    func dir(_ m: String) -> String { fixturesDir() + "/" + m }
    func ref(_ m: String) -> [String: Any] { loadJSON(dir(m) + "/ref.json") }
    func refTensor(_ m: String, _ name: String) throws -> [Float] {
        try SafetensorsFile(path: dir(m) + "/ref.safetensors").floats(name)
    }

    func checkLogits(_ m: String) throws {
        let model = try Checkpoint.load(dir(m))
        let r = ref(m)["logits"] as! [String: Any]
        let ids = ints(r["ids"])
        let acts = Activations(config: model.config, training: false)
        model.forward(TokenBatch([ids]), acts)
        let c = model.config, n = ids.count
        let logits = lmLogits(model, acts.hidden, rows: n)
        let finalNorm = Array(UnsafeBufferPointer(start: acts.hidden, count: n * c.hiddenSize))
        assertClose(finalNorm, try refTensor(m, "final_norm_output"), rtol: 1e-4, "\(m) final norm output")
        assertClose(logits, try refTensor(m, "logits"), rtol: 1e-4, "\(m) logits")
    }
    func testQwen2Logits() throws { try checkLogits("qwen2-tiny") }
    func testLlamaLogits() throws { try checkLogits("llama-tiny") }
    func testQwen3Logits() throws { try checkLogits("qwen3-tiny") }
    func testGemma3Logits() throws { try checkLogits("gemma3-tiny") }
    func testLlama31Logits() throws { try checkLogits("llama31-tiny") }
    func testMistralLogits() throws { try checkLogits("mistral-tiny") }

    func checkResponseLogps(_ m: String) throws {
        let model = try Checkpoint.load(dir(m))
        let engine = CausalLMEngine(model: model, training: false)
        for case let e as [String: Any] in ref(m)["response_logps"] as! [Any] {
            var b = CompletionBatch()
            b.append(prompt: ints(e["prompt_ids"]), completion: ints(e["response_ids"]))
            let lp = engine.logProbs(b)
            assertClose(lp, doubles(e["per_token_logps"]), rtol: 1e-4, "\(m) per-token logps")
            assertClose(b.sequenceSums(lp), [(e["sum_logps"] as! NSNumber).doubleValue], rtol: 1e-4, "\(m) sum logps")
        }
    }
    func testQwen2ResponseLogps() throws { try checkResponseLogps("qwen2-tiny") }
    func testLlamaResponseLogps() throws { try checkResponseLogps("llama-tiny") }
    func testNewFamiliesResponseLogps() throws {
        for m in Self.newFamilies { try checkResponseLogps(m) }
    }

    /// The families added after Qwen2 and Llama, one fixture each (tools/fixtures/make_model_fixtures.py).
    static let newFamilies = ["qwen3-tiny", "gemma3-tiny", "llama31-tiny", "mistral-tiny"]

    /// DPO sigmoid loss, mean over pairs: the loss and dL/dlogp for each sequence.
    func dpoSigmoid(pc: [Double], pr: [Double], rc: [Double], rr: [Double], beta: Double) -> (Double, [Double]) {
        let n = pc.count
        var loss = 0.0, coeff = [Double](repeating: 0, count: 2 * n)
        for i in 0..<n {
            let z = beta * ((pc[i] - rc[i]) - (pr[i] - rr[i]))
            loss += -(-log1p(exp(-z))) / Double(n)
            let s = 1 / (1 + exp(z))   // σ(−z) = −d(−logσ(z))/dz
            coeff[i] = -beta * s / Double(n)
            coeff[n + i] = beta * s / Double(n)
        }
        return (loss, coeff)
    }

    func checkDPO(_ m: String) throws {
        let d = ref(m)["dpo"] as! [String: Any]
        let beta = (d["beta"] as! NSNumber).doubleValue
        let triples = d["triples"] as! [[String: Any]]
        var b = CompletionBatch()
        for t in triples { b.append(prompt: ints(t["prompt_ids"]), completion: ints(t["chosen_ids"])) }
        for t in triples { b.append(prompt: ints(t["prompt_ids"]), completion: ints(t["rejected_ids"])) }
        let n = triples.count
        let reference = CausalLMEngine(model: try Checkpoint.load(dir(m)), training: false)
        let refSums = b.sequenceSums(reference.logProbs(b))
        assertClose(Array(refSums[0..<n]), doubles(d["reference_chosen_logps"]), rtol: 1e-4, "\(m) ref chosen")
        assertClose(Array(refSums[n...]), doubles(d["reference_rejected_logps"]), rtol: 1e-4, "\(m) ref rejected")
        let policyModel = try Checkpoint.load(dir(m) + "/policy")
        let policy = CausalLMEngine(model: policyModel, training: true)
        let lp = policy.logProbs(b)
        let sums = b.sequenceSums(lp)
        assertClose(Array(sums[0..<n]), doubles(d["policy_chosen_logps"]), rtol: 1e-4, "\(m) policy chosen")
        assertClose(Array(sums[n...]), doubles(d["policy_rejected_logps"]), rtol: 1e-4, "\(m) policy rejected")
        let (loss, coeff) = dpoSigmoid(pc: Array(sums[0..<n]), pr: Array(sums[n...]),
                                       rc: Array(refSums[0..<n]), rr: Array(refSums[n...]), beta: beta)
        assertClose([loss], [(d["loss"] as! NSNumber).doubleValue], rtol: 1e-4, "\(m) dpo loss")
        policyModel.zeroGradients()
        policy.backward(b, coeff: b.expand(coeff))
        for (hf, key) in d["grad_tensors"] as! [String: String] {
            let e = policyModel.layout.entry(hf)!
            let g = (0..<e.count).map { policyModel.grads![e.offset + $0] }
            assertClose(g, try refTensor(m, key), rtol: 1e-3, "\(m) dpo grad \(hf)")
        }
    }
    func testQwen2DPO() throws { try checkDPO("qwen2-tiny") }
    func testLlamaDPO() throws { try checkDPO("llama-tiny") }
    func testQwen3DPO() throws { try checkDPO("qwen3-tiny") }
    func testGemma3DPO() throws { try checkDPO("gemma3-tiny") }
    func testLlama31DPO() throws { try checkDPO("llama31-tiny") }
    func testMistralDPO() throws { try checkDPO("mistral-tiny") }

    func testQwen2RewardModel() throws { try checkRewardModel("qwen2-tiny") }
    func testNewFamiliesRewardModels() throws {
        for m in Self.newFamilies { try checkRewardModel(m) }
    }

    func checkRewardModel(_ m: String) throws {
        let r = ref(m)["reward_model"] as! [String: Any]
        let model = try Checkpoint.load(dir(m + "/reward"), head: .score)
        let engine = RewardEngine(model: model, training: true)
        let ids = (r["input_ids"] as! [Any]).map(ints), mask = (r["attention_mask"] as! [Any]).map(ints)
        let last = ints(r["last_token_index"])
        var b = TokenBatch()
        for (i, row) in ids.enumerated() {
            let len = mask[i].reduce(0, +)
            XCTAssertEqual(len - 1, last[i])
            b.append(Array(row[0..<len]))
        }
        let scores = engine.scores(b)
        let n = ids.count / 2
        assertClose(Array(scores[0..<n]), doubles(r["chosen_scores"]), rtol: 1e-4, "\(m) rm chosen")
        assertClose(Array(scores[n...]), doubles(r["rejected_scores"]), rtol: 1e-4, "\(m) rm rejected")
        var loss = 0.0, coeff = [Float](repeating: 0, count: 2 * n)
        for i in 0..<n {
            let z = Double(scores[i] - scores[n + i])
            loss += log1p(exp(-z)) / Double(n)
            let s = Float(1 / (1 + exp(z)) / Double(n))
            coeff[i] = -s; coeff[n + i] = s
        }
        assertClose([loss], [(r["loss"] as! NSNumber).doubleValue], rtol: 1e-4, "\(m) rm loss")
        model.zeroGradients()
        engine.backward(b, coeff: coeff)
        for (hf, key) in r["grad_tensors"] as! [String: String] {
            let e = model.layout.entry(hf)!
            let g = (0..<e.count).map { model.grads![e.offset + $0] }
            assertClose(g, try refTensor(m, key), rtol: 1e-3, "\(m) rm grad \(hf)")
        }
    }

    /// Greedy decoding by full forward passes (no cache) reproduces HF generate's tokens.
    func checkGreedy(_ m: String) throws {
        let model = try Checkpoint.load(dir(m))
        let acts = Activations(config: model.config, training: false)
        let c = model.config
        for case let g as [String: Any] in ref(m)["generation"] as! [Any] {
            var ids = ints(g["prompt_ids"])
            var out: [Int] = []
            var logits = [Float](repeating: 0, count: c.vocabSize)
            for _ in 0..<(g["max_new_tokens"] as! Int) {
                model.forward(TokenBatch([ids]), acts)
                sgemm(transB: true, m: 1, n: c.vocabSize, k: c.hiddenSize, a: acts.hidden + (ids.count - 1) * c.hiddenSize,
                      lda: c.hiddenSize, b: model.params.ptr + model.layout.lmHead, ldb: c.hiddenSize, c: &logits, ldc: c.vocabSize)
                let next = logits.indices.max { logits[$0] < logits[$1] }!
                out.append(next); ids.append(next)
            }
            XCTAssertEqual(out, ints(g["hf_generate_fp32_new_ids"]), "\(m) greedy tokens")
        }
    }
    func testQwen2Greedy() throws { try checkGreedy("qwen2-tiny") }
    func testLlamaGreedy() throws { try checkGreedy("llama-tiny") }
    func testNewFamiliesGreedy() throws {
        for m in Self.newFamilies { try checkGreedy(m) }
    }

    /// Save then reload gives identical tensors, config included.
    func testSaveReloadRoundTrip() throws {
        let rewards = Self.newFamilies.map { $0 + "/reward" }
        for m in ["qwen2-tiny", "llama-tiny", "qwen2-tiny/reward"] + Self.newFamilies + rewards {
            let head: Checkpoint.Head = m.hasSuffix("reward") ? .score : .lm
            let a = try Checkpoint.load(dir(m), head: head)
            let out = NSTemporaryDirectory() + "prefkit-rt-\(getpid())-\(m.replacingOccurrences(of: "/", with: "_"))"
            defer { try? FileManager.default.removeItem(atPath: out) }
            try Checkpoint.save(a, to: out)
            let b = try Checkpoint.load(out, head: head)
            XCTAssertEqual(a.config, b.config)
            XCTAssertEqual(a.params.toArray(), b.params.toArray(), "\(m) tensors differ after save/reload")
        }
    }

    func testWrongKindsAreRefused() throws {
        XCTAssertThrowsError(try Checkpoint.load(dir("qwen2-tiny/reward"), head: .lm)) { e in
            XCTAssert("\(e)".contains("reward model"), "\(e)")
        }
        XCTAssertThrowsError(try Checkpoint.load(dir("qwen2-tiny"), head: .score)) { e in
            XCTAssert("\(e)".contains("not a reward model"), "\(e)")
        }
        let rm = try Checkpoint.load(dir("qwen2-tiny"), head: .scoreFromAny(seed: 1, std: 0.02))
        XCTAssertTrue(rm.hasScoreHead)
    }

    /// As transformers does, the score is read at the rightmost non-pad token: when a model's
    /// pad is its eos, a trailing eos is stepped over.
    func testRewardReadsRightmostNonPadToken() throws {
        let rm = try Checkpoint.load(dir("qwen2-tiny/reward"), head: .score)
        var cfg = rm.config
        cfg.padTokenId = 1823   // eos
        let padIsEos = Transformer(config: cfg, withLMHead: false, withScoreHead: true)
        padIsEos.params.copy(from: rm.params)
        let seq = [1822, 329, 198, 17, 10, 17, 1823]
        let withEos = RewardEngine(model: padIsEos, training: false).scores(TokenBatch([seq]))
        let before = RewardEngine(model: rm, training: false).scores(TokenBatch([Array(seq.dropLast())]))
        let atEos = RewardEngine(model: rm, training: false).scores(TokenBatch([seq]))
        XCTAssertEqual(withEos, before, "pad = eos: the token before the eos is scored")
        XCTAssertNotEqual(atEos, before, "pad ≠ eos: the eos itself is scored")
    }
}
