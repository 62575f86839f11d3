/// FlatBuffers read by hand, as Arrow stores its IPC metadata (Message, Schema, RecordBatch,
/// Footer): a table starts with a signed offset back to its vtable, whose 16-bit entries give
/// each field's position in the table (0: absent, the default applies); tables, vectors and
/// strings are reached through unsigned 32-bit offsets. Every offset and length comes from
/// the file, so every read is bounds-checked and a bad one is an error naming the source.
struct FlatBuffer {
    let bytes: [UInt8]
    let source: String

    func fail(_ what: String) -> PrefkitError { PrefkitError("\(source): corrupt Arrow metadata: \(what)") }

    /// `n` little-endian bytes at `at`, as an unsigned integer.
    func le(_ at: Int, _ n: Int) throws -> UInt64 {
        guard at >= 0, n <= bytes.count, at <= bytes.count - n else { throw fail("a read at byte \(at) runs past the \(bytes.count) bytes") }
        var v: UInt64 = 0
        for k in 0..<n { v |= UInt64(bytes[at + k]) << (8 * UInt64(k)) }
        return v
    }

    /// The root table: its position is the buffer's first 32-bit offset.
    func root() throws -> FlatTable { try table(at: Int(try le(0, 4))) }

    func table(at pos: Int) throws -> FlatTable {
        let back = Int(Int32(truncatingIfNeeded: try le(pos, 4)))
        let vtable = pos - back
        let size = Int(try le(vtable, 2))
        guard size >= 4, size % 2 == 0, size <= bytes.count - vtable else { throw fail("a vtable of \(size) bytes at byte \(vtable)") }
        return FlatTable(buffer: self, position: pos, vtable: vtable, vtableSize: size)
    }
}

/// One table of a FlatBuffer; fields by their id in the schema (.fbs) order.
struct FlatTable {
    let buffer: FlatBuffer
    let position: Int
    let vtable: Int
    let vtableSize: Int

    /// Where field `id` sits in the buffer, or nil when the table leaves it out.
    func field(_ id: Int) throws -> Int? {
        let entry = 4 + 2 * id
        guard entry + 2 <= vtableSize else { return nil }
        let offset = Int(try buffer.le(vtable + entry, 2))
        return offset == 0 ? nil : position + offset
    }

    /// An integer field of `size` bytes, sign-extended when `signed`, or its default.
    func int(_ id: Int, size: Int, signed: Bool = true, default value: Int64 = 0) throws -> Int64 {
        guard let at = try field(id) else { return value }
        let raw = try buffer.le(at, size)
        guard signed, size < 8 else { return Int64(bitPattern: raw) }
        let shift = UInt64(64 - 8 * size)
        return Int64(bitPattern: raw << shift) >> Int64(shift)
    }

    func bool(_ id: Int) throws -> Bool { try int(id, size: 1, signed: false) != 0 }

    /// Follows the 32-bit offset stored in field `id`.
    func target(_ id: Int) throws -> Int? {
        guard let at = try field(id) else { return nil }
        return at + Int(try buffer.le(at, 4))
    }

    func table(_ id: Int) throws -> FlatTable? {
        guard let at = try target(id) else { return nil }
        return try buffer.table(at: at)
    }

    /// A vector field: where its elements start and how many there are, each `stride` bytes,
    /// all of them inside the buffer.
    func vector(_ id: Int, stride: Int) throws -> (start: Int, count: Int)? {
        guard let at = try target(id) else { return nil }
        let count = Int(try buffer.le(at, 4))
        let start = at + 4
        guard count <= (buffer.bytes.count - start) / stride else { throw buffer.fail("a vector of \(count) elements runs past the metadata") }
        return (start, count)
    }

    /// A vector of tables.
    func tables(_ id: Int) throws -> [FlatTable] {
        guard let (start, count) = try vector(id, stride: 4) else { return [] }
        var out: [FlatTable] = []
        for k in 0..<count {
            let at = start + 4 * k
            out.append(try buffer.table(at: at + Int(try buffer.le(at, 4))))
        }
        return out
    }

    func string(_ id: Int) throws -> String? {
        guard let (start, count) = try vector(id, stride: 1) else { return nil }
        guard let s = String(validating: buffer.bytes[start..<(start + count)], as: UTF8.self) else {
            throw buffer.fail("a name that is not UTF-8")
        }
        return s
    }
}
