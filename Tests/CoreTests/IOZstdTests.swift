import Core
import XCTest

final class IOZstdTests: XCTestCase {
    func testRoundTripEmptySmallAndLarge() throws {
        for input in [[], Array("hello zstd".utf8), ioNoise(1000)] as [[UInt8]] {
            let packed = try Zstd.compress(input)
            XCTAssertEqual(Array(packed.prefix(4)), Zstd.magic)
            XCTAssertEqual(try Zstd.decompress(packed, source: "mem"), input)
        }
        // 10 MB: half noise, half repetitive, to exercise buffer growth.
        var big = ioNoise(5 << 20)
        big += [UInt8](repeating: 7, count: 5 << 20)
        let packed = try Zstd.compress(big, level: 1)
        XCTAssertLessThan(packed.count, big.count)
        XCTAssertEqual(try Zstd.decompress(packed, source: "mem"), big)
    }

    func testTruncatedFrameRefused() throws {
        let packed = try Zstd.compress(ioNoise(100_000))
        for cut in [1, 10, packed.count / 2, packed.count - 4] {
            ioAssertThrows(try Zstd.decompress(Array(packed.prefix(cut)), source: "x.zst"), "x.zst: truncated zstd stream")
        }
        let dir = try ioTempDir(self)
        let path = dir + "/cut.bin.zst"
        try ioWriteRaw(path, Array(packed.dropLast(3)))
        ioAssertThrows(try ArtifactFile.readBytes(path), path, "truncated zstd stream")
    }

    func testConcatenatedFrames() throws {
        let a = Array("first frame\n".utf8), b = ioNoise(70_000), c: [UInt8] = []
        let joined = try Zstd.compress(a) + Zstd.compress(b, level: 9) + Zstd.compress(c)
        XCTAssertEqual(try Zstd.decompress(joined, source: "mem"), a + b + c)
    }

    func testStreamedFrameWithoutContentSize() throws {
        let dir = try ioTempDir(self)
        let path = dir + "/streamed.bin.zst"
        let w = try ArtifactWriter(path: path)
        let payload = ioNoise(3_000_000)
        for chunk in stride(from: 0, to: payload.count, by: 100_000) {
            try w.write(Array(payload[chunk..<min(chunk + 100_000, payload.count)]))
        }
        try w.commit()
        XCTAssertEqual(try ArtifactFile.readBytes(path), payload)
    }

    func testGarbageAndBombCapRefused() throws {
        let packed = try Zstd.compress([UInt8](repeating: 1, count: 10_000))
        ioAssertThrows(try Zstd.decompress(packed + [1, 2, 3, 4, 5, 6, 7, 8], source: "g.zst"), "g.zst", "corrupt zstd stream")
        ioAssertThrows(try Zstd.decompress(packed, source: "b.zst", maxOutput: 1000), "b.zst", "exceeds the limit")
        XCTAssertEqual(try Zstd.decompress(packed, source: "ok", maxOutput: 10_000).count, 10_000)
    }
}
