import CZstd

/// zstd frames, one after another, through ZSTD_decompressStream.
final class ZstdStreamDecoder: StreamDecoder {
    let path: String
    private let dctx: OpaquePointer
    private(set) var atBoundary = true
    let name = "zstd"

    init(path: String) throws {
        guard let ctx = ZSTD_createDCtx() else { throw PrefkitError("\(path): cannot allocate zstd decoder") }
        self.path = path
        dctx = ctx
    }

    deinit { ZSTD_freeDCtx(dctx) }

    func decode(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws -> (consumed: Int, produced: Int) {
        var inBuf = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: 0)
        var outBuf = ZSTD_outBuffer(dst: output.baseAddress, size: output.count, pos: 0)
        let r = ZSTD_decompressStream(dctx, &outBuf, &inBuf)
        if ZSTD_isError(r) != 0 {
            throw PrefkitError("\(path): corrupt zstd stream: \(String(cString: ZSTD_getErrorName(r)))")
        }
        // 0: a frame is complete and fully flushed.
        atBoundary = r == 0
        return (inBuf.pos, outBuf.pos)
    }
}
