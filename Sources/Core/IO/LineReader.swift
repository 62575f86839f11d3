#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import CZstd

/// Streams the lines of a plain or zstd-compressed file (detected by magic)
/// with memory bounded by the longest line, so multi-GB datasets never have
/// to fit in memory.
public final class LineReader {
    public let path: String
    private var fd: Int32
    private var lineNumber = 0

    // Decoded text; lines are cut out of [start, end).
    private var text: UnsafeMutableRawPointer
    private var textCapacity: Int
    private var start = 0
    private var end = 0
    private var textEOF = false

    // Compressed input, only used for zstd files.
    private static let chunkSize = 1 << 20
    private var raw: UnsafeMutableRawPointer?
    private var rawPos = 0
    private var rawEnd = 0
    private var fileEOF = false
    private var dctx: OpaquePointer?
    private var frameUnfinished = true
    private var outputMayBePending = false

    public init(path: String) throws {
        self.path = path
        fd = try IOPosix.openForReading(path)
        textCapacity = Self.chunkSize
        text = UnsafeMutableRawPointer.allocate(byteCount: textCapacity, alignment: 16)
        // Need at least the 4 magic bytes before deciding the format.
        let got: Int
        do {
            got = try IOPosix.readFully(fd, text, textCapacity, path: path)
        } catch {
            close()
            throw error
        }
        let p = text.assumingMemoryBound(to: UInt8.self)
        if got >= 4 && p[0] == Zstd.magic[0] && p[1] == Zstd.magic[1] && p[2] == Zstd.magic[2] && p[3] == Zstd.magic[3] {
            guard let ctx = ZSTD_createDCtx() else {
                close()
                throw PrefkitError("\(path): cannot allocate zstd decoder")
            }
            dctx = ctx
            // Swap roles: what we read is compressed input, not text.
            raw = text
            rawEnd = got
            text = UnsafeMutableRawPointer.allocate(byteCount: textCapacity, alignment: 16)
        } else {
            end = got
            textEOF = got < textCapacity
        }
    }

    deinit { close() }

    /// Releases the file early; later reads return nil.
    public func close() {
        if fd >= 0 {
            closeDescriptor(fd)
            fd = -1
        }
        if let dctx {
            ZSTD_freeDCtx(dctx)
            self.dctx = nil
        }
        raw?.deallocate()
        raw = nil
        if textCapacity > 0 {
            text.deallocate()
            textCapacity = 0
        }
        start = 0
        end = 0
        textEOF = true
    }

    public func nextLine() throws -> (number: Int, bytes: [UInt8])? {
        try withNextLine { number, line in (number, [UInt8](line.bindMemory(to: UInt8.self))) }
    }

    /// Like `nextLine` but lends the line's bytes without copying; the buffer
    /// is only valid inside `body`.
    public func withNextLine<R>(_ body: (_ number: Int, _ line: UnsafeRawBufferPointer) throws -> R) throws -> R? {
        while true {
            if start < end, let nl = memchr(text + start, 0x0A, end - start) {
                let newline = text.distance(to: UnsafeMutableRawPointer(nl))
                var stop = newline
                if stop > start && text.load(fromByteOffset: stop - 1, as: UInt8.self) == 0x0D { stop -= 1 }
                let lineStart = start
                start = newline + 1
                lineNumber += 1
                return try body(lineNumber, UnsafeRawBufferPointer(start: text + lineStart, count: stop - lineStart))
            }
            if textEOF {
                guard start < end else { return nil }
                let lineStart = start
                start = end
                lineNumber += 1
                return try body(lineNumber, UnsafeRawBufferPointer(start: text + lineStart, count: end - lineStart))
            }
            try refill()
        }
    }

    public func forEachLine(_ body: (_ number: Int, _ bytes: [UInt8]) throws -> Void) throws {
        while let (number, bytes) = try nextLine() { try body(number, bytes) }
    }

    /// Moves the unfinished tail to the front, grows the buffer when one line
    /// fills it, and appends more text.
    private func refill() throws {
        if start > 0 {
            if end > start { text.copyMemory(from: text + start, byteCount: end - start) }
            end -= start
            start = 0
        }
        if end == textCapacity {
            let grown = UnsafeMutableRawPointer.allocate(byteCount: textCapacity * 2, alignment: 16)
            grown.copyMemory(from: text, byteCount: end)
            text.deallocate()
            text = grown
            textCapacity *= 2
        }
        if dctx == nil {
            let n = try IOPosix.readSome(fd, text + end, textCapacity - end, path: path)
            if n == 0 { textEOF = true }
            end += n
        } else {
            try decodeMore()
        }
    }

    private func decodeMore() throws {
        while true {
            if rawPos == rawEnd && !fileEOF {
                rawEnd = try IOPosix.readSome(fd, raw!, Self.chunkSize, path: path)
                rawPos = 0
                if rawEnd == 0 { fileEOF = true }
            }
            if rawPos == rawEnd && fileEOF && !outputMayBePending {
                if frameUnfinished { throw PrefkitError("\(path): truncated zstd stream") }
                textEOF = true
                return
            }
            var input = ZSTD_inBuffer(src: raw! + rawPos, size: rawEnd - rawPos, pos: 0)
            var output = ZSTD_outBuffer(dst: text + end, size: textCapacity - end, pos: 0)
            let r = ZSTD_decompressStream(dctx, &output, &input)
            if ZSTD_isError(r) != 0 {
                throw PrefkitError("\(path): corrupt zstd stream: \(String(cString: ZSTD_getErrorName(r)))")
            }
            rawPos += input.pos
            end += output.pos
            frameUnfinished = r != 0
            // A full output buffer may mean the decoder still holds data.
            outputMayBePending = output.pos == output.size
            if output.pos > 0 { return }
        }
    }
}

// Lives outside the class because LineReader.close() shadows the C function.
private func closeDescriptor(_ fd: Int32) {
    _ = close(fd)
}
