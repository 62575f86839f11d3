import Foundation

/// An Arrow IPC file read as records, one record batch at a time (memory bounded by a batch):
/// the stream format (what the `datasets` cache holds: a Schema message, then record batches,
/// each message a 0xFFFFFFFF marker, a 32-bit metadata length, a FlatBuffers Message and the
/// body) and the file format (the same messages between "ARROW1" and a footer). Each row
/// becomes a JSON object of the top-level columns, so every record reader takes Arrow as it
/// takes JSONL. Bodies compressed with zstd are read; LZ4 bodies and dictionary-encoded
/// columns are refused by name.
public final class ArrowFile {
    public let path: String
    let handle: FileHandle
    /// Where the messages start and end: after the magic and before the footer in the file format.
    let start: Int
    let end: Int

    public static let fileMagic: [UInt8] = Array("ARROW1".utf8)
    /// The stream format's continuation marker, which starts every message since Arrow 0.15.
    public static let streamMarker: [UInt8] = [0xFF, 0xFF, 0xFF, 0xFF]

    /// True when the file starts like an Arrow IPC file, in either format.
    public static func recognises(_ head: [UInt8]) -> Bool {
        head.starts(with: fileMagic) || head.starts(with: streamMarker)
    }

    public init(path: String) throws {
        self.path = path
        guard let h = FileHandle(forReadingAtPath: path) else { throw PrefkitError("\(path): cannot open") }
        handle = h
        let size = Int((try? h.seekToEnd()) ?? 0)
        try h.seek(toOffset: 0)
        let head = [UInt8](h.readData(ofLength: 8))
        guard head.starts(with: Self.fileMagic) else {
            start = 0
            end = size
            return
        }
        // File format: "ARROW1", 2 bytes of padding, the messages, the footer, its 32-bit
        // length and "ARROW1" again. The footer repeats what the messages say, so only its
        // length is needed, to know where the messages end.
        guard size >= 18 else { throw PrefkitError("\(path): too short for an Arrow file") }
        try h.seek(toOffset: UInt64(size - 10))
        let tail = [UInt8](h.readData(ofLength: 10))
        guard tail.count == 10, Array(tail[4...]) == Self.fileMagic else { throw PrefkitError("\(path): no Arrow footer (ARROW1) at the end") }
        let footer = Int(Int32(bitPattern: UInt32(tail[0]) | UInt32(tail[1]) << 8 | UInt32(tail[2]) << 16 | UInt32(tail[3]) << 24))
        guard footer > 0, footer <= size - 18 else { throw PrefkitError("\(path): the Arrow footer length \(footer) does not fit the file") }
        start = 8
        end = size - 10 - footer
    }

    deinit { try? handle.close() }

    /// Every row, in order, with its row number (from 1) and location.
    public func forEachRecord(_ body: (_ row: Int, _ location: String, _ record: JSONValue) throws -> Void) throws {
        var row = 0
        try forEachBatch { b, columns, rows in
            let prefix = "\(path): record batch \(b), row "
            for i in 0..<rows {
                row += 1
                try body(row, prefix + String(i), try Self.record(columns, i))
            }
            return true
        }
    }

    /// The first row of the file, if it has one.
    public func firstRecord() throws -> JSONValue? {
        var first: JSONValue? = nil
        try forEachBatch { _, columns, rows in
            if rows > 0 { first = try Self.record(columns, 0) }
            return first == nil
        }
        return first
    }

    static func record(_ columns: [ArrowArray], _ i: Int) throws -> JSONValue {
        var fields: [(String, JSONValue)] = []
        fields.reserveCapacity(columns.count)
        for c in columns { fields.append((c.field.name, try c.value(i))) }
        return .object(fields)
    }

    /// Reads the messages in order: the schema first, then each record batch as checked columns
    /// with its row count; dictionary batches are skipped (no column may use them). `body`
    /// returns false to stop.
    func forEachBatch(_ body: (_ batch: Int, _ columns: [ArrowArray], _ rows: Int) throws -> Bool) throws {
        var pos = start
        var schema: [ArrowField]? = nil
        var batch = 0
        while pos < end {
            let at = schema == nil ? "\(path): schema" : "\(path): record batch \(batch)"
            guard let (message, metadata, next) = try readMessage(at: pos, where: at) else { break }
            let kind = Int(try message.int(1, size: 1, signed: false))
            let bodyLength = try message.int(3, size: 8)
            guard bodyLength >= 0, bodyLength <= Int64(end - next) else {
                throw PrefkitError("\(at): a message body of \(bodyLength) bytes runs past the file")
            }
            pos = next + Int(bodyLength)
            guard let header = try message.table(2) else { throw PrefkitError("\(at): a message without a header") }
            switch kind {
            case 1:
                guard schema == nil else { throw PrefkitError("\(at): a second schema") }
                guard try header.int(0, size: 2) == 0 else { throw PrefkitError("\(path): big-endian Arrow data is not read") }
                schema = try header.tables(1).map { try ArrowField($0, parent: "") }
            case 2:
                continue
            case 3:
                guard let fields = schema else { throw PrefkitError("\(at): a record batch before the schema") }
                try handle.seek(toOffset: UInt64(next))
                let bytes = [UInt8](handle.readData(ofLength: Int(bodyLength)))
                guard bytes.count == Int(bodyLength) else { throw PrefkitError("\(at): the body is cut short") }
                let (columns, rows) = try Self.batch(header, body: bytes, fields: fields, at: at, metadata: metadata)
                let more = try body(batch, columns, rows)
                batch += 1
                if !more { return }
            default:
                throw PrefkitError("\(at): an Arrow message of type \(kind) (only schemas and record batches are read)")
            }
        }
        if schema == nil { throw PrefkitError("\(path): no Arrow schema") }
    }

    /// The message at `pos`: marker, metadata length, the Message table; nil at the end-of-stream
    /// marker (length 0). Returns where the body starts.
    func readMessage(at pos: Int, where at: String) throws -> (FlatTable, FlatBuffer, Int)? {
        guard end - pos >= 8 else { throw PrefkitError("\(at): the file ends inside a message header") }
        try handle.seek(toOffset: UInt64(pos))
        let head = [UInt8](handle.readData(ofLength: 8))
        guard head.count == 8, head.starts(with: Self.streamMarker) else {
            throw PrefkitError("\(at): no message marker at byte \(pos) (Arrow before 0.15 is not read)")
        }
        let length = Int(Int32(bitPattern: UInt32(head[4]) | UInt32(head[5]) << 8 | UInt32(head[6]) << 16 | UInt32(head[7]) << 24))
        if length == 0 { return nil }
        guard length > 0, length <= end - pos - 8 else { throw PrefkitError("\(at): message metadata of \(length) bytes runs past the file") }
        let buffer = FlatBuffer(bytes: [UInt8](handle.readData(ofLength: length)), source: at)
        guard buffer.bytes.count == length else { throw PrefkitError("\(at): the message metadata is cut short") }
        let message = try buffer.root()
        // MetadataVersion: V4 3, V5 4 (what pyarrow has written since 0.15 and 1.0).
        let version = try message.int(0, size: 2)
        guard version >= 3 else { throw PrefkitError("\(at): Arrow metadata version \(version) is too old (V4 and V5 are read)") }
        return (message, buffer, pos + 8 + length)
    }

    /// A RecordBatch (length 0, nodes 1, buffers 2, compression 3) as the schema's columns.
    static func batch(_ header: FlatTable, body: [UInt8], fields: [ArrowField], at: String, metadata: FlatBuffer) throws -> ([ArrowArray], Int) {
        let rows = try header.int(0, size: 8)
        guard rows >= 0, rows <= Int64(ArrowBatchParts.maxLength) else { throw PrefkitError("\(at): a record batch of \(rows) rows") }
        // Codec: LZ4_FRAME 0, ZSTD 1; each buffer then starts with its uncompressed length.
        var zstd = false
        if let compression = try header.table(3) {
            guard try compression.int(0, size: 1) == 1 else {
                throw PrefkitError("\(at): LZ4-compressed Arrow bodies are not read (zstd and uncompressed are)")
            }
            zstd = true
        }
        var nodes: [(length: Int, nulls: Int)] = []
        if let (start, count) = try header.vector(1, stride: 16) {
            for k in 0..<count {
                let length = Int64(bitPattern: try metadata.le(start + 16 * k, 8))
                let nulls = Int64(bitPattern: try metadata.le(start + 16 * k + 8, 8))
                // Clamped into Int's range; ArrowBatchParts refuses what is out of bounds.
                nodes.append((Int(clamping: length), Int(clamping: nulls)))
            }
        }
        var buffers: [[UInt8]] = []
        if let (start, count) = try header.vector(2, stride: 16) {
            for k in 0..<count {
                let offset = Int64(bitPattern: try metadata.le(start + 16 * k, 8))
                let length = Int64(bitPattern: try metadata.le(start + 16 * k + 8, 8))
                guard offset >= 0, length >= 0, offset <= Int64(body.count), length <= Int64(body.count) - offset else {
                    throw PrefkitError("\(at): buffer \(k) (\(length) bytes at \(offset)) lies outside the \(body.count)-byte body")
                }
                let raw = Array(body[Int(offset)..<Int(offset + length)])
                buffers.append(zstd ? try decompress(raw, at: "\(at): buffer \(k)") : raw)
            }
        }
        var parts = ArrowBatchParts(nodes: nodes, buffers: buffers, at: at)
        var columns: [ArrowArray] = []
        for f in fields {
            let c = try ArrowArray(f, parent: "", parts: &parts)
            guard c.length == Int(rows) else { throw PrefkitError("\(at): column \(f.name) has \(c.length) rows, the batch \(rows)") }
            columns.append(c)
        }
        return (columns, Int(rows))
    }

    /// A compressed buffer: its uncompressed length (-1: stored as is), then the zstd frame.
    static func decompress(_ raw: [UInt8], at: String) throws -> [UInt8] {
        if raw.isEmpty { return raw }
        guard raw.count >= 8 else { throw PrefkitError("\(at): a compressed buffer without its length") }
        var n: UInt64 = 0
        for j in 0..<8 { n |= UInt64(raw[j]) << (8 * UInt64(j)) }
        let size = Int64(bitPattern: n)
        if size == -1 { return Array(raw[8...]) }
        guard size >= 0, size <= 1 << 31 else { throw PrefkitError("\(at): a compressed buffer declares \(size) bytes") }
        let out = try Zstd.decompress(Array(raw[8...]), source: at, maxOutput: max(Int(size), 1))
        guard out.count == Int(size) else { throw PrefkitError("\(at): a buffer decompressed to \(out.count) bytes, not the declared \(size)") }
        return out
    }
}
