import Core
import Foundation
import XCTest

/// Replays Tests/Fixtures/fuzz-corpus: hostile files found by the fuzzer or written by hand
/// (lengths of 2^60, overflowing shapes, invalid UTF-8, deep nesting). Each must be refused by
/// every reader of its kind with a PrefkitError naming the file; none may crash or allocate
/// what its lying fields ask for.
final class FuzzCorpusTests: XCTestCase {
    let corpus = ioFixturesDir() + "/fuzz-corpus"

    func replay(_ kind: String, readers: [(String, (String) throws -> Void)]) {
        let files = ioListDir(corpus + "/" + kind)
        XCTAssertFalse(files.isEmpty, "no corpus files under \(corpus)/\(kind)")
        let peakBefore = fuzzPeakVirtualKB()
        for f in files {
            let path = corpus + "/" + kind + "/" + f
            for (reader, read) in readers {
                do {
                    try read(path)
                    XCTFail("\(reader) accepted the hostile file \(path)")
                } catch let e as PrefkitError {
                    XCTAssert(e.message.contains(path), "\(reader): message does not name the file: \(e.message)")
                } catch {
                    XCTFail("\(reader) on \(path): not a PrefkitError: \(error)")
                }
            }
        }
        XCTAssertLessThan((fuzzPeakVirtualKB() - peakBefore) / 1024, 1024, "\(kind): peak virtual memory grew by over 1 GiB")
    }

    func testSafetensorsCorpus() {
        replay("safetensors", readers: [("SafetensorsFile", { path in
            let f = try SafetensorsFile(path: path)
            for n in f.names { _ = try f.floats(n) }
        })])
    }

    func testZstdCorpus() {
        replay("zstd", readers: [
            ("ArtifactFile.readBytes", { _ = try ArtifactFile.readBytes($0) }),
            ("LineReader", { path in
                let r = try LineReader(path: path)
                while try r.nextLine() != nil {}
            }),
        ])
    }

    func testJSONLCorpus() {
        let tok = FuzzSeeds.tokenizer
        replay("jsonl", readers: [
            ("PreferenceData", { _ = try PreferenceData.load($0, tokenizer: tok, eos: 0, options: PreferenceLoadOptions()) }),
            ("SFTData", { _ = try SFTData.load($0, tokenizer: tok, chat: .forced(.plain), eos: 0, maxLength: 64, policy: .fail) }),
            ("ScoreInput", { _ = try ScoreInput.load($0, tokenizer: tok, eos: 0, preference: PreferenceLoadOptions(), label: nil) }),
        ])
    }

    func testModelConfigCorpus() {
        replay("model-config", readers: [("ModelConfig", { _ = try ModelConfig.load(path: $0) })])
    }

    func testTokenizerCorpus() {
        replay("tokenizer", readers: [("Tokenizer", { _ = try Tokenizer(path: $0) })])
    }
}
