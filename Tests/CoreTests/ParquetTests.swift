import Core
import Foundation
import XCTest

/// Parquet files written by pyarrow (tools/fixtures/make_parquet_fixtures.py): every codec,
/// data pages v1 and v2, dictionary on and off, 3 row groups, nulls, nested message lists.
/// prefkit must read the same rows pyarrow reads back (expected.jsonl), give the same pairs
/// as the equivalent JSONL, and refuse damaged files by name.
final class ParquetTests: XCTestCase {
    let dir = fixturesDir() + "/parquet"

    /// Objects with their keys sorted, recursively, so field order does not matter.
    func canonical(_ v: JSONValue) -> JSONValue {
        switch v {
        case .object(let f): return .object(f.map { ($0.0, canonical($0.1)) }.sorted { $0.0 < $1.0 })
        case .array(let a): return .array(a.map(canonical))
        default: return v
        }
    }

    func testEveryVariantReadsAsPyarrowDoes() throws {
        let expected = try JSONL.readAll(dir + "/expected.jsonl").map { canonical($0.record) }
        let files = ioListDir(dir).filter { $0.hasPrefix("prefs-") && $0.hasSuffix(".parquet") }
        XCTAssertEqual(files.count, 22)
        for f in files {
            let got = try ioRecords(dir + "/" + f).map(canonical)
            XCTAssertEqual(got.count, expected.count, f)
            for (k, (g, e)) in zip(got, expected).enumerated() where g != e {
                XCTFail("\(f) row \(k):\n  got      \(g.serialized())\n  expected \(e.serialized())")
                break
            }
        }
    }

    /// Conversational pairs from Parquet equal the same pairs from JSONL; a glob reads all files.
    func testPreferenceDataFromParquet() throws {
        let tok = FuzzSeeds.tokenizer
        var o = PreferenceLoadOptions()
        o.chat = .forced(.chatml)
        o.policy = .skip
        let (fromJSONL, r1) = try PreferenceData.load(dir + "/expected.jsonl", tokenizer: tok, eos: 0, options: o)
        let (fromParquet, r2) = try PreferenceData.load(dir + "/prefs-snappy-v2-dict.parquet", tokenizer: tok, eos: 0, options: o)
        XCTAssertEqual(r1.used, r2.used)
        XCTAssertEqual(r2.skipped, 1, "the empty rejected response is a bad record in both")
        XCTAssertEqual(fromParquet.map(\.prompt), fromJSONL.map(\.prompt))
        XCTAssertEqual(fromParquet.map(\.chosen), fromJSONL.map(\.chosen))
        XCTAssertEqual(fromParquet.map(\.margin), fromJSONL.map(\.margin))
        // Five copies of the same rows: every row is read; repeated ids are skipped as duplicates.
        let (all, report) = try PreferenceData.load(dir + "/prefs-*-v1-dict.parquet", tokenizer: tok, eos: 0, options: o)
        XCTAssertEqual(report.records, 5 * 13)
        XCTAssertEqual(all.map(\.id), fromJSONL.map(\.id))
    }

    func testDamagedFilesAreRefusedByName() throws {
        let scratch = try ioTempDir(self)
        let good = try ArtifactFile.readRaw(dir + "/prefs-zstd-v1-plain.parquet")
        var cases: [(String, [UInt8])] = [("cut", Array(good.prefix(good.count - 100))), ("tiny", Array("PAR1".utf8))]
        var flipped = good
        flipped[good.count / 3] ^= 0xFF
        cases.append(("flipped", flipped))
        for (name, bytes) in cases {
            let p = scratch + "/\(name).parquet"
            try ArtifactFile.writeAtomically(p, bytes: bytes, compress: false)
            do {
                _ = try ioRecords(p)
                if name != "flipped" { XCTFail("\(name) was accepted") }
            } catch let e as PrefkitError {
                XCTAssert(e.message.contains(p), "\(name): \(e.message)")
            }
        }
    }

    /// KTO, SFT and prompts records from Parquet equal their JSONL twins through their readers.
    func testOtherRecordKinds() throws {
        let tok = FuzzSeeds.tokenizer
        let (ktoP, _) = try KTOData.load(dir + "/kto.parquet", tokenizer: tok, eos: 0, options: PreferenceLoadOptions())
        let (ktoJ, _) = try KTOData.load(dir + "/kto.jsonl", tokenizer: tok, eos: 0, options: PreferenceLoadOptions())
        XCTAssertEqual(ktoP.count, 7)
        XCTAssertEqual(ktoP.map(\.completion), ktoJ.map(\.completion))
        XCTAssertEqual(ktoP.map(\.desirable), ktoJ.map(\.desirable))
        let (sftP, _) = try SFTData.load(dir + "/sft.parquet", tokenizer: tok, chat: .forced(.chatml), eos: 0, maxLength: 64, policy: .fail)
        let (sftJ, _) = try SFTData.load(dir + "/sft.jsonl", tokenizer: tok, chat: .forced(.chatml), eos: 0, maxLength: 64, policy: .fail)
        XCTAssertEqual(sftP.count, 6)
        XCTAssertEqual(sftP.map(\.completion), sftJ.map(\.completion))
        XCTAssertEqual(sftP.map(\.prompt), sftJ.map(\.prompt))
        let promptsP = try PromptRecord.readAll(dir + "/prompts.parquet")
        let promptsJ = try PromptRecord.readAll(dir + "/prompts.jsonl")
        XCTAssertEqual(promptsP.map(\.record.prompt), promptsJ.map(\.record.prompt))
        XCTAssertEqual(promptsP.map { $0.record.id.stringValue }, ["p0", "p1", "p2", "p3"])
    }
}
