/// The character classes the supported split regexes distinguish, as bit flags so
/// the hand-written matcher tests a byte instead of re-querying Unicode properties.
enum ScalarClass {
    static let letter: UInt8 = 1      // \p{L}
    static let number: UInt8 = 2      // \p{N}
    static let whitespace: UInt8 = 4  // \s
    static let newline: UInt8 = 8     // \r or \n
    static let space: UInt8 = 16      // U+0020, the optional " ?" prefix
    static let apostrophe: UInt8 = 32 // starts a contraction

    /// Neither \s, \p{L} nor \p{N}: what [^\s\p{L}\p{N}] matches.
    @inline(__always) static func isOther(_ c: UInt8) -> Bool {
        c & (letter | number | whitespace) == 0
    }

    private static let asciiTable: [UInt8] = (0..<128).map { classifySlow(Unicode.Scalar(UInt8($0))) }

    @inline(__always) static func classify(_ s: Unicode.Scalar) -> UInt8 {
        s.value < 128 ? asciiTable[Int(s.value)] : classifySlow(s)
    }

    private static func classifySlow(_ s: Unicode.Scalar) -> UInt8 {
        var c: UInt8 = 0
        switch s.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            c |= letter
        case .decimalNumber, .letterNumber, .otherNumber:
            c |= number
        default:
            break
        }
        if s.properties.isWhitespace { c |= whitespace }
        if s == "\r" || s == "\n" { c |= newline }
        if s == " " { c |= space }
        if s == "'" { c |= apostrophe }
        return c
    }
}
