#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
/// Streams the lines of a plain, zstd- or gzip-compressed file (detected by magic)
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

    // Compressed input, only used for compressed files.
    private static let chunkSize = 1 << 20
    private var raw: UnsafeMutableRawPointer?
    private var rawPos = 0
    private var rawEnd = 0
    private var fileEOF = false
    private var decoder: StreamDecoder?
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
        let found: StreamDecoder?
        do {
            found = try StreamDecoders.forMagic(UnsafeRawBufferPointer(start: text, count: got), path: path)
        } catch {
            close()
            throw error
        }
        if let found {
            decoder = found
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
        decoder = nil
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
        if decoder == nil {
            let n = try IOPosix.readSome(fd, text + end, textCapacity - end, path: path)
            if n == 0 { textEOF = true }
            end += n
        } else {
            try decodeMore()
        }
    }

    private func decodeMore() throws {
        guard let decoder else { return }
        while true {
            if rawPos == rawEnd && !fileEOF {
                rawEnd = try IOPosix.readSome(fd, raw!, Self.chunkSize, path: path)
                rawPos = 0
                if rawEnd == 0 { fileEOF = true }
            }
            if rawPos == rawEnd && fileEOF && !outputMayBePending {
                if !decoder.atBoundary { throw PrefkitError("\(path): truncated \(decoder.name) stream") }
                textEOF = true
                return
            }
            let room = textCapacity - end
            let (consumed, produced) = try decoder.decode(UnsafeRawBufferPointer(start: raw! + rawPos, count: rawEnd - rawPos),
                                                          into: UnsafeMutableRawBufferPointer(start: text + end, count: room))
            rawPos += consumed
            end += produced
            // A full output buffer may mean the decoder still holds data.
            outputMayBePending = produced == room
            if produced > 0 { return }
            if consumed == 0 && rawPos < rawEnd {
                // No progress with input left and room to write: the decoder is stuck on bad data.
                throw PrefkitError("\(path): corrupt \(decoder.name) stream")
            }
        }
    }
}

// Lives outside the class because LineReader.close() shadows the C function.
private func closeDescriptor(_ fd: Int32) {
    _ = close(fd)
}
