#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole-file reads and atomic writes for artifacts that fit in memory.
public enum ArtifactFile {
    /// Reads the whole file; zstd content (detected by magic, not by name) is
    /// decompressed, so renaming a file never changes how it is read.
    public static func readBytes(_ path: String) throws -> [UInt8] {
        let raw = try readRaw(path)
        if raw.count >= 4 && raw[0] == Zstd.magic[0] && raw[1] == Zstd.magic[1]
            && raw[2] == Zstd.magic[2] && raw[3] == Zstd.magic[3] {
            return try Zstd.decompress(raw, source: path)
        }
        return raw
    }

    /// Reads the file bytes as stored, without decompressing.
    public static func readRaw(_ path: String) throws -> [UInt8] {
        let fd = try IOPosix.openForReading(path)
        defer { _ = close(fd) }
        // One read into an exactly-sized buffer in the common case; the +1 lets
        // us see end of file without a second syscall round.
        let expected = (IOPosix.fileSize(fd) ?? 0) + 1
        var bytes = try [UInt8](unsafeUninitializedCapacity: expected) { buf, count in
            count = try IOPosix.readFully(fd, buf.baseAddress!, expected, path: path)
        }
        if bytes.count < expected { return bytes }
        // The file grew while we read it, or its size was unknown (pipes, /proc).
        let chunk = 1 << 20
        while true {
            let before = bytes.count
            bytes.append(contentsOf: repeatElement(0, count: chunk))
            let n = try bytes.withUnsafeMutableBytes {
                try IOPosix.readFully(fd, $0.baseAddress! + before, chunk, path: path)
            }
            bytes.removeLast(chunk - n)
            if n < chunk { return bytes }
        }
    }

    /// Writes via a temporary file in the same directory and renames it into
    /// place; on failure nothing is left under the final name or the temp name.
    /// `compress` defaults to whether the name ends in ".zst".
    public static func writeAtomically(_ path: String, bytes: [UInt8], compress: Bool? = nil) throws {
        // One-shot compression records the content size in the frame header,
        // which lets readers allocate once.
        let payload = (compress ?? path.hasSuffix(".zst")) ? try Zstd.compress(bytes) : bytes
        let writer = try ArtifactWriter(path: path, compress: false)
        try writer.write(payload)
        try writer.commit()
    }

    public static func writeAtomically(_ path: String, string: String, compress: Bool? = nil) throws {
        try writeAtomically(path, bytes: Array(string.utf8), compress: compress)
    }
}
