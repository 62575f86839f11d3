import Core
import Foundation
import XCTest

/// Seeded random-mutation fuzzing of every reader that takes files from outside: no crash, no
/// hang, no allocation sized by a lying length field, and every rejection a PrefkitError that
/// names the file. CI runs a few thousand cases in all; `make fuzz` runs FUZZ_CASES per target
/// (FUZZ_SEED picks another mutation stream).
final class FuzzTests: XCTestCase {
    func scratch() throws -> String { try ioTempDir(self) }

    /// Runs the target and fails on any bad case; virtual memory may not grow by more than
    /// 1 GiB (every seed is under 2 kB, so only a trusted length field could ask for that).
    func fuzz(_ target: String, ext: String, seeds: [[UInt8]], cases: Int, read: @escaping (String) throws -> Void) throws {
        let dir = try scratch()
        let peakBefore = fuzzPeakVirtualKB()
        let t0 = Date()
        let (c, failures) = FuzzRunner(target: target, ext: ext, seeds: seeds, read: read)
            .run(cases: FuzzRunner.cases(default: cases), in: dir)
        let grownMB = (fuzzPeakVirtualKB() - peakBefore) / 1024
        print(String(format: "fuzz %@: %d tried, %d survived (%d accepted, %d rejected with a named PrefkitError), %d failed, %.1f s, peak VM +%d MB",
                     target, c.tried, c.tried - c.failed, c.accepted, c.rejected, c.failed, Date().timeIntervalSince(t0), grownMB))
        XCTAssertEqual(c.failed, 0, "\(target):\n" + failures.joined(separator: "\n"))
        XCTAssertLessThan(grownMB, 1024, "\(target): peak virtual memory grew by \(grownMB) MB")
        XCTAssertGreaterThan(c.rejected, 0, "\(target): no mutation was rejected; the mutator is not reaching the checks")
    }

    func testFuzzSafetensors() throws {
        let seeds = try FuzzSeeds.safetensorsFiles(scratch: try scratch())
        try fuzz("safetensors", ext: "safetensors", seeds: seeds, cases: 1500) { path in
            let f = try SafetensorsFile(path: path)
            for n in f.names where ["F32", "F16", "BF16", "F64"].contains(f.tensors[n]!.dtype) { _ = try f.floats(n) }
        }
    }

    func testFuzzPreferenceData() throws {
        let tok = FuzzSeeds.tokenizer
        var o = PreferenceLoadOptions()
        o.truncation.maxLength = 24
        try fuzz("preference", ext: "jsonl", seeds: FuzzSeeds.preferenceFiles, cases: 1000) { path in
            var skip = o
            skip.policy = .skip
            _ = try? PreferenceData.load(path, tokenizer: tok, eos: 0, options: o)
            _ = try PreferenceData.load(path, tokenizer: tok, eos: 0, options: skip)
        }
    }

    func testFuzzSFTData() throws {
        let tok = FuzzSeeds.tokenizer
        try fuzz("sft", ext: "jsonl", seeds: FuzzSeeds.sftFiles, cases: 800) { path in
            for policy in BadRecordPolicy.allCases {
                do {
                    _ = try SFTData.load(path, tokenizer: tok, chat: .forced(.chatml), eos: 0, maxLength: 16, policy: policy)
                } catch let e as PrefkitError where policy == .fail && e.message.contains(path) { continue }
            }
        }
    }

    func testFuzzScoreInput() throws {
        let tok = FuzzSeeds.tokenizer
        var o = PreferenceLoadOptions()
        o.policy = .skip
        let gens = FuzzSeeds.jsonl([["id": "g1", "prompt": "Rate it.", "response": "Fine.", "gold": 0.5], ["prompt": "x", "response": ""]])
        try fuzz("score-input", ext: "jsonl", seeds: [gens] + FuzzSeeds.preferenceFiles.prefix(1), cases: 400) { path in
            _ = try ScoreInput.load(path, tokenizer: tok, eos: 0, preference: o, label: nil)
        }
    }

    /// config.json decides every allocation size and which math runs: a mutated one must load
    /// or be refused naming the file, never allocate from a lying size or pass an unknown field.
    func testFuzzModelConfig() throws {
        let families = ["qwen2-tiny", "llama-tiny", "qwen3-tiny", "gemma3-tiny", "llama31-tiny", "mistral-tiny"]
        let seeds = try families.map { family in
            Array(try Data(contentsOf: URL(fileURLWithPath: fixturesDir() + "/\(family)/config.json")))
        }
        try fuzz("model-config", ext: "json", seeds: seeds, cases: 1500) { path in
            _ = try ModelConfig.load(path: path)
        }
    }

    /// .jsonl.gz through the line reader: mutated gzip must stream, or be refused naming the file.
    func testFuzzGzip() throws {
        let dir = try scratch()
        let text = Array(FuzzSeeds.corpus.joined(separator: "\n").utf8)
        let one = try GzipInputTests.gzip(text, scratch: dir)
        let seeds = [one, one + (try GzipInputTests.gzip(Array("second member\n".utf8), scratch: dir))]
        try fuzz("gzip", ext: "gz", seeds: seeds, cases: 600) { path in
            let reader = try LineReader(path: path)
            while try reader.nextLine() != nil {}
        }
    }

    /// Parquet (footer Thrift, page headers, levels, dictionaries, snappy/lz4/gzip/zstd pages):
    /// mutated pyarrow files must read or be refused naming the file.
    func testFuzzParquet() throws {
        let dir = fixturesDir() + "/parquet/"
        let seeds = try ["prefs-none-v1-dict", "prefs-snappy-v2-plain", "prefs-lz4-v1-plain", "prefs-gzip-v2-dict", "prefs-zstd-v1-dict", "prefs-delta-v2"]
            .map { try ArtifactFile.readRaw(dir + $0 + ".parquet") }
        try fuzz("parquet", ext: "parquet", seeds: seeds, cases: 800) { path in
            try JSONL.forEachLine(path) { _, _, _ in }
        }
    }

    /// Arrow IPC (stream and file format, FlatBuffers metadata, field nodes, buffers, offsets,
    /// zstd bodies): mutated pyarrow and datasets files must read or be refused naming the file.
    func testFuzzArrow() throws {
        let dir = fixturesDir() + "/arrow/"
        let seeds = try ["prefs-stream", "prefs-file", "prefs-stream-zstd", "prefs-stream-large", "prefs-datasets", "sft"]
            .map { try ArtifactFile.readRaw(dir + $0 + ".arrow") }
        try fuzz("arrow", ext: "arrow", seeds: seeds, cases: 800) { path in
            try JSONL.forEachLine(path) { _, _, _ in }
        }
    }

    func testFuzzTokenizerJSON() throws {
        try fuzz("tokenizer", ext: "json", seeds: FuzzSeeds.tokenizerFiles, cases: 500) { path in
            let t = try Tokenizer(path: path)
            let ids = t.encode("Ünïcödé kettle <|endoftext|> 🙂 12 <s>")
            _ = t.decode(ids)
            _ = t.decode(t.encode(" kettle  1", addSpecialTokens: true), skipSpecialTokens: true)
        }
    }

    func testFuzzZstd() throws {
        let seeds = try FuzzSeeds.zstdFiles(scratch: try scratch())
        try fuzz("zstd", ext: "zst", seeds: seeds, cases: 1000) { path in
            let whole = try ArtifactFile.readBytes(path)
            // The streaming reader must agree with the one-shot reader on what the file holds.
            let reader = try LineReader(path: path)
            var streamed: [[UInt8]] = []
            while let (_, line) = try reader.nextLine() { streamed.append(line) }
            // CRLF counts as one line end; a lone \r ending the file without a newline is content.
            var expected = whole.split(separator: 0x0A, omittingEmptySubsequences: false).map(Array.init)
            for k in 0..<(expected.count - 1) where expected[k].last == 0x0D { expected[k].removeLast() }
            if whole.isEmpty || whole.last == 0x0A { expected.removeLast() }
            if streamed != expected {
                throw FuzzMismatch("\(path): LineReader read \(streamed.count) lines, readBytes holds \(expected.count)")
            }
        }
    }
}

struct FuzzMismatch: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
