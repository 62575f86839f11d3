import Core
import Foundation
import XCTest

/// Arrow IPC files written by pyarrow and datasets (tools/fixtures/make_arrow_fixtures.py): the
/// stream and file formats, zstd bodies, 64-bit offsets, 4 record batches, nulls, nested
/// message lists. prefkit must read the rows pyarrow reads back (expected.jsonl), every stage's
/// reader must get the same records as from the JSONL twins, and damaged files are refused
/// naming the file.
final class ArrowTests: XCTestCase {
    let dir = fixturesDir() + "/arrow"

    func testEveryVariantReadsAsPyarrowDoes() throws {
        let expected = try JSONL.readAll(dir + "/expected.jsonl").map { $0.record }
        let files = ioListDir(dir).filter { $0.hasPrefix("prefs-") && $0.hasSuffix(".arrow") }
        XCTAssertEqual(files.count, 6)
        for f in files {
            // Column order is the schema's, as in expected.jsonl: compared as written.
            let got = try ioRecords(dir + "/" + f)
            XCTAssertEqual(got.count, expected.count, f)
            for (k, (g, e)) in zip(got, expected).enumerated() where g != e {
                XCTFail("\(f) row \(k):\n  got      \(g.serialized())\n  expected \(e.serialized())")
                break
            }
        }
    }

    /// Locations name the file, the record batch and the row in it (batches of 4 rows).
    func testLocationsNameTheBatch() throws {
        var locations: [String] = []
        try JSONL.forEachLine(dir + "/prefs-file.arrow") { _, here, _ in locations.append(here) }
        XCTAssertEqual(locations.count, 13)
        XCTAssertEqual(locations[5], dir + "/prefs-file.arrow: record batch 1, row 1")
        XCTAssertEqual(locations[12], dir + "/prefs-file.arrow: record batch 3, row 0")
        XCTAssertEqual(try JSONL.firstRecord(dir + "/prefs-stream.arrow").record?["id"], "r0")
    }

    /// Pairs, KTO, SFT, prompts and scoring inputs from Arrow equal their JSONL twins through
    /// each stage's reader (the tokenized sequences, not only the texts).
    func testEveryStageReaderMatchesTheJSONLTwin() throws {
        let tok = FuzzSeeds.tokenizer
        var o = PreferenceLoadOptions()
        o.chat = .forced(.chatml)
        o.policy = .skip
        let (fromJSONL, r1) = try PreferenceData.load(dir + "/expected.jsonl", tokenizer: tok, eos: 0, options: o)
        for f in ["prefs-stream.arrow", "prefs-file-zstd.arrow", "prefs-datasets.arrow"] {
            let (fromArrow, r2) = try PreferenceData.load(dir + "/" + f, tokenizer: tok, eos: 0, options: o)
            XCTAssertEqual(r1.used, r2.used, f)
            XCTAssertEqual(r2.skipped, 1, "\(f): the empty rejected response is a bad record in both")
            XCTAssertEqual(fromArrow.map(\.prompt), fromJSONL.map(\.prompt), f)
            XCTAssertEqual(fromArrow.map(\.chosen), fromJSONL.map(\.chosen), f)
            XCTAssertEqual(fromArrow.map(\.rejected), fromJSONL.map(\.rejected), f)
            XCTAssertEqual(fromArrow.map(\.margin), fromJSONL.map(\.margin), f)
            XCTAssertEqual(fromArrow.map(\.id), fromJSONL.map(\.id), f)
        }
        let (ktoA, _) = try KTOData.load(dir + "/kto.arrow", tokenizer: tok, eos: 0, options: PreferenceLoadOptions())
        let (ktoJ, _) = try KTOData.load(dir + "/kto.jsonl", tokenizer: tok, eos: 0, options: PreferenceLoadOptions())
        XCTAssertEqual(ktoA.count, 7)
        XCTAssertEqual(ktoA.map(\.prompt), ktoJ.map(\.prompt))
        XCTAssertEqual(ktoA.map(\.completion), ktoJ.map(\.completion))
        XCTAssertEqual(ktoA.map(\.desirable), ktoJ.map(\.desirable))
        let (sftA, _) = try SFTData.load(dir + "/sft.arrow", tokenizer: tok, chat: .forced(.chatml), eos: 0, maxLength: 64, policy: .fail)
        let (sftJ, _) = try SFTData.load(dir + "/sft.jsonl", tokenizer: tok, chat: .forced(.chatml), eos: 0, maxLength: 64, policy: .fail)
        XCTAssertEqual(sftA.count, 6)
        XCTAssertEqual(sftA.map(\.prompt), sftJ.map(\.prompt))
        XCTAssertEqual(sftA.map(\.completion), sftJ.map(\.completion))
        let promptsA = try PromptRecord.readAll(dir + "/prompts.arrow")
        let promptsJ = try PromptRecord.readAll(dir + "/prompts.jsonl")
        XCTAssertEqual(promptsA.count, 4)
        XCTAssertEqual(promptsA.map(\.record.prompt), promptsJ.map(\.record.prompt))
        XCTAssertEqual(promptsA.map { $0.record.id.stringValue }, ["p0", "p1", "p2", "p3"])
        let (scoreA, kindA, _) = try ScoreInput.load(dir + "/prefs-stream-large.arrow", tokenizer: tok, eos: 0, preference: o, label: nil)
        let (scoreJ, kindJ, _) = try ScoreInput.load(dir + "/expected.jsonl", tokenizer: tok, eos: 0, preference: o, label: nil)
        XCTAssertEqual(kindA, kindJ)
        XCTAssertEqual(scoreA.count, 24)
        XCTAssertEqual(scoreA.map(\.tokens), scoreJ.map(\.tokens), "rm-score's input from Arrow equals that from JSONL")
        XCTAssertEqual(scoreA.map(\.label), scoreJ.map(\.label))
        XCTAssertEqual(scoreA.map(\.id), scoreJ.map(\.id))
    }

    /// A cut, a flipped byte, a lying length: read or refused naming the file, never a trap.
    func testDamagedFilesAreRefusedByName() throws {
        let scratch = try ioTempDir(self)
        for seed in ["prefs-stream.arrow", "prefs-file.arrow"] {
            let good = try ArtifactFile.readRaw(dir + "/" + seed)
            var flipped = good
            flipped[good.count / 3] ^= 0xFF
            var lying = good
            // The first message's metadata length: far past the end of the file.
            lying[(seed.contains("file") ? 8 : 0) + 6] = 0x7F
            let cases: [(String, [UInt8], Bool)] = [("cut", Array(good.prefix(good.count - 100)), true),
                                                    ("tiny", Array(good.prefix(6)), true), ("lying", lying, true),
                                                    ("flipped", flipped, false)]
            for (name, bytes, mustFail) in cases {
                let p = scratch + "/\(name)-\(seed)"
                try ArtifactFile.writeAtomically(p, bytes: bytes, compress: false)
                do {
                    _ = try ioRecords(p)
                    if mustFail { XCTFail("\(name) \(seed) was accepted") }
                } catch let e as PrefkitError {
                    XCTAssert(e.message.contains(p), "\(name): \(e.message)")
                }
            }
        }
    }
}
