#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import CZstd

/// Streams a large artifact to a temporary file next to its final name and
/// renames it into place on `commit()`, so readers (and a resumed run) never
/// see a half-written file: the final name holds either the old content or
/// the complete new one.
public final class ArtifactWriter {
    public let path: String
    let tempPath: String
    private var fd: Int32
    private var cctx: OpaquePointer?
    private var isOpen = true

    // Small writes (one JSONL record at a time) are gathered here so each
    // syscall / compressor call moves a worthwhile amount of data.
    private let stagingCapacity = 1 << 20
    private let staging: UnsafeMutableRawPointer
    private var staged = 0
    private let compressedCapacity: Int
    private let compressed: UnsafeMutableRawPointer?

    public init(path: String, compress: Bool? = nil, level: Int32 = 3) throws {
        self.path = path
        // The compressor is set up first so a failure there leaves no file behind.
        if compress ?? path.hasSuffix(".zst") {
            guard let ctx = ZSTD_createCCtx() else { throw PrefkitError("\(path): cannot allocate zstd compressor") }
            let r = ZSTD_CCtx_setParameter(ctx, ZSTD_c_compressionLevel, level)
            if ZSTD_isError(r) != 0 {
                ZSTD_freeCCtx(ctx)
                throw PrefkitError("\(path): invalid zstd level \(level): \(String(cString: ZSTD_getErrorName(r)))")
            }
            cctx = ctx
            compressedCapacity = ZSTD_CStreamOutSize()
        } else {
            cctx = nil
            compressedCapacity = 0
        }
        let dir = IOPosix.directoryName(path)
        let suffix = String(UInt64.random(in: 0...UInt64.max), radix: 16)
        tempPath = "\(path).tmp-\(getpid())-\(suffix)"
        var opened: Int32 = -1
        do {
            try IOPosix.makeDirectories(dir, forPath: path)
            opened = open(tempPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            if opened < 0 {
                let code = errno
                throw PrefkitError("\(path): cannot create temporary file \(tempPath): \(IOPosix.describe(code))")
            }
        } catch {
            if let cctx { ZSTD_freeCCtx(cctx) }
            throw error
        }
        fd = opened
        staging = UnsafeMutableRawPointer.allocate(byteCount: stagingCapacity, alignment: 16)
        compressed = compressedCapacity > 0
            ? UnsafeMutableRawPointer.allocate(byteCount: compressedCapacity, alignment: 16) : nil
    }

    deinit {
        abort()
        staging.deallocate()
        compressed?.deallocate()
        if let cctx { ZSTD_freeCCtx(cctx) }
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard isOpen else { throw PrefkitError("\(path): write after commit or abort") }
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        do {
            if staged + bytes.count <= stagingCapacity {
                (staging + staged).copyMemory(from: base, byteCount: bytes.count)
                staged += bytes.count
                return
            }
            try flushStaging()
            if bytes.count >= stagingCapacity {
                try emit(UnsafeRawBufferPointer(bytes))  // big block: skip the extra copy
            } else {
                staging.copyMemory(from: base, byteCount: bytes.count)
                staged = bytes.count
            }
        } catch {
            abort()
            throw error
        }
    }

    public func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    public func write(_ string: String) throws {
        var s = string
        try s.withUTF8 { try write(UnsafeRawBufferPointer($0)) }
    }

    /// Flushes, ends the zstd frame, fsyncs and renames over the final name.
    /// On failure the temporary file is removed and the error rethrown.
    public func commit() throws {
        guard isOpen else { throw PrefkitError("\(path): commit after commit or abort") }
        do {
            try flushStaging()
            if cctx != nil { try compressChunk(UnsafeRawBufferPointer(start: nil, count: 0), end: true) }
            if fsync(fd) != 0 {
                throw PrefkitError("\(path): fsync failed: \(IOPosix.describe(errno))")
            }
            let closing = fd
            fd = -1
            if close(closing) != 0 {
                // On NFS and some quota setups, close is where a failed write surfaces.
                throw PrefkitError("\(path): close failed: \(IOPosix.describe(errno))")
            }
            if rename(tempPath, path) != 0 {
                throw PrefkitError("\(path): cannot rename \(tempPath) into place: \(IOPosix.describe(errno))")
            }
        } catch {
            abort()
            throw error
        }
        isOpen = false
        IOPosix.syncDirectory(IOPosix.directoryName(path))
    }

    /// Discards everything written; safe to call more than once.
    public func abort() {
        guard isOpen else { return }
        isOpen = false
        if fd >= 0 {
            _ = close(fd)
            fd = -1
        }
        _ = unlink(tempPath)
    }

    private func flushStaging() throws {
        guard staged > 0 else { return }
        let chunk = UnsafeRawBufferPointer(start: staging, count: staged)
        staged = 0
        try emit(chunk)
    }

    private func emit(_ chunk: UnsafeRawBufferPointer) throws {
        if cctx != nil {
            try compressChunk(chunk, end: false)
        } else if let base = chunk.baseAddress {
            try IOPosix.writeAll(fd, base, chunk.count, path: path)
        }
    }

    private func compressChunk(_ chunk: UnsafeRawBufferPointer, end: Bool) throws {
        var input = ZSTD_inBuffer(src: chunk.baseAddress, size: chunk.count, pos: 0)
        while true {
            var output = ZSTD_outBuffer(dst: compressed, size: compressedCapacity, pos: 0)
            let remaining = ZSTD_compressStream2(cctx, &output, &input, end ? ZSTD_e_end : ZSTD_e_continue)
            if ZSTD_isError(remaining) != 0 {
                throw PrefkitError("\(path): zstd compression failed: \(String(cString: ZSTD_getErrorName(remaining)))")
            }
            if output.pos > 0 { try IOPosix.writeAll(fd, compressed!, output.pos, path: path) }
            // e_continue is done once input is consumed; e_end once the frame is fully flushed.
            if end ? remaining == 0 : input.pos == input.size { return }
        }
    }
}
