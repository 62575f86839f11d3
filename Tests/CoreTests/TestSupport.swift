import Foundation
import XCTest
import Core

/// Tests/Fixtures, found from this file's location so tests run from any directory.
func fixturesDir() -> String {
    var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    for _ in 0..<6 {
        let candidate = url.appendingPathComponent("Fixtures").path
        if FileManager.default.fileExists(atPath: candidate + "/qwen2-tiny/config.json") { return candidate }
        let nested = url.appendingPathComponent("Tests/Fixtures").path
        if FileManager.default.fileExists(atPath: nested + "/qwen2-tiny/config.json") { return nested }
        url.deleteLastPathComponent()
    }
    return "/work/main/Tests/Fixtures"
}

func loadJSON(_ path: String) -> [String: Any] {
    let data = FileManager.default.contents(atPath: path)!
    return try! JSONSerialization.jsonObject(with: data) as! [String: Any]
}

/// Normalised max error: max|a−e| / max|e|. Per-element relative error explodes on values
/// near zero; this measures error against the tensor's own scale.
func relativeError<A: BinaryFloatingPoint, B: BinaryFloatingPoint>(_ a: [A], _ e: [B]) -> Double {
    precondition(a.count == e.count, "length \(a.count) vs \(e.count)")
    var maxDiff = 0.0, maxRef = 0.0
    for i in 0..<a.count {
        maxDiff = max(maxDiff, abs(Double(a[i]) - Double(e[i])))
        maxRef = max(maxRef, abs(Double(e[i])))
    }
    return maxDiff / max(maxRef, 1e-30)
}

func assertClose<A: BinaryFloatingPoint, B: BinaryFloatingPoint>(_ a: [A], _ e: [B], rtol: Double, _ what: String,
                                                                 file: StaticString = #filePath, line: UInt = #line) {
    guard a.count == e.count else {
        XCTFail("\(what): length \(a.count) vs expected \(e.count)", file: file, line: line); return
    }
    let err = relativeError(a, e)
    var maxAbs = 0.0
    for i in 0..<a.count { maxAbs = max(maxAbs, abs(Double(a[i]) - Double(e[i]))) }
    print(String(format: "  close: %@ rel %.2e (tol %.0e)", what, err, rtol))
    XCTAssert(err <= rtol, "\(what): relative error \(err) > \(rtol) (max abs diff \(maxAbs))", file: file, line: line)
}

func randomArray(_ n: Int, _ rng: inout SplitMix64, scale: Float = 1) -> [Float] {
    (0..<n).map { _ in rng.nextGaussian() * scale }
}

func doubles(_ x: Any?) -> [Double] { (x as! [Any]).map { ($0 as! NSNumber).doubleValue } }
func ints(_ x: Any?) -> [Int] { (x as! [Any]).map { ($0 as! NSNumber).intValue } }

/// LM-head logits of `rows` hidden states, soft-capped when the model's config says so:
/// what HF's *ForCausalLM returns.
func lmLogits(_ model: Transformer, _ hidden: UnsafePointer<Float>, rows: Int) -> [Float] {
    let c = model.config
    var logits = [Float](repeating: 0, count: rows * c.vocabSize)
    sgemm(transB: true, m: rows, n: c.vocabSize, k: c.hiddenSize, a: hidden, lda: c.hiddenSize,
          b: model.params.ptr + model.layout.lmHead, ldb: c.hiddenSize, c: &logits, ldc: c.vocabSize)
    if let cap = c.finalLogitSoftcap {
        logits = logits.map { cap * tanhf($0 / cap) }
    }
    return logits
}

/// A fixture's DPO triples as TRL JSONL lines {"prompt","chosen","rejected"} (chosen and
/// rejected exchanged when swapped).
func fixtureTripleLines(_ modelDir: String, swapped: Bool = false) -> [String] {
    let d = loadJSON(modelDir + "/ref.json")["dpo"] as! [String: Any]
    return (d["triples"] as! [[String: Any]]).map { t in
        let record = ["prompt": t["prompt"]!, "chosen": t[swapped ? "rejected" : "chosen"]!,
                      "rejected": t[swapped ? "chosen" : "rejected"]!]
        return String(data: try! JSONSerialization.data(withJSONObject: record), encoding: .utf8)!
    }
}
