import CZstd

/// One-shot zstd helpers for artifacts small enough to hold in memory.
public enum Zstd {
    public static let magic: [UInt8] = [0x28, 0xB5, 0x2F, 0xFD]

    public static func compress(_ data: [UInt8], level: Int32 = 3) throws -> [UInt8] {
        let bound = ZSTD_compressBound(data.count)
        if ZSTD_isError(bound) != 0 {
            throw PrefkitError("zstd: input of \(data.count) bytes is too large to compress")
        }
        var failure: String?
        let out = data.withUnsafeBytes { src in
            [UInt8](unsafeUninitializedCapacity: bound) { dst, count in
                let n = ZSTD_compress(dst.baseAddress, bound, src.baseAddress, src.count, level)
                if ZSTD_isError(n) != 0 {
                    failure = String(cString: ZSTD_getErrorName(n))
                    count = 0
                } else {
                    count = n
                }
            }
        }
        if let failure { throw PrefkitError("zstd: compression failed: \(failure)") }
        return out
    }

    public static func decompress(_ data: [UInt8], source: String, maxOutput: Int = 1 << 40) throws -> [UInt8] {
        try data.withUnsafeBytes { try decompress($0, source: source, maxOutput: maxOutput) }
    }

    /// Streaming decode so frames without a recorded content size (written by
    /// `zstd` from a pipe, or by our own streaming writer) still work.
    public static func decompress(_ data: UnsafeRawBufferPointer, source: String, maxOutput: Int = 1 << 40) throws -> [UInt8] {
        guard let dctx = ZSTD_createDCtx() else { throw PrefkitError("\(source): cannot allocate zstd decoder") }
        defer { ZSTD_freeDCtx(dctx) }

        // The first frame's declared size (when present) is only a hint: it may lie,
        // and more frames may follow, so the buffer still grows on demand.
        var capacity = max(data.count * 4, 1 << 16)
        if let base = data.baseAddress {
            let declared = ZSTD_getFrameContentSize(base, data.count)
            // Capped so a tiny file declaring gigabytes cannot force a huge allocation.
            if declared < (1 << 31) { capacity = max(min(Int(declared), data.count * 16 + (1 << 20)), 1 << 12) }
        }
        capacity = min(capacity, maxOutput)
        var out = [UInt8](repeating: 0, count: capacity)
        var produced = 0
        var input = ZSTD_inBuffer(src: data.baseAddress, size: data.count, pos: 0)
        while true {
            if produced == out.count {
                if out.count >= maxOutput {
                    throw PrefkitError("\(source): decompressed data exceeds the limit of \(maxOutput) bytes")
                }
                let grown = min(max(out.count * 2, 1 << 16), maxOutput)
                out.append(contentsOf: repeatElement(0, count: grown - out.count))
            }
            let (result, written) = out.withUnsafeMutableBytes { buf -> (Int, Int) in
                var output = ZSTD_outBuffer(dst: buf.baseAddress! + produced, size: buf.count - produced, pos: 0)
                let r = ZSTD_decompressStream(dctx, &output, &input)
                return (r, output.pos)
            }
            if ZSTD_isError(result) != 0 {
                throw PrefkitError("\(source): corrupt zstd stream: \(String(cString: ZSTD_getErrorName(result)))")
            }
            let roomLeft = out.count - produced > written
            produced += written
            if input.pos == input.size {
                if result == 0 { break }  // every frame decoded and flushed
                // All input consumed, output not full, yet the frame is unfinished.
                if roomLeft { throw PrefkitError("\(source): truncated zstd stream") }
            }
        }
        out.removeSubrange(produced...)
        return out
    }
}
