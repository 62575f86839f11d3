import Core
import Foundation
import XCTest

/// Option values outside their fixed set and flag combinations that cannot work together are
/// refused by ArgumentParser (exit 64, a usage line) before any file is read or written.
final class StageValidationCLITests: XCTestCase {
    func testRefusedBeforeAnyWork() throws {
        let tmp = NSTemporaryDirectory() + "prefkit-validate-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        let out = tmp + "/out"
        // The inputs need not exist: validation comes first.
        let dpo = ["--model", tmp + "/m", "--data", tmp + "/d.jsonl", "--out", out]
        let cases: [(String, [String], String)] = [
            ("dpo-train", dpo + ["--merge"], "--merge needs LoRA"),
            ("dpo-train", dpo + ["--loss-type", "kto", "--ref-logps", tmp + "/r.safetensors"], "not --ref-logps"),
            ("dpo-train", dpo + ["--loss-type", "kto,sigmoid"], "does not combine"),
            ("dpo-train", dpo + ["--loss-type", "kto", "--batch-size", "1"], "at least 2"),
            ("dpo-train", dpo + ["--loss-type", "sigmod"], "'sigmod' is invalid"),
            ("dpo-train", dpo + ["--sync-ref-every", "2", "--lora-r", "4"], "needs a separate reference model"),
            ("dpo-train", dpo + ["--schedule", "cosin"], "'cosin' is invalid"),
            ("dpo-train", dpo + ["--truncation-mode", "keep_middle"], "'keep_middle' is invalid"),
            ("dpo-train", dpo + ["--lora-r", "4", "--lora-targets", "q,qq"], "'q,qq' is invalid"),
            ("dpo-train", dpo + ["--f-divergence", "kl"], "'kl' is invalid"),
            ("dpo-train", dpo + ["--beta", "0"], "--beta must be positive"),
            ("dpo-train", dpo + ["--base-dtype", "bf16", "--ref-logps", tmp + "/r.safetensors"], "this run has neither"),
            ("dpo-train", dpo + ["--base-dtype", "bf16", "--sync-ref-every", "2"], "not supported with --sync-ref-every"),
            ("dpo-train", dpo + ["--base-dtype", "fp8", "--lora-r", "4"], "'fp8' is invalid"),
            ("dpo-train", ["precompute-ref", "--model", tmp + "/m", "--data", tmp + "/d.jsonl", "--out", out, "--batch-size", "0"], "--batch-size must be positive"),
            ("rm-train", ["--model", tmp + "/m", "--data", tmp + "/d.jsonl", "--out", out, "--on-long", "cut"], "'cut' is invalid"),
            ("rm-train", ["--model", tmp + "/m", "--data", tmp + "/d.jsonl", "--out", out, "--base-dtype", "bf16"], "it needs --lora-r > 0"),
            ("rm-train", ["--model", tmp + "/m", "--data", tmp + "/d.jsonl", "--out", out, "--preference", "nicer"], "'nicer' is invalid"),
            ("rm-score", ["--model", tmp + "/m", "--data", tmp + "/d.jsonl", "--out", out, "--gold", "nope"], "unknown gold reward"),
            ("sft-train", ["--model", tmp + "/m", "--init-config", "nano", "--data", tmp + "/d.jsonl", "--out", out], "exactly one of"),
            ("sft-train", ["--model", tmp + "/m", "--vocab-size", "512", "--data", tmp + "/d.jsonl", "--out", out], "--vocab-size sizes the BPE"),
            ("generate", ["--model", tmp + "/m", "--prompts", tmp + "/p.jsonl", "--out", out, "--weights-dtype", "f64"], "'f64' is invalid"),
            ("generate", ["--model", tmp + "/m", "--prompts", tmp + "/p.jsonl", "--out", out, "--template", "llama"], "llama: no such chat template file"),
        ]
        for (stage, args, words) in cases {
            let (rc, log) = try StageCLI.run(stage, args)
            XCTAssertEqual(rc, 64, "\(stage) \(args.joined(separator: " ")): exit \(rc)\n\(log)")
            XCTAssert(log.contains(words), "\(stage) \(args.suffix(2)): expected «\(words)» in\n\(log)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: out), "\(stage) wrote output before refusing")
        }
    }
}
