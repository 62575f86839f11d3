/// A streaming decompressor the line reader pulls text through: zstd (what prefkit writes) or
/// gzip (`.jsonl.gz`, what datasets and many tools write). Chosen by the file's magic bytes.
protocol StreamDecoder: AnyObject {
    /// Decodes from `input` into `output`; returns how many bytes it consumed and produced.
    func decode(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws -> (consumed: Int, produced: Int)
    /// True between frames (zstd) or members (gzip): stopping here is a clean end of data.
    var atBoundary: Bool { get }
    /// The format's name, for messages ("truncated gzip stream").
    var name: String { get }
}

enum StreamDecoders {
    /// The decoder for a file starting with `head`, or nil for plain text.
    static func forMagic(_ head: UnsafeRawBufferPointer, path: String) throws -> StreamDecoder? {
        let b = head.bindMemory(to: UInt8.self)
        if b.count >= 4 && Array(b.prefix(4)) == Zstd.magic { return try ZstdStreamDecoder(path: path) }
        if b.count >= 2 && b[0] == 0x1F && b[1] == 0x8B { return try GzipStreamDecoder(path: path) }
        return nil
    }
}
