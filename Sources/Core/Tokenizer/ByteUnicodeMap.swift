/// GPT-2's reversible byte <-> printable-character map. Byte-level BPE vocabularies
/// spell every token with these characters, so they never contain raw control bytes
/// or whitespace that JSON and text tooling would mangle.
enum ByteUnicodeMap {
    /// The order GPT-2 builds the map in: printable Latin-1 bytes keep their own code
    /// point, the rest are shifted to 256+. Byte-only vocabularies use this order for ids.
    static let bytesInGPT2Order: [UInt8] = {
        var printable: [UInt8] = []
        printable += Array(UInt8(ascii: "!")...UInt8(ascii: "~"))
        printable += Array(UInt8(0xA1)...UInt8(0xAC))
        printable += Array(UInt8(0xAE)...UInt8(0xFF))
        let rest = (0...255).map { UInt8($0) }.filter { !printable.contains($0) }
        return printable + rest
    }()

    /// byte -> character.
    static let byteToScalar: [Unicode.Scalar] = {
        var table = [Unicode.Scalar](repeating: " ", count: 256)
        var shifted: UInt32 = 256
        for b in 0..<256 {
            let printable = (0x21...0x7E).contains(b) || (0xA1...0xAC).contains(b) || (0xAE...0xFF).contains(b)
            if printable {
                table[b] = Unicode.Scalar(UInt8(b))
            } else {
                table[b] = Unicode.Scalar(shifted) ?? " " // shifted stays below 324, always valid
                shifted += 1
            }
        }
        return table
    }()

    /// character code point -> byte; -1 where the character is not part of the map.
    /// All mapped code points are below 324, so a flat array beats a dictionary.
    static let scalarToByte: [Int16] = {
        var table = [Int16](repeating: -1, count: 324)
        for (b, s) in byteToScalar.enumerated() { table[Int(s.value)] = Int16(b) }
        return table
    }()

    /// The one-character token string for each byte.
    static let byteTokens: [String] = byteToScalar.map { String(Character($0)) }

    static func encode<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        var s = String.UnicodeScalarView()
        for b in bytes { s.append(byteToScalar[Int(b)]) }
        return String(s)
    }

    /// Bytes a token string stands for, or nil when it holds a character outside the
    /// map (added tokens such as "<|im_start|>" are plain text, not byte-encoded).
    static func decode(_ token: String) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(token.utf8.count)
        for s in token.unicodeScalars {
            let v = Int(s.value)
            guard v < scalarToByte.count, scalarToByte[v] >= 0 else { return nil }
            out.append(UInt8(scalarToByte[v]))
        }
        return out
    }

    /// Bytes a token string stands for: byte-level spelling when every character is in
    /// the map, else its own UTF-8 (what the HF ByteLevel decoder does).
    static func tokenBytes(_ token: String) -> [UInt8] {
        decode(token) ?? Array(token.utf8)
    }
}
