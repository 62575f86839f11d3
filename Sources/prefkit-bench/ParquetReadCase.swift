import ArgumentParser
import Core
import Foundation

/// parquet_read: issue 14's reader benchmark without Python. This process writes a zstd Parquet
/// file of short synthetic preference rows (BenchParquetWriter) to a temporary folder, then a
/// child process (`prefkit-bench parquet --json`) streams it through the record layer the stages
/// read with, so the peak RSS reported is the reader's alone; the file is deleted after.
enum ParquetReadCase {
    /// 5 million rows of about 180 compressed bytes: about 0.9 GB, the size. With less
    /// than 8 GB free on the temporary folder's disk, a tenth of that (the output says so).
    static let fullRows = 5_000_000
    static let rowsPerGroup = 100_000

    static func run(_ name: String, ceiling: Double) throws -> CaseResult {
        let base = FileManager.default.temporaryDirectory.path
        let free = ((try? FileManager.default.attributesOfFileSystem(forPath: base))?[.systemFreeSize] as? NSNumber)?.intValue ?? 0
        let rows = free > 8 << 30 ? fullRows : fullRows / 10
        let dir = base + "/prefkit-bench-parquet-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = dir + "/bench.parquet"
        let t0 = Date()
        try write(file, rows: rows)
        let writeSeconds = Date().timeIntervalSince(t0)
        let r = try readInChild(file)
        let mbPerS = (r["bytes"] ?? .nan) / 1e6 / (r["seconds"] ?? .nan)
        let rowsPerS = (r["rows"] ?? .nan) / (r["seconds"] ?? .nan)
        return CaseResult(name: name, shape: "zstd", batch: "\(rows / 1000)k rows", tokensPerS: .nan, gflops: .nan, ceiling: ceiling,
                          peakRSS: r["peak_rss_mb"] ?? .nan,
                          extra: ["parquet_mb_per_s": mbPerS, "parquet_rows_per_s": rowsPerS, "parquet_file_mb": (r["bytes"] ?? .nan) / 1e6,
                                  "parquet_rows": r["rows"] ?? .nan, "parquet_write_s": writeSeconds])
    }

    /// The rows: a prompt naming an item, a chosen and a rejected response, and a source from a
    /// set of four (a dictionary column). Random hex keeps zstd at about 2:1, as real text with
    /// unique responses compresses, so the file's size comes from its rows and not from repeats.
    static func write(_ path: String, rows: Int) throws {
        let writer = try BenchParquetWriter(path: path, columns: ["prompt", "chosen", "rejected", "source"])
        let sources = ["ultrafeedback", "hh-rlhf", "pku-saferlhf", "helpsteer"].map { Array($0.utf8) }
        var rng = SplitMix64(seed: 14)
        for lo in stride(from: 0, to: rows, by: rowsPerGroup) {
            let n = min(rowsPerGroup, rows - lo)
            var prompt: [[UInt8]] = [], chosen: [[UInt8]] = [], rejected: [[UInt8]] = [], source: [Int] = []
            for _ in 0..<n {
                prompt.append(Array("Write a review of item ".utf8) + hex(&rng, 12) + Array(". ".utf8) + hex(&rng, 120))
                chosen.append(Array("It is great: ".utf8) + hex(&rng, 100))
                rejected.append(Array("It broke: ".utf8) + hex(&rng, 100))
                source.append(Int(rng.next() % UInt64(sources.count)))
            }
            try writer.writeRowGroup([.plain(prompt), .plain(chosen), .plain(rejected), .dictionary(values: sources, indices: source)],
                                     count: n)
        }
        try writer.close()
    }

    /// `count` random lowercase hex digits.
    static func hex(_ rng: inout SplitMix64, _ count: Int) -> [UInt8] {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(count)
        var bits: UInt64 = 0
        for k in 0..<count {
            if k % 16 == 0 { bits = rng.next() }
            out.append(digits[Int(bits & 15)])
            bits >>= 4
        }
        return out
    }

    /// Runs `prefkit-bench parquet --json FILE` and returns its numbers.
    static func readInChild(_ file: String) throws -> [String: Double] {
        try ChildNumbers.run(ChildNumbers.selfExecutable, ["parquet", "--json", file], what: "prefkit-bench parquet \(file)")
    }
}

/// `prefkit-bench parquet-write FILE [--rows N]`: the parquet_read case's input, kept, for
/// `prefkit-bench parquet FILE` or any other reader.
struct ParquetWrite: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "parquet-write", abstract: "Write the parquet_read case's zstd Parquet file.")
    @Argument(help: "Output file.") var file: String
    @Option(help: "Rows to write.") var rows = ParquetReadCase.fullRows

    func run() throws {
        try ParquetReadCase.write(file, rows: rows)
        print("wrote \(file): \(rows) rows")
    }
}
