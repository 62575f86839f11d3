import CZlib

/// gzip members, one after another (`cat a.gz b.gz` is valid gzip), through zlib's inflate.
/// The z_stream lives on the heap: zlib keeps a pointer back to it and checks it on every call.
final class GzipStreamDecoder: StreamDecoder {
    let path: String
    private let stream: UnsafeMutablePointer<z_stream>
    private(set) var atBoundary = true
    let name = "gzip"

    init(path: String) throws {
        self.path = path
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        // 15 + 16: a 32 KiB window, gzip header and trailer (CRC-32 and length checked).
        guard inflateInit2_(stream, 15 + 16, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            stream.deallocate()
            throw PrefkitError("\(path): cannot allocate gzip decoder")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    func decode(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws -> (consumed: Int, produced: Int) {
        guard !input.isEmpty || !atBoundary else { return (0, 0) }
        if atBoundary && !input.isEmpty {
            // A new member starts.
            guard inflateReset(stream) == Z_OK else { throw PrefkitError("\(path): cannot restart the gzip decoder") }
        }
        let inCount = UInt32(clamping: input.count)
        let outCount = UInt32(clamping: output.count)
        stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = inCount
        stream.pointee.next_out = output.baseAddress?.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_out = outCount
        let r = inflate(stream, Z_NO_FLUSH)
        let consumed = Int(inCount - stream.pointee.avail_in)
        let produced = Int(outCount - stream.pointee.avail_out)
        switch r {
        case Z_STREAM_END:
            atBoundary = true
        case Z_OK, Z_BUF_ERROR:
            // Z_BUF_ERROR: no progress was possible with this input and output; not an error here.
            atBoundary = false
        default:
            let why = stream.pointee.msg.map { String(cString: $0) } ?? "error \(r)"
            throw PrefkitError("\(path): corrupt gzip stream: \(why)")
        }
        return (consumed, produced)
    }
}
